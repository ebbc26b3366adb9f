/*
 * helmtest.c: helpers for the Helm engine unit tests (see helmtest.h). The
 * case tables live in data/ so that the expected results, produced by the
 * reference implementation, stay separate from the harness.
 */
#include "helmtest.h"
#include "../testlib.h"
#include "../../../helm-controller/engine/helmtemplate.h"
#include "fc/err.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *unescape(const char *s, size_t n)
{
    char *o = malloc(n + 1);
    size_t j = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\\' && i + 1 < n) {
            char c = s[++i];
            o[j++] = c == 't' ? '\t' : c == 'n' ? '\n' : c;
        } else {
            o[j++] = s[i];
        }
    }
    o[j] = 0;
    return o;
}

size_t htt_read_cases(const char *file, ht_case **out)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", t_datadir(), file);
    FILE *f = fopen(path, "r");
    if (!f) t_fail(__FILE__, __LINE__, "cannot open %s", path);
    ht_case *v = NULL;
    size_t n = 0, cap = 0;
    char *line = NULL;
    size_t lcap = 0;
    ssize_t len;
    while ((len = getline(&line, &lcap, f)) >= 0) {
        while (len > 0 && line[len - 1] == '\n') line[--len] = 0;
        if (len == 0 || line[0] == '#') continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            v = realloc(v, cap * sizeof *v);
        }
        ht_case *c = &v[n++];
        memset(c, 0, sizeof *c);
        const char *p = line;
        for (;;) {
            const char *t = strchr(p, '\t');
            size_t l = t ? (size_t)(t - p) : strlen(p);
            if (c->n < 8) c->f[c->n++] = unescape(p, l);
            if (!t) break;
            p = t + 1;
        }
        for (int i = c->n; i < 8; i++) c->f[i] = unescape("", 0);
    }
    free(line);
    fclose(f);
    *out = v;
    return n;
}

void htt_free_cases(ht_case *c, size_t n)
{
    for (size_t i = 0; i < n; i++)
        for (int k = 0; k < 8; k++) free(c[i].f[k]);
    free(c);
}

bool htt_eval(const char *name, const char *text, const char *data_json, bool strict, char **out)
{
    json_object *dot = NULL;
    if (data_json && *data_json) {
        dot = json_tokener_parse(data_json);
        if (!dot && strcmp(data_json, "null") != 0) t_fail(__FILE__, __LINE__, "bad JSON data for %s", name);
    }
    ht_eval_opts o = {0};
    o.strict = strict;
    char *res = NULL;
    int rc = ht_template_eval(name, text, strlen(text), dot, &o, &res);
    json_object_put(dot);
    if (rc) {
        *out = strdup(ht_last_error());
        return false;
    }
    *out = res;
    return true;
}

const char *htt_show(const char *s)
{
    static char buf[4096];
    size_t j = 0;
    buf[j++] = '"';
    for (; s && *s && j < sizeof buf - 8; s++) {
        if (*s == '\n') buf[j++] = '\\', buf[j++] = 'n';
        else if (*s == '\t') buf[j++] = '\\', buf[j++] = 't';
        else buf[j++] = *s;
    }
    buf[j++] = '"';
    buf[j] = 0;
    return buf;
}
