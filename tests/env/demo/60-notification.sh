# demo step: notification-controller wired to a local webhook sink
# (tests/tools/webhook-sink, which records every request it gets): a generic
# Provider pointing at the sink, an Alert for the Flux kinds in flux-system, a
# Receiver, and an event POSTed exactly as kustomize-controller sends it; then
# what the sink received. Controllers started by 10-controllers.sh post their
# own events to the same server, so their notifications show up too.
if [ -x "$FC_BIN/notification-controller" ] && [ -n "${demo_events_port:-}" ] && demo_running notification-controller; then
  say "notification-controller: an Alert wired to a local webhook sink"
  make -s build/release/tools/webhook-sink >/dev/null || warn "cannot build the webhook sink"
  demo_sink_dir=$DEMO_DIR/sink
  rm -rf "$demo_sink_dir"
  mkdir -p "$demo_sink_dir"
  demo_port demo_sink_port
  demo_bg webhook-sink "$FC_ROOT/build/release/tools/webhook-sink" --dir "$demo_sink_dir" --addr "127.0.0.1:$demo_sink_port"
  demo_token=$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')
  kubectl -n flux-system apply -f - <<EOF
apiVersion: notification.toolkit.fluxcd.io/v1beta3
kind: Provider
metadata: {name: demo-sink}
spec:
  type: generic
  address: http://127.0.0.1:$demo_sink_port/flux
---
apiVersion: notification.toolkit.fluxcd.io/v1beta3
kind: Alert
metadata: {name: demo}
spec:
  providerRef: {name: demo-sink}
  eventSeverity: info
  eventSources:
    - {kind: GitRepository, name: "*"}
    - {kind: Kustomization, name: "*"}
    - {kind: HelmRelease, name: "*"}
  eventMetadata: {cluster: fluxc-demo}
---
apiVersion: v1
kind: Secret
metadata: {name: demo-webhook-token}
stringData: {token: $demo_token}
---
apiVersion: notification.toolkit.fluxcd.io/v1
kind: Receiver
metadata: {name: demo}
spec:
  type: generic
  secretRef: {name: demo-webhook-token}
  resources: [{kind: GitRepository, name: "*", matchLabels: {demo: "true"}}]
EOF
  sleep 2
  show kubectl -n flux-system get providers,alerts,receivers
  echo "\$ curl -X POST http://127.0.0.1:$demo_events_port/ -d '<a Kustomization failure, as kustomize-controller posts it>'"
  curl -s -o /dev/null -w 'HTTP %{http_code}\n' -X POST -H 'Content-Type: application/json' "http://127.0.0.1:$demo_events_port/" --data-binary @- <<'EOF' || warn "the event server did not answer"
{"involvedObject":{"kind":"Kustomization","namespace":"flux-system","name":"podinfo","apiVersion":"kustomize.toolkit.fluxcd.io/v1"},
 "severity":"error","timestamp":"2025-01-01T00:00:00Z","reason":"HealthCheckFailed",
 "message":"Health check failed after 2m0s: timeout waiting for: [Deployment/default/podinfo status: 'InProgress']",
 "metadata":{"kustomize.toolkit.fluxcd.io/revision":"main@sha1:5d4f6b7e8a9b0c1d2e3f4a5b6c7d8e9f0a1b2c3d"},
 "reportingController":"kustomize-controller","reportingInstance":"demo"}
EOF
  for _ in $(seq 1 20); do [ -s "$demo_sink_dir/requests.jsonl" ] && break; sleep 0.5; done
  echo "the sink received (log: $demo_sink_dir/requests.jsonl):"
  if [ -s "$demo_sink_dir/requests.jsonl" ]; then
    jq -c '{path, "gotk-component": .headers["gotk-component"], event: (.body|fromjson|{kind: .involvedObject.kind, name: .involvedObject.name, severity, reason, message, metadata})}' \
      "$demo_sink_dir/requests.jsonl" || warn "cannot read the sink log"
  else
    warn "nothing arrived at the sink (see $DEMO_DIR/logs/notification-controller.log)"
  fi
  # the Receiver: one POST to its path reconciles every GitRepository labelled demo=true
  demo_recv_port=$(sed -n 's/.*Starting webhook receiver server on [^ ]* (port \([0-9]*\)).*/\1/p' \
    "$DEMO_DIR/logs/notification-controller.log" | tail -n 1)
  demo_hook=
  for _ in $(seq 1 20); do
    demo_hook=$(kubectl -n flux-system get receiver demo -o jsonpath='{.status.webhookPath}' 2>/dev/null || true)
    [ -n "$demo_hook" ] && break
    sleep 0.5
  done
  if [ -n "$demo_recv_port" ] && [ -n "$demo_hook" ]; then
    show kubectl -n flux-system get receiver demo
    if kubectl -n flux-system get gitrepository podinfo-local >/dev/null 2>&1; then
      kubectl -n flux-system label gitrepository podinfo-local demo=true --overwrite >/dev/null
      echo "\$ curl -X POST http://127.0.0.1:$demo_recv_port$demo_hook"
      curl -s -o /dev/null -w 'HTTP %{http_code}\n' -X POST "http://127.0.0.1:$demo_recv_port$demo_hook" || warn "the receiver did not answer"
      sleep 2
      show kubectl -n flux-system get gitrepository podinfo-local \
        -o jsonpath='requestedAt={.metadata.annotations.reconcile\.fluxcd\.io/requestedAt}{"\n"}lastHandledReconcileAt={.status.lastHandledReconcileAt}{"\n"}'
    else
      echo "Receiver: curl -X POST http://127.0.0.1:$demo_recv_port$demo_hook reconciles every GitRepository labelled demo=true"
    fi
  fi
fi
