/* Fuzz target: a whole chart as the helm-controller receives it from a
 * source. The input is either a .tgz (gzip magic first: the archive reader
 * and its path checks) or a text bundle of files,
 *     === mychart/Chart.yaml
 *     apiVersion: v2 ...
 *     === mychart/templates/x.yaml
 *     ...
 * which is packed into a .tgz here, so that mutations reach Chart.yaml /
 * values.yaml decoding, dependencies, values.schema.json validation,
 * template rendering and manifest sorting. Small size and memory caps. */
#include "../../helm-controller/engine/helmtemplate.h"
#include <archive.h>
#include <archive_entry.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static void add_file(struct archive *a, const char *name, size_t nl, const char *data, size_t dl)
{
    char path[512];
    if (nl == 0 || nl >= sizeof path) return;
    memcpy(path, name, nl);
    path[nl] = 0;
    struct archive_entry *e = archive_entry_new();
    archive_entry_set_pathname(e, path);
    archive_entry_set_size(e, (la_int64_t)dl);
    archive_entry_set_filetype(e, AE_IFREG);
    archive_entry_set_perm(e, 0644);
    if (archive_write_header(a, e) == ARCHIVE_OK) archive_write_data(a, data, dl);
    archive_entry_free(e);
}

/* pack the text bundle; returns a malloc'd tgz */
static void *pack(const char *s, size_t n, size_t *len)
{
    size_t cap = n * 2 + 65536;
    void *buf = malloc(cap);
    struct archive *a = archive_write_new();
    archive_write_add_filter_gzip(a);
    archive_write_set_format_pax_restricted(a);
    *len = 0;
    if (archive_write_open_memory(a, buf, cap, len) != ARCHIVE_OK) {
        archive_write_free(a);
        free(buf);
        return NULL;
    }
    const char *p = s, *end = s + n;
    while (p < end) {
        const char *hdr = memmem(p, (size_t)(end - p), "=== ", 4);
        if (!hdr) break;
        const char *name = hdr + 4;
        const char *nl = memchr(name, '\n', (size_t)(end - name));
        if (!nl) break;
        const char *data = nl + 1;
        const char *next = memmem(data, (size_t)(end - data), "\n=== ", 5);
        const char *dend = next ? next + 1 : end;
        add_file(a, name, (size_t)(nl - name), data, (size_t)(dend - data));
        p = dend;
    }
    archive_write_close(a);
    archive_write_free(a);
    return buf;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const void *tgz = data;
    size_t len = size;
    void *packed = NULL;
    if (!(size >= 2 && data[0] == 0x1f && data[1] == 0x8b)) {
        packed = pack((const char *)data, size, &len);
        if (!packed) return 0;
        tgz = packed;
    }
    ht_load_limits lim = {0};
    lim.max_total_bytes = 4 << 20;
    lim.max_files = 500;
    ht_chart *c = NULL;
    if (ht_chart_load_archive(tgz, len, &lim, &c) == 0) {
        ht_render_opts o = {0};
        o.max_output_bytes = 1 << 20;
        o.max_memory_bytes = 64 << 20;
        ht_release *rel = NULL;
        if (ht_render(c, NULL, &o, &rel) == 0) {
            size_t n;
            free(ht_release_template_output(rel, true, false, &n));
            ht_release_free(rel);
        }
        ht_chart_free(c);
    }
    free(packed);
    return 0;
}
