/* Unit tests of the shared artifact cache (artifact.c) against an in-process
 * HTTP server: eight concurrent reconciles of one artifact download and
 * extract it once; workspaces are private (writing one changes neither the
 * shared tree nor another workspace); digest mismatches and 404s reach every
 * waiter and are not cached; the cache directory is removed on free. */
#include "../testlib.h"
#include "fc/err.h"
#include "fc/httpd.h"
#include "fc/tarball.h"
#include "../../../kustomize-controller/ksc.h"
#include <pthread.h>
#include <stdatomic.h>
#include <sys/stat.h>
#include <unistd.h>

static char tgz[128], digest[80];
static atomic_int served;

static void handler(const fc_http_req *req, fc_http_resp *resp, void *arg)
{
    (void)arg;
    if (strcmp(req->path, "/a.tar.gz")) {
        resp->status = 404;
        return;
    }
    atomic_fetch_add(&served, 1);
    usleep(200000); /* make concurrent callers overlap */
    fc_buf_read_file(&resp->body, tgz);
}

static fc_httpd *srv;
static char url[128], base[64], src[64];

static void setup(void)
{
    snprintf(src, sizeof src, "/tmp/fc-art-src-XXXXXX");
    if (!mkdtemp(src)) t_fail(__FILE__, __LINE__, "mkdtemp");
    char p[160];
    snprintf(p, sizeof p, "%s/app", src);
    mkdir(p, 0755);
    snprintf(p, sizeof p, "%s/app/cm.yaml", src);
    FILE *f = fopen(p, "w");
    fputs("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n", f);
    fclose(f);
    snprintf(tgz, sizeof tgz, "%s.tar.gz", src);
    fc_tarball_result tr;
    if (fc_tarball_write_dir(src, tgz, NULL, &tr)) t_fail(__FILE__, __LINE__, "tar: %s", fc_err_msg());
    snprintf(digest, sizeof digest, "sha256:%s", tr.sha256);
    srv = fc_httpd_start("127.0.0.1:0", NULL, handler, NULL);
    snprintf(url, sizeof url, "http://127.0.0.1:%d/a.tar.gz", fc_httpd_port(srv));
    snprintf(base, sizeof base, "/tmp/fc-art-cache-%d", (int)getpid());
}

typedef struct job {
    ksc_artifacts *a;
    const char *url, *digest;
    int rc;
    ksc_artifact *e;
} job;

static void *acquire(void *arg)
{
    job *j = arg;
    j->rc = ksc_artifacts_acquire(j->a, j->url, j->digest, "main@sha1:1", &j->e);
    return NULL;
}

TEST(artifact_single_flight_and_reuse)
{
    setup();
    ksc_artifact_opts o = {.http_retry = 1, .min_backoff_ns = 1000000, .max_backoff_ns = 1000000};
    ksc_artifacts *a = ksc_artifacts_new(base, &o);
    CHECK(a != NULL);
    pthread_t th[8];
    job jobs[8];
    for (int i = 0; i < 8; i++) {
        jobs[i] = (job){a, url, digest, -1, NULL};
        pthread_create(&th[i], NULL, acquire, &jobs[i]);
    }
    for (int i = 0; i < 8; i++) pthread_join(th[i], NULL);
    for (int i = 0; i < 8; i++) {
        CHECK_INT(jobs[i].rc, 0);
        CHECK(jobs[i].e == jobs[0].e);
    }
    CHECK_INT(atomic_load(&served), 1);
    ksc_artifact_stats st;
    ksc_artifacts_get_stats(a, &st);
    CHECK_INT(st.fetches, 1);
    CHECK_INT(st.hits, 7);

    char *ws1 = NULL, *ws2 = NULL;
    CHECK_INT(ksc_workspace_new(a, jobs[0].e, &ws1), 0);
    CHECK_INT(ksc_workspace_new(a, jobs[0].e, &ws2), 0);
    char p[4200];
    snprintf(p, sizeof p, "%s/app/cm.yaml", ws1);
    CHECK(access(p, R_OK) == 0);
    /* replace the file in ws1 (as generate.c does): others are untouched */
    char tmp[4300];
    snprintf(tmp, sizeof tmp, "%s.new", p);
    FILE *f = fopen(tmp, "w");
    fputs("changed\n", f);
    fclose(f);
    CHECK_INT(rename(tmp, p), 0);
    fc_buf b;
    fc_buf_init(&b, 0);
    snprintf(p, sizeof p, "%s/app/cm.yaml", ws2);
    CHECK_INT(fc_buf_read_file(&b, p), 0);
    CHECK_CONTAINS(b.ptr, "ConfigMap");
    fc_buf_reset(&b);
    snprintf(p, sizeof p, "%s/app/cm.yaml", ksc_artifact_dir(jobs[0].e));
    CHECK_INT(fc_buf_read_file(&b, p), 0);
    CHECK_CONTAINS(b.ptr, "ConfigMap");
    CHECK(access(p, W_OK) != 0 || geteuid() == 0); /* shared files are read-only */
    fc_buf_dispose(&b);
    ksc_rmtree(ws1);
    ksc_rmtree(ws2);
    CHECK(access(ws1, F_OK) != 0);
    free(ws1);
    free(ws2);

    for (int i = 0; i < 8; i++) ksc_artifacts_release(a, jobs[i].e);
    ksc_artifact *again = NULL;
    CHECK_INT(ksc_artifacts_acquire(a, url, digest, "main@sha1:1", &again), 0);
    CHECK_INT(atomic_load(&served), 1); /* still cached */
    ksc_artifacts_release(a, again);
    ksc_artifacts_free(a);
    CHECK(access(base, F_OK) != 0);
    fc_httpd_stop(srv);
    ksc_rmtree(src);
    unlink(tgz);
}

TEST(artifact_failures_reach_waiters_and_are_not_cached)
{
    setup();
    ksc_artifact_opts o = {.http_retry = 0};
    ksc_artifacts *a = ksc_artifacts_new(base, &o);
    ksc_artifact *e = NULL;
    CHECK_INT(ksc_artifacts_acquire(a, url, "sha256:0000000000000000000000000000000000000000000000000000000000000000",
                                    "r", &e),
              FC_EINVAL);
    CHECK_CONTAINS(fc_err_msg(), "doesn't match");
    char missing[160];
    snprintf(missing, sizeof missing, "http://127.0.0.1:%d/nope.tar.gz", fc_httpd_port(srv));
    CHECK_INT(ksc_artifacts_acquire(a, missing, NULL, "r", &e), FC_ENOTFOUND);
    CHECK_INT(ksc_artifacts_acquire(a, missing, NULL, "r", &e), FC_ENOTFOUND); /* retried, not cached */
    CHECK_INT(ksc_artifacts_acquire(a, url, digest, "r", &e), 0);
    ksc_artifacts_release(a, e);
    ksc_artifact_stats st;
    ksc_artifacts_get_stats(a, &st);
    CHECK_INT(st.failures, 3);
    ksc_artifacts_free(a);
    fc_httpd_stop(srv);
    ksc_rmtree(src);
    unlink(tgz);
}
