#!/usr/bin/env bash
# waggle's main job: a local cluster on 127.0.0.1. Installs what is missing,
# builds waggle (release), starts three `waggle broker` processes (3
# partitions, replication factor 3) and `waggle gateway` on port 26500, waits
# until every partition has a leader, runs a short demo through zbctl (deploy
# a process, start an instance, complete its job), prints where everything
# listens and keeps running until Ctrl-C, which stops every process cleanly.
#
#   scripts/run-cluster.sh [--no-wait] [--no-demo] [--data DIR]
#
#   --no-wait (or WAGGLE_DEMO_EXIT=1)  stop the cluster after the demo
#   --no-demo                          skip the zbctl demo
#   --data DIR                         keep the brokers' data in DIR (kept on
#                                      exit; reused by the next run)
#   WAGGLE_BINARY=path                 use this waggle binary; skip install and build
#   WAGGLE_GATEWAY_PORT=N              gateway port (default 26500)
#   WAGGLE_GATEWAY_MONITORING_PORT=N   gateway metrics and probes (default 9600)
#   WAGGLE_BROKER_PORT=N               broker n: command API N+10n, internal
#                                      N+10n+1, monitoring N+10n+2 (default 26501)
#
# Any step that fails stops the script with a non-zero exit status; every
# process it started is stopped on the way out.
set -euo pipefail
cd "$(dirname "$0")/.."

wait_at_end=1
demo=1
data_dir=""
[ "${WAGGLE_DEMO_EXIT:-0}" = 1 ] && wait_at_end=0
while [ $# -gt 0 ]; do
  case "$1" in
    --no-wait) wait_at_end=0 ;;
    --no-demo) demo=0 ;;
    --data)
      [ $# -ge 2 ] || { echo "run-cluster.sh: --data needs a directory" >&2; exit 2; }
      data_dir=$2
      shift
      ;;
    -h | --help) sed -n '2,21s/^# \{0,1\}//p' "$0"; exit 0 ;;
    *) echo "run-cluster.sh: unknown argument '$1' (allowed: --no-wait, --no-demo, --data DIR)" >&2; exit 2 ;;
  esac
  shift
done

say() { printf '\n=== %s\n' "$*"; }
die() { printf 'run-cluster.sh: %s\n' "$*" >&2; exit 1; }

if [ -n "${WAGGLE_BINARY:-}" ]; then
  waggle=$WAGGLE_BINARY
else
  say "installing dependencies and building waggle (release)"
  scripts/install-deps.sh
  scripts/build.sh release --target waggle
  waggle=build/release/cmd/waggle
fi
[ -x "$waggle" ] || die "no waggle binary at $waggle"
zbctl=${WAGGLE_ZBCTL:-.cache/npm-clients/node_modules/zbctl/bin/zbctl-cli.linux}

gateway_port=${WAGGLE_GATEWAY_PORT:-26500}
gateway_monitoring_port=${WAGGLE_GATEWAY_MONITORING_PORT:-9600}
broker_port=${WAGGLE_BROKER_PORT:-26501}
brokers=3
keep_data=1
if [ -z "$data_dir" ]; then
  data_dir=$(mktemp -d "${TMPDIR:-/tmp}/waggle-cluster-XXXXXX")
  keep_data=0
fi
mkdir -p "$data_dir"
command_port() { echo $((broker_port + 10 * $1)); }
internal_port() { echo $((broker_port + 10 * $1 + 1)); }
monitoring_port() { echo $((broker_port + 10 * $1 + 2)); }

contact_points=""
command_apis=""
for n in $(seq 0 $((brokers - 1))); do
  contact_points+="${contact_points:+,}127.0.0.1:$(internal_port "$n")"
  command_apis+="${command_apis:+,}127.0.0.1:$(command_port "$n")"
done

declare -A pids=()
cleanup() {
  trap - EXIT INT TERM
  # SIGTERM first: brokers hand over leadership and flush their journals.
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for _ in $(seq 100); do
    alive=0
    for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
    [ "$alive" = 0 ] && break
    sleep 0.1
  done
  for pid in "${pids[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  if [ "$keep_data" = 0 ]; then rm -rf "$data_dir"; fi
}
trap cleanup EXIT
trap 'echo; say "stopping the cluster"; exit 0' INT TERM

# Output goes through sed to tag each line with its process; $! stays the
# process's own pid (a process substitution does not replace it).
start_broker() {
  local n=$1
  "$waggle" broker \
    --cluster.nodeId="$n" --cluster.clusterSize=$brokers \
    --cluster.partitionsCount=3 --cluster.replicationFactor=3 \
    --cluster.initialContactPoints="$contact_points" \
    --network.host=127.0.0.1 \
    --network.commandApi.port="$(command_port "$n")" \
    --network.internalApi.port="$(internal_port "$n")" \
    --network.monitoringApi.port="$(monitoring_port "$n")" \
    --data.directory="$data_dir/broker-$n" \
    > >(sed -u "s/^/[broker $n] /") 2>&1 &
  pids[broker$n]=$!
}

check_alive() {
  for name in "${!pids[@]}"; do
    kill -0 "${pids[$name]}" 2>/dev/null || die "$name exited unexpectedly (see its lines above)"
  done
}

say "starting $brokers brokers (3 partitions, replication factor 3; data in $data_dir)"
for n in $(seq 0 $((brokers - 1))); do start_broker "$n"; done
"$waggle" gateway --host 127.0.0.1 --port "$gateway_port" \
  --monitoring-port "$gateway_monitoring_port" --contact-points "$command_apis" \
  > >(sed -u "s/^/[gateway] /") 2>&1 &
pids[gateway]=$!

if [ -x "$zbctl" ]; then
  zb() { "$zbctl" --insecure --address "127.0.0.1:$gateway_port" "$@"; }
  ready=0
  for _ in $(seq 300); do
    check_alive
    status=$(zb status 2>/dev/null || true)
    if [ "$(grep -c ': Leader, Healthy' <<< "$status")" -eq 3 ]; then
      ready=1
      break
    fi
    sleep 0.1
  done
  [ "$ready" = 1 ] || die "the partitions have no leaders after 30 s"
  say "every partition has a leader (zbctl status):"
  zb status

  if [ "$demo" = 1 ]; then
    say "demo: zbctl deploy resource docs/examples/one-task.bpmn"
    zb deploy resource docs/examples/one-task.bpmn
    say "demo: zbctl create instance one-task --variables '{\"name\":\"waggle\"}'"
    zb create instance one-task --variables '{"name":"waggle"}'
    say "demo: zbctl activate jobs greet"
    jobs=$(zb activate jobs greet --maxJobsToActivate 1)
    echo "$jobs"
    job_key=$(sed -n 's/.*"key": *"\([0-9]*\)".*/\1/p' <<< "$jobs" | head -n 1)
    [ -n "$job_key" ] || die "no job was activated"
    say "demo: zbctl complete job $job_key"
    zb complete job "$job_key" --variables '{"greeting":"hello"}'
  fi
else
  echo "run-cluster.sh: no zbctl at $zbctl; not waiting for leaders, no demo" >&2
fi
check_alive

say "waggle is running"
for n in $(seq 0 $((brokers - 1))); do
  echo "  broker $n: command API 127.0.0.1:$(command_port "$n"), internal 127.0.0.1:$(internal_port "$n"), data $data_dir/broker-$n"
  echo "            metrics http://127.0.0.1:$(monitoring_port "$n")/metrics, status /partitions, probes /ready /health /startup"
done
echo "  gateway: 127.0.0.1:$gateway_port (Zeebe gRPC; e.g. $zbctl --insecure status)"
echo "           metrics http://127.0.0.1:$gateway_monitoring_port/metrics, probes /ready /health /startup"

if [ "$wait_at_end" = 0 ]; then
  say "stopping the cluster (--no-wait)"
  exit 0
fi
say "press Ctrl-C to stop"
# From here a broker that dies (say, killed to watch a fail-over) is
# reported and the others go on without it.
while true; do
  for name in "${!pids[@]}"; do
    if ! kill -0 "${pids[$name]}" 2>/dev/null; then
      status=0
      wait "${pids[$name]}" || status=$?
      say "$name exited (status $status); the others go on"
      unset "pids[$name]"
    fi
  done
  sleep 1
done
