/*
 * fc/tarball.h: deterministic tar.gz artifacts (Flux's storage format,
 * reference 1.2) and bounded, confined extraction.
 *
 * fc_tarball_write_dir() archives a directory tree so that the same tree
 * always gives the same bytes: entries are visited in byte order per
 * directory, only regular files and directories are kept (symlinks, devices,
 * fifos and sockets are dropped), names are relative to the root, uid/gid are
 * 0, user/group names empty, all times zero, modes normalised (dirs 0750,
 * files 0600, executables 0700), and the gzip header carries no timestamp.
 * The archive is written to a temporary file in the destination directory,
 * hashed with SHA-256 while it is written, flushed and renamed into place,
 * so readers only ever see a complete artifact (mode 0600).
 *
 * fc_tarball_extract() unpacks a tar(.gz) into a directory with libarchive's
 * secure flags (no absolute paths, no "..", no writes through symlinks),
 * keeps only files and directories, and caps the total size and entry count.
 */
#ifndef FC_TARBALL_H
#define FC_TARBALL_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Return true to leave relpath (relative to the root, '/'-separated, no
 * leading "./") out of the archive. An excluded directory does not hide its
 * children: each child is asked separately (Flux's behaviour, which lets
 * negated patterns re-include files below an excluded directory). */
typedef bool (*fc_tarball_filter)(const char *relpath, bool is_dir, void *arg);

typedef struct fc_tarball_opts {
    fc_tarball_filter filter; /* NULL: keep everything */
    void *filter_arg;
    uint64_t max_files;       /* 0 = 1,000,000 entries */
    uint64_t max_bytes;       /* sum of file sizes; 0 = unlimited */
    int max_depth;            /* 0 = 256 directory levels */
} fc_tarball_opts;

typedef struct fc_tarball_result {
    char sha256[65];  /* lowercase hex digest of the .tar.gz bytes */
    int64_t size;     /* bytes of the .tar.gz */
    uint64_t files;   /* regular files archived */
} fc_tarball_result;

/* Archive dir into dest (atomically replaced). */
int fc_tarball_write_dir(const char *dir, const char *dest, const fc_tarball_opts *o, fc_tarball_result *out);

typedef struct fc_untar_opts {
    uint64_t max_bytes;   /* total uncompressed file bytes; 0 = 1 GiB */
    uint64_t max_entries; /* 0 = 100,000 */
} fc_untar_opts;

/* Extract the tar or tar.gz at path into dir (created if missing). */
int fc_tarball_extract(const char *path, const char *dir, const fc_untar_opts *o);

/* SHA-256 of a file as lowercase hex (65 bytes with NUL); size if wanted. */
int fc_file_sha256(const char *path, char hex[65], int64_t *size);

#endif
