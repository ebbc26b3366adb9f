/*
 * fc/err.h: error codes and the thread-local last error.
 *
 * Fallible functions return 0 on success or a negative FC_E* code and leave a
 * one-line message (and, for Kubernetes API errors, the HTTP status plus the
 * Status object's reason and message) in a per-thread slot that the caller
 * reads with fc_err_msg()/fc_err_last() before the next fallible call.
 */
#ifndef FC_ERR_H
#define FC_ERR_H

enum {
    FC_OK = 0,
    FC_ERR = -1,        /* generic failure */
    FC_EINVAL = -2,     /* invalid input (spec, flag, file) */
    FC_ENOTFOUND = -3,  /* 404 / missing */
    FC_ECONFLICT = -4,  /* 409 resourceVersion conflict */
    FC_EEXISTS = -5,    /* 409 AlreadyExists */
    FC_EGONE = -6,      /* 410 Gone (watch resourceVersion too old) */
    FC_EFORBIDDEN = -7, /* 403 */
    FC_EUNAUTH = -8,    /* 401 */
    FC_EIO = -9,        /* network / file I/O */
    FC_ETOOBIG = -10,   /* a size cap was hit */
    FC_ETIMEOUT = -11,
    FC_EUNAVAIL = -12,  /* server unreachable / 5xx */
    FC_EINVALID = -13,  /* 422 Invalid (API validation) */
    FC_ENOMEM = -14,
    FC_EBADREQ = -15,   /* 400 */
};

#define FC_ERR_MSG_MAX 2048

typedef struct fc_error {
    int code;            /* one of FC_E* */
    int http_status;     /* 0 when not an HTTP error */
    char reason[64];     /* Kubernetes Status reason, e.g. "Conflict" */
    char msg[FC_ERR_MSG_MAX];
} fc_error;

/* Set the last error; returns code so callers can `return fc_err_set(...)`. */
int fc_err_set(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Prefix the current message: "<prefix>: <old message>". Returns the code. */
int fc_err_wrap(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Record an API error; code derived from the HTTP status. */
int fc_err_set_api(int http_status, const char *reason, const char *message);
const char *fc_err_msg(void);
const fc_error *fc_err_last(void);
int fc_err_code(void);
void fc_err_clear(void);
/* Map an HTTP status to an FC_E* code. */
int fc_err_from_http(int status);
const char *fc_err_name(int code);

#endif
