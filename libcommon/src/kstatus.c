/*
 * kstatus.c: kstatus status computation (see fc/kstatus.h for the rules).
 *
 * This is a port of the decision table of fluxcd/cli-utils' kstatus package
 * (checkGenericProperties, the legacy per-kind functions and Flux's custom
 * Job reader), written against json-c objects. Every kind rule is a small
 * function returning through one `set()` helper so the table stays readable
 * and each rule can be unit tested on hand-written objects. Messages follow
 * kstatus' wording ("Replicas: 1/3", "Deployment is available. Replicas: 3")
 * so tooling that greps them keeps working; for Failed results the object's
 * own condition reason and message are kept, because that is what a user
 * needs to see when a health check fails.
 */
#include "fc/kstatus.h"
#include "fc/duration.h"
#include "fc/json.h"
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

const char *fc_kstatus_name(fc_kstatus s)
{
    switch (s) {
    case FC_KSTATUS_IN_PROGRESS: return "InProgress";
    case FC_KSTATUS_FAILED: return "Failed";
    case FC_KSTATUS_CURRENT: return "Current";
    case FC_KSTATUS_TERMINATING: return "Terminating";
    case FC_KSTATUS_NOT_FOUND: return "NotFound";
    default: return "Unknown";
    }
}

static void set(fc_kstatus_result *r, fc_kstatus s, const char *reason, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void set(fc_kstatus_result *r, fc_kstatus s, const char *reason, const char *fmt, ...)
{
    r->status = s;
    snprintf(r->reason, sizeof r->reason, "%s", reason ? reason : "");
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->message, sizeof r->message, fmt, ap);
    va_end(ap);
}

/* set the result and leave the (void) rule function */
#define DONE(...)                 \
    do {                          \
        set(r, __VA_ARGS__);      \
        return;                   \
    } while (0)

/* cli-utils GetIntField: integers only; anything else is the default. */
static int64_t int_field(json_object *o, const char *path, int64_t def)
{
    json_object *v = fc_json_get(o, path);
    if (!v || !json_object_is_type(v, json_type_int)) return def;
    return json_object_get_int64(v);
}

static const char *str_field(json_object *o, const char *path, const char *def)
{
    json_object *v = fc_json_get(o, path);
    if (!v || !json_object_is_type(v, json_type_string)) return def;
    return json_object_get_string(v);
}

/* status.conditions must be a list of objects (GetObjectWithConditions);
 * returns false when it is malformed. */
static bool conditions_of(json_object *obj, json_object **out)
{
    json_object *c = fc_json_get(obj, "status.conditions");
    *out = NULL;
    if (!c) return true;
    if (!json_object_is_type(c, json_type_array)) return false;
    for (size_t i = 0; i < json_object_array_length(c); i++)
        if (!json_object_is_type(json_object_array_get_idx(c, i), json_type_object)) return false;
    *out = c;
    return true;
}

static json_object *find_cond(json_object *conds, const char *type)
{
    for (size_t i = 0; conds && i < json_object_array_length(conds); i++) {
        json_object *c = json_object_array_get_idx(conds, i);
        const char *t = fc_json_key_str(c, "type");
        if (t && !strcmp(t, type)) return c;
    }
    return NULL;
}

static bool cond_is(json_object *c, const char *status)
{
    const char *s = c ? fc_json_key_str(c, "status") : NULL;
    return s && !strcmp(s, status);
}

static const char *cond_str(json_object *c, const char *key)
{
    const char *s = c ? fc_json_key_str(c, key) : NULL;
    return s ? s : "";
}

static const char *kind_of(json_object *obj)
{
    const char *k = fc_json_get_str(obj, "kind");
    return k ? k : "";
}

/* ---------------------------------------------------------------- generic */

static bool generic(json_object *obj, fc_kstatus_result *r)
{
    const char *dt = fc_json_get_str(obj, "metadata.deletionTimestamp");
    if (dt && *dt) {
        set(r, FC_KSTATUS_TERMINATING, "", "Resource scheduled for deletion");
        return true;
    }
    json_object *gen = fc_json_get(obj, "metadata.generation");
    json_object *og = fc_json_get(obj, "status.observedGeneration");
    if (gen && og && json_object_is_type(og, json_type_int)) {
        int64_t g = json_object_get_int64(gen), o = json_object_get_int64(og);
        if (g != o) {
            set(r, FC_KSTATUS_IN_PROGRESS, "LatestGenerationNotObserved",
                "%s generation is %lld, but latest observed generation is %lld", kind_of(obj), (long long)g, (long long)o);
            return true;
        }
    }
    json_object *conds;
    if (!conditions_of(obj, &conds)) {
        set(r, FC_KSTATUS_UNKNOWN, "MalformedConditions", "status.conditions is not a list of conditions");
        return true;
    }
    for (size_t i = 0; conds && i < json_object_array_length(conds); i++) {
        json_object *c = json_object_array_get_idx(conds, i);
        const char *t = cond_str(c, "type");
        if (!strcmp(t, "Reconciling") && cond_is(c, "True")) {
            set(r, FC_KSTATUS_IN_PROGRESS, cond_str(c, "reason"), "%s", cond_str(c, "message"));
            return true;
        }
        if (!strcmp(t, "Stalled") && cond_is(c, "True")) {
            set(r, FC_KSTATUS_FAILED, cond_str(c, "reason"), "%s", cond_str(c, "message"));
            return true;
        }
    }
    return false;
}

/* -------------------------------------------------------------- per kind */

static void always_ready(json_object *obj, fc_kstatus_result *r)
{
    (void)obj;
    set(r, FC_KSTATUS_CURRENT, "", "Resource is always ready");
}

static void sts(json_object *o, fc_kstatus_result *r)
{
    if (!strcmp(str_field(o, "spec.updateStrategy.type", ""), "OnDelete")) {
        set(r, FC_KSTATUS_CURRENT, "", "StatefulSet is using the ondelete update strategy");
        return;
    }
    int64_t spec = int_field(o, "spec.replicas", 1), ready = int_field(o, "status.readyReplicas", 0),
            current = int_field(o, "status.currentReplicas", 0), updated = int_field(o, "status.updatedReplicas", 0),
            st = int_field(o, "status.replicas", 0),
            partition = int_field(o, "spec.updateStrategy.rollingUpdate.partition", -1);
    if (spec > st) DONE(FC_KSTATUS_IN_PROGRESS, "LessReplicas", "Replicas: %lld/%lld", (long long)st, (long long)spec);
    if (spec > ready) DONE(FC_KSTATUS_IN_PROGRESS, "LessReady", "Ready: %lld/%lld", (long long)ready, (long long)spec);
    if (st > spec) DONE(FC_KSTATUS_IN_PROGRESS, "ExtraPods", "Pending termination: %lld", (long long)(st - spec));
    if (partition != -1) {
        if (updated < spec - partition)
            DONE(FC_KSTATUS_IN_PROGRESS, "PartitionRollout", "updated: %lld/%lld", (long long)updated,
                       (long long)(spec - partition));
        DONE(FC_KSTATUS_CURRENT, "", "Partition rollout complete. updated: %lld", (long long)updated);
    }
    if (spec > current) DONE(FC_KSTATUS_IN_PROGRESS, "LessCurrent", "current: %lld/%lld", (long long)current, (long long)spec);
    if (strcmp(str_field(o, "status.currentRevision", ""), str_field(o, "status.updateRevision", "")))
        DONE(FC_KSTATUS_IN_PROGRESS, "RevisionMismatch", "Waiting for updated revision to match current");
    set(r, FC_KSTATUS_CURRENT, "", "All replicas scheduled as expected. Replicas: %lld", (long long)st);
}

static void deployment(json_object *o, json_object *conds, fc_kstatus_result *r)
{
    bool progressing = int_field(o, "spec.progressDeadlineSeconds", 2147483647) == 2147483647;
    bool available = false;
    for (size_t i = 0; conds && i < json_object_array_length(conds); i++) {
        json_object *c = json_object_array_get_idx(conds, i);
        const char *t = cond_str(c, "type");
        if (!strcmp(t, "Progressing")) {
            if (!strcmp(cond_str(c, "reason"), "ProgressDeadlineExceeded")) {
                /* keep the controller's own words: they name the ReplicaSet */
                const char *m = cond_str(c, "message");
                DONE(FC_KSTATUS_FAILED, "ProgressDeadlineExceeded", "Progress deadline exceeded%s%s", *m ? ": " : "", m);
            }
            if (cond_is(c, "True") && !strcmp(cond_str(c, "reason"), "NewReplicaSetAvailable")) progressing = true;
        } else if (!strcmp(t, "Available") && cond_is(c, "True")) {
            available = true;
        }
    }
    int64_t spec = int_field(o, "spec.replicas", 1), st = int_field(o, "status.replicas", 0),
            updated = int_field(o, "status.updatedReplicas", 0), ready = int_field(o, "status.readyReplicas", 0),
            avail = int_field(o, "status.availableReplicas", 0);
    if (spec > st) DONE(FC_KSTATUS_IN_PROGRESS, "LessReplicas", "Replicas: %lld/%lld", (long long)st, (long long)spec);
    if (spec > updated) DONE(FC_KSTATUS_IN_PROGRESS, "LessUpdated", "Updated: %lld/%lld", (long long)updated, (long long)spec);
    if (st > spec) DONE(FC_KSTATUS_IN_PROGRESS, "ExtraPods", "Pending termination: %lld", (long long)(st - spec));
    if (updated > avail) DONE(FC_KSTATUS_IN_PROGRESS, "LessAvailable", "Available: %lld/%lld", (long long)avail, (long long)updated);
    if (spec > ready) DONE(FC_KSTATUS_IN_PROGRESS, "LessReady", "Ready: %lld/%lld", (long long)ready, (long long)spec);
    if (!progressing) DONE(FC_KSTATUS_IN_PROGRESS, "ReplicaSetNotAvailable", "ReplicaSet not Available");
    if (!available) DONE(FC_KSTATUS_IN_PROGRESS, "DeploymentNotAvailable", "Deployment not Available");
    set(r, FC_KSTATUS_CURRENT, "", "Deployment is available. Replicas: %lld", (long long)st);
}

static void replicaset(json_object *o, json_object *conds, fc_kstatus_result *r)
{
    json_object *rf = find_cond(conds, "ReplicaFailure");
    if (rf && cond_is(rf, "True")) DONE(FC_KSTATUS_IN_PROGRESS, "ReplicaFailure", "Replica Failure condition. Check Pods");
    int64_t spec = int_field(o, "spec.replicas", 1), st = int_field(o, "status.replicas", 0),
            ready = int_field(o, "status.readyReplicas", 0), avail = int_field(o, "status.availableReplicas", 0),
            labelled = int_field(o, "status.fullyLabeledReplicas", 0);
    if (spec > labelled) DONE(FC_KSTATUS_IN_PROGRESS, "LessLabelled", "Labelled: %lld/%lld", (long long)labelled, (long long)spec);
    if (spec > avail) DONE(FC_KSTATUS_IN_PROGRESS, "LessAvailable", "Available: %lld/%lld", (long long)avail, (long long)spec);
    if (spec > ready) DONE(FC_KSTATUS_IN_PROGRESS, "LessReady", "Ready: %lld/%lld", (long long)ready, (long long)spec);
    if (st > spec) DONE(FC_KSTATUS_IN_PROGRESS, "ExtraPods", "Pending termination: %lld", (long long)(st - spec));
    set(r, FC_KSTATUS_CURRENT, "", "ReplicaSet is available. Replicas: %lld", (long long)st);
}

static void daemonset(json_object *o, fc_kstatus_result *r)
{
    if (!fc_json_get(o, "metadata.generation"))
        DONE(FC_KSTATUS_IN_PROGRESS, "NoGeneration", "%s metadata.generation not found", kind_of(o));
    if (!fc_json_get(o, "status.observedGeneration"))
        DONE(FC_KSTATUS_IN_PROGRESS, "NoObservedGeneration", "%s status.observedGeneration not found", kind_of(o));
    int64_t desired = int_field(o, "status.desiredNumberScheduled", -1), cur = int_field(o, "status.currentNumberScheduled", 0),
            upd = int_field(o, "status.updatedNumberScheduled", 0), avail = int_field(o, "status.numberAvailable", 0),
            ready = int_field(o, "status.numberReady", 0);
    if (desired == -1) DONE(FC_KSTATUS_IN_PROGRESS, "NoDesiredNumber", "Missing .status.desiredNumberScheduled");
    if (desired > cur) DONE(FC_KSTATUS_IN_PROGRESS, "LessCurrent", "Current: %lld/%lld", (long long)cur, (long long)desired);
    if (desired > upd) DONE(FC_KSTATUS_IN_PROGRESS, "LessUpdated", "Updated: %lld/%lld", (long long)upd, (long long)desired);
    if (desired > avail) DONE(FC_KSTATUS_IN_PROGRESS, "LessAvailable", "Available: %lld/%lld", (long long)avail, (long long)desired);
    if (desired > ready) DONE(FC_KSTATUS_IN_PROGRESS, "LessReady", "Ready: %lld/%lld", (long long)ready, (long long)desired);
    set(r, FC_KSTATUS_CURRENT, "", "All replicas scheduled as expected. Replicas: %lld", (long long)desired);
}

static void pvc(json_object *o, fc_kstatus_result *r)
{
    const char *phase = str_field(o, "status.phase", "unknown");
    if (strcmp(phase, "Bound")) DONE(FC_KSTATUS_IN_PROGRESS, "NotBound", "PVC is not Bound. phase: %s", phase);
    set(r, FC_KSTATUS_CURRENT, "", "PVC is Bound");
}

static int64_t parse_rfc3339(const char *s)
{
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    if (!s) return 0;
    const char *end = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
    if (!end) return 0;
    return (int64_t)timegm(&tm) * FC_NS_PER_S;
}

static void pod(json_object *o, json_object *conds, const fc_kstatus_opts *opts, fc_kstatus_result *r)
{
    const char *phase = str_field(o, "status.phase", "");
    if (!strcmp(phase, "Succeeded")) DONE(FC_KSTATUS_CURRENT, "", "Pod has completed successfully");
    if (!strcmp(phase, "Failed")) DONE(FC_KSTATUS_CURRENT, "", "Pod has completed, but not successfully");
    if (!strcmp(phase, "Running")) {
        json_object *rd = find_cond(conds, "Ready");
        if (rd && cond_is(rd, "True")) DONE(FC_KSTATUS_CURRENT, "", "Pod is Ready");
        char names[256] = "";
        size_t nl = 0;
        json_object *cs = fc_json_get(o, "status.containerStatuses");
        for (size_t i = 0; cs && json_object_is_type(cs, json_type_array) && i < json_object_array_length(cs); i++) {
            json_object *c = json_object_array_get_idx(cs, i);
            const char *reason = fc_json_get_str(c, "state.waiting.reason");
            const char *name = fc_json_get_str(c, "name");
            if (reason && name && !strcmp(reason, "CrashLoopBackOff") && nl < sizeof names - 1)
                nl += (size_t)snprintf(names + nl, sizeof names - nl, "%s%s", nl ? "," : "", name);
        }
        if (nl) DONE(FC_KSTATUS_FAILED, "ContainerCrashLooping", "Containers in CrashLoop state: %s", names);
        DONE(FC_KSTATUS_IN_PROGRESS, "PodRunningNotReady", "Pod is running but is not Ready");
    }
    if (!strcmp(phase, "Pending")) {
        json_object *sc = find_cond(conds, "PodScheduled");
        if (sc && cond_is(sc, "False") && !strcmp(cond_str(sc, "reason"), "Unschedulable")) {
            int64_t now = opts && opts->now_ns ? opts->now_ns : fc_now_wall_ns();
            int64_t created = parse_rfc3339(fc_json_get_str(o, "metadata.creationTimestamp"));
            if (now - 15 * FC_NS_PER_S < created) DONE(FC_KSTATUS_IN_PROGRESS, "PodNotScheduled", "Pod has not been scheduled");
            const char *m = cond_str(sc, "message");
            DONE(FC_KSTATUS_FAILED, "PodUnschedulable", "Pod could not be scheduled%s%s", *m ? ": " : "", m);
        }
        DONE(FC_KSTATUS_IN_PROGRESS, "PodPending", "Pod is in the Pending phase");
    }
    if (!*phase) DONE(FC_KSTATUS_IN_PROGRESS, "PodNotObserved", "Pod phase not available");
    set(r, FC_KSTATUS_UNKNOWN, "UnknownPhase", "unknown phase %s", phase);
}

static void upstream_job(json_object *o, json_object *conds, fc_kstatus_result *r)
{
    int64_t par = int_field(o, "spec.parallelism", 1), comp = int_field(o, "spec.completions", par),
            succ = int_field(o, "status.succeeded", 0), act = int_field(o, "status.active", 0),
            failed = int_field(o, "status.failed", 0);
    for (size_t i = 0; conds && i < json_object_array_length(conds); i++) {
        json_object *c = json_object_array_get_idx(conds, i);
        const char *t = cond_str(c, "type");
        if (!strcmp(t, "Complete") && cond_is(c, "True"))
            DONE(FC_KSTATUS_CURRENT, "", "Job Completed. succeeded: %lld/%lld", (long long)succ, (long long)comp);
        if (!strcmp(t, "Failed") && cond_is(c, "True"))
            DONE(FC_KSTATUS_FAILED, "JobFailed", "Job Failed. failed: %lld/%lld", (long long)failed, (long long)comp);
        if (!strcmp(t, "Suspended") && cond_is(c, "True")) DONE(FC_KSTATUS_CURRENT, "", "Job is suspended");
    }
    if (!*str_field(o, "status.startTime", "")) DONE(FC_KSTATUS_IN_PROGRESS, "JobNotStarted", "Job not started");
    set(r, FC_KSTATUS_CURRENT, "", "Job in progress. success:%lld, active: %lld, failed: %lld", (long long)succ,
        (long long)act, (long long)failed);
}

/* Flux's custom Job reader: a Job is healthy only once it has completed. */
static void flux_job(json_object *o, json_object *conds, fc_kstatus_result *r)
{
    int64_t par = int_field(o, "spec.parallelism", 1), comp = int_field(o, "spec.completions", par),
            succ = int_field(o, "status.succeeded", 0), failed = int_field(o, "status.failed", 0);
    for (size_t i = 0; conds && i < json_object_array_length(conds); i++) {
        json_object *c = json_object_array_get_idx(conds, i);
        const char *t = cond_str(c, "type");
        if (!strcmp(t, "Complete") && cond_is(c, "True"))
            DONE(FC_KSTATUS_CURRENT, "", "Job Completed. succeeded: %lld/%lld", (long long)succ, (long long)comp);
        if (!strcmp(t, "Failed") && cond_is(c, "True")) {
            const char *m = cond_str(c, "message");
            DONE(FC_KSTATUS_FAILED, "JobFailed", "Job Failed. failed: %lld/%lld%s%s", (long long)failed,
                       (long long)comp, *m ? ": " : "", m);
        }
    }
    set(r, FC_KSTATUS_IN_PROGRESS, "JobInProgress", "Job in progress. succeeded: %lld/%lld, failed: %lld",
        (long long)succ, (long long)comp, (long long)failed);
}

static void service(json_object *o, fc_kstatus_result *r)
{
    if (!strcmp(str_field(o, "spec.type", "ClusterIP"), "LoadBalancer") && !*str_field(o, "spec.clusterIP", ""))
        DONE(FC_KSTATUS_IN_PROGRESS, "NoIPAssigned", "ClusterIP not set. Service type: LoadBalancer");
    set(r, FC_KSTATUS_CURRENT, "", "Service is ready");
}

static void crd(json_object *conds, fc_kstatus_result *r)
{
    for (size_t i = 0; conds && i < json_object_array_length(conds); i++) {
        json_object *c = json_object_array_get_idx(conds, i);
        const char *t = cond_str(c, "type");
        if (!strcmp(t, "NamesAccepted") && cond_is(c, "False"))
            DONE(FC_KSTATUS_FAILED, cond_str(c, "reason"), "%s", cond_str(c, "message"));
        if (!strcmp(t, "Established")) {
            if (cond_is(c, "False") && strcmp(cond_str(c, "reason"), "Installing"))
                DONE(FC_KSTATUS_FAILED, cond_str(c, "reason"), "%s", cond_str(c, "message"));
            if (cond_is(c, "True")) DONE(FC_KSTATUS_CURRENT, "", "CRD is established");
        }
    }
    set(r, FC_KSTATUS_IN_PROGRESS, "Installing", "Install in progress");
}

/* group of an apiVersion ("apps/v1" -> "apps", "v1" -> ""), into buf */
static const char *group_of(json_object *obj, char *buf, size_t n)
{
    const char *av = fc_json_get_str(obj, "apiVersion");
    const char *slash = av ? strchr(av, '/') : NULL;
    snprintf(buf, n, "%.*s", slash ? (int)(slash - av) : 0, slash ? av : "");
    return buf;
}

void fc_kstatus_compute(json_object *obj, const fc_kstatus_opts *opts, fc_kstatus_result *r)
{
    memset(r, 0, sizeof *r);
    if (!obj || !json_object_is_type(obj, json_type_object)) {
        set(r, FC_KSTATUS_UNKNOWN, "", "not an object");
        return;
    }
    if (generic(obj, r)) return;
    json_object *conds = NULL;
    conditions_of(obj, &conds); /* validated by generic() */
    char gb[256];
    const char *g = group_of(obj, gb, sizeof gb), *k = kind_of(obj);
    bool apps = !strcmp(g, "apps") || !strcmp(g, "extensions");
    if (!*g && !strcmp(k, "Service")) { service(obj, r); return; }
    if (!*g && !strcmp(k, "Pod")) { pod(obj, conds, opts, r); return; }
    if (!*g && (!strcmp(k, "Secret") || !strcmp(k, "ConfigMap"))) { always_ready(obj, r); return; }
    if (!*g && !strcmp(k, "PersistentVolumeClaim")) { pvc(obj, r); return; }
    if (!strcmp(g, "apps") && !strcmp(k, "StatefulSet")) { sts(obj, r); return; }
    if (apps && !strcmp(k, "DaemonSet")) { daemonset(obj, r); return; }
    if (apps && !strcmp(k, "Deployment")) { deployment(obj, conds, r); return; }
    if (apps && !strcmp(k, "ReplicaSet")) { replicaset(obj, conds, r); return; }
    if (!strcmp(g, "policy") && !strcmp(k, "PodDisruptionBudget"))
        DONE(FC_KSTATUS_CURRENT, "", "AllowedDisruptions has been computed.");
    if (!strcmp(g, "batch") && !strcmp(k, "CronJob")) { always_ready(obj, r); return; }
    if (!strcmp(g, "batch") && !strcmp(k, "Job")) {
        if (opts && opts->upstream_job) upstream_job(obj, conds, r);
        else flux_job(obj, conds, r);
        return;
    }
    if (!strcmp(g, "apiextensions.k8s.io") && !strcmp(k, "CustomResourceDefinition")) { crd(conds, r); return; }
    json_object *ready = find_cond(conds, "Ready");
    if (ready) {
        if (cond_is(ready, "True")) DONE(FC_KSTATUS_CURRENT, cond_str(ready, "reason"), "%s", cond_str(ready, "message"));
        DONE(FC_KSTATUS_IN_PROGRESS, cond_str(ready, "reason"), "%s", cond_str(ready, "message"));
    }
    set(r, FC_KSTATUS_CURRENT, "", "Resource is current");
}
