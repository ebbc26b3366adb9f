# demo step: the full GitOps loop. A "fleet" repository on the local git
# server of step 30 holds two directories: infrastructure (a namespace, a
# service account, a ConfigMap) and apps (a Deployment of 2 replicas and its
# Service). A GitRepository follows it and two Kustomizations apply it, apps
# depending on infrastructure; the Pods run on the kwok node. Then a commit
# bumps the image and the rollout follows within seconds.
if [ -x "$FC_BIN/kustomize-controller" ] && [ -n "${demo_git:-}" ] && [ -r "$demo_git/env" ] &&
   demo_running kustomize-controller; then
  say "the GitOps loop: git commit -> GitRepository -> Kustomizations (dependsOn) -> Pods on kwok"
  . "$demo_git/env"
  "$FC_ROOT/tests/env/gitserver.sh" repo "$demo_git" fleet 2>/dev/null || true
  demo_fleet=$(mktemp -d)
  (
    cd "$demo_fleet"
    git init -q -b main
    mkdir -p infrastructure apps
    cat >infrastructure/namespace.yaml <<'EOF'
apiVersion: v1
kind: Namespace
metadata:
  name: demo-apps
---
apiVersion: v1
kind: ServiceAccount
metadata:
  name: demo
  namespace: demo-apps
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: platform
  namespace: demo-apps
data:
  environment: demo
EOF
    cat >apps/podinfo.yaml <<'EOF'
apiVersion: apps/v1
kind: Deployment
metadata:
  name: podinfo
  namespace: demo-apps
spec:
  replicas: 2
  selector:
    matchLabels: {app: podinfo}
  template:
    metadata:
      labels: {app: podinfo}
    spec:
      serviceAccountName: demo
      containers:
      - name: podinfo
        image: ghcr.io/stefanprodan/podinfo:6.5.0
        env:
        - name: ENVIRONMENT
          value: "${environment}"
---
apiVersion: v1
kind: Service
metadata:
  name: podinfo
  namespace: demo-apps
spec:
  selector: {app: podinfo}
  ports:
  - port: 9898
EOF
    git -c user.name=demo -c user.email=demo@example.com add -A
    git -c user.name=demo -c user.email=demo@example.com commit -qm "fleet: infrastructure and apps"
    git push -q -f "$GIT_REPOS/fleet.git" main
  )
  kubectl apply -f - >/dev/null <<EOF
apiVersion: source.toolkit.fluxcd.io/v1
kind: GitRepository
metadata: {name: fleet, namespace: flux-system}
spec:
  url: $GIT_HTTP/public/fleet.git
  interval: 1m
  ref: {branch: main}
---
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata: {name: infrastructure, namespace: flux-system}
spec:
  interval: 10m
  sourceRef: {kind: GitRepository, name: fleet}
  path: ./infrastructure
  prune: true
---
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata: {name: apps, namespace: flux-system}
spec:
  interval: 10m
  dependsOn: [{name: infrastructure}]
  sourceRef: {kind: GitRepository, name: fleet}
  path: ./apps
  prune: true
  wait: true
  timeout: 2m
  postBuild:
    substitute: {environment: demo}
EOF
  echo "\$ kubectl -n flux-system wait kustomization/apps --for=condition=Ready --timeout=90s"
  kubectl -n flux-system wait kustomization/apps --for=condition=Ready --timeout=90s || warn "apps did not become Ready"
  show kubectl get gitrepositories,kustomizations -n flux-system
  show kubectl -n demo-apps get deployments,pods -o wide

  say "a commit bumps the image: the rollout follows"
  (
    cd "$demo_fleet"
    sed -i 's|podinfo:6.5.0|podinfo:6.5.1|' apps/podinfo.yaml
    git -c user.name=demo -c user.email=demo@example.com commit -qam "podinfo 6.5.1"
    git push -q "$GIT_REPOS/fleet.git" main
    echo "\$ git commit -m 'podinfo 6.5.1' && git push   # $(git rev-parse --short HEAD)"
  )
  kubectl -n flux-system annotate gitrepository fleet "reconcile.fluxcd.io/requestedAt=$(date +%s)" --overwrite >/dev/null
  for _ in $(seq 1 60); do
    [ "$(kubectl -n demo-apps get deploy podinfo -o jsonpath='{.spec.template.spec.containers[0].image}' 2>/dev/null)" = \
      ghcr.io/stefanprodan/podinfo:6.5.1 ] && break
    sleep 1
  done
  kubectl -n flux-system wait kustomization/apps --for=condition=Ready --timeout=60s >/dev/null || warn "apps not Ready after the bump"
  show kubectl get kustomizations -n flux-system
  show kubectl -n demo-apps get replicasets,pods
  echo "\$ kubectl -n flux-system get events --field-selector involvedObject.kind=Kustomization"
  kubectl -n flux-system get events --field-selector involvedObject.kind=Kustomization \
    -o custom-columns=OBJECT:.involvedObject.name,REASON:.reason,MESSAGE:.message | tail -n 8
  rm -rf "$demo_fleet"
fi
