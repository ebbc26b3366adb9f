#!/usr/bin/env bash
# Benchmark: `kustomize-controller build` against `kubectl kustomize` on a
# generated overlay tree (made here in a temp dir, never committed): a base of
# ~4000 resources (Deployments, Services, ConfigMaps) with ConfigMap/Secret
# generators, and an overlay with a name prefix, namespace, common labels,
# images, generators (create and merge) and 200 patches (strategic merge and
# JSON 6902). Wall time and peak RSS of both tools are measured in the same
# run (best of N) and reported as ratios; the two outputs are also compared.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
N=${KS_BENCH_RUNS:-3}
FILES=${KS_BENCH_FILES:-40} # 100 resources per file
bin="$FC_BIN/kustomize-controller"
work=$(mktemp -d "${TMPDIR:-/tmp}/ks-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT

gen_tree() {
  local base="$work/base" ov="$work/overlay" files=$FILES per=100
  mkdir -p "$base" "$ov"
  {
    echo "resources:"
    for ((f = 0; f < files; f++)); do echo "- apps-$f.yaml"; done
    echo "configMapGenerator:"
    for ((g = 0; g < 20; g++)); do
      echo "- name: gen-config-$g"
      echo "  literals: [LEVEL=base, INDEX=$g, URL=http://svc-$g.example.com]"
    done
    echo "secretGenerator:"
    for ((g = 0; g < 10; g++)); do
      echo "- name: gen-secret-$g"
      echo "  literals: [token=t$g]"
    done
  } >"$base/kustomization.yaml"
  for ((f = 0; f < files; f++)); do
    for ((i = 0; i < per / 4; i++)); do
      local n="app-$f-$i" g=$(((f * per + i) % 20))
      cat <<EOF
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: $n
  labels: {app: $n}
spec:
  replicas: 1
  selector:
    matchLabels: {app: $n}
  template:
    metadata:
      labels: {app: $n}
    spec:
      serviceAccountName: sa-$f-$i
      containers:
      - name: main
        image: registry.example.com/team/app:1.0.$i
        ports:
        - containerPort: 8080
        env:
        - name: LEVEL
          valueFrom:
            configMapKeyRef: {name: gen-config-$g, key: LEVEL}
        envFrom:
        - configMapRef: {name: cm-$f-$i}
        - secretRef: {name: gen-secret-$((g % 10))}
        resources:
          limits: {cpu: 100m, memory: 128Mi}
      - name: sidecar
        image: envoyproxy/envoy:v1.29
      volumes:
      - name: cfg
        configMap: {name: cm-$f-$i}
---
apiVersion: v1
kind: Service
metadata:
  name: $n
spec:
  selector: {app: $n}
  ports:
  - {port: 80, targetPort: 8080, protocol: TCP}
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: cm-$f-$i
data:
  config.yaml: |
    server:
      port: 8080
      name: $n
---
apiVersion: v1
kind: ServiceAccount
metadata:
  name: sa-$f-$i
EOF
    done >"$base/apps-$f.yaml"
  done
  {
    echo "namePrefix: prod-"
    echo "namespace: production"
    echo "resources: [../base]"
    echo "commonLabels: {env: production, team: platform}"
    echo "commonAnnotations: {owner: platform-team}"
    echo "images:"
    echo "- name: registry.example.com/team/app"
    echo "  newTag: 2.0.0"
    echo "- name: envoyproxy/envoy"
    echo "  newName: mirror.example.com/envoy"
    echo "configMapGenerator:"
    for ((g = 0; g < 10; g++)); do
      echo "- name: gen-config-$g"
      echo "  behavior: merge"
      echo "  literals: [LEVEL=prod]"
    done
    echo "- name: overlay-only"
    echo "  literals: [A=1]"
    echo "patches:"
    for ((p = 0; p < 200; p++)); do
      local f=$((p % FILES)) i=$((p % 25))
      if ((p % 4 == 3)); then
        echo "- target: {kind: Deployment, name: app-$f-$i}"
        echo "  patch: |-"
        echo "    - op: replace"
        echo "      path: /spec/replicas"
        echo "      value: $((p % 5 + 2))"
      else
        echo "- patch: |-"
        echo "    apiVersion: apps/v1"
        echo "    kind: Deployment"
        echo "    metadata: {name: app-$f-$i}"
        echo "    spec:"
        echo "      template:"
        echo "        spec:"
        echo "          containers:"
        echo "          - name: main"
        echo "            env:"
        echo "            - {name: PATCHED, value: \"p$p\"}"
      fi
    done
  } >"$ov/kustomization.yaml"
}

gen_tree
if [ -n "${KS_BENCH_KEEP:-}" ]; then rm -rf "$KS_BENCH_KEEP"; cp -r "$work" "$KS_BENCH_KEEP"; echo "tree in $KS_BENCH_KEEP"; exit 0; fi
# kubectl kustomize needs minutes on this tree: it runs once (timed, and its
# output is the reference); ours runs best of N.
/usr/bin/time -f "%e %M" -o "$work/ktime" kubectl kustomize "$work/overlay" >"$work/want.yaml" 2>"$work/kerr" ||
  { echo "kubectl kustomize failed on the tree"; cat "$work/kerr"; exit 1; }
read -r ks kk <"$work/ktime"
best_of "$N" ours "$bin" build "$work/overlay" || exit 1
os=$M_SECS ok=$M_KB
"$bin" build "$work/overlay" >"$work/got.yaml" 2>&1 || { echo "kustomize-controller build failed"; head -5 "$work/got.yaml"; exit 1; }
docs=$(grep -c '^kind:' "$work/want.yaml")
same=no
cmp -s "$work/want.yaml" "$work/got.yaml" && same=yes

echo
echo "## kustomize build: generated overlay ($docs resources, 200 patches, generators, name prefix)"
echo
echo "| tool | wall s | peak RSS MiB |"
echo "|---|---|---|"
printf '| kustomize-controller build (best of %s) | %s | %.1f |\n' "$N" "$os" "$(awk -v k="$ok" 'BEGIN{print k/1024}')"
printf '| kubectl kustomize (v5.5, one run) | %s | %.1f |\n' "$ks" "$(awk -v k="$kk" 'BEGIN{print k/1024}')"
echo
echo "speed: $(ratio "$ks" "$os")x faster; memory: $(ratio "$kk" "$ok")x less; output byte-identical: $same"
[ "$same" = yes ]
