/* Unit tests of libcommon's RE2 engine (fc/regex.h) as the notification-
 * controller uses it for Alert inclusionList/exclusionList: the syntax users
 * write must match like Go's regexp.MatchString, with Go's limits and error
 * messages. The Helm engine's Sprig tables test the rest (captures,
 * replacement, splitting). Expected results were checked with Go. */
#include "../testlib.h"
#include "fc/regex.h"

static bool m(const char *pattern, const char *s)
{
    char err[256];
    fc_regex *re = fc_regex_compile(pattern, strlen(pattern), err, sizeof err);
    if (!re) t_fail(__FILE__, __LINE__, "compile %s: %s", pattern, err);
    bool r = fc_regex_exec(re, s, strlen(s), 0, NULL);
    fc_regex_free(re);
    return r;
}

static void refused(const char *pattern, const char *why)
{
    char err[256] = "";
    fc_regex *re = fc_regex_compile(pattern, strlen(pattern), err, sizeof err);
    if (re) {
        fc_regex_free(re);
        t_fail(__FILE__, __LINE__, "accepted %s", pattern);
    }
    CHECK_CONTAINS(err, why);
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

TEST(re2_escapes)
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

TEST(go_syntax_beyond_posix)
{
    CHECK(m("(?P<name>x)y", "axyb"));
    CHECK(m("(?s)a.b", "a\nb"));
    CHECK(!m("a.b", "a\nb")); /* . does not match a newline without (?s) */
    CHECK(m("x(?i)y", "xY"));
    CHECK(!m("x(?i)y", "XY"));
    CHECK(m("^[\\D]+$", "abc"));
    CHECK(m("\\x41", "A"));
    CHECK(m("\\pL+", "h\xc3\xa9llo"));
    CHECK(m("(?i)\xc3\xa9", "\xc3\x89")); /* Unicode case folding */
}

TEST(invalid_patterns_are_refused_with_go_messages)
{
    refused("abc\\", "trailing backslash at end of expression");
    refused("[abc", "missing closing ]: `[abc`");
    refused("(abc", "missing closing ): `(abc`");
    refused("\\p{Greek}", "invalid character class range");
}

TEST(repetition_limits_like_go)
{
    refused("a**", "error parsing regexp: invalid nested repetition operator: `a**`");
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
