/*
 * event-flood: POST Flux events to an event server as fast as it accepts
 * them, for the notification benchmark.
 *
 *   event-flood --url URL [--events N] [--concurrency C] [--kind KIND]
 *               [--namespace NS] [--objects M] [--severity S] [--prefix P] [--same-message]
 *
 * Events are Flux's v1beta1 JSON as kustomize-controller sends it, spread
 * over M object names (obj-0 .. obj-M-1); messages are unique per event
 * unless --same-message (then all but the first per object are duplicates
 * the server answers with 429); --prefix P starts every message with P, so
 * runs against one server do not collide in its dedup. Prints one JSON line:
 *   {"sent":N,"accepted":A,"rate_limited":R,"other":O,"errors":E,"seconds":S,"per_second":X}
 * Runs C transfers at once on one curl multi handle (keep-alive reused).
 */
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct slot {
    CURL *h;
    char body[1024];
    struct curl_slist *hdr;
} slot;

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static size_t discard(char *p, size_t s, size_t n, void *u)
{
    (void)p;
    (void)u;
    return s * n;
}

static long num(const char *s, const char *what)
{
    char *end = NULL;
    long v = strtol(s, &end, 10);
    if (!*s || *end || v <= 0) {
        fprintf(stderr, "event-flood: invalid %s \"%s\"\n", what, s);
        exit(2);
    }
    return v;
}

int main(int argc, char **argv)
{
    const char *url = NULL, *kind = "Kustomization", *ns = "bench", *severity = "error", *prefix = "";
    long events = 1000, conc = 16, objects = 10;
    int same = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--same-message")) {
            same = 1;
            continue;
        }
        if (i + 1 >= argc) goto usage;
        const char *v = argv[++i];
        if (!strcmp(argv[i - 1], "--url")) url = v;
        else if (!strcmp(argv[i - 1], "--events")) events = num(v, "--events");
        else if (!strcmp(argv[i - 1], "--concurrency")) conc = num(v, "--concurrency");
        else if (!strcmp(argv[i - 1], "--objects")) objects = num(v, "--objects");
        else if (!strcmp(argv[i - 1], "--kind")) kind = v;
        else if (!strcmp(argv[i - 1], "--namespace")) ns = v;
        else if (!strcmp(argv[i - 1], "--severity")) severity = v;
        else if (!strcmp(argv[i - 1], "--prefix")) prefix = v;
        else goto usage;
    }
    if (!url) goto usage;
    if (conc > 1024) conc = 1024;
    curl_global_init(CURL_GLOBAL_DEFAULT);
    CURLM *m = curl_multi_init();
    curl_multi_setopt(m, CURLMOPT_MAXCONNECTS, conc);
    slot *slots = calloc((size_t)conc, sizeof *slots);
    long next = 0, done = 0, accepted = 0, limited = 0, other = 0, errors = 0;
    double t0 = now();
    for (;;) {
        for (long i = 0; i < conc && next < events; i++) {
            slot *s = &slots[i];
            if (s->h) continue;
            long obj = next % objects;
            snprintf(s->body, sizeof s->body,
                     "{\"involvedObject\":{\"kind\":\"%s\",\"namespace\":\"%s\",\"name\":\"obj-%ld\",\"uid\":\"u-%ld\","
                     "\"apiVersion\":\"kustomize.toolkit.fluxcd.io/v1\"},\"severity\":\"%s\",\"timestamp\":\"2025-01-01T00:00:00Z\","
                     "\"message\":\"%sReconciliation failed after 1.5s: event %ld\",\"reason\":\"ReconciliationFailed\","
                     "\"metadata\":{\"kustomize.toolkit.fluxcd.io/revision\":\"main@sha1:5d4f6b7e8a9b0c1d2e3f4a5b6c7d8e9f0a1b2c3d\"},"
                     "\"reportingController\":\"kustomize-controller\",\"reportingInstance\":\"bench\"}",
                     kind, ns, obj, obj, severity, prefix, same ? obj : next);
            s->h = curl_easy_init();
            s->hdr = curl_slist_append(NULL, "Content-Type: application/json");
            curl_easy_setopt(s->h, CURLOPT_URL, url);
            curl_easy_setopt(s->h, CURLOPT_POSTFIELDS, s->body);
            curl_easy_setopt(s->h, CURLOPT_HTTPHEADER, s->hdr);
            curl_easy_setopt(s->h, CURLOPT_WRITEFUNCTION, discard);
            curl_easy_setopt(s->h, CURLOPT_TIMEOUT, 30L);
            curl_easy_setopt(s->h, CURLOPT_PRIVATE, s);
            curl_multi_add_handle(m, s->h);
            next++;
        }
        if (done >= events) break;
        int running = 0;
        curl_multi_perform(m, &running);
        CURLMsg *msg;
        int left;
        while ((msg = curl_multi_info_read(m, &left))) {
            if (msg->msg != CURLMSG_DONE) continue;
            slot *s = NULL;
            curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&s);
            long code = 0;
            curl_easy_getinfo(msg->easy_handle, CURLINFO_RESPONSE_CODE, &code);
            if (msg->data.result != CURLE_OK) errors++;
            else if (code == 202) accepted++;
            else if (code == 429) limited++;
            else other++;
            curl_multi_remove_handle(m, s->h);
            curl_easy_cleanup(s->h);
            curl_slist_free_all(s->hdr);
            s->h = NULL;
            done++;
        }
        if (done < events) curl_multi_poll(m, NULL, 0, 100, NULL);
    }
    double secs = now() - t0;
    printf("{\"sent\":%ld,\"accepted\":%ld,\"rate_limited\":%ld,\"other\":%ld,\"errors\":%ld,\"seconds\":%.3f,\"per_second\":%.0f}\n",
           events, accepted, limited, other, errors, secs, secs > 0 ? (double)events / secs : 0);
    free(slots);
    curl_multi_cleanup(m);
    curl_global_cleanup();
    return errors ? 1 : 0;
usage:
    fprintf(stderr, "usage: event-flood --url URL [--events N] [--concurrency C] [--kind KIND] [--namespace NS] "
                    "[--objects M] [--severity S] [--prefix P] [--same-message]\n");
    return 2;
}
