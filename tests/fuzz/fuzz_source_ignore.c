/* Fuzz target: the .sourceignore / spec.ignore matcher (patterns come from
 * repositories and specs). The input is split at the first NUL: patterns
 * before it, then newline-separated paths to match (as files and as dirs).
 * Also checks that a pattern list and the same list prefixed with blank and
 * comment lines behave identically. */
#include "fc/sourceignore.h"
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *d = (const char *)data;
    const char *nul = memchr(d, 0, size);
    size_t plen = nul ? (size_t)(nul - d) : size;
    fc_ignore *a = fc_ignore_new(), *b = fc_ignore_new();
    int ra = fc_ignore_add(a, d, plen, "");
    static const char pre[] = "# comment\n\n   \n";
    char *withpre = malloc(sizeof pre + plen);
    memcpy(withpre, pre, sizeof pre - 1);
    memcpy(withpre + sizeof pre - 1, d, plen);
    int rb = fc_ignore_add(b, withpre, sizeof pre - 1 + plen, "");
    free(withpre);
    if ((ra == 0) != (rb == 0)) abort();
    if (nul) {
        const char *p = nul + 1, *end = d + size;
        for (int n = 0; p < end && n < 64; n++) {
            const char *e = memchr(p, '\n', (size_t)(end - p));
            size_t l = e ? (size_t)(e - p) : (size_t)(end - p);
            char *path = strndup(p, l);
            for (int dir = 0; dir < 2; dir++)
                if (ra == 0 && fc_ignore_match(a, path, dir) != fc_ignore_match(b, path, dir)) abort();
            free(path);
            p += l + 1;
        }
    }
    fc_ignore_free(a);
    fc_ignore_free(b);
    return 0;
}
