#!/usr/bin/env bash
# Installs what is missing, then builds and runs every test:
#   1. release build: all tests (unit, simulation, real processes on 127.0.0.1);
#   2. ASan + UBSan build: unit, concurrent and simulation tests;
#   3. TSan build: the tests of code with threads (label concurrent);
#   4. libFuzzer (clang): each fuzz target for a short while.
# Exits non-zero if anything fails.
set -euo pipefail
cd "$(dirname "$0")/.."

# Each stage's heading says how long the run has taken so far.
stage() { echo "== [$((SECONDS / 60))m$((SECONDS % 60))s] $*"; }

scripts/install-deps.sh
jobs=$(nproc)

stage "release build: all tests"
scripts/build.sh release
ctest --test-dir build/release --output-on-failure -j"$jobs"

stage "ASan + UBSan build: unit, concurrent and simulation tests"
scripts/build.sh asan
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --test-dir build/asan -L 'unit|concurrent|sim' --output-on-failure -j"$jobs"

stage "TSan build: concurrent tests"
scripts/build.sh tsan --target concurrent_tests
# Known issue, excluded here only (it runs in the other two builds): under
# TSan, Stop() while a peer does not read sometimes takes over a minute
# (seen once: 76 s). Open in the notes of issue 2 until understood.
TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1:suppressions=$PWD/tests/tsan.supp" \
  ctest --test-dir build/tsan -L concurrent -E 'StopReturnsPromptlyWhilePeerDoesNotRead' \
  --output-on-failure -j"$jobs"

stage "libFuzzer: each target for ${WAGGLE_FUZZ_SECONDS:-30}s"
scripts/fuzz.sh "${WAGGLE_FUZZ_SECONDS:-30}"
stage "all passed"
