#!/usr/bin/env bash
# Alerts from the real controllers (issue 5's acceptance with issue 7 in
# place). The rest of the notification acceptance is in
# tests/e2e/30-notification.sh (Teams/Slack shapes, dedup, severity, hmac,
# retries, Receivers) and tests/e2e/30-notification-source.sh (Receiver ->
# GitRepository reconcile through the real source-controller).
#
# The acceptance scenario with the real controllers:
#  - a Kustomization that fails (its path holds an invalid manifest) makes
#    kustomize-controller POST error events; through an Alert with
#    eventSeverity: error they arrive as ONE Teams Adaptive Card and ONE Slack
#    attachment, checked field by field;
#  - kustomize-controller retries the failure every retryInterval (2s here);
#    the repeats within --rate-limit-interval are not sent again (and their
#    "... after <duration>" messages do not defeat the dedup);
#  - a Kustomization that succeeds produces nothing under that Alert (but
#    does reach an info-severity Alert, with its revision metadata).
. "$(dirname "$0")/../lib.sh"
set -u
OBJ=${FC_OBJ:-$FC_ROOT/build/release}
work=$(mktemp -d "${TMPDIR:-/tmp}/fc-e2e-notif-flux.XXXXXX")
NS=ncflux-$$
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
sink_last() { jq -s --arg p "$1" '[.[]|select(.path==$p)]|last|.body|fromjson' "$work/sink/requests.jsonl"; }

# ---- a git repository with a good and a broken kustomization
"$FC_ROOT/tests/env/gitserver.sh" start "$work/git" >/dev/null || { fail "git server starts" "see $work/git/logs"; finish; }
. "$work/git/env"
"$FC_ROOT/tests/env/gitserver.sh" repo "$work/git" apps
export GIT_AUTHOR_NAME=tester GIT_AUTHOR_EMAIL=tester@example.com GIT_COMMITTER_NAME=tester GIT_COMMITTER_EMAIL=tester@example.com
git init -q -b main "$work/src"
(
  cd "$work/src"
  mkdir -p good broken
  printf 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: good\ndata:\n  k: v\n' >good/cm.yaml
  printf 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: broken\ndata:\n  k: [not, a, string]\n' >broken/cm.yaml
  git add -A && git commit -qm "apps" && git push -q "$GIT_REPOS/apps.git" main
)
REV=main@sha1:$(git -C "$work/src" rev-parse main)

# ---- sink, controllers
mkdir -p "$work/sink"
"$OBJ/tools/webhook-sink" --dir "$work/sink" --port-file "$work/sink.port" >/dev/null 2>&1 &
pids+=($!)
for _ in $(seq 1 50); do [ -s "$work/sink.port" ] && break; sleep 0.1; done
SP=$(cat "$work/sink.port")
EP=$(free_port); SPORT=$(free_port)
kubectl create namespace "$NS" >/dev/null
RUNTIME_NAMESPACE=$NS "$FC_BIN/notification-controller" --watch-all-namespaces=false --events-addr "127.0.0.1:$EP" --receiverAddr "127.0.0.1:$(free_port)" \
  --metrics-addr "127.0.0.1:$(free_port)" --health-addr "127.0.0.1:$(free_port)" >"$work/nc.log" 2>&1 &
pids+=($!)
RUNTIME_NAMESPACE=$NS "$FC_BIN/source-controller" --watch-all-namespaces=false --storage-path "$work/storage" --storage-addr "127.0.0.1:$SPORT" \
  --storage-adv-addr "127.0.0.1:$SPORT" --metrics-addr "127.0.0.1:$(free_port)" --health-addr "127.0.0.1:$(free_port)" \
  --events-addr "http://127.0.0.1:$EP/" >"$work/sc.log" 2>&1 &
pids+=($!)
RUNTIME_NAMESPACE=$NS "$FC_BIN/kustomize-controller" --watch-all-namespaces=false --metrics-addr "127.0.0.1:$(free_port)" --health-addr "127.0.0.1:$(free_port)" \
  --events-addr "http://127.0.0.1:$EP/" >"$work/kc.log" 2>&1 &
pids+=($!)
check "event server up" eventually 30 sh -c "curl -s -o /dev/null -w '%{http_code}' -X POST http://127.0.0.1:$EP/ | grep -q 400"

kubectl -n "$NS" apply -f - >/dev/null <<EOF
apiVersion: notification.toolkit.fluxcd.io/v1beta3
kind: Provider
metadata: {name: teams}
spec: {type: msteams, address: "http://127.0.0.1:$SP/teams"}
---
apiVersion: notification.toolkit.fluxcd.io/v1beta3
kind: Provider
metadata: {name: slack}
spec: {type: slack, channel: "#alerts", address: "http://127.0.0.1:$SP/slack"}
---
apiVersion: notification.toolkit.fluxcd.io/v1beta3
kind: Provider
metadata: {name: everything}
spec: {type: generic, address: "http://127.0.0.1:$SP/info"}
---
apiVersion: notification.toolkit.fluxcd.io/v1beta3
kind: Alert
metadata: {name: errors-teams}
spec:
  providerRef: {name: teams}
  eventSeverity: error
  eventSources: [{kind: Kustomization, name: "*"}]
---
apiVersion: notification.toolkit.fluxcd.io/v1beta3
kind: Alert
metadata: {name: errors-slack}
spec:
  providerRef: {name: slack}
  eventSeverity: error
  eventSources: [{kind: Kustomization, name: "*"}]
---
apiVersion: notification.toolkit.fluxcd.io/v1beta3
kind: Alert
metadata: {name: good-info}
spec:
  providerRef: {name: everything}
  eventSources: [{kind: Kustomization, name: good}]
EOF
sleep 2
kubectl -n "$NS" apply -f - >/dev/null <<EOF
apiVersion: source.toolkit.fluxcd.io/v1
kind: GitRepository
metadata: {name: apps}
spec: {url: "$GIT_HTTP/public/apps.git", interval: 1h, ref: {branch: main}}
---
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata: {name: good}
spec: {interval: 1h, path: ./good, prune: true, targetNamespace: "$NS", sourceRef: {kind: GitRepository, name: apps}}
---
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata: {name: broken}
spec: {interval: 1h, retryInterval: 2s, path: ./broken, prune: true, targetNamespace: "$NS", sourceRef: {kind: GitRepository, name: apps}}
EOF
ks() { kubectl -n "$NS" get kustomization "$1" -o json | jq -r "$2"; }
check_eventually "good Kustomization Ready" 90 True ks good '(.status.conditions//[])[]|select(.type=="Ready").status'
check_eventually "broken Kustomization fails" 90 False ks broken '(.status.conditions//[])[]|select(.type=="Ready").status'
check_eventually "one Teams card for the failure" 30 1 sink_count /teams
check_eventually "one Slack attachment for the failure" 30 1 sink_count /slack
msg=$(ks broken '.status.conditions[]|select(.type=="Ready").message')
teams=$(sink_last /teams)
C='.attachments[0].content'
check_eq "teams: card envelope" "$(echo "$teams" | jq -r "[.type,.attachments[0].contentType,$C.type,$C.version,$C.msteams.width]|join(\"|\")")" \
  "message|application/vnd.microsoft.card.adaptive|AdaptiveCard|1.4|Full"
check_eq "teams: title" "$(echo "$teams" | jq -r "$C.body[0].items[0]|[.text,.size,.weight]|join(\"|\")")" "kustomization/broken.$NS|large|bolder"
check_eq "teams: message in attention color" "$(echo "$teams" | jq -r "$C.body[0].items[1].color")" "attention"
check_contains "teams: message is the failure" "$(echo "$teams" | jq -r "$C.body[0].items[1].text")" "broken"
check_eq "teams: revision fact" "$(echo "$teams" | jq -r "[$C.body[0].items[2].facts[]|select(.title==\"revision\").value]|join(\"\")")" "$REV"
slack=$(sink_last /slack)
check_eq "slack: attachment" "$(echo "$slack" | jq -r '.attachments[0]|[.color,.author_name,(.mrkdwn_in|join(","))]|join("|")')" \
  "danger|kustomization/broken.$NS|text"
check_eq "slack: username is the reporting controller" "$(echo "$slack" | jq -r .username)" "kustomize-controller"
check_eq "slack: revision field" "$(echo "$slack" | jq -r '[.attachments[0].fields[]|select(.title=="revision").value]|join("")')" "$REV"
# kustomize-controller keeps retrying every 2s: the repeats are deduplicated
sleep 10
check_eq "repeated failure sent once to Teams" "$(sink_count /teams)" "1"
check_eq "repeated failure sent once to Slack" "$(sink_count /slack)" "1"
check_eq "the successful Kustomization sent nothing to the error Alerts" \
  "$(jq -s '[.[]|select(.path=="/teams" or .path=="/slack")|.body|fromjson|tostring|select(test("kustomization/good"))]|length' "$work/sink/requests.jsonl")" "0"
check_eventually "the successful Kustomization reached the info Alert" 30 true \
  sh -c "[ \$(jq -s '[.[]|select(.path==\"/info\")]|length' '$work/sink/requests.jsonl') -ge 1 ] && echo true"
check_eq "info event carries the revision" "$(sink_last /info | jq -r .metadata.revision)" "$REV"
[ "$T_FAILED" -eq 0 ] || for l in nc sc kc; do echo "--- $l.log" >&2; tail -15 "$work/$l.log" >&2; done
finish
