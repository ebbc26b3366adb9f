/*
 * receiver_server.c: the Receiver webhook handler and the Receiver
 * reconciler (receiver_server.h).
 *
 * The webhook path is itself a credential for generic receivers, so it is
 * never logged; log lines name the Receiver instead. Everything the handler
 * needs from Kubernetes arrives through callbacks (see controller.c for the
 * real ones: informer cache lookups, direct Secret reads, merge patches).
 */
#include "receiver_server.h"
#include "event.h"
#include "fc/base64.h"
#include "fc/conditions.h"
#include "fc/duration.h"
#include "fc/err.h"
#include "fc/json.h"
#include "fc/log.h"
#include "receiver.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void count(uint64_t *c) { __atomic_add_fetch(c, 1, __ATOMIC_RELAXED); }

static const char *header_cb(void *arg, const char *name) { return fc_http_header(arg, name); }

/* The Secret's token (decoded, malloc'd) or NULL with why filled. */
static char *read_token(nc_receiver_server *s, const char *ns, const char *name, char *why, size_t wn)
{
    json_object *sec = NULL;
    if (!s->get_secret || s->get_secret(s->arg, ns, name, &sec)) {
        snprintf(why, wn, "unable to read token from secret '%s/%s' error: %s", ns, name, fc_err_msg());
        return NULL;
    }
    const char *b64 = fc_json_key_str(fc_json_key(sec, "data"), "token");
    char *tok = NULL;
    if (!b64) snprintf(why, wn, "invalid '%s/%s' secret data: required fields 'token'", ns, name);
    else if (!(tok = fc_base64_decode(b64, strlen(b64), NULL))) snprintf(why, wn, "invalid '%s/%s' secret data: token is not base64", ns, name);
    else if (!*tok) {
        snprintf(why, wn, "invalid '%s/%s' secret data: the token is empty", ns, name);
        free(tok);
        tok = NULL;
    }
    json_object_put(sec);
    return tok;
}

static const char **string_list(json_object *arr)
{
    size_t n = arr && json_object_is_type(arr, json_type_array) ? json_object_array_length(arr) : 0;
    const char **v = calloc(n + 1, sizeof *v);
    size_t k = 0;
    for (size_t i = 0; v && i < n; i++) {
        const char *s = json_object_get_string(json_object_array_get_idx(arr, i));
        if (s) v[k++] = s;
    }
    return v;
}

void nc_receiver_server_handle(const fc_http_req *req, fc_http_resp *resp, void *arg)
{
    nc_receiver_server *s = arg;
    count(&s->requests);
    json_object *recv = NULL;
    char *token = NULL;
    const char **events = NULL;
    if (strncmp(req->path, NC_WEBHOOK_PREFIX, strlen(NC_WEBHOOK_PREFIX)) != 0 || !s->find ||
        !(recv = s->find(s->arg, req->path))) {
        count(&s->not_found);
        fc_http_resp_text(resp, 404, "404 page not found\n");
        return;
    }
    const char *ns = fc_json_get_str(recv, "metadata.namespace"), *name = fc_json_get_str(recv, "metadata.name");
    if (!ns) ns = "";
    if (!name) name = "";
    if (strcmp(req->method, "POST") != 0) {
        fc_http_resp_header(resp, "Allow", "POST");
        fc_http_resp_text(resp, 405, "method not allowed\n");
        count(&s->rejected);
        goto out;
    }
    if (fc_json_get_bool(recv, "spec.suspend", false) || !fc_cond_is_true(recv, "Ready")) {
        bool susp = fc_json_get_bool(recv, "spec.suspend", false);
        fc_log_kv(FC_LOG_ERROR, susp ? "unable to process request: receiver is suspended" : "unable to process request: receiver is not ready",
                  "Receiver", name, "namespace", ns, NULL);
        fc_http_resp_text(resp, 503, susp ? "receiver is suspended\n" : "receiver is not ready\n");
        count(&s->rejected);
        goto out;
    }
    char why[512];
    token = read_token(s, ns, fc_json_get_str(recv, "spec.secretRef.name") ? fc_json_get_str(recv, "spec.secretRef.name") : "",
                       why, sizeof why);
    if (!token) {
        fc_log_kv(FC_LOG_ERROR, "unable to validate payload", "error", why, "Receiver", name, "namespace", ns, NULL);
        fc_http_resp_text(resp, 500, "receiver secret unavailable\n");
        count(&s->rejected);
        goto out;
    }
    events = string_list(fc_json_get(recv, "spec.events"));
    nc_receiver_req vr = {fc_json_get_str(recv, "spec.type"), token, events, header_cb, (void *)req, req->body, req->body_len};
    char event[128];
    int code = nc_receiver_validate(&vr, why, sizeof why, event, sizeof event);
    if (code) {
        fc_log_kv(FC_LOG_ERROR, "unable to validate payload", "error", why, "Receiver", name, "namespace", ns, NULL);
        fc_http_resp_text(resp, code, why);
        fc_buf_putc(&resp->body, '\n');
        count(&s->rejected);
        goto out;
    }
    if (event[0]) fc_log_kv(FC_LOG_INFO, "handling event", "event", event, "Receiver", name, "namespace", ns, NULL);
    char value[64];
    nc_receiver_request_token(value);
    json_object *res = fc_json_get(recv, "spec.resources");
    bool errors = false;
    for (size_t i = 0; res && json_object_is_type(res, json_type_array) && i < json_object_array_length(res); i++) {
        json_object *r = json_object_array_get_idx(res, i);
        const char *kind = fc_json_key_str(r, "kind"), *rname = fc_json_key_str(r, "name");
        const char *rns = fc_json_key_str(r, "namespace"), *av = fc_json_key_str(r, "apiVersion");
        char err[512] = "";
        if (!kind || !rname) {
            snprintf(err, sizeof err, "resource %zu: kind and name are required", i);
        } else if (rns && *rns && strcmp(rns, ns) && s->no_cross_namespace_refs) {
            snprintf(err, sizeof err, "cross-namespace references are not allowed");
        } else if (!(av && *av) && !(av = nc_receiver_default_api_version(kind))) {
            snprintf(err, sizeof err, "apiVersion must be specified for kind \"%s\"", kind);
        } else if (!strcmp(rname, "*") && !fc_json_key(r, "matchLabels")) {
            snprintf(err, sizeof err, "matchLabels field not set when using wildcard '*' as name");
        } else {
            const char *target = rns && *rns ? rns : ns;
            int n = s->annotate ? s->annotate(s->arg, av, kind, target, rname, fc_json_key(r, "matchLabels"), value, err, sizeof err)
                                : -1;
            if (n >= 0) {
                fc_log_kv(FC_LOG_INFO, "resource annotated", "kind", kind, "name", rname, "namespace", target, "Receiver",
                          name, NULL);
                continue;
            }
            if (!err[0]) snprintf(err, sizeof err, "annotation failed");
        }
        fc_log_kv(FC_LOG_ERROR, "unable to request reconciliation", "error", err, "Receiver", name, "namespace", ns, NULL);
        errors = true;
    }
    if (errors) {
        fc_http_resp_text(resp, 500, "unable to request reconciliation of every resource\n");
        count(&s->rejected);
    } else {
        fc_http_resp_text(resp, 200, "");
        count(&s->accepted);
    }
out:
    free(events);
    if (token) {
        memset(token, 0, strlen(token));
        free(token);
    }
    json_object_put(recv);
}

/* ------------------------------------------------------------ reconcile */

fc_result nc_receiver_reconcile(fc_rctx *r)
{
    nc_receiver_server *s = r->user;
    json_object *o = r->obj;
    const char *type = fc_json_get_str(o, "spec.type");
    if (!nc_receiver_type_supported(type)) {
        fc_json_del(o, "status.webhookPath");
        fc_rctx_fail(r, "UnsupportedFeature", "receiver type %s is not supported by this notification-controller%s",
                     type ? type : "(none)", type && !strcmp(type, "gcr") ? " (Google OIDC token verification)" : "");
        return fc_stalled();
    }
    const char *filter = fc_json_get_str(o, "spec.resourceFilter");
    if (filter && *filter) {
        fc_json_del(o, "status.webhookPath");
        fc_rctx_fail(r, "UnsupportedFeature", "spec.resourceFilter (CEL) is not supported by this notification-controller yet");
        return fc_stalled();
    }
    const char *sname = fc_json_get_str(o, "spec.secretRef.name");
    char why[512];
    char *token = read_token(s, r->ns, sname ? sname : "", why, sizeof why);
    if (!token) {
        fc_json_del(o, "status.webhookPath");
        fc_rctx_fail(r, "TokenNotFound", "%s", why);
        fc_cond_set(o, "Ready", "False", "TokenNotFound", why);
        fc_rctx_event(r, FC_EVENT_WARNING, "Failed", NULL, "%s", why);
        return fc_retry(0);
    }
    char path[72];
    nc_receiver_path(token, r->name, r->ns, path);
    memset(token, 0, strlen(token));
    free(token);
    const char *old = fc_json_get_str(o, "status.webhookPath");
    char msg[128];
    snprintf(msg, sizeof msg, "Receiver initialized for path: %s", path);
    if (!old || strcmp(old, path)) fc_log(FC_LOG_INFO, "Receiver initialized with a new webhook path");
    fc_json_set_str(o, "status.webhookPath", path);
    fc_cond_set(o, "Ready", "True", "Succeeded", msg);
    int64_t iv = fc_rctx_interval(r);
    if (iv <= 0) iv = 10 * 60 * FC_NS_PER_S;
    char ivs[32];
    fc_duration_format(iv, ivs, sizeof ivs);
    fc_rctx_event(r, FC_EVENT_NORMAL, "Succeeded", NULL, "Reconciliation finished, next run in %s", ivs);
    fc_result res = fc_success();
    res.after = fc_manager_jitter(r->mgr, iv);
    return res;
}
