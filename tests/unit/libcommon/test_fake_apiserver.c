/* Client edge cases against an in-process fake API server (fc_httpd): a
 * watch that ends with 410 Gone makes the informer relist and deliver the
 * differences (no event missed); an update conflict (409) is retried with a
 * fresh read; API errors keep status, reason and message; the QPS limiter
 * spaces requests. The real API server is exercised by tests/e2e. */
#include "../testlib.h"
#include "fc/duration.h"
#include "fc/err.h"
#include "fc/httpd.h"
#include "fc/informer.h"
#include "fc/json.h"
#include "fc/kube.h"
#include "fc/loop.h"
#include <pthread.h>
#include <unistd.h>

static int lists, watches, gets, puts_;

static void fake(const fc_http_req *req, fc_http_resp *resp, void *arg)
{
    (void)arg;
    resp->content_type = "application/json";
    if (!strcmp(req->path, "/apis/test.io/v1/things")) {
        if (fc_http_query(req, "watch")) {
            int n = __sync_add_and_fetch(&watches, 1);
            const char *rv = fc_http_query(req, "resourceVersion");
            if (n == 1 && rv && !strcmp(rv, "10")) {
                fc_buf_puts(&resp->body,
                            "{\"type\":\"MODIFIED\",\"object\":{\"metadata\":{\"name\":\"b\",\"namespace\":\"ns\",\"resourceVersion\":\"11\"}}}\n"
                            "{\"type\":\"ERROR\",\"object\":{\"kind\":\"Status\",\"code\":410,\"reason\":\"Expired\",\"message\":\"too old resource version: 10 (15)\"}}\n");
            } else {
                usleep(200000);
            }
            return;
        }
        int n = __sync_add_and_fetch(&lists, 1);
        if (n == 1)
            fc_buf_puts(&resp->body, "{\"kind\":\"ThingList\",\"metadata\":{\"resourceVersion\":\"10\"},\"items\":["
                                     "{\"metadata\":{\"name\":\"a\",\"namespace\":\"ns\",\"resourceVersion\":\"5\"}},"
                                     "{\"metadata\":{\"name\":\"b\",\"namespace\":\"ns\",\"resourceVersion\":\"6\"}}]}");
        else
            fc_buf_puts(&resp->body, "{\"kind\":\"ThingList\",\"metadata\":{\"resourceVersion\":\"20\"},\"items\":["
                                     "{\"metadata\":{\"name\":\"b\",\"namespace\":\"ns\",\"resourceVersion\":\"11\"}},"
                                     "{\"metadata\":{\"name\":\"c\",\"namespace\":\"ns\",\"resourceVersion\":\"19\"}}]}");
        return;
    }
    if (!strcmp(req->path, "/apis/test.io/v1/namespaces/ns/things/x")) {
        if (!strcmp(req->method, "GET")) {
            int n = __sync_add_and_fetch(&gets, 1);
            fc_buf_printf(&resp->body, "{\"metadata\":{\"name\":\"x\",\"namespace\":\"ns\",\"resourceVersion\":\"%d\"},\"spec\":{}}", n);
            return;
        }
        if (!strcmp(req->method, "PUT")) {
            int n = __sync_add_and_fetch(&puts_, 1);
            if (n == 1) {
                resp->status = 409;
                fc_buf_puts(&resp->body, "{\"kind\":\"Status\",\"status\":\"Failure\",\"reason\":\"Conflict\",\"code\":409,"
                                         "\"message\":\"Operation cannot be fulfilled on things \\\"x\\\": the object has been modified\"}");
            } else {
                fc_buf_puts(&resp->body, req->body);
            }
            return;
        }
    }
    resp->status = 404;
    fc_buf_puts(&resp->body, "{\"kind\":\"Status\",\"status\":\"Failure\",\"reason\":\"NotFound\",\"code\":404,"
                             "\"message\":\"things.test.io \\\"nope\\\" not found\"}");
}

static fc_kube *client(fc_httpd **srv, double qps)
{
    *srv = fc_httpd_start("127.0.0.1:0", NULL, fake, NULL);
    if (!*srv) t_fail(__FILE__, __LINE__, "httpd: %s", fc_err_msg());
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%d", fc_httpd_port(*srv));
    fc_kube_config cfg = {.server = url};
    fc_kube_opts o = {.qps = qps, .burst = 1};
    return fc_kube_new(&cfg, &o);
}

static const fc_resource things = {"test.io", "v1", "things", "Thing", true};
static int adds, updates, deletes;
static void on_add(json_object *o, void *a) { (void)o; (void)a; adds++; }
static void on_upd(json_object *o, json_object *n, void *a) { (void)o; (void)n; (void)a; updates++; }
static void on_del(json_object *o, void *a) { (void)o; (void)a; deletes++; }

TEST(informer_relists_after_410_and_delivers_differences)
{
    fc_httpd *srv;
    fc_kube *k = client(&srv, 1000);
    fc_loop *loop = fc_loop_new();
    fc_loop_start(loop);
    fc_informer_opts io = {.min_backoff_ns = 10 * FC_NS_PER_MS};
    fc_informer *inf = fc_informer_new(loop, k, &things, &io);
    fc_informer_handler h = {on_add, on_upd, on_del, NULL};
    fc_informer_add_handler(inf, &h);
    fc_informer_start(inf);
    CHECK_INT(fc_informer_wait_synced(inf, 5 * FC_NS_PER_S), 0);
    fc_informer_stats st;
    for (int i = 0; i < 100; i++) {
        fc_informer_get_stats(inf, &st);
        if (st.relists_gone >= 1 && st.lists >= 2) break;
        usleep(20000);
    }
    CHECK_INT(st.relists_gone, 1);
    json_object *a = fc_informer_get(inf, "ns", "a");
    json_object *c = fc_informer_get(inf, "ns", "c");
    json_object *b = fc_informer_get(inf, "ns", "b");
    CHECK(a == NULL);
    CHECK(c != NULL);
    CHECK_STR(fc_json_get_str(b, "metadata.resourceVersion"), "11");
    CHECK_INT(fc_informer_count(inf), 2);
    fc_informer_stop(inf);
    fc_loop_stop(loop);
    CHECK_INT(adds, 3);    /* a, b, c */
    CHECK_INT(updates, 1); /* b from the watch */
    CHECK_INT(deletes, 1); /* a, noticed by the relist */
    json_object_put(a);
    json_object_put(b);
    json_object_put(c);
    fc_informer_free(inf);
    fc_loop_free(loop);
    fc_kube_free(k);
    fc_httpd_stop(srv);
}

static int mutate_calls;
static int mutate(json_object *obj, void *arg)
{
    (void)arg;
    mutate_calls++;
    fc_json_set_str(obj, "spec.x", "y");
    return 0;
}

TEST(update_retries_on_conflict_with_fresh_read)
{
    fc_httpd *srv;
    fc_kube *k = client(&srv, 1000);
    json_object *out = NULL;
    CHECK_INT(fc_kube_update_retry(k, &things, "ns", "x", NULL, mutate, NULL, 5, &out), 0);
    CHECK_INT(mutate_calls, 2);
    CHECK_INT(gets, 2);
    CHECK_INT(puts_, 2);
    CHECK_STR(fc_json_get_str(out, "metadata.resourceVersion"), "2");
    json_object_put(out);
    fc_kube_free(k);
    fc_httpd_stop(srv);
}

TEST(api_errors_keep_status_reason_message)
{
    fc_httpd *srv;
    fc_kube *k = client(&srv, 1000);
    json_object *o = NULL;
    CHECK_INT(fc_kube_get(k, &things, "ns", "nope", &o), FC_ENOTFOUND);
    CHECK_INT(fc_err_last()->http_status, 404);
    CHECK_STR(fc_err_last()->reason, "NotFound");
    CHECK_STR(fc_err_msg(), "things.test.io \"nope\" not found");
    fc_kube_free(k);
    fc_httpd_stop(srv);
}

TEST(client_side_rate_limit_spaces_requests)
{
    fc_httpd *srv;
    fc_kube *k = client(&srv, 20); /* 20 qps, burst 1 */
    int64_t t0 = fc_now_mono_ns();
    for (int i = 0; i < 6; i++) {
        json_object *o = NULL;
        fc_kube_get(k, &things, "ns", "x", &o);
        json_object_put(o);
    }
    fc_kube_stats st;
    fc_kube_get_stats(k, &st);
    /* 5 waits of 50 ms are needed; the limiter records its throttling */
    CHECK(st.throttled_ns >= 200 * FC_NS_PER_MS);
    CHECK(fc_now_mono_ns() - t0 >= 200 * FC_NS_PER_MS);
    fc_kube_free(k);
    fc_httpd_stop(srv);
}

TEST(unreachable_server_fails_fast_with_clear_error)
{
    fc_kube_config cfg = {.server = "http://127.0.0.1:1"};
    fc_kube *k = fc_kube_new(&cfg, NULL);
    json_object *o = NULL;
    int rc = fc_kube_get(k, &things, "ns", "x", &o);
    CHECK_INT(rc, FC_EUNAVAIL);
    CHECK_CONTAINS(fc_err_msg(), "127.0.0.1:1");
    fc_kube_free(k);
}
