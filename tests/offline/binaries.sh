#!/usr/bin/env bash
# Every binary answers --help (generated from its flag table, exit 0),
# --version (exit 0), and rejects an unknown flag or bad value with one line
# on stderr and exit status 2.
. "$(dirname "$0")/../lib.sh"
for b in source-controller kustomize-controller helm-controller notification-controller; do
  out=$("$FC_BIN/$b" --help 2>&1); rc=$?
  check_eq "$b --help exits 0" "$rc" 0
  check_contains "$b --help lists its flags" "$out" "--kube-api-qps float"
  check_contains "$b --help shows defaults" "$out" "--min-retry-delay duration"
  out=$("$FC_BIN/$b" --version 2>&1); rc=$?
  check_eq "$b --version exits 0" "$rc" 0
  check_contains "$b --version names the binary" "$out" "$b "
  out=$("$FC_BIN/$b" --no-such-flag 2>&1); rc=$?
  check_eq "$b unknown flag exits 2" "$rc" 2
  check_eq "$b unknown flag: one line" "$(echo "$out" | wc -l)" 1
  out=$("$FC_BIN/$b" --kube-api-burst=lots 2>&1); rc=$?
  check_eq "$b bad flag value exits 2" "$rc" 2
  check_contains "$b bad flag value is named" "$out" "--kube-api-burst"
done
check_contains "source-controller flags" "$("$FC_BIN/source-controller" --help)" '--storage-path string'
check_contains "source-controller --concurrent default 2" "$("$FC_BIN/source-controller" --help)" '(default 2)'
check_contains "kustomize-controller flags" "$("$FC_BIN/kustomize-controller" --help)" '--concurrent-ssa int'
check_contains "notification-controller listens on events-addr" "$("$FC_BIN/notification-controller" --help)" '--events-addr string                        The address the event endpoint binds to. (default ":9090")'
check_contains "helm-controller flags" "$("$FC_BIN/helm-controller" --help)" '--graceful-shutdown-timeout duration'
finish
