#!/usr/bin/env bash
# Differential test of the Helm template engine: every case under
# tests/helm/cases/<name>/ is rendered by the reference Helm 4 CLI
# (~/.cache/fluxc/bin/helm, built by tests/env/build-tools.sh helm) and by
# `helm-controller template` with the same arguments, in a scratch copy of
# the case directory. A case holds:
#   args        the command line after "template" (shell words, may quote)
#   chart/ ...  the chart(s) and values files the arguments refer to
#   prepare.sh  optional: run first in the scratch copy ($HELM is exported),
#               e.g. to `helm create` a chart or tar a subchart into a .tgz
#   expect      optional: "error" when both tools must fail
# A successful case passes when both outputs are byte-identical, or, failing
# that, when the documents parse (with yq, an independent YAML parser) to the
# same objects in the same order with the same "# Source:" lines. A failing
# case passes when both fail, we print nothing on stdout and the error text
# is the same (as a set of lines where Helm's own order is random). One PASS/FAIL line per case, then the byte-identical count.
. "$(dirname "$0")/../lib.sh"
. "$FC_ROOT/tests/env/versions.sh"
HELM=${FC_REF_HELM:-$TOOLS_BIN/helm}
OURS=$FC_BIN/helm-controller
filter=${HELM_DIFF_FILTER:-}

if [ ! -x "$HELM" ]; then
  fail "reference-helm" "$HELM not found (tests/env/build-tools.sh helm builds it)"
  finish
fi
work=$(mktemp -d "${TMPDIR:-/tmp}/helm-diff.XXXXXX")
trap 'rm -rf "$work"' EXIT
# a clean, cluster-less environment for both tools
export HOME=$work/home KUBECONFIG=$work/home/no-kubeconfig TZ=UTC LC_ALL=C
export HELM_CACHE_HOME=$work/home/cache HELM_CONFIG_HOME=$work/home/config HELM_DATA_HOME=$work/home/data
unset HELM_NAMESPACE HELM_KUBECONTEXT
mkdir -p "$HOME"
export HELM

have_yq=0
yq -c . </dev/null >/dev/null 2>&1 && have_yq=1

total=0 identical=0
for dir in "$FC_ROOT"/tests/helm/cases/*/; do
  name=$(basename "$dir")
  [ -n "$filter" ] && [[ "$name" != *"$filter"* ]] && continue
  total=$((total + 1))
  c=$work/cases/$name
  mkdir -p "$c"
  cp -r "$dir". "$c/"
  if [ -f "$c/prepare.sh" ] && ! (cd "$c" && bash prepare.sh >"$work/prep.log" 2>&1); then
    fail "$name" "prepare.sh failed: $(tail -n 3 "$work/prep.log" | tr '\n' ' ')"
    continue
  fi
  eval "args=($(cat "$c/args"))"
  (cd "$c" && "$HELM" template "${args[@]}" >"$work/h.out" 2>"$work/h.err"); hrc=$?
  (cd "$c" && "$OURS" template "${args[@]}" >"$work/o.out" 2>"$work/o.err"); orc=$?
  expect=$(cat "$c/expect" 2>/dev/null || echo ok)
  if [ "$expect" = error ]; then
    if [ $hrc -eq 0 ]; then
      fail "$name" "reference helm did not fail (the case is wrong)"
    elif [ $orc -eq 0 ]; then
      fail "$name" "helm failed but we succeeded: $(head -c 300 "$work/h.err")"
    elif [ -s "$work/o.out" ]; then
      fail "$name" "we failed but printed on stdout"
    elif cmp -s "$work/h.err" "$work/o.err"; then
      identical=$((identical + 1))
      pass "$name (same error)"
    elif [ "$(sort "$work/h.err")" = "$(sort "$work/o.err")" ]; then
      # Helm lists some errors (schema failures per subchart) in Go map
      # order, which changes from run to run; we print them sorted
      pass "$name (same error lines; helm's order is random)"
    else
      fail "$name" "error differs: helm: $(head -c 400 "$work/h.err" | tr '\n' '|') ours: $(head -c 400 "$work/o.err" | tr '\n' '|')"
    fi
    continue
  fi
  if [ $hrc -ne 0 ]; then
    fail "$name" "reference helm failed (the case is wrong): $(head -c 300 "$work/h.err")"
    continue
  fi
  if [ $orc -ne 0 ]; then
    fail "$name" "we failed: $(head -c 400 "$work/o.err")"
    continue
  fi
  if cmp -s "$work/h.out" "$work/o.out"; then
    identical=$((identical + 1))
    pass "$name (byte-identical)"
    continue
  fi
  if [ $have_yq -eq 0 ]; then
    fail "$name" "outputs differ and yq is not installed to compare them as objects"
    continue
  fi
  if ! yq -c . "$work/h.out" >"$work/h.json" 2>"$work/yq.err"; then
    fail "$name" "helm output does not parse: $(head -c 200 "$work/yq.err")"
    continue
  fi
  if ! yq -c . "$work/o.out" >"$work/o.json" 2>"$work/yq.err"; then
    fail "$name" "our output does not parse: $(head -c 200 "$work/yq.err")"
    continue
  fi
  if cmp -s "$work/h.json" "$work/o.json" &&
     [ "$(grep '^# Source: ' "$work/h.out")" = "$(grep '^# Source: ' "$work/o.out")" ]; then
    pass "$name (same objects, bytes differ)"
  else
    fail "$name" "$(diff "$work/h.out" "$work/o.out" | head -n 12 | tr '\n' '|')"
  fi
done
echo "helm-diff: $identical of $total cases byte-identical to helm template" >&2
echo "# helm-diff: $identical of $total cases byte-identical"
finish
