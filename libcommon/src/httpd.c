/*
 * httpd.c: a thin layer over libmicrohttpd (fc/httpd.h). It binds the
 * address, accumulates the request body under a cap, calls the single handler
 * once the body is complete, and turns the handler's fc_http_resp into an MHD
 * response (buffer copy, or fd range for files). Keeping MHD's callback
 * protocol here means the servers in the controllers are plain functions.
 */
#include "fc/httpd.h"
#include "fc/err.h"
#include "fc/log.h"
#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#if MHD_VERSION < 0x00097002
typedef int MHD_Result;
#else
typedef enum MHD_Result MHD_Result;
#endif

struct fc_httpd {
    struct MHD_Daemon *d;
    fc_http_handler h;
    void *arg;
    size_t max_body;
    int port;
};

typedef struct reqctx {
    fc_buf body;
    int too_big;
} reqctx;

static void resp_free_owned(fc_http_resp *r)
{
    for (int i = 0; i < r->nowned; i++) free(r->owned[i]);
    r->nowned = 0;
    fc_buf_dispose(&r->body);
}

void fc_http_resp_header(fc_http_resp *resp, const char *name, const char *value)
{
    if (resp->nheaders >= FC_HTTP_MAX_HEADERS || resp->nowned + 2 > FC_HTTP_MAX_HEADERS * 2) return;
    char *n = strdup(name), *v = strdup(value);
    resp->owned[resp->nowned++] = n;
    resp->owned[resp->nowned++] = v;
    resp->headers[resp->nheaders][0] = n;
    resp->headers[resp->nheaders][1] = v;
    resp->nheaders++;
}

void fc_http_resp_text(fc_http_resp *resp, int status, const char *text)
{
    resp->status = status;
    resp->content_type = "text/plain; charset=utf-8";
    fc_buf_reset(&resp->body);
    fc_buf_puts(&resp->body, text);
}

const char *fc_http_header(const fc_http_req *req, const char *name)
{
    return MHD_lookup_connection_value((struct MHD_Connection *)req->conn, MHD_HEADER_KIND, name);
}

const char *fc_http_query(const fc_http_req *req, const char *name)
{
    return MHD_lookup_connection_value((struct MHD_Connection *)req->conn, MHD_GET_ARGUMENT_KIND, name);
}

static MHD_Result send_simple(struct MHD_Connection *c, unsigned status, const char *text)
{
    struct MHD_Response *r = MHD_create_response_from_buffer(strlen(text), (void *)text, MHD_RESPMEM_MUST_COPY);
    MHD_add_response_header(r, "Content-Type", "text/plain; charset=utf-8");
    MHD_Result ok = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return ok;
}

static MHD_Result access_cb(void *cls, struct MHD_Connection *c, const char *url, const char *method,
                            const char *version, const char *upload, size_t *upload_size, void **con_cls)
{
    (void)version;
    fc_httpd *s = cls;
    reqctx *rc = *con_cls;
    if (!rc) {
        rc = calloc(1, sizeof *rc);
        if (!rc) return MHD_NO;
        fc_buf_init(&rc->body, s->max_body);
        *con_cls = rc;
        const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Length");
        if (cl && strtoull(cl, NULL, 10) > s->max_body) rc->too_big = 1;
        return MHD_YES;
    }
    if (*upload_size) {
        if (!rc->too_big && fc_buf_put(&rc->body, upload, *upload_size)) rc->too_big = 1;
        *upload_size = 0;
        return MHD_YES;
    }
    if (rc->too_big) return send_simple(c, 413, "request body too large\n");

    const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    char remote[64] = "";
    if (ci && ci->client_addr && ci->client_addr->sa_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)ci->client_addr)->sin_addr, remote, sizeof remote);
    fc_http_req req = {method, url, url, rc->body.ptr ? rc->body.ptr : "", rc->body.len, remote, c};
    fc_http_resp resp;
    memset(&resp, 0, sizeof resp);
    resp.status = 200;
    resp.fd = -1;
    fc_buf_init(&resp.body, 0);
    s->h(&req, &resp, s->arg);

    struct MHD_Response *r;
    if (resp.fd >= 0) {
        r = MHD_create_response_from_fd_at_offset64(resp.length, resp.fd, resp.offset);
    } else {
        size_t n = resp.body.len;
        r = MHD_create_response_from_buffer(n, n ? resp.body.ptr : (void *)"", MHD_RESPMEM_MUST_COPY);
    }
    if (!r) {
        if (resp.fd >= 0) close(resp.fd);
        resp_free_owned(&resp);
        return MHD_NO;
    }
    MHD_add_response_header(r, "Content-Type", resp.content_type ? resp.content_type : "text/plain; charset=utf-8");
    for (int i = 0; i < resp.nheaders; i++) MHD_add_response_header(r, resp.headers[i][0], resp.headers[i][1]);
    MHD_Result ok = MHD_queue_response(c, (unsigned)resp.status, r);
    MHD_destroy_response(r);
    resp_free_owned(&resp);
    return ok;
}

static void completed_cb(void *cls, struct MHD_Connection *c, void **con_cls, enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)c;
    (void)toe;
    reqctx *rc = *con_cls;
    if (!rc) return;
    fc_buf_dispose(&rc->body);
    free(rc);
    *con_cls = NULL;
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
    (void)cls;
    char m[512];
    vsnprintf(m, sizeof m, fmt, ap);
    size_t l = strlen(m);
    while (l && m[l - 1] == '\n') m[--l] = 0;
    fc_log(FC_LOG_DEBUG, "http server: %s", m);
}

static int parse_addr(const char *addr, struct sockaddr_in *sa)
{
    memset(sa, 0, sizeof *sa);
    sa->sin_family = AF_INET;
    const char *colon = strrchr(addr, ':');
    if (!colon) return fc_err_set(FC_EINVAL, "invalid listen address \"%s\": want host:port", addr);
    char *end = NULL;
    long port = strtol(colon + 1, &end, 10);
    if (!*(colon + 1) || *end || port < 0 || port > 65535)
        return fc_err_set(FC_EINVAL, "invalid listen address \"%s\": bad port", addr);
    sa->sin_port = htons((uint16_t)port);
    char host[256];
    size_t hl = (size_t)(colon - addr);
    if (hl >= sizeof host) return fc_err_set(FC_EINVAL, "invalid listen address \"%s\"", addr);
    memcpy(host, addr, hl);
    host[hl] = 0;
    if (!*host || !strcmp(host, "0.0.0.0") || !strcmp(host, "[::]")) sa->sin_addr.s_addr = htonl(INADDR_ANY);
    else if (!strcmp(host, "localhost")) sa->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    else if (inet_pton(AF_INET, host, &sa->sin_addr) != 1)
        return fc_err_set(FC_EINVAL, "invalid listen address \"%s\": host must be an IPv4 address", addr);
    return 0;
}

fc_httpd *fc_httpd_start(const char *addr, const fc_httpd_opts *o, fc_http_handler h, void *arg)
{
    struct sockaddr_in sa;
    if (parse_addr(addr, &sa)) return NULL;
    fc_httpd *s = calloc(1, sizeof *s);
    if (!s) return NULL;
    s->h = h;
    s->arg = arg;
    s->max_body = o && o->max_body ? o->max_body : (1u << 20);
    unsigned threads = o && o->threads ? o->threads : 2;
    unsigned tmo = o && o->timeout_s ? o->timeout_s : 30;
    s->d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG | MHD_USE_EPOLL, ntohs(sa.sin_port), NULL,
                            NULL, access_cb, s, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
                            MHD_OPTION_THREAD_POOL_SIZE, threads, MHD_OPTION_CONNECTION_TIMEOUT, tmo,
                            MHD_OPTION_NOTIFY_COMPLETED, completed_cb, s, MHD_OPTION_CONNECTION_LIMIT, 1000u,
                            MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL, MHD_OPTION_LISTENING_ADDRESS_REUSE, 1u,
                            MHD_OPTION_END);
    if (!s->d) {
        fc_err_set(FC_EIO, "cannot listen on %s (address in use or not permitted)", addr);
        free(s);
        return NULL;
    }
    const union MHD_DaemonInfo *di = MHD_get_daemon_info(s->d, MHD_DAEMON_INFO_BIND_PORT);
    s->port = di ? di->port : ntohs(sa.sin_port);
    return s;
}

int fc_httpd_port(fc_httpd *s) { return s ? s->port : 0; }

void fc_httpd_stop(fc_httpd *s)
{
    if (!s) return;
    MHD_stop_daemon(s->d);
    free(s);
}
