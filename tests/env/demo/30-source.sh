# demo step: a local git repository served by the test git server
# (tests/env/gitserver.sh: nginx + git http-backend, sshd) and a GitRepository
# pointing at it, shown once source-controller made it Ready. The git server
# is registered with the demo's background processes, so cluster-down stops it.
if [ -x "$FC_BIN/source-controller" ]; then
  say "a GitRepository served by a local git server"
  demo_git=$DEMO_DIR/git
  "$FC_ROOT/tests/env/gitserver.sh" stop "$demo_git" >/dev/null 2>&1 || true
  rm -rf "$demo_git"
  if "$FC_ROOT/tests/env/gitserver.sh" start "$demo_git" >/dev/null; then
    . "$demo_git/env"
    mkdir -p "$FC_CLUSTER_DIR/pids"
    for f in nginx fcgiwrap sshd; do
      p=$(cat "$demo_git/run/$f.pid" 2>/dev/null || true)
      [ -n "$p" ] && echo "$p $(proc_starttime "$p")" >"$FC_CLUSTER_DIR/pids/git-$f.pid"
    done
    "$FC_ROOT/tests/env/gitserver.sh" repo "$demo_git" podinfo
    demo_src=$(mktemp -d)
    (
      cd "$demo_src"
      git init -q -b main
      mkdir -p kustomize
      printf 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: podinfo\ndata:\n  greeting: hello from fluxc\n' >kustomize/configmap.yaml
      printf 'resources:\n- configmap.yaml\n' >kustomize/kustomization.yaml
      echo "# demo repository" >README.md
      git -c user.name=demo -c user.email=demo@example.com add -A
      git -c user.name=demo -c user.email=demo@example.com commit -qm "demo: podinfo kustomization"
      git push -q "$GIT_REPOS/podinfo.git" main
    )
    rm -rf "$demo_src"
    kubectl apply -f - >/dev/null <<EOF
apiVersion: source.toolkit.fluxcd.io/v1
kind: GitRepository
metadata: {name: podinfo-local, namespace: flux-system}
spec:
  url: $GIT_HTTP/public/podinfo.git
  interval: 1m
  ref: {branch: main}
  ignore: |
    /*
    !/kustomize
EOF
    echo "\$ kubectl -n flux-system wait gitrepository/podinfo-local --for=condition=Ready --timeout=60s"
    kubectl -n flux-system wait gitrepository/podinfo-local --for=condition=Ready --timeout=60s || warn "the GitRepository did not become Ready"
    show kubectl -n flux-system get gitrepository podinfo-local
    demo_art=$(kubectl -n flux-system get gitrepository podinfo-local -o jsonpath='{.status.artifact.url}')
    if [ -n "$demo_art" ]; then
      echo "\$ curl -s $demo_art | tar -tzf -"
      curl -s "$demo_art" | tar -tzf - || warn "artifact download failed"
    fi
  else
    warn "the local git server did not start (see $demo_git/logs)"
  fi
fi
