/*
 * discovery.c: REST mapping from discovery documents (fc/discovery.h).
 * Entries are never freed before the mapper, so the strings handed out stay
 * valid for callers on any thread; a refresh appends new kinds and updates the
 * scope of existing ones in place.
 */
#include "fc/discovery.h"
#include "fc/duration.h"
#include "fc/err.h"
#include "fc/json.h"
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

typedef struct entry {
    char *kind, *resource;
    bool namespaced;
    struct entry *next;
} entry;

typedef struct gv {
    char *group, *version;
    int64_t fetched;  /* mono ns of last fetch, 0 = never */
    bool exists;
    entry *entries;
    struct gv *next;
} gv;

struct fc_mapper {
    fc_kube *k;
    pthread_mutex_t mu;
    gv *gvs;
};

fc_mapper *fc_mapper_new(fc_kube *k)
{
    fc_mapper *m = calloc(1, sizeof *m);
    if (!m) return NULL;
    m->k = k;
    pthread_mutex_init(&m->mu, NULL);
    return m;
}

void fc_mapper_free(fc_mapper *m)
{
    if (!m) return;
    while (m->gvs) {
        gv *g = m->gvs;
        m->gvs = g->next;
        while (g->entries) {
            entry *e = g->entries;
            g->entries = e->next;
            free(e->kind);
            free(e->resource);
            free(e);
        }
        free(g->group);
        free(g->version);
        free(g);
    }
    pthread_mutex_destroy(&m->mu);
    free(m);
}

void fc_split_api_version(const char *av, char **group, char **version)
{
    const char *slash = av ? strchr(av, '/') : NULL;
    if (!slash) {
        *group = strdup("");
        *version = strdup(av ? av : "");
    } else {
        *group = strndup(av, (size_t)(slash - av));
        *version = strdup(slash + 1);
    }
}

static entry *find_entry(gv *g, const char *kind)
{
    for (entry *e = g->entries; e; e = e->next)
        if (strcmp(e->kind, kind) == 0) return e;
    return NULL;
}

/* Fetch the group-version's resource list; called with m->mu held (the
 * lock serialises discovery, which is rare). */
static int refresh(fc_mapper *m, gv *g)
{
    fc_buf path, resp;
    fc_buf_init(&path, 0);
    fc_buf_init(&resp, 0);
    if (!*g->group) fc_buf_printf(&path, "/api/%s", g->version);
    else fc_buf_printf(&path, "/apis/%s/%s", g->group, g->version);
    fc_kube_req req = {.method = "GET", .path = path.ptr, .max_response = 16u << 20};
    long st = 0;
    int rc = fc_kube_do(m->k, &req, &st, &resp);
    g->fetched = fc_now_mono_ns();
    json_object *doc = NULL;
    if (rc == FC_ENOTFOUND) {
        g->exists = false;
        rc = 0;
        goto out;
    }
    if (rc) goto out;
    if (fc_json_parse(resp.ptr, resp.len, &doc)) {
        rc = fc_err_wrap("discovery %s", path.ptr);
        goto out;
    }
    g->exists = true;
    json_object *res = fc_json_key(doc, "resources");
    for (size_t i = 0; res && i < json_object_array_length(res); i++) {
        json_object *r = json_object_array_get_idx(res, i);
        const char *name = fc_json_key_str(r, "name"), *kind = fc_json_key_str(r, "kind");
        if (!name || !kind || strchr(name, '/')) continue; /* skip subresources */
        bool nsd = fc_json_get_bool(r, "namespaced", false);
        entry *e = find_entry(g, kind);
        if (e) {
            e->namespaced = nsd;
            continue;
        }
        e = calloc(1, sizeof *e);
        e->kind = strdup(kind);
        e->resource = strdup(name);
        e->namespaced = nsd;
        e->next = g->entries;
        g->entries = e;
    }
out:
    json_object_put(doc);
    fc_buf_dispose(&path);
    fc_buf_dispose(&resp);
    return rc;
}

int fc_mapper_lookup(fc_mapper *m, const char *api_version, const char *kind, fc_resource *out)
{
    char *group, *version;
    int rc = 0;
    if (!api_version || !*api_version || !kind || !*kind)
        return fc_err_set(FC_EINVAL, "object has no apiVersion or kind");
    fc_split_api_version(api_version, &group, &version);
    pthread_mutex_lock(&m->mu);
    gv *g;
    for (g = m->gvs; g; g = g->next)
        if (!strcmp(g->group, group) && !strcmp(g->version, version)) break;
    if (!g) {
        g = calloc(1, sizeof *g);
        g->group = group;
        g->version = version;
        group = version = NULL;
        g->next = m->gvs;
        m->gvs = g;
    }
    entry *e = find_entry(g, kind);
    if (!e && (g->fetched == 0 || fc_now_mono_ns() - g->fetched > FC_NS_PER_S)) {
        rc = refresh(m, g);
        e = rc ? NULL : find_entry(g, kind);
    }
    if (e) {
        out->group = g->group;
        out->version = g->version;
        out->resource = e->resource;
        out->kind = e->kind;
        out->namespaced = e->namespaced;
    } else if (!rc) {
        rc = fc_err_set(FC_ENOTFOUND, "no matches for kind \"%s\" in version \"%s\"", kind, api_version);
    }
    pthread_mutex_unlock(&m->mu);
    free(group);
    free(version);
    return rc;
}
