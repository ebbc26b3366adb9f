# the chart `helm create` generates, made by the reference helm at test time
"$HELM" create mychart >/dev/null
