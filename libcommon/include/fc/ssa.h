/*
 * fc/ssa.h: staged server-side apply, garbage collection and waiting, the
 * machinery of fluxcd/pkg/ssa that kustomize-controller (and later
 * helm-controller's drift correction) builds on.
 *
 * Apply (fc_ssa_apply_all_staged):
 *   - objects are applied in three stages: cluster definitions (CRDs,
 *     Namespaces, ClusterRoles), then every kind ending in "Class", then the
 *     rest; the first two stages are waited for (kstatus Current) before the
 *     next starts, so custom resources and namespaced objects never race
 *     their definitions;
 *   - within a stage objects are sorted by Flux's kind order, then group,
 *     namespace and name;
 *   - each object is first applied with dryRun=All (concurrently, up to
 *     opts->concurrency) and compared with the live object: new ->
 *     "created", labels/annotations/spec differ -> "configured", otherwise
 *     "unchanged" and not applied at all (no resourceVersion churn);
 *     objects matching the exclusion selector (on the desired or the live
 *     object) or the if-not-present selector (when the object exists) are
 *     "skipped";
 *   - a dry-run failing on an immutable field deletes and recreates the
 *     object when opts->force is set or the force selector matches;
 *   - before applying, stale metadata is cleaned from the live object
 *     (annotations, labels, managedFields of other managers folded into
 *     ours) unless the cleanup exclusion matches;
 *   - then the changed objects are applied in order with force ownership.
 * Selectors match a label or an annotation whose value equals the selector's
 * value case-insensitively (Flux's AnyInMetadata).
 *
 * Errors read like Flux's ("Deployment/apps/web dry-run failed (Invalid):
 * ...", "... apply failed: ..."); the change set of what was already done is
 * still returned so callers can report partial progress.
 */
#ifndef FC_SSA_H
#define FC_SSA_H
#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>
#include "fc/buf.h"
#include "fc/discovery.h"
#include "fc/kstatus.h"
#include "fc/kube.h"

typedef enum {
    FC_SSA_CREATED,
    FC_SSA_CONFIGURED,
    FC_SSA_UNCHANGED,
    FC_SSA_DELETED,
    FC_SSA_SKIPPED,
    FC_SSA_UNKNOWN,
} fc_ssa_action;

typedef struct fc_ssa_entry {
    char *subject; /* "Kind/namespace/name" (cluster-scoped: "Kind/name") */
    char *group, *version, *kind, *ns, *name;
    fc_ssa_action action;
    char *note;    /* why it was skipped (prune protection), or NULL */
} fc_ssa_entry;

typedef struct fc_ssa_changeset {
    fc_ssa_entry *entries;
    size_t n, cap;
} fc_ssa_changeset;

void fc_ssa_changeset_init(fc_ssa_changeset *cs);
void fc_ssa_changeset_dispose(fc_ssa_changeset *cs);
/* "created", "configured", "unchanged", "deleted", "skipped", "unknown" */
const char *fc_ssa_action_name(fc_ssa_action a);
/* One "<subject> <action>" line per entry, '\n'-separated, no trailing
 * newline; with changed_only, unchanged and skipped entries are left out. */
void fc_ssa_changeset_string(const fc_ssa_changeset *cs, bool changed_only, fc_buf *out);

/* A managedFields manager to fold into ours ("kubectl" + "Update"...). */
typedef struct fc_ssa_manager_ref {
    const char *name;      /* prefix match, like Flux */
    const char *operation; /* "Apply" or "Update" */
} fc_ssa_manager_ref;

/* Selectors are NULL-terminated flat arrays {key1, value1, key2, value2, NULL}. */
typedef struct fc_ssa_apply_opts {
    const char *field_manager;            /* required */
    bool force;                           /* recreate on immutable-field errors */
    const char *const *exclusion;         /* never applied */
    const char *const *if_not_present;    /* applied only when absent */
    const char *const *force_selector;    /* recreate on immutable errors */
    const char *const *cleanup_annotations;
    const char *const *cleanup_labels;
    const fc_ssa_manager_ref *cleanup_managers; /* terminated by {NULL, NULL} */
    const char *const *cleanup_exclusion;
    int concurrency;                      /* dry-runs in flight; 0 = 4 */
    int64_t wait_interval_ns;             /* stage waits; 0 = 2 s */
    int64_t wait_timeout_ns;              /* 0 = 60 s */
} fc_ssa_apply_opts;

/* Apply objects (a json array; not modified) with kube, resolving kinds with
 * mapper. cs receives one entry per object in apply order. */
int fc_ssa_apply_all_staged(fc_kube *kube, fc_mapper *mapper, json_object *objects, const fc_ssa_apply_opts *o,
                            fc_ssa_changeset *cs);

/* Decide whether an existing object may be deleted; return false (and a
 * malloc'd reason in *why) to keep it. */
typedef bool (*fc_ssa_delete_guard)(json_object *existing, void *arg, char **why);

typedef struct fc_ssa_delete_opts {
    const char *propagation;         /* "Background" (default), "Foreground", "Orphan" */
    const char *const *inclusions;   /* labels that must all be present with these values */
    const char *const *exclusions;   /* label/annotation selector: skip */
    fc_ssa_delete_guard guard;       /* optional */
    void *guard_arg;
} fc_ssa_delete_opts;

/* Delete objects (json array of objects or minimal refs) in reverse apply
 * order; missing objects count as deleted. On errors the change set still
 * lists what happened; the error aggregates every failure. */
int fc_ssa_delete_all(fc_kube *kube, fc_mapper *mapper, json_object *objects, const fc_ssa_delete_opts *o,
                      fc_ssa_changeset *cs);

typedef struct fc_ssa_wait_opts {
    int64_t interval_ns;  /* longest poll interval; 0 = 5 s (first polls are quicker) */
    int64_t timeout_ns;   /* 0 = 60 s */
    bool fail_fast;       /* stop as soon as an object is Failed */
    const fc_kstatus_opts *kstatus;
    /* polled between rounds; returning true aborts the wait (FC_ETIMEOUT
     * with "canceled" in the message) */
    bool (*cancelled)(void *arg);
    void *cancel_arg;
} fc_ssa_wait_opts;

/* Wait until every object (json array of objects or refs) is Current. On
 * failure the message names only the objects that are not Current, failed
 * ones first, each with its status and its own reason/message, e.g.
 * "timeout waiting for: [Deployment/apps/web status: 'InProgress': Ready: 0/1]". */
int fc_ssa_wait(fc_kube *kube, fc_mapper *mapper, json_object *objects, const fc_ssa_wait_opts *o);
/* Wait until every object is gone. */
int fc_ssa_wait_termination(fc_kube *kube, fc_mapper *mapper, json_object *objects, int64_t interval_ns,
                            int64_t timeout_ns);

/* Helpers shared with callers. */
/* Flux's AnyInMetadata: a label or annotation key with a value equal
 * (case-insensitively) to the selector's value. */
bool fc_ssa_any_in_metadata(json_object *obj, const char *const *selector);
/* "Kind/ns/name" of an object into out. */
void fc_ssa_subject(json_object *obj, fc_buf *out);
/* Sort an array of objects in place by Flux's apply order. */
void fc_ssa_sort(json_object *objects);
/* 0: cluster definition, 1: *Class, 2: other. */
int fc_ssa_stage(json_object *obj);
/* The JSON patch (array) that removes the listed annotations/labels and
 * folds the listed managers into field_manager's Apply entry; NULL when
 * nothing needs cleaning. */
json_object *fc_ssa_cleanup_patch(json_object *existing, const fc_ssa_apply_opts *o);
/* Whether the dry-run result differs from the live object (labels,
 * annotations, or anything outside metadata and status). */
bool fc_ssa_has_drifted(json_object *existing, json_object *dry_run);

#endif
