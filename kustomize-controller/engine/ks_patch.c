/*
 * ks_patch.c: the three patch transformers of a kustomization, in the
 * places kustomize runs them: patchesStrategicMerge (first), patches
 * (second; each entry is a strategic merge or a JSON 6902 patch, told
 * apart as kustomize does: it must parse as exactly one of the two), and
 * patchesJson6902 (after namespace, prefixes, labels and annotations).
 *
 * Targets: a strategic merge patch without `target` applies to the one
 * resource any of whose ids (current or previous) equals the patch's id;
 * with `target` (and for JSON patches) the selector's group, version,
 * kind, name and namespace are anchored regular expressions matched
 * against the current GVK and the original or current name/namespace,
 * plus label and annotation selectors. Before merging, the patch copy
 * takes the target's apiVersion, and afterwards the target keeps its kind,
 * name and namespace unless the patch's options allow name/kind changes.
 */
#include "ks_internal.h"
#include <stdlib.h>
#include <string.h>

typedef struct patch {
    ks_res *res; /* strategic merge patch, or NULL */
    json_object *ops; /* JSON 6902 operations, or NULL */
    bool allow_name, allow_kind;
} patch;

/* ---------------------------------------------------------------- select */

/* effective namespace of one of a resource's ids */
static const char *eff_ns(const ks_res *r, const char *kind, const char *ns)
{
    if (ks_av_cluster_scoped(ks_res_apiversion(r), kind)) return "_non_namespaceable_";
    return ns && *ns ? ns : "default";
}

int ks_select(ks_resmap *m, json_object *sel, ks_resmap *out)
{
    const char *lsel = ks_obj_str(sel, "labelSelector"), *asel = ks_obj_str(sel, "annotationSelector");
    static const char *const keys[] = {"group", "version", "kind", "name", "namespace"};
    ks_rx x[5];
    int rc = 0;
    size_t nx = 0;
    for (; nx < 5 && !rc; nx++) rc = ks_rx_init(&x[nx], ks_obj_str(sel, keys[nx]));
    char gbuf[256];
    for (size_t i = 0; i < m->n && !rc; i++) {
        ks_res *r = m->v[i];
        const char *org_name = r->nprev ? r->prev[0].name : ks_res_name(r);
        bool ok = true;
        if (!x[4].any) {
            /* the original id's namespace, then the current one */
            ok = (r->nprev && ks_rx_match(&x[4], eff_ns(r, r->prev[0].kind, r->prev[0].ns))) ||
                 ks_rx_match(&x[4], eff_ns(r, ks_res_kind(r), ks_res_ns(r)));
        }
        if (ok && !x[3].any) ok = ks_rx_match(&x[3], org_name) || ks_rx_match(&x[3], ks_res_name(r));
        if (ok && (!x[0].any || !x[1].any)) {
            const char *av = ks_res_apiversion(r), *slash = strchr(av, '/');
            const char *g = "", *v = av;
            char *heap = NULL;
            if (slash) {
                size_t gl = (size_t)(slash - av);
                if (gl < sizeof gbuf) {
                    memcpy(gbuf, av, gl);
                    gbuf[gl] = 0;
                    g = gbuf;
                } else if ((heap = ks_strndup(av, gl))) {
                    g = heap;
                }
                v = slash + 1;
            }
            ok = ks_rx_match(&x[0], g) && ks_rx_match(&x[1], v);
            free(heap);
        }
        if (ok) ok = ks_rx_match(&x[2], ks_res_kind(r));
        if (ok && lsel && *lsel) rc = ks_selector_match(lsel, ks_obj_get(ks_res_meta(r, false), "labels"), &ok);
        if (!rc && ok && asel && *asel)
            rc = ks_selector_match(asel, ks_obj_get(ks_res_meta(r, false), "annotations"), &ok);
        if (!rc && ok) {
            if (out->n == out->cap) {
                size_t nc = out->cap ? out->cap * 2 : 16;
                ks_res **nv = realloc(out->v, nc * sizeof *nv);
                if (!nv) {
                    rc = fc_err_set(FC_ENOMEM, "out of memory");
                    break;
                }
                out->v = nv;
                out->cap = nc;
            }
            out->v[out->n++] = r; /* borrowed */
        }
    }
    for (size_t j = 0; j < nx; j++) ks_rx_dispose(&x[j]);
    return rc;
}

/* ----------------------------------------------------------- SMP apply */

static int apply_smp_one(ks_res *r, const patch *p)
{
    json_object *pc = fc_json_copy(p->res->obj);
    ks_res tmp;
    memset(&tmp, 0, sizeof tmp);
    tmp.obj = pc;
    json_object_object_add(tmp.obj, "apiVersion", json_object_new_string(ks_res_apiversion(r)));
    char *n = ks_strdup(ks_res_name(r)), *ns = ks_strdup(ks_res_ns(r)), *k = ks_strdup(ks_res_kind(r));
    int rc = 0;
    if (p->allow_name || p->allow_kind) rc = ks_res_store_prev(r);
    if (!rc) rc = ks_smp_apply(&r->obj, tmp.obj, ks_schema_for(ks_res_apiversion(r), k));
    json_object_put(tmp.obj);
    if (!rc && r->obj && json_object_object_length(r->obj) > 0) {
        if (!p->allow_kind) ks_res_set_kind(r, k);
        if (!p->allow_name) ks_res_set_name(r, n);
        ks_res_set_ns(r, ns);
    }
    free(n);
    free(ns);
    free(k);
    return rc;
}

/* ResMap.ApplySmPatch: patch every selected resource, drop emptied ones,
 * and re-add the rest checking ids */
static int apply_smp(ks_resmap *m, ks_res **sel, size_t nsel, const patch *p)
{
    /* The map's ids are unique before (every map is built by appends), so
     * when no patched resource changed its id or emptied, re-adding them
     * all would find nothing: skip that. */
    bool same = true;
    fc_buf before, after;
    fc_buf_init(&before, 0);
    fc_buf_init(&after, 0);
    size_t next = 0; /* sel is in map order */
    for (size_t i = 0; i < m->n && next < nsel; i++) {
        ks_res *r = m->v[i];
        if (sel[next] != r) continue;
        next++;
        if (same && ks_res_idkey(r, r->nprev, &before)) same = false;
        if (apply_smp_one(r, p)) {
            fc_buf_dispose(&before);
            fc_buf_dispose(&after);
            char *src = p->res->source;
            return fc_err_wrap("applying patch%s%s", src ? " from " : "", src ? src : "");
        }
        if (same && (!r->obj || json_object_object_length(r->obj) == 0 || ks_res_idkey(r, r->nprev, &after) ||
                     strcmp(before.ptr, after.ptr) != 0))
            same = false;
    }
    fc_buf_dispose(&before);
    fc_buf_dispose(&after);
    if (same) return 0;
    ks_resmap keep;
    ks_resmap_init(&keep);
    for (size_t i = 0; i < m->n; i++) {
        ks_res *r = m->v[i];
        if (!r->obj || json_object_object_length(r->obj) == 0) {
            ks_res_free(r);
            continue;
        }
        if (ks_resmap_push(&keep, r)) {
            for (size_t j = i + 1; j < m->n; j++) ks_res_free(m->v[j]);
            m->n = 0;
            ks_resmap_dispose(&keep);
            return -1;
        }
    }
    m->n = 0;
    int rc = ks_resmap_append_all(m, &keep);
    free(keep.v);
    return rc;
}

static int smp_by_id(ks_resmap *m, const patch *p)
{
    ks_id id;
    if (ks_res_curid(p->res, &id)) return -1;
    ks_res *target = NULL;
    int rc = ks_resmap_get_by_id(m, &id, &target);
    ks_id_dispose(&id);
    if (rc) {
        if (p->res->source) fc_err_wrap("patch from %s", p->res->source);
        return rc;
    }
    return apply_smp(m, &target, 1, p);
}

static int json_apply(ks_resmap *m, json_object *target, json_object *ops, bool store_prev, const char *what)
{
    ks_resmap sel;
    ks_resmap_init(&sel);
    if (!target) return fc_err_set(FC_EINVAL, "must specify a target for patch %s", what);
    if (ks_select(m, target, &sel)) {
        free(sel.v);
        return -1;
    }
    int rc = 0;
    for (size_t i = 0; i < sel.n && !rc; i++) {
        ks_res *r = sel.v[i];
        if (store_prev && (rc = ks_res_store_prev(r))) break;
        rc = ks_json6902_apply(&r->obj, ops);
        if (rc) {
            fc_err_wrap("json patch %s", what);
            break;
        }
        if (!ks_is_map(r->obj)) {
            rc = fc_err_set(FC_EINVAL, "json patch %s: result is not an object", what);
            break;
        }
        ks_res_stringify_meta_map(r, "annotations");
    }
    free(sel.v);
    return rc;
}

/* ------------------------------------------------------- loading patches */

static int load_text(const ks_loader *l, json_object *entry, const char *kfile, char **text, size_t *len,
                     char **origin)
{
    const char *path = ks_obj_str(entry, "path"), *inl = ks_obj_str(entry, "patch");
    *text = NULL;
    *origin = NULL;
    /* inline patches are trimmed, as kustomize does */
    char *trimmed = NULL;
    if (inl) {
        const char *s = inl, *e = inl + strlen(inl);
        while (s < e && (*s == ' ' || *s == '\n' || *s == '\t' || *s == '\r')) s++;
        while (e > s && (e[-1] == ' ' || e[-1] == '\n' || e[-1] == '\t' || e[-1] == '\r')) e--;
        trimmed = ks_strndup(s, (size_t)(e - s));
    }
    bool has_inl = trimmed && *trimmed, has_path = path && *path;
    if (!has_inl && !has_path) {
        free(trimmed);
        return fc_err_set(FC_EINVAL, "%s: patch: must specify one of patch and path", kfile);
    }
    if (has_inl && has_path) {
        free(trimmed);
        return fc_err_set(FC_EINVAL, "%s: patch: patch and path can't be set at the same time", kfile);
    }
    if (has_path) {
        free(trimmed);
        fc_buf b;
        char *real = NULL;
        if (ks_loader_read(l, path, &b, &real)) return fc_err_wrap("%s: patches", kfile);
        *text = fc_buf_detach(&b, len);
        *origin = ks_strdup(ks_display_path(l->ctx, real));
        free(real);
        return 0;
    }
    *text = trimmed;
    *len = strlen(trimmed);
    *origin = ks_join(kfile, " (inline patch)", NULL);
    return 0;
}

static void free_patches(patch *ps, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        ks_res_free(ps[i].res);
        json_object_put(ps[i].ops);
    }
    free(ps);
}

/* a strategic merge patch text: one or more resources */
static int parse_smp(const ks_ctx *ctx, const char *text, size_t len, const char *origin, ks_resmap *out)
{
    return ks_parse_resources(ctx, text, len, origin, KS_YAML_RAW_ANNOTATIONS, out);
}

static int run_patches_entry(ks_resmap *m, const ks_loader *l, json_object *entry, const char *kfile)
{
    char *text = NULL, *origin = NULL;
    size_t len = 0;
    if (load_text(l, entry, kfile, &text, &len, &origin)) return -1;
    ks_resmap sm;
    ks_resmap_init(&sm);
    int esm = parse_smp(l->ctx, text, len, origin, &sm);
    char *smerr = esm ? ks_strdup(fc_err_msg()) : NULL;
    json_object *ops = NULL;
    int ejs = ks_json6902_parse(text, len, &l->ctx->ylim, &ops);
    int rc = 0;
    json_object *opts = ks_obj_get(entry, "options");
    bool an = opts && ks_obj_get(opts, "allowNameChange") && json_object_get_boolean(ks_obj_get(opts, "allowNameChange"));
    bool ak = opts && ks_obj_get(opts, "allowKindChange") && json_object_get_boolean(ks_obj_get(opts, "allowKindChange"));
    json_object *target = ks_obj_get(entry, "target");
    if (!esm && !ejs) {
        rc = fc_err_set(FC_EINVAL, "%s: illegally qualifies as both an SM and JSON patch", origin);
    } else if (esm && ejs) {
        rc = fc_err_set(FC_EINVAL, "%s: unable to parse SM or JSON patch: %s", origin, smerr ? smerr : "");
    } else if (!esm) {
        if (target && sm.n > 1) {
            rc = fc_err_set(FC_EINVAL,
                            "%s: Multiple Strategic-Merge Patches in one `patches` entry is not allowed to set "
                            "`patches.target` field",
                            origin);
        } else if (target) {
            ks_resmap sel;
            ks_resmap_init(&sel);
            rc = ks_select(m, target, &sel);
            if (!rc && sm.n) {
                patch p = {sm.v[0], NULL, an, ak};
                rc = apply_smp(m, sel.v, sel.n, &p);
            }
            free(sel.v);
        } else {
            for (size_t i = 0; i < sm.n && !rc; i++) {
                patch p = {sm.v[i], NULL, an, ak};
                rc = smp_by_id(m, &p);
            }
        }
    } else {
        rc = json_apply(m, target, ops, true, origin);
    }
    free(smerr);
    json_object_put(ops);
    ks_resmap_dispose(&sm);
    free(text);
    free(origin);
    return rc;
}

int ks_run_patches(ks_resmap *m, const ks_loader *l, const ks_kust *k)
{
    json_object *ps = ks_kv(k, "patches");
    size_t n = ks_is_seq(ps) ? json_object_array_length(ps) : 0;
    for (size_t i = 0; i < n; i++)
        if (run_patches_entry(m, l, json_object_array_get_idx(ps, i), k->file)) return -1;
    return 0;
}

int ks_run_psm(ks_resmap *m, const ks_loader *l, const ks_kust *k)
{
    json_object *ps = ks_kv(k, "patchesStrategicMerge");
    size_t n = ks_is_seq(ps) ? json_object_array_length(ps) : 0;
    if (!n) return 0;
    patch *loaded = NULL;
    size_t nl = 0, cap = 0;
    int rc = 0;
    for (size_t i = 0; i < n && !rc; i++) {
        const char *entry = json_object_get_string(json_object_array_get_idx(ps, i));
        ks_resmap got;
        ks_resmap_init(&got);
        char *origin = ks_join(k->file, " (inline patchesStrategicMerge)", NULL);
        /* legacy: the entry may be the patch itself */
        if (parse_smp(l->ctx, entry, strlen(entry), origin, &got)) {
            ks_resmap_dispose(&got);
            ks_resmap_init(&got);
            fc_buf b;
            char *real = NULL;
            if (ks_loader_read(l, entry, &b, &real)) {
                rc = fc_err_wrap("%s: patchesStrategicMerge", k->file);
            } else {
                rc = parse_smp(l->ctx, b.ptr, b.len, ks_display_path(l->ctx, real), &got);
                fc_buf_dispose(&b);
                free(real);
            }
        }
        free(origin);
        for (size_t j = 0; j < got.n && !rc; j++) {
            if (nl == cap) {
                cap = cap ? cap * 2 : 8;
                patch *np = realloc(loaded, cap * sizeof *np);
                if (!np) {
                    rc = fc_err_set(FC_ENOMEM, "out of memory");
                    break;
                }
                loaded = np;
            }
            loaded[nl].res = got.v[j];
            loaded[nl].ops = NULL;
            loaded[nl].allow_name = loaded[nl].allow_kind = false;
            got.v[j] = NULL;
            nl++;
        }
        for (size_t j = 0; j < got.n; j++) ks_res_free(got.v[j]);
        free(got.v);
    }
    if (!rc && nl == 0) rc = fc_err_set(FC_EINVAL, "%s: patchesStrategicMerge: patch appears to be empty", k->file);
    for (size_t i = 0; i < nl && !rc; i++) rc = smp_by_id(m, &loaded[i]);
    free_patches(loaded, nl);
    return rc;
}

int ks_run_json6902(ks_resmap *m, const ks_loader *l, const ks_kust *k)
{
    json_object *ps = ks_kv(k, "patchesJson6902");
    size_t n = ks_is_seq(ps) ? json_object_array_length(ps) : 0;
    for (size_t i = 0; i < n; i++) {
        json_object *e = json_object_array_get_idx(ps, i);
        char *text = NULL, *origin = NULL;
        size_t len = 0;
        if (load_text(l, e, k->file, &text, &len, &origin)) return -1;
        json_object *ops = NULL;
        int rc = ks_json6902_parse(text, len, &l->ctx->ylim, &ops);
        if (rc) fc_err_wrap("%s", origin);
        else rc = json_apply(m, ks_obj_get(e, "target"), ops, false, origin);
        json_object_put(ops);
        free(text);
        free(origin);
        if (rc) return rc;
    }
    return 0;
}
