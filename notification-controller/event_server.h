/*
 * event_server.h: the HTTP handler behind --events-addr (Flux's event
 * server): POST an event, get 202 (400 malformed, 413 too large, 429
 * duplicate within the rate-limit interval, 405 not a POST).
 *
 * The handler never waits on a Provider: matched notifications are queued to
 * the dispatcher and the request is answered at once. Its collaborators are
 * plain pointers and callbacks, so unit tests run the real handler on an
 * in-process server with fake Kubernetes access.
 */
#ifndef NC_EVENT_SERVER_H
#define NC_EVENT_SERVER_H
#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>
#include "alerts.h"
#include "dispatch.h"
#include "fc/httpd.h"
#include "ratelimit.h"

typedef struct nc_event_server {
    nc_ratelimit *rl;
    nc_alert_index *alerts;
    nc_dispatcher *disp;
    nc_labels_fn labels; /* involved object's labels for matchLabels */
    void *labels_arg;
    /* Kubernetes events on Alerts (SourceFetchFailed); may be NULL */
    void (*record)(void *arg, json_object *obj, const char *type, const char *reason, const char *message,
                   json_object *annotations);
    void *record_arg;
    bool exact_key; /* true: Flux's key verbatim; false (default): durations/timestamps ignored */
    /* counters (atomic) */
    uint64_t received, accepted, rate_limited, invalid, matched, discarded;
} nc_event_server;

void nc_event_server_handle(const fc_http_req *req, fc_http_resp *resp, void *arg);

#endif
