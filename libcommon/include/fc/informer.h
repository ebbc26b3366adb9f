/*
 * fc/informer.h: list + watch of one resource kind into a thread-safe cache.
 *
 * The informer runs on the loop thread: it lists (paginated), then watches
 * from the list's resourceVersion with bookmarks; a 410 Gone (the
 * resourceVersion was compacted away) triggers a relist whose differences
 * against the cache are delivered as add/update/delete events, so no change is
 * missed; dropped connections reconnect from the last seen resourceVersion
 * with exponential backoff. Handlers run on the loop thread with borrowed
 * objects and must be quick (typically: enqueue a key). Workers read the
 * cache from any thread and get deep copies.
 */
#ifndef FC_INFORMER_H
#define FC_INFORMER_H
#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>
#include "fc/kube.h"
#include "fc/loop.h"

typedef struct fc_informer fc_informer;

typedef struct fc_informer_handler {
    void (*on_add)(json_object *obj, void *arg);
    void (*on_update)(json_object *old_obj, json_object *new_obj, void *arg);
    void (*on_delete)(json_object *obj, void *arg);
    void *arg;
} fc_informer_handler;

typedef struct fc_informer_opts {
    const char *ns;             /* NULL/"" = all namespaces */
    const char *label_selector; /* optional */
    int64_t min_backoff_ns;     /* reconnect backoff, default 1 s */
    int64_t max_backoff_ns;     /* default 30 s */
    int watch_timeout_s;        /* server-side watch timeout base, default 300 */
} fc_informer_opts;

fc_informer *fc_informer_new(fc_loop *loop, fc_kube *k, const fc_resource *r, const fc_informer_opts *o);
/* Add a handler before start (up to 8). */
int fc_informer_add_handler(fc_informer *inf, const fc_informer_handler *h);
/* Begin list+watch (safe from any thread). */
int fc_informer_start(fc_informer *inf);
/* Stop watching (safe from any thread; returns once stopped). */
void fc_informer_stop(fc_informer *inf);
void fc_informer_free(fc_informer *inf);
bool fc_informer_synced(fc_informer *inf);
/* Wait until the first list is in the cache; 0 or FC_ETIMEOUT. */
int fc_informer_wait_synced(fc_informer *inf, int64_t timeout_ns);
/* Deep copy of the cached object, or NULL. */
json_object *fc_informer_get(fc_informer *inf, const char *ns, const char *name);
/* Deep copies of all cached objects (optionally one namespace) as an array. */
json_object *fc_informer_list(fc_informer *inf, const char *ns);
size_t fc_informer_count(fc_informer *inf);
const fc_resource *fc_informer_resource(fc_informer *inf);
/* Counters for tests and metrics. */
typedef struct fc_informer_stats {
    uint64_t lists, watches, events, relists_gone, reconnects;
} fc_informer_stats;
void fc_informer_get_stats(fc_informer *inf, fc_informer_stats *out);
/* "<ns>/<name>" (or "<name>") key of an object into buf. */
void fc_object_key(json_object *obj, char *buf, size_t n);

#endif
