/*
 * ks_yaml.c: YAML -> json-c with kustomize's (kyaml, go-yaml v3) typing.
 *
 * kustomize reads resources with go-yaml v3 and hands them to its output
 * stage as JSON produced by v3's decoder, so the typing here is v3's, not the
 * Kubernetes/go-yaml v2 typing of libcommon's parser: only true/false (and
 * their capitalisations) are booleans, `yes`/`on` stay strings, `0777` is
 * still octal, `1_000` is an int, and timestamps become Go time.Time values,
 * i.e. RFC 3339 strings in the output. That is why this module exists next
 * to fc_yaml_parse (see docs/kustomize-engine.md).
 *
 * The walk is libyaml's event stream, recursive with a depth cap. Anchors are
 * remembered per document with the node count of their subtree; an alias
 * deep-copies the value and charges that count to the document budget, which
 * stops alias bombs. Merge keys (`<<`) are honoured as v3 does: explicit keys
 * win, then earlier merge sources win over later ones. Duplicate keys are an
 * error, like v3's decoder. Optional "raw string" contexts keep the source
 * text of scalars under metadata.annotations (and metadata.labels), because
 * kustomize rewrites those maps as strings built from the node text.
 */
#include "ks_internal.h"
#include <yaml.h>
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEF_MAX_BYTES (64u << 20)
#define DEF_MAX_DEPTH 200
#define DEF_MAX_NODES (4u << 20)
#define DEF_MAX_DOCS 100000

/* ---------------------------------------------------------------- resolve */

static bool in_list(const char *s, size_t len, const char *const *list)
{
    for (; *list; list++)
        if (strlen(*list) == len && memcmp(*list, s, len) == 0) return true;
    return false;
}

static const char *const true_words[] = {"true", "True", "TRUE", NULL};
static const char *const false_words[] = {"false", "False", "FALSE", NULL};
static const char *const null_words[] = {"", "~", "null", "Null", "NULL", NULL};
static const char *const special_floats[] = {".nan", ".NaN", ".NAN", ".inf", ".Inf", ".INF", "+.inf", "+.Inf",
                                             "+.INF", "-.inf", "-.Inf", "-.INF", NULL};

/* strconv.ParseInt / ParseUint with base 0 (prefixes 0x 0o 0b and a leading
 * 0 for octal); underscores were removed by the caller. */
static bool go_parse_int(const char *p, int64_t *iv, uint64_t *uv, bool *is_unsigned)
{
    bool neg = false;
    if (*p == '+' || *p == '-') neg = *p++ == '-';
    int base = 10;
    if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) base = 16, p += 2;
    else if (p[0] == '0' && (p[1] == 'o' || p[1] == 'O')) base = 8, p += 2;
    else if (p[0] == '0' && (p[1] == 'b' || p[1] == 'B')) base = 2, p += 2;
    else if (p[0] == '0' && p[1]) base = 8, p += 1;
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
static bool yaml_style_float(const char *p)
{
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

/* Go's strconv.ParseFloat for the forms yaml_style_float accepted plus the
 * leading-dot forms; out-of-range values fail like ParseFloat's ErrRange. */
static bool go_parse_float(const char *s, double *out)
{
    char *end = NULL;
    errno = 0;
    double d = strtod(s, &end);
    if (!end || *end) return false;
    if (errno == ERANGE && (isinf(d) || d == 0)) {
        if (isinf(d)) return false;
    }
    *out = d;
    return true;
}

static int num2(const char **pp, int *v)
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

/* go-yaml v3 parseTimestamp (time.Parse with its four layouts); on success
 * writes Go's time.Time JSON form (RFC 3339 with nanoseconds trimmed). */
static bool parse_timestamp(const char *s, char *out, size_t outn)
{
    const char *p = s;
    for (int i = 0; i < 4; i++)
        if (!isdigit((unsigned char)p[i])) return false;
    if (p[4] != '-') return false;
    int y = (p[0] - '0') * 1000 + (p[1] - '0') * 100 + (p[2] - '0') * 10 + (p[3] - '0');
    int mo, d, h = 0, mi = 0, se = 0;
    p += 5;
    if (num2(&p, &mo) || *p++ != '-' || num2(&p, &d)) return false;
    if (mo < 1 || mo > 12 || d < 1 || d > days_in(y, mo)) return false;
    char frac[16] = "";
    char zone[16] = "Z";
    if (*p) {
        char sep = *p++;
        if (sep != 'T' && sep != 't' && sep != ' ') return false;
        if (num2(&p, &h) || *p++ != ':' || num2(&p, &mi) || *p++ != ':' || num2(&p, &se)) return false;
        if (h > 23 || mi > 59 || se > 59) return false;
        if (*p == '.' && isdigit((unsigned char)p[1])) {
            p++;
            size_t n = 0;
            while (isdigit((unsigned char)*p)) {
                if (n < 9) frac[n++] = *p;
                else if (n >= 9) return false; /* Go rejects more than 9 digits */
                p++;
            }
            frac[n] = 0;
            while (n > 0 && frac[n - 1] == '0') frac[--n] = 0;
        }
        if (sep == ' ') {
            if (*p) return false;
        } else if (*p == 'Z' && p[1] == 0) {
            /* UTC */
        } else if ((*p == '+' || *p == '-') && isdigit((unsigned char)p[1]) && isdigit((unsigned char)p[2]) &&
                   p[3] == ':' && isdigit((unsigned char)p[4]) && isdigit((unsigned char)p[5]) && p[6] == 0) {
            int zh = (p[1] - '0') * 10 + (p[2] - '0'), zm = (p[4] - '0') * 10 + (p[5] - '0');
            if (zh > 24 || zm > 59) return false;
            if (zh || zm) snprintf(zone, sizeof zone, "%c%02d:%02d", *p, zh, zm);
        } else {
            return false;
        }
    }
    snprintf(out, outn, "%04d-%02d-%02dT%02d:%02d:%02d%s%s%s", y, mo, d, h, mi, se, frac[0] ? "." : "", frac, zone);
    return true;
}

typedef enum { RV_STR, RV_NULL, RV_BOOL, RV_INT, RV_UINT, RV_FLOAT, RV_SPECIAL_FLOAT, RV_TIME, RV_MERGE } rkind;

typedef struct {
    rkind kind;
    bool b;
    int64_t i;
    uint64_t u;
    double f;
    char ts[80];
} resolved;

static rkind resolve(const char *s, size_t len, resolved *r)
{
    r->kind = RV_STR;
    if (memchr(s, 0, len)) return RV_STR;
    if (in_list(s, len, null_words)) return r->kind = RV_NULL;
    if (!len) return RV_STR;
    unsigned char c = (unsigned char)s[0];
    if (!(c == '+' || c == '-' || isdigit(c) || c == '.' || strchr("tTfFnN~<", c))) return RV_STR;
    if (in_list(s, len, true_words)) { r->b = true; return r->kind = RV_BOOL; }
    if (in_list(s, len, false_words)) { r->b = false; return r->kind = RV_BOOL; }
    if (in_list(s, len, special_floats)) return r->kind = RV_SPECIAL_FLOAT;
    if (len == 2 && s[0] == '<' && s[1] == '<') return r->kind = RV_MERGE;
    if (len > 400) return RV_STR;
    char tmp[408];
    memcpy(tmp, s, len);
    tmp[len] = 0;
    if (c == '.') {
        if (yaml_style_float(tmp) && go_parse_float(tmp, &r->f)) r->kind = RV_FLOAT;
        return r->kind;
    }
    if (!(c == '+' || c == '-' || isdigit(c))) return RV_STR;
    if (parse_timestamp(tmp, r->ts, sizeof r->ts)) return r->kind = RV_TIME;
    char plain[408];
    size_t n = 0;
    for (size_t k = 0; k < len; k++)
        if (tmp[k] != '_') plain[n++] = tmp[k];
    plain[n] = 0;
    bool uns = false;
    if (go_parse_int(plain, &r->i, &r->u, &uns)) return r->kind = uns ? RV_UINT : RV_INT;
    if (yaml_style_float(plain) && go_parse_float(plain, &r->f)) return r->kind = RV_FLOAT;
    return RV_STR;
}

json_object *ks_yaml_resolve_plain(const char *s, size_t len)
{
    resolved r;
    switch (resolve(s, len, &r)) {
    case RV_NULL: return NULL;
    case RV_BOOL: return json_object_new_boolean(r.b);
    case RV_INT: return json_object_new_int64(r.i);
    case RV_UINT: return json_object_new_uint64(r.u);
    case RV_FLOAT: return fc_json_new_double(r.f);
    case RV_TIME: return json_object_new_string(r.ts);
    default: return json_object_new_string_len(s, (int)len);
    }
}

bool ks_yaml_plain_is_string(const char *s, size_t len)
{
    resolved r;
    rkind k = resolve(s, len, &r);
    return k == RV_STR || k == RV_MERGE;
}

/* ------------------------------------------------------------------ parse */

typedef struct anchor {
    char *name;
    json_object *val;
    size_t nodes;
    struct anchor *next;
} anchor;

/* Where a node sits, for the raw-string contexts. */
typedef enum { CTX_NONE, CTX_ROOT, CTX_META, CTX_RAWMAP, CTX_RAWVAL } pctx;

typedef struct {
    yaml_parser_t p;
    fc_yaml_limits lim;
    unsigned flags;
    size_t nodes;
    anchor *anchors;
    char err[600];
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
    char m[480];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(m, sizeof m, fmt, ap);
    va_end(ap);
    if (line > 0) snprintf(s->err, sizeof s->err, "yaml: line %d: %s", line, m);
    else snprintf(s->err, sizeof s->err, "yaml: %s", m);
    return -1;
}

/* go-yaml v3's parser.fail(): the context mark's line (0-based, so one
 * less than the line the problem is on), or the problem mark's; scanner
 * errors add one */
static int parser_fail(pstate *s)
{
    int line = 0;
    bool scanner = s->p.error == YAML_SCANNER_ERROR;
    if (s->p.context_mark.line) line = (int)s->p.context_mark.line + (scanner ? 1 : 0);
    else if (s->p.problem_mark.line) line = (int)s->p.problem_mark.line + (scanner ? 1 : 0);
    return perr(s, line, "%s", s->p.problem ? s->p.problem : "unknown problem parsing YAML content");
}

static int next_event(pstate *s, yaml_event_t *ev)
{
    if (!yaml_parser_parse(&s->p, ev)) return parser_fail(s);
    return 0;
}

static int count_nodes(pstate *s, size_t n, int line)
{
    s->nodes += n;
    if (s->nodes > s->lim.max_nodes)
        return perr(s, line, "%s", "document has too many nodes (excessive aliasing?)");
    return 0;
}

static int remember_anchor(pstate *s, const yaml_char_t *name, json_object *val, size_t nodes)
{
    if (!name) return 0;
    anchor *a = calloc(1, sizeof *a);
    if (!a) return perr(s, 0, "%s", "out of memory");
    a->name = strdup((const char *)name);
    a->val = fc_json_copy(val);
    if (!a->name || (val && !a->val)) {
        free(a->name);
        json_object_put(a->val);
        free(a);
        return perr(s, 0, "%s", "out of memory");
    }
    a->nodes = nodes;
    a->next = s->anchors;
    s->anchors = a;
    return 0;
}

static int scalar_value(pstate *s, yaml_event_t *ev, pctx ctx, json_object **out, bool *is_merge)
{
    const char *v = (const char *)ev->data.scalar.value;
    size_t len = ev->data.scalar.length;
    const char *tag = (const char *)ev->data.scalar.tag;
    bool plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
    int line = (int)ev->start_mark.line + 1;
    *is_merge = false;
    *out = NULL;
    if (ctx == CTX_RAWVAL) {
        *out = json_object_new_string_len(v, (int)len);
        return 0;
    }
    if (tag && strncmp(tag, "tag:yaml.org,2002:", 18) == 0) {
        const char *t = tag + 18;
        if (!strcmp(t, "str") || !strcmp(t, "binary") || !strcmp(t, "timestamp")) {
            *out = json_object_new_string_len(v, (int)len);
            return 0;
        }
        if (!strcmp(t, "merge")) {
            *is_merge = true;
            return 0;
        }
        resolved r;
        rkind k = resolve(v, len, &r);
        bool ok = (!strcmp(t, "null") && k == RV_NULL) || (!strcmp(t, "bool") && k == RV_BOOL) ||
                  (!strcmp(t, "int") && (k == RV_INT || k == RV_UINT)) ||
                  (!strcmp(t, "float") && (k == RV_FLOAT || k == RV_INT || k == RV_UINT));
        if (!ok && (!strcmp(t, "null") || !strcmp(t, "bool") || !strcmp(t, "int") || !strcmp(t, "float")))
            return perr(s, line, "cannot decode !!str `%.40s` as a !!%s", v, t);
        if (!strcmp(t, "float") && (k == RV_INT || k == RV_UINT)) {
            *out = fc_json_new_double(k == RV_INT ? (double)r.i : (double)r.u);
            return 0;
        }
        if (ok) plain = true;
        else {
            *out = json_object_new_string_len(v, (int)len);
            return 0;
        }
    } else if (tag && strcmp(tag, "!") != 0) {
        /* application tag (e.g. !Ref): v3 decodes the text as a string */
        *out = json_object_new_string_len(v, (int)len);
        return 0;
    }
    if (!plain) {
        *out = json_object_new_string_len(v, (int)len);
        return 0;
    }
    resolved r;
    switch (resolve(v, len, &r)) {
    case RV_MERGE: *is_merge = true; return 0;
    case RV_NULL: return 0;
    case RV_BOOL: *out = json_object_new_boolean(r.b); return 0;
    case RV_INT: *out = json_object_new_int64(r.i); return 0;
    case RV_UINT: *out = json_object_new_uint64(r.u); return 0;
    case RV_FLOAT: *out = fc_json_new_double(r.f); return 0;
    case RV_SPECIAL_FLOAT: return perr(s, line, "json: unsupported value: %.*s", (int)(len > 10 ? 10 : len), v);
    case RV_TIME: *out = json_object_new_string(r.ts); return 0;
    default: *out = json_object_new_string_len(v, (int)len); return 0;
    }
}

static int parse_node(pstate *s, yaml_event_t *ev, unsigned depth, pctx ctx, json_object **out, size_t *nodes_out);

/* Fill keys of dst that are still missing from the merge source src. */
static int merge_from(pstate *s, json_object *dst, json_object *explicit_keys, json_object *src, int line)
{
    if (!src || !json_object_is_type(src, json_type_object))
        return perr(s, line, "%s", "map merge requires map or sequence of maps as the value");
    json_object_object_foreach(src, k, v) {
        if (json_object_object_get_ex(explicit_keys, k, NULL) || json_object_object_get_ex(dst, k, NULL)) continue;
        json_object_object_add(dst, k, fc_json_copy(v));
    }
    return 0;
}

static int parse_mapping(pstate *s, unsigned depth, pctx ctx, json_object **out, size_t *nodes_out)
{
    json_object *m = json_object_new_object();
    json_object *merges = NULL; /* array of merge sources, in order */
    size_t nodes = 1;
    if (!m) return perr(s, 0, "%s", "out of memory");
    for (;;) {
        yaml_event_t kev;
        if (next_event(s, &kev)) goto fail;
        if (kev.type == YAML_MAPPING_END_EVENT) {
            yaml_event_delete(&kev);
            break;
        }
        int kline = (int)kev.start_mark.line + 1;
        json_object *k = NULL, *v = NULL;
        size_t kn = 0, vn = 0;
        bool is_merge = false;
        if (kev.type == YAML_SCALAR_EVENT) {
            int rc = scalar_value(s, &kev, CTX_NONE, &k, &is_merge);
            if (!rc) rc = count_nodes(s, 1, kline);
            if (!rc && kev.data.scalar.anchor) rc = remember_anchor(s, kev.data.scalar.anchor, k, 1);
            yaml_event_delete(&kev);
            if (rc) { json_object_put(k); goto fail; }
            kn = 1;
        } else {
            int rc = parse_node(s, &kev, depth + 1, CTX_NONE, &k, &kn);
            yaml_event_delete(&kev);
            if (rc) goto fail;
            if (kn == 1 && !k) is_merge = false;
        }
        const char *key = NULL;
        if (!is_merge) {
            if (!k || !json_object_is_type(k, json_type_string)) {
                char *txt = k ? ks_json_text(k) : strdup("null");
                perr(s, kline, "invalid map key: %s (keys must be strings)", txt ? txt : "?");
                free(txt);
                json_object_put(k);
                goto fail;
            }
            key = json_object_get_string(k);
        }
        pctx vctx = CTX_NONE;
        if (ctx == CTX_RAWMAP) vctx = CTX_RAWVAL;
        else if (key && ctx == CTX_ROOT && !strcmp(key, "metadata")) vctx = CTX_META;
        else if (key && ctx == CTX_META &&
                 ((!strcmp(key, "annotations") && (s->flags & KS_YAML_RAW_ANNOTATIONS)) ||
                  (!strcmp(key, "labels") && (s->flags & KS_YAML_RAW_LABELS))))
            vctx = CTX_RAWMAP;
        yaml_event_t vev;
        if (next_event(s, &vev)) { json_object_put(k); goto fail; }
        int rc = parse_node(s, &vev, depth + 1, vctx, &v, &vn);
        yaml_event_delete(&vev);
        if (rc) { json_object_put(k); goto fail; }
        nodes += kn + vn;
        if (is_merge) {
            if (!merges) merges = json_object_new_array();
            json_object_array_add(merges, v);
            continue;
        }
        if (json_object_object_get_ex(m, key, NULL)) {
            perr(s, kline, "mapping key \"%s\" already defined", key);
            json_object_put(k);
            json_object_put(v);
            goto fail;
        }
        ks_obj_add(m, key, v);
        json_object_put(k);
    }
    if (merges) {
        /* explicit keys first, then merge sources in order (earlier wins) */
        json_object *explicit_keys = json_object_new_object();
        json_object_object_foreach(m, ek, ev2) {
            (void)ev2;
            json_object_object_add(explicit_keys, ek, NULL);
        }
        size_t n = json_object_array_length(merges);
        for (size_t i = 0; i < n; i++) {
            json_object *src = json_object_array_get_idx(merges, i);
            int rc = 0;
            if (src && json_object_is_type(src, json_type_array)) {
                size_t sn = json_object_array_length(src);
                for (size_t j = 0; j < sn && !rc; j++)
                    rc = merge_from(s, m, explicit_keys, json_object_array_get_idx(src, j), 0);
            } else {
                rc = merge_from(s, m, explicit_keys, src, 0);
            }
            if (rc) {
                json_object_put(explicit_keys);
                goto fail;
            }
        }
        json_object_put(explicit_keys);
        json_object_put(merges);
    }
    ks_json_compact(m);
    *out = m;
    *nodes_out = nodes;
    return 0;
fail:
    json_object_put(merges);
    json_object_put(m);
    return -1;
}

static int parse_sequence(pstate *s, unsigned depth, json_object **out, size_t *nodes_out)
{
    json_object *a = json_object_new_array();
    size_t nodes = 1;
    if (!a) return perr(s, 0, "%s", "out of memory");
    for (;;) {
        yaml_event_t ev;
        if (next_event(s, &ev)) goto fail;
        if (ev.type == YAML_SEQUENCE_END_EVENT) {
            yaml_event_delete(&ev);
            break;
        }
        json_object *v = NULL;
        size_t vn = 0;
        int rc = parse_node(s, &ev, depth + 1, CTX_NONE, &v, &vn);
        yaml_event_delete(&ev);
        if (rc) goto fail;
        json_object_array_add(a, v);
        nodes += vn;
    }
    (void)json_object_array_shrink(a, 0); /* json-c starts arrays at 32 slots */
    *out = a;
    *nodes_out = nodes;
    return 0;
fail:
    json_object_put(a);
    return -1;
}

static int parse_node(pstate *s, yaml_event_t *ev, unsigned depth, pctx ctx, json_object **out, size_t *nodes_out)
{
    int line = (int)ev->start_mark.line + 1;
    *out = NULL;
    *nodes_out = 0;
    if (depth > s->lim.max_depth) return perr(s, line, "nesting deeper than %u levels", s->lim.max_depth);
    switch (ev->type) {
    case YAML_ALIAS_EVENT: {
        const char *name = (const char *)ev->data.alias.anchor;
        for (anchor *a = s->anchors; a; a = a->next) {
            if (strcmp(a->name, name) == 0) {
                if (count_nodes(s, a->nodes, line)) return -1;
                *out = fc_json_copy(a->val);
                if (a->val && !*out) return perr(s, line, "%s", "out of memory");
                *nodes_out = a->nodes;
                return 0;
            }
        }
        return perr(s, line, "unknown anchor '%s' referenced", name);
    }
    case YAML_SCALAR_EVENT: {
        bool is_merge;
        if (count_nodes(s, 1, line)) return -1;
        if (scalar_value(s, ev, ctx, out, &is_merge)) return -1;
        if (is_merge) *out = json_object_new_string("<<");
        *nodes_out = 1;
        return remember_anchor(s, ev->data.scalar.anchor, *out, 1);
    }
    case YAML_MAPPING_START_EVENT: {
        if (count_nodes(s, 1, line)) return -1;
        yaml_char_t *anc = ev->data.mapping_start.anchor;
        pctx mctx = (ctx == CTX_ROOT || ctx == CTX_META || ctx == CTX_RAWMAP) ? ctx : CTX_NONE;
        if (parse_mapping(s, depth, mctx, out, nodes_out)) return -1;
        return remember_anchor(s, anc, *out, *nodes_out);
    }
    case YAML_SEQUENCE_START_EVENT: {
        if (count_nodes(s, 1, line)) return -1;
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

int ks_yaml_parse_docs(const char *buf, size_t len, const char *fname, unsigned flags, const fc_yaml_limits *lim,
                       json_object **docs, json_object **lines)
{
    pstate s;
    memset(&s, 0, sizeof s);
    lim_defaults(&s.lim, lim);
    s.flags = flags;
    *docs = NULL;
    if (lines) *lines = NULL;
    const char *fn = fname ? fname : "<input>";
    if (len > s.lim.max_bytes)
        return fc_err_set(FC_ETOOBIG, "%s: %zu bytes exceeds the limit of %zu bytes", fn, len, s.lim.max_bytes);
    if (!yaml_parser_initialize(&s.p)) return fc_err_set(FC_ENOMEM, "out of memory");
    yaml_parser_set_input_string(&s.p, (const unsigned char *)buf, len);
    json_object *arr = json_object_new_array();
    json_object *larr = lines ? json_object_new_array() : NULL;
    int rc = 0;
    bool done = false;
    while (!done && !rc) {
        yaml_event_t ev;
        if (next_event(&s, &ev)) { rc = -1; break; }
        switch (ev.type) {
        case YAML_STREAM_END_EVENT: done = true; break;
        case YAML_DOCUMENT_START_EVENT: s.nodes = 0; anchors_free(&s); break;
        case YAML_DOCUMENT_END_EVENT: anchors_free(&s); break;
        case YAML_STREAM_START_EVENT: break;
        default: {
            json_object *doc = NULL;
            size_t n;
            int dline = (int)ev.start_mark.line + 1;
            if (parse_node(&s, &ev, 1, ev.type == YAML_MAPPING_START_EVENT ? CTX_ROOT : CTX_NONE, &doc, &n)) {
                rc = -1;
                break;
            }
            bool empty = !doc || (json_object_is_type(doc, json_type_object) && json_object_object_length(doc) == 0);
            if (empty) {
                json_object_put(doc);
                break;
            }
            if (json_object_array_length(arr) >= s.lim.max_docs) {
                json_object_put(doc);
                perr(&s, dline, "more than %zu documents", s.lim.max_docs);
                rc = -1;
                break;
            }
            json_object_array_add(arr, doc);
            if (larr) json_object_array_add(larr, json_object_new_int(dline));
        }
        }
        yaml_event_delete(&ev);
    }
    anchors_free(&s);
    yaml_parser_delete(&s.p);
    if (rc) {
        json_object_put(arr);
        json_object_put(larr);
        int code = strstr(s.err, "too many") || strstr(s.err, "nesting deeper") || strstr(s.err, "more than")
                       ? FC_ETOOBIG
                       : FC_EINVAL;
        return fc_err_set(code, "%s: %s", fn, s.err);
    }
    *docs = arr;
    if (lines) *lines = larr;
    return 0;
}
