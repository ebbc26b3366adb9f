/*
 * alerts.h: the Alert index the event server matches events against.
 *
 * Alerts are compiled once, when the informer reports them (sources parsed,
 * regexes compiled, eventMetadata copied into plain strings), and kept in a
 * read-mostly index; matching an event is then a loop over compiled structs
 * with no JSON and no regex compilation on the hot path. A matched alert is
 * handed out with a reference count, so an update or delete of the Alert
 * while its notifications are being sent frees nothing still in use.
 */
#ifndef NC_ALERTS_H
#define NC_ALERTS_H
#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include "event.h"
#include "fc/regex.h"

typedef struct nc_source {
    char *kind, *name, *ns; /* ns defaults to the Alert's namespace */
    nc_kv *labels;          /* matchLabels, NULL when absent */
    size_t nlabels;
    bool has_labels;
} nc_source;

typedef struct nc_pattern {
    char *text;
    fc_regex *re; /* NULL when the pattern did not compile */
} nc_pattern;

typedef struct nc_alert {
    int refs;
    char *ns, *name, *uid, *api_version, *resource_version;
    char *provider;
    char *severity; /* "info" (default) or "error" */
    bool suspend;
    nc_source *sources;
    size_t nsources;
    nc_pattern *incl, *excl;
    size_t nincl, nexcl;
    nc_kv *event_metadata;
    size_t nevent_metadata;
    char *summary;
    char *invalid; /* compile problems (regexes), NULL when none */
} nc_alert;

/* Compile an Alert object (v1beta3 shape). Never fails on bad regexes: they
 * are kept uncompiled and reported in ->invalid, and behave like Flux's
 * (an inclusion that does not compile never matches, an exclusion that does
 * not compile excludes nothing). */
nc_alert *nc_alert_compile(json_object *obj);
void nc_alert_ref(nc_alert *a);
void nc_alert_unref(nc_alert *a);
/* A minimal object for recording Kubernetes events on the Alert. */
json_object *nc_alert_event_ref(const nc_alert *a);
/* eventMetadata as a json object of strings (new reference). */
json_object *nc_alert_event_metadata(const nc_alert *a);

/* Labels of the event's involved object for matchLabels: return 0 and a new
 * json object (the labels map, possibly empty), or <0 when the object cannot
 * be read. */
typedef int (*nc_labels_fn)(void *arg, const nc_event *e, json_object **labels);

typedef enum { NC_MATCH_NO = 0, NC_MATCH_YES = 1, NC_MATCH_SOURCE_FAILED = 2 } nc_match_result;

/* Flux's filterAlertsForEvent for one alert: not suspended, some source
 * matches (kind, namespace, severity, name or '*', matchLabels), inclusion
 * list matches (when set), exclusion list does not. labels_cache holds the
 * fetched labels across alerts for one event (start with NULL; the caller
 * puts it). */
nc_match_result nc_alert_match(const nc_alert *a, const nc_event *e, nc_labels_fn labels, void *arg,
                               json_object **labels_cache, int *labels_state);

typedef struct nc_alert_index nc_alert_index;

nc_alert_index *nc_alert_index_new(void);
void nc_alert_index_free(nc_alert_index *ix);
/* Insert or replace (by namespace/name); takes ownership of a. */
void nc_alert_index_put(nc_alert_index *ix, nc_alert *a);
void nc_alert_index_del(nc_alert_index *ix, const char *ns, const char *name);
size_t nc_alert_index_len(nc_alert_index *ix);
/* Every alert in the index, referenced (unref each, free the array). */
nc_alert **nc_alert_index_snapshot(nc_alert_index *ix, size_t *n);

#endif
