#!/bin/bash
# Fuzzes whole HTTP requests through the server's router and handlers with libFuzzer (clang, from
# Debian's clang and libclang-rt-dev), under AddressSanitizer and UndefinedBehaviorSanitizer:
#   tests/fuzz/run-http.sh [SECONDS] [JOBS]
# A crash, a sanitizer report, a 500, a raw database message or an answer that is not JSON stops
# the run and leaves the input in tests/fuzz/. Afterwards the inputs that reach code the kept
# corpus does not are merged into tests/http-corpus/found/, which the suite replays (fuzz-http).
set -eo pipefail
seconds=${1:-600}
jobs=${2:-1}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build="$root/_fuzz"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

if [ ! -f "$build/build.ninja" ]; then
  CC=clang meson setup "$build" "$root" -Dfuzzing=true -Db_sanitize=address,undefined -Db_lundef=false \
    -Dc_args=-fsanitize=fuzzer-no-link >/dev/null
fi
ninja -C "$build" tests/fuzz-http >/dev/null
mkdir -p "$work/corpus" "$root/tests/http-corpus/found"
cp "$root"/tests/http-corpus/seed-* "$root"/tests/http-corpus/found/* "$work/corpus/" 2>/dev/null || true
cd "$work"
export MINGTANG_LOCALEDIR="$build/po" UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
export ASAN_OPTIONS=detect_leaks=1
"$build/tests/fuzz-http" -max_total_time="$seconds" -max_len=8192 -timeout=10 -rss_limit_mb=4096 \
  -jobs="$jobs" -workers="$jobs" -artifact_prefix="$here/" -dict="$here/http.dict" -print_final_stats=1 \
  "$work/corpus" > "$work/fuzz.log" 2>&1 || true
cat "$work"/fuzz*.log | grep -E "^(Done|#[0-9]+ +DONE)|stat::number_of_executed_units|stat::average_exec|ERROR|SUMMARY|answered" || true
if ! grep -qE "^Done" "$work"/fuzz*.log; then
  echo "fuzz-http: the run did not finish; its logs end with:" >&2
  tail -n 5 "$work"/fuzz*.log >&2
fi
failures=$(find "$here" -maxdepth 1 \( -name 'crash-*' -o -name 'leak-*' -o -name 'timeout-*' -o -name 'oom-*' \))
if [ -n "$failures" ]; then
  echo "fuzz-http: failing inputs: $failures" >&2
  exit 1
fi
# what the run found beyond the hand-written seeds, kept for the suite
mkdir -p "$work/seeds"
cp "$root"/tests/http-corpus/seed-* "$root"/tests/http-corpus/found/* "$work/seeds/" 2>/dev/null || true
"$build/tests/fuzz-http" -merge=1 "$work/seeds" "$work/corpus" 2>&1 | grep -E "MERGE-OUTER: [0-9]+ new files" || true
for f in "$work"/seeds/*; do
  case "$(basename "$f")" in seed-*) ;; *) cp -n "$f" "$root/tests/http-corpus/found/" ;; esac
done
ls "$root/tests/http-corpus/found" | wc -l
