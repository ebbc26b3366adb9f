/* Unit tests of client selection (client.c): spec.serviceAccountName,
 * --default-service-account as its fallback, and the controller's own client
 * when neither is set; and the helpers shared by the reconciler (timeout
 * and retry interval defaults, revision comparison across Flux's legacy
 * "branch/sha" form). The API-server side (RBAC denial, kubeConfig) is in
 * tests/e2e/40-kustomize.sh. */
#include "../testlib.h"
#include "fc/duration.h"
#include "fc/kubeconfig.h"
#include "fc/yaml.h"
#include "../../../kustomize-controller/ksc.h"

static json_object *y(const char *s)
{
    json_object *o = NULL;
    if (fc_yaml_parse(s, strlen(s), NULL, &o)) t_fail(__FILE__, __LINE__, "bad yaml");
    return o;
}

static fc_kube *base(void)
{
    const char *cfg = "apiVersion: v1\nkind: Config\ncurrent-context: c\nclusters: [{name: c, cluster: {server: 'https://127.0.0.1:1'}}]\n"
                      "contexts: [{name: c, context: {cluster: c, user: u}}]\nusers: [{name: u, user: {token: t}}]\n";
    fc_kube_config *c = NULL;
    if (fc_kubeconfig_parse(cfg, strlen(cfg), NULL, NULL, &c)) t_fail(__FILE__, __LINE__, "kubeconfig");
    fc_kube *k = fc_kube_new(c, NULL);
    fc_kube_config_free(c);
    return k;
}

TEST(client_impersonation_precedence)
{
    fc_kube *k = base();
    ksc_client cl;
    json_object *ks = y("{metadata: {name: a, namespace: team}, spec: {serviceAccountName: deployer}}");
    CHECK_INT(ksc_client_for(k, NULL, ks, "fallback", &cl), 0);
    CHECK_STR(cl.identity, "system:serviceaccount:team:deployer");
    CHECK(cl.kube != k);
    ksc_client_dispose(&cl);
    json_object_put(ks);

    ks = y("{metadata: {name: a, namespace: team}, spec: {}}");
    CHECK_INT(ksc_client_for(k, NULL, ks, "fallback", &cl), 0);
    CHECK_STR(cl.identity, "system:serviceaccount:team:fallback"); /* --default-service-account */
    ksc_client_dispose(&cl);
    CHECK_INT(ksc_client_for(k, NULL, ks, NULL, &cl), 0);
    CHECK(cl.identity == NULL);
    CHECK(cl.kube == k); /* the controller's own client */
    ksc_client_dispose(&cl);
    json_object_put(ks);
    fc_kube_free(k);
}

TEST(timeouts_and_retry_intervals)
{
    json_object *o = y("{spec: {interval: 10m}}");
    CHECK_INT(ksc_timeout(o), 570 * FC_NS_PER_S); /* interval - 30s */
    CHECK_INT(ksc_retry_interval(o), 600 * FC_NS_PER_S);
    json_object_put(o);
    o = y("{spec: {interval: 40s, retryInterval: 5s}}");
    CHECK_INT(ksc_timeout(o), 30 * FC_NS_PER_S); /* floor */
    CHECK_INT(ksc_retry_interval(o), 5 * FC_NS_PER_S);
    json_object_put(o);
    o = y("{spec: {interval: 10m, timeout: 2m}}");
    CHECK_INT(ksc_timeout(o), 120 * FC_NS_PER_S);
    json_object_put(o);
    o = y("{spec: {interval: 10m, timeout: 5s}}");
    CHECK_INT(ksc_timeout(o), 30 * FC_NS_PER_S); /* Flux floors explicit timeouts too */
    json_object_put(o);
}

TEST(revision_comparison)
{
    const char *sha = "0123456789abcdef0123456789abcdef01234567";
    char a[128], b[128];
    snprintf(a, sizeof a, "main@sha1:%s", sha);
    snprintf(b, sizeof b, "main/%s", sha);
    CHECK(ksc_same_revision(a, a));
    CHECK(ksc_same_revision(a, b)); /* pre-2.0 form */
    CHECK(!ksc_same_revision(a, "main@sha1:x"));
    CHECK(!ksc_same_revision(a, NULL));
    CHECK(ksc_same_revision("sha256:abc", "sha256:abc"));
}
