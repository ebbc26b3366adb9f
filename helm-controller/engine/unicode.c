/*
 * unicode.c: the few Unicode character classes and case mappings Sprig's
 * string functions rely on (Go's unicode.IsUpper, ToLower, IsSpace, ...).
 *
 * ASCII is decided here exactly as Go's tables do (Go treats $+<=>^`|~ as
 * symbols, not punctuation, unlike C's ispunct). Beyond ASCII we ask glibc's
 * wide-character functions under a private C.UTF-8 locale object, which
 * follow the same Unicode data; no global locale is touched.
 */
#include "ht_internal.h"
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

bool ht_u_is_space(uint32_t r)
{
    switch (r) {
    case '\t': case '\n': case '\v': case '\f': case '\r': case ' ': case 0x85: case 0xA0:
    case 0x1680: case 0x2028: case 0x2029: case 0x202F: case 0x205F: case 0x3000:
        return true;
    }
    return r >= 0x2000 && r <= 0x200A;
}

bool ht_u_is_upper(uint32_t r)
{
    if (r < 0x80) return r >= 'A' && r <= 'Z';
    return loc() && iswupper_l((wint_t)r, loc());
}

bool ht_u_is_lower(uint32_t r)
{
    if (r < 0x80) return r >= 'a' && r <= 'z';
    return loc() && iswlower_l((wint_t)r, loc());
}

bool ht_u_is_letter(uint32_t r)
{
    if (r < 0x80) return (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z');
    return loc() && iswalpha_l((wint_t)r, loc()) && !iswdigit_l((wint_t)r, loc());
}

bool ht_u_is_digit(uint32_t r)
{
    if (r < 0x80) return r >= '0' && r <= '9';
    return false;
}

bool ht_u_is_number(uint32_t r)
{
    if (r < 0x80) return r >= '0' && r <= '9';
    return r == 0xB2 || r == 0xB3 || r == 0xB9 || (r >= 0xBC && r <= 0xBE);
}

bool ht_u_is_punct(uint32_t r)
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

bool ht_u_is_title(uint32_t r)
{
    return r == 0x1C5 || r == 0x1C8 || r == 0x1CB || r == 0x1F2 || (r >= 0x1F88 && r <= 0x1FAF && (r & 0xF) >= 8) ||
           r == 0x1FBC || r == 0x1FCC || r == 0x1FFC;
}

uint32_t ht_u_upper(uint32_t r)
{
    if (r < 0x80) return r >= 'a' && r <= 'z' ? r - 32 : r;
    return loc() ? (uint32_t)towupper_l((wint_t)r, loc()) : r;
}

uint32_t ht_u_lower(uint32_t r)
{
    if (r < 0x80) return r >= 'A' && r <= 'Z' ? r + 32 : r;
    return loc() ? (uint32_t)towlower_l((wint_t)r, loc()) : r;
}

uint32_t ht_u_title(uint32_t r)
{
    /* title case equals upper case except for the digraphs */
    switch (r) {
    case 0x1C4: case 0x1C5: case 0x1C6: return 0x1C5;
    case 0x1C7: case 0x1C8: case 0x1C9: return 0x1C8;
    case 0x1CA: case 0x1CB: case 0x1CC: return 0x1CB;
    case 0x1F1: case 0x1F2: case 0x1F3: return 0x1F2;
    }
    return ht_u_upper(r);
}
