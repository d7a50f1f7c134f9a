#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The translation test: POTFILES.in is sorted and names every file with translatable strings,
# and every catalogue in LINGUAS translates every message, with nothing fuzzy.
set -euo pipefail
SRC=${1:?source root}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
cd "$SRC"
fail=0

grep -v '^\s*\(#\|$\)' po/POTFILES.in > "$TMP/listed"
if ! LC_ALL=C sort -c "$TMP/listed" 2>/dev/null; then
  echo "po/POTFILES.in is not sorted" >&2; fail=1
fi
while read -r f; do
  [ -f "$f" ] || { echo "po/POTFILES.in names $f, which does not exist" >&2; fail=1; }
done < "$TMP/listed"

# Every source, template and data file that marks strings for translation
grep -rlE '\b(N?C?_|g_dpgettext2|ngettext)\s*\(\s*"|translatable="yes"' \
  --include='*.c' --include='*.ui' --include='*.in' src data 2>/dev/null |
  grep -v '^data/regions/' > "$TMP/marked" || true
# Data files are translated whole: desktop entries, metainfo, schemas
find data -name '*.desktop.in*' -o -name '*.metainfo.xml.in*' -o -name '*.gschema.xml' >> "$TMP/marked"
LC_ALL=C sort -u -o "$TMP/marked" "$TMP/marked"
for f in $(LC_ALL=C comm -23 "$TMP/marked" "$TMP/listed"); do
  echo "po/POTFILES.in misses $f, which has translatable strings" >&2; fail=1
done

xgettext --from-code=UTF-8 --add-comments=TRANSLATORS -o "$TMP/mingtang.pot" -f po/POTFILES.in \
  --keyword=_ --keyword=N_ --keyword=C_:1c,2 --keyword=NC_:1c,2 --keyword=g_dpgettext2:2c,3 \
  --keyword=ngettext:1,2 --keyword=g_dngettext:2,3 \
  --flag=g_strdup_printf:1:c-format --flag=g_set_error:4:c-format
for lang in $(grep -v '^#' po/LINGUAS); do
  po="po/$lang.po"
  # the catalogue itself: valid, every message translated, nothing fuzzy
  stats=$(LC_ALL=C msgfmt --check --statistics -o /dev/null "$po" 2>&1) || { echo "$po: $stats" >&2; fail=1; }
  if echo "$stats" | grep -qE 'untranslated|fuzzy'; then
    echo "$po: $stats" >&2; fail=1
  fi
  # against today's sources: a new or changed string is an untranslated message
  msgmerge --quiet --no-fuzzy-matching -o "$TMP/$lang.po" "$po" "$TMP/mingtang.pot"
  msgattrib --untranslated --no-obsolete "$TMP/$lang.po" | grep '^msgid ' | grep -v '^msgid ""$' |
    sed "s|^|$po: untranslated: |" >&2 && fail=1
  msgattrib --only-fuzzy --no-obsolete "$TMP/$lang.po" | grep '^msgid ' | grep -v '^msgid ""$' |
    sed "s|^|$po: fuzzy: |" >&2 && fail=1
done

[ $fail -eq 0 ] && echo "translations complete: $(grep -v '^#' po/LINGUAS | tr '\n' ' ')"
exit $fail
