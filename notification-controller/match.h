/*
 * match.h: the one place the notification-controller evaluates regular
 * expressions (Alert inclusionList / exclusionList, which Flux documents as
 * Go RE2 syntax).
 *
 * Today this translates the RE2 syntax people actually write into POSIX
 * extended regular expressions and uses glibc's regcomp/regexec; see
 * docs/notification-controller.md for the exact subset and the gaps. It is
 * kept behind these three functions so that it can switch to the shared RE2
 * matcher once that moves into libcommon.
 */
#ifndef NC_MATCH_H
#define NC_MATCH_H
#include <stdbool.h>

typedef struct nc_regex nc_regex;

/* Compile an RE2 pattern. On an unsupported or invalid pattern returns
 * FC_EINVAL with a message naming the problem. */
int nc_regex_compile(const char *pattern, nc_regex **out);
/* Unanchored search, like Go's regexp.MatchString. Thread-safe. */
bool nc_regex_match(const nc_regex *re, const char *s);
void nc_regex_free(nc_regex *re);

/* The POSIX ERE the pattern was translated to (tests, diagnostics). */
const char *nc_regex_posix(const nc_regex *re);

#endif
