/* Unit tests of the ${var} language (envsubst.c): the expansion cases of
 * fluxcd/pkg/envsubst's own tests (tldp.org parameter substitution), its
 * parser cases (escapes, nested functions, special characters), strict mode,
 * the parse errors with Flux's messages, the quirks Flux users depend on,
 * Go path.Match patterns, and the resource limits. */
#include "../testlib.h"
#include "fc/err.h"
#include "../../../kustomize-controller/ksc.h"

typedef struct kv {
    const char *k, *v;
} kv;

static const char *lk(const char *name, void *arg)
{
    for (const kv *p = arg; p && p->k; p++)
        if (!strcmp(p->k, name)) return p->v;
    return NULL;
}

static char *run(const char *in, const kv *vars, bool strict, int *rc)
{
    static char *last;
    free(last);
    last = NULL;
    fc_buf o;
    fc_buf_init(&o, 0);
    ksc_envsubst_opts opts = {lk, (void *)vars, strict, 0, 0};
    *rc = ksc_envsubst(in, strlen(in), &opts, &o, NULL);
    last = o.ptr ? fc_buf_detach(&o, NULL) : strdup("");
    fc_buf_dispose(&o);
    return *rc ? NULL : last;
}

static const char *ok(const char *in, const kv *vars)
{
    int rc;
    char *r = run(in, vars, false, &rc);
    if (rc) t_fail(__FILE__, __LINE__, "%s: unexpected error %s", in, fc_err_msg());
    return r;
}

static const char *err(const char *in, const kv *vars, bool strict)
{
    int rc;
    run(in, vars, strict, &rc);
    return rc ? fc_err_msg() : "(no error)";
}

static const kv V[] = {{"var01", "abcdEFGH28ij"}, {"path_name", "/home/bozo/ideas/thoughts.for.today"},
                       {"var", "abc"}, {"stringZ", "abcABC123ABCabc"}, {"filename", "bash.string.txt"},
                       {"default_var", "foo"}, {"empty", ""}, {"slashy", "foo/bar/baz"}, {"p", "path/to/file"},
                       {"ap", "/path/to/file"}, {"up", "ÉCOLE"}, {"dotted", "foo.bar"}, {NULL, NULL}};

TEST(envsubst_flux_expansion_cases)
{
    CHECK_STR(ok("abcdEFGH28ij", V), "abcdEFGH28ij");
    CHECK_STR(ok("${#var01}", V), "12");
    CHECK_STR(ok("${var01^}", V), "AbcdEFGH28ij");
    CHECK_STR(ok("${var01^^}", V), "ABCDEFGH28IJ");
    CHECK_STR(ok("${var01,}", (kv[]){{"var01", "ABCDEFGH28IJ"}, {0}}), "aBCDEFGH28IJ");
    CHECK_STR(ok("${var01,,}", (kv[]){{"var01", "ABCDEFGH28IJ"}, {0}}), "abcdefgh28ij");
    CHECK_STR(ok("${path_name:11}", V), "ideas/thoughts.for.today");
    CHECK_STR(ok("${path_name:11:5}", V), "ideas");
    CHECK_STR(ok("${var=xyz}", V), "abc");
    CHECK_STR(ok("${nope=xyz}", V), "xyz");
    CHECK_STR(ok("something ${nope=${default_var}}", V), "something foo");
    CHECK_STR(ok("foo: ${nope=${default_var}-suffix}", V), "foo: foo-suffix");
    CHECK_STR(ok("foo: ${nope=prefix${default_var}-suffix}", V), "foo: prefixfoo-suffix");
    CHECK_STR(ok("${nope:=xyz}", V), "xyz");
    CHECK_STR(ok("${empty:-xyz}", V), "xyz");
    CHECK_STR(ok("${stringZ/%abc/XYZ}", V), "abcABC123ABCXYZ");
    CHECK_STR(ok("${stringZ/#abc/XYZ}", V), "XYZABC123ABCabc");
    CHECK_STR(ok("${stringZ//abc/xyz}", V), "xyzABC123ABCxyz");
    CHECK_STR(ok("${stringZ/abc/xyz}", V), "xyzABC123ABCabc");
    CHECK_STR(ok("${filename#*.}", V), "string.txt");
    CHECK_STR(ok("${p#*/}", V), "to/file");
    CHECK_STR(ok("${ap#*/}", V), "path/to/file");
    CHECK_STR(ok("${filename##*.}", V), "txt");
    CHECK_STR(ok("${p##*/}", V), "file");
    CHECK_STR(ok("${ap##*/}", V), "file");
    CHECK_STR(ok("${filename%.*}", V), "bash.string");
    CHECK_STR(ok("${filename%%.*}", V), "bash");
    CHECK_STR(ok("${nope=${var01^^}}", V), "ABCDEFGH28IJ");
    CHECK_STR(ok("$${var01}", V), "${var01}");
    CHECK_STR(ok("some text ${var01}$${var$${var01}$var01${var01}", V),
              "some text abcdEFGH28ij${var${var01}$var01abcdEFGH28ij");
    CHECK_STR(ok("something $${var=${default_var}}", V), "something ${var=foo}");
    CHECK_STR(ok("${slashy/\\//-}", V), "foo-bar/baz");
    CHECK_STR(ok("${slashy//\\//-}", V), "foo-bar-baz");
    CHECK_STR(ok("\\\\something ${nope=${default_var}}", V), "\\\\something foo");
    CHECK_STR(ok("${dotted/./}", V), "foobar");
}

TEST(envsubst_parser_cases)
{
    CHECK_STR(ok("}text", V), "}text");
    CHECK_STR(ok("http://github.com", V), "http://github.com");
    CHECK_STR(ok("$$string", V), "$string");
    CHECK_STR(ok("\\\\.\\pipe\\pipename", V), "\\\\.\\pipe\\pipename");
    CHECK_STR(ok("$var01 and $ alone", V), "$var01 and $ alone"); /* bare $var untouched */
    CHECK_STR(ok("${var#$%:*{}", V), "abc");                      /* special characters in argument */
    CHECK_STR(ok("${var/#/x-}", V), "x-abc");                      /* empty pattern */
    CHECK_STR(ok("${var/%/-x}", V), "abc-x");
    CHECK_STR(ok("${var:${nope=1}}", V), "bc");
    CHECK_STR(ok("${var:${n=0}:${m=2}}", V), "ab");
    CHECK_STR(ok("${stringZ//${n=abc}/${m=_}}", V), "_ABC123ABC_");
    CHECK_STR(ok("a${var}b${var}c", V), "aabcbabcc");
    CHECK_STR(ok("${var:-}", V), "abc");
    CHECK_STR(ok("${nope:+plus}", V), "plus");      /* parses, behaves as a default */
    CHECK_STR(ok("${nope:?question}", V), "question");
    CHECK_STR(ok("${var,^}", V), "abc");            /* unknown casing op: value */
}

TEST(envsubst_substring_edges)
{
    CHECK_STR(ok("${var:-1}", V), "abc");     /* ":-" is the default operator, not a negative offset */
    CHECK_STR(ok("${var: -1}", V), "abc");    /* Atoi(" -1") fails: value unchanged */
    CHECK_STR(ok("${var:x}", V), "abc");
    CHECK_STR(ok("${var:5}", V), "");
    CHECK_STR(ok("${var:1:100}", V), "bc");
    CHECK_STR(ok("${var:0:0}", V), "");
    CHECK_STR(ok("${var:1:y}", V), "abc");
    CHECK_STR(ok("${var:3:1}", V), "");
    CHECK_STR(ok("${var:9223372036854775807:9223372036854775807}", V), "");
    CHECK_CONTAINS(err("${var:1:-1}", V, false), "out of range");
}

TEST(envsubst_strict_mode)
{
    CHECK_STR(err("${UNDEFINED}", V, true), "variable not set (strict mode): \"UNDEFINED\"");
    CHECK_STR(err("a ${UNDEFINED^^} b", V, true), "variable not set (strict mode): \"UNDEFINED\"");
    CHECK_STR(err("${#UNDEFINED}", V, true), "variable not set (strict mode): \"UNDEFINED\"");
    CHECK_STR(err("${x/a/b}", V, true), "variable not set (strict mode): \"x\"");
    int rc;
    CHECK_STR(run("${UNDEFINED:-fallback}", V, true, &rc), "fallback");
    CHECK_STR(run("${UNDEFINED:=fallback}", V, true, &rc), "fallback");
    CHECK_STR(run("${UNDEFINED=fallback}", V, true, &rc), "fallback");
    CHECK_STR(run("${empty}", V, true, &rc), ""); /* defined but empty is fine */
    CHECK_STR(run("${empty:=fb}", V, true, &rc), "fb");
    CHECK_STR(run("$${UNDEFINED}", V, true, &rc), "${UNDEFINED}");
    CHECK_STR(ok("${UNDEFINED}", V), ""); /* not strict: empty */
    CHECK_STR(err("${a=${UNDEF}}", V, true), "variable not set (strict mode): \"UNDEF\"");
}

TEST(envsubst_parse_errors_and_quirks)
{
    CHECK_STR(err("${", V, false), "unable to parse variable name");
    CHECK_STR(err("${}", V, false), "unable to parse variable name");
    CHECK_STR(err("${var", V, false), "missing closing brace");
    CHECK_STR(err("${var-default}", V, false), "missing closing brace"); /* as upstream's parser */
    CHECK_STR(err("${var+default}", V, false), "missing closing brace");
    CHECK_STR(err("${var:}", V, false), "unable to parse substitution within function");
    CHECK_STR(err("${var:1", V, false), "bad substitution");
    CHECK_STR(err("${var#}", V, false), "unable to parse substitution within function");
    CHECK_STR(err("${#}", V, false), "bad substitution");
    CHECK_STR(err("${var^x}", V, false), "bad substitution");
    CHECK_STR(err("${-x}", V, false), "unable to parse variable name");
    CHECK_STR(err("${var=a", V, false), "unable to parse substitution within function");
}

TEST(envsubst_go_path_match_in_trims)
{
    const kv v[] = {{"f", "a/b.c/d.e"}, {"u", "héllo.wörld"}, {"q", "x?y"}, {0}};
    CHECK_STR(ok("${f#*.}", v), "c/d.e");  /* drone's match: '*' crosses '/' */
    CHECK_STR(ok("${f%.*}", v), "a/b.c/d");
    CHECK_STR(ok("${f%%.*}", v), "a/b");
    CHECK_STR(ok("${f#*/}", v), "b.c/d.e");
    CHECK_STR(ok("${f##a/*.}", v), "e");
    CHECK_STR(ok("${f#[a-b]/}", v), "b.c/d.e");
    CHECK_STR(ok("${f#[^x]/}", v), "b.c/d.e");
    CHECK_STR(ok("${f#?/}", v), "b.c/d.e");
    CHECK_STR(ok("${q#x\\?}", v), "y");
    CHECK_STR(ok("${f#[}", v), "a/b.c/d.e"); /* bad pattern: unchanged */
    CHECK_STR(ok("${u%.*}", v), "héllo");
    CHECK_STR(ok("${u##h?}", v), "llo.w\xc3\xb6rld");
    CHECK_STR(ok("${u#h?}", v), "\xa9llo.w\xc3\xb6rld"); /* byte prefixes, like Go: splits the rune */
    CHECK_STR(ok("${u^^}", v), "HÉLLO.WÖRLD");
    CHECK_STR(ok("${up,,}", V), "école");
    CHECK_STR(ok("${u:1:2}", v), "\xc3\xa9"); /* byte offsets, like Go */
}

TEST(envsubst_limits_and_names)
{
    fc_buf deep;
    fc_buf_init(&deep, 0);
    for (int i = 0; i < 200; i++) fc_buf_puts(&deep, "${a:=");
    fc_buf_puts(&deep, "x");
    for (int i = 0; i < 200; i++) fc_buf_puts(&deep, "}");
    CHECK_STR(err(deep.ptr, V, false), "substitutions nested too deeply");
    fc_buf_reset(&deep);
    for (int i = 0; i < 20; i++) fc_buf_puts(&deep, "${a:=");
    fc_buf_puts(&deep, "x");
    for (int i = 0; i < 20; i++) fc_buf_puts(&deep, "}");
    CHECK_STR(ok(deep.ptr, V), "x");
    fc_buf_reset(&deep);
    for (int i = 0; i < 200000; i++) fc_buf_puts(&deep, "$$"); /* linear time, not quadratic */
    const char *r = ok(deep.ptr, V);
    CHECK_INT(strlen(r), 200000);
    fc_buf_dispose(&deep);
    CHECK(ksc_envsubst_var_name_valid("cluster_env"));
    CHECK(ksc_envsubst_var_name_valid("_X1"));
    CHECK(!ksc_envsubst_var_name_valid("1x"));
    CHECK(!ksc_envsubst_var_name_valid("a-b"));
    CHECK(!ksc_envsubst_var_name_valid("a.b"));
    CHECK(!ksc_envsubst_var_name_valid(""));
    CHECK(!ksc_envsubst_var_name_valid("é"));
}
