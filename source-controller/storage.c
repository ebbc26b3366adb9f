/*
 * storage.c: the artifact store under --storage-path (reference 1.1-1.3).
 *
 * Layout: <root>/<kind-lowercase>/<namespace>/<name>/<file>, plus private
 * dot-directories the file server never serves: <root>/.tmp (scratch
 * checkouts, replaced on start) and <root>/.cache (bare git repositories).
 * Names come from Kubernetes object keys (DNS labels/subdomains), but are
 * still checked so a path can never leave the root. Locks are flock(2) on
 * "<file>.lock" like Flux's, so two workers never build one artifact at once.
 * Garbage collection follows Flux: TTL first, then the record count, oldest
 * first, never the current artifact, bounded walk.
 */
#include "sc.h"
#include "fc/err.h"
#include "fc/json.h"
#include "fc/log.h"
#include "fc/tarball.h"
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

sc_storage sc_store;

#define GC_MAX_FILES 1000

static bool safe_component(const char *s)
{
    if (!s || !*s || !strcmp(s, ".") || !strcmp(s, "..") || s[0] == '.') return false;
    for (const char *p = s; *p; p++)
        if (*p == '/' || *p == '\\' || (unsigned char)*p < 0x20) return false;
    return strlen(s) <= 253;
}

int sc_storage_init(sc_storage *s, const char *path, const char *adv_addr, int64_t ttl_ns, int64_t records)
{
    memset(s, 0, sizeof *s);
    if (mkdir(path, 0750) && errno != EEXIST) return fc_err_set(FC_EIO, "cannot create storage path %s: %s", path, strerror(errno));
    s->root = realpath(path, NULL);
    if (!s->root) return fc_err_set(FC_EIO, "cannot resolve storage path %s: %s", path, strerror(errno));
    struct stat st;
    if (stat(s->root, &st) || !S_ISDIR(st.st_mode)) return fc_err_set(FC_EINVAL, "storage path %s is not a directory", path);
    if (access(s->root, W_OK)) return fc_err_set(FC_EIO, "storage path %s is not writable: %s", path, strerror(errno));
    char *tmp = sc_storage_abs(s, ".tmp");
    sc_rmtree(tmp); /* scratch left by a previous run */
    if (mkdir(tmp, 0700) && errno != EEXIST) {
        int e = errno;
        free(tmp);
        return fc_err_set(FC_EIO, "cannot create %s/.tmp: %s", s->root, strerror(e));
    }
    free(tmp);
    char *cache = sc_storage_abs(s, ".cache");
    mkdir(cache, 0700);
    free(cache);
    s->adv_addr = strdup(adv_addr && *adv_addr ? adv_addr : "localhost");
    s->retention_ttl_ns = ttl_ns;
    s->retention_records = records;
    return 0;
}

void sc_storage_dispose(sc_storage *s)
{
    free(s->root);
    free(s->adv_addr);
    memset(s, 0, sizeof *s);
}

char *sc_storage_dir_rel(const char *kind, const char *ns, const char *name)
{
    if (!safe_component(ns) || !safe_component(name)) return NULL;
    char lk[64];
    size_t i = 0;
    for (; kind[i] && i < sizeof lk - 1; i++) lk[i] = (char)(kind[i] >= 'A' && kind[i] <= 'Z' ? kind[i] + 32 : kind[i]);
    lk[i] = 0;
    char *out = NULL;
    if (asprintf(&out, "%s/%s/%s", lk, ns, name) < 0) return NULL;
    return out;
}

char *sc_storage_abs(const sc_storage *s, const char *rel)
{
    char *out = NULL;
    if (asprintf(&out, "%s/%s", s->root, rel) < 0) return NULL;
    return out;
}

char *sc_storage_url(const sc_storage *s, const char *rel)
{
    char *out = NULL;
    const char *a = s->adv_addr;
    bool has_scheme = strstr(a, "://") != NULL;
    size_t al = strlen(a);
    while (al && a[al - 1] == '/') al--;
    if (asprintf(&out, "%s%.*s/%s", has_scheme ? "" : "http://", (int)al, a, rel) < 0) return NULL;
    return out;
}

/* Artifact path from status: must be a clean relative path of our layout. */
static bool rel_path_ok(const char *p)
{
    if (!p || !*p || p[0] == '/') return false;
    for (const char *c = p; *c;) {
        const char *e = strchr(c, '/');
        size_t l = e ? (size_t)(e - c) : strlen(c);
        if (l == 0 || c[0] == '.') return false;
        c = e ? e + 1 : c + l;
    }
    return true;
}

int sc_storage_verify(const sc_storage *s, json_object *artifact)
{
    const char *path = fc_json_get_str(artifact, "path");
    const char *digest = fc_json_get_str(artifact, "digest");
    if (!rel_path_ok(path)) return fc_err_set(FC_ENOTFOUND, "artifact path '%s' is not a storage path", path ? path : "");
    char *abs = sc_storage_abs(s, path);
    struct stat st;
    if (lstat(abs, &st) || !S_ISREG(st.st_mode)) {
        free(abs);
        return fc_err_set(FC_ENOTFOUND, "artifact '%s' is not in storage", path);
    }
    char hex[65];
    int64_t size = 0;
    int rc = fc_file_sha256(abs, hex, &size);
    free(abs);
    if (rc) return rc;
    if (!digest || strncmp(digest, "sha256:", 7) != 0)
        return fc_err_set(FC_EINVAL, "unsupported digest '%s' for artifact '%s'", digest ? digest : "", path);
    if (strcmp(digest + 7, hex) != 0)
        return fc_err_set(FC_EINVAL, "computed digest doesn't match '%s'", digest);
    return 0;
}

int sc_storage_lock(const sc_storage *s, const char *rel_file, int timeout_ms, int *fd)
{
    *fd = -1;
    char *lp = NULL;
    if (asprintf(&lp, "%s/%s.lock", s->root, rel_file) < 0) return fc_err_set(FC_ENOMEM, "out of memory");
    int f = open(lp, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    free(lp);
    if (f < 0) return fc_err_set(FC_EIO, "cannot open lock file for %s: %s", rel_file, strerror(errno));
    for (int waited = 0;; waited += 50) {
        if (flock(f, LOCK_EX | LOCK_NB) == 0) break;
        if (errno != EWOULDBLOCK || waited >= timeout_ms) {
            close(f);
            return fc_err_set(FC_ETIMEOUT, "cannot acquire lock for %s", rel_file);
        }
        struct timespec ts = {0, 50 * 1000000L};
        nanosleep(&ts, NULL);
    }
    *fd = f;
    return 0;
}

void sc_storage_unlock(int fd)
{
    if (fd < 0) return;
    flock(fd, LOCK_UN);
    close(fd);
}

typedef struct gc_file {
    char *name;
    int64_t mtime_ns;
} gc_file;

static int cmp_age(const void *a, const void *b)
{
    const gc_file *x = a, *y = b;
    if (x->mtime_ns != y->mtime_ns) return x->mtime_ns < y->mtime_ns ? -1 : 1;
    return strcmp(x->name, y->name);
}

static void remove_with_lock(const char *dir, const char *name)
{
    char p[PATH_MAX];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    unlink(p);
    snprintf(p, sizeof p, "%s/%s.lock", dir, name);
    unlink(p);
}

int sc_storage_gc(const sc_storage *s, const char *dir_rel, const char *keep_rel, int *deleted)
{
    *deleted = 0;
    char *dir = sc_storage_abs(s, dir_rel);
    DIR *d = opendir(dir);
    if (!d) {
        int e = errno;
        free(dir);
        return e == ENOENT ? 0 : fc_err_set(FC_EIO, "cannot read %s: %s", dir_rel, strerror(e));
    }
    const char *keep = keep_rel ? strrchr(keep_rel, '/') : NULL;
    keep = keep ? keep + 1 : keep_rel;
    gc_file files[GC_MAX_FILES];
    size_t n = 0;
    struct dirent *e;
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    int64_t now_ns = (int64_t)now.tv_sec * 1000000000LL + now.tv_nsec;
    while ((e = readdir(d)) && n < GC_MAX_FILES) {
        const char *nm = e->d_name;
        if (nm[0] == '.') continue;
        size_t l = strlen(nm);
        if (l > 5 && !strcmp(nm + l - 5, ".lock")) continue;
        if (strstr(nm, ".tmp-")) continue; /* an archive being written */
        if (keep && !strcmp(nm, keep)) continue;
        struct stat st;
        if (fstatat(dirfd(d), nm, &st, AT_SYMLINK_NOFOLLOW) || !S_ISREG(st.st_mode)) continue;
        files[n].name = strdup(nm);
        files[n].mtime_ns = (int64_t)st.st_mtim.tv_sec * 1000000000LL + st.st_mtim.tv_nsec;
        n++;
    }
    closedir(d);
    qsort(files, n, sizeof *files, cmp_age);
    /* TTL pass */
    size_t kept = 0;
    for (size_t i = 0; i < n; i++) {
        if (s->retention_ttl_ns > 0 && now_ns - files[i].mtime_ns > s->retention_ttl_ns) {
            remove_with_lock(dir, files[i].name);
            (*deleted)++;
            free(files[i].name);
            files[i].name = NULL;
        } else {
            kept++;
        }
    }
    /* record pass: the current artifact counts as one of the records */
    int64_t allowed = s->retention_records - (keep ? 1 : 0);
    if (allowed < 0) allowed = 0;
    for (size_t i = 0; i < n && (int64_t)kept > allowed; i++) {
        if (!files[i].name) continue;
        remove_with_lock(dir, files[i].name);
        (*deleted)++;
        kept--;
        free(files[i].name);
        files[i].name = NULL;
    }
    for (size_t i = 0; i < n; i++) free(files[i].name);
    free(dir);
    return 0;
}

static int rm_at(int dfd, const char *name, int depth)
{
    struct stat st;
    if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW)) return errno == ENOENT ? 0 : -1;
    if (!S_ISDIR(st.st_mode)) return unlinkat(dfd, name, 0) && errno != ENOENT ? -1 : 0;
    if (depth > 512) return -1;
    int sub = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (sub < 0) return -1;
    DIR *d = fdopendir(sub);
    if (!d) {
        close(sub);
        return -1;
    }
    int rc = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
        if (rm_at(dirfd(d), e->d_name, depth + 1)) rc = -1;
    }
    closedir(d);
    if (unlinkat(dfd, name, AT_REMOVEDIR) && errno != ENOENT) rc = -1;
    return rc;
}

int sc_rmtree(const char *abs)
{
    if (!abs) return 0;
    char *copy = strdup(abs);
    char *slash = strrchr(copy, '/');
    int rc;
    if (!slash || slash == copy) {
        free(copy);
        return fc_err_set(FC_EINVAL, "refusing to remove %s", abs);
    }
    *slash = 0;
    int dfd = open(copy, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0) {
        free(copy);
        return errno == ENOENT ? 0 : fc_err_set(FC_EIO, "cannot open %s: %s", abs, strerror(errno));
    }
    rc = rm_at(dfd, slash + 1, 0) ? fc_err_set(FC_EIO, "cannot remove %s: %s", abs, strerror(errno)) : 0;
    close(dfd);
    free(copy);
    return rc;
}

int sc_storage_remove_tree(const sc_storage *s, const char *rel)
{
    if (!rel_path_ok(rel) && strncmp(rel, ".cache/", 7) != 0) return fc_err_set(FC_EINVAL, "refusing to remove '%s'", rel);
    char *abs = sc_storage_abs(s, rel);
    int rc = sc_rmtree(abs);
    free(abs);
    return rc;
}

int sc_storage_tmpdir(const sc_storage *s, const char *prefix, char **out)
{
    char *p = NULL;
    if (asprintf(&p, "%s/.tmp/%s-XXXXXX", s->root, prefix) < 0) return fc_err_set(FC_ENOMEM, "out of memory");
    if (!mkdtemp(p)) {
        int e = errno;
        free(p);
        return fc_err_set(FC_EIO, "cannot create a scratch directory: %s", strerror(e));
    }
    *out = p;
    return 0;
}
