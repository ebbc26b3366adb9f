/*
 * funcs_date.c: time values for templates: Go's time.Time formatting and
 * parsing with reference layouts ("2006-01-02T15:04:05Z07:00"), Sprig's
 * date functions, Helm 4's duration helpers, and the methods templates call
 * on times (.Unix, .Format, .Year, ...).
 *
 * Zones come from the system tz database read directly (TZif v2+, the data
 * Go reads too), so "dateInZone ... \"Europe/Paris\"" gives Go's offset and
 * abbreviation without touching the process-wide TZ. "Local" means $TZ, or
 * /etc/localtime, or UTC. Layout handling is a port of Go's nextStdChunk.
 */
#include "ht_internal.h"
#include "fc/duration.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define FN(name) static int name(ht_ctx *cx, int argc, ht_val *argv, ht_val *out)
#define UNUSED_ARGS (void)cx, (void)argc, (void)argv

/* ------------------------------------------------------------- civil */

static int64_t floordiv(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

/* days since 1970-01-01 -> y/m/d (Howard Hinnant's algorithm) */
static void civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
    z += 719468;
    int64_t era = floordiv(z, 146097);
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t yy = yoe + era * 400;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = yy + (*m <= 2);
}

static int64_t days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = floordiv(y, 400);
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static bool is_leap(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

typedef struct {
    int64_t year;
    int month, day, hour, min, sec, yday, wday;
} civil;

static void to_civil(const ht_time *t, civil *c)
{
    int64_t s = t->sec + t->off;
    int64_t days = floordiv(s, 86400);
    int64_t rem = s - days * 86400;
    civil_from_days(days, &c->year, &c->month, &c->day);
    c->hour = (int)(rem / 3600);
    c->min = (int)(rem % 3600 / 60);
    c->sec = (int)(rem % 60);
    c->wday = (int)((days % 7 + 11) % 7); /* 1970-01-01 was a Thursday (4) */
    c->yday = (int)(days - days_from_civil(c->year, 1, 1)) + 1;
}

/* ------------------------------------------------------------- zones */

static int64_t be64(const unsigned char *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++) v = v << 8 | p[i];
    return (int64_t)v;
}

static int32_t be32(const unsigned char *p) { return (int32_t)((uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]); }

/* Find offset and abbreviation for unix time `when` in TZif data. */
static bool tzif_lookup(const unsigned char *d, size_t n, int64_t when, int32_t *off, char *abbr, size_t an)
{
    if (n < 44 || memcmp(d, "TZif", 4) != 0) return false;
    int ver = d[4];
    const unsigned char *h = d;
    int tsize = 4;
    if (ver >= '2') {
        /* skip the v1 block */
        uint32_t isutc = (uint32_t)be32(h + 20), isstd = (uint32_t)be32(h + 24), leap = (uint32_t)be32(h + 28),
                 timecnt = (uint32_t)be32(h + 32), typecnt = (uint32_t)be32(h + 36), charcnt = (uint32_t)be32(h + 40);
        size_t skip = 44 + (size_t)timecnt * 5 + (size_t)typecnt * 6 + charcnt + (size_t)leap * 8 + isstd + isutc;
        if (skip + 44 > n) return false;
        h = d + skip;
        tsize = 8;
    }
    uint32_t leap = (uint32_t)be32(h + 28), timecnt = (uint32_t)be32(h + 32), typecnt = (uint32_t)be32(h + 36),
             charcnt = (uint32_t)be32(h + 40);
    const unsigned char *times = h + 44, *idx = times + (size_t)timecnt * (size_t)tsize, *types = idx + timecnt,
                        *chars = types + (size_t)typecnt * 6;
    if ((size_t)(chars + charcnt - d) > n || typecnt == 0) return false;
    (void)leap;
    uint32_t ti = 0;
    bool found = false;
    /* first non-DST type as the default before the first transition */
    for (uint32_t i = 0; i < typecnt; i++)
        if (!types[i * 6 + 4]) {
            ti = i;
            break;
        }
    for (uint32_t i = timecnt; i-- > 0;) {
        int64_t t = tsize == 8 ? be64(times + (size_t)i * 8) : be32(times + (size_t)i * 4);
        if (t <= when) {
            ti = idx[i];
            found = true;
            break;
        }
    }
    (void)found;
    if (ti >= typecnt) return false;
    *off = be32(types + ti * 6);
    unsigned ai = types[ti * 6 + 5];
    if (ai >= charcnt) return false;
    snprintf(abbr, an, "%s", (const char *)chars + ai);
    /* past the last transition Go evaluates the TZ footer rule; the last
     * type is usually right for recent dates, refine with libc when possible */
    return true;
}

static bool load_zone_file(const char *name, unsigned char **data, size_t *n)
{
    char path[512];
    if (name[0] == '/') snprintf(path, sizeof path, "%s", name);
    else {
        if (strstr(name, "..")) return false;
        const char *root = getenv("ZONEINFO");
        snprintf(path, sizeof path, "%s/%s", root && *root ? root : "/usr/share/zoneinfo", name);
    }
    fc_buf b;
    fc_buf_init(&b, 1 << 20);
    if (fc_buf_read_file(&b, path)) {
        fc_buf_dispose(&b);
        return false;
    }
    *n = b.len;
    *data = (unsigned char *)fc_buf_detach(&b, NULL);
    return true;
}

/* Apply zone `name` ("UTC", "Local", "Area/City") to t; false if unknown */
static bool zone_apply(ht_time *t, const char *name)
{
    if (!name[0] || strcmp(name, "UTC") == 0) {
        t->off = 0;
        snprintf(t->zone, sizeof t->zone, "UTC");
        return true;
    }
    const char *file = name;
    if (strcmp(name, "Local") == 0) {
        const char *tz = getenv("TZ");
        if (tz && *tz == ':') tz++;
        if (tz && !*tz) return zone_apply(t, "UTC");
        if (tz && strcmp(tz, "UTC") == 0) return zone_apply(t, "UTC");
        file = tz ? tz : "/etc/localtime";
    }
    unsigned char *d = NULL;
    size_t n = 0;
    if (!load_zone_file(file, &d, &n)) {
        if (strcmp(name, "Local") == 0) return zone_apply(t, "UTC");
        return false;
    }
    int32_t off = 0;
    char abbr[16] = "UTC";
    bool ok = tzif_lookup(d, n, t->sec, &off, abbr, sizeof abbr);
    free(d);
    if (!ok) return strcmp(name, "Local") == 0 ? zone_apply(t, "UTC") : false;
    t->off = off;
    snprintf(t->zone, sizeof t->zone, "%s", abbr);
    return true;
}

static ht_val time_val(ht_ctx *cx, ht_time t)
{
    ht_time *p = ht_cx_alloc(cx, sizeof *p);
    *p = t;
    ht_val v = ht_nil();
    v.k = HT_TIME;
    v.v.t = p;
    return v;
}

static ht_time time_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ht_time t = {0};
    t.sec = ts.tv_sec;
    t.nsec = (int32_t)ts.tv_nsec;
    t.mono = true;
    zone_apply(&t, "Local");
    return t;
}

static ht_time time_unix(int64_t sec)
{
    ht_time t = {0};
    t.sec = sec;
    zone_apply(&t, "Local");
    return t;
}

/* ------------------------------------------------------------- layouts */

enum {
    S_NONE, S_LONG_MONTH, S_MONTH, S_NUM_MONTH, S_ZERO_MONTH, S_LONG_WEEKDAY, S_WEEKDAY, S_DAY, S_UNDER_DAY,
    S_ZERO_DAY, S_UNDER_YEARDAY, S_ZERO_YEARDAY, S_HOUR, S_HOUR12, S_ZERO_HOUR12, S_MINUTE, S_ZERO_MINUTE, S_SECOND,
    S_ZERO_SECOND, S_LONG_YEAR, S_YEAR, S_PM, S_pm, S_TZ, S_ISO8601TZ, S_ISO8601SecondsTZ, S_ISO8601ShortTZ,
    S_ISO8601ColonTZ, S_ISO8601ColonSecondsTZ, S_NumTZ, S_NumSecondsTz, S_NumShortTZ, S_NumColonTZ,
    S_NumColonSecondsTZ, S_FRAC0, S_FRAC9,
};

typedef struct {
    int std;
    int ndigits; /* fractional seconds */
    char sep;
} chunk;

static bool starts_lower(const char *s) { return *s >= 'a' && *s <= 'z'; }

static bool is_digit_at(const char *s, size_t n, size_t i) { return i < n && s[i] >= '0' && s[i] <= '9'; }

/* Go's nextStdChunk: returns prefix length, sets chunk and suffix offset */
static size_t next_std(const char *l, size_t n, chunk *c, size_t *after)
{
#define HAS(off, str) (i + (off) + strlen(str) <= n && memcmp(l + i + (off), str, strlen(str)) == 0)
    for (size_t i = 0; i < n; i++) {
        c->ndigits = 0;
        c->sep = 0;
        switch (l[i]) {
        case 'J':
            if (HAS(0, "Jan")) {
                if (HAS(0, "January")) { c->std = S_LONG_MONTH; *after = i + 7; return i; }
                if (!starts_lower(l + i + 3) || i + 3 >= n) { c->std = S_MONTH; *after = i + 3; return i; }
            }
            break;
        case 'M':
            if (HAS(0, "Mon")) {
                if (HAS(0, "Monday")) { c->std = S_LONG_WEEKDAY; *after = i + 6; return i; }
                if (i + 3 >= n || !starts_lower(l + i + 3)) { c->std = S_WEEKDAY; *after = i + 3; return i; }
            }
            if (HAS(0, "MST")) { c->std = S_TZ; *after = i + 3; return i; }
            break;
        case '0':
            if (i + 1 < n && l[i + 1] >= '1' && l[i + 1] <= '6') {
                static const int std0x[] = {S_ZERO_MONTH, S_ZERO_DAY, S_ZERO_HOUR12, S_ZERO_MINUTE, S_ZERO_SECOND, S_YEAR};
                c->std = std0x[l[i + 1] - '1'];
                *after = i + 2;
                return i;
            }
            if (i + 2 < n && l[i + 1] == '0' && l[i + 2] == '2') { c->std = S_ZERO_YEARDAY; *after = i + 3; return i; }
            break;
        case '1':
            if (i + 1 < n && l[i + 1] == '5') { c->std = S_HOUR; *after = i + 2; return i; }
            c->std = S_NUM_MONTH;
            *after = i + 1;
            return i;
        case '2':
            if (HAS(0, "2006")) { c->std = S_LONG_YEAR; *after = i + 4; return i; }
            c->std = S_DAY;
            *after = i + 1;
            return i;
        case '_':
            if (i + 1 < n && l[i + 1] == '2') {
                if (HAS(1, "2006")) { c->std = S_LONG_YEAR; *after = i + 5; return i + 1; }
                c->std = S_UNDER_DAY;
                *after = i + 2;
                return i;
            }
            if (i + 3 < n && l[i + 1] == '_' && l[i + 2] == '2') { c->std = S_UNDER_YEARDAY; *after = i + 3; return i; }
            break;
        case '3': c->std = S_HOUR12; *after = i + 1; return i;
        case '4': c->std = S_MINUTE; *after = i + 1; return i;
        case '5': c->std = S_SECOND; *after = i + 1; return i;
        case 'P':
            if (i + 1 < n && l[i + 1] == 'M') { c->std = S_PM; *after = i + 2; return i; }
            break;
        case 'p':
            if (i + 1 < n && l[i + 1] == 'm') { c->std = S_pm; *after = i + 2; return i; }
            break;
        case '-':
            if (HAS(0, "-070000")) { c->std = S_NumSecondsTz; *after = i + 7; return i; }
            if (HAS(0, "-07:00:00")) { c->std = S_NumColonSecondsTZ; *after = i + 9; return i; }
            if (HAS(0, "-0700")) { c->std = S_NumTZ; *after = i + 5; return i; }
            if (HAS(0, "-07:00")) { c->std = S_NumColonTZ; *after = i + 6; return i; }
            if (HAS(0, "-07")) { c->std = S_NumShortTZ; *after = i + 3; return i; }
            break;
        case 'Z':
            if (HAS(0, "Z070000")) { c->std = S_ISO8601SecondsTZ; *after = i + 7; return i; }
            if (HAS(0, "Z07:00:00")) { c->std = S_ISO8601ColonSecondsTZ; *after = i + 9; return i; }
            if (HAS(0, "Z0700")) { c->std = S_ISO8601TZ; *after = i + 5; return i; }
            if (HAS(0, "Z07:00")) { c->std = S_ISO8601ColonTZ; *after = i + 6; return i; }
            if (HAS(0, "Z07")) { c->std = S_ISO8601ShortTZ; *after = i + 3; return i; }
            break;
        case '.': case ',':
            if (i + 1 < n && (l[i + 1] == '0' || l[i + 1] == '9')) {
                char ch = l[i + 1];
                size_t j = i + 1;
                while (j < n && l[j] == ch) j++;
                if (!is_digit_at(l, n, j)) {
                    c->std = ch == '0' ? S_FRAC0 : S_FRAC9;
                    c->ndigits = (int)(j - (i + 1));
                    c->sep = l[i];
                    *after = j;
                    return i;
                }
            }
            break;
        }
    }
#undef HAS
    c->std = S_NONE;
    *after = n;
    return n;
}

static const char *long_months[] = {"January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"};
static const char *long_days[] = {"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"};

static void put_int(ht_sb *sb, int64_t v, int width)
{
    char b[32];
    bool neg = v < 0;
    uint64_t u = neg ? (uint64_t)(-(v + 1)) + 1 : (uint64_t)v;
    int k = 0;
    do {
        b[k++] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (neg) ht_sb_putc(sb, '-');
    for (int i = k; i < width; i++) ht_sb_putc(sb, '0');
    while (k) ht_sb_putc(sb, b[--k]);
}

static void fmt_time(const ht_time *t, const char *layout, size_t ln, ht_sb *sb)
{
    civil c;
    to_civil(t, &c);
    size_t pos = 0;
    while (pos < ln) {
        chunk ch;
        size_t after;
        size_t pre = next_std(layout + pos, ln - pos, &ch, &after);
        ht_sb_put(sb, layout + pos, pre);
        if (ch.std == S_NONE) break;
        pos += after;
        int zone;
        switch (ch.std) {
        case S_YEAR: put_int(sb, ((c.year % 100) + 100) % 100, 2); break;
        case S_LONG_YEAR: put_int(sb, c.year, 4); break;
        case S_MONTH: ht_sb_put(sb, long_months[c.month - 1], 3); break;
        case S_LONG_MONTH: ht_sb_puts(sb, long_months[c.month - 1]); break;
        case S_NUM_MONTH: put_int(sb, c.month, 0); break;
        case S_ZERO_MONTH: put_int(sb, c.month, 2); break;
        case S_WEEKDAY: ht_sb_put(sb, long_days[c.wday], 3); break;
        case S_LONG_WEEKDAY: ht_sb_puts(sb, long_days[c.wday]); break;
        case S_DAY: put_int(sb, c.day, 0); break;
        case S_UNDER_DAY:
            if (c.day < 10) ht_sb_putc(sb, ' ');
            put_int(sb, c.day, 0);
            break;
        case S_ZERO_DAY: put_int(sb, c.day, 2); break;
        case S_UNDER_YEARDAY:
            if (c.yday < 100) {
                ht_sb_putc(sb, ' ');
                if (c.yday < 10) ht_sb_putc(sb, ' ');
            }
            put_int(sb, c.yday, 0);
            break;
        case S_ZERO_YEARDAY: put_int(sb, c.yday, 3); break;
        case S_HOUR: put_int(sb, c.hour, 2); break;
        case S_HOUR12: put_int(sb, c.hour % 12 == 0 ? 12 : c.hour % 12, 0); break;
        case S_ZERO_HOUR12: put_int(sb, c.hour % 12 == 0 ? 12 : c.hour % 12, 2); break;
        case S_MINUTE: put_int(sb, c.min, 0); break;
        case S_ZERO_MINUTE: put_int(sb, c.min, 2); break;
        case S_SECOND: put_int(sb, c.sec, 0); break;
        case S_ZERO_SECOND: put_int(sb, c.sec, 2); break;
        case S_PM: ht_sb_puts(sb, c.hour >= 12 ? "PM" : "AM"); break;
        case S_pm: ht_sb_puts(sb, c.hour >= 12 ? "pm" : "am"); break;
        case S_ISO8601TZ: case S_ISO8601ColonTZ: case S_ISO8601SecondsTZ: case S_ISO8601ShortTZ:
        case S_ISO8601ColonSecondsTZ: case S_NumTZ: case S_NumColonTZ: case S_NumSecondsTz: case S_NumShortTZ:
        case S_NumColonSecondsTZ: {
            int off = t->off;
            bool iso = ch.std == S_ISO8601TZ || ch.std == S_ISO8601ColonTZ || ch.std == S_ISO8601SecondsTZ ||
                       ch.std == S_ISO8601ShortTZ || ch.std == S_ISO8601ColonSecondsTZ;
            if (off == 0 && iso) {
                ht_sb_putc(sb, 'Z');
                break;
            }
            zone = off / 60;
            int absoff = off;
            if (zone < 0) {
                ht_sb_putc(sb, '-');
                zone = -zone;
                absoff = -absoff;
            } else {
                ht_sb_putc(sb, '+');
            }
            put_int(sb, zone / 60, 2);
            if (ch.std == S_ISO8601ColonTZ || ch.std == S_NumColonTZ || ch.std == S_ISO8601ColonSecondsTZ ||
                ch.std == S_NumColonSecondsTZ)
                ht_sb_putc(sb, ':');
            if (ch.std != S_NumShortTZ && ch.std != S_ISO8601ShortTZ) put_int(sb, zone % 60, 2);
            if (ch.std == S_ISO8601SecondsTZ || ch.std == S_NumSecondsTz || ch.std == S_NumColonSecondsTZ ||
                ch.std == S_ISO8601ColonSecondsTZ) {
                if (ch.std == S_NumColonSecondsTZ || ch.std == S_ISO8601ColonSecondsTZ) ht_sb_putc(sb, ':');
                put_int(sb, absoff % 60, 2);
            }
            break;
        }
        case S_TZ:
            if (t->zone[0]) {
                ht_sb_puts(sb, t->zone);
                break;
            }
            zone = t->off / 60;
            if (zone < 0) {
                ht_sb_putc(sb, '-');
                zone = -zone;
            } else {
                ht_sb_putc(sb, '+');
            }
            put_int(sb, zone / 60, 2);
            put_int(sb, zone % 60, 2);
            break;
        case S_FRAC0: case S_FRAC9: {
            char digits[16];
            snprintf(digits, sizeof digits, "%09d", t->nsec);
            int nd = ch.ndigits > 9 ? 9 : ch.ndigits;
            if (ch.std == S_FRAC9) {
                int e = nd;
                while (e > 0 && digits[e - 1] == '0') e--;
                if (e == 0) break;
                ht_sb_putc(sb, ch.sep);
                ht_sb_put(sb, digits, (size_t)e);
            } else {
                ht_sb_putc(sb, ch.sep);
                ht_sb_put(sb, digits, (size_t)nd);
            }
            break;
        }
        }
    }
}

void ht_time_format(const ht_time *t, const char *layout, size_t n, ht_sb *sb) { fmt_time(t, layout, n, sb); }

void ht_time_string(const ht_time *t, ht_sb *out)
{
    static const char layout[] = "2006-01-02 15:04:05.999999999 -0700 MST";
    fmt_time(t, layout, sizeof layout - 1, out);
}

void ht_time_rfc3339nano(const ht_time *t, char *out, size_t n)
{
    static const char layout[] = "2006-01-02T15:04:05.999999999Z07:00";
    /* a throwaway builder over a stack buffer */
    char buf[128];
    size_t k = 0;
    civil c;
    to_civil(t, &c);
    k += (size_t)snprintf(buf + k, sizeof buf - k, "%04lld-%02d-%02dT%02d:%02d:%02d", (long long)c.year, c.month, c.day,
                          c.hour, c.min, c.sec);
    if (t->nsec) {
        char d[16];
        snprintf(d, sizeof d, "%09d", t->nsec);
        int e = 9;
        while (e > 0 && d[e - 1] == '0') e--;
        k += (size_t)snprintf(buf + k, sizeof buf - k, ".%.*s", e, d);
    }
    if (t->off == 0) snprintf(buf + k, sizeof buf - k, "Z");
    else {
        int z = t->off / 60;
        char sign = z < 0 ? '-' : '+';
        if (z < 0) z = -z;
        snprintf(buf + k, sizeof buf - k, "%c%02d:%02d", sign, z / 60, z % 60);
    }
    (void)layout;
    snprintf(out, n, "%s", buf);
}

/* ------------------------------------------------------------- parsing */

static bool get_num(const char *s, size_t n, size_t *i, int digits_fixed, int maxd, int64_t *v)
{
    size_t st = *i;
    int64_t x = 0;
    int k = 0;
    while (*i < n && s[*i] >= '0' && s[*i] <= '9' && k < maxd) {
        x = x * 10 + (s[*i] - '0');
        (*i)++;
        k++;
    }
    if (k == 0 || (digits_fixed && k != digits_fixed)) {
        *i = st;
        return false;
    }
    *v = x;
    return true;
}

static int lookup_name(const char *s, size_t n, size_t *i, const char **tab, int cnt, size_t len)
{
    for (int k = 0; k < cnt; k++) {
        size_t l = len ? len : strlen(tab[k]);
        if (*i + l <= n && strncasecmp(s + *i, tab[k], l) == 0) {
            *i += l;
            return k;
        }
    }
    return -1;
}

/* time.ParseInLocation(layout, value, Local); error text like Go's */
static int parse_time(ht_ctx *cx, const char *layout, size_t ln, const char *val, size_t vn, ht_time *out)
{
    int64_t year = 1, month = 1, day = 1, yday = -1, hour = 0, min = 0, sec = 0, nsec = 0;
    bool pm_set = false, pm = false, have_off = false;
    int64_t off = 0;
    size_t lp = 0, vi = 0;
    char zone_abbr[16] = "";
#define FAIL_ELEM(elem)                                                                                           \
    return ht_errf(cx, "parsing time %s as %s: cannot parse %s as %s", q_val, q_layout, q_rest(vi), elem)
    ht_sb qv, ql;
    ht_sb_init(&qv, cx);
    ht_sb_init(&ql, cx);
    ht_go_quote(val, vn, &qv);
    ht_go_quote(layout, ln, &ql);
    const char *q_val = ht_sb_val(&qv).v.s, *q_layout = ht_sb_val(&ql).v.s;
#define q_rest(at) (quote_tmp(cx, val + (at), vn - (at)))
    while (1) {
        chunk ch;
        size_t after;
        size_t pre = next_std(layout + lp, ln - lp, &ch, &after);
        /* literal prefix must match */
        for (size_t k = 0; k < pre; k++) {
            if (vi >= vn || val[vi] != layout[lp + k]) {
                extern const char *quote_tmp(ht_ctx *, const char *, size_t);
                ht_sb ql2;
                ht_sb_init(&ql2, cx);
                ht_go_quote(layout + lp + k, pre - k, &ql2);
                return ht_errf(cx, "parsing time %s as %s: cannot parse %s as %s", q_val, q_layout,
                               quote_tmp(cx, val + vi, vn - vi), ht_sb_val(&ql2).v.s);
            }
            vi++;
        }
        if (ch.std == S_NONE) {
            if (vi < vn) {
                extern const char *quote_tmp(ht_ctx *, const char *, size_t);
                return ht_errf(cx, "parsing time %s: extra text: %s", q_val, quote_tmp(cx, val + vi, vn - vi));
            }
            break;
        }
        const char *std_str = layout + lp + pre;
        size_t std_len = after - pre;
        lp += after;
        char elem[32];
        ht_sb qe;
        ht_sb_init(&qe, cx);
        ht_go_quote(std_str, std_len, &qe);
        snprintf(elem, sizeof elem, "%s", ht_sb_val(&qe).v.s);
        extern const char *quote_tmp(ht_ctx *, const char *, size_t);
        int64_t v;
        switch (ch.std) {
        case S_YEAR:
            if (!get_num(val, vn, &vi, 2, 2, &v)) FAIL_ELEM(elem);
            year = v >= 69 ? v + 1900 : v + 2000;
            break;
        case S_LONG_YEAR:
            if (!get_num(val, vn, &vi, 4, 4, &v)) FAIL_ELEM(elem);
            year = v;
            break;
        case S_MONTH: {
            int k = lookup_name(val, vn, &vi, long_months, 12, 3);
            if (k < 0) FAIL_ELEM(elem);
            month = k + 1;
            break;
        }
        case S_LONG_MONTH: {
            int k = lookup_name(val, vn, &vi, long_months, 12, 0);
            if (k < 0) FAIL_ELEM(elem);
            month = k + 1;
            break;
        }
        case S_NUM_MONTH: case S_ZERO_MONTH:
            if (!get_num(val, vn, &vi, ch.std == S_ZERO_MONTH ? 2 : 0, 2, &v) || v < 1 || v > 12)
                return ht_errf(cx, "parsing time %s: month out of range", q_val);
            month = v;
            break;
        case S_WEEKDAY: if (lookup_name(val, vn, &vi, long_days, 7, 3) < 0) FAIL_ELEM(elem); break;
        case S_LONG_WEEKDAY: if (lookup_name(val, vn, &vi, long_days, 7, 0) < 0) FAIL_ELEM(elem); break;
        case S_DAY: case S_UNDER_DAY: case S_ZERO_DAY:
            if (ch.std == S_UNDER_DAY && vi < vn && val[vi] == ' ') vi++;
            if (!get_num(val, vn, &vi, ch.std == S_ZERO_DAY ? 2 : 0, 2, &v)) FAIL_ELEM(elem);
            day = v;
            break;
        case S_UNDER_YEARDAY: case S_ZERO_YEARDAY:
            while (ch.std == S_UNDER_YEARDAY && vi < vn && val[vi] == ' ') vi++;
            if (!get_num(val, vn, &vi, ch.std == S_ZERO_YEARDAY ? 3 : 0, 3, &v)) FAIL_ELEM(elem);
            yday = v;
            break;
        case S_HOUR:
            if (!get_num(val, vn, &vi, 0, 2, &v) || v > 23) return ht_errf(cx, "parsing time %s: hour out of range", q_val);
            hour = v;
            break;
        case S_HOUR12: case S_ZERO_HOUR12:
            if (!get_num(val, vn, &vi, ch.std == S_ZERO_HOUR12 ? 2 : 0, 2, &v) || v > 12)
                return ht_errf(cx, "parsing time %s: hour out of range", q_val);
            hour = v;
            break;
        case S_MINUTE: case S_ZERO_MINUTE:
            if (!get_num(val, vn, &vi, ch.std == S_ZERO_MINUTE ? 2 : 0, 2, &v) || v > 59)
                return ht_errf(cx, "parsing time %s: minute out of range", q_val);
            min = v;
            break;
        case S_SECOND: case S_ZERO_SECOND:
            if (!get_num(val, vn, &vi, ch.std == S_ZERO_SECOND ? 2 : 0, 2, &v) || v > 59)
                return ht_errf(cx, "parsing time %s: second out of range", q_val);
            sec = v;
            /* a fractional second may follow even without it in the layout */
            if (vi + 1 < vn && (val[vi] == '.' || val[vi] == ',') && val[vi + 1] >= '0' && val[vi + 1] <= '9') {
                size_t nx_after;
                chunk nx;
                next_std(layout + lp, ln - lp, &nx, &nx_after);
                if (!(nx.std == S_FRAC0 || nx.std == S_FRAC9)) {
                    vi++;
                    int64_t ns = 0;
                    int k = 0;
                    while (vi < vn && val[vi] >= '0' && val[vi] <= '9') {
                        if (k < 9) ns = ns * 10 + (val[vi] - '0');
                        k++;
                        vi++;
                    }
                    for (; k < 9; k++) ns *= 10;
                    nsec = ns;
                }
            }
            break;
        case S_PM: case S_pm:
            if (vi + 2 > vn) FAIL_ELEM(elem);
            if (strncasecmp(val + vi, "PM", 2) == 0) pm = true;
            else if (strncasecmp(val + vi, "AM", 2) != 0) FAIL_ELEM(elem);
            pm_set = true;
            vi += 2;
            break;
        case S_ISO8601TZ: case S_ISO8601ColonTZ: case S_ISO8601SecondsTZ: case S_ISO8601ShortTZ:
        case S_ISO8601ColonSecondsTZ:
            if (vi < vn && val[vi] == 'Z') {
                vi++;
                have_off = true;
                off = 0;
                snprintf(zone_abbr, sizeof zone_abbr, "UTC");
                break;
            }
            /* fallthrough */
        case S_NumTZ: case S_NumColonTZ: case S_NumSecondsTz: case S_NumShortTZ: case S_NumColonSecondsTZ: {
            if (vi >= vn || (val[vi] != '+' && val[vi] != '-')) FAIL_ELEM(elem);
            int sign = val[vi] == '-' ? -1 : 1;
            vi++;
            int64_t hh = 0, mm = 0, ss = 0;
            if (!get_num(val, vn, &vi, 2, 2, &hh)) FAIL_ELEM(elem);
            bool colon = ch.std == S_ISO8601ColonTZ || ch.std == S_NumColonTZ || ch.std == S_ISO8601ColonSecondsTZ ||
                         ch.std == S_NumColonSecondsTZ;
            if (ch.std != S_NumShortTZ && ch.std != S_ISO8601ShortTZ) {
                if (colon) {
                    if (vi >= vn || val[vi] != ':') FAIL_ELEM(elem);
                    vi++;
                }
                if (!get_num(val, vn, &vi, 2, 2, &mm)) FAIL_ELEM(elem);
            }
            if (ch.std == S_ISO8601SecondsTZ || ch.std == S_NumSecondsTz || ch.std == S_NumColonSecondsTZ ||
                ch.std == S_ISO8601ColonSecondsTZ) {
                if (colon) {
                    if (vi >= vn || val[vi] != ':') FAIL_ELEM(elem);
                    vi++;
                }
                if (!get_num(val, vn, &vi, 2, 2, &ss)) FAIL_ELEM(elem);
            }
            have_off = true;
            off = sign * (hh * 3600 + mm * 60 + ss);
            break;
        }
        case S_TZ: {
            size_t st = vi;
            while (vi < vn && ((val[vi] >= 'A' && val[vi] <= 'Z'))) vi++;
            if (vi - st < 3) {
                vi = st;
                FAIL_ELEM(elem);
            }
            snprintf(zone_abbr, sizeof zone_abbr, "%.*s", (int)(vi - st), val + st);
            break;
        }
        case S_FRAC0: case S_FRAC9: {
            if (vi >= vn || (val[vi] != '.' && val[vi] != ',')) {
                if (ch.std == S_FRAC9) break;
                FAIL_ELEM(elem);
            }
            vi++;
            int64_t ns = 0;
            int k = 0;
            while (vi < vn && val[vi] >= '0' && val[vi] <= '9' && (ch.std == S_FRAC9 || k < ch.ndigits)) {
                if (k < 9) ns = ns * 10 + (val[vi] - '0');
                k++;
                vi++;
            }
            if (ch.std == S_FRAC0 && k != ch.ndigits) FAIL_ELEM(elem);
            for (; k < 9; k++) ns *= 10;
            nsec = ns;
            break;
        }
        }
    }
#undef FAIL_ELEM
#undef q_rest
    if (pm_set) {
        if (pm && hour < 12) hour += 12;
        else if (!pm && hour == 12) hour = 0;
    }
    if (yday >= 0) {
        int64_t d0 = days_from_civil(year, 1, 1) + yday - 1;
        int m, d;
        int64_t y;
        civil_from_days(d0, &y, &m, &d);
        month = m;
        day = d;
    }
    static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int dim = mdays[month - 1] + (month == 2 && is_leap(year));
    if (day < 1 || day > dim) return ht_errf(cx, "parsing time %s: day out of range", q_val);
    int64_t local = days_from_civil(year, (int)month, (int)day) * 86400 + hour * 3600 + min * 60 + sec;
    ht_time t = {0};
    t.nsec = (int32_t)nsec;
    if (have_off) {
        t.sec = local - off;
        t.off = (int32_t)off;
        /* Go keeps the local zone when it has that offset at that time */
        ht_time probe = t;
        zone_apply(&probe, "Local");
        if (probe.off == off) snprintf(t.zone, sizeof t.zone, "%s", probe.zone);
        else if (off == 0 && zone_abbr[0]) snprintf(t.zone, sizeof t.zone, "UTC");
        else t.zone[0] = 0;
    } else {
        /* interpret in Local: find the offset in effect */
        t.sec = local;
        zone_apply(&t, "Local");
        t.sec = local - t.off;
        zone_apply(&t, "Local");
    }
    *out = t;
    return 0;
}

/* time.Parse for other engine files (schema formats); error text in cx */
int ht_time_parse(ht_ctx *cx, const char *layout, const char *val, size_t vn)
{
    ht_time t;
    return parse_time(cx, layout, strlen(layout), val, vn, &t);
}

const char *quote_tmp(ht_ctx *cx, const char *s, size_t n)
{
    ht_sb sb;
    ht_sb_init(&sb, cx);
    ht_go_quote(s, n, &sb);
    return ht_sb_val(&sb).v.s;
}

/* ------------------------------------------------------------- Sprig */

static ht_time date_arg(ht_val d)
{
    d = ht_strip(d);
    switch (d.k) {
    case HT_TIME: return *d.v.t;
    case HT_INT: case HT_INT64: return time_unix(d.v.i);
    default: return time_now();
    }
}

static ht_val date_in_zone(ht_ctx *cx, ht_val fmt, ht_val date, const char *zone)
{
    ht_time t = date_arg(date);
    if (!zone_apply(&t, zone)) zone_apply(&t, "UTC");
    ht_sb sb;
    ht_sb_init(&sb, cx);
    fmt_time(&t, fmt.v.s, fmt.n, &sb);
    return ht_sb_val(&sb);
}

FN(fn_date)
{
    UNUSED_ARGS;
    *out = date_in_zone(cx, argv[0], argv[1], "Local");
    return 0;
}

FN(fn_date_in_zone)
{
    UNUSED_ARGS;
    char z[128];
    snprintf(z, sizeof z, "%.*s", (int)argv[2].n, argv[2].v.s);
    *out = date_in_zone(cx, argv[0], argv[1], z);
    return 0;
}

FN(fn_html_date)
{
    UNUSED_ARGS;
    *out = date_in_zone(cx, ht_str_static("2006-01-02", 10), argv[0], "Local");
    return 0;
}

FN(fn_html_date_in_zone)
{
    UNUSED_ARGS;
    char z[128];
    snprintf(z, sizeof z, "%.*s", (int)argv[1].n, argv[1].v.s);
    *out = date_in_zone(cx, ht_str_static("2006-01-02", 10), argv[0], z);
    return 0;
}

FN(fn_now)
{
    UNUSED_ARGS;
    *out = time_val(cx, time_now());
    return 0;
}

static ht_time time_add(ht_time t, int64_t ns)
{
    int64_t sec = ns / 1000000000, nsec = ns % 1000000000;
    t.sec += sec;
    int64_t n = t.nsec + nsec;
    if (n >= 1000000000) {
        t.sec++;
        n -= 1000000000;
    } else if (n < 0) {
        t.sec--;
        n += 1000000000;
    }
    t.nsec = (int32_t)n;
    /* the zone offset may differ after the move (DST) */
    return t;
}

static void rezone(ht_time *t)
{
    char z[16];
    snprintf(z, sizeof z, "%s", t->zone);
    int32_t off = t->off;
    if (strcmp(z, "UTC") == 0 && off == 0) return;
    ht_time probe = *t;
    if (zone_apply(&probe, "Local") && strcmp(probe.zone, z) == 0) *t = probe;
    else t->off = off;
}

FN(fn_date_modify)
{
    UNUSED_ARGS;
    int64_t d;
    char buf[128];
    snprintf(buf, sizeof buf, "%.*s", (int)argv[0].n, argv[0].v.s);
    if (fc_duration_parse(buf, &d)) {
        *out = argv[1];
        return 0;
    }
    ht_time t = time_add(*argv[1].v.t, d);
    rezone(&t);
    *out = time_val(cx, t);
    return 0;
}

FN(fn_must_date_modify)
{
    UNUSED_ARGS;
    int64_t d;
    char buf[128];
    snprintf(buf, sizeof buf, "%.*s", (int)argv[0].n, argv[0].v.s);
    if (fc_duration_parse(buf, &d)) return ht_errf(cx, "time: invalid duration %s", quote_tmp(cx, argv[0].v.s, argv[0].n));
    ht_time t = time_add(*argv[1].v.t, d);
    rezone(&t);
    *out = time_val(cx, t);
    return 0;
}

static int64_t since_ns(const ht_time *t)
{
    ht_time now = time_now();
    return (now.sec - t->sec) * 1000000000LL + (now.nsec - t->nsec);
}

static int64_t round_dur(int64_t d, int64_t m)
{
    if (m <= 0) return d;
    int64_t r = d % m;
    if (d < 0) {
        r = -r;
        if (r + r < m) return d + r;
        return d - m + r;
    }
    if (r + r < m) return d - r;
    return d + m - r;
}

FN(fn_ago)
{
    UNUSED_ARGS;
    ht_time t = date_arg(argv[0]);
    char b[64];
    fc_duration_format(round_dur(since_ns(&t), 1000000000LL), b, sizeof b);
    *out = ht_strz(cx, b);
    return 0;
}

FN(fn_duration)
{
    UNUSED_ARGS;
    ht_val v = ht_strip(argv[0]);
    int64_t n = 0;
    if (v.k == HT_STRING) {
        if (!ht_parse_int(v.v.s, v.n, 10, &n)) n = 0;
    } else if (v.k == HT_INT64) {
        n = v.v.i;
    }
    char b[64];
    fc_duration_format((int64_t)((uint64_t)n * 1000000000ULL), b, sizeof b);
    *out = ht_strz(cx, b);
    return 0;
}

FN(fn_duration_round)
{
    UNUSED_ARGS;
    ht_val v = ht_strip(argv[0]);
    int64_t d = 0;
    if (v.k == HT_STRING) {
        char buf[128];
        snprintf(buf, sizeof buf, "%.*s", (int)v.n, v.v.s);
        if (fc_duration_parse(buf, &d)) d = 0;
    } else if (v.k == HT_INT64 || v.k == HT_DURATION) {
        d = v.v.i;
    } else if (v.k == HT_TIME) {
        d = since_ns(v.v.t);
    }
    uint64_t u = (uint64_t)d;
    if (d < 0) u = -u;
    const uint64_t second = 1000000000ULL, minute = 60 * second, hour = 60 * minute, day = 24 * hour,
                   month = 30 * day, year = 365 * day;
    char b[64];
    if (u > year) snprintf(b, sizeof b, "%lluy", (unsigned long long)(u / year));
    else if (u > month) snprintf(b, sizeof b, "%llumo", (unsigned long long)(u / month));
    else if (u > day) snprintf(b, sizeof b, "%llud", (unsigned long long)(u / day));
    else if (u > hour) snprintf(b, sizeof b, "%lluh", (unsigned long long)(u / hour));
    else if (u > minute) snprintf(b, sizeof b, "%llum", (unsigned long long)(u / minute));
    else if (u > second) snprintf(b, sizeof b, "%llus", (unsigned long long)(u / second));
    else snprintf(b, sizeof b, "0s");
    *out = ht_strz(cx, b);
    return 0;
}

FN(fn_to_date)
{
    UNUSED_ARGS;
    ht_time t;
    if (parse_time(cx, argv[0].v.s, argv[0].n, argv[1].v.s, argv[1].n, &t)) {
        ht_err_clear(cx);
        memset(&t, 0, sizeof t);
        t.sec = -62135596800LL; /* Go's zero time: 0001-01-01 00:00:00 UTC */
        snprintf(t.zone, sizeof t.zone, "UTC");
    }
    *out = time_val(cx, t);
    return 0;
}

FN(fn_must_to_date)
{
    UNUSED_ARGS;
    ht_time t;
    if (parse_time(cx, argv[0].v.s, argv[0].n, argv[1].v.s, argv[1].n, &t)) return -1;
    *out = time_val(cx, t);
    return 0;
}

FN(fn_unix_epoch)
{
    UNUSED_ARGS;
    char b[32];
    snprintf(b, sizeof b, "%lld", (long long)argv[0].v.t->sec);
    *out = ht_strz(cx, b);
    return 0;
}

/* ------------------------------------------------------------- Helm 4 durations */

static int as_duration(ht_ctx *cx, ht_val v, int64_t *d)
{
    v = ht_strip(v);
    switch (v.k) {
    case HT_DURATION: *d = v.v.i; return 0;
    case HT_STRING: {
        size_t st = 0, en = v.n;
        while (st < en && fc_u_is_space((unsigned char)v.v.s[st])) st++;
        while (en > st && fc_u_is_space((unsigned char)v.v.s[en - 1])) en--;
        if (st == en) return ht_errf(cx, "empty duration");
        char buf[128];
        snprintf(buf, sizeof buf, "%.*s", (int)(en - st), v.v.s + st);
        if (fc_duration_parse(buf, d) == 0) return 0;
        double f;
        if (ht_parse_float(v.v.s + st, en - st, &f)) {
            if (f != f || f > 9223372036.854775807 || f < -9223372036.854775808)
                return ht_errf(cx, "duration seconds overflow");
            *d = (int64_t)(f * 1e9);
            return 0;
        }
        return ht_errf(cx, "could not parse duration %s", quote_tmp(cx, v.v.s, v.n));
    }
    case HT_NIL: return ht_errf(cx, "invalid duration");
    case HT_INT: case HT_INT64:
        if (v.v.i > 9223372036LL || v.v.i < -9223372036LL) return ht_errf(cx, "duration seconds overflow: %lld", (long long)v.v.i);
        *d = v.v.i * 1000000000LL;
        return 0;
    case HT_UINT64:
        if (v.v.u > 9223372036ULL) return ht_errf(cx, "duration seconds overflow: %llu", (unsigned long long)v.v.u);
        *d = (int64_t)v.v.u * 1000000000LL;
        return 0;
    case HT_FLOAT64: {
        double f = v.v.f;
        if (f != f || f - f != 0) return ht_errf(cx, "invalid duration seconds");
        if (f > 9223372036.854775807 || f < -9223372036.854775808) return ht_errf(cx, "duration seconds overflow");
        *d = (int64_t)(f * 1e9);
        return 0;
    }
    default: return ht_errf(cx, "unsupported duration type %s", ht_type_name(v));
    }
}

FN(fn_must_to_duration)
{
    UNUSED_ARGS;
    int64_t d;
    if (as_duration(cx, argv[0], &d)) return -1;
    *out = ht_duration(d);
    return 0;
}

#define DUR_FN(name, expr, mk)                                  \
    FN(name)                                                    \
    {                                                           \
        UNUSED_ARGS;                                            \
        int64_t d;                                              \
        if (as_duration(cx, argv[0], &d)) {                     \
            ht_err_clear(cx);                                   \
            *out = mk(0);                                       \
            return 0;                                           \
        }                                                       \
        *out = mk(expr);                                        \
        return 0;                                               \
    }

static double dsec(int64_t d) { return (double)(d / 1000000000) + (double)(d % 1000000000) / 1e9; }
static double dmin(int64_t d) { return (double)(d / 60000000000LL) + (double)(d % 60000000000LL) / 6e10; }
static double dhour(int64_t d) { return (double)(d / 3600000000000LL) + (double)(d % 3600000000000LL) / 3.6e12; }

DUR_FN(fn_duration_seconds, dsec(d), ht_float)
DUR_FN(fn_duration_milliseconds, d / 1000000, ht_int64)
DUR_FN(fn_duration_microseconds, d / 1000, ht_int64)
DUR_FN(fn_duration_nanoseconds, d, ht_int64)
DUR_FN(fn_duration_minutes, dmin(d), ht_float)
DUR_FN(fn_duration_hours, dhour(d), ht_float)
DUR_FN(fn_duration_days, dhour(d) / 24.0, ht_float)
DUR_FN(fn_duration_weeks, dhour(d) / 24.0 / 7.0, ht_float)

static int64_t trunc_dur(int64_t d, int64_t m) { return m <= 0 ? d : d - d % m; }

static int dur_round_impl(ht_ctx *cx, ht_val *argv, ht_val *out, bool round)
{
    int64_t d, m;
    if (as_duration(cx, argv[0], &d)) {
        ht_err_clear(cx);
        *out = ht_duration(0);
        return 0;
    }
    if (as_duration(cx, argv[1], &m)) {
        ht_err_clear(cx);
        *out = ht_duration(d);
        return 0;
    }
    *out = ht_duration(round ? round_dur(d, m) : trunc_dur(d, m));
    return 0;
}

FN(fn_duration_round_to)
{
    UNUSED_ARGS;
    return dur_round_impl(cx, argv, out, true);
}

FN(fn_duration_truncate_to)
{
    UNUSED_ARGS;
    return dur_round_impl(cx, argv, out, false);
}

/* ------------------------------------------------------------- methods */

FN(m_unix)
{
    UNUSED_ARGS;
    *out = ht_int64(argv[0].v.t->sec);
    return 0;
}

FN(m_unix_nano)
{
    UNUSED_ARGS;
    *out = ht_int64(argv[0].v.t->sec * 1000000000LL + argv[0].v.t->nsec);
    return 0;
}

FN(m_unix_milli)
{
    UNUSED_ARGS;
    *out = ht_int64(argv[0].v.t->sec * 1000LL + argv[0].v.t->nsec / 1000000);
    return 0;
}

#define CIVIL_M(name, field)             \
    FN(name)                             \
    {                                    \
        UNUSED_ARGS;                     \
        civil c;                         \
        to_civil(argv[0].v.t, &c);       \
        *out = ht_int((int64_t)c.field); \
        return 0;                        \
    }
CIVIL_M(m_year, year)
CIVIL_M(m_day, day)
CIVIL_M(m_hour, hour)
CIVIL_M(m_minute, min)
CIVIL_M(m_second, sec)
CIVIL_M(m_yearday, yday)

/* time.Month and time.Weekday: ints that print their names */
static void month_print(ht_obj *o, ht_sb *out) { ht_sb_puts(out, long_months[(intptr_t)o->data - 1]); }
static ht_val month_value(ht_ctx *cx, ht_obj *o)
{
    (void)cx;
    return ht_int((intptr_t)o->data);
}
static const ht_class month_class = {"time.Month", "int", false, NULL, NULL, month_print, month_value, true};
static void weekday_print(ht_obj *o, ht_sb *out) { ht_sb_puts(out, long_days[(intptr_t)o->data]); }
static const ht_class weekday_class = {"time.Weekday", "int", false, NULL, NULL, weekday_print, month_value, true};

FN(m_month)
{
    UNUSED_ARGS;
    civil c;
    to_civil(argv[0].v.t, &c);
    *out = ht_obj_new(cx, &month_class, (void *)(intptr_t)c.month);
    return 0;
}

FN(m_weekday)
{
    UNUSED_ARGS;
    civil c;
    to_civil(argv[0].v.t, &c);
    *out = ht_obj_new(cx, &weekday_class, (void *)(intptr_t)c.wday);
    return 0;
}

FN(m_nanosecond)
{
    UNUSED_ARGS;
    *out = ht_int(argv[0].v.t->nsec);
    return 0;
}

FN(m_format)
{
    UNUSED_ARGS;
    ht_sb sb;
    ht_sb_init(&sb, cx);
    fmt_time(argv[0].v.t, argv[1].v.s, argv[1].n, &sb);
    *out = ht_sb_val(&sb);
    return 0;
}

FN(m_string)
{
    UNUSED_ARGS;
    ht_sb sb;
    ht_sb_init(&sb, cx);
    ht_time_string(argv[0].v.t, &sb);
    *out = ht_sb_val(&sb);
    return 0;
}

FN(m_utc)
{
    UNUSED_ARGS;
    ht_time t = *argv[0].v.t;
    t.mono = false;
    zone_apply(&t, "UTC");
    *out = time_val(cx, t);
    return 0;
}

FN(m_local)
{
    UNUSED_ARGS;
    ht_time t = *argv[0].v.t;
    t.mono = false;
    zone_apply(&t, "Local");
    *out = time_val(cx, t);
    return 0;
}

FN(m_add)
{
    UNUSED_ARGS;
    ht_time t = time_add(*argv[0].v.t, argv[1].v.i);
    rezone(&t);
    *out = time_val(cx, t);
    return 0;
}

FN(m_add_date)
{
    UNUSED_ARGS;
    civil c;
    ht_time t = *argv[0].v.t;
    to_civil(&t, &c);
    int64_t y = c.year + argv[1].v.i, m = c.month - 1 + argv[2].v.i;
    y += floordiv(m, 12);
    m = m - floordiv(m, 12) * 12 + 1;
    int64_t days = days_from_civil(y, (int)m, 1) + c.day - 1 + argv[3].v.i;
    int64_t local = days * 86400 + c.hour * 3600 + c.min * 60 + c.sec;
    t.sec = local - t.off;
    rezone(&t);
    *out = time_val(cx, t);
    return 0;
}

FN(m_sub)
{
    UNUSED_ARGS;
    const ht_time *a = argv[0].v.t, *b = argv[1].v.t;
    *out = ht_duration((a->sec - b->sec) * 1000000000LL + (a->nsec - b->nsec));
    return 0;
}

FN(m_is_zero)
{
    UNUSED_ARGS;
    *out = ht_bool(argv[0].v.t->sec == -62135596800LL && argv[0].v.t->nsec == 0);
    return 0;
}

static int tcmp(const ht_time *a, const ht_time *b)
{
    if (a->sec != b->sec) return a->sec < b->sec ? -1 : 1;
    return a->nsec < b->nsec ? -1 : a->nsec > b->nsec;
}

FN(m_before)
{
    UNUSED_ARGS;
    *out = ht_bool(tcmp(argv[0].v.t, argv[1].v.t) < 0);
    return 0;
}

FN(m_after)
{
    UNUSED_ARGS;
    *out = ht_bool(tcmp(argv[0].v.t, argv[1].v.t) > 0);
    return 0;
}

FN(m_equal)
{
    UNUSED_ARGS;
    *out = ht_bool(tcmp(argv[0].v.t, argv[1].v.t) == 0);
    return 0;
}

static const ht_funcdef time_methods[] = {
    {"Add", m_add, 1, false, {P_DURATION}, P_TIME, 0},
    {"AddDate", m_add_date, 3, false, {P_INT, P_INT, P_INT}, P_TIME, 0},
    {"After", m_after, 1, false, {P_TIME}, P_BOOL, 0},
    {"Before", m_before, 1, false, {P_TIME}, P_BOOL, 0},
    {"Day", m_day, 0, false, {0}, P_INT, 0},
    {"Equal", m_equal, 1, false, {P_TIME}, P_BOOL, 0},
    {"Format", m_format, 1, false, {P_STRING}, P_STRING, 0},
    {"Hour", m_hour, 0, false, {0}, P_INT, 0},
    {"IsZero", m_is_zero, 0, false, {0}, P_BOOL, 0},
    {"Local", m_local, 0, false, {0}, P_TIME, 0},
    {"Minute", m_minute, 0, false, {0}, P_INT, 0},
    {"Month", m_month, 0, false, {0}, P_RAW, 0},
    {"Nanosecond", m_nanosecond, 0, false, {0}, P_INT, 0},
    {"Second", m_second, 0, false, {0}, P_INT, 0},
    {"String", m_string, 0, false, {0}, P_STRING, 0},
    {"Sub", m_sub, 1, false, {P_TIME}, P_DURATION, 0},
    {"UTC", m_utc, 0, false, {0}, P_TIME, 0},
    {"Unix", m_unix, 0, false, {0}, P_INT64, 0},
    {"UnixMilli", m_unix_milli, 0, false, {0}, P_INT64, 0},
    {"UnixNano", m_unix_nano, 0, false, {0}, P_INT64, 0},
    {"Weekday", m_weekday, 0, false, {0}, P_RAW, 0},
    {"Year", m_year, 0, false, {0}, P_INT, 0},
    {"YearDay", m_yearday, 0, false, {0}, P_INT, 0},
    {NULL, NULL, 0, false, {0}, 0, 0},
};

const ht_funcdef *ht_time_method(const char *name)
{
    for (const ht_funcdef *d = time_methods; d->name; d++)
        if (strcmp(d->name, name) == 0) return d;
    return NULL;
}

FN(md_string)
{
    UNUSED_ARGS;
    char b[64];
    fc_duration_format(argv[0].v.i, b, sizeof b);
    *out = ht_strz(cx, b);
    return 0;
}

FN(md_seconds)
{
    UNUSED_ARGS;
    *out = ht_float(dsec(argv[0].v.i));
    return 0;
}

FN(md_minutes)
{
    UNUSED_ARGS;
    *out = ht_float(dmin(argv[0].v.i));
    return 0;
}

FN(md_hours)
{
    UNUSED_ARGS;
    *out = ht_float(dhour(argv[0].v.i));
    return 0;
}

FN(md_ms)
{
    UNUSED_ARGS;
    *out = ht_int64(argv[0].v.i / 1000000);
    return 0;
}

static const ht_funcdef dur_methods[] = {
    {"Hours", md_hours, 0, false, {0}, P_FLOAT64, 0},
    {"Milliseconds", md_ms, 0, false, {0}, P_INT64, 0},
    {"Minutes", md_minutes, 0, false, {0}, P_FLOAT64, 0},
    {"Seconds", md_seconds, 0, false, {0}, P_FLOAT64, 0},
    {"String", md_string, 0, false, {0}, P_STRING, 0},
    {NULL, NULL, 0, false, {0}, 0, 0},
};

const ht_funcdef *ht_duration_method(const char *name)
{
    for (const ht_funcdef *d = dur_methods; d->name; d++)
        if (strcmp(d->name, name) == 0) return d;
    return NULL;
}

#define S P_STRING
#define A P_ANY

const ht_funcdef ht_funcs_date[] = {
    {"ago", fn_ago, 1, false, {A}, S, 0},
    {"date", fn_date, 2, false, {S, A}, S, 0},
    {"dateInZone", fn_date_in_zone, 3, false, {S, A, S}, S, 0},
    {"dateModify", fn_date_modify, 2, false, {S, P_TIME}, P_TIME, 0},
    {"date_in_zone", fn_date_in_zone, 3, false, {S, A, S}, S, 0},
    {"date_modify", fn_date_modify, 2, false, {S, P_TIME}, P_TIME, 0},
    {"duration", fn_duration, 1, false, {A}, S, 0},
    {"durationDays", fn_duration_days, 1, false, {A}, P_FLOAT64, 0},
    {"durationHours", fn_duration_hours, 1, false, {A}, P_FLOAT64, 0},
    {"durationMicroseconds", fn_duration_microseconds, 1, false, {A}, P_INT64, 0},
    {"durationMilliseconds", fn_duration_milliseconds, 1, false, {A}, P_INT64, 0},
    {"durationMinutes", fn_duration_minutes, 1, false, {A}, P_FLOAT64, 0},
    {"durationNanoseconds", fn_duration_nanoseconds, 1, false, {A}, P_INT64, 0},
    {"durationRound", fn_duration_round, 1, false, {A}, S, 0},
    {"durationRoundTo", fn_duration_round_to, 2, false, {A, A}, P_DURATION, 0},
    {"durationSeconds", fn_duration_seconds, 1, false, {A}, P_FLOAT64, 0},
    {"durationTruncateTo", fn_duration_truncate_to, 2, false, {A, A}, P_DURATION, 0},
    {"durationWeeks", fn_duration_weeks, 1, false, {A}, P_FLOAT64, 0},
    {"htmlDate", fn_html_date, 1, false, {A}, S, 0},
    {"htmlDateInZone", fn_html_date_in_zone, 2, false, {A, S}, S, 0},
    {"mustDateModify", fn_must_date_modify, 2, false, {S, P_TIME}, P_TIME, 0},
    {"mustToDate", fn_must_to_date, 2, false, {S, S}, P_TIME, 0},
    {"mustToDuration", fn_must_to_duration, 1, false, {A}, P_DURATION, 0},
    {"must_date_modify", fn_must_date_modify, 2, false, {S, P_TIME}, P_TIME, 0},
    {"now", fn_now, 0, false, {0}, P_TIME, 0},
    {"toDate", fn_to_date, 2, false, {S, S}, P_TIME, 0},
    {"unixEpoch", fn_unix_epoch, 1, false, {P_TIME}, S, 0},
    {NULL, NULL, 0, false, {0}, 0, 0},
};
