/* The generated-name hash must equal kustomize's: values checked against
 * `kubectl kustomize` output for the same generators. */
#include "ks_test.h"

static char *hash_of(const char *text)
{
    ks_res *r = res_of(text);
    char h[11];
    if (ks_hash_resource(r, h)) t_fail(__FILE__, __LINE__, "hash: %s", fc_err_msg());
    ks_res_free(r);
    return keep(strdup(h));
}

TEST(hash_configmap_matches_kustomize)
{
    CHECK_STR(hash_of("{apiVersion: v1, kind: ConfigMap, metadata: {name: a}, data: {k: v}}"), "bdg947hgcc");
    /* the name does not take part (kustomize's lookup never finds it) */
    CHECK_STR(hash_of("{apiVersion: v1, kind: ConfigMap, metadata: {name: other}, data: {k: v}}"), "bdg947hgcc");
    CHECK_STR(hash_of("{apiVersion: v1, kind: ConfigMap, metadata: {name: c}}"), "6ct58987ht");
}

TEST(hash_secret_includes_type)
{
    CHECK_STR(hash_of("{apiVersion: v1, kind: Secret, metadata: {name: s}, type: Opaque, data: {k: dg==}}"),
              "ftgtgc4t9f");
    CHECK_STR(hash_of("{apiVersion: v1, kind: Secret, metadata: {name: t}, type: kubernetes.io/tls, data: {k: dg==}}"),
              "8d9db26b4d");
}

TEST(go_json_encoding_is_html_safe_and_sorted)
{
    json_object *o = y("{b: \"<&>\", a: [1, 2.5, true, null], c: \"\\u2028\\t\"}");
    char *s = js(o);
    CHECK_STR(s, "{\"a\":[1,2.5,true,null],\"b\":\"\\u003c\\u0026\\u003e\",\"c\":\"\\u2028\\t\"}");
    free(s);
    json_object_put(o);
}
