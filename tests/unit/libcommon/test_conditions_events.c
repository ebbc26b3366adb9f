/* Unit tests of Flux's condition rules (Set keeps lastTransitionTime unless
 * the state changes, ordering, Summarize priorities) and of the event
 * recorder's notification payload (reference 4.3) against a local sink. */
#include "../testlib.h"
#include "fc/conditions.h"
#include "fc/duration.h"
#include "fc/events.h"
#include "fc/httpd.h"
#include "fc/json.h"
#include <pthread.h>
#include <unistd.h>

static json_object *obj_gen(int64_t gen)
{
    json_object *o = json_object_new_object();
    fc_json_set(o, "metadata.generation", json_object_new_int64(gen));
    return o;
}

TEST(set_keeps_transition_time_unless_state_changes)
{
    json_object *o = obj_gen(3);
    fc_cond_set(o, "Ready", "True", "Succeeded", "ok");
    json_object *c = fc_cond_get(o, "Ready");
    fc_json_set_str(c, "lastTransitionTime", "2001-01-01T00:00:00Z");
    fc_cond_set(o, "Ready", "True", "Succeeded", "ok");
    CHECK_STR(fc_json_key_str(fc_cond_get(o, "Ready"), "lastTransitionTime"), "2001-01-01T00:00:00Z");
    CHECK_INT(fc_json_get_int(fc_cond_get(o, "Ready"), "observedGeneration", 0), 3);
    fc_cond_set(o, "Ready", "False", "Failed", "boom");
    CHECK(strcmp(fc_json_key_str(fc_cond_get(o, "Ready"), "lastTransitionTime"), "2001-01-01T00:00:00Z") != 0);
    json_object_put(o);
}

TEST(conditions_sorted_stalled_reconciling_ready_then_alpha)
{
    json_object *o = obj_gen(1);
    fc_cond_set(o, "FetchFailed", "True", "X", "x");
    fc_cond_set(o, "ArtifactInStorage", "True", "Y", "y");
    fc_cond_set(o, "Ready", "False", "X", "x");
    fc_cond_mark_reconciling(o, "Progressing", "p");
    fc_cond_mark_stalled(o, "Bad", "b");
    json_object *c = fc_json_get(o, "status.conditions");
    const char *want[] = {"Stalled", "Ready", "ArtifactInStorage", "FetchFailed"};
    CHECK_INT(json_object_array_length(c), 4); /* Reconciling removed by stalled */
    for (int i = 0; i < 4; i++) CHECK_STR(fc_json_key_str(json_object_array_get_idx(c, i), "type"), want[i]);
    json_object_put(o);
}

TEST(summarize_abnormal_true_beats_positive_true)
{
    static const char *const types[] = {"StorageOperationFailed", "FetchFailed", "ArtifactOutdated", "ArtifactInStorage", NULL};
    static const char *const neg[] = {"StorageOperationFailed", "FetchFailed", "ArtifactOutdated", NULL};
    json_object *o = obj_gen(2);
    fc_cond_set(o, "ArtifactInStorage", "True", "Succeeded", "stored artifact for revision 'main@sha1:abc'");
    fc_cond_summarize(o, "Ready", types, neg);
    CHECK_STR(fc_cond_status(o, "Ready"), "True");
    CHECK_STR(fc_cond_reason(o, "Ready"), "Succeeded");
    CHECK_STR(fc_cond_message(o, "Ready"), "stored artifact for revision 'main@sha1:abc'");
    fc_cond_set(o, "FetchFailed", "True", "AuthenticationFailed", "auth failed");
    fc_cond_set(o, "ArtifactOutdated", "True", "NewRevision", "new");
    fc_cond_summarize(o, "Ready", types, neg);
    CHECK_STR(fc_cond_status(o, "Ready"), "False");
    CHECK_STR(fc_cond_reason(o, "Ready"), "AuthenticationFailed"); /* first in priority order */
    json_object_put(o);
}

TEST(summarize_positive_false_beats_positive_true)
{
    static const char *const types[] = {"SourceVerified", "ArtifactInStorage", NULL};
    json_object *o = obj_gen(1);
    fc_cond_set(o, "ArtifactInStorage", "True", "Succeeded", "stored");
    fc_cond_set(o, "SourceVerified", "False", "VerificationError", "bad signature");
    fc_cond_summarize(o, "Ready", types, NULL);
    CHECK_STR(fc_cond_status(o, "Ready"), "False");
    CHECK_STR(fc_cond_reason(o, "Ready"), "VerificationError");
    json_object_put(o);
}

TEST(message_truncated_to_32768)
{
    json_object *o = obj_gen(1);
    char *big = malloc(40000);
    memset(big, 'x', 39999);
    big[39999] = 0;
    fc_cond_set(o, "Ready", "False", "Failed", big);
    const char *m = fc_cond_message(o, "Ready");
    CHECK_INT(strlen(m), 32768);
    CHECK(!strcmp(m + 32765, "..."));
    free(big);
    json_object_put(o);
}

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static char *last_body;
static int nposts, reply = 202;

static void sink(const fc_http_req *req, fc_http_resp *resp, void *arg)
{
    (void)arg;
    pthread_mutex_lock(&mu);
    free(last_body);
    last_body = strdup(req->body);
    nposts++;
    pthread_mutex_unlock(&mu);
    resp->status = reply;
}

TEST(notification_payload_matches_flux_event_format)
{
    fc_httpd *srv = fc_httpd_start("127.0.0.1:0", NULL, sink, NULL);
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/", fc_httpd_port(srv));
    fc_recorder *r = fc_recorder_new(NULL, "kustomize-controller", url);
    json_object *obj = NULL;
    const char *j = "{\"apiVersion\":\"kustomize.toolkit.fluxcd.io/v1\",\"kind\":\"Kustomization\",\"metadata\":{\"name\":\"apps\","
                    "\"namespace\":\"flux-system\",\"uid\":\"u-1\",\"resourceVersion\":\"7\",\"annotations\":{"
                    "\"event.toolkit.fluxcd.io/cluster\":\"prod\",\"other\":\"x\"}}}";
    fc_json_parse(j, strlen(j), &obj);
    json_object *md = json_object_new_object();
    json_object_object_add(md, "kustomize.toolkit.fluxcd.io/revision", json_object_new_string("main@sha1:abc"));
    fc_recorder_event(r, obj, FC_EVENT_WARNING, "HealthCheckFailed", "timeout waiting for Deployment/apps/web", md);
    fc_recorder_event(r, obj, FC_EVENT_TRACE, "Progressing", "trace events are not posted", NULL);
    fc_recorder_flush(r);
    json_object *ev = NULL;
    CHECK_INT(fc_json_parse(last_body, strlen(last_body), &ev), 0);
    CHECK_INT(nposts, 1);
    CHECK_STR(fc_json_get_str(ev, "involvedObject.kind"), "Kustomization");
    CHECK_STR(fc_json_get_str(ev, "involvedObject.namespace"), "flux-system");
    CHECK_STR(fc_json_get_str(ev, "involvedObject.uid"), "u-1");
    CHECK_STR(fc_json_get_str(ev, "involvedObject.apiVersion"), "kustomize.toolkit.fluxcd.io/v1");
    CHECK_STR(fc_json_get_str(ev, "severity"), "error");
    CHECK_STR(fc_json_get_str(ev, "reason"), "HealthCheckFailed");
    CHECK_STR(fc_json_get_str(ev, "reportingController"), "kustomize-controller");
    CHECK_STR(fc_json_key_str(fc_json_key(ev, "metadata"), "kustomize.toolkit.fluxcd.io/revision"), "main@sha1:abc");
    CHECK_STR(fc_json_key_str(fc_json_key(ev, "metadata"), "event.toolkit.fluxcd.io/cluster"), "prod");
    CHECK(fc_json_key(fc_json_key(ev, "metadata"), "other") == NULL);
    CHECK(fc_json_get_str(ev, "timestamp") != NULL);
    json_object_put(ev);
    /* 429 is final: no retries */
    reply = 429;
    fc_recorder_event(r, obj, FC_EVENT_NORMAL, "ReconciliationSucceeded", "dup", NULL);
    fc_recorder_flush(r);
    CHECK_INT(nposts, 2);
    /* 500 is retried */
    reply = 500;
    fc_recorder_event(r, obj, FC_EVENT_NORMAL, "ReconciliationSucceeded", "server error", NULL);
    fc_recorder_flush(r);
    CHECK_INT(nposts, 5);
    fc_recorder_stats st;
    fc_recorder_get_stats(r, &st);
    CHECK_INT(st.post_failed, 1);
    json_object_put(md);
    json_object_put(obj);
    fc_recorder_free(r);
    fc_httpd_stop(srv);
}

TEST(dead_notification_endpoint_does_not_block_the_caller)
{
    fc_recorder *r = fc_recorder_new(NULL, "x", "http://127.0.0.1:1/");
    json_object *obj = NULL;
    const char *j = "{\"kind\":\"K\",\"metadata\":{\"name\":\"n\",\"namespace\":\"ns\"}}";
    CHECK_INT(fc_json_parse(j, strlen(j), &obj), 0);
    int64_t t0 = fc_now_mono_ns();
    for (int i = 0; i < 50; i++) fc_recorder_event(r, obj, FC_EVENT_NORMAL, "R", "m", NULL);
    /* enqueueing is immediate even though every POST will fail */
    CHECK(fc_now_mono_ns() - t0 < 500 * FC_NS_PER_MS);
    sleep(2);
    fc_recorder_stats st;
    fc_recorder_get_stats(r, &st);
    CHECK(st.post_failed >= 1);
    /* shutdown gives up on a dead endpoint after a bounded wait */
    int64_t t1 = fc_now_mono_ns();
    fc_recorder_free(r);
    CHECK(fc_now_mono_ns() - t1 < 8 * FC_NS_PER_S);
    json_object_put(obj);
}
