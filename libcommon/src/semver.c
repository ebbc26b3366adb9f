/*
 * semver.c: Masterminds/semver v3 versions and constraints (fc/semver.h).
 *
 * Hand-written because no C library implements Masterminds' flavour (its
 * loose parsing, wildcard "dirty" constraints and prerelease rules are what
 * Flux and Helm users rely on). The constraint code mirrors the library's
 * per-operator functions so each rule can be compared with the original:
 * a constraint keeps its version with wildcards replaced by zeros plus the
 * dirty/minorDirty/patchDirty flags that the operators consult.
 */
#include "fc/semver.h"
#include "fc/err.h"
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_CONSTRAINT_LEN 4096
#define MAX_TERMS 256

static bool ident_char(char c) { return isalnum((unsigned char)c) || c == '-'; }

/* dot-separated non-empty identifiers of [0-9A-Za-z-] */
static bool valid_idents(const char *s, size_t n)
{
    if (!n) return false;
    size_t seg = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '.') {
            if (!seg) return false;
            seg = 0;
        } else if (ident_char(s[i])) {
            seg++;
        } else {
            return false;
        }
    }
    return seg > 0;
}

static bool all_digits(const char *s, size_t n)
{
    if (!n) return false;
    for (size_t i = 0; i < n; i++)
        if (!isdigit((unsigned char)s[i])) return false;
    return true;
}

static int parse_num(const char *s, size_t n, uint64_t *out)
{
    if (!all_digits(s, n) || n > 20) return -1;
    char buf[24];
    memcpy(buf, s, n);
    buf[n] = 0;
    errno = 0;
    char *end;
    unsigned long long v = strtoull(buf, &end, 10);
    if (errno || *end) return -1;
    *out = v;
    return 0;
}

void fc_semver_dispose(fc_semver *v)
{
    if (!v) return;
    free(v->pre);
    free(v->meta);
    free(v->original);
    memset(v, 0, sizeof *v);
}

int fc_semver_parse(const char *s, fc_semver *out)
{
    memset(out, 0, sizeof *out);
    if (!s) return fc_err_set(FC_EINVAL, "Invalid Semantic Version");
    const char *p = s;
    if (*p == 'v') p++;
    const char *plus = strchr(p, '+');
    const char *end = plus ? plus : p + strlen(p);
    const char *dash = memchr(p, '-', (size_t)(end - p));
    const char *core_end = dash ? dash : end;
    uint64_t parts[3] = {0, 0, 0};
    int np = 0;
    const char *c = p;
    while (c < core_end) {
        const char *dot = memchr(c, '.', (size_t)(core_end - c));
        const char *e = dot ? dot : core_end;
        if (np >= 3 || parse_num(c, (size_t)(e - c), &parts[np])) return fc_err_set(FC_EINVAL, "Invalid Semantic Version");
        np++;
        if (!dot) break;
        c = dot + 1;
        if (c == core_end) return fc_err_set(FC_EINVAL, "Invalid Semantic Version");
    }
    if (np == 0) return fc_err_set(FC_EINVAL, "Invalid Semantic Version");
    if (dash) {
        const char *pr = dash + 1;
        size_t pl = (size_t)(end - pr);
        if (!valid_idents(pr, pl)) return fc_err_set(FC_EINVAL, "Invalid Semantic Version");
        /* numeric identifiers must not start with 0 */
        for (const char *q = pr; q < end;) {
            const char *d = memchr(q, '.', (size_t)(end - q));
            const char *qe = d ? d : end;
            if (all_digits(q, (size_t)(qe - q)) && qe - q > 1 && *q == '0')
                return fc_err_set(FC_EINVAL, "Version segment starts with 0");
            q = d ? d + 1 : end;
        }
        out->pre = strndup(pr, pl);
    } else {
        out->pre = strdup("");
    }
    if (plus) {
        if (!valid_idents(plus + 1, strlen(plus + 1))) {
            fc_semver_dispose(out);
            return fc_err_set(FC_EINVAL, "Invalid Semantic Version");
        }
        out->meta = strdup(plus + 1);
    } else {
        out->meta = strdup("");
    }
    out->major = parts[0];
    out->minor = parts[1];
    out->patch = parts[2];
    out->original = strdup(s);
    if (!out->pre || !out->meta || !out->original) {
        fc_semver_dispose(out);
        return fc_err_set(FC_ENOMEM, "out of memory");
    }
    return 0;
}

static int cmp_u64(uint64_t a, uint64_t b) { return a < b ? -1 : a > b ? 1 : 0; }

static int cmp_ident(const char *a, size_t al, const char *b, size_t bl)
{
    bool an = all_digits(a, al), bn = all_digits(b, bl);
    if (an && bn) {
        /* numeric: longer is larger (no leading zeros), else lexical */
        if (al != bl) return al < bl ? -1 : 1;
        int c = memcmp(a, b, al);
        return c < 0 ? -1 : c > 0 ? 1 : 0;
    }
    if (an) return -1;
    if (bn) return 1;
    size_t n = al < bl ? al : bl;
    int c = memcmp(a, b, n);
    if (c) return c < 0 ? -1 : 1;
    return al == bl ? 0 : al < bl ? -1 : 1;
}

static int cmp_pre(const char *a, const char *b)
{
    if (!*a && !*b) return 0;
    if (!*a) return 1;
    if (!*b) return -1;
    for (;;) {
        size_t al = strcspn(a, "."), bl = strcspn(b, ".");
        int c = cmp_ident(a, al, b, bl);
        if (c) return c;
        a += al;
        b += bl;
        if (!*a && !*b) return 0;
        if (!*a) return -1;
        if (!*b) return 1;
        a++;
        b++;
    }
}

int fc_semver_compare(const fc_semver *a, const fc_semver *b)
{
    int c;
    if ((c = cmp_u64(a->major, b->major))) return c;
    if ((c = cmp_u64(a->minor, b->minor))) return c;
    if ((c = cmp_u64(a->patch, b->patch))) return c;
    return cmp_pre(a->pre ? a->pre : "", b->pre ? b->pre : "");
}

void fc_semver_format(const fc_semver *v, char *out, size_t n)
{
    snprintf(out, n, "%llu.%llu.%llu%s%s%s%s", (unsigned long long)v->major, (unsigned long long)v->minor,
             (unsigned long long)v->patch, *v->pre ? "-" : "", v->pre, *v->meta ? "+" : "", v->meta);
}

/* ------------------------------------------------------------ constraints */

typedef enum { OP_EQ, OP_NE, OP_GT, OP_LT, OP_GE, OP_LE, OP_TILDE, OP_CARET } op_t;

typedef struct term {
    op_t op;
    fc_semver con;
    bool dirty, minor_dirty, patch_dirty;
} term;

struct fc_semver_constraint {
    term *t;
    size_t nt;
    size_t *group_end; /* exclusive end index of each OR group */
    size_t ng;
};

static bool is_x(const char *s, size_t n) { return n == 1 && (*s == 'x' || *s == 'X' || *s == '*'); }

/* Parse "[v]A[.B[.C]][-pre][+meta]" with wildcards into a term. */
static int parse_term(op_t op, const char *s, size_t n, term *t)
{
    memset(t, 0, sizeof *t);
    t->op = op;
    char buf[512];
    if (n >= sizeof buf) return fc_err_set(FC_EINVAL, "improper constraint: %.*s", (int)n, s);
    memcpy(buf, s, n);
    buf[n] = 0;
    char *p = buf;
    if (*p == 'v') p++;
    /* split the core from the -pre/+meta suffix: the first '-' or '+' */
    size_t core = strcspn(p, "-+");
    const char *suffix = p + core;
    const char *seg[3] = {NULL, NULL, NULL};
    size_t sl[3] = {0, 0, 0};
    int ns = 0;
    for (size_t i = 0, st = 0; i <= core; i++) {
        if (i == core || p[i] == '.') {
            if (ns >= 3) return fc_err_set(FC_EINVAL, "improper constraint: %s", buf);
            seg[ns] = p + st;
            sl[ns] = i - st;
            ns++;
            st = i + 1;
        }
    }
    for (int i = 0; i < ns; i++)
        if (!sl[i] || (!is_x(seg[i], sl[i]) && !all_digits(seg[i], sl[i]))) return fc_err_set(FC_EINVAL, "improper constraint: %s", buf);
    char ver[600];
    if (is_x(seg[0], sl[0])) {
        snprintf(ver, sizeof ver, "0.0.0%s", suffix);
        t->dirty = true;
    } else if (ns < 2 || is_x(seg[1], sl[1])) {
        snprintf(ver, sizeof ver, "%.*s.0.0%s", (int)sl[0], seg[0], suffix);
        t->dirty = t->minor_dirty = true;
    } else if (ns < 3 || is_x(seg[2], sl[2])) {
        snprintf(ver, sizeof ver, "%.*s.%.*s.0%s", (int)sl[0], seg[0], (int)sl[1], seg[1], suffix);
        t->dirty = t->patch_dirty = true;
    } else {
        snprintf(ver, sizeof ver, "%s", p);
    }
    if (fc_semver_parse(ver, &t->con)) return fc_err_set(FC_EINVAL, "improper constraint: %s", buf);
    return 0;
}

static bool pre_blocked(const fc_semver *v, const term *t) { return *v->pre && !*t->con.pre; }

static bool check_term(const term *t, const fc_semver *v)
{
    const fc_semver *c = &t->con;
    switch (t->op) {
    case OP_EQ:
        if (t->dirty) goto tilde;
        if (pre_blocked(v, t)) return false;
        return fc_semver_compare(v, c) == 0;
    case OP_NE:
        if (t->dirty) {
            if (pre_blocked(v, t)) return false;
            if (c->major != v->major) return true;
            if (c->minor != v->minor && !t->minor_dirty) return true;
            if (t->minor_dirty) return false;
            if (c->patch != v->patch && !t->patch_dirty) return true;
            if (t->patch_dirty) {
                if (*v->pre || *c->pre) return cmp_pre(v->pre, c->pre) != 0;
                return false;
            }
        }
        return fc_semver_compare(v, c) != 0;
    case OP_GT:
        if (pre_blocked(v, t)) return false;
        if (!t->dirty) return fc_semver_compare(v, c) > 0;
        if (v->major != c->major) return v->major > c->major;
        if (t->minor_dirty) return false;
        if (t->patch_dirty) return v->minor > c->minor;
        return fc_semver_compare(v, c) > 0;
    case OP_LT:
        if (pre_blocked(v, t)) return false;
        return fc_semver_compare(v, c) < 0;
    case OP_GE:
        if (pre_blocked(v, t)) return false;
        return fc_semver_compare(v, c) >= 0;
    case OP_LE:
        if (pre_blocked(v, t)) return false;
        if (!t->dirty) return fc_semver_compare(v, c) <= 0;
        if (v->major > c->major) return false;
        if (v->major == c->major && v->minor > c->minor && !t->minor_dirty) return false;
        return true;
    case OP_TILDE:
    tilde:
        if (pre_blocked(v, t)) return false;
        if (fc_semver_compare(v, c) < 0) return false;
        if (c->major == 0 && c->minor == 0 && c->patch == 0 && !t->minor_dirty && !t->patch_dirty) return true;
        if (v->major != c->major) return false;
        if (v->minor != c->minor && !t->minor_dirty) return false;
        return true;
    case OP_CARET:
        if (pre_blocked(v, t)) return false;
        if (fc_semver_compare(v, c) < 0) return false;
        if (c->major > 0 || t->minor_dirty) return v->major == c->major;
        if (v->major > 0) return false;
        if (c->minor > 0 || t->patch_dirty) return v->minor == c->minor;
        if (v->minor > 0) return false;
        return c->patch == v->patch;
    }
    return false;
}

static bool ver_char(char c) { return isalnum((unsigned char)c) || c == '.' || c == '-' || c == '+' || c == '*'; }

static int read_op(const char *s, op_t *op)
{
    static const struct { const char *s; op_t op; } ops[] = {
        {">=", OP_GE}, {"=>", OP_GE}, {"<=", OP_LE}, {"=<", OP_LE}, {"!=", OP_NE}, {"~>", OP_TILDE},
        {">", OP_GT}, {"<", OP_LT}, {"=", OP_EQ}, {"~", OP_TILDE}, {"^", OP_CARET},
    };
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++) {
        size_t l = strlen(ops[i].s);
        if (!strncmp(s, ops[i].s, l)) {
            *op = ops[i].op;
            return (int)l;
        }
    }
    *op = OP_EQ;
    return 0;
}

static int add_term(fc_semver_constraint *c, const term *t)
{
    if (c->nt >= MAX_TERMS) return fc_err_set(FC_ETOOBIG, "constraint has more than %d terms", MAX_TERMS);
    term *nt = realloc(c->t, (c->nt + 1) * sizeof *nt);
    if (!nt) return fc_err_set(FC_ENOMEM, "out of memory");
    c->t = nt;
    c->t[c->nt++] = *t;
    return 0;
}

/* One OR group: terms separated by spaces/commas; "a - b" ranges. */
static int parse_group(fc_semver_constraint *c, const char *s, size_t n)
{
    size_t i = 0, start_nt = c->nt;
    while (i < n) {
        while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == ',')) i++;
        if (i >= n) break;
        op_t op;
        int ol = read_op(s + i, &op);
        i += (size_t)ol;
        while (i < n && (s[i] == ' ' || s[i] == '\t')) i++;
        size_t vs = i;
        while (i < n && ver_char(s[i])) i++;
        if (i == vs) return fc_err_set(FC_EINVAL, "improper constraint: %.*s", (int)n, s);
        if (i < n && s[i] != ' ' && s[i] != '\t' && s[i] != ',')
            return fc_err_set(FC_EINVAL, "improper constraint: %.*s", (int)n, s);
        size_t ve = i;
        /* hyphen range: "<v> - <v>" (only without an operator) */
        size_t j = i;
        while (j < n && (s[j] == ' ' || s[j] == '\t')) j++;
        if (!ol && j + 1 < n && s[j] == '-' && (s[j + 1] == ' ' || s[j + 1] == '\t') && j > i) {
            j++;
            while (j < n && (s[j] == ' ' || s[j] == '\t')) j++;
            size_t ws = j;
            while (j < n && ver_char(s[j])) j++;
            if (j == ws) return fc_err_set(FC_EINVAL, "improper constraint: %.*s", (int)n, s);
            term lo, hi;
            if (parse_term(OP_GE, s + vs, ve - vs, &lo)) return FC_EINVAL;
            if (parse_term(OP_LE, s + ws, j - ws, &hi)) {
                fc_semver_dispose(&lo.con);
                return FC_EINVAL;
            }
            if (add_term(c, &lo) || add_term(c, &hi)) return FC_ENOMEM;
            i = j;
            continue;
        }
        term t;
        if (parse_term(op, s + vs, ve - vs, &t)) return FC_EINVAL;
        if (add_term(c, &t)) {
            fc_semver_dispose(&t.con);
            return FC_ENOMEM;
        }
    }
    if (c->nt == start_nt) return fc_err_set(FC_EINVAL, "improper constraint: %.*s", (int)n, s);
    size_t *ge = realloc(c->group_end, (c->ng + 1) * sizeof *ge);
    if (!ge) return fc_err_set(FC_ENOMEM, "out of memory");
    c->group_end = ge;
    c->group_end[c->ng++] = c->nt;
    return 0;
}

int fc_semver_constraint_parse(const char *s, fc_semver_constraint **out)
{
    *out = NULL;
    if (!s) return fc_err_set(FC_EINVAL, "improper constraint: (null)");
    size_t len = strlen(s);
    if (len > MAX_CONSTRAINT_LEN) return fc_err_set(FC_ETOOBIG, "constraint longer than %d bytes", MAX_CONSTRAINT_LEN);
    fc_semver_constraint *c = calloc(1, sizeof *c);
    if (!c) return fc_err_set(FC_ENOMEM, "out of memory");
    const char *p = s;
    for (;;) {
        const char *bar = strstr(p, "||");
        size_t n = bar ? (size_t)(bar - p) : strlen(p);
        if (parse_group(c, p, n)) {
            int code = fc_err_code() ? fc_err_code() : FC_EINVAL;
            fc_semver_constraint_free(c);
            return code;
        }
        if (!bar) break;
        p = bar + 2;
    }
    *out = c;
    return 0;
}

bool fc_semver_constraint_check(const fc_semver_constraint *c, const fc_semver *v)
{
    size_t start = 0;
    for (size_t g = 0; g < c->ng; g++) {
        bool ok = true;
        for (size_t i = start; i < c->group_end[g] && ok; i++) ok = check_term(&c->t[i], v);
        if (ok) return true;
        start = c->group_end[g];
    }
    return false;
}

void fc_semver_constraint_free(fc_semver_constraint *c)
{
    if (!c) return;
    for (size_t i = 0; i < c->nt; i++) fc_semver_dispose(&c->t[i].con);
    free(c->t);
    free(c->group_end);
    free(c);
}
