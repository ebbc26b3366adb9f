/*
 * receiver.c: request validation per Receiver type, the webhook path, and
 * small helpers of the Receiver server (receiver.h).
 *
 * The checks mirror notification-controller's receiver_handlers.go (and
 * go-github's ValidatePayload for github/bitbucket): signatures are HMACs
 * over the raw body, compared with CRYPTO_memcmp; tokens are compared in
 * constant time too. Unlike Flux, a failed authentication answers 401 and a
 * bad payload 400 (Flux answers 400 to both), and an empty token never
 * authenticates anything.
 */
#include "receiver.h"
#include "event.h"
#include "fc/json.h"
#include <ctype.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

static int reject(int code, char *why, size_t n, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static int reject(int code, char *why, size_t n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (why && n) vsnprintf(why, n, fmt, ap);
    va_end(ap);
    return code;
}

/* Constant-time string equality (length leaks, content does not). */
static bool secure_eq(const char *a, const char *b)
{
    if (!a || !b) return false;
    size_t la = strlen(a), lb = strlen(b);
    if (la != lb) return false;
    return CRYPTO_memcmp(a, b, la) == 0;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* go-github ValidateSignature: "<algo>=<hex>" with algo sha1, sha256 or
 * sha512, HMAC of body with key. */
static bool valid_signature(const char *sig, const char *body, size_t len, const char *key)
{
    if (!sig || !key || !*key) return false;
    const EVP_MD *md;
    const char *hex;
    if (!strncmp(sig, "sha1=", 5)) {
        md = EVP_sha1();
        hex = sig + 5;
    } else if (!strncmp(sig, "sha256=", 7)) {
        md = EVP_sha256();
        hex = sig + 7;
    } else if (!strncmp(sig, "sha512=", 7)) {
        md = EVP_sha512();
        hex = sig + 7;
    } else {
        return false;
    }
    unsigned char want[EVP_MAX_MD_SIZE], got[EVP_MAX_MD_SIZE];
    unsigned int wl = 0;
    HMAC(md, key, (int)strlen(key), (const unsigned char *)body, len, want, &wl);
    size_t hl = strlen(hex);
    if (hl != 2 * (size_t)wl) return false;
    for (unsigned i = 0; i < wl; i++) {
        int hi = hexval(hex[2 * i]), lo = hexval(hex[2 * i + 1]);
        if (hi < 0 || lo < 0) return false;
        got[i] = (unsigned char)(hi << 4 | lo);
    }
    return CRYPTO_memcmp(want, got, wl) == 0;
}

static const char *hdr(const nc_receiver_req *r, const char *name)
{
    return r->header ? r->header(r->header_arg, name) : NULL;
}

static bool event_allowed(const nc_receiver_req *r, const char *event)
{
    if (!r->events || !r->events[0]) return true;
    for (const char *const *e = r->events; *e; e++)
        if (event && !strcasecmp(*e, event)) return true;
    return false;
}

static void copy_event(char *out, size_t n, const char *ev)
{
    if (out && n) snprintf(out, n, "%s", ev ? ev : "");
}

char *nc_form_value(const char *body, size_t len, const char *key, size_t *out_len)
{
    size_t kl = strlen(key);
    const char *p = body, *end = body + len;
    while (p < end) {
        const char *amp = memchr(p, '&', (size_t)(end - p));
        const char *pe = amp ? amp : end;
        const char *eq = memchr(p, '=', (size_t)(pe - p));
        if (eq && (size_t)(eq - p) == kl && !memcmp(p, key, kl)) {
            const char *v = eq + 1;
            char *out = malloc((size_t)(pe - v) + 1);
            if (!out) return NULL;
            size_t o = 0;
            for (const char *q = v; q < pe; q++) {
                if (*q == '+') out[o++] = ' ';
                else if (*q == '%' && pe - q > 2 && hexval(q[1]) >= 0 && hexval(q[2]) >= 0) {
                    out[o++] = (char)(hexval(q[1]) << 4 | hexval(q[2]));
                    q += 2;
                } else out[o++] = *q;
            }
            out[o] = 0;
            if (out_len) *out_len = o;
            return out;
        }
        p = amp ? amp + 1 : end;
    }
    return NULL;
}

/* Media type of a Content-Type header, lower-case, without parameters. */
static void media_type(const char *ct, char *out, size_t n)
{
    size_t i = 0;
    if (!ct) ct = "";
    while (*ct == ' ') ct++;
    for (; *ct && *ct != ';' && *ct != ' ' && i + 1 < n; ct++) out[i++] = (char)tolower((unsigned char)*ct);
    out[i] = 0;
}

/* go-github ValidatePayload (+ the event filter): github and bitbucket. */
static int validate_github_like(const nc_receiver_req *r, const char *what, const char *event_header, char *why, size_t wn,
                                char *event, size_t en)
{
    char mt[64];
    media_type(hdr(r, "Content-Type"), mt, sizeof mt);
    if (!strcmp(mt, "application/json")) {
        /* payload is the body */
    } else if (!strcmp(mt, "application/x-www-form-urlencoded")) {
        size_t pl = 0;
        char *payload = nc_form_value(r->body, r->body_len, "payload", &pl);
        free(payload);
    } else {
        return reject(NC_RECV_BAD_REQUEST, why, wn, "the %s signature header is invalid, err: webhook request has unsupported Content-Type %s",
                      what, mt[0] ? mt : "(none)");
    }
    const char *sig = hdr(r, "X-Hub-Signature-256");
    if (!sig || !*sig) sig = hdr(r, "X-Hub-Signature");
    if (!sig || !*sig) return reject(NC_RECV_UNAUTHORIZED, why, wn, "the %s signature header is invalid, err: missing signature", what);
    if (!valid_signature(sig, r->body, r->body_len, r->token))
        return reject(NC_RECV_UNAUTHORIZED, why, wn, "the %s signature header is invalid, err: payload signature check failed", what);
    const char *ev = hdr(r, event_header);
    copy_event(event, en, ev);
    if (!event_allowed(r, ev)) return reject(NC_RECV_BAD_REQUEST, why, wn, "the %s event \"%s\" is not authorised", what, ev ? ev : "");
    return 0;
}

static json_object *json_body(const nc_receiver_req *r)
{
    json_object *o = NULL;
    if (fc_json_parse(r->body, r->body_len, &o)) return NULL;
    return o;
}

/* Go decodes a JSON payload into a struct: the document must be an object
 * and each listed field, when present and not null, must have the type. */
static bool fields_typed(json_object *o, const char *const spec[][2])
{
    if (!o || !json_object_is_type(o, json_type_object)) return false;
    for (int i = 0; spec[i][0]; i++) {
        json_object *v = fc_json_get(o, spec[i][0]);
        if (!v) continue;
        const char *t = spec[i][1];
        if (!strcmp(t, "string") && !json_object_is_type(v, json_type_string)) return false;
        if (!strcmp(t, "object") && !json_object_is_type(v, json_type_object)) return false;
        if (!strcmp(t, "strings")) {
            if (!json_object_is_type(v, json_type_array)) return false;
            for (size_t j = 0; j < json_object_array_length(v); j++) {
                json_object *e = json_object_array_get_idx(v, j);
                if (e && !json_object_is_type(e, json_type_string)) return false;
            }
        }
    }
    return true;
}

static int validate_shape(const nc_receiver_req *r, const char *what, const char *const spec[][2], char *why, size_t wn)
{
    json_object *o = json_body(r);
    bool ok = fields_typed(o, spec);
    json_object_put(o);
    if (!ok) return reject(NC_RECV_BAD_REQUEST, why, wn, "cannot decode %s webhook payload", what);
    return 0;
}

int nc_receiver_validate(const nc_receiver_req *r, char *why, size_t wn, char *event, size_t en)
{
    if (event && en) event[0] = 0;
    if (why && wn) why[0] = 0;
    const char *t = r->type ? r->type : "";
    if (!r->token || !*r->token) return reject(NC_RECV_UNAUTHORIZED, why, wn, "the receiver token is empty");
    if (r->body_len > NC_MAX_BODY)
        return reject(NC_RECV_BAD_REQUEST, why, wn, "request body exceeds the maximum size of %u bytes", NC_MAX_BODY);
    if (!strcmp(t, "generic")) return 0;
    if (!strcmp(t, "generic-hmac")) {
        const char *sig = hdr(r, "X-Signature");
        if (!sig || !*sig) return reject(NC_RECV_UNAUTHORIZED, why, wn, "unable to validate HMAC signature: missing signature");
        if (!valid_signature(sig, r->body, r->body_len, r->token))
            return reject(NC_RECV_UNAUTHORIZED, why, wn, "unable to validate HMAC signature: payload signature check failed");
        return 0;
    }
    if (!strcmp(t, "github")) return validate_github_like(r, "GitHub", "X-GitHub-Event", why, wn, event, en);
    if (!strcmp(t, "bitbucket")) return validate_github_like(r, "Bitbucket server", "X-Event-Key", why, wn, event, en);
    if (!strcmp(t, "gitlab")) {
        if (!secure_eq(hdr(r, "X-Gitlab-Token"), r->token))
            return reject(NC_RECV_UNAUTHORIZED, why, wn, "the X-Gitlab-Token header value does not match the receiver token");
        const char *ev = hdr(r, "X-Gitlab-Event");
        copy_event(event, en, ev);
        if (!event_allowed(r, ev)) return reject(NC_RECV_BAD_REQUEST, why, wn, "the GitLab event \"%s\" is not authorised", ev ? ev : "");
        return 0;
    }
    if (!strcmp(t, "harbor")) {
        if (!secure_eq(hdr(r, "Authorization"), r->token))
            return reject(NC_RECV_UNAUTHORIZED, why, wn, "the Harbor Authorization header value does not match the receiver token");
        return 0;
    }
    if (!strcmp(t, "nexus")) {
        const char *sig = hdr(r, "X-Nexus-Webhook-Signature");
        if (!sig || !*sig) return reject(NC_RECV_UNAUTHORIZED, why, wn, "the Nexus signature is missing from header");
        char full[256];
        snprintf(full, sizeof full, "sha1=%s", sig);
        if (strlen(sig) > 200 || !valid_signature(full, r->body, r->body_len, r->token))
            return reject(NC_RECV_UNAUTHORIZED, why, wn, "invalid Nexus signature");
        static const char *const spec[][2] = {{"action", "string"}, {"repositoryName", "string"}, {NULL, NULL}};
        return validate_shape(r, "Nexus", spec, why, wn);
    }
    if (!strcmp(t, "dockerhub")) {
        static const char *const spec[][2] = {{"push_data", "object"}, {"push_data.tag", "string"}, {"repository", "object"},
                                              {"repository.repo_url", "string"}, {NULL, NULL}};
        return validate_shape(r, "DockerHub", spec, why, wn);
    }
    if (!strcmp(t, "quay")) {
        static const char *const spec[][2] = {{"docker_url", "string"}, {"updated_tags", "strings"}, {NULL, NULL}};
        return validate_shape(r, "Quay", spec, why, wn);
    }
    if (!strcmp(t, "acr")) {
        static const char *const spec[][2] = {{"action", "string"}, {"target", "object"}, {"target.repository", "string"},
                                              {"target.tag", "string"}, {NULL, NULL}};
        return validate_shape(r, "ACR", spec, why, wn);
    }
    if (!strcmp(t, "cdevents")) {
        const char *ev = hdr(r, "Ce-Type");
        json_object *o = json_body(r);
        static const char *const spec[][2] = {{"context", "object"}, {"context.id", "string"}, {"context.source", "string"},
                                              {"context.type", "string"}, {"context.version", "string"},
                                              {"subject", "object"}, {NULL, NULL}};
        bool ok = fields_typed(o, spec) && fc_json_get_str(o, "context.id") && fc_json_get_str(o, "context.type") &&
                  fc_json_get_str(o, "context.source") && fc_json_get(o, "subject");
        json_object_put(o);
        if (!ok) return reject(NC_RECV_BAD_REQUEST, why, wn, "unable to validate CDEvent event: not a CDEvent (context and subject required)");
        copy_event(event, en, ev);
        if (!event_allowed(r, ev)) return reject(NC_RECV_BAD_REQUEST, why, wn, "the CDEvent \"%s\" is not authorised", ev ? ev : "");
        return 0;
    }
    return reject(NC_RECV_BAD_REQUEST, why, wn, "receiver type \"%s\" not supported", t);
}

void nc_receiver_path(const char *token, const char *name, const char *ns, char out[72])
{
    EVP_MD_CTX *c = EVP_MD_CTX_new();
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    EVP_DigestInit_ex(c, EVP_sha256(), NULL);
    EVP_DigestUpdate(c, token, strlen(token));
    EVP_DigestUpdate(c, name, strlen(name));
    EVP_DigestUpdate(c, ns, strlen(ns));
    EVP_DigestFinal_ex(c, md, &n);
    EVP_MD_CTX_free(c);
    memcpy(out, NC_WEBHOOK_PREFIX, 6);
    for (unsigned i = 0; i < 32; i++) snprintf(out + 6 + 2 * i, 3, "%02x", md[i]);
}

bool nc_receiver_type_supported(const char *type)
{
    static const char *const ok[] = {"generic", "generic-hmac", "github", "gitlab", "bitbucket", "harbor",
                                     "dockerhub", "quay", "nexus", "acr", "cdevents"};
    for (size_t i = 0; type && i < sizeof ok / sizeof ok[0]; i++)
        if (!strcmp(ok[i], type)) return true;
    return false;
}

const char *nc_receiver_default_api_version(const char *kind)
{
    static const char *const m[][2] = {{"Bucket", "source.toolkit.fluxcd.io/v1"},
                                       {"HelmChart", "source.toolkit.fluxcd.io/v1"},
                                       {"HelmRepository", "source.toolkit.fluxcd.io/v1"},
                                       {"GitRepository", "source.toolkit.fluxcd.io/v1"},
                                       {"OCIRepository", "source.toolkit.fluxcd.io/v1"},
                                       {"ImageRepository", "image.toolkit.fluxcd.io/v1"}};
    for (size_t i = 0; kind && i < sizeof m / sizeof m[0]; i++)
        if (!strcmp(m[i][0], kind)) return m[i][1];
    return NULL;
}

void nc_receiver_request_token(char out[64])
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm;
    gmtime_r(&ts.tv_sec, &tm);
    char base[32];
    strftime(base, sizeof base, "%Y-%m-%d %H:%M:%S", &tm);
    snprintf(out, 64, "%s.%09ld +0000 UTC", base, ts.tv_nsec);
}
