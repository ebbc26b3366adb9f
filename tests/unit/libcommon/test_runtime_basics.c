/* Unit tests of libcommon's small runtime pieces: string map, work queue
 * semantics (client-go's), Go durations, flags, base64. */
#include "../testlib.h"
#include "fc/base64.h"
#include "fc/duration.h"
#include "fc/err.h"
#include "fc/flags.h"
#include "fc/strmap.h"
#include "fc/workqueue.h"
#include <pthread.h>
#include <unistd.h>

TEST(strmap_put_get_del_grow)
{
    fc_strmap *m = fc_strmap_new(free);
    char k[32];
    for (int i = 0; i < 1000; i++) {
        snprintf(k, sizeof k, "key%d", i);
        fc_strmap_put(m, k, strdup(k));
    }
    CHECK_INT(fc_strmap_len(m), 1000);
    CHECK_STR(fc_strmap_get(m, "key567"), "key567");
    fc_strmap_put(m, "key567", strdup("replaced"));
    CHECK_STR(fc_strmap_get(m, "key567"), "replaced");
    fc_strmap_del(m, "key567");
    CHECK(!fc_strmap_has(m, "key567"));
    size_t n;
    const char **keys = fc_strmap_keys(m, &n);
    CHECK_INT(n, 999);
    CHECK_STR(keys[0], "key0");
    free(keys);
    fc_strmap_free(m);
}

TEST(workqueue_dedups_and_orders)
{
    fc_workqueue *q = fc_wq_new("t", 0, 0);
    fc_wq_add(q, "a");
    fc_wq_add(q, "b");
    fc_wq_add(q, "a");
    CHECK_INT(fc_wq_len(q), 2);
    char *k = fc_wq_get(q);
    CHECK_STR(k, "a");
    /* re-added while processing: not handed out again until done */
    fc_wq_add(q, "a");
    char *k2 = fc_wq_get(q);
    CHECK_STR(k2, "b");
    CHECK_INT(fc_wq_len(q), 0);
    fc_wq_done(q, k);
    CHECK_INT(fc_wq_len(q), 1);
    char *k3 = fc_wq_get(q);
    CHECK_STR(k3, "a");
    fc_wq_done(q, k2);
    fc_wq_done(q, k3);
    free(k);
    free(k2);
    free(k3);
    fc_wq_shutdown(q, true);
    CHECK(fc_wq_get(q) == NULL);
    fc_wq_free(q);
}

TEST(workqueue_delayed_keeps_earliest)
{
    fc_workqueue *q = fc_wq_new("t", 0, 0);
    int64_t t0 = fc_now_mono_ns();
    fc_wq_add_after(q, "x", 5 * FC_NS_PER_S);
    fc_wq_add_after(q, "x", 50 * FC_NS_PER_MS);
    char *k = fc_wq_get(q);
    int64_t el = fc_now_mono_ns() - t0;
    CHECK_STR(k, "x");
    CHECK(el >= 40 * FC_NS_PER_MS);
    CHECK(el < 4 * FC_NS_PER_S);
    fc_wq_done(q, k);
    free(k);
    fc_wq_free(q);
}

TEST(workqueue_backoff_grows_and_forget_resets)
{
    fc_workqueue *q = fc_wq_new("t", 10 * FC_NS_PER_MS, 40 * FC_NS_PER_MS);
    for (int i = 0; i < 4; i++) {
        fc_wq_add_rate_limited(q, "k");
        char *k = fc_wq_get(q);
        fc_wq_done(q, k);
        free(k);
    }
    CHECK_INT(fc_wq_num_requeues(q, "k"), 4);
    fc_wq_forget(q, "k");
    CHECK_INT(fc_wq_num_requeues(q, "k"), 0);
    fc_wq_free(q);
}

static void *getter(void *arg)
{
    return fc_wq_get(arg);
}

TEST(workqueue_shutdown_wakes_workers)
{
    fc_workqueue *q = fc_wq_new("t", 0, 0);
    pthread_t th;
    pthread_create(&th, NULL, getter, q);
    usleep(50000);
    fc_wq_shutdown(q, false);
    void *r = (void *)1;
    pthread_join(th, &r);
    CHECK(r == NULL);
    fc_wq_free(q);
}

TEST(duration_parse_and_format_like_go)
{
    int64_t ns;
    CHECK_INT(fc_duration_parse("1m30s", &ns), 0);
    CHECK_INT(ns, 90 * FC_NS_PER_S);
    CHECK_INT(fc_duration_parse("1.5h", &ns), 0);
    CHECK_INT(ns, 5400 * FC_NS_PER_S);
    CHECK_INT(fc_duration_parse("750ms", &ns), 0);
    CHECK_INT(ns, 750 * FC_NS_PER_MS);
    CHECK(fc_duration_parse("10", &ns) != 0);
    CHECK(fc_duration_parse("5x", &ns) != 0);
    CHECK(fc_duration_parse("", &ns) != 0);
    char b[32];
    fc_duration_format(5 * 60 * FC_NS_PER_S, b, sizeof b);
    CHECK_STR(b, "5m0s");
    fc_duration_format(3600 * FC_NS_PER_S, b, sizeof b);
    CHECK_STR(b, "1h0m0s");
    fc_duration_format(1500 * FC_NS_PER_MS, b, sizeof b);
    CHECK_STR(b, "1.5s");
    fc_duration_format(750 * FC_NS_PER_MS, b, sizeof b);
    CHECK_STR(b, "750ms");
    fc_duration_format(0, b, sizeof b);
    CHECK_STR(b, "0s");
    fc_duration_format(61234567890LL, b, sizeof b);
    CHECK_STR(b, "1m1.23456789s");
}

TEST(flags_parse_defaults_env_and_errors)
{
    static char *s;
    static int64_t n, d;
    static bool b;
    static fc_strlist l;
    static const fc_flag flags[] = {
        {"name", FC_FLAG_STR, &s, "def", "a string", "TEST_FLAG_NAME"},
        {"count", FC_FLAG_INT, &n, "3", "an int", NULL},
        {"wait", FC_FLAG_DURATION, &d, "1m", "a duration", NULL},
        {"on", FC_FLAG_BOOL, &b, "false", "a bool", NULL},
        {"list", FC_FLAG_STRLIST, &l, NULL, "a list", NULL},
        {0},
    };
    fc_flagset fs = {"prog", "test", flags};
    setenv("TEST_FLAG_NAME", "fromenv", 1);
    char *argv[] = {"prog", "--count=7", "--on", "--list", "a,b", "--list=c", "pos", NULL};
    int na;
    char **args;
    CHECK_INT(fc_flags_parse(&fs, 7, argv, &na, &args), 0);
    CHECK_STR(s, "fromenv");
    CHECK_INT(n, 7);
    CHECK_INT(d, 60 * FC_NS_PER_S);
    CHECK(b);
    CHECK_INT(l.n, 3);
    CHECK_STR(l.v[2], "c");
    CHECK_INT(na, 1);
    CHECK_STR(args[0], "pos");
    free(args);
    fc_flags_dispose(&fs);
    char *bad[] = {"prog", "--count=x", NULL};
    CHECK_INT(fc_flags_parse(&fs, 2, bad, NULL, NULL), 2);
    fc_flags_dispose(&fs);
    char *unknown[] = {"prog", "--nope", NULL};
    CHECK_INT(fc_flags_parse(&fs, 2, unknown, NULL, NULL), 2);
    fc_flags_dispose(&fs);
}

TEST(base64_roundtrip)
{
    const char *in = "hello\0world";
    char *e = fc_base64_encode(in, 11);
    CHECK_STR(e, "aGVsbG8Ad29ybGQ=");
    size_t n;
    char *d = fc_base64_decode(e, strlen(e), &n);
    CHECK_INT(n, 11);
    CHECK(memcmp(d, in, 11) == 0);
    char *d2 = fc_base64_decode("aGk\n", 4, &n);
    CHECK_STR(d2, "hi");
    CHECK(fc_base64_decode("!!!!", 4, &n) == NULL);
    free(e);
    free(d);
    free(d2);
}
