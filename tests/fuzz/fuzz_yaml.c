/* Fuzz target: libcommon's YAML parser and emitter (every manifest, values
 * file and kustomization goes through them). Parse, re-emit, re-parse and
 * require the round trip to be stable. */
#include "fc/yaml.h"
#include "fc/json.h"
#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_object *docs = NULL;
    if (fc_yaml_parse_stream((const char *)data, size, NULL, &docs) != 0) return 0;
    size_t n = json_object_array_length(docs);
    for (size_t i = 0; i < n; i++) {
        json_object *d = json_object_array_get_idx(docs, i);
        fc_buf b;
        fc_buf_init(&b, 64 << 20);
        if (fc_yaml_emit(d, NULL, &b) == 0) {
            json_object *again = NULL;
            if (fc_yaml_parse(b.ptr, b.len, NULL, &again) == 0) {
                if (!fc_json_equal(d, again)) abort();
                json_object_put(again);
            }
        }
        fc_buf_dispose(&b);
    }
    json_object_put(docs);
    return 0;
}
