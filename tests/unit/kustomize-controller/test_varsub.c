/* Unit tests of postBuild substitution on objects (varsub.c): typing of
 * substituted values from the source's quoting (replicas: ${R} becomes an
 * integer, value: "${R}" stays a string), keys, $$ escapes, the
 * substitute: disabled opt-out, error messages naming object and field,
 * strict mode and invalid variable names. */
#include "../testlib.h"
#include "fc/err.h"
#include "fc/json.h"
#include "fc/yaml.h"
#include "../../../kustomize-controller/ksc.h"
#include <sys/stat.h>
#include <unistd.h>

static json_object *y(const char *s)
{
    json_object *o = NULL;
    if (fc_yaml_parse(s, strlen(s), NULL, &o)) t_fail(__FILE__, __LINE__, "yaml: %s", fc_err_msg());
    return o;
}

static fc_strmap *vars(const char *const *kv)
{
    fc_strmap *m = fc_strmap_new(free);
    for (; kv[0]; kv += 2) fc_strmap_put(m, kv[0], strdup(kv[1]));
    return m;
}

static const char *const VARS[] = {"R", "3", "TAG", "1.2.3", "FLAG", "true", "NAME", "web", "EMPTY", "", NULL};

static const char source[] = "apiVersion: apps/v1\n"
                             "kind: Deployment\n"
                             "metadata:\n  name: ${NAME}\n  labels:\n    app.kubernetes.io/${NAME}: \"yes\"\n"
                             "spec:\n  replicas: ${R}\n  template:\n    spec:\n      containers:\n"
                             "      - name: app\n        image: ghcr.io/x/app:${TAG}\n"
                             "        env:\n        - name: PORT\n          value: \"${R}\"\n"
                             "        - name: DEBUG\n          value: '${FLAG}'\n"
                             "        - name: PRICE\n          value: \"$$5 and $${NAME}\"\n";

TEST(varsub_types_follow_source_quoting)
{
    char dir[] = "/tmp/fc-varsub-XXXXXX";
    CHECK(mkdtemp(dir));
    char path[128];
    snprintf(path, sizeof path, "%s/deploy.yaml", dir);
    FILE *f = fopen(path, "w");
    fputs(source, f);
    fclose(f);
    json_object *in = y(source);
    ksc_varsub vs = {vars(VARS), false, ksc_styles_new(), dir, false};
    json_object *out = NULL;
    CHECK_INT(ksc_varsub_object(&vs, in, &out), 0);
    CHECK(vs.tree_scanned);
    CHECK_STR(fc_json_get_str(out, "metadata.name"), "web");
    CHECK_STR(fc_json_key_str(fc_json_get(out, "metadata.labels"), "app.kubernetes.io/web"), "yes");
    json_object *r = fc_json_get(out, "spec.replicas");
    CHECK(r && json_object_is_type(r, json_type_int) && json_object_get_int(r) == 3);
    json_object *c = json_object_array_get_idx(fc_json_get(out, "spec.template.spec.containers"), 0);
    CHECK_STR(fc_json_get_str(c, "image"), "ghcr.io/x/app:1.2.3");
    json_object *env = fc_json_get(c, "env");
    json_object *port = fc_json_get(json_object_array_get_idx(env, 0), "value");
    CHECK(json_object_is_type(port, json_type_string));
    CHECK_STR(json_object_get_string(port), "3");
    json_object *dbg = fc_json_get(json_object_array_get_idx(env, 1), "value");
    CHECK(json_object_is_type(dbg, json_type_string));
    CHECK_STR(fc_json_get_str(json_object_array_get_idx(env, 2), "value"), "$5 and ${NAME}");
    json_object_put(in);
    json_object_put(out);
    ksc_styles_free(vs.styles);
    fc_strmap_free(vs.vars);
    unlink(path);
    rmdir(dir);
}

TEST(varsub_without_style_evidence_types_like_plain_yaml)
{
    json_object *in = y("{apiVersion: v1, kind: ConfigMap, metadata: {name: c}, data: {a: '${R}', b: '${FLAG}',"
                        " c: 'x-${R}', d: '${EMPTY}'}}");
    ksc_varsub vs = {vars(VARS), false, NULL, NULL, false};
    json_object *out = NULL;
    CHECK_INT(ksc_varsub_object(&vs, in, &out), 0);
    CHECK(json_object_is_type(fc_json_get(out, "data.a"), json_type_int));
    CHECK(json_object_is_type(fc_json_get(out, "data.b"), json_type_boolean));
    CHECK_STR(fc_json_get_str(out, "data.c"), "x-3");
    json_object *d = NULL;
    CHECK(json_object_object_get_ex(fc_json_get(out, "data"), "d", &d) && d == NULL); /* "" -> null, as Flux */
    json_object_put(in);
    json_object_put(out);
    fc_strmap_free(vs.vars);
}

TEST(varsub_disabled_and_no_vars)
{
    json_object *in = y("{apiVersion: v1, kind: ConfigMap, metadata: {name: c, annotations:"
                        " {kustomize.toolkit.fluxcd.io/substitute: disabled}}, data: {a: '${R}'}}");
    ksc_varsub vs = {vars(VARS), true, NULL, NULL, false};
    json_object *out = NULL;
    CHECK_INT(ksc_varsub_object(&vs, in, &out), 0);
    CHECK(out == in);
    CHECK_STR(fc_json_get_str(out, "data.a"), "${R}");
    json_object_put(out);
    json_object_put(in);
    in = y("{apiVersion: v1, kind: ConfigMap, metadata: {name: c, labels: {kustomize.toolkit.fluxcd.io/substitute: disabled}},"
           " data: {a: '${X}'}}");
    CHECK_INT(ksc_varsub_object(&vs, in, &out), 0);
    CHECK_STR(fc_json_get_str(out, "data.a"), "${X}");
    json_object_put(out);
    json_object_put(in);
    fc_strmap_free(vs.vars);
    /* no variables at all: nothing is substituted, not even defaults */
    vs.vars = fc_strmap_new(free);
    in = y("{apiVersion: v1, kind: ConfigMap, metadata: {name: c}, data: {a: '${X:=d}'}}");
    CHECK_INT(ksc_varsub_object(&vs, in, &out), 0);
    CHECK_STR(fc_json_get_str(out, "data.a"), "${X:=d}");
    json_object_put(out);
    json_object_put(in);
    fc_strmap_free(vs.vars);
}

TEST(varsub_errors_name_object_and_field)
{
    json_object *in = y("{apiVersion: apps/v1, kind: Deployment, metadata: {name: web}, spec: {template: {spec:"
                        " {containers: [{name: a, image: 'x:${MISSING}'}]}}}}");
    ksc_varsub vs = {vars(VARS), true, NULL, NULL, false};
    json_object *out = NULL;
    CHECK_INT(ksc_varsub_object(&vs, in, &out), FC_EINVAL);
    CHECK_STR(fc_err_msg(), "post build failed for 'apps_v1_Deployment/web' at spec.template.spec.containers[0].image:"
                            " envsubst error: variable substitution failed: variable not set (strict mode): \"MISSING\"");
    json_object_put(in);
    in = y("{apiVersion: v1, kind: ConfigMap, metadata: {name: c}, data: {a: '${broken'}}");
    CHECK_INT(ksc_varsub_object(&vs, in, &out), FC_EINVAL);
    CHECK_CONTAINS(fc_err_msg(), "'[noGrp]_v1_ConfigMap/c' at data.a");
    CHECK_CONTAINS(fc_err_msg(), "missing closing brace");
    fc_strmap_put(vs.vars, "bad-name", strdup("x"));
    CHECK_INT(ksc_varsub_object(&vs, in, &out), FC_EINVAL);
    CHECK_STR(fc_err_msg(), "post build failed for '[noGrp]_v1_ConfigMap/c': envsubst error: 'bad-name' var name is invalid,"
                            " must match '^[_[:alpha:]][_[:alpha:][:digit:]]*$'");
    json_object_put(in);
    fc_strmap_free(vs.vars);
}

TEST(varsub_styles_scanner)
{
    ksc_styles *s = ksc_styles_new();
    const char *t = "a: ${X}\nb: \"${X}\"\nlist:\n- ${Y}\n- '${Y}'\n- '${Y}'\n---\nc: |\n  ${Z}\n";
    ksc_styles_scan_text(s, t, strlen(t));
    ksc_styles_scan_text(s, "{broken", 7); /* ignored */
    json_object *in = y("{apiVersion: v1, kind: X, metadata: {name: n}, a: '${X}', b: '${X}', list: ['${Y}'], c: \"${Z}\\n\"}");
    const char *const kv[] = {"X", "1", "Y", "2", "Z", "3", NULL};
    ksc_varsub vs = {vars(kv), false, s, NULL, true};
    json_object *out = NULL;
    CHECK_INT(ksc_varsub_object(&vs, in, &out), 0);
    CHECK(json_object_is_type(fc_json_get(out, "a"), json_type_int));
    CHECK(json_object_is_type(fc_json_get(out, "b"), json_type_string));
    CHECK(json_object_is_type(json_object_array_get_idx(fc_json_get(out, "list"), 0), json_type_string));
    CHECK(json_object_is_type(fc_json_get(out, "c"), json_type_string)); /* literal block */
    json_object_put(in);
    json_object_put(out);
    ksc_styles_free(s);
    fc_strmap_free(vs.vars);
}
