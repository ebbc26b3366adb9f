/*
 * client.c: the Kubernetes client a Kustomization applies with.
 *
 *   - spec.kubeConfig.secretRef: a client for the remote cluster from the
 *     kubeconfig in that Secret (key `value`, falling back to `value.yaml`,
 *     or secretRef.key). Like Flux without its --insecure-kubeconfig-* flags,
 *     kubeconfigs that run exec plugins, read local files (token, CA or
 *     client certificate files) or skip TLS verification are refused: a
 *     tenant must not make the controller run programs or read its files.
 *   - spec.serviceAccountName, or --default-service-account when it is
 *     empty: the client impersonates system:serviceaccount:<ns>:<name> (on
 *     the remote cluster when both are set).
 *   - otherwise the controller's own client.
 * The controller's discovery mapper is shared for local clients; a remote
 * cluster gets its own. Secret contents are never logged.
 */
#include "ksc.h"
#include "fc/base64.h"
#include "fc/err.h"
#include "fc/json.h"
#include "fc/kubeconfig.h"
#include "fc/yaml.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const fc_resource secrets_res = {"", "v1", "secrets", "Secret", true};
static const fc_resource sa_res = {"", "v1", "serviceaccounts", "ServiceAccount", true};

void ksc_client_dispose(ksc_client *c)
{
    if (c->owned_kube) fc_kube_free(c->kube);
    if (c->owned_mapper) fc_mapper_free(c->mapper);
    if (c->remote_base) fc_kube_free(c->remote_base);
    free(c->identity);
    memset(c, 0, sizeof *c);
}

/* Refuse kubeconfigs that would make the controller read its own files, run
 * programs or skip TLS verification; checked on the YAML before parsing,
 * because parsing already reads referenced certificate files. */
static const char *refusal(const char *yaml, size_t len)
{
    json_object *doc = NULL;
    if (fc_yaml_parse(yaml, len, NULL, &doc) || !doc) return NULL; /* the parser reports it */
    static const char *const user_keys[] = {"client-certificate", "client-key", "tokenFile", "token-file", "exec",
                                            "auth-provider", NULL};
    const char *why = NULL;
    json_object *users = fc_json_key(doc, "users"), *clusters = fc_json_key(doc, "clusters");
    for (size_t i = 0; !why && users && json_object_is_type(users, json_type_array) && i < json_object_array_length(users); i++) {
        json_object *u = fc_json_key(json_object_array_get_idx(users, i), "user");
        for (int k = 0; !why && user_keys[k]; k++)
            if (fc_json_key(u, user_keys[k]))
                why = !strcmp(user_keys[k], "exec") || !strcmp(user_keys[k], "auth-provider")
                          ? "it runs a credential plugin (exec/auth-provider)"
                          : "it reads credentials from local files";
    }
    for (size_t i = 0; !why && clusters && json_object_is_type(clusters, json_type_array) &&
                       i < json_object_array_length(clusters); i++) {
        json_object *c = fc_json_key(json_object_array_get_idx(clusters, i), "cluster");
        if (fc_json_key(c, "certificate-authority")) why = "it reads a CA file";
        else if (fc_json_get_bool(c, "insecure-skip-tls-verify", false))
            why = "it disables TLS verification (insecure-skip-tls-verify)";
    }
    json_object_put(doc);
    return why;
}

static int remote_config(fc_kube *kube, json_object *ks, fc_kube_config **out)
{
    const char *ns = fc_json_get_str(ks, "metadata.namespace");
    json_object *ref = fc_json_get(ks, "spec.kubeConfig.secretRef");
    if (!ref) {
        if (fc_json_get(ks, "spec.kubeConfig.configMapRef"))
            return fc_err_set(FC_EINVAL, "spec.kubeConfig.configMapRef (secret-less cloud provider access) is not supported by "
                                         "this kustomize-controller; use spec.kubeConfig.secretRef");
        return fc_err_set(FC_EINVAL, "spec.kubeConfig requires secretRef");
    }
    const char *name = fc_json_key_str(ref, "name"), *key = fc_json_key_str(ref, "key");
    json_object *secret = NULL;
    int rc = fc_kube_get(kube, &secrets_res, ns, name, &secret);
    if (rc) return fc_err_wrap("unable to read KubeConfig secret '%s/%s'", ns, name ? name : "");
    json_object *data = fc_json_get(secret, "data");
    const char *b64 = NULL, *used = NULL;
    if (key && *key) {
        b64 = fc_json_key_str(data, key);
        used = key;
    } else if ((b64 = fc_json_key_str(data, "value"))) {
        used = "value";
    } else {
        b64 = fc_json_key_str(data, "value.yaml");
        used = "value.yaml";
    }
    if (!b64) {
        rc = fc_err_set(FC_EINVAL, "KubeConfig secret '%s/%s' does not contain a '%s' key with a kubeconfig", ns, name,
                        key && *key ? key : "value");
        json_object_put(secret);
        return rc;
    }
    size_t len = 0;
    char *yaml = fc_base64_decode(b64, strlen(b64), &len);
    json_object_put(secret);
    if (!yaml) return fc_err_wrap("KubeConfig secret '%s/%s' key '%s'", ns, name, used);
    const char *refused = refusal(yaml, len);
    if (refused) {
        memset(yaml, 0, len);
        free(yaml);
        return fc_err_set(FC_EINVAL, "KubeConfig secret '%s/%s' is refused: %s", ns, name, refused);
    }
    fc_kube_config *cfg = NULL;
    rc = fc_kubeconfig_parse(yaml, len, "/nonexistent", NULL, &cfg);
    memset(yaml, 0, len); /* credentials */
    free(yaml);
    if (rc) return fc_err_wrap("KubeConfig secret '%s/%s' key '%s'", ns, name, used);
    const char *why = NULL;
    if (cfg->exec) why = "it runs an exec credential plugin";
    else if (cfg->token_file) why = "it reads a token file";
    else if (cfg->ca_file) why = "it reads a CA file";
    else if (cfg->insecure) why = "it disables TLS verification (insecure-skip-tls-verify)";
    else if (!cfg->server || strncmp(cfg->server, "https://", 8)) why = "its server is not an https:// URL";
    if (why) {
        rc = fc_err_set(FC_EINVAL, "KubeConfig secret '%s/%s' is refused: %s", ns, name, why);
        fc_kube_config_free(cfg);
        return rc;
    }
    *out = cfg;
    return 0;
}

int ksc_client_for(fc_kube *base, fc_mapper *base_mapper, json_object *ks, const char *default_sa, ksc_client *out)
{
    memset(out, 0, sizeof *out);
    const char *ns = fc_json_get_str(ks, "metadata.namespace");
    const char *sa = fc_json_get_str(ks, "spec.serviceAccountName");
    if (!sa || !*sa) sa = default_sa && *default_sa ? default_sa : NULL;
    fc_kube *kube = base;
    fc_mapper *mapper = base_mapper;
    if (fc_json_get(ks, "spec.kubeConfig")) {
        fc_kube_config *cfg = NULL;
        int rc = remote_config(base, ks, &cfg);
        if (rc) return rc;
        fc_kube_opts ko = {.user_agent = "kustomize-controller"};
        out->remote_base = fc_kube_new(cfg, &ko);
        fc_kube_config_free(cfg);
        if (!out->remote_base) return fc_err_set(FC_EINVAL, "cannot create a client for the remote cluster");
        kube = out->remote_base;
        mapper = fc_mapper_new(kube);
        out->owned_mapper = true;
        out->remote = true;
    }
    if (sa) {
        char user[600];
        snprintf(user, sizeof user, "system:serviceaccount:%s:%s", ns ? ns : "", sa);
        out->kube = fc_kube_impersonate(kube, user, NULL);
        if (!out->kube) {
            ksc_client_dispose(out);
            return fc_err_set(FC_EINVAL, "cannot impersonate %s", user);
        }
        out->owned_kube = true;
        out->identity = strdup(user);
        out->sa = sa;
    } else {
        out->kube = kube;
    }
    out->mapper = mapper;
    return 0;
}

bool ksc_client_can_impersonate(fc_kube *base, json_object *ks, const char *default_sa)
{
    const char *ns = fc_json_get_str(ks, "metadata.namespace");
    const char *sa = fc_json_get_str(ks, "spec.serviceAccountName");
    if (!sa || !*sa) sa = default_sa && *default_sa ? default_sa : NULL;
    if (fc_json_get(ks, "spec.kubeConfig")) {
        json_object *s = NULL;
        const char *name = fc_json_get_str(ks, "spec.kubeConfig.secretRef.name");
        int rc = name ? fc_kube_get(base, &secrets_res, ns, name, &s) : FC_ENOTFOUND;
        json_object_put(s);
        if (rc) return false;
        return true; /* the service account lives on the remote cluster */
    }
    if (!sa) return true;
    json_object *o = NULL;
    int rc = fc_kube_get(base, &sa_res, ns, sa, &o);
    json_object_put(o);
    return rc == 0;
}
