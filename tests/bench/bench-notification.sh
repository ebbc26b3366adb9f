#!/usr/bin/env bash
# Benchmark: notification-controller's event server under load, with 100
# Alerts on a real local cluster and a local webhook sink.
#
#   phase 1 "one alert per object": 100 Alerts, each for one Kustomization
#     name; N events spread over the 100 objects -> N notifications.
#   phase 2 "fan-out": 10 more Alerts matching every Kustomization; N/10
#     events, each matching its own Alert and the 10 catch-all ones -> 11
#     notifications per event.
#   phase 3 "duplicates": N events repeating one message per object -> 100
#     accepted (11 notifications each), the rest answered 429 and never sent.
# For each phase: events accepted per second (the flood tool's wall time),
# notifications delivered (the sink's count, which must equal the expected
# count), the time until the last one arrived, and the controller's peak RSS
# (VmHWM) next to its RSS once the Alerts were loaded. There is no reference
# implementation to run side by side (Flux's Go controller is not built
# here); the delivered count is the correctness check of the numbers.
#
# Uses FC_CLUSTER_DIR when set (a running cluster is reused), otherwise starts
# a private cluster for the run and stops it at the end.
set -uo pipefail
FC_ROOT=${FC_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$FC_ROOT/tests/bench/lib.sh"
cd "$FC_ROOT"
OBJ=$FC_ROOT/build/release
N=${BENCH_NOTIFICATION_EVENTS:-20000}
make -s -j"$(nproc)" "$OBJ/tools/webhook-sink" "$OBJ/tools/event-flood" bin/notification-controller >/dev/null || exit 1
work=$(mktemp -d "${TMPDIR:-/tmp}/fc-bench-notif.XXXXXX")
pids=()
own_cluster=
cleanup() {
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null; done
  [ -n "$own_cluster" ] && tests/env/cluster-down.sh "$FC_CLUSTER_DIR" >/dev/null 2>&1
  rm -rf "$work"
}
trap cleanup EXIT
if [ -z "${FC_CLUSTER_DIR:-}" ]; then
  export FC_CLUSTER_DIR=$work/cluster FC_CLUSTER_OWNER_PID=$$
  own_cluster=1
fi
KUBECONFIG=$(tests/env/cluster-up.sh 2>"$work/cluster.err" | tail -n1) || { cat "$work/cluster.err" >&2; exit 1; }
export KUBECONFIG
mkdir -p "$work/sink"
"$OBJ/tools/webhook-sink" --quiet --dir "$work/sink" --port-file "$work/sink.port" >/dev/null 2>&1 &
pids+=($!)
for _ in $(seq 1 50); do [ -s "$work/sink.port" ] && break; sleep 0.1; done
SP=$(cat "$work/sink.port")
EP=$(free_port)
NS=bench-notif-$$
kubectl create namespace "$NS" >/dev/null
RUNTIME_NAMESPACE=$NS bin/notification-controller --events-addr "127.0.0.1:$EP" --receiverAddr "127.0.0.1:$(free_port)" \
  --metrics-addr "127.0.0.1:$(free_port)" --health-addr "127.0.0.1:$(free_port)" --log-level error >"$work/nc.log" 2>&1 &
NC=$!
pids+=($NC)
{
  for p in $(seq 0 9); do
    printf 'apiVersion: notification.toolkit.fluxcd.io/v1beta3\nkind: Provider\nmetadata: {name: sink-%d, namespace: %s}\nspec: {type: generic, address: "http://127.0.0.1:%s/p%d"}\n---\n' "$p" "$NS" "$SP" "$p"
  done
  for i in $(seq 0 99); do
    printf 'apiVersion: notification.toolkit.fluxcd.io/v1beta3\nkind: Alert\nmetadata: {name: obj-%d, namespace: %s}\nspec:\n  providerRef: {name: sink-%d}\n  eventSources: [{kind: Kustomization, name: obj-%d}]\n---\n' "$i" "$NS" $((i % 10)) "$i"
  done
} | kubectl apply -f - >/dev/null
for _ in $(seq 1 100); do
  curl -s -o /dev/null -w '%{http_code}' -X POST "http://127.0.0.1:$EP/" 2>/dev/null | grep -q 400 && break
  sleep 0.2
done
sleep 3 # the 100 Alerts reach the index
rss_kb() { awk -v k="$2" '$1 == k ":" {print $2}' "/proc/$1/status"; }
count() { cat "$work/sink/count" 2>/dev/null || echo 0; }
idle_rss=$(rss_kb "$NC" VmRSS)

# run_phase NAME EVENTS EXPECTED_NOTIFICATIONS FLOOD_ARGS...
results=()
run_phase() {
  local name=$1 events=$2 expect=$3; shift 3
  local before t0 t1 out acc rate secs got end
  before=$(count)
  t0=$(date +%s.%N)
  out=$("$OBJ/tools/event-flood" --url "http://127.0.0.1:$EP/" --namespace "$NS" --events "$events" --concurrency 32 "$@")
  acc=$(echo "$out" | jq -r .accepted); rate=$(echo "$out" | jq -r .per_second); secs=$(echo "$out" | jq -r .seconds)
  end=$((SECONDS + 120))
  while [ $(($(count) - before)) -lt "$expect" ] && [ $SECONDS -lt $end ]; do sleep 0.2; done
  sleep 1 # anything beyond the expected count would show up here
  t1=$(date +%s.%N)
  got=$(($(count) - before))
  results+=("| $name | $events | $acc | $rate | $expect | $got | $(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.1f", b - a - 1}') | $(($(rss_kb "$NC" VmHWM) / 1024)) |")
}
run_phase "one alert per object" "$N" "$N" --objects 100 --prefix "p1: "
kubectl apply -f - >/dev/null < <(for i in $(seq 0 9); do
  printf 'apiVersion: notification.toolkit.fluxcd.io/v1beta3\nkind: Alert\nmetadata: {name: all-%d, namespace: %s}\nspec:\n  providerRef: {name: sink-%d}\n  eventSources: [{kind: Kustomization, name: "*"}]\n---\n' "$i" "$NS" "$i"
done)
sleep 3
run_phase "fan-out (11 alerts per event)" $((N / 10)) $((N / 10 * 11)) --objects 100 --severity info --prefix "p2: "
run_phase "duplicates (429)" "$N" 1100 --objects 100 --same-message --prefix "p3: "

echo "## notification-controller: events through 100+ Alerts to a local sink"
echo
echo "$(nproc) cores; $N events per phase, 32 concurrent connections; Alerts loaded: RSS $((idle_rss / 1024)) MiB"
echo
echo "| phase | events sent | accepted (202) | accepted/s | notifications expected | delivered | seconds to last delivery | peak RSS MiB |"
echo "|---|---|---|---|---|---|---|---|"
printf '%s\n' "${results[@]}"
echo
echo "(duplicates: 100 first events per object pass, the rest are 429; each passing event fans out to 11 Alerts)"
