/*
 * envsubst.c: Flux's `${var}` substitution language (fluxcd/pkg/envsubst, a
 * fork of drone/envsubst) for postBuild, ported to C.
 *
 * The parser is a faithful port of the Go scanner and recursive-descent
 * parser, quirks included, because users' manifests depend on exactly what
 * it accepts: `$$` anywhere in text becomes `$` (so `$${x}` is the literal
 * `${x}`), `\/` and `\\` are escapes only inside function arguments, bare
 * `$var` is left alone, `${v-d}` is rejected ("missing closing brace") even
 * though the upstream README lists it, and `${v+d}` / `${v:?d}` / `${v:+d}`
 * parse but behave as a plain default.
 *
 * The Go scanner deletes the escape character from its buffer in place; here
 * the buffer is a gap buffer (the scanned part is copied out as it is read),
 * which makes that deletion O(1), so hostile input cannot make the scan
 * quadratic. Text runs are parsed iteratively and function nesting is capped
 * (KSC_ENVSUBST_MAX_DEPTH), so deeply nested input cannot exhaust the stack.
 * Unicode classification and case mapping use the C.UTF-8 locale, close to
 * Go's unicode tables for everything a variable or value realistically holds.
 */
#include "ksc.h"
#include "fc/err.h"
#include <ctype.h>
#include <errno.h>
#include <locale.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wctype.h>

#define RUNE_ERROR 0xFFFD

/* ------------------------------------------------------------------ utf-8 */

/* Go's utf8.DecodeRune: invalid or truncated sequences decode as U+FFFD with
 * width 1. */
static uint32_t decode_rune(const unsigned char *p, size_t n, int *w)
{
    if (n == 0) {
        *w = 0;
        return RUNE_ERROR;
    }
    unsigned c = p[0];
    if (c < 0x80) {
        *w = 1;
        return c;
    }
    int need;
    uint32_t r, min;
    if ((c & 0xE0) == 0xC0) need = 1, r = c & 0x1F, min = 0x80;
    else if ((c & 0xF0) == 0xE0) need = 2, r = c & 0x0F, min = 0x800;
    else if ((c & 0xF8) == 0xF0) need = 3, r = c & 0x07, min = 0x10000;
    else goto bad;
    if ((size_t)need >= n) goto bad;
    for (int i = 1; i <= need; i++) {
        if ((p[i] & 0xC0) != 0x80) goto bad;
        r = (r << 6) | (p[i] & 0x3F);
    }
    if (r < min || r > 0x10FFFF || (r >= 0xD800 && r <= 0xDFFF)) goto bad;
    *w = need + 1;
    return r;
bad:
    *w = 1;
    return RUNE_ERROR;
}

static int encode_rune(uint32_t r, char out[4])
{
    if (r > 0x10FFFF || (r >= 0xD800 && r <= 0xDFFF)) r = RUNE_ERROR;
    if (r < 0x80) {
        out[0] = (char)r;
        return 1;
    }
    if (r < 0x800) {
        out[0] = (char)(0xC0 | (r >> 6));
        out[1] = (char)(0x80 | (r & 0x3F));
        return 2;
    }
    if (r < 0x10000) {
        out[0] = (char)(0xE0 | (r >> 12));
        out[1] = (char)(0x80 | ((r >> 6) & 0x3F));
        out[2] = (char)(0x80 | (r & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | (r >> 18));
    out[1] = (char)(0x80 | ((r >> 12) & 0x3F));
    out[2] = (char)(0x80 | ((r >> 6) & 0x3F));
    out[3] = (char)(0x80 | (r & 0x3F));
    return 4;
}

static locale_t utf8_locale(void)
{
    static locale_t loc;
    static int tried;
    if (!__atomic_load_n(&tried, __ATOMIC_ACQUIRE)) {
        locale_t l = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
        locale_t expected = (locale_t)0;
        if (l && !__atomic_compare_exchange_n(&loc, &expected, l, false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
            freelocale(l);
        __atomic_store_n(&tried, 1, __ATOMIC_RELEASE);
    }
    return __atomic_load_n(&loc, __ATOMIC_ACQUIRE);
}

static bool is_ident_rune(uint32_t r)
{
    if (r < 0x80) return (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9') || r == '_';
    if (r == RUNE_ERROR) return false;
    locale_t l = utf8_locale();
    return l ? iswalnum_l((wint_t)r, l) != 0 : true;
}

static uint32_t to_lower(uint32_t r)
{
    if (r < 0x80) return (r >= 'A' && r <= 'Z') ? r + 32 : r;
    locale_t l = utf8_locale();
    return l ? (uint32_t)towlower_l((wint_t)r, l) : r;
}

static uint32_t to_upper(uint32_t r)
{
    if (r < 0x80) return (r >= 'a' && r <= 'z') ? r - 32 : r;
    locale_t l = utf8_locale();
    return l ? (uint32_t)towupper_l((wint_t)r, l) : r;
}

/* ---------------------------------------------------------------- scanner */

enum { TOK_ILLEGAL, TOK_EOF, TOK_IDENT, TOK_LBRACK, TOK_RBRACK };
enum { SCAN_IDENT = 1, SCAN_LBRACK = 2, SCAN_RBRACK = 4, SCAN_ESCAPE = 8 };
enum { ESC_DOLLAR = 1, ESC_BACKSLASH = 2, ESC_ALL = 3 };

typedef bool (*accept_fn)(uint32_t r, size_t i);

typedef struct scanner {
    const unsigned char *src; /* the unread part starts at src[r] */
    size_t slen, r;
    fc_buf left;               /* everything read so far (escapes removed) */
    size_t start;              /* token start in left */
    int width;                 /* width of the last rune read */
    unsigned mode, esc;
    accept_fn accept;
} scanner;

/* Go's eof is rune(0): a NUL byte also ends the scan. */
static uint32_t sc_read(scanner *s)
{
    if (s->r >= s->slen) {
        s->width = 0;
        return 0;
    }
    int w;
    uint32_t c = decode_rune(s->src + s->r, s->slen - s->r, &w);
    fc_buf_put(&s->left, s->src + s->r, (size_t)w);
    s->r += (size_t)w;
    s->width = w;
    return c;
}

static void sc_unread(scanner *s)
{
    size_t w = (size_t)s->width;
    if (w > s->left.len) w = s->left.len;
    s->left.len -= w;
    s->left.ptr[s->left.len] = 0;
    s->r -= w;
}

static uint32_t sc_peek(scanner *s)
{
    uint32_t c = sc_read(s);
    sc_unread(s);
    return c;
}

/* Go's skip(): drop the character just read (always one byte, '$' or '\')
 * from the buffer; the next input character thereby joins the token. */
static void sc_skip(scanner *s)
{
    if (!s->left.len) return;
    s->left.len--;
    if (s->r < s->slen) fc_buf_put(&s->left, s->src + s->r++, 1);
    else s->left.ptr[s->left.len] = 0;
}

static size_t sc_pos(scanner *s) { return s->left.len; }

static bool sc_lbrack(scanner *s, uint32_t c)
{
    if (!(s->mode & SCAN_LBRACK)) return false;
    if (c == '$') {
        if (sc_read(s) == '{') return true;
        sc_unread(s);
    }
    return false;
}

static bool sc_rbrack(scanner *s, uint32_t c) { return (s->mode & SCAN_RBRACK) && c == '}'; }

static bool sc_escaped(scanner *s, uint32_t c)
{
    if (!(s->mode & SCAN_ESCAPE)) return false;
    if (c == '$' && (s->esc & ESC_DOLLAR) && sc_peek(s) == '$') return true;
    if (c == '\\' && (s->esc & ESC_BACKSLASH)) {
        uint32_t n = sc_peek(s);
        return n == '/' || n == '\\';
    }
    return false;
}

static bool sc_ident(scanner *s, uint32_t c)
{
    if (!(s->mode & SCAN_IDENT)) return false;
    if (sc_escaped(s, c)) sc_skip(s);
    else if (!s->accept(c, sc_pos(s) - s->start)) return false;
    for (;;) {
        uint32_t n = sc_read(s);
        if (n == 0) {
            sc_unread(s);
            break;
        }
        if (sc_lbrack(s, n)) {
            sc_unread(s);
            sc_unread(s);
            break;
        }
        if (sc_escaped(s, n)) {
            sc_skip(s);
            continue;
        }
        if (!s->accept(n, sc_pos(s) - s->start)) {
            sc_unread(s);
            break;
        }
    }
    return true;
}

static int sc_scan(scanner *s)
{
    s->start = sc_pos(s);
    uint32_t c = sc_read(s);
    if (c == 0) return TOK_EOF;
    if (sc_lbrack(s, c)) return TOK_LBRACK;
    if (sc_rbrack(s, c)) return TOK_RBRACK;
    if (sc_ident(s, c)) return TOK_IDENT;
    return TOK_ILLEGAL;
}

static char *sc_string(scanner *s) { return strndup(s->left.ptr + s->start, sc_pos(s) - s->start); }

static bool accept_rune(uint32_t r, size_t i) { (void)r, (void)i; return true; }
static bool accept_ident(uint32_t r, size_t i) { (void)i; return is_ident_rune(r); }
static bool accept_colon(uint32_t r, size_t i) { (void)i; return r == ':'; }
static bool accept_one_hash(uint32_t r, size_t i) { return r == '#' && i == 1; }
static bool accept_not_closing(uint32_t r, size_t i) { (void)i; return r != '}'; }
static bool accept_hash_func(uint32_t r, size_t i) { return r == '#' && i < 3; }
static bool accept_percent_func(uint32_t r, size_t i) { return r == '%' && i < 3; }
static bool accept_default_func(uint32_t r, size_t i)
{
    return (i == 1 && r == ':') || (i == 2 && (r == '=' || r == '-' || r == '?' || r == '+'));
}
static bool accept_replace_func(uint32_t r, size_t i)
{
    return (i == 1 && r == '/') || (i == 2 && (r == '/' || r == '#' || r == '%'));
}
static bool accept_one_equal(uint32_t r, size_t i) { return i == 1 && r == '='; }
static bool accept_one_colon(uint32_t r, size_t i) { return i == 1 && r == ':'; }
static bool reject_colon_close(uint32_t r, size_t i) { (void)i; return r != ':' && r != '}'; }
static bool accept_slash(uint32_t r, size_t i) { (void)i; return r == '/'; }
static bool accept_not_slash(uint32_t r, size_t i) { (void)i; return r != '/'; }
static bool accept_casing_func(uint32_t r, size_t i) { return (r == ',' || r == '^') && i < 3; }

/* ------------------------------------------------------------------ nodes */

typedef enum { N_TEXT, N_FUNC } node_kind;

typedef struct node {
    node_kind kind;
    char *text;  /* N_TEXT: value; N_FUNC: param */
    char *name;  /* N_FUNC: operator ("", ":-", "##", ...) */
    struct node **args;
    size_t nargs;
    size_t at;   /* byte offset in the input where the node started */
} node;

static void node_free(node *n)
{
    if (!n) return;
    free(n->text);
    free(n->name);
    for (size_t i = 0; i < n->nargs; i++) node_free(n->args[i]);
    free(n->args);
    free(n);
}

static node *new_node(node_kind k, char *text, size_t at)
{
    node *n = calloc(1, sizeof *n);
    if (!n) {
        free(text);
        return NULL;
    }
    n->kind = k;
    n->text = text;
    n->at = at;
    return n;
}

static int add_arg(node *f, node *a)
{
    if (!a) return fc_err_set(FC_ENOMEM, "out of memory");
    node **na = realloc(f->args, (f->nargs + 1) * sizeof *na);
    if (!na) {
        node_free(a);
        return fc_err_set(FC_ENOMEM, "out of memory");
    }
    f->args = na;
    f->args[f->nargs++] = a;
    return 0;
}

/* ----------------------------------------------------------------- parser */

typedef struct parser {
    scanner sc;
    int depth;
    size_t nodes, max_nodes;
    size_t err_at;
} parser;

static int perr(parser *p, const char *msg)
{
    p->err_at = p->sc.r;
    return fc_err_set(FC_EINVAL, "%s", msg);
}

static const char *const E_BAD = "bad substitution";
static const char *const E_BRACE = "missing closing brace";
static const char *const E_VARNAME = "unable to parse variable name";
static const char *const E_FUNCSUB = "unable to parse substitution within function";
static const char *const E_DEFAULT = "unable to parse default function";

static int parse_func(parser *p, node **out);

static int consume_rbrack(parser *p)
{
    p->sc.mode = SCAN_RBRACK;
    return sc_scan(&p->sc) == TOK_RBRACK ? 0 : perr(p, E_BAD);
}

static int count_node(parser *p)
{
    if (++p->nodes > p->max_nodes) return perr(p, "too many substitutions");
    return 0;
}

static int parse_param(parser *p, accept_fn accept, unsigned mode, node **out)
{
    *out = NULL;
    p->sc.accept = accept;
    p->sc.mode = mode | SCAN_LBRACK;
    size_t at = p->sc.r;
    switch (sc_scan(&p->sc)) {
    case TOK_LBRACK:
        return parse_func(p, out);
    case TOK_IDENT:
    case TOK_RBRACK:
        if (count_node(p)) return -1;
        *out = new_node(N_TEXT, sc_string(&p->sc), at);
        return *out ? 0 : fc_err_set(FC_ENOMEM, "out of memory");
    default:
        return perr(p, E_FUNCSUB);
    }
}

static node *func_node(parser *p, const char *param, size_t at)
{
    if (count_node(p)) return NULL;
    return new_node(N_FUNC, strdup(param), at);
}

static int scan_name(parser *p, accept_fn accept, node *n, const char *err)
{
    p->sc.accept = accept;
    p->sc.mode = SCAN_IDENT;
    if (sc_scan(&p->sc) != TOK_IDENT) return perr(p, err);
    free(n->name);
    n->name = sc_string(&p->sc);
    return 0;
}

static int parse_substr(parser *p, node *n)
{
    node *a = NULL;
    if (scan_name(p, accept_one_colon, n, E_BAD)) return -1;
    if (parse_param(p, reject_colon_close, SCAN_IDENT, &a) || add_arg(n, a)) return -1;
    p->sc.accept = accept_colon;
    p->sc.mode = SCAN_IDENT | SCAN_RBRACK;
    switch (sc_scan(&p->sc)) {
    case TOK_RBRACK: return 0;
    case TOK_IDENT: break;
    default: return perr(p, E_BAD);
    }
    if (parse_param(p, accept_not_closing, SCAN_IDENT, &a) || add_arg(n, a)) return -1;
    return consume_rbrack(p);
}

static int parse_remove(parser *p, node *n, accept_fn accept)
{
    node *a = NULL;
    if (scan_name(p, accept, n, E_BAD)) return -1;
    if (parse_param(p, accept_not_closing, SCAN_IDENT, &a) || add_arg(n, a)) return -1;
    return consume_rbrack(p);
}

static int parse_replace(parser *p, node *n)
{
    node *a = NULL;
    if (scan_name(p, accept_replace_func, n, E_BAD)) return -1;
    if (sc_peek(&p->sc) == '/') {
        /* empty pattern (${v/#/x}): keep the two-argument shape */
        if (count_node(p) || add_arg(n, new_node(N_TEXT, strdup(""), p->sc.r))) return -1;
    } else if (parse_param(p, accept_not_slash, SCAN_IDENT | SCAN_ESCAPE, &a) || add_arg(n, a)) {
        return -1;
    }
    p->sc.accept = accept_slash;
    p->sc.mode = SCAN_IDENT;
    if (sc_scan(&p->sc) != TOK_IDENT) return perr(p, E_BAD);
    if (sc_peek(&p->sc) == '}') return consume_rbrack(p);
    if (parse_param(p, accept_not_closing, SCAN_IDENT | SCAN_ESCAPE, &a) || add_arg(n, a)) return -1;
    return consume_rbrack(p);
}

static int parse_default(parser *p, node *n)
{
    if (scan_name(p, sc_peek(&p->sc) == '=' ? accept_one_equal : accept_default_func, n, E_DEFAULT)) return -1;
    for (;;) {
        if (sc_peek(&p->sc) == '}') return consume_rbrack(p);
        node *a = NULL;
        if (parse_param(p, accept_not_closing, SCAN_IDENT, &a) || add_arg(n, a)) return -1;
    }
}

static int parse_func(parser *p, node **out)
{
    *out = NULL;
    if (++p->depth > KSC_ENVSUBST_MAX_DEPTH) return perr(p, "substitutions nested too deeply");
    size_t at = p->sc.r >= 2 ? p->sc.r - 2 : 0;
    node *n = NULL;
    int rc = 0;
    p->sc.esc = ESC_ALL;
    if (sc_peek(&p->sc) == '#') {
        if (!(n = func_node(p, "", at))) {
            rc = -1;
            goto out;
        }
        if (scan_name(p, accept_one_hash, n, E_BAD)) {
            rc = -1;
            goto out;
        }
        p->sc.accept = accept_ident;
        p->sc.mode = SCAN_IDENT;
        if (sc_scan(&p->sc) != TOK_IDENT) {
            rc = perr(p, E_BAD);
            goto out;
        }
        free(n->text);
        n->text = sc_string(&p->sc);
        rc = consume_rbrack(p);
        goto out;
    }
    p->sc.accept = accept_ident;
    p->sc.mode = SCAN_IDENT;
    if (sc_scan(&p->sc) != TOK_IDENT) {
        rc = perr(p, E_VARNAME);
        goto out;
    }
    char *name = sc_string(&p->sc);
    n = func_node(p, name ? name : "", at);
    free(name);
    if (!n) {
        rc = -1;
        goto out;
    }
    n->name = strdup("");
    switch (sc_peek(&p->sc)) {
    case ':': {
        sc_read(&p->sc);
        uint32_t c = sc_peek(&p->sc);
        sc_unread(&p->sc); /* Go's quirk: unread uses the peeked rune's width */
        rc = (c == '=' || c == '-' || c == '?' || c == '+') ? parse_default(p, n) : parse_substr(p, n);
        goto out;
    }
    case '=': rc = parse_default(p, n); goto out;
    case ',':
    case '^': rc = scan_name(p, accept_casing_func, n, E_BAD) ? -1 : consume_rbrack(p); goto out;
    case '/': rc = parse_replace(p, n); goto out;
    case '#': rc = parse_remove(p, n, accept_hash_func); goto out;
    case '%': rc = parse_remove(p, n, accept_percent_func); goto out;
    default: break;
    }
    p->sc.accept = accept_ident;
    p->sc.mode = SCAN_RBRACK;
    if (sc_scan(&p->sc) != TOK_RBRACK) rc = perr(p, E_BRACE);
out:
    p->depth--;
    if (rc) {
        node_free(n);
        return rc;
    }
    *out = n;
    return 0;
}

/* Top level: a sequence of text runs and ${...} functions (iterative where
 * the Go parser recurses once per token). */
static int parse_all(parser *p, node ***list, size_t *count)
{
    *list = NULL;
    *count = 0;
    for (;;) {
        p->sc.accept = accept_rune;
        p->sc.mode = SCAN_IDENT | SCAN_LBRACK | SCAN_ESCAPE;
        p->sc.esc = ESC_DOLLAR;
        size_t at = p->sc.r;
        node *n = NULL;
        switch (sc_scan(&p->sc)) {
        case TOK_IDENT:
            if (count_node(p)) return -1;
            n = new_node(N_TEXT, sc_string(&p->sc), at);
            if (!n) return fc_err_set(FC_ENOMEM, "out of memory");
            break;
        case TOK_EOF:
            return 0;
        case TOK_LBRACK:
            if (parse_func(p, &n)) return -1;
            break;
        default:
            return perr(p, E_BAD);
        }
        node **nl = realloc(*list, (*count + 1) * sizeof *nl);
        if (!nl) {
            node_free(n);
            return fc_err_set(FC_ENOMEM, "out of memory");
        }
        *list = nl;
        nl[(*count)++] = n;
    }
}

/* -------------------------------------------------------- Go path.Match */

static int get_esc(const char **chunk, const char *end, uint32_t *r)
{
    const char *c = *chunk;
    if (c >= end || *c == '-' || *c == ']') return -1;
    if (*c == '\\') {
        c++;
        if (c >= end) return -1;
    }
    int w;
    *r = decode_rune((const unsigned char *)c, (size_t)(end - c), &w);
    if (*r == RUNE_ERROR && w == 1) return -1;
    c += w;
    if (c >= end) return -1;
    *chunk = c;
    return 0;
}

/* matchChunk: 1 = matched (*rest set), 0 = no match, -1 = bad pattern */
static int match_chunk(const char *chunk, const char *cend, const char *s, const char *send, const char **rest)
{
    while (chunk < cend) {
        if (s >= send) return 0;
        int w;
        if (*chunk == '[') {
            uint32_t r = decode_rune((const unsigned char *)s, (size_t)(send - s), &w);
            s += w;
            chunk++;
            bool negated = false;
            if (chunk < cend && *chunk == '^') negated = true, chunk++;
            bool match = false;
            for (int nrange = 0;; nrange++) {
                if (chunk < cend && *chunk == ']' && nrange > 0) {
                    chunk++;
                    break;
                }
                uint32_t lo, hi;
                if (get_esc(&chunk, cend, &lo)) return -1;
                hi = lo;
                if (*chunk == '-') {
                    chunk++;
                    if (get_esc(&chunk, cend, &hi)) return -1;
                }
                if (lo <= r && r <= hi) match = true;
            }
            if (match == negated) return 0;
        } else if (*chunk == '?') {
            decode_rune((const unsigned char *)s, (size_t)(send - s), &w);
            s += w;
            chunk++;
        } else {
            if (*chunk == '\\' && ++chunk >= cend) return -1;
            if (*chunk != *s) return 0;
            s++;
            chunk++;
        }
    }
    *rest = s;
    return 1;
}

static void scan_chunk(const char **pat, const char *pend, bool *star, const char **chunk, const char **chunk_end)
{
    const char *p = *pat;
    *star = false;
    while (p < pend && *p == '*') p++, *star = true;
    bool inrange = false;
    const char *i = p;
    for (; i < pend; i++) {
        if (*i == '\\') {
            if (i + 1 < pend) i++;
        } else if (*i == '[') {
            inrange = true;
        } else if (*i == ']') {
            inrange = false;
        } else if (*i == '*' && !inrange) {
            break;
        }
    }
    *chunk = p;
    *chunk_end = i;
    *pat = i;
}

/* drone/envsubst's path.Match: Go's original shell match where '*' and '?'
 * also match '/' (its tests rely on ${f##*\/} stripping every directory). */
static int path_match(const char *pat, size_t plen, const char *name, size_t nlen)
{
    const char *pend = pat + plen, *s = name, *send = name + nlen;
    while (pat < pend) {
        bool star;
        const char *chunk, *cend, *t = NULL;
        scan_chunk(&pat, pend, &star, &chunk, &cend);
        if (star && chunk == cend) return 1; /* trailing '*' matches the rest */
        int ok = match_chunk(chunk, cend, s, send, &t);
        if (ok == 1 && (t == send || pat < pend)) {
            s = t;
            continue;
        }
        if (ok < 0) return -1;
        bool advanced = false;
        if (star) {
            for (const char *i = s; i < send; i++) {
                int ok2 = match_chunk(chunk, cend, i + 1, send, &t);
                if (ok2 == 1) {
                    if (pat >= pend && t < send) continue;
                    s = t;
                    advanced = true;
                    break;
                }
                if (ok2 < 0) return -1;
            }
        }
        if (!advanced) return 0;
    }
    return s == send;
}

/* ----------------------------------------------------- string functions */

static void put_runes_mapped(fc_buf *o, const char *s, size_t n, uint32_t (*fn)(uint32_t), bool first_only)
{
    for (size_t i = 0; i < n;) {
        int w;
        char e[4];
        uint32_t r = decode_rune((const unsigned char *)s + i, n - i, &w);
        fc_buf_put(o, e, (size_t)encode_rune(fn(r), e));
        i += (size_t)w;
        if (first_only) {
            fc_buf_put(o, s + i, n - i);
            return;
        }
    }
}

/* strconv.Atoi */
static bool go_atoi(const char *s, long long *out)
{
    if (!*s) return false;
    char *end = NULL;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || *end || isspace((unsigned char)s[0])) return false;
    *out = v;
    return true;
}

static void reverse_runes(const char *s, size_t n, fc_buf *o)
{
    /* Go's []rune conversion turns invalid bytes into U+FFFD first */
    uint32_t *rs = malloc((n + 1) * sizeof *rs);
    size_t k = 0;
    for (size_t i = 0; i < n;) {
        int w;
        rs[k++] = decode_rune((const unsigned char *)s + i, n - i, &w);
        i += (size_t)w;
    }
    for (size_t i = k; i-- > 0;) {
        char e[4];
        fc_buf_put(o, e, (size_t)encode_rune(rs[i], e));
    }
    free(rs);
}

/* trimShortest / trimLongest: byte prefixes of s, longest first. */
static size_t trim_prefix_len(const char *s, size_t n, const char *pat, size_t plen, bool longest)
{
    size_t shortest = 0;
    for (size_t i = 0; i < n; i++) {
        int m = path_match(pat, plen, s, n - i);
        if (m < 0) return 0;
        if (m == 1) {
            if (longest) return n - i;
            shortest = n - i;
        }
    }
    return shortest;
}

static void trim(const char *v, size_t vn, const char *pat, bool longest, bool suffix, fc_buf *o)
{
    if (!suffix) {
        size_t k = trim_prefix_len(v, vn, pat, strlen(pat), longest);
        fc_buf_put(o, v + k, vn - k);
        return;
    }
    fc_buf rv, rp, res;
    fc_buf_init(&rv, 0);
    fc_buf_init(&rp, 0);
    fc_buf_init(&res, 0);
    reverse_runes(v, vn, &rv);
    reverse_runes(pat, strlen(pat), &rp);
    size_t k = trim_prefix_len(rv.ptr ? rv.ptr : "", rv.len, rp.ptr ? rp.ptr : "", rp.len, longest);
    /* Go reverses the (U+FFFD-normalised) remainder back */
    reverse_runes(rv.ptr ? rv.ptr + k : "", rv.len - k, o);
    fc_buf_dispose(&rv);
    fc_buf_dispose(&rp);
    fc_buf_dispose(&res);
}

static void replace(const char *v, size_t vn, const char *old, const char *nw, int limit, fc_buf *o)
{
    size_t ol = strlen(old);
    if (ol == 0) {
        /* strings.Replace with an empty old string inserts nw before every
         * rune (and at the end) up to limit times */
        size_t i = 0;
        int done = 0;
        while (i <= vn) {
            if (limit < 0 || done < limit) {
                fc_buf_puts(o, nw);
                done++;
            }
            if (i == vn) break;
            int w;
            decode_rune((const unsigned char *)v + i, vn - i, &w);
            fc_buf_put(o, v + i, (size_t)w);
            i += (size_t)w;
        }
        return;
    }
    size_t i = 0;
    int done = 0;
    while (i < vn) {
        const char *hit = (limit < 0 || done < limit) ? memmem(v + i, vn - i, old, ol) : NULL;
        if (!hit) break;
        fc_buf_put(o, v + i, (size_t)(hit - (v + i)));
        fc_buf_puts(o, nw);
        i = (size_t)(hit - v) + ol;
        done++;
    }
    fc_buf_put(o, v + i, vn - i);
}

static bool is_default_op(const char *n)
{
    static const char *const ops[] = {"-", "+", "=", "?", ":-", ":+", ":=", ":?", NULL};
    for (const char *const *p = ops; *p; p++)
        if (!strcmp(n, *p)) return true;
    return false;
}

static void quote_go(fc_buf *o, const char *s)
{
    fc_buf_putc(o, '"');
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\') fc_buf_printf(o, "\\%c", *p);
        else if (*p < 0x20 || *p == 0x7f) fc_buf_printf(o, "\\x%02x", *p);
        else fc_buf_putc(o, (char)*p);
    }
    fc_buf_putc(o, '"');
}

typedef struct evaluator {
    ksc_subst_lookup lookup;
    void *arg;
    bool strict;
    size_t max_out;
    size_t err_at;
} evaluator;

static int eval_node(evaluator *e, node *n, fc_buf *o);

static int eval_func(evaluator *e, node *n, fc_buf *o)
{
    int rc = 0;
    char **args = calloc(n->nargs + 1, sizeof *args);
    if (!args) return fc_err_set(FC_ENOMEM, "out of memory");
    for (size_t i = 0; i < n->nargs; i++) {
        fc_buf b;
        fc_buf_init(&b, e->max_out);
        if ((rc = eval_node(e, n->args[i], &b))) {
            fc_buf_dispose(&b);
            goto out;
        }
        args[i] = fc_buf_detach(&b, NULL);
        if (!args[i]) args[i] = strdup("");
    }
    const char *name = n->name ? n->name : "";
    const char *v = e->lookup(n->text, e->arg);
    if (!v) {
        if (e->strict && !is_default_op(name)) {
            fc_buf m;
            fc_buf_init(&m, 0);
            fc_buf_puts(&m, "variable not set (strict mode): ");
            quote_go(&m, n->text);
            e->err_at = n->at;
            rc = fc_err_set(FC_EINVAL, "%s", m.ptr);
            fc_buf_dispose(&m);
            goto out;
        }
        v = "";
    }
    size_t vn = strlen(v), na = n->nargs;
    if (!strcmp(name, ",")) put_runes_mapped(o, v, vn, to_lower, true);
    else if (!strcmp(name, ",,")) put_runes_mapped(o, v, vn, to_lower, false);
    else if (!strcmp(name, "^")) put_runes_mapped(o, v, vn, to_upper, true);
    else if (!strcmp(name, "^^")) put_runes_mapped(o, v, vn, to_upper, false);
    else if (!strcmp(name, "#") && na == 0) fc_buf_printf(o, "%zu", vn);
    else if (!strcmp(name, "#") || !strcmp(name, "##")) trim(v, vn, args[0], name[1] == '#', false, o);
    else if (!strcmp(name, "%") || !strcmp(name, "%%")) trim(v, vn, args[0], name[1] == '%', true, o);
    else if (!strcmp(name, ":")) {
        long long pos, len;
        if (na == 0 || !go_atoi(args[0], &pos)) {
            fc_buf_put(o, v, vn);
        } else {
            if (pos < 0) pos = (long long)vn + pos < 0 ? 0 : (long long)vn + pos;
            if (na == 1) {
                if ((size_t)pos < vn) fc_buf_put(o, v + pos, vn - (size_t)pos);
            } else if (!go_atoi(args[1], &len)) {
                fc_buf_put(o, v, vn);
            } else if (len < 0) {
                e->err_at = n->at;
                rc = fc_err_set(FC_EINVAL, "substring length %lld out of range", len);
                goto out;
            } else if ((unsigned long long)len >= vn || (unsigned long long)pos + (unsigned long long)len >= vn) {
                if ((size_t)pos < vn) fc_buf_put(o, v + pos, vn - (size_t)pos);
            } else {
                fc_buf_put(o, v + pos, (size_t)len);
            }
        }
    } else if (!strcmp(name, "/#") || !strcmp(name, "/%")) {
        if (na != 2) {
            fc_buf_put(o, v, vn);
        } else {
            size_t pl = strlen(args[0]);
            if (name[1] == '#' && pl <= vn && !memcmp(v, args[0], pl)) replace(v, vn, args[0], args[1], 1, o);
            else if (name[1] == '%' && pl <= vn && !memcmp(v + vn - pl, args[0], pl)) {
                fc_buf_put(o, v, vn - pl);
                fc_buf_puts(o, args[1]);
            } else fc_buf_put(o, v, vn);
        }
    } else if (!strcmp(name, "/") || !strcmp(name, "//")) {
        if (na == 0) fc_buf_put(o, v, vn);
        else replace(v, vn, args[0], na > 1 ? args[1] : "", name[1] ? -1 : 1, o);
    } else {
        /* "", "=", ":=", ":-", ":?", ":+", "-", "+" and unknown: default */
        if (vn == 0 && na > 0)
            for (size_t i = 0; i < na; i++) fc_buf_puts(o, args[i]);
        else
            fc_buf_put(o, v, vn);
    }
out:
    for (size_t i = 0; i < n->nargs; i++) free(args[i]);
    free(args);
    return rc;
}

static int eval_node(evaluator *e, node *n, fc_buf *o)
{
    int rc = n->kind == N_TEXT ? fc_buf_puts(o, n->text) : eval_func(e, n, o);
    if (!rc && e->max_out && o->len > e->max_out) return fc_err_set(FC_ETOOBIG, "substitution result too large");
    return rc;
}

int ksc_envsubst(const char *in, size_t len, const ksc_envsubst_opts *opts, fc_buf *out, size_t *err_offset)
{
    parser p;
    memset(&p, 0, sizeof p);
    p.sc.src = (const unsigned char *)in;
    p.sc.slen = len;
    fc_buf_init(&p.sc.left, 0);
    p.max_nodes = opts && opts->max_nodes ? opts->max_nodes : 1000000;
    node **list = NULL;
    size_t count = 0;
    int rc = parse_all(&p, &list, &count);
    if (rc) {
        if (err_offset) *err_offset = p.err_at;
        goto out;
    }
    evaluator e = {opts->lookup, opts->arg, opts->strict, opts->max_out, 0};
    for (size_t i = 0; i < count && !rc; i++) rc = eval_node(&e, list[i], out);
    if (rc && err_offset) *err_offset = e.err_at;
out:
    if (rc) rc = fc_err_code() ? fc_err_code() : FC_EINVAL;
    for (size_t i = 0; i < count; i++) node_free(list[i]);
    free(list);
    fc_buf_dispose(&p.sc.left);
    return rc;
}

bool ksc_envsubst_var_name_valid(const char *name)
{
    /* ^[_[:alpha:]][_[:alpha:][:digit:]]*$ with RE2's ASCII classes */
    if (!name || !*name) return false;
    for (const char *c = name; *c; c++) {
        bool alpha = (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || *c == '_';
        if (!alpha && (c == name || !(*c >= '0' && *c <= '9'))) return false;
    }
    return true;
}
