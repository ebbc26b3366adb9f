/*
 * varsub.c: postBuild variable substitution on built objects.
 *
 * Flux serialises each built resource back to YAML with kyaml (which keeps
 * the source's quoting), runs envsubst over the text and re-parses it. The
 * engine hands us json-c objects, which no longer know whether a scalar was
 * written `replicas: ${R}` (plain: after substitution "3" is the integer 3)
 * or `value: "${R}"` (quoted: it stays the string "3"). So substitution here
 * runs per string (keys and values, every string containing '$', because
 * `$$` is an escape even without braces), and the type of a substituted
 * value is decided from evidence collected from the source YAML: the styles
 * of scalars containing '$', keyed by their parent key and text. A value
 * seen only quoted stays a string; otherwise the result is re-typed like a
 * plain YAML scalar (go-yaml v2 rules, as sigs.k8s.io/yaml does). Values
 * nobody wrote (produced by generators) are treated as plain, as kyaml emits
 * them. The source tree is scanned lazily, only when a substituted string
 * needs that decision.
 *
 * Errors name the object (kustomize's gvk/name, as Flux does) and, better
 * than Flux, the field that failed.
 */
#include "ksc.h"
#include "fc/err.h"
#include "fc/json.h"
#include "fc/yaml.h"
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <yaml.h>

#define STYLE_MAX_FILES 20000
#define STYLE_MAX_FILE_BYTES (8u << 20)
#define STYLE_MAX_DEPTH 64
#define VARSUB_MAX_OUT (64u << 20)

typedef struct style_count {
    unsigned plain, quoted;
} style_count;

struct ksc_styles {
    fc_strmap *m; /* "<parent key>\x1f<text>" -> style_count */
    size_t files;
};

ksc_styles *ksc_styles_new(void)
{
    ksc_styles *s = calloc(1, sizeof *s);
    if (s) s->m = fc_strmap_new(free);
    return s;
}

void ksc_styles_free(ksc_styles *s)
{
    if (!s) return;
    fc_strmap_free(s->m);
    free(s);
}

static char *style_key(const char *parent, const char *text)
{
    size_t n = strlen(parent) + strlen(text) + 2;
    char *k = malloc(n);
    if (k) snprintf(k, n, "%s\x1f%s", parent, text);
    return k;
}

static void record(ksc_styles *s, const char *parent, const char *text, bool plain)
{
    char *k = style_key(parent, text);
    if (!k) return;
    style_count *c = fc_strmap_get(s->m, k);
    if (!c) {
        c = calloc(1, sizeof *c);
        if (!c || fc_strmap_put(s->m, k, c)) {
            free(k);
            return;
        }
    }
    if (plain) c->plain++;
    else c->quoted++;
    free(k);
}

typedef struct frame {
    bool mapping;
    bool expect_key;
    char *key;    /* last key of a mapping */
    char *parent; /* key this container hangs under */
} frame;

void ksc_styles_scan_text(ksc_styles *s, const char *text, size_t len)
{
    yaml_parser_t p;
    if (!s || !yaml_parser_initialize(&p)) return;
    yaml_parser_set_input_string(&p, (const unsigned char *)text, len);
    frame st[STYLE_MAX_DEPTH];
    int depth = 0;
    for (int guard = 0; guard < 4000000; guard++) {
        yaml_event_t e;
        if (!yaml_parser_parse(&p, &e)) break;
        yaml_event_type_t t = e.type;
        frame *top = depth ? &st[depth - 1] : NULL;
        const char *here = !top ? "" : top->mapping ? (top->key ? top->key : "") : (top->parent ? top->parent : "");
        if (t == YAML_MAPPING_START_EVENT || t == YAML_SEQUENCE_START_EVENT) {
            if (depth < STYLE_MAX_DEPTH) {
                st[depth] = (frame){t == YAML_MAPPING_START_EVENT, true, NULL, strdup(here)};
                depth++;
            } else {
                depth++; /* counted only, not recorded */
            }
            if (top && top->mapping) top->expect_key = true;
        } else if (t == YAML_MAPPING_END_EVENT || t == YAML_SEQUENCE_END_EVENT) {
            if (depth > 0) {
                if (depth <= STYLE_MAX_DEPTH) {
                    free(st[depth - 1].key);
                    free(st[depth - 1].parent);
                }
                depth--;
            }
        } else if (t == YAML_SCALAR_EVENT && depth <= STYLE_MAX_DEPTH) {
            const char *v = (const char *)e.data.scalar.value;
            if (top && top->mapping && top->expect_key) {
                free(top->key);
                top->key = strdup(v);
                top->expect_key = false;
            } else {
                if (strchr(v, '$')) record(s, here, v, e.data.scalar.style == YAML_PLAIN_SCALAR_STYLE);
                if (top && top->mapping) top->expect_key = true;
            }
        } else if (t == YAML_ALIAS_EVENT) {
            if (top && top->mapping) top->expect_key = !top->expect_key;
        }
        yaml_event_delete(&e);
        if (t == YAML_STREAM_END_EVENT) break;
    }
    for (int i = 0; i < depth && i < STYLE_MAX_DEPTH; i++) {
        free(st[i].key);
        free(st[i].parent);
    }
    yaml_parser_delete(&p);
}

static bool yaml_name(const char *n)
{
    size_t l = strlen(n);
    return (l > 5 && !strcmp(n + l - 5, ".yaml")) || (l > 4 && !strcmp(n + l - 4, ".yml")) || !strcmp(n, "Kustomization");
}

static void scan_dir(ksc_styles *s, const char *dir, int depth)
{
    if (depth > 64 || s->files >= STYLE_MAX_FILES) return;
    DIR *d = opendir(dir);
    if (!d) return;
    for (struct dirent *e; (e = readdir(d)) && s->files < STYLE_MAX_FILES;) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
        char path[4096];
        if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, e->d_name) >= sizeof path) continue;
        struct stat sb;
        if (lstat(path, &sb)) continue;
        if (S_ISDIR(sb.st_mode)) {
            scan_dir(s, path, depth + 1);
        } else if (S_ISREG(sb.st_mode) && yaml_name(e->d_name) && (size_t)sb.st_size <= STYLE_MAX_FILE_BYTES) {
            fc_buf b;
            fc_buf_init(&b, STYLE_MAX_FILE_BYTES);
            if (!fc_buf_read_file(&b, path) && memchr(b.ptr ? b.ptr : "", '$', b.len)) ksc_styles_scan_text(s, b.ptr, b.len);
            fc_buf_dispose(&b);
            s->files++;
        }
    }
    closedir(d);
}

void ksc_styles_scan_tree(ksc_styles *s, const char *root)
{
    if (s && root) scan_dir(s, root, 0);
}

/* ------------------------------------------------------------------ walk */

static const char *lookup(const char *name, void *arg)
{
    return fc_strmap_get(((ksc_varsub *)arg)->vars, name);
}

typedef struct walk_ctx {
    ksc_varsub *vs;
    fc_buf path;
    size_t err_offset;
    bool failed_here;
} walk_ctx;

static int subst_string(walk_ctx *w, const char *s, char **out)
{
    fc_buf o;
    fc_buf_init(&o, VARSUB_MAX_OUT);
    ksc_envsubst_opts eo = {lookup, w->vs, w->vs->strict, VARSUB_MAX_OUT, 0};
    int rc = ksc_envsubst(s, strlen(s), &eo, &o, &w->err_offset);
    if (rc) {
        fc_buf_dispose(&o);
        w->failed_here = true;
        return rc;
    }
    *out = o.ptr ? fc_buf_detach(&o, NULL) : strdup("");
    return 0;
}

static bool keep_as_string(walk_ctx *w, const char *parent, const char *orig)
{
    ksc_varsub *vs = w->vs;
    if (!vs->styles) return false;
    if (!vs->tree_scanned && vs->tree) {
        ksc_styles_scan_tree(vs->styles, vs->tree);
        vs->tree_scanned = true;
    }
    char *k = style_key(parent, orig);
    style_count *c = k ? fc_strmap_get(vs->styles->m, k) : NULL;
    free(k);
    return c && c->quoted > c->plain;
}

static int walk(walk_ctx *w, json_object *v, const char *parent, json_object **out, int depth)
{
    if (depth > 512) return fc_err_set(FC_EINVAL, "object nested too deeply");
    size_t mark = w->path.len;
    int rc = 0;
    *out = NULL;
    switch (json_object_get_type(v)) {
    case json_type_object: {
        json_object *o = json_object_new_object();
        json_object_object_foreach(v, k, val) {
            char *nk = NULL;
            w->path.len = mark;
            fc_buf_printf(&w->path, "%s%s", mark ? "." : "", k);
            if (strchr(k, '$') && (rc = subst_string(w, k, &nk))) {
                json_object_put(o);
                return rc;
            }
            json_object *nv = NULL;
            if ((rc = walk(w, val, k, &nv, depth + 1))) {
                free(nk);
                json_object_put(o);
                return rc;
            }
            json_object_object_add(o, nk ? nk : k, nv);
            free(nk);
        }
        w->path.len = mark;
        if (w->path.ptr) w->path.ptr[mark] = 0;
        *out = o;
        return 0;
    }
    case json_type_array: {
        json_object *a = json_object_new_array();
        for (size_t i = 0; i < json_object_array_length(v); i++) {
            w->path.len = mark;
            fc_buf_printf(&w->path, "[%zu]", i);
            json_object *nv = NULL;
            if ((rc = walk(w, json_object_array_get_idx(v, i), parent, &nv, depth + 1))) {
                json_object_put(a);
                return rc;
            }
            json_object_array_add(a, nv);
        }
        w->path.len = mark;
        if (w->path.ptr) w->path.ptr[mark] = 0;
        *out = a;
        return 0;
    }
    case json_type_string: {
        const char *s = json_object_get_string(v);
        if (!strchr(s, '$')) {
            *out = json_object_get(v);
            return 0;
        }
        char *ns = NULL;
        if ((rc = subst_string(w, s, &ns))) return rc;
        if (!strcmp(ns, s) || keep_as_string(w, parent, s)) {
            *out = json_object_new_string(ns);
        } else {
            bool is_str = true;
            json_object *typed = fc_yaml_resolve_plain(ns, strlen(ns), &is_str);
            if (is_str) {
                json_object_put(typed);
                typed = json_object_new_string(ns);
            }
            *out = typed; /* NULL is YAML null ("" or "~"), as Flux re-parses it */
        }
        free(ns);
        return 0;
    }
    default:
        *out = json_object_get(v);
        return 0;
    }
}

void ksc_gvk_string(json_object *obj, fc_buf *out)
{
    const char *av = fc_json_get_str(obj, "apiVersion"), *k = fc_json_get_str(obj, "kind");
    const char *slash = av ? strchr(av, '/') : NULL;
    if (slash) fc_buf_printf(out, "%.*s_%s", (int)(slash - av), av, slash + 1);
    else fc_buf_printf(out, "[noGrp]_%s", av && *av ? av : "[noVer]");
    fc_buf_printf(out, "_%s", k && *k ? k : "[noKind]");
}

static bool disabled(json_object *obj)
{
    static const char key[] = "kustomize.toolkit.fluxcd.io/substitute";
    const char *l = fc_json_key_str(fc_json_get(obj, "metadata.labels"), key);
    const char *a = fc_json_key_str(fc_json_get(obj, "metadata.annotations"), key);
    return (l && !strcmp(l, "disabled")) || (a && !strcmp(a, "disabled"));
}

int ksc_varsub_object(ksc_varsub *vs, json_object *obj, json_object **out)
{
    *out = NULL;
    if (disabled(obj) || !vs->vars || fc_strmap_len(vs->vars) == 0) {
        *out = json_object_get(obj);
        return 0;
    }
    size_t nv = 0;
    const char **names = fc_strmap_keys(vs->vars, &nv);
    for (size_t i = 0; i < nv; i++) {
        if (!ksc_envsubst_var_name_valid(names[i])) {
            fc_buf id;
            fc_buf_init(&id, 0);
            ksc_gvk_string(obj, &id);
            const char *name = fc_json_get_str(obj, "metadata.name");
            fc_err_set(FC_EINVAL, "post build failed for '%s/%s': envsubst error: '%s' var name is invalid, must match '%s'",
                       id.ptr, name ? name : "", names[i], "^[_[:alpha:]][_[:alpha:][:digit:]]*$");
            fc_buf_dispose(&id);
            free(names);
            return FC_EINVAL;
        }
    }
    free(names);
    walk_ctx w = {vs, {0}, 0, false};
    fc_buf_init(&w.path, 0);
    int rc = walk(&w, obj, "", out, 0);
    if (rc) {
        char msg[FC_ERR_MSG_MAX];
        snprintf(msg, sizeof msg, "%s", fc_err_msg());
        fc_buf id;
        fc_buf_init(&id, 0);
        ksc_gvk_string(obj, &id);
        const char *name = fc_json_get_str(obj, "metadata.name");
        fc_err_set(rc, "post build failed for '%s/%s'%s%s: envsubst error: variable substitution failed: %s", id.ptr,
                   name ? name : "", w.path.len ? " at " : "", w.path.len ? w.path.ptr : "", msg);
        fc_buf_dispose(&id);
    }
    fc_buf_dispose(&w.path);
    return rc;
}
