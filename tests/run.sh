#!/usr/bin/env bash
# The test command behind `make test` / `make test-asan`.
#   tests/run.sh [unit|offline|e2e|all] [name-filter]
# Builds everything, runs the unit test binaries, the offline script tests
# (tests/offline/*.sh: no cluster needed) and the e2e tests (tests/e2e/*.sh)
# against one real local control plane started for this run. Every test
# prints "PASS <suite>: <name>" or "FAIL <suite>: <name>: why"; a suite that
# exits non-zero without reporting a failure counts as one failure. The last
# line is "N passed, N failed".
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
what=${1:-all}
filter=${2:-}
export SAN=${SAN:-}
if [ "$SAN" = 1 ]; then
  export FC_BIN="$root/build/asan/bin" FC_OBJ="$root/build/asan"
  export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:exitcode=86}
  export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1:exitcode=87}
  export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$root/tests/lsan.supp:print_suppressions=0}
else
  export FC_BIN="$root/bin" FC_OBJ="$root/build/release"
fi
export FC_ROOT=$root
results=$(mktemp -d "${TMPDIR:-/tmp}/fluxc-results.XXXXXX")
trap 'rm -rf "$results"' EXIT

echo "== build (SAN=${SAN:-0})"
if ! make -s -j"$(nproc)" all tests >"$results/build.log" 2>&1; then
  cat "$results/build.log"
  echo "FAIL build: make: compilation failed"
  echo "0 passed, 1 failed"
  exit 1
fi
grep -E 'warning:' "$results/build.log" && echo "(build produced warnings)"

# run_suite NAME TIMEOUT CMD...: run one suite, echo its lines, record them.
run_suite() {
  local name=$1 tmo=$2; shift 2
  [ -n "$filter" ] && [[ "$name" != *"$filter"* ]] && return 0
  local out="$results/$(echo "$name" | tr '/ ' '__').out"
  echo "== $name"
  timeout -k 10 "$tmo" "$@" >"$out" 2>"$out.err" </dev/null
  local rc=$?
  cat "$out"
  if [ $rc -ne 0 ]; then
    # show the suite's diagnostics (failed checks print them on stderr)
    tail -n 60 "$out.err" | sed 's/^/    | /'
    if ! grep -q '^FAIL ' "$out"; then
      echo "FAIL $name: suite exited with status $rc" | tee -a "$out"
    fi
  fi
  cat "$out" >>"$results/all"
}
: >"$results/all"

# sanitizer_reports SUITE: one failure per sanitizer report file written
# since the last call (ASAN/UBSAN log_path), with the report shown.
sanitizer_reports() {
  local f why
  for f in "$results"/san/*.*; do
    [ -f "$f" ] || continue
    why=$(grep -m1 '^SUMMARY:' "$f" || grep -m1 -E 'ERROR|runtime error' "$f" || head -n1 "$f")
    echo "FAIL $1: sanitizer report from pid ${f##*.}: $why" | tee -a "$results/all"
    head -n 40 "$f" | sed 's/^/    | /'
    mkdir -p "$results/san/seen" && mv "$f" "$results/san/seen/"
  done
}

if [[ $what == unit || $what == all ]]; then
  for t in $(find "$FC_OBJ/tests" -type f -perm -u+x 2>/dev/null | sort); do
    area=$(basename "$(dirname "$t")")
    TEST_DATADIR="$root/tests/unit/$area/data" run_suite "unit/$area/$(basename "$t")" 600 "$t"
  done
fi

if [[ $what == offline || $what == all ]]; then
  for s in tests/offline/*.sh; do
    [ -e "$s" ] || continue
    run_suite "offline/$(basename "$s" .sh)" 1800 bash "$s"
  done
fi

if [[ $what == e2e || $what == all ]]; then
  e2e=()
  for s in tests/e2e/*.sh; do
    [ -e "$s" ] || continue
    [ -n "$filter" ] && [[ "e2e/$(basename "$s" .sh)" != *"$filter"* ]] && continue
    e2e+=("$s")
  done
  if ((${#e2e[@]})); then
    echo "== cluster-up"
    . tests/env/versions.sh
    export PATH="$PATH:$TOOLS_BIN"   # kubectl from make deps when the machine has none
    if [ -n "${FC_CLUSTER_DIR:-}" ]; then
      # A cluster the caller keeps (reused when healthy): not torn down here.
      echo "(using FC_CLUSTER_DIR=$FC_CLUSTER_DIR; it is left running)"
    else
      # A cluster of our own, torn down on exit; the trap is set before it
      # starts, and cluster-up's watchdog stops it even if we are killed -9.
      export FC_CLUSTER_DIR=$(mktemp -d "${TMPDIR:-/tmp}/fluxc-cluster-XXXXXX")
      trap 'tests/env/cluster-down.sh "$FC_CLUSTER_DIR" >/dev/null 2>&1; rm -rf "$results"' EXIT
      trap 'exit 130' INT
      trap 'exit 143' TERM
      export FC_CLUSTER_OWNER_PID=$$
    fi
    if up=$(tests/env/cluster-up.sh 2>"$results/cluster.err"); then
      export KUBECONFIG=$(echo "$up" | tail -n1)
      grep -h 'cluster ready\|reusing' "$results/cluster.err"
      if [ "$SAN" = 1 ]; then
        # Controllers run in the background here, so a sanitizer report
        # (a leak at exit, UB, a memory error) would vanish with the suite's
        # temporary logs: send reports to files and fail the suite for each.
        mkdir -p "$results/san"
        export ASAN_OPTIONS="$ASAN_OPTIONS:log_path=$results/san/asan"
        export UBSAN_OPTIONS="$UBSAN_OPTIONS:log_path=$results/san/ubsan"
      fi
      for s in "${e2e[@]}"; do
        run_suite "e2e/$(basename "$s" .sh)" 1200 bash "$s"
        [ "$SAN" = 1 ] && sanitizer_reports "e2e/$(basename "$s" .sh)"
      done
    else
      tail -n 40 "$results/cluster.err"
      echo "FAIL e2e: cluster-up failed" | tee -a "$results/all"
    fi
  fi
fi

passed=$(grep -c '^PASS ' "$results/all")
failed=$(grep -c '^FAIL ' "$results/all")
echo
grep '^FAIL ' "$results/all" | sed 's/^/  /'
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
