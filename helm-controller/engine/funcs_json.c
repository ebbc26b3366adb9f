/*
 * funcs_json.c: Go's encoding/json for templates: Marshal, MarshalIndent and
 * Encoder (toJson, toPrettyJson, toRawJson and their must* forms) and
 * Unmarshal (fromJson, fromJsonArray, mustFromJson), with Go's escaping
 * rules and error messages; ht_json_decode also reads --set-json values
 * and values.schema.json documents.
 *
 * JSON is hand-written rather than json-c because the exact bytes and the
 * error texts matter: Go escapes <, > and & as \u003c.., prints floats with
 * strconv's shortest form, and fromJson returns "invalid character 'x'
 * looking for beginning of value" inside the map's "Error" key.
 */
#include "ht_internal.h"
#include "fc/gofmt.h"
#include <math.h>
#include <stdio.h>
#include <string.h>

#define FN(name) static int name(ht_ctx *cx, int argc, ht_val *argv, ht_val *out)
#define UNUSED_ARGS (void)cx, (void)argc, (void)argv

/* ================================================================ JSON out */

void ht_json_string(ht_sb *sb, const char *s, size_t n, bool html)
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
    case HT_STRING: ht_json_string(sb, v.v.s, v.n, html); return 0;
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
        /* a copy: the sorted view is borrowed, valid only until the map changes */
        ht_mentry **copy = ht_cx_alloc(cx, (n + 1) * sizeof *copy);
        if (n) memcpy(copy, es, n * sizeof *copy);
        ht_sb_putc(sb, '{');
        for (uint32_t i = 0; i < n; i++) {
            if (i) ht_sb_putc(sb, ',');
            if (indent) json_newline(sb, indent, depth + 1);
            ht_json_string(sb, copy[i]->key, copy[i]->klen, html);
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
        ht_json_string(sb, b, strlen(b), html);
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

#define S P_STRING
#define A P_ANY

const ht_funcdef ht_funcs_json[] = {
    {"fromJson", fn_from_json, 1, false, {S}, P_MAP, 0},
    {"fromJsonArray", fn_from_json_array, 1, false, {S}, P_LIST, 0},
    {"mustFromJson", fn_must_from_json, 1, false, {S}, A, 0},
    {"mustToJson", fn_must_to_json, 1, false, {A}, S, 0},
    {"mustToPrettyJson", fn_must_to_pretty_json, 1, false, {A}, S, 0},
    {"mustToRawJson", fn_to_raw_json, 1, false, {A}, S, 0},
    {"toJson", fn_to_json, 1, false, {A}, S, 0},
    {"toPrettyJson", fn_to_pretty_json, 1, false, {A}, S, 0},
    {"toRawJson", fn_to_raw_json, 1, false, {A}, S, 0},
    {NULL, NULL, 0, false, {0}, 0, 0},
};
