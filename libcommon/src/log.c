/*
 * log.c: JSON line logger (fc/log.h). Each line is built in a local buffer
 * and written with one write(2) so lines from concurrent workers never
 * interleave. Strings are JSON-escaped by json-c.
 */
#include "fc/log.h"
#include "fc/buf.h"
#include <json-c/json.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static fc_log_level level = FC_LOG_INFO;
static const char *component = "";
static _Thread_local const fc_log_ctx *tctx;

int fc_log_set_level(const char *name)
{
    if (!strcmp(name, "trace")) level = FC_LOG_TRACE;
    else if (!strcmp(name, "debug")) level = FC_LOG_DEBUG;
    else if (!strcmp(name, "info")) level = FC_LOG_INFO;
    else if (!strcmp(name, "error")) level = FC_LOG_ERROR;
    else return -1;
    return 0;
}

void fc_log_set_level_num(fc_log_level l) { level = l; }
bool fc_log_enabled(fc_log_level l) { return l >= level; }
void fc_log_set_component(const char *c) { component = c ? c : ""; }
void fc_log_set_ctx(const fc_log_ctx *ctx) { tctx = ctx; }
const fc_log_ctx *fc_log_get_ctx(void) { return tctx; }

static const char *level_name(fc_log_level l)
{
    switch (l) {
    case FC_LOG_TRACE: return "trace";
    case FC_LOG_DEBUG: return "debug";
    case FC_LOG_ERROR: return "error";
    default: return "info";
    }
}

static void put_str(fc_buf *b, const char *key, const char *val)
{
    json_object *s = json_object_new_string(val ? val : "");
    fc_buf_printf(b, ",\"%s\":%s", key, json_object_to_json_string_ext(s, JSON_C_TO_STRING_NOSLASHESCAPE));
    json_object_put(s);
}

static void emit(fc_log_level l, const char *msg, va_list *kv)
{
    fc_buf b;
    fc_buf_init(&b, 1 << 20);
    struct timespec ts;
    struct tm tm;
    char tbuf[64];
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    strftime(tbuf, sizeof tbuf, "%Y-%m-%dT%H:%M:%S", &tm);
    fc_buf_printf(&b, "{\"level\":\"%s\",\"ts\":\"%s.%03ldZ\"", level_name(l), tbuf, ts.tv_nsec / 1000000);
    put_str(&b, "msg", msg);
    const fc_log_ctx *c = tctx;
    if (c && c->controller) put_str(&b, "controller", c->controller);
    else if (*component) put_str(&b, "logger", component);
    if (c && c->kind && c->name) {
        json_object *o = json_object_new_object();
        json_object_object_add(o, "name", json_object_new_string(c->name));
        if (c->ns) json_object_object_add(o, "namespace", json_object_new_string(c->ns));
        fc_buf_printf(&b, ",\"%s\":%s", c->kind, json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
        json_object_put(o);
        if (c->ns) put_str(&b, "namespace", c->ns);
        put_str(&b, "name", c->name);
    }
    if (c && c->reconcile_id) put_str(&b, "reconcileID", c->reconcile_id);
    if (kv) {
        const char *k;
        while ((k = va_arg(*kv, const char *)) != NULL) {
            const char *v = va_arg(*kv, const char *);
            put_str(&b, k, v);
        }
    }
    fc_buf_puts(&b, "}\n");
    if (b.ptr) {
        ssize_t w = write(STDERR_FILENO, b.ptr, b.len);
        (void)w;
    }
    fc_buf_dispose(&b);
}

void fc_log(fc_log_level l, const char *fmt, ...)
{
    if (l < level) return;
    char msg[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    emit(l, msg, NULL);
}

void fc_log_kv(fc_log_level l, const char *msg, ...)
{
    if (l < level) return;
    va_list ap;
    va_start(ap, msg);
    emit(l, msg, &ap);
    va_end(ap);
}
