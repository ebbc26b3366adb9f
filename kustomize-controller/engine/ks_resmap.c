/*
 * ks_resmap.c: resources, their ids and the ordered resource list
 * (kustomize's Resource and ResMap).
 *
 * kustomize tracks a resource's earlier names, namespaces and kinds, and the
 * name prefixes/suffixes applied to it, in "internal.config.kubernetes.io"
 * annotations; we keep them in ks_res fields instead (cheaper than parsing
 * CSV annotations on every lookup) and only reproduce the visible effect of
 * kustomize's annotation writes: ks_res_stringify_meta_map turns the values
 * of a metadata map into strings and drops the map when it is empty, as
 * kyaml's SetAnnotations/SetLabels do.
 *
 * Ids compare the way kustomize's ResId.Equals does: same group, version,
 * kind and name, and the same *effective* namespace ("" counts as
 * "default"; cluster-scoped kinds have no namespace at all).
 */
#include "ks_internal.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NON_NAMESPACEABLE "_non_namespaceable_"

ks_res *ks_res_new(json_object *obj)
{
    ks_res *r = calloc(1, sizeof *r);
    if (!r) {
        json_object_put(obj);
        return NULL;
    }
    r->obj = obj;
    return r;
}

void ks_res_free(ks_res *r)
{
    if (!r) return;
    json_object_put(r->obj);
    for (size_t i = 0; i < r->nprev; i++) {
        free(r->prev[i].ns);
        free(r->prev[i].name);
        free(r->prev[i].kind);
    }
    free(r->prev);
    ks_strv_dispose(&r->prefixes);
    ks_strv_dispose(&r->suffixes);
    ks_strv_dispose(&r->refvars);
    free(r->source);
    free(r);
}

static int copy_strv(ks_strv *dst, const ks_strv *src)
{
    for (size_t i = 0; i < src->n; i++)
        if (ks_strv_push(dst, src->v[i])) return -1;
    return 0;
}

ks_res *ks_res_copy(const ks_res *r)
{
    ks_res *c = ks_res_new(fc_json_copy(r->obj));
    if (!c) return NULL;
    for (size_t i = 0; i < r->nprev; i++) {
        if (c->nprev == c->prevcap) {
            size_t nc = c->prevcap ? c->prevcap * 2 : 4;
            ks_prev *np = realloc(c->prev, nc * sizeof *np);
            if (!np) goto fail;
            c->prev = np;
            c->prevcap = nc;
        }
        c->prev[c->nprev].ns = ks_strdup(r->prev[i].ns);
        c->prev[c->nprev].name = ks_strdup(r->prev[i].name);
        c->prev[c->nprev].kind = ks_strdup(r->prev[i].kind);
        c->nprev++;
    }
    if (copy_strv(&c->prefixes, &r->prefixes) || copy_strv(&c->suffixes, &r->suffixes) ||
        copy_strv(&c->refvars, &r->refvars))
        goto fail;
    c->generated = r->generated;
    c->behavior = r->behavior;
    c->hash = r->hash;
    c->source = r->source ? ks_strdup(r->source) : NULL;
    return c;
fail:
    ks_res_free(c);
    return NULL;
}

static const char *str_or_empty(json_object *o)
{
    return o && json_object_is_type(o, json_type_string) ? json_object_get_string(o) : "";
}

json_object *ks_res_meta(const ks_res *r, bool create)
{
    json_object *m = ks_obj_get(r->obj, "metadata");
    if (ks_is_map(m) || !create) return ks_is_map(m) ? m : NULL;
    m = json_object_new_object();
    json_object_object_add(r->obj, "metadata", m);
    return m;
}

/* kyaml reads scalars as their text: a name of 123 is "123" */
static const char *meta_text(const ks_res *r, const char *key)
{
    json_object *v = ks_obj_get(ks_res_meta(r, false), key);
    return str_or_empty(v);
}

const char *ks_res_kind(const ks_res *r)
{
    return str_or_empty(ks_obj_get(r->obj, "kind"));
}

const char *ks_res_apiversion(const ks_res *r)
{
    return str_or_empty(ks_obj_get(r->obj, "apiVersion"));
}

const char *ks_res_name(const ks_res *r)
{
    return meta_text(r, "name");
}

const char *ks_res_ns(const ks_res *r)
{
    return meta_text(r, "namespace");
}

int ks_res_set_name(ks_res *r, const char *name)
{
    json_object *m = ks_res_meta(r, true);
    json_object_object_add(m, "name", json_object_new_string(name ? name : ""));
    return 0;
}

int ks_res_set_ns(ks_res *r, const char *ns)
{
    json_object *m = ks_res_meta(r, true);
    if (!ns || !*ns) json_object_object_del(m, "namespace");
    else json_object_object_add(m, "namespace", json_object_new_string(ns));
    return 0;
}

int ks_res_set_kind(ks_res *r, const char *kind)
{
    json_object_object_add(r->obj, "kind", json_object_new_string(kind ? kind : ""));
    return 0;
}

void ks_res_stringify_meta_map(ks_res *r, const char *field)
{
    json_object *m = ks_res_meta(r, false);
    json_object *map = ks_obj_get(m, field);
    if (!m || !json_object_object_get_ex(m, field, NULL)) return;
    if (!ks_is_map(map) || json_object_object_length(map) == 0) {
        json_object_object_del(m, field);
        return;
    }
    json_object_object_foreach(map, k, v) {
        if (v && json_object_is_type(v, json_type_string)) continue;
        char *t = ks_is_scalar(v) ? ks_json_text(v) : NULL;
        json_object_object_add(map, k, json_object_new_string(t ? t : ""));
        free(t);
    }
}

/* ------------------------------------------------------------------- ids */

void ks_id_dispose(ks_id *id)
{
    free(id->group);
    free(id->version);
    free(id->kind);
    free(id->name);
    free(id->ns);
    memset(id, 0, sizeof *id);
}

static int id_fill(const ks_res *r, const char *kind, const char *name, const char *ns, ks_id *id)
{
    memset(id, 0, sizeof *id);
    ks_split_apiversion(ks_res_apiversion(r), &id->group, &id->version);
    id->kind = ks_strdup(kind);
    id->name = ks_strdup(name);
    id->ns = ks_strdup(ns);
    if (!id->group || !id->version || !id->kind || !id->name || !id->ns) {
        ks_id_dispose(id);
        return fc_err_set(FC_ENOMEM, "out of memory");
    }
    return 0;
}

int ks_res_curid(const ks_res *r, ks_id *id)
{
    return id_fill(r, ks_res_kind(r), ks_res_name(r), ks_res_ns(r), id);
}

int ks_res_previd(const ks_res *r, size_t i, ks_id *id)
{
    return id_fill(r, r->prev[i].kind, r->prev[i].name, r->prev[i].ns, id);
}

int ks_res_orgid(const ks_res *r, ks_id *id)
{
    if (r->nprev) return ks_res_previd(r, 0, id);
    return ks_res_curid(r, id);
}

bool ks_id_cluster_scoped(const ks_id *id)
{
    return ks_gvk_cluster_scoped(id->group, id->version, id->kind);
}

const char *ks_id_effective_ns(const ks_id *id)
{
    if (ks_id_cluster_scoped(id)) return NON_NAMESPACEABLE;
    if (!id->ns || !*id->ns) return "default";
    return id->ns;
}

bool ks_id_gvk_equals(const ks_id *a, const ks_id *b)
{
    return ks_str_eq(a->group, b->group) && ks_str_eq(a->version, b->version) && ks_str_eq(a->kind, b->kind);
}

bool ks_id_equals(const ks_id *a, const ks_id *b)
{
    return ks_id_gvk_equals(a, b) && ks_str_eq(a->name, b->name) &&
           strcmp(ks_id_effective_ns(a), ks_id_effective_ns(b)) == 0;
}

bool ks_id_selected_by(const ks_id *id, const ks_id *sel)
{
    if (sel->name && *sel->name && !ks_str_eq(sel->name, id->name)) return false;
    if (sel->ns && *sel->ns && strcmp(ks_id_effective_ns(sel), ks_id_effective_ns(id)) != 0) return false;
    return ks_gvk_selected(id->group, id->version, id->kind, sel->group, sel->version, sel->kind);
}

char *ks_id_string(const ks_id *id)
{
    fc_buf b;
    fc_buf_init(&b, 0);
    fc_buf_printf(&b, "%s_%s_%s|%s|%s", id->group && *id->group ? id->group : "~G",
                  id->version && *id->version ? id->version : "~V", id->kind && *id->kind ? id->kind : "~K",
                  id->ns && *id->ns ? id->ns : "~X", id->name && *id->name ? id->name : "~N");
    return fc_buf_detach(&b, NULL);
}

static int key_put(fc_buf *b, const char *av, const char *kind, const char *name, const char *ns)
{
    av = av ? av : "";
    kind = kind ? kind : "";
    const char *slash = strchr(av, '/');
    fc_buf_reset(b);
    if (slash) {
        fc_buf_put(b, av, (size_t)(slash - av));
        fc_buf_putc(b, '\x1f');
        fc_buf_puts(b, slash + 1);
    } else {
        fc_buf_putc(b, '\x1f');
        fc_buf_puts(b, av);
    }
    fc_buf_putc(b, '\x1f');
    fc_buf_puts(b, kind);
    fc_buf_putc(b, '\x1f');
    fc_buf_puts(b, name ? name : "");
    fc_buf_putc(b, '\x1f');
    if (ks_av_cluster_scoped(av, kind)) ns = NON_NAMESPACEABLE;
    else if (!ns || !*ns) ns = "default";
    if (fc_buf_puts(b, ns)) return fc_err_set(FC_ENOMEM, "out of memory");
    return 0;
}

int ks_res_idkey(const ks_res *r, size_t which, fc_buf *b)
{
    if (which < r->nprev)
        return key_put(b, ks_res_apiversion(r), r->prev[which].kind, r->prev[which].name, r->prev[which].ns);
    return key_put(b, ks_res_apiversion(r), ks_res_kind(r), ks_res_name(r), ks_res_ns(r));
}

/* id i of r (i == nprev: the current one) equals id; the name is compared
 * first as it tells most ids apart */
static bool id_equal_at(const ks_res *r, size_t i, const ks_id *id, const char *id_effns)
{
    const char *kind, *ns;
    if (i < r->nprev) {
        if (!ks_str_eq(r->prev[i].name, id->name)) return false;
        kind = r->prev[i].kind;
        ns = r->prev[i].ns;
    } else {
        if (!ks_str_eq(ks_res_name(r), id->name)) return false;
        kind = ks_res_kind(r);
        ns = ks_res_ns(r);
    }
    if (!ks_str_eq(kind, id->kind)) return false;
    const char *av = ks_res_apiversion(r), *slash = strchr(av, '/');
    const char *g = id->group ? id->group : "", *v = id->version ? id->version : "";
    if (slash) {
        size_t gl = (size_t)(slash - av);
        if (strlen(g) != gl || strncmp(av, g, gl) != 0 || strcmp(slash + 1, v) != 0) return false;
    } else if (*g || strcmp(av, v) != 0) {
        return false;
    }
    if (ks_av_cluster_scoped(av, kind)) ns = NON_NAMESPACEABLE;
    else if (!ns || !*ns) ns = "default";
    return strcmp(ns, id_effns) == 0;
}

static bool any_id_equals(const ks_res *r, const ks_id *id, const char *effns)
{
    for (size_t i = 0; i <= r->nprev; i++)
        if (id_equal_at(r, i, id, effns)) return true;
    return false;
}

bool ks_res_any_id_equals(const ks_res *r, const ks_id *id)
{
    return any_id_equals(r, id, ks_id_effective_ns(id));
}

int ks_res_store_prev(ks_res *r)
{
    ks_id id;
    if (ks_res_curid(r, &id)) return -1;
    if (r->nprev == r->prevcap) {
        size_t nc = r->prevcap ? r->prevcap * 2 : 4;
        ks_prev *np = realloc(r->prev, nc * sizeof *np);
        if (!np) {
            ks_id_dispose(&id);
            return fc_err_set(FC_ENOMEM, "out of memory");
        }
        r->prev = np;
        r->prevcap = nc;
    }
    r->prev[r->nprev].ns = ks_strdup(ks_id_effective_ns(&id));
    r->prev[r->nprev].name = id.name;
    r->prev[r->nprev].kind = id.kind;
    id.name = id.kind = NULL;
    r->nprev++;
    ks_id_dispose(&id);
    return 0;
}

int ks_res_add_prefix(ks_res *r, const char *p)
{
    return p && *p ? ks_strv_push(&r->prefixes, p) : 0;
}

int ks_res_add_suffix(ks_res *r, const char *s)
{
    return s && *s ? ks_strv_push(&r->suffixes, s) : 0;
}

/* kustomize's SameEndingSubarray */
static bool same_ending(const ks_strv *a, const ks_strv *b)
{
    const ks_strv *shortest = a, *longest = b;
    if (shortest->n > longest->n) {
        shortest = b;
        longest = a;
    }
    size_t diff = longest->n - shortest->n;
    if (shortest->n == 0) return diff == 0;
    for (size_t i = shortest->n; i-- > 0;)
        if (strcmp(longest->v[i + diff], shortest->v[i]) != 0) return false;
    return true;
}

bool ks_res_prefix_suffix_equals(const ks_res *a, const ks_res *b)
{
    return same_ending(&a->prefixes, &b->prefixes) && same_ending(&a->suffixes, &b->suffixes);
}

/* ---------------------------------------------------------------- resmap */

void ks_resmap_init(ks_resmap *m)
{
    memset(m, 0, sizeof *m);
}

void ks_resmap_dispose(ks_resmap *m)
{
    for (size_t i = 0; i < m->n; i++) ks_res_free(m->v[i]);
    free(m->v);
    memset(m, 0, sizeof *m);
}

void ks_resmap_clear(ks_resmap *m)
{
    m->n = 0;
}

int ks_resmap_push(ks_resmap *m, ks_res *r)
{
    if (m->n == m->cap) {
        size_t nc = m->cap ? m->cap * 2 : 16;
        ks_res **nv = realloc(m->v, nc * sizeof *nv);
        if (!nv) {
            ks_res_free(r);
            return fc_err_set(FC_ENOMEM, "out of memory");
        }
        m->v = nv;
        m->cap = nc;
    }
    m->v[m->n++] = r;
    return 0;
}

static int dup_id_error(const ks_res *r, const ks_id *id)
{
    char *s = ks_id_string(id);
    int rc = fc_err_set(FC_EINVAL, "may not add resource with an already registered id: %s%s%s%s", s ? s : "?",
                        r->source ? " (from " : "", r->source ? r->source : "", r->source ? ")" : "");
    free(s);
    return rc;
}

int ks_resmap_append(ks_resmap *m, ks_res *r)
{
    ks_resmap one = {&r, 1, 1};
    return ks_resmap_append_all(m, &one);
}

int ks_resmap_append_all(ks_resmap *dst, ks_resmap *src)
{
    int rc = 0;
    size_t i = 0;
    ks_sset seen = {0};
    fc_buf k;
    fc_buf_init(&k, 0);
    for (size_t j = 0; j < dst->n && !rc; j++) {
        rc = ks_res_idkey(dst->v[j], dst->v[j]->nprev, &k);
        if (!rc && ks_sset_add(&seen, k.ptr) < 0) rc = fc_err_set(FC_ENOMEM, "out of memory");
    }
    for (; i < src->n && !rc; i++) {
        ks_res *r = src->v[i];
        src->v[i] = NULL;
        int added = 0;
        rc = ks_res_idkey(r, r->nprev, &k);
        if (!rc && (added = ks_sset_add(&seen, k.ptr)) < 0) rc = fc_err_set(FC_ENOMEM, "out of memory");
        if (!rc && added == 0) {
            ks_id id;
            rc = ks_res_curid(r, &id) ? -1 : dup_id_error(r, &id);
            if (id.kind) ks_id_dispose(&id);
        }
        if (!rc) rc = ks_resmap_push(dst, r);
        else ks_res_free(r);
    }
    for (; i < src->n; i++) ks_res_free(src->v[i]);
    src->n = 0;
    ks_sset_dispose(&seen);
    fc_buf_dispose(&k);
    return rc;
}

int ks_resmap_index_of(const ks_resmap *m, const ks_res *r)
{
    for (size_t i = 0; i < m->n; i++)
        if (m->v[i] == r) return (int)i;
    return -1;
}

void ks_resmap_remove_at(ks_resmap *m, size_t i)
{
    if (i >= m->n) return;
    ks_res_free(m->v[i]);
    memmove(m->v + i, m->v + i + 1, (m->n - i - 1) * sizeof *m->v);
    m->n--;
}

int ks_resmap_get_by_id(ks_resmap *m, const ks_id *id, ks_res **out)
{
    ks_res *found = NULL;
    size_t count = 0;
    const char *effns = ks_id_effective_ns(id);
    *out = NULL;
    for (size_t i = 0; i < m->n; i++) {
        if (any_id_equals(m->v[i], id, effns)) {
            found = m->v[i];
            count++;
        }
    }
    if (count == 1) {
        *out = found;
        return 0;
    }
    char *s = ks_id_string(id);
    int rc = fc_err_set(FC_ENOTFOUND, "%s for Id %s; failed to find unique target for patch %s",
                        count ? "multiple matches" : "no matches", s ? s : "?", s ? s : "?");
    free(s);
    return rc;
}

/* string map merge: values of b override a (both may be NULL) */
static json_object *merge_string_maps(json_object *a, json_object *b)
{
    json_object *r = json_object_new_object();
    json_object *src[2] = {a, b};
    for (int i = 0; i < 2; i++) {
        if (!ks_is_map(src[i])) continue;
        json_object_object_foreach(src[i], k, v) {
            char *t = ks_is_scalar(v) ? ks_json_text(v) : NULL;
            json_object_object_add(r, k, json_object_new_string(t ? t : ""));
            free(t);
        }
    }
    return r;
}

static void set_meta_map(ks_res *r, const char *field, json_object *map)
{
    json_object *m = ks_res_meta(r, true);
    if (json_object_object_length(map) == 0) {
        json_object_put(map);
        json_object_object_del(m, field);
        return;
    }
    json_object_object_add(m, field, map);
}

static void set_data_map(ks_res *r, const char *field, json_object *map)
{
    if (json_object_object_length(map) == 0) {
        json_object_put(map);
        json_object_object_del(r->obj, field);
        return;
    }
    json_object_object_add(r->obj, field, map);
}

/* kustomize's CopyMergeMetaDataFieldsFrom(old): labels and annotations
 * merged (r wins), name, namespace and build metadata taken from old; r
 * keeps its own generator options (hash, behavior). */
static int copy_merge_meta(ks_res *r, const ks_res *old)
{
    json_object *rm = ks_res_meta(r, false), *om = ks_res_meta(old, false);
    set_meta_map(r, "labels", merge_string_maps(ks_obj_get(om, "labels"), ks_obj_get(rm, "labels")));
    rm = ks_res_meta(r, false);
    set_meta_map(r, "annotations", merge_string_maps(ks_obj_get(om, "annotations"), ks_obj_get(rm, "annotations")));
    ks_res_set_name(r, ks_res_name(old));
    ks_res_set_ns(r, ks_res_ns(old));
    /* build annotations come along with old's annotations */
    ks_res *tmp = ks_res_copy(old);
    if (!tmp) return fc_err_set(FC_ENOMEM, "out of memory");
    for (size_t i = 0; i < r->nprev; i++) {
        free(r->prev[i].ns);
        free(r->prev[i].name);
        free(r->prev[i].kind);
    }
    free(r->prev);
    ks_strv_dispose(&r->prefixes);
    ks_strv_dispose(&r->suffixes);
    ks_strv_dispose(&r->refvars);
    r->prev = tmp->prev;
    r->nprev = tmp->nprev;
    r->prevcap = tmp->prevcap;
    r->prefixes = tmp->prefixes;
    r->suffixes = tmp->suffixes;
    r->refvars = tmp->refvars;
    tmp->prev = NULL;
    tmp->nprev = tmp->prevcap = 0;
    memset(&tmp->prefixes, 0, sizeof tmp->prefixes);
    memset(&tmp->suffixes, 0, sizeof tmp->suffixes);
    memset(&tmp->refvars, 0, sizeof tmp->refvars);
    ks_res_free(tmp);
    return 0;
}

static int absorb_one(ks_resmap *m, ks_res *r)
{
    ks_id id;
    if (ks_res_curid(r, &id)) {
        ks_res_free(r);
        return -1;
    }
    ks_res *old = NULL;
    size_t count = 0, idx = 0;
    const char *effns = ks_id_effective_ns(&id);
    for (size_t i = 0; i < m->n; i++) {
        if (any_id_equals(m->v[i], &id, effns)) {
            old = m->v[i];
            idx = i;
            count++;
        }
    }
    char *ids = ks_id_string(&id);
    ks_id_dispose(&id);
    int rc = 0;
    if (count == 0) {
        if (r->behavior == KS_BEHAVIOR_MERGE || r->behavior == KS_BEHAVIOR_REPLACE) {
            rc = fc_err_set(FC_ENOTFOUND, "id %s does not exist; cannot merge or replace", ids ? ids : "?");
            ks_res_free(r);
        } else {
            /* no id of any resource equals r's: no current one either */
            rc = ks_resmap_push(m, r);
        }
    } else if (count > 1) {
        rc = fc_err_set(FC_EINVAL, "found multiple objects that could accept merge of %s", ids ? ids : "?");
        ks_res_free(r);
    } else if (r->behavior == KS_BEHAVIOR_REPLACE || r->behavior == KS_BEHAVIOR_MERGE) {
        bool merge = r->behavior == KS_BEHAVIOR_MERGE;
        rc = copy_merge_meta(r, old);
        if (!rc && merge) {
            /* kyaml SetDataMap/SetBinaryDataMap: clear, then set when non-empty */
            json_object *md = merge_string_maps(ks_obj_get(old->obj, "data"), ks_obj_get(r->obj, "data"));
            json_object *mb = merge_string_maps(ks_obj_get(old->obj, "binaryData"), ks_obj_get(r->obj, "binaryData"));
            set_data_map(r, "data", md);
            set_data_map(r, "binaryData", mb);
        }
        if (rc) {
            ks_res_free(r);
        } else {
            ks_res_free(m->v[idx]);
            m->v[idx] = r;
        }
    } else {
        rc = fc_err_set(FC_EEXISTS, "id %s exists; behavior must be merge or replace", ids ? ids : "?");
        ks_res_free(r);
    }
    free(ids);
    return rc;
}

int ks_resmap_absorb_all(ks_resmap *dst, ks_resmap *src)
{
    int rc = 0;
    size_t i = 0;
    for (; i < src->n && !rc; i++) {
        rc = absorb_one(dst, src->v[i]);
        src->v[i] = NULL;
    }
    for (; i < src->n; i++) ks_res_free(src->v[i]);
    src->n = 0;
    return rc;
}
