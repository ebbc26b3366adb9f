/*
 * manifest.c: what Helm does with rendered files before printing them
 * (pkg/release/v1/util: SortManifests, SplitManifests, kind sorter): files
 * in path order, each split on "---" lines, every document's head (apiVersion,
 * kind, metadata.name, metadata.annotations) decoded with Go's typing (a
 * non-string annotation is "YAML parse error on FILE: ..."), documents with
 * a helm.sh/hook annotation become hooks (events, weight, delete and
 * output-log policies; unknown events drop the document like Helm), the
 * rest become manifests; both lists are stable-sorted by Helm's install
 * order of kinds.
 */
#include "render_int.h"
#include "fc/err.h"
#include "fc/yaml.h"
#include "fc/regex.h"
#include "fc/yaml.h"
#include <strings.h>
#include <yaml.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const install_order[] = {
    "PriorityClass", "Namespace", "NetworkPolicy", "ResourceQuota", "LimitRange", "PodSecurityPolicy",
    "PodDisruptionBudget", "ServiceAccount", "Secret", "SecretList", "ConfigMap", "StorageClass", "PersistentVolume",
    "PersistentVolumeClaim", "CustomResourceDefinition", "ClusterRole", "ClusterRoleList", "ClusterRoleBinding",
    "ClusterRoleBindingList", "Role", "RoleList", "RoleBinding", "RoleBindingList", "Service", "DaemonSet", "Pod",
    "ReplicationController", "ReplicaSet", "Deployment", "HorizontalPodAutoscaler", "StatefulSet", "Job", "CronJob",
    "IngressClass", "Ingress", "APIService", "MutatingWebhookConfiguration", "ValidatingWebhookConfiguration",
};

static int kind_rank(const char *k)
{
    for (size_t i = 0; i < sizeof install_order / sizeof install_order[0]; i++)
        if (strcmp(install_order[i], k) == 0) return (int)i;
    return -1;
}

/* lessByKind */
static bool less_by_kind(const char *a, const char *b)
{
    int ra = kind_rank(a), rb = kind_rank(b);
    if (ra < 0 && rb < 0) return strcmp(a, b) < 0;
    if (ra < 0) return false;
    if (rb < 0) return true;
    return ra < rb;
}

typedef struct {
    char *path, *content, *api_version, *kind, *name;
    json_object *annotations;
    size_t seq;
} doc;

/* stable merge sort by kind */
static void sort_docs(doc *v, size_t n)
{
    if (n < 2) return;
    doc *tmp = malloc(n * sizeof *tmp);
    if (!tmp) return;
    for (size_t width = 1; width < n; width *= 2) {
        for (size_t lo = 0; lo < n; lo += 2 * width) {
            size_t mid = lo + width < n ? lo + width : n, hi = lo + 2 * width < n ? lo + 2 * width : n;
            size_t i = lo, j = mid, k = lo;
            while (i < mid && j < hi) {
                if (less_by_kind(v[j].kind, v[i].kind)) tmp[k++] = v[j++];
                else tmp[k++] = v[i++];
            }
            while (i < mid) tmp[k++] = v[i++];
            while (j < hi) tmp[k++] = v[j++];
        }
        memcpy(v, tmp, n * sizeof *v);
    }
    free(tmp);
}

/* Helm's separator regexp `(?m)^---[ \t]*`, matched by hand: "---" at the
 * start of a line, then any spaces and tabs. Returns false when there is no
 * further match at or after pos; caps receives [start, end). */
static bool find_sep(const char *s, size_t n, size_t pos, int *caps)
{
    while (pos + 3 <= n) {
        const char *d = memmem(s + pos, n - pos, "---", 3);
        if (!d) return false;
        size_t p = (size_t)(d - s);
        if (p == 0 || s[p - 1] == '\n') {
            size_t e = p + 3;
            while (e < n && (s[e] == ' ' || s[e] == '\t')) e++;
            caps[0] = (int)p;
            caps[1] = (int)e;
            return true;
        }
        pos = p + 1;
    }
    return false;
}

static size_t trim_left_space(const char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        uint32_t r;
        int w = fc_utf8_decode(s + i, n - i, &r);
        if (!fc_u_is_space(r)) break;
        i += (size_t)w;
    }
    return i;
}

static bool all_space(const char *s, size_t n) { return trim_left_space(s, n) == n; }

/* ------------------------------------------------------ fast head path
 *
 * Helm converts every rendered document to JSON (sigs.k8s.io/yaml) just to
 * read apiVersion, kind, metadata.name and metadata.annotations. For plain
 * documents - no anchors, aliases, tags, merge keys, non-string keys,
 * repeated keys, .inf/.nan values, directives or second documents - the
 * conversion cannot fail, so the head is read from libyaml's events without
 * building the JSON tree. Anything else (and every YAML error) takes the
 * full path below, which gives the exact errors. */

typedef struct {
    char *api_version, *kind, *name;
    json_object *annotations;
    int seen_api, seen_kind, seen_meta, seen_name, seen_ann;
} fast_head_t;

static bool plain_key_is_string(const char *s, size_t n)
{
    if (n == 0) return false;
    char c = s[0];
    if ((c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.' || c == '~' || c == '<') return false;
    static const char *const special[] = {"true", "false", "yes", "no", "on", "off", "y", "n", "null"};
    for (size_t i = 0; i < sizeof special / sizeof special[0]; i++)
        if (strlen(special[i]) == n && strncasecmp(s, special[i], n) == 0) return false;
    return true;
}

static bool special_float(const char *s, size_t n)
{
    if (n && (s[0] == '-' || s[0] == '+')) s++, n--;
    return n == 4 && s[0] == '.' &&
           (strncasecmp(s + 1, "inf", 3) == 0 || strncasecmp(s + 1, "nan", 3) == 0);
}

/* a scalar as Helm's string field sees it; false when not a string-able
 * scalar (the slow path reports the type error) */
static bool scalar_string(const yaml_event_t *ev, char **out, bool *is_null)
{
    const char *v = (const char *)ev->data.scalar.value;
    size_t n = ev->data.scalar.length;
    json_object *j;
    if (ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE) {
        bool is_str = false;
        j = fc_yaml_resolve_plain(v, n, &is_str);
    } else {
        j = json_object_new_string_len(v, (int)n);
    }
    bool ok = ht_yaml_string_coerce(j, out, is_null);
    json_object_put(j);
    return ok;
}

/* 1: the head was read; 0: use the full conversion */
static int fast_head(const char *text, size_t n, fast_head_t *h)
{
    memset(h, 0, sizeof *h);
    yaml_parser_t p;
    if (!yaml_parser_initialize(&p)) return 0;
    yaml_parser_set_input_string(&p, (const unsigned char *)text, n);
    enum { MAXD = 64 };
    /* per open collection: is it a mapping, does the next scalar a key,
     * which head field the collection is (0 none, 1 root, 2 metadata,
     * 3 annotations), and the keys seen (for repeats) */
    struct lvl {
        bool map, want_key;
        int role;
        int key_role;       /* role of the value that follows the current key */
        const char **keys;
        size_t nkeys, capkeys;
    } st[MAXD];
    int depth = 0, docs = 0, result = 0;
    size_t nodes = 0;
    char *ann_key = NULL;
    for (;;) {
        yaml_event_t ev;
        if (!yaml_parser_parse(&p, &ev)) goto out;
        yaml_event_type_t t = ev.type;
        if (t == YAML_STREAM_END_EVENT) {
            yaml_event_delete(&ev);
            result = docs == 1 && h->seen_api <= 1 && h->seen_kind <= 1 && h->seen_meta <= 1;
            break;
        }
        if (t == YAML_DOCUMENT_START_EVENT) {
            if (++docs > 1 || ev.data.document_start.version_directive || ev.data.document_start.tag_directives.start !=
                                                                            ev.data.document_start.tag_directives.end) {
                yaml_event_delete(&ev);
                goto out;
            }
        }
        if (++nodes > 200000) {
            yaml_event_delete(&ev);
            goto out;
        }
        bool bail = false;
        if (t == YAML_ALIAS_EVENT) bail = true;
        if (t == YAML_SCALAR_EVENT || t == YAML_SEQUENCE_START_EVENT || t == YAML_MAPPING_START_EVENT) {
            const yaml_char_t *anchor = t == YAML_SCALAR_EVENT ? ev.data.scalar.anchor
                                        : t == YAML_SEQUENCE_START_EVENT ? ev.data.sequence_start.anchor
                                                                         : ev.data.mapping_start.anchor;
            const yaml_char_t *tag = t == YAML_SCALAR_EVENT ? ev.data.scalar.tag
                                     : t == YAML_SEQUENCE_START_EVENT ? ev.data.sequence_start.tag
                                                                      : ev.data.mapping_start.tag;
            if (anchor || tag) bail = true;
        }
        if (bail) {
            yaml_event_delete(&ev);
            goto out;
        }
        struct lvl *cur = depth ? &st[depth - 1] : NULL;
        bool is_key = cur && cur->map && cur->want_key;
        if (t == YAML_SCALAR_EVENT) {
            const char *v = (const char *)ev.data.scalar.value;
            size_t len = ev.data.scalar.length;
            bool plain = ev.data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
            if (is_key) {
                if (plain && !plain_key_is_string(v, len)) bail = true;
                for (size_t i = 0; !bail && i < cur->nkeys; i++)
                    if (strlen(cur->keys[i]) == len && memcmp(cur->keys[i], v, len) == 0) bail = true;
                if (memchr(v, 0, len)) bail = true;
                if (!bail) {
                    if (cur->nkeys == cur->capkeys) {
                        size_t nc = cur->capkeys ? cur->capkeys * 2 : 16;
                        const char **nk = realloc(cur->keys, nc * sizeof *nk);
                        if (!nk) bail = true;
                        else cur->keys = nk, cur->capkeys = nc;
                    }
                }
                if (!bail) {
                    char *k = strndup(v, len);
                    cur->keys[cur->nkeys++] = k;
                    cur->key_role = 0;
                    if (cur->role == 1) {
                        if (strcasecmp(k, "apiVersion") == 0) cur->key_role = 10, h->seen_api++;
                        else if (strcasecmp(k, "kind") == 0) cur->key_role = 11, h->seen_kind++;
                        else if (strcasecmp(k, "metadata") == 0) cur->key_role = 2, h->seen_meta++;
                    } else if (cur->role == 2) {
                        if (strcasecmp(k, "name") == 0) cur->key_role = 12, h->seen_name++;
                        else if (strcasecmp(k, "annotations") == 0) cur->key_role = 3, h->seen_ann++;
                    } else if (cur->role == 3) {
                        free(ann_key);
                        ann_key = strdup(k);
                        cur->key_role = 13;
                    }
                    if (h->seen_name > 1 || h->seen_ann > 1) bail = true;
                    cur->want_key = false;
                }
            } else {
                if (plain && special_float(v, len)) bail = true;
                int role = cur && cur->map ? cur->key_role : 0;
                if (!bail && role >= 10) {
                    char *sv = NULL;
                    bool is_null = false;
                    if (!scalar_string(&ev, &sv, &is_null)) bail = true;
                    else if (role == 13) {
                        if (!h->annotations) h->annotations = json_object_new_object();
                        json_object_object_add(h->annotations, ann_key, json_object_new_string(is_null || !sv ? "" : sv));
                        if (!is_null) free(sv);
                    } else if (!is_null) {
                        char **dst = role == 10 ? &h->api_version : role == 11 ? &h->kind : &h->name;
                        free(*dst);
                        *dst = sv;
                    }
                } else if (!bail && (role == 2 || role == 3)) {
                    /* metadata / annotations not a mapping (null, or a type error) */
                    bail = true;
                }
                if (cur && cur->map) cur->want_key = true;
                if (!cur) bail = true; /* a scalar document */
            }
        } else if (t == YAML_SEQUENCE_START_EVENT || t == YAML_MAPPING_START_EVENT) {
            if (is_key || depth >= MAXD) bail = true; /* complex keys */
            int role = 0;
            if (!bail) {
                if (!cur) role = t == YAML_MAPPING_START_EVENT ? 1 : -1;
                else if (cur->map) role = cur->key_role;
                if (role == -1) bail = true; /* a sequence document */
                if (role >= 10) bail = true; /* apiVersion/kind/name/annotation value not a scalar */
                if ((role == 2 || role == 3) && t != YAML_MAPPING_START_EVENT) bail = true;
            }
            if (!bail) {
                struct lvl *l = &st[depth++];
                memset(l, 0, sizeof *l);
                l->map = t == YAML_MAPPING_START_EVENT;
                l->want_key = true;
                l->role = role > 3 ? 0 : role;
            }
        } else if (t == YAML_SEQUENCE_END_EVENT || t == YAML_MAPPING_END_EVENT) {
            struct lvl *l = &st[--depth];
            for (size_t i = 0; i < l->nkeys; i++) free((void *)l->keys[i]);
            free(l->keys);
            if (depth) {
                struct lvl *up = &st[depth - 1];
                if (up->map) up->want_key = true;
            }
        }
        yaml_event_delete(&ev);
        if (bail) goto out;
    }
out:
    while (depth > 0) {
        struct lvl *l = &st[--depth];
        for (size_t i = 0; i < l->nkeys; i++) free((void *)l->keys[i]);
        free(l->keys);
    }
    free(ann_key);
    yaml_parser_delete(&p);
    if (!result) {
        free(h->api_version);
        free(h->kind);
        free(h->name);
        json_object_put(h->annotations);
        memset(h, 0, sizeof *h);
    }
    return result;
}

/* decode SimpleHead; -1 with "YAML parse error on PATH: ..." */
static int decode_head(ht_ctx *cx, const char *path, const char *text, size_t n, doc *d)
{
    json_object *o = NULL;
    if (fc_yaml_parse(text, n, NULL, &o))
        return ht_errf(cx, "YAML parse error on %s: error converting YAML to JSON: %s", path, fc_err_msg());
    int rc = 0;
    d->api_version = strdup("");
    d->kind = strdup("");
    d->name = strdup("");
    if (!o) return 0;
#define TERR(field, v, type)                                                                                            \
    do {                                                                                                                \
        rc = ht_errf(cx, "YAML parse error on %s: error unmarshaling JSON: while decoding JSON: json: cannot unmarshal %s into Go struct field %s of type %s", \
                     path, ht_json_kind(v), field, type);                                                                  \
        goto out;                                                                                                       \
    } while (0)
    if (!json_object_is_type(o, json_type_object)) {
        rc = ht_errf(cx, "YAML parse error on %s: error unmarshaling JSON: while decoding JSON: json: cannot unmarshal %s into Go value of type util.SimpleHead",
                     path, ht_json_kind(o));
        goto out;
    }
    char *sv = NULL;
    bool is_null;
    json_object *av = ht_json_field_ci(o, "apiVersion");
    if (!ht_yaml_string_coerce(av, &sv, &is_null)) TERR("SimpleHead.apiVersion", av, "string");
    if (!is_null) {
        free(d->api_version);
        d->api_version = sv;
    }
    json_object *kv = ht_json_field_ci(o, "kind");
    if (!ht_yaml_string_coerce(kv, &sv, &is_null)) TERR("SimpleHead.kind", kv, "string");
    if (!is_null) {
        free(d->kind);
        d->kind = sv;
    }
    json_object *md = ht_json_field_ci(o, "metadata");
    if (md && !json_object_is_type(md, json_type_null)) {
        if (!json_object_is_type(md, json_type_object)) TERR("SimpleHead.metadata", md, "struct { Name string \"json:\\\"name\\\"\"; Annotations map[string]string \"json:\\\"annotations\\\"\" }");
        json_object *nv = ht_json_field_ci(md, "name");
        if (!ht_yaml_string_coerce(nv, &sv, &is_null)) TERR("SimpleHead.metadata.name", nv, "string");
        if (!is_null) {
            free(d->name);
            d->name = sv;
        }
        json_object *an = ht_json_field_ci(md, "annotations");
        if (an && !json_object_is_type(an, json_type_null)) {
            if (!json_object_is_type(an, json_type_object)) TERR("SimpleHead.metadata.annotations", an, "map[string]string");
            json_object *conv = json_object_new_object();
            json_object_object_foreach(an, k, v)
            {
                sv = NULL; /* a null value leaves sv alone */
                if (!ht_yaml_string_coerce(v, &sv, &is_null)) {
                    json_object_put(conv);
                    TERR("SimpleHead.metadata.annotations", v, "string");
                }
                json_object_object_add(conv, k, json_object_new_string(is_null || !sv ? "" : sv));
                if (!is_null) free(sv);
            }
            d->annotations = conv;
        }
    }
#undef TERR
out:
    json_object_put(o);
    return rc;
}

static void doc_free(doc *d)
{
    free(d->path);
    free(d->content);
    free(d->api_version);
    free(d->kind);
    free(d->name);
    json_object_put(d->annotations);
}

typedef struct {
    doc *v;
    size_t n, cap;
} docs;

static void docs_add(docs *l, doc d)
{
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 32;
        doc *nv = realloc(l->v, l->cap * sizeof *nv);
        if (!nv) abort();
        l->v = nv;
    }
    l->v[l->n++] = d;
}

static void docs_free(void *p)
{
    docs *l = p;
    for (size_t i = 0; i < l->n; i++) doc_free(&l->v[i]);
    free(l->v);
    l->v = NULL;
    l->n = 0;
}

static int path_cmp(const void *a, const void *b)
{
    return strcmp(((const ht_rendered *)a)->name, ((const ht_rendered *)b)->name);
}

static bool hook_event(const char *e, const char **canon)
{
    static const char *const ev[] = {"pre-install", "post-install", "pre-delete", "post-delete", "pre-upgrade",
                                     "post-upgrade", "pre-rollback", "post-rollback", "test"};
    for (size_t i = 0; i < sizeof ev / sizeof ev[0]; i++)
        if (strcmp(e, ev[i]) == 0) {
            *canon = ev[i];
            return true;
        }
    if (strcmp(e, "test-success") == 0) {
        *canon = "test";
        return true;
    }
    return false;
}

/* split "a, b" on commas, trim + lower-case each */
static char **split_policies(const char *s, size_t *n)
{
    size_t cnt = 1;
    for (const char *p = s; *p; p++)
        if (*p == ',') cnt++;
    char **out = calloc(cnt + 1, sizeof *out);
    size_t k = 0;
    const char *st = s;
    for (const char *p = s;; p++) {
        if (*p == ',' || !*p) {
            const char *a = st, *b = p;
            while (a < b && fc_u_is_space((unsigned char)*a)) a++;
            while (b > a && fc_u_is_space((unsigned char)b[-1])) b--;
            char *v = strndup(a, (size_t)(b - a));
            for (char *c = v; *c; c++)
                if (*c >= 'A' && *c <= 'Z') *c = (char)(*c + 32);
            out[k++] = v;
            if (!*p) break;
            st = p + 1;
        }
    }
    *n = k;
    return out;
}

/* the documents of all rendered files, with their heads when the fast
 * path could read them */
typedef struct {
    const char *path, *d;
    size_t dn;
    bool fast_ok, done; /* done: the fast path was tried */
    fast_head_t h;
} piece;

typedef struct {
    piece *v;
    size_t n, cap;
} pieces;

static void pieces_add(pieces *l, const char *path, const char *d, size_t dn)
{
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 64;
        piece *nv = realloc(l->v, l->cap * sizeof *nv);
        if (!nv) abort();
        l->v = nv;
    }
    piece *p = &l->v[l->n++];
    memset(p, 0, sizeof *p);
    p->path = path;
    p->d = d;
    p->dn = dn;
}

static void pieces_free(void *v)
{
    pieces *l = v;
    for (size_t i = 0; i < l->n; i++) {
        if (!l->v[i].fast_ok) continue;
        free(l->v[i].h.api_version);
        free(l->v[i].h.kind);
        free(l->v[i].h.name);
        json_object_put(l->v[i].h.annotations);
    }
    free(l->v);
    l->v = NULL;
    l->n = 0;
}

typedef struct {
    pieces *l;
    size_t from, step;
} heads_job;

static void *heads_run(void *arg)
{
    heads_job *j = arg;
    for (size_t i = j->from; i < j->l->n; i += j->step) {
        piece *p = &j->l->v[i];
        if (p->done) continue;
        p->fast_ok = fast_head(p->d, p->dn, &p->h) == 1;
        p->done = true;
    }
    return NULL;
}

/* fast_head() is pure (malloc only), so big releases split the work */
static void pieces_fast_heads(pieces *l)
{
    heads_job a = {l, 0, 1};
    if (l->n >= 16) {
        heads_job b = {l, 1, 2};
        a.step = 2;
        pthread_t th;
        pthread_attr_t attr;
        pthread_attr_init(&attr);
        pthread_attr_setstacksize(&attr, (size_t)1 << 20);
        bool started = pthread_create(&th, &attr, heads_run, &b) == 0;
        pthread_attr_destroy(&attr);
        heads_run(&a);
        if (started) pthread_join(th, NULL);
        else heads_run(&b);
        return;
    }
    heads_run(&a);
}

/* Helm's SplitManifests for one rendered file, appended to out */
static void split_file(const char *path, ht_val c, pieces *out)
{
    int caps[2];
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    if (base[0] == '_') return;
    if (all_space(c.v.s, c.n)) return;
    size_t st = trim_left_space(c.v.s, c.n);
    const char *s = c.v.s + st;
    size_t sn = c.n - st;
    /* regexp.Split(s, -1) */
    size_t beg = 0, pos = 0;
    int64_t prev_end = -1;
    size_t *cuts = NULL, ncuts = 0;
    while (pos <= sn) {
        if (!find_sep(s, sn, pos, caps)) break;
        bool accept = true;
        if ((size_t)caps[1] == pos) {
            if (caps[0] == prev_end) accept = false;
            if (pos < sn) {
                uint32_t r;
                pos += (size_t)fc_utf8_decode(s + pos, sn - pos, &r);
            } else {
                pos = sn + 1;
            }
        } else {
            pos = (size_t)caps[1];
        }
        prev_end = caps[1];
        if (accept) {
            cuts = realloc(cuts, (ncuts + 1) * 2 * sizeof *cuts);
            cuts[2 * ncuts] = (size_t)caps[0];
            cuts[2 * ncuts + 1] = (size_t)caps[1];
            ncuts++;
        }
    }
    size_t end = 0;
    size_t npieces = 0;
    size_t *pst = malloc((ncuts + 2) * sizeof *pst), *pen = malloc((ncuts + 2) * sizeof *pen);
    for (size_t k = 0; k < ncuts; k++) {
        end = cuts[2 * k];
        if (cuts[2 * k + 1] != 0) {
            pst[npieces] = beg;
            pen[npieces] = end;
            npieces++;
        }
        beg = cuts[2 * k + 1];
    }
    if (end != sn) {
        pst[npieces] = beg;
        pen[npieces] = sn;
        npieces++;
    }
    free(cuts);
    for (size_t k = 0; k < npieces; k++) {
        const char *d = s + pst[k];
        size_t dn = pen[k] - pst[k];
        if (all_space(d, dn)) continue;
        size_t t = trim_left_space(d, dn);
        pieces_add(out, path, d + t, dn - t);
    }
    free(pst);
    free(pen);
}

/* move one piece (with its head, if read) into l */
static void pieces_take(pieces *l, piece *p)
{
    pieces_add(l, p->path, p->d, p->dn);
    piece *q = &l->v[l->n - 1];
    q->fast_ok = p->fast_ok;
    q->h = p->h;
    q->done = p->done;
    p->fast_ok = false;
    memset(&p->h, 0, sizeof p->h);
}

/* --------------------------------------------- heads read while rendering
 *
 * A helper thread splits each file as soon as it is rendered and reads the
 * heads of its documents, overlapping that YAML parsing with the rendering
 * of the next templates. ht_sort_manifests then only picks the results up. */

typedef struct file_pieces {
    const char *text; /* the rendered content (arena, immutable) */
    const char *name;
    size_t len;
    pieces l;
    bool ready;
} file_pieces;

struct ht_heads {
    pthread_t th;
    bool started, stop;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    file_pieces *f;
    size_t n, cap, next;
};

static void *heads_pipe_run(void *arg)
{
    ht_heads *h = arg;
    pthread_mutex_lock(&h->mu);
    for (;;) {
        while (h->next == h->n && !h->stop) pthread_cond_wait(&h->cv, &h->mu);
        if (h->next == h->n && h->stop) break;
        file_pieces *fp = &h->f[h->next++];
        pthread_mutex_unlock(&h->mu);
        size_t nl = strlen(fp->name);
        bool notes = nl >= 9 && strcmp(fp->name + nl - 9, "NOTES.txt") == 0;
        if (!notes) {
            split_file(fp->name, ht_str_static(fp->text, fp->len), &fp->l);
            for (size_t i = 0; i < fp->l.n; i++) {
                piece *p = &fp->l.v[i];
                p->fast_ok = fast_head(p->d, p->dn, &p->h) == 1;
                p->done = true;
            }
        }
        pthread_mutex_lock(&h->mu);
        fp->ready = !notes;
    }
    pthread_mutex_unlock(&h->mu);
    return NULL;
}

ht_heads *ht_heads_start(size_t max_files)
{
    ht_heads *h = calloc(1, sizeof *h);
    if (!h) return NULL;
    h->f = calloc(max_files ? max_files : 1, sizeof *h->f);
    if (!h->f) {
        free(h);
        return NULL;
    }
    h->cap = max_files;
    pthread_mutex_init(&h->mu, NULL);
    pthread_cond_init(&h->cv, NULL);
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, (size_t)1 << 20);
    h->started = pthread_create(&h->th, &attr, heads_pipe_run, h) == 0;
    pthread_attr_destroy(&attr);
    return h;
}

void ht_heads_feed(ht_heads *h, const char *name, const char *text, size_t len)
{
    if (!h || !h->started) return;
    pthread_mutex_lock(&h->mu);
    if (h->n < h->cap) {
        file_pieces *fp = &h->f[h->n++];
        fp->name = name;
        fp->text = text;
        fp->len = len;
        pthread_cond_signal(&h->cv);
    }
    pthread_mutex_unlock(&h->mu);
}

/* stop the helper after it has finished what it was given */
static void heads_join(ht_heads *h)
{
    if (!h || !h->started) return;
    pthread_mutex_lock(&h->mu);
    h->stop = true;
    pthread_cond_signal(&h->cv);
    pthread_mutex_unlock(&h->mu);
    pthread_join(h->th, NULL);
    h->started = false;
}

void ht_heads_free(void *v)
{
    ht_heads *h = v;
    if (!h) return;
    heads_join(h);
    for (size_t i = 0; i < h->n; i++) pieces_free(&h->f[i].l);
    free(h->f);
    pthread_mutex_destroy(&h->mu);
    pthread_cond_destroy(&h->cv);
    free(h);
}

static const file_pieces *heads_lookup(ht_heads *h, const char *text)
{
    for (size_t i = 0; i < h->n; i++)
        if (h->f[i].ready && h->f[i].text == text) return &h->f[i];
    return NULL;
}

int ht_sort_manifests(ht_ctx *cx, ht_rendered *files, size_t n, ht_release *rel, ht_heads *pre)
{
    if (n) qsort(files, n, sizeof *files, path_cmp);
    docs *generic = ht_cx_alloc(cx, sizeof *generic), *hooks = ht_cx_alloc(cx, sizeof *hooks);
    memset(generic, 0, sizeof *generic);
    memset(hooks, 0, sizeof *hooks);
    ht_cleanup_push(cx, docs_free, generic);
    ht_cleanup_push(cx, docs_free, hooks);
    /* 1: cut every file into documents (Helm's SplitManifests); files the
     * helper thread already did are taken from it */
    heads_join(pre);
    pieces *pc = ht_cx_alloc(cx, sizeof *pc);
    memset(pc, 0, sizeof *pc);
    ht_cleanup_push(cx, pieces_free, pc);
    for (size_t fi = 0; fi < n; fi++) {
        const file_pieces *fp = pre ? heads_lookup(pre, files[fi].content.v.s) : NULL;
        if (fp) {
            for (size_t k = 0; k < fp->l.n; k++) pieces_take(pc, &fp->l.v[k]);
            continue;
        }
        split_file(files[fi].name, files[fi].content, pc);
    }
    /* 2: read the heads; the plain ones on two threads */
    pieces_fast_heads(pc);
    /* 3: in order: the others through the full conversion (which gives
     * Helm's errors), then classify */
    for (size_t i = 0; i < pc->n; i++) {
        piece *p = &pc->v[i];
        doc dd = {0};
        dd.path = strdup(p->path);
        dd.content = strndup(p->d, p->dn);
        if (p->fast_ok) {
            dd.api_version = p->h.api_version ? p->h.api_version : strdup("");
            dd.kind = p->h.kind ? p->h.kind : strdup("");
            dd.name = p->h.name ? p->h.name : strdup("");
            dd.annotations = p->h.annotations;
            p->fast_ok = false;
            memset(&p->h, 0, sizeof p->h);
        } else if (decode_head(cx, p->path, p->d, p->dn, &dd)) {
            doc_free(&dd);
            ht_cleanup_pop(cx, true);
            ht_cleanup_pop(cx, true);
            ht_cleanup_pop(cx, true);
            return -1;
        }
        json_object *hv = NULL;
        if (dd.annotations && json_object_object_length(dd.annotations) > 0 &&
            json_object_object_get_ex(dd.annotations, "helm.sh/hook", &hv)) {
            docs_add(hooks, dd);
        } else {
            docs_add(generic, dd);
        }
    }
    ht_cleanup_pop(cx, true);
    /* hooks: parse events; unknown events drop the document */
    size_t keep = 0;
    for (size_t i = 0; i < hooks->n; i++) {
        json_object *hv = NULL;
        json_object_object_get_ex(hooks->v[i].annotations, "helm.sh/hook", &hv);
        size_t ne;
        char **evs = split_policies(json_object_get_string(hv), &ne);
        bool unknown = false;
        for (size_t k = 0; k < ne && !unknown; k++) {
            const char *canon;
            if (!hook_event(evs[k], &canon)) unknown = true;
            else {
                free(evs[k]);
                evs[k] = strdup(canon);
            }
        }
        for (size_t k = 0; k < ne; k++) free(evs[k]);
        free(evs);
        if (unknown) {
            doc_free(&hooks->v[i]);
            continue;
        }
        hooks->v[keep++] = hooks->v[i];
    }
    hooks->n = keep;
    sort_docs(generic->v, generic->n);
    sort_docs(hooks->v, hooks->n);
    rel->manifests = calloc(generic->n + 1, sizeof *rel->manifests);
    for (size_t i = 0; i < generic->n; i++) {
        doc *d = &generic->v[i];
        ht_manifest *m = &rel->manifests[rel->nmanifests++];
        m->path = d->path;
        m->content = d->content;
        m->api_version = d->api_version;
        m->kind = d->kind;
        m->name = d->name;
        json_object_put(d->annotations);
        memset(d, 0, sizeof *d);
    }
    rel->hooks = calloc(hooks->n + 1, sizeof *rel->hooks);
    for (size_t i = 0; i < hooks->n; i++) {
        doc *d = &hooks->v[i];
        ht_hook *h = &rel->hooks[rel->nhooks++];
        h->path = d->path;
        h->manifest = d->content;
        h->kind = d->kind;
        h->name = d->name;
        free(d->api_version);
        json_object *hv = NULL, *wv = NULL, *dv = NULL, *lv = NULL;
        json_object_object_get_ex(d->annotations, "helm.sh/hook", &hv);
        h->events = split_policies(json_object_get_string(hv), &h->nevents);
        for (size_t k = 0; k < h->nevents; k++)
            if (strcmp(h->events[k], "test-success") == 0) {
                free(h->events[k]);
                h->events[k] = strdup("test");
            }
        if (json_object_object_get_ex(d->annotations, "helm.sh/hook-weight", &wv)) {
            const char *w = json_object_get_string(wv);
            int64_t x;
            bool ok = w && *w;
            for (const char *c = w + (w && (*w == '+' || *w == '-')); ok && *c; c++) ok = *c >= '0' && *c <= '9';
            h->weight = ok && ht_parse_int(w, strlen(w), 10, &x) && x >= INT32_MIN && x <= INT32_MAX ? (int)x : 0;
        }
        if (json_object_object_get_ex(d->annotations, "helm.sh/hook-delete-policy", &dv))
            h->delete_policies = split_policies(json_object_get_string(dv), &h->ndelete_policies);
        if (json_object_object_get_ex(d->annotations, "helm.sh/hook-output-log-policy", &lv))
            h->output_log_policies = split_policies(json_object_get_string(lv), &h->noutput_log_policies);
        json_object_put(d->annotations);
        memset(d, 0, sizeof *d);
    }
    ht_cleanup_pop(cx, true);
    ht_cleanup_pop(cx, true);
    return 0;
}
