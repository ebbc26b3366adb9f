/*
 * ht_internal.h: what the engine's files share and nobody outside the engine
 * sees: the render arena, the dynamic value model (Go's interface{} values as
 * Helm templates see them), the template AST, the executor and the function
 * registry.
 *
 * Memory: every value created while rendering lives in one arena (ht_arena)
 * that is freed in one go when the render ends. Go templates share maps by
 * reference and mutate them (`set`, `merge`), build lists and strings freely
 * and never free anything explicitly; an arena reproduces that without
 * reference counting and without cycles to leak. The arena has a byte cap,
 * so a template cannot allocate without bound.
 */
#ifndef HT_INTERNAL_H
#define HT_INTERNAL_H
#include "fc/unicode.h"
#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include "fc/buf.h"

/* ------------------------------------------------------------- arena */

typedef struct ht_arena ht_arena;
ht_arena *ht_arena_new(size_t max_bytes);
void ht_arena_free(ht_arena *a);
/* NULL when the cap is hit (the arena remembers that it overflowed). */
void *ht_alloc(ht_arena *a, size_t n);
void *ht_zalloc(ht_arena *a, size_t n);
char *ht_strndup(ht_arena *a, const char *s, size_t n);
bool ht_arena_overflowed(const ht_arena *a);
size_t ht_arena_used(const ht_arena *a);
size_t ht_arena_max(const ht_arena *a);

/* ------------------------------------------------------------- values */

typedef enum ht_kind {
    HT_NIL = 0,   /* Go's invalid reflect.Value / untyped nil */
    HT_BOOL,
    HT_INT,       /* Go int */
    HT_INT64,
    HT_UINT64,
    HT_FLOAT64,
    HT_DURATION,  /* time.Duration, nanoseconds in i */
    HT_STRING,
    HT_BYTES,     /* []byte */
    HT_LIST,      /* slice; element type in sub */
    HT_MAP,       /* map with string keys; element / named type in sub */
    HT_TIME,      /* time.Time */
    HT_OBJ,       /* a Go struct or pointer with fields/methods (class in o->cls) */
} ht_kind;

/* sub types for lists */
enum { HT_L_ANY = 0, HT_L_STRING, HT_L_INT, HT_L_VERSIONSET };
/* sub types for maps */
enum { HT_M_ANY = 0, HT_M_VALUES, HT_M_STRING, HT_M_FILES };

/* flags */
#define HT_FL_IFACE 0x01 /* value held in an interface{}-typed reflect.Value */

typedef struct ht_list ht_list;
typedef struct ht_map ht_map;
typedef struct ht_obj ht_obj;
typedef struct ht_time ht_time;

typedef struct ht_val {
    uint8_t k;     /* ht_kind */
    uint8_t sub;   /* list/map element type */
    uint8_t fl;    /* HT_FL_* */
    uint8_t pad_;
    uint32_t n;    /* string/bytes length */
    union {
        bool b;
        int64_t i;
        uint64_t u;
        double f;
        const char *s; /* string/bytes (NUL-terminated in the arena) */
        ht_list *l;    /* NULL = nil slice */
        ht_map *m;     /* NULL = nil map */
        ht_obj *o;
        ht_time *t;
    } v;
} ht_val;

struct ht_list {
    uint32_t n;
    uint32_t cap;
    ht_val *items;
};

typedef struct ht_mentry {
    const char *key;
    uint32_t klen;
    uint32_t hash;
    ht_val val;
    bool dead;
} ht_mentry;

struct ht_map {
    uint32_t n;      /* live entries */
    uint32_t used;   /* entries slots used (live + dead) */
    uint32_t cap;    /* entries capacity */
    uint32_t nidx;   /* index size (power of two) */
    int32_t *idx;    /* -1 empty */
    ht_mentry *ents;
    ht_mentry **sorted; /* cache of live entries in key order */
    uint32_t sorted_gen, gen;
};

struct ht_time {
    int64_t sec;     /* unix seconds */
    int32_t nsec;
    int32_t off;     /* zone offset seconds east of UTC */
    char zone[16];   /* zone abbreviation ("UTC", "CET") */
    bool mono;       /* carries a monotonic reading (time.Now) */
};

typedef struct ht_ctx ht_ctx;
typedef struct ht_funcdef ht_funcdef;
typedef struct ht_sb ht_sb;

/* A Go struct/pointer type exposed to templates. */
typedef struct ht_class {
    const char *type_name;  /* %T, e.g. "*common.Capabilities" */
    const char *kind_name;  /* kindOf, e.g. "ptr", "struct" */
    bool is_ptr;
    /* field lookup; returns false if no such field */
    bool (*field)(ht_ctx *cx, ht_obj *o, const char *name, ht_val *out);
    /* method lookup: NULL if no such method */
    const ht_funcdef *(*method)(const char *name);
    /* %v printing (NULL: print as struct via fields list) */
    void (*print)(ht_obj *o, ht_sb *out);
    /* the value encoding/json sees (a map of exported fields, or a string
     * for types with MarshalJSON); NULL: {} */
    ht_val (*to_value)(ht_ctx *cx, ht_obj *o);
    /* value used by fmt's String()/Error() handling: true when it has String() */
    bool has_string;
    /* String() with a pointer receiver: text/template prints addressable
     * values (fields reached through a pointer) with it, fmt does not */
    void (*print_addressable)(ht_obj *o, ht_sb *out);
} ht_class;

struct ht_obj {
    const ht_class *cls;
    void *data;
};

/* constructors (arena-allocated where needed) */
static inline ht_val ht_nil(void) { ht_val v = {0}; return v; }
static inline ht_val ht_bool(bool b) { ht_val v = {0}; v.k = HT_BOOL; v.v.b = b; return v; }
static inline ht_val ht_int(int64_t i) { ht_val v = {0}; v.k = HT_INT; v.v.i = i; return v; }
static inline ht_val ht_int64(int64_t i) { ht_val v = {0}; v.k = HT_INT64; v.v.i = i; return v; }
static inline ht_val ht_uint64(uint64_t u) { ht_val v = {0}; v.k = HT_UINT64; v.v.u = u; return v; }
static inline ht_val ht_float(double f) { ht_val v = {0}; v.k = HT_FLOAT64; v.v.f = f; return v; }
static inline ht_val ht_duration(int64_t ns) { ht_val v = {0}; v.k = HT_DURATION; v.v.i = ns; return v; }
/* string views: s must live as long as the render (arena or static) */
static inline ht_val ht_str_static(const char *s, size_t n)
{
    ht_val v = {0};
    v.k = HT_STRING;
    v.v.s = s;
    v.n = (uint32_t)n;
    return v;
}
ht_val ht_str(ht_ctx *cx, const char *s, size_t n); /* copies */
ht_val ht_strz(ht_ctx *cx, const char *s);           /* copies */
ht_val ht_bytes(ht_ctx *cx, const char *s, size_t n);
ht_val ht_str_take_buf(ht_ctx *cx, fc_buf *b);      /* copies and disposes b */
ht_val ht_list_new(ht_ctx *cx, uint32_t cap, uint8_t sub);
int ht_list_push(ht_ctx *cx, ht_val *list, ht_val item);
ht_val ht_map_new(ht_ctx *cx, uint8_t sub);
ht_val ht_obj_new(ht_ctx *cx, const ht_class *cls, void *data);

/* map operations */
ht_val *ht_map_get(ht_map *m, const char *key, size_t klen);
int ht_map_set(ht_ctx *cx, ht_map *m, const char *key, size_t klen, ht_val val);
void ht_map_del(ht_map *m, const char *key, size_t klen);
/* live entries in Go's sorted key order (borrowed, valid until the next
 * mutation); *n receives the count */
ht_mentry **ht_map_sorted(ht_ctx *cx, ht_map *m, uint32_t *n);
static inline uint32_t ht_map_len(const ht_map *m) { return m ? m->n : 0; }

/* helpers */
static inline ht_val ht_strip(ht_val v) { v.fl &= (uint8_t)~HT_FL_IFACE; return v; }
static inline ht_val ht_iface(ht_val v) { v.fl |= HT_FL_IFACE; return v; }
bool ht_truth(ht_val v);
/* Go's %T of the value ("<nil>" for nil) */
const char *ht_type_name(ht_val v);
/* reflect.Kind name ("string", "map", "slice", "float64", "ptr", "invalid") */
const char *ht_kind_name(ht_val v);
size_t ht_len(ht_val v, bool *ok);
/* reflect.DeepEqual */
bool ht_deep_equal(ht_val a, ht_val b);
/* deep copy of maps/lists (copystructure semantics) */
ht_val ht_deep_copy(ht_ctx *cx, ht_val v);

/* JSON bridging. Values from YAML/JSON (values files, fromYaml) get Go's
 * encoding/json types: numbers float64, objects map[string]interface{},
 * arrays []interface{}. */
ht_val ht_from_json(ht_ctx *cx, json_object *o, uint8_t map_sub);
/* encoding/json.Marshal semantics (map keys sorted); NULL + error text in cx
 * when a value cannot be marshalled. New reference. */
json_object *ht_to_json(ht_ctx *cx, ht_val v, int *err);
/* encoding/json.Marshal as text: indent NULL for compact; escape_html as
 * json.Marshal does by default. Returns -1 (error in cx) for NaN/Inf. */
int ht_json_encode(ht_ctx *cx, ht_val v, ht_sb *out, const char *indent, bool escape_html);
/* a JSON string literal of s as encoding/json writes it (html: <, > and &
 * as \u003c..); funcs_json.c, also used for TOML's quoted keys */
void ht_json_string(ht_sb *sb, const char *s, size_t n, bool html);
/* encoding/json's view of a decoded value: its type name in error texts
 * ("string", "number", ...) and its case-insensitive struct field lookup
 * (exact match first). Defined in chart.c, used by the chart and manifest
 * decoders. */
const char *ht_json_kind(json_object *v);
json_object *ht_json_field_ci(json_object *o, const char *name);
/* json.Unmarshal into interface{} with Go's error messages */
int ht_json_decode(ht_ctx *cx, const char *s, size_t n, ht_val *out);
/* sigs.k8s.io/yaml.Unmarshal into interface{} (first document) */
int ht_yaml_decode(ht_ctx *cx, const char *s, size_t n, ht_val *out);
/* Helm's toYaml: sigs.k8s.io/yaml.Marshal without the trailing newline */
int ht_to_yaml(ht_ctx *cx, ht_val v, ht_val *out);

/* ------------------------------------------------------ string builder */

/* An arena-backed growable string. Growing copies into a new arena block
 * (the old one becomes garbage until the render ends); going past max
 * aborts the render with "output size limit exceeded" (see ht_fatal). */
struct ht_sb {
    ht_ctx *cx;
    char *p;
    size_t len, cap, max;
};
void ht_sb_init(ht_sb *sb, ht_ctx *cx);
void ht_sb_put(ht_sb *sb, const char *s, size_t n);
void ht_sb_puts(ht_sb *sb, const char *s);
void ht_sb_putc(ht_sb *sb, char c);
void ht_sb_printf(ht_sb *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void ht_sb_rune(ht_sb *sb, uint32_t r); /* UTF-8 encode */
/* the content as a string value (no copy; the builder must not be reused) */
ht_val ht_sb_val(ht_sb *sb);

/* ------------------------------------------------------ Go fmt printing */

/* fmt.Sprint-style %v of one value appended to out (top-level nil prints as
 * "<nil>" like fmt does; the template printer handles "<no value>") */
void ht_fmt_value(ht_val v, ht_sb *out);
void ht_fmt_sprint(int argc, const ht_val *argv, ht_sb *out);
void ht_fmt_sprintln(int argc, const ht_val *argv, ht_sb *out);
void ht_fmt_sprintf(const char *fmt, size_t flen, int argc, const ht_val *argv, ht_sb *out);
/* Go's strconv.Quote into out */
void ht_go_quote(const char *s, size_t n, ht_sb *out);
/* Sprig's strval / toString */
ht_val ht_to_string(ht_ctx *cx, ht_val v);

/* ----------------------------------------------------------- templates */

typedef enum ht_node_type {
    N_TEXT, N_ACTION, N_BOOL, N_CHAIN, N_COMMAND, N_DOT, N_ELSE, N_END, N_FIELD,
    N_IDENT, N_IF, N_LIST, N_NIL, N_NUMBER, N_PIPE, N_RANGE, N_STRING, N_TEMPLATE,
    N_VARIABLE, N_WITH, N_COMMENT, N_BREAK, N_CONTINUE,
} ht_node_type;

typedef struct ht_tree ht_tree;
typedef struct ht_node ht_node;

struct ht_node {
    uint8_t type;
    uint32_t pos;     /* byte offset in the tree's source text */
    ht_tree *tree;
    union {
        struct { const char *s; uint32_t n; } text;       /* TEXT, COMMENT */
        struct { ht_node **v; uint32_t n, cap; } list;     /* LIST */
        struct { ht_node *pipe; } action;                 /* ACTION */
        struct {                                          /* PIPE */
            bool is_assign;
            ht_node **decl; uint32_t ndecl;               /* VARIABLE nodes */
            ht_node **cmds; uint32_t ncmds, capc;
        } pipe;
        struct { ht_node **args; uint32_t n, cap; } cmd;  /* COMMAND */
        struct { const char **ident; uint32_t n; } field; /* FIELD, VARIABLE */
        struct { const char *name; const ht_funcdef *fn; } ident; /* IDENT */
        struct { ht_node *node; const char **field; uint32_t n; } chain; /* CHAIN */
        bool b;                                           /* BOOL */
        struct {                                          /* NUMBER */
            bool is_int, is_uint, is_float, is_complex;
            int64_t i; uint64_t u; double f;
            const char *text;
        } num;
        struct { const char *quoted; const char *s; uint32_t n; } str; /* STRING */
        struct { ht_node *pipe, *list, *else_list; } branch; /* IF, RANGE, WITH */
        struct { const char *name; ht_node *pipe; } tmpl;  /* TEMPLATE */
    } u;
};

struct ht_tree {
    const char *name;       /* template name */
    const char *parse_name; /* top-level template name during parsing */
    const char *text;       /* source text (for line:col of errors) */
    size_t text_len;
    ht_node *root;
};

/* A namespace of named templates (Go's template "common"). tpl() creates an
 * overlay namespace on top of the chart's. */
typedef struct ht_tset ht_tset;
ht_tset *ht_tset_new(ht_ctx *cx, ht_tset *parent);
ht_tree *ht_tset_lookup(ht_tset *ts, const char *name);

/* Parse `text` as template `name` into ts (defines included). Returns 0 or -1
 * with the Go-format error ("template: NAME:LINE: ...") in cx. */
int ht_parse(ht_ctx *cx, ht_tset *ts, const char *name, const char *text, size_t len);
/* "NAME:LINE:COL" and the node's text for error contexts */
void ht_node_location(ht_node *n, ht_sb *out);
void ht_node_string(ht_node *n, ht_sb *out);
bool ht_tree_is_empty(ht_node *n);

/* --------------------------------------------------------- functions */

/* Parameter/return types, as the Go function signatures declare them. */
enum {
    P_ANY = 0,   /* interface{} (and reflect.Value for builtins) */
    P_STRING, P_INT, P_INT64, P_FLOAT64, P_BOOL, P_LIST, P_MAP, P_TIME,
    P_UINT64, P_SEMVER, P_DURATION, P_STRLIST,
    P_RAW, /* result only: keep the flags the function set */
    P_UINT32, P_CERT,
};

typedef int (*ht_fn)(ht_ctx *cx, int argc, ht_val *argv, ht_val *out);

struct ht_funcdef {
    const char *name;
    ht_fn fn;
    uint8_t nin;        /* declared params (the variadic slice counts as one) */
    bool variadic;
    uint8_t in[6];      /* param types; for variadic the last is the element type */
    uint8_t ret;        /* P_ANY marks an interface{} result */
    uint8_t special;    /* SP_* */
};
enum { SP_NONE = 0, SP_AND, SP_OR, SP_CALL };

/* the function table (builtins + Sprig + Helm), sorted by name */
const ht_funcdef *ht_func_lookup(const char *name);
/* registries contributed by each funcs_*.c file */
extern const ht_funcdef ht_funcs_core[], ht_funcs_strings[], ht_funcs_lists[], ht_funcs_math[],
    ht_funcs_encoding[], ht_funcs_json[], ht_funcs_yaml[], ht_funcs_date[], ht_funcs_crypto[],
    ht_funcs_regex[], ht_funcs_semver[], ht_funcs_helm[];

/* --------------------------------------------------------- execution */

typedef struct ht_render_env ht_render_env; /* render.c: chart objects for include/tpl/Files */

struct ht_ctx {
    ht_arena *arena;
    char *err;              /* last error message (malloc'd) */
    bool err_is_exec;       /* err is a Go template ExecError */
    bool err_wrapped;       /* unused */
    /* errors.Unwrap chain of the last error, err first (for Helm's
     * reformatExecErrorMsg); malloc'd strings */
    char **chain;
    int nchain;
    ht_tset *tset;          /* current template namespace */
    ht_render_env *env;
    size_t max_output;      /* bytes per rendered file and per include result */
    unsigned include_depth; /* nesting of include/tpl */
    unsigned tpl_depth;
    unsigned exec_depth;
    bool strict;            /* missingkey=error */
    const char *cur_template; /* name of the template being executed (for tpl) */
    /* include counts per template name (Helm's recursion guard) */
    ht_map *included;
    bool enable_dns;
    /* results of semver range checks during dependency processing */
    ht_map *semver_cache;
    /* fatal errors (arena cap, output cap) unwind to the render's top */
    jmp_buf *fatal;
    struct { void (*fn)(void *); void *p; } cleanup[32];
    int ncleanup;
};

/* allocate from the render arena; on overflow the render aborts (ht_fatal) */
void *ht_cx_alloc(ht_ctx *cx, size_t n);
char *ht_cx_strndup(ht_ctx *cx, const char *s, size_t n);

/* Go strconv / conversion helpers (value.c) */
bool ht_parse_int(const char *s, size_t n, int base, int64_t *out);
bool ht_parse_float(const char *s, size_t n, double *out);
int64_t ht_f2i(double f); /* Go's int64(float64) on amd64 */
/* UTF-8 and Unicode classes: fc/unicode.h (libcommon) */
/* uniform random integer in [0, n) from OpenSSL's CSPRNG (funcs_crypto.c) */
uint64_t ht_rand_below(uint64_t n);
/* time helpers (funcs_date.c) */
void ht_time_string(const ht_time *t, ht_sb *out);
void ht_time_rfc3339nano(const ht_time *t, char *out, size_t n);
/* time.Parse(layout, val) validity; -1 with Go's error text in cx */
int ht_time_parse(ht_ctx *cx, const char *layout, const char *val, size_t vn);
/* abort the render: run the cleanup stack, set the error, longjmp */
__attribute__((noreturn)) void ht_fatal(ht_ctx *cx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* malloc'd temporaries that must be released if the render aborts */
void ht_cleanup_push(ht_ctx *cx, void (*fn)(void *), void *p);
void ht_cleanup_pop(ht_ctx *cx, bool run);

/* set a printf-style error message in cx; returns -1 */
int ht_errf(ht_ctx *cx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void ht_err_clear(ht_ctx *cx);
/* take msg (malloc'd) as the new error; wrap_previous keeps the old chain
 * behind it (Go's %w) */
void ht_err_set_chain(ht_ctx *cx, char *msg, bool is_exec, bool wrap_previous);

/* Execute the named template with dot into out. Returns 0 or -1 with the
 * Go-format error in cx->err. */
int ht_exec(ht_ctx *cx, ht_tset *ts, const char *name, ht_val dot, ht_sb *out);

/* common argument coercions used by the function files (Sprig's cast) */
int64_t ht_cast_int64(ht_val v);  /* cast.ToInt64 (0 on failure) */
int ht_cast_int(ht_val v);
double ht_cast_float64(ht_val v);
bool ht_cast_bool(ht_val v);
/* list-like values (slices, arrays) as a borrowed item array; false if not a slice */
bool ht_as_items(ht_ctx *cx, ht_val v, ht_val **items, uint32_t *n);
ht_val ht_strlist_from(ht_ctx *cx, char **v, size_t n);

#endif
