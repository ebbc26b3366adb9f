/*
 * alerts.c: compiled Alerts and the index the event server reads (alerts.h).
 *
 * The index is an array under a mutex, replaced element-wise by the informer
 * handlers (loop thread) and copied as a referenced snapshot by the event
 * server threads; copying ~100 pointers per event is far cheaper than
 * holding a lock across a matchLabels lookup that may call the API server.
 * Reference counts are atomic because the last unref can happen on any
 * thread (event server, dispatch workers, the sender's loop).
 */
#include "alerts.h"
#include "fc/err.h"
#include "fc/json.h"
#include <pthread.h>
#include <sys/types.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *dupe(const char *s) { return s ? strdup(s) : NULL; }

static void free_kvs(nc_kv *kv, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(kv[i].key);
        free(kv[i].value);
    }
    free(kv);
}

/* Go's regexp.MatchString: an unanchored search. */
static bool matches(const fc_regex *re, const char *s)
{
    return fc_regex_exec(re, s, strlen(s), 0, NULL);
}

static void free_patterns(nc_pattern *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(p[i].text);
        fc_regex_free(p[i].re);
    }
    free(p);
}

static void alert_free(nc_alert *a)
{
    free(a->ns);
    free(a->name);
    free(a->uid);
    free(a->api_version);
    free(a->resource_version);
    free(a->provider);
    free(a->severity);
    for (size_t i = 0; i < a->nsources; i++) {
        free(a->sources[i].kind);
        free(a->sources[i].name);
        free(a->sources[i].ns);
        free_kvs(a->sources[i].labels, a->sources[i].nlabels);
    }
    free(a->sources);
    free_patterns(a->incl, a->nincl);
    free_patterns(a->excl, a->nexcl);
    free_kvs(a->event_metadata, a->nevent_metadata);
    free(a->summary);
    free(a->invalid);
    free(a);
}

void nc_alert_ref(nc_alert *a) { __atomic_add_fetch(&a->refs, 1, __ATOMIC_RELAXED); }

void nc_alert_unref(nc_alert *a)
{
    if (a && __atomic_sub_fetch(&a->refs, 1, __ATOMIC_ACQ_REL) == 0) alert_free(a);
}

static nc_kv *string_map(json_object *o, size_t *n)
{
    *n = 0;
    if (!o || !json_object_is_type(o, json_type_object)) return NULL;
    nc_kv *kv = calloc((size_t)json_object_object_length(o) + 1, sizeof *kv);
    json_object_object_foreach(o, k, v) {
        if (!v || !json_object_is_type(v, json_type_string)) continue;
        kv[*n].key = strdup(k);
        kv[*n].value = strdup(json_object_get_string(v));
        (*n)++;
    }
    return kv;
}

static nc_pattern *patterns(json_object *arr, size_t *n, const char *what, char **invalid)
{
    *n = 0;
    if (!arr || !json_object_is_type(arr, json_type_array)) return NULL;
    size_t len = json_object_array_length(arr);
    nc_pattern *p = calloc(len + 1, sizeof *p);
    for (size_t i = 0; i < len; i++) {
        const char *s = json_object_get_string(json_object_array_get_idx(arr, i));
        if (!s) continue;
        p[*n].text = strdup(s);
        char err[256];
        p[*n].re = fc_regex_compile(s, strlen(s), err, sizeof err);
        if (!p[*n].re) {
            char *msg = NULL;
            if (asprintf(&msg, "%s%sfailed to compile %s regex: %s", *invalid ? *invalid : "", *invalid ? "; " : "", what,
                         err) > 0) {
                free(*invalid);
                *invalid = msg;
            }
        }
        (*n)++;
    }
    return p;
}

nc_alert *nc_alert_compile(json_object *obj)
{
    nc_alert *a = calloc(1, sizeof *a);
    if (!a) return NULL;
    a->refs = 1;
    a->ns = dupe(fc_json_get_str(obj, "metadata.namespace"));
    a->name = dupe(fc_json_get_str(obj, "metadata.name"));
    a->uid = dupe(fc_json_get_str(obj, "metadata.uid"));
    a->api_version = dupe(fc_json_get_str(obj, "apiVersion"));
    a->resource_version = dupe(fc_json_get_str(obj, "metadata.resourceVersion"));
    if (!a->ns) a->ns = strdup("");
    if (!a->name) a->name = strdup("");
    a->provider = dupe(fc_json_get_str(obj, "spec.providerRef.name"));
    const char *sev = fc_json_get_str(obj, "spec.eventSeverity");
    a->severity = strdup(sev && *sev ? sev : NC_SEVERITY_INFO);
    a->suspend = fc_json_get_bool(obj, "spec.suspend", false);
    json_object *srcs = fc_json_get(obj, "spec.eventSources");
    if (srcs && json_object_is_type(srcs, json_type_array)) {
        size_t n = json_object_array_length(srcs);
        a->sources = calloc(n + 1, sizeof *a->sources);
        for (size_t i = 0; i < n; i++) {
            json_object *s = json_object_array_get_idx(srcs, i);
            nc_source *d = &a->sources[a->nsources++];
            d->kind = strdup(fc_json_key_str(s, "kind") ? fc_json_key_str(s, "kind") : "");
            d->name = strdup(fc_json_key_str(s, "name") ? fc_json_key_str(s, "name") : "");
            const char *ns = fc_json_key_str(s, "namespace");
            d->ns = strdup(ns && *ns ? ns : a->ns);
            json_object *ml = fc_json_key(s, "matchLabels");
            if (ml && json_object_is_type(ml, json_type_object)) {
                d->has_labels = true;
                d->labels = string_map(ml, &d->nlabels);
            }
        }
    }
    a->incl = patterns(fc_json_get(obj, "spec.inclusionList"), &a->nincl, "inclusion", &a->invalid);
    a->excl = patterns(fc_json_get(obj, "spec.exclusionList"), &a->nexcl, "exclusion", &a->invalid);
    a->event_metadata = string_map(fc_json_get(obj, "spec.eventMetadata"), &a->nevent_metadata);
    a->summary = dupe(fc_json_get_str(obj, "spec.summary"));
    return a;
}

json_object *nc_alert_event_ref(const nc_alert *a)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "apiVersion", json_object_new_string(a->api_version ? a->api_version
                                                                                   : "notification.toolkit.fluxcd.io/v1beta3"));
    json_object_object_add(o, "kind", json_object_new_string("Alert"));
    json_object *md = json_object_new_object();
    json_object_object_add(md, "name", json_object_new_string(a->name));
    json_object_object_add(md, "namespace", json_object_new_string(a->ns));
    if (a->uid) json_object_object_add(md, "uid", json_object_new_string(a->uid));
    if (a->resource_version) json_object_object_add(md, "resourceVersion", json_object_new_string(a->resource_version));
    json_object_object_add(o, "metadata", md);
    return o;
}

json_object *nc_alert_event_metadata(const nc_alert *a)
{
    if (!a->nevent_metadata) return NULL;
    json_object *o = json_object_new_object();
    for (size_t i = 0; i < a->nevent_metadata; i++)
        json_object_object_add(o, a->event_metadata[i].key, json_object_new_string(a->event_metadata[i].value));
    return o;
}

/* -------------------------------------------------------------- matching */

static bool labels_match(const nc_source *s, json_object *labels)
{
    for (size_t i = 0; i < s->nlabels; i++) {
        const char *v = fc_json_key_str(labels, s->labels[i].key);
        if (!v || strcmp(v, s->labels[i].value)) return false;
    }
    return true;
}

nc_match_result nc_alert_match(const nc_alert *a, const nc_event *e, nc_labels_fn labels, void *arg,
                               json_object **labels_cache, int *labels_state)
{
    if (a->suspend) return NC_MATCH_NO;
    bool any = false, fetch_failed = false;
    for (size_t i = 0; i < a->nsources && !any; i++) {
        const nc_source *s = &a->sources[i];
        if (strcmp(e->ns, s->ns) || strcmp(e->kind, s->kind)) continue;
        if (strcmp(e->severity, a->severity) && strcmp(a->severity, NC_SEVERITY_INFO)) continue;
        if (strcmp(s->name, "*") && strcmp(s->name, e->name)) continue;
        if (!s->has_labels) {
            any = true;
            break;
        }
        /* labels fetched once per event, whatever the number of alerts */
        if (*labels_state == 0) {
            *labels_state = labels && labels(arg, e, labels_cache) == 0 ? 1 : -1;
        }
        if (*labels_state < 0) {
            fetch_failed = true;
            continue;
        }
        if (labels_match(s, *labels_cache)) any = true;
    }
    if (!any) return fetch_failed ? NC_MATCH_SOURCE_FAILED : NC_MATCH_NO;
    if (a->nincl) {
        bool inc = false;
        for (size_t i = 0; i < a->nincl && !inc; i++) inc = a->incl[i].re && matches(a->incl[i].re, e->message);
        if (!inc) return NC_MATCH_NO;
    }
    for (size_t i = 0; i < a->nexcl; i++)
        if (a->excl[i].re && matches(a->excl[i].re, e->message)) return NC_MATCH_NO;
    return NC_MATCH_YES;
}

/* ----------------------------------------------------------------- index */

struct nc_alert_index {
    pthread_mutex_t mu;
    nc_alert **v;
    size_t n, cap;
};

nc_alert_index *nc_alert_index_new(void)
{
    nc_alert_index *ix = calloc(1, sizeof *ix);
    if (ix) pthread_mutex_init(&ix->mu, NULL);
    return ix;
}

void nc_alert_index_free(nc_alert_index *ix)
{
    if (!ix) return;
    for (size_t i = 0; i < ix->n; i++) nc_alert_unref(ix->v[i]);
    free(ix->v);
    pthread_mutex_destroy(&ix->mu);
    free(ix);
}

static ssize_t find(nc_alert_index *ix, const char *ns, const char *name)
{
    for (size_t i = 0; i < ix->n; i++)
        if (!strcmp(ix->v[i]->ns, ns) && !strcmp(ix->v[i]->name, name)) return (ssize_t)i;
    return -1;
}

void nc_alert_index_put(nc_alert_index *ix, nc_alert *a)
{
    nc_alert *old = NULL;
    pthread_mutex_lock(&ix->mu);
    ssize_t i = find(ix, a->ns, a->name);
    if (i >= 0) {
        old = ix->v[i];
        ix->v[i] = a;
    } else {
        if (ix->n == ix->cap) {
            size_t cap = ix->cap ? ix->cap * 2 : 16;
            nc_alert **v = realloc(ix->v, cap * sizeof *v);
            if (!v) {
                pthread_mutex_unlock(&ix->mu);
                nc_alert_unref(a);
                return;
            }
            ix->v = v;
            ix->cap = cap;
        }
        ix->v[ix->n++] = a;
    }
    pthread_mutex_unlock(&ix->mu);
    nc_alert_unref(old);
}

void nc_alert_index_del(nc_alert_index *ix, const char *ns, const char *name)
{
    nc_alert *old = NULL;
    pthread_mutex_lock(&ix->mu);
    ssize_t i = find(ix, ns, name);
    if (i >= 0) {
        old = ix->v[i];
        ix->v[i] = ix->v[--ix->n];
    }
    pthread_mutex_unlock(&ix->mu);
    nc_alert_unref(old);
}

size_t nc_alert_index_len(nc_alert_index *ix)
{
    pthread_mutex_lock(&ix->mu);
    size_t n = ix->n;
    pthread_mutex_unlock(&ix->mu);
    return n;
}

nc_alert **nc_alert_index_snapshot(nc_alert_index *ix, size_t *n)
{
    pthread_mutex_lock(&ix->mu);
    nc_alert **v = malloc((ix->n + 1) * sizeof *v);
    *n = 0;
    if (v) {
        for (size_t i = 0; i < ix->n; i++) {
            nc_alert_ref(ix->v[i]);
            v[i] = ix->v[i];
        }
        *n = ix->n;
    }
    pthread_mutex_unlock(&ix->mu);
    return v;
}
