#!/usr/bin/env bash
# Installs the official Zeebe clients the gateway tests run against, from the
# npm registry, into .cache/npm-clients (gitignored):
#   zeebe-node@8.3.2  its proto/zeebe.proto is the gateway protocol that
#                     gateway/proto/gateway.proto must stay wire-compatible with;
#   zbctl@8.4.1       ships the official zbctl Linux binary.
# Idempotent: exits early when both are installed at those versions.
set -euo pipefail
cd "$(dirname "$0")/.."

dir=.cache/npm-clients
want=("zeebe-node@8.3.2" "zbctl@8.4.1")

installed_version() {  # $1: package name
  local manifest="$dir/node_modules/$1/package.json"
  [ -f "$manifest" ] || return 0
  sed -n 's/^[[:space:]]*"version":[[:space:]]*"\([^"]*\)".*/\1/p' "$manifest" | head -n 1
}

missing=()
for spec in "${want[@]}"; do
  if [ "$(installed_version "${spec%@*}")" != "${spec##*@}" ]; then missing+=("$spec"); fi
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-npm-clients: ${want[*]} present in $dir"
  exit 0
fi

if ! command -v npm >/dev/null; then
  # A machine without Node.js: Debian's nodejs and npm packages.
  echo "install-npm-clients: npm not found; installing Debian's nodejs and npm"
  sudo_cmd=()
  if [ "$(id -u)" -ne 0 ]; then sudo_cmd=(sudo); fi
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends nodejs npm
fi
echo "install-npm-clients: installing ${missing[*]} into $dir"
mkdir -p "$dir"
npm install --prefix "$dir" --no-audit --no-fund --loglevel=error "${want[@]}"
chmod +x "$dir/node_modules/zbctl/bin/zbctl-cli.linux"
