/*
 * arena.c: the bump allocator every render allocates its values from.
 *
 * Chunks grow geometrically (64 KiB up to 8 MiB); an allocation bigger than
 * a quarter chunk gets a chunk of its own so large strings do not waste the
 * tail of the current one. The arena counts every byte it hands out against
 * max_bytes and fails (NULL) beyond it: that cap is what bounds the memory a
 * hostile template can use. Everything is released by ht_arena_free.
 */
#include "ht_internal.h"
#include <stdlib.h>
#include <string.h>

typedef struct chunk {
    struct chunk *next;
    size_t size, used;
    _Alignas(16) unsigned char data[];
} chunk;

struct ht_arena {
    chunk *head;
    size_t max, total;
    size_t next_size;
    bool overflow;
};

ht_arena *ht_arena_new(size_t max_bytes)
{
    ht_arena *a = calloc(1, sizeof *a);
    if (!a) return NULL;
    a->max = max_bytes ? max_bytes : (size_t)1 << 30;
    a->next_size = 64 * 1024;
    return a;
}

void ht_arena_free(ht_arena *a)
{
    if (!a) return;
    chunk *c = a->head;
    while (c) {
        chunk *n = c->next;
        free(c);
        c = n;
    }
    free(a);
}

static chunk *new_chunk(size_t size)
{
    chunk *c = malloc(sizeof *c + size);
    if (!c) return NULL;
    c->size = size;
    c->used = 0;
    return c;
}

void *ht_alloc(ht_arena *a, size_t n)
{
    n = (n + 15) & ~(size_t)15;
    if (n == 0) n = 16;
    if (a->total + n > a->max || a->total + n < a->total) {
        a->overflow = true;
        return NULL;
    }
    chunk *c = a->head;
    if (!c || c->size - c->used < n) {
        if (n > a->next_size / 4) {
            /* dedicated chunk, kept behind the current one */
            chunk *big = new_chunk(n);
            if (!big) { a->overflow = true; return NULL; }
            big->used = n;
            if (c) {
                big->next = c->next;
                c->next = big;
            } else {
                big->next = NULL;
                a->head = big;
            }
            a->total += n;
            return big->data;
        }
        chunk *nc = new_chunk(a->next_size);
        if (!nc) { a->overflow = true; return NULL; }
        if (a->next_size < 8u * 1024 * 1024) a->next_size *= 2;
        nc->next = a->head;
        a->head = nc;
        c = nc;
    }
    void *p = c->data + c->used;
    c->used += n;
    a->total += n;
    return p;
}

void *ht_zalloc(ht_arena *a, size_t n)
{
    void *p = ht_alloc(a, n);
    if (p) memset(p, 0, n);
    return p;
}

char *ht_strndup(ht_arena *a, const char *s, size_t n)
{
    char *p = ht_alloc(a, n + 1);
    if (!p) return NULL;
    if (n) memcpy(p, s, n);
    p[n] = 0;
    return p;
}

bool ht_arena_overflowed(const ht_arena *a) { return a->overflow; }
size_t ht_arena_used(const ht_arena *a) { return a->total; }
size_t ht_arena_max(const ht_arena *a) { return a->max; }
