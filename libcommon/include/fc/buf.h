/*
 * fc/buf.h: a growable byte buffer with a hard size cap. Everything read from
 * the network, a repository or a user file goes through one of these, so a
 * hostile input hits FC_ETOOBIG instead of exhausting memory. The content is
 * always NUL-terminated (ptr[len] == 0) for convenience.
 */
#ifndef FC_BUF_H
#define FC_BUF_H
#include <stddef.h>
#include <stdarg.h>

typedef struct fc_buf {
    char *ptr;
    size_t len;
    size_t cap;
    size_t max; /* 0 = unlimited */
} fc_buf;

void fc_buf_init(fc_buf *b, size_t max);
void fc_buf_dispose(fc_buf *b);
void fc_buf_reset(fc_buf *b);
int fc_buf_put(fc_buf *b, const void *data, size_t n);
int fc_buf_puts(fc_buf *b, const char *s);
int fc_buf_putc(fc_buf *b, char c);
int fc_buf_printf(fc_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int fc_buf_vprintf(fc_buf *b, const char *fmt, va_list ap);
/* Give the (NUL-terminated) content to the caller; the buffer is reset. */
char *fc_buf_detach(fc_buf *b, size_t *len);
/* Read a whole file, capped at max bytes (0 = unlimited). */
int fc_buf_read_file(fc_buf *b, const char *path);

#endif
