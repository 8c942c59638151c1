#!/usr/bin/env bash
# Installs what scripts/check-k8s.sh validates manifests with, from the npm
# registry, into .cache/k8s-check (gitignored):
#   kubernetes-models@5.1.0                      Kubernetes' OpenAPI schemas as
#                                                ajv validators + TypeScript types
#   @kubernetes-models/prometheus-operator@6.0.0 the same for ServiceMonitor
#   typescript@5.9.3, yaml@2.9.1                 the unknown-field check, YAML
# (Both kubernetes-models packages say Node >= 22 and run on Debian's 20.)
# kubectl is not installed here: Debian's kubernetes-client (1.20) embeds a
# kustomize too old for k8s/ (it needs kubectl >= 1.21); check-k8s.sh uses
# the kubectl on PATH (the machine image ships v1.32).
# promtool (Debian's prometheus package) checks docs/monitoring/.
# Idempotent: exits early when everything is installed.
set -euo pipefail
cd "$(dirname "$0")/.."

dir=.cache/k8s-check
want=("kubernetes-models@5.1.0" "@kubernetes-models/prometheus-operator@6.0.0" "typescript@5.9.3" "yaml@2.9.1")

installed_version() {  # $1: package name
  local manifest="$dir/node_modules/$1/package.json"
  [ -f "$manifest" ] || return 0
  sed -n 's/^[[:space:]]*"version":[[:space:]]*"\([^"]*\)".*/\1/p' "$manifest" | head -n 1
}

sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then sudo_cmd=(sudo); fi
apt_updated=0
apt_install() {
  if [ "$apt_updated" = 0 ]; then "${sudo_cmd[@]}" apt-get update -qq; apt_updated=1; fi
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "$@"
}
if ! command -v promtool >/dev/null; then
  echo "install-k8s-tools: promtool not found; installing Debian's prometheus"
  apt_install prometheus
fi

missing=()
for spec in "${want[@]}"; do
  if [ "$(installed_version "${spec%@*}")" != "${spec##*@}" ]; then missing+=("$spec"); fi
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-k8s-tools: ${want[*]} present in $dir"
  exit 0
fi

if ! command -v npm >/dev/null; then
  echo "install-k8s-tools: npm not found; installing Debian's nodejs and npm"
  apt_install nodejs npm
fi
echo "install-k8s-tools: installing ${missing[*]} into $dir"
mkdir -p "$dir"
# Its own package.json, so that npm installs here and not in a parent's.
[ -f "$dir/package.json" ] || echo '{"private": true}' > "$dir/package.json"
npm install --prefix "$dir" --no-audit --no-fund --loglevel=error "${want[@]}"
