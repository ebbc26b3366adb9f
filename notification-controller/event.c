/*
 * event.c: parsing, validation, metadata rules and the dedup key of the
 * events controllers POST (event.h).
 *
 * The event is parsed with json-c and copied into a plain struct right away,
 * so the rest of the controller never touches untrusted JSON: every field is
 * type-checked the way Go's json.Unmarshal into eventv1.Event would (a
 * number where a string belongs is a 400, not a silent coercion). The
 * metadata rules (cleanup, combine) follow notification-controller's
 * event_server.go and event_handlers.go; the key follows its EventKey.
 * The message normaliser is ours: a small hand-written scanner rather than a
 * regex, because it runs on every event and must never backtrack.
 */
#include "event.h"
#include "fc/err.h"
#include "fc/json.h"
#include <ctype.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

/* ------------------------------------------------------------- metadata */

static int kv_cmp(const void *a, const void *b) { return strcmp(((const nc_kv *)a)->key, ((const nc_kv *)b)->key); }

static nc_kv *meta_find(const nc_event *e, const char *key)
{
    nc_kv k = {(char *)key, NULL};
    return e->nmeta ? bsearch(&k, e->meta, e->nmeta, sizeof *e->meta, kv_cmp) : NULL;
}

const char *nc_event_meta_get(const nc_event *e, const char *key)
{
    nc_kv *kv = meta_find(e, key);
    return kv ? kv->value : NULL;
}

void nc_event_meta_set(nc_event *e, const char *key, const char *value)
{
    nc_kv *kv = meta_find(e, key);
    if (kv) {
        free(kv->value);
        kv->value = strdup(value);
        return;
    }
    nc_kv *m = realloc(e->meta, (e->nmeta + 1) * sizeof *m);
    if (!m) return;
    e->meta = m;
    size_t i = e->nmeta;
    while (i > 0 && strcmp(m[i - 1].key, key) > 0) {
        m[i] = m[i - 1];
        i--;
    }
    m[i].key = strdup(key);
    m[i].value = strdup(value);
    e->nmeta++;
}

void nc_event_meta_del(nc_event *e, const char *key)
{
    nc_kv *kv = meta_find(e, key);
    if (!kv) return;
    size_t i = (size_t)(kv - e->meta);
    free(kv->key);
    free(kv->value);
    memmove(&e->meta[i], &e->meta[i + 1], (e->nmeta - i - 1) * sizeof *e->meta);
    e->nmeta--;
}

void nc_event_meta_clear(nc_event *e)
{
    for (size_t i = 0; i < e->nmeta; i++) {
        free(e->meta[i].key);
        free(e->meta[i].value);
    }
    free(e->meta);
    e->meta = NULL;
    e->nmeta = 0;
}

/* ---------------------------------------------------------------- parse */

void nc_event_free(nc_event *e)
{
    if (!e) return;
    char **strs[] = {&e->kind, &e->ns, &e->name, &e->uid, &e->api_version, &e->resource_version, &e->field_path,
                     &e->severity, &e->message, &e->reason, &e->reporting_controller, &e->reporting_instance};
    for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++) free(*strs[i]);
    nc_event_meta_clear(e);
    free(e);
}

static char *dup0(const char *s) { return s ? strdup(s) : NULL; }

nc_event *nc_event_copy(const nc_event *e)
{
    nc_event *c = calloc(1, sizeof *c);
    if (!c) return NULL;
    c->kind = dup0(e->kind);
    c->ns = dup0(e->ns);
    c->name = dup0(e->name);
    c->uid = dup0(e->uid);
    c->api_version = dup0(e->api_version);
    c->resource_version = dup0(e->resource_version);
    c->field_path = dup0(e->field_path);
    c->severity = dup0(e->severity);
    c->message = dup0(e->message);
    c->reason = dup0(e->reason);
    c->reporting_controller = dup0(e->reporting_controller);
    c->reporting_instance = dup0(e->reporting_instance);
    c->timestamp = e->timestamp;
    c->has_timestamp = e->has_timestamp;
    if (e->nmeta) {
        c->meta = calloc(e->nmeta, sizeof *c->meta);
        for (size_t i = 0; c->meta && i < e->nmeta; i++) {
            c->meta[i].key = strdup(e->meta[i].key);
            c->meta[i].value = strdup(e->meta[i].value);
        }
        c->nmeta = c->meta ? e->nmeta : 0;
    }
    return c;
}

/* A string field: absent or null -> NULL (ok); a string -> copy; anything
 * else is the type error Go's decoder reports. */
static int str_field(json_object *o, const char *key, const char *where, char **out)
{
    json_object *v = NULL;
    *out = NULL;
    if (!json_object_object_get_ex(o, key, &v) || !v) return 0;
    if (!json_object_is_type(v, json_type_string))
        return fc_err_set(FC_EINVAL, "invalid event: %s%s must be a string", where, key);
    *out = strdup(json_object_get_string(v));
    return 0;
}

static int digits(const char *s, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (!isdigit((unsigned char)s[i])) return -1;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return 0;
}

/* RFC 3339 ("2006-01-02T15:04:05Z07:00", optional fraction) to unix seconds. */
static int parse_rfc3339(const char *s, int64_t *out)
{
    int Y, M, D, h, m, sec;
    if (strlen(s) < 20 || digits(s, 4, &Y) || s[4] != '-' || digits(s + 5, 2, &M) || s[7] != '-' ||
        digits(s + 8, 2, &D) || (s[10] != 'T' && s[10] != 't') || digits(s + 11, 2, &h) || s[13] != ':' ||
        digits(s + 14, 2, &m) || s[16] != ':' || digits(s + 17, 2, &sec))
        return -1;
    if (M < 1 || M > 12 || D < 1 || D > 31 || h > 23 || m > 59 || sec > 59) return -1;
    const char *p = s + 19;
    if (*p == '.') {
        p++;
        if (!isdigit((unsigned char)*p)) return -1;
        while (isdigit((unsigned char)*p)) p++;
    }
    int64_t off = 0;
    if (*p == 'Z' || *p == 'z') {
        p++;
    } else if (*p == '+' || *p == '-') {
        int oh, om;
        if (digits(p + 1, 2, &oh) || p[3] != ':' || digits(p + 4, 2, &om) || oh > 23 || om > 59) return -1;
        off = (int64_t)(oh * 3600 + om * 60) * (*p == '-' ? -1 : 1);
        p += 6;
    } else {
        return -1;
    }
    if (*p) return -1;
    struct tm tm = {0};
    tm.tm_year = Y - 1900;
    tm.tm_mon = M - 1;
    tm.tm_mday = D;
    tm.tm_hour = h;
    tm.tm_min = m;
    tm.tm_sec = sec;
    *out = (int64_t)timegm(&tm) - off;
    return 0;
}

static int parse_into(json_object *root, nc_event *e)
{
    if (!json_object_is_type(root, json_type_object)) return fc_err_set(FC_EINVAL, "invalid event: not a JSON object");
    json_object *io = NULL;
    if (!json_object_object_get_ex(root, "involvedObject", &io) || !io)
        return fc_err_set(FC_EINVAL, "invalid event: involvedObject is required");
    if (!json_object_is_type(io, json_type_object))
        return fc_err_set(FC_EINVAL, "invalid event: involvedObject must be an object");
    static const char *const io_keys[] = {"kind", "namespace", "name", "uid", "apiVersion", "resourceVersion", "fieldPath"};
    char **io_dst[] = {&e->kind, &e->ns, &e->name, &e->uid, &e->api_version, &e->resource_version, &e->field_path};
    for (size_t i = 0; i < 7; i++)
        if (str_field(io, io_keys[i], "involvedObject.", io_dst[i])) return FC_EINVAL;
    static const char *const req[] = {"kind", "name", "namespace"};
    char *const *req_v[] = {&e->kind, &e->name, &e->ns};
    for (size_t i = 0; i < 3; i++)
        if (!*req_v[i] || !**req_v[i]) return fc_err_set(FC_EINVAL, "invalid event: involvedObject.%s is required", req[i]);
    static const char *const keys[] = {"severity", "message", "reason", "reportingController", "reportingInstance"};
    char **dst[] = {&e->severity, &e->message, &e->reason, &e->reporting_controller, &e->reporting_instance};
    for (size_t i = 0; i < 5; i++)
        if (str_field(root, keys[i], "", dst[i])) return FC_EINVAL;
    if (!e->severity) e->severity = strdup("");
    if (!e->message) e->message = strdup("");
    if (!e->reason) e->reason = strdup("");
    if (!e->reporting_controller) e->reporting_controller = strdup("");
    char *ts = NULL;
    if (str_field(root, "timestamp", "", &ts)) return FC_EINVAL;
    if (ts) {
        int rc = parse_rfc3339(ts, &e->timestamp);
        if (rc) fc_err_set(FC_EINVAL, "invalid event: timestamp \"%.64s\" is not an RFC 3339 time", ts);
        free(ts);
        if (rc) return FC_EINVAL;
        e->has_timestamp = true;
    }
    json_object *md = NULL;
    if (json_object_object_get_ex(root, "metadata", &md) && md) {
        if (!json_object_is_type(md, json_type_object))
            return fc_err_set(FC_EINVAL, "invalid event: metadata must be an object of strings");
        size_t n = (size_t)json_object_object_length(md);
        e->meta = n ? calloc(n, sizeof *e->meta) : NULL;
        if (n && !e->meta) return fc_err_set(FC_ENOMEM, "out of memory");
        json_object_object_foreach(md, k, v) {
            if (!v || !json_object_is_type(v, json_type_string))
                return fc_err_set(FC_EINVAL, "invalid event: metadata[\"%.128s\"] must be a string", k);
            e->meta[e->nmeta].key = strdup(k);
            e->meta[e->nmeta].value = strdup(json_object_get_string(v));
            e->nmeta++;
        }
        if (e->nmeta) qsort(e->meta, e->nmeta, sizeof *e->meta, kv_cmp);
    }
    return 0;
}

int nc_event_parse(const char *buf, size_t len, nc_event **out)
{
    *out = NULL;
    json_object *root = NULL;
    if (len > NC_MAX_BODY) return fc_err_set(FC_ETOOBIG, "event body exceeds %u bytes", NC_MAX_BODY);
    if (fc_json_parse(buf, len, &root)) return fc_err_wrap("decoding the request body failed");
    nc_event *e = calloc(1, sizeof *e);
    int rc = e ? parse_into(root, e) : fc_err_set(FC_ENOMEM, "out of memory");
    json_object_put(root);
    if (rc) {
        nc_event_free(e);
        return rc;
    }
    *out = e;
    return 0;
}

/* ------------------------------------------------------- metadata rules */

void nc_event_group(const nc_event *e, char *out, size_t n)
{
    const char *av = e->api_version ? e->api_version : "";
    const char *slash = strchr(av, '/');
    size_t gl = slash ? (size_t)(slash - av) : 0;
    if (gl >= n) gl = n - 1;
    memcpy(out, av, gl);
    out[gl] = 0;
}

static bool has_prefix(const char *s, const char *p) { return strncmp(s, p, strlen(p)) == 0; }

void nc_event_cleanup_metadata(nc_event *e)
{
    char group[256], objp[300], chk[320], dig[320];
    nc_event_group(e, group, sizeof group);
    snprintf(objp, sizeof objp, "%s/", group);
    snprintf(chk, sizeof chk, "%schecksum", objp);
    snprintf(dig, sizeof dig, "%sdigest", objp);
    size_t w = 0;
    for (size_t i = 0; i < e->nmeta; i++) {
        const char *k = e->meta[i].key;
        bool keep = (has_prefix(k, NC_EVENT_GROUP "/") || has_prefix(k, objp)) && strcasecmp(k, chk) != 0 &&
                    strcasecmp(k, dig) != 0;
        if (keep) {
            e->meta[w++] = e->meta[i];
        } else {
            free(e->meta[i].key);
            free(e->meta[i].value);
        }
    }
    e->nmeta = w;
}

static void group_key(const nc_event *e, const char *name, char *out, size_t n)
{
    char group[256];
    nc_event_group(e, group, sizeof group);
    snprintf(out, n, "%s/%s", group, name);
}

void nc_event_drop_token(nc_event *e)
{
    char k[300];
    group_key(e, "token", k, sizeof k);
    nc_event_meta_del(e, k);
}

bool nc_event_is_commit_status_update(const nc_event *e)
{
    char k[300];
    group_key(e, "commit_status", k, sizeof k);
    const char *v = nc_event_meta_get(e, k);
    return v && strcmp(v, "update") == 0;
}

/* ------------------------------------------------------------------ key */

static bool word_char(unsigned char c) { return isalnum(c) || c == '_'; }

/* Length of a Go time.Duration string at s ("1h2m3.5s", "750ms", "0s"),
 * or 0. The form always ends in a seconds-family unit. */
static size_t match_duration(const char *s)
{
    const char *p = s;
    bool last_seconds = false;
    int comps = 0;
    while (isdigit((unsigned char)*p)) {
        while (isdigit((unsigned char)*p)) p++;
        if (*p == '.') {
            if (!isdigit((unsigned char)p[1])) return 0;
            p++;
            while (isdigit((unsigned char)*p)) p++;
        }
        if (*p == 'h') {
            p++;
            last_seconds = false;
        } else if (p[0] == 'm' && p[1] == 's') {
            p += 2;
            last_seconds = true;
        } else if (*p == 'm') {
            p++;
            last_seconds = false;
        } else if (*p == 's') {
            p++;
            last_seconds = true;
        } else if ((p[0] == 'u' || p[0] == 'n') && p[1] == 's') {
            p += 2;
            last_seconds = true;
        } else if ((unsigned char)p[0] == 0xC2 && (unsigned char)p[1] == 0xB5 && p[2] == 's') { /* µs */
            p += 3;
            last_seconds = true;
        } else {
            return 0;
        }
        comps++;
        if (last_seconds) break;
    }
    if (!comps || !last_seconds || word_char((unsigned char)*p)) return 0;
    return (size_t)(p - s);
}

static size_t skip_digits(const char *p, int n)
{
    for (int i = 0; i < n; i++)
        if (!isdigit((unsigned char)p[i])) return 0;
    return (size_t)n;
}

/* Length of a timestamp at s: RFC 3339 (with fraction and zone) or Go's
 * time.String() ("2006-01-02 15:04:05.999 -0700 MST m=+1.2"), or 0. */
static size_t match_time(const char *s)
{
    const char *p = s;
    if (!skip_digits(p, 4) || p[4] != '-' || !skip_digits(p + 5, 2) || p[7] != '-' || !skip_digits(p + 8, 2)) return 0;
    p += 10;
    if (*p != 'T' && *p != ' ') return 0;
    p++;
    if (!skip_digits(p, 2) || p[2] != ':' || !skip_digits(p + 3, 2) || p[5] != ':' || !skip_digits(p + 6, 2)) return 0;
    p += 8;
    if (*p == '.' && isdigit((unsigned char)p[1])) {
        p++;
        while (isdigit((unsigned char)*p)) p++;
    }
    if (*p == 'Z') {
        p++;
    } else if ((*p == '+' || *p == '-') && skip_digits(p + 1, 2)) {
        p += 3;
        if (*p == ':') p++;
        if (skip_digits(p, 2)) p += 2;
    } else if (*p == ' ' && (p[1] == '+' || p[1] == '-') && skip_digits(p + 2, 4)) {
        p += 6; /* Go: " -0700" */
        if (p[0] == ' ' && isupper((unsigned char)p[1])) {
            const char *q = p + 1;
            while (isupper((unsigned char)*q) && q - p <= 6) q++;
            if (q - p >= 3 && !word_char((unsigned char)*q)) p = q;
        }
        if (p[0] == ' ' && p[1] == 'm' && p[2] == '=' && (p[3] == '+' || p[3] == '-')) {
            const char *q = p + 4;
            while (isdigit((unsigned char)*q) || *q == '.') q++;
            if (q > p + 4) p = q;
        }
    }
    if (word_char((unsigned char)*p)) return 0;
    return (size_t)(p - s);
}

void nc_message_normalize(const char *msg, fc_buf *out)
{
    const char *p = msg;
    bool boundary = true; /* previous char is not part of a word or number */
    while (*p) {
        if (boundary && isdigit((unsigned char)*p)) {
            size_t n = match_time(p);
            if (n) {
                fc_buf_puts(out, "<time>");
                p += n;
                boundary = true;
                continue;
            }
            n = match_duration(p);
            if (n) {
                fc_buf_puts(out, "<duration>");
                p += n;
                boundary = true;
                continue;
            }
        }
        unsigned char c = (unsigned char)*p;
        boundary = !(word_char(c) || c == '.' || c >= 0x80);
        fc_buf_putc(out, *p++);
    }
}

void nc_event_key(const nc_event *e, bool normalize, char out[65])
{
    fc_buf b;
    fc_buf_init(&b, 0);
    fc_buf_printf(&b, "event/name=%s/namespace=%s/kind=%s/message=", e->name, e->ns, e->kind);
    if (normalize) nc_message_normalize(e->message, &b);
    else fc_buf_puts(&b, e->message);
    static const char *const extra[] = {"originRevision", "revision", "token"};
    for (size_t i = 0; i < 3; i++) {
        char k[300];
        group_key(e, extra[i], k, sizeof k);
        const char *v = nc_event_meta_get(e, k);
        if (v) fc_buf_printf(&b, "/%s=%s", extra[i], v);
    }
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    EVP_Digest(b.ptr ? b.ptr : "", b.len, md, &mdlen, EVP_sha256(), NULL);
    static const char hex[] = "0123456789abcdef";
    for (unsigned i = 0; i < 32; i++) {
        out[2 * i] = hex[md[i] >> 4];
        out[2 * i + 1] = hex[md[i] & 15];
    }
    out[64] = 0;
    fc_buf_dispose(&b);
}

/* ----------------------------------------------------------- serialise */

void nc_event_time(const nc_event *e, char out[32])
{
    if (!e->has_timestamp) {
        snprintf(out, 32, "0001-01-01T00:00:00Z");
        return;
    }
    time_t t = (time_t)e->timestamp;
    struct tm tm;
    gmtime_r(&t, &tm);
    /* %04d: strftime's %Y does not pad years below 1000 */
    snprintf(out, 32, "%04u-%02u-%02uT%02u:%02u:%02uZ", (unsigned)(tm.tm_year + 1900) % 10000u, (unsigned)tm.tm_mon % 12u + 1,
             (unsigned)tm.tm_mday % 32u, (unsigned)tm.tm_hour % 24u, (unsigned)tm.tm_min % 60u, (unsigned)tm.tm_sec % 61u);
}

static void add_str(json_object *o, const char *k, const char *v, bool omitempty)
{
    if (omitempty && (!v || !*v)) return;
    json_object_object_add(o, k, json_object_new_string(v ? v : ""));
}

json_object *nc_event_to_json(const nc_event *e)
{
    json_object *o = json_object_new_object();
    json_object *io = json_object_new_object();
    add_str(io, "kind", e->kind, true);
    add_str(io, "namespace", e->ns, true);
    add_str(io, "name", e->name, true);
    add_str(io, "uid", e->uid, true);
    add_str(io, "apiVersion", e->api_version, true);
    add_str(io, "resourceVersion", e->resource_version, true);
    add_str(io, "fieldPath", e->field_path, true);
    json_object_object_add(o, "involvedObject", io);
    add_str(o, "severity", e->severity, false);
    if (e->has_timestamp) {
        char ts[32];
        nc_event_time(e, ts);
        add_str(o, "timestamp", ts, false);
    } else {
        json_object_object_add(o, "timestamp", NULL);
    }
    add_str(o, "message", e->message, false);
    add_str(o, "reason", e->reason, false);
    if (e->nmeta) {
        json_object *md = json_object_new_object();
        for (size_t i = 0; i < e->nmeta; i++) add_str(md, e->meta[i].key, e->meta[i].value, false);
        json_object_object_add(o, "metadata", md);
    }
    add_str(o, "reportingController", e->reporting_controller, false);
    add_str(o, "reportingInstance", e->reporting_instance, true);
    return o;
}

char *nc_event_dump(const nc_event *e)
{
    json_object *o = nc_event_to_json(e);
    char *s = fc_json_dump(o);
    json_object_put(o);
    return s;
}

char *nc_event_obj_name(const nc_event *e)
{
    fc_buf b;
    fc_buf_init(&b, 0);
    for (const char *p = e->kind; *p; p++) fc_buf_putc(&b, (char)tolower((unsigned char)*p));
    fc_buf_printf(&b, "/%s.%s", e->name, e->ns);
    return fc_buf_detach(&b, NULL);
}

/* ------------------------------------------------------------- combine */

typedef struct src_list {
    char *key;
    char sources[4][40];
    int n;
} src_list;

static void note_source(src_list **l, size_t *n, const char *key, const char *src)
{
    for (size_t i = 0; i < *n; i++)
        if (!strcmp((*l)[i].key, key)) {
            if ((*l)[i].n < 4) snprintf((*l)[i].sources[(*l)[i].n++], 40, "%s", src);
            return;
        }
    src_list *nl = realloc(*l, (*n + 1) * sizeof *nl);
    if (!nl) return;
    *l = nl;
    memset(&nl[*n], 0, sizeof nl[*n]);
    nl[*n].key = strdup(key);
    snprintf(nl[*n].sources[0], 40, "%s", src);
    nl[*n].n = 1;
    (*n)++;
}

static int src_cmp(const void *a, const void *b) { return strcmp(((const src_list *)a)->key, ((const src_list *)b)->key); }

void nc_event_combine_metadata(nc_event *e, json_object *event_metadata, const char *summary, char **conflicts)
{
    static const char s_event[] = "involved object annotations", s_alert_md[] = "Alert object .spec.eventMetadata",
                      s_summary[] = "Alert object .spec.summary", s_obj[] = "involved object controller metadata";
    if (conflicts) *conflicts = NULL;
    nc_event merged = {0};
    src_list *srcs = NULL;
    size_t nsrcs = 0;
    const char *ep = NC_EVENT_GROUP "/";
    for (size_t i = 0; i < e->nmeta; i++)
        if (has_prefix(e->meta[i].key, ep)) {
            const char *k = e->meta[i].key + strlen(ep);
            nc_event_meta_set(&merged, k, e->meta[i].value);
            note_source(&srcs, &nsrcs, k, s_event);
        }
    if (event_metadata && json_object_is_type(event_metadata, json_type_object)) {
        json_object_object_foreach(event_metadata, k, v) {
            if (!v || !json_object_is_type(v, json_type_string)) continue;
            nc_event_meta_set(&merged, k, json_object_get_string(v));
            note_source(&srcs, &nsrcs, k, s_alert_md);
        }
    }
    if (summary && *summary) {
        nc_event_meta_set(&merged, "summary", summary);
        note_source(&srcs, &nsrcs, "summary", s_summary);
    }
    char group[256], op[300];
    nc_event_group(e, group, sizeof group);
    snprintf(op, sizeof op, "%s/", group);
    for (size_t i = 0; i < e->nmeta; i++)
        if (has_prefix(e->meta[i].key, op)) {
            const char *k = e->meta[i].key + strlen(op);
            nc_event_meta_set(&merged, k, e->meta[i].value);
            note_source(&srcs, &nsrcs, k, s_obj);
        }
    if (nsrcs) qsort(srcs, nsrcs, sizeof *srcs, src_cmp);
    fc_buf cb;
    fc_buf_init(&cb, 0);
    for (size_t i = 0; i < nsrcs; i++) {
        if (srcs[i].n > 1) {
            fc_buf_printf(&cb, "%s%s: ", cb.len ? "; " : "", srcs[i].key);
            for (int j = 0; j < srcs[i].n; j++) fc_buf_printf(&cb, "%s%s", j ? ", " : "", srcs[i].sources[j]);
        }
        free(srcs[i].key);
    }
    free(srcs);
    if (conflicts && cb.len) *conflicts = fc_buf_detach(&cb, NULL);
    fc_buf_dispose(&cb);
    if (merged.nmeta) {
        nc_event_meta_clear(e);
        e->meta = merged.meta;
        e->nmeta = merged.nmeta;
    }
}

const char *nc_event_revision(const nc_event *e)
{
    const char *r = nc_event_meta_get(e, "originRevision");
    return r ? r : nc_event_meta_get(e, "revision");
}
