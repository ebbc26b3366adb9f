/*
 * notifier_hooks.c: payloads for webhook and incident tools: generic (the
 * event itself), generic-hmac (the same, signed with X-Signature), Opsgenie,
 * PagerDuty (Events API v2 plus change events), Datadog (events API),
 * Prometheus Alertmanager and Grafana annotations.
 *
 * Shapes follow notification-controller's Go structs (and the JSON tags of
 * the client libraries it uses for PagerDuty and Datadog); metadata maps are
 * written sorted by key.
 */
#include "notifier.h"
#include "fc/buf.h"
#include "fc/err.h"
#include "fc/json.h"
#include <ctype.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static json_object *jstr(const char *s) { return json_object_new_string(s ? s : ""); }
static bool is_error(const nc_event *e) { return e->severity && !strcmp(e->severity, NC_SEVERITY_ERROR); }

static int require_url(const nc_delivery *d, const char *what)
{
    const char *u = d->cfg->address;
    if (!u || !*u) return fc_err_set(FC_EINVAL, "invalid %s URL: the provider has no address", what);
    if (strncmp(u, "http://", 7) != 0 && strncmp(u, "https://", 8) != 0)
        return fc_err_set(FC_EINVAL, "invalid %s URL %s: want an http or https URL", what, u);
    return 0;
}

static void bearer(nc_delivery *d, const char *token)
{
    char *h = NULL;
    if (asprintf(&h, "Bearer %s", token) > 0) nc__header(d, "Authorization", h);
    free(h);
}

/* "scheme://host[:port]" of an URL. */
static char *origin(const char *url)
{
    const char *h = strstr(url, "://");
    if (!h) return strdup(url);
    h += 3;
    size_t n = strcspn(h, "/?#");
    return strndup(url, (size_t)(h - url) + n);
}

/* -------------------------------------------------------------- generic */

int nc__build_generic(nc_delivery *d, bool hmac)
{
    if (require_url(d, "hook")) return FC_EINVAL;
    if (hmac && (!d->cfg->token || !*d->cfg->token))
        return fc_err_set(FC_EINVAL, "generic-hmac provider needs a token (the HMAC key) in its secretRef");
    nc__json_request(d, "POST", d->cfg->address, nc_event_to_json(d->event));
    nc__header(d, "gotk-component", d->event->reporting_controller);
    nc__secret_headers(d);
    if (hmac) {
        unsigned char md[EVP_MAX_MD_SIZE];
        unsigned int n = 0;
        HMAC(EVP_sha256(), d->cfg->token, (int)strlen(d->cfg->token), (const unsigned char *)d->req.body,
             d->req.body_len, md, &n);
        char sig[8 + 2 * EVP_MAX_MD_SIZE + 1] = "sha256=";
        for (unsigned i = 0; i < n; i++) snprintf(sig + 7 + 2 * i, 3, "%02x", md[i]);
        nc__header(d, "X-Signature", sig);
    }
    return 0;
}

/* ------------------------------------------------------------- opsgenie */

int nc__build_opsgenie(nc_delivery *d)
{
    if (require_url(d, "Opsgenie hook")) return FC_EINVAL;
    if (!d->cfg->token || !*d->cfg->token) return fc_err_set(FC_EINVAL, "empty Opsgenie apikey/token");
    const nc_event *e = d->event;
    json_object *details = json_object_new_object();
    for (size_t i = 0; i < e->nmeta; i++)
        if (strcmp(e->meta[i].key, "severity")) json_object_object_add(details, e->meta[i].key, jstr(e->meta[i].value));
    /* "severity" sorts among the metadata keys in Go's encoder */
    json_object *sorted = json_object_new_object();
    bool sev_done = false;
    json_object_object_foreach(details, k, v) {
        if (!sev_done && strcmp(k, "severity") > 0) {
            json_object_object_add(sorted, "severity", jstr(e->severity));
            sev_done = true;
        }
        json_object_object_add(sorted, k, json_object_get(v));
    }
    if (!sev_done) json_object_object_add(sorted, "severity", jstr(e->severity));
    json_object_put(details);
    json_object *p = json_object_new_object();
    fc_buf m;
    fc_buf_init(&m, 0);
    fc_buf_printf(&m, "%s/%s", e->kind, e->name);
    json_object_object_add(p, "message", jstr(m.ptr));
    fc_buf_dispose(&m);
    json_object_object_add(p, "description", jstr(e->message));
    json_object_object_add(p, "details", sorted);
    nc__json_request(d, "POST", d->cfg->address, p);
    char *h = NULL;
    if (asprintf(&h, "GenieKey %s", d->cfg->token) > 0) nc__header(d, "Authorization", h);
    free(h);
    return 0;
}

/* ------------------------------------------------------------ pagerduty */

static json_object *pd_details(const nc_event *e)
{
    json_object *md = json_object_new_object();
    for (size_t i = 0; i < e->nmeta; i++) json_object_object_add(md, e->meta[i].key, jstr(e->meta[i].value));
    json_object *det = json_object_new_object();
    json_object_object_add(det, "message", jstr(e->message));
    json_object_object_add(det, "metadata", e->nmeta ? md : NULL);
    if (!e->nmeta) json_object_put(md);
    return det;
}

static char *pd_summary(const nc_event *e)
{
    char *name = NULL, *desc = NULL;
    nc__name_and_description(e, &name, &desc);
    fc_buf b;
    fc_buf_init(&b, 0);
    fc_buf_printf(&b, "%s: %s", desc, name);
    free(name);
    free(desc);
    return fc_buf_detach(&b, NULL);
}

static int pd_after_enqueue(nc_delivery *d, long status, const char *body, size_t len)
{
    if (status < 200 || status > 299) {
        nc_delivery_fail(d, "failed sending event: request failed with status code %ld: %.*s", status,
                         (int)(len > 512 ? 512 : len), body);
        return FC_ERR;
    }
    if (d->step == 1 || strcmp(d->event->severity, NC_SEVERITY_INFO) != 0) return 0;
    /* info events are also recorded as PagerDuty change events */
    const nc_event *e = d->event;
    char ts[32];
    nc_event_time(e, ts);
    json_object *pl = json_object_new_object();
    char *sum = pd_summary(e);
    json_object_object_add(pl, "summary", jstr(sum));
    free(sum);
    fc_buf src;
    fc_buf_init(&src, 0);
    fc_buf_printf(&src, "Flux %s", e->reporting_controller);
    json_object_object_add(pl, "source", jstr(src.ptr));
    fc_buf_dispose(&src);
    json_object_object_add(pl, "timestamp", jstr(ts));
    json_object_object_add(pl, "custom_details", pd_details(e));
    json_object *p = json_object_new_object();
    json_object_object_add(p, "routing_key", jstr(d->cfg->channel));
    json_object_object_add(p, "payload", pl);
    json_object_object_add(p, "links", NULL);
    char *o = origin(d->cfg->address);
    fc_buf url;
    fc_buf_init(&url, 0);
    fc_buf_printf(&url, "%s/v2/change/enqueue", o);
    free(o);
    nc__json_request(d, "POST", url.ptr, p);
    fc_buf_dispose(&url);
    d->step = 1;
    return NC_NEXT;
}

int nc__build_pagerduty(nc_delivery *d)
{
    if (require_url(d, "PagerDuty endpoint")) return FC_EINVAL;
    const nc_event *e = d->event;
    if (e->reason && !strcmp(e->reason, "Progressing")) return NC_SKIP; /* only success or failure */
    json_object *p = json_object_new_object();
    json_object_object_add(p, "routing_key", jstr(d->cfg->channel));
    json_object_object_add(p, "event_action", jstr(is_error(e) ? "trigger" : "resolve"));
    if (e->uid && *e->uid) json_object_object_add(p, "dedup_key", jstr(e->uid));
    if (is_error(e)) {
        char ts[32];
        nc_event_time(e, ts);
        json_object *pl = json_object_new_object();
        char *sum = pd_summary(e);
        json_object_object_add(pl, "summary", jstr(sum));
        free(sum);
        fc_buf src;
        fc_buf_init(&src, 0);
        fc_buf_printf(&src, "Flux %s", e->reporting_controller);
        json_object_object_add(pl, "source", jstr(src.ptr));
        fc_buf_dispose(&src);
        json_object_object_add(pl, "severity", jstr("error"));
        json_object_object_add(pl, "timestamp", jstr(ts));
        if (e->name && *e->name) json_object_object_add(pl, "component", jstr(e->name));
        if (e->kind && *e->kind) json_object_object_add(pl, "group", jstr(e->kind));
        json_object_object_add(pl, "custom_details", pd_details(e));
        json_object_object_add(p, "payload", pl);
    }
    char *o = origin(d->cfg->address);
    fc_buf url;
    fc_buf_init(&url, 0);
    fc_buf_printf(&url, "%s/v2/enqueue", o);
    free(o);
    nc__json_request(d, "POST", url.ptr, p);
    fc_buf_dispose(&url);
    d->on_response = pd_after_enqueue;
    d->step = 0;
    return 0;
}

/* -------------------------------------------------------------- datadog */

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

int nc__build_datadog(nc_delivery *d)
{
    if (!d->cfg->token || !*d->cfg->token) return fc_err_set(FC_EINVAL, "token cannot be empty");
    if (require_url(d, "DataDog API")) return FC_EINVAL;
    const nc_event *e = d->event;
    json_object *tags = json_object_new_array();
    char *fixed[5];
    fc_buf b;
    fc_buf_init(&b, 0);
    const char *fmt[5][2] = {{"flux_reporting_controller", e->reporting_controller}, {"flux_reason", e->reason},
                             {"kube_kind", e->kind}, {"kube_name", e->name}, {"kube_namespace", e->ns}};
    for (int i = 0; i < 5; i++) {
        fc_buf_reset(&b);
        fc_buf_printf(&b, "%s:%s", fmt[i][0], fmt[i][1] ? fmt[i][1] : "");
        fixed[i] = strdup(b.ptr);
    }
    char **meta = calloc(e->nmeta + 1, sizeof *meta);
    for (size_t i = 0; i < e->nmeta; i++) {
        fc_buf_reset(&b);
        fc_buf_printf(&b, "%s:%s", e->meta[i].key, e->meta[i].value);
        meta[i] = strdup(b.ptr);
    }
    qsort(meta, e->nmeta, sizeof *meta, cmp_str);
    fc_buf_dispose(&b);
    for (int i = 0; i < 5; i++) {
        for (char *q = fixed[i]; *q; q++) *q = (char)tolower((unsigned char)*q);
        json_object_array_add(tags, jstr(fixed[i]));
        free(fixed[i]);
    }
    for (size_t i = 0; i < e->nmeta; i++) {
        for (char *q = meta[i]; *q; q++) *q = (char)tolower((unsigned char)*q);
        json_object_array_add(tags, jstr(meta[i]));
        free(meta[i]);
    }
    free(meta);
    json_object *p = json_object_new_object();
    json_object_object_add(p, "alert_type", jstr(is_error(e) ? "error" : "info"));
    json_object_object_add(p, "date_happened", json_object_new_int64(e->has_timestamp ? e->timestamp : -62135596800LL));
    json_object_object_add(p, "source_type_name", jstr("fluxcd"));
    json_object_object_add(p, "tags", tags);
    json_object_object_add(p, "text", jstr(e->message));
    fc_buf title;
    fc_buf_init(&title, 0);
    fc_buf_printf(&title, "Events from the %s %s/%s", e->kind, e->name, e->ns);
    json_object_object_add(p, "title", jstr(title.ptr));
    fc_buf_dispose(&title);
    char *o = origin(d->cfg->address);
    fc_buf url;
    fc_buf_init(&url, 0);
    fc_buf_printf(&url, "%s/api/v1/events", o);
    free(o);
    nc__json_request(d, "POST", url.ptr, p);
    fc_buf_dispose(&url);
    nc__header(d, "Accept", "application/json");
    nc__header(d, "DD-API-KEY", d->cfg->token);
    return 0;
}

/* --------------------------------------------------------- alertmanager */

/* golang.org/x/text/cases.Title: upper-case the first letter of each word,
 * lower-case the rest ("ReconciliationFailed" -> "Reconciliationfailed"). */
static char *title_case(const char *s)
{
    char *o = strdup(s ? s : "");
    bool start = true;
    for (char *p = o; *p; p++) {
        unsigned char c = (unsigned char)*p;
        if (isalpha(c)) {
            *p = (char)(start ? toupper(c) : tolower(c));
            start = false;
        } else {
            start = !isdigit(c) && c != '\'';
        }
    }
    return o;
}

int nc__build_alertmanager(nc_delivery *d)
{
    if (require_url(d, "Alertmanager")) return FC_EINVAL;
    const nc_event *e = d->event;
    json_object *ann = json_object_new_object();
    json_object_object_add(ann, "message", jstr(e->message));
    const char *summary = nc_event_meta_get(e, "summary");
    if (summary) json_object_object_add(ann, "summary", jstr(summary));
    /* labels: metadata without summary, then the fixed labels (sorted) */
    nc_event lab = {0};
    for (size_t i = 0; i < e->nmeta; i++)
        if (strcmp(e->meta[i].key, "summary")) nc_event_meta_set(&lab, e->meta[i].key, e->meta[i].value);
    char *reason = title_case(e->reason);
    fc_buf an;
    fc_buf_init(&an, 0);
    fc_buf_printf(&an, "Flux%s%s", e->kind, reason);
    free(reason);
    nc_event_meta_set(&lab, "alertname", an.ptr);
    fc_buf_dispose(&an);
    nc_event_meta_set(&lab, "severity", e->severity);
    nc_event_meta_set(&lab, "reason", e->reason);
    nc_event_meta_set(&lab, "kind", e->kind);
    nc_event_meta_set(&lab, "name", e->name);
    nc_event_meta_set(&lab, "namespace", e->ns);
    nc_event_meta_set(&lab, "reportingcontroller", e->reporting_controller);
    json_object *labels = json_object_new_object();
    for (size_t i = 0; i < lab.nmeta; i++) json_object_object_add(labels, lab.meta[i].key, jstr(lab.meta[i].value));
    nc_event_meta_clear(&lab);
    char ts[32];
    nc_event_time(e, ts);
    json_object *a = json_object_new_object();
    json_object_object_add(a, "status", jstr("firing"));
    json_object_object_add(a, "labels", labels);
    json_object_object_add(a, "annotations", ann);
    json_object_object_add(a, "startsAt", jstr(ts));
    json_object_object_add(a, "endsAt", jstr("0001-01-01T00:00:00Z"));
    json_object *p = json_object_new_array();
    json_object_array_add(p, a);
    nc__json_request(d, "POST", d->cfg->address, p);
    if (d->cfg->token && *d->cfg->token) bearer(d, d->cfg->token);
    if (d->cfg->username && *d->cfg->username && d->cfg->password && *d->cfg->password) {
        char *h = nc__basic_auth(d->cfg->username, d->cfg->password);
        nc__header(d, "Authorization", h);
        free(h);
    }
    return 0;
}

/* -------------------------------------------------------------- grafana */

static char *colon_to_pipe(const char *s)
{
    char *o = strdup(s);
    for (char *p = o; *p; p++)
        if (*p == ':') *p = '|';
    return o;
}

int nc__build_grafana(nc_delivery *d)
{
    if (require_url(d, "Grafana")) return FC_EINVAL;
    const nc_event *e = d->event;
    json_object *tags = json_object_new_array();
    json_object_array_add(tags, jstr("flux"));
    json_object_array_add(tags, jstr(e->reporting_controller));
    fc_buf b;
    fc_buf_init(&b, 0);
    for (size_t i = 0; i < e->nmeta; i++) {
        char *k = colon_to_pipe(e->meta[i].key), *v = colon_to_pipe(e->meta[i].value);
        fc_buf_reset(&b);
        fc_buf_printf(&b, "%s: %s", k, v);
        json_object_array_add(tags, jstr(b.ptr));
        free(k);
        free(v);
    }
    const char *fixed[3][2] = {{"kind", e->kind}, {"name", e->name}, {"namespace", e->ns}};
    for (int i = 0; i < 3; i++) {
        fc_buf_reset(&b);
        fc_buf_printf(&b, "%s: %s", fixed[i][0], fixed[i][1]);
        json_object_array_add(tags, jstr(b.ptr));
    }
    fc_buf_dispose(&b);
    char *obj = nc_event_obj_name(e);
    json_object *p = json_object_new_object();
    json_object_object_add(p, "when", json_object_new_int64(e->has_timestamp ? e->timestamp : -62135596800LL));
    json_object_object_add(p, "text", jstr(obj));
    json_object_object_add(p, "tags", tags);
    free(obj);
    nc__json_request(d, "POST", d->cfg->address, p);
    const nc_provider_cfg *c = d->cfg;
    if (c->token && *c->token) {
        bearer(d, c->token);
    } else if (c->username && *c->username && c->password && *c->password) {
        char *h = nc__basic_auth(c->username, c->password);
        nc__header(d, "Authorization", h);
        free(h);
    }
    return 0;
}
