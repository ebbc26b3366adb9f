/*
 * event_server.c: the event server's request handler (event_server.h).
 *
 * Order of operations is Flux's (event_server.go + event_handlers.go):
 * decode -> clean metadata -> rate limit on the event key -> drop the
 * internal token metadata -> match Alerts -> dispatch -> 202. Logging
 * follows Flux's messages; the per-event "discarding" line is at debug level
 * so a busy cluster does not drown the log.
 */
#include "event_server.h"
#include "fc/duration.h"
#include "fc/err.h"
#include "fc/log.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void count(uint64_t *c) { __atomic_add_fetch(c, 1, __ATOMIC_RELAXED); }

void nc_event_server_handle(const fc_http_req *req, fc_http_resp *resp, void *arg)
{
    nc_event_server *s = arg;
    count(&s->received);
    if (strcmp(req->method, "POST") != 0) {
        fc_http_resp_header(resp, "Allow", "POST");
        fc_http_resp_text(resp, 405, "method not allowed: POST an event\n");
        return;
    }
    nc_event *e = NULL;
    if (nc_event_parse(req->body, req->body_len, &e)) {
        count(&s->invalid);
        fc_log_kv(FC_LOG_ERROR, "decoding the request body failed", "error", fc_err_msg(), "remote", req->remote, NULL);
        fc_http_resp_text(resp, 400, fc_err_msg());
        fc_buf_putc(&resp->body, '\n');
        return;
    }
    nc_event_cleanup_metadata(e);
    char key[65];
    nc_event_key(e, !s->exact_key, key);
    if (s->rl && !nc_ratelimit_allow(s->rl, key, fc_now_mono_ns())) {
        count(&s->rate_limited);
        if (fc_log_enabled(FC_LOG_DEBUG))
            fc_log_kv(FC_LOG_DEBUG, "Discarding event, rate limiting duplicate events", "kind", e->kind, "name", e->name,
                      "namespace", e->ns, NULL);
        nc_event_free(e);
        fc_http_resp_text(resp, 429, "Too Many Requests\n");
        return;
    }
    count(&s->accepted);
    nc_event_drop_token(e);

    size_t n = 0;
    nc_alert **all = s->alerts ? nc_alert_index_snapshot(s->alerts, &n) : NULL;
    json_object *labels = NULL;
    int labels_state = 0;
    size_t matched = 0;
    for (size_t i = 0; i < n; i++) {
        nc_alert *a = all[i];
        nc_match_result m = nc_alert_match(a, e, s->labels, s->labels_arg, &labels, &labels_state);
        if (m == NC_MATCH_SOURCE_FAILED && s->record) {
            json_object *ref = nc_alert_event_ref(a);
            char msg[1024];
            snprintf(msg, sizeof msg, "error getting source object %s/%s/%s", e->kind, e->ns, e->name);
            s->record(s->record_arg, ref, "Warning", "SourceFetchFailed", msg, NULL);
            json_object_put(ref);
        }
        if (m == NC_MATCH_YES) {
            if (!matched)
                fc_log_kv(FC_LOG_INFO, "dispatching event", "message", e->message, "kind", e->kind, "name", e->name,
                          "namespace", e->ns, NULL);
            matched++;
            nc_event *copy = nc_event_copy(e);
            nc_alert_ref(a);
            if (copy && s->disp && nc_dispatcher_submit(s->disp, copy, a))
                fc_log_kv(FC_LOG_ERROR, "notification dropped: the dispatch queue is full", "alert", a->name, "namespace",
                          a->ns, NULL);
            else if (!copy || !s->disp) {
                nc_event_free(copy);
                nc_alert_unref(a);
            }
        }
        nc_alert_unref(a);
    }
    free(all);
    json_object_put(labels);
    if (matched) {
        __atomic_add_fetch(&s->matched, 1, __ATOMIC_RELAXED);
    } else {
        count(&s->discarded);
        if (fc_log_enabled(FC_LOG_DEBUG))
            fc_log_kv(FC_LOG_DEBUG, "discarding event, no alerts found for the involved object", "kind", e->kind, "name",
                      e->name, "namespace", e->ns, NULL);
    }
    nc_event_free(e);
    resp->status = 202;
}
