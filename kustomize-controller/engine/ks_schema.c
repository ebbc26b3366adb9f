/*
 * ks_schema.c: the slice of the Kubernetes OpenAPI schema that strategic
 * merge patching needs: which lists merge (patchStrategy "merge") and by
 * which keys (x-kubernetes-list-map-keys, else patchMergeKey), reachable
 * from each built-in kind. kustomize (kyaml) embeds the Kubernetes 1.21
 * schema and looks a resource up by its exact apiVersion and kind; a type
 * it does not know, or a field the schema does not describe, has no merge
 * strategy, so its lists are replaced by the patch. Maps always merge and
 * need no schema. Only the lists reachable from known kinds are listed
 * here, which is all that changes a merge result.
 */
#include "ks_internal.h"
#include <string.h>

typedef struct sfield sfield;
struct ks_stype {
    const sfield *fields;
};
struct sfield {
    const char *name;
    bool is_list;
    bool merge;               /* list: patchStrategy merge */
    const char *keys[3];      /* list merge keys; none = primitive list */
    const struct ks_stype *type; /* object, or list element type */
};

#define F_END {NULL, false, false, {NULL}, NULL}

static const sfield f_objmeta[] = {
    {"finalizers", true, true, {NULL}, NULL},
    {"ownerReferences", true, true, {"uid", NULL}, NULL},
    F_END};
static const ks_stype t_objmeta = {f_objmeta};

static const sfield f_container[] = {
    {"ports", true, true, {"containerPort", "protocol", NULL}, NULL},
    {"env", true, true, {"name", NULL}, NULL},
    {"volumeMounts", true, true, {"mountPath", NULL}, NULL},
    {"volumeDevices", true, true, {"devicePath", NULL}, NULL},
    F_END};
static const ks_stype t_container = {f_container};

static const sfield f_podspec[] = {
    {"volumes", true, true, {"name", NULL}, NULL},
    {"initContainers", true, true, {"name", NULL}, &t_container},
    {"containers", true, true, {"name", NULL}, &t_container},
    {"ephemeralContainers", true, true, {"name", NULL}, &t_container},
    {"imagePullSecrets", true, true, {"name", NULL}, NULL},
    {"hostAliases", true, true, {"ip", NULL}, NULL},
    {"topologySpreadConstraints", true, true, {"topologyKey", "whenUnsatisfiable", NULL}, NULL},
    F_END};
static const ks_stype t_podspec = {f_podspec};

static const sfield f_podtemplatespec[] = {
    {"metadata", false, false, {NULL}, &t_objmeta}, {"spec", false, false, {NULL}, &t_podspec}, F_END};
static const ks_stype t_podtemplatespec = {f_podtemplatespec};

static const sfield f_conditions_status[] = {{"conditions", true, true, {"type", NULL}, NULL}, F_END};
static const ks_stype t_conditions_status = {f_conditions_status};

static const sfield f_workload_spec[] = {{"template", false, false, {NULL}, &t_podtemplatespec}, F_END};
static const ks_stype t_workload_spec = {f_workload_spec};

static const sfield f_workload[] = {{"metadata", false, false, {NULL}, &t_objmeta},
                                    {"spec", false, false, {NULL}, &t_workload_spec},
                                    {"status", false, false, {NULL}, &t_conditions_status},
                                    F_END};
static const ks_stype t_workload = {f_workload};

static const sfield f_jobtemplate[] = {
    {"metadata", false, false, {NULL}, &t_objmeta}, {"spec", false, false, {NULL}, &t_workload_spec}, F_END};
static const ks_stype t_jobtemplate = {f_jobtemplate};
static const sfield f_cronjob_spec[] = {{"jobTemplate", false, false, {NULL}, &t_jobtemplate}, F_END};
static const ks_stype t_cronjob_spec = {f_cronjob_spec};
static const sfield f_cronjob[] = {
    {"metadata", false, false, {NULL}, &t_objmeta}, {"spec", false, false, {NULL}, &t_cronjob_spec}, F_END};
static const ks_stype t_cronjob = {f_cronjob};

static const sfield f_pod[] = {{"metadata", false, false, {NULL}, &t_objmeta},
                               {"spec", false, false, {NULL}, &t_podspec},
                               {"status", false, false, {NULL}, &t_conditions_status},
                               F_END};
static const ks_stype t_pod = {f_pod};

static const sfield f_podtemplate[] = {
    {"metadata", false, false, {NULL}, &t_objmeta}, {"template", false, false, {NULL}, &t_podtemplatespec}, F_END};
static const ks_stype t_podtemplate = {f_podtemplate};

static const sfield f_service_spec[] = {{"ports", true, true, {"port", "protocol", NULL}, NULL}, F_END};
static const ks_stype t_service_spec = {f_service_spec};
static const sfield f_service[] = {{"metadata", false, false, {NULL}, &t_objmeta},
                                   {"spec", false, false, {NULL}, &t_service_spec},
                                   {"status", false, false, {NULL}, &t_conditions_status},
                                   F_END};
static const ks_stype t_service = {f_service};

static const sfield f_serviceaccount[] = {
    {"metadata", false, false, {NULL}, &t_objmeta}, {"secrets", true, true, {"name", NULL}, NULL}, F_END};
static const ks_stype t_serviceaccount = {f_serviceaccount};

static const sfield f_webhookconfig[] = {
    {"metadata", false, false, {NULL}, &t_objmeta}, {"webhooks", true, true, {"name", NULL}, NULL}, F_END};
static const ks_stype t_webhookconfig = {f_webhookconfig};

static const sfield f_node_spec[] = {{"podCIDRs", true, true, {NULL}, NULL}, F_END};
static const ks_stype t_node_spec = {f_node_spec};
static const sfield f_node_status[] = {
    {"conditions", true, true, {"type", NULL}, NULL}, {"addresses", true, true, {"type", NULL}, NULL}, F_END};
static const ks_stype t_node_status = {f_node_status};
static const sfield f_node[] = {{"metadata", false, false, {NULL}, &t_objmeta},
                                {"spec", false, false, {NULL}, &t_node_spec},
                                {"status", false, false, {NULL}, &t_node_status},
                                F_END};
static const ks_stype t_node = {f_node};

static const sfield f_csinode_spec[] = {{"drivers", true, true, {"name", NULL}, NULL}, F_END};
static const ks_stype t_csinode_spec = {f_csinode_spec};
static const sfield f_csinode[] = {
    {"metadata", false, false, {NULL}, &t_objmeta}, {"spec", false, false, {NULL}, &t_csinode_spec}, F_END};
static const ks_stype t_csinode = {f_csinode};

static const sfield f_plain[] = {{"metadata", false, false, {NULL}, &t_objmeta},
                                 {"status", false, false, {NULL}, &t_conditions_status},
                                 F_END};
static const ks_stype t_plain = {f_plain};

/* Every type in kyaml's built-in schema (apiVersion, kind) with the
 * schema node to use; types without interesting lists share t_plain. */
static const struct {
    const char *av, *kind;
    const ks_stype *type;
} known[] = {
    {"admissionregistration.k8s.io/v1", "MutatingWebhookConfiguration", &t_webhookconfig},
    {"admissionregistration.k8s.io/v1", "ValidatingWebhookConfiguration", &t_webhookconfig},
    {"admissionregistration.k8s.io/v1beta1", "MutatingWebhookConfiguration", &t_webhookconfig},
    {"admissionregistration.k8s.io/v1beta1", "ValidatingWebhookConfiguration", &t_webhookconfig},
    {"apiextensions.k8s.io/v1", "CustomResourceDefinition", &t_plain},
    {"apiextensions.k8s.io/v1beta1", "CustomResourceDefinition", &t_plain},
    {"apiregistration.k8s.io/v1", "APIService", &t_plain},
    {"apiregistration.k8s.io/v1beta1", "APIService", &t_plain},
    {"apps/v1", "ControllerRevision", &t_plain},
    {"apps/v1", "DaemonSet", &t_workload},
    {"apps/v1", "Deployment", &t_workload},
    {"apps/v1", "ReplicaSet", &t_workload},
    {"apps/v1", "StatefulSet", &t_workload},
    {"autoscaling/v1", "HorizontalPodAutoscaler", &t_plain},
    {"autoscaling/v1", "Scale", &t_plain},
    {"autoscaling/v2beta1", "HorizontalPodAutoscaler", &t_plain},
    {"autoscaling/v2beta2", "HorizontalPodAutoscaler", &t_plain},
    {"batch/v1", "CronJob", &t_cronjob},
    {"batch/v1", "Job", &t_workload},
    {"batch/v1beta1", "CronJob", &t_cronjob},
    {"certificates.k8s.io/v1", "CertificateSigningRequest", &t_plain},
    {"certificates.k8s.io/v1beta1", "CertificateSigningRequest", &t_plain},
    {"coordination.k8s.io/v1", "Lease", &t_plain},
    {"coordination.k8s.io/v1beta1", "Lease", &t_plain},
    {"discovery.k8s.io/v1", "EndpointSlice", &t_plain},
    {"discovery.k8s.io/v1beta1", "EndpointSlice", &t_plain},
    {"events.k8s.io/v1", "Event", &t_plain},
    {"events.k8s.io/v1beta1", "Event", &t_plain},
    {"extensions/v1beta1", "Ingress", &t_plain},
    {"flowcontrol.apiserver.k8s.io/v1beta1", "FlowSchema", &t_plain},
    {"flowcontrol.apiserver.k8s.io/v1beta1", "PriorityLevelConfiguration", &t_plain},
    {"networking.k8s.io/v1", "Ingress", &t_plain},
    {"networking.k8s.io/v1", "IngressClass", &t_plain},
    {"networking.k8s.io/v1", "NetworkPolicy", &t_plain},
    {"networking.k8s.io/v1beta1", "Ingress", &t_plain},
    {"networking.k8s.io/v1beta1", "IngressClass", &t_plain},
    {"node.k8s.io/v1", "RuntimeClass", &t_plain},
    {"node.k8s.io/v1beta1", "RuntimeClass", &t_plain},
    {"policy/v1", "PodDisruptionBudget", &t_plain},
    {"policy/v1beta1", "PodDisruptionBudget", &t_plain},
    {"policy/v1beta1", "PodSecurityPolicy", &t_plain},
    {"rbac.authorization.k8s.io/v1", "ClusterRole", &t_plain},
    {"rbac.authorization.k8s.io/v1", "ClusterRoleBinding", &t_plain},
    {"rbac.authorization.k8s.io/v1", "Role", &t_plain},
    {"rbac.authorization.k8s.io/v1", "RoleBinding", &t_plain},
    {"rbac.authorization.k8s.io/v1beta1", "ClusterRole", &t_plain},
    {"rbac.authorization.k8s.io/v1beta1", "ClusterRoleBinding", &t_plain},
    {"rbac.authorization.k8s.io/v1beta1", "Role", &t_plain},
    {"rbac.authorization.k8s.io/v1beta1", "RoleBinding", &t_plain},
    {"scheduling.k8s.io/v1", "PriorityClass", &t_plain},
    {"scheduling.k8s.io/v1beta1", "PriorityClass", &t_plain},
    {"storage.k8s.io/v1", "CSIDriver", &t_plain},
    {"storage.k8s.io/v1", "CSINode", &t_csinode},
    {"storage.k8s.io/v1", "StorageClass", &t_plain},
    {"storage.k8s.io/v1", "VolumeAttachment", &t_plain},
    {"storage.k8s.io/v1beta1", "CSIDriver", &t_plain},
    {"storage.k8s.io/v1beta1", "CSINode", &t_csinode},
    {"storage.k8s.io/v1beta1", "CSIStorageCapacity", &t_plain},
    {"storage.k8s.io/v1beta1", "StorageClass", &t_plain},
    {"storage.k8s.io/v1beta1", "VolumeAttachment", &t_plain},
    {"v1", "ComponentStatus", &t_plain},
    {"v1", "ConfigMap", &t_plain},
    {"v1", "Endpoints", &t_plain},
    {"v1", "Event", &t_plain},
    {"v1", "LimitRange", &t_plain},
    {"v1", "Namespace", &t_plain},
    {"v1", "Node", &t_node},
    {"v1", "PersistentVolume", &t_plain},
    {"v1", "PersistentVolumeClaim", &t_plain},
    {"v1", "Pod", &t_pod},
    {"v1", "PodTemplate", &t_podtemplate},
    {"v1", "ReplicationController", &t_workload},
    {"v1", "ResourceQuota", &t_plain},
    {"v1", "Secret", &t_plain},
    {"v1", "Service", &t_service},
    {"v1", "ServiceAccount", &t_serviceaccount},
};

const ks_stype *ks_schema_for(const char *apiversion, const char *kind)
{
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
        if (ks_str_eq(known[i].av, apiversion) && ks_str_eq(known[i].kind, kind)) return known[i].type;
    return NULL;
}

static const sfield *find(const ks_stype *t, const char *name)
{
    if (!t) return NULL;
    for (const sfield *f = t->fields; f->name; f++)
        if (strcmp(f->name, name) == 0) return f;
    return NULL;
}

const ks_stype *ks_schema_field(const ks_stype *t, const char *name)
{
    const sfield *f = find(t, name);
    return f && !f->is_list ? f->type : NULL;
}

bool ks_schema_list(const ks_stype *t, const char *name, const char *const **keys, const ks_stype **elem)
{
    const sfield *f = find(t, name);
    *keys = NULL;
    *elem = NULL;
    if (!f || !f->is_list || !f->merge) return false;
    *keys = f->keys;
    *elem = f->type;
    return true;
}
