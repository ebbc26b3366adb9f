/* kyaml (go-yaml v3) typing of resources, versus kubectl kustomize output. */
#include "ks_test.h"

static char *conv(const char *text)
{
    json_object *o = y(text);
    char *s = js(o);
    json_object_put(o);
    return keep(s);
}

TEST(yaml_v3_scalars)
{
    CHECK_STR(conv("{a: yes, b: on, c: 0777, d: 0o17, e: 0x1F, f: 1_000, g: ~, h: 1.50, i: 1e3, j: True, k: n}"),
              "{\"a\":\"yes\",\"b\":\"on\",\"c\":511,\"d\":15,\"e\":31,\"f\":1000,\"g\":null,\"h\":1.5,\"i\":1000,"
              "\"j\":true,\"k\":\"n\"}");
    CHECK_STR(conv("{big: 12345678901234567890, neg: -0, plus: +12, q: '12', s: !!str 12}"),
              "{\"big\":12345678901234567890,\"neg\":0,\"plus\":12,\"q\":\"12\",\"s\":\"12\"}");
}

TEST(yaml_timestamps_become_rfc3339)
{
    CHECK_STR(conv("{d: 2002-12-14, t: 2001-12-14t21:59:43.10-05:00, z: 2001-12-14T21:59:43Z, bad: 2002-13-01}"),
              "{\"bad\":\"2002-13-01\",\"d\":\"2002-12-14T00:00:00Z\",\"t\":\"2001-12-14T21:59:43.1-05:00\","
              "\"z\":\"2001-12-14T21:59:43Z\"}");
}

TEST(yaml_merge_keys_explicit_keys_win)
{
    CHECK_STR(conv("{base: &b {x: 1, y: 2}, o: {<<: *b, y: 3}, l: {<<: [{p: 1}, {p: 2, q: 2}]}}"),
              "{\"base\":{\"x\":1,\"y\":2},\"l\":{\"p\":1,\"q\":2},\"o\":{\"x\":1,\"y\":3}}");
}

TEST(yaml_annotations_keep_source_text)
{
    json_object *docs = NULL;
    const char *t = "metadata: {annotations: {a: 0x10, b: 1.0, c: yes}, labels: {l: 0x10}}\n";
    CHECK_INT(ks_yaml_parse_docs(t, strlen(t), "x", KS_YAML_RAW_ANNOTATIONS, NULL, &docs, NULL), 0);
    char *s = js(json_object_array_get_idx(docs, 0));
    CHECK_STR(s, "{\"metadata\":{\"annotations\":{\"a\":\"0x10\",\"b\":\"1.0\",\"c\":\"yes\"},\"labels\":{\"l\":16}}}");
    free(s);
    json_object_put(docs);
}

TEST(yaml_errors_name_file_and_line)
{
    json_object *docs = NULL;
    const char *dup = "a: 1\nb: 2\na: 3\n";
    CHECK(ks_yaml_parse_docs(dup, strlen(dup), "f.yaml", 0, NULL, &docs, NULL) != 0);
    CHECK_CONTAINS(fc_err_msg(), "f.yaml: yaml: line 3: mapping key \"a\" already defined");
    const char *bad = "a:\n  b: 1\n c: 2\n";
    CHECK(ks_yaml_parse_docs(bad, strlen(bad), "g.yaml", 0, NULL, &docs, NULL) != 0);
    CHECK_CONTAINS(fc_err_msg(), "g.yaml: yaml: line");
}

TEST(yaml_limits_bound_hostile_input)
{
    json_object *docs = NULL;
    fc_yaml_limits lim = {0};
    lim.max_nodes = 1000;
    const char *bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
                       "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: [*c, *c, *c, *c, *c]\n";
    CHECK(ks_yaml_parse_docs(bomb, strlen(bomb), "bomb", 0, &lim, &docs, NULL) != 0);
    CHECK_INT(fc_err_code(), FC_ETOOBIG);
    lim.max_nodes = 0;
    lim.max_depth = 10;
    const char *deep = "a: [[[[[[[[[[[[[[1]]]]]]]]]]]]]]\n";
    CHECK(ks_yaml_parse_docs(deep, strlen(deep), "deep", 0, &lim, &docs, NULL) != 0);
    CHECK_CONTAINS(fc_err_msg(), "nesting deeper");
    lim.max_depth = 0;
    lim.max_bytes = 10;
    CHECK(ks_yaml_parse_docs("aaaaaaaaaaaaaaaaaaaa", 20, "big", 0, &lim, &docs, NULL) != 0);
}
