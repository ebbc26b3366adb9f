/*
 * testlib runner: see testlib.h. Runs each registered test in a forked child
 * with a 120 s alarm, maps the child's exit status to PASS/FAIL and prints a
 * summary line for humans; tests/run.sh does the suite-wide counting.
 */
#include "testlib.h"
#include <stdarg.h>
#include <signal.h>
#include <unistd.h>
#include <sys/wait.h>

#define T_MAX 2048
static struct { const char *name; t_fn fn; } tests[T_MAX];
static int ntests;
static const char *prog = "test";

void t_register(const char *name, t_fn fn)
{
    if (ntests < T_MAX) {
        tests[ntests].name = name;
        tests[ntests].fn = fn;
        ntests++;
    }
}

void t_fail(const char *file, int line, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "  %s:%d: ", file, line);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    fflush(NULL);
    _exit(1);
}

const char *t_datadir(void)
{
    const char *d = getenv("TEST_DATADIR");
    return d ? d : ".";
}

static int run_one(int i)
{
    if (getenv("TEST_NOFORK")) {
        tests[i].fn();
        return 0;
    }
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) return -1;
    if (pid == 0) {
        alarm(120);
        tests[i].fn();
        fflush(NULL);
        exit(0); /* not _exit: LeakSanitizer reports leaks from atexit */
    }
    int st = 0;
    while (waitpid(pid, &st, 0) < 0) {}
    if (WIFEXITED(st)) return WEXITSTATUS(st) == 0 ? 0 : WEXITSTATUS(st);
    return 1000 + WTERMSIG(st);
}

int main(int argc, char **argv)
{
    (void)argc;
    const char *slash = strrchr(argv[0], '/');
    prog = slash ? slash + 1 : argv[0];
    const char *filter = getenv("TEST_FILTER");
    int pass = 0, fail = 0;
    for (int i = 0; i < ntests; i++) {
        if (filter && !strstr(tests[i].name, filter)) continue;
        int rc = run_one(i);
        if (rc == 0) {
            printf("PASS %s: %s\n", prog, tests[i].name);
            pass++;
        } else if (rc >= 1000) {
            printf("FAIL %s: %s: killed by signal %d\n", prog, tests[i].name, rc - 1000);
            fail++;
        } else {
            printf("FAIL %s: %s: exit status %d\n", prog, tests[i].name, rc);
            fail++;
        }
        fflush(stdout);
    }
    fprintf(stderr, "%s: %d passed, %d failed\n", prog, pass, fail);
    return fail ? 1 : 0;
}
