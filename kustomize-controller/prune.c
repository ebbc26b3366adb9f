/*
 * prune.c: what prune (and deletion) must never delete.
 *
 * Flux deletes a pruned Namespace with everything in it, including objects
 * it never managed (flux2#1366, #1462, #3949). Here a Namespace is kept, and
 * a Warning event says why, when
 *   - the Kustomization itself lives in it, or it is the controller's own
 *     namespace or a Kubernetes system namespace (default, kube-*);
 *   - it still holds objects this Kustomization does not manage: anything
 *     without our owner labels that is not derived from another object
 *     (ownerReferences) and not created by Kubernetes for every namespace
 *     (ServiceAccount "default", ConfigMap "kube-root-ca.crt", Events,
 *     Endpoints). Objects already being deleted do not count.
 * The check lists every namespaced, listable resource type (found through
 * discovery) with the controller's own client, so a tenant service account
 * with narrow RBAC cannot hide objects from it; when it cannot be completed
 * the Namespace is kept.
 */
#include "ksc.h"
#include "fc/err.h"
#include "fc/json.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PRUNE_LIST_PAGE 200
#define PRUNE_MAX_RESOURCES 400
#define PRUNE_MAX_SHOWN 5

static int get_json(fc_kube *k, const char *path, json_object **out)
{
    fc_buf resp;
    fc_buf_init(&resp, 32u << 20);
    long st = 0;
    fc_kube_req req = {.method = "GET", .path = path};
    int rc = fc_kube_do(k, &req, &st, &resp);
    if (!rc) rc = fc_json_parse(resp.ptr, resp.len, out);
    fc_buf_dispose(&resp);
    return rc;
}

typedef struct rtype {
    char *group, *version, *resource, *kind;
} rtype;

static void add_resources(json_object *list, const char *group, const char *version, rtype **out, size_t *n)
{
    json_object *res = fc_json_key(list, "resources");
    for (size_t i = 0; res && i < json_object_array_length(res) && *n < PRUNE_MAX_RESOURCES; i++) {
        json_object *r = json_object_array_get_idx(res, i);
        const char *name = fc_json_key_str(r, "name"), *kind = fc_json_key_str(r, "kind");
        if (!name || strchr(name, '/') || !fc_json_get_bool(r, "namespaced", false)) continue;
        bool listable = false;
        json_object *verbs = fc_json_key(r, "verbs");
        for (size_t v = 0; verbs && v < json_object_array_length(verbs); v++)
            if (!strcmp(json_object_get_string(json_object_array_get_idx(verbs, v)), "list")) listable = true;
        if (!listable) continue;
        if ((!*group && (!strcmp(name, "events") || !strcmp(name, "endpoints"))) ||
            (!strcmp(group, "events.k8s.io") && !strcmp(name, "events")))
            continue;
        *out = realloc(*out, (*n + 1) * sizeof **out);
        (*out)[*n] = (rtype){strdup(group), strdup(version), strdup(name), strdup(kind ? kind : name)};
        (*n)++;
    }
}

static int discover(fc_kube *k, rtype **out, size_t *n)
{
    json_object *core = NULL, *groups = NULL;
    int rc = get_json(k, "/api/v1", &core);
    if (rc) return fc_err_wrap("discovery of /api/v1");
    add_resources(core, "", "v1", out, n);
    json_object_put(core);
    if ((rc = get_json(k, "/apis", &groups))) return fc_err_wrap("discovery of /apis");
    json_object *gl = fc_json_key(groups, "groups");
    for (size_t i = 0; gl && i < json_object_array_length(gl); i++) {
        json_object *g = json_object_array_get_idx(gl, i);
        const char *name = fc_json_key_str(g, "name"), *gv = fc_json_get_str(g, "preferredVersion.groupVersion"),
                   *ver = fc_json_get_str(g, "preferredVersion.version");
        if (!name || !gv || !ver) continue;
        char path[600];
        snprintf(path, sizeof path, "/apis/%s", gv);
        json_object *rl = NULL;
        if (get_json(k, path, &rl)) {
            rc = fc_err_wrap("discovery of %s", path);
            break;
        }
        add_resources(rl, name, ver, out, n);
        json_object_put(rl);
    }
    json_object_put(groups);
    return rc;
}

static bool auto_created(const char *kind, const char *name)
{
    return (!strcmp(kind, "ServiceAccount") && !strcmp(name, "default")) ||
           (!strcmp(kind, "ConfigMap") && !strcmp(name, "kube-root-ca.crt"));
}

/* Objects in ns not managed by ks_ns/ks_name, up to max, as "Kind/ns/name". */
static int foreign_objects(fc_kube *k, const char *ns, const char *ks_name, const char *ks_ns, fc_buf *shown, size_t *count)
{
    rtype *types = NULL;
    size_t nt = 0;
    int rc = discover(k, &types, &nt);
    for (size_t t = 0; !rc && t < nt; t++) {
        fc_resource r = {types[t].group, types[t].version, types[t].resource, types[t].kind, true};
        for (int pass = 0; pass < 2 && !rc; pass++) {
            /* a label selector cannot say "not (name=X and namespace=Y)": two queries */
            char sel[700];
            if (pass == 0) snprintf(sel, sizeof sel, "kustomize.toolkit.fluxcd.io/name!=%s", ks_name);
            else snprintf(sel, sizeof sel, "kustomize.toolkit.fluxcd.io/name=%s,kustomize.toolkit.fluxcd.io/namespace!=%s",
                          ks_name, ks_ns);
            fc_list_opts lo = {.label_selector = sel, .limit = PRUNE_LIST_PAGE};
            json_object *items = NULL;
            rc = fc_kube_list(k, &r, ns, &lo, &items, NULL);
            if (rc == FC_ENOTFOUND || rc == FC_EGONE) { /* resource went away meanwhile */
                rc = 0;
                continue;
            }
            if (rc) {
                fc_err_wrap("listing %s in namespace %s", types[t].resource, ns);
                break;
            }
            for (size_t i = 0; i < json_object_array_length(items); i++) {
                json_object *o = json_object_array_get_idx(items, i);
                const char *name = fc_json_get_str(o, "metadata.name");
                json_object *owners = fc_json_get(o, "metadata.ownerReferences");
                if (!name || (owners && json_object_array_length(owners) > 0) || fc_json_get(o, "metadata.deletionTimestamp") ||
                    auto_created(types[t].kind, name))
                    continue;
                if (*count < PRUNE_MAX_SHOWN) fc_buf_printf(shown, "%s%s/%s/%s", *count ? ", " : "", types[t].kind, ns, name);
                (*count)++;
            }
            json_object_put(items);
        }
    }
    for (size_t t = 0; t < nt; t++) free(types[t].group), free(types[t].version), free(types[t].resource), free(types[t].kind);
    free(types);
    return rc;
}

bool ksc_prune_guard(json_object *existing, void *arg, char **why)
{
    ksc_prune_ctx *c = arg;
    const char *kind = fc_json_get_str(existing, "kind"), *av = fc_json_get_str(existing, "apiVersion");
    if (!kind || strcmp(kind, "Namespace") || !av || strcmp(av, "v1")) return true;
    const char *ns = fc_json_get_str(existing, "metadata.name");
    if (!ns) return true;
    char *msg = NULL;
    static const char *const system_ns[] = {"default", "kube-system", "kube-public", "kube-node-lease", NULL};
    for (int i = 0; system_ns[i]; i++)
        if (!strcmp(ns, system_ns[i]) && asprintf(&msg, "it is a Kubernetes system namespace") > 0) goto keep;
    if (c->ks_ns && !strcmp(ns, c->ks_ns) &&
        asprintf(&msg, "the Kustomization %s/%s itself lives in it", c->ks_ns, c->ks_name) > 0)
        goto keep;
    if (c->runtime_ns && !strcmp(ns, c->runtime_ns) &&
        asprintf(&msg, "kustomize-controller runs in it") > 0)
        goto keep;
    fc_buf shown;
    fc_buf_init(&shown, 0);
    size_t count = 0;
    int rc = foreign_objects(c->reader, ns, c->ks_name, c->ks_ns, &shown, &count);
    if (rc) {
        if (asprintf(&msg, "could not verify that it holds only objects of this Kustomization: %s", fc_err_msg()) < 0)
            msg = NULL;
    } else if (count) {
        if (asprintf(&msg, "it still contains %zu object(s) not managed by this Kustomization: %s%s", count,
                     shown.ptr, count > PRUNE_MAX_SHOWN ? ", ..." : "") < 0)
            msg = NULL;
    }
    fc_buf_dispose(&shown);
    if (!msg) return true;
keep:
    *why = msg;
    return false;
}
