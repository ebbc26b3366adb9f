/*
 * controller.c: helm-controller's flags and manager wiring. The HelmRelease
 * kind registers here once implemented.
 */
#include "fc/controller.h"
#include <stdint.h>

int helm_controller_main(int argc, char **argv);

static int64_t graceful_timeout, http_retry;
static char *snapshot_algo;

static const fc_flag flags[] = {
    {"graceful-shutdown-timeout", FC_FLAG_DURATION, &graceful_timeout, "600s",
     "The duration given to the reconciler to finish before forcibly stopping.", NULL},
    {"http-retry", FC_FLAG_INT, &http_retry, "9", "The maximum number of retries when failing to fetch artifacts over HTTP.", NULL},
    {"snapshot-digest-algo", FC_FLAG_STR, &snapshot_algo, "sha256", "The algorithm to use to calculate the digest of Helm release storage snapshots.", NULL},
    {0},
};

int helm_controller_main(int argc, char **argv)
{
    static const fc_kind *const kinds[] = {NULL};
    fc_manager_opts o = {
        .name = "helm-controller",
        .summary = "helm-controller: installs and upgrades HelmReleases (also: helm-controller template NAME CHART)",
        .flags = flags,
        .kinds = kinds,
        .default_concurrent = 4,
    };
    return fc_manager_run(&o, argc, argv);
}
