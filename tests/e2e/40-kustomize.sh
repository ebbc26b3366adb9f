#!/usr/bin/env bash
# kustomize-controller on the real local cluster (kwok nodes, so Deployments
# really roll out), fed by the real source-controller from a local git
# server (tests/env/gitserver.sh). The fixture repository is
# tests/e2e/kustomize/fleet; every step is a git commit or a kubectl action.
#
#  - the seeds' scenario: `apps` (dependsOn infrastructure, Deployment +
#    Service + Ingress, prune, wait) waits for `infrastructure` (namespaces,
#    RBAC, a ConfigMap); both Ready "Applied revision: main@sha1:..."; kubectl
#    get kustomizations -A; owner labels, inventory, history, Healthy, events
#    (also POSTed to --events-addr); postBuild from a ConfigMap and a Secret
#    (the secret value never logged); one download for both Kustomizations;
#    a change to a ConfigMap/Secret labelled reconcile.fluxcd.io/watch=Enabled
#    is substituted at once;
#  - an image change rolls the Deployment; a deleted manifest is pruned; a
#    bad commit is undone by git revert; drift (edit, delete) is corrected;
#  - a broken manifest: BuildFailed naming the file, nothing applied, the
#    previous objects untouched; a Deployment that never becomes ready:
#    HealthCheckFailed naming it (and only it) with its own reason, early;
#    a missing dependency: DependencyNotReady;
#  - targetNamespace, namePrefix, patches and images from the spec on a
#    directory without kustomization.yaml; CRD and custom resource in one
#    commit (staged apply); the ssa / prune / force annotations;
#  - impersonation denied by RBAC: Forbidden naming the service account,
#    nothing applied; kubeConfig.secretRef (and a refused exec kubeconfig);
#  - suspend stops applying; prune keeps a Namespace holding foreign objects
#    (PruneSkipped warning); deleting Kustomizations prunes their inventory
#    (MirrorPrune) or leaves it (Orphan) and removes the finalizer.
. "$(dirname "$0")/../lib.sh"
set -u
OBJ=${FC_OBJ:-$FC_ROOT/build/release}
SINK=$OBJ/tools/webhook-sink
FIX=$FC_ROOT/tests/e2e/kustomize/fleet
work=$(mktemp -d "${TMPDIR:-/tmp}/fc-e2e-ks.XXXXXX")
RUN=$$
NS=ks-e2e-$RUN APPS=ks-apps-$RUN TENANT=ks-tenant-$RUN PROT=ks-prot-$RUN XFORM=ks-xform-$RUN
SEL=fluxc-e2e=ks-$RUN
SECRET_TOKEN=tok-$RANDOM$RANDOM-secret
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null; done
  "$FC_ROOT/tests/env/gitserver.sh" stop "$work/git" >/dev/null 2>&1
  # gitserver.sh stop leaves fcgiwrap's worker processes behind: end those of this run by pid
  ps -eo pid,args | awk -v s="unix:$work/git/" '$2 ~ /fcgiwrap$/ && index($0, s) {print $1}' | xargs -r kill 2>/dev/null
  for n in "$NS" "$APPS" "$TENANT" "$PROT" "$XFORM"; do
    kubectl get ks -n "$n" -o name 2>/dev/null | xargs -r kubectl -n "$n" patch --type merge -p '{"metadata":{"finalizers":null}}' >/dev/null 2>&1
    kubectl delete namespace "$n" --wait=false >/dev/null 2>&1
  done
  kubectl delete crd widgets.e2e.fluxc.io --wait=false >/dev/null 2>&1
  rm -rf "$work"
}
trap cleanup EXIT

# ---- git repository ------------------------------------------------------------
"$FC_ROOT/tests/env/gitserver.sh" start "$work/git" >/dev/null || { fail "git server starts" "see $work/git/logs"; finish; }
. "$work/git/env"
"$FC_ROOT/tests/env/gitserver.sh" repo "$work/git" fleet
export GIT_AUTHOR_NAME=tester GIT_AUTHOR_EMAIL=tester@example.com GIT_COMMITTER_NAME=tester GIT_COMMITTER_EMAIL=tester@example.com
src=$work/src
IP1=10.0.0.$((150 + RANDOM % 50)) IP2=10.0.0.$((200 + RANDOM % 50))
mkdir -p "$src"
cp -r "$FIX/." "$src/"
find "$src" -type f -exec sed -i "s/@APPS@/$APPS/g; s/@TENANT@/$TENANT/g; s/@PROT@/$PROT/g; s/@XFORM@/$XFORM/g; s/@IP@/$IP1/g" {} +
git -C "$src" init -q -b main && git -C "$src" add -A && git -C "$src" commit -qm "initial fleet" &&
  git -C "$src" push -q "$GIT_REPOS/fleet.git" main || { fail "fixture repository" "git setup failed"; finish; }

# ---- controllers ---------------------------------------------------------------
kubectl create namespace "$NS" >/dev/null
mkdir -p "$work/sink"
"$SINK" --dir "$work/sink" --port-file "$work/sink.port" >/dev/null 2>"$work/sink.err" &
pids+=($!)
for _ in $(seq 1 50); do [ -s "$work/sink.port" ] && break; sleep 0.1; done
SPORT=$(free_port) KMETRICS=$(free_port)
RUNTIME_NAMESPACE=$NS "$FC_BIN/source-controller" --storage-path "$work/storage" --storage-addr "127.0.0.1:$SPORT" \
  --storage-adv-addr "127.0.0.1:$SPORT" --metrics-addr 0 --health-addr 0 --watch-all-namespaces=false \
  >"$work/sc.log" 2>&1 &
pids+=($!)
RUNTIME_NAMESPACE=$NS "$FC_BIN/kustomize-controller" --metrics-addr "127.0.0.1:$KMETRICS" --health-addr 0 \
  --watch-label-selector "$SEL" --requeue-dependency 2s --min-retry-delay 300ms --max-retry-delay 3s \
  --events-addr "http://127.0.0.1:$(cat "$work/sink.port")/" >"$work/kc.log" 2>&1 &
KC=$!
pids+=($KC)

k() { kubectl -n "$NS" "$@"; }
ks_json() { kubectl -n "${2:-$NS}" get kustomization "$1" -o json 2>/dev/null; }
cond() { ks_json "$1" "${3:-$NS}" | jq -r "(.status.conditions//[])[]|select(.type==\"$2\")|.status+\"/\"+.reason"; }
cond_msg() { ks_json "$1" "${3:-$NS}" | jq -r "(.status.conditions//[])[]|select(.type==\"$2\")|.message"; }
applied() { ks_json "$1" "${2:-$NS}" | jq -r '.status.lastAppliedRevision // ""'; }
reconcile() { kubectl -n "${2:-$NS}" annotate kustomization "$1" "reconcile.fluxcd.io/requestedAt=$(date +%s%N)" --overwrite >/dev/null; }
events() { # object -> "type reason: message" lines
  kubectl -n "${2:-$NS}" get events --field-selector "involvedObject.name=$1,involvedObject.kind=Kustomization" -o json |
    jq -r '.items[]|.type+" "+.reason+": "+.message'
}
head_rev() { echo "main@sha1:$(git -C "$src" rev-parse HEAD)"; }
# commit MESSAGE: commit everything, push, and wait until the GitRepository serves it
commit() {
  git -C "$src" add -A && git -C "$src" commit -qm "$1" && git -C "$src" push -q "$GIT_REPOS/fleet.git" main
  local want; want=$(head_rev)
  k annotate gitrepository fleet "reconcile.fluxcd.io/requestedAt=$(date +%s%N)" --overwrite >/dev/null
  eventually 30 sh -c "kubectl -n $NS get gitrepository fleet -o jsonpath='{.status.artifact.revision}' | grep -qx '$want'"
}
kustomization() { # NAME NAMESPACE SPEC-YAML (indented by 2)
  kubectl apply -f - >/dev/null <<EOF
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: $1
  namespace: $2
  labels: {fluxc-e2e: ks-$RUN}
spec:
  interval: 10m
  sourceRef: {kind: GitRepository, name: fleet, namespace: $NS}
$3
EOF
}
metric() { curl -sf "127.0.0.1:$KMETRICS/metrics" | awk -v m="$1" '$1==m {print $2}'; }

k apply -f - >/dev/null <<EOF
apiVersion: source.toolkit.fluxcd.io/v1
kind: GitRepository
metadata: {name: fleet}
spec:
  url: $GIT_HTTP/public/fleet.git
  interval: 10m
  ref: {branch: main}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: cluster-vars}
data: {region: eu-west-1}
---
apiVersion: v1
kind: Secret
metadata: {name: app-secrets}
stringData: {api_token: $SECRET_TOKEN}
EOF
check "GitRepository Ready from the local git server" eventually 60 sh -c "kubectl -n $NS get gitrepository fleet -o jsonpath='{.status.artifact.revision}' | grep -q main@sha1:"
REV1=$(head_rev)

# ---- the seeds' scenario -----------------------------------------------------------
kustomization apps "$NS" "  path: ./apps
  prune: true
  wait: true
  timeout: 1m
  dependsOn: [{name: infrastructure}]
  postBuild:
    substituteFrom:
    - {kind: ConfigMap, name: cluster-vars}
    - {kind: Secret, name: app-secrets}"
check_eventually "apps waits for infrastructure: DependencyNotReady" 30 "False/DependencyNotReady" cond apps Ready
check_contains "the missing dependency is named" "$(cond_msg apps Ready)" "dependency '$NS/infrastructure' not found"
check_eq "nothing applied while waiting" "$(kubectl get namespace "$APPS" -o name 2>/dev/null)" ""
kustomization infrastructure "$NS" "  path: ./infrastructure
  prune: true"
check_eventually "infrastructure Ready" 60 "True/ReconciliationSucceeded" cond infrastructure Ready
check_eventually "apps Ready after its dependency" 60 "True/ReconciliationSucceeded" cond apps Ready
# (a reconcile queued by infrastructure's own status change may still be running: Flux marks
# Ready Unknown "Reconciliation in progress" while it does, so these wait for it to end)
check_eventually "Ready message names the revision" 30 "Applied revision: $REV1" cond_msg apps Ready
check_contains "revision has Flux's form" "$(applied infrastructure)" "main@sha1:"
[[ "$(applied apps)" =~ ^main@sha1:[0-9a-f]{40}$ ]] && pass "lastAppliedRevision main@sha1:<40 hex>" || fail "lastAppliedRevision form" "$(applied apps)"
ks_row() { kubectl get kustomizations -A | grep "^$NS *$1 " | sed 's/.*  \(True\|False\|Unknown\)  /\1  /'; }
check_eventually "kubectl get kustomizations -A: apps" 30 "True    Applied revision: $REV1" ks_row apps
check_eventually "kubectl get kustomizations -A: infrastructure" 30 "True    Applied revision: $REV1" ks_row infrastructure
check_eq "Deployment rolled out on the kwok node" "$(kubectl -n "$APPS" get deploy web -o jsonpath='{.status.availableReplicas}')" "1"
check_eq "Healthy condition" "$(cond apps Healthy)" "True/Succeeded"
check_eq "owner labels" "$(kubectl -n "$APPS" get deploy web -o jsonpath='{.metadata.labels.kustomize\.toolkit\.fluxcd\.io/name}/{.metadata.labels.kustomize\.toolkit\.fluxcd\.io/namespace}')" "apps/$NS"
env_of() { kubectl -n "$APPS" get deploy web -o json | jq -r ".spec.template.spec.containers[0].env[]|select(.name==\"$1\").value"; }
check_eq "postBuild: variable from a ConfigMap" "$(env_of REGION)" "eu-west-1"
check_eq "postBuild: variable from a Secret" "$(env_of API_TOKEN)" "$SECRET_TOKEN"
check_eq "postBuild: \$\${var} escape" "$(env_of LITERAL)" '${not_substituted}'
check_eq "postBuild: default and typing (replicas: \${replicas:=1} is an integer)" \
  "$(kubectl -n "$APPS" get deploy web -o json | jq -c '.spec.replicas')" "1"
check_eq "inventory ids" "$(ks_json apps | jq -r '[.status.inventory.entries[]|.id+"@"+.v]|join(",")')" \
  "${APPS}_web__Service@v1,${APPS}_web_apps_Deployment@v1,${APPS}_web_networking.k8s.io_Ingress@v1"
check_eq "history records the success" "$(ks_json apps | jq -r '.status.history[0]|.lastReconciledStatus+" "+.metadata.revision')" \
  "ReconciliationSucceeded $REV1"
check_eq "finalizer" "$(ks_json apps | jq -r '.metadata.finalizers|join(",")')" "finalizers.fluxcd.io"
ev=$(events apps)
check_contains "change-set event" "$ev" "Deployment/$APPS/web created"
check_contains "success event" "$ev" "ReconciliationSucceeded: Reconciliation finished in"
check "events POSTed to --events-addr with the revision" eventually 20 sh -c \
  "jq -e -s '[.[]|.body|fromjson|select(.involvedObject.name==\"apps\" and .reason==\"ReconciliationSucceeded\" and .metadata[\"kustomize.toolkit.fluxcd.io/revision\"]==\"$REV1\" and .metadata[\"kustomize.toolkit.fluxcd.io/commit_status\"]==\"update\")]|length>0' $work/sink/requests.jsonl"
check_eq "one download for both Kustomizations of a revision" "$(metric fluxc_kustomize_artifact_fetches_total)" "1"
[ "$(metric fluxc_kustomize_artifact_cache_hits_total)" -ge 1 ] && pass "the extracted artifact is shared" || fail "artifact cache hits" "$(metric fluxc_kustomize_artifact_cache_hits_total)"

# ---- Git changes ------------------------------------------------------------------------
sed -i 's|image: nginx:1.25|image: nginx:1.26|' "$src/apps/deployment.yaml"
commit "bump web to 1.26"
REV2=$(head_rev)
check_eventually "new source revision applied without waiting for the interval" 30 "$REV2" applied apps
check_eq "the Deployment rolled to the new image" "$(kubectl -n "$APPS" get deploy web -o jsonpath='{.spec.template.spec.containers[0].image}')" "nginx:1.26"
check_eventually "new ReplicaSet available, the old one scaled down" 30 "nginx:1.25=0 nginx:1.26=1" sh -c \
  "kubectl -n $APPS get rs -o json | jq -r '[.items[]|.spec.template.spec.containers[0].image+\"=\"+(.status.availableReplicas//0|tostring)]|sort|join(\" \")'"

# ---- configs labelled reconcile.fluxcd.io/watch=Enabled (interval is 10m: only the watch can do this)
k label configmap cluster-vars reconcile.fluxcd.io/watch=Enabled >/dev/null
k label secret app-secrets reconcile.fluxcd.io/watch=Enabled >/dev/null
# settle first (nothing queued or running for 3 s in a row), so that only the watch can queue apps now
idle() { [ "$(metric 'workqueue_depth{name="kustomization"}')" = 0 ] && [ "$(metric 'controller_runtime_active_workers{controller="kustomization"}')" = 0 ]; }
settled() { idle && sleep 1.5 && idle && sleep 1.5 && idle; }
check "the controller settles before the config changes" eventually 60 settled
k patch configmap cluster-vars --type merge -p '{"data":{"region":"eu-north-1"}}' >/dev/null
check_eventually "a watched ConfigMap's new data is substituted at once" 30 "eu-north-1" env_of REGION
k patch secret app-secrets --type merge -p "{\"stringData\":{\"api_token\":\"$SECRET_TOKEN-rotated\"}}" >/dev/null
check_eventually "a watched Secret's new data is substituted at once" 30 "$SECRET_TOKEN-rotated" env_of API_TOKEN
k patch configmap cluster-vars --type merge -p '{"data":{"region":"eu-west-1"}}' >/dev/null
check_eventually "and back" 30 "eu-west-1" env_of REGION

sed -i '/ingress.yaml/d' "$src/apps/kustomization.yaml" && rm "$src/apps/ingress.yaml"
commit "drop the ingress"
check_eventually "deleted manifest pruned" 30 "" sh -c "kubectl -n $APPS get ingress web -o name 2>/dev/null"
check_contains "prune event" "$(events apps)" "Ingress/$APPS/web deleted"
check_eq "inventory without the ingress" "$(ks_json apps | jq -r '[.status.inventory.entries[].id]|join(",")')" "${APPS}_web__Service,${APPS}_web_apps_Deployment"

sed -i 's|port: 80|port: 81|' "$src/apps/service.yaml"
commit "bad commit: wrong service port"
check_eventually "bad commit applied" 30 "81" kubectl -n "$APPS" get svc web -o jsonpath='{.spec.ports[0].port}'
git -C "$src" revert --no-edit HEAD >/dev/null && git -C "$src" push -q "$GIT_REPOS/fleet.git" main
k annotate gitrepository fleet "reconcile.fluxcd.io/requestedAt=$(date +%s%N)" --overwrite >/dev/null
check_eventually "git revert restores the previous state" 30 "80" kubectl -n "$APPS" get svc web -o jsonpath='{.spec.ports[0].port}'
REV3=$(head_rev)
check_eventually "reverted revision applied" 30 "$REV3" applied apps

# ---- drift ----------------------------------------------------------------------------
kubectl -n "$APPS" patch deploy web --type json -p '[{"op":"replace","path":"/spec/template/spec/containers/0/image","value":"nginx:edited"}]' >/dev/null
kubectl -n "$APPS" delete svc web >/dev/null
kubectl -n "$APPS" patch configmap cluster-settings --type merge -p '{"data":{"region":"edited"}}' >/dev/null
reconcile apps
reconcile infrastructure
check_eventually "drift: edited Deployment restored" 30 "nginx:1.26" kubectl -n "$APPS" get deploy web -o jsonpath='{.spec.template.spec.containers[0].image}'
check_eventually "drift: deleted Service recreated" 30 "service/web" kubectl -n "$APPS" get svc web -o name
check_eventually "drift: edited ConfigMap restored" 30 "eu-west-1" kubectl -n "$APPS" get configmap cluster-settings -o jsonpath='{.data.region}'
check_contains "drift correction reported as configured/created" "$(events apps)" "Service/$APPS/web created"

# ---- a broken manifest ------------------------------------------------------------------
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: added-with-broken\n  namespace: %s\ndata: {a: b}\n' "$APPS" >"$src/apps/new.yaml"
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: broken\n  namespace: %s\ndata:\n  key: [unclosed\n' "$APPS" >"$src/apps/broken.yaml"
printf -- '- new.yaml\n- broken.yaml\n' >>"$src/apps/kustomization.yaml"
commit "a broken manifest"
REV_BROKEN=$(head_rev)
check_eventually "broken manifest: Ready=False BuildFailed" 30 "False/BuildFailed" cond apps Ready
msg=$(cond_msg apps Ready)
check_contains "BuildFailed names the file" "$msg" "broken.yaml"
check_contains "BuildFailed gives the reason" "$msg" "did not find expected"
check_eq "nothing of the broken revision applied" "$(kubectl -n "$APPS" get configmap added-with-broken -o name 2>/dev/null)" ""
check_eq "previous revision stays applied" "$(applied apps)" "$REV3"
check_eq "previous objects untouched" "$(kubectl -n "$APPS" get deploy web -o jsonpath='{.spec.template.spec.containers[0].image}')" "nginx:1.26"
check_eq "attempted revision recorded" "$(ks_json apps | jq -r .status.lastAttemptedRevision)" "$REV_BROKEN"
check_contains "BuildFailed Warning event" "$(events apps)" "Warning BuildFailed:"
rm "$src/apps/broken.yaml" "$src/apps/new.yaml" && sed -i '/new.yaml/d; /broken.yaml/d' "$src/apps/kustomization.yaml"
commit "fix the broken manifest"
check_eventually "recovered after the fix" 30 "True/ReconciliationSucceeded" cond apps Ready

# ---- a Deployment that never becomes ready ----------------------------------------------------
t0=$SECONDS
kustomization failing "$NS" "  path: ./failing
  prune: true
  wait: true
  timeout: 3m"
check_eventually "HealthCheckFailed" 60 "False/HealthCheckFailed" cond failing Ready
took=$((SECONDS - t0))
msg=$(cond_msg failing Ready)
check_contains "HealthCheckFailed names the failing Deployment" "$msg" "Deployment/$APPS/stuck status: 'Failed'"
check_contains "with its own reason" "$msg" "Progress deadline exceeded"
[[ "$msg" != *"ConfigMap/$APPS/healthy"* ]] && pass "the healthy object is not listed" || fail "healthy object listed" "$msg"
[ $took -lt 120 ] && pass "failed fast (${took}s, timeout 3m)" || fail "fail fast" "${took}s"
check_eq "Healthy=False" "$(cond failing Healthy)" "False/HealthCheckFailed"
check_eq "history records HealthCheckFailed" "$(ks_json failing | jq -r '.status.history[0].lastReconciledStatus')" "HealthCheckFailed"

# ---- spec transformations on a directory without kustomization.yaml ---------------------------------
kustomization transform "$NS" "  path: ./transform
  prune: true
  targetNamespace: $XFORM
  namePrefix: xf-
  commonMetadata:
    labels: {team: e2e}
    annotations: {fluxc.io/owner: platform}
  images:
  - {name: ghcr.io/example/api, newTag: 2.0.0}
  patches:
  - patch: |
      apiVersion: apps/v1
      kind: Deployment
      metadata: {name: api}
      spec: {replicas: 2}
  - patch: '[{\"op\": \"replace\", \"path\": \"/data/mode\", \"value\": \"patched\"}]'
    target: {kind: ConfigMap, name: api-config}"
check_eventually "transform Ready" 60 "True/ReconciliationSucceeded" cond transform Ready
check_eq "targetNamespace and namePrefix" "$(kubectl -n "$XFORM" get deploy,configmap -o name | grep xf- | sort | tr '\n' ' ')" "configmap/xf-api-config deployment.apps/xf-api "
check_eq "commonMetadata on every object" "$(kubectl -n "$XFORM" get deploy xf-api -o jsonpath='{.metadata.labels.team} {.metadata.annotations.fluxc\.io/owner}')" "e2e platform"
check_eq "images from the spec" "$(kubectl -n "$XFORM" get deploy xf-api -o jsonpath='{.spec.template.spec.containers[0].image}')" "ghcr.io/example/api:2.0.0"
check_eq "strategic merge patch from the spec" "$(kubectl -n "$XFORM" get deploy xf-api -o jsonpath='{.spec.replicas}')" "2"
check_eq "JSON 6902 patch from the spec with a target" "$(kubectl -n "$XFORM" get configmap xf-api-config -o jsonpath='{.data.mode}')" "patched"

# ---- CRD and custom resource in one commit (staged apply) -----------------------------------------
kustomization crds "$NS" "  path: ./crds
  prune: true"
check_eventually "CRD and CR applied in stages" 60 "True/ReconciliationSucceeded" cond crds Ready
check_eq "custom resource created" "$(kubectl -n "$APPS" get widgets.e2e.fluxc.io first -o jsonpath='{.spec.size}')" "3"

# ---- ssa, prune and force annotations -----------------------------------------------------------
kustomization ssa "$NS" "  path: ./ssa
  prune: true"
check_eventually "ssa Kustomization Ready" 60 "True/ReconciliationSucceeded" cond ssa Ready
check_eq "ssa: Ignore is never applied" "$(kubectl -n "$APPS" get configmap ignored -o name 2>/dev/null)" ""
kubectl -n "$APPS" patch configmap if-not-present --type merge -p '{"data":{"value":"changed-by-hand"}}' >/dev/null
kubectl -n "$APPS" patch configmap merged --type merge -p '{"data":{"extra":"kept"}}' >/dev/null
UID1=$(kubectl -n "$APPS" get svc fixed-ip -o jsonpath='{.metadata.uid}')
sed -i "s/clusterIP: $IP1/clusterIP: $IP2/" "$src/ssa/objects.yaml"
perl -0pi -e 's/---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: keep-on-prune.*?value: from-git\n//s' "$src/ssa/objects.yaml"
commit "new service IP, drop keep-on-prune"
check_eventually "force: enabled recreates on an immutable change" 60 "$IP2" kubectl -n "$APPS" get svc fixed-ip -o jsonpath='{.spec.clusterIP}'
[ "$(kubectl -n "$APPS" get svc fixed-ip -o jsonpath='{.metadata.uid}')" != "$UID1" ] && pass "the Service was deleted and created again" || fail "recreated" "same uid"
check_eventually "ssa Ready on the new revision" 30 "$(head_rev)" applied ssa
check_eq "ssa: IfNotPresent leaves an existing object alone" "$(kubectl -n "$APPS" get configmap if-not-present -o jsonpath='{.data.value}')" "changed-by-hand"
check_eq "ssa: Merge keeps fields of other managers" "$(kubectl -n "$APPS" get configmap merged -o jsonpath='{.data.extra}')" "kept"
check_eq "prune: disabled keeps a removed object" "$(kubectl -n "$APPS" get configmap keep-on-prune -o name 2>/dev/null)" "configmap/keep-on-prune"
check_eq "... and it leaves the inventory" "$(ks_json ssa | jq -r '[.status.inventory.entries[].id|select(contains("keep-on-prune"))]|length')" "0"

# ---- impersonation --------------------------------------------------------------------------------
kustomization tenant "$TENANT" "  path: ./tenant
  prune: true
  serviceAccountName: deployer"
check_eventually "impersonation denied by RBAC: Ready=False" 60 "False/ReconciliationFailed" cond tenant Ready "$TENANT"
msg=$(cond_msg tenant Ready "$TENANT")
check_contains "the denial names the object and is Forbidden" "$msg" "ConfigMap/$APPS/not-allowed dry-run failed (Forbidden)"
check_contains "the denial names the service account" "$msg" "system:serviceaccount:$TENANT:deployer"
check_eq "nothing applied when one object is denied" "$(kubectl -n "$TENANT" get configmap allowed -o name 2>/dev/null)" ""

# ---- kubeConfig.secretRef -------------------------------------------------------------------------
kubectl -n "$NS" create secret generic remote-kubeconfig --from-file=value="$KUBECONFIG" >/dev/null
printf 'apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: "https://127.0.0.1:1"}}]\ncontexts: [{name: c, context: {cluster: c, user: u}}]\ncurrent-context: c\nusers: [{name: u, user: {exec: {apiVersion: client.authentication.k8s.io/v1, command: /bin/true}}}]\n' >"$work/exec.kubeconfig"
kubectl -n "$NS" create secret generic exec-kubeconfig --from-file=value="$work/exec.kubeconfig" >/dev/null
kustomization remote "$NS" "  path: ./tenant
  prune: true
  kubeConfig:
    secretRef: {name: remote-kubeconfig}"
kustomization remote-exec "$NS" "  path: ./tenant
  prune: true
  kubeConfig:
    secretRef: {name: exec-kubeconfig}"
check_eventually "kubeConfig.secretRef: applied through the kubeconfig" 60 "True/ReconciliationSucceeded" cond remote Ready
check_eq "kubeConfig: objects created" "$(kubectl -n "$TENANT" get configmap allowed -o name 2>/dev/null)" "configmap/allowed"
check_eventually "kubeConfig with an exec plugin refused" 30 "False/ReconciliationFailed" cond remote-exec Ready
check_contains "the refusal says why" "$(cond_msg remote-exec Ready)" "runs a credential plugin"

# ---- suspend ------------------------------------------------------------------------------------
kubectl -n "$NS" patch kustomization apps --type merge -p '{"spec":{"suspend":true}}' >/dev/null
sed -i 's|image: nginx:1.26|image: nginx:1.27|' "$src/apps/deployment.yaml"
commit "bump web to 1.27 while suspended"
REV_SUSP=$(head_rev)
reconcile apps
sleep 4
check_eq "suspended: the new revision is not applied" "$(kubectl -n "$APPS" get deploy web -o jsonpath='{.spec.template.spec.containers[0].image}')" "nginx:1.26"
kubectl -n "$NS" patch kustomization apps --type merge -p '{"spec":{"suspend":false}}' >/dev/null
reconcile apps
check_eventually "resumed: applied" 30 "nginx:1.27" kubectl -n "$APPS" get deploy web -o jsonpath='{.spec.template.spec.containers[0].image}'
check_eventually "resumed: Ready on the new revision" 30 "$REV_SUSP" applied apps

# ---- prune never deletes a Namespace with foreign objects ---------------------------------------------
kustomization protect "$NS" "  path: ./protect
  prune: true"
check_eventually "protect Ready" 60 "True/ReconciliationSucceeded" cond protect Ready
kubectl -n "$PROT" create configmap foreign --from-literal=a=b >/dev/null
perl -0pi -e 's/apiVersion: v1\nkind: Namespace\nmetadata:\n  name: \S+\n---\n//' "$src/protect/namespace.yaml"
commit "stop managing the protected namespace"
check_eventually "protect on the new revision" 30 "$(head_rev)" applied protect
check_eq "the Namespace with a foreign object is kept" "$(kubectl get namespace "$PROT" -o jsonpath='{.status.phase}')" "Active"
check_contains "PruneSkipped warning names the foreign object" "$(events protect)" \
  "Warning PruneSkipped: Namespace/$PROT was not deleted: it still contains 1 object(s) not managed by this Kustomization: ConfigMap/$PROT/foreign"

# ---- deletion -------------------------------------------------------------------------------------
kubectl -n "$NS" patch kustomization transform --type merge -p '{"spec":{"deletionPolicy":"Orphan"}}' >/dev/null
kubectl -n "$NS" delete kustomization transform --timeout=60s >/dev/null
check_eq "deletionPolicy Orphan leaves the objects" "$(kubectl -n "$XFORM" get deploy xf-api -o name 2>/dev/null)" "deployment.apps/xf-api"
kubectl -n "$NS" delete kustomization apps --timeout=60s >/dev/null
check_eq "deleting the Kustomization removes its finalizer" "$(ks_json apps | jq -r .metadata.name)" ""
check_eq "MirrorPrune with prune: true deletes the inventory" "$(kubectl -n "$APPS" get deploy,svc -o name 2>/dev/null | grep -c web)" "0"
check_eq "objects of other Kustomizations stay" "$(kubectl -n "$APPS" get configmap cluster-settings -o name)" "configmap/cluster-settings"

# ---- hygiene ---------------------------------------------------------------------------------------
! grep -q "$SECRET_TOKEN" "$work/kc.log" && pass "the substituted secret value is never logged" || fail "secret in logs" "found in kc.log"
! grep -rq "$SECRET_TOKEN" "$work/sink" && pass "... nor sent in events" || fail "secret in events" "found in the sink"
kill -TERM "$KC"; wait "$KC"; rc=$?
check_eq "SIGTERM: clean exit" "$rc" "0"
[ -n "$(ls -A "${TMPDIR:-/tmp}" | grep "^kustomize-controller-$KC\$")" ] && fail "artifact cache removed on exit" "left behind" || pass "artifact cache removed on exit"
finish
