#!/usr/bin/env bash
# Start (or reuse) a real local Kubernetes control plane for tests, benchmarks
# and the demo (docs/testenv.md): etcd, kube-apiserver, kube-controller-manager,
# kube-scheduler and kwok, all on 127.0.0.1 with ports chosen at run time,
# certificates generated per run, one directory per cluster so that several
# runs never collide. Progress goes to stderr; the LAST line of stdout is the
# path of the cluster's admin kubeconfig.
#
#   tests/env/cluster-up.sh                      new cluster in ${TMPDIR:-/tmp}/fluxc-cluster-XXXXXX
#   FC_CLUSTER_DIR=D tests/env/cluster-up.sh     use D; reuse the cluster there if it is healthy
#   FC_CLUSTER_DIR=D tests/env/cluster-up.sh --restart COMPONENT
#        stop and start one component (etcd, kube-apiserver, kube-controller-manager,
#        kube-scheduler, kwok) with the same ports and data, e.g. to test that
#        watches survive an API server restart.
#
# Optional: FC_CLUSTER_OWNER_PID=PID starts a watchdog that tears the cluster
# down when PID exits (tests/run.sh uses it, so even `kill -9` of the test run
# leaks no processes). FC_CLUSTER_TIMEOUT (seconds, default 120) bounds each wait.
#
# The directory holds: env (shell-sourceable: ports, pids, URLs, tokens, paths),
# kubeconfig (admin client certificate; contexts fluxc, fluxc-token, fluxc-user),
# token.kubeconfig (bearer-token admin), pki/, auth/tokens.csv, etcd/, logs/,
# run/<component>.sh (the exact command line of each component).
set -euo pipefail
umask 077   # keys, tokens and kubeconfigs live in the cluster dir
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
. "$here/versions.sh"

t_start=$(date +%s%N)
log() { local ms=$(( ($(date +%s%N) - t_start) / 1000000 )); printf "cluster-up: [%d.%01ds] %s\n" $((ms / 1000)) $((ms % 1000 / 100)) "$*" >&2; }
die() { echo "cluster-up: error: $*" >&2; exit 1; }
TIMEOUT=${FC_CLUSTER_TIMEOUT:-120}
NODE_NAME=kwok-node-0
COMPONENTS=(etcd kube-apiserver kube-controller-manager kube-scheduler kwok)

for t in etcd kube-apiserver kube-controller-manager kube-scheduler kwok; do
  [ -x "$TOOLS_BIN/$t" ] || die "$TOOLS_BIN/$t is missing: run 'make deps' (tests/env/build-tools.sh)"
done
for t in openssl curl jq setsid flock; do
  command -v "$t" >/dev/null || die "'$t' is required: run 'make deps'"
done
KUBECTL=$(command -v kubectl || true)
[ -n "$KUBECTL" ] || KUBECTL=$TOOLS_BIN/kubectl
[ -x "$KUBECTL" ] || die "kubectl is missing: run 'make deps'"

restart=
if [ "${1:-}" = --restart ]; then
  restart=${2:-}
  [ -n "$restart" ] || die "--restart needs a component: ${COMPONENTS[*]}"
  [ -n "${FC_CLUSTER_DIR:-}" ] || die "--restart needs FC_CLUSTER_DIR"
elif [ $# -gt 0 ]; then
  die "unknown argument '$1' (usage: cluster-up.sh [--restart COMPONENT])"
fi

# ---- the cluster directory -------------------------------------------------
tmpbase=${TMPDIR:-/tmp}
if [ -n "${FC_CLUSTER_DIR:-}" ]; then
  dir=$FC_CLUSTER_DIR
  mkdir -p "$dir"
  chmod 700 "$dir"
  dir=$(cd "$dir" && pwd)
else
  dir=$(mktemp -d "$tmpbase/fluxc-cluster-XXXXXX")
fi
# One cluster-up/cluster-down at a time per directory.
exec 8>"$dir/lock"
flock -w "$TIMEOUT" 8 || die "$dir is locked by another cluster-up/cluster-down"

# ---- helpers -----------------------------------------------------------------
pid_alive() { # pid: running and really ours (its command line names our dir)
  local pid=$1
  [ -n "$pid" ] && { tr '\0' ' ' <"/proc/$pid/cmdline"; } 2>/dev/null | grep -qF -- "$dir/"
}

# free_port: sets PORT to a TCP port nobody listens on, below the kernel's
# ephemeral range (so outgoing connections never take it) and not yet used by
# this cluster. Another run could still grab it before we bind: starts retry.
declare -A used_ports=()
eph_lo=$(awk '{print $1}' /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || echo 32768)
port_hi=$(( eph_lo > 21000 ? eph_lo - 1 : 65000 ))
port_lo=$(( eph_lo > 21000 ? 20000 : 61000 ))
[ "$port_hi" -gt "$port_lo" ] || { port_lo=20000; port_hi=30000; }
free_port() {
  local p i
  for ((i = 0; i < 500; i++)); do
    p=$(( port_lo + (RANDOM * 32768 + RANDOM) % (port_hi - port_lo) ))
    [ -n "${used_ports[$p]:-}" ] && continue
    if command -v ss >/dev/null; then
      [ -n "$(ss -Htln "sport = :$p" 2>/dev/null)" ] && continue
    fi
    (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null && continue
    used_ports[$p]=1
    PORT=$p
    return 0
  done
  die "no free TCP port found in $port_lo-$port_hi"
}

# write_env: the state of the cluster, for tests (source it) and for reuse.
write_env() {
  local f="$dir/env.tmp" k
  {
    echo "# fluxc local cluster; written by tests/env/cluster-up.sh"
    for k in FC_CLUSTER_DIR FC_KUBECONFIG FC_TOKEN_KUBECONFIG FC_KUBE_VERSION FC_ETCD_VERSION \
             FC_KWOK_VERSION FC_APISERVER_URL FC_APISERVER_PORT FC_ETCD_URL FC_ETCD_PORT \
             FC_ETCD_PEER_PORT FC_CA_FILE FC_ADMIN_CERT_FILE FC_ADMIN_KEY_FILE FC_TOKEN \
             FC_TOKEN_USER FC_USER_TOKEN FC_USER_NAME FC_NODE_NAME FC_TOOLS_BIN FC_KUBECTL \
             FC_PID_ETCD FC_PID_KUBE_APISERVER FC_PID_KUBE_CONTROLLER_MANAGER \
             FC_PID_KUBE_SCHEDULER FC_PID_KWOK FC_PID_WATCHDOG; do
      printf '%s=%q\n' "$k" "${!k:-}"
    done
  } >"$f"
  chmod 600 "$f"
  mv "$f" "$dir/env"
}
pidvar() { local n=${1^^}; echo "FC_PID_${n//-/_}"; }

# start COMPONENT: run $dir/run/COMPONENT.sh in its own session (so its whole
# process group can be stopped), logging to $dir/logs/COMPONENT.log.
start() {
  local c=$1 v
  v=$(pidvar "$c")
  setsid bash "$dir/run/$c.sh" >>"$dir/logs/$c.log" 2>&1 </dev/null 8>&- &
  printf -v "$v" '%s' "$!"
}
# stop COMPONENT: TERM its process group, KILL after FC_STOP_GRACE seconds
# (default 3: kube-apiserver can take a minute draining client connections,
# and nothing here needs a graceful stop).
grace_ticks=$(( ${FC_STOP_GRACE:-3} * 10 ))
stop() {
  local c=$1 v pid i
  v=$(pidvar "$c"); pid=${!v:-}
  if pid_alive "$pid"; then
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < grace_ticks; i++)); do pid_alive "$pid" || break; sleep 0.1; done
    if pid_alive "$pid"; then
      kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
      for ((i = 0; i < 50; i++)); do pid_alive "$pid" || break; sleep 0.1; done
    fi
  fi
  printf -v "$v" '%s' ""
}
# wait_for COMPONENT WHAT CMD...: poll CMD until it succeeds; fail early if the
# component's process died, showing its log.
wait_for() {
  local c=$1 what=$2 v pid end; shift 2
  v=$(pidvar "$c"); pid=${!v:-}
  end=$((SECONDS + TIMEOUT))
  until "$@" >/dev/null 2>&1; do
    if ! pid_alive "$pid"; then
      log "$c exited while waiting for $what; last lines of $dir/logs/$c.log:"
      tail -n 25 "$dir/logs/$c.log" | sed 's/^/    | /' >&2
      return 1
    fi
    ((SECONDS < end)) || { log "timed out after ${TIMEOUT}s waiting for $what"; return 1; }
    sleep 0.1
  done
}
port_clash() { grep -qiE 'address already in use' "$dir/logs/$1.log" 2>/dev/null; }

etcd_healthy() { curl -sf --max-time 2 "$FC_ETCD_URL/health" | grep -q '"health":"true"'; }
api_get() { # path: GET on the API server as admin
  curl -sf --max-time 5 --cacert "$FC_CA_FILE" --cert "$FC_ADMIN_CERT_FILE" \
    --key "$FC_ADMIN_KEY_FILE" "$FC_APISERVER_URL$1"
}
api_ready() { [ "$(api_get /readyz)" = ok ]; }
kc() { "$KUBECTL" --kubeconfig "$FC_KUBECONFIG" "$@"; }

# ---- reuse ---------------------------------------------------------------------
healthy() {
  [ -r "$dir/env" ] || return 1
  # shellcheck disable=SC1091
  . "$dir/env"
  [ "${FC_KUBE_VERSION:-}" = "$KUBE_VERSION" ] && [ "${FC_ETCD_VERSION:-}" = "$ETCD_VERSION" ] &&
    [ "${FC_KWOK_VERSION:-}" = "$KWOK_VERSION" ] || return 1
  local c v
  for c in "${COMPONENTS[@]}"; do v=$(pidvar "$c"); pid_alive "${!v:-}" || return 1; done
  api_ready
}
stop_all() {
  local c i
  for ((i = ${#COMPONENTS[@]} - 1; i >= 0; i--)); do stop "${COMPONENTS[$i]}"; done
}

# install_crds: apply every CRD in manifests/crds and wait until Established.
# Skipped on reuse when the files are unchanged and the CRDs still Established.
crds_established() {
  local have n
  [ -r "$dir/crds.names" ] || return 1
  have=$(api_get /apis/apiextensions.k8s.io/v1/customresourcedefinitions | jq -r '.items[]
    | select(any(.status.conditions[]?; .type == "Established" and .status == "True")) | .metadata.name') ||
    return 1
  while read -r n; do
    [ -n "$n" ] || continue
    grep -qxF -- "${n#*/}" <<<"$have" || return 1
  done <"$dir/crds.names"
}
install_crds() {
  local crds="$root/manifests/crds" files=() f args=() sum
  mapfile -t files < <(grep -l '^kind: *CustomResourceDefinition' "$crds"/*.yaml 2>/dev/null)
  ((${#files[@]})) || { log "no CRDs in manifests/crds yet, skipping"; return 0; }
  sum=$(cat "${files[@]}" | sha256sum | cut -d' ' -f1)
  if [ "$(cat "$dir/crds.sum" 2>/dev/null)" = "$sum" ] && crds_established; then
    log "CRDs from manifests/crds unchanged and Established"
    return 0
  fi
  for f in "${files[@]}"; do args+=(-f "$f"); done
  log "installing ${#files[@]} CRDs from manifests/crds"
  rm -f "$dir/crds.sum"
  # Server-side apply: Flux-sized CRDs overflow the last-applied annotation.
  kc apply --server-side --force-conflicts --field-manager=fluxc-cluster-up -o name "${args[@]}" \
    >"$dir/crds.names"
  kc wait --for=condition=Established --timeout="${TIMEOUT}s" "${args[@]}" >/dev/null
  echo "$sum" >"$dir/crds.sum"
}

if [ -n "$restart" ]; then
  [ -r "$dir/env" ] || die "no cluster recorded in $dir"
  . "$dir/env"
  [[ " ${COMPONENTS[*]} " == *" $restart "* ]] || die "unknown component '$restart' (${COMPONENTS[*]})"
  log "restarting $restart in $dir"
  stop "$restart"
  start "$restart"
  write_env
  case $restart in
    etcd) wait_for etcd "etcd /health" etcd_healthy ;;
    kube-apiserver) wait_for kube-apiserver "kube-apiserver /readyz" api_ready ;;
    *) v=$(pidvar "$restart"); sleep 0.5; pid_alive "${!v}" || die "$restart did not stay up" ;;
  esac
  echo "$FC_KUBECONFIG"
  exit 0
fi

t0=$(date +%s.%N)
if healthy; then
  log "reusing the healthy cluster in $dir ($FC_APISERVER_URL)"
  install_crds
  echo "$FC_KUBECONFIG"
  exit 0
fi
if [ -r "$dir/env" ]; then
  log "the cluster recorded in $dir is not healthy: stopping what is left and starting afresh"
  stop_all
  [ -n "${FC_PID_WATCHDOG:-}" ] && pid_alive "$FC_PID_WATCHDOG" && kill "$FC_PID_WATCHDOG" 2>/dev/null
  rm -rf "$dir/env" "$dir/etcd" "$dir/pki" "$dir/auth" "$dir/run" "$dir/logs" \
         "$dir/kubeconfig" "$dir/token.kubeconfig" "$dir/components.kubeconfig" "$dir/kwok.yaml" \
         "$dir/crds.sum" "$dir/crds.names" "$dir/pids" "$dir/demo"
fi
for v in FC_PID_ETCD FC_PID_KUBE_APISERVER FC_PID_KUBE_CONTROLLER_MANAGER FC_PID_KUBE_SCHEDULER \
         FC_PID_KWOK FC_PID_WATCHDOG; do printf -v "$v" '%s' ""; done

# Anything that fails from here on stops what this run started.
started=0
cleanup_on_failure() {
  local rc=$?
  if [ "$rc" -ne 0 ] && [ "$started" = 1 ]; then
    log "failed; stopping the components started so far (logs kept in $dir/logs)"
    stop_all
    if [ -n "${FC_PID_WATCHDOG:-}" ]; then kill -- "-$FC_PID_WATCHDOG" 2>/dev/null || true; fi
    rm -f "$dir/env"
  fi
}
trap cleanup_on_failure EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
started=1

mkdir -p "$dir/pki" "$dir/auth" "$dir/etcd" "$dir/logs" "$dir/run"
# ---- watchdog: tear down when the owner goes away (started first, so that even
# a cluster-up killed half-way leaks nothing once its owner exits) ----------------
if [ -n "${FC_CLUSTER_OWNER_PID:-}" ]; then
  setsid bash -c 'while kill -0 "$1" 2>/dev/null; do sleep 2; done; exec "$2" "$3"' \
    fluxc-cluster-watchdog "$FC_CLUSTER_OWNER_PID" "$here/cluster-down.sh" "$dir/" \
    >>"$dir/logs/watchdog.log" 2>&1 </dev/null 8>&- &
  FC_PID_WATCHDOG=$!
fi
FC_CLUSTER_DIR=$dir
FC_KUBECONFIG=$dir/kubeconfig
FC_TOKEN_KUBECONFIG=$dir/token.kubeconfig
FC_KUBE_VERSION=$KUBE_VERSION FC_ETCD_VERSION=$ETCD_VERSION FC_KWOK_VERSION=$KWOK_VERSION
FC_NODE_NAME=$NODE_NAME FC_TOOLS_BIN=$TOOLS_BIN FC_KUBECTL=$KUBECTL
pki=$dir/pki
FC_CA_FILE=$pki/ca.crt FC_ADMIN_CERT_FILE=$pki/admin.crt FC_ADMIN_KEY_FILE=$pki/admin.key

# ---- certificates (openssl) ------------------------------------------------------
log "generating certificates and tokens in $dir"
(
  set -e
  cd "$pki"
  umask 077
  ossl() { openssl "$@" 2>/dev/null; }
  eckey() { ossl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1"; }
  eckey ca.key
  ossl req -x509 -new -key ca.key -sha256 -days 3650 -subj "/CN=fluxc-local-ca" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -out ca.crt
  sign() { # name subject extensions...
    local n=$1 subj=$2; shift 2
    eckey "$n.key"
    ossl req -new -key "$n.key" -subj "$subj" -out "$n.csr"
    printf '%s\n' "basicConstraints=critical,CA:FALSE" \
      "keyUsage=critical,digitalSignature,keyEncipherment" "$@" >"$n.ext"
    ossl x509 -req -in "$n.csr" -CA ca.crt -CAkey ca.key -CAcreateserial -sha256 -days 3650 \
      -extfile "$n.ext" -out "$n.crt"
    rm -f "$n.csr" "$n.ext"
  }
  sign apiserver "/CN=kube-apiserver" "extendedKeyUsage=serverAuth" \
    "subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local,IP:10.0.0.1"
  sign admin "/O=system:masters/CN=admin" "extendedKeyUsage=clientAuth"
  ossl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out sa.key
  ossl pkey -in sa.key -pubout -out sa.pub
  chmod 644 ca.crt
) || die "certificate generation failed (openssl)"
FC_TOKEN=$(openssl rand -hex 24)
FC_TOKEN_USER=fluxc-token-admin
FC_USER_TOKEN=$(openssl rand -hex 24)
FC_USER_NAME=fluxc-user
( umask 077
  printf '%s,%s,%s,"%s"\n' "$FC_TOKEN" "$FC_TOKEN_USER" "uid-$FC_TOKEN_USER" "system:masters" \
    "$FC_USER_TOKEN" "$FC_USER_NAME" "uid-$FC_USER_NAME" "fluxc:users" >"$dir/auth/tokens.csv" )

# ---- kubeconfigs -----------------------------------------------------------------
b64() { base64 -w0 <"$1"; }
write_kubeconfigs() {
  local ca crt key
  ca=$(b64 "$FC_CA_FILE"); crt=$(b64 "$FC_ADMIN_CERT_FILE"); key=$(b64 "$FC_ADMIN_KEY_FILE")
  ( umask 077
  cat >"$FC_KUBECONFIG" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: fluxc
  cluster:
    server: $FC_APISERVER_URL
    certificate-authority-data: $ca
users:
- name: admin
  user:
    client-certificate-data: $crt
    client-key-data: $key
- name: $FC_TOKEN_USER
  user:
    token: $FC_TOKEN
- name: $FC_USER_NAME
  user:
    token: $FC_USER_TOKEN
contexts:
- name: fluxc
  context:
    cluster: fluxc
    user: admin
- name: fluxc-token
  context:
    cluster: fluxc
    user: $FC_TOKEN_USER
- name: fluxc-user
  context:
    cluster: fluxc
    user: $FC_USER_NAME
current-context: fluxc
EOF
  sed 's/^current-context: fluxc$/current-context: fluxc-token/' "$FC_KUBECONFIG" >"$FC_TOKEN_KUBECONFIG"
  # The components get their own copy: tests may edit the admin kubeconfig.
  cp "$FC_KUBECONFIG" "$dir/components.kubeconfig" )
}

# ---- command lines ------------------------------------------------------------------
write_run() { # component binary args...: $dir/run/<component>.sh execs the binary
  local c=$1 bin=$2 a; shift 2
  {
    echo "# $c of the fluxc local cluster in $dir (generated by cluster-up.sh)"
    printf 'exec %q' "$TOOLS_BIN/$bin"
    for a in "$@"; do printf ' \\\n  %q' "$a"; done
    echo
  } >"$dir/run/$c.sh"
}
write_etcd_run() {
  write_run etcd etcd --name=fluxc --data-dir="$dir/etcd" \
    --listen-client-urls="$FC_ETCD_URL" --advertise-client-urls="$FC_ETCD_URL" \
    --listen-peer-urls="http://127.0.0.1:$FC_ETCD_PEER_PORT" \
    --initial-advertise-peer-urls="http://127.0.0.1:$FC_ETCD_PEER_PORT" \
    --initial-cluster="fluxc=http://127.0.0.1:$FC_ETCD_PEER_PORT" \
    --unsafe-no-fsync --quota-backend-bytes=4294967296 --log-level=warn \
    --heartbeat-interval=20 --election-timeout=100
}
write_apiserver_run() {
  write_run kube-apiserver kube-apiserver \
    --etcd-servers="$FC_ETCD_URL" \
    --bind-address=127.0.0.1 --advertise-address=127.0.0.1 --secure-port="$FC_APISERVER_PORT" \
    --tls-cert-file="$pki/apiserver.crt" --tls-private-key-file="$pki/apiserver.key" \
    --client-ca-file="$FC_CA_FILE" --token-auth-file="$dir/auth/tokens.csv" \
    --authorization-mode=RBAC \
    --service-account-issuer=https://kubernetes.default.svc.cluster.local \
    --service-account-key-file="$pki/sa.pub" --service-account-signing-key-file="$pki/sa.key" \
    --service-cluster-ip-range=10.0.0.0/24 --allow-privileged=true \
    --disable-admission-plugins=ServiceAccount \
    --max-requests-inflight=0 --max-mutating-requests-inflight=0 \
    --enable-priority-and-fairness=false --profiling=false --v=1
}
write_component_runs() {
  local kcfg="$dir/components.kubeconfig"
  write_run kube-controller-manager kube-controller-manager \
    --kubeconfig="$kcfg" --leader-elect=false --bind-address=127.0.0.1 --secure-port=0 \
    --service-account-private-key-file="$pki/sa.key" --root-ca-file="$FC_CA_FILE" \
    --cluster-signing-cert-file="$FC_CA_FILE" --cluster-signing-key-file="$pki/ca.key" \
    --use-service-account-credentials=false --kube-api-qps=200 --kube-api-burst=400 \
    --profiling=false --v=1
  write_run kube-scheduler kube-scheduler \
    --kubeconfig="$kcfg" --leader-elect=false --bind-address=127.0.0.1 --secure-port=0 \
    --kube-api-qps=200 --kube-api-burst=400 --profiling=false --v=1
  cat >"$dir/kwok.yaml" <<'EOF'
apiVersion: config.kwok.x-k8s.io/v1alpha1
kind: KwokConfiguration
options: {}
EOF
  write_run kwok kwok --kubeconfig="$kcfg" --config="$dir/kwok.yaml" --manage-all-nodes=false \
    --manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake \
    --node-lease-duration-seconds=40 --cidr=10.0.1.0/24 --node-ip=127.0.0.1
}

# start_with_ports COMPONENT ready-check pick-ports write-run: start, retrying
# with fresh ports when another process took ours first.
start_with_ports() {
  local c=$1 check=$2 pick=$3 write=$4 attempt
  for attempt in 1 2 3; do
    "$pick"; "$write"
    : >"$dir/logs/$c.log"
    start "$c"; write_env
    wait_for "$c" "$c to become ready" "$check" && return 0
    port_clash "$c" || return 1
    log "$c: port taken by someone else, retrying with other ports"
    stop "$c"
  done
  return 1
}
pick_etcd_ports() {
  free_port; FC_ETCD_PORT=$PORT; free_port; FC_ETCD_PEER_PORT=$PORT
  FC_ETCD_URL=http://127.0.0.1:$FC_ETCD_PORT
}
pick_api_port() {
  free_port; FC_APISERVER_PORT=$PORT
  FC_APISERVER_URL=https://127.0.0.1:$FC_APISERVER_PORT
  write_kubeconfigs
}

log "starting etcd $ETCD_VERSION"
start_with_ports etcd etcd_healthy pick_etcd_ports write_etcd_run || die "etcd did not start"
log "starting kube-apiserver $KUBE_VERSION"
start_with_ports kube-apiserver api_ready pick_api_port write_apiserver_run ||
  die "kube-apiserver did not become ready"
log "kube-apiserver ready at $FC_APISERVER_URL"

log "starting kube-controller-manager, kube-scheduler, kwok"
write_component_runs
for c in kube-controller-manager kube-scheduler kwok; do : >"$dir/logs/$c.log"; start "$c"; done
write_env

# The kwok node: no taints, so every Pod can land on it; kwok fills in its
# status (capacity, conditions, heartbeats through a Lease).
kc apply -f - >/dev/null <<EOF
apiVersion: v1
kind: Node
metadata:
  name: $NODE_NAME
  annotations:
    kwok.x-k8s.io/node: fake
    node.alpha.kubernetes.io/ttl: "0"
  labels:
    kubernetes.io/arch: amd64
    kubernetes.io/hostname: $NODE_NAME
    kubernetes.io/os: linux
    kubernetes.io/role: agent
    node-role.kubernetes.io/agent: ""
    type: kwok
EOF
install_crds

node_ready() {
  [ "$(kc get node "$NODE_NAME" -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}')" = True ]
}
# The default ServiceAccount is created by kube-controller-manager: once it
# exists the controllers are running.
default_sa() { kc get serviceaccount default -n default; }
wait_for kwok "node $NODE_NAME Ready (kwok)" node_ready || die "kwok did not make the node Ready"
wait_for kube-controller-manager "kube-controller-manager (default ServiceAccount)" default_sa ||
  die "kube-controller-manager did not start"
log "node Ready, controllers running"
pid_alive "$FC_PID_KUBE_SCHEDULER" || { tail -n 25 "$dir/logs/kube-scheduler.log" >&2; die "kube-scheduler exited"; }

write_env
trap - EXIT
log "cluster ready in $(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN{printf "%.1f", b-a}')s: $FC_APISERVER_URL (dir $dir)"
echo "$FC_KUBECONFIG"
