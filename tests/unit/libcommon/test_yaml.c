/* Unit tests of libcommon's YAML <-> JSON (Kubernetes typing) and Go float
 * formatting. Expected values were taken from sigs.k8s.io/yaml / kubectl. */
#include "../testlib.h"
#include "fc/yaml.h"
#include "fc/json.h"
#include "fc/gofmt.h"
#include "fc/err.h"

/* results stay valid until the next call (the previous one is freed) */
static char *last_result;
static char *keep(char *s)
{
    free(last_result);
    last_result = s;
    return s;
}

static char *to_json(const char *y)
{
    json_object *d = NULL;
    int rc = fc_yaml_parse(y, strlen(y), NULL, &d);
    if (rc) t_fail(__FILE__, __LINE__, "parse failed: %s", fc_err_msg());
    char *s = fc_json_dump(d);
    json_object_put(d);
    return keep(s);
}

static char *to_yaml(const char *json)
{
    json_object *o = NULL;
    if (fc_json_parse(json, strlen(json), &o)) t_fail(__FILE__, __LINE__, "json: %s", fc_err_msg());
    fc_buf b;
    fc_buf_init(&b, 0);
    if (fc_yaml_emit(o, NULL, &b)) t_fail(__FILE__, __LINE__, "emit: %s", fc_err_msg());
    json_object_put(o);
    return keep(fc_buf_detach(&b, NULL));
}

TEST(yaml_scalars_kubernetes_typing)
{
    CHECK_STR(to_json("a: yes\nb: on\nc: 'yes'\nd: 0777\ne: 0x1F\nf: 1_000\ng: ~\nh: 1.50\ni: 2024-01-02\nj: 1e3\nk: .5\n"),
              "{\"a\":true,\"b\":true,\"c\":\"yes\",\"d\":511,\"e\":31,\"f\":1000,\"g\":null,\"h\":1.5,"
              "\"i\":\"2024-01-02\",\"j\":1000,\"k\":0.5}");
    CHECK_STR(to_json("x: !!str 123\nq: \"12\"\nz: -12\nw: +7\nv: 12abc\n"),
              "{\"x\":\"123\",\"q\":\"12\",\"z\":-12,\"w\":7,\"v\":\"12abc\"}");
}

TEST(yaml_non_string_keys_become_strings)
{
    /* YAML 1.1: the key `y` is the boolean true, as kubectl sees it */
    CHECK_STR(to_json("1: a\ny: b\n"), "{\"1\":\"a\",\"true\":\"b\"}");
}

TEST(yaml_merge_keys_and_anchors)
{
    CHECK_STR(to_json("base: &b {x: 1, w: 2}\nd:\n  <<: *b\n  w: 3\nl: [*b]\n"),
              "{\"base\":{\"x\":1,\"w\":2},\"d\":{\"x\":1,\"w\":3},\"l\":[{\"x\":1,\"w\":2}]}");
}

TEST(yaml_multi_document_stream_skips_empty)
{
    const char *y = "---\na: 1\n---\n# only a comment\n---\nb: 2\n...\n";
    json_object *docs = NULL;
    CHECK_INT(fc_yaml_parse_stream(y, strlen(y), NULL, &docs), 0);
    CHECK_INT(json_object_array_length(docs), 2);
    json_object_put(docs);
}

TEST(yaml_error_has_line)
{
    const char *y = "a: 1\nb: [\n";
    json_object *d = NULL;
    CHECK(fc_yaml_parse(y, strlen(y), NULL, &d) != 0);
    CHECK_CONTAINS(fc_err_msg(), "yaml: line");
    const char *y2 = "a: b: c\n";
    CHECK(fc_yaml_parse(y2, strlen(y2), NULL, &d) != 0);
    /* go-yaml omits the line when the problem is on the first line */
    CHECK_STR(fc_err_msg(), "yaml: mapping values are not allowed in this context");
    const char *y3 = "a: 1\nb: c: d\n";
    CHECK(fc_yaml_parse(y3, strlen(y3), NULL, &d) != 0);
    CHECK_STR(fc_err_msg(), "yaml: line 2: mapping values are not allowed in this context");
}

TEST(yaml_billion_laughs_refused)
{
    const char *y =
        "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n"
        "b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\n"
        "c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n"
        "d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\n"
        "e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\n"
        "f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\n"
        "g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]\n"
        "h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]\n"
        "i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]\n";
    json_object *d = NULL;
    CHECK_INT(fc_yaml_parse(y, strlen(y), NULL, &d), FC_ETOOBIG);
    CHECK_CONTAINS(fc_err_msg(), "excessive aliasing");
}

TEST(yaml_deep_nesting_refused)
{
    fc_buf b;
    fc_buf_init(&b, 0);
    for (int i = 0; i < 10000; i++) fc_buf_puts(&b, "[");
    json_object *d = NULL;
    CHECK(fc_yaml_parse(b.ptr, b.len, NULL, &d) != 0);
    fc_buf_dispose(&b);
}

TEST(yaml_emit_like_sigs_k8s_yaml)
{
    CHECK_STR(to_yaml("{\"b\":\"yes\",\"a\":[1,{\"z\":null,\"y\":\"\"}],\"c\":\"x: y\",\"d\":\"line1\\nline2\\n\","
                      "\"e\":{},\"f\":[],\"g\":1.5,\"h\":\"1.5\",\"i\":\"2024-01-01\",\"k10\":1,\"k9\":2}"),
              "a:\n- 1\n- \"y\": \"\"\n  z: null\nb: \"yes\"\nc: 'x: y'\nd: |\n  line1\n  line2\ne: {}\nf: []\ng: 1.5\n"
              "h: \"1.5\"\ni: \"2024-01-01\"\nk9: 2\nk10: 1\n");
}

TEST(yaml_emit_roundtrip_doubles)
{
    CHECK_STR(to_yaml("{\"a\":1234567.0,\"b\":0.000001,\"c\":1e21}"), "a: 1234567\nb: 1e-06\nc: 1e+21\n");
}

TEST(gofmt_floats)
{
    char b[64];
    fc_go_format_float(1234567, 'g', -1, b, sizeof b);
    CHECK_STR(b, "1.234567e+06");
    fc_go_format_float(100000, 'g', -1, b, sizeof b);
    CHECK_STR(b, "100000");
    fc_go_format_float(0.1, 'g', -1, b, sizeof b);
    CHECK_STR(b, "0.1");
    fc_go_format_float(0.00001, 'g', -1, b, sizeof b);
    CHECK_STR(b, "1e-05");
    fc_go_format_float(-2.5, 'e', -1, b, sizeof b);
    CHECK_STR(b, "-2.5e+00");
    fc_go_format_float(3.14159, 'f', 2, b, sizeof b);
    CHECK_STR(b, "3.14");
    fc_go_json_float(1e-7, b, sizeof b);
    CHECK_STR(b, "1e-7");
    fc_go_json_float(12.0, b, sizeof b);
    CHECK_STR(b, "12");
}

TEST(yaml_key_order_natural)
{
    CHECK(fc_yaml_key_cmp("a9", "a10") < 0);
    CHECK(fc_yaml_key_cmp("a-b", "ab") < 0);
    CHECK(fc_yaml_key_cmp("B", "a") < 0);
    CHECK(fc_yaml_key_cmp("ab", "abc") < 0);
}

/* sigs.k8s.io/yaml formats float keys (and numbers read into string
 * fields) with strconv.FormatFloat(f, 'g', -1, 32) */
TEST(gofmt_float32_shortest)
{
    char b[64];
    fc_go_format_float32(1.1, 'g', b, sizeof b);
    CHECK_STR(b, "1.1");
    fc_go_format_float32(5.0, 'g', b, sizeof b);
    CHECK_STR(b, "5");
    fc_go_format_float32(1.123456789, 'g', b, sizeof b);
    CHECK_STR(b, "1.1234568");
    fc_go_format_float32(1234567.0, 'g', b, sizeof b);
    CHECK_STR(b, "1.234567e+06");
    fc_go_format_float32(0.1, 'g', b, sizeof b);
    CHECK_STR(b, "0.1");
}

TEST(yaml_float_keys_as_strings)
{
    CHECK_STR(to_json("1.1: a\n2.50: b\n.inf: c\n"), "{\"1.1\":\"a\",\"2.5\":\"b\",\".inf\":\"c\"}");
}

/* sigs.k8s.io/yaml parses .inf/.nan values, then json.Marshal refuses them:
 * the error is Go's UnsupportedValueError, without a line number */
TEST(yaml_inf_value_error_like_json_marshal)
{
    json_object *d = NULL;
    CHECK(fc_yaml_parse("a: 1\nb: .inf\n", 13, NULL, &d) != 0);
    CHECK_STR(fc_err_msg(), "json: unsupported value: +Inf");
    CHECK(fc_yaml_parse("b: -.Inf\n", 9, NULL, &d) != 0);
    CHECK_STR(fc_err_msg(), "json: unsupported value: -Inf");
    CHECK(fc_yaml_parse("- .nan\n", 7, NULL, &d) != 0);
    CHECK_STR(fc_err_msg(), "json: unsupported value: NaN");
}

/* sigs.k8s.io/yaml.Marshal: a float64 -0 becomes JSON "-0", which YAML reads
 * as the integer 0 */
TEST(yaml_emit_negative_zero_as_int)
{
    json_object *a = json_object_new_array();
    json_object_array_add(a, fc_json_new_double(-0.0));
    json_object_array_add(a, fc_json_new_double(-0.5));
    json_object_array_add(a, fc_json_new_double(1e6));
    fc_buf b;
    fc_buf_init(&b, 0);
    CHECK(fc_yaml_emit(a, NULL, &b) == 0);
    json_object_put(a);
    char *s = fc_buf_detach(&b, NULL);
    CHECK_STR(s, "- 0\n- -0.5\n- 1000000\n");
    free(s);
}

TEST(yaml_key_order_huge_digit_runs_wrap_like_go)
{
    /* 20-digit runs overflow int64; go-yaml's comparison wraps, ours must
     * not be undefined behaviour (UBSan) and must stay a total order */
    CHECK(fc_yaml_key_cmp("k99999999999999999999", "k99999999999999999998") != 0);
    CHECK(fc_yaml_key_cmp("k99999999999999999999", "k99999999999999999999") == 0);
    CHECK(fc_yaml_key_cmp("a1", "a2") < 0);
}
