/*
 * funcs_yaml.c: YAML for templates through libcommon, with
 * sigs.k8s.io/yaml semantics: fromYaml/fromYamlArray read YAML as JSON, so
 * their errors are encoding/json's; toYaml (ht_to_yaml, also behind
 * .Files.AsConfig/AsSecrets) is sigs.k8s.io/yaml.Marshal (value -> JSON ->
 * go-yaml v2, so 1234567.0 prints as 1234567); toYamlPretty is Helm's
 * goyaml.v3 encoder with indent 2.
 *
 * toYaml writes plain maps, lists, words and numbers itself in go-yaml v2's
 * layout, since most calls print nothing else, and hands any value that
 * needs a quoting or folding decision to libcommon's emitter whole, so the
 * bytes are the same either way.
 */
#include "ht_internal.h"
#include "fc/err.h"
#include "fc/gofmt.h"
#include "fc/yaml.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define FN(name) static int name(ht_ctx *cx, int argc, ht_val *argv, ht_val *out)
#define UNUSED_ARGS (void)cx, (void)argc, (void)argv

/* ================================================================ YAML */

static void put_json(void *p) { json_object_put(p); }

int ht_yaml_decode(ht_ctx *cx, const char *s, size_t n, ht_val *out)
{
    json_object *docs = NULL;
    fc_yaml_limits lim = {0};
    lim.max_bytes = (size_t)256 << 20;
    if (fc_yaml_parse_stream(s, n, &lim, &docs)) return ht_errf(cx, "error converting YAML to JSON: %s", fc_err_msg());
    ht_cleanup_push(cx, put_json, docs);
    json_object *doc = json_object_array_length(docs) ? json_object_array_get_idx(docs, 0) : NULL;
    *out = ht_from_json(cx, doc, HT_M_ANY);
    ht_cleanup_pop(cx, true);
    return 0;
}

/* ------------------------------------------------------ toYaml fast path
 *
 * Most toYaml calls print maps and lists of plain words and numbers. Those
 * are written here directly in go-yaml v2's block layout; anything that
 * needs a quoting or folding decision (spaces in long strings, characters
 * YAML treats specially, words YAML 1.1 reads as bools or null, strings
 * starting with a digit, sign or dot, non-ASCII, long keys, non-JSON
 * types) makes the whole value take the exact path through libcommon's
 * emitter instead. */

static bool yf_reserved_word(const char *s, size_t n)
{
    static const char *const w[] = {"y", "n", "yes", "no", "on", "off", "true", "false", "null"};
    for (size_t i = 0; i < sizeof w / sizeof w[0]; i++)
        if (strlen(w[i]) == n && strncasecmp(w[i], s, n) == 0) return true;
    return false;
}

static bool yf_plain_ok(const char *s, size_t n, int col)
{
    if (n == 0 || n > 100) return false;
    char c = s[0];
    if (c >= '0' && c <= '9') {
        /* quantities like 500m, 512Mi, 1.5Gi: digits, an optional fraction,
         * then letters, the first of which cannot start an exponent or a
         * hex prefix; anything else starting with a digit may be a number,
         * a timestamp or a base-60 value */
        size_t i = 0;
        while (i < n && s[i] >= '0' && s[i] <= '9') i++;
        if (i < n && s[i] == '.') {
            i++;
            size_t f = i;
            while (i < n && s[i] >= '0' && s[i] <= '9') i++;
            if (i == f) return false;
        }
        if (i == n || s[i] == 'e' || s[i] == 'E' || s[i] == 'x' || s[i] == 'X') return false;
        for (; i < n; i++)
            if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z'))) return false;
        return true;
    }
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == '/')) return false;
    bool space = false;
    for (size_t i = 0; i < n; i++) {
        c = s[i];
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) continue;
        switch (c) {
        case '_': case '.': case '/': case '=': case '+': case '-': continue;
        case ':':
            if (i + 1 < n && s[i + 1] != ' ') continue;
            return false;
        case ' ':
            if (i + 1 >= n || s[i + 1] == ' ' || s[i - 1] == ' ') return false;
            space = true;
            continue;
        default: return false;
        }
    }
    /* go-yaml folds plain scalars with spaces at column 80 */
    if (space && col + (int)n > 70) return false;
    return !yf_reserved_word(s, n);
}

static bool yf_scalar(ht_val v, ht_sb *out, int col)
{
    char num[64];
    switch (v.k) {
    case HT_NIL: ht_sb_puts(out, "null"); return true;
    case HT_BOOL: ht_sb_puts(out, v.v.b ? "true" : "false"); return true;
    case HT_INT: case HT_INT64:
        snprintf(num, sizeof num, "%lld", (long long)v.v.i);
        ht_sb_puts(out, num);
        return true;
    case HT_UINT64:
        if (v.v.u > (uint64_t)INT64_MAX) return false;
        snprintf(num, sizeof num, "%llu", (unsigned long long)v.v.u);
        ht_sb_puts(out, num);
        return true;
    case HT_FLOAT64: {
        double f = v.v.f;
        if (f != f || f - f != 0) return false;
        /* JSON prints integral values below 1e21 without an exponent and
         * YAML reads them back as integers */
        if (f == (double)(long long)f && f > -1e15 && f < 1e15) {
            snprintf(num, sizeof num, "%lld", (long long)f);
            ht_sb_puts(out, num);
            return true;
        }
        if (f == (double)(long long)f) return false;
        fc_go_format_float(f, 'g', -1, num, sizeof num);
        ht_sb_puts(out, num);
        return true;
    }
    case HT_STRING:
        if (!yf_plain_ok(v.v.s, v.n, col)) return false;
        ht_sb_put(out, v.v.s, v.n);
        return true;
    default: return false;
    }
}

static bool yf_is_coll(ht_val v) { return v.k == HT_MAP || v.k == HT_LIST; }
static bool yf_empty(ht_val v) { return v.k == HT_MAP ? !ht_map_len(v.v.m) : !(v.v.l && v.v.l->n); }

static int yf_cmp(const void *a, const void *b)
{
    return fc_yaml_key_cmp((*(ht_mentry *const *)a)->key, (*(ht_mentry *const *)b)->key);
}

static void yf_indent(ht_sb *out, int n)
{
    for (int i = 0; i < n; i++) ht_sb_putc(out, ' ');
}

/* a collection at column col; inline_first: its first line continues the
 * current line (after "- ") */
static bool yf_node(ht_ctx *cx, ht_val v, ht_sb *out, int col, bool inline_first, int depth)
{
    if (depth > 200) return false;
    if (v.k == HT_MAP) {
        if (v.sub == HT_M_FILES) return false;
        uint32_t n = ht_map_len(v.v.m);
        ht_mentry **es = ht_cx_alloc(cx, (n ? n : 1) * sizeof *es);
        uint32_t j = 0;
        for (uint32_t i = 0; i < v.v.m->used; i++)
            if (!v.v.m->ents[i].dead) es[j++] = &v.v.m->ents[i];
        if (j > 1) qsort(es, j, sizeof *es, yf_cmp);
        for (uint32_t i = 0; i < j; i++) {
            if (i || !inline_first) yf_indent(out, col);
            if (memchr(es[i]->key, 0, es[i]->klen)) return false;
            if (!yf_plain_ok(es[i]->key, es[i]->klen, col)) return false;
            ht_sb_put(out, es[i]->key, es[i]->klen);
            ht_sb_putc(out, ':');
            ht_val c = ht_strip(es[i]->val);
            if (yf_is_coll(c)) {
                if (yf_empty(c)) {
                    ht_sb_puts(out, c.k == HT_MAP ? " {}\n" : " []\n");
                } else {
                    ht_sb_putc(out, '\n');
                    /* sequences are not indented under their key */
                    if (!yf_node(cx, c, out, c.k == HT_MAP ? col + 2 : col, false, depth + 1)) return false;
                }
            } else {
                ht_sb_putc(out, ' ');
                if (!yf_scalar(c, out, col + (int)es[i]->klen + 2)) return false;
                ht_sb_putc(out, '\n');
            }
        }
        return true;
    }
    uint32_t n = v.v.l ? v.v.l->n : 0;
    for (uint32_t i = 0; i < n; i++) {
        if (i || !inline_first) yf_indent(out, col);
        ht_sb_puts(out, "- ");
        ht_val c = ht_strip(v.v.l->items[i]);
        if (yf_is_coll(c)) {
            if (yf_empty(c)) ht_sb_puts(out, c.k == HT_MAP ? "{}\n" : "[]\n");
            else if (!yf_node(cx, c, out, col + 2, true, depth + 1)) return false;
        } else {
            if (!yf_scalar(c, out, col + 2)) return false;
            ht_sb_putc(out, '\n');
        }
    }
    return true;
}

static bool yaml_fast(ht_ctx *cx, ht_val v, ht_val *out)
{
    v = ht_strip(v);
    ht_sb sb;
    ht_sb_init(&sb, cx);
    if (yf_is_coll(v)) {
        if (yf_empty(v)) ht_sb_puts(&sb, v.k == HT_MAP ? "{}\n" : "[]\n");
        else if (!yf_node(cx, v, &sb, 0, false, 0)) return false;
    } else {
        if (!yf_scalar(v, &sb, 0)) return false;
        ht_sb_putc(&sb, '\n');
    }
    /* toYaml drops the final newline */
    if (sb.len) sb.len--;
    *out = ht_sb_val(&sb);
    return true;
}

int ht_to_yaml(ht_ctx *cx, ht_val v, ht_val *out)
{
    if (yaml_fast(cx, v, out)) return 0;
    int err = 0;
    json_object *j = ht_to_json(cx, v, &err);
    if (err) return -1;
    fc_buf b;
    fc_buf_init(&b, cx->max_output ? cx->max_output : ((size_t)256 << 20));
    int rc = fc_yaml_emit(j, NULL, &b);
    json_object_put(j);
    if (rc) {
        fc_buf_dispose(&b);
        return ht_errf(cx, "%s", fc_err_msg());
    }
    if (b.len && b.ptr[b.len - 1] == '\n') b.len--;
    if (b.ptr) b.ptr[b.len] = 0;
    *out = ht_str_take_buf(cx, &b);
    return 0;
}

FN(fn_to_yaml)
{
    UNUSED_ARGS;
    if (ht_to_yaml(cx, argv[0], out)) {
        ht_err_clear(cx);
        *out = ht_str_static("", 0);
    }
    return 0;
}

FN(fn_must_to_yaml)
{
    UNUSED_ARGS;
    return ht_to_yaml(cx, argv[0], out);
}

/* ------------------------------------------------------- toYamlPretty */

/* Helm's toYamlPretty encodes with goyaml.v3 (indent 2) straight from the Go
 * values: block sequences are indented under their key, floats print with
 * strconv 'g' (1e+06), long strings are not folded. The layout is written
 * here; each scalar's quoting/literal form comes from the libcommon emitter
 * (the same YAML 1.1 quoting rules), with folding off. */
static int yp_scalar(ht_ctx *cx, json_object *o, ht_sb *out, int base)
{
    char num[64];
    if (o && json_object_is_type(o, json_type_double)) {
        double d = json_object_get_double(o);
        if (isnan(d)) ht_sb_puts(out, ".nan");
        else if (isinf(d)) ht_sb_puts(out, d > 0 ? ".inf" : "-.inf");
        else {
            fc_go_format_float(d, 'g', -1, num, sizeof num);
            ht_sb_puts(out, num);
        }
        return 0;
    }
    fc_yaml_emit_opts eo = {0};
    eo.width = -1;
    fc_buf b;
    fc_buf_init(&b, cx->max_output ? cx->max_output : ((size_t)256 << 20));
    if (fc_yaml_emit(o, &eo, &b)) {
        fc_buf_dispose(&b);
        return ht_errf(cx, "%s", fc_err_msg());
    }
    /* "text\n", or a block scalar "|\n  line\n  line\n" whose content lines
     * move to base+2 */
    size_t n = b.len;
    if (n && b.ptr[n - 1] == '\n') n--;
    /* a "|+" block at the end of a document is followed by a "..." marker */
    if (n >= 4 && memcmp(b.ptr + n - 4, "\n...", 4) == 0) n -= 4;
    const char *p = b.ptr ? b.ptr : "";
    const char *nl = memchr(p, '\n', n);
    if (!nl) {
        ht_sb_put(out, p, n);
    } else {
        ht_sb_put(out, p, (size_t)(nl - p));
        const char *q = nl + 1, *end = p + n;
        while (q <= end) {
            const char *e = memchr(q, '\n', (size_t)(end - q));
            if (!e) e = end;
            ht_sb_putc(out, '\n');
            if (e > q)
                for (int i = 0; i < base; i++) ht_sb_putc(out, ' ');
            ht_sb_put(out, q, (size_t)(e - q));
            q = e + 1;
        }
    }
    fc_buf_dispose(&b);
    return 0;
}

static bool yp_empty_coll(json_object *o, ht_sb *out)
{
    if (o && json_object_is_type(o, json_type_object) && json_object_object_length(o) == 0) {
        ht_sb_puts(out, "{}");
        return true;
    }
    if (o && json_object_is_type(o, json_type_array) && json_object_array_length(o) == 0) {
        ht_sb_puts(out, "[]");
        return true;
    }
    return false;
}

static int yp_key_cmp(const void *a, const void *b)
{
    return fc_yaml_key_cmp(*(const char *const *)a, *(const char *const *)b);
}

static void yp_indent(ht_sb *out, int n)
{
    for (int i = 0; i < n; i++) ht_sb_putc(out, ' ');
}

/* a collection starting at column `col`; `inline_first`: the first line
 * continues the current line (after "- ") */
static int yp_node(ht_ctx *cx, json_object *o, ht_sb *out, int col, bool inline_first, int depth)
{
    if (depth > 10000) return ht_errf(cx, "toYamlPretty: value nested too deeply");
    if (o && json_object_is_type(o, json_type_object)) {
        size_t n = (size_t)json_object_object_length(o), i = 0;
        const char **keys = ht_cx_alloc(cx, (n ? n : 1) * sizeof *keys);
        json_object_object_foreach(o, key, unused)
        {
            (void)unused;
            keys[i++] = key;
        }
        qsort(keys, n, sizeof *keys, yp_key_cmp);
        for (i = 0; i < n; i++) {
            if (i || !inline_first) {
                if (out->len) ht_sb_putc(out, '\n');
                yp_indent(out, col);
            }
            json_object *ks = json_object_new_string(keys[i]);
            int rc = yp_scalar(cx, ks, out, col);
            json_object_put(ks);
            if (rc) return -1;
            ht_sb_putc(out, ':');
            json_object *v = json_object_object_get(o, keys[i]);
            if (v && (json_object_is_type(v, json_type_object) || json_object_is_type(v, json_type_array))) {
                ht_sb t;
                ht_sb_init(&t, cx);
                if (yp_empty_coll(v, &t)) {
                    ht_sb_putc(out, ' ');
                    ht_sb_put(out, t.p, t.len);
                } else if (yp_node(cx, v, out, col + 2, false, depth + 1)) {
                    return -1;
                }
            } else {
                ht_sb_putc(out, ' ');
                if (yp_scalar(cx, v, out, col)) return -1;
            }
        }
        return 0;
    }
    if (o && json_object_is_type(o, json_type_array)) {
        size_t n = json_object_array_length(o);
        for (size_t i = 0; i < n; i++) {
            if (i || !inline_first) {
                if (out->len) ht_sb_putc(out, '\n');
                yp_indent(out, col);
            }
            ht_sb_puts(out, "- ");
            json_object *v = json_object_array_get_idx(o, i);
            if (v && (json_object_is_type(v, json_type_object) || json_object_is_type(v, json_type_array))) {
                if (yp_empty_coll(v, out)) continue;
                if (yp_node(cx, v, out, col + 2, true, depth + 1)) return -1;
            } else if (yp_scalar(cx, v, out, col)) {
                return -1;
            }
        }
        return 0;
    }
    return yp_scalar(cx, o, out, col - 2 < 0 ? 0 : col - 2);
}

FN(fn_to_yaml_pretty)
{
    UNUSED_ARGS;
    int err = 0;
    json_object *j = ht_to_json(cx, argv[0], &err);
    if (err) {
        ht_err_clear(cx);
        *out = ht_str_static("", 0);
        return 0;
    }
    ht_sb sb;
    ht_sb_init(&sb, cx);
    int rc;
    if (!yp_empty_coll(j, &sb)) {
        if (j && (json_object_is_type(j, json_type_object) || json_object_is_type(j, json_type_array)))
            rc = yp_node(cx, j, &sb, 0, true, 0);
        else
            rc = yp_scalar(cx, j, &sb, 0);
    } else {
        rc = 0;
    }
    json_object_put(j);
    if (rc) {
        ht_err_clear(cx);
        *out = ht_str_static("", 0);
        return 0;
    }
    *out = ht_sb_val(&sb);
    return 0;
}

/* sigs.k8s.io/yaml.Unmarshal into map[string]interface{} */
static int yaml_unmarshal_map(ht_ctx *cx, ht_val s, ht_val *m)
{
    ht_val v;
    *m = ht_map_new(cx, HT_M_ANY);
    if (ht_yaml_decode(cx, s.v.s, s.n, &v)) return -1;
    if (v.k == HT_NIL) return 0;
    if (v.k != HT_MAP) {
        const char *what = v.k == HT_LIST ? "array" : v.k == HT_STRING ? "string" : v.k == HT_BOOL ? "bool" : "number";
        return ht_errf(cx, "error unmarshaling JSON: while decoding JSON: json: cannot unmarshal %s into Go value of type map[string]interface {}", what);
    }
    *m = v;
    return 0;
}

FN(fn_from_yaml)
{
    UNUSED_ARGS;
    ht_val m;
    if (yaml_unmarshal_map(cx, argv[0], &m)) {
        m = ht_map_new(cx, HT_M_ANY);
        ht_map_set(cx, m.v.m, "Error", 5, ht_strz(cx, cx->err));
        ht_err_clear(cx);
    }
    *out = m;
    return 0;
}

FN(fn_from_yaml_array)
{
    UNUSED_ARGS;
    ht_val v;
    if (ht_yaml_decode(cx, argv[0].v.s, argv[0].n, &v) == 0) {
        if (v.k == HT_LIST) {
            *out = v;
            return 0;
        }
        if (v.k == HT_NIL) {
            *out = ht_list_new(cx, 0, HT_L_ANY);
            return 0;
        }
        const char *what = v.k == HT_MAP ? "object" : v.k == HT_STRING ? "string" : v.k == HT_BOOL ? "bool" : "number";
        ht_errf(cx, "error unmarshaling JSON: while decoding JSON: json: cannot unmarshal %s into Go value of type []interface {}", what);
    }
    ht_val l = ht_list_new(cx, 1, HT_L_ANY);
    l.v.l->items[0] = ht_strz(cx, cx->err);
    l.v.l->n = 1;
    ht_err_clear(cx);
    *out = l;
    return 0;
}

#define S P_STRING
#define A P_ANY

const ht_funcdef ht_funcs_yaml[] = {
    {"fromYaml", fn_from_yaml, 1, false, {S}, P_MAP, 0},
    {"fromYamlArray", fn_from_yaml_array, 1, false, {S}, P_LIST, 0},
    {"mustToYaml", fn_must_to_yaml, 1, false, {A}, S, 0},
    {"toYaml", fn_to_yaml, 1, false, {A}, S, 0},
    {"toYamlPretty", fn_to_yaml_pretty, 1, false, {A}, S, 0},
    {NULL, NULL, 0, false, {0}, 0, 0},
};
