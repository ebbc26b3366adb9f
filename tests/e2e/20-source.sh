#!/usr/bin/env bash
# source-controller's GitRepository on the real local cluster against real git
# servers (tests/env/gitserver.sh: nginx + git http-backend with basic auth
# and bearer tokens, openssh-server with key auth and known_hosts):
#  - Ready with "stored artifact for revision 'main@sha1:...'", kubectl get,
#    the artifact downloaded from status.artifact.url matches its digest and
#    extracts to the tree minus ignored files; HEAD, Range, no escapes;
#  - requestedAt reconciles at once and sets lastHandledReconcileAt; an
#    unchanged remote gives no new artifact, no event and no pack fetch;
#    a new commit gives a new artifact within one interval (NewArtifact);
#  - tag, semver, commit and name refs; include; ignore;
#  - wrong password -> AuthenticationFailed with the last artifact served;
#    bearer token; ssh with known_hosts; unknown host key fails closed;
#    invalid URL -> Stalled; unreachable -> FetchFailed, retried, no crash;
#  - signed / unsigned / wrongly signed commits (SourceVerified);
#  - corrupted artifact rebuilt (ArtifactVerificationFailed); deletion removes
#    the storage directory.
. "$(dirname "$0")/../lib.sh"
set -u
work=$(mktemp -d "${TMPDIR:-/tmp}/fc-e2e-source.XXXXXX")
NS=src-$$
SC_PID=
cleanup() {
  [ -n "$SC_PID" ] && kill -TERM "$SC_PID" 2>/dev/null && wait "$SC_PID" 2>/dev/null
  "$FC_ROOT/tests/env/gitserver.sh" stop "$work/git" >/dev/null 2>&1
  GNUPGHOME=$work/gnupg gpgconf --kill all >/dev/null 2>&1
  kubectl delete namespace "$NS" --wait=false >/dev/null 2>&1
  rm -rf "$work"
}
trap cleanup EXIT

"$FC_ROOT/tests/env/gitserver.sh" start "$work/git" >/dev/null || { fail "git servers start" "see $work/git/logs"; finish; }
. "$work/git/env"
HTTP_HOSTPORT=${GIT_HTTP#http://}

# ---- repositories -----------------------------------------------------------
export GIT_AUTHOR_NAME=tester GIT_AUTHOR_EMAIL=tester@example.com GIT_COMMITTER_NAME=tester GIT_COMMITTER_EMAIL=tester@example.com
export GNUPGHOME=$work/gnupg
mkdir -m 700 "$GNUPGHOME"
gpg --batch --passphrase '' --quick-gen-key "Signer <signer@example.com>" ed25519 sign never 2>/dev/null
gpg --batch --passphrase '' --quick-gen-key "Other <other@example.com>" ed25519 sign never 2>/dev/null
gpg --armor --export signer@example.com >"$work/signer.asc"
SIGNER=$(gpg --list-keys --with-colons signer@example.com | awk -F: '/^fpr/ {print $10; exit}')
OTHER=$(gpg --list-keys --with-colons other@example.com | awk -F: '/^fpr/ {print $10; exit}')

for r in app private; do "$FC_ROOT/tests/env/gitserver.sh" repo "$work/git" $r; done
src=$work/src
git init -q -b main "$src"
(
  cd "$src"
  mkdir -p deploy docs
  echo "kind: ConfigMap" >deploy/app.yaml
  echo "secret: no" >deploy/values.txt
  echo "notes" >docs/notes.md
  printf 'docs/\n' >.sourceignore
  git add -A && git commit -qm "first commit"
  git tag -a v1.0.0 -m "release 1.0.0"
  echo v1.1 >deploy/version.txt && git add -A && git commit -qm "second commit"
  git tag v1.1.0
  echo rc >deploy/version.txt && git add -A && git commit -qm "release candidate"
  git tag -a v2.0.0-rc.1 -m rc
  git checkout -q -b pr
  echo pr >pr.txt && git add -A && git commit -qm "a pull request"
  git push -q "$GIT_REPOS/app.git" pr:refs/pull/1/head
  git checkout -q main
  git checkout -q -b signed
  echo signed >signed.txt && git add -A && git -c user.signingkey="$SIGNER" commit -S -qm "signed commit"
  git checkout -q -b badsig
  echo bad >bad.txt && git add -A && git -c user.signingkey="$OTHER" commit -S -qm "signed by someone else"
  git checkout -q -b unsigned signed
  echo plain >plain.txt && git add -A && git commit -qm "not signed"
  git checkout -q main
  git push -q --tags "$GIT_REPOS/app.git" main signed badsig unsigned
  git push -q "$GIT_REPOS/private.git" main
) || { fail "test repositories" "git setup failed"; finish; }
C1=$(git -C "$src" rev-parse v1.0.0^{commit})
C2=$(git -C "$src" rev-parse v1.1.0)
C3=$(git -C "$src" rev-parse main)
CPR=$(git -C "$src" rev-parse pr)

# ---- controller -------------------------------------------------------------
SPORT=$(free_port); MPORT=$(free_port)
STORE=$work/storage
kubectl create namespace "$NS" >/dev/null
RUNTIME_NAMESPACE=$NS "$FC_BIN/source-controller" --storage-path "$STORE" --storage-addr "127.0.0.1:$SPORT" \
  --storage-adv-addr "127.0.0.1:$SPORT" --metrics-addr "127.0.0.1:$MPORT" --health-addr "127.0.0.1:$(free_port)" \
  --min-retry-delay 500ms --max-retry-delay 3s --watch-all-namespaces=false >"$work/sc.log" 2>&1 &
SC_PID=$!

k() { kubectl -n "$NS" "$@"; }
jqs() { k get gitrepository "$1" -o json | jq -r "$2"; }
ready() { jqs "$1" '(.status.conditions//[])[]|select(.type=="Ready")|.status+"/"+.reason'; }
cond() { jqs "$1" "(.status.conditions//[])[]|select(.type==\"$2\")|.status+\"/\"+.reason"; }
events() { # name reason -> total count
  k get events --field-selector "involvedObject.name=$1,reason=$2" -o json | jq '[.items[].count]|add // 0'
}
gitrepo() { # name url [extra spec yaml lines]
  local name=$1 url=$2; shift 2
  k apply -f - >/dev/null <<EOF
apiVersion: source.toolkit.fluxcd.io/v1
kind: GitRepository
metadata: {name: $name}
spec:
  url: $url
  interval: ${INTERVAL:-10m}
$(for l in "$@"; do echo "  $l"; done)
EOF
}

# ---- Ready, kubectl get, artifact content and digest --------------------------
INTERVAL=5s gitrepo app "$GIT_HTTP/public/app.git" "ref: {branch: main}"
check_eventually "GitRepository becomes Ready with the stored revision" 60 \
  "True/Succeeded stored artifact for revision 'main@sha1:$C3'" \
  jqs app '(.status.conditions[]|select(.type=="Ready")|.status+"/"+.reason+" "+.message)'
check_contains "kubectl get gitrepositories shows it Ready" "$(k get gitrepositories)" "stored artifact for revision 'main@sha1:$C3'"
check_eq "artifact revision and path" "$(jqs app '.status.artifact.revision+" "+.status.artifact.path')" \
  "main@sha1:$C3 gitrepository/$NS/app/$C3.tar.gz"
url=$(jqs app .status.artifact.url)
curl -sf -o "$work/app.tar.gz" "$url" && pass "artifact downloads from status.artifact.url" || fail "artifact downloads" "$url"
check_eq "artifact digest matches the file" "sha256:$(sha256sum "$work/app.tar.gz" | cut -d' ' -f1)" "$(jqs app .status.artifact.digest)"
check_eq "artifact size matches" "$(stat -c %s "$work/app.tar.gz")" "$(jqs app .status.artifact.size)"
want=$(git -C "$src" ls-tree -r --name-only main | grep -v '^docs/' | sort | tr '\n' ' ')
got=$(tar -tzf "$work/app.tar.gz" | grep -v '/$' | sort | tr '\n' ' ')
check_eq "artifact = repository tree minus ignored files" "$got" "$want"
mkdir "$work/x" && tar -xzf "$work/app.tar.gz" -C "$work/x"
check_eq "artifact file content" "$(cat "$work/x/deploy/app.yaml")" "kind: ConfigMap"
check_eq "HEAD: Content-Length is the artifact size" \
  "$(curl -sI "$url" | tr -d '\r' | awk -F': ' 'tolower($1)=="content-length"{print $2}')" "$(jqs app .status.artifact.size)"
check_eq "Range: 206 with the requested bytes" "$(curl -s -r 0-9 -o "$work/part" -w '%{http_code}' "$url"; stat -c %s "$work/part")" "20610"
check_eq "no directory escapes" "$(curl -s --path-as-is -o /dev/null -w '%{http_code}' "http://127.0.0.1:$SPORT/../../../../etc/passwd")" "404"
check_eq "private cache is not served" "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$SPORT/.cache/")" "404"
check_eq "read-only server" "$(curl -s -o /dev/null -w '%{http_code}' -X PUT --data x "$url")" "405"
check_eventually "NewArtifact event with the commit subject" 20 "stored artifact for commit 'release candidate'" \
  sh -c "kubectl -n $NS get events --field-selector involvedObject.name=app,reason=NewArtifact -o json | jq -r '.items[0].message'"

# ---- unchanged remote: requestedAt at once, no new artifact, no event, no fetch
n_ev=$(events app NewArtifact)
t_art=$(jqs app .status.artifact.lastUpdateTime)
posts_before=$(grep -c 'POST /public/app.git/git-upload-pack' "$work/git/logs/nginx-access.log")
lists_before=$(grep -c 'GET /public/app.git/info/refs' "$work/git/logs/nginx-access.log")
k annotate gitrepository app --overwrite reconcile.fluxcd.io/requestedAt=req-1 >/dev/null
check_eventually "requestedAt reconciles at once and sets lastHandledReconcileAt" 10 req-1 jqs app '.status.lastHandledReconcileAt'
sleep 1
check_eq "unchanged remote: no new artifact" "$(jqs app .status.artifact.lastUpdateTime)" "$t_art"
check_eq "unchanged remote: no new event" "$(events app NewArtifact)" "$n_ev"
lists_after=$(grep -c 'GET /public/app.git/info/refs' "$work/git/logs/nginx-access.log")
[ "$lists_after" -gt "$lists_before" ] && pass "unchanged remote: refs listed" || fail "unchanged remote: refs listed" "$lists_before -> $lists_after"
check_eq "unchanged remote: no pack fetched" "$(grep -c 'POST /public/app.git/git-upload-pack' "$work/git/logs/nginx-access.log")" "$posts_before"

# ---- new commit within one interval (5s) ----------------------------------------
(cd "$src" && echo v3 >deploy/version.txt && git commit -qam "third commit" && git push -q "$GIT_REPOS/app.git" main)
C4=$(git -C "$src" rev-parse main)
check_eventually "new commit -> new artifact within one interval" 12 "main@sha1:$C4" jqs app .status.artifact.revision
check_eventually "new commit -> NewArtifact event" 10 "$((n_ev + 1))" events app NewArtifact
check_eq "incremental fetch: one more pack request" "$(grep -c 'POST /public/app.git/git-upload-pack' "$work/git/logs/nginx-access.log")" "$((posts_before + 1))"

# ---- refs -------------------------------------------------------------------------
gitrepo tag "$GIT_HTTP/public/app.git" "ref: {tag: v1.0.0}"
gitrepo semver "$GIT_HTTP/public/app.git" "ref: {semver: '>=1.0.0 <2.0.0'}"
gitrepo semverpre "$GIT_HTTP/public/app.git" "ref: {semver: '>=2.0.0-0'}"
gitrepo commit "$GIT_HTTP/public/app.git" "ref: {commit: $C2}"
gitrepo branchcommit "$GIT_HTTP/public/app.git" "ref: {branch: main, commit: $C1}"
gitrepo name "$GIT_HTTP/public/app.git" "ref: {name: refs/pull/1/head}"
gitrepo nobranch "$GIT_HTTP/public/app.git" "ref: {branch: does-not-exist}"
check_eventually "ref.tag resolves to the tagged commit" 30 "v1.0.0@sha1:$C1" jqs tag .status.artifact.revision
check_eventually "ref.semver picks the highest matching tag" 30 "v1.1.0@sha1:$C2" jqs semver .status.artifact.revision
check_eventually "ref.semver with a prerelease range" 30 "v2.0.0-rc.1@sha1:$C3" jqs semverpre .status.artifact.revision
check_eventually "ref.commit alone gives sha1:<commit>" 30 "sha1:$C2" jqs commit .status.artifact.revision
check_eventually "ref.commit with a branch" 30 "main@sha1:$C1" jqs branchcommit .status.artifact.revision
check_eventually "ref.name keeps the full ref" 30 "refs/pull/1/head@sha1:$CPR" jqs name .status.artifact.revision
check_eventually "missing branch -> FetchFailed GitOperationFailed" 30 "True/GitOperationFailed" cond nobranch FetchFailed
check_contains "missing branch: clear message" "$(jqs nobranch '.status.conditions[]|select(.type=="Ready").message')" "refs/heads/does-not-exist"

# ---- include ------------------------------------------------------------------------
gitrepo combo "$GIT_HTTP/public/app.git" "ref: {tag: v1.0.0}" \
  "include: [{repository: {name: app}, fromPath: deploy, toPath: vendor/app}]"
check_eventually "include: Ready" 30 "True/Succeeded" ready combo
curl -sf -o "$work/combo.tar.gz" "$(jqs combo .status.artifact.url)"
check_eq "include: copied into toPath" "$(tar -xzOf "$work/combo.tar.gz" vendor/app/version.txt 2>/dev/null)" "v3"
check_eq "include: includedArtifacts recorded" "$(jqs combo '.status.includedArtifacts[0].revision')" "main@sha1:$C4"
gitrepo missinc "$GIT_HTTP/public/app.git" "include: [{repository: {name: nope}}]"
check_eventually "include of a missing repository -> IncludeUnavailable" 30 "True/NotFound" cond missinc IncludeUnavailable

# ---- credentials ---------------------------------------------------------------------
k create secret generic basic --from-literal=username="$GIT_BASIC_USER" --from-literal=password="$GIT_BASIC_PASS" >/dev/null
k create secret generic token --from-literal=bearerToken="$GIT_TOKEN" >/dev/null
gitrepo private "$GIT_HTTP/basic/private.git" "ref: {branch: main}" "secretRef: {name: basic}"
gitrepo bearer "$GIT_HTTP/token/private.git" "ref: {branch: main}" "secretRef: {name: token}"
gitrepo noauth "$GIT_HTTP/basic/private.git" "ref: {branch: main}"
check_eventually "basic auth: Ready" 30 "True/Succeeded" ready private
check_eventually "bearer token: Ready" 30 "True/Succeeded" ready bearer
check_eventually "no credentials for a protected repo -> AuthenticationFailed" 30 "False/AuthenticationFailed" ready noauth
purl=$(jqs private .status.artifact.url); prev=$(jqs private .status.artifact.revision)
k create secret generic basic --from-literal=username="$GIT_BASIC_USER" --from-literal=password=wrong --dry-run=client -o yaml | k apply -f - >/dev/null
(cd "$src" && git push -q "$GIT_REPOS/private.git" main)
k annotate gitrepository private --overwrite reconcile.fluxcd.io/requestedAt=wrong-pass >/dev/null
check_eventually "wrong password -> Ready=False AuthenticationFailed" 30 "False/AuthenticationFailed" ready private
check_eq "wrong password: FetchFailed=True" "$(cond private FetchFailed)" "True/AuthenticationFailed"
check_eq "wrong password: last good artifact kept in status" "$(jqs private .status.artifact.revision)" "$prev"
check_eq "wrong password: last good artifact still served" "$(curl -s -o /dev/null -w '%{http_code}' "$purl")" "200"
check "wrong password: Warning event" eventually 10 sh -c "kubectl -n $NS get events --field-selector involvedObject.name=private,reason=AuthenticationFailed,type=Warning -o json | jq -e '.items|length>0' >/dev/null"
if grep -q "$GIT_BASIC_PASS" "$work/sc.log"; then fail "secrets never logged" "password found in the log"; else pass "secrets never logged"; fi

k create secret generic ssh --from-file=identity="$GIT_SSH_KEY" --from-file=known_hosts="$GIT_SSH_KNOWN_HOSTS" >/dev/null
ssh-keygen -q -t ed25519 -N '' -f "$work/other_host" <<<y >/dev/null
echo "[127.0.0.1]:$GIT_SSH_PORT $(cut -d' ' -f1,2 "$work/other_host.pub")" >"$work/bad_known_hosts"
k create secret generic ssh-badhost --from-file=identity="$GIT_SSH_KEY" --from-file=known_hosts="$work/bad_known_hosts" >/dev/null
gitrepo viassh "$GIT_SSH$GIT_REPOS/app.git" "ref: {branch: main}" "secretRef: {name: ssh}"
gitrepo badhost "$GIT_SSH$GIT_REPOS/app.git" "ref: {branch: main}" "secretRef: {name: ssh-badhost}"
check_eventually "ssh with key and known_hosts: Ready" 30 "True/Succeeded main@sha1:$C4" \
  jqs viassh '(.status.conditions[]|select(.type=="Ready")|.status+"/"+.reason)+" "+(.status.artifact.revision//"")'
check_eventually "unknown ssh host key fails closed" 30 "False/AuthenticationFailed" ready badhost
check_contains "unknown ssh host key: clear message" "$(jqs badhost '.status.conditions[]|select(.type=="Ready").message')" "known_hosts"
check_eq "unknown ssh host key: no artifact" "$(jqs badhost '.status.artifact // "none"')" "none"

# ---- bad URLs ------------------------------------------------------------------------
gitrepo badurl "http://127.0.0.1:99999/x.git"
check_eventually "invalid URL -> Stalled URLInvalid" 30 "True/URLInvalid False/URLInvalid" \
  jqs badurl '[(.status.conditions[]|select(.type=="Stalled")|.status+"/"+.reason),(.status.conditions[]|select(.type=="Ready")|.status+"/"+.reason)]|join(" ")'
DEAD=$(free_port)
gitrepo unreachable "http://127.0.0.1:$DEAD/x.git"
check_eventually "unreachable server -> FetchFailed GitOperationFailed" 30 "True/GitOperationFailed" cond unreachable FetchFailed
check_eventually "unreachable server: retried" 30 true sh -c \
  "kubectl -n $NS get events --field-selector involvedObject.name=unreachable,reason=GitOperationFailed -o json | jq '([.items[].count]|add // 0) >= 2'"
kill -0 "$SC_PID" 2>/dev/null && pass "unreachable server: controller still running" || fail "controller still running" "exited"

# ---- signature verification ---------------------------------------------------------------
k create secret generic pgp --from-file=author.asc="$work/signer.asc" >/dev/null
gitrepo signed "$GIT_HTTP/public/app.git" "ref: {branch: signed}" "verify: {mode: HEAD, secretRef: {name: pgp}}"
gitrepo unsigned "$GIT_HTTP/public/app.git" "ref: {branch: unsigned}" "verify: {mode: HEAD, secretRef: {name: pgp}}"
gitrepo badsig "$GIT_HTTP/public/app.git" "ref: {branch: badsig}" "verify: {mode: HEAD, secretRef: {name: pgp}}"
check_eventually "signed commit verifies: SourceVerified=True" 30 "True/Succeeded" cond signed SourceVerified
check_eventually "signed commit: Ready" 30 "True/Succeeded" ready signed
check_eq "signed commit: verification mode recorded" "$(jqs signed .status.sourceVerificationMode)" "HEAD"
check_eventually "unsigned commit: SourceVerified=False" 30 "False/InvalidCommitSignature" cond unsigned SourceVerified
check_eventually "wrongly signed commit: SourceVerified=False" 30 "False/InvalidCommitSignature" cond badsig SourceVerified
check_eq "failed verification: no artifact" "$(jqs badsig '.status.artifact // "none"')" "none"

# ---- integrity and deletion -------------------------------------------------------------
apath=$STORE/$(jqs tag .status.artifact.path)
echo garbage >"$apath"
k annotate gitrepository tag --overwrite reconcile.fluxcd.io/requestedAt=corrupt >/dev/null
check_eventually "corrupted artifact rebuilt" 20 "$(jqs tag .status.artifact.digest | cut -d: -f2)" sh -c "sha256sum '$apath' | cut -d' ' -f1"
check "corrupted artifact: ArtifactVerificationFailed event" eventually 10 sh -c \
  "kubectl -n $NS get events --field-selector involvedObject.name=tag,reason=ArtifactVerificationFailed -o json | jq -e '.items|length>0' >/dev/null"
[ -d "$STORE/gitrepository/$NS/commit" ] && pass "storage directory exists before deletion" || fail "storage dir" "missing"
k delete gitrepository commit --wait=true --timeout=30s >/dev/null
check_eq "deletion removes the storage directory and cache" \
  "$( [ -e "$STORE/gitrepository/$NS/commit" ] || [ -e "$STORE/.cache/gitrepository/$NS/commit.git" ] && echo present || echo gone)" "gone"

kill -TERM "$SC_PID"; wait "$SC_PID"; rc=$?; SC_PID=
check_eq "graceful shutdown" "$rc" "0"
[ "$rc" = 0 ] || grep -v '^{"level"' "$work/sc.log" | head -60 >&2
finish
