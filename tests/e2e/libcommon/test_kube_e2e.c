/* libcommon's Kubernetes client against the real local control plane
 * ($KUBECONFIG, $FC_CLUSTER_DIR from tests/run.sh): CRUD, list paging, merge
 * and JSON patches, server-side apply (force, dry run), the status
 * subresource, delete propagation, impersonation, 409 conflicts, discovery of
 * a CRD created on the fly, and informers that survive an etcd compaction
 * plus kube-apiserver restart without missing an event. */
#include "../../unit/testlib.h"
#include "fc/buf.h"
#include "fc/discovery.h"
#include "fc/duration.h"
#include "fc/err.h"
#include "fc/informer.h"
#include "fc/json.h"
#include "fc/kube.h"
#include "fc/loop.h"
#include "fc/proc.h"
#include "fc/yaml.h"
#include <stdio.h>
#include <unistd.h>

static const fc_resource gitrepos = {"source.toolkit.fluxcd.io", "v1", "gitrepositories", "GitRepository", true};
static const fc_resource cms = {"", "v1", "configmaps", "ConfigMap", true};
static const fc_resource nss = {"", "v1", "namespaces", "Namespace", false};

/* names unique to this run, so the suite can run again on the same cluster */
static const char *uniq(const char *base)
{
    static char bufs[8][128];
    static int n;
    char *b = bufs[n++ % 8];
    snprintf(b, 128, "%s-%d", base, (int)getppid());
    return b;
}

#define NS uniq("e2e-client")

static fc_kube *client(void)
{
    fc_kube_config *cfg = NULL;
    if (fc_kubeconfig_load(NULL, &cfg)) t_fail(__FILE__, __LINE__, "kubeconfig: %s", fc_err_msg());
    fc_kube *k = fc_kube_new(cfg, NULL);
    fc_kube_config_free(cfg);
    return k;
}

static json_object *parse(const char *json)
{
    json_object *o = NULL;
    if (fc_json_parse(json, strlen(json), &o)) t_fail(__FILE__, __LINE__, "bad json in test: %s", fc_err_msg());
    return o;
}

static void ensure_ns(fc_kube *k, const char *ns)
{
    char buf[256];
    snprintf(buf, sizeof buf, "{\"apiVersion\":\"v1\",\"kind\":\"Namespace\",\"metadata\":{\"name\":\"%s\"}}", ns);
    json_object *o = parse(buf);
    int rc = fc_kube_create(k, &nss, NULL, o, NULL);
    json_object_put(o);
    if (rc && rc != FC_EEXISTS) t_fail(__FILE__, __LINE__, "create ns: %s", fc_err_msg());
}

static json_object *gitrepo(const char *ns, const char *name)
{
    char buf[512];
    snprintf(buf, sizeof buf,
             "{\"apiVersion\":\"source.toolkit.fluxcd.io/v1\",\"kind\":\"GitRepository\",\"metadata\":{\"name\":\"%s\","
             "\"namespace\":\"%s\"},\"spec\":{\"url\":\"https://example.com/repo\",\"interval\":\"5m\"}}",
             name, ns);
    return parse(buf);
}

TEST(crud_list_patch_apply_status_on_flux_crd)
{
    fc_kube *k = client();
    ensure_ns(k, NS);
    for (int i = 0; i < 7; i++) {
        char name[32];
        snprintf(name, sizeof name, "repo-%d", i);
        json_object *o = gitrepo(NS, name), *out = NULL;
        int rc = fc_kube_create(k, &gitrepos, NS, o, &out);
        CHECK(rc == 0 || rc == FC_EEXISTS);
        if (!rc) CHECK_STR(fc_json_get_str(out, "spec.timeout"), "60s"); /* CRD default applied */
        json_object_put(o);
        json_object_put(out);
    }
    /* paging: 7 objects with a page size of 3 */
    json_object *items = NULL;
    char *rv = NULL;
    fc_list_opts lo = {.limit = 3};
    CHECK_INT(fc_kube_list(k, &gitrepos, NS, &lo, &items, &rv), 0);
    CHECK_INT(json_object_array_length(items), 7);
    CHECK(rv && *rv);
    json_object_put(items);
    free(rv);
    /* merge patch */
    json_object *out = NULL;
    CHECK_INT(fc_kube_patch(k, &gitrepos, NS, "repo-0", NULL, FC_PATCH_MERGE,
                            "{\"spec\":{\"interval\":\"10m\"}}", "fluxc-test", &out), 0);
    CHECK_STR(fc_json_get_str(out, "spec.interval"), "10m");
    json_object_put(out);
    /* JSON patch */
    CHECK_INT(fc_kube_patch(k, &gitrepos, NS, "repo-0", NULL, FC_PATCH_JSON,
                            "[{\"op\":\"replace\",\"path\":\"/spec/url\",\"value\":\"https://example.com/other\"}]", NULL, &out), 0);
    CHECK_STR(fc_json_get_str(out, "spec.url"), "https://example.com/other");
    json_object_put(out);
    /* server-side apply: dry run does not persist, force takes ownership */
    json_object *ap = gitrepo(NS, "repo-1");
    fc_json_set_str(ap, "spec.interval", "1h");
    fc_apply_opts dry = {.field_manager = "fluxc-test", .force = true, .dry_run = true};
    CHECK_INT(fc_kube_apply(k, &gitrepos, ap, &dry, &out), 0);
    CHECK_STR(fc_json_get_str(out, "spec.interval"), "1h");
    json_object_put(out);
    CHECK_INT(fc_kube_get(k, &gitrepos, NS, "repo-1", &out), 0);
    CHECK_STR(fc_json_get_str(out, "spec.interval"), "5m");
    json_object_put(out);
    fc_apply_opts real = {.field_manager = "fluxc-test", .force = true};
    CHECK_INT(fc_kube_apply(k, &gitrepos, ap, &real, &out), 0);
    CHECK_STR(fc_json_get_str(out, "spec.interval"), "1h");
    json_object *mf = fc_json_get(out, "metadata.managedFields");
    bool found = false;
    for (size_t i = 0; mf && i < json_object_array_length(mf); i++) {
        json_object *e = json_object_array_get_idx(mf, i);
        if (!strcmp(fc_json_key_str(e, "manager"), "fluxc-test") && !strcmp(fc_json_key_str(e, "operation"), "Apply")) found = true;
    }
    CHECK(found);
    json_object_put(out);
    json_object_put(ap);
    /* status subresource: spec changes through /status are ignored */
    CHECK_INT(fc_kube_patch(k, &gitrepos, NS, "repo-2", "status", FC_PATCH_MERGE,
                            "{\"status\":{\"observedGeneration\":1,\"conditions\":[{\"type\":\"Ready\",\"status\":\"True\","
                            "\"reason\":\"Succeeded\",\"message\":\"ok\",\"lastTransitionTime\":\"2025-01-01T00:00:00Z\"}]},"
                            "\"spec\":{\"interval\":\"9m\"}}",
                            "fluxc-test", &out), 0);
    CHECK_STR(fc_json_get_str(out, "spec.interval"), "5m");
    json_object_put(out);
    CHECK_INT(fc_kube_get(k, &gitrepos, NS, "repo-2", &out), 0);
    json_object *c0 = json_object_array_get_idx(fc_json_get(out, "status.conditions"), 0);
    CHECK_STR(fc_json_key_str(c0, "reason"), "Succeeded");
    json_object_put(out);
    /* delete with a propagation policy, then 404 keeps the API's message */
    CHECK_INT(fc_kube_delete(k, &gitrepos, NS, "repo-6", "Background"), 0);
    CHECK_INT(fc_kube_get(k, &gitrepos, NS, "repo-6", &out), FC_ENOTFOUND);
    CHECK_INT(fc_err_last()->http_status, 404);
    CHECK_STR(fc_err_last()->reason, "NotFound");
    CHECK_CONTAINS(fc_err_msg(), "\"repo-6\" not found");
    fc_kube_free(k);
}

TEST(conflict_is_reported_and_update_retry_wins)
{
    fc_kube *k = client();
    ensure_ns(k, NS);
    json_object *o = gitrepo(NS, "conflict"), *a = NULL, *b = NULL;
    fc_kube_create(k, &gitrepos, NS, o, NULL);
    json_object_put(o);
    CHECK_INT(fc_kube_get(k, &gitrepos, NS, "conflict", &a), 0);
    CHECK_INT(fc_kube_get(k, &gitrepos, NS, "conflict", &b), 0);
    fc_json_set_str(a, "spec.interval", "2m");
    CHECK_INT(fc_kube_update(k, &gitrepos, NS, a, NULL), 0);
    fc_json_set_str(b, "spec.interval", "3m");
    CHECK_INT(fc_kube_update(k, &gitrepos, NS, b, NULL), FC_ECONFLICT);
    CHECK_INT(fc_err_last()->http_status, 409);
    CHECK_STR(fc_err_last()->reason, "Conflict");
    json_object_put(a);
    json_object_put(b);
    fc_kube_free(k);
}

static int set_interval(json_object *obj, void *arg)
{
    fc_json_set_str(obj, "spec.interval", arg);
    return 0;
}

static void *racer(void *arg)
{
    fc_kube *k = arg;
    for (int i = 0; i < 10; i++) fc_kube_update_retry(k, &gitrepos, NS, "racy", NULL, set_interval, "7m", 20, NULL);
    return NULL;
}

TEST(concurrent_updates_all_land_through_conflict_retries)
{
    fc_kube *k = client();
    ensure_ns(k, NS);
    json_object *o = gitrepo(NS, "racy");
    fc_kube_create(k, &gitrepos, NS, o, NULL);
    json_object_put(o);
    pthread_t t;
    pthread_create(&t, NULL, racer, k);
    int fails = 0;
    for (int i = 0; i < 10; i++)
        if (fc_kube_update_retry(k, &gitrepos, NS, "racy", NULL, set_interval, "8m", 20, NULL)) fails++;
    pthread_join(t, NULL);
    CHECK_INT(fails, 0);
    fc_kube_free(k);
}

TEST(impersonation_is_denied_by_rbac_with_reason)
{
    fc_kube *k = client();
    const char *groups[] = {"system:authenticated", NULL};
    fc_kube *imp = fc_kube_impersonate(k, "system:serviceaccount:e2e-client:nobody", groups);
    json_object *out = NULL;
    CHECK_INT(fc_kube_get(imp, &gitrepos, NS, "repo-0", &out), FC_EFORBIDDEN);
    CHECK_STR(fc_err_last()->reason, "Forbidden");
    CHECK_CONTAINS(fc_err_msg(), "system:serviceaccount:e2e-client:nobody");
    fc_kube_free(imp);
    fc_kube_free(k);
}

TEST(mapper_finds_builtin_and_new_crd_kinds)
{
    fc_kube *k = client();
    fc_mapper *m = fc_mapper_new(k);
    fc_resource r;
    CHECK_INT(fc_mapper_lookup(m, "apps/v1", "Deployment", &r), 0);
    CHECK_STR(r.resource, "deployments");
    CHECK(r.namespaced);
    CHECK_INT(fc_mapper_lookup(m, "v1", "Namespace", &r), 0);
    CHECK(!r.namespaced);
    CHECK_INT(fc_mapper_lookup(m, "kustomize.toolkit.fluxcd.io/v1", "Kustomization", &r), 0);
    CHECK_STR(r.resource, "kustomizations");
    /* a kind whose CRD does not exist yet, then is created */
    char group[64], av[80], crd[1024], want[160];
    snprintf(group, sizeof group, "late%d.fluxc.io", (int)getppid());
    snprintf(av, sizeof av, "%s/v1", group);
    CHECK_INT(fc_mapper_lookup(m, av, "Widget", &r), FC_ENOTFOUND);
    snprintf(want, sizeof want, "no matches for kind \"Widget\" in version \"%s\"", av);
    CHECK_STR(fc_err_msg(), want);
    snprintf(crd, sizeof crd,
             "{\"apiVersion\":\"apiextensions.k8s.io/v1\",\"kind\":\"CustomResourceDefinition\",\"metadata\":{\"name\":\"widgets.%s\"},"
             "\"spec\":{\"group\":\"%s\",\"names\":{\"kind\":\"Widget\",\"plural\":\"widgets\"},\"scope\":\"Cluster\","
             "\"versions\":[{\"name\":\"v1\",\"served\":true,\"storage\":true,\"schema\":{\"openAPIV3Schema\":{\"type\":\"object\","
             "\"x-kubernetes-preserve-unknown-fields\":true}}}]}}", group, group);
    const fc_resource crds = {"apiextensions.k8s.io", "v1", "customresourcedefinitions", "CustomResourceDefinition", false};
    json_object *o = parse(crd);
    int rc = fc_kube_create(k, &crds, NULL, o, NULL);
    CHECK_INT(rc, 0);
    json_object_put(o);
    int found = -1;
    for (int i = 0; i < 60 && found; i++) {
        found = fc_mapper_lookup(m, av, "Widget", &r);
        if (found) usleep(500000);
    }
    CHECK_INT(found, 0);
    CHECK_STR(r.resource, "widgets");
    CHECK(!r.namespaced);
    char crdname[96];
    snprintf(crdname, sizeof crdname, "widgets.%s", group);
    fc_kube_delete(k, &crds, NULL, crdname, NULL);
    fc_mapper_free(m);
    fc_kube_free(k);
}

/* ------------------------------------------------------------- informers */

static int adds, updates, deletes;
static void on_add(json_object *o, void *a) { (void)o; (void)a; __sync_add_and_fetch(&adds, 1); }
static void on_upd(json_object *o, json_object *n, void *a) { (void)o; (void)n; (void)a; __sync_add_and_fetch(&updates, 1); }
static void on_del(json_object *o, void *a) { (void)o; (void)a; __sync_add_and_fetch(&deletes, 1); }

static void make_cm(fc_kube *k, const char *ns, const char *name)
{
    char buf[256];
    snprintf(buf, sizeof buf, "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"%s\",\"namespace\":\"%s\"}}", name, ns);
    json_object *o = parse(buf);
    int rc = fc_kube_create(k, &cms, ns, o, NULL);
    json_object_put(o);
    if (rc) t_fail(__FILE__, __LINE__, "create cm %s: %s", name, fc_err_msg());
}

static int restart_apiserver(void)
{
    const char *root = getenv("FC_ROOT");
    char script[1024];
    snprintf(script, sizeof script, "%s/tests/env/cluster-up.sh", root ? root : ".");
    char *argv[] = {script, "--restart", "kube-apiserver", NULL};
    fc_buf out;
    fc_buf_init(&out, 1 << 20);
    int st = -1;
    int rc = fc_proc_run(argv, NULL, NULL, 180000, &out, &st);
    fc_buf_dispose(&out);
    return rc ? rc : st;
}

static int etcd_compact(void)
{
    /* etcd's JSON gateway: read the current revision, compact at it */
    char envp[1024];
    snprintf(envp, sizeof envp, "%s/env", getenv("FC_CLUSTER_DIR") ? getenv("FC_CLUSTER_DIR") : ".");
    fc_buf env;
    fc_buf_init(&env, 1 << 20);
    if (fc_buf_read_file(&env, envp)) return -1;
    char *p = strstr(env.ptr, "FC_ETCD_URL=");
    if (!p) return -1;
    char url[256];
    snprintf(url, sizeof url, "%.*s", (int)strcspn(p + 12, "\n"), p + 12);
    fc_buf_dispose(&env);
    char range[300], compact[300];
    snprintf(range, sizeof range, "%s/v3/kv/range", url);
    snprintf(compact, sizeof compact, "%s/v3/kv/compaction", url);
    char *a1[] = {"curl", "-sf", "-X", "POST", range, "-d", "{\"key\":\"Zm9v\"}", NULL};
    fc_buf out;
    fc_buf_init(&out, 1 << 20);
    int st = -1;
    if (fc_proc_run(a1, NULL, NULL, 10000, &out, &st) || st) return -1;
    json_object *o = NULL;
    if (fc_json_parse(out.ptr, out.len, &o)) return -1;
    const char *rev = fc_json_get_str(o, "header.revision");
    char body[128];
    snprintf(body, sizeof body, "{\"revision\":\"%s\",\"physical\":true}", rev ? rev : "0");
    json_object_put(o);
    fc_buf_reset(&out);
    char *a2[] = {"curl", "-sf", "-X", "POST", compact, "-d", body, NULL};
    int rc = fc_proc_run(a2, NULL, NULL, 10000, &out, &st);
    fc_buf_dispose(&out);
    return rc ? rc : st;
}

TEST(informer_survives_compaction_and_apiserver_restart_without_missing_events)
{
    fc_kube *k = client();
    const char *ns = uniq("e2e-informer");
    ensure_ns(k, ns);
    make_cm(k, ns, "before-a");
    make_cm(k, ns, "before-b");
    fc_loop *loop = fc_loop_new();
    fc_loop_start(loop);
    fc_informer_opts io = {.ns = ns, .min_backoff_ns = 200 * FC_NS_PER_MS, .max_backoff_ns = 2 * FC_NS_PER_S};
    fc_informer *inf = fc_informer_new(loop, k, &cms, &io);
    fc_informer_handler h = {on_add, on_upd, on_del, NULL};
    fc_informer_add_handler(inf, &h);
    fc_informer_start(inf);
    CHECK_INT(fc_informer_wait_synced(inf, 30 * FC_NS_PER_S), 0);
    json_object *seen = fc_informer_get(inf, ns, "before-a");
    CHECK(seen != NULL);
    json_object_put(seen);

    /* 1. live watch across an API server restart: a change made after the
     *    restart arrives through the reconnected watch */
    CHECK_INT(restart_apiserver(), 0);
    make_cm(k, ns, "after-restart");
    json_object *o = NULL;
    for (int i = 0; i < 300 && !o; i++) {
        o = fc_informer_get(inf, ns, "after-restart");
        if (!o) usleep(100000);
    }
    CHECK(o != NULL);
    json_object_put(o);

    /* 2. disconnected while changes happen, etcd compacted and the API
     *    server's watch cache reset: the stale resourceVersion is answered
     *    with 410 Gone, the informer relists and delivers the differences */
    fc_informer_stop(inf);
    int d0 = deletes, a0 = adds;
    make_cm(k, ns, "while-away");
    CHECK_INT(fc_kube_delete(k, &cms, ns, "before-b", NULL), 0);
    CHECK_INT(etcd_compact(), 0);
    CHECK_INT(restart_apiserver(), 0);
    fc_informer_start(inf);
    fc_informer_stats st;
    json_object *away = NULL, *gone = (json_object *)1;
    for (int i = 0; i < 300; i++) {
        fc_informer_get_stats(inf, &st);
        json_object_put(away);
        away = fc_informer_get(inf, ns, "while-away");
        if (gone != (json_object *)1) json_object_put(gone);
        gone = fc_informer_get(inf, ns, "before-b");
        if (st.relists_gone >= 1 && away && !gone) break;
        usleep(100000);
    }
    CHECK(st.relists_gone >= 1);
    CHECK(away != NULL);
    CHECK(gone == NULL);
    CHECK(adds - a0 >= 1);
    CHECK(deletes - d0 >= 1);
    json_object_put(away);
    fc_informer_stop(inf);
    fc_loop_stop(loop);
    fc_informer_free(inf);
    fc_loop_free(loop);
    fc_kube_free(k);
}
