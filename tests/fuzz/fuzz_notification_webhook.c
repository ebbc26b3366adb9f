/* Fuzz target: Receiver webhook validation (the authentication boundary of
 * the notification-controller) and the Alert regex translation. Input: one
 * byte choosing the receiver type, header lines "Name: value" up to an empty
 * line, then the body. Invariant: without the right HMAC/token no request is
 * accepted for an authenticating type (the fuzzer cannot forge HMAC-SHA256);
 * nothing crashes, whatever the bytes. The body is also compiled as an Alert
 * regex and matched against itself. */
#include "fc/regex.h"
#include "../../notification-controller/receiver.h"
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef struct hdrs {
    char *name[16], *value[16];
    int n;
} hdrs;

static const char *get(void *arg, const char *name)
{
    hdrs *h = arg;
    for (int i = 0; i < h->n; i++)
        if (!strcasecmp(h->name[i], name)) return h->value[i];
    return NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const types[] = {"generic", "generic-hmac", "github", "gitlab", "bitbucket", "harbor",
                                        "dockerhub", "quay", "nexus", "acr", "cdevents", "gcr"};
    if (size < 1) return 0;
    const char *type = types[data[0] % (sizeof types / sizeof types[0])];
    char *buf = malloc(size);
    memcpy(buf, data + 1, size - 1);
    buf[size - 1] = 0;
    hdrs h = {0};
    char *p = buf, *body = buf + (size - 1);
    while (*p && h.n < 16) {
        char *nl = strchr(p, '\n');
        if (!nl) break;
        *nl = 0;
        if (p == nl) { /* blank line: body follows */
            body = nl + 1;
            break;
        }
        char *colon = strchr(p, ':');
        if (colon) {
            *colon = 0;
            h.name[h.n] = p;
            h.value[h.n] = colon + 1 + (colon[1] == ' ');
            h.n++;
        }
        p = nl + 1;
    }
    size_t blen = (size_t)((buf + (size - 1)) - body);
    const char *events[] = {"push", NULL};
    nc_receiver_req r = {type, "fuzz-token-value", events, get, &h, body, blen};
    char why[256], ev[64];
    int rc = nc_receiver_validate(&r, why, sizeof why, ev, sizeof ev);
    bool authenticating = !strcmp(type, "generic-hmac") || !strcmp(type, "github") || !strcmp(type, "bitbucket") ||
                          !strcmp(type, "nexus") || !strcmp(type, "gitlab") || !strcmp(type, "harbor");
    if (rc == 0 && authenticating && !(!strcmp(type, "gitlab") || !strcmp(type, "harbor"))) abort(); /* forged HMAC */
    if (strstr(why, "fuzz-token-value")) abort(); /* the token never appears in a reason */
    char *f = nc_form_value(body, blen, "payload", NULL);
    free(f);
    char err[256];
    fc_regex *re = fc_regex_compile(body, strlen(body), err, sizeof err);
    if (re) {
        fc_regex_exec(re, body, strlen(body), 0, NULL);
        fc_regex_free(re);
    }
    free(buf);
    return 0;
}
