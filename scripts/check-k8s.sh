#!/usr/bin/env bash
# Checks k8s/ offline, without a cluster:
#   1. renders every overlay under k8s/overlays with `kubectl kustomize`;
#   2. validates every rendered object (scripts/k8s-validate.mjs): against
#      the Kubernetes and prometheus-operator OpenAPI schemas (types, enums,
#      required fields), for unknown fields (TypeScript excess-property
#      checks against the same schemas' types), and for consistency (the
#      broker configuration against the StatefulSet, selectors, named ports,
#      probes on 9600, the gateway's contact points, ACK storage rules);
#   3. parses each overlay's broker configuration with waggle's own parser
#      when a waggle binary is at hand (WAGGLE_BINARY, else build/release/cmd/waggle);
#   4. checks the image's entrypoint (node id from the pod ordinal);
#   5. proves that the checks can fail: deliberately broken copies (an
#      unknown field, a wrong type, a missing required field, a bad
#      ServiceMonitor, inconsistent objects, ...) must each be rejected
#      with the expected message;
#   6. docs/monitoring/: promtool checks prometheus.yml and every dashboard
#      expression; the dashboard queries only metrics of the contract in
#      docs/operations.md and shows all of them (scripts/check-dashboard.mjs);
#      a broken copy of each must be rejected.
# Installs its npm packages first (scripts/install-k8s-tools.sh). Needs a
# kubectl whose kustomize is v4 or later (kubectl >= 1.21); without one it
# says so and exits 77, which ctest reports as skipped.
# Exits non-zero on any problem. Takes a few seconds once installed.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { echo "check-k8s: $*"; }
die() { echo "check-k8s: FAILED: $*" >&2; exit 1; }

scripts/install-k8s-tools.sh
tools=.cache/k8s-check

kubectl=${KUBECTL:-kubectl}
if ! command -v "$kubectl" >/dev/null; then
  say "SKIPPED: no kubectl on PATH (needs kubectl >= 1.21 for its kustomize)"
  exit 77
fi
kustomize_major=$("$kubectl" version --client 2>/dev/null | sed -n 's/^Kustomize Version: v\([0-9]*\).*/\1/p')
if [ -z "$kustomize_major" ] || [ "$kustomize_major" -lt 4 ]; then
  say "SKIPPED: $(command -v "$kubectl") embeds no kustomize v4 or later (Debian's kubectl 1.20 is too old; needs kubectl >= 1.21)"
  exit 77
fi

cp scripts/k8s-validate.mjs "$tools/k8s-validate.mjs"
work=$(mktemp -d "${TMPDIR:-/tmp}/check-k8s-XXXXXX")
trap 'rm -rf "$work"' EXIT

render() {  # $1: kustomization dir, $2: output file
  "$kubectl" kustomize "$1" > "$2" 2> "$work/render.err" || {
    cat "$work/render.err" >&2
    die "kubectl kustomize $1 failed"
  }
}

# --- 1-2. every overlay ------------------------------------------------------
inputs=()
for dir in k8s/overlays/*/; do
  name=$(basename "$dir")
  render "$dir" "$work/$name.yaml"
  inputs+=("$name=$work/$name.yaml")
done
[ ${#inputs[@]} -ge 3 ] || die "expected at least 3 overlays under k8s/overlays, found ${#inputs[@]}"
say "rendered ${#inputs[@]} overlays with $("$kubectl" version --client 2>/dev/null | sed -n 's/^Kustomize Version: //p' | head -n 1) kustomize; validating"
node "$tools/k8s-validate.mjs" --broker-config-dir "$work/config" "${inputs[@]}" ||
  die "the rendered manifests have problems (above)"

# --- 3. waggle parses each broker configuration ------------------------------
waggle=${WAGGLE_BINARY:-build/release/cmd/waggle}
# Named explicitly (ctest does), it must be there.
[ -z "${WAGGLE_BINARY:-}" ] || [ -x "$waggle" ] || die "WAGGLE_BINARY=$WAGGLE_BINARY is not an executable"
if [ -x "$waggle" ]; then
  # A node id no configuration allows: waggle loads every setting first, so
  # the only complaint about a good file is the node id (an unknown setting
  # or a bad value would be named instead), and it names clusterSize.
  parse() {  # $1: config file; prints waggle's complaint
    if "$waggle" broker --config "$1" --cluster.nodeId=8191 > "$work/parse.out" 2>&1; then
      die "waggle broker accepted node id 8191 with $1"
    fi
    cat "$work/parse.out"
  }
  for config in "$work"/config/*.broker.yaml; do
    out=$(parse "$config")
    grep -E -q "cluster.nodeId: allowed: 0 to clusterSize - 1 = [0-9]+; got 8191" <<< "$out" ||
      die "waggle rejects $(basename "$config"): $out"
  done
  sed 's/clusterSize:/clustersize:/' "$work/config/generic.broker.yaml" > "$work/bad.broker.yaml"
  grep -q "unknown setting 'cluster.clustersize'" <<< "$(parse "$work/bad.broker.yaml")" ||
    die "waggle did not reject a misspelt setting (negative check)"
  say "waggle ($waggle) accepts every overlay's broker configuration and rejects a misspelt one"
else
  say "no waggle binary at $waggle: broker configuration not parsed by waggle (set WAGGLE_BINARY)"
fi

# --- 4. the entrypoint -------------------------------------------------------
stub="$work/waggle-stub"
printf '#!/bin/sh\necho "node=${WAGGLE_BROKER_CLUSTER_NODEID:-unset} $*"\n' > "$stub"
chmod +x "$stub"
entry() {  # [VAR=value...] ARGS...: the entrypoint's output through the stub
  local assignments=()
  while [[ "$1" == *=* ]]; do assignments+=("$1"); shift; done
  env -u WAGGLE_BROKER_CLUSTER_NODEID WAGGLE_BIN="$stub" "${assignments[@]}" scripts/docker-entrypoint.sh "$@" 2>/dev/null
}
[ "$(entry HOSTNAME=waggle-broker-2 broker --x=1)" = "node=2 broker --x=1" ] || die "entrypoint: waggle-broker-2 is not node 2"
[ "$(entry HOSTNAME=waggle-broker-12 broker)" = "node=12 broker" ] || die "entrypoint: waggle-broker-12 is not node 12"
[ "$(entry HOSTNAME=0f3a9c1b broker)" = "node=unset broker" ] || die "entrypoint: a host name without ordinal set a node id"
[ "$(entry HOSTNAME=waggle-broker-2 WAGGLE_BROKER_CLUSTER_NODEID=5 broker)" = "node=5 broker" ] ||
  die "entrypoint: overrode an explicit WAGGLE_BROKER_CLUSTER_NODEID"
[ "$(entry HOSTNAME=waggle-gateway-7 gateway --port 26500)" = "node=unset gateway --port 26500" ] ||
  die "entrypoint: set a node id for the gateway"
say "entrypoint: node id from the pod ordinal"

# --- 5. broken copies must be rejected ---------------------------------------
cp -r k8s "$work/k8s"
cases=()
broken() {  # $1: case name, $2: overlay it patches, $3: expected message (ERE); patches on stdin
  local dir="$work/k8s/broken/$1"
  mkdir -p "$dir"
  { printf 'resources:\n  - ../../overlays/%s\n' "$2"; cat; } > "$dir/kustomization.yaml"
  cases+=("$1|$3")
}

broken unknown-field generic 'StatefulSet/waggle-broker: unknown field: .*livenessProbes' <<'EOF'
patches:
  - patch: |-
      - op: add
        path: /spec/template/spec/containers/0/livenessProbes
        value: {httpGet: {path: /health, port: monitoring}}
    target: {kind: StatefulSet, name: waggle-broker}
EOF
broken wrong-type generic 'Deployment/waggle-gateway: schema: /spec/replicas must be integer' <<'EOF'
patches:
  - patch: |-
      - op: replace
        path: /spec/replicas
        value: two
    target: {kind: Deployment, name: waggle-gateway}
EOF
broken missing-required generic 'Service/waggle-gateway: schema: /spec/ports/0 must have required property .?port' <<'EOF'
patches:
  - patch: |-
      - op: remove
        path: /spec/ports/0/port
    target: {kind: Service, name: waggle-gateway}
EOF
# (stdin continues the resources list)
broken unknown-kind generic 'Servce/stray: no schema for apiVersion v1 kind Servce' <<'EOF'
  - stray.yaml
EOF
printf 'apiVersion: v1\nkind: Servce\nmetadata:\n  name: stray\n' > "$work/k8s/broken/unknown-kind/stray.yaml"
broken servicemonitor-unknown-field generic 'ServiceMonitor/waggle: unknown field: .*intervall' <<'EOF'
patches:
  - patch: |-
      - op: add
        path: /spec/endpoints/0/intervall
        value: 15s
    target: {kind: ServiceMonitor, name: waggle}
EOF
broken servicemonitor-bad-enum generic 'ServiceMonitor/waggle: schema: /spec/endpoints/0/scheme must be equal to one of the allowed values' <<'EOF'
patches:
  - patch: |-
      - op: add
        path: /spec/endpoints/0/scheme
        value: ftp
    target: {kind: ServiceMonitor, name: waggle}
EOF
broken replicas-without-config generic 'cluster.clusterSize 3 differs from the StatefulSet.s replicas 5' <<'EOF'
patches:
  - patch: |-
      - op: replace
        path: /spec/replicas
        value: 5
    target: {kind: StatefulSet, name: waggle-broker}
EOF
broken probe-port generic 'readinessProbe port monitor is not a port of the container' <<'EOF'
patches:
  - patch: |-
      - op: replace
        path: /spec/template/spec/containers/0/readinessProbe/httpGet/port
        value: monitor
    target: {kind: StatefulSet, name: waggle-broker}
EOF
broken not-published generic 'must be headless \(clusterIP None\) with publishNotReadyAddresses' <<'EOF'
patches:
  - patch: |-
      - op: replace
        path: /spec/publishNotReadyAddresses
        value: false
    target: {kind: Service, name: waggle-broker}
EOF
broken gateway-contact-points generic 'Deployment/waggle-gateway: --contact-points must be' <<'EOF'
patches:
  - patch: |-
      - op: replace
        path: /spec/template/spec/containers/0/args/6
        value: waggle-broker-0.waggle-broker:26502
    target: {kind: Deployment, name: waggle-gateway}
EOF
broken small-ack-disk alibaba-cloud 'ACK cloud disks are at least 20Gi; the data volume asks for 10Gi' <<'EOF'
patches:
  - patch: |-
      - op: replace
        path: /spec/volumeClaimTemplates/0/spec/resources/requests/storage
        value: 10Gi
    target: {kind: StatefulSet, name: waggle-broker}
EOF
broken ack-immediate-binding alibaba-cloud 'volumeBindingMode must be WaitForFirstConsumer' <<'EOF'
patches:
  - patch: |-
      - op: replace
        path: /volumeBindingMode
        value: Immediate
    target: {kind: StorageClass, name: waggle-essd-pl1}
EOF

broken_inputs=()
for entry in "${cases[@]}"; do
  name=${entry%%|*}
  render "$work/k8s/broken/$name" "$work/broken-$name.yaml"
  broken_inputs+=("$name=$work/broken-$name.yaml")
done
status=0
node "$tools/k8s-validate.mjs" "${broken_inputs[@]}" > "$work/broken.out" 2>&1 || status=$?
[ "$status" = 1 ] || { cat "$work/broken.out" >&2; die "the validator exited $status on the broken copies (want 1)"; }
for entry in "${cases[@]}"; do
  name=${entry%%|*}
  expected=${entry#*|}
  if ! grep -E -q "^$name: .*$expected" "$work/broken.out"; then
    grep "^$name: " "$work/broken.out" >&2 || true
    die "broken copy '$name' was not rejected with /$expected/"
  fi
done
say "all ${#cases[@]} broken copies rejected, each with the expected message:"
sed 's/^/  /' "$work/broken.out"

# --- 6. Prometheus configuration and Grafana dashboard -----------------------
command -v promtool >/dev/null || die "no promtool (Debian's prometheus package; scripts/install-k8s-tools.sh installs it)"
promtool check config docs/monitoring/prometheus.yml > "$work/promtool.out" 2>&1 ||
  { cat "$work/promtool.out" >&2; die "promtool rejects docs/monitoring/prometheus.yml"; }
node scripts/check-dashboard.mjs docs/monitoring/grafana-dashboard.json docs/operations.md "$work/rules.yml" ||
  die "the dashboard does not match the metrics contract (docs/operations.md)"
promtool check rules "$work/rules.yml" > "$work/promtool.out" 2>&1 ||
  { cat "$work/promtool.out" >&2; die "promtool rejects a dashboard expression"; }
# ... and they can fail: a misspelt metric, an expression that does not parse.
sed 's/waggle_raft_term/waggle_raft_terms/' docs/monitoring/grafana-dashboard.json > "$work/bad-dashboard.json"
if node scripts/check-dashboard.mjs "$work/bad-dashboard.json" docs/operations.md "$work/bad-rules.yml" > "$work/bad.out"; then
  die "a dashboard querying waggle_raft_terms was accepted (negative check)"
fi
grep -q "waggle_raft_terms is not in the metrics contract" "$work/bad.out" || { cat "$work/bad.out" >&2; die "unexpected complaint about the broken dashboard"; }
printf 'groups:\n  - name: broken\n    rules:\n      - record: broken\n        expr: "sum(rate(waggle_raft_term[1m])"\n' > "$work/bad-rules.yml"
if promtool check rules "$work/bad-rules.yml" > /dev/null 2>&1; then die "promtool accepted an unbalanced expression (negative check)"; fi
say "prometheus.yml valid; dashboard: every query parses (promtool) and names contract metrics only; broken copies rejected"

say "ok: ${#inputs[@]} overlays valid"
