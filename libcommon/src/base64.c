/*
 * base64.c: thin wrappers over OpenSSL's EVP_EncodeBlock/EVP_DecodeBlock.
 * EVP_DecodeBlock rejects whitespace and counts padding as zero bytes, so the
 * decoder strips whitespace first and subtracts the padding itself.
 */
#include "fc/base64.h"
#include "fc/err.h"
#include <openssl/evp.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

char *fc_base64_encode(const void *data, size_t len)
{
    if (len > ((size_t)1 << 30)) {
        fc_err_set(FC_ETOOBIG, "base64: input too large");
        return NULL;
    }
    char *out = malloc(4 * ((len + 2) / 3) + 1);
    if (!out) return NULL;
    EVP_EncodeBlock((unsigned char *)out, data, (int)len);
    return out;
}

char *fc_base64_decode(const char *s, size_t len, size_t *outlen)
{
    char *clean = malloc(len + 4);
    if (!clean) return NULL;
    size_t n = 0;
    for (size_t i = 0; i < len; i++)
        if (!isspace((unsigned char)s[i])) clean[n++] = s[i];
    /* accept unpadded input */
    while (n % 4) clean[n++] = '=';
    clean[n] = 0;
    size_t pad = 0;
    if (n >= 1 && clean[n - 1] == '=') pad++;
    if (n >= 2 && clean[n - 2] == '=') pad++;
    char *out = malloc(n / 4 * 3 + 1);
    if (!out) {
        free(clean);
        return NULL;
    }
    int r = n ? EVP_DecodeBlock((unsigned char *)out, (unsigned char *)clean, (int)n) : 0;
    free(clean);
    if (r < 0 || (size_t)r < pad) {
        free(out);
        fc_err_set(FC_EINVAL, "illegal base64 data");
        return NULL;
    }
    size_t m = (size_t)r - pad;
    out[m] = 0;
    if (outlen) *outlen = m;
    return out;
}
