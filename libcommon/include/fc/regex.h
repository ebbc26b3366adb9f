/*
 * fc/regex.h: regular expressions with Go's regexp (RE2) syntax and
 * semantics: leftmost-first matching in linear time (a Pike VM, no
 * backtracking), Go's error messages ("error parsing regexp: ...").
 */
#ifndef FC_REGEX_H
#define FC_REGEX_H
#include <stdbool.h>
#include <stddef.h>

typedef struct fc_regex fc_regex;

/* NULL with Go's "error parsing regexp: ..." message in err on bad syntax */
fc_regex *fc_regex_compile(const char *pat, size_t n, char *err, size_t errn);
void fc_regex_free(fc_regex *re);
/* number of capture groups (not counting the whole match) */
int fc_regex_ncap(const fc_regex *re);
/* name of group i (1-based), NULL if unnamed */
const char *fc_regex_name(const fc_regex *re, int i);
/* leftmost-first match searching from `start`; caps (may be NULL) gets
 * 2*(ncap+1) offsets */
bool fc_regex_exec(const fc_regex *re, const char *s, size_t len, size_t start, int *caps);

#endif
