/*
 * test_engine_api.c: the engine's public API (helmtemplate.h) as the
 * helm-controller will use it: loading charts from directories and archives
 * (with their size and path checks), merging user values, rendering into
 * manifests / hooks / NOTES / CRDs, Helm's error texts, and the bounds that
 * keep a hostile chart from running away (template recursion, include and
 * tpl loops, output size, memory). Charts are written to a temporary
 * directory by each test.
 */
#include "../testlib.h"
#include "../../../helm-controller/engine/helmtemplate.h"
#include "fc/err.h"
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ------------------------------------------------------------- helpers */

static char tmproot[256];

static const char *tmpdir(void)
{
    if (!tmproot[0]) {
        snprintf(tmproot, sizeof tmproot, "/tmp/ht-api-XXXXXX");
        if (!mkdtemp(tmproot)) t_fail(__FILE__, __LINE__, "mkdtemp: %s", strerror(errno));
    }
    return tmproot;
}

static void mkdirs(const char *path)
{
    char buf[1024];
    snprintf(buf, sizeof buf, "%s", path);
    for (char *p = buf + 1; *p; p++) {
        if (*p == '/') {
            *p = 0;
            mkdir(buf, 0755);
            *p = '/';
        }
    }
    mkdir(buf, 0755);
}

/* write files given as "path", "content", ..., NULL under dir */
static void write_files(const char *dir, ...)
{
    va_list ap;
    va_start(ap, dir);
    for (;;) {
        const char *name = va_arg(ap, const char *);
        if (!name) break;
        const char *content = va_arg(ap, const char *);
        char path[1024];
        snprintf(path, sizeof path, "%s/%s", dir, name);
        char *slash = strrchr(path, '/');
        *slash = 0;
        mkdirs(path);
        *slash = '/';
        FILE *f = fopen(path, "w");
        if (!f) t_fail(__FILE__, __LINE__, "create %s: %s", path, strerror(errno));
        fputs(content, f);
        fclose(f);
    }
    va_end(ap);
}

static const char *chart_dir(const char *name)
{
    static char buf[512];
    snprintf(buf, sizeof buf, "%s/%s", tmpdir(), name);
    return buf;
}

static ht_chart *load_ok(const char *dir)
{
    ht_chart *c = NULL;
    if (ht_chart_load(dir, NULL, &c)) t_fail(__FILE__, __LINE__, "load %s: %s", dir, fc_err_msg());
    return c;
}

/* render with default options; returns rc, *rel on success */
static int render(const char *dir, ht_values *v, const ht_render_opts *o, ht_release **rel)
{
    ht_chart *c = load_ok(dir);
    int rc = ht_render(c, v, o, rel);
    ht_chart_free(c);
    return rc;
}

static const char *one_template_error(const char *tmpl, const ht_render_opts *o)
{
    const char *d = chart_dir("err");
    write_files(d, "Chart.yaml", "apiVersion: v2\nname: c\nversion: 0.1.0\n", "templates/t.yaml", tmpl, NULL);
    ht_release *rel = NULL;
    int rc = render(d, NULL, o, &rel);
    if (rc == 0) {
        ht_release_free(rel);
        t_fail(__FILE__, __LINE__, "template rendered but should fail: %s", tmpl);
    }
    static char *last;
    free(last);
    last = strdup(ht_last_error());
    return last;
}

static const char *CHART_YAML = "apiVersion: v2\nname: app\nversion: 1.0.0\n";

/* ------------------------------------------------------------- rendering */

TEST(render_sorts_manifests_separates_hooks_notes_crds)
{
    const char *d = chart_dir("full");
    write_files(d, "Chart.yaml", CHART_YAML, "values.yaml", "replicas: 2\n",
                "templates/deploy.yaml", "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: {{ .Values.replicas }}\n",
                "templates/svc.yaml", "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cfg\n",
                "templates/ns.yaml", "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: team\n",
                "templates/hook-pre.yaml",
                "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: migrate\n  annotations:\n    helm.sh/hook: pre-install,pre-upgrade\n    helm.sh/hook-weight: \"-5\"\n    helm.sh/hook-delete-policy: before-hook-creation,hook-succeeded\n",
                "templates/tests/t.yaml",
                "apiVersion: v1\nkind: Pod\nmetadata:\n  name: smoke\n  annotations:\n    helm.sh/hook: test\n",
                "templates/NOTES.txt", "Installed {{ .Release.Name }}.",
                "templates/_helpers.tpl", "{{ define \"x\" }}unused{{ end }}",
                "crds/widget.yaml", "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: widgets.example.com\n",
                "charts/sub/Chart.yaml", "apiVersion: v2\nname: sub\nversion: 0.1.0\n",
                "charts/sub/templates/NOTES.txt", "sub notes",
                "charts/sub/templates/cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: sub\n", NULL);
    ht_render_opts o = {0};
    o.release_name = "rel";
    o.namespace_ = "apps";
    ht_release *rel = NULL;
    CHECK_INT(render(d, NULL, &o, &rel), 0);
    CHECK_INT(rel->nmanifests, 5);
    /* Helm's install order: Namespace, ConfigMaps, Service, Deployment; a
     * stable sort by kind, so equal kinds keep the rendering order */
    CHECK_STR(rel->manifests[0].kind, "Namespace");
    CHECK_STR(rel->manifests[1].kind, "ConfigMap");
    CHECK_STR(rel->manifests[1].path, "app/charts/sub/templates/cm.yaml");
    CHECK_STR(rel->manifests[2].kind, "ConfigMap");
    CHECK_STR(rel->manifests[2].name, "cfg");
    CHECK_STR(rel->manifests[3].kind, "Service");
    CHECK_STR(rel->manifests[4].kind, "Deployment");
    CHECK_CONTAINS(rel->manifests[4].content, "replicas: 2");
    CHECK_INT(rel->nhooks, 2);
    const ht_hook *job = strcmp(rel->hooks[0].kind, "Job") == 0 ? &rel->hooks[0] : &rel->hooks[1];
    const ht_hook *pod = job == &rel->hooks[0] ? &rel->hooks[1] : &rel->hooks[0];
    CHECK_STR(job->name, "migrate");
    CHECK_INT(job->weight, -5);
    CHECK_INT(job->nevents, 2);
    CHECK_STR(job->events[0], "pre-install");
    CHECK_STR(job->events[1], "pre-upgrade");
    CHECK_INT(job->ndelete_policies, 2);
    CHECK_STR(job->delete_policies[1], "hook-succeeded");
    CHECK_STR(pod->events[0], "test");
    CHECK_STR(rel->notes, "Installed rel.");
    CHECK_INT(rel->ncrds, 1);
    CHECK_STR(rel->crds[0].filename, "app/crds/widget.yaml");
    CHECK(strncmp(rel->manifest, "---\n# Source: app/templates/ns.yaml\n", 36) == 0);
    size_t len = 0;
    char *out = ht_release_template_output(rel, true, true, &len);
    CHECK_CONTAINS(out, "# Source: app/crds/widget.yaml");
    CHECK(strstr(out, "name: smoke") == NULL); /* --skip-tests */
    CHECK_CONTAINS(out, "name: migrate");
    CHECK_INT(len, strlen(out));
    free(out);
    ht_release_free(rel);

    o.sub_notes = true;
    CHECK_INT(render(d, NULL, &o, &rel), 0);
    CHECK_CONTAINS(rel->notes, "sub notes");
    CHECK_CONTAINS(rel->notes, "Installed rel.");
    ht_release_free(rel);
}

TEST(render_release_and_capabilities_options)
{
    const char *d = chart_dir("opts");
    write_files(d, "Chart.yaml", CHART_YAML, "templates/cm.yaml",
                "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n  r: \"{{ .Release.Name }}/{{ .Release.Namespace }}/{{ .Release.Revision }}/{{ .Release.IsUpgrade }}\"\n  k: \"{{ .Capabilities.KubeVersion }}\"\n  a: \"{{ .Capabilities.APIVersions.Has \"x.io/v1\" }}\"\n",
                NULL);
    const char *apis[] = {"x.io/v1"};
    ht_render_opts o = {0};
    o.release_name = "r1";
    o.namespace_ = "ns1";
    o.revision = 4;
    o.is_upgrade = true;
    o.kube_version = "1.29.3";
    o.api_versions = apis;
    o.n_api_versions = 1;
    ht_release *rel = NULL;
    CHECK_INT(render(d, NULL, &o, &rel), 0);
    CHECK_CONTAINS(rel->manifests[0].content, "r: \"r1/ns1/4/true\"");
    CHECK_CONTAINS(rel->manifests[0].content, "k: \"v1.29.3\"");
    CHECK_CONTAINS(rel->manifests[0].content, "a: \"true\"");
    ht_release_free(rel);
    /* the defaults: Helm 4.3's client-go version */
    CHECK_INT(render(d, NULL, NULL, &rel), 0);
    CHECK_CONTAINS(rel->manifests[0].content, "r: \"release-name/default/1/false\"");
    CHECK_CONTAINS(rel->manifests[0].content, "k: \"" HT_DEFAULT_KUBE_VERSION "\"");
    ht_release_free(rel);
}

TEST(values_merge_in_helm_order)
{
    ht_values *v = ht_values_new();
    const char *f1 = "a: 1\nlist: [1, 2]\nm: {x: 1, w: 2}\n---\nb: two\n";
    CHECK_INT(ht_values_add_yaml(v, f1, strlen(f1), "f1.yaml"), 0);
    json_object *j = json_tokener_parse("{\"m\": {\"w\": 3, \"z\": null}, \"c\": true}");
    CHECK_INT(ht_values_add_json(v, j), 0);
    json_object_put(j);
    CHECK_INT(ht_values_add_set(v, HT_VALUES_SET, "a=5,list[3]=x,n.deep=null,s=007"), 0);
    CHECK_INT(ht_values_add_set(v, HT_VALUES_SET_STRING, "str=true"), 0);
    CHECK_INT(ht_values_add_set(v, HT_VALUES_SET_JSON, "js={\"k\":[1,{\"l\":2}]}"), 0);
    CHECK_INT(ht_values_add_set(v, HT_VALUES_SET_LITERAL, "lit=a,b=c"), 0);
    json_object *out = NULL;
    CHECK_INT(ht_values_merged(v, &out), 0);
    CHECK_STR(json_object_to_json_string_ext(out, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE),
              "{\"a\":5,\"b\":\"two\",\"c\":true,\"js\":{\"k\":[1,{\"l\":2}]},\"list\":[1,2,null,\"x\"],\"lit\":\"a,b=c\","
              "\"m\":{\"w\":3,\"x\":1,\"z\":null},\"n\":{\"deep\":null},\"s\":\"007\",\"str\":\"true\"}");
    json_object_put(out);
    ht_values_free(v);
}

TEST(values_errors_have_helm_text)
{
    ht_values *v = ht_values_new();
    CHECK_INT(ht_values_add_set(v, HT_VALUES_SET, "a.b"), 0);
    json_object *out = NULL;
    CHECK(ht_values_merged(v, &out) != 0);
    CHECK_STR(ht_last_error(), "failed parsing --set data: key \"b\" has no value");
    ht_values_free(v);

    v = ht_values_new();
    CHECK_INT(ht_values_add_set(v, HT_VALUES_SET, "list[99999999]=x"), 0);
    CHECK(ht_values_merged(v, &out) != 0);
    CHECK_CONTAINS(ht_last_error(), "index of 99999999 is greater than maximum supported index of 65536");
    ht_values_free(v);

    v = ht_values_new();
    const char *bad = "a: [1\n";
    CHECK_INT(ht_values_add_yaml(v, bad, strlen(bad), "bad.yaml"), 0);
    CHECK(ht_values_merged(v, &out) != 0);
    CHECK_STR(ht_last_error(),
              "failed to parse bad.yaml: cannot unmarshal yaml document: error converting YAML to JSON: yaml: line 1: did not find expected ',' or ']'");
    ht_values_free(v);
}

TEST(render_errors_in_helm_format)
{
    CHECK_STR(one_template_error("x: {{ required \"x is required\" .Values.x }}", NULL),
              "execution error at (c/templates/t.yaml:1:6): x is required");
    CHECK_STR(one_template_error("{{ fail \"stop here\" }}", NULL), "execution error at (c/templates/t.yaml:1:3): stop here");
    /* Helm rewrites text/template's execution errors into this layout */
    CHECK_STR(one_template_error("{{ .Values.a.b.c }}", NULL),
              "c/templates/t.yaml:1:10\n  executing \"c/templates/t.yaml\" at <.Values.a.b.c>:\n    nil pointer evaluating interface {}.b");
    CHECK_STR(one_template_error("{{ if }}", NULL), "parse error at (c/templates/t.yaml:1): missing value for if");
    CHECK_STR(one_template_error("a: b: c", NULL),
              "YAML parse error on c/templates/t.yaml: error converting YAML to JSON: yaml: mapping values are not allowed in this context");
}

TEST(manifest_head_null_annotation_after_name)
{
    /* found by fuzz_helm_chart: a null annotation value after metadata.name
     * freed the name a second time */
    const char *d = chart_dir("nullann");
    write_files(d, "Chart.yaml", CHART_YAML, "templates/cm.yaml",
                "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n  annotations:\n    a: null\n    b: 1\n", NULL);
    ht_release *rel = NULL;
    CHECK_INT(render(d, NULL, NULL, &rel), 0);
    CHECK_STR(rel->manifests[0].name, "x");
    ht_release_free(rel);
}

/* ------------------------------------------------------------- bounds */

TEST(bound_template_recursion_depth)
{
    /* Go's text/template limit, with Go's message */
    const char *e = one_template_error("{{ define \"r\" }}{{ template \"r\" . }}{{ end }}{{ template \"r\" . }}", NULL);
    CHECK_CONTAINS(e, "exceeded maximum template depth (100000)");
}

TEST(bound_include_loop)
{
    /* Helm's include guard: 1000 nested includes of one name */
    const char *e = one_template_error("{{ define \"a\" }}{{ include \"b\" . }}{{ end }}{{ define \"b\" }}{{ include \"a\" . }}{{ end }}{{ include \"a\" . }}",
                                       NULL);
    CHECK_CONTAINS(e, "rendering template has a nested reference name: a: unable to execute template");
}

TEST(bound_tpl_self_reference)
{
    /* Helm has no limit here (Go's stack overflows); we stop at 1000 levels */
    const char *e = one_template_error("{{ define \"r\" }}{{ tpl \"{{ template \\\"r\\\" . }}\" . }}{{ end }}{{ template \"r\" . }}", NULL);
    CHECK_CONTAINS(e, "tpl: nested more than 1000 levels deep");
}

TEST(bound_output_size)
{
    ht_render_opts o = {0};
    o.max_output_bytes = 1 << 20;
    const char *e = one_template_error("{{ range until 2000000 }}xxxxxxxx{{ end }}", &o);
    CHECK_CONTAINS(e, "exceeds the size limit of 1048576 bytes");
    e = one_template_error("{{ repeat 3000000 \"x\" | quote }}", &o);
    CHECK_CONTAINS(e, "exceeds the size limit of 1048576 bytes");
}

TEST(bound_memory)
{
    ht_render_opts o = {0};
    o.max_memory_bytes = 32 << 20;
    const char *e = one_template_error("{{ $l := list }}{{ range until 10000000 }}{{ $l = append $l . }}{{ end }}", &o);
    CHECK_CONTAINS(e, "rendering exceeded the memory limit of 33554432 bytes");
}

TEST(bound_deep_values_nesting)
{
    /* values nesting is bounded by the YAML parser's depth limit */
    ht_values *v = ht_values_new();
    size_t n = 5000;
    char *y = malloc(n * 2 + 8);
    for (size_t i = 0; i < n; i++) y[i] = '[';
    for (size_t i = 0; i < n; i++) y[n + i] = ']';
    memcpy(y + 2 * n, "\n", 2);
    char *doc = malloc(2 * n + 16);
    snprintf(doc, 2 * n + 16, "a: %s", y);
    CHECK_INT(ht_values_add_yaml(v, doc, strlen(doc), "deep.yaml"), 0);
    json_object *out = NULL;
    CHECK(ht_values_merged(v, &out) != 0);
    CHECK_CONTAINS(ht_last_error(), "deep.yaml");
    free(y);
    free(doc);
    ht_values_free(v);
}

/* ------------------------------------------------------------- loading */

static void *make_tgz(const char *const *names, const char *const *contents, size_t n, size_t *len)
{
    size_t cap = 1 << 20;
    void *buf = malloc(cap);
    struct archive *a = archive_write_new();
    archive_write_add_filter_gzip(a);
    archive_write_set_format_pax_restricted(a);
    archive_write_open_memory(a, buf, cap, len);
    for (size_t i = 0; i < n; i++) {
        struct archive_entry *e = archive_entry_new();
        archive_entry_set_pathname(e, names[i]);
        archive_entry_set_size(e, (la_int64_t)strlen(contents[i]));
        archive_entry_set_filetype(e, AE_IFREG);
        archive_entry_set_perm(e, 0644);
        archive_write_header(a, e);
        archive_write_data(a, contents[i], strlen(contents[i]));
        archive_entry_free(e);
    }
    archive_write_close(a);
    archive_write_free(a);
    return buf;
}

static int load_tgz(const char *const *names, const char *const *contents, size_t n, const ht_load_limits *lim)
{
    size_t len = 0;
    void *tgz = make_tgz(names, contents, n, &len);
    ht_chart *c = NULL;
    int rc = ht_chart_load_archive(tgz, len, lim, &c);
    free(tgz);
    ht_chart_free(c);
    return rc;
}

TEST(archive_loads_and_renders)
{
    const char *names[] = {"app/Chart.yaml", "app/values.yaml", "app/templates/cm.yaml"};
    const char *contents[] = {CHART_YAML, "x: 1\n", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c{{ .Values.x }}\n"};
    size_t len = 0;
    void *tgz = make_tgz(names, contents, 3, &len);
    ht_chart *c = NULL;
    CHECK_INT(ht_chart_load_archive(tgz, len, NULL, &c), 0);
    free(tgz);
    CHECK_STR(ht_chart_name(c), "app");
    CHECK_STR(ht_chart_version(c), "1.0.0");
    ht_release *rel = NULL;
    CHECK_INT(ht_render(c, NULL, NULL, &rel), 0);
    CHECK_STR(rel->manifests[0].name, "c1");
    ht_release_free(rel);
    ht_chart_free(c);
}

TEST(archive_path_checks)
{
    const char *ok[] = {CHART_YAML, "x"};
    const char *n1[] = {"app/Chart.yaml", "app/../../etc/passwd"};
    CHECK(load_tgz(n1, ok, 2, NULL) != 0);
    CHECK_CONTAINS(fc_err_msg(), "chart illegally");
    /* like Helm, the first path element is the chart's directory whatever
     * it is called: "app//etc/passwd" is the absolute path /etc/passwd */
    const char *n2[] = {"app/Chart.yaml", "app//etc/passwd"};
    CHECK(load_tgz(n2, ok, 2, NULL) != 0);
    CHECK_STR(fc_err_msg(), "chart illegally contains absolute paths");
    const char *n3[] = {"Chart.yaml"};
    CHECK(load_tgz(n3, ok, 1, NULL) != 0);
    CHECK_STR(fc_err_msg(), "chart yaml not in base directory");
}

TEST(archive_size_limits)
{
    char *big = malloc(300001);
    memset(big, 'a', 300000);
    big[300000] = 0;
    const char *names[] = {"app/Chart.yaml", "app/files/big.txt"};
    const char *contents[] = {CHART_YAML, big};
    ht_load_limits lim = {0};
    lim.max_file_bytes = 100000;
    CHECK(load_tgz(names, contents, 2, &lim) != 0);
    CHECK_INT(fc_err_last()->code, FC_ETOOBIG);
    lim.max_file_bytes = 0;
    lim.max_total_bytes = 200000;
    CHECK(load_tgz(names, contents, 2, &lim) != 0);
    CHECK_CONTAINS(fc_err_msg(), "larger than the maximum size 200000");
    lim.max_total_bytes = 0;
    lim.max_archive_bytes = 100;
    CHECK(load_tgz(names, contents, 2, &lim) != 0);
    CHECK_CONTAINS(fc_err_msg(), "exceeds the limit of 100 bytes");
    free(big);
    CHECK(ht_chart_load_archive("not gzip at all", 15, NULL, &(ht_chart *){NULL}) != 0);
}

TEST(directory_symlink_outside_refused)
{
    const char *d = chart_dir("symlink");
    write_files(d, "Chart.yaml", CHART_YAML, "templates/cm.yaml", "x: 1\n", NULL);
    char link[600];
    snprintf(link, sizeof link, "%s/templates/passwd.yaml", d);
    unlink(link);
    CHECK_INT(symlink("/etc/passwd", link), 0);
    ht_chart *c = NULL;
    CHECK(ht_chart_load(d, NULL, &c) != 0);
    CHECK_CONTAINS(fc_err_msg(), "points outside the chart directory");
    unlink(link);
}

TEST(installable_checks)
{
    const char *d = chart_dir("lib");
    write_files(d, "Chart.yaml", "apiVersion: v2\nname: lib\nversion: 1.0.0\ntype: library\n", NULL);
    ht_chart *c = load_ok(d);
    CHECK(ht_chart_check_installable(c) != 0);
    CHECK_STR(fc_err_msg(), "library charts are not installable");
    ht_chart_free(c);
    d = chart_dir("deps");
    write_files(d, "Chart.yaml", "apiVersion: v2\nname: app\nversion: 1.0.0\ndependencies:\n  - name: redis\n    version: 1.x\n", NULL);
    c = load_ok(d);
    CHECK(ht_chart_check_installable(c) != 0);
    CHECK_CONTAINS(fc_err_msg(), "redis");
    ht_chart_free(c);
}

/* ------------------------------------------------------------- documented deviations */

TEST(deviation_complex_constants_refused)
{
    char *out = NULL;
    CHECK(ht_template_eval("t", "{{ 1i }}", 8, NULL, NULL, &out) != 0);
    CHECK_STR(ht_last_error(), "template: t:1: complex constants are not supported: 1i");
}

TEST(get_host_by_name_without_dns_is_empty)
{
    char *out = NULL;
    const char *t = "[{{ getHostByName \"localhost\" }}]";
    CHECK_INT(ht_template_eval("t", t, strlen(t), NULL, NULL, &out), 0);
    CHECK_STR(out, "[]");
    free(out);
}
