/*
 * fc/json.h: json-c helpers used everywhere: bounded parsing with a clear
 * error, dotted-path access ("metadata.name", "spec.ref.branch"), setters that
 * create intermediate objects, and serialisation into owned strings.
 *
 * Ownership: getters return borrowed pointers; setters take ownership of the
 * value they are given; fc_json_dump returns a malloc'd string.
 */
#ifndef FC_JSON_H
#define FC_JSON_H
#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>

#define FC_JSON_MAX_DEPTH 512

/* Parse exactly one JSON value (trailing non-space is an error). */
int fc_json_parse(const char *buf, size_t len, json_object **out);
/* Borrowed lookup by dotted path; NULL if any segment is missing. */
json_object *fc_json_get(json_object *o, const char *path);
const char *fc_json_get_str(json_object *o, const char *path);
int64_t fc_json_get_int(json_object *o, const char *path, int64_t def);
bool fc_json_get_bool(json_object *o, const char *path, bool def);
/* Set by dotted path, creating objects on the way; takes ownership of val. */
int fc_json_set(json_object *o, const char *path, json_object *val);
int fc_json_set_str(json_object *o, const char *path, const char *s);
/* Remove the value at path (no error when missing). */
void fc_json_del(json_object *o, const char *path);
/* Compact JSON (no slash escaping) as a malloc'd string. */
char *fc_json_dump(json_object *o);
/* Pretty (2-space) JSON as a malloc'd string. */
char *fc_json_dump_pretty(json_object *o);
/* Deep copy (NULL-safe). */
json_object *fc_json_copy(json_object *o);
/* Structural equality (objects compared by key set, arrays in order). */
bool fc_json_equal(json_object *a, json_object *b);
/* Look up a map entry by key without path splitting (keys may contain dots). */
json_object *fc_json_key(json_object *o, const char *key);
const char *fc_json_key_str(json_object *o, const char *key);

#endif
