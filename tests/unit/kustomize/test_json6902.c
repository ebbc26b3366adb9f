/* RFC 6902 patches as applied by kustomize (evanphx/json-patch). */
#include "ks_test.h"

static char *apply(const char *doc, const char *ops, int *rc)
{
    json_object *d = y(doc), *o = NULL;
    if (ks_json6902_parse(ops, strlen(ops), NULL, &o)) t_fail(__FILE__, __LINE__, "parse: %s", fc_err_msg());
    *rc = ks_json6902_apply(&d, o);
    char *s = js(d);
    json_object_put(d);
    json_object_put(o);
    return s;
}

TEST(json6902_operations)
{
    int rc;
    char *s = apply("{a: {b: [1, 2]}, c: x}",
                    "[{op: add, path: /a/b/1, value: 9}, {op: add, path: /a/b/-, value: 3},"
                    " {op: replace, path: /c, value: why}, {op: copy, from: /c, path: /d},"
                    " {op: move, from: /d, path: /e}, {op: remove, path: /a/b/0}, {op: test, path: /e, value: why}]",
                    &rc);
    CHECK_INT(rc, 0);
    CHECK_STR(s, "{\"a\":{\"b\":[9,2,3]},\"c\":\"why\",\"e\":\"why\"}");
    free(s);
}

TEST(json6902_escapes_and_yaml_values_use_v2_typing)
{
    int rc;
    char *s = apply("{m: {}}", "- {op: add, path: /m/a~1b, value: yes}\n- {op: add, path: /m/t~0, value: 0777}\n", &rc);
    CHECK_INT(rc, 0);
    CHECK_STR(s, "{\"m\":{\"a/b\":true,\"t~\":511}}");
    free(s);
}

TEST(json6902_errors)
{
    int rc;
    keep(apply("{a: 1}", "[{op: replace, path: /missing, value: 1}]", &rc));
    CHECK(rc != 0);
    CHECK_CONTAINS(fc_err_msg(), "/missing");
    keep(apply("{a: [1]}", "[{op: add, path: /a/5, value: 1}]", &rc));
    CHECK(rc != 0);
    keep(apply("{a: 1}", "[{op: test, path: /a, value: 2}]", &rc));
    CHECK(rc != 0);
    CHECK_CONTAINS(fc_err_msg(), "testing value");
    json_object *o = NULL;
    CHECK(ks_json6902_parse("{op: add}", 9, NULL, &o) != 0);
}

/* found by fuzz_kustomize: an over-long pointer leaked its parts */
TEST(json6902_path_too_long)
{
    int rc;
    size_t n = 1100;
    char *ops = malloc(n * 2 + 64);
    strcpy(ops, "[{op: add, value: 1, path: \"");
    for (size_t i = 0; i < n; i++) strcat(ops, "/a");
    strcat(ops, "\"}]");
    keep(apply("{a: 1}", ops, &rc));
    CHECK(rc != 0);
    CHECK_CONTAINS(fc_err_msg(), "path too long");
    keep(apply("{a: 1}", "[{op: copy, path: /b, from: \"/x/~/y\"}, {op: move, path: /c, from: nope}]", &rc));
    CHECK(rc != 0);
    free(ops);
}
