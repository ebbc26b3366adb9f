#!/usr/bin/env bash
# Benchmark: `helm-controller template` against the reference `helm template`
# (Helm 4, ~/.cache/fluxc/bin/helm) in the same run, on charts generated here:
#   - umbrella: a parent chart with BENCH_HELM_SUBCHARTS (default 60)
#     subcharts; each subchart renders a Deployment, Service, ConfigMap,
#     Ingress, HPA, ServiceAccount and a hook Job through a shared library
#     chart (include-heavy: names, labels, selector labels, merged
#     annotations via tpl), with large values rendered by toYaml/nindent,
#     range loops over env/ports/config, and globals;
#   - helm-create: the chart `helm create` generates (startup-dominated).
# Reported: best-of-N wall and CPU time per render and peak RSS for both
# tools, the ratios, and whether the two outputs are byte-identical.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
. "$FC_ROOT/tests/env/versions.sh"
HELM=${FC_REF_HELM:-$TOOLS_BIN/helm}
OURS=$FC_BIN/helm-controller
N=${BENCH_HELM_SUBCHARTS:-60}
RUNS=${BENCH_HELM_RUNS:-5}
work=$(mktemp -d "${TMPDIR:-/tmp}/fc-bench-helm.XXXXXX")
[ -n "${BENCH_HELM_KEEP:-}" ] || trap 'rm -rf "$work"' EXIT
export HOME=$work/home KUBECONFIG=$work/home/none TZ=UTC
mkdir -p "$HOME"

if [ ! -x "$HELM" ]; then
  echo "bench-helm: reference helm not found at $HELM (tests/env/build-tools.sh helm)" >&2
  exit 1
fi

# ---------------------------------------------------------------- the chart
gen_library() {
  local d=$1/charts/common
  mkdir -p "$d/templates"
  cat >"$d/Chart.yaml" <<'EOF'
apiVersion: v2
name: common
version: 1.0.0
type: library
EOF
  cat >"$d/templates/_names.tpl" <<'EOF'
{{- define "common.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- define "common.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- define "common.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- define "common.selectorLabels" -}}
app.kubernetes.io/name: {{ include "common.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}
{{- define "common.labels" -}}
helm.sh/chart: {{ include "common.chart" . }}
{{ include "common.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | default .Chart.Version | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- with .Values.global.labels }}
{{ toYaml . }}
{{- end }}
{{- end -}}
{{- define "common.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "common.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}
{{- define "common.tplvalues" -}}
{{- if typeIs "string" .value -}}{{ tpl .value .context }}{{- else -}}{{ tpl (.value | toYaml) .context }}{{- end -}}
{{- end -}}
{{- define "common.annotations" -}}
{{- $all := merge (deepCopy (.Values.podAnnotations | default dict)) (deepCopy (.Values.global.annotations | default dict)) -}}
{{- include "common.tplvalues" (dict "value" $all "context" .) -}}
{{- end -}}
{{- define "common.image" -}}
{{- $registry := .Values.global.imageRegistry | default .Values.image.registry -}}
{{- printf "%s/%s:%s" $registry .Values.image.repository (.Values.image.tag | default .Chart.AppVersion) -}}
{{- end -}}
EOF
}

gen_sub() {
  local d=$1/charts/svc$2 i=$2
  mkdir -p "$d/templates"
  cat >"$d/Chart.yaml" <<EOF
apiVersion: v2
name: svc$i
version: 1.$i.0
appVersion: "2.$i"
dependencies:
  - name: common
    version: 1.x
    repository: file://../common
EOF
  mkdir -p "$d/charts" && cp -r "$1/charts/common" "$d/charts/"
  {
    cat <<EOF
replicaCount: $((i % 5 + 1))
image:
  registry: registry.example.com
  repository: team/svc$i
  tag: ""
  pullPolicy: IfNotPresent
nameOverride: ""
fullnameOverride: ""
serviceAccount:
  create: true
  name: ""
  annotations:
    eks.amazonaws.com/role-arn: "arn:aws:iam::123456789012:role/svc$i"
podAnnotations:
  checksum/app: "{{ .Chart.Name }}-{{ .Chart.Version }}"
  prometheus.io/scrape: "true"
podSecurityContext:
  fsGroup: 2000
  runAsNonRoot: true
securityContext:
  capabilities:
    drop: [ALL]
  readOnlyRootFilesystem: true
  runAsUser: 1000
service:
  type: ClusterIP
  ports:
EOF
    for p in 1 2 3 4; do echo "    - {name: p$p, port: $((8000 + p)), targetPort: $((9000 + p)), protocol: TCP}"; done
    cat <<EOF
ingress:
  enabled: true
  className: nginx
  annotations:
    cert-manager.io/cluster-issuer: letsencrypt
  hosts:
    - host: svc$i.example.com
      paths:
        - {path: /, pathType: Prefix}
        - {path: /api, pathType: Prefix}
  tls:
    - secretName: svc$i-tls
      hosts: [svc$i.example.com]
resources:
  limits: {cpu: 500m, memory: 512Mi}
  requests: {cpu: 100m, memory: 128Mi}
autoscaling:
  enabled: true
  minReplicas: 2
  maxReplicas: 10
  targetCPUUtilizationPercentage: 70
env:
EOF
    for e in $(seq 1 20); do echo "  - {name: VAR_$e, value: \"value-$e-for-svc$i\"}"; done
    echo "config:"
    for s in $(seq 1 8); do
      echo "  section$s:"
      for k in $(seq 1 12); do echo "    key$k: \"setting $s.$k of svc$i\""; done
      echo "    nested: {list: [a, b, c], flag: true, count: $s}"
    done
    cat <<'EOF'
nodeSelector: {kubernetes.io/os: linux}
tolerations:
  - {key: dedicated, operator: Equal, value: apps, effect: NoSchedule}
affinity:
  podAntiAffinity:
    preferredDuringSchedulingIgnoredDuringExecution:
      - weight: 100
        podAffinityTerm:
          topologyKey: kubernetes.io/hostname
EOF
  } >"$d/values.yaml"
  cat >"$d/templates/deployment.yaml" <<'EOF'
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ include "common.fullname" . }}
  labels:
    {{- include "common.labels" . | nindent 4 }}
spec:
  {{- if not .Values.autoscaling.enabled }}
  replicas: {{ .Values.replicaCount }}
  {{- end }}
  selector:
    matchLabels:
      {{- include "common.selectorLabels" . | nindent 6 }}
  template:
    metadata:
      annotations:
        checksum/config: {{ .Values.config | toYaml | sha256sum }}
        {{- include "common.annotations" . | nindent 8 }}
      labels:
        {{- include "common.labels" . | nindent 8 }}
    spec:
      serviceAccountName: {{ include "common.serviceAccountName" . }}
      securityContext:
        {{- toYaml .Values.podSecurityContext | nindent 8 }}
      containers:
        - name: {{ .Chart.Name }}
          securityContext:
            {{- toYaml .Values.securityContext | nindent 12 }}
          image: {{ include "common.image" . | quote }}
          imagePullPolicy: {{ .Values.image.pullPolicy }}
          ports:
            {{- range .Values.service.ports }}
            - name: {{ .name }}
              containerPort: {{ .targetPort }}
              protocol: {{ .protocol }}
            {{- end }}
          env:
            {{- range .Values.env }}
            - name: {{ .name }}
              value: {{ .value | quote }}
            {{- end }}
            - name: RELEASE
              value: {{ include "common.fullname" . | upper | quote }}
          resources:
            {{- toYaml .Values.resources | nindent 12 }}
      {{- with .Values.nodeSelector }}
      nodeSelector:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with .Values.affinity }}
      affinity:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with .Values.tolerations }}
      tolerations:
        {{- toYaml . | nindent 8 }}
      {{- end }}
EOF
  cat >"$d/templates/service.yaml" <<'EOF'
apiVersion: v1
kind: Service
metadata:
  name: {{ include "common.fullname" . }}
  labels:
    {{- include "common.labels" . | nindent 4 }}
spec:
  type: {{ .Values.service.type }}
  ports:
    {{- range .Values.service.ports }}
    - port: {{ .port }}
      targetPort: {{ .name }}
      protocol: {{ .protocol }}
      name: {{ .name }}
    {{- end }}
  selector:
    {{- include "common.selectorLabels" . | nindent 4 }}
EOF
  cat >"$d/templates/configmap.yaml" <<'EOF'
apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ include "common.fullname" . }}
  labels:
    {{- include "common.labels" . | nindent 4 }}
data:
  config.yaml: |
    {{- toYaml .Values.config | nindent 4 }}
  {{- range $name, $section := .Values.config }}
  {{ $name }}.json: {{ toJson $section | quote }}
  {{- range $k, $v := $section }}
  {{ $name }}.{{ $k }}: {{ $v | toString | quote }}
  {{- end }}
  {{- end }}
EOF
  cat >"$d/templates/ingress.yaml" <<'EOF'
{{- if .Values.ingress.enabled -}}
{{- $fullName := include "common.fullname" . -}}
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: {{ $fullName }}
  labels:
    {{- include "common.labels" . | nindent 4 }}
  {{- with .Values.ingress.annotations }}
  annotations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
spec:
  ingressClassName: {{ .Values.ingress.className }}
  tls:
    {{- range .Values.ingress.tls }}
    - hosts:
        {{- range .hosts }}
        - {{ . | quote }}
        {{- end }}
      secretName: {{ .secretName }}
    {{- end }}
  rules:
    {{- range .Values.ingress.hosts }}
    - host: {{ .host | quote }}
      http:
        paths:
          {{- range .paths }}
          - path: {{ .path }}
            pathType: {{ .pathType }}
            backend:
              service:
                name: {{ $fullName }}
                port:
                  number: 8001
          {{- end }}
    {{- end }}
{{- end }}
EOF
  cat >"$d/templates/hpa.yaml" <<'EOF'
{{- if .Values.autoscaling.enabled }}
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: {{ include "common.fullname" . }}
  labels:
    {{- include "common.labels" . | nindent 4 }}
spec:
  scaleTargetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: {{ include "common.fullname" . }}
  minReplicas: {{ .Values.autoscaling.minReplicas }}
  maxReplicas: {{ .Values.autoscaling.maxReplicas }}
  metrics:
    - type: Resource
      resource:
        name: cpu
        target:
          type: Utilization
          averageUtilization: {{ .Values.autoscaling.targetCPUUtilizationPercentage }}
{{- end }}
EOF
  cat >"$d/templates/serviceaccount.yaml" <<'EOF'
{{- if .Values.serviceAccount.create -}}
apiVersion: v1
kind: ServiceAccount
metadata:
  name: {{ include "common.serviceAccountName" . }}
  labels:
    {{- include "common.labels" . | nindent 4 }}
  {{- with .Values.serviceAccount.annotations }}
  annotations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
{{- end }}
EOF
  cat >"$d/templates/job-hook.yaml" <<'EOF'
apiVersion: batch/v1
kind: Job
metadata:
  name: {{ include "common.fullname" . }}-migrate
  labels:
    {{- include "common.labels" . | nindent 4 }}
  annotations:
    helm.sh/hook: pre-install,pre-upgrade
    helm.sh/hook-weight: "{{ len .Values.env }}"
    helm.sh/hook-delete-policy: before-hook-creation
spec:
  template:
    spec:
      restartPolicy: Never
      containers:
        - name: migrate
          image: {{ include "common.image" . | quote }}
          args: {{ list "migrate" "--all" (include "common.fullname" .) | toJson }}
EOF
}

gen_umbrella() {
  local d=$work/umbrella
  mkdir -p "$d/templates" "$d/charts"
  gen_library "$d"
  {
    echo "apiVersion: v2"
    echo "name: umbrella"
    echo "version: 1.0.0"
    echo "dependencies:"
    for i in $(seq 1 "$N"); do printf '  - name: svc%s\n    version: 1.x.x\n    repository: file://charts/svc%s\n' "$i" "$i"; done
  } >"$d/Chart.yaml"
  for i in $(seq 1 "$N"); do gen_sub "$d" "$i"; done
  rm -rf "$d/charts/common"
  cat >"$d/values.yaml" <<'EOF'
global:
  imageRegistry: mirror.example.com
  labels:
    team: platform
    cost-center: "1234"
  annotations:
    owner: "{{ .Release.Name }}"
EOF
  cat >"$d/templates/namespace-config.yaml" <<'EOF'
apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ .Release.Name }}-umbrella
data:
  subcharts: {{ keys .Values | sortAlpha | join "," | quote }}
EOF
}

gen_umbrella
"$HELM" create "$work/webapp" >/dev/null

# ---------------------------------------------------------------- measure
# Wall time is what users see; CPU time (user+sys) is reported too because
# it is far less disturbed by other load on the machine. Small charts are
# rendered REPS times per measurement (the clock has 10 ms resolution).
# timed REPS CMD...: sets T_WALL T_CPU (seconds per run) and T_KB (peak RSS)
timed() {
  local reps=$1; shift
  local tf; tf=$(mktemp)
  /usr/bin/time -f '%e %U %S %M' -o "$tf" bash -c 'for ((i = 0; i < '"$reps"'; i++)); do "$@" >/dev/null 2>&1 || exit 1; done' _ "$@" ||
    { rm -f "$tf"; return 1; }
  read -r w u s k <"$tf"
  rm -f "$tf"
  T_WALL=$(awk -v a="$w" -v n="$reps" 'BEGIN{printf "%.4f", a / n}')
  T_CPU=$(awk -v a="$u" -v b="$s" -v n="$reps" 'BEGIN{printf "%.4f", (a + b) / n}')
  T_KB=$k
}
# best REPS CMD...: best of RUNS measurements (each value minimised)
best() {
  local bw="" bc="" bk=""
  for ((r = 0; r < RUNS; r++)); do
    timed "$@" || return 1
    if [ -z "$bw" ] || awk -v a="$T_WALL" -v b="$bw" 'BEGIN{exit !(a<b)}'; then bw=$T_WALL; fi
    if [ -z "$bc" ] || awk -v a="$T_CPU" -v b="$bc" 'BEGIN{exit !(a<b)}'; then bc=$T_CPU; fi
    if [ -z "$bk" ] || [ "$T_KB" -lt "$bk" ]; then bk=$T_KB; fi
  done
  T_WALL=$bw T_CPU=$bc T_KB=$bk
}

run_case() { # name reps args...
  local name=$1 reps=$2; shift 2
  "$HELM" template "$@" >"$work/h.out" 2>"$work/h.err" || { echo "helm failed on $name: $(head -c 300 "$work/h.err")" >&2; return 1; }
  "$OURS" template "$@" >"$work/o.out" 2>"$work/o.err" || { echo "ours failed on $name: $(head -c 300 "$work/o.err")" >&2; return 1; }
  local same=no
  cmp -s "$work/h.out" "$work/o.out" && same="byte-identical ($(wc -c <"$work/o.out") bytes)"
  best "$reps" "$HELM" template "$@" || return 1
  local hw=$T_WALL hc=$T_CPU hk=$T_KB
  best "$reps" "$OURS" template "$@" || return 1
  printf '| %s | %.3f s | %.3f s | **%sx** | %.3f s | %.3f s | **%sx** | %d / %d MiB (%sx) | %s |\n' "$name" \
    "$hw" "$T_WALL" "$(ratio "$hw" "$T_WALL")" "$hc" "$T_CPU" "$(ratio "$hc" "$T_CPU")" \
    $((hk / 1024)) $((T_KB / 1024)) "$(ratio "$hk" "$T_KB")" "$same"
}

echo "### helm template: fluxc vs Helm $(cd "$work" && "$HELM" version --short 2>/dev/null)"
echo
echo "best of $RUNS; umbrella = $N subcharts through a library chart, 8 templates each; load average $(cut -d' ' -f1 /proc/loadavg)"
echo
echo "| chart | helm wall | fluxc wall | speed-up | helm CPU | fluxc CPU | CPU ratio | peak RSS helm / fluxc | output |"
echo "|---|---|---|---|---|---|---|---|---|"
run_case "umbrella ($N subcharts)" 3 rel "$work/umbrella" -n apps --set global.labels.env=prod
run_case "helm create" 10 rel "$work/webapp"
