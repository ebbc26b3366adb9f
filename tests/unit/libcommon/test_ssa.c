/* Unit tests of fc/ssa's pure parts: Flux's apply order and stages, the
 * metadata selectors, the cleanup JSON patch (annotations, labels, folding
 * kubectl's managedFields into ours), drift detection and change-set text.
 * The API-server parts (dry-run, apply, prune, wait) are exercised by
 * tests/e2e/40-kustomize.sh on the real control plane. */
#include "../testlib.h"
#include "fc/json.h"
#include "fc/ssa.h"
#include "fc/yaml.h"

static json_object *y(const char *s)
{
    json_object *o = NULL;
    if (fc_yaml_parse(s, strlen(s), NULL, &o)) t_fail(__FILE__, __LINE__, "bad yaml");
    return o;
}

static json_object *ys(const char *s)
{
    json_object *o = NULL;
    if (fc_yaml_parse_stream(s, strlen(s), NULL, &o)) t_fail(__FILE__, __LINE__, "bad yaml");
    return o;
}

TEST(ssa_sort_follows_flux_kind_order)
{
    json_object *a = ys("{apiVersion: admissionregistration.k8s.io/v1, kind: ValidatingWebhookConfiguration, metadata: {name: v}}\n"
                        "---\n{apiVersion: apps/v1, kind: Deployment, metadata: {name: b, namespace: y}}\n"
                        "---\n{apiVersion: apps/v1, kind: Deployment, metadata: {name: a, namespace: y}}\n"
                        "---\n{apiVersion: v1, kind: Service, metadata: {name: s, namespace: x}}\n"
                        "---\n{apiVersion: example.io/v1, kind: Widget, metadata: {name: w, namespace: x}}\n"
                        "---\n{apiVersion: v1, kind: Namespace, metadata: {name: x}}\n"
                        "---\n{apiVersion: apiextensions.k8s.io/v1, kind: CustomResourceDefinition, metadata: {name: c}}\n"
                        "---\n{apiVersion: rbac.authorization.k8s.io/v1, kind: ClusterRole, metadata: {name: r}}\n"
                        "---\n{apiVersion: v1, kind: ConfigMap, metadata: {name: c, namespace: x}}\n");
    fc_ssa_sort(a);
    const char *want[] = {"CustomResourceDefinition", "Namespace", "ClusterRole", "ConfigMap", "Service", "Deployment",
                          "Deployment", "Widget", "ValidatingWebhookConfiguration"};
    for (size_t i = 0; i < 9; i++) CHECK_STR(fc_json_get_str(json_object_array_get_idx(a, i), "kind"), want[i]);
    CHECK_STR(fc_json_get_str(json_object_array_get_idx(a, 5), "metadata.name"), "a");
    json_object_put(a);
}

TEST(ssa_stages)
{
    json_object *o = y("{apiVersion: apiextensions.k8s.io/v1, kind: CustomResourceDefinition}");
    CHECK_INT(fc_ssa_stage(o), 0);
    json_object_put(o);
    o = y("{apiVersion: v1, kind: Namespace}");
    CHECK_INT(fc_ssa_stage(o), 0);
    json_object_put(o);
    o = y("{apiVersion: rbac.authorization.k8s.io/v1, kind: ClusterRole}");
    CHECK_INT(fc_ssa_stage(o), 0);
    json_object_put(o);
    o = y("{apiVersion: storage.k8s.io/v1, kind: StorageClass}");
    CHECK_INT(fc_ssa_stage(o), 1);
    json_object_put(o);
    o = y("{apiVersion: gateway.networking.k8s.io/v1, kind: GatewayClass}");
    CHECK_INT(fc_ssa_stage(o), 1);
    json_object_put(o);
    o = y("{apiVersion: example.io/v1, kind: Namespace}"); /* not the core Namespace */
    CHECK_INT(fc_ssa_stage(o), 2);
    json_object_put(o);
    o = y("{apiVersion: rbac.authorization.k8s.io/v1, kind: ClusterRoleBinding}");
    CHECK_INT(fc_ssa_stage(o), 2);
    json_object_put(o);
}

TEST(ssa_selectors_are_case_insensitive_labels_or_annotations)
{
    json_object *o = y("{metadata: {labels: {kustomize.toolkit.fluxcd.io/prune: Disabled}, annotations:"
                       " {kustomize.toolkit.fluxcd.io/ssa: IfNotPresent}}}");
    const char *const prune[] = {"kustomize.toolkit.fluxcd.io/prune", "disabled", NULL};
    const char *const ssa[] = {"kustomize.toolkit.fluxcd.io/ssa", "ifnotpresent", NULL};
    const char *const other[] = {"kustomize.toolkit.fluxcd.io/ssa", "merge", "x", "y", NULL};
    CHECK(fc_ssa_any_in_metadata(o, prune));
    CHECK(fc_ssa_any_in_metadata(o, ssa));
    CHECK(!fc_ssa_any_in_metadata(o, other));
    CHECK(!fc_ssa_any_in_metadata(o, NULL));
    json_object_put(o);
}

static const fc_ssa_manager_ref managers[] = {{"kubectl", "Apply"}, {"kubectl", "Update"}, {"before-first-apply", "Update"},
                                              {"kustomize-controller", "Update"}, {NULL, NULL}};

TEST(ssa_cleanup_patch_folds_managers_and_removes_metadata)
{
    const char *const ann[] = {"kubectl.kubernetes.io/last-applied-configuration", "fluxcd.io/sync-checksum", NULL};
    const char *const lab[] = {"fluxcd.io/sync-gc-mark", NULL};
    fc_ssa_apply_opts o = {.field_manager = "kustomize-controller", .cleanup_annotations = ann, .cleanup_labels = lab,
                           .cleanup_managers = managers};
    json_object *live = y("{metadata: {annotations: {kubectl.kubernetes.io/last-applied-configuration: '{}', keep: x},"
                          " labels: {fluxcd.io/sync-gc-mark: y, app: a}, managedFields: ["
                          "{manager: kustomize-controller, operation: Apply, fieldsV1: {'f:spec': {'f:replicas': {}}}},"
                          "{manager: kubectl-client-side-apply, operation: Update, fieldsV1: {'f:spec': {'f:template': {}}}},"
                          "{manager: kube-controller-manager, operation: Update, subresource: status, fieldsV1: {'f:status': {}}},"
                          "{manager: kubectl, operation: Update, subresource: scale, fieldsV1: {'f:spec': {}}}]}}");
    json_object *p = fc_ssa_cleanup_patch(live, &o);
    CHECK(p != NULL);
    char *s = fc_json_dump(p);
    CHECK_CONTAINS(s, "{\"op\":\"remove\",\"path\":\"/metadata/annotations/kubectl.kubernetes.io~1last-applied-configuration\"}");
    CHECK_CONTAINS(s, "{\"op\":\"remove\",\"path\":\"/metadata/labels/fluxcd.io~1sync-gc-mark\"}");
    CHECK_CONTAINS(s, "\"path\":\"/metadata/managedFields\"");
    free(s);
    json_object *mf = fc_json_get(json_object_array_get_idx(p, 2), "value");
    CHECK_INT(json_object_array_length(mf), 3); /* status and scale entries kept, ours last */
    json_object *ours = json_object_array_get_idx(mf, 2);
    CHECK_STR(fc_json_key_str(ours, "manager"), "kustomize-controller");
    CHECK(fc_json_get(ours, "fieldsV1.f:spec.f:replicas") && fc_json_get(ours, "fieldsV1.f:spec.f:template"));
    json_object_put(p);
    json_object_put(live);

    /* nothing to clean: no patch */
    live = y("{metadata: {annotations: {keep: x}, managedFields: [{manager: kustomize-controller, operation: Apply}]}}");
    CHECK(fc_ssa_cleanup_patch(live, &o) == NULL);
    json_object_put(live);

    /* no entry of ours yet: the first matching manager is renamed */
    live = y("{metadata: {managedFields: [{manager: kubectl, operation: Apply, fieldsV1: {'f:data': {}}}]}}");
    p = fc_ssa_cleanup_patch(live, &o);
    json_object *only = json_object_array_get_idx(fc_json_get(json_object_array_get_idx(p, 0), "value"), 0);
    CHECK_STR(fc_json_key_str(only, "manager"), "kustomize-controller");
    CHECK_STR(fc_json_key_str(only, "operation"), "Apply");
    json_object_put(p);
    json_object_put(live);
}

TEST(ssa_drift_detection)
{
    json_object *live = y("{apiVersion: v1, kind: ConfigMap, metadata: {name: a, resourceVersion: '5', labels: {}},"
                          " data: {x: '1'}, status: {a: 1}}");
    json_object *same = y("{apiVersion: v1, kind: ConfigMap, metadata: {name: a, resourceVersion: '5'}, data: {x: '1'},"
                          " status: {a: 2}}");
    json_object *diff = y("{apiVersion: v1, kind: ConfigMap, metadata: {name: a, resourceVersion: '5'}, data: {x: '2'}}");
    json_object *lab = y("{apiVersion: v1, kind: ConfigMap, metadata: {name: a, resourceVersion: '5', labels: {a: b}},"
                         " data: {x: '1'}}");
    json_object *created = y("{apiVersion: v1, kind: ConfigMap, metadata: {name: a}, data: {x: '1'}}");
    CHECK(!fc_ssa_has_drifted(live, same)); /* nil and empty labels are equal, status ignored */
    CHECK(fc_ssa_has_drifted(live, diff));
    CHECK(fc_ssa_has_drifted(live, lab));
    CHECK(fc_ssa_has_drifted(NULL, created));
    json_object_put(live), json_object_put(same), json_object_put(diff), json_object_put(lab), json_object_put(created);
}

TEST(ssa_changeset_string_and_subjects)
{
    fc_ssa_changeset cs;
    fc_ssa_changeset_init(&cs);
    fc_ssa_changeset_dispose(&cs);
    json_object *o = y("{apiVersion: v1, kind: Namespace, metadata: {name: apps}}");
    fc_buf b;
    fc_buf_init(&b, 0);
    fc_ssa_subject(o, &b);
    CHECK_STR(b.ptr, "Namespace/apps");
    json_object_put(o);
    fc_buf_reset(&b);
    o = y("{apiVersion: apps/v1, kind: Deployment, metadata: {name: web, namespace: apps}}");
    fc_ssa_subject(o, &b);
    CHECK_STR(b.ptr, "Deployment/apps/web");
    json_object_put(o);
    fc_buf_dispose(&b);
    CHECK_STR(fc_ssa_action_name(FC_SSA_CONFIGURED), "configured");
    CHECK_STR(fc_ssa_action_name(FC_SSA_SKIPPED), "skipped");
}
