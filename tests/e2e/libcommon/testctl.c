/*
 * testctl: a minimal controller built on libcommon's manager and reconcile
 * driver, for the e2e tests of the runtime (tests/e2e/10-runtime.sh). It
 * reconciles TestKind objects (test.fluxc.io/v1, CRD in testkind-crd.yaml):
 *   spec.message  -> Ready=True, reason Succeeded, that message
 *   spec.fail     -> Ready=False, reason TestFailed (retried with backoff)
 *   spec.stall    -> Stalled=True, reason InvalidSpec (no retry)
 *   spec.sleep    -> the reconcile takes that many milliseconds
 * and records status.reconciledBy = $TESTCTL_ID and status.reconciles (a
 * counter), so tests can tell which replica did the work and how often.
 * Deleting an object runs a finalizer that emits a "Finalized" event.
 */
#include "fc/conditions.h"
#include "fc/controller.h"
#include "fc/duration.h"
#include "fc/json.h"
#include <stdlib.h>
#include <string.h>
#include <time.h>

static fc_result reconcile(fc_rctx *r)
{
    const char *id = getenv("TESTCTL_ID");
    int64_t n = fc_json_get_int(r->obj, "status.reconciles", 0);
    fc_json_set(r->obj, "status.reconciles", json_object_new_int64(n + 1));
    fc_json_set_str(r->obj, "status.reconciledBy", id ? id : "testctl");
    int64_t sleep_ms = fc_json_get_int(r->obj, "spec.sleep", 0);
    if (sleep_ms > 0) {
        fc_rctx_progressing(r, "sleeping %lld ms", (long long)sleep_ms);
        struct timespec ts = {sleep_ms / 1000, (sleep_ms % 1000) * 1000000};
        nanosleep(&ts, NULL);
    }
    if (fc_json_get_bool(r->obj, "spec.stall", false)) {
        fc_rctx_fail(r, "InvalidSpec", "spec.stall is set: this object can never be reconciled");
        fc_rctx_event(r, FC_EVENT_WARNING, "InvalidSpec", NULL, "spec.stall is set");
        return fc_stalled();
    }
    if (fc_json_get_bool(r->obj, "spec.fail", false)) {
        fc_rctx_fail(r, "TestFailed", "spec.fail is set");
        fc_rctx_event(r, FC_EVENT_WARNING, "TestFailed", NULL, "spec.fail is set");
        return fc_retry(0);
    }
    const char *msg = fc_json_get_str(r->obj, "spec.message");
    fc_cond_set(r->obj, "Ready", "True", "Succeeded", msg ? msg : "ok");
    json_object *md = json_object_new_object();
    json_object_object_add(md, "test.fluxc.io/revision", json_object_new_string(msg ? msg : "ok"));
    fc_rctx_event(r, FC_EVENT_NORMAL, "TestSucceeded", md, "reconciled: %s", msg ? msg : "ok");
    json_object_put(md);
    return fc_success();
}

static fc_result finalize(fc_rctx *r)
{
    fc_rctx_event(r, FC_EVENT_NORMAL, "Finalized", NULL, "cleanup done");
    return fc_success();
}

static const fc_kind testkind = {
    .res = {"test.fluxc.io", "v1", "testkinds", "TestKind", true},
    .controller_name = "testkind",
    .field_owner = "testctl",
    .reconcile = reconcile,
    .finalize = finalize,
};

int main(int argc, char **argv)
{
    static const fc_flag flags[] = {{0}};
    const fc_kind *kinds[] = {&testkind, NULL};
    fc_manager_opts o = {
        .name = "testctl",
        .summary = "testctl: a test controller for libcommon's runtime",
        .flags = flags,
        .kinds = kinds,
        .default_concurrent = 2,
    };
    return fc_manager_run(&o, argc, argv);
}
