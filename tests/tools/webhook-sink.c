/*
 * webhook-sink: a local HTTP endpoint that records every request it gets, for
 * the notification tests, the benchmark and the demo.
 *
 *   webhook-sink --dir DIR [--addr 127.0.0.1:0] [--port-file FILE]
 *                [--respond PATH=CODE[:BODY]]... [--delay PATH=MS]... [--quiet]
 *
 * Each request is appended as one JSON line to DIR/requests.jsonl:
 *   {"n":1,"time":"<RFC 3339>","method":"POST","path":"/teams","url":"/teams?x=1",
 *    "headers":{"content-type":"application/json",...},"body":"<as text>","body_file":"1.body"}
 * and its exact bytes are written to DIR/<n>.body (for signature checks).
 * --respond answers requests whose path starts with PATH with CODE (and BODY);
 * the first matching rule wins, the default is 200 "{}". --delay sleeps
 * before answering (a slow endpoint). --quiet records only a count in
 * DIR/count (benchmarks). The chosen port goes to --port-file and stdout.
 * It runs until SIGTERM/SIGINT.
 *
 * It is built on libcommon's fc_httpd, using libmicrohttpd directly only to
 * list request headers, which fc_httpd does not expose.
 */
#include "fc/buf.h"
#include "fc/duration.h"
#include "fc/httpd.h"
#include "fc/json.h"
#include <ctype.h>
#include <errno.h>
#include <microhttpd.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAX_RULES 32

typedef struct rule {
    char *prefix;
    int code;
    char *body;
    int delay_ms;
} rule;

static rule responds[MAX_RULES], delays[MAX_RULES];
static int nresponds, ndelays;
static const char *dir;
static int quiet;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static unsigned long counter;
static FILE *log_file;

static void usage(void)
{
    fprintf(stderr, "usage: webhook-sink --dir DIR [--addr HOST:PORT] [--port-file FILE] [--respond PATH=CODE[:BODY]]... "
                    "[--delay PATH=MS]... [--quiet]\n");
    exit(2);
}

static int parse_rule(const char *arg, rule *r, int is_delay)
{
    const char *eq = strchr(arg, '=');
    if (!eq || eq == arg) return -1;
    r->prefix = strndup(arg, (size_t)(eq - arg));
    char *end = NULL;
    long v = strtol(eq + 1, &end, 10);
    if (end == eq + 1 || v < 0 || v > 600000) return -1;
    if (is_delay) {
        r->delay_ms = (int)v;
        return *end ? -1 : 0;
    }
    if (v < 100 || v > 599) return -1;
    r->code = (int)v;
    if (*end == ':') r->body = strdup(end + 1);
    else if (*end) return -1;
    return 0;
}

typedef struct hdrs {
    json_object *o;
} hdrs;

static enum MHD_Result add_header(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
    (void)kind;
    hdrs *h = cls;
    char lower[256];
    size_t i = 0;
    for (; key[i] && i + 1 < sizeof lower; i++) lower[i] = (char)tolower((unsigned char)key[i]);
    lower[i] = 0;
    json_object_object_add(h->o, lower, json_object_new_string(value ? value : ""));
    return MHD_YES;
}

static void handler(const fc_http_req *req, fc_http_resp *resp, void *arg)
{
    (void)arg;
    pthread_mutex_lock(&mu);
    unsigned long n = ++counter;
    if (quiet) {
        char path[4096];
        snprintf(path, sizeof path, "%s/count", dir);
        FILE *f = fopen(path, "w");
        if (f) {
            fprintf(f, "%lu\n", n);
            fclose(f);
        }
    } else {
        char path[4096];
        snprintf(path, sizeof path, "%s/%lu.body", dir, n);
        FILE *f = fopen(path, "wb");
        if (f) {
            fwrite(req->body, 1, req->body_len, f);
            fclose(f);
        }
        json_object *o = json_object_new_object();
        json_object_object_add(o, "n", json_object_new_int64((int64_t)n));
        char ts[64];
        fc_time_rfc3339nano(fc_now_wall_ns(), ts);
        json_object_object_add(o, "time", json_object_new_string(ts));
        json_object_object_add(o, "method", json_object_new_string(req->method));
        json_object_object_add(o, "path", json_object_new_string(req->path));
        json_object_object_add(o, "url", json_object_new_string(req->url));
        hdrs h = {json_object_new_object()};
        MHD_get_connection_values((struct MHD_Connection *)req->conn, MHD_HEADER_KIND, add_header, &h);
        json_object_object_add(o, "headers", h.o);
        json_object_object_add(o, "body", json_object_new_string_len(req->body, (int)req->body_len));
        snprintf(path, sizeof path, "%lu.body", n);
        json_object_object_add(o, "body_file", json_object_new_string(path));
        char *line = fc_json_dump(o);
        json_object_put(o);
        fprintf(log_file, "%s\n", line);
        fflush(log_file);
        free(line);
    }
    pthread_mutex_unlock(&mu);
    for (int i = 0; i < ndelays; i++)
        if (!strncmp(req->path, delays[i].prefix, strlen(delays[i].prefix))) {
            struct timespec t = {delays[i].delay_ms / 1000, (long)(delays[i].delay_ms % 1000) * 1000000L};
            nanosleep(&t, NULL);
            break;
        }
    for (int i = 0; i < nresponds; i++)
        if (!strncmp(req->path, responds[i].prefix, strlen(responds[i].prefix))) {
            fc_http_resp_text(resp, responds[i].code, responds[i].body ? responds[i].body : "");
            return;
        }
    resp->content_type = "application/json";
    fc_buf_puts(&resp->body, "{}");
}

int main(int argc, char **argv)
{
    const char *addr = "127.0.0.1:0", *port_file = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--quiet")) {
            quiet = 1;
            continue;
        }
        if (!v) usage();
        if (!strcmp(a, "--dir")) dir = v;
        else if (!strcmp(a, "--addr")) addr = v;
        else if (!strcmp(a, "--port-file")) port_file = v;
        else if (!strcmp(a, "--respond")) {
            if (nresponds >= MAX_RULES || parse_rule(v, &responds[nresponds++], 0)) usage();
        } else if (!strcmp(a, "--delay")) {
            if (ndelays >= MAX_RULES || parse_rule(v, &delays[ndelays++], 1)) usage();
        } else usage();
        i++;
    }
    if (!dir) usage();
    char path[4096];
    snprintf(path, sizeof path, "%s/requests.jsonl", dir);
    log_file = fopen(path, "a");
    if (!log_file) {
        fprintf(stderr, "webhook-sink: cannot write %s: %s\n", path, strerror(errno));
        return 1;
    }
    sigset_t sigs;
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGINT);
    sigaddset(&sigs, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &sigs, NULL);
    signal(SIGPIPE, SIG_IGN);
    fc_httpd_opts o = {.max_body = 8u << 20, .threads = 8, .timeout_s = 60};
    fc_httpd *s = fc_httpd_start(addr, &o, handler, NULL);
    if (!s) {
        fprintf(stderr, "webhook-sink: cannot listen on %s\n", addr);
        return 1;
    }
    int port = fc_httpd_port(s);
    if (port_file) {
        char tmp[4096];
        snprintf(tmp, sizeof tmp, "%s.tmp", port_file);
        FILE *f = fopen(tmp, "w");
        if (!f || fprintf(f, "%d\n", port) < 0 || fclose(f) || rename(tmp, port_file)) {
            fprintf(stderr, "webhook-sink: cannot write %s\n", port_file);
            return 1;
        }
    }
    printf("%d\n", port);
    fflush(stdout);
    int sig = 0;
    sigwait(&sigs, &sig);
    fc_httpd_stop(s);
    fclose(log_file);
    for (int i = 0; i < nresponds; i++) {
        free(responds[i].prefix);
        free(responds[i].body);
    }
    for (int i = 0; i < ndelays; i++) free(delays[i].prefix);
    return 0;
}
