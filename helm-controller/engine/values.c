/*
 * values.c: Helm's values semantics: coalescing user values with chart
 * defaults and subchart values (pkg/chart/common/util/coalesce.go, globals
 * flowing down, null deleting a default), and dependency processing
 * (pkg/chart/v2/util/dependencies.go: aliases, version-matched subcharts,
 * `condition` and `tags` switching subcharts off, `import-values`).
 *
 * These run on ht_val maps in the render arena, on a per-render copy of the
 * chart tree (ht_rchart), so a loaded chart is never modified and can be
 * rendered again or concurrently.
 */
#include "render_int.h"
#include "fc/err.h"
#include "fc/semver.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool is_table(ht_val v) { return v.k == HT_MAP && v.v.m; }
static bool is_nil(ht_val v) { return v.k == HT_NIL; }

static void warnf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void warnf(const char *fmt, ...)
{
    (void)fmt; /* Helm logs these with log.Printf; the engine stays quiet */
}

/* ------------------------------------------------------------- chart tree */

static char *astr(ht_ctx *cx, const char *s) { return ht_cx_strndup(cx, s ? s : "", s ? strlen(s) : 0); }

ht_rchart *ht_rchart_build(ht_ctx *cx, const ht_chart *c, ht_rchart *parent)
{
    ht_rchart *r = ht_cx_alloc(cx, sizeof *r);
    memset(r, 0, sizeof *r);
    r->src = c;
    r->parent = parent;
    r->name = astr(cx, c->meta.name);
    r->values = ht_from_json(cx, c->values, HT_M_ANY);
    r->reqs_nil = c->meta.deps == NULL;
    r->nreqs = c->meta.ndeps;
    r->reqs = ht_cx_alloc(cx, (r->nreqs + 1) * sizeof *r->reqs);
    memset(r->reqs, 0, (r->nreqs + 1) * sizeof *r->reqs);
    for (size_t i = 0; i < r->nreqs; i++) {
        const ht_cdep *d = &c->meta.deps[i];
        ht_cdep *o = &r->reqs[i];
        o->name = astr(cx, d->name);
        o->version = astr(cx, d->version);
        o->repository = astr(cx, d->repository);
        o->condition = astr(cx, d->condition);
        o->alias = astr(cx, d->alias);
        o->ntags = d->ntags;
        o->tags = ht_cx_alloc(cx, (d->ntags + 1) * sizeof *o->tags);
        for (size_t k = 0; k < d->ntags; k++) o->tags[k] = astr(cx, d->tags[k]);
        o->enabled = d->enabled;
        o->import_values = d->import_values;
    }
    r->ndeps = c->ndeps;
    r->deps = ht_cx_alloc(cx, (r->ndeps + 1) * sizeof *r->deps);
    for (size_t i = 0; i < c->ndeps; i++) r->deps[i] = ht_rchart_build(cx, c->deps[i], r);
    return r;
}

static ht_rchart *rchart_clone(ht_ctx *cx, const ht_rchart *c, ht_rchart *parent)
{
    ht_rchart *r = ht_cx_alloc(cx, sizeof *r);
    *r = *c;
    r->parent = parent;
    r->reqs = ht_cx_alloc(cx, (c->nreqs + 1) * sizeof *r->reqs);
    memcpy(r->reqs, c->reqs, c->nreqs * sizeof *r->reqs);
    r->deps = ht_cx_alloc(cx, (c->ndeps + 1) * sizeof *r->deps);
    for (size_t i = 0; i < c->ndeps; i++) r->deps[i] = rchart_clone(cx, c->deps[i], r);
    return r;
}

const char *ht_rchart_full_path(ht_ctx *cx, const ht_rchart *c)
{
    if (!c->parent) return c->name;
    const char *pp = ht_rchart_full_path(cx, c->parent);
    ht_sb sb;
    ht_sb_init(&sb, cx);
    ht_sb_puts(&sb, pp);
    ht_sb_puts(&sb, "/charts/");
    ht_sb_puts(&sb, c->name);
    return ht_sb_val(&sb).v.s;
}

/* ------------------------------------------------------------- lookups */

static ht_val *mget(ht_val m, const char *k) { return is_table(m) ? ht_map_get(m.v.m, k, strlen(k)) : NULL; }

static void mset(ht_ctx *cx, ht_val m, const char *k, ht_val v) { ht_map_set(cx, m.v.m, k, strlen(k), v); }

/* Values.Table: dotted path of tables */
ht_val ht_values_table(ht_val v, const char *path, bool *ok)
{
    *ok = false;
    char seg[512];
    const char *p = path;
    ht_val cur = v;
    for (;;) {
        const char *dot = strchr(p, '.');
        size_t n = dot ? (size_t)(dot - p) : strlen(p);
        if (n >= sizeof seg) return ht_nil();
        memcpy(seg, p, n);
        seg[n] = 0;
        ht_val *e = mget(cur, seg);
        if (!e || !is_table(*e)) return ht_nil();
        cur = *e;
        if (!dot) break;
        p = dot + 1;
    }
    *ok = true;
    return cur;
}

/* Values.PathValue: the final element must exist and not be a table */
static bool path_value(ht_val v, const char *path, ht_val *out)
{
    if (!*path) return false;
    const char *last = strrchr(path, '.');
    ht_val t = v;
    const char *key = path;
    if (last) {
        char head[1024];
        size_t hl = (size_t)(last - path);
        if (hl >= sizeof head) return false;
        memcpy(head, path, hl);
        head[hl] = 0;
        bool ok;
        t = ht_values_table(v, head, &ok);
        if (!ok) return false;
        key = last + 1;
    }
    ht_val *e = mget(t, key);
    if (!e || is_table(*e)) return false;
    *out = *e;
    return true;
}

/* ------------------------------------------------------------- coalesce */

static const char *concat_prefix(ht_ctx *cx, const char *a, const char *b)
{
    if (!*a) return b;
    ht_sb sb;
    ht_sb_init(&sb, cx);
    ht_sb_puts(&sb, a);
    ht_sb_putc(&sb, '.');
    ht_sb_puts(&sb, b);
    return ht_sb_val(&sb).v.s;
}

static void clean_nil_values(ht_ctx *cx, ht_val m, int depth)
{
    if (!is_table(m) || depth > 1000) return;
    uint32_t n;
    ht_mentry **es = ht_map_sorted(cx, m.v.m, &n);
    ht_mentry **copy = ht_cx_alloc(cx, (n + 1) * sizeof *copy);
    if (n) memcpy(copy, es, n * sizeof *copy);
    for (uint32_t i = 0; i < n; i++) {
        if (is_nil(copy[i]->val)) ht_map_del(m.v.m, copy[i]->key, copy[i]->klen);
        else if (is_table(copy[i]->val)) clean_nil_values(cx, copy[i]->val, depth + 1);
    }
}

static ht_val coalesce_tables(ht_ctx *cx, ht_val dst, ht_val src, const char *prefix, bool merge, int depth)
{
    if (!is_table(src)) return dst;
    if (!is_table(dst)) return src;
    if (depth > 1000) return dst;
    uint32_t n;
    ht_mentry **es = ht_map_sorted(cx, src.v.m, &n);
    /* which src keys were originally non-nil */
    ht_val orig_nonnil = ht_map_new(cx, HT_M_ANY);
    for (uint32_t i = 0; i < n; i++)
        if (!is_nil(es[i]->val)) ht_map_set(cx, orig_nonnil.v.m, es[i]->key, es[i]->klen, ht_bool(true));
    uint32_t dn;
    ht_mentry **des = ht_map_sorted(cx, dst.v.m, &dn);
    ht_mentry **dcopy = ht_cx_alloc(cx, (dn + 1) * sizeof *dcopy);
    if (dn) memcpy(dcopy, des, dn * sizeof *dcopy);
    for (uint32_t i = 0; i < dn; i++)
        if (is_nil(dcopy[i]->val)) ht_map_set(cx, src.v.m, dcopy[i]->key, dcopy[i]->klen, ht_nil());
    es = ht_map_sorted(cx, src.v.m, &n);
    ht_mentry **copy = ht_cx_alloc(cx, (n + 1) * sizeof *copy);
    if (n) memcpy(copy, es, n * sizeof *copy);
    for (uint32_t i = 0; i < n; i++) {
        const char *key = copy[i]->key;
        size_t kl = copy[i]->klen;
        ht_val val = copy[i]->val;
        ht_val *dv = ht_map_get(dst.v.m, key, kl);
        if (dv && !merge && is_nil(*dv) && ht_map_get(orig_nonnil.v.m, key, kl)) {
            ht_map_del(dst.v.m, key, kl);
        } else if (!dv) {
            ht_map_set(cx, dst.v.m, key, kl, val);
        } else if (is_table(val)) {
            if (is_table(*dv)) coalesce_tables(cx, *dv, val, concat_prefix(cx, prefix, key), merge, depth + 1);
            else warnf("warning: cannot overwrite table with non table for %s", key);
        } else if (is_table(*dv) && !is_nil(val)) {
            warnf("warning: destination for %s is a table. Ignoring non-table value", key);
        }
    }
    return dst;
}

static bool child_chart_merge_true(const ht_rchart *c, const char *key, bool merge)
{
    for (size_t i = 0; i < c->ndeps; i++)
        if (strcmp(c->deps[i]->name, key) == 0) return true;
    return merge;
}

static void coalesce_values_of(ht_ctx *cx, ht_rchart *c, ht_val v, const char *prefix, bool merge)
{
    const char *sub_prefix = concat_prefix(cx, prefix, c->name);
    ht_val vc = ht_deep_copy(cx, c->values);
    uint32_t n;
    ht_mentry **es = ht_map_sorted(cx, vc.v.m, &n);
    for (uint32_t i = 0; i < n; i++) {
        const char *key = es[i]->key;
        size_t kl = es[i]->klen;
        ht_val val = es[i]->val;
        ht_val *value = ht_map_get(v.v.m, key, kl);
        if (value) {
            if (is_nil(*value) && !merge) {
                ht_map_del(v.v.m, key, kl);
            } else if (is_table(*value)) {
                if (!is_table(val)) {
                    if (!is_nil(val)) warnf("warning: skipped value for %s.%s: Not a table.", sub_prefix, key);
                } else {
                    bool m2 = child_chart_merge_true(c, key, merge);
                    if (!m2) clean_nil_values(cx, val, 0);
                    coalesce_tables(cx, *value, val, concat_prefix(cx, sub_prefix, key), m2, 0);
                }
            }
        } else {
            if (!merge) {
                if (is_nil(val)) continue;
                if (is_table(val)) clean_nil_values(cx, val, 0);
            }
            ht_map_set(cx, v.v.m, key, kl, val);
        }
    }
}

static void coalesce_globals(ht_ctx *cx, ht_val dest, ht_val src, const char *prefix)
{
    ht_val dg, sg;
    ht_val *d = mget(dest, "global");
    if (!d) dg = ht_map_new(cx, HT_M_ANY);
    else if (is_table(*d)) dg = *d;
    else return;
    ht_val *s = mget(src, "global");
    if (!s) sg = ht_map_new(cx, HT_M_ANY);
    else if (is_table(*s)) sg = *s;
    else return;
    uint32_t n;
    ht_mentry **es = ht_map_sorted(cx, sg.v.m, &n);
    ht_mentry **copy = ht_cx_alloc(cx, (n + 1) * sizeof *copy);
    if (n) memcpy(copy, es, n * sizeof *copy);
    for (uint32_t i = 0; i < n; i++) {
        const char *key = copy[i]->key;
        size_t kl = copy[i]->klen;
        ht_val val = copy[i]->val;
        ht_val *dv = ht_map_get(dg.v.m, key, kl);
        if (is_table(val)) {
            /* shallow copy of the parent's table */
            ht_val vv = ht_map_new(cx, HT_M_ANY);
            uint32_t vn;
            ht_mentry **ves = ht_map_sorted(cx, val.v.m, &vn);
            for (uint32_t k = 0; k < vn; k++) ht_map_set(cx, vv.v.m, ves[k]->key, ves[k]->klen, ves[k]->val);
            if (!dv) {
                ht_map_set(cx, dg.v.m, key, kl, vv);
            } else if (!is_table(*dv)) {
                warnf("Conflict: cannot merge map onto non-map for %s. Skipping.", key);
            } else {
                coalesce_tables(cx, vv, *dv, concat_prefix(cx, prefix, key), true, 0);
                ht_map_set(cx, dg.v.m, key, kl, vv);
            }
        } else if (dv && is_table(*dv)) {
            warnf("key %s is table. Skipping", key);
        } else {
            ht_map_set(cx, dg.v.m, key, kl, val);
        }
    }
    mset(cx, dest, "global", dg);
}

static int coalesce(ht_ctx *cx, ht_rchart *c, ht_val dest, const char *prefix, bool merge, ht_val *out);

static int coalesce_deps(ht_ctx *cx, ht_rchart *c, ht_val dest, const char *prefix, bool merge)
{
    for (size_t i = 0; i < c->ndeps; i++) {
        ht_rchart *sub = c->deps[i];
        ht_val *cur = mget(dest, sub->name);
        if (!cur) {
            mset(cx, dest, sub->name, ht_map_new(cx, HT_M_ANY));
        } else if (!is_table(*cur)) {
            ht_sb sb;
            ht_sb_init(&sb, cx);
            ht_val fv = *cur;
            /* Go: fmt.Errorf("type mismatch on %s: %t", name, c) */
            ht_val args[1] = {fv};
            ht_fmt_sprintf("%t", 2, 1, args, &sb);
            return ht_errf(cx, "type mismatch on %s: %s", sub->name, ht_sb_val(&sb).v.s);
        }
        ht_val dv = *mget(dest, sub->name);
        const char *sub_prefix = concat_prefix(cx, prefix, c->name);
        coalesce_globals(cx, dv, dest, sub_prefix);
        ht_val res;
        if (coalesce(cx, sub, dv, sub_prefix, merge, &res)) return -1;
        mset(cx, dest, sub->name, res);
    }
    return 0;
}

static int coalesce(ht_ctx *cx, ht_rchart *c, ht_val dest, const char *prefix, bool merge, ht_val *out)
{
    coalesce_values_of(cx, c, dest, prefix, merge);
    if (coalesce_deps(cx, c, dest, prefix, merge)) return -1;
    *out = dest;
    return 0;
}

/* CoalesceValues / MergeValues; returns NIL value with an error in cx */
static int coalesce_values(ht_ctx *cx, ht_rchart *c, ht_val vals, bool merge, ht_val *out)
{
    ht_val copy = is_table(vals) ? ht_deep_copy(cx, vals) : ht_map_new(cx, HT_M_ANY);
    return coalesce(cx, c, copy, "", merge, out);
}

ht_val ht_coalesce_values(ht_ctx *cx, ht_rchart *c, ht_val vals, bool merge)
{
    ht_val out;
    if (coalesce_values(cx, c, vals, merge, &out)) return ht_nil();
    return out;
}

/* ------------------------------------------------------------- dependencies */

bool ht_is_compatible_range(const char *constraint, const char *version)
{
    fc_semver v;
    fc_semver_constraint *c = NULL;
    if (fc_semver_parse(version, &v) || fc_semver_constraint_parse(constraint, &c)) return false;
    bool ok = fc_semver_constraint_check(c, &v);
    fc_semver_constraint_free(c);
    return ok;
}

static const char *chart_version(const ht_rchart *c) { return c->src->meta.version ? c->src->meta.version : ""; }

/* the same (constraint, version) pairs come up for every chart level and
 * alias; a semver constraint check costs a regexp run, so remember them */
static bool compatible(ht_ctx *cx, const char *constraint, const char *version)
{
    size_t cl = strlen(constraint), vl = strlen(version);
    char *key = ht_cx_alloc(cx, cl + vl + 2);
    memcpy(key, constraint, cl);
    key[cl] = 0;
    memcpy(key + cl + 1, version, vl + 1);
    if (!cx->semver_cache) cx->semver_cache = ht_map_new(cx, HT_M_ANY).v.m;
    ht_val *hit = ht_map_get(cx->semver_cache, key, cl + vl + 1);
    if (hit) return hit->v.b;
    bool ok = ht_is_compatible_range(constraint, version);
    ht_map_set(cx, cx->semver_cache, key, cl + vl + 1, ht_bool(ok));
    return ok;
}

static ht_rchart *alias_dependency(ht_ctx *cx, ht_rchart *c, ht_cdep *dep)
{
    for (size_t i = 0; i < c->ndeps; i++) {
        ht_rchart *ch = c->deps[i];
        if (strcmp(ch->name, dep->name) != 0) continue;
        if (!compatible(cx, dep->version, chart_version(ch))) continue;
        ht_rchart *out = rchart_clone(cx, ch, c);
        if (*dep->alias) out->name = dep->alias;
        return out;
    }
    return NULL;
}

static void process_tags(ht_cdep *reqs, size_t n, ht_val cvals)
{
    ht_val *vt = mget(cvals, "tags");
    if (!vt || !is_table(*vt)) return;
    for (size_t i = 0; i < n; i++) {
        bool has_true = false, has_false = false;
        for (size_t k = 0; k < reqs[i].ntags; k++) {
            ht_val *b = ht_map_get(vt->v.m, reqs[i].tags[k], strlen(reqs[i].tags[k]));
            if (b && b->k == HT_BOOL) {
                if (b->v.b) has_true = true;
                else has_false = true;
            }
        }
        if (!has_true && has_false) reqs[i].enabled = false;
        else reqs[i].enabled = true;
    }
}

static void process_conditions(ht_ctx *cx, ht_cdep *reqs, size_t n, ht_val cvals, const char *cpath)
{
    for (size_t i = 0; i < n; i++) {
        const char *cond = reqs[i].condition;
        /* strings.TrimSpace, then split on "," (parts are not trimmed) */
        size_t st = 0, en = strlen(cond);
        while (st < en && fc_u_is_space((unsigned char)cond[st])) st++;
        while (en > st && fc_u_is_space((unsigned char)cond[en - 1])) en--;
        size_t p = st;
        while (p <= en) {
            size_t q = p;
            while (q < en && cond[q] != ',') q++;
            if (q > p) {
                ht_sb path;
                ht_sb_init(&path, cx);
                ht_sb_puts(&path, cpath);
                ht_sb_put(&path, cond + p, q - p);
                ht_val vv;
                if (path_value(cvals, ht_sb_val(&path).v.s, &vv) && vv.k == HT_BOOL) {
                    reqs[i].enabled = vv.v.b;
                    break;
                }
            }
            p = q + 1;
        }
    }
}

static int process_enabled(ht_ctx *cx, ht_rchart *c, ht_val v, const char *path)
{
    if (c->reqs_nil) return 0;
    ht_rchart **nd = ht_cx_alloc(cx, (c->ndeps + c->nreqs + 1) * sizeof *nd);
    size_t nn = 0;
    for (size_t i = 0; i < c->ndeps; i++) {
        ht_rchart *ex = c->deps[i];
        bool declared = false;
        for (size_t k = 0; k < c->nreqs && !declared; k++)
            declared = strcmp(ex->name, c->reqs[k].name) == 0 && compatible(cx, c->reqs[k].version, chart_version(ex));
        if (!declared) nd[nn++] = ex;
    }
    for (size_t k = 0; k < c->nreqs; k++) {
        ht_rchart *a = alias_dependency(cx, c, &c->reqs[k]);
        if (a) nd[nn++] = a;
        if (*c->reqs[k].alias) c->reqs[k].name = c->reqs[k].alias;
    }
    c->deps = nd;
    c->ndeps = nn;
    for (size_t k = 0; k < c->nreqs; k++) c->reqs[k].enabled = true;
    /* Helm coalesces the whole values tree for every chart that has
     * dependencies; the result is only read by tags, conditions and by
     * subcharts that have dependencies themselves. Coalescing has no other
     * effect, so it is skipped when nobody reads it (umbrella charts of
     * subcharts that each depend on a library chart would otherwise copy
     * the tree once per subchart). */
    bool need = false;
    for (size_t k = 0; k < c->nreqs && !need; k++) {
        const char *cond = c->reqs[k].condition;
        while (*cond && fc_u_is_space((unsigned char)*cond)) cond++;
        need = *cond || c->reqs[k].ntags;
    }
    for (size_t i = 0; i < c->ndeps && !need; i++) need = !c->deps[i]->reqs_nil;
    ht_val cvals = ht_nil();
    if (need) {
        if (coalesce_values(cx, c, v, false, &cvals)) return -1;
        process_tags(c->reqs, c->nreqs, cvals);
        process_conditions(cx, c->reqs, c->nreqs, cvals, path);
    }
    /* drop disabled ones */
    ht_rchart **cd = ht_cx_alloc(cx, (c->ndeps + 1) * sizeof *cd);
    size_t ncd = 0;
    for (size_t i = 0; i < c->ndeps; i++) {
        bool removed = false;
        for (size_t k = 0; k < c->nreqs && !removed; k++)
            removed = !c->reqs[k].enabled && strcmp(c->reqs[k].name, c->deps[i]->name) == 0;
        if (!removed) cd[ncd++] = c->deps[i];
    }
    ht_cdep *cm = ht_cx_alloc(cx, (c->nreqs + 1) * sizeof *cm);
    size_t ncm = 0;
    for (size_t k = 0; k < c->nreqs; k++) {
        bool removed = false;
        for (size_t j = 0; j < c->nreqs && !removed; j++) removed = !c->reqs[j].enabled && strcmp(c->reqs[j].name, c->reqs[k].name) == 0;
        if (!removed) cm[ncm++] = c->reqs[k];
    }
    for (size_t i = 0; i < ncd; i++) {
        ht_sb sp;
        ht_sb_init(&sp, cx);
        ht_sb_puts(&sp, path);
        ht_sb_puts(&sp, cd[i]->name);
        ht_sb_putc(&sp, '.');
        if (process_enabled(cx, cd[i], cvals, ht_sb_val(&sp).v.s)) return -1;
    }
    c->reqs = cm;
    c->nreqs = ncm;
    c->reqs_nil = ncm == 0;
    c->deps = cd;
    c->ndeps = ncd;
    return 0;
}

static ht_val path_to_map(ht_ctx *cx, const char *path, ht_val data)
{
    if (strcmp(path, ".") == 0) return data;
    /* split on '.', build from the innermost */
    ht_val cur = data;
    const char *end = path + strlen(path);
    for (const char *p = end;;) {
        const char *st = p;
        while (st > path && st[-1] != '.') st--;
        ht_val m = ht_map_new(cx, HT_M_ANY);
        ht_map_set(cx, m.v.m, st, (size_t)(p - st), cur);
        cur = m;
        if (st == path) break;
        p = st - 1;
    }
    return cur;
}

static void fmt_v(ht_ctx *cx, ht_val v, ht_sb *sb)
{
    (void)cx;
    ht_fmt_value(v, sb);
}

static int process_import_values(ht_ctx *cx, ht_rchart *c)
{
    if (c->reqs_nil) return 0;
    ht_val cvals;
    if (coalesce_values(cx, c, ht_nil(), true, &cvals)) return -1;
    ht_val b = ht_map_new(cx, HT_M_ANY);
    for (size_t i = 0; i < c->nreqs; i++) {
        ht_cdep *r = &c->reqs[i];
        if (!r->import_values) continue;
        size_t n = json_object_array_length(r->import_values);
        ht_val outiv = ht_nil();
        outiv.k = HT_LIST;
        for (size_t k = 0; k < n; k++) {
            json_object *iv = json_object_array_get_idx(r->import_values, k);
            if (iv && json_object_is_type(iv, json_type_object)) {
                ht_val ivm = ht_from_json(cx, iv, HT_M_ANY);
                ht_sb child, parent;
                ht_sb_init(&child, cx);
                ht_sb_init(&parent, cx);
                ht_val *cv = mget(ivm, "child"), *pv = mget(ivm, "parent");
                if (cv) fmt_v(cx, *cv, &child);
                else ht_sb_puts(&child, "<nil>");
                if (pv) fmt_v(cx, *pv, &parent);
                else ht_sb_puts(&parent, "<nil>");
                ht_val pair = ht_map_new(cx, HT_M_STRING);
                ht_map_set(cx, pair.v.m, "child", 5, ht_sb_val(&child));
                ht_map_set(cx, pair.v.m, "parent", 6, ht_sb_val(&parent));
                ht_list_push(cx, &outiv, pair);
                ht_sb tp;
                ht_sb_init(&tp, cx);
                ht_sb_puts(&tp, r->name);
                ht_sb_putc(&tp, '.');
                ht_sb_put(&tp, child.p ? child.p : "", child.len);
                bool ok;
                ht_val vv = ht_values_table(cvals, ht_sb_val(&tp).v.s, &ok);
                if (!ok) continue;
                b = coalesce_tables(cx, b, path_to_map(cx, ht_sb_val(&parent).v.s, vv), "", true, 0);
            } else if (iv && json_object_is_type(iv, json_type_string)) {
                ht_val pair = ht_map_new(cx, HT_M_STRING);
                ht_sb ch;
                ht_sb_init(&ch, cx);
                ht_sb_puts(&ch, "exports.");
                ht_sb_puts(&ch, json_object_get_string(iv));
                ht_map_set(cx, pair.v.m, "child", 5, ht_sb_val(&ch));
                ht_map_set(cx, pair.v.m, "parent", 6, ht_str_static(".", 1));
                ht_list_push(cx, &outiv, pair);
                ht_sb tp;
                ht_sb_init(&tp, cx);
                ht_sb_puts(&tp, r->name);
                ht_sb_puts(&tp, ".exports.");
                ht_sb_puts(&tp, json_object_get_string(iv));
                bool ok;
                ht_val vm = ht_values_table(cvals, ht_sb_val(&tp).v.s, &ok);
                if (!ok) continue;
                b = coalesce_tables(cx, b, vm, "", true, 0);
            }
        }
        ht_val *keep = ht_cx_alloc(cx, sizeof *keep);
        *keep = outiv;
        r->import_out = keep;
    }
    cvals = ht_deep_copy(cx, cvals);
    c->values = coalesce_tables(cx, cvals, b, "", true, 0);
    return 0;
}

static int process_import_values_rec(ht_ctx *cx, ht_rchart *c)
{
    for (size_t i = 0; i < c->ndeps; i++)
        if (process_import_values_rec(cx, c->deps[i])) return -1;
    return process_import_values(cx, c);
}

int ht_process_dependencies(ht_ctx *cx, ht_rchart *c, ht_val vals)
{
    if (process_enabled(cx, c, vals, "")) return -1;
    return process_import_values_rec(cx, c);
}

/* ------------------------------------------------------------- loader.MergeMaps */

ht_val ht_merge_maps(ht_ctx *cx, ht_val a, ht_val b)
{
    ht_val out = ht_map_new(cx, HT_M_ANY);
    uint32_t n;
    ht_mentry **es = ht_map_sorted(cx, a.v.m, &n);
    for (uint32_t i = 0; i < n; i++) ht_map_set(cx, out.v.m, es[i]->key, es[i]->klen, es[i]->val);
    es = ht_map_sorted(cx, b.v.m, &n);
    for (uint32_t i = 0; i < n; i++) {
        ht_val v = es[i]->val;
        ht_val *cur = ht_map_get(out.v.m, es[i]->key, es[i]->klen);
        if (is_table(v) && cur && is_table(*cur)) {
            ht_map_set(cx, out.v.m, es[i]->key, es[i]->klen, ht_merge_maps(cx, *cur, v));
            continue;
        }
        ht_map_set(cx, out.v.m, es[i]->key, es[i]->klen, v);
    }
    return out;
}
