/*
 * unicode.c: UTF-8 decoding and the Unicode character classes and case
 * mappings Go programs rely on (unicode.IsUpper, ToLower, IsSpace, IsPrint,
 * utf8.DecodeRune), shared by the Helm template engine (Sprig's string
 * functions, Go's fmt quoting) and the RE2 regex engine.
 *
 * ASCII is decided here exactly as Go's tables do (Go treats $+<=>^`|~ as
 * symbols, not punctuation, unlike C's ispunct). Beyond ASCII we ask glibc's
 * wide-character functions under a private C.UTF-8 locale object, which
 * follow the same Unicode data; no global locale is touched. Invalid UTF-8
 * decodes as U+FFFD of width 1, as in Go.
 */
#include "fc/unicode.h"
#include <stddef.h>
#include <locale.h>
#include <pthread.h>
#include <wctype.h>

static locale_t uloc;
static pthread_once_t uloc_once = PTHREAD_ONCE_INIT;

static void uloc_init(void)
{
    uloc = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
    if (!uloc) uloc = newlocale(LC_CTYPE_MASK, "C.utf8", (locale_t)0);
}

static locale_t loc(void)
{
    pthread_once(&uloc_once, uloc_init);
    return uloc;
}

bool fc_u_is_space(uint32_t r)
{
    switch (r) {
    case '\t': case '\n': case '\v': case '\f': case '\r': case ' ': case 0x85: case 0xA0:
    case 0x1680: case 0x2028: case 0x2029: case 0x202F: case 0x205F: case 0x3000:
        return true;
    }
    return r >= 0x2000 && r <= 0x200A;
}

bool fc_u_is_upper(uint32_t r)
{
    if (r < 0x80) return r >= 'A' && r <= 'Z';
    return loc() && iswupper_l((wint_t)r, loc());
}

bool fc_u_is_lower(uint32_t r)
{
    if (r < 0x80) return r >= 'a' && r <= 'z';
    return loc() && iswlower_l((wint_t)r, loc());
}

bool fc_u_is_letter(uint32_t r)
{
    if (r < 0x80) return (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z');
    return loc() && iswalpha_l((wint_t)r, loc()) && !iswdigit_l((wint_t)r, loc());
}

bool fc_u_is_digit(uint32_t r)
{
    if (r < 0x80) return r >= '0' && r <= '9';
    return false;
}

bool fc_u_is_number(uint32_t r)
{
    if (r < 0x80) return r >= '0' && r <= '9';
    return r == 0xB2 || r == 0xB3 || r == 0xB9 || (r >= 0xBC && r <= 0xBE);
}

bool fc_u_is_punct(uint32_t r)
{
    if (r < 0x80) {
        switch (r) {
        case '!': case '"': case '#': case '%': case '&': case '\'': case '(': case ')': case '*': case ',':
        case '-': case '.': case '/': case ':': case ';': case '?': case '@': case '[': case '\\': case ']':
        case '_': case '{': case '}':
            return true;
        }
        return false;
    }
    return loc() && iswpunct_l((wint_t)r, loc()) && !(r >= 0x2190 && r <= 0x2BFF);
}

bool fc_u_is_title(uint32_t r)
{
    return r == 0x1C5 || r == 0x1C8 || r == 0x1CB || r == 0x1F2 || (r >= 0x1F88 && r <= 0x1FAF && (r & 0xF) >= 8) ||
           r == 0x1FBC || r == 0x1FCC || r == 0x1FFC;
}

uint32_t fc_u_upper(uint32_t r)
{
    if (r < 0x80) return r >= 'a' && r <= 'z' ? r - 32 : r;
    return loc() ? (uint32_t)towupper_l((wint_t)r, loc()) : r;
}

uint32_t fc_u_lower(uint32_t r)
{
    if (r < 0x80) return r >= 'A' && r <= 'Z' ? r + 32 : r;
    return loc() ? (uint32_t)towlower_l((wint_t)r, loc()) : r;
}

uint32_t fc_u_title(uint32_t r)
{
    /* title case equals upper case except for the digraphs */
    switch (r) {
    case 0x1C4: case 0x1C5: case 0x1C6: return 0x1C5;
    case 0x1C7: case 0x1C8: case 0x1C9: return 0x1C8;
    case 0x1CA: case 0x1CB: case 0x1CC: return 0x1CB;
    case 0x1F1: case 0x1F2: case 0x1F3: return 0x1F2;
    }
    return fc_u_upper(r);
}

/* ------------------------------------------------------------ UTF-8 */

/* decode one rune; returns width (invalid: 0xFFFD, width 1) */
static int dec_rune(const unsigned char *s, size_t n, uint32_t *r)
{
    if (n == 0) { *r = 0xFFFD; return 0; }
    unsigned char c = s[0];
    if (c < 0x80) { *r = c; return 1; }
    int k;
    uint32_t cp, min;
    if ((c & 0xE0) == 0xC0) { k = 1; cp = c & 0x1F; min = 0x80; }
    else if ((c & 0xF0) == 0xE0) { k = 2; cp = c & 0x0F; min = 0x800; }
    else if ((c & 0xF8) == 0xF0) { k = 3; cp = c & 0x07; min = 0x10000; }
    else { *r = 0xFFFD; return 1; }
    if ((size_t)k >= n) { *r = 0xFFFD; return 1; }
    for (int i = 1; i <= k; i++) {
        if ((s[i] & 0xC0) != 0x80) { *r = 0xFFFD; return 1; }
        cp = (cp << 6) | (s[i] & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) { *r = 0xFFFD; return 1; }
    *r = cp;
    return k + 1;
}

int fc_utf8_decode(const char *s, size_t n, uint32_t *r) { return dec_rune((const unsigned char *)s, n, r); }

static size_t rune_count(const char *s, size_t n)
{
    size_t c = 0;
    for (size_t i = 0; i < n;) {
        uint32_t r;
        int w = dec_rune((const unsigned char *)s + i, n - i, &r);
        i += (size_t)w;
        c++;
    }
    return c;
}

size_t fc_utf8_count(const char *s, size_t n) { return rune_count(s, n); }

/* unicode.IsPrint, approximated for non-ASCII: everything except controls,
 * non-ASCII spaces, format characters, private use and noncharacters. */
bool fc_u_is_print(uint32_t r)
{
    if (r < 0x20 || r == 0x7F) return false;
    if (r < 0x7F) return true;
    if (r >= 0x80 && r <= 0xA0) return false;
    if (r == 0xAD) return false;
    if (r >= 0x600 && r <= 0x605) return false;
    if (r == 0x61C || r == 0x6DD || r == 0x70F || r == 0x180E || r == 0x1680) return false;
    if (r >= 0x2000 && r <= 0x200F) return false;
    if (r >= 0x2028 && r <= 0x202F) return false;
    if (r >= 0x205F && r <= 0x206F) return false;
    if (r == 0x3000 || r == 0xFEFF) return false;
    if (r >= 0xD800 && r <= 0xF8FF) return false;
    if (r >= 0xFFF0 && r <= 0xFFFB) return false;
    if ((r & 0xFFFE) == 0xFFFE) return false;
    if (r >= 0xE0000) return false;
    return r <= 0x10FFFF;
}
