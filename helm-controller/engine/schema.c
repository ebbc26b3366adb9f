/*
 * schema.c: values.schema.json validation as Helm 4 does it
 * (pkg/chart/common/util/jsonschema.go on santhosh-tekuri/jsonschema v6).
 *
 * The chart's schema is parsed like jsonschema.UnmarshalJSON, checked
 * against its draft's metaschema (embedded, schema_meta.c), compiled, and
 * the coalesced values are validated; subcharts are validated against their
 * section of the values. The compiler and validator follow the library's
 * structure closely (roots and resources with $id/anchors, a compile queue,
 * a validator with scopes for $dynamicRef and cycle checks, "unevaluated"
 * bookkeeping, bool-result short cuts) because Helm prints the library's
 * error tree verbatim: every message, its nesting, and the number
 * formatting of golang.org/x/text's English printer (1,500 and 1×10⁰⁶).
 *
 * Deliberate differences: where the library iterates a Go map (object
 * properties, additional property names, dependencies) and so prints errors
 * in random order, we use sorted order. References to schemas outside the
 * file (http, https, file) are refused with an error instead of being
 * fetched: rendering must not reach the network or read the filesystem.
 * Schema numbers are float64 (the library keeps json.Number text).
 */
#include "render_int.h"
#include "schema_int.h"
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------- validation */

enum { EK_OTHER, EK_SCHEMA, EK_GROUP, EK_REF };

typedef struct js_err js_err;
struct js_err {
    uint8_t kind;
    const char *iloc;
    const char *msg;
    js_err **causes;
    uint32_t ncauses;
};

typedef struct js_vloc {
    const struct js_vloc *up;
    const char *tok;
} js_vloc;

typedef struct js_scope {
    js_sch *sch;
    const char *ref_kw;
    int vid;
    const struct js_scope *parent;
} js_scope;

typedef struct js_uneval {
    uint8_t *props; /* bit per key in sorted order */
    uint32_t nprops, cprops;
    uint8_t *items;
    uint32_t nitems, citems;
} js_uneval;

typedef struct js_vd {
    js_ctx *jc;
    ht_val v;
    const js_vloc *vloc;
    js_sch *sch;
    const js_scope *scp;
    js_uneval *uneval;
    js_err **errs;
    uint32_t nerr, caperr;
    bool bool_result;
} js_vd;

static js_err dummy_err;

static js_uneval *uneval_from(ht_ctx *cx, ht_val v, js_sch *s, bool caller_needs)
{
    js_uneval *u = ht_cx_alloc(cx, sizeof *u);
    memset(u, 0, sizeof *u);
    if (v.k == HT_MAP) {
        if (!s->all_props_evaluated && (caller_needs || s->uneval_props)) {
            uint32_t n = ht_map_len(v.v.m);
            u->nprops = n;
            u->props = ht_cx_alloc(cx, n / 8 + 1);
            memset(u->props, 0, n / 8 + 1);
            for (uint32_t i = 0; i < n; i++) u->props[i / 8] |= (uint8_t)(1u << (i % 8));
            u->cprops = n;
        }
    } else if (v.k == HT_LIST) {
        uint32_t n = list_len(v);
        if (!s->all_items_evaluated && (caller_needs || s->uneval_items) && s->num_items_evaluated < n) {
            u->nitems = n;
            u->items = ht_cx_alloc(cx, n / 8 + 1);
            memset(u->items, 0, n / 8 + 1);
            for (uint32_t i = s->num_items_evaluated; i < n; i++) u->items[i / 8] |= (uint8_t)(1u << (i % 8));
            u->citems = n - s->num_items_evaluated;
        }
    }
    return u;
}

static bool uneval_empty(const js_uneval *u) { return u->cprops == 0 && u->citems == 0; }

static bool bit(const uint8_t *b, uint32_t n, uint32_t i) { return b && i < n && (b[i / 8] >> (i % 8)) & 1; }

static void bit_clear(uint8_t *b, uint32_t *count, uint32_t n, uint32_t i)
{
    if (bit(b, n, i)) {
        b[i / 8] &= (uint8_t) ~(1u << (i % 8));
        (*count)--;
    }
}

static void uneval_merge(js_uneval *u, const js_uneval *o)
{
    for (uint32_t i = 0; i < u->nprops; i++)
        if (bit(u->props, u->nprops, i) && !bit(o->props, o->nprops, i)) bit_clear(u->props, &u->cprops, u->nprops, i);
    for (uint32_t i = 0; i < u->nitems; i++)
        if (bit(u->items, u->nitems, i) && !bit(o->items, o->nitems, i)) bit_clear(u->items, &u->citems, u->nitems, i);
}

static const char *vloc_string(ht_ctx *cx, const js_vloc *l)
{
    const js_vloc *st[256];
    size_t n = 0;
    const js_vloc *deep = l;
    for (; l && n < 256; l = l->up) st[n++] = l;
    ht_sb sb;
    ht_sb_init(&sb, cx);
    if (deep && n == 256) ht_sb_puts(&sb, "/...");
    while (n--) {
        ht_sb_putc(&sb, '/');
        js_put_ptr_tok(&sb, st[n]->tok, strlen(st[n]->tok));
    }
    ht_sb_putc(&sb, 0);
    sb.len--;
    return sb.p ? sb.p : "";
}

static js_err *mkerr(js_vd *vd, const char *msg, int kind)
{
    if (vd->bool_result) return &dummy_err;
    ht_ctx *cx = vd->jc->cx;
    js_err *e = ht_cx_alloc(cx, sizeof *e);
    memset(e, 0, sizeof *e);
    e->kind = (uint8_t)kind;
    e->iloc = vloc_string(cx, vd->vloc);
    e->msg = msg;
    return e;
}

static void add_err(js_vd *vd, js_err *e)
{
    if (!e) return;
    ht_ctx *cx = vd->jc->cx;
    GROW(vd->errs, vd->nerr, vd->caperr);
    vd->errs[vd->nerr++] = e;
}

static void add_error(js_vd *vd, const char *msg) { add_err(vd, mkerr(vd, msg, EK_OTHER)); }

static void add_errors(js_vd *vd, js_err **causes, uint32_t n, const char *msg)
{
    js_err *e = mkerr(vd, msg, EK_OTHER);
    if (e != &dummy_err) {
        e->causes = causes;
        e->ncauses = n;
    }
    add_err(vd, e);
}

static js_err *vd_validate(js_vd *vd);

static js_err *validate_self(js_vd *vd, js_sch *s, const char *ref_kw, bool bool_result)
{
    ht_ctx *cx = vd->jc->cx;
    js_scope scp = {s, ref_kw, vd->scp->vid, vd->scp};
    js_vd sub = {0};
    sub.jc = vd->jc;
    sub.v = vd->v;
    sub.vloc = vd->vloc;
    sub.sch = s;
    sub.scp = &scp;
    sub.uneval = uneval_from(cx, vd->v, s, !uneval_empty(vd->uneval));
    sub.bool_result = vd->bool_result || bool_result;
    js_err *e = vd_validate(&sub);
    if (!e) uneval_merge(vd->uneval, sub.uneval);
    return e;
}

static js_err *validate_val(js_vd *vd, js_sch *s, ht_val v, const char *tok)
{
    ht_ctx *cx = vd->jc->cx;
    js_vloc loc = {vd->vloc, tok};
    js_scope scp = {s, NULL, vd->scp->vid + 1, vd->scp};
    js_vd sub = {0};
    sub.jc = vd->jc;
    sub.v = v;
    sub.vloc = &loc;
    sub.sch = s;
    sub.scp = &scp;
    sub.uneval = uneval_from(cx, v, s, false);
    sub.bool_result = vd->bool_result;
    return vd_validate(&sub);
}

static js_err *validate_ref(js_vd *vd, js_sch *s, const char *kw)
{
    js_err *e = validate_self(vd, s, kw, false);
    if (!e) return NULL;
    js_err *re = mkerr(vd, "validation failed", EK_REF);
    if (re == &dummy_err) return re;
    if (e->kind == EK_GROUP) {
        re->causes = e->causes;
        re->ncauses = e->ncauses;
    } else {
        re->causes = ht_cx_alloc(vd->jc->cx, sizeof *re->causes);
        re->causes[0] = e;
        re->ncauses = 1;
    }
    return re;
}

static const char *itoa_tok(ht_ctx *cx, uint32_t i) { return js_sbf(cx, "%u", i); }

static const char *scope_kwloc(ht_ctx *cx, const js_scope *sc)
{
    ht_sb sb;
    ht_sb_init(&sb, cx);
    const char *loc = "";
    for (; sc->parent; sc = sc->parent) {
        ht_sb_init(&sb, cx);
        if (sc->ref_kw) {
            ht_sb_putc(&sb, '/');
            js_put_ptr_tok(&sb, sc->ref_kw, strlen(sc->ref_kw));
        } else {
            const char *cur = sc->sch->loc, *par = sc->parent->sch->loc;
            size_t pl = strlen(par);
            if (strlen(cur) >= pl) ht_sb_puts(&sb, cur + pl);
        }
        ht_sb_puts(&sb, loc);
        loc = ht_sb_val(&sb).v.s;
    }
    return loc;
}

static const char *count_msg(ht_ctx *cx, const char *what, long long got, long long want)
{
    ht_sb sb;
    ht_sb_init(&sb, cx);
    ht_sb_puts(&sb, what);
    ht_sb_puts(&sb, ": got ");
    js_put_int(&sb, got);
    ht_sb_puts(&sb, ", want ");
    js_put_int(&sb, want);
    return ht_sb_val(&sb).v.s;
}

static void obj_validate(js_vd *vd, ht_val v)
{
    js_sch *s = vd->sch;
    ht_ctx *cx = vd->jc->cx;
    uint32_t n;
    ht_mentry **ents = ht_map_sorted(cx, v.v.m, &n);
    ht_sb sb;
    if (s->min_props >= 0 && (long long)n < s->min_props)
        add_error(vd, vd->bool_result ? NULL : count_msg(cx, "minProperties", n, s->min_props));
    if (s->max_props >= 0 && (long long)n > s->max_props)
        add_error(vd, vd->bool_result ? NULL : count_msg(cx, "maxProperties", n, s->max_props));
    if (s->nrequired) {
        ht_sb_init(&sb, cx);
        uint32_t missing = 0;
        const char *first = NULL;
        for (uint32_t i = 0; i < s->nrequired; i++) {
            if (ht_map_get(v.v.m, s->required[i], strlen(s->required[i]))) continue;
            if (missing++) ht_sb_puts(&sb, ", ");
            else first = s->required[i];
            js_put_squote(&sb, s->required[i], strlen(s->required[i]));
        }
        if (missing) {
            ht_sb m;
            ht_sb_init(&m, cx);
            if (missing == 1) {
                ht_sb_puts(&m, "missing property ");
                js_put_squote(&m, first, strlen(first));
            } else {
                ht_sb_puts(&m, "missing properties ");
                ht_sb_put(&m, sb.p, sb.len);
            }
            add_error(vd, ht_sb_val(&m).v.s);
        }
    }
    if (vd->bool_result && vd->nerr) return;
    for (uint32_t i = 0; i < s->ndeps; i++) {
        js_dep *dp = &s->deps[i];
        if (!ht_map_get(v.v.m, dp->name, strlen(dp->name))) continue;
        if (dp->sch) {
            add_err(vd, validate_self(vd, dp->sch, NULL, false));
            continue;
        }
        ht_sb_init(&sb, cx);
        uint32_t missing = 0;
        for (uint32_t k = 0; k < dp->nreq; k++) {
            if (ht_map_get(v.v.m, dp->req[k], strlen(dp->req[k]))) continue;
            if (missing++) ht_sb_puts(&sb, ", ");
            js_put_squote(&sb, dp->req[k], strlen(dp->req[k]));
        }
        if (missing) {
            ht_sb m;
            ht_sb_init(&m, cx);
            ht_sb_puts(&m, "properties ");
            ht_sb_put(&m, sb.p, sb.len);
            ht_sb_puts(&m, " required, if ");
            js_put_squote(&m, dp->name, strlen(dp->name));
            ht_sb_puts(&m, " exists");
            add_error(vd, ht_sb_val(&m).v.s);
        }
    }
    ht_sb addl;
    ht_sb_init(&addl, cx);
    uint32_t naddl = 0;
    for (uint32_t i = 0; i < n; i++) {
        if (vd->bool_result && vd->nerr) return;
        const char *pname = ents[i]->key;
        ht_val pv = ents[i]->val;
        bool evaluated = false;
        for (uint32_t k = 0; k < s->nprops; k++) {
            if (strcmp(s->props[k].name, pname) == 0) {
                evaluated = true;
                add_err(vd, validate_val(vd, s->props[k].sch, pv, pname));
                break;
            }
        }
        for (uint32_t k = 0; k < s->npprops; k++) {
            if (fc_regex_exec(s->pprops[k].re, pname, ents[i]->klen, 0, NULL)) {
                evaluated = true;
                add_err(vd, validate_val(vd, s->pprops[k].sch, pv, pname));
            }
        }
        if (!evaluated && s->addl_props_kind) {
            evaluated = true;
            if (s->addl_props_kind == 1) {
                if (!s->addl_props_bool) {
                    if (naddl++) ht_sb_puts(&addl, ", ");
                    js_put_squote(&addl, pname, ents[i]->klen);
                }
            } else {
                add_err(vd, validate_val(vd, s->addl_props, pv, pname));
            }
        }
        if (evaluated) bit_clear(vd->uneval->props, &vd->uneval->cprops, vd->uneval->nprops, i);
    }
    if (naddl) {
        ht_sb m;
        ht_sb_init(&m, cx);
        ht_sb_puts(&m, "additional properties ");
        ht_sb_put(&m, addl.p, addl.len);
        ht_sb_puts(&m, " not allowed");
        add_error(vd, ht_sb_val(&m).v.s);
    }
    if (s->draft == 4) return;
    if (s->property_names) {
        for (uint32_t i = 0; i < n; i++) {
            /* propertyNames validates the name as a new instance at this location */
            js_scope scp = {s->property_names, NULL, vd->scp->vid + 1, NULL};
            js_vd sub = {0};
            sub.jc = vd->jc;
            sub.v = ht_str_static(ents[i]->key, ents[i]->klen);
            sub.vloc = NULL;
            sub.sch = s->property_names;
            sub.scp = &scp;
            sub.uneval = uneval_from(cx, sub.v, s->property_names, false);
            sub.bool_result = vd->bool_result;
            js_err *e = vd_validate(&sub);
            if (e) {
                const char *m = NULL;
                if (!vd->bool_result) {
                    ht_sb_init(&sb, cx);
                    ht_sb_puts(&sb, "invalid propertyName ");
                    js_put_squote(&sb, ents[i]->key, ents[i]->klen);
                    m = ht_sb_val(&sb).v.s;
                }
                js_err *pe = mkerr(vd, m, EK_OTHER);
                if (pe != &dummy_err) {
                    /* the library keeps the causes of the nested validation */
                    if (e->kind == EK_GROUP) {
                        pe->causes = e->causes;
                        pe->ncauses = e->ncauses;
                    } else {
                        pe->causes = ht_cx_alloc(cx, sizeof *pe->causes);
                        pe->causes[0] = e;
                        pe->ncauses = 1;
                    }
                }
                add_err(vd, pe);
            }
        }
    }
    if (s->draft == 6) return;
    for (uint32_t i = 0; i < s->ndep_schemas; i++)
        if (ht_map_get(v.v.m, s->dep_schemas[i].name, strlen(s->dep_schemas[i].name)))
            add_err(vd, validate_self(vd, s->dep_schemas[i].sch, NULL, false));
    for (uint32_t i = 0; i < s->ndep_required; i++) {
        js_dep *dp = &s->dep_required[i];
        if (!ht_map_get(v.v.m, dp->name, strlen(dp->name))) continue;
        ht_sb_init(&sb, cx);
        uint32_t missing = 0;
        for (uint32_t k = 0; k < dp->nreq; k++) {
            if (ht_map_get(v.v.m, dp->req[k], strlen(dp->req[k]))) continue;
            if (missing++) ht_sb_puts(&sb, ", ");
            js_put_squote(&sb, dp->req[k], strlen(dp->req[k]));
        }
        if (missing) {
            ht_sb m;
            ht_sb_init(&m, cx);
            ht_sb_puts(&m, "properties ");
            ht_sb_put(&m, sb.p, sb.len);
            ht_sb_puts(&m, " required, if ");
            js_put_squote(&m, dp->name, strlen(dp->name));
            ht_sb_puts(&m, " exists");
            add_error(vd, ht_sb_val(&m).v.s);
        }
    }
}

static void put_int_list(ht_sb *sb, const uint32_t *v, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++) {
        if (i) ht_sb_putc(sb, ' ');
        ht_sb_printf(sb, "%u", v[i]);
    }
}

static void arr_validate(js_vd *vd, ht_val v)
{
    js_sch *s = vd->sch;
    ht_ctx *cx = vd->jc->cx;
    uint32_t n = list_len(v);
    bool br = vd->bool_result;
    if (s->min_items >= 0 && (long long)n < s->min_items) add_error(vd, br ? NULL : count_msg(cx, "minItems", n, s->min_items));
    if (s->max_items >= 0 && (long long)n > s->max_items) add_error(vd, br ? NULL : count_msg(cx, "maxItems", n, s->max_items));
    if (s->unique_items && n > 1) {
        bool dup = false;
        for (uint32_t i = 1; i < n && !dup; i++) {
            for (uint32_t j = 0; j < i; j++) {
                if (js_equals(cx, list_at(v, i), list_at(v, j))) {
                    add_error(vd, br ? NULL : js_sbf(cx, "items at %u and %u are equal", j, i));
                    dup = true;
                    break;
                }
            }
        }
    }
    if (s->draft < 2020) {
        uint32_t evaluated = 0;
        if (s->items) {
            for (uint32_t i = 0; i < n; i++) add_err(vd, validate_val(vd, s->items, list_at(v, i), itoa_tok(cx, i)));
            evaluated = n;
        } else if (s->items_is_arr) {
            uint32_t m = n < s->nitems_arr ? n : s->nitems_arr;
            for (uint32_t i = 0; i < m; i++) add_err(vd, validate_val(vd, s->items_arr[i], list_at(v, i), itoa_tok(cx, i)));
            evaluated = m;
        }
        if (s->addl_items_kind == 1) {
            if (!s->addl_items_bool && evaluated != n) {
                ht_sb sb;
                ht_sb_init(&sb, cx);
                ht_sb_puts(&sb, "last ");
                js_put_int(&sb, n - evaluated);
                ht_sb_puts(&sb, " additionalItem(s) not allowed");
                add_error(vd, br ? NULL : ht_sb_val(&sb).v.s);
            }
        } else if (s->addl_items_kind == 2) {
            for (uint32_t i = evaluated; i < n; i++)
                add_err(vd, validate_val(vd, s->addl_items, list_at(v, i), itoa_tok(cx, i)));
        }
    } else {
        uint32_t evaluated = n < s->nprefix ? n : s->nprefix;
        for (uint32_t i = 0; i < evaluated; i++) add_err(vd, validate_val(vd, s->prefix_items[i], list_at(v, i), itoa_tok(cx, i)));
        if (s->items2020)
            for (uint32_t i = evaluated; i < n; i++) add_err(vd, validate_val(vd, s->items2020, list_at(v, i), itoa_tok(cx, i)));
    }
    if (s->contains) {
        js_err **errs = ht_cx_alloc(cx, (n ? n : 1) * sizeof *errs);
        uint32_t *matched = ht_cx_alloc(cx, (n ? n : 1) * sizeof *matched);
        uint32_t nerr = 0, nm = 0;
        for (uint32_t i = 0; i < n; i++) {
            js_err *e = validate_val(vd, s->contains, list_at(v, i), itoa_tok(cx, i));
            if (e) errs[nerr++] = e;
            else {
                matched[nm++] = i;
                if (s->draft >= 2020) bit_clear(vd->uneval->items, &vd->uneval->citems, vd->uneval->nitems, i);
            }
        }
        if (s->min_contains >= 0) {
            if ((long long)nm < s->min_contains) {
                const char *m = NULL;
                if (!br) {
                    ht_sb sb;
                    ht_sb_init(&sb, cx);
                    ht_sb_puts(&sb, "min ");
                    js_put_int(&sb, s->min_contains);
                    if (!nm) {
                        ht_sb_puts(&sb, " items required to match contains schema, but none matched");
                    } else {
                        ht_sb_puts(&sb, " items required to match contains schema, but matched ");
                        js_put_int(&sb, nm);
                        ht_sb_puts(&sb, " items at ");
                        put_int_list(&sb, matched, nm);
                    }
                    m = ht_sb_val(&sb).v.s;
                }
                add_errors(vd, errs, nerr, m);
            }
        } else if (nm == 0) {
            add_errors(vd, errs, nerr, "no items match contains schema");
        }
        if (s->max_contains >= 0 && (long long)nm > s->max_contains) {
            const char *m = NULL;
            if (!br) {
                ht_sb sb;
                ht_sb_init(&sb, cx);
                ht_sb_puts(&sb, "max ");
                js_put_int(&sb, s->max_contains);
                ht_sb_puts(&sb, " items required to match contains schema, but matched ");
                js_put_int(&sb, nm);
                ht_sb_puts(&sb, " items at ");
                put_int_list(&sb, matched, nm);
                m = ht_sb_val(&sb).v.s;
            }
            add_error(vd, m);
        }
    }
}

static void str_validate(js_vd *vd, ht_val v)
{
    js_sch *s = vd->sch;
    ht_ctx *cx = vd->jc->cx;
    bool br = vd->bool_result;
    long long len = -1;
    if (s->min_length >= 0 || s->max_length >= 0) len = (long long)fc_utf8_count(v.v.s, v.n);
    if (s->min_length >= 0 && len < s->min_length) add_error(vd, br ? NULL : count_msg(cx, "minLength", len, s->min_length));
    if (s->max_length >= 0 && len > s->max_length) add_error(vd, br ? NULL : count_msg(cx, "maxLength", len, s->max_length));
    if (s->pattern && !fc_regex_exec(s->pattern, v.v.s, v.n, 0, NULL)) {
        const char *m = NULL;
        if (!br) {
            ht_sb sb;
            ht_sb_init(&sb, cx);
            js_put_squote(&sb, v.v.s, v.n);
            ht_sb_puts(&sb, " does not match pattern ");
            js_put_squote(&sb, s->pattern_src, strlen(s->pattern_src));
            m = ht_sb_val(&sb).v.s;
        }
        add_error(vd, m);
    }
}

static const char *bound_msg(ht_ctx *cx, const char *what, const js_num *got, const js_num *want)
{
    ht_sb sb;
    ht_sb_init(&sb, cx);
    ht_sb_puts(&sb, what);
    ht_sb_puts(&sb, ": got ");
    js_put_float(&sb, js_num_float(got));
    ht_sb_puts(&sb, ", want ");
    js_put_float(&sb, js_num_float(want));
    return ht_sb_val(&sb).v.s;
}

static void num_validate(js_vd *vd, ht_val v)
{
    js_sch *s = vd->sch;
    ht_ctx *cx = vd->jc->cx;
    bool br = vd->bool_result;
    js_num x;
    if (!js_val_num(cx, v, &x)) return;
    if (s->minimum && js_num_cmp(&x, s->minimum) < 0) add_error(vd, br ? NULL : bound_msg(cx, "minimum", &x, s->minimum));
    if (s->maximum && js_num_cmp(&x, s->maximum) > 0) add_error(vd, br ? NULL : bound_msg(cx, "maximum", &x, s->maximum));
    if (s->exclusive_minimum && js_num_cmp(&x, s->exclusive_minimum) <= 0)
        add_error(vd, br ? NULL : bound_msg(cx, "exclusiveMinimum", &x, s->exclusive_minimum));
    if (s->exclusive_maximum && js_num_cmp(&x, s->exclusive_maximum) >= 0)
        add_error(vd, br ? NULL : bound_msg(cx, "exclusiveMaximum", &x, s->exclusive_maximum));
    if (s->multiple_of && !js_num_is_multiple(&x, s->multiple_of))
        add_error(vd, br ? NULL : bound_msg(cx, "multipleOf", &x, s->multiple_of));
}

static void cond_validate(js_vd *vd)
{
    js_sch *s = vd->sch;
    ht_ctx *cx = vd->jc->cx;
    if (s->not_ && !validate_self(vd, s->not_, NULL, true)) add_error(vd, "'not' failed");
    if (s->nall) {
        js_err **errs = ht_cx_alloc(cx, s->nall * sizeof *errs);
        uint32_t ne = 0;
        for (uint32_t i = 0; i < s->nall; i++) {
            js_err *e = validate_self(vd, s->all_of[i], NULL, false);
            if (e) {
                errs[ne++] = e;
                if (vd->bool_result) break;
            }
        }
        if (ne) add_errors(vd, errs, ne, "'allOf' failed");
    }
    if (s->nany) {
        bool matched = false;
        js_err **errs = ht_cx_alloc(cx, s->nany * sizeof *errs);
        uint32_t ne = 0;
        for (uint32_t i = 0; i < s->nany; i++) {
            js_err *e = validate_self(vd, s->any_of[i], NULL, false);
            if (e) errs[ne++] = e;
            else {
                matched = true;
                if (uneval_empty(vd->uneval)) break;
            }
        }
        if (!matched) add_errors(vd, errs, ne, "'anyOf' failed");
    }
    if (s->none) {
        int matched = -1;
        js_err **errs = ht_cx_alloc(cx, s->none * sizeof *errs);
        uint32_t ne = 0;
        for (uint32_t i = 0; i < s->none; i++) {
            js_err *e = validate_self(vd, s->one_of[i], NULL, matched != -1);
            if (e) {
                if (matched == -1) errs[ne++] = e;
            } else if (matched == -1) {
                matched = (int)i;
            } else {
                add_error(vd, js_sbf(cx, "'oneOf' failed, subschemas %d, %u matched", matched, i));
                break;
            }
        }
        if (matched == -1) add_errors(vd, errs, ne, "'oneOf' failed, none matched");
    }
    if (s->if_) {
        if (!validate_self(vd, s->if_, NULL, true)) {
            if (s->then_) add_err(vd, validate_self(vd, s->then_, NULL, false));
        } else if (s->else_) {
            add_err(vd, validate_self(vd, s->else_, NULL, false));
        }
    }
}

static js_sch *resolve_dynamic_anchor(const js_scope *scp, const char *name, js_sch *fallback)
{
    js_sch *s = fallback;
    for (; scp; scp = scp->parent) {
        js_sch *res = scp->sch->resource;
        if (!res) continue;
        for (uint32_t i = 0; i < res->ndyn; i++)
            if (strcmp(res->dyn_anchors[i].name, name) == 0) s = res->dyn_anchors[i].sch;
    }
    return s;
}

static void validate_refs(js_vd *vd)
{
    js_sch *s = vd->sch;
    if (s->recursive_ref) {
        js_sch *t = s->recursive_ref;
        if (t->recursive_anchor) {
            for (const js_scope *scp = vd->scp; scp; scp = scp->parent)
                if (scp->sch->resource && scp->sch->resource->recursive_anchor) t = scp->sch;
        }
        add_err(vd, validate_ref(vd, t, "$recursiveRef"));
    }
    if (s->dynamic_ref) {
        js_sch *t = s->dynamic_ref;
        if (s->dynamic_ref_anchor && s->dynamic_ref_anchor[0] && t->dynamic_anchor &&
            strcmp(t->dynamic_anchor, s->dynamic_ref_anchor) == 0)
            t = resolve_dynamic_anchor(vd->scp, s->dynamic_ref_anchor, t);
        add_err(vd, validate_ref(vd, t, "$dynamicRef"));
    }
}

static void uneval_validate(js_vd *vd)
{
    js_sch *s = vd->sch;
    ht_ctx *cx = vd->jc->cx;
    if (vd->v.k == HT_MAP && s->uneval_props) {
        uint32_t n;
        ht_mentry **ents = ht_map_sorted(cx, vd->v.v.m, &n);
        for (uint32_t i = 0; i < n; i++)
            if (bit(vd->uneval->props, vd->uneval->nprops, i))
                add_err(vd, validate_val(vd, s->uneval_props, ents[i]->val, ents[i]->key));
        vd->uneval->nprops = vd->uneval->cprops = 0;
    }
    if (vd->v.k == HT_LIST && s->uneval_items) {
        for (uint32_t i = 0; i < vd->uneval->nitems; i++)
            if (bit(vd->uneval->items, vd->uneval->nitems, i))
                add_err(vd, validate_val(vd, s->uneval_items, list_at(vd->v, i), itoa_tok(cx, i)));
        vd->uneval->nitems = vd->uneval->citems = 0;
    }
}

static bool is_integer(ht_ctx *cx, ht_val v)
{
    js_num x;
    return js_val_num(cx, v, &x) && x.nd <= x.exp;
}

static js_err *vd_validate_inner(js_vd *vd)
{
    js_sch *s = vd->sch;
    ht_ctx *cx = vd->jc->cx;
    ht_val v = vd->v;
    bool br = vd->bool_result;
    if (s->boolean >= 0) {
        if (s->boolean) return NULL;
        return mkerr(vd, "false schema", EK_OTHER);
    }
    /* reference cycle: the same schema on the same value up the scope chain */
    for (const js_scope *p = vd->scp->parent; p; p = p->parent) {
        if (p->vid != vd->scp->vid) break;
        if (p->sch == s) {
            const char *m = NULL;
            if (!br)
                m = js_sbf(cx, "both %s and %s resolve to %s causing reference cycle", scope_kwloc(cx, vd->scp),
                        scope_kwloc(cx, p), js_gq(cx, s->loc));
            return mkerr(vd, m, EK_OTHER);
        }
    }
    unsigned t = js_type_of(v);
    if (!t) return mkerr(vd, br ? NULL : js_sbf(cx, "invalid jsonType %s", ht_type_name(v)), EK_OTHER);
    if (s->types) {
        bool matched = (s->types & t) || ((s->types & T_INT) && t == T_NUM && is_integer(cx, v));
        if (!matched) {
            const char *m = NULL;
            if (!br) {
                ht_sb sb;
                ht_sb_init(&sb, cx);
                ht_sb_puts(&sb, "got ");
                ht_sb_puts(&sb, js_type_name(t));
                ht_sb_puts(&sb, ", want ");
                static const unsigned order[] = {T_NULL, T_BOOL, T_NUM, T_INT, T_STR, T_ARR, T_OBJ};
                bool first = true;
                for (int i = 0; i < 7; i++) {
                    if (!(s->types & order[i])) continue;
                    if (!first) ht_sb_puts(&sb, " or ");
                    first = false;
                    ht_sb_puts(&sb, js_type_name(order[i]));
                }
                m = ht_sb_val(&sb).v.s;
            }
            return mkerr(vd, m, EK_OTHER);
        }
    }
    if (s->has_const && !js_equals(cx, v, s->const_val)) {
        const char *m = "'const' failed";
        if (!br && s->const_val.k != HT_LIST && s->const_val.k != HT_MAP) {
            ht_sb sb;
            ht_sb_init(&sb, cx);
            ht_sb_puts(&sb, "value must be ");
            js_put_display(&sb, s->const_val);
            m = ht_sb_val(&sb).v.s;
        }
        return mkerr(vd, m, EK_OTHER);
    }
    if (s->has_enum) {
        bool matched = false;
        if (s->enum_types & t)
            for (uint32_t i = 0; i < s->nenum && !matched; i++) matched = js_equals(cx, v, s->enum_vals[i]);
        if (!matched) {
            const char *m = NULL;
            if (!br) {
                bool prim = true;
                for (uint32_t i = 0; i < s->nenum; i++)
                    if (s->enum_vals[i].k == HT_LIST || s->enum_vals[i].k == HT_MAP) prim = false;
                if (!prim) {
                    m = "'enum' failed";
                } else {
                    ht_sb sb;
                    ht_sb_init(&sb, cx);
                    ht_sb_puts(&sb, s->nenum == 1 ? "value must be " : "value must be one of ");
                    for (uint32_t i = 0; i < s->nenum; i++) {
                        if (i) ht_sb_puts(&sb, ", ");
                        js_put_display(&sb, s->enum_vals[i]);
                    }
                    m = ht_sb_val(&sb).v.s;
                }
            }
            return mkerr(vd, m, EK_OTHER);
        }
    }
    if (s->format && v.k == HT_STRING) {
        const char *e = s->format(cx, v.v.s, v.n);
        if (e) {
            const char *m = NULL;
            if (!br) {
                ht_sb sb;
                ht_sb_init(&sb, cx);
                js_put_display(&sb, v);
                ht_sb_puts(&sb, " is not valid ");
                ht_sb_puts(&sb, s->format_name);
                ht_sb_puts(&sb, ": ");
                ht_sb_puts(&sb, e);
                m = ht_sb_val(&sb).v.s;
            }
            return mkerr(vd, m, EK_OTHER);
        }
    }
    if (s->ref) {
        js_err *e = validate_ref(vd, s->ref, "$ref");
        if (s->draft < 2019) return e;
        add_err(vd, e);
    }
    switch (t) {
    case T_OBJ: obj_validate(vd, v); break;
    case T_ARR: arr_validate(vd, v); break;
    case T_STR: str_validate(vd, v); break;
    case T_NUM: num_validate(vd, v); break;
    default: break;
    }
    if (vd->nerr == 0 || !vd->bool_result) {
        if (s->draft >= 2019) validate_refs(vd);
        cond_validate(vd);
        if (s->draft >= 2019) uneval_validate(vd);
    }
    if (vd->nerr == 0) return NULL;
    if (vd->nerr == 1) return vd->errs[0];
    js_err *g = mkerr(vd, "validation failed", EK_GROUP);
    if (g != &dummy_err) {
        g->causes = vd->errs;
        g->ncauses = vd->nerr;
    }
    return g;
}

static js_err *vd_validate(js_vd *vd)
{
    js_ctx *jc = vd->jc;
    if (++jc->depth > JS_MAX_DEPTH) ht_fatal(jc->cx, "values.schema.json validation is nested too deeply (more than %d levels)", JS_MAX_DEPTH);
    js_err *e = vd_validate_inner(vd);
    jc->depth--;
    return e;
}

/* Schema.validate: the top error is kind.Schema with the group's causes */
static js_err *schema_validate(js_ctx *jc, js_sch *s, ht_val v)
{
    ht_ctx *cx = jc->cx;
    js_scope scp = {s, NULL, 0, NULL};
    js_vd vd = {0};
    vd.jc = jc;
    vd.v = v;
    vd.sch = s;
    vd.scp = &scp;
    vd.uneval = uneval_from(cx, v, s, false);
    js_err *e = vd_validate(&vd);
    if (!e) return NULL;
    js_err *top = ht_cx_alloc(cx, sizeof *top);
    memset(top, 0, sizeof *top);
    top->kind = EK_SCHEMA;
    top->iloc = "";
    ht_sb sb;
    ht_sb_init(&sb, cx);
    ht_sb_puts(&sb, "jsonschema validation failed with ");
    js_put_squote(&sb, s->loc, strlen(s->loc));
    top->msg = ht_sb_val(&sb).v.s;
    if (e->kind == EK_GROUP) {
        top->causes = e->causes;
        top->ncauses = e->ncauses;
    } else {
        top->causes = ht_cx_alloc(cx, sizeof *top->causes);
        top->causes[0] = e;
        top->ncauses = 1;
    }
    return top;
}

/* ValidationError.display */
static void err_display(const js_err *e, ht_sb *sb, int indent)
{
    bool skip = e->ncauses == 1 && e->kind == EK_REF;
    if (!skip) {
        if (indent > 0) {
            ht_sb_putc(sb, '\n');
            for (int i = 0; i < indent - 1; i++) ht_sb_puts(sb, "  ");
            ht_sb_puts(sb, "- ");
        }
        indent++;
        if (e->kind == EK_SCHEMA) {
            ht_sb_puts(sb, e->msg);
        } else {
            ht_sb_puts(sb, "at ");
            js_put_squote(sb, e->iloc, strlen(e->iloc));
            ht_sb_puts(sb, ": ");
            ht_sb_puts(sb, e->msg ? e->msg : "");
        }
    }
    for (uint32_t i = 0; i < e->ncauses; i++) err_display(e->causes[i], sb, indent);
}

/* roots.validate: check a schema document against its draft's metaschema */
int js_validate_meta(js_comp *c, js_root *r, ht_val v, const char *ptr)
{
    js_ctx *jc = c->jc;
    ht_ctx *cx = jc->cx;
    js_res *res = js_root_resource(r, ptr);
    int d = res ? res->draft : 2020;
    int di = draft_index(d);
    if (!jc->draft_sch[di]) {
        jc->draft_sch[di] = js_compile(&jc->meta, js_draft_url(d), "");
        if (!jc->draft_sch[di]) return -1;
    }
    js_err *e = schema_validate(jc, jc->draft_sch[di], v);
    if (!e) return 0;
    ht_sb sb;
    ht_sb_init(&sb, cx);
    ht_go_quote(js_loc_string(cx, r->url, ptr), strlen(js_loc_string(cx, r->url, ptr)), &sb);
    ht_sb_puts(&sb, " is not valid against metaschema: ");
    err_display(e, &sb, 0);
    ht_sb_putc(&sb, 0);
    return ht_errf(cx, "%s", sb.p);
}

/* ValidateAgainstSingleSchema: 0 valid, 1 invalid (message in *msg, ending
 * in "\n" like JSONSchemaValidationError), -1 other error (in cx) */
static int validate_single(ht_ctx *cx, const char *schema, size_t len, ht_val values, const char **msg)
{
    js_ctx jc;
    memset(&jc, 0, sizeof jc);
    jc.cx = cx;
    jc.meta.jc = &jc;
    jc.meta.assert_format = true;
    js_comp user;
    memset(&user, 0, sizeof user);
    user.jc = &jc;
    ht_cleanup_push(cx, js_ctx_cleanup, &jc);
    int rc = -1;
    /* jsonschema.UnmarshalJSON: a json.Decoder with UseNumber, one value */
    size_t i = 0;
    while (i < len && (schema[i] == ' ' || schema[i] == '\t' || schema[i] == '\n' || schema[i] == '\r')) i++;
    ht_val doc;
    if (i == len) {
        ht_errf(cx, "EOF");
        goto out;
    }
    if (ht_json_decode(cx, schema, len, &doc)) {
        const char *e = cx->err ? cx->err : "";
        if (strcmp(e, "unexpected end of JSON input") == 0) ht_errf(cx, "unexpected EOF");
        else if (strstr(e, "after top-level value")) ht_errf(cx, "invalid character after top-level value");
        goto out;
    }
    user.added_url = "file:///values.schema.json";
    user.added_doc = doc;
    js_sch *s = js_compile(&user, user.added_url, "");
    if (!s) goto out;
    js_err *e = schema_validate(&jc, s, values);
    if (!e) {
        rc = 0;
        goto out;
    }
    ht_sb sb;
    ht_sb_init(&sb, cx);
    err_display(e, &sb, 0);
    ht_sb_putc(&sb, 0);
    const char *full = sb.p;
    static const char prefix[] = "jsonschema validation failed with 'file:///values.schema.json#'\n";
    if (strncmp(full, prefix, sizeof prefix - 1) == 0) full += sizeof prefix - 1;
    *msg = js_sbf(cx, "%s\n", full);
    rc = 1;
out:
    ht_cleanup_pop(cx, true);
    return rc;
}

/* ValidateAgainstSchema for a chart and its dependencies */
static int validate_chart(ht_ctx *cx, ht_rchart *c, ht_val values, ht_sb *sb)
{
    if (c->src->schema) {
        const char *msg = NULL;
        int r = validate_single(cx, c->src->schema, c->src->schema_len, values, &msg);
        if (r) {
            ht_sb_puts(sb, c->name);
            ht_sb_puts(sb, ":\n");
            if (r == 1) {
                ht_sb_puts(sb, msg);
            } else {
                ht_sb_puts(sb, cx->err ? cx->err : "");
                ht_err_clear(cx);
            }
        }
    }
    for (size_t i = 0; i < c->ndeps; i++) {
        ht_rchart *sub = c->deps[i];
        ht_val *raw = values.k == HT_MAP ? ht_map_get(values.v.m, sub->name, strlen(sub->name)) : NULL;
        if (!raw || raw->k == HT_NIL) continue;
        if (raw->k != HT_MAP) {
            ht_sb_printf(sb, "%s:\ninvalid type for values: expected object (map), got %s\n", sub->name, ht_type_name(*raw));
            continue;
        }
        validate_chart(cx, sub, *raw, sb);
    }
    return 0;
}

int ht_validate_schemas(ht_ctx *cx, ht_rchart *c, ht_val values)
{
    ht_sb sb;
    ht_sb_init(&sb, cx);
    validate_chart(cx, c, values, &sb);
    if (!sb.len) return 0;
    ht_sb_putc(&sb, 0);
    return ht_errf(cx, "values don't meet the specifications of the schema(s) in the following chart(s):\n%s", sb.p);
}
