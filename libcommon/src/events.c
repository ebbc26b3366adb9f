/*
 * events.c: the event recorder (fc/events.h).
 *
 * fc_recorder_event only copies what it needs into a queue item and returns;
 * one sender thread per recorder creates or aggregates the Kubernetes Event
 * and POSTs the notification. Aggregation mirrors client-go's correlator in
 * its simplest useful form: identical (object, type, reason, message) within
 * ten minutes patches count and lastTimestamp of the existing Event.
 */
#include "fc/events.h"
#include "fc/duration.h"
#include "fc/err.h"
#include "fc/json.h"
#include "fc/log.h"
#include "fc/strmap.h"
#include <curl/curl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define QUEUE_MAX 1000
#define AGG_WINDOW_NS (10LL * 60 * FC_NS_PER_S)
#define MESSAGE_MAX 39000

typedef struct item {
    json_object *ref;      /* involvedObject */
    json_object *metadata; /* merged metadata for notifications */
    char *type, *reason, *message;
    int64_t when;
    struct item *next;
} item;

typedef struct agg {
    char *name, *ns;
    int count;
    int64_t last;
} agg;

struct fc_recorder {
    fc_kube *k;
    char *component, *instance, *events_addr;
    pthread_t th;
    pthread_mutex_t mu;
    pthread_cond_t cond, idle;
    item *head, *tail;
    int len;
    bool stop, busy;
    int64_t stop_deadline; /* mono ns: after this, queued items are dropped */
    fc_strmap *aggs; /* sender thread only */
    CURL *curl;      /* sender thread only */
    fc_recorder_stats st;
    int64_t last_drop_log;
};

static const fc_resource events_res = {"", "v1", "events", "Event", true};

static void agg_free(void *p)
{
    agg *a = p;
    if (!a) return;
    free(a->name);
    free(a->ns);
    free(a);
}

static void item_free(item *it)
{
    json_object_put(it->ref);
    json_object_put(it->metadata);
    free(it->type);
    free(it->reason);
    free(it->message);
    free(it);
}

static void bump(fc_recorder *r, unsigned long *counter)
{
    pthread_mutex_lock(&r->mu);
    (*counter)++;
    pthread_mutex_unlock(&r->mu);
}

static void k8s_event(fc_recorder *r, item *it)
{
    const char *uid = fc_json_key_str(it->ref, "uid");
    const char *name = fc_json_key_str(it->ref, "name");
    const char *ns = fc_json_key_str(it->ref, "namespace");
    const char *ktype = strcmp(it->type, FC_EVENT_WARNING) == 0 ? "Warning" : "Normal";
    if (!ns || !*ns) ns = "default";
    char ts[32];
    fc_time_rfc3339(it->when, ts);
    fc_buf key;
    fc_buf_init(&key, 0);
    fc_buf_printf(&key, "%s|%s|%s|%s", uid ? uid : name, ktype, it->reason, it->message);
    agg *a = fc_strmap_get(r->aggs, key.ptr);
    if (a && it->when - a->last < AGG_WINDOW_NS) {
        char patch[160];
        snprintf(patch, sizeof patch, "{\"count\":%d,\"lastTimestamp\":\"%s\"}", a->count + 1, ts);
        if (fc_kube_patch(r->k, &events_res, a->ns, a->name, NULL, FC_PATCH_MERGE, patch, NULL, NULL) == 0) {
            a->count++;
            a->last = it->when;
            bump(r, &r->st.k8s_updated);
            fc_buf_dispose(&key);
            return;
        }
    }
    json_object *ev = json_object_new_object();
    char ename[512];
    snprintf(ename, sizeof ename, "%s.%llx", name ? name : "unknown", (unsigned long long)it->when);
    json_object_object_add(ev, "apiVersion", json_object_new_string("v1"));
    json_object_object_add(ev, "kind", json_object_new_string("Event"));
    json_object *md = json_object_new_object();
    json_object_object_add(md, "name", json_object_new_string(ename));
    json_object_object_add(md, "namespace", json_object_new_string(ns));
    if (it->metadata && json_object_object_length(it->metadata) > 0)
        json_object_object_add(md, "annotations", fc_json_copy(it->metadata));
    json_object_object_add(ev, "metadata", md);
    json_object_object_add(ev, "involvedObject", fc_json_copy(it->ref));
    json_object_object_add(ev, "reason", json_object_new_string(it->reason));
    json_object_object_add(ev, "message", json_object_new_string(it->message));
    json_object_object_add(ev, "type", json_object_new_string(ktype));
    json_object *src = json_object_new_object();
    json_object_object_add(src, "component", json_object_new_string(r->component));
    json_object_object_add(ev, "source", src);
    json_object_object_add(ev, "firstTimestamp", json_object_new_string(ts));
    json_object_object_add(ev, "lastTimestamp", json_object_new_string(ts));
    json_object_object_add(ev, "count", json_object_new_int(1));
    json_object_object_add(ev, "reportingComponent", json_object_new_string(r->component));
    json_object_object_add(ev, "reportingInstance", json_object_new_string(r->instance));
    if (fc_kube_create(r->k, &events_res, ns, ev, NULL) == 0) {
        bump(r, &r->st.k8s_created);
        if (!a) {
            a = calloc(1, sizeof *a);
            fc_strmap_put(r->aggs, key.ptr, a);
        }
        free(a->name);
        free(a->ns);
        a->name = strdup(ename);
        a->ns = strdup(ns);
        a->count = 1;
        a->last = it->when;
    } else {
        bump(r, &r->st.k8s_failed);
        fc_log(FC_LOG_DEBUG, "cannot record event %s on %s/%s: %s", it->reason, ns, name ? name : "", fc_err_msg());
    }
    json_object_put(ev);
    fc_buf_dispose(&key);
}

static size_t discard(char *p, size_t s, size_t n, void *u)
{
    (void)p;
    (void)u;
    return s * n;
}

static void post_event(fc_recorder *r, item *it)
{
    json_object *ev = json_object_new_object();
    json_object_object_add(ev, "involvedObject", fc_json_copy(it->ref));
    json_object_object_add(ev, "severity", json_object_new_string(strcmp(it->type, FC_EVENT_WARNING) == 0 ? "error" : "info"));
    char ts[32];
    fc_time_rfc3339(it->when, ts);
    json_object_object_add(ev, "timestamp", json_object_new_string(ts));
    json_object_object_add(ev, "message", json_object_new_string(it->message));
    json_object_object_add(ev, "reason", json_object_new_string(it->reason));
    if (it->metadata && json_object_object_length(it->metadata) > 0)
        json_object_object_add(ev, "metadata", fc_json_copy(it->metadata));
    json_object_object_add(ev, "reportingController", json_object_new_string(r->component));
    json_object_object_add(ev, "reportingInstance", json_object_new_string(r->instance));
    char *body = fc_json_dump(ev);
    json_object_put(ev);
    if (!r->curl) r->curl = curl_easy_init();
    CURL *h = r->curl;
    struct curl_slist *hl = curl_slist_append(NULL, "Content-Type: application/json");
    long code = 0;
    CURLcode cc = CURLE_OK;
    pthread_mutex_lock(&r->mu);
    int attempts = r->stop ? 1 : 3; /* shutting down: no retries */
    pthread_mutex_unlock(&r->mu);
    for (int attempt = 0; attempt < attempts; attempt++) {
        curl_easy_reset(h);
        curl_easy_setopt(h, CURLOPT_URL, r->events_addr);
        curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(h, CURLOPT_HTTPHEADER, hl);
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, 5000L);
        curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, 2000L);
        curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, discard);
        curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
        cc = curl_easy_perform(h);
        code = 0;
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
        if (cc == CURLE_OK && code < 500) break;
        if (attempt + 1 < attempts) usleep(attempt == 0 ? 200000 : 1000000);
    }
    curl_slist_free_all(hl);
    free(body);
    if (cc == CURLE_OK && ((code >= 200 && code < 300) || code == 429)) {
        bump(r, &r->st.posted);
    } else {
        bump(r, &r->st.post_failed);
        fc_log(FC_LOG_DEBUG, "unable to send event to %s: %s", r->events_addr,
               cc != CURLE_OK ? curl_easy_strerror(cc) : "HTTP error");
    }
}

static void *sender(void *arg)
{
    fc_recorder *r = arg;
    for (;;) {
        pthread_mutex_lock(&r->mu);
        while (!r->head && !r->stop) {
            r->busy = false;
            pthread_cond_broadcast(&r->idle);
            pthread_cond_wait(&r->cond, &r->mu);
        }
        if (!r->head && r->stop) {
            r->busy = false;
            pthread_cond_broadcast(&r->idle);
            pthread_mutex_unlock(&r->mu);
            break;
        }
        item *it = r->head;
        r->head = it->next;
        if (!r->head) r->tail = NULL;
        r->len--;
        r->busy = true;
        bool late = r->stop && fc_now_mono_ns() > r->stop_deadline;
        if (late) r->st.dropped++;
        pthread_mutex_unlock(&r->mu);
        if (late) {
            item_free(it);
            continue;
        }
        if (r->k) k8s_event(r, it);
        if (r->events_addr && strcmp(it->type, FC_EVENT_TRACE) != 0) post_event(r, it);
        item_free(it);
    }
    return NULL;
}

fc_recorder *fc_recorder_new(fc_kube *k, const char *component, const char *events_addr)
{
    fc_recorder *r = calloc(1, sizeof *r);
    if (!r) return NULL;
    r->k = k;
    r->component = strdup(component);
    char host[256] = "";
    gethostname(host, sizeof host - 1);
    const char *pod = getenv("HOSTNAME");
    r->instance = strdup(pod && *pod ? pod : host);
    r->events_addr = events_addr && *events_addr ? strdup(events_addr) : NULL;
    r->aggs = fc_strmap_new(agg_free);
    pthread_mutex_init(&r->mu, NULL);
    pthread_cond_init(&r->cond, NULL);
    pthread_cond_init(&r->idle, NULL);
    pthread_create(&r->th, NULL, sender, r);
    return r;
}

void fc_recorder_flush(fc_recorder *r)
{
    pthread_mutex_lock(&r->mu);
    while (r->head || r->busy) pthread_cond_wait(&r->idle, &r->mu);
    pthread_mutex_unlock(&r->mu);
}

void fc_recorder_free(fc_recorder *r)
{
    if (!r) return;
    pthread_mutex_lock(&r->mu);
    r->stop = true;
    r->stop_deadline = fc_now_mono_ns() + 3 * FC_NS_PER_S;
    pthread_cond_broadcast(&r->cond);
    pthread_mutex_unlock(&r->mu);
    pthread_join(r->th, NULL);
    while (r->head) {
        item *it = r->head;
        r->head = it->next;
        item_free(it);
    }
    if (r->curl) curl_easy_cleanup(r->curl);
    fc_strmap_free(r->aggs);
    pthread_mutex_destroy(&r->mu);
    pthread_cond_destroy(&r->cond);
    pthread_cond_destroy(&r->idle);
    free(r->component);
    free(r->instance);
    free(r->events_addr);
    free(r);
}

void fc_recorder_event(fc_recorder *r, json_object *obj, const char *type, const char *reason, const char *message,
                       json_object *metadata)
{
    if (!r || !obj) return;
    item *it = calloc(1, sizeof *it);
    if (!it) return;
    it->ref = json_object_new_object();
    static const char *const ref_fields[][2] = {
        {"apiVersion", "apiVersion"}, {"kind", "kind"}, {"metadata.name", "name"}, {"metadata.namespace", "namespace"},
        {"metadata.uid", "uid"}, {"metadata.resourceVersion", "resourceVersion"},
    };
    for (size_t i = 0; i < sizeof ref_fields / sizeof ref_fields[0]; i++) {
        const char *v = fc_json_get_str(obj, ref_fields[i][0]);
        if (v) json_object_object_add(it->ref, ref_fields[i][1], json_object_new_string(v));
    }
    it->metadata = json_object_new_object();
    json_object *ann = fc_json_get(obj, "metadata.annotations");
    if (ann && json_object_is_type(ann, json_type_object)) {
        json_object_object_foreach(ann, ak, av) {
            if (strncmp(ak, "event.toolkit.fluxcd.io/", 24) == 0 && json_object_is_type(av, json_type_string))
                json_object_object_add(it->metadata, ak, json_object_get(av));
        }
    }
    if (metadata && json_object_is_type(metadata, json_type_object)) {
        json_object_object_foreach(metadata, mk, mv) json_object_object_add(it->metadata, mk, fc_json_copy(mv));
    }
    it->type = strdup(type);
    it->reason = strdup(reason);
    size_t ml = strlen(message);
    it->message = ml > MESSAGE_MAX ? strndup(message, MESSAGE_MAX) : strdup(message);
    it->when = fc_now_wall_ns();
    pthread_mutex_lock(&r->mu);
    if (r->len >= QUEUE_MAX) {
        r->st.dropped++;
        int64_t now = fc_now_mono_ns();
        bool log = now - r->last_drop_log > 60 * FC_NS_PER_S;
        if (log) r->last_drop_log = now;
        pthread_mutex_unlock(&r->mu);
        if (log) fc_log(FC_LOG_ERROR, "event queue full, dropping events (is the API server or notification-controller slow?)");
        item_free(it);
        return;
    }
    if (r->tail) r->tail->next = it;
    else r->head = it;
    r->tail = it;
    r->len++;
    pthread_cond_signal(&r->cond);
    pthread_mutex_unlock(&r->mu);
}

void fc_recorder_get_stats(fc_recorder *r, fc_recorder_stats *out)
{
    pthread_mutex_lock(&r->mu);
    *out = r->st;
    pthread_mutex_unlock(&r->mu);
}
