/* Unit tests of fc/kstatus: the generic rules (deletion, observedGeneration,
 * Reconciling/Stalled), every built-in kind rule, Flux's Job reader and the
 * Ready-condition fallback, on hand-written objects. */
#include "../testlib.h"
#include "fc/kstatus.h"
#include "fc/yaml.h"

static fc_kstatus_result st(const char *yaml)
{
    json_object *o = NULL;
    if (fc_yaml_parse(yaml, strlen(yaml), NULL, &o) || !o) t_fail(__FILE__, __LINE__, "bad test yaml: %s", yaml);
    fc_kstatus_result r;
    fc_kstatus_opts opts = {0};
    fc_kstatus_compute(o, &opts, &r);
    json_object_put(o);
    return r;
}

#define CHECK_ST(yaml, want) CHECK_STR(fc_kstatus_name(st(yaml).status), want)

TEST(kstatus_generic_rules)
{
    CHECK_ST("{apiVersion: v1, kind: ConfigMap, metadata: {name: a, deletionTimestamp: '2025-01-01T00:00:00Z'}}",
             "Terminating");
    fc_kstatus_result r = st("{apiVersion: x.io/v1, kind: Foo, metadata: {generation: 3}, status: {observedGeneration: 2}}");
    CHECK_STR(fc_kstatus_name(r.status), "InProgress");
    CHECK_STR(r.message, "Foo generation is 3, but latest observed generation is 2");
    r = st("{apiVersion: x.io/v1, kind: Foo, status: {conditions: [{type: Reconciling, status: 'True', reason: Progressing, message: busy}]}}");
    CHECK_STR(fc_kstatus_name(r.status), "InProgress");
    CHECK_STR(r.message, "busy");
    r = st("{apiVersion: x.io/v1, kind: Foo, status: {conditions: [{type: Stalled, status: 'True', reason: BadConfig, message: broken}]}}");
    CHECK_STR(fc_kstatus_name(r.status), "Failed");
    CHECK_STR(r.reason, "BadConfig");
    CHECK_ST("{apiVersion: x.io/v1, kind: Foo, status: {conditions: 3}}", "Unknown");
    CHECK_ST("{apiVersion: x.io/v1, kind: Foo}", "Current");
    CHECK_ST("{apiVersion: x.io/v1, kind: Foo, status: {conditions: [{type: Ready, status: 'True'}]}}", "Current");
    CHECK_ST("{apiVersion: x.io/v1, kind: Foo, status: {conditions: [{type: Ready, status: 'False'}]}}", "InProgress");
    CHECK_ST("{apiVersion: x.io/v1, kind: Foo, status: {conditions: [{type: Ready, status: Unknown}]}}", "InProgress");
}

TEST(kstatus_deployment)
{
    fc_kstatus_result r = st("{apiVersion: apps/v1, kind: Deployment, metadata: {generation: 1}, spec: {replicas: 2},"
                             " status: {observedGeneration: 1, replicas: 1}}");
    CHECK_STR(fc_kstatus_name(r.status), "InProgress");
    CHECK_STR(r.message, "Replicas: 1/2");
    r = st("{apiVersion: apps/v1, kind: Deployment, spec: {replicas: 1}, status: {replicas: 1, updatedReplicas: 1,"
           " readyReplicas: 1, availableReplicas: 1, conditions: [{type: Available, status: 'True'}]}}");
    CHECK_STR(fc_kstatus_name(r.status), "Current"); /* no progressDeadlineSeconds: progressing assumed */
    r = st("{apiVersion: apps/v1, kind: Deployment, spec: {replicas: 1, progressDeadlineSeconds: 600}, status: {replicas: 1,"
           " updatedReplicas: 1, readyReplicas: 1, availableReplicas: 1, conditions: [{type: Available, status: 'True'}]}}");
    CHECK_STR(r.reason, "ReplicaSetNotAvailable");
    r = st("{apiVersion: apps/v1, kind: Deployment, spec: {replicas: 1, progressDeadlineSeconds: 600}, status: {replicas: 1,"
           " updatedReplicas: 1, readyReplicas: 1, availableReplicas: 1, conditions: [{type: Available, status: 'True'},"
           " {type: Progressing, status: 'True', reason: NewReplicaSetAvailable}]}}");
    CHECK_STR(fc_kstatus_name(r.status), "Current");
    CHECK_STR(r.message, "Deployment is available. Replicas: 1");
    r = st("{apiVersion: apps/v1, kind: Deployment, spec: {replicas: 1}, status: {replicas: 1, conditions: [{type: Progressing,"
           " status: 'False', reason: ProgressDeadlineExceeded, message: 'ReplicaSet \"web-1\" has timed out progressing.'}]}}");
    CHECK_STR(fc_kstatus_name(r.status), "Failed");
    CHECK_STR(r.reason, "ProgressDeadlineExceeded");
    CHECK_CONTAINS(r.message, "web-1");
    CHECK_STR(st("{apiVersion: apps/v1, kind: Deployment, spec: {replicas: 1}, status: {replicas: 2, updatedReplicas: 1}}").reason,
              "ExtraPods");
    CHECK_STR(st("{apiVersion: apps/v1, kind: Deployment, spec: {replicas: 2}, status: {replicas: 2, updatedReplicas: 2,"
                 " availableReplicas: 1}}").reason, "LessAvailable");
}

TEST(kstatus_statefulset_daemonset_replicaset)
{
    CHECK_ST("{apiVersion: apps/v1, kind: StatefulSet, spec: {updateStrategy: {type: OnDelete}}}", "Current");
    CHECK_STR(st("{apiVersion: apps/v1, kind: StatefulSet, spec: {replicas: 2}, status: {replicas: 2, readyReplicas: 2,"
                 " currentReplicas: 2, currentRevision: a, updateRevision: b}}").reason, "RevisionMismatch");
    CHECK_ST("{apiVersion: apps/v1, kind: StatefulSet, spec: {replicas: 2}, status: {replicas: 2, readyReplicas: 2,"
             " currentReplicas: 2, currentRevision: a, updateRevision: a}}", "Current");
    CHECK_STR(st("{apiVersion: apps/v1, kind: StatefulSet, spec: {replicas: 3, updateStrategy: {rollingUpdate: {partition: 1}}},"
                 " status: {replicas: 3, readyReplicas: 3, updatedReplicas: 1}}").reason, "PartitionRollout");
    CHECK_STR(st("{apiVersion: apps/v1, kind: DaemonSet, status: {}}").reason, "NoGeneration");
    CHECK_STR(st("{apiVersion: apps/v1, kind: DaemonSet, metadata: {generation: 1}, status: {observedGeneration: 1}}").reason,
              "NoDesiredNumber");
    CHECK_ST("{apiVersion: apps/v1, kind: DaemonSet, metadata: {generation: 1}, status: {observedGeneration: 1,"
             " desiredNumberScheduled: 2, currentNumberScheduled: 2, updatedNumberScheduled: 2, numberAvailable: 2,"
             " numberReady: 2}}", "Current");
    CHECK_STR(st("{apiVersion: apps/v1, kind: ReplicaSet, spec: {replicas: 1}, status: {conditions: [{type: ReplicaFailure,"
                 " status: 'True'}]}}").reason, "ReplicaFailure");
}

TEST(kstatus_pod_pvc_service_crd)
{
    CHECK_ST("{apiVersion: v1, kind: Pod, status: {phase: Succeeded}}", "Current");
    CHECK_ST("{apiVersion: v1, kind: Pod, status: {phase: Running, conditions: [{type: Ready, status: 'True'}]}}", "Current");
    fc_kstatus_result r = st("{apiVersion: v1, kind: Pod, status: {phase: Running, containerStatuses: [{name: app,"
                             " state: {waiting: {reason: CrashLoopBackOff}}}, {name: side, state: {running: {}}}]}}");
    CHECK_STR(fc_kstatus_name(r.status), "Failed");
    CHECK_STR(r.message, "Containers in CrashLoop state: app");
    CHECK_ST("{apiVersion: v1, kind: Pod, metadata: {creationTimestamp: '2000-01-01T00:00:00Z'}, status: {phase: Pending,"
             " conditions: [{type: PodScheduled, status: 'False', reason: Unschedulable}]}}", "Failed");
    CHECK_ST("{apiVersion: v1, kind: Pod, status: {}}", "InProgress");
    CHECK_ST("{apiVersion: v1, kind: PersistentVolumeClaim, status: {phase: Pending}}", "InProgress");
    CHECK_ST("{apiVersion: v1, kind: PersistentVolumeClaim, status: {phase: Bound}}", "Current");
    CHECK_ST("{apiVersion: v1, kind: Service, spec: {type: LoadBalancer}}", "InProgress");
    CHECK_ST("{apiVersion: v1, kind: Service, spec: {type: ClusterIP}}", "Current");
    CHECK_ST("{apiVersion: apiextensions.k8s.io/v1, kind: CustomResourceDefinition, status: {conditions: [{type: Established,"
             " status: 'True'}]}}", "Current");
    CHECK_ST("{apiVersion: apiextensions.k8s.io/v1, kind: CustomResourceDefinition, status: {conditions: [{type: NamesAccepted,"
             " status: 'False', reason: MultipleNamesNotAllowed}]}}", "Failed");
    CHECK_ST("{apiVersion: apiextensions.k8s.io/v1, kind: CustomResourceDefinition}", "InProgress");
    CHECK_ST("{apiVersion: v1, kind: Secret}", "Current");
    CHECK_ST("{apiVersion: batch/v1, kind: CronJob}", "Current");
    CHECK_ST("{apiVersion: policy/v1, kind: PodDisruptionBudget}", "Current");
}

TEST(kstatus_jobs_flux_reader_and_upstream)
{
    CHECK_ST("{apiVersion: batch/v1, kind: Job, status: {startTime: x, active: 1}}", "InProgress");
    CHECK_ST("{apiVersion: batch/v1, kind: Job, status: {conditions: [{type: Complete, status: 'True'}]}}", "Current");
    fc_kstatus_result r = st("{apiVersion: batch/v1, kind: Job, status: {failed: 1, conditions: [{type: Failed,"
                             " status: 'True', message: BackoffLimitExceeded}]}}");
    CHECK_STR(fc_kstatus_name(r.status), "Failed");
    CHECK_CONTAINS(r.message, "BackoffLimitExceeded");
    json_object *o = NULL;
    const char *y = "{apiVersion: batch/v1, kind: Job, status: {startTime: x, active: 1}}";
    fc_yaml_parse(y, strlen(y), NULL, &o);
    fc_kstatus_opts up = {.upstream_job = true};
    fc_kstatus_compute(o, &up, &r);
    CHECK_STR(fc_kstatus_name(r.status), "Current"); /* cli-utils: a running Job is Current */
    json_object_put(o);
}
