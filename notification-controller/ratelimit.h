/*
 * ratelimit.h: the event server's duplicate filter. One token per key per
 * interval (Flux: go-limiter memorystore with Tokens=1 and Interval =
 * --rate-limit-interval): the first event with a key passes, repeats within
 * the interval that started then are refused (HTTP 429), the first one after
 * it passes and starts a new interval. Memory is bounded: expired keys are
 * swept, and beyond max_keys the oldest are dropped (which can only let a
 * duplicate through, never block a new event).
 */
#ifndef NC_RATELIMIT_H
#define NC_RATELIMIT_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct nc_ratelimit nc_ratelimit;

/* interval_ns <= 0 disables limiting. max_keys 0 = 100000. */
nc_ratelimit *nc_ratelimit_new(int64_t interval_ns, size_t max_keys);
void nc_ratelimit_free(nc_ratelimit *rl);
/* true: allowed (and the key's interval starts now if it had none). Thread-safe. */
bool nc_ratelimit_allow(nc_ratelimit *rl, const char *key, int64_t now_ns);
size_t nc_ratelimit_len(nc_ratelimit *rl);

#endif
