/*
 * fmt.c: Go's fmt package over template values: Sprint, Sprintln, Sprintf
 * and %v printing, as text/template's printValue and Sprig's `printf`,
 * `quote` and `toString` use them.
 *
 * Ported from fmt/print.go and fmt/format.go: flags (+ - # 0 space), width,
 * precision, '*' and [n] argument indexes, every verb Go accepts for the
 * types a template can hold, and the error forms (%!d(string=x),
 * %!v(MISSING), %!(EXTRA ...), %!(NOVERB)). Floats go through fc/gofmt.h
 * (strconv.FormatFloat); map keys print sorted (fmtsort); nil inside a
 * container prints <nil>. Stringer types (time.Time, time.Duration, semver)
 * print through their String method for %v %s %q %x %X.
 */
#include "ht_internal.h"
#include "fc/duration.h"
#include "fc/gofmt.h"
#include <math.h>
#include <stdio.h>
#include <string.h>

void ht_time_string(const ht_time *t, ht_sb *out); /* funcs_date.c */

typedef struct {
    bool wid_present, prec_present, minus, plus, sharp, space, zero, plus_v, sharp_v;
    int wid, prec;
} fmtflags;

typedef struct {
    ht_sb *buf;
    fmtflags f;
    bool erroring;
} pp;

static const char ldigits[] = "0123456789abcdefx";
static const char udigits[] = "0123456789ABCDEFX";

/* ---------------------------------------------------------- utf-8 */

/* ---------------------------------------------------------- quoting */

static void quote_into(const char *s, size_t n, ht_sb *out, bool ascii, char q)
{
    static const char hx[] = "0123456789abcdef";
    ht_sb_putc(out, q);
    for (size_t i = 0; i < n;) {
        uint32_t r;
        int w = fc_utf8_decode(s + i, n - i, &r);
        if (w == 1 && r == 0xFFFD) {
            unsigned char b = (unsigned char)s[i];
            char e[4] = {'\\', 'x', hx[b >> 4], hx[b & 15]};
            ht_sb_put(out, e, 4);
            i++;
            continue;
        }
        i += (size_t)w;
        if (r == (uint32_t)q || r == '\\') {
            ht_sb_putc(out, '\\');
            ht_sb_putc(out, (char)r);
            continue;
        }
        if (ascii ? (r < 0x80 && fc_u_is_print(r)) : fc_u_is_print(r)) {
            ht_sb_rune(out, r);
            continue;
        }
        switch (r) {
        case '\a': ht_sb_puts(out, "\\a"); continue;
        case '\b': ht_sb_puts(out, "\\b"); continue;
        case '\f': ht_sb_puts(out, "\\f"); continue;
        case '\n': ht_sb_puts(out, "\\n"); continue;
        case '\r': ht_sb_puts(out, "\\r"); continue;
        case '\t': ht_sb_puts(out, "\\t"); continue;
        case '\v': ht_sb_puts(out, "\\v"); continue;
        }
        if (r < ' ' || r == 0x7F) {
            char e[4] = {'\\', 'x', hx[r >> 4], hx[r & 15]};
            ht_sb_put(out, e, 4);
        } else if (r < 0x10000) {
            ht_sb_printf(out, "\\u%04x", r);
        } else {
            ht_sb_printf(out, "\\U%08x", r);
        }
    }
    ht_sb_putc(out, q);
}

void ht_go_quote(const char *s, size_t n, ht_sb *out) { quote_into(s, n, out, false, '"'); }

static bool can_backquote(const char *s, size_t n)
{
    for (size_t i = 0; i < n;) {
        uint32_t r;
        int w = fc_utf8_decode(s + i, n - i, &r);
        if (w == 1 && r == 0xFFFD) return false;
        i += (size_t)w;
        if (r == '`' || r == 0xFEFF) return false;
        if (r < ' ' && r != '\t') return false;
        if (r == 0x7F) return false;
    }
    return true;
}

/* ---------------------------------------------------------- padding */

static void write_padding(pp *p, int n)
{
    if (n <= 0) return;
    char c = (p->f.zero && !p->f.minus) ? '0' : ' ';
    for (int i = 0; i < n; i++) ht_sb_putc(p->buf, c);
}

static void pad(pp *p, const char *s, size_t n)
{
    if (!p->f.wid_present || p->f.wid == 0) {
        ht_sb_put(p->buf, s, n);
        return;
    }
    int width = p->f.wid - (int)fc_utf8_count(s, n);
    if (!p->f.minus) {
        write_padding(p, width);
        ht_sb_put(p->buf, s, n);
    } else {
        ht_sb_put(p->buf, s, n);
        write_padding(p, width);
    }
}

static void pads(pp *p, const char *s) { pad(p, s, strlen(s)); }

/* ---------------------------------------------------------- integers */

static void fmt_integer(pp *p, uint64_t u, int base, bool is_signed, char verb, const char *digits)
{
    bool negative = is_signed && (int64_t)u < 0;
    if (negative) u = -u;
    char stack[128];
    size_t cap = sizeof stack;
    char *buf = stack;
    if (p->f.wid_present || p->f.prec_present) {
        size_t width = 3 + (size_t)p->f.wid + (size_t)p->f.prec;
        if (width > cap) {
            buf = ht_cx_alloc(p->buf->cx, width);
            cap = width;
        }
    }
    int prec = 0;
    if (p->f.prec_present) {
        prec = p->f.prec;
        if (prec == 0 && u == 0) {
            bool oz = p->f.zero;
            p->f.zero = false;
            write_padding(p, p->f.wid);
            p->f.zero = oz;
            return;
        }
    } else if (p->f.zero && !p->f.minus && p->f.wid_present) {
        prec = p->f.wid;
        if (negative || p->f.plus || p->f.space) prec--;
    }
    size_t i = cap;
    switch (base) {
    case 10: while (u >= 10) { buf[--i] = (char)('0' + u % 10); u /= 10; } break;
    case 16: while (u >= 16) { buf[--i] = digits[u & 0xF]; u >>= 4; } break;
    case 8: while (u >= 8) { buf[--i] = (char)('0' + (u & 7)); u >>= 3; } break;
    case 2: while (u >= 2) { buf[--i] = (char)('0' + (u & 1)); u >>= 1; } break;
    }
    buf[--i] = digits[u];
    while (i > 0 && prec > (int)(cap - i)) buf[--i] = '0';
    if (p->f.sharp) {
        switch (base) {
        case 2: buf[--i] = 'b'; buf[--i] = '0'; break;
        case 8: if (buf[i] != '0') buf[--i] = '0'; break;
        case 16: buf[--i] = digits[16]; buf[--i] = '0'; break;
        }
    }
    if (verb == 'O') { buf[--i] = 'o'; buf[--i] = '0'; }
    if (negative) buf[--i] = '-';
    else if (p->f.plus) buf[--i] = '+';
    else if (p->f.space) buf[--i] = ' ';
    bool oz = p->f.zero;
    p->f.zero = false;
    pad(p, buf + i, cap - i);
    p->f.zero = oz;
}

static void fmt_unicode(pp *p, uint64_t u)
{
    char buf[96];
    int prec = 4;
    if (p->f.prec_present && p->f.prec > 4) prec = p->f.prec > 60 ? 60 : p->f.prec;
    size_t i = sizeof buf;
    if (p->f.sharp && u <= 0x10FFFF && fc_u_is_print((uint32_t)u)) {
        buf[--i] = '\'';
        ht_sb tmp;
        char rb[4];
        int rl;
        uint32_t r = (uint32_t)u;
        if (r < 0x80) { rb[0] = (char)r; rl = 1; }
        else if (r < 0x800) { rb[0] = (char)(0xC0 | (r >> 6)); rb[1] = (char)(0x80 | (r & 0x3F)); rl = 2; }
        else if (r < 0x10000) { rb[0] = (char)(0xE0 | (r >> 12)); rb[1] = (char)(0x80 | ((r >> 6) & 0x3F)); rb[2] = (char)(0x80 | (r & 0x3F)); rl = 3; }
        else { rb[0] = (char)(0xF0 | (r >> 18)); rb[1] = (char)(0x80 | ((r >> 12) & 0x3F)); rb[2] = (char)(0x80 | ((r >> 6) & 0x3F)); rb[3] = (char)(0x80 | (r & 0x3F)); rl = 4; }
        (void)tmp;
        i -= (size_t)rl;
        memcpy(buf + i, rb, (size_t)rl);
        buf[--i] = '\'';
        buf[--i] = ' ';
    }
    while (u >= 16) { buf[--i] = udigits[u & 0xF]; prec--; u >>= 4; }
    buf[--i] = udigits[u];
    prec--;
    while (prec > 0) { buf[--i] = '0'; prec--; }
    buf[--i] = '+';
    buf[--i] = 'U';
    bool oz = p->f.zero;
    p->f.zero = false;
    pad(p, buf + i, sizeof buf - i);
    p->f.zero = oz;
}

static void fmt_c(pp *p, uint64_t c)
{
    ht_sb tmp;
    ht_sb_init(&tmp, p->buf->cx);
    ht_sb_rune(&tmp, c > 0x10FFFF ? 0xFFFD : (uint32_t)c);
    pad(p, tmp.p, tmp.len);
}

static void fmt_qc(pp *p, uint64_t c)
{
    uint32_t r = c > 0x10FFFF ? 0xFFFD : (uint32_t)c;
    ht_sb tmp;
    ht_sb_init(&tmp, p->buf->cx);
    char rb[4];
    size_t rl = 0;
    ht_sb enc;
    ht_sb_init(&enc, p->buf->cx);
    ht_sb_rune(&enc, r);
    memcpy(rb, enc.p, enc.len);
    rl = enc.len;
    quote_into(rb, rl, &tmp, p->f.plus, '\'');
    pad(p, tmp.p, tmp.len);
}

/* ---------------------------------------------------------- floats */

static void fmt_float(pp *p, double v, char verb, int prec)
{
    char num[400];
    if (p->f.prec_present) prec = p->f.prec;
    if (prec > 300) prec = 300;
    char gv = verb;
    size_t n;
    if (gv == 'x' || gv == 'X' || gv == 'b') {
        /* rare in templates: approximate with C's %a for x */
        if (gv == 'b') n = (size_t)snprintf(num + 1, sizeof num - 1, "%.0f", v);
        else n = (size_t)snprintf(num + 1, sizeof num - 1, gv == 'x' ? "%a" : "%A", v);
    } else {
        n = fc_go_format_float(v, gv, prec, num + 1, sizeof num - 1);
    }
    char *s = num;
    size_t len = n + 1;
    if (s[1] == '-' || s[1] == '+') {
        s++;
        len--;
    } else {
        s[0] = '+';
    }
    if (p->f.space && s[0] == '+' && !p->f.plus) s[0] = ' ';
    if (s[1] == 'I' || s[1] == 'N') {
        bool oz = p->f.zero;
        p->f.zero = false;
        if (s[1] == 'N' && !p->f.space && !p->f.plus) {
            s++;
            len--;
        }
        pad(p, s, len);
        p->f.zero = oz;
        return;
    }
    char big[800];
    if (p->f.sharp && verb != 'b') {
        int digits = 0;
        if (verb == 'v' || verb == 'g' || verb == 'G' || verb == 'x') {
            digits = prec;
            if (digits == -1) digits = 6;
        }
        char tail[16];
        size_t tl = 0;
        bool has_dot = false, nonzero = false;
        size_t cut = len;
        for (size_t i = 1; i < len; i++) {
            char c = s[i];
            if (c == '.') has_dot = true;
            else if (c == 'p' || c == 'P' || ((c == 'e' || c == 'E') && verb != 'x' && verb != 'X')) {
                tl = len - i < sizeof tail ? len - i : sizeof tail - 1;
                memcpy(tail, s + i, tl);
                cut = i;
                break;
            } else {
                if (c != '0') nonzero = true;
                if (nonzero) digits--;
            }
        }
        size_t bl = 0;
        memcpy(big, s, cut);
        bl = cut;
        if (!has_dot) {
            if (cut == 2 && s[1] == '0') digits--;
            big[bl++] = '.';
        }
        while (digits > 0 && bl < sizeof big - 20) { big[bl++] = '0'; digits--; }
        memcpy(big + bl, tail, tl);
        bl += tl;
        s = big;
        len = bl;
    }
    if (p->f.plus || s[0] != '+') {
        if (p->f.zero && !p->f.minus && p->f.wid_present && p->f.wid > (int)len) {
            ht_sb_putc(p->buf, s[0]);
            write_padding(p, p->f.wid - (int)len);
            ht_sb_put(p->buf, s + 1, len - 1);
            return;
        }
        pad(p, s, len);
        return;
    }
    pad(p, s + 1, len - 1);
}

/* ---------------------------------------------------------- strings */

static size_t truncate_len(pp *p, const char *s, size_t n)
{
    if (!p->f.prec_present) return n;
    int k = p->f.prec;
    for (size_t i = 0; i < n;) {
        if (--k < 0) return i;
        uint32_t r;
        i += (size_t)fc_utf8_decode(s + i, n - i, &r);
    }
    return n;
}

static void fmt_sbx(pp *p, const char *s, size_t n, const char *digits)
{
    size_t length = n;
    if (p->f.prec_present && (size_t)p->f.prec < length) length = (size_t)p->f.prec;
    int width = 2 * (int)length;
    if (width > 0) {
        if (p->f.space) {
            if (p->f.sharp) width *= 2;
            width += (int)length - 1;
        } else if (p->f.sharp) {
            width += 2;
        }
    } else {
        if (p->f.wid_present) write_padding(p, p->f.wid);
        return;
    }
    if (p->f.wid_present && p->f.wid > width && !p->f.minus) write_padding(p, p->f.wid - width);
    if (p->f.sharp) {
        ht_sb_putc(p->buf, '0');
        ht_sb_putc(p->buf, digits[16]);
    }
    for (size_t i = 0; i < length; i++) {
        if (p->f.space && i > 0) {
            ht_sb_putc(p->buf, ' ');
            if (p->f.sharp) {
                ht_sb_putc(p->buf, '0');
                ht_sb_putc(p->buf, digits[16]);
            }
        }
        unsigned char c = (unsigned char)s[i];
        ht_sb_putc(p->buf, digits[c >> 4]);
        ht_sb_putc(p->buf, digits[c & 15]);
    }
    if (p->f.wid_present && p->f.wid > width && p->f.minus) write_padding(p, p->f.wid - width);
}

static void fmt_q(pp *p, const char *s, size_t n)
{
    n = truncate_len(p, s, n);
    ht_sb tmp;
    ht_sb_init(&tmp, p->buf->cx);
    if (p->f.sharp && can_backquote(s, n)) {
        ht_sb_putc(&tmp, '`');
        ht_sb_put(&tmp, s, n);
        ht_sb_putc(&tmp, '`');
    } else {
        quote_into(s, n, &tmp, p->f.plus, '"');
    }
    pad(p, tmp.p, tmp.len);
}

static void fmt_string(pp *p, const char *s, size_t n, char verb)
{
    switch (verb) {
    case 'v':
        if (p->f.sharp_v) fmt_q(p, s, n);
        else pad(p, s, truncate_len(p, s, n));
        break;
    case 's': pad(p, s, truncate_len(p, s, n)); break;
    case 'x': fmt_sbx(p, s, n, ldigits); break;
    case 'X': fmt_sbx(p, s, n, udigits); break;
    case 'q': fmt_q(p, s, n); break;
    default: {
        extern void ht_fmt__badverb(pp * p, ht_val v, char verb);
        ht_fmt__badverb(p, ht_str_static(s, n), verb);
    }
    }
}

/* ---------------------------------------------------------- values */

static void print_arg(pp *p, ht_val v, char verb);
static void print_value(pp *p, ht_val v, char verb, int depth);

void ht_fmt__badverb(pp *p, ht_val v, char verb)
{
    p->erroring = true;
    ht_sb_puts(p->buf, "%!");
    ht_sb_rune(p->buf, (unsigned char)verb);
    ht_sb_putc(p->buf, '(');
    if (v.k == HT_NIL) {
        ht_sb_puts(p->buf, "<nil>");
    } else {
        ht_sb_puts(p->buf, ht_type_name(v));
        ht_sb_putc(p->buf, '=');
        fmtflags save = p->f;
        print_arg(p, v, 'v');
        p->f = save;
    }
    ht_sb_putc(p->buf, ')');
    p->erroring = false;
}

static void fmt_bool(pp *p, bool b, char verb, ht_val v)
{
    if (verb == 't' || verb == 'v') pads(p, b ? "true" : "false");
    else ht_fmt__badverb(p, v, verb);
}

static void fmt_int_verb(pp *p, uint64_t u, bool is_signed, char verb, ht_val v)
{
    switch (verb) {
    case 'v':
        if (p->f.sharp_v && !is_signed) {
            bool sh = p->f.sharp;
            p->f.sharp = true;
            fmt_integer(p, u, 16, false, 'v', ldigits);
            p->f.sharp = sh;
        } else {
            fmt_integer(p, u, 10, is_signed, verb, ldigits);
        }
        break;
    case 'd': fmt_integer(p, u, 10, is_signed, verb, ldigits); break;
    case 'b': fmt_integer(p, u, 2, is_signed, verb, ldigits); break;
    case 'o': case 'O': fmt_integer(p, u, 8, is_signed, verb, ldigits); break;
    case 'x': fmt_integer(p, u, 16, is_signed, verb, ldigits); break;
    case 'X': fmt_integer(p, u, 16, is_signed, verb, udigits); break;
    case 'c': fmt_c(p, u); break;
    case 'q': fmt_qc(p, u); break;
    case 'U': fmt_unicode(p, u); break;
    default: ht_fmt__badverb(p, v, verb);
    }
}

static void fmt_float_verb(pp *p, double f, char verb, ht_val v)
{
    switch (verb) {
    case 'v': fmt_float(p, f, 'g', -1); break;
    case 'b': case 'g': case 'G': case 'x': case 'X': fmt_float(p, f, verb, -1); break;
    case 'f': case 'e': case 'E': fmt_float(p, f, verb, 6); break;
    case 'F': fmt_float(p, f, 'f', 6); break;
    default: ht_fmt__badverb(p, v, verb);
    }
}

static void fmt_bytes(pp *p, const char *s, size_t n, char verb, ht_val v)
{
    switch (verb) {
    case 'v': case 'd':
        if (p->f.sharp_v) {
            ht_sb_puts(p->buf, "[]byte{");
            for (size_t i = 0; i < n; i++) {
                if (i) ht_sb_puts(p->buf, ", ");
                ht_sb_printf(p->buf, "0x%x", (unsigned char)s[i]);
            }
            ht_sb_putc(p->buf, '}');
        } else {
            ht_sb_putc(p->buf, '[');
            for (size_t i = 0; i < n; i++) {
                if (i) ht_sb_putc(p->buf, ' ');
                fmt_integer(p, (unsigned char)s[i], 10, false, verb, ldigits);
            }
            ht_sb_putc(p->buf, ']');
        }
        break;
    case 's': pad(p, s, truncate_len(p, s, n)); break;
    case 'x': fmt_sbx(p, s, n, ldigits); break;
    case 'X': fmt_sbx(p, s, n, udigits); break;
    case 'q': fmt_q(p, s, n); break;
    default:
        ht_sb_putc(p->buf, '[');
        for (size_t i = 0; i < n; i++) {
            if (i) ht_sb_putc(p->buf, ' ');
            fmt_int_verb(p, (unsigned char)s[i], false, verb, ht_int((unsigned char)s[i]));
        }
        ht_sb_putc(p->buf, ']');
        (void)v;
    }
}

/* String() of Stringer types; false when the value has no String method */
static bool stringer(pp *p, ht_val v, ht_sb *tmp)
{
    ht_sb_init(tmp, p->buf->cx);
    switch (v.k) {
    case HT_TIME: ht_time_string(v.v.t, tmp); return true;
    case HT_DURATION: {
        char b[64];
        fc_duration_format(v.v.i, b, sizeof b);
        ht_sb_puts(tmp, b);
        return true;
    }
    case HT_OBJ:
        if (v.v.o->cls->has_string && v.v.o->cls->print) {
            v.v.o->cls->print(v.v.o, tmp);
            return true;
        }
        return false;
    default: return false;
    }
}

static bool handle_methods(pp *p, ht_val v, char verb)
{
    if (p->erroring) return false;
    if (p->f.sharp_v) return false;
    if (verb == 'v' || verb == 's' || verb == 'x' || verb == 'X' || verb == 'q') {
        ht_sb tmp;
        if (stringer(p, v, &tmp)) {
            fmt_string(p, tmp.p ? tmp.p : "", tmp.len, verb);
            return true;
        }
    }
    return false;
}

static void print_value(pp *p, ht_val v, char verb, int depth)
{
    if (depth > 0 && v.k != HT_NIL && handle_methods(p, v, verb)) return;
    switch (v.k) {
    case HT_NIL:
        if (depth == 0) ht_sb_puts(p->buf, "<invalid reflect.Value>");
        else if (verb == 'v') ht_sb_puts(p->buf, "<nil>");
        else ht_fmt__badverb(p, v, verb);
        return;
    case HT_BOOL: fmt_bool(p, v.v.b, verb, v); return;
    case HT_INT: case HT_INT64: case HT_DURATION: fmt_int_verb(p, (uint64_t)v.v.i, true, verb, v); return;
    case HT_UINT64: fmt_int_verb(p, v.v.u, false, verb, v); return;
    case HT_FLOAT64: fmt_float_verb(p, v.v.f, verb, v); return;
    case HT_STRING: fmt_string(p, v.v.s, v.n, verb); return;
    case HT_BYTES: fmt_bytes(p, v.v.s, v.n, verb, v); return;
    case HT_LIST: {
        if (p->f.sharp_v) {
            ht_sb_puts(p->buf, ht_type_name(v));
            if (!v.v.l) { ht_sb_puts(p->buf, "(nil)"); return; }
            ht_sb_putc(p->buf, '{');
            for (uint32_t i = 0; i < v.v.l->n; i++) {
                if (i) ht_sb_puts(p->buf, ", ");
                print_value(p, v.v.l->items[i], verb, depth + 1);
            }
            ht_sb_putc(p->buf, '}');
            return;
        }
        ht_sb_putc(p->buf, '[');
        uint32_t n = v.v.l ? v.v.l->n : 0;
        for (uint32_t i = 0; i < n; i++) {
            if (i) ht_sb_putc(p->buf, ' ');
            print_value(p, v.v.l->items[i], verb, depth + 1);
        }
        ht_sb_putc(p->buf, ']');
        return;
    }
    case HT_MAP: {
        if (p->f.sharp_v) {
            ht_sb_puts(p->buf, ht_type_name(v));
            if (!v.v.m) { ht_sb_puts(p->buf, "(nil)"); return; }
            ht_sb_putc(p->buf, '{');
        } else {
            ht_sb_puts(p->buf, "map[");
        }
        uint32_t n;
        ht_mentry **es = ht_map_sorted(p->buf->cx, v.v.m, &n);
        for (uint32_t i = 0; i < n; i++) {
            if (i) ht_sb_puts(p->buf, p->f.sharp_v ? ", " : " ");
            print_value(p, ht_str_static(es[i]->key, es[i]->klen), verb, depth + 1);
            ht_sb_putc(p->buf, ':');
            ht_val ev = es[i]->val;
            if (v.sub == HT_M_FILES) ev.k = HT_BYTES;
            print_value(p, ev, verb, depth + 1);
        }
        ht_sb_putc(p->buf, p->f.sharp_v ? '}' : ']');
        return;
    }
    case HT_TIME: {
        ht_sb tmp;
        stringer(p, v, &tmp);
        fmt_string(p, tmp.p ? tmp.p : "", tmp.len, 's');
        return;
    }
    case HT_OBJ: {
        if (v.v.o->cls->print) {
            ht_sb tmp;
            ht_sb_init(&tmp, p->buf->cx);
            v.v.o->cls->print(v.v.o, &tmp);
            if (v.v.o->cls->is_ptr && depth == 0 && !v.v.o->cls->has_string) ht_sb_putc(p->buf, '&');
            ht_sb_put(p->buf, tmp.p ? tmp.p : "", tmp.len);
        } else {
            ht_sb_puts(p->buf, v.v.o->cls->is_ptr && depth == 0 ? "&{}" : "{}");
        }
        return;
    }
    }
}

static void print_arg(pp *p, ht_val v, char verb)
{
    if (v.k == HT_NIL) {
        if (verb == 'T' || verb == 'v') pads(p, "<nil>");
        else ht_fmt__badverb(p, v, verb);
        return;
    }
    if (verb == 'T') {
        pad(p, ht_type_name(v), strlen(ht_type_name(v)));
        return;
    }
    if (verb == 'p') {
        if (v.k == HT_MAP || v.k == HT_LIST || v.k == HT_OBJ) {
            const void *ptr = v.k == HT_MAP ? (const void *)v.v.m : v.k == HT_LIST ? (const void *)(v.v.l ? v.v.l->items : NULL) : (const void *)v.v.o;
            bool sh = p->f.sharp;
            p->f.sharp = !sh;
            fmt_integer(p, (uint64_t)(uintptr_t)ptr, 16, false, 'v', ldigits);
            p->f.sharp = sh;
        } else {
            ht_fmt__badverb(p, v, verb);
        }
        return;
    }
    switch (v.k) {
    case HT_BOOL: fmt_bool(p, v.v.b, verb, v); return;
    case HT_FLOAT64: fmt_float_verb(p, v.v.f, verb, v); return;
    case HT_INT: case HT_INT64: fmt_int_verb(p, (uint64_t)v.v.i, true, verb, v); return;
    case HT_UINT64: fmt_int_verb(p, v.v.u, false, verb, v); return;
    case HT_STRING: fmt_string(p, v.v.s, v.n, verb); return;
    case HT_BYTES: fmt_bytes(p, v.v.s, v.n, verb, v); return;
    default:
        if (!handle_methods(p, v, verb)) print_value(p, v, verb, 0);
    }
}

/* ---------------------------------------------------------- entry points */

static void pp_init(pp *p, ht_sb *out)
{
    memset(p, 0, sizeof *p);
    p->buf = out;
}

void ht_fmt_value(ht_val v, ht_sb *out)
{
    pp p;
    pp_init(&p, out);
    print_arg(&p, ht_strip(v), 'v');
}

void ht_fmt_sprint(int argc, const ht_val *argv, ht_sb *out)
{
    pp p;
    pp_init(&p, out);
    bool prev_string = false;
    for (int i = 0; i < argc; i++) {
        bool is_string = argv[i].k == HT_STRING;
        if (i > 0 && !is_string && !prev_string) ht_sb_putc(out, ' ');
        memset(&p.f, 0, sizeof p.f);
        print_arg(&p, ht_strip(argv[i]), 'v');
        prev_string = is_string;
    }
}

void ht_fmt_sprintln(int argc, const ht_val *argv, ht_sb *out)
{
    pp p;
    pp_init(&p, out);
    for (int i = 0; i < argc; i++) {
        if (i > 0) ht_sb_putc(out, ' ');
        memset(&p.f, 0, sizeof p.f);
        print_arg(&p, ht_strip(argv[i]), 'v');
    }
    ht_sb_putc(out, '\n');
}

static bool too_large(int x) { return x > 1000000 || x < -1000000; }

static bool parsenum(const char *s, size_t start, size_t end, int *num, size_t *newi)
{
    *num = 0;
    bool ok = false;
    size_t i = start;
    for (; i < end && s[i] >= '0' && s[i] <= '9'; i++) {
        if (too_large(*num)) {
            *newi = end;
            *num = 0;
            return false;
        }
        *num = *num * 10 + (s[i] - '0');
        ok = true;
    }
    *newi = i;
    return ok;
}

static bool int_from_arg(const ht_val *a, int argc, int *argnum, int *num)
{
    bool is_int = false;
    *num = 0;
    if (*argnum < argc) {
        ht_val v = a[*argnum];
        if (v.k == HT_INT || v.k == HT_INT64 || v.k == HT_DURATION) {
            if (v.v.i >= INT32_MIN * 1000LL && v.v.i <= INT32_MAX * 1000LL) { *num = (int)v.v.i; is_int = true; }
        } else if (v.k == HT_UINT64) {
            if (v.v.u <= (uint64_t)INT32_MAX) { *num = (int)v.v.u; is_int = true; }
        }
        (*argnum)++;
        if (too_large(*num)) {
            *num = 0;
            is_int = false;
        }
    }
    return is_int;
}

/* returns the new arg number; sets *found, *ok */
static int arg_number(pp *p, int argnum, const char *fmt, size_t *i, size_t end, int numargs, bool *found, bool *reordered, bool *good)
{
    (void)p;
    *found = false;
    if (*i >= end || fmt[*i] != '[') return argnum;
    *reordered = true;
    /* parseArgNumber */
    size_t len = end - *i;
    if (len >= 3) {
        for (size_t j = 1; j < len; j++) {
            if (fmt[*i + j] == ']') {
                int width;
                size_t ni;
                bool ok = parsenum(fmt + *i, 1, j, &width, &ni);
                if (!ok || ni != j) {
                    *i += j + 1;
                    *good = false;
                    return argnum;
                }
                int index = width - 1;
                *i += j + 1;
                if (index >= 0 && index < numargs) {
                    *found = true;
                    return index;
                }
                *good = false;
                *found = true;
                return argnum;
            }
        }
    }
    *i += 1;
    *good = false;
    return argnum;
}

void ht_fmt_sprintf(const char *fmt, size_t end, int argc, const ht_val *argv_in, ht_sb *out)
{
    pp p;
    pp_init(&p, out);
    ht_val *a = ht_cx_alloc(out->cx, (size_t)(argc ? argc : 1) * sizeof *a);
    for (int k = 0; k < argc; k++) a[k] = ht_strip(argv_in[k]);
    int argnum = 0;
    bool after_index = false, reordered = false;
    for (size_t i = 0; i < end;) {
        bool good = true;
        size_t lasti = i;
        while (i < end && fmt[i] != '%') i++;
        if (i > lasti) ht_sb_put(out, fmt + lasti, i - lasti);
        if (i >= end) break;
        i++;
        memset(&p.f, 0, sizeof p.f);
        bool simple_done = false;
        for (; i < end; i++) {
            char c = fmt[i];
            if (c == '#') p.f.sharp = true;
            else if (c == '0') p.f.zero = true;
            else if (c == '+') p.f.plus = true;
            else if (c == '-') p.f.minus = true;
            else if (c == ' ') p.f.space = true;
            else {
                if (c >= 'a' && c <= 'z' && argnum < argc) {
                    if (c == 'v' || c == 'w') {
                        p.f.sharp_v = p.f.sharp;
                        p.f.sharp = false;
                        p.f.plus_v = p.f.plus;
                        p.f.plus = false;
                    }
                    if (c == 'w') {
                        ht_fmt__badverb(&p, a[argnum], 'w');
                    } else {
                        print_arg(&p, a[argnum], c);
                    }
                    argnum++;
                    i++;
                    simple_done = true;
                }
                break;
            }
        }
        if (simple_done) continue;
        bool found;
        argnum = arg_number(&p, argnum, fmt, &i, end, argc, &found, &reordered, &good);
        after_index = found;
        if (i < end && fmt[i] == '*') {
            i++;
            p.f.wid_present = int_from_arg(a, argc, &argnum, &p.f.wid);
            if (!p.f.wid_present) ht_sb_puts(out, "%!(BADWIDTH)");
            if (p.f.wid < 0) {
                p.f.wid = -p.f.wid;
                p.f.minus = true;
                p.f.zero = false;
            }
            after_index = false;
        } else {
            size_t ni;
            p.f.wid_present = parsenum(fmt, i, end, &p.f.wid, &ni);
            i = ni;
            if (after_index && p.f.wid_present) good = false;
        }
        if (i + 1 < end && fmt[i] == '.') {
            i++;
            if (after_index) good = false;
            argnum = arg_number(&p, argnum, fmt, &i, end, argc, &found, &reordered, &good);
            after_index = found;
            if (i < end && fmt[i] == '*') {
                i++;
                p.f.prec_present = int_from_arg(a, argc, &argnum, &p.f.prec);
                if (p.f.prec < 0) {
                    p.f.prec = 0;
                    p.f.prec_present = false;
                }
                if (!p.f.prec_present) ht_sb_puts(out, "%!(BADPREC)");
                after_index = false;
            } else {
                size_t ni;
                p.f.prec_present = parsenum(fmt, i, end, &p.f.prec, &ni);
                i = ni;
                if (!p.f.prec_present) {
                    p.f.prec = 0;
                    p.f.prec_present = true;
                }
            }
        }
        if (!after_index) {
            argnum = arg_number(&p, argnum, fmt, &i, end, argc, &found, &reordered, &good);
            after_index = found;
        }
        if (i >= end) {
            ht_sb_puts(out, "%!(NOVERB)");
            break;
        }
        uint32_t verb;
        int w = fc_utf8_decode(fmt + i, end - i, &verb);
        i += (size_t)w;
        if (verb == '%') {
            ht_sb_putc(out, '%');
        } else if (!good) {
            ht_sb_puts(out, "%!");
            ht_sb_rune(out, verb);
            ht_sb_puts(out, "(BADINDEX)");
        } else if (argnum >= argc) {
            ht_sb_puts(out, "%!");
            ht_sb_rune(out, verb);
            ht_sb_puts(out, "(MISSING)");
        } else {
            if (verb == 'v' || verb == 'w') {
                p.f.sharp_v = p.f.sharp;
                p.f.sharp = false;
                p.f.plus_v = p.f.plus;
                p.f.plus = false;
            }
            if (verb > 0x7F) {
                /* non-ASCII verb: always a bad verb */
                p.erroring = true;
                ht_sb_puts(out, "%!");
                ht_sb_rune(out, verb);
                ht_sb_putc(out, '(');
                if (a[argnum].k == HT_NIL) ht_sb_puts(out, "<nil>");
                else {
                    ht_sb_puts(out, ht_type_name(a[argnum]));
                    ht_sb_putc(out, '=');
                    memset(&p.f, 0, sizeof p.f);
                    print_arg(&p, a[argnum], 'v');
                }
                ht_sb_putc(out, ')');
                p.erroring = false;
            } else if (verb == 'w') {
                ht_fmt__badverb(&p, a[argnum], 'w');
            } else {
                print_arg(&p, a[argnum], (char)verb);
            }
            argnum++;
        }
    }
    if (!reordered && argnum < argc) {
        memset(&p.f, 0, sizeof p.f);
        ht_sb_puts(out, "%!(EXTRA ");
        for (int k = argnum; k < argc; k++) {
            if (k > argnum) ht_sb_puts(out, ", ");
            if (a[k].k == HT_NIL) {
                ht_sb_puts(out, "<nil>");
            } else {
                ht_sb_puts(out, ht_type_name(a[k]));
                ht_sb_putc(out, '=');
                print_arg(&p, a[k], 'v');
            }
        }
        ht_sb_putc(out, ')');
    }
}

ht_val ht_to_string(ht_ctx *cx, ht_val v)
{
    v = ht_strip(v);
    if (v.k == HT_STRING) return v;
    if (v.k == HT_BYTES) {
        v.k = HT_STRING;
        return v;
    }
    ht_sb sb;
    ht_sb_init(&sb, cx);
    ht_fmt_value(v, &sb);
    return ht_sb_val(&sb);
}
