/* Unit tests of the sender against an in-process HTTP sink: success,
 * retries of 5xx then a clear failure, no retry of 4xx, multi-step
 * deliveries (on_response -> NC_NEXT), a hanging endpoint that must not
 * delay another provider, the bounded queue, and shutdown with work in
 * flight (no leaks under ASan). */
#include "../testlib.h"
#include "fc/duration.h"
#include "fc/err.h"
#include "fc/httpd.h"
#include "sender.h"
#include <pthread.h>
#include <unistd.h>

typedef struct sink {
    pthread_mutex_t mu;
    int hits_ok, hits_fail, hits_slow, hits_step;
    char last_body[512];
    char last_method[8];
} sink;

static sink S = {PTHREAD_MUTEX_INITIALIZER, 0, 0, 0, 0, "", ""};

static void handler(const fc_http_req *req, fc_http_resp *resp, void *arg)
{
    (void)arg;
    pthread_mutex_lock(&S.mu);
    snprintf(S.last_body, sizeof S.last_body, "%s", req->body);
    snprintf(S.last_method, sizeof S.last_method, "%s", req->method);
    if (!strcmp(req->path, "/ok")) S.hits_ok++;
    else if (!strcmp(req->path, "/fail")) S.hits_fail++;
    else if (!strcmp(req->path, "/slow")) S.hits_slow++;
    else if (!strncmp(req->path, "/step", 5)) S.hits_step++;
    pthread_mutex_unlock(&S.mu);
    if (!strcmp(req->path, "/fail")) fc_http_resp_text(resp, 500, "internal error: token s3cr3t leaked");
    else if (!strcmp(req->path, "/bad")) fc_http_resp_text(resp, 400, "bad payload");
    else if (!strcmp(req->path, "/slow")) {
        sleep(3);
        fc_http_resp_text(resp, 200, "late");
    } else fc_http_resp_text(resp, 200, "{}");
}

typedef struct result {
    pthread_mutex_t mu;
    int ok, failed;
    char err[1024];
    int64_t last_ok_at;
} result;

static result R = {PTHREAD_MUTEX_INITIALIZER, 0, 0, "", 0};

static void done(nc_delivery *d, int rc, void *arg)
{
    (void)arg;
    pthread_mutex_lock(&R.mu);
    if (rc == 0) {
        R.ok++;
        R.last_ok_at = fc_now_mono_ns();
    } else {
        R.failed++;
        char *m = nc_mask_secrets(d->cfg, d->err);
        snprintf(R.err, sizeof R.err, "%s", m);
        free(m);
    }
    pthread_mutex_unlock(&R.mu);
}

static fc_httpd *srv, *slow_srv;
static int port, slow_port;

static void start(void)
{
    fc_httpd_opts ho = {.threads = 8};
    srv = fc_httpd_start("127.0.0.1:0", &ho, handler, NULL);
    CHECK(srv != NULL);
    port = fc_httpd_port(srv);
}

static nc_delivery *post_to(int p, const char *path, int64_t timeout_ns);
static nc_delivery *post(const char *path, int64_t timeout_ns) { return post_to(port, path, timeout_ns); }

static nc_delivery *post_to(int p, const char *path, int64_t timeout_ns)
{
    nc_provider_cfg *c = calloc(1, sizeof *c);
    c->type = strdup("generic");
    c->token = strdup("s3cr3t");
    c->timeout_ns = timeout_ns;
    nc_event *e = calloc(1, sizeof *e);
    nc_delivery *d = nc_delivery_new(c, e);
    char url[128];
    snprintf(url, sizeof url, "http://127.0.0.1:%d%s", p, path);
    json_object *o = json_object_new_object();
    json_object_object_add(o, "path", json_object_new_string(path));
    nc__json_request(d, "POST", url, o);
    return d;
}

static nc_sender *sender(int max_queued)
{
    nc_sender_opts o = {.retry_min_ns = 50 * FC_NS_PER_MS, .retry_max_ns = 200 * FC_NS_PER_MS, .done = done,
                        .max_queued = (size_t)max_queued};
    nc_sender *s = nc_sender_new(&o);
    CHECK(s != NULL);
    return s;
}

TEST(success_is_reported_once)
{
    start();
    nc_sender *s = sender(0);
    CHECK_INT(nc_sender_submit(s, post("/ok", 5 * FC_NS_PER_S)), 0);
    CHECK_INT(nc_sender_wait_idle(s, 5 * FC_NS_PER_S), 0);
    CHECK_INT(R.ok, 1);
    CHECK_INT(S.hits_ok, 1);
    CHECK_STR(S.last_method, "POST");
    CHECK_STR(S.last_body, "{\"path\":\"/ok\"}");
    nc_sender_stats st;
    nc_sender_get_stats(s, &st);
    CHECK_INT(st.succeeded, 1);
    CHECK_INT(st.attempts, 1);
    nc_sender_free(s);
    fc_httpd_stop(srv);
}

TEST(server_errors_are_retried_then_fail_with_masked_message)
{
    start();
    nc_sender *s = sender(0);
    CHECK_INT(nc_sender_submit(s, post("/fail", 5 * FC_NS_PER_S)), 0);
    CHECK_INT(nc_sender_wait_idle(s, 10 * FC_NS_PER_S), 0);
    CHECK_INT(R.failed, 1);
    CHECK_INT(S.hits_fail, 5); /* 1 + max_retries (4) */
    CHECK_CONTAINS(R.err, "request failed with status code 500 after 5 attempt(s)");
    CHECK_CONTAINS(R.err, "token *****");
    CHECK(strstr(R.err, "s3cr3t") == NULL);
    nc_sender_free(s);
    fc_httpd_stop(srv);
}

TEST(retries_stop_at_the_provider_timeout)
{
    start();
    nc_sender_opts o = {.retry_min_ns = 400 * FC_NS_PER_MS, .retry_max_ns = 2 * FC_NS_PER_S, .done = done};
    nc_sender *s = nc_sender_new(&o);
    CHECK_INT(nc_sender_submit(s, post("/fail", 1 * FC_NS_PER_S)), 0);
    CHECK_INT(nc_sender_wait_idle(s, 10 * FC_NS_PER_S), 0);
    CHECK_INT(R.failed, 1);
    CHECK_INT(S.hits_fail, 2); /* t=0, t=0.4s; the next (t=1.2s) is past the deadline */
    nc_sender_free(s);
    fc_httpd_stop(srv);
}

TEST(client_errors_are_not_retried)
{
    start();
    nc_sender *s = sender(0);
    CHECK_INT(nc_sender_submit(s, post("/bad", 5 * FC_NS_PER_S)), 0);
    CHECK_INT(nc_sender_wait_idle(s, 5 * FC_NS_PER_S), 0);
    CHECK_INT(R.failed, 1);
    CHECK_STR(R.err, "request failed with status code 400: bad payload");
    nc_sender_free(s);
    fc_httpd_stop(srv);
}

TEST(connection_refused_is_retried_and_reported)
{
    nc_sender *s = sender(0);
    port = 1; /* nothing listens there */
    CHECK_INT(nc_sender_submit(s, post("/ok", 5 * FC_NS_PER_S)), 0);
    CHECK_INT(nc_sender_wait_idle(s, 10 * FC_NS_PER_S), 0);
    CHECK_INT(R.failed, 1);
    CHECK_CONTAINS(R.err, "failed to execute request: POST request giving up after 5 attempt(s)");
    nc_sender_free(s);
}

static int two_step(nc_delivery *d, long status, const char *body, size_t len)
{
    (void)body;
    (void)len;
    if (status != 200) return FC_ERR;
    if (d->step == 1) return 0;
    char url[128];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/step2", port);
    nc__json_request(d, "PUT", url, json_object_new_object());
    d->step = 1;
    return NC_NEXT;
}

TEST(multi_step_deliveries)
{
    start();
    nc_sender *s = sender(0);
    nc_delivery *d = post("/step1", 5 * FC_NS_PER_S);
    d->on_response = two_step;
    CHECK_INT(nc_sender_submit(s, d), 0);
    CHECK_INT(nc_sender_wait_idle(s, 5 * FC_NS_PER_S), 0);
    CHECK_INT(R.ok, 1);
    CHECK_INT(S.hits_step, 2);
    CHECK_STR(S.last_method, "PUT");
    nc_sender_free(s);
    fc_httpd_stop(srv);
}

TEST(a_hanging_endpoint_does_not_delay_others)
{
    start();
    /* the hanging endpoint is its own server: a sink thread stuck in a slow
     * handler must not be what delays the fast requests */
    fc_httpd_opts ho = {.threads = 4};
    slow_srv = fc_httpd_start("127.0.0.1:0", &ho, handler, NULL);
    slow_port = fc_httpd_port(slow_srv);
    nc_sender *s = sender(0);
    /* generous deadlines: libmicrohttpd may queue two slow requests on one
     * of its worker threads (3 s each), which is not what is tested here */
    for (int i = 0; i < 4; i++) CHECK_INT(nc_sender_submit(s, post_to(slow_port, "/slow", 30 * FC_NS_PER_S)), 0);
    for (int i = 0; i < 20; i++) CHECK_INT(nc_sender_submit(s, post("/ok", 10 * FC_NS_PER_S)), 0);
    for (int i = 0; i < 300; i++) { /* all fast ones done well before the slow ones answer (3 s) */
        pthread_mutex_lock(&R.mu);
        int ok = R.ok;
        pthread_mutex_unlock(&R.mu);
        if (ok >= 20) break;
        usleep(10000);
    }
    pthread_mutex_lock(&R.mu);
    int ok = R.ok;
    pthread_mutex_unlock(&R.mu);
    nc_sender_stats st;
    nc_sender_get_stats(s, &st);
    CHECK_INT(ok, 20);
    CHECK_INT(st.inflight, 4); /* the hanging ones are still waiting for their answer */
    CHECK_INT(nc_sender_wait_idle(s, 30 * FC_NS_PER_S), 0);
    CHECK_INT(R.ok, 24);
    nc_sender_free(s);
    fc_httpd_stop(srv);
    fc_httpd_stop(slow_srv);
}

TEST(queue_is_bounded_and_shutdown_frees_in_flight_work)
{
    start();
    nc_sender *s = sender(3);
    for (int i = 0; i < 3; i++) CHECK_INT(nc_sender_submit(s, post("/slow", 10 * FC_NS_PER_S)), 0);
    nc_delivery *extra = post("/ok", FC_NS_PER_S);
    CHECK_INT(nc_sender_submit(s, extra), FC_ETOOBIG);
    nc_delivery_free(extra);
    nc_sender_stats st;
    nc_sender_get_stats(s, &st);
    CHECK_INT(st.dropped, 1);
    nc_sender_free(s); /* three transfers in flight: dropped and freed */
    CHECK_INT(R.ok + R.failed, 0);
    fc_httpd_stop(srv);
}

TEST(submit_wait_blocks_until_there_is_room)
{
    start();
    nc_sender *s = sender(1);
    CHECK_INT(nc_sender_submit(s, post("/slow", 10 * FC_NS_PER_S)), 0);
    nc_delivery *second = post("/ok", 10 * FC_NS_PER_S);
    CHECK_INT(nc_sender_submit(s, second), FC_ETOOBIG); /* full: refused at once */
    CHECK_INT(nc_sender_submit_wait(s, second, 10 * FC_NS_PER_S), 0); /* waits for the slow one */
    CHECK_INT(R.ok, 1); /* the slow one finished first: that made room */
    CHECK_INT(nc_sender_wait_idle(s, 10 * FC_NS_PER_S), 0);
    CHECK_INT(R.ok, 2);
    nc_sender_free(s);
    fc_httpd_stop(srv);
}
