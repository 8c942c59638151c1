#!/usr/bin/env bash
# The replicated-log demo: installs what is missing, builds waggle (release),
# starts three `waggle log-member` processes on 127.0.0.1, appends a stream of
# entries, kills the leader with SIGKILL while appends go on, shows the new
# leader taking over, restarts the killed member and shows it catching up,
# then keeps the cluster running until Ctrl-C.
#
#   scripts/run-cluster.sh [--no-wait]
#
#   --no-wait (or WAGGLE_DEMO_EXIT=1)  exit after the demo instead of waiting
#   WAGGLE_BINARY=path                 use this waggle binary; skip install and build
#   WAGGLE_DEMO_PORT=N                 Raft ports N..N+2, client ports N+100..N+102
#                                      (default 27001)
#
# Any step that fails stops the demo with a non-zero exit status; every
# process it started is killed on the way out.
set -euo pipefail
cd "$(dirname "$0")/.."

wait_at_end=1
[ "${WAGGLE_DEMO_EXIT:-0}" = 1 ] && wait_at_end=0
for arg in "$@"; do
  case "$arg" in
    --no-wait) wait_at_end=0 ;;
    -h | --help) sed -n '2,17s/^# \{0,1\}//p' "$0"; exit 0 ;;
    *) echo "run-cluster.sh: unknown argument '$arg' (allowed: --no-wait)" >&2; exit 2 ;;
  esac
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

base_port=${WAGGLE_DEMO_PORT:-27001}
ids=(1 2 3)
raft_members=""
client_members=""
for id in "${ids[@]}"; do
  raft_members+="${raft_members:+,}$id=127.0.0.1:$((base_port + id - 1))"
  client_members+="${client_members:+,}$id=127.0.0.1:$((base_port + 100 + id - 1))"
done
data_dir=$(mktemp -d "${TMPDIR:-/tmp}/waggle-demo-XXXXXX")
declare -A pids=()
background_append=""

cleanup() {
  trap - EXIT INT TERM
  for pid in "${pids[@]}" $background_append; do kill -9 "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$data_dir"
}
trap cleanup EXIT
trap 'echo; say "stopping the cluster"; exit 0' INT TERM

start_member() {
  local id=$1
  # Output goes through sed to tag each line with the member; $! stays the
  # member's own pid so that it can be killed alone.
  "$waggle" log-member --id "$id" --members "$raft_members" --data "$data_dir/m$id" \
    --client "127.0.0.1:$((base_port + 100 + id - 1))" \
    > >(sed -u "s/^/[m$id] /") 2>&1 &
  pids[$id]=$!
}

check_members_alive() {
  for id in "${!pids[@]}"; do
    kill -0 "${pids[$id]}" 2>/dev/null || die "member $id exited unexpectedly (see [m$id] above)"
  done
}

# The member that leads group 1, from `waggle log-status` (empty if none).
leader_of_group_1() {
  "$waggle" log-status --members "$client_members" 2>/dev/null |
    awk '$4 == "group" && $5 == "1" && $6 == "leader" { print $2; exit }' || true
}

# Waits until a leader other than $1 (may be empty) leads; prints its id.
wait_for_leader_other_than() {
  local previous=$1 leader
  for _ in $(seq 100); do
    check_members_alive
    leader=$(leader_of_group_1)
    if [ -n "$leader" ] && [ "$leader" != "$previous" ]; then
      echo "$leader"
      return 0
    fi
    sleep 0.1
  done
  die "no new leader within 10 s"
}

show_status() { "$waggle" log-status --members "$client_members" || true; }

say "starting 3 members (Raft on ports $base_port-$((base_port + 2)), clients on $((base_port + 100))-$((base_port + 102)), data in $data_dir)"
for id in "${ids[@]}"; do start_member "$id"; done

leader=$(wait_for_leader_other_than "")
say "member $leader leads; cluster status:"
show_status

say "appending 20000 entries through the leader"
"$waggle" log-append --members "$client_members" --count 20000 --size 100 --batch 10 | sed -u 's/^/[client] /'
check_members_alive

say "appending 20000 more at 5000/s in the background; killing leader $leader with SIGKILL in 1 s"
"$waggle" log-append --members "$client_members" --count 20000 --size 100 --batch 10 --rate 5000 \
  > >(sed -u 's/^/[client] /') 2>&1 &
background_append=$!
sleep 1
killed=$leader
kill -9 "${pids[$killed]}"
wait "${pids[$killed]}" 2>/dev/null || true
unset "pids[$killed]"
killed_at=$(date +%s%N)
leader=$(wait_for_leader_other_than "$killed")
say "member $leader took over $((($(date +%s%N) - killed_at) / 1000000)) ms after the kill:"
show_status

say "waiting for the background appends (they follow the new leader)"
wait "$background_append" || die "log-append failed after the leader change"
background_append=""

say "restarting member $killed on its data directory"
start_member "$killed"
caught_up=0
for _ in $(seq 300); do
  check_members_alive
  # Caught up: all three answer and report the same commit index.
  commits=$("$waggle" log-status --members "$client_members" 2>/dev/null |
    awk '$4 == "group" && $5 == "1" { print $12 }' || true)
  if [ "$(wc -l <<< "$commits")" -eq 3 ] && [ "$(sort -u <<< "$commits" | wc -l)" -eq 1 ]; then
    caught_up=1
    break
  fi
  sleep 0.1
done
[ "$caught_up" = 1 ] || { show_status; die "member $killed did not catch up within 30 s"; }
say "member $killed caught up; every member has committed the same log:"
show_status

if [ "$wait_at_end" = 0 ]; then
  say "demo done (--no-wait)"
  exit 0
fi
say "the cluster keeps running; try: $waggle log-status --members $client_members"
say "press Ctrl-C to stop"
while true; do
  check_members_alive
  sleep 1
done
