/*
 * funcs_encoding.c: the other encodings templates use: a TOML encoder
 * (BurntSushi/toml's layout, for toToml), base64/base32 (Go's StdEncoding,
 * with CorruptInputError's byte offsets), Go's path package (base, dir,
 * clean, ext, isAbs and their os* names), net/url (urlParse, urlJoin) and
 * getHostByName. JSON is in funcs_json.c, YAML in funcs_yaml.c.
 *
 * Each is a port of the Go code Sprig calls rather than a C library call
 * because templates print the exact output and error texts ("illegal
 * base64 data at input byte N", url.Parse's messages).
 */
#include "ht_internal.h"
#include "fc/gofmt.h"
#include <arpa/inet.h>
#include <math.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>

#define FN(name) static int name(ht_ctx *cx, int argc, ht_val *argv, ht_val *out)
#define UNUSED_ARGS (void)cx, (void)argc, (void)argv

/* ================================================================ TOML */

static void toml_key(ht_sb *sb, const char *k, size_t n)
{
    bool bare = n > 0;
    for (size_t i = 0; i < n && bare; i++) {
        char c = k[i];
        bare = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
    }
    if (bare) {
        ht_sb_put(sb, k, n);
        return;
    }
    ht_json_string(sb, k, n, false);
}

static void toml_string(ht_sb *sb, const char *s, size_t n)
{
    ht_sb_putc(sb, '"');
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        switch (c) {
        case '"': ht_sb_puts(sb, "\\\""); break;
        case '\\': ht_sb_puts(sb, "\\\\"); break;
        case '\b': ht_sb_puts(sb, "\\b"); break;
        case '\t': ht_sb_puts(sb, "\\t"); break;
        case '\n': ht_sb_puts(sb, "\\n"); break;
        case '\f': ht_sb_puts(sb, "\\f"); break;
        case '\r': ht_sb_puts(sb, "\\r"); break;
        default:
            if (c < 0x20 || c == 0x7F) ht_sb_printf(sb, "\\u%04X", c);
            else ht_sb_putc(sb, (char)c);
        }
    }
    ht_sb_putc(sb, '"');
}

static bool toml_is_table(ht_val v) { return v.k == HT_MAP; }
static bool toml_is_table_array(ht_val v)
{
    if (v.k != HT_LIST || !v.v.l || !v.v.l->n) return false;
    for (uint32_t i = 0; i < v.v.l->n; i++)
        if (v.v.l->items[i].k != HT_MAP) return false;
    return true;
}

static int toml_value(ht_ctx *cx, ht_sb *sb, ht_val v)
{
    char num[64];
    switch (v.k) {
    case HT_BOOL: ht_sb_puts(sb, v.v.b ? "true" : "false"); return 0;
    case HT_INT: case HT_INT64: case HT_DURATION: ht_sb_printf(sb, "%lld", (long long)v.v.i); return 0;
    case HT_UINT64: ht_sb_printf(sb, "%llu", (unsigned long long)v.v.u); return 0;
    case HT_FLOAT64:
        if (isnan(v.v.f)) ht_sb_puts(sb, "nan");
        else if (isinf(v.v.f)) ht_sb_puts(sb, v.v.f > 0 ? "inf" : "-inf");
        else {
            fc_go_format_float(v.v.f, 'f', -1, num, sizeof num);
            ht_sb_puts(sb, num);
            if (!strchr(num, '.')) ht_sb_puts(sb, ".0");
        }
        return 0;
    case HT_STRING: toml_string(sb, v.v.s, v.n); return 0;
    case HT_LIST: {
        ht_sb_putc(sb, '[');
        for (uint32_t i = 0; v.v.l && i < v.v.l->n; i++) {
            if (i) ht_sb_puts(sb, ", ");
            if (toml_value(cx, sb, v.v.l->items[i])) return -1;
        }
        ht_sb_putc(sb, ']');
        return 0;
    }
    case HT_MAP: {
        /* inline table (only inside arrays) */
        ht_sb_putc(sb, '{');
        uint32_t n;
        ht_mentry **es = ht_map_sorted(cx, v.v.m, &n);
        for (uint32_t i = 0; i < n; i++) {
            if (i) ht_sb_puts(sb, ", ");
            toml_key(sb, es[i]->key, es[i]->klen);
            ht_sb_puts(sb, " = ");
            if (toml_value(cx, sb, es[i]->val)) return -1;
        }
        ht_sb_putc(sb, '}');
        return 0;
    }
    default: return ht_errf(cx, "toml: cannot encode a value of type %s", ht_type_name(v));
    }
}

static int toml_table(ht_ctx *cx, ht_sb *sb, ht_val m, const char *prefix, int depth)
{
    uint32_t n;
    ht_mentry **es = ht_map_sorted(cx, m.v.m, &n);
    ht_mentry **copy = ht_cx_alloc(cx, (n + 1) * sizeof *copy);
    if (n) memcpy(copy, es, n * sizeof *copy);
    /* plain keys first, then sub-tables and arrays of tables */
    for (uint32_t i = 0; i < n; i++) {
        ht_val v = copy[i]->val;
        if (v.k == HT_NIL || toml_is_table(v) || toml_is_table_array(v)) continue;
        for (int d = 0; d < depth; d++) ht_sb_puts(sb, "  ");
        toml_key(sb, copy[i]->key, copy[i]->klen);
        ht_sb_puts(sb, " = ");
        if (toml_value(cx, sb, v)) return -1;
        ht_sb_putc(sb, '\n');
    }
    for (uint32_t i = 0; i < n; i++) {
        ht_val v = copy[i]->val;
        if (!toml_is_table(v) && !toml_is_table_array(v)) continue;
        ht_sb path;
        ht_sb_init(&path, cx);
        if (prefix[0]) {
            ht_sb_puts(&path, prefix);
            ht_sb_putc(&path, '.');
        }
        toml_key(&path, copy[i]->key, copy[i]->klen);
        const char *p = ht_sb_val(&path).v.s;
        if (toml_is_table(v)) {
            if (sb->len) ht_sb_putc(sb, '\n');
            for (int d = 0; d < depth; d++) ht_sb_puts(sb, "  ");
            ht_sb_printf(sb, "[%s]\n", p);
            if (toml_table(cx, sb, v, p, depth + 1)) return -1;
        } else {
            for (uint32_t k = 0; k < v.v.l->n; k++) {
                if (sb->len) ht_sb_putc(sb, '\n');
                for (int d = 0; d < depth; d++) ht_sb_puts(sb, "  ");
                ht_sb_printf(sb, "[[%s]]\n", p);
                if (toml_table(cx, sb, v.v.l->items[k], p, depth + 1)) return -1;
            }
        }
    }
    return 0;
}

static int to_toml(ht_ctx *cx, ht_val v, ht_val *out)
{
    v = ht_strip(v);
    if (v.k != HT_MAP) return ht_errf(cx, "toml: top-level values must be Go maps or structs");
    ht_sb sb;
    ht_sb_init(&sb, cx);
    if (toml_table(cx, &sb, v, "", 0)) return -1;
    *out = ht_sb_val(&sb);
    return 0;
}

FN(fn_to_toml)
{
    UNUSED_ARGS;
    if (to_toml(cx, argv[0], out)) {
        *out = ht_strz(cx, cx->err);
        ht_err_clear(cx);
    }
    return 0;
}

FN(fn_must_to_toml)
{
    UNUSED_ARGS;
    return to_toml(cx, argv[0], out);
}

/* ================================================================ base64/32 */

static const char b64chars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

FN(fn_b64enc)
{
    UNUSED_ARGS;
    ht_val s = argv[0];
    ht_sb sb;
    ht_sb_init(&sb, cx);
    const unsigned char *p = (const unsigned char *)s.v.s;
    for (size_t i = 0; i < s.n; i += 3) {
        uint32_t x = (uint32_t)p[i] << 16 | (i + 1 < s.n ? (uint32_t)p[i + 1] << 8 : 0) | (i + 2 < s.n ? p[i + 2] : 0);
        ht_sb_putc(&sb, b64chars[(x >> 18) & 63]);
        ht_sb_putc(&sb, b64chars[(x >> 12) & 63]);
        ht_sb_putc(&sb, i + 1 < s.n ? b64chars[(x >> 6) & 63] : '=');
        ht_sb_putc(&sb, i + 2 < s.n ? b64chars[x & 63] : '=');
    }
    *out = ht_sb_val(&sb);
    return 0;
}

/* base64.StdEncoding.DecodeString: a port of Go's decodeQuantum, so the
 * CorruptInputError offsets match */
int ht_b64_decode(ht_ctx *cx, const char *s, size_t n, ht_val *out, char *err, size_t errn)
{
    static signed char dmap[256];
    static bool init;
    if (!init) {
        memset(dmap, -1, sizeof dmap);
        for (int i = 0; i < 64; i++) dmap[(unsigned char)b64chars[i]] = (signed char)i;
        init = true;
    }
    ht_sb sb;
    ht_sb_init(&sb, cx);
    size_t si = 0;
    while (si < n) {
        unsigned char dbuf[4] = {0};
        int dlen = 4;
        bool stop = false;
        for (int j = 0; j < 4; j++) {
            if (si == n) {
                if (j == 0) {
                    *out = ht_sb_val(&sb);
                    return 0;
                }
                snprintf(err, errn, "illegal base64 data at input byte %zu", si - (size_t)j);
                return -1;
            }
            unsigned char in = (unsigned char)s[si++];
            if (dmap[in] >= 0) {
                dbuf[j] = (unsigned char)dmap[in];
                continue;
            }
            if (in == '\n' || in == '\r') {
                j--;
                continue;
            }
            if (in != '=') {
                snprintf(err, errn, "illegal base64 data at input byte %zu", si - 1);
                return -1;
            }
            if (j == 0 || j == 1) {
                snprintf(err, errn, "illegal base64 data at input byte %zu", si - 1);
                return -1;
            }
            if (j == 2) {
                while (si < n && (s[si] == '\n' || s[si] == '\r')) si++;
                if (si == n) {
                    snprintf(err, errn, "illegal base64 data at input byte %zu", n);
                    return -1;
                }
                if (s[si] != '=') {
                    snprintf(err, errn, "illegal base64 data at input byte %zu", si - 1);
                    return -1;
                }
                si++;
            }
            while (si < n && (s[si] == '\n' || s[si] == '\r')) si++;
            if (si < n) {
                snprintf(err, errn, "illegal base64 data at input byte %zu", si);
                return -1;
            }
            dlen = j;
            stop = true;
            break;
        }
        uint32_t v = (uint32_t)dbuf[0] << 18 | (uint32_t)dbuf[1] << 12 | (uint32_t)dbuf[2] << 6 | dbuf[3];
        if (dlen >= 2) ht_sb_putc(&sb, (char)(v >> 16));
        if (dlen >= 3) ht_sb_putc(&sb, (char)(v >> 8));
        if (dlen >= 4) ht_sb_putc(&sb, (char)v);
        if (stop) break;
    }
    *out = ht_sb_val(&sb);
    return 0;
}

FN(fn_b64dec)
{
    UNUSED_ARGS;
    char err[128];
    if (ht_b64_decode(cx, argv[0].v.s, argv[0].n, out, err, sizeof err)) *out = ht_strz(cx, err);
    return 0;
}

static const char b32chars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

FN(fn_b32enc)
{
    UNUSED_ARGS;
    ht_val s = argv[0];
    ht_sb sb;
    ht_sb_init(&sb, cx);
    const unsigned char *p = (const unsigned char *)s.v.s;
    for (size_t i = 0; i < s.n; i += 5) {
        uint64_t x = 0;
        size_t k = s.n - i < 5 ? s.n - i : 5;
        for (size_t j = 0; j < 5; j++) x = x << 8 | (j < k ? p[i + j] : 0);
        static const int outn[] = {0, 2, 4, 5, 7, 8};
        for (int j = 0; j < 8; j++) {
            if (j < outn[k]) ht_sb_putc(&sb, b32chars[(x >> (35 - 5 * j)) & 31]);
            else ht_sb_putc(&sb, '=');
        }
    }
    *out = ht_sb_val(&sb);
    return 0;
}

FN(fn_b32dec)
{
    UNUSED_ARGS;
    ht_val s = argv[0];
    ht_sb sb;
    ht_sb_init(&sb, cx);
    uint64_t acc = 0;
    int bits = 0;
    size_t i = 0, nq = 0;
    for (; i < s.n; i++) {
        char c = s.v.s[i];
        if (c == '\r' || c == '\n') continue;
        if (c == '=') break;
        const char *q = strchr(b32chars, c);
        if (!q || !c) {
            *out = ht_strz(cx, "illegal base32 data at input byte 0");
            char m[64];
            snprintf(m, sizeof m, "illegal base32 data at input byte %zu", i);
            *out = ht_strz(cx, m);
            return 0;
        }
        acc = acc << 5 | (uint64_t)(q - b32chars);
        bits += 5;
        nq++;
        if (bits >= 8) {
            bits -= 8;
            ht_sb_putc(&sb, (char)((acc >> bits) & 0xFF));
        }
    }
    size_t pads = 0;
    for (size_t j = i; j < s.n; j++)
        if (s.v.s[j] == '=') pads++;
    if ((nq + pads) % 8 != 0) {
        char m[64];
        snprintf(m, sizeof m, "illegal base32 data at input byte %u", (unsigned)s.n);
        *out = ht_strz(cx, m);
        return 0;
    }
    *out = ht_sb_val(&sb);
    return 0;
}

/* ================================================================ paths */

/* Go's path.Clean */
ht_val ht_path_clean(ht_ctx *cx, const char *p, size_t n)
{
    if (n == 0) return ht_str_static(".", 1);
    bool rooted = p[0] == '/';
    char *out = ht_cx_alloc(cx, n + 2);
    size_t w = 0, r = 0, dotdot = 0;
    if (rooted) {
        out[w++] = '/';
        r = 1;
        dotdot = 1;
    }
    while (r < n) {
        if (p[r] == '/') r++;
        else if (p[r] == '.' && (r + 1 == n || p[r + 1] == '/')) r++;
        else if (p[r] == '.' && p[r + 1] == '.' && (r + 2 == n || p[r + 2] == '/')) {
            r += 2;
            if (w > dotdot) {
                w--;
                while (w > dotdot && out[w] != '/') w--;
            } else if (!rooted) {
                if (w > 0) out[w++] = '/';
                out[w++] = '.';
                out[w++] = '.';
                dotdot = w;
            }
        } else {
            if ((rooted && w != 1) || (!rooted && w != 0)) out[w++] = '/';
            for (; r < n && p[r] != '/'; r++) out[w++] = p[r];
        }
    }
    if (w == 0) return ht_str_static(".", 1);
    out[w] = 0;
    return ht_str_static(out, w);
}

FN(fn_base)
{
    UNUSED_ARGS;
    ht_val s = argv[0];
    if (s.n == 0) {
        *out = ht_str_static(".", 1);
        return 0;
    }
    size_t e = s.n;
    while (e > 0 && s.v.s[e - 1] == '/') e--;
    if (e == 0) {
        *out = ht_str_static("/", 1);
        return 0;
    }
    size_t b = e;
    while (b > 0 && s.v.s[b - 1] != '/') b--;
    *out = ht_str(cx, s.v.s + b, e - b);
    return 0;
}

FN(fn_dir)
{
    UNUSED_ARGS;
    ht_val s = argv[0];
    size_t i = s.n;
    while (i > 0 && s.v.s[i - 1] != '/') i--;
    *out = ht_path_clean(cx, s.v.s, i);
    return 0;
}

FN(fn_clean)
{
    UNUSED_ARGS;
    *out = ht_path_clean(cx, argv[0].v.s, argv[0].n);
    return 0;
}

FN(fn_ext)
{
    UNUSED_ARGS;
    ht_val s = argv[0];
    for (size_t i = s.n; i > 0; i--) {
        if (s.v.s[i - 1] == '/') break;
        if (s.v.s[i - 1] == '.') {
            *out = ht_str(cx, s.v.s + i - 1, s.n - (i - 1));
            return 0;
        }
    }
    *out = ht_str_static("", 0);
    return 0;
}

FN(fn_is_abs)
{
    UNUSED_ARGS;
    *out = ht_bool(argv[0].n > 0 && argv[0].v.s[0] == '/');
    return 0;
}

/* ================================================================ URLs */

static int unhex(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

static int url_unescape(ht_ctx *cx, const char *s, size_t n, ht_val *out)
{
    ht_sb sb;
    ht_sb_init(&sb, cx);
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '%') {
            if (i + 2 >= n + 0 || unhex(s[i + 1]) < 0 || (i + 2 < n ? unhex(s[i + 2]) < 0 : true)) {
                size_t l = n - i < 3 ? n - i : 3;
                return ht_errf(cx, "invalid URL escape \"%.*s\"", (int)l, s + i);
            }
            ht_sb_putc(&sb, (char)(unhex(s[i + 1]) * 16 + unhex(s[i + 2])));
            i += 2;
        } else {
            ht_sb_putc(&sb, s[i]);
        }
    }
    *out = ht_sb_val(&sb);
    return 0;
}

void ht_query_escape(const char *s, size_t n, ht_sb *sb, bool path); /* funcs_core.c */

FN(fn_url_parse)
{
    UNUSED_ARGS;
    const char *s = argv[0].v.s;
    size_t n = argv[0].n;
    ht_val scheme = ht_str_static("", 0), host = scheme, path = scheme, query = scheme, opaque = scheme, frag = scheme,
           user = scheme;
    /* fragment */
    const char *hash = memchr(s, '#', n);
    size_t rest_n = hash ? (size_t)(hash - s) : n;
    if (hash && url_unescape(cx, hash + 1, n - rest_n - 1, &frag))
        return ht_errf(cx, "unable to parse url: parse \"%s\": %s", s, cx->err);
    /* scheme */
    size_t i = 0;
    const char *r = s;
    size_t rn = rest_n;
    for (i = 0; i < rest_n; i++) {
        char c = s[i];
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) continue;
        if (i > 0 && ((c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.')) continue;
        if (c == ':' && i > 0) {
            scheme = ht_str(cx, s, i);
            for (uint32_t k = 0; k < scheme.n; k++) ((char *)scheme.v.s)[k] = (char)(scheme.v.s[k] | ((scheme.v.s[k] >= 'A' && scheme.v.s[k] <= 'Z') ? 0x20 : 0));
            r = s + i + 1;
            rn = rest_n - i - 1;
        } else if (c == ':') {
            return ht_errf(cx, "unable to parse url: parse \"%s\": missing protocol scheme", s);
        }
        break;
    }
    /* query */
    const char *qm = memchr(r, '?', rn);
    if (qm) {
        query = ht_str(cx, qm + 1, rn - (size_t)(qm + 1 - r));
        rn = (size_t)(qm - r);
    }
    if (scheme.n && (rn == 0 || r[0] != '/')) {
        opaque = ht_str(cx, r, rn);
    } else {
        if (rn >= 2 && r[0] == '/' && r[1] == '/' && (scheme.n || true)) {
            const char *a = r + 2;
            size_t an = rn - 2;
            const char *sl = memchr(a, '/', an);
            size_t authn = sl ? (size_t)(sl - a) : an;
            const char *at = NULL;
            for (size_t k = authn; k > 0; k--)
                if (a[k - 1] == '@') {
                    at = a + k - 1;
                    break;
                }
            if (at) {
                ht_val u;
                if (url_unescape(cx, a, (size_t)(at - a), &u)) return ht_errf(cx, "unable to parse url: %s", cx->err);
                ht_sb us;
                ht_sb_init(&us, cx);
                ht_sb_put(&us, a, (size_t)(at - a));
                user = ht_sb_val(&us);
                host = ht_str(cx, at + 1, authn - (size_t)(at + 1 - a));
            } else {
                host = ht_str(cx, a, authn);
            }
            r = a + authn;
            rn = an - authn;
        }
        if (url_unescape(cx, r, rn, &path)) return ht_errf(cx, "unable to parse url: parse \"%s\": %s", s, cx->err);
    }
    /* hostname: strip port and IPv6 brackets */
    ht_val hostname = host;
    if (host.n && host.v.s[0] == '[') {
        const char *e = memchr(host.v.s, ']', host.n);
        hostname = ht_str(cx, host.v.s + 1, e ? (size_t)(e - host.v.s - 1) : host.n - 1);
    } else {
        const char *c = memchr(host.v.s, ':', host.n);
        if (c) hostname = ht_str(cx, host.v.s, (size_t)(c - host.v.s));
    }
    ht_val m = ht_map_new(cx, HT_M_ANY);
    ht_map_set(cx, m.v.m, "scheme", 6, scheme);
    ht_map_set(cx, m.v.m, "host", 4, host);
    ht_map_set(cx, m.v.m, "hostname", 8, hostname);
    ht_map_set(cx, m.v.m, "path", 4, path);
    ht_map_set(cx, m.v.m, "query", 5, query);
    ht_map_set(cx, m.v.m, "opaque", 6, opaque);
    ht_map_set(cx, m.v.m, "fragment", 8, frag);
    ht_map_set(cx, m.v.m, "userinfo", 8, user);
    *out = m;
    return 0;
}

static ht_val meta_field(ht_val d, const char *k)
{
    ht_val *e = d.v.m ? ht_map_get(d.v.m, k, strlen(k)) : NULL;
    if (!e || e->k != HT_STRING) return ht_str_static("", 0);
    return *e;
}

static void escape_component(ht_sb *sb, ht_val s, bool fragment)
{
    static const char hx[] = "0123456789ABCDEF";
    for (uint32_t i = 0; i < s.n; i++) {
        unsigned char c = (unsigned char)s.v.s[i];
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
                  c == '.' || c == '~' || c == '$' || c == '&' || c == '+' || c == ',' || c == '/' || c == ':' ||
                  c == ';' || c == '=' || c == '@' || (fragment && (c == '!' || c == '(' || c == ')' || c == '*' || c == '?'));
        if (ok) ht_sb_putc(sb, (char)c);
        else {
            ht_sb_putc(sb, '%');
            ht_sb_putc(sb, hx[c >> 4]);
            ht_sb_putc(sb, hx[c & 15]);
        }
    }
}

FN(fn_url_join)
{
    UNUSED_ARGS;
    ht_val d = argv[0];
    ht_val scheme = meta_field(d, "scheme"), host = meta_field(d, "host"), path = meta_field(d, "path"),
           query = meta_field(d, "query"), opaque = meta_field(d, "opaque"), frag = meta_field(d, "fragment"),
           user = meta_field(d, "userinfo");
    ht_sb sb;
    ht_sb_init(&sb, cx);
    if (scheme.n) {
        ht_sb_put(&sb, scheme.v.s, scheme.n);
        ht_sb_putc(&sb, ':');
    }
    if (opaque.n) {
        ht_sb_put(&sb, opaque.v.s, opaque.n);
    } else {
        if (scheme.n || host.n || user.n) {
            if (host.n || path.n || user.n) ht_sb_puts(&sb, "//");
            if (user.n) {
                ht_sb_put(&sb, user.v.s, user.n);
                ht_sb_putc(&sb, '@');
            }
            ht_sb_put(&sb, host.v.s, host.n);
        }
        if (path.n && path.v.s[0] != '/' && host.n) ht_sb_putc(&sb, '/');
        if (sb.len == 0 && path.n) {
            /* a first segment with a colon would look like a scheme */
            const char *c = memchr(path.v.s, ':', path.n);
            const char *sl = memchr(path.v.s, '/', path.n);
            if (c && (!sl || c < sl)) ht_sb_puts(&sb, "./");
        }
        escape_component(&sb, path, false);
    }
    if (query.n) {
        ht_sb_putc(&sb, '?');
        ht_sb_put(&sb, query.v.s, query.n);
    }
    if (frag.n) {
        ht_sb_putc(&sb, '#');
        escape_component(&sb, frag, true);
    }
    *out = ht_sb_val(&sb);
    return 0;
}

FN(fn_get_host_by_name)
{
    UNUSED_ARGS;
    if (!cx->enable_dns) {
        *out = ht_str_static("", 0);
        return 0;
    }
    char name[256];
    snprintf(name, sizeof name, "%.*s", (int)argv[0].n, argv[0].v.s);
    struct addrinfo hints = {0}, *res = NULL;
    hints.ai_family = AF_UNSPEC;
    if (getaddrinfo(name, NULL, &hints, &res) != 0 || !res) {
        *out = ht_str_static("", 0);
        return 0;
    }
    char ip[INET6_ADDRSTRLEN] = "";
    if (res->ai_family == AF_INET) inet_ntop(AF_INET, &((struct sockaddr_in *)res->ai_addr)->sin_addr, ip, sizeof ip);
    else inet_ntop(AF_INET6, &((struct sockaddr_in6 *)res->ai_addr)->sin6_addr, ip, sizeof ip);
    freeaddrinfo(res);
    *out = ht_strz(cx, ip);
    return 0;
}

#define S P_STRING
#define A P_ANY

const ht_funcdef ht_funcs_encoding[] = {
    {"b32dec", fn_b32dec, 1, false, {S}, S, 0},
    {"b32enc", fn_b32enc, 1, false, {S}, S, 0},
    {"b64dec", fn_b64dec, 1, false, {S}, S, 0},
    {"b64enc", fn_b64enc, 1, false, {S}, S, 0},
    {"base", fn_base, 1, false, {S}, S, 0},
    {"clean", fn_clean, 1, false, {S}, S, 0},
    {"dir", fn_dir, 1, false, {S}, S, 0},
    {"ext", fn_ext, 1, false, {S}, S, 0},
    {"getHostByName", fn_get_host_by_name, 1, false, {S}, S, 0},
    {"isAbs", fn_is_abs, 1, false, {S}, P_BOOL, 0},
    {"mustToToml", fn_must_to_toml, 1, false, {A}, S, 0},
    {"osBase", fn_base, 1, false, {S}, S, 0},
    {"osClean", fn_clean, 1, false, {S}, S, 0},
    {"osDir", fn_dir, 1, false, {S}, S, 0},
    {"osExt", fn_ext, 1, false, {S}, S, 0},
    {"osIsAbs", fn_is_abs, 1, false, {S}, P_BOOL, 0},
    {"toToml", fn_to_toml, 1, false, {A}, S, 0},
    {"urlJoin", fn_url_join, 1, false, {P_MAP}, S, 0},
    {"urlParse", fn_url_parse, 1, false, {S}, P_MAP, 0},
    {NULL, NULL, 0, false, {0}, 0, 0},
};
