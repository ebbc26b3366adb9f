/*
 * funcs_crypto.c: Sprig's hash, password, key, certificate, AES and random
 * functions on OpenSSL (crypto.go in Sprig).
 *
 * Everything uses OpenSSL except bcrypt, which OpenSSL does not offer: it is
 * implemented here (OpenBSD's EksBlowfish, as golang.org/x/crypto/bcrypt
 * does, cost 10, "$2a$" hashes). Blowfish's initial P-array and S-boxes are
 * the hexadecimal digits of pi; rather than carrying 4 KiB of constants we
 * compute them once with Machin's formula on an OpenSSL BIGNUM (a few ms)
 * and check the well-known first and last words.
 *
 * Certificates follow Sprig's templates: random 128-bit serial, CN-only
 * subject, server+client auth, RSA-2048 keys for generated certificates,
 * SHA-256 signatures; keys are PEM in the formats Go writes (PKCS#1 for
 * RSA, SEC 1 for EC, PKCS#8 for Ed25519).
 */
#include "ht_internal.h"
#include <arpa/inet.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/kdf.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define FN(name) static int name(ht_ctx *cx, int argc, ht_val *argv, ht_val *out)
#define UNUSED_ARGS (void)cx, (void)argc, (void)argv

uint64_t ht_rand_below(uint64_t n)
{
    if (n <= 1) return 0;
    uint64_t lim = UINT64_MAX - UINT64_MAX % n, x;
    do {
        if (RAND_bytes((unsigned char *)&x, sizeof x) != 1) abort();
    } while (x >= lim);
    return x % n;
}

/* ------------------------------------------------------------- hashes */

static ht_val hex_digest(ht_ctx *cx, const EVP_MD *md, ht_val in)
{
    unsigned char d[EVP_MAX_MD_SIZE];
    unsigned int dn = 0;
    EVP_Digest(in.v.s, in.n, d, &dn, md, NULL);
    static const char hx[] = "0123456789abcdef";
    char s[EVP_MAX_MD_SIZE * 2 + 1];
    for (unsigned i = 0; i < dn; i++) {
        s[2 * i] = hx[d[i] >> 4];
        s[2 * i + 1] = hx[d[i] & 15];
    }
    return ht_str(cx, s, dn * 2);
}

FN(fn_sha1sum)
{
    UNUSED_ARGS;
    *out = hex_digest(cx, EVP_sha1(), argv[0]);
    return 0;
}

FN(fn_sha256sum)
{
    UNUSED_ARGS;
    *out = hex_digest(cx, EVP_sha256(), argv[0]);
    return 0;
}

FN(fn_sha512sum)
{
    UNUSED_ARGS;
    *out = hex_digest(cx, EVP_sha512(), argv[0]);
    return 0;
}

FN(fn_adler32sum)
{
    UNUSED_ARGS;
    uint32_t a = 1, b = 0;
    for (uint32_t i = 0; i < argv[0].n; i++) {
        a = (a + (unsigned char)argv[0].v.s[i]) % 65521;
        b = (b + a) % 65521;
    }
    char s[16];
    snprintf(s, sizeof s, "%u", (b << 16) | a);
    *out = ht_strz(cx, s);
    return 0;
}

/* ------------------------------------------------------------- bcrypt */

static uint32_t bf_init_p[18];
static uint32_t bf_init_s[4][256];
static bool bf_ok;
static pthread_once_t bf_once = PTHREAD_ONCE_INIT;

/* atan(1/x) * 2^bits, by the alternating series */
static BIGNUM *atan_inv(unsigned x, int bits)
{
    BIGNUM *sum = BN_new(), *term = BN_new(), *t = BN_new();
    BN_one(term);
    BN_lshift(term, term, bits);
    BN_div_word(term, x);
    BN_copy(sum, term);
    BN_ULONG x2 = (BN_ULONG)x * x;
    for (unsigned long k = 1; !BN_is_zero(term); k++) {
        BN_div_word(term, x2);
        BN_copy(t, term);
        BN_div_word(t, (BN_ULONG)(2 * k + 1));
        if (k & 1) BN_sub(sum, sum, t);
        else BN_add(sum, sum, t);
    }
    BN_free(term);
    BN_free(t);
    return sum;
}

static void bf_init_tables(void)
{
    const int words = 18 + 1024;
    const int bits = words * 32 + 64; /* guard bits */
    BIGNUM *a = atan_inv(5, bits), *b = atan_inv(239, bits), *pi = BN_new();
    BN_lshift(a, a, 2);          /* 4 atan(1/5) */
    BN_sub(pi, a, b);            /* 4 atan(1/5) - atan(1/239) = pi/4 */
    BN_lshift(pi, pi, 2);        /* pi * 2^bits */
    BN_mask_bits(pi, bits);      /* fractional part */
    BN_rshift(pi, pi, 64);       /* drop the guard bits */
    unsigned char buf[(18 + 1024) * 4];
    if (BN_bn2binpad(pi, buf, sizeof buf) == (int)sizeof buf) {
        for (int i = 0; i < words; i++) {
            uint32_t w = (uint32_t)buf[4 * i] << 24 | (uint32_t)buf[4 * i + 1] << 16 | (uint32_t)buf[4 * i + 2] << 8 |
                         buf[4 * i + 3];
            if (i < 18) bf_init_p[i] = w;
            else bf_init_s[(i - 18) / 256][(i - 18) % 256] = w;
        }
        bf_ok = bf_init_p[0] == 0x243F6A88u && bf_init_p[17] == 0x8979FB1Bu && bf_init_s[3][255] == 0x3AC372E6u;
    }
    BN_free(a);
    BN_free(b);
    BN_free(pi);
}

typedef struct {
    uint32_t p[18];
    uint32_t s[4][256];
} bf_state;

static inline uint32_t bf_f(const bf_state *st, uint32_t x)
{
    return ((st->s[0][x >> 24] + st->s[1][(x >> 16) & 0xFF]) ^ st->s[2][(x >> 8) & 0xFF]) + st->s[3][x & 0xFF];
}

static void bf_encrypt(const bf_state *st, uint32_t *l, uint32_t *r)
{
    uint32_t xl = *l, xr = *r;
    xl ^= st->p[0];
    for (int i = 1; i <= 16; i += 2) {
        xr ^= bf_f(st, xl) ^ st->p[i];
        xl ^= bf_f(st, xr) ^ st->p[i + 1];
    }
    xr ^= st->p[17];
    *l = xr;
    *r = xl;
}

static uint32_t next_word(const unsigned char *b, size_t n, size_t *pos)
{
    uint32_t w = 0;
    for (int i = 0; i < 4; i++) {
        w = w << 8 | b[*pos];
        *pos = (*pos + 1) % n;
    }
    return w;
}

static void bf_expand(bf_state *st, const unsigned char *salt, size_t sn, const unsigned char *key, size_t kn)
{
    size_t kp = 0, sp = 0;
    for (int i = 0; i < 18; i++) st->p[i] ^= next_word(key, kn, &kp);
    uint32_t l = 0, r = 0;
    for (int i = 0; i < 18; i += 2) {
        if (sn) {
            l ^= next_word(salt, sn, &sp);
            r ^= next_word(salt, sn, &sp);
        }
        bf_encrypt(st, &l, &r);
        st->p[i] = l;
        st->p[i + 1] = r;
    }
    for (int b = 0; b < 4; b++)
        for (int i = 0; i < 256; i += 2) {
            if (sn) {
                l ^= next_word(salt, sn, &sp);
                r ^= next_word(salt, sn, &sp);
            }
            bf_encrypt(st, &l, &r);
            st->s[b][i] = l;
            st->s[b][i + 1] = r;
        }
}

static const char bcrypt_b64[] = "./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

static size_t bcrypt_b64_encode(const unsigned char *src, size_t n, char *dst)
{
    size_t j = 0;
    for (size_t i = 0; i < n; i += 3) {
        uint32_t c1 = src[i];
        dst[j++] = bcrypt_b64[c1 >> 2];
        c1 = (c1 & 0x03) << 4;
        if (i + 1 >= n) {
            dst[j++] = bcrypt_b64[c1];
            break;
        }
        uint32_t c2 = src[i + 1];
        c1 |= c2 >> 4;
        dst[j++] = bcrypt_b64[c1];
        c1 = (c2 & 0x0f) << 2;
        if (i + 2 >= n) {
            dst[j++] = bcrypt_b64[c1];
            break;
        }
        c2 = src[i + 2];
        c1 |= c2 >> 6;
        dst[j++] = bcrypt_b64[c1];
        dst[j++] = bcrypt_b64[c2 & 0x3f];
    }
    dst[j] = 0;
    return j;
}

/* bcrypt hash of pw with a 16-byte salt and cost; out >= 61 bytes.
 * Returns -1 if the tables could not be built. Exposed for unit tests. */
int ht_bcrypt_hash(const char *pw, size_t pn, const unsigned char salt[16], int cost, char *out)
{
    pthread_once(&bf_once, bf_init_tables);
    if (!bf_ok) return -1;
    unsigned char key[73];
    if (pn > 72) pn = 72;
    memcpy(key, pw, pn);
    size_t kn = pn;
    if (kn < 72) key[kn++] = 0;
    bf_state *st = malloc(sizeof *st);
    if (!st) return -1;
    memcpy(st->p, bf_init_p, sizeof st->p);
    memcpy(st->s, bf_init_s, sizeof st->s);
    bf_expand(st, salt, 16, key, kn);
    uint64_t rounds = (uint64_t)1 << cost;
    for (uint64_t i = 0; i < rounds; i++) {
        bf_expand(st, NULL, 0, key, kn);
        bf_expand(st, NULL, 0, salt, 16);
    }
    static const char magic[] = "OrpheanBeholderScryDoubt";
    uint32_t c[6];
    size_t mp = 0;
    for (int i = 0; i < 6; i++) c[i] = next_word((const unsigned char *)magic, 24, &mp);
    for (int i = 0; i < 64; i++)
        for (int j = 0; j < 6; j += 2) bf_encrypt(st, &c[j], &c[j + 1]);
    free(st);
    unsigned char ct[24];
    for (int i = 0; i < 6; i++) {
        ct[4 * i] = (unsigned char)(c[i] >> 24);
        ct[4 * i + 1] = (unsigned char)(c[i] >> 16);
        ct[4 * i + 2] = (unsigned char)(c[i] >> 8);
        ct[4 * i + 3] = (unsigned char)c[i];
    }
    int k = snprintf(out, 8, "$2a$%02d$", cost);
    k += (int)bcrypt_b64_encode(salt, 16, out + k);
    bcrypt_b64_encode(ct, 23, out + k);
    return 0;
}

static ht_val bcrypt_str(ht_ctx *cx, ht_val pw)
{
    if (pw.n > 72) return ht_strz(cx, "failed to encrypt string with bcrypt: bcrypt: password length exceeds 72 bytes");
    unsigned char salt[16];
    RAND_bytes(salt, sizeof salt);
    char out[128];
    if (ht_bcrypt_hash(pw.v.s, pw.n, salt, 10, out)) return ht_strz(cx, "failed to encrypt string with bcrypt: internal error");
    return ht_strz(cx, out);
}

FN(fn_bcrypt)
{
    UNUSED_ARGS;
    *out = bcrypt_str(cx, argv[0]);
    return 0;
}

FN(fn_htpasswd)
{
    UNUSED_ARGS;
    ht_val user = argv[0];
    ht_sb sb;
    ht_sb_init(&sb, cx);
    if (memchr(user.v.s, ':', user.n)) {
        ht_sb_puts(&sb, "invalid username: ");
        ht_sb_put(&sb, user.v.s, user.n);
    } else {
        ht_sb_put(&sb, user.v.s, user.n);
        ht_sb_putc(&sb, ':');
        ht_val h = bcrypt_str(cx, argv[1]);
        ht_sb_put(&sb, h.v.s, h.n);
    }
    *out = ht_sb_val(&sb);
    return 0;
}

/* ------------------------------------------------------------- derivePassword */

static const struct { const char *name; const char *tpl[21]; } pw_templates[] = {
    {"maximum", {"anoxxxxxxxxxxxxxxxxx", "axxxxxxxxxxxxxxxxxno"}},
    {"long", {"CvcvnoCvcvCvcv", "CvcvCvcvnoCvcv", "CvcvCvcvCvcvno", "CvccnoCvcvCvcv", "CvccCvcvnoCvcv",
              "CvccCvcvCvcvno", "CvcvnoCvccCvcv", "CvcvCvccnoCvcv", "CvcvCvccCvcvno", "CvcvnoCvcvCvcc",
              "CvcvCvcvnoCvcc", "CvcvCvcvCvccno", "CvccnoCvccCvcv", "CvccCvccnoCvcv", "CvccCvccCvcvno",
              "CvcvnoCvccCvcc", "CvcvCvccnoCvcc", "CvcvCvccCvccno", "CvccnoCvcvCvcc", "CvccCvcvnoCvcc",
              "CvccCvcvCvccno"}},
    {"medium", {"CvcnoCvc", "CvcCvcno"}},
    {"short", {"Cvcn"}},
    {"basic", {"aaanaaan", "aannaaan", "aaannaaa"}},
    {"pin", {"nnnn"}},
};

static const char *template_chars(char c)
{
    switch (c) {
    case 'V': return "AEIOU";
    case 'C': return "BCDFGHJKLMNPQRSTVWXYZ";
    case 'v': return "aeiou";
    case 'c': return "bcdfghjklmnpqrstvwxyz";
    case 'A': return "AEIOUBCDFGHJKLMNPQRSTVWXYZ";
    case 'a': return "AEIOUaeiouBCDFGHJKLMNPQRSTVWXYZbcdfghjklmnpqrstvwxyz";
    case 'n': return "0123456789";
    case 'o': return "@&%?,=[]_:-+*$#!'^~;()/.";
    case 'x': return "AEIOUaeiouBCDFGHJKLMNPQRSTVWXYZbcdfghjklmnpqrstvwxyz0123456789!@#$%^&*()";
    }
    return "";
}

static void put_be32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)(v >> 24);
    p[1] = (unsigned char)(v >> 16);
    p[2] = (unsigned char)(v >> 8);
    p[3] = (unsigned char)v;
}

FN(fn_derive_password)
{
    UNUSED_ARGS;
    uint32_t counter = (uint32_t)argv[0].v.u;
    ht_val type = argv[1], password = argv[2], user = argv[3], site = argv[4];
    const char *const *tpls = NULL;
    int ntpl = 0;
    for (size_t i = 0; i < sizeof pw_templates / sizeof pw_templates[0]; i++)
        if (strlen(pw_templates[i].name) == type.n && memcmp(pw_templates[i].name, type.v.s, type.n) == 0) {
            tpls = pw_templates[i].tpl;
            while (ntpl < 21 && tpls[ntpl]) ntpl++;
        }
    ht_sb sb;
    ht_sb_init(&sb, cx);
    if (!tpls) {
        ht_sb_puts(&sb, "cannot find password template ");
        ht_sb_put(&sb, type.v.s, type.n);
        *out = ht_sb_val(&sb);
        return 0;
    }
    static const char seed_str[] = "com.lyndir.masterpassword";
    size_t sl = sizeof seed_str - 1;
    unsigned char *salt = ht_cx_alloc(cx, sl + 4 + user.n + 1);
    memcpy(salt, seed_str, sl);
    put_be32(salt + sl, user.n);
    memcpy(salt + sl + 4, user.v.s, user.n);
    unsigned char key[64];
    if (EVP_PBE_scrypt(password.v.s, password.n, salt, sl + 4 + user.n, 32768, 8, 2, (uint64_t)128 << 20, key, sizeof key) != 1) {
        *out = ht_strz(cx, "failed to derive password: scrypt failed");
        return 0;
    }
    unsigned char *msg = ht_cx_alloc(cx, sl + 4 + site.n + 4 + 1);
    memcpy(msg, seed_str, sl);
    put_be32(msg + sl, site.n);
    memcpy(msg + sl + 4, site.v.s, site.n);
    put_be32(msg + sl + 4 + site.n, counter);
    unsigned char seed[32];
    unsigned int seedn = 0;
    HMAC(EVP_sha256(), key, sizeof key, msg, sl + 8 + site.n, seed, &seedn);
    const char *temp = tpls[seed[0] % ntpl];
    for (size_t i = 0; temp[i]; i++) {
        const char *chars = template_chars(temp[i]);
        ht_sb_putc(&sb, chars[seed[i + 1] % strlen(chars)]);
    }
    *out = ht_sb_val(&sb);
    return 0;
}

/* ------------------------------------------------------------- keys */

static void bio_free_cb(void *p) { BIO_free(p); }

static ht_val bio_string(ht_ctx *cx, BIO *b)
{
    char *p = NULL;
    long n = BIO_get_mem_data(b, &p);
    return ht_str(cx, p ? p : "", n > 0 ? (size_t)n : 0);
}

static void pem_key(BIO *b, EVP_PKEY *k)
{
    int id = EVP_PKEY_get_base_id(k);
    if (id == EVP_PKEY_RSA || id == EVP_PKEY_EC || id == EVP_PKEY_DSA)
        PEM_write_bio_PrivateKey_traditional(b, k, NULL, NULL, 0, NULL, NULL);
    else
        PEM_write_bio_PrivateKey(b, k, NULL, NULL, 0, NULL, NULL);
}

static EVP_PKEY *gen_key(const char *type)
{
    EVP_PKEY *k = NULL;
    if (strcmp(type, "rsa4096") == 0) return EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)4096);
    if (strcmp(type, "rsa2048") == 0) return EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
    if (strcmp(type, "ecdsa") == 0) return EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    if (strcmp(type, "ed25519") == 0) return EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
    if (strcmp(type, "dsa") == 0) {
        EVP_PKEY_CTX *pc = EVP_PKEY_CTX_new_from_name(NULL, "DSA", NULL);
        EVP_PKEY *params = NULL;
        if (pc && EVP_PKEY_paramgen_init(pc) > 0 && EVP_PKEY_CTX_set_dsa_paramgen_bits(pc, 2048) > 0 &&
            EVP_PKEY_CTX_set_dsa_paramgen_q_bits(pc, 256) > 0 && EVP_PKEY_paramgen(pc, &params) > 0) {
            EVP_PKEY_CTX *kc = EVP_PKEY_CTX_new_from_pkey(NULL, params, NULL);
            if (kc && EVP_PKEY_keygen_init(kc) > 0) EVP_PKEY_keygen(kc, &k);
            EVP_PKEY_CTX_free(kc);
        }
        EVP_PKEY_free(params);
        EVP_PKEY_CTX_free(pc);
    }
    return k;
}

FN(fn_gen_private_key)
{
    UNUSED_ARGS;
    ht_val t = argv[0];
    const char *kind;
    if (t.n == 0 || (t.n == 3 && memcmp(t.v.s, "rsa", 3) == 0)) kind = "rsa4096";
    else if (t.n == 3 && memcmp(t.v.s, "dsa", 3) == 0) kind = "dsa";
    else if (t.n == 5 && memcmp(t.v.s, "ecdsa", 5) == 0) kind = "ecdsa";
    else if (t.n == 7 && memcmp(t.v.s, "ed25519", 7) == 0) kind = "ed25519";
    else {
        ht_sb sb;
        ht_sb_init(&sb, cx);
        ht_sb_puts(&sb, "Unknown type ");
        ht_sb_put(&sb, t.v.s, t.n);
        *out = ht_sb_val(&sb);
        return 0;
    }
    EVP_PKEY *k = gen_key(kind);
    if (!k) {
        *out = ht_strz(cx, "failed to generate private key: key generation failed");
        return 0;
    }
    BIO *b = BIO_new(BIO_s_mem());
    pem_key(b, k);
    EVP_PKEY_free(k);
    ht_cleanup_push(cx, bio_free_cb, b);
    *out = bio_string(cx, b);
    ht_cleanup_pop(cx, true);
    return 0;
}

/* ------------------------------------------------------------- certificates */

typedef struct {
    ht_val cert, key;
} certificate;

static bool cert_field(ht_ctx *cx, ht_obj *o, const char *name, ht_val *out)
{
    (void)cx;
    certificate *c = o->data;
    if (strcmp(name, "Cert") == 0) { *out = c->cert; return true; }
    if (strcmp(name, "Key") == 0) { *out = c->key; return true; }
    return false;
}

static void cert_print(ht_obj *o, ht_sb *out)
{
    certificate *c = o->data;
    ht_sb_putc(out, '{');
    ht_sb_put(out, c->cert.v.s, c->cert.n);
    ht_sb_putc(out, ' ');
    ht_sb_put(out, c->key.v.s, c->key.n);
    ht_sb_putc(out, '}');
}

static ht_val cert_value(ht_ctx *cx, ht_obj *o)
{
    certificate *c = o->data;
    ht_val m = ht_map_new(cx, HT_M_ANY);
    ht_map_set(cx, m.v.m, "Cert", 4, c->cert);
    ht_map_set(cx, m.v.m, "Key", 3, c->key);
    return m;
}

const ht_class ht_cert_class = {"sprig.certificate", "struct", false, cert_field, NULL, cert_print, cert_value, false};

static ht_val cert_val(ht_ctx *cx, ht_val c, ht_val k)
{
    certificate *p = ht_cx_alloc(cx, sizeof *p);
    p->cert = c;
    p->key = k;
    return ht_obj_new(cx, &ht_cert_class, p);
}

static EVP_PKEY *parse_key_pem(ht_ctx *cx, ht_val pem)
{
    BIO *b = BIO_new_mem_buf(pem.v.s, (int)pem.n);
    EVP_PKEY *k = PEM_read_bio_PrivateKey(b, NULL, NULL, NULL);
    BIO_free(b);
    if (!k) ht_errf(cx, "no PEM data in input");
    return k;
}

static int add_ext(X509 *crt, X509 *issuer, int nid, const char *value)
{
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, issuer, crt, NULL, NULL, 0);
    X509_EXTENSION *ex = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
    if (!ex) return -1;
    X509_add_ext(crt, ex, -1);
    X509_EXTENSION_free(ex);
    return 0;
}

/* list of IPs / DNS names given as []interface{} of strings */
static int san_list(ht_ctx *cx, ht_val ips, ht_val dns, ht_sb *sb)
{
    uint32_t n;
    ht_val *items;
    if (ht_as_items(cx, ips, &items, &n)) {
        for (uint32_t i = 0; i < n; i++) {
            ht_val v = ht_strip(items[i]);
            if (v.k != HT_STRING) {
                ht_sb vs;
                ht_sb_init(&vs, cx);
                ht_fmt_value(v, &vs);
                return ht_errf(cx, "error parsing ip: %s is not a string", ht_sb_val(&vs).v.s);
            }
            unsigned char bin[16];
            char tmp[64];
            snprintf(tmp, sizeof tmp, "%.*s", (int)v.n, v.v.s);
            if (inet_pton(AF_INET, tmp, bin) != 1 && inet_pton(AF_INET6, tmp, bin) != 1)
                return ht_errf(cx, "error parsing ip: %s", tmp);
            if (sb->len) ht_sb_putc(sb, ',');
            ht_sb_printf(sb, "IP:%s", tmp);
        }
    }
    if (ht_as_items(cx, dns, &items, &n)) {
        for (uint32_t i = 0; i < n; i++) {
            ht_val v = ht_strip(items[i]);
            if (v.k != HT_STRING) {
                ht_sb vs;
                ht_sb_init(&vs, cx);
                ht_fmt_value(v, &vs);
                return ht_errf(cx, "error processing alternate dns name: %s is not a string", ht_sb_val(&vs).v.s);
            }
            if (sb->len) ht_sb_putc(sb, ',');
            ht_sb_puts(sb, "DNS:");
            ht_sb_put(sb, v.v.s, v.n);
        }
    }
    return 0;
}

static int make_cert(ht_ctx *cx, ht_val cn, ht_val ips, ht_val dns, int64_t days, bool is_ca, EVP_PKEY *key,
                     X509 *issuer, EVP_PKEY *issuer_key, ht_val *out)
{
    int rc = -1;
    X509 *crt = X509_new();
    BIO *cb = NULL, *kb = NULL;
    ht_sb san;
    ht_sb_init(&san, cx);
    if (san_list(cx, ips, dns, &san)) goto out;
    X509_set_version(crt, 2);
    unsigned char serial[16];
    RAND_bytes(serial, sizeof serial);
    serial[0] &= 0x7F;
    BIGNUM *sn = BN_bin2bn(serial, sizeof serial, NULL);
    BN_to_ASN1_INTEGER(sn, X509_get_serialNumber(crt));
    BN_free(sn);
    X509_NAME *name = X509_NAME_new();
    if (cn.n) X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, (const unsigned char *)cn.v.s, (int)cn.n, -1, 0);
    X509_set_subject_name(crt, name);
    X509_set_issuer_name(crt, issuer ? X509_get_subject_name(issuer) : name);
    X509_NAME_free(name);
    X509_gmtime_adj(X509_getm_notBefore(crt), 0);
    X509_time_adj_ex(X509_getm_notAfter(crt), (int)days, 0, NULL);
    X509_set_pubkey(crt, key);
    X509 *iss = issuer ? issuer : crt;
    add_ext(crt, iss, NID_key_usage, is_ca ? "critical,digitalSignature,keyEncipherment,keyCertSign" : "critical,digitalSignature,keyEncipherment");
    add_ext(crt, iss, NID_ext_key_usage, "serverAuth,clientAuth");
    add_ext(crt, iss, NID_basic_constraints, is_ca ? "critical,CA:TRUE" : "critical,CA:FALSE");
    if (is_ca) add_ext(crt, iss, NID_subject_key_identifier, "hash");
    if (issuer) add_ext(crt, iss, NID_authority_key_identifier, "keyid");
    if (san.len) {
        ht_sb_putc(&san, 0);
        add_ext(crt, iss, NID_subject_alt_name, san.p);
    }
    EVP_PKEY *signer = issuer_key ? issuer_key : key;
    const EVP_MD *md = EVP_PKEY_get_base_id(signer) == EVP_PKEY_ED25519 ? NULL : EVP_sha256();
    if (!X509_sign(crt, signer, md)) {
        ht_errf(cx, "error creating certificate: signing failed");
        goto out;
    }
    cb = BIO_new(BIO_s_mem());
    kb = BIO_new(BIO_s_mem());
    PEM_write_bio_X509(cb, crt);
    pem_key(kb, key);
    {
        ht_val c = bio_string(cx, cb), k = bio_string(cx, kb);
        *out = cert_val(cx, c, k);
    }
    rc = 0;
out:
    BIO_free(cb);
    BIO_free(kb);
    X509_free(crt);
    return rc;
}

typedef struct {
    EVP_PKEY *key, *ikey;
    X509 *issuer;
} cert_tmp;

static void cert_tmp_free(void *p)
{
    cert_tmp *t = p;
    EVP_PKEY_free(t->key);
    EVP_PKEY_free(t->ikey);
    X509_free(t->issuer);
}

static int gen_cert(ht_ctx *cx, ht_val cn, ht_val ips, ht_val dns, int64_t days, bool is_ca, ht_val *key_pem,
                    ht_val *ca, ht_val *out)
{
    cert_tmp *t = ht_cx_alloc(cx, sizeof *t);
    memset(t, 0, sizeof *t);
    ht_cleanup_push(cx, cert_tmp_free, t);
    int rc = -1;
    if (key_pem) {
        t->key = parse_key_pem(cx, *key_pem);
        if (!t->key) {
            char *m = strdup(cx->err ? cx->err : "");
            ht_errf(cx, "parsing private key: %s", m);
            free(m);
            goto out;
        }
    } else {
        t->key = gen_key("rsa2048");
        if (!t->key) {
            ht_errf(cx, "error generating rsa key: key generation failed");
            goto out;
        }
    }
    if (ca) {
        certificate *c = ca->v.o->data;
        BIO *b = BIO_new_mem_buf(c->cert.v.s, (int)c->cert.n);
        t->issuer = PEM_read_bio_X509(b, NULL, NULL, NULL);
        BIO_free(b);
        if (!t->issuer) {
            ht_errf(cx, "unable to decode certificate");
            goto out;
        }
        t->ikey = parse_key_pem(cx, c->key);
        if (!t->ikey) {
            char *m = strdup(cx->err ? cx->err : "");
            ht_errf(cx, "error parsing private key: %s", m);
            free(m);
            goto out;
        }
    }
    rc = make_cert(cx, cn, ips, dns, days, is_ca, t->key, t->issuer, t->ikey, out);
out:
    ht_cleanup_pop(cx, true);
    return rc;
}

static ht_val nil_list(void)
{
    ht_val v = ht_nil();
    v.k = HT_LIST;
    return v;
}

FN(fn_gen_ca)
{
    UNUSED_ARGS;
    return gen_cert(cx, argv[0], nil_list(), nil_list(), argv[1].v.i, true, NULL, NULL, out);
}

FN(fn_gen_ca_with_key)
{
    UNUSED_ARGS;
    return gen_cert(cx, argv[0], nil_list(), nil_list(), argv[1].v.i, true, &argv[2], NULL, out);
}

FN(fn_gen_self_signed)
{
    UNUSED_ARGS;
    return gen_cert(cx, argv[0], argv[1], argv[2], argv[3].v.i, false, NULL, NULL, out);
}

FN(fn_gen_self_signed_with_key)
{
    UNUSED_ARGS;
    return gen_cert(cx, argv[0], argv[1], argv[2], argv[3].v.i, false, &argv[4], NULL, out);
}

FN(fn_gen_signed)
{
    UNUSED_ARGS;
    return gen_cert(cx, argv[0], argv[1], argv[2], argv[3].v.i, false, NULL, &argv[4], out);
}

FN(fn_gen_signed_with_key)
{
    UNUSED_ARGS;
    return gen_cert(cx, argv[0], argv[1], argv[2], argv[3].v.i, false, &argv[5], &argv[4], out);
}

int ht_b64_decode(ht_ctx *cx, const char *s, size_t n, ht_val *out, char *err, size_t errn);

FN(fn_build_custom_cert)
{
    UNUSED_ARGS;
    char err[128];
    ht_val c, k;
    if (ht_b64_decode(cx, argv[0].v.s, argv[0].n, &c, err, sizeof err)) return ht_errf(cx, "unable to decode base64 certificate");
    if (ht_b64_decode(cx, argv[1].v.s, argv[1].n, &k, err, sizeof err)) return ht_errf(cx, "unable to decode base64 private key");
    BIO *b = BIO_new_mem_buf(c.v.s, (int)c.n);
    X509 *x = PEM_read_bio_X509(b, NULL, NULL, NULL);
    BIO_free(b);
    if (!x) return ht_errf(cx, "unable to decode certificate");
    X509_free(x);
    EVP_PKEY *pk = parse_key_pem(cx, k);
    if (!pk) return ht_errf(cx, "error parsing private key: no PEM data in input");
    EVP_PKEY_free(pk);
    *out = cert_val(cx, c, k);
    return 0;
}

/* ------------------------------------------------------------- AES */

static void aes_key(ht_val pw, unsigned char key[32])
{
    memset(key, 0, 32);
    memcpy(key, pw.v.s, pw.n < 32 ? pw.n : 32);
}

FN(fn_encrypt_aes)
{
    UNUSED_ARGS;
    ht_val pw = argv[0], pt = argv[1];
    if (pt.n == 0) {
        *out = ht_str_static("", 0);
        return 0;
    }
    unsigned char key[32];
    aes_key(pw, key);
    size_t pad = 16 - pt.n % 16;
    size_t clen = pt.n + pad;
    unsigned char *buf = ht_cx_alloc(cx, 16 + clen);
    unsigned char *content = ht_cx_alloc(cx, clen);
    memcpy(content, pt.v.s, pt.n);
    memset(content + pt.n, (int)pad, pad);
    RAND_bytes(buf, 16);
    EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
    int ol = 0;
    EVP_EncryptInit_ex(c, EVP_aes_256_cbc(), NULL, key, buf);
    EVP_CIPHER_CTX_set_padding(c, 0);
    EVP_EncryptUpdate(c, buf + 16, &ol, content, (int)clen);
    EVP_CIPHER_CTX_free(c);
    ht_val raw = ht_str_static((const char *)buf, 16 + clen);
    const ht_funcdef *b64 = ht_func_lookup("b64enc");
    return b64->fn(cx, 1, &raw, out);
}

FN(fn_decrypt_aes)
{
    UNUSED_ARGS;
    ht_val pw = argv[0], ct = argv[1];
    if (ct.n == 0) {
        *out = ht_str_static("", 0);
        return 0;
    }
    char err[128];
    ht_val raw;
    if (ht_b64_decode(cx, ct.v.s, ct.n, &raw, err, sizeof err)) return ht_errf(cx, "%s", err);
    if (raw.n < 16) return ht_errf(cx, "runtime error: slice bounds out of range [:16] with capacity %u", raw.n);
    size_t n = raw.n - 16;
    if (n % 16) return ht_errf(cx, "crypto/cipher: input not full blocks");
    if (n == 0) return ht_errf(cx, "runtime error: index out of range [-1]");
    unsigned char key[32];
    aes_key(pw, key);
    unsigned char *dec = ht_cx_alloc(cx, n + 16);
    EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
    int ol = 0;
    EVP_DecryptInit_ex(c, EVP_aes_256_cbc(), NULL, key, (const unsigned char *)raw.v.s);
    EVP_CIPHER_CTX_set_padding(c, 0);
    EVP_DecryptUpdate(c, dec, &ol, (const unsigned char *)raw.v.s + 16, (int)n);
    EVP_CIPHER_CTX_free(c);
    size_t padn = dec[n - 1];
    if (padn > n) return ht_errf(cx, "runtime error: slice bounds out of range [:%lld]", (long long)n - (long long)padn);
    *out = ht_str(cx, (const char *)dec, n - padn);
    return 0;
}

/* ------------------------------------------------------------- random */

FN(fn_rand_bytes)
{
    UNUSED_ARGS;
    int64_t n = argv[0].v.i;
    if (n < 0) return ht_errf(cx, "runtime error: makeslice: len out of range");
    if (n > (1 << 24)) return ht_errf(cx, "randBytes: count too large");
    unsigned char *b = ht_cx_alloc(cx, (size_t)n + 1);
    RAND_bytes(b, (int)n);
    ht_val raw = ht_str_static((const char *)b, (size_t)n);
    return ht_func_lookup("b64enc")->fn(cx, 1, &raw, out);
}

FN(fn_uuidv4)
{
    UNUSED_ARGS;
    unsigned char u[16];
    RAND_bytes(u, sizeof u);
    u[6] = (u[6] & 0x0F) | 0x40;
    u[8] = (u[8] & 0x3F) | 0x80;
    char s[40];
    snprintf(s, sizeof s, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", u[0], u[1], u[2], u[3],
             u[4], u[5], u[6], u[7], u[8], u[9], u[10], u[11], u[12], u[13], u[14], u[15]);
    *out = ht_strz(cx, s);
    return 0;
}

#define S P_STRING
#define I P_INT
#define L P_LIST

const ht_funcdef ht_funcs_crypto[] = {
    {"adler32sum", fn_adler32sum, 1, false, {S}, S, 0},
    {"bcrypt", fn_bcrypt, 1, false, {S}, S, 0},
    {"buildCustomCert", fn_build_custom_cert, 2, false, {S, S}, P_ANY, 0},
    {"decryptAES", fn_decrypt_aes, 2, false, {S, S}, S, 0},
    {"derivePassword", fn_derive_password, 5, false, {P_UINT32, S, S, S, S}, S, 0},
    {"encryptAES", fn_encrypt_aes, 2, false, {S, S}, S, 0},
    {"genCA", fn_gen_ca, 2, false, {S, I}, P_CERT, 0},
    {"genCAWithKey", fn_gen_ca_with_key, 3, false, {S, I, S}, P_CERT, 0},
    {"genPrivateKey", fn_gen_private_key, 1, false, {S}, S, 0},
    {"genSelfSignedCert", fn_gen_self_signed, 4, false, {S, L, L, I}, P_CERT, 0},
    {"genSelfSignedCertWithKey", fn_gen_self_signed_with_key, 5, false, {S, L, L, I, S}, P_CERT, 0},
    {"genSignedCert", fn_gen_signed, 5, false, {S, L, L, I, P_CERT}, P_CERT, 0},
    {"genSignedCertWithKey", fn_gen_signed_with_key, 6, false, {S, L, L, I, P_CERT, S}, P_CERT, 0},
    {"htpasswd", fn_htpasswd, 2, false, {S, S}, S, 0},
    {"randBytes", fn_rand_bytes, 1, false, {I}, S, 0},
    {"sha1sum", fn_sha1sum, 1, false, {S}, S, 0},
    {"sha256sum", fn_sha256sum, 1, false, {S}, S, 0},
    {"sha512sum", fn_sha512sum, 1, false, {S}, S, 0},
    {"uuidv4", fn_uuidv4, 0, false, {0}, S, 0},
    {NULL, NULL, 0, false, {0}, 0, 0},
};
