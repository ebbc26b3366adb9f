/*
 * ks_fs.c: the file loader. Every path a kustomization names is resolved
 * with realpath(3) (all symlinks followed) and must land inside the build's
 * filesystem root; files must in addition be under the kustomization's own
 * directory when kustomize's default LoadRestrictionsRootOnly is in force
 * (Flux uses LoadRestrictionsNone inside the artifact root). Directories
 * (bases, components) may be anywhere inside the filesystem root, but one
 * that equals or contains a directory already being built is a cycle, as in
 * kustomize's errIfArgEqualOrHigher. Remote references (URLs, git specs) are
 * refused: the engine never touches the network. Reads are capped per file
 * and per build.
 */
#include "ks_internal.h"
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

bool ks_is_remote(const char *path)
{
    static const char *const prefixes[] = {"http://", "https://", "git@", "ssh://", "git::", "git://", "file://",
                                           "github.com/", "gitlab.com/", "bitbucket.org/", "gh:", NULL};
    if (!path) return false;
    for (int i = 0; prefixes[i]; i++)
        if (strncmp(path, prefixes[i], strlen(prefixes[i])) == 0) return true;
    if (strstr(path, "://") || strstr(path, "?ref=") || strstr(path, "?version=") || strstr(path, "_git/"))
        return true;
    return false;
}

static bool under(const char *path, const char *root)
{
    size_t n = strlen(root);
    if (strcmp(root, "/") == 0) return path[0] == '/';
    return strncmp(path, root, n) == 0 && (path[n] == 0 || path[n] == '/');
}

const char *ks_display_path(const ks_ctx *ctx, const char *real)
{
    if (!real) return "";
    if (ctx->fs_root && strcmp(ctx->fs_root, "/") != 0 && under(real, ctx->fs_root)) {
        const char *p = real + strlen(ctx->fs_root);
        while (*p == '/') p++;
        return *p ? p : ".";
    }
    if (ctx->cwd && under(real, ctx->cwd) && strcmp(ctx->cwd, "/") != 0) {
        const char *p = real + strlen(ctx->cwd);
        while (*p == '/') p++;
        return *p ? p : ".";
    }
    return real;
}

/* join a relative path to dir (or take an absolute one as is) */
static char *join_path(const char *dir, const char *path)
{
    if (path[0] == '/') return ks_strdup(path);
    return ks_join(dir, strcmp(dir, "/") == 0 ? "" : "/", path);
}

static int resolve(const ks_ctx *ctx, const char *dir, const char *path, char **real, bool *is_dir)
{
    *real = NULL;
    char *joined = join_path(dir, path);
    if (!joined) return fc_err_set(FC_ENOMEM, "out of memory");
    char *r = realpath(joined, NULL);
    if (!r) {
        int e = errno;
        int rc = fc_err_set(e == ENOENT || e == ENOTDIR ? FC_ENOTFOUND : FC_EIO, "%s: %s", ks_display_path(ctx, joined),
                            strerror(e));
        free(joined);
        return rc;
    }
    if (ctx->fs_root && !under(r, ctx->fs_root)) {
        int rc = fc_err_set(FC_EFORBIDDEN, "security; '%s' resolves outside the root '%s'", path, ctx->fs_root);
        free(joined);
        free(r);
        return rc;
    }
    free(joined);
    struct stat st;
    if (stat(r, &st) != 0) {
        int rc = fc_err_set(FC_EIO, "%s: %s", ks_display_path(ctx, r), strerror(errno));
        free(r);
        return rc;
    }
    *is_dir = S_ISDIR(st.st_mode);
    if (!*is_dir && !S_ISREG(st.st_mode)) {
        int rc = fc_err_set(FC_EINVAL, "%s: not a regular file or directory", ks_display_path(ctx, r));
        free(r);
        return rc;
    }
    *real = r;
    return 0;
}

int ks_loader_init_root(ks_ctx *ctx, const char *dir, ks_loader *l)
{
    memset(l, 0, sizeof *l);
    l->ctx = ctx;
    bool is_dir = false;
    char *real = NULL;
    if (resolve(ctx, ctx->cwd ? ctx->cwd : "/", dir, &real, &is_dir)) return -1;
    if (!is_dir) {
        int rc = fc_err_set(FC_EINVAL, "must build at directory: '%s' is a file", dir);
        free(real);
        return rc;
    }
    l->root = real;
    return 0;
}

void ks_loader_dispose(ks_loader *l)
{
    free(l->root);
    l->root = NULL;
}

int ks_loader_child(const ks_loader *parent, const char *path, ks_loader *child)
{
    const ks_ctx *ctx = parent->ctx;
    memset(child, 0, sizeof *child);
    if (!path || !*path) return fc_err_set(FC_EINVAL, "new root cannot be empty");
    if (ks_is_remote(path))
        return fc_err_set(FC_EFORBIDDEN,
                          "remote resource '%s' refused: remote bases (URLs and git repositories) are not supported; "
                          "vendor the base into the source",
                          path);
    if (path[0] == '/') return fc_err_set(FC_EINVAL, "new root '%s' cannot be absolute", path);
    bool is_dir = false;
    char *real = NULL;
    if (resolve(ctx, parent->root, path, &real, &is_dir)) return -1;
    if (!is_dir) {
        int rc = fc_err_set(FC_EINVAL, "'%s' is not a directory", ks_display_path(ctx, real));
        free(real);
        return rc;
    }
    for (const ks_loader *l = parent; l; l = l->referrer) {
        if (under(l->root, real)) {
            int rc = fc_err_set(FC_EINVAL, "cycle detected: candidate root '%s' contains visited root '%s'",
                                ks_display_path(ctx, real), ks_display_path(ctx, l->root));
            free(real);
            return rc;
        }
    }
    if (parent->depth + 1 > ctx->max_depth) {
        free(real);
        return fc_err_set(FC_ETOOBIG, "kustomizations nested deeper than %u levels at '%s'", ctx->max_depth, path);
    }
    child->ctx = parent->ctx;
    child->root = real;
    child->referrer = parent;
    child->depth = parent->depth + 1;
    return 0;
}

static int read_capped(ks_ctx *ctx, const char *real, fc_buf *out)
{
    int fd = open(real, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return fc_err_set(FC_EIO, "%s: %s", ks_display_path(ctx, real), strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return fc_err_set(FC_EINVAL, "%s: not a regular file", ks_display_path(ctx, real));
    }
    if ((size_t)st.st_size > ctx->max_file_bytes) {
        close(fd);
        return fc_err_set(FC_ETOOBIG, "%s: %lld bytes exceeds the per-file limit of %zu bytes",
                          ks_display_path(ctx, real), (long long)st.st_size, ctx->max_file_bytes);
    }
    fc_buf_init(out, ctx->max_file_bytes);
    char chunk[65536];
    for (;;) {
        ssize_t n = read(fd, chunk, sizeof chunk);
        if (n < 0) {
            if (errno == EINTR) continue;
            int rc = fc_err_set(FC_EIO, "%s: %s", ks_display_path(ctx, real), strerror(errno));
            close(fd);
            fc_buf_dispose(out);
            return rc;
        }
        if (n == 0) break;
        if (fc_buf_put(out, chunk, (size_t)n)) {
            close(fd);
            fc_buf_dispose(out);
            return fc_err_set(FC_ETOOBIG, "%s: exceeds the per-file limit of %zu bytes", ks_display_path(ctx, real),
                              ctx->max_file_bytes);
        }
    }
    close(fd);
    if (!out->ptr) fc_buf_put(out, "", 0);
    ctx->total_read += out->len;
    if (ctx->total_read > ctx->max_total_bytes) {
        fc_buf_dispose(out);
        return fc_err_set(FC_ETOOBIG, "build read more than %zu bytes (at %s)", ctx->max_total_bytes,
                          ks_display_path(ctx, real));
    }
    return 0;
}

int ks_loader_read(const ks_loader *l, const char *path, fc_buf *out, char **real_out)
{
    ks_ctx *ctx = l->ctx;
    if (real_out) *real_out = NULL;
    if (!path || !*path) return fc_err_set(FC_EINVAL, "empty file path");
    bool is_dir = false;
    char *real = NULL;
    if (resolve(ctx, l->root, path, &real, &is_dir)) {
        if (fc_err_code() == FC_ENOTFOUND && ks_is_remote(path))
            return fc_err_set(FC_EFORBIDDEN,
                              "remote resource '%s' refused: remote bases (URLs and git repositories) are not "
                              "supported; vendor it into the source",
                              path);
        return -1;
    }
    if (is_dir) {
        int rc = fc_err_set(KS_EISDIR, "'%s' must resolve to a file", path);
        free(real);
        return rc;
    }
    if (ctx->root_only) {
        char *slash = strrchr(real, '/');
        size_t dl = slash ? (size_t)(slash - real) : 0;
        char *dirpart = ks_strndup(real, dl ? dl : 1);
        bool ok = dirpart && under(dirpart, l->root);
        free(dirpart);
        if (!ok) {
            int rc = fc_err_set(FC_EFORBIDDEN, "security; file '%s' is not in or below '%s'", path,
                                ks_display_path(ctx, l->root));
            free(real);
            return rc;
        }
    }
    int rc = read_capped(ctx, real, out);
    if (rc || !real_out) free(real);
    else *real_out = real;
    return rc;
}
