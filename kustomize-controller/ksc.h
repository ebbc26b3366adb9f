/*
 * ksc.h: internal interfaces of kustomize-controller (prefix ksc_), shared by
 * the files at the top of kustomize-controller/. The kustomize engine itself
 * lives in engine/ behind engine/kustomize.h; libcommon provides the runtime.
 *
 *   controller.c  flags, kind table, watches (sources, dependencies), startup
 *   reconcile.c   the Kustomization reconcile: source, dependencies, fetch,
 *                 build, apply, inventory, prune, health, status, events
 *   finalize.c    deletion (deletionPolicy)
 *   artifact.c    shared, reference-counted download+extraction cache and
 *                 per-reconcile private workspaces
 *   generate.c    kustomization.yaml generation/patching from the spec
 *   envsubst.c    Flux's ${var} language
 *   varsub.c      postBuild: variables onto built objects
 *   inventory.c   inventory ids, diffs and status.history
 *   client.c      impersonation and kubeConfig clients
 *   prune.c       Namespace protection for prune/deletion
 */
#ifndef KSC_H
#define KSC_H
#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "fc/buf.h"
#include "fc/controller.h"
#include "fc/discovery.h"
#include "fc/kube.h"
#include "fc/strmap.h"

/* ------------------------------------------------------------ envsubst.c */

#define KSC_ENVSUBST_MAX_DEPTH 64

/* Value of a variable, or NULL when it is not defined. */
typedef const char *(*ksc_subst_lookup)(const char *name, void *arg);

typedef struct ksc_envsubst_opts {
    ksc_subst_lookup lookup;
    void *arg;
    bool strict;      /* undefined variable without a default is an error */
    size_t max_out;   /* cap on the result (0 = none) */
    size_t max_nodes; /* cap on parsed nodes (0 = 1,000,000) */
} ksc_envsubst_opts;

/* Substitute in[0..len) into out. On error the message is Flux's
 * ("bad substitution", "variable not set (strict mode): \"X\"", ...) and
 * *err_offset (if given) is the byte offset of the failing expression. */
int ksc_envsubst(const char *in, size_t len, const ksc_envsubst_opts *opts, fc_buf *out, size_t *err_offset);
/* Flux's variable name rule: ^[_[:alpha:]][_[:alpha:][:digit:]]*$ */
bool ksc_envsubst_var_name_valid(const char *name);

/* -------------------------------------------------------------- varsub.c */

/* Evidence of how scalars containing '$' were written in the source YAML
 * (plain or quoted), keyed by their parent mapping key; see varsub.c. */
typedef struct ksc_styles ksc_styles;
ksc_styles *ksc_styles_new(void);
void ksc_styles_free(ksc_styles *s);
/* Record the scalars of a YAML stream; errors in the text are ignored. */
void ksc_styles_scan_text(ksc_styles *s, const char *yaml, size_t len);
/* Record every *.yaml / *.yml / Kustomization file below root (bounded). */
void ksc_styles_scan_tree(ksc_styles *s, const char *root);

typedef struct ksc_varsub {
    fc_strmap *vars;      /* name -> malloc'd value (newlines removed) */
    bool strict;          /* StrictPostBuildSubstitutions */
    ksc_styles *styles;   /* may be NULL: plain style assumed */
    const char *tree;     /* scanned lazily into styles when first needed */
    bool tree_scanned;
} ksc_varsub;

/* Apply postBuild substitution to obj (unless it is labelled or annotated
 * kustomize.toolkit.fluxcd.io/substitute: disabled). *out is a new object
 * (or a new reference to obj when nothing changed). Errors read
 * "post build failed for '<gvk>/<name>' at <field>: envsubst error: ...". */
int ksc_varsub_object(ksc_varsub *vs, json_object *obj, json_object **out);
/* "apps_v1_Deployment" (kustomize's resid.Gvk string). */
void ksc_gvk_string(json_object *obj, fc_buf *out);

/* ------------------------------------------------------------ generate.c */

/* Write the kustomization file of dir (inside the workspace root) from the
 * Kustomization spec: generate one listing the YAML files below dir when
 * there is none, then apply targetNamespace, namePrefix, nameSuffix,
 * patches, components and images. Errors name files relative to root. */
int ksc_generate(json_object *spec, const char *root, const char *dir);

/* ----------------------------------------------------------- inventory.c */

#define KSC_HISTORY_MAX 5

typedef struct ksc_objref {
    char *ns, *name, *group, *kind, *version;
} ksc_objref;

/* "<ns>_<name>_<group>_<kind>" (":" in names as "__") appended to out. */
void ksc_inv_id(fc_buf *out, const char *ns, const char *name, const char *group, const char *kind);
int ksc_inv_parse_id(const char *id, ksc_objref *out);
void ksc_objref_dispose(ksc_objref *r);
/* {apiVersion, kind, metadata: {name, namespace}} */
json_object *ksc_objref_to_object(const ksc_objref *r);
/* Minimal objects for the entries of old_entries missing from new_entries. */
json_object *ksc_inv_diff(json_object *old_entries, json_object *new_entries);
/* Record a reconcile outcome in obj's status.history (Flux's Upsert). */
void ksc_history_upsert(json_object *obj, const char *digest, int64_t now_wall_ns, int64_t duration_ns,
                        const char *outcome, const char *revision, const char *origin);

/* ------------------------------------------------------------ artifact.c */

typedef struct ksc_artifact ksc_artifact;
typedef struct ksc_artifacts ksc_artifacts;

typedef struct ksc_artifact_opts {
    int http_retry;               /* --http-retry */
    const char *host_override;    /* SOURCE_CONTROLLER_LOCALHOST */
    int64_t min_backoff_ns, max_backoff_ns; /* 0 = fetch defaults */
    uint64_t max_download_bytes;  /* 0 = fetch default */
    uint64_t max_untar_bytes;     /* 0 = extraction default */
} ksc_artifact_opts;

typedef struct ksc_artifact_stats {
    uint64_t fetches, hits, failures, evicted;
} ksc_artifact_stats;

/* Cache rooted at base (created; removed by _free). */
ksc_artifacts *ksc_artifacts_new(const char *base, const ksc_artifact_opts *o);
void ksc_artifacts_free(ksc_artifacts *a);
/* The extracted tree of an artifact, downloaded and extracted at most once
 * while it stays cached; FC_ENOTFOUND when the server answers 404. */
int ksc_artifacts_acquire(ksc_artifacts *a, const char *url, const char *digest, const char *revision,
                          ksc_artifact **out);
void ksc_artifacts_release(ksc_artifacts *a, ksc_artifact *e);
const char *ksc_artifact_dir(const ksc_artifact *e);
void ksc_artifacts_get_stats(ksc_artifacts *a, ksc_artifact_stats *out);
/* A private copy of the tree made of hard links (*out: malloc'd path). */
int ksc_workspace_new(ksc_artifacts *a, const ksc_artifact *e, char **out);
/* rm -rf (also read-only trees). */
void ksc_rmtree(const char *dir);

/* -------------------------------------------------------------- client.c */

typedef struct ksc_client {
    fc_kube *kube;        /* the client to apply with */
    fc_mapper *mapper;    /* discovery for that client's cluster */
    bool owned_kube, owned_mapper, remote;
    fc_kube *remote_base; /* remote cluster client (owned) */
    char *identity;       /* impersonated user, or NULL */
    const char *sa;       /* service account name (borrowed) */
} ksc_client;

/* Client for a Kustomization (kubeConfig, serviceAccountName or
 * --default-service-account, else base). */
int ksc_client_for(fc_kube *base, fc_mapper *base_mapper, json_object *ks, const char *default_sa, ksc_client *out);
void ksc_client_dispose(ksc_client *c);
/* Flux's CanImpersonate: the service account (or kubeconfig Secret) exists. */
bool ksc_client_can_impersonate(fc_kube *base, json_object *ks, const char *default_sa);

/* --------------------------------------------------------------- prune.c */

typedef struct ksc_prune_ctx {
    fc_kube *reader;      /* the controller's own client */
    const char *ks_name, *ks_ns, *runtime_ns;
} ksc_prune_ctx;

/* fc_ssa_delete_guard keeping Namespaces that must not be deleted. */
bool ksc_prune_guard(json_object *existing, void *arg, char **why);

/* ---------------------------------------------- controller.c, reconcile.c */

typedef struct ksc_index ksc_index;

/* Controller-wide state (fc_kind.user). */
typedef struct ksc_state {
    ksc_artifacts *artifacts;
    int concurrent_ssa;                /* --concurrent-ssa */
    const char *const *override_managers; /* --override-manager, NULL-terminated */
    bool strict_substitutions;         /* StrictPostBuildSubstitutions */
    bool fail_fast;                    /* !DisableFailFastBehavior */
    bool allow_external_artifact;      /* ExternalArtifact */
    fc_informer *sources[4];           /* Git, OCI, Bucket, ExternalArtifact */
    ksc_index *index;
    fc_controller *ctrl;
} ksc_state;

fc_result ksc_reconcile(fc_rctx *r);
fc_result ksc_finalize(fc_rctx *r);
/* The informer of a source kind (NULL when not watched). */
fc_informer *ksc_source_informer(ksc_state *st, const char *kind);
const fc_resource *ksc_source_resource(const char *kind);
/* Flux's GetTimeout (interval - 30s, spec.timeout, floor 30s) and retry interval. */
int64_t ksc_timeout(json_object *obj);
int64_t ksc_retry_interval(json_object *obj);
/* Revision equality, also across the pre-2.0 "branch/sha" form. */
bool ksc_same_revision(const char *a, const char *b);
/* An event with Flux's metadata (revision, originRevision, one extra key);
   * reason NULL: the current Ready reason, as Flux does. */
void ksc_event(fc_rctx *r, bool warning, const char *reason, const char *revision, const char *origin,
               const char *extra_key, const char *extra_value, const char *fmt, ...) __attribute__((format(printf, 8, 9)));

#endif
