/*
 * ks_transform.c: the field-spec driven builtin transformers of kustomize:
 * namespace, name prefix and suffix, labels (commonLabels and labels:),
 * annotations, images and replicas. Each follows its kustomize filter:
 * which resources it skips, when it records a previous id (so references
 * to the old name can be fixed later), what it creates when a field is
 * missing, and the type of the value it writes.
 */
#include "ks_internal.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool is_null(json_object *o)
{
    return !o || json_object_is_type(o, json_type_null);
}

/* ---------------------------------------------------------------- namespace */

static int set_string(ks_slot *slot, void *ud)
{
    ks_slot_set(slot, json_object_new_string((const char *)ud));
    return 0;
}

static bool is_rolebinding(const char *kind)
{
    return ks_str_eq(kind, "RoleBinding") || ks_str_eq(kind, "ClusterRoleBinding");
}

static int ns_one(ks_res *r, const char *ns, const ks_fsslice *fss, ks_sset *ids, fc_buf *key);

int ks_tr_namespace(ks_resmap *m, const char *ns, const ks_fsslice *fss)
{
    if (!ns || !*ns) return 0;
    /* kustomize checks, after each resource, that its new id is unique
     * among the current ids (earlier ones transformed, later ones not):
     * a count of current ids does that in one pass */
    ks_sset ids = {0};
    fc_buf k;
    fc_buf_init(&k, 0);
    int rc = 0;
    for (size_t i = 0; i < m->n && !rc; i++) {
        rc = ks_res_idkey(m->v[i], m->v[i]->nprev, &k);
        if (!rc && ks_sset_add(&ids, k.ptr) < 0) rc = fc_err_set(FC_ENOMEM, "out of memory");
    }
    for (size_t i = 0; i < m->n && !rc; i++)
        rc = ns_one(m->v[i], ns, fss, &ids, &k);
    ks_sset_dispose(&ids);
    fc_buf_dispose(&k);
    return rc;
}

static int ns_one(ks_res *r, const char *ns, const ks_fsslice *fss, ks_sset *ids, fc_buf *key)
{
    if (!r->obj || !json_object_object_length(r->obj)) return 0;
    if (ks_res_idkey(r, r->nprev, key)) return -1;
    ks_sset_drop(ids, key->ptr);
    if (ks_res_store_prev(r)) return -1;
    const char *av = ks_res_apiversion(r);
    bool cluster = ks_av_cluster_scoped(av, ks_res_kind(r));
    /* metadata.namespace on namespaced kinds only */
    if (!cluster) {
        ks_fieldspec meta = {"", "", "", "metadata/namespace", true};
        if (ks_fieldspec_apply(r, &meta, KS_CREATE_SCALAR, set_string, (void *)ns)) return -1;
    }
    bool rb = is_rolebinding(ks_res_kind(r));
    if (rb) {
        /* defaultOnly: subjects named "default" get the namespace */
        json_object *subjects = ks_obj_get(r->obj, "subjects");
        size_t n = ks_is_seq(subjects) ? json_object_array_length(subjects) : 0;
        for (size_t k = 0; k < n; k++) {
            json_object *s = json_object_array_get_idx(subjects, k);
            if (!ks_is_map(s)) continue;
            json_object *name = ks_obj_get(s, "name");
            char *t = name ? ks_json_text(name) : NULL;
            bool def = t && strcmp(t, "default") == 0;
            free(t);
            if (def) json_object_object_add(s, "namespace", json_object_new_string(ns));
        }
    }
    for (size_t k = 0; k < fss->n; k++) {
        const ks_fieldspec *fs = &fss->v[k];
        if (ks_str_eq(fs->path, "metadata/namespace")) continue;
        if (!ks_str_eq(av, "v1") && ks_str_eq(fs->path, "metadata/name")) continue;
        if (rb && is_rolebinding(fs->kind) && ks_str_eq(fs->path, "subjects/namespace")) continue;
        if (ks_fieldspec_apply(r, fs, KS_CREATE_SCALAR, set_string, (void *)ns)) return -1;
    }
    if (ks_res_idkey(r, r->nprev, key)) return -1;
    if (ks_sset_add(ids, key->ptr) < 0) return fc_err_set(FC_ENOMEM, "out of memory");
    if (ks_sset_count(ids, key->ptr) != 1) {
        ks_id id;
        if (ks_res_curid(r, &id)) return -1;
        char *s = ks_id_string(&id);
        ks_id_dispose(&id);
        int rc = fc_err_set(FC_EINVAL, "namespace transformation produces ID conflict: %s", s ? s : "?");
        free(s);
        return rc;
    }
    return 0;
}

/* ----------------------------------------------------------- prefix/suffix */

typedef struct affix {
    const char *prefix, *suffix;
} affix;

static int set_affix(ks_slot *slot, void *ud)
{
    affix *a = ud;
    json_object *cur = ks_slot_get(slot);
    if (!ks_is_scalar(cur)) return fc_err_set(FC_EINVAL, "wrong node kind: expected ScalarNode");
    char *t = is_null(cur) ? strdup("") : ks_json_text(cur);
    char *n = ks_join(a->prefix, t, a->suffix);
    free(t);
    if (!n) return fc_err_set(FC_ENOMEM, "out of memory");
    ks_slot_set(slot, json_object_new_string(n));
    free(n);
    return 0;
}

/* CustomResourceDefinition, apiregistration APIService and Namespace keep
 * their names */
static bool affix_skip(const ks_res *r)
{
    ks_id id;
    if (ks_res_orgid(r, &id)) return false;
    bool skip = ks_str_eq(id.kind, "CustomResourceDefinition") || ks_str_eq(id.kind, "Namespace") ||
                (ks_str_eq(id.kind, "APIService") && ks_str_eq(id.group, "apiregistration.k8s.io"));
    ks_id_dispose(&id);
    return skip;
}

static int tr_affix(ks_resmap *m, const char *prefix, const char *suffix, const ks_fsslice *fss)
{
    const char *val = prefix ? prefix : suffix;
    if (!val || !*val) return 0;
    affix a = {prefix ? prefix : "", suffix ? suffix : ""};
    for (size_t i = 0; i < m->n; i++) {
        ks_res *r = m->v[i];
        if (affix_skip(r)) continue;
        ks_id id;
        if (ks_res_orgid(r, &id)) return -1;
        for (size_t k = 0; k < fss->n; k++) {
            const ks_fieldspec *fs = &fss->v[k];
            if (!ks_gvk_selected(id.group, id.version, id.kind, fs->group, fs->version, fs->kind)) continue;
            if (ks_str_eq(fs->path, "metadata/name")) {
                if (prefix ? ks_res_add_prefix(r, prefix) : ks_res_add_suffix(r, suffix)) {
                    ks_id_dispose(&id);
                    return -1;
                }
                if (ks_res_store_prev(r)) {
                    ks_id_dispose(&id);
                    return -1;
                }
            }
            if (ks_fieldspec_apply(r, fs, KS_CREATE_SCALAR, set_affix, &a)) {
                ks_id_dispose(&id);
                return -1;
            }
        }
        ks_id_dispose(&id);
    }
    return 0;
}

int ks_tr_prefix(ks_resmap *m, const char *prefix, const ks_fsslice *fss)
{
    return tr_affix(m, prefix, NULL, fss);
}

int ks_tr_suffix(ks_resmap *m, const char *suffix, const ks_fsslice *fss)
{
    return tr_affix(m, NULL, suffix, fss);
}

/* ------------------------------------------------------ labels/annotations */

typedef struct entry {
    const char *key, *value;
} entry;

static int set_entry(ks_slot *slot, void *ud)
{
    entry *e = ud;
    json_object *cur = ks_slot_get(slot);
    if (is_null(cur)) {
        cur = json_object_new_object();
        ks_slot_set(slot, cur);
    }
    if (!json_object_is_type(cur, json_type_object))
        return fc_err_set(FC_EINVAL, "wrong node kind: expected MappingNode but got %s",
                          json_object_is_type(cur, json_type_array) ? "SequenceNode" : "ScalarNode");
    json_object_object_add(cur, e->key, json_object_new_string(e->value));
    return 0;
}

static int key_cmp(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int tr_map(ks_resmap *m, json_object *pairs, const ks_fsslice *fss)
{
    size_t n = ks_is_map(pairs) ? (size_t)json_object_object_length(pairs) : 0;
    if (!n) return 0;
    const char **keys = calloc(n, sizeof *keys);
    if (!keys) return fc_err_set(FC_ENOMEM, "out of memory");
    size_t i = 0;
    json_object_object_foreach(pairs, k, v) {
        (void)v;
        keys[i++] = k;
    }
    qsort(keys, n, sizeof *keys, key_cmp);
    int rc = 0;
    for (size_t r = 0; r < m->n && !rc; r++) {
        for (size_t j = 0; j < n && !rc; j++) {
            entry e = {keys[j], ks_obj_str(pairs, keys[j])};
            if (!e.value) e.value = "";
            for (size_t f = 0; f < fss->n && !rc; f++)
                rc = ks_fieldspec_apply(m->v[r], &fss->v[f], KS_CREATE_MAP, set_entry, &e);
        }
    }
    free(keys);
    return rc;
}

int ks_tr_labels(ks_resmap *m, json_object *labels, const ks_fsslice *fss)
{
    return tr_map(m, labels, fss);
}

int ks_tr_annotations(ks_resmap *m, json_object *annotations, const ks_fsslice *fss)
{
    return tr_map(m, annotations, fss);
}

/* ------------------------------------------------------------------- images */

typedef struct imgtag {
    const char *name, *new_name, *new_tag, *digest, *tag_suffix;
    fc_regex *re;
} imgtag;

/* kustomize's image.Split: name, tag, digest */
static void image_split(const char *img, char **name, char **tag, char **digest)
{
    const char *search = img;
    size_t slash = 0;
    const char *sl = strchr(img, '/');
    if (sl && sl > img) {
        search = sl;
        slash = (size_t)(sl - img);
    }
    const char *at = strchr(search, '@'), *colon = strchr(search, ':');
    long id = at ? at - search : -1, ic = colon ? colon - search : -1;
    *tag = *digest = NULL;
    if (ic < 0 && id < 0) {
        *name = ks_strdup(img);
        return;
    }
    if (id >= 0 && (id < ic || ic < 0)) {
        size_t p = (size_t)id + slash;
        *name = ks_strndup(img, p);
        *digest = ks_strdup(img + p + 1);
        return;
    }
    if (id >= 0 && ic >= 0) {
        size_t pd = (size_t)id + slash, pc = (size_t)ic + slash;
        *name = ks_strndup(img, pc);
        *tag = ks_strndup(img + pc + 1, pd - pc - 1);
        *digest = ks_strdup(img + pd + 1);
        return;
    }
    size_t pc = (size_t)ic + slash;
    *name = ks_strndup(img, pc);
    *tag = ks_strdup(img + pc + 1);
}

static int update_image(json_object *node, imgtag *it, json_object **out)
{
    *out = NULL;
    if (!ks_is_scalar(node)) return fc_err_set(FC_EINVAL, "wrong node kind: image must be a scalar");
    char *value = is_null(node) ? strdup("") : ks_json_text(node);
    if (!value) return fc_err_set(FC_ENOMEM, "out of memory");
    if (!ks_regex_search(it->re, value)) {
        free(value);
        return 0;
    }
    char *name, *tag, *digest;
    image_split(value, &name, &tag, &digest);
    free(value);
    if (it->new_name && *it->new_name) {
        free(name);
        name = ks_strdup(it->new_name);
    }
    bool nt = it->new_tag && *it->new_tag, dg = it->digest && *it->digest, ts = it->tag_suffix && *it->tag_suffix;
    if (nt && dg) {
        free(tag);
        free(digest);
        tag = ks_strdup(it->new_tag);
        digest = ks_strdup(it->digest);
    } else if (nt) {
        free(tag);
        free(digest);
        tag = ks_strdup(it->new_tag);
        digest = NULL;
    } else if (dg) {
        free(tag);
        free(digest);
        tag = NULL;
        digest = ks_strdup(it->digest);
    } else if (ts) {
        char *t2 = ks_join(tag ? tag : "", it->tag_suffix, NULL);
        free(tag);
        free(digest);
        tag = t2;
        digest = NULL;
    }
    fc_buf b;
    fc_buf_init(&b, 0);
    fc_buf_puts(&b, name ? name : "");
    if (tag && *tag) fc_buf_printf(&b, ":%s", tag);
    if (digest && *digest) fc_buf_printf(&b, "@%s", digest);
    free(name);
    free(tag);
    free(digest);
    *out = json_object_new_string(b.ptr ? b.ptr : "");
    fc_buf_dispose(&b);
    return 0;
}

static int set_image(ks_slot *slot, void *ud)
{
    json_object *nv = NULL;
    if (update_image(ks_slot_get(slot), ud, &nv)) return -1;
    if (nv) ks_slot_set(slot, nv);
    return 0;
}

/* kustomize's legacy image filter: any "containers"/"initContainers" list
 * anywhere in the object, each element's "image" */
static int legacy_images(json_object *node, imgtag *it, unsigned depth)
{
    if (depth > 512) return fc_err_set(FC_ETOOBIG, "object nested too deeply");
    if (ks_is_map(node)) {
        json_object_object_foreach(node, k, v) {
            if (legacy_images(v, it, depth + 1)) return -1;
            if ((!strcmp(k, "containers") || !strcmp(k, "initContainers")) && ks_is_seq(v)) {
                size_t n = json_object_array_length(v);
                for (size_t i = 0; i < n; i++) {
                    json_object *c = json_object_array_get_idx(v, i);
                    json_object *img = NULL;
                    if (!ks_is_map(c) || !json_object_object_get_ex(c, "image", &img)) continue;
                    json_object *nv = NULL;
                    if (update_image(img, it, &nv)) return -1;
                    if (nv) json_object_object_add(c, "image", nv);
                }
            }
        }
    } else if (ks_is_seq(node)) {
        size_t n = json_object_array_length(node);
        for (size_t i = 0; i < n; i++)
            if (legacy_images(json_object_array_get_idx(node, i), it, depth + 1)) return -1;
    }
    return 0;
}

int ks_tr_image(ks_resmap *m, json_object *image, const ks_fsslice *fss)
{
    imgtag it = {ks_obj_str(image, "name"),   ks_obj_str(image, "newName"), ks_obj_str(image, "newTag"),
                 ks_obj_str(image, "digest"), ks_obj_str(image, "tagSuffix"), NULL};
    char *pat = ks_join("^", it.name ? it.name : "", "(:[a-zA-Z0-9_.{}-]*)?(@sha256:[a-zA-Z0-9_.{}-]*)?$");
    if (!pat) return fc_err_set(FC_ENOMEM, "out of memory");
    int e = ks_regex_compile(pat, &it.re);
    free(pat);
    if (e) return fc_err_wrap("images: invalid image name pattern '%s'", it.name ? it.name : "");
    int rc = 0;
    for (size_t i = 0; i < m->n && !rc; i++) {
        if (ks_str_eq(ks_res_kind(m->v[i]), "CustomResourceDefinition")) continue;
        rc = legacy_images(m->v[i]->obj, &it, 0);
    }
    for (size_t i = 0; i < m->n && !rc; i++)
        for (size_t k = 0; k < fss->n && !rc; k++)
            rc = ks_fieldspec_apply(m->v[i], &fss->v[k], KS_CREATE_NONE, set_image, &it);
    fc_regex_free(it.re);
    return rc;
}

/* ----------------------------------------------------------------- replicas */

static int set_count(ks_slot *slot, void *ud)
{
    ks_slot_set(slot, json_object_new_int64(*(int64_t *)ud));
    return 0;
}

int ks_tr_replicas(ks_resmap *m, json_object *replica, const ks_fsslice *fss)
{
    const char *name = ks_obj_str(replica, "name");
    json_object *c = ks_obj_get(replica, "count");
    int64_t count = c ? json_object_get_int64(c) : 0;
    bool found = false;
    for (size_t k = 0; k < fss->n; k++) {
        const ks_fieldspec *fs = &fss->v[k];
        for (size_t i = 0; i < m->n; i++) {
            ks_res *r = m->v[i];
            bool match = false;
            for (size_t p = 0; p <= r->nprev && !match; p++) {
                ks_id id;
                if ((p < r->nprev ? ks_res_previd(r, p, &id) : ks_res_curid(r, &id))) return -1;
                match = ks_str_eq(id.name, name) &&
                        ks_gvk_selected(id.group, id.version, id.kind, fs->group, fs->version, fs->kind);
                ks_id_dispose(&id);
            }
            if (!match) continue;
            found = true;
            if (ks_fieldspec_apply(r, fs, KS_CREATE_SCALAR, set_count, &count)) return -1;
        }
    }
    if (!found) {
        fc_buf b;
        fc_buf_init(&b, 0);
        for (size_t k = 0; k < fss->n; k++)
            fc_buf_printf(&b, "%s%s_%s_%s", k ? " " : "", *fss->v[k].group ? fss->v[k].group : "~G",
                          *fss->v[k].version ? fss->v[k].version : "~V", *fss->v[k].kind ? fss->v[k].kind : "~K");
        int rc = fc_err_set(FC_ENOTFOUND, "replicas: resource with name %s does not match a config with the following GVK [%s]",
                            name ? name : "", b.ptr ? b.ptr : "");
        fc_buf_dispose(&b);
        return rc;
    }
    return 0;
}
