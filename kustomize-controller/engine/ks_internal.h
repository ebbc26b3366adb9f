/*
 * ks_internal.h: what the engine's modules share (not part of the public API).
 *
 * Resources are json-c objects wrapped in a ks_res that carries kustomize's
 * build metadata (previous ids, name prefixes/suffixes, generator options)
 * out of band; kustomize keeps those as annotations on the object, we keep
 * them in C fields and reproduce the visible side effects where kustomize's
 * annotation round-trips show in the output (see ks_resmap.c).
 */
#ifndef KS_INTERNAL_H
#define KS_INTERNAL_H
#include "kustomize.h"
#include "fc/buf.h"
#include "fc/err.h"
#include "fc/gofmt.h"
#include "fc/json.h"
#include "fc/yaml.h"
#include <json-c/json.h>
#include "fc/regex.h"
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ------------------------------------------------------------ ks_yaml.c */
enum { KS_YAML_RAW_ANNOTATIONS = 1, KS_YAML_RAW_LABELS = 2 };
/* Parse a multi-document stream with kyaml (go-yaml v3) typing into a json
 * array of its non-empty documents; *lines (optional) gets each document's
 * first line. Errors name fname and the line. */
int ks_yaml_parse_docs(const char *buf, size_t len, const char *fname, unsigned flags, const fc_yaml_limits *lim,
                       json_object **docs, json_object **lines);
/* v3's resolution of a plain scalar (new reference; NULL for null). */
json_object *ks_yaml_resolve_plain(const char *s, size_t len);
bool ks_yaml_plain_is_string(const char *s, size_t len);

/* ------------------------------------------------------------ ks_util.c */
/* The text kyaml holds for a scalar node (strings as is, numbers in Go
 * formatting, null as ""); malloc'd, NULL for collections. */
char *ks_json_text(json_object *o);
/* Go encoding/json of a value (map keys sorted, HTML escaping), as used by
 * kustomize's hasher. */
int ks_go_json(json_object *o, fc_buf *out);
/* malloc'd copies / small string helpers */
char *ks_strdup(const char *s);
char *ks_strndup(const char *s, size_t n);
char *ks_join(const char *a, const char *b, const char *c);
bool ks_str_eq(const char *a, const char *b); /* NULL-safe, NULL == "" */
bool ks_has_suffix(const char *s, const char *suf);
/* Anchored regular expression match with Go RE2-like syntax restricted to
 * what POSIX ERE shares with it; *err set when the pattern is invalid. */
int ks_regex_match(const char *pattern, const char *s, bool *match);
/* A compiled anchored pattern (Go regexp syntax, as kustomize); an empty
 * or NULL pattern matches anything and a pattern without metacharacters is
 * compared as a string. */
typedef struct ks_rx {
    const char *pat;
    bool any, literal;
    fc_regex *re;
} ks_rx;
/* Go regexp: compile (error "invalid regular expression PAT: error parsing
 * regexp: ...") and unanchored search */
int ks_regex_compile(const char *pat, fc_regex **out);
bool ks_regex_search(const fc_regex *re, const char *s);
int ks_rx_init(ks_rx *x, const char *pattern);
bool ks_rx_match(const ks_rx *x, const char *s);
void ks_rx_dispose(ks_rx *x);
/* Kubernetes label selector ("a=b,c!=d,e in (x,y),!f,g") against a
 * json map of string values; error on a malformed selector. */
int ks_selector_match(const char *selector, json_object *labels, bool *match);

/* string vector */
typedef struct ks_strv {
    char **v;
    size_t n, cap;
} ks_strv;
int ks_strv_push(ks_strv *sv, const char *s);
void ks_strv_dispose(ks_strv *sv);
bool ks_strv_contains(const ks_strv *sv, const char *s);

/* A set of strings (open addressing); keys are owned copies. */
typedef struct ks_sset {
    char **slot;
    size_t *count; /* times added minus times dropped */
    size_t cap, n;
} ks_sset;
/* 1 when added, 0 when already present (its count grows), -1 out of memory */
int ks_sset_add(ks_sset *s, const char *key);
bool ks_sset_has(const ks_sset *s, const char *key);
size_t ks_sset_count(const ks_sset *s, const char *key);
void ks_sset_drop(ks_sset *s, const char *key); /* count down, the key stays */
void ks_sset_dispose(ks_sset *s);

/* json helpers */
json_object *ks_obj_get(json_object *o, const char *key); /* borrowed, map only */
const char *ks_obj_str(json_object *o, const char *key);  /* string value or NULL */
json_object *ks_obj_ensure_map(json_object *o, const char *key);
bool ks_is_map(json_object *o);
bool ks_is_seq(json_object *o);
bool ks_is_scalar(json_object *o); /* string, number, bool or null */
void ks_json_compact(json_object *o); /* shrink a map's hash table to its size */
/* the engine's static copy of a common Kubernetes map key, or NULL */
const char *ks_intern_key(const char *key);
/* json_object_object_add, sharing the static copy of common keys */
void ks_obj_add(json_object *m, const char *key, json_object *v);
void ks_json_compact_deep(json_object *o, unsigned depth); /* every map inside o */

/* ------------------------------------------------------------ ks_resid.c */
typedef struct ks_gvk {
    const char *group, *version, *kind; /* borrowed or owned per use */
} ks_gvk;
/* apiVersion -> group/version (owned strings) */
void ks_split_apiversion(const char *apiversion, char **group, char **version);
bool ks_gvk_cluster_scoped(const char *group, const char *version, const char *kind);
bool ks_av_cluster_scoped(const char *apiversion, const char *kind);
/* selector fields empty = wildcard */
bool ks_gvk_selected(const char *g, const char *v, const char *k, const char *sg, const char *sv, const char *sk);
/* kustomize's legacy order rank of a kind (lower first); 0 for unknown */
int ks_kind_legacy_rank(const char *kind, bool *known);

/* ------------------------------------------------------------ ks_resmap.c */
enum { KS_BEHAVIOR_UNSPECIFIED = 0, KS_BEHAVIOR_CREATE, KS_BEHAVIOR_REPLACE, KS_BEHAVIOR_MERGE };

typedef struct ks_prev {
    char *ns, *name, *kind;
} ks_prev;

/* A resource and kustomize's build metadata about it. */
typedef struct ks_res {
    json_object *obj;
    ks_prev *prev; /* previous ids, oldest first */
    size_t nprev, prevcap;
    ks_strv prefixes, suffixes;
    bool generated; /* made by a generator: behavior and hash apply */
    int behavior;
    bool hash;
    ks_strv refvars;
    char *source; /* file it was read from, for error messages */
} ks_res;

/* A resource id: group, version, kind, name, namespace (owned strings). */
typedef struct ks_id {
    char *group, *version, *kind, *name, *ns;
} ks_id;

typedef struct ks_resmap {
    ks_res **v;
    size_t n, cap;
} ks_resmap;

ks_res *ks_res_new(json_object *obj); /* takes obj */
void ks_res_free(ks_res *r);
ks_res *ks_res_copy(const ks_res *r);
const char *ks_res_kind(const ks_res *r);
const char *ks_res_name(const ks_res *r);
const char *ks_res_ns(const ks_res *r);
const char *ks_res_apiversion(const ks_res *r);
json_object *ks_res_meta(const ks_res *r, bool create);
int ks_res_set_name(ks_res *r, const char *name);
int ks_res_set_ns(ks_res *r, const char *ns); /* "" removes the field */
int ks_res_set_kind(ks_res *r, const char *kind);
int ks_res_store_prev(ks_res *r);
int ks_res_add_prefix(ks_res *r, const char *p);
int ks_res_add_suffix(ks_res *r, const char *s);
bool ks_res_prefix_suffix_equals(const ks_res *a, const ks_res *b);
/* kyaml's SetAnnotations/SetLabels side effect: values become strings and
 * an empty map disappears. */
void ks_res_stringify_meta_map(ks_res *r, const char *field);

void ks_id_dispose(ks_id *id);
int ks_res_curid(const ks_res *r, ks_id *id);
int ks_res_orgid(const ks_res *r, ks_id *id);
/* previous id i (0 = oldest) */
int ks_res_previd(const ks_res *r, size_t i, ks_id *id);
const char *ks_id_effective_ns(const ks_id *id);
bool ks_id_cluster_scoped(const ks_id *id);
bool ks_id_equals(const ks_id *a, const ks_id *b);
bool ks_id_gvk_equals(const ks_id *a, const ks_id *b);
/* kustomize's IsSelectedBy: empty selector fields are wildcards */
bool ks_id_selected_by(const ks_id *id, const ks_id *sel);
/* "group_version_kind|namespace|name" as kustomize prints ids */
char *ks_id_string(const ks_id *id);
/* true when any of r's ids (current or previous) equals id */
bool ks_res_any_id_equals(const ks_res *r, const ks_id *id);
/* Id key: strings equal exactly when the ids are equal (group, version,
 * kind, name and effective namespace); written into b (reset first).
 * which: 0..nprev-1 a previous id, nprev (or more) the current id. */
int ks_res_idkey(const ks_res *r, size_t which, fc_buf *b);

void ks_resmap_init(ks_resmap *m);
void ks_resmap_dispose(ks_resmap *m); /* frees the resources too */
void ks_resmap_clear(ks_resmap *m);   /* forgets without freeing */
int ks_resmap_push(ks_resmap *m, ks_res *r);     /* no id check */
int ks_resmap_append(ks_resmap *m, ks_res *r);   /* error on current-id collision; takes r */
int ks_resmap_append_all(ks_resmap *dst, ks_resmap *src); /* moves, src emptied */
int ks_resmap_absorb_all(ks_resmap *dst, ks_resmap *src); /* generator behaviors */
/* the one resource any of whose ids equals id, or an error */
int ks_resmap_get_by_id(ks_resmap *m, const ks_id *id, ks_res **out);
int ks_resmap_index_of(const ks_resmap *m, const ks_res *r);
void ks_resmap_remove_at(ks_resmap *m, size_t i); /* frees */

/* ------------------------------------------------------------ ks_fs.c */
#define KS_EISDIR (-100) /* a file was expected, a directory was found */

typedef struct ks_tconfig ks_tconfig;

/* Build-wide settings and budgets. */
typedef struct ks_ctx {
    char *fs_root; /* real path; nothing may resolve outside */
    char *cwd;     /* for relative CLI paths and shorter messages */
    bool root_only;
    bool allow_env; /* env files may read KEY from the environment */
    size_t max_file_bytes, max_total_bytes, total_read;
    unsigned max_depth;
    size_t max_resources;
    fc_yaml_limits ylim;
    ks_tconfig *builtin; /* kustomize's default field specs */
} ks_ctx;

/* One kustomization directory being built, and who included it. */
typedef struct ks_loader {
    ks_ctx *ctx;
    char *root; /* real path */
    const struct ks_loader *referrer;
    unsigned depth;
} ks_loader;

bool ks_is_remote(const char *path);
const char *ks_display_path(const ks_ctx *ctx, const char *real);
int ks_loader_init_root(ks_ctx *ctx, const char *dir, ks_loader *l);
int ks_loader_child(const ks_loader *parent, const char *path, ks_loader *child);
void ks_loader_dispose(ks_loader *l);
/* Read a file named relative to the loader's root (capped, confined). */
int ks_loader_read(const ks_loader *l, const char *path, fc_buf *out, char **real_out);

/* ------------------------------------------------------------ ks_kustfile.c */
#define KS_KIND_KUSTOMIZATION "Kustomization"
#define KS_KIND_COMPONENT "Component"
#define KS_VERSION_KUSTOMIZATION "kustomize.config.k8s.io/v1beta1"
#define KS_VERSION_COMPONENT "kustomize.config.k8s.io/v1alpha1"

/* A decoded kustomization: canonical field names, checked types. */
typedef struct ks_kust {
    json_object *doc;
    char *file; /* display path of the kustomization file */
    bool is_component;
} ks_kust;

int ks_kust_parse(const char *buf, size_t len, const char *fname, const fc_yaml_limits *lim, ks_kust **out);
void ks_kust_free(ks_kust *k);
/* a transformer configuration file (configurations:), schema-checked */
int ks_tconfig_decode(const char *buf, size_t len, const char *fname, const fc_yaml_limits *lim, json_object **out);
json_object *ks_kv(const ks_kust *k, const char *field); /* borrowed */
const char *ks_ks(const ks_kust *k, const char *field);   /* "" when absent */
size_t ks_klen(const ks_kust *k, const char *field);

/* ------------------------------------------------------------ ks_config.c */
typedef struct ks_fieldspec {
    char *group, *version, *kind, *path;
    bool create;
} ks_fieldspec;

typedef struct ks_fsslice {
    ks_fieldspec *v;
    size_t n, cap;
} ks_fsslice;

typedef struct ks_nameref {
    char *group, *version, *kind; /* the referred-to kind */
    ks_fsslice referrers;
} ks_nameref;

struct ks_tconfig {
    ks_fsslice name_prefix, name_suffix, common_labels, template_labels, common_annotations, namespace_,
        var_reference, images, replicas;
    ks_nameref *nameref;
    size_t nnameref, nrefcap;
};

const char *ks_default_config_yaml(void);
ks_tconfig *ks_tconfig_new(void);
void ks_tconfig_free(ks_tconfig *t);
/* from a decoded TransformerConfig json (see ks_tconfig_decode) */
int ks_tconfig_from_json(json_object *j, ks_tconfig **out);
int ks_tconfig_default(const fc_yaml_limits *lim, ks_tconfig **out);
/* kustomize's TransformerConfig.Merge: dst gains src's specs, deduplicated */
int ks_tconfig_merge(ks_tconfig *dst, const ks_tconfig *src);
int ks_fsslice_merge_one(ks_fsslice *s, const ks_fieldspec *fs);
int ks_fsslice_merge_all(ks_fsslice *dst, const ks_fsslice *src);
int ks_fsslice_from_json(json_object *arr, ks_fsslice *out);
void ks_fsslice_dispose(ks_fsslice *s);

/* ------------------------------------------------------------ ks_schema.c */
typedef struct ks_stype ks_stype;
/* schema of a built-in kind (exact apiVersion and kind), or NULL */
const ks_stype *ks_schema_for(const char *apiversion, const char *kind);
/* schema of an object-valued field */
const ks_stype *ks_schema_field(const ks_stype *t, const char *name);
/* true when the field is a merging list; keys (NULL-terminated, may be
 * empty for primitive lists) and element schema returned */
bool ks_schema_list(const ks_stype *t, const char *name, const char *const **keys, const ks_stype **elem);

/* ------------------------------------------------------------ ks_smp.c */
/* Strategic merge of patch into *target as kyaml's merge2 does it (see
 * ks_smp.c). *target may be replaced; NULL afterwards means "deleted". */
int ks_smp_apply(json_object **target, json_object *patch, const ks_stype *schema);

/* ------------------------------------------------------------ ks_fieldspec.c */
/* A place in a json tree: parent map + key, parent array + index, or the
 * root. Set functions may replace the value in place. */
typedef struct ks_slot {
    json_object *parent;
    const char *key; /* map slot when non-NULL */
    size_t idx;      /* array slot when key is NULL and parent non-NULL */
    json_object **root;
} ks_slot;
json_object *ks_slot_get(const ks_slot *s);
void ks_slot_set(const ks_slot *s, json_object *v); /* takes v */
typedef int (*ks_setfn)(ks_slot *slot, void *ud);
enum { KS_CREATE_NONE = 0, KS_CREATE_MAP, KS_CREATE_SCALAR, KS_CREATE_SEQ };
/* kustomize's fieldspec filter: when fs's GVK matches r, walk fs->path
 * (sequences fan out, "x[]" marks a list, "\/" escapes a slash), creating
 * missing fields when fs->create and create_kind allow, and call fn on
 * every node found. */
int ks_fieldspec_apply(ks_res *r, const ks_fieldspec *fs, int create_kind, ks_setfn fn, void *ud);
bool ks_fieldspec_matches(const ks_res *r, const ks_fieldspec *fs);

/* ------------------------------------------------------------ ks_transform.c */
int ks_tr_namespace(ks_resmap *m, const char *ns, const ks_fsslice *fss);
int ks_tr_prefix(ks_resmap *m, const char *prefix, const ks_fsslice *fss);
int ks_tr_suffix(ks_resmap *m, const char *suffix, const ks_fsslice *fss);
int ks_tr_labels(ks_resmap *m, json_object *labels, const ks_fsslice *fss);
int ks_tr_annotations(ks_resmap *m, json_object *annotations, const ks_fsslice *fss);
int ks_tr_image(ks_resmap *m, json_object *image, const ks_fsslice *fss);
int ks_tr_replicas(ks_resmap *m, json_object *replica, const ks_fsslice *fss);

/* ------------------------------------------------------------ misc modules */
char *ks_base64(const char *s, size_t n);
int ks_generate(const ks_loader *l, const ks_kust *k, ks_resmap *out);
int ks_hash_resource(ks_res *r, char out[11]);
int ks_parse_resources(const ks_ctx *ctx, const char *buf, size_t len, const char *fname, unsigned flags,
                       ks_resmap *out);
int ks_select(ks_resmap *m, json_object *sel, ks_resmap *out); /* out borrows */
int ks_run_psm(ks_resmap *m, const ks_loader *l, const ks_kust *k);
int ks_run_patches(ks_resmap *m, const ks_loader *l, const ks_kust *k);
int ks_run_json6902(ks_resmap *m, const ks_loader *l, const ks_kust *k);
int ks_json6902_parse(const char *text, size_t len, const fc_yaml_limits *lim, json_object **ops);
int ks_json6902_apply(json_object **doc, json_object *ops);
int ks_fix_name_references(ks_resmap *m, const ks_tconfig *tc);
void ks_smart_split(const char *path, ks_strv *out);
int ks_run_replacements(ks_resmap *m, const ks_loader *l, const ks_kust *k);
int ks_sort_resources(ks_resmap *m, json_object *sort_options, const char *kfile);

#endif
