/*
 * controller.c: kustomize-controller's flags and manager wiring. The
 * Kustomization kind registers here once implemented.
 */
#include "fc/controller.h"
#include <stdint.h>

int kustomize_controller_main(int argc, char **argv);

static int64_t concurrent_ssa, http_retry;
static bool no_remote_bases;
static char *sops_age_secret, *default_decryption_sa, *default_kubeconfig_sa;
static fc_strlist override_managers;

static const fc_flag flags[] = {
    {"concurrent-ssa", FC_FLAG_INT, &concurrent_ssa, "4", "The number of concurrent server-side apply operations.", NULL},
    {"http-retry", FC_FLAG_INT, &http_retry, "9", "The maximum number of retries when failing to fetch artifacts over HTTP.", NULL},
    {"no-remote-bases", FC_FLAG_BOOL, &no_remote_bases, "false",
     "Disallow remote bases usage in Kustomize overlays. When this flag is enabled, all resources must refer to local files included in the source artifact.", NULL},
    {"sops-age-secret", FC_FLAG_STR, &sops_age_secret, "", "The name of a Secret in the runtime namespace containing SOPS age decryption keys.", NULL},
    {"default-decryption-service-account", FC_FLAG_STR, &default_decryption_sa, "", "Default service account for decryption.", NULL},
    {"default-kubeconfig-service-account", FC_FLAG_STR, &default_kubeconfig_sa, "", "Default service account for remote kubeconfigs.", NULL},
    {"override-manager", FC_FLAG_STRLIST, &override_managers, NULL,
     "Field manager disallowed to perform changes on managed resources.", NULL},
    {0},
};

int kustomize_controller_main(int argc, char **argv)
{
    static const fc_kind *const kinds[] = {NULL};
    fc_manager_opts o = {
        .name = "kustomize-controller",
        .summary = "kustomize-controller: builds Kustomizations from source artifacts and applies them with server-side apply",
        .flags = flags,
        .kinds = kinds,
        .default_concurrent = 4,
    };
    return fc_manager_run(&o, argc, argv);
}
