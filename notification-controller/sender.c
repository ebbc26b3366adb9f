/*
 * sender.c: the delivery engine (sender.h).
 *
 * Threads: submit() runs on any thread and only appends to a locked FIFO and
 * wakes the loop; everything else (starting transfers, reading results,
 * retry timers, the provider's on_response step) runs on the sender's own
 * fc_loop thread, so a job's state needs no lock. A job is one delivery plus
 * its curl handle and response buffer; it moves pending -> active and is
 * freed when it completes. The curl handles of one sender share the multi
 * handle's connection cache, so repeated posts to one endpoint reuse
 * connections.
 */
#include "sender.h"
#include "fc/buf.h"
#include "fc/duration.h"
#include "fc/err.h"
#include "fc/log.h"
#include "fc/loop.h"
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef struct job {
    nc_sender *s;
    nc_delivery *d;
    CURL *h;
    fc_buf resp;
    char errbuf[CURL_ERROR_SIZE];
    long retry_after_s;
    struct job *prev, *next;
} job;

struct nc_sender {
    nc_sender_opts o;
    fc_loop *loop;
    pthread_mutex_t mu;
    pthread_cond_t idle, space;
    job *pending_head, *pending_tail; /* under mu */
    size_t npending, nactive;          /* under mu */
    job *active;                       /* loop thread */
    bool stopping;
    bool kick_queued;                  /* under mu: a kick call is pending */
    nc_sender_stats st;                /* under mu */
};

static void job_free(job *j)
{
    if (!j) return;
    if (j->h) curl_easy_cleanup(j->h);
    fc_buf_dispose(&j->resp);
    nc_delivery_free(j->d);
    free(j);
}

static void stat_add(nc_sender *s, uint64_t *field)
{
    pthread_mutex_lock(&s->mu);
    (*field)++;
    pthread_mutex_unlock(&s->mu);
}

static void perform(job *j);
static void kick(void *arg);

/* The job leaves the active set (loop thread). */
static void finish(job *j, int result)
{
    nc_sender *s = j->s;
    if (j->prev) j->prev->next = j->next;
    else s->active = j->next;
    if (j->next) j->next->prev = j->prev;
    if (s->o.done) s->o.done(j->d, result, s->o.arg);
    job_free(j);
    pthread_mutex_lock(&s->mu);
    if (result == 0) s->st.succeeded++;
    else s->st.failed++;
    s->nactive--;
    pthread_cond_signal(&s->space);
    bool more = s->npending > 0 && !s->kick_queued;
    if (more) s->kick_queued = true;
    if (!s->npending && !s->nactive) pthread_cond_broadcast(&s->idle);
    pthread_mutex_unlock(&s->mu);
    if (more) fc_loop_call(s->loop, kick, s);
}

static size_t on_body(char *p, size_t sz, size_t n, void *arg)
{
    job *j = arg;
    size_t len = sz * n;
    if (j->resp.len + len > j->s->o.max_response) { /* keep what fits, discard the rest */
        size_t room = j->s->o.max_response > j->resp.len ? j->s->o.max_response - j->resp.len : 0;
        if (room) fc_buf_put(&j->resp, p, room);
        return len;
    }
    fc_buf_put(&j->resp, p, len);
    return len;
}

static size_t on_header(char *p, size_t sz, size_t n, void *arg)
{
    job *j = arg;
    size_t len = sz * n;
    if (len > 12 && !strncasecmp(p, "Retry-After:", 12)) {
        char tmp[32];
        size_t vl = len - 12 < sizeof tmp - 1 ? len - 12 : sizeof tmp - 1;
        memcpy(tmp, p + 12, vl);
        tmp[vl] = 0;
        char *end = NULL;
        long v = strtol(tmp, &end, 10);
        if (end != tmp && v >= 0 && v < 3600) j->retry_after_s = v;
    }
    return len;
}

static void retry_timer(void *arg) { perform(arg); }

static bool transport_retryable(CURLcode rc)
{
    switch (rc) {
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_URL_MALFORMAT:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_TOO_MANY_REDIRECTS:
        return false; /* retryablehttp does not retry these either */
    default:
        return true;
    }
}

static void on_done(CURL *h, CURLcode rc, void *arg)
{
    job *j = arg;
    nc_sender *s = j->s;
    nc_delivery *d = j->d;
    long status = 0;
    if (rc == CURLE_OK) curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    d->last_status = status;
    curl_easy_cleanup(j->h);
    j->h = NULL;
    bool retry = rc != CURLE_OK ? transport_retryable(rc) : (status == 429 || status == 0 || (status >= 500 && status != 501));
    int64_t now = fc_now_mono_ns();
    if (retry) {
        if (d->attempt <= s->o.max_retries) {
            int64_t wait = s->o.retry_min_ns;
            for (int i = 1; i < d->attempt && wait < s->o.retry_max_ns; i++) wait *= 2;
            if (wait > s->o.retry_max_ns) wait = s->o.retry_max_ns;
            if ((status == 429 || status == 503) && j->retry_after_s > 0) wait = j->retry_after_s * FC_NS_PER_S;
            if (now + wait < d->deadline) {
                stat_add(s, &s->st.retries);
                fc_loop_timer(s->loop, wait, retry_timer, j);
                return;
            }
        }
        if (rc != CURLE_OK)
            nc_delivery_fail(d, "failed to execute request: %s request giving up after %d attempt(s): %s", d->req.method,
                             d->attempt, j->errbuf[0] ? j->errbuf : curl_easy_strerror(rc));
        else
            nc_delivery_fail(d, "request failed with status code %ld after %d attempt(s): %.*s", status, d->attempt,
                             (int)(j->resp.len > 512 ? 512 : j->resp.len), j->resp.ptr ? j->resp.ptr : "");
        finish(j, FC_EUNAVAIL);
        return;
    }
    if (rc != CURLE_OK) {
        nc_delivery_fail(d, "failed to execute request: %s", j->errbuf[0] ? j->errbuf : curl_easy_strerror(rc));
        finish(j, FC_EIO);
        return;
    }
    int r;
    if (d->on_response) {
        r = d->on_response(d, status, j->resp.ptr ? j->resp.ptr : "", j->resp.len);
    } else if (status >= 200 && status < 300) {
        r = 0;
    } else {
        nc_delivery_fail(d, "request failed with status code %ld: %.*s", status, (int)(j->resp.len > 512 ? 512 : j->resp.len),
                         j->resp.ptr ? j->resp.ptr : "");
        r = FC_ERR;
    }
    if (r == NC_NEXT) {
        d->attempt = 0;
        fc_buf_reset(&j->resp);
        perform(j);
        return;
    }
    if (r < 0 && !d->err) nc_delivery_fail(d, "request failed with status code %ld", status);
    finish(j, r < 0 ? r : 0);
}

static void perform(job *j)
{
    nc_delivery *d = j->d;
    const nc_provider_cfg *c = d->cfg;
    int64_t left = d->deadline - fc_now_mono_ns();
    if (left <= 0) {
        nc_delivery_fail(d, "context deadline exceeded after %d attempt(s)", d->attempt);
        finish(j, FC_ETIMEOUT);
        return;
    }
    d->attempt++;
    stat_add(j->s, &j->s->st.attempts);
    fc_buf_reset(&j->resp);
    j->errbuf[0] = 0;
    j->retry_after_s = 0;
    CURL *h = curl_easy_init();
    if (!h) {
        nc_delivery_fail(d, "cannot create HTTP client");
        finish(j, FC_ENOMEM);
        return;
    }
    j->h = h;
    curl_easy_setopt(h, CURLOPT_URL, d->req.url);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, (long)(left / FC_NS_PER_MS) + 1);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, (long)(left / FC_NS_PER_MS) + 1);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, j);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, j);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, j->errbuf);
    curl_easy_setopt(h, CURLOPT_USERAGENT, "notification-controller");
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, d->req.headers);
    if (!strcmp(d->req.method, "GET")) {
        curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
    } else {
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)d->req.body_len);
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, d->req.body ? d->req.body : "");
        if (strcmp(d->req.method, "POST")) curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, d->req.method);
    }
    if (c->proxy && *c->proxy) curl_easy_setopt(h, CURLOPT_PROXY, c->proxy);
    else curl_easy_setopt(h, CURLOPT_PROXY, ""); /* no proxy from the environment unless configured */
    if (c->ca_pem && *c->ca_pem) {
        struct curl_blob b = {c->ca_pem, strlen(c->ca_pem), CURL_BLOB_COPY};
        curl_easy_setopt(h, CURLOPT_CAINFO_BLOB, &b);
    }
    if (c->cert_pem && *c->cert_pem && c->key_pem && *c->key_pem) {
        struct curl_blob cb = {c->cert_pem, strlen(c->cert_pem), CURL_BLOB_COPY};
        struct curl_blob kb = {c->key_pem, strlen(c->key_pem), CURL_BLOB_COPY};
        curl_easy_setopt(h, CURLOPT_SSLCERT_BLOB, &cb);
        curl_easy_setopt(h, CURLOPT_SSLCERTTYPE, "PEM");
        curl_easy_setopt(h, CURLOPT_SSLKEY_BLOB, &kb);
        curl_easy_setopt(h, CURLOPT_SSLKEYTYPE, "PEM");
    }
    if (fc_loop_add_transfer(j->s->loop, h, on_done, j)) {
        nc_delivery_fail(d, "cannot start HTTP request: %s", fc_err_msg());
        finish(j, FC_ERR);
    }
}

/* Loop thread: start pending jobs while there is room. */
static void kick(void *arg)
{
    nc_sender *s = arg;
    for (;;) {
        pthread_mutex_lock(&s->mu);
        s->kick_queued = false;
        job *j = NULL;
        if (!s->stopping && s->pending_head && s->nactive < s->o.max_inflight) {
            j = s->pending_head;
            s->pending_head = j->next;
            if (!s->pending_head) s->pending_tail = NULL;
            s->npending--;
            s->nactive++;
        }
        pthread_mutex_unlock(&s->mu);
        if (!j) return;
        j->next = s->active;
        j->prev = NULL;
        if (s->active) s->active->prev = j;
        s->active = j;
        int64_t tmo = j->d->cfg && j->d->cfg->timeout_ns > 0 ? j->d->cfg->timeout_ns : NC_DEFAULT_TIMEOUT_NS;
        j->d->deadline = fc_now_mono_ns() + tmo;
        j->d->attempt = 0;
        perform(j);
    }
}

nc_sender *nc_sender_new(const nc_sender_opts *o)
{
    nc_sender *s = calloc(1, sizeof *s);
    if (!s) return NULL;
    if (o) s->o = *o;
    if (!s->o.max_inflight) s->o.max_inflight = 512;
    if (!s->o.max_queued) s->o.max_queued = 20000;
    if (s->o.max_retries <= 0 && !(o && o->max_retries < 0)) s->o.max_retries = 4;
    if (s->o.max_retries < 0) s->o.max_retries = 0;
    if (s->o.retry_min_ns <= 0) s->o.retry_min_ns = 2 * FC_NS_PER_S;
    if (s->o.retry_max_ns <= 0) s->o.retry_max_ns = 30 * FC_NS_PER_S;
    if (!s->o.max_response) s->o.max_response = 1u << 20;
    pthread_mutex_init(&s->mu, NULL);
    pthread_cond_init(&s->idle, NULL);
    pthread_cond_init(&s->space, NULL);
    s->loop = fc_loop_new();
    if (!s->loop || fc_loop_start(s->loop)) {
        fc_loop_free(s->loop);
        pthread_cond_destroy(&s->space);
        pthread_mutex_destroy(&s->mu);
        pthread_cond_destroy(&s->idle);
        free(s);
        return NULL;
    }
    return s;
}

int nc_sender_submit(nc_sender *s, nc_delivery *d) { return nc_sender_submit_wait(s, d, 0); }

int nc_sender_submit_wait(nc_sender *s, nc_delivery *d, int64_t timeout_ns)
{
    pthread_mutex_lock(&s->mu);
    if (timeout_ns > 0 && !s->stopping && s->npending + s->nactive >= s->o.max_queued) {
        int64_t end = fc_now_wall_ns() + timeout_ns;
        struct timespec ts = {end / FC_NS_PER_S, end % FC_NS_PER_S};
        while (!s->stopping && s->npending + s->nactive >= s->o.max_queued)
            if (pthread_cond_timedwait(&s->space, &s->mu, &ts)) break;
    }
    if (s->stopping || s->npending + s->nactive >= s->o.max_queued) {
        s->st.dropped++;
        pthread_mutex_unlock(&s->mu);
        return fc_err_set(FC_ETOOBIG, "notification queue full (%zu deliveries)", s->o.max_queued);
    }
    job *j = calloc(1, sizeof *j);
    if (!j) {
        pthread_mutex_unlock(&s->mu);
        return fc_err_set(FC_ENOMEM, "out of memory");
    }
    j->s = s;
    j->d = d;
    fc_buf_init(&j->resp, 0);
    if (s->pending_tail) s->pending_tail->next = j;
    else s->pending_head = j;
    s->pending_tail = j;
    s->npending++;
    s->st.submitted++;
    bool need_kick = !s->kick_queued;
    s->kick_queued = true;
    pthread_mutex_unlock(&s->mu);
    if (need_kick) fc_loop_call(s->loop, kick, s);
    return 0;
}

int nc_sender_wait_idle(nc_sender *s, int64_t timeout_ns)
{
    int64_t end = fc_now_wall_ns() + timeout_ns;
    struct timespec ts = {end / FC_NS_PER_S, end % FC_NS_PER_S};
    int rc = 0;
    pthread_mutex_lock(&s->mu);
    while ((s->npending || s->nactive) && rc == 0) rc = pthread_cond_timedwait(&s->idle, &s->mu, &ts);
    bool idle = !s->npending && !s->nactive;
    pthread_mutex_unlock(&s->mu);
    return idle ? 0 : FC_ETIMEOUT;
}

void nc_sender_get_stats(nc_sender *s, nc_sender_stats *out)
{
    pthread_mutex_lock(&s->mu);
    *out = s->st;
    out->queued = s->npending;
    out->inflight = s->nactive;
    pthread_mutex_unlock(&s->mu);
}

void nc_sender_free(nc_sender *s)
{
    if (!s) return;
    pthread_mutex_lock(&s->mu);
    s->stopping = true;
    pthread_cond_broadcast(&s->space);
    pthread_mutex_unlock(&s->mu);
    fc_loop_stop(s->loop); /* transfers detached and timers dropped; the thread is gone */
    for (job *j = s->active; j;) {
        job *n = j->next;
        job_free(j);
        j = n;
    }
    for (job *j = s->pending_head; j;) {
        job *n = j->next;
        job_free(j);
        j = n;
    }
    fc_loop_free(s->loop);
    pthread_mutex_destroy(&s->mu);
    pthread_cond_destroy(&s->idle);
    pthread_cond_destroy(&s->space);
    free(s);
}
