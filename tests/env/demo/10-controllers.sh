# demo step: run every controller binary in $FC_BIN against the demo cluster,
# in the background, logging to $DEMO_DIR/logs/<controller>.log. Flags are
# passed only when the binary's --help lists them, so the step keeps working
# while the controllers grow. Each gets its own loopback ports (Flux's default
# ports would collide between four processes on one host).
say "starting the controllers"
# Flux runs them in flux-system; they read it from RUNTIME_NAMESPACE.
kubectl create namespace flux-system --dry-run=client -o yaml | kubectl apply -f - >/dev/null
export RUNTIME_NAMESPACE=flux-system
demo_events_port=
[ -x "$FC_BIN/notification-controller" ] && demo_port demo_events_port
demo_controllers=()
for bin in "$FC_BIN"/*-controller; do
  [ -x "$bin" ] || continue
  name=$(basename "$bin")
  help=$("$bin" --help 2>&1 || true)
  has() { grep -qE -- "--$1([ =]|$)" <<<"$help"; }
  args=()
  has kubeconfig && args+=("--kubeconfig=$KUBECONFIG")
  has log-level && args+=(--log-level=info)
  for f in metrics-addr health-addr; do
    if has "$f"; then demo_port p; args+=("--$f=127.0.0.1:$p"); fi
  done
  if has storage-path; then mkdir -p "$DEMO_DIR/$name/storage"; args+=("--storage-path=$DEMO_DIR/$name/storage"); fi
  if has storage-addr; then
    demo_port p; args+=("--storage-addr=127.0.0.1:$p")
    has storage-adv-addr && args+=("--storage-adv-addr=127.0.0.1:$p")
  fi
  if [ "$name" = notification-controller ]; then
    has events-addr && args+=("--events-addr=127.0.0.1:$demo_events_port")
    if has receiverAddr; then demo_port p; args+=("--receiverAddr=127.0.0.1:$p"); fi
  elif [ -n "$demo_events_port" ] && has events-addr; then
    args+=("--events-addr=http://127.0.0.1:$demo_events_port/")
  fi
  echo "\$ $name ${args[*]}"
  demo_bg "$name" "$bin" "${args[@]}"
  demo_controllers+=("$name")
done
sleep 2
for name in "${demo_controllers[@]}"; do
  if demo_running "$name"; then
    echo "$name: running (log: $DEMO_DIR/logs/$name.log)"
  else
    echo "$name: exited with status $(demo_exit_status "$name"); last lines of $DEMO_DIR/logs/$name.log:"
    tail -n 3 "$DEMO_DIR/logs/$name.log" | sed 's/^/    | /'
  fi
done
