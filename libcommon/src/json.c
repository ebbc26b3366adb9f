/*
 * json.c: json-c helpers (fc/json.h). json-c's default tokener depth (32) is
 * too shallow for Kubernetes objects such as CRDs, so parsing uses an explicit
 * tokener with FC_JSON_MAX_DEPTH and turns tokener errors into a message with
 * the byte offset.
 */
#include "fc/json.h"
#include "fc/err.h"
#include <stdlib.h>
#include <string.h>
#include <ctype.h>

int fc_json_parse(const char *buf, size_t len, json_object **out)
{
    *out = NULL;
    json_tokener *tok = json_tokener_new_ex(FC_JSON_MAX_DEPTH);
    if (!tok) return fc_err_set(FC_ENOMEM, "out of memory");
    json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
    if (len > (size_t)INT32_MAX) {
        json_tokener_free(tok);
        return fc_err_set(FC_ETOOBIG, "JSON document too large");
    }
    json_object *o = json_tokener_parse_ex(tok, buf, (int)len);
    enum json_tokener_error jerr = json_tokener_get_error(tok);
    size_t off = json_tokener_get_parse_end(tok);
    int rc = 0;
    if (jerr == json_tokener_continue) {
        rc = fc_err_set(FC_EINVAL, "invalid JSON: unexpected end of input");
    } else if (jerr != json_tokener_success) {
        rc = fc_err_set(FC_EINVAL, "invalid JSON at offset %zu: %s", off, json_tokener_error_desc(jerr));
    } else {
        while (off < len && isspace((unsigned char)buf[off])) off++;
        if (off < len)
            rc = fc_err_set(FC_EINVAL, "invalid JSON at offset %zu: trailing data", off);
    }
    json_tokener_free(tok);
    if (rc) {
        json_object_put(o);
        return rc;
    }
    *out = o;
    return 0;
}

json_object *fc_json_key(json_object *o, const char *key)
{
    json_object *v = NULL;
    if (!o || !json_object_is_type(o, json_type_object)) return NULL;
    return json_object_object_get_ex(o, key, &v) ? v : NULL;
}

const char *fc_json_key_str(json_object *o, const char *key)
{
    json_object *v = fc_json_key(o, key);
    return v && json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
}

json_object *fc_json_get(json_object *o, const char *path)
{
    char seg[256];
    const char *p = path;
    while (o && *p) {
        const char *dot = strchr(p, '.');
        size_t n = dot ? (size_t)(dot - p) : strlen(p);
        if (n >= sizeof seg) return NULL;
        memcpy(seg, p, n);
        seg[n] = 0;
        o = fc_json_key(o, seg);
        p = dot ? dot + 1 : p + n;
    }
    return o;
}

const char *fc_json_get_str(json_object *o, const char *path)
{
    json_object *v = fc_json_get(o, path);
    return v && json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
}

int64_t fc_json_get_int(json_object *o, const char *path, int64_t def)
{
    json_object *v = fc_json_get(o, path);
    if (!v) return def;
    if (json_object_is_type(v, json_type_int)) return json_object_get_int64(v);
    if (json_object_is_type(v, json_type_double)) return (int64_t)json_object_get_double(v);
    return def;
}

bool fc_json_get_bool(json_object *o, const char *path, bool def)
{
    json_object *v = fc_json_get(o, path);
    if (!v || !json_object_is_type(v, json_type_boolean)) return def;
    return json_object_get_boolean(v);
}

int fc_json_set(json_object *o, const char *path, json_object *val)
{
    char seg[256];
    const char *p = path;
    if (!o || !json_object_is_type(o, json_type_object)) {
        json_object_put(val);
        return fc_err_set(FC_EINVAL, "set %s: not an object", path);
    }
    for (;;) {
        const char *dot = strchr(p, '.');
        size_t n = dot ? (size_t)(dot - p) : strlen(p);
        if (n >= sizeof seg || n == 0) {
            json_object_put(val);
            return fc_err_set(FC_EINVAL, "set %s: bad path", path);
        }
        memcpy(seg, p, n);
        seg[n] = 0;
        if (!dot) {
            json_object_object_add(o, seg, val);
            return 0;
        }
        json_object *next = fc_json_key(o, seg);
        if (!next || !json_object_is_type(next, json_type_object)) {
            next = json_object_new_object();
            json_object_object_add(o, seg, next);
        }
        o = next;
        p = dot + 1;
    }
}

int fc_json_set_str(json_object *o, const char *path, const char *s)
{
    return fc_json_set(o, path, s ? json_object_new_string(s) : NULL);
}

void fc_json_del(json_object *o, const char *path)
{
    const char *dot = strrchr(path, '.');
    if (!dot) {
        if (o && json_object_is_type(o, json_type_object)) json_object_object_del(o, path);
        return;
    }
    char parent[512];
    size_t n = (size_t)(dot - path);
    if (n >= sizeof parent) return;
    memcpy(parent, path, n);
    parent[n] = 0;
    json_object *p = fc_json_get(o, parent);
    if (p && json_object_is_type(p, json_type_object)) json_object_object_del(p, dot + 1);
}

static char *dup_or_null(const char *s) { return s ? strdup(s) : NULL; }

char *fc_json_dump(json_object *o)
{
    if (!o) return strdup("null");
    return dup_or_null(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
}

char *fc_json_dump_pretty(json_object *o)
{
    if (!o) return strdup("null");
    return dup_or_null(json_object_to_json_string_ext(
        o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED | JSON_C_TO_STRING_NOSLASHESCAPE));
}

json_object *fc_json_copy(json_object *o)
{
    json_object *c = NULL;
    if (!o) return NULL;
    if (json_object_deep_copy(o, &c, NULL) != 0) return NULL;
    return c;
}

bool fc_json_equal(json_object *a, json_object *b)
{
    if (!a || !b) return a == b;
    json_type ta = json_object_get_type(a), tb = json_object_get_type(b);
    if ((ta == json_type_int || ta == json_type_double) && (tb == json_type_int || tb == json_type_double)) {
        if (ta == json_type_int && tb == json_type_int) return json_object_get_int64(a) == json_object_get_int64(b);
        return json_object_get_double(a) == json_object_get_double(b);
    }
    if (ta != tb) return false;
    switch (ta) {
    case json_type_null: return true;
    case json_type_boolean: return json_object_get_boolean(a) == json_object_get_boolean(b);
    case json_type_string:
        return json_object_get_string_len(a) == json_object_get_string_len(b) &&
               memcmp(json_object_get_string(a), json_object_get_string(b), (size_t)json_object_get_string_len(a)) == 0;
    case json_type_array: {
        size_t n = json_object_array_length(a);
        if (n != json_object_array_length(b)) return false;
        for (size_t i = 0; i < n; i++)
            if (!fc_json_equal(json_object_array_get_idx(a, i), json_object_array_get_idx(b, i))) return false;
        return true;
    }
    case json_type_object: {
        if (json_object_object_length(a) != json_object_object_length(b)) return false;
        json_object_object_foreach(a, k, v) {
            json_object *w = NULL;
            if (!json_object_object_get_ex(b, k, &w)) return false;
            if (!fc_json_equal(v, w)) return false;
        }
        return true;
    }
    default: return false;
    }
}
