{{- define "tplc.fullname" -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- define "tplc.labels" }}
a: "1"
b: {{ .Values.name | quote }}
{{- end }}
{{- define "tplc.recursive" -}}
{{- if gt (int .) 0 -}}{{ . }},{{ include "tplc.recursive" (sub (int .) 1) }}{{- end -}}
{{- end }}
{{- define "tplc.dict" -}}
{{ .a }}/{{ .b.c }}/{{ .root.Release.Name }}
{{- end }}
