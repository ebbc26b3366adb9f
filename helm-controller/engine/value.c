/*
 * value.c: the dynamic values templates compute with (see ht_internal.h).
 *
 * Go templates run on interface{} values whose concrete Go type matters:
 * it decides truthiness, printing, comparisons ("incompatible types for
 * comparison") and which functions accept them ("wrong type for value").
 * ht_val is a 16-byte tagged value carrying that type (kind + element/named
 * sub-type + "held in an interface" flag). Containers live in the render
 * arena; maps are shared mutable references like Go maps (Sprig's `set`
 * mutates in place), lists are built once and then only read.
 *
 * Maps keep an insertion-ordered entry array plus an open-addressing index,
 * and hand out a cached sorted view, because everything that iterates a Go
 * map in a template (range, fmt, toYaml, toJson) sees sorted keys.
 */
#include "ht_internal.h"
#include "fc/gofmt.h"
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------ errors, memory */

static void chain_free(ht_ctx *cx)
{
    for (int i = 0; i < cx->nchain; i++) free(cx->chain[i]);
    free(cx->chain);
    cx->chain = NULL;
    cx->nchain = 0;
}

int ht_errf(ht_ctx *cx, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *m = NULL;
    if (vasprintf(&m, fmt, ap) < 0) m = NULL;
    va_end(ap);
    ht_err_set_chain(cx, m, false, false);
    return -1;
}

#define MAX_ERR_MSG ((size_t)1 << 20)
#define MAX_CHAIN 64

void ht_err_set_chain(ht_ctx *cx, char *msg, bool is_exec, bool wrap_previous)
{
    /* bound pathological nesting (each wrap repeats the inner text): cap
     * one message at 1 MiB and the chain at 64 links (outermost and
     * innermost kept) */
    if (msg && strlen(msg) > MAX_ERR_MSG) {
        size_t n = strlen(msg), half = MAX_ERR_MSG / 2;
        memcpy(msg + half, " ... ", 5);
        memmove(msg + half + 5, msg + n - half, half + 1);
    }
    if (wrap_previous && cx->nchain >= MAX_CHAIN) {
        /* drop the link just past the middle */
        int mid = cx->nchain / 2;
        free(cx->chain[mid]);
        memmove(cx->chain + mid, cx->chain + mid + 1, (size_t)(cx->nchain - mid - 1) * sizeof *cx->chain);
        cx->nchain--;
    }
    /* new chain: msg, then (when wrapping) the previous chain */
    int keep = wrap_previous ? cx->nchain : 0;
    char **nc = malloc((size_t)(keep + 1) * sizeof *nc);
    if (!nc) {
        free(msg);
        return;
    }
    nc[0] = msg ? strdup(msg) : strdup("error");
    for (int i = 0; i < keep; i++) {
        nc[i + 1] = cx->chain[i];
        cx->chain[i] = NULL;
    }
    chain_free(cx);
    cx->chain = nc;
    cx->nchain = keep + 1;
    free(cx->err);
    cx->err = msg;
    cx->err_is_exec = is_exec;
}

void ht_err_clear(ht_ctx *cx)
{
    free(cx->err);
    cx->err = NULL;
    cx->err_is_exec = false;
    cx->err_wrapped = false;
    chain_free(cx);
}

void ht_cleanup_push(ht_ctx *cx, void (*fn)(void *), void *p)
{
    if (cx->ncleanup >= (int)(sizeof cx->cleanup / sizeof cx->cleanup[0])) {
        /* should not happen: nesting of temporaries is shallow */
        fn(p);
        ht_fatal(cx, "internal error: cleanup stack overflow");
    }
    cx->cleanup[cx->ncleanup].fn = fn;
    cx->cleanup[cx->ncleanup].p = p;
    cx->ncleanup++;
}

void ht_cleanup_pop(ht_ctx *cx, bool run)
{
    if (cx->ncleanup <= 0) return;
    cx->ncleanup--;
    if (run) cx->cleanup[cx->ncleanup].fn(cx->cleanup[cx->ncleanup].p);
}

void ht_fatal(ht_ctx *cx, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *m = NULL;
    if (vasprintf(&m, fmt, ap) < 0) m = NULL;
    va_end(ap);
    ht_err_set_chain(cx, m, false, false);
    while (cx->ncleanup > 0) ht_cleanup_pop(cx, true);
    if (cx->fatal) longjmp(*cx->fatal, 1);
    abort();
}

void *ht_cx_alloc(ht_ctx *cx, size_t n)
{
    void *p = ht_alloc(cx->arena, n);
    if (!p) ht_fatal(cx, "rendering exceeded the memory limit of %zu bytes", ht_arena_max(cx->arena));
    return p;
}

/* ------------------------------------------------------ string builder */

void ht_sb_init(ht_sb *sb, ht_ctx *cx)
{
    sb->cx = cx;
    sb->p = NULL;
    sb->len = sb->cap = 0;
    sb->max = cx->max_output ? cx->max_output : ((size_t)1 << 30);
}

static void sb_grow(ht_sb *sb, size_t need)
{
    if (sb->len + need > sb->max)
        ht_fatal(sb->cx, "rendered output exceeds the size limit of %zu bytes", sb->max);
    size_t nc = sb->cap ? sb->cap * 2 : 64;
    while (nc < sb->len + need + 1) nc *= 2;
    char *np = ht_cx_alloc(sb->cx, nc);
    if (sb->len) memcpy(np, sb->p, sb->len);
    sb->p = np;
    sb->cap = nc;
}

void ht_sb_put(ht_sb *sb, const char *s, size_t n)
{
    if (!n) return;
    if (sb->len + n + 1 > sb->cap) sb_grow(sb, n);
    memcpy(sb->p + sb->len, s, n);
    sb->len += n;
}

void ht_sb_puts(ht_sb *sb, const char *s) { ht_sb_put(sb, s, strlen(s)); }

void ht_sb_putc(ht_sb *sb, char c)
{
    if (sb->len + 2 > sb->cap) sb_grow(sb, 1);
    sb->p[sb->len++] = c;
}

void ht_sb_printf(ht_sb *sb, const char *fmt, ...)
{
    char tmp[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n < 0) return;
    if ((size_t)n < sizeof tmp) {
        ht_sb_put(sb, tmp, (size_t)n);
        return;
    }
    if (sb->len + (size_t)n + 1 > sb->cap) sb_grow(sb, (size_t)n + 1);
    va_start(ap, fmt);
    vsnprintf(sb->p + sb->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    sb->len += (size_t)n;
}

void ht_sb_rune(ht_sb *sb, uint32_t r)
{
    char b[4];
    if (r > 0x10FFFF || (r >= 0xD800 && r <= 0xDFFF)) r = 0xFFFD;
    if (r < 0x80) {
        ht_sb_putc(sb, (char)r);
    } else if (r < 0x800) {
        b[0] = (char)(0xC0 | (r >> 6));
        b[1] = (char)(0x80 | (r & 0x3F));
        ht_sb_put(sb, b, 2);
    } else if (r < 0x10000) {
        b[0] = (char)(0xE0 | (r >> 12));
        b[1] = (char)(0x80 | ((r >> 6) & 0x3F));
        b[2] = (char)(0x80 | (r & 0x3F));
        ht_sb_put(sb, b, 3);
    } else {
        b[0] = (char)(0xF0 | (r >> 18));
        b[1] = (char)(0x80 | ((r >> 12) & 0x3F));
        b[2] = (char)(0x80 | ((r >> 6) & 0x3F));
        b[3] = (char)(0x80 | (r & 0x3F));
        ht_sb_put(sb, b, 4);
    }
}

ht_val ht_sb_val(ht_sb *sb)
{
    if (!sb->p) return ht_str_static("", 0);
    sb->p[sb->len] = 0;
    return ht_str_static(sb->p, sb->len);
}

/* ------------------------------------------------------ constructors */

ht_val ht_str(ht_ctx *cx, const char *s, size_t n)
{
    if (n == 0) return ht_str_static("", 0);
    if (n > UINT32_MAX - 1) ht_fatal(cx, "string too large");
    char *p = ht_cx_alloc(cx, n + 1);
    memcpy(p, s, n);
    p[n] = 0;
    return ht_str_static(p, n);
}

ht_val ht_strz(ht_ctx *cx, const char *s) { return ht_str(cx, s, strlen(s)); }

char *ht_cx_strndup(ht_ctx *cx, const char *s, size_t n)
{
    char *p = ht_cx_alloc(cx, n + 1);
    if (n) memcpy(p, s, n);
    p[n] = 0;
    return p;
}

ht_val ht_bytes(ht_ctx *cx, const char *s, size_t n)
{
    ht_val v = ht_str(cx, s, n);
    v.k = HT_BYTES;
    return v;
}

ht_val ht_str_take_buf(ht_ctx *cx, fc_buf *b)
{
    size_t n = b->len;
    char *p = fc_buf_detach(b, NULL);
    ht_cleanup_push(cx, free, p);
    ht_val v = ht_str(cx, p ? p : "", p ? n : 0);
    ht_cleanup_pop(cx, true);
    return v;
}

ht_val ht_list_new(ht_ctx *cx, uint32_t cap, uint8_t sub)
{
    ht_val v = {0};
    v.k = HT_LIST;
    v.sub = sub;
    ht_list *l = ht_cx_alloc(cx, sizeof *l);
    l->n = 0;
    l->cap = cap;
    l->items = cap ? ht_cx_alloc(cx, cap * sizeof(ht_val)) : NULL;
    v.v.l = l;
    return v;
}

int ht_list_push(ht_ctx *cx, ht_val *list, ht_val item)
{
    ht_list *l = list->v.l;
    if (!l) {
        *list = ht_list_new(cx, 4, list->sub);
        l = list->v.l;
    }
    if (l->n == l->cap) {
        uint32_t nc = l->cap ? l->cap * 2 : 4;
        ht_val *ni = ht_cx_alloc(cx, (size_t)nc * sizeof(ht_val));
        if (l->n) memcpy(ni, l->items, l->n * sizeof(ht_val));
        l->items = ni;
        l->cap = nc;
    }
    l->items[l->n++] = ht_strip(item);
    return 0;
}

ht_val ht_map_new(ht_ctx *cx, uint8_t sub)
{
    ht_val v = {0};
    v.k = HT_MAP;
    v.sub = sub;
    v.v.m = ht_cx_alloc(cx, sizeof(ht_map));
    memset(v.v.m, 0, sizeof(ht_map));
    return v;
}

ht_val ht_obj_new(ht_ctx *cx, const ht_class *cls, void *data)
{
    ht_val v = {0};
    v.k = HT_OBJ;
    ht_obj *o = ht_cx_alloc(cx, sizeof *o);
    o->cls = cls;
    o->data = data;
    v.v.o = o;
    return v;
}

/* ------------------------------------------------------------- maps */

static uint32_t hash_key(const char *k, size_t n)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)k[i];
        h *= 16777619u;
    }
    return h;
}

static int32_t map_find(ht_map *m, const char *key, size_t klen, uint32_t h)
{
    if (!m || !m->nidx) return -1;
    uint32_t mask = m->nidx - 1;
    for (uint32_t i = h & mask;; i = (i + 1) & mask) {
        int32_t e = m->idx[i];
        if (e < 0) return -1;
        ht_mentry *me = &m->ents[e];
        if (!me->dead && me->hash == h && me->klen == klen && memcmp(me->key, key, klen) == 0) return e;
    }
}

ht_val *ht_map_get(ht_map *m, const char *key, size_t klen)
{
    if (!m || !m->n) return NULL;
    int32_t e = map_find(m, key, klen, hash_key(key, klen));
    return e < 0 ? NULL : &m->ents[e].val;
}

static void map_reindex(ht_ctx *cx, ht_map *m, uint32_t nidx)
{
    /* compact dead entries first */
    if (m->used != m->n) {
        uint32_t j = 0;
        for (uint32_t i = 0; i < m->used; i++)
            if (!m->ents[i].dead) m->ents[j++] = m->ents[i];
        m->used = j;
    }
    m->idx = ht_cx_alloc(cx, nidx * sizeof(int32_t));
    memset(m->idx, 0xff, nidx * sizeof(int32_t));
    m->nidx = nidx;
    for (uint32_t i = 0; i < m->used; i++) {
        uint32_t mask = nidx - 1;
        uint32_t s = m->ents[i].hash & mask;
        while (m->idx[s] >= 0) s = (s + 1) & mask;
        m->idx[s] = (int32_t)i;
    }
}

int ht_map_set(ht_ctx *cx, ht_map *m, const char *key, size_t klen, ht_val val)
{
    uint32_t h = hash_key(key, klen);
    val = ht_strip(val);
    int32_t e = map_find(m, key, klen, h);
    if (e >= 0) {
        m->ents[e].val = val;
        return 0;
    }
    if (m->used == m->cap) {
        uint32_t nc = m->cap ? m->cap * 2 : 8;
        if (m->n < m->used / 2) nc = m->cap; /* mostly dead: compact in place */
        if (nc != m->cap) {
            ht_mentry *ne = ht_cx_alloc(cx, (size_t)nc * sizeof *ne);
            if (m->used) memcpy(ne, m->ents, m->used * sizeof *ne);
            m->ents = ne;
            m->cap = nc;
        }
        uint32_t ni = m->nidx ? m->nidx : 16;
        while (ni < nc * 2) ni *= 2;
        map_reindex(cx, m, ni);
    } else if (!m->nidx) {
        map_reindex(cx, m, 16);
    }
    ht_mentry *me = &m->ents[m->used];
    me->key = ht_strndup(cx->arena, key, klen);
    if (!me->key) ht_fatal(cx, "rendering exceeded the memory limit");
    me->klen = (uint32_t)klen;
    me->hash = h;
    me->val = val;
    me->dead = false;
    uint32_t mask = m->nidx - 1;
    uint32_t s = h & mask;
    while (m->idx[s] >= 0) s = (s + 1) & mask;
    m->idx[s] = (int32_t)m->used;
    m->used++;
    m->n++;
    m->gen++;
    return 0;
}

void ht_map_del(ht_map *m, const char *key, size_t klen)
{
    int32_t e = map_find(m, key, klen, hash_key(key, klen));
    if (e < 0) return;
    m->ents[e].dead = true;
    m->n--;
    m->gen++;
}

static int key_cmp(const void *a, const void *b)
{
    const ht_mentry *x = *(ht_mentry *const *)a, *y = *(ht_mentry *const *)b;
    size_t n = x->klen < y->klen ? x->klen : y->klen;
    int c = memcmp(x->key, y->key, n);
    if (c) return c;
    return x->klen < y->klen ? -1 : x->klen > y->klen;
}

ht_mentry **ht_map_sorted(ht_ctx *cx, ht_map *m, uint32_t *n)
{
    *n = 0;
    if (!m || !m->n) return NULL;
    if (m->sorted && m->sorted_gen == m->gen) {
        *n = m->n;
        return m->sorted;
    }
    ht_mentry **s = ht_cx_alloc(cx, m->n * sizeof *s);
    uint32_t j = 0;
    for (uint32_t i = 0; i < m->used; i++)
        if (!m->ents[i].dead) s[j++] = &m->ents[i];
    qsort(s, j, sizeof *s, key_cmp);
    m->sorted = s;
    m->sorted_gen = m->gen;
    *n = j;
    return s;
}

/* ------------------------------------------------------- reflection */

bool ht_truth(ht_val v)
{
    switch (v.k) {
    case HT_NIL: return false;
    case HT_BOOL: return v.v.b;
    case HT_INT: case HT_INT64: case HT_DURATION: return v.v.i != 0;
    case HT_UINT64: return v.v.u != 0;
    case HT_FLOAT64: return v.v.f != 0;
    case HT_STRING: case HT_BYTES: return v.n > 0;
    case HT_LIST: return v.v.l && v.v.l->n > 0;
    case HT_MAP: return v.v.m && v.v.m->n > 0;
    case HT_TIME: return true;
    case HT_OBJ: return v.v.o != NULL;
    }
    return false;
}

const char *ht_type_name(ht_val v)
{
    switch (v.k) {
    case HT_NIL: return "<nil>";
    case HT_BOOL: return "bool";
    case HT_INT: return "int";
    case HT_INT64: return "int64";
    case HT_UINT64: return "uint64";
    case HT_FLOAT64: return "float64";
    case HT_DURATION: return "time.Duration";
    case HT_STRING: return "string";
    case HT_BYTES: return "[]uint8";
    case HT_LIST:
        return v.sub == HT_L_STRING ? "[]string" : v.sub == HT_L_INT ? "[]int" : v.sub == HT_L_VERSIONSET ? "common.VersionSet" : "[]interface {}";
    case HT_MAP:
        switch (v.sub) {
        case HT_M_VALUES: return "common.Values";
        case HT_M_STRING: return "map[string]string";
        case HT_M_FILES: return "engine.files";
        default: return "map[string]interface {}";
        }
    case HT_TIME: return "time.Time";
    case HT_OBJ: return v.v.o->cls->type_name;
    }
    return "?";
}

const char *ht_kind_name(ht_val v)
{
    switch (v.k) {
    case HT_NIL: return "invalid";
    case HT_BOOL: return "bool";
    case HT_INT: return "int";
    case HT_INT64: case HT_DURATION: return "int64";
    case HT_UINT64: return "uint64";
    case HT_FLOAT64: return "float64";
    case HT_STRING: return "string";
    case HT_BYTES: case HT_LIST: return "slice";
    case HT_MAP: return "map";
    case HT_TIME: return "struct";
    case HT_OBJ: return v.v.o->cls->kind_name;
    }
    return "invalid";
}

size_t ht_len(ht_val v, bool *ok)
{
    *ok = true;
    switch (v.k) {
    case HT_STRING: case HT_BYTES: return v.n;
    case HT_LIST: return v.v.l ? v.v.l->n : 0;
    case HT_MAP: return v.v.m ? v.v.m->n : 0;
    default: *ok = false; return 0;
    }
}

bool ht_deep_equal(ht_val a, ht_val b)
{
    if (a.k != b.k) return false;
    switch (a.k) {
    case HT_NIL: return true;
    case HT_BOOL: return a.v.b == b.v.b;
    case HT_INT: case HT_INT64: case HT_DURATION: return a.v.i == b.v.i;
    case HT_UINT64: return a.v.u == b.v.u;
    case HT_FLOAT64: return a.v.f == b.v.f;
    case HT_STRING: case HT_BYTES: return a.n == b.n && memcmp(a.v.s, b.v.s, a.n) == 0;
    case HT_LIST: {
        if (a.sub != b.sub) return false;
        if (!a.v.l || !b.v.l) return a.v.l == b.v.l;
        if (a.v.l->n != b.v.l->n) return false;
        for (uint32_t i = 0; i < a.v.l->n; i++)
            if (!ht_deep_equal(a.v.l->items[i], b.v.l->items[i])) return false;
        return true;
    }
    case HT_MAP: {
        if (a.sub != b.sub) return false;
        if (!a.v.m || !b.v.m) return a.v.m == b.v.m;
        if (a.v.m->n != b.v.m->n) return false;
        for (uint32_t i = 0; i < a.v.m->used; i++) {
            ht_mentry *e = &a.v.m->ents[i];
            if (e->dead) continue;
            ht_val *o = ht_map_get(b.v.m, e->key, e->klen);
            if (!o || !ht_deep_equal(e->val, *o)) return false;
        }
        return true;
    }
    case HT_TIME:
        return a.v.t->sec == b.v.t->sec && a.v.t->nsec == b.v.t->nsec && a.v.t->off == b.v.t->off;
    case HT_OBJ: return a.v.o == b.v.o || (a.v.o->cls == b.v.o->cls && a.v.o->data == b.v.o->data);
    }
    return false;
}

/* a compacted copy of m's entries (keys shared: they are immutable) with a
 * fresh index, without rehashing: deep copies of big values trees (Helm
 * copies the whole values tree for every chart with dependencies) are
 * dominated by this */
static ht_map *map_clone(ht_ctx *cx, const ht_map *m)
{
    ht_map *n = ht_cx_alloc(cx, sizeof *n);
    memset(n, 0, sizeof *n);
    uint32_t cnt = m->n;
    if (!cnt) return n;
    n->ents = ht_cx_alloc(cx, (size_t)cnt * sizeof *n->ents);
    uint32_t j = 0;
    for (uint32_t i = 0; i < m->used; i++)
        if (!m->ents[i].dead) n->ents[j++] = m->ents[i];
    n->cap = n->used = n->n = j;
    uint32_t ni = 16;
    while (ni < j * 2) ni *= 2;
    n->idx = ht_cx_alloc(cx, ni * sizeof(int32_t));
    memset(n->idx, 0xff, ni * sizeof(int32_t));
    n->nidx = ni;
    uint32_t mask = ni - 1;
    for (uint32_t i = 0; i < j; i++) {
        uint32_t s = n->ents[i].hash & mask;
        while (n->idx[s] >= 0) s = (s + 1) & mask;
        n->idx[s] = (int32_t)i;
    }
    return n;
}

ht_val ht_deep_copy(ht_ctx *cx, ht_val v)
{
    switch (v.k) {
    case HT_LIST: {
        if (!v.v.l) return v;
        ht_val n = ht_list_new(cx, v.v.l->n, v.sub);
        for (uint32_t i = 0; i < v.v.l->n; i++) n.v.l->items[i] = ht_deep_copy(cx, v.v.l->items[i]);
        n.v.l->n = v.v.l->n;
        return n;
    }
    case HT_MAP: {
        if (!v.v.m) return v;
        ht_val n = v;
        n.fl = 0;
        n.v.m = map_clone(cx, v.v.m);
        for (uint32_t i = 0; i < n.v.m->used; i++) n.v.m->ents[i].val = ht_deep_copy(cx, n.v.m->ents[i].val);
        return n;
    }
    default: return ht_strip(v);
    }
}

/* ------------------------------------------------------ JSON bridging */

ht_val ht_from_json(ht_ctx *cx, json_object *o, uint8_t map_sub)
{
    if (!o) return ht_nil();
    switch (json_object_get_type(o)) {
    case json_type_null: return ht_nil();
    case json_type_boolean: return ht_bool(json_object_get_boolean(o));
    case json_type_int:
        if (json_object_get_int64(o) == INT64_MAX && json_object_get_uint64(o) > (uint64_t)INT64_MAX)
            return ht_float((double)json_object_get_uint64(o));
        return ht_float((double)json_object_get_int64(o));
    case json_type_double: return ht_float(json_object_get_double(o));
    case json_type_string: return ht_str(cx, json_object_get_string(o), (size_t)json_object_get_string_len(o));
    case json_type_array: {
        size_t n = json_object_array_length(o);
        ht_val l = ht_list_new(cx, (uint32_t)n, HT_L_ANY);
        for (size_t i = 0; i < n; i++) l.v.l->items[i] = ht_from_json(cx, json_object_array_get_idx(o, i), HT_M_ANY);
        l.v.l->n = (uint32_t)n;
        return l;
    }
    case json_type_object: {
        ht_val m = ht_map_new(cx, map_sub);
        json_object_object_foreach(o, k, v) ht_map_set(cx, m.v.m, k, strlen(k), ht_from_json(cx, v, HT_M_ANY));
        return m;
    }
    }
    return ht_nil();
}

static json_object *jstr(const char *s, size_t n) { return json_object_new_string_len(s, (int)n); }

json_object *ht_to_json(ht_ctx *cx, ht_val v, int *err)
{
    char buf[64];
    switch (v.k) {
    case HT_NIL: return NULL;
    case HT_BOOL: return json_object_new_boolean(v.v.b);
    case HT_INT: case HT_INT64: case HT_DURATION: return json_object_new_int64(v.v.i);
    case HT_UINT64: return json_object_new_uint64(v.v.u);
    case HT_FLOAT64:
        if (isnan(v.v.f) || isinf(v.v.f)) {
            fc_go_format_float(v.v.f, 'g', -1, buf, sizeof buf);
            ht_errf(cx, "json: unsupported value: %s", buf);
            *err = 1;
            return NULL;
        }
        return fc_json_new_double(v.v.f);
    case HT_STRING: return jstr(v.v.s, v.n);
    case HT_BYTES: {
        static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        size_t n = v.n, olen = (n + 2) / 3 * 4;
        char *p = malloc(olen + 1);
        if (!p) { *err = 1; return NULL; }
        const unsigned char *s = (const unsigned char *)v.v.s;
        size_t j = 0;
        for (size_t i = 0; i < n; i += 3) {
            uint32_t x = (uint32_t)s[i] << 16 | (i + 1 < n ? (uint32_t)s[i + 1] << 8 : 0) | (i + 2 < n ? s[i + 2] : 0);
            p[j++] = b64[(x >> 18) & 63];
            p[j++] = b64[(x >> 12) & 63];
            p[j++] = i + 1 < n ? b64[(x >> 6) & 63] : '=';
            p[j++] = i + 2 < n ? b64[x & 63] : '=';
        }
        json_object *o = jstr(p, j);
        free(p);
        return o;
    }
    case HT_LIST: {
        if (!v.v.l) return NULL; /* nil slice marshals as null */
        json_object *a = json_object_new_array_ext((int)v.v.l->n);
        for (uint32_t i = 0; i < v.v.l->n; i++) {
            json_object *e = ht_to_json(cx, v.v.l->items[i], err);
            if (*err) { json_object_put(a); return NULL; }
            json_object_array_add(a, e);
        }
        return a;
    }
    case HT_MAP: {
        if (!v.v.m) return NULL;
        /* sort with a malloc'd view: no arena allocation while json-c
         * objects are half built */
        ht_map *m = v.v.m;
        ht_mentry **es = malloc((m->n + 1) * sizeof *es);
        if (!es) { *err = 1; return NULL; }
        uint32_t n = 0;
        for (uint32_t i = 0; i < m->used; i++)
            if (!m->ents[i].dead) es[n++] = &m->ents[i];
        qsort(es, n, sizeof *es, key_cmp);
        json_object *o = json_object_new_object();
        for (uint32_t i = 0; i < n; i++) {
            ht_val ev = es[i]->val;
            if (v.sub == HT_M_FILES) ev.k = HT_BYTES;
            json_object *e = ht_to_json(cx, ev, err);
            if (*err) { json_object_put(o); free(es); return NULL; }
            json_object_object_add(o, es[i]->key, e);
        }
        free(es);
        return o;
    }
    case HT_TIME: {
        extern void ht_time_rfc3339nano(const ht_time *t, char *out, size_t n);
        ht_time_rfc3339nano(v.v.t, buf, sizeof buf);
        return json_object_new_string(buf);
    }
    case HT_OBJ:
        if (v.v.o->cls->to_value) return ht_to_json(cx, v.v.o->cls->to_value(cx, v.v.o), err);
        return json_object_new_object();
    }
    return NULL;
}

/* -------------------------------------------------- Go strconv parsing */

/* strconv's underscoreOK: '_' only between digits (or after a base prefix) */
static bool underscore_ok(const char *s, size_t n)
{
    char saw = '^';
    size_t i = 0;
    if (n >= 1 && (s[0] == '-' || s[0] == '+')) {
        s++;
        n--;
    }
    bool hex = false;
    if (n >= 2 && s[0] == '0') {
        char c = (char)(s[1] | 0x20);
        if (c == 'b' || c == 'o' || c == 'x') {
            i = 2;
            saw = '0';
            hex = c == 'x';
        }
    }
    for (; i < n; i++) {
        char c = s[i], lc = (char)(c | 0x20);
        if ((c >= '0' && c <= '9') || (hex && lc >= 'a' && lc <= 'f')) {
            saw = '0';
            continue;
        }
        if (c == '_') {
            if (saw != '0') return false;
            saw = '_';
            continue;
        }
        if (saw == '_') return false;
        saw = '!';
    }
    return saw != '_';
}

/* strconv.ParseInt(s, base, 64) with Go's base-0 prefixes and underscores. */
bool ht_parse_int(const char *s, size_t n, int base, int64_t *out)
{
    size_t i = 0;
    bool neg = false, base0 = base == 0;
    if (n == 0) return false;
    if (s[0] == '+' || s[0] == '-') {
        neg = s[0] == '-';
        i++;
    }
    if (base0) {
        base = 10;
        if (i < n && s[i] == '0') {
            char c = i + 1 < n ? (char)(s[i + 1] | 0x20) : 0;
            if (c == 'x') { base = 16; i += 2; }
            else if (c == 'o') { base = 8; i += 2; }
            else if (c == 'b') { base = 2; i += 2; }
            else { base = 8; i += 1; if (i == n) { *out = 0; return true; } }
        }
        if (!underscore_ok(s, n)) return false;
    }
    if (i >= n) return false;
    uint64_t acc = 0;
    bool any = false;
    for (; i < n; i++) {
        char c = s[i];
        int d;
        if (c == '_' && base0) continue;
        if (c >= '0' && c <= '9') d = c - '0';
        else if (c >= 'a' && c <= 'z') d = c - 'a' + 10;
        else if (c >= 'A' && c <= 'Z') d = c - 'A' + 10;
        else return false;
        if (d >= base) return false;
        if (acc > (UINT64_MAX - (uint64_t)d) / (uint64_t)base) return false;
        acc = acc * (uint64_t)base + (uint64_t)d;
        any = true;
    }
    if (!any) return false;
    if (neg) {
        if (acc > (uint64_t)INT64_MAX + 1) return false;
        *out = acc == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)acc;
    } else {
        if (acc > (uint64_t)INT64_MAX) return false;
        *out = (int64_t)acc;
    }
    return true;
}

/* strconv.ParseFloat(s, 64): decimal and hex forms, inf/nan words; no spaces. */
bool ht_parse_float(const char *s, size_t n, double *out)
{
    char tmp[512];
    if (n == 0 || n >= sizeof tmp) return false;
    size_t j = 0, i = 0;
    if (s[0] == '+' || s[0] == '-') tmp[j++] = s[i++];
    const char *r = s + i;
    size_t rn = n - i;
    if ((rn == 3 && strncasecmp(r, "inf", 3) == 0) || (rn == 8 && strncasecmp(r, "infinity", 8) == 0)) {
        *out = s[0] == '-' ? -INFINITY : INFINITY;
        return true;
    }
    if (rn == 3 && strncasecmp(r, "nan", 3) == 0 && i == 0) {
        *out = NAN;
        return true;
    }
    bool hex = rn > 2 && r[0] == '0' && (r[1] == 'x' || r[1] == 'X');
    bool digits = false, dot = false, exp = false, unders = false;
    size_t k = 0;
    if (hex) {
        tmp[j++] = '0';
        tmp[j++] = 'x';
        k = 2;
    }
    for (; k < rn; k++) {
        char c = r[k];
        if (c == '_') {
            unders = true;
            continue;
        }
        if ((c >= '0' && c <= '9') || (hex && !exp && ((c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')))) {
            digits = true;
        } else if (c == '.' && !dot && !exp) {
            dot = true;
        } else if (!exp && ((!hex && (c == 'e' || c == 'E')) || (hex && (c == 'p' || c == 'P')))) {
            if (!digits) return false;
            exp = true;
            tmp[j++] = c;
            if (k + 1 < rn && (r[k + 1] == '+' || r[k + 1] == '-')) tmp[j++] = r[++k];
            if (k + 1 >= rn) return false;
            digits = false;
            continue;
        } else {
            return false;
        }
        tmp[j++] = c;
    }
    if (!digits) return false;
    if (unders && !underscore_ok(s, n)) return false;
    if (hex && !exp) return false; /* Go requires a p exponent for hex floats */
    tmp[j] = 0;
    errno = 0;
    char *end;
    double d = strtod(tmp, &end);
    if (*end) return false;
    if (errno == ERANGE && isinf(d)) return false; /* Go: value out of range */
    *out = d;
    return true;
}

/* Go's int64(f) on amd64: out-of-range and NaN give the "integer indefinite". */
int64_t ht_f2i(double f)
{
    if (isnan(f) || f >= 9223372036854775808.0 || f < -9223372036854775808.0) return INT64_MIN;
    return (int64_t)f;
}

/* ---------------------------------------------------------- Sprig's cast */

static const char *trim_zero_decimal(const char *s, size_t *n)
{
    bool found_zero = false;
    for (size_t i = *n; i > 0; i--) {
        char c = s[i - 1];
        if (c == '.') {
            if (found_zero) {
                *n = i - 1;
                return s;
            }
        } else if (c == '0') {
            found_zero = true;
        } else {
            return s;
        }
    }
    return s;
}

int64_t ht_cast_int64(ht_val v)
{
    switch (v.k) {
    case HT_BOOL: return v.v.b;
    case HT_INT: case HT_INT64: case HT_DURATION: return v.v.i;
    case HT_UINT64: return (int64_t)v.v.u;
    case HT_FLOAT64: return ht_f2i(v.v.f);
    case HT_STRING: {
        size_t n = v.n;
        const char *s = trim_zero_decimal(v.v.s, &n);
        int64_t r;
        if (ht_parse_int(s, n, 0, &r)) return r;
        return 0;
    }
    default: return 0;
    }
}

int ht_cast_int(ht_val v) { return (int)ht_cast_int64(v); }

double ht_cast_float64(ht_val v)
{
    switch (v.k) {
    case HT_BOOL: return v.v.b ? 1 : 0;
    case HT_INT: case HT_INT64: case HT_DURATION: return (double)v.v.i;
    case HT_UINT64: return (double)v.v.u;
    case HT_FLOAT64: return v.v.f;
    case HT_STRING: {
        double d;
        if (ht_parse_float(v.v.s, v.n, &d)) return d;
        return 0;
    }
    default: return 0;
    }
}

bool ht_as_items(ht_ctx *cx, ht_val v, ht_val **items, uint32_t *n)
{
    (void)cx;
    if (v.k != HT_LIST) return false;
    *items = v.v.l ? v.v.l->items : NULL;
    *n = v.v.l ? v.v.l->n : 0;
    return true;
}

ht_val ht_strlist_from(ht_ctx *cx, char **v, size_t n)
{
    ht_val l = ht_list_new(cx, (uint32_t)n, HT_L_STRING);
    for (size_t i = 0; i < n; i++) l.v.l->items[i] = ht_strz(cx, v[i]);
    l.v.l->n = (uint32_t)n;
    return l;
}
