/* Unit tests of the regex used for Alert inclusionList/exclusionList: the
 * RE2 syntax users write (escapes, classes, (?i), non-capturing groups, lazy
 * quantifiers) must match like Go's regexp.MatchString, and what cannot be
 * translated faithfully is refused with a clear error. */
#include "../testlib.h"
#include "fc/err.h"
#include "match.h"

static bool m(const char *pattern, const char *s)
{
    nc_regex *re = NULL;
    if (nc_regex_compile(pattern, &re)) t_fail(__FILE__, __LINE__, "compile %s: %s", pattern, fc_err_msg());
    bool r = nc_regex_match(re, s);
    nc_regex_free(re);
    return r;
}

static void refused(const char *pattern, const char *why)
{
    nc_regex *re = NULL;
    if (nc_regex_compile(pattern, &re) == 0) t_fail(__FILE__, __LINE__, "accepted %s as %s", pattern, nc_regex_posix(re));
    CHECK_CONTAINS(fc_err_msg(), why);
}

TEST(plain_patterns_search_unanchored)
{
    CHECK(m("failed", "Health check failed after 1m"));
    CHECK(!m("^failed", "Health check failed"));
    CHECK(m("^Health.*failed$", "Health check failed"));
    CHECK(m("timeout|deadline", "context deadline exceeded"));
    CHECK(m("", "anything"));
    CHECK(m("a{2,3}", "caaat"));
    CHECK(!m("a{4}", "caaat"));
}

TEST(re2_escapes_translate)
{
    CHECK(m("v\\d+\\.\\d+", "chart v1.25 ready"));
    CHECK(!m("v\\d+\\.\\d+", "chart vx.y ready"));
    CHECK(m("\\s+failed", "check   failed"));
    CHECK(m("^\\S+$", "single-token"));
    CHECK(!m("^\\S+$", "two tokens"));
    CHECK(m("\\w+@sha1:", "main@sha1:abc"));
    CHECK(m("^\\D+$", "no digits here"));
    CHECK(!m("^\\D+$", "digit 1"));
    CHECK(m("\\bfail\\b", "a fail b"));
    CHECK(!m("\\bfail\\b", "failure"));
    CHECK(m("\\Aabc\\z", "abc"));
    CHECK(!m("\\Aabc\\z", "abcd"));
    CHECK(m("a\\.b\\(c\\)", "a.b(c)"));
    CHECK(!m("a\\.b", "axb"));
    CHECK(m("\\Q1+1=2\\E", "is 1+1=2?"));
    CHECK(m("tab\\there", "tab\there"));
}

TEST(bracket_expressions)
{
    CHECK(m("[\\d]+x", "123x"));
    CHECK(m("^[\\w.-]+$", "my-app.v2_x"));
    CHECK(!m("^[\\w.-]+$", "my app"));
    CHECK(m("[\\]]", "a]b"));
    CHECK(m("^[a\\-z]+$", "a-z"));
    CHECK(!m("^[a\\-z]+$", "b"));
    CHECK(m("[^\\s]", " x "));
    CHECK(m("[[:alpha:]]+", "abc"));
    CHECK(m("[\\\\]", "back\\slash"));
}

TEST(flags_groups_and_lazy_quantifiers)
{
    CHECK(m("(?i)HEALTH CHECK", "health check failed"));
    CHECK(!m("HEALTH CHECK", "health check failed"));
    CHECK(m("(?:foo|bar)baz", "xbarbaz"));
    CHECK(m("a.*?b", "axxxb"));
    CHECK(m("a+?b", "aab"));
    CHECK(m("(a|b)+c", "ababc"));
}

TEST(unsupported_syntax_is_refused_clearly)
{
    refused("\\p{Greek}", "escape \\p");
    refused("(?P<name>x)", "(?...) group");
    refused("(?s).", "(?...) group");
    refused("x(?i)y", "(?...) group");
    refused("[\\D]", "negated or Unicode class inside [...]");
    refused("\\x41", "escape \\x");
    refused("abc\\", "trailing backslash");
    refused("[abc", "missing closing ]");
    refused("(abc", "regular expression \"(abc\"");
}

TEST(repetition_limits_like_go)
{
    refused("a**", "invalid nested repetition operator");
    refused("(i++++++++++++++++++++)", "invalid nested repetition operator");
    refused("a{2}+", "invalid nested repetition operator");
    refused("*a", "missing argument to repetition operator");
    refused("(|+)", "missing argument to repetition operator");
    refused("a{1001}", "invalid repeat count");
    refused("((a{1000}){1000}){1000}", "expression too large");
    CHECK(m("x{2,3}y", "axxy"));
    CHECK(m("a{,2}", "a{,2}")); /* not a repetition: literal braces, as in Go */
    CHECK(m("^{}$", "{}"));
    CHECK(m("v\\d{1,3}\\.\\d{1,3}", "v10.2"));
}
