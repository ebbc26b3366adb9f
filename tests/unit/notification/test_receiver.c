/* Unit tests of Receiver request validation (reference 4.5) for every
 * supported type: signatures over the raw body (sha1/sha256/sha512), tokens,
 * content types, event filters, payload shapes; and the webhook path. A
 * wrong or missing credential must answer 401, a bad payload 400, and an
 * empty token must never authenticate. */
#include "../testlib.h"
#include "receiver.h"
#include <openssl/evp.h>
#include <openssl/hmac.h>

typedef struct hdrs {
    const char *kv[8][2];
} hdrs;

static const char *get(void *arg, const char *name)
{
    hdrs *h = arg;
    for (int i = 0; i < 8 && h->kv[i][0]; i++)
        if (!strcasecmp(h->kv[i][0], name)) return h->kv[i][1];
    return NULL;
}

static char sigbuf[4][200];

static const char *sign(int slot, const char *algo, const char *key, const char *body)
{
    const EVP_MD *md = !strcmp(algo, "sha1") ? EVP_sha1() : !strcmp(algo, "sha256") ? EVP_sha256() : EVP_sha512();
    unsigned char out[64];
    unsigned int n = 0;
    HMAC(md, key, (int)strlen(key), (const unsigned char *)body, strlen(body), out, &n);
    int off = snprintf(sigbuf[slot], sizeof sigbuf[slot], "%s=", algo);
    for (unsigned i = 0; i < n; i++) off += snprintf(sigbuf[slot] + off, sizeof sigbuf[slot] - (size_t)off, "%02x", out[i]);
    return sigbuf[slot];
}

static int v(const char *type, const char *token, const char *const *events, hdrs *h, const char *body, char *why, char *ev)
{
    nc_receiver_req r = {type, token, events, get, h, body, strlen(body)};
    return nc_receiver_validate(&r, why, 256, ev, 64);
}

static const char BODY[] = "{\"ref\":\"refs/heads/main\",\"after\":\"5d4f\"}";

TEST(github_signed_push)
{
    char why[256], ev[64];
    const char *events[] = {"ping", "push", NULL};
    hdrs h = {{{"Content-Type", "application/json"}, {"X-GitHub-Event", "push"}, {"X-Hub-Signature-256", sign(0, "sha256", "tok", BODY)}}};
    CHECK_INT(v("github", "tok", events, &h, BODY, why, ev), 0);
    CHECK_STR(ev, "push");
    /* legacy sha1 header when sha256 is absent */
    hdrs h1 = {{{"Content-Type", "application/json; charset=utf-8"}, {"X-GitHub-Event", "ping"}, {"X-Hub-Signature", sign(1, "sha1", "tok", BODY)}}};
    CHECK_INT(v("github", "tok", events, &h1, BODY, why, ev), 0);
    /* no event filter: any event */
    CHECK_INT(v("github", "tok", NULL, &h, BODY, why, ev), 0);
}

TEST(github_rejections)
{
    char why[256], ev[64];
    const char *events[] = {"push", NULL};
    hdrs wrong = {{{"Content-Type", "application/json"}, {"X-GitHub-Event", "push"}, {"X-Hub-Signature-256", sign(0, "sha256", "other", BODY)}}};
    CHECK_INT(v("github", "tok", events, &wrong, BODY, why, ev), 401);
    CHECK_CONTAINS(why, "payload signature check failed");
    CHECK(strstr(why, "tok") == NULL);
    hdrs none = {{{"Content-Type", "application/json"}, {"X-GitHub-Event", "push"}}};
    CHECK_INT(v("github", "tok", events, &none, BODY, why, ev), 401);
    CHECK_CONTAINS(why, "missing signature");
    hdrs tampered = {{{"Content-Type", "application/json"}, {"X-GitHub-Event", "push"}, {"X-Hub-Signature-256", sign(0, "sha256", "tok", BODY)}}};
    CHECK_INT(v("github", "tok", events, &tampered, "{\"ref\":\"refs/heads/evil\"}", why, ev), 401);
    hdrs badhex = {{{"Content-Type", "application/json"}, {"X-GitHub-Event", "push"}, {"X-Hub-Signature-256", "sha256=zz"}}};
    CHECK_INT(v("github", "tok", events, &badhex, BODY, why, ev), 401);
    hdrs md5 = {{{"Content-Type", "application/json"}, {"X-GitHub-Event", "push"}, {"X-Hub-Signature-256", "md5=00"}}};
    CHECK_INT(v("github", "tok", events, &md5, BODY, why, ev), 401);
    hdrs issue = {{{"Content-Type", "application/json"}, {"X-GitHub-Event", "issues"}, {"X-Hub-Signature-256", sign(0, "sha256", "tok", BODY)}}};
    CHECK_INT(v("github", "tok", events, &issue, BODY, why, ev), 400);
    CHECK_STR(why, "the GitHub event \"issues\" is not authorised");
    hdrs xml = {{{"Content-Type", "text/xml"}, {"X-GitHub-Event", "push"}, {"X-Hub-Signature-256", sign(0, "sha256", "tok", BODY)}}};
    CHECK_INT(v("github", "tok", events, &xml, BODY, why, ev), 400);
    CHECK_CONTAINS(why, "unsupported Content-Type text/xml");
    /* an empty token never authenticates, even with a matching "signature" */
    hdrs e = {{{"Content-Type", "application/json"}, {"X-GitHub-Event", "push"}, {"X-Hub-Signature-256", sign(0, "sha256", "", BODY)}}};
    CHECK_INT(v("github", "", events, &e, BODY, why, ev), 401);
}

TEST(github_form_encoded_payload)
{
    char why[256], ev[64];
    const char form[] = "payload=%7B%22ref%22%3A%22main%22%7D";
    hdrs h = {{{"Content-Type", "application/x-www-form-urlencoded"}, {"X-GitHub-Event", "push"}, {"X-Hub-Signature-256", sign(0, "sha256", "tok", form)}}};
    CHECK_INT(v("github", "tok", NULL, &h, form, why, ev), 0);
    size_t n = 0;
    char *p = nc_form_value(form, strlen(form), "payload", &n);
    CHECK_STR(p, "{\"ref\":\"main\"}");
    free(p);
    CHECK(nc_form_value("a=1&b=2", 7, "c", NULL) == NULL);
    p = nc_form_value("a=1+2%2", 7, "a", NULL);
    CHECK_STR(p, "1 2%2");
    free(p);
}

TEST(generic_and_generic_hmac)
{
    char why[256], ev[64];
    hdrs none = {{{NULL, NULL}}};
    CHECK_INT(v("generic", "tok", NULL, &none, "", why, ev), 0);
    CHECK_INT(v("generic-hmac", "tok", NULL, &none, BODY, why, ev), 401);
    for (int i = 0; i < 3; i++) {
        const char *algo = i == 0 ? "sha1" : i == 1 ? "sha256" : "sha512";
        hdrs h = {{{"X-Signature", sign(2, algo, "tok", BODY)}}};
        CHECK_INT(v("generic-hmac", "tok", NULL, &h, BODY, why, ev), 0);
        hdrs bad = {{{"X-Signature", sign(2, algo, "tok2", BODY)}}};
        CHECK_INT(v("generic-hmac", "tok", NULL, &bad, BODY, why, ev), 401);
    }
}

TEST(gitlab_bitbucket_harbor_nexus)
{
    char why[256], ev[64];
    const char *events[] = {"Push Hook", NULL};
    hdrs gl = {{{"X-Gitlab-Token", "tok"}, {"X-Gitlab-Event", "Push Hook"}}};
    CHECK_INT(v("gitlab", "tok", events, &gl, BODY, why, ev), 0);
    CHECK_STR(ev, "Push Hook");
    hdrs gl2 = {{{"X-Gitlab-Token", "tok-no"}, {"X-Gitlab-Event", "Push Hook"}}};
    CHECK_INT(v("gitlab", "tok", events, &gl2, BODY, why, ev), 401);
    hdrs gl3 = {{{"X-Gitlab-Token", "tok"}, {"X-Gitlab-Event", "Tag Push Hook"}}};
    CHECK_INT(v("gitlab", "tok", events, &gl3, BODY, why, ev), 400);

    hdrs bb = {{{"Content-Type", "application/json"}, {"X-Event-Key", "repo:refs_changed"}, {"X-Hub-Signature", sign(0, "sha256", "tok", BODY)}}};
    CHECK_INT(v("bitbucket", "tok", NULL, &bb, BODY, why, ev), 0);
    CHECK_STR(ev, "repo:refs_changed");

    hdrs hb = {{{"Authorization", "tok"}}};
    CHECK_INT(v("harbor", "tok", NULL, &hb, BODY, why, ev), 0);
    hdrs hb2 = {{{"Authorization", "Bearer tok"}}};
    CHECK_INT(v("harbor", "tok", NULL, &hb2, BODY, why, ev), 401);

    const char nexus[] = "{\"action\":\"CREATED\",\"repositoryName\":\"maven-releases\"}";
    char sig[100];
    snprintf(sig, sizeof sig, "%s", sign(3, "sha1", "tok", nexus) + 5);
    hdrs nx = {{{"X-Nexus-Webhook-Signature", sig}}};
    CHECK_INT(v("nexus", "tok", NULL, &nx, nexus, why, ev), 0);
    hdrs nx2 = {{{"X-Nexus-Webhook-Signature", "00"}}};
    CHECK_INT(v("nexus", "tok", NULL, &nx2, nexus, why, ev), 401);
    hdrs nx3 = {{{NULL, NULL}}};
    CHECK_INT(v("nexus", "tok", NULL, &nx3, nexus, why, ev), 401);
    CHECK_STR(why, "the Nexus signature is missing from header");
}

TEST(registry_payload_shapes)
{
    char why[256], ev[64];
    hdrs none = {{{NULL, NULL}}};
    CHECK_INT(v("dockerhub", "tok", NULL, &none, "{\"push_data\":{\"tag\":\"v1\"},\"repository\":{\"repo_url\":\"u\"}}", why, ev), 0);
    CHECK_INT(v("dockerhub", "tok", NULL, &none, "{\"push_data\":{\"tag\":1}}", why, ev), 400);
    CHECK_INT(v("dockerhub", "tok", NULL, &none, "not json", why, ev), 400);
    CHECK_INT(v("quay", "tok", NULL, &none, "{\"docker_url\":\"quay.io/x\",\"updated_tags\":[\"v1\"]}", why, ev), 0);
    CHECK_INT(v("quay", "tok", NULL, &none, "{\"updated_tags\":\"v1\"}", why, ev), 400);
    CHECK_INT(v("acr", "tok", NULL, &none, "{\"action\":\"push\",\"target\":{\"repository\":\"r\",\"tag\":\"t\"}}", why, ev), 0);
    CHECK_INT(v("acr", "tok", NULL, &none, "[]", why, ev), 400);
    const char cde[] = "{\"context\":{\"version\":\"0.4.1\",\"id\":\"1\",\"source\":\"ci\",\"type\":\"dev.cdevents.artifact.published.0.1.1\","
                       "\"timestamp\":\"2025-01-01T00:00:00Z\"},\"subject\":{\"id\":\"pkg:oci/app\",\"content\":{}}}";
    const char *cevents[] = {"dev.cdevents.artifact.published.0.1.1", NULL};
    hdrs ce = {{{"Ce-Type", "dev.cdevents.artifact.published.0.1.1"}}};
    CHECK_INT(v("cdevents", "tok", cevents, &ce, cde, why, ev), 0);
    CHECK_INT(v("cdevents", "tok", cevents, &ce, "{\"context\":{}}", why, ev), 400);
    hdrs ce2 = {{{"Ce-Type", "dev.cdevents.pipelinerun.started.0.1.1"}}};
    CHECK_INT(v("cdevents", "tok", cevents, &ce2, cde, why, ev), 400);
    CHECK_INT(v("gcr", "tok", NULL, &none, "{}", why, ev), 400);
    CHECK(!nc_receiver_type_supported("gcr"));
    CHECK(nc_receiver_type_supported("github"));
}

TEST(webhook_path_is_sha256_of_token_name_namespace)
{
    char p[72];
    nc_receiver_path("s3cr3t-receiver-token", "github", "nct", p);
    /* printf %s s3cr3t-receiver-tokengithubnct | sha256sum */
    CHECK_STR(p, "/hook/2683035c0fa948c1a12aa4f70d4fb797b741da3c9a53005f103d097f99bba43b");
    CHECK_STR(nc_receiver_default_api_version("GitRepository"), "source.toolkit.fluxcd.io/v1");
    CHECK_STR(nc_receiver_default_api_version("ImageRepository"), "image.toolkit.fluxcd.io/v1");
    CHECK(nc_receiver_default_api_version("Kustomization") == NULL);
    char t1[64], t2[64];
    nc_receiver_request_token(t1);
    CHECK_CONTAINS(t1, " +0000 UTC");
    struct timespec ts = {0, 2000};
    nanosleep(&ts, NULL);
    nc_receiver_request_token(t2);
    CHECK(strcmp(t1, t2) != 0);
}
