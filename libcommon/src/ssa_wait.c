/*
 * ssa_wait.c: waiting for objects to reach kstatus Current (health checks,
 * staged-apply stages) and for deleted objects to disappear (fc/ssa.h).
 *
 * Polling reads each object that is not yet Current with a GET (Flux's
 * DisableStatusPollerCache default) and computes its kstatus. The first
 * round runs at once and the interval then grows (0.5 s, 0.75 s, 1.1 s, ...) up
 * to the configured one, so fast rollouts are seen fast without hammering
 * the API server for slow ones. Failure messages list only the objects that
 * are not Current, failed ones first, each with its own kstatus message,
 * which is the fix for the "which one of these 40 objects is broken?"
 * complaint about Flux's health-check errors.
 */
#include "fc/duration.h"
#include "fc/err.h"
#include "fc/json.h"
#include "fc/ssa.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define WAIT_LIST_MAX 20

typedef struct wobj {
    json_object *obj; /* borrowed */
    fc_resource res;
    bool mapped;
    fc_kstatus_result st;
    bool seen;
} wobj;

static void nap(int64_t ns)
{
    if (ns <= 0) return;
    struct timespec ts = {ns / FC_NS_PER_S, ns % FC_NS_PER_S};
    nanosleep(&ts, NULL);
}

static void poll_one(fc_kube *kube, fc_mapper *mapper, wobj *w, const fc_kstatus_opts *ko)
{
    if (!w->mapped) {
        if (fc_mapper_lookup(mapper, fc_json_get_str(w->obj, "apiVersion"), fc_json_get_str(w->obj, "kind"), &w->res)) {
            w->st.status = FC_KSTATUS_UNKNOWN;
            snprintf(w->st.message, sizeof w->st.message, "%s", fc_err_msg());
            w->seen = true;
            return;
        }
        w->mapped = true;
    }
    json_object *live = NULL;
    int rc = fc_kube_get(kube, &w->res, fc_json_get_str(w->obj, "metadata.namespace"), fc_json_get_str(w->obj, "metadata.name"),
                         &live);
    w->seen = true;
    if (rc == FC_ENOTFOUND) {
        w->st.status = FC_KSTATUS_NOT_FOUND;
        w->st.reason[0] = 0;
        snprintf(w->st.message, sizeof w->st.message, "object not found");
    } else if (rc) {
        /* keep the last known status; say why we could not refresh it */
        if (w->st.status == FC_KSTATUS_UNKNOWN || !w->st.message[0])
            snprintf(w->st.message, sizeof w->st.message, "can't determine status: %s", fc_err_msg());
    } else {
        fc_kstatus_compute(live, ko, &w->st);
    }
    json_object_put(live);
}

static void describe(fc_buf *out, wobj *ws, size_t n)
{
    size_t listed = 0, skipped = 0;
    for (int pass = 0; pass < 2; pass++) {
        for (size_t i = 0; i < n; i++) {
            wobj *w = &ws[i];
            if (w->st.status == FC_KSTATUS_CURRENT) continue;
            bool failed = w->st.status == FC_KSTATUS_FAILED;
            if ((pass == 0) != failed) continue;
            if (listed >= WAIT_LIST_MAX) {
                skipped++;
                continue;
            }
            if (listed) fc_buf_puts(out, ", ");
            fc_ssa_subject(w->obj, out);
            fc_buf_printf(out, " status: '%s'", w->seen ? fc_kstatus_name(w->st.status) : "Unknown");
            if (w->st.message[0]) fc_buf_printf(out, ": %s", w->st.message);
            else if (!w->seen) fc_buf_puts(out, ": can't determine status");
            listed++;
        }
    }
    if (skipped) fc_buf_printf(out, ", and %zu more", skipped);
}

int fc_ssa_wait(fc_kube *kube, fc_mapper *mapper, json_object *objects, const fc_ssa_wait_opts *o)
{
    size_t n = objects ? json_object_array_length(objects) : 0;
    if (n == 0) return 0;
    int64_t interval = o && o->interval_ns > 0 ? o->interval_ns : 5 * FC_NS_PER_S;
    int64_t timeout = o && o->timeout_ns > 0 ? o->timeout_ns : 60 * FC_NS_PER_S;
    wobj *ws = calloc(n, sizeof *ws);
    if (!ws) return fc_err_set(FC_ENOMEM, "out of memory");
    for (size_t i = 0; i < n; i++) ws[i].obj = json_object_array_get_idx(objects, i);
    int64_t start = fc_now_mono_ns(), deadline = start + timeout, step = FC_NS_PER_S / 2;
    int rc = 0;
    for (;;) {
        size_t current = 0, failed = 0;
        for (size_t i = 0; i < n; i++) {
            if (ws[i].st.status != FC_KSTATUS_CURRENT) poll_one(kube, mapper, &ws[i], o ? o->kstatus : NULL);
            if (ws[i].st.status == FC_KSTATUS_CURRENT) current++;
            else if (ws[i].st.status == FC_KSTATUS_FAILED) failed++;
        }
        if (current == n) break;
        fc_buf m;
        fc_buf_init(&m, 0);
        if (o && o->fail_fast && failed) {
            fc_buf_puts(&m, "failed early due to stalled resources: [");
            describe(&m, ws, n);
            fc_buf_putc(&m, ']');
            rc = fc_err_set(FC_EINVAL, "%s", m.ptr);
        } else if (fc_now_mono_ns() >= deadline) {
            fc_buf_puts(&m, "timeout waiting for: [");
            describe(&m, ws, n);
            fc_buf_putc(&m, ']');
            rc = fc_err_set(FC_ETIMEOUT, "%s", m.ptr);
        } else if (o && o->cancelled && o->cancelled(o->cancel_arg)) {
            rc = fc_err_set(FC_ETIMEOUT, "wait canceled");
        }
        fc_buf_dispose(&m);
        if (rc) break;
        int64_t left = deadline - fc_now_mono_ns();
        nap(step < left ? step : left);
        step = step + step / 2 > interval ? interval : step + step / 2;
    }
    free(ws);
    return rc;
}

int fc_ssa_wait_termination(fc_kube *kube, fc_mapper *mapper, json_object *objects, int64_t interval_ns,
                            int64_t timeout_ns)
{
    size_t n = objects ? json_object_array_length(objects) : 0;
    int64_t deadline = fc_now_mono_ns() + (timeout_ns > 0 ? timeout_ns : 60 * FC_NS_PER_S);
    int64_t iv = interval_ns > 0 ? interval_ns : 2 * FC_NS_PER_S;
    for (size_t i = 0; i < n; i++) {
        json_object *obj = json_object_array_get_idx(objects, i);
        fc_resource res;
        if (fc_mapper_lookup(mapper, fc_json_get_str(obj, "apiVersion"), fc_json_get_str(obj, "kind"), &res)) continue;
        for (;;) {
            json_object *live = NULL;
            int rc = fc_kube_get(kube, &res, fc_json_get_str(obj, "metadata.namespace"), fc_json_get_str(obj, "metadata.name"),
                                 &live);
            json_object_put(live);
            if (rc == FC_ENOTFOUND) break;
            if (fc_now_mono_ns() >= deadline) {
                fc_buf s;
                fc_buf_init(&s, 0);
                fc_ssa_subject(obj, &s);
                rc = fc_err_set(FC_ETIMEOUT, "%s termination timeout", s.ptr);
                fc_buf_dispose(&s);
                return rc;
            }
            nap(iv);
        }
    }
    return 0;
}
