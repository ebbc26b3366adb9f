/*
 * flags.c: pflag-style command-line parsing from a flag table (fc/flags.h).
 * Defaults are applied first, then environment variables, then argv, so the
 * precedence matches Flux's controllers. Help text is generated from the same
 * table, which keeps --help and the real behaviour from drifting apart.
 */
#include "fc/flags.h"
#include "fc/duration.h"
#include "fc/err.h"
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#ifndef FC_VERSION
#define FC_VERSION "dev"
#endif

static int set_value(const fc_flag *f, const char *v)
{
    char *end = NULL;
    switch (f->type) {
    case FC_FLAG_STR: {
        char **t = f->target;
        free(*t);
        *t = strdup(v ? v : "");
        return 0;
    }
    case FC_FLAG_INT: {
        errno = 0;
        long long x = strtoll(v, &end, 10);
        if (errno || !*v || *end) return fc_err_set(FC_EINVAL, "invalid argument \"%s\" for \"--%s\" flag: not an integer", v, f->name);
        *(int64_t *)f->target = x;
        return 0;
    }
    case FC_FLAG_FLOAT: {
        errno = 0;
        double x = strtod(v, &end);
        if (errno || !*v || *end) return fc_err_set(FC_EINVAL, "invalid argument \"%s\" for \"--%s\" flag: not a number", v, f->name);
        *(double *)f->target = x;
        return 0;
    }
    case FC_FLAG_BOOL: {
        bool *b = f->target;
        if (!strcmp(v, "true") || !strcmp(v, "1") || !strcmp(v, "t") || !strcmp(v, "T") || !strcmp(v, "TRUE") || !strcmp(v, "True")) *b = true;
        else if (!strcmp(v, "false") || !strcmp(v, "0") || !strcmp(v, "f") || !strcmp(v, "F") || !strcmp(v, "FALSE") || !strcmp(v, "False")) *b = false;
        else return fc_err_set(FC_EINVAL, "invalid argument \"%s\" for \"--%s\" flag: not a boolean", v, f->name);
        return 0;
    }
    case FC_FLAG_DURATION: {
        int64_t ns;
        if (fc_duration_parse(v, &ns)) return fc_err_set(FC_EINVAL, "invalid argument \"%s\" for \"--%s\" flag: %s", v, f->name, fc_err_msg());
        *(int64_t *)f->target = ns;
        return 0;
    }
    case FC_FLAG_STRLIST: {
        fc_strlist *l = f->target;
        const char *p = v;
        while (*p) {
            const char *c = strchr(p, ',');
            size_t n = c ? (size_t)(c - p) : strlen(p);
            char **nv = realloc(l->v, (l->n + 2) * sizeof *nv);
            if (!nv) return fc_err_set(FC_ENOMEM, "out of memory");
            l->v = nv;
            l->v[l->n] = strndup(p, n);
            l->n++;
            l->v[l->n] = NULL;
            if (!c) break;
            p = c + 1;
        }
        return 0;
    }
    }
    return fc_err_set(FC_EINVAL, "bad flag type");
}

static const fc_flag *find(const fc_flagset *fs, const char *name, size_t n)
{
    for (int t = 0; t < 2; t++)
        for (const fc_flag *f = t ? fs->common : fs->flags; f && f->name; f++)
            if (strlen(f->name) == n && memcmp(f->name, name, n) == 0) return f;
    return NULL;
}

static const char *type_name(fc_flag_type t)
{
    switch (t) {
    case FC_FLAG_STR: return "string";
    case FC_FLAG_INT: return "int";
    case FC_FLAG_FLOAT: return "float";
    case FC_FLAG_DURATION: return "duration";
    case FC_FLAG_STRLIST: return "strings";
    default: return "";
    }
}

void fc_flags_usage(const fc_flagset *fs, FILE *out)
{
    fprintf(out, "%s\n\nUsage:\n  %s [flags]\n\nFlags:\n", fs->summary ? fs->summary : fs->prog, fs->prog);
    size_t w = 0;
    for (int t = 0; t < 2; t++)
        for (const fc_flag *f = t ? fs->common : fs->flags; f && f->name; f++) {
            size_t l = strlen(f->name) + strlen(type_name(f->type)) + 1;
            if (l > w) w = l;
        }
    const fc_flag helpf = {"help", FC_FLAG_BOOL, NULL, NULL, "Print this help and exit.", NULL};
    const fc_flag verf = {"version", FC_FLAG_BOOL, NULL, NULL, "Print the version and exit.", NULL};
    for (int pass = 0; pass < 3; pass++) {
        const fc_flag *list = pass == 0 ? fs->flags : pass == 1 ? fs->common : NULL;
        const fc_flag *extra[] = {&helpf, &verf, NULL};
        if (pass == 1 && !list) continue;
        for (int i = 0;; i++) {
            const fc_flag *f = pass < 2 ? &list[i] : extra[i];
            if (!f || !f->name) break;
            /* a binary's own flag shadows a common flag of the same name */
            if (pass == 1 && find(&(fc_flagset){fs->prog, NULL, fs->flags, NULL}, f->name, strlen(f->name))) continue;
            char left[256];
            snprintf(left, sizeof left, "%s %s", f->name, type_name(f->type));
            fprintf(out, "      --%-*s   %s", (int)w, left, f->usage ? f->usage : "");
            if (f->def && *f->def && !(f->type == FC_FLAG_BOOL && !strcmp(f->def, "false")))
                fprintf(out, f->type == FC_FLAG_STR ? " (default \"%s\")" : " (default %s)", f->def);
            if (f->env) fprintf(out, " [$%s]", f->env);
            fputc('\n', out);
        }
    }
}

int fc_flags_parse(const fc_flagset *fs, int argc, char **argv, int *nargs, char ***args)
{
    char **pos = calloc((size_t)argc + 1, sizeof *pos);
    int np = 0;
    if (!pos) return 2;
    for (int t = 0; t < 2; t++)
    for (const fc_flag *f = t ? fs->common : fs->flags; f && f->name; f++) {
        if (f->type == FC_FLAG_STR) *(char **)f->target = strdup(f->def ? f->def : "");
        else if (f->type == FC_FLAG_STRLIST) memset(f->target, 0, sizeof(fc_strlist));
        else if (f->type == FC_FLAG_BOOL) *(bool *)f->target = false;
        else if (f->type == FC_FLAG_INT || f->type == FC_FLAG_DURATION) *(int64_t *)f->target = 0;
        else if (f->type == FC_FLAG_FLOAT) *(double *)f->target = 0;
        if (f->def && *f->def && set_value(f, f->def)) {
            fprintf(stderr, "%s: bad default for --%s: %s\n", fs->prog, f->name, fc_err_msg());
            free(pos);
            return 2;
        }
        const char *e = f->env ? getenv(f->env) : NULL;
        if (e && *e) {
            if (f->type == FC_FLAG_STRLIST) fc_strlist_dispose(f->target);
            if (set_value(f, e)) {
                fprintf(stderr, "%s: $%s: %s\n", fs->prog, f->env, fc_err_msg());
                free(pos);
                return 2;
            }
        }
    }
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--")) {
            while (++i < argc) pos[np++] = argv[i];
            break;
        }
        if (a[0] != '-' || !a[1]) {
            pos[np++] = argv[i];
            continue;
        }
        const char *name = a + (a[1] == '-' ? 2 : 1);
        const char *eq = strchr(name, '=');
        size_t nl = eq ? (size_t)(eq - name) : strlen(name);
        if ((nl == 4 && !strncmp(name, "help", 4)) || (nl == 1 && name[0] == 'h')) {
            fc_flags_usage(fs, stdout);
            free(pos);
            return 1;
        }
        if (nl == 7 && !strncmp(name, "version", 7)) {
            printf("%s %s\n", fs->prog, FC_VERSION);
            free(pos);
            return 1;
        }
        const fc_flag *f = find(fs, name, nl);
        if (!f) {
            fprintf(stderr, "%s: unknown flag: --%.*s (see --help)\n", fs->prog, (int)nl, name);
            free(pos);
            return 2;
        }
        const char *v;
        if (eq) v = eq + 1;
        else if (f->type == FC_FLAG_BOOL) v = "true";
        else if (i + 1 < argc) v = argv[++i];
        else {
            fprintf(stderr, "%s: flag needs an argument: --%s\n", fs->prog, f->name);
            free(pos);
            return 2;
        }
        if (set_value(f, v)) {
            fprintf(stderr, "%s: %s\n", fs->prog, fc_err_msg());
            free(pos);
            return 2;
        }
    }
    if (nargs) *nargs = np;
    if (args) *args = pos;
    else free(pos);
    return 0;
}

void fc_strlist_dispose(fc_strlist *l)
{
    for (size_t i = 0; i < l->n; i++) free(l->v[i]);
    free(l->v);
    l->v = NULL;
    l->n = 0;
}

void fc_flags_dispose(const fc_flagset *fs)
{
    for (int t = 0; t < 2; t++)
    for (const fc_flag *f = t ? fs->common : fs->flags; f && f->name; f++) {
        if (f->type == FC_FLAG_STR) {
            free(*(char **)f->target);
            *(char **)f->target = NULL;
        } else if (f->type == FC_FLAG_STRLIST) {
            fc_strlist_dispose(f->target);
        }
    }
}
