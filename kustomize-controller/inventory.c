/*
 * inventory.c: status.inventory and status.history of a Kustomization.
 *
 * Inventory ids are cli-utils' ObjMetadata strings
 * "<namespace>_<name>_<group>_<kind>" with ':' in names transcoded as "__"
 * (RBAC names such as system:aggregate-to-edit), and each entry carries the
 * API version in `v`. Parsing mirrors ParseObjMetadata: namespace up to the
 * first '_', kind after the last, group before that, the rest is the name.
 * The diff of two inventories yields minimal objects (apiVersion, kind,
 * name, namespace) for the entries that left, which is all pruning needs.
 *
 * History follows fluxcd/pkg/apis/meta: entries grouped by digest and
 * outcome, the latest first, at most five.
 */
#include "ksc.h"
#include "fc/duration.h"
#include "fc/err.h"
#include "fc/json.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void ksc_inv_id(fc_buf *out, const char *ns, const char *name, const char *group, const char *kind)
{
    fc_buf_printf(out, "%s_", ns ? ns : "");
    for (const char *c = name ? name : ""; *c; c++) {
        if (*c == ':') fc_buf_puts(out, "__");
        else fc_buf_putc(out, *c);
    }
    fc_buf_printf(out, "_%s_%s", group ? group : "", kind ? kind : "");
}

int ksc_inv_parse_id(const char *id, ksc_objref *out)
{
    memset(out, 0, sizeof *out);
    const char *first = strchr(id, '_');
    const char *last = strrchr(id, '_');
    if (!first || last == first) return fc_err_set(FC_EINVAL, "unable to parse stored object metadata: %s", id);
    const char *grp = last - 1;
    while (grp > first && *grp != '_') grp--;
    if (grp == first) return fc_err_set(FC_EINVAL, "unable to parse stored object metadata: %s", id);
    out->ns = strndup(id, (size_t)(first - id));
    out->group = strndup(grp + 1, (size_t)(last - grp - 1));
    out->kind = strdup(last + 1);
    fc_buf n;
    fc_buf_init(&n, 0);
    for (const char *c = first + 1; c < grp; c++) {
        if (c[0] == '_' && c + 1 < grp && c[1] == '_') {
            fc_buf_putc(&n, ':');
            c++;
        } else if (*c == '_') {
            fc_buf_dispose(&n);
            ksc_objref_dispose(out);
            return fc_err_set(FC_EINVAL, "too many fields within: %s", id);
        } else {
            fc_buf_putc(&n, *c);
        }
    }
    out->name = fc_buf_detach(&n, NULL);
    return 0;
}

void ksc_objref_dispose(ksc_objref *r)
{
    free(r->ns);
    free(r->name);
    free(r->group);
    free(r->kind);
    free(r->version);
    memset(r, 0, sizeof *r);
}

json_object *ksc_objref_to_object(const ksc_objref *r)
{
    json_object *o = json_object_new_object();
    char av[512];
    if (r->group && *r->group) snprintf(av, sizeof av, "%s/%s", r->group, r->version ? r->version : "");
    else snprintf(av, sizeof av, "%s", r->version ? r->version : "");
    json_object_object_add(o, "apiVersion", json_object_new_string(av));
    json_object_object_add(o, "kind", json_object_new_string(r->kind ? r->kind : ""));
    json_object *md = json_object_new_object();
    json_object_object_add(md, "name", json_object_new_string(r->name ? r->name : ""));
    if (r->ns && *r->ns) json_object_object_add(md, "namespace", json_object_new_string(r->ns));
    json_object_object_add(o, "metadata", md);
    return o;
}

json_object *ksc_inv_diff(json_object *old_entries, json_object *new_entries)
{
    json_object *stale = json_object_new_array();
    fc_strmap *present = fc_strmap_new(NULL);
    for (size_t i = 0; new_entries && i < json_object_array_length(new_entries); i++) {
        const char *id = fc_json_key_str(json_object_array_get_idx(new_entries, i), "id");
        if (id) fc_strmap_put(present, id, (void *)1);
    }
    for (size_t i = 0; old_entries && i < json_object_array_length(old_entries); i++) {
        json_object *e = json_object_array_get_idx(old_entries, i);
        const char *id = fc_json_key_str(e, "id");
        if (!id || fc_strmap_has(present, id)) continue;
        ksc_objref r;
        if (ksc_inv_parse_id(id, &r)) continue; /* unparseable entries cannot be pruned */
        const char *v = fc_json_key_str(e, "v");
        r.version = strdup(v ? v : "v1");
        json_object_array_add(stale, ksc_objref_to_object(&r));
        ksc_objref_dispose(&r);
    }
    fc_strmap_free(present);
    return stale;
}

static json_object *history_meta(const char *revision, const char *origin)
{
    json_object *m = json_object_new_object();
    if (revision && *revision) json_object_object_add(m, "revision", json_object_new_string(revision));
    if (origin && *origin) json_object_object_add(m, "originRevision", json_object_new_string(origin));
    return m;
}

void ksc_history_upsert(json_object *obj, const char *digest, int64_t now_wall_ns, int64_t duration_ns,
                        const char *outcome, const char *revision, const char *origin)
{
    json_object *h = fc_json_get(obj, "status.history");
    json_object *nh = json_object_new_array();
    char ts[32], dur[64];
    fc_time_rfc3339(now_wall_ns, ts);
    fc_duration_format(duration_ns, dur, sizeof dur);
    json_object *found = NULL;
    for (size_t i = 0; h && json_object_is_type(h, json_type_array) && i < json_object_array_length(h); i++) {
        json_object *e = json_object_array_get_idx(h, i);
        const char *d = fc_json_key_str(e, "digest"), *s = fc_json_key_str(e, "lastReconciledStatus");
        if (!found && d && s && !strcmp(d, digest) && !strcmp(s, outcome)) found = e;
    }
    json_object *entry;
    if (found) {
        entry = fc_json_copy(found);
        json_object_object_add(entry, "lastReconciled", json_object_new_string(ts));
        json_object_object_add(entry, "lastReconciledDuration", json_object_new_string(dur));
        json_object_object_add(entry, "totalReconciliations",
                               json_object_new_int64(fc_json_get_int(found, "totalReconciliations", 0) + 1));
    } else {
        entry = json_object_new_object();
        json_object_object_add(entry, "digest", json_object_new_string(digest));
        json_object_object_add(entry, "firstReconciled", json_object_new_string(ts));
        json_object_object_add(entry, "lastReconciled", json_object_new_string(ts));
        json_object_object_add(entry, "lastReconciledDuration", json_object_new_string(dur));
        json_object_object_add(entry, "lastReconciledStatus", json_object_new_string(outcome));
        json_object_object_add(entry, "totalReconciliations", json_object_new_int64(1));
    }
    json_object_object_add(entry, "metadata", history_meta(revision, origin));
    json_object_array_add(nh, entry);
    for (size_t i = 0; h && json_object_is_type(h, json_type_array) && i < json_object_array_length(h); i++) {
        json_object *e = json_object_array_get_idx(h, i);
        if (e == found) continue;
        if (json_object_array_length(nh) >= KSC_HISTORY_MAX) break;
        json_object_array_add(nh, json_object_get(e));
    }
    fc_json_set(obj, "status.history", nh);
}
