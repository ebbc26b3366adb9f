#!/usr/bin/env bash
# Build the test-time tools from Go modules (reference/testenv.md) into
# $TOOLS_BIN/<tool>-<version>, each through a throw-away wrapper module under
# the cache dir. A tool is rebuilt only when its pinned version changes.
# Usage: build-tools.sh [kube|etcd|kwok|helm|kubectl]...   (default: all)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/versions.sh"
export GOTOOLCHAIN=local GOWORK=off GOFLAGS=-mod=mod CGO_ENABLED=0
export GOPATH=${GOPATH:-$FLUXC_CACHE/gopath}
mkdir -p "$TOOLS_BIN" "$FLUXC_CACHE/wrap"
log() { echo "build-tools: $*" >&2; }
# need_go: called only when something must be built, so a machine with every
# tool cached needs no Go toolchain (and `sudo make deps` works without Go on
# the secure PATH).
need_go() {
  command -v go >/dev/null && return 0
  [ -x /usr/local/go/bin/go ] && { PATH=$PATH:/usr/local/go/bin; return 0; }
  echo "build-tools: go is required to build the test tools (Go toolchain, see docs/testenv.md)" >&2
  exit 1
}
# lock_tool NAME: one build of a tool at a time (two `make deps` at once).
lock_tool() {
  exec 9>"$FLUXC_CACHE/wrap/$1.lock"
  flock 9
}

# build_kube: kube-apiserver, kube-controller-manager, kube-scheduler (and
# kubectl when the machine has none) from one wrapper module that requires
# k8s.io/kubernetes and replaces each staging module with its v0.M.P tag (the
# list is read from upstream's go.mod). Only the missing binaries are built.
build_kube() {
  local v=$KUBE_VERSION minor=${KUBE_VERSION#v1.}; minor=${minor%%.*}
  local stagev="v0.$minor.${KUBE_VERSION##*.}"
  local want=(kube-apiserver kube-controller-manager kube-scheduler) missing=() t
  # kubectl too when the machine has none (or FC_BUILD_KUBECTL=1: the pinned one).
  if [ "${FC_BUILD_KUBECTL:-}" = 1 ] || ! command -v kubectl >/dev/null; then want+=(kubectl); fi
  for t in "${want[@]}"; do [ -x "$TOOLS_BIN/$t-$v" ] || missing+=("$t"); done
  ((${#missing[@]})) || return 0
  need_go; lock_tool "kube-$v"
  missing=(); for t in "${want[@]}"; do [ -x "$TOOLS_BIN/$t-$v" ] || missing+=("$t"); done
  ((${#missing[@]})) || return 0
  log "building ${missing[*]} $v (a cold build takes many minutes)"
  local w="$FLUXC_CACHE/wrap/kube-$v"; mkdir -p "$w"; cd "$w"
  local up; up=$(go mod download -json "k8s.io/kubernetes@$v" | jq -r .GoMod)
  [ -r "$up" ] || { log "cannot download k8s.io/kubernetes@$v"; return 1; }
  {
    echo "module fluxc.local/kubewrap"
    grep -E '^(go|godebug) ' "$up" || true
    echo "require k8s.io/kubernetes $v"
    go mod edit -json "$up" | jq -r '.Replace[]? | select(.New.Path|startswith("./staging/")) | .Old.Path' |
      sort -u | while read -r m; do echo "replace $m => $m $stagev"; done
  } > go.mod.new
  grep -q '^replace ' go.mod.new || { log "no staging replaces found in $up"; return 1; }
  mv go.mod.new go.mod
  local cmds=() ; for t in "${missing[@]}"; do cmds+=("k8s.io/kubernetes/cmd/$t"); done
  go get "${cmds[@]/%/@$v}" >/dev/null
  local LD="" p
  for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    LD+=" -X $p.gitVersion=$v -X $p.gitMajor=1 -X $p.gitMinor=$minor -X $p.gitTreeState=clean -X $p.buildDate=1970-01-01T00:00:00Z"
  done
  rm -rf out; mkdir -p out
  go build -trimpath -ldflags "-s -w $LD" -o out/ "${cmds[@]}"
  for t in "${missing[@]}"; do mv "out/$t" "$TOOLS_BIN/$t-$v"; done
}

# build_simple NAME MODULE PACKAGE VERSION [LDFLAGS]: a tool whose module has no
# replace directives of its own (etcd, kwok, helm), through a wrapper module.
build_simple() {
  local name=$1 mod=$2 pkg=$3 v=$4 ldflags=${5:-}
  [ -x "$TOOLS_BIN/$name-$v" ] && return 0
  need_go; lock_tool "$name-$v"
  [ -x "$TOOLS_BIN/$name-$v" ] && return 0
  log "building $name $v"
  local w="$FLUXC_CACHE/wrap/$name-$v"; mkdir -p "$w"; cd "$w"
  printf 'module fluxc.local/%swrap\n' "$name" > go.mod
  go get "$pkg@$v" >/dev/null 2>&1 || go get "$mod@$v" >/dev/null
  go build -trimpath -ldflags "-s -w $ldflags" -o "$TOOLS_BIN/$name-$v.tmp" "$pkg"
  mv "$TOOLS_BIN/$name-$v.tmp" "$TOOLS_BIN/$name-$v"
}

build_etcd() { build_simple etcd go.etcd.io/etcd/server/v3 go.etcd.io/etcd/server/v3 "$ETCD_VERSION"; }
build_kwok() { build_simple kwok sigs.k8s.io/kwok sigs.k8s.io/kwok/cmd/kwok "$KWOK_VERSION"; }
build_helm() {
  local minor=${KUBE_VERSION#v1.}; minor=${minor%%.*}
  build_simple helm helm.sh/helm/v4 helm.sh/helm/v4/cmd/helm "$HELM_VERSION" \
    "-X helm.sh/helm/v4/internal/version.version=$HELM_VERSION"
}

targets=("$@"); ((${#targets[@]})) || targets=(etcd kwok kube helm)
for t in "${targets[@]}"; do ( "build_$t" ); done
# Stable names for scripts: symlinks to the pinned builds.
for t in kube-apiserver kube-controller-manager kube-scheduler kubectl; do
  [ -x "$TOOLS_BIN/$t-$KUBE_VERSION" ] && ln -sf "$t-$KUBE_VERSION" "$TOOLS_BIN/$t"
done
for t in etcd:$ETCD_VERSION kwok:$KWOK_VERSION helm:$HELM_VERSION; do
  [ -x "$TOOLS_BIN/${t%%:*}-${t#*:}" ] && ln -sf "${t%%:*}-${t#*:}" "$TOOLS_BIN/${t%%:*}"
done
exit 0
