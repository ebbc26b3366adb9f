/*
 * schema_compile.c: the compiler half of values.schema.json validation
 * (see schema.c for the validator and Helm's entry point). Like
 * santhosh-tekuri/jsonschema v6, documents are "roots" holding resources
 * ($id scopes with their anchors); schemas are compiled lazily from a queue
 * as $ref/$dynamicRef/$recursiveRef reach them; every document that is not
 * a standard metaschema is first validated against its draft's metaschema
 * (embedded, schema_meta.c). Also here: exact decimal arithmetic for
 * numeric keywords, x/text's English number printing used in messages, and
 * URL resolution for $id/$ref. References outside values.schema.json are
 * refused instead of fetched.
 */
#include "render_int.h"
#include "schema_int.h"
#include "fc/gofmt.h"
#include <openssl/bn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------- decimals */


bool js_num_parse(ht_ctx *cx, const char *s, js_num *out)
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

int js_num_cmp(const js_num *a, const js_num *b)
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
bool js_num_is_multiple(const js_num *a, const js_num *b)
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

double js_num_float(const js_num *a)
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
bool js_val_num(ht_ctx *cx, ht_val v, js_num *out)
{
    char buf[48];
    switch (v.k) {
    case HT_INT: case HT_INT64: snprintf(buf, sizeof buf, "%lld", (long long)v.v.i); break;
    case HT_UINT64: snprintf(buf, sizeof buf, "%llu", (unsigned long long)v.v.u); break;
    case HT_FLOAT64: fc_go_format_float(v.v.f, 'e', -1, buf, sizeof buf); break;
    default: return false;
    }
    return js_num_parse(cx, buf, out);
}

/* golang.org/x/text/message English printing of integers (%d) */
static void put_grouped(ht_sb *sb, const char *digits, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (i && (n - i) % 3 == 0) ht_sb_putc(sb, ',');
        ht_sb_putc(sb, digits[i]);
    }
}

void js_put_int(ht_sb *sb, long long v)
{
    char buf[32];
    int n = snprintf(buf, sizeof buf, "%llu", v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v);
    if (v < 0) ht_sb_putc(sb, '-');
    put_grouped(sb, buf, (size_t)n);
}

/* ... and of float64 with %v: shortest digits; exponent < -4 or >= 6 in
 * scientific form with superscript exponent, else grouped decimal */
void js_put_float(ht_sb *sb, double f)
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

const char *js_sbf(ht_ctx *cx, const char *fmt, ...)
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
void js_put_squote(ht_sb *sb, const char *s, size_t n)
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
void js_put_ptr_tok(ht_sb *sb, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '~') ht_sb_puts(sb, "~0");
        else if (s[i] == '/') ht_sb_puts(sb, "~1");
        else ht_sb_putc(sb, s[i]);
    }
}

/* url.PathEscape of each '/'-separated token (the library's encode()) */
void js_put_encoded_ptr(ht_sb *sb, const char *p)
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

const char *js_draft_url(int d)
{
    switch (d) {
    case 4: return "http://json-schema.org/draft-04/schema";
    case 6: return "http://json-schema.org/draft-06/schema";
    case 7: return "http://json-schema.org/draft-07/schema";
    case 2019: return "https://json-schema.org/draft/2019-09/schema";
    default: return "https://json-schema.org/draft/2020-12/schema";
    }
}


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

unsigned js_type_of(ht_val v)
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

const char *js_type_name(unsigned t)
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
        if (strcmp(js_type_name(ts[i]), s) == 0) return ts[i];
    return 0;
}


bool js_equals(ht_ctx *cx, ht_val a, ht_val b)
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
        if (js_type_of(a) != T_NUM || js_type_of(b) != T_NUM) return false;
        js_num x, y;
        if (!js_val_num(cx, a, &x) || !js_val_num(cx, b, &y)) return false;
        return js_num_cmp(&x, &y) == 0;
    }
    }
}

/* fmt %v for display() of primitives; strings single-quoted */
void js_put_display(ht_sb *sb, ht_val v)
{
    if (v.k == HT_STRING) js_put_squote(sb, v.v.s, v.n);
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
        *err = js_sbf(cx, "error in parsing %s: %s", base, e);
        return NULL;
    }
    e = js_url_parse(cx, ref, strlen(ref), &r);
    if (e) {
        *err = js_sbf(cx, "error in parsing %s: %s", ref, e);
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
const char *js_loc_string(ht_ctx *cx, const char *url, const char *ptr)
{
    ht_sb sb;
    ht_sb_init(&sb, cx);
    ht_sb_puts(&sb, url);
    ht_sb_putc(&sb, '#');
    js_put_encoded_ptr(&sb, ptr);
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

const char *js_gq(ht_ctx *cx, const char *s)
{
    ht_sb sb;
    ht_sb_init(&sb, cx);
    ht_go_quote(s, strlen(s), &sb);
    return ht_sb_val(&sb).v.s;
}

/* ------------------------------------------------------------- roots */

js_res *js_root_resource(js_root *r, const char *ptr)
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
    js_put_ptr_tok(&sb, tok, strlen(tok));
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
            return fail(jc, "duplicate anchor %s in %s at %s and %s", js_gq(cx, name), js_gq(cx, r->url), js_gq(cx, res->anchor_ptrs[i]),
                        js_gq(cx, ptr));
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
                return fail(jc, "error in parsing anchor at %s", js_gq(cx, js_loc_string(cx, r->url, ptr)));
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
                fail(jc, "invalid $schema in %s: %s", js_gq(cx, js_loc_string(cx, r->url, ptr)), e);
                goto out;
            }
            if (!ptr[0] && strcmp(u, r->url) == 0) {
                fail(jc, "draft %s is not supported", js_gq(cx, u));
                goto out;
            }
            fail(jc, "failing loading %s: custom metaschemas are not loaded (only the standard drafts are supported)",
                 js_gq(cx, u));
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
            fail(jc, "error in parsing id at %s", js_gq(cx, js_loc_string(cx, r->url, ptr)));
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
                    fail(jc, "duplicate id %s in %s at %s and %s", js_gq(cx, base), js_gq(cx, r->url), js_gq(cx, ptr),
                         js_gq(cx, r->res[i].ptr));
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

int js_validate_meta(js_comp *c, js_root *r, ht_val v, const char *ptr);

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
            fail(jc, "failing loading %s: schemas outside values.schema.json are not loaded", js_gq(cx, url));
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
    if (!is_meta && js_validate_meta(c, r, doc, "")) {
        c->nroots--;
        return NULL;
    }
    return r;
}

static js_sch *enqueue(js_comp *c, js_root *r, const char *ptr)
{
    ht_ctx *cx = c->jc->cx;
    const char *loc = js_loc_string(cx, r->url, ptr);
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
    js_put_encoded_ptr(&sb, frag);
    fail(c->jc, "anchor in %s not found in schema %s", js_gq(cx, ht_sb_val(&sb).v.s), js_gq(cx, r->url));
    return NULL;
}

static js_sch *enqueue_ref(js_comp *c, js_sch *s, const char *ref)
{
    js_ctx *jc = c->jc;
    ht_ctx *cx = jc->cx;
    js_res *res = js_root_resource(s->root, s->ptr);
    const char *h = strchr(ref, '#');
    const char *refu = h ? sdup(cx, ref, (size_t)(h - ref)) : ref;
    const char *frag = "";
    if (h && !path_unescape(cx, h + 1, strlen(h + 1), &frag)) {
        fail(jc, "error in parsing %s", js_gq(cx, ref));
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
        target = js_root_resource(r, "");
    } else {
        for (uint32_t i = 0; i < r->nres; i++)
            if (strcmp(r->res[i].id, url) == 0) { target = &r->res[i]; break; }
    }
    if (target) return resolve_fragment_in(c, r, target, frag);
    js_root *ext = or_load(c, url);
    if (!ext) return NULL;
    return resolve_fragment_in(c, ext, js_root_resource(ext, ""), frag);
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
    if (!v || js_type_of(*v) != T_NUM) return NULL;
    js_num *n = ht_cx_alloc(cx, sizeof *n);
    if (!js_val_num(cx, *v, n)) return NULL;
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

static fc_regex *compile_regex(js_ctx *jc, const char *src, const char *where)
{
    ht_ctx *cx = jc->cx;
    char err[512];
    fc_regex *re = fc_regex_compile(src, strlen(src), err, sizeof err);
    if (!re) {
        fail(jc, "invalid regex %s at %s: %s", js_gq(cx, src), js_gq(cx, where), err);
        return NULL;
    }
    if (jc->nregex == jc->capregex) {
        uint32_t nc = jc->capregex ? jc->capregex * 2 : 16;
        fc_regex **nr = realloc(jc->regexes, nc * sizeof *nr);
        if (!nr) {
            fc_regex_free(re);
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
    js_put_ptr_tok(&t, k, strlen(k));
    js_put_encoded_ptr(&sb, ht_sb_val(&t).v.s);
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
        for (uint32_t i = 0; i < s->nenum; i++) s->enum_types |= js_type_of(s->enum_vals[i]);
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
        return fail(jc, "json-pointer in %s not found", js_gq(cx, s->loc));
    js_res *res = js_root_resource(r, s->ptr);
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
    if (!ptr_lookup(cx, r->doc, s->ptr, &v)) return fail(jc, "json-pointer in %s not found", js_gq(cx, s->loc));
    js_res *base = js_root_resource(r, s->ptr);
    bool had = false;
    for (uint32_t i = 0; i < r->nres; i++)
        if (strcmp(r->res[i].ptr, s->ptr) == 0) had = true;
    if (collect_resources(c, r, v, base->id, s->ptr, base->draft)) return -1;
    if (!had) {
        bool now = false;
        for (uint32_t i = 0; i < r->nres; i++)
            if (strcmp(r->res[i].ptr, s->ptr) == 0) now = true;
        if (!now && collect_anchors(jc, r, v, s->ptr, js_root_resource(r, s->ptr))) return -1;
    }
    bool is_meta = strncmp(r->url, "http://json-schema.org/", 23) == 0 || strncmp(r->url, "https://json-schema.org/", 24) == 0;
    if (!is_meta && js_validate_meta(c, r, v, s->ptr)) return -1;
    return 0;
}

js_sch *js_compile(js_comp *c, const char *url, const char *frag)
{
    js_root *r = or_load(c, url);
    if (!r) return NULL;
    js_sch *top = resolve_fragment_in(c, r, js_root_resource(r, ""), frag);
    if (!top) return NULL;
    for (uint32_t i = 0; i < c->nq; i++) {
        js_sch *s = c->q[i];
        if (s->compiled) continue;
        if (ensure_subschema(c, s)) return NULL;
        if (compile_value(c, s)) return NULL;
    }
    return top;
}

void js_ctx_cleanup(void *p)
{
    js_ctx *jc = p;
    for (uint32_t i = 0; i < jc->nregex; i++) fc_regex_free(jc->regexes[i]);
    free(jc->regexes);
    jc->regexes = NULL;
    jc->nregex = 0;
}
