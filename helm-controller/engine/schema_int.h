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

#endif
