/*
 * fc/base64.h: base64 (standard alphabet, padded) on top of OpenSSL's EVP
 * encoder, as Kubernetes uses it for Secret data and kubeconfig *-data fields.
 */
#ifndef FC_BASE64_H
#define FC_BASE64_H
#include <stddef.h>

/* malloc'd NUL-terminated encoding. */
char *fc_base64_encode(const void *data, size_t len);
/* Decode (whitespace ignored); malloc'd, NUL-terminated, *outlen set.
 * Returns NULL with the last error set on invalid input. */
char *fc_base64_decode(const char *s, size_t len, size_t *outlen);

#endif
