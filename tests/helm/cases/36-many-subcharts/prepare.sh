# an umbrella with 12 subcharts of 3 templates each (enough to exercise the
# parallel subchart loading and the manifest-head helper thread)
mkdir -p chart/templates
printf 'apiVersion: v2\nname: many\nversion: 1.0.0\n' > chart/Chart.yaml
printf 'global:\n  team: a\n' > chart/values.yaml
for i in $(seq 1 12); do
  d=chart/charts/s$i
  mkdir -p $d/templates
  printf 'apiVersion: v2\nname: s%s\nversion: 0.%s.0\n' $i $i > $d/Chart.yaml
  printf 'replicas: %s\nlabels: {app: s%s, tier: "%s"}\n' $i $i $((i % 3)) > $d/values.yaml
  printf 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ .Chart.Name }}\n  labels:\n{{ toYaml .Values.labels | indent 4 }}\nspec:\n  replicas: {{ .Values.replicas }}\n' > $d/templates/deploy.yaml
  printf 'apiVersion: v1\nkind: Service\nmetadata:\n  name: {{ .Chart.Name }}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Chart.Name }}-cm\n  annotations:\n    team: {{ .Values.global.team }}\n' > $d/templates/svc.yaml
  printf 'apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: {{ .Chart.Name }}-hook\n  annotations:\n    helm.sh/hook: pre-install\n    helm.sh/hook-weight: "%s"\n' $((12 - i)) > $d/templates/hook.yaml
done
