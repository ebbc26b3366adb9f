/*
 * workqueue.c: client-go style work queue (fc/workqueue.h).
 *
 * State, all under one mutex: a FIFO of ready keys, the `dirty` set (keys
 * waiting to be processed), the `processing` set, a min-heap of delayed keys
 * with a map of each key's earliest due time (stale heap entries are skipped
 * when popped), and per-key failure counts for backoff. fc_wq_get waits on a
 * condition variable with a timeout equal to the next delayed key's due time,
 * so delayed adds need no timer thread.
 */
#include "fc/workqueue.h"
#include "fc/duration.h"
#include "fc/strmap.h"
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct { int64_t due; char *key; } delayed;

struct fc_workqueue {
    char *name;
    pthread_mutex_t mu;
    pthread_cond_t cond, idle;
    char **fifo;
    size_t head, tail, cap;
    fc_strmap *dirty;      /* key -> (void*)(intptr) add time mono ns */
    fc_strmap *processing; /* key -> start time */
    fc_strmap *waiting;    /* key -> due time (int64 in pointer) */
    delayed *heap;
    size_t nheap, capheap;
    fc_strmap *failures;   /* key -> count */
    int64_t min_backoff, max_backoff;
    bool shutting_down;
    fc_wq_stats st;
};

fc_workqueue *fc_wq_new(const char *name, int64_t min_ns, int64_t max_ns)
{
    fc_workqueue *q = calloc(1, sizeof *q);
    if (!q) return NULL;
    q->name = strdup(name ? name : "");
    pthread_mutex_init(&q->mu, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&q->cond, &ca);
    pthread_cond_init(&q->idle, &ca);
    pthread_condattr_destroy(&ca);
    q->dirty = fc_strmap_new(NULL);
    q->processing = fc_strmap_new(NULL);
    q->waiting = fc_strmap_new(NULL);
    q->failures = fc_strmap_new(NULL);
    q->min_backoff = min_ns > 0 ? min_ns : 750 * FC_NS_PER_MS;
    q->max_backoff = max_ns > 0 ? max_ns : 15 * 60 * FC_NS_PER_S;
    return q;
}

void fc_wq_free(fc_workqueue *q)
{
    if (!q) return;
    for (size_t i = q->head; i < q->tail; i++) free(q->fifo[i]);
    free(q->fifo);
    for (size_t i = 0; i < q->nheap; i++) free(q->heap[i].key);
    free(q->heap);
    fc_strmap_free(q->dirty);
    fc_strmap_free(q->processing);
    fc_strmap_free(q->waiting);
    fc_strmap_free(q->failures);
    pthread_mutex_destroy(&q->mu);
    pthread_cond_destroy(&q->cond);
    pthread_cond_destroy(&q->idle);
    free(q->name);
    free(q);
}

const char *fc_wq_name(fc_workqueue *q) { return q->name; }

static void fifo_push(fc_workqueue *q, const char *key)
{
    if (q->tail == q->cap) {
        if (q->head > 0) {
            memmove(q->fifo, q->fifo + q->head, (q->tail - q->head) * sizeof *q->fifo);
            q->tail -= q->head;
            q->head = 0;
        }
        if (q->tail == q->cap) {
            size_t nc = q->cap ? q->cap * 2 : 64;
            char **n = realloc(q->fifo, nc * sizeof *n);
            if (!n) return;
            q->fifo = n;
            q->cap = nc;
        }
    }
    q->fifo[q->tail++] = strdup(key);
}

/* add with the lock held */
static void add_locked(fc_workqueue *q, const char *key)
{
    if (q->shutting_down) return;
    if (fc_strmap_has(q->dirty, key)) return;
    q->st.adds++;
    fc_strmap_put(q->dirty, key, (void *)(intptr_t)fc_now_mono_ns());
    if (fc_strmap_has(q->processing, key)) return; /* re-queued by done() */
    fifo_push(q, key);
    pthread_cond_signal(&q->cond);
}

void fc_wq_add(fc_workqueue *q, const char *key)
{
    pthread_mutex_lock(&q->mu);
    add_locked(q, key);
    pthread_mutex_unlock(&q->mu);
}

static void heap_push(fc_workqueue *q, int64_t due, const char *key)
{
    if (q->nheap == q->capheap) {
        size_t nc = q->capheap ? q->capheap * 2 : 64;
        delayed *n = realloc(q->heap, nc * sizeof *n);
        if (!n) return;
        q->heap = n;
        q->capheap = nc;
    }
    size_t i = q->nheap++;
    q->heap[i].due = due;
    q->heap[i].key = strdup(key);
    while (i > 0) {
        size_t p = (i - 1) / 2;
        if (q->heap[p].due <= q->heap[i].due) break;
        delayed t = q->heap[p];
        q->heap[p] = q->heap[i];
        q->heap[i] = t;
        i = p;
    }
}

static delayed heap_pop(fc_workqueue *q)
{
    delayed top = q->heap[0];
    q->heap[0] = q->heap[--q->nheap];
    size_t i = 0;
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < q->nheap && q->heap[l].due < q->heap[m].due) m = l;
        if (r < q->nheap && q->heap[r].due < q->heap[m].due) m = r;
        if (m == i) break;
        delayed t = q->heap[m];
        q->heap[m] = q->heap[i];
        q->heap[i] = t;
        i = m;
    }
    return top;
}

void fc_wq_add_after(fc_workqueue *q, const char *key, int64_t delay_ns)
{
    if (delay_ns <= 0) {
        fc_wq_add(q, key);
        return;
    }
    pthread_mutex_lock(&q->mu);
    if (!q->shutting_down) {
        int64_t due = fc_now_mono_ns() + delay_ns;
        void *cur = fc_strmap_get(q->waiting, key);
        if (!fc_strmap_has(q->waiting, key) || due < (int64_t)(intptr_t)cur) {
            fc_strmap_put(q->waiting, key, (void *)(intptr_t)due);
            heap_push(q, due, key);
            pthread_cond_broadcast(&q->cond);
        }
    }
    pthread_mutex_unlock(&q->mu);
}

void fc_wq_add_rate_limited(fc_workqueue *q, const char *key)
{
    pthread_mutex_lock(&q->mu);
    intptr_t n = (intptr_t)fc_strmap_get(q->failures, key);
    fc_strmap_put(q->failures, key, (void *)(n + 1));
    q->st.retries++;
    pthread_mutex_unlock(&q->mu);
    int64_t d = q->min_backoff;
    for (intptr_t i = 0; i < n && d < q->max_backoff; i++) d *= 2;
    if (d > q->max_backoff) d = q->max_backoff;
    fc_wq_add_after(q, key, d);
}

void fc_wq_forget(fc_workqueue *q, const char *key)
{
    pthread_mutex_lock(&q->mu);
    fc_strmap_del(q->failures, key);
    pthread_mutex_unlock(&q->mu);
}

int fc_wq_num_requeues(fc_workqueue *q, const char *key)
{
    pthread_mutex_lock(&q->mu);
    int n = (int)(intptr_t)fc_strmap_get(q->failures, key);
    pthread_mutex_unlock(&q->mu);
    return n;
}

/* Move due delayed keys into the queue; returns ns until the next due one
 * (or -1 when none). */
static int64_t promote_due(fc_workqueue *q)
{
    int64_t now = fc_now_mono_ns();
    while (q->nheap) {
        if (q->heap[0].due > now) return q->heap[0].due - now;
        delayed d = heap_pop(q);
        if (fc_strmap_has(q->waiting, d.key) && (int64_t)(intptr_t)fc_strmap_get(q->waiting, d.key) == d.due) {
            fc_strmap_del(q->waiting, d.key);
            add_locked(q, d.key);
        }
        free(d.key);
    }
    return -1;
}

char *fc_wq_get(fc_workqueue *q)
{
    pthread_mutex_lock(&q->mu);
    for (;;) {
        int64_t next = promote_due(q);
        if (q->head < q->tail) break;
        if (q->shutting_down) {
            pthread_mutex_unlock(&q->mu);
            return NULL;
        }
        if (next < 0) {
            pthread_cond_wait(&q->cond, &q->mu);
        } else {
            struct timespec ts;
            clock_gettime(CLOCK_MONOTONIC, &ts);
            int64_t t = (int64_t)ts.tv_sec * FC_NS_PER_S + ts.tv_nsec + next;
            ts.tv_sec = t / FC_NS_PER_S;
            ts.tv_nsec = t % FC_NS_PER_S;
            pthread_cond_timedwait(&q->cond, &q->mu, &ts);
        }
    }
    char *key = q->fifo[q->head++];
    int64_t now = fc_now_mono_ns();
    int64_t added = (int64_t)(intptr_t)fc_strmap_take(q->dirty, key);
    q->st.queue_seconds_sum += (double)(now - added) / 1e9;
    q->st.queue_count++;
    fc_strmap_put(q->processing, key, (void *)(intptr_t)now);
    pthread_mutex_unlock(&q->mu);
    return key;
}

void fc_wq_done(fc_workqueue *q, const char *key)
{
    pthread_mutex_lock(&q->mu);
    int64_t started = (int64_t)(intptr_t)fc_strmap_take(q->processing, key);
    q->st.work_seconds_sum += (double)(fc_now_mono_ns() - started) / 1e9;
    q->st.work_count++;
    if (fc_strmap_has(q->dirty, key)) {
        fifo_push(q, key);
        pthread_cond_signal(&q->cond);
    }
    if (fc_strmap_len(q->processing) == 0) pthread_cond_broadcast(&q->idle);
    pthread_mutex_unlock(&q->mu);
}

void fc_wq_shutdown(fc_workqueue *q, bool drain)
{
    pthread_mutex_lock(&q->mu);
    q->shutting_down = true;
    pthread_cond_broadcast(&q->cond);
    if (drain)
        while (fc_strmap_len(q->processing) > 0) pthread_cond_wait(&q->idle, &q->mu);
    pthread_mutex_unlock(&q->mu);
}

bool fc_wq_shutting_down(fc_workqueue *q)
{
    pthread_mutex_lock(&q->mu);
    bool s = q->shutting_down;
    pthread_mutex_unlock(&q->mu);
    return s;
}

size_t fc_wq_len(fc_workqueue *q)
{
    pthread_mutex_lock(&q->mu);
    size_t n = q->tail - q->head;
    pthread_mutex_unlock(&q->mu);
    return n;
}

static int longest(const char *k, void *v, void *arg)
{
    (void)k;
    int64_t *min = arg;
    if ((int64_t)(intptr_t)v < *min) *min = (int64_t)(intptr_t)v;
    return 0;
}

void fc_wq_get_stats(fc_workqueue *q, fc_wq_stats *out)
{
    pthread_mutex_lock(&q->mu);
    *out = q->st;
    out->depth = q->tail - q->head;
    out->in_flight = fc_strmap_len(q->processing);
    int64_t now = fc_now_mono_ns(), oldest = now;
    fc_strmap_each(q->processing, longest, &oldest);
    out->longest_running_seconds = (double)(now - oldest) / 1e9;
    pthread_mutex_unlock(&q->mu);
}
