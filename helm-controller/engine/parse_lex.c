/*
 * parse_lex.c: Go's text/template lexer (text/template/parse/lex.go), ported
 * state for state so that the same input gives the same tokens, positions,
 * line numbers and error texts ("unterminated quoted string", "bad number
 * syntax", "unexpected EOF in comment" ...), which the parser (parse.c)
 * turns into Go's "template: NAME:LINE: ..." errors.
 *
 * The lexer is pull-based (ht_lex_next drives the state machine until one
 * item is ready) exactly like Go's nextItem rather than a goroutine feeding
 * a channel; items are views into the source, which lives in the render
 * arena, so no token is copied.
 */
#include "parse_int.h"
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define EOFR ((uint32_t)-1)

static uint32_t lnext(lexer *l)
{
    if (l->pos >= l->len) {
        l->at_eof = true;
        return EOFR;
    }
    uint32_t r;
    int w = fc_utf8_decode(l->input + l->pos, l->len - l->pos, &r);
    l->pos += (size_t)w;
    l->lastw = w;
    l->lastr = r;
    if (r == '\n') l->line++;
    return r;
}

/* Go steps back over the last rune read; backup always follows a next */
static void lbackup(lexer *l)
{
    if (!l->at_eof && l->pos > 0) {
        l->pos -= (size_t)l->lastw;
        if (l->lastr == '\n') l->line--;
    }
}

static uint32_t lpeek(lexer *l)
{
    uint32_t r = lnext(l);
    lbackup(l);
    return r;
}

static int count_nl(const char *s, size_t n)
{
    int c = 0;
    for (size_t i = 0; i < n; i++)
        if (s[i] == '\n') c++;
    return c;
}

static item this_item(lexer *l, itype t)
{
    item i = {t, (uint32_t)l->start, l->input + l->start, l->pos - l->start, l->start_line};
    l->start = l->pos;
    l->start_line = l->line;
    return i;
}

static bool emit(lexer *l, itype t)
{
    l->it = this_item(l, t);
    return false;
}

static bool emit_item(lexer *l, item i)
{
    l->it = i;
    return false;
}

static void lignore(lexer *l)
{
    l->line += count_nl(l->input + l->start, l->pos - l->start);
    l->start = l->pos;
    l->start_line = l->line;
}

__attribute__((format(printf, 2, 3))) static bool lerrorf(lexer *l, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(l->errbuf, sizeof l->errbuf, fmt, ap);
    va_end(ap);
    l->it = (item){I_ERROR, (uint32_t)l->start, l->errbuf, strlen(l->errbuf), l->start_line};
    l->start = 0;
    l->pos = 0;
    l->len = 0;
    return false;
}

static bool is_space(uint32_t r) { return r == ' ' || r == '\t' || r == '\r' || r == '\n'; }
static bool is_alnum(uint32_t r)
{
    if (r == EOFR) return false;
    return r == '_' || (r < 0x80 ? isalnum((int)r) != 0 : true);
}
static bool has_left_trim(const char *s, size_t n) { return n >= 2 && s[0] == '-' && is_space((unsigned char)s[1]); }
static bool has_right_trim(const char *s, size_t n) { return n >= 2 && is_space((unsigned char)s[0]) && s[1] == '-'; }
static bool has_prefix(const char *s, size_t n, const char *p)
{
    size_t pl = strlen(p);
    return n >= pl && memcmp(s, p, pl) == 0;
}

/* fmt's %#U: "U+0041 'A'" (the quoted rune only when printable) */
static void sharp_u(uint32_t r, char *out, size_t n)
{
    if (r == EOFR) {
        snprintf(out, n, "U+FFFFFFFFFFFFFFFF");
        return;
    }
    int k = snprintf(out, n, "U+%04X", r);
    if (fc_u_is_print(r) && k > 0 && (size_t)k + 8 < n) {
        char enc[5] = {0};
        if (r < 0x80) enc[0] = (char)r;
        else if (r < 0x800) { enc[0] = (char)(0xC0 | (r >> 6)); enc[1] = (char)(0x80 | (r & 0x3F)); }
        else if (r < 0x10000) { enc[0] = (char)(0xE0 | (r >> 12)); enc[1] = (char)(0x80 | ((r >> 6) & 0x3F)); enc[2] = (char)(0x80 | (r & 0x3F)); }
        else { enc[0] = (char)(0xF0 | (r >> 18)); enc[1] = (char)(0x80 | ((r >> 12) & 0x3F)); enc[2] = (char)(0x80 | ((r >> 6) & 0x3F)); enc[3] = (char)(0x80 | (r & 0x3F)); }
        snprintf(out + k, n - (size_t)k, " '%s'", enc);
    }
}

static bool lex_text(lexer *l);
static bool lex_left_delim(lexer *l);
static bool lex_comment(lexer *l);
static bool lex_right_delim(lexer *l);
static bool lex_inside_action(lexer *l);
static bool lex_space(lexer *l);
static bool lex_identifier(lexer *l);
static bool lex_field(lexer *l);
static bool lex_variable(lexer *l);
static bool lex_char(lexer *l);
static bool lex_number(lexer *l);
static bool lex_quote(lexer *l);
static bool lex_raw_quote(lexer *l);

#define GOTO(fn) do { l->state = fn; return true; } while (0)

static const char *find_str(const char *s, size_t n, const char *needle)
{
    size_t nl = strlen(needle);
    if (nl > n) return NULL;
    return memmem(s, n, needle, nl);
}

static bool lex_text(lexer *l)
{
    const char *x = find_str(l->input + l->pos, l->len - l->pos, "{{");
    if (x) {
        size_t off = (size_t)(x - (l->input + l->pos));
        if (off > 0) {
            l->pos += off;
            size_t trim = 0;
            size_t delim_end = l->pos + 2;
            if (has_left_trim(l->input + delim_end, l->len - delim_end)) {
                size_t k = l->pos;
                while (k > l->start && is_space((unsigned char)l->input[k - 1])) k--;
                trim = l->pos - k;
            }
            l->pos -= trim;
            l->line += count_nl(l->input + l->start, l->pos - l->start);
            item i = this_item(l, I_TEXT);
            l->pos += trim;
            lignore(l);
            if (i.len > 0) {
                l->state = lex_left_delim;
                return emit_item(l, i);
            }
        }
        GOTO(lex_left_delim);
    }
    l->pos = l->len;
    if (l->pos > l->start) {
        l->line += count_nl(l->input + l->start, l->pos - l->start);
        l->state = lex_text;
        return emit(l, I_TEXT);
    }
    l->state = lex_text;
    return emit(l, I_EOF);
}

static void at_right_delim(lexer *l, bool *delim, bool *trim)
{
    const char *s = l->input + l->pos;
    size_t n = l->len - l->pos;
    if (has_right_trim(s, n) && has_prefix(s + 2, n - 2, "}}")) {
        *delim = true;
        *trim = true;
        return;
    }
    *trim = false;
    *delim = has_prefix(s, n, "}}");
}

static bool lex_left_delim(lexer *l)
{
    l->pos += 2;
    bool trim = has_left_trim(l->input + l->pos, l->len - l->pos);
    size_t after = trim ? 2 : 0;
    if (has_prefix(l->input + l->pos + after, l->len - l->pos - after, "/*")) {
        l->pos += after;
        lignore(l);
        GOTO(lex_comment);
    }
    item i = this_item(l, I_LDELIM);
    l->inside_action = true;
    l->pos += after;
    lignore(l);
    l->paren_depth = 0;
    l->state = lex_inside_action;
    return emit_item(l, i);
}

static bool lex_comment(lexer *l)
{
    l->pos += 2;
    const char *x = find_str(l->input + l->pos, l->len - l->pos, "*/");
    if (!x) return lerrorf(l, "unclosed comment");
    l->pos = (size_t)(x - l->input) + 2;
    bool delim, trim;
    at_right_delim(l, &delim, &trim);
    if (!delim) return lerrorf(l, "comment ends before closing delimiter");
    l->line += count_nl(l->input + l->start, l->pos - l->start);
    item i = this_item(l, I_COMMENT);
    (void)i;
    if (trim) l->pos += 2;
    l->pos += 2;
    if (trim)
        while (l->pos < l->len && is_space((unsigned char)l->input[l->pos])) l->pos++;
    lignore(l);
    GOTO(lex_text);
}

static bool lex_right_delim(lexer *l)
{
    bool delim, trim;
    at_right_delim(l, &delim, &trim);
    if (trim) {
        l->pos += 2;
        lignore(l);
    }
    l->pos += 2;
    item i = this_item(l, I_RDELIM);
    if (trim) {
        while (l->pos < l->len && is_space((unsigned char)l->input[l->pos])) l->pos++;
        lignore(l);
    }
    l->inside_action = false;
    l->state = lex_text;
    return emit_item(l, i);
}

static bool lex_inside_action(lexer *l)
{
    bool delim, trim;
    at_right_delim(l, &delim, &trim);
    if (delim) {
        if (l->paren_depth == 0) GOTO(lex_right_delim);
        return lerrorf(l, "unclosed left paren");
    }
    uint32_t r = lnext(l);
    l->state = lex_inside_action;
    if (r == EOFR) return lerrorf(l, "unclosed action");
    if (is_space(r)) {
        lbackup(l);
        GOTO(lex_space);
    }
    switch (r) {
    case '=': return emit(l, I_ASSIGN);
    case ':':
        if (lnext(l) != '=') return lerrorf(l, "expected :=");
        return emit(l, I_DECLARE);
    case '|': return emit(l, I_PIPE);
    case '"': GOTO(lex_quote);
    case '`': GOTO(lex_raw_quote);
    case '$': GOTO(lex_variable);
    case '\'': GOTO(lex_char);
    case '.':
        if (l->pos < l->len) {
            char c = l->input[l->pos];
            if (c < '0' || c > '9') GOTO(lex_field);
        }
        lbackup(l);
        GOTO(lex_number);
    case '(':
        l->paren_depth++;
        return emit(l, I_LPAREN);
    case ')':
        l->paren_depth--;
        if (l->paren_depth < 0) return lerrorf(l, "unexpected right paren");
        return emit(l, I_RPAREN);
    }
    if (r == '+' || r == '-' || (r >= '0' && r <= '9')) {
        lbackup(l);
        GOTO(lex_number);
    }
    if (is_alnum(r)) {
        lbackup(l);
        GOTO(lex_identifier);
    }
    if (r <= 0x7F && fc_u_is_print(r)) return emit(l, I_CHAR);
    char u[32];
    sharp_u(r, u, sizeof u);
    return lerrorf(l, "unrecognized character in action: %s", u);
}

static bool lex_space(lexer *l)
{
    int num = 0;
    for (;;) {
        uint32_t r = lpeek(l);
        if (!is_space(r)) break;
        lnext(l);
        num++;
    }
    const char *s = l->input + l->pos - 1;
    size_t n = l->len - l->pos + 1;
    if (has_right_trim(s, n) && has_prefix(s + 2, n - 2, "}}")) {
        lbackup(l);
        if (num == 1) GOTO(lex_right_delim);
    }
    l->state = lex_inside_action;
    return emit(l, I_SPACE);
}

static bool at_terminator(lexer *l)
{
    uint32_t r = lpeek(l);
    if (is_space(r)) return true;
    switch (r) {
    case EOFR: case '.': case ',': case '|': case ':': case ')': case '(': return true;
    }
    return has_prefix(l->input + l->pos, l->len - l->pos, "}}");
}

static void fmt_badchar(lexer *l, uint32_t r)
{
    char u[32];
    sharp_u(r, u, sizeof u);
    lerrorf(l, "bad character %s", u);
}

static const struct { const char *w; itype t; } keywords[] = {
    {".", I_DOT}, {"block", I_BLOCK}, {"break", I_BREAK}, {"continue", I_CONTINUE}, {"define", I_DEFINE},
    {"else", I_ELSE}, {"end", I_END}, {"if", I_IF}, {"range", I_RANGE}, {"nil", I_NIL},
    {"template", I_TEMPLATE}, {"with", I_WITH},
};

static itype keyword(const char *w, size_t n)
{
    for (size_t i = 0; i < sizeof keywords / sizeof keywords[0]; i++)
        if (strlen(keywords[i].w) == n && memcmp(keywords[i].w, w, n) == 0) return keywords[i].t;
    return I_ERROR;
}

static bool lex_identifier(lexer *l)
{
    for (;;) {
        uint32_t r = lnext(l);
        if (is_alnum(r)) continue;
        lbackup(l);
        const char *word = l->input + l->start;
        size_t wn = l->pos - l->start;
        l->state = lex_inside_action;
        if (!at_terminator(l)) {
            fmt_badchar(l, r);
            return false;
        }
        itype k = keyword(word, wn);
        if (k > I_KEYWORD) return emit(l, k); /* break/continue: always allowed (no such funcs) */
        if (word[0] == '.') return emit(l, I_FIELD);
        if ((wn == 4 && memcmp(word, "true", 4) == 0) || (wn == 5 && memcmp(word, "false", 5) == 0))
            return emit(l, I_BOOL);
        return emit(l, I_IDENT);
    }
}

static bool lex_field_or_variable(lexer *l, itype typ)
{
    l->state = lex_inside_action;
    if (at_terminator(l)) return emit(l, typ == I_VARIABLE ? I_VARIABLE : I_DOT);
    uint32_t r;
    for (;;) {
        r = lnext(l);
        if (!is_alnum(r)) {
            lbackup(l);
            break;
        }
    }
    if (!at_terminator(l)) {
        fmt_badchar(l, r);
        return false;
    }
    return emit(l, typ);
}

static bool lex_field(lexer *l) { return lex_field_or_variable(l, I_FIELD); }

static bool lex_variable(lexer *l)
{
    l->state = lex_inside_action;
    if (at_terminator(l)) return emit(l, I_VARIABLE);
    return lex_field_or_variable(l, I_VARIABLE);
}

static bool lex_char(lexer *l)
{
    l->state = lex_inside_action;
    for (;;) {
        uint32_t r = lnext(l);
        if (r == '\\') {
            uint32_t r2 = lnext(l);
            if (r2 != EOFR && r2 != '\n') continue;
            return lerrorf(l, "unterminated character constant");
        }
        if (r == EOFR || r == '\n') return lerrorf(l, "unterminated character constant");
        if (r == '\'') break;
    }
    return emit(l, I_CHARCONST);
}

static bool accept(lexer *l, const char *valid)
{
    uint32_t r = lnext(l);
    if (r != EOFR && r < 0x80 && r && strchr(valid, (int)r)) return true;
    lbackup(l);
    return false;
}

static void accept_run(lexer *l, const char *valid)
{
    for (;;) {
        uint32_t r = lnext(l);
        if (r != EOFR && r < 0x80 && r && strchr(valid, (int)r)) continue;
        break;
    }
    lbackup(l);
}

static bool scan_number(lexer *l)
{
    accept(l, "+-");
    const char *digits = "0123456789_";
    if (accept(l, "0")) {
        if (accept(l, "xX")) digits = "0123456789abcdefABCDEF_";
        else if (accept(l, "oO")) digits = "01234567_";
        else if (accept(l, "bB")) digits = "01_";
    }
    accept_run(l, digits);
    if (accept(l, ".")) accept_run(l, digits);
    if (strlen(digits) == 11 && accept(l, "eE")) {
        accept(l, "+-");
        accept_run(l, "0123456789_");
    }
    if (strlen(digits) == 23 && accept(l, "pP")) {
        accept(l, "+-");
        accept_run(l, "0123456789_");
    }
    accept(l, "i");
    if (is_alnum(lpeek(l))) {
        lnext(l);
        return false;
    }
    return true;
}

static bool lex_number_err(lexer *l)
{
    char q[128];
    size_t n = l->pos - l->start;
    ht_sb tmp;
    (void)tmp;
    /* %q of the text: numbers are ASCII so a simple quote is exact */
    size_t j = 0;
    q[j++] = '"';
    for (size_t i = 0; i < n && j < sizeof q - 6; i++) {
        unsigned char c = (unsigned char)l->input[l->start + i];
        if (c == '"' || c == '\\') q[j++] = '\\';
        if (c >= 0x20 && c < 0x7F) q[j++] = (char)c;
        else j += (size_t)snprintf(q + j, sizeof q - j, "\\x%02x", c);
    }
    q[j++] = '"';
    q[j] = 0;
    return lerrorf(l, "bad number syntax: %s", q);
}

static bool lex_number(lexer *l)
{
    l->state = lex_inside_action;
    if (!scan_number(l)) return lex_number_err(l);
    uint32_t sign = lpeek(l);
    if (sign == '+' || sign == '-') {
        if (!scan_number(l) || l->input[l->pos - 1] != 'i') return lex_number_err(l);
        return emit(l, I_COMPLEX);
    }
    return emit(l, I_NUMBER);
}

static bool lex_quote(lexer *l)
{
    l->state = lex_inside_action;
    for (;;) {
        uint32_t r = lnext(l);
        if (r == '\\') {
            uint32_t r2 = lnext(l);
            if (r2 != EOFR && r2 != '\n') continue;
            return lerrorf(l, "unterminated quoted string");
        }
        if (r == EOFR || r == '\n') return lerrorf(l, "unterminated quoted string");
        if (r == '"') break;
    }
    return emit(l, I_STRING);
}

static bool lex_raw_quote(lexer *l)
{
    l->state = lex_inside_action;
    for (;;) {
        uint32_t r = lnext(l);
        if (r == EOFR) return lerrorf(l, "unterminated raw quoted string");
        if (r == '`') break;
    }
    return emit(l, I_RAWSTRING);
}

item ht_lex_next(lexer *l)
{
    l->it = (item){I_EOF, (uint32_t)l->pos, "EOF", 3, l->start_line};
    l->state = l->inside_action ? lex_inside_action : lex_text;
    while (l->state(l)) {
    }
    return l->it;
}
