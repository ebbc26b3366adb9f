/* Fuzz target: the parsers of user values: Helm's values files (YAML
 * documents merged), the --set family (--set, --set-string, --set-json,
 * --set-literal, one expression per input line) and the template functions
 * that parse text (fromYaml, fromYamlArray, fromJson, fromJsonArray) and
 * print it back (toYaml, toYamlPretty, toJson, toToml). */
#include "../../helm-controller/engine/helmtemplate.h"
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static void merged(ht_values *v)
{
    json_object *out = NULL;
    if (ht_values_merged(v, &out) == 0) json_object_put(out);
    ht_values_free(v);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data;
    ht_values *v = ht_values_new();
    ht_values_add_yaml(v, s, size, "fuzz.yaml");
    merged(v);

    static const ht_set_kind kinds[] = {HT_VALUES_SET, HT_VALUES_SET_STRING, HT_VALUES_SET_JSON, HT_VALUES_SET_LITERAL};
    char *copy = malloc(size + 1);
    memcpy(copy, s, size);
    copy[size] = 0;
    for (int k = 0; k < 4; k++) {
        v = ht_values_new();
        char *line = copy;
        for (int i = 0; line && i < 16; i++) {
            char *nl = strchr(line, '\n');
            if (nl) *nl = 0;
            ht_values_add_set(v, kinds[k], line);
            if (nl) *nl = '\n';
            line = nl ? nl + 1 : NULL;
        }
        merged(v);
    }

    json_object *dot = json_object_new_object();
    json_object_object_add(dot, "s", json_object_new_string_len(copy, (int)size));
    static const char *const tmpls[] = {
        "{{ .s | fromYaml | toYaml }}", "{{ .s | fromYamlArray | toYamlPretty }}", "{{ .s | fromJson | toJson }}",
        "{{ .s | fromJsonArray | toToml }}", "{{ .s | fromYaml | toToml }}", "{{ .s | fromYaml | toYamlPretty }}",
    };
    ht_eval_opts o = {0};
    o.max_output_bytes = 4 << 20;
    o.max_memory_bytes = 128 << 20;
    for (size_t i = 0; i < sizeof tmpls / sizeof tmpls[0]; i++) {
        char *out = NULL;
        if (ht_template_eval("fuzz", tmpls[i], strlen(tmpls[i]), dot, &o, &out) == 0) free(out);
    }
    json_object_put(dot);
    free(copy);
    return 0;
}
