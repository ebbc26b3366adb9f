/*
 * sourceignore.c: gitignore matching with go-git v5 semantics and Flux's
 * .sourceignore loading (fc/sourceignore.h).
 *
 * Hand-written because no C library implements go-git's flavour of gitignore
 * (libgit2's matcher follows git itself and is tied to a repository). The
 * shapes follow go-git: a pattern is split into '/'-separated segments at
 * parse time; matching splits the candidate path into components, checks the
 * pattern's domain prefix, then does either a name match (no '/' in the
 * pattern) or a segment-wise glob match with "**" traversal. Each segment is
 * matched with fnmatch(3). Everything read from a repository is capped:
 * pattern count, file size, line length, directory depth.
 */
#include "fc/sourceignore.h"
#include "fc/buf.h"
#include "fc/err.h"
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_SEGS 256

typedef struct pattern {
    char **domain;
    size_t ndomain;
    char **segs;
    size_t nsegs;
    bool inclusion, dir_only, is_glob;
} pattern;

struct fc_ignore {
    pattern *p;
    size_t n, cap;
};

static void strv_free(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++) free(v[i]);
    free(v);
}

/* Split s[0..len) on '/' (empty segments kept, like strings.Split). */
static int split(const char *s, size_t len, char ***out, size_t *n)
{
    size_t cnt = 1;
    for (size_t i = 0; i < len; i++)
        if (s[i] == '/') cnt++;
    if (cnt > MAX_SEGS) return fc_err_set(FC_ETOOBIG, "path has more than %d components", MAX_SEGS);
    char **v = calloc(cnt, sizeof *v);
    if (!v) return fc_err_set(FC_ENOMEM, "out of memory");
    size_t k = 0, start = 0;
    for (size_t i = 0; i <= len; i++) {
        if (i == len || s[i] == '/') {
            v[k] = strndup(s + start, i - start);
            if (!v[k]) {
                strv_free(v, k);
                return fc_err_set(FC_ENOMEM, "out of memory");
            }
            k++;
            start = i + 1;
        }
    }
    *out = v;
    *n = cnt;
    return 0;
}

fc_ignore *fc_ignore_new(void) { return calloc(1, sizeof(fc_ignore)); }

void fc_ignore_free(fc_ignore *m)
{
    if (!m) return;
    for (size_t i = 0; i < m->n; i++) {
        strv_free(m->p[i].domain, m->p[i].ndomain);
        strv_free(m->p[i].segs, m->p[i].nsegs);
    }
    free(m->p);
    free(m);
}

size_t fc_ignore_count(const fc_ignore *m) { return m ? m->n : 0; }

/* go-git ParsePattern. line has no newline. */
static int parse_one(fc_ignore *m, const char *line, size_t len, const char *domain)
{
    if (m->n >= FC_IGNORE_MAX_PATTERNS) return fc_err_set(FC_ETOOBIG, "more than %d ignore patterns", FC_IGNORE_MAX_PATTERNS);
    pattern p = {0};
    if (len && line[0] == '!') {
        p.inclusion = true;
        line++;
        len--;
    }
    if (!(len >= 2 && line[len - 2] == '\\' && line[len - 1] == ' '))
        while (len && line[len - 1] == ' ') len--;
    if (len && line[len - 1] == '/') {
        p.dir_only = true;
        len--;
    }
    p.is_glob = memchr(line, '/', len) != NULL;
    int rc = split(line, len, &p.segs, &p.nsegs);
    if (rc) return rc;
    if (domain && *domain) {
        if ((rc = split(domain, strlen(domain), &p.domain, &p.ndomain))) {
            strv_free(p.segs, p.nsegs);
            return rc;
        }
    }
    if (m->n == m->cap) {
        size_t nc = m->cap ? m->cap * 2 : 16;
        pattern *np = realloc(m->p, nc * sizeof *np);
        if (!np) {
            strv_free(p.segs, p.nsegs);
            strv_free(p.domain, p.ndomain);
            return fc_err_set(FC_ENOMEM, "out of memory");
        }
        m->p = np;
        m->cap = nc;
    }
    m->p[m->n++] = p;
    return 0;
}

int fc_ignore_add(fc_ignore *m, const char *text, size_t len, const char *domain)
{
    size_t i = 0;
    while (i < len) {
        size_t j = i;
        while (j < len && text[j] != '\n') j++;
        size_t l = j - i;
        if (l && text[i + l - 1] == '\r') l--; /* bufio.Scanner drops a CR before LF */
        const char *line = text + i;
        i = j + 1;
        if (l > FC_IGNORE_MAX_LINE) return fc_err_set(FC_ETOOBIG, "ignore pattern longer than %d bytes", FC_IGNORE_MAX_LINE);
        if (l && line[0] == '#') continue;
        bool blank = true;
        for (size_t k = 0; k < l; k++)
            if (line[k] != ' ' && line[k] != '\t' && line[k] != '\v' && line[k] != '\f' && line[k] != '\r') blank = false;
        if (blank) continue;
        int rc = parse_one(m, line, l, domain);
        if (rc) return rc;
    }
    return 0;
}

int fc_ignore_add_vcs(fc_ignore *m, const char *domain)
{
    static const char vcs[] = ".git/\n.gitignore\n.gitmodules\n.gitattributes\n";
    return fc_ignore_add(m, vcs, sizeof vcs - 1, domain);
}

int fc_ignore_add_defaults(fc_ignore *m, const char *domain)
{
    static const char defs[] = "*.jpg\n*.jpeg\n*.gif\n*.png\n*.wmv\n*.flv\n*.tar.gz\n*.zip\n"
                               ".github/\n.circleci/\n.travis.yml\n.gitlab-ci.yml\nappveyor.yml\n.drone.yml\n"
                               "cloudbuild.yaml\ncodeship-services.yml\ncodeship-steps.yml\n"
                               "**/.goreleaser.yml\n**/.sops.yaml\n**/.flux.yaml\n";
    int rc = fc_ignore_add_vcs(m, domain);
    return rc ? rc : fc_ignore_add(m, defs, sizeof defs - 1, domain);
}

static bool seg_match(const char *pat, const char *name) { return fnmatch(pat, name, 0) == 0; }

static bool simple_name_match(const pattern *p, char **path, size_t n, bool is_dir)
{
    for (size_t i = 0; i < n; i++) {
        if (!seg_match(p->segs[0], path[i])) continue;
        if (p->dir_only && !is_dir && i == n - 1) return false;
        return true;
    }
    return false;
}

/* go-git v5 globMatch. */
static bool glob_match(const pattern *p, char **path, size_t n, bool is_dir)
{
    bool matched = false, can_traverse = false;
    size_t pos = 0;
    for (size_t i = 0; i < p->nsegs; i++) {
        const char *seg = p->segs[i];
        if (!*seg) {
            can_traverse = false;
            continue;
        }
        if (!strcmp(seg, "**")) {
            if (i == p->nsegs - 1) break;
            can_traverse = true;
            continue;
        }
        if (strstr(seg, "**")) return false;
        if (pos >= n) return false;
        if (can_traverse) {
            can_traverse = false;
            while (pos < n) {
                const char *e = path[pos++];
                if (seg_match(seg, e)) {
                    matched = true;
                    break;
                } else if (pos >= n) {
                    matched = false;
                }
            }
        } else {
            if (!seg_match(seg, path[pos])) return false;
            matched = true;
            pos++;
        }
    }
    if (matched && p->dir_only && !is_dir && pos >= n) matched = false;
    return matched;
}

/* 0 no match, 1 exclude, 2 include */
static int pattern_match(const pattern *p, char **path, size_t n, bool is_dir)
{
    if (n <= p->ndomain) return 0;
    for (size_t i = 0; i < p->ndomain; i++)
        if (strcmp(path[i], p->domain[i])) return 0;
    char **rest = path + p->ndomain;
    size_t rn = n - p->ndomain;
    bool ok = p->is_glob ? glob_match(p, rest, rn, is_dir) : simple_name_match(p, rest, rn, is_dir);
    if (!ok) return 0;
    return p->inclusion ? 2 : 1;
}

bool fc_ignore_match(const fc_ignore *m, const char *relpath, bool is_dir)
{
    if (!m || !m->n || !relpath) return false;
    while (*relpath == '/') relpath++;
    size_t len = strlen(relpath);
    while (len && relpath[len - 1] == '/') len--;
    if (!len) return false;
    char **path = NULL;
    size_t n = 0;
    if (split(relpath, len, &path, &n)) return false;
    bool res = false;
    for (size_t i = m->n; i-- > 0;) {
        int r = pattern_match(&m->p[i], path, n, is_dir);
        if (r) {
            res = r == 1;
            break;
        }
    }
    strv_free(path, n);
    return res;
}

/* ------------------------------------------------------------- loading */

static int load_file(fc_ignore *m, int dfd, const char *domain)
{
    int fd = openat(dfd, FC_SOURCEIGNORE_FILE, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) return 0; /* absent (or a symlink: never followed) */
    struct stat st;
    int rc = 0;
    if (fstat(fd, &st) || !S_ISREG(st.st_mode)) goto out;
    if (st.st_size > FC_IGNORE_MAX_FILE) {
        rc = fc_err_set(FC_ETOOBIG, "%s%s%s is larger than %u bytes", domain, *domain ? "/" : "", FC_SOURCEIGNORE_FILE,
                        FC_IGNORE_MAX_FILE);
        goto out;
    }
    char *buf = malloc((size_t)st.st_size + 1);
    if (!buf) {
        rc = fc_err_set(FC_ENOMEM, "out of memory");
        goto out;
    }
    size_t got = 0;
    while (got < (size_t)st.st_size) {
        ssize_t k = read(fd, buf + got, (size_t)st.st_size - got);
        if (k < 0 && errno == EINTR) continue;
        if (k <= 0) break;
        got += (size_t)k;
    }
    rc = fc_ignore_add(m, buf, got, domain);
    free(buf);
out:
    close(fd);
    return rc;
}

static int cmp_names(const void *x, const void *y) { return strcmp(*(char *const *)x, *(char *const *)y); }

static int load_tree(fc_ignore *m, int dfd, const char *domain, int depth, unsigned *dirs)
{
    if (depth > 256) return fc_err_set(FC_ETOOBIG, "directory nesting deeper than 256 at %s", domain);
    if (++*dirs > 200000) return fc_err_set(FC_ETOOBIG, "more than 200000 directories");
    int rc = load_file(m, dfd, domain);
    if (rc) return rc;
    int dup_fd = dup(dfd);
    DIR *d = dup_fd >= 0 ? fdopendir(dup_fd) : NULL;
    if (!d) {
        if (dup_fd >= 0) close(dup_fd);
        return fc_err_set(FC_EIO, "cannot read directory %s: %s", *domain ? domain : ".", strerror(errno));
    }
    char **subs = NULL;
    size_t n = 0, cap = 0;
    struct dirent *e;
    while ((e = readdir(d)) && !rc) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..") || !strcmp(e->d_name, ".git")) continue;
        struct stat st;
        if (fstatat(dfd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) || !S_ISDIR(st.st_mode)) continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 16;
            char **ns = realloc(subs, cap * sizeof *ns);
            if (!ns) {
                rc = fc_err_set(FC_ENOMEM, "out of memory");
                break;
            }
            subs = ns;
        }
        subs[n++] = strdup(e->d_name);
    }
    closedir(d);
    if (n) qsort(subs, n, sizeof *subs, cmp_names);
    for (size_t i = 0; i < n && !rc; i++) {
        char sub[PATH_MAX];
        int l = snprintf(sub, sizeof sub, "%s%s%s", domain, *domain ? "/" : "", subs[i]);
        if (l < 0 || (size_t)l >= sizeof sub) {
            rc = fc_err_set(FC_ETOOBIG, "path too long under %s", domain);
            break;
        }
        int sfd = openat(dfd, subs[i], O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (sfd < 0) continue;
        rc = load_tree(m, sfd, sub, depth + 1, dirs);
        close(sfd);
    }
    for (size_t i = 0; i < n; i++) free(subs[i]);
    free(subs);
    return rc;
}

int fc_ignore_add_dir(fc_ignore *m, const char *root)
{
    int dfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0) return fc_err_set(FC_EIO, "cannot open %s: %s", root, strerror(errno));
    unsigned dirs = 0;
    int rc = load_tree(m, dfd, "", 0, &dirs);
    close(dfd);
    return rc;
}

int fc_sourceignore_load(const char *root, const char *spec_ignore, fc_ignore **out)
{
    *out = NULL;
    fc_ignore *user = fc_ignore_new(), *m = fc_ignore_new();
    int rc = 0;
    if (!user || !m) {
        rc = fc_err_set(FC_ENOMEM, "out of memory");
        goto out;
    }
    if (root && (rc = fc_ignore_add_dir(user, root))) goto out;
    if (spec_ignore && (rc = fc_ignore_add(user, spec_ignore, strlen(spec_ignore), ""))) goto out;
    rc = user->n ? fc_ignore_add_vcs(m, "") : fc_ignore_add_defaults(m, "");
    if (rc) goto out;
    /* move the user patterns after the built-in ones (later ones win) */
    if (user->n) {
        if (m->n + user->n > m->cap) {
            pattern *np = realloc(m->p, (m->n + user->n) * sizeof *np);
            if (!np) {
                rc = fc_err_set(FC_ENOMEM, "out of memory");
                goto out;
            }
            m->p = np;
            m->cap = m->n + user->n;
        }
        memcpy(m->p + m->n, user->p, user->n * sizeof *user->p);
        m->n += user->n;
        user->n = 0;
    }
    *out = m;
    m = NULL;
out:
    fc_ignore_free(user);
    fc_ignore_free(m);
    return rc;
}
