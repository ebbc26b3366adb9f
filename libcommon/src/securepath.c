/*
 * securepath.c: secure join (fc/securepath.h). Components of the unsafe path
 * are consumed from a work list; a symlink's target is spliced into the list
 * (absolute targets restart at the root), bounded at 255 expansions so link
 * loops terminate with an error instead of spinning.
 */
#include "fc/securepath.h"
#include "fc/buf.h"
#include "fc/err.h"
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_LINKS 255

int fc_path_within(const char *root, const char *path)
{
    size_t rl = strlen(root);
    while (rl > 1 && root[rl - 1] == '/') rl--;
    if (strncmp(root, path, rl) != 0) return 0;
    return path[rl] == 0 || path[rl] == '/' || (rl == 1 && root[0] == '/');
}

int fc_secure_join(const char *root, const char *unsafe, char **out)
{
    *out = NULL;
    size_t rl = strlen(root);
    while (rl > 1 && root[rl - 1] == '/') rl--;
    /* pending components, consumed from the front */
    fc_buf todo, cur;
    fc_buf_init(&todo, PATH_MAX * 4);
    fc_buf_init(&cur, PATH_MAX * 4);
    fc_buf_puts(&todo, unsafe ? unsafe : "");
    fc_buf_puts(&cur, ""); /* path relative to root, "" or "/a/b" */
    int links = 0, rc = 0;
    size_t pos = 0;
    while (pos < todo.len) {
        while (pos < todo.len && todo.ptr[pos] == '/') pos++;
        if (pos >= todo.len) break;
        size_t end = pos;
        while (end < todo.len && todo.ptr[end] != '/') end++;
        size_t n = end - pos;
        const char *comp = todo.ptr + pos;
        pos = end;
        if (n == 1 && comp[0] == '.') continue;
        if (n == 2 && comp[0] == '.' && comp[1] == '.') {
            char *slash = strrchr(cur.ptr, '/');
            if (slash) {
                cur.len = (size_t)(slash - cur.ptr);
                cur.ptr[cur.len] = 0;
            }
            continue;
        }
        size_t before = cur.len;
        fc_buf_putc(&cur, '/');
        fc_buf_put(&cur, comp, n);
        /* is it a symlink under root? */
        fc_buf full;
        fc_buf_init(&full, 0);
        fc_buf_put(&full, root, rl);
        fc_buf_puts(&full, cur.ptr);
        struct stat st;
        if (lstat(full.ptr, &st) == 0 && S_ISLNK(st.st_mode)) {
            if (++links > MAX_LINKS) {
                fc_buf_dispose(&full);
                rc = fc_err_set(FC_EINVAL, "secure join: too many symlinks resolving %s", unsafe);
                break;
            }
            char target[PATH_MAX];
            ssize_t tl = readlink(full.ptr, target, sizeof target - 1);
            if (tl < 0) {
                fc_buf_dispose(&full);
                rc = fc_err_set(FC_EIO, "secure join: readlink %s: %s", full.ptr, strerror(errno));
                break;
            }
            target[tl] = 0;
            /* drop the link component and splice its target into the work list */
            cur.len = before;
            cur.ptr[cur.len] = 0;
            if (target[0] == '/') {
                cur.len = 0;
                cur.ptr[0] = 0;
            }
            fc_buf rest;
            fc_buf_init(&rest, PATH_MAX * 4);
            if (fc_buf_puts(&rest, target) || fc_buf_putc(&rest, '/') ||
                fc_buf_put(&rest, todo.ptr + pos, todo.len - pos)) {
                fc_buf_dispose(&rest);
                fc_buf_dispose(&full);
                rc = fc_err_set(FC_ETOOBIG, "secure join: path too long");
                break;
            }
            fc_buf_dispose(&todo);
            todo = rest;
            pos = 0;
        }
        fc_buf_dispose(&full);
    }
    if (!rc) {
        fc_buf res;
        fc_buf_init(&res, 0);
        fc_buf_put(&res, root, rl);
        fc_buf_puts(&res, cur.ptr ? cur.ptr : "");
        *out = fc_buf_detach(&res, NULL);
    }
    fc_buf_dispose(&todo);
    fc_buf_dispose(&cur);
    return rc;
}
