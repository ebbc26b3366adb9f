#!/usr/bin/env bash
# Benchmark: source-controller reconciling 100 GitRepositories against the
# local git server (tests/env/gitserver.sh, smart HTTP), on a private local
# control plane. Reports, in one run:
#   - idle RSS of the controller (started, informers synced, no objects);
#   - time until all 100 are Ready (first clone + artifact each) and the
#     controller's peak RSS (VmHWM) over that phase;
#   - time for a requestedAt reconcile of all 100 with an unchanged remote
#     (the ls-remote fast path: no fetch, no checkout, no artifact);
#   - as a reference for the same work with the git CLI: 100 sequential
#     `git clone --depth 1` + `tar czf` of the same repository.
# There is no Flux binary on this machine, so the numbers are absolute and
# ratios are against idle RSS and against the git CLI.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
. "$FC_ROOT/tests/env/versions.sh"
export PATH="$PATH:$TOOLS_BIN"
N=${BENCH_SOURCE_N:-100}
work=$(mktemp -d "${TMPDIR:-/tmp}/fc-bench-source.XXXXXX")
SC=
cleanup() {
  [ -n "$SC" ] && kill -TERM "$SC" 2>/dev/null && wait "$SC" 2>/dev/null
  "$FC_ROOT/tests/env/gitserver.sh" stop "$work/git" >/dev/null 2>&1
  "$FC_ROOT/tests/env/cluster-down.sh" "$work/cluster" >/dev/null 2>&1
  rm -rf "$work"
}
trap cleanup EXIT

export FC_CLUSTER_DIR=$work/cluster FC_CLUSTER_OWNER_PID=$$
KUBECONFIG=$("$FC_ROOT/tests/env/cluster-up.sh" 2>"$work/cluster.log" | tail -n1) || { cat "$work/cluster.log" >&2; exit 1; }
export KUBECONFIG
"$FC_ROOT/tests/env/gitserver.sh" start "$work/git" >/dev/null || exit 1
. "$work/git/env"
"$FC_ROOT/tests/env/gitserver.sh" repo "$work/git" bench

# a repository of realistic size: 300 small manifests over 30 dirs, 20 commits
src=$work/src
git init -q -b main "$src"
(
  cd "$src"
  export GIT_AUTHOR_NAME=b GIT_AUTHOR_EMAIL=b@b GIT_COMMITTER_NAME=b GIT_COMMITTER_EMAIL=b@b
  for c in $(seq 1 20); do
    for d in $(seq 1 30); do
      mkdir -p "apps/app$d"
      for f in $(seq 1 10); do
        printf 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app%s-cm%s\ndata:\n  commit: "%s"\n  payload: "%s"\n' \
          "$d" "$f" "$c" "$(head -c 300 /dev/urandom | base64 -w0)" >"apps/app$d/cm$f.yaml"
      done
    done
    git add -A && git commit -qm "commit $c"
  done
  git push -q "$GIT_REPOS/bench.git" main
)
repo_kb=$(du -sk "$GIT_REPOS/bench.git" | cut -f1)

rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }
hwm_kb() { awk '/^VmHWM/ {print $2}' "/proc/$1/status"; }

kubectl create namespace bench >/dev/null
RUNTIME_NAMESPACE=bench "$FC_BIN/source-controller" --storage-path "$work/storage" --storage-addr "127.0.0.1:$(free_port)" \
  --metrics-addr "127.0.0.1:$(free_port)" --health-addr "127.0.0.1:$(free_port)" --log-level error >"$work/sc.log" 2>&1 &
SC=$!
sleep 3
idle=$(rss_kb $SC)

t0=$(date +%s.%N)
for i in $(seq 1 "$N"); do
  cat <<EOF
---
apiVersion: source.toolkit.fluxcd.io/v1
kind: GitRepository
metadata: {name: repo-$i, namespace: bench}
spec: {url: "$GIT_HTTP/public/bench.git", interval: 1h, ref: {branch: main}}
EOF
done | kubectl apply -f - >/dev/null
ready_count() { kubectl -n bench get gitrepositories -o json | jq '[.items[]|select(.status.artifact and (.status.conditions//[]|any(.type=="Ready" and .status=="True")))]|length'; }
while [ "$(ready_count)" -lt "$N" ]; do
  sleep 0.5
  kill -0 $SC 2>/dev/null || { echo "source-controller exited" >&2; tail "$work/sc.log" >&2; exit 1; }
  awk -v a="$(date +%s.%N)" -v b="$t0" 'BEGIN{exit !(a-b > 600)}' && { echo "timeout waiting for Ready" >&2; exit 1; }
done
t1=$(date +%s.%N)
cold=$(awk -v a="$t1" -v b="$t0" 'BEGIN{printf "%.1f", a-b}')
peak=$(hwm_kb $SC)

# unchanged remote: requestedAt on all, wait until all handled
tok=bench-$(date +%s)
t2=$(date +%s.%N)
kubectl -n bench annotate gitrepositories --all --overwrite "reconcile.fluxcd.io/requestedAt=$tok" >/dev/null
handled() { kubectl -n bench get gitrepositories -o json | jq --arg t "$tok" '[.items[]|select(.status.lastHandledReconcileAt==$t)]|length'; }
while [ "$(handled)" -lt "$N" ]; do sleep 0.3; done
t3=$(date +%s.%N)
warm=$(awk -v a="$t3" -v b="$t2" 'BEGIN{printf "%.1f", a-b}')
steady=$(rss_kb $SC)
store_kb=$(du -sk "$work/storage" | cut -f1)

# reference: the git CLI doing the same fetch + archive work sequentially
ref_once() {
  local d; d=$(mktemp -d "$work/ref.XXXX")
  git clone -q --depth 1 -b main "$GIT_HTTP/public/bench.git" "$d/c" && tar -C "$d/c" --exclude=.git -czf "$d/a.tar.gz" . 
  rm -rf "$d"
}
ref_all() { for _ in $(seq 1 "$N"); do ref_once || return 1; done; }
t4=$(date +%s.%N); ref_all; t5=$(date +%s.%N)
ref=$(awk -v a="$t5" -v b="$t4" 'BEGIN{printf "%.1f", a-b}')

echo
echo "## source-controller: $N GitRepositories against the local git server"
echo "repository: 300 files in 30 dirs, 20 commits, bare size ${repo_kb} KiB; artifacts + caches on disk after the run: $((store_kb / 1024)) MiB"
echo
echo "| measure | value | ratio |"
echo "|---|---|---|"
echo "| idle RSS (no objects) | $((idle / 1024)) MiB | 1.0x |"
echo "| peak RSS while reconciling $N (VmHWM) | $((peak / 1024)) MiB | $(ratio "$peak" "$idle")x idle |"
echo "| RSS after all reconciled | $((steady / 1024)) MiB | $(ratio "$steady" "$idle")x idle |"
echo "| time to all Ready (first fetch + artifact, --concurrent 2) | ${cold} s | $(ratio "$cold" "$ref")x git CLI |"
echo "| time for a requestedAt reconcile of all $N, remote unchanged | ${warm} s | $(ratio "$warm" "$cold")x first |"
echo "| reference: $N x (git clone --depth 1 + tar czf), sequential | ${ref} s | 1.0x |"
