#!/usr/bin/env bash
# Installs every Debian package waggle needs to build, test and benchmark,
# then the official Zeebe clients from npm (scripts/install-npm-clients.sh)
# and the offline Kubernetes schema validators (scripts/install-k8s-tools.sh;
# scripts/check-k8s.sh also uses the kubectl the machine image ships).
# WAGGLE_INSTALL_NPM=0 installs the Debian packages only (the Dockerfile).
# Idempotent and non-interactive: packages already present are skipped, so a
# second run costs one dpkg query.
set -euo pipefail

packages=(
  cmake g++ make pkg-config ccache curl clang-format clang-14 libclang-rt-14-dev
  libgrpc++-dev protobuf-compiler-grpc protobuf-compiler libprotobuf-dev
  libflatbuffers-dev flatbuffers-compiler libleveldb-dev libsnappy-dev
  prometheus-cpp-dev libgtest-dev libgmock-dev libbenchmark-dev
  libpugixml-dev nlohmann-json3-dev libyaml-cpp-dev
  libhiredis-dev redis-server prometheus
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
else
  echo "install-deps: installing ${missing[*]}"
  sudo_cmd=()
  if [ "$(id -u)" -ne 0 ]; then sudo_cmd=(sudo); fi
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

if [ "${WAGGLE_INSTALL_NPM:-1}" != 0 ]; then
  "$(dirname "$0")/install-npm-clients.sh"
  "$(dirname "$0")/install-k8s-tools.sh"
fi
