/*
 * strmap.c: chained hash map with FNV-1a hashing and doubling growth
 * (fc/strmap.h). Small and predictable; used for informer caches, workqueue
 * sets and the metrics registry.
 */
#include "fc/strmap.h"
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct node {
    char *key;
    void *value;
    uint64_t hash;
    struct node *next;
} node;

struct fc_strmap {
    node **buckets;
    size_t nbuckets, len;
    fc_free_fn free_value;
};

static uint64_t fnv1a(const char *s)
{
    uint64_t h = 1469598103934665603ULL;
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 1099511628211ULL;
    }
    return h;
}

fc_strmap *fc_strmap_new(fc_free_fn free_value)
{
    fc_strmap *m = calloc(1, sizeof *m);
    if (!m) return NULL;
    m->nbuckets = 16;
    m->buckets = calloc(m->nbuckets, sizeof *m->buckets);
    m->free_value = free_value;
    if (!m->buckets) {
        free(m);
        return NULL;
    }
    return m;
}

void fc_strmap_free(fc_strmap *m)
{
    if (!m) return;
    for (size_t i = 0; i < m->nbuckets; i++) {
        node *n = m->buckets[i];
        while (n) {
            node *nx = n->next;
            if (m->free_value) m->free_value(n->value);
            free(n->key);
            free(n);
            n = nx;
        }
    }
    free(m->buckets);
    free(m);
}

static void grow(fc_strmap *m)
{
    size_t nb = m->nbuckets * 2;
    node **b = calloc(nb, sizeof *b);
    if (!b) return;
    for (size_t i = 0; i < m->nbuckets; i++) {
        node *n = m->buckets[i];
        while (n) {
            node *nx = n->next;
            n->next = b[n->hash & (nb - 1)];
            b[n->hash & (nb - 1)] = n;
            n = nx;
        }
    }
    free(m->buckets);
    m->buckets = b;
    m->nbuckets = nb;
}

static node **slot(const fc_strmap *m, const char *key, uint64_t h)
{
    node **p = &m->buckets[h & (m->nbuckets - 1)];
    while (*p && !((*p)->hash == h && strcmp((*p)->key, key) == 0)) p = &(*p)->next;
    return p;
}

int fc_strmap_put(fc_strmap *m, const char *key, void *value)
{
    uint64_t h = fnv1a(key);
    node **p = slot(m, key, h);
    if (*p) {
        if (m->free_value && (*p)->value != value) m->free_value((*p)->value);
        (*p)->value = value;
        return 0;
    }
    node *n = malloc(sizeof *n);
    if (!n) return -1;
    n->key = strdup(key);
    n->value = value;
    n->hash = h;
    n->next = NULL;
    *p = n;
    if (++m->len > m->nbuckets) grow(m);
    return 0;
}

void *fc_strmap_get(const fc_strmap *m, const char *key)
{
    node **p = slot(m, key, fnv1a(key));
    return *p ? (*p)->value : NULL;
}

bool fc_strmap_has(const fc_strmap *m, const char *key) { return *slot(m, key, fnv1a(key)) != NULL; }

void *fc_strmap_take(fc_strmap *m, const char *key)
{
    node **p = slot(m, key, fnv1a(key));
    if (!*p) return NULL;
    node *n = *p;
    void *v = n->value;
    *p = n->next;
    free(n->key);
    free(n);
    m->len--;
    return v;
}

void fc_strmap_del(fc_strmap *m, const char *key)
{
    node **p = slot(m, key, fnv1a(key));
    if (!*p) return;
    node *n = *p;
    *p = n->next;
    if (m->free_value) m->free_value(n->value);
    free(n->key);
    free(n);
    m->len--;
}

size_t fc_strmap_len(const fc_strmap *m) { return m->len; }

void fc_strmap_each(const fc_strmap *m, int (*fn)(const char *, void *, void *), void *arg)
{
    for (size_t i = 0; i < m->nbuckets; i++)
        for (node *n = m->buckets[i]; n; n = n->next)
            if (fn(n->key, n->value, arg)) return;
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(const char *const *)a, *(const char *const *)b); }

const char **fc_strmap_keys(const fc_strmap *m, size_t *n)
{
    const char **k = malloc((m->len + 1) * sizeof *k);
    size_t j = 0;
    if (!k) return NULL;
    for (size_t i = 0; i < m->nbuckets; i++)
        for (node *nd = m->buckets[i]; nd; nd = nd->next) k[j++] = nd->key;
    qsort(k, j, sizeof *k, cmp_str);
    k[j] = NULL;
    if (n) *n = j;
    return k;
}
