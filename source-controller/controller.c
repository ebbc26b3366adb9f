/*
 * controller.c: source-controller's flags and manager wiring. The kinds
 * (GitRepository, HelmRepository, HelmChart, OCIRepository, Bucket) register
 * here as they are implemented. on_init validates the storage flags and opens
 * the artifact store (sc_storage); on_leading starts the artifact file server,
 * like Flux, which serves only from the leader.
 */
#include "sc.h"
#include "fc/controller.h"
#include "fc/err.h"
#include "fc/httpd.h"
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

static fc_httpd *artifact_server;

static int on_init(fc_manager *m, void *arg)
{
    (void)m;
    (void)arg;
    if (strcmp(digest_algo, "sha256") != 0)
        return fc_err_set(FC_EINVAL, "--artifact-digest-algo '%s' is not supported (only sha256)", digest_algo);
    if (retention_records < 1) return fc_err_set(FC_EINVAL, "--artifact-retention-records must be at least 1");
    if (sc_git_global_init()) return FC_ERR;
    const char *adv = storage_adv_addr;
    char host[300];
    if (!adv || !*adv) {
        /* Flux: the bind host, or localhost, or $HOSTNAME for 0.0.0.0 */
        const char *colon = strrchr(storage_addr, ':');
        size_t hl = colon ? (size_t)(colon - storage_addr) : strlen(storage_addr);
        const char *hn = getenv("HOSTNAME");
        if (hl == 0) snprintf(host, sizeof host, "localhost%s", colon ? colon : "");
        else if (hl == 7 && !strncmp(storage_addr, "0.0.0.0", 7)) snprintf(host, sizeof host, "%s%s", hn && *hn ? hn : "localhost", colon ? colon : "");
        else snprintf(host, sizeof host, "%s", storage_addr);
        adv = host;
    }
    if (sc_storage_init(&sc_store, storage_path, adv, retention_ttl, retention_records)) return FC_ERR;
    sc_cfg.digest_algo = digest_algo;
    fc_log(FC_LOG_INFO, "artifact storage at %s, advertised as %s", sc_store.root, sc_store.adv_addr);
    return 0;
}

static int on_leading(fc_manager *m, void *arg)
{
    (void)m;
    (void)arg;
    /* Flux starts the file server only once leading */
    artifact_server = sc_server_start(storage_addr, &sc_store);
    if (!artifact_server) return fc_err_wrap("artifact server");
    fc_log(FC_LOG_INFO, "artifact server listening on %s (port %d)", storage_addr, fc_httpd_port(artifact_server));
    return 0;
}

static void on_shutdown(fc_manager *m, void *arg)
{
    (void)m;
    (void)arg;
    fc_httpd_stop(artifact_server);
    artifact_server = NULL;
    sc_storage_dispose(&sc_store);
    sc_git_global_shutdown();
}

int source_controller_main(int argc, char **argv)
{
    static const fc_kind *const kinds[] = {&sc_gitrepository_kind, NULL};
    fc_manager_opts o = {
        .name = "source-controller",
        .summary = "source-controller: fetches GitRepository, HelmRepository, HelmChart, OCIRepository and Bucket sources and serves them as artifacts",
        .flags = flags,
        .kinds = kinds,
        .default_concurrent = 2,
        .on_init = on_init,
        .on_leading = on_leading,
        .on_shutdown = on_shutdown,
    };
    return fc_manager_run(&o, argc, argv);
}
