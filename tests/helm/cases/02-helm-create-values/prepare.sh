"$HELM" create webapp >/dev/null
