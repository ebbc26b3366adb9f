/*
 * template_cli.c: `helm-controller template NAME CHART [flags]`, the
 * offline twin of `helm template`: same flags, same value-merging order
 * (every -f file, then --set-json, --set, --set-string, --set-file,
 * --set-literal, whatever order they were given in), same stdout, and on
 * failure nothing on stdout, "Error: ..." on stderr and exit status 1.
 *
 * Flags are parsed here rather than with fc/flags.h because Helm's need
 * pflag features that table does not have: short aliases (-n, -f, -a, -s),
 * StringArray flags that must not split on commas (--set a={x,y}) next to
 * StringSlice flags that do (-f a.yaml,b.yaml).
 */
#include "helmtemplate.h"
#include "fc/buf.h"
#include "fc/err.h"
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef enum { F_BOOL, F_STR, F_SLICE, F_ARRAY } ftype;

typedef struct {
    const char *name;
    char short_name;
    ftype type;
    const char *usage;
} fdef;

enum {
    O_NAMESPACE, O_VALUES, O_SET, O_SET_STRING, O_SET_JSON, O_SET_LITERAL, O_SET_FILE, O_INCLUDE_CRDS, O_KUBE_VERSION,
    O_API_VERSIONS, O_IS_UPGRADE, O_SKIP_TESTS, O_SKIP_SCHEMA, O_NO_HOOKS, O_SUB_NOTES, O_ENABLE_DNS, O_SHOW_ONLY,
    O_HELP, O_COUNT
};

static const fdef fdefs[O_COUNT] = {
    [O_NAMESPACE] = {"namespace", 'n', F_STR, "namespace scope for this request"},
    [O_VALUES] = {"values", 'f', F_SLICE, "specify values in a YAML file (can specify multiple)"},
    [O_SET] = {"set", 0, F_ARRAY, "set values on the command line (key1=val1,key2=val2)"},
    [O_SET_STRING] = {"set-string", 0, F_ARRAY, "set STRING values on the command line"},
    [O_SET_JSON] = {"set-json", 0, F_ARRAY, "set JSON values on the command line"},
    [O_SET_LITERAL] = {"set-literal", 0, F_ARRAY, "set a literal STRING value on the command line"},
    [O_SET_FILE] = {"set-file", 0, F_ARRAY, "set values from files (key=path)"},
    [O_INCLUDE_CRDS] = {"include-crds", 0, F_BOOL, "include CRDs in the templated output"},
    [O_KUBE_VERSION] = {"kube-version", 0, F_STR, "Kubernetes version used for Capabilities.KubeVersion"},
    [O_API_VERSIONS] = {"api-versions", 'a', F_SLICE, "Kubernetes api versions used for Capabilities.APIVersions"},
    [O_IS_UPGRADE] = {"is-upgrade", 0, F_BOOL, "set .Release.IsUpgrade instead of .Release.IsInstall"},
    [O_SKIP_TESTS] = {"skip-tests", 0, F_BOOL, "skip tests from templated output"},
    [O_SKIP_SCHEMA] = {"skip-schema-validation", 0, F_BOOL, "disable JSON schema validation"},
    [O_NO_HOOKS] = {"no-hooks", 0, F_BOOL, "do not print hooks"},
    [O_SUB_NOTES] = {"render-subchart-notes", 0, F_BOOL, "render subchart notes along with the parent"},
    [O_ENABLE_DNS] = {"enable-dns", 0, F_BOOL, "enable DNS lookups when rendering templates"},
    [O_SHOW_ONLY] = {"show-only", 's', F_ARRAY, "only show manifests rendered from the given templates"},
    [O_HELP] = {"help", 'h', F_BOOL, "help for template"},
};

typedef struct {
    bool set;
    bool b;
    char *s;
    char **list;
    size_t n;
} fval;

static void usage(FILE *out)
{
    fprintf(out, "Render chart templates locally and display the output, like `helm template`.\n\n"
                 "Usage:\n  helm-controller template [NAME] [CHART] [flags]\n\nFlags:\n");
    for (int i = 0; i < O_COUNT; i++) {
        char left[64];
        if (fdefs[i].short_name) snprintf(left, sizeof left, "-%c, --%s", fdefs[i].short_name, fdefs[i].name);
        else snprintf(left, sizeof left, "    --%s", fdefs[i].name);
        fprintf(out, "  %-32s %s\n", left, fdefs[i].usage);
    }
}

static void list_add(fval *v, const char *s, size_t n)
{
    char **nl = realloc(v->list, (v->n + 1) * sizeof *nl);
    if (!nl) return;
    v->list = nl;
    v->list[v->n++] = strndup(s, n);
}

static int set_value(fval *v, const fdef *d, const char *val)
{
    v->set = true;
    switch (d->type) {
    case F_BOOL:
        if (!val || strcmp(val, "true") == 0 || strcmp(val, "1") == 0 || strcmp(val, "t") == 0 || strcmp(val, "T") == 0 ||
            strcmp(val, "TRUE") == 0 || strcmp(val, "True") == 0)
            v->b = true;
        else if (strcmp(val, "false") == 0 || strcmp(val, "0") == 0 || strcmp(val, "f") == 0 || strcmp(val, "F") == 0 ||
                 strcmp(val, "FALSE") == 0 || strcmp(val, "False") == 0)
            v->b = false;
        else {
            fprintf(stderr, "Error: invalid argument \"%s\" for \"--%s\" flag: strconv.ParseBool: parsing \"%s\": invalid syntax\n", val, d->name, val);
            return -1;
        }
        return 0;
    case F_STR:
        free(v->s);
        v->s = strdup(val);
        return 0;
    case F_ARRAY: list_add(v, val, strlen(val)); return 0;
    case F_SLICE: {
        /* pflag StringSlice: CSV fields */
        const char *p = val;
        for (;;) {
            const char *c = strchr(p, ',');
            list_add(v, p, c ? (size_t)(c - p) : strlen(p));
            if (!c) break;
            p = c + 1;
        }
        return 0;
    }
    }
    return 0;
}

static int parse_args(int argc, char **argv, fval *vals, char ***pos, int *npos)
{
    *pos = calloc((size_t)argc + 1, sizeof **pos);
    *npos = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--") == 0) {
            for (i++; i < argc; i++) (*pos)[(*npos)++] = argv[i];
            break;
        }
        if (a[0] != '-' || !a[1]) {
            (*pos)[(*npos)++] = argv[i];
            continue;
        }
        const fdef *d = NULL;
        int idx = -1;
        const char *val = NULL;
        if (a[1] == '-') {
            const char *name = a + 2;
            const char *eq = strchr(name, '=');
            size_t nl = eq ? (size_t)(eq - name) : strlen(name);
            for (int k = 0; k < O_COUNT; k++)
                if (strlen(fdefs[k].name) == nl && strncmp(fdefs[k].name, name, nl) == 0) idx = k;
            if (idx < 0) {
                fprintf(stderr, "Error: unknown flag: --%.*s\n", (int)nl, name);
                return -1;
            }
            if (eq) val = eq + 1;
        } else {
            for (int k = 0; k < O_COUNT; k++)
                if (fdefs[k].short_name == a[1]) idx = k;
            if (idx < 0) {
                fprintf(stderr, "Error: unknown shorthand flag: '%c' in %s\n", a[1], a);
                return -1;
            }
            if (a[2] == '=') val = a + 3;
            else if (a[2]) val = a + 2;
        }
        d = &fdefs[idx];
        if (!val && d->type != F_BOOL) {
            if (i + 1 >= argc) {
                fprintf(stderr, "Error: flag needs an argument: --%s\n", d->name);
                return -1;
            }
            val = argv[++i];
        }
        if (set_value(&vals[idx], d, val)) return -1;
    }
    return 0;
}

static int read_file(const char *path, fc_buf *b)
{
    fc_buf_init(b, (size_t)64 << 20);
    if (strcmp(path, "-") == 0) {
        char tmp[65536];
        size_t n;
        while ((n = fread(tmp, 1, sizeof tmp, stdin)) > 0)
            if (fc_buf_put(b, tmp, n)) return -1;
        return 0;
    }
    return fc_buf_read_file(b, path);
}

/* --set-file key=path: the value is the file's content, taken verbatim */
static int add_set_file(ht_values *v, const char *expr)
{
    const char *eq = strchr(expr, '=');
    if (!eq) return fc_err_set(FC_EINVAL, "failed parsing --set-file data: key \"%s\" has no value", expr);
    fc_buf b;
    char path[4096];
    snprintf(path, sizeof path, "%s", eq + 1);
    if (read_file(path, &b)) {
        fc_buf_dispose(&b);
        return fc_err_set(FC_EIO, "failed parsing --set-file data: open %s: no such file or directory", path);
    }
    fc_buf lit;
    fc_buf_init(&lit, 0);
    fc_buf_put(&lit, expr, (size_t)(eq - expr) + 1);
    fc_buf_put(&lit, b.ptr ? b.ptr : "", b.len);
    int rc = ht_values_add_set(v, HT_VALUES_SET_LITERAL, lit.ptr ? lit.ptr : "");
    fc_buf_dispose(&lit);
    fc_buf_dispose(&b);
    return rc;
}

int ht_template_cli(int argc, char **argv)
{
    fval vals[O_COUNT];
    memset(vals, 0, sizeof vals);
    char **pos = NULL;
    int npos = 0, rc = 1;
    ht_chart *chart = NULL;
    ht_values *values = NULL;
    ht_release *rel = NULL;
    char *out = NULL;
    if (parse_args(argc, argv, vals, &pos, &npos)) goto done;
    if (vals[O_HELP].b) {
        usage(stdout);
        rc = 0;
        goto done;
    }
    const char *name, *chart_path;
    if (npos == 2) {
        name = pos[0];
        chart_path = pos[1];
    } else if (npos == 1) {
        name = "release-name";
        chart_path = pos[0];
    } else if (npos > 2) {
        fprintf(stderr, "Error: expected at most two arguments, unexpected arguments: ");
        for (int i = 2; i < npos; i++) fprintf(stderr, "%s%s", i > 2 ? ", " : "", pos[i]);
        fprintf(stderr, "\n");
        goto done;
    } else {
        fprintf(stderr, "Error: \"helm-controller template\" requires at least 1 argument\n\nUsage:  helm-controller template [NAME] [CHART] [flags]\n");
        goto done;
    }
    values = ht_values_new();
    /* Helm's order: -f, --set-json, --set, --set-string, --set-file, --set-literal */
    for (size_t i = 0; i < vals[O_VALUES].n; i++) {
        fc_buf b;
        const char *fp = vals[O_VALUES].list[i];
        if (read_file(fp, &b)) {
            fc_buf_dispose(&b);
            fprintf(stderr, "Error: open %s: no such file or directory\n", fp);
            goto done;
        }
        if (ht_values_add_yaml(values, b.ptr ? b.ptr : "", b.len, fp)) {
            fc_buf_dispose(&b);
            fprintf(stderr, "Error: %s\n", fc_err_msg());
            goto done;
        }
        fc_buf_dispose(&b);
    }
    for (size_t i = 0; i < vals[O_SET_JSON].n; i++) ht_values_add_set(values, HT_VALUES_SET_JSON, vals[O_SET_JSON].list[i]);
    for (size_t i = 0; i < vals[O_SET].n; i++) ht_values_add_set(values, HT_VALUES_SET, vals[O_SET].list[i]);
    for (size_t i = 0; i < vals[O_SET_STRING].n; i++) ht_values_add_set(values, HT_VALUES_SET_STRING, vals[O_SET_STRING].list[i]);
    for (size_t i = 0; i < vals[O_SET_FILE].n; i++)
        if (add_set_file(values, vals[O_SET_FILE].list[i])) {
            fprintf(stderr, "Error: %s\n", fc_err_msg());
            goto done;
        }
    for (size_t i = 0; i < vals[O_SET_LITERAL].n; i++) ht_values_add_set(values, HT_VALUES_SET_LITERAL, vals[O_SET_LITERAL].list[i]);
    if (ht_chart_load(chart_path, NULL, &chart)) {
        fprintf(stderr, "Error: %s\n", fc_err_msg());
        goto done;
    }
    if (ht_chart_check_installable(chart)) {
        fprintf(stderr, "Error: %s\n", fc_err_msg());
        goto done;
    }
    ht_render_opts opts = {0};
    opts.release_name = name;
    opts.namespace_ = vals[O_NAMESPACE].s && *vals[O_NAMESPACE].s ? vals[O_NAMESPACE].s : "default";
    opts.revision = 1;
    opts.is_upgrade = vals[O_IS_UPGRADE].b;
    opts.kube_version = vals[O_KUBE_VERSION].s;
    opts.api_versions = (const char *const *)vals[O_API_VERSIONS].list;
    opts.n_api_versions = vals[O_API_VERSIONS].n;
    opts.skip_schema_validation = vals[O_SKIP_SCHEMA].b;
    opts.skip_values = true; /* `helm template` does not print them */
    opts.sub_notes = vals[O_SUB_NOTES].b;
    opts.enable_dns = vals[O_ENABLE_DNS].b;
    if (ht_render(chart, values, &opts, &rel)) {
        const fc_error *e = fc_err_last();
        fprintf(stderr, "Error: %s%s\n", ht_last_error(), e->code == FC_EINVALID ? "\n\nUse --debug flag to render out invalid YAML" : "");
        goto done;
    }
    size_t len = 0;
    if (vals[O_NO_HOOKS].b) {
        /* hooks are not printed */
        ht_release tmp = *rel;
        tmp.nhooks = 0;
        out = ht_release_template_output(&tmp, vals[O_INCLUDE_CRDS].b, vals[O_SKIP_TESTS].b, &len);
    } else {
        out = ht_release_template_output(rel, vals[O_INCLUDE_CRDS].b, vals[O_SKIP_TESTS].b, &len);
    }
    if (fwrite(out, 1, len, stdout) != len || fflush(stdout) != 0) {
        fprintf(stderr, "Error: write error\n");
        goto done;
    }
    rc = 0;
done:
    free(out);
    ht_release_free(rel);
    ht_chart_free(chart);
    ht_values_free(values);
    for (int i = 0; i < O_COUNT; i++) {
        free(vals[i].s);
        for (size_t k = 0; k < vals[i].n; k++) free(vals[i].list[k]);
        free(vals[i].list);
    }
    free(pos);
    return rc;
}
