/*
 * ks_load.c: turning YAML text into resources the way kustomize's resource
 * factory does: documents parsed with kyaml typing, empty documents
 * dropped, every document must be a map with a kind and (unless it is a
 * list) a metadata.name, and "FooList" documents with an items array are
 * replaced by their items, which are queued after the remaining documents
 * (kustomize's inlineAnyEmbeddedLists order).
 */
#include "ks_internal.h"
#include <stdlib.h>
#include <string.h>

static int validate(json_object *doc, const char *fname, int line, bool *is_list)
{
    *is_list = false;
    if (!ks_is_map(doc)) return fc_err_set(FC_EINVAL, "%s: line %d: missing Resource metadata (not a map)", fname, line);
    json_object *kind = ks_obj_get(doc, "kind");
    const char *k = kind && json_object_is_type(kind, json_type_string) ? json_object_get_string(kind) : "";
    if (!*k) return fc_err_set(FC_EINVAL, "%s: line %d: missing kind in object", fname, line);
    json_object *meta = ks_obj_get(doc, "metadata");
    if (meta && !ks_is_map(meta)) return fc_err_set(FC_EINVAL, "%s: line %d: metadata is not a map", fname, line);
    if (ks_has_suffix(k, "List")) {
        *is_list = true;
        return 0;
    }
    const char *name = ks_obj_str(meta, "name");
    if (!name || !*name) return fc_err_set(FC_EINVAL, "%s: line %d: missing metadata.name in object of kind %s", fname, line, k);
    return 0;
}

int ks_parse_resources(const ks_ctx *ctx, const char *buf, size_t len, const char *fname, unsigned flags,
                       ks_resmap *out)
{
    json_object *docs = NULL, *lines = NULL;
    if (ks_yaml_parse_docs(buf, len, fname, flags, &ctx->ylim, &docs, &lines)) return -1;
    /* queue: documents first, list items appended as found */
    size_t n = json_object_array_length(docs), n0 = n;
    int rc = 0;
    for (size_t i = 0; i < n && !rc; i++) {
        json_object *doc = json_object_array_get_idx(docs, i);
        int line = json_object_get_int(json_object_array_get_idx(lines, i));
        bool is_list = false;
        if (i < n0) {
            rc = validate(doc, fname, line, &is_list);
            if (rc) break;
        } else {
            const char *k = ks_obj_str(doc, "kind");
            is_list = k && ks_has_suffix(k, "List");
        }
        json_object *items = NULL;
        if (is_list && json_object_object_get_ex(doc, "items", &items)) {
            if (!items) continue;
            if (!ks_is_seq(items)) {
                rc = fc_err_set(FC_EINVAL, "%s: expected array in %s/items", fname, ks_obj_str(doc, "kind"));
                break;
            }
            size_t m = json_object_array_length(items);
            for (size_t k = 0; k < m; k++) {
                json_object *it = json_object_array_get_idx(items, k);
                if (!ks_is_map(it)) {
                    rc = fc_err_set(FC_EINVAL, "%s: list item %zu is not an object", fname, k);
                    break;
                }
                json_object_array_add(docs, json_object_get(it));
                json_object_array_add(lines, json_object_new_int(line));
            }
            n = json_object_array_length(docs);
            if (n > ctx->max_resources) rc = fc_err_set(FC_ETOOBIG, "%s: more than %zu resources", fname, ctx->max_resources);
            continue;
        }
        ks_res *r = ks_res_new(json_object_get(doc));
        if (!r) {
            rc = fc_err_set(FC_ENOMEM, "out of memory");
            break;
        }
        r->source = ks_strdup(fname);
        rc = ks_resmap_push(out, r);
        if (!rc && out->n > ctx->max_resources)
            rc = fc_err_set(FC_ETOOBIG, "more than %zu resources (at %s)", ctx->max_resources, fname);
    }
    json_object_put(docs);
    json_object_put(lines);
    return rc;
}
