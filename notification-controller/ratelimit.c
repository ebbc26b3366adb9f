/*
 * ratelimit.c: per-key single-token rate limiter (ratelimit.h).
 *
 * A string map from key to the start of its interval, under one mutex: the
 * critical section is a hash lookup, far cheaper than the JSON parsing that
 * precedes it, so finer locking would not pay. Sweeping is amortised: at most
 * once per interval/4 (and whenever the map is full) every expired key is
 * dropped; when the map is still full the oldest keys go first.
 */
#include "ratelimit.h"
#include "fc/strmap.h"
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

struct nc_ratelimit {
    pthread_mutex_t mu;
    fc_strmap *keys; /* key -> int64_t* interval start (mono ns) */
    int64_t interval;
    size_t max_keys;
    int64_t last_sweep;
};

nc_ratelimit *nc_ratelimit_new(int64_t interval_ns, size_t max_keys)
{
    nc_ratelimit *rl = calloc(1, sizeof *rl);
    if (!rl) return NULL;
    pthread_mutex_init(&rl->mu, NULL);
    rl->keys = fc_strmap_new(free);
    rl->interval = interval_ns;
    rl->max_keys = max_keys ? max_keys : 100000;
    return rl;
}

void nc_ratelimit_free(nc_ratelimit *rl)
{
    if (!rl) return;
    fc_strmap_free(rl->keys);
    pthread_mutex_destroy(&rl->mu);
    free(rl);
}

typedef struct sweep_arg {
    int64_t cutoff;
    const char **victims;
    size_t n, cap;
    int64_t oldest;
} sweep_arg;

static int collect_expired(const char *key, void *value, void *arg)
{
    sweep_arg *a = arg;
    int64_t start = *(int64_t *)value;
    if (start <= a->cutoff && a->n < a->cap) a->victims[a->n++] = key;
    return 0;
}

static int find_oldest(const char *key, void *value, void *arg)
{
    (void)key;
    sweep_arg *a = arg;
    int64_t start = *(int64_t *)value;
    if (start < a->oldest) a->oldest = start;
    return 0;
}

/* Drop keys whose interval started at or before cutoff. */
static void drop_before(nc_ratelimit *rl, int64_t cutoff)
{
    size_t n = fc_strmap_len(rl->keys);
    if (!n) return;
    sweep_arg a = {cutoff, calloc(n, sizeof(char *)), 0, n, INT64_MAX};
    if (!a.victims) return;
    fc_strmap_each(rl->keys, collect_expired, &a);
    /* keys are borrowed from the map: copy before deleting */
    for (size_t i = 0; i < a.n; i++) a.victims[i] = strdup(a.victims[i]);
    for (size_t i = 0; i < a.n; i++) {
        fc_strmap_del(rl->keys, a.victims[i]);
        free((char *)a.victims[i]);
    }
    free(a.victims);
}

static void sweep(nc_ratelimit *rl, int64_t now)
{
    rl->last_sweep = now;
    drop_before(rl, now - rl->interval);
    while (fc_strmap_len(rl->keys) >= rl->max_keys) {
        sweep_arg a = {0, NULL, 0, 0, INT64_MAX};
        fc_strmap_each(rl->keys, find_oldest, &a);
        /* drop the oldest eighth of the time range at once to amortise */
        int64_t span = now - a.oldest;
        drop_before(rl, a.oldest + span / 8);
    }
}

bool nc_ratelimit_allow(nc_ratelimit *rl, const char *key, int64_t now)
{
    if (rl->interval <= 0) return true;
    pthread_mutex_lock(&rl->mu);
    if (now - rl->last_sweep > rl->interval / 4 || fc_strmap_len(rl->keys) >= rl->max_keys) sweep(rl, now);
    int64_t *start = fc_strmap_get(rl->keys, key);
    bool ok;
    if (start && now - *start < rl->interval) {
        ok = false;
    } else {
        if (!start) {
            start = malloc(sizeof *start);
            if (start) fc_strmap_put(rl->keys, key, start);
        }
        if (start) *start = now;
        ok = true;
    }
    pthread_mutex_unlock(&rl->mu);
    return ok;
}

size_t nc_ratelimit_len(nc_ratelimit *rl)
{
    pthread_mutex_lock(&rl->mu);
    size_t n = fc_strmap_len(rl->keys);
    pthread_mutex_unlock(&rl->mu);
    return n;
}
