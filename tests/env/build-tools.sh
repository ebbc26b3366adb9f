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
command -v go >/dev/null || { echo "build-tools: go is required (Go toolchain)" >&2; exit 1; }

log() { echo "build-tools: $*" >&2; }

build_kube() {
  local v=$KUBE_VERSION minor=${KUBE_VERSION#v1.}; minor=${minor%%.*}
  local patch=${KUBE_VERSION##*.} stagev="v0.$minor.${KUBE_VERSION##*.}"
  local want=(kube-apiserver kube-controller-manager kube-scheduler)
  command -v kubectl >/dev/null || want+=(kubectl)
  local all=1 t; for t in "${want[@]}"; do [ -x "$TOOLS_BIN/$t-$v" ] || all=0; done
  ((all)) && return 0
  log "building ${want[*]} $v (cold build takes many minutes)"
  local w="$FLUXC_CACHE/wrap/kube-$v"; mkdir -p "$w"; cd "$w"
  local up; up=$(go mod download -json "k8s.io/kubernetes@$v" | jq -r .GoMod)
  {
    echo "module fluxc.local/kubewrap"
    grep -E '^(go|godebug) ' "$up" || true
    echo "require k8s.io/kubernetes $v"
    go mod edit -json "$up" | jq -r '.Replace[]? | select(.New.Path|startswith("./staging/")) | .Old.Path' |
      sort -u | while read -r m; do echo "replace $m => $m $stagev"; done
  } > go.mod
  cat > tools.go <<'GO'
//go:build tools
package tools
GO
  local cmds=() ; for t in "${want[@]}"; do cmds+=("k8s.io/kubernetes/cmd/$t"); done
  go get "${cmds[@]/%/@$v}" >/dev/null
  local LD="" p
  for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    LD+=" -X $p.gitVersion=$v -X $p.gitMajor=1 -X $p.gitMinor=$minor -X $p.gitTreeState=clean -X $p.buildDate=1970-01-01T00:00:00Z"
  done
  mkdir -p out
  go build -trimpath -ldflags "-s -w $LD" -o out/ "${cmds[@]}"
  for t in "${want[@]}"; do mv "out/$t" "$TOOLS_BIN/$t-$v"; done
}

build_simple() { # name module-path package version binary
  local name=$1 mod=$2 pkg=$3 v=$4 ldflags=${5:-}
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
