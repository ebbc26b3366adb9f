/*
 * funcs_core.c: text/template's builtin functions (and, or, not, len,
 * index, slice, print*, eq/ne/lt/le/gt/ge, html, js, urlquery, call) and
 * the function registry that merges every funcs_*.c table into one sorted
 * array for the parser's lookups.
 *
 * Comparison follows text/template/funcs.go: basic kinds only, int and
 * uint may mix, anything else of different kinds is "incompatible types
 * for comparison" (the error Helm users meet when a values number, always
 * float64, meets an int literal).
 */
#include "ht_internal.h"
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------- and/or/not */

static int fn_not(ht_ctx *cx, int argc, ht_val *argv, ht_val *out)
{
    (void)cx;
    (void)argc;
    *out = ht_bool(!ht_truth(ht_strip(argv[0])));
    return 0;
}

static int fn_unreachable(ht_ctx *cx, int argc, ht_val *argv, ht_val *out)
{
    (void)argc;
    (void)argv;
    (void)out;
    return ht_errf(cx, "unreachable");
}

/* ---------------------------------------------------------- len/index */

static int fn_len(ht_ctx *cx, int argc, ht_val *argv, ht_val *out)
{
    (void)argc;
    ht_val v = argv[0];
    if (v.k == HT_NIL) {
        if (v.fl & HT_FL_IFACE) return ht_errf(cx, "len of nil pointer");
        return ht_errf(cx, "reflect: call of reflect.Value.Type on zero Value");
    }
    v = ht_strip(v);
    bool ok;
    size_t n = ht_len(v, &ok);
    if (!ok) return ht_errf(cx, "len of type %s", ht_type_name(v));
    *out = ht_int((int64_t)n);
    return 0;
}

static int index_arg(ht_ctx *cx, ht_val idx, size_t cap, int64_t *x)
{
    idx = ht_strip(idx);
    switch (idx.k) {
    case HT_INT: case HT_INT64: case HT_DURATION: *x = idx.v.i; break;
    case HT_UINT64: *x = (int64_t)idx.v.u; break;
    case HT_NIL: return ht_errf(cx, "cannot index slice/array with nil");
    default: return ht_errf(cx, "cannot index slice/array with type %s", ht_type_name(idx));
    }
    if (*x < 0 || (uint64_t)*x > cap) return ht_errf(cx, "index out of range: %lld", (long long)*x);
    return 0;
}

static int fn_index(ht_ctx *cx, int argc, ht_val *argv, ht_val *out)
{
    ht_val item = argv[0];
    if (item.k == HT_NIL && !(item.fl & HT_FL_IFACE)) return ht_errf(cx, "index of untyped nil");
    if (item.k == HT_NIL) return ht_errf(cx, "index of untyped nil");
    for (int i = 1; i < argc; i++) {
        ht_val idx = argv[i];
        if (item.k == HT_NIL) return ht_errf(cx, "index of nil pointer");
        ht_val it = ht_strip(item);
        switch (it.k) {
        case HT_LIST: case HT_STRING: case HT_BYTES: {
            bool ok;
            size_t len = ht_len(it, &ok);
            int64_t x;
            if (index_arg(cx, idx, len, &x)) return -1;
            if ((size_t)x >= len)
                return ht_errf(cx, it.k == HT_LIST ? "reflect: slice index out of range" : "reflect: string index out of range");
            if (it.k == HT_LIST) {
                item = it.v.l->items[x];
                if (it.sub == HT_L_ANY) item = ht_iface(item);
            } else {
                item = ht_int((unsigned char)it.v.s[x]);
            }
            break;
        }
        case HT_MAP: {
            ht_val key = ht_strip(idx);
            if (key.k == HT_NIL) return ht_errf(cx, "value is nil; should be of type string");
            if (key.k != HT_STRING) return ht_errf(cx, "value has type %s; should be string", ht_type_name(key));
            ht_val *e = ht_map_get(it.v.m, key.v.s, key.n);
            bool iface = it.sub == HT_M_ANY || it.sub == HT_M_VALUES;
            if (e) {
                item = *e;
                if (it.sub == HT_M_FILES) item.k = HT_BYTES;
                if (iface) item = ht_iface(item);
            } else if (iface) {
                item = ht_iface(ht_nil());
            } else if (it.sub == HT_M_STRING) {
                item = ht_str_static("", 0);
            } else {
                item = ht_nil();
                item.k = HT_BYTES;
                item.v.s = "";
            }
            break;
        }
        default: return ht_errf(cx, "can't index item of type %s", ht_type_name(it));
        }
    }
    *out = item;
    return 0;
}

static int fn_slice(ht_ctx *cx, int argc, ht_val *argv, ht_val *out)
{
    ht_val item = argv[0];
    if (item.k == HT_NIL) return ht_errf(cx, "slice of untyped nil");
    item = ht_strip(item);
    int nidx = argc - 1;
    if (nidx > 3) return ht_errf(cx, "too many slice indexes: %d", nidx);
    size_t cap;
    bool ok;
    switch (item.k) {
    case HT_STRING: case HT_BYTES:
        if (nidx == 3 && item.k == HT_STRING) return ht_errf(cx, "cannot 3-index slice a string");
        cap = item.n;
        break;
    case HT_LIST: cap = ht_len(item, &ok); break;
    default: return ht_errf(cx, "can't slice item of type %s", ht_type_name(item));
    }
    int64_t idx[3] = {0, (int64_t)ht_len(item, &ok), (int64_t)cap};
    for (int i = 0; i < nidx; i++)
        if (index_arg(cx, argv[i + 1], cap, &idx[i])) return -1;
    if (idx[0] > idx[1]) return ht_errf(cx, "invalid slice index: %lld > %lld", (long long)idx[0], (long long)idx[1]);
    if (nidx == 3 && idx[1] > idx[2])
        return ht_errf(cx, "invalid slice index: %lld > %lld", (long long)idx[1], (long long)idx[2]);
    if (item.k == HT_LIST) {
        ht_val l = ht_list_new(cx, (uint32_t)(idx[1] - idx[0]), item.sub);
        for (int64_t i = idx[0]; i < idx[1]; i++) l.v.l->items[l.v.l->n++] = item.v.l->items[i];
        *out = l;
    } else {
        ht_val r = item;
        r.v.s = item.v.s + idx[0];
        r.n = (uint32_t)(idx[1] - idx[0]);
        /* substrings must stay NUL-terminated for C helpers: copy */
        *out = item.k == HT_STRING ? ht_str(cx, r.v.s, r.n) : ht_bytes(cx, r.v.s, r.n);
    }
    return 0;
}

/* ---------------------------------------------------------- printing */

static int fn_print(ht_ctx *cx, int argc, ht_val *argv, ht_val *out)
{
    ht_sb sb;
    ht_sb_init(&sb, cx);
    ht_fmt_sprint(argc, argv, &sb);
    *out = ht_sb_val(&sb);
    return 0;
}

static int fn_println(ht_ctx *cx, int argc, ht_val *argv, ht_val *out)
{
    ht_sb sb;
    ht_sb_init(&sb, cx);
    ht_fmt_sprintln(argc, argv, &sb);
    *out = ht_sb_val(&sb);
    return 0;
}

static int fn_printf(ht_ctx *cx, int argc, ht_val *argv, ht_val *out)
{
    ht_sb sb;
    ht_sb_init(&sb, cx);
    ht_fmt_sprintf(argv[0].v.s, argv[0].n, argc - 1, argv + 1, &sb);
    *out = ht_sb_val(&sb);
    return 0;
}

/* text/template's evalArgs: one string as is, else fmt.Sprint with
 * printableValue (nil prints "<no value>") */
static ht_val eval_args(ht_ctx *cx, int argc, ht_val *argv)
{
    if (argc == 1 && ht_strip(argv[0]).k == HT_STRING) return ht_strip(argv[0]);
    ht_val *a = ht_cx_alloc(cx, (size_t)(argc ? argc : 1) * sizeof *a);
    for (int i = 0; i < argc; i++) {
        a[i] = ht_strip(argv[i]);
        if (a[i].k == HT_NIL) a[i] = ht_str_static("<no value>", 10);
    }
    ht_sb sb;
    ht_sb_init(&sb, cx);
    ht_fmt_sprint(argc, a, &sb);
    return ht_sb_val(&sb);
}

static int fn_html(ht_ctx *cx, int argc, ht_val *argv, ht_val *out)
{
    ht_val s = eval_args(cx, argc, argv);
    ht_sb sb;
    ht_sb_init(&sb, cx);
    for (uint32_t i = 0; i < s.n; i++) {
        char c = s.v.s[i];
        switch (c) {
        case 0: ht_sb_puts(&sb, "\xEF\xBF\xBD"); break;
        case '"': ht_sb_puts(&sb, "&#34;"); break;
        case '\'': ht_sb_puts(&sb, "&#39;"); break;
        case '&': ht_sb_puts(&sb, "&amp;"); break;
        case '<': ht_sb_puts(&sb, "&lt;"); break;
        case '>': ht_sb_puts(&sb, "&gt;"); break;
        default: ht_sb_putc(&sb, c);
        }
    }
    *out = ht_sb_val(&sb);
    return 0;
}

static int fn_js(ht_ctx *cx, int argc, ht_val *argv, ht_val *out)
{
    static const char hx[] = "0123456789ABCDEF";
    ht_val s = eval_args(cx, argc, argv);
    ht_sb sb;
    ht_sb_init(&sb, cx);
    for (uint32_t i = 0; i < s.n;) {
        unsigned char c = (unsigned char)s.v.s[i];
        if (c < 0x80) {
            switch (c) {
            case '\\': ht_sb_puts(&sb, "\\\\"); break;
            case '\'': ht_sb_puts(&sb, "\\'"); break;
            case '"': ht_sb_puts(&sb, "\\\""); break;
            case '<': ht_sb_puts(&sb, "\\u003C"); break;
            case '>': ht_sb_puts(&sb, "\\u003E"); break;
            case '&': ht_sb_puts(&sb, "\\u0026"); break;
            case '=': ht_sb_puts(&sb, "\\u003D"); break;
            default:
                if (c < ' ') {
                    ht_sb_puts(&sb, "\\u00");
                    ht_sb_putc(&sb, hx[c >> 4]);
                    ht_sb_putc(&sb, hx[c & 15]);
                } else {
                    ht_sb_putc(&sb, (char)c);
                }
            }
            i++;
            continue;
        }
        uint32_t r;
        int w = fc_utf8_decode(s.v.s + i, s.n - i, &r);
        if (fc_u_is_print(r)) ht_sb_put(&sb, s.v.s + i, (size_t)w);
        else ht_sb_printf(&sb, "\\u%04X", r);
        i += (uint32_t)w;
    }
    *out = ht_sb_val(&sb);
    return 0;
}

void ht_query_escape(const char *s, size_t n, ht_sb *sb, bool path)
{
    static const char hx[] = "0123456789ABCDEF";
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
            c == '.' || c == '~') {
            ht_sb_putc(sb, (char)c);
        } else if (c == ' ' && !path) {
            ht_sb_putc(sb, '+');
        } else if (path && (c == '$' || c == '&' || c == '+' || c == ',' || c == '/' || c == ':' || c == ';' ||
                            c == '=' || c == '@')) {
            ht_sb_putc(sb, (char)c);
        } else {
            ht_sb_putc(sb, '%');
            ht_sb_putc(sb, hx[c >> 4]);
            ht_sb_putc(sb, hx[c & 15]);
        }
    }
}

static int fn_urlquery(ht_ctx *cx, int argc, ht_val *argv, ht_val *out)
{
    ht_val s = eval_args(cx, argc, argv);
    ht_sb sb;
    ht_sb_init(&sb, cx);
    ht_query_escape(s.v.s, s.n, &sb, false);
    *out = ht_sb_val(&sb);
    return 0;
}

/* ---------------------------------------------------------- comparison */

enum { K_INVALID, K_BOOL, K_COMPLEX, K_INT, K_FLOAT, K_STRING, K_UINT };

static int basic_kind(ht_val v)
{
    switch (v.k) {
    case HT_BOOL: return K_BOOL;
    case HT_INT: case HT_INT64: case HT_DURATION: return K_INT;
    case HT_UINT64: return K_UINT;
    case HT_FLOAT64: return K_FLOAT;
    case HT_STRING: return K_STRING;
    default: return K_INVALID;
    }
}

static bool is_nilish(ht_val v)
{
    if (v.k == HT_NIL) return true;
    if (v.k == HT_LIST) return v.v.l == NULL;
    if (v.k == HT_MAP) return v.v.m == NULL;
    return false;
}

static bool comparable_type(ht_val v) { return !(v.k == HT_LIST || v.k == HT_MAP || v.k == HT_BYTES); }

/* reflect.Kind for canCompare */
static int reflect_kind(ht_val v)
{
    switch (v.k) {
    case HT_NIL: return 0;
    case HT_LIST: case HT_BYTES: return 100;
    case HT_MAP: return 101;
    case HT_TIME: return 102;
    case HT_OBJ: return v.v.o->cls->is_ptr ? 103 : 104;
    default: return v.k;
    }
}

/* fmt's %s of a reflect.Value, as Go's comparison errors print operands */
static const char *vs(ht_ctx *cx, ht_val v)
{
    ht_sb sb;
    ht_sb_init(&sb, cx);
    ht_fmt_sprintf("%s", 2, 1, &v, &sb);
    return ht_sb_val(&sb).v.s;
}

static int eq_core(ht_ctx *cx, ht_val a1, ht_val *rest, int nrest, bool *res)
{
    a1 = ht_strip(a1);
    if (nrest == 0) return ht_errf(cx, "missing argument for comparison");
    int k1 = basic_kind(a1);
    for (int i = 0; i < nrest; i++) {
        ht_val a = ht_strip(rest[i]);
        int k2 = basic_kind(a);
        bool truth = false;
        if (k1 != k2) {
            if (k1 == K_INT && k2 == K_UINT) truth = a1.v.i >= 0 && (uint64_t)a1.v.i == a.v.u;
            else if (k1 == K_UINT && k2 == K_INT) truth = a.v.i >= 0 && a1.v.u == (uint64_t)a.v.i;
            else if (a1.k != HT_NIL && a.k != HT_NIL)
                return ht_errf(cx, "incompatible types for comparison: %s and %s", ht_type_name(a1), ht_type_name(a));
        } else {
            switch (k1) {
            case K_BOOL: truth = a1.v.b == a.v.b; break;
            case K_FLOAT: truth = a1.v.f == a.v.f; break;
            case K_INT: truth = a1.v.i == a.v.i; break;
            case K_STRING: truth = a1.n == a.n && memcmp(a1.v.s, a.v.s, a.n) == 0; break;
            case K_UINT: truth = a1.v.u == a.v.u; break;
            default: {
                int rk1 = reflect_kind(a1), rk2 = reflect_kind(a);
                if (!(rk1 == rk2 || rk1 == 0 || rk2 == 0))
                    return ht_errf(cx, "non-comparable types %s: %s, %s: %s", vs(cx, a1), ht_type_name(a1),
                                   ht_type_name(a), vs(cx, a));
                if (is_nilish(a1) || is_nilish(a)) {
                    truth = is_nilish(a) == is_nilish(a1);
                } else {
                    if (!comparable_type(a)) return ht_errf(cx, "non-comparable type %s: %s", vs(cx, a), ht_type_name(a));
                    truth = ht_deep_equal(a1, a);
                }
            }
            }
        }
        if (truth) {
            *res = true;
            return 0;
        }
    }
    *res = false;
    return 0;
}

static int fn_eq(ht_ctx *cx, int argc, ht_val *argv, ht_val *out)
{
    bool r;
    if (eq_core(cx, argv[0], argv + 1, argc - 1, &r)) return -1;
    *out = ht_bool(r);
    return 0;
}

static int fn_ne(ht_ctx *cx, int argc, ht_val *argv, ht_val *out)
{
    (void)argc;
    bool r;
    if (eq_core(cx, argv[0], argv + 1, 1, &r)) return -1;
    *out = ht_bool(!r);
    return 0;
}

static int lt_core(ht_ctx *cx, ht_val a1, ht_val a2, bool *res)
{
    a1 = ht_strip(a1);
    a2 = ht_strip(a2);
    int k1 = basic_kind(a1);
    if (k1 == K_INVALID) return ht_errf(cx, "invalid type for comparison");
    int k2 = basic_kind(a2);
    if (k2 == K_INVALID) return ht_errf(cx, "invalid type for comparison");
    bool truth = false;
    if (k1 != k2) {
        if (k1 == K_INT && k2 == K_UINT) truth = a1.v.i < 0 || (uint64_t)a1.v.i < a2.v.u;
        else if (k1 == K_UINT && k2 == K_INT) truth = a2.v.i >= 0 && a1.v.u < (uint64_t)a2.v.i;
        else return ht_errf(cx, "incompatible types for comparison: %s and %s", ht_type_name(a1), ht_type_name(a2));
    } else {
        switch (k1) {
        case K_BOOL: return ht_errf(cx, "invalid type for comparison");
        case K_FLOAT: truth = a1.v.f < a2.v.f; break;
        case K_INT: truth = a1.v.i < a2.v.i; break;
        case K_STRING: {
            size_t n = a1.n < a2.n ? a1.n : a2.n;
            int c = memcmp(a1.v.s, a2.v.s, n);
            truth = c < 0 || (c == 0 && a1.n < a2.n);
            break;
        }
        case K_UINT: truth = a1.v.u < a2.v.u; break;
        }
    }
    *res = truth;
    return 0;
}

static int fn_lt(ht_ctx *cx, int argc, ht_val *argv, ht_val *out)
{
    (void)argc;
    bool r;
    if (lt_core(cx, argv[0], argv[1], &r)) return -1;
    *out = ht_bool(r);
    return 0;
}

static int fn_le(ht_ctx *cx, int argc, ht_val *argv, ht_val *out)
{
    (void)argc;
    bool r;
    if (lt_core(cx, argv[0], argv[1], &r)) return -1;
    if (!r && eq_core(cx, argv[0], argv + 1, 1, &r)) return -1;
    *out = ht_bool(r);
    return 0;
}

static int fn_gt(ht_ctx *cx, int argc, ht_val *argv, ht_val *out)
{
    (void)argc;
    bool r;
    if (lt_core(cx, argv[0], argv[1], &r)) return -1;
    if (!r && eq_core(cx, argv[0], argv + 1, 1, &r)) return -1;
    *out = ht_bool(!r);
    return 0;
}

static int fn_ge(ht_ctx *cx, int argc, ht_val *argv, ht_val *out)
{
    (void)argc;
    bool r;
    if (lt_core(cx, argv[0], argv[1], &r)) return -1;
    *out = ht_bool(!r);
    return 0;
}

const ht_funcdef ht_funcs_core[] = {
    {"and", fn_unreachable, 2, true, {P_ANY, P_ANY}, P_ANY, SP_AND},
    {"call", fn_unreachable, 2, true, {P_ANY, P_ANY}, P_ANY, SP_CALL},
    {"eq", fn_eq, 2, true, {P_ANY, P_ANY}, P_BOOL, 0},
    {"ge", fn_ge, 2, false, {P_ANY, P_ANY}, P_BOOL, 0},
    {"gt", fn_gt, 2, false, {P_ANY, P_ANY}, P_BOOL, 0},
    {"html", fn_html, 1, true, {P_ANY}, P_STRING, 0},
    {"index", fn_index, 2, true, {P_ANY, P_ANY}, P_RAW, 0},
    {"js", fn_js, 1, true, {P_ANY}, P_STRING, 0},
    {"le", fn_le, 2, false, {P_ANY, P_ANY}, P_BOOL, 0},
    {"len", fn_len, 1, false, {P_ANY}, P_INT, 0},
    {"lt", fn_lt, 2, false, {P_ANY, P_ANY}, P_BOOL, 0},
    {"ne", fn_ne, 2, false, {P_ANY, P_ANY}, P_BOOL, 0},
    {"not", fn_not, 1, false, {P_ANY}, P_BOOL, 0},
    {"or", fn_unreachable, 2, true, {P_ANY, P_ANY}, P_ANY, SP_OR},
    {"print", fn_print, 1, true, {P_ANY}, P_STRING, 0},
    {"printf", fn_printf, 2, true, {P_STRING, P_ANY}, P_STRING, 0},
    {"println", fn_println, 1, true, {P_ANY}, P_STRING, 0},
    {"slice", fn_slice, 2, true, {P_ANY, P_ANY}, P_RAW, 0},
    {"urlquery", fn_urlquery, 1, true, {P_ANY}, P_STRING, 0},
    {NULL, NULL, 0, false, {0}, 0, 0},
};

/* ---------------------------------------------------------- registry */

static const ht_funcdef **registry;
static size_t nregistry;
static pthread_once_t registry_once = PTHREAD_ONCE_INIT;

static int def_cmp(const void *a, const void *b)
{
    return strcmp((*(const ht_funcdef *const *)a)->name, (*(const ht_funcdef *const *)b)->name);
}

static void registry_init(void)
{
    const ht_funcdef *tables[] = {ht_funcs_core, ht_funcs_strings, ht_funcs_lists, ht_funcs_math, ht_funcs_encoding,
                                  ht_funcs_json, ht_funcs_yaml, ht_funcs_date, ht_funcs_crypto, ht_funcs_regex,
                                  ht_funcs_semver, ht_funcs_helm};
    size_t n = 0;
    for (size_t t = 0; t < sizeof tables / sizeof tables[0]; t++)
        for (const ht_funcdef *d = tables[t]; d->name; d++) n++;
    registry = malloc(n * sizeof *registry);
    if (!registry) abort();
    n = 0;
    /* later tables override earlier ones (Helm's functions replace Sprig's) */
    for (size_t t = 0; t < sizeof tables / sizeof tables[0]; t++)
        for (const ht_funcdef *d = tables[t]; d->name; d++) registry[n++] = d;
    qsort(registry, n, sizeof *registry, def_cmp);
    /* drop duplicates, keeping the entry from the later table */
    size_t j = 0;
    for (size_t i = 0; i < n; i++) {
        if (j > 0 && strcmp(registry[j - 1]->name, registry[i]->name) == 0) {
            /* qsort is not stable: pick by table order */
            const ht_funcdef *a = registry[j - 1], *b = registry[i];
            int ta = -1, tb = -1;
            for (size_t t = 0; t < sizeof tables / sizeof tables[0]; t++)
                for (const ht_funcdef *d = tables[t]; d->name; d++) {
                    if (d == a) ta = (int)t;
                    if (d == b) tb = (int)t;
                }
            registry[j - 1] = tb > ta ? b : a;
            continue;
        }
        registry[j++] = registry[i];
    }
    nregistry = j;
}

const ht_funcdef *ht_func_lookup(const char *name)
{
    pthread_once(&registry_once, registry_init);
    size_t lo = 0, hi = nregistry;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = strcmp(registry[mid]->name, name);
        if (c == 0) return registry[mid];
        if (c < 0) lo = mid + 1;
        else hi = mid;
    }
    return NULL;
}
