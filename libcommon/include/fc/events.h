/*
 * fc/events.h: the event recorder every controller uses.
 *
 * An event becomes (a) a Kubernetes core/v1 Event on the involved object
 * (repeats of the same event within 10 minutes bump the existing Event's
 * count instead of creating a new one), and (b) unless it is a Trace event,
 * a JSON POST to --events-addr in the notification-controller's format
 * (Flux's event v1beta1: involvedObject, severity, timestamp, message,
 * reason, metadata, reportingController, reportingInstance). Both happen on a
 * background thread fed by a bounded queue, so a slow API server or a dead
 * notification-controller never slows a reconcile; the POST uses a short
 * timeout, retries connection errors and 5xx twice, and never retries 429.
 */
#ifndef FC_EVENTS_H
#define FC_EVENTS_H
#include <json-c/json.h>
#include "fc/kube.h"

typedef struct fc_recorder fc_recorder;

#define FC_EVENT_NORMAL "Normal"
#define FC_EVENT_WARNING "Warning"
#define FC_EVENT_TRACE "Trace"

/* component: reporting controller name ("kustomize-controller");
 * events_addr: URL or NULL/"" for no notifications. */
fc_recorder *fc_recorder_new(fc_kube *k, const char *component, const char *events_addr);
/* Stop the sender after flushing what is queued (bounded wait). */
void fc_recorder_free(fc_recorder *r);
/* obj: the involved object (borrowed; only identity fields and
 * event.toolkit.fluxcd.io/ annotations are read). metadata: borrowed map of
 * controller metadata (keys like "<group>/revision"), may be NULL. */
void fc_recorder_event(fc_recorder *r, json_object *obj, const char *type, const char *reason, const char *message,
                       json_object *metadata);
/* Counters for tests/metrics. */
typedef struct fc_recorder_stats {
    unsigned long k8s_created, k8s_updated, k8s_failed, posted, post_failed, dropped;
} fc_recorder_stats;
void fc_recorder_get_stats(fc_recorder *r, fc_recorder_stats *out);
/* Block until the queue is empty (tests). */
void fc_recorder_flush(fc_recorder *r);

#endif
