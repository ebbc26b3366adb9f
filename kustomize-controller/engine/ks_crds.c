/*
 * ks_crds.c: the `crds:` field. kustomize reads these files as OpenAPI
 * definition maps (type name -> {Schema: {properties...}}), not as
 * CustomResourceDefinition objects, and turns the x-kubernetes-* markers
 * on properties into transformer configuration: object references become
 * name-reference field specs, x-kubernetes-annotation / -label-selector /
 * -identity fields get annotations, labels and name prefixes. References
 * ($ref) to other definitions in the same file are followed.
 */
#include "ks_internal.h"
#include <stdlib.h>
#include <string.h>

static const char *ext_str(json_object *prop, const char *key, bool *ok)
{
    json_object *v = ks_obj_get(prop, key);
    *ok = v && json_object_is_type(v, json_type_string);
    return *ok ? json_object_get_string(v) : NULL;
}

static int add_fs(ks_fsslice *s, const char *kind, const char *path)
{
    ks_fieldspec f = {"", "", (char *)kind, (char *)path, false};
    return ks_fsslice_merge_one(s, &f);
}

static int load_def(ks_tconfig *tc, const char *kind, json_object *defs, const char *type, const char *path,
                    unsigned depth)
{
    if (depth > 64) return fc_err_set(FC_ETOOBIG, "crds: definitions nested too deeply at %s", type);
    json_object *api = ks_obj_get(defs, type);
    json_object *props = ks_obj_get(ks_obj_get(api, "Schema"), "properties");
    if (!ks_is_map(props)) return 0;
    json_object_object_foreach(props, name, prop) {
        char *p = *path ? ks_join(path, "/", name) : ks_strdup(name);
        if (!p) return fc_err_set(FC_ENOMEM, "out of memory");
        bool ok;
        int rc = 0;
        ext_str(prop, "x-kubernetes-annotation", &ok);
        if (ok) rc = add_fs(&tc->common_annotations, kind, p);
        ext_str(prop, "x-kubernetes-label-selector", &ok);
        if (!rc && ok) rc = add_fs(&tc->common_labels, kind, p);
        ext_str(prop, "x-kubernetes-identity", &ok);
        if (!rc && ok) rc = add_fs(&tc->name_prefix, kind, p);
        bool okv, okk, okn;
        const char *ver = ext_str(prop, "x-kubernetes-object-ref-api-version", &okv);
        const char *rk = ext_str(prop, "x-kubernetes-object-ref-kind", &okk);
        const char *nk = ext_str(prop, "x-kubernetes-object-ref-name-key", &okn);
        if (!rc && okv && okk) {
            ks_tconfig *one = ks_tconfig_new();
            char *fp = ks_join(p, "/", okn ? nk : "name");
            one->nameref = calloc(1, sizeof *one->nameref);
            if (!one->nameref || !fp) {
                free(fp);
                ks_tconfig_free(one);
                free(p);
                return fc_err_set(FC_ENOMEM, "out of memory");
            }
            one->nnameref = one->nrefcap = 1;
            one->nameref[0].group = ks_strdup("");
            one->nameref[0].version = ks_strdup(ver);
            one->nameref[0].kind = ks_strdup(rk);
            ks_fieldspec f = {"", "", (char *)kind, fp, false};
            rc = ks_fsslice_merge_one(&one->nameref[0].referrers, &f);
            if (!rc) rc = ks_tconfig_merge(tc, one);
            ks_tconfig_free(one);
            free(fp);
        }
        json_object *ref = ks_obj_get(prop, "$ref");
        if (!rc && ref && json_object_is_type(ref, json_type_string) && *json_object_get_string(ref))
            rc = load_def(tc, kind, defs, json_object_get_string(ref), p, depth + 1);
        free(p);
        if (rc) return rc;
    }
    return 0;
}

int ks_crds_config(const ks_loader *l, const ks_kust *k, ks_tconfig *tc)
{
    json_object *crds = ks_kv(k, "crds");
    size_t n = ks_is_seq(crds) ? json_object_array_length(crds) : 0;
    for (size_t i = 0; i < n; i++) {
        const char *path = json_object_get_string(json_object_array_get_idx(crds, i));
        fc_buf b;
        if (ks_loader_read(l, path, &b, NULL)) return fc_err_wrap("%s: crds", k->file);
        json_object *defs = NULL;
        int rc = b.len && b.ptr[0] == '{' ? fc_json_parse(b.ptr, b.len, &defs) : fc_yaml_parse(b.ptr, b.len, &l->ctx->ylim, &defs);
        fc_buf_dispose(&b);
        if (rc) return fc_err_wrap("%s: unable to parse open API definition from '%s'", k->file, path);
        if (defs && !ks_is_map(defs)) {
            json_object_put(defs);
            return fc_err_set(FC_EINVAL, "%s: unable to parse open API definition from '%s'", k->file, path);
        }
        if (!defs) continue;
        ks_tconfig *one = ks_tconfig_new();
        json_object_object_foreach(defs, name, api) {
            json_object *props = ks_obj_get(ks_obj_get(api, "Schema"), "properties");
            if (!ks_obj_get(props, "kind") || !ks_obj_get(props, "apiVersion") || !ks_obj_get(props, "metadata"))
                continue;
            const char *dot = strrchr(name, '.');
            size_t dots = 0;
            for (const char *c = name; *c; c++)
                if (*c == '.') dots++;
            if (dots < 2) {
                rc = fc_err_set(FC_EINVAL, "%s: `api` should be specified in dot notation: group.version.kind (%s)",
                                path, name);
                break;
            }
            rc = load_def(one, dot ? dot + 1 : name, defs, name, "", 0);
            if (rc) break;
        }
        if (!rc) rc = ks_tconfig_merge(tc, one);
        ks_tconfig_free(one);
        json_object_put(defs);
        if (rc) return rc;
    }
    return 0;
}
