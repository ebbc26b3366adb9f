/*
 * git.c: everything source-controller does with Git, on libgit2 1.5.
 *
 * Debian's libgit2 cannot clone shallow, so each GitRepository owns a bare
 * repository cache that is fetched incrementally (the refs it keeps under refs/fc/ are the
 * "haves" of the next negotiation). A sync first connects and lists the
 * remote refs; when the ref still names the revision of the stored artifact,
 * it stops there: no download, no checkout. A commit-pinned repository whose
 * commit is already cached does not even touch the network.
 *
 * Checkout writes the commit's tree straight from the object database into a
 * scratch directory (no index, no working copy in the cache), which makes
 * sparse checkout a path filter and keeps every write confined: tree entry
 * names are validated by libgit2, written with O_NOFOLLOW|O_EXCL, symlinks
 * are skipped (artifacts drop them anyway) and the total size is capped.
 * Submodules (recurseSubmodules) are fetched into their own caches beside
 * the parent's, with the same credentials, bounded in depth.
 *
 * Authentication: basic auth and bearer tokens over http(s), a CA bundle
 * checked in the certificate callback with OpenSSL (chain + host name), SSH
 * keys from memory with the server's host key checked against the secret's
 * known_hosts (plain, hashed and wildcard entries; unknown keys fail closed).
 * libgit2's own HTTP stack has no client-certificate support, so tls.crt /
 * tls.key are refused with a clear message rather than silently ignored.
 */
#include "sc.h"
#include "fc/base64.h"
#include "fc/err.h"
#include "fc/log.h"
#include "fc/semver.h"
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <ctype.h>
#include <git2.h>
#include <limits.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define MAX_REMOTE_REFS 100000
#define MAX_SUBMODULE_DEPTH 5
#define DEFAULT_MAX_BYTES (2ull << 30)

void sc_git_auth_dispose(sc_git_auth *a)
{
    char **f[] = {&a->username, &a->password, &a->bearer_token, &a->ca_pem, &a->cert_pem, &a->key_pem,
                  &a->identity, &a->identity_pub, &a->known_hosts, &a->key_passphrase, &a->proxy_url,
                  &a->proxy_username, &a->proxy_password};
    for (size_t i = 0; i < sizeof f / sizeof f[0]; i++) {
        if (*f[i]) {
            explicit_bzero(*f[i], strlen(*f[i]));
            free(*f[i]);
            *f[i] = NULL;
        }
    }
}

void sc_git_result_dispose(sc_git_result *r)
{
    free(r->subject);
    free(r->commit_data);
    free(r->commit_sig);
    free(r->tag_ref);
    free(r->tag_data);
    free(r->tag_sig);
    memset(r, 0, sizeof *r);
}

void sc_git_global_shutdown(void) { git_libgit2_shutdown(); }

/* An anonymous remote that ignores url.*.insteadOf (the spec URL is used as
 * given; this also avoids libgit2 1.5's regex-match leak on config keys). */
static int new_remote(git_remote **out, git_repository *repo, const char *url)
{
    git_remote_create_options o;
    git_remote_create_options_init(&o, GIT_REMOTE_CREATE_OPTIONS_VERSION);
    o.repository = repo;
    o.flags = GIT_REMOTE_CREATE_SKIP_INSTEADOF | GIT_REMOTE_CREATE_SKIP_DEFAULT_FETCHSPEC;
    return git_remote_create_with_opts(out, url, &o);
}

int sc_git_global_init(void)
{
    if (git_libgit2_init() < 0) return fc_err_set(FC_ERR, "libgit2 initialisation failed");
    git_libgit2_opts(GIT_OPT_SET_OWNER_VALIDATION, 0);
    git_libgit2_opts(GIT_OPT_ENABLE_STRICT_HASH_VERIFICATION, 1);
    git_libgit2_opts(GIT_OPT_SET_USER_AGENT, "source-controller (fluxc)");
    /* the host's git configuration (~/.gitconfig, /etc/gitconfig) must not change
     * what a GitRepository fetches */
    git_libgit2_opts(GIT_OPT_SET_SEARCH_PATH, GIT_CONFIG_LEVEL_SYSTEM, "");
    git_libgit2_opts(GIT_OPT_SET_SEARCH_PATH, GIT_CONFIG_LEVEL_XDG, "");
    git_libgit2_opts(GIT_OPT_SET_SEARCH_PATH, GIT_CONFIG_LEVEL_GLOBAL, "");
    git_libgit2_opts(GIT_OPT_SET_SEARCH_PATH, GIT_CONFIG_LEVEL_PROGRAMDATA, "");
    if (access("/etc/ssl/certs/ca-certificates.crt", R_OK) == 0)
        git_libgit2_opts(GIT_OPT_SET_SSL_CERT_LOCATIONS, "/etc/ssl/certs/ca-certificates.crt", "/etc/ssl/certs");
    return 0;
}

/* ------------------------------------------------------------------ URL */

typedef struct url_parts {
    char scheme[16];
    char host[256];
    int port;
    char user[128];
} url_parts;

static int parse_url(const char *url, url_parts *u)
{
    memset(u, 0, sizeof *u);
    CURLU *h = curl_url();
    char *v = NULL;
    int rc = 0;
    if (!h) return fc_err_set(FC_ENOMEM, "out of memory");
    CURLUcode c = curl_url_set(h, CURLUPART_URL, url, CURLU_NON_SUPPORT_SCHEME);
    if (c != CURLUE_OK) {
        rc = fc_err_set(FC_EINVAL, "failed to parse url '%s': %s", url, curl_url_strerror(c));
        goto out;
    }
    if (curl_url_get(h, CURLUPART_SCHEME, &v, 0) != CURLUE_OK) {
        rc = fc_err_set(FC_EINVAL, "failed to parse url '%s': no scheme", url);
        goto out;
    }
    snprintf(u->scheme, sizeof u->scheme, "%s", v);
    curl_free(v);
    v = NULL;
    if (strcmp(u->scheme, "http") && strcmp(u->scheme, "https") && strcmp(u->scheme, "ssh")) {
        rc = fc_err_set(FC_EINVAL, "failed to parse url '%s': unsupported scheme '%s' (want http, https or ssh)", url, u->scheme);
        goto out;
    }
    if (curl_url_get(h, CURLUPART_HOST, &v, 0) != CURLUE_OK || !v || !*v) {
        rc = fc_err_set(FC_EINVAL, "failed to parse url '%s': no host", url);
        goto out;
    }
    snprintf(u->host, sizeof u->host, "%s", v);
    curl_free(v);
    v = NULL;
    if (curl_url_get(h, CURLUPART_PORT, &v, 0) == CURLUE_OK && v) {
        u->port = (int)strtol(v, NULL, 10);
        curl_free(v);
        v = NULL;
    }
    if (curl_url_get(h, CURLUPART_USER, &v, 0) == CURLUE_OK && v) {
        snprintf(u->user, sizeof u->user, "%s", v);
        curl_free(v);
        v = NULL;
    }
out:
    curl_url_cleanup(h);
    return rc;
}

int sc_git_url_check(const char *url)
{
    url_parts u;
    return parse_url(url, &u);
}

/* ------------------------------------------------------------ callbacks */

typedef struct gctx {
    const sc_git_opts *o;
    url_parts url;
    int cred_calls;
    bool auth_problem;
    char why[512];
    int64_t deadline;
    uint64_t max_bytes;
} gctx;

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int cred_cb(git_credential **out, const char *url, const char *user_from_url, unsigned int allowed, void *payload)
{
    (void)url;
    gctx *g = payload;
    const sc_git_auth *a = g->o->auth;
    if (++g->cred_calls > 3) {
        g->auth_problem = true;
        snprintf(g->why, sizeof g->why, "authentication failed: the server rejected the credentials");
        return GIT_EAUTH;
    }
    if (allowed & GIT_CREDENTIAL_USERNAME) {
        const char *u = user_from_url && *user_from_url ? user_from_url : a && a->username ? a->username : "git";
        return git_credential_username_new(out, u);
    }
    if ((allowed & GIT_CREDENTIAL_SSH_KEY) && a && a->identity) {
        const char *u = user_from_url && *user_from_url ? user_from_url : a->username ? a->username : "git";
        if (g->cred_calls > 1) {
            g->auth_problem = true;
            snprintf(g->why, sizeof g->why, "ssh: unable to authenticate as '%s' with the given identity", u);
            return GIT_EAUTH;
        }
        return git_credential_ssh_key_memory_new(out, u, a->identity_pub, a->identity, a->key_passphrase ? a->key_passphrase : "");
    }
    if ((allowed & GIT_CREDENTIAL_USERPASS_PLAINTEXT) && a && a->username && a->password) {
        if (g->cred_calls > 1) {
            g->auth_problem = true;
            snprintf(g->why, sizeof g->why, "authentication failed: the server rejected the credentials for user '%s'", a->username);
            return GIT_EAUTH;
        }
        return git_credential_userpass_plaintext_new(out, a->username, a->password);
    }
    g->auth_problem = true;
    if (allowed & GIT_CREDENTIAL_SSH_KEY)
        snprintf(g->why, sizeof g->why, "ssh: the server requires key authentication but no 'identity' was provided");
    else
        snprintf(g->why, sizeof g->why, "authentication required: the server asked for credentials%s",
                 a && a->bearer_token ? " and rejected the bearer token" : " and none were provided (secretRef)");
    return GIT_EAUTH;
}

/* x509: chain to the configured CA bundle, and the host name. */
static int check_x509(gctx *g, git_cert_x509 *c, const char *host)
{
    const unsigned char *p = c->data;
    X509 *leaf = d2i_X509(NULL, &p, (long)c->len);
    X509_STORE *store = X509_STORE_new();
    X509_STORE_CTX *ctx = X509_STORE_CTX_new();
    BIO *bio = BIO_new_mem_buf(g->o->auth->ca_pem, -1);
    int ok = 0, added = 0;
    if (!leaf || !store || !ctx || !bio) goto out;
    X509 *ca;
    while ((ca = PEM_read_bio_X509(bio, NULL, NULL, NULL))) {
        if (X509_STORE_add_cert(store, ca) == 1) added++;
        X509_free(ca);
    }
    if (!added) {
        snprintf(g->why, sizeof g->why, "tls: 'ca.crt' contains no PEM certificate");
        goto out;
    }
    if (X509_STORE_CTX_init(ctx, store, leaf, NULL) != 1) goto out;
    X509_VERIFY_PARAM *vp = X509_STORE_CTX_get0_param(ctx);
    X509_VERIFY_PARAM_set1_host(vp, host, 0);
    if (X509_verify_cert(ctx) == 1) ok = 1;
    else
        snprintf(g->why, sizeof g->why, "tls: x509: certificate for '%s' is not trusted by the given CA: %s", host,
                 X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx)));
out:
    BIO_free(bio);
    X509_STORE_CTX_free(ctx);
    X509_STORE_free(store);
    X509_free(leaf);
    return ok;
}

/* OpenSSH match_pattern: only "*" and "?" are wildcards ("[" is literal, as in
 * "[host]:port"), case-insensitive. Iterative with one backtrack point. */
static bool wild_match(const char *p, const char *s)
{
    const char *star = NULL, *ss = NULL;
    while (*s) {
        if (*p == '*') {
            star = p++;
            ss = s;
        } else if (*p == '?' || (*p && tolower((unsigned char)*p) == tolower((unsigned char)*s))) {
            p++;
            s++;
        } else if (star) {
            p = star + 1;
            s = ++ss;
        } else {
            return false;
        }
    }
    while (*p == '*') p++;
    return !*p;
}

/* Does one known_hosts host pattern list match hostport? */
static bool hosts_match(const char *patterns, size_t plen, const char *hostport)
{
    bool matched = false;
    char pat[1024];
    if (plen >= sizeof pat) return false;
    memcpy(pat, patterns, plen);
    pat[plen] = 0;
    if (!strncmp(pat, "|1|", 3)) {
        char *salt_b64 = pat + 3, *bar = strchr(salt_b64, '|');
        if (!bar) return false;
        *bar = 0;
        size_t sl = 0, hl = 0;
        char *salt = fc_base64_decode(salt_b64, strlen(salt_b64), &sl);
        char *hash = fc_base64_decode(bar + 1, strlen(bar + 1), &hl);
        unsigned char mac[EVP_MAX_MD_SIZE];
        unsigned ml = 0;
        bool ok = salt && hash && hl == 20 &&
                  HMAC(EVP_sha1(), salt, (int)sl, (const unsigned char *)hostport, strlen(hostport), mac, &ml) && ml == 20 &&
                  memcmp(mac, hash, 20) == 0;
        free(salt);
        free(hash);
        return ok;
    }
    for (char *t = pat, *next; t; t = next) {
        next = strchr(t, ',');
        if (next) *next++ = 0;
        bool neg = *t == '!';
        if (neg) t++;
        if (wild_match(t, hostport)) {
            if (neg) return false;
            matched = true;
        }
    }
    return matched;
}

static int check_hostkey(gctx *g, git_cert_hostkey *k)
{
    const char *kh = g->o->auth ? g->o->auth->known_hosts : NULL;
    char hostport[300];
    if (g->url.port && g->url.port != 22) snprintf(hostport, sizeof hostport, "[%s]:%d", g->url.host, g->url.port);
    else snprintf(hostport, sizeof hostport, "%s", g->url.host);
    if (!kh || !*kh) {
        snprintf(g->why, sizeof g->why, "ssh: no known_hosts given: refusing to trust the host key of '%s'", hostport);
        return 0;
    }
    unsigned char fp[32];
    bool have_fp = (k->type & GIT_CERT_SSH_SHA256) != 0;
    if (have_fp) memcpy(fp, k->hash_sha256, 32);
    int host_known = 0, lines = 0;
    for (const char *l = kh; *l && lines < 10000; lines++) {
        const char *eol = strchr(l, '\n');
        size_t len = eol ? (size_t)(eol - l) : strlen(l);
        const char *next = eol ? eol + 1 : l + len;
        /* fields: [marker] hosts type key */
        const char *f[4];
        size_t fl[4];
        int nf = 0;
        for (size_t i = 0; i < len && nf < 4;) {
            while (i < len && (l[i] == ' ' || l[i] == '\t' || l[i] == '\r')) i++;
            if (i >= len) break;
            size_t s = i;
            while (i < len && l[i] != ' ' && l[i] != '\t' && l[i] != '\r') i++;
            f[nf] = l + s;
            fl[nf] = i - s;
            nf++;
        }
        l = next;
        if (nf < 3 || f[0][0] == '#') continue;
        int hi = 0;
        bool revoked = false;
        if (f[0][0] == '@') {
            if (fl[0] == 8 && !strncmp(f[0], "@revoked", 8)) revoked = true;
            else continue; /* @cert-authority: not supported, never trusted */
            if (nf < 4) continue;
            hi = 1;
        }
        if (!hosts_match(f[hi], fl[hi], hostport)) continue;
        host_known = 1;
        size_t bl = 0;
        char *blob = fc_base64_decode(f[hi + 2], fl[hi + 2], &bl);
        if (!blob) continue;
        bool same = false;
        if ((k->type & GIT_CERT_SSH_RAW) && k->hostkey) {
            same = bl == k->hostkey_len && memcmp(blob, k->hostkey, bl) == 0;
        } else if (have_fp) {
            unsigned char d[32];
            unsigned dl = 0;
            EVP_Digest(blob, bl, d, &dl, EVP_sha256(), NULL);
            same = dl == 32 && memcmp(d, fp, 32) == 0;
        }
        free(blob);
        if (same && revoked) {
            snprintf(g->why, sizeof g->why, "ssh: the host key of '%s' is marked @revoked in known_hosts", hostport);
            return 0;
        }
        if (same) return 1;
    }
    char b64[64] = "";
    if (have_fp) {
        char *e = fc_base64_encode(fp, 32);
        if (e) {
            size_t el = strlen(e);
            while (el && e[el - 1] == '=') e[--el] = 0;
            snprintf(b64, sizeof b64, "%s", e);
            free(e);
        }
    }
    snprintf(g->why, sizeof g->why, "ssh: %s host key for '%s' (SHA256:%s) not found in known_hosts",
             host_known ? "mismatching" : "unknown", hostport, b64);
    return 0;
}

static int cert_cb(git_cert *cert, int valid, const char *host, void *payload)
{
    gctx *g = payload;
    if (cert->cert_type == GIT_CERT_HOSTKEY_LIBSSH2) {
        if (check_hostkey(g, (git_cert_hostkey *)cert)) return 0;
        g->auth_problem = true;
        git_error_set_str(GIT_ERROR_SSH, g->why);
        return GIT_ECERTIFICATE;
    }
    if (cert->cert_type == GIT_CERT_X509) {
        if (g->o->auth && g->o->auth->ca_pem) {
            if (check_x509(g, (git_cert_x509 *)cert, host)) return 0;
            git_error_set_str(GIT_ERROR_SSL, g->why);
            return GIT_ECERTIFICATE;
        }
        if (valid) return 0;
        snprintf(g->why, sizeof g->why, "tls: x509: certificate for '%s' signed by unknown authority", host);
        git_error_set_str(GIT_ERROR_SSL, g->why);
        return GIT_ECERTIFICATE;
    }
    return valid ? 0 : GIT_ECERTIFICATE;
}

static int transfer_cb(const git_indexer_progress *st, void *payload)
{
    gctx *g = payload;
    if (g->deadline && now_ns() > g->deadline) {
        snprintf(g->why, sizeof g->why, "timeout: the git operation exceeded spec.timeout");
        git_error_set_str(GIT_ERROR_NET, g->why);
        return -1;
    }
    if (st->received_bytes > g->max_bytes) {
        snprintf(g->why, sizeof g->why, "the fetched pack exceeds %llu bytes", (unsigned long long)g->max_bytes);
        git_error_set_str(GIT_ERROR_NET, g->why);
        return -1;
    }
    return 0;
}

static int sideband_cb(const char *str, int len, void *payload)
{
    (void)str;
    (void)len;
    gctx *g = payload;
    if (g->deadline && now_ns() > g->deadline) return -1;
    return 0;
}

static void setup_callbacks(git_remote_callbacks *cb, gctx *g)
{
    git_remote_init_callbacks(cb, GIT_REMOTE_CALLBACKS_VERSION);
    cb->credentials = cred_cb;
    cb->certificate_check = cert_cb;
    cb->transfer_progress = transfer_cb;
    cb->sideband_progress = sideband_cb;
    cb->payload = g;
}

/* --------------------------------------------------------- error mapping */

static int git_fail(gctx *g, sc_git_errkind *kind, const char *what)
{
    const git_error *e = git_error_last();
    const char *m = g->why[0] ? g->why : e && e->message ? e->message : "unknown error";
    sc_git_errkind k = SC_GIT_ENET;
    if (g->auth_problem) k = SC_GIT_EAUTH;
    else if (e && (strstr(e->message, "401") || strstr(e->message, "403") || strstr(e->message, "authentication") ||
                   strstr(e->message, "Authentication") || strstr(e->message, "Username/PublicKey")))
        k = SC_GIT_EAUTH;
    if (!strncmp(m, "the fetched pack exceeds", 24)) k = SC_GIT_ELIMIT;
    *kind = k;
    return fc_err_set(k == SC_GIT_EAUTH ? FC_EUNAUTH : FC_EIO, "%s: %s", what, m);
}

/* ------------------------------------------------------------- checkout */

typedef struct writer {
    git_repository *repo;
    gctx *g;
    const char *const *sparse;
    uint64_t bytes, entries;
    int depth;
    sc_git_errkind *kind;
    /* submodule context */
    const char *parent_url;
    const char *parent_cache;
    git_config *modules; /* parsed .gitmodules of this tree, or NULL */
} writer;

static int tree_write(writer *w, const git_tree *tree, const char *dir, const char *rel);

/* sparse: is rel wanted (1), an ancestor of a wanted dir (2), or not (0)? */
static int sparse_state(const char *const *sparse, const char *rel)
{
    if (!sparse) return 1;
    size_t rl = strlen(rel);
    for (const char *const *s = sparse; *s; s++) {
        const char *d = *s;
        size_t dl = strlen(d);
        if (!dl) return 1;
        if (rl >= dl && !strncmp(rel, d, dl) && (rel[dl] == 0 || rel[dl] == '/')) return 1;
        if (dl > rl && !strncmp(d, rel, rl) && d[rl] == '/') return 2;
    }
    return 0;
}

static int write_blob(writer *w, const git_tree_entry *e, const char *path, const char *rel)
{
    git_blob *blob = NULL;
    if (git_blob_lookup(&blob, w->repo, git_tree_entry_id(e)))
        return fc_err_set(FC_EIO, "cannot read blob for %s: %s", rel, git_error_last()->message);
    git_object_size_t sz = git_blob_rawsize(blob);
    if (w->bytes + sz > w->g->max_bytes) {
        git_blob_free(blob);
        *w->kind = SC_GIT_ELIMIT;
        return fc_err_set(FC_ETOOBIG, "checkout exceeds %llu bytes at %s", (unsigned long long)w->g->max_bytes, rel);
    }
    mode_t mode = git_tree_entry_filemode(e) == GIT_FILEMODE_BLOB_EXECUTABLE ? 0755 : 0644;
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
    if (fd < 0) {
        git_blob_free(blob);
        return fc_err_set(FC_EIO, "cannot create %s: %s", rel, strerror(errno));
    }
    const char *p = git_blob_rawcontent(blob);
    size_t left = (size_t)sz;
    int rc = 0;
    while (left) {
        ssize_t k = write(fd, p, left);
        if (k < 0 && errno == EINTR) continue;
        if (k <= 0) {
            rc = fc_err_set(FC_EIO, "cannot write %s: %s", rel, strerror(errno));
            break;
        }
        p += k;
        left -= (size_t)k;
    }
    close(fd);
    w->bytes += sz;
    git_blob_free(blob);
    return rc;
}

static int fetch_into(gctx *g, git_repository *repo, const char *url, const char *const *refspecs, size_t n,
                      sc_git_errkind *kind);

/* A gitlink at rel (commit oid): fetch the submodule and write its tree. */
static int write_submodule(writer *w, const git_tree_entry *e, const char *path, const char *rel)
{
    int rc = 0;
    const char *sub_url = NULL;
    char *abs_url = NULL, *cache = NULL;
    git_repository *srepo = NULL;
    git_commit *c = NULL;
    git_tree *t = NULL;
    git_config_entry *ce = NULL;
    if (mkdir(path, 0755) && errno != EEXIST) return fc_err_set(FC_EIO, "cannot create %s: %s", rel, strerror(errno));
    if (!w->g->o->recurse_submodules) return 0;
    if (w->depth >= MAX_SUBMODULE_DEPTH) return fc_err_set(FC_ETOOBIG, "submodules nested deeper than %d at %s", MAX_SUBMODULE_DEPTH, rel);
    if (!w->modules) return fc_err_set(FC_EINVAL, "submodule at '%s' but no .gitmodules", rel);
    /* find submodule.<name>.url whose .path is rel */
    git_config_iterator *it = NULL;
    git_config_entry *pe;
    char urlkey[600] = "";
    if (git_config_iterator_glob_new(&it, w->modules, "^submodule\\..*\\.path$") == 0) {
        while (git_config_next(&pe, it) == 0) {
            if (!strcmp(pe->value, rel)) {
                size_t kl = strlen(pe->name);
                snprintf(urlkey, sizeof urlkey, "%.*s.url", (int)(kl - 5), pe->name);
                break;
            }
        }
        git_config_iterator_free(it);
    }
    if (!*urlkey || git_config_get_entry(&ce, w->modules, urlkey)) {
        rc = fc_err_set(FC_EINVAL, "no url in .gitmodules for submodule '%s'", rel);
        goto out;
    }
    sub_url = ce->value;
    if (!strncmp(sub_url, "./", 2) || !strncmp(sub_url, "../", 3)) {
        /* relative to the parent's URL */
        char base[PATH_MAX];
        snprintf(base, sizeof base, "%s", w->parent_url);
        size_t bl = strlen(base);
        while (bl && base[bl - 1] == '/') base[--bl] = 0;
        const char *r = sub_url;
        for (;;) {
            if (!strncmp(r, "./", 2)) r += 2;
            else if (!strncmp(r, "../", 3)) {
                char *s = strrchr(base, '/');
                if (!s || s - base < 8) {
                    rc = fc_err_set(FC_EINVAL, "relative submodule url '%s' climbs above the host", sub_url);
                    goto out;
                }
                *s = 0;
                r += 3;
            } else break;
        }
        if (asprintf(&abs_url, "%s/%s", base, r) < 0) abs_url = NULL;
    } else {
        abs_url = strdup(sub_url);
    }
    if (!abs_url || sc_git_url_check(abs_url)) {
        rc = fc_err_set(FC_EINVAL, "submodule '%s' has an unsupported url '%s'", rel, sub_url);
        goto out;
    }
    /* cache: <parent cache>.modules/<sha256(url)[:16]>.git */
    unsigned char d[32];
    unsigned dl = 0;
    EVP_Digest(abs_url, strlen(abs_url), d, &dl, EVP_sha256(), NULL);
    char hex[17];
    for (int i = 0; i < 8; i++) snprintf(hex + 2 * i, 3, "%02x", d[i]);
    char mdir[PATH_MAX];
    snprintf(mdir, sizeof mdir, "%s.modules", w->parent_cache);
    mkdir(mdir, 0700);
    if (asprintf(&cache, "%s/%s.git", mdir, hex) < 0) cache = NULL;
    if (!cache || (git_repository_open_bare(&srepo, cache) && git_repository_init(&srepo, cache, 1))) {
        rc = fc_err_set(FC_EIO, "cannot open submodule cache for '%s'", rel);
        goto out;
    }
    const git_oid *oid = git_tree_entry_id(e);
    if (git_commit_lookup(&c, srepo, oid)) {
        static const char *const specs[] = {"+refs/heads/*:refs/fc/heads/*", "+refs/tags/*:refs/fc/tags/*"};
        if ((rc = fetch_into(w->g, srepo, abs_url, specs, 2, w->kind))) {
            fc_err_wrap("submodule '%s'", rel);
            goto out;
        }
        if (git_commit_lookup(&c, srepo, oid)) {
            char h[GIT_OID_HEXSZ + 1];
            git_oid_tostr(h, sizeof h, oid);
            rc = fc_err_set(FC_ENOTFOUND, "submodule '%s': commit %s not found in %s", rel, h, abs_url);
            *w->kind = SC_GIT_ENOREF;
            goto out;
        }
    }
    if (git_commit_tree(&t, c)) {
        rc = fc_err_set(FC_EIO, "submodule '%s': cannot read tree", rel);
        goto out;
    }
    writer sw = *w;
    sw.repo = srepo;
    sw.depth = w->depth + 1;
    sw.parent_url = abs_url;
    sw.parent_cache = cache;
    sw.modules = NULL;
    sw.sparse = NULL;
    rc = tree_write(&sw, t, path, rel);
    w->bytes = sw.bytes;
    w->entries = sw.entries;
    if (sw.modules) git_config_free(sw.modules);
out:
    git_config_entry_free(ce);
    git_tree_free(t);
    git_commit_free(c);
    git_repository_free(srepo);
    free(cache);
    free(abs_url);
    return rc;
}

static int load_gitmodules(writer *w, const git_tree *tree, const char *dir)
{
    const git_tree_entry *e = git_tree_entry_byname(tree, ".gitmodules");
    if (!e || git_tree_entry_type(e) != GIT_OBJECT_BLOB) return 0;
    git_blob *b = NULL;
    if (git_blob_lookup(&b, w->repo, git_tree_entry_id(e))) return 0;
    char tmp[PATH_MAX];
    snprintf(tmp, sizeof tmp, "%s/.gitmodules.fc-XXXXXX", dir);
    int fd = mkstemp(tmp);
    int rc = 0;
    if (fd >= 0) {
        size_t sz = (size_t)git_blob_rawsize(b);
        if (sz > (1u << 20) || write(fd, git_blob_rawcontent(b), sz) != (ssize_t)sz) rc = fc_err_set(FC_EINVAL, ".gitmodules is too large or unwritable");
        close(fd);
        if (!rc && git_config_open_ondisk(&w->modules, tmp)) rc = fc_err_set(FC_EINVAL, "invalid .gitmodules: %s", git_error_last()->message);
        /* the config object keeps its contents in memory once parsed */
        if (w->modules) {
            git_config *snap = NULL;
            if (!git_config_snapshot(&snap, w->modules)) {
                git_config_free(w->modules);
                w->modules = snap;
            }
        }
        unlink(tmp);
    }
    git_blob_free(b);
    return rc;
}

static int tree_write(writer *w, const git_tree *tree, const char *dir, const char *rel)
{
    int rc = 0;
    if (w->g->o->recurse_submodules && !w->modules && (rc = load_gitmodules(w, tree, dir))) return rc;
    size_t n = git_tree_entrycount(tree);
    for (size_t i = 0; i < n && !rc; i++) {
        const git_tree_entry *e = git_tree_entry_byindex(tree, i);
        const char *name = git_tree_entry_name(e);
        if (++w->entries > 1000000) {
            *w->kind = SC_GIT_ELIMIT;
            return fc_err_set(FC_ETOOBIG, "more than 1000000 entries in the checkout");
        }
        char crel[PATH_MAX], path[PATH_MAX];
        int l1 = snprintf(crel, sizeof crel, "%s%s%s", rel, *rel ? "/" : "", name);
        int l2 = snprintf(path, sizeof path, "%s/%s", dir, name);
        if (l1 < 0 || l2 < 0 || (size_t)l1 >= sizeof crel || (size_t)l2 >= sizeof path)
            return fc_err_set(FC_ETOOBIG, "path too long: %s", crel);
        if (!strcmp(name, ".git") || strchr(name, '/') || !strcmp(name, "..") || !strcmp(name, "."))
            continue; /* never valid in a checkout */
        int sp = sparse_state(w->sparse, crel);
        git_filemode_t fm = git_tree_entry_filemode(e);
        if (fm == GIT_FILEMODE_TREE) {
            if (!sp) continue;
            if (mkdir(path, 0755) && errno != EEXIST) return fc_err_set(FC_EIO, "cannot create %s: %s", crel, strerror(errno));
            git_tree *sub = NULL;
            if (git_tree_lookup(&sub, w->repo, git_tree_entry_id(e)))
                return fc_err_set(FC_EIO, "cannot read tree %s: %s", crel, git_error_last()->message);
            writer cw = *w;
            if (sp == 2) cw.sparse = w->sparse;
            else cw.sparse = NULL; /* everything below a wanted dir */
            rc = tree_write(&cw, sub, path, crel);
            w->bytes = cw.bytes;
            w->entries = cw.entries;
            git_tree_free(sub);
        } else if (fm == GIT_FILEMODE_BLOB || fm == GIT_FILEMODE_BLOB_EXECUTABLE) {
            if (sp != 1) continue;
            rc = write_blob(w, e, path, crel);
        } else if (fm == GIT_FILEMODE_COMMIT) {
            if (sp != 1) continue;
            rc = write_submodule(w, e, path, crel);
        }
        /* symlinks: skipped (artifacts never contain them) */
    }
    return rc;
}

/* ---------------------------------------------------------------- sync */

static int fetch_into(gctx *g, git_repository *repo, const char *url, const char *const *refspecs, size_t n,
                      sc_git_errkind *kind)
{
    git_remote *remote = NULL;
    int rc = 0;
    if (new_remote(&remote, repo, url)) return git_fail(g, kind, "failed to create remote");
    git_fetch_options fo;
    git_fetch_options_init(&fo, GIT_FETCH_OPTIONS_VERSION);
    setup_callbacks(&fo.callbacks, g);
    fo.download_tags = GIT_REMOTE_DOWNLOAD_TAGS_NONE;
    fo.update_fetchhead = 0;
    fo.follow_redirects = GIT_REMOTE_REDIRECT_INITIAL;
    char hdr[4200];
    char *hp[1] = {hdr};
    if (g->o->auth && g->o->auth->bearer_token) {
        snprintf(hdr, sizeof hdr, "Authorization: Bearer %s", g->o->auth->bearer_token);
        fo.custom_headers.strings = hp;
        fo.custom_headers.count = 1;
    }
    if (g->o->auth && g->o->auth->proxy_url) {
        fo.proxy_opts.type = GIT_PROXY_SPECIFIED;
        fo.proxy_opts.url = g->o->auth->proxy_url;
        fo.proxy_opts.certificate_check = cert_cb;
        fo.proxy_opts.payload = g;
    }
    git_strarray specs = {(char **)refspecs, n};
    if (git_remote_fetch(remote, &specs, &fo, "fetch")) rc = git_fail(g, kind, "failed to fetch");
    explicit_bzero(hdr, sizeof hdr);
    git_remote_free(remote);
    return rc;
}

static void set_revision(sc_git_result *r, const char *short_ref, const git_oid *commit)
{
    char hex[GIT_OID_HEXSZ + 1];
    git_oid_tostr(hex, sizeof hex, commit);
    snprintf(r->commit, sizeof r->commit, "%s", hex);
    if (short_ref) snprintf(r->revision, sizeof r->revision, "%s@sha1:%s", short_ref, hex);
    else snprintf(r->revision, sizeof r->revision, "sha1:%s", hex);
}

/* Choose the highest tag satisfying the constraint. */
static int pick_semver(const git_remote_head **heads, size_t n, const char *constraint, char **tag_out, const git_oid **oid_out)
{
    fc_semver_constraint *c = NULL;
    if (fc_semver_constraint_parse(constraint, &c)) return fc_err_wrap("semver parse error");
    fc_semver best;
    bool have = false;
    const git_remote_head *best_head = NULL;
    for (size_t i = 0; i < n; i++) {
        const char *nm = heads[i]->name;
        if (strncmp(nm, "refs/tags/", 10)) continue;
        size_t l = strlen(nm);
        if (l > 3 && !strcmp(nm + l - 3, "^{}")) continue;
        fc_semver v;
        if (fc_semver_parse(nm + 10, &v) || !fc_semver_constraint_check(c, &v)) continue;
        if (!have || fc_semver_compare(&v, &best) > 0) {
            best = v;
            have = true;
            best_head = heads[i];
        }
    }
    fc_semver_constraint_free(c);
    if (!have) return fc_err_set(FC_ENOTFOUND, "no match found for semver: %s", constraint);
    *tag_out = strdup(best_head->name + 10);
    *oid_out = &best_head->oid;
    return 0;
}

static const git_remote_head *find_head(const git_remote_head **heads, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(heads[i]->name, name)) return heads[i];
    return NULL;
}

/* Commit oid of a ref: the peeled "^{}" entry when advertised. */
static const git_oid *peeled(const git_remote_head **heads, size_t n, const git_remote_head *h)
{
    char p[1100];
    snprintf(p, sizeof p, "%s^{}", h->name);
    const git_remote_head *ph = find_head(heads, n, p);
    return ph ? &ph->oid : &h->oid;
}

static char *first_line(const char *msg)
{
    if (!msg) return strdup("");
    size_t l = strcspn(msg, "\n");
    return strndup(msg, l);
}

static void fill_verification(git_repository *repo, const git_oid *commit_oid, const git_oid *tag_oid, sc_git_result *r)
{
    git_buf sig = GIT_BUF_INIT, data = GIT_BUF_INIT;
    if (git_commit_extract_signature(&sig, &data, repo, (git_oid *)commit_oid, NULL) == 0) {
        r->commit_sig = strndup(sig.ptr, sig.size);
        r->commit_data = strndup(data.ptr, data.size);
    }
    git_buf_dispose(&sig);
    git_buf_dispose(&data);
    if (!tag_oid) return;
    git_odb *odb = NULL;
    git_odb_object *obj = NULL;
    if (git_repository_odb(&odb, repo) == 0 && git_odb_read(&obj, odb, tag_oid) == 0 &&
        git_odb_object_type(obj) == GIT_OBJECT_TAG) {
        r->tag_annotated = true;
        const char *raw = git_odb_object_data(obj);
        size_t len = git_odb_object_size(obj);
        char *copy = strndup(raw, len);
        char *s = copy ? strstr(copy, "-----BEGIN PGP SIGNATURE-----") : NULL;
        if (s) {
            r->tag_sig = strdup(s);
            r->tag_data = strndup(copy, (size_t)(s - copy));
        }
        free(copy);
    }
    git_odb_object_free(obj);
    git_odb_free(odb);
}

int sc_git_sync(const sc_git_opts *o, sc_git_result *r, sc_git_errkind *kind)
{
    memset(r, 0, sizeof *r);
    *kind = SC_GIT_OK;
    gctx g;
    memset(&g, 0, sizeof g);
    g.o = o;
    g.deadline = o->timeout_ns > 0 ? now_ns() + o->timeout_ns : 0;
    g.max_bytes = o->max_bytes ? o->max_bytes : DEFAULT_MAX_BYTES;
    git_repository *repo = NULL;
    git_remote *remote = NULL;
    git_commit *commit = NULL;
    git_tree *tree = NULL;
    char *semver_tag = NULL;
    int rc = 0;
    git_oid want, tag_oid;
    bool have_tag_oid = false;
    const char *short_ref = NULL;
    char refname[1100] = "";

    if ((rc = parse_url(o->url, &g.url))) {
        *kind = SC_GIT_EOTHER;
        return rc;
    }
    if (o->auth && (o->auth->cert_pem || o->auth->key_pem) && strcmp(g.url.scheme, "https") == 0) {
        *kind = SC_GIT_EAUTH;
        return fc_err_set(FC_EINVAL, "TLS client certificates (tls.crt/tls.key) are not supported by this build's git transport");
    }
    if (!strcmp(g.url.scheme, "ssh") && (!o->auth || !o->auth->known_hosts || !*o->auth->known_hosts)) {
        *kind = SC_GIT_EAUTH;
        return fc_err_set(FC_EINVAL, "invalid 'ssh' auth option: 'known_hosts' is required");
    }
    if (git_repository_open_bare(&repo, o->cache_dir)) {
        sc_rmtree(o->cache_dir); /* unreadable cache: start over */
        if (git_repository_init(&repo, o->cache_dir, 1)) {
            *kind = SC_GIT_EOTHER;
            return fc_err_set(FC_EIO, "cannot create git cache %s: %s", o->cache_dir, git_error_last()->message);
        }
    }

    const sc_git_ref *ref = &o->ref;
    bool commit_only = ref->commit && *ref->commit && !(ref->name && *ref->name) && !(ref->branch && *ref->branch);
    bool by_commit = ref->commit && *ref->commit && !(ref->name && *ref->name);
    if (by_commit && git_oid_fromstr(&want, ref->commit)) {
        *kind = SC_GIT_ENOREF;
        rc = fc_err_set(FC_EINVAL, "invalid commit '%s': want a 40 character hex SHA-1", ref->commit);
        goto out;
    }
    if (commit_only) {
        set_revision(r, NULL, &want);
        if (git_commit_lookup(&commit, repo, &want) == 0) {
            if (o->last_revision && !strcmp(o->last_revision, r->revision)) {
                r->unchanged = true;
                goto out;
            }
        } else {
            static const char *const specs[] = {"+refs/heads/*:refs/fc/heads/*", "+refs/tags/*:refs/fc/tags/*"};
            if ((rc = fetch_into(&g, repo, o->url, specs, 2, kind))) goto out;
            r->fetched = true;
            if (git_commit_lookup(&commit, repo, &want)) {
                *kind = SC_GIT_ENOREF;
                rc = fc_err_set(FC_ENOTFOUND, "unable to resolve commit object for '%s': object not found", ref->commit);
                goto out;
            }
        }
    } else {
        /* list the remote refs first */
        git_remote_callbacks cb;
        setup_callbacks(&cb, &g);
        char hdr[4200];
        char *hp[1] = {hdr};
        git_strarray headers = {NULL, 0};
        if (o->auth && o->auth->bearer_token) {
            snprintf(hdr, sizeof hdr, "Authorization: Bearer %s", o->auth->bearer_token);
            headers.strings = hp;
            headers.count = 1;
        }
        git_proxy_options po;
        git_proxy_options_init(&po, GIT_PROXY_OPTIONS_VERSION);
        if (o->auth && o->auth->proxy_url) {
            po.type = GIT_PROXY_SPECIFIED;
            po.url = o->auth->proxy_url;
            po.certificate_check = cert_cb;
            po.payload = &g;
        }
        if (new_remote(&remote, repo, o->url)) {
            rc = git_fail(&g, kind, "failed to create remote");
            goto out;
        }
        int crc = git_remote_connect(remote, GIT_DIRECTION_FETCH, &cb, &po, &headers);
        explicit_bzero(hdr, sizeof hdr);
        if (crc) {
            rc = git_fail(&g, kind, "unable to list remote refs");
            goto out;
        }
        const git_remote_head **heads = NULL;
        size_t nheads = 0;
        if (git_remote_ls(&heads, &nheads, remote)) {
            rc = git_fail(&g, kind, "unable to list remote refs");
            goto out;
        }
        if (nheads > MAX_REMOTE_REFS) {
            *kind = SC_GIT_ELIMIT;
            rc = fc_err_set(FC_ETOOBIG, "the remote advertises more than %d refs", MAX_REMOTE_REFS);
            goto out;
        }
        if (nheads == 0) {
            *kind = SC_GIT_EEMPTY;
            rc = fc_err_set(FC_ENOTFOUND, "git repository is empty");
            goto out;
        }
        const git_remote_head *h = NULL;
        if (ref->name && *ref->name) {
            snprintf(refname, sizeof refname, "%s", ref->name);
            short_ref = ref->name;
        } else if (ref->semver && *ref->semver) {
            const git_oid *dummy = NULL;
            if ((rc = pick_semver(heads, nheads, ref->semver, &semver_tag, &dummy))) {
                *kind = SC_GIT_ENOREF;
                goto out;
            }
            snprintf(refname, sizeof refname, "refs/tags/%s", semver_tag);
            short_ref = semver_tag;
        } else if (ref->tag && *ref->tag) {
            snprintf(refname, sizeof refname, "refs/tags/%s", ref->tag);
            short_ref = ref->tag;
        } else {
            const char *b = ref->branch && *ref->branch ? ref->branch : "master";
            snprintf(refname, sizeof refname, "refs/heads/%s", b);
            short_ref = b;
        }
        h = find_head(heads, nheads, refname);
        if (!h) {
            *kind = SC_GIT_ENOREF;
            rc = fc_err_set(FC_ENOTFOUND, "couldn't find remote ref '%s'", refname);
            goto out;
        }
        const git_oid *target = peeled(heads, nheads, h);
        if (!git_oid_equal(target, &h->oid)) {
            tag_oid = h->oid;
            have_tag_oid = true;
        } else if (!strncmp(refname, "refs/tags/", 10)) {
            tag_oid = h->oid; /* lightweight tag: the commit itself */
            have_tag_oid = true;
        }
        if (!by_commit) want = *target;
        set_revision(r, short_ref, &want);
        if (o->last_revision && !strcmp(o->last_revision, r->revision)) {
            r->unchanged = true;
            goto out;
        }
        bool need = git_commit_lookup(&commit, repo, &want) != 0;
        if (!need && have_tag_oid) {
            git_odb *odb = NULL;
            if (git_repository_odb(&odb, repo) == 0) {
                need = !git_odb_exists(odb, &tag_oid);
                git_odb_free(odb);
            }
        }
        if (need) {
            git_commit_free(commit);
            commit = NULL;
            char spec[2300];
            snprintf(spec, sizeof spec, "+%s:refs/fc/%s", refname, !strncmp(refname, "refs/", 5) ? refname + 5 : refname);
            char *sp[1] = {spec};
            git_strarray specs = {sp, 1};
            git_fetch_options fo;
            git_fetch_options_init(&fo, GIT_FETCH_OPTIONS_VERSION);
            setup_callbacks(&fo.callbacks, &g);
            fo.download_tags = GIT_REMOTE_DOWNLOAD_TAGS_NONE;
            fo.update_fetchhead = 0;
            fo.follow_redirects = GIT_REMOTE_REDIRECT_INITIAL;
            if (o->auth && o->auth->bearer_token) {
                snprintf(hdr, sizeof hdr, "Authorization: Bearer %s", o->auth->bearer_token);
                fo.custom_headers = headers;
            }
            fo.proxy_opts = po;
            int drc = git_remote_download(remote, &specs, &fo);
            if (!drc) drc = git_remote_update_tips(remote, &fo.callbacks, 0, GIT_REMOTE_DOWNLOAD_TAGS_NONE, "fetch");
            explicit_bzero(hdr, sizeof hdr);
            if (drc) {
                rc = git_fail(&g, kind, "failed to fetch");
                goto out;
            }
            r->fetched = true;
            if (git_commit_lookup(&commit, repo, &want)) {
                *kind = SC_GIT_ENOREF;
                char hex[GIT_OID_HEXSZ + 1];
                git_oid_tostr(hex, sizeof hex, &want);
                rc = fc_err_set(FC_ENOTFOUND, "unable to resolve commit object for '%s': object not found", hex);
                goto out;
            }
        }
    }
    git_remote_free(remote);
    remote = NULL;
    r->subject = first_line(git_commit_message(commit));
    if (semver_tag || (ref->tag && *ref->tag) || (ref->name && !strncmp(ref->name, "refs/tags/", 10)))
        r->tag_ref = strdup(semver_tag ? semver_tag : ref->tag && *ref->tag ? ref->tag : ref->name + 10);
    fill_verification(repo, &want, have_tag_oid ? &tag_oid : NULL, r);

    if (o->checkout_dir) {
        if (git_commit_tree(&tree, commit)) {
            rc = fc_err_set(FC_EIO, "cannot read the commit's tree: %s", git_error_last()->message);
            *kind = SC_GIT_EOTHER;
            goto out;
        }
        writer w = {.repo = repo, .g = &g, .sparse = o->sparse, .kind = kind, .parent_url = o->url, .parent_cache = o->cache_dir};
        rc = tree_write(&w, tree, o->checkout_dir, "");
        if (w.modules) git_config_free(w.modules);
        if (rc) {
            if (*kind == SC_GIT_OK) *kind = SC_GIT_EOTHER;
            goto out;
        }
        for (const char *const *s = o->sparse; s && *s; s++) {
            char p[PATH_MAX];
            struct stat st;
            snprintf(p, sizeof p, "%s/%s", o->checkout_dir, *s);
            if (**s && (stat(p, &st) || !S_ISDIR(st.st_mode))) {
                *kind = SC_GIT_ENOREF;
                rc = fc_err_set(FC_ENOTFOUND, "sparse checkout dir '%s' does not exist in repository", *s);
                goto out;
            }
        }
    }
out:
    git_tree_free(tree);
    git_commit_free(commit);
    git_remote_free(remote);
    git_repository_free(repo);
    free(semver_tag);
    return rc;
}
