/*
 * fetch.c: artifact download with retries, size cap and digest check (see
 * fc/fetch.h).
 *
 * One curl easy handle per call writes straight into a temporary file created
 * next to the destination (so the final rename is atomic and never crosses a
 * filesystem) while an OpenSSL digest context hashes the same bytes; the body
 * is therefore never held in memory, whatever the artifact size. The retry
 * policy mirrors go-retryablehttp's default one that Flux's fetcher uses.
 */
#include "fc/fetch.h"
#include "fc/duration.h"
#include "fc/err.h"
#include <curl/curl.h>
#include <errno.h>
#include <openssl/evp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

typedef struct sink {
    FILE *f;
    EVP_MD_CTX *md;
    uint64_t n, max;
    bool too_big;
    bool write_error;
} sink;

static size_t on_body(char *p, size_t size, size_t nmemb, void *arg)
{
    sink *s = arg;
    size_t n = size * nmemb;
    if (s->n + n > s->max) {
        s->too_big = true;
        return 0;
    }
    if (n && fwrite(p, 1, n, s->f) != n) {
        s->write_error = true;
        return 0;
    }
    if (s->md) EVP_DigestUpdate(s->md, p, n);
    s->n += n;
    return n;
}

char *fc_fetch_override_host(const char *url, const char *host)
{
    const char *sep = url ? strstr(url, "://") : NULL;
    if (!sep || !host) return NULL;
    const char *h = sep + 3;
    size_t hl = strcspn(h, "/?#");
    size_t pre = (size_t)(h - url);
    size_t len = pre + strlen(host) + strlen(h + hl) + 1;
    char *out = malloc(len);
    if (!out) return NULL;
    snprintf(out, len, "%.*s%s%s", (int)pre, url, host, h + hl);
    return out;
}

static const EVP_MD *digest_algo(const char *digest, const char **hex, char *name, size_t nn)
{
    const char *colon = strchr(digest, ':');
    if (!colon) return NULL;
    snprintf(name, nn, "%.*s", (int)(colon - digest), digest);
    *hex = colon + 1;
    if (!strcmp(name, "sha256")) return EVP_sha256();
    if (!strcmp(name, "sha384")) return EVP_sha384();
    if (!strcmp(name, "sha512")) return EVP_sha512();
    return NULL;
}

static void sleep_ns(int64_t ns)
{
    struct timespec ts = {ns / FC_NS_PER_S, ns % FC_NS_PER_S};
    while (nanosleep(&ts, &ts) && errno == EINTR) {
    }
}

static bool retryable_status(long st) { return st == 429 || (st >= 500 && st != 501); }

int fc_fetch_file(const char *url, const char *digest, const char *dest, const fc_fetch_opts *opts, fc_fetch_result *res)
{
    fc_fetch_opts o = opts ? *opts : (fc_fetch_opts){0};
    if (o.retries < 0) o.retries = 0;
    if (!o.max_bytes) o.max_bytes = 2ULL << 30;
    if (!o.timeout_ms) o.timeout_ms = 10 * 60 * 1000;
    if (!o.min_backoff_ns) o.min_backoff_ns = FC_NS_PER_S;
    if (!o.max_backoff_ns) o.max_backoff_ns = 30 * FC_NS_PER_S;
    fc_fetch_result local;
    if (!res) res = &local;
    memset(res, 0, sizeof *res);

    char *eff = NULL, *tmp = NULL;
    CURL *h = NULL;
    EVP_MD_CTX *md = NULL;
    FILE *f = NULL;
    const EVP_MD *algo = NULL;
    const char *want_hex = NULL;
    char algo_name[32] = "";
    int rc = 0;

    if (!url || (strncasecmp(url, "http://", 7) && strncasecmp(url, "https://", 8))) {
        rc = fc_err_set(FC_EINVAL, "invalid artifact URL '%s': only http and https are supported", url ? url : "");
        goto out;
    }
    if (digest && *digest) {
        algo = digest_algo(digest, &want_hex, algo_name, sizeof algo_name);
        if (!algo) {
            rc = fc_err_set(FC_EINVAL, "unsupported artifact digest '%s' (want sha256:, sha384: or sha512:)", digest);
            goto out;
        }
    }
    if (o.host_override && *o.host_override) {
        eff = fc_fetch_override_host(url, o.host_override);
        if (!eff) {
            rc = fc_err_set(FC_ENOMEM, "out of memory");
            goto out;
        }
    } else {
        eff = strdup(url);
    }
    size_t tl = strlen(dest) + 16;
    tmp = malloc(tl);
    snprintf(tmp, tl, "%s.tmp-XXXXXX", dest);
    int fd = mkstemp(tmp);
    if (fd < 0) {
        rc = fc_err_set(FC_EIO, "cannot create %s: %s", tmp, strerror(errno));
        free(tmp);
        tmp = NULL;
        goto out;
    }
    f = fdopen(fd, "w+b");
    h = curl_easy_init();
    if (algo) md = EVP_MD_CTX_new();
    if (!f || !h || (algo && !md)) {
        if (!f) close(fd);
        rc = fc_err_set(FC_ENOMEM, "out of memory");
        goto out;
    }
    int64_t backoff = o.min_backoff_ns;
    for (int attempt = 0;; attempt++) {
        sink s = {f, md, 0, o.max_bytes, false, false};
        rewind(f);
        if (ftruncate(fileno(f), 0)) {
            rc = fc_err_set(FC_EIO, "cannot truncate %s: %s", tmp, strerror(errno));
            goto out;
        }
        if (md) EVP_DigestInit_ex(md, algo, NULL);
        char errbuf[CURL_ERROR_SIZE] = "";
        curl_easy_reset(h);
        curl_easy_setopt(h, CURLOPT_URL, eff);
        curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
        curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 1L);
        curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
        curl_easy_setopt(h, CURLOPT_MAXREDIRS, 10L);
        curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
        curl_easy_setopt(h, CURLOPT_WRITEDATA, &s);
        curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, o.timeout_ms);
        curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, 30000L);
        curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
        curl_easy_setopt(h, CURLOPT_USERAGENT, "fluxc-fetch");
        CURLcode cc = curl_easy_perform(h);
        long st = 0;
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &st);
        res->attempts = attempt + 1;
        res->last_status = st;
        if (s.too_big) {
            rc = fc_err_set(FC_ETOOBIG, "artifact from %s exceeds the size limit of %llu bytes", eff,
                            (unsigned long long)o.max_bytes);
            goto out;
        }
        if (s.write_error) {
            rc = fc_err_set(FC_EIO, "cannot write %s: %s", tmp, strerror(errno));
            goto out;
        }
        bool retry = false;
        if (cc != CURLE_OK) {
            rc = fc_err_set(FC_EUNAVAIL, "failed to download artifact from %s: %s", eff, *errbuf ? errbuf : curl_easy_strerror(cc));
            retry = true;
        } else if (st == 404) {
            rc = fc_err_set(FC_ENOTFOUND, "artifact not found at %s (HTTP 404)", eff);
            goto out;
        } else if (st < 200 || st > 299) {
            rc = fc_err_set(retryable_status(st) ? FC_EUNAVAIL : FC_EIO, "failed to download artifact from %s: HTTP %ld", eff, st);
            retry = retryable_status(st);
            if (!retry) goto out;
        } else {
            res->bytes = s.n;
            rc = 0;
            break;
        }
        if (!retry || attempt >= o.retries) {
            fc_err_wrap("giving up after %d attempt(s)", attempt + 1);
            goto out;
        }
        sleep_ns(backoff);
        backoff = backoff * 2 > o.max_backoff_ns ? o.max_backoff_ns : backoff * 2;
    }
    if (fflush(f) || fsync(fileno(f))) {
        rc = fc_err_set(FC_EIO, "cannot write %s: %s", tmp, strerror(errno));
        goto out;
    }
    if (md) {
        unsigned char d[EVP_MAX_MD_SIZE];
        unsigned int dl = 0;
        char hex[2 * EVP_MAX_MD_SIZE + 1];
        EVP_DigestFinal_ex(md, d, &dl);
        for (unsigned i = 0; i < dl; i++) snprintf(hex + 2 * i, 3, "%02x", d[i]);
        if (strcasecmp(hex, want_hex)) {
            rc = fc_err_set(FC_EINVAL, "failed to verify artifact from %s: computed digest %s:%s doesn't match '%s'", eff,
                            algo_name, hex, digest);
            goto out;
        }
    }
    fclose(f);
    f = NULL;
    if (rename(tmp, dest)) {
        rc = fc_err_set(FC_EIO, "cannot rename %s to %s: %s", tmp, dest, strerror(errno));
        goto out;
    }
    free(tmp);
    tmp = NULL;
out:
    if (f) fclose(f);
    if (tmp) {
        unlink(tmp);
        free(tmp);
    }
    if (h) curl_easy_cleanup(h);
    EVP_MD_CTX_free(md);
    free(eff);
    return rc;
}
