/*
 * semver.c: Masterminds/semver v3 (the version Helm 4 and Flux link):
 * version parsing with coercion ("v1.2" is 1.2.0), SemVer precedence, and
 * constraint checking ("^1.2", "~1.2.x", ">= 1.0, < 2.0 || 3.x",
 * "1.0 - 2.0", prereleases allowed in an AND group only when one of its
 * conditions names a prerelease). Used by GitRepository ref.semver, the
 * Helm engine (Sprig's semver/semverCompare, kubeVersion, dependency
 * ranges) and any other version selection.
 *
 * The library's own regular expressions are reused verbatim through
 * libcommon's RE2 engine, so what counts as a valid version or constraint,
 * and the error messages, are decided exactly as in Go.
 */
#include "fc/semver.h"
#include "fc/buf.h"
#include "fc/err.h"
#include "fc/regex.h"
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CV "v?([0-9|x|X|\\*]+)(\\.[0-9|x|X|\\*]+)?(\\.[0-9|x|X|\\*]+)?(-([0-9A-Za-z\\-]+(\\.[0-9A-Za-z\\-]+)*))?(\\+([0-9A-Za-z\\-]+(\\.[0-9A-Za-z\\-]+)*))?"
#define OPS "=||!=|>|<|>=|=>|<=|=<|~|~>|\\^"
#define LOOSE "v?([0-9]+)(\\.[0-9]+)?(\\.[0-9]+)?(-([0-9A-Za-z\\-]+(\\.[0-9A-Za-z\\-]+)*))?(\\+([0-9A-Za-z\\-]+(\\.[0-9A-Za-z\\-]+)*))?"

static fc_regex *re_loose, *re_constraint, *re_range, *re_find, *re_valid;
static pthread_once_t re_once = PTHREAD_ONCE_INIT;

static fc_regex *mkre(const char *p)
{
    char err[256];
    fc_regex *r = fc_regex_compile(p, strlen(p), err, sizeof err);
    if (!r) {
        fprintf(stderr, "semver: internal regex failed: %s\n", err);
        abort();
    }
    return r;
}

static void re_init(void)
{
    re_loose = mkre("^" LOOSE "$");
    re_constraint = mkre("^\\s*(" OPS ")\\s*(" CV ")\\s*$");
    re_range = mkre("\\s*(" CV ")\\s+-\\s+(" CV ")\\s*");
    re_find = mkre("(" OPS ")\\s*(" CV ")");
    re_valid = mkre("^(\\s*(" OPS ")\\s*(" CV ")\\s*)((?:\\s+|,\\s*)(" OPS ")\\s*(" CV ")\\s*)*$");
}

static void re_ready(void) { pthread_once(&re_once, re_init); }

/* ------------------------------------------------------------- versions */

static bool only(const char *s, size_t n, const char *set)
{
    for (size_t i = 0; i < n; i++)
        if (!s[i] || !strchr(set, s[i])) return false;
    return true;
}

static const char NUM[] = "0123456789";
static const char ALLOWED[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-0123456789";

static const char *validate_pre(const char *p, size_t n)
{
    size_t st = 0;
    for (size_t i = 0; i <= n; i++) {
        if (i == n || p[i] == '.') {
            size_t l = i - st;
            if (l == 0) return "invalid prerelease string";
            if (only(p + st, l, NUM)) {
                if (l > 1 && p[st] == '0') return "version segment starts with 0";
            } else if (!only(p + st, l, ALLOWED)) {
                return "invalid prerelease string";
            }
            st = i + 1;
        }
    }
    return NULL;
}

static const char *validate_meta(const char *p, size_t n)
{
    size_t st = 0;
    for (size_t i = 0; i <= n; i++) {
        if (i == n || p[i] == '.') {
            size_t l = i - st;
            if (l == 0 || !only(p + st, l, ALLOWED)) return "invalid metadata string";
            st = i + 1;
        }
    }
    return NULL;
}

static bool parse_u64(const char *s, size_t n, uint64_t *v)
{
    uint64_t x = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned d = (unsigned)(s[i] - '0');
        if (x > (UINT64_MAX - d) / 10) {
            fc_err_set(FC_EINVAL, "error parsing version segment: strconv.ParseUint: parsing \"%.*s\": value out of range", (int)n, s);
            return false;
        }
        x = x * 10 + d;
    }
    *v = x;
    return true;
}

int fc_semver_parse_n(const char *s, size_t n, fc_semver *v)
{
    re_ready();
    memset(v, 0, sizeof *v);
    if (n > FC_SEMVER_MAX) return fc_err_set(FC_EINVAL, "version string is too long (max %d bytes)", FC_SEMVER_MAX);
    int caps[20];
    if (!fc_regex_exec(re_loose, s, n, 0, caps)) return fc_err_set(FC_EINVAL, "invalid semantic version");
    if (!parse_u64(s + caps[2], (size_t)(caps[3] - caps[2]), &v->major)) return FC_EINVAL;
    if (caps[4] >= 0 && !parse_u64(s + caps[4] + 1, (size_t)(caps[5] - caps[4] - 1), &v->minor)) return FC_EINVAL;
    if (caps[6] >= 0 && !parse_u64(s + caps[6] + 1, (size_t)(caps[7] - caps[6] - 1), &v->patch)) return FC_EINVAL;
    if (caps[10] >= 0) {
        size_t pl = (size_t)(caps[11] - caps[10]);
        const char *e = validate_pre(s + caps[10], pl);
        if (e) return fc_err_set(FC_EINVAL, "%s", e);
        memcpy(v->pre, s + caps[10], pl);
    }
    if (caps[16] >= 0) {
        size_t ml = (size_t)(caps[17] - caps[16]);
        const char *e = validate_meta(s + caps[16], ml);
        if (e) return fc_err_set(FC_EINVAL, "%s", e);
        memcpy(v->meta, s + caps[16], ml);
    }
    memcpy(v->original, s, n);
    return 0;
}

int fc_semver_parse(const char *s, fc_semver *v) { return fc_semver_parse_n(s, strlen(s), v); }

void fc_semver_format(const fc_semver *v, char *out, size_t n)
{
    int k = snprintf(out, n, "%llu.%llu.%llu", (unsigned long long)v->major, (unsigned long long)v->minor,
                     (unsigned long long)v->patch);
    if (v->pre[0] && k > 0 && (size_t)k < n) k += snprintf(out + k, n - (size_t)k, "-%s", v->pre);
    if (v->meta[0] && k > 0 && (size_t)k < n) snprintf(out + k, n - (size_t)k, "+%s", v->meta);
}

static int cmp_u(uint64_t a, uint64_t b) { return a < b ? -1 : a > b; }

static bool parse_uint_only(const char *s, size_t n, uint64_t *v)
{
    if (n == 0 || !only(s, n, NUM)) return false;
    if (n > 19) return false; /* does not fit: compares as a string, as in Go */
    return parse_u64(s, n, v);
}

static int cmp_pre_part(const char *s, size_t sn, const char *o, size_t on)
{
    if (sn == on && memcmp(s, o, sn) == 0) return 0;
    if (sn == 0) return on ? -1 : 1;
    if (on == 0) return sn ? 1 : -1;
    uint64_t si = 0, oi = 0;
    bool sok = parse_uint_only(s, sn, &si), ook = parse_uint_only(o, on, &oi);
    if (!ook && !sok) {
        size_t m = sn < on ? sn : on;
        int c = memcmp(s, o, m);
        if (c == 0) c = sn < on ? -1 : 1;
        return c > 0 ? 1 : -1;
    }
    if (!ook) return -1;
    if (!sok) return 1;
    return si > oi ? 1 : -1;
}

static int cmp_pre(const char *a, const char *b)
{
    size_t an = strlen(a), bn = strlen(b);
    size_t ai = 0, bi = 0;
    bool amore = true, bmore = true;
    while (amore || bmore) {
        const char *as = a + ai, *bs = b + bi;
        size_t al = 0, bl = 0;
        if (amore) {
            const char *d = memchr(as, '.', an - ai);
            al = d ? (size_t)(d - as) : an - ai;
        }
        if (bmore) {
            const char *d = memchr(bs, '.', bn - bi);
            bl = d ? (size_t)(d - bs) : bn - bi;
        }
        int c = cmp_pre_part(amore ? as : "", amore ? al : 0, bmore ? bs : "", bmore ? bl : 0);
        if (c) return c;
        if (amore) {
            ai += al;
            if (ai < an) ai++;
            else amore = false;
        }
        if (bmore) {
            bi += bl;
            if (bi < bn) bi++;
            else bmore = false;
        }
    }
    return 0;
}

int fc_semver_compare(const fc_semver *a, const fc_semver *b)
{
    int d;
    if ((d = cmp_u(a->major, b->major))) return d;
    if ((d = cmp_u(a->minor, b->minor))) return d;
    if ((d = cmp_u(a->patch, b->patch))) return d;
    if (!a->pre[0] && !b->pre[0]) return 0;
    if (!a->pre[0]) return 1;
    if (!b->pre[0]) return -1;
    return cmp_pre(a->pre, b->pre);
}

/* ------------------------------------------------------------- constraints */

typedef struct {
    fc_semver con;
    char op[4];
    bool minor_dirty, patch_dirty, dirty;
} cons;

static bool is_x(const char *s, size_t n) { return n == 1 && (s[0] == 'x' || s[0] == '*' || s[0] == 'X'); }

static int parse_cons(const char *c, size_t n, cons *out)
{
    memset(out, 0, sizeof *out);
    if (n == 0) {
        out->dirty = true;
        return 0;
    }
    int caps[32];
    if (!fc_regex_exec(re_constraint, c, n, 0, caps)) return fc_err_set(FC_EINVAL, "improper constraint: \"%.*s\"", (int)n, c);
    const char *op;
    size_t opn;
    const char *ver;
    size_t vern;
    const char *m3, *m4, *m5, *m6;
    size_t m3n, m4n, m5n, m6n;
    op = caps[2] >= 0 ? c + caps[2] : "";
    opn = caps[2] >= 0 ? (size_t)(caps[3] - caps[2]) : 0;
    ver = caps[4] >= 0 ? c + caps[4] : "";
    vern = caps[4] >= 0 ? (size_t)(caps[5] - caps[4]) : 0;
    m3 = caps[6] >= 0 ? c + caps[6] : "";
    m3n = caps[6] >= 0 ? (size_t)(caps[7] - caps[6]) : 0;
    m4 = caps[8] >= 0 ? c + caps[8] : "";
    m4n = caps[8] >= 0 ? (size_t)(caps[9] - caps[8]) : 0;
    m5 = caps[10] >= 0 ? c + caps[10] : "";
    m5n = caps[10] >= 0 ? (size_t)(caps[11] - caps[10]) : 0;
    m6 = caps[12] >= 0 ? c + caps[12] : "";
    m6n = caps[12] >= 0 ? (size_t)(caps[13] - caps[12]) : 0;
    snprintf(out->op, sizeof out->op, "%.*s", (int)opn, op);
    char v[400];
    if (is_x(m3, m3n) || m3n == 0) {
        snprintf(v, sizeof v, "0.0.0%.*s", (int)m6n, m6);
        out->dirty = true;
    } else if ((m4n > 0 && is_x(m4 + 1, m4n - 1)) || m4n == 0) {
        out->minor_dirty = out->dirty = true;
        snprintf(v, sizeof v, "%.*s.0.0%.*s", (int)m3n, m3, (int)m6n, m6);
    } else if ((m5n > 0 && is_x(m5 + 1, m5n - 1)) || m5n == 0) {
        out->dirty = out->patch_dirty = true;
        snprintf(v, sizeof v, "%.*s%.*s.0%.*s", (int)m3n, m3, (int)m4n, m4, (int)m6n, m6);
    } else {
        snprintf(v, sizeof v, "%.*s", (int)vern, ver);
    }
    if (fc_semver_parse_n(v, strlen(v), &out->con)) return fc_err_set(FC_EINVAL, "constraint Parser Error");
    return 0;
}

static bool check_one(const fc_semver *v, const cons *c, bool include_pre)
{
    const char *op = c->op;
    if (v->pre[0] && !include_pre) return false;
    int cmp = fc_semver_compare(v, &c->con);
    if (strcmp(op, "") == 0 || strcmp(op, "=") == 0) {
        if (c->dirty) goto tilde;
        return cmp == 0;
    }
    if (strcmp(op, "!=") == 0) {
        if (c->dirty) {
            if (c->con.major != v->major) return true;
            if (c->con.minor != v->minor && !c->minor_dirty) return true;
            else if (c->minor_dirty) return false;
            else if (c->con.patch != v->patch && !c->patch_dirty) return true;
            else if (c->patch_dirty) {
                if (v->pre[0] || c->con.pre[0]) return cmp_pre(v->pre, c->con.pre) != 0;
                return false;
            }
        }
        return cmp != 0;
    }
    if (strcmp(op, ">") == 0) {
        if (!c->dirty) return cmp == 1;
        if (v->major > c->con.major) return true;
        if (v->major < c->con.major) return false;
        if (c->minor_dirty) return false;
        if (c->patch_dirty) return v->minor > c->con.minor;
        return cmp == 1;
    }
    if (strcmp(op, "<") == 0) return cmp < 0;
    if (strcmp(op, ">=") == 0 || strcmp(op, "=>") == 0) return cmp >= 0;
    if (strcmp(op, "<=") == 0 || strcmp(op, "=<") == 0) {
        if (!c->dirty) return cmp <= 0;
        if (v->major > c->con.major) return false;
        if (v->major == c->con.major && v->minor > c->con.minor && !c->minor_dirty) return false;
        return true;
    }
    if (strcmp(op, "~") == 0 || strcmp(op, "~>") == 0) {
    tilde:
        if (cmp < 0) return false;
        if (c->con.major == 0 && c->con.minor == 0 && c->con.patch == 0 && !c->minor_dirty && !c->patch_dirty) return true;
        if (v->major != c->con.major) return false;
        if (v->minor != c->con.minor && !c->minor_dirty) return false;
        return true;
    }
    if (strcmp(op, "^") == 0) {
        if (cmp < 0) return false;
        if (c->con.major > 0 || c->minor_dirty) return v->major == c->con.major;
        if (c->con.major == 0 && v->major > 0) return false;
        if (c->con.minor > 0 || c->patch_dirty) return v->minor == c->con.minor;
        if (c->con.minor == 0 && v->minor > 0) return false;
        return c->con.patch == v->patch;
    }
    return false;
}

/* rewriteRange: "1.0 - 2.0" -> ">= 1.0, <= 2.0 " */
static char *rewrite_range(const char *s, size_t n)
{
    fc_buf b;
    fc_buf_init(&b, 0);
    int caps[64];
    size_t pos = 0;
    /* FindAllStringSubmatch then replace first occurrence of each match text */
    char *cur = strndup(s, n);
    size_t curn = n;
    /* collect matches on the original string */
    typedef struct { size_t st, en, a0, a1, b0, b1; } mt;
    mt ms[64];
    int nm = 0;
    while (pos <= n && nm < 64) {
        if (!fc_regex_exec(re_range, s, n, pos, caps)) break;
        if ((size_t)caps[1] == pos && caps[1] == caps[0]) {
            pos++;
            continue;
        }
        ms[nm].st = (size_t)caps[0];
        ms[nm].en = (size_t)caps[1];
        ms[nm].a0 = (size_t)caps[2];
        ms[nm].a1 = (size_t)caps[3];
        ms[nm].b0 = (size_t)caps[22];
        ms[nm].b1 = (size_t)caps[23];
        nm++;
        pos = (size_t)caps[1];
    }
    for (int i = 0; i < nm; i++) {
        const char *whole = s + ms[i].st;
        size_t wl = ms[i].en - ms[i].st;
        char *hit = NULL;
        for (size_t k = 0; k + wl <= curn; k++)
            if (memcmp(cur + k, whole, wl) == 0) {
                hit = cur + k;
                break;
            }
        if (!hit) continue;
        fc_buf_reset(&b);
        fc_buf_put(&b, cur, (size_t)(hit - cur));
        fc_buf_printf(&b, ">= %.*s, <= %.*s ", (int)(ms[i].a1 - ms[i].a0), s + ms[i].a0, (int)(ms[i].b1 - ms[i].b0), s + ms[i].b0);
        fc_buf_put(&b, hit + wl, curn - (size_t)(hit - cur) - wl);
        free(cur);
        cur = fc_buf_detach(&b, &curn);
        if (!cur) cur = strdup("");
    }
    fc_buf_dispose(&b);
    return cur;
}

typedef struct group {
    cons *cs;
    int n;
    bool has_pre; /* some condition names a prerelease: prereleases may match */
} group;

struct fc_semver_constraint {
    group *gs;
    int n;
};

void fc_semver_constraint_free(fc_semver_constraint *k)
{
    if (!k) return;
    for (int i = 0; i < k->n; i++) free(k->gs[i].cs);
    free(k->gs);
    free(k);
}

/* One "||" alternative: validated as a whole, then its conditions found
 * like findConstraintRegex.FindAllString (an empty match right after the
 * previous match is skipped, as Go does). */
static int parse_group(const char *g, size_t gl, group *out)
{
    int caps[64];
    if (!fc_regex_exec(re_valid, g, gl, 0, caps)) return fc_err_set(FC_EINVAL, "improper constraint: \"%.*s\"", (int)gl, g);
    size_t pos = 0;
    int64_t prev_end = -1;
    while (pos <= gl) {
        if (!fc_regex_exec(re_find, g, gl, pos, caps)) break;
        bool accept = true;
        size_t ms = (size_t)caps[0], me = (size_t)caps[1];
        if (me == pos) {
            if ((int64_t)ms == prev_end) accept = false;
            pos++;
        } else {
            pos = me;
        }
        prev_end = (int64_t)me;
        if (!accept) continue;
        cons *nc = realloc(out->cs, (size_t)(out->n + 1) * sizeof(cons));
        if (!nc) return fc_err_set(FC_ENOMEM, "out of memory");
        out->cs = nc;
        if (parse_cons(g + ms, me - ms, &out->cs[out->n])) return FC_EINVAL;
        if (out->cs[out->n].con.pre[0]) out->has_pre = true;
        out->n++;
    }
    if (out->n == 0) {
        out->cs = calloc(1, sizeof(cons));
        if (!out->cs) return fc_err_set(FC_ENOMEM, "out of memory");
        if (parse_cons(g, gl, &out->cs[0])) return FC_EINVAL;
        out->n = 1;
    }
    return 0;
}

int fc_semver_constraint_parse_n(const char *constraint, size_t n, fc_semver_constraint **out)
{
    re_ready();
    *out = NULL;
    if (n > 512) return fc_err_set(FC_EINVAL, "constraint string is too long (max 512 bytes)");
    char *c = rewrite_range(constraint, n);
    size_t cn = strlen(c);
    int groups = 1;
    for (size_t i = 0; i + 1 < cn; i++)
        if (c[i] == '|' && c[i + 1] == '|') {
            groups++;
            i++;
        }
    if (groups > 32) {
        free(c);
        return fc_err_set(FC_EINVAL, "too many constraint groups (max 32)");
    }
    fc_semver_constraint *k = calloc(1, sizeof *k);
    k->gs = calloc((size_t)groups, sizeof *k->gs);
    int rc = 0;
    size_t st = 0;
    for (size_t i = 0; i <= cn && rc == 0; i++) {
        if (i < cn && !(c[i] == '|' && i + 1 < cn && c[i + 1] == '|')) continue;
        rc = parse_group(c + st, i - st, &k->gs[k->n]);
        k->n++;
        st = i + 2;
        i++;
    }
    free(c);
    if (rc) {
        fc_semver_constraint_free(k);
        return rc;
    }
    *out = k;
    return 0;
}

int fc_semver_constraint_parse(const char *s, fc_semver_constraint **out)
{
    return fc_semver_constraint_parse_n(s, strlen(s), out);
}

bool fc_semver_constraint_check(const fc_semver_constraint *k, const fc_semver *v)
{
    for (int g = 0; g < k->n; g++) {
        bool joy = true;
        for (int j = 0; j < k->gs[g].n && joy; j++) joy = check_one(v, &k->gs[g].cs[j], k->gs[g].has_pre);
        if (joy) return true;
    }
    return false;
}
