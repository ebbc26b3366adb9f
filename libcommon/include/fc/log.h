/*
 * fc/log.h: structured JSON logs on stderr, one object per line, shaped like
 * Flux's (zap) logs: {"level","ts","msg","controller", "<Kind>":{name,
 * namespace}, "namespace","name","reconcileID", extra fields...}.
 * The per-thread context (set by the reconcile driver) adds the object's
 * identity to every line logged while a reconcile runs. Never pass secret
 * values to these functions.
 */
#ifndef FC_LOG_H
#define FC_LOG_H
#include <stdbool.h>

typedef enum { FC_LOG_TRACE = -1, FC_LOG_DEBUG = 0, FC_LOG_INFO = 1, FC_LOG_ERROR = 2 } fc_log_level;

typedef struct fc_log_ctx {
    const char *controller;   /* e.g. "gitrepository" */
    const char *kind;         /* e.g. "GitRepository" */
    const char *ns;
    const char *name;
    const char *reconcile_id;
} fc_log_ctx;

/* Process-wide settings (from --log-level, --log-encoding). */
int fc_log_set_level(const char *name); /* trace|debug|info|error */
void fc_log_set_level_num(fc_log_level l);
bool fc_log_enabled(fc_log_level l);
void fc_log_set_component(const char *controller_binary);
/* Per-thread context; pointer must stay valid while set (NULL clears). */
void fc_log_set_ctx(const fc_log_ctx *ctx);
const fc_log_ctx *fc_log_get_ctx(void);

void fc_log(fc_log_level l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* With extra string fields: NULL-terminated key, value pairs after msg. */
void fc_log_kv(fc_log_level l, const char *msg, ...);

#define fc_info(...) fc_log(FC_LOG_INFO, __VA_ARGS__)
#define fc_error(...) fc_log(FC_LOG_ERROR, __VA_ARGS__)
#define fc_debug(...) do { if (fc_log_enabled(FC_LOG_DEBUG)) fc_log(FC_LOG_DEBUG, __VA_ARGS__); } while (0)

#endif
