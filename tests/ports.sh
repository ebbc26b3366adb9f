# free_port: print a TCP port on 127.0.0.1 that nothing listens on now (a
# random one in 20000-39999, probed by connecting). Sourced by tests/lib.sh
# and tests/bench/lib.sh; cluster-up.sh keeps its own (it also avoids the
# ports it has handed out itself).
free_port() {
  local p
  for _ in $(seq 1 200); do
    p=$((20000 + RANDOM % 20000))
    (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null && continue
    echo "$p"
    return 0
  done
  return 1
}
