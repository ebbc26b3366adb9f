/*
 * event.h: the event the controllers POST to the event server (Flux's
 * fluxcd/pkg/apis/event v1beta1 Event), parsed into a plain struct.
 *
 * nc_event_parse() validates exactly what Go's json.Unmarshal into the Go
 * struct would reject (wrong types, bad timestamp) plus the fields the event
 * server needs (involvedObject kind, name and namespace), so every bad input
 * gets one clear error. Metadata is kept as an array sorted by key, which is
 * both the order Go's encoder writes maps in and what the payload builders
 * want (stable Slack fields, Teams facts, ...).
 */
#ifndef NC_EVENT_H
#define NC_EVENT_H
#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "fc/buf.h"

#define NC_EVENT_GROUP "event.toolkit.fluxcd.io"
#define NC_SEVERITY_INFO "info"
#define NC_SEVERITY_ERROR "error"
#define NC_SEVERITY_TRACE "trace"
/* Largest request body the event and receiver servers read (Flux: 3 MiB). */
#define NC_MAX_BODY (3u * 1024 * 1024)

typedef struct nc_kv {
    char *key, *value;
} nc_kv;

typedef struct nc_event {
    /* involvedObject (corev1.ObjectReference) */
    char *kind, *ns, *name, *uid, *api_version, *resource_version, *field_path;
    char *severity, *message, *reason, *reporting_controller, *reporting_instance;
    int64_t timestamp; /* unix seconds; 0 = absent (Go's zero time) */
    bool has_timestamp;
    nc_kv *meta; /* sorted by key */
    size_t nmeta;
} nc_event;

/* Parse and validate an event body. On error the last error says why
 * (FC_EINVAL). */
int nc_event_parse(const char *buf, size_t len, nc_event **out);
void nc_event_free(nc_event *e);
nc_event *nc_event_copy(const nc_event *e);

/* Metadata access (keys compared exactly). */
const char *nc_event_meta_get(const nc_event *e, const char *key);
void nc_event_meta_set(nc_event *e, const char *key, const char *value);
void nc_event_meta_del(nc_event *e, const char *key);
void nc_event_meta_clear(nc_event *e);

/* API group of the involved object ("kustomize.toolkit.fluxcd.io"; "" for
 * core objects), borrowed from a static-per-event buffer. */
void nc_event_group(const nc_event *e, char *out, size_t n);

/* Flux's cleanupMetadata: keep only keys prefixed with the event group or
 * the object's group, minus <group>/checksum and <group>/digest. */
void nc_event_cleanup_metadata(nc_event *e);
/* Drop <group>/token (after rate limiting, before dispatch). */
void nc_event_drop_token(nc_event *e);
/* Whether <group>/commit_status is "update". */
bool nc_event_is_commit_status_update(const nc_event *e);

/* The rate-limit / dedup key: sha256 hex of Flux's EventKey components
 * (name, namespace, kind, message, then originRevision, revision and token
 * metadata when present). With normalize, durations and timestamps inside
 * the message are replaced by placeholders first (nc_message_normalize).
 * out must hold 65 bytes. */
void nc_event_key(const nc_event *e, bool normalize, char out[65]);
/* Replace Go duration strings ("1.234s", "2m0s", "150ms") and timestamps
 * (RFC 3339 and Go's time.String form) by "<duration>" / "<time>". */
void nc_message_normalize(const char *msg, fc_buf *out);

/* The event as Flux serialises it (field order of the Go struct, metadata
 * keys sorted, timestamp RFC 3339 UTC or null). */
json_object *nc_event_to_json(const nc_event *e);
char *nc_event_dump(const nc_event *e);

/* "<kind lower>/<name>.<namespace>" (Slack author, Teams title, ...). */
char *nc_event_obj_name(const nc_event *e);
/* RFC 3339 UTC of the event time (or "0001-01-01T00:00:00Z"). */
void nc_event_time(const nc_event *e, char out[32]);

/* Flux's combineEventMetadata (RFC 0008 precedence, low to high):
 * event.toolkit.fluxcd.io/ keys stripped, alert eventMetadata, alert summary
 * as "summary", <object group>/ keys stripped. Keys set by more than one source are
 * reported in *conflicts (malloc'd "key: source, source; ..." text, NULL when
 * none). eventMetadata is a json object of strings (may be NULL). */
void nc_event_combine_metadata(nc_event *e, json_object *event_metadata, const char *summary, char **conflicts);

/* The revision the git providers report: metadata originRevision, else
 * revision (after combining). NULL when absent. */
const char *nc_event_revision(const nc_event *e);

#endif
