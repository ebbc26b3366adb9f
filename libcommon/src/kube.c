/*
 * kube.c: the Kubernetes REST client (fc/kube.h).
 *
 * Shape: a reference-counted core (config, credentials, curl handle pool,
 * token-bucket limiter, counters) shared by the root client and any
 * impersonating clients derived from it. Each request takes a curl easy
 * handle from the pool (keeping its live connection), sets it up for this
 * server and identity, performs the transfer into a capped buffer and puts
 * the handle back. The JSON helpers on top (get/list/create/update/patch/
 * apply/delete) only build paths and bodies; all HTTP goes through fc_kube_do.
 */
#include "fc/kube.h"
#include "fc/duration.h"
#include "fc/err.h"
#include "fc/json.h"
#include "fc/log.h"
#include "fc/yaml.h"
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define POOL_MAX 16
#define DEFAULT_MAX_RESPONSE (64u << 20)

typedef struct core {
    int refs;
    pthread_mutex_t mu;
    fc_kube_config *cfg;
    fc_kube_creds *creds;
    CURL *pool[POOL_MAX];
    int npool;
    /* limiter */
    double qps, tokens;
    int burst;
    int64_t last_refill;
    /* stats */
    fc_kube_stats stats;
    char *user_agent;
    long timeout_ms;
} core;

struct fc_kube {
    core *c;
    char *imp_user;
    char **imp_groups;
};

static void core_unref(core *c)
{
    pthread_mutex_lock(&c->mu);
    int left = --c->refs;
    pthread_mutex_unlock(&c->mu);
    if (left) return;
    for (int i = 0; i < c->npool; i++) curl_easy_cleanup(c->pool[i]);
    fc_kube_creds_free(c->creds);
    fc_kube_config_free(c->cfg);
    free(c->user_agent);
    pthread_mutex_destroy(&c->mu);
    free(c);
}

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static void curl_init_once(void) { curl_global_init(CURL_GLOBAL_DEFAULT); }

fc_kube *fc_kube_new(const fc_kube_config *cfg, const fc_kube_opts *opts)
{
    pthread_once(&curl_once, curl_init_once);
    core *c = calloc(1, sizeof *c);
    fc_kube *k = calloc(1, sizeof *k);
    if (!c || !k) {
        free(c);
        free(k);
        return NULL;
    }
    c->refs = 1;
    pthread_mutex_init(&c->mu, NULL);
    c->cfg = fc_kube_config_dup(cfg);
    c->creds = fc_kube_creds_new(cfg);
    c->qps = opts && opts->qps > 0 ? opts->qps : 50;
    c->burst = opts && opts->burst > 0 ? opts->burst : 300;
    c->tokens = c->burst;
    c->last_refill = fc_now_mono_ns();
    c->user_agent = strdup(opts && opts->user_agent ? opts->user_agent : "fluxc");
    c->timeout_ms = opts && opts->timeout_ms > 0 ? opts->timeout_ms : 30000;
    k->c = c;
    if (cfg->impersonate_user) {
        k->imp_user = strdup(cfg->impersonate_user);
        if (cfg->impersonate_groups) {
            size_t n = 0;
            while (cfg->impersonate_groups[n]) n++;
            k->imp_groups = calloc(n + 1, sizeof(char *));
            for (size_t i = 0; i < n; i++) k->imp_groups[i] = strdup(cfg->impersonate_groups[i]);
        }
    }
    return k;
}

fc_kube *fc_kube_impersonate(fc_kube *base, const char *user, const char *const *groups)
{
    fc_kube *k = calloc(1, sizeof *k);
    if (!k) return NULL;
    pthread_mutex_lock(&base->c->mu);
    base->c->refs++;
    pthread_mutex_unlock(&base->c->mu);
    k->c = base->c;
    k->imp_user = user ? strdup(user) : NULL;
    if (groups) {
        size_t n = 0;
        while (groups[n]) n++;
        k->imp_groups = calloc(n + 1, sizeof(char *));
        for (size_t i = 0; i < n; i++) k->imp_groups[i] = strdup(groups[i]);
    }
    return k;
}

void fc_kube_free(fc_kube *k)
{
    if (!k) return;
    free(k->imp_user);
    if (k->imp_groups) {
        for (char **g = k->imp_groups; *g; g++) free(*g);
        free(k->imp_groups);
    }
    core_unref(k->c);
    free(k);
}

const fc_kube_config *fc_kube_config_of(fc_kube *k) { return k->c->cfg; }

void fc_kube_get_stats(fc_kube *k, fc_kube_stats *out)
{
    pthread_mutex_lock(&k->c->mu);
    *out = k->c->stats;
    pthread_mutex_unlock(&k->c->mu);
}

void fc_kube_throttle(fc_kube *k)
{
    core *c = k->c;
    pthread_mutex_lock(&c->mu);
    int64_t now = fc_now_mono_ns();
    c->tokens += (double)(now - c->last_refill) / 1e9 * c->qps;
    if (c->tokens > c->burst) c->tokens = c->burst;
    c->last_refill = now;
    c->tokens -= 1;
    double deficit = c->tokens < 0 ? -c->tokens : 0;
    pthread_mutex_unlock(&c->mu);
    if (deficit > 0) {
        int64_t wait = (int64_t)(deficit / c->qps * 1e9);
        struct timespec ts = {wait / FC_NS_PER_S, wait % FC_NS_PER_S};
        while (nanosleep(&ts, &ts) != 0) {}
        pthread_mutex_lock(&c->mu);
        c->stats.throttled_ns += (uint64_t)wait;
        pthread_mutex_unlock(&c->mu);
    }
}

static CURL *take_handle(core *c)
{
    CURL *h = NULL;
    pthread_mutex_lock(&c->mu);
    if (c->npool) h = c->pool[--c->npool];
    pthread_mutex_unlock(&c->mu);
    if (!h) h = curl_easy_init();
    else curl_easy_reset(h); /* keeps live connections and the session cache */
    return h;
}

static void give_handle(core *c, CURL *h)
{
    pthread_mutex_lock(&c->mu);
    if (c->npool < POOL_MAX) {
        c->pool[c->npool++] = h;
        h = NULL;
    }
    pthread_mutex_unlock(&c->mu);
    if (h) curl_easy_cleanup(h);
}

static struct curl_slist *add_header(struct curl_slist *l, const char *name, const char *value)
{
    fc_buf b;
    fc_buf_init(&b, 0);
    fc_buf_printf(&b, "%s: %s", name, value);
    struct curl_slist *n = curl_slist_append(l, b.ptr);
    fc_buf_dispose(&b);
    return n ? n : l;
}

int fc_kube_setup_handle(fc_kube *k, CURL *h, struct curl_slist **headers)
{
    core *c = k->c;
    const fc_kube_config *cfg = c->cfg;
    char *token = NULL, *cert = NULL, *key = NULL;
    int rc = fc_kube_creds_get(c->creds, &token, &cert, &key);
    if (rc) return rc;
    struct curl_slist *hl = *headers;
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_USERAGENT, c->user_agent);
    curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
    if (cfg->ca_pem) {
        struct curl_blob blob = {cfg->ca_pem, strlen(cfg->ca_pem), CURL_BLOB_COPY};
        curl_easy_setopt(h, CURLOPT_CAINFO_BLOB, &blob);
    } else if (cfg->ca_file) {
        curl_easy_setopt(h, CURLOPT_CAINFO, cfg->ca_file);
    }
    if (cfg->insecure) {
        curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L);
        curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
    }
    const char *cp = cert ? cert : cfg->cert_pem, *kp = key ? key : cfg->key_pem;
    if (cp && kp) {
        struct curl_blob cb = {(void *)cp, strlen(cp), CURL_BLOB_COPY};
        struct curl_blob kb = {(void *)kp, strlen(kp), CURL_BLOB_COPY};
        curl_easy_setopt(h, CURLOPT_SSLCERT_BLOB, &cb);
        curl_easy_setopt(h, CURLOPT_SSLCERTTYPE, "PEM");
        curl_easy_setopt(h, CURLOPT_SSLKEY_BLOB, &kb);
        curl_easy_setopt(h, CURLOPT_SSLKEYTYPE, "PEM");
    }
    if (token && *token) {
        fc_buf b;
        fc_buf_init(&b, 0);
        fc_buf_printf(&b, "Bearer %s", token);
        hl = add_header(hl, "Authorization", b.ptr);
        fc_buf_dispose(&b);
    } else if (cfg->username && cfg->password) {
        curl_easy_setopt(h, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
        curl_easy_setopt(h, CURLOPT_USERNAME, cfg->username);
        curl_easy_setopt(h, CURLOPT_PASSWORD, cfg->password);
    }
    if (k->imp_user) {
        hl = add_header(hl, "Impersonate-User", k->imp_user);
        for (char **g = k->imp_groups; g && *g; g++) hl = add_header(hl, "Impersonate-Group", *g);
    }
    *headers = hl;
    free(token);
    free(cert);
    free(key);
    return 0;
}

typedef struct sink {
    fc_buf *b;
    bool too_big;
} sink;

static size_t write_cb(char *ptr, size_t size, size_t n, void *ud)
{
    sink *s = ud;
    if (fc_buf_put(s->b, ptr, size * n) == 0) return size * n;
    s->too_big = true;
    return 0;
}

int fc_kube_record_error(long status, const char *body, size_t len, const char *what)
{
    json_object *st = NULL;
    if (body && len && fc_json_parse(body, len, &st) == 0 && st && fc_json_key_str(st, "kind") &&
        strcmp(fc_json_key_str(st, "kind"), "Status") == 0) {
        const char *reason = fc_json_key_str(st, "reason");
        const char *msg = fc_json_key_str(st, "message");
        int rc = fc_err_set_api((int)status, reason ? reason : "", msg ? msg : what);
        json_object_put(st);
        return rc;
    }
    json_object_put(st);
    char m[600];
    snprintf(m, sizeof m, "%s: HTTP %ld%s%.400s", what, status, len ? ": " : "", len ? body : "");
    return fc_err_set_api((int)status, "", m);
}

static int do_once(fc_kube *k, const fc_kube_req *req, long *status, fc_buf *resp, bool *unauthorized)
{
    core *c = k->c;
    CURL *h = take_handle(c);
    struct curl_slist *hl = NULL;
    char errbuf[CURL_ERROR_SIZE] = "";
    fc_buf url;
    int rc = 0;
    *unauthorized = false;
    if (!h) return fc_err_set(FC_ENOMEM, "curl: out of memory");
    fc_buf_init(&url, 0);
    fc_buf_printf(&url, "%s%s", c->cfg->server, req->path);
    if ((rc = fc_kube_setup_handle(k, h, &hl))) goto out;
    hl = add_header(hl, "Accept", req->accept ? req->accept : "application/json");
    if (req->content_type) hl = add_header(hl, "Content-Type", req->content_type);
    curl_easy_setopt(h, CURLOPT_URL, url.ptr);
    curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, req->method);
    if (req->body) {
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, req->body);
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->body_len);
    } else if (!strcmp(req->method, "GET")) {
        curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
    } else if (!strcmp(req->method, "DELETE") || !strcmp(req->method, "POST") || !strcmp(req->method, "PUT") ||
               !strcmp(req->method, "PATCH")) {
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, "");
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)0);
    }
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hl);
    resp->max = req->max_response ? req->max_response : DEFAULT_MAX_RESPONSE;
    fc_buf_reset(resp);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, write_cb);
    sink snk = {resp, false};
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &snk);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, req->timeout_ms ? req->timeout_ms : c->timeout_ms);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, 10000L);
    fc_kube_throttle(k);
    CURLcode cc = curl_easy_perform(h);
    long code = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
    *status = code;
    pthread_mutex_lock(&c->mu);
    c->stats.requests++;
    c->stats.by_class[cc == CURLE_OK && code >= 100 && code < 600 ? code / 100 : 0]++;
    pthread_mutex_unlock(&c->mu);
    if (cc == CURLE_WRITE_ERROR && snk.too_big) {
        rc = fc_err_set(FC_ETOOBIG, "%s %s: response larger than %zu bytes", req->method, req->path, resp->max);
    } else if (cc != CURLE_OK) {
        int code2 = cc == CURLE_OPERATION_TIMEDOUT ? FC_ETIMEOUT : FC_EUNAVAIL;
        rc = fc_err_set(code2, "%s %s%s: %s", req->method, c->cfg->server, req->path, errbuf[0] ? errbuf : curl_easy_strerror(cc));
    } else if (code < 200 || code >= 300) {
        char what[300];
        snprintf(what, sizeof what, "%s %s", req->method, req->path);
        rc = fc_kube_record_error(code, resp->ptr, resp->len, what);
        *unauthorized = code == 401;
    }
out:
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, NULL);
    curl_slist_free_all(hl);
    fc_buf_dispose(&url);
    give_handle(c, h);
    return rc;
}

int fc_kube_do(fc_kube *k, const fc_kube_req *req, long *status, fc_buf *resp)
{
    bool unauth = false;
    long st = 0;
    int rc = do_once(k, req, &st, resp, &unauth);
    if (rc && unauth && (k->c->cfg->exec || k->c->cfg->token_file)) {
        /* expired exec credential or rotated token: refresh once */
        fc_kube_creds_invalidate(k->c->creds);
        rc = do_once(k, req, &st, resp, &unauth);
    }
    if (status) *status = st;
    return rc;
}

void fc_kube_escape(fc_buf *out, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '-' ||
            ch == '.' || ch == '_' || ch == '~')
            fc_buf_putc(out, (char)ch);
        else {
            char e[3] = {'%', hex[ch >> 4], hex[ch & 15]};
            fc_buf_put(out, e, 3);
        }
    }
}

int fc_kube_path(fc_buf *out, const fc_resource *r, const char *ns, const char *name, const char *sub)
{
    if (!r->group || !*r->group) fc_buf_printf(out, "/api/%s", r->version);
    else fc_buf_printf(out, "/apis/%s/%s", r->group, r->version);
    if (r->namespaced && ns && *ns) {
        fc_buf_puts(out, "/namespaces/");
        fc_kube_escape(out, ns);
    }
    fc_buf_printf(out, "/%s", r->resource);
    if (name && *name) {
        fc_buf_putc(out, '/');
        fc_kube_escape(out, name);
        if (sub && *sub) fc_buf_printf(out, "/%s", sub);
    }
    return 0;
}

static int json_call(fc_kube *k, const char *method, const char *path, const char *ctype, const char *body,
                     json_object **out)
{
    fc_buf resp;
    fc_buf_init(&resp, 0);
    fc_kube_req req = {.method = method, .path = path, .content_type = ctype, .body = body,
                       .body_len = body ? strlen(body) : 0};
    long st;
    int rc = fc_kube_do(k, &req, &st, &resp);
    if (!rc && out) {
        *out = NULL;
        if (resp.len && fc_json_parse(resp.ptr, resp.len, out)) rc = fc_err_wrap("%s %s: invalid response", method, path);
    }
    fc_buf_dispose(&resp);
    return rc;
}

int fc_kube_get(fc_kube *k, const fc_resource *r, const char *ns, const char *name, json_object **out)
{
    fc_buf p;
    fc_buf_init(&p, 0);
    fc_kube_path(&p, r, ns, name, NULL);
    int rc = json_call(k, "GET", p.ptr, NULL, NULL, out);
    fc_buf_dispose(&p);
    return rc;
}

int fc_kube_list(fc_kube *k, const fc_resource *r, const char *ns, const fc_list_opts *o, json_object **items,
                 char **resource_version)
{
    json_object *all = json_object_new_array();
    char *cont = NULL;
    int rc = 0;
    *items = NULL;
    if (resource_version) *resource_version = NULL;
    for (int page = 0; page < 100000; page++) {
        fc_buf p;
        fc_buf_init(&p, 0);
        fc_kube_path(&p, r, ns, NULL, NULL);
        fc_buf_printf(&p, "?limit=%lld", (long long)(o && o->limit ? o->limit : 500));
        if (o && o->label_selector && *o->label_selector) {
            fc_buf_puts(&p, "&labelSelector=");
            fc_kube_escape(&p, o->label_selector);
        }
        if (o && o->field_selector && *o->field_selector) {
            fc_buf_puts(&p, "&fieldSelector=");
            fc_kube_escape(&p, o->field_selector);
        }
        if (cont) {
            fc_buf_puts(&p, "&continue=");
            fc_kube_escape(&p, cont);
        }
        json_object *lst = NULL;
        rc = json_call(k, "GET", p.ptr, NULL, NULL, &lst);
        fc_buf_dispose(&p);
        if (rc) break;
        json_object *its = fc_json_key(lst, "items");
        for (size_t i = 0; its && i < json_object_array_length(its); i++)
            json_object_array_add(all, json_object_get(json_object_array_get_idx(its, i)));
        free(cont);
        cont = NULL;
        const char *c = fc_json_get_str(lst, "metadata.continue");
        if (c && *c) cont = strdup(c);
        if (!cont && resource_version) {
            const char *rv = fc_json_get_str(lst, "metadata.resourceVersion");
            *resource_version = rv ? strdup(rv) : NULL;
        }
        json_object_put(lst);
        if (!cont) break;
    }
    free(cont);
    if (rc) {
        json_object_put(all);
        return rc;
    }
    *items = all;
    return 0;
}

static int body_call(fc_kube *k, const char *method, const fc_resource *r, const char *ns, const char *name,
                     const char *sub, json_object *obj, json_object **out)
{
    fc_buf p;
    fc_buf_init(&p, 0);
    fc_kube_path(&p, r, ns, name, sub);
    char *body = fc_json_dump(obj);
    int rc = json_call(k, method, p.ptr, "application/json", body, out);
    free(body);
    fc_buf_dispose(&p);
    return rc;
}

int fc_kube_create(fc_kube *k, const fc_resource *r, const char *ns, json_object *obj, json_object **out)
{
    return body_call(k, "POST", r, ns, NULL, NULL, obj, out);
}

int fc_kube_update(fc_kube *k, const fc_resource *r, const char *ns, json_object *obj, json_object **out)
{
    return body_call(k, "PUT", r, ns, fc_json_get_str(obj, "metadata.name"), NULL, obj, out);
}

int fc_kube_update_status(fc_kube *k, const fc_resource *r, const char *ns, json_object *obj, json_object **out)
{
    return body_call(k, "PUT", r, ns, fc_json_get_str(obj, "metadata.name"), "status", obj, out);
}

int fc_kube_delete(fc_kube *k, const fc_resource *r, const char *ns, const char *name, const char *propagation)
{
    fc_buf p;
    fc_buf_init(&p, 0);
    fc_kube_path(&p, r, ns, name, NULL);
    char body[160];
    if (propagation)
        snprintf(body, sizeof body, "{\"kind\":\"DeleteOptions\",\"apiVersion\":\"v1\",\"propagationPolicy\":\"%s\"}", propagation);
    int rc = json_call(k, "DELETE", p.ptr, propagation ? "application/json" : NULL, propagation ? body : NULL, NULL);
    fc_buf_dispose(&p);
    return rc;
}

int fc_kube_patch(fc_kube *k, const fc_resource *r, const char *ns, const char *name, const char *sub,
                  fc_patch_type type, const char *patch, const char *field_manager, json_object **out)
{
    static const char *const ctypes[] = {"application/merge-patch+json", "application/json-patch+json",
                                         "application/strategic-merge-patch+json"};
    fc_buf p;
    fc_buf_init(&p, 0);
    fc_kube_path(&p, r, ns, name, sub);
    if (field_manager) {
        fc_buf_puts(&p, "?fieldManager=");
        fc_kube_escape(&p, field_manager);
    }
    int rc = json_call(k, "PATCH", p.ptr, ctypes[type], patch, out);
    fc_buf_dispose(&p);
    return rc;
}

int fc_kube_apply(fc_kube *k, const fc_resource *r, json_object *obj, const fc_apply_opts *o, json_object **out)
{
    const char *name = fc_json_get_str(obj, "metadata.name");
    const char *ns = fc_json_get_str(obj, "metadata.namespace");
    if (!name || !*name) return fc_err_set(FC_EINVAL, "apply: object has no metadata.name");
    if (!o || !o->field_manager) return fc_err_set(FC_EINVAL, "apply: a field manager is required");
    fc_buf p;
    fc_buf_init(&p, 0);
    fc_kube_path(&p, r, r->namespaced ? ns : NULL, name, o->subresource);
    fc_buf_puts(&p, "?fieldManager=");
    fc_kube_escape(&p, o->field_manager);
    if (o->force) fc_buf_puts(&p, "&force=true");
    if (o->dry_run) fc_buf_puts(&p, "&dryRun=All");
    /* JSON is YAML: send the object as the apply patch body */
    char *body = fc_json_dump(obj);
    int rc = json_call(k, "PATCH", p.ptr, "application/apply-patch+yaml", body, out);
    free(body);
    fc_buf_dispose(&p);
    return rc;
}

int fc_kube_update_retry(fc_kube *k, const fc_resource *r, const char *ns, const char *name, const char *sub,
                         fc_mutate_fn mutate, void *arg, int attempts, json_object **out)
{
    int rc = 0;
    if (out) *out = NULL;
    for (int i = 0; i < (attempts > 0 ? attempts : 5); i++) {
        json_object *obj = NULL;
        if ((rc = fc_kube_get(k, r, ns, name, &obj))) return rc;
        int m = mutate(obj, arg);
        if (m < 0) {
            json_object_put(obj);
            return m;
        }
        if (m == 1) {
            if (out) *out = obj;
            else json_object_put(obj);
            return 0;
        }
        rc = body_call(k, "PUT", r, ns, name, sub, obj, out);
        json_object_put(obj);
        if (rc != FC_ECONFLICT) return rc;
        fc_debug("conflict updating %s %s/%s, retrying", r->kind, ns ? ns : "", name);
    }
    return rc;
}
