#!/usr/bin/env bash
# Benchmark: kustomize-controller applying N Kustomizations from one
# GitRepository on a private local control plane (kwok node, so the
# Deployments really roll out). Each Kustomization builds the same directory
# with postBuild variables that make its 4 objects (ConfigMap, Secret,
# Service, Deployment) unique, and has wait: true, so "Ready" means built,
# applied and healthy. Reported for N = 100 and N = 1000 (BENCH_KS_N):
#   - time from creating the N Kustomizations to all of them Ready;
#   - peak RSS (VmHWM) of the controller over that run, and its idle RSS;
#   - how often the artifact was downloaded and extracted (once per revision).
# The reference is Flux's own kustomize-controller (Go), built once from the
# Go module proxy into the tools cache ($TOOLS_BIN/flux-kustomize-controller-*),
# run on the same cluster against the same source-controller artifacts, for
# the N listed in BENCH_KS_FLUX_N (default 100: Flux polls health checks
# every 5 s, so 1000 takes it far longer). BENCH_KS_FLUX=0 skips it; when it
# cannot be built the report gives absolute numbers only.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
. "$FC_ROOT/tests/env/versions.sh"
export PATH="$PATH:$TOOLS_BIN:/usr/local/go/bin"
NS_LIST=${BENCH_KS_N:-100 1000}
FLUX_NS_LIST=${BENCH_KS_FLUX_N:-100}
FLUX_VERSION=v1.7.3
FLUX_BIN=$TOOLS_BIN/flux-kustomize-controller-$FLUX_VERSION
work=$(mktemp -d "${TMPDIR:-/tmp}/fc-bench-ks.XXXXXX")
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null; done
  "$FC_ROOT/tests/env/gitserver.sh" stop "$work/git" >/dev/null 2>&1
  # gitserver.sh stop leaves fcgiwrap's worker processes behind: end those of this run by pid
  ps -eo pid,args | awk -v s="unix:$work/git/" '$2 ~ /fcgiwrap$/ && index($0, s) {print $1}' | xargs -r kill 2>/dev/null
  "$FC_ROOT/tests/env/cluster-down.sh" "$work/cluster" >/dev/null 2>&1
  rm -rf "$work"
}
trap cleanup EXIT

# ---- Flux's kustomize-controller as the reference (cached build) -----------------
build_flux() {
  [ -x "$FLUX_BIN" ] && return 0
  [ "${BENCH_KS_FLUX:-1}" = 0 ] && return 1
  command -v go >/dev/null || return 1
  local b=$FLUXC_CACHE/build/flux-kustomize-controller-$FLUX_VERSION
  mkdir -p "$b" "$TOOLS_BIN"
  local mod="$FLUXC_CACHE/../go/pkg/mod"
  cat >"$b/go.mod" <<EOF
module fluxc.local/flux-kustomize-controller

go 1.25.0

require (
	github.com/fluxcd/kustomize-controller $FLUX_VERSION
	github.com/fluxcd/kustomize-controller/api $FLUX_VERSION
)

replace github.com/opencontainers/go-digest => github.com/opencontainers/go-digest v1.0.1-0.20220411205349-bde1400a84be

replace (
	sigs.k8s.io/kustomize/api => sigs.k8s.io/kustomize/api v0.20.1
	sigs.k8s.io/kustomize/kyaml => sigs.k8s.io/kustomize/kyaml v0.20.1
)

replace gopkg.in/yaml.v3 => gopkg.in/yaml.v3 v3.0.1
EOF
  (
    cd "$b" && export GOTOOLCHAIN=local GOWORK=off GOFLAGS=-mod=mod CGO_ENABLED=0 &&
      go get "github.com/fluxcd/kustomize-controller@$FLUX_VERSION" >/dev/null 2>&1 &&
      go build -trimpath -ldflags "-s -w" -o "$FLUX_BIN.tmp" github.com/fluxcd/kustomize-controller &&
      mv "$FLUX_BIN.tmp" "$FLUX_BIN"
  ) >"$work/flux-build.log" 2>&1
}
have_flux=0
build_flux && have_flux=1

# ---- cluster, git, source --------------------------------------------------------
export FC_CLUSTER_DIR=$work/cluster FC_CLUSTER_OWNER_PID=$$
KUBECONFIG=$("$FC_ROOT/tests/env/cluster-up.sh" 2>"$work/cluster.log" | tail -n1) || { cat "$work/cluster.log" >&2; exit 1; }
export KUBECONFIG
"$FC_ROOT/tests/env/gitserver.sh" start "$work/git" >/dev/null || exit 1
. "$work/git/env"
"$FC_ROOT/tests/env/gitserver.sh" repo "$work/git" bench
src=$work/src
git init -q -b main "$src"
mkdir -p "$src/app"
cat >"$src/app/objects.yaml" <<'EOF'
apiVersion: v1
kind: ConfigMap
metadata:
  name: app-${id}
  namespace: ${ns}
data:
  id: "app-${id}"
---
apiVersion: v1
kind: Secret
metadata:
  name: app-${id}
  namespace: ${ns}
stringData:
  token: "t-${id}"
---
apiVersion: v1
kind: Service
metadata:
  name: app-${id}
  namespace: ${ns}
spec:
  clusterIP: None
  selector:
    app: app-${id}
  ports:
  - port: 80
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: app-${id}
  namespace: ${ns}
spec:
  replicas: 1
  selector:
    matchLabels:
      app: app-${id}
  template:
    metadata:
      labels:
        app: app-${id}
    spec:
      containers:
      - name: app
        image: nginx:1.25
EOF
(cd "$src" && git add -A && git -c user.name=b -c user.email=b@b commit -qm bench && git push -q "$GIT_REPOS/bench.git" main)
SPORT=$(free_port)
kubectl create namespace bench-src >/dev/null
RUNTIME_NAMESPACE=bench-src "$FC_BIN/source-controller" --storage-path "$work/storage" --storage-addr "127.0.0.1:$SPORT" \
  --storage-adv-addr "127.0.0.1:$SPORT" --metrics-addr 0 --health-addr 0 >"$work/sc.log" 2>&1 &
pids+=($!)
kubectl -n bench-src apply -f - >/dev/null <<EOF
apiVersion: source.toolkit.fluxcd.io/v1
kind: GitRepository
metadata: {name: bench}
spec: {url: "$GIT_HTTP/public/bench.git", interval: 60m, ref: {branch: main}}
EOF
kubectl -n bench-src wait gitrepository/bench --for=condition=Ready --timeout=120s >/dev/null || { echo "GitRepository not Ready" >&2; exit 1; }

hwm_kb() { awk '/^VmHWM/ {print $2}' "/proc/$1/status"; }
rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }
ready_count() { kubectl -n "$1" get kustomizations -o json | jq '[.items[]|select(any(.status.conditions[]?; .type=="Ready" and .status=="True"))]|length'; }

# run IMPL N -> sets R_SECS R_HWM R_IDLE R_FETCHES
run() {
  local impl=$1 n=$2 tag="$1-$2" mport; mport=$(free_port)
  local ns=bench-$tag
  kubectl create namespace "$ns" >/dev/null
  kubectl create namespace "$ns-apps" >/dev/null
  local log=$work/$tag.log pid
  if [ "$impl" = fluxc ]; then
    "$FC_BIN/kustomize-controller" --metrics-addr "127.0.0.1:$mport" --health-addr 0 --watch-label-selector "bench=$tag" \
      >"$log" 2>&1 &
  else
    "$FLUX_BIN" --metrics-addr "127.0.0.1:$mport" --health-addr "127.0.0.1:$(free_port)" --watch-label-selector "bench=$tag" \
      --events-addr "" >"$log" 2>&1 &
  fi
  pid=$!
  pids+=($pid)
  sleep 3
  R_IDLE=$(rss_kb "$pid")
  {
    for i in $(seq 1 "$n"); do
      cat <<EOF
---
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata: {name: app-$i, namespace: $ns, labels: {bench: $tag}}
spec:
  interval: 60m
  sourceRef: {kind: GitRepository, name: bench, namespace: bench-src}
  path: ./app
  prune: true
  wait: true
  timeout: 5m
  postBuild:
    substitute: {id: "$i", ns: "$ns-apps"}
EOF
    done
  } >"$work/$tag.yaml"
  local t0; t0=$(date +%s.%N)
  kubectl apply -f "$work/$tag.yaml" >/dev/null
  local deadline=$((SECONDS + 1800)) got=0
  local start=$SECONDS
  local last=-1 stuck=0
  while ((SECONDS < deadline)); do
    got=$(ready_count "$ns")
    [ "$got" -ge "$n" ] && break
    if [ "$got" = 0 ] && ((SECONDS > start + 180)); then echo "no Kustomization Ready after 180 s (see $log)" >&2; break; fi
    if [ "$got" = "$last" ]; then ((stuck++)); else stuck=0 last=$got; fi
    if ((stuck > 300)); then echo "no progress for 300 s at $got/$n Ready (see $log)" >&2; break; fi
    kill -0 "$pid" 2>/dev/null || break
    sleep 1
  done
  local t1; t1=$(date +%s.%N)
  R_SECS=$(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.1f", b - a}')
  R_HWM=$(hwm_kb "$pid")
  R_FETCHES=$(curl -sf "127.0.0.1:$mport/metrics" | awk '$1=="fluxc_kustomize_artifact_fetches_total" {print $2}')
  R_OK=$got
  kill -TERM "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
}

{
  echo
  echo "## kustomize-controller: N Kustomizations (4 objects each, wait: true) from one GitRepository"
  echo
  if [ $have_flux = 1 ]; then
    echo "Reference: Flux kustomize-controller $FLUX_VERSION (Go), same cluster, same artifacts."
  else
    echo "Reference: Flux's kustomize-controller could not be built here (see the build log); absolute numbers only."
  fi
  echo
  echo "| N | controller | all Ready (s) | peak RSS (MiB) | idle RSS (MiB) | artifact downloads | Ready |"
  echo "|---|---|---|---|---|---|---|"
} >"$work/report.md"
for n in $NS_LIST; do
  run fluxc "$n"
  F_SECS=$R_SECS F_HWM=$R_HWM
  printf '| %s | fluxc | %s | %.1f | %.1f | %s | %s/%s |\n' "$n" "$R_SECS" "$(echo "$R_HWM/1024" | bc -l)" \
    "$(echo "$R_IDLE/1024" | bc -l)" "${R_FETCHES:-?}" "$R_OK" "$n" >>"$work/report.md"
  if [ $have_flux = 1 ] && [[ " $FLUX_NS_LIST " == *" $n "* ]]; then
    run flux "$n"
    printf '| %s | Flux %s | %s | %.1f | %.1f | %s (one per Kustomization) | %s/%s |\n' "$n" "$FLUX_VERSION" "$R_SECS" \
      "$(echo "$R_HWM/1024" | bc -l)" "$(echo "$R_IDLE/1024" | bc -l)" "$n" "$R_OK" "$n" >>"$work/report.md"
    printf '| %s | ratio Flux/fluxc | %s | %s | | | |\n' "$n" "$(ratio "$R_SECS" "$F_SECS")" "$(ratio "$R_HWM" "$F_HWM")" \
      >>"$work/report.md"
  fi
done
cat "$work/report.md"
