/*
 * schema.c: values.schema.json validation as Helm 4 does it
 * (pkg/chart/common/util/jsonschema.go on santhosh-tekuri/jsonschema v6).
 *
 * The chart's schema is parsed like jsonschema.UnmarshalJSON, checked
 * against its draft's metaschema (embedded, schema_meta.c), compiled, and
 * the coalesced values are validated; subcharts are validated against their
 * section of the values. The compiler and validator follow the library's
 * structure closely (roots and resources with $id/anchors, a compile queue,
 * a validator with scopes for $dynamicRef and cycle checks, "unevaluated"
 * bookkeeping, bool-result short cuts) because Helm prints the library's
 * error tree verbatim: every message, its nesting, and the number
 * formatting of golang.org/x/text's English printer (1,500 and 1×10⁰⁶).
 *
 * Deliberate differences: where the library iterates a Go map (object
 * properties, additional property names, dependencies) and so prints errors
 * in random order, we use sorted order. References to schemas outside the
 * file (http, https, file) are refused with an error instead of being
 * fetched: rendering must not reach the network or read the filesystem.
 * Schema numbers are float64 (the library keeps json.Number text).
 */
#include "render_int.h"
#include "schema_int.h"
#include "regex.h"
#include "fc/gofmt.h"
#include <openssl/bn.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#define JS_MAX_DEPTH 4000

/* json types as the library's bit set */
enum { T_NULL = 1 << 1, T_BOOL = 1 << 2, T_NUM = 1 << 3, T_INT = 1 << 4, T_STR = 1 << 5, T_ARR = 1 << 6, T_OBJ = 1 << 7 };

/* ------------------------------------------------------------- decimals */

/* value = (neg ? -1 : 1) * 0.DIGITS * 10^exp; digits without leading or
 * trailing zeros; zero has nd == 0 */
typedef struct js_num {
    bool neg;
    const char *d;
    int nd;
    int exp;
} js_num;

static bool num_parse(ht_ctx *cx, const char *s, js_num *out)
{
    memset(out, 0, sizeof *out);
    size_t i = 0, n = strlen(s);
    if (i < n && (s[i] == '-' || s[i] == '+')) out->neg = s[i++] == '-';
    char *dig = ht_cx_alloc(cx, n + 1);
    int nd = 0, dp = -1, lead = 0;
    bool any = false, seen_nonzero = false;
    for (; i < n; i++) {
        if (s[i] == '.') {
            if (dp >= 0) return false;
            dp = nd + lead;
            continue;
        }
        if (s[i] < '0' || s[i] > '9') break;
        any = true;
        if (s[i] == '0' && !seen_nonzero) {
            lead++;
            continue;
        }
        seen_nonzero = true;
        dig[nd++] = s[i];
    }
    if (!any) return false;
    long e = 0;
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        bool eneg = false;
        if (i < n && (s[i] == '-' || s[i] == '+')) eneg = s[i++] == '-';
        if (i == n) return false;
        for (; i < n && s[i] >= '0' && s[i] <= '9'; i++)
            if (e < 100000) e = e * 10 + (s[i] - '0');
        if (eneg) e = -e;
    }
    if (i != n) return false;
    int intdigits = (dp < 0 ? nd + lead : dp) - lead; /* position of the point relative to the first significant digit */
    while (nd > 0 && dig[nd - 1] == '0') nd--;
    dig[nd] = 0;
    out->d = dig;
    out->nd = nd;
    out->exp = nd ? (int)(intdigits + e) : 0;
    if (!nd) out->neg = false;
    return true;
}

static int num_cmp(const js_num *a, const js_num *b)
{
    if (!a->nd && !b->nd) return 0;
    int sa = a->nd ? (a->neg ? -1 : 1) : 0, sb = b->nd ? (b->neg ? -1 : 1) : 0;
    if (sa != sb) return sa < sb ? -1 : 1;
    int mag;
    if (a->exp != b->exp) {
        mag = a->exp < b->exp ? -1 : 1;
    } else {
        int m = a->nd < b->nd ? a->nd : b->nd;
        int c = memcmp(a->d, b->d, (size_t)m);
        mag = c ? (c < 0 ? -1 : 1) : (a->nd == b->nd ? 0 : (a->nd < b->nd ? -1 : 1));
    }
    return sa < 0 ? -mag : mag;
}

/* is a / b an integer (big.Rat Quo + IsInt)? */
static bool num_is_multiple(const js_num *a, const js_num *b)
{
    if (!a->nd) return true;
    if (!b->nd) return false;
    /* a = A * 10^(ea - na), b = B * 10^(eb - nb) */
    long d = (long)(a->exp - a->nd) - (long)(b->exp - b->nd);
    if (d > 4000) return true;   /* B divides A*10^d for any B made of 2s and 5s only... approximate beyond */
    if (d < -4000) return false;
    BN_CTX *c = BN_CTX_new();
    BIGNUM *A = NULL, *B = NULL, *t = BN_new(), *ten = BN_new(), *r = BN_new();
    bool res = false;
    if (!c || !t || !ten || !r || !BN_dec2bn(&A, a->d) || !BN_dec2bn(&B, b->d)) goto out;
    BN_set_word(ten, 10);
    BN_set_word(t, (BN_ULONG)(d < 0 ? -d : d));
    BN_exp(t, ten, t, c);
    if (d >= 0) BN_mul(A, A, t, c);
    else BN_mul(B, B, t, c);
    BN_mod(r, A, B, c);
    res = BN_is_zero(r);
out:
    BN_free(A);
    BN_free(B);
    BN_free(t);
    BN_free(ten);
    BN_free(r);
    BN_CTX_free(c);
    return res;
}

static double num_float(const js_num *a)
{
    if (!a->nd) return 0;
    char buf[64];
    char *p = buf;
    size_t cap = sizeof buf;
    char *heap = NULL;
    if ((size_t)a->nd + 32 > cap) {
        heap = malloc((size_t)a->nd + 32);
        if (!heap) return 0;
        p = heap;
        cap = (size_t)a->nd + 32;
    }
    snprintf(p, cap, "%s0.%se%d", a->neg ? "-" : "", a->d, a->exp);
    double f = strtod(p, NULL);
    free(heap);
    return f;
}

/* the text big.Rat.SetString(fmt.Sprint(v)) sees for a number value */
static bool val_num(ht_ctx *cx, ht_val v, js_num *out)
{
    char buf[48];
    switch (v.k) {
    case HT_INT: case HT_INT64: snprintf(buf, sizeof buf, "%lld", (long long)v.v.i); break;
    case HT_UINT64: snprintf(buf, sizeof buf, "%llu", (unsigned long long)v.v.u); break;
    case HT_FLOAT64: fc_go_format_float(v.v.f, 'e', -1, buf, sizeof buf); break;
    default: return false;
    }
    return num_parse(cx, buf, out);
}

/* golang.org/x/text/message English printing of integers (%d) */
static void put_grouped(ht_sb *sb, const char *digits, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (i && (n - i) % 3 == 0) ht_sb_putc(sb, ',');
        ht_sb_putc(sb, digits[i]);
    }
}

static void put_int(ht_sb *sb, long long v)
{
    char buf[32];
    int n = snprintf(buf, sizeof buf, "%llu", v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v);
    if (v < 0) ht_sb_putc(sb, '-');
    put_grouped(sb, buf, (size_t)n);
}

/* ... and of float64 with %v: shortest digits; exponent < -4 or >= 6 in
 * scientific form with superscript exponent, else grouped decimal */
static void put_float(ht_sb *sb, double f)
{
    char buf[48];
    fc_go_format_float(f, 'e', -1, buf, sizeof buf);
    const char *p = buf;
    if (*p == '-') {
        ht_sb_putc(sb, '-');
        p++;
    }
    char dig[32];
    size_t nd = 0;
    for (; *p && *p != 'e'; p++)
        if (*p >= '0' && *p <= '9' && nd < sizeof dig - 1) dig[nd++] = *p;
    int exp = *p == 'e' ? atoi(p + 1) : 0; /* exponent of the first digit */
    if (f == 0) {
        ht_sb_putc(sb, '0');
        return;
    }
    if (exp < -4 || exp >= 6) {
        ht_sb_putc(sb, dig[0]);
        if (nd > 1) {
            ht_sb_putc(sb, '.');
            ht_sb_put(sb, dig + 1, nd - 1);
        }
        ht_sb_puts(sb, "\xc3\x97" "10"); /* ×10 */
        static const char *sup[10] = {"\xe2\x81\xb0", "\xc2\xb9", "\xc2\xb2", "\xc2\xb3", "\xe2\x81\xb4",
                                      "\xe2\x81\xb5", "\xe2\x81\xb6", "\xe2\x81\xb7", "\xe2\x81\xb8", "\xe2\x81\xb9"};
        if (exp < 0) ht_sb_puts(sb, "\xe2\x81\xbb"); /* ⁻ */
        char e[16];
        int en = snprintf(e, sizeof e, "%02d", exp < 0 ? -exp : exp);
        for (int i = 0; i < en; i++) ht_sb_puts(sb, sup[e[i] - '0']);
        return;
    }
    if (exp < 0) {
        ht_sb_puts(sb, "0.");
        for (int i = -1; i > exp; i--) ht_sb_putc(sb, '0');
        ht_sb_put(sb, dig, nd);
        return;
    }
    size_t ip = (size_t)exp + 1;
    char intpart[32];
    for (size_t i = 0; i < ip; i++) intpart[i] = i < nd ? dig[i] : '0';
    put_grouped(sb, intpart, ip);
    if (nd > ip) {
        ht_sb_putc(sb, '.');
        ht_sb_put(sb, dig + ip, nd - ip);
    }
}

/* ------------------------------------------------------------- strings */

static const char *sbf(ht_ctx *cx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static const char *sbf(ht_ctx *cx, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    char *p = ht_cx_alloc(cx, (size_t)n + 1);
    vsnprintf(p, (size_t)n + 1, fmt, ap2);
    va_end(ap2);
    return p;
}

static const char *sdup(ht_ctx *cx, const char *s, size_t n) { return ht_cx_strndup(cx, s, n); }

/* the library's quote(): %q, then \" -> " and ' -> \', in single quotes */
static void put_squote(ht_sb *sb, const char *s, size_t n)
{
    ht_sb q;
    ht_sb_init(&q, sb->cx);
    ht_go_quote(s, n, &q);
    ht_sb_putc(sb, '\'');
    for (size_t i = 1; i + 1 < q.len; i++) {
        if (q.p[i] == '\\' && i + 2 < q.len && q.p[i + 1] == '"') {
            ht_sb_putc(sb, '"');
            i++;
        } else if (q.p[i] == '\'') {
            ht_sb_puts(sb, "\\'");
        } else {
            ht_sb_putc(sb, q.p[i]);
        }
    }
    ht_sb_putc(sb, '\'');
}

/* json pointer token escaping */
static void put_ptr_tok(ht_sb *sb, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '~') ht_sb_puts(sb, "~0");
        else if (s[i] == '/') ht_sb_puts(sb, "~1");
        else ht_sb_putc(sb, s[i]);
    }
}

/* url.PathEscape of each '/'-separated token (the library's encode()) */
static void put_encoded_ptr(ht_sb *sb, const char *p)
{
    static const char hex[] = "0123456789ABCDEF";
    for (; *p; p++) {
        unsigned char c = (unsigned char)*p;
        if (c == '/' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
            strchr("-_.~$&+:=@", c))
            ht_sb_putc(sb, (char)c);
        else {
            ht_sb_putc(sb, '%');
            ht_sb_putc(sb, hex[c >> 4]);
            ht_sb_putc(sb, hex[c & 15]);
        }
    }
}

/* url.PathUnescape; false on a bad escape */
static bool path_unescape(ht_ctx *cx, const char *s, size_t n, const char **out)
{
    char *o = ht_cx_alloc(cx, n + 1);
    size_t j = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '%') {
            if (i + 2 >= n + 0 && i + 2 > n - 1) return false;
            char a = s[i + 1], b = s[i + 2];
            int x = (a >= '0' && a <= '9') ? a - '0' : ((a | 0x20) >= 'a' && (a | 0x20) <= 'f') ? (a | 0x20) - 'a' + 10 : -1;
            int y = (b >= '0' && b <= '9') ? b - '0' : ((b | 0x20) >= 'a' && (b | 0x20) <= 'f') ? (b | 0x20) - 'a' + 10 : -1;
            if (x < 0 || y < 0) return false;
            o[j++] = (char)(x << 4 | y);
            i += 2;
        } else {
            o[j++] = s[i];
        }
    }
    o[j] = 0;
    *out = o;
    return true;
}

/* ------------------------------------------------------------- model */

typedef struct js_sch js_sch;
typedef struct js_root js_root;

typedef struct js_named {
    const char *name;
    js_sch *sch;
} js_named;

typedef struct js_patprop {
    const char *src;
    ht_regex *re;
    js_sch *sch;
} js_patprop;

typedef struct js_dep {
    const char *name;
    const char **req; /* string list (dependencies array form, dependentRequired) */
    uint32_t nreq;
    js_sch *sch;      /* schema form */
} js_dep;

struct js_sch {
    const char *loc;
    js_root *root;
    const char *ptr;
    int draft;
    bool compiled;
    js_sch *resource;
    js_named *dyn_anchors;
    uint32_t ndyn;
    int8_t boolean; /* -1: not a boolean schema */
    js_sch *ref, *recursive_ref, *dynamic_ref;
    const char *dynamic_ref_anchor;
    bool recursive_anchor;
    const char *dynamic_anchor;
    js_sch **all_of, **any_of, **one_of, *not_;
    uint32_t nall, nany, none;
    js_sch *items;
    js_sch **items_arr;
    uint32_t nitems_arr;
    bool items_is_arr;
    int addl_items_kind; /* 0 none, 1 bool, 2 schema */
    bool addl_items_bool;
    js_sch *addl_items;
    js_sch **prefix_items;
    uint32_t nprefix;
    js_sch *items2020;
    js_named *props;
    uint32_t nprops;
    js_patprop *pprops;
    uint32_t npprops;
    int addl_props_kind;
    bool addl_props_bool;
    js_sch *addl_props;
    js_dep *deps;
    uint32_t ndeps;
    js_named *dep_schemas;
    uint32_t ndep_schemas;
    js_dep *dep_required;
    uint32_t ndep_required;
    js_sch *property_names, *contains, *if_, *then_, *else_, *uneval_items, *uneval_props;
    long long min_contains, max_contains;
    unsigned types;
    bool has_enum;
    ht_val *enum_vals;
    uint32_t nenum;
    unsigned enum_types;
    bool has_const;
    ht_val const_val;
    js_num *multiple_of, *maximum, *exclusive_maximum, *minimum, *exclusive_minimum;
    long long min_length, max_length, min_items, max_items, min_props, max_props;
    ht_regex *pattern;
    const char *pattern_src;
    bool unique_items;
    const char **required;
    uint32_t nrequired;
    const char *format_name;
    js_format_fn format;
    bool all_props_evaluated, all_items_evaluated;
    uint32_t num_items_evaluated;
    js_sch *hnext; /* hash chain */
};

typedef struct js_res {
    const char *ptr;
    const char *id;
    int draft;
    js_named *anchors; /* name -> (sch unused) ; ptr stored in anchor_ptrs */
    const char **anchor_ptrs;
    uint32_t nanchors, capa;
    const char **dyn;
    uint32_t ndyn, capd;
} js_res;

struct js_root {
    const char *url;
    ht_val doc;
    js_res *res;
    uint32_t nres, capres;
    const char **processed;
    uint32_t nprocessed, capprocessed;
};

typedef struct js_ctx js_ctx;

typedef struct js_comp {
    js_ctx *jc;
    bool assert_format;
    js_root **roots;
    uint32_t nroots, caproots;
    js_sch *tab[1024];
    js_sch **q;
    uint32_t nq, capq;
    /* documents added with AddResource */
    const char *added_url;
    ht_val added_doc;
} js_comp;

struct js_ctx {
    ht_ctx *cx;
    ht_regex **regexes;
    uint32_t nregex, capregex;
    js_comp meta; /* compiles metaschemas, asserting formats */
    js_sch *draft_sch[5];
    int depth;
};

static void js_ctx_cleanup(void *p)
{
    js_ctx *jc = p;
    for (uint32_t i = 0; i < jc->nregex; i++) ht_regex_free(jc->regexes[i]);
    free(jc->regexes);
    jc->regexes = NULL;
    jc->nregex = 0;
}

#define GROW(arr, n, cap)                                                                                              \
    do {                                                                                                               \
        if ((n) == (cap)) {                                                                                            \
            uint32_t nc_ = (cap) ? (cap) * 2 : 8;                                                                      \
            void *np_ = ht_cx_alloc(cx, nc_ * sizeof *(arr));                                                          \
            if ((n)) memcpy(np_, (arr), (n) * sizeof *(arr));                                                          \
            (arr) = np_;                                                                                               \
            (cap) = nc_;                                                                                               \
        }                                                                                                              \
    } while (0)

/* ------------------------------------------------------------- drafts */

static int draft_from_url(const char *u)
{
    size_t n = strlen(u);
    const char *h = memchr(u, '#', n);
    if (h) {
        if (h[1]) return 0;
        n = (size_t)(h - u);
    }
    if (n >= 7 && memcmp(u, "http://", 7) == 0) u += 7, n -= 7;
    else if (n >= 8 && memcmp(u, "https://", 8) == 0) u += 8, n -= 8;
#define IS(s) (n == strlen(s) && memcmp(u, s, n) == 0)
    if (IS("json-schema.org/schema")) return 2020;
    if (IS("json-schema.org/draft/2020-12/schema")) return 2020;
    if (IS("json-schema.org/draft/2019-09/schema")) return 2019;
    if (IS("json-schema.org/draft-07/schema")) return 7;
    if (IS("json-schema.org/draft-06/schema")) return 6;
    if (IS("json-schema.org/draft-04/schema")) return 4;
#undef IS
    return 0;
}

static const char *draft_url(int d)
{
    switch (d) {
    case 4: return "http://json-schema.org/draft-04/schema";
    case 6: return "http://json-schema.org/draft-06/schema";
    case 7: return "http://json-schema.org/draft-07/schema";
    case 2019: return "https://json-schema.org/draft/2019-09/schema";
    default: return "https://json-schema.org/draft/2020-12/schema";
    }
}

static int draft_index(int d) { return d == 4 ? 0 : d == 6 ? 1 : d == 7 ? 2 : d == 2019 ? 3 : 4; }

/* ------------------------------------------------------------- values */

static ht_val *obj_get(ht_val o, const char *k)
{
    if (o.k != HT_MAP || !o.v.m) return NULL;
    return ht_map_get(o.v.m, k, strlen(k));
}

static const char *obj_str(ht_val o, const char *k)
{
    ht_val *v = obj_get(o, k);
    return v && v->k == HT_STRING ? v->v.s : NULL;
}

static unsigned type_of(ht_val v)
{
    switch (v.k) {
    case HT_NIL: return T_NULL;
    case HT_BOOL: return T_BOOL;
    case HT_INT: case HT_INT64: case HT_UINT64: return T_NUM;
    case HT_FLOAT64: return (v.v.f != v.v.f || v.v.f - v.v.f != 0) ? 0 : T_NUM;
    case HT_STRING: return T_STR;
    case HT_LIST: return T_ARR;
    case HT_MAP: return T_OBJ;
    default: return 0;
    }
}

static const char *type_name(unsigned t)
{
    switch (t) {
    case T_NULL: return "null";
    case T_BOOL: return "boolean";
    case T_NUM: return "number";
    case T_INT: return "integer";
    case T_STR: return "string";
    case T_ARR: return "array";
    case T_OBJ: return "object";
    }
    return "";
}

static unsigned type_from_name(const char *s)
{
    static const unsigned ts[] = {T_NULL, T_BOOL, T_NUM, T_INT, T_STR, T_ARR, T_OBJ};
    for (size_t i = 0; i < 7; i++)
        if (strcmp(type_name(ts[i]), s) == 0) return ts[i];
    return 0;
}

static uint32_t list_len(ht_val v) { return v.k == HT_LIST && v.v.l ? v.v.l->n : 0; }
static ht_val list_at(ht_val v, uint32_t i) { return v.v.l->items[i]; }

static bool js_equals(ht_ctx *cx, ht_val a, ht_val b)
{
    switch (a.k) {
    case HT_MAP: {
        if (b.k != HT_MAP) return false;
        if (ht_map_len(a.v.m) != ht_map_len(b.v.m)) return false;
        uint32_t n;
        ht_mentry **e = ht_map_sorted(cx, a.v.m, &n);
        for (uint32_t i = 0; i < n; i++) {
            ht_val *o = ht_map_get(b.v.m, e[i]->key, e[i]->klen);
            if (!o || !js_equals(cx, e[i]->val, *o)) return false;
        }
        return true;
    }
    case HT_LIST: {
        if (b.k != HT_LIST) return false;
        uint32_t n = list_len(a);
        if (n != list_len(b)) return false;
        for (uint32_t i = 0; i < n; i++)
            if (!js_equals(cx, list_at(a, i), list_at(b, i))) return false;
        return true;
    }
    case HT_NIL: return b.k == HT_NIL;
    case HT_BOOL: return b.k == HT_BOOL && a.v.b == b.v.b;
    case HT_STRING: return b.k == HT_STRING && a.n == b.n && memcmp(a.v.s, b.v.s, a.n) == 0;
    default: {
        if (type_of(a) != T_NUM || type_of(b) != T_NUM) return false;
        js_num x, y;
        if (!val_num(cx, a, &x) || !val_num(cx, b, &y)) return false;
        return num_cmp(&x, &y) == 0;
    }
    }
}

/* fmt %v for display() of primitives; strings single-quoted */
static void put_display(ht_sb *sb, ht_val v)
{
    if (v.k == HT_STRING) put_squote(sb, v.v.s, v.n);
    else if (v.k == HT_LIST || v.k == HT_MAP) ht_sb_puts(sb, "value");
    else ht_fmt_value(v, sb);
}

/* ------------------------------------------------------------- URLs */

static void put_n(ht_sb *sb, const char *s, size_t n)
{
    if (n) ht_sb_put(sb, s, n);
}

/* RFC 3986 remove_dot_segments */
static const char *remove_dots(ht_ctx *cx, const char *p, size_t n)
{
    const char **segs = ht_cx_alloc(cx, (n + 2) * sizeof *segs);
    size_t *lens = ht_cx_alloc(cx, (n + 2) * sizeof *lens);
    size_t ns = 0;
    bool abs = n && p[0] == '/';
    size_t i = abs ? 1 : 0;
    bool trailing = false;
    while (i <= n) {
        size_t st = i;
        while (i < n && p[i] != '/') i++;
        size_t l = i - st;
        trailing = false;
        if (l == 1 && p[st] == '.') trailing = true;
        else if (l == 2 && p[st] == '.' && p[st + 1] == '.') {
            if (ns) ns--;
            trailing = true;
        } else {
            segs[ns] = p + st;
            lens[ns++] = l;
        }
        i++;
    }
    ht_sb sb;
    ht_sb_init(&sb, cx);
    if (abs) ht_sb_putc(&sb, '/');
    for (size_t k = 0; k < ns; k++) {
        if (k) ht_sb_putc(&sb, '/');
        put_n(&sb, segs[k], lens[k]);
    }
    if (trailing && ns) ht_sb_putc(&sb, '/');
    return ht_sb_val(&sb).v.s;
}

/* url.join: base resolved with ref (whose fragment was split off) */
static const char *url_resolve(ht_ctx *cx, const char *base, const char *ref, const char **err)
{
    js_url b, r;
    const char *e = js_url_parse(cx, base, strlen(base), &b);
    if (e) {
        *err = sbf(cx, "error in parsing %s: %s", base, e);
        return NULL;
    }
    e = js_url_parse(cx, ref, strlen(ref), &r);
    if (e) {
        *err = sbf(cx, "error in parsing %s: %s", ref, e);
        return NULL;
    }
    ht_sb sb;
    ht_sb_init(&sb, cx);
    if (r.scheme_len) {
        put_n(&sb, r.scheme, r.scheme_len);
        ht_sb_putc(&sb, ':');
        if (r.opaque_len || (!r.has_authority && !r.path_len)) {
            put_n(&sb, r.opaque, r.opaque_len);
        } else {
            if (r.has_authority) {
                ht_sb_puts(&sb, "//");
                if (r.user_len) put_n(&sb, r.user, r.user_len), ht_sb_putc(&sb, '@');
                put_n(&sb, r.host, r.host_len);
            }
            ht_sb_puts(&sb, remove_dots(cx, r.path, r.path_len));
        }
        if (r.has_query) ht_sb_putc(&sb, '?'), put_n(&sb, r.query, r.query_len);
        return ht_sb_val(&sb).v.s;
    }
    if (b.opaque_len) {
        put_n(&sb, b.scheme, b.scheme_len);
        ht_sb_putc(&sb, ':');
        put_n(&sb, b.opaque, b.opaque_len);
        return ht_sb_val(&sb).v.s;
    }
    if (b.scheme_len) put_n(&sb, b.scheme, b.scheme_len), ht_sb_putc(&sb, ':');
    if (r.has_authority) {
        ht_sb_puts(&sb, "//");
        if (r.user_len) put_n(&sb, r.user, r.user_len), ht_sb_putc(&sb, '@');
        put_n(&sb, r.host, r.host_len);
        ht_sb_puts(&sb, remove_dots(cx, r.path, r.path_len));
        if (r.has_query) ht_sb_putc(&sb, '?'), put_n(&sb, r.query, r.query_len);
        return ht_sb_val(&sb).v.s;
    }
    if (b.has_authority || b.scheme_len) {
        ht_sb_puts(&sb, "//");
        if (b.user_len) put_n(&sb, b.user, b.user_len), ht_sb_putc(&sb, '@');
        put_n(&sb, b.host, b.host_len);
    }
    if (!r.path_len) {
        ht_sb_puts(&sb, remove_dots(cx, b.path, b.path_len));
        if (r.has_query) ht_sb_putc(&sb, '?'), put_n(&sb, r.query, r.query_len);
        else if (b.has_query) ht_sb_putc(&sb, '?'), put_n(&sb, b.query, b.query_len);
        return ht_sb_val(&sb).v.s;
    }
    if (r.path[0] == '/') {
        ht_sb_puts(&sb, remove_dots(cx, r.path, r.path_len));
    } else {
        ht_sb m;
        ht_sb_init(&m, cx);
        size_t keep = 0;
        for (size_t i = b.path_len; i-- > 0;)
            if (b.path[i] == '/') { keep = i + 1; break; }
        if (!keep && (b.has_authority || b.scheme_len)) ht_sb_putc(&m, '/');
        put_n(&m, b.path, keep);
        put_n(&m, r.path, r.path_len);
        ht_sb_puts(&sb, remove_dots(cx, m.p, m.len));
    }
    if (r.has_query) ht_sb_putc(&sb, '?'), put_n(&sb, r.query, r.query_len);
    return ht_sb_val(&sb).v.s;
}

/* "url#ptr" the way urlPtr.String() prints it */
static const char *loc_string(ht_ctx *cx, const char *url, const char *ptr)
{
    ht_sb sb;
    ht_sb_init(&sb, cx);
    ht_sb_puts(&sb, url);
    ht_sb_putc(&sb, '#');
    put_encoded_ptr(&sb, ptr);
    return ht_sb_val(&sb).v.s;
}

/* ------------------------------------------------------------- errors */

static int fail(js_ctx *jc, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(js_ctx *jc, const char *fmt, ...)
{
    char tmp[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    return ht_errf(jc->cx, "%s", tmp);
}

static const char *gq(ht_ctx *cx, const char *s)
{
    ht_sb sb;
    ht_sb_init(&sb, cx);
    ht_go_quote(s, strlen(s), &sb);
    return ht_sb_val(&sb).v.s;
}

/* ------------------------------------------------------------- roots */

static js_res *root_resource(js_root *r, const char *ptr)
{
    size_t n = strlen(ptr);
    for (;;) {
        for (uint32_t i = 0; i < r->nres; i++)
            if (strlen(r->res[i].ptr) == n && memcmp(r->res[i].ptr, ptr, n) == 0) return &r->res[i];
        const char *slash = NULL;
        for (size_t i = n; i-- > 0;)
            if (ptr[i] == '/') { slash = ptr + i; break; }
        if (!slash) break;
        n = (size_t)(slash - ptr);
    }
    for (uint32_t i = 0; i < r->nres; i++)
        if (!r->res[i].ptr[0]) return &r->res[i];
    return NULL;
}

static bool is_processed(js_root *r, const char *ptr)
{
    for (uint32_t i = 0; i < r->nprocessed; i++)
        if (strcmp(r->processed[i], ptr) == 0) return true;
    return false;
}

/* lookup a json pointer in a document */
static bool ptr_lookup(ht_ctx *cx, ht_val doc, const char *ptr, ht_val *out)
{
    ht_val v = doc;
    const char *p = ptr;
    while (*p == '/') {
        p++;
        const char *e = strchr(p, '/');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        char *tok = ht_cx_alloc(cx, n + 1);
        size_t j = 0;
        for (size_t i = 0; i < n; i++) {
            if (p[i] == '~') {
                if (i + 1 >= n || (p[i + 1] != '0' && p[i + 1] != '1')) return false;
                tok[j++] = p[i + 1] == '0' ? '~' : '/';
                i++;
            } else {
                tok[j++] = p[i];
            }
        }
        tok[j] = 0;
        if (v.k == HT_MAP) {
            ht_val *x = ht_map_get(v.v.m, tok, j);
            if (!x) return false;
            v = *x;
        } else if (v.k == HT_LIST) {
            int64_t idx;
            if (!ht_parse_int(tok, j, 10, &idx) || idx < 0 || idx >= (int64_t)list_len(v)) return false;
            v = list_at(v, (uint32_t)idx);
        } else {
            return false;
        }
        p += n;
    }
    *out = v;
    return true;
}

static const char *ptr_append(ht_ctx *cx, const char *ptr, const char *tok)
{
    ht_sb sb;
    ht_sb_init(&sb, cx);
    ht_sb_puts(&sb, ptr);
    ht_sb_putc(&sb, '/');
    put_ptr_tok(&sb, tok, strlen(tok));
    return ht_sb_val(&sb).v.s;
}

static const char *draft_id_key(int d) { return d == 4 ? "id" : "$id"; }

/* Draft.getID: $id without its fragment ("" when absent or ignored) */
static const char *get_id(ht_ctx *cx, int draft, ht_val obj)
{
    if (draft < 2019 && obj_get(obj, "$ref")) return "";
    const char *id = obj_str(obj, draft_id_key(draft));
    if (!id) return "";
    const char *h = strchr(id, '#');
    return h ? sdup(cx, id, (size_t)(h - id)) : id;
}

static int add_anchor(js_ctx *jc, js_root *r, js_res *res, const char *name, const char *ptr)
{
    ht_ctx *cx = jc->cx;
    for (uint32_t i = 0; i < res->nanchors; i++) {
        if (strcmp(res->anchors[i].name, name) == 0) {
            if (strcmp(res->anchor_ptrs[i], ptr) == 0) return 0;
            return fail(jc, "duplicate anchor %s in %s at %s and %s", gq(cx, name), gq(cx, r->url), gq(cx, res->anchor_ptrs[i]),
                        gq(cx, ptr));
        }
    }
    if (res->nanchors == res->capa) {
        uint32_t nc = res->capa ? res->capa * 2 : 4;
        js_named *na = ht_cx_alloc(cx, nc * sizeof *na);
        const char **np = ht_cx_alloc(cx, nc * sizeof *np);
        if (res->nanchors) {
            memcpy(na, res->anchors, res->nanchors * sizeof *na);
            memcpy(np, res->anchor_ptrs, res->nanchors * sizeof *np);
        }
        res->anchors = na;
        res->anchor_ptrs = np;
        res->capa = nc;
    }
    res->anchors[res->nanchors].name = name;
    res->anchors[res->nanchors].sch = NULL;
    res->anchor_ptrs[res->nanchors++] = ptr;
    return 0;
}

static int collect_anchors(js_ctx *jc, js_root *r, ht_val sch, const char *ptr, js_res *res)
{
    ht_ctx *cx = jc->cx;
    if (sch.k != HT_MAP) return 0;
    if (res->draft < 2019) {
        if (obj_get(sch, "$ref")) return 0;
        const char *id = obj_str(sch, draft_id_key(res->draft));
        if (id) {
            const char *h = strchr(id, '#');
            const char *frag = "";
            if (h && !path_unescape(cx, h + 1, strlen(h + 1), &frag))
                return fail(jc, "error in parsing anchor at %s", gq(cx, loc_string(cx, r->url, ptr)));
            if (frag[0] && frag[0] != '/' && add_anchor(jc, r, res, frag, ptr)) return -1;
        }
    }
    if (res->draft >= 2019) {
        const char *a = obj_str(sch, "$anchor");
        if (a && add_anchor(jc, r, res, a, ptr)) return -1;
    }
    if (res->draft >= 2020) {
        const char *a = obj_str(sch, "$dynamicAnchor");
        if (a) {
            if (add_anchor(jc, r, res, a, ptr)) return -1;
            GROW(res->dyn, res->ndyn, res->capd);
            res->dyn[res->ndyn++] = a;
        }
    }
    return 0;
}

static int collect_resources(js_comp *c, js_root *r, ht_val sch, const char *base, const char *ptr, int fallback);

static int collect_sub(js_comp *c, js_root *r, ht_val v, const char *base, const char *ptr, int draft)
{
    return collect_resources(c, r, v, base, ptr, draft);
}

/* the subschema locations of each draft (Draft.subschemas) */
static int collect_subschemas(js_comp *c, js_root *r, ht_val obj, const char *base, const char *ptr, int draft, int dial)
{
    ht_ctx *cx = c->jc->cx;
    static const char *maps4[] = {"definitions", "properties", "patternProperties", "dependencies", NULL};
    static const char *maps2019[] = {"$defs", "dependentSchemas", NULL};
    static const char *arrs4[] = {"allOf", "anyOf", "oneOf", "items", NULL};
    static const char *arrs2020[] = {"prefixItems", NULL};
    static const char *props4[] = {"not", "additionalProperties", "items", "additionalItems", NULL};
    static const char *props6[] = {"propertyNames", "contains", NULL};
    static const char *props7[] = {"if", "then", "else", NULL};
    static const char *props2019[] = {"unevaluatedProperties", "unevaluatedItems", "contentSchema", NULL};
    const char **maps[2] = {maps4, draft >= 2019 ? maps2019 : NULL};
    const char **arrs[2] = {arrs4, draft >= 2020 ? arrs2020 : NULL};
    const char **props[4] = {props4, draft >= 6 ? props6 : NULL, draft >= 7 ? props7 : NULL, draft >= 2019 ? props2019 : NULL};
    for (int g = 0; g < 4; g++) {
        if (!props[g]) continue;
        for (const char **k = props[g]; *k; k++) {
            ht_val *v = obj_get(obj, *k);
            if (v && collect_sub(c, r, *v, base, ptr_append(cx, ptr, *k), dial)) return -1;
        }
    }
    for (int g = 0; g < 2; g++) {
        if (!arrs[g]) continue;
        for (const char **k = arrs[g]; *k; k++) {
            ht_val *v = obj_get(obj, *k);
            if (!v || v->k != HT_LIST) continue;
            const char *p = ptr_append(cx, ptr, *k);
            for (uint32_t i = 0; i < list_len(*v); i++) {
                char ib[16];
                snprintf(ib, sizeof ib, "%u", i);
                if (collect_sub(c, r, list_at(*v, i), base, ptr_append(cx, p, ib), dial)) return -1;
            }
        }
    }
    for (int g = 0; g < 2; g++) {
        if (!maps[g]) continue;
        for (const char **k = maps[g]; *k; k++) {
            ht_val *v = obj_get(obj, *k);
            if (!v || v->k != HT_MAP) continue;
            const char *p = ptr_append(cx, ptr, *k);
            uint32_t n;
            ht_mentry **e = ht_map_sorted(cx, v->v.m, &n);
            for (uint32_t i = 0; i < n; i++)
                if (collect_sub(c, r, e[i]->val, base, ptr_append(cx, p, e[i]->key), dial)) return -1;
        }
    }
    return 0;
}

static int collect_resources(js_comp *c, js_root *r, ht_val sch, const char *base, const char *ptr, int fallback)
{
    js_ctx *jc = c->jc;
    ht_ctx *cx = jc->cx;
    if (is_processed(r, ptr)) return 0;
    if (++jc->depth > JS_MAX_DEPTH) return fail(jc, "values.schema.json is nested too deeply");
    int rc = -1;
    if (sch.k != HT_MAP) {
        if (!ptr[0]) {
            GROW(r->res, r->nres, r->capres);
            js_res *res = &r->res[r->nres++];
            memset(res, 0, sizeof *res);
            res->ptr = ptr;
            res->id = base;
            res->draft = fallback;
        }
        goto done;
    }
    bool has_schema = obj_str(sch, "$schema") != NULL;
    int draft = fallback;
    if (has_schema) {
        const char *s = obj_str(sch, "$schema");
        draft = draft_from_url(s);
        if (!draft) {
            const char *h = strchr(s, '#');
            const char *u = h ? sdup(cx, s, (size_t)(h - s)) : s;
            const char *e = js_url_parse(cx, u, strlen(u), NULL);
            if (e) {
                fail(jc, "invalid $schema in %s: %s", gq(cx, loc_string(cx, r->url, ptr)), e);
                goto out;
            }
            if (!ptr[0] && strcmp(u, r->url) == 0) {
                fail(jc, "draft %s is not supported", gq(cx, u));
                goto out;
            }
            fail(jc, "failing loading %s: custom metaschemas are not loaded (only the standard drafts are supported)",
                 gq(cx, u));
            goto out;
        }
    }
    const char *id = get_id(cx, draft, sch);
    if (!id[0] && ptr[0]) {
        draft = fallback;
        has_schema = false;
        id = get_id(cx, draft, sch);
    }
    js_res *res = NULL;
    if (id[0]) {
        const char *ferr = NULL;
        const char *nb = url_resolve(cx, base, id, &ferr);
        if (!nb) {
            fail(jc, "error in parsing id at %s", gq(cx, loc_string(cx, r->url, ptr)));
            goto out;
        }
        base = nb;
    }
    if (id[0] || !ptr[0]) {
        bool found = false;
        for (uint32_t i = 0; i < r->nres; i++) {
            if (strcmp(r->res[i].id, base) == 0) {
                found = true;
                if (strcmp(r->res[i].ptr, ptr) != 0) {
                    fail(jc, "duplicate id %s in %s at %s and %s", gq(cx, base), gq(cx, r->url), gq(cx, ptr),
                         gq(cx, r->res[i].ptr));
                    goto out;
                }
            }
        }
        if (!found) {
            GROW(r->res, r->nres, r->capres);
            res = &r->res[r->nres++];
            memset(res, 0, sizeof *res);
            res->ptr = ptr;
            res->id = base;
            res->draft = has_schema ? draft : fallback;
        }
    }
    js_res *base_res = NULL;
    for (uint32_t i = 0; i < r->nres; i++)
        if (strcmp(r->res[i].id, base) == 0) { base_res = &r->res[i]; break; }
    if (!base_res) {
        fail(jc, "internal error: schema resource missing");
        goto out;
    }
    if (collect_anchors(jc, r, sch, ptr, base_res)) goto out;
    {
        /* collect_subschemas may grow r->res: take the values needed first */
        int dial = base_res->draft;
        if (collect_subschemas(c, r, sch, base, ptr, draft, dial)) goto out;
    }
done:
    GROW(r->processed, r->nprocessed, r->capprocessed);
    r->processed[r->nprocessed++] = ptr;
    rc = 0;
out:
    jc->depth--;
    return rc;
}

/* ------------------------------------------------------------- compile */

static int validate_meta(js_comp *c, js_root *r, ht_val v, const char *ptr);

static uint32_t hash_str(const char *s)
{
    uint32_t h = 2166136261u;
    for (; *s; s++) h = (h ^ (unsigned char)*s) * 16777619u;
    return h;
}

static js_root *find_root(js_comp *c, const char *url)
{
    for (uint32_t i = 0; i < c->nroots; i++)
        if (strcmp(c->roots[i]->url, url) == 0) return c->roots[i];
    return NULL;
}

/* roots.orLoad */
static js_root *or_load(js_comp *c, const char *url)
{
    js_ctx *jc = c->jc;
    ht_ctx *cx = jc->cx;
    js_root *r = find_root(c, url);
    if (r) return r;
    ht_val doc;
    if (c->added_url && strcmp(c->added_url, url) == 0) {
        doc = c->added_doc;
    } else {
        const char *m = js_metaschema_doc(url);
        if (!m) {
            fail(jc, "failing loading %s: schemas outside values.schema.json are not loaded", gq(cx, url));
            return NULL;
        }
        if (ht_json_decode(cx, m, strlen(m), &doc)) return NULL;
    }
    r = ht_cx_alloc(cx, sizeof *r);
    memset(r, 0, sizeof *r);
    r->url = url;
    r->doc = doc;
    if (collect_resources(c, r, doc, url, "", 2020)) return NULL;
    bool is_meta = strncmp(url, "http://json-schema.org/", 23) == 0 || strncmp(url, "https://json-schema.org/", 24) == 0;
    GROW(c->roots, c->nroots, c->caproots);
    c->roots[c->nroots++] = r;
    if (!is_meta && validate_meta(c, r, doc, "")) {
        c->nroots--;
        return NULL;
    }
    return r;
}

static js_sch *enqueue(js_comp *c, js_root *r, const char *ptr)
{
    ht_ctx *cx = c->jc->cx;
    const char *loc = loc_string(cx, r->url, ptr);
    uint32_t h = hash_str(loc) & 1023;
    for (js_sch *s = c->tab[h]; s; s = s->hnext)
        if (strcmp(s->loc, loc) == 0) return s;
    js_sch *s = ht_cx_alloc(cx, sizeof *s);
    memset(s, 0, sizeof *s);
    s->loc = loc;
    s->root = r;
    s->ptr = ptr;
    s->boolean = -1;
    s->min_length = s->max_length = s->min_items = s->max_items = s->min_props = s->max_props = -1;
    s->min_contains = s->max_contains = -1;
    s->hnext = c->tab[h];
    c->tab[h] = s;
    GROW(c->q, c->nq, c->capq);
    c->q[c->nq++] = s;
    return s;
}

/* resolve a fragment in a resource: json pointer or anchor */
static js_sch *resolve_fragment_in(js_comp *c, js_root *r, js_res *res, const char *frag)
{
    ht_ctx *cx = c->jc->cx;
    if (!frag[0] || frag[0] == '/') {
        ht_sb sb;
        ht_sb_init(&sb, cx);
        ht_sb_puts(&sb, res->ptr);
        ht_sb_puts(&sb, frag);
        return enqueue(c, r, ht_sb_val(&sb).v.s);
    }
    for (uint32_t i = 0; i < res->nanchors; i++)
        if (strcmp(res->anchors[i].name, frag) == 0) return enqueue(c, r, res->anchor_ptrs[i]);
    ht_sb sb;
    ht_sb_init(&sb, cx);
    ht_sb_puts(&sb, res->id);
    ht_sb_putc(&sb, '#');
    put_encoded_ptr(&sb, frag);
    fail(c->jc, "anchor in %s not found in schema %s", gq(cx, ht_sb_val(&sb).v.s), gq(cx, r->url));
    return NULL;
}

static js_sch *enqueue_ref(js_comp *c, js_sch *s, const char *ref)
{
    js_ctx *jc = c->jc;
    ht_ctx *cx = jc->cx;
    js_res *res = root_resource(s->root, s->ptr);
    const char *h = strchr(ref, '#');
    const char *refu = h ? sdup(cx, ref, (size_t)(h - ref)) : ref;
    const char *frag = "";
    if (h && !path_unescape(cx, h + 1, strlen(h + 1), &frag)) {
        fail(jc, "error in parsing %s", gq(cx, ref));
        return NULL;
    }
    const char *err = NULL;
    const char *url = url_resolve(cx, res->id, refu, &err);
    if (!url) {
        fail(jc, "%s", err);
        return NULL;
    }
    js_root *r = s->root;
    js_res *target = NULL;
    if (strcmp(url, r->url) == 0) {
        target = root_resource(r, "");
    } else {
        for (uint32_t i = 0; i < r->nres; i++)
            if (strcmp(r->res[i].id, url) == 0) { target = &r->res[i]; break; }
    }
    if (target) return resolve_fragment_in(c, r, target, frag);
    js_root *ext = or_load(c, url);
    if (!ext) return NULL;
    return resolve_fragment_in(c, ext, root_resource(ext, ""), frag);
}

static js_sch *enqueue_prop(js_comp *c, js_sch *s, ht_val obj, const char *k)
{
    if (!obj_get(obj, k)) return NULL;
    return enqueue(c, s->root, ptr_append(c->jc->cx, s->ptr, k));
}

static js_sch **enqueue_arr(js_comp *c, js_sch *s, ht_val obj, const char *k, uint32_t *n)
{
    ht_ctx *cx = c->jc->cx;
    ht_val *v = obj_get(obj, k);
    *n = 0;
    if (!v || v->k != HT_LIST) return NULL;
    uint32_t len = list_len(*v);
    js_sch **arr = ht_cx_alloc(cx, (len ? len : 1) * sizeof *arr);
    const char *p = ptr_append(cx, s->ptr, k);
    for (uint32_t i = 0; i < len; i++) {
        char ib[16];
        snprintf(ib, sizeof ib, "%u", i);
        arr[i] = enqueue(c, s->root, ptr_append(cx, p, ib));
    }
    *n = len;
    return arr;
}

static js_named *enqueue_map(js_comp *c, js_sch *s, ht_val obj, const char *k, uint32_t *n)
{
    ht_ctx *cx = c->jc->cx;
    ht_val *v = obj_get(obj, k);
    *n = 0;
    if (!v || v->k != HT_MAP) return NULL;
    uint32_t len;
    ht_mentry **e = ht_map_sorted(cx, v->v.m, &len);
    js_named *arr = ht_cx_alloc(cx, (len ? len : 1) * sizeof *arr);
    const char *p = ptr_append(cx, s->ptr, k);
    for (uint32_t i = 0; i < len; i++) {
        arr[i].name = e[i]->key;
        arr[i].sch = enqueue(c, s->root, ptr_append(cx, p, e[i]->key));
    }
    *n = len;
    return arr;
}

static int enqueue_additional(js_comp *c, js_sch *s, ht_val obj, const char *k, bool *b, js_sch **sch)
{
    ht_val *v = obj_get(obj, k);
    if (!v) return 0;
    if (v->k == HT_BOOL) {
        *b = v->v.b;
        return 1;
    }
    *sch = enqueue(c, s->root, ptr_append(c->jc->cx, s->ptr, k));
    return 2;
}

static js_num *num_val(ht_ctx *cx, ht_val obj, const char *k)
{
    ht_val *v = obj_get(obj, k);
    if (!v || type_of(*v) != T_NUM) return NULL;
    js_num *n = ht_cx_alloc(cx, sizeof *n);
    if (!val_num(cx, *v, n)) return NULL;
    return n;
}

static long long int_val(ht_ctx *cx, ht_val obj, const char *k)
{
    js_num *n = num_val(cx, obj, k);
    if (!n) return -1;
    if (n->nd > n->exp) return -1; /* not an integer */
    if (n->exp > 18) return n->neg ? -1 : (long long)1e18;
    long long v = 0;
    for (int i = 0; i < n->exp; i++) v = v * 10 + (i < n->nd ? n->d[i] - '0' : 0);
    return n->neg ? -v : v;
}

static bool bool_val(ht_val obj, const char *k)
{
    ht_val *v = obj_get(obj, k);
    return v && v->k == HT_BOOL && v->v.b;
}

static const char **str_list(ht_ctx *cx, ht_val v, uint32_t *n)
{
    uint32_t len = list_len(v), j = 0;
    const char **arr = ht_cx_alloc(cx, (len ? len : 1) * sizeof *arr);
    for (uint32_t i = 0; i < len; i++)
        if (list_at(v, i).k == HT_STRING) arr[j++] = list_at(v, i).v.s;
    *n = j;
    return arr;
}

static ht_regex *compile_regex(js_ctx *jc, const char *src, const char *where)
{
    ht_ctx *cx = jc->cx;
    char err[512];
    ht_regex *re = ht_regex_compile(src, strlen(src), err, sizeof err);
    if (!re) {
        fail(jc, "invalid regex %s at %s: %s", gq(cx, src), gq(cx, where), err);
        return NULL;
    }
    if (jc->nregex == jc->capregex) {
        uint32_t nc = jc->capregex ? jc->capregex * 2 : 16;
        ht_regex **nr = realloc(jc->regexes, nc * sizeof *nr);
        if (!nr) {
            ht_regex_free(re);
            fail(jc, "out of memory");
            return NULL;
        }
        jc->regexes = nr;
        jc->capregex = nc;
    }
    jc->regexes[jc->nregex++] = re;
    return re;
}

static const char *kw_loc(ht_ctx *cx, js_sch *s, const char *k)
{
    ht_sb sb;
    ht_sb_init(&sb, cx);
    ht_sb_puts(&sb, s->loc);
    ht_sb_putc(&sb, '/');
    ht_sb t;
    ht_sb_init(&t, cx);
    put_ptr_tok(&t, k, strlen(k));
    put_encoded_ptr(&sb, ht_sb_val(&t).v.s);
    return ht_sb_val(&sb).v.s;
}

static int compile_object(js_comp *c, js_sch *s, ht_val obj)
{
    js_ctx *jc = c->jc;
    ht_ctx *cx = jc->cx;
    int d = s->draft;
    /* draft 4 keywords */
    const char *ref = obj_str(obj, "$ref");
    if (ref) {
        s->ref = enqueue_ref(c, s, ref);
        if (!s->ref) return -1;
        if (d < 2019) return 0;
    }
    s->all_of = enqueue_arr(c, s, obj, "allOf", &s->nall);
    s->any_of = enqueue_arr(c, s, obj, "anyOf", &s->nany);
    s->one_of = enqueue_arr(c, s, obj, "oneOf", &s->none);
    s->not_ = enqueue_prop(c, s, obj, "not");
    if (d < 2020) {
        ht_val *items = obj_get(obj, "items");
        if (items) {
            if (items->k == HT_LIST) {
                s->items_is_arr = true;
                s->items_arr = enqueue_arr(c, s, obj, "items", &s->nitems_arr);
                s->addl_items_kind = enqueue_additional(c, s, obj, "additionalItems", &s->addl_items_bool, &s->addl_items);
            } else {
                s->items = enqueue_prop(c, s, obj, "items");
            }
        }
    }
    s->props = enqueue_map(c, s, obj, "properties", &s->nprops);
    {
        uint32_t n;
        js_named *pp = enqueue_map(c, s, obj, "patternProperties", &n);
        if (pp) {
            s->pprops = ht_cx_alloc(cx, (n ? n : 1) * sizeof *s->pprops);
            for (uint32_t i = 0; i < n; i++) {
                s->pprops[i].src = pp[i].name;
                s->pprops[i].sch = pp[i].sch;
                s->pprops[i].re = compile_regex(jc, pp[i].name, kw_loc(cx, s, "patternProperties"));
                if (!s->pprops[i].re) return -1;
            }
            s->npprops = n;
        }
    }
    s->addl_props_kind = enqueue_additional(c, s, obj, "additionalProperties", &s->addl_props_bool, &s->addl_props);
    {
        ht_val *deps = obj_get(obj, "dependencies");
        if (deps && deps->k == HT_MAP) {
            uint32_t n;
            ht_mentry **e = ht_map_sorted(cx, deps->v.m, &n);
            s->deps = ht_cx_alloc(cx, (n ? n : 1) * sizeof *s->deps);
            const char *p = ptr_append(cx, s->ptr, "dependencies");
            for (uint32_t i = 0; i < n; i++) {
                js_dep *dp = &s->deps[i];
                memset(dp, 0, sizeof *dp);
                dp->name = e[i]->key;
                if (e[i]->val.k == HT_LIST) dp->req = str_list(cx, e[i]->val, &dp->nreq);
                else dp->sch = enqueue(c, s->root, ptr_append(cx, p, e[i]->key));
            }
            s->ndeps = n;
        }
    }
    ht_val *t = obj_get(obj, "type");
    if (t) {
        if (t->k == HT_STRING) s->types |= type_from_name(t->v.s);
        else if (t->k == HT_LIST)
            for (uint32_t i = 0; i < list_len(*t); i++)
                if (list_at(*t, i).k == HT_STRING) s->types |= type_from_name(list_at(*t, i).v.s);
    }
    ht_val *en = obj_get(obj, "enum");
    if (en && en->k == HT_LIST) {
        s->has_enum = true;
        s->nenum = list_len(*en);
        s->enum_vals = s->nenum ? en->v.l->items : NULL;
        for (uint32_t i = 0; i < s->nenum; i++) s->enum_types |= type_of(s->enum_vals[i]);
    }
    s->multiple_of = num_val(cx, obj, "multipleOf");
    s->maximum = num_val(cx, obj, "maximum");
    if (bool_val(obj, "exclusiveMaximum")) {
        s->exclusive_maximum = s->maximum;
        s->maximum = NULL;
    } else {
        s->exclusive_maximum = num_val(cx, obj, "exclusiveMaximum");
    }
    s->minimum = num_val(cx, obj, "minimum");
    if (bool_val(obj, "exclusiveMinimum")) {
        s->exclusive_minimum = s->minimum;
        s->minimum = NULL;
    } else {
        s->exclusive_minimum = num_val(cx, obj, "exclusiveMinimum");
    }
    s->min_length = int_val(cx, obj, "minLength");
    s->max_length = int_val(cx, obj, "maxLength");
    const char *pat = obj_str(obj, "pattern");
    if (pat) {
        s->pattern = compile_regex(jc, pat, kw_loc(cx, s, "pattern"));
        if (!s->pattern) return -1;
        s->pattern_src = pat;
    }
    s->min_items = int_val(cx, obj, "minItems");
    s->max_items = int_val(cx, obj, "maxItems");
    s->unique_items = bool_val(obj, "uniqueItems");
    s->max_props = int_val(cx, obj, "maxProperties");
    s->min_props = int_val(cx, obj, "minProperties");
    ht_val *req = obj_get(obj, "required");
    if (req && req->k == HT_LIST) s->required = str_list(cx, *req, &s->nrequired);
    if (c->assert_format || d < 2019) {
        const char *f = obj_str(obj, "format");
        if (f) {
            s->format_name = f;
            s->format = js_format_lookup(f);
        }
    }
    if (d >= 6) {
        s->contains = enqueue_prop(c, s, obj, "contains");
        s->property_names = enqueue_prop(c, s, obj, "propertyNames");
        ht_val *cv = obj_get(obj, "const");
        if (cv) {
            s->has_const = true;
            s->const_val = *cv;
        }
    }
    if (d >= 7) {
        s->if_ = enqueue_prop(c, s, obj, "if");
        if (s->if_) {
            ht_val *b = obj_get(obj, "if");
            bool isb = b->k == HT_BOOL;
            if (!isb || b->v.b) s->then_ = enqueue_prop(c, s, obj, "then");
            if (!isb || !b->v.b) s->else_ = enqueue_prop(c, s, obj, "else");
        }
    }
    if (d >= 2019) {
        const char *rr = obj_str(obj, "$recursiveRef");
        if (rr) {
            s->recursive_ref = enqueue_ref(c, s, rr);
            if (!s->recursive_ref) return -1;
        }
        s->recursive_anchor = bool_val(obj, "$recursiveAnchor");
        if (s->contains) {
            s->min_contains = int_val(cx, obj, "minContains");
            s->max_contains = int_val(cx, obj, "maxContains");
        }
        ht_val *dr = obj_get(obj, "dependentRequired");
        if (dr && dr->k == HT_MAP) {
            uint32_t n;
            ht_mentry **e = ht_map_sorted(cx, dr->v.m, &n);
            s->dep_required = ht_cx_alloc(cx, (n ? n : 1) * sizeof *s->dep_required);
            uint32_t j = 0;
            for (uint32_t i = 0; i < n; i++) {
                if (e[i]->val.k != HT_LIST) continue;
                js_dep *dp = &s->dep_required[j++];
                memset(dp, 0, sizeof *dp);
                dp->name = e[i]->key;
                dp->req = str_list(cx, e[i]->val, &dp->nreq);
            }
            s->ndep_required = j;
        }
        s->dep_schemas = enqueue_map(c, s, obj, "dependentSchemas", &s->ndep_schemas);
        s->uneval_items = enqueue_prop(c, s, obj, "unevaluatedItems");
        s->uneval_props = enqueue_prop(c, s, obj, "unevaluatedProperties");
    }
    if (d >= 2020) {
        const char *dr = obj_str(obj, "$dynamicRef");
        if (dr) {
            s->dynamic_ref = enqueue_ref(c, s, dr);
            if (!s->dynamic_ref) return -1;
            const char *h = strchr(dr, '#');
            const char *frag = "";
            if (h && !path_unescape(cx, h + 1, strlen(h + 1), &frag)) frag = "";
            s->dynamic_ref_anchor = (frag[0] && frag[0] != '/') ? frag : "";
        }
        s->dynamic_anchor = obj_str(obj, "$dynamicAnchor");
        s->prefix_items = enqueue_arr(c, s, obj, "prefixItems", &s->nprefix);
        s->items2020 = enqueue_prop(c, s, obj, "items");
    }
    return 0;
}

static int compile_value(js_comp *c, js_sch *s)
{
    js_ctx *jc = c->jc;
    ht_ctx *cx = jc->cx;
    js_root *r = s->root;
    ht_val v;
    if (!ptr_lookup(cx, r->doc, s->ptr, &v))
        return fail(jc, "json-pointer in %s not found", gq(cx, s->loc));
    js_res *res = root_resource(r, s->ptr);
    s->draft = res->draft;
    s->resource = enqueue(c, r, res->ptr);
    if (s->draft >= 2020 && s->resource == s) {
        for (uint32_t i = 0; i < res->nanchors; i++) {
            bool dyn = false;
            for (uint32_t k = 0; k < res->ndyn; k++)
                if (strcmp(res->dyn[k], res->anchors[i].name) == 0) dyn = true;
            if (!dyn) continue;
            js_named *nd = ht_cx_alloc(cx, (s->ndyn + 1) * sizeof *nd);
            if (s->ndyn) memcpy(nd, s->dyn_anchors, s->ndyn * sizeof *nd);
            nd[s->ndyn].name = res->anchors[i].name;
            nd[s->ndyn].sch = enqueue(c, r, res->anchor_ptrs[i]);
            s->dyn_anchors = nd;
            s->ndyn++;
        }
    }
    if (v.k == HT_BOOL) {
        s->boolean = v.v.b;
    } else if (v.k == HT_MAP) {
        if (!ht_map_len(v.v.m)) s->boolean = 1;
        else if (compile_object(c, s, v)) return -1;
    }
    s->all_props_evaluated = s->addl_props_kind != 0;
    if (s->draft < 2020) {
        s->all_items_evaluated = s->addl_items_kind != 0;
        if (s->items) s->all_items_evaluated = true;
        else if (s->items_is_arr) s->num_items_evaluated = s->nitems_arr;
    } else {
        s->all_items_evaluated = s->items2020 != NULL;
        s->num_items_evaluated = s->nprefix;
    }
    s->compiled = true;
    return 0;
}

/* roots.ensureSubschema: a schema at a location no walk has visited yet */
static int ensure_subschema(js_comp *c, js_sch *s)
{
    js_ctx *jc = c->jc;
    ht_ctx *cx = jc->cx;
    js_root *r = s->root;
    if (is_processed(r, s->ptr)) return 0;
    ht_val v;
    if (!ptr_lookup(cx, r->doc, s->ptr, &v)) return fail(jc, "json-pointer in %s not found", gq(cx, s->loc));
    js_res *base = root_resource(r, s->ptr);
    bool had = false;
    for (uint32_t i = 0; i < r->nres; i++)
        if (strcmp(r->res[i].ptr, s->ptr) == 0) had = true;
    if (collect_resources(c, r, v, base->id, s->ptr, base->draft)) return -1;
    if (!had) {
        bool now = false;
        for (uint32_t i = 0; i < r->nres; i++)
            if (strcmp(r->res[i].ptr, s->ptr) == 0) now = true;
        if (!now && collect_anchors(jc, r, v, s->ptr, root_resource(r, s->ptr))) return -1;
    }
    bool is_meta = strncmp(r->url, "http://json-schema.org/", 23) == 0 || strncmp(r->url, "https://json-schema.org/", 24) == 0;
    if (!is_meta && validate_meta(c, r, v, s->ptr)) return -1;
    return 0;
}

static js_sch *compile(js_comp *c, const char *url, const char *frag)
{
    js_root *r = or_load(c, url);
    if (!r) return NULL;
    js_sch *top = resolve_fragment_in(c, r, root_resource(r, ""), frag);
    if (!top) return NULL;
    for (uint32_t i = 0; i < c->nq; i++) {
        js_sch *s = c->q[i];
        if (s->compiled) continue;
        if (ensure_subschema(c, s)) return NULL;
        if (compile_value(c, s)) return NULL;
    }
    return top;
}

/* ------------------------------------------------------------- validation */

enum { EK_OTHER, EK_SCHEMA, EK_GROUP, EK_REF };

typedef struct js_err js_err;
struct js_err {
    uint8_t kind;
    const char *iloc;
    const char *msg;
    js_err **causes;
    uint32_t ncauses;
};

typedef struct js_vloc {
    const struct js_vloc *up;
    const char *tok;
} js_vloc;

typedef struct js_scope {
    js_sch *sch;
    const char *ref_kw;
    int vid;
    const struct js_scope *parent;
} js_scope;

typedef struct js_uneval {
    uint8_t *props; /* bit per key in sorted order */
    uint32_t nprops, cprops;
    uint8_t *items;
    uint32_t nitems, citems;
} js_uneval;

typedef struct js_vd {
    js_ctx *jc;
    ht_val v;
    const js_vloc *vloc;
    js_sch *sch;
    const js_scope *scp;
    js_uneval *uneval;
    js_err **errs;
    uint32_t nerr, caperr;
    bool bool_result;
} js_vd;

static js_err dummy_err;

static js_uneval *uneval_from(ht_ctx *cx, ht_val v, js_sch *s, bool caller_needs)
{
    js_uneval *u = ht_cx_alloc(cx, sizeof *u);
    memset(u, 0, sizeof *u);
    if (v.k == HT_MAP) {
        if (!s->all_props_evaluated && (caller_needs || s->uneval_props)) {
            uint32_t n = ht_map_len(v.v.m);
            u->nprops = n;
            u->props = ht_cx_alloc(cx, n / 8 + 1);
            memset(u->props, 0, n / 8 + 1);
            for (uint32_t i = 0; i < n; i++) u->props[i / 8] |= (uint8_t)(1u << (i % 8));
            u->cprops = n;
        }
    } else if (v.k == HT_LIST) {
        uint32_t n = list_len(v);
        if (!s->all_items_evaluated && (caller_needs || s->uneval_items) && s->num_items_evaluated < n) {
            u->nitems = n;
            u->items = ht_cx_alloc(cx, n / 8 + 1);
            memset(u->items, 0, n / 8 + 1);
            for (uint32_t i = s->num_items_evaluated; i < n; i++) u->items[i / 8] |= (uint8_t)(1u << (i % 8));
            u->citems = n - s->num_items_evaluated;
        }
    }
    return u;
}

static bool uneval_empty(const js_uneval *u) { return u->cprops == 0 && u->citems == 0; }

static bool bit(const uint8_t *b, uint32_t n, uint32_t i) { return b && i < n && (b[i / 8] >> (i % 8)) & 1; }

static void bit_clear(uint8_t *b, uint32_t *count, uint32_t n, uint32_t i)
{
    if (bit(b, n, i)) {
        b[i / 8] &= (uint8_t) ~(1u << (i % 8));
        (*count)--;
    }
}

static void uneval_merge(js_uneval *u, const js_uneval *o)
{
    for (uint32_t i = 0; i < u->nprops; i++)
        if (bit(u->props, u->nprops, i) && !bit(o->props, o->nprops, i)) bit_clear(u->props, &u->cprops, u->nprops, i);
    for (uint32_t i = 0; i < u->nitems; i++)
        if (bit(u->items, u->nitems, i) && !bit(o->items, o->nitems, i)) bit_clear(u->items, &u->citems, u->nitems, i);
}

static const char *vloc_string(ht_ctx *cx, const js_vloc *l)
{
    const js_vloc *st[256];
    size_t n = 0;
    const js_vloc *deep = l;
    for (; l && n < 256; l = l->up) st[n++] = l;
    ht_sb sb;
    ht_sb_init(&sb, cx);
    if (deep && n == 256) ht_sb_puts(&sb, "/...");
    while (n--) {
        ht_sb_putc(&sb, '/');
        put_ptr_tok(&sb, st[n]->tok, strlen(st[n]->tok));
    }
    ht_sb_putc(&sb, 0);
    sb.len--;
    return sb.p ? sb.p : "";
}

static js_err *mkerr(js_vd *vd, const char *msg, int kind)
{
    if (vd->bool_result) return &dummy_err;
    ht_ctx *cx = vd->jc->cx;
    js_err *e = ht_cx_alloc(cx, sizeof *e);
    memset(e, 0, sizeof *e);
    e->kind = (uint8_t)kind;
    e->iloc = vloc_string(cx, vd->vloc);
    e->msg = msg;
    return e;
}

static void add_err(js_vd *vd, js_err *e)
{
    if (!e) return;
    ht_ctx *cx = vd->jc->cx;
    GROW(vd->errs, vd->nerr, vd->caperr);
    vd->errs[vd->nerr++] = e;
}

static void add_error(js_vd *vd, const char *msg) { add_err(vd, mkerr(vd, msg, EK_OTHER)); }

static void add_errors(js_vd *vd, js_err **causes, uint32_t n, const char *msg)
{
    js_err *e = mkerr(vd, msg, EK_OTHER);
    if (e != &dummy_err) {
        e->causes = causes;
        e->ncauses = n;
    }
    add_err(vd, e);
}

static js_err *vd_validate(js_vd *vd);

static js_err *validate_self(js_vd *vd, js_sch *s, const char *ref_kw, bool bool_result)
{
    ht_ctx *cx = vd->jc->cx;
    js_scope scp = {s, ref_kw, vd->scp->vid, vd->scp};
    js_vd sub = {0};
    sub.jc = vd->jc;
    sub.v = vd->v;
    sub.vloc = vd->vloc;
    sub.sch = s;
    sub.scp = &scp;
    sub.uneval = uneval_from(cx, vd->v, s, !uneval_empty(vd->uneval));
    sub.bool_result = vd->bool_result || bool_result;
    js_err *e = vd_validate(&sub);
    if (!e) uneval_merge(vd->uneval, sub.uneval);
    return e;
}

static js_err *validate_val(js_vd *vd, js_sch *s, ht_val v, const char *tok)
{
    ht_ctx *cx = vd->jc->cx;
    js_vloc loc = {vd->vloc, tok};
    js_scope scp = {s, NULL, vd->scp->vid + 1, vd->scp};
    js_vd sub = {0};
    sub.jc = vd->jc;
    sub.v = v;
    sub.vloc = &loc;
    sub.sch = s;
    sub.scp = &scp;
    sub.uneval = uneval_from(cx, v, s, false);
    sub.bool_result = vd->bool_result;
    return vd_validate(&sub);
}

static js_err *validate_ref(js_vd *vd, js_sch *s, const char *kw)
{
    js_err *e = validate_self(vd, s, kw, false);
    if (!e) return NULL;
    js_err *re = mkerr(vd, "validation failed", EK_REF);
    if (re == &dummy_err) return re;
    if (e->kind == EK_GROUP) {
        re->causes = e->causes;
        re->ncauses = e->ncauses;
    } else {
        re->causes = ht_cx_alloc(vd->jc->cx, sizeof *re->causes);
        re->causes[0] = e;
        re->ncauses = 1;
    }
    return re;
}

static const char *itoa_tok(ht_ctx *cx, uint32_t i) { return sbf(cx, "%u", i); }

static const char *scope_kwloc(ht_ctx *cx, const js_scope *sc)
{
    ht_sb sb;
    ht_sb_init(&sb, cx);
    const char *loc = "";
    for (; sc->parent; sc = sc->parent) {
        ht_sb_init(&sb, cx);
        if (sc->ref_kw) {
            ht_sb_putc(&sb, '/');
            put_ptr_tok(&sb, sc->ref_kw, strlen(sc->ref_kw));
        } else {
            const char *cur = sc->sch->loc, *par = sc->parent->sch->loc;
            size_t pl = strlen(par);
            if (strlen(cur) >= pl) ht_sb_puts(&sb, cur + pl);
        }
        ht_sb_puts(&sb, loc);
        loc = ht_sb_val(&sb).v.s;
    }
    return loc;
}

static const char *count_msg(ht_ctx *cx, const char *what, long long got, long long want)
{
    ht_sb sb;
    ht_sb_init(&sb, cx);
    ht_sb_puts(&sb, what);
    ht_sb_puts(&sb, ": got ");
    put_int(&sb, got);
    ht_sb_puts(&sb, ", want ");
    put_int(&sb, want);
    return ht_sb_val(&sb).v.s;
}

static void obj_validate(js_vd *vd, ht_val v)
{
    js_sch *s = vd->sch;
    ht_ctx *cx = vd->jc->cx;
    uint32_t n;
    ht_mentry **ents = ht_map_sorted(cx, v.v.m, &n);
    ht_sb sb;
    if (s->min_props >= 0 && (long long)n < s->min_props)
        add_error(vd, vd->bool_result ? NULL : count_msg(cx, "minProperties", n, s->min_props));
    if (s->max_props >= 0 && (long long)n > s->max_props)
        add_error(vd, vd->bool_result ? NULL : count_msg(cx, "maxProperties", n, s->max_props));
    if (s->nrequired) {
        ht_sb_init(&sb, cx);
        uint32_t missing = 0;
        const char *first = NULL;
        for (uint32_t i = 0; i < s->nrequired; i++) {
            if (ht_map_get(v.v.m, s->required[i], strlen(s->required[i]))) continue;
            if (missing++) ht_sb_puts(&sb, ", ");
            else first = s->required[i];
            put_squote(&sb, s->required[i], strlen(s->required[i]));
        }
        if (missing) {
            ht_sb m;
            ht_sb_init(&m, cx);
            if (missing == 1) {
                ht_sb_puts(&m, "missing property ");
                put_squote(&m, first, strlen(first));
            } else {
                ht_sb_puts(&m, "missing properties ");
                ht_sb_put(&m, sb.p, sb.len);
            }
            add_error(vd, ht_sb_val(&m).v.s);
        }
    }
    if (vd->bool_result && vd->nerr) return;
    for (uint32_t i = 0; i < s->ndeps; i++) {
        js_dep *dp = &s->deps[i];
        if (!ht_map_get(v.v.m, dp->name, strlen(dp->name))) continue;
        if (dp->sch) {
            add_err(vd, validate_self(vd, dp->sch, NULL, false));
            continue;
        }
        ht_sb_init(&sb, cx);
        uint32_t missing = 0;
        for (uint32_t k = 0; k < dp->nreq; k++) {
            if (ht_map_get(v.v.m, dp->req[k], strlen(dp->req[k]))) continue;
            if (missing++) ht_sb_puts(&sb, ", ");
            put_squote(&sb, dp->req[k], strlen(dp->req[k]));
        }
        if (missing) {
            ht_sb m;
            ht_sb_init(&m, cx);
            ht_sb_puts(&m, "properties ");
            ht_sb_put(&m, sb.p, sb.len);
            ht_sb_puts(&m, " required, if ");
            put_squote(&m, dp->name, strlen(dp->name));
            ht_sb_puts(&m, " exists");
            add_error(vd, ht_sb_val(&m).v.s);
        }
    }
    ht_sb addl;
    ht_sb_init(&addl, cx);
    uint32_t naddl = 0;
    for (uint32_t i = 0; i < n; i++) {
        if (vd->bool_result && vd->nerr) return;
        const char *pname = ents[i]->key;
        ht_val pv = ents[i]->val;
        bool evaluated = false;
        for (uint32_t k = 0; k < s->nprops; k++) {
            if (strcmp(s->props[k].name, pname) == 0) {
                evaluated = true;
                add_err(vd, validate_val(vd, s->props[k].sch, pv, pname));
                break;
            }
        }
        for (uint32_t k = 0; k < s->npprops; k++) {
            if (ht_regex_exec(s->pprops[k].re, pname, ents[i]->klen, 0, NULL)) {
                evaluated = true;
                add_err(vd, validate_val(vd, s->pprops[k].sch, pv, pname));
            }
        }
        if (!evaluated && s->addl_props_kind) {
            evaluated = true;
            if (s->addl_props_kind == 1) {
                if (!s->addl_props_bool) {
                    if (naddl++) ht_sb_puts(&addl, ", ");
                    put_squote(&addl, pname, ents[i]->klen);
                }
            } else {
                add_err(vd, validate_val(vd, s->addl_props, pv, pname));
            }
        }
        if (evaluated) bit_clear(vd->uneval->props, &vd->uneval->cprops, vd->uneval->nprops, i);
    }
    if (naddl) {
        ht_sb m;
        ht_sb_init(&m, cx);
        ht_sb_puts(&m, "additional properties ");
        ht_sb_put(&m, addl.p, addl.len);
        ht_sb_puts(&m, " not allowed");
        add_error(vd, ht_sb_val(&m).v.s);
    }
    if (s->draft == 4) return;
    if (s->property_names) {
        for (uint32_t i = 0; i < n; i++) {
            /* propertyNames validates the name as a new instance at this location */
            js_scope scp = {s->property_names, NULL, vd->scp->vid + 1, NULL};
            js_vd sub = {0};
            sub.jc = vd->jc;
            sub.v = ht_str_static(ents[i]->key, ents[i]->klen);
            sub.vloc = NULL;
            sub.sch = s->property_names;
            sub.scp = &scp;
            sub.uneval = uneval_from(cx, sub.v, s->property_names, false);
            sub.bool_result = vd->bool_result;
            js_err *e = vd_validate(&sub);
            if (e) {
                const char *m = NULL;
                if (!vd->bool_result) {
                    ht_sb_init(&sb, cx);
                    ht_sb_puts(&sb, "invalid propertyName ");
                    put_squote(&sb, ents[i]->key, ents[i]->klen);
                    m = ht_sb_val(&sb).v.s;
                }
                js_err *pe = mkerr(vd, m, EK_OTHER);
                if (pe != &dummy_err) {
                    /* the library keeps the causes of the nested validation */
                    if (e->kind == EK_GROUP) {
                        pe->causes = e->causes;
                        pe->ncauses = e->ncauses;
                    } else {
                        pe->causes = ht_cx_alloc(cx, sizeof *pe->causes);
                        pe->causes[0] = e;
                        pe->ncauses = 1;
                    }
                }
                add_err(vd, pe);
            }
        }
    }
    if (s->draft == 6) return;
    for (uint32_t i = 0; i < s->ndep_schemas; i++)
        if (ht_map_get(v.v.m, s->dep_schemas[i].name, strlen(s->dep_schemas[i].name)))
            add_err(vd, validate_self(vd, s->dep_schemas[i].sch, NULL, false));
    for (uint32_t i = 0; i < s->ndep_required; i++) {
        js_dep *dp = &s->dep_required[i];
        if (!ht_map_get(v.v.m, dp->name, strlen(dp->name))) continue;
        ht_sb_init(&sb, cx);
        uint32_t missing = 0;
        for (uint32_t k = 0; k < dp->nreq; k++) {
            if (ht_map_get(v.v.m, dp->req[k], strlen(dp->req[k]))) continue;
            if (missing++) ht_sb_puts(&sb, ", ");
            put_squote(&sb, dp->req[k], strlen(dp->req[k]));
        }
        if (missing) {
            ht_sb m;
            ht_sb_init(&m, cx);
            ht_sb_puts(&m, "properties ");
            ht_sb_put(&m, sb.p, sb.len);
            ht_sb_puts(&m, " required, if ");
            put_squote(&m, dp->name, strlen(dp->name));
            ht_sb_puts(&m, " exists");
            add_error(vd, ht_sb_val(&m).v.s);
        }
    }
}

static void put_int_list(ht_sb *sb, const uint32_t *v, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++) {
        if (i) ht_sb_putc(sb, ' ');
        ht_sb_printf(sb, "%u", v[i]);
    }
}

static void arr_validate(js_vd *vd, ht_val v)
{
    js_sch *s = vd->sch;
    ht_ctx *cx = vd->jc->cx;
    uint32_t n = list_len(v);
    bool br = vd->bool_result;
    if (s->min_items >= 0 && (long long)n < s->min_items) add_error(vd, br ? NULL : count_msg(cx, "minItems", n, s->min_items));
    if (s->max_items >= 0 && (long long)n > s->max_items) add_error(vd, br ? NULL : count_msg(cx, "maxItems", n, s->max_items));
    if (s->unique_items && n > 1) {
        bool dup = false;
        for (uint32_t i = 1; i < n && !dup; i++) {
            for (uint32_t j = 0; j < i; j++) {
                if (js_equals(cx, list_at(v, i), list_at(v, j))) {
                    add_error(vd, br ? NULL : sbf(cx, "items at %u and %u are equal", j, i));
                    dup = true;
                    break;
                }
            }
        }
    }
    if (s->draft < 2020) {
        uint32_t evaluated = 0;
        if (s->items) {
            for (uint32_t i = 0; i < n; i++) add_err(vd, validate_val(vd, s->items, list_at(v, i), itoa_tok(cx, i)));
            evaluated = n;
        } else if (s->items_is_arr) {
            uint32_t m = n < s->nitems_arr ? n : s->nitems_arr;
            for (uint32_t i = 0; i < m; i++) add_err(vd, validate_val(vd, s->items_arr[i], list_at(v, i), itoa_tok(cx, i)));
            evaluated = m;
        }
        if (s->addl_items_kind == 1) {
            if (!s->addl_items_bool && evaluated != n) {
                ht_sb sb;
                ht_sb_init(&sb, cx);
                ht_sb_puts(&sb, "last ");
                put_int(&sb, n - evaluated);
                ht_sb_puts(&sb, " additionalItem(s) not allowed");
                add_error(vd, br ? NULL : ht_sb_val(&sb).v.s);
            }
        } else if (s->addl_items_kind == 2) {
            for (uint32_t i = evaluated; i < n; i++)
                add_err(vd, validate_val(vd, s->addl_items, list_at(v, i), itoa_tok(cx, i)));
        }
    } else {
        uint32_t evaluated = n < s->nprefix ? n : s->nprefix;
        for (uint32_t i = 0; i < evaluated; i++) add_err(vd, validate_val(vd, s->prefix_items[i], list_at(v, i), itoa_tok(cx, i)));
        if (s->items2020)
            for (uint32_t i = evaluated; i < n; i++) add_err(vd, validate_val(vd, s->items2020, list_at(v, i), itoa_tok(cx, i)));
    }
    if (s->contains) {
        js_err **errs = ht_cx_alloc(cx, (n ? n : 1) * sizeof *errs);
        uint32_t *matched = ht_cx_alloc(cx, (n ? n : 1) * sizeof *matched);
        uint32_t nerr = 0, nm = 0;
        for (uint32_t i = 0; i < n; i++) {
            js_err *e = validate_val(vd, s->contains, list_at(v, i), itoa_tok(cx, i));
            if (e) errs[nerr++] = e;
            else {
                matched[nm++] = i;
                if (s->draft >= 2020) bit_clear(vd->uneval->items, &vd->uneval->citems, vd->uneval->nitems, i);
            }
        }
        if (s->min_contains >= 0) {
            if ((long long)nm < s->min_contains) {
                const char *m = NULL;
                if (!br) {
                    ht_sb sb;
                    ht_sb_init(&sb, cx);
                    ht_sb_puts(&sb, "min ");
                    put_int(&sb, s->min_contains);
                    if (!nm) {
                        ht_sb_puts(&sb, " items required to match contains schema, but none matched");
                    } else {
                        ht_sb_puts(&sb, " items required to match contains schema, but matched ");
                        put_int(&sb, nm);
                        ht_sb_puts(&sb, " items at ");
                        put_int_list(&sb, matched, nm);
                    }
                    m = ht_sb_val(&sb).v.s;
                }
                add_errors(vd, errs, nerr, m);
            }
        } else if (nm == 0) {
            add_errors(vd, errs, nerr, "no items match contains schema");
        }
        if (s->max_contains >= 0 && (long long)nm > s->max_contains) {
            const char *m = NULL;
            if (!br) {
                ht_sb sb;
                ht_sb_init(&sb, cx);
                ht_sb_puts(&sb, "max ");
                put_int(&sb, s->max_contains);
                ht_sb_puts(&sb, " items required to match contains schema, but matched ");
                put_int(&sb, nm);
                ht_sb_puts(&sb, " items at ");
                put_int_list(&sb, matched, nm);
                m = ht_sb_val(&sb).v.s;
            }
            add_error(vd, m);
        }
    }
}

static void str_validate(js_vd *vd, ht_val v)
{
    js_sch *s = vd->sch;
    ht_ctx *cx = vd->jc->cx;
    bool br = vd->bool_result;
    long long len = -1;
    if (s->min_length >= 0 || s->max_length >= 0) len = (long long)ht_utf8_count(v.v.s, v.n);
    if (s->min_length >= 0 && len < s->min_length) add_error(vd, br ? NULL : count_msg(cx, "minLength", len, s->min_length));
    if (s->max_length >= 0 && len > s->max_length) add_error(vd, br ? NULL : count_msg(cx, "maxLength", len, s->max_length));
    if (s->pattern && !ht_regex_exec(s->pattern, v.v.s, v.n, 0, NULL)) {
        const char *m = NULL;
        if (!br) {
            ht_sb sb;
            ht_sb_init(&sb, cx);
            put_squote(&sb, v.v.s, v.n);
            ht_sb_puts(&sb, " does not match pattern ");
            put_squote(&sb, s->pattern_src, strlen(s->pattern_src));
            m = ht_sb_val(&sb).v.s;
        }
        add_error(vd, m);
    }
}

static const char *bound_msg(ht_ctx *cx, const char *what, const js_num *got, const js_num *want)
{
    ht_sb sb;
    ht_sb_init(&sb, cx);
    ht_sb_puts(&sb, what);
    ht_sb_puts(&sb, ": got ");
    put_float(&sb, num_float(got));
    ht_sb_puts(&sb, ", want ");
    put_float(&sb, num_float(want));
    return ht_sb_val(&sb).v.s;
}

static void num_validate(js_vd *vd, ht_val v)
{
    js_sch *s = vd->sch;
    ht_ctx *cx = vd->jc->cx;
    bool br = vd->bool_result;
    js_num x;
    if (!val_num(cx, v, &x)) return;
    if (s->minimum && num_cmp(&x, s->minimum) < 0) add_error(vd, br ? NULL : bound_msg(cx, "minimum", &x, s->minimum));
    if (s->maximum && num_cmp(&x, s->maximum) > 0) add_error(vd, br ? NULL : bound_msg(cx, "maximum", &x, s->maximum));
    if (s->exclusive_minimum && num_cmp(&x, s->exclusive_minimum) <= 0)
        add_error(vd, br ? NULL : bound_msg(cx, "exclusiveMinimum", &x, s->exclusive_minimum));
    if (s->exclusive_maximum && num_cmp(&x, s->exclusive_maximum) >= 0)
        add_error(vd, br ? NULL : bound_msg(cx, "exclusiveMaximum", &x, s->exclusive_maximum));
    if (s->multiple_of && !num_is_multiple(&x, s->multiple_of))
        add_error(vd, br ? NULL : bound_msg(cx, "multipleOf", &x, s->multiple_of));
}

static void cond_validate(js_vd *vd)
{
    js_sch *s = vd->sch;
    ht_ctx *cx = vd->jc->cx;
    if (s->not_ && !validate_self(vd, s->not_, NULL, true)) add_error(vd, "'not' failed");
    if (s->nall) {
        js_err **errs = ht_cx_alloc(cx, s->nall * sizeof *errs);
        uint32_t ne = 0;
        for (uint32_t i = 0; i < s->nall; i++) {
            js_err *e = validate_self(vd, s->all_of[i], NULL, false);
            if (e) {
                errs[ne++] = e;
                if (vd->bool_result) break;
            }
        }
        if (ne) add_errors(vd, errs, ne, "'allOf' failed");
    }
    if (s->nany) {
        bool matched = false;
        js_err **errs = ht_cx_alloc(cx, s->nany * sizeof *errs);
        uint32_t ne = 0;
        for (uint32_t i = 0; i < s->nany; i++) {
            js_err *e = validate_self(vd, s->any_of[i], NULL, false);
            if (e) errs[ne++] = e;
            else {
                matched = true;
                if (uneval_empty(vd->uneval)) break;
            }
        }
        if (!matched) add_errors(vd, errs, ne, "'anyOf' failed");
    }
    if (s->none) {
        int matched = -1;
        js_err **errs = ht_cx_alloc(cx, s->none * sizeof *errs);
        uint32_t ne = 0;
        for (uint32_t i = 0; i < s->none; i++) {
            js_err *e = validate_self(vd, s->one_of[i], NULL, matched != -1);
            if (e) {
                if (matched == -1) errs[ne++] = e;
            } else if (matched == -1) {
                matched = (int)i;
            } else {
                add_error(vd, sbf(cx, "'oneOf' failed, subschemas %d, %u matched", matched, i));
                break;
            }
        }
        if (matched == -1) add_errors(vd, errs, ne, "'oneOf' failed, none matched");
    }
    if (s->if_) {
        if (!validate_self(vd, s->if_, NULL, true)) {
            if (s->then_) add_err(vd, validate_self(vd, s->then_, NULL, false));
        } else if (s->else_) {
            add_err(vd, validate_self(vd, s->else_, NULL, false));
        }
    }
}

static js_sch *resolve_dynamic_anchor(const js_scope *scp, const char *name, js_sch *fallback)
{
    js_sch *s = fallback;
    for (; scp; scp = scp->parent) {
        js_sch *res = scp->sch->resource;
        if (!res) continue;
        for (uint32_t i = 0; i < res->ndyn; i++)
            if (strcmp(res->dyn_anchors[i].name, name) == 0) s = res->dyn_anchors[i].sch;
    }
    return s;
}

static void validate_refs(js_vd *vd)
{
    js_sch *s = vd->sch;
    if (s->recursive_ref) {
        js_sch *t = s->recursive_ref;
        if (t->recursive_anchor) {
            for (const js_scope *scp = vd->scp; scp; scp = scp->parent)
                if (scp->sch->resource && scp->sch->resource->recursive_anchor) t = scp->sch;
        }
        add_err(vd, validate_ref(vd, t, "$recursiveRef"));
    }
    if (s->dynamic_ref) {
        js_sch *t = s->dynamic_ref;
        if (s->dynamic_ref_anchor && s->dynamic_ref_anchor[0] && t->dynamic_anchor &&
            strcmp(t->dynamic_anchor, s->dynamic_ref_anchor) == 0)
            t = resolve_dynamic_anchor(vd->scp, s->dynamic_ref_anchor, t);
        add_err(vd, validate_ref(vd, t, "$dynamicRef"));
    }
}

static void uneval_validate(js_vd *vd)
{
    js_sch *s = vd->sch;
    ht_ctx *cx = vd->jc->cx;
    if (vd->v.k == HT_MAP && s->uneval_props) {
        uint32_t n;
        ht_mentry **ents = ht_map_sorted(cx, vd->v.v.m, &n);
        for (uint32_t i = 0; i < n; i++)
            if (bit(vd->uneval->props, vd->uneval->nprops, i))
                add_err(vd, validate_val(vd, s->uneval_props, ents[i]->val, ents[i]->key));
        vd->uneval->nprops = vd->uneval->cprops = 0;
    }
    if (vd->v.k == HT_LIST && s->uneval_items) {
        for (uint32_t i = 0; i < vd->uneval->nitems; i++)
            if (bit(vd->uneval->items, vd->uneval->nitems, i))
                add_err(vd, validate_val(vd, s->uneval_items, list_at(vd->v, i), itoa_tok(cx, i)));
        vd->uneval->nitems = vd->uneval->citems = 0;
    }
}

static bool is_integer(ht_ctx *cx, ht_val v)
{
    js_num x;
    return val_num(cx, v, &x) && x.nd <= x.exp;
}

static js_err *vd_validate_inner(js_vd *vd)
{
    js_sch *s = vd->sch;
    ht_ctx *cx = vd->jc->cx;
    ht_val v = vd->v;
    bool br = vd->bool_result;
    if (s->boolean >= 0) {
        if (s->boolean) return NULL;
        return mkerr(vd, "false schema", EK_OTHER);
    }
    /* reference cycle: the same schema on the same value up the scope chain */
    for (const js_scope *p = vd->scp->parent; p; p = p->parent) {
        if (p->vid != vd->scp->vid) break;
        if (p->sch == s) {
            const char *m = NULL;
            if (!br)
                m = sbf(cx, "both %s and %s resolve to %s causing reference cycle", scope_kwloc(cx, vd->scp),
                        scope_kwloc(cx, p), gq(cx, s->loc));
            return mkerr(vd, m, EK_OTHER);
        }
    }
    unsigned t = type_of(v);
    if (!t) return mkerr(vd, br ? NULL : sbf(cx, "invalid jsonType %s", ht_type_name(v)), EK_OTHER);
    if (s->types) {
        bool matched = (s->types & t) || ((s->types & T_INT) && t == T_NUM && is_integer(cx, v));
        if (!matched) {
            const char *m = NULL;
            if (!br) {
                ht_sb sb;
                ht_sb_init(&sb, cx);
                ht_sb_puts(&sb, "got ");
                ht_sb_puts(&sb, type_name(t));
                ht_sb_puts(&sb, ", want ");
                static const unsigned order[] = {T_NULL, T_BOOL, T_NUM, T_INT, T_STR, T_ARR, T_OBJ};
                bool first = true;
                for (int i = 0; i < 7; i++) {
                    if (!(s->types & order[i])) continue;
                    if (!first) ht_sb_puts(&sb, " or ");
                    first = false;
                    ht_sb_puts(&sb, type_name(order[i]));
                }
                m = ht_sb_val(&sb).v.s;
            }
            return mkerr(vd, m, EK_OTHER);
        }
    }
    if (s->has_const && !js_equals(cx, v, s->const_val)) {
        const char *m = "'const' failed";
        if (!br && s->const_val.k != HT_LIST && s->const_val.k != HT_MAP) {
            ht_sb sb;
            ht_sb_init(&sb, cx);
            ht_sb_puts(&sb, "value must be ");
            put_display(&sb, s->const_val);
            m = ht_sb_val(&sb).v.s;
        }
        return mkerr(vd, m, EK_OTHER);
    }
    if (s->has_enum) {
        bool matched = false;
        if (s->enum_types & t)
            for (uint32_t i = 0; i < s->nenum && !matched; i++) matched = js_equals(cx, v, s->enum_vals[i]);
        if (!matched) {
            const char *m = NULL;
            if (!br) {
                bool prim = true;
                for (uint32_t i = 0; i < s->nenum; i++)
                    if (s->enum_vals[i].k == HT_LIST || s->enum_vals[i].k == HT_MAP) prim = false;
                if (!prim) {
                    m = "'enum' failed";
                } else {
                    ht_sb sb;
                    ht_sb_init(&sb, cx);
                    ht_sb_puts(&sb, s->nenum == 1 ? "value must be " : "value must be one of ");
                    for (uint32_t i = 0; i < s->nenum; i++) {
                        if (i) ht_sb_puts(&sb, ", ");
                        put_display(&sb, s->enum_vals[i]);
                    }
                    m = ht_sb_val(&sb).v.s;
                }
            }
            return mkerr(vd, m, EK_OTHER);
        }
    }
    if (s->format && v.k == HT_STRING) {
        const char *e = s->format(cx, v.v.s, v.n);
        if (e) {
            const char *m = NULL;
            if (!br) {
                ht_sb sb;
                ht_sb_init(&sb, cx);
                put_display(&sb, v);
                ht_sb_puts(&sb, " is not valid ");
                ht_sb_puts(&sb, s->format_name);
                ht_sb_puts(&sb, ": ");
                ht_sb_puts(&sb, e);
                m = ht_sb_val(&sb).v.s;
            }
            return mkerr(vd, m, EK_OTHER);
        }
    }
    if (s->ref) {
        js_err *e = validate_ref(vd, s->ref, "$ref");
        if (s->draft < 2019) return e;
        add_err(vd, e);
    }
    switch (t) {
    case T_OBJ: obj_validate(vd, v); break;
    case T_ARR: arr_validate(vd, v); break;
    case T_STR: str_validate(vd, v); break;
    case T_NUM: num_validate(vd, v); break;
    default: break;
    }
    if (vd->nerr == 0 || !vd->bool_result) {
        if (s->draft >= 2019) validate_refs(vd);
        cond_validate(vd);
        if (s->draft >= 2019) uneval_validate(vd);
    }
    if (vd->nerr == 0) return NULL;
    if (vd->nerr == 1) return vd->errs[0];
    js_err *g = mkerr(vd, "validation failed", EK_GROUP);
    if (g != &dummy_err) {
        g->causes = vd->errs;
        g->ncauses = vd->nerr;
    }
    return g;
}

static js_err *vd_validate(js_vd *vd)
{
    js_ctx *jc = vd->jc;
    if (++jc->depth > JS_MAX_DEPTH) ht_fatal(jc->cx, "values.schema.json validation is nested too deeply (more than %d levels)", JS_MAX_DEPTH);
    js_err *e = vd_validate_inner(vd);
    jc->depth--;
    return e;
}

/* Schema.validate: the top error is kind.Schema with the group's causes */
static js_err *schema_validate(js_ctx *jc, js_sch *s, ht_val v)
{
    ht_ctx *cx = jc->cx;
    js_scope scp = {s, NULL, 0, NULL};
    js_vd vd = {0};
    vd.jc = jc;
    vd.v = v;
    vd.sch = s;
    vd.scp = &scp;
    vd.uneval = uneval_from(cx, v, s, false);
    js_err *e = vd_validate(&vd);
    if (!e) return NULL;
    js_err *top = ht_cx_alloc(cx, sizeof *top);
    memset(top, 0, sizeof *top);
    top->kind = EK_SCHEMA;
    top->iloc = "";
    ht_sb sb;
    ht_sb_init(&sb, cx);
    ht_sb_puts(&sb, "jsonschema validation failed with ");
    put_squote(&sb, s->loc, strlen(s->loc));
    top->msg = ht_sb_val(&sb).v.s;
    if (e->kind == EK_GROUP) {
        top->causes = e->causes;
        top->ncauses = e->ncauses;
    } else {
        top->causes = ht_cx_alloc(cx, sizeof *top->causes);
        top->causes[0] = e;
        top->ncauses = 1;
    }
    return top;
}

/* ValidationError.display */
static void err_display(const js_err *e, ht_sb *sb, int indent)
{
    bool skip = e->ncauses == 1 && e->kind == EK_REF;
    if (!skip) {
        if (indent > 0) {
            ht_sb_putc(sb, '\n');
            for (int i = 0; i < indent - 1; i++) ht_sb_puts(sb, "  ");
            ht_sb_puts(sb, "- ");
        }
        indent++;
        if (e->kind == EK_SCHEMA) {
            ht_sb_puts(sb, e->msg);
        } else {
            ht_sb_puts(sb, "at ");
            put_squote(sb, e->iloc, strlen(e->iloc));
            ht_sb_puts(sb, ": ");
            ht_sb_puts(sb, e->msg ? e->msg : "");
        }
    }
    for (uint32_t i = 0; i < e->ncauses; i++) err_display(e->causes[i], sb, indent);
}

/* roots.validate: check a schema document against its draft's metaschema */
static int validate_meta(js_comp *c, js_root *r, ht_val v, const char *ptr)
{
    js_ctx *jc = c->jc;
    ht_ctx *cx = jc->cx;
    js_res *res = root_resource(r, ptr);
    int d = res ? res->draft : 2020;
    int di = draft_index(d);
    if (!jc->draft_sch[di]) {
        jc->draft_sch[di] = compile(&jc->meta, draft_url(d), "");
        if (!jc->draft_sch[di]) return -1;
    }
    js_err *e = schema_validate(jc, jc->draft_sch[di], v);
    if (!e) return 0;
    ht_sb sb;
    ht_sb_init(&sb, cx);
    ht_go_quote(loc_string(cx, r->url, ptr), strlen(loc_string(cx, r->url, ptr)), &sb);
    ht_sb_puts(&sb, " is not valid against metaschema: ");
    err_display(e, &sb, 0);
    ht_sb_putc(&sb, 0);
    return ht_errf(cx, "%s", sb.p);
}

/* ValidateAgainstSingleSchema: 0 valid, 1 invalid (message in *msg, ending
 * in "\n" like JSONSchemaValidationError), -1 other error (in cx) */
static int validate_single(ht_ctx *cx, const char *schema, size_t len, ht_val values, const char **msg)
{
    js_ctx jc;
    memset(&jc, 0, sizeof jc);
    jc.cx = cx;
    jc.meta.jc = &jc;
    jc.meta.assert_format = true;
    js_comp user;
    memset(&user, 0, sizeof user);
    user.jc = &jc;
    ht_cleanup_push(cx, js_ctx_cleanup, &jc);
    int rc = -1;
    /* jsonschema.UnmarshalJSON: a json.Decoder with UseNumber, one value */
    size_t i = 0;
    while (i < len && (schema[i] == ' ' || schema[i] == '\t' || schema[i] == '\n' || schema[i] == '\r')) i++;
    ht_val doc;
    if (i == len) {
        ht_errf(cx, "EOF");
        goto out;
    }
    if (ht_json_decode(cx, schema, len, &doc)) {
        const char *e = cx->err ? cx->err : "";
        if (strcmp(e, "unexpected end of JSON input") == 0) ht_errf(cx, "unexpected EOF");
        else if (strstr(e, "after top-level value")) ht_errf(cx, "invalid character after top-level value");
        goto out;
    }
    user.added_url = "file:///values.schema.json";
    user.added_doc = doc;
    js_sch *s = compile(&user, user.added_url, "");
    if (!s) goto out;
    js_err *e = schema_validate(&jc, s, values);
    if (!e) {
        rc = 0;
        goto out;
    }
    ht_sb sb;
    ht_sb_init(&sb, cx);
    err_display(e, &sb, 0);
    ht_sb_putc(&sb, 0);
    const char *full = sb.p;
    static const char prefix[] = "jsonschema validation failed with 'file:///values.schema.json#'\n";
    if (strncmp(full, prefix, sizeof prefix - 1) == 0) full += sizeof prefix - 1;
    *msg = sbf(cx, "%s\n", full);
    rc = 1;
out:
    ht_cleanup_pop(cx, true);
    return rc;
}

/* ValidateAgainstSchema for a chart and its dependencies */
static int validate_chart(ht_ctx *cx, ht_rchart *c, ht_val values, ht_sb *sb)
{
    if (c->src->schema) {
        const char *msg = NULL;
        int r = validate_single(cx, c->src->schema, c->src->schema_len, values, &msg);
        if (r) {
            ht_sb_puts(sb, c->name);
            ht_sb_puts(sb, ":\n");
            if (r == 1) {
                ht_sb_puts(sb, msg);
            } else {
                ht_sb_puts(sb, cx->err ? cx->err : "");
                ht_err_clear(cx);
            }
        }
    }
    for (size_t i = 0; i < c->ndeps; i++) {
        ht_rchart *sub = c->deps[i];
        ht_val *raw = values.k == HT_MAP ? ht_map_get(values.v.m, sub->name, strlen(sub->name)) : NULL;
        if (!raw || raw->k == HT_NIL) continue;
        if (raw->k != HT_MAP) {
            ht_sb_printf(sb, "%s:\ninvalid type for values: expected object (map), got %s\n", sub->name, ht_type_name(*raw));
            continue;
        }
        validate_chart(cx, sub, *raw, sb);
    }
    return 0;
}

int ht_validate_schemas(ht_ctx *cx, ht_rchart *c, ht_val values)
{
    ht_sb sb;
    ht_sb_init(&sb, cx);
    validate_chart(cx, c, values, &sb);
    if (!sb.len) return 0;
    ht_sb_putc(&sb, 0);
    return ht_errf(cx, "values don't meet the specifications of the schema(s) in the following chart(s):\n%s", sb.p);
}
