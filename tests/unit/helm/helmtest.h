/*
 * helmtest.h: helpers shared by the Helm engine unit tests: reading the
 * tab-separated case tables in data/ and evaluating one template.
 */
#ifndef HELMTEST_H
#define HELMTEST_H
#include <stdbool.h>
#include <stddef.h>
#include <json-c/json.h>

typedef struct ht_case {
    char *f[8]; /* unescaped columns */
    int n;
} ht_case;

/* Read data/<file>: one case per line, '#' lines skipped; columns split at
 * tabs and unescaped (\t \n \\). Returns the number of cases. */
size_t htt_read_cases(const char *file, ht_case **out);
void htt_free_cases(ht_case *c, size_t n);

/* Evaluate a template; returns true on success with *out set (malloc'd),
 * false with *out set to the error text (malloc'd). */
bool htt_eval(const char *name, const char *text, const char *data_json, bool strict, char **out);

/* A quoted, escaped rendering of s for failure messages (static buffer). */
const char *htt_show(const char *s);

#endif
