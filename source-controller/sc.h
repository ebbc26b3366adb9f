/*
 * sc.h: source-controller's internal modules (prefix sc_).
 *
 *   storage.c   the artifact store under --storage-path: layout, URLs,
 *               integrity checks, locks, garbage collection, removal
 *   server.c    the read-only artifact file server on --storage-addr
 *   git.c       libgit2: ls-remote, incremental fetch into a bare cache,
 *               ref resolution (branch/tag/semver/name/commit), tree
 *               checkout (sparse, submodules), auth and host key checks
 *   verify.c    OpenPGP verification of commits and tags (gpgme)
 *   gitrepository.c  the GitRepository kind (reconcile steps)
 */
#ifndef SC_H
#define SC_H
#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "fc/controller.h"

/* ------------------------------------------------------------- storage */

typedef struct sc_storage {
    char *root;      /* absolute, resolved --storage-path */
    char *adv_addr;  /* host[:port] or URL prefix used in artifact URLs */
    int64_t retention_ttl_ns;
    int64_t retention_records;
} sc_storage;

/* Process-wide storage (set up in on_init). */
extern sc_storage sc_store;

int sc_storage_init(sc_storage *s, const char *path, const char *adv_addr, int64_t ttl_ns, int64_t records);
void sc_storage_dispose(sc_storage *s);
/* "<kind-lowercase>/<ns>/<name>" (malloc'd); NULL for names unsafe as paths. */
char *sc_storage_dir_rel(const char *kind, const char *ns, const char *name);
/* root + "/" + rel (malloc'd). */
char *sc_storage_abs(const sc_storage *s, const char *rel);
/* Artifact URL for a relative path (malloc'd): http://<adv>/<rel>. */
char *sc_storage_url(const sc_storage *s, const char *rel);
/* 0: the artifact's file exists and its digest matches; FC_ENOTFOUND:
 * missing; FC_EINVAL: digest mismatch (message says which). */
int sc_storage_verify(const sc_storage *s, json_object *artifact);
/* Exclusive lock on "<file>.lock" (blocking, bounded by timeout_ms);
 * *fd to pass to sc_storage_unlock. */
int sc_storage_lock(const sc_storage *s, const char *rel_file, int timeout_ms, int *fd);
void sc_storage_unlock(int fd);
/* Garbage-collect dir_rel: files older than the TTL, then the oldest beyond
 * the record count; never keep_rel (the current artifact). *deleted = count. */
int sc_storage_gc(const sc_storage *s, const char *dir_rel, const char *keep_rel, int *deleted);
/* rm -rf of a directory below the root (no error when absent). */
int sc_storage_remove_tree(const sc_storage *s, const char *rel);
/* Remove a path tree given as an absolute path (bounded, no symlink follow). */
int sc_rmtree(const char *abs);
/* A fresh private scratch directory under <root>/.tmp (malloc'd path). */
int sc_storage_tmpdir(const sc_storage *s, const char *prefix, char **out);

/* -------------------------------------------------------------- server */

typedef struct fc_httpd fc_httpd;
fc_httpd *sc_server_start(const char *addr, const sc_storage *s);

/* ----------------------------------------------------------------- git */

typedef struct sc_git_auth {
    char *username, *password, *bearer_token;
    char *ca_pem, *cert_pem, *key_pem;          /* https */
    char *identity, *identity_pub, *known_hosts, *key_passphrase; /* ssh */
    char *proxy_url, *proxy_username, *proxy_password;
} sc_git_auth;
void sc_git_auth_dispose(sc_git_auth *a);

typedef enum {
    SC_GIT_OK = 0,
    SC_GIT_EAUTH,     /* credentials rejected / missing, host key unknown */
    SC_GIT_ENOREF,    /* the reference does not exist */
    SC_GIT_ENET,      /* connection, TLS or protocol failure */
    SC_GIT_EEMPTY,    /* the repository has no refs */
    SC_GIT_ELIMIT,    /* a size cap was hit */
    SC_GIT_EOTHER,
} sc_git_errkind;

typedef struct sc_git_ref {
    const char *branch, *tag, *semver, *name, *commit;
} sc_git_ref;

typedef struct sc_git_opts {
    const char *url;
    const sc_git_auth *auth;
    const char *cache_dir;     /* bare repository cache (created if missing) */
    int64_t timeout_ns;
    sc_git_ref ref;
    /* When set and the remote still points at this revision, nothing is
     * fetched or checked out (result.unchanged). */
    const char *last_revision;
    const char *checkout_dir;  /* NULL: resolve only */
    bool recurse_submodules;
    const char *const *sparse; /* NULL-terminated dirs, or NULL */
    uint64_t max_bytes;        /* checkout size cap (0 = 2 GiB) */
} sc_git_opts;

typedef struct sc_git_result {
    char revision[512];
    char commit[65];
    char *subject;          /* first line of the commit message */
    bool unchanged;
    bool fetched;           /* the network was used to download objects */
    /* for verification (malloc'd, NULL when absent) */
    char *commit_data, *commit_sig;
    char *tag_ref;          /* tag name when the ref was a tag/semver */
    char *tag_data, *tag_sig;
    bool tag_annotated;
} sc_git_result;
void sc_git_result_dispose(sc_git_result *r);

int sc_git_global_init(void);
void sc_git_global_shutdown(void);
/* Resolve, fetch and check out. On failure returns non-zero, sets the last
 * error message and *kind. */
int sc_git_sync(const sc_git_opts *o, sc_git_result *r, sc_git_errkind *kind);
/* Validate a GitRepository URL (scheme http/https/ssh, host, port). */
int sc_git_url_check(const char *url);

/* --------------------------------------------------------------- verify */

/* Verify an armored OpenPGP signature over data against the armored public
 * keys (NULL-terminated array). On success *key_id (malloc'd) is the
 * signing key's 16-hex ID. */
int sc_pgp_verify(const char *data, const char *sig, const char *const *keyrings, const char *tmp_root, char **key_id);

/* ------------------------------------------------------------ semver */
/* (libcommon fc/semver.h) */

/* ------------------------------------------------------------ kinds */

extern const fc_kind sc_gitrepository_kind;
/* Settings shared by the kinds, set from flags before the manager runs. */
typedef struct sc_settings {
    const char *digest_algo;
} sc_settings;
extern sc_settings sc_cfg;

#endif
