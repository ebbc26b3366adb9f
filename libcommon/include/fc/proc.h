/*
 * fc/proc.h: run a helper program (kubeconfig exec credential plugins) without
 * a shell: posix_spawn with pipes, a bounded stdout, a deadline, and the
 * child's stderr passed through.
 */
#ifndef FC_PROC_H
#define FC_PROC_H
#include <stddef.h>
#include "fc/buf.h"

/* argv[0] is looked up in PATH. extra_env entries ("NAME=VALUE") are added to
 * (and override) the current environment. stdout is captured into out (its
 * cap applies). Returns 0 when the program ran and exited (status in
 * *exit_status), or a negative error (spawn failure, timeout, output too big). */
int fc_proc_run(char *const argv[], char *const extra_env[], const char *stdin_data, int timeout_ms,
                fc_buf *out, int *exit_status);

#endif
