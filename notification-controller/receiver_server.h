/*
 * receiver_server.h: the webhook server behind --receiverAddr and the
 * Receiver reconciler.
 *
 * The handler looks the request path up among Receivers' status.webhookPath
 * (404 when unknown), refuses suspended or not-Ready Receivers (503),
 * validates the call for the Receiver's type (401/400, receiver.h) and then
 * annotates every resource in spec.resources with
 * reconcile.fluxcd.io/requestedAt (500 when one of them fails, 200 when all
 * succeed). Kubernetes access goes through callbacks so the handler is unit
 * tested with fakes.
 */
#ifndef NC_RECEIVER_SERVER_H
#define NC_RECEIVER_SERVER_H
#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>
#include "fc/controller.h"
#include "fc/httpd.h"

typedef struct nc_receiver_server {
    /* The Receiver whose status.webhookPath is path (deep copy) or NULL. */
    json_object *(*find)(void *arg, const char *path);
    /* 0 and a deep copy of the Secret, or <0. */
    int (*get_secret)(void *arg, const char *ns, const char *name, json_object **out);
    /* Set reconcile.fluxcd.io/requestedAt=value on one object (name) or on
     * every object matching labels (name "*"). Returns the number annotated
     * (>= 0) or <0 with err filled. */
    int (*annotate)(void *arg, const char *api_version, const char *kind, const char *ns, const char *name,
                    json_object *match_labels, const char *value, char *err, size_t errn);
    void *arg;
    bool no_cross_namespace_refs;
    uint64_t requests, accepted, rejected, not_found; /* atomic counters */
} nc_receiver_server;

void nc_receiver_server_handle(const fc_http_req *req, fc_http_resp *resp, void *arg);

/* The Receiver kind's reconcile: reads the token Secret, publishes
 * status.webhookPath and Ready. kind->user must point to an
 * nc_receiver_server (for get_secret). */
fc_result nc_receiver_reconcile(fc_rctx *r);

#endif
