/*
 * ks_vars.c: the deprecated `vars:` feature. Each kustomization's vars are
 * bound to the resource whose original id matches the var's objref (exact
 * group/version/kind and name; namespace too when given or when the kind
 * is cluster-scoped); names must be unique across the build. After all
 * transformations the var's value is read from the bound resource's field
 * (default metadata.name) and $(NAME) references are expanded in the
 * varReference fields, Kubernetes-style ($$ escapes, unknown names stay);
 * a field that is exactly "$(NAME)" takes the value's type.
 */
#include "ks_internal.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void objref_gvk(json_object *ref, char **g, char **v, const char **k)
{
    const char *av = ks_obj_str(ref, "apiVersion");
    *k = ks_obj_str(ref, "kind");
    if (av && *av) {
        const char *slash = strchr(av, '/');
        if (slash && !strchr(slash + 1, '/')) {
            *g = ks_strndup(av, (size_t)(slash - av));
            *v = ks_strdup(slash + 1);
            return;
        }
        if (!slash) {
            *g = ks_strdup(ks_obj_str(ref, "group"));
            *v = ks_strdup(av);
            return;
        }
    }
    *g = ks_strdup(ks_obj_str(ref, "group"));
    *v = ks_strdup(ks_obj_str(ref, "version"));
}

int ks_vars_merge(json_object *vars, ks_resmap *m, const ks_kust *k)
{
    json_object *kv = ks_kv(k, "vars");
    size_t n = ks_is_seq(kv) ? json_object_array_length(kv) : 0;
    for (size_t i = 0; i < n; i++) {
        json_object *var = json_object_array_get_idx(kv, i);
        const char *name = ks_obj_str(var, "name");
        json_object *ref = ks_obj_get(var, "objref");
        char *g = NULL, *v = NULL;
        const char *kind = NULL;
        objref_gvk(ref, &g, &v, &kind);
        ks_id t = {g, v, (char *)(kind ? kind : ""), (char *)(ks_obj_str(ref, "name") ? ks_obj_str(ref, "name") : ""),
                   (char *)(ks_obj_str(ref, "namespace") ? ks_obj_str(ref, "namespace") : "")};
        bool exact = *t.ns || ks_id_cluster_scoped(&t);
        ks_res *hit = NULL;
        size_t hits = 0;
        for (size_t r = 0; r < m->n; r++) {
            ks_id org;
            if (ks_res_orgid(m->v[r], &org)) {
                free(g);
                free(v);
                return -1;
            }
            bool eq = exact ? ks_id_equals(&org, &t) : (ks_id_gvk_equals(&org, &t) && ks_str_eq(org.name, t.name));
            ks_id_dispose(&org);
            if (eq) {
                hit = m->v[r];
                hits++;
            }
        }
        free(g);
        free(v);
        if (hits > 1)
            return fc_err_set(FC_EINVAL, "%s: found %zu resId matches for var %s (unable to disambiguate)", k->file, hits,
                              name ? name : "");
        if (hit) ks_strv_push(&hit->refvars, name ? name : "");
        size_t dn = json_object_array_length(vars);
        for (size_t j = 0; j < dn; j++)
            if (ks_str_eq(ks_obj_str(json_object_array_get_idx(vars, j), "name"), name))
                return fc_err_set(FC_EINVAL, "%s: var '%s' already encountered", k->file, name ? name : "");
        json_object_array_add(vars, json_object_get(var));
    }
    return 0;
}

/* GetFieldValue: dotted path with ports[0]-style indexes */
static int field_value(json_object *obj, const char *path, json_object **out)
{
    *out = NULL;
    ks_strv parts;
    memset(&parts, 0, sizeof parts);
    const char *p = path;
    while (*p) {
        const char *d = strchr(p, '.');
        size_t n = d ? (size_t)(d - p) : strlen(p);
        char *seg = ks_strndup(p, n);
        char *br = seg ? strchr(seg, '[') : NULL;
        if (br && ks_has_suffix(seg, "]") && br[1] != '=' && !strchr(br, '=')) {
            *br = 0;
            ks_strv_push(&parts, seg);
            char *idx = ks_strndup(br + 1, strlen(br + 1) - 1);
            ks_strv_push(&parts, idx ? idx : "");
            free(idx);
        } else {
            ks_strv_push(&parts, seg ? seg : "");
        }
        free(seg);
        p += n;
        if (*p == '.') p++;
    }
    json_object *cur = obj;
    for (size_t i = 0; i < parts.n && cur; i++) {
        const char *s = parts.v[i];
        if (ks_is_seq(cur)) {
            char *end = NULL;
            long idx = strtol(s, &end, 10);
            if (!end || *end || idx < 0 || (size_t)idx >= json_object_array_length(cur)) cur = NULL;
            else cur = json_object_array_get_idx(cur, (size_t)idx);
        } else if (ks_is_map(cur)) {
            json_object *v = NULL;
            if (!json_object_object_get_ex(cur, s, &v)) cur = NULL;
            else if (!v) cur = NULL;
            else cur = v;
        } else {
            cur = NULL;
        }
    }
    ks_strv_dispose(&parts);
    if (!cur) return fc_err_set(FC_ENOTFOUND, "no field at %s", path);
    *out = cur;
    return 0;
}

typedef struct vctx {
    json_object *values; /* name -> value */
} vctx;

static char *value_text(json_object *v)
{
    if (!v) return NULL;
    switch (json_object_get_type(v)) {
    case json_type_string:
    case json_type_int:
    case json_type_boolean: return ks_json_text(v);
    case json_type_double: {
        char b[64];
        fc_go_format_float(json_object_get_double(v), 'g', -1, b, sizeof b);
        return strdup(b);
    }
    default: return NULL;
    }
}

/* expansion.Expand; *typed set when the whole input is one reference */
static json_object *expand(const char *in, vctx *c)
{
    fc_buf b;
    fc_buf_init(&b, 0);
    fc_buf_put(&b, "", 0);
    size_t len = strlen(in), checkpoint = 0;
    for (size_t cur = 0; cur < len; cur++) {
        if (in[cur] != '$' || cur + 1 >= len) continue;
        fc_buf_put(&b, in + checkpoint, cur - checkpoint);
        const char *rest = in + cur + 1;
        size_t adv = 1;
        if (rest[0] == '$') {
            fc_buf_putc(&b, '$');
        } else if (rest[0] == '(') {
            const char *close = strchr(rest + 1, ')');
            if (!close) {
                fc_buf_puts(&b, "$(");
            } else {
                char *name = ks_strndup(rest + 1, (size_t)(close - rest - 1));
                adv = (size_t)(close - rest) + 1;
                json_object *v = NULL;
                bool found = name && json_object_object_get_ex(c->values, name, &v);
                char *t = found ? value_text(v) : NULL;
                if (cur == 0 && cur + adv + 1 == len && t && !json_object_is_type(v, json_type_string)) {
                    /* the whole field is the reference: keep the type */
                    free(t);
                    free(name);
                    fc_buf_dispose(&b);
                    return json_object_get(v);
                }
                if (t) fc_buf_puts(&b, t);
                else fc_buf_printf(&b, "$(%s)", name ? name : "");
                free(t);
                free(name);
            }
        } else {
            fc_buf_putc(&b, '$');
            fc_buf_putc(&b, rest[0]);
        }
        cur += adv;
        checkpoint = cur + 1;
    }
    if (checkpoint < len) fc_buf_puts(&b, in + checkpoint);
    json_object *r = json_object_new_string(b.ptr ? b.ptr : "");
    fc_buf_dispose(&b);
    return r;
}

static int set_var(ks_slot *slot, void *ud)
{
    vctx *c = ud;
    json_object *v = ks_slot_get(slot);
    if (!v) return 0;
    if (json_object_is_type(v, json_type_string)) {
        ks_slot_set(slot, expand(json_object_get_string(v), c));
        return 0;
    }
    if (ks_is_map(v)) {
        json_object_object_foreach(v, k, e) {
            if (e && json_object_is_type(e, json_type_string))
                json_object_object_add(v, k, expand(json_object_get_string(e), c));
        }
        return 0;
    }
    if (ks_is_seq(v)) {
        size_t n = json_object_array_length(v);
        for (size_t i = 0; i < n; i++) {
            json_object *e = json_object_array_get_idx(v, i);
            if (!e || !json_object_is_type(e, json_type_string))
                return fc_err_set(FC_EINVAL, "invalid value type expect a string");
            json_object_array_put_idx(v, i, expand(json_object_get_string(e), c));
        }
    }
    return 0;
}

int ks_vars_resolve(json_object *vars, ks_resmap *m, const ks_tconfig *tc)
{
    size_t n = json_object_array_length(vars);
    if (!n) return 0;
    vctx c = {json_object_new_object()};
    int rc = 0;
    for (size_t i = 0; i < n && !rc; i++) {
        json_object *var = json_object_array_get_idx(vars, i);
        const char *name = ks_obj_str(var, "name");
        const char *fp = ks_obj_str(ks_obj_get(var, "fieldref"), "fieldPath");
        if (!fp || !*fp) fp = "metadata.name";
        ks_res *owner = NULL;
        for (size_t r = 0; r < m->n && !owner; r++)
            if (ks_strv_contains(&m->v[r]->refvars, name ? name : "")) owner = m->v[r];
        if (!owner) {
            rc = fc_err_set(FC_ENOTFOUND, "var '%s' cannot be mapped to a field in the set of known resources",
                            name ? name : "");
            break;
        }
        json_object *val = NULL;
        if (field_value(owner->obj, fp, &val)) {
            rc = fc_err_set(FC_ENOTFOUND, "field specified in var '%s' not found in corresponding resource",
                            name ? name : "");
            break;
        }
        json_object_object_add(c.values, name ? name : "", fc_json_copy(val));
    }
    for (size_t r = 0; r < m->n && !rc; r++)
        for (size_t f = 0; f < tc->var_reference.n && !rc; f++)
            rc = ks_fieldspec_apply(m->v[r], &tc->var_reference.v[f], KS_CREATE_NONE, set_var, &c);
    json_object_put(c.values);
    return rc;
}
