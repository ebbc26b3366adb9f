# Benchmark helpers. measure LABEL CMD... runs CMD under /usr/bin/time and
# sets M_SECS (wall seconds) and M_KB (peak RSS in KiB); the command's stdout
# goes to /dev/null. best_of N LABEL CMD... keeps the fastest of N runs.
FC_ROOT=${FC_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
FC_BIN=${FC_BIN:-$FC_ROOT/bin}
. "$FC_ROOT/tests/ports.sh"
measure() {
  local label=$1; shift
  local tf; tf=$(mktemp)
  /usr/bin/time -f '%e %M' -o "$tf" "$@" >/dev/null 2>"$tf.err" || { echo "benchmark command failed: $label" >&2; cat "$tf.err" >&2; rm -f "$tf" "$tf.err"; return 1; }
  read -r M_SECS M_KB <"$tf"
  rm -f "$tf" "$tf.err"
}
best_of() {
  local n=$1 label=$2; shift 2
  local bs="" bk=""
  for ((i = 0; i < n; i++)); do
    measure "$label" "$@" || return 1
    if [ -z "$bs" ] || awk -v a="$M_SECS" -v b="$bs" 'BEGIN{exit !(a<b)}'; then bs=$M_SECS; fi
    if [ -z "$bk" ] || [ "$M_KB" -lt "$bk" ]; then bk=$M_KB; fi
  done
  M_SECS=$bs M_KB=$bk
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN{ if (b == 0) b = 0.001; printf "%.1f", a / b }'; }
