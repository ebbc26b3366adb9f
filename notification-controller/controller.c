/*
 * controller.c: notification-controller's flags and manager wiring.
 *
 * Three kinds run on the shared manager: Alert and Provider (v1beta3, no
 * status; their reconcilers only strip the legacy finalizer and warn about
 * provider types this build cannot send to) and Receiver (v1, status with
 * the webhook path). Their informers double as the caches the two servers
 * read: an Alert handler compiles each Alert into the match index, a
 * Receiver handler keeps the webhookPath -> Receiver map. The event and
 * receiver servers start once leadership is acquired (like Flux, which waits
 * for mgr.Elected()), after the informers have synced.
 *
 * Secrets are read from the API server (Flux does not cache them by
 * default); a 5-second cache keeps a burst of events for one Provider from
 * turning into a burst of Secret reads. Secrets matching
 * --watch-configs-label-selector (reconcile.fluxcd.io/watch=Enabled) are
 * watched: a change drops the cached copy and queues the Receivers whose
 * token it holds, so a rotated token moves the webhook path at once.
 */
#include "alerts.h"
#include "dispatch.h"
#include "event_server.h"
#include "fc/conditions.h"
#include "fc/controller.h"
#include "fc/duration.h"
#include "fc/err.h"
#include "fc/httpd.h"
#include "fc/json.h"
#include "fc/metrics.h"
#include "fc/strmap.h"
#include "notifier.h"
#include "ratelimit.h"
#include "receiver.h"
#include "receiver_server.h"
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int notification_controller_main(int argc, char **argv);

static char *events_listen, *receiver_addr;
static int64_t rate_limit_interval;
static bool export_http_path_metrics;

static const fc_flag flags[] = {
    {"events-addr", FC_FLAG_STR, &events_listen, ":9090", "The address the event endpoint binds to.", NULL},
    {"receiverAddr", FC_FLAG_STR, &receiver_addr, ":9292", "The address the webhook receiver endpoint binds to.", NULL},
    {"rate-limit-interval", FC_FLAG_DURATION, &rate_limit_interval, "5m", "Interval in which rate limit has effect.", NULL},
    {"export-http-path-metrics", FC_FLAG_BOOL, &export_http_path_metrics, "false",
     "When enabled, the requests full path is included in the HTTP server metrics (risk as high cardinality).", NULL},
    {0},
};

#define SECRET_TTL_NS (5 * FC_NS_PER_S)

typedef struct cached_secret {
    json_object *obj;
    int64_t at;
} cached_secret;

typedef struct timed_server {
    fc_http_handler inner;
    void *arg;
    const char *handler;
    fc_metric *duration, *size, *inflight;
} timed_server;

/* everything the process shares, one instance */
static struct nc_ctl {
    fc_manager *mgr;
    fc_kube *kube;
    fc_controller *alert_ctl, *provider_ctl, *receiver_ctl;
    nc_alert_index *alerts;
    nc_ratelimit *rl;
    nc_dispatcher *disp;
    fc_httpd *event_srv, *receiver_srv;
    nc_event_server es;
    nc_receiver_server rs;
    timed_server ets, rts;
    pthread_mutex_t mu;    /* the maps below */
    fc_strmap *paths;      /* webhookPath -> "ns/name" */
    fc_strmap *path_of;    /* "ns/name" -> webhookPath */
    fc_strmap *secrets;    /* "ns/name" -> cached_secret */
} C = {.mu = PTHREAD_MUTEX_INITIALIZER};

static const fc_resource secrets_res = {"", "v1", "secrets", "Secret", true};

/* ------------------------------------------------------ kube callbacks */

static void cached_free(void *p)
{
    cached_secret *c = p;
    if (!c) return;
    json_object_put(c->obj);
    free(c);
}

static int get_secret(void *arg, const char *ns, const char *name, json_object **out)
{
    (void)arg;
    char key[512];
    snprintf(key, sizeof key, "%s/%s", ns, name);
    int64_t now = fc_now_mono_ns();
    pthread_mutex_lock(&C.mu);
    cached_secret *c = fc_strmap_get(C.secrets, key);
    if (c && now - c->at < SECRET_TTL_NS) {
        *out = fc_json_copy(c->obj);
        pthread_mutex_unlock(&C.mu);
        return 0;
    }
    pthread_mutex_unlock(&C.mu);
    json_object *obj = NULL;
    int rc = fc_kube_get(C.kube, &secrets_res, ns, name, &obj);
    if (rc) return rc;
    c = calloc(1, sizeof *c);
    if (c) {
        c->obj = fc_json_copy(obj);
        c->at = now;
        pthread_mutex_lock(&C.mu);
        if (fc_strmap_len(C.secrets) > 10000) { /* bounded: start over rather than grow */
            fc_strmap_free(C.secrets);
            C.secrets = fc_strmap_new(cached_free);
        }
        fc_strmap_put(C.secrets, key, c);
        pthread_mutex_unlock(&C.mu);
    }
    *out = obj;
    return 0;
}

static json_object *get_provider(void *arg, const char *ns, const char *name)
{
    (void)arg;
    return C.provider_ctl ? fc_informer_get(fc_controller_informer(C.provider_ctl), ns, name) : NULL;
}

static void record(void *arg, json_object *obj, const char *type, const char *reason, const char *message,
                   json_object *annotations)
{
    (void)arg;
    fc_recorder_event(fc_manager_recorder(C.mgr), obj, type, reason, message, annotations);
}

static int get_labels(void *arg, const nc_event *e, json_object **labels)
{
    (void)arg;
    fc_resource r;
    if (!e->api_version || fc_mapper_lookup(fc_manager_mapper(C.mgr), e->api_version, e->kind, &r)) return FC_ENOTFOUND;
    json_object *obj = NULL;
    if (fc_kube_get(C.kube, &r, e->ns, e->name, &obj)) return FC_ENOTFOUND;
    json_object *l = fc_json_get(obj, "metadata.labels");
    *labels = l ? fc_json_copy(l) : json_object_new_object();
    json_object_put(obj);
    return 0;
}

static json_object *find_receiver(void *arg, const char *path)
{
    (void)arg;
    char key[640] = "";
    pthread_mutex_lock(&C.mu);
    const char *k = fc_strmap_get(C.paths, path);
    if (k) snprintf(key, sizeof key, "%s", k);
    pthread_mutex_unlock(&C.mu);
    if (!key[0] || !C.receiver_ctl) return NULL;
    char *slash = strchr(key, '/');
    if (!slash) return NULL;
    *slash = 0;
    json_object *o = fc_informer_get(fc_controller_informer(C.receiver_ctl), key, slash + 1);
    /* the cache may have moved on since the map was read */
    if (o && strcmp(fc_json_get_str(o, "status.webhookPath") ? fc_json_get_str(o, "status.webhookPath") : "", path)) {
        json_object_put(o);
        return NULL;
    }
    return o;
}

static int annotate_one(const fc_resource *r, const char *ns, const char *name, const char *patch, char *err, size_t n)
{
    if (fc_kube_patch(C.kube, r, ns, name, NULL, FC_PATCH_MERGE, patch, "notification-controller", NULL)) {
        snprintf(err, n, "unable to annotate %s '%s/%s': %s", r->kind, ns, name, fc_err_msg());
        return -1;
    }
    return 0;
}

static int annotate(void *arg, const char *api_version, const char *kind, const char *ns, const char *name,
                    json_object *match_labels, const char *value, char *err, size_t errn)
{
    (void)arg;
    fc_resource r;
    if (fc_mapper_lookup(fc_manager_mapper(C.mgr), api_version, kind, &r)) {
        snprintf(err, errn, "%s", fc_err_msg());
        return -1;
    }
    json_object *p = json_object_new_object();
    json_object *ann = json_object_new_object();
    json_object_object_add(ann, FC_ANN_REQUESTED_AT, json_object_new_string(value));
    fc_json_set(p, "metadata.annotations", ann);
    char *patch = fc_json_dump(p);
    json_object_put(p);
    int rc = 0;
    if (strcmp(name, "*")) {
        rc = annotate_one(&r, ns, name, patch, err, errn) ? -1 : 1;
    } else {
        fc_buf sel;
        fc_buf_init(&sel, 0);
        json_object_object_foreach(match_labels, k, v) fc_buf_printf(&sel, "%s%s=%s", sel.len ? "," : "", k,
                                                                  json_object_get_string(v));
        fc_list_opts lo = {.label_selector = sel.len ? sel.ptr : NULL};
        json_object *items = NULL;
        if (fc_kube_list(C.kube, &r, ns, &lo, &items, NULL)) {
            snprintf(err, errn, "failed listing resources in namespace %s by matching labels: %s", ns, fc_err_msg());
            rc = -1;
        } else {
            for (size_t i = 0; i < json_object_array_length(items) && rc >= 0; i++) {
                const char *n = fc_json_get_str(json_object_array_get_idx(items, i), "metadata.name");
                if (n && annotate_one(&r, ns, n, patch, err, errn)) rc = -1;
                else rc++;
            }
            if (rc == 0) fc_log_kv(FC_LOG_ERROR, "error annotating resources: no resources found with matching labels", "kind", kind,
                                   "namespace", ns, "labels", sel.ptr ? sel.ptr : "", NULL);
        }
        json_object_put(items);
        fc_buf_dispose(&sel);
    }
    free(patch);
    return rc;
}

/* ------------------------------------------------------ informer hooks */

static void alert_upsert(json_object *obj, bool report)
{
    nc_alert *a = nc_alert_compile(obj);
    if (!a) return;
    if (a->invalid && report) {
        json_object *ref = nc_alert_event_ref(a);
        fc_recorder_event(fc_manager_recorder(C.mgr), ref, FC_EVENT_WARNING, "InvalidConfig", a->invalid, NULL);
        json_object_put(ref);
    }
    nc_alert_index_put(C.alerts, a);
}

static void alert_add(json_object *obj, void *arg)
{
    (void)arg;
    alert_upsert(obj, true);
}

static void alert_update(json_object *old, json_object *nw, void *arg)
{
    (void)arg;
    alert_upsert(nw, fc_json_get_int(old, "metadata.generation", 0) != fc_json_get_int(nw, "metadata.generation", 0));
}

static void alert_delete(json_object *obj, void *arg)
{
    (void)arg;
    const char *ns = fc_json_get_str(obj, "metadata.namespace"), *name = fc_json_get_str(obj, "metadata.name");
    if (ns && name) nc_alert_index_del(C.alerts, ns, name);
}

static void receiver_index(json_object *obj, bool present)
{
    char key[640];
    fc_object_key(obj, key, sizeof key);
    const char *path = present ? fc_json_get_str(obj, "status.webhookPath") : NULL;
    pthread_mutex_lock(&C.mu);
    char *old = fc_strmap_take(C.path_of, key);
    if (old) {
        const char *owner = fc_strmap_get(C.paths, old);
        if (owner && !strcmp(owner, key)) fc_strmap_del(C.paths, old);
        free(old);
    }
    if (path && *path) {
        fc_strmap_put(C.paths, path, strdup(key));
        fc_strmap_put(C.path_of, key, strdup(path));
    }
    pthread_mutex_unlock(&C.mu);
}

static void receiver_add(json_object *obj, void *arg)
{
    (void)arg;
    receiver_index(obj, true);
}
static void receiver_update(json_object *old, json_object *nw, void *arg)
{
    (void)arg;
    (void)old;
    receiver_index(nw, true);
}
static void receiver_delete(json_object *obj, void *arg)
{
    (void)arg;
    receiver_index(obj, false);
}

static int alert_setup(fc_controller *c)
{
    C.alert_ctl = c;
    fc_informer_handler h = {alert_add, alert_update, alert_delete, NULL};
    return fc_informer_add_handler(fc_controller_informer(c), &h);
}

static int provider_setup(fc_controller *c)
{
    C.provider_ctl = c;
    return 0;
}

/* A watched Secret appeared, changed its data or went away. */
static void watched_secret_changed(json_object *obj)
{
    const char *ns = fc_json_get_str(obj, "metadata.namespace"), *name = fc_json_get_str(obj, "metadata.name");
    if (!ns || !name) return;
    char key[512];
    snprintf(key, sizeof key, "%s/%s", ns, name);
    pthread_mutex_lock(&C.mu);
    if (C.secrets) cached_free(fc_strmap_take(C.secrets, key));
    pthread_mutex_unlock(&C.mu);
    if (!C.receiver_ctl) return;
    json_object *list = fc_informer_list(fc_controller_informer(C.receiver_ctl), ns);
    for (size_t i = 0; list && i < json_object_array_length(list); i++) {
        json_object *r = json_object_array_get_idx(list, i);
        const char *ref = fc_json_get_str(r, "spec.secretRef.name");
        if (ref && !strcmp(ref, name)) fc_controller_enqueue(C.receiver_ctl, ns, fc_json_get_str(r, "metadata.name"));
    }
    json_object_put(list);
}

static void secret_add(json_object *obj, void *arg)
{
    (void)arg;
    watched_secret_changed(obj);
}
static void secret_update(json_object *old, json_object *nw, void *arg)
{
    (void)arg;
    json_object *a = fc_json_get(old, "data"), *b = fc_json_get(nw, "data");
    if ((!a && !b) || (a && b && json_object_equal(a, b))) return;
    watched_secret_changed(nw);
}
static void secret_delete(json_object *obj, void *arg)
{
    (void)arg;
    watched_secret_changed(obj);
}

static int receiver_setup(fc_controller *c)
{
    C.receiver_ctl = c;
    fc_informer_handler h = {receiver_add, receiver_update, receiver_delete, NULL};
    if (fc_informer_add_handler(fc_controller_informer(c), &h)) return -1;
    const char *selector = fc_manager_watch_configs_selector(fc_controller_manager(c));
    if (!selector) return 0;
    fc_informer *inf = fc_manager_informer(fc_controller_manager(c), &secrets_res, selector);
    if (!inf) return fc_err_set(FC_ERR, "cannot watch Secrets");
    fc_informer_handler sh = {secret_add, secret_update, secret_delete, NULL};
    return fc_informer_add_handler(inf, &sh);
}

/* ---------------------------------------------------------- reconcilers */

/* v1beta3 Alerts and Providers have no status: reconciling only removes the
 * finalizer earlier API versions added. */
static fc_result strip_legacy_finalizer(fc_rctx *r)
{
    json_object *f = fc_json_get(r->obj, "metadata.finalizers");
    bool has = false;
    json_object *keep = json_object_new_array();
    for (size_t i = 0; f && i < json_object_array_length(f); i++) {
        json_object *e = json_object_array_get_idx(f, i);
        if (e && !strcmp(json_object_get_string(e), FC_FINALIZER)) has = true;
        else json_object_array_add(keep, json_object_get(e));
    }
    if (!has) {
        json_object_put(keep);
        return fc_success();
    }
    json_object *p = json_object_new_object();
    fc_json_set(p, "metadata.finalizers", keep);
    const char *rv = fc_json_get_str(r->obj, "metadata.resourceVersion");
    if (rv) fc_json_set_str(p, "metadata.resourceVersion", rv);
    char *body = fc_json_dump(p);
    json_object_put(p);
    const fc_kind *k = fc_controller_kind(r->ctrl);
    int rc = fc_kube_patch(r->kube, &k->res, r->ns, r->name, NULL, FC_PATCH_MERGE, body, k->field_owner, NULL);
    free(body);
    if (rc && rc != FC_ENOTFOUND) {
        fc_log(FC_LOG_ERROR, "failed to remove the legacy finalizer: %s", fc_err_msg());
        return fc_retry(0);
    }
    if (!rc) fc_rctx_event(r, FC_EVENT_NORMAL, "Migration", NULL, "removed finalizer %s", FC_FINALIZER);
    return fc_success();
}

static fc_result alert_reconcile(fc_rctx *r) { return strip_legacy_finalizer(r); }

static fc_result provider_reconcile(fc_rctx *r)
{
    const char *type = fc_json_get_str(r->obj, "spec.type");
    if (type && !nc_notifier_supported(type) && fc_json_get_int(r->obj, "metadata.generation", 0) == r->generation)
        fc_rctx_event(r, FC_EVENT_WARNING, "UnsupportedProviderType", NULL,
                      "provider type %s is not supported by this notification-controller; events for Alerts using it "
                      "will fail with NotificationDispatchFailed", type);
    return strip_legacy_finalizer(r);
}

static fc_result nothing_to_finalize(fc_rctx *r)
{
    (void)r;
    return fc_success();
}

static const fc_kind alert_kind = {
    .res = {"notification.toolkit.fluxcd.io", "v1beta3", "alerts", "Alert", true},
    .controller_name = "alert",
    .field_owner = "notification-controller",
    .reconcile = alert_reconcile,
    .finalize = nothing_to_finalize,
    .finalize_when_suspended = true,
    .no_status = true,
    .setup = alert_setup,
};

static const fc_kind provider_kind = {
    .res = {"notification.toolkit.fluxcd.io", "v1beta3", "providers", "Provider", true},
    .controller_name = "provider",
    .field_owner = "notification-controller",
    .reconcile = provider_reconcile,
    .finalize = nothing_to_finalize,
    .finalize_when_suspended = true,
    .no_status = true,
    .setup = provider_setup,
};

static const fc_kind receiver_kind = {
    .res = {"notification.toolkit.fluxcd.io", "v1", "receivers", "Receiver", true},
    .controller_name = "receiver",
    .field_owner = "notification-controller",
    .reconcile = nc_receiver_reconcile,
    .setup = receiver_setup,
    .user = &C.rs,
};

/* -------------------------------------------------------------- servers */

static void timed_handle(const fc_http_req *req, fc_http_resp *resp, void *arg)
{
    timed_server *t = arg;
    const char *h = export_http_path_metrics ? req->path : t->handler;
    const char *hv[] = {h, NULL};
    fc_metric_add(t->inflight, hv, 1);
    int64_t t0 = fc_now_mono_ns();
    t->inner(req, resp, t->arg);
    double secs = (double)(fc_now_mono_ns() - t0) / 1e9;
    char code[8];
    snprintf(code, sizeof code, "%d", resp->status ? resp->status : 200);
    const char *lv[] = {h, req->method, code, NULL};
    fc_metric_observe(t->duration, lv, secs);
    fc_metric_observe(t->size, lv, (double)resp->body.len);
    fc_metric_add(t->inflight, hv, -1);
}

static void init_timed(timed_server *t, const char *prefix, const char *handler, fc_http_handler inner, void *arg)
{
    static const double db[] = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
    static const double sb[] = {100, 1000, 10000, 100000, 1e6, 1e7, 1e8, 1e9};
    static const char *const l3[] = {"handler", "method", "code", NULL};
    static const char *const l1[] = {"handler", NULL};
    char n[128], help[160];
    t->inner = inner;
    t->arg = arg;
    t->handler = handler;
    snprintf(n, sizeof n, "%s_http_request_duration_seconds", prefix);
    snprintf(help, sizeof help, "The latency of the HTTP requests.");
    t->duration = fc_metric_histogram(n, help, l3, db, (int)(sizeof db / sizeof db[0]));
    snprintf(n, sizeof n, "%s_http_response_size_bytes", prefix);
    t->size = fc_metric_histogram(n, "The size of the HTTP responses.", l3, sb, (int)(sizeof sb / sizeof sb[0]));
    snprintf(n, sizeof n, "%s_http_requests_inflight", prefix);
    t->inflight = fc_metric_gauge(n, "The number of inflight requests being handled at the same time.", l1);
}

static void counters(fc_buf *out, void *arg)
{
    (void)arg;
    nc_dispatch_stats ds = {0};
    if (C.disp) nc_dispatcher_get_stats(C.disp, &ds);
    fc_buf_puts(out, "# HELP gotk_notification_events_total Events received by the event server, by outcome.\n"
                     "# TYPE gotk_notification_events_total counter\n");
    const struct { const char *o; uint64_t v; } ev[] = {
        {"accepted", C.es.accepted}, {"rate_limited", C.es.rate_limited}, {"invalid", C.es.invalid},
        {"matched", C.es.matched},   {"discarded", C.es.discarded},
    };
    for (size_t i = 0; i < sizeof ev / sizeof ev[0]; i++)
        fc_buf_printf(out, "gotk_notification_events_total{outcome=\"%s\"} %llu\n", ev[i].o,
                      (unsigned long long)ev[i].v);
    fc_buf_puts(out, "# HELP gotk_notifications_total Notifications for matched Alerts, by outcome.\n"
                     "# TYPE gotk_notifications_total counter\n");
    const struct { const char *o; uint64_t v; } nt[] = {
        {"delivered", ds.delivered}, {"failed", ds.failed_delivery + ds.failed_prepare}, {"skipped", ds.skipped},
        {"dropped", ds.dropped_jobs + ds.dropped_deliveries},
    };
    for (size_t i = 0; i < sizeof nt / sizeof nt[0]; i++)
        fc_buf_printf(out, "gotk_notifications_total{outcome=\"%s\"} %llu\n", nt[i].o, (unsigned long long)nt[i].v);
}

static int on_init(fc_manager *m, void *arg)
{
    (void)arg;
    C.mgr = m;
    C.kube = fc_manager_kube(m);
    C.alerts = nc_alert_index_new();
    C.rl = nc_ratelimit_new(rate_limit_interval, 0);
    C.paths = fc_strmap_new(free);
    C.path_of = fc_strmap_new(free);
    C.secrets = fc_strmap_new(cached_free);
    C.rs = (nc_receiver_server){.find = find_receiver, .get_secret = get_secret, .annotate = annotate,
                                .no_cross_namespace_refs = fc_manager_no_cross_ns_refs(m)};
    init_timed(&C.ets, "gotk_event", "/", nc_event_server_handle, &C.es);
    init_timed(&C.rts, "gotk_receiver", "/hook/", nc_receiver_server_handle, &C.rs);
    fc_metrics_add_collector(counters, NULL);
    if (rate_limit_interval < 0) return fc_err_set(FC_EINVAL, "--rate-limit-interval must not be negative");
    return 0;
}

static int on_leading(fc_manager *m, void *arg)
{
    (void)arg;
    fc_controller *ctls[] = {C.alert_ctl, C.provider_ctl, C.receiver_ctl};
    for (int i = 0; i < 3; i++)
        if (ctls[i] && fc_informer_wait_synced(fc_controller_informer(ctls[i]), 60 * FC_NS_PER_S))
            fc_log(FC_LOG_ERROR, "%s cache not synced after 60s; starting the servers anyway",
                   fc_controller_kind(ctls[i])->res.kind);
    nc_dispatch_opts o = {
        .deps = {get_provider, get_secret, record, NULL},
        .no_cross_namespace_refs = fc_manager_no_cross_ns_refs(m),
    };
    C.disp = nc_dispatcher_new(&o);
    if (!C.disp) return fc_err_set(FC_ERR, "cannot start the notification dispatcher");
    C.es = (nc_event_server){.rl = C.rl, .alerts = C.alerts, .disp = C.disp, .labels = get_labels, .record = record,
                             .exact_key = !fc_manager_feature(m, "EventKeyIgnoresDurations", true)};
    fc_httpd_opts eo = {.max_body = NC_MAX_BODY, .threads = 4, .timeout_s = 30};
    C.event_srv = fc_httpd_start(events_listen, &eo, timed_handle, &C.ets);
    if (!C.event_srv) return fc_err_wrap("event server");
    fc_log(FC_LOG_INFO, "Starting event server on %s (port %d)", events_listen, fc_httpd_port(C.event_srv));
    fc_httpd_opts ro = {.max_body = NC_MAX_BODY, .threads = 2, .timeout_s = 30};
    C.receiver_srv = fc_httpd_start(receiver_addr, &ro, timed_handle, &C.rts);
    if (!C.receiver_srv) return fc_err_wrap("receiver server");
    fc_log(FC_LOG_INFO, "Starting webhook receiver server on %s (port %d)", receiver_addr, fc_httpd_port(C.receiver_srv));
    return 0;
}

static void on_shutdown(fc_manager *m, void *arg)
{
    (void)m;
    (void)arg;
    fc_httpd_stop(C.event_srv);
    fc_httpd_stop(C.receiver_srv);
    C.event_srv = C.receiver_srv = NULL;
    if (C.disp) {
        nc_dispatcher_wait_idle(C.disp, 2 * FC_NS_PER_S); /* a short grace for notifications in flight */
        nc_dispatcher_free(C.disp);
        C.disp = NULL;
        C.es.disp = NULL;
    }
}

int notification_controller_main(int argc, char **argv)
{
    static const fc_kind *const kinds[] = {&alert_kind, &provider_kind, &receiver_kind, NULL};
    fc_manager_opts o = {
        .name = "notification-controller",
        .summary = "notification-controller: dispatches events to Alerts and Providers, serves Receiver webhooks",
        .flags = flags,
        .kinds = kinds,
        .default_concurrent = 4,
        .on_init = on_init,
        .on_leading = on_leading,
        .on_shutdown = on_shutdown,
    };
    int rc = fc_manager_run(&o, argc, argv);
    nc_alert_index_free(C.alerts);
    nc_ratelimit_free(C.rl);
    fc_strmap_free(C.paths);
    fc_strmap_free(C.path_of);
    fc_strmap_free(C.secrets);
    memset(&C.es, 0, sizeof C.es);
    return rc;
}
