/* Unit tests of source-controller's artifact storage and file server:
 * layout and name validation, URLs, integrity verification, locks, garbage
 * collection by TTL and record count (never the current artifact), removal,
 * and the HTTP server (GET/HEAD/Range/416/405, no escapes, hidden paths). */
#include "../testlib.h"
#include "../../../source-controller/sc.h"
#include "fc/err.h"
#include "fc/httpd.h"
#include "fc/json.h"
#include <curl/curl.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

static sc_storage st;
static char root[64];

static void setup(int64_t ttl_ns, int64_t records)
{
    snprintf(root, sizeof root, "/tmp/fc-store-XXXXXX");
    if (!mkdtemp(root)) t_fail(__FILE__, __LINE__, "mkdtemp");
    if (sc_storage_init(&st, root, "127.0.0.1:9090", ttl_ns, records)) t_fail(__FILE__, __LINE__, "init: %s", fc_err_msg());
}

static void put(const char *rel, const char *content, int age_s)
{
    char p[512];
    snprintf(p, sizeof p, "%s/%s", st.root, rel);
    FILE *f = fopen(p, "w");
    if (!f) t_fail(__FILE__, __LINE__, "create %s", p);
    fputs(content, f);
    fclose(f);
    if (age_s) {
        struct timeval now;
        gettimeofday(&now, NULL);
        struct timeval tv[2] = {{now.tv_sec - age_s, 0}, {now.tv_sec - age_s, 0}};
        utimes(p, tv);
    }
}

static bool exists(const char *rel)
{
    char p[512];
    snprintf(p, sizeof p, "%s/%s", st.root, rel);
    return access(p, F_OK) == 0;
}

TEST(layout_and_urls)
{
    setup(0, 2);
    char *d = sc_storage_dir_rel("GitRepository", "flux-system", "podinfo");
    CHECK_STR(d, "gitrepository/flux-system/podinfo");
    free(d);
    CHECK(sc_storage_dir_rel("GitRepository", "..", "x") == NULL);
    CHECK(sc_storage_dir_rel("GitRepository", "ns", "a/b") == NULL);
    CHECK(sc_storage_dir_rel("GitRepository", "ns", ".hidden") == NULL);
    char *u = sc_storage_url(&st, "gitrepository/ns/n/abc.tar.gz");
    CHECK_STR(u, "http://127.0.0.1:9090/gitrepository/ns/n/abc.tar.gz");
    free(u);
    sc_storage st2 = st;
    st2.adv_addr = "https://src.example.com/";
    u = sc_storage_url(&st2, "x.tar.gz");
    CHECK_STR(u, "https://src.example.com/x.tar.gz");
    free(u);
}

TEST(verify_artifact)
{
    setup(0, 2);
    mkdir(root, 0755);
    char p[512];
    snprintf(p, sizeof p, "%s/kind", st.root);
    mkdir(p, 0750);
    put("kind/a.tar.gz", "hello\n", 0);
    json_object *a = NULL;
    const char *good = "{\"path\":\"kind/a.tar.gz\",\"digest\":\"sha256:5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03\"}";
    CHECK_INT(fc_json_parse(good, strlen(good), &a), 0);
    CHECK_INT(sc_storage_verify(&st, a), 0);
    put("kind/a.tar.gz", "tampered\n", 0);
    CHECK_INT(sc_storage_verify(&st, a), FC_EINVAL);
    CHECK_CONTAINS(fc_err_msg(), "doesn't match");
    unlink(p);
    snprintf(p, sizeof p, "%s/kind/a.tar.gz", st.root);
    unlink(p);
    CHECK_INT(sc_storage_verify(&st, a), FC_ENOTFOUND);
    json_object_put(a);
    const char *escape = "{\"path\":\"../../etc/passwd\",\"digest\":\"sha256:00\"}";
    fc_json_parse(escape, strlen(escape), &a);
    CHECK_INT(sc_storage_verify(&st, a), FC_ENOTFOUND);
    json_object_put(a);
}

TEST(gc_records_and_ttl)
{
    setup(0, 2); /* no TTL: only the record count */
    char p[512];
    snprintf(p, sizeof p, "%s/k", st.root);
    mkdir(p, 0750);
    put("k/old1.tar.gz", "1", 300);
    put("k/old2.tar.gz", "2", 200);
    put("k/old2.tar.gz.lock", "", 200);
    put("k/old3.tar.gz", "3", 100);
    put("k/current.tar.gz", "c", 400); /* oldest, but current */
    int deleted = -1;
    CHECK_INT(sc_storage_gc(&st, "k", "k/current.tar.gz", &deleted), 0);
    CHECK_INT(deleted, 2);
    CHECK(exists("k/current.tar.gz"));
    CHECK(exists("k/old3.tar.gz"));
    CHECK(!exists("k/old1.tar.gz"));
    CHECK(!exists("k/old2.tar.gz"));
    CHECK(!exists("k/old2.tar.gz.lock"));
    /* TTL: files older than 60s go even when under the record count */
    st.retention_ttl_ns = 60LL * 1000000000LL;
    st.retention_records = 10;
    CHECK_INT(sc_storage_gc(&st, "k", "k/current.tar.gz", &deleted), 0);
    CHECK_INT(deleted, 1);
    CHECK(!exists("k/old3.tar.gz"));
    CHECK(exists("k/current.tar.gz"));
    CHECK_INT(sc_storage_gc(&st, "missing/dir", NULL, &deleted), 0);
    CHECK_INT(deleted, 0);
}

TEST(lock_and_remove)
{
    setup(0, 2);
    char p[512];
    snprintf(p, sizeof p, "%s/k", st.root);
    mkdir(p, 0750);
    int a = -1, b = -1;
    CHECK_INT(sc_storage_lock(&st, "k/x.tar.gz", 100, &a), 0);
    CHECK_INT(sc_storage_lock(&st, "k/x.tar.gz", 100, &b), FC_ETIMEOUT);
    sc_storage_unlock(a);
    CHECK_INT(sc_storage_lock(&st, "k/x.tar.gz", 100, &b), 0);
    sc_storage_unlock(b);
    CHECK_INT(sc_storage_remove_tree(&st, "k"), 0);
    CHECK(!exists("k"));
    CHECK(sc_storage_remove_tree(&st, "../etc") != 0);
    char *tmp = NULL;
    CHECK_INT(sc_storage_tmpdir(&st, "x", &tmp), 0);
    CHECK_CONTAINS(tmp, "/.tmp/x-");
    free(tmp);
}

static size_t sink(char *p, size_t s, size_t n, void *arg)
{
    (void)p;
    *(size_t *)arg += s * n;
    return s * n;
}

static long get(int port, const char *path, const char *method, const char *range, size_t *got, char *crange)
{
    CURL *c = curl_easy_init();
    char url[512];
    snprintf(url, sizeof url, "http://127.0.0.1:%d%s", port, path);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_PATH_AS_IS, 1L);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, sink);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, got);
    if (!strcmp(method, "HEAD")) curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
    else if (strcmp(method, "GET")) curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    if (range) curl_easy_setopt(c, CURLOPT_RANGE, range);
    *got = 0;
    long code = 0;
    curl_easy_perform(c);
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
    if (crange) {
        struct curl_header *h = NULL;
        crange[0] = 0;
        if (curl_easy_header(c, "Content-Range", 0, CURLH_HEADER, -1, &h) == CURLHE_OK) snprintf(crange, 64, "%s", h->value);
    }
    curl_off_t cl = -1;
    if (!strcmp(method, "HEAD")) {
        curl_easy_getinfo(c, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &cl);
        *got = (size_t)cl;
    }
    curl_easy_cleanup(c);
    return code;
}

TEST(file_server)
{
    setup(0, 2);
    char p[512];
    snprintf(p, sizeof p, "%s/k", st.root);
    mkdir(p, 0750);
    put("k/a.tar.gz", "0123456789", 0);
    put("k/a.tar.gz.lock", "", 0);
    put(".cache/secret", "s", 0);
    snprintf(p, sizeof p, "%s/k/link", st.root);
    symlink("/etc/passwd", p);
    fc_httpd *s = sc_server_start("127.0.0.1:0", &st);
    CHECK(s != NULL);
    int port = fc_httpd_port(s);
    size_t got;
    char cr[64];
    CHECK_INT(get(port, "/k/a.tar.gz", "GET", NULL, &got, NULL), 200);
    CHECK_INT(got, 10);
    CHECK_INT(get(port, "/k/a.tar.gz", "HEAD", NULL, &got, NULL), 200);
    CHECK_INT(got, 10);
    CHECK_INT(get(port, "/k/a.tar.gz", "GET", "2-4", &got, cr), 206);
    CHECK_INT(got, 3);
    CHECK_STR(cr, "bytes 2-4/10");
    CHECK_INT(get(port, "/k/a.tar.gz", "GET", "-3", &got, cr), 206);
    CHECK_STR(cr, "bytes 7-9/10");
    CHECK_INT(get(port, "/k/a.tar.gz", "GET", "20-30", &got, cr), 416);
    CHECK_STR(cr, "bytes */10");
    CHECK_INT(get(port, "/k/a.tar.gz", "POST", NULL, &got, NULL), 405);
    CHECK_INT(get(port, "/../../etc/passwd", "GET", NULL, &got, NULL), 404);
    CHECK_INT(get(port, "/k/%2e%2e/%2e%2e/etc/passwd", "GET", NULL, &got, NULL), 404);
    CHECK_INT(get(port, "/.cache/secret", "GET", NULL, &got, NULL), 404);
    CHECK_INT(get(port, "/k/link", "GET", NULL, &got, NULL), 404);
    CHECK_INT(get(port, "/k/missing", "GET", NULL, &got, NULL), 404);
    CHECK_INT(get(port, "/", "GET", NULL, &got, NULL), 200);
    fc_httpd_stop(s);
}
