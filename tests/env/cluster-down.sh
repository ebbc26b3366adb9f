#!/usr/bin/env bash
# Stop a local cluster started by tests/env/cluster-up.sh and remove its dir.
#   tests/env/cluster-down.sh [DIR]   DIR defaults to $FC_CLUSTER_DIR, else the
#                                     most recently started cluster under ${TMPDIR:-/tmp}
#                                     that no running test run owns
#   tests/env/cluster-down.sh --all   every cluster under ${TMPDIR:-/tmp} (fluxc-cluster-*)
#                                     except those a running test run owns
#   FC_CLUSTER_KEEP=1 ...             stop the processes but keep the dir (logs)
# Only processes recorded in DIR/env are signalled, and only when their command
# line still names DIR (a recycled pid is never killed). Each component runs in
# its own process group: TERM to the group, KILL after 3 seconds.
set -uo pipefail
tmpbase=${TMPDIR:-/tmp}
log() { echo "cluster-down: $*" >&2; }

# owned DIR: a running test run owns the cluster (its watchdog is alive) and
# tears it down itself.
owned() {
  local w
  w=$(sed -n 's/^FC_PID_WATCHDOG=//p' "$1/env" 2>/dev/null | tr -d "'")
  [ -n "$w" ] && { tr '\0' ' ' <"/proc/$w/cmdline"; } 2>/dev/null | grep -qF -- "$1/"
}
# latest_dir: the most recently started cluster that no test run owns.
latest_dir() {
  local f best= bt=0 t
  for f in "$tmpbase"/fluxc-cluster-*/env; do
    [ -e "$f" ] || continue
    owned "${f%/env}" && continue
    t=$(stat -c %Y "$f" 2>/dev/null) || continue
    if [ "$t" -ge "$bt" ]; then bt=$t; best=${f%/env}; fi
  done
  echo "$best"
}

down_one() {
  local dir=$1 c v pid i pids=()
  [ -d "$dir" ] || { log "$dir: no such directory"; return 0; }
  dir=$(cd "$dir" && pwd)
  [ -e "$dir/env" ] || [ -e "$dir/lock" ] ||
    { log "$dir does not look like a cluster dir (no env or lock file), leaving it alone"; return 1; }
  exec 8>>"$dir/lock"
  flock -w 60 8 || log "$dir: lock busy, going ahead anyway"
  if [ -r "$dir/env" ]; then
    # shellcheck disable=SC1091
    . "$dir/env"
    # kwok and the controllers first, etcd last; the watchdog too (unless it is us).
    for v in FC_PID_WATCHDOG FC_PID_KWOK FC_PID_KUBE_SCHEDULER FC_PID_KUBE_CONTROLLER_MANAGER \
             FC_PID_KUBE_APISERVER FC_PID_ETCD; do
      pid=${!v:-}
      [ -n "$pid" ] && [ "$pid" != "$$" ] && [ "$pid" != "$PPID" ] || continue
      pids+=("$pid")
    done
  fi
  ours() { { tr '\0' ' ' <"/proc/$1/cmdline"; } 2>/dev/null | grep -qF -- "$dir/"; }
  # Processes registered by the demo or by tests in DIR/pids/NAME.pid as
  # "PID STARTTIME" (field 22 of /proc/PID/stat, so a recycled pid never matches).
  local f st reg=()
  starttime() { local s; s=$(<"/proc/$1/stat") || return 1; s=${s##*) }; set -- $s; echo "${20}"; }
  for f in "$dir"/pids/*.pid; do
    [ -r "$f" ] || continue
    read -r pid st <"$f" || continue
    [[ "$pid" =~ ^[0-9]+$ ]] && [ "$(starttime "$pid" 2>/dev/null)" = "$st" ] || continue
    reg+=("$pid")
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null
  done
  for pid in "${reg[@]}"; do
    for ((i = 0; i < 50; i++)); do
      [ "$(starttime "$pid" 2>/dev/null)" = "" ] && break
      [[ "$(cat "/proc/$pid/stat" 2>/dev/null)" == *") Z "* ]] && break
      sleep 0.1
    done
    [ -n "$(starttime "$pid" 2>/dev/null)" ] && { kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null; }
  done
  for pid in "${pids[@]}"; do
    ours "$pid" && { kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null; }
  done
  for pid in "${pids[@]}"; do
    for ((i = 0; i < 30; i++)); do ours "$pid" || break; sleep 0.1; done
    if ours "$pid"; then
      kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null
    fi
  done
  # Then any process still given one of this cluster's kubeconfigs on its
  # command line (--kubeconfig DIR/...: a controller a test started and lost
  # track of, a `kubectl get -w`): it cannot outlive the cluster.
  local p cmd others=()
  for p in /proc/[0-9]*; do
    pid=${p#/proc/}
    [ "$pid" != "$$" ] && [ "$pid" != "$PPID" ] || continue
    cmd=$( { tr '\0' ' ' <"$p/cmdline"; } 2>/dev/null) || continue
    [[ "$cmd" == *"--kubeconfig=$dir/"* || "$cmd" == *"--kubeconfig $dir/"* ]] || continue
    others+=("$pid")
    kill -TERM "$pid" 2>/dev/null
  done
  for pid in "${others[@]}"; do
    for ((i = 0; i < 50; i++)); do ours "$pid" || break; sleep 0.1; done
    ours "$pid" && kill -KILL "$pid" 2>/dev/null
  done
  if [ "${FC_CLUSTER_KEEP:-}" = 1 ]; then
    rm -f "$dir/env"
    log "stopped the cluster in $dir (dir kept)"
  else
    rm -rf "$dir"
    log "stopped the cluster and removed $dir"
  fi
}

if [ "${1:-}" = --all ]; then
  for d in "$tmpbase"/fluxc-cluster-*/; do
    [ -d "$d" ] || continue
    if owned "${d%/}"; then log "${d%/}: owned by a running test run, left alone"; continue; fi
    down_one "${d%/}"
  done
  exit 0
fi
dir=${1:-${FC_CLUSTER_DIR:-}}
[ -n "$dir" ] || dir=$(latest_dir)
[ -n "$dir" ] || { log "no cluster found under $tmpbase"; exit 0; }
down_one "$dir"
