/*
 * kubeconfig.c: load Kubernetes client configuration (fc/kubeconfig.h) and
 * produce per-request credentials.
 *
 * A kubeconfig is parsed with the libcommon YAML parser into json-c; when
 * $KUBECONFIG lists several files, their clusters/users/contexts are merged
 * by name with the first file winning, as client-go does. Relative file paths
 * are resolved against the directory of the file that names them. Credentials
 * that change over time (a rotated service-account token file, an exec
 * plugin's expiring token) live in fc_kube_creds, which re-reads or re-runs
 * them lazily and is safe to share between worker threads.
 */
#include "fc/kubeconfig.h"
#include "fc/base64.h"
#include "fc/buf.h"
#include "fc/duration.h"
#include "fc/err.h"
#include "fc/json.h"
#include "fc/proc.h"
#include "fc/yaml.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define KUBECONFIG_MAX (4u << 20)

static char *xstrdup(const char *s) { return s ? strdup(s) : NULL; }

static void strv_free(char **v)
{
    if (!v) return;
    for (char **p = v; *p; p++) free(*p);
    free(v);
}

static char **strv_dup(char *const *v)
{
    size_t n = 0;
    while (v && v[n]) n++;
    char **o = calloc(n + 1, sizeof *o);
    if (!o) return NULL;
    for (size_t i = 0; i < n; i++) o[i] = strdup(v[i]);
    return o;
}

void fc_kube_config_free(fc_kube_config *c)
{
    if (!c) return;
    free(c->server);
    free(c->ca_pem);
    free(c->ca_file);
    free(c->tls_server_name);
    free(c->cert_pem);
    free(c->key_pem);
    free(c->token);
    free(c->token_file);
    free(c->username);
    free(c->password);
    if (c->exec) {
        free(c->exec->command);
        strv_free(c->exec->args);
        strv_free(c->exec->env);
        free(c->exec->api_version);
        free(c->exec);
    }
    free(c->ns);
    free(c->source);
    free(c->impersonate_user);
    strv_free(c->impersonate_groups);
    free(c);
}

fc_kube_config *fc_kube_config_dup(const fc_kube_config *c)
{
    fc_kube_config *d = calloc(1, sizeof *d);
    if (!d) return NULL;
    d->server = xstrdup(c->server);
    d->ca_pem = xstrdup(c->ca_pem);
    d->ca_file = xstrdup(c->ca_file);
    d->insecure = c->insecure;
    d->tls_server_name = xstrdup(c->tls_server_name);
    d->cert_pem = xstrdup(c->cert_pem);
    d->key_pem = xstrdup(c->key_pem);
    d->token = xstrdup(c->token);
    d->token_file = xstrdup(c->token_file);
    d->username = xstrdup(c->username);
    d->password = xstrdup(c->password);
    if (c->exec) {
        d->exec = calloc(1, sizeof *d->exec);
        d->exec->command = xstrdup(c->exec->command);
        d->exec->args = strv_dup(c->exec->args);
        d->exec->env = strv_dup(c->exec->env);
        d->exec->api_version = xstrdup(c->exec->api_version);
        d->exec->provide_cluster_info = c->exec->provide_cluster_info;
    }
    d->ns = xstrdup(c->ns);
    d->source = xstrdup(c->source);
    d->impersonate_user = xstrdup(c->impersonate_user);
    if (c->impersonate_groups) d->impersonate_groups = strv_dup(c->impersonate_groups);
    return d;
}

/* Resolve a possibly relative path against base_dir (malloc'd). */
static char *resolve_path(const char *base_dir, const char *p)
{
    if (!p || !*p) return NULL;
    if (p[0] == '/' || !base_dir || !*base_dir) return strdup(p);
    fc_buf b;
    fc_buf_init(&b, 0);
    fc_buf_printf(&b, "%s/%s", base_dir, p);
    return fc_buf_detach(&b, NULL);
}

static char *read_small_file(const char *path, size_t max)
{
    fc_buf b;
    fc_buf_init(&b, max);
    if (fc_buf_read_file(&b, path)) {
        fc_buf_dispose(&b);
        return NULL;
    }
    return fc_buf_detach(&b, NULL);
}

static char *b64_field(json_object *o, const char *key, const char *what)
{
    const char *v = fc_json_key_str(o, key);
    if (!v) return NULL;
    char *d = fc_base64_decode(v, strlen(v), NULL);
    if (!d) fc_err_set(FC_EINVAL, "kubeconfig: %s: illegal base64 data", what);
    return d;
}

/* Find the entry named name in a kubeconfig list (clusters/users/contexts). */
static json_object *named(json_object *cfg, const char *list, const char *name)
{
    json_object *arr = fc_json_key(cfg, list);
    if (!arr || !json_object_is_type(arr, json_type_array) || !name) return NULL;
    for (size_t i = 0; i < json_object_array_length(arr); i++) {
        json_object *e = json_object_array_get_idx(arr, i);
        const char *n = fc_json_key_str(e, "name");
        if (n && strcmp(n, name) == 0) return e;
    }
    return NULL;
}

static int parse_exec(json_object *ex, fc_kube_config *c)
{
    c->exec = calloc(1, sizeof *c->exec);
    if (!c->exec) return fc_err_set(FC_ENOMEM, "out of memory");
    const char *cmd = fc_json_key_str(ex, "command");
    if (!cmd || !*cmd) return fc_err_set(FC_EINVAL, "kubeconfig: exec plugin without a command");
    c->exec->command = strdup(cmd);
    c->exec->api_version = xstrdup(fc_json_key_str(ex, "apiVersion"));
    if (!c->exec->api_version) c->exec->api_version = strdup("client.authentication.k8s.io/v1");
    c->exec->provide_cluster_info = fc_json_get_bool(ex, "provideClusterInfo", false);
    json_object *args = fc_json_key(ex, "args");
    size_t na = args && json_object_is_type(args, json_type_array) ? json_object_array_length(args) : 0;
    c->exec->args = calloc(na + 1, sizeof(char *));
    for (size_t i = 0; i < na; i++) c->exec->args[i] = strdup(json_object_get_string(json_object_array_get_idx(args, i)));
    json_object *env = fc_json_key(ex, "env");
    size_t ne = env && json_object_is_type(env, json_type_array) ? json_object_array_length(env) : 0;
    c->exec->env = calloc(ne + 1, sizeof(char *));
    size_t k = 0;
    for (size_t i = 0; i < ne; i++) {
        json_object *e = json_object_array_get_idx(env, i);
        const char *n = fc_json_key_str(e, "name"), *v = fc_json_key_str(e, "value");
        if (!n) continue;
        fc_buf b;
        fc_buf_init(&b, 0);
        fc_buf_printf(&b, "%s=%s", n, v ? v : "");
        c->exec->env[k++] = fc_buf_detach(&b, NULL);
    }
    return 0;
}

static int build_config(json_object *cfg, const char *base_dir, const char *context, const char *source,
                        fc_kube_config **out)
{
    fc_kube_config *c = calloc(1, sizeof *c);
    int rc = 0;
    if (!c) return fc_err_set(FC_ENOMEM, "out of memory");
    c->source = xstrdup(source);
    const char *ctxname = context && *context ? context : fc_json_key_str(cfg, "current-context");
    if (!ctxname || !*ctxname) {
        rc = fc_err_set(FC_EINVAL, "invalid kubeconfig %s: no current-context is set", source);
        goto out;
    }
    json_object *ctx = fc_json_key(named(cfg, "contexts", ctxname), "context");
    if (!ctx) {
        rc = fc_err_set(FC_EINVAL, "invalid kubeconfig %s: context \"%s\" does not exist", source, ctxname);
        goto out;
    }
    const char *clname = fc_json_key_str(ctx, "cluster"), *uname = fc_json_key_str(ctx, "user");
    c->ns = xstrdup(fc_json_key_str(ctx, "namespace"));
    json_object *cl = fc_json_key(named(cfg, "clusters", clname), "cluster");
    if (!cl) {
        rc = fc_err_set(FC_EINVAL, "invalid kubeconfig %s: cluster \"%s\" does not exist", source, clname ? clname : "");
        goto out;
    }
    const char *server = fc_json_key_str(cl, "server");
    if (!server || !*server) {
        rc = fc_err_set(FC_EINVAL, "invalid kubeconfig %s: cluster \"%s\" has no server", source, clname);
        goto out;
    }
    if (strncmp(server, "https://", 8) != 0 && strncmp(server, "http://", 7) != 0) {
        rc = fc_err_set(FC_EINVAL, "invalid kubeconfig %s: server \"%s\" is not an http(s) URL", source, server);
        goto out;
    }
    c->server = strdup(server);
    size_t sl = strlen(c->server);
    while (sl > 0 && c->server[sl - 1] == '/') c->server[--sl] = 0;
    c->insecure = fc_json_get_bool(cl, "insecure-skip-tls-verify", false);
    c->tls_server_name = xstrdup(fc_json_key_str(cl, "tls-server-name"));
    if (fc_json_key_str(cl, "certificate-authority-data")) {
        if (!(c->ca_pem = b64_field(cl, "certificate-authority-data", "certificate-authority-data"))) { rc = FC_EINVAL; goto out; }
    } else {
        c->ca_file = resolve_path(base_dir, fc_json_key_str(cl, "certificate-authority"));
    }
    json_object *user = uname ? fc_json_key(named(cfg, "users", uname), "user") : NULL;
    if (uname && *uname && !user) {
        rc = fc_err_set(FC_EINVAL, "invalid kubeconfig %s: user \"%s\" does not exist", source, uname);
        goto out;
    }
    if (user) {
        if (fc_json_key_str(user, "client-certificate-data")) {
            if (!(c->cert_pem = b64_field(user, "client-certificate-data", "client-certificate-data"))) { rc = FC_EINVAL; goto out; }
        } else if (fc_json_key_str(user, "client-certificate")) {
            char *p = resolve_path(base_dir, fc_json_key_str(user, "client-certificate"));
            c->cert_pem = read_small_file(p, 1 << 20);
            if (!c->cert_pem) rc = fc_err_wrap("invalid kubeconfig %s: client-certificate", source);
            free(p);
            if (rc) goto out;
        }
        if (fc_json_key_str(user, "client-key-data")) {
            if (!(c->key_pem = b64_field(user, "client-key-data", "client-key-data"))) { rc = FC_EINVAL; goto out; }
        } else if (fc_json_key_str(user, "client-key")) {
            char *p = resolve_path(base_dir, fc_json_key_str(user, "client-key"));
            c->key_pem = read_small_file(p, 1 << 20);
            if (!c->key_pem) rc = fc_err_wrap("invalid kubeconfig %s: client-key", source);
            free(p);
            if (rc) goto out;
        }
        if (!!c->cert_pem != !!c->key_pem) {
            rc = fc_err_set(FC_EINVAL, "invalid kubeconfig %s: user \"%s\" has a client certificate without a key (or a key without a certificate)", source, uname);
            goto out;
        }
        c->token = xstrdup(fc_json_key_str(user, "token"));
        c->token_file = resolve_path(base_dir, fc_json_key_str(user, "tokenFile"));
        c->username = xstrdup(fc_json_key_str(user, "username"));
        c->password = xstrdup(fc_json_key_str(user, "password"));
        c->impersonate_user = xstrdup(fc_json_key_str(user, "as"));
        json_object *ex = fc_json_key(user, "exec");
        if (ex && (rc = parse_exec(ex, c))) {
            fc_err_wrap("invalid kubeconfig %s", source);
            goto out;
        }
        if (fc_json_key(user, "auth-provider")) {
            rc = fc_err_set(FC_EINVAL, "invalid kubeconfig %s: auth-provider plugins are not supported, use an exec credential plugin (e.g. kubelogin)", source);
            goto out;
        }
    }
out:
    if (rc) {
        fc_kube_config_free(c);
        return rc;
    }
    *out = c;
    return 0;
}

int fc_kubeconfig_parse(const char *yaml, size_t len, const char *base_dir, const char *context, fc_kube_config **out)
{
    json_object *cfg = NULL;
    *out = NULL;
    if (fc_yaml_parse(yaml, len, NULL, &cfg)) return fc_err_wrap("invalid kubeconfig");
    if (!cfg || !json_object_is_type(cfg, json_type_object)) {
        json_object_put(cfg);
        return fc_err_set(FC_EINVAL, "invalid kubeconfig: not a mapping");
    }
    int rc = build_config(cfg, base_dir, context, "(inline)", out);
    json_object_put(cfg);
    return rc;
}

static char *dir_of(const char *path)
{
    const char *s = strrchr(path, '/');
    if (!s) return strdup(".");
    return strndup(path, (size_t)(s - path));
}

/* Rewrite relative file references to absolute ones so merged configs keep
 * each file's own base directory. */
static void absolutize(json_object *cfg, const char *base_dir)
{
    static const struct { const char *list, *inner, *key; } refs[] = {
        {"clusters", "cluster", "certificate-authority"},
        {"users", "user", "client-certificate"},
        {"users", "user", "client-key"},
        {"users", "user", "tokenFile"},
    };
    for (size_t r = 0; r < sizeof refs / sizeof refs[0]; r++) {
        json_object *arr = fc_json_key(cfg, refs[r].list);
        if (!arr || !json_object_is_type(arr, json_type_array)) continue;
        for (size_t i = 0; i < json_object_array_length(arr); i++) {
            json_object *in = fc_json_key(json_object_array_get_idx(arr, i), refs[r].inner);
            const char *p = fc_json_key_str(in, refs[r].key);
            if (p && p[0] != '/') {
                char *abs = resolve_path(base_dir, p);
                json_object_object_add(in, refs[r].key, json_object_new_string(abs));
                free(abs);
            }
        }
    }
}

static int load_file_json(const char *path, json_object **out)
{
    fc_buf b;
    fc_buf_init(&b, KUBECONFIG_MAX);
    int rc = fc_buf_read_file(&b, path);
    if (rc) {
        fc_buf_dispose(&b);
        return fc_err_wrap("cannot read kubeconfig");
    }
    json_object *cfg = NULL;
    rc = fc_yaml_parse(b.ptr, b.len, NULL, &cfg);
    fc_buf_dispose(&b);
    if (rc) return fc_err_wrap("invalid kubeconfig %s", path);
    if (!cfg || !json_object_is_type(cfg, json_type_object)) {
        json_object_put(cfg);
        return fc_err_set(FC_EINVAL, "invalid kubeconfig %s: not a mapping", path);
    }
    char *d = dir_of(path);
    absolutize(cfg, d);
    free(d);
    *out = cfg;
    return 0;
}

static void merge_list(json_object *dst, json_object *src, const char *list)
{
    json_object *sa = fc_json_key(src, list);
    if (!sa || !json_object_is_type(sa, json_type_array)) return;
    json_object *da = fc_json_key(dst, list);
    if (!da || !json_object_is_type(da, json_type_array)) {
        da = json_object_new_array();
        json_object_object_add(dst, list, da);
    }
    for (size_t i = 0; i < json_object_array_length(sa); i++) {
        json_object *e = json_object_array_get_idx(sa, i);
        if (!named(dst, list, fc_json_key_str(e, "name"))) json_object_array_add(da, fc_json_copy(e));
    }
}

static int load_paths(const char *paths, fc_kube_config **out)
{
    json_object *merged = json_object_new_object();
    int nfiles = 0, rc = 0;
    char *copy = strdup(paths), *save = copy;
    for (char *p = copy; p && *p;) {
        char *colon = strchr(p, ':');
        if (colon) *colon = 0;
        if (*p && access(p, F_OK) == 0) {
            json_object *cfg = NULL;
            if ((rc = load_file_json(p, &cfg))) break;
            if (!fc_json_key_str(merged, "current-context") && fc_json_key_str(cfg, "current-context"))
                json_object_object_add(merged, "current-context", json_object_new_string(fc_json_key_str(cfg, "current-context")));
            merge_list(merged, cfg, "clusters");
            merge_list(merged, cfg, "users");
            merge_list(merged, cfg, "contexts");
            json_object_put(cfg);
            nfiles++;
        }
        p = colon ? colon + 1 : NULL;
    }
    free(save);
    if (!rc && !nfiles) rc = fc_err_set(FC_ENOTFOUND, "no kubeconfig file found in \"%s\"", paths);
    if (!rc) rc = build_config(merged, NULL, NULL, paths, out);
    json_object_put(merged);
    return rc;
}

int fc_kubeconfig_in_cluster(const char *sa_dir, fc_kube_config **out)
{
    const char *host = getenv("KUBERNETES_SERVICE_HOST"), *port = getenv("KUBERNETES_SERVICE_PORT");
    const char *dir = sa_dir ? sa_dir : "/var/run/secrets/kubernetes.io/serviceaccount";
    *out = NULL;
    if (!host || !*host || !port || !*port)
        return fc_err_set(FC_ENOTFOUND, "not running in a cluster: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT must be set");
    fc_kube_config *c = calloc(1, sizeof *c);
    fc_buf b;
    fc_buf_init(&b, 0);
    if (strchr(host, ':')) fc_buf_printf(&b, "https://[%s]:%s", host, port);
    else fc_buf_printf(&b, "https://%s:%s", host, port);
    c->server = fc_buf_detach(&b, NULL);
    fc_buf_printf(&b, "%s/token", dir);
    c->token_file = fc_buf_detach(&b, NULL);
    fc_buf_printf(&b, "%s/ca.crt", dir);
    c->ca_file = fc_buf_detach(&b, NULL);
    fc_buf_printf(&b, "%s/namespace", dir);
    char *nsfile = fc_buf_detach(&b, NULL);
    char *ns = read_small_file(nsfile, 256);
    free(nsfile);
    if (ns) {
        size_t l = strlen(ns);
        while (l && (ns[l - 1] == '\n' || ns[l - 1] == ' ')) ns[--l] = 0;
        c->ns = ns;
    }
    c->source = strdup("in-cluster service account");
    if (access(c->token_file, R_OK) != 0) {
        int rc = fc_err_set(FC_EINVAL, "in-cluster config: cannot read service account token %s: %s", c->token_file, strerror(errno));
        fc_kube_config_free(c);
        return rc;
    }
    *out = c;
    return 0;
}

int fc_kubeconfig_load(const char *explicit_path, fc_kube_config **out)
{
    *out = NULL;
    if (explicit_path && *explicit_path) {
        if (access(explicit_path, F_OK) != 0)
            return fc_err_set(FC_ENOTFOUND, "kubeconfig %s: %s", explicit_path, strerror(errno));
        return load_paths(explicit_path, out);
    }
    const char *env = getenv("KUBECONFIG");
    if (env && *env) return load_paths(env, out);
    if (getenv("KUBERNETES_SERVICE_HOST")) return fc_kubeconfig_in_cluster(NULL, out);
    const char *home = getenv("HOME");
    if (home) {
        fc_buf b;
        fc_buf_init(&b, 0);
        fc_buf_printf(&b, "%s/.kube/config", home);
        char *p = fc_buf_detach(&b, NULL);
        int rc = access(p, F_OK) == 0 ? load_paths(p, out) : 1;
        free(p);
        if (rc <= 0) return rc;
    }
    return fc_err_set(FC_ENOTFOUND, "no Kubernetes configuration found: use --kubeconfig, set $KUBECONFIG, run in a cluster or create ~/.kube/config");
}

/* ------------------------------------------------------------- credentials */

struct fc_kube_creds {
    fc_kube_config *c;
    pthread_mutex_t mu;
    /* token file cache */
    char *file_token;
    time_t file_mtime;
    int64_t file_checked; /* mono ns */
    /* exec cache */
    char *exec_token, *exec_cert, *exec_key;
    int64_t exec_expiry; /* wall ns; 0 = no expiry */
    bool exec_valid;
};

fc_kube_creds *fc_kube_creds_new(const fc_kube_config *c)
{
    fc_kube_creds *cr = calloc(1, sizeof *cr);
    if (!cr) return NULL;
    cr->c = fc_kube_config_dup(c);
    pthread_mutex_init(&cr->mu, NULL);
    return cr;
}

void fc_kube_creds_free(fc_kube_creds *cr)
{
    if (!cr) return;
    fc_kube_config_free(cr->c);
    free(cr->file_token);
    free(cr->exec_token);
    free(cr->exec_cert);
    free(cr->exec_key);
    pthread_mutex_destroy(&cr->mu);
    free(cr);
}

void fc_kube_creds_invalidate(fc_kube_creds *cr)
{
    pthread_mutex_lock(&cr->mu);
    cr->exec_valid = false;
    cr->file_checked = 0;
    pthread_mutex_unlock(&cr->mu);
}

/* Parse RFC 3339 "2006-01-02T15:04:05Z" (fraction/offset tolerated). */
static int64_t parse_rfc3339(const char *s)
{
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    const char *end = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
    if (!end) return 0;
    int64_t t = (int64_t)timegm(&tm);
    if (*end == '.') while (*++end >= '0' && *end <= '9') {}
    if (*end == '+' || *end == '-') {
        int sign = *end == '-' ? -1 : 1, hh = 0, mm = 0;
        if (sscanf(end + 1, "%2d:%2d", &hh, &mm) == 2) t -= sign * (hh * 3600 + mm * 60);
    }
    return t * FC_NS_PER_S;
}

static int run_exec(fc_kube_creds *cr)
{
    fc_kube_exec *ex = cr->c->exec;
    size_t na = 0;
    while (ex->args && ex->args[na]) na++;
    char **argv = calloc(na + 2, sizeof *argv);
    argv[0] = ex->command;
    for (size_t i = 0; i < na; i++) argv[i + 1] = ex->args[i];
    size_t ne = 0;
    while (ex->env && ex->env[ne]) ne++;
    char **env = calloc(ne + 2, sizeof *env);
    for (size_t i = 0; i < ne; i++) env[i] = ex->env[i];
    json_object *info = json_object_new_object();
    json_object_object_add(info, "apiVersion", json_object_new_string(ex->api_version));
    json_object_object_add(info, "kind", json_object_new_string("ExecCredential"));
    json_object *spec = json_object_new_object();
    json_object_object_add(spec, "interactive", json_object_new_boolean(0));
    if (ex->provide_cluster_info) {
        json_object *cl = json_object_new_object();
        json_object_object_add(cl, "server", json_object_new_string(cr->c->server));
        if (cr->c->ca_pem) {
            char *b = fc_base64_encode(cr->c->ca_pem, strlen(cr->c->ca_pem));
            json_object_object_add(cl, "certificate-authority-data", json_object_new_string(b));
            free(b);
        }
        json_object_object_add(spec, "cluster", cl);
    }
    json_object_object_add(info, "spec", spec);
    fc_buf envv;
    fc_buf_init(&envv, 0);
    fc_buf_printf(&envv, "KUBERNETES_EXEC_INFO=%s", json_object_to_json_string_ext(info, JSON_C_TO_STRING_PLAIN));
    json_object_put(info);
    env[ne] = envv.ptr;
    fc_buf out;
    fc_buf_init(&out, 1 << 20);
    int status = 0;
    int rc = fc_proc_run(argv, env, NULL, 60000, &out, &status);
    json_object *cred = NULL;
    if (rc) {
        fc_err_wrap("exec credential plugin %s", ex->command);
        goto out;
    }
    if (status != 0) {
        rc = fc_err_set(FC_EUNAUTH, "exec credential plugin %s exited with status %d", ex->command, status);
        goto out;
    }
    if (fc_json_parse(out.ptr ? out.ptr : "", out.len, &cred) || !cred) {
        rc = fc_err_set(FC_EUNAUTH, "exec credential plugin %s: output is not an ExecCredential JSON object", ex->command);
        goto out;
    }
    const char *tok = fc_json_get_str(cred, "status.token");
    const char *cd = fc_json_get_str(cred, "status.clientCertificateData");
    const char *kd = fc_json_get_str(cred, "status.clientKeyData");
    if (!tok && !(cd && kd)) {
        rc = fc_err_set(FC_EUNAUTH, "exec credential plugin %s: ExecCredential has neither status.token nor a client certificate", ex->command);
        goto out;
    }
    free(cr->exec_token);
    free(cr->exec_cert);
    free(cr->exec_key);
    cr->exec_token = xstrdup(tok);
    cr->exec_cert = xstrdup(cd);
    cr->exec_key = xstrdup(kd);
    const char *exp = fc_json_get_str(cred, "status.expirationTimestamp");
    cr->exec_expiry = exp ? parse_rfc3339(exp) : 0;
    cr->exec_valid = true;
out:
    json_object_put(cred);
    fc_buf_dispose(&out);
    fc_buf_dispose(&envv);
    free(env);
    free(argv);
    return rc;
}

int fc_kube_creds_get(fc_kube_creds *cr, char **token, char **cert_pem, char **key_pem)
{
    int rc = 0;
    *token = *cert_pem = *key_pem = NULL;
    pthread_mutex_lock(&cr->mu);
    const fc_kube_config *c = cr->c;
    if (c->exec) {
        bool expired = cr->exec_expiry && fc_now_wall_ns() + 10 * FC_NS_PER_S >= cr->exec_expiry;
        if (!cr->exec_valid || expired) rc = run_exec(cr);
        if (!rc) {
            *token = xstrdup(cr->exec_token);
            *cert_pem = xstrdup(cr->exec_cert);
            *key_pem = xstrdup(cr->exec_key);
        }
    } else if (c->token_file) {
        /* kubelet rotates projected tokens; re-read at most once a minute, or
         * at once when the file's mtime changed */
        int64_t now = fc_now_mono_ns();
        struct stat st;
        bool changed = stat(c->token_file, &st) == 0 && st.st_mtime != cr->file_mtime;
        if (!cr->file_token || changed || now - cr->file_checked > 60 * FC_NS_PER_S) {
            char *t = read_small_file(c->token_file, 64 << 10);
            if (t) {
                size_t l = strlen(t);
                while (l && (t[l - 1] == '\n' || t[l - 1] == '\r' || t[l - 1] == ' ')) t[--l] = 0;
                free(cr->file_token);
                cr->file_token = t;
                cr->file_mtime = st.st_mtime;
                cr->file_checked = now;
            } else if (!cr->file_token) {
                rc = fc_err_wrap("service account token");
            }
        }
        if (!rc) *token = xstrdup(cr->file_token);
    } else if (c->token) {
        *token = strdup(c->token);
    }
    pthread_mutex_unlock(&cr->mu);
    return rc;
}
