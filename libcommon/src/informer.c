/*
 * informer.c: list + watch into a cache (fc/informer.h).
 *
 * A small state machine driven entirely on the loop thread:
 *   LIST  -> pages of GET ?limit=500&continue=... accumulated, then the cache
 *            is reconciled against them (adds/updates/deletes delivered);
 *   WATCH -> GET ?watch=1&resourceVersion=RV&allowWatchBookmarks=true, the
 *            body parsed incrementally with json-c's streaming tokener (one
 *            JSON event after another, each capped in size);
 *   on ERROR 410 or HTTP 410 -> LIST again; on any other failure -> wait
 *            (exponential backoff with jitter) and WATCH from the last RV.
 * Objects in the cache are owned by it and only replaced, never mutated;
 * readers on other threads take a read lock and deep-copy.
 */
#include "fc/informer.h"
#include "fc/duration.h"
#include "fc/err.h"
#include "fc/json.h"
#include "fc/log.h"
#include "fc/strmap.h"
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_HANDLERS 8
#define MAX_EVENT_BYTES (32u << 20)
#define MAX_LIST_PAGE (256u << 20)

typedef enum { ST_IDLE, ST_LIST, ST_WATCH, ST_BACKOFF, ST_STOPPED } state;

struct fc_informer {
    fc_loop *loop;
    fc_kube *k;
    fc_resource r;
    char *group, *version, *resource, *kind;
    char *ns, *selector;
    int64_t min_backoff, max_backoff;
    int watch_timeout_s;
    fc_informer_handler handlers[MAX_HANDLERS];
    int nhandlers;

    pthread_rwlock_t lock; /* guards cache */
    fc_strmap *cache;      /* key -> json_object* */

    pthread_mutex_t mu;    /* guards synced + stats + stop handshake */
    pthread_cond_t cond;
    bool synced, stopped;
    fc_informer_stats stats;

    /* loop-thread state */
    state st;
    CURL *h;
    struct curl_slist *headers;
    fc_buf body;            /* list page body */
    json_tokener *tok;      /* watch stream parser */
    size_t event_bytes;
    char *rv;               /* last seen resourceVersion */
    char *cont;             /* list continue token */
    json_object *listed;    /* items accumulated over list pages */
    int failures;
    uint64_t timer;
    bool gone;              /* watch reported 410 */
    char errmsg[512];
};

static void start_list(fc_informer *inf);
static void start_watch(fc_informer *inf);

void fc_object_key(json_object *obj, char *buf, size_t n)
{
    const char *ns = fc_json_get_str(obj, "metadata.namespace");
    const char *name = fc_json_get_str(obj, "metadata.name");
    if (ns && *ns) snprintf(buf, n, "%s/%s", ns, name ? name : "");
    else snprintf(buf, n, "%s", name ? name : "");
}

static void put_obj(void *v) { json_object_put(v); }

fc_informer *fc_informer_new(fc_loop *loop, fc_kube *k, const fc_resource *r, const fc_informer_opts *o)
{
    fc_informer *inf = calloc(1, sizeof *inf);
    if (!inf) return NULL;
    inf->loop = loop;
    inf->k = k;
    inf->group = strdup(r->group ? r->group : "");
    inf->version = strdup(r->version);
    inf->resource = strdup(r->resource);
    inf->kind = strdup(r->kind ? r->kind : r->resource);
    inf->r = (fc_resource){inf->group, inf->version, inf->resource, inf->kind, r->namespaced};
    inf->ns = o && o->ns && *o->ns ? strdup(o->ns) : NULL;
    inf->selector = o && o->label_selector && *o->label_selector ? strdup(o->label_selector) : NULL;
    inf->min_backoff = o && o->min_backoff_ns ? o->min_backoff_ns : FC_NS_PER_S;
    inf->max_backoff = o && o->max_backoff_ns ? o->max_backoff_ns : 30 * FC_NS_PER_S;
    inf->watch_timeout_s = o && o->watch_timeout_s ? o->watch_timeout_s : 300;
    pthread_rwlock_init(&inf->lock, NULL);
    pthread_mutex_init(&inf->mu, NULL);
    pthread_cond_init(&inf->cond, NULL);
    inf->cache = fc_strmap_new(put_obj);
    fc_buf_init(&inf->body, MAX_LIST_PAGE);
    return inf;
}

int fc_informer_add_handler(fc_informer *inf, const fc_informer_handler *h)
{
    if (inf->nhandlers >= MAX_HANDLERS) return fc_err_set(FC_EINVAL, "too many informer handlers");
    inf->handlers[inf->nhandlers++] = *h;
    return 0;
}

const fc_resource *fc_informer_resource(fc_informer *inf) { return &inf->r; }

/* ------------------------------------------------------------ cache edits */

static void deliver_upsert(fc_informer *inf, json_object *obj)
{
    char key[640];
    fc_object_key(obj, key, sizeof key);
    pthread_rwlock_wrlock(&inf->lock);
    json_object *old = fc_strmap_take(inf->cache, key);
    fc_strmap_put(inf->cache, key, json_object_get(obj));
    pthread_rwlock_unlock(&inf->lock);
    for (int i = 0; i < inf->nhandlers; i++) {
        if (old && inf->handlers[i].on_update) inf->handlers[i].on_update(old, obj, inf->handlers[i].arg);
        else if (!old && inf->handlers[i].on_add) inf->handlers[i].on_add(obj, inf->handlers[i].arg);
    }
    json_object_put(old);
}

static void deliver_delete(fc_informer *inf, const char *key)
{
    pthread_rwlock_wrlock(&inf->lock);
    json_object *old = fc_strmap_take(inf->cache, key);
    pthread_rwlock_unlock(&inf->lock);
    if (!old) return;
    for (int i = 0; i < inf->nhandlers; i++)
        if (inf->handlers[i].on_delete) inf->handlers[i].on_delete(old, inf->handlers[i].arg);
    json_object_put(old);
}

static void set_rv(fc_informer *inf, const char *rv)
{
    if (!rv || !*rv) return;
    free(inf->rv);
    inf->rv = strdup(rv);
}

/* ---------------------------------------------------------------- backoff */

static void resume(void *arg)
{
    fc_informer *inf = arg;
    inf->timer = 0;
    if (inf->st != ST_BACKOFF) return;
    if (inf->rv && inf->synced) start_watch(inf);
    else start_list(inf);
}

static void backoff(fc_informer *inf, const char *why)
{
    int64_t d = inf->min_backoff;
    for (int i = 0; i < inf->failures && d < inf->max_backoff; i++) d *= 2;
    if (d > inf->max_backoff) d = inf->max_backoff;
    d += (int64_t)(rand() % 1000) * (d / 10000); /* up to 10% jitter */
    inf->failures++;
    char ds[32];
    fc_duration_format(d - d % FC_NS_PER_MS, ds, sizeof ds);
    fc_log_kv(FC_LOG_ERROR, "watch failed, retrying", "kind", inf->kind, "error", why, "retryIn", ds, NULL);
    pthread_mutex_lock(&inf->mu);
    inf->stats.reconnects++;
    pthread_mutex_unlock(&inf->mu);
    inf->st = ST_BACKOFF;
    inf->timer = fc_loop_timer(inf->loop, d, resume, inf);
}

/* ------------------------------------------------------------------ HTTP */

static void release_handle(fc_informer *inf)
{
    if (inf->h) {
        curl_easy_cleanup(inf->h);
        inf->h = NULL;
    }
    curl_slist_free_all(inf->headers);
    inf->headers = NULL;
}

static int new_handle(fc_informer *inf, const char *path, curl_write_callback wcb, fc_transfer_done_fn done)
{
    release_handle(inf);
    inf->h = curl_easy_init();
    if (!inf->h) return fc_err_set(FC_ENOMEM, "curl: out of memory");
    int rc = fc_kube_setup_handle(inf->k, inf->h, &inf->headers);
    if (rc) return rc;
    inf->headers = curl_slist_append(inf->headers, "Accept: application/json");
    fc_buf url;
    fc_buf_init(&url, 0);
    fc_buf_printf(&url, "%s%s", fc_kube_config_of(inf->k)->server, path);
    curl_easy_setopt(inf->h, CURLOPT_URL, url.ptr);
    fc_buf_dispose(&url);
    curl_easy_setopt(inf->h, CURLOPT_HTTPHEADER, inf->headers);
    curl_easy_setopt(inf->h, CURLOPT_WRITEFUNCTION, wcb);
    curl_easy_setopt(inf->h, CURLOPT_WRITEDATA, inf);
    curl_easy_setopt(inf->h, CURLOPT_PRIVATE, inf);
    curl_easy_setopt(inf->h, CURLOPT_CONNECTTIMEOUT_MS, 10000L);
    /* a watch that stays silent past its own server timeout is dead */
    curl_easy_setopt(inf->h, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(inf->h, CURLOPT_LOW_SPEED_TIME, (long)inf->watch_timeout_s * 2 + 30);
    return fc_loop_add_transfer(inf->loop, inf->h, done, inf);
}

static void collection_path(fc_informer *inf, fc_buf *p)
{
    fc_kube_path(p, &inf->r, inf->ns, NULL, NULL);
}

/* ------------------------------------------------------------------- LIST */

static size_t list_write(char *ptr, size_t size, size_t n, void *ud)
{
    fc_informer *inf = ud;
    return fc_buf_put(&inf->body, ptr, size * n) == 0 ? size * n : 0;
}

static void list_finished(fc_informer *inf)
{
    /* reconcile the cache against the full list */
    fc_strmap *seen = fc_strmap_new(NULL);
    size_t n = json_object_array_length(inf->listed);
    for (size_t i = 0; i < n; i++) {
        json_object *obj = json_object_array_get_idx(inf->listed, i);
        char key[640];
        fc_object_key(obj, key, sizeof key);
        fc_strmap_put(seen, key, obj);
        pthread_rwlock_rdlock(&inf->lock);
        json_object *old = fc_strmap_get(inf->cache, key);
        const char *orv = old ? fc_json_get_str(old, "metadata.resourceVersion") : NULL;
        const char *nrv = fc_json_get_str(obj, "metadata.resourceVersion");
        bool same = old && orv && nrv && strcmp(orv, nrv) == 0;
        pthread_rwlock_unlock(&inf->lock);
        if (!same) deliver_upsert(inf, obj);
    }
    pthread_rwlock_rdlock(&inf->lock);
    size_t nk;
    const char **keys = fc_strmap_keys(inf->cache, &nk);
    char **gone = calloc(nk + 1, sizeof *gone);
    size_t ng = 0;
    for (size_t i = 0; i < nk; i++)
        if (!fc_strmap_has(seen, keys[i])) gone[ng++] = strdup(keys[i]);
    free(keys);
    pthread_rwlock_unlock(&inf->lock);
    for (size_t i = 0; i < ng; i++) {
        deliver_delete(inf, gone[i]);
        free(gone[i]);
    }
    free(gone);
    fc_strmap_free(seen);
    json_object_put(inf->listed);
    inf->listed = NULL;
    inf->failures = 0;
    pthread_mutex_lock(&inf->mu);
    inf->synced = true;
    inf->stats.lists++;
    pthread_cond_broadcast(&inf->cond);
    pthread_mutex_unlock(&inf->mu);
    start_watch(inf);
}

static void list_page(fc_informer *inf);

static void list_done(CURL *h, CURLcode cc, void *arg)
{
    fc_informer *inf = arg;
    long code = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
    if (inf->st == ST_STOPPED) return;
    if (cc != CURLE_OK || code != 200) {
        if (cc != CURLE_OK) snprintf(inf->errmsg, sizeof inf->errmsg, "list %s: %s", inf->resource, curl_easy_strerror(cc));
        else {
            fc_kube_record_error(code, inf->body.ptr, inf->body.len, "list");
            snprintf(inf->errmsg, sizeof inf->errmsg, "list %s: %s", inf->resource, fc_err_msg());
        }
        json_object_put(inf->listed);
        inf->listed = NULL;
        free(inf->cont);
        inf->cont = NULL;
        backoff(inf, inf->errmsg);
        return;
    }
    json_object *lst = NULL;
    if (fc_json_parse(inf->body.ptr, inf->body.len, &lst)) {
        snprintf(inf->errmsg, sizeof inf->errmsg, "list %s: %s", inf->resource, fc_err_msg());
        backoff(inf, inf->errmsg);
        return;
    }
    json_object *items = fc_json_key(lst, "items");
    for (size_t i = 0; items && i < json_object_array_length(items); i++)
        json_object_array_add(inf->listed, json_object_get(json_object_array_get_idx(items, i)));
    free(inf->cont);
    inf->cont = NULL;
    const char *c = fc_json_get_str(lst, "metadata.continue");
    if (c && *c) inf->cont = strdup(c);
    else set_rv(inf, fc_json_get_str(lst, "metadata.resourceVersion"));
    json_object_put(lst);
    if (inf->cont) list_page(inf);
    else list_finished(inf);
}

static void list_page(fc_informer *inf)
{
    fc_buf p;
    fc_buf_init(&p, 0);
    collection_path(inf, &p);
    fc_buf_puts(&p, "?limit=500");
    if (inf->selector) {
        fc_buf_puts(&p, "&labelSelector=");
        fc_kube_escape(&p, inf->selector);
    }
    if (inf->cont) {
        fc_buf_puts(&p, "&continue=");
        fc_kube_escape(&p, inf->cont);
    }
    fc_buf_reset(&inf->body);
    if (new_handle(inf, p.ptr, list_write, list_done)) {
        snprintf(inf->errmsg, sizeof inf->errmsg, "list %s: %s", inf->resource, fc_err_msg());
        fc_buf_dispose(&p);
        backoff(inf, inf->errmsg);
        return;
    }
    fc_buf_dispose(&p);
}

static void start_list(fc_informer *inf)
{
    inf->st = ST_LIST;
    json_object_put(inf->listed);
    inf->listed = json_object_new_array();
    free(inf->cont);
    inf->cont = NULL;
    list_page(inf);
}

/* ------------------------------------------------------------------ WATCH */

static void handle_event(fc_informer *inf, json_object *ev)
{
    const char *type = fc_json_key_str(ev, "type");
    json_object *obj = fc_json_key(ev, "object");
    if (!type || !obj) return;
    pthread_mutex_lock(&inf->mu);
    inf->stats.events++;
    pthread_mutex_unlock(&inf->mu);
    if (!strcmp(type, "ERROR")) {
        int64_t code = fc_json_get_int(obj, "code", 0);
        if (code == 410) inf->gone = true;
        const char *m = fc_json_key_str(obj, "message");
        snprintf(inf->errmsg, sizeof inf->errmsg, "watch %s: %s", inf->resource, m ? m : "error event");
        return;
    }
    set_rv(inf, fc_json_get_str(obj, "metadata.resourceVersion"));
    if (!strcmp(type, "BOOKMARK")) return;
    if (!strcmp(type, "ADDED") || !strcmp(type, "MODIFIED")) {
        deliver_upsert(inf, obj);
    } else if (!strcmp(type, "DELETED")) {
        char key[640];
        fc_object_key(obj, key, sizeof key);
        deliver_delete(inf, key);
    }
}

static size_t watch_write(char *ptr, size_t size, size_t n, void *ud)
{
    fc_informer *inf = ud;
    size_t len = size * n, off = 0;
    long code = 0;
    curl_easy_getinfo(inf->h, CURLINFO_RESPONSE_CODE, &code);
    if (code != 200) return fc_buf_put(&inf->body, ptr, len) == 0 ? len : 0;
    while (off < len) {
        json_object *ev = json_tokener_parse_ex(inf->tok, ptr + off, (int)(len - off));
        enum json_tokener_error e = json_tokener_get_error(inf->tok);
        size_t used = json_tokener_get_parse_end(inf->tok);
        if (e == json_tokener_continue) {
            inf->event_bytes += len - off;
            if (inf->event_bytes > MAX_EVENT_BYTES) {
                snprintf(inf->errmsg, sizeof inf->errmsg, "watch %s: event larger than %u bytes", inf->resource, MAX_EVENT_BYTES);
                return 0;
            }
            return len;
        }
        if (e != json_tokener_success) {
            snprintf(inf->errmsg, sizeof inf->errmsg, "watch %s: invalid JSON in stream: %s", inf->resource, json_tokener_error_desc(e));
            return 0;
        }
        off += used;
        inf->event_bytes = 0;
        json_tokener_reset(inf->tok);
        if (ev) {
            handle_event(inf, ev);
            json_object_put(ev);
        }
        /* skip whitespace between events */
        while (off < len && (ptr[off] == '\n' || ptr[off] == '\r' || ptr[off] == ' ')) off++;
    }
    return len;
}

static void watch_done(CURL *h, CURLcode cc, void *arg)
{
    fc_informer *inf = arg;
    long code = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
    if (inf->st == ST_STOPPED) return;
    if (inf->gone || code == 410) {
        fc_log_kv(FC_LOG_DEBUG, "watch resourceVersion expired, relisting", "kind", inf->kind, NULL);
        pthread_mutex_lock(&inf->mu);
        inf->stats.relists_gone++;
        pthread_mutex_unlock(&inf->mu);
        free(inf->rv);
        inf->rv = NULL;
        start_list(inf);
        return;
    }
    if (cc == CURLE_OK && code == 200 && !inf->errmsg[0]) {
        /* server closed the watch at its timeout: continue from the last RV */
        inf->failures = 0;
        start_watch(inf);
        return;
    }
    if (!inf->errmsg[0]) {
        if (cc != CURLE_OK) snprintf(inf->errmsg, sizeof inf->errmsg, "watch %s: %s", inf->resource, curl_easy_strerror(cc));
        else {
            fc_kube_record_error(code, inf->body.ptr, inf->body.len, "watch");
            snprintf(inf->errmsg, sizeof inf->errmsg, "watch %s: %s", inf->resource, fc_err_msg());
        }
    }
    backoff(inf, inf->errmsg);
}

static void start_watch(fc_informer *inf)
{
    inf->st = ST_WATCH;
    inf->gone = false;
    inf->errmsg[0] = 0;
    inf->event_bytes = 0;
    if (inf->tok) json_tokener_reset(inf->tok);
    else inf->tok = json_tokener_new_ex(FC_JSON_MAX_DEPTH);
    fc_buf_reset(&inf->body);
    fc_buf p;
    fc_buf_init(&p, 0);
    collection_path(inf, &p);
    int tmo = inf->watch_timeout_s + rand() % (inf->watch_timeout_s + 1);
    fc_buf_printf(&p, "?watch=1&allowWatchBookmarks=true&timeoutSeconds=%d", tmo);
    if (inf->rv) {
        fc_buf_puts(&p, "&resourceVersion=");
        fc_kube_escape(&p, inf->rv);
    }
    if (inf->selector) {
        fc_buf_puts(&p, "&labelSelector=");
        fc_kube_escape(&p, inf->selector);
    }
    pthread_mutex_lock(&inf->mu);
    inf->stats.watches++;
    pthread_mutex_unlock(&inf->mu);
    if (new_handle(inf, p.ptr, watch_write, watch_done)) {
        snprintf(inf->errmsg, sizeof inf->errmsg, "watch %s: %s", inf->resource, fc_err_msg());
        fc_buf_dispose(&p);
        backoff(inf, inf->errmsg);
        return;
    }
    fc_buf_dispose(&p);
}

/* ------------------------------------------------------------- lifecycle */

static void do_start(void *arg)
{
    fc_informer *inf = arg;
    if (inf->st != ST_IDLE && inf->st != ST_STOPPED) return;
    pthread_mutex_lock(&inf->mu);
    inf->stopped = false;
    pthread_mutex_unlock(&inf->mu);
    /* a restarted informer resumes from its last resourceVersion; if that
     * was compacted away the server answers 410 and we relist */
    if (inf->rv && inf->synced) start_watch(inf);
    else start_list(inf);
}

int fc_informer_start(fc_informer *inf)
{
    if (fc_loop_on_thread(inf->loop)) {
        do_start(inf);
        return 0;
    }
    return fc_loop_call(inf->loop, do_start, inf);
}

static void do_stop(void *arg)
{
    fc_informer *inf = arg;
    if (inf->h) fc_loop_cancel_transfer(inf->loop, inf->h);
    if (inf->timer) fc_loop_timer_cancel(inf->loop, inf->timer);
    inf->timer = 0;
    release_handle(inf);
    inf->st = ST_STOPPED;
    pthread_mutex_lock(&inf->mu);
    inf->stopped = true;
    pthread_cond_broadcast(&inf->cond);
    pthread_mutex_unlock(&inf->mu);
}

void fc_informer_stop(fc_informer *inf)
{
    if (inf->st == ST_STOPPED || inf->st == ST_IDLE) return;
    if (fc_loop_on_thread(inf->loop)) {
        do_stop(inf);
        return;
    }
    fc_loop_call(inf->loop, do_stop, inf);
    pthread_mutex_lock(&inf->mu);
    while (!inf->stopped) pthread_cond_wait(&inf->cond, &inf->mu);
    pthread_mutex_unlock(&inf->mu);
}

void fc_informer_free(fc_informer *inf)
{
    if (!inf) return;
    release_handle(inf);
    if (inf->tok) json_tokener_free(inf->tok);
    fc_buf_dispose(&inf->body);
    json_object_put(inf->listed);
    fc_strmap_free(inf->cache);
    pthread_rwlock_destroy(&inf->lock);
    pthread_mutex_destroy(&inf->mu);
    pthread_cond_destroy(&inf->cond);
    free(inf->rv);
    free(inf->cont);
    free(inf->group);
    free(inf->version);
    free(inf->resource);
    free(inf->kind);
    free(inf->ns);
    free(inf->selector);
    free(inf);
}

bool fc_informer_synced(fc_informer *inf)
{
    pthread_mutex_lock(&inf->mu);
    bool s = inf->synced;
    pthread_mutex_unlock(&inf->mu);
    return s;
}

int fc_informer_wait_synced(fc_informer *inf, int64_t timeout_ns)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    int64_t t = (int64_t)ts.tv_sec * FC_NS_PER_S + ts.tv_nsec + timeout_ns;
    ts.tv_sec = t / FC_NS_PER_S;
    ts.tv_nsec = t % FC_NS_PER_S;
    pthread_mutex_lock(&inf->mu);
    int rc = 0;
    while (!inf->synced && rc == 0) rc = pthread_cond_timedwait(&inf->cond, &inf->mu, &ts);
    bool s = inf->synced;
    pthread_mutex_unlock(&inf->mu);
    return s ? 0 : fc_err_set(FC_ETIMEOUT, "timed out waiting for the %s cache to sync", inf->resource);
}

json_object *fc_informer_get(fc_informer *inf, const char *ns, const char *name)
{
    char key[640];
    if (ns && *ns) snprintf(key, sizeof key, "%s/%s", ns, name);
    else snprintf(key, sizeof key, "%s", name);
    pthread_rwlock_rdlock(&inf->lock);
    json_object *o = fc_json_copy(fc_strmap_get(inf->cache, key));
    pthread_rwlock_unlock(&inf->lock);
    return o;
}

typedef struct { json_object *arr; const char *ns; } list_arg;

static int collect(const char *key, void *v, void *arg)
{
    (void)key;
    list_arg *la = arg;
    if (la->ns) {
        const char *ns = fc_json_get_str(v, "metadata.namespace");
        if (!ns || strcmp(ns, la->ns) != 0) return 0;
    }
    json_object_array_add(la->arr, fc_json_copy(v));
    return 0;
}

json_object *fc_informer_list(fc_informer *inf, const char *ns)
{
    list_arg la = {json_object_new_array(), ns && *ns ? ns : NULL};
    pthread_rwlock_rdlock(&inf->lock);
    fc_strmap_each(inf->cache, collect, &la);
    pthread_rwlock_unlock(&inf->lock);
    return la.arr;
}

size_t fc_informer_count(fc_informer *inf)
{
    pthread_rwlock_rdlock(&inf->lock);
    size_t n = fc_strmap_len(inf->cache);
    pthread_rwlock_unlock(&inf->lock);
    return n;
}

void fc_informer_get_stats(fc_informer *inf, fc_informer_stats *out)
{
    pthread_mutex_lock(&inf->mu);
    *out = inf->stats;
    pthread_mutex_unlock(&inf->mu);
}
