/*
 * ks_fieldspec.c: walking a field spec path through a resource, the core of
 * every kustomize transformer (labels, namespace, name prefix, images,
 * name references...). The rules are kustomize's fieldspec filter:
 * a path "a/b/c" descends map fields, a sequence met on the way fans out to
 * every element with the same remaining path, "x[]" says x is a sequence (so
 * it is never created), "\/" is a literal slash inside a key, a missing
 * field is created only when the spec says create and the transformer
 * knows what to create (a map on the way, its own kind at the end), a null
 * field becomes that kind, and a scalar met before the end is an error.
 */
#include "ks_internal.h"
#include <stdlib.h>
#include <string.h>

json_object *ks_slot_get(const ks_slot *s)
{
    if (!s->parent) return s->root ? *s->root : NULL;
    if (s->key) return ks_obj_get(s->parent, s->key);
    return json_object_array_get_idx(s->parent, s->idx);
}

void ks_slot_set(const ks_slot *s, json_object *v)
{
    if (!s->parent) {
        if (s->root) {
            json_object_put(*s->root);
            *s->root = v;
        } else {
            json_object_put(v);
        }
        return;
    }
    if (s->key) json_object_object_add(s->parent, s->key, v);
    else json_object_array_put_idx(s->parent, s->idx, v);
}

static int split_path(const char *path, ks_strv *out)
{
    memset(out, 0, sizeof *out);
    const char *p = path ? path : "";
    fc_buf cur;
    fc_buf_init(&cur, 0);
    fc_buf_put(&cur, "", 0);
    for (; *p; p++) {
        if (*p == '/') {
            /* a trailing backslash escapes this slash */
            if (cur.len && cur.ptr[cur.len - 1] == '\\') {
                cur.ptr[--cur.len] = 0;
                fc_buf_putc(&cur, '/');
                continue;
            }
            ks_strv_push(out, cur.ptr);
            fc_buf_reset(&cur);
            fc_buf_put(&cur, "", 0);
            continue;
        }
        fc_buf_putc(&cur, *p);
    }
    ks_strv_push(out, cur.ptr);
    fc_buf_dispose(&cur);
    return 0;
}

bool ks_fieldspec_matches(const ks_res *r, const ks_fieldspec *fs)
{
    if (fs->kind && *fs->kind && !ks_str_eq(fs->kind, ks_res_kind(r))) return false;
    char *g = NULL, *v = NULL;
    ks_split_apiversion(ks_res_apiversion(r), &g, &v);
    bool ok = (!fs->group || !*fs->group || ks_str_eq(fs->group, g)) &&
              (!fs->version || !*fs->version || ks_str_eq(fs->version, v));
    free(g);
    free(v);
    return ok;
}

typedef struct walker {
    const ks_strv *parts;
    bool create;
    int create_kind;
    ks_setfn fn;
    void *ud;
} walker;

static json_object *new_of_kind(int kind)
{
    switch (kind) {
    case KS_CREATE_MAP: {
        json_object *m = json_object_new_object();
        ks_json_compact(m);
        return m;
    }
    case KS_CREATE_SEQ: return json_object_new_array();
    case KS_CREATE_SCALAR: return json_object_new_string("");
    default: return NULL;
    }
}

static int walk(walker *w, ks_slot *slot, size_t i, unsigned depth);

static int field(walker *w, json_object *map, size_t i, unsigned depth)
{
    const char *part = w->parts->v[i];
    size_t pl = strlen(part);
    bool is_seq = pl >= 2 && strcmp(part + pl - 2, "[]") == 0;
    char *name = ks_strndup(part, is_seq ? pl - 2 : pl);
    if (!name) return fc_err_set(FC_ENOMEM, "out of memory");
    int kind = KS_CREATE_NONE;
    bool create = false;
    if (!w->create || w->create_kind == KS_CREATE_NONE || is_seq) {
        if (is_seq) kind = KS_CREATE_SEQ;
    } else if (i + 1 >= w->parts->n) {
        create = true;
        kind = w->create_kind;
    } else {
        create = true;
        kind = KS_CREATE_MAP;
    }
    json_object *v = NULL;
    bool present = json_object_object_get_ex(map, name, &v);
    if (!present) {
        if (!create) {
            free(name);
            return 0;
        }
        json_object_object_add(map, name, new_of_kind(kind));
    } else if (!v && kind != KS_CREATE_NONE) {
        json_object_object_add(map, name, new_of_kind(kind));
    }
    ks_slot child = {map, name, 0, NULL};
    int rc = walk(w, &child, i + 1, depth + 1);
    free(name);
    return rc;
}

static int walk(walker *w, ks_slot *slot, size_t i, unsigned depth)
{
    if (depth > 512) return fc_err_set(FC_ETOOBIG, "field path nested too deeply");
    if (i >= w->parts->n) return w->fn(slot, w->ud);
    json_object *node = ks_slot_get(slot);
    if (node && json_object_is_type(node, json_type_array)) {
        size_t n = json_object_array_length(node);
        for (size_t k = 0; k < n; k++) {
            ks_slot el = {node, NULL, k, NULL};
            if (walk(w, &el, i, depth + 1)) return -1;
        }
        return 0;
    }
    if (node && json_object_is_type(node, json_type_object)) return field(w, node, i, depth);
    return fc_err_set(FC_EINVAL, "expected sequence or mapping node at '%s'", w->parts->v[i]);
}

int ks_fieldspec_apply(ks_res *r, const ks_fieldspec *fs, int create_kind, ks_setfn fn, void *ud)
{
    if (!ks_fieldspec_matches(r, fs)) return 0;
    ks_strv parts;
    split_path(fs->path, &parts);
    walker w = {&parts, fs->create, create_kind, fn, ud};
    ks_slot root = {NULL, NULL, 0, &r->obj};
    int rc = walk(&w, &root, 0, 0);
    ks_strv_dispose(&parts);
    if (rc) {
        ks_id id;
        char *s = NULL;
        if (!ks_res_curid(r, &id)) {
            s = ks_id_string(&id);
            ks_id_dispose(&id);
        }
        fc_err_wrap("%s: path '%s'", s ? s : "resource", fs->path);
        free(s);
        return -1;
    }
    return 0;
}
