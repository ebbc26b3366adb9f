/*
 * semver.c: Masterminds/semver v3 (the version Helm 4 links): version
 * parsing with coercion ("v1.2" is 1.2.0), precedence, and constraint
 * checking ("^1.2", "~1.2.x", ">= 1.0, < 2.0 || 3.x", "1.0 - 2.0",
 * prerelease handling). Used by Sprig's semver/semverCompare, by the
 * chart loader for `kubeVersion` and by dependency version checks.
 *
 * The library's own regular expressions are reused verbatim through the
 * engine's RE2-compatible matcher, so what counts as a valid constraint is
 * decided exactly as in Go.
 */
#include "ht_internal.h"
#include "fc/regex.h"
#include "semver.h"
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

static bool parse_u64(const char *s, size_t n, uint64_t *v, char *err, size_t en)
{
    uint64_t x = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned d = (unsigned)(s[i] - '0');
        if (x > (UINT64_MAX - d) / 10) {
            snprintf(err, en, "error parsing version segment: strconv.ParseUint: parsing \"%.*s\": value out of range", (int)n, s);
            return false;
        }
        x = x * 10 + d;
    }
    *v = x;
    return true;
}

int ht_semver_parse(const char *s, size_t n, ht_semver *v, char *err, size_t en)
{
    re_ready();
    memset(v, 0, sizeof *v);
    if (n > 256) {
        snprintf(err, en, "version string is too long (max 256 bytes)");
        return -1;
    }
    int caps[20];
    if (!fc_regex_exec(re_loose, s, n, 0, caps)) {
        snprintf(err, en, "invalid semantic version");
        return -1;
    }
    if (!parse_u64(s + caps[2], (size_t)(caps[3] - caps[2]), &v->major, err, en)) return -1;
    if (caps[4] >= 0 && !parse_u64(s + caps[4] + 1, (size_t)(caps[5] - caps[4] - 1), &v->minor, err, en)) return -1;
    if (caps[6] >= 0 && !parse_u64(s + caps[6] + 1, (size_t)(caps[7] - caps[6] - 1), &v->patch, err, en)) return -1;
    if (caps[10] >= 0) {
        size_t pl = (size_t)(caps[11] - caps[10]);
        const char *e = validate_pre(s + caps[10], pl);
        if (e) {
            snprintf(err, en, "%s", e);
            return -1;
        }
        snprintf(v->pre, sizeof v->pre, "%.*s", (int)pl, s + caps[10]);
    }
    if (caps[16] >= 0) {
        size_t ml = (size_t)(caps[17] - caps[16]);
        const char *e = validate_meta(s + caps[16], ml);
        if (e) {
            snprintf(err, en, "%s", e);
            return -1;
        }
        snprintf(v->meta, sizeof v->meta, "%.*s", (int)ml, s + caps[16]);
    }
    snprintf(v->original, sizeof v->original, "%.*s", (int)n, s);
    return 0;
}

void ht_semver_string(const ht_semver *v, char *out, size_t n)
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
    char e[160];
    return parse_u64(s, n, v, e, sizeof e);
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

int ht_semver_compare(const ht_semver *a, const ht_semver *b)
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
    ht_semver con;
    char op[4];
    char orig[300];
    bool minor_dirty, patch_dirty, dirty;
} cons;

static bool is_x(const char *s, size_t n) { return n == 1 && (s[0] == 'x' || s[0] == '*' || s[0] == 'X'); }

static int parse_cons(const char *c, size_t n, cons *out, char *err, size_t en)
{
    memset(out, 0, sizeof *out);
    if (n == 0) {
        out->dirty = true;
        return 0;
    }
    int caps[32];
    if (!fc_regex_exec(re_constraint, c, n, 0, caps)) {
        snprintf(err, en, "improper constraint: \"%.*s\"", (int)n, c);
        return -1;
    }
#define G(i) (caps[2 * (i)] >= 0 ? c + caps[2 * (i)] : ""), (caps[2 * (i)] >= 0 ? (size_t)(caps[2 * (i) + 1] - caps[2 * (i)]) : 0)
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
#undef G
    snprintf(out->op, sizeof out->op, "%.*s", (int)opn, op);
    snprintf(out->orig, sizeof out->orig, "%.*s", (int)vern, ver);
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
    char e2[128];
    if (ht_semver_parse(v, strlen(v), &out->con, e2, sizeof e2)) {
        snprintf(err, en, "constraint parser error");
        return -1;
    }
    return 0;
}

static bool check_one(const ht_semver *v, const cons *c, bool include_pre)
{
    const char *op = c->op;
    if (v->pre[0] && !include_pre) return false;
    int cmp = ht_semver_compare(v, &c->con);
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

int ht_semver_check(const char *constraint, size_t n, const ht_semver *v, bool *ok, char *err, size_t en)
{
    re_ready();
    if (n > 512) {
        snprintf(err, en, "constraint string is too long (max 512 bytes)");
        return -1;
    }
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
        snprintf(err, en, "too many constraint groups (max 32)");
        return -1;
    }
    /* parse every group first (errors win over results), then check */
    typedef struct { cons *cs; int n; bool has_pre; } grp;
    grp *gs = calloc((size_t)groups, sizeof *gs);
    int rc = 0;
    size_t st = 0;
    int gi = 0;
    for (size_t i = 0; i <= cn && rc == 0; i++) {
        if (i < cn && !(c[i] == '|' && i + 1 < cn && c[i + 1] == '|')) continue;
        const char *g = c + st;
        size_t gl = i - st;
        int caps[64];
        if (!fc_regex_exec(re_valid, g, gl, 0, caps)) {
            snprintf(err, en, "improper constraint: \"%.*s\"", (int)gl, g);
            rc = -1;
            break;
        }
        /* findConstraintRegex.FindAllString */
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
            gs[gi].cs = realloc(gs[gi].cs, (size_t)(gs[gi].n + 1) * sizeof(cons));
            if (parse_cons(g + ms, me - ms, &gs[gi].cs[gs[gi].n], err, en)) {
                rc = -1;
                break;
            }
            if (gs[gi].cs[gs[gi].n].con.pre[0]) gs[gi].has_pre = true;
            gs[gi].n++;
        }
        if (rc == 0 && gs[gi].n == 0) {
            gs[gi].cs = realloc(gs[gi].cs, sizeof(cons));
            if (parse_cons(g, gl, &gs[gi].cs[0], err, en)) rc = -1;
            else gs[gi].n = 1;
        }
        gi++;
        st = i + 2;
        i++;
    }
    if (rc == 0) {
        *ok = false;
        for (int k = 0; k < gi && !*ok; k++) {
            bool joy = true;
            for (int j = 0; j < gs[k].n && joy; j++) joy = check_one(v, &gs[k].cs[j], gs[k].has_pre);
            if (joy) *ok = true;
        }
    }
    for (int k = 0; k < groups; k++) free(gs[k].cs);
    free(gs);
    free(c);
    return rc;
}

/* ------------------------------------------------------------- template side */

static void sv_print(ht_obj *o, ht_sb *out)
{
    char b[700];
    ht_semver_string(o->data, b, sizeof b);
    ht_sb_puts(out, b);
}

static ht_val sv_value(ht_ctx *cx, ht_obj *o)
{
    char b[700];
    ht_semver_string(o->data, b, sizeof b);
    return ht_strz(cx, b);
}

static const ht_funcdef *sv_method(const char *name);

const ht_class ht_semver_class = {"*semver.Version", "ptr", true, NULL, sv_method, sv_print, sv_value, true};

static ht_val sv_val(ht_ctx *cx, const ht_semver *v)
{
    ht_semver *p = ht_cx_alloc(cx, sizeof *p);
    *p = *v;
    return ht_obj_new(cx, &ht_semver_class, p);
}

#define FN(name) static int name(ht_ctx *cx, int argc, ht_val *argv, ht_val *out)
#define UNUSED_ARGS (void)cx, (void)argc, (void)argv

FN(fn_semver)
{
    UNUSED_ARGS;
    ht_semver v;
    char err[256];
    if (ht_semver_parse(argv[0].v.s, argv[0].n, &v, err, sizeof err)) return ht_errf(cx, "%s", err);
    *out = sv_val(cx, &v);
    return 0;
}

FN(fn_semver_compare)
{
    UNUSED_ARGS;
    ht_semver v;
    char err[256];
    bool ok;
    /* NewConstraint first, then NewVersion, as Sprig does */
    ht_semver dummy = {0};
    if (ht_semver_check(argv[0].v.s, argv[0].n, &dummy, &ok, err, sizeof err)) return ht_errf(cx, "%s", err);
    if (ht_semver_parse(argv[1].v.s, argv[1].n, &v, err, sizeof err)) return ht_errf(cx, "%s", err);
    if (ht_semver_check(argv[0].v.s, argv[0].n, &v, &ok, err, sizeof err)) return ht_errf(cx, "%s", err);
    *out = ht_bool(ok);
    return 0;
}

FN(m_major)
{
    UNUSED_ARGS;
    *out = ht_uint64(((ht_semver *)argv[0].v.o->data)->major);
    return 0;
}
FN(m_minor)
{
    UNUSED_ARGS;
    *out = ht_uint64(((ht_semver *)argv[0].v.o->data)->minor);
    return 0;
}
FN(m_patch)
{
    UNUSED_ARGS;
    *out = ht_uint64(((ht_semver *)argv[0].v.o->data)->patch);
    return 0;
}
FN(m_pre)
{
    UNUSED_ARGS;
    *out = ht_strz(cx, ((ht_semver *)argv[0].v.o->data)->pre);
    return 0;
}
FN(m_meta)
{
    UNUSED_ARGS;
    *out = ht_strz(cx, ((ht_semver *)argv[0].v.o->data)->meta);
    return 0;
}
FN(m_original)
{
    UNUSED_ARGS;
    *out = ht_strz(cx, ((ht_semver *)argv[0].v.o->data)->original);
    return 0;
}
FN(m_string)
{
    UNUSED_ARGS;
    char b[700];
    ht_semver_string(argv[0].v.o->data, b, sizeof b);
    *out = ht_strz(cx, b);
    return 0;
}
static int cmp_args(ht_val *argv)
{
    return ht_semver_compare(argv[0].v.o->data, argv[1].v.o->data);
}
FN(m_compare)
{
    UNUSED_ARGS;
    *out = ht_int(cmp_args(argv));
    return 0;
}
FN(m_lt)
{
    UNUSED_ARGS;
    *out = ht_bool(cmp_args(argv) < 0);
    return 0;
}
FN(m_gt)
{
    UNUSED_ARGS;
    *out = ht_bool(cmp_args(argv) > 0);
    return 0;
}
FN(m_eq)
{
    UNUSED_ARGS;
    *out = ht_bool(cmp_args(argv) == 0);
    return 0;
}
FN(m_le)
{
    UNUSED_ARGS;
    *out = ht_bool(cmp_args(argv) <= 0);
    return 0;
}
FN(m_ge)
{
    UNUSED_ARGS;
    *out = ht_bool(cmp_args(argv) >= 0);
    return 0;
}

static int inc(ht_ctx *cx, ht_val *argv, ht_val *out, int which)
{
    ht_semver v = *(ht_semver *)argv[0].v.o->data;
    bool vprefix = v.original[0] == 'v';
    if (which == 0) {
        if (!v.pre[0]) v.patch++;
    } else if (which == 1) {
        v.minor++;
        v.patch = 0;
    } else {
        v.major++;
        v.minor = v.patch = 0;
    }
    v.pre[0] = v.meta[0] = 0;
    char b[258];
    ht_semver_string(&v, b, sizeof b);
    snprintf(v.original, sizeof v.original, "%s%.257s", vprefix ? "v" : "", b);
    /* the Inc* methods return a Version value, not a pointer */
    *out = sv_val(cx, &v);
    return 0;
}
FN(m_inc_patch)
{
    UNUSED_ARGS;
    return inc(cx, argv, out, 0);
}
FN(m_inc_minor)
{
    UNUSED_ARGS;
    return inc(cx, argv, out, 1);
}
FN(m_inc_major)
{
    UNUSED_ARGS;
    return inc(cx, argv, out, 2);
}

static const ht_funcdef sv_methods[] = {
    {"Compare", m_compare, 1, false, {P_SEMVER}, P_INT, 0},
    {"Equal", m_eq, 1, false, {P_SEMVER}, P_BOOL, 0},
    {"GreaterThan", m_gt, 1, false, {P_SEMVER}, P_BOOL, 0},
    {"GreaterThanEqual", m_ge, 1, false, {P_SEMVER}, P_BOOL, 0},
    {"IncMajor", m_inc_major, 0, false, {0}, P_SEMVER, 0},
    {"IncMinor", m_inc_minor, 0, false, {0}, P_SEMVER, 0},
    {"IncPatch", m_inc_patch, 0, false, {0}, P_SEMVER, 0},
    {"LessThan", m_lt, 1, false, {P_SEMVER}, P_BOOL, 0},
    {"LessThanEqual", m_le, 1, false, {P_SEMVER}, P_BOOL, 0},
    {"Major", m_major, 0, false, {0}, P_UINT64, 0},
    {"Metadata", m_meta, 0, false, {0}, P_STRING, 0},
    {"Minor", m_minor, 0, false, {0}, P_UINT64, 0},
    {"Original", m_original, 0, false, {0}, P_STRING, 0},
    {"Patch", m_patch, 0, false, {0}, P_UINT64, 0},
    {"Prerelease", m_pre, 0, false, {0}, P_STRING, 0},
    {"String", m_string, 0, false, {0}, P_STRING, 0},
    {NULL, NULL, 0, false, {0}, 0, 0},
};

static const ht_funcdef *sv_method(const char *name)
{
    for (const ht_funcdef *d = sv_methods; d->name; d++)
        if (strcmp(d->name, name) == 0) return d;
    return NULL;
}

const ht_funcdef ht_funcs_semver[] = {
    {"semver", fn_semver, 1, false, {P_STRING}, P_SEMVER, 0},
    {"semverCompare", fn_semver_compare, 2, false, {P_STRING, P_STRING}, P_BOOL, 0},
    {NULL, NULL, 0, false, {0}, 0, 0},
};
