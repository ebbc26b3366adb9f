/* Fuzz target: the Helm template engine's parser and executor (Go
 * text/template language, Sprig and Helm functions). The input is a
 * template executed against a fixed values-like document; parse errors,
 * execution errors and the output/memory caps are all fine outcomes, a
 * crash, a sanitizer report or a hang is not. */
#include "../../helm-controller/engine/helmtemplate.h"
#include <stdint.h>
#include <stdlib.h>

static json_object *dot;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!dot)
        dot = json_tokener_parse("{\"Values\":{\"name\":\"web\",\"replicas\":3,\"ratio\":0.5,\"on\":true,\"tags\":[\"a\",\"b\"],"
                                 "\"m\":{\"x\":{\"y\":[1,{\"z\":null}]}},\"s\":\"a: 1\\nb: [x]\\n\"},"
                                 "\"Release\":{\"Name\":\"rel\",\"Namespace\":\"ns\"},\"list\":[1,2,3],\"str\":\"hello\"}");
    ht_eval_opts o = {0};
    o.max_output_bytes = 1 << 20;
    o.max_memory_bytes = 64 << 20;
    o.strict = size > 0 && (data[0] & 1);
    char *out = NULL;
    if (ht_template_eval("fuzz", (const char *)data, size, dot, &o, &out) == 0) free(out);
    return 0;
}
