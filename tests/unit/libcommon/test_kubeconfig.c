/* Unit tests of kubeconfig loading: contexts, data vs file references,
 * $KUBECONFIG merging, in-cluster config with token rotation, exec plugins,
 * and the one-line errors an invalid kubeconfig produces. */
#include "../testlib.h"
#include "fc/base64.h"
#include "fc/err.h"
#include "fc/kubeconfig.h"
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

static char tmpdir[256];

static void mktmp(void)
{
    snprintf(tmpdir, sizeof tmpdir, "/tmp/fc-kc-XXXXXX");
    if (!mkdtemp(tmpdir)) t_fail(__FILE__, __LINE__, "mkdtemp");
}

static void writef(const char *name, const char *content, int mode)
{
    char p[512];
    snprintf(p, sizeof p, "%s/%s", tmpdir, name);
    FILE *f = fopen(p, "w");
    fputs(content, f);
    fclose(f);
    chmod(p, (mode_t)mode);
}

static const char *KC =
    "apiVersion: v1\nkind: Config\ncurrent-context: a\n"
    "clusters:\n- name: c1\n  cluster: {server: 'https://127.0.0.1:6443/', certificate-authority: ca.crt}\n"
    "- name: c2\n  cluster: {server: 'https://10.0.0.1', insecure-skip-tls-verify: true}\n"
    "users:\n- name: u1\n  user: {token: abc}\n"
    "- name: u2\n  user: {exec: {command: ./plugin.sh, apiVersion: client.authentication.k8s.io/v1, env: [{name: TOKEN, value: from-exec}]}}\n"
    "contexts:\n- name: a\n  context: {cluster: c1, user: u1, namespace: team}\n"
    "- name: b\n  context: {cluster: c2, user: u2}\n";

TEST(kubeconfig_current_context_and_relative_paths)
{
    mktmp();
    writef("config", KC, 0600);
    char p[512];
    snprintf(p, sizeof p, "%s/config", tmpdir);
    fc_kube_config *c = NULL;
    CHECK_INT(fc_kubeconfig_load(p, &c), 0);
    CHECK_STR(c->server, "https://127.0.0.1:6443");
    CHECK_STR(c->token, "abc");
    CHECK_STR(c->ns, "team");
    char want[512];
    snprintf(want, sizeof want, "%s/ca.crt", tmpdir);
    CHECK_STR(c->ca_file, want);
    fc_kube_config_free(c);
}

TEST(kubeconfig_exec_plugin_gives_token)
{
    mktmp();
    writef("config", KC, 0600);
    writef("plugin.sh",
           "#!/bin/sh\necho '{\"apiVersion\":\"client.authentication.k8s.io/v1\",\"kind\":\"ExecCredential\","
           "\"status\":{\"token\":\"'$TOKEN'\"}}'\n", 0755);
    char p[512];
    snprintf(p, sizeof p, "%s/config", tmpdir);
    setenv("KUBECONFIG", p, 1);
    fc_kube_config *c = NULL;
    /* switch to context b through parse of the same file */
    FILE *f = fopen(p, "r");
    char buf[4096];
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    CHECK_INT(fc_kubeconfig_parse(buf, n, tmpdir, "b", &c), 0);
    CHECK(c->insecure);
    CHECK(c->exec != NULL);
    char cmd[512];
    snprintf(cmd, sizeof cmd, "%s/plugin.sh", tmpdir);
    free(c->exec->command);
    c->exec->command = strdup(cmd);
    fc_kube_creds *cr = fc_kube_creds_new(c);
    char *tok, *cert, *key;
    CHECK_INT(fc_kube_creds_get(cr, &tok, &cert, &key), 0);
    CHECK_STR(tok, "from-exec");
    free(tok);
    fc_kube_creds_free(cr);
    fc_kube_config_free(c);
}

TEST(kubeconfig_merge_first_file_wins)
{
    mktmp();
    writef("one", "current-context: x\nclusters: [{name: c, cluster: {server: 'https://one'}}]\n"
                  "contexts: [{name: x, context: {cluster: c}}]\n", 0600);
    writef("two", "current-context: y\nclusters: [{name: c, cluster: {server: 'https://two'}}, {name: d, cluster: {server: 'https://d'}}]\n"
                  "contexts: [{name: y, context: {cluster: d}}]\n", 0600);
    char env[1100];
    snprintf(env, sizeof env, "%s/one:%s/missing:%s/two", tmpdir, tmpdir, tmpdir);
    setenv("KUBECONFIG", env, 1);
    unsetenv("KUBERNETES_SERVICE_HOST");
    fc_kube_config *c = NULL;
    CHECK_INT(fc_kubeconfig_load(NULL, &c), 0);
    CHECK_STR(c->server, "https://one");
    fc_kube_config_free(c);
}

TEST(kubeconfig_in_cluster_token_rotation)
{
    mktmp();
    writef("token", "t1\n", 0600);
    writef("namespace", "flux-system", 0600);
    writef("ca.crt", "x", 0600);
    setenv("KUBERNETES_SERVICE_HOST", "10.0.0.1", 1);
    setenv("KUBERNETES_SERVICE_PORT", "443", 1);
    fc_kube_config *c = NULL;
    CHECK_INT(fc_kubeconfig_in_cluster(tmpdir, &c), 0);
    CHECK_STR(c->server, "https://10.0.0.1:443");
    CHECK_STR(c->ns, "flux-system");
    fc_kube_creds *cr = fc_kube_creds_new(c);
    char *tok, *cert, *key;
    CHECK_INT(fc_kube_creds_get(cr, &tok, &cert, &key), 0);
    CHECK_STR(tok, "t1");
    free(tok);
    sleep(1); /* mtime granularity */
    writef("token", "t2", 0600);
    CHECK_INT(fc_kube_creds_get(cr, &tok, &cert, &key), 0);
    CHECK_STR(tok, "t2");
    free(tok);
    fc_kube_creds_free(cr);
    fc_kube_config_free(c);
}

TEST(kubeconfig_invalid_gives_one_line_error)
{
    fc_kube_config *c = NULL;
    const char *bad = "current-context: nope\ncontexts: []\n";
    CHECK(fc_kubeconfig_parse(bad, strlen(bad), NULL, NULL, &c) != 0);
    CHECK_CONTAINS(fc_err_msg(), "context \"nope\" does not exist");
    CHECK(strchr(fc_err_msg(), '\n') == NULL);
    const char *garbage = "{{{";
    CHECK(fc_kubeconfig_parse(garbage, 3, NULL, NULL, &c) != 0);
    CHECK_CONTAINS(fc_err_msg(), "invalid kubeconfig");
    CHECK(fc_kubeconfig_load("/nonexistent/kubeconfig", &c) != 0);
    CHECK_CONTAINS(fc_err_msg(), "/nonexistent/kubeconfig");
}
