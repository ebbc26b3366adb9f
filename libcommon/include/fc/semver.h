/*
 * fc/semver.h: semantic versions and version constraints with the semantics
 * of Masterminds/semver v3 (as linked by Flux 2.7 and Helm 4): GitRepository
 * ref.semver, HelmChart versions, Sprig's semver functions, chart
 * kubeVersion and dependency ranges.
 *
 * Versions are parsed like semver.NewVersion: an optional "v", one to three
 * numeric parts (missing ones are 0), an optional "-prerelease" and
 * "+metadata"; numeric prerelease identifiers may not have leading zeros.
 * Comparison follows SemVer 2.0 precedence (metadata ignored).
 *
 * Constraints are parsed like semver.NewConstraint: "||" separates
 * alternatives, "," or spaces separate conditions that must all hold,
 * "a - b" is ">= a, <= b", operators = != > < >= <= => =< ~ ~> ^, and
 * "x", "X", "*" or missing parts are wildcards. A prerelease version only
 * satisfies an AND group in which some condition names a prerelease.
 * Errors carry the library's messages ("improper constraint: ...").
 */
#ifndef FC_SEMVER_H
#define FC_SEMVER_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FC_SEMVER_MAX 256 /* longest accepted version string */

typedef struct fc_semver {
    uint64_t major, minor, patch;
    char pre[FC_SEMVER_MAX + 1];      /* "" when none */
    char meta[FC_SEMVER_MAX + 1];     /* "" when none */
    char original[FC_SEMVER_MAX + 1]; /* the input string */
} fc_semver;

/* 0, or FC_EINVAL with the library's message. Values, no cleanup needed. */
int fc_semver_parse(const char *s, fc_semver *out);
int fc_semver_parse_n(const char *s, size_t n, fc_semver *out);
/* -1, 0, 1 */
int fc_semver_compare(const fc_semver *a, const fc_semver *b);
/* Version.String(): canonical "1.2.3-pre+meta" (no "v") into out. */
void fc_semver_format(const fc_semver *v, char *out, size_t n);

typedef struct fc_semver_constraint fc_semver_constraint;
int fc_semver_constraint_parse(const char *s, fc_semver_constraint **out);
int fc_semver_constraint_parse_n(const char *s, size_t n, fc_semver_constraint **out);
bool fc_semver_constraint_check(const fc_semver_constraint *c, const fc_semver *v);
void fc_semver_constraint_free(fc_semver_constraint *c);

#endif
