/*
 * testlib: a tiny unit-test framework. Each TEST() registers itself at load
 * time; main() (testlib.c) runs every registered test in its own forked child
 * so a crash or leak in one test cannot hide or break the others, and prints
 * one line per test: "PASS <binary>: <test>" or "FAIL <binary>: <test>: why".
 * tests/run.sh counts those lines. Set TEST_NOFORK=1 to debug in-process and
 * TEST_FILTER=substr to run a subset.
 */
#ifndef TESTLIB_H
#define TESTLIB_H
#include <stdio.h>
#include <string.h>
#include <stdlib.h>

typedef void (*t_fn)(void);
void t_register(const char *name, t_fn fn);
void t_fail(const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4), noreturn));
/* Directory of test data: tests/unit/<area>/data (set by run.sh or the cwd). */
const char *t_datadir(void);

#define TEST(name)                                                        \
    static void name(void);                                               \
    __attribute__((constructor)) static void t_reg_##name(void) {         \
        t_register(#name, name);                                          \
    }                                                                     \
    static void name(void)

#define CHECK(c)                                                          \
    do { if (!(c)) t_fail(__FILE__, __LINE__, "check failed: %s", #c); } while (0)
#define CHECK_INT(a, b)                                                   \
    do { long long t_a = (long long)(a), t_b = (long long)(b);            \
         if (t_a != t_b) t_fail(__FILE__, __LINE__, "%s == %lld, want %lld", \
                                #a, t_a, t_b); } while (0)
#define CHECK_STR(a, b)                                                   \
    do { const char *t_a = (a), *t_b = (b);                               \
         if (!t_a || !t_b || strcmp(t_a, t_b) != 0)                       \
             t_fail(__FILE__, __LINE__, "%s == \"%s\", want \"%s\"", #a,  \
                    t_a ? t_a : "(null)", t_b ? t_b : "(null)"); } while (0)
#define CHECK_CONTAINS(hay, needle)                                       \
    do { const char *t_h = (hay), *t_n = (needle);                        \
         if (!t_h || !strstr(t_h, t_n))                                   \
             t_fail(__FILE__, __LINE__, "%s == \"%s\", want it to contain \"%s\"", \
                    #hay, t_h ? t_h : "(null)", t_n); } while (0)
#endif
