/*
 * ks_resid.c: group/version/kind helpers. kustomize decides whether a kind
 * is namespaced from the Kubernetes 1.21 OpenAPI schema it embeds, keyed by
 * the exact apiVersion and kind; anything not in that schema (custom
 * resources, old API versions) counts as namespaced. The table below is that
 * schema's answer for every cluster-scoped type, so the same objects get (or
 * do not get) a namespace.
 */
#include "ks_internal.h"
#include <stdlib.h>
#include <string.h>

void ks_split_apiversion(const char *apiversion, char **group, char **version)
{
    const char *av = apiversion ? apiversion : "";
    const char *slash = strchr(av, '/');
    if (slash) {
        *group = ks_strndup(av, (size_t)(slash - av));
        *version = ks_strdup(slash + 1);
    } else {
        *group = ks_strdup("");
        *version = ks_strdup(av);
    }
}

/* apiVersion, kind of every cluster-scoped type in kyaml's schema */
static const char *const cluster_scoped[][2] = {
    {"admissionregistration.k8s.io/v1", "MutatingWebhookConfiguration"},
    {"admissionregistration.k8s.io/v1", "ValidatingWebhookConfiguration"},
    {"admissionregistration.k8s.io/v1beta1", "MutatingWebhookConfiguration"},
    {"admissionregistration.k8s.io/v1beta1", "ValidatingWebhookConfiguration"},
    {"apiextensions.k8s.io/v1", "CustomResourceDefinition"},
    {"apiextensions.k8s.io/v1beta1", "CustomResourceDefinition"},
    {"apiregistration.k8s.io/v1", "APIService"},
    {"apiregistration.k8s.io/v1beta1", "APIService"},
    {"certificates.k8s.io/v1", "CertificateSigningRequest"},
    {"certificates.k8s.io/v1beta1", "CertificateSigningRequest"},
    {"flowcontrol.apiserver.k8s.io/v1beta1", "FlowSchema"},
    {"flowcontrol.apiserver.k8s.io/v1beta1", "PriorityLevelConfiguration"},
    {"networking.k8s.io/v1", "IngressClass"},
    {"networking.k8s.io/v1beta1", "IngressClass"},
    {"node.k8s.io/v1", "RuntimeClass"},
    {"node.k8s.io/v1beta1", "RuntimeClass"},
    {"policy/v1beta1", "PodSecurityPolicy"},
    {"rbac.authorization.k8s.io/v1", "ClusterRole"},
    {"rbac.authorization.k8s.io/v1", "ClusterRoleBinding"},
    {"rbac.authorization.k8s.io/v1beta1", "ClusterRole"},
    {"rbac.authorization.k8s.io/v1beta1", "ClusterRoleBinding"},
    {"scheduling.k8s.io/v1", "PriorityClass"},
    {"scheduling.k8s.io/v1beta1", "PriorityClass"},
    {"storage.k8s.io/v1", "CSIDriver"},
    {"storage.k8s.io/v1", "CSINode"},
    {"storage.k8s.io/v1", "StorageClass"},
    {"storage.k8s.io/v1", "VolumeAttachment"},
    {"storage.k8s.io/v1beta1", "CSIDriver"},
    {"storage.k8s.io/v1beta1", "CSINode"},
    {"storage.k8s.io/v1beta1", "StorageClass"},
    {"storage.k8s.io/v1beta1", "VolumeAttachment"},
    {"v1", "ComponentStatus"},
    {"v1", "Namespace"},
    {"v1", "Node"},
    {"v1", "NodeProxyOptions"},
    {"v1", "PersistentVolume"},
};

static bool cluster_scoped_n(const char *g, size_t gl, const char *v, const char *k)
{
    for (size_t i = 0; i < sizeof cluster_scoped / sizeof cluster_scoped[0]; i++) {
        const char *av = cluster_scoped[i][0];
        if (strcmp(cluster_scoped[i][1], k) != 0) continue;
        const char *slash = strchr(av, '/');
        if (slash) {
            if (gl == (size_t)(slash - av) && strncmp(av, g, gl) == 0 && strcmp(slash + 1, v) == 0) return true;
        } else if (gl == 0 && strcmp(av, v) == 0) {
            return true;
        }
    }
    return false;
}

bool ks_gvk_cluster_scoped(const char *group, const char *version, const char *kind)
{
    const char *g = group ? group : "";
    return cluster_scoped_n(g, strlen(g), version ? version : "", kind ? kind : "");
}

bool ks_av_cluster_scoped(const char *apiversion, const char *kind)
{
    const char *av = apiversion ? apiversion : "", *slash = strchr(av, '/');
    if (slash) return cluster_scoped_n(av, (size_t)(slash - av), slash + 1, kind ? kind : "");
    return cluster_scoped_n("", 0, av, kind ? kind : "");
}

bool ks_gvk_selected(const char *g, const char *v, const char *k, const char *sg, const char *sv, const char *sk)
{
    if (sg && *sg && !ks_str_eq(g, sg)) return false;
    if (sv && *sv && !ks_str_eq(v, sv)) return false;
    if (sk && *sk && !ks_str_eq(k, sk)) return false;
    return true;
}

static const char *const order_first[] = {
    "Namespace", "ResourceQuota", "StorageClass", "CustomResourceDefinition", "ServiceAccount",
    "PodSecurityPolicy", "Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding", "ConfigMap", "Secret",
    "Endpoints", "Service", "LimitRange", "PriorityClass", "PersistentVolume", "PersistentVolumeClaim",
    "Deployment", "StatefulSet", "CronJob", "PodDisruptionBudget",
};
static const char *const order_last[] = {"MutatingWebhookConfiguration", "ValidatingWebhookConfiguration"};

int ks_kind_legacy_rank(const char *kind, bool *known)
{
    int nf = (int)(sizeof order_first / sizeof order_first[0]);
    *known = true;
    for (int i = 0; i < nf; i++)
        if (ks_str_eq(kind, order_first[i])) return -nf + i;
    for (int i = 0; i < (int)(sizeof order_last / sizeof order_last[0]); i++)
        if (ks_str_eq(kind, order_last[i])) return 1 + i;
    *known = false;
    return 0;
}
