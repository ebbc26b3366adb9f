/*
 * funcs_math.c: Sprig's numeric, conversion, defaults and reflection
 * functions (numeric.go, defaults.go, reflect.go).
 *
 * Integer math goes through spf13/cast's ToInt64 like Sprig (floats
 * truncate, strings parse with Go's base prefixes, anything else is 0) and
 * reproduces Go's runtime panics ("integer divide by zero"). The float
 * functions addf/subf/mulf/divf use shopspring/decimal in Sprig: operands
 * become the exact decimal of their shortest representation and division
 * rounds to 16 places, so 0.1+0.2 is 0.3. That arithmetic is done here on
 * OpenSSL BIGNUMs (mantissa, base-10 exponent).
 */
#include "ht_internal.h"
#include "fc/gofmt.h"
#include <math.h>
#include <openssl/bn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FN(name) static int name(ht_ctx *cx, int argc, ht_val *argv, ht_val *out)
#define UNUSED_ARGS (void)cx, (void)argc, (void)argv

/* ----------------------------------------------------------- integers */

FN(fn_add1)
{
    UNUSED_ARGS;
    *out = ht_int64((int64_t)((uint64_t)ht_cast_int64(argv[0]) + 1));
    return 0;
}

FN(fn_add)
{
    UNUSED_ARGS;
    uint64_t a = 0;
    for (int i = 0; i < argc; i++) a += (uint64_t)ht_cast_int64(argv[i]);
    *out = ht_int64((int64_t)a);
    return 0;
}

FN(fn_sub)
{
    UNUSED_ARGS;
    *out = ht_int64((int64_t)((uint64_t)ht_cast_int64(argv[0]) - (uint64_t)ht_cast_int64(argv[1])));
    return 0;
}

FN(fn_div)
{
    UNUSED_ARGS;
    int64_t a = ht_cast_int64(argv[0]), b = ht_cast_int64(argv[1]);
    if (b == 0) return ht_errf(cx, "runtime error: integer divide by zero");
    *out = ht_int64(b == -1 ? (int64_t)(0 - (uint64_t)a) : a / b);
    return 0;
}

FN(fn_mod)
{
    UNUSED_ARGS;
    int64_t a = ht_cast_int64(argv[0]), b = ht_cast_int64(argv[1]);
    if (b == 0) return ht_errf(cx, "runtime error: integer divide by zero");
    *out = ht_int64(b == -1 ? 0 : a % b);
    return 0;
}

FN(fn_mul)
{
    UNUSED_ARGS;
    uint64_t v = (uint64_t)ht_cast_int64(argv[0]);
    for (int i = 1; i < argc; i++) v *= (uint64_t)ht_cast_int64(argv[i]);
    *out = ht_int64((int64_t)v);
    return 0;
}

FN(fn_max)
{
    UNUSED_ARGS;
    int64_t a = ht_cast_int64(argv[0]);
    for (int i = 1; i < argc; i++) {
        int64_t b = ht_cast_int64(argv[i]);
        if (b > a) a = b;
    }
    *out = ht_int64(a);
    return 0;
}

FN(fn_min)
{
    UNUSED_ARGS;
    int64_t a = ht_cast_int64(argv[0]);
    for (int i = 1; i < argc; i++) {
        int64_t b = ht_cast_int64(argv[i]);
        if (b < a) a = b;
    }
    *out = ht_int64(a);
    return 0;
}

/* Go's math.Max / math.Min: NaN wins, +0 > -0 */
static double go_max(double a, double b)
{
    if (isinf(a) && a > 0) return a;
    if (isinf(b) && b > 0) return b;
    if (isnan(a) || isnan(b)) return NAN;
    if (a == 0 && a == b) return signbit(a) ? b : a;
    return a > b ? a : b;
}

static double go_min(double a, double b)
{
    if (isinf(a) && a < 0) return a;
    if (isinf(b) && b < 0) return b;
    if (isnan(a) || isnan(b)) return NAN;
    if (a == 0 && a == b) return signbit(a) ? a : b;
    return a < b ? a : b;
}

FN(fn_maxf)
{
    UNUSED_ARGS;
    double a = ht_cast_float64(argv[0]);
    for (int i = 1; i < argc; i++) a = go_max(a, ht_cast_float64(argv[i]));
    *out = ht_float(a);
    return 0;
}

FN(fn_minf)
{
    UNUSED_ARGS;
    double a = ht_cast_float64(argv[0]);
    for (int i = 1; i < argc; i++) a = go_min(a, ht_cast_float64(argv[i]));
    *out = ht_float(a);
    return 0;
}

FN(fn_floor)
{
    UNUSED_ARGS;
    *out = ht_float(floor(ht_cast_float64(argv[0])));
    return 0;
}

FN(fn_ceil)
{
    UNUSED_ARGS;
    *out = ht_float(ceil(ht_cast_float64(argv[0])));
    return 0;
}

FN(fn_round)
{
    double round_on = 0.5;
    if (argc > 2) round_on = argv[2].v.f;
    double val = ht_cast_float64(argv[0]);
    double places = (double)argv[1].v.i;
    double pw = pow(10, places);
    double digit = pw * val;
    double ip;
    double div = modf(digit, &ip);
    double r = div >= round_on ? ceil(digit) : floor(digit);
    (void)cx;
    *out = ht_float(r / pw);
    return 0;
}

FN(fn_int)
{
    UNUSED_ARGS;
    *out = ht_int(ht_cast_int64(argv[0]));
    return 0;
}

FN(fn_int64)
{
    UNUSED_ARGS;
    *out = ht_int64(ht_cast_int64(argv[0]));
    return 0;
}

FN(fn_float64)
{
    UNUSED_ARGS;
    *out = ht_float(ht_cast_float64(argv[0]));
    return 0;
}

FN(fn_atoi)
{
    UNUSED_ARGS;
    ht_val s = argv[0];
    int64_t v = 0;
    /* strconv.Atoi: decimal only, optional sign */
    bool ok = s.n > 0;
    for (uint32_t i = (s.n && (s.v.s[0] == '+' || s.v.s[0] == '-')) ? 1 : 0; i < s.n && ok; i++)
        ok = s.v.s[i] >= '0' && s.v.s[i] <= '9';
    if (ok && !(s.n == 1 && (s.v.s[0] == '+' || s.v.s[0] == '-')) && ht_parse_int(s.v.s, s.n, 10, &v)) *out = ht_int(v);
    else *out = ht_int(0);
    return 0;
}

FN(fn_to_decimal)
{
    UNUSED_ARGS;
    ht_val s = ht_to_string(cx, argv[0]);
    int64_t v;
    *out = ht_int64(ht_parse_int(s.v.s, s.n, 8, &v) ? v : 0);
    return 0;
}

FN(fn_rand_int)
{
    UNUSED_ARGS;
    int64_t lo = argv[0].v.i, hi = argv[1].v.i;
    if (hi - lo <= 0) return ht_errf(cx, "invalid argument to Intn");
    *out = ht_int((int64_t)ht_rand_below((uint64_t)(hi - lo)) + lo);
    return 0;
}

/* ----------------------------------------------------------- decimals */

typedef struct {
    BIGNUM *m; /* value = m * 10^e */
    int e;
} dec;

static BN_CTX *bnctx(ht_ctx *cx)
{
    BN_CTX *c = BN_CTX_new();
    if (!c) ht_fatal(cx, "out of memory");
    return c;
}

static void dec_from_float(dec *d, double f)
{
    char buf[64];
    fc_go_format_float(f, 'e', -1, buf, sizeof buf);
    /* d.ddde±XX */
    char digits[40];
    size_t k = 0;
    const char *p = buf;
    bool neg = false;
    if (*p == '-') {
        neg = true;
        p++;
    }
    int frac = 0;
    bool after_dot = false;
    for (; *p && *p != 'e'; p++) {
        if (*p == '.') {
            after_dot = true;
            continue;
        }
        digits[k++] = *p;
        if (after_dot) frac++;
    }
    digits[k] = 0;
    int exp = *p == 'e' ? (int)strtol(p + 1, NULL, 10) : 0;
    d->m = BN_new();
    BN_dec2bn(&d->m, digits);
    if (neg) BN_set_negative(d->m, 1);
    d->e = exp - frac;
}

static void bn_mul_pow10(BIGNUM *m, int n, BN_CTX *c)
{
    if (n <= 0) return;
    BIGNUM *t = BN_new(), *ten = BN_new();
    BN_set_word(ten, 10);
    BN_set_word(t, (BN_ULONG)n);
    BN_exp(t, ten, t, c);
    BN_mul(m, m, t, c);
    BN_free(t);
    BN_free(ten);
}

static void dec_align(dec *a, dec *b, BN_CTX *c)
{
    if (a->e > b->e) {
        bn_mul_pow10(a->m, a->e - b->e, c);
        a->e = b->e;
    } else if (b->e > a->e) {
        bn_mul_pow10(b->m, b->e - a->e, c);
        b->e = a->e;
    }
}

static double dec_to_float(dec *d)
{
    char *s = BN_bn2dec(d->m);
    char buf[4096];
    snprintf(buf, sizeof buf, "%se%d", s ? s : "0", d->e);
    OPENSSL_free(s);
    return strtod(buf, NULL);
}

enum { OP_ADD, OP_SUB, OP_MUL, OP_DIV };

static int decimal_op(ht_ctx *cx, ht_val first, ht_val *rest, int nrest, int op, double *res)
{
    double f0 = ht_cast_float64(first);
    if (isnan(f0) || isinf(f0)) return ht_errf(cx, "Cannot create a Decimal from %s", isnan(f0) ? "NaN" : f0 > 0 ? "+Inf" : "-Inf");
    BN_CTX *c = bnctx(cx);
    dec acc;
    dec_from_float(&acc, f0);
    int rc = 0;
    for (int i = 0; i < nrest; i++) {
        double fx = ht_cast_float64(rest[i]);
        if (isnan(fx) || isinf(fx)) {
            rc = ht_errf(cx, "Cannot create a Decimal from %s", isnan(fx) ? "NaN" : fx > 0 ? "+Inf" : "-Inf");
            break;
        }
        dec x;
        dec_from_float(&x, fx);
        switch (op) {
        case OP_ADD: dec_align(&acc, &x, c); BN_add(acc.m, acc.m, x.m); break;
        case OP_SUB: dec_align(&acc, &x, c); BN_sub(acc.m, acc.m, x.m); break;
        case OP_MUL: BN_mul(acc.m, acc.m, x.m, c); acc.e += x.e; break;
        case OP_DIV: {
            if (BN_is_zero(x.m)) {
                BN_free(x.m);
                rc = ht_errf(cx, "decimal division by 0");
                goto out;
            }
            /* q = round(acc / x to 16 places), half away from zero */
            int k = 16 + acc.e - x.e;
            BIGNUM *num = BN_dup(acc.m), *den = BN_dup(x.m), *q = BN_new(), *r = BN_new();
            if (k >= 0) bn_mul_pow10(num, k, c);
            else bn_mul_pow10(den, -k, c);
            bool neg = BN_is_negative(num) != BN_is_negative(den);
            BN_set_negative(num, 0);
            BN_set_negative(den, 0);
            BN_div(q, r, num, den, c);
            BN_lshift1(r, r);
            if (BN_cmp(r, den) >= 0) BN_add_word(q, 1);
            if (neg && !BN_is_zero(q)) BN_set_negative(q, 1);
            BN_free(acc.m);
            acc.m = q;
            acc.e = -16;
            BN_free(num);
            BN_free(den);
            BN_free(r);
            break;
        }
        }
        BN_free(x.m);
    }
    if (!rc) *res = dec_to_float(&acc);
out:
    BN_free(acc.m);
    BN_CTX_free(c);
    return rc;
}

FN(fn_addf)
{
    UNUSED_ARGS;
    double r;
    if (decimal_op(cx, ht_float(0), argv, argc, OP_ADD, &r)) return -1;
    *out = ht_float(r);
    return 0;
}

FN(fn_add1f)
{
    UNUSED_ARGS;
    double r;
    ht_val one = ht_int(1);
    if (decimal_op(cx, argv[0], &one, 1, OP_ADD, &r)) return -1;
    *out = ht_float(r);
    return 0;
}

FN(fn_subf)
{
    double r;
    if (decimal_op(cx, argv[0], argv + 1, argc - 1, OP_SUB, &r)) return -1;
    *out = ht_float(r);
    return 0;
}

FN(fn_mulf)
{
    double r;
    if (decimal_op(cx, argv[0], argv + 1, argc - 1, OP_MUL, &r)) return -1;
    *out = ht_float(r);
    return 0;
}

FN(fn_divf)
{
    double r;
    if (decimal_op(cx, argv[0], argv + 1, argc - 1, OP_DIV, &r)) return -1;
    *out = ht_float(r);
    return 0;
}

/* ----------------------------------------------------------- defaults */

bool ht_empty(ht_val v)
{
    v = ht_strip(v);
    switch (v.k) {
    case HT_NIL: return true;
    case HT_STRING: case HT_BYTES: return v.n == 0;
    case HT_LIST: return !v.v.l || v.v.l->n == 0;
    case HT_MAP: return !v.v.m || v.v.m->n == 0;
    case HT_BOOL: return !v.v.b;
    case HT_INT: case HT_INT64: case HT_DURATION: return v.v.i == 0;
    case HT_UINT64: return v.v.u == 0;
    case HT_FLOAT64: return v.v.f == 0;
    case HT_TIME: return false;
    case HT_OBJ: return v.v.o == NULL;
    }
    return false;
}

FN(fn_default)
{
    UNUSED_ARGS;
    if (argc < 2 || ht_empty(argv[1])) *out = argv[0];
    else *out = argv[1];
    return 0;
}

FN(fn_empty)
{
    UNUSED_ARGS;
    *out = ht_bool(ht_empty(argv[0]));
    return 0;
}

FN(fn_coalesce)
{
    UNUSED_ARGS;
    for (int i = 0; i < argc; i++)
        if (!ht_empty(argv[i])) {
            *out = argv[i];
            return 0;
        }
    *out = ht_nil();
    return 0;
}

FN(fn_all)
{
    UNUSED_ARGS;
    for (int i = 0; i < argc; i++)
        if (ht_empty(argv[i])) {
            *out = ht_bool(false);
            return 0;
        }
    *out = ht_bool(true);
    return 0;
}

FN(fn_any)
{
    UNUSED_ARGS;
    for (int i = 0; i < argc; i++)
        if (!ht_empty(argv[i])) {
            *out = ht_bool(true);
            return 0;
        }
    *out = ht_bool(false);
    return 0;
}

FN(fn_ternary)
{
    UNUSED_ARGS;
    *out = argv[2].v.b ? argv[0] : argv[1];
    return 0;
}

/* ----------------------------------------------------------- reflection */

FN(fn_type_of)
{
    UNUSED_ARGS;
    *out = ht_strz(cx, ht_type_name(ht_strip(argv[0])));
    return 0;
}

FN(fn_type_is)
{
    UNUSED_ARGS;
    const char *t = ht_type_name(ht_strip(argv[1]));
    *out = ht_bool(strlen(t) == argv[0].n && memcmp(t, argv[0].v.s, argv[0].n) == 0);
    return 0;
}

FN(fn_type_is_like)
{
    UNUSED_ARGS;
    const char *t = ht_type_name(ht_strip(argv[1]));
    size_t tl = strlen(t);
    bool r = (tl == argv[0].n && memcmp(t, argv[0].v.s, tl) == 0) ||
             (tl == argv[0].n + 1 && t[0] == '*' && memcmp(t + 1, argv[0].v.s, argv[0].n) == 0);
    *out = ht_bool(r);
    return 0;
}

FN(fn_kind_of)
{
    UNUSED_ARGS;
    *out = ht_strz(cx, ht_kind_name(ht_strip(argv[0])));
    return 0;
}

FN(fn_kind_is)
{
    UNUSED_ARGS;
    const char *k = ht_kind_name(ht_strip(argv[1]));
    *out = ht_bool(strlen(k) == argv[0].n && memcmp(k, argv[0].v.s, argv[0].n) == 0);
    return 0;
}

FN(fn_deep_equal)
{
    UNUSED_ARGS;
    *out = ht_bool(ht_deep_equal(ht_strip(argv[0]), ht_strip(argv[1])));
    return 0;
}

#define A P_ANY

const ht_funcdef ht_funcs_math[] = {
    {"add", fn_add, 1, true, {A}, P_INT64, 0},
    {"add1", fn_add1, 1, false, {A}, P_INT64, 0},
    {"add1f", fn_add1f, 1, false, {A}, P_FLOAT64, 0},
    {"addf", fn_addf, 1, true, {A}, P_FLOAT64, 0},
    {"all", fn_all, 1, true, {A}, P_BOOL, 0},
    {"any", fn_any, 1, true, {A}, P_BOOL, 0},
    {"atoi", fn_atoi, 1, false, {P_STRING}, P_INT, 0},
    {"biggest", fn_max, 2, true, {A, A}, P_INT64, 0},
    {"ceil", fn_ceil, 1, false, {A}, P_FLOAT64, 0},
    {"coalesce", fn_coalesce, 1, true, {A}, A, 0},
    {"deepEqual", fn_deep_equal, 2, false, {A, A}, P_BOOL, 0},
    {"default", fn_default, 2, true, {A, A}, A, 0},
    {"div", fn_div, 2, false, {A, A}, P_INT64, 0},
    {"divf", fn_divf, 2, true, {A, A}, P_FLOAT64, 0},
    {"empty", fn_empty, 1, false, {A}, P_BOOL, 0},
    {"float64", fn_float64, 1, false, {A}, P_FLOAT64, 0},
    {"floor", fn_floor, 1, false, {A}, P_FLOAT64, 0},
    {"int", fn_int, 1, false, {A}, P_INT, 0},
    {"int64", fn_int64, 1, false, {A}, P_INT64, 0},
    {"kindIs", fn_kind_is, 2, false, {P_STRING, A}, P_BOOL, 0},
    {"kindOf", fn_kind_of, 1, false, {A}, P_STRING, 0},
    {"max", fn_max, 2, true, {A, A}, P_INT64, 0},
    {"maxf", fn_maxf, 2, true, {A, A}, P_FLOAT64, 0},
    {"min", fn_min, 2, true, {A, A}, P_INT64, 0},
    {"minf", fn_minf, 2, true, {A, A}, P_FLOAT64, 0},
    {"mod", fn_mod, 2, false, {A, A}, P_INT64, 0},
    {"mul", fn_mul, 2, true, {A, A}, P_INT64, 0},
    {"mulf", fn_mulf, 2, true, {A, A}, P_FLOAT64, 0},
    {"randInt", fn_rand_int, 2, false, {P_INT, P_INT}, P_INT, 0},
    {"round", fn_round, 3, true, {A, P_INT, P_FLOAT64}, P_FLOAT64, 0},
    {"sub", fn_sub, 2, false, {A, A}, P_INT64, 0},
    {"subf", fn_subf, 2, true, {A, A}, P_FLOAT64, 0},
    {"ternary", fn_ternary, 3, false, {A, A, P_BOOL}, A, 0},
    {"toDecimal", fn_to_decimal, 1, false, {A}, P_INT64, 0},
    {"typeIs", fn_type_is, 2, false, {P_STRING, A}, P_BOOL, 0},
    {"typeIsLike", fn_type_is_like, 2, false, {P_STRING, A}, P_BOOL, 0},
    {"typeOf", fn_type_of, 1, false, {A}, P_STRING, 0},
    {NULL, NULL, 0, false, {0}, 0, 0},
};
