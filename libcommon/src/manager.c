/*
 * manager.c: process lifecycle shared by the four controllers
 * (fc/controller.h): the common Flux flags, client setup, a reachability
 * probe with backoff, informers, leader election, worker start, the
 * metrics/health servers, and graceful shutdown on SIGTERM/SIGINT.
 *
 * Signals are blocked in every thread (the mask is set before any thread
 * starts) and taken synchronously by the main thread with sigwait, so
 * shutdown runs in ordinary code: stop workers (draining in-flight
 * reconciles), release the lease, stop watches, flush events.
 */
#include "controller_internal.h"
#include "fc/duration.h"
#include "fc/err.h"
#include "fc/httpd.h"
#include "fc/json.h"
#include "fc/leader.h"
#include "fc/metrics.h"
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#ifndef FC_VERSION
#define FC_VERSION "dev"
#endif

#define MAX_KINDS 8
#define MAX_SHARED 16

typedef struct shared_inf {
    char *key;
    fc_informer *inf;
} shared_inf;

struct fc_manager {
    const fc_manager_opts *o;
    fc_kube_config *cfg;
    fc_kube *kube;
    fc_mapper *mapper;
    fc_loop *loop;
    fc_recorder *rec;
    fc_leader *leader;
    fc_httpd *metrics_srv, *health_srv;
    fc_controller *ctrls[MAX_KINDS];
    int nctrls;
    shared_inf shared[MAX_SHARED];
    int nshared;
    pthread_mutex_t mu;
    bool informers_started;
    char *runtime_ns;
    volatile int lost_leadership;
};

/* common flag values */
static char *f_kubeconfig, *f_metrics_addr, *f_health_addr, *f_log_level, *f_log_encoding, *f_watch_selector,
    *f_watch_configs_selector, *f_events_addr, *f_feature_gates, *f_default_sa;
static bool f_leader, f_release_on_cancel, f_watch_all, f_no_cross_ns;
static int64_t f_lease, f_renew, f_retry, f_concurrent, f_burst, f_jitter, f_requeue_dep, f_min_retry, f_max_retry;
static double f_qps;

static const fc_flag common_flags[] = {
    {"kubeconfig", FC_FLAG_STR, &f_kubeconfig, "", "Path to a kubeconfig. Only required if out-of-cluster.", NULL},
    {"metrics-addr", FC_FLAG_STR, &f_metrics_addr, ":8080", "The address the metric endpoint binds to.", NULL},
    {"health-addr", FC_FLAG_STR, &f_health_addr, ":9440", "The address the health endpoint binds to.", NULL},
    {"enable-leader-election", FC_FLAG_BOOL, &f_leader, "false",
     "Enable leader election for controller manager. Enabling this will ensure there is only one active controller manager.", NULL},
    {"leader-election-lease-duration", FC_FLAG_DURATION, &f_lease, "35s",
     "Interval at which non-leader candidates will wait to force acquire leadership.", NULL},
    {"leader-election-renew-deadline", FC_FLAG_DURATION, &f_renew, "30s",
     "Duration that the leading controller manager will retry refreshing leadership before giving up.", NULL},
    {"leader-election-retry-period", FC_FLAG_DURATION, &f_retry, "5s",
     "Duration the LeaderElector clients should wait between tries of actions.", NULL},
    {"leader-election-release-on-cancel", FC_FLAG_BOOL, &f_release_on_cancel, "true",
     "Defines if the leader should step down voluntarily on controller manager shutdown.", NULL},
    {"concurrent", FC_FLAG_INT, &f_concurrent, "4", "The number of concurrent reconciles per kind.", NULL},
    {"log-level", FC_FLAG_STR, &f_log_level, "info", "Log verbosity level: trace, debug, info or error.", NULL},
    {"log-encoding", FC_FLAG_STR, &f_log_encoding, "json", "Log encoding format. Can be 'json' or 'console'.", NULL},
    {"kube-api-qps", FC_FLAG_FLOAT, &f_qps, "50", "The maximum queries-per-second of requests sent to the Kubernetes API.", NULL},
    {"kube-api-burst", FC_FLAG_INT, &f_burst, "300", "The maximum burst queries-per-second of requests sent to the Kubernetes API.", NULL},
    {"watch-all-namespaces", FC_FLAG_BOOL, &f_watch_all, "true",
     "Watch for custom resources in all namespaces, if set to false it will only watch the runtime namespace.", NULL},
    {"watch-label-selector", FC_FLAG_STR, &f_watch_selector, "", "Watch for resources with matching labels e.g. 'sharding.fluxcd.io/shard=shard1'.", NULL},
    {"watch-configs-label-selector", FC_FLAG_STR, &f_watch_configs_selector, "reconcile.fluxcd.io/watch=Enabled",
     "Watch for ConfigMaps and Secrets with matching labels.", NULL},
    {"events-addr", FC_FLAG_STR, &f_events_addr, "", "The address of the events receiver.", NULL},
    {"requeue-dependency", FC_FLAG_DURATION, &f_requeue_dep, "30s", "The interval at which failing dependencies are reevaluated.", NULL},
    {"interval-jitter-percentage", FC_FLAG_INT, &f_jitter, "5",
     "Percentage of jitter to apply to interval durations. A value of 10 will apply a jitter of +/-10% to the interval duration.", NULL},
    {"min-retry-delay", FC_FLAG_DURATION, &f_min_retry, "750ms", "The minimum amount of time for which an object being reconciled will have to wait before a retry.", NULL},
    {"max-retry-delay", FC_FLAG_DURATION, &f_max_retry, "15m", "The maximum amount of time for which an object being reconciled will have to wait before a retry.", NULL},
    {"feature-gates", FC_FLAG_STR, &f_feature_gates, "", "A comma separated list of key=value pairs defining the state of experimental features.", NULL},
    {"no-cross-namespace-refs", FC_FLAG_BOOL, &f_no_cross_ns, "false",
     "When set to true, references between custom resources are allowed only if the reference and the referee are in the same namespace.", NULL},
    {"default-service-account", FC_FLAG_STR, &f_default_sa, "", "Default service account used for impersonation.", NULL},
    {0},
};

/* ------------------------------------------------------------- accessors */

fc_kube *fc_manager_kube(fc_manager *m) { return m->kube; }
fc_mapper *fc_manager_mapper(fc_manager *m) { return m->mapper; }
fc_loop *fc_manager_loop(fc_manager *m) { return m->loop; }
fc_recorder *fc_manager_recorder(fc_manager *m) { return m->rec; }
const char *fc_manager_name(fc_manager *m) { return m->o->name; }
const char *fc_manager_runtime_ns(fc_manager *m) { return m->runtime_ns; }
int64_t fc_manager_requeue_dependency(fc_manager *m) { (void)m; return f_requeue_dep; }
bool fc_manager_no_cross_ns_refs(fc_manager *m) { (void)m; return f_no_cross_ns; }
const char *fc_manager_default_sa(fc_manager *m) { (void)m; return f_default_sa && *f_default_sa ? f_default_sa : NULL; }
const char *fc_manager_events_addr(fc_manager *m) { (void)m; return f_events_addr && *f_events_addr ? f_events_addr : NULL; }
const char *fc_manager_watch_configs_selector(fc_manager *m)
{
    (void)m;
    return f_watch_configs_selector && *f_watch_configs_selector ? f_watch_configs_selector : NULL;
}

bool fc_manager_feature(fc_manager *m, const char *gate, bool def)
{
    (void)m;
    size_t gl = strlen(gate);
    for (const char *p = f_feature_gates; p && *p;) {
        const char *comma = strchr(p, ',');
        size_t n = comma ? (size_t)(comma - p) : strlen(p);
        if (n > gl && strncmp(p, gate, gl) == 0 && p[gl] == '=') {
            const char *v = p + gl + 1;
            size_t vl = n - gl - 1;
            return vl == 4 && strncmp(v, "true", 4) == 0;
        }
        p = comma ? comma + 1 : NULL;
    }
    return def;
}

int64_t fc_manager_jitter(fc_manager *m, int64_t interval)
{
    (void)m;
    if (interval <= 0 || f_jitter <= 0) return interval;
    double pct = (double)f_jitter / 100.0;
    double r = ((double)rand() / RAND_MAX) * 2.0 - 1.0; /* [-1, 1] */
    return interval + (int64_t)((double)interval * pct * r);
}

fc_controller *fc_manager_controller(fc_manager *m, const char *kind)
{
    for (int i = 0; i < m->nctrls; i++)
        if (!strcmp(m->ctrls[i]->kind->res.kind, kind)) return m->ctrls[i];
    return NULL;
}

static const char *scope_ns(fc_manager *m) { return f_watch_all ? NULL : m->runtime_ns; }

fc_informer *fc_manager_informer(fc_manager *m, const fc_resource *r, const char *selector)
{
    char key[512];
    snprintf(key, sizeof key, "%s/%s/%s?%s", r->group, r->version, r->resource, selector ? selector : "");
    pthread_mutex_lock(&m->mu);
    for (int i = 0; i < m->nshared; i++)
        if (!strcmp(m->shared[i].key, key)) {
            pthread_mutex_unlock(&m->mu);
            return m->shared[i].inf;
        }
    for (int i = 0; i < m->nctrls; i++) {
        const fc_resource *cr = &m->ctrls[i]->kind->res;
        if (!selector && !strcmp(cr->group, r->group) && !strcmp(cr->resource, r->resource) && !strcmp(cr->version, r->version)) {
            pthread_mutex_unlock(&m->mu);
            return m->ctrls[i]->informer;
        }
    }
    fc_informer *inf = NULL;
    if (m->nshared < MAX_SHARED) {
        fc_informer_opts io = {.ns = r->namespaced ? scope_ns(m) : NULL, .label_selector = selector};
        inf = fc_informer_new(m->loop, m->kube, r, &io);
        m->shared[m->nshared].key = strdup(key);
        m->shared[m->nshared].inf = inf;
        m->nshared++;
        if (m->informers_started) fc_informer_start(inf);
    }
    pthread_mutex_unlock(&m->mu);
    return inf;
}

/* ---------------------------------------------------------------- servers */

static bool all_synced(fc_manager *m)
{
    for (int i = 0; i < m->nctrls; i++)
        if (!fc_informer_synced(m->ctrls[i]->informer)) return false;
    return true;
}

static void wq_collector(fc_buf *out, void *arg)
{
    fc_manager *m = arg;
    static const char *const hdr =
        "# HELP workqueue_depth Current depth of workqueue\n# TYPE workqueue_depth gauge\n";
    fc_buf_puts(out, hdr);
    for (int i = 0; i < m->nctrls; i++) {
        fc_wq_stats s;
        fc_wq_get_stats(m->ctrls[i]->queue, &s);
        fc_buf_printf(out, "workqueue_depth{name=\"%s\"} %zu\n", m->ctrls[i]->kind->controller_name, s.depth);
    }
    fc_buf_puts(out, "# HELP workqueue_adds_total Total number of adds handled by workqueue\n# TYPE workqueue_adds_total counter\n");
    for (int i = 0; i < m->nctrls; i++) {
        fc_wq_stats s;
        fc_wq_get_stats(m->ctrls[i]->queue, &s);
        fc_buf_printf(out, "workqueue_adds_total{name=\"%s\"} %llu\n", m->ctrls[i]->kind->controller_name, (unsigned long long)s.adds);
    }
    fc_buf_puts(out, "# HELP workqueue_retries_total Total number of retries handled by workqueue\n# TYPE workqueue_retries_total counter\n");
    for (int i = 0; i < m->nctrls; i++) {
        fc_wq_stats s;
        fc_wq_get_stats(m->ctrls[i]->queue, &s);
        fc_buf_printf(out, "workqueue_retries_total{name=\"%s\"} %llu\n", m->ctrls[i]->kind->controller_name, (unsigned long long)s.retries);
    }
    fc_buf_puts(out, "# HELP workqueue_longest_running_processor_seconds How many seconds has the longest running processor for workqueue been running.\n"
                     "# TYPE workqueue_longest_running_processor_seconds gauge\n");
    for (int i = 0; i < m->nctrls; i++) {
        fc_wq_stats s;
        fc_wq_get_stats(m->ctrls[i]->queue, &s);
        fc_buf_printf(out, "workqueue_longest_running_processor_seconds{name=\"%s\"} %.6f\n", m->ctrls[i]->kind->controller_name,
                      s.in_flight ? s.longest_running_seconds : 0.0);
    }
    static const char *const durs[][2] = {
        {"workqueue_queue_duration_seconds", "How long in seconds an item stays in workqueue before being requested"},
        {"workqueue_work_duration_seconds", "How long in seconds processing an item from workqueue takes"},
    };
    for (int d = 0; d < 2; d++) {
        fc_buf_printf(out, "# HELP %s %s.\n# TYPE %s histogram\n", durs[d][0], durs[d][1], durs[d][0]);
        for (int i = 0; i < m->nctrls; i++) {
            fc_wq_stats s;
            fc_wq_get_stats(m->ctrls[i]->queue, &s);
            const char *n = m->ctrls[i]->kind->controller_name;
            unsigned long long cnt = d ? s.work_count : s.queue_count;
            fc_buf_printf(out, "%s_bucket{name=\"%s\",le=\"+Inf\"} %llu\n%s_sum{name=\"%s\"} %.6f\n%s_count{name=\"%s\"} %llu\n",
                          durs[d][0], n, cnt, durs[d][0], n, d ? s.work_seconds_sum : s.queue_seconds_sum, durs[d][0], n, cnt);
        }
    }
    fc_buf_puts(out, "# HELP controller_runtime_max_concurrent_reconciles Maximum number of concurrent reconciles per controller\n"
                     "# TYPE controller_runtime_max_concurrent_reconciles gauge\n");
    for (int i = 0; i < m->nctrls; i++)
        fc_buf_printf(out, "controller_runtime_max_concurrent_reconciles{controller=\"%s\"} %d\n",
                      m->ctrls[i]->kind->controller_name, m->ctrls[i]->workers);
    fc_buf_puts(out, "# HELP controller_runtime_active_workers Number of currently used workers per controller\n"
                     "# TYPE controller_runtime_active_workers gauge\n");
    for (int i = 0; i < m->nctrls; i++) {
        fc_wq_stats s;
        fc_wq_get_stats(m->ctrls[i]->queue, &s);
        fc_buf_printf(out, "controller_runtime_active_workers{controller=\"%s\"} %zu\n", m->ctrls[i]->kind->controller_name, s.in_flight);
    }
    fc_kube_stats ks;
    fc_kube_get_stats(m->kube, &ks);
    fc_buf_puts(out, "# HELP rest_client_requests_total Number of HTTP requests, partitioned by status code class.\n"
                     "# TYPE rest_client_requests_total counter\n");
    static const char *const cls[] = {"<error>", "1xx", "2xx", "3xx", "4xx", "5xx"};
    for (int c = 0; c < 6; c++)
        if (ks.by_class[c]) fc_buf_printf(out, "rest_client_requests_total{code=\"%s\"} %llu\n", cls[c], (unsigned long long)ks.by_class[c]);
}

static void metrics_handler(const fc_http_req *req, fc_http_resp *resp, void *arg)
{
    (void)arg;
    if (strcmp(req->path, "/metrics") != 0) {
        fc_http_resp_text(resp, 404, "404 page not found\n");
        return;
    }
    resp->content_type = "text/plain; version=0.0.4; charset=utf-8";
    fc_metrics_render(&resp->body);
}

static void health_handler(const fc_http_req *req, fc_http_resp *resp, void *arg)
{
    fc_manager *m = arg;
    if (!strcmp(req->path, "/healthz")) fc_http_resp_text(resp, 200, "ok");
    else if (!strcmp(req->path, "/readyz")) {
        if (all_synced(m)) fc_http_resp_text(resp, 200, "ok");
        else fc_http_resp_text(resp, 500, "informers not synced\n");
    } else fc_http_resp_text(resp, 404, "404 page not found\n");
}

/* ------------------------------------------------------------- lifecycle */

static int wait_signal(const sigset_t *set, int64_t timeout_ns)
{
    struct timespec ts = {timeout_ns / FC_NS_PER_S, timeout_ns % FC_NS_PER_S};
    for (;;) {
        int s = timeout_ns >= 0 ? sigtimedwait(set, NULL, &ts) : sigwaitinfo(set, NULL);
        if (s >= 0) return s;
        if (errno == EAGAIN) return 0;
        if (errno != EINTR) return 0;
    }
}

/* Wait until the API server answers, logging clearly and backing off. */
static int probe_api(fc_manager *m, const sigset_t *sigs)
{
    int64_t delay = FC_NS_PER_S;
    for (int attempt = 0;; attempt++) {
        fc_buf resp;
        fc_buf_init(&resp, 1 << 20);
        fc_kube_req req = {.method = "GET", .path = "/version", .timeout_ms = 10000};
        long st;
        int rc = fc_kube_do(m->kube, &req, &st, &resp);
        fc_buf_dispose(&resp);
        if (rc == 0 || st == 401 || st == 403) {
            if (rc) fc_log(FC_LOG_ERROR, "the Kubernetes API server at %s rejected our credentials: %s", m->cfg->server, fc_err_msg());
            if (attempt) fc_log(FC_LOG_INFO, "connected to the Kubernetes API server at %s", m->cfg->server);
            return 0;
        }
        char ds[32];
        fc_duration_format(delay, ds, sizeof ds);
        fc_log_kv(FC_LOG_ERROR, "unable to reach the Kubernetes API server, retrying", "server", m->cfg->server,
                  "error", fc_err_msg(), "retryIn", ds, NULL);
        if (wait_signal(sigs, delay)) return -1;
        delay *= 2;
        if (delay > 30 * FC_NS_PER_S) delay = 30 * FC_NS_PER_S;
    }
}

static void start_workers(fc_manager *m)
{
    if (m->o->on_leading && m->o->on_leading(m, m->o->arg)) {
        fc_log(FC_LOG_ERROR, "startup failed: %s", fc_err_msg());
        kill(getpid(), SIGTERM);
        return;
    }
    for (int i = 0; i < m->nctrls; i++) {
        fc_controller *c = m->ctrls[i];
        fc_log(FC_LOG_INFO, "Starting workers for %s (%d)", c->kind->controller_name, c->workers);
        fc__controller_start_workers(c);
    }
}

static void leader_started(void *arg) { start_workers(arg); }

static void leader_lost(void *arg)
{
    fc_manager *m = arg;
    m->lost_leadership = 1;
    kill(getpid(), SIGTERM);
}

static char *identity(void)
{
    char host[256] = "";
    gethostname(host, sizeof host - 1);
    unsigned char b[8];
    FILE *f = fopen("/dev/urandom", "rb");
    if (!f || fread(b, 1, sizeof b, f) != sizeof b)
        for (int i = 0; i < 8; i++) b[i] = (unsigned char)rand();
    if (f) fclose(f);
    char *id = malloc(320);
    snprintf(id, 320, "%s_%02x%02x%02x%02x-%02x%02x-%02x%02x", host, b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]);
    return id;
}

int fc_manager_run(const fc_manager_opts *o, int argc, char **argv)
{
    /* the common table with this binary's default for --concurrent */
    static fc_flag table[sizeof common_flags / sizeof common_flags[0]];
    static char conc_def[16];
    snprintf(conc_def, sizeof conc_def, "%d", o->default_concurrent > 0 ? o->default_concurrent : 4);
    memcpy(table, common_flags, sizeof common_flags);
    for (fc_flag *f = table; f->name; f++)
        if (!strcmp(f->name, "concurrent")) {
            f->def = conc_def;
            f->usage = "The number of concurrent reconciles per kind.";
        }
    fc_flagset fs = {o->name, o->summary, o->flags, table};
    int prc = fc_flags_parse(&fs, argc, argv, NULL, NULL);
    if (prc == 1) return 0;
    if (prc) return 2;
    fc_log_set_component(o->name);
    if (fc_log_set_level(f_log_level)) {
        fprintf(stderr, "%s: invalid --log-level \"%s\" (want trace, debug, info or error)\n", o->name, f_log_level);
        fc_flags_dispose(&fs);
        return 2;
    }
    if (strcmp(f_log_encoding, "json") != 0 && strcmp(f_log_encoding, "console") != 0) {
        fprintf(stderr, "%s: invalid --log-encoding \"%s\" (want json or console)\n", o->name, f_log_encoding);
        fc_flags_dispose(&fs);
        return 2;
    }
    if (f_concurrent < 1) {
        fprintf(stderr, "%s: --concurrent must be at least 1\n", o->name);
        fc_flags_dispose(&fs);
        return 2;
    }
    if (f_min_retry <= 0 || f_max_retry < f_min_retry) {
        fprintf(stderr, "%s: --min-retry-delay must be positive and not above --max-retry-delay\n", o->name);
        fc_flags_dispose(&fs);
        return 2;
    }
    srand((unsigned)(fc_now_wall_ns() ^ (int64_t)getpid()));
    fc_manager *m = calloc(1, sizeof *m);
    m->o = o;
    pthread_mutex_init(&m->mu, NULL);
    if (fc_kubeconfig_load(f_kubeconfig, &m->cfg)) {
        fprintf(stderr, "%s: %s\n", o->name, fc_err_msg());
        fc_flags_dispose(&fs);
        free(m);
        return 2;
    }
    const char *rns = getenv("RUNTIME_NAMESPACE");
    m->runtime_ns = strdup(rns && *rns ? rns : m->cfg->ns && *m->cfg->ns ? m->cfg->ns : "default");

    sigset_t sigs;
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGINT);
    sigaddset(&sigs, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &sigs, NULL);
    signal(SIGPIPE, SIG_IGN);

    char ua[128];
    snprintf(ua, sizeof ua, "%s/%s", o->name, FC_VERSION);
    fc_kube_opts ko = {.qps = f_qps, .burst = (int)f_burst, .user_agent = ua};
    m->kube = fc_kube_new(m->cfg, &ko);
    m->mapper = fc_mapper_new(m->kube);
    m->loop = fc_loop_new();
    fc__controller_metrics_init();
    fc_metrics_add_process_collector();
    fc_metrics_add_collector(wq_collector, m);
    int exit_code = 0;
    m->rec = fc_recorder_new(m->kube, o->name, f_events_addr);
    fc_log(FC_LOG_INFO, "starting %s %s (API server %s, from %s)", o->name, FC_VERSION, m->cfg->server, m->cfg->source);
    if (o->on_init && o->on_init(m, o->arg)) {
        fc_log(FC_LOG_ERROR, "startup failed: %s", fc_err_msg());
        exit_code = 1;
        goto cleanup_early;
    }
    fc_loop_start(m->loop);
    if (probe_api(m, &sigs)) goto shutdown;

    for (const fc_kind *const *k = o->kinds; k && *k && m->nctrls < MAX_KINDS; k++) {
        int w = (int)f_concurrent;
        fc_controller *c = fc__controller_new(m, *k, w, scope_ns(m), f_watch_selector, f_min_retry, f_max_retry);
        m->ctrls[m->nctrls++] = c;
    }
    for (int i = 0; i < m->nctrls; i++)
        if (m->ctrls[i]->kind->setup && m->ctrls[i]->kind->setup(m->ctrls[i])) {
            fc_log(FC_LOG_ERROR, "setup of %s failed: %s", m->ctrls[i]->kind->controller_name, fc_err_msg());
            exit_code = 1;
            goto shutdown;
        }
    pthread_mutex_lock(&m->mu);
    m->informers_started = true;
    for (int i = 0; i < m->nctrls; i++) fc_informer_start(m->ctrls[i]->informer);
    for (int i = 0; i < m->nshared; i++) fc_informer_start(m->shared[i].inf);
    pthread_mutex_unlock(&m->mu);

    if (f_metrics_addr && *f_metrics_addr && strcmp(f_metrics_addr, "0")) {
        m->metrics_srv = fc_httpd_start(f_metrics_addr, NULL, metrics_handler, m);
        if (!m->metrics_srv) fc_log(FC_LOG_ERROR, "metrics server: %s", fc_err_msg());
    }
    if (f_health_addr && *f_health_addr && strcmp(f_health_addr, "0")) {
        m->health_srv = fc_httpd_start(f_health_addr, NULL, health_handler, m);
        if (!m->health_srv) fc_log(FC_LOG_ERROR, "health server: %s", fc_err_msg());
    }
    if (f_leader) {
        char lname[256];
        snprintf(lname, sizeof lname, "%s-leader-election", o->name);
        char *id = identity();
        fc_leader_opts lo = {m->runtime_ns, lname, id, f_lease, f_renew, f_retry};
        m->leader = fc_leader_new(m->kube, &lo);
        free(id);
        fc_leader_start(m->leader, leader_started, leader_lost, m);
    } else {
        start_workers(m);
    }
    int sig = wait_signal(&sigs, -1);
    fc_log(FC_LOG_INFO, "%s, shutting down: waiting for in-flight reconciles",
           m->lost_leadership ? "leader election lost" : sig == SIGINT ? "interrupted" : "terminated");
shutdown:
    for (int i = 0; i < m->nctrls; i++) fc__controller_stop_workers(m->ctrls[i]);
    if (m->leader) {
        fc_leader_stop(m->leader, f_release_on_cancel && !m->lost_leadership);
        fc_leader_free(m->leader);
    }
    if (o->on_shutdown) o->on_shutdown(m, o->arg);
    for (int i = 0; i < m->nctrls; i++) fc_informer_stop(m->ctrls[i]->informer);
    for (int i = 0; i < m->nshared; i++) fc_informer_stop(m->shared[i].inf);
    fc_httpd_stop(m->metrics_srv);
    fc_httpd_stop(m->health_srv);
    fc_loop_stop(m->loop);
    if (m->lost_leadership) exit_code = 1;
cleanup_early:
    fc_recorder_free(m->rec);
    for (int i = 0; i < m->nctrls; i++) fc__controller_free(m->ctrls[i]);
    for (int i = 0; i < m->nshared; i++) {
        fc_informer_free(m->shared[i].inf);
        free(m->shared[i].key);
    }
    fc_loop_free(m->loop);
    fc_mapper_free(m->mapper);
    fc_kube_free(m->kube);
    fc_kube_config_free(m->cfg);
    free(m->runtime_ns);
    pthread_mutex_destroy(&m->mu);
    free(m);
    fc_flags_dispose(&fs);
    fc_log(FC_LOG_INFO, "stopped");
    return exit_code;
}
