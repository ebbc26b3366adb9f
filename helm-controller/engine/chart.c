/*
 * chart.c: loading charts the way Helm 4's loader does (pkg/chart/v2/
 * loader): a directory walked in lexical order with .helmignore rules, or a
 * .tgz read with libarchive; then LoadFiles sorts the files into Chart.yaml
 * metadata, values.yaml (multi-document, merged), values.schema.json,
 * templates/, charts/ (subcharts, directories or archives, recursively)
 * and plain files, and validates the metadata with Helm's messages.
 *
 * Everything read is capped (file size, total size, file count, nesting)
 * and archive entry names are cleaned and rejected when absolute or
 * escaping the chart, as Helm does. A directory chart may contain symlinks
 * (Helm follows them); we follow them only while they stay inside the
 * chart directory.
 */
#include "render_int.h"
#include "fc/err.h"
#include "fc/gofmt.h"
#include "fc/yaml.h"
#include "fc/semver.h"
#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct {
    ht_load_limits lim;
    size_t total;
} budget;

typedef struct {
    char *name;
    char *data;
    size_t len;
} bfile;

typedef struct {
    bfile *v;
    size_t n, cap;
} bfiles;

static void lim_defaults(ht_load_limits *l, const ht_load_limits *in)
{
    memset(l, 0, sizeof *l);
    if (in) *l = *in;
    if (!l->max_archive_bytes) l->max_archive_bytes = (size_t)64 << 20;
    if (!l->max_total_bytes) l->max_total_bytes = (size_t)100 << 20;
    if (!l->max_file_bytes) l->max_file_bytes = (size_t)5 << 20;
    if (!l->max_files) l->max_files = 20000;
    if (!l->max_depth) l->max_depth = 32;
}

static void bfiles_free(bfiles *f)
{
    for (size_t i = 0; i < f->n; i++) {
        free(f->v[i].name);
        free(f->v[i].data);
    }
    free(f->v);
    f->v = NULL;
    f->n = f->cap = 0;
}

static int bfiles_add(bfiles *f, budget *b, char *name, char *data, size_t len)
{
    if (f->n >= b->lim.max_files) {
        free(name);
        free(data);
        return fc_err_set(FC_ETOOBIG, "chart has more than %zu files", b->lim.max_files);
    }
    if (f->n == f->cap) {
        size_t nc = f->cap ? f->cap * 2 : 32;
        bfile *nv = realloc(f->v, nc * sizeof *nv);
        if (!nv) {
            free(name);
            free(data);
            return fc_err_set(FC_ENOMEM, "out of memory");
        }
        f->v = nv;
        f->cap = nc;
    }
    /* strip a UTF-8 BOM like Helm */
    if (len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0) {
        memmove(data, data + 3, len - 3);
        len -= 3;
        data[len] = 0;
    }
    f->v[f->n].name = name;
    f->v[f->n].data = data;
    f->v[f->n].len = len;
    f->n++;
    return 0;
}

/* ------------------------------------------------------------- helmignore */

/* Go's filepath.Match on '/'-separated names */
static bool fp_match(const char *p, const char *s)
{
    while (*p) {
        if (*p == '*') {
            while (*p == '*') p++;
            if (!*p) return strchr(s, '/') == NULL;
            for (const char *k = s;; k++) {
                if (fp_match(p, k)) return true;
                if (!*k || *k == '/') return false;
            }
        }
        if (!*s) return false;
        if (*p == '?') {
            if (*s == '/') return false;
            p++;
            s++;
            continue;
        }
        if (*p == '[') {
            p++;
            bool neg = *p == '^';
            if (neg) p++;
            bool hit = false, first = true;
            while (*p && (*p != ']' || first)) {
                first = false;
                char lo = *p == '\\' && p[1] ? *++p : *p;
                p++;
                char hi = lo;
                if (*p == '-' && p[1] && p[1] != ']') {
                    p++;
                    hi = *p == '\\' && p[1] ? *++p : *p;
                    p++;
                }
                if (*s >= lo && *s <= hi) hit = true;
            }
            if (*p != ']') return false;
            p++;
            if (hit == neg || *s == '/') return false;
            s++;
            continue;
        }
        if (*p == '\\' && p[1]) p++;
        if (*p != *s) return false;
        p++;
        s++;
    }
    return !*s;
}

typedef struct {
    char *rule;
    bool negate, must_dir;
    int kind; /* 0 basename, 1 path, 2 rooted path */
} irule;

typedef struct {
    irule *v;
    size_t n;
} irules;

static void irules_free(irules *r)
{
    for (size_t i = 0; i < r->n; i++) free(r->v[i].rule);
    free(r->v);
}

static int irule_add(irules *r, const char *line, size_t len)
{
    while (len && (line[len - 1] == ' ' || line[len - 1] == '\t' || line[len - 1] == '\r')) len--;
    while (len && (*line == ' ' || *line == '\t')) {
        line++;
        len--;
    }
    if (!len || line[0] == '#') return 0;
    char *rule = strndup(line, len);
    if (!rule) return fc_err_set(FC_ENOMEM, "out of memory");
    if (strstr(rule, "**")) {
        free(rule);
        return fc_err_set(FC_EINVAL, "double-star (**) syntax is not supported");
    }
    irule ir = {0};
    char *p = rule;
    if (*p == '!') {
        ir.negate = true;
        p++;
    }
    size_t pl = strlen(p);
    if (pl && p[pl - 1] == '/') {
        ir.must_dir = true;
        p[--pl] = 0;
    }
    if (*p == '/') {
        ir.kind = 2;
        p++;
    } else if (strchr(p, '/')) {
        ir.kind = 1;
    }
    ir.rule = strdup(p);
    free(rule);
    irule *nv = realloc(r->v, (r->n + 1) * sizeof *nv);
    if (!nv || !ir.rule) {
        free(ir.rule);
        return fc_err_set(FC_ENOMEM, "out of memory");
    }
    r->v = nv;
    r->v[r->n++] = ir;
    return 0;
}

static bool irules_ignore(const irules *r, const char *path, bool is_dir)
{
    if (!*path || strcmp(path, ".") == 0 || strcmp(path, "./") == 0) return false;
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    for (size_t i = 0; i < r->n; i++) {
        const irule *p = &r->v[i];
        bool m = p->kind == 0 ? fp_match(p->rule, base) : fp_match(p->rule, path);
        if (p->negate) {
            if (p->must_dir && !is_dir) return true;
            if (!m) return true;
            continue;
        }
        if (p->must_dir && !is_dir) continue;
        if (m) return true;
    }
    return false;
}

/* ------------------------------------------------------------- directory walk */

static int read_file_capped(const char *path, budget *b, char **data, size_t *len)
{
    fc_buf buf;
    size_t cap = b->lim.max_file_bytes;
    fc_buf_init(&buf, cap);
    int rc = fc_buf_read_file(&buf, path);
    if (rc) {
        fc_buf_dispose(&buf);
        if (rc == FC_ETOOBIG) return fc_err_set(FC_ETOOBIG, "file %s is larger than the maximum file size %zu", path, cap);
        return rc;
    }
    if (__atomic_load_n(&b->total, __ATOMIC_RELAXED) + buf.len > b->lim.max_total_bytes) {
        fc_buf_dispose(&buf);
        return fc_err_set(FC_ETOOBIG, "chart exceeds the maximum size of %zu bytes", b->lim.max_total_bytes);
    }
    __atomic_add_fetch(&b->total, buf.len, __ATOMIC_RELAXED);
    *len = buf.len;
    *data = fc_buf_detach(&buf, NULL);
    if (!*data) *data = strdup("");
    return 0;
}

static int name_cmp(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static int walk_dir(const char *root_real, const char *abs, const char *rel, const irules *rules, budget *b, bfiles *out,
                    int depth)
{
    if (depth > 64) return fc_err_set(FC_EINVAL, "chart directory nesting too deep at %s", rel);
    DIR *d = opendir(abs);
    if (!d) return fc_err_set(FC_EIO, "open %s: %s", abs, strerror(errno));
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *e;
    int rc = 0;
    while ((e = readdir(d))) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 32;
            char **nn = realloc(names, cap * sizeof *nn);
            if (!nn) {
                rc = fc_err_set(FC_ENOMEM, "out of memory");
                break;
            }
            names = nn;
        }
        names[n++] = strdup(e->d_name);
        if (n > b->lim.max_files * 2) {
            rc = fc_err_set(FC_ETOOBIG, "chart has more than %zu files", b->lim.max_files);
            break;
        }
    }
    closedir(d);
    if (!rc && n) qsort(names, n, sizeof *names, name_cmp);
    for (size_t i = 0; i < n && !rc; i++) {
        char *child_abs = NULL, *child_rel = NULL;
        if (asprintf(&child_abs, "%s/%s", abs, names[i]) < 0 || asprintf(&child_rel, "%s%s%s", rel, *rel ? "/" : "", names[i]) < 0) {
            free(child_abs);
            rc = fc_err_set(FC_ENOMEM, "out of memory");
            break;
        }
        struct stat st;
        if (lstat(child_abs, &st) != 0) {
            rc = fc_err_set(FC_EIO, "lstat %s: %s", child_abs, strerror(errno));
        } else {
            if (S_ISLNK(st.st_mode)) {
                char real[PATH_MAX];
                if (!realpath(child_abs, real)) {
                    rc = fc_err_set(FC_EIO, "error evaluating symlink %s: %s", child_abs, strerror(errno));
                } else if (strncmp(real, root_real, strlen(root_real)) != 0 ||
                           (real[strlen(root_real)] != '/' && real[strlen(root_real)] != 0)) {
                    rc = fc_err_set(FC_EINVAL, "symlink %s points outside the chart directory", child_rel);
                } else if (stat(child_abs, &st) != 0) {
                    rc = fc_err_set(FC_EIO, "stat %s: %s", child_abs, strerror(errno));
                }
            }
            if (!rc) {
                if (S_ISDIR(st.st_mode)) {
                    if (!irules_ignore(rules, child_rel, true))
                        rc = walk_dir(root_real, child_abs, child_rel, rules, b, out, depth + 1);
                } else if (!irules_ignore(rules, child_rel, false)) {
                    if (!S_ISREG(st.st_mode)) {
                        rc = fc_err_set(FC_EINVAL, "cannot load irregular file %s as it has file mode type bits set", child_abs);
                    } else {
                        char *data = NULL;
                        size_t len = 0;
                        rc = read_file_capped(child_abs, b, &data, &len);
                        if (rc == FC_ETOOBIG || rc == FC_EIO) fc_err_wrap("error reading %s", child_rel);
                        if (!rc) {
                            rc = bfiles_add(out, b, child_rel, data, len);
                            child_rel = NULL;
                        }
                    }
                }
            }
        }
        free(child_abs);
        free(child_rel);
    }
    for (size_t i = 0; i < n; i++) free(names[i]);
    free(names);
    return rc;
}

static int load_files(bfiles *files, budget *b, unsigned depth, ht_chart **out);

int ht_chart_load_dir(const char *dir, const ht_load_limits *lim, ht_chart **out)
{
    *out = NULL;
    budget b = {0};
    lim_defaults(&b.lim, lim);
    char real[PATH_MAX];
    if (!realpath(dir, real)) return fc_err_set(FC_ENOTFOUND, "stat %s: %s", dir, strerror(errno));
    irules rules = {0};
    int rc = 0;
    char *ignore_path = NULL;
    if (asprintf(&ignore_path, "%s/.helmignore", real) < 0) return fc_err_set(FC_ENOMEM, "out of memory");
    struct stat st;
    if (stat(ignore_path, &st) == 0) {
        fc_buf ib;
        fc_buf_init(&ib, (size_t)1 << 20);
        rc = fc_buf_read_file(&ib, ignore_path);
        if (!rc) {
            const char *p = ib.ptr ? ib.ptr : "";
            size_t len = ib.len;
            if (len >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0) {
                p += 3;
                len -= 3;
            }
            size_t st0 = 0;
            for (size_t i = 0; i <= len && !rc; i++)
                if (i == len || p[i] == '\n') {
                    rc = irule_add(&rules, p + st0, i - st0);
                    st0 = i + 1;
                }
        }
        fc_buf_dispose(&ib);
    }
    free(ignore_path);
    if (!rc) rc = irule_add(&rules, "templates/.?*", 13);
    bfiles files = {0};
    if (!rc) rc = walk_dir(real, real, "", &rules, &b, &files, 0);
    irules_free(&rules);
    if (!rc) rc = load_files(&files, &b, 0, out);
    bfiles_free(&files);
    return rc;
}

/* ------------------------------------------------------------- archives */

static int clean_path(const char *in, char **out)
{
    /* path.Clean */
    size_t n = strlen(in);
    char *buf = malloc(n + 2);
    if (!buf) return -1;
    bool rooted = n && in[0] == '/';
    size_t w = 0, r = 0, dotdot = 0;
    if (rooted) {
        buf[w++] = '/';
        r = 1;
        dotdot = 1;
    }
    while (r < n) {
        if (in[r] == '/') r++;
        else if (in[r] == '.' && (r + 1 == n || in[r + 1] == '/')) r++;
        else if (in[r] == '.' && in[r + 1] == '.' && (r + 2 == n || in[r + 2] == '/')) {
            r += 2;
            if (w > dotdot) {
                w--;
                while (w > dotdot && buf[w] != '/') w--;
            } else if (!rooted) {
                if (w > 0) buf[w++] = '/';
                buf[w++] = '.';
                buf[w++] = '.';
                dotdot = w;
            }
        } else {
            if ((rooted && w != 1) || (!rooted && w != 0)) buf[w++] = '/';
            for (; r < n && in[r] != '/'; r++) buf[w++] = in[r];
        }
    }
    if (w == 0) buf[w++] = '.';
    buf[w] = 0;
    *out = buf;
    return 0;
}

static int archive_files(const void *data, size_t len, budget *b, bfiles *out)
{
    if (len > b->lim.max_archive_bytes)
        return fc_err_set(FC_ETOOBIG, "chart archive of %zu bytes exceeds the limit of %zu bytes", len, b->lim.max_archive_bytes);
    if (len < 2 || ((const unsigned char *)data)[0] != 0x1F || ((const unsigned char *)data)[1] != 0x8B)
        return fc_err_set(FC_EINVAL, "gzip: invalid header");
    struct archive *a = archive_read_new();
    if (!a) return fc_err_set(FC_ENOMEM, "out of memory");
    archive_read_support_filter_gzip(a);
    archive_read_support_format_tar(a);
    int rc = 0;
    if (archive_read_open_memory(a, data, len) != ARCHIVE_OK) {
        rc = fc_err_set(FC_EINVAL, "%s", archive_error_string(a) ? archive_error_string(a) : "cannot read archive");
        archive_read_free(a);
        return rc;
    }
    struct archive_entry *e;
    for (;;) {
        int r = archive_read_next_header(a, &e);
        if (r == ARCHIVE_EOF) break;
        if (r != ARCHIVE_OK && r != ARCHIVE_WARN) {
            rc = fc_err_set(FC_EINVAL, "%s", archive_error_string(a) ? archive_error_string(a) : "corrupt archive");
            break;
        }
        if (archive_entry_filetype(e) == AE_IFDIR) continue;
        const char *name = archive_entry_pathname(e);
        if (!name) continue;
        char delim = strchr(name, '\\') ? '\\' : '/';
        const char *first_end = strchr(name, delim);
        size_t first_len = first_end ? (size_t)(first_end - name) : strlen(name);
        if (first_len == 10 && memcmp(name, "Chart.yaml", 10) == 0 && !first_end) {
            rc = fc_err_set(FC_EINVAL, "chart yaml not in base directory");
            break;
        }
        char *rest = strdup(first_end ? first_end + 1 : "");
        if (!rest) {
            rc = fc_err_set(FC_ENOMEM, "out of memory");
            break;
        }
        for (char *p = rest; *p; p++)
            if (*p == '\\') *p = '/';
        if (rest[0] == '/') {
            free(rest);
            rc = fc_err_set(FC_EINVAL, "chart illegally contains absolute paths");
            break;
        }
        char *n;
        if (clean_path(rest, &n)) {
            free(rest);
            rc = fc_err_set(FC_ENOMEM, "out of memory");
            break;
        }
        free(rest);
        if (strcmp(n, ".") == 0) {
            free(n);
            rc = fc_err_set(FC_EINVAL, "chart illegally contains content outside the base directory: \"%s\"", name);
            break;
        }
        if (strncmp(n, "..", 2) == 0) {
            free(n);
            rc = fc_err_set(FC_EINVAL, "chart illegally references parent directory");
            break;
        }
        if (((n[0] >= 'a' && n[0] <= 'z') || (n[0] >= 'A' && n[0] <= 'Z')) && n[1] == ':' && n[2] == '/') {
            free(n);
            rc = fc_err_set(FC_EINVAL, "chart contains illegally named files");
            break;
        }
        la_int64_t size = archive_entry_size(e);
        if (size < 0 || (size_t)size > b->lim.max_file_bytes || __atomic_load_n(&b->total, __ATOMIC_RELAXED) + (size_t)size > b->lim.max_total_bytes) {
            free(n);
            rc = fc_err_set(FC_ETOOBIG, "decompressed chart is larger than the maximum size %zu", b->lim.max_total_bytes);
            break;
        }
        char *buf = malloc((size_t)size + 1);
        if (!buf) {
            free(n);
            rc = fc_err_set(FC_ENOMEM, "out of memory");
            break;
        }
        la_ssize_t got = 0;
        while (got < size) {
            la_ssize_t k = archive_read_data(a, buf + got, (size_t)(size - got));
            if (k <= 0) break;
            got += k;
        }
        if (got != size) {
            free(n);
            free(buf);
            rc = fc_err_set(FC_EINVAL, "%s", archive_error_string(a) ? archive_error_string(a) : "unexpected EOF");
            break;
        }
        buf[size] = 0;
        __atomic_add_fetch(&b->total, (size_t)size, __ATOMIC_RELAXED);
        rc = bfiles_add(out, b, n, buf, (size_t)size);
        if (rc) break;
    }
    archive_read_free(a);
    if (!rc && out->n == 0) rc = fc_err_set(FC_EINVAL, "no files in chart archive");
    return rc;
}

static int load_archive(const void *tgz, size_t len, budget *b, unsigned depth, ht_chart **out)
{
    bfiles files = {0};
    int rc = archive_files(tgz, len, b, &files);
    if (!rc) rc = load_files(&files, b, depth, out);
    bfiles_free(&files);
    return rc;
}

int ht_chart_load_archive(const void *tgz, size_t len, const ht_load_limits *lim, ht_chart **out)
{
    *out = NULL;
    budget b = {0};
    lim_defaults(&b.lim, lim);
    return load_archive(tgz, len, &b, 0, out);
}

int ht_chart_load(const char *path, const ht_load_limits *lim, ht_chart **out)
{
    *out = NULL;
    struct stat st;
    if (stat(path, &st) != 0) return fc_err_set(FC_ENOTFOUND, "path \"%s\" not found", path);
    if (S_ISDIR(st.st_mode)) return ht_chart_load_dir(path, lim, out);
    ht_load_limits l;
    lim_defaults(&l, lim);
    fc_buf buf;
    fc_buf_init(&buf, l.max_archive_bytes);
    int rc = fc_buf_read_file(&buf, path);
    if (rc) {
        fc_buf_dispose(&buf);
        return rc;
    }
    if (buf.len < 3 || memcmp(buf.ptr, "\x1F\x8B\x08", 3) != 0) {
        size_t n = strlen(path);
        if ((n > 4 && strcmp(path + n - 4, ".yml") == 0) || (n > 5 && strcmp(path + n - 5, ".yaml") == 0))
            rc = fc_err_set(FC_EINVAL, "file '%s' seems to be a YAML file, but expected a gzipped archive", path);
        else
            rc = fc_err_set(FC_EINVAL, "file '%s' does not appear to be a gzipped archive; got '%s'", path,
                            buf.len == 0 ? "text/plain; charset=utf-8" : "application/octet-stream");
        fc_buf_dispose(&buf);
        return rc;
    }
    rc = ht_chart_load_archive(buf.ptr, buf.len, &l, out);
    fc_buf_dispose(&buf);
    return rc;
}

/* ------------------------------------------------------------- metadata */

static void meta_free(ht_cmeta *m)
{
    free(m->name);
    free(m->home);
    free(m->version);
    free(m->description);
    free(m->icon);
    free(m->api_version);
    free(m->condition);
    free(m->tags);
    free(m->app_version);
    free(m->kube_version);
    free(m->type);
    for (size_t i = 0; i < m->nsources; i++) free(m->sources[i]);
    free(m->sources);
    for (size_t i = 0; i < m->nkeywords; i++) free(m->keywords[i]);
    free(m->keywords);
    for (size_t i = 0; i < m->nmaintainers; i++) {
        free(m->maintainers[i].name);
        free(m->maintainers[i].email);
        free(m->maintainers[i].url);
    }
    free(m->maintainers);
    json_object_put(m->annotations);
    for (size_t i = 0; i < m->ndeps; i++) {
        ht_cdep *d = &m->deps[i];
        free(d->name);
        free(d->version);
        free(d->repository);
        free(d->condition);
        free(d->alias);
        for (size_t k = 0; k < d->ntags; k++) free(d->tags[k]);
        free(d->tags);
        json_object_put(d->import_values);
    }
    free(m->deps);
    memset(m, 0, sizeof *m);
}

void ht_chart_free(ht_chart *c)
{
    if (!c) return;
    meta_free(&c->meta);
    json_object_put(c->values);
    free(c->schema);
    for (size_t i = 0; i < c->ntemplates; i++) {
        free(c->templates[i].name);
        free(c->templates[i].data);
    }
    free(c->templates);
    for (size_t i = 0; i < c->nfiles; i++) {
        free(c->files[i].name);
        free(c->files[i].data);
    }
    free(c->files);
    for (size_t i = 0; i < c->ndeps; i++) ht_chart_free(c->deps[i]);
    free(c->deps);
    free(c);
}

const char *ht_json_kind(json_object *v)
{
    switch (json_object_get_type(v)) {
    case json_type_null: return "null";
    case json_type_boolean: return "bool";
    case json_type_int: case json_type_double: return "number";
    case json_type_string: return "string";
    case json_type_array: return "array";
    case json_type_object: return "object";
    }
    return "value";
}

json_object *ht_json_field_ci(json_object *o, const char *name)
{
    json_object *v = NULL;
    if (json_object_object_get_ex(o, name, &v)) return v;
    json_object_object_foreach(o, k, val) if (strcasecmp(k, name) == 0) return val;
    return NULL;
}

static bool jhas(json_object *o, const char *name)
{
    json_object *v;
    if (json_object_object_get_ex(o, name, &v)) return true;
    json_object_object_foreach(o, k, val)
    {
        (void)val;
        if (strcasecmp(k, name) == 0) return true;
    }
    return false;
}

static int type_err(const char *what, const char *strct, const char *field, json_object *v, const char *gotype)
{
    return fc_err_set(FC_EINVAL,
                      "cannot load %s: error unmarshaling JSON: while decoding JSON: json: cannot unmarshal %s into Go struct field %s.%s of type %s",
                      what, ht_json_kind(v), strct, field, gotype);
}

bool ht_yaml_string_coerce(json_object *v, char **out, bool *is_null)
{
    char buf[64];
    *is_null = false;
    if (!v || json_object_is_type(v, json_type_null)) {
        *is_null = true;
        return true;
    }
    switch (json_object_get_type(v)) {
    case json_type_string: *out = strdup(json_object_get_string(v)); return true;
    case json_type_boolean: *out = strdup(json_object_get_boolean(v) ? "true" : "false"); return true;
    case json_type_int:
        if (json_object_get_int64(v) == INT64_MAX && json_object_get_uint64(v) > (uint64_t)INT64_MAX)
            snprintf(buf, sizeof buf, "%llu", (unsigned long long)json_object_get_uint64(v));
        else
            snprintf(buf, sizeof buf, "%lld", (long long)json_object_get_int64(v));
        *out = strdup(buf);
        return true;
    case json_type_double:
        fc_go_format_float32(json_object_get_double(v), 'g', buf, sizeof buf);
        *out = strdup(buf);
        return true;
    default: return false;
    }
}

/* string field (numbers and bools become text, null leaves it empty) */
static int get_str(json_object *o, const char *field, char **out, const char *what, const char *strct)
{
    json_object *v = ht_json_field_ci(o, field);
    char *s = NULL;
    bool is_null;
    if (!ht_yaml_string_coerce(v, &s, &is_null)) return type_err(what, strct, field, v, "string");
    if (is_null) return 0;
    free(*out);
    *out = s;
    return 0;
}

static int get_strlist(json_object *o, const char *field, char ***out, size_t *n, const char *what, const char *strct)
{
    json_object *v = ht_json_field_ci(o, field);
    if (!v || json_object_is_type(v, json_type_null)) return 0;
    if (!json_object_is_type(v, json_type_array)) return type_err(what, strct, field, v, "[]string");
    size_t len = json_object_array_length(v);
    char **arr = calloc(len + 1, sizeof *arr);
    for (size_t i = 0; i < len; i++) {
        json_object *e = json_object_array_get_idx(v, i);
        bool is_null;
        char *s = NULL;
        if (!ht_yaml_string_coerce(e, &s, &is_null)) {
            for (size_t k = 0; k < i; k++) free(arr[k]);
            free(arr);
            return type_err(what, strct, field, e, "string");
        }
        arr[i] = is_null ? strdup("") : s;
    }
    /* a second Chart.yaml in an archive decodes over the first */
    for (size_t k = 0; *out && k < *n; k++) free((*out)[k]);
    free(*out);
    *out = arr;
    *n = len;
    return 0;
}

/* Helm's sanitizeString: whitespace -> ' ', non-printable dropped */
static void sanitize(char *s)
{
    if (!s) return;
    size_t r = 0, w = 0, n = strlen(s);
    while (r < n) {
        uint32_t cp;
        int k = fc_utf8_decode(s + r, n - r, &cp);
        if (fc_u_is_space(cp)) s[w++] = ' ';
        else if (fc_u_is_print(cp) || cp == 0xFFFD) {
            memmove(s + w, s + r, (size_t)k);
            w += (size_t)k;
        }
        r += (size_t)k;
    }
    s[w] = 0;
}

static bool alias_ok(const char *s)
{
    if (!*s) return false;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') || *s == '_' || *s == '-'))
            return false;
    return true;
}

static int parse_deps(json_object *o, ht_cmeta *m, const char *what)
{
    json_object *v = ht_json_field_ci(o, "dependencies");
    if (!v || json_object_is_type(v, json_type_null)) return 0;
    if (!json_object_is_type(v, json_type_array)) return type_err(what, "Metadata", "dependencies", v, "[]*v2.Dependency");
    size_t n = json_object_array_length(v);
    /* a later document (requirements.yaml) replaces the list */
    for (size_t i = 0; i < m->ndeps; i++) {
        free(m->deps[i].name);
        free(m->deps[i].version);
        free(m->deps[i].repository);
        free(m->deps[i].condition);
        free(m->deps[i].alias);
        for (size_t k = 0; k < m->deps[i].ntags; k++) free(m->deps[i].tags[k]);
        free(m->deps[i].tags);
        json_object_put(m->deps[i].import_values);
    }
    free(m->deps);
    m->deps = calloc(n + 1, sizeof *m->deps);
    m->ndeps = 0;
    for (size_t i = 0; i < n; i++) {
        json_object *d = json_object_array_get_idx(v, i);
        if (!d) return fc_err_set(FC_EINVAL, "validation: dependencies must not contain empty or null nodes");
        if (!json_object_is_type(d, json_type_object)) return type_err(what, "Metadata", "dependencies", d, "v2.Dependency");
        ht_cdep *dep = &m->deps[m->ndeps++];
        int rc;
        if ((rc = get_str(d, "name", &dep->name, what, "Metadata.dependencies")) ||
            (rc = get_str(d, "version", &dep->version, what, "Metadata.dependencies")) ||
            (rc = get_str(d, "repository", &dep->repository, what, "Metadata.dependencies")) ||
            (rc = get_str(d, "condition", &dep->condition, what, "Metadata.dependencies")) ||
            (rc = get_str(d, "alias", &dep->alias, what, "Metadata.dependencies")) ||
            (rc = get_strlist(d, "tags", &dep->tags, &dep->ntags, what, "Metadata.dependencies")))
            return rc;
        json_object *en = ht_json_field_ci(d, "enabled");
        if (en && !json_object_is_type(en, json_type_null)) {
            if (!json_object_is_type(en, json_type_boolean)) return type_err(what, "Metadata.dependencies", "enabled", en, "bool");
            dep->enabled = json_object_get_boolean(en);
        }
        json_object *iv = ht_json_field_ci(d, "import-values");
        if (iv && !json_object_is_type(iv, json_type_null)) {
            if (!json_object_is_type(iv, json_type_array)) return type_err(what, "Metadata.dependencies", "import-values", iv, "[]interface {}");
            dep->import_values = json_object_get(iv);
        }
    }
    return 0;
}

static int parse_metadata(const char *data, size_t len, ht_cmeta *m, const char *what)
{
    json_object *o = NULL;
    if (fc_yaml_parse(data, len, NULL, &o)) return fc_err_wrap("cannot load %s: error converting YAML to JSON", what);
    if (!o) return 0; /* empty document: all defaults */
    int rc = 0;
    if (!json_object_is_type(o, json_type_object)) {
        rc = fc_err_set(FC_EINVAL, "cannot load %s: error unmarshaling JSON: while decoding JSON: json: cannot unmarshal %s into Go value of type v2.Metadata",
                        what, ht_json_kind(o));
        goto out;
    }
    if ((rc = get_str(o, "name", &m->name, what, "Metadata")) || (rc = get_str(o, "home", &m->home, what, "Metadata")) ||
        (rc = get_strlist(o, "sources", &m->sources, &m->nsources, what, "Metadata")) ||
        (rc = get_str(o, "version", &m->version, what, "Metadata")) ||
        (rc = get_str(o, "description", &m->description, what, "Metadata")) ||
        (rc = get_strlist(o, "keywords", &m->keywords, &m->nkeywords, what, "Metadata")) ||
        (rc = get_str(o, "icon", &m->icon, what, "Metadata")) ||
        (rc = get_str(o, "apiVersion", &m->api_version, what, "Metadata")) ||
        (rc = get_str(o, "condition", &m->condition, what, "Metadata")) ||
        (rc = get_str(o, "tags", &m->tags, what, "Metadata")) ||
        (rc = get_str(o, "appVersion", &m->app_version, what, "Metadata")) ||
        (rc = get_str(o, "kubeVersion", &m->kube_version, what, "Metadata")) ||
        (rc = get_str(o, "type", &m->type, what, "Metadata")))
        goto out;
    json_object *dep = ht_json_field_ci(o, "deprecated");
    if (dep && !json_object_is_type(dep, json_type_null)) {
        if (!json_object_is_type(dep, json_type_boolean)) {
            rc = type_err(what, "Metadata", "deprecated", dep, "bool");
            goto out;
        }
        m->deprecated = json_object_get_boolean(dep);
    }
    json_object *ann = ht_json_field_ci(o, "annotations");
    if (ann && !json_object_is_type(ann, json_type_null)) {
        if (!json_object_is_type(ann, json_type_object)) {
            rc = type_err(what, "Metadata", "annotations", ann, "map[string]string");
            goto out;
        }
        json_object *conv = json_object_new_object();
        json_object_object_foreach(ann, k, v)
        {
            char *sv = NULL;
            bool is_null;
            if (!ht_yaml_string_coerce(v, &sv, &is_null)) {
                json_object_put(conv);
                rc = type_err(what, "Metadata", "annotations", v, "string");
                goto out;
            }
            json_object_object_add(conv, k, json_object_new_string(is_null ? "" : sv));
            free(sv);
        }
        json_object_put(m->annotations);
        m->annotations = conv;
    }
    json_object *mt = ht_json_field_ci(o, "maintainers");
    if (mt && !json_object_is_type(mt, json_type_null)) {
        if (!json_object_is_type(mt, json_type_array)) {
            rc = type_err(what, "Metadata", "maintainers", mt, "[]*v2.Maintainer");
            goto out;
        }
        size_t n = json_object_array_length(mt);
        for (size_t i = 0; i < m->nmaintainers; i++) {
            free(m->maintainers[i].name);
            free(m->maintainers[i].email);
            free(m->maintainers[i].url);
        }
        free(m->maintainers);
        m->nmaintainers = 0;
        m->maintainers = calloc(n + 1, sizeof *m->maintainers);
        for (size_t i = 0; i < n; i++) {
            json_object *e = json_object_array_get_idx(mt, i);
            if (!e) {
                rc = fc_err_set(FC_EINVAL, "validation: maintainers must not contain empty or null nodes");
                goto out;
            }
            if (!json_object_is_type(e, json_type_object)) {
                rc = type_err(what, "Metadata", "maintainers", e, "v2.Maintainer");
                goto out;
            }
            ht_maint *mm = &m->maintainers[m->nmaintainers++];
            if ((rc = get_str(e, "name", &mm->name, what, "Metadata.maintainers")) ||
                (rc = get_str(e, "email", &mm->email, what, "Metadata.maintainers")) ||
                (rc = get_str(e, "url", &mm->url, what, "Metadata.maintainers")))
                goto out;
        }
    }
    if (jhas(o, "dependencies")) rc = parse_deps(o, m, what);
out:
    json_object_put(o);
    return rc;
}

static int validate_metadata(ht_cmeta *m)
{
    sanitize(m->name);
    sanitize(m->description);
    sanitize(m->home);
    sanitize(m->icon);
    sanitize(m->condition);
    sanitize(m->tags);
    sanitize(m->app_version);
    sanitize(m->kube_version);
    for (size_t i = 0; i < m->nsources; i++) sanitize(m->sources[i]);
    for (size_t i = 0; i < m->nkeywords; i++) sanitize(m->keywords[i]);
    if (!m->api_version || !*m->api_version) return fc_err_set(FC_EINVAL, "validation: chart.metadata.apiVersion is required");
    if (!m->name || !*m->name) return fc_err_set(FC_EINVAL, "validation: chart.metadata.name is required");
    if (strcmp(m->name, ".") == 0 || strcmp(m->name, "..") == 0)
        return fc_err_set(FC_EINVAL, "validation: chart.metadata.name \"%s\" is not allowed", m->name);
    const char *base = strrchr(m->name, '/');
    if (base && (base[1] || strchr(m->name, '/') != base || base == m->name))
        return fc_err_set(FC_EINVAL, "validation: chart.metadata.name \"%s\" is invalid", m->name);
    if (base) return fc_err_set(FC_EINVAL, "validation: chart.metadata.name \"%s\" is invalid", m->name);
    if (!m->version || !*m->version) return fc_err_set(FC_EINVAL, "validation: chart.metadata.version is required");
    fc_semver sv;
    if (fc_semver_parse(m->version, &sv))
        return fc_err_set(FC_EINVAL, "validation: chart.metadata.version \"%s\" is invalid", m->version);
    if (m->type && *m->type && strcmp(m->type, "application") != 0 && strcmp(m->type, "library") != 0)
        return fc_err_set(FC_EINVAL, "validation: chart.metadata.type must be application or library");
    for (size_t i = 0; i < m->nmaintainers; i++) {
        sanitize(m->maintainers[i].name);
        sanitize(m->maintainers[i].email);
        sanitize(m->maintainers[i].url);
    }
    for (size_t i = 0; i < m->ndeps; i++) {
        ht_cdep *d = &m->deps[i];
        sanitize(d->name);
        sanitize(d->version);
        sanitize(d->repository);
        sanitize(d->condition);
        for (size_t k = 0; k < d->ntags; k++) sanitize(d->tags[k]);
        if (d->alias && *d->alias && !alias_ok(d->alias))
            return fc_err_set(FC_EINVAL, "validation: dependency \"%s\" has disallowed characters in the alias", d->name ? d->name : "");
        const char *key = d->alias && *d->alias ? d->alias : d->name ? d->name : "";
        for (size_t k = 0; k < i; k++) {
            const char *other = m->deps[k].alias && *m->deps[k].alias ? m->deps[k].alias : m->deps[k].name ? m->deps[k].name : "";
            if (strcmp(other, key) == 0)
                return fc_err_set(FC_EINVAL, "validation: more than one dependency with name or alias \"%s\"", key);
        }
    }
    return 0;
}

/* ------------------------------------------------------------- values.yaml */

static json_object *merge_maps(json_object *a, json_object *b)
{
    /* Helm's loader.MergeMaps: b's maps merge into a's maps, others replace */
    json_object *out = json_object_new_object();
    json_object_object_foreach(a, k, v) json_object_object_add(out, k, json_object_get(v));
    json_object_object_foreach(b, k2, v2)
    {
        json_object *cur = NULL;
        if (v2 && json_object_is_type(v2, json_type_object) && json_object_object_get_ex(out, k2, &cur) && cur &&
            json_object_is_type(cur, json_type_object)) {
            json_object *m = merge_maps(cur, v2);
            json_object_object_add(out, k2, m);
            continue;
        }
        json_object_object_add(out, k2, json_object_get(v2));
    }
    return out;
}

/* loader.LoadValues: the stream is cut into documents the way
 * k8s.io/apimachinery's YAMLReader cuts it (a line starting with "---"
 * followed only by blanks or a comment ends a non-empty document; such a
 * line at the start of a document stays in it), each document is parsed on
 * its own (so error line numbers count from the document's start) and must
 * be a map; the maps are merged. Errors carry Helm's text without the
 * caller's prefix. */
int ht_values_parse(const char *data, size_t len, json_object **out)
{
    fc_yaml_limits lim = {0};
    lim.max_bytes = (size_t)128 << 20;
    *out = NULL;
    json_object *vals = json_object_new_object();
    if (!vals) return fc_err_set(FC_ENOMEM, "out of memory");
    size_t pos = 0, doc_start = 0;
    bool doc_empty = true;
    while (pos <= len) {
        bool at_end = pos == len;
        size_t eol = pos;
        while (eol < len && data[eol] != '\n') eol++;
        size_t next = eol < len ? eol + 1 : len;
        bool is_sep = false;
        if (!at_end && eol - pos >= 3 && memcmp(data + pos, "---", 3) == 0) {
            size_t i = pos + 3;
            while (i < eol && (data[i] == ' ' || data[i] == '\t' || data[i] == '\r' || data[i] == '\v' || data[i] == '\f')) i++;
            if (i < eol && data[i] != '#') {
                size_t te = eol;
                while (te > i && (data[te - 1] == ' ' || data[te - 1] == '\t' || data[te - 1] == '\r')) te--;
                json_object_put(vals);
                return fc_err_set(FC_EINVAL, "error reading yaml document: invalid Yaml document separator: %.*s", (int)(te - i),
                                  data + i);
            }
            is_sep = !doc_empty;
        }
        if (is_sep || at_end) {
            if (!doc_empty) {
                json_object *d = NULL;
                if (fc_yaml_parse(data + doc_start, pos - doc_start, &lim, &d)) {
                    json_object_put(vals);
                    return fc_err_wrap("cannot unmarshal yaml document: error converting YAML to JSON");
                }
                if (d && !json_object_is_type(d, json_type_object)) {
                    const char *k = ht_json_kind(d);
                    json_object_put(d);
                    json_object_put(vals);
                    return fc_err_set(FC_EINVAL,
                                      "cannot unmarshal yaml document: error unmarshaling JSON: while decoding JSON: json: cannot unmarshal %s into Go value of type map[string]interface {}",
                                      k);
                }
                if (d) {
                    json_object *m = merge_maps(vals, d);
                    json_object_put(vals);
                    json_object_put(d);
                    vals = m;
                }
            }
            if (at_end) break;
            pos = doc_start = next;
            doc_empty = true;
            continue;
        }
        doc_empty = false;
        pos = next;
    }
    *out = vals;
    return 0;
}

static int load_values(const char *data, size_t len, json_object **out)
{
    if (ht_values_parse(data, len, out)) return fc_err_wrap("cannot load values.yaml");
    return 0;
}

/* ------------------------------------------------------------- LoadFiles */

static int add_cfile(ht_cfile **arr, size_t *n, bfile *f)
{
    ht_cfile *nv = realloc(*arr, (*n + 1) * sizeof *nv);
    if (!nv) return fc_err_set(FC_ENOMEM, "out of memory");
    *arr = nv;
    nv[*n].name = f->name;
    nv[*n].data = f->data;
    nv[*n].len = f->len;
    f->name = f->data = NULL;
    (*n)++;
    return 0;
}

typedef struct {
    char *name;
    bfiles files;
} subdir;

static int sub_cmp(const void *a, const void *b) { return strcmp(((const subdir *)a)->name, ((const subdir *)b)->name); }

/* one subchart to load (a directory's files or a .tgz) */
typedef struct {
    const char *name;
    budget *b;
    unsigned depth;
    bfiles inner;
    const char *tgz;
    size_t tgz_len;
    ht_chart *out;
    int rc;
    bool bad_tar; /* failed before loading: not wrapped */
    char *err;
} subjob;

static void subjob_run(subjob *jb)
{
    if (jb->bad_tar) return;
    if (jb->tgz) jb->rc = load_archive(jb->tgz, jb->tgz_len, jb->b, jb->depth, &jb->out);
    else jb->rc = load_files(&jb->inner, jb->b, jb->depth, &jb->out);
    if (jb->rc) jb->err = strdup(fc_err_msg());
}

typedef struct {
    subjob *jobs;
    size_t n, from, step;
} subjob_slice;

static void *subjob_thread(void *arg)
{
    subjob_slice *sl = arg;
    for (size_t i = sl->from; i < sl->n; i += sl->step) subjob_run(&sl->jobs[i]);
    return NULL;
}

static void subjobs_run(subjob *jobs, size_t n, bool parallel)
{
    if (parallel) {
        subjob_slice other = {jobs, n, 1, 2}, mine = {jobs, n, 0, 2};
        pthread_t th;
        pthread_attr_t attr;
        pthread_attr_init(&attr);
        pthread_attr_setstacksize(&attr, (size_t)64 << 20);
        bool started = pthread_create(&th, &attr, subjob_thread, &other) == 0;
        pthread_attr_destroy(&attr);
        subjob_thread(&mine);
        if (started) pthread_join(th, NULL);
        else subjob_thread(&other);
        return;
    }
    for (size_t i = 0; i < n; i++) subjob_run(&jobs[i]);
}

static int load_files(bfiles *files, budget *b, unsigned depth, ht_chart **out)
{
    *out = NULL;
    if (depth > b->lim.max_depth) return fc_err_set(FC_ETOOBIG, "subcharts are nested more than %u levels deep", b->lim.max_depth);
    ht_chart *c = calloc(1, sizeof *c);
    if (!c) return fc_err_set(FC_ENOMEM, "out of memory");
    int rc = 0;
    bool have_meta = false;
    subdir *subs = NULL;
    size_t nsubs = 0;
    for (size_t i = 0; i < files->n && !rc; i++) {
        if (strcmp(files->v[i].name, "Chart.yaml") == 0) {
            have_meta = true;
            rc = parse_metadata(files->v[i].data, files->v[i].len, &c->meta, "Chart.yaml");
            if (!rc && (!c->meta.api_version || !*c->meta.api_version)) {
                free(c->meta.api_version);
                c->meta.api_version = strdup("v1");
            }
        }
    }
    for (size_t i = 0; i < files->n && !rc; i++) {
        bfile *f = &files->v[i];
        const char *n = f->name;
        if (strcmp(n, "Chart.yaml") == 0) continue;
        if (strcmp(n, "Chart.lock") == 0) continue;
        if (strcmp(n, "values.yaml") == 0) {
            json_object *v;
            rc = load_values(f->data, f->len, &v);
            if (!rc) {
                json_object_put(c->values);
                c->values = v;
            }
        } else if (strcmp(n, "values.schema.json") == 0) {
            free(c->schema);
            c->schema = f->data;
            c->schema_len = f->len;
            f->data = NULL;
        } else if (strcmp(n, "requirements.yaml") == 0) {
            have_meta = true;
            bool v1 = c->meta.api_version && strcmp(c->meta.api_version, "v1") == 0;
            if (!v1) fprintf(stderr, "Warning: Dependencies are handled in Chart.yaml since apiVersion \"v2\". We recommend migrating dependencies to Chart.yaml.\n");
            rc = parse_metadata(f->data, f->len, &c->meta, "requirements.yaml");
            if (!rc && v1) rc = add_cfile(&c->files, &c->nfiles, f);
        } else if (strcmp(n, "requirements.lock") == 0) {
            bool v1 = c->meta.api_version && strcmp(c->meta.api_version, "v1") == 0;
            if (v1) rc = add_cfile(&c->files, &c->nfiles, f);
        } else if (strncmp(n, "templates/", 10) == 0) {
            rc = add_cfile(&c->templates, &c->ntemplates, f);
        } else if (strncmp(n, "charts/", 7) == 0) {
            size_t nl = strlen(n);
            if (nl > 5 && strcmp(n + nl - 5, ".prov") == 0) {
                rc = add_cfile(&c->files, &c->nfiles, f);
                continue;
            }
            const char *fname = n + 7;
            const char *slash = strchr(fname, '/');
            size_t cl = slash ? (size_t)(slash - fname) : strlen(fname);
            size_t k;
            for (k = 0; k < nsubs; k++)
                if (strlen(subs[k].name) == cl && memcmp(subs[k].name, fname, cl) == 0) break;
            if (k == nsubs) {
                subdir *ns = realloc(subs, (nsubs + 1) * sizeof *ns);
                if (!ns) {
                    rc = fc_err_set(FC_ENOMEM, "out of memory");
                    break;
                }
                subs = ns;
                memset(&subs[nsubs], 0, sizeof subs[nsubs]);
                subs[nsubs].name = strndup(fname, cl);
                nsubs++;
            }
            bfiles *sf = &subs[k].files;
            bfile *nv = realloc(sf->v, (sf->n + 1) * sizeof *nv);
            if (!nv) {
                rc = fc_err_set(FC_ENOMEM, "out of memory");
                break;
            }
            sf->v = nv;
            sf->cap = sf->n + 1;
            sf->v[sf->n].name = strdup(fname);
            sf->v[sf->n].data = f->data;
            sf->v[sf->n].len = f->len;
            sf->n++;
            f->data = NULL;
        } else {
            rc = add_cfile(&c->files, &c->nfiles, f);
        }
    }
    if (!rc && !have_meta) rc = fc_err_set(FC_EINVAL, "Chart.yaml file is missing");
    if (!rc) rc = validate_metadata(&c->meta);
    if (!c->values) c->values = json_object_new_object();
    if (!rc && nsubs) qsort(subs, nsubs, sizeof *subs, sub_cmp);
    /* the subcharts: prepared in order, loaded (at the top level on two
     * threads: they are independent), then attached in order so the first
     * failing one is the error reported */
    subjob *jobs = nsubs && !rc ? calloc(nsubs, sizeof *jobs) : NULL;
    size_t njobs = 0;
    if (nsubs && !rc && !jobs) rc = fc_err_set(FC_ENOMEM, "out of memory");
    for (size_t k = 0; k < nsubs && !rc; k++) {
        const char *sn = subs[k].name;
        if (sn[0] == '_' || sn[0] == '.') continue;
        subjob *jb = &jobs[njobs];
        jb->name = sn;
        jb->b = b;
        jb->depth = depth + 1;
        size_t snl = strlen(sn);
        if (snl > 4 && strcmp(sn + snl - 4, ".tgz") == 0) {
            bfile *f0 = &subs[k].files.v[0];
            if (strcmp(f0->name, sn) != 0) {
                /* reported in order with the other subcharts' errors */
                jb->rc = FC_EINVAL;
                jb->bad_tar = true;
                if (asprintf(&jb->err, "error unpacking subchart tar in %s: expected %s, got %s", c->meta.name, sn, f0->name) < 0)
                    jb->err = NULL;
                njobs++;
                continue;
            }
            jb->tgz = f0->data;
            jb->tgz_len = f0->len;
        } else {
            for (size_t i = 0; i < subs[k].files.n; i++) {
                bfile *f = &subs[k].files.v[i];
                const char *sl = strchr(f->name, '/');
                if (!sl) continue;
                if (jb->inner.n == jb->inner.cap) {
                    jb->inner.cap = jb->inner.cap ? jb->inner.cap * 2 : 16;
                    jb->inner.v = realloc(jb->inner.v, jb->inner.cap * sizeof *jb->inner.v);
                }
                jb->inner.v[jb->inner.n].name = strdup(sl + 1);
                jb->inner.v[jb->inner.n].data = f->data;
                jb->inner.v[jb->inner.n].len = f->len;
                f->data = NULL;
                jb->inner.n++;
            }
        }
        njobs++;
    }
    if (!rc) subjobs_run(jobs, njobs, depth == 0 && njobs >= 8);
    for (size_t k = 0; k < njobs; k++) {
        subjob *jb = &jobs[k];
        if (!rc && jb->rc) {
            rc = fc_err_set(jb->rc, "%s", jb->err ? jb->err : "cannot load subchart");
            if (!jb->bad_tar) rc = fc_err_wrap("error unpacking subchart %s in %s", jb->name, c->meta.name);
        }
        if (!rc) {
            ht_chart **nd = realloc(c->deps, (c->ndeps + 1) * sizeof *nd);
            if (!nd) {
                rc = fc_err_set(FC_ENOMEM, "out of memory");
            } else {
                c->deps = nd;
                c->deps[c->ndeps++] = jb->out;
                jb->out = NULL;
            }
        }
        ht_chart_free(jb->out);
        free(jb->err);
        bfiles_free(&jb->inner);
    }
    free(jobs);
    for (size_t k = 0; k < nsubs; k++) {
        free(subs[k].name);
        bfiles_free(&subs[k].files);
    }
    free(subs);
    if (rc) {
        ht_chart_free(c);
        return rc;
    }
    *out = c;
    return 0;
}

/* ------------------------------------------------------------- accessors */

const char *ht_chart_name(const ht_chart *c) { return c->meta.name ? c->meta.name : ""; }
const char *ht_chart_version(const ht_chart *c) { return c->meta.version ? c->meta.version : ""; }
const char *ht_chart_app_version(const ht_chart *c) { return c->meta.app_version ? c->meta.app_version : ""; }
const char *ht_chart_type(const ht_chart *c) { return c->meta.type ? c->meta.type : ""; }

int ht_chart_check_installable(const ht_chart *c)
{
    const char *t = ht_chart_type(c);
    if (*t && strcmp(t, "application") != 0) return fc_err_set(FC_EINVAL, "%s charts are not installable", t);
    fc_buf missing;
    fc_buf_init(&missing, 0);
    for (size_t i = 0; i < c->meta.ndeps; i++) {
        const char *dn = c->meta.deps[i].name ? c->meta.deps[i].name : "";
        bool found = false;
        for (size_t k = 0; k < c->ndeps && !found; k++) found = strcmp(ht_chart_name(c->deps[k]), dn) == 0;
        if (!found) {
            if (missing.len) fc_buf_puts(&missing, ", ");
            fc_buf_puts(&missing, dn);
        }
    }
    if (missing.len) {
        int rc = fc_err_set(FC_EINVAL,
                            "an error occurred while checking for chart dependencies. You may need to run 'helm dependency build' to fetch missing dependencies: found in Chart.yaml, but missing in charts/ directory: %s",
                            missing.ptr);
        fc_buf_dispose(&missing);
        return rc;
    }
    fc_buf_dispose(&missing);
    return 0;
}
