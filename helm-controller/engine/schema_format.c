/*
 * schema_format.c: the "format" assertions of values.schema.json validation
 * and the parts of Go's net/url that they (and $id/$ref resolution) need.
 *
 * Helm validates with santhosh-tekuri/jsonschema v6, which asserts formats
 * for draft-04..07 schemas and while checking a schema against its
 * metaschema (where "regex", "uri" and "uri-reference" matter). Each check
 * below is a port of that library's validator with its exact messages, so a
 * failing value reports what Helm reports. IPv6 addresses are checked with
 * inet_pton and a generic message (netip's detailed texts are not ported).
 */
#include "schema_int.h"
#include "fc/regex.h"
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const char *msgf(ht_ctx *cx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static const char *msgf(ht_ctx *cx, const char *fmt, ...)
{
    ht_sb sb;
    ht_sb_init(&sb, cx);
    char tmp[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    ht_sb_puts(&sb, tmp);
    return ht_sb_val(&sb).v.s;
}

/* Go's %q of a rune */
static const char *qrune(ht_ctx *cx, const char *s, size_t n, size_t *adv)
{
    uint32_t r;
    int l = fc_utf8_decode(s, n, &r);
    if (l <= 0) l = 1;
    *adv = (size_t)l;
    ht_sb sb;
    ht_sb_init(&sb, cx);
    ht_val args[1];
    args[0] = ht_int((int64_t)r);
    ht_fmt_sprintf("%q", 2, 1, args, &sb);
    return ht_sb_val(&sb).v.s;
}

static const char *gquote(ht_ctx *cx, const char *s, size_t n)
{
    ht_sb sb;
    ht_sb_init(&sb, cx);
    ht_go_quote(s, n, &sb);
    return ht_sb_val(&sb).v.s;
}

/* strconv.Atoi with Go's error text */
static const char *go_atoi(ht_ctx *cx, const char *s, size_t n, int64_t *out)
{
    if (!ht_parse_int(s, n, 10, out)) {
        bool digits = n > 0;
        size_t i = (n > 0 && (s[0] == '+' || s[0] == '-')) ? 1 : 0;
        if (i == n) digits = false;
        for (; i < n; i++)
            if (s[i] < '0' || s[i] > '9') digits = false;
        return msgf(cx, "strconv.Atoi: parsing %s: %s", gquote(cx, s, n), digits ? "value out of range" : "invalid syntax");
    }
    return NULL;
}

/* ------------------------------------------------------------ net/url */

static bool ishex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }
static int unhex(char c) { return c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10; }

enum { ENC_PATH, ENC_HOST, ENC_ZONE, ENC_USER, ENC_FRAG, ENC_QUERY };

static bool host_char_ok(unsigned char c)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
    return strchr("-_.~!$&'()*+,;=:[]<>\"", c) != NULL && c != 0;
}

/* url.unescape: only the validation (the decoded text is not needed) */
static const char *url_unescape_check(ht_ctx *cx, const char *s, size_t n, int mode)
{
    for (size_t i = 0; i < n;) {
        if (s[i] == '%') {
            if (i + 2 >= n || !ishex(s[i + 1]) || !ishex(s[i + 2])) {
                size_t l = n - i > 3 ? 3 : n - i;
                return msgf(cx, "invalid URL escape %s", gquote(cx, s + i, l));
            }
            if (mode == ENC_HOST && unhex(s[i + 1]) < 8 && memcmp(s + i, "%25", 3) != 0)
                return msgf(cx, "invalid URL escape %s", gquote(cx, s + i, 3));
            if (mode == ENC_ZONE) {
                unsigned char v = (unsigned char)(unhex(s[i + 1]) << 4 | unhex(s[i + 2]));
                if (memcmp(s + i, "%25", 3) != 0 && v != ' ' && !host_char_ok(v))
                    return msgf(cx, "invalid URL escape %s", gquote(cx, s + i, 3));
            }
            i += 3;
            continue;
        }
        if ((mode == ENC_HOST || mode == ENC_ZONE) && (unsigned char)s[i] < 0x80 && !host_char_ok((unsigned char)s[i]))
            return msgf(cx, "invalid character %s in host name", gquote(cx, s + i, 1));
        i++;
    }
    return NULL;
}

static bool valid_optional_port(const char *p, size_t n)
{
    if (n == 0) return true;
    if (p[0] != ':') return false;
    for (size_t i = 1; i < n; i++)
        if (p[i] < '0' || p[i] > '9') return false;
    return true;
}

static const char *parse_host(ht_ctx *cx, const char *scheme, const char *h, size_t n, js_url *u)
{
    const char *ob = NULL;
    for (size_t i = n; i-- > 0;)
        if (h[i] == '[') { ob = h + i; break; }
    if (ob && ob != h) return "invalid IP-literal";
    if (ob == h) {
        const char *cb = NULL;
        for (size_t i = n; i-- > 0;)
            if (h[i] == ']') { cb = h + i; break; }
        if (!cb) return "missing ']' in host";
        const char *cp = cb + 1;
        size_t cpn = (size_t)(h + n - cp);
        if (!valid_optional_port(cp, cpn)) return msgf(cx, "invalid port %s after host", gquote(cx, cp, cpn));
        const char *hn = h + 1;
        size_t hl = (size_t)(cb - hn);
        char buf[256];
        size_t zone = hl;
        for (size_t i = 0; i + 2 < hl; i++)
            if (memcmp(hn + i, "%25", 3) == 0) { zone = i; break; }
        const char *e = url_unescape_check(cx, hn, zone, ENC_HOST);
        if (!e && zone < hl) e = url_unescape_check(cx, hn + zone, hl - zone, ENC_ZONE);
        if (e) return e;
        if (zone >= sizeof buf) return "invalid host: ParseAddr: unable to parse IP";
        memcpy(buf, hn, zone);
        buf[zone] = 0;
        unsigned char a6[16];
        if (inet_pton(AF_INET6, buf, a6) != 1) {
            unsigned char a4[4];
            if (inet_pton(AF_INET, buf, a4) == 1) return "invalid IP-literal";
            return msgf(cx, "invalid host: ParseAddr(%s): unable to parse IP", gquote(cx, hn, hl));
        }
        if (u) { u->host = hn - 1; u->host_len = n; }
        return NULL;
    }
    const char *first = memchr(h, ':', n);
    if (first) {
        const char *last = h;
        for (size_t i = n; i-- > 0;)
            if (h[i] == ':') { last = h + i; break; }
        const char *cut = first;
        if (last != first && strcmp(scheme, "http") != 0 && strcmp(scheme, "https") != 0) cut = last;
        size_t cpn = (size_t)(h + n - cut);
        if (!valid_optional_port(cut, cpn)) return msgf(cx, "invalid port %s after host", gquote(cx, cut, cpn));
    }
    const char *e = url_unescape_check(cx, h, n, ENC_HOST);
    if (e) return e;
    if (u) { u->host = h; u->host_len = n; }
    return NULL;
}

static bool valid_userinfo(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) continue;
        if (c >= 0x80) return false; /* runes outside ASCII are refused too */
        if (!strchr("-._:~!$&'()*+,;=%@", c)) return false;
    }
    return true;
}

const char *js_url_parse(ht_ctx *cx, const char *raw, size_t n, js_url *u)
{
    js_url tmp;
    if (!u) u = &tmp;
    memset(u, 0, sizeof *u);
    const char *hash = memchr(raw, '#', n);
    size_t un = hash ? (size_t)(hash - raw) : n;
    const char *err = NULL;
    const char *s = raw;
    for (size_t i = 0; i < un; i++)
        if ((unsigned char)s[i] < ' ' || s[i] == 0x7f) { err = "net/url: invalid control character in URL"; goto fail; }
    if (un == 1 && s[0] == '*') { u->path = s; u->path_len = 1; goto frag; }
    /* scheme */
    size_t rest = 0;
    for (size_t i = 0; i < un; i++) {
        char c = s[i];
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) continue;
        if ((c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.') {
            if (i == 0) break;
            continue;
        }
        if (c == ':') {
            if (i == 0) { err = "missing protocol scheme"; goto fail; }
            u->scheme = s;
            u->scheme_len = i;
            rest = i + 1;
        }
        break;
    }
    char scheme[32] = "";
    if (u->scheme_len < sizeof scheme) {
        for (size_t i = 0; i < u->scheme_len; i++) scheme[i] = (char)((s[i] >= 'A' && s[i] <= 'Z') ? s[i] + 32 : s[i]);
        scheme[u->scheme_len] = 0;
    }
    const char *r = s + rest;
    size_t rn = un - rest;
    /* query */
    const char *q = memchr(r, '?', rn);
    if (q) {
        u->query = q + 1;
        u->query_len = (size_t)(r + rn - q - 1);
        u->has_query = true;
        rn = (size_t)(q - r);
    }
    if (rn == 0 || r[0] != '/') {
        if (u->scheme_len) { u->opaque = r; u->opaque_len = rn; goto frag; }
        const char *slash = memchr(r, '/', rn);
        size_t seg = slash ? (size_t)(slash - r) : rn;
        if (memchr(r, ':', seg)) { err = "first path segment in URL cannot contain colon"; goto fail; }
    }
    if ((u->scheme_len || !(rn >= 3 && memcmp(r, "///", 3) == 0)) && rn >= 2 && r[0] == '/' && r[1] == '/') {
        const char *a = r + 2;
        size_t an = rn - 2;
        const char *slash = memchr(a, '/', an);
        size_t al = slash ? (size_t)(slash - a) : an;
        u->has_authority = true;
        const char *at = NULL;
        for (size_t i = al; i-- > 0;)
            if (a[i] == '@') { at = a + i; break; }
        if (at) {
            err = parse_host(cx, scheme, at + 1, (size_t)(a + al - at - 1), u);
            if (err) goto fail;
            if (!valid_userinfo(a, (size_t)(at - a))) { err = "net/url: invalid userinfo"; goto fail; }
            err = url_unescape_check(cx, a, (size_t)(at - a), ENC_USER);
            if (err) goto fail;
            u->user = a;
            u->user_len = (size_t)(at - a);
        } else {
            err = parse_host(cx, scheme, a, al, u);
            if (err) goto fail;
        }
        r = a + al;
        rn = an - al;
    }
    err = url_unescape_check(cx, r, rn, ENC_PATH);
    if (err) goto fail;
    u->path = r;
    u->path_len = rn;
frag:
    if (hash) {
        u->has_frag = true;
        u->frag = hash + 1;
        u->frag_len = n - un - 1;
        err = url_unescape_check(cx, u->frag, u->frag_len, ENC_FRAG);
        if (err) return msgf(cx, "parse %s: %s", gquote(cx, raw, n), err);
    }
    return NULL;
fail:
    return msgf(cx, "parse %s: %s", gquote(cx, raw, un), err);
}

/* ------------------------------------------------------------ formats */

static const char *f_json_pointer(ht_ctx *cx, const char *s, size_t n)
{
    if (n == 0) return NULL;
    if (s[0] != '/') return "not starting with /";
    bool esc = false;
    for (size_t i = 1; i < n;) {
        if (s[i] == '/') {
            if (esc) return "~ must be followed by 0 or 1";
            i++;
            continue;
        }
        uint32_t ch;
        int l = fc_utf8_decode(s + i, n - i, &ch);
        if (l <= 0) l = 1, ch = 0xFFFD;
        if (esc) {
            esc = false;
            if (ch != '0' && ch != '1') return "~ must be followed by 0 or 1";
        } else if (ch == '~') {
            esc = true;
        } else if (!(ch <= 0x2E || (ch >= 0x30 && ch <= 0x7D) || ch >= 0x7F)) {
            size_t adv;
            return msgf(cx, "invalid character %s", qrune(cx, s + i, n - i, &adv));
        }
        i += (size_t)l;
    }
    if (esc) return "~ must be followed by 0 or 1";
    return NULL;
}

static const char *f_rel_json_pointer(ht_ctx *cx, const char *s, size_t n)
{
    size_t d = 0;
    while (d < n && s[d] >= '0' && s[d] <= '9') d++;
    if (d == 0) return "must start with non-negative integer";
    if (d > 1 && s[0] == '0') return "starts with zero";
    if (n - d == 1 && s[d] == '#') return NULL;
    return f_json_pointer(cx, s + d, n - d);
}

static const char *f_uuid(ht_ctx *cx, const char *s, size_t n)
{
    static const int groups[5] = {8, 4, 4, 4, 12};
    size_t ng = 1;
    for (size_t i = 0; i < n; i++) ng += s[i] == '-';
    if (ng != 5) return "must have 5 elements";
    size_t i = 0;
    for (int g = 0; g < 5; g++) {
        size_t st = i;
        while (i < n && s[i] != '-') i++;
        if ((int)(i - st) != groups[g]) return msgf(cx, "element %d must be %d characters long", g + 1, groups[g]);
        for (size_t k = st; k < i;) {
            if (!ishex(s[k])) {
                size_t adv;
                return msgf(cx, "non-hex character %s", qrune(cx, s + k, i - k, &adv));
            }
            k++;
        }
        i++;
    }
    return NULL;
}

static const char *f_duration(ht_ctx *cx, const char *s, size_t n)
{
    if (n == 0 || s[0] != 'P') return "must start with P";
    s++, n--;
    if (n == 0) return "nothing after P";
    if (s[n - 1] == 'W') {
        if (n == 1) return "no number in week";
        for (size_t i = 0; i + 1 < n; i++)
            if (s[i] < '0' || s[i] > '9') return "invalid week";
        return NULL;
    }
    static const char *all[2] = {"YMD", "HMS"};
    size_t part = 0, i = 0;
    for (;;) {
        const char *t = memchr(s + i, 'T', n - i);
        size_t end = t ? (size_t)(t - s) : n;
        if (part != 0 && end == i) return "no time elements";
        if (part >= 2) return "more than one T";
        const char *units = all[part];
        size_t p = i;
        while (p < end) {
            size_t dc = 0;
            while (p + dc < end && s[p + dc] >= '0' && s[p + dc] <= '9') dc++;
            if (dc == 0) return "missing number";
            p += dc;
            if (p == end) return "missing unit";
            char unit = s[p];
            const char *j = strchr(units, unit);
            if (!j || unit == 0) {
                if (strchr(all[part], unit)) return msgf(cx, "unit %s out of order", qrune(cx, s + p, 1, &dc));
                return msgf(cx, "invalid unit %s", qrune(cx, s + p, 1, &dc));
            }
            units = j + 1;
            p++;
        }
        if (!t) break;
        i = end + 1;
        part++;
        if (i > n) break;
    }
    return NULL;
}

static const char *f_ipv4(ht_ctx *cx, const char *s, size_t n)
{
    size_t dots = 0;
    for (size_t i = 0; i < n; i++) dots += s[i] == '.';
    if (dots != 3) return "expected four decimals";
    size_t i = 0;
    for (int g = 0; g < 4; g++) {
        size_t st = i;
        while (i < n && s[i] != '.') i++;
        if (i - st > 1 && s[st] == '0') return "leading zeros";
        int64_t v;
        const char *e = go_atoi(cx, s + st, i - st, &v);
        if (e) return e;
        if (v < 0 || v > 255) return "decimal must be between 0 and 255";
        i++;
    }
    return NULL;
}

static const char *f_ipv6(ht_ctx *cx, const char *s, size_t n)
{
    if (!memchr(s, ':', n)) return "missing colon";
    char buf[128];
    if (n >= sizeof buf) return msgf(cx, "ParseAddr(%s): unable to parse IP", gquote(cx, s, n));
    memcpy(buf, s, n);
    buf[n] = 0;
    char *pct = strchr(buf, '%');
    if (pct) {
        *pct = 0;
        unsigned char a[16];
        if (inet_pton(AF_INET6, buf, a) == 1 && pct[1]) return "zone id is not a part of ipv6 address";
    }
    unsigned char a[16];
    if (pct || inet_pton(AF_INET6, buf, a) != 1) return msgf(cx, "ParseAddr(%s): unable to parse IP", gquote(cx, s, n));
    return NULL;
}

static const char *f_hostname(ht_ctx *cx, const char *s, size_t n)
{
    if (n && s[n - 1] == '.') n--;
    if (n > 253) return "more than 253 characters long";
    size_t i = 0;
    for (;;) {
        size_t st = i;
        while (i < n && s[i] != '.') i++;
        size_t l = i - st;
        if (l < 1 || l > 63) return "label must be 1 to 63 characters long";
        if (s[st] == '-') return "label starts with hyphen";
        if (s[i - 1] == '-') return "label ends with hyphen";
        for (size_t k = st; k < i;) {
            char c = s[k];
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-') {
                k++;
                continue;
            }
            size_t adv;
            return msgf(cx, "invalid character %s", qrune(cx, s + k, i - k, &adv));
        }
        if (i >= n) break;
        i++;
    }
    return NULL;
}

static const char *f_email(ht_ctx *cx, const char *s, size_t n)
{
    if (n > 254) return "more than 255 characters long";
    const char *at = NULL;
    for (size_t i = n; i-- > 0;)
        if (s[i] == '@') { at = s + i; break; }
    if (!at) return "missing @";
    const char *local = s, *domain = at + 1;
    size_t ln = (size_t)(at - s), dn = n - ln - 1;
    if (ln > 64) return "local part more than 64 characters long";
    if (ln > 1 && local[0] == '"' && local[ln - 1] == '"') {
        for (size_t i = 1; i + 1 < ln; i++)
            if (local[i] == '\\' || local[i] == '"') return "backslash and quote are not allowed within quoted local part";
    } else {
        if (ln && local[0] == '.') return "starts with dot";
        if (ln && local[ln - 1] == '.') return "ends with dot";
        for (size_t i = 0; i + 1 < ln; i++)
            if (local[i] == '.' && local[i + 1] == '.') return "consecutive dots";
        for (size_t i = 0; i < ln;) {
            char c = local[i];
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                (c && strchr(".!#$%&'*+-/=?^_`{|}~", c))) {
                i++;
                continue;
            }
            size_t adv;
            return msgf(cx, "invalid character %s", qrune(cx, local + i, ln - i, &adv));
        }
    }
    if (dn >= 2 && domain[0] == '[' && domain[dn - 1] == ']') {
        const char *d = domain + 1;
        size_t l = dn - 2;
        if (l >= 5 && memcmp(d, "IPv6:", 5) == 0) {
            const char *e = f_ipv6(cx, d + 5, l - 5);
            return e ? msgf(cx, "invalid ipv6 address: %s", e) : NULL;
        }
        const char *e = f_ipv4(cx, d, l);
        return e ? msgf(cx, "invalid ipv4 address: %s", e) : NULL;
    }
    const char *e = f_hostname(cx, domain, dn);
    return e ? msgf(cx, "invalid domain: %s", e) : NULL;
}

static const char *f_date(ht_ctx *cx, const char *s, size_t n)
{
    if (ht_time_parse(cx, "2006-01-02", s, n) == 0) return NULL;
    const char *m = msgf(cx, "%s", cx->err ? cx->err : "invalid date");
    ht_err_clear(cx);
    return m;
}

static bool atoi_small(const char *s, size_t n, int *out)
{
    int64_t v;
    if (!ht_parse_int(s, n, 10, &v)) return false;
    *out = (int)v;
    return true;
}

static const char *f_time(ht_ctx *cx, const char *s, size_t n)
{
    (void)cx;
    if (n < 9) return "less than 9 characters long";
    if (s[2] != ':' || s[5] != ':') return "missing colon in correct place";
    int hms[3];
    for (int i = 0; i < 3; i++) {
        if (!atoi_small(s + i * 3, 2, &hms[i])) return "invalid hour/min/sec";
        if (hms[i] < 0) return "non-positive hour/min/sec";
    }
    int h = hms[0], m = hms[1], sec = hms[2];
    if (h > 23 || m > 59 || sec > 60) return "hour/min/sec out of range";
    s += 8, n -= 8;
    if (n && s[0] == '.') {
        size_t d = 0;
        while (1 + d < n && s[1 + d] >= '0' && s[1 + d] <= '9') d++;
        if (d == 0) return "no digits in second fraction";
        s += 1 + d, n -= 1 + d;
    }
    if (!(n == 1 && (s[0] == 'z' || s[0] == 'Z'))) {
        if (n != 6) return "offset must be 6 characters long";
        int sign;
        if (s[0] == '+') sign = -1;
        else if (s[0] == '-') sign = 1;
        else return "offset must begin with plus/minus";
        s++;
        if (s[2] != ':') return "missing colon in offset in correct place";
        int zh, zm;
        if (!atoi_small(s, 2, &zh) || !atoi_small(s + 3, 2, &zm)) return "invalid hour/min in offset";
        if (zh < 0 || zm < 0) return "non-positive hour/min in offset";
        if (zh > 23 || zm > 59) return "hour/min in offset out of range";
        int hm = (h * 60 + m) + sign * (zh * 60 + zm);
        if (hm < 0) hm += 24 * 60;
        h = hm / 60, m = hm % 60;
    }
    if (sec >= 60 && (h != 23 || m != 59)) return "invalid leap second";
    return NULL;
}

static const char *f_date_time(ht_ctx *cx, const char *s, size_t n)
{
    if (n < 20) return "less than 20 characters long";
    if (s[10] != 't' && s[10] != 'T') return "11th character must be t or T";
    const char *e = f_date(cx, s, 10);
    if (e) return msgf(cx, "invalid date element: %s", e);
    e = f_time(cx, s + 11, n - 11);
    if (e) return msgf(cx, "invalid time element: %s", e);
    return NULL;
}

/* the library's parseURL: url.Parse plus a check of IPv6 hosts */
static const char *parse_url_checked(ht_ctx *cx, const char *s, size_t n, js_url *u)
{
    const char *e = js_url_parse(cx, s, n, u);
    if (e) return e;
    if (u->host_len) {
        /* Hostname(): strip port and brackets */
        const char *h = u->host;
        size_t hl = u->host_len;
        if (h[0] == '[') {
            const char *cb = memchr(h, ']', hl);
            if (cb) h++, hl = (size_t)(cb - h);
        } else {
            const char *c = NULL;
            for (size_t i = hl; i-- > 0;)
                if (h[i] == ':') { c = h + i; break; }
            if (c && valid_optional_port(c, (size_t)(h + hl - c))) hl = (size_t)(c - h);
        }
        if (memchr(h, ':', hl)) {
            if (!memchr(u->host, '[', u->host_len) || !memchr(u->host, ']', u->host_len))
                return "ipv6 address not enclosed in brackets";
            const char *ie = f_ipv6(cx, h, hl);
            if (ie) return msgf(cx, "invalid ipv6 address: %s", ie);
        }
    }
    return NULL;
}

static const char *f_uri(ht_ctx *cx, const char *s, size_t n)
{
    js_url u;
    const char *e = parse_url_checked(cx, s, n, &u);
    if (e) return e;
    if (!u.scheme_len) return "relative url";
    return NULL;
}

static const char *f_uri_reference(ht_ctx *cx, const char *s, size_t n)
{
    if (memchr(s, '\\', n)) return "contains \\";
    js_url u;
    return parse_url_checked(cx, s, n, &u);
}

static const char *f_uri_template(ht_ctx *cx, const char *s, size_t n)
{
    js_url u;
    const char *e = parse_url_checked(cx, s, n, &u);
    if (e) return e;
    /* the library checks u.RawPath, which is only set when the path differs
     * from its default encoding; braces always do, so without a raw brace
     * there is nothing to check */
    if (!memchr(u.path, '{', u.path_len) && !memchr(u.path, '}', u.path_len)) return NULL;
    const char *p = u.path;
    size_t pn = u.path_len;
    bool want = true;
    for (size_t i = 0; i < pn; i++) {
        char c = p[i];
        if (c == '/') {
            if (!want) return "no matching closing brace";
            want = true;
            continue;
        }
        if (c == '%' && i + 2 < pn && ishex(p[i + 1]) && ishex(p[i + 2])) {
            c = (char)(unhex(p[i + 1]) << 4 | unhex(p[i + 2]));
            i += 2;
        }
        if (c != '{' && c != '}') continue;
        bool got = c == '{';
        if (got != want) return "nested curly braces";
        want = !want;
    }
    if (!want) return "no matching closing brace";
    return NULL;
}

static const char *f_period(ht_ctx *cx, const char *s, size_t n)
{
    const char *sl = memchr(s, '/', n);
    if (!sl) return "missing slash";
    const char *st = s, *en = sl + 1;
    size_t sn = (size_t)(sl - s), enl = n - sn - 1;
    const char *e;
    if (sn && st[0] == 'P') {
        if ((e = f_duration(cx, st, sn))) return msgf(cx, "invalid start duration: %s", e);
        if ((e = f_date_time(cx, en, enl))) return msgf(cx, "invalid end date-time: %s", e);
    } else {
        if ((e = f_date_time(cx, st, sn))) return msgf(cx, "invalid start date-time: %s", e);
        if (enl && en[0] == 'P') {
            if ((e = f_duration(cx, en, enl))) return msgf(cx, "invalid end duration: %s", e);
        } else if ((e = f_date_time(cx, en, enl))) {
            return msgf(cx, "invalid end date-time: %s", e);
        }
    }
    return NULL;
}

static bool id_char(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-'; }

static const char *f_semver(ht_ctx *cx, const char *s, size_t n)
{
    size_t adv;
    const char *plus = memchr(s, '+', n);
    if (plus) {
        const char *b = plus + 1;
        size_t bn = (size_t)(s + n - b);
        if (bn == 0) return "build is empty";
        size_t i = 0;
        for (;;) {
            size_t st = i;
            while (i < bn && b[i] != '.') i++;
            if (i == st) return "build identifier is empty";
            for (size_t k = st; k < i; k++)
                if (!(b[k] >= '0' && b[k] <= '9') && !id_char(b[k]))
                    return msgf(cx, "invalid character %s in build identifier", qrune(cx, b + k, i - k, &adv));
            if (i >= bn) break;
            i++;
        }
        n = (size_t)(plus - s);
    }
    const char *dash = memchr(s, '-', n);
    if (dash) {
        const char *p = dash + 1;
        size_t pn = (size_t)(s + n - p), i = 0;
        for (;;) {
            size_t st = i;
            while (i < pn && p[i] != '.') i++;
            if (i == st) return "pre-release identifier is empty";
            bool all_digits = true;
            for (size_t k = st; k < i; k++) {
                if (p[k] >= '0' && p[k] <= '9') continue;
                if (id_char(p[k])) { all_digits = false; continue; }
                return msgf(cx, "invalid character %s in pre-release identifier", qrune(cx, p + k, i - k, &adv));
            }
            if (all_digits && i - st > 1 && p[st] == '0') return "pre-release numeric identifier starts with zero";
            if (i >= pn) break;
            i++;
        }
        n = (size_t)(dash - s);
    }
    size_t dots = 0;
    for (size_t i = 0; i < n; i++) dots += s[i] == '.';
    if (dots != 2) return "versionCore must have 3 numbers separated by dot";
    static const char *names[3] = {"major", "minor", "patch"};
    size_t i = 0;
    for (int k = 0; k < 3; k++) {
        size_t st = i;
        while (i < n && s[i] != '.') i++;
        if (i == st) return msgf(cx, "%s is empty", names[k]);
        if (i - st > 1 && s[st] == '0') return msgf(cx, "%s starts with zero", names[k]);
        for (size_t j = st; j < i; j++)
            if (s[j] < '0' || s[j] > '9') return msgf(cx, "%s contains non-digit", names[k]);
        i++;
    }
    return NULL;
}

static const char *f_regex(ht_ctx *cx, const char *s, size_t n)
{
    char err[512];
    fc_regex *re = fc_regex_compile(s, n, err, sizeof err);
    if (!re) return msgf(cx, "%s", err);
    fc_regex_free(re);
    return NULL;
}

static const struct {
    const char *name;
    js_format_fn fn;
} formats[] = {
    {"json-pointer", f_json_pointer}, {"relative-json-pointer", f_rel_json_pointer},
    {"uuid", f_uuid},                 {"duration", f_duration},
    {"period", f_period},             {"ipv4", f_ipv4},
    {"ipv6", f_ipv6},                 {"hostname", f_hostname},
    {"email", f_email},               {"date", f_date},
    {"time", f_time},                 {"date-time", f_date_time},
    {"uri", f_uri},                   {"iri", f_uri},
    {"uri-reference", f_uri_reference}, {"iri-reference", f_uri_reference},
    {"uri-template", f_uri_template}, {"semver", f_semver},
    {"regex", f_regex},
};

js_format_fn js_format_lookup(const char *name)
{
    for (size_t i = 0; i < sizeof formats / sizeof formats[0]; i++)
        if (strcmp(formats[i].name, name) == 0) return formats[i].fn;
    return NULL;
}
