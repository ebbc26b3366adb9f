/*
 * finalize.c: what happens when a Kustomization is deleted (reference 2.5).
 *
 * With deletionPolicy MirrorPrune (the default) and prune: true, Delete, or
 * WaitForTermination, the objects in status.inventory that still carry our
 * owner labels and are not marked prune/reconcile: disabled (or ssa:
 * Ignore) are deleted in reverse apply order, Namespaces protected as in
 * prune.c; WaitForTermination then waits (2 s polls, spec.timeout) until
 * they are gone. Orphan, MirrorPrune with prune: false, an empty inventory
 * or a suspended object delete nothing (the driver does not call us for
 * suspended objects). When the service account to impersonate is gone, the
 * objects are listed in an event and the finalizer is removed anyway, as
 * Flux does, so a deleted tenant does not wedge the deletion.
 */
#include "ksc.h"
#include "fc/controller.h"
#include "fc/duration.h"
#include "fc/err.h"
#include "fc/json.h"
#include "fc/log.h"
#include "fc/ssa.h"
#include <stdlib.h>
#include <string.h>

#define GROUP "kustomize.toolkit.fluxcd.io"

static bool should_delete(json_object *obj)
{
    json_object *entries = fc_json_get(obj, "status.inventory.entries");
    if (!entries || json_object_array_length(entries) == 0) return false;
    const char *policy = fc_json_get_str(obj, "spec.deletionPolicy");
    if (!policy || !*policy || !strcmp(policy, "MirrorPrune")) return fc_json_get_bool(obj, "spec.prune", false);
    return !strcmp(policy, "Delete") || !strcmp(policy, "WaitForTermination");
}

static const char *const prune_excl[] = {GROUP "/prune", "disabled", GROUP "/reconcile", "disabled", GROUP "/ssa", "ignore", NULL};

fc_result ksc_finalize(fc_rctx *r)
{
    if (!should_delete(r->obj)) return fc_success();
    const char *rev = fc_json_get_str(r->obj, "status.lastAppliedRevision");
    const char *origin = fc_json_get_str(r->obj, "status.lastAppliedOriginRevision");
    json_object *entries = fc_json_get(r->obj, "status.inventory.entries");
    json_object *objects = ksc_inv_diff(entries, NULL);
    fc_ssa_sort(objects);
    fc_result res = fc_success();
    ksc_client cl = {0};
    fc_ssa_changeset cs;
    fc_ssa_changeset_init(&cs);
    if (!ksc_client_can_impersonate(r->kube, r->obj, fc_manager_default_sa(r->mgr))) {
        fc_buf list;
        fc_buf_init(&list, 0);
        for (size_t i = 0; i < json_object_array_length(objects); i++) {
            if (i) fc_buf_putc(&list, '\n');
            fc_ssa_subject(json_object_array_get_idx(objects, i), &list);
        }
        fc_log(FC_LOG_ERROR, "skipping pruning, failed to find account to impersonate");
        ksc_event(r, true, NULL, rev, origin, NULL, NULL, "unable to prune objects: \n%s", list.ptr ? list.ptr : "");
        fc_buf_dispose(&list);
        goto out;
    }
    if (ksc_client_for(r->kube, fc_manager_mapper(r->mgr), r->obj, fc_manager_default_sa(r->mgr), &cl)) {
        fc_rctx_fail(r, "PruneFailed", "failed to build kube client: %s", fc_err_msg());
        res = fc_retry(0);
        goto out;
    }
    const char *incl[] = {GROUP "/name", r->name, GROUP "/namespace", r->ns, NULL};
    ksc_prune_ctx pc = {r->kube, r->name, r->ns, fc_manager_runtime_ns(r->mgr)};
    fc_ssa_delete_opts dopt = {"Background", incl, prune_excl, ksc_prune_guard, &pc};
    int rc = fc_ssa_delete_all(cl.kube, cl.mapper, objects, &dopt, &cs);
    for (size_t i = 0; i < cs.n; i++)
        if (cs.entries[i].note)
            ksc_event(r, true, "PruneSkipped", rev, origin, NULL, NULL, "%s was not deleted: %s", cs.entries[i].subject,
                      cs.entries[i].note);
    if (rc) {
        fc_log(FC_LOG_ERROR, "pruning for deleted resource failed: %s", fc_err_msg());
        ksc_event(r, true, NULL, rev, origin, NULL, NULL, "pruning for deleted resource failed");
        res = fc_retry(0);
        goto out;
    }
    fc_buf changes;
    fc_buf_init(&changes, 0);
    fc_ssa_changeset_string(&cs, true, &changes);
    if (changes.len) {
        ksc_event(r, false, NULL, rev, origin, NULL, NULL, "%s", changes.ptr);
        const char *policy = fc_json_get_str(r->obj, "spec.deletionPolicy");
        if (policy && !strcmp(policy, "WaitForTermination")) {
            json_object *gone = json_object_new_array();
            for (size_t i = 0; i < cs.n; i++) {
                if (cs.entries[i].action != FC_SSA_DELETED) continue;
                ksc_objref o = {cs.entries[i].ns, cs.entries[i].name, cs.entries[i].group, cs.entries[i].kind,
                                cs.entries[i].version};
                json_object_array_add(gone, ksc_objref_to_object(&o));
            }
            if (fc_ssa_wait_termination(cl.kube, cl.mapper, gone, 2 * FC_NS_PER_S, ksc_timeout(r->obj))) {
                fc_log(FC_LOG_ERROR, "failed to wait for resources termination: %s", fc_err_msg());
                ksc_event(r, true, NULL, rev, origin, NULL, NULL, "failed to wait for resources termination");
            }
            json_object_put(gone);
        }
    }
    fc_buf_dispose(&changes);
out:
    ksc_client_dispose(&cl);
    fc_ssa_changeset_dispose(&cs);
    json_object_put(objects);
    return res;
}
