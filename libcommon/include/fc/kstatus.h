/*
 * fc/kstatus.h: the kstatus rules (fluxcd/cli-utils fork of
 * sigs.k8s.io/cli-utils/pkg/kstatus) that decide whether a Kubernetes object
 * has reached its desired state. Used by the Kustomization `wait` and
 * `healthChecks`, by the staged apply (CRDs and Namespaces are waited for)
 * and, later, by helm-controller's wait.
 *
 * Order of evaluation (reference section 0):
 *   1. metadata.deletionTimestamp set            -> Terminating
 *   2. status.observedGeneration != generation   -> InProgress
 *   3. Reconciling=True -> InProgress; Stalled=True -> Failed
 *   4. built-in rules per kind (Deployment, StatefulSet, DaemonSet,
 *      ReplicaSet, Pod, PVC, Service, CRD, Job, PDB/Secret/ConfigMap/CronJob)
 *   5. a Ready condition: True -> Current, otherwise InProgress
 *   6. nothing recognised -> Current
 * Jobs follow Flux's custom reader by default (Complete=True -> Current,
 * Failed=True -> Failed, otherwise InProgress, so `wait` blocks until the Job
 * finishes) unless opts->upstream_job is set.
 *
 * The result carries a reason and a one-line message taken from the object
 * itself (e.g. the Deployment's ProgressDeadlineExceeded condition message),
 * which is what health-check failures report.
 */
#ifndef FC_KSTATUS_H
#define FC_KSTATUS_H
#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>

typedef enum {
    FC_KSTATUS_UNKNOWN = 0,
    FC_KSTATUS_IN_PROGRESS,
    FC_KSTATUS_FAILED,
    FC_KSTATUS_CURRENT,
    FC_KSTATUS_TERMINATING,
    FC_KSTATUS_NOT_FOUND,
} fc_kstatus;

typedef struct fc_kstatus_result {
    fc_kstatus status;
    char reason[64];   /* CamelCase, e.g. "ProgressDeadlineExceeded"; may be empty */
    char message[512]; /* human readable, from the object where possible */
} fc_kstatus_result;

typedef struct fc_kstatus_opts {
    bool upstream_job; /* use cli-utils' Job rule instead of Flux's custom reader */
    int64_t now_ns;    /* wall clock for the Pod scheduling window (0 = now) */
} fc_kstatus_opts;

/* Compute the status of obj (a full object including status). Never fails:
 * malformed status data yields Unknown with a message saying why. */
void fc_kstatus_compute(json_object *obj, const fc_kstatus_opts *opts, fc_kstatus_result *out);
/* "InProgress", "Failed", "Current", "Terminating", "NotFound", "Unknown". */
const char *fc_kstatus_name(fc_kstatus s);

#endif
