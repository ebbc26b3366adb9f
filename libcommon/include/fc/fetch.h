/*
 * fc/fetch.h: download a source artifact (source-controller's tar.gz over
 * HTTP, reference 1.2) the way Flux's consumers do (fluxcd/pkg/http/fetch):
 *
 *   - retries with exponential backoff (1 s .. 30 s by default) on
 *     connection errors, 429 and 5xx (except 501), up to opts->retries extra
 *     attempts (--http-retry, default 9);
 *   - 404 is "artifact not found yet": FC_ENOTFOUND, not retried, so the
 *     caller can requeue after --requeue-dependency;
 *   - the body is streamed to a temporary file next to dest, capped at
 *     opts->max_bytes, hashed while it is written, verified against the
 *     expected digest ("sha256:<hex>", also sha384/sha512) and renamed into
 *     place only when it matches;
 *   - opts->host_override replaces the URL's host[:port]
 *     (SOURCE_CONTROLLER_LOCALHOST); only http and https URLs are accepted.
 *
 * TLS is always verified. Thread-safe: each call uses its own curl handle.
 */
#ifndef FC_FETCH_H
#define FC_FETCH_H
#include <stdint.h>

typedef struct fc_fetch_opts {
    int retries;             /* extra attempts after the first; <0 = 0 */
    uint64_t max_bytes;      /* body cap; 0 = 2 GiB */
    long timeout_ms;         /* per attempt; 0 = 10 minutes */
    const char *host_override; /* "host[:port]" or NULL */
    int64_t min_backoff_ns;  /* 0 = 1 s */
    int64_t max_backoff_ns;  /* 0 = 30 s */
} fc_fetch_opts;

typedef struct fc_fetch_result {
    int attempts;       /* HTTP attempts made */
    uint64_t bytes;     /* size of the stored file */
    long last_status;   /* last HTTP status seen (0 = none) */
} fc_fetch_result;

/* Download url into dest (replaced atomically). digest may be NULL or "" to
 * skip verification. Errors: FC_ENOTFOUND (404), FC_ETOOBIG (cap),
 * FC_EINVAL (bad URL/digest syntax, digest mismatch), FC_EIO/FC_EUNAVAIL
 * (network, after the retries). res may be NULL. */
int fc_fetch_file(const char *url, const char *digest, const char *dest, const fc_fetch_opts *opts, fc_fetch_result *res);

/* Replace the host[:port] of url by host (malloc'd result, NULL on a URL
 * without "scheme://"). */
char *fc_fetch_override_host(const char *url, const char *host);

#endif
