/* Fuzz target: extraction of (possibly gzip'd) tarballs into a scratch
 * directory (included artifacts; the kustomize/helm controllers untar
 * downloaded artifacts the same way). Whatever the input, nothing may be
 * written outside the scratch directory: a canary beside it must survive. */
#include "fc/tarball.h"
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <ftw.h>

static int rm_cb(const char *p, const struct stat *sb, int flag, struct FTW *f)
{
    (void)sb; (void)flag; (void)f;
    return remove(p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char base[] = "/tmp/fuzz-untar-XXXXXX";
    if (!mkdtemp(base)) return 0;
    char in[64], out[64];
    snprintf(in, sizeof in, "%s/in.tar", base);
    snprintf(out, sizeof out, "%s/out", base);
    FILE *f = fopen(in, "wb");
    if (f) {
        fwrite(data, 1, size, f);
        fclose(f);
        fc_untar_opts o = {.max_bytes = 1 << 20, .max_entries = 1000};
        (void)fc_tarball_extract(in, out, &o);
    }
    /* only in.tar and out/ may exist in base */
    int ok = 1;
    char probe[96];
    snprintf(probe, sizeof probe, "%s/escaped", base);
    if (access(probe, F_OK) == 0) ok = 0;
    nftw(base, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
    if (!ok) abort();
    return 0;
}
