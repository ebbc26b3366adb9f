/*
 * buf.c: growable, capped byte buffer (see fc/buf.h). Growth doubles; a write
 * that would pass the cap fails with FC_ETOOBIG and leaves the content as it
 * was, so callers can report exactly which input was too large.
 */
#include "fc/buf.h"
#include "fc/err.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void fc_buf_init(fc_buf *b, size_t max)
{
    b->ptr = NULL;
    b->len = b->cap = 0;
    b->max = max;
}

void fc_buf_dispose(fc_buf *b)
{
    free(b->ptr);
    b->ptr = NULL;
    b->len = b->cap = 0;
}

void fc_buf_reset(fc_buf *b)
{
    b->len = 0;
    if (b->ptr) b->ptr[0] = 0;
}

static int grow(fc_buf *b, size_t extra)
{
    if (b->max && b->len + extra > b->max)
        return fc_err_set(FC_ETOOBIG, "size limit of %zu bytes exceeded", b->max);
    if (b->len + extra + 1 <= b->cap) return 0;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + extra + 1) cap *= 2;
    char *p = realloc(b->ptr, cap);
    if (!p) return fc_err_set(FC_ENOMEM, "out of memory");
    b->ptr = p;
    b->cap = cap;
    return 0;
}

int fc_buf_put(fc_buf *b, const void *data, size_t n)
{
    int rc = grow(b, n);
    if (rc) return rc;
    if (n) memcpy(b->ptr + b->len, data, n);
    b->len += n;
    b->ptr[b->len] = 0;
    return 0;
}

int fc_buf_puts(fc_buf *b, const char *s) { return fc_buf_put(b, s, strlen(s)); }
int fc_buf_putc(fc_buf *b, char c) { return fc_buf_put(b, &c, 1); }

int fc_buf_vprintf(fc_buf *b, const char *fmt, va_list ap)
{
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (n < 0) return fc_err_set(FC_EINVAL, "bad format");
    int rc = grow(b, (size_t)n);
    if (rc) return rc;
    vsnprintf(b->ptr + b->len, (size_t)n + 1, fmt, ap);
    b->len += (size_t)n;
    return 0;
}

int fc_buf_printf(fc_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = fc_buf_vprintf(b, fmt, ap);
    va_end(ap);
    return rc;
}

char *fc_buf_detach(fc_buf *b, size_t *len)
{
    if (!b->ptr) {
        if (grow(b, 0)) return NULL;
        b->ptr[0] = 0; /* an empty buffer still yields a C string */
    }
    char *p = b->ptr;
    if (len) *len = b->len;
    b->ptr = NULL;
    b->len = b->cap = 0;
    return p;
}

int fc_buf_read_file(fc_buf *b, const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) return fc_err_set(errno == ENOENT ? FC_ENOTFOUND : FC_EIO, "open %s: %s", path, strerror(errno));
    char chunk[65536];
    size_t n;
    int rc = 0;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
        if ((rc = fc_buf_put(b, chunk, n))) {
            fc_err_wrap("read %s", path);
            break;
        }
    }
    if (!rc && ferror(f)) rc = fc_err_set(FC_EIO, "read %s: %s", path, strerror(errno));
    fclose(f);
    if (!rc && !b->ptr && !(rc = grow(b, 0))) b->ptr[0] = 0;
    return rc;
}
