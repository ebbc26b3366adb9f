/* The event pipeline end to end inside one process: the real event server
 * handler on an HTTP port, the Alert index fed with Alert objects, the
 * dispatcher with fake Provider/Secret lookups and an event recorder, and an
 * in-process sink that records what providers receive. Covers severity
 * filtering, sources ('*', names, namespaces, matchLabels), inclusion and
 * exclusion lists, suspend, dedup (429) with durations ignored, 400/405,
 * metadata merging for the Alert, commit-status filtering, cross-namespace
 * refusal, and a failing provider retried then reported (token masked) while
 * the other providers still receive. */
#include "../testlib.h"
#include "dispatch.h"
#include "event_server.h"
#include "fc/duration.h"
#include "fc/err.h"
#include "fc/json.h"
#include "fc/base64.h"
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <pthread.h>
#include <unistd.h>

/* ------------------------------------------------------------------ sink */

#define MAXREQ 64
static struct {
    pthread_mutex_t mu;
    int n;
    char path[MAXREQ][160];
    char body[MAXREQ][4096];
    char sig[MAXREQ][100];
} S = {PTHREAD_MUTEX_INITIALIZER};

static void sink(const fc_http_req *req, fc_http_resp *resp, void *arg)
{
    (void)arg;
    pthread_mutex_lock(&S.mu);
    if (S.n < MAXREQ) {
        snprintf(S.path[S.n], sizeof S.path[0], "%s", req->path);
        snprintf(S.body[S.n], sizeof S.body[0], "%s", req->body);
        const char *sig = fc_http_header(req, "X-Signature");
        snprintf(S.sig[S.n], sizeof S.sig[0], "%s", sig ? sig : "");
        S.n++;
    }
    pthread_mutex_unlock(&S.mu);
    if (!strcmp(req->path, "/fail")) fc_http_resp_text(resp, 500, "upstream down, token=sup3r-s3cret");
    else fc_http_resp_text(resp, 200, "{}");
}

static int hits(const char *path)
{
    int c = 0;
    pthread_mutex_lock(&S.mu);
    for (int i = 0; i < S.n; i++)
        if (!strcmp(S.path[i], path)) c++;
    pthread_mutex_unlock(&S.mu);
    return c;
}

static json_object *last_body(const char *path)
{
    json_object *o = NULL;
    pthread_mutex_lock(&S.mu);
    for (int i = S.n - 1; i >= 0; i--)
        if (!strcmp(S.path[i], path)) {
            fc_json_parse(S.body[i], strlen(S.body[i]), &o);
            break;
        }
    pthread_mutex_unlock(&S.mu);
    return o;
}

/* ------------------------------------------------------- fake kubernetes */

static int sink_port;
static json_object *providers; /* name -> Provider */
static struct {
    pthread_mutex_t mu;
    int n;
    char reason[32][64];
    char msg[32][1024];
    char obj[32][128];
} R = {PTHREAD_MUTEX_INITIALIZER};

static json_object *get_provider(void *arg, const char *ns, const char *name)
{
    (void)arg;
    json_object *p = fc_json_key(providers, name);
    if (!p || strcmp(fc_json_get_str(p, "metadata.namespace"), ns)) return NULL;
    return fc_json_copy(p);
}

static int get_secret(void *arg, const char *ns, const char *name, json_object **out)
{
    (void)arg;
    (void)ns;
    if (strcmp(name, "token")) return fc_err_set(FC_ENOTFOUND, "secrets \"%s\" not found", name);
    json_object *s = json_object_new_object();
    char *b = fc_base64_encode("sup3r-s3cret", 12);
    fc_json_set_str(s, "data.token", b);
    free(b);
    *out = s;
    return 0;
}

static void record(void *arg, json_object *obj, const char *type, const char *reason, const char *message,
                   json_object *ann)
{
    (void)arg;
    (void)ann;
    CHECK_STR(type, "Warning");
    pthread_mutex_lock(&R.mu);
    if (R.n < 32) {
        snprintf(R.reason[R.n], 64, "%s", reason);
        snprintf(R.msg[R.n], 1024, "%s", message);
        snprintf(R.obj[R.n], 128, "%s/%s/%s", fc_json_get_str(obj, "kind"), fc_json_get_str(obj, "metadata.namespace"),
                 fc_json_get_str(obj, "metadata.name"));
        R.n++;
    }
    pthread_mutex_unlock(&R.mu);
}

static int labels_fn(void *arg, const nc_event *e, json_object **out)
{
    (void)arg;
    if (!strcmp(e->name, "ghost")) return FC_ENOTFOUND;
    *out = json_object_new_object();
    if (!strncmp(e->name, "team-a", 6)) fc_json_set_str(*out, "team", "a");
    return 0;
}

static void add_provider(const char *name, const char *type, const char *path, bool with_secret, bool suspend)
{
    char addr[128];
    snprintf(addr, sizeof addr, "http://127.0.0.1:%d%s", sink_port, path);
    json_object *p = json_object_new_object();
    fc_json_set_str(p, "metadata.name", name);
    fc_json_set_str(p, "metadata.namespace", "apps");
    fc_json_set_str(p, "metadata.uid", "0c8d2e3a-1111-4222-8333-444455556666");
    fc_json_set_str(p, "spec.type", type);
    fc_json_set_str(p, "spec.address", addr);
    fc_json_set_str(p, "spec.timeout", "3s");
    if (with_secret) fc_json_set_str(p, "spec.secretRef.name", "token");
    if (suspend) fc_json_set(p, "spec.suspend", json_object_new_boolean(1));
    json_object_object_add(providers, name, p);
}

static void add_alert(nc_alert_index *ix, const char *yamlish_json)
{
    json_object *o = NULL;
    if (fc_json_parse(yamlish_json, strlen(yamlish_json), &o)) t_fail(__FILE__, __LINE__, "alert json: %s", fc_err_msg());
    nc_alert_index_put(ix, nc_alert_compile(o));
    json_object_put(o);
}

/* ---------------------------------------------------------------- setup */

static fc_httpd *sink_srv, *event_srv;
static nc_dispatcher *disp;
static nc_event_server es;
static nc_alert_index *ix;

static void setup(bool no_cross_ns)
{
    sink_srv = fc_httpd_start("127.0.0.1:0", NULL, sink, NULL);
    sink_port = fc_httpd_port(sink_srv);
    providers = json_object_new_object();
    add_provider("teams", "msteams", "/teams", false, false);
    add_provider("slack", "slack", "/slack", false, false);
    add_provider("hmac", "generic-hmac", "/hmac", true, false);
    add_provider("broken", "generic", "/fail", true, false);
    add_provider("muted", "generic", "/muted", false, true);
    add_provider("github", "github", "/org/repo", true, false);
    ix = nc_alert_index_new();
    nc_dispatch_opts o = {.deps = {get_provider, get_secret, record, NULL},
                          .no_cross_namespace_refs = no_cross_ns,
                          .sender = {.retry_min_ns = 100 * FC_NS_PER_MS, .retry_max_ns = 200 * FC_NS_PER_MS}};
    disp = nc_dispatcher_new(&o);
    es = (nc_event_server){.rl = nc_ratelimit_new(300 * FC_NS_PER_S, 0), .alerts = ix, .disp = disp, .labels = labels_fn,
                           .record = record};
    fc_httpd_opts ho = {.max_body = NC_MAX_BODY};
    event_srv = fc_httpd_start("127.0.0.1:0", &ho, nc_event_server_handle, &es);
}

static void teardown(void)
{
    fc_httpd_stop(event_srv);
    nc_dispatcher_free(disp);
    nc_ratelimit_free(es.rl);
    nc_alert_index_free(ix);
    fc_httpd_stop(sink_srv);
    json_object_put(providers);
}

static long post(const char *method, const char *body)
{
    CURL *h = curl_easy_init();
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/", fc_httpd_port(event_srv));
    curl_easy_setopt(h, CURLOPT_URL, url);
    struct curl_slist *hl = curl_slist_append(NULL, "Content-Type: application/json");
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hl);
    if (!strcmp(method, "POST")) curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
    FILE *devnull = fopen("/dev/null", "w");
    curl_easy_setopt(h, CURLOPT_WRITEDATA, devnull);
    long code = 0;
    if (curl_easy_perform(h) == CURLE_OK) curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
    fclose(devnull);
    curl_slist_free_all(hl);
    curl_easy_cleanup(h);
    return code;
}

static char *event(const char *ns, const char *name, const char *severity, const char *reason, const char *message,
                   const char *extra_meta)
{
    char *s = NULL;
    if (asprintf(&s,
                 "{\"involvedObject\":{\"kind\":\"Kustomization\",\"namespace\":\"%s\",\"name\":\"%s\",\"uid\":\"u1\","
                 "\"apiVersion\":\"kustomize.toolkit.fluxcd.io/v1\"},\"severity\":\"%s\",\"timestamp\":\"2025-01-01T00:00:00Z\","
                 "\"message\":\"%s\",\"reason\":\"%s\",\"metadata\":{\"kustomize.toolkit.fluxcd.io/revision\":"
                 "\"main@sha1:5d4f6b7e8a9b0c1d2e3f4a5b6c7d8e9f0a1b2c3d\"%s%s},\"reportingController\":\"kustomize-controller\"}",
                 ns, name, severity, message, reason, extra_meta ? "," : "", extra_meta ? extra_meta : "") < 0)
        return NULL;
    return s;
}

static long send_event(const char *ns, const char *name, const char *severity, const char *reason, const char *message,
                       const char *extra_meta)
{
    char *e = event(ns, name, severity, reason, message, extra_meta);
    long c = post("POST", e);
    free(e);
    return c;
}

static void drain(void) { CHECK_INT(nc_dispatcher_wait_idle(disp, 15 * FC_NS_PER_S), 0); }

#define ALERT(name, provider, severity, rest)                                                                          \
    "{\"apiVersion\":\"notification.toolkit.fluxcd.io/v1beta3\",\"kind\":\"Alert\",\"metadata\":{\"name\":\"" name      \
    "\",\"namespace\":\"apps\",\"uid\":\"a-" name "\"},\"spec\":{\"providerRef\":{\"name\":\"" provider                \
    "\"},\"eventSeverity\":\"" severity "\"" rest "}}"

/* ----------------------------------------------------------------- tests */

TEST(error_alert_sends_teams_and_slack_once_and_ignores_success)
{
    setup(false);
    add_alert(ix, ALERT("to-teams", "teams", "error", ",\"eventSources\":[{\"kind\":\"Kustomization\",\"name\":\"*\"}]"));
    add_alert(ix, ALERT("to-slack", "slack", "error", ",\"eventSources\":[{\"kind\":\"Kustomization\",\"name\":\"webapp\"}]"));
    CHECK_INT(send_event("apps", "webapp", "error", "HealthCheckFailed", "Health check failed after 1.5s", NULL), 202);
    CHECK_INT(send_event("apps", "webapp", "error", "HealthCheckFailed", "Health check failed after 2.25s", NULL), 429);
    CHECK_INT(send_event("apps", "webapp", "info", "ReconciliationSucceeded", "Applied revision", NULL), 202);
    drain();
    CHECK_INT(hits("/teams"), 1);
    CHECK_INT(hits("/slack"), 1);
    json_object *t = last_body("/teams");
    CHECK_STR(fc_json_get_str(t, "type"), "message");
    json_object *items = fc_json_key(json_object_array_get_idx(
                                         fc_json_get(json_object_array_get_idx(fc_json_key(t, "attachments"), 0), "content.body"), 0),
                                     "items");
    CHECK_STR(fc_json_get_str(json_object_array_get_idx(items, 0), "text"), "kustomization/webapp.apps");
    CHECK_STR(fc_json_get_str(json_object_array_get_idx(items, 1), "color"), "attention");
    /* metadata reaches the card stripped of its group prefix */
    CHECK_STR(fc_json_get_str(json_object_array_get_idx(fc_json_key(json_object_array_get_idx(items, 2), "facts"), 0), "title"),
              "revision");
    json_object_put(t);
    json_object *s = last_body("/slack");
    CHECK_STR(fc_json_get_str(json_object_array_get_idx(fc_json_key(s, "attachments"), 0), "color"), "danger");
    json_object_put(s);
    CHECK_INT(R.n, 0);
    teardown();
}

TEST(bad_requests)
{
    setup(false);
    CHECK_INT(post("POST", "{not json"), 400);
    CHECK_INT(post("POST", "{\"involvedObject\":{\"kind\":\"K\",\"name\":\"n\"}}"), 400);
    CHECK_INT(post("GET", NULL), 405);
    char *big = malloc(NC_MAX_BODY + 100);
    memset(big, 'x', NC_MAX_BODY + 99);
    big[NC_MAX_BODY + 99] = 0;
    CHECK_INT(post("POST", big), 413);
    free(big);
    teardown();
}

TEST(failing_provider_retried_then_reported_masked_others_still_receive)
{
    setup(false);
    add_alert(ix, ALERT("to-broken", "broken", "info", ",\"eventSources\":[{\"kind\":\"Kustomization\",\"name\":\"*\"}]"));
    add_alert(ix, ALERT("to-teams", "teams", "info", ",\"eventSources\":[{\"kind\":\"Kustomization\",\"name\":\"*\"}]"));
    CHECK_INT(send_event("apps", "webapp", "error", "X", "boom", NULL), 202);
    drain();
    CHECK_INT(hits("/teams"), 1);
    CHECK(hits("/fail") >= 2); /* retried within the provider's 3s timeout */
    CHECK_INT(R.n, 1);
    CHECK_STR(R.reason[0], "NotificationDispatchFailed");
    CHECK_STR(R.obj[0], "Alert/apps/to-broken");
    CHECK_CONTAINS(R.msg[0], "failed to send notification for Kustomization/apps/webapp: request failed with status code 500");
    CHECK_CONTAINS(R.msg[0], "token=*****");
    CHECK(strstr(R.msg[0], "sup3r") == NULL);
    teardown();
}

TEST(generic_hmac_signature_over_sent_body)
{
    setup(false);
    add_alert(ix, ALERT("signed", "hmac", "info", ",\"eventSources\":[{\"kind\":\"Kustomization\",\"name\":\"*\"}]"));
    CHECK_INT(send_event("apps", "webapp", "info", "X", "signed message", NULL), 202);
    drain();
    CHECK_INT(hits("/hmac"), 1);
    unsigned char md[32];
    unsigned int n = 0;
    HMAC(EVP_sha256(), "sup3r-s3cret", 12, (const unsigned char *)S.body[0], strlen(S.body[0]), md, &n);
    char want[80] = "sha256=";
    for (unsigned i = 0; i < n; i++) snprintf(want + 7 + 2 * i, 3, "%02x", md[i]);
    CHECK_STR(S.sig[0], want);
    json_object *b = last_body("/hmac");
    CHECK_STR(fc_json_get_str(b, "message"), "signed message");
    CHECK_STR(fc_json_get_str(b, "metadata.revision"), "main@sha1:5d4f6b7e8a9b0c1d2e3f4a5b6c7d8e9f0a1b2c3d");
    json_object_put(b);
    teardown();
}

TEST(sources_namespaces_labels_lists_and_suspend)
{
    setup(false);
    add_alert(ix, ALERT("named", "teams", "info", ",\"eventSources\":[{\"kind\":\"Kustomization\",\"name\":\"only-me\"}]"));
    add_alert(ix, ALERT("other-ns", "slack", "info",
                        ",\"eventSources\":[{\"kind\":\"Kustomization\",\"name\":\"*\",\"namespace\":\"infra\"}]"));
    add_alert(ix, ALERT("labelled", "hmac", "info",
                        ",\"eventSources\":[{\"kind\":\"Kustomization\",\"name\":\"*\",\"matchLabels\":{\"team\":\"a\"}}]"));
    add_alert(ix, ALERT("lists", "muted", "info",
                        ",\"eventSources\":[{\"kind\":\"Kustomization\",\"name\":\"*\"}],\"inclusionList\":[\"^deploy\"]"));
    CHECK_INT(send_event("apps", "only-me", "info", "X", "m1", NULL), 202);
    CHECK_INT(send_event("apps", "someone-else", "info", "X", "m2", NULL), 202);
    CHECK_INT(send_event("infra", "x", "info", "X", "m3", NULL), 202);
    CHECK_INT(send_event("apps", "team-a-app", "info", "X", "m4", NULL), 202);
    CHECK_INT(send_event("apps", "team-b-app", "info", "X", "m5", NULL), 202);
    CHECK_INT(send_event("apps", "ghost", "info", "X", "m6", NULL), 202);
    drain();
    CHECK_INT(hits("/teams"), 1);
    CHECK_INT(hits("/slack"), 1);
    CHECK_INT(hits("/hmac"), 1);
    CHECK_INT(hits("/muted"), 0); /* provider suspended */
    CHECK_INT(R.n, 1);
    CHECK_STR(R.reason[0], "SourceFetchFailed");
    nc_alert_index_put(ix, nc_alert_compile(NULL)); /* an empty object never matches and never crashes */
    add_alert(ix, ALERT("incl", "teams", "info",
                        ",\"eventSources\":[{\"kind\":\"Kustomization\",\"name\":\"*\"}],\"inclusionList\":[\"(?i)(deploy\"],"
                        "\"exclusionList\":[\"dry-run\",\"[broken\"]"));
    add_alert(ix, ALERT("named", "teams", "info", ",\"suspend\":true,\"eventSources\":[{\"kind\":\"Kustomization\",\"name\":\"*\"}]"));
    CHECK_INT(send_event("apps", "n1", "info", "X", "Deploy finished", NULL), 202); /* the inclusion does not compile -> never matches */
    drain();
    CHECK_INT(hits("/teams"), 1);
    add_alert(ix, ALERT("incl", "teams", "info",
                        ",\"eventSources\":[{\"kind\":\"Kustomization\",\"name\":\"*\"}],\"inclusionList\":[\"(?i)^deploy\"],"
                        "\"exclusionList\":[\"dry-run\",\"[broken\"]"));
    CHECK_INT(send_event("apps", "n4", "info", "X", "Deploy finished", NULL), 202);
    CHECK_INT(send_event("apps", "n2", "info", "X", "Deploy dry-run finished", NULL), 202);
    CHECK_INT(send_event("apps", "n3", "info", "X", "Nothing to deploy", NULL), 202);
    drain();
    CHECK_INT(hits("/teams"), 2);
    teardown();
}

TEST(alert_metadata_summary_and_conflicts)
{
    setup(false);
    add_alert(ix, ALERT("meta", "hmac", "info",
                        ",\"eventSources\":[{\"kind\":\"Kustomization\",\"name\":\"*\"}],\"eventMetadata\":{\"env\":\"prod\","
                        "\"revision\":\"alert\"},\"summary\":\"Cluster prod\""));
    CHECK_INT(send_event("apps", "webapp", "info", "X", "m", "\"event.toolkit.fluxcd.io/owner\":\"team-a\",\"other.io/x\":\"y\""), 202);
    drain();
    json_object *b = last_body("/hmac");
    CHECK_STR(fc_json_get_str(b, "metadata.env"), "prod");
    CHECK_STR(fc_json_get_str(b, "metadata.owner"), "team-a");
    CHECK_STR(fc_json_get_str(b, "metadata.summary"), "Cluster prod");
    CHECK_STR(fc_json_get_str(b, "metadata.revision"), "main@sha1:5d4f6b7e8a9b0c1d2e3f4a5b6c7d8e9f0a1b2c3d");
    CHECK(fc_json_get(b, "metadata.x") == NULL);
    CHECK_INT(json_object_object_length(fc_json_key(b, "metadata")), 4);
    json_object_put(b);
    CHECK_INT(R.n, 1);
    CHECK_STR(R.reason[0], "MetadataAppendFailed");
    teardown();
}

TEST(commit_status_events_only_for_git_providers_and_cross_namespace_refused)
{
    setup(true);
    add_alert(ix, ALERT("chat", "slack", "info", ",\"eventSources\":[{\"kind\":\"Kustomization\",\"name\":\"*\"}]"));
    add_alert(ix, ALERT("git", "github", "info", ",\"eventSources\":[{\"kind\":\"Kustomization\",\"name\":\"*\"}]"));
    add_alert(ix, ALERT("cross", "teams", "info",
                        ",\"eventSources\":[{\"kind\":\"Kustomization\",\"name\":\"*\",\"namespace\":\"infra\"}]"));
    CHECK_INT(send_event("apps", "webapp", "info", "ReconciliationSucceeded", "ok",
                         "\"kustomize.toolkit.fluxcd.io/commit_status\":\"update\""), 202);
    CHECK_INT(send_event("infra", "webapp", "info", "X", "cross", NULL), 202);
    drain();
    CHECK_INT(hits("/slack"), 0);
    /* github: GET the combined status, then POST the new one, on the sink's
     * Enterprise-style API path */
    CHECK_INT(hits("/api/v3/repos/org/repo/commits/5d4f6b7e8a9b0c1d2e3f4a5b6c7d8e9f0a1b2c3d/status"), 1);
    CHECK_INT(hits("/api/v3/repos/org/repo/statuses/5d4f6b7e8a9b0c1d2e3f4a5b6c7d8e9f0a1b2c3d"), 1);
    json_object *st = last_body("/api/v3/repos/org/repo/statuses/5d4f6b7e8a9b0c1d2e3f4a5b6c7d8e9f0a1b2c3d");
    CHECK_STR(fc_json_get_str(st, "state"), "success");
    CHECK_STR(fc_json_get_str(st, "context"), "kustomization/webapp/0c8d2e3a");
    json_object_put(st);
    CHECK_INT(hits("/teams"), 0);
    CHECK_INT(R.n, 1);
    CHECK_CONTAINS(R.msg[0], "cross-namespace references have been blocked");
    teardown();
}

TEST(missing_provider_and_missing_secret_are_reported)
{
    setup(false);
    add_alert(ix, ALERT("nowhere", "does-not-exist", "info", ",\"eventSources\":[{\"kind\":\"Kustomization\",\"name\":\"*\"}]"));
    json_object *p = fc_json_copy(fc_json_key(providers, "hmac"));
    fc_json_set_str(p, "metadata.name", "nosecret");
    fc_json_set_str(p, "spec.secretRef.name", "absent");
    json_object_object_add(providers, "nosecret", p);
    add_alert(ix, ALERT("secretless", "nosecret", "info", ",\"eventSources\":[{\"kind\":\"Kustomization\",\"name\":\"*\"}]"));
    CHECK_INT(send_event("apps", "webapp", "info", "X", "m", NULL), 202);
    drain();
    CHECK_INT(R.n, 2);
    bool saw_provider = false, saw_secret = false;
    for (int i = 0; i < R.n; i++) {
        if (strstr(R.msg[i], "Provider.notification.toolkit.fluxcd.io \"does-not-exist\" not found")) saw_provider = true;
        if (strstr(R.msg[i], "failed to get secret 'apps/absent'")) saw_secret = true;
    }
    CHECK(saw_provider);
    CHECK(saw_secret);
    teardown();
}
