/* Resource map indexes: id keys, the string set behind duplicate checks,
 * lookups by any id, selector patterns, and the namespace transformer's
 * one-pass conflict check. */
#include "ks_test.h"

static void add(ks_resmap *m, const char *text)
{
    if (ks_resmap_push(m, res_of(text))) t_fail(__FILE__, __LINE__, "push");
}

TEST(sset_counts)
{
    ks_sset s = {0};
    char k[32];
    for (int i = 0; i < 1000; i++) {
        snprintf(k, sizeof k, "key-%d", i);
        CHECK_INT(ks_sset_add(&s, k), 1);
    }
    CHECK_INT(ks_sset_add(&s, "key-7"), 0);
    CHECK_INT((int)ks_sset_count(&s, "key-7"), 2);
    ks_sset_drop(&s, "key-7");
    ks_sset_drop(&s, "key-7");
    CHECK_INT((int)ks_sset_count(&s, "key-7"), 0);
    CHECK(ks_sset_has(&s, "key-999"));
    CHECK(!ks_sset_has(&s, "key-1000"));
    CHECK_INT((int)s.n, 1000);
    ks_sset_dispose(&s);
}

TEST(id_keys_follow_id_equality)
{
    ks_res *a = res_of("{apiVersion: v1, kind: ConfigMap, metadata: {name: x}}");
    ks_res *b = res_of("{apiVersion: v1, kind: ConfigMap, metadata: {name: x, namespace: default}}");
    ks_res *c = res_of("{apiVersion: v1, kind: Namespace, metadata: {name: x, namespace: a}}");
    ks_res *d = res_of("{apiVersion: v1, kind: Namespace, metadata: {name: x}}");
    ks_res *e = res_of("{apiVersion: apps/v1, kind: ConfigMap, metadata: {name: x}}");
    fc_buf ka, kb;
    fc_buf_init(&ka, 0);
    fc_buf_init(&kb, 0);
    CHECK_INT(ks_res_idkey(a, 0, &ka), 0);
    CHECK_INT(ks_res_idkey(b, 0, &kb), 0);
    CHECK_STR(ka.ptr, kb.ptr);
    CHECK_INT(ks_res_idkey(c, 0, &ka), 0);
    CHECK_INT(ks_res_idkey(d, 0, &kb), 0);
    CHECK_STR(ka.ptr, kb.ptr); /* cluster-scoped: namespace ignored */
    CHECK_INT(ks_res_idkey(a, 0, &ka), 0);
    CHECK_INT(ks_res_idkey(e, 0, &kb), 0);
    CHECK(strcmp(ka.ptr, kb.ptr) != 0);
    /* a previous id (after a rename) */
    CHECK_INT(ks_res_store_prev(a), 0);
    CHECK_INT(ks_res_set_name(a, "y"), 0);
    CHECK_INT(ks_res_idkey(a, 0, &ka), 0);
    CHECK_INT(ks_res_idkey(b, 0, &kb), 0);
    CHECK_STR(ka.ptr, kb.ptr);
    fc_buf_dispose(&ka);
    fc_buf_dispose(&kb);
    ks_res_free(a);
    ks_res_free(b);
    ks_res_free(c);
    ks_res_free(d);
    ks_res_free(e);
}

TEST(append_all_rejects_duplicates_in_order)
{
    ks_resmap dst, src;
    ks_resmap_init(&dst);
    ks_resmap_init(&src);
    add(&dst, "{apiVersion: v1, kind: ConfigMap, metadata: {name: a}}");
    add(&src, "{apiVersion: v1, kind: ConfigMap, metadata: {name: b}}");
    add(&src, "{apiVersion: v1, kind: ConfigMap, metadata: {name: c, namespace: n}}");
    CHECK_INT(ks_resmap_append_all(&dst, &src), 0);
    CHECK_INT((int)dst.n, 3);
    CHECK_INT((int)src.n, 0);
    add(&src, "{apiVersion: v1, kind: ConfigMap, metadata: {name: d}}");
    add(&src, "{apiVersion: v1, kind: ConfigMap, metadata: {name: a, namespace: default}}");
    add(&src, "{apiVersion: v1, kind: ConfigMap, metadata: {name: e}}");
    CHECK(ks_resmap_append_all(&dst, &src) != 0);
    CHECK_CONTAINS(fc_err_msg(), "already registered id: ~G_v1_ConfigMap|default|a");
    CHECK_INT((int)dst.n, 4); /* d went in before the duplicate */
    CHECK_INT((int)src.n, 0);
    ks_resmap_dispose(&dst);
    ks_resmap_dispose(&src);
}

TEST(get_by_id_matches_previous_ids)
{
    ks_resmap m;
    ks_resmap_init(&m);
    add(&m, "{apiVersion: apps/v1, kind: Deployment, metadata: {name: web}}");
    add(&m, "{apiVersion: apps/v1, kind: Deployment, metadata: {name: db}}");
    CHECK_INT(ks_res_store_prev(m.v[0]), 0);
    CHECK_INT(ks_res_set_name(m.v[0], "p-web"), 0);
    ks_id id = {strdup("apps"), strdup("v1"), strdup("Deployment"), strdup("web"), strdup("")};
    ks_res *got = NULL;
    CHECK_INT(ks_resmap_get_by_id(&m, &id, &got), 0);
    CHECK(got == m.v[0]);
    free(id.ns);
    id.ns = strdup("other");
    CHECK(ks_resmap_get_by_id(&m, &id, &got) != 0);
    CHECK_CONTAINS(fc_err_msg(), "no matches for Id apps_v1_Deployment|other|web");
    free(id.group);
    id.group = strdup("");
    free(id.ns);
    id.ns = strdup("default");
    CHECK(ks_resmap_get_by_id(&m, &id, &got) != 0); /* group differs */
    ks_id_dispose(&id);
    ks_resmap_dispose(&m);
}

TEST(selector_patterns)
{
    ks_rx x;
    CHECK_INT(ks_rx_init(&x, "app-1"), 0);
    CHECK(x.literal);
    CHECK(ks_rx_match(&x, "app-1"));
    CHECK(!ks_rx_match(&x, "app-10")); /* anchored */
    ks_rx_dispose(&x);
    CHECK_INT(ks_rx_init(&x, "app-.*|db"), 0);
    CHECK(!x.literal);
    CHECK(ks_rx_match(&x, "app-10"));
    CHECK(ks_rx_match(&x, "db"));
    CHECK(!ks_rx_match(&x, "xdb"));
    ks_rx_dispose(&x);
    CHECK_INT(ks_rx_init(&x, ""), 0);
    CHECK(ks_rx_match(&x, "anything"));
    ks_rx_dispose(&x);
    CHECK(ks_rx_init(&x, "a[") != 0);
    CHECK_CONTAINS(fc_err_msg(), "invalid regular expression");
    ks_rx_dispose(&x);
}

TEST(select_by_target)
{
    ks_resmap m, out;
    ks_resmap_init(&m);
    ks_resmap_init(&out);
    add(&m, "{apiVersion: apps/v1, kind: Deployment, metadata: {name: web, labels: {tier: fe}}}");
    add(&m, "{apiVersion: apps/v1, kind: StatefulSet, metadata: {name: web}}");
    add(&m, "{apiVersion: v1, kind: Service, metadata: {name: web, namespace: x}}");
    add(&m, "{apiVersion: apps/v1, kind: Deployment, metadata: {name: db}}");
    json_object *sel = y("{group: apps, name: web}");
    CHECK_INT(ks_select(&m, sel, &out), 0);
    CHECK_INT((int)out.n, 2);
    json_object_put(sel);
    out.n = 0;
    sel = y("{namespace: default, kind: Deploy.*}");
    CHECK_INT(ks_select(&m, sel, &out), 0);
    CHECK_INT((int)out.n, 2);
    json_object_put(sel);
    out.n = 0;
    sel = y("{labelSelector: tier=fe}");
    CHECK_INT(ks_select(&m, sel, &out), 0);
    CHECK_INT((int)out.n, 1);
    CHECK(out.v[0] == m.v[0]);
    json_object_put(sel);
    free(out.v);
    ks_resmap_dispose(&m);
}

TEST(namespace_conflicts)
{
    ks_fsslice none = {0};
    ks_resmap m;
    ks_resmap_init(&m);
    add(&m, "{apiVersion: v1, kind: ConfigMap, metadata: {name: a, namespace: one}}");
    add(&m, "{apiVersion: v1, kind: ConfigMap, metadata: {name: b}}");
    CHECK_INT(ks_tr_namespace(&m, "prod", &none), 0);
    CHECK_STR(ks_res_ns(m.v[0]), "prod");
    CHECK_STR(ks_res_ns(m.v[1]), "prod");
    ks_resmap_dispose(&m);
    /* two resources that end up with one id */
    ks_resmap_init(&m);
    add(&m, "{apiVersion: v1, kind: ConfigMap, metadata: {name: a, namespace: one}}");
    add(&m, "{apiVersion: v1, kind: ConfigMap, metadata: {name: a, namespace: two}}");
    CHECK(ks_tr_namespace(&m, "prod", &none) != 0);
    CHECK_CONTAINS(fc_err_msg(), "namespace transformation produces ID conflict: ~G_v1_ConfigMap|prod|a");
    ks_resmap_dispose(&m);
    /* a transformed resource meets one not yet transformed */
    ks_resmap_init(&m);
    add(&m, "{apiVersion: v1, kind: ConfigMap, metadata: {name: a}}");
    add(&m, "{apiVersion: v1, kind: ConfigMap, metadata: {name: a, namespace: prod}}");
    CHECK(ks_tr_namespace(&m, "prod", &none) != 0);
    CHECK_CONTAINS(fc_err_msg(), "ID conflict");
    ks_resmap_dispose(&m);
}

/* shrinking json-c tables keeps every key findable, the order, and lets the
 * map grow again (json-c's resize records the size asked for, so a size
 * too small to refill would lose entries) */
TEST(compact_maps_keep_keys)
{
    char k[32];
    for (int n = 0; n <= 400; n += (n < 40 ? 1 : 37)) {
        json_object *m = json_object_new_object();
        for (int i = 0; i < n; i++) {
            snprintf(k, sizeof k, "key-%d", i);
            json_object_object_add(m, k, json_object_new_int(i));
        }
        ks_json_compact(m);
        for (int i = 0; i < n; i++) {
            snprintf(k, sizeof k, "key-%d", i);
            json_object *v = NULL;
            CHECK(json_object_object_get_ex(m, k, &v));
            CHECK_INT(json_object_get_int(v), i);
        }
        CHECK(!json_object_object_get_ex(m, "missing", NULL));
        int i = 0;
        json_object_object_foreach(m, key, val) {
            (void)key;
            CHECK_INT(json_object_get_int(val), i++);
        }
        CHECK_INT(i, n);
        json_object_object_del(m, "key-0");
        ks_obj_add(m, "name", json_object_new_string("x")); /* common key: shared copy */
        json_object_object_add(m, "extra", json_object_new_int(-1));
        ks_json_compact(m);
        CHECK(json_object_object_get_ex(m, "extra", NULL));
        CHECK_STR(ks_obj_str(m, "name"), "x");
        CHECK(!json_object_object_get_ex(m, "key-0", NULL));
        CHECK_INT(json_object_object_length(m), n + (n ? 1 : 2));
        json_object *c = fc_json_copy(m);
        json_object_put(m);
        CHECK_STR(ks_obj_str(c, "name"), "x");
        json_object_put(c);
    }
    CHECK(ks_intern_key("apiVersion") != NULL);
    CHECK(ks_intern_key("no-such-common-key") == NULL);
}
