# demo step: show the Flux objects (those whose CRDs are installed), the node
# and the pods.
say "Flux objects"
demo_kinds=()
demo_known=$(kubectl api-resources -o name 2>/dev/null || true)
for k in gitrepositories kustomizations helmreleases helmrepositories helmcharts \
         ocirepositories buckets providers alerts receivers; do
  grep -q "^$k\." <<<"$demo_known" && demo_kinds+=("$k")
done
if ((${#demo_kinds[@]})); then
  show kubectl get "$(IFS=,; echo "${demo_kinds[*]}")" -A
else
  echo "(no Flux CRDs installed yet)"
fi
say "nodes and pods"
show kubectl get nodes -o wide
show kubectl get pods -A
