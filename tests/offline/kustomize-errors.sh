#!/usr/bin/env bash
# Bad input for `kustomize-controller build`: every failing build must print
# nothing on stdout, exactly one error line on stderr naming the file (and
# the line for YAML errors), and exit non-zero. Fixtures live in
# tests/kustomize/errors/; hostile inputs (symlink escapes, deep nesting,
# huge files, alias bombs) are generated here in a temp dir.
set -uo pipefail
. "$(dirname "$0")/../lib.sh"
fx="$FC_ROOT/tests/kustomize/errors"
bin="$FC_BIN/kustomize-controller"
work=$(mktemp -d "${TMPDIR:-/tmp}/ks-err.XXXXXX")
trap 'rm -rf "$work"' EXIT

# expect_fail NAME DIR NEEDLE... [-- extra build flags]
expect_fail() {
  local name=$1 dir=$2; shift 2
  local needles=() flags=()
  while (($#)); do
    if [ "$1" == "--" ]; then shift; flags=("$@"); break; fi
    needles+=("$1"); shift
  done
  local out err rc
  out=$(cd "$(dirname "$dir")" && timeout 20 "$bin" build "${flags[@]}" "$(basename "$dir")" 2>"$work/err")
  rc=$?
  err=$(cat "$work/err")
  if [ $rc -eq 0 ]; then fail "$name" "build succeeded"; return; fi
  if [ $rc -ge 124 ]; then fail "$name" "exit status $rc (timeout or crash): $err"; return; fi
  if [ -n "$out" ]; then fail "$name" "stdout not empty: $(head -c 200 <<<"$out")"; return; fi
  if [ "$(wc -l <"$work/err")" -ne 1 ]; then fail "$name" "want one error line, got: $err"; return; fi
  for n in "${needles[@]}"; do
    if [[ "$err" != *"$n"* ]]; then fail "$name" "error '$err' does not mention '$n'"; return; fi
  done
  pass "$name"
}

# the reference must reject the fixture too (when it does so in bounded time)
kubectl_rejects() {
  local name=$1 dir=$2
  command -v kubectl >/dev/null || return 0
  if timeout 20 kubectl kustomize "$dir" >/dev/null 2>&1; then
    fail "kubectl also rejects $name" "kubectl kustomize accepted it"
  else
    pass "kubectl also rejects $name"
  fi
}

e=$fx
expect_fail "file outside the kustomization root" "$e/outside-root/kust" \
  "kust/kustomization.yaml" "'../outside.yaml' is not in or below"
kubectl_rejects outside-root "$e/outside-root/kust"
expect_fail "remote URL refused" "$e/remote-url" "remote-url/kustomization.yaml" "refused" "https://raw.githubusercontent.com"
expect_fail "remote git base refused" "$e/remote-git" "remote-git/kustomization.yaml" "refused" "github.com/example/repo"
expect_fail "duplicate resource ids" "$e/duplicate-ids" "duplicate-ids/b.yaml" "already registered id" "ConfigMap|~X|same"
kubectl_rejects duplicate-ids "$e/duplicate-ids"
expect_fail "cycle between kustomizations" "$e/cycle/a" "cycle detected" "b/kustomization.yaml"
kubectl_rejects cycle "$e/cycle/a"
expect_fail "malformed YAML names file and line" "$e/malformed-yaml" "malformed-yaml/bad.yaml" "line 4"
kubectl_rejects malformed-yaml "$e/malformed-yaml"
expect_fail "unknown field in kustomization.yaml" "$e/unknown-field" "unknown-field/kustomization.yaml" \
  'unknown field "namePrefx"'
kubectl_rejects unknown-field "$e/unknown-field"
expect_fail "wrong field type in kustomization.yaml" "$e/bad-type" "bad-type/kustomization.yaml" "namePrefix of type string"
expect_fail "missing resource file" "$e/missing-file" "missing-file/kustomization.yaml" "missing.yaml"
kubectl_rejects missing-file "$e/missing-file"
expect_fail "base without kustomization" "$e/missing-kustomization" "missing-kustomization/kustomization.yaml" \
  "empty-dir" "unable to find one of"
expect_fail "empty kustomization" "$e/empty-kustomization" "kustomization.yaml is empty"
expect_fail "two kustomization files" "$e/multiple-kustomizations" "multiple kustomization files"
expect_fail "resource without kind" "$e/missing-kind" "missing-kind/r.yaml" "line 1" "missing kind"
expect_fail "patch target not found" "$e/patch-no-target" "patch-no-target/kustomization.yaml" "nonexistent"
expect_fail "json patch on a missing path" "$e/json-patch-bad-path" "json-patch-bad-path/kustomization.yaml" "/data/missing"
expect_fail "component that is a Kustomization" "$e/component-kind" "component-kind/kustomization.yaml" "expected kind 'Component'"
expect_fail "alias bomb refused" "$e/alias-bomb" "alias-bomb/bomb.yaml" "too many nodes"

# --- filesystem root confinement (Flux's artifact root) -----------------
root="$work/artifact"
mkdir -p "$root/app" "$root/shared" "$work/secret"
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: leaked}\n' >"$work/secret/cm.yaml"
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: shared}\n' >"$root/shared/cm.yaml"
ln -s "$work/secret/cm.yaml" "$root/app/link.yaml"
printf 'resources: [link.yaml]\n' >"$root/app/kustomization.yaml"
expect_fail "symlink escaping the root refused" "$root/app" "resolves outside the root" -- --root "$root" \
  --load-restrictor LoadRestrictionsNone
mkdir -p "$root/app2"
ln -s "$work/secret" "$root/app2/base"
printf 'resources: [base]\n' >"$root/app2/kustomization.yaml"
printf 'resources: [cm.yaml]\n' >"$work/secret/kustomization.yaml"
expect_fail "base directory symlinked outside the root refused" "$root/app2" "resolves outside the root" -- --root "$root"
mkdir -p "$root/app3"
printf 'resources: [../shared/cm.yaml]\n' >"$root/app3/kustomization.yaml"
expect_fail "root-only restriction refuses sibling files" "$root/app3" "is not in or below" -- --root "$root"
if out=$("$bin" build --root "$root" --load-restrictor LoadRestrictionsNone "$root/app3" 2>&1) &&
  [[ "$out" == *"name: shared"* ]]; then
  pass "LoadRestrictionsNone allows files elsewhere inside the root"
else
  fail "LoadRestrictionsNone allows files elsewhere inside the root" "$out"
fi
mkdir -p "$root/app4"
printf 'resources: [../../secret/cm.yaml]\n' >"$root/app4/kustomization.yaml"
expect_fail "dot-dot out of the root refused" "$root/app4" "resolves outside the root" -- --root "$root" \
  --load-restrictor LoadRestrictionsNone

# --- hostile sizes --------------------------------------------------------
mkdir -p "$work/deep" "$work/huge"
printf 'resources: [deep.yaml]\n' >"$work/deep/kustomization.yaml"
{
  printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: deep}\ndata:\n  x: '
  for ((i = 0; i < 5000; i++)); do printf '['; done
  for ((i = 0; i < 5000; i++)); do printf ']'; done
  printf '\n'
} >"$work/deep/deep.yaml"
expect_fail "deep nesting refused" "$work/deep" "deep.yaml" "nesting deeper than"
printf 'resources: [huge.yaml]\n' >"$work/huge/kustomization.yaml"
{
  printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: huge}\ndata:\n  x: "'
  head -c $((33 * 1024 * 1024)) /dev/zero | tr '\0' 'a'
  printf '"\n'
} >"$work/huge/huge.yaml"
expect_fail "huge file refused" "$work/huge" "huge.yaml" "limit"

# --- a successful build prints the stream and nothing on stderr ----------
if out=$("$bin" build "$FC_ROOT/tests/kustomize/cases/01-basic-resources" 2>"$work/err") && [ ! -s "$work/err" ] &&
  [[ "$out" == *"---"* ]]; then
  pass "successful build: stream on stdout, nothing on stderr"
else
  fail "successful build: stream on stdout, nothing on stderr" "$(cat "$work/err")"
fi
finish
