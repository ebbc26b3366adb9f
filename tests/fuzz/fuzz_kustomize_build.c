/* Fuzz target: a whole build. The input is split at the first line
 * "---8<---" into kustomization.yaml and res.yaml, written into a private
 * directory that is also the filesystem root, and built; the build must
 * end with a result or an error, never a crash, and never read outside. */
#include "../../kustomize-controller/engine/ks_internal.h"
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char dir[64];

static void put(const char *name, const char *p, size_t n)
{
    char path[128];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (!f) abort();
    if (n) fwrite(p, 1, n, f);
    fclose(f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!dir[0]) {
        snprintf(dir, sizeof dir, "/tmp/fuzz-ks-XXXXXX");
        if (!mkdtemp(dir)) abort();
    }
    const char *text = (const char *)data;
    const char *cut = NULL;
    for (size_t i = 0; i + 8 <= size; i++)
        if (!memcmp(text + i, "---8<---", 8)) {
            cut = text + i;
            break;
        }
    size_t klen = cut ? (size_t)(cut - text) : size;
    put("kustomization.yaml", text, klen);
    put("res.yaml", cut ? cut + 8 : "", cut ? size - klen - 8 : 0);
    ks_build_opts o = {0};
    o.fs_root = dir;
    o.path = dir;
    o.max_file_bytes = 1 << 20;
    o.max_resources = 2000;
    o.max_yaml_nodes = 100000;
    o.max_depth = 8;
    json_object *res = NULL;
    if (ks_build(&o, &res) == 0) {
        fc_buf out;
        fc_buf_init(&out, 64 << 20);
        ks_render(res, &out);
        fc_buf_dispose(&out);
        json_object_put(res);
    }
    return 0;
}
