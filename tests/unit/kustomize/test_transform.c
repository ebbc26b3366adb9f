/* Transformers and name references on small resource lists. */
#include "ks_test.h"
#include <unistd.h>

static ks_tconfig *defaults(void)
{
    ks_tconfig *tc = NULL;
    if (ks_tconfig_default(NULL, &tc)) t_fail(__FILE__, __LINE__, "defaults: %s", fc_err_msg());
    return tc;
}

static ks_resmap two(void)
{
    ks_resmap m;
    ks_resmap_init(&m);
    ks_resmap_push(&m, res_of("{apiVersion: v1, kind: ConfigMap, metadata: {name: cfg}}"));
    ks_resmap_push(&m, res_of("{apiVersion: apps/v1, kind: Deployment, metadata: {name: app}, spec: {template: "
                              "{spec: {containers: [{name: c, envFrom: [{configMapRef: {name: cfg}}, "
                              "{configMapRef: {name: unrelated}}]}], volumes: [{name: v, configMap: {name: cfg}}]}}}}"));
    return m;
}

TEST(nameref_follows_prefix)
{
    ks_tconfig *tc = defaults();
    ks_resmap m = two();
    CHECK_INT(ks_tr_prefix(&m, "p-", &tc->name_prefix), 0);
    CHECK_INT(ks_fix_name_references(&m, tc), 0);
    CHECK_STR(ks_res_name(m.v[0]), "p-cfg");
    char *s = js(m.v[1]->obj);
    CHECK_CONTAINS(s, "\"configMapRef\":{\"name\":\"p-cfg\"}");
    CHECK_CONTAINS(s, "\"configMapRef\":{\"name\":\"unrelated\"}");
    CHECK_CONTAINS(s, "\"configMap\":{\"name\":\"p-cfg\"}");
    free(s);
    ks_resmap_dispose(&m);
    ks_tconfig_free(tc);
}

TEST(namespace_skips_cluster_scoped_and_sets_default_subjects)
{
    ks_tconfig *tc = defaults();
    ks_resmap m;
    ks_resmap_init(&m);
    ks_resmap_push(&m, res_of("{apiVersion: rbac.authorization.k8s.io/v1, kind: ClusterRole, metadata: {name: r}}"));
    ks_resmap_push(&m, res_of("{apiVersion: rbac.authorization.k8s.io/v1, kind: RoleBinding, metadata: {name: rb}, "
                              "subjects: [{kind: ServiceAccount, name: default}, {kind: User, name: u}]}"));
    CHECK_INT(ks_tr_namespace(&m, "ns1", &tc->namespace_), 0);
    char *a = js(m.v[0]->obj), *b = js(m.v[1]->obj);
    CHECK(!strstr(a, "namespace"));
    CHECK_CONTAINS(b, "\"metadata\":{\"name\":\"rb\",\"namespace\":\"ns1\"}");
    CHECK_CONTAINS(b, "{\"kind\":\"ServiceAccount\",\"name\":\"default\",\"namespace\":\"ns1\"}");
    CHECK_CONTAINS(b, "{\"kind\":\"User\",\"name\":\"u\"}");
    free(a);
    free(b);
    ks_resmap_dispose(&m);
    ks_tconfig_free(tc);
}

TEST(labels_reach_selectors_and_templates)
{
    ks_tconfig *tc = defaults();
    ks_resmap m;
    ks_resmap_init(&m);
    ks_resmap_push(&m, res_of("{apiVersion: apps/v1, kind: Deployment, metadata: {name: d}}"));
    json_object *labels = y("{app: x}");
    CHECK_INT(ks_tr_labels(&m, labels, &tc->common_labels), 0);
    char *s = js(m.v[0]->obj);
    CHECK_STR(s, "{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":{\"labels\":{\"app\":\"x\"},"
                 "\"name\":\"d\"},\"spec\":{\"selector\":{\"matchLabels\":{\"app\":\"x\"}},\"template\":{\"metadata\":"
                 "{\"labels\":{\"app\":\"x\"}}}}}");
    free(s);
    json_object_put(labels);
    ks_resmap_dispose(&m);
    ks_tconfig_free(tc);
}

TEST(images_update_tags_and_digests)
{
    ks_tconfig *tc = defaults();
    ks_resmap m;
    ks_resmap_init(&m);
    ks_resmap_push(&m, res_of("{apiVersion: v1, kind: Pod, metadata: {name: p}, spec: {containers: [{name: a, "
                              "image: 'reg:5000/app:1@sha256:abc'}, {name: b, image: app2}]}}"));
    json_object *img = y("{name: 'reg:5000/app', newName: new/app, newTag: '2'}");
    CHECK_INT(ks_tr_image(&m, img, &tc->images), 0);
    char *s = js(m.v[0]->obj);
    CHECK_CONTAINS(s, "\"image\":\"new/app:2\"");
    CHECK_CONTAINS(s, "\"image\":\"app2\"");
    free(s);
    json_object_put(img);
    ks_resmap_dispose(&m);
    ks_tconfig_free(tc);
}

static int run_replacements(ks_resmap *m, const char *kust)
{
    ks_ctx ctx;
    memset(&ctx, 0, sizeof ctx);
    ctx.fs_root = strdup("/");
    ctx.cwd = getcwd(NULL, 0);
    ctx.max_file_bytes = 1 << 20;
    ctx.max_total_bytes = 1 << 20;
    ctx.max_depth = 8;
    ctx.max_resources = 100;
    ks_loader l;
    if (ks_loader_init_root(&ctx, t_datadir(), &l)) t_fail(__FILE__, __LINE__, "loader: %s", fc_err_msg());
    ks_kust *k = NULL;
    if (ks_kust_parse(kust, strlen(kust), "k.yaml", NULL, &k)) t_fail(__FILE__, __LINE__, "%s", fc_err_msg());
    int rc = ks_run_replacements(m, &l, k);
    ks_kust_free(k);
    ks_loader_dispose(&l);
    free(ctx.fs_root);
    free(ctx.cwd);
    return rc;
}

TEST(replacements_keep_target_types)
{
    ks_resmap m;
    ks_resmap_init(&m);
    ks_resmap_push(&m, res_of("{apiVersion: v1, kind: ConfigMap, metadata: {name: src}, data: {n: '7', img: 'a/b:3'}}"));
    ks_resmap_push(&m, res_of("{apiVersion: apps/v1, kind: Deployment, metadata: {name: d}, spec: {replicas: 1, "
                              "template: {spec: {containers: [{name: app, image: 'a/b:1'}, {name: app2, image: x}, "
                              "{name: other, image: y}]}}}}"));
    int rc = run_replacements(&m,
                              "replacements:\n"
                              "- source: {kind: ConfigMap, name: src, fieldPath: data.n}\n"
                              "  targets:\n"
                              "  - select: {kind: Deployment}\n"
                              "    fieldPaths: [spec.replicas]\n"
                              "- source: {kind: ConfigMap, name: src, fieldPath: data.img}\n"
                              "  targets:\n"
                              "  - select: {kind: Deployment}\n"
                              "    fieldPaths:\n"
                              "    - spec.template.spec.containers.[name=app].image\n");
    CHECK_INT(rc, 0);
    char *s = js(m.v[1]->obj);
    CHECK_CONTAINS(s, "\"replicas\":7");
    /* [name=app] is an unanchored regular expression: app2 matches too */
    CHECK_CONTAINS(s, "{\"image\":\"a/b:3\",\"name\":\"app\"},{\"image\":\"a/b:3\",\"name\":\"app2\"}");
    CHECK_CONTAINS(s, "{\"image\":\"y\",\"name\":\"other\"}");
    free(s);
    ks_resmap_dispose(&m);
}

TEST(replacements_missing_target_field_is_an_error)
{
    ks_resmap m;
    ks_resmap_init(&m);
    ks_resmap_push(&m, res_of("{apiVersion: v1, kind: ConfigMap, metadata: {name: src}, data: {n: '7'}}"));
    int rc = run_replacements(&m, "replacements:\n"
                                  "- source: {kind: ConfigMap, name: src, fieldPath: data.n}\n"
                                  "  targets:\n"
                                  "  - select: {kind: ConfigMap}\n"
                                  "    fieldPaths: [spec.nothing]\n");
    CHECK(rc != 0);
    CHECK_CONTAINS(fc_err_msg(), "unable to find field \"spec.nothing\"");
    ks_resmap_dispose(&m);
}

TEST(kustomization_schema)
{
    ks_kust *k = NULL;
    const char *a = "NamePrefix: x-\nbases: [b]\nresources: [a]\nimageTags: [{name: i}]\n";
    CHECK_INT(ks_kust_parse(a, strlen(a), "k.yaml", NULL, &k), 0);
    char *s = js(k->doc);
    CHECK_STR(s, "{\"apiVersion\":\"kustomize.config.k8s.io/v1beta1\",\"images\":[{\"name\":\"i\"}],\"kind\":"
                 "\"Kustomization\",\"namePrefix\":\"x-\",\"resources\":[\"a\",\"b\"]}");
    free(s);
    ks_kust_free(k);
    const char *b = "resources: []\npatches: [{path: p, target: {nme: x}}]\n";
    CHECK(ks_kust_parse(b, strlen(b), "k.yaml", NULL, &k) != 0);
    CHECK_CONTAINS(fc_err_msg(), "k.yaml: invalid Kustomization: json: unknown field \"nme\"");
    const char *c = "commonLabels: {a: 1}\n";
    CHECK(ks_kust_parse(c, strlen(c), "k.yaml", NULL, &k) != 0);
    CHECK_CONTAINS(fc_err_msg(), "Kustomization.commonLabels of type string");
    const char *d = "kind: Component\napiVersion: kustomize.config.k8s.io/v1beta1\nresources: []\n";
    CHECK(ks_kust_parse(d, strlen(d), "k.yaml", NULL, &k) != 0);
    CHECK_CONTAINS(fc_err_msg(), "apiVersion for Component should be kustomize.config.k8s.io/v1alpha1");
}
