#!/usr/bin/env bash
# Smoke test of the local control plane (tests/env/cluster-up.sh) that every
# other e2e test relies on: the pinned kube-apiserver answers, the kwok node is
# Ready, the scheduler + kwok make a Deployment Available with Running Pods,
# kube-controller-manager finishes a namespace deletion and garbage-collects
# owned objects, RBAC is enforced, bearer-token auth works, and our CRDs (when
# manifests/crds exists) are Established.
. "$(dirname "$0")/../lib.sh"
. "$FC_ROOT/tests/env/versions.sh"
if [ -z "${KUBECONFIG:-}" ]; then echo "KUBECONFIG must name the kubeconfig of the local cluster (tests/run.sh sets it)" >&2; exit 2; fi
FC_CLUSTER_DIR=${FC_CLUSTER_DIR:-$(dirname "$KUBECONFIG")}
if [ ! -r "$FC_CLUSTER_DIR/env" ]; then
  fail "cluster env file" "$FC_CLUSTER_DIR/env is missing"
  finish
fi
. "$FC_CLUSTER_DIR/env"
export PATH="$PATH:$FC_TOOLS_BIN"
ns=fc-e2e-cluster-$$-$RANDOM
cleanup() { kubectl delete namespace "$ns" --wait=false >/dev/null 2>&1 || true; }
trap cleanup EXIT

# --- the environment file points at this cluster
check_eq "env: kubeconfig" "$FC_KUBECONFIG" "$KUBECONFIG"
check_eq "env: apiserver url in kubeconfig" \
  "$(kubectl config view --minify -o jsonpath='{.clusters[0].cluster.server}')" "$FC_APISERVER_URL"

# --- the API server is the pinned release
ver=$(kubectl get --raw /version | jq -r .gitVersion)
check_eq "apiserver reports the pinned version" "$ver" "$KUBE_VERSION"
check_eq "etcd is the pinned version" \
  "$(curl -sf "$FC_ETCD_URL/version" | jq -r .etcdserver)" "${ETCD_VERSION#v}"
check "readyz (verbose) all ok" bash -c "kubectl get --raw '/readyz?verbose' | grep -q 'readyz check passed'"

# --- the kwok node
node_ready() {
  [ "$(kubectl get node "$FC_NODE_NAME" -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}')" = True ]
}
check "node $FC_NODE_NAME Ready" eventually 60 node_ready
check_eq "node managed by kwok" \
  "$(kubectl get node "$FC_NODE_NAME" -o jsonpath='{.metadata.annotations.kwok\.x-k8s\.io/node}')" fake
check "node lease renewed by kwok" kubectl get lease -n kube-node-lease "$FC_NODE_NAME"

# --- a Deployment becomes Available with Pods Running on the kwok node
kubectl create namespace "$ns" >/dev/null
kubectl apply -n "$ns" -f - >/dev/null <<'EOF'
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 2
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: web
        image: registry.k8s.io/pause:3.10
EOF
check "deployment becomes Available" \
  kubectl wait -n "$ns" --for=condition=Available deployment/web --timeout=90s
check_eq "deployment ready replicas" \
  "$(kubectl get -n "$ns" deployment web -o jsonpath='{.status.readyReplicas}')" 2
pods=$(kubectl get pods -n "$ns" -l app=web -o json)
check_eq "two pods" "$(jq '.items | length' <<<"$pods")" 2
check_eq "pods Running" "$(jq -r '[.items[].status.phase] | unique | join(",")' <<<"$pods")" Running
check_eq "pods on the kwok node" \
  "$(jq -r '[.items[].spec.nodeName] | unique | join(",")' <<<"$pods")" "$FC_NODE_NAME"
check_eq "pods Ready" \
  "$(jq -r '[.items[].status.conditions[] | select(.type=="Ready") | .status] | unique | join(",")' <<<"$pods")" True

# --- rollouts work (a template change replaces the pods)
kubectl set env -n "$ns" deployment/web ROLL=1 >/dev/null
check "rollout of a new template completes" \
  kubectl rollout status -n "$ns" deployment/web --timeout=90s
check_eq "two replica sets after the rollout" \
  "$(kubectl get rs -n "$ns" -l app=web -o json | jq '.items | length')" 2

# --- garbage collection of owned objects (kube-controller-manager)
kubectl delete -n "$ns" deployment web --cascade=background >/dev/null
no_rs() { [ "$(kubectl get rs -n "$ns" -l app=web -o json | jq '.items | length')" = 0 ]; }
check "owned replica sets garbage-collected" eventually 60 no_rs

# --- a namespace deletion finishes (namespace controller)
kubectl create configmap -n "$ns" leftover --from-literal=a=b >/dev/null
kubectl delete namespace "$ns" --wait=false >/dev/null
ns_gone() { ! kubectl get namespace "$ns" >/dev/null 2>&1; }
check "namespace deletion finishes" eventually 90 ns_gone

# --- authentication and authorization
check_eq "bearer token: user" \
  "$(kubectl --kubeconfig "$FC_TOKEN_KUBECONFIG" auth whoami -o jsonpath='{.status.userInfo.username}')" \
  "$FC_TOKEN_USER"
code=$(curl -s -o /dev/null -w '%{http_code}' --cacert "$FC_CA_FILE" \
  -H "Authorization: Bearer $FC_TOKEN" "$FC_APISERVER_URL/api/v1/namespaces")
check_eq "bearer token: list namespaces over HTTPS" "$code" 200
code=$(curl -s -o /dev/null -w '%{http_code}' --cacert "$FC_CA_FILE" \
  -H "Authorization: Bearer not-$FC_TOKEN" "$FC_APISERVER_URL/api/v1/namespaces")
check_eq "wrong bearer token is rejected" "$code" 401
check_eq "client certificate user is admin" \
  "$(kubectl auth whoami -o jsonpath='{.status.userInfo.username}')" admin
check_eq "RBAC: unprivileged token user cannot list secrets" \
  "$(kubectl --context fluxc-user auth can-i list secrets -A 2>/dev/null)" no
check_eq "RBAC: admin can list secrets" "$(kubectl auth can-i list secrets -A)" yes

# --- our CRDs are installed and Established (once manifests/crds has any)
mapfile -t crd_files < <(grep -l '^kind: *CustomResourceDefinition' "$FC_ROOT"/manifests/crds/*.yaml 2>/dev/null)
if ((${#crd_files[@]})); then
  crd_args=(); for f in "${crd_files[@]}"; do crd_args+=(-f "$f"); done
  want=$(kubectl apply --dry-run=client -o name "${crd_args[@]}" | sort)
  got=$(kubectl get "${crd_args[@]}" -o json |
    jq -r '(.items // [.])[] | select(any(.status.conditions[]?; .type=="Established" and .status=="True"))
           | "customresourcedefinition.apiextensions.k8s.io/" + .metadata.name' | sort)
  check_eq "CRDs from manifests/crds Established" "$got" "$want"
fi
finish
