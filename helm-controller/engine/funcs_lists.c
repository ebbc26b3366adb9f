/*
 * funcs_lists.c: Sprig's list and dict functions (list.go, dict.go,
 * numeric.go's until/untilStep/seq) with mergo's merge semantics.
 *
 * Sprig works through reflection, so any slice is accepted where it takes
 * interface{}, results are []interface{} (or the input's own slice type for
 * `slice`), the non-must variants panic (which text/template reports as
 * "error calling X: ...") and a nil argument hits reflect.TypeOf(nil).Kind()
 * ("runtime error: invalid memory address or nil pointer dereference").
 * `merge`/`mergeOverwrite` follow dario.cat/mergo v1: nested maps merge in
 * place, empty destination values are filled, lists are never combined.
 */
#include "ht_internal.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FN(name) static int name(ht_ctx *cx, int argc, ht_val *argv, ht_val *out)
#define UNUSED_ARGS (void)cx, (void)argc, (void)argv

static const char nil_deref[] = "runtime error: invalid memory address or nil pointer dereference";

ht_val ht_strslice(ht_ctx *cx, ht_val v); /* funcs_strings.c */

/* Go's reflect.Kind name for Sprig's "Cannot X on type %s" errors */
static const char *kind_of(ht_val v) { return ht_kind_name(ht_strip(v)); }

/* items of a slice argument; -1 with Sprig's error when not a slice */
static int slice_items(ht_ctx *cx, ht_val v, const char *what, ht_val **items, uint32_t *n, uint8_t *sub)
{
    v = ht_strip(v);
    if (v.k == HT_NIL) return ht_errf(cx, "%s", nil_deref);
    if (v.k == HT_BYTES) {
        ht_val *it = ht_cx_alloc(cx, (v.n + 1) * sizeof *it);
        for (uint32_t i = 0; i < v.n; i++) it[i] = ht_int((unsigned char)v.v.s[i]);
        *items = it;
        *n = v.n;
        if (sub) *sub = HT_L_INT;
        return 0;
    }
    if (v.k != HT_LIST) return ht_errf(cx, "%s%s", what, kind_of(v));
    *items = v.v.l ? v.v.l->items : NULL;
    *n = v.v.l ? v.v.l->n : 0;
    if (sub) *sub = v.sub;
    return 0;
}

static ht_val new_list(ht_ctx *cx, uint32_t n) { return ht_list_new(cx, n, HT_L_ANY); }

/* the element as interface{}: Go's l2.Index(i).Interface() */
static ht_val elem(ht_val v) { return ht_strip(v); }

FN(fn_list)
{
    ht_val l = new_list(cx, (uint32_t)argc);
    for (int i = 0; i < argc; i++) l.v.l->items[i] = elem(argv[i]);
    l.v.l->n = (uint32_t)argc;
    *out = l;
    return 0;
}

static int push_impl(ht_ctx *cx, ht_val *argv, ht_val *out, bool front, const char *what)
{
    ht_val *items;
    uint32_t n;
    if (slice_items(cx, argv[0], what, &items, &n, NULL)) return -1;
    ht_val l = new_list(cx, n + 1);
    uint32_t k = 0;
    if (front) l.v.l->items[k++] = elem(argv[1]);
    for (uint32_t i = 0; i < n; i++) l.v.l->items[k++] = items[i];
    if (!front) l.v.l->items[k++] = elem(argv[1]);
    l.v.l->n = k;
    *out = l;
    return 0;
}

FN(fn_push)
{
    UNUSED_ARGS;
    return push_impl(cx, argv, out, false, "Cannot push on type ");
}

FN(fn_prepend)
{
    UNUSED_ARGS;
    return push_impl(cx, argv, out, true, "Cannot prepend on type ");
}

FN(fn_chunk)
{
    UNUSED_ARGS;
    int64_t size = argv[0].v.i;
    ht_val *items;
    uint32_t n;
    if (slice_items(cx, argv[1], "Cannot chunk type ", &items, &n, NULL)) return -1;
    if (size <= 0) return ht_errf(cx, "runtime error: integer divide by zero");
    int64_t cs = (int64_t)((n == 0 ? -1 : (int64_t)n - 1) / size) + 1;
    if (n == 0) cs = 0;
    ht_val outer = new_list(cx, (uint32_t)cs);
    for (int64_t i = 0; i < cs; i++) {
        int64_t clen = size;
        if (i == cs - 1) {
            clen = (int64_t)n % size;
            if (clen == 0) clen = size;
        }
        ht_val c = new_list(cx, (uint32_t)clen);
        for (int64_t j = 0; j < clen; j++) c.v.l->items[j] = items[i * size + j];
        c.v.l->n = (uint32_t)clen;
        outer.v.l->items[i] = c;
    }
    outer.v.l->n = (uint32_t)cs;
    *out = outer;
    return 0;
}

FN(fn_first)
{
    UNUSED_ARGS;
    ht_val *items;
    uint32_t n;
    if (slice_items(cx, argv[0], "Cannot find first on type ", &items, &n, NULL)) return -1;
    *out = n ? items[0] : ht_nil();
    return 0;
}

FN(fn_last)
{
    UNUSED_ARGS;
    ht_val *items;
    uint32_t n;
    if (slice_items(cx, argv[0], "Cannot find last on type ", &items, &n, NULL)) return -1;
    *out = n ? items[n - 1] : ht_nil();
    return 0;
}

static int sub_list(ht_ctx *cx, ht_val v, const char *what, uint32_t from, uint32_t drop_end, ht_val *out)
{
    ht_val *items;
    uint32_t n;
    if (slice_items(cx, v, what, &items, &n, NULL)) return -1;
    if (n == 0) {
        *out = ht_nil();
        out->k = HT_LIST;
        return 0;
    }
    ht_val l = new_list(cx, n - 1);
    for (uint32_t i = from; i < n - drop_end; i++) l.v.l->items[l.v.l->n++] = items[i];
    *out = l;
    return 0;
}

FN(fn_rest)
{
    UNUSED_ARGS;
    return sub_list(cx, argv[0], "Cannot find rest on type ", 1, 0, out);
}

FN(fn_initial)
{
    UNUSED_ARGS;
    return sub_list(cx, argv[0], "Cannot find initial on type ", 0, 1, out);
}

FN(fn_reverse)
{
    UNUSED_ARGS;
    ht_val *items;
    uint32_t n;
    if (slice_items(cx, argv[0], "Cannot find reverse on type ", &items, &n, NULL)) return -1;
    ht_val l = new_list(cx, n);
    for (uint32_t i = 0; i < n; i++) l.v.l->items[n - 1 - i] = items[i];
    l.v.l->n = n;
    *out = l;
    return 0;
}

bool ht_empty(ht_val v); /* funcs_math.c */

FN(fn_compact)
{
    UNUSED_ARGS;
    ht_val *items;
    uint32_t n;
    if (slice_items(cx, argv[0], "Cannot compact on type ", &items, &n, NULL)) return -1;
    ht_val l = new_list(cx, n);
    for (uint32_t i = 0; i < n; i++)
        if (!ht_empty(items[i])) l.v.l->items[l.v.l->n++] = items[i];
    *out = l;
    return 0;
}

static bool in_list(ht_val *h, uint32_t n, ht_val needle)
{
    for (uint32_t i = 0; i < n; i++)
        if (ht_deep_equal(ht_strip(needle), ht_strip(h[i]))) return true;
    return false;
}

FN(fn_uniq)
{
    UNUSED_ARGS;
    ht_val *items;
    uint32_t n;
    if (slice_items(cx, argv[0], "Cannot find uniq on type ", &items, &n, NULL)) return -1;
    ht_val l = new_list(cx, n);
    for (uint32_t i = 0; i < n; i++)
        if (!in_list(l.v.l->items, l.v.l->n, items[i])) l.v.l->items[l.v.l->n++] = items[i];
    *out = l;
    return 0;
}

FN(fn_without)
{
    ht_val *items;
    uint32_t n;
    if (slice_items(cx, argv[0], "Cannot find without on type ", &items, &n, NULL)) return -1;
    ht_val l = new_list(cx, n);
    for (uint32_t i = 0; i < n; i++)
        if (!in_list(argv + 1, (uint32_t)(argc - 1), items[i])) l.v.l->items[l.v.l->n++] = items[i];
    *out = l;
    return 0;
}

FN(fn_has)
{
    UNUSED_ARGS;
    ht_val hay = ht_strip(argv[1]);
    if (hay.k == HT_NIL) {
        *out = ht_bool(false);
        return 0;
    }
    ht_val *items;
    uint32_t n;
    if (slice_items(cx, hay, "Cannot find has on type ", &items, &n, NULL)) return -1;
    *out = ht_bool(in_list(items, n, argv[0]));
    return 0;
}

FN(fn_sprig_slice)
{
    ht_val v = ht_strip(argv[0]);
    ht_val *items;
    uint32_t n;
    uint8_t sub;
    if (slice_items(cx, v, "list should be type of slice or array but ", &items, &n, &sub)) return -1;
    if (n == 0) {
        *out = ht_nil();
        return 0;
    }
    int64_t start = 0, end = n;
    if (argc > 1) start = ht_cast_int(argv[1]);
    if (argc > 2) end = ht_cast_int(argv[2]);
    if (start < 0 || end < start || end > n) return ht_errf(cx, "reflect.Value.Slice: slice index out of bounds");
    ht_val l = ht_list_new(cx, (uint32_t)(end - start), sub);
    for (int64_t i = start; i < end; i++) l.v.l->items[l.v.l->n++] = items[i];
    *out = l;
    return 0;
}

FN(fn_concat)
{
    ht_val l = ht_nil();
    l.k = HT_LIST;
    for (int i = 0; i < argc; i++) {
        ht_val *items;
        uint32_t n;
        ht_val a = ht_strip(argv[i]);
        if (a.k == HT_NIL) return ht_errf(cx, "%s", nil_deref);
        if (a.k != HT_LIST && a.k != HT_BYTES) return ht_errf(cx, "Cannot concat type %s as list", kind_of(a));
        if (slice_items(cx, a, "Cannot concat type ", &items, &n, NULL)) return -1;
        for (uint32_t j = 0; j < n; j++) ht_list_push(cx, &l, items[j]);
    }
    *out = l;
    return 0;
}

static int str_val_cmp(const void *a, const void *b)
{
    const ht_val *x = a, *y = b;
    size_t n = x->n < y->n ? x->n : y->n;
    int c = memcmp(x->v.s, y->v.s, n);
    if (c) return c;
    return x->n < y->n ? -1 : x->n > y->n;
}

FN(fn_sort_alpha)
{
    UNUSED_ARGS;
    ht_val v = ht_strip(argv[0]);
    if (v.k == HT_LIST || v.k == HT_BYTES) {
        ht_val s = ht_strslice(cx, v);
        uint32_t n = s.v.l ? s.v.l->n : 0;
        ht_val l = ht_list_new(cx, n, HT_L_STRING);
        for (uint32_t i = 0; i < n; i++) l.v.l->items[i] = s.v.l->items[i];
        l.v.l->n = n;
        if (n) qsort(l.v.l->items, n, sizeof(ht_val), str_val_cmp);
        *out = l;
        return 0;
    }
    ht_val l = ht_list_new(cx, 1, HT_L_STRING);
    l.v.l->items[0] = ht_to_string(cx, v);
    l.v.l->n = 1;
    *out = l;
    return 0;
}


/* ----------------------------------------------------------- ranges */

static ht_val until_step(ht_ctx *cx, int64_t start, int64_t stop, int64_t step)
{
    ht_val v = ht_list_new(cx, 0, HT_L_INT);
    if (stop < start) {
        if (step >= 0) return v;
        for (int64_t i = start; i > stop; i += step) ht_list_push(cx, &v, ht_int(i));
        return v;
    }
    if (step <= 0) return v;
    for (int64_t i = start; i < stop; i += step) {
        ht_list_push(cx, &v, ht_int(i));
        if (i > INT64_MAX - step) break;
    }
    return v;
}

FN(fn_until)
{
    UNUSED_ARGS;
    int64_t c = argv[0].v.i;
    *out = until_step(cx, 0, c, c < 0 ? -1 : 1);
    return 0;
}

FN(fn_until_step)
{
    UNUSED_ARGS;
    *out = until_step(cx, argv[0].v.i, argv[1].v.i, argv[2].v.i);
    return 0;
}

FN(fn_seq)
{
    ht_val l;
    int64_t inc = 1;
    switch (argc) {
    case 1: {
        int64_t start = 1, end = argv[0].v.i;
        if (end < start) inc = -1;
        l = until_step(cx, start, end + inc, inc);
        break;
    }
    case 2: {
        int64_t start = argv[0].v.i, end = argv[1].v.i, step = 1;
        if (end < start) step = -1;
        l = until_step(cx, start, end + step, step);
        break;
    }
    case 3: {
        int64_t start = argv[0].v.i, end = argv[2].v.i, step = argv[1].v.i;
        if (end < start) {
            inc = -1;
            if (step > 0) {
                *out = ht_str_static("", 0);
                return 0;
            }
        }
        l = until_step(cx, start, end + inc, step);
        break;
    }
    default: *out = ht_str_static("", 0); return 0;
    }
    ht_sb sb;
    ht_sb_init(&sb, cx);
    for (uint32_t i = 0; l.v.l && i < l.v.l->n; i++) {
        if (i) ht_sb_putc(&sb, ' ');
        ht_sb_printf(&sb, "%lld", (long long)l.v.l->items[i].v.i);
    }
    *out = ht_sb_val(&sb);
    return 0;
}

/* ----------------------------------------------------------- dicts */

static ht_val *mget(ht_val m, ht_val key) { return m.v.m ? ht_map_get(m.v.m, key.v.s, key.n) : NULL; }

FN(fn_dict)
{
    ht_val d = ht_map_new(cx, HT_M_ANY);
    for (int i = 0; i < argc; i += 2) {
        ht_val k = ht_to_string(cx, argv[i]);
        ht_map_set(cx, d.v.m, k.v.s, k.n, i + 1 < argc ? argv[i + 1] : ht_str_static("", 0));
    }
    *out = d;
    return 0;
}

FN(fn_get)
{
    UNUSED_ARGS;
    ht_val *e = mget(argv[0], argv[1]);
    *out = e ? *e : ht_str_static("", 0);
    return 0;
}

FN(fn_set)
{
    UNUSED_ARGS;
    if (!argv[0].v.m) return ht_errf(cx, "assignment to entry in nil map");
    ht_map_set(cx, argv[0].v.m, argv[1].v.s, argv[1].n, argv[2]);
    *out = argv[0];
    return 0;
}

FN(fn_unset)
{
    UNUSED_ARGS;
    if (argv[0].v.m) ht_map_del(argv[0].v.m, argv[1].v.s, argv[1].n);
    *out = argv[0];
    return 0;
}

FN(fn_has_key)
{
    UNUSED_ARGS;
    *out = ht_bool(mget(argv[0], argv[1]) != NULL);
    return 0;
}

FN(fn_pluck)
{
    ht_val l = new_list(cx, (uint32_t)argc);
    for (int i = 1; i < argc; i++) {
        ht_val *e = mget(argv[i], argv[0]);
        if (e) l.v.l->items[l.v.l->n++] = *e;
    }
    *out = l;
    return 0;
}

FN(fn_keys)
{
    ht_val l = ht_list_new(cx, 0, HT_L_STRING);
    for (int i = 0; i < argc; i++) {
        uint32_t n;
        ht_mentry **es = ht_map_sorted(cx, argv[i].v.m, &n);
        for (uint32_t j = 0; j < n; j++) ht_list_push(cx, &l, ht_str_static(es[j]->key, es[j]->klen));
    }
    *out = l;
    return 0;
}

FN(fn_values)
{
    UNUSED_ARGS;
    ht_val l = new_list(cx, ht_map_len(argv[0].v.m));
    uint32_t n;
    ht_mentry **es = ht_map_sorted(cx, argv[0].v.m, &n);
    for (uint32_t j = 0; j < n; j++) l.v.l->items[l.v.l->n++] = es[j]->val;
    *out = l;
    return 0;
}

FN(fn_pick)
{
    ht_val r = ht_map_new(cx, HT_M_ANY);
    for (int i = 1; i < argc; i++) {
        ht_val *e = mget(argv[0], argv[i]);
        if (e) ht_map_set(cx, r.v.m, argv[i].v.s, argv[i].n, *e);
    }
    *out = r;
    return 0;
}

FN(fn_omit)
{
    ht_val r = ht_map_new(cx, HT_M_ANY);
    uint32_t n;
    ht_mentry **es = ht_map_sorted(cx, argv[0].v.m, &n);
    for (uint32_t j = 0; j < n; j++) {
        bool skip = false;
        for (int i = 1; i < argc && !skip; i++)
            skip = argv[i].n == es[j]->klen && memcmp(argv[i].v.s, es[j]->key, es[j]->klen) == 0;
        if (!skip) ht_map_set(cx, r.v.m, es[j]->key, es[j]->klen, es[j]->val);
    }
    *out = r;
    return 0;
}

static bool is_nil_elem(ht_val v) { return v.k == HT_NIL || (v.k == HT_LIST && !v.v.l) || (v.k == HT_MAP && !v.v.m); }

/* mergo's deepMerge for map[string]interface{} */
static void merge_maps(ht_ctx *cx, ht_map *dst, ht_map *src, bool overwrite, int depth)
{
    if (!src || depth > 10000) return;
    uint32_t n;
    ht_mentry **es = ht_map_sorted(cx, src, &n);
    /* copy the entry list: dst may be src */
    ht_mentry **copy = ht_cx_alloc(cx, (n + 1) * sizeof *copy);
    if (n) memcpy(copy, es, n * sizeof *copy);
    for (uint32_t i = 0; i < n; i++) {
        ht_mentry *e = copy[i];
        ht_val sv = e->val;
        ht_val *dp = ht_map_get(dst, e->key, e->klen);
        bool has_dst = dp != NULL;
        ht_val dv = has_dst ? *dp : ht_nil();
        if (is_nil_elem(sv)) {
            if (overwrite) ht_map_set(cx, dst, e->key, e->klen, sv);
            continue;
        }
        if (sv.k == HT_MAP) {
            if (has_dst && dv.k == HT_MAP && dv.v.m) merge_maps(cx, dv.v.m, sv.v.m, overwrite, depth + 1);
        } else if (sv.k == HT_LIST) {
            ht_val ds;
            if (!has_dst || is_nil_elem(dv)) ds = ht_list_new(cx, 0, sv.sub);
            else ds = dv;
            if (overwrite) ds = sv;
            ht_map_set(cx, dst, e->key, e->klen, ds);
        }
        if (has_dst && !ht_empty(dv)) {
            if (sv.k == HT_LIST) continue;
            if (sv.k == HT_MAP && dv.k == HT_MAP) continue;
        }
        if (overwrite || !has_dst || ht_empty(dv)) ht_map_set(cx, dst, e->key, e->klen, sv);
    }
}

static int merge_impl(ht_ctx *cx, int argc, ht_val *argv, ht_val *out, bool overwrite)
{
    ht_val dst = argv[0];
    for (int i = 1; i < argc; i++) {
        if (!argv[i].v.m) continue;
        if (!dst.v.m) dst = ht_map_new(cx, dst.sub);
        merge_maps(cx, dst.v.m, argv[i].v.m, overwrite, 0);
    }
    *out = dst;
    return 0;
}

FN(fn_merge) { return merge_impl(cx, argc, argv, out, false); }
FN(fn_merge_overwrite) { return merge_impl(cx, argc, argv, out, true); }

FN(fn_deep_copy)
{
    UNUSED_ARGS;
    if (ht_strip(argv[0]).k == HT_NIL) return ht_errf(cx, "reflect: call of reflect.Value.Type on zero Value");
    *out = ht_deep_copy(cx, ht_strip(argv[0]));
    return 0;
}

FN(fn_dig)
{
    if (argc < 3) return ht_errf(cx, "dig needs at least three arguments");
    ht_val d = ht_strip(argv[argc - 1]);
    if (!(d.k == HT_MAP && (d.sub == HT_M_ANY || d.sub == HT_M_VALUES)))
        return ht_errf(cx, "interface conversion: interface {} is %s, not map[string]interface {}",
                       d.k == HT_NIL ? "nil" : ht_type_name(d));
    ht_val def = ht_strip(argv[argc - 2]);
    for (int i = 0; i < argc - 2; i++) {
        ht_val k = ht_strip(argv[i]);
        if (k.k != HT_STRING)
            return ht_errf(cx, "interface conversion: interface {} is %s, not string", k.k == HT_NIL ? "nil" : ht_type_name(k));
    }
    for (int i = 0; i < argc - 2; i++) {
        ht_val *e = d.v.m ? ht_map_get(d.v.m, argv[i].v.s, argv[i].n) : NULL;
        if (!e) {
            *out = def;
            return 0;
        }
        if (i == argc - 3) {
            *out = *e;
            return 0;
        }
        d = *e;
        if (!(d.k == HT_MAP && (d.sub == HT_M_ANY || d.sub == HT_M_VALUES)))
            return ht_errf(cx, "interface conversion: interface {} is %s, not map[string]interface {}",
                           d.k == HT_NIL ? "nil" : ht_type_name(d));
    }
    *out = def;
    return 0;
}

#define A P_ANY
#define S P_STRING
#define M P_MAP

const ht_funcdef ht_funcs_lists[] = {
    {"append", fn_push, 2, false, {A, A}, P_LIST, 0},
    {"chunk", fn_chunk, 2, false, {P_INT, A}, P_LIST, 0},
    {"compact", fn_compact, 1, false, {A}, P_LIST, 0},
    {"concat", fn_concat, 1, true, {A}, A, 0},
    {"deepCopy", fn_deep_copy, 1, false, {A}, A, 0},
    {"dict", fn_dict, 1, true, {A}, M, 0},
    {"dig", fn_dig, 1, true, {A}, A, 0},
    {"first", fn_first, 1, false, {A}, A, 0},
    {"get", fn_get, 2, false, {M, S}, A, 0},
    {"has", fn_has, 2, false, {A, A}, P_BOOL, 0},
    {"hasKey", fn_has_key, 2, false, {M, S}, P_BOOL, 0},
    {"initial", fn_initial, 1, false, {A}, P_LIST, 0},
    {"keys", fn_keys, 1, true, {M}, P_STRLIST, 0},
    {"last", fn_last, 1, false, {A}, A, 0},
    {"list", fn_list, 1, true, {A}, P_LIST, 0},
    {"merge", fn_merge, 2, true, {M, M}, A, 0},
    {"mergeOverwrite", fn_merge_overwrite, 2, true, {M, M}, A, 0},
    {"mustAppend", fn_push, 2, false, {A, A}, P_LIST, 0},
    {"mustChunk", fn_chunk, 2, false, {P_INT, A}, P_LIST, 0},
    {"mustCompact", fn_compact, 1, false, {A}, P_LIST, 0},
    {"mustDeepCopy", fn_deep_copy, 1, false, {A}, A, 0},
    {"mustFirst", fn_first, 1, false, {A}, A, 0},
    {"mustHas", fn_has, 2, false, {A, A}, P_BOOL, 0},
    {"mustInitial", fn_initial, 1, false, {A}, P_LIST, 0},
    {"mustLast", fn_last, 1, false, {A}, A, 0},
    {"mustMerge", fn_merge, 2, true, {M, M}, A, 0},
    {"mustMergeOverwrite", fn_merge_overwrite, 2, true, {M, M}, A, 0},
    {"mustPrepend", fn_prepend, 2, false, {A, A}, P_LIST, 0},
    {"mustPush", fn_push, 2, false, {A, A}, P_LIST, 0},
    {"mustRest", fn_rest, 1, false, {A}, P_LIST, 0},
    {"mustReverse", fn_reverse, 1, false, {A}, P_LIST, 0},
    {"mustSlice", fn_sprig_slice, 2, true, {A, A}, A, 0},
    {"mustUniq", fn_uniq, 1, false, {A}, P_LIST, 0},
    {"mustWithout", fn_without, 2, true, {A, A}, P_LIST, 0},
    {"omit", fn_omit, 2, true, {M, S}, M, 0},
    {"pick", fn_pick, 2, true, {M, S}, M, 0},
    {"pluck", fn_pluck, 2, true, {S, M}, P_LIST, 0},
    {"prepend", fn_prepend, 2, false, {A, A}, P_LIST, 0},
    {"push", fn_push, 2, false, {A, A}, P_LIST, 0},
    {"rest", fn_rest, 1, false, {A}, P_LIST, 0},
    {"reverse", fn_reverse, 1, false, {A}, P_LIST, 0},
    {"seq", fn_seq, 1, true, {P_INT}, S, 0},
    {"set", fn_set, 3, false, {M, S, A}, M, 0},
    {"slice", fn_sprig_slice, 2, true, {A, A}, A, 0},
    {"sortAlpha", fn_sort_alpha, 1, false, {A}, P_STRLIST, 0},
    {"tuple", fn_list, 1, true, {A}, P_LIST, 0},
    {"uniq", fn_uniq, 1, false, {A}, P_LIST, 0},
    {"unset", fn_unset, 2, false, {M, S}, M, 0},
    {"until", fn_until, 1, false, {P_INT}, P_LIST, 0},
    {"untilStep", fn_until_step, 3, false, {P_INT, P_INT, P_INT}, P_LIST, 0},
    {"values", fn_values, 1, false, {M}, P_LIST, 0},
    {"without", fn_without, 2, true, {A, A}, P_LIST, 0},
    {NULL, NULL, 0, false, {0}, 0, 0},
};
