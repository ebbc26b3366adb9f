/*
 * fc/workqueue.h: a work queue with client-go's semantics. A key is never
 * handed to two workers at once; a key added while it is being processed is
 * queued again once (when the worker calls done); duplicate adds collapse.
 * Delayed adds keep the earliest time. Per-key failures back off
 * exponentially (min..max, doubling) until forgotten. Shutdown wakes every
 * worker; drain waits for in-flight keys to finish.
 */
#ifndef FC_WORKQUEUE_H
#define FC_WORKQUEUE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct fc_workqueue fc_workqueue;

typedef struct fc_wq_stats {
    uint64_t adds, retries;
    size_t depth, in_flight;
    double queue_seconds_sum, work_seconds_sum; /* totals, for metrics */
    uint64_t queue_count, work_count;
    double longest_running_seconds;
} fc_wq_stats;

fc_workqueue *fc_wq_new(const char *name, int64_t min_backoff_ns, int64_t max_backoff_ns);
void fc_wq_free(fc_workqueue *q);
const char *fc_wq_name(fc_workqueue *q);
void fc_wq_add(fc_workqueue *q, const char *key);
void fc_wq_add_after(fc_workqueue *q, const char *key, int64_t delay_ns);
/* Re-add after the key's next exponential backoff delay. */
void fc_wq_add_rate_limited(fc_workqueue *q, const char *key);
/* Reset the key's failure count. */
void fc_wq_forget(fc_workqueue *q, const char *key);
int fc_wq_num_requeues(fc_workqueue *q, const char *key);
/* Block until a key is ready; NULL after shutdown. The caller owns the
 * string and must call fc_wq_done(q, key) when finished with it. */
char *fc_wq_get(fc_workqueue *q);
void fc_wq_done(fc_workqueue *q, const char *key);
/* Stop handing out keys; with drain, wait until in-flight keys are done. */
void fc_wq_shutdown(fc_workqueue *q, bool drain);
bool fc_wq_shutting_down(fc_workqueue *q);
size_t fc_wq_len(fc_workqueue *q);
void fc_wq_get_stats(fc_workqueue *q, fc_wq_stats *out);

#endif
