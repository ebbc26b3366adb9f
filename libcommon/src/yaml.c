/*
 * yaml.c: YAML <-> json-c with Kubernetes' (sigs.k8s.io/yaml, go-yaml v2)
 * semantics; see fc/yaml.h for the contract.
 *
 * Parsing walks libyaml's event stream recursively, resolving plain scalars
 * with go-yaml v2's rules (ported below: resolve table, ints with base
 * prefixes and underscores, YAML-style floats, timestamps kept as strings).
 * Anchors are kept per document with the node count of their subtree; an
 * alias deep-copies the anchored value and charges its node count to the
 * document's budget, so alias bombs fail fast instead of expanding.
 *
 * Emitting drives libyaml's emitter (go-yaml v2 is a port of it) with the
 * same scalar-style decisions go-yaml's encoder makes, so the bytes match
 * what kubectl, Helm's toYaml and sigs.k8s.io/yaml produce.
 */
#include "fc/yaml.h"
#include "fc/err.h"
#include "fc/gofmt.h"
#include "fc/json.h"
#include <yaml.h>
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define DEF_MAX_BYTES (64u << 20)
#define DEF_MAX_DEPTH 256
#define DEF_MAX_NODES (4u << 20)
#define DEF_MAX_DOCS 100000

/* ---------------------------------------------------------------- resolve */

static bool streq_any(const char *s, size_t len, const char *const *list)
{
    for (; *list; list++)
        if (strlen(*list) == len && memcmp(*list, s, len) == 0) return true;
    return false;
}

static const char *const yes_words[] = {"y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON", NULL};
static const char *const no_words[] = {"n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF", NULL};
static const char *const null_words[] = {"", "~", "null", "Null", "NULL", NULL};
static const char *const nan_words[] = {".nan", ".NaN", ".NAN", NULL};
static const char *const inf_words[] = {".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF", NULL};
static const char *const ninf_words[] = {"-.inf", "-.Inf", "-.INF", NULL};

/* Go strconv.ParseInt/ParseUint(s, 0, 64) after '_' removal. */
static bool go_parse_int(const char *s, bool allow_sign, int64_t *iv, uint64_t *uv, bool *is_unsigned)
{
    const char *p = s;
    bool neg = false;
    if (allow_sign && (*p == '+' || *p == '-')) {
        neg = *p == '-';
        p++;
    }
    int base = 10;
    if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) { base = 16; p += 2; }
    else if (p[0] == '0' && (p[1] == 'o' || p[1] == 'O')) { base = 8; p += 2; }
    else if (p[0] == '0' && (p[1] == 'b' || p[1] == 'B')) { base = 2; p += 2; }
    else if (p[0] == '0' && p[1]) { base = 8; p += 1; }
    if (!*p) return false;
    uint64_t acc = 0;
    for (; *p; p++) {
        int d;
        if (*p >= '0' && *p <= '9') d = *p - '0';
        else if (*p >= 'a' && *p <= 'f') d = *p - 'a' + 10;
        else if (*p >= 'A' && *p <= 'F') d = *p - 'A' + 10;
        else return false;
        if (d >= base) return false;
        if (acc > (UINT64_MAX - (uint64_t)d) / (uint64_t)base) return false;
        acc = acc * (uint64_t)base + (uint64_t)d;
    }
    *is_unsigned = false;
    if (neg) {
        if (acc > (uint64_t)INT64_MAX + 1) return false;
        *iv = acc == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)acc;
        return true;
    }
    if (acc <= (uint64_t)INT64_MAX) {
        *iv = (int64_t)acc;
        return true;
    }
    *is_unsigned = true;
    *uv = acc;
    return true;
}

/* ^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$ */
static bool yaml_style_float(const char *s)
{
    const char *p = s;
    if (*p == '+' || *p == '-') p++;
    if (*p == '.') {
        p++;
        if (!isdigit((unsigned char)*p)) return false;
        while (isdigit((unsigned char)*p)) p++;
    } else {
        if (!isdigit((unsigned char)*p)) return false;
        while (isdigit((unsigned char)*p)) p++;
        if (*p == '.') {
            p++;
            while (isdigit((unsigned char)*p)) p++;
        }
    }
    if (*p == 'e' || *p == 'E') {
        p++;
        if (*p == '+' || *p == '-') p++;
        if (!isdigit((unsigned char)*p)) return false;
        while (isdigit((unsigned char)*p)) p++;
    }
    return *p == 0;
}

/* ^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$ */
static bool is_base60_float(const char *s)
{
    const char *p = s;
    if (*p == '+' || *p == '-') p++;
    if (!isdigit((unsigned char)*p)) return false;
    while (isdigit((unsigned char)*p) || *p == '_') p++;
    int groups = 0;
    while (*p == ':') {
        p++;
        if (p[0] >= '0' && p[0] <= '5' && isdigit((unsigned char)p[1])) p += 2;
        else if (isdigit((unsigned char)p[0])) p += 1;
        else return false;
        groups++;
    }
    if (!groups) return false;
    if (*p == '.') {
        p++;
        while (isdigit((unsigned char)*p) || *p == '_') p++;
    }
    return *p == 0;
}

/* Go's time.Parse for go-yaml v2's allowed timestamp layouts. */
static int getnum12(const char **pp, int *v)
{
    const char *p = *pp;
    if (!isdigit((unsigned char)p[0])) return -1;
    if (isdigit((unsigned char)p[1])) {
        *v = (p[0] - '0') * 10 + (p[1] - '0');
        *pp = p + 2;
    } else {
        *v = p[0] - '0';
        *pp = p + 1;
    }
    return 0;
}

static int days_in(int y, int m)
{
    static const int d[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0)) return 29;
    return d[m - 1];
}

static bool is_timestamp(const char *s)
{
    const char *p = s;
    for (int i = 0; i < 4; i++)
        if (!isdigit((unsigned char)p[i])) return false;
    if (p[4] != '-') return false;
    int y = (int)strtol(p, NULL, 10), mo, d, h, mi, se;
    p += 5;
    if (getnum12(&p, &mo) || *p++ != '-' || getnum12(&p, &d)) return false;
    if (mo < 1 || mo > 12 || d < 1 || d > days_in(y, mo)) return false;
    if (!*p) return true;
    char sep = *p;
    if (sep != 'T' && sep != 't' && sep != ' ') return false;
    p++;
    if (getnum12(&p, &h) || *p++ != ':' || getnum12(&p, &mi) || *p++ != ':' || getnum12(&p, &se)) return false;
    if (h > 23 || mi > 59 || se > 59) return false;
    if (*p == '.') {
        p++;
        if (!isdigit((unsigned char)*p)) return false;
        while (isdigit((unsigned char)*p)) p++;
    }
    if (sep == ' ') return *p == 0;
    if (*p == 'Z') return p[1] == 0;
    if (*p == '+' || *p == '-') {
        p++;
        return isdigit((unsigned char)p[0]) && isdigit((unsigned char)p[1]) && p[2] == ':' &&
               isdigit((unsigned char)p[3]) && isdigit((unsigned char)p[4]) && p[5] == 0;
    }
    return false;
}

typedef enum { R_STR, R_NULL, R_BOOL, R_INT, R_UINT, R_FLOAT, R_TIMESTAMP, R_MERGE } rkind;

typedef struct {
    rkind kind;
    bool b;
    int64_t i;
    uint64_t u;
    double f;
} resolved;

static rkind resolve(const char *s, size_t len, resolved *r)
{
    r->kind = R_STR;
    if (memchr(s, 0, len)) return R_STR;
    char hint = 'N';
    if (len) {
        unsigned char c = (unsigned char)s[0];
        if (c == '+' || c == '-') hint = 'S';
        else if (isdigit(c)) hint = 'D';
        else if (strchr("yYnNtTfFoO~", c)) hint = 'M';
        else if (c == '.') hint = '.';
        else if (c == '<') hint = 'M';
        else hint = 0;
    }
    if (!hint) return R_STR;
    if (streq_any(s, len, yes_words)) { r->kind = R_BOOL; r->b = true; return r->kind; }
    if (streq_any(s, len, no_words)) { r->kind = R_BOOL; r->b = false; return r->kind; }
    if (streq_any(s, len, null_words)) return r->kind = R_NULL;
    if (streq_any(s, len, nan_words)) { r->kind = R_FLOAT; r->f = NAN; return r->kind; }
    if (streq_any(s, len, inf_words)) { r->kind = R_FLOAT; r->f = INFINITY; return r->kind; }
    if (streq_any(s, len, ninf_words)) { r->kind = R_FLOAT; r->f = -INFINITY; return r->kind; }
    if (len == 2 && s[0] == '<' && s[1] == '<') return r->kind = R_MERGE;
    if (len > 256) return R_STR; /* no number or timestamp is that long */
    char tmp[260];
    memcpy(tmp, s, len);
    tmp[len] = 0;
    if (hint == '.') {
        /* strconv.ParseFloat accepts ".5", ".5e3" */
        if (yaml_style_float(tmp)) {
            r->kind = R_FLOAT;
            r->f = strtod(tmp, NULL);
        }
        return r->kind;
    }
    if (hint == 'D' || hint == 'S') {
        if (is_timestamp(tmp)) return r->kind = R_TIMESTAMP;
        char plain[260];
        size_t n = 0;
        for (size_t k = 0; k < len; k++)
            if (tmp[k] != '_') plain[n++] = tmp[k];
        plain[n] = 0;
        bool uns;
        if (go_parse_int(plain, true, &r->i, &r->u, &uns)) {
            r->kind = uns ? R_UINT : R_INT;
            return r->kind;
        }
        if (yaml_style_float(plain)) {
            errno = 0;
            double f = strtod(plain, NULL);
            if (errno != ERANGE || isinf(f) == 0) {
                r->kind = R_FLOAT;
                r->f = f;
                return r->kind;
            }
        }
        if (strncmp(plain, "0b", 2) == 0 || strncmp(plain, "-0b", 3) == 0) {
            /* handled by go_parse_int already (base prefix) */
        }
    }
    return R_STR;
}

json_object *fc_yaml_resolve_plain(const char *s, size_t len, bool *is_str)
{
    resolved r;
    rkind k = resolve(s, len, &r);
    if (is_str) *is_str = (k == R_STR || k == R_TIMESTAMP);
    switch (k) {
    case R_NULL: return NULL;
    case R_BOOL: return json_object_new_boolean(r.b);
    case R_INT: return json_object_new_int64(r.i);
    case R_UINT: return json_object_new_uint64(r.u);
    case R_FLOAT: return fc_json_new_double(r.f);
    default: return json_object_new_string_len(s, (int)len);
    }
}

/* ------------------------------------------------------------------ parse */

typedef struct anchor {
    char *name;
    json_object *val;
    size_t nodes;
    struct anchor *next;
} anchor;

typedef struct {
    yaml_parser_t p;
    fc_yaml_limits lim;
    size_t nodes; /* nodes in the current document, expansions included */
    anchor *anchors;
    char err[512];
    int line;
    bool in_key; /* parsing a mapping key: .inf/.nan are fine there */
} pstate;

static void anchors_free(pstate *s)
{
    while (s->anchors) {
        anchor *a = s->anchors;
        s->anchors = a->next;
        free(a->name);
        json_object_put(a->val);
        free(a);
    }
}

__attribute__((format(printf, 3, 4))) static int perr(pstate *s, int line, const char *fmt, ...)
{
    char m[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(m, sizeof m, fmt, ap);
    va_end(ap);
    if (line > 0) snprintf(s->err, sizeof s->err, "yaml: line %d: %s", line, m);
    else snprintf(s->err, sizeof s->err, "yaml: %s", m);
    return -1;
}

static int parser_fail(pstate *s)
{
    int line = 0;
    if (s->p.problem_mark.line != 0) {
        line = (int)s->p.problem_mark.line;
        if (s->p.error == YAML_SCANNER_ERROR) line++;
    } else if (s->p.context_mark.line != 0) {
        line = (int)s->p.context_mark.line;
    }
    return perr(s, line, "%s", s->p.problem ? s->p.problem : "unknown problem parsing YAML content");
}

static int next_event(pstate *s, yaml_event_t *ev)
{
    if (!yaml_parser_parse(&s->p, ev)) return parser_fail(s);
    return 0;
}

static int count_node(pstate *s, size_t n, int line)
{
    s->nodes += n;
    if (s->nodes > s->lim.max_nodes)
        return perr(s, line, "%s", "document contains excessive aliasing or too many nodes");
    return 0;
}

static int parse_node(pstate *s, yaml_event_t *ev, unsigned depth, json_object **out, size_t *nodes_out);

static const char *tag_of(yaml_event_t *ev)
{
    const yaml_char_t *t = NULL;
    if (ev->type == YAML_SCALAR_EVENT) t = ev->data.scalar.tag;
    return (const char *)t;
}

static int scalar_value(pstate *s, yaml_event_t *ev, json_object **out, bool *is_merge)
{
    const char *v = (const char *)ev->data.scalar.value;
    size_t len = ev->data.scalar.length;
    const char *tag = tag_of(ev);
    bool plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
    *is_merge = false;
    if (tag && strncmp(tag, "tag:yaml.org,2002:", 18) == 0) {
        const char *t = tag + 18;
        if (strcmp(t, "str") == 0 || strcmp(t, "binary") == 0 || strcmp(t, "timestamp") == 0) {
            *out = json_object_new_string_len(v, (int)len);
            return 0;
        }
        resolved r;
        rkind k = resolve(v, len, &r);
        bool ok = (strcmp(t, "null") == 0 && k == R_NULL) || (strcmp(t, "bool") == 0 && k == R_BOOL) ||
                  (strcmp(t, "int") == 0 && (k == R_INT || k == R_UINT)) ||
                  (strcmp(t, "float") == 0 && (k == R_FLOAT || k == R_INT || k == R_UINT)) ||
                  (strcmp(t, "merge") == 0 && k == R_MERGE);
        if (!ok && (strcmp(t, "null") == 0 || strcmp(t, "bool") == 0 || strcmp(t, "int") == 0 || strcmp(t, "float") == 0)) {
            char m[160];
            snprintf(m, sizeof m, "cannot decode !!str `%.40s` as a !!%s", v, t);
            return perr(s, (int)ev->start_mark.line + 1, "%s", m);
        }
        if (strcmp(t, "float") == 0 && (k == R_INT || k == R_UINT)) {
            *out = fc_json_new_double(k == R_INT ? (double)r.i : (double)r.u);
            return 0;
        }
        plain = true; /* resolve as if plain */
    } else if (tag && strcmp(tag, "!") == 0) {
        *out = json_object_new_string_len(v, (int)len);
        return 0;
    }
    if (!plain) {
        *out = json_object_new_string_len(v, (int)len);
        return 0;
    }
    resolved r;
    rkind k = resolve(v, len, &r);
    switch (k) {
    case R_MERGE: *is_merge = true; *out = NULL; return 0;
    case R_NULL: *out = NULL; return 0;
    case R_BOOL: *out = json_object_new_boolean(r.b); return 0;
    case R_INT: *out = json_object_new_int64(r.i); return 0;
    case R_UINT: *out = json_object_new_uint64(r.u); return 0;
    case R_FLOAT:
        if ((isnan(r.f) || isinf(r.f)) && !s->in_key) {
            /* sigs.k8s.io/yaml fails in json.Marshal after parsing: Go's
             * UnsupportedValueError text, no line number */
            char fb[32];
            fc_go_format_float(r.f, 'g', -1, fb, sizeof fb);
            snprintf(s->err, sizeof s->err, "json: unsupported value: %s", fb);
            return -1;
        }
        *out = fc_json_new_double(r.f);
        return 0;
    default: *out = json_object_new_string_len(v, (int)len); return 0;
    }
}

/* JSON key for a scalar key value, as sigs.k8s.io/yaml converts them. */
static int key_string(pstate *s, json_object *k, int line, char **out)
{
    char buf[64];
    if (!k) return perr(s, line, "%s", "unsupported map key of type: <nil>");
    switch (json_object_get_type(k)) {
    case json_type_string: *out = strdup(json_object_get_string(k)); break;
    case json_type_int:
        if (json_object_get_int64(k) == INT64_MAX && json_object_get_uint64(k) > (uint64_t)INT64_MAX)
            snprintf(buf, sizeof buf, "%llu", (unsigned long long)json_object_get_uint64(k));
        else
            snprintf(buf, sizeof buf, "%lld", (long long)json_object_get_int64(k));
        *out = strdup(buf);
        break;
    case json_type_boolean: *out = strdup(json_object_get_boolean(k) ? "true" : "false"); break;
    case json_type_double:
        /* strconv.FormatFloat(key, 'g', -1, 32), with YAML's spellings */
        fc_go_format_float32(json_object_get_double(k), 'g', buf, sizeof buf);
        if (strcmp(buf, "+Inf") == 0) snprintf(buf, sizeof buf, ".inf");
        else if (strcmp(buf, "-Inf") == 0) snprintf(buf, sizeof buf, "-.inf");
        else if (strcmp(buf, "NaN") == 0) snprintf(buf, sizeof buf, ".nan");
        *out = strdup(buf);
        break;
    default: return perr(s, line, "%s", "unsupported map key type (mapping or sequence keys are not allowed)");
    }
    return *out ? 0 : perr(s, line, "%s", "out of memory");
}

static int merge_into(pstate *s, json_object *dst, json_object *src, int line)
{
    if (src && json_object_is_type(src, json_type_object)) {
        json_object_object_foreach(src, k, v) json_object_object_add(dst, k, fc_json_copy(v));
        return 0;
    }
    if (src && json_object_is_type(src, json_type_array)) {
        /* earlier entries win: apply in reverse */
        for (size_t i = json_object_array_length(src); i-- > 0;) {
            json_object *m = json_object_array_get_idx(src, i);
            if (!m || !json_object_is_type(m, json_type_object))
                return perr(s, line, "%s", "map merge requires map or sequence of maps as the value");
            json_object_object_foreach(m, k, v) json_object_object_add(dst, k, fc_json_copy(v));
        }
        return 0;
    }
    return perr(s, line, "%s", "map merge requires map or sequence of maps as the value");
}

static int remember_anchor(pstate *s, const yaml_char_t *name, json_object *val, size_t nodes)
{
    if (!name) return 0;
    anchor *a = calloc(1, sizeof *a);
    if (!a) return perr(s, 0, "%s", "out of memory");
    a->name = strdup((const char *)name);
    a->val = json_object_get(val);
    a->nodes = nodes;
    a->next = s->anchors;
    s->anchors = a;
    return 0;
}

static int parse_mapping(pstate *s, yaml_event_t *start, unsigned depth, json_object **out, size_t *nodes_out)
{
    json_object *m = json_object_new_object();
    size_t nodes = 1;
    int line = (int)start->start_mark.line + 1;
    for (;;) {
        yaml_event_t kev;
        if (next_event(s, &kev)) goto fail;
        if (kev.type == YAML_MAPPING_END_EVENT) {
            yaml_event_delete(&kev);
            break;
        }
        json_object *k = NULL, *v = NULL;
        size_t kn = 0, vn = 0;
        bool is_merge = false;
        int kline = (int)kev.start_mark.line + 1;
        if (kev.type == YAML_SCALAR_EVENT && !kev.data.scalar.anchor) {
            s->in_key = true;
            int krc = scalar_value(s, &kev, &k, &is_merge);
            s->in_key = false;
            if (krc) { yaml_event_delete(&kev); goto fail; }
            if (count_node(s, 1, kline)) { json_object_put(k); yaml_event_delete(&kev); goto fail; }
            kn = 1;
            yaml_event_delete(&kev);
        } else {
            int rc = parse_node(s, &kev, depth + 1, &k, &kn);
            yaml_event_delete(&kev);
            if (rc) goto fail;
        }
        yaml_event_t vev;
        if (next_event(s, &vev)) { json_object_put(k); goto fail; }
        int rc = parse_node(s, &vev, depth + 1, &v, &vn);
        yaml_event_delete(&vev);
        if (rc) { json_object_put(k); goto fail; }
        nodes += kn + vn;
        if (is_merge) {
            rc = merge_into(s, m, v, kline);
            json_object_put(v);
            if (rc) goto fail;
            continue;
        }
        char *ks = NULL;
        rc = key_string(s, k, kline, &ks);
        json_object_put(k);
        if (rc) { json_object_put(v); goto fail; }
        json_object_object_add(m, ks, v);
        free(ks);
    }
    (void)line;
    *out = m;
    *nodes_out = nodes;
    return 0;
fail:
    json_object_put(m);
    return -1;
}

static int parse_sequence(pstate *s, unsigned depth, json_object **out, size_t *nodes_out)
{
    json_object *a = json_object_new_array();
    size_t nodes = 1;
    for (;;) {
        yaml_event_t ev;
        if (next_event(s, &ev)) goto fail;
        if (ev.type == YAML_SEQUENCE_END_EVENT) {
            yaml_event_delete(&ev);
            break;
        }
        json_object *v = NULL;
        size_t vn = 0;
        int rc = parse_node(s, &ev, depth + 1, &v, &vn);
        yaml_event_delete(&ev);
        if (rc) goto fail;
        json_object_array_add(a, v);
        nodes += vn;
    }
    *out = a;
    *nodes_out = nodes;
    return 0;
fail:
    json_object_put(a);
    return -1;
}

static int parse_node(pstate *s, yaml_event_t *ev, unsigned depth, json_object **out, size_t *nodes_out)
{
    int line = (int)ev->start_mark.line + 1;
    *out = NULL;
    *nodes_out = 0;
    if (depth > s->lim.max_depth) return perr(s, line, "%s", "exceeded max depth");
    switch (ev->type) {
    case YAML_ALIAS_EVENT: {
        const char *name = (const char *)ev->data.alias.anchor;
        for (anchor *a = s->anchors; a; a = a->next) {
            if (strcmp(a->name, name) == 0) {
                if (count_node(s, a->nodes, line)) return -1;
                *out = fc_json_copy(a->val);
                *nodes_out = a->nodes;
                return 0;
            }
        }
        return perr(s, line, "unknown anchor '%s' referenced", name);
    }
    case YAML_SCALAR_EVENT: {
        bool is_merge;
        if (count_node(s, 1, line)) return -1;
        if (scalar_value(s, ev, out, &is_merge)) return -1;
        if (is_merge) *out = json_object_new_string("<<");
        *nodes_out = 1;
        return remember_anchor(s, ev->data.scalar.anchor, *out, 1);
    }
    case YAML_MAPPING_START_EVENT: {
        if (count_node(s, 1, line)) return -1;
        yaml_char_t *anc = ev->data.mapping_start.anchor;
        if (parse_mapping(s, ev, depth, out, nodes_out)) return -1;
        return remember_anchor(s, anc, *out, *nodes_out);
    }
    case YAML_SEQUENCE_START_EVENT: {
        if (count_node(s, 1, line)) return -1;
        yaml_char_t *anc = ev->data.sequence_start.anchor;
        if (parse_sequence(s, depth, out, nodes_out)) return -1;
        return remember_anchor(s, anc, *out, *nodes_out);
    }
    default: return perr(s, line, "%s", "unexpected YAML event");
    }
}

static void lim_defaults(fc_yaml_limits *l, const fc_yaml_limits *in)
{
    memset(l, 0, sizeof *l);
    if (in) *l = *in;
    if (!l->max_bytes) l->max_bytes = DEF_MAX_BYTES;
    if (!l->max_depth) l->max_depth = DEF_MAX_DEPTH;
    if (!l->max_nodes) l->max_nodes = DEF_MAX_NODES;
    if (!l->max_docs) l->max_docs = DEF_MAX_DOCS;
}

int fc_yaml_parse_stream(const char *buf, size_t len, const fc_yaml_limits *lim, json_object **docs)
{
    pstate s;
    memset(&s, 0, sizeof s);
    lim_defaults(&s.lim, lim);
    *docs = NULL;
    if (len > s.lim.max_bytes)
        return fc_err_set(FC_ETOOBIG, "yaml: input of %zu bytes exceeds the limit of %zu bytes", len, s.lim.max_bytes);
    if (!yaml_parser_initialize(&s.p)) return fc_err_set(FC_ENOMEM, "yaml: out of memory");
    yaml_parser_set_input_string(&s.p, (const unsigned char *)buf, len);
    json_object *arr = json_object_new_array();
    int rc = 0;
    bool done = false;
    while (!done) {
        yaml_event_t ev;
        if (next_event(&s, &ev)) { rc = -1; break; }
        switch (ev.type) {
        case YAML_STREAM_END_EVENT: done = true; break;
        case YAML_DOCUMENT_START_EVENT:
            s.nodes = 0;
            anchors_free(&s);
            break;
        case YAML_DOCUMENT_END_EVENT: anchors_free(&s); break;
        case YAML_STREAM_START_EVENT: break;
        default: {
            json_object *doc = NULL;
            size_t n;
            if (parse_node(&s, &ev, 1, &doc, &n)) { rc = -1; break; }
            if (doc) {
                if (json_object_array_length(arr) >= s.lim.max_docs) {
                    json_object_put(doc);
                    perr(&s, 0, "%s", "too many documents in stream");
                    rc = -1;
                    break;
                }
                json_object_array_add(arr, doc);
            }
        }
        }
        yaml_event_delete(&ev);
        if (rc) break;
    }
    anchors_free(&s);
    yaml_parser_delete(&s.p);
    if (rc) {
        json_object_put(arr);
        return fc_err_set(strstr(s.err, "excessive") || strstr(s.err, "max depth") ? FC_ETOOBIG : FC_EINVAL, "%s", s.err);
    }
    *docs = arr;
    return 0;
}

int fc_yaml_parse(const char *buf, size_t len, const fc_yaml_limits *lim, json_object **doc)
{
    json_object *docs = NULL;
    *doc = NULL;
    int rc = fc_yaml_parse_stream(buf, len, lim, &docs);
    if (rc) return rc;
    size_t n = json_object_array_length(docs);
    if (n > 1) {
        json_object_put(docs);
        return fc_err_set(FC_EINVAL, "yaml: expected a single document, found %zu", n);
    }
    if (n == 1) *doc = json_object_get(json_object_array_get_idx(docs, 0));
    json_object_put(docs);
    return 0;
}

/* ------------------------------------------------------------------- emit */

int fc_yaml_key_cmp(const char *a, const char *b)
{
    /* go-yaml v2 keyList.Less on strings, over bytes (ASCII letters/digits;
     * other bytes, including UTF-8 continuation bytes, count as non-letters). */
    size_t la = strlen(a), lb = strlen(b);
    for (size_t i = 0; i < la && i < lb; i++) {
        unsigned char ca = (unsigned char)a[i], cb = (unsigned char)b[i];
        if (ca == cb) continue;
        bool al = isalpha(ca) || ca >= 0x80, bl = isalpha(cb) || cb >= 0x80;
        if (al && bl) return ca < cb ? -1 : 1;
        if (al || bl) return bl ? -1 : 1;
        /* Go's int64 arithmetic wraps on overflow: do it in uint64 (no UB)
         * and compare as int64, so keys with huge digit runs sort like go-yaml */
        uint64_t an = 0, bn = 0;
        size_t ai, bi;
        if (ca == '0' || cb == '0') {
            for (size_t j = i; j-- > 0 && isdigit((unsigned char)a[j]);) {
                if (a[j] != '0') {
                    an = 1;
                    bn = 1;
                    break;
                }
            }
        }
        for (ai = i; ai < la && isdigit((unsigned char)a[ai]); ai++) an = an * 10 + (uint64_t)(a[ai] - '0');
        for (bi = i; bi < lb && isdigit((unsigned char)b[bi]); bi++) bn = bn * 10 + (uint64_t)(b[bi] - '0');
        if (an != bn) return (int64_t)an < (int64_t)bn ? -1 : 1;
        if (ai != bi) return ai < bi ? -1 : 1;
        return ca < cb ? -1 : 1;
    }
    if (la == lb) return 0;
    return la < lb ? -1 : 1;
}

typedef struct {
    yaml_emitter_t e;
    fc_buf *out;
    int rc;
    const fc_yaml_emit_opts *o;
} estate;

static int write_handler(void *data, unsigned char *buffer, size_t size)
{
    estate *st = data;
    if (fc_buf_put(st->out, buffer, size)) {
        st->rc = FC_ETOOBIG;
        return 0;
    }
    return 1;
}

static int emit(estate *st, yaml_event_t *ev)
{
    if (!yaml_emitter_emit(&st->e, ev)) {
        if (!st->rc) st->rc = fc_err_set(FC_EINVAL, "yaml emitter: %s", st->e.problem ? st->e.problem : "error");
        return -1;
    }
    return 0;
}

static int emit_scalar(estate *st, const char *v, size_t len, yaml_scalar_style_t style, const char *tag)
{
    yaml_event_t ev;
    int implicit = tag == NULL;
    yaml_scalar_event_initialize(&ev, NULL, (yaml_char_t *)tag, (yaml_char_t *)v, (int)len, implicit, implicit, style);
    return emit(st, &ev);
}

static bool valid_utf8(const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s, *e = p + n;
    while (p < e) {
        if (*p < 0x80) { p++; continue; }
        int k;
        uint32_t cp;
        if ((*p & 0xE0) == 0xC0) { k = 1; cp = *p & 0x1F; }
        else if ((*p & 0xF0) == 0xE0) { k = 2; cp = *p & 0x0F; }
        else if ((*p & 0xF8) == 0xF0) { k = 3; cp = *p & 0x07; }
        else return false;
        if (e - p <= k) return false;
        for (int i = 1; i <= k; i++) {
            if ((p[i] & 0xC0) != 0x80) return false;
            cp = (cp << 6) | (p[i] & 0x3F);
        }
        if ((k == 1 && cp < 0x80) || (k == 2 && cp < 0x800) || (k == 3 && cp < 0x10000) || cp > 0x10FFFF ||
            (cp >= 0xD800 && cp <= 0xDFFF))
            return false;
        p += k + 1;
    }
    return true;
}

static int emit_string(estate *st, const char *s, size_t len)
{
    static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    if (!valid_utf8(s, len)) {
        fc_buf enc;
        fc_buf_init(&enc, 0);
        for (size_t i = 0; i < len; i += 3) {
            uint32_t v = (uint32_t)(unsigned char)s[i] << 16;
            if (i + 1 < len) v |= (uint32_t)(unsigned char)s[i + 1] << 8;
            if (i + 2 < len) v |= (unsigned char)s[i + 2];
            char q[4] = {b64[(v >> 18) & 63], b64[(v >> 12) & 63], i + 1 < len ? b64[(v >> 6) & 63] : '=',
                         i + 2 < len ? b64[v & 63] : '='};
            fc_buf_put(&enc, q, 4);
        }
        int rc = emit_scalar(st, enc.ptr ? enc.ptr : "", enc.len, YAML_LITERAL_SCALAR_STYLE, "tag:yaml.org,2002:binary");
        fc_buf_dispose(&enc);
        return rc;
    }
    yaml_scalar_style_t style;
    resolved r;
    rkind k = resolve(s, len, &r);
    bool can_plain = k == R_STR;
    if (can_plain && len < 260) {
        char tmp[260];
        memcpy(tmp, s, len);
        tmp[len] = 0;
        if (is_base60_float(tmp)) can_plain = false;
    }
    if (memchr(s, '\n', len)) style = YAML_LITERAL_SCALAR_STYLE;
    else if (can_plain) style = YAML_PLAIN_SCALAR_STYLE;
    else style = YAML_DOUBLE_QUOTED_SCALAR_STYLE;
    return emit_scalar(st, s, len, style, NULL);
}

typedef struct { const char *k; json_object *v; } kv;

static int kv_cmp(const void *a, const void *b)
{
    return fc_yaml_key_cmp(((const kv *)a)->k, ((const kv *)b)->k);
}

static int emit_value(estate *st, json_object *o, unsigned depth)
{
    char num[64];
    if (depth > 10000) return st->rc = fc_err_set(FC_ETOOBIG, "yaml emitter: nesting too deep");
    if (!o) return emit_scalar(st, "null", 4, YAML_PLAIN_SCALAR_STYLE, NULL);
    switch (json_object_get_type(o)) {
    case json_type_null: return emit_scalar(st, "null", 4, YAML_PLAIN_SCALAR_STYLE, NULL);
    case json_type_boolean:
        return json_object_get_boolean(o) ? emit_scalar(st, "true", 4, YAML_PLAIN_SCALAR_STYLE, NULL)
                                          : emit_scalar(st, "false", 5, YAML_PLAIN_SCALAR_STYLE, NULL);
    case json_type_int: {
        int64_t i = json_object_get_int64(o);
        if (i == INT64_MAX && json_object_get_uint64(o) > (uint64_t)INT64_MAX)
            snprintf(num, sizeof num, "%llu", (unsigned long long)json_object_get_uint64(o));
        else
            snprintf(num, sizeof num, "%lld", (long long)i);
        return emit_scalar(st, num, strlen(num), YAML_PLAIN_SCALAR_STYLE, NULL);
    }
    case json_type_double: {
        /* sigs.k8s.io/yaml: JSON text first, then YAML typing of that text */
        double d = json_object_get_double(o);
        fc_go_json_float(d, num, sizeof num);
        resolved r;
        rkind rk = resolve(num, strlen(num), &r);
        if (rk == R_FLOAT) fc_go_format_float(r.f, 'g', -1, num, sizeof num);
        else if (rk == R_INT) snprintf(num, sizeof num, "%lld", (long long)r.i); /* "-0" is the int 0 */
        return emit_scalar(st, num, strlen(num), YAML_PLAIN_SCALAR_STYLE, NULL);
    }
    case json_type_string:
        return emit_string(st, json_object_get_string(o), (size_t)json_object_get_string_len(o));
    case json_type_array: {
        yaml_event_t ev;
        yaml_sequence_start_event_initialize(&ev, NULL, NULL, 1, YAML_BLOCK_SEQUENCE_STYLE);
        if (emit(st, &ev)) return -1;
        size_t n = json_object_array_length(o);
        for (size_t i = 0; i < n; i++)
            if (emit_value(st, json_object_array_get_idx(o, i), depth + 1)) return -1;
        yaml_sequence_end_event_initialize(&ev);
        return emit(st, &ev);
    }
    case json_type_object: {
        yaml_event_t ev;
        yaml_mapping_start_event_initialize(&ev, NULL, NULL, 1, YAML_BLOCK_MAPPING_STYLE);
        if (emit(st, &ev)) return -1;
        size_t n = (size_t)json_object_object_length(o), i = 0;
        kv *items = n ? malloc(n * sizeof *items) : NULL;
        if (n && !items) return st->rc = fc_err_set(FC_ENOMEM, "out of memory");
        json_object_object_foreach(o, k, v) {
            items[i].k = k;
            items[i].v = v;
            i++;
        }
        if (!st->o->keep_key_order && n > 1) qsort(items, n, sizeof *items, kv_cmp);
        int rc = 0;
        for (i = 0; i < n && !rc; i++) {
            rc = emit_string(st, items[i].k, strlen(items[i].k));
            if (!rc) rc = emit_value(st, items[i].v, depth + 1);
        }
        free(items);
        if (rc) return -1;
        yaml_mapping_end_event_initialize(&ev);
        return emit(st, &ev);
    }
    }
    return -1;
}

int fc_yaml_emit(json_object *obj, const fc_yaml_emit_opts *opts, fc_buf *out)
{
    fc_yaml_emit_opts defo = {0};
    estate st;
    memset(&st, 0, sizeof st);
    st.o = opts ? opts : &defo;
    st.out = out;
    if (!yaml_emitter_initialize(&st.e)) return fc_err_set(FC_ENOMEM, "out of memory");
    yaml_emitter_set_output(&st.e, write_handler, &st);
    yaml_emitter_set_unicode(&st.e, 1);
    yaml_emitter_set_indent(&st.e, st.o->indent ? st.o->indent : 2);
    yaml_emitter_set_width(&st.e, st.o->width ? st.o->width : 80);
    yaml_event_t ev;
    int rc = 0;
    yaml_stream_start_event_initialize(&ev, YAML_UTF8_ENCODING);
    if (emit(&st, &ev)) goto out;
    yaml_document_start_event_initialize(&ev, NULL, NULL, NULL, 1);
    if (emit(&st, &ev)) goto out;
    if (emit_value(&st, obj, 0)) goto out;
    yaml_document_end_event_initialize(&ev, 1);
    if (emit(&st, &ev)) goto out;
    yaml_stream_end_event_initialize(&ev);
    if (emit(&st, &ev)) goto out;
    yaml_emitter_flush(&st.e);
out:
    rc = st.rc;
    if (rc == FC_ETOOBIG) rc = fc_err_set(FC_ETOOBIG, "yaml emitter: output size limit exceeded");
    yaml_emitter_delete(&st.e);
    return rc;
}
