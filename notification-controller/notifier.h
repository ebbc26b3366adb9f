/*
 * notifier.h: what a Provider turns an event into.
 *
 * A delivery is one event for one Provider: the resolved provider
 * configuration (spec plus referenced Secrets), the event with its metadata
 * already combined for the Alert, and the HTTP request to send now. Most
 * providers send one request; the Git commit-status providers first read the
 * existing statuses and only then decide whether to post (on_response builds
 * the next request), PagerDuty sends two. Payload builders are pure
 * functions of (config, event), so every provider's shape is unit-tested
 * field by field without a network; the sender (sender.h) does the I/O.
 */
#ifndef NC_NOTIFIER_H
#define NC_NOTIFIER_H
#include <curl/curl.h>
#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>
#include "event.h"

/* nc_notifier_build / on_response results besides 0 and FC_E* errors */
#define NC_SKIP 1 /* nothing to send for this event */
#define NC_NEXT 2 /* on_response: d->req holds the next request */

#define NC_DEFAULT_TIMEOUT_NS (15LL * 1000000000LL)

typedef struct nc_provider_cfg {
    char *type;
    char *ns, *name, *uid;
    char *address;           /* spec.address, or the Secret's address */
    bool address_secret;     /* address came from a Secret (mask it) */
    char *channel, *username;
    char *token, *password;  /* from secretRef */
    char *proxy;             /* proxy URL (may embed credentials) */
    char *ca_pem, *cert_pem, *key_pem; /* certSecretRef */
    nc_kv *headers;          /* secret "headers" */
    size_t nheaders;
    char *commit_status;     /* git providers: status context/name */
    int64_t timeout_ns;
} nc_provider_cfg;

void nc_provider_cfg_free(nc_provider_cfg *c);

typedef struct nc_request {
    const char *method; /* static: "POST", "GET", "PUT" */
    char *url;
    char *body;
    size_t body_len;
    struct curl_slist *headers; /* complete header list, incl. Content-Type */
} nc_request;

void nc_request_dispose(nc_request *r);

typedef struct nc_delivery nc_delivery;
/* Called with the final response to d->req (after the sender's retries).
 * Return 0 when the delivery is complete, NC_NEXT after replacing d->req, or
 * a negative error with d->err set. NULL: any 2xx completes it. */
typedef int (*nc_response_fn)(nc_delivery *d, long status, const char *body, size_t len);

struct nc_delivery {
    nc_provider_cfg *cfg; /* owned */
    nc_event *event;      /* owned; metadata combined for the alert */
    nc_request req;
    nc_response_fn on_response;
    int step;             /* provider-specific progress */
    void *pstate;         /* provider-specific scratch, freed with pstate_free */
    void (*pstate_free)(void *pstate);
    char *err;            /* failure message (owned, unmasked) */
    /* the caller's context (the Alert), freed with ctx_free */
    void *ctx;
    void (*ctx_free)(void *ctx);
    /* sender-private */
    int attempt;
    int64_t deadline;
    long last_status;
    struct nc_delivery *next;
};

nc_delivery *nc_delivery_new(nc_provider_cfg *cfg, nc_event *event);
void nc_delivery_free(nc_delivery *d);
void nc_delivery_fail(nc_delivery *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Build the first request for cfg->type: 0, NC_SKIP, or FC_EINVAL with the
 * last error set (unsupported type, missing token, invalid address...). */
int nc_notifier_build(nc_delivery *d);
/* Whether a type is one of the Git commit status providers. */
bool nc_notifier_is_git(const char *type);
/* Whether the type is implemented here. */
bool nc_notifier_supported(const char *type);

/* Replace every secret value of cfg (token, password, secret address,
 * header values, proxy credentials) found in s with "*****"; malloc'd. */
char *nc_mask_secrets(const nc_provider_cfg *cfg, const char *s);

/* ---- helpers shared by the notifier_*.c files ------------------------- */

/* Set d->req to a JSON POST of payload (consumed) to url (copied). */
void nc__json_request(nc_delivery *d, const char *method, const char *url, json_object *payload);
/* Add "Name: value" to the current request. */
void nc__header(nc_delivery *d, const char *name, const char *value);
/* Secret headers from cfg->headers. */
void nc__secret_headers(nc_delivery *d);
/* Flux's formatNameAndDescription: ("kind/name" lower, reason split on
 * CamelCase and lower-cased). Both malloc'd. */
void nc__name_and_description(const nc_event *e, char **name, char **desc);
/* Split "https://host/owner/repo(.git)" into base ("https://host") and id
 * ("owner/repo"); ssh:// and scp-like addresses map to https. */
int nc__parse_git_address(const char *addr, char **base, char **id);
/* The commit hash of a Flux revision ("main@sha1:<hex>", legacy
 * "main/<hex>", bare hex); FC_EINVAL when none can be extracted. */
int nc__parse_revision(const char *rev, char **hash);
/* Basic auth header value ("Basic base64(user:pass)"). */
char *nc__basic_auth(const char *user, const char *pass);
/* Lower-case sha1 hex of s. */
void nc__sha1_hex(const char *s, char out[41]);

/* per-family builders */
int nc__build_slack(nc_delivery *d);
int nc__build_discord(nc_delivery *d);
int nc__build_rocket(nc_delivery *d);
int nc__build_msteams(nc_delivery *d);
int nc__build_googlechat(nc_delivery *d);
int nc__build_webex(nc_delivery *d);
int nc__build_telegram(nc_delivery *d);
int nc__build_matrix(nc_delivery *d);
int nc__build_lark(nc_delivery *d);
int nc__build_generic(nc_delivery *d, bool hmac);
int nc__build_opsgenie(nc_delivery *d);
int nc__build_pagerduty(nc_delivery *d);
int nc__build_datadog(nc_delivery *d);
int nc__build_alertmanager(nc_delivery *d);
int nc__build_grafana(nc_delivery *d);
int nc__build_git(nc_delivery *d);

#endif
