/*
 * ks_replace.c: replacements (kustomize's replacement filter).
 *
 * A source value is read from the one resource whose current or previous
 * id is selected by the source selector, at a dotted field path (list
 * elements by index, "-", or [key=value]), optionally cut with a
 * delimiter. It is copied to every target resource selected (by current or
 * previous id, label and annotation selectors, minus rejects) at each
 * target field path, where kyaml's PathMatcher rules apply: [key=regex]
 * picks list elements whose key matches the (unanchored) regular
 * expression, "*" every element, a number an index, and with create:true
 * missing fields (and list elements) are made. A scalar target keeps its
 * type and takes the value's text, so a string "3" into replicas stays an
 * int; other targets are replaced by a copy of the value. A missing target
 * field without create is an error, as in kustomize v5.
 */
#include "ks_internal.h"
#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------- path splitting */

static void path_split(const char *path, ks_strv *out)
{
    memset(out, 0, sizeof *out);
    fc_buf cur;
    fc_buf_init(&cur, 0);
    fc_buf_put(&cur, "", 0);
    for (const char *p = path; ; p++) {
        if (*p == '.' || !*p) {
            if (*p == '.' && cur.len && cur.ptr[cur.len - 1] == '\\') {
                cur.ptr[--cur.len] = 0;
                fc_buf_putc(&cur, '.');
                continue;
            }
            ks_strv_push(out, cur.ptr);
            fc_buf_reset(&cur);
            fc_buf_put(&cur, "", 0);
            if (!*p) break;
            continue;
        }
        fc_buf_putc(&cur, *p);
    }
    fc_buf_dispose(&cur);
}

/* kyaml's SmarterPathSplitter: keeps "[a=b.c]" together */
void ks_smart_split(const char *path, ks_strv *out)
{
    ks_strv raw;
    path_split(path, &raw);
    memset(out, 0, sizeof *out);
    if (!strchr(path, '[') || !strchr(path, ']')) {
        *out = raw;
        return;
    }
    for (size_t i = 0; i < raw.n; i++) {
        const char *e = raw.v[i];
        if (e[0] == '[' && !ks_has_suffix(e, "]")) {
            fc_buf b;
            fc_buf_init(&b, 0);
            fc_buf_puts(&b, e);
            while (i + 1 < raw.n) {
                i++;
                fc_buf_printf(&b, ".%s", raw.v[i]);
                if (ks_has_suffix(raw.v[i], "]")) break;
            }
            ks_strv_push(out, b.ptr);
            fc_buf_dispose(&b);
        } else {
            ks_strv_push(out, e);
        }
    }
    /* a bracketed element without '=' is a map key with dots */
    for (size_t i = 0; i < out->n; i++) {
        char *e = out->v[i];
        size_t l = strlen(e);
        if (l >= 2 && e[0] == '[' && e[l - 1] == ']' && !strchr(e, '=')) {
            memmove(e, e + 1, l - 2);
            e[l - 2] = 0;
        }
    }
    ks_strv_dispose(&raw);
}

static bool is_idx(const char *p, long *v)
{
    if (!*p) return false;
    char *end = NULL;
    errno = 0;
    long x = strtol(p, &end, 10);
    if (errno || !end || *end || x < 0) return false;
    *v = x;
    return true;
}

static bool is_list_index(const char *p)
{
    size_t l = strlen(p);
    return l >= 2 && p[0] == '[' && p[l - 1] == ']';
}

static int split_name_value(const char *p, char **name, char **value)
{
    size_t l = strlen(p);
    char *inner = ks_strndup(p + 1, l - 2);
    char *eq = inner ? strchr(inner, '=') : NULL;
    if (!eq) {
        free(inner);
        return fc_err_set(FC_EINVAL, "list path element %s must contain fieldName=fieldValue for element to match", p);
    }
    *name = ks_strndup(inner, (size_t)(eq - inner));
    *value = ks_strdup(eq + 1);
    free(inner);
    return 0;
}

/* ---------------------------------------------------- source: PathGetter */

static int path_get(json_object *node, const ks_strv *parts, json_object **out, bool *found)
{
    *found = false;
    *out = NULL;
    json_object *cur = node;
    for (size_t i = 0; i < parts->n; i++) {
        const char *p = parts->v[i];
        long idx;
        if (!*p) continue;
        if (!cur) return 0;
        if (is_idx(p, &idx) || !strcmp(p, "-")) {
            if (!ks_is_seq(cur)) return fc_err_set(FC_EINVAL, "wrong node kind: expected SequenceNode at '%s'", p);
            size_t n = json_object_array_length(cur);
            if (!strcmp(p, "-")) {
                if (!n) return 0;
                idx = (long)n - 1;
            }
            if ((size_t)idx >= n) return 0;
            cur = json_object_array_get_idx(cur, (size_t)idx);
            continue;
        }
        if (is_list_index(p)) {
            char *name = NULL, *value = NULL;
            if (split_name_value(p, &name, &value)) return -1;
            if (!ks_is_seq(cur)) {
                free(name);
                free(value);
                return fc_err_set(FC_EINVAL, "wrong node kind: expected SequenceNode at '%s'", p);
            }
            json_object *hit = NULL;
            size_t n = json_object_array_length(cur);
            for (size_t k = 0; k < n && !hit; k++) {
                json_object *e = json_object_array_get_idx(cur, k);
                char *t = NULL;
                if (!*name) t = ks_is_scalar(e) ? ks_json_text(e) : NULL;
                else if (ks_is_map(e) && json_object_object_get_ex(e, name, NULL)) t = ks_json_text(ks_obj_get(e, name));
                if (t && !strcmp(t, value)) hit = e;
                free(t);
            }
            free(name);
            free(value);
            if (!hit) return 0;
            cur = hit;
            continue;
        }
        if (!ks_is_map(cur)) return fc_err_set(FC_EINVAL, "wrong node kind: expected MappingNode at '%s'", p);
        json_object *v = NULL;
        if (!json_object_object_get_ex(cur, p, &v)) return 0;
        cur = v;
    }
    *out = cur;
    *found = true;
    return 0;
}

/* ---------------------------------------------------- target: PathMatcher */

typedef struct slots {
    ks_slot *v;
    size_t n, cap;
} slots;

static void slots_add(slots *s, ks_slot sl)
{
    if (s->n == s->cap) {
        size_t nc = s->cap ? s->cap * 2 : 8;
        ks_slot *nv = realloc(s->v, nc * sizeof *nv);
        if (!nv) return;
        s->v = nv;
        s->cap = nc;
    }
    s->v[s->n++] = sl;
}

enum { CK_NONE = 0, CK_SCALAR, CK_MAP, CK_SEQ };

static json_object *new_kind(int k)
{
    return k == CK_MAP ? json_object_new_object() : k == CK_SEQ ? json_object_new_array() : NULL;
}

static int part_kind(const ks_strv *parts, size_t i, int create)
{
    if (i + 1 >= parts->n) return create;
    const char *next = parts->v[i + 1];
    long x;
    if (is_list_index(next) || is_idx(next, &x)) return CK_SEQ;
    return CK_MAP;
}

static int match(ks_slot slot, const ks_strv *parts, size_t i, int create, slots *out, unsigned depth);

static int regex_find(const char *re, const char *s, bool *m)
{
    fc_regex *r;
    *m = false;
    if (ks_regex_compile(re, &r)) return -1;
    *m = ks_regex_search(r, s);
    fc_regex_free(r);
    return 0;
}

static int match(ks_slot slot, const ks_strv *parts, size_t i, int create, slots *out, unsigned depth)
{
    if (depth > 512) return fc_err_set(FC_ETOOBIG, "field path too deep");
    json_object *node = ks_slot_get(&slot);
    if (i >= parts->n) {
        slots_add(out, slot);
        return 0;
    }
    const char *p = parts->v[i];
    long idx;
    if (is_idx(p, &idx)) {
        if (!ks_is_seq(node)) return fc_err_set(FC_EINVAL, "wrong node kind: expected SequenceNode at '%s'", p);
        size_t n = json_object_array_length(node);
        if ((size_t)idx == n && create) {
            json_object_array_add(node, new_kind(part_kind(parts, i, create)));
            n++;
        }
        if ((size_t)idx + 1 > n) return fc_err_set(FC_EINVAL, "index %ld specified but only %zu elements found", idx, n);
        ks_slot el = {node, NULL, (size_t)idx, NULL};
        return match(el, parts, i + 1, create, out, depth + 1);
    }
    if (is_list_index(p)) {
        char *name = NULL, *value = NULL;
        if (split_name_value(p, &name, &value)) return -1;
        if (!ks_is_seq(node)) {
            free(name);
            free(value);
            return fc_err_set(FC_EINVAL, "wrong node kind: expected SequenceNode at '%s'", p);
        }
        size_t before = out->n;
        int rc = 0;
        for (int round = 0; round < 2 && !rc; round++) {
            size_t n = json_object_array_length(node);
            for (size_t k = 0; k < n && !rc; k++) {
                json_object *e = json_object_array_get_idx(node, k);
                char *t = NULL;
                if (!*name) t = ks_is_scalar(e) ? ks_json_text(e) : NULL;
                else if (ks_is_map(e) && ks_obj_get(e, name)) t = ks_json_text(ks_obj_get(e, name));
                bool m = false;
                if (t) rc = regex_find(value, t, &m);
                free(t);
                if (!rc && m) {
                    ks_slot el = {node, NULL, k, NULL};
                    rc = match(el, parts, i + 1, create, out, depth + 1);
                }
            }
            if (rc || out->n > before || !create || round == 1) break;
            /* create the element and search again */
            if (!*name) {
                json_object_array_add(node, ks_yaml_resolve_plain(value, strlen(value)));
            } else {
                json_object *e = json_object_new_object();
                json_object_object_add(e, name, ks_yaml_resolve_plain(value, strlen(value)));
                json_object_array_add(node, e);
            }
        }
        free(name);
        free(value);
        return rc;
    }
    if (!strcmp(p, "*")) {
        if (!ks_is_seq(node)) return fc_err_set(FC_EINVAL, "wrong node kind: expected SequenceNode at '*'");
        size_t n = json_object_array_length(node);
        for (size_t k = 0; k < n; k++) {
            ks_slot el = {node, NULL, k, NULL};
            if (match(el, parts, i + 1, create, out, depth + 1)) return -1;
        }
        return 0;
    }
    if (!node) return 0;
    if (!ks_is_map(node))
        return fc_err_set(FC_EINVAL, "wrong node kind: expected MappingNode but got %s at '%s'",
                          ks_is_seq(node) ? "SequenceNode" : "ScalarNode", p);
    json_object *v = NULL;
    if (!json_object_object_get_ex(node, p, &v)) {
        if (!create) return 0;
        json_object_object_add(node, p, new_kind(part_kind(parts, i, create)));
    }
    /* slot keys must outlive the walk: they point into parts */
    ks_slot fs = {node, p, 0, NULL};
    return match(fs, parts, i + 1, create, out, depth + 1);
}

/* -------------------------------------------------------------- selection */

static void sel_id(json_object *sel, ks_id *s)
{
    s->group = (char *)ks_obj_str(sel, "group");
    s->version = (char *)ks_obj_str(sel, "version");
    s->kind = (char *)ks_obj_str(sel, "kind");
    s->name = (char *)ks_obj_str(sel, "name");
    s->ns = (char *)ks_obj_str(sel, "namespace");
}

static bool sel_empty(json_object *sel)
{
    ks_id s;
    sel_id(sel, &s);
    return !((s.group && *s.group) || (s.version && *s.version) || (s.kind && *s.kind) || (s.name && *s.name) ||
             (s.ns && *s.ns));
}

/* ids of r: current first, then previous */
static size_t nids(const ks_res *r)
{
    return r->nprev + 1;
}

static int get_id(const ks_res *r, size_t i, ks_id *id)
{
    return i == 0 ? ks_res_curid(r, id) : ks_res_previd(r, i - 1, id);
}

static int id_selected(const ks_res *r, size_t i, json_object *sel, bool *m)
{
    ks_id id, s;
    if (get_id(r, i, &id)) return -1;
    sel_id(sel, &s);
    *m = ks_id_selected_by(&id, &s);
    ks_id_dispose(&id);
    return 0;
}

static int anno_label_match(const ks_res *r, json_object *sel, bool *m)
{
    const char *ls = ks_obj_str(sel, "labelSelector"), *as = ks_obj_str(sel, "annotationSelector");
    json_object *meta = ks_res_meta(r, false);
    *m = true;
    if (as && *as && ks_selector_match(as, ks_obj_get(meta, "annotations"), m)) return -1;
    if (*m && ls && *ls && ks_selector_match(ls, ks_obj_get(meta, "labels"), m)) return -1;
    return 0;
}

static char *selector_string(json_object *sel)
{
    ks_id s;
    sel_id(sel, &s);
    return ks_id_string(&s);
}

/* ------------------------------------------------------------------ apply */

static json_object *retype(json_object *target, const char *text)
{
    if (target && json_object_is_type(target, json_type_string)) return json_object_new_string(text);
    return ks_yaml_resolve_plain(text, strlen(text));
}

static char **split_delim(const char *s, const char *d, size_t *n)
{
    size_t cap = 4, cnt = 0, dl = strlen(d);
    char **v = malloc(cap * sizeof *v);
    const char *p = s;
    for (;;) {
        const char *q = dl ? strstr(p, d) : NULL;
        if (cnt + 1 >= cap) {
            cap *= 2;
            v = realloc(v, cap * sizeof *v);
        }
        if (!q) {
            v[cnt++] = ks_strdup(p);
            break;
        }
        v[cnt++] = ks_strndup(p, (size_t)(q - p));
        p = q + dl;
    }
    *n = cnt;
    return v;
}

static void free_split(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++) free(v[i]);
    free(v);
}

static int set_field_value(json_object *opts, ks_slot *slot, json_object *value)
{
    json_object *target = ks_slot_get(slot);
    const char *delim = ks_obj_str(opts, "delimiter");
    char *vtext = ks_is_scalar(value) ? ks_json_text(value) : strdup("");
    if (!vtext) return fc_err_set(FC_ENOMEM, "out of memory");
    if (delim && *delim) {
        if (!ks_is_scalar(target)) {
            free(vtext);
            return fc_err_set(FC_EINVAL, "delimiter option can only be used with scalar nodes");
        }
        char *tt = ks_json_text(target);
        size_t n = 0;
        char **parts = split_delim(tt ? tt : "", delim, &n);
        free(tt);
        json_object *io = ks_obj_get(opts, "index");
        long idx = io ? (long)json_object_get_int64(io) : 0;
        fc_buf b;
        fc_buf_init(&b, 0);
        if (idx < 0) {
            fc_buf_puts(&b, vtext);
            for (size_t i = 0; i < n; i++) fc_buf_printf(&b, "%s%s", delim, parts[i]);
        } else {
            for (size_t i = 0; i < n; i++) fc_buf_printf(&b, "%s%s", i ? delim : "", (size_t)idx == i ? vtext : parts[i]);
            if ((size_t)idx >= n) fc_buf_printf(&b, "%s%s", delim, vtext);
        }
        free_split(parts, n);
        free(vtext);
        vtext = fc_buf_detach(&b, NULL);
        if (!vtext) vtext = strdup("");
        ks_slot_set(slot, retype(target, vtext));
        free(vtext);
        return 0;
    }
    if (ks_is_scalar(target)) ks_slot_set(slot, retype(target, vtext));
    else ks_slot_set(slot, fc_json_copy(value));
    free(vtext);
    return 0;
}

static int copy_to_target(ks_res *r, json_object *value, json_object *tsel)
{
    json_object *fps = ks_obj_get(tsel, "fieldPaths");
    json_object *opts = ks_obj_get(tsel, "options");
    bool create = opts && ks_obj_get(opts, "create") && json_object_get_boolean(ks_obj_get(opts, "create"));
    size_t nfp = ks_is_seq(fps) ? json_object_array_length(fps) : 0;
    for (size_t f = 0; f < (nfp ? nfp : 1); f++) {
        const char *fp = nfp ? json_object_get_string(json_object_array_get_idx(fps, f)) : "metadata.name";
        ks_strv parts;
        ks_smart_split(fp, &parts);
        int ck = CK_NONE;
        if (create) ck = ks_is_map(value) ? CK_MAP : ks_is_seq(value) ? CK_SEQ : CK_SCALAR;
        if (create)
            for (size_t i = 0; i < parts.n; i++)
                if (!strcmp(parts.v[i], "*")) {
                    ks_strv_dispose(&parts);
                    return fc_err_set(FC_EINVAL, "cannot support create option in a multi-value target");
                }
        slots out = {0};
        ks_slot root = {NULL, NULL, 0, &r->obj};
        int rc = match(root, &parts, 0, ck, &out, 0);
        if (!rc && out.n == 0)
            rc = fc_err_set(FC_EINVAL, "unable to find %sfield \"%s\" in replacement target", create ? "or create " : "",
                            fp);
        for (size_t i = 0; i < out.n && !rc; i++) rc = set_field_value(opts, &out.v[i], value);
        free(out.v);
        ks_strv_dispose(&parts);
        if (rc) return rc;
    }
    return 0;
}

static int source_value(ks_resmap *m, json_object *src, json_object **value)
{
    *value = NULL;
    ks_res *found = NULL;
    for (size_t i = 0; i < m->n; i++) {
        bool hit = false;
        for (size_t k = 0; k < nids(m->v[i]) && !hit; k++)
            if (id_selected(m->v[i], k, src, &hit)) return -1;
        if (!hit) continue;
        if (found) {
            char *s = selector_string(src);
            int rc = fc_err_set(FC_EINVAL, "multiple matches for selector %s", s ? s : "?");
            free(s);
            return rc;
        }
        found = m->v[i];
    }
    if (!found) {
        char *s = selector_string(src);
        int rc = fc_err_set(FC_ENOTFOUND, "nothing selected by %s", s ? s : "?");
        free(s);
        return rc;
    }
    const char *fp = ks_obj_str(src, "fieldPath");
    if (!fp || !*fp) fp = "metadata.name";
    ks_strv parts;
    ks_smart_split(fp, &parts);
    json_object *v = NULL;
    bool ok = false;
    int rc = path_get(found->obj, &parts, &v, &ok);
    ks_strv_dispose(&parts);
    if (rc) return rc;
    bool empty = !ok || !v || (ks_is_map(v) && !json_object_object_length(v)) || (ks_is_seq(v) && !json_object_array_length(v));
    if (empty) {
        char *s = selector_string(src);
        rc = fc_err_set(FC_EINVAL, "fieldPath `%s` is missing for replacement source %s", fp, s ? s : "?");
        free(s);
        return rc;
    }
    json_object *opts = ks_obj_get(src, "options");
    const char *delim = ks_obj_str(opts, "delimiter");
    if (delim && *delim) {
        if (!ks_is_scalar(v)) return fc_err_set(FC_EINVAL, "delimiter option can only be used with scalar nodes");
        char *t = ks_json_text(v);
        size_t n = 0;
        char **parts2 = split_delim(t ? t : "", delim, &n);
        json_object *io = ks_obj_get(opts, "index");
        long idx = io ? (long)json_object_get_int64(io) : 0;
        if (idx < 0 || (size_t)idx >= n) {
            rc = fc_err_set(FC_EINVAL, "options.index %ld is out of bounds for value %s", idx, t ? t : "");
        } else {
            /* the node keeps its type, the text becomes the part */
            *value = json_object_is_type(v, json_type_string) ? json_object_new_string(parts2[idx])
                                                               : ks_yaml_resolve_plain(parts2[idx], strlen(parts2[idx]));
        }
        free(t);
        free_split(parts2, n);
        return rc;
    }
    *value = fc_json_copy(v);
    if (!*value && v) return fc_err_set(FC_ENOMEM, "out of memory");
    return 0;
}

static int apply_one(ks_resmap *m, json_object *rep)
{
    json_object *src = ks_obj_get(rep, "source"), *targets = ks_obj_get(rep, "targets");
    if (!src || !targets) return fc_err_set(FC_EINVAL, "replacements must specify a source and at least one target");
    json_object *value = NULL;
    if (source_value(m, src, &value)) return -1;
    int rc = 0;
    size_t nt = json_object_array_length(targets);
    for (size_t t = 0; t < nt && !rc; t++) {
        json_object *ts = json_object_array_get_idx(targets, t);
        json_object *sel = ks_obj_get(ts, "select"), *rejects = ks_obj_get(ts, "reject");
        if (!sel) {
            rc = fc_err_set(FC_EINVAL, "target must specify resources to select");
            break;
        }
        size_t nr = ks_is_seq(rejects) ? json_object_array_length(rejects) : 0;
        for (size_t i = 0; i < m->n && !rc; i++) {
            ks_res *r = m->v[i];
            bool ok;
            if ((rc = anno_label_match(r, sel, &ok))) break;
            if (!ok) continue;
            bool rejected = false;
            for (size_t j = 0; j < nr && !rc; j++) {
                json_object *rj = json_object_array_get_idx(rejects, j);
                const char *ls = ks_obj_str(rj, "labelSelector"), *as = ks_obj_get(rj, "annotationSelector")
                                                                            ? ks_obj_str(rj, "annotationSelector")
                                                                            : NULL;
                if ((!ls || !*ls) && (!as || !*as)) continue;
                bool mm;
                if ((rc = anno_label_match(r, rj, &mm))) break;
                if (mm) rejected = true;
            }
            if (rc) break;
            if (rejected) continue;
            /* rejected when any of its ids is rejected */
            for (size_t k = 0; k < nids(r) && !rejected && !rc; k++) {
                for (size_t j = 0; j < nr && !rejected && !rc; j++) {
                    json_object *rj = json_object_array_get_idx(rejects, j);
                    if (sel_empty(rj)) continue;
                    rc = id_selected(r, k, rj, &rejected);
                }
            }
            if (rc || rejected) continue;
            bool hit = false;
            for (size_t k = 0; k < nids(r) && !hit && !rc; k++) rc = id_selected(r, k, sel, &hit);
            if (rc || !hit) continue;
            rc = copy_to_target(r, value, ts);
            if (rc) {
                ks_id id;
                char *s = NULL;
                if (!ks_res_curid(r, &id)) {
                    s = ks_id_string(&id);
                    ks_id_dispose(&id);
                }
                fc_err_wrap("replacement target %s", s ? s : "?");
                free(s);
            }
        }
    }
    json_object_put(value);
    return rc;
}

int ks_run_replacements(ks_resmap *m, const ks_loader *l, const ks_kust *k)
{
    json_object *reps = ks_kv(k, "replacements");
    size_t n = ks_is_seq(reps) ? json_object_array_length(reps) : 0;
    for (size_t i = 0; i < n; i++) {
        json_object *r = json_object_array_get_idx(reps, i);
        const char *path = ks_obj_str(r, "path");
        if (path && *path) {
            if (ks_obj_get(r, "source") || ks_obj_get(r, "targets"))
                return fc_err_set(FC_EINVAL, "%s: cannot specify both path and inline replacement", k->file);
            fc_buf b;
            if (ks_loader_read(l, path, &b, NULL)) return fc_err_wrap("%s: replacements", k->file);
            json_object *doc = NULL;
            int rc = fc_yaml_parse(b.ptr, b.len, &l->ctx->ylim, &doc);
            fc_buf_dispose(&b);
            if (rc) return fc_err_wrap("%s: replacements %s", k->file, path);
            if (ks_is_seq(doc)) {
                size_t dn = json_object_array_length(doc);
                for (size_t j = 0; j < dn && !rc; j++) rc = apply_one(m, json_object_array_get_idx(doc, j));
            } else if (ks_is_map(doc)) {
                rc = apply_one(m, doc);
            } else {
                rc = fc_err_set(FC_EINVAL, "%s: unsupported replacement type encountered within replacement path %s",
                                k->file, path);
            }
            json_object_put(doc);
            if (rc) return fc_err_wrap("%s", k->file);
            continue;
        }
        if (apply_one(m, r)) return fc_err_wrap("%s: replacements", k->file);
    }
    return 0;
}
