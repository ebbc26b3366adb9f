/*
 * controller.c: notification-controller's flags and manager wiring. The
 * event server, Receiver server and the Provider/Alert/Receiver kinds
 * register here once implemented.
 */
#include "fc/controller.h"
#include <stdint.h>

int notification_controller_main(int argc, char **argv);

static char *events_listen, *receiver_addr;
static int64_t rate_limit_interval;
static bool export_http_path_metrics;

static const fc_flag flags[] = {
    {"events-addr", FC_FLAG_STR, &events_listen, ":9090", "The address the event endpoint binds to.", NULL},
    {"receiverAddr", FC_FLAG_STR, &receiver_addr, ":9292", "The address the webhook receiver endpoint binds to.", NULL},
    {"rate-limit-interval", FC_FLAG_DURATION, &rate_limit_interval, "5m", "Interval in which rate limit has effect.", NULL},
    {"export-http-path-metrics", FC_FLAG_BOOL, &export_http_path_metrics, "false",
     "When enabled, the requests full path is included in the HTTP server metrics (risk as high cardinality).", NULL},
    {0},
};

int notification_controller_main(int argc, char **argv)
{
    static const fc_kind *const kinds[] = {NULL};
    fc_manager_opts o = {
        .name = "notification-controller",
        .summary = "notification-controller: dispatches events to Alerts and Providers, serves Receiver webhooks",
        .flags = flags,
        .kinds = kinds,
        .default_concurrent = 4,
    };
    return fc_manager_run(&o, argc, argv);
}
