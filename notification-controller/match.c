/*
 * match.c: RE2 patterns evaluated with glibc's POSIX regex engine (match.h).
 *
 * Only match / no match is ever asked, so RE2 features that change what is
 * captured but not whether something matches (non-capturing groups, lazy
 * quantifiers) translate to their plain POSIX forms. The escapes RE2 has and
 * POSIX lacks (\d \s \w and their negations, \A \z, \n \t \r, \Q..\E) are
 * rewritten, inside and outside bracket expressions; a leading (?i) becomes
 * REG_ICASE. Anything else RE2-specific (\p{..}, (?s), (?P<name>..), \x{..})
 * is rejected with a clear error instead of being guessed at. This is a
 * stop-gap until the shared RE2 matcher lands in libcommon.
 */
#include "match.h"
#include "fc/buf.h"
#include "fc/err.h"
#include <ctype.h>
#include <regex.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_PATTERN 4096

struct nc_regex {
    regex_t re;
    char *posix;
};

static int unsupported(const char *pattern, const char *what)
{
    return fc_err_set(FC_EINVAL, "regular expression \"%.200s\": %s is not supported", pattern, what);
}

/* A backslash escape inside [...] -> text to put in the bracket, or NULL. */
static const char *bracket_escape(char c, int *dash, int *rbracket, char lit[2])
{
    switch (c) {
    case 'd': return "0-9";
    case 's': return "[:space:]";
    case 'w': return "[:alnum:]_";
    case 'n': return "\n";
    case 't': return "\t";
    case 'r': return "\r";
    case '-': *dash = 1; return "";
    case ']': *rbracket = 1; return "";
    default:
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return NULL;
        lit[0] = c;
        lit[1] = 0;
        return lit;
    }
}

/* Translate one bracket expression starting at p (after '['). Returns the
 * position after the closing ']' or NULL. */
static const char *translate_bracket(const char *pattern, const char *p, fc_buf *out)
{
    fc_buf body;
    fc_buf_init(&body, MAX_PATTERN * 4);
    int neg = 0, dash = 0, rbracket = 0;
    if (*p == '^') {
        neg = 1;
        p++;
    }
    if (*p == ']') { /* a leading ']' is literal in both syntaxes */
        rbracket = 1;
        p++;
    }
    while (*p && *p != ']') {
        if (p[0] == '[' && p[1] == ':') { /* [:alpha:] classes are the same */
            const char *end = strstr(p + 2, ":]");
            if (!end) goto bad;
            fc_buf_put(&body, p, (size_t)(end + 2 - p));
            p = end + 2;
            continue;
        }
        if (*p == '\\') {
            char lit[2];
            if (!p[1]) goto bad;
            if (p[1] == 'D' || p[1] == 'S' || p[1] == 'W' || p[1] == 'p' || p[1] == 'P') {
                fc_buf_dispose(&body);
                unsupported(pattern, "a negated or Unicode class inside [...]");
                return NULL;
            }
            const char *t = bracket_escape(p[1], &dash, &rbracket, lit);
            if (!t) {
                fc_buf_dispose(&body);
                char what[40];
                snprintf(what, sizeof what, "the escape \\%c inside [...]", p[1]);
                unsupported(pattern, what);
                return NULL;
            }
            fc_buf_puts(&body, t);
            p += 2;
            continue;
        }
        if (*p == '-' && p[1] == ']') { /* trailing '-' is literal */
            dash = 1;
            p++;
            continue;
        }
        fc_buf_putc(&body, *p++);
    }
    if (*p != ']') goto bad;
    fc_buf_putc(out, '[');
    if (neg) fc_buf_putc(out, '^');
    if (rbracket) fc_buf_putc(out, ']');
    if (body.len) fc_buf_put(out, body.ptr, body.len);
    if (dash) fc_buf_putc(out, '-');
    fc_buf_putc(out, ']');
    fc_buf_dispose(&body);
    return p + 1;
bad:
    fc_buf_dispose(&body);
    fc_err_set(FC_EINVAL, "regular expression \"%.200s\": missing closing ]", pattern);
    return NULL;
}

static void put_literal(fc_buf *out, char c)
{
    if (strchr(".[]()*+?{}|^$\\", c)) fc_buf_putc(out, '\\');
    fc_buf_putc(out, c);
}

/* "{n}", "{n,}" or "{n,m}" at p: true with the counts (hi = -1 when
 * open) and *end after the '}'. */
static bool parse_count(const char *p, int *lo, int *hi, const char **end)
{
    const char *q = p + 1;
    long a = 0, b;
    if (!isdigit((unsigned char)*q)) return false;
    while (isdigit((unsigned char)*q) && a < 100000) a = a * 10 + (*q++ - '0');
    if (isdigit((unsigned char)*q)) return false;
    b = a;
    if (*q == ',') {
        q++;
        if (*q == '}') b = -1;
        else {
            if (!isdigit((unsigned char)*q)) return false;
            b = 0;
            while (isdigit((unsigned char)*q) && b < 100000) b = b * 10 + (*q++ - '0');
            if (isdigit((unsigned char)*q) || b < a) return false;
        }
    }
    if (*q != '}') return false;
    *lo = (int)a;
    *hi = (int)b;
    *end = q + 1;
    return true;
}

static int translate(const char *pattern, fc_buf *out, int *icase)
{
    const char *p = pattern;
    *icase = 0;
    if (!strncmp(p, "(?i)", 4)) {
        *icase = 1;
        p += 4;
    }
    /* Go refuses a repetition of a repetition ("a**", "a{2}+") and counts
     * above 1000, and limits the size of what counted repetitions expand
     * to; glibc would accept them and build automata large enough to exhaust
     * memory, so the same limits are enforced here. */
    bool can_repeat = false, after_quant = false;
    double expanded = 1;
    while (*p) {
        char c = *p;
        if (c == '*' || c == '+' || c == '?' || c == '{') {
            int lo = 0, hi = 0;
            const char *q = p + 1;
            if (c == '{') {
                if (!parse_count(p, &lo, &hi, &q)) { /* not a repetition: a literal brace, as in Go */
                    fc_buf_puts(out, "\\{");
                    p++;
                    can_repeat = true;
                    after_quant = false;
                    continue;
                }
            }
            if (after_quant)
                return fc_err_set(FC_EINVAL, "regular expression \"%.200s\": invalid nested repetition operator", pattern);
            if (!can_repeat)
                return fc_err_set(FC_EINVAL, "regular expression \"%.200s\": missing argument to repetition operator", pattern);
            if (c == '{') {
                if (lo > 1000 || hi > 1000)
                    return fc_err_set(FC_EINVAL, "regular expression \"%.200s\": invalid repeat count", pattern);
                expanded *= (hi > lo ? hi : lo) + 1;
                if (expanded * (double)strlen(pattern) > 100000)
                    return fc_err_set(FC_EINVAL, "regular expression \"%.200s\": expression too large", pattern);
            }
            fc_buf_put(out, p, (size_t)(q - p));
            p = q;
            if (*p == '?') p++; /* lazy: same match/no-match answer as greedy */
            can_repeat = false;
            after_quant = true;
            continue;
        }
        after_quant = false;
        can_repeat = !(c == '(' || c == '|' || (c == '\\' && p[1] && strchr("AzbB", p[1])));
        if (c == '\\') {
            char n = p[1];
            p += 2;
            switch (n) {
            case 0: return fc_err_set(FC_EINVAL, "regular expression \"%.200s\": trailing backslash", pattern);
            case 'd': fc_buf_puts(out, "[0-9]"); break;
            case 'D': fc_buf_puts(out, "[^0-9]"); break;
            case 's': fc_buf_puts(out, "[[:space:]]"); break;
            case 'S': fc_buf_puts(out, "[^[:space:]]"); break;
            case 'w': fc_buf_puts(out, "[[:alnum:]_]"); break;
            case 'W': fc_buf_puts(out, "[^[:alnum:]_]"); break;
            case 'b': fc_buf_puts(out, "\\b"); break;
            case 'B': fc_buf_puts(out, "\\B"); break;
            case 'A': fc_buf_putc(out, '^'); break;
            case 'z': fc_buf_putc(out, '$'); break;
            case 'n': fc_buf_putc(out, '\n'); break;
            case 't': fc_buf_putc(out, '\t'); break;
            case 'r': fc_buf_putc(out, '\r'); break;
            case 'Q': {
                const char *end = strstr(p, "\\E");
                size_t n2 = end ? (size_t)(end - p) : strlen(p);
                for (size_t i = 0; i < n2; i++) put_literal(out, p[i]);
                p += n2 + (end ? 2 : 0);
                break;
            }
            default:
                if ((n >= 'a' && n <= 'z') || (n >= 'A' && n <= 'Z') || (n >= '0' && n <= '9')) {
                    char what[32];
                    snprintf(what, sizeof what, "the escape \\%c", n);
                    return unsupported(pattern, what);
                }
                put_literal(out, n);
            }
            continue;
        }
        if (c == '[') {
            const char *q = translate_bracket(pattern, p + 1, out);
            if (!q) return FC_EINVAL;
            p = q;
            continue;
        }
        if (c == '(' && p[1] == '?') {
            if (p[2] == ':') {
                fc_buf_putc(out, '(');
                p += 3;
                continue;
            }
            return unsupported(pattern, "a (?...) group other than a leading (?i) or (?:...)");
        }
        fc_buf_putc(out, c);
        p++;
    }
    return 0;
}

int nc_regex_compile(const char *pattern, nc_regex **out)
{
    *out = NULL;
    if (strlen(pattern) > MAX_PATTERN)
        return fc_err_set(FC_EINVAL, "regular expression longer than %d bytes", MAX_PATTERN);
    fc_buf b;
    fc_buf_init(&b, MAX_PATTERN * 8);
    int icase = 0;
    int rc = translate(pattern, &b, &icase);
    if (rc) {
        fc_buf_dispose(&b);
        return rc;
    }
    nc_regex *r = calloc(1, sizeof *r);
    if (!r) {
        fc_buf_dispose(&b);
        return fc_err_set(FC_ENOMEM, "out of memory");
    }
    /* fc_buf_detach does not terminate a buffer that was never written */
    r->posix = b.len ? fc_buf_detach(&b, NULL) : strdup("");
    fc_buf_dispose(&b);
    int e = regcomp(&r->re, r->posix, REG_EXTENDED | REG_NOSUB | (icase ? REG_ICASE : 0));
    if (e) {
        char msg[256];
        regerror(e, &r->re, msg, sizeof msg);
        fc_err_set(FC_EINVAL, "regular expression \"%.200s\": %s", pattern, msg);
        free(r->posix);
        free(r);
        return FC_EINVAL;
    }
    *out = r;
    return 0;
}

bool nc_regex_match(const nc_regex *re, const char *s) { return regexec(&re->re, s, 0, NULL, 0) == 0; }

void nc_regex_free(nc_regex *re)
{
    if (!re) return;
    regfree(&re->re);
    free(re->posix);
    free(re);
}

const char *nc_regex_posix(const nc_regex *re) { return re->posix; }
