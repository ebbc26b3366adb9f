/* Unit tests of generate.c (kustomization.yaml generation and spec edits,
 * followed by a real build with the kustomize engine) and inventory.c (ids,
 * id parsing with ':' transcoding, diffs, history upsert). */
#include "../testlib.h"
#include "fc/err.h"
#include "fc/json.h"
#include "fc/yaml.h"
#include "../../../kustomize-controller/engine/kustomize.h"
#include "../../../kustomize-controller/ksc.h"
#include <sys/stat.h>
#include <unistd.h>

static char root[64];

static void put(const char *rel, const char *text)
{
    char p[256];
    snprintf(p, sizeof p, "%s/%s", root, rel);
    char *slash = strrchr(p, '/');
    *slash = 0;
    for (char *c = p + strlen(root) + 1; *c; c++)
        if (*c == '/') {
            *c = 0;
            mkdir(p, 0755);
            *c = '/';
        }
    mkdir(p, 0755);
    *slash = '/';
    FILE *f = fopen(p, "w");
    if (!f) t_fail(__FILE__, __LINE__, "cannot write %s", p);
    fputs(text, f);
    fclose(f);
}

static void setup(void)
{
    snprintf(root, sizeof root, "/tmp/fc-gen-XXXXXX");
    if (!mkdtemp(root)) t_fail(__FILE__, __LINE__, "mkdtemp");
}

static json_object *y(const char *s)
{
    json_object *o = NULL;
    if (fc_yaml_parse(s, strlen(s), NULL, &o)) t_fail(__FILE__, __LINE__, "yaml: %s", fc_err_msg());
    return o;
}

static json_object *build(const char *dir)
{
    ks_build_opts o = {0};
    o.fs_root = root;
    char p[256];
    snprintf(p, sizeof p, "%s/%s", root, dir);
    o.path = p;
    o.load_restrictions = KS_LOAD_NONE;
    json_object *res = NULL;
    if (ks_build(&o, &res)) t_fail(__FILE__, __LINE__, "build: %s", fc_err_msg());
    return res;
}

static json_object *find(json_object *res, const char *kind, const char *name)
{
    for (size_t i = 0; i < json_object_array_length(res); i++) {
        json_object *o = json_object_array_get_idx(res, i);
        if (!strcmp(fc_json_get_str(o, "kind"), kind) && !strcmp(fc_json_get_str(o, "metadata.name"), name)) return o;
    }
    return NULL;
}

TEST(generate_lists_yaml_files_and_applies_spec)
{
    setup();
    put("app/deploy.yaml", "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  selector: {matchLabels: {app: web}}\n"
                           "  template:\n    metadata: {labels: {app: web}}\n    spec: {containers: [{name: app, image: nginx:1.0}]}\n");
    put("app/cm/config.yml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cfg}\ndata: {a: b}\n");
    put("app/notes.txt", "not yaml: [");
    put("app/sub/kustomization.yaml", "resources: [svc.yaml]\n");
    put("app/sub/svc.yaml", "apiVersion: v1\nkind: Service\nmetadata: {name: svc}\nspec: {ports: [{port: 80}]}\n");
    put("app/ignored/x.yaml", "this: [is broken\n");
    put(".sourceignore", "app/ignored/\n");
    json_object *spec = y("{targetNamespace: apps, namePrefix: p-, images: [{name: nginx, newTag: '2.0'}],"
                          " patches: [{patch: '[{\"op\": \"add\", \"path\": \"/data/c\", \"value\": d}]',"
                          " target: {kind: ConfigMap, name: cfg}}]}");
    char dir[256];
    snprintf(dir, sizeof dir, "%s/app", root);
    CHECK_INT(ksc_generate(spec, root, dir), 0);
    json_object *res = build("app");
    CHECK_INT(json_object_array_length(res), 3);
    json_object *d = find(res, "Deployment", "p-web");
    CHECK(d != NULL);
    CHECK_STR(fc_json_get_str(d, "metadata.namespace"), "apps");
    CHECK_STR(fc_json_get_str(json_object_array_get_idx(fc_json_get(d, "spec.template.spec.containers"), 0), "image"),
              "nginx:2.0");
    json_object *cm = find(res, "ConfigMap", "p-cfg");
    CHECK_STR(fc_json_get_str(cm, "data.c"), "d");
    CHECK(find(res, "Service", "p-svc") != NULL);
    json_object_put(res);
    json_object_put(spec);
    ksc_rmtree(root);
}

TEST(generate_edits_existing_file_and_reports_bad_yaml)
{
    setup();
    put("k/kustomization.yml", "resources: [cm.yaml]\nnamespace: old\nimages: [{name: a, newTag: '1'}]\n");
    put("k/cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n");
    json_object *spec = y("{targetNamespace: new, nameSuffix: -s, images: [{name: a, newTag: '2'}, {name: b, digest: 'sha256:1'}]}");
    char dir[256];
    snprintf(dir, sizeof dir, "%s/k", root);
    CHECK_INT(ksc_generate(spec, root, dir), 0);
    char p[300];
    snprintf(p, sizeof p, "%s/kustomization.yml", dir);
    fc_buf b;
    fc_buf_init(&b, 0);
    CHECK_INT(fc_buf_read_file(&b, p), 0);
    json_object *k = y(b.ptr);
    CHECK_STR(fc_json_get_str(k, "namespace"), "new");
    CHECK_STR(fc_json_get_str(k, "nameSuffix"), "-s");
    CHECK_INT(json_object_array_length(fc_json_get(k, "images")), 2);
    CHECK_STR(fc_json_get_str(json_object_array_get_idx(fc_json_get(k, "images"), 0), "newTag"), "2");
    snprintf(p, sizeof p, "%s/kustomization.yaml", dir);
    CHECK(access(p, F_OK) != 0); /* the existing file name is kept */
    json_object_put(k);
    fc_buf_dispose(&b);
    json_object_put(spec);

    put("bad/x.yaml", "a: [1, 2\n");
    spec = y("{}");
    snprintf(dir, sizeof dir, "%s/bad", root);
    CHECK(ksc_generate(spec, root, dir) != 0);
    CHECK_CONTAINS(fc_err_msg(), "failed to decode Kubernetes YAML from bad/x.yaml");
    json_object_put(spec);

    spec = y("{components: ['/etc/passwd']}");
    snprintf(dir, sizeof dir, "%s/k", root);
    CHECK(ksc_generate(spec, root, dir) != 0);
    CHECK_CONTAINS(fc_err_msg(), "must be local and relative");
    json_object_put(spec);
    ksc_rmtree(root);
}

TEST(generate_empty_directory_and_missing_components)
{
    setup();
    char e[256];
    snprintf(e, sizeof e, "%s/empty", root);
    mkdir(e, 0755);
    json_object *spec = y("{components: [../nope], ignoreMissingComponents: true}");
    char dir[256];
    snprintf(dir, sizeof dir, "%s/empty", root);
    CHECK_INT(ksc_generate(spec, root, dir), 0);
    json_object *res = build("empty");
    CHECK_INT(json_object_array_length(res), 0);
    json_object_put(res);
    json_object_put(spec);
    ksc_rmtree(root);
}

TEST(inventory_ids_roundtrip)
{
    fc_buf b;
    fc_buf_init(&b, 0);
    ksc_inv_id(&b, "apps", "web", "apps", "Deployment");
    CHECK_STR(b.ptr, "apps_web_apps_Deployment");
    fc_buf_reset(&b);
    ksc_inv_id(&b, "", "system:aggregate-to-edit", "rbac.authorization.k8s.io", "ClusterRole");
    CHECK_STR(b.ptr, "_system__aggregate-to-edit_rbac.authorization.k8s.io_ClusterRole");
    ksc_objref r;
    CHECK_INT(ksc_inv_parse_id(b.ptr, &r), 0);
    CHECK_STR(r.ns, "");
    CHECK_STR(r.name, "system:aggregate-to-edit");
    CHECK_STR(r.group, "rbac.authorization.k8s.io");
    CHECK_STR(r.kind, "ClusterRole");
    ksc_objref_dispose(&r);
    CHECK_INT(ksc_inv_parse_id("default_podinfo__Service", &r), 0);
    CHECK_STR(r.group, "");
    CHECK_STR(r.name, "podinfo");
    ksc_objref_dispose(&r);
    CHECK(ksc_inv_parse_id("nounderscore", &r) != 0);
    CHECK(ksc_inv_parse_id("a_b_c", &r) != 0);
    CHECK(ksc_inv_parse_id("ns_a_b_g_K", &r) != 0); /* a single '_' inside the name */
    fc_buf_dispose(&b);
}

TEST(inventory_diff_and_history)
{
    json_object *old = y("[{id: apps_web_apps_Deployment, v: v1}, {id: apps_cfg__ConfigMap, v: v1}, {id: _apps__Namespace, v: v1}]");
    json_object *nw = y("[{id: apps_web_apps_Deployment, v: v1}]");
    json_object *stale = ksc_inv_diff(old, nw);
    CHECK_INT(json_object_array_length(stale), 2);
    CHECK_STR(fc_json_get_str(json_object_array_get_idx(stale, 0), "apiVersion"), "v1");
    CHECK_STR(fc_json_get_str(json_object_array_get_idx(stale, 0), "metadata.namespace"), "apps");
    CHECK(fc_json_get(json_object_array_get_idx(stale, 1), "metadata.namespace") == NULL);
    json_object_put(stale), json_object_put(old), json_object_put(nw);

    json_object *obj = y("{status: {}}");
    ksc_history_upsert(obj, "sha256:a", 1000000000LL, 1500000000LL, "ReconciliationSucceeded", "main@sha1:1", NULL);
    ksc_history_upsert(obj, "sha256:b", 2000000000LL, 2000000LL, "HealthCheckFailed", "main@sha1:2", "o");
    ksc_history_upsert(obj, "sha256:a", 3000000000LL, 3000000000LL, "ReconciliationSucceeded", "main@sha1:1", NULL);
    json_object *h = fc_json_get(obj, "status.history");
    CHECK_INT(json_object_array_length(h), 2);
    json_object *first = json_object_array_get_idx(h, 0);
    CHECK_STR(fc_json_key_str(first, "digest"), "sha256:a");
    CHECK_INT(fc_json_get_int(first, "totalReconciliations", 0), 2);
    CHECK_STR(fc_json_key_str(first, "firstReconciled"), "1970-01-01T00:00:01Z");
    CHECK_STR(fc_json_key_str(first, "lastReconciled"), "1970-01-01T00:00:03Z");
    CHECK_STR(fc_json_key_str(first, "lastReconciledDuration"), "3s");
    CHECK_STR(fc_json_get_str(first, "metadata.revision"), "main@sha1:1");
    CHECK_STR(fc_json_get_str(json_object_array_get_idx(h, 1), "metadata.originRevision"), "o");
    for (int i = 0; i < 10; i++) {
        char d[32];
        snprintf(d, sizeof d, "sha256:%d", i);
        ksc_history_upsert(obj, d, 1, 1, "ReconciliationFailed", "r", NULL);
    }
    CHECK_INT(json_object_array_length(fc_json_get(obj, "status.history")), KSC_HISTORY_MAX);
    json_object_put(obj);
}
