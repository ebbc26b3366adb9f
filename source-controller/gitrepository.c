/*
 * gitrepository.c: the GitRepository kind (source.toolkit.fluxcd.io/v1),
 * reconciled in Flux's steps: storage -> source -> include -> artifact.
 *
 * Each step owns conditions exactly as Flux's reconciler does (reference
 * 1.10): storage (GC, integrity, ArtifactInStorage), source (FetchFailed,
 * SourceVerified, ArtifactOutdated, IncludeUnavailable), include
 * (StorageOperationFailed/CopyFailure), artifact (StorageOperationFailed,
 * ArtifactInStorage). The shared driver (fc/controller.h) then summarises
 * Ready from them with Flux's priorities, so this file never sets Ready
 * itself. A failing step records its reason/message with fc_rctx_fail,
 * emits a Warning event and returns: nothing already stored is touched, so
 * the last good artifact keeps being served.
 *
 * The fast path is the point of the cache design: when the remote ref still
 * points at the stored revision and nothing that shapes the content changed
 * (ignore, include, submodules, sparse checkout, verification), the
 * reconcile ends after one ref listing, with no event and no status write.
 */
#include "sc.h"
#include "fc/base64.h"
#include "fc/conditions.h"
#include "fc/duration.h"
#include "fc/err.h"
#include "fc/json.h"
#include "fc/securepath.h"
#include "fc/sourceignore.h"
#include "fc/tarball.h"
#include <errno.h>
#include <stdarg.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define KIND "GitRepository"
#define META_REVISION "source.toolkit.fluxcd.io/revision"
#define META_DIGEST "source.toolkit.fluxcd.io/digest"

sc_settings sc_cfg = {"sha256"};

static const fc_resource secret_res = {"", "v1", "secrets", "Secret", true};

typedef struct state {
    fc_rctx *r;
    char *dir_rel;        /* gitrepository/<ns>/<name> */
    char *cache_dir;      /* <root>/.cache/gitrepository/<ns>/<name>.git */
    char *work;           /* scratch dir holding the checkout */
    json_object *includes; /* artifacts of spec.include, same order */
    sc_git_result git;
    bool have_git;
    bool noop;            /* remote unchanged: nothing to build */
    char revision[512];
} state;

/* ---------------------------------------------------------------- helpers */

static json_object *status(fc_rctx *r)
{
    json_object *st = fc_json_key(r->obj, "status");
    if (!st) {
        st = json_object_new_object();
        json_object_object_add(r->obj, "status", st);
    }
    return st;
}

static fc_result fail(fc_rctx *r, const char *cond, const char *reason, fc_result res, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* Mark cond=True with reason/message (if cond), record the failure, emit a
 * Warning event, and return res. */
static fc_result fail(fc_rctx *r, const char *cond, const char *reason, fc_result res, const char *fmt, ...)
{
    char *m = NULL;
    va_list ap;
    va_start(ap, fmt);
    if (vasprintf(&m, fmt, ap) < 0) m = NULL;
    va_end(ap);
    if (cond) fc_cond_set(r->obj, cond, "True", reason, m ? m : "");
    fc_rctx_fail(r, reason, "%s", m ? m : "");
    fc_rctx_event(r, FC_EVENT_WARNING, reason, NULL, "%s", m ? m : "");
    free(m);
    return res;
}

/* Reconciling=True/Progressing with msg; Ready=Unknown unless Ready is already
 * False (a retry keeps the failure visible in `kubectl get`); patched now. */
static void progressing(fc_rctx *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void progressing(fc_rctx *r, const char *fmt, ...)
{
    char *m = NULL;
    va_list ap;
    va_start(ap, fmt);
    if (vasprintf(&m, fmt, ap) < 0) m = NULL;
    va_end(ap);
    fc_cond_mark_reconciling(r->obj, "Progressing", m ? m : "");
    if (!fc_cond_is_false(r->obj, "Ready")) fc_cond_set(r->obj, "Ready", "Unknown", "Progressing", m ? m : "");
    free(m);
    fc_rctx_patch_status(r);
}

static char *secret_value(json_object *secret, const char *key)
{
    const char *v = fc_json_key_str(fc_json_key(secret, "data"), key);
    if (v) {
        size_t n = 0;
        char *d = fc_base64_decode(v, strlen(v), &n);
        return d;
    }
    v = fc_json_key_str(fc_json_key(secret, "stringData"), key);
    return v ? strdup(v) : NULL;
}

static int get_secret(fc_rctx *r, const char *name, json_object **out)
{
    int rc = fc_kube_get(r->kube, &secret_res, r->ns, name, out);
    if (rc == FC_ENOTFOUND) return fc_err_set(rc, "secrets \"%s\" not found", name);
    return rc;
}

static bool json_str_eq(json_object *a, json_object *b)
{
    const char *x = a ? json_object_get_string(a) : NULL, *y = b ? json_object_get_string(b) : NULL;
    if (!x || !y) return !x && !y;
    return !strcmp(x, y);
}

static const char *verify_mode(fc_rctx *r)
{
    json_object *v = fc_json_get(r->obj, "spec.verify");
    if (!v) return NULL;
    const char *m = fc_json_get_str(v, "mode");
    if (!m || !*m || !strcmp(m, "head")) return "HEAD";
    return m;
}

/* Include as observed by Flux: name + fromPath + toPath (defaulted). */
static json_object *include_norm(json_object *incl)
{
    json_object *o = json_object_new_object();
    const char *name = fc_json_get_str(incl, "repository.name");
    const char *from = fc_json_get_str(incl, "fromPath");
    const char *to = fc_json_get_str(incl, "toPath");
    json_object_object_add(o, "name", json_object_new_string(name ? name : ""));
    json_object_object_add(o, "from", json_object_new_string(from ? from : ""));
    json_object_object_add(o, "to", json_object_new_string(to && *to ? to : name ? name : ""));
    return o;
}

static bool includes_equal(json_object *a, json_object *b)
{
    size_t na = a ? json_object_array_length(a) : 0, nb = b ? json_object_array_length(b) : 0;
    if (na != nb) return false;
    for (size_t i = 0; i < na; i++) {
        json_object *x = include_norm(json_object_array_get_idx(a, i)), *y = include_norm(json_object_array_get_idx(b, i));
        bool eq = fc_json_equal(x, y);
        json_object_put(x);
        json_object_put(y);
        if (!eq) return false;
    }
    return true;
}

/* Did anything that shapes the artifact's content change since it was built? */
static bool content_config_changed(fc_rctx *r, json_object *includes)
{
    json_object *st = fc_json_key(r->obj, "status");
    if (!json_str_eq(fc_json_get(r->obj, "spec.ignore"), fc_json_key(st, "observedIgnore"))) return true;
    if (fc_json_get_bool(r->obj, "spec.recurseSubmodules", false) != fc_json_get_bool(st, "observedRecurseSubmodules", false)) return true;
    if (!includes_equal(fc_json_get(r->obj, "spec.include"), fc_json_key(st, "observedInclude"))) return true;
    const char *mode = verify_mode(r);
    const char *seen = fc_json_key_str(st, "sourceVerificationMode");
    if (mode && (!seen || strcmp(mode, seen))) return true;
    json_object *sp = fc_json_get(r->obj, "spec.sparseCheckout"), *osp = fc_json_key(st, "observedSparseCheckout");
    size_t n1 = sp ? json_object_array_length(sp) : 0, n2 = osp ? json_object_array_length(osp) : 0;
    if (n1 != n2) return true;
    for (size_t i = 0; i < n1; i++)
        if (!json_str_eq(json_object_array_get_idx(sp, i), json_object_array_get_idx(osp, i))) return true;
    json_object *seen_art = fc_json_key(st, "includedArtifacts");
    size_t ni = includes ? json_object_array_length(includes) : 0, ns = seen_art ? json_object_array_length(seen_art) : 0;
    if (ni != ns) return true;
    for (size_t i = 0; i < ni; i++)
        if (!json_str_eq(fc_json_key(json_object_array_get_idx(includes, i), "digest"),
                         fc_json_key(json_object_array_get_idx(seen_art, i), "digest")))
            return true;
    return false;
}

static bool includes_differ(json_object *a, json_object *b)
{
    size_t na = a ? json_object_array_length(a) : 0, nb = b ? json_object_array_length(b) : 0;
    if (na != nb) return true;
    for (size_t i = 0; i < na; i++) {
        json_object *x = json_object_array_get_idx(a, i), *y = json_object_array_get_idx(b, i);
        if (!json_str_eq(fc_json_key(x, "revision"), fc_json_key(y, "revision")) ||
            !json_str_eq(fc_json_key(x, "digest"), fc_json_key(y, "digest")))
            return true;
    }
    return false;
}

/* ------------------------------------------------------------ step: storage */

static fc_result step_storage(state *s)
{
    fc_rctx *r = s->r;
    json_object *art = fc_json_get(r->obj, "status.artifact");
    int deleted = 0;
    if (sc_storage_gc(&sc_store, s->dir_rel, art ? fc_json_get_str(art, "path") : NULL, &deleted) == 0 && deleted > 0)
        fc_rctx_event(r, FC_EVENT_TRACE, "GarbageCollectionSucceeded", NULL, "garbage collected %d artifacts", deleted);
    bool missing = false;
    if (art) {
        int rc = sc_storage_verify(&sc_store, art);
        if (rc == FC_EINVAL) {
            fc_rctx_event(r, FC_EVENT_WARNING, "ArtifactVerificationFailed", NULL, "failed to verify integrity of artifact: %s", fc_err_msg());
            const char *p = fc_json_get_str(art, "path");
            char *abs = p ? sc_storage_abs(&sc_store, p) : NULL;
            if (abs && unlink(abs) && errno != ENOENT) {
                free(abs);
                return fail(r, NULL, "Failed", fc_retry(0), "failed to remove artifact after digest mismatch: %s", strerror(errno));
            }
            free(abs);
            missing = true;
        } else if (rc) {
            missing = true;
        }
        if (missing) fc_json_del(r->obj, "status.artifact");
    }
    if (!fc_json_get(r->obj, "status.artifact")) {
        fc_cond_delete(r->obj, "ArtifactInStorage");
        progressing(r, "building artifact%s", missing ? ": disappeared from storage" : "");
        return fc_success();
    }
    /* keep the URL current with --storage-adv-addr */
    char *url = sc_storage_url(&sc_store, fc_json_get_str(art, "path"));
    if (url) json_object_object_add(art, "url", json_object_new_string(url));
    free(url);
    return fc_success();
}

/* ------------------------------------------------------------- step: source */

static fc_result read_auth(state *s, sc_git_auth *a, const char *scheme)
{
    fc_rctx *r = s->r;
    const char *proxy = fc_json_get_str(r->obj, "spec.proxySecretRef.name");
    json_object *sec = NULL;
    if (proxy) {
        if (get_secret(r, proxy, &sec))
            return fail(r, "FetchFailed", "AuthenticationFailed", fc_retry(0), "failed to configure proxy options: failed to get secret '%s/%s': %s",
                        r->ns, proxy, fc_err_msg());
        a->proxy_url = secret_value(sec, "address");
        a->proxy_username = secret_value(sec, "username");
        a->proxy_password = secret_value(sec, "password");
        json_object_put(sec);
        sec = NULL;
        if (!a->proxy_url || !*a->proxy_url)
            return fail(r, "FetchFailed", "AuthenticationFailed", fc_retry(0),
                        "failed to configure proxy options: invalid proxy secret '%s/%s': key 'address' is missing", r->ns, proxy);
        if (a->proxy_username && a->proxy_password) {
            /* embed credentials for libgit2's proxy support */
            const char *sep = strstr(a->proxy_url, "://");
            char *u = NULL;
            if (sep && asprintf(&u, "%.*s%s:%s@%s", (int)(sep + 3 - a->proxy_url), a->proxy_url, a->proxy_username,
                                a->proxy_password, sep + 3) >= 0) {
                explicit_bzero(a->proxy_url, strlen(a->proxy_url));
                free(a->proxy_url);
                a->proxy_url = u;
            }
        }
    }
    const char *name = fc_json_get_str(r->obj, "spec.secretRef.name");
    if (!name) return fc_success();
    if (get_secret(r, name, &sec))
        return fail(r, "FetchFailed", "AuthenticationFailed", fc_retry(0), "failed to get secret '%s/%s': %s", r->ns, name, fc_err_msg());
    if (fc_json_get_str(sec, "data.githubAppID") && strcmp(fc_json_get_str(r->obj, "spec.provider") ? fc_json_get_str(r->obj, "spec.provider") : "generic", "github")) {
        json_object_put(sec);
        return fail(r, "FetchFailed", "InvalidProviderConfiguration", fc_retry(0),
                    "secretRef '%s/%s' has github app data but provider is not set to github", r->ns, name);
    }
    a->username = secret_value(sec, "username");
    a->password = secret_value(sec, "password");
    a->bearer_token = secret_value(sec, "bearerToken");
    a->ca_pem = secret_value(sec, "ca.crt");
    if (!a->ca_pem) a->ca_pem = secret_value(sec, "caFile");
    a->cert_pem = secret_value(sec, "tls.crt");
    a->key_pem = secret_value(sec, "tls.key");
    a->identity = secret_value(sec, "identity");
    a->identity_pub = secret_value(sec, "identity.pub");
    a->known_hosts = secret_value(sec, "known_hosts");
    if (!strcmp(scheme, "ssh")) {
        a->key_passphrase = a->password;
        a->password = NULL;
    }
    json_object_put(sec);
    if (!strcmp(scheme, "ssh") && (!a->known_hosts || !*a->known_hosts))
        return fail(r, "FetchFailed", "AuthenticationFailed", fc_retry(0),
                    "failed to configure authentication options: invalid 'ssh' auth option: 'known_hosts' is required");
    if (!strcmp(scheme, "ssh") && a->identity && strstr(a->identity, "ENCRYPTED") && !a->key_passphrase)
        return fail(r, "FetchFailed", "AuthenticationFailed", fc_retry(0),
                    "SSH identity key is encrypted but no 'password' field was provided in the secret '%s/%s'", r->ns, name);
    if ((a->cert_pem != NULL) != (a->key_pem != NULL))
        return fail(r, "FetchFailed", "AuthenticationFailed", fc_retry(0),
                    "failed to configure authentication options: 'tls.crt' and 'tls.key' must both be set");
    return fc_success();
}

static fc_result fetch_includes(state *s)
{
    fc_rctx *r = s->r;
    json_object *incl = fc_json_get(r->obj, "spec.include");
    s->includes = json_object_new_array();
    size_t n = incl ? json_object_array_length(incl) : 0;
    for (size_t i = 0; i < n; i++) {
        const char *name = fc_json_get_str(json_object_array_get_idx(incl, i), "repository.name");
        json_object *dep = name ? fc_informer_get(fc_controller_informer(r->ctrl), r->ns, name) : NULL;
        if (!dep) {
            fail(r, "IncludeUnavailable", "NotFound", fc_retry(0),
                 "could not get resource for include '%s': gitrepositories.source.toolkit.fluxcd.io \"%s\" not found",
                 name ? name : "", name ? name : "");
            return fc_retry(fc_manager_requeue_dependency(r->mgr));
        }
        json_object *art = fc_json_get(dep, "status.artifact");
        if (!art) {
            json_object_put(dep);
            fail(r, "IncludeUnavailable", "NoArtifact", fc_retry(0), "no artifact available for include '%s'", name);
            return fc_retry(fc_manager_requeue_dependency(r->mgr));
        }
        json_object_array_add(s->includes, fc_json_copy(art));
        json_object_put(dep);
    }
    return fc_success();
}

static fc_result verify_signature(state *s)
{
    fc_rctx *r = s->r;
    const char *mode = verify_mode(r);
    json_object *st = status(r);
    if (!mode) {
        json_object_object_del(st, "sourceVerificationMode");
        fc_cond_delete(r->obj, "SourceVerified");
        return fc_success();
    }
    const char *name = fc_json_get_str(r->obj, "spec.verify.secretRef.name");
    json_object *sec = NULL;
    if (!name || get_secret(r, name, &sec)) {
        fc_cond_setf(r->obj, "SourceVerified", "False", "VerificationError", "PGP public keys secret error: %s",
                     name ? fc_err_msg() : "spec.verify.secretRef is required");
        return fail(r, NULL, "VerificationError", fc_retry(0), "%s", fc_cond_message(r->obj, "SourceVerified"));
    }
    const char *keys[65];
    char *owned[64];
    size_t nk = 0;
    json_object *data = fc_json_key(sec, "data");
    if (data && json_object_is_type(data, json_type_object)) {
        json_object_object_foreach(data, k, v) {
            (void)k;
            if (nk >= 64) break;
            size_t dl = 0;
            const char *b = json_object_get_string(v);
            owned[nk] = b ? fc_base64_decode(b, strlen(b), &dl) : NULL;
            if (owned[nk]) {
                keys[nk] = owned[nk];
                nk++;
            }
        }
    }
    keys[nk] = NULL;
    json_object_put(sec);
    bool tag_mode = !strcmp(mode, "Tag") || !strcmp(mode, "TagAndHEAD");
    bool head_mode = !strcmp(mode, "HEAD") || !strcmp(mode, "TagAndHEAD");
    char msg[2048] = "";
    fc_result res = fc_success();
    char *kid = NULL;
    if (tag_mode) {
        if (!s->git.tag_ref) {
            fc_cond_set(r->obj, "SourceVerified", "False", "InvalidVerificationMode",
                        "cannot verify tag object's signature if a tag reference is not specified");
            res = fail(r, NULL, "InvalidVerificationMode", fc_stalled(), "%s", fc_cond_message(r->obj, "SourceVerified"));
            goto out;
        }
        if (!s->git.tag_annotated || !s->git.tag_sig) {
            fc_cond_setf(r->obj, "SourceVerified", "False", "InvalidGitObject",
                         "cannot verify signature of tag '%s' since it is not signed", s->git.tag_ref);
            res = fail(r, NULL, "InvalidGitObject", fc_retry(0), "%s", fc_cond_message(r->obj, "SourceVerified"));
            goto out;
        }
        if (sc_pgp_verify(s->git.tag_data, s->git.tag_sig, keys, sc_store.root, &kid)) {
            fc_cond_setf(r->obj, "SourceVerified", "False", "InvalidTagSignature", "signature verification of tag '%s' failed: %s",
                         s->git.tag_ref, fc_err_msg());
            res = fail(r, NULL, "InvalidTagSignature", fc_retry(0), "%s", fc_cond_message(r->obj, "SourceVerified"));
            goto out;
        }
        snprintf(msg, sizeof msg, "verified signature of\n\t- tag '%s' with key '%s'", s->git.tag_ref, kid);
        free(kid);
        kid = NULL;
    }
    if (head_mode) {
        if (!s->git.commit_sig || !s->git.commit_data) {
            fc_cond_setf(r->obj, "SourceVerified", "False", "InvalidCommitSignature",
                         "signature verification of commit '%s' failed: unable to verify Git commit: commit is not signed",
                         s->git.commit);
            res = fail(r, NULL, "InvalidCommitSignature", fc_retry(0), "%s", fc_cond_message(r->obj, "SourceVerified"));
            goto out;
        }
        if (sc_pgp_verify(s->git.commit_data, s->git.commit_sig, keys, sc_store.root, &kid)) {
            fc_cond_setf(r->obj, "SourceVerified", "False", "InvalidCommitSignature", "signature verification of commit '%s' failed: %s",
                         s->git.commit, fc_err_msg());
            res = fail(r, NULL, "InvalidCommitSignature", fc_retry(0), "%s", fc_cond_message(r->obj, "SourceVerified"));
            goto out;
        }
        size_t l = strlen(msg);
        snprintf(msg + l, sizeof msg - l, "%s\t- commit '%s' with key '%s'", l ? "\n" : "verified signature of\n", s->git.commit, kid);
    }
    fc_cond_set(r->obj, "SourceVerified", "True", "Succeeded", msg);
    json_object_object_add(st, "sourceVerificationMode", json_object_new_string(mode));
    fc_rctx_event(r, FC_EVENT_TRACE, "Succeeded", NULL, "%s", msg);
out:
    free(kid);
    for (size_t i = 0; i < nk; i++) {
        explicit_bzero(owned[i], strlen(owned[i]));
        free(owned[i]);
    }
    return res;
}

static char **string_list(json_object *arr)
{
    size_t n = arr ? json_object_array_length(arr) : 0;
    if (!n) return NULL;
    char **v = calloc(n + 1, sizeof *v);
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        const char *p = json_object_get_string(json_object_array_get_idx(arr, i));
        if (!p) continue;
        if (!strncmp(p, "./", 2)) p += 2;
        size_t l = strlen(p);
        while (l && p[l - 1] == '/') l--;
        v[k++] = strndup(p, l);
    }
    return v;
}

static void free_list(char **v)
{
    for (size_t i = 0; v && v[i]; i++) free(v[i]);
    free(v);
}

static int mkdirs_parent(const char *cache_dir);

static fc_result step_source(state *s)
{
    fc_rctx *r = s->r;
    fc_result res = fc_success();
    sc_git_auth auth = {0};
    char **sparse = NULL;
    if (fc_cond_is_false(r->obj, "SourceVerified")) fc_cond_delete(r->obj, "SourceVerified");

    const char *url = fc_json_get_str(r->obj, "spec.url");
    if (!url || sc_git_url_check(url)) {
        res = fail(r, "FetchFailed", "URLInvalid", fc_stalled(), "%s", url ? fc_err_msg() : "spec.url is required");
        goto out;
    }
    const char *provider = fc_json_get_str(r->obj, "spec.provider");
    if (provider && strcmp(provider, "generic")) {
        res = fail(r, "FetchFailed", "InvalidProviderConfiguration", fc_stalled(),
                   "provider '%s' is not supported by this controller (only 'generic'): use a secretRef", provider);
        goto out;
    }
    const char *scheme = !strncmp(url, "ssh", 3) ? "ssh" : !strncmp(url, "https", 5) ? "https" : "http";
    res = read_auth(s, &auth, scheme);
    if (res.kind != FC_RESULT_SUCCESS) goto out;
    res = fetch_includes(s);
    if (res.kind != FC_RESULT_SUCCESS) goto out;

    json_object *seen = fc_json_get(r->obj, "status.includedArtifacts");
    if (includes_differ(s->includes, seen)) {
        const char *m = "included artifacts differ from last observed includes";
        if (seen) fc_cond_set(r->obj, "ArtifactOutdated", "True", "IncludeChange", m);
        progressing(r, "building artifact: %s", m);
    }
    fc_cond_delete(r->obj, "ArtifactOutdated");

    bool changed = content_config_changed(r, s->includes);
    json_object *art = fc_json_get(r->obj, "status.artifact");
    const char *last = !changed && art && fc_cond_is_true(r->obj, "ArtifactInStorage") ? fc_json_get_str(art, "revision") : NULL;

    int64_t timeout = 60 * FC_NS_PER_S;
    const char *ts = fc_json_get_str(r->obj, "spec.timeout");
    if (ts) fc_duration_parse(ts, &timeout);
    if (mkdirs_parent(s->cache_dir)) {
        res = fail(r, "StorageOperationFailed", "DirectoryCreationFailed", fc_retry(0), "failed to create cache directory: %s", fc_err_msg());
        goto out;
    }
    if (sc_storage_tmpdir(&sc_store, "checkout", &s->work)) {
        res = fail(r, "StorageOperationFailed", "DirectoryCreationFailed", fc_retry(0), "%s", fc_err_msg());
        goto out;
    }
    sparse = string_list(fc_json_get(r->obj, "spec.sparseCheckout"));
    sc_git_opts o = {
        .url = url,
        .auth = &auth,
        .cache_dir = s->cache_dir,
        .timeout_ns = timeout,
        .ref = {fc_json_get_str(r->obj, "spec.ref.branch"), fc_json_get_str(r->obj, "spec.ref.tag"),
                fc_json_get_str(r->obj, "spec.ref.semver"), fc_json_get_str(r->obj, "spec.ref.name"),
                fc_json_get_str(r->obj, "spec.ref.commit")},
        .last_revision = last,
        .checkout_dir = s->work,
        .recurse_submodules = fc_json_get_bool(r->obj, "spec.recurseSubmodules", false),
        .sparse = (const char *const *)sparse,
    };
    sc_git_errkind kind;
    if (sc_git_sync(&o, &s->git, &kind)) {
        const char *reason = kind == SC_GIT_EAUTH ? "AuthenticationFailed" : kind == SC_GIT_EEMPTY ? "EmptyGitRepository" : "GitOperationFailed";
        if (kind == SC_GIT_EEMPTY) res = fail(r, "FetchFailed", reason, fc_retry(0), "git repository is empty");
        else res = fail(r, "FetchFailed", reason, fc_retry(0), "failed to checkout and determine revision: %s", fc_err_msg());
        goto out;
    }
    s->have_git = true;
    snprintf(s->revision, sizeof s->revision, "%s", s->git.revision);
    if (s->git.unchanged) {
        fc_cond_delete(r->obj, "FetchFailed");
        fc_cond_setf(r->obj, "ArtifactInStorage", "True", "Succeeded", "stored artifact for revision '%s'", s->revision);
        fc_log(FC_LOG_DEBUG, "no changes since last reconciliation: observed revision '%s'", s->revision);
        s->noop = true;
        goto out;
    }
    fc_cond_delete(r->obj, "FetchFailed");
    res = verify_signature(s);
    if (res.kind != FC_RESULT_SUCCESS) goto out;
    const char *cur = art ? fc_json_get_str(art, "revision") : NULL;
    if (!cur || strcmp(cur, s->revision)) {
        if (art) fc_cond_setf(r->obj, "ArtifactOutdated", "True", "NewRevision", "new upstream revision '%s'", s->revision);
        progressing(r, "building artifact: new upstream revision '%s'", s->revision);
    }
out:
    free_list(sparse);
    sc_git_auth_dispose(&auth);
    return res;
}

/* ----------------------------------------------------------- step: include */

static fc_result step_include(state *s)
{
    fc_rctx *r = s->r;
    json_object *incl = fc_json_get(r->obj, "spec.include");
    size_t n = incl ? json_object_array_length(incl) : 0;
    for (size_t i = 0; i < n; i++) {
        json_object *in = json_object_array_get_idx(incl, i);
        const char *name = fc_json_get_str(in, "repository.name");
        const char *from = fc_json_get_str(in, "fromPath");
        const char *to = fc_json_get_str(in, "toPath");
        if (!to || !*to) to = name;
        if (!from) from = "";
        char *to_abs = NULL, *tmp = NULL, *from_abs = NULL, *art_abs = NULL;
        fc_result res = fc_success();
        if (fc_secure_join(s->work, to, &to_abs)) {
            res = fail(r, "StorageOperationFailed", "IllegalPath", fc_retry(0), "path calculation for include '%s' failed: %s", name, fc_err_msg());
            goto next;
        }
        json_object *art = json_object_array_get_idx(s->includes, i);
        const char *ap = fc_json_get_str(art, "path");
        art_abs = ap ? sc_storage_abs(&sc_store, ap) : NULL;
        struct stat st;
        if (!art_abs || sc_storage_tmpdir(&sc_store, "include", &tmp) || fc_tarball_extract(art_abs, tmp, NULL) ||
            fc_secure_join(tmp, from, &from_abs) || stat(from_abs, &st)) {
            res = fail(r, "StorageOperationFailed", "CopyFailure", fc_retry(0), "failed to copy '%s' include from %s to %s: %s", name,
                       from, to, fc_err_code() ? fc_err_msg() : strerror(errno));
            goto next;
        }
        sc_rmtree(to_abs);
        /* parents of toPath */
        for (char *p = to_abs + strlen(s->work) + 1; (p = strchr(p, '/')); p++) {
            *p = 0;
            mkdir(to_abs, 0755);
            *p = '/';
        }
        if (rename(from_abs, to_abs))
            res = fail(r, "StorageOperationFailed", "CopyFailure", fc_retry(0), "failed to copy '%s' include from %s to %s: %s", name, from,
                       to, strerror(errno));
    next:
        if (tmp) sc_rmtree(tmp);
        free(tmp);
        free(to_abs);
        free(from_abs);
        free(art_abs);
        if (res.kind != FC_RESULT_SUCCESS) return res;
    }
    fc_cond_delete(r->obj, "IncludeUnavailable");
    return fc_success();
}

/* ---------------------------------------------------------- step: artifact */

static bool ignore_filter(const char *rel, bool is_dir, void *arg) { return fc_ignore_match(arg, rel, is_dir); }

static fc_result step_artifact(state *s)
{
    fc_rctx *r = s->r;
    json_object *st = status(r);
    json_object *cur = fc_json_key(st, "artifact");
    fc_result res = fc_success();
    const char *cur_rev = cur ? fc_json_get_str(cur, "revision") : NULL;
    if (cur_rev && !strcmp(cur_rev, s->revision) && !includes_differ(s->includes, fc_json_key(st, "includedArtifacts")) &&
        !content_config_changed(r, s->includes)) {
        fc_cond_delete(r->obj, "ArtifactOutdated");
        fc_cond_setf(r->obj, "ArtifactInStorage", "True", "Succeeded", "stored artifact for revision '%s'", cur_rev);
        fc_rctx_event(r, FC_EVENT_TRACE, "ArtifactUpToDate", NULL, "artifact up-to-date with remote revision: '%s'", cur_rev);
        return res;
    }
    char *file_rel = NULL, *file_abs = NULL, *dir_abs = NULL, *url = NULL;
    fc_ignore *ign = NULL;
    int lock = -1;
    if (asprintf(&file_rel, "%s/%s.tar.gz", s->dir_rel, s->git.commit) < 0) file_rel = NULL;
    dir_abs = sc_storage_abs(&sc_store, s->dir_rel);
    file_abs = file_rel ? sc_storage_abs(&sc_store, file_rel) : NULL;
    if (!file_abs || !dir_abs) {
        res = fail(r, NULL, "Failed", fc_retry(0), "out of memory");
        goto out;
    }
    /* mkdir -p */
    for (char *p = dir_abs + strlen(sc_store.root) + 1;; p++) {
        p = strchr(p, '/');
        if (p) *p = 0;
        if (mkdir(dir_abs, 0750) && errno != EEXIST) {
            res = fail(r, "StorageOperationFailed", "DirectoryCreationFailed", fc_retry(0), "failed to create artifact directory: %s",
                       strerror(errno));
            goto out;
        }
        if (!p) break;
        *p = '/';
    }
    if (sc_storage_lock(&sc_store, file_rel, 10000, &lock)) {
        res = fail(r, NULL, "Failed", fc_retry(0), "failed to acquire lock for artifact: %s", fc_err_msg());
        goto out;
    }
    if (fc_sourceignore_load(s->work, fc_json_get_str(r->obj, "spec.ignore"), &ign)) {
        res = fail(r, NULL, "SourceIgnoreError", fc_retry(0), "failed to load source ignore patterns from repository: %s", fc_err_msg());
        goto out;
    }
    fc_tarball_opts to = {.filter = ignore_filter, .filter_arg = ign};
    fc_tarball_result tr;
    if (fc_tarball_write_dir(s->work, file_abs, &to, &tr)) {
        res = fail(r, "StorageOperationFailed", "ArchiveOperationFailed", fc_retry(0), "unable to archive artifact to storage: %s",
                   fc_err_msg());
        goto out;
    }
    url = sc_storage_url(&sc_store, file_rel);
    json_object *a = json_object_new_object();
    char digest[80], when[32];
    snprintf(digest, sizeof digest, "sha256:%s", tr.sha256);
    fc_time_rfc3339(fc_now_wall_ns(), when);
    json_object_object_add(a, "path", json_object_new_string(file_rel));
    json_object_object_add(a, "url", json_object_new_string(url ? url : ""));
    json_object_object_add(a, "revision", json_object_new_string(s->revision));
    json_object_object_add(a, "digest", json_object_new_string(digest));
    json_object_object_add(a, "lastUpdateTime", json_object_new_string(when));
    json_object_object_add(a, "size", json_object_new_int64(tr.size));
    json_object_object_add(st, "artifact", a);
    if (json_object_array_length(s->includes)) json_object_object_add(st, "includedArtifacts", fc_json_copy(s->includes));
    else json_object_object_del(st, "includedArtifacts");
    json_object *ig = fc_json_get(r->obj, "spec.ignore");
    if (ig) json_object_object_add(st, "observedIgnore", fc_json_copy(ig));
    else json_object_object_del(st, "observedIgnore");
    if (fc_json_get_bool(r->obj, "spec.recurseSubmodules", false)) json_object_object_add(st, "observedRecurseSubmodules", json_object_new_boolean(1));
    else json_object_object_del(st, "observedRecurseSubmodules");
    json_object *inc = fc_json_get(r->obj, "spec.include");
    if (inc && json_object_array_length(inc)) json_object_object_add(st, "observedInclude", fc_json_copy(inc));
    else json_object_object_del(st, "observedInclude");
    json_object *sp = fc_json_get(r->obj, "spec.sparseCheckout");
    if (sp && json_object_array_length(sp)) json_object_object_add(st, "observedSparseCheckout", fc_json_copy(sp));
    else json_object_object_del(st, "observedSparseCheckout");
    fc_cond_delete(r->obj, "StorageOperationFailed");
    fc_cond_delete(r->obj, "ArtifactOutdated");
    fc_cond_setf(r->obj, "ArtifactInStorage", "True", "Succeeded", "stored artifact for revision '%s'", s->revision);
out:
    sc_storage_unlock(lock);
    fc_ignore_free(ign);
    free(url);
    free(file_rel);
    free(file_abs);
    free(dir_abs);
    return res;
}

/* ---------------------------------------------------------------- notify */

static void short_subject(const char *subject, char *out, size_t n)
{
    /* first 50 runes, then "..." */
    size_t i = 0, runes = 0;
    const unsigned char *p = (const unsigned char *)(subject ? subject : "");
    while (p[i] && runes < 50) {
        i++;
        while (p[i] && (p[i] & 0xC0) == 0x80) i++;
        runes++;
    }
    snprintf(out, n, "%.*s%s", (int)i, (const char *)p, p[i] ? "..." : "");
}

static void notify(state *s, json_object *old_status)
{
    fc_rctx *r = s->r;
    json_object *art = fc_json_get(r->obj, "status.artifact");
    if (!art) return;
    const char *old_digest = fc_json_get_str(old_status, "artifact.digest");
    const char *digest = fc_json_get_str(art, "digest");
    char subj[256];
    if (s->have_git && !s->noop && s->git.subject) short_subject(s->git.subject, subj, sizeof subj);
    else snprintf(subj, sizeof subj, "%s", fc_json_get_str(art, "revision") ? fc_json_get_str(art, "revision") : "");
    json_object *md = json_object_new_object();
    json_object_object_add(md, META_REVISION, json_object_new_string(fc_json_get_str(art, "revision") ? fc_json_get_str(art, "revision") : ""));
    json_object_object_add(md, META_DIGEST, json_object_new_string(digest ? digest : ""));
    if (!old_digest || !digest || strcmp(old_digest, digest)) {
        fc_rctx_event(r, FC_EVENT_NORMAL, "NewArtifact", md, "stored artifact for commit '%s'", subj);
        fc_log(FC_LOG_INFO, "stored artifact for commit '%s'", subj);
    } else {
        /* recovery from a failure */
        static const char *const failconds[] = {"FetchFailed", "IncludeUnavailable", "StorageOperationFailed", NULL};
        bool was_failing = false;
        json_object *tmp = json_object_new_object();
        json_object_object_add(tmp, "status", json_object_get(old_status));
        for (const char *const *c = failconds; *c; c++)
            if (fc_cond_is_true(tmp, *c)) was_failing = true;
        json_object_put(tmp);
        bool failing_now = false;
        for (const char *const *c = failconds; *c; c++)
            if (fc_cond_is_true(r->obj, *c)) failing_now = true;
        if (was_failing && !failing_now) fc_rctx_event(r, FC_EVENT_NORMAL, "Succeeded", md, "stored artifact for commit '%s'", subj);
    }
    json_object_put(md);
}

/* ------------------------------------------------------------- reconcile */

/* mkdir -p of the parent directories of a path below the storage root. */
static int mkdirs_parent(const char *cache_dir)
{
    char *p = strdup(cache_dir);
    if (!p) return fc_err_set(FC_ENOMEM, "out of memory");
    for (char *c = p + strlen(sc_store.root) + 1; (c = strchr(c, '/')); c++) {
        *c = 0;
        if (mkdir(p, 0700) && errno != EEXIST) {
            int e = errno;
            free(p);
            return fc_err_set(FC_EIO, "cannot create %s: %s", cache_dir, strerror(e));
        }
        *c = '/';
    }
    free(p);
    return 0;
}

static char *cache_path(const char *ns, const char *name)
{
    char *p = NULL;
    if (asprintf(&p, "%s/.cache/gitrepository/%s/%s.git", sc_store.root, ns, name) < 0) return NULL;
    return p;
}

static fc_result reconcile(fc_rctx *r)
{
    state s;
    memset(&s, 0, sizeof s);
    s.r = r;
    fc_result res = fc_success();
    json_object *old_status = fc_json_copy(fc_json_key(r->obj, "status"));
    s.dir_rel = sc_storage_dir_rel(KIND, r->ns, r->name);
    s.cache_dir = cache_path(r->ns, r->name);
    if (!s.dir_rel || !s.cache_dir) {
        res = fail(r, "StorageOperationFailed", "InvalidPath", fc_stalled(), "object name '%s/%s' cannot be used as a storage path", r->ns, r->name);
        goto out;
    }
    int64_t og = fc_json_get_int(r->obj, "status.observedGeneration", -1);
    if (og != r->generation) progressing(r, "processing object: new generation %lld -> %lld", (long long)og, (long long)r->generation);

    res = step_storage(&s);
    if (res.kind != FC_RESULT_SUCCESS) goto out;
    res = step_source(&s);
    if (res.kind != FC_RESULT_SUCCESS || s.noop) goto out;
    res = step_include(&s);
    if (res.kind != FC_RESULT_SUCCESS) goto out;
    res = step_artifact(&s);
    if (res.kind != FC_RESULT_SUCCESS) goto out;
    notify(&s, old_status);
out:
    if (s.work) sc_rmtree(s.work);
    free(s.work);
    free(s.dir_rel);
    free(s.cache_dir);
    json_object_put(s.includes);
    json_object_put(old_status);
    sc_git_result_dispose(&s.git);
    return res;
}

static fc_result finalize(fc_rctx *r)
{
    char *dir = sc_storage_dir_rel(KIND, r->ns, r->name);
    char *cache = cache_path(r->ns, r->name);
    int rc = 0;
    if (dir) rc = sc_storage_remove_tree(&sc_store, dir);
    if (cache) {
        sc_rmtree(cache);
        char *mods = NULL;
        if (asprintf(&mods, "%s.modules", cache) >= 0) sc_rmtree(mods);
        free(mods);
    }
    if (rc) fc_rctx_event(r, FC_EVENT_WARNING, "GarbageCollectionFailed", NULL, "garbage collection for deleted resource failed: %s", fc_err_msg());
    else fc_rctx_event(r, FC_EVENT_TRACE, "GarbageCollectionSucceeded", NULL, "garbage collected artifacts for deleted resource");
    free(dir);
    free(cache);
    json_object_object_del(fc_json_key(r->obj, "status") ? fc_json_key(r->obj, "status") : r->obj, "artifact");
    return fc_success();
}

/* ------------------------------------------------------- include watching */

static void on_update(json_object *old, json_object *nw, void *arg)
{
    fc_controller *c = arg;
    if (json_str_eq(fc_json_get(old, "status.artifact.revision"), fc_json_get(nw, "status.artifact.revision")) &&
        json_str_eq(fc_json_get(old, "status.artifact.digest"), fc_json_get(nw, "status.artifact.digest")))
        return;
    const char *ns = fc_json_get_str(nw, "metadata.namespace"), *name = fc_json_get_str(nw, "metadata.name");
    json_object *all = fc_informer_list(fc_controller_informer(c), ns);
    for (size_t i = 0; all && i < json_object_array_length(all); i++) {
        json_object *o = json_object_array_get_idx(all, i);
        json_object *inc = fc_json_get(o, "spec.include");
        for (size_t j = 0; inc && j < json_object_array_length(inc); j++) {
            const char *n = fc_json_get_str(json_object_array_get_idx(inc, j), "repository.name");
            if (n && name && !strcmp(n, name)) {
                fc_controller_enqueue(c, ns, fc_json_get_str(o, "metadata.name"));
                break;
            }
        }
    }
    json_object_put(all);
}

static int setup(fc_controller *c)
{
    fc_informer_handler h = {NULL, on_update, NULL, c};
    return fc_informer_add_handler(fc_controller_informer(c), &h);
}

static const char *const ready_from[] = {"StorageOperationFailed", "FetchFailed", "IncludeUnavailable", "ArtifactOutdated",
                                         "ArtifactInStorage", "SourceVerified", "Stalled", "Reconciling", NULL};
static const char *const negative[] = {"StorageOperationFailed", "FetchFailed", "IncludeUnavailable", "ArtifactOutdated",
                                       "Stalled", "Reconciling", NULL};

const fc_kind sc_gitrepository_kind = {
    .res = {"source.toolkit.fluxcd.io", "v1", "gitrepositories", "GitRepository", true},
    .controller_name = "gitrepository",
    .field_owner = "source-controller",
    .ready_from = ready_from,
    .negative_polarity = negative,
    .reconcile = reconcile,
    .finalize = finalize,
    .finalize_when_suspended = true,
    .setup = setup,
};
