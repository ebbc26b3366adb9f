/*
 * strvals.c: Helm's --set family parser (pkg/strvals): "a.b=1,c[0].d=x",
 * braces for lists ("a={x,y}"), backslash escapes, --set-string (no
 * typing), --set-json (JSON values) and --set-literal (the value taken
 * verbatim, commas included).
 *
 * Typing follows typedVal: true/false/null (any case), "0", and decimal
 * integers not starting with 0 become bool/nil/int64; everything else stays
 * a string ("1.5" too). Limits and messages are Helm's: index at most
 * 65536, key nesting at most 30, "key \"x\" has no value", and the
 * "unable to parse key: interface conversion: ..." text Go produces when a
 * path crosses a value of the wrong type.
 */
#include "render_int.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_INDEX 65536
#define MAX_NESTED 30

typedef struct {
    ht_ctx *cx;
    const char *s;
    size_t n, i;
    int mode;
} sparser;

/* -1 = EOF */
static int32_t read_rune(sparser *p, int *w)
{
    if (p->i >= p->n) {
        *w = 0;
        return -1;
    }
    uint32_t r;
    *w = fc_utf8_decode(p->s + p->i, p->n - p->i, &r);
    p->i += (size_t)*w;
    return (int32_t)r;
}

/* runesUntil: read up to a stop rune, honouring backslash escapes
 * (literal mode: no escapes). Returns the collected text in sb and the
 * stop rune (or -1 at EOF). */
static int32_t runes_until(sparser *p, const char *stop, ht_sb *sb, bool escapes)
{
    ht_sb_init(sb, p->cx);
    for (;;) {
        int w;
        int32_t r = read_rune(p, &w);
        if (r < 0) return -1;
        if (r < 0x80 && r && strchr(stop, (int)r)) return r;
        if (escapes && r == '\\') {
            int32_t nx = read_rune(p, &w);
            if (nx < 0) return -1;
            ht_sb_rune(sb, (uint32_t)nx);
            continue;
        }
        ht_sb_rune(sb, (uint32_t)r);
    }
}

static ht_val typed_val(ht_ctx *cx, ht_val s, bool as_string)
{
    if (as_string) return s;
    if (s.n == 4 && strncasecmp(s.v.s, "true", 4) == 0) return ht_bool(true);
    if (s.n == 5 && strncasecmp(s.v.s, "false", 5) == 0) return ht_bool(false);
    if (s.n == 4 && strncasecmp(s.v.s, "null", 4) == 0) return ht_nil();
    if (s.n == 1 && s.v.s[0] == '0') return ht_int64(0);
    if (s.n && s.v.s[0] != '0') {
        int64_t iv;
        /* strconv.ParseInt(val, 10, 64): sign allowed, no underscores */
        bool digits = true;
        for (uint32_t k = (s.v.s[0] == '+' || s.v.s[0] == '-') ? 1 : 0; k < s.n; k++)
            if (s.v.s[k] < '0' || s.v.s[k] > '9') digits = false;
        if (digits && ht_parse_int(s.v.s, s.n, 10, &iv)) return ht_int64(iv);
    }
    (void)cx;
    return s;
}

static int key(sparser *p, ht_val data, int level);

static const char *kind_word(ht_val v)
{
    if (v.k == HT_NIL) return "nil";
    return ht_type_name(v);
}

static int set_index(sparser *p, ht_val *list, int64_t idx, ht_val val)
{
    if (idx < 0) return ht_errf(p->cx, "negative %lld index not allowed", (long long)idx);
    if (idx > MAX_INDEX) return ht_errf(p->cx, "index of %lld is greater than maximum supported index of %d", (long long)idx, MAX_INDEX);
    uint32_t n = list->v.l ? list->v.l->n : 0;
    if ((int64_t)n <= idx) {
        ht_val nl = ht_list_new(p->cx, (uint32_t)idx + 1, HT_L_ANY);
        for (uint32_t k = 0; k < n; k++) nl.v.l->items[k] = list->v.l->items[k];
        for (uint32_t k = n; k <= (uint32_t)idx; k++) nl.v.l->items[k] = ht_nil();
        nl.v.l->n = (uint32_t)idx + 1;
        *list = nl;
    }
    list->v.l->items[idx] = ht_strip(val);
    return 0;
}

static int key_index(sparser *p, int64_t *out)
{
    ht_sb sb;
    int32_t last = runes_until(p, "]", &sb, p->mode != HT_SET_LITERAL);
    if (last < 0) return ht_errf(p->cx, "EOF");
    ht_val s = ht_sb_val(&sb);
    /* strconv.Atoi */
    bool ok = s.n > 0;
    for (uint32_t k = (s.n && (s.v.s[0] == '+' || s.v.s[0] == '-')) ? 1 : 0; k < s.n && ok; k++) ok = s.v.s[k] >= '0' && s.v.s[k] <= '9';
    if (!ok || !ht_parse_int(s.v.s, s.n, 10, out))
        return ht_errf(p->cx, "strconv.Atoi: parsing \"%.*s\": %s", (int)s.n, s.v.s,
                       ok ? "value out of range" : "invalid syntax");
    return 0;
}

/* returns 0, 1 for "EOF" (a clean end), -1 error */
static int val_list(sparser *p, ht_val *out)
{
    int w;
    int32_t r = read_rune(p, &w);
    if (r < 0) return 1;
    if (r != '{') {
        p->i -= (size_t)w;
        return 2; /* not a list */
    }
    ht_val list = ht_list_new(p->cx, 0, HT_L_ANY);
    for (;;) {
        ht_sb sb;
        int32_t last = runes_until(p, ",}", &sb, true);
        if (last < 0) return ht_errf(p->cx, "list must terminate with '}'");
        ht_val v = typed_val(p->cx, ht_sb_val(&sb), p->mode == HT_SET_STRING);
        ht_list_push(p->cx, &list, v);
        if (last == '}') {
            int32_t nx = read_rune(p, &w);
            if (nx >= 0 && nx != ',') p->i -= (size_t)w;
            break;
        }
    }
    *out = list;
    return 0;
}

/* JSON value for --set-json; Go's json.Decoder reads one value */
static int json_value(sparser *p, ht_val *out)
{
    /* emptyVal: end or ',' after spaces means nil */
    size_t save = p->i;
    for (;;) {
        int w;
        int32_t r = read_rune(p, &w);
        if (r < 0 || r == ',') {
            *out = ht_nil();
            return 0;
        }
        if (!fc_u_is_space((uint32_t)r)) {
            p->i -= (size_t)w;
            break;
        }
    }
    (void)save;
    /* find the extent of one JSON value: balance brackets and strings */
    size_t st = p->i, i = st;
    int depth = 0;
    bool in_str = false;
    for (; i < p->n; i++) {
        char c = p->s[i];
        if (in_str) {
            if (c == '\\') i++;
            else if (c == '"') {
                in_str = false;
                if (depth == 0) {
                    i++;
                    break;
                }
            }
            continue;
        }
        if (c == '"') in_str = true;
        else if (c == '{' || c == '[') depth++;
        else if (c == '}' || c == ']') {
            depth--;
            if (depth == 0) {
                i++;
                break;
            }
        } else if (depth == 0 && (c == ',' || c == ' ' || c == '\t' || c == '\n')) {
            break;
        }
    }
    ht_val v;
    if (ht_json_decode(p->cx, p->s + st, i - st, &v)) return -1;
    p->i = i;
    /* trailing spaces and one comma */
    for (;;) {
        int w;
        int32_t r = read_rune(p, &w);
        if (r < 0 || r == ',') break;
        if (!fc_u_is_space((uint32_t)r)) {
            p->i -= (size_t)w;
            *out = v;
            return ht_errf(p->cx, "invalid character '%c' after top-level value", (char)r);
        }
    }
    *out = v;
    return 0;
}

static int list_item(sparser *p, ht_val *list, int64_t idx, int level)
{
    if (idx < 0) return ht_errf(p->cx, "negative %lld index not allowed", (long long)idx);
    ht_sb sb;
    int32_t last = runes_until(p, "[.=", &sb, p->mode != HT_SET_LITERAL);
    if (sb.len > 0) return ht_errf(p->cx, "unexpected data at end of array index: \"%.*s\"", (int)sb.len, sb.p);
    if (last < 0) return 1;
    uint32_t n = list->v.l ? list->v.l->n : 0;
    if (last == '=') {
        if (p->mode == HT_SET_JSON) {
            ht_val v;
            if (json_value(p, &v)) return -1;
            return set_index(p, list, idx, v);
        }
        if (p->mode == HT_SET_LITERAL) {
            ht_val v = ht_str(p->cx, p->s + p->i, p->n - p->i);
            p->i = p->n;
            return set_index(p, list, idx, v);
        }
        ht_val vl;
        int r = val_list(p, &vl);
        if (r == 0) return set_index(p, list, idx, vl);
        if (r == 1) return set_index(p, list, idx, ht_str_static("", 0));
        if (r < 0) return -1;
        ht_sb vs;
        runes_until(p, ",", &vs, true);
        ht_val v = typed_val(p->cx, ht_sb_val(&vs), p->mode == HT_SET_STRING);
        return set_index(p, list, idx, v);
    }
    if (last == '[') {
        int64_t next;
        if (key_index(p, &next)) return ht_errf(p->cx, "error parsing index: %s", p->cx->err);
        ht_val crt = ht_nil();
        crt.k = HT_LIST;
        if ((int64_t)n > idx) {
            ht_val ex = list->v.l->items[idx];
            if (ex.k != HT_NIL) {
                if (ex.k != HT_LIST)
                    return ht_errf(p->cx, "unable to parse key: interface conversion: interface {} is %s, not []interface {}", kind_word(ex));
                crt = ex;
            }
        }
        int r = list_item(p, &crt, next, level);
        if (r) return r;
        return set_index(p, list, idx, crt);
    }
    if (last == '.') {
        ht_val inner = ht_map_new(p->cx, HT_M_ANY);
        if ((int64_t)n > idx) {
            ht_val ex = list->v.l->items[idx];
            if (ex.k == HT_MAP && ex.v.m) inner = ex;
            else list->v.l->items[idx] = inner;
        }
        int r = key(p, inner, level);
        if (r) return r;
        return set_index(p, list, idx, inner);
    }
    return ht_errf(p->cx, "parse error: unexpected token %d", last);
}

static void set_key(sparser *p, ht_val data, ht_val k, ht_val v)
{
    if (k.n == 0) return;
    ht_map_set(p->cx, data.v.m, k.v.s, k.n, v);
}

/* returns 0 ok (continue), 1 EOF, -1 error */
static int key(sparser *p, ht_val data, int level)
{
    bool esc = p->mode != HT_SET_LITERAL;
    ht_sb sb;
    int32_t last = runes_until(p, p->mode == HT_SET_LITERAL ? "=[." : "=[,.", &sb, esc);
    ht_val k = ht_sb_val(&sb);
    if (last < 0) {
        if (k.n == 0) return 1;
        return ht_errf(p->cx, "key \"%.*s\" has no value", (int)k.n, k.v.s);
    }
    switch (last) {
    case '[': {
        int64_t idx;
        if (key_index(p, &idx)) return ht_errf(p->cx, "error parsing index: %s", p->cx->err);
        ht_val list = ht_list_new(p->cx, 0, HT_L_ANY);
        ht_val *ex = ht_map_get(data.v.m, k.v.s, k.n);
        if (ex) {
            if (ex->k != HT_LIST)
                return ht_errf(p->cx, "unable to parse key: interface conversion: interface {} is %s, not []interface {}", kind_word(*ex));
            list = *ex;
            if (!list.v.l) list = ht_list_new(p->cx, 0, HT_L_ANY);
        }
        int r = list_item(p, &list, idx, level);
        set_key(p, data, k, list);
        return r;
    }
    case '=': {
        if (p->mode == HT_SET_JSON) {
            ht_val v;
            if (json_value(p, &v)) return -1;
            set_key(p, data, k, v);
            return 0;
        }
        if (p->mode == HT_SET_LITERAL) {
            set_key(p, data, k, ht_str(p->cx, p->s + p->i, p->n - p->i));
            p->i = p->n;
            return 0;
        }
        ht_val vl;
        int r = val_list(p, &vl);
        if (r == 0) {
            set_key(p, data, k, vl);
            return 0;
        }
        if (r == 1) {
            set_key(p, data, k, ht_str_static("", 0));
            return 1;
        }
        if (r < 0) return -1;
        ht_sb vs;
        runes_until(p, ",", &vs, true);
        set_key(p, data, k, typed_val(p->cx, ht_sb_val(&vs), p->mode == HT_SET_STRING));
        return 0;
    }
    case ',':
        set_key(p, data, k, ht_str_static("", 0));
        return ht_errf(p->cx, "key \"%.*s\" has no value (cannot end with ,)", (int)k.n, k.v.s);
    case '.': {
        level++;
        if (level > MAX_NESTED)
            return ht_errf(p->cx, "value name nested level is greater than maximum supported nested level of %d", MAX_NESTED);
        ht_val inner = ht_map_new(p->cx, HT_M_ANY);
        ht_val *ex = ht_map_get(data.v.m, k.v.s, k.n);
        if (ex) {
            if (ex->k != HT_MAP || !ex->v.m)
                return ht_errf(p->cx, "unable to parse key: interface conversion: interface {} is %s, not map[string]interface {}", kind_word(*ex));
            inner = *ex;
        }
        int r = key(p, inner, level);
        if (r == 0 && ht_map_len(inner.v.m) == 0) return ht_errf(p->cx, "key map \"%.*s\" has no value", (int)k.n, k.v.s);
        if (ht_map_len(inner.v.m) != 0) set_key(p, data, k, inner);
        return r;
    }
    }
    return -1;
}

int ht_strvals_parse_into(ht_ctx *cx, const char *s, size_t n, ht_val dest, int mode)
{
    sparser p = {cx, s, n, 0, mode};
    for (;;) {
        int r = key(&p, dest, 0);
        if (r == 0) continue;
        if (r == 1) return 0;
        return -1;
    }
}
