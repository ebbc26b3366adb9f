/*
 * fc/httpd.h: inbound HTTP on libmicrohttpd, for every server the controllers
 * run (metrics and probes, the artifact file server, the event and webhook
 * receivers). A server has one handler; the request body is read fully into
 * memory up to max_body (larger bodies get 413 before the handler runs).
 * Handlers run on libmicrohttpd's worker threads and fill a response: a
 * buffer, or a file descriptor range (sent with sendfile).
 */
#ifndef FC_HTTPD_H
#define FC_HTTPD_H
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "fc/buf.h"

typedef struct fc_httpd fc_httpd;

typedef struct fc_http_req {
    const char *method;
    const char *path;  /* URL path, not decoded further */
    const char *url;   /* path plus query, as received */
    const char *body;  /* NUL-terminated */
    size_t body_len;
    const char *remote; /* peer address */
    void *conn;         /* opaque (struct MHD_Connection *) */
} fc_http_req;

#define FC_HTTP_MAX_HEADERS 8

typedef struct fc_http_resp {
    int status;                 /* default 200 */
    const char *content_type;   /* default text/plain; charset=utf-8 */
    fc_buf body;                /* used when fd < 0 */
    int fd;                     /* >= 0: send this file (closed by the server) */
    uint64_t offset, length;    /* range of fd to send */
    const char *headers[FC_HTTP_MAX_HEADERS][2]; /* extra headers (static or owned by handler via strings below) */
    int nheaders;
    char *owned[FC_HTTP_MAX_HEADERS * 2]; /* strings freed after the response is queued */
    int nowned;
    int head_only;              /* respond without a body (HEAD) */
} fc_http_resp;

typedef void (*fc_http_handler)(const fc_http_req *req, fc_http_resp *resp, void *arg);

typedef struct fc_httpd_opts {
    size_t max_body;    /* default 1 MiB */
    unsigned threads;   /* worker threads, default 2 */
    unsigned timeout_s; /* connection timeout, default 30 */
} fc_httpd_opts;

/* addr: ":8080", "0.0.0.0:8080", "127.0.0.1:0" (0 = any free port). */
fc_httpd *fc_httpd_start(const char *addr, const fc_httpd_opts *o, fc_http_handler h, void *arg);
int fc_httpd_port(fc_httpd *s);
void fc_httpd_stop(fc_httpd *s);
/* Request header lookup (case-insensitive), or NULL. */
const char *fc_http_header(const fc_http_req *req, const char *name);
/* Query parameter lookup (decoded), or NULL. */
const char *fc_http_query(const fc_http_req *req, const char *name);
/* Add a response header; value is copied. */
void fc_http_resp_header(fc_http_resp *resp, const char *name, const char *value);
/* Convenience: status + text body. */
void fc_http_resp_text(fc_http_resp *resp, int status, const char *text);

#endif
