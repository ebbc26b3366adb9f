/* Fuzz target: kustomize-controller's postBuild ${var} parser and evaluator
 * (envsubst.c), which runs on every string of every built manifest. Each
 * input is substituted with a fixed variable set in both lenient and strict
 * mode; the result must be bounded and a failure must leave an error. */
#include "fc/err.h"
#include "../../kustomize-controller/ksc.h"
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static const char *lookup(const char *name, void *arg)
{
    (void)arg;
    if (!strcmp(name, "a")) return "a/b.c/d";
    if (!strcmp(name, "e")) return "";
    if (!strcmp(name, "u")) return "\xc3\xa9t\xc3\xa9";
    return NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    for (int strict = 0; strict < 2; strict++) {
        fc_buf out;
        fc_buf_init(&out, 1 << 20);
        ksc_envsubst_opts o = {lookup, NULL, strict == 1, 1 << 20, 100000};
        size_t at = 0;
        int rc = ksc_envsubst((const char *)data, size, &o, &out, &at);
        if (rc && !*fc_err_msg()) abort();
        if (rc == 0 && out.len > (1 << 20)) abort();
        fc_buf_dispose(&out);
    }
    return 0;
}
