/* Helpers shared by the kustomize engine unit tests: YAML in (kyaml
 * typing), compact JSON out, so expectations read as plain JSON. */
#ifndef KS_TEST_H
#define KS_TEST_H
#include "../testlib.h"
#include "../../../kustomize-controller/engine/ks_internal.h"

/* results handed to CHECK_* are kept reachable until exit */
static char *t_keep_v[512];
static inline char *keep(char *s)
{
    static size_t n;
    if (n < sizeof t_keep_v / sizeof t_keep_v[0]) t_keep_v[n++] = s;
    return s;
}

static inline json_object *y(const char *text)
{
    json_object *docs = NULL;
    if (ks_yaml_parse_docs(text, strlen(text), "test", 0, NULL, &docs, NULL))
        t_fail(__FILE__, __LINE__, "parse: %s", fc_err_msg());
    if (json_object_array_length(docs) != 1) t_fail(__FILE__, __LINE__, "want one document");
    json_object *d = json_object_get(json_object_array_get_idx(docs, 0));
    json_object_put(docs);
    return d;
}

/* compact JSON with sorted keys (Go's encoding), malloc'd */
static inline char *js(json_object *o)
{
    fc_buf b;
    fc_buf_init(&b, 0);
    if (ks_go_json(o, &b)) t_fail(__FILE__, __LINE__, "encode: %s", fc_err_msg());
    char *s = fc_buf_detach(&b, NULL);
    return s ? s : strdup("");
}

static inline ks_res *res_of(const char *text)
{
    ks_res *r = ks_res_new(y(text));
    if (!r) t_fail(__FILE__, __LINE__, "oom");
    return r;
}
#endif
