/*
 * test_template_lang.c: the Go text/template language as Helm runs it,
 * table-driven like Go's exec_test.go: each row of data/lang_cases.tsv is a
 * template, its data and the output or error the reference implementation
 * (Go's text/template with Sprig) gives. Every row must match exactly;
 * all mismatches are listed before the test fails.
 */
#include "../testlib.h"
#include "helmtest.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void run_table(const char *file)
{
    ht_case *cs;
    size_t n = htt_read_cases(file, &cs);
    CHECK(n > 0);
    int bad = 0;
    for (size_t i = 0; i < n; i++) {
        ht_case *c = &cs[i];
        char *got = NULL;
        bool ok = htt_eval(c->f[0], c->f[1], c->f[2], strcmp(c->f[3], "strict") == 0, &got);
        bool want_ok = strcmp(c->f[4], "OK") == 0;
        if (ok != want_ok || strcmp(got, c->f[5]) != 0) {
            bad++;
            fprintf(stderr, "  case %s: %s %s", c->f[0], ok ? "OK" : "ERR", htt_show(got));
            fprintf(stderr, "\n     want: %s %s\n", want_ok ? "OK" : "ERR", htt_show(c->f[5]));
        }
        free(got);
    }
    htt_free_cases(cs, n);
    if (bad) t_fail(__FILE__, __LINE__, "%d of %zu cases in %s differ from the reference", bad, n, file);
}

TEST(lang_table) { run_table("lang_cases.tsv"); }

TEST(funcs_table) { run_table("funcs_cases.tsv"); }
