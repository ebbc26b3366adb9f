/*
 * ks_build.c: the build itself, shaped like kustomize's KustTarget:
 *
 *   accumulate(target, ra):
 *     resources (files, or directories built recursively with a fresh
 *     accumulator and then appended, ids checked) -> configurations and
 *     crds merged into the transformer config -> generators (absorbed:
 *     create/merge/replace) -> components (built on this same
 *     accumulator) -> transformers in kustomize's order: patchesStrategic-
 *     Merge, patches, namespace, namePrefix, nameSuffix, labels then
 *     commonLabels, commonAnnotations, patchesJson6902, replicas, images,
 *     replacements -> vars recorded.
 *   top level only: hash suffixes for generated ConfigMaps/Secrets, name
 *   references fixed, vars resolved, local-config resources dropped, the
 *   legacy (or sortOptions) order, build metadata removed and annotation
 *   maps rewritten as kustomize's final SetAnnotations leaves them.
 */
#include "ks_internal.h"
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int ks_crds_config(const ks_loader *l, const ks_kust *k, ks_tconfig *tc);
int ks_vars_merge(json_object *vars, ks_resmap *m, const ks_kust *k);
int ks_vars_resolve(json_object *vars, ks_resmap *m, const ks_tconfig *tc);

typedef struct ks_acc {
    ks_resmap rm;
    ks_tconfig *tc;
    json_object *vars; /* array of var objects */
} ks_acc;

static int acc_init(ks_acc *a)
{
    ks_resmap_init(&a->rm);
    a->tc = ks_tconfig_new();
    a->vars = json_object_new_array();
    if (!a->tc || !a->vars) return fc_err_set(FC_ENOMEM, "out of memory");
    return 0;
}

static void acc_dispose(ks_acc *a)
{
    ks_resmap_dispose(&a->rm);
    ks_tconfig_free(a->tc);
    json_object_put(a->vars);
}

static int merge_vars_sets(json_object *dst, json_object *src)
{
    size_t n = json_object_array_length(src);
    for (size_t i = 0; i < n; i++) {
        json_object *v = json_object_array_get_idx(src, i);
        const char *name = ks_obj_str(v, "name");
        size_t dn = json_object_array_length(dst);
        for (size_t j = 0; j < dn; j++)
            if (ks_str_eq(ks_obj_str(json_object_array_get_idx(dst, j), "name"), name))
                return fc_err_set(FC_EINVAL, "var '%s' already encountered", name ? name : "");
        json_object_array_add(dst, json_object_get(v));
    }
    return 0;
}

/* ResAccumulator.MergeAccumulator */
static int acc_merge(ks_acc *dst, ks_acc *src)
{
    if (ks_resmap_append_all(&dst->rm, &src->rm)) return -1;
    if (ks_tconfig_merge(dst->tc, src->tc)) return -1;
    return merge_vars_sets(dst->vars, src->vars);
}

static const char *const kust_names[] = {"kustomization.yaml", "kustomization.yml", "Kustomization"};

static int load_kustomization(const ks_loader *l, ks_kust **out)
{
    *out = NULL;
    fc_buf found;
    char *real = NULL;
    int matches = 0;
    memset(&found, 0, sizeof found);
    for (size_t i = 0; i < 3; i++) {
        char *joined = ks_join(l->root, "/", kust_names[i]);
        bool exists = joined && access(joined, F_OK) == 0;
        free(joined);
        if (!exists) continue;
        fc_buf b;
        char *r = NULL;
        if (ks_loader_read(l, kust_names[i], &b, &r)) {
            fc_buf_dispose(&found);
            free(real);
            return -1;
        }
        matches++;
        fc_buf_dispose(&found);
        free(real);
        found = b;
        real = r;
    }
    if (matches == 0) {
        return fc_err_set(FC_ENOTFOUND,
                          "unable to find one of 'kustomization.yaml', 'kustomization.yml' or 'Kustomization' in "
                          "directory '%s'",
                          ks_display_path(l->ctx, l->root));
    }
    if (matches > 1) {
        fc_buf_dispose(&found);
        free(real);
        return fc_err_set(FC_EINVAL, "Found multiple kustomization files under: %s", ks_display_path(l->ctx, l->root));
    }
    int rc = ks_kust_parse(found.ptr, found.len, ks_display_path(l->ctx, real), &l->ctx->ylim, out);
    fc_buf_dispose(&found);
    free(real);
    if (rc) return rc;
    ks_kust *k = *out;
    static const char *const unsupported[] = {"openapi", "buildMetadata", NULL};
    for (int i = 0; unsupported[i]; i++) {
        if (ks_klen(k, unsupported[i]) > 0) {
            rc = fc_err_set(FC_EINVAL, "%s: '%s' is not supported by this kustomize engine", k->file, unsupported[i]);
            ks_kust_free(k);
            *out = NULL;
            return rc;
        }
    }
    return 0;
}

static int accumulate_target(const ks_loader *l, ks_kust *k, ks_acc *ra);

static int accumulate_directory(const ks_loader *parent, const char *pfile, const char *path, ks_acc *ra,
                                bool component)
{
    ks_loader child;
    if (ks_loader_child(parent, path, &child)) return fc_err_wrap("%s: %s", pfile, component ? "components" : "resources");
    ks_kust *k = NULL;
    int rc = load_kustomization(&child, &k);
    if (rc && !k) fc_err_wrap("%s: %s '%s'", pfile, component ? "components" : "resources", path);
    if (!rc) {
        if (component && !k->is_component)
            rc = fc_err_set(FC_EINVAL, "%s: components: expected kind 'Component' for path '%s' but got '%s'", pfile,
                            ks_display_path(child.ctx, child.root), ks_ks(k, "kind"));
        else if (!component && k->is_component)
            rc = fc_err_set(FC_EINVAL, "%s: resources: expected kind != 'Component' for path '%s'", pfile,
                            ks_display_path(child.ctx, child.root));
    }
    if (!rc) {
        if (component) {
            rc = accumulate_target(&child, k, ra);
        } else {
            ks_acc sub;
            rc = acc_init(&sub);
            if (!rc) rc = accumulate_target(&child, k, &sub);
            if (!rc) rc = acc_merge(ra, &sub);
            acc_dispose(&sub);
        }
    }
    ks_kust_free(k);
    ks_loader_dispose(&child);
    return rc;
}

static int accumulate_resources(const ks_loader *l, const ks_kust *k, ks_acc *ra)
{
    json_object *res = ks_kv(k, "resources");
    size_t n = ks_is_seq(res) ? json_object_array_length(res) : 0;
    for (size_t i = 0; i < n; i++) {
        const char *p = json_object_get_string(json_object_array_get_idx(res, i));
        fc_buf b;
        char *real = NULL;
        if (ks_loader_read(l, p, &b, &real) == 0) {
            ks_resmap got;
            ks_resmap_init(&got);
            int rc = ks_parse_resources(l->ctx, b.ptr, b.len, ks_display_path(l->ctx, real), KS_YAML_RAW_ANNOTATIONS,
                                        &got);
            fc_buf_dispose(&b);
            free(real);
            if (!rc) rc = ks_resmap_append_all(&ra->rm, &got);
            ks_resmap_dispose(&got);
            if (rc) return fc_err_wrap("%s: resources", k->file);
            continue;
        }
        int code = fc_err_code();
        if (code == KS_EISDIR) {
            if (accumulate_directory(l, k->file, p, ra, false)) return -1;
            continue;
        }
        if (code == FC_ENOTFOUND && ks_is_remote(p))
            return fc_err_set(FC_EFORBIDDEN,
                              "%s: remote resource '%s' refused: remote bases (URLs and git repositories) are not "
                              "supported; vendor the base into the source",
                              k->file, p);
        return fc_err_wrap("%s: resources", k->file);
    }
    return 0;
}

static int configurations(const ks_loader *l, const ks_kust *k, ks_tconfig *tc)
{
    json_object *cfg = ks_kv(k, "configurations");
    size_t n = ks_is_seq(cfg) ? json_object_array_length(cfg) : 0;
    for (size_t i = 0; i < n; i++) {
        const char *p = json_object_get_string(json_object_array_get_idx(cfg, i));
        fc_buf b;
        char *real = NULL;
        if (ks_loader_read(l, p, &b, &real)) return fc_err_wrap("%s: configurations", k->file);
        json_object *j = NULL;
        int rc = ks_tconfig_decode(b.ptr, b.len, ks_display_path(l->ctx, real), &l->ctx->ylim, &j);
        fc_buf_dispose(&b);
        free(real);
        ks_tconfig *one = NULL;
        if (!rc) rc = ks_tconfig_from_json(j, &one);
        json_object_put(j);
        if (!rc) rc = ks_tconfig_merge(tc, one);
        ks_tconfig_free(one);
        if (rc) return rc;
    }
    return 0;
}

static int run_generators(const ks_loader *l, const ks_kust *k, ks_acc *ra)
{
    ks_resmap gen;
    ks_resmap_init(&gen);
    int rc = ks_generate(l, k, &gen);
    /* each generator's output is absorbed in order */
    for (size_t i = 0; i < gen.n && !rc; i++) {
        ks_resmap one;
        ks_resmap_init(&one);
        rc = ks_resmap_push(&one, gen.v[i]);
        gen.v[i] = NULL;
        if (!rc) rc = ks_resmap_absorb_all(&ra->rm, &one);
        ks_resmap_dispose(&one);
        if (rc) fc_err_wrap("%s: merging from generator", k->file);
    }
    for (size_t i = 0; i < gen.n; i++) ks_res_free(gen.v[i]);
    free(gen.v);
    return rc;
}

static int run_transformers(const ks_loader *l, const ks_kust *k, ks_acc *ra)
{
    ks_resmap *m = &ra->rm;
    const ks_tconfig *tc = ra->tc;
    if (ks_run_psm(m, l, k)) return -1;
    if (ks_run_patches(m, l, k)) return -1;
    if (ks_tr_namespace(m, ks_ks(k, "namespace"), &tc->namespace_)) return fc_err_wrap("%s: namespace", k->file);
    if (ks_tr_prefix(m, ks_ks(k, "namePrefix"), &tc->name_prefix)) return fc_err_wrap("%s: namePrefix", k->file);
    if (ks_tr_suffix(m, ks_ks(k, "nameSuffix"), &tc->name_suffix)) return fc_err_wrap("%s: nameSuffix", k->file);
    json_object *labels = ks_kv(k, "labels");
    size_t nl = ks_is_seq(labels) ? json_object_array_length(labels) : 0;
    for (size_t i = 0; i < nl; i++) {
        json_object *lab = json_object_array_get_idx(labels, i);
        ks_fsslice fss;
        if (ks_fsslice_from_json(ks_obj_get(lab, "fields"), &fss)) return -1;
        json_object *is = ks_obj_get(lab, "includeSelectors"), *it = ks_obj_get(lab, "includeTemplates");
        int rc = 0;
        if (is && json_object_get_boolean(is)) {
            rc = ks_fsslice_merge_all(&fss, &tc->common_labels);
        } else {
            if (it && json_object_get_boolean(it)) rc = ks_fsslice_merge_all(&fss, &tc->template_labels);
            ks_fieldspec meta = {"", "", "", "metadata/labels", true};
            if (!rc) rc = ks_fsslice_merge_one(&fss, &meta);
        }
        if (!rc) rc = ks_tr_labels(m, ks_obj_get(lab, "pairs"), &fss);
        ks_fsslice_dispose(&fss);
        if (rc) return fc_err_wrap("%s: labels", k->file);
    }
    if (ks_tr_labels(m, ks_kv(k, "commonLabels"), &tc->common_labels)) return fc_err_wrap("%s: commonLabels", k->file);
    if (ks_tr_annotations(m, ks_kv(k, "commonAnnotations"), &tc->common_annotations))
        return fc_err_wrap("%s: commonAnnotations", k->file);
    if (ks_run_json6902(m, l, k)) return -1;
    json_object *reps = ks_kv(k, "replicas");
    size_t nr = ks_is_seq(reps) ? json_object_array_length(reps) : 0;
    for (size_t i = 0; i < nr; i++)
        if (ks_tr_replicas(m, json_object_array_get_idx(reps, i), &tc->replicas)) return fc_err_wrap("%s", k->file);
    json_object *imgs = ks_kv(k, "images");
    size_t ni = ks_is_seq(imgs) ? json_object_array_length(imgs) : 0;
    for (size_t i = 0; i < ni; i++)
        if (ks_tr_image(m, json_object_array_get_idx(imgs, i), &tc->images)) return fc_err_wrap("%s: images", k->file);
    if (ks_run_replacements(m, l, k)) return -1;
    return 0;
}

static int accumulate_target(const ks_loader *l, ks_kust *k, ks_acc *ra)
{
    if (accumulate_resources(l, k, ra)) return -1;
    /* defaults plus this kustomization's configuration files and CRDs */
    ks_tconfig *tc = ks_tconfig_new();
    int rc = tc ? ks_tconfig_merge(tc, l->ctx->builtin) : fc_err_set(FC_ENOMEM, "out of memory");
    if (!rc) rc = configurations(l, k, tc);
    if (!rc) rc = ks_tconfig_merge(ra->tc, tc);
    ks_tconfig_free(tc);
    if (rc) return rc;
    tc = ks_tconfig_new();
    rc = tc ? ks_crds_config(l, k, tc) : fc_err_set(FC_ENOMEM, "out of memory");
    if (!rc) rc = ks_tconfig_merge(ra->tc, tc);
    ks_tconfig_free(tc);
    if (rc) return rc;
    if (run_generators(l, k, ra)) return -1;
    json_object *comps = ks_kv(k, "components");
    size_t nc = ks_is_seq(comps) ? json_object_array_length(comps) : 0;
    for (size_t i = 0; i < nc; i++)
        if (accumulate_directory(l, k->file, json_object_get_string(json_object_array_get_idx(comps, i)), ra, true))
            return -1;
    if (run_transformers(l, k, ra)) return -1;
    /* maps the transformers made or grew go back to their size */
    for (size_t i = 0; i < ra->rm.n; i++) ks_json_compact_deep(ra->rm.v[i]->obj, 0);
    return ks_vars_merge(ra->vars, &ra->rm, k);
}

/* ------------------------------------------------------------- finishing */

static int add_hashes(ks_resmap *m)
{
    for (size_t i = 0; i < m->n; i++) {
        ks_res *r = m->v[i];
        if (!r->generated || !r->hash) continue;
        char h[11];
        if (ks_hash_resource(r, h)) return -1;
        if (ks_res_store_prev(r)) return -1;
        char *n = ks_join(ks_res_name(r), "-", h);
        if (!n) return fc_err_set(FC_ENOMEM, "out of memory");
        ks_res_set_name(r, n);
        free(n);
    }
    return 0;
}

static void drop_local(ks_resmap *m)
{
    size_t j = 0;
    for (size_t i = 0; i < m->n; i++) {
        json_object *an = ks_obj_get(ks_res_meta(m->v[i], false), "annotations");
        if (ks_is_map(an) && json_object_object_get_ex(an, "config.kubernetes.io/local-config", NULL)) {
            ks_res_free(m->v[i]);
            continue;
        }
        m->v[j++] = m->v[i];
    }
    m->n = j;
}

static int build_top(ks_ctx *ctx, const char *dir, ks_resmap *out)
{
    ks_loader l;
    if (ks_loader_init_root(ctx, dir, &l)) return -1;
    ks_kust *k = NULL;
    ks_acc ra;
    int rc = acc_init(&ra);
    if (!rc) rc = load_kustomization(&l, &k);
    if (!rc) rc = accumulate_target(&l, k, &ra);
    if (!rc) rc = add_hashes(&ra.rm);
    if (!rc) rc = ks_fix_name_references(&ra.rm, ra.tc);
    if (!rc) rc = ks_vars_resolve(ra.vars, &ra.rm, ra.tc);
    if (!rc) drop_local(&ra.rm);
    if (!rc) rc = ks_sort_resources(&ra.rm, ks_kv(k, "sortOptions"), k->file);
    if (!rc) {
        for (size_t i = 0; i < ra.rm.n; i++) ks_res_stringify_meta_map(ra.rm.v[i], "annotations");
        *out = ra.rm;
        ks_resmap_init(&ra.rm);
    }
    acc_dispose(&ra);
    ks_kust_free(k);
    ks_loader_dispose(&l);
    return rc;
}

int ks_build(const ks_build_opts *opts, json_object **resources)
{
    *resources = NULL;
    if (!opts || !opts->path) return fc_err_set(FC_EINVAL, "kustomize build: no path given");
    ks_ctx ctx;
    memset(&ctx, 0, sizeof ctx);
    ctx.root_only = opts->load_restrictions == KS_LOAD_ROOT_ONLY;
    ctx.allow_env = opts->allow_env;
    ctx.max_file_bytes = opts->max_file_bytes ? opts->max_file_bytes : (32u << 20);
    ctx.max_total_bytes = opts->max_total_bytes ? opts->max_total_bytes : (512u << 20);
    ctx.max_depth = opts->max_depth ? opts->max_depth : 64;
    ctx.max_resources = opts->max_resources ? opts->max_resources : 200000;
    ctx.ylim.max_bytes = ctx.max_file_bytes;
    ctx.ylim.max_depth = opts->max_yaml_depth ? opts->max_yaml_depth : 200;
    ctx.ylim.max_nodes = opts->max_yaml_nodes ? opts->max_yaml_nodes : (4u << 20);
    ctx.ylim.max_docs = ctx.max_resources;
    char cwd[PATH_MAX];
    if (getcwd(cwd, sizeof cwd)) ctx.cwd = realpath(cwd, NULL);
    int rc = 0;
    if (opts->fs_root) {
        ctx.fs_root = realpath(opts->fs_root, NULL);
        if (!ctx.fs_root) rc = fc_err_set(FC_ENOTFOUND, "filesystem root '%s' does not exist", opts->fs_root);
    } else {
        ctx.fs_root = ks_strdup("/");
    }
    if (!rc) rc = ks_tconfig_default(&ctx.ylim, &ctx.builtin);
    ks_resmap m;
    ks_resmap_init(&m);
    if (!rc) rc = build_top(&ctx, opts->path, &m);
    if (!rc) {
        json_object *arr = json_object_new_array();
        for (size_t i = 0; i < m.n; i++) {
            json_object_array_add(arr, m.v[i]->obj);
            m.v[i]->obj = NULL;
        }
        *resources = arr;
    }
    ks_resmap_dispose(&m);
    ks_tconfig_free(ctx.builtin);
    free(ctx.fs_root);
    free(ctx.cwd);
    return rc;
}

int ks_render(json_object *resources, fc_buf *out)
{
    size_t n = resources ? json_object_array_length(resources) : 0;
    for (size_t i = 0; i < n; i++) {
        if (i && fc_buf_puts(out, "---\n")) return fc_err_set(FC_ETOOBIG, "output too large");
        if (fc_yaml_emit(json_object_array_get_idx(resources, i), NULL, out)) return -1;
    }
    return 0;
}
