/*
 * ks_smp.c: strategic merge patch as kustomize v5.5 applies it: kyaml's
 * merge2 walker with the "prepend" list direction, which differs from the
 * API server's SMP in ways that show in output, so the walker is ported
 * step by step rather than re-derived:
 *
 * - maps merge key by key; a null in the patch deletes; `$patch: delete`
 *   removes the map, `$patch: replace` replaces it; null fields and
 *   directives are dropped from content the patch adds. $retainKeys,
 *   $setElementOrder/... and $deleteFromPrimitiveList/... are not known to
 *   kustomize and stay in the output as plain fields.
 * - lists with patchStrategy=merge in the schema are associative: element
 *   identity is the tuple of merge keys; the merged list is built from the
 *   "values" (patch keys first, then dest keys), elements merge in place,
 *   and appendListNode/ElementSetter re-add dest elements. With two keys
 *   (ports) this reproduces kustomize's quirks exactly (a patch port
 *   without protocol does not merge into a TCP port, and so on).
 *   A list element {$patch: replace|delete} alone applies to the list.
 * - other lists (and every list of a custom resource) are replaced.
 * The walk mutates a private copy of the target and of the patch, like
 * kyaml mutates its nodes; json-c reference counts stand in for shared
 * yaml.Node pointers.
 */
#include "ks_internal.h"
#include <stdlib.h>
#include <string.h>

#define MAX_DEPTH 1000

typedef struct sinfo {
    const ks_stype *obj;
    bool list_merge;
    const char *const *keys;
    const ks_stype *elem;
} sinfo;

/* a source: present or not (nil), and its value (NULL = JSON null) */
typedef struct src {
    bool present;
    json_object *v;
} src;

static const src NIL = {false, NULL};

static src mk(json_object *v)
{
    src s = {true, v};
    return s;
}

static bool missing_or_null(src s)
{
    return !s.present || !s.v || json_object_is_type(s.v, json_type_null);
}

static const char *kind_name(json_object *o)
{
    if (!o) return "ScalarNode";
    switch (json_object_get_type(o)) {
    case json_type_object: return "MappingNode";
    case json_type_array: return "SequenceNode";
    default: return "ScalarNode";
    }
}

enum { K_NONE = 0, K_MAP, K_SEQ, K_SCALAR };

static int kind_of(json_object *o)
{
    if (!o) return K_SCALAR;
    if (json_object_is_type(o, json_type_object)) return K_MAP;
    if (json_object_is_type(o, json_type_array)) return K_SEQ;
    return K_SCALAR;
}

static const char *kind_str(int k)
{
    return k == K_MAP ? "MappingNode" : k == K_SEQ ? "SequenceNode" : "ScalarNode";
}

static int check_kinds(int k, src d, src o)
{
    src s[2] = {d, o};
    for (int i = 0; i < 2; i++) {
        if (missing_or_null(s[i])) continue;
        if (kind_of(s[i].v) != k) {
            char *t = fc_json_dump(s[i].v);
            int rc = fc_err_set(FC_EINVAL, "wrong node kind: expected %s but got %s: node contents: %.200s",
                                kind_str(k), kind_name(s[i].v), t ? t : "");
            free(t);
            return rc;
        }
    }
    return 0;
}

static sinfo child_info(const ks_stype *obj, const char *key)
{
    sinfo si = {0};
    if (!obj) return si;
    si.obj = ks_schema_field(obj, key);
    si.list_merge = ks_schema_list(obj, key, &si.keys, &si.elem);
    return si;
}

/* ---------------------------------------------------------------- directives */

enum { D_MERGE = 0, D_DELETE, D_REPLACE };

static int directive_text(json_object *v, int *d)
{
    char *t = ks_json_text(v);
    int rc = 0;
    if (!t) rc = fc_err_set(FC_EINVAL, "unknown patch strategy");
    else if (!strcmp(t, "delete")) *d = D_DELETE;
    else if (!strcmp(t, "replace")) *d = D_REPLACE;
    else if (!strcmp(t, "merge")) *d = D_MERGE;
    else rc = fc_err_set(FC_EINVAL, "unknown patch strategy '%s'", t);
    free(t);
    return rc;
}

/* determineSmpDirective: looks at (and removes) the directive of a patch
 * map, or the lone {$patch: x} element of a patch list */
static int smp_directive(src o, int *d)
{
    *d = D_MERGE;
    if (!o.present || !o.v) return 0;
    if (json_object_is_type(o.v, json_type_object)) {
        json_object *v = NULL;
        if (!json_object_object_get_ex(o.v, "$patch", &v)) return 0;
        if (!v) return 0;
        if (directive_text(v, d)) return -1;
        json_object_object_del(o.v, "$patch");
        return 0;
    }
    if (json_object_is_type(o.v, json_type_array)) {
        size_t n = json_object_array_length(o.v);
        for (size_t i = 0; i < n; i++) {
            json_object *e = json_object_array_get_idx(o.v, i);
            json_object *v = NULL;
            if (!e || !json_object_is_type(e, json_type_object) || !json_object_object_get_ex(e, "$patch", &v))
                continue;
            if (json_object_object_length(e) > 1 || !v) return 0;
            if (directive_text(v, d)) return -1;
            json_object_array_del_idx(o.v, i, 1);
            return 0;
        }
        return 0;
    }
    return 0;
}

/* ------------------------------------------------------------ the visitor */

/* result of a visit: keep=false means "clear" */
typedef struct res {
    bool keep;
    bool keep_null; /* an explicit null in dest the patch did not touch */
    json_object *v;
} res;

typedef struct wctx {
    json_object *pool; /* holds every list built during one apply */
} wctx;

static int walk(wctx *c, src d, src o, sinfo si, unsigned depth, res *out);

/* FieldSetter{Name: key, Value: r} on map m */
static void field_set(json_object *m, const char *key, res r)
{
    if (r.keep_null) {
        json_object_object_add(m, key, NULL);
        return;
    }
    if (!r.keep || !r.v || json_object_is_type(r.v, json_type_null)) {
        json_object_object_del(m, key);
        return;
    }
    json_object *cur = NULL;
    if (json_object_object_get_ex(m, key, &cur) && cur == r.v) return;
    json_object_object_add(m, key, json_object_get(r.v));
}

static int visit_map(src d, src o, res *out)
{
    out->keep = false;
    out->keep_null = false;
    out->v = NULL;
    if (missing_or_null(d)) {
        int ps = D_MERGE;
        if (o.present && o.v && json_object_is_type(o.v, json_type_object)) {
            if (smp_directive(o, &ps)) return -1;
        }
        if (ps == D_DELETE) return 0;
        if (!o.present && d.present) {
            /* an explicit null in dest survives when the patch is silent */
            out->keep = true;
            out->keep_null = true;
            out->v = NULL;
            return 0;
        }
        if (!o.present) return 0;
        out->keep = true;
        out->v = o.v;
        return 0;
    }
    if (!o.present) {
        out->keep = true;
        out->v = d.v;
        return 0;
    }
    if (!o.v || json_object_is_type(o.v, json_type_null)) return 0;
    int ps;
    if (smp_directive(o, &ps)) return -1;
    if (ps == D_DELETE) return 0;
    out->keep = true;
    out->v = ps == D_REPLACE ? o.v : d.v;
    return 0;
}

static int walk_map(wctx *c, src d, src o, sinfo si, unsigned depth, res *out)
{
    res vr;
    if (visit_map(d, o, &vr)) return -1;
    if (!vr.keep || !vr.v || !json_object_is_type(vr.v, json_type_object)) {
        *out = vr;
        return 0;
    }
    json_object *dest = vr.v;
    /* sources after setDestNode: [dest, origin] */
    json_object *orig = o.present && o.v && json_object_is_type(o.v, json_type_object) ? o.v : NULL;
    /* sorted union of field names */
    ks_strv names = {0};
    json_object *srcs[2] = {dest, orig};
    for (int i = 0; i < 2; i++) {
        if (!srcs[i]) continue;
        json_object_object_foreach(srcs[i], k, v) {
            (void)v;
            if (!ks_strv_contains(&names, k)) ks_strv_push(&names, k);
        }
    }
    int rc = 0;
    for (size_t i = 0; i < names.n && !rc; i++) {
        const char *key = names.v[i];
        json_object *dv = NULL, *ov = NULL;
        bool dp = json_object_object_get_ex(dest, key, &dv);
        bool op = orig && json_object_object_get_ex(orig, key, &ov);
        res r;
        json_object *hold = dp ? json_object_get(dv) : NULL; /* keep alive while we replace */
        rc = walk(c, dp ? mk(dv) : NIL, op ? mk(ov) : NIL, child_info(si.obj, key), depth + 1, &r);
        if (!rc) field_set(dest, key, r);
        json_object_put(hold);
    }
    ks_strv_dispose(&names);
    if (rc) return rc;
    out->keep = true;
    out->v = dest;
    return 0;
}

static int walk_scalar(src d, src o, res *out)
{
    if (o.present) {
        out->keep = true;
        out->v = o.v;
    } else {
        out->keep = d.present;
        out->v = d.v;
    }
    return 0;
}

static int visit_list(src d, src o, bool assoc, res *out)
{
    out->keep = false;
    out->keep_null = false;
    out->v = NULL;
    if (!assoc) {
        if (o.present) {
            out->keep = true;
            out->v = o.v;
        } else {
            out->keep = d.present;
            out->v = d.v;
        }
        return 0;
    }
    if (missing_or_null(d)) {
        out->keep = o.present;
        out->v = o.v;
        return 0;
    }
    if (!o.present) {
        out->keep = true;
        out->v = d.v;
        return 0;
    }
    if (!o.v) return 0; /* explicit null clears */
    int ps;
    if (smp_directive(o, &ps)) return -1;
    if (ps == D_DELETE) return 0;
    out->keep = true;
    out->v = ps == D_REPLACE ? o.v : d.v;
    return 0;
}

/* ------------------------------------------------- sequences: kyaml helpers */

typedef struct vlist {
    char ***v; /* each a NULL-terminated-free array of nk strings */
    size_t n, cap, nk;
} vlist;

static void vlist_dispose(vlist *l)
{
    for (size_t i = 0; i < l->n; i++) {
        for (size_t k = 0; k < l->nk; k++) free(l->v[i][k]);
        free(l->v[i]);
    }
    free(l->v);
    memset(l, 0, sizeof *l);
}

static bool tuple_eq(char **a, char **b, size_t nk)
{
    for (size_t k = 0; k < nk; k++)
        if (strcmp(a[k], b[k]) != 0) return false;
    return true;
}

static void vlist_push_unique(vlist *l, char **t)
{
    for (size_t i = 0; i < l->n; i++) {
        if (tuple_eq(l->v[i], t, l->nk)) {
            for (size_t k = 0; k < l->nk; k++) free(t[k]);
            free(t);
            return;
        }
    }
    if (l->n == l->cap) {
        size_t nc = l->cap ? l->cap * 2 : 8;
        char ***nv = realloc(l->v, nc * sizeof *nv);
        if (!nv) return;
        l->v = nv;
        l->cap = nc;
    }
    l->v[l->n++] = t;
}

/* a field's text as kyaml's node.Value: "" when missing, null, or not a scalar */
static char *field_text(json_object *e, const char *key, bool *present)
{
    json_object *v = NULL;
    *present = false;
    if (!e || !json_object_is_type(e, json_type_object) || !json_object_object_get_ex(e, key, &v)) return strdup("");
    *present = true;
    if (!v) return strdup("null");
    if (!ks_is_scalar(v)) return strdup("");
    char *t = ks_json_text(v);
    return t ? t : strdup("");
}

/* ElementValuesList: IsNilOrEmpty fields count as "" */
static char *elem_value(json_object *e, const char *key)
{
    json_object *v = NULL;
    if (!e || !json_object_is_type(e, json_type_object) || !json_object_object_get_ex(e, key, &v) || !v)
        return strdup("");
    if (json_object_is_type(v, json_type_object) && json_object_object_length(v) == 0) return strdup("");
    if (json_object_is_type(v, json_type_array) && json_object_array_length(v) == 0) return strdup("");
    if (!ks_is_scalar(v)) return strdup("");
    char *t = ks_json_text(v);
    return t ? t : strdup("");
}

static char *scalar_text(json_object *e)
{
    if (!ks_is_scalar(e)) return strdup("");
    if (!e) return strdup("null");
    char *t = ks_json_text(e);
    return t ? t : strdup("");
}

/* FieldMatcher{Name, StringValue}: "" value means "field present" */
static bool fm_setter(json_object *e, const char *key, const char *v)
{
    if (!*key) {
        char *t = scalar_text(e);
        bool m = ks_is_scalar(e) && e && strcmp(t, v) == 0;
        free(t);
        return m;
    }
    if (!e || !json_object_is_type(e, json_type_object)) return false;
    bool present;
    char *t = field_text(e, key, &present);
    bool m = present && (!*v || strcmp(t, v) == 0);
    free(t);
    return m;
}

/* ElementSetter on list l: remove elements matching all given key/value
 * pairs (values may be fewer than keys), then append el (if any) when no
 * element matched, or put el where the matches were. */
static void element_setter(json_object *l, const char *const *keys, size_t nkeys, char **vals, size_t nvals,
                           json_object *el)
{
    bool mapping_setter = nkeys > 0 && keys[0][0] && nvals > 0 && vals[0][0];
    json_object *nc = json_object_new_array();
    bool found_any = false;
    size_t n = json_object_array_length(l);
    for (size_t i = 0; i < n; i++) {
        json_object *e = json_object_array_get_idx(l, i);
        if (!e || json_object_is_type(e, json_type_null) ||
            (json_object_is_type(e, json_type_object) && json_object_object_length(e) == 0))
            continue;
        if (!json_object_is_type(e, json_type_object) && mapping_setter) {
            json_object_array_add(nc, json_object_get(e));
            continue;
        }
        bool found = true;
        bool any_checked = false;
        for (size_t j = 0; j < nkeys; j++) {
            if (j < nvals) {
                any_checked = true;
                if (!fm_setter(e, keys[j], vals[j])) {
                    found = false;
                    break;
                }
            }
        }
        if (!any_checked) found = true;
        if (!found) {
            if (nvals > 0) json_object_array_add(nc, json_object_get(e));
            continue;
        }
        found_any = true;
        if (el) json_object_array_add(nc, json_object_get(el));
    }
    /* replace content */
    size_t old = json_object_array_length(l);
    if (old) json_object_array_del_idx(l, 0, old);
    size_t nn = json_object_array_length(nc);
    for (size_t i = 0; i < nn; i++) json_object_array_add(l, json_object_get(json_object_array_get_idx(nc, i)));
    json_object_put(nc);
    if (el && !found_any) json_object_array_add(l, json_object_get(el));
}

/* ElementMatcher{Keys, Values}: first map element whose keys have exactly
 * these texts; primitive lists (key "") compare the element's text */
static json_object *element_match(json_object *l, const char *const *keys, size_t nk, char **vals, bool *found)
{
    *found = false;
    if (!l || !json_object_is_type(l, json_type_array)) return NULL;
    size_t n = json_object_array_length(l);
    if (nk == 0 || !keys[0][0]) {
        for (size_t i = 0; i < n; i++) {
            json_object *e = json_object_array_get_idx(l, i);
            char *t = scalar_text(e);
            bool m = strcmp(t, vals[0]) == 0;
            free(t);
            if (m) {
                *found = true;
                return e;
            }
        }
        return NULL;
    }
    for (size_t i = 0; i < n; i++) {
        json_object *e = json_object_array_get_idx(l, i);
        if (!e || !json_object_is_type(e, json_type_object)) continue;
        bool m = true;
        for (size_t k = 0; k < nk && m; k++) {
            bool present;
            char *t = field_text(e, keys[k], &present);
            if (!present || strcmp(t, vals[k]) != 0) m = false;
            free(t);
        }
        if (m) {
            *found = true;
            return e;
        }
    }
    return NULL;
}

/* validateKeys(valuesList, values, keys) */
static void validate_keys(const vlist *all, char **values, const char *const *keys, size_t nk, const char **vkeys,
                          char **vvals, size_t *nv)
{
    bool valid[8] = {false};
    bool any = false;
    for (size_t i = 0; i < all->n; i++)
        for (size_t k = 0; k < nk; k++)
            if (all->v[i][k][0]) valid[k] = any = true;
    *nv = 0;
    if (!any) {
        for (size_t k = 0; k < nk; k++) {
            vkeys[k] = keys[k];
            vvals[k] = values[k];
        }
        *nv = nk;
        return;
    }
    size_t c = 0;
    for (size_t k = 0; k < nk; k++)
        if (valid[k]) vkeys[c++] = keys[k];
    size_t vc = 0;
    for (size_t k = 0; k < nk; k++)
        if (values[k][0] || valid[k]) vvals[vc++] = values[k];
    *nv = c < vc ? c : vc;
    (void)vc;
}

/* match(values1, values2): a common element, others equal or one empty */
static bool values_match(char **a, char **b, size_t nk, char **merged)
{
    bool common = false;
    for (size_t i = 0; i < nk; i++) {
        if (!strcmp(a[i], b[i])) {
            common = true;
            merged[i] = a[i];
            continue;
        }
        if (a[i][0] && b[i][0]) return false;
        merged[i] = a[i][0] ? a[i] : b[i];
    }
    return common;
}

static void merge_values(vlist *l)
{
    size_t nk = l->nk;
    for (size_t i = 0; i < l->n; i++) {
        for (size_t j = 0; j < l->n; j++) {
            char *mv[8];
            if (values_match(l->v[i], l->v[j], nk, mv)) {
                char *copy[8];
                for (size_t k = 0; k < nk; k++) copy[k] = strdup(mv[k]);
                for (size_t k = 0; k < nk; k++) {
                    free(l->v[i][k]);
                    l->v[i][k] = strdup(copy[k]);
                    if (j != i) {
                        free(l->v[j][k]);
                        l->v[j][k] = strdup(copy[k]);
                    }
                    free(copy[k]);
                }
            }
        }
    }
}

/* appendListNode(dst, src, keys) */
static void append_list_node(json_object *dst, json_object *srcl, const char *const *keys, size_t nk)
{
    size_t n = json_object_array_length(srcl);
    json_object **elems = n ? calloc(n, sizeof *elems) : NULL;
    for (size_t i = 0; i < n; i++) elems[i] = json_object_get(json_object_array_get_idx(srcl, i));
    for (size_t i = 0; i < n; i++) {
        json_object *e = elems[i];
        if (nk == 0 || !keys[0][0]) {
            char *t = scalar_text(e);
            const char *k0[1] = {""};
            element_setter(dst, k0, 1, &t, 1, e);
            free(t);
            continue;
        }
        char *v[8];
        size_t nv = 0;
        for (size_t k = 0; k < nk; k++) {
            json_object *fv = NULL;
            if (!e || !json_object_is_type(e, json_type_object) || !json_object_object_get_ex(e, keys[k], &fv)) {
                /* no key found: append directly */
                json_object_array_add(dst, json_object_get(e));
                continue;
            }
            v[nv++] = fv ? (ks_is_scalar(fv) ? ks_json_text(fv) : strdup("")) : strdup("null");
        }
        if (nk > 1) element_setter(dst, keys, nk, v, nv, NULL);
        element_setter(dst, keys, nk, v, nv, e);
        for (size_t k = 0; k < nv; k++) free(v[k]);
    }
    for (size_t i = 0; i < n; i++) json_object_put(elems[i]);
    free(elems);
}

static int set_assoc_elements(wctx *c, src o, vlist *values, const char *const *keys, size_t nk, sinfo si,
                              json_object *dest, unsigned depth, res *out)
{
    json_object *items = json_object_new_array();
    sinfo esi = {0};
    esi.obj = si.elem;
    if (nk > 1) merge_values(values);
    const char *vkeys[8] = {0};
    char *vvals[8] = {0};
    size_t nv = 0;
    bool have_last = false;
    int rc = 0;
    for (size_t vi = 0; vi < values->n && !rc; vi++) {
        char **value = values->v[vi];
        validate_keys(values, value, keys, nk, vkeys, vvals, &nv);
        have_last = true;
        /* elementValueList: validateKeys on this value alone */
        vlist one = {0};
        one.nk = nk;
        char **copy = calloc(nk, sizeof *copy);
        for (size_t k = 0; k < nk; k++) copy[k] = strdup(value[k]);
        vlist_push_unique(&one, copy);
        const char *ekeys[8];
        char *evals[8];
        size_t env = 0;
        validate_keys(&one, value, keys, nk, ekeys, evals, &env);
        bool fd = false, fo = false;
        json_object *de = element_match(dest, ekeys, env, evals, &fd);
        json_object *oe = o.present ? element_match(o.v, ekeys, env, evals, &fo) : NULL;
        vlist_dispose(&one);
        res r;
        json_object *hd = fd ? json_object_get(de) : NULL, *ho = fo ? json_object_get(oe) : NULL;
        rc = walk(c, fd ? mk(de) : NIL, fo ? mk(oe) : NIL, esi, depth + 1, &r);
        if (rc) {
            json_object_put(hd);
            json_object_put(ho);
            break;
        }
        json_object *val = r.keep ? r.v : NULL;
        bool isnull = !r.keep || !val || json_object_is_type(val, json_type_null) ||
                      (json_object_is_type(val, json_type_object) && json_object_object_length(val) == 0);
        bool exit_now = false;
        for (size_t k = 0; k < nv; k++) {
            if (isnull) {
                element_setter(dest, vkeys, nv, vvals, nv, NULL);
                exit_now = true;
            } else if (vkeys[k][0] && json_object_is_type(val, json_type_object) &&
                       !json_object_object_get_ex(val, vkeys[k], NULL) && vvals[k][0]) {
                json_object_object_add(val, vkeys[k], ks_yaml_resolve_plain(vvals[k], strlen(vvals[k])));
            }
        }
        if (!exit_now && !isnull) element_setter(items, vkeys, nv, vvals, nv, val);
        json_object_put(hd);
        json_object_put(ho);
    }
    if (!rc && values->n > 0 && have_last) append_list_node(items, dest, vkeys, nv);
    if (rc) {
        json_object_put(items);
        return rc;
    }
    out->keep = true;
    if (values->n > 0) {
        json_object_array_add(c->pool, items); /* the pool owns it */
        out->v = items;
    } else {
        json_object_put(items);
        out->v = dest;
    }
    return 0;
}

static int walk_assoc(wctx *c, src d, src o, sinfo si, unsigned depth, res *out)
{
    res vr;
    if (visit_list(d, o, true, &vr)) return -1;
    if (!vr.keep || !vr.v || !json_object_is_type(vr.v, json_type_array)) {
        *out = vr;
        return 0;
    }
    json_object *dest = vr.v;
    size_t nk = 0;
    while (si.keys && si.keys[nk]) nk++;
    if (nk > 7) nk = 7;
    vlist values = {0};
    const char *prim_key[2] = {"", NULL};
    const char *const *keys = si.keys;
    bool primitive = nk == 0;
    if (!primitive) {
        values.nk = nk;
        json_object *order[2] = {o.present ? o.v : NULL, dest};
        for (int s = 0; s < 2; s++) {
            json_object *l = order[s];
            size_t n = l && json_object_is_type(l, json_type_array) ? json_object_array_length(l) : 0;
            for (size_t i = 0; i < n; i++) {
                json_object *e = json_object_array_get_idx(l, i);
                char **t = calloc(nk, sizeof *t);
                for (size_t k = 0; k < nk; k++) t[k] = elem_value(e, keys[k]);
                vlist_push_unique(&values, t);
            }
        }
    } else {
        values.nk = 1;
        keys = prim_key;
        nk = 1;
        json_object *order[2] = {o.present ? o.v : NULL, dest};
        for (int s = 0; s < 2; s++) {
            json_object *l = order[s];
            size_t n = l && json_object_is_type(l, json_type_array) ? json_object_array_length(l) : 0;
            for (size_t i = 0; i < n; i++) {
                char **t = calloc(1, sizeof *t);
                t[0] = scalar_text(json_object_array_get_idx(l, i));
                vlist_push_unique(&values, t);
            }
        }
    }
    int rc = set_assoc_elements(c, o, &values, keys, nk, si, dest, depth, out);
    vlist_dispose(&values);
    return rc;
}

static int walk(wctx *c, src d, src o, sinfo si, unsigned depth, res *out)
{
    out->keep = false;
    out->keep_null = false;
    out->v = NULL;
    if (depth > MAX_DEPTH) return fc_err_set(FC_ETOOBIG, "patch nested too deeply");
    int k = K_NONE;
    if (!missing_or_null(d)) k = kind_of(d.v);
    else if (!missing_or_null(o)) k = kind_of(o.v);
    switch (k) {
    case K_MAP:
        if (check_kinds(K_MAP, d, o)) return -1;
        return walk_map(c, d, o, si, depth, out);
    case K_SEQ:
        if (check_kinds(K_SEQ, d, o)) return -1;
        if (!si.list_merge) return visit_list(d, o, false, out);
        return walk_assoc(c, d, o, si, depth, out);
    case K_SCALAR:
        if (check_kinds(K_SCALAR, d, o)) return -1;
        return walk_scalar(d, o, out);
    default:
        return walk_map(c, d, o, si, depth, out);
    }
}

int ks_smp_apply(json_object **target, json_object *patch, const ks_stype *schema)
{
    wctx c;
    c.pool = json_object_new_array();
    json_object *t = fc_json_copy(*target), *p = fc_json_copy(patch);
    sinfo si = {0};
    si.obj = schema;
    res r;
    int rc = walk(&c, mk(t), mk(p), si, 0, &r);
    json_object *result = NULL;
    if (!rc && r.keep && r.v && json_object_is_type(r.v, json_type_object) && json_object_object_length(r.v) > 0)
        result = json_object_get(r.v);
    json_object_put(t);
    json_object_put(p);
    json_object_put(c.pool);
    if (rc) return rc;
    json_object_put(*target);
    /* detach from anything shared with the patch copy */
    *target = result ? fc_json_copy(result) : NULL;
    json_object_put(result);
    ks_json_compact_deep(*target, 0);
    return 0;
}
