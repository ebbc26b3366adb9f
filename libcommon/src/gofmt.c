/*
 * gofmt.c: Go-compatible float formatting (fc/gofmt.h). The shortest
 * round-trip digits come from glibc's correctly rounded "%.*e" at increasing
 * precision; the layout rules ('e' with two-digit exponent, 'g' switching to
 * 'e' when exp < -4 || exp >= 6 for shortest) are ported from strconv.
 */
#include "fc/gofmt.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Decimal digits of |v| (no leading zeros) and dp: v = 0.digits * 10^dp. */
static void decimal_digits(double v, int prec, char *digits, int *nd, int *dp)
{
    char tmp[64];
    double a = fabs(v);
    if (a == 0) {
        digits[0] = '0';
        *nd = 1;
        *dp = 1;
        if (prec < 0) { *nd = 0; *dp = 0; }
        return;
    }
    int p;
    if (prec < 0) {
        for (p = 1; p <= 17; p++) {
            snprintf(tmp, sizeof tmp, "%.*e", p - 1, a);
            if (strtod(tmp, NULL) == a) break;
        }
        if (p > 17) p = 17;
    } else {
        p = prec;
        if (p < 1) p = 1;
        if (p > 40) p = 40;
    }
    snprintf(tmp, sizeof tmp, "%.*e", p - 1, a);
    /* tmp = d.ddddde[+-]XX */
    int n = 0;
    char *e = strchr(tmp, 'e');
    for (char *c = tmp; c < e; c++)
        if (*c >= '0' && *c <= '9') digits[n++] = *c;
    int exp10 = (int)strtol(e + 1, NULL, 10);
    /* trim trailing zeros for shortest */
    if (prec < 0)
        while (n > 1 && digits[n - 1] == '0') n--;
    *nd = n;
    *dp = exp10 + 1;
}

static size_t put(char *out, size_t n, size_t at, char c)
{
    if (at + 1 < n) out[at] = c;
    return at + 1;
}

static size_t fmt_e(char *out, size_t n, int neg, const char *d, int nd, int dp, int prec, char ech)
{
    size_t at = 0;
    if (neg) at = put(out, n, at, '-');
    at = put(out, n, at, nd ? d[0] : '0');
    if (prec > 0) {
        at = put(out, n, at, '.');
        for (int i = 1; i <= prec; i++) at = put(out, n, at, i < nd ? d[i] : '0');
    }
    at = put(out, n, at, ech);
    int exp = nd ? dp - 1 : 0;
    if (exp < 0) { at = put(out, n, at, '-'); exp = -exp; }
    else at = put(out, n, at, '+');
    if (exp < 10) {
        at = put(out, n, at, '0');
        at = put(out, n, at, (char)('0' + exp));
    } else if (exp < 100) {
        at = put(out, n, at, (char)('0' + exp / 10));
        at = put(out, n, at, (char)('0' + exp % 10));
    } else {
        at = put(out, n, at, (char)('0' + exp / 100));
        at = put(out, n, at, (char)('0' + (exp / 10) % 10));
        at = put(out, n, at, (char)('0' + exp % 10));
    }
    if (n) out[at < n ? at : n - 1] = 0;
    return at;
}

static size_t fmt_f(char *out, size_t n, int neg, const char *d, int nd, int dp, int prec)
{
    size_t at = 0;
    if (neg) at = put(out, n, at, '-');
    if (dp > 0) {
        int m = dp < nd ? dp : nd;
        for (int i = 0; i < m; i++) at = put(out, n, at, d[i]);
        for (int i = m; i < dp; i++) at = put(out, n, at, '0');
    } else {
        at = put(out, n, at, '0');
    }
    if (prec > 0) {
        at = put(out, n, at, '.');
        for (int i = 0; i < prec; i++) {
            int j = dp + i;
            at = put(out, n, at, (j < 0 || j >= nd) ? '0' : d[j]);
        }
    }
    if (n) out[at < n ? at : n - 1] = 0;
    return at;
}

size_t fc_go_format_float(double v, char fmt, int prec, char *out, size_t n)
{
    if (isnan(v)) return (size_t)snprintf(out, n, "NaN");
    if (isinf(v)) return (size_t)snprintf(out, n, v > 0 ? "+Inf" : "-Inf");
    int neg = signbit(v) ? 1 : 0;
    char d[64];
    int nd, dp;
    int shortest = prec < 0;
    if (fmt == 'f' && !shortest) {
        /* fixed precision: let printf round exactly, as strconv does */
        return (size_t)snprintf(out, n, "%.*f", prec, v);
    }
    int digs = prec;
    if (!shortest) {
        if (fmt == 'e' || fmt == 'E') digs = prec + 1;
        else if (prec == 0) digs = 1;
    }
    decimal_digits(v, shortest ? -1 : digs, d, &nd, &dp);
    if (shortest) {
        switch (fmt) {
        case 'e': case 'E': prec = nd > 1 ? nd - 1 : 0; break;
        case 'f': prec = nd - dp > 0 ? nd - dp : 0; break;
        default: prec = nd; break;
        }
    }
    if (fmt == 'e' || fmt == 'E') return fmt_e(out, n, neg, d, nd, dp, prec, fmt);
    if (fmt == 'f') return fmt_f(out, n, neg, d, nd, dp, prec);
    /* 'g' / 'G' */
    int eprec = prec;
    if (eprec > nd && nd >= dp) eprec = nd;
    if (shortest) eprec = 6;
    int exp = dp - 1;
    if (nd == 0) exp = 0;
    if (exp < -4 || exp >= eprec) {
        if (prec > nd) prec = nd;
        return fmt_e(out, n, neg, d, nd, dp, prec - 1, fmt == 'G' ? 'E' : 'e');
    }
    if (prec > dp) prec = nd;
    return fmt_f(out, n, neg, d, nd, dp, prec - dp > 0 ? prec - dp : 0);
}

size_t fc_go_format_float32(double v, char fmt, char *out, size_t n)
{
    float f = (float)v;
    if (isnan(f) || isinf(f)) return fc_go_format_float(f, fmt, -1, out, n);
    /* shortest decimal that reads back as the same float32; such a string
     * has at most 9 significant digits, so the double it parses to prints
     * back with exactly those digits */
    char tmp[64];
    for (int p = 1; p <= 9; p++) {
        snprintf(tmp, sizeof tmp, "%.*e", p - 1, (double)f);
        if (strtof(tmp, NULL) == f) break;
    }
    return fc_go_format_float(strtod(tmp, NULL), fmt, -1, out, n);
}

size_t fc_go_json_float(double v, char *out, size_t n)
{
    if (isnan(v) || isinf(v)) return (size_t)snprintf(out, n, "null");
    double a = fabs(v);
    char f = 'f';
    if (a != 0 && (a < 1e-6 || a >= 1e21)) f = 'e';
    size_t len = fc_go_format_float(v, f, -1, out, n);
    if (f == 'e' && len >= 4 && len < n && out[len - 4] == 'e' && out[len - 3] == '-' && out[len - 2] == '0') {
        out[len - 2] = out[len - 1];
        out[len - 1] = 0;
        len--;
    }
    return len;
}

static int serialize_go_double(json_object *jso, struct printbuf *pb, int level, int flags)
{
    (void)level;
    (void)flags;
    char buf[64];
    size_t n = fc_go_json_float(json_object_get_double(jso), buf, sizeof buf);
    return printbuf_memappend(pb, buf, (int)n);
}

json_object *fc_json_new_double(double v)
{
    json_object *o = json_object_new_double(v);
    if (o) json_object_set_serializer(o, serialize_go_double, NULL, NULL);
    return o;
}
