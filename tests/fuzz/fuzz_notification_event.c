/* Fuzz target: the notification-controller's event parser and everything it
 * feeds from an untrusted POST body: validation, metadata cleanup and
 * combination, the dedup key and message normaliser, serialisation, and the
 * payload of every provider type. Invariants: a parsed event serialises to
 * JSON that parses again into an equal event; payload builders never crash
 * and every JSON body they produce is valid JSON. */
#include "../../notification-controller/event.h"
#include "fc/json.h"
#include "../../notification-controller/notifier.h"
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static const char *const types[] = {"slack", "discord", "rocket", "msteams", "googlechat", "webex", "telegram",
                                    "matrix", "lark", "generic", "generic-hmac", "opsgenie", "pagerduty", "datadog",
                                    "alertmanager", "grafana", "github", "gitlab", "gitea", "bitbucket",
                                    "bitbucketserver", "azuredevops"};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    nc_event *e = NULL;
    if (nc_event_parse((const char *)data, size, &e) != 0) return 0;
    char *s = nc_event_dump(e);
    nc_event *again = NULL;
    if (nc_event_parse(s, strlen(s), &again) != 0) abort();
    char *s2 = nc_event_dump(again);
    if (strcmp(s, s2) != 0) abort();
    free(s);
    free(s2);
    nc_event_free(again);
    nc_event_cleanup_metadata(e);
    char key[65];
    nc_event_key(e, true, key);
    nc_event_key(e, false, key);
    nc_event_drop_token(e);
    char *conflicts = NULL;
    nc_event_combine_metadata(e, NULL, "summary", &conflicts);
    free(conflicts);
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
        nc_provider_cfg *c = calloc(1, sizeof *c);
        c->type = strdup(types[i]);
        c->address = strdup(i % 3 ? "https://github.com/org/repo" : "https://dev.azure.com/o/p/_git/r");
        c->token = strdup("user:token");
        c->channel = strdup("chan:1");
        c->uid = strdup("0c8d2e3a-1111");
        c->commit_status = strdup("kustomization/x/0c8d2e3a");
        nc_delivery *d = nc_delivery_new(c, nc_event_copy(e));
        if (nc_notifier_build(d) == 0 && d->req.body) {
            json_object *o = NULL;
            if (fc_json_parse(d->req.body, d->req.body_len, &o) != 0) abort();
            json_object_put(o);
            if (d->on_response) d->on_response(d, 200, "{\"statuses\":[],\"value\":[]}", 26);
        }
        nc_delivery_free(d);
    }
    nc_event_free(e);
    return 0;
}
