/* Unit tests of Masterminds/semver v3 semantics: loose version parsing,
 * precedence, every constraint operator, wildcards, hyphen ranges, OR/AND
 * groups and the prerelease rule. Expected values follow the library's own
 * tests (constraints_test.go). */
#include "../testlib.h"
#include "fc/err.h"
#include "fc/semver.h"

static int check(const char *c, const char *v)
{
    fc_semver_constraint *k = NULL;
    fc_semver ver;
    if (fc_semver_constraint_parse(c, &k)) t_fail(__FILE__, __LINE__, "constraint %s: %s", c, fc_err_msg());
    if (fc_semver_parse(v, &ver)) t_fail(__FILE__, __LINE__, "version %s: %s", v, fc_err_msg());
    int ok = fc_semver_constraint_check(k, &ver);
    fc_semver_constraint_free(k);
    return ok;
}

#define YES(c, v) do { if (!check(c, v)) t_fail(__FILE__, __LINE__, "'%s' should match '%s'", c, v); } while (0)
#define NO(c, v) do { if (check(c, v)) t_fail(__FILE__, __LINE__, "'%s' should not match '%s'", c, v); } while (0)

TEST(parse_versions)
{
    fc_semver v;
    char s[64];
    CHECK_INT(fc_semver_parse("v1.2", &v), 0);
    fc_semver_format(&v, s, sizeof s);
    CHECK_STR(s, "1.2.0");
    CHECK_INT(fc_semver_parse("1.2.3-beta.1+build.5", &v), 0);
    CHECK_STR(v.pre, "beta.1");
    CHECK_STR(v.meta, "build.5");
    const char *bad[] = {"", "v", "1.2.3.4", "1..2", "a.b.c", "1.2.3-", "1.2.3-01", "1.2.3+", "1.2.3-a..b", NULL};
    for (const char **b = bad; *b; b++) {
        if (fc_semver_parse(*b, &v) == 0) t_fail(__FILE__, __LINE__, "'%s' should not parse", *b);
    }
}

static int cmp(const char *a, const char *b)
{
    fc_semver x, y;
    fc_semver_parse(a, &x);
    fc_semver_parse(b, &y);
    int c = fc_semver_compare(&x, &y);
    return c;
}

TEST(precedence)
{
    CHECK_INT(cmp("1.0.0", "1.0.0+meta"), 0);
    CHECK_INT(cmp("1.0.0-alpha", "1.0.0"), -1);
    CHECK_INT(cmp("1.0.0-alpha", "1.0.0-alpha.1"), -1);
    CHECK_INT(cmp("1.0.0-alpha.1", "1.0.0-alpha.beta"), -1);
    CHECK_INT(cmp("1.0.0-beta.2", "1.0.0-beta.11"), -1);
    CHECK_INT(cmp("1.0.0-rc.1", "1.0.0-beta.11"), 1);
    CHECK_INT(cmp("2.0.0", "10.0.0"), -1);
}

TEST(operators)
{
    YES("1.2.3", "1.2.3");
    NO("=1.2.3", "1.2.4");
    YES("!=1.2.3", "1.2.4");
    NO("!=1.2.3", "1.2.3");
    YES(">1.2.3", "1.2.4");
    NO(">1.2.3", "1.2.3");
    YES(">=1.2.3", "1.2.3");
    YES("<1.2.3", "1.2.2");
    YES("<=1.2.3", "1.2.3");
    NO("<=1.2.3", "1.2.4");
    YES("=>1.0", "1.5.0");
    YES("=<1.0", "1.0.0");
    YES("~1.2.3", "1.2.9");
    NO("~1.2.3", "1.3.0");
    YES("~1", "1.9.0");
    NO("~1", "2.0.0");
    YES("~>1.2", "1.2.7");
    YES("^1.2.3", "1.9.9");
    NO("^1.2.3", "2.0.0");
    YES("^0.2.3", "0.2.9");
    NO("^0.2.3", "0.3.0");
    YES("^0.0.3", "0.0.3");
    NO("^0.0.3", "0.0.4");
    YES("^0", "0.9.0");
}

TEST(wildcards_ranges_groups)
{
    YES("*", "4.5.6");
    YES("1.x", "1.9.0");
    NO("1.x", "2.0.0");
    YES("1.2.x", "1.2.9");
    NO("1.2.X", "1.3.0");
    YES(">1.x", "2.0.0");
    NO(">1.x", "1.9.0");
    YES("<=1.x", "1.9.9");
    NO("<=1.2.x", "1.3.0");
    YES("1.2 - 1.4.5", "1.3.0");
    NO("1.2 - 1.4.5", "1.4.6");
    YES(">=1.0.0 <2.0.0", "1.9.9");
    YES(">=1.0.0, <2.0.0", "1.0.0");
    NO(">= 1.0.0, < 2.0.0", "2.0.0");
    YES("<1.0.0 || >=3", "3.1.0");
    NO("<1.0.0 || >=3", "2.0.0");
    NO("<1 || >=1.0.0", "1.0.0-beta");
}

TEST(prereleases)
{
    NO(">=1.0.0", "2.0.0-rc.1");
    NO("*", "1.0.0-alpha");
    YES(">=2.0.0-0", "2.0.0-rc.1");
    YES(">=1.0.0-alpha", "1.0.0-beta");
    NO("~1.2.3-beta", "1.3.0-beta");
    YES("1.0.0-alpha", "1.0.0-alpha");
}

TEST(bad_constraints)
{
    fc_semver_constraint *k = NULL;
    const char *bad[] = {"> =1", "1.2.3.4", ">=a", "1.2.3 - ", "||", "~>", "1.2.3 garbage!", "", " , ", NULL};
    for (const char **b = bad; *b; b++) {
        if (fc_semver_constraint_parse(*b, &k) == 0) {
            fc_semver_constraint_free(k);
            t_fail(__FILE__, __LINE__, "'%s' should be refused", *b);
        }
    }
}
