/*
 * controller.c: one controller per kind and the reconcile driver that
 * implements Flux's contract (see fc/controller.h for the steps).
 *
 * The informer's handlers apply controller-runtime's predicates as Flux
 * configures them (GenerationChanged OR ReconcileRequested, plus deletion) and
 * enqueue "<ns>/<name>" keys. Workers take keys from the workqueue and run
 * process_key(); everything the kind does happens on a private deep copy of
 * the cached object. Status is written with a JSON merge patch containing
 * only the status fields that changed (removed fields as null), so no
 * optimistic-lock conflicts arise and unchanged reconciles write nothing.
 * Finalizer edits use a merge patch carrying resourceVersion and retry on
 * 409 with a fresh read.
 */
#include "controller_internal.h"
#include "fc/conditions.h"
#include "fc/duration.h"
#include "fc/err.h"
#include "fc/json.h"
#include "fc/metrics.h"
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static fc_metric *m_duration, *m_total, *m_errors, *m_time;

void fc__controller_metrics_init(void)
{
    static const double b[] = {1e-8, 1e-7, 1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1, 10};
    static const double rb[] = {0.005, 0.01, 0.025, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.6, 0.7,
                                0.8, 0.9, 1.0, 1.25, 1.5, 1.75, 2.0, 2.5, 3.0, 3.5, 4.0, 4.5, 5, 6, 7, 8, 9, 10, 15,
                                20, 25, 30, 40, 50, 60};
    static const char *const l3[] = {"kind", "name", "namespace", NULL};
    static const char *const lc[] = {"controller", "result", NULL};
    static const char *const lc1[] = {"controller", NULL};
    m_duration = fc_metric_histogram("gotk_reconcile_duration_seconds",
                                     "The duration in seconds of a GitOps Toolkit resource reconciliation.", l3, b, 10);
    m_total = fc_metric_counter("controller_runtime_reconcile_total", "Total number of reconciliations per controller", lc);
    m_errors = fc_metric_counter("controller_runtime_reconcile_errors_total",
                                 "Total number of reconciliation errors per controller", lc1);
    m_time = fc_metric_histogram("controller_runtime_reconcile_time_seconds",
                                 "Length of time per reconciliation per controller", lc1, rb, (int)(sizeof rb / sizeof rb[0]));
}

/* ------------------------------------------------------------- predicates */

static bool requested_changed(json_object *a, json_object *b)
{
    const char *x = fc_json_key_str(fc_json_get(a, "metadata.annotations"), FC_ANN_REQUESTED_AT);
    const char *y = fc_json_key_str(fc_json_get(b, "metadata.annotations"), FC_ANN_REQUESTED_AT);
    if (!y) return false;
    return !x || strcmp(x, y) != 0;
}

static void enqueue_obj(fc_controller *c, json_object *obj)
{
    char key[640];
    fc_object_key(obj, key, sizeof key);
    fc_wq_add(c->queue, key);
}

static void on_add(json_object *obj, void *arg) { enqueue_obj(arg, obj); }

static void on_update(json_object *old, json_object *nw, void *arg)
{
    fc_controller *c = arg;
    int64_t g0 = fc_json_get_int(old, "metadata.generation", 0), g1 = fc_json_get_int(nw, "metadata.generation", 0);
    bool deleting = fc_json_get(nw, "metadata.deletionTimestamp") != NULL;
    bool was_deleting = fc_json_get(old, "metadata.deletionTimestamp") != NULL;
    if (g0 != g1 || requested_changed(old, nw) || (deleting && !was_deleting)) enqueue_obj(c, nw);
}

/* ----------------------------------------------------------- rctx helpers */

void fc_rctx_fail(fc_rctx *r, const char *reason, const char *fmt, ...)
{
    char *m = NULL;
    va_list ap;
    va_start(ap, fmt);
    if (vasprintf(&m, fmt, ap) < 0) m = NULL;
    va_end(ap);
    free(r->fail_reason);
    free(r->fail_message);
    r->fail_reason = strdup(reason);
    r->fail_message = m ? m : strdup("");
}

int64_t fc_rctx_interval(fc_rctx *r)
{
    const char *iv = fc_json_get_str(r->obj, "spec.interval");
    int64_t ns = 0;
    if (!iv || fc_duration_parse(iv, &ns) || ns < 0) return 0;
    return ns;
}

static json_object *status_of(json_object *obj)
{
    json_object *st = fc_json_key(obj, "status");
    return st && json_object_is_type(st, json_type_object) ? st : NULL;
}

/* Merge patch from old status to new status: changed keys, removed = null. */
static json_object *status_diff(json_object *old, json_object *nw)
{
    json_object *d = json_object_new_object();
    if (nw) {
        json_object_object_foreach(nw, k, v) {
            json_object *o = fc_json_key(old, k);
            bool had = old && json_object_object_get_ex(old, k, NULL);
            if (!had || !fc_json_equal(o, v)) json_object_object_add(d, k, fc_json_copy(v));
        }
    }
    if (old) {
        json_object_object_foreach(old, k, v) {
            (void)v;
            if (!nw || !json_object_object_get_ex(nw, k, NULL)) json_object_object_add(d, k, NULL);
        }
    }
    return d;
}

int fc_rctx_patch_status(fc_rctx *r)
{
    const fc_kind *kind = r->ctrl->kind;
    if (kind->no_status) return 0;
    json_object *nw = status_of(r->obj);
    json_object *diff = status_diff(r->patched_status, nw);
    int rc = 0;
    if (json_object_object_length(diff) > 0) {
        json_object *patch = json_object_new_object();
        json_object_object_add(patch, "status", diff);
        char *body = fc_json_dump(patch);
        json_object_put(patch);
        rc = fc_kube_patch(r->kube, &kind->res, r->ns, r->name, "status", FC_PATCH_MERGE, body, kind->field_owner, NULL);
        free(body);
        if (rc == FC_ENOTFOUND) rc = 0; /* deleted meanwhile */
        if (!rc) {
            json_object_put(r->patched_status);
            r->patched_status = fc_json_copy(nw);
        } else {
            fc_log(FC_LOG_ERROR, "failed to patch status: %s", fc_err_msg());
        }
    } else {
        json_object_put(diff);
    }
    return rc;
}

int fc_rctx_progressing(fc_rctx *r, const char *fmt, ...)
{
    char *m = NULL;
    va_list ap;
    va_start(ap, fmt);
    if (vasprintf(&m, fmt, ap) < 0) m = NULL;
    va_end(ap);
    fc_cond_mark_reconciling(r->obj, "Progressing", m ? m : "");
    fc_cond_set(r->obj, "Ready", "Unknown", "Progressing", m ? m : "");
    free(m);
    return fc_rctx_patch_status(r);
}

void fc_rctx_event(fc_rctx *r, const char *type, const char *reason, json_object *metadata, const char *fmt, ...)
{
    char *m = NULL;
    va_list ap;
    va_start(ap, fmt);
    if (vasprintf(&m, fmt, ap) < 0) m = NULL;
    va_end(ap);
    if (strcmp(type, FC_EVENT_WARNING) == 0) fc_log_kv(FC_LOG_ERROR, m ? m : "", "reason", reason, NULL);
    fc_recorder_event(fc_manager_recorder(r->mgr), r->obj, type, reason, m ? m : "", metadata);
    free(m);
}

/* -------------------------------------------------------------- finalizer */

typedef struct { bool add; } fin_arg;

static bool has_finalizer(json_object *obj)
{
    json_object *f = fc_json_get(obj, "metadata.finalizers");
    for (size_t i = 0; f && i < json_object_array_length(f); i++) {
        const char *s = json_object_get_string(json_object_array_get_idx(f, i));
        if (s && !strcmp(s, FC_FINALIZER)) return true;
    }
    return false;
}

/* Add or remove our finalizer with an optimistic-lock merge patch; on 409,
 * re-read from the API server and retry. On success *obj is replaced by the
 * server's answer. */
static int edit_finalizer(fc_rctx *r, bool add)
{
    const fc_kind *kind = r->ctrl->kind;
    for (int attempt = 0; attempt < 5; attempt++) {
        json_object *f = fc_json_get(r->obj, "metadata.finalizers");
        json_object *nf = json_object_new_array();
        for (size_t i = 0; f && i < json_object_array_length(f); i++) {
            json_object *e = json_object_array_get_idx(f, i);
            const char *s = json_object_get_string(e);
            if (!add && s && !strcmp(s, FC_FINALIZER)) continue;
            json_object_array_add(nf, json_object_get(e));
        }
        if (add) json_object_array_add(nf, json_object_new_string(FC_FINALIZER));
        json_object *patch = json_object_new_object();
        json_object *md = json_object_new_object();
        json_object_object_add(md, "finalizers", nf);
        const char *rv = fc_json_get_str(r->obj, "metadata.resourceVersion");
        if (rv) json_object_object_add(md, "resourceVersion", json_object_new_string(rv));
        json_object_object_add(patch, "metadata", md);
        char *body = fc_json_dump(patch);
        json_object_put(patch);
        json_object *out = NULL;
        int rc = fc_kube_patch(r->kube, &kind->res, r->ns, r->name, NULL, FC_PATCH_MERGE, body, kind->field_owner, &out);
        free(body);
        if (rc == 0) {
            if (out) {
                /* keep our in-memory status edits; take metadata from the server */
                json_object *md2 = fc_json_key(out, "metadata");
                if (md2) json_object_object_add(r->obj, "metadata", json_object_get(md2));
                json_object_put(out);
            }
            return 0;
        }
        if (rc != FC_ECONFLICT) return rc;
        json_object *fresh = NULL;
        if ((rc = fc_kube_get(r->kube, &kind->res, r->ns, r->name, &fresh))) return rc;
        json_object *md2 = fc_json_key(fresh, "metadata");
        json_object_object_add(r->obj, "metadata", json_object_get(md2));
        json_object_put(fresh);
        if (add == has_finalizer(r->obj)) return 0;
    }
    return fc_err_set(FC_ECONFLICT, "could not update finalizers after repeated conflicts");
}

/* ------------------------------------------------------------------ finish */

static void finish(fc_rctx *r, fc_result res)
{
    const fc_kind *kind = r->ctrl->kind;
    json_object *obj = r->obj;
    const char *req = fc_json_key_str(fc_json_get(obj, "metadata.annotations"), FC_ANN_REQUESTED_AT);
    if (!kind->no_status) {
        if (req) fc_json_set_str(obj, "status.lastHandledReconcileAt", req);
        const char *reason = r->fail_reason ? r->fail_reason : "ReconciliationFailed";
        const char *msg = r->fail_message ? r->fail_message : "reconciliation failed";
        switch (res.kind) {
        case FC_RESULT_SUCCESS:
            fc_cond_delete(obj, "Reconciling");
            fc_cond_delete(obj, "Stalled");
            if (kind->ready_from) fc_cond_summarize(obj, "Ready", kind->ready_from, kind->negative_polarity);
            if (fc_json_get(obj, "status.conditions")) fc_json_set(obj, "status.observedGeneration", json_object_new_int64(r->generation));
            break;
        case FC_RESULT_REQUEUE:
        case FC_RESULT_ERROR:
            fc_cond_delete(obj, "Stalled");
            if (kind->ready_from) fc_cond_summarize(obj, "Ready", kind->ready_from, kind->negative_polarity);
            if (res.kind == FC_RESULT_ERROR && !fc_cond_is_false(obj, "Ready")) fc_cond_set(obj, "Ready", "False", reason, msg);
            if (fc_cond_get(obj, "Reconciling") && !fc_cond_is_true(obj, "Ready")) {
                char *m = strdup(fc_cond_message(obj, "Reconciling") ? fc_cond_message(obj, "Reconciling") : "");
                fc_cond_set(obj, "Reconciling", "True", "ProgressingWithRetry", m);
                free(m);
            }
            break;
        case FC_RESULT_STALLED:
            fc_cond_mark_stalled(obj, reason, msg);
            fc_cond_set(obj, "Ready", "False", reason, msg);
            fc_json_set(obj, "status.observedGeneration", json_object_new_int64(r->generation));
            break;
        }
        fc_rctx_patch_status(r);
    }
    double secs = (double)(fc_now_mono_ns() - r->started) / 1e9;
    const char *lv[] = {kind->res.kind, r->name, r->ns, NULL};
    fc_metric_observe(m_duration, lv, secs);
    const char *cv[] = {kind->controller_name, NULL};
    fc_metric_observe(m_time, cv, secs);
    const char *result = res.kind == FC_RESULT_ERROR ? "error" : res.kind == FC_RESULT_REQUEUE ? "requeue_after" : "success";
    const char *rv[] = {kind->controller_name, result, NULL};
    fc_metric_add(m_total, rv, 1);
    if (res.kind == FC_RESULT_ERROR) fc_metric_add(m_errors, cv, 1);

    char key[640];
    snprintf(key, sizeof key, "%s%s%s", r->ns ? r->ns : "", r->ns && *r->ns ? "/" : "", r->name);
    switch (res.kind) {
    case FC_RESULT_SUCCESS: {
        fc_wq_forget(r->ctrl->queue, key);
        int64_t after = res.after > 0 ? res.after : fc_manager_jitter(r->mgr, fc_rctx_interval(r));
        if (after > 0) fc_wq_add_after(r->ctrl->queue, key, after);
        break;
    }
    case FC_RESULT_REQUEUE:
        fc_wq_forget(r->ctrl->queue, key);
        fc_wq_add_after(r->ctrl->queue, key, res.after > 0 ? res.after : FC_NS_PER_S);
        break;
    case FC_RESULT_ERROR:
        fc_log_kv(FC_LOG_ERROR, "Reconciler error", "error", r->fail_message ? r->fail_message : fc_cond_message(obj, "Ready"), NULL);
        if (res.after > 0) fc_wq_add_after(r->ctrl->queue, key, res.after);
        else fc_wq_add_rate_limited(r->ctrl->queue, key);
        break;
    case FC_RESULT_STALLED:
        fc_wq_forget(r->ctrl->queue, key);
        break;
    }
}

/* --------------------------------------------------------------- process */

static void new_reconcile_id(char out[40])
{
    unsigned char b[16];
    FILE *f = fopen("/dev/urandom", "rb");
    if (!f || fread(b, 1, sizeof b, f) != sizeof b) {
        for (int i = 0; i < 16; i++) b[i] = (unsigned char)rand();
    }
    if (f) fclose(f);
    b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
    b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
    snprintf(out, 40, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0], b[1], b[2], b[3],
             b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
}

static void rctx_dispose(fc_rctx *r)
{
    json_object_put(r->obj);
    json_object_put(r->patched_status);
    free(r->fail_reason);
    free(r->fail_message);
    fc_log_set_ctx(NULL);
}

static void process_key(fc_controller *c, const char *key)
{
    const fc_kind *kind = c->kind;
    char ns[320] = "", name[320];
    const char *slash = strchr(key, '/');
    if (slash) {
        snprintf(ns, sizeof ns, "%.*s", (int)(slash - key), key);
        snprintf(name, sizeof name, "%s", slash + 1);
    } else {
        snprintf(name, sizeof name, "%s", key);
    }
    json_object *obj = fc_informer_get(c->informer, ns, name);
    if (!obj) {
        fc_wq_forget(c->queue, key);
        return;
    }
    fc_rctx r;
    memset(&r, 0, sizeof r);
    r.ctrl = c;
    r.mgr = c->mgr;
    r.kube = fc_manager_kube(c->mgr);
    r.obj = obj;
    r.ns = ns;
    r.name = name;
    r.generation = fc_json_get_int(obj, "metadata.generation", 0);
    r.user = kind->user;
    r.started = fc_now_mono_ns();
    r.patched_status = fc_json_copy(status_of(obj));
    new_reconcile_id(r.reconcile_id);
    r.log = (fc_log_ctx){kind->controller_name, kind->res.kind, ns, name, r.reconcile_id};
    fc_log_set_ctx(&r.log);

    bool suspended = fc_json_get_bool(obj, "spec.suspend", false);
    if (fc_json_get(obj, "metadata.deletionTimestamp")) {
        if (!has_finalizer(obj)) goto out;
        fc_result res = fc_success();
        if (kind->finalize && (!suspended || kind->finalize_when_suspended)) res = kind->finalize(&r);
        if (res.kind == FC_RESULT_SUCCESS || res.kind == FC_RESULT_STALLED) {
            if (edit_finalizer(&r, false) && fc_err_code() != FC_ENOTFOUND) {
                fc_log(FC_LOG_ERROR, "failed to remove finalizer: %s", fc_err_msg());
                fc_wq_add_rate_limited(c->queue, key);
            } else {
                fc_wq_forget(c->queue, key);
            }
        } else {
            fc_rctx_patch_status(&r);
            if (res.after > 0) fc_wq_add_after(c->queue, key, res.after);
            else fc_wq_add_rate_limited(c->queue, key);
        }
        goto out;
    }
    if (!has_finalizer(obj) && !kind->no_status) {
        if (edit_finalizer(&r, true)) {
            if (fc_err_code() != FC_ENOTFOUND) {
                fc_log(FC_LOG_ERROR, "failed to add finalizer: %s", fc_err_msg());
                fc_wq_add_rate_limited(c->queue, key);
            }
            goto out;
        }
    }
    if (suspended) {
        fc_log(FC_LOG_INFO, "Reconciliation is suspended for this object");
        fc_wq_forget(c->queue, key);
        goto out;
    }
    finish(&r, kind->reconcile(&r));
out:
    rctx_dispose(&r);
}

static void *worker(void *arg)
{
    fc_controller *c = arg;
    for (;;) {
        char *key = fc_wq_get(c->queue);
        if (!key) break;
        process_key(c, key);
        fc_wq_done(c->queue, key);
        free(key);
    }
    return NULL;
}

/* --------------------------------------------------------------- lifecycle */

fc_controller *fc__controller_new(fc_manager *m, const fc_kind *kind, int workers, const char *ns,
                                  const char *selector, int64_t min_retry, int64_t max_retry)
{
    fc_controller *c = calloc(1, sizeof *c);
    if (!c) return NULL;
    c->mgr = m;
    c->kind = kind;
    c->workers = workers > 0 ? workers : 1;
    c->queue = fc_wq_new(kind->controller_name, min_retry, max_retry);
    fc_informer_opts io = {.ns = ns, .label_selector = selector};
    c->informer = fc_informer_new(fc_manager_loop(m), fc_manager_kube(m), &kind->res, &io);
    fc_informer_handler h = {on_add, on_update, NULL, c};
    fc_informer_add_handler(c->informer, &h);
    return c;
}

int fc__controller_start_workers(fc_controller *c)
{
    c->threads = calloc((size_t)c->workers, sizeof(pthread_t));
    for (int i = 0; i < c->workers; i++) {
        if (pthread_create(&c->threads[i], NULL, worker, c)) return fc_err_set(FC_ERR, "cannot start worker thread");
        c->nthreads++;
    }
    return 0;
}

void fc__controller_stop_workers(fc_controller *c)
{
    fc_wq_shutdown(c->queue, true);
    for (int i = 0; i < c->nthreads; i++) pthread_join(c->threads[i], NULL);
    c->nthreads = 0;
    free(c->threads);
    c->threads = NULL;
}

void fc__controller_free(fc_controller *c)
{
    if (!c) return;
    fc_informer_free(c->informer);
    fc_wq_free(c->queue);
    free(c);
}

fc_informer *fc_controller_informer(fc_controller *c) { return c->informer; }
fc_manager *fc_controller_manager(fc_controller *c) { return c->mgr; }
const fc_kind *fc_controller_kind(fc_controller *c) { return c->kind; }

void fc_controller_enqueue(fc_controller *c, const char *ns, const char *name)
{
    char key[640];
    snprintf(key, sizeof key, "%s%s%s", ns ? ns : "", ns && *ns ? "/" : "", name);
    fc_wq_add(c->queue, key);
}

void fc_controller_enqueue_after(fc_controller *c, const char *ns, const char *name, int64_t delay_ns)
{
    char key[640];
    snprintf(key, sizeof key, "%s%s%s", ns ? ns : "", ns && *ns ? "/" : "", name);
    fc_wq_add_after(c->queue, key, delay_ns);
}
