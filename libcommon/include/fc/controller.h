/*
 * fc/controller.h: the controller manager and the shared reconcile driver.
 *
 * A binary declares its kinds as fc_kind tables and calls fc_manager_run().
 * The manager parses the common Flux flags, connects to the API server,
 * starts an informer + workqueue + N workers per kind (after winning leader
 * election when enabled), serves /metrics, /healthz and /readyz, and shuts
 * down gracefully on SIGTERM/SIGINT (in-flight reconciles finish, the lease
 * is released).
 *
 * The driver implements Flux's reconcile contract for every kind:
 *   1. get the object from the cache (gone -> forget);
 *   2. deletion: kind->finalize, then remove finalizer finalizers.fluxcd.io;
 *   3. add the finalizer if missing; spec.suspend -> stop here;
 *   4. kind->reconcile runs the kind's steps and returns an fc_result;
 *   5. finish (only here): Reconciling/Stalled/Ready by Flux's rules,
 *      observedGeneration, lastHandledReconcileAt, status merge patch,
 *      duration metrics, and the mapping of the result onto the queue
 *      (interval with jitter, fixed requeue, exponential backoff, none).
 */
#ifndef FC_CONTROLLER_H
#define FC_CONTROLLER_H
#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>
#include "fc/discovery.h"
#include "fc/events.h"
#include "fc/flags.h"
#include "fc/informer.h"
#include "fc/kube.h"
#include "fc/log.h"
#include "fc/loop.h"
#include "fc/workqueue.h"

#define FC_FINALIZER "finalizers.fluxcd.io"
#define FC_ANN_REQUESTED_AT "reconcile.fluxcd.io/requestedAt"

typedef struct fc_manager fc_manager;
typedef struct fc_controller fc_controller;
typedef struct fc_rctx fc_rctx;

typedef enum {
    FC_RESULT_SUCCESS, /* requeue after `after` or spec.interval (jittered) */
    FC_RESULT_REQUEUE, /* not a failure; come back after `after` */
    FC_RESULT_ERROR,   /* failure: retry after `after`, or exponential backoff when 0 */
    FC_RESULT_STALLED, /* terminal until the spec changes: no requeue */
} fc_result_kind;

typedef struct fc_result {
    fc_result_kind kind;
    int64_t after; /* ns */
} fc_result;

static inline fc_result fc_success(void) { return (fc_result){FC_RESULT_SUCCESS, 0}; }
static inline fc_result fc_requeue(int64_t after) { return (fc_result){FC_RESULT_REQUEUE, after}; }
static inline fc_result fc_retry(int64_t after) { return (fc_result){FC_RESULT_ERROR, after}; }
static inline fc_result fc_stalled(void) { return (fc_result){FC_RESULT_STALLED, 0}; }

typedef struct fc_kind {
    fc_resource res;             /* group, version, resource, kind */
    const char *controller_name; /* log name, e.g. "gitrepository" */
    const char *field_owner;     /* field manager of status patches */
    /* Ready is summarised from these (priority order) when set; otherwise
     * the reconciler sets Ready itself. */
    const char *const *ready_from;
    const char *const *negative_polarity;
    fc_result (*reconcile)(fc_rctx *r);
    fc_result (*finalize)(fc_rctx *r);  /* NULL: nothing to clean up */
    bool finalize_when_suspended;       /* sources garbage-collect even when suspended */
    bool no_status;                     /* kind has no status subresource */
    /* Called once after the kind's informer exists, to add watches. */
    int (*setup)(fc_controller *c);
    void *user;                         /* controller-wide state */
} fc_kind;

/* Per-reconcile context handed to kind->reconcile/finalize. */
struct fc_rctx {
    fc_controller *ctrl;
    fc_manager *mgr;
    fc_kube *kube;
    json_object *obj;    /* working copy; the reconciler edits its status */
    const char *ns, *name;
    int64_t generation;
    void *user;          /* kind->user */
    fc_log_ctx log;
    char reconcile_id[40];
    /* failure summary used for Ready/Stalled when the kind does not
     * summarise (set with fc_rctx_fail) */
    char *fail_reason, *fail_message;
    /* internal */
    json_object *patched_status;
    int64_t started;
};

/* Record the failure reason/message (used for Ready=False or Stalled). */
void fc_rctx_fail(fc_rctx *r, const char *reason, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Mark Reconciling=True/Progressing and Ready=Unknown with msg, and patch
 * status now so `kubectl get` shows progress. */
int fc_rctx_progressing(fc_rctx *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Patch the current status now (intermediate progress). */
int fc_rctx_patch_status(fc_rctx *r);
/* Record an event on the object (k8s Event + notification unless Trace). */
void fc_rctx_event(fc_rctx *r, const char *type, const char *reason, json_object *metadata, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
/* spec.interval in ns (0 if absent/invalid). */
int64_t fc_rctx_interval(fc_rctx *r);

/* ---------------------------------------------------------------- manager */

typedef struct fc_manager_opts {
    const char *name;      /* binary name, e.g. "source-controller" */
    const char *summary;   /* one-line description for --help */
    const fc_flag *flags;  /* controller-specific flags */
    const fc_kind *const *kinds; /* NULL-terminated */
    int default_concurrent;
    /* Called after flags are parsed and the client exists, before
     * informers start (open storage, start servers...). Non-zero aborts. */
    int (*on_init)(fc_manager *m, void *arg);
    /* Called once leadership is acquired (or at start without election),
     * before workers start (e.g. start the artifact server). */
    int (*on_leading)(fc_manager *m, void *arg);
    /* Called on shutdown after workers stopped. */
    void (*on_shutdown)(fc_manager *m, void *arg);
    void *arg;
} fc_manager_opts;

/* Parse flags, run until SIGTERM/SIGINT. Returns the process exit status. */
int fc_manager_run(const fc_manager_opts *o, int argc, char **argv);

fc_kube *fc_manager_kube(fc_manager *m);
fc_mapper *fc_manager_mapper(fc_manager *m);
fc_loop *fc_manager_loop(fc_manager *m);
fc_recorder *fc_manager_recorder(fc_manager *m);
const char *fc_manager_name(fc_manager *m);
/* Namespace the controller runs in ($RUNTIME_NAMESPACE, default flux-system). */
const char *fc_manager_runtime_ns(fc_manager *m);
/* Common flag values. */
int64_t fc_manager_requeue_dependency(fc_manager *m);
bool fc_manager_no_cross_ns_refs(fc_manager *m);
const char *fc_manager_default_sa(fc_manager *m);
const char *fc_manager_events_addr(fc_manager *m);
/* --watch-configs-label-selector: the ConfigMaps/Secrets whose changes
 * re-reconcile the objects referencing them (NULL when set empty). */
const char *fc_manager_watch_configs_selector(fc_manager *m);
bool fc_manager_feature(fc_manager *m, const char *gate, bool def);
/* The controller of a kind, by kind name. */
fc_controller *fc_manager_controller(fc_manager *m, const char *kind);
/* A shared informer for another resource (created and started on first use;
 * namespace scoping follows --watch-all-namespaces). */
fc_informer *fc_manager_informer(fc_manager *m, const fc_resource *r, const char *label_selector);

fc_informer *fc_controller_informer(fc_controller *c);
fc_manager *fc_controller_manager(fc_controller *c);
const fc_kind *fc_controller_kind(fc_controller *c);
void fc_controller_enqueue(fc_controller *c, const char *ns, const char *name);
void fc_controller_enqueue_after(fc_controller *c, const char *ns, const char *name, int64_t delay_ns);

/* Interval with Flux's jitter (+/- --interval-jitter-percentage). */
int64_t fc_manager_jitter(fc_manager *m, int64_t interval_ns);

#endif
