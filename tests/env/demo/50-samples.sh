# demo step: apply the sample Flux objects from manifests/samples (if any).
if ls "$FC_ROOT"/manifests/samples/*.yaml >/dev/null 2>&1 ||
   ls "$FC_ROOT"/manifests/samples/*/*.yaml >/dev/null 2>&1; then
  say "applying manifests/samples"
  show kubectl apply -R -f "$FC_ROOT/manifests/samples"
fi
