#!/bin/bash
# Fuzzes the telemetry codec with libFuzzer (clang, from Debian's clang and libclang-rt-dev):
#   tests/fuzz/run.sh [SECONDS] [BUILD_DIR]
# Crashes are written to tests/fuzz/ and make the run fail. Afterwards the inputs that reach code
# the kept corpus does not are merged into tests/codec-corpus/found/, which the test suite
# replays (test-codec, /mt/codec/corpus).
set -eo pipefail
seconds=${1:-600}
build=${2:-_build}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

clang -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
  -I"$root/$build" -I"$root/src/core" $(pkg-config --cflags glib-2.0) \
  "$here/fuzz-codec.c" "$root/src/core/mt-codec.c" $(pkg-config --libs glib-2.0) -lm \
  -o "$work/fuzz-codec"
mkdir -p "$work/corpus"
cp "$root"/tests/codec-corpus/* "$work/corpus/"
cd "$here"
"$work/fuzz-codec" -max_total_time="$seconds" -max_len=4096 -timeout=5 \
  -dict="$here/codec.dict" "$work/corpus" 2>&1 | grep -E "^(Done|#[0-9]+ +DONE)|ERROR|SUMMARY" || true
mkdir -p "$root/tests/codec-corpus/found"
"$work/fuzz-codec" -merge=1 "$root/tests/codec-corpus/found" "$work/corpus" 2>&1 | grep -E "MERGE-OUTER: [0-9]+ new files" || true
ls "$root/tests/codec-corpus/found" | wc -l
