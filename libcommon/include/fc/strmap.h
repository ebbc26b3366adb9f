/*
 * fc/strmap.h: a string-keyed hash map (keys copied, values borrowed void*).
 * Not thread-safe: callers hold their own lock. Iteration order is
 * unspecified; fc_strmap_keys returns sorted keys when order matters.
 */
#ifndef FC_STRMAP_H
#define FC_STRMAP_H
#include <stddef.h>
#include <stdbool.h>

typedef struct fc_strmap fc_strmap;
typedef void (*fc_free_fn)(void *);

fc_strmap *fc_strmap_new(fc_free_fn free_value);
void fc_strmap_free(fc_strmap *m);
/* Insert or replace (the old value is freed with free_value). */
int fc_strmap_put(fc_strmap *m, const char *key, void *value);
void *fc_strmap_get(const fc_strmap *m, const char *key);
bool fc_strmap_has(const fc_strmap *m, const char *key);
/* Remove; returns the value without freeing it (NULL if absent). */
void *fc_strmap_take(fc_strmap *m, const char *key);
/* Remove and free the value. */
void fc_strmap_del(fc_strmap *m, const char *key);
size_t fc_strmap_len(const fc_strmap *m);
/* Visit every entry; stop early when fn returns non-zero. */
void fc_strmap_each(const fc_strmap *m, int (*fn)(const char *key, void *value, void *arg), void *arg);
/* Sorted array of borrowed keys (free the array, not the keys). */
const char **fc_strmap_keys(const fc_strmap *m, size_t *n);

#endif
