/* Unit tests of the deterministic tar.gz writer and the confined extractor:
 * same tree -> same bytes (even after mtime/owner changes), normalised
 * headers, symlinks dropped, the filter, the digest, atomic replacement, caps,
 * and extraction refusing "..", absolute paths and oversize archives. */
#include "../testlib.h"
#include "fc/tarball.h"
#include "fc/err.h"
#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

static char root[256], tree[300], out[300];

static void put(const char *rel, const char *content, mode_t mode)
{
    char p[600];
    snprintf(p, sizeof p, "%s/%s", tree, rel);
    FILE *f = fopen(p, "w");
    if (!f) t_fail(__FILE__, __LINE__, "cannot create %s", p);
    fputs(content, f);
    fclose(f);
    chmod(p, mode);
}

static void mk(const char *rel)
{
    char p[600];
    snprintf(p, sizeof p, "%s/%s", tree, rel);
    mkdir(p, 0755);
}

static void setup(void)
{
    snprintf(root, sizeof root, "/tmp/fc-tar-XXXXXX");
    if (!mkdtemp(root)) t_fail(__FILE__, __LINE__, "mkdtemp");
    snprintf(tree, sizeof tree, "%s/tree", root);
    snprintf(out, sizeof out, "%s/out", root);
    mkdir(tree, 0755);
    mkdir(out, 0755);
    mk("b");
    mk("b/deep");
    mk("a");
    put("z.yaml", "z: 1\n", 0644);
    put("a/x.txt", "hello\n", 0664);
    put("b/run.sh", "#!/bin/sh\n", 0755);
    put("b/deep/c.yaml", "c: 3\n", 0600);
    char p[600];
    snprintf(p, sizeof p, "%s/link", tree);
    symlink("/etc/passwd", p);
    snprintf(p, sizeof p, "%s/b/dirlink", tree);
    symlink("..", p);
}

static int count_entries(const char *dir)
{
    DIR *d = opendir(dir);
    int n = 0;
    struct dirent *e;
    while (d && (e = readdir(d)))
        if (e->d_name[0] != '.') n++;
    if (d) closedir(d);
    return n;
}

static const char *slurp(const char *path)
{
    static char buf[4096];
    FILE *f = fopen(path, "r");
    if (!f) return NULL;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = 0;
    fclose(f);
    return buf;
}

typedef struct ent { char name[256]; int type; int perm; long long uid, gid, mtime, size; } ent;

static int list(const char *path, ent *e, int max)
{
    struct archive *a = archive_read_new();
    archive_read_support_filter_gzip(a);
    archive_read_support_format_tar(a);
    if (archive_read_open_filename(a, path, 10240) != ARCHIVE_OK) t_fail(__FILE__, __LINE__, "open %s", path);
    int n = 0;
    struct archive_entry *ae;
    while (n < max && archive_read_next_header(a, &ae) == ARCHIVE_OK) {
        snprintf(e[n].name, sizeof e[n].name, "%s", archive_entry_pathname(ae));
        e[n].type = (int)archive_entry_filetype(ae);
        e[n].perm = (int)archive_entry_perm(ae);
        e[n].uid = archive_entry_uid(ae);
        e[n].gid = archive_entry_gid(ae);
        e[n].mtime = archive_entry_mtime(ae);
        e[n].size = archive_entry_size(ae);
        n++;
    }
    archive_read_free(a);
    return n;
}

TEST(deterministic_and_normalised)
{
    setup();
    char d1[600], d2[600];
    snprintf(d1, sizeof d1, "%s/one.tar.gz", out);
    snprintf(d2, sizeof d2, "%s/two.tar.gz", out);
    fc_tarball_result r1, r2;
    CHECK_INT(fc_tarball_write_dir(tree, d1, NULL, &r1), 0);
    /* change times and modes that must not matter, rewrite */
    char p[600];
    snprintf(p, sizeof p, "%s/a/x.txt", tree);
    struct timeval tv[2] = {{12345, 0}, {12345, 0}};
    utimes(p, tv);
    chmod(p, 0640);
    sleep(1);
    CHECK_INT(fc_tarball_write_dir(tree, d2, NULL, &r2), 0);
    CHECK_STR(r1.sha256, r2.sha256);
    CHECK_INT(r1.size, r2.size);
    CHECK_INT(r1.files, 4);
    char hex[65];
    int64_t sz = 0;
    CHECK_INT(fc_file_sha256(d1, hex, &sz), 0);
    CHECK_STR(hex, r1.sha256);
    CHECK_INT(sz, r1.size);
    struct stat st;
    CHECK_INT(stat(d1, &st), 0);
    CHECK_INT(st.st_mode & 0777, 0600);
    /* gzip header: no timestamp */
    FILE *f = fopen(d1, "rb");
    unsigned char h[10];
    CHECK_INT(fread(h, 1, 10, f), 10);
    fclose(f);
    CHECK_INT(h[0], 0x1f);
    CHECK_INT(h[4] | h[5] | h[6] | h[7], 0);

    ent e[32];
    int n = list(d1, e, 32);
    const char *want[] = {"a/", "a/x.txt", "b/", "b/deep/", "b/deep/c.yaml", "b/run.sh", "z.yaml"};
    CHECK_INT(n, 7);
    for (int i = 0; i < n; i++) {
        CHECK_STR(e[i].name, want[i]);
        CHECK_INT(e[i].uid, 0);
        CHECK_INT(e[i].gid, 0);
        CHECK_INT(e[i].mtime, 0);
        if (e[i].type == AE_IFDIR) CHECK_INT(e[i].perm, 0750);
        else if (!strcmp(e[i].name, "b/run.sh")) CHECK_INT(e[i].perm, 0700);
        else CHECK_INT(e[i].perm, 0600);
    }
}

static bool skip_yaml_and_a(const char *rel, bool is_dir, void *arg)
{
    (void)arg;
    size_t l = strlen(rel);
    if (is_dir) return !strcmp(rel, "a");
    return l > 5 && !strcmp(rel + l - 5, ".yaml");
}

TEST(filter_children_asked_separately)
{
    setup();
    char d[600];
    snprintf(d, sizeof d, "%s/f.tar.gz", out);
    fc_tarball_opts o = {.filter = skip_yaml_and_a};
    fc_tarball_result r;
    CHECK_INT(fc_tarball_write_dir(tree, d, &o, &r), 0);
    ent e[32];
    int n = list(d, e, 32);
    /* "a/" itself is filtered, its file is not; yaml files are gone */
    const char *want[] = {"a/x.txt", "b/", "b/deep/", "b/run.sh"};
    CHECK_INT(n, 4);
    for (int i = 0; i < n; i++) CHECK_STR(e[i].name, want[i]);
}

TEST(caps_and_atomicity)
{
    setup();
    char d[600];
    snprintf(d, sizeof d, "%s/c.tar.gz", out);
    fc_tarball_result r;
    CHECK_INT(fc_tarball_write_dir(tree, d, NULL, &r), 0);
    char before[65];
    snprintf(before, sizeof before, "%s", r.sha256);
    fc_tarball_opts o = {.max_bytes = 8};
    CHECK_INT(fc_tarball_write_dir(tree, d, &o, &r), FC_ETOOBIG);
    /* the previous artifact is untouched and no temp file is left */
    char hex[65];
    CHECK_INT(fc_file_sha256(d, hex, NULL), 0);
    CHECK_STR(hex, before);
    CHECK_INT(count_entries(out), 1);
    fc_tarball_opts o2 = {.max_files = 3};
    CHECK(fc_tarball_write_dir(tree, d, &o2, &r) != 0);
    CHECK(fc_tarball_write_dir("/nonexistent-dir", d, NULL, &r) != 0);
}

TEST(extract_roundtrip)
{
    setup();
    char d[600], x[600], p[700];
    snprintf(d, sizeof d, "%s/r.tar.gz", out);
    snprintf(x, sizeof x, "%s/x", root);
    fc_tarball_result r;
    CHECK_INT(fc_tarball_write_dir(tree, d, NULL, &r), 0);
    CHECK_INT(fc_tarball_extract(d, x, NULL), 0);
    snprintf(p, sizeof p, "%s/b/deep/c.yaml", x);
    CHECK_STR(slurp(p), "c: 3\n");
    snprintf(p, sizeof p, "%s/b/run.sh", x);
    CHECK_STR(slurp(p), "#!/bin/sh\n");
    CHECK_INT(access(p, X_OK), 0);
    snprintf(p, sizeof p, "%s/link", x);
    CHECK(access(p, F_OK) != 0);
    fc_untar_opts small = {.max_bytes = 4};
    snprintf(x, sizeof x, "%s/y", root);
    CHECK(fc_tarball_extract(d, x, &small) != 0);
}

static void write_evil(const char *path, const char *name)
{
    struct archive *a = archive_write_new();
    archive_write_add_filter_gzip(a);
    archive_write_set_format_pax_restricted(a);
    archive_write_open_filename(a, path);
    struct archive_entry *e = archive_entry_new();
    archive_entry_set_pathname(e, name);
    archive_entry_set_filetype(e, AE_IFREG);
    archive_entry_set_perm(e, 0644);
    archive_entry_set_size(e, 4);
    archive_write_header(a, e);
    archive_write_data(a, "evil", 4);
    archive_entry_free(e);
    archive_write_close(a);
    archive_write_free(a);
}

TEST(extract_refuses_escapes)
{
    setup();
    char d[600], x[600], p[700];
    snprintf(d, sizeof d, "%s/evil.tar.gz", out);
    snprintf(x, sizeof x, "%s/x", root);
    write_evil(d, "../escaped");
    CHECK(fc_tarball_extract(d, x, NULL) != 0);
    snprintf(p, sizeof p, "%s/escaped", root);
    CHECK(access(p, F_OK) != 0);
    snprintf(p, sizeof p, "%s/abs-escape", root);
    write_evil(d, p);
    CHECK(fc_tarball_extract(d, x, NULL) != 0);
    CHECK(access(p, F_OK) != 0);
    /* not an archive at all */
    FILE *f = fopen(d, "w");
    fputs("this is not a tarball", f);
    fclose(f);
    CHECK(fc_tarball_extract(d, x, NULL) != 0);
}
