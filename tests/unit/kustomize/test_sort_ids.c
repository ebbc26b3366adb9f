/* Legacy output order and resource ids (effective namespaces). */
#include "ks_test.h"

static void add(ks_resmap *m, const char *text)
{
    if (ks_resmap_push(m, res_of(text))) t_fail(__FILE__, __LINE__, "push");
}

TEST(sort_legacy_order)
{
    ks_resmap m;
    ks_resmap_init(&m);
    add(&m, "{apiVersion: apps/v1, kind: Deployment, metadata: {name: d}}");
    add(&m, "{apiVersion: admissionregistration.k8s.io/v1, kind: ValidatingWebhookConfiguration, metadata: {name: v}}");
    add(&m, "{apiVersion: example.com/v1, kind: Widget, metadata: {name: w}}");
    add(&m, "{apiVersion: v1, kind: ConfigMap, metadata: {name: b}}");
    add(&m, "{apiVersion: v1, kind: ConfigMap, metadata: {name: a-b}}");
    add(&m, "{apiVersion: v1, kind: ConfigMap, metadata: {name: a, namespace: z}}");
    add(&m, "{apiVersion: v1, kind: Namespace, metadata: {name: n}}");
    CHECK_INT(ks_sort_resources(&m, NULL, "k"), 0);
    /* "...|z|a" sorts before "...|~X|a-b": the id strings are compared */
    const char *want[] = {"n", "a", "a-b", "b", "d", "w", "v"};
    for (size_t i = 0; i < 7; i++) CHECK_STR(ks_res_name(m.v[i]), want[i]);
    ks_resmap_dispose(&m);
}

TEST(ids_use_effective_namespace)
{
    ks_res *a = res_of("{apiVersion: v1, kind: ConfigMap, metadata: {name: x}}");
    ks_res *b = res_of("{apiVersion: v1, kind: ConfigMap, metadata: {name: x, namespace: default}}");
    ks_res *c = res_of("{apiVersion: rbac.authorization.k8s.io/v1, kind: ClusterRole, metadata: {name: x, namespace: y}}");
    ks_id ia, ib, ic;
    CHECK_INT(ks_res_curid(a, &ia), 0);
    CHECK_INT(ks_res_curid(b, &ib), 0);
    CHECK_INT(ks_res_curid(c, &ic), 0);
    CHECK(ks_id_equals(&ia, &ib));
    CHECK_STR(ks_id_effective_ns(&ic), "_non_namespaceable_");
    ks_resmap m;
    ks_resmap_init(&m);
    CHECK_INT(ks_resmap_append(&m, a), 0);
    CHECK(ks_resmap_append(&m, b) != 0); /* same id */
    CHECK_CONTAINS(fc_err_msg(), "already registered id");
    ks_id_dispose(&ia);
    ks_id_dispose(&ib);
    ks_id_dispose(&ic);
    ks_res_free(c);
    ks_resmap_dispose(&m);
}
