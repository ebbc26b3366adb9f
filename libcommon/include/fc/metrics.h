/*
 * fc/metrics.h: a small Prometheus registry (counters, gauges, histograms
 * with labels) rendered in the text exposition format. Metric names and
 * labels follow Flux and controller-runtime so existing dashboards work:
 * gotk_reconcile_duration_seconds, controller_runtime_reconcile_total,
 * workqueue_*, rest_client_requests_total, process_*.
 */
#ifndef FC_METRICS_H
#define FC_METRICS_H
#include "fc/buf.h"

typedef struct fc_metric fc_metric;

/* labels: NULL-terminated label names (NULL for none). Registered globally;
 * registering the same name twice returns the existing metric. */
fc_metric *fc_metric_counter(const char *name, const char *help, const char *const *labels);
fc_metric *fc_metric_gauge(const char *name, const char *help, const char *const *labels);
fc_metric *fc_metric_histogram(const char *name, const char *help, const char *const *labels, const double *buckets,
                               int nbuckets);
/* values: one per label name, in order. */
void fc_metric_add(fc_metric *m, const char *const *values, double v);
void fc_metric_set(fc_metric *m, const char *const *values, double v);
void fc_metric_observe(fc_metric *m, const char *const *values, double v);
void fc_metric_remove(fc_metric *m, const char *const *values);
/* A collector appends ready-made exposition text at render time. */
void fc_metrics_add_collector(void (*fn)(fc_buf *out, void *arg), void *arg);
void fc_metrics_render(fc_buf *out);
/* Process metrics collector (RSS, CPU, fds, start time). */
void fc_metrics_add_process_collector(void);

#endif
