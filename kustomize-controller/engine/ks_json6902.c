/*
 * ks_json6902.c: RFC 6902 JSON patches, applied the way kustomize's
 * evanphx/json-patch does: operations in order on a copy of the resource,
 * JSON pointers with ~0/~1 escapes, "-" appends to an array, a missing
 * parent or member is an error naming the operation and path. The patch
 * text is YAML or JSON; like kustomize it is read with sigs.k8s.io/yaml
 * (Kubernetes/go-yaml v2) typing, so libcommon's parser does it.
 */
#include "ks_internal.h"
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define MAX_POINTER_PARTS 1024

typedef struct ks_jpatch {
    json_object *ops; /* array of op objects */
} ks_jpatch;

int ks_json6902_parse(const char *text, size_t len, const fc_yaml_limits *lim, json_object **ops)
{
    json_object *doc = NULL;
    *ops = NULL;
    size_t i = 0;
    while (i < len && (text[i] == ' ' || text[i] == '\n' || text[i] == '\t' || text[i] == '\r')) i++;
    if (i == len) return fc_err_set(FC_EINVAL, "empty json patch operations");
    if (fc_yaml_parse(text, len, lim, &doc)) return -1;
    if (!doc || !json_object_is_type(doc, json_type_array)) {
        json_object_put(doc);
        return fc_err_set(FC_EINVAL, "json patch must be a list of operations");
    }
    size_t n = json_object_array_length(doc);
    for (size_t k = 0; k < n; k++) {
        json_object *op = json_object_array_get_idx(doc, k);
        if (!ks_is_map(op) || !ks_obj_str(op, "op")) {
            json_object_put(doc);
            return fc_err_set(FC_EINVAL, "json patch operation %zu has no 'op'", k);
        }
    }
    *ops = doc;
    return 0;
}

/* split a JSON pointer into unescaped parts */
static int split_pointer(const char *ptr, ks_strv *parts)
{
    memset(parts, 0, sizeof *parts);
    if (!ptr) return fc_err_set(FC_EINVAL, "json patch: missing path");
    if (!*ptr) return 0;
    if (*ptr != '/') return fc_err_set(FC_EINVAL, "json patch: path '%s' must start with '/'", ptr);
    const char *p = ptr + 1;
    for (;;) {
        const char *e = strchr(p, '/');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        char *seg = malloc(n + 1);
        if (!seg) {
            ks_strv_dispose(parts);
            return fc_err_set(FC_ENOMEM, "out of memory");
        }
        size_t o = 0;
        for (size_t i = 0; i < n; i++) {
            if (p[i] == '~' && i + 1 < n && p[i + 1] == '1') { seg[o++] = '/'; i++; }
            else if (p[i] == '~' && i + 1 < n && p[i + 1] == '0') { seg[o++] = '~'; i++; }
            else seg[o++] = p[i];
        }
        seg[o] = 0;
        int rc = ks_strv_push(parts, seg);
        free(seg);
        if (!rc && parts->n > MAX_POINTER_PARTS) rc = fc_err_set(FC_ETOOBIG, "json patch: path too long");
        if (rc) {
            ks_strv_dispose(parts); /* the caller gets nothing on failure */
            return rc;
        }
        if (!e) break;
        p = e + 1;
    }
    return 0;
}

static bool parse_index(const char *s, size_t len_limit, long *idx, bool allow_end)
{
    (void)allow_end;
    if (!*s) return false;
    char *end = NULL;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || !end || *end) return false;
    if (s[0] == '+' || (s[0] == '0' && s[1])) return false;
    if (v < 0) v += (long)len_limit; /* evanphx supports negative indices */
    *idx = v;
    return true;
}

/* walk to the parent container of the last part */
static int find_parent(json_object *doc, const ks_strv *parts, const char *op, const char *path, json_object **parent)
{
    json_object *cur = doc;
    for (size_t i = 0; i + 1 < parts->n; i++) {
        const char *seg = parts->v[i];
        json_object *next = NULL;
        if (ks_is_map(cur)) {
            if (!json_object_object_get_ex(cur, seg, &next)) next = NULL;
            else if (!next) next = NULL;
        } else if (ks_is_seq(cur)) {
            long idx;
            size_t n = json_object_array_length(cur);
            if (parse_index(seg, n, &idx, false) && idx >= 0 && (size_t)idx < n) next = json_object_array_get_idx(cur, (size_t)idx);
        }
        if (!next || !(ks_is_map(next) || ks_is_seq(next)))
            return fc_err_set(FC_EINVAL, "%s operation does not apply: doc is missing path: \"%s\"", op, path);
        cur = next;
    }
    *parent = cur;
    return 0;
}

static int op_add(json_object *doc, const ks_strv *parts, const char *path, json_object *value, json_object **root)
{
    if (parts->n == 0) {
        json_object_put(*root);
        *root = value;
        return 0;
    }
    json_object *parent = NULL;
    if (find_parent(doc, parts, "add", path, &parent)) {
        json_object_put(value);
        return -1;
    }
    const char *last = parts->v[parts->n - 1];
    if (ks_is_map(parent)) {
        json_object_object_add(parent, last, value);
        return 0;
    }
    size_t n = json_object_array_length(parent);
    long idx;
    if (strcmp(last, "-") == 0) idx = (long)n;
    else if (!parse_index(last, n + 1, &idx, true) || idx < 0 || (size_t)idx > n) {
        json_object_put(value);
        return fc_err_set(FC_EINVAL, "add operation does not apply: Unable to access invalid index: %s (path %s)", last,
                          path);
    }
    /* insert: rebuild the tail */
    json_object *tail = json_object_new_array();
    for (size_t i = (size_t)idx; i < n; i++) json_object_array_add(tail, json_object_get(json_object_array_get_idx(parent, i)));
    if (n > (size_t)idx) json_object_array_del_idx(parent, (size_t)idx, n - (size_t)idx);
    json_object_array_add(parent, value);
    size_t tn = json_object_array_length(tail);
    for (size_t i = 0; i < tn; i++) json_object_array_add(parent, json_object_get(json_object_array_get_idx(tail, i)));
    json_object_put(tail);
    return 0;
}

/* detach the value at path (new reference in *out) */
static int op_remove(json_object *doc, const ks_strv *parts, const char *op, const char *path, json_object **out)
{
    if (out) *out = NULL;
    if (parts->n == 0) return fc_err_set(FC_EINVAL, "%s operation does not apply: cannot remove the document root", op);
    json_object *parent = NULL;
    if (find_parent(doc, parts, op, path, &parent)) return -1;
    const char *last = parts->v[parts->n - 1];
    if (ks_is_map(parent)) {
        json_object *v = NULL;
        if (!json_object_object_get_ex(parent, last, &v))
            return fc_err_set(FC_EINVAL, "%s operation does not apply: doc is missing key: %s", op, path);
        if (out) *out = json_object_get(v);
        json_object_object_del(parent, last);
        return 0;
    }
    size_t n = json_object_array_length(parent);
    long idx;
    if (!parse_index(last, n, &idx, false) || idx < 0 || (size_t)idx >= n)
        return fc_err_set(FC_EINVAL, "%s operation does not apply: Unable to access invalid index: %s (path %s)", op,
                          last, path);
    if (out) *out = json_object_get(json_object_array_get_idx(parent, (size_t)idx));
    json_object_array_del_idx(parent, (size_t)idx, 1);
    return 0;
}

static int get_at(json_object *doc, const ks_strv *parts, const char *op, const char *path, json_object **out)
{
    json_object *cur = doc;
    for (size_t i = 0; i < parts->n; i++) {
        json_object *next = NULL;
        bool found = false;
        if (ks_is_map(cur)) {
            found = json_object_object_get_ex(cur, parts->v[i], &next);
        } else if (ks_is_seq(cur)) {
            long idx;
            size_t n = json_object_array_length(cur);
            if (parse_index(parts->v[i], n, &idx, false) && idx >= 0 && (size_t)idx < n) {
                next = json_object_array_get_idx(cur, (size_t)idx);
                found = true;
            }
        }
        if (!found)
            return fc_err_set(FC_EINVAL, "%s operation does not apply: doc is missing path: \"%s\"", op, path);
        cur = next;
    }
    *out = cur;
    return 0;
}

int ks_json6902_apply(json_object **doc, json_object *ops)
{
    size_t n = json_object_array_length(ops);
    for (size_t i = 0; i < n; i++) {
        json_object *o = json_object_array_get_idx(ops, i);
        const char *op = ks_obj_str(o, "op");
        const char *path = ks_obj_str(o, "path");
        ks_strv parts;
        if (!op) return fc_err_set(FC_EINVAL, "json patch operation %zu has no 'op'", i);
        if (!path) return fc_err_set(FC_EINVAL, "%s operation does not apply: missing path", op);
        if (split_pointer(path, &parts)) return -1;
        int rc = 0;
        json_object *value = NULL;
        bool has_value = json_object_object_get_ex(o, "value", &value);
        if (!strcmp(op, "add")) {
            if (!has_value) rc = fc_err_set(FC_EINVAL, "add operation does not apply: missing value for %s", path);
            else rc = op_add(*doc, &parts, path, fc_json_copy(value), doc);
        } else if (!strcmp(op, "remove")) {
            rc = op_remove(*doc, &parts, "remove", path, NULL);
        } else if (!strcmp(op, "replace")) {
            json_object *old = NULL;
            if (!has_value) rc = fc_err_set(FC_EINVAL, "replace operation does not apply: missing value for %s", path);
            else if (parts.n == 0) {
                json_object_put(*doc);
                *doc = fc_json_copy(value);
            } else if (!(rc = op_remove(*doc, &parts, "replace", path, &old))) {
                json_object_put(old);
                rc = op_add(*doc, &parts, path, fc_json_copy(value), doc);
            }
        } else if (!strcmp(op, "move") || !strcmp(op, "copy")) {
            const char *from = ks_obj_str(o, "from");
            ks_strv fparts;
            json_object *v = NULL;
            if (!from) rc = fc_err_set(FC_EINVAL, "%s operation does not apply: missing from", op);
            else if (!(rc = split_pointer(from, &fparts))) {
                if (!strcmp(op, "move")) rc = op_remove(*doc, &fparts, "move", from, &v);
                else if (!(rc = get_at(*doc, &fparts, "copy", from, &v))) v = fc_json_copy(v);
                if (!rc) rc = op_add(*doc, &parts, path, v, doc);
                ks_strv_dispose(&fparts);
            }
        } else if (!strcmp(op, "test")) {
            json_object *cur = NULL;
            if (!(rc = get_at(*doc, &parts, "test", path, &cur)) && !fc_json_equal(cur, value))
                rc = fc_err_set(FC_EINVAL, "testing value %s failed", path);
        } else {
            rc = fc_err_set(FC_EINVAL, "Unexpected kind: %s", op);
        }
        ks_strv_dispose(&parts);
        if (rc) return rc;
    }
    return 0;
}
