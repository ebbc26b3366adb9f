/*
 * err.c: the per-thread last-error slot behind fc/err.h. Kept deliberately
 * tiny: a fixed-size struct in thread-local storage, no allocation, so it can
 * be set from any failure path (including out-of-memory) without failing.
 */
#include "fc/err.h"
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static _Thread_local fc_error last;

int fc_err_set(int code, const char *fmt, ...)
{
    va_list ap;
    last.code = code;
    last.http_status = 0;
    last.reason[0] = 0;
    va_start(ap, fmt);
    vsnprintf(last.msg, sizeof last.msg, fmt, ap);
    va_end(ap);
    return code;
}

int fc_err_wrap(const char *fmt, ...)
{
    char prefix[512], old[FC_ERR_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(prefix, sizeof prefix, fmt, ap);
    va_end(ap);
    memcpy(old, last.msg, sizeof old);
    old[sizeof old - 1] = 0;
    size_t pl = strlen(prefix);
    memcpy(last.msg, prefix, pl + 1);
    if (old[0] && pl + 2 < sizeof last.msg) {
        memcpy(last.msg + pl, ": ", 2);
        size_t room = sizeof last.msg - pl - 3, ol = strnlen(old, room);
        memcpy(last.msg + pl + 2, old, ol);
        last.msg[pl + 2 + ol] = 0;
    }
    return last.code ? last.code : FC_ERR;
}

int fc_err_from_http(int status)
{
    switch (status) {
    case 400: return FC_EBADREQ;
    case 401: return FC_EUNAUTH;
    case 403: return FC_EFORBIDDEN;
    case 404: return FC_ENOTFOUND;
    case 409: return FC_ECONFLICT;
    case 410: return FC_EGONE;
    case 413: return FC_ETOOBIG;
    case 422: return FC_EINVALID;
    case 504: return FC_ETIMEOUT;
    default: return status >= 500 ? FC_EUNAVAIL : FC_ERR;
    }
}

int fc_err_set_api(int http_status, const char *reason, const char *message)
{
    int code = fc_err_from_http(http_status);
    if (http_status == 409 && reason && strcmp(reason, "AlreadyExists") == 0)
        code = FC_EEXISTS;
    last.code = code;
    last.http_status = http_status;
    snprintf(last.reason, sizeof last.reason, "%s", reason ? reason : "");
    snprintf(last.msg, sizeof last.msg, "%s", message && *message ? message : "unknown API error");
    return code;
}

const char *fc_err_msg(void) { return last.msg[0] ? last.msg : "unknown error"; }
const fc_error *fc_err_last(void) { return &last; }
int fc_err_code(void) { return last.code; }
void fc_err_clear(void) { memset(&last, 0, sizeof last); }

const char *fc_err_name(int code)
{
    switch (code) {
    case FC_OK: return "ok";
    case FC_EINVAL: return "invalid";
    case FC_ENOTFOUND: return "not found";
    case FC_ECONFLICT: return "conflict";
    case FC_EEXISTS: return "already exists";
    case FC_EGONE: return "gone";
    case FC_EFORBIDDEN: return "forbidden";
    case FC_EUNAUTH: return "unauthorized";
    case FC_EIO: return "i/o error";
    case FC_ETOOBIG: return "too big";
    case FC_ETIMEOUT: return "timeout";
    case FC_EUNAVAIL: return "unavailable";
    case FC_EINVALID: return "invalid object";
    case FC_ENOMEM: return "out of memory";
    case FC_EBADREQ: return "bad request";
    default: return "error";
    }
}
