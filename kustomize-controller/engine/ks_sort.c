/*
 * ks_sort.c: output order. kustomize's default ("legacy") order ranks kinds
 * by two fixed lists (Namespace, ResourceQuota, ... first; webhook
 * configurations last; everything else in between), then compares the
 * "group_version_kind" strings, then "gvk|namespace|name" strings (with
 * ~G/~V/~K/~X/~N for empty parts). sortOptions in the top kustomization
 * may pick "fifo" (keep accumulation order) or legacy with custom lists.
 */
#include "ks_internal.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const default_first[] = {
    "Namespace", "ResourceQuota", "StorageClass", "CustomResourceDefinition", "ServiceAccount",
    "PodSecurityPolicy", "Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding", "ConfigMap", "Secret",
    "Endpoints", "Service", "LimitRange", "PriorityClass", "PersistentVolume", "PersistentVolumeClaim",
    "Deployment", "StatefulSet", "CronJob", "PodDisruptionBudget", NULL};
static const char *const default_last[] = {"MutatingWebhookConfiguration", "ValidatingWebhookConfiguration", NULL};

typedef struct item {
    ks_res *r;
    int rank;
    char *gvk; /* legacy GVK sort string */
    char *id;  /* legacy id sort string */
    char *g, *v, *k;
} item;

typedef struct orders {
    ks_strv first, last;
} orders;

static int rank_of(const orders *o, const char *kind)
{
    /* later duplicates override, like Go map assignment */
    int r = 0;
    for (size_t i = 0; i < o->first.n; i++)
        if (ks_str_eq(o->first.v[i], kind)) r = -(int)o->first.n + (int)i;
    for (size_t i = 0; i < o->last.n; i++)
        if (ks_str_eq(o->last.v[i], kind)) r = 1 + (int)i;
    return r;
}

static int cmp(const void *pa, const void *pb)
{
    const item *a = pa, *b = pb;
    bool same_gvk = !strcmp(a->g, b->g) && !strcmp(a->v, b->v) && !strcmp(a->k, b->k);
    if (!same_gvk) {
        if (a->rank != b->rank) return a->rank < b->rank ? -1 : 1;
        return strcmp(a->gvk, b->gvk);
    }
    return strcmp(a->id, b->id);
}

static int fill(item *it, ks_res *r, const orders *o)
{
    ks_id id;
    if (ks_res_curid(r, &id)) return -1;
    it->r = r;
    it->rank = rank_of(o, id.kind);
    /* exact-size strings: one pair per resource is alive during the sort */
    if (asprintf(&it->gvk, "%s_%s_%s", *id.group ? id.group : "~G", *id.version ? id.version : "~V",
                 *id.kind ? id.kind : "~K") < 0)
        it->gvk = NULL;
    if (!it->gvk || asprintf(&it->id, "%s|%s|%s", it->gvk, *id.ns ? id.ns : "~X", *id.name ? id.name : "~N") < 0)
        it->id = NULL;
    it->g = id.group;
    it->v = id.version;
    it->k = id.kind;
    id.group = id.version = id.kind = NULL;
    ks_id_dispose(&id);
    if (!it->gvk || !it->id) return fc_err_set(FC_ENOMEM, "out of memory");
    return 0;
}

static void strv_from(ks_strv *sv, json_object *arr, const char *const *def)
{
    memset(sv, 0, sizeof *sv);
    if (arr) {
        size_t n = ks_is_seq(arr) ? json_object_array_length(arr) : 0;
        for (size_t i = 0; i < n; i++) ks_strv_push(sv, json_object_get_string(json_object_array_get_idx(arr, i)));
        return;
    }
    for (size_t i = 0; def && def[i]; i++) ks_strv_push(sv, def[i]);
}

int ks_sort_resources(ks_resmap *m, json_object *so, const char *kfile)
{
    orders o;
    memset(&o, 0, sizeof o);
    if (so) {
        const char *order = ks_obj_str(so, "order");
        json_object *lso = ks_obj_get(so, "legacySortOptions");
        if (!order || (strcmp(order, "fifo") != 0 && strcmp(order, "legacy") != 0))
            return fc_err_set(FC_EINVAL, "%s: the field 'sortOptions.order' must be one of [fifo, legacy]", kfile);
        if (!strcmp(order, "fifo")) {
            if (lso)
                return fc_err_set(FC_EINVAL,
                                  "%s: the field 'sortOptions.legacySortOptions' is set but the selected sort order is "
                                  "'fifo', not 'legacy'",
                                  kfile);
            return 0;
        }
        if (lso) {
            strv_from(&o.first, ks_obj_get(lso, "orderFirst"), NULL);
            strv_from(&o.last, ks_obj_get(lso, "orderLast"), NULL);
        }
    }
    if (!so || !ks_obj_get(so, "legacySortOptions")) {
        strv_from(&o.first, NULL, default_first);
        strv_from(&o.last, NULL, default_last);
    }
    item *items = calloc(m->n ? m->n : 1, sizeof *items);
    int rc = items ? 0 : fc_err_set(FC_ENOMEM, "out of memory");
    for (size_t i = 0; i < m->n && !rc; i++) rc = fill(&items[i], m->v[i], &o);
    if (!rc) {
        qsort(items, m->n, sizeof *items, cmp);
        for (size_t i = 0; i < m->n; i++) m->v[i] = items[i].r;
    }
    for (size_t i = 0; items && i < m->n; i++) {
        free(items[i].gvk);
        free(items[i].id);
        free(items[i].g);
        free(items[i].v);
        free(items[i].k);
    }
    free(items);
    ks_strv_dispose(&o.first);
    ks_strv_dispose(&o.last);
    return rc;
}
