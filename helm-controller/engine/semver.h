/*
 * semver.h: Masterminds/semver v3 versions and constraints (semver.c).
 */
#ifndef HT_SEMVER_H
#define HT_SEMVER_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct ht_semver {
    uint64_t major, minor, patch;
    char pre[128];
    char meta[128];
    char original[260];
} ht_semver;

/* semver.NewVersion (coercing); -1 with the library's message in err */
int ht_semver_parse(const char *s, size_t n, ht_semver *v, char *err, size_t en);
/* Version.String() */
void ht_semver_string(const ht_semver *v, char *out, size_t n);
/* Version.Compare: -1, 0, 1 */
int ht_semver_compare(const ht_semver *a, const ht_semver *b);
/* NewConstraint(constraint).Check(v); -1 with the error for a bad constraint */
int ht_semver_check(const char *constraint, size_t n, const ht_semver *v, bool *ok, char *err, size_t en);

#endif
