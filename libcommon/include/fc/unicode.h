/*
 * fc/unicode.h: UTF-8 decoding and Go-compatible Unicode classes and case
 * mappings (unicode.IsSpace, IsUpper, IsLetter, IsPrint, ToUpper, ...).
 */
#ifndef FC_UNICODE_H
#define FC_UNICODE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* utf8.DecodeRune: width of the rune at s (invalid bytes: U+FFFD, width 1;
 * empty input: width 0). */
int fc_utf8_decode(const char *s, size_t n, uint32_t *r);
/* utf8.RuneCount */
size_t fc_utf8_count(const char *s, size_t n);
bool fc_u_is_print(uint32_t r);
bool fc_u_is_space(uint32_t r);
bool fc_u_is_upper(uint32_t r);
bool fc_u_is_lower(uint32_t r);
bool fc_u_is_letter(uint32_t r);
bool fc_u_is_digit(uint32_t r);
bool fc_u_is_number(uint32_t r);
bool fc_u_is_punct(uint32_t r);
bool fc_u_is_title(uint32_t r);
uint32_t fc_u_upper(uint32_t r);
uint32_t fc_u_lower(uint32_t r);
uint32_t fc_u_title(uint32_t r);

#endif
