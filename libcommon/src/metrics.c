/*
 * metrics.c: the Prometheus registry (fc/metrics.h). Series live in a
 * string map per metric keyed by the joined label values; one mutex guards
 * the whole registry, which is cheap at the update rates controllers have.
 * Numbers are printed like the Go client (shortest 'g', +Inf).
 */
#include "fc/metrics.h"
#include "fc/gofmt.h"
#include "fc/strmap.h"
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <dirent.h>
#include <unistd.h>
#include <time.h>

typedef enum { T_COUNTER, T_GAUGE, T_HISTOGRAM } mtype;

typedef struct series {
    char **values;
    double v;          /* counter/gauge value or histogram sum */
    uint64_t count;    /* histogram count */
    uint64_t *buckets; /* cumulative at render time */
} series;

struct fc_metric {
    char *name, *help;
    mtype type;
    char **labels;
    int nlabels;
    double *bounds;
    int nbounds;
    fc_strmap *series;
    struct fc_metric *next;
};

typedef struct collector {
    void (*fn)(fc_buf *, void *);
    void *arg;
    struct collector *next;
} collector;

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static fc_metric *metrics;
static collector *collectors;
static double process_start;

static void series_free(void *p)
{
    series *s = p;
    if (!s) return;
    for (char **v = s->values; v && *v; v++) free(*v);
    free(s->values);
    free(s->buckets);
    free(s);
}

static fc_metric *reg(const char *name, const char *help, const char *const *labels, mtype t, const double *b, int nb)
{
    pthread_mutex_lock(&mu);
    for (fc_metric *m = metrics; m; m = m->next)
        if (!strcmp(m->name, name)) {
            pthread_mutex_unlock(&mu);
            return m;
        }
    fc_metric *m = calloc(1, sizeof *m);
    m->name = strdup(name);
    m->help = strdup(help);
    m->type = t;
    while (labels && labels[m->nlabels]) m->nlabels++;
    m->labels = calloc((size_t)m->nlabels + 1, sizeof(char *));
    for (int i = 0; i < m->nlabels; i++) m->labels[i] = strdup(labels[i]);
    if (nb > 0) {
        m->bounds = malloc((size_t)nb * sizeof(double));
        memcpy(m->bounds, b, (size_t)nb * sizeof(double));
        m->nbounds = nb;
    }
    m->series = fc_strmap_new(series_free);
    /* append to keep registration order stable in the output */
    fc_metric **p = &metrics;
    while (*p) p = &(*p)->next;
    *p = m;
    pthread_mutex_unlock(&mu);
    return m;
}

fc_metric *fc_metric_counter(const char *name, const char *help, const char *const *labels)
{
    return reg(name, help, labels, T_COUNTER, NULL, 0);
}

fc_metric *fc_metric_gauge(const char *name, const char *help, const char *const *labels)
{
    return reg(name, help, labels, T_GAUGE, NULL, 0);
}

fc_metric *fc_metric_histogram(const char *name, const char *help, const char *const *labels, const double *b, int nb)
{
    return reg(name, help, labels, T_HISTOGRAM, b, nb);
}

static void series_key(fc_metric *m, const char *const *values, fc_buf *k)
{
    for (int i = 0; i < m->nlabels; i++) {
        if (i) fc_buf_putc(k, '\x1f');
        fc_buf_puts(k, values && values[i] ? values[i] : "");
    }
    if (!k->ptr) fc_buf_puts(k, "");
}

static series *get_series(fc_metric *m, const char *const *values)
{
    fc_buf k;
    fc_buf_init(&k, 0);
    series_key(m, values, &k);
    series *s = fc_strmap_get(m->series, k.ptr);
    if (!s) {
        s = calloc(1, sizeof *s);
        s->values = calloc((size_t)m->nlabels + 1, sizeof(char *));
        for (int i = 0; i < m->nlabels; i++) s->values[i] = strdup(values && values[i] ? values[i] : "");
        if (m->type == T_HISTOGRAM) s->buckets = calloc((size_t)m->nbounds, sizeof(uint64_t));
        fc_strmap_put(m->series, k.ptr, s);
    }
    fc_buf_dispose(&k);
    return s;
}

void fc_metric_add(fc_metric *m, const char *const *values, double v)
{
    pthread_mutex_lock(&mu);
    get_series(m, values)->v += v;
    pthread_mutex_unlock(&mu);
}

void fc_metric_set(fc_metric *m, const char *const *values, double v)
{
    pthread_mutex_lock(&mu);
    get_series(m, values)->v = v;
    pthread_mutex_unlock(&mu);
}

void fc_metric_observe(fc_metric *m, const char *const *values, double v)
{
    pthread_mutex_lock(&mu);
    series *s = get_series(m, values);
    s->v += v;
    s->count++;
    for (int i = 0; i < m->nbounds; i++)
        if (v <= m->bounds[i]) {
            s->buckets[i]++;
            break;
        }
    pthread_mutex_unlock(&mu);
}

void fc_metric_remove(fc_metric *m, const char *const *values)
{
    fc_buf k;
    fc_buf_init(&k, 0);
    series_key(m, values, &k);
    pthread_mutex_lock(&mu);
    fc_strmap_del(m->series, k.ptr);
    pthread_mutex_unlock(&mu);
    fc_buf_dispose(&k);
}

void fc_metrics_add_collector(void (*fn)(fc_buf *, void *), void *arg)
{
    collector *c = calloc(1, sizeof *c);
    c->fn = fn;
    c->arg = arg;
    pthread_mutex_lock(&mu);
    c->next = collectors;
    collectors = c;
    pthread_mutex_unlock(&mu);
}

static void put_num(fc_buf *out, double v)
{
    char b[64];
    if (isinf(v)) fc_buf_puts(out, v > 0 ? "+Inf" : "-Inf");
    else {
        fc_go_format_float(v, 'g', -1, b, sizeof b);
        fc_buf_puts(out, b);
    }
}

static void put_escaped(fc_buf *out, const char *s)
{
    for (; *s; s++) {
        if (*s == '\\') fc_buf_puts(out, "\\\\");
        else if (*s == '"') fc_buf_puts(out, "\\\"");
        else if (*s == '\n') fc_buf_puts(out, "\\n");
        else fc_buf_putc(out, *s);
    }
}

static void put_labels(fc_buf *out, fc_metric *m, series *s, const char *le)
{
    if (!m->nlabels && !le) return;
    fc_buf_putc(out, '{');
    for (int i = 0; i < m->nlabels; i++) {
        if (i) fc_buf_putc(out, ',');
        fc_buf_printf(out, "%s=\"", m->labels[i]);
        put_escaped(out, s->values[i]);
        fc_buf_putc(out, '"');
    }
    if (le) fc_buf_printf(out, "%sle=\"%s\"", m->nlabels ? "," : "", le);
    fc_buf_putc(out, '}');
}

void fc_metrics_render(fc_buf *out)
{
    static const char *const tn[] = {"counter", "gauge", "histogram"};
    pthread_mutex_lock(&mu);
    for (fc_metric *m = metrics; m; m = m->next) {
        fc_buf_printf(out, "# HELP %s %s\n# TYPE %s %s\n", m->name, m->help, m->name, tn[m->type]);
        size_t n;
        const char **keys = fc_strmap_keys(m->series, &n);
        for (size_t i = 0; i < n; i++) {
            series *s = fc_strmap_get(m->series, keys[i]);
            if (m->type != T_HISTOGRAM) {
                fc_buf_puts(out, m->name);
                put_labels(out, m, s, NULL);
                fc_buf_putc(out, ' ');
                put_num(out, s->v);
                fc_buf_putc(out, '\n');
                continue;
            }
            uint64_t cum = 0;
            for (int b = 0; b < m->nbounds; b++) {
                char le[64];
                cum += s->buckets[b];
                fc_go_format_float(m->bounds[b], 'g', -1, le, sizeof le);
                fc_buf_printf(out, "%s_bucket", m->name);
                put_labels(out, m, s, le);
                fc_buf_printf(out, " %llu\n", (unsigned long long)cum);
            }
            fc_buf_printf(out, "%s_bucket", m->name);
            put_labels(out, m, s, "+Inf");
            fc_buf_printf(out, " %llu\n%s_sum", (unsigned long long)s->count, m->name);
            put_labels(out, m, s, NULL);
            fc_buf_putc(out, ' ');
            put_num(out, s->v);
            fc_buf_printf(out, "\n%s_count", m->name);
            put_labels(out, m, s, NULL);
            fc_buf_printf(out, " %llu\n", (unsigned long long)s->count);
        }
        free(keys);
    }
    for (collector *c = collectors; c; c = c->next) c->fn(out, c->arg);
    pthread_mutex_unlock(&mu);
}

static void process_collector(fc_buf *out, void *arg)
{
    (void)arg;
    long page = sysconf(_SC_PAGESIZE);
    unsigned long long size = 0, rss = 0;
    FILE *f = fopen("/proc/self/statm", "r");
    if (f) {
        if (fscanf(f, "%llu %llu", &size, &rss) != 2) size = rss = 0;
        fclose(f);
    }
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    double cpu = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
                 (double)ru.ru_stime.tv_usec / 1e6;
    int fds = 0;
    DIR *d = opendir("/proc/self/fd");
    if (d) {
        struct dirent *e;
        while ((e = readdir(d)))
            if (e->d_name[0] != '.') fds++;
        closedir(d);
    }
    struct rlimit rl;
    getrlimit(RLIMIT_NOFILE, &rl);
    fc_buf_printf(out, "# HELP process_cpu_seconds_total Total user and system CPU time spent in seconds.\n"
                       "# TYPE process_cpu_seconds_total counter\nprocess_cpu_seconds_total ");
    put_num(out, cpu);
    fc_buf_printf(out, "\n# HELP process_resident_memory_bytes Resident memory size in bytes.\n"
                       "# TYPE process_resident_memory_bytes gauge\nprocess_resident_memory_bytes %llu\n"
                       "# HELP process_virtual_memory_bytes Virtual memory size in bytes.\n"
                       "# TYPE process_virtual_memory_bytes gauge\nprocess_virtual_memory_bytes %llu\n"
                       "# HELP process_open_fds Number of open file descriptors.\n"
                       "# TYPE process_open_fds gauge\nprocess_open_fds %d\n"
                       "# HELP process_max_fds Maximum number of open file descriptors.\n"
                       "# TYPE process_max_fds gauge\nprocess_max_fds %llu\n"
                       "# HELP process_start_time_seconds Start time of the process since unix epoch in seconds.\n"
                       "# TYPE process_start_time_seconds gauge\nprocess_start_time_seconds ",
                  rss * (unsigned long long)page, size * (unsigned long long)page, fds,
                  (unsigned long long)rl.rlim_cur);
    put_num(out, process_start);
    fc_buf_putc(out, '\n');
}

void fc_metrics_add_process_collector(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    process_start = (double)ts.tv_sec;
    fc_metrics_add_collector(process_collector, NULL);
}
