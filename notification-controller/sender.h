/*
 * sender.h: asynchronous delivery of notifications.
 *
 * One sender owns its own event loop thread (libcommon's fc_loop: libuv +
 * curl multi), so every delivery in flight is a non-blocking transfer: a dead
 * or slow endpoint holds one pending transfer and its retry timer, never a
 * thread, and cannot delay any other Provider. Retries follow Flux's
 * retryablehttp settings: connection errors, 429 and 5xx (not 501) are
 * retried up to max_retries times with exponential backoff between
 * retry_min and retry_max (Retry-After honoured on 429/503), all within the
 * Provider's timeout, which starts when the delivery starts. Submission never
 * blocks: beyond max_queued deliveries waiting or in flight, submit refuses
 * (the caller counts and logs the drop).
 */
#ifndef NC_SENDER_H
#define NC_SENDER_H
#include <stddef.h>
#include <stdint.h>
#include "notifier.h"

typedef struct nc_sender nc_sender;

/* Called on the sender's thread when a delivery ends: result 0 on success,
 * a negative code on failure with d->err set (unmasked: mask it before it
 * goes anywhere). The sender frees d after the call. Must not block. */
typedef void (*nc_sent_fn)(nc_delivery *d, int result, void *arg);

typedef struct nc_sender_opts {
    size_t max_inflight;  /* concurrent transfers, default 512 */
    size_t max_queued;    /* waiting + in flight, default 20000 */
    int max_retries;      /* default 4 (5 attempts) */
    int64_t retry_min_ns; /* default 2 s */
    int64_t retry_max_ns; /* default 30 s */
    size_t max_response;  /* response bytes kept, default 1 MiB */
    nc_sent_fn done;
    void *arg;
} nc_sender_opts;

typedef struct nc_sender_stats {
    uint64_t submitted, succeeded, failed, dropped, attempts, retries;
    size_t queued, inflight;
} nc_sender_stats;

nc_sender *nc_sender_new(const nc_sender_opts *o);
/* Takes ownership of d on success (0). FC_ETOOBIG when the queue is full or
 * the sender is stopping: d stays the caller's. d->req must be set. */
int nc_sender_submit(nc_sender *s, nc_delivery *d);
/* The same, but when the queue is full wait up to timeout_ns for room
 * (back-pressure for the dispatch workers, never used by the servers). */
int nc_sender_submit_wait(nc_sender *s, nc_delivery *d, int64_t timeout_ns);
/* Wait until nothing is queued or in flight (tests, shutdown); 0 or
 * FC_ETIMEOUT. */
int nc_sender_wait_idle(nc_sender *s, int64_t timeout_ns);
void nc_sender_get_stats(nc_sender *s, nc_sender_stats *out);
/* Stop: deliveries still queued or in flight are dropped (done is not
 * called for them) and freed. NULL-safe. */
void nc_sender_free(nc_sender *s);

#endif
