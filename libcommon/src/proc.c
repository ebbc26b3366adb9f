/*
 * proc.c: spawn a program and collect its stdout (fc/proc.h). Uses
 * posix_spawnp (no shell, so no quoting issues) and poll() on the pipes so a
 * hung plugin is killed at the deadline instead of blocking a worker forever.
 */
#include "fc/proc.h"
#include "fc/err.h"
#include "fc/duration.h"
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static char **merged_env(char *const extra[])
{
    size_t n = 0, m = 0;
    while (environ[n]) n++;
    while (extra && extra[m]) m++;
    char **env = calloc(n + m + 1, sizeof *env);
    if (!env) return NULL;
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        const char *eq = strchr(environ[i], '=');
        size_t nl = eq ? (size_t)(eq - environ[i]) : strlen(environ[i]);
        int overridden = 0;
        for (size_t j = 0; j < m; j++)
            if (strncmp(extra[j], environ[i], nl) == 0 && extra[j][nl] == '=') overridden = 1;
        if (!overridden) env[k++] = environ[i];
    }
    for (size_t j = 0; j < m; j++) env[k++] = extra[j];
    env[k] = NULL;
    return env;
}

int fc_proc_run(char *const argv[], char *const extra_env[], const char *stdin_data, int timeout_ms,
                fc_buf *out, int *exit_status)
{
    int inp[2] = {-1, -1}, outp[2] = {-1, -1};
    int rc = 0;
    pid_t pid = -1;
    char **env = NULL;
    posix_spawn_file_actions_t fa;
    int fa_init = 0;
    if (pipe2(inp, O_CLOEXEC) || pipe2(outp, O_CLOEXEC)) {
        rc = fc_err_set(FC_EIO, "pipe: %s", strerror(errno));
        goto out;
    }
    env = merged_env(extra_env);
    if (!env) {
        rc = fc_err_set(FC_ENOMEM, "out of memory");
        goto out;
    }
    posix_spawn_file_actions_init(&fa);
    fa_init = 1;
    posix_spawn_file_actions_adddup2(&fa, inp[0], 0);
    posix_spawn_file_actions_adddup2(&fa, outp[1], 1);
    int err = posix_spawnp(&pid, argv[0], &fa, NULL, argv, env);
    if (err) {
        pid = -1;
        rc = fc_err_set(FC_EIO, "exec %s: %s", argv[0], strerror(err));
        goto out;
    }
    close(inp[0]);
    inp[0] = -1;
    close(outp[1]);
    outp[1] = -1;
    if (stdin_data) {
        size_t left = strlen(stdin_data);
        const char *p = stdin_data;
        signal(SIGPIPE, SIG_IGN);
        while (left) {
            ssize_t w = write(inp[1], p, left);
            if (w <= 0) break;
            p += w;
            left -= (size_t)w;
        }
    }
    close(inp[1]);
    inp[1] = -1;
    int64_t deadline = fc_now_mono_ns() + (int64_t)timeout_ms * FC_NS_PER_MS;
    char chunk[8192];
    for (;;) {
        int64_t left = (deadline - fc_now_mono_ns()) / FC_NS_PER_MS;
        if (left <= 0) {
            rc = fc_err_set(FC_ETIMEOUT, "%s did not finish within %d ms", argv[0], timeout_ms);
            break;
        }
        struct pollfd pfd = {outp[0], POLLIN, 0};
        int pr = poll(&pfd, 1, (int)left);
        if (pr < 0 && errno == EINTR) continue;
        if (pr <= 0) continue;
        ssize_t r = read(outp[0], chunk, sizeof chunk);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) break;
        if (fc_buf_put(out, chunk, (size_t)r)) {
            rc = fc_err_set(FC_ETOOBIG, "output of %s exceeds %zu bytes", argv[0], out->max);
            break;
        }
    }
    if (rc) kill(pid, SIGKILL);
    int st = 0;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {}
    pid = -1;
    if (!rc && exit_status) *exit_status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
out:
    if (fa_init) posix_spawn_file_actions_destroy(&fa);
    for (int i = 0; i < 2; i++) {
        if (inp[i] >= 0) close(inp[i]);
        if (outp[i] >= 0) close(outp[i]);
    }
    free(env);
    return rc;
}
