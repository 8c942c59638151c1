#!/usr/bin/env bash
# Configures and builds one flavour of waggle into build/<flavour>.
#   scripts/build.sh release   RelWithDebInfo, -Werror (the default)
#   scripts/build.sh asan      Debug with AddressSanitizer + UndefinedBehaviorSanitizer
#   scripts/build.sh tsan      Debug with ThreadSanitizer
# Extra arguments are passed to `cmake --build` (e.g. --target raft_tests).
set -euo pipefail
cd "$(dirname "$0")/.."
# ccache hits across checkouts (CI builds a fresh clone elsewhere): paths
# under the repository are hashed relative to it, the build directory not.
export CCACHE_BASEDIR=$PWD CCACHE_NOHASHDIR=true

flavour=${1:-release}
shift || true
case "$flavour" in
  release) args=(-DCMAKE_BUILD_TYPE=RelWithDebInfo) ;;
  asan) args=(-DCMAKE_BUILD_TYPE=Debug -DWAGGLE_SANITIZE=address,undefined) ;;
  tsan) args=(-DCMAKE_BUILD_TYPE=Debug -DWAGGLE_SANITIZE=thread) ;;
  *) echo "build.sh: unknown flavour '$flavour' (allowed: release, asan, tsan)" >&2; exit 2 ;;
esac

cmake -S . -B "build/$flavour" "${args[@]}" >/dev/null
cmake --build "build/$flavour" -j"$(nproc)" "$@"
