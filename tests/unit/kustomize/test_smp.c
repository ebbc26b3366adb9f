/* Strategic merge patch as kustomize v5.5 applies it (kyaml merge2, prepend
 * list direction). Expected results were taken from `kubectl kustomize`. */
#include "ks_test.h"

static char *smp(const char *target, const char *patch)
{
    json_object *t = y(target), *p = y(patch);
    const ks_stype *sch = ks_schema_for(ks_obj_str(t, "apiVersion"), ks_obj_str(t, "kind"));
    if (ks_smp_apply(&t, p, sch)) t_fail(__FILE__, __LINE__, "smp: %s", fc_err_msg());
    char *s = t ? js(t) : strdup("DELETED");
    json_object_put(t);
    json_object_put(p);
    return keep(s);
}

TEST(smp_maps_merge_and_null_deletes)
{
    CHECK_STR(smp("{kind: X, a: {b: 1, c: 2}, d: 3}", "{kind: X, a: {c: 20, e: 5}, d: null}"),
              "{\"a\":{\"b\":1,\"c\":20,\"e\":5},\"kind\":\"X\"}");
}

TEST(smp_added_content_drops_nulls_and_directives)
{
    CHECK_STR(smp("{kind: X}", "{kind: X, n: {a: null, b: 1, c: {$patch: replace, d: 1}}}"),
              "{\"kind\":\"X\",\"n\":{\"b\":1,\"c\":{\"d\":1}}}");
}

TEST(smp_map_replace_and_delete_directives)
{
    CHECK_STR(smp("{kind: X, a: {x: 1, y: 2}, b: {z: 1}}", "{kind: X, a: {$patch: replace, q: 9}, b: {$patch: delete}}"),
              "{\"a\":{\"q\":9},\"kind\":\"X\"}");
    CHECK_STR(smp("{kind: X, a: 1}", "{kind: X, $patch: delete}"), "DELETED");
}

TEST(smp_unknown_directives_pass_through)
{
    /* kustomize does not implement $retainKeys / $setElementOrder */
    CHECK_STR(smp("{apiVersion: apps/v1, kind: Deployment, spec: {strategy: {type: A, x: 1}}}",
                  "{apiVersion: apps/v1, kind: Deployment, spec: {strategy: {$retainKeys: [type], type: B}}}"),
              "{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"spec\":{\"strategy\":{\"$retainKeys\":[\"type\"],"
              "\"type\":\"B\",\"x\":1}}}");
}

TEST(smp_containers_merge_by_name_patch_order_first)
{
    const char *d = "{apiVersion: v1, kind: Pod, spec: {containers: [{name: a, image: a1}, {name: b, image: b1}, "
                    "{name: c, image: c1}]}}";
    CHECK_STR(smp(d, "{apiVersion: v1, kind: Pod, spec: {containers: [{name: c, image: c2}, {name: new, image: n}, "
                     "{name: a, image: a2}]}}"),
              "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"spec\":{\"containers\":[{\"image\":\"c2\",\"name\":\"c\"},"
              "{\"image\":\"n\",\"name\":\"new\"},{\"image\":\"a2\",\"name\":\"a\"},{\"image\":\"b1\",\"name\":\"b\"}]}}");
}

TEST(smp_element_delete_and_list_replace)
{
    const char *d = "{apiVersion: v1, kind: Pod, spec: {containers: [{name: a, env: [{name: X, value: '1'}, "
                    "{name: Y, value: '2'}]}]}}";
    CHECK_STR(smp(d, "{apiVersion: v1, kind: Pod, spec: {containers: [{name: a, env: [{name: X, $patch: delete}]}]}}"),
              "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"spec\":{\"containers\":[{\"env\":[{\"name\":\"Y\",\"value\":"
              "\"2\"}],\"name\":\"a\"}]}}");
    CHECK_STR(smp(d, "{apiVersion: v1, kind: Pod, spec: {containers: [{$patch: replace}, {name: z}]}}"),
              "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"spec\":{\"containers\":[{\"name\":\"z\"}]}}");
}

TEST(smp_primitive_merge_list_is_union_patch_first)
{
    CHECK_STR(smp("{apiVersion: v1, kind: ConfigMap, metadata: {finalizers: [a, b]}}",
                  "{apiVersion: v1, kind: ConfigMap, metadata: {finalizers: [c, a]}}"),
              "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"finalizers\":[\"c\",\"a\",\"b\"]}}");
}

TEST(smp_lists_without_strategy_are_replaced)
{
    /* custom resources have no schema; args has no strategy */
    CHECK_STR(smp("{apiVersion: x/v1, kind: Y, spec: {items: [{name: a}, {name: b}]}}",
                  "{apiVersion: x/v1, kind: Y, spec: {items: [{name: b, v: 1}]}}"),
              "{\"apiVersion\":\"x/v1\",\"kind\":\"Y\",\"spec\":{\"items\":[{\"name\":\"b\",\"v\":1}]}}");
    CHECK_STR(smp("{apiVersion: v1, kind: Pod, spec: {containers: [{name: a, args: [x, y]}]}}",
                  "{apiVersion: v1, kind: Pod, spec: {containers: [{name: a, args: [z]}]}}"),
              "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"spec\":{\"containers\":[{\"args\":[\"z\"],\"name\":\"a\"}]}}");
}

TEST(smp_two_key_lists_follow_kustomize)
{
    const char *svc = "{apiVersion: v1, kind: Service, spec: {ports: [{port: 80, protocol: TCP}, {port: 443}]}}";
    /* no protocol in the patch: does not merge into 80/TCP */
    CHECK_STR(smp(svc, "{apiVersion: v1, kind: Service, spec: {ports: [{port: 80, targetPort: 1}]}}"),
              "{\"apiVersion\":\"v1\",\"kind\":\"Service\",\"spec\":{\"ports\":[{\"port\":80,\"protocol\":\"TCP\"},"
              "{\"port\":443}]}}");
    /* same tuple: merges in place; a new port goes first */
    CHECK_STR(smp(svc, "{apiVersion: v1, kind: Service, spec: {ports: [{port: 443, targetPort: 2}, {port: 9}]}}"),
              "{\"apiVersion\":\"v1\",\"kind\":\"Service\",\"spec\":{\"ports\":[{\"port\":9},{\"port\":80,"
              "\"protocol\":\"TCP\"},{\"port\":443,\"targetPort\":2}]}}");
    /* deleting needs every key */
    CHECK_STR(smp(svc, "{apiVersion: v1, kind: Service, spec: {ports: [{port: 80, protocol: TCP, $patch: delete}]}}"),
              "{\"apiVersion\":\"v1\",\"kind\":\"Service\",\"spec\":{\"ports\":[{\"port\":443}]}}");
}

TEST(smp_kind_mismatch_is_an_error)
{
    json_object *t = y("{kind: X, spec: {template: {a: 1}}}"), *p = y("{kind: X, spec: {template: 5}}");
    CHECK(ks_smp_apply(&t, p, NULL) != 0);
    CHECK_CONTAINS(fc_err_msg(), "wrong node kind");
    json_object_put(t);
    json_object_put(p);
}
