#!/usr/bin/env bash
# Differential test of the kustomize engine: every kustomization root under
# tests/kustomize/cases/ is rendered by `kubectl kustomize` (kustomize v5.5,
# the reference) and by `kustomize-controller build`; the two outputs must
# be equal as parsed objects, in order. Equality is decided by an independent
# parser: yq (YAML -> JSON) and jq; if yq is missing, each output is
# re-rendered by kubectl kustomize itself in fifo order as a canonical form.
# One PASS/FAIL line per root; the number of byte-identical outputs is
# reported at the end.
set -uo pipefail
. "$(dirname "$0")/../lib.sh"
cases="$FC_ROOT/tests/kustomize/cases"
bin="$FC_BIN/kustomize-controller"
work=$(mktemp -d "${TMPDIR:-/tmp}/ks-diff.XXXXXX")
trap 'rm -rf "$work"' EXIT

if ! command -v kubectl >/dev/null; then
  fail "setup" "kubectl (with kustomize) is required as the reference"
  finish
fi

canon() { # canon FILE -> canonical JSON lines on stdout
  if command -v yq >/dev/null; then
    yq -c . "$1"
  else
    local d="$work/canon"
    rm -rf "$d" && mkdir -p "$d"
    cp "$1" "$d/all.yaml"
    printf 'resources: [all.yaml]\nsortOptions: {order: fifo}\n' >"$d/kustomization.yaml"
    kubectl kustomize "$d"
  fi
}

total=0 identical=0
for dir in "$cases"/*/; do
  name=$(basename "$dir")
  total=$((total + 1))
  want="$work/$name.want" got="$work/$name.got"
  if ! kubectl kustomize "$dir" >"$want" 2>"$want.err"; then
    fail "$name" "kubectl kustomize failed: $(head -c 300 "$want.err")"
    continue
  fi
  if ! "$bin" build "$dir" >"$got" 2>"$got.err"; then
    fail "$name" "build failed: $(head -c 300 "$got.err")"
    continue
  fi
  if cmp -s "$want" "$got"; then
    identical=$((identical + 1))
    pass "$name"
    continue
  fi
  if [ "$(canon "$want")" == "$(canon "$got")" ]; then
    pass "$name"
  else
    fail "$name" "objects differ: $(diff <(canon "$want") <(canon "$got") | head -c 400)"
  fi
done
echo "INFO kustomize-diff: $identical of $total outputs byte-identical to kubectl kustomize"
check_eq "corpus has at least 60 roots" "$([ "$total" -ge 60 ] && echo yes || echo "no ($total)")" "yes"
finish
