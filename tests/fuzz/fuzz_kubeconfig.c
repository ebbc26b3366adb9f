/* Fuzz target: kubeconfig parsing (YAML, base64 data fields, context,
 * cluster and user resolution, exec plugin sections). Must never crash or
 * leak, whatever the input. */
#include "fc/kubeconfig.h"
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fc_kube_config *c = NULL;
    if (fc_kubeconfig_parse((const char *)data, size, "/nonexistent", NULL, &c) == 0) fc_kube_config_free(c);
    return 0;
}
