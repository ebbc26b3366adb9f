# Helpers for script tests (tests/offline/*.sh, tests/e2e/*.sh). Source it:
#   . "$(dirname "$0")/../lib.sh"
# Each check prints "PASS <suite>: <name>" or "FAIL <suite>: <name>: why".
# Suite name defaults to the script's directory/basename.
FC_ROOT=${FC_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
FC_BIN=${FC_BIN:-$FC_ROOT/bin}
SUITE=${SUITE:-$(basename "$(dirname "$0")")/$(basename "$0" .sh)}
T_FAILED=0
. "$FC_ROOT/tests/ports.sh"

pass() { echo "PASS $SUITE: $1"; }
fail() { echo "FAIL $SUITE: $1: ${2:-}"; T_FAILED=$((T_FAILED + 1)); }

# check NAME CMD...: pass if CMD succeeds.
check() {
  local name=$1; shift
  local out
  if out=$("$@" 2>&1); then pass "$name"; else fail "$name" "$(echo "$out" | tail -n 5 | tr '\n' ' ')"; fi
}
# check_eq NAME GOT WANT
check_eq() {
  if [ "$2" == "$3" ]; then pass "$1"; else fail "$1" "got '$2', want '$3'"; fi
}
# check_contains NAME HAYSTACK NEEDLE
check_contains() {
  if [[ "$2" == *"$3"* ]]; then pass "$1"; else fail "$1" "'$(echo "$2" | head -c 400)' does not contain '$3'"; fi
}
# eventually TIMEOUT_SECONDS CMD...: retry CMD every second until it succeeds.
eventually() {
  local tmo=$1; shift
  local end=$((SECONDS + tmo))
  while ((SECONDS < end)); do
    "$@" >/dev/null 2>&1 && return 0
    sleep 1
  done
  "$@"
}
# finish: exit status for the suite (non-zero when a check failed).
finish() { [ "$T_FAILED" -eq 0 ]; exit $?; }
# check_eventually NAME TIMEOUT WANT CMD...: pass once CMD's output equals
# WANT (CMD is re-run every second until TIMEOUT seconds have passed).
check_eventually() {
  local name=$1 tmo=$2 want=$3; shift 3
  local got end=$((SECONDS + tmo))
  while :; do
    got=$("$@" 2>/dev/null)
    if [ "$got" == "$want" ]; then pass "$name"; return 0; fi
    ((SECONDS >= end)) && break
    sleep 1
  done
  fail "$name" "got '$(echo "$got" | head -c 300)', want '$want' (after ${tmo}s)"
}
