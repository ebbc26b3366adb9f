/*
 * kustomize engine: public entry points. The engine renders a kustomization
 * directory exactly like `kustomize build` / `kubectl kustomize` (kustomize
 * v5.5); it has no Kubernetes client inside and never touches the network.
 *
 *   ks_build_opts o = {0};
 *   o.fs_root = "/tmp/artifact";           // nothing may resolve outside
 *   o.path = "/tmp/artifact/clusters/prod"; // the kustomization directory
 *   o.load_restrictions = KS_LOAD_NONE;     // Flux: any file inside fs_root
 *   json_object *res = NULL;
 *   if (ks_build(&o, &res) != 0) log(fc_err_msg());   // names file (+line)
 *   ks_render(res, &buf);                   // what `kubectl kustomize` prints
 *
 * Errors are reported through libcommon's fc_err_* (one line naming the
 * file and, for YAML, the line). Remote bases and URLs are refused.
 */
#ifndef KS_KUSTOMIZE_H
#define KS_KUSTOMIZE_H
#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include "fc/buf.h"

typedef enum ks_load_restrictions {
    /* kustomize's default: files a kustomization names must be in or below
     * its own directory (bases and components may be anywhere in fs_root) */
    KS_LOAD_ROOT_ONLY = 0,
    /* kustomize's LoadRestrictionsNone: files anywhere inside fs_root
     * (what Flux's kustomize-controller uses) */
    KS_LOAD_NONE = 1,
} ks_load_restrictions;

typedef struct ks_build_opts {
    const char *fs_root;  /* every path must resolve (symlinks followed) inside; NULL = "/" */
    const char *path;     /* kustomization directory (absolute, or relative to the cwd) */
    ks_load_restrictions load_restrictions;
    size_t max_file_bytes;  /* per file (0 = 32 MiB) */
    size_t max_total_bytes; /* all files read by one build (0 = 512 MiB) */
    unsigned max_depth;     /* nesting of kustomizations (0 = 64) */
    size_t max_resources;   /* resources in one build (0 = 200000) */
    unsigned max_yaml_depth; /* YAML nesting (0 = 200) */
    size_t max_yaml_nodes;   /* YAML nodes per document incl. alias expansion (0 = 4M) */
    bool allow_env;          /* env files may read values from the process environment */
} ks_build_opts;

/* Build the kustomization. On success *resources is a new json array of the
 * rendered objects in kustomize's output order. */
int ks_build(const ks_build_opts *opts, json_object **resources);

/* Append the YAML stream `kubectl kustomize` prints for these resources
 * (documents joined by "---\n") to out. */
int ks_render(json_object *resources, fc_buf *out);

/* `kustomize-controller build DIR`: argv[0] is "build". Prints the rendered
 * multi-document YAML on stdout; on failure prints one error on stderr and
 * returns non-zero with nothing on stdout. */
int ks_build_cli(int argc, char **argv);

#endif
