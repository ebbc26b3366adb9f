/*
 * controller.c: kustomize-controller's flags, the Kustomization kind and the
 * watches that make it react at once.
 *
 * Besides its own informer (generation changes, reconcile requests), the
 * controller watches the source kinds: when a GitRepository, OCIRepository,
 * Bucket (or ExternalArtifact, behind its feature gate) publishes a new
 * artifact revision, every Kustomization built from it is queued
 * immediately instead of at its next interval. It also watches the
 * Kustomizations' own status: when one becomes Ready (or applies a new
 * revision), those that dependOn it are queued, so a chain of dependencies
 * converges in seconds rather than in --requeue-dependency steps. And it
 * watches the ConfigMaps and Secrets selected by
 * --watch-configs-label-selector (reconcile.fluxcd.io/watch=Enabled): when
 * one named in a postBuild.substituteFrom is created, changes its data or is
 * deleted, the Kustomizations substituting from it are queued. All three use
 * an index (source -> Kustomizations, dependency -> dependents, config ->
 * Kustomizations) maintained from the Kustomization informer's events on the
 * loop thread; handlers only look keys up and enqueue.
 */
#include "ksc.h"
#include "fc/conditions.h"
#include "fc/controller.h"
#include "fc/duration.h"
#include "fc/err.h"
#include "fc/json.h"
#include "fc/log.h"
#include "fc/metrics.h"
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int kustomize_controller_main(int argc, char **argv);

static int64_t concurrent_ssa, http_retry;
static bool no_remote_bases;
static char *sops_age_secret, *default_decryption_sa, *default_kubeconfig_sa;
static fc_strlist override_managers;

static const fc_flag flags[] = {
    {"concurrent-ssa", FC_FLAG_INT, &concurrent_ssa, "4", "The number of concurrent server-side apply operations.", NULL},
    {"http-retry", FC_FLAG_INT, &http_retry, "9", "The maximum number of retries when failing to fetch artifacts over HTTP.", NULL},
    {"no-remote-bases", FC_FLAG_BOOL, &no_remote_bases, "false",
     "Disallow remote bases usage in Kustomize overlays. When this flag is enabled, all resources must refer to local files included in the source artifact.", NULL},
    {"sops-age-secret", FC_FLAG_STR, &sops_age_secret, "", "The name of a Secret in the runtime namespace containing SOPS age decryption keys.", NULL},
    {"default-decryption-service-account", FC_FLAG_STR, &default_decryption_sa, "", "Default service account for decryption.", NULL},
    {"default-kubeconfig-service-account", FC_FLAG_STR, &default_kubeconfig_sa, "", "Default service account for remote kubeconfigs.", NULL},
    {"override-manager", FC_FLAG_STRLIST, &override_managers, NULL,
     "Field manager disallowed to perform changes on managed resources.", NULL},
    {0},
};

/* ------------------------------------------------------------------ index */

typedef struct ks_refs {
    char *source;
    char **deps;
    size_t ndeps;
    char **configs; /* "ConfigMap/ns/name" or "Secret/ns/name" */
    size_t nconfigs;
} ks_refs;

struct ksc_index {
    pthread_mutex_t mu;
    fc_strmap *by_source; /* "Kind/ns/name" -> set of "ns/name" */
    fc_strmap *by_dep;    /* "ns/name" -> set of "ns/name" */
    fc_strmap *by_config; /* "ConfigMap/ns/name" -> set of "ns/name" */
    fc_strmap *refs;      /* "ns/name" -> ks_refs */
};

static void set_free(void *p) { fc_strmap_free(p); }

static void refs_free(void *p)
{
    ks_refs *r = p;
    if (!r) return;
    free(r->source);
    for (size_t i = 0; i < r->ndeps; i++) free(r->deps[i]);
    free(r->deps);
    for (size_t i = 0; i < r->nconfigs; i++) free(r->configs[i]);
    free(r->configs);
    free(r);
}

static void set_add(fc_strmap *m, const char *key, const char *member)
{
    fc_strmap *s = fc_strmap_get(m, key);
    if (!s) {
        s = fc_strmap_new(NULL);
        fc_strmap_put(m, key, s);
    }
    fc_strmap_put(s, member, (void *)1);
}

static void set_remove(fc_strmap *m, const char *key, const char *member)
{
    fc_strmap *s = fc_strmap_get(m, key);
    if (!s) return;
    fc_strmap_del(s, member);
    if (fc_strmap_len(s) == 0) fc_strmap_del(m, key);
}

static void index_unlink(ksc_index *ix, const char *key)
{
    ks_refs *old = fc_strmap_take(ix->refs, key);
    if (!old) return;
    if (old->source) set_remove(ix->by_source, old->source, key);
    for (size_t i = 0; i < old->ndeps; i++) set_remove(ix->by_dep, old->deps[i], key);
    for (size_t i = 0; i < old->nconfigs; i++) set_remove(ix->by_config, old->configs[i], key);
    refs_free(old);
}

/* Index keys of a reference list: dependsOn entries as "ns/name" (their own
 * namespace or the Kustomization's), substituteFrom entries as
 * "ConfigMap/ns/name" or "Secret/ns/name" (always the Kustomization's). */
static char **ref_keys(json_object *obj, const char *path, const char *ns, bool configs, size_t *n)
{
    json_object *list = fc_json_get(obj, path);
    size_t len = list && json_object_is_type(list, json_type_array) ? json_object_array_length(list) : 0;
    char **keys = calloc(len + 1, sizeof *keys);
    *n = 0;
    for (size_t i = 0; i < len; i++) {
        json_object *e = json_object_array_get_idx(list, i);
        const char *name = fc_json_key_str(e, "name"), *kind = fc_json_key_str(e, "kind");
        const char *other_ns = fc_json_key_str(e, "namespace");
        if (!name) continue;
        char k[700];
        if (configs) {
            if (!kind || (strcmp(kind, "ConfigMap") && strcmp(kind, "Secret"))) continue;
            snprintf(k, sizeof k, "%s/%s/%s", kind, ns ? ns : "", name);
        } else {
            snprintf(k, sizeof k, "%s/%s", other_ns && *other_ns ? other_ns : ns ? ns : "", name);
        }
        keys[(*n)++] = strdup(k);
    }
    return keys;
}

static void index_put(ksc_index *ix, json_object *obj)
{
    char key[640];
    fc_object_key(obj, key, sizeof key);
    const char *ns = fc_json_get_str(obj, "metadata.namespace");
    ks_refs *r = calloc(1, sizeof *r);
    const char *kind = fc_json_get_str(obj, "spec.sourceRef.kind"), *name = fc_json_get_str(obj, "spec.sourceRef.name"),
               *sns = fc_json_get_str(obj, "spec.sourceRef.namespace");
    if (kind && name) {
        char sk[700];
        snprintf(sk, sizeof sk, "%s/%s/%s", kind, sns && *sns ? sns : ns ? ns : "", name);
        r->source = strdup(sk);
    }
    r->deps = ref_keys(obj, "spec.dependsOn", ns, false, &r->ndeps);
    r->configs = ref_keys(obj, "spec.postBuild.substituteFrom", ns, true, &r->nconfigs);
    pthread_mutex_lock(&ix->mu);
    index_unlink(ix, key);
    if (r->source) set_add(ix->by_source, r->source, key);
    for (size_t i = 0; i < r->ndeps; i++) set_add(ix->by_dep, r->deps[i], key);
    for (size_t i = 0; i < r->nconfigs; i++) set_add(ix->by_config, r->configs[i], key);
    fc_strmap_put(ix->refs, key, r);
    pthread_mutex_unlock(&ix->mu);
}

typedef struct enq_arg {
    fc_controller *c;
} enq_arg;

static int enqueue_member(const char *member, void *v, void *arg)
{
    (void)v;
    enq_arg *a = arg;
    const char *slash = strchr(member, '/');
    if (!slash) return 0;
    char ns[320];
    snprintf(ns, sizeof ns, "%.*s", (int)(slash - member), member);
    fc_controller_enqueue(a->c, ns, slash + 1);
    return 0;
}

static void enqueue_set(ksc_state *st, fc_strmap *m, const char *key)
{
    pthread_mutex_lock(&st->index->mu);
    fc_strmap *s = fc_strmap_get(m, key);
    enq_arg a = {st->ctrl};
    if (s) fc_strmap_each(s, enqueue_member, &a);
    pthread_mutex_unlock(&st->index->mu);
}

/* ---------------------------------------------------------------- watches */

static void ks_added(json_object *obj, void *arg) { index_put(((ksc_state *)arg)->index, obj); }

static void ks_updated(json_object *old, json_object *nw, void *arg)
{
    ksc_state *st = arg;
    index_put(st->index, nw);
    bool was_ready = fc_cond_is_true(old, "Ready"), ready = fc_cond_is_true(nw, "Ready");
    const char *r0 = fc_json_get_str(old, "status.lastAppliedRevision"), *r1 = fc_json_get_str(nw, "status.lastAppliedRevision");
    bool new_rev = r1 && (!r0 || strcmp(r0, r1));
    bool new_gen = fc_json_get_int(old, "status.observedGeneration", -1) != fc_json_get_int(nw, "status.observedGeneration", -1);
    if (ready && (!was_ready || new_rev || new_gen)) {
        char key[640];
        fc_object_key(nw, key, sizeof key);
        enqueue_set(st, st->index->by_dep, key);
    }
}

static void ks_deleted(json_object *obj, void *arg)
{
    ksc_state *st = arg;
    char key[640];
    fc_object_key(obj, key, sizeof key);
    enqueue_set(st, st->index->by_dep, key);
    pthread_mutex_lock(&st->index->mu);
    index_unlink(st->index, key);
    pthread_mutex_unlock(&st->index->mu);
}

typedef struct source_watch {
    ksc_state *st;
    const char *kind;
} source_watch;

static source_watch source_watches[4];

static void source_updated(json_object *old, json_object *nw, void *arg)
{
    source_watch *w = arg;
    const char *r0 = fc_json_get_str(old, "status.artifact.revision"), *r1 = fc_json_get_str(nw, "status.artifact.revision");
    const char *d0 = fc_json_get_str(old, "status.artifact.digest"), *d1 = fc_json_get_str(nw, "status.artifact.digest");
    bool changed = (r1 && (!r0 || strcmp(r0, r1))) || (d1 && (!d0 || strcmp(d0, d1)));
    if (!changed) return;
    char key[700];
    snprintf(key, sizeof key, "%s/%s/%s", w->kind, fc_json_get_str(nw, "metadata.namespace"), fc_json_get_str(nw, "metadata.name"));
    fc_log_kv(FC_LOG_DEBUG, "source revision changed, queueing its Kustomizations", "source", key, "revision", r1 ? r1 : "", NULL);
    enqueue_set(w->st, w->st->index->by_source, key);
}

/* A watched ConfigMap or Secret: queue the Kustomizations substituting
 * from it. Updates count only when the data changed (a relist or a label
 * edit is not a reason to re-apply). */
typedef struct config_watch {
    ksc_state *st;
    const char *kind;
} config_watch;

static config_watch config_watches[2];

static void config_enqueue(config_watch *w, json_object *obj, const char *why)
{
    char key[700];
    snprintf(key, sizeof key, "%s/%s/%s", w->kind, fc_json_get_str(obj, "metadata.namespace"), fc_json_get_str(obj, "metadata.name"));
    fc_log_kv(FC_LOG_DEBUG, "watched config changed, queueing the Kustomizations substituting from it", "config", key, "change", why, NULL);
    enqueue_set(w->st, w->st->index->by_config, key);
}

static bool same_field(json_object *a, json_object *b, const char *path)
{
    json_object *x = fc_json_get(a, path), *y = fc_json_get(b, path);
    if (!x || !y) return !x && !y;
    return json_object_equal(x, y);
}

static void config_added(json_object *obj, void *arg) { config_enqueue(arg, obj, "created"); }
static void config_deleted(json_object *obj, void *arg) { config_enqueue(arg, obj, "deleted"); }

static void config_updated(json_object *old, json_object *nw, void *arg)
{
    if (same_field(old, nw, "data") && same_field(old, nw, "binaryData")) return;
    config_enqueue(arg, nw, "updated");
}

static ksc_state state;

static void artifact_metrics(fc_buf *out, void *arg)
{
    ksc_state *st = arg;
    if (!st->artifacts) return;
    ksc_artifact_stats s;
    ksc_artifacts_get_stats(st->artifacts, &s);
    fc_buf_printf(out,
                  "# HELP fluxc_kustomize_artifact_fetches_total Source artifacts downloaded and extracted.\n"
                  "# TYPE fluxc_kustomize_artifact_fetches_total counter\n"
                  "fluxc_kustomize_artifact_fetches_total %llu\n"
                  "# HELP fluxc_kustomize_artifact_cache_hits_total Reconciles that reused an extracted artifact.\n"
                  "# TYPE fluxc_kustomize_artifact_cache_hits_total counter\n"
                  "fluxc_kustomize_artifact_cache_hits_total %llu\n"
                  "# HELP fluxc_kustomize_artifact_fetch_failures_total Artifact downloads or extractions that failed.\n"
                  "# TYPE fluxc_kustomize_artifact_fetch_failures_total counter\n"
                  "fluxc_kustomize_artifact_fetch_failures_total %llu\n",
                  (unsigned long long)s.fetches, (unsigned long long)s.hits, (unsigned long long)s.failures);
}

fc_informer *ksc_source_informer(ksc_state *st, const char *kind)
{
    static const char *const kinds[] = {"GitRepository", "OCIRepository", "Bucket", "ExternalArtifact"};
    for (int i = 0; i < 4; i++)
        if (kind && !strcmp(kind, kinds[i])) return st->sources[i];
    return NULL;
}

static int setup(fc_controller *c)
{
    ksc_state *st = fc_controller_kind(c)->user;
    fc_manager *m = fc_controller_manager(c);
    st->ctrl = c;
    fc_informer_handler kh = {ks_added, ks_updated, ks_deleted, st};
    if (fc_informer_add_handler(fc_controller_informer(c), &kh)) return fc_err_set(FC_ERR, "cannot watch Kustomizations");
    static const char *const kinds[] = {"GitRepository", "OCIRepository", "Bucket", "ExternalArtifact"};
    for (int i = 0; i < 4; i++) {
        if (i == 3 && !st->allow_external_artifact) continue;
        const fc_resource *res = ksc_source_resource(kinds[i]);
        st->sources[i] = fc_manager_informer(m, res, NULL);
        if (!st->sources[i]) continue;
        source_watches[i] = (source_watch){st, kinds[i]};
        fc_informer_handler sh = {NULL, source_updated, NULL, &source_watches[i]};
        fc_informer_add_handler(st->sources[i], &sh);
    }
    const char *selector = fc_manager_watch_configs_selector(m);
    static const fc_resource config_res[2] = {{"", "v1", "configmaps", "ConfigMap", true}, {"", "v1", "secrets", "Secret", true}};
    for (int i = 0; selector && i < 2; i++) {
        fc_informer *inf = fc_manager_informer(m, &config_res[i], selector);
        if (!inf) return fc_err_wrap("cannot watch %s", config_res[i].resource);
        config_watches[i] = (config_watch){st, config_res[i].kind};
        fc_informer_handler ch = {config_added, config_updated, config_deleted, &config_watches[i]};
        fc_informer_add_handler(inf, &ch);
    }
    return 0;
}

/* ---------------------------------------------------------------- startup */

static int on_init(fc_manager *m, void *arg)
{
    ksc_state *st = arg;
    (void)m;
    if (concurrent_ssa < 1) return fc_err_set(FC_EINVAL, "--concurrent-ssa must be at least 1");
    if (http_retry < 0) return fc_err_set(FC_EINVAL, "--http-retry must not be negative");
    st->concurrent_ssa = (int)concurrent_ssa;
    st->strict_substitutions = fc_manager_feature(m, "StrictPostBuildSubstitutions", false);
    st->fail_fast = !fc_manager_feature(m, "DisableFailFastBehavior", false);
    st->allow_external_artifact = fc_manager_feature(m, "ExternalArtifact", false);
    static const char *managers[65];
    for (size_t i = 0; i < override_managers.n && i < 64; i++) managers[i] = override_managers.v[i];
    st->override_managers = managers;
    st->index = calloc(1, sizeof *st->index);
    pthread_mutex_init(&st->index->mu, NULL);
    st->index->by_source = fc_strmap_new(set_free);
    st->index->by_dep = fc_strmap_new(set_free);
    st->index->by_config = fc_strmap_new(set_free);
    st->index->refs = fc_strmap_new(refs_free);
    const char *tmp = getenv("TMPDIR");
    char base[4096];
    snprintf(base, sizeof base, "%s/kustomize-controller-%d", tmp && *tmp ? tmp : "/tmp", (int)getpid());
    const char *host = getenv("SOURCE_CONTROLLER_LOCALHOST");
    ksc_artifact_opts ao = {.http_retry = (int)http_retry, .host_override = host && *host ? host : NULL};
    st->artifacts = ksc_artifacts_new(base, &ao);
    if (!st->artifacts) return fc_err_wrap("cannot create the artifact cache in %s", base);
    fc_metrics_add_collector(artifact_metrics, st);
    return 0;
}

static void on_shutdown(fc_manager *m, void *arg)
{
    (void)m;
    ksc_state *st = arg;
    ksc_artifacts_free(st->artifacts);
    st->artifacts = NULL;
}

static const fc_kind kustomization_kind = {
    .res = {"kustomize.toolkit.fluxcd.io", "v1", "kustomizations", "Kustomization", true},
    .controller_name = "kustomization",
    .field_owner = "gotk-kustomize-controller",
    .reconcile = ksc_reconcile,
    .finalize = ksc_finalize,
    .setup = setup,
    .user = &state,
};

int kustomize_controller_main(int argc, char **argv)
{
    static const fc_kind *const kinds[] = {&kustomization_kind, NULL};
    fc_manager_opts o = {
        .name = "kustomize-controller",
        .summary = "kustomize-controller: builds Kustomizations from source artifacts and applies them with server-side apply",
        .flags = flags,
        .kinds = kinds,
        .default_concurrent = 4,
        .on_init = on_init,
        .on_shutdown = on_shutdown,
        .arg = &state,
    };
    return fc_manager_run(&o, argc, argv);
}
