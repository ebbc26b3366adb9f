/*
 * funcs_strings.c: Sprig's string functions (strings.go plus the goutils
 * and xstrings helpers it delegates to): trim/case/abbrev/wrap/indent/
 * quote/cat/split/join and the random-string family.
 *
 * Each function keeps the Go signature Sprig declares (e.g. `indent` takes
 * (int, string), so `indent "2" x` fails like in Go) and reproduces the
 * library's byte-level quirks, such as goutils' DeleteWhiteSpace working
 * on bytes and Initials taking the first byte of each word.
 */
#include "ht_internal.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FN(name) static int name(ht_ctx *cx, int argc, ht_val *argv, ht_val *out)
#define UNUSED_ARGS (void)cx, (void)argc, (void)argv

static ht_val sv(ht_val v) { return ht_strip(v); }

/* decode all runes of a string into an arena array */
static uint32_t *runes_of(ht_ctx *cx, const char *s, size_t n, size_t *count)
{
    uint32_t *r = ht_cx_alloc(cx, (n + 1) * sizeof *r);
    size_t k = 0;
    for (size_t i = 0; i < n;) {
        int w = fc_utf8_decode(s + i, n - i, &r[k++]);
        i += (size_t)w;
    }
    *count = k;
    return r;
}

static ht_val runes_val(ht_ctx *cx, const uint32_t *r, size_t n)
{
    ht_sb sb;
    ht_sb_init(&sb, cx);
    for (size_t i = 0; i < n; i++) ht_sb_rune(&sb, r[i]);
    return ht_sb_val(&sb);
}

typedef uint32_t (*rune_map)(uint32_t);

static ht_val map_runes(ht_ctx *cx, ht_val s, rune_map f)
{
    ht_sb sb;
    ht_sb_init(&sb, cx);
    for (uint32_t i = 0; i < s.n;) {
        uint32_t r;
        int w = fc_utf8_decode(s.v.s + i, s.n - i, &r);
        if (w == 1 && r == 0xFFFD && (unsigned char)s.v.s[i] >= 0x80) ht_sb_rune(&sb, 0xFFFD);
        else ht_sb_rune(&sb, f(r));
        i += (uint32_t)w;
    }
    return ht_sb_val(&sb);
}

FN(fn_hello)
{
    UNUSED_ARGS;
    *out = ht_str_static("Hello!", 6);
    return 0;
}

FN(fn_upper)
{
    UNUSED_ARGS;
    *out = map_runes(cx, argv[0], fc_u_upper);
    return 0;
}

FN(fn_lower)
{
    UNUSED_ARGS;
    *out = map_runes(cx, argv[0], fc_u_lower);
    return 0;
}

/* strings.Title: upper-case the first letter of each word */
static bool title_sep(uint32_t r)
{
    if (r <= 0x7F) {
        if ((r >= '0' && r <= '9') || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || r == '_') return false;
        return true;
    }
    if (fc_u_is_letter(r) || fc_u_is_digit(r)) return false;
    return fc_u_is_space(r);
}

FN(fn_title)
{
    UNUSED_ARGS;
    ht_val s = argv[0];
    ht_sb sb;
    ht_sb_init(&sb, cx);
    uint32_t prev = ' ';
    for (uint32_t i = 0; i < s.n;) {
        uint32_t r;
        int w = fc_utf8_decode(s.v.s + i, s.n - i, &r);
        ht_sb_rune(&sb, title_sep(prev) ? fc_u_title(r) : r);
        prev = r;
        i += (uint32_t)w;
    }
    *out = ht_sb_val(&sb);
    return 0;
}

FN(fn_untitle)
{
    UNUSED_ARGS;
    ht_val s = argv[0];
    size_t n;
    uint32_t *r = runes_of(cx, s.v.s, s.n, &n);
    bool next = true;
    for (size_t i = 0; i < n; i++) {
        if (fc_u_is_space(r[i])) next = true;
        else if (next) {
            r[i] = fc_u_lower(r[i]);
            next = false;
        }
    }
    *out = s.n ? runes_val(cx, r, n) : s;
    return 0;
}

FN(fn_swapcase)
{
    UNUSED_ARGS;
    ht_val s = argv[0];
    if (!s.n) {
        *out = s;
        return 0;
    }
    size_t n;
    uint32_t *r = runes_of(cx, s.v.s, s.n, &n);
    bool ws = true;
    for (size_t i = 0; i < n; i++) {
        uint32_t c = r[i];
        if (fc_u_is_upper(c) || fc_u_is_title(c)) {
            r[i] = fc_u_lower(c);
            ws = false;
        } else if (fc_u_is_lower(c)) {
            r[i] = ws ? fc_u_title(c) : fc_u_upper(c);
            ws = false;
        } else {
            ws = fc_u_is_space(c);
        }
    }
    *out = runes_val(cx, r, n);
    return 0;
}

static bool in_cutset(uint32_t r, ht_val cut)
{
    for (uint32_t i = 0; i < cut.n;) {
        uint32_t c;
        int w = fc_utf8_decode(cut.v.s + i, cut.n - i, &c);
        if (c == r) return true;
        i += (uint32_t)w;
    }
    return false;
}

static ht_val trim_func(ht_ctx *cx, ht_val s, ht_val *cut, bool left, bool right)
{
    size_t st = 0, en = s.n;
    while (left && st < en) {
        uint32_t r;
        int w = fc_utf8_decode(s.v.s + st, en - st, &r);
        if (!(cut ? in_cutset(r, *cut) : fc_u_is_space(r))) break;
        st += (size_t)w;
    }
    while (right && en > st) {
        size_t p = en - 1;
        while (p > st && ((unsigned char)s.v.s[p] & 0xC0) == 0x80 && en - p < 4) p--;
        uint32_t r;
        int w = fc_utf8_decode(s.v.s + p, en - p, &r);
        if ((size_t)w != en - p) {
            p = en - 1;
            r = 0xFFFD;
        }
        if (!(cut ? in_cutset(r, *cut) : fc_u_is_space(r))) break;
        en = p;
    }
    return ht_str(cx, s.v.s + st, en - st);
}

FN(fn_trim)
{
    UNUSED_ARGS;
    *out = trim_func(cx, argv[0], NULL, true, true);
    return 0;
}

FN(fn_trimall)
{
    UNUSED_ARGS;
    /* trimAll(cutset, s) */
    if (argv[0].n == 0) {
        *out = argv[1];
        return 0;
    }
    *out = trim_func(cx, argv[1], &argv[0], true, true);
    return 0;
}

FN(fn_trim_suffix)
{
    UNUSED_ARGS;
    ht_val suf = argv[0], s = argv[1];
    if (s.n >= suf.n && memcmp(s.v.s + s.n - suf.n, suf.v.s, suf.n) == 0) *out = ht_str(cx, s.v.s, s.n - suf.n);
    else *out = s;
    return 0;
}

FN(fn_trim_prefix)
{
    UNUSED_ARGS;
    ht_val pre = argv[0], s = argv[1];
    if (s.n >= pre.n && memcmp(s.v.s, pre.v.s, pre.n) == 0) *out = ht_str(cx, s.v.s + pre.n, s.n - pre.n);
    else *out = s;
    return 0;
}

static bool byte_is_space(unsigned char c)
{
    return c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r' || c == ' ' || c == 0x85 || c == 0xA0;
}

FN(fn_nospace)
{
    UNUSED_ARGS;
    ht_val s = argv[0];
    ht_sb sb;
    ht_sb_init(&sb, cx);
    size_t count = 0;
    for (uint32_t i = 0; i < s.n; i++) {
        unsigned char c = (unsigned char)s.v.s[i];
        if (!byte_is_space(c)) {
            ht_sb_rune(&sb, c);
            count++;
        }
    }
    *out = count == s.n ? s : ht_sb_val(&sb);
    return 0;
}

FN(fn_initials)
{
    UNUSED_ARGS;
    ht_val s = argv[0];
    ht_sb sb;
    ht_sb_init(&sb, cx);
    bool gap = true;
    for (uint32_t i = 0; i < s.n; i++) {
        unsigned char c = (unsigned char)s.v.s[i];
        if (fc_u_is_space(c)) gap = true;
        else if (gap) {
            ht_sb_rune(&sb, c);
            gap = false;
        }
    }
    *out = s.n ? ht_sb_val(&sb) : s;
    return 0;
}

static ht_val abbreviate_full(ht_ctx *cx, ht_val str, int64_t offset, int64_t max_width, bool *err)
{
    *err = false;
    int64_t len = str.n;
    if (len == 0) return str;
    if (max_width < 4) {
        *err = true;
        return ht_str_static("", 0);
    }
    if (len <= max_width) return str;
    if (offset > len) offset = len;
    if (len - offset < max_width - 3) offset = len - (max_width - 3);
    ht_sb sb;
    ht_sb_init(&sb, cx);
    if (offset <= 4) {
        ht_sb_put(&sb, str.v.s, (size_t)(max_width - 3));
        ht_sb_puts(&sb, "...");
        return ht_sb_val(&sb);
    }
    if (max_width < 7) {
        *err = true;
        return ht_str_static("", 0);
    }
    if (offset + max_width - 3 < len) {
        ht_val rest = ht_str_static(str.v.s + offset, (size_t)(len - offset));
        bool e2;
        ht_val a = abbreviate_full(cx, rest, 0, max_width - 3, &e2);
        ht_sb_puts(&sb, "...");
        ht_sb_put(&sb, a.v.s, a.n);
        return ht_sb_val(&sb);
    }
    ht_sb_puts(&sb, "...");
    ht_sb_put(&sb, str.v.s + len - (max_width - 3), (size_t)(max_width - 3));
    return ht_sb_val(&sb);
}

FN(fn_abbrev)
{
    UNUSED_ARGS;
    int64_t w = argv[0].v.i;
    if (w < 4) {
        *out = argv[1];
        return 0;
    }
    bool err;
    *out = abbreviate_full(cx, argv[1], 0, w, &err);
    return 0;
}

FN(fn_abbrevboth)
{
    UNUSED_ARGS;
    int64_t left = argv[0].v.i, right = argv[1].v.i;
    if (right < 4 || (left > 0 && right < 7)) {
        *out = argv[2];
        return 0;
    }
    bool err;
    *out = abbreviate_full(cx, argv[2], left, right, &err);
    return 0;
}

FN(fn_trunc)
{
    UNUSED_ARGS;
    int64_t c = argv[0].v.i;
    ht_val s = argv[1];
    int64_t len = s.n;
    if (c < 0 && len + c > 0) *out = ht_str(cx, s.v.s + len + c, (size_t)(-c));
    else if (c >= 0 && len > c) *out = ht_str(cx, s.v.s, (size_t)c);
    else *out = s;
    return 0;
}

FN(fn_substr)
{
    UNUSED_ARGS;
    int64_t start = argv[0].v.i, end = argv[1].v.i;
    ht_val s = argv[2];
    int64_t len = s.n;
    if (start < 0) {
        if (end < 0 || end > len) return ht_errf(cx, "runtime error: slice bounds out of range [:%lld] with length %lld", (long long)end, (long long)len);
        *out = ht_str(cx, s.v.s, (size_t)end);
        return 0;
    }
    if (end < 0 || end > len) {
        if (start > len) return ht_errf(cx, "runtime error: slice bounds out of range [%lld:%lld]", (long long)start, (long long)len);
        *out = ht_str(cx, s.v.s + start, (size_t)(len - start));
        return 0;
    }
    if (start > end) return ht_errf(cx, "runtime error: slice bounds out of range [%lld:%lld]", (long long)start, (long long)end);
    *out = ht_str(cx, s.v.s + start, (size_t)(end - start));
    return 0;
}

FN(fn_repeat)
{
    UNUSED_ARGS;
    int64_t count = argv[0].v.i;
    ht_val s = argv[1];
    if (count < 0) return ht_errf(cx, "strings: negative Repeat count");
    if (s.n && (uint64_t)count > ((size_t)1 << 40) / s.n) return ht_errf(cx, "strings: Repeat output length overflow");
    ht_sb sb;
    ht_sb_init(&sb, cx);
    for (int64_t i = 0; i < count; i++) ht_sb_put(&sb, s.v.s, s.n);
    *out = ht_sb_val(&sb);
    return 0;
}

FN(fn_contains)
{
    UNUSED_ARGS;
    ht_val sub = argv[0], s = argv[1];
    *out = ht_bool(sub.n == 0 || (s.n >= sub.n && memmem(s.v.s, s.n, sub.v.s, sub.n) != NULL));
    return 0;
}

FN(fn_has_prefix)
{
    UNUSED_ARGS;
    *out = ht_bool(argv[1].n >= argv[0].n && memcmp(argv[1].v.s, argv[0].v.s, argv[0].n) == 0);
    return 0;
}

FN(fn_has_suffix)
{
    UNUSED_ARGS;
    *out = ht_bool(argv[1].n >= argv[0].n && memcmp(argv[1].v.s + argv[1].n - argv[0].n, argv[0].v.s, argv[0].n) == 0);
    return 0;
}

FN(fn_quote)
{
    ht_sb sb;
    ht_sb_init(&sb, cx);
    bool first = true;
    for (int i = 0; i < argc; i++) {
        ht_val v = sv(argv[i]);
        if (v.k == HT_NIL) continue;
        if (!first) ht_sb_putc(&sb, ' ');
        first = false;
        ht_val s = ht_to_string(cx, v);
        ht_go_quote(s.v.s, s.n, &sb);
    }
    *out = ht_sb_val(&sb);
    return 0;
}

FN(fn_squote)
{
    ht_sb sb;
    ht_sb_init(&sb, cx);
    bool first = true;
    for (int i = 0; i < argc; i++) {
        ht_val v = sv(argv[i]);
        if (v.k == HT_NIL) continue;
        if (!first) ht_sb_putc(&sb, ' ');
        first = false;
        ht_sb_putc(&sb, '\'');
        ht_fmt_value(v, &sb);
        ht_sb_putc(&sb, '\'');
    }
    *out = ht_sb_val(&sb);
    return 0;
}

FN(fn_cat)
{
    ht_sb sb;
    ht_sb_init(&sb, cx);
    bool first = true;
    for (int i = 0; i < argc; i++) {
        ht_val v = sv(argv[i]);
        if (v.k == HT_NIL) continue;
        if (!first) ht_sb_putc(&sb, ' ');
        first = false;
        ht_fmt_value(v, &sb);
    }
    /* Sprintf(TrimSpace("%v %v ...")) then the values: trailing spaces of
     * the last value are not trimmed, only the format's */
    *out = ht_sb_val(&sb);
    return 0;
}

static ht_val do_indent(ht_ctx *cx, int64_t spaces, ht_val s, bool leading_nl)
{
    if (spaces < 0) spaces = 0;
    ht_sb sb;
    ht_sb_init(&sb, cx);
    if (leading_nl) ht_sb_putc(&sb, '\n');
    size_t nl = 0;
    for (uint32_t i = 0; i < s.n; i++)
        if (s.v.s[i] == '\n') nl++;
    /* size check first: the output cap aborts the render otherwise */
    (void)nl;
    for (int64_t k = 0; k < spaces; k++) ht_sb_putc(&sb, ' ');
    size_t last = 0;
    for (uint32_t i = 0; i < s.n; i++) {
        if (s.v.s[i] == '\n') {
            ht_sb_put(&sb, s.v.s + last, i + 1 - last);
            for (int64_t k = 0; k < spaces; k++) ht_sb_putc(&sb, ' ');
            last = i + 1;
        }
    }
    ht_sb_put(&sb, s.v.s + last, s.n - last);
    return ht_sb_val(&sb);
}

FN(fn_indent)
{
    UNUSED_ARGS;
    /* strings.Repeat(" ", n) panics for n < 0; text/template reports it */
    if (argv[0].v.i < 0) return ht_errf(cx, "strings: negative Repeat count");
    *out = do_indent(cx, argv[0].v.i, argv[1], false);
    return 0;
}

FN(fn_nindent)
{
    UNUSED_ARGS;
    if (argv[0].v.i < 0) return ht_errf(cx, "strings: negative Repeat count");
    *out = do_indent(cx, argv[0].v.i, argv[1], true);
    return 0;
}

ht_val ht_replace_all(ht_ctx *cx, ht_val src, ht_val old, ht_val new_)
{
    ht_sb sb;
    ht_sb_init(&sb, cx);
    if (old.n == 0) {
        /* Go: insert new before each rune and at the end */
        ht_sb_put(&sb, new_.v.s, new_.n);
        for (uint32_t i = 0; i < src.n;) {
            uint32_t r;
            int w = fc_utf8_decode(src.v.s + i, src.n - i, &r);
            ht_sb_put(&sb, src.v.s + i, (size_t)w);
            ht_sb_put(&sb, new_.v.s, new_.n);
            i += (uint32_t)w;
        }
        return ht_sb_val(&sb);
    }
    size_t last = 0;
    for (size_t i = 0; i + old.n <= src.n;) {
        if (memcmp(src.v.s + i, old.v.s, old.n) == 0) {
            ht_sb_put(&sb, src.v.s + last, i - last);
            ht_sb_put(&sb, new_.v.s, new_.n);
            i += old.n;
            last = i;
        } else {
            i++;
        }
    }
    if (last == 0) return src;
    ht_sb_put(&sb, src.v.s + last, src.n - last);
    return ht_sb_val(&sb);
}

FN(fn_replace)
{
    UNUSED_ARGS;
    *out = ht_replace_all(cx, argv[2], argv[0], argv[1]);
    return 0;
}

FN(fn_plural)
{
    UNUSED_ARGS;
    *out = argv[2].v.i == 1 ? argv[0] : argv[1];
    return 0;
}

FN(fn_tostring)
{
    UNUSED_ARGS;
    *out = ht_to_string(cx, argv[0]);
    return 0;
}

/* strings.Split semantics; n < 0 means all */
static ht_val *split_parts(ht_ctx *cx, ht_val s, ht_val sep, int64_t n, uint32_t *count)
{
    *count = 0;
    if (n == 0) return NULL;
    uint32_t cap = 8;
    ht_val *parts = ht_cx_alloc(cx, cap * sizeof *parts);
    uint32_t k = 0;
#define ADD(p, l)                                                                    \
    do {                                                                             \
        if (k == cap) {                                                              \
            ht_val *np = ht_cx_alloc(cx, cap * 2 * sizeof *np);                      \
            memcpy(np, parts, cap * sizeof *np);                                     \
            parts = np;                                                              \
            cap *= 2;                                                                \
        }                                                                            \
        parts[k++] = ht_str(cx, (p), (l));                                           \
    } while (0)
    if (sep.n == 0) {
        /* explode into runes */
        for (uint32_t i = 0; i < s.n;) {
            uint32_t r;
            int w = fc_utf8_decode(s.v.s + i, s.n - i, &r);
            if (n > 0 && (int64_t)k == n - 1) {
                ADD(s.v.s + i, s.n - i);
                break;
            }
            ADD(s.v.s + i, (size_t)w);
            i += (uint32_t)w;
        }
        *count = k;
        return parts;
    }
    size_t start = 0;
    for (size_t i = 0; i + sep.n <= s.n;) {
        if (n > 0 && (int64_t)k == n - 1) break;
        if (memcmp(s.v.s + i, sep.v.s, sep.n) == 0) {
            ADD(s.v.s + start, i - start);
            i += sep.n;
            start = i;
        } else {
            i++;
        }
    }
    ADD(s.v.s + start, s.n - start);
#undef ADD
    *count = k;
    return parts;
}

static ht_val parts_map(ht_ctx *cx, ht_val *parts, uint32_t n)
{
    ht_val m = ht_map_new(cx, HT_M_STRING);
    char key[32];
    for (uint32_t i = 0; i < n; i++) {
        int kl = snprintf(key, sizeof key, "_%u", i);
        ht_map_set(cx, m.v.m, key, (size_t)kl, parts[i]);
    }
    return m;
}

FN(fn_split)
{
    UNUSED_ARGS;
    uint32_t n;
    ht_val *p = split_parts(cx, argv[1], argv[0], -1, &n);
    *out = parts_map(cx, p, n);
    return 0;
}

FN(fn_splitn)
{
    UNUSED_ARGS;
    uint32_t n;
    ht_val *p = split_parts(cx, argv[2], argv[0], argv[1].v.i, &n);
    *out = parts_map(cx, p, n);
    return 0;
}

FN(fn_split_list)
{
    UNUSED_ARGS;
    uint32_t n;
    ht_val *p = split_parts(cx, argv[1], argv[0], -1, &n);
    ht_val l = ht_list_new(cx, n, HT_L_STRING);
    for (uint32_t i = 0; i < n; i++) l.v.l->items[i] = p[i];
    l.v.l->n = n;
    *out = l;
    return 0;
}

/* Sprig's strslice */
ht_val ht_strslice(ht_ctx *cx, ht_val v)
{
    v = sv(v);
    if (v.k == HT_LIST && v.sub == HT_L_STRING) return v;
    if (v.k == HT_LIST) {
        uint32_t n = v.v.l ? v.v.l->n : 0;
        ht_val l = ht_list_new(cx, n, HT_L_STRING);
        for (uint32_t i = 0; i < n; i++) {
            ht_val e = v.v.l->items[i];
            if (e.k == HT_NIL) continue;
            l.v.l->items[l.v.l->n++] = ht_to_string(cx, e);
        }
        return l;
    }
    if (v.k == HT_BYTES) {
        ht_val l = ht_list_new(cx, v.n, HT_L_STRING);
        for (uint32_t i = 0; i < v.n; i++) {
            char b[8];
            int k = snprintf(b, sizeof b, "%u", (unsigned char)v.v.s[i]);
            l.v.l->items[l.v.l->n++] = ht_str(cx, b, (size_t)k);
        }
        return l;
    }
    ht_val l = ht_list_new(cx, 1, HT_L_STRING);
    if (v.k != HT_NIL) l.v.l->items[l.v.l->n++] = ht_to_string(cx, v);
    return l;
}

FN(fn_to_strings)
{
    UNUSED_ARGS;
    *out = ht_strslice(cx, argv[0]);
    return 0;
}

FN(fn_join)
{
    UNUSED_ARGS;
    ht_val l = ht_strslice(cx, argv[1]);
    ht_sb sb;
    ht_sb_init(&sb, cx);
    for (uint32_t i = 0; l.v.l && i < l.v.l->n; i++) {
        if (i) ht_sb_put(&sb, argv[0].v.s, argv[0].n);
        ht_sb_put(&sb, l.v.l->items[i].v.s, l.v.l->items[i].n);
    }
    *out = ht_sb_val(&sb);
    return 0;
}

/* --------------------------------------------------------- word wrap */

static ht_val wrap_custom(ht_ctx *cx, ht_val str, int64_t wrap_len, ht_val nl, bool wrap_long)
{
    if (str.n == 0) return ht_str_static("", 0);
    if (nl.n == 0) nl = ht_str_static("\n", 1);
    if (wrap_len < 1) wrap_len = 1;
    int64_t len = str.n, offset = 0;
    const char *s = str.v.s;
    ht_sb sb;
    ht_sb_init(&sb, cx);
    while (len - offset > wrap_len) {
        if (s[offset] == ' ') {
            offset++;
            continue;
        }
        int64_t end = wrap_len + offset + 1;
        int64_t sp = -1;
        for (int64_t i = end - 1; i >= offset; i--)
            if (s[i] == ' ') {
                sp = i;
                break;
            }
        if (sp >= offset) {
            ht_sb_put(&sb, s + offset, (size_t)(sp - offset));
            ht_sb_put(&sb, nl.v.s, nl.n);
            offset = sp + 1;
        } else if (wrap_long) {
            ht_sb_put(&sb, s + offset, (size_t)wrap_len);
            ht_sb_put(&sb, nl.v.s, nl.n);
            offset += wrap_len;
        } else {
            int64_t e = wrap_len + offset, idx = -1;
            for (int64_t i = e; i < len; i++)
                if (s[i] == ' ') {
                    idx = i;
                    break;
                }
            if (idx == -1) {
                ht_sb_put(&sb, s + offset, (size_t)(len - offset));
                offset = len;
            } else {
                ht_sb_put(&sb, s + offset, (size_t)(idx - offset));
                ht_sb_put(&sb, nl.v.s, nl.n);
                offset = idx + 1;
            }
        }
    }
    ht_sb_put(&sb, s + offset, (size_t)(len - offset));
    return ht_sb_val(&sb);
}

FN(fn_wrap)
{
    UNUSED_ARGS;
    *out = wrap_custom(cx, argv[1], argv[0].v.i, ht_str_static("", 0), false);
    return 0;
}

FN(fn_wrap_with)
{
    UNUSED_ARGS;
    *out = wrap_custom(cx, argv[2], argv[0].v.i, argv[1], true);
    return 0;
}

/* --------------------------------------------------------- xstrings */

static bool is_connector(uint32_t r) { return r == '-' || r == '_' || fc_u_is_space(r); }

static bool is_alphabet(uint32_t r)
{
    if (!fc_u_is_letter(r)) return false;
    if (r < 0x4E00) return true;
    if (r >= 0x4E00 && r <= 0x9FCC) return false;
    if (r >= 0x3400 && r <= 0x4D85) return false;
    if (r >= 0x20000 && r <= 0x2B81D) return false;
    return true;
}

FN(fn_camelcase)
{
    UNUSED_ARGS;
    ht_val str = argv[0];
    if (!str.n) {
        *out = str;
        return 0;
    }
    ht_sb sb;
    ht_sb_init(&sb, cx);
    bool first_upper = false;
    uint32_t r0 = 0, r1;
    int size = 0;
    uint32_t i = 0;
    while (i < str.n) {
        size = fc_utf8_decode(str.v.s + i, str.n - i, &r0);
        i += (uint32_t)size;
        if (!is_connector(r0)) {
            first_upper = fc_u_is_upper(r0);
            r0 = fc_u_upper(r0);
            break;
        }
        ht_sb_rune(&sb, r0);
    }
    if (i >= str.n) {
        if (size != 0 && !is_connector(r0)) ht_sb_rune(&sb, r0);
        *out = ht_sb_val(&sb);
        return 0;
    }
    while (i < str.n) {
        r1 = r0;
        size = fc_utf8_decode(str.v.s + i, str.n - i, &r0);
        i += (uint32_t)size;
        if (is_connector(r0) && is_connector(r1)) {
            ht_sb_rune(&sb, r1);
            continue;
        }
        if (is_connector(r1)) {
            first_upper = fc_u_is_upper(r0);
            r0 = fc_u_upper(r0);
        } else {
            if (first_upper) {
                if (fc_u_is_upper(r0)) r0 = fc_u_lower(r0);
                else first_upper = false;
            }
            ht_sb_rune(&sb, r1);
        }
    }
    ht_sb_rune(&sb, r0);
    *out = ht_sb_val(&sb);
    return 0;
}

enum { W_INVALID, W_NUMBER, W_UPPER, W_ALPHA, W_CONNECTOR, W_PUNCT, W_OTHER };

static uint32_t next_valid_rune(const char *s, size_t n, uint32_t prev, int *size)
{
    *size = 0;
    size_t i = 0;
    while (i < n) {
        uint32_t r;
        int w = fc_utf8_decode(s + i, n - i, &r);
        *size += w;
        if (!(r == 0xFFFD && w == 1)) return r;
        i += (size_t)w;
    }
    return prev;
}

static int next_word(const char *str, size_t n, size_t *wordlen)
{
    if (n == 0) {
        *wordlen = 0;
        return W_INVALID;
    }
    size_t offset = 0;
    const char *rem = str;
    size_t rn = n;
    int size;
    uint32_t r = next_valid_rune(rem, rn, 0xFFFD, &size);
    offset += (size_t)size;
    int wt;
#define ADV() do { rem += size; rn -= (size_t)size; } while (0)
    if (r == 0xFFFD && size <= 1) {
        *wordlen = offset;
        return W_INVALID;
    }
    if (is_connector(r)) {
        wt = W_CONNECTOR;
        ADV();
        while (rn > 0) {
            r = next_valid_rune(rem, rn, r, &size);
            if (!is_connector(r)) break;
            offset += (size_t)size;
            ADV();
        }
    } else if (fc_u_is_punct(r)) {
        wt = W_PUNCT;
        ADV();
        while (rn > 0) {
            r = next_valid_rune(rem, rn, r, &size);
            if (!fc_u_is_punct(r)) break;
            offset += (size_t)size;
            ADV();
        }
    } else if (fc_u_is_upper(r)) {
        wt = W_UPPER;
        ADV();
        if (rn > 0) {
            r = next_valid_rune(rem, rn, r, &size);
            if (fc_u_is_upper(r)) {
                int prev = size;
                offset += (size_t)size;
                ADV();
                while (rn > 0) {
                    r = next_valid_rune(rem, rn, r, &size);
                    if (!fc_u_is_upper(r)) break;
                    prev = size;
                    offset += (size_t)size;
                    ADV();
                }
                if (rn > 0 && is_alphabet(r)) offset -= (size_t)prev;
            } else if (is_alphabet(r)) {
                offset += (size_t)size;
                ADV();
                while (rn > 0) {
                    r = next_valid_rune(rem, rn, r, &size);
                    if (!is_alphabet(r) || fc_u_is_upper(r)) break;
                    offset += (size_t)size;
                    ADV();
                }
            }
        }
    } else if (is_alphabet(r)) {
        wt = W_ALPHA;
        ADV();
        while (rn > 0) {
            r = next_valid_rune(rem, rn, r, &size);
            if (!is_alphabet(r) || fc_u_is_upper(r)) break;
            offset += (size_t)size;
            ADV();
        }
    } else if (fc_u_is_number(r)) {
        wt = W_NUMBER;
        ADV();
        while (rn > 0) {
            r = next_valid_rune(rem, rn, r, &size);
            if (!fc_u_is_number(r)) break;
            offset += (size_t)size;
            ADV();
        }
    } else {
        wt = W_OTHER;
        ADV();
        while (rn > 0) {
            r = next_valid_rune(rem, rn, r, &size);
            if (size == 0 || is_connector(r) || is_alphabet(r) || fc_u_is_number(r) || fc_u_is_punct(r)) break;
            offset += (size_t)size;
            ADV();
        }
    }
#undef ADV
    *wordlen = offset;
    return wt;
}

static void to_lower_word(ht_sb *sb, int wt, const char *s, size_t n, uint32_t connector)
{
    if (wt != W_UPPER && wt != W_CONNECTOR) {
        ht_sb_put(sb, s, n);
        return;
    }
    for (size_t i = 0; i < n;) {
        uint32_t r;
        int w = fc_utf8_decode(s + i, n - i, &r);
        i += (size_t)w;
        if (is_connector(r)) ht_sb_rune(sb, connector);
        else if (fc_u_is_upper(r)) ht_sb_rune(sb, fc_u_lower(r));
        else ht_sb_rune(sb, r);
    }
}

static ht_val camel_to_lower(ht_ctx *cx, ht_val str, uint32_t connector)
{
    if (!str.n) return str;
    ht_sb sb;
    ht_sb_init(&sb, cx);
    const char *rem = str.v.s;
    size_t rn = str.n, wl;
    int wt = next_word(rem, rn, &wl);
    const char *word = rem;
    rem += wl;
    rn -= wl;
#define NEXT() do { word = rem; wt = next_word(rem, rn, &wl); wlen = wl; rem += wl; rn -= wl; } while (0)
    size_t wlen = wl;
    while (rn > 0) {
        if (wt != W_CONNECTOR) to_lower_word(&sb, wt, word, wlen, connector);
        int prev = wt;
        const char *last = word;
        size_t lastlen = wlen;
        NEXT();
        switch (prev) {
        case W_NUMBER:
            while (wt == W_ALPHA || wt == W_NUMBER) {
                to_lower_word(&sb, wt, word, wlen, connector);
                NEXT();
            }
            if (wt != W_INVALID && wt != W_PUNCT && wt != W_CONNECTOR) ht_sb_rune(&sb, connector);
            break;
        case W_CONNECTOR: to_lower_word(&sb, prev, last, lastlen, connector); break;
        case W_PUNCT: break;
        default:
            if (wt != W_NUMBER) {
                if (wt != W_CONNECTOR && wt != W_PUNCT) ht_sb_rune(&sb, connector);
                break;
            }
            if (rn == 0) break;
            {
                const char *l2 = word;
                size_t l2len = wlen;
                NEXT();
                if (wt != W_ALPHA) {
                    to_lower_word(&sb, W_NUMBER, l2, l2len, connector);
                    if (wt != W_CONNECTOR && wt != W_PUNCT) ht_sb_rune(&sb, connector);
                    break;
                }
                ht_sb_rune(&sb, connector);
                to_lower_word(&sb, W_NUMBER, l2, l2len, connector);
                while (wt == W_ALPHA || wt == W_NUMBER) {
                    to_lower_word(&sb, wt, word, wlen, connector);
                    NEXT();
                }
                if (wt != W_INVALID && wt != W_CONNECTOR && wt != W_PUNCT) ht_sb_rune(&sb, connector);
            }
        }
    }
#undef NEXT
    to_lower_word(&sb, wt, word, wlen, connector);
    return ht_sb_val(&sb);
}

FN(fn_snakecase)
{
    UNUSED_ARGS;
    *out = camel_to_lower(cx, argv[0], '_');
    return 0;
}

FN(fn_kebabcase)
{
    UNUSED_ARGS;
    *out = camel_to_lower(cx, argv[0], '-');
    return 0;
}

FN(fn_shuffle)
{
    UNUSED_ARGS;
    ht_val s = argv[0];
    if (!s.n) {
        *out = s;
        return 0;
    }
    size_t n;
    uint32_t *r = runes_of(cx, s.v.s, s.n, &n);
    for (size_t i = n - 1; i > 0; i--) {
        size_t j = (size_t)ht_rand_below(i + 1);
        uint32_t t = r[i];
        r[i] = r[j];
        r[j] = t;
    }
    *out = runes_val(cx, r, n);
    return 0;
}

/* --------------------------------------------------------- random */

static ht_val crypto_random(ht_ctx *cx, int64_t count, int start, int end, bool letters, bool numbers)
{
    if (count <= 0) return ht_str_static("", 0);
    if (count > (1 << 24)) count = 1 << 24;
    if (start == 0 && end == 0) {
        end = 'z' + 1;
        start = ' ';
    }
    uint32_t *buf = ht_cx_alloc(cx, (size_t)count * sizeof *buf);
    int64_t c = count;
    while (c != 0) {
        c--;
        uint32_t ch = (uint32_t)(ht_rand_below((uint64_t)(end - start)) + (uint64_t)start);
        bool ok = (letters && fc_u_is_letter(ch)) || (numbers && fc_u_is_digit(ch)) || (!letters && !numbers);
        if (ok) buf[c] = ch;
        else c++;
    }
    return runes_val(cx, buf, (size_t)count);
}

FN(fn_rand_alphanum)
{
    UNUSED_ARGS;
    *out = crypto_random(cx, argv[0].v.i, 0, 0, true, true);
    return 0;
}

FN(fn_rand_alpha)
{
    UNUSED_ARGS;
    *out = crypto_random(cx, argv[0].v.i, 0, 0, true, false);
    return 0;
}

FN(fn_rand_ascii)
{
    UNUSED_ARGS;
    *out = crypto_random(cx, argv[0].v.i, 32, 127, false, false);
    return 0;
}

FN(fn_rand_numeric)
{
    UNUSED_ARGS;
    *out = crypto_random(cx, argv[0].v.i, 0, 0, false, true);
    return 0;
}

#define S P_STRING
#define I P_INT
#define A P_ANY

const ht_funcdef ht_funcs_strings[] = {
    {"abbrev", fn_abbrev, 2, false, {I, S}, S, 0},
    {"abbrevboth", fn_abbrevboth, 3, false, {I, I, S}, S, 0},
    {"camelcase", fn_camelcase, 1, false, {S}, S, 0},
    {"cat", fn_cat, 1, true, {A}, S, 0},
    {"contains", fn_contains, 2, false, {S, S}, P_BOOL, 0},
    {"hasPrefix", fn_has_prefix, 2, false, {S, S}, P_BOOL, 0},
    {"hasSuffix", fn_has_suffix, 2, false, {S, S}, P_BOOL, 0},
    {"hello", fn_hello, 0, false, {0}, S, 0},
    {"indent", fn_indent, 2, false, {I, S}, S, 0},
    {"initials", fn_initials, 1, false, {S}, S, 0},
    {"join", fn_join, 2, false, {S, A}, S, 0},
    {"kebabcase", fn_kebabcase, 1, false, {S}, S, 0},
    {"lower", fn_lower, 1, false, {S}, S, 0},
    {"nindent", fn_nindent, 2, false, {I, S}, S, 0},
    {"nospace", fn_nospace, 1, false, {S}, S, 0},
    {"plural", fn_plural, 3, false, {S, S, I}, S, 0},
    {"quote", fn_quote, 1, true, {A}, S, 0},
    {"randAlpha", fn_rand_alpha, 1, false, {I}, S, 0},
    {"randAlphaNum", fn_rand_alphanum, 1, false, {I}, S, 0},
    {"randAscii", fn_rand_ascii, 1, false, {I}, S, 0},
    {"randNumeric", fn_rand_numeric, 1, false, {I}, S, 0},
    {"repeat", fn_repeat, 2, false, {I, S}, S, 0},
    {"replace", fn_replace, 3, false, {S, S, S}, S, 0},
    {"shuffle", fn_shuffle, 1, false, {S}, S, 0},
    {"snakecase", fn_snakecase, 1, false, {S}, S, 0},
    {"split", fn_split, 2, false, {S, S}, P_MAP, 0},
    {"splitList", fn_split_list, 2, false, {S, S}, P_STRLIST, 0},
    {"splitn", fn_splitn, 3, false, {S, I, S}, P_MAP, 0},
    {"squote", fn_squote, 1, true, {A}, S, 0},
    {"substr", fn_substr, 3, false, {I, I, S}, S, 0},
    {"swapcase", fn_swapcase, 1, false, {S}, S, 0},
    {"title", fn_title, 1, false, {S}, S, 0},
    {"toString", fn_tostring, 1, false, {A}, S, 0},
    {"toStrings", fn_to_strings, 1, false, {A}, P_STRLIST, 0},
    {"trim", fn_trim, 1, false, {S}, S, 0},
    {"trimAll", fn_trimall, 2, false, {S, S}, S, 0},
    {"trimPrefix", fn_trim_prefix, 2, false, {S, S}, S, 0},
    {"trimSuffix", fn_trim_suffix, 2, false, {S, S}, S, 0},
    {"trimall", fn_trimall, 2, false, {S, S}, S, 0},
    {"trunc", fn_trunc, 2, false, {I, S}, S, 0},
    {"untitle", fn_untitle, 1, false, {S}, S, 0},
    {"upper", fn_upper, 1, false, {S}, S, 0},
    {"wrap", fn_wrap, 2, false, {I, S}, S, 0},
    {"wrapWith", fn_wrap_with, 3, false, {I, S, S}, S, 0},
    {NULL, NULL, 0, false, {0}, 0, 0},
};
