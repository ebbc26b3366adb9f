/*
 * ks_generator.c: configMapGenerator and secretGenerator, and the content
 * hash kustomize appends to generated names.
 *
 * Key/value sources are read in kustomize's order (env files, literals,
 * files) with its parsing rules: literals split at the first '=' and lose
 * one pair of matching surrounding quotes; env-file lines are left-trimmed,
 * '#' lines and blank lines skipped, nothing else is unquoted or validated,
 * and a line without '=' takes its value from the environment (only when
 * the caller allows it). A repeated key is an error. Values that are not
 * valid UTF-8 go to binaryData (base64). Generator options merge the
 * kustomization's generatorOptions into the local ones (local wins, true
 * booleans win).
 *
 * The hash is kustomize's: SHA-256 of Go's JSON encoding of
 * {"data","kind","name"(always empty: kustomize's lookup of
 * "metadata/name" never finds it),"binaryData"/"type"/"stringData"}, first
 * ten hex digits with 0,1,3,a,e mapped to g,h,k,m,t.
 */
#include "ks_internal.h"
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool valid_utf8(const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s, *e = p + n;
    while (p < e) {
        if (*p < 0x80) {
            p++;
            continue;
        }
        int k;
        uint32_t cp;
        if ((*p & 0xE0) == 0xC0) { k = 1; cp = *p & 0x1F; }
        else if ((*p & 0xF0) == 0xE0) { k = 2; cp = *p & 0x0F; }
        else if ((*p & 0xF8) == 0xF0) { k = 3; cp = *p & 0x07; }
        else return false;
        if (e - p <= k) return false;
        for (int i = 1; i <= k; i++) {
            if ((p[i] & 0xC0) != 0x80) return false;
            cp = (cp << 6) | (p[i] & 0x3F);
        }
        if ((k == 1 && cp < 0x80) || (k == 2 && cp < 0x800) || (k == 3 && cp < 0x10000) || cp > 0x10FFFF ||
            (cp >= 0xD800 && cp <= 0xDFFF))
            return false;
        p += k + 1;
    }
    return true;
}

char *ks_base64(const char *s, size_t n)
{
    static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t olen = (n + 2) / 3 * 4;
    char *o = malloc(olen + 1);
    if (!o) return NULL;
    size_t j = 0;
    for (size_t i = 0; i < n; i += 3) {
        uint32_t v = (uint32_t)(unsigned char)s[i] << 16;
        if (i + 1 < n) v |= (uint32_t)(unsigned char)s[i + 1] << 8;
        if (i + 2 < n) v |= (unsigned char)s[i + 2];
        o[j++] = b64[(v >> 18) & 63];
        o[j++] = b64[(v >> 12) & 63];
        o[j++] = i + 1 < n ? b64[(v >> 6) & 63] : '=';
        o[j++] = i + 2 < n ? b64[v & 63] : '=';
    }
    o[j] = 0;
    return o;
}

/* kyaml's encodeBase64: lines of 70 characters, each followed by a newline
 * unless the whole encoding is shorter than one line */
static char *base64_lines(const char *s, size_t n)
{
    char *flat = ks_base64(s, n);
    if (!flat) return NULL;
    size_t len = strlen(flat), lines = len / 70 + 1;
    if (lines <= 1) return flat;
    fc_buf b;
    fc_buf_init(&b, 0);
    for (size_t i = 0; i < len; i += 70) {
        size_t j = i + 70 > len ? len : i + 70;
        fc_buf_put(&b, flat + i, j - i);
        fc_buf_putc(&b, '\n');
    }
    free(flat);
    char *r = fc_buf_detach(&b, NULL);
    return r ? r : strdup("");
}

/* ------------------------------------------------------------------ pairs */

typedef struct pairs {
    json_object *kv; /* key -> string (binary safe via json-c length) */
    const char *gen_name;
} pairs;

static int add_pair(pairs *p, const char *k, const char *v, size_t vlen)
{
    if (json_object_object_get_ex(p->kv, k, NULL))
        return fc_err_set(FC_EINVAL, "configmap %s illegally repeats the key `%s`", p->gen_name, k);
    json_object_object_add(p->kv, k, json_object_new_string_len(v, (int)vlen));
    return 0;
}

static int env_file(const ks_loader *l, const char *path, pairs *p)
{
    fc_buf b;
    if (ks_loader_read(l, path, &b, NULL)) return -1;
    int rc = 0;
    size_t line = 0;
    const char *s = b.ptr, *end = b.ptr + b.len;
    while (s < end && !rc) {
        const char *nl = memchr(s, '\n', (size_t)(end - s));
        const char *le = nl ? nl : end;
        size_t len = (size_t)(le - s);
        if (len && s[len - 1] == '\r') len--;
        const char *ln = s;
        if (!valid_utf8(ln, len)) {
            rc = fc_err_set(FC_EINVAL, "%s: line %zu has invalid utf8 bytes", path, line + 1);
            break;
        }
        if (line == 0 && len >= 3 && (unsigned char)ln[0] == 0xEF && (unsigned char)ln[1] == 0xBB &&
            (unsigned char)ln[2] == 0xBF) {
            ln += 3;
            len -= 3;
        }
        while (len && (*ln == ' ' || *ln == '\t' || *ln == '\v' || *ln == '\f' || *ln == '\r' || *ln == '\n')) {
            ln++;
            len--;
        }
        line++;
        s = nl ? nl + 1 : end;
        if (!len || ln[0] == '#') continue;
        const char *eq = memchr(ln, '=', len);
        char *key = ks_strndup(ln, eq ? (size_t)(eq - ln) : len);
        if (!key) {
            rc = fc_err_set(FC_ENOMEM, "out of memory");
            break;
        }
        if (eq) {
            rc = add_pair(p, key, eq + 1, len - (size_t)(eq + 1 - ln));
        } else {
            const char *ev = l->ctx->allow_env ? getenv(key) : NULL;
            rc = add_pair(p, key, ev ? ev : "", ev ? strlen(ev) : 0);
        }
        free(key);
    }
    fc_buf_dispose(&b);
    if (rc && fc_err_code() != FC_ENOMEM && !strstr(fc_err_msg(), path)) fc_err_wrap("env file %s", path);
    return rc;
}

static int literal(const char *src, pairs *p)
{
    const char *eq = strchr(src, '=');
    if (!eq || eq == src) return fc_err_set(FC_EINVAL, "invalid literal source %s, expected key=value", src);
    char *key = ks_strndup(src, (size_t)(eq - src));
    const char *v = eq + 1;
    size_t vl = strlen(v);
    if (vl >= 2 && v[0] == v[vl - 1] && (v[0] == '"' || v[0] == '\'')) {
        v++;
        vl -= 2;
    }
    int rc = key ? add_pair(p, key, v, vl) : fc_err_set(FC_ENOMEM, "out of memory");
    free(key);
    return rc;
}

static int file_source(const ks_loader *l, const char *src, pairs *p)
{
    size_t n = 0;
    for (const char *c = src; *c; c++)
        if (*c == '=') n++;
    char *key = NULL, *path = NULL;
    size_t sl = strlen(src);
    if (n == 0) {
        path = ks_strdup(src);
        const char *base = src;
        size_t bl = sl;
        while (bl > 1 && base[bl - 1] == '/') bl--;
        const char *slash = NULL;
        for (size_t i = 0; i < bl; i++)
            if (base[i] == '/') slash = base + i;
        if (slash && bl > 1) key = ks_strndup(slash + 1, (size_t)(base + bl - slash - 1));
        else key = ks_strndup(base, bl ? bl : 0);
        if (key && !*key) {
            free(key);
            key = ks_strdup(".");
        }
    } else if (n == 1 && src[0] == '=') {
        return fc_err_set(FC_EINVAL, "missing key name for file path \"%s\" in source \"%s\"", src + 1, src);
    } else if (n == 1 && src[sl - 1] == '=') {
        char *k = ks_strndup(src, sl - 1);
        int rc = fc_err_set(FC_EINVAL, "missing file path for key name \"%s\" in source \"%s\"", k ? k : "", src);
        free(k);
        return rc;
    } else if (n > 1) {
        return fc_err_set(FC_EINVAL, "source \"%s\" key name or file path contains '='", src);
    } else {
        const char *eq = strchr(src, '=');
        key = ks_strndup(src, (size_t)(eq - src));
        path = ks_strdup(eq + 1);
    }
    fc_buf b;
    int rc = ks_loader_read(l, path, &b, NULL);
    if (!rc) {
        rc = add_pair(p, key, b.ptr, b.len);
        fc_buf_dispose(&b);
    }
    free(key);
    free(path);
    return rc;
}

static int load_pairs(const ks_loader *l, json_object *args, pairs *p)
{
    json_object *lists[3] = {ks_obj_get(args, "envs"), ks_obj_get(args, "literals"), ks_obj_get(args, "files")};
    for (int w = 0; w < 3; w++) {
        size_t n = ks_is_seq(lists[w]) ? json_object_array_length(lists[w]) : 0;
        for (size_t i = 0; i < n; i++) {
            const char *s = json_object_get_string(json_object_array_get_idx(lists[w], i));
            int rc = w == 0 ? env_file(l, s, p) : w == 1 ? literal(s, p) : file_source(l, s, p);
            if (rc) return rc;
        }
    }
    return 0;
}

/* ---------------------------------------------------------------- options */

/* MergeGlobalOptionsIntoLocal: a fresh options object */
static json_object *merge_options(json_object *local, json_object *global)
{
    json_object *o = local ? fc_json_copy(local) : json_object_new_object();
    if (!global) return o;
    const char *maps[2] = {"labels", "annotations"};
    for (int i = 0; i < 2; i++) {
        json_object *g = ks_obj_get(global, maps[i]);
        if (!ks_is_map(g)) continue;
        json_object *lm = ks_obj_get(o, maps[i]);
        if (!ks_is_map(lm)) {
            lm = json_object_new_object();
            json_object_object_add(o, maps[i], lm);
        }
        json_object_object_foreach(g, k, v) {
            if (!json_object_object_get_ex(lm, k, NULL)) json_object_object_add(lm, k, json_object_get(v));
        }
    }
    const char *bools[2] = {"disableNameSuffixHash", "immutable"};
    for (int i = 0; i < 2; i++) {
        json_object *g = ks_obj_get(global, bools[i]);
        if (g && json_object_get_boolean(g)) json_object_object_add(o, bools[i], json_object_new_boolean(1));
    }
    return o;
}

static int behavior_of(const char *b)
{
    if (!b) return KS_BEHAVIOR_UNSPECIFIED;
    if (!strcmp(b, "create")) return KS_BEHAVIOR_CREATE;
    if (!strcmp(b, "replace")) return KS_BEHAVIOR_REPLACE;
    if (!strcmp(b, "merge")) return KS_BEHAVIOR_MERGE;
    return KS_BEHAVIOR_UNSPECIFIED;
}

static void copy_string_map(json_object *meta, const char *field, json_object *src)
{
    if (!ks_is_map(src) || !json_object_object_length(src)) return;
    json_object *m = json_object_new_object();
    json_object_object_foreach(src, k, v) json_object_object_add(m, k, json_object_get(v));
    json_object_object_add(meta, field, m);
}

static int generate(const ks_loader *l, json_object *args, json_object *global, bool secret, ks_resmap *out,
                    const char *kfile)
{
    const char *name = ks_obj_str(args, "name");
    if (!name || !*name) return fc_err_set(FC_EINVAL, "%s: a configmap must have a name", kfile);
    json_object *opts = merge_options(ks_obj_get(args, "options"), global);
    pairs p = {json_object_new_object(), name};
    int rc = load_pairs(l, args, &p);
    if (rc) {
        json_object_put(p.kv);
        json_object_put(opts);
        return fc_err_wrap("%s: %s %s", kfile, secret ? "secretGenerator" : "configMapGenerator", name);
    }
    json_object *o = json_object_new_object();
    json_object_object_add(o, "apiVersion", json_object_new_string("v1"));
    json_object_object_add(o, "kind", json_object_new_string(secret ? "Secret" : "ConfigMap"));
    json_object *meta = json_object_new_object();
    json_object_object_add(o, "metadata", meta);
    json_object_object_add(meta, "name", json_object_new_string(name));
    const char *ns = ks_obj_str(args, "namespace");
    if (ns && *ns) json_object_object_add(meta, "namespace", json_object_new_string(ns));
    if (secret) {
        const char *type = ks_obj_str(args, "type");
        json_object_object_add(o, "type", json_object_new_string(type && *type ? type : "Opaque"));
    }
    json_object *data = NULL, *bin = NULL;
    json_object_object_foreach(p.kv, k, v) {
        const char *s = json_object_get_string(v);
        size_t n = (size_t)json_object_get_string_len(v);
        if (secret) {
            char *e = base64_lines(s, n);
            if (!data) data = json_object_new_object();
            json_object_object_add(data, k, json_object_new_string(e ? e : ""));
            free(e);
        } else if (valid_utf8(s, n)) {
            if (!data) data = json_object_new_object();
            json_object_object_add(data, k, json_object_get(v));
        } else {
            char *e = base64_lines(s, n);
            if (!bin) bin = json_object_new_object();
            json_object_object_add(bin, k, json_object_new_string(e ? e : ""));
            free(e);
        }
    }
    if (data) json_object_object_add(o, "data", data);
    if (bin) json_object_object_add(o, "binaryData", bin);
    copy_string_map(meta, "labels", ks_obj_get(opts, "labels"));
    copy_string_map(meta, "annotations", ks_obj_get(opts, "annotations"));
    json_object *imm = ks_obj_get(opts, "immutable");
    if (imm && json_object_get_boolean(imm)) json_object_object_add(o, "immutable", json_object_new_boolean(1));
    json_object *dis = ks_obj_get(opts, "disableNameSuffixHash");
    ks_res *r = ks_res_new(o);
    if (!r) {
        json_object_put(p.kv);
        json_object_put(opts);
        return fc_err_set(FC_ENOMEM, "out of memory");
    }
    r->generated = true;
    r->hash = !(dis && json_object_get_boolean(dis));
    r->behavior = behavior_of(ks_obj_str(args, "behavior"));
    r->source = ks_strdup(kfile);
    json_object_put(p.kv);
    json_object_put(opts);
    return ks_resmap_push(out, r);
}

int ks_generate(const ks_loader *l, const ks_kust *k, ks_resmap *out)
{
    json_object *global = ks_kv(k, "generatorOptions");
    const char *fields[2] = {"configMapGenerator", "secretGenerator"};
    for (int f = 0; f < 2; f++) {
        json_object *gens = ks_kv(k, fields[f]);
        size_t n = ks_is_seq(gens) ? json_object_array_length(gens) : 0;
        for (size_t i = 0; i < n; i++)
            if (generate(l, json_object_array_get_idx(gens, i), global, f == 1, out, k->file)) return -1;
    }
    return 0;
}

/* ------------------------------------------------------------------- hash */

static json_object *hash_field(json_object *o, const char *field)
{
    json_object *v = NULL;
    if (!json_object_object_get_ex(o, field, &v) || !v) return json_object_new_string("");
    if (ks_is_scalar(v)) {
        char *t = ks_json_text(v);
        json_object *s = json_object_new_string(t ? t : "");
        free(t);
        return s;
    }
    if (ks_is_map(v)) return fc_json_copy(v);
    return NULL; /* a list decodes to a nil map: JSON null */
}

int ks_hash_resource(ks_res *r, char out[11])
{
    const char *kind = ks_res_kind(r);
    json_object *m = json_object_new_object();
    bool secret = strcmp(kind, "Secret") == 0;
    json_object_object_add(m, "kind", json_object_new_string(secret ? "Secret" : "ConfigMap"));
    json_object_object_add(m, "name", json_object_new_string(""));
    json_object_object_add(m, "data", hash_field(r->obj, "data"));
    const char *extra = secret ? "stringData" : "binaryData";
    json_object *ev = ks_obj_get(r->obj, extra);
    if (ks_is_map(ev)) json_object_object_add(m, extra, fc_json_copy(ev));
    if (secret) json_object_object_add(m, "type", hash_field(r->obj, "type"));
    fc_buf b;
    fc_buf_init(&b, 0);
    int rc = ks_go_json(m, &b);
    json_object_put(m);
    if (rc) {
        fc_buf_dispose(&b);
        return rc;
    }
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    if (!EVP_Digest(b.ptr ? b.ptr : "", b.len, md, &mdlen, EVP_sha256(), NULL)) {
        fc_buf_dispose(&b);
        return fc_err_set(FC_ERR, "sha256 failed");
    }
    fc_buf_dispose(&b);
    static const char hex[] = "0123456789abcdef";
    for (int i = 0; i < 10; i++) {
        unsigned char c = md[i / 2];
        char h = hex[i % 2 ? (c & 15) : (c >> 4)];
        switch (h) {
        case '0': h = 'g'; break;
        case '1': h = 'h'; break;
        case '3': h = 'k'; break;
        case 'a': h = 'm'; break;
        case 'e': h = 't'; break;
        default: break;
        }
        out[i] = h;
    }
    out[10] = 0;
    return 0;
}
