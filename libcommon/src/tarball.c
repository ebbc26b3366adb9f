/*
 * tarball.c: deterministic tar.gz writing and confined extraction
 * (fc/tarball.h), on libarchive.
 *
 * The writer walks the tree itself (openat/fstatat relative to directory
 * descriptors, O_NOFOLLOW everywhere) instead of using libarchive's disk
 * reader, because determinism needs control over order, metadata and what is
 * dropped, and because a symlink swapped in during the walk must never be
 * followed out of the tree. libarchive only formats (pax restricted = ustar
 * unless a name is too long) and compresses; its output goes through a
 * callback that hashes and writes to a temp file, renamed at the end.
 */
#include "fc/tarball.h"
#include "fc/buf.h"
#include "fc/err.h"
#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct writer {
    int fd;
    EVP_MD_CTX *md;
    int64_t written;
    int io_error;
} writer;

static la_ssize_t write_cb(struct archive *a, void *arg, const void *buf, size_t n)
{
    (void)a;
    writer *w = arg;
    const char *p = buf;
    size_t left = n;
    while (left) {
        ssize_t k = write(w->fd, p, left);
        if (k < 0) {
            if (errno == EINTR) continue;
            w->io_error = errno;
            return -1;
        }
        p += k;
        left -= (size_t)k;
    }
    EVP_DigestUpdate(w->md, buf, n);
    w->written += (int64_t)n;
    return (la_ssize_t)n;
}

static void hex_of(const unsigned char *d, unsigned n, char *out)
{
    static const char hx[] = "0123456789abcdef";
    for (unsigned i = 0; i < n; i++) {
        out[2 * i] = hx[d[i] >> 4];
        out[2 * i + 1] = hx[d[i] & 15];
    }
    out[2 * n] = 0;
}

typedef struct walk {
    struct archive *a;
    const fc_tarball_opts *o;
    uint64_t entries, bytes, files;
    uint64_t max_files, max_bytes;
    int max_depth;
    char buf[65536];
} walk;

static int cmp_names(const void *x, const void *y) { return strcmp(*(char *const *)x, *(char *const *)y); }

/* Sorted entry names of an open directory (caller frees). */
static int list_dir(int dfd, char ***names_out, size_t *n_out, uint64_t cap)
{
    int dup_fd = dup(dfd);
    if (dup_fd < 0) return fc_err_set(FC_EIO, "dup: %s", strerror(errno));
    DIR *d = fdopendir(dup_fd);
    if (!d) {
        close(dup_fd);
        return fc_err_set(FC_EIO, "opendir: %s", strerror(errno));
    }
    char **names = NULL;
    size_t n = 0, capn = 0;
    int rc = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
        if (n >= cap) {
            rc = fc_err_set(FC_ETOOBIG, "too many directory entries (limit %llu)", (unsigned long long)cap);
            break;
        }
        if (n == capn) {
            capn = capn ? capn * 2 : 32;
            char **nn = realloc(names, capn * sizeof *nn);
            if (!nn) {
                rc = fc_err_set(FC_ENOMEM, "out of memory");
                break;
            }
            names = nn;
        }
        names[n++] = strdup(e->d_name);
    }
    closedir(d);
    if (rc) {
        for (size_t i = 0; i < n; i++) free(names[i]);
        free(names);
        return rc;
    }
    if (n) qsort(names, n, sizeof *names, cmp_names);
    *names_out = names;
    *n_out = n;
    return 0;
}

static int add_header(walk *w, const char *rel, bool dir, mode_t perm, int64_t size)
{
    struct archive_entry *e = archive_entry_new();
    if (!e) return fc_err_set(FC_ENOMEM, "out of memory");
    if (dir) {
        char name[PATH_MAX + 2];
        snprintf(name, sizeof name, "%s/", rel);
        archive_entry_set_pathname(e, name);
        archive_entry_set_filetype(e, AE_IFDIR);
    } else {
        archive_entry_set_pathname(e, rel);
        archive_entry_set_filetype(e, AE_IFREG);
        archive_entry_set_size(e, size);
    }
    archive_entry_set_perm(e, perm);
    archive_entry_set_uid(e, 0);
    archive_entry_set_gid(e, 0);
    archive_entry_set_mtime(e, 0, 0);
    int rc = archive_write_header(w->a, e) == ARCHIVE_OK ? 0
             : fc_err_set(FC_EIO, "writing tar header for %s: %s", rel, archive_error_string(w->a));
    archive_entry_free(e);
    return rc;
}

static int add_file(walk *w, int dfd, const char *name, const char *rel, const struct stat *st)
{
    int fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) return fc_err_set(FC_EIO, "open %s: %s", rel, strerror(errno));
    struct stat st2;
    int rc = 0;
    if (fstat(fd, &st2) || !S_ISREG(st2.st_mode) || st2.st_ino != st->st_ino) {
        rc = fc_err_set(FC_EIO, "%s changed while archiving", rel);
        goto out;
    }
    if (w->max_bytes && w->bytes + (uint64_t)st2.st_size > w->max_bytes) {
        rc = fc_err_set(FC_ETOOBIG, "tree exceeds %llu bytes at %s", (unsigned long long)w->max_bytes, rel);
        goto out;
    }
    mode_t perm = (st2.st_mode & 0111) ? 0700 : 0600;
    if ((rc = add_header(w, rel, false, perm, st2.st_size))) goto out;
    int64_t left = st2.st_size;
    while (left > 0) {
        size_t want = left < (int64_t)sizeof w->buf ? (size_t)left : sizeof w->buf;
        ssize_t k = read(fd, w->buf, want);
        if (k < 0 && errno == EINTR) continue;
        if (k <= 0) {
            rc = fc_err_set(FC_EIO, "%s shrank or failed while archiving", rel);
            goto out;
        }
        if (archive_write_data(w->a, w->buf, (size_t)k) != k) {
            rc = fc_err_set(FC_EIO, "writing %s: %s", rel, archive_error_string(w->a));
            goto out;
        }
        left -= k;
    }
    w->bytes += (uint64_t)st2.st_size;
    w->files++;
out:
    close(fd);
    return rc;
}

static int walk_dir(walk *w, int dfd, const char *prefix, int depth)
{
    if (depth > w->max_depth) return fc_err_set(FC_ETOOBIG, "directory nesting deeper than %d at %s", w->max_depth, prefix);
    char **names = NULL;
    size_t n = 0;
    int rc = list_dir(dfd, &names, &n, w->max_files);
    if (rc) return rc;
    for (size_t i = 0; i < n && !rc; i++) {
        char rel[PATH_MAX];
        int l = snprintf(rel, sizeof rel, "%s%s%s", prefix, *prefix ? "/" : "", names[i]);
        if (l < 0 || (size_t)l >= sizeof rel) {
            rc = fc_err_set(FC_ETOOBIG, "path too long under %s", prefix);
            break;
        }
        struct stat st;
        if (fstatat(dfd, names[i], &st, AT_SYMLINK_NOFOLLOW)) {
            rc = fc_err_set(FC_EIO, "stat %s: %s", rel, strerror(errno));
            break;
        }
        bool is_dir = S_ISDIR(st.st_mode);
        if (!is_dir && !S_ISREG(st.st_mode)) continue; /* symlinks and specials are dropped */
        if (++w->entries > w->max_files) {
            rc = fc_err_set(FC_ETOOBIG, "more than %llu entries", (unsigned long long)w->max_files);
            break;
        }
        bool skip = w->o && w->o->filter && w->o->filter(rel, is_dir, w->o->filter_arg);
        if (is_dir) {
            if (!skip && (rc = add_header(w, rel, true, 0750, 0))) break;
            int sub = openat(dfd, names[i], O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
            if (sub < 0) {
                rc = fc_err_set(FC_EIO, "open %s: %s", rel, strerror(errno));
                break;
            }
            rc = walk_dir(w, sub, rel, depth + 1);
            close(sub);
        } else if (!skip) {
            rc = add_file(w, dfd, names[i], rel, &st);
        }
    }
    for (size_t i = 0; i < n; i++) free(names[i]);
    free(names);
    return rc;
}

int fc_tarball_write_dir(const char *dir, const char *dest, const fc_tarball_opts *o, fc_tarball_result *out)
{
    int rc = 0, dfd = -1;
    struct archive *a = NULL;
    char *tmp = NULL;
    writer wr = {.fd = -1};
    walk *w = NULL;
    memset(out, 0, sizeof *out);

    dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0) {
        rc = fc_err_set(FC_EIO, "cannot open directory %s: %s", dir, strerror(errno));
        goto out;
    }
    if (asprintf(&tmp, "%s.tmp-XXXXXX", dest) < 0) {
        tmp = NULL;
        rc = fc_err_set(FC_ENOMEM, "out of memory");
        goto out;
    }
    wr.fd = mkostemp(tmp, O_CLOEXEC);
    if (wr.fd < 0) {
        free(tmp);
        tmp = NULL;
        rc = fc_err_set(FC_EIO, "cannot create temporary file for %s: %s", dest, strerror(errno));
        goto out;
    }
    wr.md = EVP_MD_CTX_new();
    if (!wr.md || !EVP_DigestInit_ex(wr.md, EVP_sha256(), NULL)) {
        rc = fc_err_set(FC_ENOMEM, "cannot initialise SHA-256");
        goto out;
    }
    a = archive_write_new();
    if (!a || archive_write_add_filter_gzip(a) != ARCHIVE_OK || archive_write_set_format_pax_restricted(a) != ARCHIVE_OK ||
        archive_write_set_options(a, "gzip:!timestamp") != ARCHIVE_OK) {
        rc = fc_err_set(FC_ERR, "libarchive setup failed: %s", a ? archive_error_string(a) : "out of memory");
        goto out;
    }
    archive_write_set_bytes_in_last_block(a, 1);
    if (archive_write_open(a, &wr, NULL, write_cb, NULL) != ARCHIVE_OK) {
        rc = fc_err_set(FC_EIO, "cannot start archive: %s", archive_error_string(a));
        goto out;
    }
    w = calloc(1, sizeof *w);
    if (!w) {
        rc = fc_err_set(FC_ENOMEM, "out of memory");
        goto out;
    }
    w->a = a;
    w->o = o;
    w->max_files = o && o->max_files ? o->max_files : 1000000;
    w->max_bytes = o ? o->max_bytes : 0;
    w->max_depth = o && o->max_depth ? o->max_depth : 256;
    if ((rc = walk_dir(w, dfd, "", 0))) goto out;
    if (archive_write_close(a) != ARCHIVE_OK) {
        rc = fc_err_set(FC_EIO, "cannot finish archive %s: %s", dest,
                        wr.io_error ? strerror(wr.io_error) : archive_error_string(a));
        goto out;
    }
    if (fsync(wr.fd) || fchmod(wr.fd, 0600)) {
        rc = fc_err_set(FC_EIO, "cannot flush %s: %s", tmp, strerror(errno));
        goto out;
    }
    close(wr.fd);
    wr.fd = -1;
    if (rename(tmp, dest)) {
        rc = fc_err_set(FC_EIO, "cannot rename %s to %s: %s", tmp, dest, strerror(errno));
        goto out;
    }
    free(tmp);
    tmp = NULL;
    unsigned char d[EVP_MAX_MD_SIZE];
    unsigned dl = 0;
    EVP_DigestFinal_ex(wr.md, d, &dl);
    hex_of(d, dl, out->sha256);
    out->size = wr.written;
    out->files = w->files;
out:
    if (a) archive_write_free(a);
    if (wr.fd >= 0) close(wr.fd);
    if (tmp) {
        unlink(tmp);
        free(tmp);
    }
    if (dfd >= 0) close(dfd);
    EVP_MD_CTX_free(wr.md);
    free(w);
    return rc;
}

int fc_file_sha256(const char *path, char hex[65], int64_t *size)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return fc_err_set(errno == ENOENT ? FC_ENOTFOUND : FC_EIO, "cannot open %s: %s", path, strerror(errno));
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    int rc = 0;
    int64_t total = 0;
    char *buf = malloc(65536);
    if (!md || !buf || !EVP_DigestInit_ex(md, EVP_sha256(), NULL)) {
        rc = fc_err_set(FC_ENOMEM, "out of memory");
        goto out;
    }
    for (;;) {
        ssize_t k = read(fd, buf, 65536);
        if (k < 0 && errno == EINTR) continue;
        if (k < 0) {
            rc = fc_err_set(FC_EIO, "reading %s: %s", path, strerror(errno));
            goto out;
        }
        if (k == 0) break;
        EVP_DigestUpdate(md, buf, (size_t)k);
        total += k;
    }
    unsigned char d[EVP_MAX_MD_SIZE];
    unsigned dl = 0;
    EVP_DigestFinal_ex(md, d, &dl);
    hex_of(d, dl, hex);
    if (size) *size = total;
out:
    free(buf);
    EVP_MD_CTX_free(md);
    close(fd);
    return rc;
}

/* A relative name with no ".." component. */
static bool relative_clean(const char *name)
{
    if (name[0] == '/') return false;
    for (const char *p = name; *p;) {
        const char *e = strchr(p, '/');
        size_t l = e ? (size_t)(e - p) : strlen(p);
        if (l == 2 && p[0] == '.' && p[1] == '.') return false;
        p = e ? e + 1 : p + l;
    }
    return true;
}

int fc_tarball_extract(const char *path, const char *dir, const fc_untar_opts *o)
{
    uint64_t max_bytes = o && o->max_bytes ? o->max_bytes : (1ull << 30);
    uint64_t max_entries = o && o->max_entries ? o->max_entries : 100000;
    struct archive *a = archive_read_new(), *ext = archive_write_disk_new();
    int rc = 0;
    uint64_t entries = 0, bytes = 0;
    char *root = NULL;
    if (!a || !ext) {
        rc = fc_err_set(FC_ENOMEM, "out of memory");
        goto out;
    }
    archive_read_support_filter_gzip(a);
    archive_read_support_filter_none(a);
    archive_read_support_format_tar(a);
    /* names are checked here (relative, no ".."), then anchored at the
     * resolved root; libarchive still refuses ".." and symlinked parents */
    archive_write_disk_set_options(ext, ARCHIVE_EXTRACT_SECURE_NODOTDOT | ARCHIVE_EXTRACT_SECURE_SYMLINKS | ARCHIVE_EXTRACT_PERM);
    if (mkdir(dir, 0750) && errno != EEXIST) {
        rc = fc_err_set(FC_EIO, "cannot create %s: %s", dir, strerror(errno));
        goto out;
    }
    root = realpath(dir, NULL);
    if (!root) {
        rc = fc_err_set(FC_EIO, "cannot resolve %s: %s", dir, strerror(errno));
        goto out;
    }
    if (archive_read_open_filename(a, path, 65536) != ARCHIVE_OK) {
        rc = fc_err_set(FC_EIO, "cannot open archive %s: %s", path, archive_error_string(a));
        goto out;
    }
    for (;;) {
        struct archive_entry *e;
        int r = archive_read_next_header(a, &e);
        if (r == ARCHIVE_EOF) break;
        if (r != ARCHIVE_OK && r != ARCHIVE_WARN) {
            rc = fc_err_set(FC_EINVAL, "invalid archive %s: %s", path, archive_error_string(a));
            goto out;
        }
        if (++entries > max_entries) {
            rc = fc_err_set(FC_ETOOBIG, "archive %s has more than %llu entries", path, (unsigned long long)max_entries);
            goto out;
        }
        mode_t type = archive_entry_filetype(e);
        if (type != AE_IFREG && type != AE_IFDIR) continue;
        const char *name = archive_entry_pathname(e);
        if (!name || !*name) continue;
        if (!relative_clean(name)) {
            rc = fc_err_set(FC_EINVAL, "refusing archive entry \"%s\": absolute or escaping path", name);
            goto out;
        }
        if (type == AE_IFREG) {
            int64_t sz = archive_entry_size(e);
            if (sz < 0 || bytes + (uint64_t)sz > max_bytes) {
                rc = fc_err_set(FC_ETOOBIG, "archive %s expands beyond %llu bytes", path, (unsigned long long)max_bytes);
                goto out;
            }
            bytes += (uint64_t)sz;
        }
        char *full = NULL;
        if (asprintf(&full, "%s/%s", root, name) < 0) {
            rc = fc_err_set(FC_ENOMEM, "out of memory");
            goto out;
        }
        archive_entry_set_pathname(e, full);
        archive_entry_set_perm(e, type == AE_IFDIR ? 0750 : (archive_entry_perm(e) & 0111) ? 0700 : 0600);
        free(full);
        r = archive_write_header(ext, e);
        if (r != ARCHIVE_OK) {
            rc = fc_err_set(FC_EINVAL, "refusing archive entry %s: %s", name, archive_error_string(ext));
            goto out;
        }
        if (type == AE_IFREG) {
            const void *blk;
            size_t len;
            la_int64_t off;
            uint64_t got = 0;
            while ((r = archive_read_data_block(a, &blk, &len, &off)) == ARCHIVE_OK) {
                got += len;
                if (got > (uint64_t)archive_entry_size(e) + 0) {
                    rc = fc_err_set(FC_EINVAL, "archive entry %s is larger than its header says", name);
                    goto out;
                }
                if (archive_write_data_block(ext, blk, len, off) != ARCHIVE_OK) {
                    rc = fc_err_set(FC_EIO, "writing %s: %s", name, archive_error_string(ext));
                    goto out;
                }
            }
            if (r != ARCHIVE_EOF) {
                rc = fc_err_set(FC_EINVAL, "reading %s from %s: %s", name, path, archive_error_string(a));
                goto out;
            }
        }
        if (archive_write_finish_entry(ext) != ARCHIVE_OK) {
            rc = fc_err_set(FC_EIO, "finishing %s: %s", name, archive_error_string(ext));
            goto out;
        }
    }
out:
    free(root);
    if (a) archive_read_free(a);
    if (ext) archive_write_free(ext);
    return rc;
}
