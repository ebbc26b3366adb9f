#!/usr/bin/env bash
# libcommon's controller runtime on the real local control plane:
#  - the Kubernetes client (C suite test_kube_e2e: CRUD, paging, patches, SSA,
#    status, 409, impersonation, discovery, watches across compaction and an
#    API server restart);
#  - the reconcile driver through testctl, a controller for a test CRD:
#    finalizer, Ready with observedGeneration, the requestedAt handshake,
#    suspend, failure and stall conditions, events, metrics, deletion;
#  - leader election between two replicas (kill -9 of the leader);
#  - graceful shutdown and bad input (invalid kubeconfig, unreachable server).
. "$(dirname "$0")/../lib.sh"
set -u
E2E=${FC_OBJ:-$FC_ROOT/build/release}/e2e
work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null; done
  rm -rf "$work"
  # the client suite's objects have no finalizers: their namespaces go at once
  kubectl get ns -o name | grep -E '^namespace/(e2e-client|e2e-informer)-' | xargs -r kubectl delete --wait=false >/dev/null 2>&1
  kubectl delete namespace "${RT:-none}" --wait=false >/dev/null 2>&1
}
trap cleanup EXIT

# ---- client suite (prints its own PASS/FAIL lines)
"$E2E/test_kube_e2e" 2>"$work/client.err" || { T_FAILED=$((T_FAILED + 1)); tail -20 "$work/client.err" >&2; }

kubectl apply -f "$FC_ROOT/tests/e2e/libcommon/testkind-crd.yaml" >/dev/null
kubectl wait --for condition=established crd/testkinds.test.fluxc.io --timeout=60s >/dev/null
RT=rt-$$
kubectl create namespace $RT >/dev/null

start_ctl() { # id log [args...]
  local id=$1 log=$2; shift 2
  TESTCTL_ID=$id RUNTIME_NAMESPACE=$RT "$E2E/testctl" --metrics-addr "127.0.0.1:$(free_port)" --health-addr "127.0.0.1:$(free_port)" "$@" >"$log" 2>&1 &
  pids+=($!)
  echo $!
}
jqs() { kubectl -n $RT get tk "$1" -o json | jq -r "$2"; }

# ---- the reconcile driver
M1=$(free_port)
TESTCTL_ID=solo RUNTIME_NAMESPACE=$RT "$E2E/testctl" --metrics-addr "127.0.0.1:$M1" --health-addr "127.0.0.1:$(free_port)" \
  --min-retry-delay 200ms --max-retry-delay 2s >"$work/solo.log" 2>&1 &
SOLO=$!; pids+=($SOLO)
kubectl -n $RT apply -f - >/dev/null <<'EOF'
apiVersion: test.fluxc.io/v1
kind: TestKind
metadata: {name: a}
spec: {interval: 10m, message: hello}
EOF
check_eventually "ready written with observedGeneration" 30 "1 True/Succeeded/hello" jqs a '[.status.observedGeneration, (.status.conditions[]|select(.type=="Ready")|.status+"/"+.reason+"/"+.message)]|join(" ")'
check_eq "finalizer added" "$(jqs a '.metadata.finalizers|join(",")')" "finalizers.fluxcd.io"
check_eq "no Reconciling/Stalled after success" "$(jqs a '[.status.conditions[].type]|join(",")')" "Ready"
kubectl -n $RT annotate tk a reconcile.fluxcd.io/requestedAt=token-1 --overwrite >/dev/null
check_eventually "requestedAt handshake sets lastHandledReconcileAt" 20 token-1 jqs a .status.lastHandledReconcileAt
kubectl -n $RT patch tk a --type merge -p '{"spec":{"message":"second"}}' >/dev/null
check_eventually "spec change reconciled with new observedGeneration" 20 "2 second" jqs a '[.status.observedGeneration, (.status.conditions[]|select(.type=="Ready").message)]|join(" ")'
check "events recorded on the object" eventually 20 sh -c "kubectl -n $RT get events --field-selector involvedObject.name=a -o json | jq -e '[.items[]|select(.reason==\"TestSucceeded\" and .source.component==\"testctl\")]|length>0' >/dev/null"
n_before=$(jqs a .status.reconciles)
kubectl -n $RT patch tk a --type merge -p '{"spec":{"suspend":true}}' >/dev/null
sleep 2
n_susp=$(jqs a .status.reconciles)
kubectl -n $RT patch tk a --type merge -p '{"spec":{"message":"ignored"}}' >/dev/null
kubectl -n $RT annotate tk a reconcile.fluxcd.io/requestedAt=token-2 --overwrite >/dev/null
sleep 3
check_eq "suspended object is not reconciled" "$(jqs a .status.reconciles)" "$n_susp"
check_eq "suspended: requestedAt not handled" "$(jqs a .status.lastHandledReconcileAt)" "token-1"
kubectl -n $RT patch tk a --type merge -p '{"spec":{"suspend":false}}' >/dev/null
check_eventually "resumed after suspend" 20 ignored jqs a '.status.conditions[]|select(.type=="Ready").message'
[ "$n_before" -ge 1 ] && pass "reconcile counter advanced" || fail "reconcile counter advanced" "$n_before"

kubectl -n $RT apply -f - >/dev/null <<'EOF'
apiVersion: test.fluxc.io/v1
kind: TestKind
metadata: {name: failing}
spec: {interval: 10m, fail: true}
---
apiVersion: test.fluxc.io/v1
kind: TestKind
metadata: {name: stalled}
spec: {interval: 10m, stall: true}
EOF
check_eventually "failure: Ready=False with the failure reason" 20 "False/TestFailed" jqs failing '(.status.conditions[]|select(.type=="Ready")|.status+"/"+.reason)'
check_eventually "failure: retried with backoff" 20 true jqs failing '.status.reconciles >= 3'
check_eq "failure: observedGeneration not advanced" "$(jqs failing '.status.observedGeneration')" "-1"
check_eventually "stall: Stalled=True and Ready=False" 20 "Stalled=True/InvalidSpec,Ready=False/InvalidSpec" jqs stalled '[.status.conditions[]|.type+"="+.status+"/"+.reason]|join(",")'
s1=$(jqs stalled .status.reconciles); sleep 3
check_eq "stall: not retried" "$(jqs stalled .status.reconciles)" "$s1"
check_eq "stall: observedGeneration recorded" "$(jqs stalled .status.observedGeneration)" "1"
check "metrics: gotk_reconcile_duration_seconds per object" sh -c "curl -sf 127.0.0.1:$M1/metrics | grep -q 'gotk_reconcile_duration_seconds_count{kind=\"TestKind\",name=\"a\",namespace=\"$RT\"}'"
check "metrics: workqueue and reconcile totals" sh -c "curl -sf 127.0.0.1:$M1/metrics | grep -q 'controller_runtime_reconcile_total{controller=\"testkind\",result=\"error\"}' && curl -sf 127.0.0.1:$M1/metrics | grep -q 'workqueue_adds_total{name=\"testkind\"}'"
kubectl -n $RT delete tk a --wait=false >/dev/null
check "deletion runs the finalizer and removes it" eventually 30 sh -c "! kubectl -n $RT get tk a >/dev/null 2>&1"
check "finalizer cleanup event" eventually 20 sh -c "kubectl -n $RT get events -o json | jq -e '[.items[]|select(.reason==\"Finalized\" and .involvedObject.name==\"a\")]|length>0' >/dev/null"
kill -TERM $SOLO
for _ in $(seq 1 50); do kill -0 $SOLO 2>/dev/null || break; sleep 0.2; done
wait $SOLO; rc=$?
check_eq "SIGTERM: graceful exit status 0" "$rc" "0"
check_contains "SIGTERM: logs shutdown" "$(cat "$work/solo.log")" "shutting down"
kubectl -n $RT delete tk --all --wait=false >/dev/null 2>&1

# ---- leader election: two replicas, only one reconciles; kill -9 the leader
LE=(--enable-leader-election --leader-election-lease-duration 6s --leader-election-renew-deadline 4s --leader-election-retry-period 1s)
P1=$(start_ctl r1 "$work/r1.log" "${LE[@]}")
sleep 2
P2=$(start_ctl r2 "$work/r2.log" "${LE[@]}")
for i in 1 2 3 4; do
  kubectl -n $RT apply -f - >/dev/null <<EOF
apiVersion: test.fluxc.io/v1
kind: TestKind
metadata: {name: le-$i}
spec: {interval: 10m, message: le}
EOF
done
le_done() { kubectl -n $RT get tk -o json | jq '[.items[]|select(.metadata.name|startswith("le-"))|select(.status.reconciledBy)]|length'; }
check_eventually "leader reconciles all objects" 30 4 le_done
check_eq "only one replica reconciled" "$(kubectl -n $RT get tk -o json | jq -r '[.items[]|select(.metadata.name|startswith("le-"))|.status.reconciledBy]|unique|join(",")')" "r1"
holder=$(kubectl -n $RT get lease testctl-leader-election -o jsonpath='{.spec.holderIdentity}')
check_contains "lease held by the first replica" "$holder" "$(hostname)_"
kill -9 "$P1"
t0=$SECONDS
kubectl -n $RT apply -f - >/dev/null <<'EOF'
apiVersion: test.fluxc.io/v1
kind: TestKind
metadata: {name: le-after}
spec: {interval: 10m, message: after}
EOF
check_eventually "standby takes over after kill -9 within the lease duration" 20 r2 jqs le-after '.status.reconciledBy // ""'
took=$((SECONDS - t0))
[ $took -le 12 ] && pass "takeover time ${took}s <= lease 6s + retry slack" || fail "takeover time" "${took}s"
kill -TERM "$P2"; wait "$P2" 2>/dev/null
check_eq "lease released on shutdown" "$(kubectl -n $RT get lease testctl-leader-election -o jsonpath='{.spec.holderIdentity}')" ""

# ---- bad input
out=$("$E2E/testctl" --kubeconfig /nonexistent/kubeconfig 2>&1); rc=$?
check_eq "invalid kubeconfig: exit status 2" "$rc" "2"
check_eq "invalid kubeconfig: one line" "$(echo "$out" | wc -l)" "1"
check_contains "invalid kubeconfig: names the file" "$out" "/nonexistent/kubeconfig"
printf 'apiVersion: v1\nkind: Config\ncurrent-context: x\nclusters: [{name: c, cluster: {server: "https://127.0.0.1:1"}}]\ncontexts: [{name: x, context: {cluster: c}}]\n' >"$work/dead.kubeconfig"
"$E2E/testctl" --kubeconfig "$work/dead.kubeconfig" --metrics-addr 0 --health-addr 0 >"$work/dead.log" 2>&1 &
DEAD=$!; pids+=($DEAD)
sleep 6
alive=0; kill -0 $DEAD 2>/dev/null && alive=1
check_eq "unreachable API server: keeps running" "$alive" "1"
attempts=$(grep -c 'unable to reach the Kubernetes API server' "$work/dead.log")
check_contains "unreachable API server: clear log line" "$(head -3 "$work/dead.log")" "127.0.0.1:1"
[ "$attempts" -ge 2 ] && [ "$attempts" -le 5 ] && pass "unreachable API server: retries with backoff ($attempts attempts in 6s)" \
  || fail "unreachable API server: retries with backoff" "$attempts attempts in 6s"
cpu=$(ps -o times= -p $DEAD | tr -d ' ')
[ "${cpu:-99}" -le 1 ] && pass "unreachable API server: no busy loop (cpu ${cpu}s)" || fail "unreachable API server: no busy loop" "cpu ${cpu}s"
kill -TERM $DEAD; wait $DEAD; rc=$?
check_eq "unreachable API server: SIGTERM exits 0" "$rc" "0"
finish
