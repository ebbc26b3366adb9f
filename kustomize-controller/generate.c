/*
 * generate.c: write the kustomization file Flux builds (fluxcd/pkg/kustomize
 * Generator), in a private workspace.
 *
 * When spec.path holds no kustomization file, one is generated that lists
 * every YAML file found below it (a sub-directory with its own kustomization
 * file is listed as a directory and not descended into), honouring
 * .sourceignore; each listed file must parse as Kubernetes YAML, and an
 * empty result gets Flux's `_placeholder` namespace so the build does not
 * fail as "empty". Then the spec is applied to the file: targetNamespace,
 * namePrefix and nameSuffix replace the file's values, patches and
 * components are appended, images replace entries of the same name.
 *
 * The file is edited as a json-c object (unknown fields are kept) and
 * written next to the original then renamed over it: workspaces are hard
 * links onto the shared extracted artifact, and rename replaces only this
 * workspace's directory entry, never the shared inode.
 */
#include "ksc.h"
#include "fc/err.h"
#include "fc/json.h"
#include "fc/securepath.h"
#include "fc/sourceignore.h"
#include "fc/yaml.h"
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define GEN_MAX_FILES 100000
#define GEN_MAX_FILE_BYTES (32u << 20)

static const char *const kfile_names[] = {"kustomization.yaml", "kustomization.yml", "Kustomization", NULL};

/* The kustomization file in dir (malloc'd path), or NULL. */
static char *find_kfile(const char *dir)
{
    for (int i = 0; kfile_names[i]; i++) {
        char p[4096];
        struct stat sb;
        snprintf(p, sizeof p, "%s/%s", dir, kfile_names[i]);
        if (stat(p, &sb) == 0 && !S_ISDIR(sb.st_mode)) return strdup(p);
    }
    return NULL;
}

typedef struct scan_ctx {
    const char *root, *base;
    fc_ignore *ign;
    json_object *resources;
    size_t files;
} scan_ctx;

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static const char *rel_to(const char *root, const char *path)
{
    size_t rl = strlen(root);
    if (!strncmp(path, root, rl) && path[rl] == '/') return path + rl + 1;
    return path;
}

static int scan(scan_ctx *c, const char *dir, int depth)
{
    if (depth > 128) return fc_err_set(FC_EINVAL, "%s: directories nested too deeply", rel_to(c->root, dir));
    DIR *d = opendir(dir);
    if (!d) return fc_err_set(FC_EIO, "cannot read directory %s: %s", rel_to(c->root, dir), strerror(errno));
    char **names = NULL;
    size_t n = 0, cap = 0;
    int rc = 0;
    for (struct dirent *e; (e = readdir(d));) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 32;
            char **nn = realloc(names, cap * sizeof *nn);
            if (!nn) {
                rc = fc_err_set(FC_ENOMEM, "out of memory");
                goto out;
            }
            names = nn;
        }
        names[n++] = strdup(e->d_name);
    }
    if (n) qsort(names, n, sizeof *names, cmp_str); /* filepath.Walk order */
    for (size_t i = 0; i < n && !rc; i++) {
        char path[4096];
        if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, names[i]) >= sizeof path) {
            rc = fc_err_set(FC_EINVAL, "path too long: %s/%s", rel_to(c->root, dir), names[i]);
            break;
        }
        struct stat sb;
        if (stat(path, &sb)) continue;
        bool is_dir = S_ISDIR(sb.st_mode);
        if (c->ign && fc_ignore_match(c->ign, rel_to(c->root, path), is_dir)) continue;
        if (is_dir) {
            char *kf = find_kfile(path);
            if (kf) {
                free(kf);
                char res[4200];
                snprintf(res, sizeof res, "./%s", rel_to(c->base, path));
                json_object_array_add(c->resources, json_object_new_string(res));
                continue;
            }
            rc = scan(c, path, depth + 1);
            continue;
        }
        size_t nl = strlen(names[i]);
        bool yaml = (nl > 5 && !strcmp(names[i] + nl - 5, ".yaml")) || (nl > 4 && !strcmp(names[i] + nl - 4, ".yml"));
        if (!yaml || !S_ISREG(sb.st_mode)) continue;
        if (++c->files > GEN_MAX_FILES) {
            rc = fc_err_set(FC_ETOOBIG, "more than %d YAML files below %s", GEN_MAX_FILES, rel_to(c->root, c->base));
            break;
        }
        fc_buf b;
        fc_buf_init(&b, GEN_MAX_FILE_BYTES);
        json_object *docs = NULL;
        if ((rc = fc_buf_read_file(&b, path)) || (rc = fc_yaml_parse_stream(b.ptr, b.len, NULL, &docs))) {
            fc_err_wrap("failed to decode Kubernetes YAML from %s", rel_to(c->root, path));
        } else {
            for (size_t k = 0; k < json_object_array_length(docs); k++) {
                json_object *doc = json_object_array_get_idx(docs, k);
                if (!json_object_is_type(doc, json_type_object)) {
                    rc = fc_err_set(FC_EINVAL, "failed to decode Kubernetes YAML from %s: document %zu is not an object",
                                    rel_to(c->root, path), k + 1);
                    break;
                }
            }
        }
        json_object_put(docs);
        fc_buf_dispose(&b);
        if (!rc) {
            char res[4200];
            snprintf(res, sizeof res, "./%s", rel_to(c->base, path));
            json_object_array_add(c->resources, json_object_new_string(res));
        }
    }
out:
    for (size_t i = 0; i < n; i++) free(names[i]);
    free(names);
    closedir(d);
    return rc;
}

static int generate_new(const char *root, const char *dir, json_object **out)
{
    scan_ctx c = {root, dir, NULL, json_object_new_array(), 0};
    int rc = fc_sourceignore_load(root, NULL, &c.ign);
    if (rc) fc_err_wrap("loading .sourceignore");
    if (!rc) rc = scan(&c, dir, 0);
    fc_ignore_free(c.ign);
    if (rc) {
        json_object_put(c.resources);
        return rc;
    }
    json_object *k = json_object_new_object();
    json_object_object_add(k, "apiVersion", json_object_new_string("kustomize.config.k8s.io/v1beta1"));
    json_object_object_add(k, "kind", json_object_new_string("Kustomization"));
    if (json_object_array_length(c.resources) == 0) {
        json_object_put(c.resources);
        json_object_object_add(k, "namespace", json_object_new_string("_placeholder"));
    } else {
        json_object_object_add(k, "resources", c.resources);
    }
    *out = k;
    return 0;
}

static bool is_local_relative(const char *p)
{
    return *p && p[0] != '/' && !strstr(p, "://") && strncmp(p, "git@", 4) != 0 && strncmp(p, "github.com/", 11) != 0;
}

static json_object *ensure_array(json_object *k, const char *key)
{
    json_object *a = fc_json_key(k, key);
    if (!a || !json_object_is_type(a, json_type_array)) {
        a = json_object_new_array();
        json_object_object_add(k, key, a);
    }
    return a;
}

static void copy_str(json_object *dst, json_object *src, const char *key)
{
    const char *v = fc_json_key_str(src, key);
    if (v && *v) json_object_object_add(dst, key, json_object_new_string(v));
}

static int apply_spec(json_object *k, json_object *spec, const char *dir)
{
    json_object *v;
    if ((v = fc_json_key(spec, "targetNamespace")) && json_object_is_type(v, json_type_string))
        json_object_object_add(k, "namespace", json_object_new_string(json_object_get_string(v)));
    if ((v = fc_json_key(spec, "namePrefix")) && json_object_is_type(v, json_type_string))
        json_object_object_add(k, "namePrefix", json_object_new_string(json_object_get_string(v)));
    if ((v = fc_json_key(spec, "nameSuffix")) && json_object_is_type(v, json_type_string))
        json_object_object_add(k, "nameSuffix", json_object_new_string(json_object_get_string(v)));
    json_object *patches = fc_json_key(spec, "patches");
    for (size_t i = 0; patches && json_object_is_type(patches, json_type_array) && i < json_object_array_length(patches); i++) {
        json_object *p = json_object_array_get_idx(patches, i);
        const char *text = fc_json_key_str(p, "patch");
        if (!text) return fc_err_set(FC_EINVAL, "spec.patches[%zu]: patch is required", i);
        json_object *np = json_object_new_object();
        json_object_object_add(np, "patch", json_object_new_string(text));
        json_object *t = fc_json_key(p, "target");
        if (t && json_object_is_type(t, json_type_object)) {
            json_object *nt = json_object_new_object();
            static const char *const keys[] = {"group", "version", "kind", "name", "namespace", "labelSelector",
                                               "annotationSelector", NULL};
            for (int j = 0; keys[j]; j++) copy_str(nt, t, keys[j]);
            json_object_object_add(np, "target", nt);
        }
        json_object_array_add(ensure_array(k, "patches"), np);
    }
    json_object *comps = fc_json_key(spec, "components");
    bool ignore_missing = fc_json_get_bool(spec, "ignoreMissingComponents", false);
    for (size_t i = 0; comps && json_object_is_type(comps, json_type_array) && i < json_object_array_length(comps); i++) {
        const char *c = json_object_get_string(json_object_array_get_idx(comps, i));
        if (!c || !is_local_relative(c)) return fc_err_set(FC_EINVAL, "component path '%s' must be local and relative", c ? c : "");
        char p[4096];
        struct stat sb;
        snprintf(p, sizeof p, "%s/%s", dir, c);
        if (ignore_missing && stat(p, &sb) != 0) continue;
        json_object_array_add(ensure_array(k, "components"), json_object_new_string(c));
    }
    json_object *images = fc_json_key(spec, "images");
    for (size_t i = 0; images && json_object_is_type(images, json_type_array) && i < json_object_array_length(images); i++) {
        json_object *img = json_object_array_get_idx(images, i);
        const char *name = fc_json_key_str(img, "name");
        if (!name) return fc_err_set(FC_EINVAL, "spec.images[%zu]: name is required", i);
        json_object *ni = json_object_new_object();
        json_object_object_add(ni, "name", json_object_new_string(name));
        copy_str(ni, img, "newName");
        copy_str(ni, img, "newTag");
        copy_str(ni, img, "digest");
        json_object *list = ensure_array(k, "images");
        size_t j = 0, n = json_object_array_length(list);
        for (; j < n; j++) {
            const char *en = fc_json_key_str(json_object_array_get_idx(list, j), "name");
            if (en && !strcmp(en, name)) break;
        }
        if (j < n) json_object_array_put_idx(list, j, ni);
        else json_object_array_add(list, ni);
    }
    /* keep kustomize from refusing a file that holds nothing to build */
    bool empty = true;
    json_object_object_foreach(k, key, val) {
        (void)val;
        if (strcmp(key, "apiVersion") && strcmp(key, "kind")) empty = false;
    }
    if (empty) json_object_object_add(k, "namespace", json_object_new_string("_placeholder"));
    return 0;
}

static int write_atomic(const char *path, const char *data, size_t len)
{
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s.fluxc-XXXXXX", path);
    int fd = mkstemp(tmp);
    if (fd < 0) return fc_err_set(FC_EIO, "cannot create %s: %s", tmp, strerror(errno));
    size_t off = 0;
    while (off < len) {
        ssize_t w = write(fd, data + off, len - off);
        if (w < 0) {
            if (errno == EINTR) continue;
            close(fd);
            unlink(tmp);
            return fc_err_set(FC_EIO, "cannot write %s: %s", tmp, strerror(errno));
        }
        off += (size_t)w;
    }
    fchmod(fd, 0644);
    close(fd);
    if (rename(tmp, path)) {
        unlink(tmp);
        return fc_err_set(FC_EIO, "cannot rename %s: %s", tmp, strerror(errno));
    }
    return 0;
}

int ksc_generate(json_object *spec, const char *root, const char *dir)
{
    json_object *k = NULL;
    char *kfile = find_kfile(dir);
    fc_buf b, outb;
    fc_buf_init(&b, GEN_MAX_FILE_BYTES);
    fc_buf_init(&outb, 0);
    int rc = 0;
    if (kfile) {
        if ((rc = fc_buf_read_file(&b, kfile))) goto out;
        if ((rc = fc_yaml_parse(b.ptr, b.len, NULL, &k))) {
            fc_err_wrap("%s", rel_to(root, kfile));
            goto out;
        }
        if (!k) k = json_object_new_object();
        if (!json_object_is_type(k, json_type_object)) {
            rc = fc_err_set(FC_EINVAL, "%s: not a kustomization (expected a mapping)", rel_to(root, kfile));
            goto out;
        }
    } else {
        if ((rc = generate_new(root, dir, &k))) goto out;
        size_t l = strlen(dir) + 32;
        kfile = malloc(l);
        snprintf(kfile, l, "%s/kustomization.yaml", dir);
    }
    if ((rc = apply_spec(k, spec, dir))) goto out;
    if ((rc = fc_yaml_emit(k, NULL, &outb))) goto out;
    rc = write_atomic(kfile, outb.ptr, outb.len);
out:
    json_object_put(k);
    free(kfile);
    fc_buf_dispose(&b);
    fc_buf_dispose(&outb);
    return rc;
}
