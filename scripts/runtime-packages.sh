#!/usr/bin/env bash
# Prints the Debian packages that hold the shared libraries a binary loads,
# one per line, sorted: what a runtime image must apt-get install to run it
# (the Dockerfile's runtime stage). Fails when a library belongs to no package.
#   scripts/runtime-packages.sh build/release/cmd/waggle
set -euo pipefail
binary=${1:?usage: runtime-packages.sh BINARY}
[ -x "$binary" ] || { echo "runtime-packages.sh: no executable at $binary" >&2; exit 2; }

owner() {  # $1: library path; dpkg records /lib or /usr/lib, whichever the package ships
  local path=$1 real
  real=$(realpath "$path")
  for candidate in "$path" "$real" "${path#/usr}" "${real#/usr}" "/usr${path#/usr}" "/usr${real#/usr}"; do
    if out=$(dpkg-query -S "$candidate" 2>/dev/null); then
      echo "${out%%:*}"
      return 0
    fi
  done
  echo "runtime-packages.sh: no Debian package holds $path" >&2
  return 1
}

libraries=$(ldd "$binary" | awk '$3 ~ /^\// { print $3 }')
[ -n "$libraries" ] || { echo "runtime-packages.sh: ldd found no libraries in $binary" >&2; exit 1; }
for lib in $libraries; do owner "$lib"; done | sed 's/, .*//' | sort -u
