/*
 * ks_config.c: transformer configuration (kustomize's TransformerConfig):
 * lists of field specs per transformer plus the name-reference table.
 *
 * Merging follows kustomize exactly because the merge also deduplicates: a
 * spec is dropped when an existing one is "effectively equal" (same path and
 * the existing spec's GVK is selected by the newcomer's), and two such specs
 * that disagree on `create` are an error. Since every kustomization merges
 * the defaults into an empty configuration, the defaults themselves are
 * deduplicated by this rule, and so are user `configurations:` files.
 */
#include "ks_internal.h"
#include <stdlib.h>
#include <string.h>

static void fs_dispose(ks_fieldspec *f)
{
    free(f->group);
    free(f->version);
    free(f->kind);
    free(f->path);
}

void ks_fsslice_dispose(ks_fsslice *s)
{
    for (size_t i = 0; i < s->n; i++) fs_dispose(&s->v[i]);
    free(s->v);
    memset(s, 0, sizeof *s);
}

static int fs_push(ks_fsslice *s, const ks_fieldspec *f)
{
    if (s->n == s->cap) {
        size_t nc = s->cap ? s->cap * 2 : 8;
        ks_fieldspec *nv = realloc(s->v, nc * sizeof *nv);
        if (!nv) return fc_err_set(FC_ENOMEM, "out of memory");
        s->v = nv;
        s->cap = nc;
    }
    ks_fieldspec *d = &s->v[s->n];
    d->group = ks_strdup(f->group);
    d->version = ks_strdup(f->version);
    d->kind = ks_strdup(f->kind);
    d->path = ks_strdup(f->path);
    d->create = f->create;
    if (!d->group || !d->version || !d->kind || !d->path) {
        fs_dispose(d);
        return fc_err_set(FC_ENOMEM, "out of memory");
    }
    s->n++;
    return 0;
}

/* FieldSpec.effectivelyEquals: a's GVK selected by b's, same path */
static bool effectively_equals(const ks_fieldspec *a, const ks_fieldspec *b)
{
    return ks_gvk_selected(a->group, a->version, a->kind, b->group, b->version, b->kind) &&
           ks_str_eq(a->path, b->path);
}

int ks_fsslice_merge_one(ks_fsslice *s, const ks_fieldspec *f)
{
    for (size_t i = 0; i < s->n; i++) {
        if (effectively_equals(&s->v[i], f)) {
            if (s->v[i].create != f->create)
                return fc_err_set(FC_EINVAL, "conflicting fieldspecs for path '%s'", f->path);
            return 0;
        }
    }
    return fs_push(s, f);
}

int ks_fsslice_merge_all(ks_fsslice *dst, const ks_fsslice *src)
{
    for (size_t i = 0; i < src->n; i++)
        if (ks_fsslice_merge_one(dst, &src->v[i])) return -1;
    return 0;
}

int ks_fsslice_from_json(json_object *arr, ks_fsslice *out)
{
    memset(out, 0, sizeof *out);
    size_t n = ks_is_seq(arr) ? json_object_array_length(arr) : 0;
    for (size_t i = 0; i < n; i++) {
        json_object *e = json_object_array_get_idx(arr, i);
        ks_fieldspec f = {(char *)ks_obj_str(e, "group"), (char *)ks_obj_str(e, "version"),
                          (char *)ks_obj_str(e, "kind"), (char *)ks_obj_str(e, "path"), false};
        json_object *c = ks_obj_get(e, "create");
        f.create = c && json_object_get_boolean(c);
        if (fs_push(out, &f)) {
            ks_fsslice_dispose(out);
            return -1;
        }
    }
    return 0;
}

ks_tconfig *ks_tconfig_new(void)
{
    return calloc(1, sizeof(ks_tconfig));
}

static void nameref_dispose(ks_nameref *r)
{
    free(r->group);
    free(r->version);
    free(r->kind);
    ks_fsslice_dispose(&r->referrers);
}

void ks_tconfig_free(ks_tconfig *t)
{
    if (!t) return;
    ks_fsslice *all[] = {&t->name_prefix,   &t->name_suffix,   &t->common_labels, &t->template_labels,
                         &t->common_annotations, &t->namespace_, &t->var_reference, &t->images, &t->replicas};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) ks_fsslice_dispose(all[i]);
    for (size_t i = 0; i < t->nnameref; i++) nameref_dispose(&t->nameref[i]);
    free(t->nameref);
    free(t);
}

static int nameref_merge_one(ks_tconfig *t, const ks_nameref *o)
{
    bool found = false;
    for (size_t i = 0; i < t->nnameref; i++) {
        ks_nameref *c = &t->nameref[i];
        if (ks_str_eq(c->group, o->group) && ks_str_eq(c->version, o->version) && ks_str_eq(c->kind, o->kind)) {
            if (ks_fsslice_merge_all(&c->referrers, &o->referrers)) return -1;
            found = true;
        }
    }
    if (found) return 0;
    if (t->nnameref == t->nrefcap) {
        size_t nc = t->nrefcap ? t->nrefcap * 2 : 16;
        ks_nameref *nv = realloc(t->nameref, nc * sizeof *nv);
        if (!nv) return fc_err_set(FC_ENOMEM, "out of memory");
        t->nameref = nv;
        t->nrefcap = nc;
    }
    ks_nameref *d = &t->nameref[t->nnameref];
    memset(d, 0, sizeof *d);
    d->group = ks_strdup(o->group);
    d->version = ks_strdup(o->version);
    d->kind = ks_strdup(o->kind);
    t->nnameref++;
    /* a new entry takes the referrers as they come (no dedupe inside) */
    for (size_t i = 0; i < o->referrers.n; i++)
        if (fs_push(&d->referrers, &o->referrers.v[i])) return -1;
    return 0;
}

int ks_tconfig_merge(ks_tconfig *dst, const ks_tconfig *src)
{
    if (!src) return 0;
    const ks_fsslice *s[] = {&src->name_prefix,   &src->name_suffix,   &src->common_labels, &src->template_labels,
                             &src->common_annotations, &src->namespace_, &src->var_reference, &src->images,
                             &src->replicas};
    ks_fsslice *d[] = {&dst->name_prefix,   &dst->name_suffix,   &dst->common_labels, &dst->template_labels,
                       &dst->common_annotations, &dst->namespace_, &dst->var_reference, &dst->images,
                       &dst->replicas};
    for (size_t i = 0; i < sizeof s / sizeof s[0]; i++)
        if (ks_fsslice_merge_all(d[i], s[i])) return -1;
    for (size_t i = 0; i < src->nnameref; i++)
        if (nameref_merge_one(dst, &src->nameref[i])) return -1;
    return 0;
}

int ks_tconfig_from_json(json_object *j, ks_tconfig **out)
{
    static const char *const keys[] = {"namePrefix",        "nameSuffix", "commonLabels", "templateLabels",
                                       "commonAnnotations", "namespace",  "varReference", "images",
                                       "replicas"};
    ks_tconfig *t = ks_tconfig_new();
    *out = NULL;
    if (!t) return fc_err_set(FC_ENOMEM, "out of memory");
    ks_fsslice *d[] = {&t->name_prefix,   &t->name_suffix,   &t->common_labels, &t->template_labels,
                       &t->common_annotations, &t->namespace_, &t->var_reference, &t->images, &t->replicas};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        if (ks_fsslice_from_json(ks_obj_get(j, keys[i]), d[i])) goto fail;
    }
    json_object *nr = ks_obj_get(j, "nameReference");
    size_t n = ks_is_seq(nr) ? json_object_array_length(nr) : 0;
    for (size_t i = 0; i < n; i++) {
        json_object *e = json_object_array_get_idx(nr, i);
        ks_nameref r = {(char *)ks_obj_str(e, "group"), (char *)ks_obj_str(e, "version"),
                        (char *)ks_obj_str(e, "kind"), {0}};
        if (ks_fsslice_from_json(ks_obj_get(e, "fieldSpecs"), &r.referrers)) goto fail;
        int rc = nameref_merge_one(t, &r);
        ks_fsslice_dispose(&r.referrers);
        if (rc) goto fail;
    }
    *out = t;
    return 0;
fail:
    ks_tconfig_free(t);
    return -1;
}

int ks_tconfig_default(const fc_yaml_limits *lim, ks_tconfig **out)
{
    const char *y = ks_default_config_yaml();
    json_object *j = NULL;
    *out = NULL;
    if (ks_tconfig_decode(y, strlen(y), "builtin configuration", lim, &j)) return -1;
    ks_tconfig *raw = NULL;
    int rc = ks_tconfig_from_json(j, &raw);
    json_object_put(j);
    if (rc) return rc;
    /* kustomize merges the defaults into an empty configuration */
    ks_tconfig *t = ks_tconfig_new();
    if (!t || ks_tconfig_merge(t, raw)) {
        ks_tconfig_free(t);
        ks_tconfig_free(raw);
        return -1;
    }
    ks_tconfig_free(raw);
    *out = t;
    return 0;
}
