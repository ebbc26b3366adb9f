/*
 * regex.c: a small regular-expression engine with Go's regexp (RE2)
 * syntax and semantics, shared by the Helm engine (Sprig's regex*
 * functions, JSON Schema patterns) and the notification-controller (Alert
 * inclusion/exclusion lists), which must both behave like Go.
 *
 * Why not glibc's regcomp: POSIX regexes use leftmost-longest matching and
 * a different syntax (no \d, no (?i), no non-greedy ?, no (?P<name>)), so
 * `regexReplaceAll "a(b+?)" ...` would silently give different answers.
 * RE2 semantics are leftmost-first (Perl-like) with guaranteed linear time;
 * this engine compiles the pattern to a small instruction program and runs
 * it with a Pike VM (threads in priority order, captures per thread), which
 * gives exactly those semantics without backtracking blow-ups.
 *
 * Supported: literals and escapes (\a\f\t\n\r\v, \x41, \x{263a}, \123,
 * \Q..\E, escaped punctuation), . ^ $ \A \z \b \B, classes with ranges,
 * negation, [:alpha:]-style names, \d\s\w and their negations, \pL-style
 * Unicode categories (L, Lu, Ll, N, Nd, P, S, Z), groups, (?:), (?P<n>),
 * (?<n>), flags i m s U (scoped and inline), * + ? {n,m} greedy and lazy,
 * alternation. Text is matched as UTF-8 runes; invalid bytes are U+FFFD.
 * Error messages follow Go's "error parsing regexp: CODE: `TEXT`".
 */
#include "fc/regex.h"
#include "fc/unicode.h"
#include <stdint.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_REPEAT 1000
#define MAX_PROG 50000

/* ---------------------------------------------------------------- AST */

enum { R_EMPTY, R_LIT, R_CLASS, R_ANY, R_BOL, R_EOL, R_BOT, R_EOT, R_WB, R_NWB, R_CAT, R_ALT, R_REP, R_GROUP };

typedef struct { uint32_t lo, hi; } rrange;

typedef struct rnode {
    int type;
    uint32_t rune;
    bool fold, nl, greedy, neg;
    rrange *ranges;
    int nranges;
    int min, max; /* R_REP; max -1 = unbounded */
    int cap;      /* R_GROUP: capture index, -1 non-capturing */
    struct rnode **kids;
    int nkids;
} rnode;

enum { F_I = 1, F_M = 2, F_S = 4, F_U = 8 };

typedef struct {
    const char *s;
    size_t n, i;
    int flags;
    int ncap;
    char **names;
    char err[256];
    const char *whole;
    size_t wholen;
    int depth;
} rparser;

static void *xcalloc(size_t n, size_t sz)
{
    void *p = calloc(n ? n : 1, sz);
    if (!p) abort();
    return p;
}

static void node_free(rnode *n)
{
    if (!n) return;
    for (int i = 0; i < n->nkids; i++) node_free(n->kids[i]);
    free(n->kids);
    free(n->ranges);
    free(n);
}

static rnode *mk(int type)
{
    rnode *n = xcalloc(1, sizeof *n);
    n->type = type;
    n->cap = -1;
    return n;
}

static void add_kid(rnode *p, rnode *k)
{
    p->kids = realloc(p->kids, (size_t)(p->nkids + 1) * sizeof *p->kids);
    if (!p->kids) abort();
    p->kids[p->nkids++] = k;
}

static void add_range(rnode *n, uint32_t lo, uint32_t hi)
{
    n->ranges = realloc(n->ranges, (size_t)(n->nranges + 1) * sizeof *n->ranges);
    if (!n->ranges) abort();
    n->ranges[n->nranges].lo = lo;
    n->ranges[n->nranges].hi = hi;
    n->nranges++;
}

static bool perr(rparser *p, const char *code, const char *at, size_t len)
{
    if (!p->err[0]) snprintf(p->err, sizeof p->err, "error parsing regexp: %s: `%.*s`", code, (int)len, at);
    return false;
}

static bool peek_rune(rparser *p, uint32_t *r, int *w)
{
    if (p->i >= p->n) return false;
    *w = fc_utf8_decode(p->s + p->i, p->n - p->i, r);
    return true;
}

static rnode *parse_alt(rparser *p);

static void add_perl_class(rnode *c, char k)
{
    switch (k) {
    case 'd': add_range(c, '0', '9'); break;
    case 's': add_range(c, '\t', '\n'); add_range(c, '\f', '\r'); add_range(c, ' ', ' '); break;
    case 'w': add_range(c, '0', '9'); add_range(c, 'A', 'Z'); add_range(c, '_', '_'); add_range(c, 'a', 'z'); break;
    }
}

/* negate a range list over [0, 0x10FFFF] */
static void negate_ranges(rnode *c)
{
    /* sort and merge first */
    for (int i = 1; i < c->nranges; i++)
        for (int j = i; j > 0 && c->ranges[j - 1].lo > c->ranges[j].lo; j--) {
            rrange t = c->ranges[j];
            c->ranges[j] = c->ranges[j - 1];
            c->ranges[j - 1] = t;
        }
    rrange *out = xcalloc((size_t)c->nranges + 1, sizeof *out);
    int k = 0;
    uint32_t next = 0;
    for (int i = 0; i < c->nranges; i++) {
        if (c->ranges[i].lo > next) out[k++] = (rrange){next, c->ranges[i].lo - 1};
        if (c->ranges[i].hi + 1 > next) next = c->ranges[i].hi + 1;
    }
    if (next <= 0x10FFFF) out[k++] = (rrange){next, 0x10FFFF};
    free(c->ranges);
    c->ranges = out;
    c->nranges = k;
}

/* unicode categories, approximated through the helpers in unicode.c */
enum { U_NONE, U_L, U_LU, U_LL, U_N, U_ND, U_P, U_S, U_Z, U_ANY };

static int ucat_of(const char *name, size_t n)
{
    static const struct { const char *n; int c; } t[] = {
        {"L", U_L}, {"Lu", U_LU}, {"Ll", U_LL}, {"N", U_N}, {"Nd", U_ND}, {"P", U_P}, {"S", U_S}, {"Z", U_Z}, {"Any", U_ANY},
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
        if (strlen(t[i].n) == n && memcmp(t[i].n, name, n) == 0) return t[i].c;
    return U_NONE;
}

static bool in_ucat(int cat, uint32_t r)
{
    switch (cat) {
    case U_L: return fc_u_is_letter(r);
    case U_LU: return fc_u_is_upper(r);
    case U_LL: return fc_u_is_lower(r);
    case U_N: return fc_u_is_number(r) || fc_u_is_digit(r);
    case U_ND: return fc_u_is_digit(r);
    case U_P: return fc_u_is_punct(r);
    case U_S: return r < 0x80 ? strchr("$+<=>^`|~", (int)r) != NULL && r : (!fc_u_is_letter(r) && !fc_u_is_punct(r) && fc_u_is_print(r) && !fc_u_is_space(r) && !fc_u_is_number(r));
    case U_Z: return fc_u_is_space(r) && r != '\t' && r != '\n' && r != '\v' && r != '\f' && r != '\r' && r != 0x85;
    case U_ANY: return true;
    }
    return false;
}

/* \p / \P categories are stored as pseudo ranges above the Unicode range */
#define UCAT_BASE 0x200000u

static bool parse_ucat(rparser *p, rnode *c, bool neg_outer, size_t start)
{
    /* at the letter after \p or \P */
    bool neg = p->s[p->i - 1] == 'P';
    const char *name;
    size_t nl;
    if (p->i < p->n && p->s[p->i] == '{') {
        const char *e = memchr(p->s + p->i, '}', p->n - p->i);
        if (!e) return perr(p, "invalid character class range", p->s + start, p->n - start);
        name = p->s + p->i + 1;
        nl = (size_t)(e - name);
        p->i = (size_t)(e - p->s) + 1;
    } else if (p->i < p->n) {
        name = p->s + p->i;
        nl = 1;
        p->i++;
    } else {
        return perr(p, "invalid character class range", p->s + start, p->n - start);
    }
    if (nl && name[0] == '^') {
        neg = !neg;
        name++;
        nl--;
    }
    int cat = ucat_of(name, nl);
    if (cat == U_NONE) return perr(p, "invalid character class range", p->s + start, p->i - start);
    (void)neg_outer;
    add_range(c, UCAT_BASE + (uint32_t)cat * 2 + (neg ? 1 : 0), UCAT_BASE + (uint32_t)cat * 2 + (neg ? 1 : 0));
    return true;
}

/* parse an escape inside or outside a class; *r receives a literal rune,
 * or the class node gets ranges (returns 2) */
static int parse_escape(rparser *p, uint32_t *r, rnode *cls, size_t start)
{
    if (p->i >= p->n) return perr(p, "trailing backslash at end of expression", "", 0) ? 0 : 0;
    char c = p->s[p->i++];
    switch (c) {
    case 'a': *r = 7; return 1;
    case 'f': *r = 12; return 1;
    case 't': *r = 9; return 1;
    case 'n': *r = 10; return 1;
    case 'r': *r = 13; return 1;
    case 'v': *r = 11; return 1;
    case '0': case '1': case '2': case '3': case '4': case '5': case '6': case '7': {
        /* octal: \0 and up to two more digits; \1-\7 only as octal if
         * followed by digits (Go rejects backreferences) */
        if (c != '0' && !(p->i < p->n && p->s[p->i] >= '0' && p->s[p->i] <= '7'))
            return perr(p, "invalid escape sequence", p->s + start, p->i - start) ? 0 : 0;
        uint32_t v = (uint32_t)(c - '0');
        for (int k = 0; k < 2 && p->i < p->n && p->s[p->i] >= '0' && p->s[p->i] <= '7'; k++) v = v * 8 + (uint32_t)(p->s[p->i++] - '0');
        *r = v;
        return 1;
    }
    case 'x': {
        uint32_t v = 0;
        int nd = 0;
        if (p->i < p->n && p->s[p->i] == '{') {
            p->i++;
            while (p->i < p->n && p->s[p->i] != '}') {
                char h = p->s[p->i++];
                int d = (h >= '0' && h <= '9') ? h - '0' : (h >= 'a' && h <= 'f') ? h - 'a' + 10 : (h >= 'A' && h <= 'F') ? h - 'A' + 10 : -1;
                if (d < 0 || v > 0x10FFFF) return perr(p, "invalid escape sequence", p->s + start, p->i - start) ? 0 : 0;
                v = v * 16 + (uint32_t)d;
                nd++;
            }
            if (p->i >= p->n || nd == 0 || v > 0x10FFFF) return perr(p, "invalid escape sequence", p->s + start, p->i - start) ? 0 : 0;
            p->i++;
        } else {
            for (int k = 0; k < 2; k++) {
                if (p->i >= p->n) return perr(p, "invalid escape sequence", p->s + start, p->i - start) ? 0 : 0;
                char h = p->s[p->i++];
                int d = (h >= '0' && h <= '9') ? h - '0' : (h >= 'a' && h <= 'f') ? h - 'a' + 10 : (h >= 'A' && h <= 'F') ? h - 'A' + 10 : -1;
                if (d < 0) return perr(p, "invalid escape sequence", p->s + start, p->i - start) ? 0 : 0;
                v = v * 16 + (uint32_t)d;
            }
        }
        *r = v;
        return 1;
    }
    case 'd': case 's': case 'w': case 'D': case 'S': case 'W': {
        if (!cls) return 3; /* caller builds a class */
        rnode tmp = {0};
        add_perl_class(&tmp, (char)(c | 0x20));
        if (c >= 'A' && c <= 'Z') negate_ranges(&tmp);
        for (int k = 0; k < tmp.nranges; k++) add_range(cls, tmp.ranges[k].lo, tmp.ranges[k].hi);
        free(tmp.ranges);
        return 2;
    }
    case 'p': case 'P':
        if (!cls) return 3;
        return parse_ucat(p, cls, false, start) ? 2 : 0;
    default:
        if ((unsigned char)c < 0x80 && !((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))) {
            *r = (unsigned char)c;
            return 1;
        }
        {
            /* report the escape as written (may be a multi-byte rune) */
            size_t e = p->i;
            if ((unsigned char)c >= 0x80) {
                uint32_t rr;
                e = p->i - 1 + (size_t)fc_utf8_decode(p->s + p->i - 1, p->n - p->i + 1, &rr);
            }
            perr(p, "invalid escape sequence", p->s + start, e - start);
        }
        return 0;
    }
}

static const struct { const char *name; const char *ranges; } posix_classes[] = {
    {"alnum", "09AZaz"}, {"alpha", "AZaz"}, {"ascii", "\x00\x7f"}, {"blank", "\t\t  "},
    {"cntrl", "\x00\x1f\x7f\x7f"}, {"digit", "09"}, {"graph", "!~"}, {"lower", "az"}, {"print", " ~"},
    {"punct", "!/:@[`{~"}, {"space", "\t\r  "}, {"upper", "AZ"}, {"word", "09AZ__az"}, {"xdigit", "09AFaf"},
};

static rnode *parse_class(rparser *p)
{
    size_t start = p->i; /* at '[' */
    p->i++;
    rnode *c = mk(R_CLASS);
    c->fold = p->flags & F_I;
    if (p->i < p->n && p->s[p->i] == '^') {
        c->neg = true;
        p->i++;
    }
    bool first = true;
    for (;;) {
        if (p->i >= p->n) {
            perr(p, "missing closing ]", p->s + start, p->n - start);
            node_free(c);
            return NULL;
        }
        char ch = p->s[p->i];
        if (ch == ']' && !first) {
            p->i++;
            break;
        }
        first = false;
        size_t item_start = p->i;
        /* POSIX class */
        if (ch == '[' && p->i + 1 < p->n && p->s[p->i + 1] == ':') {
            const char *e = NULL;
            for (size_t k = p->i + 2; k + 1 < p->n; k++)
                if (p->s[k] == ':' && p->s[k + 1] == ']') {
                    e = p->s + k;
                    break;
                }
            if (e) {
                const char *nm = p->s + p->i + 2;
                size_t nl = (size_t)(e - nm);
                bool neg = nl && nm[0] == '^';
                if (neg) {
                    nm++;
                    nl--;
                }
                int found = -1;
                for (size_t k = 0; k < sizeof posix_classes / sizeof posix_classes[0]; k++)
                    if (strlen(posix_classes[k].name) == nl && memcmp(posix_classes[k].name, nm, nl) == 0) found = (int)k;
                if (found < 0) {
                    perr(p, "invalid character class range", p->s + p->i, (size_t)(e + 2 - (p->s + p->i)));
                    node_free(c);
                    return NULL;
                }
                rnode tmp = {0};
                const char *rg = posix_classes[found].ranges;
                size_t rl = strcmp(posix_classes[found].name, "ascii") == 0 ? 2 : strcmp(posix_classes[found].name, "cntrl") == 0 ? 4 : strlen(rg);
                for (size_t k = 0; k + 1 < rl + 1 && k < rl; k += 2) add_range(&tmp, (unsigned char)rg[k], (unsigned char)rg[k + 1]);
                if (neg) negate_ranges(&tmp);
                for (int k = 0; k < tmp.nranges; k++) add_range(c, tmp.ranges[k].lo, tmp.ranges[k].hi);
                free(tmp.ranges);
                p->i = (size_t)(e - p->s) + 2;
                continue;
            }
        }
        uint32_t lo;
        int w;
        if (ch == '\\') {
            p->i++;
            int k = parse_escape(p, &lo, c, item_start);
            if (k == 0) {
                node_free(c);
                return NULL;
            }
            if (k == 2) continue;
        } else {
            peek_rune(p, &lo, &w);
            p->i += (size_t)w;
        }
        uint32_t hi = lo;
        if (p->i + 1 < p->n && p->s[p->i] == '-' && p->s[p->i + 1] != ']') {
            p->i++;
            if (p->s[p->i] == '\\') {
                p->i++;
                int k = parse_escape(p, &hi, NULL, p->i - 1);
                if (k != 1) {
                    if (k == 3) perr(p, "invalid character class range", p->s + item_start, p->i - item_start);
                    node_free(c);
                    return NULL;
                }
            } else {
                peek_rune(p, &hi, &w);
                p->i += (size_t)w;
            }
            if (hi < lo) {
                perr(p, "invalid character class range", p->s + item_start, p->i - item_start);
                node_free(c);
                return NULL;
            }
        }
        add_range(c, lo, hi);
    }
    return c;
}

static bool parse_flags(rparser *p, int *flags, bool *is_group_end)
{
    /* after "(?" ; parses flags up to ')' or ':' */
    size_t start = p->i - 2;
    int f = *flags;
    bool neg = false, any = false;
    while (p->i < p->n) {
        char c = p->s[p->i++];
        switch (c) {
        case 'i': f = neg ? f & ~F_I : f | F_I; any = true; break;
        case 'm': f = neg ? f & ~F_M : f | F_M; any = true; break;
        case 's': f = neg ? f & ~F_S : f | F_S; any = true; break;
        case 'U': f = neg ? f & ~F_U : f | F_U; any = true; break;
        case '-':
            if (neg) return perr(p, "invalid or unsupported Perl syntax", p->s + start, p->i - start);
            neg = true;
            any = false;
            break;
        case ')': case ':':
            if (neg && !any) return perr(p, "invalid or unsupported Perl syntax", p->s + start, p->i - start);
            *flags = f;
            *is_group_end = c == ')';
            return true;
        default: return perr(p, "invalid or unsupported Perl syntax", p->s + start, p->i - start);
        }
    }
    return perr(p, "missing closing )", p->whole, p->wholen);
}

static rnode *parse_atom(rparser *p)
{
    uint32_t r = 0;
    int w = 1;
    peek_rune(p, &r, &w);
    size_t start = p->i;
    switch (r) {
    case '(': {
        if (++p->depth > 1000) {
            perr(p, "expression nests too deeply", p->whole, p->wholen);
            return NULL;
        }
        p->i++;
        int saved = p->flags;
        rnode *g = mk(R_GROUP);
        if (p->i < p->n && p->s[p->i] == '?') {
            p->i++;
            if (p->i < p->n && (p->s[p->i] == 'P' || p->s[p->i] == '<')) {
                if (p->s[p->i] == 'P') p->i++;
                if (p->i >= p->n || p->s[p->i] != '<') {
                    perr(p, "invalid or unsupported Perl syntax", p->s + start, p->i - start);
                    node_free(g);
                    return NULL;
                }
                p->i++;
                const char *e = memchr(p->s + p->i, '>', p->n - p->i);
                if (!e) {
                    perr(p, "invalid named capture", p->s + start, p->n - start);
                    node_free(g);
                    return NULL;
                }
                const char *nm = p->s + p->i;
                size_t nl = (size_t)(e - nm);
                bool ok = nl > 0;
                for (size_t k = 0; k < nl && ok; k++)
                    ok = nm[k] == '_' || (nm[k] >= '0' && nm[k] <= '9') || (nm[k] >= 'a' && nm[k] <= 'z') || (nm[k] >= 'A' && nm[k] <= 'Z');
                for (int k = 1; ok && k <= p->ncap; k++)
                    if (p->names[k] && strlen(p->names[k]) == nl && memcmp(p->names[k], nm, nl) == 0) {
                        perr(p, "duplicate capture group name", nm, nl);
                        node_free(g);
                        return NULL;
                    }
                if (!ok) {
                    perr(p, "invalid named capture", p->s + start, (size_t)(e + 1 - (p->s + start)));
                    node_free(g);
                    return NULL;
                }
                g->cap = ++p->ncap;
                p->names = realloc(p->names, (size_t)(p->ncap + 1) * sizeof *p->names);
                if (!p->names) abort();
                p->names[g->cap] = strndup(nm, nl);
                p->i = (size_t)(e - p->s) + 1;
            } else {
                bool end;
                int f = p->flags;
                if (!parse_flags(p, &f, &end)) {
                    node_free(g);
                    return NULL;
                }
                if (end) {
                    /* (?flags) applies to the rest of the current group */
                    p->flags = f;
                    g->type = R_EMPTY;
                    p->depth--;
                    return g;
                }
                p->flags = f;
            }
        } else {
            g->cap = ++p->ncap;
            p->names = realloc(p->names, (size_t)(p->ncap + 1) * sizeof *p->names);
            if (!p->names) abort();
            p->names[g->cap] = NULL;
        }
        rnode *body = parse_alt(p);
        if (!body) {
            node_free(g);
            return NULL;
        }
        if (p->i >= p->n || p->s[p->i] != ')') {
            node_free(body);
            node_free(g);
            perr(p, "missing closing )", p->whole, p->wholen);
            return NULL;
        }
        p->i++;
        p->flags = saved;
        p->depth--;
        add_kid(g, body);
        return g;
    }
    case '[': return parse_class(p);
    case '.': {
        p->i++;
        rnode *n = mk(R_ANY);
        n->nl = p->flags & F_S;
        return n;
    }
    case '^': p->i++; return mk(p->flags & F_M ? R_BOL : R_BOT);
    case '$': p->i++; return mk(p->flags & F_M ? R_EOL : R_EOT);
    case '\\': {
        p->i++;
        if (p->i < p->n) {
            char c = p->s[p->i];
            if (c == 'A') { p->i++; return mk(R_BOT); }
            if (c == 'z') { p->i++; return mk(R_EOT); }
            if (c == 'b') { p->i++; return mk(R_WB); }
            if (c == 'B') { p->i++; return mk(R_NWB); }
            if (c == 'Q') {
                p->i++;
                rnode *cat = mk(R_CAT);
                const char *e = NULL;
                for (size_t k = p->i; k + 1 < p->n; k++)
                    if (p->s[k] == '\\' && p->s[k + 1] == 'E') {
                        e = p->s + k;
                        break;
                    }
                size_t end = e ? (size_t)(e - p->s) : p->n;
                while (p->i < end) {
                    uint32_t rr;
                    int ww = fc_utf8_decode(p->s + p->i, end - p->i, &rr);
                    rnode *l = mk(R_LIT);
                    l->rune = rr;
                    l->fold = p->flags & F_I;
                    add_kid(cat, l);
                    p->i += (size_t)ww;
                }
                if (e) p->i = end + 2;
                return cat;
            }
            if (c == 'C') {
                p->i++;
                rnode *n = mk(R_ANY);
                n->nl = true;
                return n;
            }
        }
        rnode *cls = mk(R_CLASS);
        uint32_t lit;
        int k = parse_escape(p, &lit, NULL, start);
        if (k == 0) {
            node_free(cls);
            return NULL;
        }
        if (k == 3) {
            p->i--;
            char c = p->s[p->i];
            if (c == 'p' || c == 'P') {
                p->i++;
                if (!parse_ucat(p, cls, false, start)) {
                    node_free(cls);
                    return NULL;
                }
            } else {
                p->i++;
                add_perl_class(cls, (char)(c | 0x20));
                if (c >= 'A' && c <= 'Z') negate_ranges(cls);
            }
            return cls;
        }
        node_free(cls);
        rnode *l = mk(R_LIT);
        l->rune = lit;
        l->fold = p->flags & F_I;
        return l;
    }
    default: {
        p->i += (size_t)w;
        rnode *l = mk(R_LIT);
        l->rune = r;
        l->fold = p->flags & F_I;
        return l;
    }
    }
}

static bool parse_repeat_count(rparser *p, int *min, int *max)
{
    /* at '{'; returns false (without error) if not a valid repeat */
    size_t i = p->i + 1;
    int a = 0, b;
    bool any = false;
    while (i < p->n && p->s[i] >= '0' && p->s[i] <= '9') {
        if (a < 100000) a = a * 10 + (p->s[i] - '0');
        i++;
        any = true;
    }
    if (!any) return false;
    if (i < p->n && p->s[i] == '}') {
        b = a;
    } else if (i < p->n && p->s[i] == ',') {
        i++;
        if (i < p->n && p->s[i] == '}') b = -1;
        else {
            b = 0;
            any = false;
            while (i < p->n && p->s[i] >= '0' && p->s[i] <= '9') {
                if (b < 100000) b = b * 10 + (p->s[i] - '0');
                i++;
                any = true;
            }
            if (!any || i >= p->n || p->s[i] != '}') return false;
        }
    } else {
        return false;
    }
    p->i = i + 1;
    *min = a;
    *max = b;
    return true;
}

static rnode *parse_concat(rparser *p)
{
    rnode *cat = mk(R_CAT);
    while (p->i < p->n && p->s[p->i] != '|' && p->s[p->i] != ')') {
        char c = p->s[p->i];
        if (c == '*' || c == '+' || c == '?') {
            perr(p, "missing argument to repetition operator", p->s + p->i, 1);
            node_free(cat);
            return NULL;
        }
        if (c == '{') {
            size_t save = p->i;
            int mn, mx;
            if (parse_repeat_count(p, &mn, &mx)) {
                perr(p, "missing argument to repetition operator", p->s + save, p->i - save);
                node_free(cat);
                return NULL;
            }
        }
        size_t atom_start = p->i;
        rnode *a = parse_atom(p);
        if (!a) {
            node_free(cat);
            return NULL;
        }
        /* repetition operators */
        bool repeated = false;
        while (p->i < p->n) {
            char op = p->s[p->i];
            int mn, mx;
            size_t op_start = p->i;
            if (op == '*' || op == '+' || op == '?') {
                p->i++;
                mn = op == '+' ? 1 : 0;
                mx = op == '?' ? 1 : -1;
            } else if (op == '{') {
                if (!parse_repeat_count(p, &mn, &mx)) break;
                if (mn > MAX_REPEAT || mx > MAX_REPEAT || (mx >= 0 && mx < mn)) {
                    perr(p, "invalid repeat count", p->s + op_start, p->i - op_start);
                    node_free(a);
                    node_free(cat);
                    return NULL;
                }
            } else {
                break;
            }
            bool lazy = false;
            if (p->i < p->n && p->s[p->i] == '?') {
                p->i++;
                lazy = true;
            }
            if (repeated || a->type == R_EMPTY) {
                if (repeated) {
                    perr(p, "invalid nested repetition operator", p->s + atom_start, p->i - atom_start);
                    node_free(a);
                    node_free(cat);
                    return NULL;
                }
            }
            if (a->type == R_BOT || a->type == R_EOT || a->type == R_BOL || a->type == R_EOL) {
                /* Go allows repeating empty-width assertions */
            }
            rnode *rep = mk(R_REP);
            rep->min = mn;
            rep->max = mx;
            rep->greedy = !lazy;
            if (p->flags & F_U) rep->greedy = !rep->greedy;
            add_kid(rep, a);
            a = rep;
            repeated = true;
        }
        add_kid(cat, a);
    }
    return cat;
}

static rnode *parse_alt(rparser *p)
{
    rnode *alt = mk(R_ALT);
    for (;;) {
        rnode *c = parse_concat(p);
        if (!c) {
            node_free(alt);
            return NULL;
        }
        add_kid(alt, c);
        if (p->i < p->n && p->s[p->i] == '|') {
            p->i++;
            continue;
        }
        break;
    }
    return alt;
}

/* ---------------------------------------------------------------- program */

enum { I_CHAR, I_CLASS, I_ANY, I_ANYNL, I_MATCH, I_JMP, I_SPLIT, I_SAVE, I_ASSERT };

typedef struct {
    uint8_t op;
    bool fold, neg;
    int x, y;       /* JMP/SPLIT targets, SAVE slot, ASSERT kind */
    uint32_t rune;
    rrange *ranges; /* borrowed from the AST copy kept in the program */
    int nranges;
} inst;

struct fc_regex {
    inst *prog;
    int n, cap;
    int ncap; /* capture groups, not counting group 0 */
    char **names;
    rnode *ast;
    bool anchored_start;
};

static int emit(fc_regex *re, uint8_t op)
{
    if (re->n == re->cap) {
        re->cap = re->cap ? re->cap * 2 : 64;
        re->prog = realloc(re->prog, (size_t)re->cap * sizeof *re->prog);
        if (!re->prog) abort();
    }
    memset(&re->prog[re->n], 0, sizeof re->prog[0]);
    re->prog[re->n].op = op;
    return re->n++;
}

static bool compile(fc_regex *re, rnode *n, int depth)
{
    if (re->n > MAX_PROG || depth > 2000) return false;
    switch (n->type) {
    case R_EMPTY: return true;
    case R_LIT: {
        int i = emit(re, I_CHAR);
        re->prog[i].rune = n->rune;
        re->prog[i].fold = n->fold;
        return true;
    }
    case R_CLASS: {
        int i = emit(re, I_CLASS);
        re->prog[i].ranges = n->ranges;
        re->prog[i].nranges = n->nranges;
        re->prog[i].neg = n->neg;
        re->prog[i].fold = n->fold;
        return true;
    }
    case R_ANY: emit(re, n->nl ? I_ANYNL : I_ANY); return true;
    case R_BOL: case R_EOL: case R_BOT: case R_EOT: case R_WB: case R_NWB: {
        int i = emit(re, I_ASSERT);
        re->prog[i].x = n->type;
        return true;
    }
    case R_CAT:
        for (int k = 0; k < n->nkids; k++)
            if (!compile(re, n->kids[k], depth + 1)) return false;
        return true;
    case R_ALT: {
        if (n->nkids == 1) return compile(re, n->kids[0], depth + 1);
        int *jmps = xcalloc((size_t)n->nkids, sizeof *jmps);
        for (int k = 0; k < n->nkids; k++) {
            if (k < n->nkids - 1) {
                int sp = emit(re, I_SPLIT);
                re->prog[sp].x = sp + 1;
                if (!compile(re, n->kids[k], depth + 1)) {
                    free(jmps);
                    return false;
                }
                jmps[k] = emit(re, I_JMP);
                re->prog[sp].y = re->n;
            } else {
                if (!compile(re, n->kids[k], depth + 1)) {
                    free(jmps);
                    return false;
                }
            }
        }
        for (int k = 0; k < n->nkids - 1; k++) re->prog[jmps[k]].x = re->n;
        free(jmps);
        return true;
    }
    case R_GROUP: {
        if (n->cap >= 0) re->prog[emit(re, I_SAVE)].x = 2 * n->cap;
        if (!compile(re, n->kids[0], depth + 1)) return false;
        if (n->cap >= 0) re->prog[emit(re, I_SAVE)].x = 2 * n->cap + 1;
        return true;
    }
    case R_REP: {
        rnode *k = n->kids[0];
        for (int i = 0; i < n->min; i++)
            if (!compile(re, k, depth + 1)) return false;
        if (n->max < 0) {
            /* x* */
            int sp = emit(re, I_SPLIT);
            int body = re->n;
            if (!compile(re, k, depth + 1)) return false;
            int j = emit(re, I_JMP);
            re->prog[j].x = sp;
            if (n->greedy) {
                re->prog[sp].x = body;
                re->prog[sp].y = re->n;
            } else {
                re->prog[sp].x = re->n;
                re->prog[sp].y = body;
            }
            return true;
        }
        int opt = n->max - n->min;
        int *sps = xcalloc((size_t)opt + 1, sizeof *sps);
        for (int i = 0; i < opt; i++) {
            sps[i] = emit(re, I_SPLIT);
            re->prog[sps[i]].x = re->n; /* provisional */
            if (!compile(re, k, depth + 1)) {
                free(sps);
                return false;
            }
        }
        for (int i = 0; i < opt; i++) {
            if (n->greedy) {
                re->prog[sps[i]].x = sps[i] + 1;
                re->prog[sps[i]].y = re->n;
            } else {
                re->prog[sps[i]].x = re->n;
                re->prog[sps[i]].y = sps[i] + 1;
            }
        }
        free(sps);
        return true;
    }
    }
    return false;
}

void fc_regex_free(fc_regex *re)
{
    if (!re) return;
    free(re->prog);
    for (int i = 0; i <= re->ncap; i++) free(re->names ? re->names[i] : NULL);
    free(re->names);
    node_free(re->ast);
    free(re);
}

fc_regex *fc_regex_compile(const char *pat, size_t n, char *err, size_t errn)
{
    rparser p = {0};
    p.s = pat;
    p.n = n;
    p.whole = pat;
    p.wholen = n;
    p.names = xcalloc(1, sizeof *p.names);
    /* Go rejects invalid UTF-8 in patterns */
    for (size_t i = 0; i < n;) {
        uint32_t r;
        int w = fc_utf8_decode(pat + i, n - i, &r);
        if (r == 0xFFFD && w == 1 && (unsigned char)pat[i] >= 0x80) {
            snprintf(err, errn, "error parsing regexp: invalid UTF-8: `%.*s`", (int)(n - i), pat + i);
            free(p.names);
            return NULL;
        }
        i += (size_t)w;
    }
    rnode *ast = parse_alt(&p);
    if (ast && p.i < p.n) {
        /* a stray ')' */
        perr(&p, "unexpected )", p.whole, p.wholen);
        node_free(ast);
        ast = NULL;
    }
    if (!ast) {
        snprintf(err, errn, "%s", p.err[0] ? p.err : "error parsing regexp: invalid pattern");
        for (int i = 0; i <= p.ncap; i++) free(p.names[i]);
        free(p.names);
        return NULL;
    }
    fc_regex *re = xcalloc(1, sizeof *re);
    re->ast = ast;
    re->ncap = p.ncap;
    re->names = p.names;
    re->prog = NULL;
    emit(re, I_SAVE); /* slot 0 */
    re->prog[0].x = 0;
    if (!compile(re, ast, 0) || re->n > MAX_PROG) {
        snprintf(err, errn, "error parsing regexp: expression too large");
        fc_regex_free(re);
        return NULL;
    }
    re->prog[emit(re, I_SAVE)].x = 1;
    emit(re, I_MATCH);
    return re;
}

int fc_regex_ncap(const fc_regex *re) { return re->ncap; }
const char *fc_regex_name(const fc_regex *re, int i) { return i >= 1 && i <= re->ncap ? re->names[i] : NULL; }

/* ---------------------------------------------------------------- matching */

static bool is_word(uint32_t r) { return r < 0x80 && (r == '_' || (r >= '0' && r <= '9') || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z')); }

static bool class_has(const inst *in, uint32_t r)
{
    bool hit = false;
    for (int k = 0; k < in->nranges && !hit; k++) {
        const rrange *rg = &in->ranges[k];
        if (rg->lo >= UCAT_BASE) {
            uint32_t code = rg->lo - UCAT_BASE;
            bool m = in_ucat((int)(code / 2), r);
            if (code & 1) m = !m;
            hit = m;
        } else {
            hit = r >= rg->lo && r <= rg->hi;
        }
    }
    return hit;
}

static bool inst_matches(const inst *in, uint32_t r)
{
    switch (in->op) {
    case I_CHAR:
        if (r == in->rune) return true;
        return in->fold && (fc_u_lower(r) == fc_u_lower(in->rune) || fc_u_upper(r) == fc_u_upper(in->rune));
    case I_CLASS: {
        bool hit = class_has(in, r);
        if (!hit && in->fold) hit = class_has(in, fc_u_lower(r)) || class_has(in, fc_u_upper(r));
        return in->neg ? !hit : hit;
    }
    case I_ANY: return r != '\n';
    case I_ANYNL: return true;
    }
    return false;
}

typedef struct {
    int pc;
    int *caps;
} thread;

typedef struct {
    thread *t;
    int n;
    int *dense_gen; /* per pc: generation when added */
} tlist;

typedef struct {
    const fc_regex *re;
    const char *s;
    size_t len;
    int nslots;
    int *pool; /* capture arrays */
    int npool, pool_used;
    int gen;
    int *stack; /* for the iterative closure */
} vm;

static int *cap_alloc(vm *m)
{
    if (m->pool_used >= m->npool) return NULL;
    return m->pool + (size_t)(m->pool_used++) * (size_t)m->nslots;
}

static bool assert_ok(const vm *m, int kind, size_t pos)
{
    uint32_t before = 0, after = 0;
    bool hb = pos > 0, ha = pos < m->len;
    if (hb) {
        size_t p = pos - 1;
        while (p > 0 && ((unsigned char)m->s[p] & 0xC0) == 0x80 && pos - p < 4) p--;
        if ((size_t)fc_utf8_decode(m->s + p, pos - p, &before) != pos - p) before = (unsigned char)m->s[pos - 1];
    }
    if (ha) fc_utf8_decode(m->s + pos, m->len - pos, &after);
    switch (kind) {
    case R_BOT: return pos == 0;
    case R_EOT: return pos == m->len;
    case R_BOL: return pos == 0 || before == '\n';
    case R_EOL: return pos == m->len || after == '\n';
    case R_WB: return (hb && is_word(before)) != (ha && is_word(after));
    case R_NWB: return (hb && is_word(before)) == (ha && is_word(after));
    }
    return false;
}

/* add thread pc with captures caps following epsilons, in priority order.
 * Every thread that lands in the list gets its own capture array from the
 * current generation's pool, so pools can be recycled every other step. */
static void add_thread(vm *m, tlist *l, int pc, int *caps, size_t pos, int depth)
{
    if (l->dense_gen[pc] == m->gen) return;
    l->dense_gen[pc] = m->gen;
    const inst *in = &m->re->prog[pc];
    if (depth > MAX_PROG) return;
    switch (in->op) {
    case I_JMP: add_thread(m, l, in->x, caps, pos, depth + 1); return;
    case I_SPLIT:
        add_thread(m, l, in->x, caps, pos, depth + 1);
        add_thread(m, l, in->y, caps, pos, depth + 1);
        return;
    case I_SAVE: {
        int *nc = cap_alloc(m);
        if (!nc) return;
        memcpy(nc, caps, (size_t)m->nslots * sizeof *nc);
        if (in->x < m->nslots) nc[in->x] = (int)pos;
        add_thread(m, l, pc + 1, nc, pos, depth + 1);
        return;
    }
    case I_ASSERT:
        if (assert_ok(m, in->x, pos)) add_thread(m, l, pc + 1, caps, pos, depth + 1);
        return;
    default: {
        int *nc = cap_alloc(m);
        if (!nc) return;
        memcpy(nc, caps, (size_t)m->nslots * sizeof *nc);
        l->t[l->n].pc = pc;
        l->t[l->n].caps = nc;
        l->n++;
    }
    }
}

/* per-thread scratch memory for the matcher, released when the thread ends */
static pthread_key_t scratch_key;
static pthread_once_t scratch_once = PTHREAD_ONCE_INIT;
typedef struct {
    size_t cap;
    char *p;
} scratch;

static void scratch_free(void *v)
{
    scratch *s = v;
    if (s) free(s->p);
    free(s);
}

static void scratch_init(void) { pthread_key_create(&scratch_key, scratch_free); }

static void *scratch_get(size_t need)
{
    pthread_once(&scratch_once, scratch_init);
    scratch *s = pthread_getspecific(scratch_key);
    if (!s) {
        s = xcalloc(1, sizeof *s);
        pthread_setspecific(scratch_key, s);
    }
    if (s->cap < need) {
        free(s->p);
        s->cap = need < 4096 ? 4096 : need;
        s->p = malloc(s->cap);
        if (!s->p) abort();
    }
    return s->p;
}

/* Find the leftmost-first match starting the search at `start`.
 * caps receives 2*(ncap+1) offsets (-1 for unset). Returns true on match. */
bool fc_regex_exec(const fc_regex *re, const char *s, size_t len, size_t start, int *caps)
{
    vm m = {0};
    m.re = re;
    m.s = s;
    m.len = len;
    m.nslots = 2 * (re->ncap + 1);
    int np = re->n;
    tlist cl = {0}, nl = {0};
    int pool_per_gen = (np + 2) * 2;
    /* one scratch block per thread, reused across calls (a big pattern
     * such as semver's needs hundreds of KiB; allocating and zeroing it on
     * every call dominated the matching time) */
    size_t need = 2 * (size_t)np * sizeof(thread) + 2 * (size_t)np * sizeof(int) +
                  2 * (size_t)pool_per_gen * (size_t)m.nslots * sizeof(int) + 2 * (size_t)m.nslots * sizeof(int);
    char *blk = scratch_get(need);
    cl.t = (thread *)blk;
    blk += (size_t)np * sizeof(thread);
    nl.t = (thread *)blk;
    blk += (size_t)np * sizeof(thread);
    int *ib = (int *)blk;
    cl.dense_gen = ib;
    nl.dense_gen = ib + np;
    memset(cl.dense_gen, 0xff, (size_t)np * sizeof(int));
    memset(nl.dense_gen, 0xff, (size_t)np * sizeof(int));
    int *pools[2];
    pools[0] = ib + 2 * np;
    pools[1] = pools[0] + (size_t)pool_per_gen * (size_t)m.nslots;
    int *matched = pools[1] + (size_t)pool_per_gen * (size_t)m.nslots;
    int *init = matched + m.nslots;
    for (int i = 0; i < m.nslots; i++) init[i] = -1;
    bool found = false;
    int cur = 0;
    m.pool = pools[cur];
    m.npool = pool_per_gen;
    m.pool_used = 0;
    m.gen = 1;
    size_t pos = start;
    add_thread(&m, &cl, 0, init, pos, 0);
    for (;;) {
        uint32_t r = 0;
        int w = 0;
        if (pos < len) w = fc_utf8_decode(s + pos, len - pos, &r);
        cur ^= 1;
        m.pool = pools[cur];
        m.pool_used = 0;
        m.gen++;
        nl.n = 0;
        for (int i = 0; i < cl.n; i++) {
            thread *t = &cl.t[i];
            const inst *in = &re->prog[t->pc];
            if (in->op == I_MATCH) {
                memcpy(matched, t->caps, (size_t)m.nslots * sizeof(int));
                found = true;
                break; /* lower-priority threads are cut off */
            }
            if (pos < len && inst_matches(in, r)) add_thread(&m, &nl, t->pc + 1, t->caps, pos + (size_t)w, 0);
        }
        if (pos >= len) break;
        if (!found && !re->anchored_start) add_thread(&m, &nl, 0, init, pos + (size_t)w, 0);
        if (nl.n == 0 && found) break;
        tlist tmp = cl;
        cl = nl;
        nl = tmp;
        pos += (size_t)w;
    }
    if (found && caps) memcpy(caps, matched, (size_t)m.nslots * sizeof(int));
    return found;
}
