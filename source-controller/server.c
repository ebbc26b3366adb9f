/*
 * server.c: the artifact file server (reference 1.2) on fc_httpd.
 *
 * Read-only: GET and HEAD only. The request path (already %-decoded by
 * libmicrohttpd) is checked component by component: "..", "." and hidden
 * (dot) components are refused, so the private .tmp/.cache directories and
 * lock files are never served and nothing outside the root can be named.
 * The file is then opened through fc_secure_join + O_NOFOLLOW and handed to
 * the server as an fd range (sendfile), so Content-Length is the real size.
 * A single "bytes=" Range gives 206 with Content-Range (416 when
 * unsatisfiable); several ranges are answered with the whole file, which
 * RFC 9110 allows. Directories get a small listing like Go's FileServer,
 * which Flux's readiness probe (GET /) relies on.
 */
#include "sc.h"
#include "fc/buf.h"
#include "fc/err.h"
#include "fc/httpd.h"
#include "fc/securepath.h"
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static bool path_ok(const char *p)
{
    if (!p || p[0] != '/') return false;
    for (const char *c = p + 1; *c;) {
        const char *e = strchr(c, '/');
        size_t l = e ? (size_t)(e - c) : strlen(c);
        if (l > 0 && c[0] == '.') return false; /* ".", "..", hidden */
        for (size_t i = 0; i < l; i++)
            if ((unsigned char)c[i] < 0x20 || c[i] == '\\') return false;
        c = e ? e + 1 : c + l;
    }
    return true;
}

static const char *content_type(const char *p)
{
    size_t l = strlen(p);
    if (l > 3 && !strcmp(p + l - 3, ".gz")) return "application/gzip";
    if (l > 4 && !strcmp(p + l - 4, ".tgz")) return "application/gzip";
    if (l > 5 && !strcmp(p + l - 5, ".yaml")) return "application/yaml";
    if (l > 5 && !strcmp(p + l - 5, ".json")) return "application/json";
    return "application/octet-stream";
}

static int cmp_names(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static void html_escape(fc_buf *b, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '<': fc_buf_puts(b, "&lt;"); break;
        case '>': fc_buf_puts(b, "&gt;"); break;
        case '&': fc_buf_puts(b, "&amp;"); break;
        case '"': fc_buf_puts(b, "&#34;"); break;
        case '\'': fc_buf_puts(b, "&#39;"); break;
        default: fc_buf_putc(b, *s);
        }
    }
}

static void list_dir(int fd, const char *reqpath, fc_http_resp *resp)
{
    DIR *d = fdopendir(fd);
    if (!d) {
        close(fd);
        fc_http_resp_text(resp, 500, "cannot read directory\n");
        return;
    }
    char *names[1000];
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d)) && n < 1000) {
        if (e->d_name[0] == '.') continue;
        size_t l = strlen(e->d_name);
        if (l > 5 && !strcmp(e->d_name + l - 5, ".lock")) continue;
        struct stat st;
        if (fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW)) continue;
        if (!S_ISDIR(st.st_mode) && !S_ISREG(st.st_mode)) continue;
        char *nm = NULL;
        if (asprintf(&nm, "%s%s", e->d_name, S_ISDIR(st.st_mode) ? "/" : "") < 0) continue;
        names[n++] = nm;
    }
    closedir(d);
    qsort(names, n, sizeof *names, cmp_names);
    (void)reqpath;
    resp->content_type = "text/html; charset=utf-8";
    fc_buf_puts(&resp->body, "<pre>\n");
    for (size_t i = 0; i < n; i++) {
        fc_buf_puts(&resp->body, "<a href=\"");
        html_escape(&resp->body, names[i]);
        fc_buf_puts(&resp->body, "\">");
        html_escape(&resp->body, names[i]);
        fc_buf_puts(&resp->body, "</a>\n");
        free(names[i]);
    }
    fc_buf_puts(&resp->body, "</pre>\n");
}

/* Parse a single "bytes=a-b" range against size. 1: range set, 0: ignore
 * the header (absent, malformed or several ranges), -1: unsatisfiable. */
static int parse_range(const char *h, uint64_t size, uint64_t *off, uint64_t *len)
{
    if (!h || strncmp(h, "bytes=", 6) != 0) return 0;
    const char *p = h + 6;
    while (*p == ' ') p++;
    if (strchr(p, ',')) return 0;
    char *end = NULL;
    if (*p == '-') {
        errno = 0;
        unsigned long long n = strtoull(p + 1, &end, 10);
        if (errno || end == p + 1 || *end) return 0;
        if (n == 0) return -1;
        if (n > size) n = size;
        *off = size - n;
        *len = n;
        return size ? 1 : -1;
    }
    errno = 0;
    unsigned long long a = strtoull(p, &end, 10);
    if (errno || end == p || *end != '-') return 0;
    const char *q = end + 1;
    unsigned long long b;
    if (!*q) {
        b = size ? size - 1 : 0;
    } else {
        b = strtoull(q, &end, 10);
        if (errno || *end) return 0;
        if (b < a) return 0;
        if (b >= size) b = size ? size - 1 : 0;
    }
    if (a >= size) return -1;
    *off = a;
    *len = b - a + 1;
    return 1;
}

static void handler(const fc_http_req *req, fc_http_resp *resp, void *arg)
{
    const sc_storage *s = arg;
    bool head = !strcmp(req->method, "HEAD");
    if (!head && strcmp(req->method, "GET") != 0) {
        fc_http_resp_header(resp, "Allow", "GET, HEAD");
        fc_http_resp_text(resp, 405, "405 method not allowed\n");
        return;
    }
    if (!path_ok(req->path)) {
        fc_http_resp_text(resp, 404, "404 page not found\n");
        return;
    }
    char *full = NULL;
    if (fc_secure_join(s->root, req->path, &full)) {
        fc_http_resp_text(resp, 404, "404 page not found\n");
        return;
    }
    int fd = open(full, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    free(full);
    struct stat st;
    if (fd < 0 || fstat(fd, &st)) {
        if (fd >= 0) close(fd);
        fc_http_resp_text(resp, errno == EACCES ? 403 : 404, errno == EACCES ? "403 forbidden\n" : "404 page not found\n");
        return;
    }
    if (S_ISDIR(st.st_mode)) {
        list_dir(fd, req->path, resp);
        return;
    }
    if (!S_ISREG(st.st_mode)) {
        close(fd);
        fc_http_resp_text(resp, 404, "404 page not found\n");
        return;
    }
    uint64_t size = (uint64_t)st.st_size, off = 0, len = size;
    char lm[64];
    struct tm tm;
    gmtime_r(&st.st_mtim.tv_sec, &tm);
    strftime(lm, sizeof lm, "%a, %d %b %Y %H:%M:%S GMT", &tm);
    fc_http_resp_header(resp, "Last-Modified", lm);
    fc_http_resp_header(resp, "Accept-Ranges", "bytes");
    int r = parse_range(fc_http_header(req, "Range"), size, &off, &len);
    if (r < 0) {
        close(fd);
        char cr[64];
        snprintf(cr, sizeof cr, "bytes */%" PRIu64, size);
        fc_http_resp_header(resp, "Content-Range", cr);
        fc_http_resp_text(resp, 416, "416 requested range not satisfiable\n");
        return;
    }
    if (r > 0) {
        char cr[96];
        snprintf(cr, sizeof cr, "bytes %" PRIu64 "-%" PRIu64 "/%" PRIu64, off, off + len - 1, size);
        fc_http_resp_header(resp, "Content-Range", cr);
        resp->status = 206;
    }
    resp->content_type = content_type(req->path);
    resp->fd = fd;
    resp->offset = off;
    resp->length = len;
    resp->head_only = head;
}

fc_httpd *sc_server_start(const char *addr, const sc_storage *s)
{
    fc_httpd_opts o = {.max_body = 4096, .threads = 2, .timeout_s = 60};
    return fc_httpd_start(addr, &o, handler, (void *)s);
}
