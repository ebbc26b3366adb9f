/* Unit tests of the event server's input handling: parsing and validation of
 * Flux's event JSON (reference 4.3), metadata cleanup and combination
 * (RFC 0008 precedence and conflicts), the dedup key (Flux's EventKey, and
 * ours with durations and timestamps normalised), and the rate limiter. */
#include "../testlib.h"
#include "event.h"
#include "fc/err.h"
#include "fc/json.h"
#include "ratelimit.h"

static const char KS_EVENT[] =
    "{\"involvedObject\":{\"kind\":\"Kustomization\",\"namespace\":\"apps\",\"name\":\"webapp\","
    "\"uid\":\"7b4a1e5c-0000-4000-8000-000000000001\",\"apiVersion\":\"kustomize.toolkit.fluxcd.io/v1\","
    "\"resourceVersion\":\"1234\"},\"severity\":\"error\",\"timestamp\":\"2025-01-01T00:00:00Z\","
    "\"message\":\"Health check failed after 1m30.5s\",\"reason\":\"HealthCheckFailed\","
    "\"metadata\":{\"kustomize.toolkit.fluxcd.io/revision\":\"main@sha1:5d4f6b7e8a9b0c1d2e3f4a5b6c7d8e9f0a1b2c3d\","
    "\"kustomize.toolkit.fluxcd.io/checksum\":\"abc\",\"kustomize.toolkit.fluxcd.io/digest\":\"sha256:1\","
    "\"kustomize.toolkit.fluxcd.io/token\":\"t1\",\"event.toolkit.fluxcd.io/summary\":\"from annotation\","
    "\"other.io/key\":\"dropped\"},\"reportingController\":\"kustomize-controller\",\"reportingInstance\":\"kc-1\"}";

static nc_event *parse(const char *s)
{
    nc_event *e = NULL;
    if (nc_event_parse(s, strlen(s), &e)) t_fail(__FILE__, __LINE__, "parse: %s", fc_err_msg());
    return e;
}

static void expect_invalid(const char *s, const char *why)
{
    nc_event *e = NULL;
    int rc = nc_event_parse(s, strlen(s), &e);
    if (rc == 0) t_fail(__FILE__, __LINE__, "accepted invalid event %s", s);
    CHECK(e == NULL);
    CHECK_CONTAINS(fc_err_msg(), why);
}

TEST(parse_flux_event_all_fields)
{
    nc_event *e = parse(KS_EVENT);
    CHECK_STR(e->kind, "Kustomization");
    CHECK_STR(e->ns, "apps");
    CHECK_STR(e->name, "webapp");
    CHECK_STR(e->uid, "7b4a1e5c-0000-4000-8000-000000000001");
    CHECK_STR(e->api_version, "kustomize.toolkit.fluxcd.io/v1");
    CHECK_STR(e->severity, "error");
    CHECK_STR(e->reason, "HealthCheckFailed");
    CHECK_STR(e->reporting_controller, "kustomize-controller");
    CHECK_STR(e->reporting_instance, "kc-1");
    CHECK_INT(e->timestamp, 1735689600);
    CHECK_INT(e->nmeta, 6);
    /* sorted by key */
    CHECK_STR(e->meta[0].key, "event.toolkit.fluxcd.io/summary");
    CHECK_STR(e->meta[5].key, "other.io/key");
    char g[64];
    nc_event_group(e, g, sizeof g);
    CHECK_STR(g, "kustomize.toolkit.fluxcd.io");
    nc_event_free(e);
}

TEST(parse_rejects_bad_input_with_clear_errors)
{
    expect_invalid("not json", "decoding the request body failed");
    expect_invalid("[1,2]", "not a JSON object");
    expect_invalid("{}", "involvedObject is required");
    expect_invalid("{\"involvedObject\":\"x\"}", "involvedObject must be an object");
    expect_invalid("{\"involvedObject\":{\"name\":\"a\",\"namespace\":\"b\"}}", "involvedObject.kind is required");
    expect_invalid("{\"involvedObject\":{\"kind\":\"K\",\"namespace\":\"b\"}}", "involvedObject.name is required");
    expect_invalid("{\"involvedObject\":{\"kind\":\"K\",\"name\":\"a\",\"namespace\":\"\"}}", "involvedObject.namespace is required");
    expect_invalid("{\"involvedObject\":{\"kind\":1,\"name\":\"a\",\"namespace\":\"b\"}}", "involvedObject.kind must be a string");
    expect_invalid("{\"involvedObject\":{\"kind\":\"K\",\"name\":\"a\",\"namespace\":\"b\"},\"message\":5}", "message must be a string");
    expect_invalid("{\"involvedObject\":{\"kind\":\"K\",\"name\":\"a\",\"namespace\":\"b\"},\"metadata\":[]}", "metadata must be an object");
    expect_invalid("{\"involvedObject\":{\"kind\":\"K\",\"name\":\"a\",\"namespace\":\"b\"},\"metadata\":{\"k\":1}}",
                   "metadata[\"k\"] must be a string");
    expect_invalid("{\"involvedObject\":{\"kind\":\"K\",\"name\":\"a\",\"namespace\":\"b\"},\"timestamp\":\"yesterday\"}",
                   "is not an RFC 3339 time");
    expect_invalid("{\"involvedObject\":{\"kind\":\"K\",\"name\":\"a\",\"namespace\":\"b\"}} trailing", "invalid JSON");
}

TEST(parse_timestamp_with_offset_and_fraction_is_utc)
{
    nc_event *e = parse("{\"involvedObject\":{\"kind\":\"K\",\"name\":\"a\",\"namespace\":\"b\"},"
                        "\"timestamp\":\"2025-01-01T02:00:00.123+02:00\",\"metadata\":null}");
    char ts[32];
    nc_event_time(e, ts);
    CHECK_STR(ts, "2025-01-01T00:00:00Z");
    CHECK_INT(e->nmeta, 0);
    nc_event_free(e);
}

TEST(cleanup_keeps_group_keys_drops_checksum_digest_others)
{
    nc_event *e = parse(KS_EVENT);
    nc_event_cleanup_metadata(e);
    CHECK_INT(e->nmeta, 3);
    CHECK_STR(e->meta[0].key, "event.toolkit.fluxcd.io/summary");
    CHECK_STR(e->meta[1].key, "kustomize.toolkit.fluxcd.io/revision");
    CHECK_STR(e->meta[2].key, "kustomize.toolkit.fluxcd.io/token");
    nc_event_drop_token(e);
    CHECK_INT(e->nmeta, 2);
    CHECK(nc_event_meta_get(e, "kustomize.toolkit.fluxcd.io/token") == NULL);
    nc_event_free(e);
}

TEST(key_matches_flux_eventkey)
{
    nc_event *e = parse(KS_EVENT);
    nc_event_cleanup_metadata(e);
    nc_event_drop_token(e); /* token would add "/token=t1" */
    char key[65];
    nc_event_key(e, false, key);
    /* sha256 of event/name=webapp/namespace=apps/kind=Kustomization/message=...
     * /revision=main@sha1:5d4f... computed with sha256sum */
    CHECK_STR(key, "11b0d27589687133ed1c1213cb25600c27c7065ebaed7ae6bad73460c04a2578");
    nc_event_key(e, true, key);
    CHECK_STR(key, "90491a75795485969b9a56de7826f21f2976f9551fb274b2a3e32da9c6b83061");
    nc_event_free(e);
}

TEST(key_changes_with_revision_and_token)
{
    nc_event *e = parse(KS_EVENT);
    nc_event_cleanup_metadata(e);
    char k1[65], k2[65], k3[65];
    nc_event_key(e, true, k1);
    nc_event_meta_set(e, "kustomize.toolkit.fluxcd.io/token", "t2");
    nc_event_key(e, true, k2);
    nc_event_meta_set(e, "kustomize.toolkit.fluxcd.io/revision", "main@sha1:ffff");
    nc_event_key(e, true, k3);
    CHECK(strcmp(k1, k2) != 0);
    CHECK(strcmp(k2, k3) != 0);
    nc_event_free(e);
}

static char *norm(const char *m)
{
    fc_buf b;
    fc_buf_init(&b, 0);
    nc_message_normalize(m, &b);
    fc_buf_putc(&b, 0);
    return fc_buf_detach(&b, NULL);
}

#define CHECK_NORM(in, want)                                                                                         \
    do {                                                                                                             \
        char *t_n = norm(in);                                                                                        \
        CHECK_STR(t_n, want);                                                                                        \
        free(t_n);                                                                                                   \
    } while (0)

TEST(normalize_durations_and_timestamps)
{
    CHECK_NORM("Reconciliation finished in 1.234s, next run in 5m0s", "Reconciliation finished in <duration>, next run in <duration>");
    CHECK_NORM("took 750ms", "took <duration>");
    CHECK_NORM("took 1h2m3.5s.", "took <duration>.");
    CHECK_NORM("took 12\xC2\xB5s", "took <duration>");
    CHECK_NORM("at 2025-01-02T03:04:05.123Z ok", "at <time> ok");
    CHECK_NORM("at 2025-01-02T03:04:05+01:00", "at <time>");
    CHECK_NORM("requested 2025-01-02 03:04:05.123456789 +0000 UTC m=+12.34 done", "requested <time> done");
    /* not durations: versions, hashes, units Go never ends a duration with */
    CHECK_NORM("chart podinfo@6.5.4 v2s abc123s", "chart podinfo@6.5.4 v2s abc123s");
    CHECK_NORM("sha1:5d4f6b7e8a9b0c1d2e3f 5m 2h", "sha1:5d4f6b7e8a9b0c1d2e3f 5m 2h");
    CHECK_NORM("replicas 3 of 10s2", "replicas 3 of 10s2");
    CHECK_NORM("", "");
}

TEST(same_situation_different_duration_same_normalized_key)
{
    nc_event *a = parse("{\"involvedObject\":{\"kind\":\"Kustomization\",\"name\":\"a\",\"namespace\":\"b\"},"
                        "\"message\":\"Reconciliation finished in 1.2s, next run in 10m0s\"}");
    nc_event *b = parse("{\"involvedObject\":{\"kind\":\"Kustomization\",\"name\":\"a\",\"namespace\":\"b\"},"
                        "\"message\":\"Reconciliation finished in 2.08s, next run in 10m0s\"}");
    char ka[65], kb[65];
    nc_event_key(a, true, ka);
    nc_event_key(b, true, kb);
    CHECK_STR(ka, kb);
    nc_event_key(a, false, ka);
    nc_event_key(b, false, kb);
    CHECK(strcmp(ka, kb) != 0); /* Flux's exact key would re-alert */
    nc_event_free(a);
    nc_event_free(b);
}

TEST(combine_metadata_precedence_and_conflicts)
{
    nc_event *e = parse(KS_EVENT);
    nc_event_cleanup_metadata(e);
    nc_event_drop_token(e);
    nc_event_meta_set(e, "kustomize.toolkit.fluxcd.io/summary", "from controller");
    json_object *em = NULL;
    const char *ems = "{\"env\":\"prod\",\"revision\":\"alert-rev\"}";
    CHECK(fc_json_parse(ems, strlen(ems), &em) == 0);
    char *conflicts = NULL;
    nc_event_combine_metadata(e, em, "alert summary", &conflicts);
    CHECK_INT(e->nmeta, 3);
    CHECK_STR(nc_event_meta_get(e, "env"), "prod");
    /* object group beats alert eventMetadata and summary */
    CHECK_STR(nc_event_meta_get(e, "revision"), "main@sha1:5d4f6b7e8a9b0c1d2e3f4a5b6c7d8e9f0a1b2c3d");
    CHECK_STR(nc_event_meta_get(e, "summary"), "from controller");
    CHECK_STR(conflicts, "revision: Alert object .spec.eventMetadata, involved object controller metadata; "
                         "summary: involved object annotations, Alert object .spec.summary, involved object controller metadata");
    CHECK_STR(nc_event_revision(e), "main@sha1:5d4f6b7e8a9b0c1d2e3f4a5b6c7d8e9f0a1b2c3d");
    free(conflicts);
    json_object_put(em);
    nc_event_free(e);
}

TEST(combine_metadata_without_conflicts)
{
    nc_event *e = parse("{\"involvedObject\":{\"kind\":\"GitRepository\",\"name\":\"a\",\"namespace\":\"b\","
                        "\"apiVersion\":\"source.toolkit.fluxcd.io/v1\"},\"metadata\":{\"source.toolkit.fluxcd.io/revision\":\"r1\"}}");
    char *conflicts = (char *)1;
    nc_event_combine_metadata(e, NULL, NULL, &conflicts);
    CHECK(conflicts == NULL);
    CHECK_INT(e->nmeta, 1);
    CHECK_STR(e->meta[0].key, "revision");
    nc_event_free(e);
}

TEST(to_json_in_flux_field_order)
{
    nc_event *e = parse(KS_EVENT);
    nc_event_cleanup_metadata(e);
    nc_event_drop_token(e);
    char *s = nc_event_dump(e);
    CHECK_STR(s, "{\"involvedObject\":{\"kind\":\"Kustomization\",\"namespace\":\"apps\",\"name\":\"webapp\","
                 "\"uid\":\"7b4a1e5c-0000-4000-8000-000000000001\",\"apiVersion\":\"kustomize.toolkit.fluxcd.io/v1\","
                 "\"resourceVersion\":\"1234\"},\"severity\":\"error\",\"timestamp\":\"2025-01-01T00:00:00Z\","
                 "\"message\":\"Health check failed after 1m30.5s\",\"reason\":\"HealthCheckFailed\",\"metadata\":{"
                 "\"event.toolkit.fluxcd.io/summary\":\"from annotation\","
                 "\"kustomize.toolkit.fluxcd.io/revision\":\"main@sha1:5d4f6b7e8a9b0c1d2e3f4a5b6c7d8e9f0a1b2c3d\"},"
                 "\"reportingController\":\"kustomize-controller\",\"reportingInstance\":\"kc-1\"}");
    free(s);
    nc_event *c = nc_event_copy(e);
    char *s2 = nc_event_dump(c);
    char *s3 = nc_event_dump(e);
    CHECK_STR(s2, s3);
    free(s2);
    free(s3);
    nc_event_free(c);
    nc_event_free(e);
}

TEST(commit_status_update_flag)
{
    nc_event *e = parse("{\"involvedObject\":{\"kind\":\"Kustomization\",\"name\":\"a\",\"namespace\":\"b\","
                        "\"apiVersion\":\"kustomize.toolkit.fluxcd.io/v1\"},"
                        "\"metadata\":{\"kustomize.toolkit.fluxcd.io/commit_status\":\"update\"}}");
    CHECK(nc_event_is_commit_status_update(e));
    nc_event_meta_set(e, "kustomize.toolkit.fluxcd.io/commit_status", "other");
    CHECK(!nc_event_is_commit_status_update(e));
    nc_event_free(e);
}

TEST(ratelimit_one_token_per_interval)
{
    const int64_t s = 1000000000LL;
    nc_ratelimit *rl = nc_ratelimit_new(300 * s, 0);
    CHECK(nc_ratelimit_allow(rl, "k1", 1000 * s));
    CHECK(!nc_ratelimit_allow(rl, "k1", 1001 * s));
    CHECK(!nc_ratelimit_allow(rl, "k1", 1299 * s));
    CHECK(nc_ratelimit_allow(rl, "k2", 1299 * s));
    CHECK(nc_ratelimit_allow(rl, "k1", 1300 * s)); /* next interval */
    CHECK(!nc_ratelimit_allow(rl, "k1", 1301 * s));
    nc_ratelimit_free(rl);
    nc_ratelimit *off = nc_ratelimit_new(0, 0);
    CHECK(nc_ratelimit_allow(off, "k", 1));
    CHECK(nc_ratelimit_allow(off, "k", 2));
    nc_ratelimit_free(off);
}

TEST(ratelimit_memory_bounded)
{
    const int64_t s = 1000000000LL;
    nc_ratelimit *rl = nc_ratelimit_new(300 * s, 1000);
    char k[32];
    for (int i = 0; i < 20000; i++) {
        snprintf(k, sizeof k, "key-%d", i);
        CHECK(nc_ratelimit_allow(rl, k, (int64_t)i * 1000)); /* all new keys pass */
    }
    CHECK(nc_ratelimit_len(rl) <= 1000);
    /* expired keys are swept */
    CHECK(nc_ratelimit_allow(rl, "late", 10000 * s));
    CHECK_INT(nc_ratelimit_len(rl), 1);
    nc_ratelimit_free(rl);
}

TEST(events_without_metadata)
{
    nc_event *e = parse("{\"involvedObject\":{\"kind\":\"TestKind\",\"name\":\"a\",\"namespace\":\"b\"},\"metadata\":{}}");
    nc_event_cleanup_metadata(e);
    char *conflicts = NULL;
    nc_event_combine_metadata(e, NULL, NULL, &conflicts);
    CHECK(conflicts == NULL);
    CHECK_INT(e->nmeta, 0);
    char key[65];
    nc_event_key(e, true, key);
    CHECK_INT(strlen(key), 64);
    char *s = nc_event_dump(e);
    CHECK(strstr(s, "metadata") == NULL);
    free(s);
    nc_event_free(e);
}

TEST(early_years_keep_four_digits)
{
    nc_event *e = parse("{\"involvedObject\":{\"kind\":\"K\",\"name\":\"a\",\"namespace\":\"b\"},\"timestamp\":\"0225-01-01T00:00:00Z\"}");
    char ts[32];
    nc_event_time(e, ts);
    CHECK_STR(ts, "0225-01-01T00:00:00Z");
    nc_event_free(e);
}
