/*
 * fc/duration.h: Go time.Duration parsing and formatting, in nanoseconds.
 * Flux specs, flags and messages all use Go duration strings ("1m30s",
 * "5m0s"), so both directions follow Go exactly.
 */
#ifndef FC_DURATION_H
#define FC_DURATION_H
#include <stdint.h>
#include <stddef.h>

#define FC_NS_PER_MS 1000000LL
#define FC_NS_PER_S 1000000000LL

/* time.ParseDuration: "300ms", "-1.5h", "2h45m"; 0 ok, FC_EINVAL otherwise. */
int fc_duration_parse(const char *s, int64_t *ns);
/* time.Duration.String(): "1h0m0s", "1.5s", "750ms", "0s". */
size_t fc_duration_format(int64_t ns, char *out, size_t n);
/* Monotonic and wall clocks in ns. */
int64_t fc_now_mono_ns(void);
int64_t fc_now_wall_ns(void);
/* RFC 3339 UTC timestamp with second precision ("2025-01-02T03:04:05Z"). */
void fc_time_rfc3339(int64_t wall_ns, char out[32]);
/* RFC 3339 with nanoseconds, as Go's RFC3339Nano (trailing zeros trimmed). */
void fc_time_rfc3339nano(int64_t wall_ns, char out[64]);

#endif
