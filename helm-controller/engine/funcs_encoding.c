/*
 * funcs_encoding.c: data encodings templates use: Go's encoding/json
 * (Marshal/MarshalIndent/Encoder and Unmarshal, with Go's escaping rules and
 * error messages), YAML through libcommon (sigs.k8s.io/yaml semantics:
 * Marshal goes value -> JSON -> YAML, so 1234567.0 prints as 1234567), a
 * TOML encoder (BurntSushi/toml's layout), base64/base32, URLs and paths.
 *
 * JSON is hand-written rather than json-c because the exact bytes and the
 * error texts matter: Go escapes <, > and & as \u003c.., prints floats with
 * strconv's shortest form, and fromJson returns "invalid character 'x'
 * looking for beginning of value" inside the map's "Error" key.
 */
#include "ht_internal.h"
#include "fc/err.h"
#include "fc/gofmt.h"
#include "fc/yaml.h"
#include <arpa/inet.h>
#include <math.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define FN(name) static int name(ht_ctx *cx, int argc, ht_val *argv, ht_val *out)
#define UNUSED_ARGS (void)cx, (void)argc, (void)argv

/* ================================================================ JSON out */

static void json_string(ht_sb *sb, const char *s, size_t n, bool html)
{
    static const char hx[] = "0123456789abcdef";
    ht_sb_putc(sb, '"');
    size_t start = 0;
    for (size_t i = 0; i < n;) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x80) {
            bool safe = c >= 0x20 && c != '"' && c != '\\' && (!html || (c != '<' && c != '>' && c != '&'));
            if (safe) {
                i++;
                continue;
            }
            ht_sb_put(sb, s + start, i - start);
            switch (c) {
            case '\\': ht_sb_puts(sb, "\\\\"); break;
            case '"': ht_sb_puts(sb, "\\\""); break;
            case '\b': ht_sb_puts(sb, "\\b"); break;
            case '\f': ht_sb_puts(sb, "\\f"); break;
            case '\n': ht_sb_puts(sb, "\\n"); break;
            case '\r': ht_sb_puts(sb, "\\r"); break;
            case '\t': ht_sb_puts(sb, "\\t"); break;
            default:
                ht_sb_puts(sb, "\\u00");
                ht_sb_putc(sb, hx[c >> 4]);
                ht_sb_putc(sb, hx[c & 15]);
            }
            i++;
            start = i;
            continue;
        }
        uint32_t r;
        int w = fc_utf8_decode(s + i, n - i, &r);
        if (r == 0xFFFD && w == 1) {
            ht_sb_put(sb, s + start, i - start);
            ht_sb_puts(sb, "\\ufffd");
            i += (size_t)w;
            start = i;
            continue;
        }
        if (r == 0x2028 || r == 0x2029) {
            ht_sb_put(sb, s + start, i - start);
            ht_sb_puts(sb, r == 0x2028 ? "\\u2028" : "\\u2029");
            i += (size_t)w;
            start = i;
            continue;
        }
        i += (size_t)w;
    }
    ht_sb_put(sb, s + start, n - start);
    ht_sb_putc(sb, '"');
}

static void json_newline(ht_sb *sb, const char *indent, int depth)
{
    ht_sb_putc(sb, '\n');
    for (int i = 0; i < depth; i++) ht_sb_puts(sb, indent);
}

static int key_sort(const void *a, const void *b)
{
    const ht_mentry *x = *(ht_mentry *const *)a, *y = *(ht_mentry *const *)b;
    size_t n = x->klen < y->klen ? x->klen : y->klen;
    int c = memcmp(x->key, y->key, n);
    if (c) return c;
    return x->klen < y->klen ? -1 : x->klen > y->klen;
}

static int json_enc(ht_ctx *cx, ht_val v, ht_sb *sb, const char *indent, bool html, int depth)
{
    char num[64];
    if (depth > 10000) return ht_errf(cx, "json: unsupported value: encountered a cycle");
    v = ht_strip(v);
    switch (v.k) {
    case HT_NIL: ht_sb_puts(sb, "null"); return 0;
    case HT_BOOL: ht_sb_puts(sb, v.v.b ? "true" : "false"); return 0;
    case HT_INT: case HT_INT64: case HT_DURATION: ht_sb_printf(sb, "%lld", (long long)v.v.i); return 0;
    case HT_UINT64: ht_sb_printf(sb, "%llu", (unsigned long long)v.v.u); return 0;
    case HT_FLOAT64:
        if (isnan(v.v.f) || isinf(v.v.f)) {
            fc_go_format_float(v.v.f, 'g', -1, num, sizeof num);
            return ht_errf(cx, "json: unsupported value: %s", num);
        }
        fc_go_json_float(v.v.f, num, sizeof num);
        ht_sb_puts(sb, num);
        return 0;
    case HT_STRING: json_string(sb, v.v.s, v.n, html); return 0;
    case HT_BYTES: {
        static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        const unsigned char *s = (const unsigned char *)v.v.s;
        ht_sb_putc(sb, '"');
        for (size_t i = 0; i < v.n; i += 3) {
            uint32_t x = (uint32_t)s[i] << 16 | (i + 1 < v.n ? (uint32_t)s[i + 1] << 8 : 0) | (i + 2 < v.n ? s[i + 2] : 0);
            ht_sb_putc(sb, b64[(x >> 18) & 63]);
            ht_sb_putc(sb, b64[(x >> 12) & 63]);
            ht_sb_putc(sb, i + 1 < v.n ? b64[(x >> 6) & 63] : '=');
            ht_sb_putc(sb, i + 2 < v.n ? b64[x & 63] : '=');
        }
        ht_sb_putc(sb, '"');
        return 0;
    }
    case HT_LIST: {
        if (!v.v.l) {
            ht_sb_puts(sb, "null");
            return 0;
        }
        ht_sb_putc(sb, '[');
        for (uint32_t i = 0; i < v.v.l->n; i++) {
            if (i) ht_sb_putc(sb, ',');
            if (indent) json_newline(sb, indent, depth + 1);
            if (json_enc(cx, v.v.l->items[i], sb, indent, html, depth + 1)) return -1;
        }
        if (indent && v.v.l->n) json_newline(sb, indent, depth);
        ht_sb_putc(sb, ']');
        return 0;
    }
    case HT_MAP: {
        if (!v.v.m) {
            ht_sb_puts(sb, "null");
            return 0;
        }
        uint32_t n;
        ht_mentry **es = ht_map_sorted(cx, v.v.m, &n);
        ht_mentry **copy = ht_cx_alloc(cx, (n + 1) * sizeof *copy);
        if (n) memcpy(copy, es, n * sizeof *copy);
        (void)key_sort;
        ht_sb_putc(sb, '{');
        for (uint32_t i = 0; i < n; i++) {
            if (i) ht_sb_putc(sb, ',');
            if (indent) json_newline(sb, indent, depth + 1);
            json_string(sb, copy[i]->key, copy[i]->klen, html);
            ht_sb_putc(sb, ':');
            if (indent) ht_sb_putc(sb, ' ');
            ht_val ev = copy[i]->val;
            if (v.sub == HT_M_FILES) ev.k = HT_BYTES;
            if (json_enc(cx, ev, sb, indent, html, depth + 1)) return -1;
        }
        if (indent && n) json_newline(sb, indent, depth);
        ht_sb_putc(sb, '}');
        return 0;
    }
    case HT_TIME: {
        char b[80];
        ht_time_rfc3339nano(v.v.t, b, sizeof b);
        json_string(sb, b, strlen(b), html);
        return 0;
    }
    case HT_OBJ:
        if (v.v.o->cls->to_value) return json_enc(cx, v.v.o->cls->to_value(cx, v.v.o), sb, indent, html, depth + 1);
        ht_sb_puts(sb, "{}");
        return 0;
    }
    return 0;
}

int ht_json_encode(ht_ctx *cx, ht_val v, ht_sb *out, const char *indent, bool escape_html)
{
    return json_enc(cx, v, out, indent, escape_html, 0);
}

/* ================================================================ JSON in */

typedef struct {
    ht_ctx *cx;
    const char *s;
    size_t n, i;
    int depth;
} jdec;

static void jquote_char(char *buf, size_t bn, unsigned char c)
{
    /* Go's quoteChar */
    if (c == '\'') snprintf(buf, bn, "'\\''");
    else if (c == '"') snprintf(buf, bn, "'\"'");
    else if (c >= 0x20 && c < 0x7F) snprintf(buf, bn, "'%c'", c);
    else snprintf(buf, bn, "'\\x%02x'", c);
}

static int jerr(jdec *d, const char *context)
{
    if (d->i >= d->n) return ht_errf(d->cx, "unexpected end of JSON input");
    char q[16];
    unsigned char c = (unsigned char)d->s[d->i];
    if (c >= 0x80) {
        uint32_t r;
        fc_utf8_decode(d->s + d->i, d->n - d->i, &r);
        ht_sb sb;
        ht_sb_init(&sb, d->cx);
        ht_sb_putc(&sb, '\'');
        ht_sb_rune(&sb, r);
        ht_sb_putc(&sb, '\'');
        return ht_errf(d->cx, "invalid character %s %s", ht_sb_val(&sb).v.s, context);
    }
    jquote_char(q, sizeof q, c);
    return ht_errf(d->cx, "invalid character %s %s", q, context);
}

static void jws(jdec *d)
{
    while (d->i < d->n && (d->s[d->i] == ' ' || d->s[d->i] == '\t' || d->s[d->i] == '\n' || d->s[d->i] == '\r')) d->i++;
}

static int jvalue(jdec *d, ht_val *out);

static int jstring(jdec *d, ht_val *out)
{
    /* at the opening quote */
    d->i++;
    ht_sb sb;
    ht_sb_init(&sb, d->cx);
    for (;;) {
        if (d->i >= d->n) return ht_errf(d->cx, "unexpected end of JSON input");
        unsigned char c = (unsigned char)d->s[d->i];
        if (c == '"') {
            d->i++;
            break;
        }
        if (c < 0x20) return jerr(d, "in string literal");
        if (c == '\\') {
            d->i++;
            if (d->i >= d->n) return ht_errf(d->cx, "unexpected end of JSON input");
            char e = d->s[d->i];
            switch (e) {
            case '"': ht_sb_putc(&sb, '"'); break;
            case '\\': ht_sb_putc(&sb, '\\'); break;
            case '/': ht_sb_putc(&sb, '/'); break;
            case 'b': ht_sb_putc(&sb, '\b'); break;
            case 'f': ht_sb_putc(&sb, '\f'); break;
            case 'n': ht_sb_putc(&sb, '\n'); break;
            case 'r': ht_sb_putc(&sb, '\r'); break;
            case 't': ht_sb_putc(&sb, '\t'); break;
            case 'u': {
                uint32_t r = 0;
                for (int k = 1; k <= 4; k++) {
                    if (d->i + (size_t)k >= d->n) {
                        d->i = d->n;
                        return ht_errf(d->cx, "unexpected end of JSON input");
                    }
                    char h = d->s[d->i + (size_t)k];
                    int v = (h >= '0' && h <= '9') ? h - '0' : (h >= 'a' && h <= 'f') ? h - 'a' + 10 : (h >= 'A' && h <= 'F') ? h - 'A' + 10 : -1;
                    if (v < 0) {
                        d->i += (size_t)k;
                        return jerr(d, "in \\u hexadecimal character escape");
                    }
                    r = r * 16 + (uint32_t)v;
                }
                d->i += 4;
                if (r >= 0xD800 && r < 0xDC00) {
                    /* surrogate pair? */
                    uint32_t r2 = 0;
                    bool ok = d->i + 6 < d->n + 0 && d->s[d->i + 1] == '\\' && d->s[d->i + 2] == 'u';
                    if (ok) {
                        for (int k = 3; k <= 6 && ok; k++) {
                            char h = d->s[d->i + (size_t)k];
                            int v = (h >= '0' && h <= '9') ? h - '0' : (h >= 'a' && h <= 'f') ? h - 'a' + 10 : (h >= 'A' && h <= 'F') ? h - 'A' + 10 : -1;
                            if (v < 0) ok = false;
                            else r2 = r2 * 16 + (uint32_t)v;
                        }
                    }
                    if (ok && r2 >= 0xDC00 && r2 < 0xE000) {
                        r = 0x10000 + ((r - 0xD800) << 10) + (r2 - 0xDC00);
                        d->i += 6;
                    } else {
                        r = 0xFFFD;
                    }
                } else if (r >= 0xDC00 && r < 0xE000) {
                    r = 0xFFFD;
                }
                ht_sb_rune(&sb, r);
                break;
            }
            default: return jerr(d, "in string escape code");
            }
            d->i++;
            continue;
        }
        if (c < 0x80) {
            ht_sb_putc(&sb, (char)c);
            d->i++;
            continue;
        }
        uint32_t r;
        int w = fc_utf8_decode(d->s + d->i, d->n - d->i, &r);
        if (r == 0xFFFD && w == 1) ht_sb_rune(&sb, 0xFFFD);
        else ht_sb_put(&sb, d->s + d->i, (size_t)w);
        d->i += (size_t)w;
    }
    *out = ht_sb_val(&sb);
    return 0;
}

static int jnumber(jdec *d, ht_val *out)
{
    size_t st = d->i;
    if (d->s[d->i] == '-') {
        d->i++;
        if (d->i >= d->n) return ht_errf(d->cx, "unexpected end of JSON input");
        if (!(d->s[d->i] >= '0' && d->s[d->i] <= '9')) return jerr(d, "in numeric literal");
    }
    if (d->s[d->i] == '0') d->i++;
    else while (d->i < d->n && d->s[d->i] >= '0' && d->s[d->i] <= '9') d->i++;
    if (d->i < d->n && d->s[d->i] == '.') {
        d->i++;
        if (d->i >= d->n) return ht_errf(d->cx, "unexpected end of JSON input");
        if (!(d->s[d->i] >= '0' && d->s[d->i] <= '9')) return jerr(d, "after decimal point in numeric literal");
        while (d->i < d->n && d->s[d->i] >= '0' && d->s[d->i] <= '9') d->i++;
    }
    if (d->i < d->n && (d->s[d->i] == 'e' || d->s[d->i] == 'E')) {
        d->i++;
        if (d->i < d->n && (d->s[d->i] == '+' || d->s[d->i] == '-')) d->i++;
        if (d->i >= d->n) return ht_errf(d->cx, "unexpected end of JSON input");
        if (!(d->s[d->i] >= '0' && d->s[d->i] <= '9')) return jerr(d, "in exponent of numeric literal");
        while (d->i < d->n && d->s[d->i] >= '0' && d->s[d->i] <= '9') d->i++;
    }
    double f;
    if (!ht_parse_float(d->s + st, d->i - st, &f)) {
        return ht_errf(d->cx, "json: cannot unmarshal number %.*s into Go value of type float64", (int)(d->i - st), d->s + st);
    }
    *out = ht_float(f);
    return 0;
}

static int jliteral(jdec *d, const char *word, ht_val v, ht_val *out)
{
    size_t wl = strlen(word);
    for (size_t k = 0; k < wl; k++) {
        if (d->i + k >= d->n) {
            d->i = d->n;
            return ht_errf(d->cx, "unexpected end of JSON input");
        }
        if (d->s[d->i + k] != word[k]) {
            d->i += k;
            char ctx[64];
            snprintf(ctx, sizeof ctx, "in literal %s (expecting '%c')", word, word[k]);
            return jerr(d, ctx);
        }
    }
    d->i += wl;
    *out = v;
    return 0;
}

static int jvalue(jdec *d, ht_val *out)
{
    jws(d);
    if (d->i >= d->n) return ht_errf(d->cx, "unexpected end of JSON input");
    if (++d->depth > 10000) return ht_errf(d->cx, "exceeded max depth");
    char c = d->s[d->i];
    int rc;
    switch (c) {
    case '{': {
        d->i++;
        ht_val m = ht_map_new(d->cx, HT_M_ANY);
        jws(d);
        if (d->i < d->n && d->s[d->i] == '}') {
            d->i++;
            *out = m;
            d->depth--;
            return 0;
        }
        for (;;) {
            jws(d);
            if (d->i >= d->n) return ht_errf(d->cx, "unexpected end of JSON input");
            if (d->s[d->i] != '"') return jerr(d, "looking for beginning of object key string");
            ht_val k;
            if (jstring(d, &k)) return -1;
            jws(d);
            if (d->i >= d->n) return ht_errf(d->cx, "unexpected end of JSON input");
            if (d->s[d->i] != ':') return jerr(d, "after object key");
            d->i++;
            ht_val v;
            jws(d);
            if (d->i >= d->n) return ht_errf(d->cx, "unexpected end of JSON input");
            if (jvalue(d, &v)) return -1;
            ht_map_set(d->cx, m.v.m, k.v.s, k.n, v);
            jws(d);
            if (d->i >= d->n) return ht_errf(d->cx, "unexpected end of JSON input");
            if (d->s[d->i] == ',') {
                d->i++;
                continue;
            }
            if (d->s[d->i] == '}') {
                d->i++;
                break;
            }
            return jerr(d, "after object key:value pair");
        }
        *out = m;
        rc = 0;
        break;
    }
    case '[': {
        d->i++;
        ht_val l = ht_list_new(d->cx, 0, HT_L_ANY);
        jws(d);
        if (d->i < d->n && d->s[d->i] == ']') {
            d->i++;
            *out = l;
            d->depth--;
            return 0;
        }
        for (;;) {
            ht_val v;
            jws(d);
            if (d->i >= d->n) return ht_errf(d->cx, "unexpected end of JSON input");
            if (jvalue(d, &v)) return -1;
            ht_list_push(d->cx, &l, v);
            jws(d);
            if (d->i >= d->n) return ht_errf(d->cx, "unexpected end of JSON input");
            if (d->s[d->i] == ',') {
                d->i++;
                continue;
            }
            if (d->s[d->i] == ']') {
                d->i++;
                break;
            }
            return jerr(d, "after array element");
        }
        *out = l;
        rc = 0;
        break;
    }
    case '"': rc = jstring(d, out); break;
    case 't': rc = jliteral(d, "true", ht_bool(true), out); break;
    case 'f': rc = jliteral(d, "false", ht_bool(false), out); break;
    case 'n': rc = jliteral(d, "null", ht_nil(), out); break;
    default:
        if (c == '-' || (c >= '0' && c <= '9')) rc = jnumber(d, out);
        else rc = jerr(d, "looking for beginning of value");
    }
    d->depth--;
    return rc;
}

int ht_json_decode(ht_ctx *cx, const char *s, size_t n, ht_val *out)
{
    jdec d = {cx, s, n, 0, 0};
    jws(&d);
    if (d.i >= d.n) return ht_errf(cx, "unexpected end of JSON input");
    if (jvalue(&d, out)) return -1;
    jws(&d);
    if (d.i < d.n) return jerr(&d, "after top-level value");
    return 0;
}

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

/* ================================================================ JSON fns */

static int to_json(ht_ctx *cx, ht_val v, ht_val *out, const char *indent, bool html)
{
    ht_sb sb;
    ht_sb_init(&sb, cx);
    if (ht_json_encode(cx, v, &sb, indent, html)) return -1;
    *out = ht_sb_val(&sb);
    return 0;
}

FN(fn_to_json)
{
    UNUSED_ARGS;
    if (to_json(cx, argv[0], out, NULL, true)) {
        ht_err_clear(cx);
        *out = ht_str_static("", 0);
    }
    return 0;
}

FN(fn_must_to_json)
{
    UNUSED_ARGS;
    return to_json(cx, argv[0], out, NULL, true);
}

FN(fn_to_pretty_json)
{
    UNUSED_ARGS;
    if (to_json(cx, argv[0], out, "  ", true)) {
        ht_err_clear(cx);
        *out = ht_str_static("", 0);
    }
    return 0;
}

FN(fn_must_to_pretty_json)
{
    UNUSED_ARGS;
    return to_json(cx, argv[0], out, "  ", true);
}

FN(fn_to_raw_json)
{
    UNUSED_ARGS;
    return to_json(cx, argv[0], out, NULL, false);
}

static const char *json_kind(ht_val v)
{
    switch (v.k) {
    case HT_LIST: return "array";
    case HT_STRING: return "string";
    case HT_BOOL: return "bool";
    case HT_FLOAT64: return "number";
    case HT_MAP: return "object";
    default: return "null";
    }
}

FN(fn_from_json)
{
    UNUSED_ARGS;
    ht_val v;
    ht_val m = ht_map_new(cx, HT_M_ANY);
    if (ht_json_decode(cx, argv[0].v.s, argv[0].n, &v) == 0) {
        if (v.k == HT_MAP) {
            *out = v;
            return 0;
        }
        if (v.k == HT_NIL) {
            /* Unmarshal of null leaves a nil map */
            m.v.m = NULL;
            *out = m;
            return 0;
        }
        ht_errf(cx, "json: cannot unmarshal %s into Go value of type map[string]interface {}", json_kind(v));
    }
    ht_map_set(cx, m.v.m, "Error", 5, ht_strz(cx, cx->err));
    ht_err_clear(cx);
    *out = m;
    return 0;
}

FN(fn_must_from_json)
{
    UNUSED_ARGS;
    return ht_json_decode(cx, argv[0].v.s, argv[0].n, out);
}

FN(fn_from_json_array)
{
    UNUSED_ARGS;
    ht_val v;
    if (ht_json_decode(cx, argv[0].v.s, argv[0].n, &v) == 0) {
        if (v.k == HT_LIST) {
            *out = v;
            return 0;
        }
        if (v.k == HT_NIL) {
            *out = ht_list_new(cx, 0, HT_L_ANY);
            return 0;
        }
        ht_errf(cx, "json: cannot unmarshal %s into Go value of type []interface {}", json_kind(v));
    }
    ht_val l = ht_list_new(cx, 1, HT_L_ANY);
    l.v.l->items[0] = ht_strz(cx, cx->err);
    l.v.l->n = 1;
    ht_err_clear(cx);
    *out = l;
    return 0;
}

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
    json_string(sb, k, n, false);
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
    {"fromJson", fn_from_json, 1, false, {S}, P_MAP, 0},
    {"fromJsonArray", fn_from_json_array, 1, false, {S}, P_LIST, 0},
    {"fromYaml", fn_from_yaml, 1, false, {S}, P_MAP, 0},
    {"fromYamlArray", fn_from_yaml_array, 1, false, {S}, P_LIST, 0},
    {"getHostByName", fn_get_host_by_name, 1, false, {S}, S, 0},
    {"isAbs", fn_is_abs, 1, false, {S}, P_BOOL, 0},
    {"mustFromJson", fn_must_from_json, 1, false, {S}, A, 0},
    {"mustToJson", fn_must_to_json, 1, false, {A}, S, 0},
    {"mustToPrettyJson", fn_must_to_pretty_json, 1, false, {A}, S, 0},
    {"mustToRawJson", fn_to_raw_json, 1, false, {A}, S, 0},
    {"mustToToml", fn_must_to_toml, 1, false, {A}, S, 0},
    {"mustToYaml", fn_must_to_yaml, 1, false, {A}, S, 0},
    {"osBase", fn_base, 1, false, {S}, S, 0},
    {"osClean", fn_clean, 1, false, {S}, S, 0},
    {"osDir", fn_dir, 1, false, {S}, S, 0},
    {"osExt", fn_ext, 1, false, {S}, S, 0},
    {"osIsAbs", fn_is_abs, 1, false, {S}, P_BOOL, 0},
    {"toJson", fn_to_json, 1, false, {A}, S, 0},
    {"toPrettyJson", fn_to_pretty_json, 1, false, {A}, S, 0},
    {"toRawJson", fn_to_raw_json, 1, false, {A}, S, 0},
    {"toToml", fn_to_toml, 1, false, {A}, S, 0},
    {"toYaml", fn_to_yaml, 1, false, {A}, S, 0},
    {"toYamlPretty", fn_to_yaml_pretty, 1, false, {A}, S, 0},
    {"urlJoin", fn_url_join, 1, false, {P_MAP}, S, 0},
    {"urlParse", fn_url_parse, 1, false, {S}, P_MAP, 0},
    {NULL, NULL, 0, false, {0}, 0, 0},
};
