/*
 * dispatch.c: the notification pipeline between the event server and the
 * sender (dispatch.h).
 *
 * A job is (event copy, Alert reference). Workers take jobs from a bounded
 * FIFO and follow Flux's getNotificationParams/createNotifier order: cross-
 * namespace check, Provider lookup, suspend, commit-status filtering,
 * metadata combination for the Alert, Secrets, commit status context,
 * payload. Everything a failure message could contain is masked with the
 * Provider's secret values before it is logged or recorded.
 */
#include "dispatch.h"
#include "fc/base64.h"
#include "fc/duration.h"
#include "fc/err.h"
#include "fc/json.h"
#include "fc/log.h"
#include "fc/yaml.h"
#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct job {
    nc_event *event;
    nc_alert *alert;
    struct job *next;
} job;

/* what a delivery carries back to the done callback */
typedef struct dctx {
    nc_dispatcher *disp;
    nc_alert *alert;
    char *involved; /* Kind/ns/name */
} dctx;

struct nc_dispatcher {
    nc_dispatch_opts o;
    nc_sender *sender;
    pthread_t *threads;
    int nthreads;
    pthread_mutex_t mu;
    pthread_cond_t cond, idle;
    job *head, *tail;
    size_t queued, busy;
    bool stop;
    nc_dispatch_stats st;
};

static void job_free(job *j)
{
    if (!j) return;
    nc_event_free(j->event);
    nc_alert_unref(j->alert);
    free(j);
}

static void dctx_free(void *p)
{
    dctx *c = p;
    if (!c) return;
    nc_alert_unref(c->alert);
    free(c->involved);
    free(c);
}

static void bump(nc_dispatcher *d, uint64_t *f)
{
    pthread_mutex_lock(&d->mu);
    (*f)++;
    pthread_mutex_unlock(&d->mu);
}

static char *involved_string(const nc_event *e)
{
    char *s = NULL;
    if (asprintf(&s, "%s/%s/%s", e->kind, e->ns, e->name) < 0) s = strdup("");
    return s;
}

static void record_alert(nc_dispatcher *d, const nc_alert *a, const char *type, const char *reason, const char *msg,
                         json_object *ann)
{
    if (!d->o.deps.record) return;
    json_object *ref = nc_alert_event_ref(a);
    d->o.deps.record(d->o.deps.arg, ref, type, reason, msg, ann);
    json_object_put(ref);
}

/* A failure before or while sending: masked log line + Warning event. */
static void report_failure(nc_dispatcher *d, const nc_alert *a, const nc_provider_cfg *cfg, const char *involved,
                           const char *verb, const char *err)
{
    char *masked = nc_mask_secrets(cfg, err);
    char *msg = NULL;
    if (asprintf(&msg, "failed to %s notification for %s: %s", verb, involved, masked) < 0) msg = NULL;
    fc_log_kv(FC_LOG_ERROR, msg ? msg : masked, "alert", a->name, "namespace", a->ns, "provider", a->provider ? a->provider : "",
              NULL);
    record_alert(d, a, "Warning", "NotificationDispatchFailed", msg ? msg : masked, NULL);
    free(msg);
    free(masked);
}

/* ---------------------------------------------------------- secrets */

static char *secret_value(json_object *secret, const char *key, size_t *len)
{
    const char *b64 = fc_json_key_str(fc_json_key(secret, "data"), key);
    if (!b64) return NULL;
    size_t n = 0;
    char *v = fc_base64_decode(b64, strlen(b64), &n);
    if (len) *len = n;
    return v;
}

static char *trim(char *s)
{
    if (!s) return NULL;
    char *p = s;
    while (isspace((unsigned char)*p)) p++;
    size_t n = strlen(p);
    while (n && isspace((unsigned char)p[n - 1])) n--;
    memmove(s, p, n);
    s[n] = 0;
    return s;
}

static int read_secret(const nc_dispatch_deps *deps, const char *ns, const char *name, json_object **out)
{
    if (!deps->get_secret) return fc_err_set(FC_ENOTFOUND, "failed to get secret '%s/%s': no secret reader", ns, name);
    if (deps->get_secret(deps->arg, ns, name, out)) return fc_err_wrap("failed to get secret '%s/%s'", ns, name);
    return 0;
}

static bool header_name_ok(const char *s)
{
    if (!*s) return false;
    for (; *s; s++)
        if (!isgraph((unsigned char)*s) || *s == ':') return false;
    return true;
}

static int parse_headers(const char *yaml, size_t len, nc_provider_cfg *c)
{
    json_object *doc = NULL;
    fc_yaml_limits lim = {.max_bytes = 1 << 20};
    if (fc_yaml_parse(yaml, len, &lim, &doc)) return fc_err_wrap("failed to read headers from secret");
    if (!doc) return 0;
    if (!json_object_is_type(doc, json_type_object)) {
        json_object_put(doc);
        return fc_err_set(FC_EINVAL, "failed to read headers from secret: want a map of header names to values");
    }
    c->headers = calloc((size_t)json_object_object_length(doc) + 1, sizeof *c->headers);
    json_object_object_foreach(doc, k, v) {
        if (!v || !json_object_is_type(v, json_type_string) || !header_name_ok(k)) {
            json_object_put(doc);
            return fc_err_set(FC_EINVAL, "failed to read headers from secret: header \"%.64s\" must be a valid name with a string value", k);
        }
        c->headers[c->nheaders].key = strdup(k);
        c->headers[c->nheaders].value = strdup(json_object_get_string(v));
        c->nheaders++;
    }
    json_object_put(doc);
    return 0;
}

static void url_escape(fc_buf *b, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (isalnum(*p) || strchr("-._~", *p)) fc_buf_putc(b, (char)*p);
        else fc_buf_printf(b, "%%%02X", *p);
    }
}

/* proxySecretRef: address (required), username, password. */
static int proxy_from_secret(json_object *sec, const char *ref, nc_provider_cfg *c)
{
    char *addr = trim(secret_value(sec, "address", NULL));
    if (!addr || !*addr) {
        free(addr);
        return fc_err_set(FC_EINVAL, "failed to get proxy URL: secret '%s' has no 'address' key", ref);
    }
    const char *sch = strstr(addr, "://");
    if (!sch) {
        free(addr);
        return fc_err_set(FC_EINVAL, "failed to get proxy URL: invalid address in secret '%s'", ref);
    }
    char *user = secret_value(sec, "username", NULL), *pass = secret_value(sec, "password", NULL);
    fc_buf b;
    fc_buf_init(&b, 0);
    fc_buf_put(&b, addr, (size_t)(sch + 3 - addr));
    if (user && *user) {
        url_escape(&b, user);
        if (pass) {
            fc_buf_putc(&b, ':');
            url_escape(&b, pass);
        }
        fc_buf_putc(&b, '@');
    }
    fc_buf_puts(&b, sch + 3);
    free(c->proxy);
    c->proxy = fc_buf_detach(&b, NULL);
    free(addr);
    free(user);
    free(pass);
    return 0;
}

static int tls_from_secret(json_object *sec, const char *ref, nc_provider_cfg *c, bool required)
{
    char *ca = secret_value(sec, "ca.crt", NULL);
    if (!ca) ca = secret_value(sec, "caFile", NULL);
    char *crt = secret_value(sec, "tls.crt", NULL);
    if (!crt) crt = secret_value(sec, "certFile", NULL);
    char *key = secret_value(sec, "tls.key", NULL);
    if (!key) key = secret_value(sec, "keyFile", NULL);
    int rc = 0;
    if ((crt && !key) || (!crt && key)) rc = fc_err_set(FC_EINVAL, "failed to get TLS config: secret '%s' must hold both tls.crt and tls.key", ref);
    else if (required && !ca && !crt) rc = fc_err_set(FC_EINVAL, "failed to get TLS config: secret '%s' has no ca.crt or tls.crt/tls.key", ref);
    if (!rc) {
        if (ca) {
            free(c->ca_pem);
            c->ca_pem = ca;
            ca = NULL;
        }
        if (crt) {
            c->cert_pem = crt;
            c->key_pem = key;
            crt = key = NULL;
        }
    }
    free(ca);
    free(crt);
    free(key);
    return rc;
}

static char *dupe(const char *s) { return s ? strdup(s) : NULL; }

nc_provider_cfg *nc_provider_resolve(json_object *p, const nc_dispatch_deps *deps)
{
    nc_provider_cfg *c = calloc(1, sizeof *c);
    json_object *sec = NULL;
    if (!c) return NULL;
    c->type = dupe(fc_json_get_str(p, "spec.type"));
    c->ns = dupe(fc_json_get_str(p, "metadata.namespace"));
    c->name = dupe(fc_json_get_str(p, "metadata.name"));
    c->uid = dupe(fc_json_get_str(p, "metadata.uid"));
    c->address = dupe(fc_json_get_str(p, "spec.address"));
    c->channel = dupe(fc_json_get_str(p, "spec.channel"));
    c->username = dupe(fc_json_get_str(p, "spec.username"));
    c->proxy = dupe(fc_json_get_str(p, "spec.proxy"));
    c->timeout_ns = NC_DEFAULT_TIMEOUT_NS;
    const char *tmo = fc_json_get_str(p, "spec.timeout");
    if (tmo && *tmo && (fc_duration_parse(tmo, &c->timeout_ns) || c->timeout_ns <= 0)) {
        fc_err_set(FC_EINVAL, "invalid spec.timeout \"%s\"", tmo);
        goto fail;
    }
    if (!c->type || !*c->type) {
        fc_err_set(FC_EINVAL, "spec.type is required");
        goto fail;
    }
    const char *ns = c->ns ? c->ns : "";
    const char *sref = fc_json_get_str(p, "spec.secretRef.name");
    if (sref && *sref) {
        if (read_secret(deps, ns, sref, &sec)) goto fail;
        size_t alen = 0;
        char *addr = secret_value(sec, "address", &alen);
        if (addr) {
            if (alen > 2048) {
                free(addr);
                fc_err_set(FC_EINVAL, "invalid address in secret: address exceeds maximum length of 2048 bytes");
                goto fail;
            }
            free(c->address);
            c->address = trim(addr);
            c->address_secret = true;
        }
        char *px = trim(secret_value(sec, "proxy", NULL));
        if (px) {
            free(c->proxy);
            c->proxy = px;
        }
        size_t hlen = 0;
        char *hdr = secret_value(sec, "headers", &hlen);
        if (hdr) {
            int rc = parse_headers(hdr, hlen, c);
            free(hdr);
            if (rc) goto fail;
        }
        c->token = trim(secret_value(sec, "token", NULL));
        char *user = secret_value(sec, "username", NULL);
        if (user) {
            free(c->username);
            c->username = user;
        }
        c->password = secret_value(sec, "password", NULL);
        /* git providers may carry their CA in the same secret */
        if (nc_notifier_is_git(c->type) && !fc_json_get(p, "spec.certSecretRef.name") && tls_from_secret(sec, sref, c, false))
            goto fail;
        json_object_put(sec);
        sec = NULL;
    }
    const char *pref = fc_json_get_str(p, "spec.proxySecretRef.name");
    if (pref && *pref) {
        if (read_secret(deps, ns, pref, &sec) || proxy_from_secret(sec, pref, c)) goto fail;
        json_object_put(sec);
        sec = NULL;
    }
    const char *cref = fc_json_get_str(p, "spec.certSecretRef.name");
    if (cref && *cref) {
        if (read_secret(deps, ns, cref, &sec) || tls_from_secret(sec, cref, c, true)) goto fail;
        json_object_put(sec);
        sec = NULL;
    }
    return c;
fail:
    json_object_put(sec);
    nc_provider_cfg_free(c);
    return NULL;
}

char *nc_default_commit_status(const char *uid, const nc_event *e)
{
    const char *dash = uid ? strchr(uid, '-') : NULL;
    size_t ul = uid ? (dash ? (size_t)(dash - uid) : strlen(uid)) : 0;
    char *s = NULL;
    if (asprintf(&s, "%s/%s/%.*s", e->kind, e->name, (int)ul, uid ? uid : "") < 0) return NULL;
    for (char *p = s; *p; p++) *p = (char)tolower((unsigned char)*p);
    return s;
}

/* ------------------------------------------------------------ pipeline */

static void sent(nc_delivery *dl, int result, void *arg)
{
    nc_dispatcher *d = arg;
    dctx *c = dl->ctx;
    if (result == 0) {
        bump(d, &d->st.delivered);
        return;
    }
    bump(d, &d->st.failed_delivery);
    report_failure(d, c->alert, dl->cfg, c->involved, "send", dl->err ? dl->err : "unknown error");
}

static void process(nc_dispatcher *d, job *j)
{
    nc_alert *a = j->alert;
    nc_event *e = j->event;
    char *involved = involved_string(e);
    json_object *prov = NULL;
    nc_provider_cfg *cfg = NULL;
    if (d->o.no_cross_namespace_refs && strcmp(e->ns, a->ns)) {
        char *err = NULL;
        if (asprintf(&err, "discarding event, access denied to cross-namespace sources: alert '%s/%s' can't process event "
                           "from '%s', cross-namespace references have been blocked", a->ns, a->name, involved) > 0)
            report_failure(d, a, NULL, involved, "dispatch", err);
        free(err);
        goto failed;
    }
    prov = d->o.deps.get_provider ? d->o.deps.get_provider(d->o.deps.arg, a->ns, a->provider ? a->provider : "") : NULL;
    if (!prov) {
        char *err = NULL;
        if (asprintf(&err, "failed to read provider: Provider.notification.toolkit.fluxcd.io \"%s\" not found",
                     a->provider ? a->provider : "") > 0)
            report_failure(d, a, NULL, involved, "dispatch", err);
        free(err);
        goto failed;
    }
    if (fc_json_get_bool(prov, "spec.suspend", false)) goto skipped;
    const char *type = fc_json_get_str(prov, "spec.type");
    bool git = nc_notifier_is_git(type);
    if (!git && nc_event_is_commit_status_update(e)) goto skipped;
    const char *sa = fc_json_get_str(prov, "spec.serviceAccountName");
    if (sa && *sa) {
        report_failure(d, a, NULL, involved, "dispatch",
                       "to use spec.serviceAccountName for provider authentication please enable the "
                       "ObjectLevelWorkloadIdentity feature gate in the controller (workload identity is not supported "
                       "by this notification-controller)");
        goto failed;
    }
    /* the event as this alert sends it */
    json_object *em = nc_alert_event_metadata(a);
    char *conflicts = NULL;
    nc_event_combine_metadata(e, em, a->summary, &conflicts);
    json_object_put(em);
    if (conflicts) {
        static const char msg[] = "metadata key conflicts detected (please refer to the Alert API docs and Flux RFC 0008 for more information)";
        fc_log_kv(FC_LOG_INFO, "warning: metadata key conflicts detected", "alert", a->name, "namespace", a->ns,
                  "conflictingKeys", conflicts, NULL);
        json_object *ann = json_object_new_object();
        json_object_object_add(ann, "conflictingKeys", json_object_new_string(conflicts));
        record_alert(d, a, "Warning", "MetadataAppendFailed", msg, ann);
        json_object_put(ann);
        free(conflicts);
    }
    cfg = nc_provider_resolve(prov, &d->o.deps);
    if (!cfg) {
        char *err = NULL;
        if (asprintf(&err, "failed to initialize notifier for provider '%s': %s", a->provider, fc_err_msg()) > 0)
            report_failure(d, a, NULL, involved, "dispatch", err);
        free(err);
        goto failed;
    }
    if (git) {
        const char *expr = fc_json_get_str(prov, "spec.commitStatusExpr");
        if (expr && *expr) {
            report_failure(d, a, cfg, involved, "dispatch",
                           "failed to create commit status: spec.commitStatusExpr (CEL) is not supported by this "
                           "notification-controller yet");
            goto failed;
        }
        cfg->commit_status = nc_default_commit_status(cfg->uid, e);
    }
    nc_delivery *dl = nc_delivery_new(cfg, e);
    j->event = NULL; /* owned by the delivery now */
    cfg = NULL;
    int rc = nc_notifier_build(dl);
    if (rc == NC_SKIP) {
        nc_delivery_free(dl);
        goto skipped;
    }
    if (rc) {
        char *err = NULL;
        if (asprintf(&err, "failed to initialize notifier for provider '%s': %s", a->provider, fc_err_msg()) > 0)
            report_failure(d, a, dl->cfg, involved, "dispatch", err);
        free(err);
        nc_delivery_free(dl);
        goto failed;
    }
    dctx *c = calloc(1, sizeof *c);
    c->disp = d;
    nc_alert_ref(a);
    c->alert = a;
    c->involved = involved;
    involved = NULL;
    dl->ctx = c;
    dl->ctx_free = dctx_free;
    /* back-pressure: wait for room in the sender (a minute at most, and
     * never past shutdown) rather than drop a notification at once */
    int src = FC_ETOOBIG;
    for (int waited = 0; waited < 60; waited++) {
        src = nc_sender_submit_wait(d->sender, dl, FC_NS_PER_S);
        pthread_mutex_lock(&d->mu);
        bool stopping = d->stop;
        pthread_mutex_unlock(&d->mu);
        if (src == 0 || stopping) break;
    }
    if (src) {
        bump(d, &d->st.dropped_deliveries);
        fc_log_kv(FC_LOG_ERROR, "notification dropped: the delivery queue is full", "alert", a->name, "namespace", a->ns,
                  NULL);
        nc_delivery_free(dl);
    }
    goto out;
skipped:
    bump(d, &d->st.skipped);
    goto out;
failed:
    bump(d, &d->st.failed_prepare);
out:
    json_object_put(prov);
    nc_provider_cfg_free(cfg);
    free(involved);
}

static void *worker(void *arg)
{
    nc_dispatcher *d = arg;
    for (;;) {
        pthread_mutex_lock(&d->mu);
        while (!d->head && !d->stop) pthread_cond_wait(&d->cond, &d->mu);
        if (d->stop) {
            pthread_mutex_unlock(&d->mu);
            return NULL;
        }
        job *j = d->head;
        d->head = j->next;
        if (!d->head) d->tail = NULL;
        d->queued--;
        d->busy++;
        pthread_mutex_unlock(&d->mu);
        process(d, j);
        job_free(j);
        pthread_mutex_lock(&d->mu);
        d->busy--;
        if (!d->queued && !d->busy) pthread_cond_broadcast(&d->idle);
        pthread_mutex_unlock(&d->mu);
    }
}

nc_dispatcher *nc_dispatcher_new(const nc_dispatch_opts *o)
{
    nc_dispatcher *d = calloc(1, sizeof *d);
    if (!d) return NULL;
    d->o = *o;
    if (d->o.workers <= 0) d->o.workers = 4;
    if (!d->o.max_jobs) d->o.max_jobs = 50000;
    pthread_mutex_init(&d->mu, NULL);
    pthread_cond_init(&d->cond, NULL);
    pthread_cond_init(&d->idle, NULL);
    nc_sender_opts so = d->o.sender;
    so.done = sent;
    so.arg = d;
    d->sender = nc_sender_new(&so);
    if (!d->sender) {
        free(d);
        return NULL;
    }
    d->threads = calloc((size_t)d->o.workers, sizeof *d->threads);
    for (int i = 0; i < d->o.workers; i++)
        if (pthread_create(&d->threads[i], NULL, worker, d) == 0) d->nthreads++;
    return d;
}

int nc_dispatcher_submit(nc_dispatcher *d, nc_event *e, nc_alert *a)
{
    pthread_mutex_lock(&d->mu);
    if (d->stop || d->queued >= d->o.max_jobs) {
        d->st.dropped_jobs++;
        pthread_mutex_unlock(&d->mu);
        nc_event_free(e);
        nc_alert_unref(a);
        return fc_err_set(FC_ETOOBIG, "notification queue full (%zu jobs)", d->o.max_jobs);
    }
    job *j = calloc(1, sizeof *j);
    j->event = e;
    j->alert = a;
    if (d->tail) d->tail->next = j;
    else d->head = j;
    d->tail = j;
    d->queued++;
    d->st.jobs++;
    pthread_cond_signal(&d->cond);
    pthread_mutex_unlock(&d->mu);
    return 0;
}

int nc_dispatcher_wait_idle(nc_dispatcher *d, int64_t timeout_ns)
{
    int64_t end = fc_now_mono_ns() + timeout_ns;
    for (;;) {
        pthread_mutex_lock(&d->mu);
        bool idle = !d->queued && !d->busy;
        pthread_mutex_unlock(&d->mu);
        if (idle) {
            int64_t left = end - fc_now_mono_ns();
            if (nc_sender_wait_idle(d->sender, left > 0 ? left : 0) == 0) {
                pthread_mutex_lock(&d->mu);
                idle = !d->queued && !d->busy;
                pthread_mutex_unlock(&d->mu);
                if (idle) return 0;
            }
        }
        if (fc_now_mono_ns() > end) return FC_ETIMEOUT;
        struct timespec ts = {0, 10000000};
        nanosleep(&ts, NULL);
    }
}

void nc_dispatcher_get_stats(nc_dispatcher *d, nc_dispatch_stats *out)
{
    pthread_mutex_lock(&d->mu);
    *out = d->st;
    pthread_mutex_unlock(&d->mu);
}

void nc_dispatcher_free(nc_dispatcher *d)
{
    if (!d) return;
    pthread_mutex_lock(&d->mu);
    d->stop = true;
    pthread_cond_broadcast(&d->cond);
    pthread_mutex_unlock(&d->mu);
    for (int i = 0; i < d->nthreads; i++) pthread_join(d->threads[i], NULL);
    free(d->threads);
    nc_sender_free(d->sender);
    for (job *j = d->head; j;) {
        job *n = j->next;
        job_free(j);
        j = n;
    }
    pthread_mutex_destroy(&d->mu);
    pthread_cond_destroy(&d->cond);
    pthread_cond_destroy(&d->idle);
    free(d);
}
