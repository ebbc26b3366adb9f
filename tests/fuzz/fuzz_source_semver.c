/* Fuzz target: semver versions and constraints (ref.semver comes from specs,
 * candidate versions from remote tag names). Input: "<constraint>\n<version>".
 * A parsed version must re-parse from its canonical form to an equal version. */
#include "fc/semver.h"
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = strndup((const char *)data, size);
    char *nl = strchr(s, '\n');
    const char *ver = nl ? nl + 1 : s;
    if (nl) *nl = 0;
    fc_semver_constraint *c = NULL;
    fc_semver v;
    int cr = fc_semver_constraint_parse(s, &c);
    if (fc_semver_parse(ver, &v) == 0) {
        char canon[1024];
        fc_semver_format(&v, canon, sizeof canon);
        fc_semver w;
        if (strlen(canon) <= FC_SEMVER_MAX) { /* coercion can lengthen it past the cap */
            if (fc_semver_parse(canon, &w) != 0) abort();
            if (fc_semver_compare(&v, &w) != 0) abort();
        }
        if (cr == 0) (void)fc_semver_constraint_check(c, &v);
    }
    fc_semver_constraint_free(c);
    free(s);
    return 0;
}
