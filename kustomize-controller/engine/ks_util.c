/*
 * ks_util.c: small helpers the engine's modules share: scalar text as kyaml
 * sees it, Go's encoding/json (the hasher feeds it to SHA-256, so it must be
 * byte-exact: sorted keys, HTML-safe escapes), string vectors, regular
 * expressions for patch targets, replacements and image names (Go regexp
 * syntax through libcommon's fc/regex, as kustomize uses Go's regexp), and
 * Kubernetes label selectors.
 */
#include "ks_internal.h"
#include <ctype.h>
#include <json-c/linkhash.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char *ks_strdup(const char *s)
{
    return strdup(s ? s : "");
}

char *ks_strndup(const char *s, size_t n)
{
    char *r = malloc(n + 1);
    if (!r) return NULL;
    memcpy(r, s, n);
    r[n] = 0;
    return r;
}

char *ks_join(const char *a, const char *b, const char *c)
{
    size_t la = a ? strlen(a) : 0, lb = b ? strlen(b) : 0, lc = c ? strlen(c) : 0;
    char *r = malloc(la + lb + lc + 1);
    if (!r) return NULL;
    if (la) memcpy(r, a, la);
    if (lb) memcpy(r + la, b, lb);
    if (lc) memcpy(r + la + lb, c, lc);
    r[la + lb + lc] = 0;
    return r;
}

bool ks_str_eq(const char *a, const char *b)
{
    return strcmp(a ? a : "", b ? b : "") == 0;
}

bool ks_has_suffix(const char *s, const char *suf)
{
    size_t a = strlen(s), b = strlen(suf);
    return a >= b && memcmp(s + a - b, suf, b) == 0;
}

int ks_strv_push(ks_strv *sv, const char *s)
{
    if (sv->n + 1 >= sv->cap) {
        size_t nc = sv->cap ? sv->cap * 2 : 4;
        char **nv = realloc(sv->v, nc * sizeof *nv);
        if (!nv) return fc_err_set(FC_ENOMEM, "out of memory");
        sv->v = nv;
        sv->cap = nc;
    }
    sv->v[sv->n] = ks_strdup(s);
    if (!sv->v[sv->n]) return fc_err_set(FC_ENOMEM, "out of memory");
    sv->n++;
    sv->v[sv->n] = NULL;
    return 0;
}

void ks_strv_dispose(ks_strv *sv)
{
    for (size_t i = 0; i < sv->n; i++) free(sv->v[i]);
    free(sv->v);
    memset(sv, 0, sizeof *sv);
}

bool ks_strv_contains(const ks_strv *sv, const char *s)
{
    for (size_t i = 0; i < sv->n; i++)
        if (strcmp(sv->v[i], s) == 0) return true;
    return false;
}

json_object *ks_obj_get(json_object *o, const char *key)
{
    json_object *v = NULL;
    if (!o || !json_object_is_type(o, json_type_object)) return NULL;
    return json_object_object_get_ex(o, key, &v) ? v : NULL;
}

const char *ks_obj_str(json_object *o, const char *key)
{
    json_object *v = ks_obj_get(o, key);
    return v && json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
}

json_object *ks_obj_ensure_map(json_object *o, const char *key)
{
    json_object *v = ks_obj_get(o, key);
    if (v && json_object_is_type(v, json_type_object)) return v;
    v = json_object_new_object();
    json_object_object_add(o, key, v);
    return v;
}

bool ks_is_map(json_object *o)
{
    return o && json_object_is_type(o, json_type_object);
}

bool ks_is_seq(json_object *o)
{
    return o && json_object_is_type(o, json_type_array);
}

bool ks_is_scalar(json_object *o)
{
    return !o || !(json_object_is_type(o, json_type_object) || json_object_is_type(o, json_type_array));
}

char *ks_json_text(json_object *o)
{
    char num[64];
    if (!o) return strdup("");
    switch (json_object_get_type(o)) {
    case json_type_null: return strdup("");
    case json_type_boolean: return strdup(json_object_get_boolean(o) ? "true" : "false");
    case json_type_int:
        if (json_object_get_int64(o) == INT64_MAX && json_object_get_uint64(o) > (uint64_t)INT64_MAX)
            snprintf(num, sizeof num, "%llu", (unsigned long long)json_object_get_uint64(o));
        else
            snprintf(num, sizeof num, "%lld", (long long)json_object_get_int64(o));
        return strdup(num);
    case json_type_double: fc_go_format_float(json_object_get_double(o), 'g', -1, num, sizeof num); return strdup(num);
    case json_type_string: return ks_strndup(json_object_get_string(o), (size_t)json_object_get_string_len(o));
    default: return NULL;
    }
}

/* ------------------------------------------------------- Go encoding/json */

static int go_json_string(const char *s, size_t n, fc_buf *out)
{
    static const char hex[] = "0123456789abcdef";
    int rc = fc_buf_putc(out, '"');
    const unsigned char *p = (const unsigned char *)s, *e = p + n;
    while (!rc && p < e) {
        unsigned char c = *p;
        if (c < 0x80) {
            switch (c) {
            case '"': rc = fc_buf_puts(out, "\\\""); break;
            case '\\': rc = fc_buf_puts(out, "\\\\"); break;
            case '\n': rc = fc_buf_puts(out, "\\n"); break;
            case '\r': rc = fc_buf_puts(out, "\\r"); break;
            case '\t': rc = fc_buf_puts(out, "\\t"); break;
            case '\b': rc = fc_buf_puts(out, "\\b"); break;
            case '\f': rc = fc_buf_puts(out, "\\f"); break;
            case '<': case '>': case '&': {
                char u[7] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15], 0};
                rc = fc_buf_puts(out, u);
                break;
            }
            default:
                if (c < 0x20) {
                    char u[7] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15], 0};
                    rc = fc_buf_puts(out, u);
                } else {
                    rc = fc_buf_putc(out, (char)c);
                }
            }
            p++;
            continue;
        }
        /* decode one UTF-8 sequence; invalid bytes become U+FFFD */
        int k = 0;
        uint32_t cp = 0;
        if ((c & 0xE0) == 0xC0) { k = 1; cp = c & 0x1F; }
        else if ((c & 0xF0) == 0xE0) { k = 2; cp = c & 0x0F; }
        else if ((c & 0xF8) == 0xF0) { k = 3; cp = c & 0x07; }
        bool ok = k > 0 && e - p > k;
        for (int i = 1; ok && i <= k; i++) {
            if ((p[i] & 0xC0) != 0x80) ok = false;
            else cp = (cp << 6) | (p[i] & 0x3F);
        }
        if (ok && ((k == 1 && cp < 0x80) || (k == 2 && cp < 0x800) || (k == 3 && cp < 0x10000) || cp > 0x10FFFF ||
                   (cp >= 0xD800 && cp <= 0xDFFF)))
            ok = false;
        if (!ok) {
            rc = fc_buf_puts(out, "\\ufffd");
            p++;
        } else if (cp == 0x2028 || cp == 0x2029) {
            rc = fc_buf_puts(out, cp == 0x2028 ? "\\u2028" : "\\u2029");
            p += k + 1;
        } else {
            rc = fc_buf_put(out, p, (size_t)k + 1);
            p += k + 1;
        }
    }
    if (!rc) rc = fc_buf_putc(out, '"');
    return rc;
}

static int key_cmp(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int go_json_value(json_object *o, fc_buf *out, unsigned depth)
{
    char num[64];
    if (depth > 1000) return fc_err_set(FC_ETOOBIG, "value nested too deeply");
    if (!o) return fc_buf_puts(out, "null");
    switch (json_object_get_type(o)) {
    case json_type_null: return fc_buf_puts(out, "null");
    case json_type_boolean: return fc_buf_puts(out, json_object_get_boolean(o) ? "true" : "false");
    case json_type_int: {
        char *t = ks_json_text(o);
        int rc = t ? fc_buf_puts(out, t) : fc_err_set(FC_ENOMEM, "out of memory");
        free(t);
        return rc;
    }
    case json_type_double: fc_go_json_float(json_object_get_double(o), num, sizeof num); return fc_buf_puts(out, num);
    case json_type_string:
        return go_json_string(json_object_get_string(o), (size_t)json_object_get_string_len(o), out);
    case json_type_array: {
        int rc = fc_buf_putc(out, '[');
        size_t n = json_object_array_length(o);
        for (size_t i = 0; i < n && !rc; i++) {
            if (i) rc = fc_buf_putc(out, ',');
            if (!rc) rc = go_json_value(json_object_array_get_idx(o, i), out, depth + 1);
        }
        return rc ? rc : fc_buf_putc(out, ']');
    }
    case json_type_object: {
        size_t n = (size_t)json_object_object_length(o), i = 0;
        const char **keys = n ? malloc(n * sizeof *keys) : NULL;
        if (n && !keys) return fc_err_set(FC_ENOMEM, "out of memory");
        json_object_object_foreach(o, k, v) {
            (void)v;
            keys[i++] = k;
        }
        qsort(keys, n, sizeof *keys, key_cmp);
        int rc = fc_buf_putc(out, '{');
        for (i = 0; i < n && !rc; i++) {
            if (i) rc = fc_buf_putc(out, ',');
            if (!rc) rc = go_json_string(keys[i], strlen(keys[i]), out);
            if (!rc) rc = fc_buf_putc(out, ':');
            if (!rc) rc = go_json_value(ks_obj_get(o, keys[i]), out, depth + 1);
        }
        free(keys);
        return rc ? rc : fc_buf_putc(out, '}');
    }
    }
    return fc_err_set(FC_EINVAL, "unsupported JSON value");
}

int ks_go_json(json_object *o, fc_buf *out)
{
    return go_json_value(o, out, 0);
}

/* ------------------------------------------------------------------ regex */

static bool rx_literal(const char *p)
{
    return !p[strcspn(p, "\\.+*?()|[]{}^$")];
}

int ks_regex_compile(const char *pat, fc_regex **out)
{
    char err[256] = "";
    *out = fc_regex_compile(pat, strlen(pat), err, sizeof err);
    if (!*out) return fc_err_set(FC_EINVAL, "invalid regular expression %s: %s", pat, err);
    return 0;
}

bool ks_regex_search(const fc_regex *re, const char *s)
{
    s = s ? s : "";
    return fc_regex_exec(re, s, strlen(s), 0, NULL);
}

int ks_rx_init(ks_rx *x, const char *pattern)
{
    memset(x, 0, sizeof *x);
    x->pat = pattern ? pattern : "";
    x->any = !*x->pat;
    x->literal = rx_literal(x->pat);
    if (x->any || x->literal) return 0;
    char *anch = ks_join("^(?:", x->pat, ")$"); /* kustomize's anchorRegex */
    if (!anch) return fc_err_set(FC_ENOMEM, "out of memory");
    int rc = ks_regex_compile(anch, &x->re);
    free(anch);
    if (rc) {
        x->any = true; /* nothing to free */
        return fc_err_set(FC_EINVAL, "invalid regular expression %s", pattern);
    }
    return 0;
}

bool ks_rx_match(const ks_rx *x, const char *s)
{
    if (x->any) return true;
    if (x->literal) return strcmp(x->pat, s ? s : "") == 0;
    return ks_regex_search(x->re, s);
}

void ks_rx_dispose(ks_rx *x)
{
    fc_regex_free(x->re);
    memset(x, 0, sizeof *x);
    x->any = true;
}

int ks_regex_match(const char *pattern, const char *s, bool *match)
{
    ks_rx x;
    *match = false;
    if (ks_rx_init(&x, pattern)) return -1;
    *match = ks_rx_match(&x, s);
    ks_rx_dispose(&x);
    return 0;
}

/* ---------------------------------------------------------- label selectors */

typedef enum { OP_EXISTS, OP_NOT_EXISTS, OP_EQ, OP_NE, OP_IN, OP_NOTIN, OP_GT, OP_LT } selop;

static void skip_ws(const char **p)
{
    while (**p == ' ' || **p == '\t') (*p)++;
}

static bool is_key_char(char c)
{
    return isalnum((unsigned char)c) || c == '-' || c == '_' || c == '.' || c == '/';
}

static bool is_val_char(char c)
{
    return isalnum((unsigned char)c) || c == '-' || c == '_' || c == '.';
}

static char *read_token(const char **p, bool (*ok)(char))
{
    const char *s = *p;
    while (**p && ok(**p)) (*p)++;
    return ks_strndup(s, (size_t)(*p - s));
}

static bool label_value(json_object *labels, const char *key, char **val)
{
    json_object *v = NULL;
    *val = NULL;
    if (!labels || !json_object_is_type(labels, json_type_object) || !json_object_object_get_ex(labels, key, &v))
        return false;
    *val = ks_json_text(v);
    if (!*val) *val = strdup("");
    return true;
}

int ks_selector_match(const char *selector, json_object *labels, bool *match)
{
    const char *p = selector ? selector : "";
    *match = true;
    skip_ws(&p);
    if (!*p) return 0;
    bool all = true;
    for (;;) {
        skip_ws(&p);
        selop op = OP_EXISTS;
        if (*p == '!') {
            op = OP_NOT_EXISTS;
            p++;
            skip_ws(&p);
        }
        char *key = read_token(&p, is_key_char);
        ks_strv vals = {0};
        if (!key || !*key) {
            free(key);
            return fc_err_set(FC_EINVAL, "unable to parse requirement: invalid label selector %s", selector);
        }
        skip_ws(&p);
        if (op == OP_EXISTS) {
            if (p[0] == '=' && p[1] == '=') { op = OP_EQ; p += 2; }
            else if (p[0] == '=') { op = OP_EQ; p += 1; }
            else if (p[0] == '!' && p[1] == '=') { op = OP_NE; p += 2; }
            else if (p[0] == '>') { op = OP_GT; p += 1; }
            else if (p[0] == '<') { op = OP_LT; p += 1; }
            else if (strncmp(p, "notin", 5) == 0 && !is_key_char(p[5])) { op = OP_NOTIN; p += 5; }
            else if (strncmp(p, "in", 2) == 0 && !is_key_char(p[2])) { op = OP_IN; p += 2; }
        }
        skip_ws(&p);
        if (op == OP_EQ || op == OP_NE || op == OP_GT || op == OP_LT) {
            char *v = read_token(&p, is_val_char);
            ks_strv_push(&vals, v ? v : "");
            free(v);
        } else if (op == OP_IN || op == OP_NOTIN) {
            if (*p != '(') {
                free(key);
                return fc_err_set(FC_EINVAL, "unable to parse requirement: found '%c', expected: '(' in selector %s",
                                  *p ? *p : ' ', selector);
            }
            p++;
            for (;;) {
                skip_ws(&p);
                char *v = read_token(&p, is_val_char);
                ks_strv_push(&vals, v ? v : "");
                free(v);
                skip_ws(&p);
                if (*p == ',') { p++; continue; }
                if (*p == ')') { p++; break; }
                free(key);
                ks_strv_dispose(&vals);
                return fc_err_set(FC_EINVAL, "unable to parse requirement: expected ',' or ')' in selector %s", selector);
            }
        }
        char *have = NULL;
        bool present = label_value(labels, key, &have);
        bool ok = false;
        switch (op) {
        case OP_EXISTS: ok = present; break;
        case OP_NOT_EXISTS: ok = !present; break;
        case OP_EQ: ok = present && strcmp(have, vals.v[0]) == 0; break;
        case OP_NE: ok = !present || strcmp(have, vals.v[0]) != 0; break;
        case OP_IN: ok = present && ks_strv_contains(&vals, have); break;
        case OP_NOTIN: ok = !present || !ks_strv_contains(&vals, have); break;
        case OP_GT:
        case OP_LT: {
            char *e1 = NULL, *e2 = NULL;
            long long a = present ? strtoll(have, &e1, 10) : 0, b = strtoll(vals.v[0], &e2, 10);
            ok = present && e1 && !*e1 && e2 && !*e2 && (op == OP_GT ? a > b : a < b);
            break;
        }
        }
        free(have);
        free(key);
        ks_strv_dispose(&vals);
        if (!ok) all = false;
        skip_ws(&p);
        if (!*p) break;
        if (*p != ',')
            return fc_err_set(FC_EINVAL, "unable to parse requirement: unexpected '%c' in label selector %s", *p, selector);
        p++;
    }
    *match = all;
    return 0;
}

/* ------------------------------------------------------------ string set */

static uint64_t sset_hash(const char *s)
{
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
    for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

static int sset_grow(ks_sset *s)
{
    size_t nc = s->cap ? s->cap * 2 : 64;
    char **ns = calloc(nc, sizeof *ns);
    size_t *cnt = calloc(nc, sizeof *cnt);
    if (!ns || !cnt) {
        free(ns);
        free(cnt);
        return -1;
    }
    for (size_t i = 0; i < s->cap; i++) {
        if (!s->slot[i]) continue;
        size_t j = (size_t)sset_hash(s->slot[i]) & (nc - 1);
        while (ns[j]) j = (j + 1) & (nc - 1);
        ns[j] = s->slot[i];
        cnt[j] = s->count[i];
    }
    free(s->slot);
    free(s->count);
    s->slot = ns;
    s->count = cnt;
    s->cap = nc;
    return 0;
}

/* the slot holding key, or -1 */
static long sset_find(const ks_sset *s, const char *key)
{
    if (!s->cap) return -1;
    size_t j = (size_t)sset_hash(key) & (s->cap - 1);
    while (s->slot[j]) {
        if (strcmp(s->slot[j], key) == 0) return (long)j;
        j = (j + 1) & (s->cap - 1);
    }
    return -1;
}

int ks_sset_add(ks_sset *s, const char *key)
{
    long f = sset_find(s, key);
    if (f >= 0) {
        s->count[f]++;
        return 0;
    }
    if ((s->n + 1) * 2 > s->cap && sset_grow(s)) return -1;
    size_t j = (size_t)sset_hash(key) & (s->cap - 1);
    while (s->slot[j]) j = (j + 1) & (s->cap - 1);
    if (!(s->slot[j] = ks_strdup(key))) return -1;
    s->count[j] = 1;
    s->n++;
    return 1;
}

bool ks_sset_has(const ks_sset *s, const char *key)
{
    return sset_find(s, key) >= 0;
}

size_t ks_sset_count(const ks_sset *s, const char *key)
{
    long f = sset_find(s, key);
    return f >= 0 ? s->count[f] : 0;
}

void ks_sset_drop(ks_sset *s, const char *key)
{
    long f = sset_find(s, key);
    if (f >= 0 && s->count[f]) s->count[f]--;
}

void ks_sset_dispose(ks_sset *s)
{
    for (size_t i = 0; i < s->cap; i++) free(s->slot[i]);
    free(s->slot);
    free(s->count);
    memset(s, 0, sizeof *s);
}

/* json-c gives every object a 16-slot hash table (~700 bytes); most maps in
 * Kubernetes objects hold a few keys, so the tables are shrunk (json-c
 * grows them again on insert). Halves a build's memory. */
void ks_json_compact(json_object *o)
{
    if (!o || !json_object_is_type(o, json_type_object)) return;
    struct lh_table *t = json_object_get_object(o);
    if (!t) return;
    /* The smallest size json-c's resize can refill without growing the new
     * table on the way: it re-inserts with the usual load check (count >=
     * size * LH_LOAD_FACTOR grows) and would then record the size asked
     * for, not the grown one, and lose entries. */
    int n = t->count, want = 2;
    while (n > 0 && (double)(n - 1) >= want * LH_LOAD_FACTOR) want++;
    if (want < t->size) (void)lh_table_resize(t, want);
}

void ks_json_compact_deep(json_object *o, unsigned depth)
{
    if (!o || depth > 10000) return;
    if (json_object_is_type(o, json_type_object)) {
        ks_json_compact(o);
        json_object_object_foreach(o, k, v) {
            (void)k;
            ks_json_compact_deep(v, depth + 1);
        }
    } else if (json_object_is_type(o, json_type_array)) {
        size_t n = json_object_array_length(o);
        (void)json_object_array_shrink(o, 0); /* arrays start with 32 slots */
        for (size_t i = 0; i < n; i++) ks_json_compact_deep(json_object_array_get_idx(o, i), depth + 1);
    }
}

/* ----------------------------------------------------------- common keys */

/* Map keys that occur in most Kubernetes objects, sorted (strcmp order).
 * Parsed maps point at these instead of holding a copy per key (json-c's
 * constant keys): fewer, smaller allocations on big builds. */
static const char *const common_keys[] = {
    "accessModes", "add", "additionalPrinterColumns", "admissionReviewVersions", "affinity",
    "allowPrivilegeEscalation", "annotations", "apiGroup", "apiGroups", "apiVersion", "app", "args",
    "backend", "backoffLimit", "binaryData", "caBundle", "capabilities", "chart", "cidr", "claimName",
    "clientConfig", "clusterIP", "command", "completions", "component", "concurrencyPolicy", "config.yaml",
    "configMap", "configMapKeyRef", "configMapRef", "containerPort", "containers", "cpu", "creationTimestamp",
    "data", "defaultMode", "description", "dnsPolicy", "drop", "effect", "egress", "emptyDir", "env",
    "envFrom", "exec", "externalTrafficPolicy", "failedJobsHistoryLimit", "failurePolicy", "failureThreshold",
    "fieldPath", "fieldRef", "finalizers", "format", "from", "fsGroup", "generation", "group", "host",
    "hostNetwork", "hostPort", "hostname", "hosts", "http", "httpGet", "image", "imagePullPolicy",
    "imagePullSecrets", "immutable", "ingress", "ingressClassName", "initContainers", "initialDelaySeconds",
    "instance", "interval", "ipBlock", "items", "jobTemplate", "jsonPath", "key", "kind", "labelSelector",
    "labels", "lifecycle", "limits", "listKind", "livenessProbe", "managed-by", "matchExpressions",
    "matchLabels", "maxSkew", "maxSurge", "maxUnavailable", "memory", "metadata", "minAvailable",
    "minReadySeconds", "mode", "mountPath", "name", "names", "namespace", "namespaceSelector", "nodeAffinity",
    "nodePort", "nodeSelector", "number", "openAPIV3Schema", "operations", "operator", "owner",
    "ownerReferences", "parallelism", "part-of", "path", "pathType", "paths", "paused", "periodSeconds",
    "persistentVolumeClaim", "plural", "podAffinity", "podAffinityTerm", "podAntiAffinity",
    "podManagementPolicy", "podSelector", "policyTypes", "port", "ports", "postStart", "preStop",
    "preferredDuringSchedulingIgnoredDuringExecution", "prefix", "priorityClassName", "privileged",
    "progressDeadlineSeconds", "properties", "protocol", "prune", "readOnly", "readOnlyRootFilesystem",
    "readinessProbe", "reconcileStrategy", "replicas", "requests",
    "requiredDuringSchedulingIgnoredDuringExecution", "resourceFieldRef", "resourceNames", "resourceVersion",
    "resources", "restartPolicy", "revisionHistoryLimit", "roleRef", "rollingUpdate", "rules", "runAsGroup",
    "runAsNonRoot", "runAsUser", "schedule", "schedulerName", "schema", "scope", "secret", "secretKeyRef",
    "secretName", "secretRef", "securityContext", "selector", "served", "service", "serviceAccount",
    "serviceAccountName", "serviceName", "sessionAffinity", "shortNames", "sideEffects", "singular",
    "sourceRef", "spec", "startupProbe", "status", "stdin", "storage", "storageClassName", "strategy",
    "stringData", "subPath", "subdomain", "subjects", "successThreshold", "successfulJobsHistoryLimit",
    "suspend", "targetNamespace", "targetPort", "tcpSocket", "team", "template",
    "terminationGracePeriodSeconds", "tier", "timeout", "timeoutSeconds", "tls", "to", "tolerations",
    "topologyKey", "topologySpreadConstraints", "tty", "type", "uid", "updateStrategy", "url", "value",
    "valueFrom", "values", "verbs", "version", "versions", "volumeClaimTemplates", "volumeMounts", "volumes",
    "wait", "webhooks", "weight", "whenUnsatisfiable", "workingDir",
};

static int common_key_cmp(const void *a, const void *b)
{
    return strcmp((const char *)a, *(const char *const *)b);
}

const char *ks_intern_key(const char *key)
{
    const char *const *hit = bsearch(key, common_keys, sizeof common_keys / sizeof common_keys[0],
                                     sizeof common_keys[0], common_key_cmp);
    return hit ? *hit : NULL;
}

void ks_obj_add(json_object *m, const char *key, json_object *v)
{
    const char *ik = ks_intern_key(key);
    if (ik) json_object_object_add_ex(m, ik, v, JSON_C_OBJECT_ADD_CONSTANT_KEY);
    else json_object_object_add(m, key, v);
}
