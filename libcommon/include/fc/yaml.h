/*
 * fc/yaml.h: YAML <-> json-c with Kubernetes' typing.
 *
 * Parsing follows sigs.k8s.io/yaml (go-yaml v2, YAML 1.1 resolution), which is
 * what kubectl uses: `yes`/`on` are booleans, `0777` is octal, `1_000` is an
 * int, timestamps stay strings, merge keys (`<<`) work, non-string keys become
 * strings. Multi-document streams are split on `---`; empty documents are
 * skipped. Input is bounded: size, nesting depth and the number of nodes
 * (aliases count their whole expansion, which stops billion-laughs bombs).
 *
 * Emitting follows sigs.k8s.io/yaml.Marshal / go-yaml v2 Marshal byte for
 * byte: keys sorted with go-yaml's natural order, 2-space indent, sequences
 * not indented under their key, quoting only where the plain form would
 * resolve to another type, literal blocks for multi-line strings.
 */
#ifndef FC_YAML_H
#define FC_YAML_H
#include <json-c/json.h>
#include <stddef.h>
#include <stdbool.h>
#include "fc/buf.h"

typedef struct fc_yaml_limits {
    size_t max_bytes;  /* input size (0 = default 64 MiB) */
    unsigned max_depth; /* nesting depth (0 = default 256) */
    size_t max_nodes;  /* nodes incl. alias expansions (0 = default 4M) */
    size_t max_docs;   /* documents in a stream (0 = default 100000) */
} fc_yaml_limits;

/* Parse a stream into a json array of its non-empty documents.
 * Errors read "yaml: line N: <problem>" like go-yaml. */
int fc_yaml_parse_stream(const char *buf, size_t len, const fc_yaml_limits *lim, json_object **docs);
/* Parse a single-document stream; *doc is NULL for an empty document.
 * More than one document is an error. */
int fc_yaml_parse(const char *buf, size_t len, const fc_yaml_limits *lim, json_object **doc);

typedef struct fc_yaml_emit_opts {
    bool keep_key_order; /* false (default): go-yaml v2 sorted keys */
    int indent;          /* 0 = 2 */
    int width;           /* 0 = 80 (go-yaml's best_width); -1 = unlimited */
} fc_yaml_emit_opts;

/* Append the YAML form of obj (one document, no leading ---) to out. */
int fc_yaml_emit(json_object *obj, const fc_yaml_emit_opts *opts, fc_buf *out);

/* go-yaml v2's resolution of a plain scalar: returns the json value it would
 * become (new reference); used by parsers and by emitters deciding to quote. */
json_object *fc_yaml_resolve_plain(const char *s, size_t len, bool *is_str);
/* go-yaml v2 map-key order (natural: digits runs compare numerically). */
int fc_yaml_key_cmp(const char *a, const char *b);

#endif
