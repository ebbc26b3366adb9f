#!/usr/bin/env bash
# make bench: run every tests/bench/bench-*.sh (optionally only those whose
# name contains $1). Each benchmark compares our tool with the reference tool
# in the same run and prints a small Markdown report; the reports are
# collected into bench-results/<timestamp>.md.
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
make -s -j"$(nproc)" all >/dev/null || exit 1
export FC_ROOT=$root FC_BIN=$root/bin
mkdir -p bench-results
out=bench-results/$(date -u +%Y%m%dT%H%M%SZ).md
{
  echo "# fluxc benchmarks, $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo), commit $(git rev-parse --short HEAD 2>/dev/null)"
} >"$out"
rc=0
for b in tests/bench/bench-*.sh; do
  [ -e "$b" ] || continue
  [ -n "${1:-}" ] && [[ "$b" != *"$1"* ]] && continue
  echo "== $b"
  if ! bash "$b" | tee -a "$out"; then rc=1; echo "(benchmark $b failed)" | tee -a "$out"; fi
done
echo "report: $out"
exit $rc
