#!/usr/bin/env bash
# make demo: build the controllers, start (or reuse) the local control plane
# (tests/env/cluster-up.sh), then run the numbered steps in tests/env/demo/
# in order (sourced, so they share the helpers and variables below): start
# every controller in bin/ against the cluster, apply manifests/samples, show
# the Flux objects, print how to use and stop the cluster.
#
# Adding to the demo = adding a step file tests/env/demo/NN-name.sh. A step
# may use: FC_ROOT FC_BIN KUBECONFIG FC_CLUSTER_DIR DEMO_DIR (and everything in
# $FC_CLUSTER_DIR/env), say TITLE, show CMD... (echo + run, a failure only
# warns), warn MSG, demo_bg NAME CMD... (background process registered for
# cluster-down), demo_running NAME, demo_exit_status NAME, demo_stop NAME, demo_port VAR (a free loopback port).
# Steps run under `set -u`; a failing command in a step aborts the demo unless
# it is run through `show` or followed by `|| warn ...`.
#
# The demo cluster lives in ${TMPDIR:-/tmp}/fluxc-cluster-demo (override with
# FC_CLUSTER_DIR), so running the demo again reuses it and restarts the
# controllers with the freshly built binaries.
set -euo pipefail
FC_ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$FC_ROOT"
. tests/env/versions.sh
export FC_ROOT FC_BIN=${FC_BIN:-$FC_ROOT/bin}
export PATH="$PATH:$TOOLS_BIN"   # kubectl built by make deps when the machine has none

if [ -t 1 ]; then bold=$'\033[1m' off=$'\033[0m'; else bold= off=; fi
say()  { printf '\n%s== %s%s\n' "$bold" "$*" "$off"; }
warn() { echo "demo: warning: $*" >&2; }
show() { echo "\$ $*"; "$@" || warn "'$*' failed (status $?)"; }

# demo_port VAR: a TCP port on 127.0.0.1 nobody listens on.
declare -A demo_ports=()
demo_port() {
  local _port _try
  for ((_try = 0; _try < 500; _try++)); do
    _port=$((20000 + (RANDOM * 32768 + RANDOM) % 12000))
    [ -n "${demo_ports[$_port]:-}" ] && continue
    [ -n "$(ss -Htln "sport = :$_port" 2>/dev/null)" ] && continue
    (exec 3<>"/dev/tcp/127.0.0.1/$_port") 2>/dev/null && continue
    demo_ports[$_port]=1
    printf -v "$1" '%s' "$_port"
    return 0
  done
  echo "demo: no free port" >&2; return 1
}
# Background processes are registered in $FC_CLUSTER_DIR/pids/NAME.pid as
# "PID STARTTIME", which tests/env/cluster-down.sh stops with the cluster.
proc_starttime() { local s; s=$(<"/proc/$1/stat") || return 1; s=${s##*) }; set -- $s; echo "${20}"; }
demo_running() { # NAME: the registered process is alive (not a zombie)
  local f="$FC_CLUSTER_DIR/pids/$1.pid" pid st s
  [ -r "$f" ] || return 1
  read -r pid st <"$f"
  [ "$(proc_starttime "$pid" 2>/dev/null)" = "$st" ] || return 1
  s=$(<"/proc/$pid/stat"); s=${s##*) }; [ "${s%% *}" != Z ]
}
demo_stop() { # NAME
  local f="$FC_CLUSTER_DIR/pids/$1.pid" pid st i
  [ -r "$f" ] || return 0
  read -r pid st <"$f"
  if [ "$(proc_starttime "$pid" 2>/dev/null)" = "$st" ]; then
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < 100; i++)); do demo_running "$1" || break; sleep 0.1; done
    demo_running "$1" && { kill -KILL -- "-$pid" 2>/dev/null || true; }
  fi
  rm -f "$f"
}
declare -A demo_pids=()
demo_bg() { # NAME CMD...: start CMD in its own session, log to $DEMO_DIR/logs/NAME.log
  local name=$1 pid; shift
  demo_stop "$name"
  mkdir -p "$FC_CLUSTER_DIR/pids" "$DEMO_DIR/logs"
  setsid "$@" >"$DEMO_DIR/logs/$name.log" 2>&1 </dev/null &
  pid=$!
  demo_pids[$name]=$pid
  echo "$pid $(proc_starttime "$pid")" >"$FC_CLUSTER_DIR/pids/$name.pid"
}
demo_exit_status() { # NAME: exit status of a demo_bg process that has exited
  local rc=0
  wait "${demo_pids[$1]}" 2>/dev/null || rc=$?
  echo "$rc"
}

say "building (make)"
make -s -j"$(nproc)" all

say "starting the local control plane (Kubernetes $KUBE_VERSION, etcd $ETCD_VERSION, kwok $KWOK_VERSION)"
export FC_CLUSTER_DIR=${FC_CLUSTER_DIR:-${TMPDIR:-/tmp}/fluxc-cluster-demo}
KUBECONFIG=$(tests/env/cluster-up.sh | tail -n 1)
export KUBECONFIG
. "$FC_CLUSTER_DIR/env"
DEMO_DIR=$FC_CLUSTER_DIR/demo
mkdir -p "$DEMO_DIR"

for step in tests/env/demo/[0-9]*.sh; do
  [ -e "$step" ] || continue
  # shellcheck disable=SC1090
  . "$step"
done
