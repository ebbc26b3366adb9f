/*
 * Helm template engine: public entry points. Renders charts exactly like
 * `helm template` (Helm 4); no Kubernetes client inside.
 *
 * Life of a render:
 *   ht_chart_load*()      chart directory or .tgz bytes -> ht_chart (capped)
 *   ht_values_*()         user values in Helm's order: -f documents, JSON
 *                         objects (HelmRelease spec.values), --set family
 *   ht_render()           coalesce, dependencies, schema, templates, sort
 *                         -> ht_release: manifests (install order), hooks
 *                         (events/weight/delete policies), NOTES, CRDs
 *   ht_release_template_output()  the exact `helm template` stdout
 *
 * Errors: functions return 0 or a negative FC_E* code and set the
 * thread-local error (fc_err_msg) to the message Helm would print, e.g.
 * "execution error at (mychart/templates/x.yaml:3:4): image is required".
 * All objects are independent: a chart can be rendered many times and from
 * several threads at once.
 */
#ifndef HT_HELMTEMPLATE_H
#define HT_HELMTEMPLATE_H
#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>

/* Helm 4.3 builds against client-go v0.37: its default KubeVersion */
#define HT_DEFAULT_KUBE_VERSION "v1.37.0"
#define HT_HELM_VERSION "v4.3.1"

/* ------------------------------------------------------------- charts */

typedef struct ht_chart ht_chart;

typedef struct ht_load_limits {
    size_t max_archive_bytes;  /* compressed .tgz (0 = 64 MiB) */
    size_t max_total_bytes;    /* decompressed chart incl. subcharts (0 = 100 MiB, Helm's) */
    size_t max_file_bytes;     /* one file (0 = 5 MiB, Helm's) */
    size_t max_files;          /* files in one chart (0 = 20000) */
    unsigned max_depth;        /* nesting of subcharts (0 = 32) */
} ht_load_limits;

/* Load from a directory (honouring .helmignore) or a .tgz file. */
int ht_chart_load(const char *path, const ht_load_limits *lim, ht_chart **out);
int ht_chart_load_dir(const char *dir, const ht_load_limits *lim, ht_chart **out);
int ht_chart_load_archive(const void *tgz, size_t len, const ht_load_limits *lim, ht_chart **out);
void ht_chart_free(ht_chart *c);
const char *ht_chart_name(const ht_chart *c);
const char *ht_chart_version(const ht_chart *c);
const char *ht_chart_app_version(const ht_chart *c); /* "" when unset */
const char *ht_chart_type(const ht_chart *c);        /* "", "application", "library" */
/* Helm's checks before installing: library charts are not installable and
 * every dependency in Chart.yaml must be present in charts/ */
int ht_chart_check_installable(const ht_chart *c);

/* ------------------------------------------------------------- values */

typedef struct ht_values ht_values;

typedef enum {
    HT_VALUES_SET,         /* --set a.b=1,c[0]=x   (typed: ints, bools, null) */
    HT_VALUES_SET_STRING,  /* --set-string         (everything a string) */
    HT_VALUES_SET_JSON,    /* --set-json a={"b":1} */
    HT_VALUES_SET_LITERAL, /* --set-literal a=x,y  (value taken verbatim) */
} ht_set_kind;

ht_values *ht_values_new(void);
void ht_values_free(ht_values *v);
/* a YAML values file (-f); name is used in error messages */
int ht_values_add_yaml(ht_values *v, const char *buf, size_t len, const char *name);
/* a JSON object (e.g. HelmRelease spec.values); numbers become float64 */
int ht_values_add_json(ht_values *v, json_object *obj);
/* one --set style expression */
int ht_values_add_set(ht_values *v, ht_set_kind kind, const char *expr);

/* ------------------------------------------------------------- render */

typedef struct ht_render_opts {
    const char *release_name;   /* default "release-name" */
    const char *namespace_;     /* default "default" */
    int revision;               /* default 1 */
    bool is_upgrade;            /* .Release.IsUpgrade (IsInstall = !is_upgrade) */
    const char *kube_version;   /* default HT_DEFAULT_KUBE_VERSION */
    const char *const *api_versions; /* added to the default set */
    size_t n_api_versions;
    bool skip_schema_validation;
    bool sub_notes;             /* render subcharts' NOTES.txt too */
    bool enable_dns;            /* getHostByName resolves (off: "") */
    size_t max_output_bytes;    /* per rendered file (0 = 64 MiB) */
    size_t max_memory_bytes;    /* render arena (0 = 1 GiB) */
    bool skip_values;           /* leave ht_release.values NULL (saves a copy) */
} ht_render_opts;

typedef struct ht_manifest {
    char *path;        /* "# Source:" path */
    char *content;
    char *api_version, *kind, *name; /* from the document head ("" if absent) */
} ht_manifest;

typedef struct ht_hook {
    char *path, *name, *kind, *manifest;
    char **events;          /* "pre-install", "post-install", "test", ... */
    size_t nevents;
    int weight;
    char **delete_policies; /* "before-hook-creation", "hook-succeeded", ... */
    size_t ndelete_policies;
    char **output_log_policies;
    size_t noutput_log_policies;
} ht_hook;

typedef struct ht_crd {
    char *filename; /* chartpath/crds/x.yaml */
    char *content;
} ht_crd;

typedef struct ht_release {
    ht_manifest *manifests; /* install order */
    size_t nmanifests;
    ht_hook *hooks;         /* sorted by kind, as Helm stores them */
    size_t nhooks;
    ht_crd *crds;
    size_t ncrds;
    char *notes;            /* rendered NOTES.txt ("" if none) */
    char *manifest;         /* release.Manifest: "---\n# Source: p\n<doc>\n"... */
    json_object *values;    /* the computed values (.Values); NULL with skip_values */
} ht_release;

int ht_render(const ht_chart *chart, const ht_values *values, const ht_render_opts *opts, ht_release **out);
/* The last ht_render error of this thread in full (fc_err_msg() is capped
 * at FC_ERR_MSG_MAX); the code is FC_EINVALID when rendering itself failed
 * (Helm then adds "Use --debug flag ..."), another FC_E* code before. */
const char *ht_last_error(void);
void ht_release_free(ht_release *r);
/* What `helm template` prints on stdout (malloc'd, NUL-terminated). */
char *ht_release_template_output(const ht_release *r, bool include_crds, bool skip_tests, size_t *len);

/* The user values merged in Helm's order (-f documents, JSON objects, the
 * --set family) before chart defaults are coalesced in; new reference. */
int ht_values_merged(const ht_values *v, json_object **out);

/* ------------------------------------------------------------- one template */

typedef struct ht_eval_opts {
    bool strict;             /* missingkey=error */
    size_t max_output_bytes; /* 0 = 64 MiB */
    size_t max_memory_bytes; /* 0 = 256 MiB */
} ht_eval_opts;

/* Parse `text` as template `name` with Helm's function map (include, tpl,
 * required, fail work; there is no .Chart/.Files/.Capabilities) and execute
 * it with `dot` (JSON; numbers become float64 as in values) as data. The
 * output is raw text/template output ("<no value>" is not stripped).
 * Errors in Go's format ("template: NAME:LINE:COL: ...") via ht_last_error. */
int ht_template_eval(const char *name, const char *text, size_t len, json_object *dot, const ht_eval_opts *opts,
                     char **out);

/* `helm-controller template NAME CHART [flags]`: argv[0] is "template". */
int ht_template_cli(int argc, char **argv);

#endif
