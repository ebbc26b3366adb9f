/*
 * render_int.h: the chart model and the render pipeline's internal API,
 * shared by chart.c (loading), values.c (coalescing, dependencies),
 * strvals.c (--set), schema.c (values.schema.json), render.c (templates)
 * and manifest.c (sorting, hooks, output).
 */
#ifndef HT_RENDER_INT_H
#define HT_RENDER_INT_H
#include "ht_internal.h"
#include "helmtemplate.h"
#include <json-c/json.h>

/* ------------------------------------------------------------- loaded chart */

typedef struct ht_cfile {
    char *name; /* path inside the chart, '/'-separated */
    char *data;
    size_t len;
} ht_cfile;

typedef struct ht_cdep {
    char *name, *version, *repository, *condition, *alias;
    char **tags;
    size_t ntags;
    bool enabled;
    json_object *import_values; /* array or NULL */
    void *import_out;           /* render side: ht_val* of the processed list */
} ht_cdep;

typedef struct ht_maint {
    char *name, *email, *url;
} ht_maint;

typedef struct ht_cmeta {
    char *name, *home, *version, *description, *icon, *api_version, *condition, *tags, *app_version, *kube_version,
        *type;
    char **sources;
    size_t nsources;
    char **keywords;
    size_t nkeywords;
    ht_maint *maintainers;
    size_t nmaintainers;
    bool deprecated;
    json_object *annotations; /* object of strings, NULL when absent */
    ht_cdep *deps;
    size_t ndeps;
} ht_cmeta;

struct ht_chart {
    ht_cmeta meta;
    json_object *values; /* values.yaml (documents merged); never NULL */
    char *schema;
    size_t schema_len;
    ht_cfile *templates;
    size_t ntemplates;
    ht_cfile *files; /* everything else (crds/, README, ...) */
    size_t nfiles;
    struct ht_chart **deps; /* subcharts from charts/ */
    size_t ndeps;
};

/* ------------------------------------------------------------- capabilities */

typedef struct ht_kube_version {
    char version[64];    /* as given, "v" prefixed */
    char normalized[64]; /* vMAJOR.MINOR.PATCH */
    char major[16], minor[16];
} ht_kube_version;

typedef struct ht_helm_version {
    char version[32], git_commit[48], git_tree_state[16], go_version[32], kube_client_version[16];
} ht_helm_version;

typedef struct ht_capabilities {
    ht_kube_version kube;
    const char **api_versions;
    size_t napi;
    ht_helm_version helm;
} ht_capabilities;

extern const ht_class ht_capabilities_class, ht_kube_version_class, ht_helm_version_class;

/* parse a Kubernetes version like k8s.io/apimachinery ParseGeneric */
int ht_kube_version_parse(const char *s, ht_kube_version *out);

/* ------------------------------------------------------------- render chart */

/* The chart as one render sees it: alias applied, disabled dependencies
 * removed, values replaced by import-values processing. Arena-allocated. */
typedef struct ht_rchart {
    const ht_chart *src;
    const char *name;      /* metadata name (alias applied) */
    ht_val values;         /* chart default values (map) */
    ht_cdep *reqs;         /* metadata dependencies (copies) */
    size_t nreqs;
    bool reqs_nil;
    struct ht_rchart **deps;
    size_t ndeps;
    struct ht_rchart *parent;
} ht_rchart;

ht_rchart *ht_rchart_build(ht_ctx *cx, const ht_chart *c, ht_rchart *parent);
const char *ht_rchart_full_path(ht_ctx *cx, const ht_rchart *c);

/* sigs.k8s.io/yaml into a Go string field: strings as they are, numbers and
 * bools converted to text (floats with float32 precision), null -> false
 * (leave the field alone); false for objects and arrays (a type error) */
bool ht_yaml_string_coerce(json_object *v, char **out, bool *is_null);

/* chart.c: Helm's loader.LoadValues (documents merged); fc error without prefix */
int ht_values_parse(const char *data, size_t len, json_object **out);

/* values.c */
ht_val ht_coalesce_values(ht_ctx *cx, ht_rchart *c, ht_val vals, bool merge);
int ht_process_dependencies(ht_ctx *cx, ht_rchart *c, ht_val vals);
bool ht_is_compatible_range(const char *constraint, const char *version);
ht_val ht_values_table(ht_val v, const char *path, bool *ok);

/* strvals.c: Helm's --set parser into an existing map */
enum { HT_SET_AUTO, HT_SET_STRING, HT_SET_JSON, HT_SET_LITERAL, HT_SET_FILE };
int ht_strvals_parse_into(ht_ctx *cx, const char *s, size_t n, ht_val dest, int mode);
/* Helm's MergeMaps for -f documents */
ht_val ht_merge_maps(ht_ctx *cx, ht_val a, ht_val b);

/* schema.c: values.schema.json validation; -1 with Helm's message in cx */
int ht_validate_schemas(ht_ctx *cx, ht_rchart *c, ht_val values);

/* funcs_helm.c */
ht_val ht_strip_no_value(ht_ctx *cx, ht_val s);
bool ht_glob_match(const char *pat, size_t pn, const char *s, size_t sn);

/* manifest.c: split, sort and classify the rendered files */
typedef struct ht_rendered {
    const char *name;
    ht_val content;
} ht_rendered;
/* heads of rendered documents read on a helper thread while rendering goes on */
typedef struct ht_heads ht_heads;
ht_heads *ht_heads_start(size_t max_files);
void ht_heads_feed(ht_heads *h, const char *name, const char *text, size_t len);
void ht_heads_free(void *h); /* joins the helper; NULL-safe (a cleanup function) */
int ht_sort_manifests(ht_ctx *cx, ht_rendered *files, size_t n, ht_release *rel, ht_heads *pre);

#endif
