/*
 * schema.c: values.schema.json validation (placeholder during bring-up).
 */
#include "render_int.h"

int ht_validate_schemas(ht_ctx *cx, ht_rchart *c, ht_val values)
{
    (void)values;
    if (c->src->schema) return ht_errf(cx, "values.schema.json validation is not implemented yet");
    for (size_t i = 0; i < c->ndeps; i++)
        if (ht_validate_schemas(cx, c->deps[i], ht_nil())) return -1;
    return 0;
}
