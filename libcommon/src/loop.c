/*
 * loop.c: libuv + curl multi integration (fc/loop.h), after curl's
 * multi-uv example: curl tells us which sockets to poll (socket_cb) and when
 * to wake up (timer_cb); libuv tells curl when sockets are ready. Finished
 * transfers are reported from check_done(). Cross-thread calls go through a
 * mutex-protected queue drained by a uv_async handle.
 */
#include "fc/loop.h"
#include "fc/err.h"
#include "fc/log.h"
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

typedef struct call {
    fc_loop_fn fn;
    void *arg;
    struct call *next;
} call;

typedef struct sockctx {
    uv_poll_t poll;
    curl_socket_t fd;
    fc_loop *l;
} sockctx;

typedef struct transfer {
    CURL *h;
    fc_transfer_done_fn done;
    void *arg;
    struct transfer *next;
} transfer;

typedef struct timer {
    uv_timer_t t;
    uint64_t id;
    fc_loop_fn fn;
    void *arg;
    fc_loop *l;
    struct timer *next;
} timer;

struct fc_loop {
    uv_loop_t uv;
    uv_async_t async;
    uv_timer_t curl_timer;
    CURLM *multi;
    pthread_t thread;
    bool running, stopping;
    pthread_mutex_t mu;
    call *calls, *calls_tail;
    transfer *transfers;
    timer *timers;
    uint64_t next_timer_id;
};

static void check_done(fc_loop *l)
{
    CURLMsg *msg;
    int pending;
    while ((msg = curl_multi_info_read(l->multi, &pending))) {
        if (msg->msg != CURLMSG_DONE) continue;
        CURL *h = msg->easy_handle;
        CURLcode rc = msg->data.result;
        curl_multi_remove_handle(l->multi, h);
        transfer **p = &l->transfers;
        while (*p && (*p)->h != h) p = &(*p)->next;
        if (!*p) continue;
        transfer *t = *p;
        *p = t->next;
        t->done(h, rc, t->arg);
        free(t);
    }
}

static void on_poll(uv_poll_t *req, int status, int events)
{
    sockctx *c = req->data;
    int flags = 0;
    if (status < 0) flags = CURL_CSELECT_ERR;
    if (events & UV_READABLE) flags |= CURL_CSELECT_IN;
    if (events & UV_WRITABLE) flags |= CURL_CSELECT_OUT;
    int running;
    curl_multi_socket_action(c->l->multi, c->fd, flags, &running);
    check_done(c->l);
}

static void on_curl_timeout(uv_timer_t *t)
{
    fc_loop *l = t->data;
    int running;
    curl_multi_socket_action(l->multi, CURL_SOCKET_TIMEOUT, 0, &running);
    check_done(l);
}

static void free_sockctx(uv_handle_t *h) { free(h->data); }

static int socket_cb(CURL *easy, curl_socket_t s, int action, void *userp, void *socketp)
{
    (void)easy;
    fc_loop *l = userp;
    sockctx *c = socketp;
    if (action == CURL_POLL_REMOVE) {
        if (c) {
            uv_poll_stop(&c->poll);
            uv_close((uv_handle_t *)&c->poll, free_sockctx);
            curl_multi_assign(l->multi, s, NULL);
        }
        return 0;
    }
    if (!c) {
        c = calloc(1, sizeof *c);
        if (!c) return -1;
        c->fd = s;
        c->l = l;
        uv_poll_init_socket(&l->uv, &c->poll, s);
        c->poll.data = c;
        curl_multi_assign(l->multi, s, c);
    }
    int ev = 0;
    if (action & CURL_POLL_IN) ev |= UV_READABLE;
    if (action & CURL_POLL_OUT) ev |= UV_WRITABLE;
    uv_poll_start(&c->poll, ev, on_poll);
    return 0;
}

static int timer_cb(CURLM *multi, long timeout_ms, void *userp)
{
    (void)multi;
    fc_loop *l = userp;
    if (timeout_ms < 0) uv_timer_stop(&l->curl_timer);
    else uv_timer_start(&l->curl_timer, on_curl_timeout, timeout_ms ? (uint64_t)timeout_ms : 1, 0);
    return 0;
}

static void on_async(uv_async_t *a)
{
    fc_loop *l = a->data;
    for (;;) {
        pthread_mutex_lock(&l->mu);
        call *c = l->calls;
        if (c) {
            l->calls = c->next;
            if (!l->calls) l->calls_tail = NULL;
        }
        pthread_mutex_unlock(&l->mu);
        if (!c) break;
        c->fn(c->arg);
        free(c);
    }
    if (l->stopping) uv_stop(&l->uv);
}

fc_loop *fc_loop_new(void)
{
    fc_loop *l = calloc(1, sizeof *l);
    if (!l) return NULL;
    uv_loop_init(&l->uv);
    pthread_mutex_init(&l->mu, NULL);
    uv_async_init(&l->uv, &l->async, on_async);
    l->async.data = l;
    uv_timer_init(&l->uv, &l->curl_timer);
    l->curl_timer.data = l;
    l->multi = curl_multi_init();
    curl_multi_setopt(l->multi, CURLMOPT_SOCKETFUNCTION, socket_cb);
    curl_multi_setopt(l->multi, CURLMOPT_SOCKETDATA, l);
    curl_multi_setopt(l->multi, CURLMOPT_TIMERFUNCTION, timer_cb);
    curl_multi_setopt(l->multi, CURLMOPT_TIMERDATA, l);
    curl_multi_setopt(l->multi, CURLMOPT_PIPELINING, (long)CURLPIPE_MULTIPLEX);
    return l;
}

static void *loop_main(void *arg)
{
    fc_loop *l = arg;
    uv_run(&l->uv, UV_RUN_DEFAULT);
    return NULL;
}

int fc_loop_start(fc_loop *l)
{
    if (pthread_create(&l->thread, NULL, loop_main, l)) return fc_err_set(FC_ERR, "cannot start loop thread");
    l->running = true;
    return 0;
}

bool fc_loop_on_thread(fc_loop *l) { return l->running && pthread_equal(pthread_self(), l->thread); }

int fc_loop_call(fc_loop *l, fc_loop_fn fn, void *arg)
{
    call *c = calloc(1, sizeof *c);
    if (!c) return fc_err_set(FC_ENOMEM, "out of memory");
    c->fn = fn;
    c->arg = arg;
    pthread_mutex_lock(&l->mu);
    if (l->calls_tail) l->calls_tail->next = c;
    else l->calls = c;
    l->calls_tail = c;
    pthread_mutex_unlock(&l->mu);
    uv_async_send(&l->async);
    return 0;
}

int fc_loop_add_transfer(fc_loop *l, CURL *h, fc_transfer_done_fn done, void *arg)
{
    transfer *t = calloc(1, sizeof *t);
    if (!t) return fc_err_set(FC_ENOMEM, "out of memory");
    t->h = h;
    t->done = done;
    t->arg = arg;
    t->next = l->transfers;
    l->transfers = t;
    CURLMcode mc = curl_multi_add_handle(l->multi, h);
    if (mc != CURLM_OK) {
        l->transfers = t->next;
        free(t);
        return fc_err_set(FC_ERR, "curl_multi_add_handle: %s", curl_multi_strerror(mc));
    }
    return 0;
}

void fc_loop_cancel_transfer(fc_loop *l, CURL *h)
{
    transfer **p = &l->transfers;
    while (*p && (*p)->h != h) p = &(*p)->next;
    if (!*p) return;
    transfer *t = *p;
    *p = t->next;
    free(t);
    curl_multi_remove_handle(l->multi, h);
}

static void timer_closed(uv_handle_t *h) { free(h->data); }

static void on_timer(uv_timer_t *t)
{
    timer *tm = t->data;
    fc_loop *l = tm->l;
    timer **p = &l->timers;
    while (*p && *p != tm) p = &(*p)->next;
    if (*p) *p = tm->next;
    fc_loop_fn fn = tm->fn;
    void *arg = tm->arg;
    uv_close((uv_handle_t *)&tm->t, timer_closed);
    fn(arg);
}

uint64_t fc_loop_timer(fc_loop *l, int64_t delay_ns, fc_loop_fn fn, void *arg)
{
    timer *tm = calloc(1, sizeof *tm);
    if (!tm) return 0;
    tm->id = ++l->next_timer_id;
    tm->fn = fn;
    tm->arg = arg;
    tm->l = l;
    uv_timer_init(&l->uv, &tm->t);
    tm->t.data = tm;
    tm->next = l->timers;
    l->timers = tm;
    uv_timer_start(&tm->t, on_timer, delay_ns > 0 ? (uint64_t)(delay_ns / 1000000) : 0, 0);
    return tm->id;
}

void fc_loop_timer_cancel(fc_loop *l, uint64_t id)
{
    timer **p = &l->timers;
    while (*p && (*p)->id != id) p = &(*p)->next;
    if (!*p) return;
    timer *tm = *p;
    *p = tm->next;
    uv_timer_stop(&tm->t);
    uv_close((uv_handle_t *)&tm->t, timer_closed);
}

static void request_stop(void *arg)
{
    fc_loop *l = arg;
    while (l->transfers) {
        transfer *t = l->transfers;
        l->transfers = t->next;
        curl_multi_remove_handle(l->multi, t->h);
        free(t);
    }
    while (l->timers) {
        timer *tm = l->timers;
        l->timers = tm->next;
        uv_timer_stop(&tm->t);
        uv_close((uv_handle_t *)&tm->t, timer_closed);
    }
    l->stopping = true;
}

void fc_loop_stop(fc_loop *l)
{
    if (!l->running) return;
    fc_loop_call(l, request_stop, l);
    pthread_join(l->thread, NULL);
    l->running = false;
}

static void close_walk(uv_handle_t *h, void *arg)
{
    (void)arg;
    if (uv_is_closing(h)) return;
    uv_close(h, h->type == UV_POLL ? free_sockctx : NULL);
}

void fc_loop_free(fc_loop *l)
{
    if (!l) return;
    fc_loop_stop(l);
    curl_multi_cleanup(l->multi);
    uv_timer_stop(&l->curl_timer);
    /* sockets closed by curl during cleanup were handed to uv_close; run the
     * loop once more to finish closes, then close what is left */
    uv_walk(&l->uv, close_walk, NULL);
    uv_run(&l->uv, UV_RUN_DEFAULT);
    uv_loop_close(&l->uv);
    while (l->calls) {
        call *c = l->calls;
        l->calls = c->next;
        free(c);
    }
    pthread_mutex_destroy(&l->mu);
    free(l);
}
