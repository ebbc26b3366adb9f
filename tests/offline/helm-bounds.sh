#!/usr/bin/env bash
# Runaway templates stop with a clear error, nothing on stdout and a
# non-zero exit: template recursion (Go's depth limit), include loops
# (Helm's guard), a template that tpl's itself (Helm has no guard and dies
# of stack exhaustion; we stop at 1000 nested tpl calls) and output beyond
# the per-file size cap (64 MiB).
. "$(dirname "$0")/../lib.sh"
OURS=$FC_BIN/helm-controller
work=$(mktemp -d "${TMPDIR:-/tmp}/helm-bounds.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/c/templates"
printf 'apiVersion: v2\nname: b\nversion: 0.1.0\n' > "$work/c/Chart.yaml"

# bounded NAME TEMPLATE WANT-IN-STDERR [args...]
bounded() {
  local name=$1 tmpl=$2 want=$3; shift 3
  printf '%s\n' "$tmpl" > "$work/c/templates/t.yaml"
  "$OURS" template rel "$work/c" "$@" >"$work/out" 2>"$work/err"
  local rc=$?
  if [ $rc -eq 0 ]; then fail "$name" "rendered without error"; return; fi
  if [ -s "$work/out" ]; then fail "$name" "printed $(wc -c < "$work/out") bytes on stdout"; return; fi
  # the nested error chains are long: the innermost cause is at the end
  check_contains "$name" "$(tail -c 2000 "$work/err")" "$want"
}

bounded template-recursion '{{ define "r" }}{{ template "r" . }}{{ end }}{{ template "r" . }}' \
  'exceeded maximum template depth (100000)'
bounded include-loop '{{ define "a" }}{{ include "b" . }}{{ end }}{{ define "b" }}{{ include "a" . }}{{ end }}{{ include "a" . }}' \
  'rendering template has a nested reference name: a: unable to execute template'
printf 't: "{{ tpl .Values.t . }}"\n' > "$work/self.yaml"
bounded tpl-self '{{ tpl .Values.t . }}' 'tpl: nested more than 1000 levels deep' -f "$work/self.yaml"
bounded tpl-self-define '{{ define "r" }}{{ tpl "{{ template \"r\" . }}" . }}{{ end }}{{ template "r" . }}' \
  'tpl: nested more than 1000 levels deep'
bounded output-size 'x: {{ repeat 70000000 "x" }}' 'exceeds the size limit of 67108864 bytes'
bounded include-output-size '{{ define "big" }}{{ repeat 40000000 "y" }}{{ end }}x: {{ include "big" . }}{{ include "big" . }}' \
  'exceeds the size limit of 67108864 bytes'
finish
