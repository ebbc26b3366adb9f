/*
 * receiver.h: webhook Receivers (notification.toolkit.fluxcd.io/v1).
 *
 * nc_receiver_validate() is the security boundary: it decides, from the
 * request headers and body alone, whether a call to a Receiver's path is
 * authentic for its type (HMAC signatures and tokens compared in constant
 * time) and which event it carries. It is a pure function so every type is
 * unit-tested and fuzzed without a server. The server and the reconciler
 * around it live in receiver_server.c.
 */
#ifndef NC_RECEIVER_H
#define NC_RECEIVER_H
#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>

#define NC_WEBHOOK_PREFIX "/hook/"

/* validation results (besides 0 = accepted) */
#define NC_RECV_UNAUTHORIZED 401 /* bad or missing signature / token */
#define NC_RECV_BAD_REQUEST 400  /* bad payload, unsupported content, event not allowed */

typedef const char *(*nc_header_fn)(void *arg, const char *name);

typedef struct nc_receiver_req {
    const char *type;   /* spec.type */
    const char *token;  /* the Secret's token */
    const char *const *events; /* spec.events (NULL-terminated, may be NULL) */
    nc_header_fn header;
    void *header_arg;
    const char *body;
    size_t body_len;
} nc_receiver_req;

/* 0 when the request is accepted; NC_RECV_UNAUTHORIZED or
 * NC_RECV_BAD_REQUEST otherwise, with a one-line reason in why (never
 * containing the token). event (may be NULL) gets the event name when the
 * type carries one. */
int nc_receiver_validate(const nc_receiver_req *r, char *why, size_t why_len, char *event, size_t event_len);

/* "/hook/" + hex(sha256(token + name + namespace)). out: 6 + 64 + 1 bytes. */
void nc_receiver_path(const char *token, const char *name, const char *ns, char out[72]);

/* Whether a receiver type is implemented (gcr needs Google's OIDC
 * verification, which is not). */
bool nc_receiver_type_supported(const char *type);

/* The default apiVersion Flux uses for a resource kind without one, or
 * NULL. */
const char *nc_receiver_default_api_version(const char *kind);

/* Go's time.Time.String() of now without the monotonic part
 * ("2025-01-02 03:04:05.123456789 +0000 UTC"), the value Flux writes to
 * reconcile.fluxcd.io/requestedAt. */
void nc_receiver_request_token(char out[64]);

/* Decode application/x-www-form-urlencoded and return the value of key
 * (malloc'd) or NULL. */
char *nc_form_value(const char *body, size_t len, const char *key, size_t *out_len);

#endif
