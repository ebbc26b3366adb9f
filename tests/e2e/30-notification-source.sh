#!/usr/bin/env bash
# notification-controller with the real source-controller on the local
# cluster and a real git server (tests/env/gitserver.sh):
#  - source-controller's own events (POSTed to --events-addr) reach an Alert:
#    the NewArtifact event arrives at a generic Provider in Flux's event
#    format, with the GitRepository's revision metadata;
#  - a GitHub-signed push to a Receiver triggers an immediate reconcile of the
#    GitRepository (interval 1h): status.lastHandledReconcileAt takes the
#    requestedAt value the Receiver wrote, and the new commit becomes the
#    artifact and a new NewArtifact notification;
#  - a wrong signature gets 401 and triggers nothing.
. "$(dirname "$0")/../lib.sh"
set -u
OBJ=${FC_OBJ:-$FC_ROOT/build/release}
work=$(mktemp -d "${TMPDIR:-/tmp}/fc-e2e-notif-src.XXXXXX")
NS=ncsrc-$$
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null; done
  "$FC_ROOT/tests/env/gitserver.sh" stop "$work/git" >/dev/null 2>&1
  kubectl delete namespace "$NS" --wait=false >/dev/null 2>&1
  rm -rf "$work"
}
trap cleanup EXIT
sink_count() { [ -s "$work/sink/requests.jsonl" ] && jq -s --arg p "$1" '[.[]|select(.path==$p)]|length' "$work/sink/requests.jsonl" || echo 0; }

"$FC_ROOT/tests/env/gitserver.sh" start "$work/git" >/dev/null || { fail "git server starts" "see $work/git/logs"; finish; }
. "$work/git/env"
"$FC_ROOT/tests/env/gitserver.sh" repo "$work/git" app
export GIT_AUTHOR_NAME=tester GIT_AUTHOR_EMAIL=tester@example.com GIT_COMMITTER_NAME=tester GIT_COMMITTER_EMAIL=tester@example.com
git init -q -b main "$work/src"
(cd "$work/src" && echo "kind: ConfigMap" >app.yaml && git add -A && git commit -qm "first commit" && git push -q "$GIT_REPOS/app.git" main)
C1=$(git -C "$work/src" rev-parse main)

mkdir -p "$work/sink"
"$OBJ/tools/webhook-sink" --dir "$work/sink" --port-file "$work/sink.port" >/dev/null 2>&1 &
pids+=($!)
for _ in $(seq 1 50); do [ -s "$work/sink.port" ] && break; sleep 0.1; done
SP=$(cat "$work/sink.port")
EP=$(free_port); RP=$(free_port); SPORT=$(free_port)
kubectl create namespace "$NS" >/dev/null
RUNTIME_NAMESPACE=$NS "$FC_BIN/notification-controller" --watch-all-namespaces=false --events-addr "127.0.0.1:$EP" --receiverAddr "127.0.0.1:$RP" \
  --metrics-addr "127.0.0.1:$(free_port)" --health-addr "127.0.0.1:$(free_port)" >"$work/nc.log" 2>&1 &
pids+=($!)
RUNTIME_NAMESPACE=$NS "$FC_BIN/source-controller" --watch-all-namespaces=false --storage-path "$work/storage" --storage-addr "127.0.0.1:$SPORT" \
  --storage-adv-addr "127.0.0.1:$SPORT" --metrics-addr "127.0.0.1:$(free_port)" --health-addr "127.0.0.1:$(free_port)" \
  --events-addr "http://127.0.0.1:$EP/" >"$work/sc.log" 2>&1 &
pids+=($!)
check "notification-controller's event server is up" eventually 30 sh -c "curl -s -o /dev/null -w '%{http_code}' -X POST http://127.0.0.1:$EP/ | grep -q 400"

TOKEN=push-s3cret-$RANDOM$RANDOM
kubectl -n "$NS" apply -f - >/dev/null <<EOF
apiVersion: v1
kind: Secret
metadata: {name: webhook-token}
stringData: {token: $TOKEN}
---
apiVersion: notification.toolkit.fluxcd.io/v1beta3
kind: Provider
metadata: {name: sink}
spec: {type: generic, address: "http://127.0.0.1:$SP/source"}
---
apiVersion: notification.toolkit.fluxcd.io/v1beta3
kind: Alert
metadata: {name: sources}
spec:
  providerRef: {name: sink}
  eventSources: [{kind: GitRepository, name: "*"}]
  inclusionList: ["^stored artifact"]
---
apiVersion: notification.toolkit.fluxcd.io/v1
kind: Receiver
metadata: {name: github}
spec:
  type: github
  events: [push]
  secretRef: {name: webhook-token}
  resources: [{kind: GitRepository, name: app}]
EOF
sleep 2 # the Alert reaches the controller's cache (v1beta3 Alerts have no status to wait on)
kubectl -n "$NS" apply -f - >/dev/null <<EOF
apiVersion: source.toolkit.fluxcd.io/v1
kind: GitRepository
metadata: {name: app}
spec: {url: "$GIT_HTTP/public/app.git", interval: 1h, ref: {branch: main}}
EOF
jqs() { kubectl -n "$NS" get gitrepository app -o json | jq -r "$1"; }
check_eventually "GitRepository Ready at the first commit" 60 "main@sha1:$C1" jqs '.status.artifact.revision // ""'

# ---- source-controller's own event, through the Alert, to the generic Provider
check_eventually "source-controller's NewArtifact event delivered" 20 1 sink_count /source
ev=$(jq -s '[.[]|select(.path=="/source")]|last|.body|fromjson' "$work/sink/requests.jsonl")
check_eq "event: involved object" "$(echo "$ev" | jq -r '.involvedObject|[.kind,.namespace,.name,.apiVersion]|join("/")')" \
  "GitRepository/$NS/app/source.toolkit.fluxcd.io/v1"
check_eq "event: reason, severity, reporter" "$(echo "$ev" | jq -r '[.reason,.severity,.reportingController]|join(" ")')" \
  "NewArtifact info source-controller"
check_eq "event: message" "$(echo "$ev" | jq -r .message)" "stored artifact for commit 'first commit'"
check_eq "event: revision metadata (group prefix stripped for the Alert)" "$(echo "$ev" | jq -r .metadata.revision)" "main@sha1:$C1"

# ---- a GitHub-signed push triggers an immediate reconcile
(cd "$work/src" && echo "data: {v: 2}" >>app.yaml && git commit -qam "second commit" && git push -q "$GIT_REPOS/app.git" main)
C2=$(git -C "$work/src" rev-parse main)
HOOK=$(kubectl -n "$NS" get receiver github -o jsonpath='{.status.webhookPath}')
check_eq "receiver path" "$HOOK" "/hook/$(printf '%s' "$TOKEN"github"$NS" | sha256sum | cut -d' ' -f1)"
body=$(jq -cn --arg after "$C2" '{ref: "refs/heads/main", after: $after}')
sig() { printf '%s' "$body" | openssl dgst -sha256 -hmac "$1" | sed 's/^.*= //'; }
push() { curl -s -o /dev/null -w '%{http_code}' -X POST -H 'Content-Type: application/json' -H 'X-GitHub-Event: push' \
  -H "X-Hub-Signature-256: sha256=$(sig "$1")" --data-binary "$body" "http://127.0.0.1:$RP$HOOK"; }
check_eq "wrong signature: 401" "$(push not-the-token)" "401"
sleep 2
check_eq "wrong signature triggered nothing" "$(jqs '.status.artifact.revision')" "main@sha1:$C1"
check_eq "GitHub-signed push: 200" "$(push "$TOKEN")" "200"
req=$(jqs '.metadata.annotations["reconcile.fluxcd.io/requestedAt"]')
[ -n "$req" ] && [ "$req" != null ] && pass "Receiver wrote requestedAt ($req)" || fail "Receiver wrote requestedAt" "none"
check_eventually "GitRepository reconciled at once: lastHandledReconcileAt = requestedAt" 30 "$req" jqs '.status.lastHandledReconcileAt // ""'
check_eventually "the pushed commit is the new artifact (interval is 1h)" 30 "main@sha1:$C2" jqs '.status.artifact.revision'
check_eventually "the new artifact notified" 20 2 sink_count /source
check_eq "second notification carries the new revision" \
  "$(jq -s -r '[.[]|select(.path=="/source")]|last|.body|fromjson|.metadata.revision' "$work/sink/requests.jsonl")" "main@sha1:$C2"
[ "$T_FAILED" -eq 0 ] || { echo "--- notification-controller log (tail)" >&2; tail -20 "$work/nc.log" >&2; echo "--- source-controller log (tail)" >&2; tail -20 "$work/sc.log" >&2; }
finish
