/* Unit tests of gitignore matching with go-git v5 semantics and Flux's
 * .sourceignore rules: name vs anchored patterns, dir-only, "**", negation,
 * last match wins, domains of nested .sourceignore files, the VCS and
 * default excludes and when the defaults are dropped. */
#include "../testlib.h"
#include "fc/err.h"
#include "fc/sourceignore.h"
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

static fc_ignore *of(const char *text)
{
    fc_ignore *m = fc_ignore_new();
    if (fc_ignore_add(m, text, strlen(text), "")) t_fail(__FILE__, __LINE__, "parse: %s", fc_err_msg());
    return m;
}

TEST(name_patterns)
{
    fc_ignore *m = of("*.log\n# comment\n\n   \nbuild/\n");
    CHECK_INT(fc_ignore_count(m), 2);
    CHECK(fc_ignore_match(m, "a.log", false));
    CHECK(fc_ignore_match(m, "deep/dir/a.log", false));
    CHECK(!fc_ignore_match(m, "a.logs", false));
    CHECK(fc_ignore_match(m, "build", true));
    CHECK(!fc_ignore_match(m, "build", false)); /* dir-only */
    CHECK(fc_ignore_match(m, "build/out.bin", false)); /* below a matched dir */
    CHECK(fc_ignore_match(m, "x/build/out.bin", false));
    fc_ignore_free(m);
}

TEST(anchored_and_double_star)
{
    fc_ignore *m = of("/root.txt\ndocs/*.md\n**/secret.yaml\na/**/z\n");
    CHECK(fc_ignore_match(m, "root.txt", false));
    CHECK(!fc_ignore_match(m, "sub/root.txt", false));
    CHECK(fc_ignore_match(m, "docs/readme.md", false));
    CHECK(!fc_ignore_match(m, "x/docs/readme.md", false));
    CHECK(fc_ignore_match(m, "secret.yaml", false));
    CHECK(fc_ignore_match(m, "p/q/secret.yaml", false));
    CHECK(fc_ignore_match(m, "a/b/c/z", false));
    CHECK(!fc_ignore_match(m, "a/b/c/y", false));
    fc_ignore_free(m);
}

TEST(negation_last_match_wins)
{
    /* the sample GitRepository's rule: everything but /kustomize */
    fc_ignore *m = of("/*\n!/kustomize\n");
    CHECK(fc_ignore_match(m, "README.md", false));
    CHECK(fc_ignore_match(m, "charts", true));
    CHECK(fc_ignore_match(m, "charts/podinfo/Chart.yaml", false));
    CHECK(!fc_ignore_match(m, "kustomize", true));
    CHECK(!fc_ignore_match(m, "kustomize/deployment.yaml", false));
    fc_ignore_free(m);
    m = of("*.yaml\n!keep.yaml\n");
    CHECK(fc_ignore_match(m, "a.yaml", false));
    CHECK(!fc_ignore_match(m, "d/keep.yaml", false));
    fc_ignore_free(m);
    m = of("!keep.yaml\n*.yaml\n"); /* order matters */
    CHECK(fc_ignore_match(m, "keep.yaml", false));
    fc_ignore_free(m);
}

TEST(escapes_spaces_crlf)
{
    fc_ignore *m = of("trail.txt   \r\nsp\\ \r\n\\#hash\n[ab].c\n");
    CHECK(fc_ignore_match(m, "trail.txt", false));
    CHECK(fc_ignore_match(m, "sp ", false));
    CHECK(fc_ignore_match(m, "#hash", false));
    CHECK(fc_ignore_match(m, "a.c", false));
    CHECK(!fc_ignore_match(m, "c.c", false));
    fc_ignore_free(m);
}

TEST(domains)
{
    fc_ignore *m = fc_ignore_new();
    CHECK_INT(fc_ignore_add(m, "*.txt\n/top\n", 10, "apps/dev"), 0);
    CHECK(!fc_ignore_match(m, "x.txt", false));
    CHECK(!fc_ignore_match(m, "apps/x.txt", false));
    CHECK(fc_ignore_match(m, "apps/dev/x.txt", false));
    CHECK(fc_ignore_match(m, "apps/dev/top", true));
    CHECK(!fc_ignore_match(m, "apps/dev", true)); /* the domain itself */
    fc_ignore_free(m);
}

static void put(const char *dir, const char *rel, const char *content)
{
    char p[600];
    snprintf(p, sizeof p, "%s/%s", dir, rel);
    FILE *f = fopen(p, "w");
    if (!f) t_fail(__FILE__, __LINE__, "create %s", p);
    fputs(content, f);
    fclose(f);
}

TEST(flux_loading_and_defaults)
{
    char root[64] = "/tmp/fc-si-XXXXXX", p[600];
    CHECK(mkdtemp(root) != NULL);
    snprintf(p, sizeof p, "%s/sub", root);
    mkdir(p, 0755);
    snprintf(p, sizeof p, "%s/.git", root);
    mkdir(p, 0755);
    /* no user patterns: defaults apply */
    fc_ignore *m = NULL;
    CHECK_INT(fc_sourceignore_load(root, NULL, &m), 0);
    CHECK(fc_ignore_match(m, "logo.png", false));
    CHECK(fc_ignore_match(m, ".github", true));
    CHECK(fc_ignore_match(m, "deep/.sops.yaml", false));
    CHECK(fc_ignore_match(m, ".git", true));
    CHECK(fc_ignore_match(m, ".gitignore", false));
    CHECK(!fc_ignore_match(m, "app.yaml", false));
    fc_ignore_free(m);
    /* a nested .sourceignore: scoped, and the defaults are dropped */
    put(root, "sub/.sourceignore", "*.yaml\n");
    put(root, ".git/.sourceignore", "*\n"); /* never read */
    CHECK_INT(fc_sourceignore_load(root, NULL, &m), 0);
    CHECK(fc_ignore_match(m, "sub/a.yaml", false));
    CHECK(!fc_ignore_match(m, "a.yaml", false));
    CHECK(!fc_ignore_match(m, "logo.png", false));
    CHECK(fc_ignore_match(m, ".gitmodules", false)); /* VCS excludes stay */
    fc_ignore_free(m);
    /* spec.ignore comes last and can re-include */
    CHECK_INT(fc_sourceignore_load(root, "!sub/keep.yaml\n", &m), 0);
    CHECK(fc_ignore_match(m, "sub/a.yaml", false));
    CHECK(!fc_ignore_match(m, "sub/keep.yaml", false));
    fc_ignore_free(m);
    /* spec.ignore alone also drops the defaults */
    snprintf(p, sizeof p, "%s/sub/.sourceignore", root);
    unlink(p);
    CHECK_INT(fc_sourceignore_load(root, "# only a comment\n*.md\n", &m), 0);
    CHECK(!fc_ignore_match(m, "logo.png", false));
    CHECK(fc_ignore_match(m, "README.md", false));
    fc_ignore_free(m);
}

TEST(caps)
{
    fc_ignore *m = fc_ignore_new();
    char *big = malloc(FC_IGNORE_MAX_LINE + 10);
    memset(big, 'a', FC_IGNORE_MAX_LINE + 9);
    big[FC_IGNORE_MAX_LINE + 9] = 0;
    CHECK_INT(fc_ignore_add(m, big, strlen(big), ""), FC_ETOOBIG);
    free(big);
    CHECK(!fc_ignore_match(m, "", false));
    CHECK(!fc_ignore_match(NULL, "x", false));
    fc_ignore_free(m);
}
