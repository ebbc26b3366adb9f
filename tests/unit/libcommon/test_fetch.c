/* Unit tests of fc/fetch against an in-process HTTP server (fc_httpd):
 * success with digest verification, 404 as not-found without retries,
 * retries on 503 then success, giving up after --http-retry attempts, a
 * digest mismatch leaving no file behind, the size cap, bad URLs/digests and
 * the host override. */
#include "../testlib.h"
#include "fc/err.h"
#include "fc/fetch.h"
#include "fc/httpd.h"
#include <openssl/sha.h>
#include <dirent.h>
#include <stdatomic.h>
#include <sys/stat.h>
#include <unistd.h>

static atomic_int flaky_calls;
static const char body[] = "artifact bytes\n";

static void handler(const fc_http_req *req, fc_http_resp *resp, void *arg)
{
    (void)arg;
    if (!strcmp(req->path, "/ok")) {
        fc_buf_puts(&resp->body, body);
    } else if (!strcmp(req->path, "/flaky")) {
        if (atomic_fetch_add(&flaky_calls, 1) < 2) resp->status = 503;
        else fc_buf_puts(&resp->body, body);
    } else if (!strcmp(req->path, "/down")) {
        atomic_fetch_add(&flaky_calls, 1);
        resp->status = 500;
    } else if (!strcmp(req->path, "/forbidden")) {
        atomic_fetch_add(&flaky_calls, 1);
        resp->status = 403;
    } else if (!strcmp(req->path, "/big")) {
        for (int i = 0; i < 4096; i++) fc_buf_puts(&resp->body, "0123456789abcdef");
    } else {
        atomic_fetch_add(&flaky_calls, 1);
        resp->status = 404;
    }
}

static fc_httpd *srv;
static char base[64], dir[64];

static const char *dest(void);

static void remove_dir(void)
{
    unlink(dest());
    rmdir(dir);
}

static void setup(void)
{
    srv = fc_httpd_start("127.0.0.1:0", NULL, handler, NULL);
    if (!srv) t_fail(__FILE__, __LINE__, "httpd: %s", fc_err_msg());
    snprintf(base, sizeof base, "http://127.0.0.1:%d", fc_httpd_port(srv));
    snprintf(dir, sizeof dir, "/tmp/fc-fetch-XXXXXX");
    if (!mkdtemp(dir)) t_fail(__FILE__, __LINE__, "mkdtemp");
    atexit(remove_dir);
}

static const char *url(const char *p)
{
    static char b[128];
    snprintf(b, sizeof b, "%s%s", base, p);
    return b;
}

static const char *dest(void)
{
    static char b[128];
    snprintf(b, sizeof b, "%s/a.tar.gz", dir);
    return b;
}

static const char *good_digest(void)
{
    static char d[80];
    unsigned char h[32];
    SHA256((const unsigned char *)body, strlen(body), h);
    int n = snprintf(d, sizeof d, "sha256:");
    for (int i = 0; i < 32; i++) n += snprintf(d + n, sizeof d - (size_t)n, "%02x", h[i]);
    return d;
}

static int files_in_dir(void)
{
    DIR *d = opendir(dir);
    int n = 0;
    for (struct dirent *e; d && (e = readdir(d));)
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) n++;
    if (d) closedir(d);
    return n;
}

static const fc_fetch_opts fast = {.retries = 3, .min_backoff_ns = 1000000, .max_backoff_ns = 2000000};

TEST(fetch_downloads_and_verifies)
{
    setup();
    fc_fetch_result r;
    CHECK_INT(fc_fetch_file(url("/ok"), good_digest(), dest(), &fast, &r), 0);
    CHECK_INT(r.attempts, 1);
    CHECK_INT(r.bytes, strlen(body));
    struct stat sb;
    CHECK(stat(dest(), &sb) == 0 && (size_t)sb.st_size == strlen(body));
    CHECK_INT(files_in_dir(), 1); /* no temporary left */
    CHECK_INT(fc_fetch_file(url("/ok"), NULL, dest(), &fast, NULL), 0); /* no digest: no check */
}

TEST(fetch_404_is_not_found_without_retry)
{
    setup();
    fc_fetch_result r;
    CHECK_INT(fc_fetch_file(url("/missing"), NULL, dest(), &fast, &r), FC_ENOTFOUND);
    CHECK_INT(r.attempts, 1);
    CHECK_INT(atomic_load(&flaky_calls), 1);
    CHECK_CONTAINS(fc_err_msg(), "404");
    CHECK_INT(files_in_dir(), 0);
}

TEST(fetch_retries_server_errors)
{
    setup();
    fc_fetch_result r;
    CHECK_INT(fc_fetch_file(url("/flaky"), good_digest(), dest(), &fast, &r), 0);
    CHECK_INT(r.attempts, 3);
    unlink(dest());
    atomic_store(&flaky_calls, 0);
    CHECK(fc_fetch_file(url("/down"), NULL, dest(), &fast, &r) != 0);
    CHECK_INT(r.attempts, 4); /* 1 + --http-retry 3 */
    CHECK_INT(atomic_load(&flaky_calls), 4);
    CHECK_CONTAINS(fc_err_msg(), "giving up after 4 attempt(s)");
    CHECK_CONTAINS(fc_err_msg(), "HTTP 500");
    atomic_store(&flaky_calls, 0);
    CHECK(fc_fetch_file(url("/forbidden"), NULL, dest(), &fast, &r) != 0);
    CHECK_INT(atomic_load(&flaky_calls), 1); /* 4xx: no retry */
    CHECK_INT(files_in_dir(), 0);
}

TEST(fetch_connection_refused_is_retried_then_fails)
{
    setup();
    fc_fetch_result r;
    fc_fetch_opts o = fast;
    o.retries = 1;
    CHECK_INT(fc_fetch_file("http://127.0.0.1:1/x", NULL, dest(), &o, &r), FC_EUNAVAIL);
    CHECK_INT(r.attempts, 2);
}

TEST(fetch_digest_mismatch_keeps_nothing)
{
    setup();
    CHECK_INT(fc_fetch_file(url("/ok"), "sha256:0000000000000000000000000000000000000000000000000000000000000000", dest(),
                            &fast, NULL),
              FC_EINVAL);
    CHECK_CONTAINS(fc_err_msg(), "doesn't match");
    CHECK_INT(files_in_dir(), 0);
    CHECK_INT(fc_fetch_file(url("/ok"), "md5:abc", dest(), &fast, NULL), FC_EINVAL);
    CHECK_CONTAINS(fc_err_msg(), "unsupported artifact digest");
    CHECK_INT(fc_fetch_file(url("/ok"), "nocolon", dest(), &fast, NULL), FC_EINVAL);
}

TEST(fetch_size_cap)
{
    setup();
    fc_fetch_opts o = fast;
    o.max_bytes = 1000;
    CHECK_INT(fc_fetch_file(url("/big"), NULL, dest(), &o, NULL), FC_ETOOBIG);
    CHECK_INT(files_in_dir(), 0);
    o.max_bytes = 65536;
    CHECK_INT(fc_fetch_file(url("/big"), NULL, dest(), &o, NULL), 0);
}

TEST(fetch_rejects_other_schemes_and_overrides_host)
{
    setup();
    CHECK_INT(fc_fetch_file("file:///etc/passwd", NULL, dest(), &fast, NULL), FC_EINVAL);
    CHECK_INT(fc_fetch_file("ftp://x/y", NULL, dest(), &fast, NULL), FC_EINVAL);
    char *u = fc_fetch_override_host("http://source-controller.flux-system.svc.cluster.local./gitrepository/a/b/c.tar.gz",
                                     "localhost:8080");
    CHECK_STR(u, "http://localhost:8080/gitrepository/a/b/c.tar.gz");
    free(u);
    char hostport[32];
    snprintf(hostport, sizeof hostport, "127.0.0.1:%d", fc_httpd_port(srv));
    fc_fetch_opts o = fast;
    o.host_override = hostport;
    CHECK_INT(fc_fetch_file("http://unreachable.invalid/ok", good_digest(), dest(), &o, NULL), 0);
}
