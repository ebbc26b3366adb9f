/*
 * fc/flags.h: one flag table per binary, parsed like Go's pflag (--name=value,
 * --name value, bare --bool) and also used to generate --help. Each flag may
 * name an environment variable that supplies its value when the flag is not
 * given (Flux reads e.g. RUNTIME_NAMESPACE, STORAGE_PATH this way).
 */
#ifndef FC_FLAGS_H
#define FC_FLAGS_H
#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>
#include <stdio.h>

typedef enum {
    FC_FLAG_STR,      /* char ** (malloc'd copy; default strdup'd) */
    FC_FLAG_INT,      /* int64_t * */
    FC_FLAG_BOOL,     /* bool * */
    FC_FLAG_DURATION, /* int64_t * nanoseconds, Go duration syntax */
    FC_FLAG_FLOAT,    /* double * */
    FC_FLAG_STRLIST,  /* fc_strlist *: repeatable and comma separated */
} fc_flag_type;

typedef struct fc_strlist {
    char **v;
    size_t n;
} fc_strlist;

typedef struct fc_flag {
    const char *name;  /* without leading dashes */
    fc_flag_type type;
    void *target;
    const char *def;   /* default as text ("" or NULL: zero value) */
    const char *usage;
    const char *env;   /* optional environment variable */
} fc_flag;

typedef struct fc_flagset {
    const char *prog;     /* binary name */
    const char *summary;  /* one line shown by --help */
    const fc_flag *flags; /* terminated by {0} */
    const fc_flag *common; /* optional second table (shared runtime flags) */
} fc_flagset;

/* Parse argv. Returns 0 to continue, 1 when --help/--version was printed
 * (exit 0), or 2 after printing a one-line error (exit 2). Positional
 * arguments are collected into *args (a malloc'd, NULL-terminated array of
 * borrowed argv strings; free() it). */
int fc_flags_parse(const fc_flagset *fs, int argc, char **argv, int *nargs, char ***args);
void fc_flags_usage(const fc_flagset *fs, FILE *out);
void fc_strlist_dispose(fc_strlist *l);
/* Release the strings the flag table allocated. */
void fc_flags_dispose(const fc_flagset *fs);

#endif
