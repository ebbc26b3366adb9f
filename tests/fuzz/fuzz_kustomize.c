/* Fuzz target: the kustomize engine's parsers of untrusted text - kyaml-typed
 * YAML streams, resource validation and List expansion, kustomization.yaml
 * (schema decoding), JSON 6902 patches - and the strategic merge of one
 * parsed document into another. Everything must fail cleanly or succeed;
 * whatever parses must also render. */
#include "../../kustomize-controller/engine/ks_internal.h"
#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;
    fc_yaml_limits lim = {0};
    lim.max_nodes = 200000;
    lim.max_depth = 100;
    json_object *docs = NULL;
    if (ks_yaml_parse_docs(text, size, "fuzz", KS_YAML_RAW_ANNOTATIONS, &lim, &docs, NULL) == 0) {
        size_t n = json_object_array_length(docs);
        fc_buf out;
        fc_buf_init(&out, 16 << 20);
        for (size_t i = 0; i < n; i++) {
            fc_buf_reset(&out);
            if (fc_yaml_emit(json_object_array_get_idx(docs, i), NULL, &out) == 0) {
                json_object *again = NULL;
                if (ks_yaml_parse_docs(out.ptr ? out.ptr : "", out.len, "again", 0, NULL, &again, NULL) != 0) abort();
                json_object_put(again);
            }
        }
        fc_buf_dispose(&out);
        if (n >= 2) {
            json_object *t = fc_json_copy(json_object_array_get_idx(docs, 0));
            json_object *p = json_object_array_get_idx(docs, 1);
            const ks_stype *sch = ks_schema_for(ks_obj_str(t, "apiVersion"), ks_obj_str(t, "kind"));
            ks_smp_apply(&t, p, sch);
            json_object_put(t);
        }
        json_object_put(docs);
    }
    ks_ctx ctx = {0};
    ctx.ylim = lim;
    ctx.max_resources = 10000;
    ks_resmap m;
    ks_resmap_init(&m);
    ks_parse_resources(&ctx, text, size, "fuzz", 0, &m);
    ks_resmap_dispose(&m);
    ks_kust *k = NULL;
    if (ks_kust_parse(text, size, "kustomization.yaml", &lim, &k) == 0) ks_kust_free(k);
    json_object *ops = NULL;
    if (ks_json6902_parse(text, size, &lim, &ops) == 0) {
        json_object *doc = json_object_new_object();
        json_object_object_add(doc, "a", json_object_new_array());
        ks_json6902_apply(&doc, ops);
        json_object_put(doc);
        json_object_put(ops);
    }
    return 0;
}
