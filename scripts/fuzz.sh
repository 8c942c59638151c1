#!/usr/bin/env bash
# Builds the libFuzzer targets (clang, ASan + UBSan, instrumented libraries)
# and runs each for a while on a copy of its seed corpus.
#   scripts/fuzz.sh [SECONDS_PER_TARGET]    (default 30)
# A crash leaves its input as build/fuzz/crash-* and fails the script.
set -euo pipefail
cd "$(dirname "$0")/.."
# ccache hits across checkouts (CI builds a fresh clone elsewhere): paths
# under the repository are hashed relative to it, the build directory not.
export CCACHE_BASEDIR=$PWD CCACHE_NOHASHDIR=true

seconds=${1:-30}
CC=clang-14 CXX=clang++-14 cmake -S . -B build/fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DWAGGLE_SANITIZE=address,undefined -DCMAKE_CXX_FLAGS=-fsanitize=fuzzer-no-link >/dev/null
cmake --build build/fuzz -j"$(nproc)" --target fuzz_targets

for area in feel bpmn record; do
  corpus=$(mktemp -d)
  cp -r "tests/$area/corpus/." "$corpus"
  echo "== fuzz_$area for ${seconds}s"
  log="build/fuzz/fuzz_$area.log"
  status=0
  (cd build/fuzz && "tests/$area/fuzz_$area" -max_total_time="$seconds" -max_len=16384 \
    -print_final_stats=1 "$corpus") >"$log" 2>&1 || status=$?
  grep -E "^(#[0-9]+ +DONE|stat::number_of_executed_units|SUMMARY)" "$log" || true
  if [ "$status" -ne 0 ]; then
    tail -n 60 "$log"
    echo "fuzz_$area failed (exit $status); the input is in build/fuzz/crash-*" >&2
    exit 1
  fi
  rm -rf "$corpus"
done
