/*
 * fc/semver.h: semantic versions and version constraints with the semantics
 * of Masterminds/semver v3, which Flux (GitRepository ref.semver,
 * HelmChart version, OCIRepository ref.semver) and Helm use.
 *
 * Versions are parsed like semver.NewVersion: an optional "v", one to three
 * numeric parts (missing ones are 0), an optional "-prerelease" and
 * "+metadata"; numeric prerelease identifiers may not have leading zeros.
 * Comparison follows SemVer 2.0 precedence (metadata ignored).
 *
 * Constraints are parsed like semver.NewConstraint: "||" separates
 * alternatives, "," or spaces separate conditions that must all hold,
 * "a - b" is ">= a, <= b", operators = != > < >= <= => =< ~ ~> ^, and
 * "x", "X", "*" or missing parts are wildcards. As in v3, a prerelease
 * version only satisfies a condition whose own version has a prerelease.
 */
#ifndef FC_SEMVER_H
#define FC_SEMVER_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct fc_semver {
    uint64_t major, minor, patch;
    char *pre;      /* "" when none */
    char *meta;     /* "" when none */
    char *original; /* the input string */
} fc_semver;

/* 0 or FC_EINVAL with a message like Masterminds'. */
int fc_semver_parse(const char *s, fc_semver *out);
void fc_semver_dispose(fc_semver *v);
/* -1, 0, 1 */
int fc_semver_compare(const fc_semver *a, const fc_semver *b);
/* Canonical "1.2.3-pre+meta" (no "v") into out. */
void fc_semver_format(const fc_semver *v, char *out, size_t n);

typedef struct fc_semver_constraint fc_semver_constraint;
int fc_semver_constraint_parse(const char *s, fc_semver_constraint **out);
bool fc_semver_constraint_check(const fc_semver_constraint *c, const fc_semver *v);
void fc_semver_constraint_free(fc_semver_constraint *c);

#endif
