/*
 * ks_kustfile.c: reading kustomization.yaml.
 *
 * kustomize converts the file with sigs.k8s.io/yaml (go-yaml v2 typing, so
 * `yes` is a boolean here, unlike in resources) and decodes the JSON into
 * its Kustomization struct with unknown fields disallowed. We do the same
 * with libcommon's v2-typed parser and a schema table mirroring the Go
 * structs: unknown fields and wrong types are errors with Go's wording, key
 * matching is exact first and then case-insensitive (encoding/json rules),
 * and the result is a canonical json object whose field names and value
 * types the rest of the engine can trust. FixKustomization's moves of
 * deprecated fields (bases, imageTags, env) happen here too.
 */
#include "ks_internal.h"
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef enum { S_STR, S_BOOL, S_INT, S_STRMAP, S_BOOLMAP, S_STRLIST, S_OBJ, S_OBJLIST, S_ANY } stype;

typedef struct sstruct sstruct;
typedef struct sfield {
    const char *name;
    stype t;
    const sstruct *sub;
} sfield;
struct sstruct {
    const char *goname;
    const sfield *fields;
};

#define END {NULL, S_STR, NULL}

static const sfield fs_fieldspec[] = {
    {"group", S_STR, NULL}, {"version", S_STR, NULL}, {"kind", S_STR, NULL},
    {"path", S_STR, NULL},  {"create", S_BOOL, NULL}, END};
static const sstruct st_fieldspec = {"FieldSpec", fs_fieldspec};

static const sfield fs_selector[] = {{"group", S_STR, NULL},         {"version", S_STR, NULL},
                                     {"kind", S_STR, NULL},          {"name", S_STR, NULL},
                                     {"namespace", S_STR, NULL},     {"labelSelector", S_STR, NULL},
                                     {"annotationSelector", S_STR, NULL}, END};
static const sstruct st_selector = {"Selector", fs_selector};

static const sfield fs_patch[] = {{"path", S_STR, NULL},
                                  {"patch", S_STR, NULL},
                                  {"target", S_OBJ, &st_selector},
                                  {"options", S_BOOLMAP, NULL},
                                  END};
static const sstruct st_patch = {"Patch", fs_patch};

static const sfield fs_image[] = {{"name", S_STR, NULL},   {"newName", S_STR, NULL}, {"tagSuffix", S_STR, NULL},
                                  {"newTag", S_STR, NULL}, {"digest", S_STR, NULL},  END};
static const sstruct st_image = {"Image", fs_image};

static const sfield fs_fieldopts[] = {{"delimiter", S_STR, NULL},
                                      {"index", S_INT, NULL},
                                      {"encoding", S_STR, NULL},
                                      {"create", S_BOOL, NULL},
                                      END};
static const sstruct st_fieldopts = {"FieldOptions", fs_fieldopts};

static const sfield fs_source[] = {{"group", S_STR, NULL},     {"version", S_STR, NULL},
                                   {"kind", S_STR, NULL},      {"name", S_STR, NULL},
                                   {"namespace", S_STR, NULL}, {"fieldPath", S_STR, NULL},
                                   {"options", S_OBJ, &st_fieldopts}, END};
static const sstruct st_source = {"SourceSelector", fs_source};

static const sfield fs_target[] = {{"select", S_OBJ, &st_selector},
                                   {"reject", S_OBJLIST, &st_selector},
                                   {"fieldPaths", S_STRLIST, NULL},
                                   {"options", S_OBJ, &st_fieldopts},
                                   END};
static const sstruct st_target = {"TargetSelector", fs_target};

static const sfield fs_replacement[] = {{"source", S_OBJ, &st_source},
                                        {"targets", S_OBJLIST, &st_target},
                                        {"path", S_STR, NULL},
                                        END};
static const sstruct st_replacement = {"ReplacementField", fs_replacement};

static const sfield fs_replica[] = {{"name", S_STR, NULL}, {"count", S_INT, NULL}, END};
static const sstruct st_replica = {"Replica", fs_replica};

static const sfield fs_varref[] = {{"apiVersion", S_STR, NULL}, {"group", S_STR, NULL},
                                   {"version", S_STR, NULL},    {"kind", S_STR, NULL},
                                   {"name", S_STR, NULL},       {"namespace", S_STR, NULL}, END};
static const sstruct st_varref = {"Target", fs_varref};
static const sfield fs_fieldsel[] = {{"fieldPath", S_STR, NULL}, END};
static const sstruct st_fieldsel = {"FieldSelector", fs_fieldsel};
static const sfield fs_var[] = {
    {"name", S_STR, NULL}, {"objref", S_OBJ, &st_varref}, {"fieldref", S_OBJ, &st_fieldsel}, END};
static const sstruct st_var = {"Var", fs_var};

static const sfield fs_legacysort[] = {{"orderFirst", S_STRLIST, NULL}, {"orderLast", S_STRLIST, NULL}, END};
static const sstruct st_legacysort = {"LegacySortOptions", fs_legacysort};
static const sfield fs_sort[] = {{"order", S_STR, NULL}, {"legacySortOptions", S_OBJ, &st_legacysort}, END};
static const sstruct st_sort = {"SortOptions", fs_sort};

static const sfield fs_genopts[] = {{"labels", S_STRMAP, NULL},
                                    {"annotations", S_STRMAP, NULL},
                                    {"disableNameSuffixHash", S_BOOL, NULL},
                                    {"immutable", S_BOOL, NULL},
                                    END};
static const sstruct st_genopts = {"GeneratorOptions", fs_genopts};

static const sfield fs_cmargs[] = {{"namespace", S_STR, NULL}, {"name", S_STR, NULL},
                                   {"behavior", S_STR, NULL},  {"literals", S_STRLIST, NULL},
                                   {"files", S_STRLIST, NULL}, {"envs", S_STRLIST, NULL},
                                   {"env", S_STR, NULL},       {"options", S_OBJ, &st_genopts}, END};
static const sstruct st_cmargs = {"ConfigMapArgs", fs_cmargs};
static const sfield fs_secretargs[] = {{"namespace", S_STR, NULL}, {"name", S_STR, NULL},
                                       {"behavior", S_STR, NULL},  {"literals", S_STRLIST, NULL},
                                       {"files", S_STRLIST, NULL}, {"envs", S_STRLIST, NULL},
                                       {"env", S_STR, NULL},       {"options", S_OBJ, &st_genopts},
                                       {"type", S_STR, NULL},      END};
static const sstruct st_secretargs = {"SecretArgs", fs_secretargs};

static const sfield fs_label[] = {{"pairs", S_STRMAP, NULL},
                                  {"includeSelectors", S_BOOL, NULL},
                                  {"includeTemplates", S_BOOL, NULL},
                                  {"fields", S_OBJLIST, &st_fieldspec},
                                  END};
static const sstruct st_label = {"Label", fs_label};

static const sfield fs_objmeta[] = {{"name", S_STR, NULL},
                                    {"namespace", S_STR, NULL},
                                    {"labels", S_STRMAP, NULL},
                                    {"annotations", S_STRMAP, NULL},
                                    END};
static const sstruct st_objmeta = {"ObjectMeta", fs_objmeta};

static const sfield fs_kust[] = {{"apiVersion", S_STR, NULL},
                                 {"kind", S_STR, NULL},
                                 {"metadata", S_OBJ, &st_objmeta},
                                 {"openapi", S_STRMAP, NULL},
                                 {"namePrefix", S_STR, NULL},
                                 {"nameSuffix", S_STR, NULL},
                                 {"namespace", S_STR, NULL},
                                 {"commonLabels", S_STRMAP, NULL},
                                 {"labels", S_OBJLIST, &st_label},
                                 {"commonAnnotations", S_STRMAP, NULL},
                                 {"patchesStrategicMerge", S_STRLIST, NULL},
                                 {"patchesJson6902", S_OBJLIST, &st_patch},
                                 {"patches", S_OBJLIST, &st_patch},
                                 {"images", S_OBJLIST, &st_image},
                                 {"imageTags", S_OBJLIST, &st_image},
                                 {"replacements", S_OBJLIST, &st_replacement},
                                 {"replicas", S_OBJLIST, &st_replica},
                                 {"vars", S_OBJLIST, &st_var},
                                 {"sortOptions", S_OBJ, &st_sort},
                                 {"resources", S_STRLIST, NULL},
                                 {"components", S_STRLIST, NULL},
                                 {"crds", S_STRLIST, NULL},
                                 {"bases", S_STRLIST, NULL},
                                 {"configMapGenerator", S_OBJLIST, &st_cmargs},
                                 {"secretGenerator", S_OBJLIST, &st_secretargs},
                                 {"helmGlobals", S_ANY, NULL},
                                 {"helmCharts", S_ANY, NULL},
                                 {"helmChartInflationGenerator", S_ANY, NULL},
                                 {"generatorOptions", S_OBJ, &st_genopts},
                                 {"configurations", S_STRLIST, NULL},
                                 {"generators", S_STRLIST, NULL},
                                 {"transformers", S_STRLIST, NULL},
                                 {"validators", S_STRLIST, NULL},
                                 {"buildMetadata", S_STRLIST, NULL},
                                 END};
static const sstruct st_kust = {"Kustomization", fs_kust};

/* Also used for transformer configuration files (configurations:). */
static const sfield fs_nameref[] = {{"group", S_STR, NULL},
                                    {"version", S_STR, NULL},
                                    {"kind", S_STR, NULL},
                                    {"fieldSpecs", S_OBJLIST, &st_fieldspec},
                                    END};
static const sstruct st_nameref = {"NameBackReferences", fs_nameref};
static const sfield fs_tconfig[] = {{"namePrefix", S_OBJLIST, &st_fieldspec},
                                    {"nameSuffix", S_OBJLIST, &st_fieldspec},
                                    {"nameReference", S_OBJLIST, &st_nameref},
                                    {"commonLabels", S_OBJLIST, &st_fieldspec},
                                    {"templateLabels", S_OBJLIST, &st_fieldspec},
                                    {"commonAnnotations", S_OBJLIST, &st_fieldspec},
                                    {"namespace", S_OBJLIST, &st_fieldspec},
                                    {"varReference", S_OBJLIST, &st_fieldspec},
                                    {"images", S_OBJLIST, &st_fieldspec},
                                    {"replicas", S_OBJLIST, &st_fieldspec},
                                    END};
static const sstruct st_tconfig = {"TransformerConfig", fs_tconfig};

static const char *json_kind(json_object *v)
{
    switch (json_object_get_type(v)) {
    case json_type_boolean: return "bool";
    case json_type_int:
    case json_type_double: return "number";
    case json_type_string: return "string";
    case json_type_array: return "array";
    case json_type_object: return "object";
    default: return "null";
    }
}

static int type_error(json_object *v, const char *path, const char *gotype)
{
    return fc_err_set(FC_EINVAL, "json: cannot unmarshal %s into Go struct field %s of type %s", json_kind(v), path,
                      gotype);
}

static int decode_struct(json_object *in, const sstruct *st, const char *path, json_object **out);

static int decode_value(json_object *v, const sfield *f, const char *path, json_object **out)
{
    *out = NULL;
    bool isnull = !v || json_object_is_type(v, json_type_null);
    switch (f->t) {
    case S_ANY: *out = json_object_get(v); return 0;
    case S_STR:
        if (isnull) return 0;
        if (!json_object_is_type(v, json_type_string)) return type_error(v, path, "string");
        *out = json_object_get(v);
        return 0;
    case S_BOOL:
        if (isnull) return 0;
        if (!json_object_is_type(v, json_type_boolean)) return type_error(v, path, "bool");
        *out = json_object_get(v);
        return 0;
    case S_INT:
        if (isnull) return 0;
        if (json_object_is_type(v, json_type_int)) {
            *out = json_object_get(v);
            return 0;
        }
        if (json_object_is_type(v, json_type_double)) {
            double d = json_object_get_double(v);
            if (d == (double)(int64_t)d) {
                *out = json_object_new_int64((int64_t)d);
                return 0;
            }
        }
        return type_error(v, path, "int");
    case S_STRMAP:
    case S_BOOLMAP: {
        if (isnull) return 0;
        if (!json_object_is_type(v, json_type_object))
            return type_error(v, path, f->t == S_STRMAP ? "map[string]string" : "map[string]bool");
        json_object *m = json_object_new_object();
        json_object_object_foreach(v, k, e) {
            bool enull = !e || json_object_is_type(e, json_type_null);
            if (f->t == S_STRMAP) {
                if (!enull && !json_object_is_type(e, json_type_string)) {
                    json_object_put(m);
                    return type_error(e, path, "string");
                }
                json_object_object_add(m, k, enull ? json_object_new_string("") : json_object_get(e));
            } else {
                if (!enull && !json_object_is_type(e, json_type_boolean)) {
                    json_object_put(m);
                    return type_error(e, path, "bool");
                }
                json_object_object_add(m, k, json_object_new_boolean(!enull && json_object_get_boolean(e)));
            }
        }
        *out = m;
        return 0;
    }
    case S_STRLIST:
    case S_OBJLIST: {
        if (isnull) return 0;
        if (!json_object_is_type(v, json_type_array))
            return type_error(v, path, f->t == S_STRLIST ? "[]string" : f->sub->goname);
        json_object *a = json_object_new_array();
        size_t n = json_object_array_length(v);
        for (size_t i = 0; i < n; i++) {
            json_object *e = json_object_array_get_idx(v, i);
            bool enull = !e || json_object_is_type(e, json_type_null);
            json_object *d = NULL;
            if (f->t == S_STRLIST) {
                if (!enull && !json_object_is_type(e, json_type_string)) {
                    json_object_put(a);
                    return type_error(e, path, "string");
                }
                d = enull ? json_object_new_string("") : json_object_get(e);
            } else if (enull) {
                d = json_object_new_object();
            } else if (decode_struct(e, f->sub, path, &d)) {
                json_object_put(a);
                return -1;
            }
            json_object_array_add(a, d);
        }
        *out = a;
        return 0;
    }
    case S_OBJ:
        if (isnull) return 0;
        return decode_struct(v, f->sub, path, out);
    }
    return 0;
}

static const sfield *find_field(const sstruct *st, const char *key)
{
    for (const sfield *f = st->fields; f->name; f++)
        if (strcmp(f->name, key) == 0) return f;
    for (const sfield *f = st->fields; f->name; f++)
        if (strcasecmp(f->name, key) == 0) return f;
    return NULL;
}

static int decode_struct(json_object *in, const sstruct *st, const char *path, json_object **out)
{
    *out = NULL;
    if (!json_object_is_type(in, json_type_object)) return type_error(in, path, st->goname);
    json_object *o = json_object_new_object();
    json_object_object_foreach(in, k, v) {
        const sfield *f = find_field(st, k);
        if (!f) {
            json_object_put(o);
            return fc_err_set(FC_EINVAL, "json: unknown field \"%s\"", k);
        }
        char *sub = ks_join(path, ".", f->name);
        json_object *d = NULL;
        int rc = sub ? decode_value(v, f, sub, &d) : fc_err_set(FC_ENOMEM, "out of memory");
        free(sub);
        if (rc) {
            json_object_put(o);
            return rc;
        }
        if (d) json_object_object_add(o, f->name, d);
        else json_object_object_del(o, f->name);
    }
    *out = o;
    return 0;
}

static void append_list(json_object *k, const char *dst, const char *src)
{
    json_object *s = ks_obj_get(k, src);
    if (!ks_is_seq(s) || json_object_array_length(s) == 0) {
        json_object_object_del(k, src);
        return;
    }
    json_object *d = ks_obj_get(k, dst);
    if (!ks_is_seq(d)) {
        d = json_object_new_array();
        json_object_object_add(k, dst, d);
    }
    size_t n = json_object_array_length(s);
    for (size_t i = 0; i < n; i++) json_object_array_add(d, json_object_get(json_object_array_get_idx(s, i)));
    json_object_object_del(k, src);
}

static void fix_generators(json_object *k, const char *field)
{
    json_object *gens = ks_obj_get(k, field);
    size_t n = ks_is_seq(gens) ? json_object_array_length(gens) : 0;
    for (size_t i = 0; i < n; i++) {
        json_object *g = json_object_array_get_idx(gens, i);
        const char *env = ks_obj_str(g, "env");
        if (env && *env) {
            json_object *envs = ks_obj_get(g, "envs");
            if (!ks_is_seq(envs)) {
                envs = json_object_new_array();
                json_object_object_add(g, "envs", envs);
            }
            json_object_array_add(envs, json_object_new_string(env));
        }
        json_object_object_del(g, "env");
    }
}

static bool any_nonempty(json_object *k, const char *field)
{
    json_object *v = ks_obj_get(k, field);
    if (!v) return false;
    if (ks_is_seq(v)) return json_object_array_length(v) > 0;
    if (ks_is_map(v)) return json_object_object_length(v) > 0;
    return true;
}

int ks_kust_parse(const char *buf, size_t len, const char *fname, const fc_yaml_limits *lim, ks_kust **out)
{
    json_object *doc = NULL, *k = NULL;
    *out = NULL;
    if (fc_yaml_parse(buf, len, lim, &doc)) return fc_err_wrap("%s: invalid Kustomization", fname);
    if (!doc) {
        doc = json_object_new_object();
    }
    if (decode_struct(doc, &st_kust, "Kustomization", &k)) {
        json_object_put(doc);
        return fc_err_wrap("%s: invalid Kustomization", fname);
    }
    json_object_put(doc);
    /* FixKustomization */
    const char *kind = ks_obj_str(k, "kind");
    if (!kind || !*kind) json_object_object_add(k, "kind", json_object_new_string(KS_KIND_KUSTOMIZATION));
    kind = ks_obj_str(k, "kind");
    const char *av = ks_obj_str(k, "apiVersion");
    if (!av || !*av)
        json_object_object_add(k, "apiVersion", json_object_new_string(strcmp(kind, KS_KIND_COMPONENT) == 0
                                                                           ? KS_VERSION_COMPONENT
                                                                           : KS_VERSION_KUSTOMIZATION));
    append_list(k, "resources", "bases");
    append_list(k, "images", "imageTags");
    fix_generators(k, "configMapGenerator");
    fix_generators(k, "secretGenerator");
    /* CheckEmpty: nothing but apiVersion/kind */
    bool empty = true;
    json_object_object_foreach(k, key, val) {
        (void)val;
        if (strcmp(key, "apiVersion") != 0 && strcmp(key, "kind") != 0) empty = false;
    }
    if (empty) {
        json_object_put(k);
        return fc_err_set(FC_EINVAL, "%s: kustomization.yaml is empty", fname);
    }
    /* EnforceFields */
    kind = ks_obj_str(k, "kind");
    av = ks_obj_str(k, "apiVersion");
    if (strcmp(kind, KS_KIND_KUSTOMIZATION) != 0 && strcmp(kind, KS_KIND_COMPONENT) != 0) {
        json_object_put(k);
        return fc_err_set(FC_EINVAL, "%s: kind should be Kustomization or Component", fname);
    }
    const char *want = strcmp(kind, KS_KIND_COMPONENT) == 0 ? KS_VERSION_COMPONENT : KS_VERSION_KUSTOMIZATION;
    if (strcmp(av, want) != 0) {
        int rc = fc_err_set(FC_EINVAL, "%s: apiVersion for %s should be %s", fname, kind, want);
        json_object_put(k);
        return rc;
    }
    static const char *const unsupported[] = {"helmGlobals", "helmCharts", "helmChartInflationGenerator",
                                              "generators", "transformers", "validators", NULL};
    for (int i = 0; unsupported[i]; i++) {
        if (any_nonempty(k, unsupported[i])) {
            int rc = fc_err_set(FC_EINVAL, "%s: '%s' is not supported by this kustomize engine (plugins and Helm "
                                           "charts are not run)",
                                fname, unsupported[i]);
            json_object_put(k);
            return rc;
        }
    }
    ks_kust *kk = calloc(1, sizeof *kk);
    if (!kk) {
        json_object_put(k);
        return fc_err_set(FC_ENOMEM, "out of memory");
    }
    kk->doc = k;
    kk->file = ks_strdup(fname);
    kk->is_component = strcmp(kind, KS_KIND_COMPONENT) == 0;
    *out = kk;
    return 0;
}

void ks_kust_free(ks_kust *k)
{
    if (!k) return;
    json_object_put(k->doc);
    free(k->file);
    free(k);
}

int ks_tconfig_decode(const char *buf, size_t len, const char *fname, const fc_yaml_limits *lim, json_object **out)
{
    json_object *doc = NULL;
    *out = NULL;
    if (fc_yaml_parse(buf, len, lim, &doc)) return fc_err_wrap("%s", fname);
    if (!doc) {
        *out = json_object_new_object();
        return 0;
    }
    int rc = decode_struct(doc, &st_tconfig, "TransformerConfig", out);
    json_object_put(doc);
    if (rc) return fc_err_wrap("%s", fname);
    return 0;
}

json_object *ks_kv(const ks_kust *k, const char *field)
{
    return ks_obj_get(k->doc, field);
}

const char *ks_ks(const ks_kust *k, const char *field)
{
    const char *s = ks_obj_str(k->doc, field);
    return s ? s : "";
}

size_t ks_klen(const ks_kust *k, const char *field)
{
    json_object *v = ks_obj_get(k->doc, field);
    if (ks_is_seq(v)) return json_object_array_length(v);
    if (ks_is_map(v)) return (size_t)json_object_object_length(v);
    return 0;
}
