/*
 * reconcile.c: the Kustomization reconcile (reference 2.3), one call of
 * ksc_reconcile() per work item, on a private copy of the object that the
 * driver patches back (libcommon's reconcile contract).
 *
 *   source -> dependencies -> fetch (shared artifact cache) -> workspace ->
 *   generate kustomization.yaml -> build (engine) -> postBuild substitution
 *   -> staged server-side apply (fc/ssa) -> inventory -> prune -> health
 *   checks -> status, history and events
 *
 * Conditions, messages, reasons and events follow Flux's
 * kustomize-controller so existing tooling and alerts keep working; where
 * Flux's messages hurt (health checks, prune), they carry more: the failing
 * objects with their own reasons, and what was kept and why.
 *
 * Each step that fails sets Ready=False with its reason and returns; the
 * outcome is recorded in status.history, one Warning event carries the
 * error, and the item is retried after spec.retryInterval.
 */
#include "ksc.h"
#include "engine/kustomize.h"
#include "fc/base64.h"
#include "fc/conditions.h"
#include "fc/controller.h"
#include "fc/duration.h"
#include "fc/err.h"
#include "fc/json.h"
#include "fc/log.h"
#include "fc/securepath.h"
#include "fc/ssa.h"
#include <openssl/sha.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define GROUP "kustomize.toolkit.fluxcd.io"

static const fc_resource cm_res = {"", "v1", "configmaps", "ConfigMap", true};
static const fc_resource secret_res = {"", "v1", "secrets", "Secret", true};

/* -------------------------------------------------------------- helpers */

int64_t ksc_timeout(json_object *obj)
{
    int64_t iv = 0, t = 0;
    const char *s = fc_json_get_str(obj, "spec.interval");
    if (s) fc_duration_parse(s, &iv);
    int64_t d = iv - 30 * FC_NS_PER_S;
    s = fc_json_get_str(obj, "spec.timeout");
    if (s && !fc_duration_parse(s, &t)) d = t;
    return d < 30 * FC_NS_PER_S ? 30 * FC_NS_PER_S : d;
}

int64_t ksc_retry_interval(json_object *obj)
{
    int64_t v = 0;
    const char *s = fc_json_get_str(obj, "spec.retryInterval");
    if (s && !fc_duration_parse(s, &v) && v > 0) return v;
    s = fc_json_get_str(obj, "spec.interval");
    if (s && !fc_duration_parse(s, &v) && v > 0) return v;
    return 60 * FC_NS_PER_S;
}

static void dur(int64_t ns, char *out, size_t n) { fc_duration_format(ns, out, n); }

/* "main/abc" (pre-2.0 revisions) -> "main@sha1:abc" */
static void normalise_revision(const char *r, char *out, size_t n)
{
    const char *slash = r ? strrchr(r, '/') : NULL;
    if (r && !strchr(r, '@') && !strchr(r, ':') && slash && strlen(slash + 1) == 40)
        snprintf(out, n, "%.*s@sha1:%s", (int)(slash - r), r, slash + 1);
    else
        snprintf(out, n, "%s", r ? r : "");
}

bool ksc_same_revision(const char *a, const char *b)
{
    if (!a || !b) return false;
    char x[512], y[512];
    normalise_revision(a, x, sizeof x);
    normalise_revision(b, y, sizeof y);
    return !strcmp(x, y);
}

/* Flux's event(): reason is the current Ready reason (or the severity). */
void ksc_event(fc_rctx *r, bool warning, const char *reason_override, const char *revision, const char *origin,
               const char *extra_key, const char *extra_value, const char *fmt, ...)
{
    char *m = NULL;
    va_list ap;
    va_start(ap, fmt);
    if (vasprintf(&m, fmt, ap) < 0) m = NULL;
    va_end(ap);
    json_object *md = json_object_new_object();
    if (revision && *revision) json_object_object_add(md, GROUP "/revision", json_object_new_string(revision));
    if (origin && *origin) json_object_object_add(md, GROUP "/originRevision", json_object_new_string(origin));
    if (extra_key) json_object_object_add(md, extra_key, json_object_new_string(extra_value));
    const char *reason = reason_override ? reason_override : fc_cond_reason(r->obj, "Ready");
    if (!reason || !*reason) reason = warning ? "error" : "info";
    fc_rctx_event(r, warning ? FC_EVENT_WARNING : FC_EVENT_NORMAL, reason, md, "%s", m ? m : "");
    json_object_put(md);
    free(m);
}

static void mark_ready_false(fc_rctx *r, const char *reason, const char *msg)
{
    fc_cond_set(r->obj, "Ready", "False", reason, msg);
    fc_rctx_fail(r, reason, "%s", msg);
}

static void progressing(fc_rctx *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void progressing(fc_rctx *r, const char *fmt, ...)
{
    char *m = NULL;
    va_list ap;
    va_start(ap, fmt);
    if (vasprintf(&m, fmt, ap) < 0) m = NULL;
    va_end(ap);
    fc_cond_mark_reconciling(r->obj, "Progressing", m ? m : "");
    fc_rctx_patch_status(r);
    free(m);
}

/* --------------------------------------------------------------- source */

typedef struct source_kind {
    const char *kind;
    fc_resource res;
} source_kind;

static const source_kind source_kinds[] = {
    {"GitRepository", {"source.toolkit.fluxcd.io", "v1", "gitrepositories", "GitRepository", true}},
    {"OCIRepository", {"source.toolkit.fluxcd.io", "v1", "ocirepositories", "OCIRepository", true}},
    {"Bucket", {"source.toolkit.fluxcd.io", "v1", "buckets", "Bucket", true}},
    {"ExternalArtifact", {"source.toolkit.fluxcd.io", "v1", "externalartifacts", "ExternalArtifact", true}},
    {NULL, {0}},
};

const fc_resource *ksc_source_resource(const char *kind)
{
    for (const source_kind *s = source_kinds; s->kind; s++)
        if (kind && !strcmp(kind, s->kind)) return &s->res;
    return NULL;
}

typedef enum { SRC_OK, SRC_NOT_FOUND, SRC_DENIED, SRC_ERROR } src_result;

static src_result get_source(ksc_state *st, fc_rctx *r, json_object **out, char *msg, size_t msgn)
{
    const char *kind = fc_json_get_str(r->obj, "spec.sourceRef.kind"), *name = fc_json_get_str(r->obj, "spec.sourceRef.name");
    const char *sns = fc_json_get_str(r->obj, "spec.sourceRef.namespace");
    if (!sns || !*sns) sns = r->ns;
    *out = NULL;
    if (fc_manager_no_cross_ns_refs(r->mgr) && strcmp(sns, r->ns)) {
        snprintf(msg, msgn, "can't access '%s/%s/%s', cross-namespace references have been blocked", kind ? kind : "", sns,
                 name ? name : "");
        return SRC_DENIED;
    }
    if (kind && !strcmp(kind, "ExternalArtifact") && !st->allow_external_artifact) {
        snprintf(msg, msgn, "can't access '%s/%s/%s', ExternalArtifact feature gate is disabled", kind, sns, name ? name : "");
        return SRC_DENIED;
    }
    const fc_resource *res = ksc_source_resource(kind);
    if (!res) {
        snprintf(msg, msgn, "source `%s` kind '%s' not supported", name ? name : "", kind ? kind : "");
        return SRC_ERROR;
    }
    fc_informer *inf = ksc_source_informer(st, kind);
    if (inf && fc_informer_synced(inf)) {
        *out = fc_informer_get(inf, sns, name);
        if (*out) return SRC_OK;
    }
    /* not cached (yet): ask the API server */
    int rc = fc_kube_get(r->kube, res, sns, name, out);
    if (rc == FC_ENOTFOUND) {
        snprintf(msg, msgn, "%s.%s \"%s\" not found", res->resource, res->group, name ? name : "");
        return SRC_NOT_FOUND;
    }
    if (rc) {
        snprintf(msg, msgn, "unable to get source '%s/%s': %s", sns, name ? name : "", fc_err_msg());
        return SRC_ERROR;
    }
    return SRC_OK;
}

/* ---------------------------------------------------------- dependencies */

static const fc_resource ks_res = {GROUP, "v1", "kustomizations", "Kustomization", true};

/* Follow dependsOn from the dependency named by (ns, name) looking for a
 * path back to self (bounded). */
static bool cycle_through(fc_rctx *r, const char *ns, const char *name, int depth, fc_buf *path)
{
    if (depth > 32) return false;
    if (!strcmp(ns, r->ns) && !strcmp(name, r->name)) return true;
    json_object *dep = fc_informer_get(fc_controller_informer(r->ctrl), ns, name);
    if (!dep) return false;
    json_object *deps = fc_json_get(dep, "spec.dependsOn");
    bool found = false;
    for (size_t i = 0; !found && deps && i < json_object_array_length(deps); i++) {
        json_object *d = json_object_array_get_idx(deps, i);
        const char *dn = fc_json_key_str(d, "name"), *dns = fc_json_key_str(d, "namespace");
        if (!dn) continue;
        if (!dns || !*dns) dns = ns;
        size_t mark = path->len;
        fc_buf_printf(path, " -> %s/%s", dns, dn);
        found = cycle_through(r, dns, dn, depth + 1, path);
        if (!found) {
            path->len = mark;
            path->ptr[mark] = 0;
        }
    }
    json_object_put(dep);
    return found;
}

/* 0 = ready; otherwise msg says why. */
static int check_dependencies(fc_rctx *r, const char *revision, char *msg, size_t msgn)
{
    json_object *deps = fc_json_get(r->obj, "spec.dependsOn");
    const char *skind = fc_json_get_str(r->obj, "spec.sourceRef.kind"), *sname = fc_json_get_str(r->obj, "spec.sourceRef.name");
    const char *sns = fc_json_get_str(r->obj, "spec.sourceRef.namespace");
    if (!sns || !*sns) sns = r->ns;
    for (size_t i = 0; deps && i < json_object_array_length(deps); i++) {
        json_object *d = json_object_array_get_idx(deps, i);
        const char *dn = fc_json_key_str(d, "name"), *dns = fc_json_key_str(d, "namespace");
        if (!dn) continue;
        if (!dns || !*dns) dns = r->ns;
        if (fc_manager_no_cross_ns_refs(r->mgr) && strcmp(dns, r->ns)) {
            snprintf(msg, msgn, "dependency '%s/%s' can't be accessed, cross-namespace references have been blocked", dns, dn);
            return -1;
        }
        fc_buf path;
        fc_buf_init(&path, 0);
        fc_buf_printf(&path, "%s/%s -> %s/%s", r->ns, r->name, dns, dn);
        if (cycle_through(r, dns, dn, 0, &path)) {
            snprintf(msg, msgn, "dependency '%s/%s' can never become ready: dependency cycle %s", dns, dn, path.ptr);
            fc_buf_dispose(&path);
            return -1;
        }
        fc_buf_dispose(&path);
        json_object *dep = NULL;
        int rc = fc_kube_get(r->kube, &ks_res, dns, dn, &dep);
        if (rc) {
            snprintf(msg, msgn, "dependency '%s/%s' not found: %s", dns, dn, fc_err_msg());
            return -1;
        }
        bool ready = fc_json_get(dep, "status.conditions") && json_object_array_length(fc_json_get(dep, "status.conditions")) &&
                     fc_json_get_int(dep, "metadata.generation", 0) == fc_json_get_int(dep, "status.observedGeneration", -1) &&
                     fc_cond_is_true(dep, "Ready");
        if (!ready) {
            snprintf(msg, msgn, "dependency '%s/%s' is not ready", dns, dn);
            json_object_put(dep);
            return -1;
        }
        const char *dkind = fc_json_get_str(dep, "spec.sourceRef.kind"), *dname = fc_json_get_str(dep, "spec.sourceRef.name");
        const char *dsns = fc_json_get_str(dep, "spec.sourceRef.namespace");
        if (!dsns || !*dsns) dsns = dns;
        if (dkind && dname && skind && sname && !strcmp(dkind, skind) && !strcmp(dname, sname) && !strcmp(dsns, sns) &&
            !ksc_same_revision(revision, fc_json_get_str(dep, "status.lastAppliedRevision"))) {
            snprintf(msg, msgn, "dependency '%s/%s' revision is not up to date", dns, dn);
            json_object_put(dep);
            return -1;
        }
        json_object_put(dep);
    }
    return 0;
}

/* ------------------------------------------------------------- postBuild */

static void put_var(fc_strmap *vars, const char *k, const char *v, size_t len)
{
    char *c = malloc(len + 1);
    size_t j = 0;
    for (size_t i = 0; i < len; i++)
        if (v[i] != '\n') c[j++] = v[i];
    c[j] = 0;
    fc_strmap_put(vars, k, c);
}

static int load_vars(fc_rctx *r, fc_strmap *vars)
{
    json_object *from = fc_json_get(r->obj, "spec.postBuild.substituteFrom");
    for (size_t i = 0; from && i < json_object_array_length(from); i++) {
        json_object *ref = json_object_array_get_idx(from, i);
        const char *kind = fc_json_key_str(ref, "kind"), *name = fc_json_key_str(ref, "name");
        bool optional = fc_json_get_bool(ref, "optional", false);
        bool secret = kind && !strcmp(kind, "Secret");
        if (!kind || (!secret && strcmp(kind, "ConfigMap"))) continue;
        json_object *o = NULL;
        int rc = fc_kube_get(r->kube, secret ? &secret_res : &cm_res, r->ns, name, &o);
        if (rc == FC_ENOTFOUND && optional) continue;
        if (rc) return fc_err_wrap("substitute from '%s/%s' error", kind, name ? name : "");
        json_object *data = fc_json_get(o, "data");
        if (data && json_object_is_type(data, json_type_object)) {
            json_object_object_foreach(data, k, v) {
                const char *s = json_object_get_string(v);
                if (!secret) {
                    put_var(vars, k, s, strlen(s));
                    continue;
                }
                size_t len = 0;
                char *dec = fc_base64_decode(s, strlen(s), &len);
                if (!dec) {
                    json_object_put(o);
                    return fc_err_set(FC_EINVAL, "substitute from 'Secret/%s' error: key '%s' is not valid base64", name, k);
                }
                put_var(vars, k, dec, len);
                memset(dec, 0, len);
                free(dec);
            }
        }
        json_object_put(o);
    }
    json_object *inline_vars = fc_json_get(r->obj, "spec.postBuild.substitute");
    if (inline_vars && json_object_is_type(inline_vars, json_type_object)) {
        json_object_object_foreach(inline_vars, k, v) {
            const char *s = json_object_get_string(v);
            put_var(vars, k, s ? s : "", s ? strlen(s) : 0);
        }
    }
    return 0;
}

static void secure_free(void *p)
{
    if (p) memset(p, 0, strlen(p));
    free(p);
}

/* ----------------------------------------------------------------- build */

static bool is_sops_secret(json_object *o)
{
    const char *k = fc_json_get_str(o, "kind"), *av = fc_json_get_str(o, "apiVersion");
    return k && av && !strcmp(k, "Secret") && !strcmp(av, "v1") && fc_json_key(o, "sops");
}

static bool decryption_disabled(json_object *o)
{
    const char *a = fc_json_key_str(fc_json_get(o, "metadata.annotations"), GROUP "/decrypt");
    return a && !strcasecmp(a, "disabled");
}

static int build(ksc_state *st, fc_rctx *r, const char *ws, const char *dir, json_object **out, char digest[80])
{
    json_object *res = NULL, *final = json_object_new_array();
    ksc_varsub vs = {0};
    fc_buf yaml;
    fc_buf_init(&yaml, 0);
    int rc = ksc_generate(fc_json_get(r->obj, "spec"), ws, dir);
    if (rc) goto out;
    ks_build_opts bo = {0};
    bo.fs_root = ws;
    bo.path = dir;
    bo.load_restrictions = KS_LOAD_NONE;
    if ((rc = ks_build(&bo, &res))) {
        fc_err_wrap("kustomize build failed");
        goto out;
    }
    bool post = fc_json_get(r->obj, "spec.postBuild") != NULL;
    if (post) {
        vs.vars = fc_strmap_new(secure_free);
        vs.strict = st->strict_substitutions;
        vs.styles = ksc_styles_new();
        vs.tree = ws;
        json_object *patches = fc_json_get(r->obj, "spec.patches");
        for (size_t i = 0; patches && i < json_object_array_length(patches); i++) {
            const char *p = fc_json_get_str(json_object_array_get_idx(patches, i), "patch");
            if (p) ksc_styles_scan_text(vs.styles, p, strlen(p));
        }
        if ((rc = load_vars(r, vs.vars))) goto out;
    }
    for (size_t i = 0; i < json_object_array_length(res); i++) {
        json_object *o = json_object_array_get_idx(res, i);
        const char *name = fc_json_get_str(o, "metadata.name"), *kind = fc_json_get_str(o, "kind"),
                   *av = fc_json_get_str(o, "apiVersion");
        if (!name || !*name || !kind || !*kind || !av || !*av) {
            char *s = fc_json_dump(o);
            rc = fc_err_set(FC_EINVAL, "failed to decode Kubernetes apiVersion, kind and name from: %.300s", s);
            free(s);
            goto out;
        }
        if (is_sops_secret(o) && fc_json_get(r->obj, "spec.decryption") && !decryption_disabled(o)) {
            rc = fc_err_set(FC_EINVAL, "decryption failed for '%s/%s': SOPS decryption is not supported by this "
                                       "kustomize-controller yet", kind, name);
            goto out;
        }
        json_object *n = json_object_get(o);
        if (post) {
            json_object_put(n);
            if ((rc = ksc_varsub_object(&vs, o, &n))) goto out;
        }
        json_object_array_add(final, n);
    }
    if ((rc = ks_render(final, &yaml))) goto out;
    unsigned char h[SHA256_DIGEST_LENGTH];
    SHA256((const unsigned char *)(yaml.ptr ? yaml.ptr : ""), yaml.len, h);
    int k = snprintf(digest, 80, "sha256:");
    for (int i = 0; i < SHA256_DIGEST_LENGTH; i++) k += snprintf(digest + k, 80 - (size_t)k, "%02x", h[i]);
    *out = final;
    final = NULL;
out:
    json_object_put(res);
    json_object_put(final);
    fc_strmap_free(vs.vars);
    ksc_styles_free(vs.styles);
    fc_buf_dispose(&yaml);
    return rc;
}

/* ----------------------------------------------------------------- apply */

static void set_meta(json_object *obj, const char *field, const char *key, const char *value)
{
    json_object *md = fc_json_key(obj, "metadata");
    if (!md) {
        md = json_object_new_object();
        json_object_object_add(obj, "metadata", md);
    }
    json_object *m = fc_json_key(md, field);
    if (!m || !json_object_is_type(m, json_type_object)) {
        m = json_object_new_object();
        json_object_object_add(md, field, m);
    }
    json_object_object_add(m, key, json_object_new_string(value));
}

static void prepare_objects(fc_rctx *r, json_object *objs)
{
    json_object *cm = fc_json_get(r->obj, "spec.commonMetadata");
    for (size_t i = 0; i < json_object_array_length(objs); i++) {
        json_object *o = json_object_array_get_idx(objs, i);
        for (int f = 0; cm && f < 2; f++) {
            json_object *m = fc_json_key(cm, f ? "annotations" : "labels");
            if (!m || !json_object_is_type(m, json_type_object)) continue;
            json_object_object_foreach(m, k, v) set_meta(o, f ? "annotations" : "labels", k, json_object_get_string(v));
        }
        set_meta(o, "labels", GROUP "/name", r->name);
        set_meta(o, "labels", GROUP "/namespace", r->ns);
    }
}

static const char *const exclusion_sel[] = {GROUP "/reconcile", "disabled", GROUP "/ssa", "ignore", NULL};
static const char *const if_not_present_sel[] = {GROUP "/ssa", "ifnotpresent", NULL};
static const char *const force_sel[] = {GROUP "/force", "enabled", NULL};
static const char *const cleanup_ann[] = {"kubectl.kubernetes.io/last-applied-configuration", GROUP "/checksum",
                                          "fluxcd.io/sync-checksum", NULL};
static const char *const cleanup_lab[] = {"fluxcd.io/sync-gc-mark", NULL};
static const char *const cleanup_excl[] = {GROUP "/ssa", "merge", NULL};
static const char *const prune_excl[] = {GROUP "/prune", "disabled", GROUP "/reconcile", "disabled", GROUP "/ssa", "ignore", NULL};

static fc_ssa_manager_ref *cleanup_managers(ksc_state *st)
{
    size_t n = 0;
    while (st->override_managers && st->override_managers[n]) n++;
    fc_ssa_manager_ref *m = calloc(5 + 2 * n, sizeof *m);
    size_t k = 0;
    m[k++] = (fc_ssa_manager_ref){"kubectl", "Apply"};
    m[k++] = (fc_ssa_manager_ref){"kubectl", "Update"};
    m[k++] = (fc_ssa_manager_ref){"before-first-apply", "Update"};
    m[k++] = (fc_ssa_manager_ref){"kustomize-controller", "Update"};
    for (size_t i = 0; i < n; i++) {
        m[k++] = (fc_ssa_manager_ref){st->override_managers[i], "Apply"};
        m[k++] = (fc_ssa_manager_ref){st->override_managers[i], "Update"};
    }
    return m;
}

static json_object *inventory_from(const fc_ssa_changeset *cs)
{
    json_object *entries = json_object_new_array();
    for (size_t i = 0; i < cs->n; i++) {
        const fc_ssa_entry *e = &cs->entries[i];
        fc_buf id;
        fc_buf_init(&id, 0);
        ksc_inv_id(&id, e->ns, e->name, e->group, e->kind);
        json_object *ent = json_object_new_object();
        json_object_object_add(ent, "id", json_object_new_string(id.ptr));
        json_object_object_add(ent, "v", json_object_new_string(e->version));
        json_object_array_add(entries, ent);
        fc_buf_dispose(&id);
    }
    return entries;
}

static json_object *objref_list(const fc_ssa_changeset *cs, fc_rctx *r)
{
    json_object *a = json_object_new_array();
    for (size_t i = 0; i < cs->n; i++) {
        const fc_ssa_entry *e = &cs->entries[i];
        if (e->action == FC_SSA_SKIPPED) continue;
        if (!strcmp(e->kind, "Kustomization") && !strcmp(e->group, GROUP) && !strcmp(e->name, r->name) && !strcmp(e->ns, r->ns))
            continue; /* never wait on itself */
        ksc_objref o = {e->ns, e->name, e->group, e->kind, e->version};
        json_object_array_add(a, ksc_objref_to_object(&o));
    }
    return a;
}

static json_object *health_check_list(fc_rctx *r)
{
    json_object *a = json_object_new_array();
    json_object *hc = fc_json_get(r->obj, "spec.healthChecks");
    for (size_t i = 0; hc && i < json_object_array_length(hc); i++) {
        json_object *h = json_object_array_get_idx(hc, i);
        const char *av = fc_json_key_str(h, "apiVersion"), *kind = fc_json_key_str(h, "kind"),
                   *name = fc_json_key_str(h, "name"), *ns = fc_json_key_str(h, "namespace");
        if (!av || !*av) av = "apps/v1"; /* Flux's default for references without apiVersion */
        if (!strcmp(kind ? kind : "", "Kustomization") && !strncmp(av, GROUP "/", strlen(GROUP) + 1) &&
            !strcmp(name ? name : "", r->name) && !strcmp(ns && *ns ? ns : r->ns, r->ns))
            continue;
        json_object *o = json_object_new_object();
        json_object_object_add(o, "apiVersion", json_object_new_string(av));
        json_object_object_add(o, "kind", json_object_new_string(kind ? kind : ""));
        json_object *md = json_object_new_object();
        json_object_object_add(md, "name", json_object_new_string(name ? name : ""));
        if (ns && *ns) json_object_object_add(md, "namespace", json_object_new_string(ns));
        json_object_object_add(o, "metadata", md);
        json_object_array_add(a, o);
    }
    return a;
}

/* Merge prune survivors back into the new inventory (kustomize-controller#1664). */
static void merge_survivors(json_object *entries, const fc_ssa_changeset *cs, json_object *stale)
{
    for (size_t i = 0; i < json_object_array_length(stale); i++) {
        json_object *o = json_object_array_get_idx(stale, i);
        const char *kind = fc_json_get_str(o, "kind"), *name = fc_json_get_str(o, "metadata.name"),
                   *ns = fc_json_get_str(o, "metadata.namespace");
        bool settled = false;
        for (size_t j = 0; j < cs->n; j++) {
            const fc_ssa_entry *e = &cs->entries[j];
            if ((e->action == FC_SSA_DELETED || e->action == FC_SSA_SKIPPED) && !strcmp(e->kind, kind) &&
                !strcmp(e->name, name) && !strcmp(e->ns, ns ? ns : ""))
                settled = true;
        }
        if (settled) continue;
        char *g = NULL, *v = NULL;
        const char *av = fc_json_get_str(o, "apiVersion");
        const char *slash = strchr(av, '/');
        g = slash ? strndup(av, (size_t)(slash - av)) : strdup("");
        v = strdup(slash ? slash + 1 : av);
        fc_buf id;
        fc_buf_init(&id, 0);
        ksc_inv_id(&id, ns, name, g, kind);
        json_object *ent = json_object_new_object();
        json_object_object_add(ent, "id", json_object_new_string(id.ptr));
        json_object_object_add(ent, "v", json_object_new_string(v));
        json_object_array_add(entries, ent);
        fc_buf_dispose(&id);
        free(g);
        free(v);
    }
}

static void report_protected(fc_rctx *r, const fc_ssa_changeset *cs, const char *rev, const char *origin)
{
    for (size_t i = 0; i < cs->n; i++)
        if (cs->entries[i].note)
            ksc_event(r, true, "PruneSkipped", rev, origin, NULL, NULL, "%s was not deleted: %s", cs->entries[i].subject,
                      cs->entries[i].note);
}

/* ------------------------------------------------------------- reconcile */

typedef struct run {
    ksc_state *st;
    fc_rctx *r;
    const char *revision, *origin, *url, *digest;
    int64_t started, timeout;
    char tbuf[64];
} run;

/* Record a failure: Ready=False, history, one Warning event. */
static fc_result failed(run *x, const char *reason, const char *history_digest, const char *msg)
{
    fc_rctx *r = x->r;
    mark_ready_false(r, reason, msg);
    if (history_digest)
        ksc_history_upsert(r->obj, history_digest, fc_now_wall_ns(), fc_now_mono_ns() - x->started, reason, x->revision, x->origin);
    ksc_event(r, true, NULL, x->revision, x->origin, NULL, NULL, "%s", msg);
    return fc_retry(ksc_retry_interval(r->obj));
}

static fc_result reconcile_revision(run *x)
{
    ksc_state *st = x->st;
    fc_rctx *r = x->r;
    fc_result res = fc_success();
    ksc_artifact *art = NULL;
    char *ws = NULL, *dir = NULL;
    json_object *objects = NULL, *old_entries = NULL, *stale = NULL, *checks = NULL;
    ksc_client cl = {0};
    fc_ssa_changeset cs, pcs;
    fc_ssa_changeset_init(&cs);
    fc_ssa_changeset_init(&pcs);
    fc_ssa_manager_ref *managers = NULL;
    char digest[80] = "", msg[1024];

    fc_cond_set(r->obj, "Ready", "Unknown", "Progressing", "Reconciliation in progress");
    progressing(r, "Fetching manifests for revision %s with a timeout of %s", x->revision, x->tbuf);
    old_entries = fc_json_copy(fc_json_get(r->obj, "status.inventory.entries"));

    int rc = ksc_artifacts_acquire(st->artifacts, x->url, x->digest, x->revision, &art);
    if (rc == FC_ENOTFOUND) {
        char d[32];
        dur(fc_manager_requeue_dependency(r->mgr), d, sizeof d);
        snprintf(msg, sizeof msg, "Source is not ready, artifact not found, retrying in %s", d);
        mark_ready_false(r, "ArtifactFailed", msg);
        fc_log(FC_LOG_INFO, "%s", msg);
        res = fc_requeue(fc_manager_requeue_dependency(r->mgr));
        goto out;
    }
    if (rc) {
        res = failed(x, "ArtifactFailed", NULL, fc_err_msg());
        goto out;
    }
    if ((rc = ksc_workspace_new(st->artifacts, art, &ws))) {
        res = failed(x, "DirectoryCreationFailed", NULL, fc_err_msg());
        goto out;
    }
    const char *path = fc_json_get_str(r->obj, "spec.path");
    if ((rc = fc_secure_join(ws, path ? path : "", &dir))) {
        res = failed(x, "ArtifactFailed", NULL, fc_err_msg());
        goto out;
    }
    struct stat sb;
    if (stat(dir, &sb) || !S_ISDIR(sb.st_mode)) {
        snprintf(msg, sizeof msg, "kustomization path not found: '%s' does not exist in the artifact of revision %s",
                 path && *path ? path : "./", x->revision);
        res = failed(x, "ArtifactFailed", NULL, msg);
        goto out;
    }
    fc_json_set_str(r->obj, "status.lastAttemptedRevision", x->revision);
    progressing(r, "Building manifests for revision %s with a timeout of %s", x->revision, x->tbuf);

    if ((rc = ksc_client_for(r->kube, fc_manager_mapper(r->mgr), r->obj, fc_manager_default_sa(r->mgr), &cl))) {
        snprintf(msg, sizeof msg, "failed to build kube client: %s", fc_err_msg());
        res = failed(x, "ReconciliationFailed", NULL, msg);
        goto out;
    }
    if ((rc = build(st, r, ws, dir, &objects, digest))) {
        res = failed(x, "BuildFailed", NULL, fc_err_msg());
        goto out;
    }
    ksc_rmtree(ws); /* done with the files */
    free(ws);
    ws = NULL;

    progressing(r, "Detecting drift for revision %s with a timeout of %s", x->revision, x->tbuf);
    prepare_objects(r, objects);
    for (size_t i = 0; i < json_object_array_length(objects); i++) {
        json_object *o = json_object_array_get_idx(objects, i);
        if (is_sops_secret(o) && !decryption_disabled(o)) {
            fc_buf s;
            fc_buf_init(&s, 0);
            fc_ssa_subject(o, &s);
            snprintf(msg, sizeof msg, "%s is SOPS encrypted, configuring decryption is required for this secret to be reconciled",
                     s.ptr);
            fc_buf_dispose(&s);
            res = failed(x, "ReconciliationFailed", digest, msg);
            goto out;
        }
    }
    managers = cleanup_managers(st);
    fc_ssa_apply_opts ao = {
        .field_manager = "kustomize-controller",
        .force = fc_json_get_bool(r->obj, "spec.force", false),
        .exclusion = exclusion_sel,
        .if_not_present = if_not_present_sel,
        .force_selector = force_sel,
        .cleanup_annotations = cleanup_ann,
        .cleanup_labels = cleanup_lab,
        .cleanup_managers = managers,
        .cleanup_exclusion = cleanup_excl,
        .concurrency = st->concurrent_ssa,
    };
    rc = fc_ssa_apply_all_staged(cl.kube, cl.mapper, objects, &ao, &cs);
    fc_buf changes;
    fc_buf_init(&changes, 0);
    fc_ssa_changeset_string(&cs, true, &changes);
    if (rc) {
        fc_buf m;
        fc_buf_init(&m, 0);
        fc_buf_printf(&m, "%s%s%s", fc_err_msg(), changes.len ? "\n" : "", changes.len ? changes.ptr : "");
        res = failed(x, "ReconciliationFailed", digest, m.ptr);
        fc_buf_dispose(&m);
        fc_buf_dispose(&changes);
        goto out;
    }
    bool drifted = changes.len > 0;
    if (drifted) {
        fc_log_kv(FC_LOG_INFO, "server-side apply completed", "revision", x->revision, "output", changes.ptr, NULL);
        ksc_event(r, false, NULL, x->revision, x->origin, NULL, NULL, "%s", changes.ptr);
    }
    fc_buf_dispose(&changes);

    json_object *entries = inventory_from(&cs);
    stale = ksc_inv_diff(old_entries, entries);
    json_object *inv = json_object_new_object();
    json_object_object_add(inv, "entries", entries);
    fc_json_set(r->obj, "status.inventory", inv);

    if (fc_json_get_bool(r->obj, "spec.prune", false) && json_object_array_length(stale) > 0) {
        const char *incl[] = {GROUP "/name", r->name, GROUP "/namespace", r->ns, NULL};
        ksc_prune_ctx pc = {r->kube, r->name, r->ns, fc_manager_runtime_ns(r->mgr)};
        fc_ssa_delete_opts dopt = {"Background", incl, prune_excl, ksc_prune_guard, &pc};
        rc = fc_ssa_delete_all(cl.kube, cl.mapper, stale, &dopt, &pcs);
        report_protected(r, &pcs, x->revision, x->origin);
        if (rc) {
            merge_survivors(entries, &pcs, stale);
            res = failed(x, "PruneFailed", digest, fc_err_msg());
            goto out;
        }
        fc_buf del;
        fc_buf_init(&del, 0);
        fc_ssa_changeset_string(&pcs, true, &del);
        if (del.len) {
            fc_log(FC_LOG_INFO, "garbage collection completed: %s", del.ptr);
            ksc_event(r, false, NULL, x->revision, x->origin, NULL, NULL, "%s", del.ptr);
        }
        fc_buf_dispose(&del);
    }

    bool wait = fc_json_get_bool(r->obj, "spec.wait", false);
    json_object *hc = fc_json_get(r->obj, "spec.healthChecks");
    if (!wait && (!hc || json_object_array_length(hc) == 0)) {
        fc_cond_delete(r->obj, "Healthy");
    } else {
        checks = wait ? objref_list(&cs, r) : health_check_list(r);
        if (json_object_array_length(checks) == 0) {
            fc_cond_delete(r->obj, "Healthy");
        } else {
            bool was_healthy = fc_cond_is_true(r->obj, "Healthy");
            bool new_revision = !ksc_same_revision(x->revision, fc_json_get_str(r->obj, "status.lastAppliedRevision"));
            snprintf(msg, sizeof msg, "Running health checks for revision %s with a timeout of %s", x->revision, x->tbuf);
            fc_cond_mark_reconciling(r->obj, "Progressing", msg);
            fc_cond_set(r->obj, "Healthy", "Unknown", "Progressing", msg);
            fc_rctx_patch_status(r);
            int64_t t0 = fc_now_mono_ns();
            fc_ssa_wait_opts wo = {.interval_ns = 5 * FC_NS_PER_S, .timeout_ns = x->timeout, .fail_fast = st->fail_fast};
            rc = fc_ssa_wait(cl.kube, cl.mapper, checks, &wo);
            char took[32];
            dur(fc_now_mono_ns() - t0, took, sizeof took);
            if (rc) {
                char *werr = strdup(fc_err_msg());
                fc_cond_set(r->obj, "Healthy", "False", "HealthCheckFailed", werr);
                fc_buf m;
                fc_buf_init(&m, 0);
                fc_buf_printf(&m, "health check failed after %s: %s", took, werr);
                res = failed(x, "HealthCheckFailed", digest, m.ptr);
                fc_buf_dispose(&m);
                free(werr);
                goto out;
            }
            snprintf(msg, sizeof msg, "Health check passed in %s", took);
            if (!was_healthy || (new_revision && drifted)) ksc_event(r, false, NULL, x->revision, x->origin, NULL, NULL, "%s", msg);
            fc_cond_set(r->obj, "Healthy", "True", "Succeeded", msg);
        }
    }

    fc_json_set_str(r->obj, "status.lastAppliedRevision", x->revision);
    if (x->origin && *x->origin) fc_json_set_str(r->obj, "status.lastAppliedOriginRevision", x->origin);
    else fc_json_del(r->obj, "status.lastAppliedOriginRevision");
    fc_cond_setf(r->obj, "Ready", "True", "ReconciliationSucceeded", "Applied revision: %s", x->revision);
    ksc_history_upsert(r->obj, digest, fc_now_wall_ns(), fc_now_mono_ns() - x->started, "ReconciliationSucceeded",
                       x->revision, x->origin);
out:
    if (ws) ksc_rmtree(ws);
    free(ws);
    free(dir);
    if (art) ksc_artifacts_release(st->artifacts, art);
    ksc_client_dispose(&cl);
    fc_ssa_changeset_dispose(&cs);
    fc_ssa_changeset_dispose(&pcs);
    free(managers);
    json_object_put(objects);
    json_object_put(old_entries);
    json_object_put(stale);
    json_object_put(checks);
    return res;
}

static fc_result stall(fc_rctx *r, const char *reason, const char *msg, const char *revision)
{
    fc_rctx_fail(r, reason, "%s", msg);
    fc_cond_set(r->obj, "Ready", "False", reason, msg);
    ksc_event(r, true, NULL, revision, NULL, NULL, NULL, "%s", msg);
    return fc_stalled();
}

fc_result ksc_reconcile(fc_rctx *r)
{
    ksc_state *st = r->user;
    run x = {.st = st, .r = r, .started = fc_now_mono_ns(), .timeout = ksc_timeout(r->obj)};
    dur(x.timeout, x.tbuf, sizeof x.tbuf);
    char msg[2048];

    json_object *exprs = fc_json_get(r->obj, "spec.healthCheckExprs");
    if (exprs && json_object_array_length(exprs) > 0)
        return stall(r, "FeatureGateDisabled",
                     "spec.healthCheckExprs (CEL health checks) is not supported by this kustomize-controller yet; remove it "
                     "to use the kstatus rules",
                     NULL);
    json_object *deps = fc_json_get(r->obj, "spec.dependsOn");
    for (size_t i = 0; deps && i < json_object_array_length(deps); i++)
        if (fc_json_get_str(json_object_array_get_idx(deps, i), "readyExpr"))
            return stall(r, "FeatureGateDisabled",
                         "spec.dependsOn[].readyExpr (CEL) is not supported by this kustomize-controller yet", NULL);

    json_object *src = NULL;
    switch (get_source(st, r, &src, msg, sizeof msg)) {
    case SRC_DENIED:
        return stall(r, "AccessDenied", msg, NULL);
    case SRC_NOT_FOUND: {
        mark_ready_false(r, "ArtifactFailed", msg);
        fc_log(FC_LOG_INFO, "Source '%s/%s/%s' not found", fc_json_get_str(r->obj, "spec.sourceRef.kind"),
               fc_json_get_str(r->obj, "spec.sourceRef.namespace") ? fc_json_get_str(r->obj, "spec.sourceRef.namespace")
                                                                    : r->ns,
               fc_json_get_str(r->obj, "spec.sourceRef.name"));
        return fc_requeue(ksc_retry_interval(r->obj));
    }
    case SRC_ERROR:
        mark_ready_false(r, "ArtifactFailed", msg);
        return fc_retry(0);
    case SRC_OK:
        break;
    }
    json_object *artifact = fc_json_get(src, "status.artifact");
    if (!artifact || !fc_json_get_str(artifact, "url")) {
        char d[32];
        dur(fc_manager_requeue_dependency(r->mgr), d, sizeof d);
        snprintf(msg, sizeof msg, "Source artifact not found, retrying in %s", d);
        mark_ready_false(r, "ArtifactFailed", msg);
        fc_log(FC_LOG_INFO, "%s", msg);
        json_object_put(src);
        return fc_requeue(fc_manager_requeue_dependency(r->mgr));
    }
    x.revision = fc_json_get_str(artifact, "revision");
    x.url = fc_json_get_str(artifact, "url");
    x.digest = fc_json_get_str(artifact, "digest");
    x.origin = fc_json_key_str(fc_json_get(artifact, "metadata"), "org.opencontainers.image.revision");
    if (!x.revision) x.revision = "";

    if (deps && json_object_array_length(deps) > 0) {
        if (check_dependencies(r, x.revision, msg, sizeof msg)) {
            mark_ready_false(r, "DependencyNotReady", msg);
            char d[32];
            dur(fc_manager_requeue_dependency(r->mgr), d, sizeof d);
            fc_log(FC_LOG_INFO, "Dependencies do not meet ready condition, retrying in %s", d);
            ksc_event(r, false, NULL, x.revision, x.origin, NULL, NULL, "Dependencies do not meet ready condition, retrying in %s", d);
            json_object_put(src);
            return fc_requeue(fc_manager_requeue_dependency(r->mgr));
        }
        fc_log(FC_LOG_INFO, "All dependencies are ready, proceeding with reconciliation");
    }

    fc_result res = reconcile_revision(&x);
    if (res.kind == FC_RESULT_SUCCESS) {
        char took[32], next[32];
        dur(fc_now_mono_ns() - x.started, took, sizeof took);
        dur(fc_rctx_interval(r), next, sizeof next);
        fc_log_kv(FC_LOG_INFO, "Reconciliation finished", "revision", x.revision, "duration", took, NULL);
        ksc_event(r, false, NULL, x.revision, x.origin, GROUP "/commit_status", "update",
                  "Reconciliation finished in %s, next run in %s", took, next);
    }
    json_object_put(src);
    return res;
}
