/*
 * notifier.c: the provider table, the delivery object and helpers shared by
 * the payload builders (notifier.h).
 *
 * Every provider type maps to one builder function; the builders live in
 * notifier_chat.c (chat and paging tools), notifier_hooks.c (generic
 * webhooks and incident tools) and notifier_git.c (commit statuses), grouped
 * by the shape of what they send rather than one file per type, because many
 * types share a payload (Slack, Discord and Rocket use the same attachment).
 */
#include "notifier.h"
#include "fc/base64.h"
#include "fc/err.h"
#include "fc/json.h"
#include <ctype.h>
#include <openssl/evp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void nc_provider_cfg_free(nc_provider_cfg *c)
{
    if (!c) return;
    char *strs[] = {c->type,     c->ns,    c->name,   c->uid,      c->address, c->channel,      c->username,
                    c->token,    c->password, c->proxy, c->ca_pem, c->cert_pem, c->key_pem, c->commit_status};
    for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++) free(strs[i]);
    for (size_t i = 0; i < c->nheaders; i++) {
        free(c->headers[i].key);
        free(c->headers[i].value);
    }
    free(c->headers);
    free(c);
}

void nc_request_dispose(nc_request *r)
{
    free(r->url);
    free(r->body);
    curl_slist_free_all(r->headers);
    memset(r, 0, sizeof *r);
}

nc_delivery *nc_delivery_new(nc_provider_cfg *cfg, nc_event *event)
{
    nc_delivery *d = calloc(1, sizeof *d);
    if (!d) return NULL;
    d->cfg = cfg;
    d->event = event;
    return d;
}

void nc_delivery_free(nc_delivery *d)
{
    if (!d) return;
    nc_provider_cfg_free(d->cfg);
    nc_event_free(d->event);
    nc_request_dispose(&d->req);
    if (d->pstate_free) d->pstate_free(d->pstate);
    free(d->err);
    if (d->ctx_free) d->ctx_free(d->ctx);
    free(d);
}

void nc_delivery_fail(nc_delivery *d, const char *fmt, ...)
{
    free(d->err);
    d->err = NULL;
    va_list ap;
    va_start(ap, fmt);
    if (vasprintf(&d->err, fmt, ap) < 0) d->err = NULL;
    va_end(ap);
}

/* ------------------------------------------------------------- helpers */

void nc__json_request(nc_delivery *d, const char *method, const char *url, json_object *payload)
{
    nc_request_dispose(&d->req);
    d->req.method = method;
    d->req.url = strdup(url);
    if (payload) {
        d->req.body = fc_json_dump(payload);
        d->req.body_len = strlen(d->req.body);
        json_object_put(payload);
        d->req.headers = curl_slist_append(NULL, "Content-Type: application/json");
    }
}

void nc__header(nc_delivery *d, const char *name, const char *value)
{
    size_t n = strlen(name) + strlen(value) + 3;
    char *h = malloc(n);
    if (!h) return;
    snprintf(h, n, "%s: %s", name, value);
    /* curl would send CR/LF inside a value as a new header line */
    for (char *p = h; *p; p++)
        if (*p == '\r' || *p == '\n') *p = ' ';
    d->req.headers = curl_slist_append(d->req.headers, h);
    free(h);
}

void nc__secret_headers(nc_delivery *d)
{
    for (size_t i = 0; i < d->cfg->nheaders; i++) nc__header(d, d->cfg->headers[i].key, d->cfg->headers[i].value);
}

/* Flux's splitCamelcase on ASCII classes (lower, upper, digit, other). */
static char *split_camel_lower(const char *src)
{
    size_t n = strlen(src);
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)src[i] >= 0x80) { /* non-ASCII: keep whole, like invalid-class runs */
            char *s = strdup(src);
            for (char *p = s; *p; p++) *p = (char)tolower((unsigned char)*p);
            return s;
        }
    /* runs of the same class */
    char **runs = calloc(n + 1, sizeof *runs);
    size_t *lens = calloc(n + 1, sizeof *lens);
    size_t nr = 0;
    int last = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)src[i];
        int cls = islower(c) ? 1 : isupper(c) ? 2 : isdigit(c) ? 3 : 4;
        if (cls == last && nr) {
            lens[nr - 1]++;
        } else {
            runs[nr] = (char *)src + i;
            lens[nr] = 1;
            nr++;
        }
        last = cls;
    }
    /* "PDFL" "oader" -> "PDF" "Loader": move the last upper to the next run */
    for (size_t i = 0; i + 1 < nr; i++) {
        if (isupper((unsigned char)runs[i][0]) && islower((unsigned char)runs[i + 1][0])) {
            runs[i + 1]--;
            lens[i + 1]++;
            lens[i]--;
        }
    }
    fc_buf b;
    fc_buf_init(&b, 0);
    bool first = true;
    for (size_t i = 0; i < nr; i++) {
        if (!lens[i]) continue;
        if (!first) fc_buf_putc(&b, ' ');
        first = false;
        for (size_t j = 0; j < lens[i]; j++) fc_buf_putc(&b, (char)tolower((unsigned char)runs[i][j]));
    }
    free(runs);
    free(lens);
    /* fc_buf_detach does not terminate a buffer that was never written */
    char *s = b.len ? fc_buf_detach(&b, NULL) : strdup("");
    fc_buf_dispose(&b);
    return s;
}

void nc__name_and_description(const nc_event *e, char **name, char **desc)
{
    if (name) {
        fc_buf b;
        fc_buf_init(&b, 0);
        fc_buf_printf(&b, "%s/%s", e->kind, e->name);
        for (size_t i = 0; i < b.len; i++) b.ptr[i] = (char)tolower((unsigned char)b.ptr[i]);
        *name = fc_buf_detach(&b, NULL);
    }
    if (desc) *desc = split_camel_lower(e->reason ? e->reason : "");
}

int nc__parse_git_address(const char *addr, char **base, char **id)
{
    *base = *id = NULL;
    const char *scheme_end = strstr(addr, "://");
    const char *host, *path;
    char scheme[16] = "https";
    if (scheme_end) {
        size_t sl = (size_t)(scheme_end - addr);
        if (sl == 0 || sl >= sizeof scheme) return fc_err_set(FC_EINVAL, "failed parsing Git address: invalid scheme");
        memcpy(scheme, addr, sl);
        scheme[sl] = 0;
        for (char *p = scheme; *p; p++) *p = (char)tolower((unsigned char)*p);
        if (!strcmp(scheme, "ssh") || !strcmp(scheme, "git+ssh")) snprintf(scheme, sizeof scheme, "https");
        else if (strcmp(scheme, "http") && strcmp(scheme, "https"))
            return fc_err_set(FC_EINVAL, "failed parsing Git address: unsupported scheme %s", scheme);
        host = scheme_end + 3;
    } else {
        /* scp-like: [user@]host:owner/repo */
        host = addr;
    }
    const char *at = strchr(host, '@');
    const char *slash = strchr(host, '/');
    if (at && (!slash || at < slash)) host = at + 1;
    size_t hl;
    if (!scheme_end) {
        const char *colon = strchr(host, ':');
        if (!colon) return fc_err_set(FC_EINVAL, "failed parsing Git address: not a URL");
        hl = (size_t)(colon - host);
        path = colon + 1;
    } else {
        slash = strchr(host, '/');
        hl = slash ? (size_t)(slash - host) : strlen(host);
        path = slash ? slash : "";
        if (!strcmp(scheme, "https") && strncmp(addr, "ssh", 3) == 0) { /* ssh://host:22/... drops the port */
            const char *c = memchr(host, ':', hl);
            if (c) hl = (size_t)(c - host);
        }
    }
    if (!hl) return fc_err_set(FC_EINVAL, "failed parsing Git address: no host");
    while (*path == '/') path++;
    size_t pl = strlen(path);
    while (pl && path[pl - 1] == '/') pl--;
    if (pl >= 4 && !strncmp(path + pl - 4, ".git", 4)) pl -= 4;
    if (!pl) return fc_err_set(FC_EINVAL, "failed parsing Git address: no repository path");
    fc_buf b;
    fc_buf_init(&b, 0);
    fc_buf_printf(&b, "%s://%.*s", scheme, (int)hl, host);
    *base = fc_buf_detach(&b, NULL);
    *id = strndup(path, pl);
    return 0;
}

static bool all_hex(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!isxdigit((unsigned char)s[i])) return false;
    return true;
}

int nc__parse_revision(const char *rev, char **hash)
{
    *hash = NULL;
    const char *h = rev;
    const char *at = strrchr(rev, '@');
    if (at) h = at + 1;
    else {
        const char *slash = strrchr(rev, '/'); /* legacy "main/<hash>" */
        if (slash) h = slash + 1;
    }
    size_t want = 0;
    if (!strncmp(h, "sha1:", 5)) {
        h += 5;
        want = 40;
    } else if (!strncmp(h, "sha256:", 7)) {
        h += 7;
        want = 64;
    }
    size_t n = strlen(h);
    if ((want && n != want) || (!want && n != 40 && n != 64) || !all_hex(h, n))
        return fc_err_set(FC_EINVAL, "failed to extract commit hash from '%s' revision", rev);
    *hash = strdup(h);
    return 0;
}

char *nc__basic_auth(const char *user, const char *pass)
{
    fc_buf b;
    fc_buf_init(&b, 0);
    fc_buf_printf(&b, "%s:%s", user ? user : "", pass ? pass : "");
    char *enc = fc_base64_encode(b.ptr, b.len);
    fc_buf_dispose(&b);
    fc_buf o;
    fc_buf_init(&o, 0);
    fc_buf_printf(&o, "Basic %s", enc ? enc : "");
    free(enc);
    return fc_buf_detach(&o, NULL);
}

void nc__sha1_hex(const char *s, char out[41])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    EVP_Digest(s, strlen(s), md, &n, EVP_sha1(), NULL);
    for (unsigned i = 0; i < 20; i++) snprintf(out + 2 * i, 3, "%02x", md[i]);
}

/* --------------------------------------------------------------- table */

typedef struct entry {
    const char *type;
    int (*build)(nc_delivery *d);
} entry;

static int build_generic(nc_delivery *d) { return nc__build_generic(d, false); }
static int build_generic_hmac(nc_delivery *d) { return nc__build_generic(d, true); }

static const entry table[] = {
    {"slack", nc__build_slack},           {"discord", nc__build_discord},
    {"rocket", nc__build_rocket},         {"msteams", nc__build_msteams},
    {"googlechat", nc__build_googlechat}, {"webex", nc__build_webex},
    {"telegram", nc__build_telegram},     {"matrix", nc__build_matrix},
    {"lark", nc__build_lark},             {"generic", build_generic},
    {"generic-hmac", build_generic_hmac}, {"opsgenie", nc__build_opsgenie},
    {"pagerduty", nc__build_pagerduty},   {"datadog", nc__build_datadog},
    {"alertmanager", nc__build_alertmanager}, {"grafana", nc__build_grafana},
    {"github", nc__build_git},            {"gitlab", nc__build_git},
    {"gitea", nc__build_git},             {"bitbucket", nc__build_git},
    {"bitbucketserver", nc__build_git},   {"azuredevops", nc__build_git},
};

static const entry *find(const char *type)
{
    for (size_t i = 0; type && i < sizeof table / sizeof table[0]; i++)
        if (!strcmp(table[i].type, type)) return &table[i];
    return NULL;
}

bool nc_notifier_supported(const char *type) { return find(type) != NULL; }

bool nc_notifier_is_git(const char *type)
{
    static const char *const git[] = {"github", "gitlab", "gitea", "bitbucketserver", "bitbucket", "azuredevops"};
    for (size_t i = 0; type && i < sizeof git / sizeof git[0]; i++)
        if (!strcmp(git[i], type)) return true;
    return false;
}

int nc_notifier_build(nc_delivery *d)
{
    const entry *e = find(d->cfg->type);
    if (!e) return fc_err_set(FC_EINVAL, "provider type %s is not supported", d->cfg->type ? d->cfg->type : "(none)");
    return e->build(d);
}

/* -------------------------------------------------------------- masking */

static void mask_one(char **s, const char *secret)
{
    if (!secret || strlen(secret) < 3 || !*s) return; /* too short to mask without garbling text */
    if (!strstr(*s, secret)) return;
    fc_buf b;
    fc_buf_init(&b, 0);
    size_t sl = strlen(secret);
    for (const char *p = *s; *p;) {
        const char *hit = strstr(p, secret);
        if (!hit) {
            fc_buf_puts(&b, p);
            break;
        }
        fc_buf_put(&b, p, (size_t)(hit - p));
        fc_buf_puts(&b, "*****");
        p = hit + sl;
    }
    free(*s);
    *s = fc_buf_detach(&b, NULL);
    if (!*s) *s = strdup("");
}

char *nc_mask_secrets(const nc_provider_cfg *cfg, const char *s)
{
    char *out = strdup(s ? s : "");
    if (!cfg) return out;
    mask_one(&out, cfg->token);
    mask_one(&out, cfg->password);
    if (cfg->address_secret) mask_one(&out, cfg->address);
    for (size_t i = 0; i < cfg->nheaders; i++) mask_one(&out, cfg->headers[i].value);
    if (cfg->proxy) {
        /* credentials inside a proxy URL: scheme://user:pass@host */
        const char *p = strstr(cfg->proxy, "://");
        const char *at = p ? strchr(p + 3, '@') : NULL;
        if (at) {
            char *cred = strndup(p + 3, (size_t)(at - p - 3));
            mask_one(&out, cred);
            char *colon = strchr(cred, ':');
            if (colon) mask_one(&out, colon + 1);
            free(cred);
        }
    }
    /* the base64 of user:password appears in echoed Authorization headers */
    if (cfg->password || cfg->token) {
        char *b = nc__basic_auth(cfg->username ? cfg->username : "", cfg->password ? cfg->password : cfg->token);
        if (b) mask_one(&out, b + 6);
        free(b);
    }
    return out;
}
