/*
 * funcs_helm.c: the functions and objects Helm adds on top of Sprig
 * (pkg/engine/engine.go, funcs.go, files.go): include, tpl, required,
 * fail, lookup (always empty: no cluster), the .Files methods (Get,
 * GetBytes, Glob, Lines, AsConfig, AsSecrets), .Capabilities with its
 * KubeVersion / APIVersions / HelmVersion members, and the method dispatch
 * the executor uses for every value type.
 *
 * include counts nesting per template name like Helm (more than 1000 open
 * includes of one name fail with "rendering template has a nested
 * reference name"); tpl parses into an overlay namespace named "gotpl" on
 * top of the chart's templates, exactly like Helm's Clone + New("gotpl").
 */
#include "ht_internal.h"
#include "render_int.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FN(name) static int name(ht_ctx *cx, int argc, ht_val *argv, ht_val *out)
#define UNUSED_ARGS (void)cx, (void)argc, (void)argv

#define RECURSION_MAX 1000
#undef UNUSED_ARGS
#define UNUSED_ARGS (void)cx, (void)argc, (void)argv, (void)out

/* ------------------------------------------------------------- include / tpl */

static ht_val strip_no_value(ht_ctx *cx, ht_val s)
{
    if (!memmem(s.v.s, s.n, "<no value>", 10)) return s;
    ht_sb sb;
    ht_sb_init(&sb, cx);
    size_t last = 0;
    for (size_t i = 0; i + 10 <= s.n;) {
        if (memcmp(s.v.s + i, "<no value>", 10) == 0) {
            ht_sb_put(&sb, s.v.s + last, i - last);
            i += 10;
            last = i;
        } else {
            i++;
        }
    }
    ht_sb_put(&sb, s.v.s + last, s.n - last);
    return ht_sb_val(&sb);
}

ht_val ht_strip_no_value(ht_ctx *cx, ht_val s) { return strip_no_value(cx, s); }

FN(fn_include)
{
    UNUSED_ARGS;
    ht_val name = argv[0];
    if (!cx->included) cx->included = ht_map_new(cx, HT_M_ANY).v.m;
    ht_val *cnt = ht_map_get(cx->included, name.v.s, name.n);
    if (cnt) {
        if (cnt->v.i > RECURSION_MAX)
            return ht_errf(cx, "rendering template has a nested reference name: %s: unable to execute template", name.v.s);
        cnt->v.i++;
    } else {
        ht_map_set(cx, cx->included, name.v.s, name.n, ht_int(1));
        cnt = ht_map_get(cx->included, name.v.s, name.n);
    }
    ht_sb sb;
    ht_sb_init(&sb, cx);
    int rc = ht_exec(cx, cx->tset, name.v.s, ht_strip(argv[1]), &sb);
    cnt = ht_map_get(cx->included, name.v.s, name.n);
    if (cnt) cnt->v.i--;
    if (rc) return -1;
    *out = ht_sb_val(&sb);
    return 0;
}

#define TPL_MAX_DEPTH 1000

FN(fn_tpl)
{
    UNUSED_ARGS;
    ht_val text = argv[0];
    /* Helm has no limit (a template that tpl's itself exhausts Go's stack);
     * we stop at TPL_MAX_DEPTH nested tpl calls */
    if (cx->tpl_depth >= TPL_MAX_DEPTH) return ht_errf(cx, "tpl: nested more than %d levels deep", TPL_MAX_DEPTH);
    ht_tset *overlay = ht_tset_new(cx, cx->tset);
    if (ht_parse(cx, overlay, "gotpl", text.v.s, text.n)) {
        ht_sb sb;
        ht_sb_init(&sb, cx);
        sb.max = (size_t)1 << 30;
        ht_sb_puts(&sb, "cannot parse template ");
        ht_go_quote(text.v.s, text.n, &sb);
        ht_sb_puts(&sb, ": ");
        ht_sb_puts(&sb, cx->err);
        ht_err_set_chain(cx, strndup(sb.p, sb.len), false, true);
        return -1;
    }
    ht_sb sb;
    ht_sb_init(&sb, cx);
    ht_tset *saved = cx->tset;
    cx->tpl_depth++;
    int rc = ht_exec(cx, overlay, "gotpl", ht_strip(argv[1]), &sb);
    cx->tpl_depth--;
    cx->tset = saved;
    if (rc) {
        ht_sb m;
        ht_sb_init(&m, cx);
        m.max = (size_t)1 << 30;
        ht_sb_puts(&m, "error during tpl function execution for ");
        ht_go_quote(text.v.s, text.n, &m);
        ht_sb_puts(&m, ": ");
        ht_sb_puts(&m, cx->err);
        ht_err_set_chain(cx, strndup(m.p, m.len), false, true);
        return -1;
    }
    *out = strip_no_value(cx, ht_sb_val(&sb));
    return 0;
}

/* Helm wraps required/fail messages so the top-level error handler can
 * print "execution error at (file:line:col): message" */
static int warn_wrap(ht_ctx *cx, ht_val msg)
{
    return ht_errf(cx, "HELM_ERR_START%.*sHELM_ERR_END", (int)msg.n, msg.v.s);
}

FN(fn_required)
{
    UNUSED_ARGS;
    ht_val v = ht_strip(argv[1]);
    if (v.k == HT_NIL) return warn_wrap(cx, argv[0]);
    if (v.k == HT_STRING && v.n == 0) return warn_wrap(cx, argv[0]);
    *out = argv[1];
    return 0;
}

FN(fn_fail)
{
    UNUSED_ARGS;
    return warn_wrap(cx, argv[0]);
}

FN(fn_lookup)
{
    UNUSED_ARGS;
    *out = ht_map_new(cx, HT_M_ANY);
    return 0;
}

/* ------------------------------------------------------------- .Files */

/* gobwas/glob with '/' as separator: * ? [...] [!...] {a,b} ** and \ */
static bool glob_match(const char *p, size_t pn, const char *s, size_t sn, int depth)
{
    if (depth > 1000) return false;
    size_t pi = 0, si = 0;
    while (pi < pn) {
        char c = p[pi];
        if (c == '*') {
            bool super = pi + 1 < pn && p[pi + 1] == '*';
            size_t rest = pi + (super ? 2 : 1);
            for (size_t k = si;; k++) {
                if (glob_match(p + rest, pn - rest, s + k, sn - k, depth + 1)) return true;
                if (k >= sn) return false;
                if (!super && s[k] == '/') return false;
            }
        }
        if (c == '{') {
            /* alternatives up to the matching '}' */
            size_t end = pi + 1;
            int lvl = 1;
            while (end < pn && lvl) {
                if (p[end] == '\\') end++;
                else if (p[end] == '{') lvl++;
                else if (p[end] == '}') lvl--;
                if (lvl) end++;
            }
            if (end >= pn) return false;
            size_t st = pi + 1;
            int l2 = 0;
            for (size_t k = pi + 1; k <= end; k++) {
                if (k < end && p[k] == '\\') {
                    k++;
                    continue;
                }
                if (k < end && p[k] == '{') l2++;
                else if (k < end && p[k] == '}') l2--;
                if (k == end || (p[k] == ',' && l2 == 0)) {
                    /* alternative p[st..k) + rest */
                    size_t alen = k - st, rlen = pn - end - 1;
                    char *buf = malloc(alen + rlen + 1);
                    if (!buf) return false;
                    memcpy(buf, p + st, alen);
                    memcpy(buf + alen, p + end + 1, rlen);
                    bool m = glob_match(buf, alen + rlen, s + si, sn - si, depth + 1);
                    free(buf);
                    if (m) return true;
                    st = k + 1;
                }
            }
            return false;
        }
        if (si >= sn) return false;
        if (c == '?') {
            if (s[si] == '/') return false;
            uint32_t r;
            si += (size_t)fc_utf8_decode(s + si, sn - si, &r);
            pi++;
            continue;
        }
        if (c == '[') {
            size_t k = pi + 1;
            bool neg = k < pn && (p[k] == '!' || p[k] == '^');
            if (neg) k++;
            uint32_t r;
            int w = fc_utf8_decode(s + si, sn - si, &r);
            bool hit = false;
            size_t start = k;
            while (k < pn && (p[k] != ']' || k == start)) {
                uint32_t lo, hi;
                k += (size_t)fc_utf8_decode(p + k, pn - k, &lo);
                hi = lo;
                if (k + 1 < pn && p[k] == '-' && p[k + 1] != ']') {
                    k++;
                    k += (size_t)fc_utf8_decode(p + k, pn - k, &hi);
                }
                if (r >= lo && r <= hi) hit = true;
            }
            if (k >= pn) return false;
            if (hit == neg || r == '/') return false;
            si += (size_t)w;
            pi = k + 1;
            continue;
        }
        if (c == '\\' && pi + 1 < pn) {
            pi++;
            c = p[pi];
        }
        if (s[si] != c) return false;
        si++;
        pi++;
    }
    return si == sn;
}

bool ht_glob_match(const char *pat, size_t pn, const char *s, size_t sn) { return glob_match(pat, pn, s, sn, 0); }

static bool glob_valid(const char *p, size_t n)
{
    int braces = 0;
    for (size_t i = 0; i < n; i++) {
        if (p[i] == '\\') {
            if (i + 1 >= n) return false;
            i++;
            continue;
        }
        if (p[i] == '{') braces++;
        if (p[i] == '}') braces--;
        if (p[i] == '[') {
            const char *e = memchr(p + i + 1, ']', n - i - 1);
            if (!e) return false;
        }
        if (braces < 0) return false;
    }
    return braces == 0;
}

static ht_val files_entry(ht_val files, ht_val name, bool *found)
{
    ht_val *e = files.v.m ? ht_map_get(files.v.m, name.v.s, name.n) : NULL;
    *found = e != NULL;
    return e ? *e : ht_str_static("", 0);
}

FN(m_files_get)
{
    UNUSED_ARGS;
    bool f;
    ht_val v = files_entry(argv[0], argv[1], &f);
    v.k = HT_STRING;
    *out = v;
    return 0;
}

FN(m_files_get_bytes)
{
    UNUSED_ARGS;
    bool f;
    ht_val v = files_entry(argv[0], argv[1], &f);
    v.k = HT_BYTES;
    *out = v;
    return 0;
}

FN(m_files_glob)
{
    UNUSED_ARGS;
    ht_val pat = argv[1];
    if (!glob_valid(pat.v.s, pat.n)) pat = ht_str_static("**", 2);
    ht_val nf = ht_map_new(cx, HT_M_FILES);
    uint32_t n;
    ht_mentry **es = ht_map_sorted(cx, argv[0].v.m, &n);
    for (uint32_t i = 0; i < n; i++)
        if (glob_match(pat.v.s, pat.n, es[i]->key, es[i]->klen, 0)) ht_map_set(cx, nf.v.m, es[i]->key, es[i]->klen, es[i]->val);
    *out = nf;
    return 0;
}

FN(m_files_lines)
{
    UNUSED_ARGS;
    bool f;
    ht_val v = files_entry(argv[0], argv[1], &f);
    ht_val l = ht_list_new(cx, 0, HT_L_STRING);
    if (!argv[0].v.m || v.n == 0) {
        *out = l;
        return 0;
    }
    size_t n = v.n;
    if (v.v.s[n - 1] == '\n') n--;
    size_t st = 0;
    for (size_t i = 0; i <= n; i++)
        if (i == n || v.v.s[i] == '\n') {
            ht_list_push(cx, &l, ht_str(cx, v.v.s + st, i - st));
            st = i + 1;
        }
    *out = l;
    return 0;
}

static int files_as(ht_ctx *cx, ht_val files, ht_val *out, bool secrets)
{
    if (!files.v.m) {
        *out = ht_str_static("", 0);
        return 0;
    }
    ht_val m = ht_map_new(cx, HT_M_STRING);
    uint32_t n;
    ht_mentry **es = ht_map_sorted(cx, files.v.m, &n);
    for (uint32_t i = 0; i < n; i++) {
        const char *k = es[i]->key;
        size_t kl = es[i]->klen;
        /* path.Base */
        while (kl > 1 && k[kl - 1] == '/') kl--;
        const char *slash = NULL;
        for (size_t j = kl; j > 0; j--)
            if (k[j - 1] == '/') {
                slash = k + j - 1;
                break;
            }
        const char *b = slash ? slash + 1 : k;
        size_t bl = kl - (size_t)(b - k);
        ht_val v = es[i]->val;
        v.k = HT_STRING;
        if (secrets) {
            ht_val enc;
            ht_func_lookup("b64enc")->fn(cx, 1, &v, &enc);
            v = enc;
        }
        ht_map_set(cx, m.v.m, b, bl, v);
    }
    if (ht_to_yaml(cx, m, out)) {
        ht_err_clear(cx);
        *out = ht_str_static("", 0);
    }
    return 0;
}

FN(m_files_as_config)
{
    UNUSED_ARGS;
    return files_as(cx, argv[0], out, false);
}

FN(m_files_as_secrets)
{
    UNUSED_ARGS;
    return files_as(cx, argv[0], out, true);
}

static const ht_funcdef files_methods[] = {
    {"AsConfig", m_files_as_config, 0, false, {0}, P_STRING, 0},
    {"AsSecrets", m_files_as_secrets, 0, false, {0}, P_STRING, 0},
    {"Get", m_files_get, 1, false, {P_STRING}, P_STRING, 0},
    {"GetBytes", m_files_get_bytes, 1, false, {P_STRING}, P_RAW, 0},
    {"Glob", m_files_glob, 1, false, {P_STRING}, P_RAW, 0},
    {"Lines", m_files_lines, 1, false, {P_STRING}, P_STRLIST, 0},
    {NULL, NULL, 0, false, {0}, 0, 0},
};

/* ------------------------------------------------------------- Capabilities */

FN(m_versionset_has)
{
    UNUSED_ARGS;
    ht_val *items;
    uint32_t n;
    bool found = false;
    if (ht_as_items(cx, argv[0], &items, &n))
        for (uint32_t i = 0; i < n && !found; i++)
            found = items[i].n == argv[1].n && memcmp(items[i].v.s, argv[1].v.s, argv[1].n) == 0;
    *out = ht_bool(found);
    return 0;
}

static const ht_funcdef versionset_methods[] = {
    {"Has", m_versionset_has, 1, false, {P_STRING}, P_BOOL, 0},
    {NULL, NULL, 0, false, {0}, 0, 0},
};

/* KubeVersion */
static bool kv_field(ht_ctx *cx, ht_obj *o, const char *name, ht_val *out)
{
    const ht_kube_version *kv = o->data;
    if (strcmp(name, "Version") == 0) { *out = ht_strz(cx, kv->version); return true; }
    if (strcmp(name, "Major") == 0) { *out = ht_strz(cx, kv->major); return true; }
    if (strcmp(name, "Minor") == 0) { *out = ht_strz(cx, kv->minor); return true; }
    return false;
}

static void kv_string(ht_obj *o, ht_sb *out)
{
    const ht_kube_version *kv = o->data;
    ht_sb_puts(out, kv->normalized[0] ? kv->normalized : kv->version);
}

static void kv_print(ht_obj *o, ht_sb *out)
{
    const ht_kube_version *kv = o->data;
    ht_sb_printf(out, "{%s %s %s %s}", kv->version, kv->normalized, kv->major, kv->minor);
}

FN(m_kv_string)
{
    UNUSED_ARGS;
    const ht_kube_version *kv = argv[0].v.o->data;
    *out = ht_strz(cx, kv->normalized[0] ? kv->normalized : kv->version);
    return 0;
}

FN(m_kv_git_version)
{
    UNUSED_ARGS;
    const ht_kube_version *kv = argv[0].v.o->data;
    *out = ht_strz(cx, kv->version);
    return 0;
}

static const ht_funcdef kv_methods[] = {
    {"GitVersion", m_kv_git_version, 0, false, {0}, P_STRING, 0},
    {"String", m_kv_string, 0, false, {0}, P_STRING, 0},
    {NULL, NULL, 0, false, {0}, 0, 0},
};

static const ht_funcdef *find_method(const ht_funcdef *t, const char *name)
{
    for (; t->name; t++)
        if (strcmp(t->name, name) == 0) return t;
    return NULL;
}

static const ht_funcdef *kv_method(const char *name) { return find_method(kv_methods, name); }

static ht_val kv_value(ht_ctx *cx, ht_obj *o)
{
    const ht_kube_version *kv = o->data;
    ht_val m = ht_map_new(cx, HT_M_ANY);
    ht_map_set(cx, m.v.m, "Version", 7, ht_strz(cx, kv->version));
    ht_map_set(cx, m.v.m, "Major", 5, ht_strz(cx, kv->major));
    ht_map_set(cx, m.v.m, "Minor", 5, ht_strz(cx, kv->minor));
    return m;
}

const ht_class ht_kube_version_class = {"common.KubeVersion", "struct", false, kv_field, kv_method, kv_print, kv_value, false, kv_string};

/* BuildInfo */
static bool hv_field(ht_ctx *cx, ht_obj *o, const char *name, ht_val *out)
{
    const ht_helm_version *hv = o->data;
    if (strcmp(name, "Version") == 0) { *out = ht_strz(cx, hv->version); return true; }
    if (strcmp(name, "GitCommit") == 0) { *out = ht_strz(cx, hv->git_commit); return true; }
    if (strcmp(name, "GitTreeState") == 0) { *out = ht_strz(cx, hv->git_tree_state); return true; }
    if (strcmp(name, "GoVersion") == 0) { *out = ht_strz(cx, hv->go_version); return true; }
    if (strcmp(name, "KubeClientVersion") == 0) { *out = ht_strz(cx, hv->kube_client_version); return true; }
    return false;
}

static void hv_print(ht_obj *o, ht_sb *out)
{
    const ht_helm_version *hv = o->data;
    ht_sb_printf(out, "{%s %s %s %s %s}", hv->version, hv->git_commit, hv->git_tree_state, hv->go_version, hv->kube_client_version);
}

static ht_val hv_value(ht_ctx *cx, ht_obj *o)
{
    const ht_helm_version *hv = o->data;
    ht_val m = ht_map_new(cx, HT_M_ANY);
    if (hv->version[0]) ht_map_set(cx, m.v.m, "version", 7, ht_strz(cx, hv->version));
    if (hv->git_commit[0]) ht_map_set(cx, m.v.m, "git_commit", 10, ht_strz(cx, hv->git_commit));
    if (hv->git_tree_state[0]) ht_map_set(cx, m.v.m, "git_tree_state", 14, ht_strz(cx, hv->git_tree_state));
    if (hv->go_version[0]) ht_map_set(cx, m.v.m, "go_version", 10, ht_strz(cx, hv->go_version));
    ht_map_set(cx, m.v.m, "kube_client_version", 19, ht_strz(cx, hv->kube_client_version));
    return m;
}

const ht_class ht_helm_version_class = {"version.BuildInfo", "struct", false, hv_field, NULL, hv_print, hv_value, false};

/* Capabilities */
static ht_val caps_versions(ht_ctx *cx, const ht_capabilities *c)
{
    ht_val l = ht_list_new(cx, (uint32_t)c->napi, HT_L_VERSIONSET);
    for (size_t i = 0; i < c->napi; i++) l.v.l->items[i] = ht_strz(cx, c->api_versions[i]);
    l.v.l->n = (uint32_t)c->napi;
    return l;
}

static bool caps_field(ht_ctx *cx, ht_obj *o, const char *name, ht_val *out)
{
    ht_capabilities *c = o->data;
    if (strcmp(name, "KubeVersion") == 0) {
        *out = ht_obj_new(cx, &ht_kube_version_class, &c->kube);
        return true;
    }
    if (strcmp(name, "APIVersions") == 0) {
        *out = caps_versions(cx, c);
        return true;
    }
    if (strcmp(name, "HelmVersion") == 0) {
        *out = ht_obj_new(cx, &ht_helm_version_class, &c->helm);
        return true;
    }
    return false;
}

static void caps_print(ht_obj *o, ht_sb *out)
{
    ht_capabilities *c = o->data;
    ht_sb_printf(out, "{{%s %s %s %s} [", c->kube.version, c->kube.normalized, c->kube.major, c->kube.minor);
    for (size_t i = 0; i < c->napi; i++) {
        if (i) ht_sb_putc(out, ' ');
        ht_sb_puts(out, c->api_versions[i]);
    }
    ht_sb_puts(out, "] ");
    ht_obj tmp = {&ht_helm_version_class, &c->helm};
    hv_print(&tmp, out);
    ht_sb_putc(out, '}');
}

static ht_val caps_value(ht_ctx *cx, ht_obj *o)
{
    ht_capabilities *c = o->data;
    ht_val m = ht_map_new(cx, HT_M_ANY);
    ht_obj kv = {&ht_kube_version_class, &c->kube}, hv = {&ht_helm_version_class, &c->helm};
    ht_map_set(cx, m.v.m, "KubeVersion", 11, kv_value(cx, &kv));
    ht_val vs = caps_versions(cx, c);
    vs.sub = HT_L_STRING;
    ht_map_set(cx, m.v.m, "APIVersions", 11, vs);
    ht_map_set(cx, m.v.m, "HelmVersion", 11, hv_value(cx, &hv));
    return m;
}

const ht_class ht_capabilities_class = {"*common.Capabilities", "ptr", true, caps_field, NULL, caps_print, caps_value, false};

/* ------------------------------------------------------------- dispatch */

const ht_funcdef *ht_time_method(const char *name);
const ht_funcdef *ht_duration_method(const char *name);

const ht_funcdef *ht_method_lookup(ht_val recv, const char *name)
{
    switch (recv.k) {
    case HT_MAP: return recv.sub == HT_M_FILES ? find_method(files_methods, name) : NULL;
    case HT_LIST: return recv.sub == HT_L_VERSIONSET ? find_method(versionset_methods, name) : NULL;
    case HT_TIME: return ht_time_method(name);
    case HT_DURATION: return ht_duration_method(name);
    case HT_OBJ: return recv.v.o->cls->method ? recv.v.o->cls->method(name) : NULL;
    default: return NULL;
    }
}

#define S P_STRING
#define A P_ANY

const ht_funcdef ht_funcs_helm[] = {
    {"fail", fn_fail, 1, false, {S}, S, 0},
    {"include", fn_include, 2, false, {S, A}, S, 0},
    {"lookup", fn_lookup, 4, false, {S, S, S, S}, P_MAP, 0},
    {"required", fn_required, 2, false, {S, A}, A, 0},
    {"tpl", fn_tpl, 2, false, {S, A}, S, 0},
    {NULL, NULL, 0, false, {0}, 0, 0},
};
