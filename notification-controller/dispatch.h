/*
 * dispatch.h: from (event, matched Alert) to a delivery in the sender.
 *
 * The event server only enqueues jobs (bounded, never blocking); a few
 * worker threads do the part that may wait on the API server - reading the
 * Provider and its Secrets - then build the payload and hand it to the
 * sender, which does the network I/O asynchronously. Failures of either half
 * become a Warning event NotificationDispatchFailed on the Alert, with every
 * secret value masked, and an error log line (also masked).
 *
 * All Kubernetes access goes through the callbacks in nc_dispatch_deps, so
 * the whole pipeline is unit-tested with fakes and an in-process sink.
 */
#ifndef NC_DISPATCH_H
#define NC_DISPATCH_H
#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>
#include "alerts.h"
#include "event.h"
#include "notifier.h"
#include "sender.h"

typedef struct nc_dispatch_deps {
    /* Deep copy of the Provider object, or NULL when it does not exist. */
    json_object *(*get_provider)(void *arg, const char *ns, const char *name);
    /* 0 and a deep copy of the Secret, or <0 with the last error set. */
    int (*get_secret)(void *arg, const char *ns, const char *name, json_object **out);
    /* Record a Kubernetes event on obj (borrowed); annotations may be NULL. */
    void (*record)(void *arg, json_object *obj, const char *type, const char *reason, const char *message,
                   json_object *annotations);
    void *arg;
} nc_dispatch_deps;

typedef struct nc_dispatch_opts {
    nc_dispatch_deps deps;
    bool no_cross_namespace_refs;
    int workers;          /* default 4 */
    size_t max_jobs;      /* queued jobs, default 50000 */
    nc_sender_opts sender; /* done/arg are set by the dispatcher */
} nc_dispatch_opts;

typedef struct nc_dispatch_stats {
    uint64_t jobs, dropped_jobs, skipped, failed_prepare, delivered, failed_delivery, dropped_deliveries;
} nc_dispatch_stats;

typedef struct nc_dispatcher nc_dispatcher;

nc_dispatcher *nc_dispatcher_new(const nc_dispatch_opts *o);
/* Queue one notification: takes ownership of e and of one reference to a.
 * Never blocks; FC_ETOOBIG when the queue is full (both released). */
int nc_dispatcher_submit(nc_dispatcher *d, nc_event *e, nc_alert *a);
/* Wait until no job is queued, being prepared or being sent (tests). */
int nc_dispatcher_wait_idle(nc_dispatcher *d, int64_t timeout_ns);
void nc_dispatcher_get_stats(nc_dispatcher *d, nc_dispatch_stats *out);
void nc_dispatcher_free(nc_dispatcher *d);

/* Resolve a Provider object and its Secrets into a delivery configuration
 * (exposed for tests). On error returns NULL with the last error set. */
nc_provider_cfg *nc_provider_resolve(json_object *provider, const nc_dispatch_deps *deps);
/* Flux's default commit status context: "<kind>/<name>/<provider uid first
 * segment>", lower-cased. */
char *nc_default_commit_status(const char *provider_uid, const nc_event *e);

#endif
