/*
 * kustomize engine: public entry points. The engine renders a kustomization
 * directory exactly like `kustomize build` / `kubectl kustomize`; it has no
 * Kubernetes client inside.
 */
#ifndef KS_KUSTOMIZE_H
#define KS_KUSTOMIZE_H

/* `kustomize-controller build DIR`: argv[0] is "build". Prints the rendered
 * multi-document YAML on stdout; on failure prints one error on stderr and
 * returns non-zero with nothing on stdout. */
int ks_build_cli(int argc, char **argv);

#endif
