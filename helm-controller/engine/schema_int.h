/*
 * schema_int.h: shared by the values.schema.json validator (schema.c), its
 * format checks and URL parsing (schema_format.c) and the embedded JSON
 * Schema metaschemas (schema_meta.c).
 */
#ifndef HT_SCHEMA_INT_H
#define HT_SCHEMA_INT_H
#include "ht_internal.h"

/* the pieces of a URL as Go's url.Parse splits them (views into the input) */
typedef struct js_url {
    const char *scheme, *opaque, *user, *host, *path, *query, *frag;
    size_t scheme_len, opaque_len, user_len, host_len, path_len, query_len, frag_len;
    bool has_authority, has_query, has_frag;
} js_url;

/* Go's url.Parse: NULL when valid, else its error text ("parse ...: ...") */
const char *js_url_parse(ht_ctx *cx, const char *raw, size_t n, js_url *u);

/* a format assertion: NULL when the string is valid, else the reason */
typedef const char *(*js_format_fn)(ht_ctx *cx, const char *s, size_t n);
js_format_fn js_format_lookup(const char *name);

/* the metaschema document for a URL (draft-04 .. 2020-12 and the 2019-09 /
 * 2020-12 vocabulary metaschemas), NULL if unknown */
const char *js_metaschema_doc(const char *url);

/* ---------------------------------------------------- the schema model
 * (schema_compile.c builds it, schema.c validates with it) */

#include "fc/regex.h"

#define JS_MAX_DEPTH 4000

/* json types as the library's bit set */
enum { T_NULL = 1 << 1, T_BOOL = 1 << 2, T_NUM = 1 << 3, T_INT = 1 << 4, T_STR = 1 << 5, T_ARR = 1 << 6, T_OBJ = 1 << 7 };

/* value = (neg ? -1 : 1) * 0.DIGITS * 10^exp; digits without leading or
 * trailing zeros; zero has nd == 0 */
typedef struct js_num {
    bool neg;
    const char *d;
    int nd;
    int exp;
} js_num;
typedef struct js_sch js_sch;
typedef struct js_root js_root;

typedef struct js_named {
    const char *name;
    js_sch *sch;
} js_named;

typedef struct js_patprop {
    const char *src;
    fc_regex *re;
    js_sch *sch;
} js_patprop;

typedef struct js_dep {
    const char *name;
    const char **req; /* string list (dependencies array form, dependentRequired) */
    uint32_t nreq;
    js_sch *sch;      /* schema form */
} js_dep;

struct js_sch {
    const char *loc;
    js_root *root;
    const char *ptr;
    int draft;
    bool compiled;
    js_sch *resource;
    js_named *dyn_anchors;
    uint32_t ndyn;
    int8_t boolean; /* -1: not a boolean schema */
    js_sch *ref, *recursive_ref, *dynamic_ref;
    const char *dynamic_ref_anchor;
    bool recursive_anchor;
    const char *dynamic_anchor;
    js_sch **all_of, **any_of, **one_of, *not_;
    uint32_t nall, nany, none;
    js_sch *items;
    js_sch **items_arr;
    uint32_t nitems_arr;
    bool items_is_arr;
    int addl_items_kind; /* 0 none, 1 bool, 2 schema */
    bool addl_items_bool;
    js_sch *addl_items;
    js_sch **prefix_items;
    uint32_t nprefix;
    js_sch *items2020;
    js_named *props;
    uint32_t nprops;
    js_patprop *pprops;
    uint32_t npprops;
    int addl_props_kind;
    bool addl_props_bool;
    js_sch *addl_props;
    js_dep *deps;
    uint32_t ndeps;
    js_named *dep_schemas;
    uint32_t ndep_schemas;
    js_dep *dep_required;
    uint32_t ndep_required;
    js_sch *property_names, *contains, *if_, *then_, *else_, *uneval_items, *uneval_props;
    long long min_contains, max_contains;
    unsigned types;
    bool has_enum;
    ht_val *enum_vals;
    uint32_t nenum;
    unsigned enum_types;
    bool has_const;
    ht_val const_val;
    js_num *multiple_of, *maximum, *exclusive_maximum, *minimum, *exclusive_minimum;
    long long min_length, max_length, min_items, max_items, min_props, max_props;
    fc_regex *pattern;
    const char *pattern_src;
    bool unique_items;
    const char **required;
    uint32_t nrequired;
    const char *format_name;
    js_format_fn format;
    bool all_props_evaluated, all_items_evaluated;
    uint32_t num_items_evaluated;
    js_sch *hnext; /* hash chain */
};

typedef struct js_res {
    const char *ptr;
    const char *id;
    int draft;
    js_named *anchors; /* name -> (sch unused) ; ptr stored in anchor_ptrs */
    const char **anchor_ptrs;
    uint32_t nanchors, capa;
    const char **dyn;
    uint32_t ndyn, capd;
} js_res;

struct js_root {
    const char *url;
    ht_val doc;
    js_res *res;
    uint32_t nres, capres;
    const char **processed;
    uint32_t nprocessed, capprocessed;
};

typedef struct js_ctx js_ctx;

typedef struct js_comp {
    js_ctx *jc;
    bool assert_format;
    js_root **roots;
    uint32_t nroots, caproots;
    js_sch *tab[1024];
    js_sch **q;
    uint32_t nq, capq;
    /* documents added with AddResource */
    const char *added_url;
    ht_val added_doc;
} js_comp;

struct js_ctx {
    ht_ctx *cx;
    fc_regex **regexes;
    uint32_t nregex, capregex;
    js_comp meta; /* compiles metaschemas, asserting formats */
    js_sch *draft_sch[5];
    int depth;
};


#define GROW(arr, n, cap)                                                                                              \
    do {                                                                                                               \
        if ((n) == (cap)) {                                                                                            \
            uint32_t nc_ = (cap) ? (cap) * 2 : 8;                                                                      \
            void *np_ = ht_cx_alloc(cx, nc_ * sizeof *(arr));                                                          \
            if ((n)) memcpy(np_, (arr), (n) * sizeof *(arr));                                                          \
            (arr) = np_;                                                                                               \
            (cap) = nc_;                                                                                               \
        }                                                                                                              \
    } while (0)

/* small helpers */
static inline int draft_index(int d) { return d == 4 ? 0 : d == 6 ? 1 : d == 7 ? 2 : d == 2019 ? 3 : 4; }
static inline uint32_t list_len(ht_val v) { return v.k == HT_LIST && v.v.l ? v.v.l->n : 0; }
static inline ht_val list_at(ht_val v, uint32_t i) { return v.v.l->items[i]; }

/* shared helpers (schema_compile.c unless noted) */
bool js_num_parse(ht_ctx *cx, const char *s, js_num *out);
int js_num_cmp(const js_num *a, const js_num *b);
bool js_num_is_multiple(const js_num *a, const js_num *b);
double js_num_float(const js_num *a);
bool js_val_num(ht_ctx *cx, ht_val v, js_num *out);
void js_put_int(ht_sb *sb, long long v);
void js_put_float(ht_sb *sb, double f);
const char *js_sbf(ht_ctx *cx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void js_put_squote(ht_sb *sb, const char *s, size_t n);
void js_put_ptr_tok(ht_sb *sb, const char *s, size_t n);
void js_put_encoded_ptr(ht_sb *sb, const char *p);
const char *js_draft_url(int d);
unsigned js_type_of(ht_val v);
const char *js_type_name(unsigned t);
bool js_equals(ht_ctx *cx, ht_val a, ht_val b);
void js_put_display(ht_sb *sb, ht_val v);
const char *js_loc_string(ht_ctx *cx, const char *url, const char *ptr);
const char *js_gq(ht_ctx *cx, const char *s);
js_res *js_root_resource(js_root *r, const char *ptr);
js_sch *js_compile(js_comp *c, const char *url, const char *frag);
int js_validate_meta(js_comp *c, js_root *r, ht_val v, const char *ptr);
void js_ctx_cleanup(void *p);

#endif
