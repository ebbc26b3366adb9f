# free_port: print a TCP port on 127.0.0.1 that nothing listens on now,
# picked at random outside the kernel's ephemeral range (outgoing
# connections take their local ports from that range, and a connect probe
# cannot see them, so a port there may fail to bind a moment later). Probed
# by connecting. Sourced by tests/lib.sh and tests/bench/lib.sh;
# cluster-up.sh keeps its own (it also avoids the ports it handed out).
free_port() {
  local p eph_lo=32768 eph_hi=60999 lo hi
  read -r eph_lo eph_hi </proc/sys/net/ipv4/ip_local_port_range 2>/dev/null
  if ((eph_lo > 21000)); then lo=20000 hi=$((eph_lo - 1)); else lo=$((eph_hi + 1)) hi=65535; fi
  ((hi > lo)) || { lo=20000 hi=30000; }
  for _ in $(seq 1 200); do
    p=$((lo + (RANDOM * 32768 + RANDOM) % (hi - lo + 1)))
    (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null && continue
    echo "$p"
    return 0
  done
  return 1
}
