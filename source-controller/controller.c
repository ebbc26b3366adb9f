/*
 * controller.c: source-controller's flags and manager wiring. The kinds
 * (GitRepository, HelmRepository, HelmChart, OCIRepository, Bucket) register
 * here as they are implemented; storage and the artifact server start in
 * on_init/on_leading.
 */
#include "fc/controller.h"
#include <stdint.h>

int source_controller_main(int argc, char **argv);

static char *storage_path, *storage_addr, *storage_adv_addr, *digest_algo, *kex_algos, *hostkey_algos;
static int64_t retention_ttl, retention_records, index_max, chart_max, chart_file_max, cache_max, cache_ttl, cache_purge;

static const fc_flag flags[] = {
    {"storage-path", FC_FLAG_STR, &storage_path, "/data", "The local storage path.", "STORAGE_PATH"},
    {"storage-addr", FC_FLAG_STR, &storage_addr, ":9090", "The address the static file server binds to.", "STORAGE_ADDRESS"},
    {"storage-adv-addr", FC_FLAG_STR, &storage_adv_addr, "", "The advertised address of the static file server.", "STORAGE_ADV_ADDR"},
    {"artifact-retention-ttl", FC_FLAG_DURATION, &retention_ttl, "60s",
     "The duration of time that artifacts from previous reconciliations will be kept in storage before being garbage collected.", NULL},
    {"artifact-retention-records", FC_FLAG_INT, &retention_records, "2",
     "The maximum number of artifacts to be kept in storage after a garbage collection.", NULL},
    {"artifact-digest-algo", FC_FLAG_STR, &digest_algo, "sha256", "The algorithm to use to calculate the digest of artifacts.", NULL},
    {"helm-index-max-size", FC_FLAG_INT, &index_max, "52428800", "The max allowed size in bytes of a Helm repository index file.", NULL},
    {"helm-chart-max-size", FC_FLAG_INT, &chart_max, "10485760", "The max allowed size in bytes of a Helm chart file.", NULL},
    {"helm-chart-file-max-size", FC_FLAG_INT, &chart_file_max, "5242880",
     "The max allowed size in bytes of a file in a Helm chart.", NULL},
    {"helm-cache-max-size", FC_FLAG_INT, &cache_max, "0", "The maximum size of the cache in number of indexes.", NULL},
    {"helm-cache-ttl", FC_FLAG_DURATION, &cache_ttl, "15m", "The TTL of an index in the cache.", NULL},
    {"helm-cache-purge-interval", FC_FLAG_DURATION, &cache_purge, "1m", "The interval at which the cache is purged of expired items.", NULL},
    {"ssh-kex-algos", FC_FLAG_STR, &kex_algos, "", "The list of key exchange algorithms to use for ssh connections.", NULL},
    {"ssh-hostkey-algos", FC_FLAG_STR, &hostkey_algos, "", "The list of hostkey algorithms to use for ssh connections.", NULL},
    {0},
};

int source_controller_main(int argc, char **argv)
{
    static const fc_kind *const kinds[] = {NULL};
    fc_manager_opts o = {
        .name = "source-controller",
        .summary = "source-controller: fetches GitRepository, HelmRepository, HelmChart, OCIRepository and Bucket sources and serves them as artifacts",
        .flags = flags,
        .kinds = kinds,
        .default_concurrent = 2,
    };
    return fc_manager_run(&o, argc, argv);
}
