/*
 * duration.c: Go-compatible durations and timestamps (fc/duration.h). The
 * parser and formatter are ports of time.ParseDuration and Duration.String,
 * including fractional units and the "0s" special case.
 */
#include "fc/duration.h"
#include "fc/err.h"
#include <stdio.h>
#include <string.h>
#include <time.h>

static int64_t unit_ns(const char *u, size_t n)
{
    static const struct { const char *name; int64_t ns; } units[] = {
        {"ns", 1}, {"us", 1000}, {"\xc2\xb5s", 1000}, {"\xce\xbcs", 1000}, {"ms", 1000000},
        {"s", 1000000000LL}, {"m", 60000000000LL}, {"h", 3600000000000LL},
    };
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
        if (strlen(units[i].name) == n && memcmp(units[i].name, u, n) == 0) return units[i].ns;
    return 0;
}

int fc_duration_parse(const char *s, int64_t *out)
{
    const char *orig = s;
    int neg = 0;
    uint64_t total = 0;
    if (!s) return fc_err_set(FC_EINVAL, "time: invalid duration \"\"");
    if (*s == '-' || *s == '+') {
        neg = *s == '-';
        s++;
    }
    if (!strcmp(s, "0")) {
        *out = 0;
        return 0;
    }
    if (!*s) return fc_err_set(FC_EINVAL, "time: invalid duration \"%s\"", orig);
    while (*s) {
        uint64_t v = 0, f = 0;
        double scale = 1;
        int digits = 0;
        if (!(*s == '.' || (*s >= '0' && *s <= '9'))) return fc_err_set(FC_EINVAL, "time: invalid duration \"%s\"", orig);
        while (*s >= '0' && *s <= '9') {
            if (v > (UINT64_MAX - 9) / 10) return fc_err_set(FC_EINVAL, "time: invalid duration \"%s\"", orig);
            v = v * 10 + (uint64_t)(*s - '0');
            s++;
            digits++;
        }
        int pre = digits;
        if (*s == '.') {
            s++;
            while (*s >= '0' && *s <= '9') {
                if (f < (UINT64_MAX - 9) / 10) {
                    f = f * 10 + (uint64_t)(*s - '0');
                    scale *= 10;
                }
                s++;
                digits++;
            }
        }
        if (!digits || (!pre && digits == 0)) return fc_err_set(FC_EINVAL, "time: invalid duration \"%s\"", orig);
        const char *u = s;
        while (*s && *s != '.' && !(*s >= '0' && *s <= '9')) s++;
        if (u == s) return fc_err_set(FC_EINVAL, "time: missing unit in duration \"%s\"", orig);
        int64_t un = unit_ns(u, (size_t)(s - u));
        if (!un) return fc_err_set(FC_EINVAL, "time: unknown unit \"%.*s\" in duration \"%s\"", (int)(s - u), u, orig);
        if (v > (uint64_t)INT64_MAX / (uint64_t)un) return fc_err_set(FC_EINVAL, "time: invalid duration \"%s\"", orig);
        uint64_t add = v * (uint64_t)un;
        if (f) add += (uint64_t)((double)f * ((double)un / scale));
        total += add;
        if (total > (uint64_t)INT64_MAX) return fc_err_set(FC_EINVAL, "time: invalid duration \"%s\"", orig);
    }
    *out = neg ? -(int64_t)total : (int64_t)total;
    return 0;
}

/* Port of Go's fmtFrac/fmtInt into a right-to-left buffer. */
size_t fc_duration_format(int64_t d, char *out, size_t n)
{
    char buf[32];
    int w = sizeof buf;
    uint64_t u = d < 0 ? (uint64_t)(-(d + 1)) + 1 : (uint64_t)d;
    int neg = d < 0;
    if (u < 1000000000ULL) {
        int prec = 0;
        w--;
        buf[w] = 's';
        w--;
        if (u == 0) return (size_t)snprintf(out, n, "0s");
        if (u < 1000ULL) { prec = 0; buf[w] = 'n'; }
        else if (u < 1000000ULL) { prec = 3; w--; memcpy(&buf[w], "\xc2\xb5", 2); }
        else { prec = 6; buf[w] = 'm'; }
        /* fmtFrac */
        int print = 0;
        for (int i = 0; i < prec; i++) {
            int digit = (int)(u % 10);
            print = print || digit != 0;
            if (print) { w--; buf[w] = (char)('0' + digit); }
            u /= 10;
        }
        if (print) { w--; buf[w] = '.'; }
        /* fmtInt */
        if (u == 0) { w--; buf[w] = '0'; }
        else while (u > 0) { w--; buf[w] = (char)('0' + u % 10); u /= 10; }
    } else {
        w--;
        buf[w] = 's';
        int print = 0;
        for (int i = 0; i < 9; i++) {
            int digit = (int)(u % 10);
            print = print || digit != 0;
            if (print) { w--; buf[w] = (char)('0' + digit); }
            u /= 10;
        }
        if (print) { w--; buf[w] = '.'; }
        /* u is now integer seconds */
        uint64_t secs = u % 60;
        if (secs == 0) { w--; buf[w] = '0'; }
        else while (secs > 0) { w--; buf[w] = (char)('0' + secs % 10); secs /= 10; }
        u /= 60;
        if (u > 0) {
            w--;
            buf[w] = 'm';
            uint64_t mins = u % 60;
            if (mins == 0) { w--; buf[w] = '0'; }
            else while (mins > 0) { w--; buf[w] = (char)('0' + mins % 10); mins /= 10; }
            u /= 60;
            if (u > 0) {
                w--;
                buf[w] = 'h';
                while (u > 0) { w--; buf[w] = (char)('0' + u % 10); u /= 10; }
            }
        }
    }
    if (neg) { w--; buf[w] = '-'; }
    return (size_t)snprintf(out, n, "%.*s", (int)(sizeof buf - (size_t)w), buf + w);
}

int64_t fc_now_mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * FC_NS_PER_S + ts.tv_nsec;
}

int64_t fc_now_wall_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * FC_NS_PER_S + ts.tv_nsec;
}

void fc_time_rfc3339(int64_t wall_ns, char out[32])
{
    time_t t = (time_t)(wall_ns / FC_NS_PER_S);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

void fc_time_rfc3339nano(int64_t wall_ns, char out[64])
{
    time_t t = (time_t)(wall_ns / FC_NS_PER_S);
    long frac = (long)(wall_ns % FC_NS_PER_S);
    struct tm tm;
    gmtime_r(&t, &tm);
    char base[32];
    strftime(base, sizeof base, "%Y-%m-%dT%H:%M:%S", &tm);
    if (!frac) {
        snprintf(out, 64, "%sZ", base);
        return;
    }
    char f[16];
    snprintf(f, sizeof f, "%09ld", frac);
    for (int i = 8; i > 0 && f[i] == '0'; i--) f[i] = 0;
    snprintf(out, 64, "%s.%sZ", base, f);
}
