/*
 * fc/kube.h: a Kubernetes REST client over libcurl.
 *
 * One fc_kube per API server and identity; it is thread-safe. Requests borrow
 * a curl easy handle from a small pool so connections (and TLS sessions) are
 * reused across calls and threads. A client-side token bucket enforces
 * --kube-api-qps/--kube-api-burst. Non-2xx answers become the thread's last
 * error with the HTTP status and the Status object's reason and message kept
 * intact (fc_err_last()).
 *
 * fc_kube_impersonate() derives a client that shares the pool, limiter and
 * credentials but sends Impersonate-User/Impersonate-Group headers (used for
 * spec.serviceAccountName).
 */
#ifndef FC_KUBE_H
#define FC_KUBE_H
#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <curl/curl.h>
#include "fc/buf.h"
#include "fc/kubeconfig.h"

typedef struct fc_kube fc_kube;

typedef struct fc_kube_opts {
    double qps;          /* 0 = 50 */
    int burst;           /* 0 = 300 */
    const char *user_agent;
    long timeout_ms;     /* default per-request timeout, 0 = 30 s */
} fc_kube_opts;

fc_kube *fc_kube_new(const fc_kube_config *cfg, const fc_kube_opts *opts);
/* A client acting as user (and groups) through impersonation. */
fc_kube *fc_kube_impersonate(fc_kube *base, const char *user, const char *const *groups);
void fc_kube_free(fc_kube *k);
const fc_kube_config *fc_kube_config_of(fc_kube *k);

/* A resource addressed the REST way. */
typedef struct fc_resource {
    const char *group;    /* "" for core */
    const char *version;
    const char *resource; /* plural, e.g. "gitrepositories" */
    const char *kind;
    bool namespaced;
} fc_resource;

typedef struct fc_kube_req {
    const char *method;       /* GET, POST, PUT, PATCH, DELETE */
    const char *path;         /* absolute path with query, already escaped */
    const char *content_type; /* of body */
    const char *body;
    size_t body_len;
    const char *accept;       /* default application/json */
    long timeout_ms;          /* 0 = client default */
    size_t max_response;      /* 0 = 64 MiB */
} fc_kube_req;

/* Raw request. Returns 0 on 2xx with the body in resp; otherwise a negative
 * code with the API error recorded; *status is the HTTP status (0 if none). */
int fc_kube_do(fc_kube *k, const fc_kube_req *req, long *status, fc_buf *resp);

/* Path of a collection or object: /api/v1/namespaces/ns/pods/name/status. */
int fc_kube_path(fc_buf *out, const fc_resource *r, const char *ns, const char *name, const char *subresource);
/* URL-escape one query/path component into out. */
void fc_kube_escape(fc_buf *out, const char *s);

int fc_kube_get(fc_kube *k, const fc_resource *r, const char *ns, const char *name, json_object **out);

typedef struct fc_list_opts {
    const char *label_selector;
    const char *field_selector;
    int64_t limit;        /* page size; 0 = 500 */
} fc_list_opts;
/* List all pages: *items is a json array; *resource_version (malloc'd) is
 * the list's resourceVersion, usable to start a watch. */
int fc_kube_list(fc_kube *k, const fc_resource *r, const char *ns, const fc_list_opts *o, json_object **items,
                 char **resource_version);

int fc_kube_create(fc_kube *k, const fc_resource *r, const char *ns, json_object *obj, json_object **out);
int fc_kube_update(fc_kube *k, const fc_resource *r, const char *ns, json_object *obj, json_object **out);
int fc_kube_update_status(fc_kube *k, const fc_resource *r, const char *ns, json_object *obj, json_object **out);
/* propagation: NULL, "Background", "Foreground" or "Orphan". */
int fc_kube_delete(fc_kube *k, const fc_resource *r, const char *ns, const char *name, const char *propagation);

typedef enum { FC_PATCH_MERGE, FC_PATCH_JSON, FC_PATCH_STRATEGIC } fc_patch_type;
/* subresource: NULL or "status". field_manager may be NULL. */
int fc_kube_patch(fc_kube *k, const fc_resource *r, const char *ns, const char *name, const char *subresource,
                  fc_patch_type type, const char *patch, const char *field_manager, json_object **out);

typedef struct fc_apply_opts {
    const char *field_manager; /* required */
    bool force;
    bool dry_run;
    const char *subresource;   /* NULL or "status" */
} fc_apply_opts;
/* Server-side apply of obj (its name/namespace are used). */
int fc_kube_apply(fc_kube *k, const fc_resource *r, json_object *obj, const fc_apply_opts *o, json_object **out);

/* get -> mutate -> update, re-reading and retrying on 409 Conflict (up to
 * `attempts` times). mutate returns 0 to update, 1 for "nothing to do", <0 to
 * abort. */
typedef int (*fc_mutate_fn)(json_object *obj, void *arg);
int fc_kube_update_retry(fc_kube *k, const fc_resource *r, const char *ns, const char *name, const char *subresource,
                         fc_mutate_fn mutate, void *arg, int attempts, json_object **out);

/* Statistics (for metrics). */
typedef struct fc_kube_stats {
    uint64_t requests;
    uint64_t by_class[6]; /* 0: transport error, 1..5: 1xx..5xx */
    uint64_t throttled_ns;
} fc_kube_stats;
void fc_kube_get_stats(fc_kube *k, fc_kube_stats *out);

/* Configure a curl easy handle for this client's server, TLS and
 * credentials (used by the watch machinery); returns the header list the
 * caller must free with curl_slist_free_all after the transfer. */
int fc_kube_setup_handle(fc_kube *k, CURL *h, struct curl_slist **headers);
/* Record an error response (status + body) as the last error. */
int fc_kube_record_error(long status, const char *body, size_t len, const char *what);
/* Wait for the client-side rate limiter. */
void fc_kube_throttle(fc_kube *k);

#endif
