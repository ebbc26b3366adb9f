#!/usr/bin/env bash
# notification-controller on the real local control plane, with a local
# webhook sink (tests/tools/webhook-sink) standing in for Teams, Slack and
# generic endpoints:
#  - Providers and Alerts are served (`kubectl get providers,alerts`);
#  - a failing Kustomization's event (Flux's exact payload, as
#    kustomize-controller POSTs it) reaches an error-severity Alert as one
#    Teams Adaptive Card and one Slack attachment, checked field by field;
#    the same failure repeated within the rate-limit window (even with a
#    different duration in its message) is sent once; a success event
#    produces nothing under that Alert;
#  - a real controller binary (testctl, a libcommon controller) POSTs its
#    events through --events-addr: its retried failure is delivered once;
#  - generic-hmac's X-Signature verifies with the shared secret (openssl);
#  - a Provider answering 500 is retried, then a Warning event
#    NotificationDispatchFailed is recorded on its Alert with the token masked,
#    while the other Provider still receives the message;
#  - Receivers: Ready with the webhook path in `kubectl get receivers`, a
#    GitHub-signed push annotates the GitRepository with
#    reconcile.fluxcd.io/requestedAt, a wrong signature gets 401 and annotates
#    nothing, an unknown path 404, a disallowed event 400, a suspended
#    Receiver 503, name '*' with matchLabels annotates exactly the labelled
#    objects, a missing token Secret shows Ready=False TokenNotFound, a
#    token Secret labelled reconcile.fluxcd.io/watch=Enabled moves the
#    webhook path as soon as it is rotated;
#  - no secret value appears in the controller's log or in any Event.
# The scenarios that need the real kustomize-/source-controller are in
# tests/e2e/notification/flux-scenarios.sh.pending.
. "$(dirname "$0")/../lib.sh"
set -u
OBJ=${FC_OBJ:-$FC_ROOT/build/release}
SINK=$OBJ/tools/webhook-sink
TESTCTL=$OBJ/e2e/testctl
NCB=$FC_BIN/notification-controller
FIX=$FC_ROOT/tests/e2e/notification
work=$(mktemp -d)
pids=()
NS=nc-e2e-$$
cleanup() {
  for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null; done
  kubectl delete namespace "$NS" --wait=false >/dev/null 2>&1
  rm -rf "$work"
}
trap cleanup EXIT

sink_count() { [ -s "$work/sink/requests.jsonl" ] && jq -s --arg p "$1" '[.[]|select(.path==$p)]|length' "$work/sink/requests.jsonl" || echo 0; }
sink_last() { jq -s --arg p "$1" '[.[]|select(.path==$p)]|last' "$work/sink/requests.jsonl"; }
post_event() { curl -s -o "$work/resp" -w '%{http_code}' -X POST -H 'Content-Type: application/json' --data-binary @- "http://127.0.0.1:$EP/"; }
# ks_event NAME SEVERITY REASON MESSAGE: Flux's event, as kustomize-controller sends it
ks_event() {
  jq -cn --arg ns "$NS" --arg name "$1" --arg sev "$2" --arg reason "$3" --arg msg "$4" '{
    involvedObject: {kind: "Kustomization", namespace: $ns, name: $name, uid: "9a3f6c1e-5b7d-4e2a-8c1f-0d2e3b4a5c6d",
                     apiVersion: "kustomize.toolkit.fluxcd.io/v1", resourceVersion: "4711"},
    severity: $sev, timestamp: "2025-01-01T00:00:00Z", message: $msg, reason: $reason,
    metadata: {"kustomize.toolkit.fluxcd.io/revision": "main@sha1:5d4f6b7e8a9b0c1d2e3f4a5b6c7d8e9f0a1b2c3d",
               "kustomize.toolkit.fluxcd.io/token": "ks-token-1"},
    reportingController: "kustomize-controller", reportingInstance: "kustomize-controller-7d9f8-x2x"}'
}

# secrets used below; none of them may ever show up in logs or events
HMAC_TOKEN=hmac-s3cret-$RANDOM$RANDOM
BROKEN_TOKEN=br0ken-s3cret-$RANDOM$RANDOM
RECV_TOKEN=recv-s3cret-$RANDOM$RANDOM

# ---- sink and controller
mkdir -p "$work/sink"
"$SINK" --dir "$work/sink" --port-file "$work/sink.port" --respond "/fail=500:backend down, token=$BROKEN_TOKEN" >/dev/null 2>"$work/sink.err" &
pids+=($!)
disown
for _ in $(seq 1 50); do [ -s "$work/sink.port" ] && break; sleep 0.1; done
SP=$(cat "$work/sink.port")
EP=$(free_port); RP=$(free_port); MP=$(free_port); HP=$(free_port)
kubectl create namespace "$NS" >/dev/null
RUNTIME_NAMESPACE=$NS "$NCB" --kubeconfig "$KUBECONFIG" --events-addr "127.0.0.1:$EP" --receiverAddr "127.0.0.1:$RP" \
  --metrics-addr "127.0.0.1:$MP" --health-addr "127.0.0.1:$HP" --min-retry-delay 200ms --max-retry-delay 2s \
  >"$work/nc.log" 2>&1 &
NC=$!; pids+=($NC)
check "controller ready (/readyz)" eventually 30 curl -sf "http://127.0.0.1:$HP/readyz"
check "event server listening" eventually 20 sh -c "curl -s -o /dev/null -w '%{http_code}' -X POST http://127.0.0.1:$EP/ | grep -q 400"

sed -e "s/__NS__/$NS/g" -e "s/__SINK__/127.0.0.1:$SP/g" -e "s/__HMAC_TOKEN__/$HMAC_TOKEN/g" \
  -e "s/__BROKEN_TOKEN__/$BROKEN_TOKEN/g" -e "s/__RECV_TOKEN__/$RECV_TOKEN/g" "$FIX/objects.yaml" >"$work/objects.yaml"
kubectl apply -f "$work/objects.yaml" >"$work/apply.out" 2>&1 || { cat "$work/apply.out" >&2; fail "apply fixtures" "$(tail -3 "$work/apply.out")"; }

# ---- kubectl get providers,alerts
out=$(kubectl -n "$NS" get providers,alerts 2>&1)
check_contains "kubectl get providers,alerts: header" "$(echo "$out" | head -1)" "AGE"
check_contains "kubectl get providers,alerts: providers listed" "$out" "provider.notification.toolkit.fluxcd.io/teams"
check_contains "kubectl get providers,alerts: alerts listed" "$out" "alert.notification.toolkit.fluxcd.io/ks-errors-teams"
# give the informers a moment to see the Alerts (no status to wait on: v1beta3 Alerts have none)
sleep 2

# ---- a failing Kustomization -> Teams + Slack, field by field
code=$(ks_event webapp error HealthCheckFailed "Health check failed after 1m30.5s, timeout waiting for: [Deployment/$NS/webapp status: 'InProgress']" | post_event)
check_eq "failure event accepted (202)" "$code" "202"
check_eventually "Teams got one message" 15 1 sink_count /teams
check_eventually "Slack got one message" 15 1 sink_count /slack
teams=$(sink_last /teams | jq '.body|fromjson')
jt() { echo "$teams" | jq -r "$1"; }
check_eq "teams: type" "$(jt .type)" "message"
check_eq "teams: one attachment" "$(jt '.attachments|length')" "1"
check_eq "teams: contentType" "$(jt '.attachments[0].contentType')" "application/vnd.microsoft.card.adaptive"
C='.attachments[0].content'
check_eq "teams: \$schema" "$(jt "$C.\"\$schema\"")" "http://adaptivecards.io/schemas/adaptive-card.json"
check_eq "teams: AdaptiveCard 1.4" "$(jt "$C.type + \" \" + $C.version")" "AdaptiveCard 1.4"
check_eq "teams: msteams.width" "$(jt "$C.msteams.width")" "Full"
check_eq "teams: body is one Container" "$(jt "[$C.body[].type]|join(\",\")")" "Container"
I="$C.body[0].items"
check_eq "teams: items" "$(jt "[$I[].type]|join(\",\")")" "TextBlock,TextBlock,FactSet"
check_eq "teams: title block" "$(jt "$I[0]|[.text,.size,.weight,(.wrap|tostring)]|join(\"|\")")" "kustomization/webapp.$NS|large|bolder|true"
check_eq "teams: message block" "$(jt "$I[1]|[.text,.color,(.wrap|tostring)]|join(\"|\")")" \
  "Health check failed after 1m30.5s, timeout waiting for: [Deployment/$NS/webapp status: 'InProgress']|attention|true"
check_eq "teams: facts (summary first, then sorted)" "$(jt "[$I[2].facts[]|.title+\"=\"+.value]|join(\";\")")" \
  "summary=Production cluster;env=prod;revision=main@sha1:5d4f6b7e8a9b0c1d2e3f4a5b6c7d8e9f0a1b2c3d"
check_eq "teams: internal token metadata not forwarded" "$(echo "$teams" | grep -c 'ks-token-1')" "0"
slack=$(sink_last /slack | jq '.body|fromjson')
js() { echo "$slack" | jq -r "$1"; }
check_eq "slack: channel, username, icons" "$(js '[.channel,.username,.icon_url,.icon_emoji]|join("|")')" "#alerts|kustomize-controller||"
check_eq "slack: no top-level text" "$(js 'has("text")')" "false"
check_eq "slack: one attachment" "$(js '.attachments|length')" "1"
A='.attachments[0]'
check_eq "slack: color danger" "$(js "$A.color")" "danger"
check_eq "slack: author_name" "$(js "$A.author_name")" "kustomization/webapp.$NS"
check_eq "slack: text" "$(js "$A.text")" "Health check failed after 1m30.5s, timeout waiting for: [Deployment/$NS/webapp status: 'InProgress']"
check_eq "slack: mrkdwn_in" "$(js "$A.mrkdwn_in|join(\",\")")" "text"
check_eq "slack: fields" "$(js "[$A.fields[]|.title+\"=\"+.value+\"/\"+(.short|tostring)]|join(\";\")")" \
  "revision=main@sha1:5d4f6b7e8a9b0c1d2e3f4a5b6c7d8e9f0a1b2c3d/false"
check_eq "slack: content type" "$(sink_last /slack | jq -r '.headers["content-type"]')" "application/json"

# the same failure again (another duration in the message) within the window: 429, nothing sent
code=$(ks_event webapp error HealthCheckFailed "Health check failed after 2m0.25s, timeout waiting for: [Deployment/$NS/webapp status: 'InProgress']" | post_event)
check_eq "repeated failure within the rate-limit window: 429" "$code" "429"
# a success produces nothing under the error-severity Alerts
code=$(ks_event webapp info ReconciliationSucceeded "Reconciliation finished in 1.2s, next run in 5m0s" | post_event)
check_eq "success event accepted (202)" "$code" "202"
# the info-severity Alert gets both the failure and the success
check_eventually "failure and success delivered to the info Alert (generic-hmac)" 15 2 sink_count /hmac
sleep 1
check_eq "repeated failure sent once to Teams" "$(sink_count /teams)" "1"
check_eq "repeated failure sent once to Slack" "$(sink_count /slack)" "1"

# ---- generic-hmac: X-Signature verifies with the shared secret
last=$(sink_last /hmac)
sig=$(echo "$last" | jq -r '.headers["x-signature"]')
want="sha256=$(openssl dgst -sha256 -hmac "$HMAC_TOKEN" <"$work/sink/$(echo "$last" | jq -r .body_file)" | sed 's/^.*= //')"
check_eq "generic-hmac: X-Signature = HMAC-SHA256(body, shared secret)" "$sig" "$want"
wrong="sha256=$(openssl dgst -sha256 -hmac "not-the-secret" <"$work/sink/$(echo "$last" | jq -r .body_file)" | sed 's/^.*= //')"
[ "$sig" != "$wrong" ] && pass "generic-hmac: another key gives another signature" || fail "generic-hmac: another key" "$wrong"
check_eq "generic: gotk-component header" "$(echo "$last" | jq -r '.headers["gotk-component"]')" "kustomize-controller"
check_eq "generic: body is the event (metadata merged for the Alert)" \
  "$(echo "$last" | jq -r '.body|fromjson|[.involvedObject.kind,.reason,.metadata.revision,(.metadata|has("token"))]|join("|")')" \
  "Kustomization|ReconciliationSucceeded|main@sha1:5d4f6b7e8a9b0c1d2e3f4a5b6c7d8e9f0a1b2c3d|false"

# ---- a Provider answering 500: retried, then NotificationDispatchFailed (masked); the other Provider still receives
code=$(ks_event flaky error ReconciliationFailed "kustomize build failed: accumulating resources" | post_event)
check_eq "event for the flaky object accepted" "$code" "202"
check_eventually "healthy Provider received it" 15 1 sink_count /ok
dispatch_failed() {
  kubectl -n "$NS" get events --field-selector involvedObject.kind=Alert,involvedObject.name=flaky-broken,reason=NotificationDispatchFailed \
    -o json | jq -r '.items[0]|[.type,.message]|join("|")'
}
check "Warning NotificationDispatchFailed recorded on the Alert" eventually 30 sh -c "kubectl -n $NS get events -o json | jq -e '[.items[]|select(.reason==\"NotificationDispatchFailed\" and .involvedObject.name==\"flaky-broken\" and .type==\"Warning\")]|length>0' >/dev/null"
msg=$(dispatch_failed)
check_contains "dispatch failure names the object and the status" "$msg" "Warning|failed to send notification for Kustomization/$NS/flaky: request failed with status code 500"
check_contains "dispatch failure masks the token" "$msg" "token=*****"
n_fail=$(sink_count /fail)
[ "$n_fail" -ge 2 ] && pass "failing Provider was retried ($n_fail attempts)" || fail "failing Provider was retried" "$n_fail attempts"

# ---- a real controller binary posting its events: testctl (libcommon's recorder)
kubectl apply -f "$FC_ROOT/tests/e2e/libcommon/testkind-crd.yaml" >/dev/null
kubectl wait --for condition=established crd/testkinds.test.fluxc.io --timeout=60s >/dev/null
RUNTIME_NAMESPACE=$NS TESTCTL_ID=nc "$TESTCTL" --kubeconfig "$KUBECONFIG" --events-addr "http://127.0.0.1:$EP/" \
  --metrics-addr "127.0.0.1:$(free_port)" --health-addr "127.0.0.1:$(free_port)" --min-retry-delay 200ms --max-retry-delay 1s \
  >"$work/testctl.log" 2>&1 &
pids+=($!)
disown
kubectl -n "$NS" apply -f - >/dev/null <<EOF
apiVersion: test.fluxc.io/v1
kind: TestKind
metadata: {name: failing}
spec: {interval: 10m, fail: true}
---
apiVersion: test.fluxc.io/v1
kind: TestKind
metadata: {name: fine}
spec: {interval: 10m, message: all good}
EOF
tk() { kubectl -n "$NS" get tk "$1" -o json | jq -r "$2"; }
check_eventually "testctl retried the failing object (>= 4 reconciles)" 30 true tk failing '.status.reconciles >= 4'
check_eventually "testctl success reconciled" 30 True tk fine '.status.conditions[]|select(.type=="Ready").status'
check_eventually "testctl's failure delivered" 15 1 sink_count /testkind
sleep 1
check_eq "testctl's repeated failure delivered once" "$(sink_count /testkind)" "1"
tkmsg=$(sink_last /testkind | jq -r '.body|fromjson|.attachments[0]|[.author_name,.text,.color]|join("|")')
check_eq "testctl's event as Slack attachment" "$tkmsg" "testkind/failing.$NS|spec.fail is set|danger"
metrics=$(curl -s "http://127.0.0.1:$MP/metrics")
rl=$(echo "$metrics" | sed -n 's/^gotk_notification_events_total{outcome="rate_limited"} //p')
[ "${rl:-0}" -ge 3 ] && pass "duplicates were rate limited ($rl)" || fail "duplicates were rate limited" "${rl:-none}"
check_contains "metrics: event server requests by code" "$metrics" 'gotk_event_http_request_duration_seconds_count{handler="/",method="POST",code="429"}'

# ---- malformed input
code=$(echo '{"involvedObject":{"kind":"Kustomization","name":"x"}' | post_event)
check_eq "malformed JSON: 400" "$code" "400"
code=$(echo '{"involvedObject":{"kind":"Kustomization","name":"x"}}' | post_event)
check_eq "missing involvedObject.namespace: 400" "$code" "400"
check_contains "400 says why" "$(cat "$work/resp")" "involvedObject.namespace is required"

# ---- Receivers
path_for() { echo "/hook/$(printf '%s' "$RECV_TOKEN$1$NS" | sha256sum | cut -d' ' -f1)"; }
GH_PATH=$(path_for github)
check_eventually "receiver Ready" 30 True kubectl -n "$NS" get receiver github -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}'
check_eq "receiver status.webhookPath = sha256(token+name+namespace)" \
  "$(kubectl -n "$NS" get receiver github -o jsonpath='{.status.webhookPath}')" "$GH_PATH"
out=$(kubectl -n "$NS" get receivers)
check_eq "kubectl get receivers: columns" "$(echo "$out" | head -1 | tr -s ' ')" "NAME AGE READY STATUS"
check_contains "kubectl get receivers: Ready and path" "$(echo "$out" | grep '^github ' | tr -s ' ')" "True Receiver initialized for path: $GH_PATH"
ann() { kubectl -n "$NS" get gitrepository "$1" -o json | jq -r '.metadata.annotations["reconcile.fluxcd.io/requestedAt"] // "none"'; }
body='{"ref":"refs/heads/main","after":"5d4f6b7e8a9b0c1d2e3f4a5b6c7d8e9f0a1b2c3d","repository":{"full_name":"org/podinfo"}}'
ghsig() { printf '%s' "$body" | openssl dgst -sha256 -hmac "$1" | sed 's/^.*= //'; }
gh_post() { # event signature
  curl -s -o "$work/resp" -w '%{http_code}' -X POST -H 'Content-Type: application/json' -H "X-GitHub-Event: $1" \
    -H "X-GitHub-Delivery: 72d3162e" -H "X-Hub-Signature-256: sha256=$2" --data-binary "$body" "http://127.0.0.1:$RP$GH_PATH"
}
check_eq "GitRepository not annotated before" "$(ann podinfo)" "none"
code=$(gh_post push "$(ghsig "$RECV_TOKEN")")
check_eq "GitHub-signed push: 200" "$code" "200"
v1=$(ann podinfo)
[ "$v1" != none ] && pass "push annotated the GitRepository (requestedAt=$v1)" || fail "push annotated the GitRepository" "no annotation"
check_eq "other GitRepository untouched" "$(ann unrelated)" "none"
code=$(gh_post push "$(ghsig wrong-secret)")
check_eq "wrong signature: 401" "$code" "401"
check_eq "wrong signature annotates nothing" "$(ann podinfo)" "$v1"
code=$(gh_post issues "$(ghsig "$RECV_TOKEN")")
check_eq "event not in spec.events: 400" "$code" "400"
check_eq "disallowed event annotates nothing" "$(ann podinfo)" "$v1"
code=$(gh_post ping "$(ghsig "$RECV_TOKEN")")
check_eq "ping: 200" "$code" "200"
code=$(curl -s -o /dev/null -w '%{http_code}' -X POST -H 'Content-Type: application/json' --data-binary "$body" \
  "http://127.0.0.1:$RP/hook/$(printf x | sha256sum | cut -d' ' -f1)")
check_eq "unknown path: 404" "$code" "404"
# name '*' with matchLabels (generic receiver)
LB_PATH=$(path_for labelled)
check_eventually "generic receiver Ready" 30 True kubectl -n "$NS" get receiver labelled -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}'
code=$(curl -s -o /dev/null -w '%{http_code}' -X POST "http://127.0.0.1:$RP$LB_PATH")
check_eq "generic receiver: 200" "$code" "200"
[ "$(ann team-a-one)" != none ] && [ "$(ann team-a-two)" != none ] && pass "matchLabels: labelled objects annotated" \
  || fail "matchLabels: labelled objects annotated" "$(ann team-a-one) $(ann team-a-two)"
check_eq "matchLabels: other objects untouched" "$(ann unrelated)" "none"
# suspended
kubectl -n "$NS" patch receiver github --type merge -p '{"spec":{"suspend":true}}' >/dev/null
check_eventually "suspended receiver: 503" 15 503 gh_post push "$(ghsig "$RECV_TOKEN")"
kubectl -n "$NS" patch receiver github --type merge -p '{"spec":{"suspend":false}}' >/dev/null
check_eventually "resumed receiver: 200" 15 200 gh_post push "$(ghsig "$RECV_TOKEN")"
# a Receiver whose Secret is missing
check_eventually "missing token Secret: Ready=False TokenNotFound" 30 "False/TokenNotFound" \
  kubectl -n "$NS" get receiver no-secret -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}/{.status.conditions[?(@.type=="Ready")].reason}'
check_eq "missing token Secret: no webhookPath" "$(kubectl -n "$NS" get receiver no-secret -o jsonpath='{.status.webhookPath}')" ""
# a token Secret labelled reconcile.fluxcd.io/watch=Enabled: rotating it moves the paths at once
# (Receivers default to a 10m interval, so only the watch can do this)
NEW_TOKEN=recv-rotated-$RANDOM$RANDOM
kubectl -n "$NS" label secret receiver-token reconcile.fluxcd.io/watch=Enabled >/dev/null
kubectl -n "$NS" patch secret receiver-token --type merge -p "{\"stringData\":{\"token\":\"$NEW_TOKEN\"}}" >/dev/null
OLD_GH_PATH=$GH_PATH
GH_PATH=/hook/$(printf '%s' "${NEW_TOKEN}github$NS" | sha256sum | cut -d' ' -f1)
check_eventually "watched token Secret rotated: the new webhookPath at once" 30 "$GH_PATH" \
  kubectl -n "$NS" get receiver github -o jsonpath='{.status.webhookPath}'
check_eventually "rotated token: the new path accepts the new signature" 15 200 gh_post push "$(ghsig "$NEW_TOKEN")"
GH_PATH=$OLD_GH_PATH
check_eq "rotated token: the old path is gone (404)" "$(gh_post push "$(ghsig "$RECV_TOKEN")")" "404"

# ---- secrets never appear in logs or events
kubectl get events -A -o json >"$work/events.json"
for s in "$HMAC_TOKEN" "$BROKEN_TOKEN" "$RECV_TOKEN" "$NEW_TOKEN" "ks-token-1"; do
  n=$(cat "$work/nc.log" "$work/events.json" | grep -c -- "$s")
  check_eq "secret ${s%%-*}-… not in controller log or events" "$n" "0"
done
check_eq "webhook paths not logged" "$(grep -c -- "${GH_PATH#/hook/}" "$work/nc.log")" "0"

# ---- graceful shutdown
kill -TERM "$NC"
for _ in $(seq 1 100); do kill -0 "$NC" 2>/dev/null || break; sleep 0.1; done
wait "$NC"; rc=$?
check_eq "SIGTERM: exit status 0" "$rc" "0"
[ "$T_FAILED" -eq 0 ] || { echo "--- controller log (tail)" >&2; tail -40 "$work/nc.log" >&2; }
finish
