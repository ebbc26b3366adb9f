/*
 * render.c: one render, start to finish, in Helm's order (action.Install
 * client-only + engine.Render): user values merged like values.Options,
 * dependencies processed, values coalesced and checked against the
 * schemas, the kubeVersion constraint checked, every chart's templates
 * parsed into one namespace (deepest paths first, so parents win on
 * redefinitions) and executed with their own .Values/.Chart/.Files, errors
 * rewritten the way Helm prints them, NOTES split off, manifests sorted.
 *
 * A render runs on its own thread with a large stack: templates may nest
 * include/template/tpl deeply (bounded, see exec.c) and the C stack must
 * never be what stops them. Everything allocated while rendering lives in
 * one arena; the results are copied out into the malloc'd ht_release.
 */
#include "render_int.h"
#include "fc/err.h"
#include "fc/yaml.h"
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RENDER_STACK ((size_t)512 << 20)

/* ------------------------------------------------------------- values */

typedef struct vsrc {
    int kind; /* 0 yaml doc, 1 json, 2.. set kinds */
    char *text;
    size_t len;
    char *name;
    json_object *json;
} vsrc;

struct ht_values {
    vsrc *v;
    size_t n;
};

ht_values *ht_values_new(void) { return calloc(1, sizeof(ht_values)); }

void ht_values_free(ht_values *v)
{
    if (!v) return;
    for (size_t i = 0; i < v->n; i++) {
        free(v->v[i].text);
        free(v->v[i].name);
        json_object_put(v->v[i].json);
    }
    free(v->v);
    free(v);
}

static int add_src(ht_values *v, vsrc s)
{
    vsrc *nv = realloc(v->v, (v->n + 1) * sizeof *nv);
    if (!nv) return fc_err_set(FC_ENOMEM, "out of memory");
    v->v = nv;
    v->v[v->n++] = s;
    return 0;
}

int ht_values_add_yaml(ht_values *v, const char *buf, size_t len, const char *name)
{
    vsrc s = {0};
    s.kind = 0;
    s.text = malloc(len + 1);
    if (!s.text) return fc_err_set(FC_ENOMEM, "out of memory");
    memcpy(s.text, buf, len);
    s.text[len] = 0;
    s.len = len;
    s.name = strdup(name ? name : "values");
    return add_src(v, s);
}

int ht_values_add_json(ht_values *v, json_object *obj)
{
    if (obj && !json_object_is_type(obj, json_type_object))
        return fc_err_set(FC_EINVAL, "values must be a JSON object");
    vsrc s = {0};
    s.kind = 1;
    s.json = json_object_get(obj);
    return add_src(v, s);
}

int ht_values_add_set(ht_values *v, ht_set_kind kind, const char *expr)
{
    vsrc s = {0};
    s.kind = 2 + (int)kind;
    s.text = strdup(expr);
    s.len = strlen(expr);
    return add_src(v, s);
}

static void put_json_cb(void *p) { json_object_put(p); }

/* loader.LoadValues (chart.c's ht_values_parse) into render values */
static int load_values_doc(ht_ctx *cx, const vsrc *s, ht_val *out)
{
    json_object *vals = NULL;
    if (ht_values_parse(s->text, s->len, &vals)) return ht_errf(cx, "failed to parse %s: %s", s->name, fc_err_msg());
    ht_cleanup_push(cx, put_json_cb, vals);
    *out = ht_from_json(cx, vals, HT_M_ANY);
    ht_cleanup_pop(cx, true);
    return 0;
}

static int user_values(ht_ctx *cx, const ht_values *uv, ht_val *out)
{
    ht_val base = ht_map_new(cx, HT_M_ANY);
    for (size_t i = 0; uv && i < uv->n; i++) {
        const vsrc *s = &uv->v[i];
        if (s->kind == 0) {
            ht_val m;
            if (load_values_doc(cx, s, &m)) return -1;
            base = ht_merge_maps(cx, base, m);
        } else if (s->kind == 1) {
            if (s->json) base = ht_merge_maps(cx, base, ht_from_json(cx, s->json, HT_M_ANY));
        } else {
            int kind = s->kind - 2;
            int mode = kind == HT_VALUES_SET ? HT_SET_AUTO : kind == HT_VALUES_SET_STRING ? HT_SET_STRING
                     : kind == HT_VALUES_SET_JSON ? HT_SET_JSON : HT_SET_LITERAL;
            if (mode == HT_SET_JSON) {
                /* a whole JSON object is merged like a values file */
                size_t st = 0;
                while (st < s->len && fc_u_is_space((unsigned char)s->text[st])) st++;
                if (st < s->len && s->text[st] == '{') {
                    ht_val m;
                    if (ht_json_decode(cx, s->text, s->len, &m) || m.k != HT_MAP)
                        return ht_errf(cx, "failed parsing --set-json data JSON: %s", s->text);
                    base = ht_merge_maps(cx, base, m);
                    continue;
                }
                if (ht_strvals_parse_into(cx, s->text, s->len, base, mode))
                    return ht_errf(cx, "failed parsing --set-json data %s", s->text);
                continue;
            }
            if (ht_strvals_parse_into(cx, s->text, s->len, base, mode)) {
                const char *what = mode == HT_SET_AUTO ? "--set" : mode == HT_SET_STRING ? "--set-string" : "--set-literal";
                char *m = strdup(cx->err ? cx->err : "");
                ht_errf(cx, "failed parsing %s data: %s", what, m);
                free(m);
                return -1;
            }
        }
    }
    *out = base;
    return 0;
}

/* ------------------------------------------------------------- capabilities */

/* the default VersionSet of Helm 4.3 (client-go scheme + apiextensions) */
static const char *const default_api_versions[] = {
    "v1", "admissionregistration.k8s.io/v1", "admissionregistration.k8s.io/v1alpha1",
    "admissionregistration.k8s.io/v1beta1", "internal.apiserver.k8s.io/v1alpha1", "apps/v1", "apps/v1beta1",
    "apps/v1beta2", "authentication.k8s.io/v1", "authentication.k8s.io/v1alpha1", "authentication.k8s.io/v1beta1",
    "authorization.k8s.io/v1", "authorization.k8s.io/v1beta1", "autoscaling/v1", "autoscaling/v2", "batch/v1",
    "batch/v1beta1", "certificates.k8s.io/v1", "certificates.k8s.io/v1beta1", "certificates.k8s.io/v1alpha1",
    "coordination.k8s.io/v1alpha2", "coordination.k8s.io/v1beta1", "coordination.k8s.io/v1", "discovery.k8s.io/v1",
    "discovery.k8s.io/v1beta1", "events.k8s.io/v1", "events.k8s.io/v1beta1", "extensions/v1beta1",
    "flowcontrol.apiserver.k8s.io/v1", "flowcontrol.apiserver.k8s.io/v1beta1", "flowcontrol.apiserver.k8s.io/v1beta2",
    "flowcontrol.apiserver.k8s.io/v1beta3", "lifecycle.k8s.io/v1alpha1", "networking.k8s.io/v1",
    "networking.k8s.io/v1beta1", "node.k8s.io/v1", "node.k8s.io/v1alpha1", "node.k8s.io/v1beta1", "policy/v1",
    "policy/v1beta1", "rbac.authorization.k8s.io/v1", "rbac.authorization.k8s.io/v1beta1",
    "rbac.authorization.k8s.io/v1alpha1", "resource.k8s.io/v1", "resource.k8s.io/v1beta2", "resource.k8s.io/v1beta1",
    "resource.k8s.io/v1alpha3", "scheduling.k8s.io/v1alpha3", "scheduling.k8s.io/v1beta1", "scheduling.k8s.io/v1",
    "storage.k8s.io/v1beta1", "storage.k8s.io/v1", "storage.k8s.io/v1alpha1", "storagemigration.k8s.io/v1",
    "storagemigration.k8s.io/v1beta1", "apiextensions.k8s.io/v1beta1", "apiextensions.k8s.io/v1",
};

/* k8s.io/apimachinery version.ParseGeneric, kept as Helm's KubeVersion */
int ht_kube_version_parse(const char *s, ht_kube_version *out)
{
    memset(out, 0, sizeof *out);
    const char *p = s;
    while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r' || *p == '\v' || *p == '\f') p++;
    if (*p == 'v') p++;
    const char *st = p;
    int comps = 0;
    unsigned long long c[8] = {0};
    while (*p >= '0' && *p <= '9') {
        const char *cs = p;
        unsigned long long x = 0;
        while (*p >= '0' && *p <= '9') {
            if (x > 1000000000000ULL) return fc_err_set(FC_EINVAL, "illegal non-numeric version component \"%.*s\" in \"%s\": value out of range", (int)(p - cs), cs, s);
            x = x * 10 + (unsigned)(*p - '0');
            p++;
        }
        if (comps == 0 && *cs == '0' && p - cs > 1)
            return fc_err_set(FC_EINVAL, "illegal zero-prefixed version component \"%.*s\" in \"%s\"", (int)(p - cs), cs, s);
        if (comps < 8) c[comps] = x;
        comps++;
        if (*p == '.' && p[1] >= '0' && p[1] <= '9') p++;
        else break;
    }
    if (p == st) return fc_err_set(FC_EINVAL, "could not parse \"%s\" as version", s);
    if (comps < 2) return fc_err_set(FC_EINVAL, "illegal version string \"%s\"", s);
    snprintf(out->version, sizeof out->version, "%s%s", s[0] == 'v' ? "" : "v", s);
    int k = snprintf(out->normalized, sizeof out->normalized, "v%llu", c[0]);
    for (int i = 1; i < comps && i < 8 && k > 0 && (size_t)k < sizeof out->normalized; i++)
        k += snprintf(out->normalized + k, sizeof out->normalized - (size_t)k, ".%llu", c[i]);
    snprintf(out->major, sizeof out->major, "%llu", c[0]);
    snprintf(out->minor, sizeof out->minor, "%llu", c[1]);
    return 0;
}

/* ------------------------------------------------------------- .Chart */

static ht_val strlist_any(ht_ctx *cx, char **v, size_t n)
{
    ht_val l = ht_list_new(cx, (uint32_t)n, HT_L_ANY);
    for (size_t i = 0; i < n; i++) l.v.l->items[i] = ht_strz(cx, v[i] ? v[i] : "");
    l.v.l->n = (uint32_t)n;
    return l;
}

static void mput(ht_ctx *cx, ht_val m, const char *k, ht_val v) { ht_map_set(cx, m.v.m, k, strlen(k), v); }

static ht_val sz(ht_ctx *cx, const char *s) { return ht_strz(cx, s ? s : ""); }

/* MetadataAsMap: the struct's exported fields by Go name */
static ht_val chart_map(ht_ctx *cx, const ht_rchart *rc)
{
    const ht_cmeta *m = &rc->src->meta;
    ht_val o = ht_map_new(cx, HT_M_ANY);
    mput(cx, o, "Name", ht_strz(cx, rc->name));
    mput(cx, o, "Home", sz(cx, m->home));
    mput(cx, o, "Sources", strlist_any(cx, m->sources, m->nsources));
    mput(cx, o, "Version", sz(cx, m->version));
    mput(cx, o, "Description", sz(cx, m->description));
    mput(cx, o, "Keywords", strlist_any(cx, m->keywords, m->nkeywords));
    ht_val mt = ht_list_new(cx, (uint32_t)m->nmaintainers, HT_L_ANY);
    for (size_t i = 0; i < m->nmaintainers; i++) {
        ht_val e = ht_map_new(cx, HT_M_ANY);
        mput(cx, e, "Name", sz(cx, m->maintainers[i].name));
        mput(cx, e, "Email", sz(cx, m->maintainers[i].email));
        mput(cx, e, "URL", sz(cx, m->maintainers[i].url));
        mt.v.l->items[mt.v.l->n++] = e;
    }
    mput(cx, o, "Maintainers", mt);
    mput(cx, o, "Icon", sz(cx, m->icon));
    mput(cx, o, "APIVersion", sz(cx, m->api_version));
    mput(cx, o, "Condition", sz(cx, m->condition));
    mput(cx, o, "Tags", sz(cx, m->tags));
    mput(cx, o, "AppVersion", sz(cx, m->app_version));
    mput(cx, o, "Deprecated", ht_bool(m->deprecated));
    ht_val ann = ht_nil();
    ann.k = HT_MAP;
    ann.sub = HT_M_STRING;
    if (m->annotations) {
        ann = ht_map_new(cx, HT_M_STRING);
        json_object_object_foreach(m->annotations, k, v) ht_map_set(cx, ann.v.m, k, strlen(k), ht_strz(cx, json_object_get_string(v)));
    }
    mput(cx, o, "Annotations", ann);
    mput(cx, o, "KubeVersion", sz(cx, m->kube_version));
    ht_val deps = ht_list_new(cx, (uint32_t)rc->nreqs, HT_L_ANY);
    for (size_t i = 0; i < rc->nreqs; i++) {
        const ht_cdep *d = &rc->reqs[i];
        ht_val e = ht_map_new(cx, HT_M_ANY);
        mput(cx, e, "Name", sz(cx, d->name));
        mput(cx, e, "Version", sz(cx, d->version));
        mput(cx, e, "Repository", sz(cx, d->repository));
        mput(cx, e, "Condition", sz(cx, d->condition));
        mput(cx, e, "Tags", strlist_any(cx, d->tags, d->ntags));
        mput(cx, e, "Enabled", ht_bool(d->enabled));
        ht_val iv = d->import_out ? *(ht_val *)d->import_out
                  : d->import_values ? ht_from_json(cx, d->import_values, HT_M_ANY) : ht_list_new(cx, 0, HT_L_ANY);
        mput(cx, e, "ImportValues", iv);
        mput(cx, e, "Alias", sz(cx, d->alias));
        deps.v.l->items[deps.v.l->n++] = e;
    }
    mput(cx, o, "Dependencies", deps);
    mput(cx, o, "Type", sz(cx, m->type));
    mput(cx, o, "IsRoot", ht_bool(rc->parent == NULL));
    return o;
}

/* ------------------------------------------------------------- templates */

typedef struct tpl_entry {
    const char *name;     /* chartpath/templates/x.yaml */
    const char *base;     /* path.Base */
    const ht_cfile *file;
    ht_val vals;          /* the chart's "next" map */
    const char *base_path;
} tpl_entry;

typedef struct {
    tpl_entry *v;
    size_t n, cap;
} tpl_list;

static void tpl_add(ht_ctx *cx, tpl_list *l, tpl_entry e)
{
    if (l->n == l->cap) {
        size_t nc = l->cap ? l->cap * 2 : 64;
        tpl_entry *nv = ht_cx_alloc(cx, nc * sizeof *nv);
        if (l->n) memcpy(nv, l->v, l->n * sizeof *nv);
        l->v = nv;
        l->cap = nc;
    }
    l->v[l->n++] = e;
}

static ht_val files_map(ht_ctx *cx, const ht_chart *c)
{
    ht_val m = ht_map_new(cx, HT_M_FILES);
    for (size_t i = 0; i < c->nfiles; i++) {
        ht_val b = ht_str_static(c->files[i].data ? c->files[i].data : "", c->files[i].len);
        b.k = HT_BYTES;
        ht_map_set(cx, m.v.m, c->files[i].name, strlen(c->files[i].name), b);
    }
    return m;
}

static ht_val all_tpls(ht_ctx *cx, ht_rchart *c, tpl_list *out, ht_val parent_vals)
{
    ht_val subcharts = ht_map_new(cx, HT_M_ANY);
    ht_val next = ht_map_new(cx, HT_M_ANY);
    mput(cx, next, "Chart", chart_map(cx, c));
    mput(cx, next, "Files", files_map(cx, c->src));
    ht_val *rel = ht_map_get(parent_vals.v.m, "Release", 7);
    ht_val *caps = ht_map_get(parent_vals.v.m, "Capabilities", 12);
    mput(cx, next, "Release", rel ? *rel : ht_nil());
    mput(cx, next, "Capabilities", caps ? *caps : ht_nil());
    ht_val values = ht_map_new(cx, HT_M_VALUES);
    if (!c->parent) {
        ht_val *v = ht_map_get(parent_vals.v.m, "Values", 6);
        if (v) values = *v;
    } else {
        ht_val *pv = ht_map_get(parent_vals.v.m, "Values", 6);
        ht_val *sv = pv && pv->k == HT_MAP ? ht_map_get(pv->v.m, c->name, strlen(c->name)) : NULL;
        if (sv && sv->k == HT_MAP && sv->v.m) {
            values = *sv;
            values.sub = HT_M_VALUES;
        }
    }
    mput(cx, next, "Values", values);
    mput(cx, next, "Subcharts", subcharts);
    for (size_t i = 0; i < c->ndeps; i++) {
        ht_val sub = all_tpls(cx, c->deps[i], out, next);
        mput(cx, subcharts, c->deps[i]->name, sub);
    }
    const char *full = ht_rchart_full_path(cx, c);
    ht_sb bp;
    ht_sb_init(&bp, cx);
    ht_sb_puts(&bp, full);
    ht_sb_puts(&bp, "/templates");
    const char *base_path = ht_sb_val(&bp).v.s;
    bool library = c->src->meta.type && strcasecmp(c->src->meta.type, "library") == 0;
    for (size_t i = 0; i < c->src->ntemplates; i++) {
        const ht_cfile *f = &c->src->templates[i];
        const char *b = strrchr(f->name, '/');
        b = b ? b + 1 : f->name;
        if (library && b[0] != '_') continue;
        ht_sb nm;
        ht_sb_init(&nm, cx);
        ht_sb_puts(&nm, full);
        ht_sb_putc(&nm, '/');
        ht_sb_puts(&nm, f->name);
        ht_val name = ht_sb_val(&nm);
        /* path.Join cleans */
        extern ht_val ht_path_clean(ht_ctx * cx, const char *p, size_t n);
        name = ht_path_clean(cx, name.v.s, name.n);
        const char *nb = strrchr(name.v.s, '/');
        tpl_entry e = {name.v.s, nb ? nb + 1 : name.v.s, f, next, base_path};
        /* later duplicates (same full name) replace earlier ones, like a map */
        bool replaced = false;
        for (size_t k = 0; k < out->n; k++)
            if (strcmp(out->v[k].name, e.name) == 0) {
                out->v[k] = e;
                replaced = true;
            }
        if (!replaced) tpl_add(cx, out, e);
    }
    return next;
}

static int count_slash(const char *s)
{
    int n = 0;
    for (; *s; s++)
        if (*s == '/') n++;
    return n;
}

/* sort.Sort(sort.Reverse(byPathLen)): deeper paths first, then descending */
static int tpl_cmp(const void *a, const void *b)
{
    const tpl_entry *x = a, *y = b;
    int cx_ = count_slash(x->name), cy = count_slash(y->name);
    if (cx_ != cy) return cx_ > cy ? -1 : 1;
    return -strcmp(x->name, y->name);
}

/* ------------------------------------------------------------- errors */

/* cleanupParseError */
static void parse_error(ht_ctx *cx, const char *filename)
{
    const char *e = cx->err ? cx->err : "";
    /* tokens split on ": " */
    const char *first = strstr(e, ": ");
    if (!first) {
        char *m = NULL;
        if (asprintf(&m, "parse error in (%s): %s", filename, e) < 0) m = NULL;
        ht_err_set_chain(cx, m, false, false);
        return;
    }
    const char *loc = first + 2;
    const char *loc_end = strstr(loc, ": ");
    size_t loc_len = loc_end ? (size_t)(loc_end - loc) : strlen(loc);
    const char *last = e;
    for (const char *p = strstr(e, ": "); p; p = strstr(p + 2, ": ")) last = p + 2;
    char *m = NULL;
    if (asprintf(&m, "parse error at (%.*s): %s", (int)loc_len, loc, last) < 0) m = NULL;
    ht_err_set_chain(cx, m, false, false);
}

typedef struct {
    char loc[1024];
    char fn[1024];
    char msg[8192];
    bool has_fn, has_loc, has_msg;
} traceable;

static char *trunc_at_template(const char *s)
{
    const char *cut = strstr(s, " template:");
    return cut ? strndup(s, (size_t)(cut - s)) : strdup(s);
}

/* parseTemplateExecErrorString; false when the message does not parse */
static bool parse_traceable(const char *s, traceable *t)
{
    memset(t, 0, sizeof *t);
    if (strncmp(s, "template: ", 10) != 0) return false;
    const char *rem = s + 10;
    if (strncmp(rem, "no template ", 12) == 0) {
        snprintf(t->msg, sizeof t->msg, "%s", s);
        t->has_msg = true;
        return true;
    }
    const char *ex = strstr(rem, ": executing ");
    if (ex) {
        const char *after = ex + 12;
        if (*after == '"') {
            const char *endq = strchr(after + 1, '"');
            if (endq && strncmp(endq + 1, " at <", 5) == 0) {
                const char *after_at = endq + 6;
                const char *cut = strstr(after_at, ">: ");
                if (cut) {
                    char *msg = trunc_at_template(cut + 3);
                    snprintf(t->loc, sizeof t->loc, "%.*s", (int)(ex - rem), rem);
                    snprintf(t->fn, sizeof t->fn, "executing \"%.*s\" at <%.*s>:", (int)(endq - after - 1), after + 1,
                             (int)(cut - after_at), after_at);
                    snprintf(t->msg, sizeof t->msg, "%s", msg);
                    free(msg);
                    t->has_loc = t->has_fn = t->has_msg = true;
                    return true;
                }
            }
        }
        /* the executing form did not parse: try the simple form */
    }
    const char *sep = NULL;
    for (const char *p = strstr(rem, ": "); p; p = strstr(p + 2, ": ")) sep = p;
    if (sep) {
        char *msg = trunc_at_template(sep + 2);
        snprintf(t->loc, sizeof t->loc, "%.*s", (int)(sep - rem), rem);
        snprintf(t->msg, sizeof t->msg, "%s", msg);
        free(msg);
        t->has_loc = t->has_msg = true;
        return true;
    }
    return false;
}

/* reformatExecErrorMsg */
static void exec_error(ht_ctx *cx, const char *filename)
{
    if (!cx->err_is_exec) return;
    const char *e = cx->err;
    /* tokens := SplitN(err, ": ", 3) */
    const char *t1 = strstr(e, ": ");
    const char *t2 = t1 ? strstr(t1 + 2, ": ") : NULL;
    if (!t1 || !t2) {
        char *m = NULL;
        if (asprintf(&m, "execution error in (%s): %s", filename, e) < 0) m = NULL;
        ht_err_set_chain(cx, m, false, false);
        return;
    }
    const char *location = t1 + 2;
    size_t loc_len = (size_t)(t2 - location);
    const char *rest = t2 + 2;
    const char *ws = strstr(rest, "HELM_ERR_START");
    if (ws) {
        const char *we = NULL;
        for (const char *p = strstr(ws, "HELM_ERR_END"); p; p = strstr(p + 1, "HELM_ERR_END")) we = p;
        if (we) {
            char *m = NULL;
            if (asprintf(&m, "execution error at (%.*s): %.*s", (int)loc_len, location, (int)(we - ws - 14), ws + 14) < 0) m = NULL;
            ht_err_set_chain(cx, m, false, false);
            return;
        }
    }
    /* walk the Unwrap chain; any element that does not parse: keep err */
    traceable *ts = calloc((size_t)cx->nchain + 1, sizeof *ts);
    int nt = 0;
    for (int i = 0; i < cx->nchain; i++) {
        traceable t;
        if (!parse_traceable(cx->chain[i], &t)) {
            free(ts);
            return;
        }
        if (nt == 0 || memcmp(&ts[nt - 1], &t, sizeof t) != 0) ts[nt++] = t;
    }
    ht_sb sb;
    ht_sb_init(&sb, cx);
    sb.max = (size_t)1 << 30;
    for (int i = 0; i < nt; i++) {
        if (ts[i].loc[0]) {
            ht_sb_puts(&sb, ts[i].loc);
            ht_sb_puts(&sb, "\n  ");
        }
        if (ts[i].fn[0]) {
            ht_sb_puts(&sb, ts[i].fn);
            ht_sb_puts(&sb, "\n    ");
        }
        if (ts[i].msg[0]) {
            ht_sb_puts(&sb, ts[i].msg);
            ht_sb_putc(&sb, '\n');
        }
    }
    free(ts);
    ht_val v = ht_sb_val(&sb);
    size_t st = 0, en = v.n;
    while (st < en && fc_u_is_space((unsigned char)v.v.s[st])) st++;
    while (en > st && fc_u_is_space((unsigned char)v.v.s[en - 1])) en--;
    ht_err_set_chain(cx, strndup(v.v.s + st, en - st), false, false);
}

/* ------------------------------------------------------------- the render */

typedef struct {
    const ht_chart *chart;
    const ht_values *values;
    const ht_render_opts *opts;
    ht_release *rel;
    int rc;
    char *err;
    int err_code;
} job;

static char *dupz(const char *s) { return strdup(s ? s : ""); }

static void crds_collect(ht_ctx *cx, ht_rchart *c, ht_release *rel)
{
    const char *full = ht_rchart_full_path(cx, c);
    for (size_t i = 0; i < c->src->nfiles; i++) {
        const char *n = c->src->files[i].name;
        size_t nl = strlen(n);
        if (strncmp(n, "crds/", 5) != 0) continue;
        bool ext = (nl > 5 && strcmp(n + nl - 5, ".yaml") == 0) || (nl > 4 && strcmp(n + nl - 4, ".yml") == 0) ||
                   (nl > 5 && strcmp(n + nl - 5, ".json") == 0);
        if (!ext) continue;
        ht_crd *nv = realloc(rel->crds, (rel->ncrds + 1) * sizeof *nv);
        if (!nv) ht_fatal(cx, "out of memory");
        rel->crds = nv;
        char *fn = NULL;
        if (asprintf(&fn, "%s/%s", full, n) < 0) ht_fatal(cx, "out of memory");
        rel->crds[rel->ncrds].filename = fn;
        rel->crds[rel->ncrds].content = strndup(c->src->files[i].data ? c->src->files[i].data : "", c->src->files[i].len);
        rel->ncrds++;
    }
    for (size_t i = 0; i < c->ndeps; i++) crds_collect(cx, c->deps[i], rel);
}

static int do_render(ht_ctx *cx, job *j)
{
    const ht_render_opts *o = j->opts;
    ht_release *rel = j->rel;
    ht_val uvals;
    if (user_values(cx, j->values, &uvals)) return -1;
    ht_rchart *root = ht_rchart_build(cx, j->chart, NULL);
    if (ht_process_dependencies(cx, root, uvals)) {
        char *m = strdup(cx->err ? cx->err : "");
        ht_errf(cx, "chart dependencies processing failed: %s", m);
        free(m);
        return -1;
    }
    /* capabilities */
    ht_capabilities *caps = ht_cx_alloc(cx, sizeof *caps);
    memset(caps, 0, sizeof *caps);
    const char *kv = o->kube_version && *o->kube_version ? o->kube_version : HT_DEFAULT_KUBE_VERSION;
    if (ht_kube_version_parse(kv, &caps->kube)) return ht_errf(cx, "invalid kube version '%s': %s", kv, fc_err_msg());
    size_t ndef = sizeof default_api_versions / sizeof default_api_versions[0];
    caps->napi = ndef + o->n_api_versions;
    caps->api_versions = ht_cx_alloc(cx, (caps->napi + 1) * sizeof *caps->api_versions);
    for (size_t i = 0; i < ndef; i++) caps->api_versions[i] = default_api_versions[i];
    for (size_t i = 0; i < o->n_api_versions; i++) caps->api_versions[ndef + i] = ht_cx_strndup(cx, o->api_versions[i], strlen(o->api_versions[i]));
    snprintf(caps->helm.version, sizeof caps->helm.version, "%s", HT_HELM_VERSION);
    snprintf(caps->helm.go_version, sizeof caps->helm.go_version, "go1.26.8");
    snprintf(caps->helm.kube_client_version, sizeof caps->helm.kube_client_version, "v1.37");
    ht_val caps_v = ht_obj_new(cx, &ht_capabilities_class, caps);
    /* ToRenderValues */
    ht_val top = ht_map_new(cx, HT_M_ANY);
    mput(cx, top, "Chart", chart_map(cx, root));
    mput(cx, top, "Capabilities", caps_v);
    ht_val relm = ht_map_new(cx, HT_M_ANY);
    mput(cx, relm, "Name", ht_strz(cx, o->release_name && *o->release_name ? o->release_name : "release-name"));
    mput(cx, relm, "Namespace", ht_strz(cx, o->namespace_ && *o->namespace_ ? o->namespace_ : "default"));
    mput(cx, relm, "IsUpgrade", ht_bool(o->is_upgrade));
    mput(cx, relm, "IsInstall", ht_bool(!o->is_upgrade));
    mput(cx, relm, "Revision", ht_int(o->revision ? o->revision : 1));
    mput(cx, relm, "Service", ht_strz(cx, "Helm"));
    mput(cx, top, "Release", relm);
    ht_val vals = ht_coalesce_values(cx, root, uvals, false);
    if (vals.k == HT_NIL) return -1;
    if (!o->skip_schema_validation && ht_validate_schemas(cx, root, vals)) return -1;
    vals.sub = HT_M_VALUES;
    mput(cx, top, "Values", vals);
    if (!o->skip_values) rel->values = ht_to_json(cx, vals, &(int){0});
    /* kubeVersion compatibility (renderResources) */
    const char *ckv = j->chart->meta.kube_version;
    if (ckv && *ckv && !ht_is_compatible_range(ckv, caps->kube.normalized[0] ? caps->kube.normalized : caps->kube.version)) {
        ht_errf(cx, "chart requires kubeVersion: %s which is incompatible with Kubernetes %s", ckv, caps->kube.version);
        return -2;
    }
    /* templates */
    tpl_list tl = {0};
    all_tpls(cx, root, &tl, top);
    if (tl.n) qsort(tl.v, tl.n, sizeof *tl.v, tpl_cmp);
    ht_tset *ts = ht_tset_new(cx, NULL);
    cx->tset = ts;
    for (size_t i = 0; i < tl.n; i++) {
        if (ht_parse(cx, ts, tl.v[i].name, tl.v[i].file->data ? tl.v[i].file->data : "", tl.v[i].file->len)) {
            parse_error(cx, tl.v[i].name);
            return -2;
        }
    }
    ht_rendered *files = ht_cx_alloc(cx, (tl.n + 1) * sizeof *files);
    /* big releases: read manifest heads on a second thread meanwhile */
    ht_heads *heads = tl.n >= 16 ? ht_heads_start(tl.n) : NULL;
    if (heads) ht_cleanup_push(cx, ht_heads_free, heads);
    size_t nfiles = 0;
    for (size_t i = 0; i < tl.n; i++) {
        if (tl.v[i].base[0] == '_') continue;
        ht_val tm = ht_map_new(cx, HT_M_VALUES);
        mput(cx, tm, "Name", ht_strz(cx, tl.v[i].name));
        mput(cx, tm, "BasePath", ht_strz(cx, tl.v[i].base_path));
        mput(cx, tl.v[i].vals, "Template", tm);
        ht_sb out;
        ht_sb_init(&out, cx);
        if (ht_exec(cx, ts, tl.v[i].name, tl.v[i].vals, &out)) {
            if (heads) ht_cleanup_pop(cx, true);
            exec_error(cx, tl.v[i].name);
            return -2;
        }
        files[nfiles].name = tl.v[i].name;
        files[nfiles].content = ht_strip_no_value(cx, ht_sb_val(&out));
        ht_heads_feed(heads, files[nfiles].name, files[nfiles].content.v.s, files[nfiles].content.n);
        nfiles++;
    }
    /* NOTES.txt */
    ht_sb notes;
    ht_sb_init(&notes, cx);
    ht_sb rootnotes;
    ht_sb_init(&rootnotes, cx);
    ht_sb_puts(&rootnotes, root->name);
    ht_sb_puts(&rootnotes, "/templates/NOTES.txt");
    const char *rn = ht_sb_val(&rootnotes).v.s;
    size_t keep = 0;
    for (size_t i = 0; i < nfiles; i++) {
        size_t nl = strlen(files[i].name);
        if (nl >= 9 && strcmp(files[i].name + nl - 9, "NOTES.txt") == 0) {
            if (o->sub_notes || strcmp(files[i].name, rn) == 0) {
                if (notes.len) ht_sb_putc(&notes, '\n');
                ht_sb_put(&notes, files[i].content.v.s, files[i].content.n);
            }
            continue;
        }
        files[keep++] = files[i];
    }
    nfiles = keep;
    rel->notes = strndup(notes.p ? notes.p : "", notes.len);
    int src = ht_sort_manifests(cx, files, nfiles, rel, heads);
    if (heads) ht_cleanup_pop(cx, true);
    if (src) return -2;
    crds_collect(cx, root, rel);
    return 0;
}

/* Run fn with a fresh context (arena, caps, fatal-error unwinding) on a
 * thread with a large stack: template recursion (include chains, deeply
 * nested data) is bounded by counters, not by the caller's stack. */
typedef struct ctx_run {
    int (*fn)(ht_ctx *cx, void *arg);
    void *arg;
    size_t max_memory, max_output;
    bool enable_dns, strict;
    int rc;   /* 0, or FC_E* */
    char *err;
} ctx_run;

static void *ctx_thread(void *p)
{
    ctx_run *r = p;
    ht_ctx *cx = calloc(1, sizeof *cx);
    if (!cx) {
        r->rc = FC_ENOMEM;
        r->err = strdup("out of memory");
        return NULL;
    }
    cx->arena = ht_arena_new(r->max_memory);
    cx->max_output = r->max_output;
    cx->enable_dns = r->enable_dns;
    cx->strict = r->strict;
    jmp_buf fatal;
    cx->fatal = &fatal;
    if (setjmp(fatal)) {
        r->rc = FC_ETOOBIG;
        r->err = strdup(cx->err ? cx->err : "render aborted");
        goto out;
    }
    int rc = r->fn(cx, r->arg);
    if (rc) {
        /* -2: the release exists and rendering failed (Helm then adds its
         * "Use --debug" hint); FC_EINVALID marks that case */
        r->rc = rc == -2 ? FC_EINVALID : FC_EINVAL;
        r->err = strdup(cx->err ? cx->err : "render failed");
    }
out:
    ht_err_clear(cx);
    ht_arena_free(cx->arena);
    free(cx);
    return NULL;
}

static __thread char *last_error;

const char *ht_last_error(void) { return last_error ? last_error : fc_err_msg(); }

static int run_in_ctx(ctx_run *r)
{
    free(last_error);
    last_error = NULL;
    if (!r->max_memory) r->max_memory = (size_t)1 << 30;
    if (!r->max_output) r->max_output = (size_t)64 << 20;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, RENDER_STACK);
    pthread_t th;
    if (pthread_create(&th, &attr, ctx_thread, r) != 0) {
        pthread_attr_destroy(&attr);
        ctx_thread(r); /* fall back to the calling thread */
    } else {
        pthread_attr_destroy(&attr);
        pthread_join(th, NULL);
    }
    if (!r->rc) return 0;
    int rc = fc_err_set(r->rc, "%s", r->err ? r->err : "render failed");
    last_error = r->err; /* the untruncated text */
    r->err = NULL;
    return rc;
}

/* "---\n# Source: PATH\nDOC\n" (appended directly: printf would scan the
 * whole document twice) */
static void put_source_doc(fc_buf *b, const char *path, const char *doc)
{
    fc_buf_puts(b, "---\n# Source: ");
    fc_buf_puts(b, path);
    fc_buf_putc(b, '\n');
    fc_buf_puts(b, doc);
    fc_buf_putc(b, '\n');
}

static int render_fn(ht_ctx *cx, void *arg) { return do_render(cx, arg); }

int ht_render(const ht_chart *chart, const ht_values *values, const ht_render_opts *opts, ht_release **out)
{
    *out = NULL;
    ht_render_opts defo = {0};
    job j = {chart, values, opts ? opts : &defo, NULL, 0, NULL, 0};
    j.rel = calloc(1, sizeof *j.rel);
    if (!j.rel) return fc_err_set(FC_ENOMEM, "out of memory");
    ctx_run r = {render_fn, &j, j.opts->max_memory_bytes, j.opts->max_output_bytes, j.opts->enable_dns, false, 0, NULL};
    int rc = run_in_ctx(&r);
    if (rc) {
        ht_release_free(j.rel);
        return rc;
    }
    /* release.Manifest */
    fc_buf m;
    fc_buf_init(&m, 0);
    for (size_t i = 0; i < j.rel->nmanifests; i++)
        put_source_doc(&m, j.rel->manifests[i].path, j.rel->manifests[i].content);
    j.rel->manifest = fc_buf_detach(&m, NULL);
    if (!j.rel->manifest) j.rel->manifest = dupz("");
    *out = j.rel;
    return 0;
}

/* ------------------------------------------------------------- helpers for tools and tests */

typedef struct {
    const ht_values *values;
    json_object *out;
} merged_job;

static int merged_fn(ht_ctx *cx, void *arg)
{
    merged_job *m = arg;
    ht_val v;
    if (user_values(cx, m->values, &v)) return -1;
    int e = 0;
    m->out = ht_to_json(cx, v, &e);
    if (!m->out) return ht_errf(cx, "values cannot be represented as JSON");
    return 0;
}

int ht_values_merged(const ht_values *values, json_object **out)
{
    *out = NULL;
    merged_job m = {values, NULL};
    ctx_run r = {merged_fn, &m, 0, 0, false, false, 0, NULL};
    int rc = run_in_ctx(&r);
    if (rc) {
        json_object_put(m.out);
        return rc;
    }
    *out = m.out;
    return 0;
}

typedef struct {
    const char *name, *text;
    size_t len;
    json_object *dot;
    char *out;
} eval_job;

static int eval_fn(ht_ctx *cx, void *arg)
{
    eval_job *e = arg;
    ht_tset *ts = ht_tset_new(cx, NULL);
    cx->tset = ts;
    if (ht_parse(cx, ts, e->name, e->text, e->len)) return -1;
    ht_val dot = e->dot ? ht_from_json(cx, e->dot, HT_M_ANY) : ht_nil();
    ht_sb out;
    ht_sb_init(&out, cx);
    if (ht_exec(cx, ts, e->name, dot, &out)) return -1;
    e->out = strndup(out.p ? out.p : "", out.len);
    if (!e->out) return ht_errf(cx, "out of memory");
    return 0;
}

int ht_template_eval(const char *name, const char *text, size_t len, json_object *dot, const ht_eval_opts *opts,
                     char **out)
{
    *out = NULL;
    ht_eval_opts defo = {0};
    if (!opts) opts = &defo;
    eval_job e = {name && *name ? name : "eval", text ? text : "", text ? len : 0, dot, NULL};
    ctx_run r = {eval_fn, &e, opts->max_memory_bytes ? opts->max_memory_bytes : ((size_t)256 << 20),
                 opts->max_output_bytes, false, opts->strict, 0, NULL};
    int rc = run_in_ctx(&r);
    if (rc) {
        free(e.out);
        return rc;
    }
    *out = e.out;
    return 0;
}

void ht_release_free(ht_release *r)
{
    if (!r) return;
    for (size_t i = 0; i < r->nmanifests; i++) {
        free(r->manifests[i].path);
        free(r->manifests[i].content);
        free(r->manifests[i].api_version);
        free(r->manifests[i].kind);
        free(r->manifests[i].name);
    }
    free(r->manifests);
    for (size_t i = 0; i < r->nhooks; i++) {
        ht_hook *h = &r->hooks[i];
        free(h->path);
        free(h->name);
        free(h->kind);
        free(h->manifest);
        for (size_t k = 0; k < h->nevents; k++) free(h->events[k]);
        free(h->events);
        for (size_t k = 0; k < h->ndelete_policies; k++) free(h->delete_policies[k]);
        free(h->delete_policies);
        for (size_t k = 0; k < h->noutput_log_policies; k++) free(h->output_log_policies[k]);
        free(h->output_log_policies);
    }
    free(r->hooks);
    for (size_t i = 0; i < r->ncrds; i++) {
        free(r->crds[i].filename);
        free(r->crds[i].content);
    }
    free(r->crds);
    free(r->notes);
    free(r->manifest);
    json_object_put(r->values);
    free(r);
}

char *ht_release_template_output(const ht_release *r, bool include_crds, bool skip_tests, size_t *len)
{
    fc_buf b;
    fc_buf_init(&b, 0);
    if (include_crds)
        for (size_t i = 0; i < r->ncrds; i++) put_source_doc(&b, r->crds[i].filename, r->crds[i].content);
    fc_buf_puts(&b, r->manifest ? r->manifest : "");
    /* strings.TrimSpace(rel.Manifest) + "\n" */
    const char *s = b.ptr ? b.ptr : "";
    size_t st = 0, en = b.len;
    while (st < en) {
        uint32_t cp;
        int w = fc_utf8_decode(s + st, en - st, &cp);
        if (!fc_u_is_space(cp)) break;
        st += (size_t)w;
    }
    while (en > st) {
        size_t p = en - 1;
        while (p > st && ((unsigned char)s[p] & 0xC0) == 0x80 && en - p < 4) p--;
        uint32_t cp;
        int w = fc_utf8_decode(s + p, en - p, &cp);
        if ((size_t)w != en - p) cp = (unsigned char)s[en - 1], p = en - 1;
        if (!fc_u_is_space(cp)) break;
        en = p;
    }
    fc_buf out;
    fc_buf_init(&out, 0);
    fc_buf_put(&out, s + st, en - st);
    fc_buf_putc(&out, '\n');
    fc_buf_dispose(&b);
    for (size_t i = 0; i < r->nhooks; i++) {
        const ht_hook *h = &r->hooks[i];
        if (skip_tests) {
            bool test = false;
            for (size_t k = 0; k < h->nevents; k++) test = test || strcmp(h->events[k], "test") == 0;
            if (test) continue;
        }
        put_source_doc(&out, h->path, h->manifest);
    }
    char *res = fc_buf_detach(&out, len);
    if (!res) {
        res = strdup("\n");
        if (len) *len = 1;
    }
    return res;
}
