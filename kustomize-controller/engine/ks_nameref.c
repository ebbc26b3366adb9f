/*
 * ks_nameref.c: fixing name references after names changed (kustomize's
 * FixBackReferences). For every resource that may refer to another kind by
 * name (the nameReference table: a Deployment's configMapKeyRef names a
 * ConfigMap, a RoleBinding's subjects name ServiceAccounts...), each name
 * found at a referring field is looked up among the candidates: resources
 * of the referred kind that once had that name (previous ids), in a
 * namespace the referrer can see, with the roleRef kind/apiGroup when the
 * field is a roleRef; ties are broken by equal prefix/suffix history, and
 * identical names win outright. The referrer then gets the candidate's
 * current name (and namespace, for {name, namespace} maps). This is
 * kustomize's selectReferral, sieve by sieve.
 */
#include "ks_internal.h"
#include <stdlib.h>
#include <string.h>

/* a resource with its current scope, computed once per pass (only the
 * referrer being fixed can change, and its entry is refreshed after) */
typedef struct nrinfo {
    ks_res *r;
    bool cluster;
    char *ns;          /* effective namespace */
    size_t mark, mark2; /* in the current candidate subset / namespace group */
} nrinfo;

/* (previous name, resource), sorted by name then map order: the
 * resources that once had a name, found by binary search */
typedef struct nrname {
    const char *name;
    nrinfo *in;
} nrname;

typedef struct nrpass {
    nrinfo *all;
    size_t nall;
    nrname *idx;
    size_t nidx;
    size_t gen, gen2;
} nrpass;

typedef struct nrctx {
    nrpass *pass;
    nrinfo *referrer;
    nrinfo **cand; /* subset that could be referenced by the referrer (marked gen) */
    size_t ncand;
    const ks_nameref *target; /* referred-to GVK */
    const ks_fieldspec *fs;
} nrctx;

static bool prev_selected_by(const ks_res *r, const char *g, const char *v, const char *k)
{
    for (size_t i = 0; i < r->nprev; i++) {
        ks_id id;
        if (ks_res_previd(r, i, &id)) return false;
        bool sel = ks_gvk_selected(id.group, id.version, id.kind, g, v, k);
        ks_id_dispose(&id);
        if (sel) return true;
    }
    return false;
}

static int info_fill(nrinfo *in, ks_res *r)
{
    ks_id id;
    free(in->ns);
    in->r = r;
    in->ns = NULL;
    if (ks_res_curid(r, &id)) return -1;
    in->cluster = ks_id_cluster_scoped(&id);
    in->ns = ks_strdup(ks_id_effective_ns(&id));
    ks_id_dispose(&id);
    return in->ns ? 0 : fc_err_set(FC_ENOMEM, "out of memory");
}

static int nrname_cmp(const void *a, const void *b)
{
    const nrname *x = a, *y = b;
    int c = strcmp(x->name, y->name);
    if (c) return c;
    return x->in < y->in ? -1 : x->in > y->in;
}

/* the index entries for name: [*lo, *hi) */
static void name_range(const nrpass *p, const char *name, size_t *lo, size_t *hi)
{
    size_t l = 0, h = p->nidx;
    while (l < h) {
        size_t mid = l + (h - l) / 2;
        if (strcmp(p->idx[mid].name, name) < 0) l = mid + 1;
        else h = mid;
    }
    *lo = l;
    h = l;
    while (h < p->nidx && strcmp(p->idx[h].name, name) == 0) h++;
    *hi = h;
}

/* selectReferral over the marked subset (the referrer's candidates, or
 * the namespace group when grp) of the resources that once were named
 * old; *out NULL = nothing to do */
static int select_referral(nrctx *c, const char *old, bool grp, bool with_ns, ks_res **out)
{
    *out = NULL;
    size_t lo, hi;
    name_range(c->pass, old, &lo, &hi);
    size_t n = hi - lo;
    if (n == 0) return 0;
    ks_res **keep = calloc(n, sizeof *keep);
    if (!keep) return fc_err_set(FC_ENOMEM, "out of memory");
    size_t k = 0;
    /* roleRef: kind and apiGroup of the roleRef */
    bool roleref = ks_has_suffix(c->fs->path, "roleRef/name");
    const char *rr_group = NULL, *rr_kind = NULL;
    if (roleref) {
        json_object *rr = ks_obj_get(c->referrer->r->obj, "roleRef");
        json_object *ag = ks_obj_get(rr, "apiGroup"), *kd = ks_obj_get(rr, "kind");
        if (ag && kd && json_object_is_type(ag, json_type_string) && json_object_is_type(kd, json_type_string)) {
            rr_group = json_object_get_string(ag);
            rr_kind = json_object_get_string(kd);
        } else {
            roleref = false;
        }
    }
    bool ref_cluster = c->referrer->cluster;
    for (size_t i = lo; i < hi; i++) {
        nrinfo *in = c->pass->idx[i].in;
        if (grp ? in->mark2 != c->pass->gen2 : in->mark != c->pass->gen) continue;
        ks_res *r = in->r;
        if (!prev_selected_by(r, c->target->group, c->target->version, c->target->kind)) continue;
        if (roleref && !prev_selected_by(r, rr_group, "", rr_kind)) continue;
        if (!ref_cluster && !in->cluster && !ks_str_eq(ks_res_kind(r), "ServiceAccount") &&
            strcmp(c->referrer->ns, in->ns) != 0)
            continue;
        keep[k++] = r;
    }
    if (k > 1) {
        size_t j = 0;
        for (size_t i = 0; i < k; i++)
            if (ks_res_prefix_suffix_equals(keep[i], c->referrer->r)) keep[j++] = keep[i];
        if (j == 1) {
            *out = keep[0];
            free(keep);
            return 0;
        }
        k = j;
    }
    if (k == 1) {
        *out = keep[0];
        free(keep);
        return 0;
    }
    if (k == 0) {
        free(keep);
        return 0;
    }
    bool same = true;
    for (size_t i = 1; i < k; i++) {
        if (!ks_str_eq(ks_res_name(keep[i]), ks_res_name(keep[0]))) same = false;
        if (with_ns && !ks_str_eq(ks_res_ns(keep[i]), ks_res_ns(keep[0]))) same = false;
    }
    if (same) {
        *out = keep[0];
        free(keep);
        return 0;
    }
    fc_buf b;
    fc_buf_init(&b, 0);
    for (size_t i = 0; i < k; i++) {
        ks_id id;
        if (ks_res_curid(keep[i], &id)) continue;
        char *s = ks_id_string(&id);
        fc_buf_printf(&b, "%s%s", i ? ", " : "", s ? s : "");
        free(s);
        ks_id_dispose(&id);
    }
    int rc = fc_err_set(FC_EINVAL, "found multiple possible referrals for name '%s': %s", old, b.ptr ? b.ptr : "");
    fc_buf_dispose(&b);
    free(keep);
    return rc;
}

static int set_scalar(nrctx *c, ks_slot *slot)
{
    json_object *v = ks_slot_get(slot);
    char *old = ks_json_text(v);
    if (!old) return 0;
    ks_res *ref = NULL;
    int rc = select_referral(c, old, false, false, &ref);
    if (!rc && ref && strcmp(ks_res_name(ref), old) != 0) ks_slot_set(slot, json_object_new_string(ks_res_name(ref)));
    free(old);
    return rc;
}

static int set_mapping(nrctx *c, json_object *m)
{
    json_object *namev = NULL;
    if (!json_object_object_get_ex(m, "name", &namev) || !namev)
        return fc_err_set(FC_EINVAL, "path config error; no 'name' field in node");
    json_object *nsv = NULL;
    bool grp = false;
    if (json_object_object_get_ex(m, "namespace", &nsv) && nsv) {
        char *ns = ks_json_text(nsv);
        if (!ns) return fc_err_set(FC_ENOMEM, "out of memory");
        /* original namespaces first, then current ones */
        size_t gen2 = ++c->pass->gen2, ng = 0;
        for (int pass = 0; pass < 2 && ng == 0; pass++) {
            for (size_t i = 0; i < c->ncand; i++) {
                ks_id id;
                if ((pass == 0 ? ks_res_orgid(c->cand[i]->r, &id) : ks_res_curid(c->cand[i]->r, &id))) continue;
                if (!ks_id_cluster_scoped(&id) && strcmp(ks_id_effective_ns(&id), ns) == 0) {
                    c->cand[i]->mark2 = gen2;
                    ng++;
                }
                ks_id_dispose(&id);
            }
        }
        free(ns);
        grp = true;
    }
    char *old = ks_json_text(namev);
    ks_res *ref = NULL;
    int rc = old ? select_referral(c, old, grp, true, &ref) : 0;
    if (!rc && ref) {
        const char *rn = ks_res_name(ref), *rns = ks_res_ns(ref);
        if (!(strcmp(rn, old) == 0 && !*rns)) {
            json_object_object_add(m, "name", json_object_new_string(rn));
            if (*rns) json_object_object_add(m, "namespace", json_object_new_string(rns));
        }
    }
    free(old);
    return rc;
}

static int nr_set(ks_slot *slot, void *ud)
{
    nrctx *c = ud;
    json_object *v = ks_slot_get(slot);
    if (!v) return 0;
    if (json_object_is_type(v, json_type_object)) return set_mapping(c, v);
    if (json_object_is_type(v, json_type_array)) {
        size_t n = json_object_array_length(v);
        for (size_t i = 0; i < n; i++) {
            json_object *e = json_object_array_get_idx(v, i);
            if (!e) continue;
            if (json_object_is_type(e, json_type_object)) {
                if (set_mapping(c, e)) return -1;
            } else if (!json_object_is_type(e, json_type_array)) {
                ks_slot es = {v, NULL, i, NULL};
                if (set_scalar(c, &es)) return -1;
            }
        }
        return 0;
    }
    return set_scalar(c, slot);
}

/* SubsetThatCouldBeReferencedByResource */
static int subset_for(nrpass *p, nrinfo *ref, nrinfo ***out, size_t *nout)
{
    nrinfo *all = p->all;
    size_t nall = p->nall, gen = ++p->gen;
    nrinfo **v = calloc(nall ? nall : 1, sizeof *v);
    if (!v) return fc_err_set(FC_ENOMEM, "out of memory");
    size_t n = 0;
    if (ref->cluster) {
        for (size_t i = 0; i < nall; i++) {
            all[i].mark = gen;
            v[n++] = &all[i];
        }
        *out = v;
        *nout = n;
        return 0;
    }
    /* a RoleBinding can see the namespaces of its ServiceAccount subjects */
    ks_strv rbns = {0};
    if (ks_str_eq(ks_res_kind(ref->r), "RoleBinding")) {
        json_object *subjects = ks_obj_get(ref->r->obj, "subjects");
        size_t sn = ks_is_seq(subjects) ? json_object_array_length(subjects) : 0;
        for (size_t i = 0; i < sn; i++) {
            json_object *s = json_object_array_get_idx(subjects, i);
            json_object *ns = ks_obj_get(s, "namespace"), *kind = ks_obj_get(s, "kind");
            if (!ns || !kind || !json_object_is_type(kind, json_type_string) ||
                strcmp(json_object_get_string(kind), "ServiceAccount") != 0)
                continue;
            if (!json_object_is_type(ns, json_type_string)) {
                free(v);
                ks_strv_dispose(&rbns);
                return fc_err_set(FC_EINVAL, "Invalid Input: namespace is blank for resource %s",
                                  ks_res_name(ref->r));
            }
            ks_strv_push(&rbns, json_object_get_string(ns));
        }
    }
    for (size_t i = 0; i < nall; i++) {
        nrinfo *t = &all[i];
        if (t->cluster || strcmp(t->ns, ref->ns) == 0 || (rbns.n && ks_strv_contains(&rbns, ks_res_ns(t->r)))) {
            t->mark = gen;
            v[n++] = t;
        }
    }
    ks_strv_dispose(&rbns);
    *out = v;
    *nout = n;
    return 0;
}

static int fix_one(nrpass *p, nrinfo *ref, const ks_tconfig *tc)
{
    ks_id org;
    if (ks_res_orgid(ref->r, &org)) return -1;
    nrinfo **cand = NULL;
    size_t ncand = 0;
    bool have = false;
    int rc = 0;
    for (size_t b = 0; b < tc->nnameref && !rc; b++) {
        const ks_nameref *nr = &tc->nameref[b];
        for (size_t f = 0; f < nr->referrers.n && !rc; f++) {
            const ks_fieldspec *fs = &nr->referrers.v[f];
            if (!ks_gvk_selected(org.group, org.version, org.kind, fs->group, fs->version, fs->kind)) continue;
            if (!have) {
                rc = subset_for(p, ref, &cand, &ncand);
                if (rc) break;
                have = true;
            }
            /* the field spec takes the referrer's own GVK */
            ks_fieldspec own = {"", "", "", fs->path, false};
            nrctx c = {p, ref, cand, ncand, nr, fs};
            rc = ks_fieldspec_apply(ref->r, &own, KS_CREATE_NONE, nr_set, &c);
            if (rc) {
                ks_id cur;
                char *s = NULL;
                if (!ks_res_curid(ref->r, &cur)) {
                    s = ks_id_string(&cur);
                    ks_id_dispose(&cur);
                }
                fc_err_wrap("updating name reference in '%s' field of '%s'", fs->path, s ? s : "?");
                free(s);
            }
            /* a custom field spec may have touched the referrer's own id */
            if (!rc) rc = info_fill(ref, ref->r);
        }
    }
    free(cand);
    ks_id_dispose(&org);
    return rc;
}

int ks_fix_name_references(ks_resmap *m, const ks_tconfig *tc)
{
    nrpass p = {0};
    p.nall = m->n;
    p.all = calloc(m->n ? m->n : 1, sizeof *p.all);
    size_t nprev = 0;
    for (size_t i = 0; i < m->n; i++) nprev += m->v[i]->nprev;
    p.idx = calloc(nprev ? nprev : 1, sizeof *p.idx);
    int rc = p.all && p.idx ? 0 : fc_err_set(FC_ENOMEM, "out of memory");
    for (size_t i = 0; i < m->n && !rc; i++) {
        ks_res *r = m->v[i];
        rc = info_fill(&p.all[i], r);
        for (size_t j = 0; j < r->nprev && !rc; j++) {
            bool seen = false;
            for (size_t k = 0; k < j && !seen; k++) seen = ks_str_eq(r->prev[k].name, r->prev[j].name);
            if (seen) continue;
            p.idx[p.nidx].name = r->prev[j].name ? r->prev[j].name : "";
            p.idx[p.nidx++].in = &p.all[i];
        }
    }
    if (!rc) qsort(p.idx, p.nidx, sizeof *p.idx, nrname_cmp);
    for (size_t i = 0; i < m->n && !rc; i++) rc = fix_one(&p, &p.all[i], tc);
    for (size_t i = 0; p.all && i < m->n; i++) free(p.all[i].ns);
    free(p.all);
    free(p.idx);
    return rc;
}
