/*
 * artifact.c: one download and one extraction per source artifact, shared by
 * every Kustomization that builds from it, and cheap private workspaces.
 *
 * Flux fetches and untars the artifact once per Kustomization per reconcile;
 * with hundreds of Kustomizations on one repository that dominates the
 * controller's time (flux2#5470, kustomize-controller#1174). Here the cache
 * is keyed by the artifact digest (URL + revision when there is none): the
 * first reconcile that needs it downloads (fc_fetch: retries, 404, digest
 * check) and extracts it (fc_tarball_extract: confined, capped), concurrent
 * reconciles of the same artifact wait for that single flight, and later
 * ones reuse the tree. Extracted files are made read-only.
 *
 * A reconcile never builds in the shared tree: it gets a workspace, a copy
 * made of hard links (a few link() calls instead of a gunzip), so it can
 * write its kustomization.yaml (generate.c replaces the link by rename) and
 * be removed afterwards without touching the shared tree. Unused trees are
 * evicted when idle for KSC_ARTIFACT_TTL or when more than
 * KSC_ARTIFACT_MAX_IDLE are idle.
 */
#include "ksc.h"
#include "fc/err.h"
#include "fc/fetch.h"
#include "fc/duration.h"
#include "fc/log.h"
#include "fc/tarball.h"
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <openssl/sha.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define KSC_ARTIFACT_TTL (10 * 60 * FC_NS_PER_S)
#define KSC_ARTIFACT_MAX_IDLE 8

typedef enum { A_FETCHING, A_READY, A_FAILED } a_state;

struct ksc_artifact {
    struct ksc_artifact *next;
    char *key;
    char *dir;          /* extracted tree */
    a_state state;
    int refs;
    int64_t last_used;
    int err_code;
    char *err_msg;
};

struct ksc_artifacts {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    char *base;
    ksc_artifact_opts opts;
    ksc_artifact *list;
    uint64_t seq;
    ksc_artifact_stats stats;
};

static int rm_entry(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb, (void)ftw;
    if (flag == FTW_DP || flag == FTW_D) chmod(p, 0700), rmdir(p);
    else unlink(p);
    return 0;
}

void ksc_rmtree(const char *dir)
{
    if (!dir || !*dir) return;
    /* make directories writable first so read-only trees can be removed */
    nftw(dir, rm_entry, 32, FTW_DEPTH | FTW_PHYS);
}

static int make_dir(const char *p)
{
    if (mkdir(p, 0700) && errno != EEXIST) return fc_err_set(FC_EIO, "cannot create %s: %s", p, strerror(errno));
    return 0;
}

ksc_artifacts *ksc_artifacts_new(const char *base, const ksc_artifact_opts *o)
{
    ksc_artifacts *a = calloc(1, sizeof *a);
    if (!a) return NULL;
    pthread_mutex_init(&a->mu, NULL);
    pthread_cond_init(&a->cv, NULL);
    a->base = strdup(base);
    if (o) a->opts = *o;
    char p[4096];
    snprintf(p, sizeof p, "%s/artifacts", base);
    if (make_dir(base) || make_dir(p)) {
        ksc_artifacts_free(a);
        return NULL;
    }
    snprintf(p, sizeof p, "%s/work", base);
    if (make_dir(p)) {
        ksc_artifacts_free(a);
        return NULL;
    }
    return a;
}

static void artifact_free(ksc_artifact *e)
{
    if (!e) return;
    free(e->key);
    free(e->dir);
    free(e->err_msg);
    free(e);
}

void ksc_artifacts_free(ksc_artifacts *a)
{
    if (!a) return;
    for (ksc_artifact *e = a->list, *n; e; e = n) {
        n = e->next;
        if (e->dir) ksc_rmtree(e->dir);
        artifact_free(e);
    }
    if (a->base) ksc_rmtree(a->base);
    free(a->base);
    pthread_mutex_destroy(&a->mu);
    pthread_cond_destroy(&a->cv);
    free(a);
}

void ksc_artifacts_get_stats(ksc_artifacts *a, ksc_artifact_stats *out)
{
    pthread_mutex_lock(&a->mu);
    *out = a->stats;
    pthread_mutex_unlock(&a->mu);
}

static void hex_key(const char *key, char out[65])
{
    unsigned char h[SHA256_DIGEST_LENGTH];
    SHA256((const unsigned char *)key, strlen(key), h);
    for (int i = 0; i < SHA256_DIGEST_LENGTH; i++) snprintf(out + 2 * i, 3, "%02x", h[i]);
}

static int ro_entry(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)ftw;
    if (flag == FTW_F && S_ISREG(sb->st_mode)) chmod(p, sb->st_mode & 0555);
    return 0;
}

/* Download and extract; called without the lock. */
static int materialise(ksc_artifacts *a, ksc_artifact *e, const char *url, const char *digest)
{
    char hk[65], tgz[4200], tmp[4200];
    hex_key(e->key, hk);
    snprintf(tgz, sizeof tgz, "%s/artifacts/%s.tar.gz", a->base, hk);
    snprintf(tmp, sizeof tmp, "%s/artifacts/%s.%llu.tmp", a->base, hk, (unsigned long long)__atomic_add_fetch(&a->seq, 1, __ATOMIC_RELAXED));
    size_t dl = strlen(a->base) + 100;
    e->dir = malloc(dl);
    snprintf(e->dir, dl, "%s/artifacts/%s.%llu", a->base, hk, (unsigned long long)__atomic_add_fetch(&a->seq, 1, __ATOMIC_RELAXED));
    fc_fetch_opts fo = {.retries = a->opts.http_retry, .host_override = a->opts.host_override,
                        .min_backoff_ns = a->opts.min_backoff_ns, .max_backoff_ns = a->opts.max_backoff_ns,
                        .max_bytes = a->opts.max_download_bytes};
    int rc = fc_fetch_file(url, digest, tgz, &fo, NULL);
    if (rc) return rc;
    fc_untar_opts uo = {.max_bytes = a->opts.max_untar_bytes};
    rc = fc_tarball_extract(tgz, tmp, &uo);
    unlink(tgz);
    if (rc) {
        fc_err_wrap("failed to extract artifact from %s", url);
        ksc_rmtree(tmp);
        return rc;
    }
    nftw(tmp, ro_entry, 32, FTW_PHYS);
    if (rename(tmp, e->dir)) {
        rc = fc_err_set(FC_EIO, "cannot rename %s: %s", tmp, strerror(errno));
        ksc_rmtree(tmp);
    }
    return rc;
}

/* Unlink idle entries that are too old or too many; returns them. */
static ksc_artifact *collect_idle(ksc_artifacts *a, int64_t now)
{
    ksc_artifact *out = NULL;
    int idle = 0;
    for (ksc_artifact *e = a->list; e; e = e->next)
        if (e->refs == 0 && e->state == A_READY) idle++;
    for (ksc_artifact **pp = &a->list; *pp;) {
        ksc_artifact *e = *pp;
        bool evict = e->refs == 0 && (e->state == A_FAILED || (e->state == A_READY && (now - e->last_used > KSC_ARTIFACT_TTL ||
                                                                                        idle > KSC_ARTIFACT_MAX_IDLE)));
        if (evict) {
            if (e->state == A_READY) idle--;
            *pp = e->next;
            e->next = out;
            out = e;
            a->stats.evicted++;
        } else {
            pp = &e->next;
        }
    }
    return out;
}

static void drop_list(ksc_artifact *l)
{
    for (ksc_artifact *n; l; l = n) {
        n = l->next;
        if (l->dir) ksc_rmtree(l->dir);
        artifact_free(l);
    }
}

int ksc_artifacts_acquire(ksc_artifacts *a, const char *url, const char *digest, const char *revision, ksc_artifact **out)
{
    *out = NULL;
    char key[4096];
    snprintf(key, sizeof key, "%s", digest && *digest ? digest : "");
    if (!digest || !*digest) snprintf(key, sizeof key, "%s#%s", url ? url : "", revision ? revision : "");
    pthread_mutex_lock(&a->mu);
    ksc_artifact *dead = collect_idle(a, fc_now_mono_ns());
    ksc_artifact *e = a->list;
    for (; e; e = e->next)
        if (e->state != A_FAILED && !strcmp(e->key, key)) break;
    if (e) {
        e->refs++;
        a->stats.hits++;
        while (e->state == A_FETCHING) pthread_cond_wait(&a->cv, &a->mu);
        int rc = 0;
        if (e->state == A_FAILED) {
            rc = fc_err_set(e->err_code, "%s", e->err_msg ? e->err_msg : "artifact fetch failed");
            e->refs--;
        } else {
            *out = e;
        }
        pthread_mutex_unlock(&a->mu);
        drop_list(dead);
        return rc;
    }
    e = calloc(1, sizeof *e);
    if (!e) {
        pthread_mutex_unlock(&a->mu);
        drop_list(dead);
        return fc_err_set(FC_ENOMEM, "out of memory");
    }
    e->key = strdup(key);
    e->state = A_FETCHING;
    e->refs = 1;
    e->next = a->list;
    a->list = e;
    a->stats.fetches++;
    pthread_mutex_unlock(&a->mu);
    drop_list(dead);

    int rc = materialise(a, e, url, digest);

    pthread_mutex_lock(&a->mu);
    if (rc) {
        e->state = A_FAILED;
        e->err_code = rc;
        e->err_msg = strdup(fc_err_msg());
        e->refs--;
        a->stats.failures++;
    } else {
        e->state = A_READY;
        e->last_used = fc_now_mono_ns();
        *out = e;
    }
    pthread_cond_broadcast(&a->cv);
    pthread_mutex_unlock(&a->mu);
    return rc;
}

const char *ksc_artifact_dir(const ksc_artifact *e) { return e->dir; }

void ksc_artifacts_release(ksc_artifacts *a, ksc_artifact *e)
{
    if (!e) return;
    pthread_mutex_lock(&a->mu);
    e->refs--;
    e->last_used = fc_now_mono_ns();
    pthread_mutex_unlock(&a->mu);
}

/* ------------------------------------------------------------ workspace */

static int copy_file(const char *from, const char *to, mode_t mode)
{
    int in = open(from, O_RDONLY | O_CLOEXEC);
    if (in < 0) return fc_err_set(FC_EIO, "cannot read %s: %s", from, strerror(errno));
    int outfd = open(to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode & 0777);
    if (outfd < 0) {
        close(in);
        return fc_err_set(FC_EIO, "cannot create %s: %s", to, strerror(errno));
    }
    char buf[65536];
    ssize_t n;
    int rc = 0;
    while ((n = read(in, buf, sizeof buf)) > 0) {
        for (ssize_t off = 0; off < n;) {
            ssize_t w = write(outfd, buf + off, (size_t)(n - off));
            if (w < 0) {
                rc = fc_err_set(FC_EIO, "cannot write %s: %s", to, strerror(errno));
                goto out;
            }
            off += w;
        }
    }
    if (n < 0) rc = fc_err_set(FC_EIO, "cannot read %s: %s", from, strerror(errno));
out:
    close(in);
    close(outfd);
    return rc;
}

static int link_tree(const char *from, const char *to, int depth)
{
    if (depth > 256) return fc_err_set(FC_EINVAL, "directories nested too deeply in the artifact");
    DIR *d = opendir(from);
    if (!d) return fc_err_set(FC_EIO, "cannot read %s: %s", from, strerror(errno));
    int rc = 0;
    for (struct dirent *de; !rc && (de = readdir(d));) {
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..")) continue;
        char src[4096], dst[4096];
        if ((size_t)snprintf(src, sizeof src, "%s/%s", from, de->d_name) >= sizeof src ||
            (size_t)snprintf(dst, sizeof dst, "%s/%s", to, de->d_name) >= sizeof dst) {
            rc = fc_err_set(FC_EINVAL, "path too long in the artifact: %s", de->d_name);
            break;
        }
        struct stat sb;
        if (lstat(src, &sb)) continue;
        if (S_ISDIR(sb.st_mode)) {
            if (mkdir(dst, 0700)) rc = fc_err_set(FC_EIO, "cannot create %s: %s", dst, strerror(errno));
            else rc = link_tree(src, dst, depth + 1);
        } else if (S_ISREG(sb.st_mode)) {
            if (link(src, dst)) rc = copy_file(src, dst, sb.st_mode); /* other filesystem, link limits */
        }
    }
    closedir(d);
    return rc;
}

int ksc_workspace_new(ksc_artifacts *a, const ksc_artifact *e, char **out)
{
    *out = NULL;
    size_t l = strlen(a->base) + 64;
    char *dir = malloc(l);
    if (!dir) return fc_err_set(FC_ENOMEM, "out of memory");
    snprintf(dir, l, "%s/work/ws-XXXXXX", a->base);
    if (!mkdtemp(dir)) {
        int rc = fc_err_set(FC_EIO, "tmp dir error: %s: %s", dir, strerror(errno));
        free(dir);
        return rc;
    }
    int rc = link_tree(e->dir, dir, 0);
    if (rc) {
        ksc_rmtree(dir);
        free(dir);
        return rc;
    }
    *out = dir;
    return 0;
}
