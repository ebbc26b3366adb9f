/*
 * fc/gofmt.h: Go's number formatting, needed wherever our output must match a
 * Go program byte for byte (YAML/JSON emitters, Helm templates, metrics).
 */
#ifndef FC_GOFMT_H
#define FC_GOFMT_H
#include <stddef.h>
#include <json-c/json.h>

/* strconv.FormatFloat(v, fmt, prec, 64) for fmt 'e', 'E', 'f', 'g', 'G';
 * prec -1 means the shortest representation that round-trips. Returns the
 * length written (always NUL-terminated, n >= 32 recommended). */
size_t fc_go_format_float(double v, char fmt, int prec, char *out, size_t n);
/* strconv.FormatFloat(float64(float32(v)), fmt, -1, 32): the shortest
 * digits that round-trip a float32 (sigs.k8s.io/yaml uses it for float map
 * keys and for numbers decoded into string fields). */
size_t fc_go_format_float32(double v, char fmt, char *out, size_t n);
/* encoding/json's float64 encoding ('f' or cleaned-up 'e'); NaN/Inf -> "null". */
size_t fc_go_json_float(double v, char *out, size_t n);
/* A json-c double that serialises like encoding/json. */
json_object *fc_json_new_double(double v);

#endif
