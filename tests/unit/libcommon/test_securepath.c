/* Unit tests of secure join: "..", absolute paths and symlinks (relative,
 * absolute, chained, looping) can never leave the root. */
#include "../testlib.h"
#include "fc/securepath.h"
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

static char root[256];

static void setup(void)
{
    snprintf(root, sizeof root, "/tmp/fc-sj-XXXXXX");
    if (!mkdtemp(root)) t_fail(__FILE__, __LINE__, "mkdtemp");
    char p[512];
    snprintf(p, sizeof p, "%s/dir", root);
    mkdir(p, 0755);
    snprintf(p, sizeof p, "%s/dir/up", root);
    symlink("../../../../etc", p);
    snprintf(p, sizeof p, "%s/abs", root);
    symlink("/etc/passwd", p);
    snprintf(p, sizeof p, "%s/loop", root);
    symlink("loop", p);
    snprintf(p, sizeof p, "%s/rel", root);
    symlink("dir", p);
}

static char *join(const char *u)
{
    static char *last;
    free(last);
    last = NULL;
    if (fc_secure_join(root, u, &last)) return NULL;
    return last;
}

static char *want(const char *suffix)
{
    static char b[600];
    snprintf(b, sizeof b, "%s%s", root, suffix);
    return b;
}

TEST(secure_join_confines_dotdot_and_absolute)
{
    setup();
    CHECK_STR(join("a/b"), want("/a/b"));
    CHECK_STR(join("../../etc/passwd"), want("/etc/passwd"));
    CHECK_STR(join("/etc/passwd"), want("/etc/passwd"));
    CHECK_STR(join("a/../../b/./c/"), want("/b/c"));
    CHECK_STR(join(""), want(""));
}

TEST(secure_join_resolves_symlinks_inside_root)
{
    setup();
    CHECK_STR(join("dir/up/shadow"), want("/etc/shadow"));
    CHECK_STR(join("abs"), want("/etc/passwd"));
    CHECK_STR(join("rel/x"), want("/dir/x"));
    char *o = NULL;
    CHECK(fc_secure_join(root, "loop/x", &o) != 0);
    CHECK(fc_path_within(root, want("/a")));
    CHECK(!fc_path_within(root, "/tmp"));
    char sib[600];
    snprintf(sib, sizeof sib, "%s-sibling/x", root);
    CHECK(!fc_path_within(root, sib));
}
