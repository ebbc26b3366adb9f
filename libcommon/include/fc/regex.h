/*
 * regex.h: the engine's RE2-compatible regular expressions (regex.c).
 */
#ifndef HT_REGEX_H
#define HT_REGEX_H
#include <stdbool.h>
#include <stddef.h>

typedef struct ht_regex ht_regex;

/* NULL with Go's "error parsing regexp: ..." message in err on bad syntax */
ht_regex *ht_regex_compile(const char *pat, size_t n, char *err, size_t errn);
void ht_regex_free(ht_regex *re);
/* number of capture groups (not counting the whole match) */
int ht_regex_ncap(const ht_regex *re);
/* name of group i (1-based), NULL if unnamed */
const char *ht_regex_name(const ht_regex *re, int i);
/* leftmost-first match searching from `start`; caps (may be NULL) gets
 * 2*(ncap+1) offsets */
bool ht_regex_exec(const ht_regex *re, const char *s, size_t len, size_t start, int *caps);

#endif
