/*
 * ssa.c: staged server-side apply and garbage collection (fc/ssa.h), a port
 * of fluxcd/pkg/ssa's ResourceManager onto fc_kube and fc_mapper.
 *
 * ApplyAll runs the per-object work (GET live object, skip rules, dry-run,
 * immutable-field recreation, metadata cleanup, drift test) on a small pool
 * of threads that take indexes from an atomic counter; results land in
 * per-index slots, so no locking is needed and the first error reported is
 * the first in apply order (deterministic, unlike an errgroup). Objects that
 * drifted are then applied one by one in order, as Flux does. Waiting for
 * stages lives in ssa_wait.c.
 */
#include "fc/ssa.h"
#include "fc/duration.h"
#include "fc/err.h"
#include "fc/json.h"
#include "fc/log.h"
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

/* -------------------------------------------------------------- changeset */

void fc_ssa_changeset_init(fc_ssa_changeset *cs) { memset(cs, 0, sizeof *cs); }

static void entry_dispose(fc_ssa_entry *e)
{
    free(e->subject);
    free(e->group);
    free(e->version);
    free(e->kind);
    free(e->ns);
    free(e->name);
    free(e->note);
    memset(e, 0, sizeof *e);
}

void fc_ssa_changeset_dispose(fc_ssa_changeset *cs)
{
    for (size_t i = 0; i < cs->n; i++) entry_dispose(&cs->entries[i]);
    free(cs->entries);
    memset(cs, 0, sizeof *cs);
}

const char *fc_ssa_action_name(fc_ssa_action a)
{
    switch (a) {
    case FC_SSA_CREATED: return "created";
    case FC_SSA_CONFIGURED: return "configured";
    case FC_SSA_UNCHANGED: return "unchanged";
    case FC_SSA_DELETED: return "deleted";
    case FC_SSA_SKIPPED: return "skipped";
    default: return "unknown";
    }
}

void fc_ssa_changeset_string(const fc_ssa_changeset *cs, bool changed_only, fc_buf *out)
{
    bool first = true;
    for (size_t i = 0; i < cs->n; i++) {
        fc_ssa_action a = cs->entries[i].action;
        if (changed_only && (a == FC_SSA_UNCHANGED || a == FC_SSA_SKIPPED)) continue;
        fc_buf_printf(out, "%s%s %s", first ? "" : "\n", cs->entries[i].subject, fc_ssa_action_name(a));
        first = false;
    }
}

void fc_ssa_subject(json_object *obj, fc_buf *out)
{
    const char *k = fc_json_get_str(obj, "kind"), *ns = fc_json_get_str(obj, "metadata.namespace"),
               *n = fc_json_get_str(obj, "metadata.name");
    fc_buf_printf(out, "%s/", k ? k : "");
    if (ns && *ns) fc_buf_printf(out, "%s/", ns);
    fc_buf_puts(out, n ? n : "");
}

static void split_av(const char *av, char **group, char **version)
{
    const char *slash = av ? strchr(av, '/') : NULL;
    *group = slash ? strndup(av, (size_t)(slash - av)) : strdup("");
    *version = strdup(slash ? slash + 1 : av ? av : "");
}

static void entry_fill(fc_ssa_entry *e, json_object *obj, fc_ssa_action a)
{
    fc_buf s;
    fc_buf_init(&s, 0);
    fc_ssa_subject(obj, &s);
    e->subject = fc_buf_detach(&s, NULL);
    split_av(fc_json_get_str(obj, "apiVersion"), &e->group, &e->version);
    const char *k = fc_json_get_str(obj, "kind"), *ns = fc_json_get_str(obj, "metadata.namespace"),
               *n = fc_json_get_str(obj, "metadata.name");
    e->kind = strdup(k ? k : "");
    e->ns = strdup(ns ? ns : "");
    e->name = strdup(n ? n : "");
    e->action = a;
}

static fc_ssa_entry *cs_add(fc_ssa_changeset *cs)
{
    if (cs->n == cs->cap) {
        size_t nc = cs->cap ? cs->cap * 2 : 16;
        fc_ssa_entry *ne = realloc(cs->entries, nc * sizeof *ne);
        if (!ne) return NULL;
        cs->entries = ne;
        cs->cap = nc;
    }
    fc_ssa_entry *e = &cs->entries[cs->n++];
    memset(e, 0, sizeof *e);
    return e;
}

/* -------------------------------------------------------------- selectors */

bool fc_ssa_any_in_metadata(json_object *obj, const char *const *sel)
{
    if (!obj || !sel) return false;
    json_object *labels = fc_json_get(obj, "metadata.labels"), *ann = fc_json_get(obj, "metadata.annotations");
    for (; sel[0] && sel[1]; sel += 2) {
        const char *l = fc_json_key_str(labels, sel[0]), *a = fc_json_key_str(ann, sel[0]);
        if ((l && *l && !strcasecmp(l, sel[1])) || (a && *a && !strcasecmp(a, sel[1]))) return true;
    }
    return false;
}

static bool labels_include(json_object *obj, const char *const *sel)
{
    json_object *labels = fc_json_get(obj, "metadata.labels");
    for (; sel && sel[0] && sel[1]; sel += 2) {
        const char *l = fc_json_key_str(labels, sel[0]);
        if (!l || strcmp(l, sel[1])) return false;
    }
    return true;
}

/* ------------------------------------------------------------------- sort */

static const char *const order_first[] = {
    "CustomResourceDefinition", "Namespace", "ClusterRole", "ClusterClass", "RuntimeClass", "PriorityClass",
    "StorageClass", "VolumeSnapshotClass", "IngressClass", "GatewayClass", "ClusterRoleBinding", "ResourceQuota",
    "ServiceAccount", "Role", "RoleBinding", "ConfigMap", "Secret", "Service", "LimitRange", "Deployment",
    "StatefulSet", "CronJob", "PodDisruptionBudget", NULL};
static const char *const order_last[] = {"MutatingWebhookConfiguration", "ValidatingWebhookConfiguration", NULL};

static int kind_index(const char *k)
{
    int n = 0;
    while (order_first[n]) n++;
    for (int i = 0; order_first[i]; i++)
        if (!strcmp(order_first[i], k)) return i - n;
    for (int i = 0; order_last[i]; i++)
        if (!strcmp(order_last[i], k)) return 1 + i;
    return 0;
}

static const char *s_or(const char *s) { return s ? s : ""; }

static int cmp_obj(const void *pa, const void *pb)
{
    json_object *a = *(json_object *const *)pa, *b = *(json_object *const *)pb;
    const char *ka = s_or(fc_json_get_str(a, "kind")), *kb = s_or(fc_json_get_str(b, "kind"));
    char *ga, *va, *gb, *vb;
    split_av(fc_json_get_str(a, "apiVersion"), &ga, &va);
    split_av(fc_json_get_str(b, "apiVersion"), &gb, &vb);
    int r = 0;
    if (strcmp(ga, gb) || strcmp(ka, kb)) {
        int ia = kind_index(ka), ib = kind_index(kb);
        if (ia != ib) r = ia < ib ? -1 : 1;
        else if (strcmp(ga, gb)) r = strcmp(ga, gb);
        else r = strcmp(ka, kb);
    } else {
        r = strcmp(s_or(fc_json_get_str(a, "metadata.namespace")), s_or(fc_json_get_str(b, "metadata.namespace")));
        if (!r) r = strcmp(s_or(fc_json_get_str(a, "metadata.name")), s_or(fc_json_get_str(b, "metadata.name")));
    }
    free(ga), free(va), free(gb), free(vb);
    return r;
}

void fc_ssa_sort(json_object *objects)
{
    json_object_array_sort(objects, cmp_obj);
}

int fc_ssa_stage(json_object *obj)
{
    const char *k = s_or(fc_json_get_str(obj, "kind")), *av = s_or(fc_json_get_str(obj, "apiVersion"));
    if (!strcasecmp(k, "CustomResourceDefinition") && !strncmp(av, "apiextensions.k8s.io/", 21)) return 0;
    if (!strcasecmp(k, "Namespace") && !strcmp(av, "v1")) return 0;
    if (!strcasecmp(k, "ClusterRole") && !strncmp(av, "rbac.authorization.k8s.io/", 26)) return 0;
    size_t kl = strlen(k);
    if (kl >= 5 && !strcmp(k + kl - 5, "Class")) return 1;
    return 2;
}

/* ----------------------------------------------------------------- drift */

static bool map_equal(json_object *a, json_object *b)
{
    bool ea = !a || json_object_object_length(a) == 0, eb = !b || json_object_object_length(b) == 0;
    if (ea || eb) return ea && eb; /* nil and empty maps are equal (apiequality.Semantic) */
    return fc_json_equal(a, b);
}

bool fc_ssa_has_drifted(json_object *existing, json_object *dry)
{
    const char *rv = fc_json_get_str(dry, "metadata.resourceVersion");
    if (!rv || !*rv || !existing) return true;
    if (!map_equal(fc_json_get(dry, "metadata.labels"), fc_json_get(existing, "metadata.labels"))) return true;
    if (!map_equal(fc_json_get(dry, "metadata.annotations"), fc_json_get(existing, "metadata.annotations"))) return true;
    json_object *x = fc_json_copy(existing), *y = fc_json_copy(dry);
    json_object_object_del(x, "metadata");
    json_object_object_del(x, "status");
    json_object_object_del(y, "metadata");
    json_object_object_del(y, "status");
    bool drift = !fc_json_equal(x, y);
    json_object_put(x);
    json_object_put(y);
    return drift;
}

/* --------------------------------------------------------------- cleanup */

static void ptr_escape(fc_buf *b, const char *key)
{
    for (const char *c = key; *c; c++) {
        if (*c == '~') fc_buf_puts(b, "~0");
        else if (*c == '/') fc_buf_puts(b, "~1");
        else fc_buf_putc(b, *c);
    }
}

static void add_remove(json_object *patch, const char *where, const char *key)
{
    fc_buf p;
    fc_buf_init(&p, 0);
    fc_buf_printf(&p, "/metadata/%s/", where);
    ptr_escape(&p, key);
    json_object *op = json_object_new_object();
    json_object_object_add(op, "op", json_object_new_string("remove"));
    json_object_object_add(op, "path", json_object_new_string(p.ptr));
    json_object_array_add(patch, op);
    fc_buf_dispose(&p);
}

/* Union of two managedFields FieldsV1 tries. */
static void fields_union(json_object *into, json_object *from)
{
    if (!into || !from || !json_object_is_type(into, json_type_object) || !json_object_is_type(from, json_type_object))
        return;
    json_object_object_foreach(from, k, v) {
        json_object *cur = fc_json_key(into, k);
        if (cur && json_object_is_type(cur, json_type_object) && json_object_is_type(v, json_type_object))
            fields_union(cur, v);
        else if (!cur)
            json_object_object_add(into, k, fc_json_copy(v));
    }
}

static bool manager_matches(json_object *entry, const fc_ssa_manager_ref *m)
{
    const char *name = fc_json_key_str(entry, "manager"), *op = fc_json_key_str(entry, "operation");
    const char *sub = fc_json_key_str(entry, "subresource");
    for (; m && m->name; m++)
        if (name && op && !strncmp(name, m->name, strlen(m->name)) && !strcmp(op, m->operation) && (!sub || !*sub))
            return true;
    return false;
}

json_object *fc_ssa_cleanup_patch(json_object *existing, const fc_ssa_apply_opts *o)
{
    json_object *patch = json_object_new_array();
    json_object *ann = fc_json_get(existing, "metadata.annotations"), *lab = fc_json_get(existing, "metadata.labels");
    for (const char *const *a = o->cleanup_annotations; a && *a; a++)
        if (ann && json_object_object_get_ex(ann, *a, NULL)) add_remove(patch, "annotations", *a);
    for (const char *const *l = o->cleanup_labels; l && *l; l++)
        if (lab && json_object_object_get_ex(lab, *l, NULL)) add_remove(patch, "labels", *l);
    json_object *mf = fc_json_get(existing, "metadata.managedFields");
    if (o->cleanup_managers && mf && json_object_is_type(mf, json_type_array)) {
        size_t n = json_object_array_length(mf);
        ssize_t prev_idx = -1;
        for (size_t i = 0; i < n; i++) {
            json_object *e = json_object_array_get_idx(mf, i);
            const char *name = fc_json_key_str(e, "manager"), *op = fc_json_key_str(e, "operation");
            if (name && op && !strcmp(name, o->field_manager) && !strcmp(op, "Apply")) prev_idx = (ssize_t)i;
        }
        json_object *prev = prev_idx >= 0 ? fc_json_copy(json_object_array_get_idx(mf, (size_t)prev_idx)) : NULL;
        json_object *kept = json_object_new_array();
        bool edited = false;
        for (size_t i = 0; i < n; i++) {
            if ((ssize_t)i == prev_idx) continue;
            json_object *e = json_object_array_get_idx(mf, i);
            if (!manager_matches(e, o->cleanup_managers)) {
                json_object_array_add(kept, json_object_get(e));
                continue;
            }
            edited = true;
            if (!prev) {
                prev = fc_json_copy(e);
                json_object_object_add(prev, "manager", json_object_new_string(o->field_manager));
                json_object_object_add(prev, "operation", json_object_new_string("Apply"));
            } else {
                json_object *pf = fc_json_key(prev, "fieldsV1"), *ef = fc_json_key(e, "fieldsV1");
                if (!pf && ef) json_object_object_add(prev, "fieldsV1", fc_json_copy(ef));
                else fields_union(pf, ef);
            }
        }
        if (edited) {
            json_object_array_add(kept, prev);
            prev = NULL;
            json_object *op = json_object_new_object();
            json_object_object_add(op, "op", json_object_new_string("replace"));
            json_object_object_add(op, "path", json_object_new_string("/metadata/managedFields"));
            json_object_object_add(op, "value", kept);
            json_object_array_add(patch, op);
        } else {
            json_object_put(kept);
        }
        json_object_put(prev);
    }
    if (json_object_array_length(patch) == 0) {
        json_object_put(patch);
        return NULL;
    }
    return patch;
}

/* ------------------------------------------------------------------ apply */

static bool is_immutable_error(const fc_error *e)
{
    if (e->http_status == 409 || e->http_status == 422) return true; /* IsConflict || IsInvalid */
    return strstr(e->msg, "is immutable") || strstr(e->msg, "immutable field");
}

static void sleep_ns(int64_t ns)
{
    struct timespec ts = {ns / FC_NS_PER_S, ns % FC_NS_PER_S};
    nanosleep(&ts, NULL);
}

typedef struct slot {
    json_object *obj;      /* borrowed */
    fc_resource res;
    json_object *dry;      /* dry-run result (owned) */
    fc_ssa_action action;
    bool apply;
    int rc;
    char *err;
} slot;

typedef struct apply_ctx {
    fc_kube *kube;
    fc_mapper *mapper;
    const fc_ssa_apply_opts *o;
    slot *slots;
    size_t n;
    atomic_size_t next;
    bool retry_mapping;
} apply_ctx;

static void slot_err(slot *s, int rc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void slot_err(slot *s, int rc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (vasprintf(&s->err, fmt, ap) < 0) s->err = NULL;
    va_end(ap);
    s->rc = rc ? rc : FC_ERR;
}

static int lookup(apply_ctx *c, json_object *obj, fc_resource *res)
{
    const char *av = fc_json_get_str(obj, "apiVersion"), *k = fc_json_get_str(obj, "kind");
    int rc = fc_mapper_lookup(c->mapper, av, k, res);
    /* a CRD applied moments ago may take a little while to reach discovery */
    for (int i = 0; rc == FC_ENOTFOUND && c->retry_mapping && i < 10; i++) {
        sleep_ns(FC_NS_PER_S + FC_NS_PER_S / 10);
        rc = fc_mapper_lookup(c->mapper, av, k, res);
    }
    return rc;
}

static int get_live(apply_ctx *c, slot *s, json_object **live)
{
    const char *ns = fc_json_get_str(s->obj, "metadata.namespace"), *name = fc_json_get_str(s->obj, "metadata.name");
    *live = NULL;
    int rc = fc_kube_get(c->kube, &s->res, ns, name, live);
    return rc;
}

static void process_one(apply_ctx *c, slot *s)
{
    const fc_ssa_apply_opts *o = c->o;
    fc_buf subj;
    fc_buf_init(&subj, 0);
    fc_ssa_subject(s->obj, &subj);
    json_object *live = NULL, *patch = NULL;
    int rc = lookup(c, s->obj, &s->res);
    if (rc) {
        slot_err(s, rc, "%s dry-run failed: %s", subj.ptr, fc_err_msg());
        goto out;
    }
    const char *ns = fc_json_get_str(s->obj, "metadata.namespace");
    if (s->res.namespaced && (!ns || !*ns)) {
        slot_err(s, FC_EINVAL, "%s namespace not specified: set metadata.namespace or the Kustomization's targetNamespace",
                 subj.ptr);
        goto out;
    }
    int grc = get_live(c, s, &live);
    bool exists = grc == 0 && live;
    if (fc_ssa_any_in_metadata(s->obj, o->exclusion) || (exists && fc_ssa_any_in_metadata(live, o->exclusion)) ||
        (exists && fc_json_get_str(live, "metadata.uid") && fc_ssa_any_in_metadata(s->obj, o->if_not_present))) {
        s->action = FC_SSA_SKIPPED;
        goto out;
    }
    fc_apply_opts dry = {.field_manager = o->field_manager, .force = true, .dry_run = true};
    rc = fc_kube_apply(c->kube, &s->res, s->obj, &dry, &s->dry);
    if (rc && exists) {
        fc_error e = *fc_err_last();
        bool recreate = is_immutable_error(&e) &&
                        (o->force || fc_ssa_any_in_metadata(s->obj, o->force_selector) ||
                         fc_ssa_any_in_metadata(live, o->force_selector));
        if (recreate) {
            const char *name = fc_json_get_str(s->obj, "metadata.name");
            int drc = fc_kube_delete(c->kube, &s->res, ns, name, "Background");
            if (drc && drc != FC_ENOTFOUND) {
                slot_err(s, drc, "%s immutable field detected, failed to delete object: %s", subj.ptr, fc_err_msg());
                goto out;
            }
            int64_t deadline = fc_now_mono_ns() + (o->wait_timeout_ns ? o->wait_timeout_ns : 60 * FC_NS_PER_S);
            for (;;) {
                json_object *g = NULL;
                int r = fc_kube_get(c->kube, &s->res, ns, name, &g);
                json_object_put(g);
                if (r == FC_ENOTFOUND) break;
                if (fc_now_mono_ns() > deadline) {
                    slot_err(s, FC_ETIMEOUT, "%s immutable field detected, failed to wait for object to be deleted", subj.ptr);
                    goto out;
                }
                sleep_ns(o->wait_interval_ns ? o->wait_interval_ns : 2 * FC_NS_PER_S);
            }
            json_object_put(live);
            live = NULL;
            exists = false;
            rc = fc_kube_apply(c->kube, &s->res, s->obj, &dry, &s->dry);
        }
    }
    if (rc) {
        const fc_error *e = fc_err_last();
        if (rc == FC_ENOTFOUND)
            slot_err(s, rc, "%s %s: %s", subj.ptr, ns && *ns ? "not found" : "namespace not specified", e->msg);
        else if (e->reason[0])
            slot_err(s, rc, "%s dry-run failed (%s): %s", subj.ptr, e->reason, e->msg);
        else
            slot_err(s, rc, "%s dry-run failed: %s", subj.ptr, e->msg);
        goto out;
    }
    bool patched = false;
    if (exists && !fc_ssa_any_in_metadata(s->obj, o->cleanup_exclusion) && !fc_ssa_any_in_metadata(live, o->cleanup_exclusion) &&
        (patch = fc_ssa_cleanup_patch(live, o))) {
        char *body = fc_json_dump(patch);
        rc = fc_kube_patch(c->kube, &s->res, ns, fc_json_get_str(s->obj, "metadata.name"), NULL, FC_PATCH_JSON, body,
                           o->field_manager, NULL);
        free(body);
        if (rc) {
            slot_err(s, rc, "%s metadata.managedFields cleanup failed: %s", subj.ptr, fc_err_msg());
            goto out;
        }
        patched = true;
    }
    const char *rv = fc_json_get_str(s->dry, "metadata.resourceVersion");
    if (patched || fc_ssa_has_drifted(exists ? live : NULL, s->dry)) {
        s->apply = true;
        s->action = rv && *rv ? FC_SSA_CONFIGURED : FC_SSA_CREATED;
    } else {
        s->action = FC_SSA_UNCHANGED;
    }
out:
    json_object_put(live);
    json_object_put(patch);
    fc_buf_dispose(&subj);
}

static void *worker(void *arg)
{
    apply_ctx *c = arg;
    for (;;) {
        size_t i = atomic_fetch_add(&c->next, 1);
        if (i >= c->n) break;
        process_one(c, &c->slots[i]);
    }
    return NULL;
}

static int apply_all(fc_kube *kube, fc_mapper *mapper, json_object *objs, const fc_ssa_apply_opts *o, bool retry_mapping,
                     fc_ssa_changeset *cs)
{
    size_t n = json_object_array_length(objs);
    if (n == 0) return 0;
    apply_ctx c = {kube, mapper, o, calloc(n, sizeof(slot)), n, 0, retry_mapping};
    if (!c.slots) return fc_err_set(FC_ENOMEM, "out of memory");
    for (size_t i = 0; i < n; i++) c.slots[i].obj = json_object_array_get_idx(objs, i);
    int workers = o->concurrency > 0 ? o->concurrency : 4;
    if ((size_t)workers > n) workers = (int)n;
    pthread_t th[64];
    if (workers > 64) workers = 64;
    int started = 0;
    for (int i = 1; i < workers; i++)
        if (!pthread_create(&th[started], NULL, worker, &c)) started++;
    worker(&c);
    for (int i = 0; i < started; i++) pthread_join(th[i], NULL);

    int rc = 0;
    for (size_t i = 0; i < n && !rc; i++)
        if (c.slots[i].rc) rc = fc_err_set(c.slots[i].rc, "%s", c.slots[i].err ? c.slots[i].err : "apply failed");
    /* after a dry-run failure nothing of this stage was applied: no entries */
    size_t recorded = rc ? 0 : n;
    if (!rc) {
        fc_apply_opts ao = {.field_manager = o->field_manager, .force = true};
        for (size_t i = 0; i < n; i++) {
            slot *s = &c.slots[i];
            if (!s->apply) continue;
            if (fc_kube_apply(kube, &s->res, s->obj, &ao, NULL)) {
                fc_buf subj;
                fc_buf_init(&subj, 0);
                fc_ssa_subject(s->obj, &subj);
                rc = fc_err_wrap("%s apply failed", subj.ptr);
                fc_buf_dispose(&subj);
                recorded = i; /* objects before this one are done */
                break;
            }
        }
    }
    for (size_t i = 0; i < n; i++) {
        slot *s = &c.slots[i];
        if (i < recorded) {
            fc_ssa_entry *e = cs_add(cs);
            if (e) entry_fill(e, s->obj, s->action);
        }
        json_object_put(s->dry);
        free(s->err);
    }
    free(c.slots);
    return rc;
}

int fc_ssa_apply_all_staged(fc_kube *kube, fc_mapper *mapper, json_object *objects, const fc_ssa_apply_opts *o,
                            fc_ssa_changeset *cs)
{
    if (!o || !o->field_manager) return fc_err_set(FC_EINVAL, "staged apply: a field manager is required");
    json_object *stages[3] = {json_object_new_array(), json_object_new_array(), json_object_new_array()};
    for (size_t i = 0; i < json_object_array_length(objects); i++) {
        json_object *obj = json_object_array_get_idx(objects, i);
        json_object_array_add(stages[fc_ssa_stage(obj)], json_object_get(obj));
    }
    int rc = 0;
    bool crds = false;
    for (int st = 0; st < 3 && !rc; st++) {
        if (json_object_array_length(stages[st]) == 0) continue;
        fc_ssa_sort(stages[st]);
        size_t before = cs->n;
        rc = apply_all(kube, mapper, stages[st], o, crds, cs);
        if (rc || st == 2) break;
        /* wait for this stage's definitions (skipped ones are not ours to wait for) */
        json_object *wait = json_object_new_array();
        for (size_t i = before; i < cs->n; i++) {
            fc_ssa_entry *e = &cs->entries[i];
            if (e->action == FC_SSA_SKIPPED) continue;
            if (!strcmp(e->kind, "CustomResourceDefinition") && e->action != FC_SSA_UNCHANGED) crds = true;
            for (size_t j = 0; j < json_object_array_length(stages[st]); j++) {
                json_object *obj = json_object_array_get_idx(stages[st], j);
                if (!strcmp(s_or(fc_json_get_str(obj, "metadata.name")), e->name) &&
                    !strcmp(s_or(fc_json_get_str(obj, "kind")), e->kind) &&
                    !strcmp(s_or(fc_json_get_str(obj, "metadata.namespace")), e->ns)) {
                    json_object_array_add(wait, json_object_get(obj));
                    break;
                }
            }
        }
        fc_ssa_wait_opts wo = {.interval_ns = o->wait_interval_ns ? o->wait_interval_ns : 2 * FC_NS_PER_S,
                               .timeout_ns = o->wait_timeout_ns ? o->wait_timeout_ns : 60 * FC_NS_PER_S};
        rc = fc_ssa_wait(kube, mapper, wait, &wo);
        json_object_put(wait);
    }
    for (int i = 0; i < 3; i++) json_object_put(stages[i]);
    return rc;
}

/* ----------------------------------------------------------------- delete */

static int cmp_obj_rev(const void *a, const void *b) { return -cmp_obj(a, b); }

int fc_ssa_delete_all(fc_kube *kube, fc_mapper *mapper, json_object *objects, const fc_ssa_delete_opts *o,
                      fc_ssa_changeset *cs)
{
    json_object *sorted = json_object_new_array();
    for (size_t i = 0; i < json_object_array_length(objects); i++)
        json_object_array_add(sorted, json_object_get(json_object_array_get_idx(objects, i)));
    json_object_array_sort(sorted, cmp_obj_rev);
    fc_buf errs;
    fc_buf_init(&errs, 0);
    int first_rc = 0;
    for (size_t i = 0; i < json_object_array_length(sorted); i++) {
        json_object *obj = json_object_array_get_idx(sorted, i);
        fc_buf subj;
        fc_buf_init(&subj, 0);
        fc_ssa_subject(obj, &subj);
        fc_ssa_entry *e = cs_add(cs);
        if (!e) break;
        entry_fill(e, obj, FC_SSA_UNKNOWN);
        fc_resource res;
        json_object *live = NULL;
        const char *ns = fc_json_get_str(obj, "metadata.namespace"), *name = fc_json_get_str(obj, "metadata.name");
        int rc = fc_mapper_lookup(mapper, fc_json_get_str(obj, "apiVersion"), fc_json_get_str(obj, "kind"), &res);
        if (rc == FC_ENOTFOUND) {
            e->action = FC_SSA_DELETED; /* the kind itself is gone, and with it the object */
            fc_buf_dispose(&subj);
            continue;
        }
        if (!rc) rc = fc_kube_get(kube, &res, ns, name, &live);
        if (rc == FC_ENOTFOUND) {
            e->action = FC_SSA_DELETED;
        } else if (rc) {
            fc_buf_printf(&errs, "%s query failed: %s;", subj.ptr, fc_err_msg());
            if (!first_rc) first_rc = rc;
        } else if (!labels_include(live, o ? o->inclusions : NULL) || (o && fc_ssa_any_in_metadata(live, o->exclusions))) {
            e->action = FC_SSA_SKIPPED;
        } else {
            char *why = NULL;
            if (o && o->guard && !o->guard(live, o->guard_arg, &why)) {
                e->action = FC_SSA_SKIPPED;
                e->note = why;
            } else if ((rc = fc_kube_delete(kube, &res, ns, name, o && o->propagation ? o->propagation : "Background")) &&
                       rc != FC_ENOTFOUND) {
                fc_buf_printf(&errs, "%s delete failed: %s;", subj.ptr, fc_err_msg());
                if (!first_rc) first_rc = rc;
            } else {
                e->action = FC_SSA_DELETED;
            }
        }
        json_object_put(live);
        fc_buf_dispose(&subj);
    }
    json_object_put(sorted);
    int rc = 0;
    if (errs.len) rc = fc_err_set(first_rc, "delete failed, errors: %s", errs.ptr);
    fc_buf_dispose(&errs);
    return rc;
}
