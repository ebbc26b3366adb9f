{{- define "webapp.fullname" -}}{{ .Release.Name }}-{{ .Chart.Name }}{{- end -}}
