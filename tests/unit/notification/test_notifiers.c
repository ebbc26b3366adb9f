/* Unit tests of every provider payload (reference 4.4), field by field, plus
 * the Git commit-status state machine (skip Progressing, severity -> state,
 * duplicate statuses not re-posted) and secret masking. No network: the
 * builders are pure functions of (provider config, event). */
#include "../testlib.h"
#include "fc/err.h"
#include "fc/json.h"
#include "notifier.h"
#include <openssl/hmac.h>

#define REV "main@sha1:5d4f6b7e8a9b0c1d2e3f4a5b6c7d8e9f0a1b2c3d"
#define SHA "5d4f6b7e8a9b0c1d2e3f4a5b6c7d8e9f0a1b2c3d"

static nc_event *event(const char *severity, const char *reason, const char *message)
{
    nc_event *e = calloc(1, sizeof *e);
    e->kind = strdup("Kustomization");
    e->ns = strdup("apps");
    e->name = strdup("webapp");
    e->uid = strdup("7b4a1e5c-0000-4000-8000-000000000001");
    e->api_version = strdup("kustomize.toolkit.fluxcd.io/v1");
    e->severity = strdup(severity);
    e->reason = strdup(reason);
    e->message = strdup(message);
    e->reporting_controller = strdup("kustomize-controller");
    e->reporting_instance = strdup("kc-1");
    e->timestamp = 1735689600;
    e->has_timestamp = true;
    nc_event_meta_set(e, "revision", REV);
    nc_event_meta_set(e, "summary", "prod cluster");
    return e;
}

static nc_provider_cfg *cfg(const char *type, const char *address)
{
    nc_provider_cfg *c = calloc(1, sizeof *c);
    c->type = strdup(type);
    c->ns = strdup("apps");
    c->name = strdup("p");
    c->uid = strdup("0c8d2e3a-1111-4222-8333-444455556666");
    c->address = address ? strdup(address) : NULL;
    c->commit_status = strdup("kustomization/webapp/0c8d2e3a");
    return c;
}

static nc_delivery *build(nc_provider_cfg *c, nc_event *e, int want_rc)
{
    nc_delivery *d = nc_delivery_new(c, e);
    int rc = nc_notifier_build(d);
    if (rc != want_rc) t_fail(__FILE__, __LINE__, "build %s: rc %d want %d (%s)", c->type, rc, want_rc, fc_err_msg());
    if (rc == 0) return d;
    nc_delivery_free(d); /* keeps the last error */
    return NULL;
}

static json_object *body(nc_delivery *d)
{
    json_object *o = NULL;
    if (fc_json_parse(d->req.body, d->req.body_len, &o)) t_fail(__FILE__, __LINE__, "body not JSON: %s", d->req.body);
    return o;
}

static const char *header(nc_delivery *d, const char *name)
{
    size_t n = strlen(name);
    for (struct curl_slist *h = d->req.headers; h; h = h->next)
        if (!strncasecmp(h->data, name, n) && h->data[n] == ':') return h->data + n + 2;
    return NULL;
}

#define J(o, path) fc_json_get_str(o, path)

TEST(slack_attachment_shape)
{
    nc_provider_cfg *c = cfg("slack", "https://hooks.slack.com/services/T/B/X");
    c->channel = strdup("alerts");
    nc_delivery *d = build(c, event("error", "HealthCheckFailed", "Health check failed"), 0);
    CHECK_STR(d->req.method, "POST");
    CHECK_STR(d->req.url, "https://hooks.slack.com/services/T/B/X");
    CHECK_STR(header(d, "Content-Type"), "application/json");
    CHECK(header(d, "Authorization") == NULL);
    json_object *o = body(d);
    CHECK_STR(J(o, "channel"), "alerts");
    CHECK_STR(J(o, "username"), "kustomize-controller");
    CHECK_STR(J(o, "icon_url"), "");
    CHECK_STR(J(o, "icon_emoji"), "");
    CHECK(fc_json_key(o, "text") == NULL);
    json_object *a = json_object_array_get_idx(fc_json_key(o, "attachments"), 0);
    CHECK_INT(json_object_array_length(fc_json_key(o, "attachments")), 1);
    CHECK_STR(J(a, "color"), "danger");
    CHECK_STR(J(a, "author_name"), "kustomization/webapp.apps");
    CHECK_STR(J(a, "text"), "Health check failed");
    CHECK_STR(json_object_get_string(json_object_array_get_idx(fc_json_key(a, "mrkdwn_in"), 0)), "text");
    json_object *f = fc_json_key(a, "fields");
    CHECK_INT(json_object_array_length(f), 2);
    CHECK_STR(J(json_object_array_get_idx(f, 0), "title"), "revision");
    CHECK_STR(J(json_object_array_get_idx(f, 0), "value"), REV);
    CHECK(!fc_json_get_bool(json_object_array_get_idx(f, 0), "short", true));
    CHECK_STR(J(json_object_array_get_idx(f, 1), "title"), "summary");
    json_object_put(o);
    nc_delivery_free(d);
}

TEST(slack_bot_token_and_api_response_validation)
{
    nc_provider_cfg *c = cfg("slack", "https://slack.com/api/chat.postMessage");
    c->token = strdup("xoxb-secret");
    c->username = strdup("flux");
    nc_delivery *d = build(c, event("info", "ReconciliationSucceeded", "ok"), 0);
    CHECK_STR(header(d, "Authorization"), "Bearer xoxb-secret");
    json_object *o = body(d);
    CHECK_STR(J(o, "username"), "flux");
    CHECK_STR(J(json_object_array_get_idx(fc_json_key(o, "attachments"), 0), "color"), "good");
    json_object_put(o);
    CHECK(d->on_response != NULL);
    CHECK_INT(d->on_response(d, 200, "{\"ok\":true}", 11), 0);
    const char *nok = "{\"ok\":false,\"error\":\"channel_not_found\"}";
    CHECK(d->on_response(d, 200, nok, strlen(nok)) < 0);
    CHECK_STR(d->err, "Slack responded with error: channel_not_found");
    nc_delivery_free(d);
}

static const char TEAMS_CARD[] =
    "{\"type\":\"message\",\"attachments\":[{\"contentType\":\"application/vnd.microsoft.card.adaptive\",\"content\":{"
    "\"$schema\":\"http://adaptivecards.io/schemas/adaptive-card.json\",\"type\":\"AdaptiveCard\",\"version\":\"1.4\","
    "\"body\":[{\"type\":\"Container\",\"items\":["
    "{\"type\":\"TextBlock\",\"text\":\"kustomization/webapp.apps\",\"size\":\"large\",\"weight\":\"bolder\",\"wrap\":true},"
    "{\"type\":\"TextBlock\",\"text\":\"Health check failed\",\"color\":\"attention\",\"wrap\":true},"
    "{\"type\":\"FactSet\",\"facts\":[{\"title\":\"summary\",\"value\":\"prod cluster\"},"
    "{\"title\":\"revision\",\"value\":\"" REV "\"}]}]}],"
    "\"msteams\":{\"width\":\"Full\"}}}]}";

TEST(msteams_workflows_adaptive_card_exact)
{
    nc_provider_cfg *c = cfg("msteams", "https://prod-12.westeurope.logic.azure.com:443/workflows/abc/triggers/manual/paths/invoke?sig=s");
    nc_delivery *d = build(c, event("error", "HealthCheckFailed", "Health check failed"), 0);
    CHECK_STR(d->req.body, TEAMS_CARD);
    nc_delivery_free(d);
    /* info: no color, facts still summary first */
    c = cfg("msteams", "https://api.powerautomate.com/x");
    d = build(c, event("info", "ReconciliationSucceeded", "Applied revision"), 0);
    json_object *o = body(d);
    json_object *items = fc_json_get(json_object_array_get_idx(fc_json_key(o, "attachments"), 0), "content.body");
    items = fc_json_key(json_object_array_get_idx(items, 0), "items");
    CHECK(fc_json_key(json_object_array_get_idx(items, 1), "color") == NULL);
    CHECK_STR(J(json_object_array_get_idx(items, 1), "text"), "Applied revision");
    json_object_put(o);
    nc_delivery_free(d);
}

TEST(msteams_legacy_connector_message_card)
{
    nc_provider_cfg *c = cfg("msteams", "https://contoso.webhook.office.com/webhookb2/x");
    nc_delivery *d = build(c, event("error", "HealthCheckFailed", "Health check failed"), 0);
    json_object *o = body(d);
    CHECK_STR(J(o, "@type"), "MessageCard");
    CHECK_STR(J(o, "@context"), "http://schema.org/extensions");
    CHECK_STR(J(o, "themeColor"), "FF0000");
    CHECK_STR(J(o, "summary"), "kustomization/webapp.apps");
    json_object *s = json_object_array_get_idx(fc_json_key(o, "sections"), 0);
    CHECK_STR(J(s, "activityTitle"), "Health check failed");
    CHECK_STR(J(s, "activitySubtitle"), "kustomization/webapp.apps");
    CHECK_STR(J(json_object_array_get_idx(fc_json_key(s, "facts"), 0), "name"), "revision");
    json_object_put(o);
    nc_delivery_free(d);
    d = build(cfg("msteams", "https://contoso.webhook.office.com/x"), event("info", "X", "m"), 0);
    o = body(d);
    CHECK_STR(J(o, "themeColor"), "0076D7");
    json_object_put(o);
    nc_delivery_free(d);
}

TEST(discord_and_rocket_use_slack_attachments)
{
    nc_delivery *d = build(cfg("discord", "https://discord.com/api/webhooks/1/abc"), event("error", "X", "boom"), 0);
    CHECK_STR(d->req.url, "https://discord.com/api/webhooks/1/abc/slack");
    json_object *o = body(d);
    CHECK_STR(J(o, "channel"), "");
    CHECK_STR(J(o, "username"), "kustomize-controller");
    json_object_put(o);
    nc_delivery_free(d);
    nc_provider_cfg *c = cfg("rocket", "https://rocket.example.com/hooks/x");
    c->channel = strdup("#ops");
    d = build(c, event("info", "X", "fine"), 0);
    o = body(d);
    CHECK_STR(J(o, "channel"), "#ops");
    CHECK_STR(J(o, "username"), "");
    CHECK_STR(J(json_object_array_get_idx(fc_json_key(o, "attachments"), 0), "color"), "#0076D7");
    json_object_put(o);
    nc_delivery_free(d);
}

TEST(generic_posts_the_event_and_hmac_signs_it)
{
    nc_provider_cfg *c = cfg("generic", "http://127.0.0.1:9/hook");
    c->headers = calloc(1, sizeof *c->headers);
    c->headers[0].key = strdup("X-Team");
    c->headers[0].value = strdup("platform");
    c->nheaders = 1;
    nc_delivery *d = build(c, event("error", "HealthCheckFailed", "boom"), 0);
    CHECK_STR(header(d, "gotk-component"), "kustomize-controller");
    CHECK_STR(header(d, "X-Team"), "platform");
    CHECK(header(d, "X-Signature") == NULL);
    json_object *o = body(d);
    CHECK_STR(J(o, "involvedObject.kind"), "Kustomization");
    CHECK_STR(J(o, "metadata.summary"), "prod cluster");
    CHECK_STR(J(o, "timestamp"), "2025-01-01T00:00:00Z");
    json_object_put(o);
    nc_delivery_free(d);

    c = cfg("generic-hmac", "http://127.0.0.1:9/hook");
    build(c, event("info", "X", "m"), FC_EINVAL); /* no token: no HMAC key */
    CHECK_CONTAINS(fc_err_msg(), "needs a token");
}

TEST(generic_hmac_signature_verifies)
{
    nc_provider_cfg *c = cfg("generic-hmac", "http://127.0.0.1:9/hook");
    c->token = strdup("shared-secret");
    nc_delivery *d = build(c, event("info", "X", "m"), 0);
    unsigned char md[32];
    unsigned int n = 0;
    HMAC(EVP_sha256(), "shared-secret", 13, (const unsigned char *)d->req.body, d->req.body_len, md, &n);
    char want[80] = "sha256=";
    for (unsigned i = 0; i < n; i++) snprintf(want + 7 + 2 * i, 3, "%02x", md[i]);
    CHECK_STR(header(d, "X-Signature"), want);
    nc_delivery_free(d);
}

TEST(googlechat_webex_lark_matrix_telegram_shapes)
{
    nc_delivery *d = build(cfg("googlechat", "https://chat.googleapis.com/v1/spaces/x"), event("error", "X", "boom"), 0);
    json_object *o = body(d);
    json_object *card = json_object_array_get_idx(fc_json_key(o, "cards"), 0);
    CHECK_STR(J(card, "header.title"), "kustomization/webapp.apps");
    CHECK_STR(J(card, "header.subtitle"), "kustomize-controller");
    json_object *secs = fc_json_key(card, "sections");
    CHECK_INT(json_object_array_length(secs), 2);
    json_object *w0 = json_object_array_get_idx(fc_json_key(json_object_array_get_idx(secs, 0), "widgets"), 0);
    CHECK_STR(J(w0, "textParagraph.text"), "<font color=\"#ff0000\">boom</font>");
    json_object *kv = json_object_array_get_idx(fc_json_key(json_object_array_get_idx(secs, 1), "widgets"), 1);
    CHECK_STR(J(kv, "keyValue.topLabel"), "summary");
    json_object_put(o);
    nc_delivery_free(d);

    nc_provider_cfg *c = cfg("webex", "https://webexapis.com/v1/messages");
    c->channel = strdup("room-1");
    c->token = strdup("bot-token");
    d = build(c, event("info", "X", "fine"), 0);
    o = body(d);
    CHECK_STR(J(o, "roomId"), "room-1");
    CHECK_STR(J(o, "markdown"), "\xE2\x9C\x85 **kustomization/webapp.apps**\nfine\n>**revision**: " REV "\n>**summary**: prod cluster\n");
    CHECK_STR(header(d, "Authorization"), "Bearer bot-token");
    json_object_put(o);
    nc_delivery_free(d);

    d = build(cfg("lark", "https://open.larksuite.com/x"), event("error", "X", "boom"), 0);
    o = body(d);
    CHECK_STR(J(o, "msg_type"), "interactive");
    CHECK(fc_json_get_bool(o, "card.config.wide_screen_mode", false));
    CHECK_STR(J(o, "card.header.template"), "red");
    CHECK_STR(J(o, "card.header.title.content"), "\xF0\x9F\x9A\xA8 kustomization/webapp.apps");
    CHECK_STR(J(json_object_array_get_idx(fc_json_get(o, "card.elements"), 0), "text.content"),
              "**boom**\n\nrevision: " REV "\nsummary: prod cluster\n");
    json_object_put(o);
    nc_delivery_free(d);

    c = cfg("matrix", "https://matrix.example.org");
    c->channel = strdup("!room:example.org");
    c->token = strdup("mx");
    d = build(c, event("info", "X", "fine"), 0);
    CHECK_STR(d->req.method, "PUT");
    CHECK_CONTAINS(d->req.url, "https://matrix.example.org/_matrix/client/r0/rooms/!room:example.org/send/m.room.message/");
    o = body(d);
    CHECK_STR(J(o, "msgtype"), "m.text");
    CHECK_STR(J(o, "body"), "\xF0\x9F\x92\xAB kustomization/webapp.apps\nfine\n- revision: " REV "\n- summary: prod cluster\n");
    json_object_put(o);
    nc_delivery_free(d);

    c = cfg("telegram", NULL);
    c->channel = strdup("-100123:42");
    c->token = strdup("123:ABC");
    d = build(c, event("error", "X", "a.b"), 0);
    CHECK_STR(d->req.url, "https://api.telegram.org/bot123:ABC/sendMessage");
    o = body(d);
    CHECK_STR(J(o, "chat_id"), "-100123");
    CHECK_STR(J(o, "message_thread_id"), "42");
    CHECK_STR(J(o, "parse_mode"), "MarkdownV2");
    CHECK_CONTAINS(J(o, "text"), "*\xF0\x9F\x9A\xA8 kustomization/webapp/apps*\na\\.b\n\\- *revision*: main@sha1:");
    json_object_put(o);
    nc_delivery_free(d);
    build(cfg("telegram", NULL), event("info", "X", "m"), FC_EINVAL);
}

TEST(opsgenie_pagerduty_datadog_alertmanager_grafana_shapes)
{
    nc_provider_cfg *c = cfg("opsgenie", "https://api.opsgenie.com/v2/alerts");
    c->token = strdup("genie");
    nc_delivery *d = build(c, event("error", "X", "boom"), 0);
    CHECK_STR(header(d, "Authorization"), "GenieKey genie");
    json_object *o = body(d);
    CHECK_STR(J(o, "message"), "Kustomization/webapp");
    CHECK_STR(J(o, "description"), "boom");
    CHECK_STR(J(o, "details.severity"), "error");
    CHECK_STR(J(o, "details.revision"), REV);
    json_object_put(o);
    nc_delivery_free(d);

    c = cfg("pagerduty", "https://events.pagerduty.com");
    c->channel = strdup("routing");
    d = build(c, event("error", "HealthCheckFailed", "boom"), 0);
    CHECK_STR(d->req.url, "https://events.pagerduty.com/v2/enqueue");
    o = body(d);
    CHECK_STR(J(o, "routing_key"), "routing");
    CHECK_STR(J(o, "event_action"), "trigger");
    CHECK_STR(J(o, "dedup_key"), "7b4a1e5c-0000-4000-8000-000000000001");
    CHECK_STR(J(o, "payload.summary"), "health check failed: kustomization/webapp");
    CHECK_STR(J(o, "payload.source"), "Flux kustomize-controller");
    CHECK_STR(J(o, "payload.severity"), "error");
    CHECK_STR(J(o, "payload.custom_details.message"), "boom");
    json_object_put(o);
    CHECK_INT(d->on_response(d, 202, "", 0), 0); /* errors: one request */
    nc_delivery_free(d);
    c = cfg("pagerduty", "https://events.pagerduty.com/x");
    c->channel = strdup("routing");
    d = build(c, event("info", "ReconciliationSucceeded", "ok"), 0);
    o = body(d);
    CHECK_STR(J(o, "event_action"), "resolve");
    CHECK(fc_json_key(o, "payload") == NULL);
    json_object_put(o);
    CHECK_INT(d->on_response(d, 202, "", 0), NC_NEXT);
    CHECK_STR(d->req.url, "https://events.pagerduty.com/v2/change/enqueue");
    o = body(d);
    CHECK_STR(J(o, "payload.summary"), "reconciliation succeeded: kustomization/webapp");
    json_object_put(o);
    CHECK_INT(d->on_response(d, 202, "", 0), 0);
    nc_delivery_free(d);
    c = cfg("pagerduty", "https://events.pagerduty.com");
    build(c, event("info", "Progressing", "x"), NC_SKIP);

    c = cfg("datadog", "https://api.datadoghq.eu");
    c->token = strdup("ddkey");
    d = build(c, event("error", "HealthCheckFailed", "boom"), 0);
    CHECK_STR(d->req.url, "https://api.datadoghq.eu/api/v1/events");
    CHECK_STR(header(d, "DD-API-KEY"), "ddkey");
    o = body(d);
    CHECK_STR(J(o, "title"), "Events from the Kustomization webapp/apps");
    CHECK_STR(J(o, "alert_type"), "error");
    CHECK_STR(J(o, "source_type_name"), "fluxcd");
    CHECK_INT(fc_json_get_int(o, "date_happened", 0), 1735689600);
    json_object *tags = fc_json_key(o, "tags");
    CHECK_STR(json_object_get_string(json_object_array_get_idx(tags, 0)), "flux_reporting_controller:kustomize-controller");
    CHECK_STR(json_object_get_string(json_object_array_get_idx(tags, 2)), "kube_kind:kustomization");
    CHECK_STR(json_object_get_string(json_object_array_get_idx(tags, 6)), "summary:prod cluster");
    json_object_put(o);
    nc_delivery_free(d);

    c = cfg("alertmanager", "https://am.example.com/api/v2/alerts");
    c->username = strdup("u");
    c->password = strdup("p");
    d = build(c, event("error", "HealthCheckFailed", "boom"), 0);
    CHECK_STR(header(d, "Authorization"), "Basic dTpw");
    o = body(d);
    json_object *a = json_object_array_get_idx(o, 0);
    CHECK_STR(J(a, "status"), "firing");
    CHECK_STR(J(a, "labels.alertname"), "FluxKustomizationHealthcheckfailed");
    CHECK_STR(J(a, "labels.severity"), "error");
    CHECK_STR(J(a, "labels.reportingcontroller"), "kustomize-controller");
    CHECK_STR(J(a, "labels.revision"), REV);
    CHECK(fc_json_get(a, "labels.summary") == NULL);
    CHECK_STR(J(a, "annotations.summary"), "prod cluster");
    CHECK_STR(J(a, "annotations.message"), "boom");
    CHECK_STR(J(a, "startsAt"), "2025-01-01T00:00:00Z");
    json_object_put(o);
    nc_delivery_free(d);

    c = cfg("grafana", "https://grafana.example.com/api/annotations/graphite");
    c->token = strdup("gt");
    d = build(c, event("info", "X", "fine"), 0);
    CHECK_STR(header(d, "Authorization"), "Bearer gt");
    o = body(d);
    CHECK_STR(J(o, "text"), "kustomization/webapp.apps");
    tags = fc_json_key(o, "tags");
    CHECK_STR(json_object_get_string(json_object_array_get_idx(tags, 0)), "flux");
    CHECK_STR(json_object_get_string(json_object_array_get_idx(tags, 2)), "revision: main@sha1|" SHA);
    CHECK_STR(json_object_get_string(json_object_array_get_idx(tags, 4)), "kind: Kustomization");
    json_object_put(o);
    nc_delivery_free(d);
}

TEST(github_commit_status_flow)
{
    nc_provider_cfg *c = cfg("github", "https://github.com/org/repo");
    c->token = strdup("ghp");
    nc_delivery *d = build(c, event("error", "HealthCheckFailed", "boom"), 0);
    CHECK_STR(d->req.method, "GET");
    CHECK_STR(d->req.url, "https://api.github.com/repos/org/repo/commits/" SHA "/status?per_page=100");
    CHECK_STR(header(d, "Authorization"), "Bearer ghp");
    /* a different latest status for our context: post */
    const char *resp = "{\"statuses\":[{\"context\":\"kustomization/webapp/0c8d2e3a\",\"state\":\"success\","
                       "\"description\":\"reconciliation succeeded\"}]}";
    CHECK_INT(d->on_response(d, 200, resp, strlen(resp)), NC_NEXT);
    CHECK_STR(d->req.method, "POST");
    CHECK_STR(d->req.url, "https://api.github.com/repos/org/repo/statuses/" SHA);
    CHECK_STR(header(d, "Authorization"), "Bearer ghp");
    json_object *o = body(d);
    CHECK_STR(J(o, "state"), "failure");
    CHECK_STR(J(o, "description"), "health check failed");
    CHECK_STR(J(o, "context"), "kustomization/webapp/0c8d2e3a");
    json_object_put(o);
    CHECK_INT(d->on_response(d, 201, "{}", 2), 0);
    nc_delivery_free(d);
    /* the same status is already there: nothing posted */
    c = cfg("github", "https://github.example.com/org/repo.git");
    c->token = strdup("ghp");
    d = build(c, event("error", "HealthCheckFailed", "boom"), 0);
    CHECK_STR(d->req.url, "https://github.example.com/api/v3/repos/org/repo/commits/" SHA "/status?per_page=100");
    resp = "{\"statuses\":[{\"context\":\"kustomization/webapp/0c8d2e3a\",\"state\":\"failure\","
           "\"description\":\"health check failed\"}]}";
    CHECK_INT(d->on_response(d, 200, resp, strlen(resp)), 0);
    nc_delivery_free(d);
    /* progressing skipped, missing revision and bad revision rejected */
    c = cfg("github", "https://github.com/org/repo");
    c->token = strdup("t");
    build(c, event("info", "Progressing", "x"), NC_SKIP);
    nc_event *e = event("info", "X", "x");
    nc_event_meta_del(e, "revision");
    c = cfg("github", "https://github.com/org/repo");
    c->token = strdup("t");
    build(c, e, FC_EINVAL);
    CHECK_STR(fc_err_msg(), "missing revision metadata");
    e = event("info", "X", "x");
    nc_event_meta_set(e, "revision", "main@sha1:xyz");
    c = cfg("github", "https://github.com/org/repo");
    c->token = strdup("t");
    build(c, e, FC_EINVAL);
    CHECK_CONTAINS(fc_err_msg(), "failed to extract commit hash");
    e = event("info", "X", "x");
    nc_event_meta_set(e, "originRevision", "v1@sha1:" SHA);
    nc_event_meta_set(e, "revision", "garbage");
    c = cfg("github", "https://github.com/org/repo");
    c->token = strdup("t");
    d = build(c, e, 0); /* originRevision wins */
    nc_delivery_free(d);
}

TEST(gitlab_gitea_bitbucket_bbserver_azure_flows)
{
    nc_provider_cfg *c = cfg("gitlab", "https://gitlab.com/group/sub/project");
    c->token = strdup("glpat");
    nc_delivery *d = build(c, event("error", "HealthCheckFailed", "boom"), 0);
    CHECK_STR(d->req.url, "https://gitlab.com/api/v4/projects/group%2Fsub%2Fproject/repository/commits/" SHA
                          "/statuses?name=kustomization%2Fwebapp%2F0c8d2e3a");
    CHECK_STR(header(d, "PRIVATE-TOKEN"), "glpat");
    CHECK_INT(d->on_response(d, 200, "[]", 2), NC_NEXT);
    CHECK_STR(d->req.url, "https://gitlab.com/api/v4/projects/group%2Fsub%2Fproject/statuses/" SHA);
    json_object *o = body(d);
    CHECK_STR(J(o, "state"), "failed");
    CHECK_STR(J(o, "name"), "kustomization/webapp/0c8d2e3a");
    json_object_put(o);
    nc_delivery_free(d);

    c = cfg("gitea", "https://gitea.example.com/org/repo");
    c->token = strdup("gt");
    d = build(c, event("info", "Progressing", "x"), 0); /* gitea: pending, not skipped */
    CHECK_STR(header(d, "Authorization"), "token gt");
    CHECK_STR(d->req.url, "https://gitea.example.com/api/v1/repos/org/repo/statuses/" SHA "?page=0&limit=50");
    const char *dup = "[{\"context\":\"kustomization/webapp/0c8d2e3a\",\"status\":\"pending\",\"description\":\"progressing\"}]";
    CHECK_INT(d->on_response(d, 200, dup, strlen(dup)), 0);
    nc_delivery_free(d);

    c = cfg("bitbucket", "https://bitbucket.org/owner/repo");
    c->token = strdup("user:app-pass");
    d = build(c, event("info", "ReconciliationSucceeded", "ok"), 0);
    char key[41];
    nc__sha1_hex("kustomization/webapp/0c8d2e3a", key);
    char want[300];
    snprintf(want, sizeof want, "https://api.bitbucket.org/2.0/repositories/owner/repo/commit/" SHA "/statuses/build/%s", key);
    CHECK_STR(d->req.url, want);
    CHECK_INT(d->on_response(d, 404, "{}", 2), NC_NEXT); /* no status yet */
    o = body(d);
    CHECK_STR(J(o, "state"), "SUCCESSFUL");
    CHECK_STR(J(o, "key"), key);
    CHECK_STR(J(o, "name"), "kustomization/webapp");
    CHECK_STR(J(o, "url"), "https://bitbucket.org");
    json_object_put(o);
    nc_delivery_free(d);
    c = cfg("bitbucket", "https://bitbucket.org/owner/repo");
    c->token = strdup("no-colon");
    build(c, event("info", "X", "ok"), FC_EINVAL);
    CHECK_CONTAINS(fc_err_msg(), "<user>:<password>");

    c = cfg("bitbucketserver", "https://bb.example.com/ctx/scm/PROJ/repo.git");
    c->token = strdup("bbt");
    d = build(c, event("error", "HealthCheckFailed", "boom"), 0);
    snprintf(want, sizeof want, "https://bb.example.com/ctx/rest/api/latest/projects/PROJ/repos/repo/commits/" SHA "/builds?key=%s", key);
    CHECK_STR(d->req.url, want);
    CHECK_STR(header(d, "x-atlassian-token"), "no-check");
    CHECK_INT(d->on_response(d, 404, "", 0), NC_NEXT);
    o = body(d);
    CHECK_STR(J(o, "name"), "kustomization/webapp [health check failed]");
    CHECK_STR(J(o, "state"), "FAILED");
    CHECK_STR(J(o, "url"), "https://bb.example.com/ctx/scm/PROJ/repo.git");
    json_object_put(o);
    nc_delivery_free(d);

    c = cfg("azuredevops", "https://dev.azure.com/org/proj/_git/repo");
    c->token = strdup("pat");
    d = build(c, event("error", "HealthCheckFailed", "boom"), 0);
    CHECK_STR(d->req.url, "https://dev.azure.com/org/proj/_apis/git/repositories/repo/commits/" SHA "/statuses?api-version=6.0");
    char *auth = nc__basic_auth("", "pat");
    CHECK_STR(header(d, "Authorization"), auth);
    free(auth);
    const char *other = "{\"count\":1,\"value\":[{\"state\":\"succeeded\",\"description\":\"x\",\"context\":"
                        "{\"genre\":\"fluxcd:prod cluster\",\"name\":\"kustomization/webapp/0c8d2e3a\"}}]}";
    CHECK_INT(d->on_response(d, 200, other, strlen(other)), NC_NEXT);
    o = body(d);
    CHECK_STR(J(o, "state"), "error");
    CHECK_STR(J(o, "context.genre"), "fluxcd:prod cluster");
    json_object_put(o);
    nc_delivery_free(d);
}

TEST(commit_status_errors_are_reported)
{
    nc_provider_cfg *c = cfg("github", "https://github.com/org/repo");
    c->token = strdup("t");
    nc_delivery *d = build(c, event("error", "X", "boom"), 0);
    CHECK(d->on_response(d, 403, "{\"message\":\"Bad credentials\"}", 29) < 0);
    CHECK_CONTAINS(d->err, "could not list commit statuses: request failed with status code 403");
    nc_delivery_free(d);
    build(cfg("github", "https://github.com/org/repo"), event("error", "X", "boom"), FC_EINVAL);
    CHECK_STR(fc_err_msg(), "github token cannot be empty");
}

TEST(camelcase_split_like_flux)
{
    const char *cases[][2] = {{"ReconciliationSucceeded", "reconciliation succeeded"},
                              {"HealthCheckFailed", "health check failed"},
                              {"PDFLoader", "pdf loader"},
                              {"ArtifactFailed2", "artifact failed 2"},
                              {"", ""}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        nc_event *e = event("info", cases[i][0], "m");
        char *desc = NULL;
        nc__name_and_description(e, NULL, &desc);
        CHECK_STR(desc, cases[i][1]);
        free(desc);
        nc_event_free(e);
    }
}

TEST(git_address_and_revision_parsing)
{
    char *b, *id;
    CHECK_INT(nc__parse_git_address("https://github.com/org/repo.git", &b, &id), 0);
    CHECK_STR(b, "https://github.com");
    CHECK_STR(id, "org/repo");
    free(b);
    free(id);
    CHECK_INT(nc__parse_git_address("ssh://git@github.com/org/repo", &b, &id), 0);
    CHECK_STR(b, "https://github.com");
    free(b);
    free(id);
    CHECK_INT(nc__parse_git_address("git@gitlab.com:group/project.git", &b, &id), 0);
    CHECK_STR(b, "https://gitlab.com");
    CHECK_STR(id, "group/project");
    free(b);
    free(id);
    CHECK(nc__parse_git_address("ftp://x/y", &b, &id) < 0);
    char *h;
    CHECK_INT(nc__parse_revision("main/" SHA, &h), 0);
    CHECK_STR(h, SHA);
    free(h);
    CHECK_INT(nc__parse_revision("sha256:" SHA "5d4f6b7e8a9b0c1d2e3f4a5b", &h), 0);
    free(h);
    CHECK(nc__parse_revision("main@sha1:abc", &h) < 0);
}

TEST(unsupported_type_and_bad_urls)
{
    build(cfg("carrier-pigeon", "https://x"), event("info", "X", "m"), FC_EINVAL);
    CHECK_STR(fc_err_msg(), "provider type carrier-pigeon is not supported");
    build(cfg("slack", "ftp://x"), event("info", "X", "m"), FC_EINVAL);
    build(cfg("slack", NULL), event("info", "X", "m"), FC_EINVAL);
    CHECK_CONTAINS(fc_err_msg(), "has no address");
}

TEST(mask_secrets_everywhere)
{
    nc_provider_cfg *c = cfg("generic", "https://hooks.example.com/T0KEN-in-url");
    c->address_secret = true;
    c->token = strdup("s3cr3t-token");
    c->password = strdup("pa55word");
    c->username = strdup("bob");
    c->proxy = strdup("http://proxyuser:proxypass@proxy:3128");
    c->headers = calloc(1, sizeof *c->headers);
    c->headers[0].key = strdup("Authorization");
    c->headers[0].value = strdup("Bearer header-secret");
    c->nheaders = 1;
    char *m = nc_mask_secrets(c, "post https://hooks.example.com/T0KEN-in-url failed: s3cr3t-token pa55word "
                                 "Bearer header-secret proxypass Ym9iOnBhNTV3b3Jk");
    CHECK(strstr(m, "s3cr3t") == NULL);
    CHECK(strstr(m, "pa55word") == NULL);
    CHECK(strstr(m, "T0KEN") == NULL);
    CHECK(strstr(m, "header-secret") == NULL);
    CHECK(strstr(m, "proxypass") == NULL);
    CHECK(strstr(m, "Ym9iOnBhNTV3b3Jk") == NULL);
    CHECK_CONTAINS(m, "*****");
    free(m);
    nc_provider_cfg_free(c);
}
