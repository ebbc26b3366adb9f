/*
 * funcs_regex.c: Sprig's regex functions on the RE2-compatible engine in
 * regex.c, with Go's regexp package iteration rules (FindAll skips an empty
 * match right after a previous match, ReplaceAll expands $1 / ${name} /
 * $$, Split follows regexp.Split) and MustCompile's panic text for the
 * non-must variants.
 */
#include "ht_internal.h"
#include "fc/regex.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FN(name) static int name(ht_ctx *cx, int argc, ht_val *argv, ht_val *out)
#define UNUSED_ARGS (void)cx, (void)argc, (void)argv

static void regex_free_cb(void *p) { fc_regex_free(p); }

/* compile; must=false formats Go's MustCompile panic */
static fc_regex *compile(ht_ctx *cx, ht_val pat, bool must)
{
    char err[512];
    fc_regex *re = fc_regex_compile(pat.v.s, pat.n, err, sizeof err);
    if (re) {
        ht_cleanup_push(cx, regex_free_cb, re);
        return re;
    }
    if (must) {
        ht_errf(cx, "%s", err);
    } else {
        /* regexp: Compile(`pat`): error parsing regexp: ... */
        bool bq = true;
        for (uint32_t i = 0; i < pat.n && bq; i++) {
            unsigned char c = (unsigned char)pat.v.s[i];
            if (c == '`' || (c < ' ' && c != '\t') || c == 0x7F) bq = false;
        }
        ht_sb q;
        ht_sb_init(&q, cx);
        if (bq) {
            ht_sb_putc(&q, '`');
            ht_sb_put(&q, pat.v.s, pat.n);
            ht_sb_putc(&q, '`');
        } else {
            ht_go_quote(pat.v.s, pat.n, &q);
        }
        ht_errf(cx, "regexp: Compile(%s): %s", ht_sb_val(&q).v.s, err);
    }
    return NULL;
}

static void done(ht_ctx *cx) { ht_cleanup_pop(cx, true); }

typedef struct {
    int *caps;
    int nslots;
} match_buf;

/* Go's allMatches: calls fn for each match, up to n (n < 0: all) */
typedef void (*match_fn)(void *ud, const int *caps);

static void all_matches(ht_ctx *cx, fc_regex *re, ht_val s, int64_t n, match_fn fn, void *ud)
{
    int nslots = 2 * (fc_regex_ncap(re) + 1);
    int *caps = ht_cx_alloc(cx, (size_t)nslots * sizeof *caps);
    if (n < 0) n = (int64_t)s.n + 1;
    size_t pos = 0;
    int64_t prev_end = -1, i = 0;
    while (i < n && pos <= s.n) {
        if (!fc_regex_exec(re, s.v.s, s.n, pos, caps)) break;
        bool accept = true;
        if ((size_t)caps[1] == pos) {
            if (caps[0] == prev_end) accept = false;
            if (pos < s.n) {
                uint32_t r;
                pos += (size_t)fc_utf8_decode(s.v.s + pos, s.n - pos, &r);
            } else {
                pos = s.n + 1;
            }
        } else {
            pos = (size_t)caps[1];
        }
        prev_end = caps[1];
        if (accept) {
            fn(ud, caps);
            i++;
        }
    }
}

typedef struct {
    ht_ctx *cx;
    ht_val s, list;
} collect;

static void collect_str(void *ud, const int *caps)
{
    collect *c = ud;
    ht_list_push(c->cx, &c->list, ht_str(c->cx, c->s.v.s + caps[0], (size_t)(caps[1] - caps[0])));
}

FN(fn_regex_match)
{
    UNUSED_ARGS;
    fc_regex *re = compile(cx, argv[0], true);
    if (!re) {
        ht_err_clear(cx);
        *out = ht_bool(false);
        return 0;
    }
    int *caps = ht_cx_alloc(cx, (size_t)(2 * (fc_regex_ncap(re) + 1)) * sizeof(int));
    *out = ht_bool(fc_regex_exec(re, argv[1].v.s, argv[1].n, 0, caps));
    done(cx);
    return 0;
}

FN(fn_must_regex_match)
{
    UNUSED_ARGS;
    fc_regex *re = compile(cx, argv[0], true);
    if (!re) return -1;
    int *caps = ht_cx_alloc(cx, (size_t)(2 * (fc_regex_ncap(re) + 1)) * sizeof(int));
    *out = ht_bool(fc_regex_exec(re, argv[1].v.s, argv[1].n, 0, caps));
    done(cx);
    return 0;
}

static int find_all(ht_ctx *cx, ht_val *argv, ht_val *out, bool must)
{
    fc_regex *re = compile(cx, argv[0], must);
    if (!re) {
        if (must) {
            /* mustRegexFindAll returns []string{} with the error */
            return -1;
        }
        return -1;
    }
    collect c = {cx, argv[1], ht_list_new(cx, 0, HT_L_STRING)};
    c.list.v.l = NULL;
    all_matches(cx, re, argv[1], argv[2].v.i, collect_str, &c);
    done(cx);
    *out = c.list;
    if (!c.list.v.l) {
        /* no matches: Go returns a nil []string */
        out->v.l = NULL;
    }
    return 0;
}

FN(fn_regex_find_all)
{
    UNUSED_ARGS;
    return find_all(cx, argv, out, false);
}

FN(fn_must_regex_find_all)
{
    UNUSED_ARGS;
    return find_all(cx, argv, out, true);
}

static int find_one(ht_ctx *cx, ht_val *argv, ht_val *out, bool must)
{
    fc_regex *re = compile(cx, argv[0], must);
    if (!re) return -1;
    int *caps = ht_cx_alloc(cx, (size_t)(2 * (fc_regex_ncap(re) + 1)) * sizeof(int));
    if (fc_regex_exec(re, argv[1].v.s, argv[1].n, 0, caps)) *out = ht_str(cx, argv[1].v.s + caps[0], (size_t)(caps[1] - caps[0]));
    else *out = ht_str_static("", 0);
    done(cx);
    return 0;
}

FN(fn_regex_find)
{
    UNUSED_ARGS;
    return find_one(cx, argv, out, false);
}

FN(fn_must_regex_find)
{
    UNUSED_ARGS;
    return find_one(cx, argv, out, true);
}

/* Go's Regexp.expand for ReplaceAllString */
static void expand(ht_sb *sb, fc_regex *re, ht_val tpl, ht_val src, const int *caps)
{
    const char *t = tpl.v.s;
    size_t n = tpl.n, i = 0;
    int ncap = fc_regex_ncap(re);
    while (i < n) {
        const char *d = memchr(t + i, '$', n - i);
        if (!d) break;
        size_t k = (size_t)(d - t);
        ht_sb_put(sb, t + i, k - i);
        i = k + 1;
        if (i < n && t[i] == '$') {
            ht_sb_putc(sb, '$');
            i++;
            continue;
        }
        /* extract name */
        const char *name = NULL;
        size_t nl = 0, rest = i;
        bool ok = false;
        if (i < n && t[i] == '{') {
            size_t j = i + 1;
            while (j < n && (t[j] == '_' || (t[j] >= '0' && t[j] <= '9') || (t[j] >= 'a' && t[j] <= 'z') || (t[j] >= 'A' && t[j] <= 'Z') || (unsigned char)t[j] >= 0x80)) j++;
            if (j < n && t[j] == '}' && j > i + 1) {
                name = t + i + 1;
                nl = j - i - 1;
                rest = j + 1;
                ok = true;
            }
        } else {
            size_t j = i;
            while (j < n && (t[j] == '_' || (t[j] >= '0' && t[j] <= '9') || (t[j] >= 'a' && t[j] <= 'z') || (t[j] >= 'A' && t[j] <= 'Z') || (unsigned char)t[j] >= 0x80)) j++;
            if (j > i) {
                name = t + i;
                nl = j - i;
                rest = j;
                ok = true;
            }
        }
        if (!ok) {
            /* malformed: keep the '$' */
            ht_sb_putc(sb, '$');
            continue;
        }
        i = rest;
        int num = -1;
        bool all_digits = true;
        for (size_t q = 0; q < nl; q++) all_digits = all_digits && name[q] >= '0' && name[q] <= '9';
        if (all_digits) {
            num = 0;
            for (size_t q = 0; q < nl && num < 100000; q++) num = num * 10 + (name[q] - '0');
        } else {
            for (int g = 1; g <= ncap; g++) {
                const char *gn = fc_regex_name(re, g);
                if (gn && strlen(gn) == nl && memcmp(gn, name, nl) == 0) {
                    num = g;
                    break;
                }
            }
        }
        if (num >= 0 && num <= ncap && caps[2 * num] >= 0) ht_sb_put(sb, src.v.s + caps[2 * num], (size_t)(caps[2 * num + 1] - caps[2 * num]));
    }
    ht_sb_put(sb, t + i, n - i);
}

static int replace_all(ht_ctx *cx, ht_val *argv, ht_val *out, bool must, bool literal)
{
    fc_regex *re = compile(cx, argv[0], must);
    if (!re) return -1;
    ht_val src = argv[1], repl = argv[2];
    int *caps = ht_cx_alloc(cx, (size_t)(2 * (fc_regex_ncap(re) + 1)) * sizeof(int));
    ht_sb sb;
    ht_sb_init(&sb, cx);
    size_t last = 0, search = 0;
    while (search <= src.n) {
        if (!fc_regex_exec(re, src.v.s, src.n, search, caps)) break;
        ht_sb_put(&sb, src.v.s + last, (size_t)caps[0] - last);
        if ((size_t)caps[1] > last || caps[0] == 0) {
            if (literal) ht_sb_put(&sb, repl.v.s, repl.n);
            else expand(&sb, re, repl, src, caps);
        }
        last = (size_t)caps[1];
        size_t width = 0;
        if (search < src.n) {
            uint32_t r;
            width = (size_t)fc_utf8_decode(src.v.s + search, src.n - search, &r);
        }
        if (search + width > (size_t)caps[1]) search += width;
        else if (search + 1 > (size_t)caps[1]) search++;
        else search = (size_t)caps[1];
    }
    ht_sb_put(&sb, src.v.s + last, src.n - last);
    done(cx);
    *out = ht_sb_val(&sb);
    return 0;
}

FN(fn_regex_replace_all)
{
    UNUSED_ARGS;
    return replace_all(cx, argv, out, false, false);
}

FN(fn_must_regex_replace_all)
{
    UNUSED_ARGS;
    return replace_all(cx, argv, out, true, false);
}

FN(fn_regex_replace_all_literal)
{
    UNUSED_ARGS;
    return replace_all(cx, argv, out, false, true);
}

FN(fn_must_regex_replace_all_literal)
{
    UNUSED_ARGS;
    return replace_all(cx, argv, out, true, true);
}

typedef struct {
    ht_ctx *cx;
    int64_t *idx;
    size_t n, cap;
} idx_collect;

static void collect_idx(void *ud, const int *caps)
{
    idx_collect *c = ud;
    if (c->n + 2 > c->cap) {
        size_t nc = c->cap ? c->cap * 2 : 16;
        int64_t *ni = ht_cx_alloc(c->cx, nc * sizeof *ni);
        if (c->n) memcpy(ni, c->idx, c->n * sizeof *ni);
        c->idx = ni;
        c->cap = nc;
    }
    c->idx[c->n++] = caps[0];
    c->idx[c->n++] = caps[1];
}

static int split(ht_ctx *cx, ht_val *argv, ht_val *out, bool must)
{
    fc_regex *re = compile(cx, argv[0], must);
    if (!re) return -1;
    ht_val s = argv[1];
    int64_t n = argv[2].v.i;
    ht_val l = ht_list_new(cx, 0, HT_L_STRING);
    if (n == 0) {
        done(cx);
        l.v.l = NULL;
        *out = l;
        return 0;
    }
    if (argv[0].n > 0 && s.n == 0) {
        done(cx);
        ht_list_push(cx, &l, ht_str_static("", 0));
        *out = l;
        return 0;
    }
    idx_collect c = {cx, NULL, 0, 0};
    all_matches(cx, re, s, n, collect_idx, &c);
    done(cx);
    int64_t beg = 0, end = 0;
    for (size_t i = 0; i < c.n; i += 2) {
        if (n > 0 && (int64_t)l.v.l->n == n - 1) break;
        end = c.idx[i];
        if (c.idx[i + 1] != 0) ht_list_push(cx, &l, ht_str(cx, s.v.s + beg, (size_t)(end - beg)));
        beg = c.idx[i + 1];
    }
    if (end != (int64_t)s.n) ht_list_push(cx, &l, ht_str(cx, s.v.s + beg, s.n - (size_t)beg));
    *out = l;
    return 0;
}

FN(fn_regex_split)
{
    UNUSED_ARGS;
    return split(cx, argv, out, false);
}

FN(fn_must_regex_split)
{
    UNUSED_ARGS;
    return split(cx, argv, out, true);
}

FN(fn_regex_quote_meta)
{
    UNUSED_ARGS;
    ht_sb sb;
    ht_sb_init(&sb, cx);
    for (uint32_t i = 0; i < argv[0].n; i++) {
        char c = argv[0].v.s[i];
        if (strchr("\\.+*?()|[]{}^$", c) && c) ht_sb_putc(&sb, '\\');
        ht_sb_putc(&sb, c);
    }
    *out = ht_sb_val(&sb);
    return 0;
}

#define S P_STRING

const ht_funcdef ht_funcs_regex[] = {
    {"mustRegexFind", fn_must_regex_find, 2, false, {S, S}, S, 0},
    {"mustRegexFindAll", fn_must_regex_find_all, 3, false, {S, S, P_INT}, P_STRLIST, 0},
    {"mustRegexMatch", fn_must_regex_match, 2, false, {S, S}, P_BOOL, 0},
    {"mustRegexReplaceAll", fn_must_regex_replace_all, 3, false, {S, S, S}, S, 0},
    {"mustRegexReplaceAllLiteral", fn_must_regex_replace_all_literal, 3, false, {S, S, S}, S, 0},
    {"mustRegexSplit", fn_must_regex_split, 3, false, {S, S, P_INT}, P_STRLIST, 0},
    {"regexFind", fn_regex_find, 2, false, {S, S}, S, 0},
    {"regexFindAll", fn_regex_find_all, 3, false, {S, S, P_INT}, P_STRLIST, 0},
    {"regexMatch", fn_regex_match, 2, false, {S, S}, P_BOOL, 0},
    {"regexQuoteMeta", fn_regex_quote_meta, 1, false, {S}, S, 0},
    {"regexReplaceAll", fn_regex_replace_all, 3, false, {S, S, S}, S, 0},
    {"regexReplaceAllLiteral", fn_regex_replace_all_literal, 3, false, {S, S, S}, S, 0},
    {"regexSplit", fn_regex_split, 3, false, {S, S, P_INT}, P_STRLIST, 0},
    {NULL, NULL, 0, false, {0}, 0, 0},
};
