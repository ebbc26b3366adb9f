/*
 * build_cli.c: `kustomize-controller build [flags] DIR`, the offline
 * equivalent of `kubectl kustomize DIR`: kustomize's default load
 * restrictions (files under each kustomization's own directory), the whole
 * filesystem as the root unless --root is given, output on stdout only when
 * the whole build succeeded, one error line on stderr otherwise.
 */
#include "kustomize.h"
#include "fc/err.h"
#include "fc/buf.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void usage(FILE *f)
{
    fprintf(f,
            "Usage: kustomize-controller build [flags] DIR\n"
            "\n"
            "Render the kustomization in DIR like `kubectl kustomize DIR`.\n"
            "\n"
            "Flags:\n"
            "  --root PATH                    no file may resolve outside PATH (default /)\n"
            "  --load-restrictor VALUE        LoadRestrictionsRootOnly (default) or LoadRestrictionsNone\n"
            "  -h, --help                     this help\n");
}

int ks_build_cli(int argc, char **argv)
{
    ks_build_opts o;
    memset(&o, 0, sizeof o);
    o.allow_env = true;
    const char *dir = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *val = NULL;
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            usage(stdout);
            return 0;
        }
        if (!strncmp(a, "--root=", 7)) val = a + 7;
        else if (!strcmp(a, "--root") && i + 1 < argc) val = argv[++i];
        if (val) {
            o.fs_root = val;
            continue;
        }
        const char *lr = NULL;
        if (!strncmp(a, "--load-restrictor=", 18)) lr = a + 18;
        else if (!strcmp(a, "--load-restrictor") && i + 1 < argc) lr = argv[++i];
        if (lr) {
            if (!strcmp(lr, "LoadRestrictionsNone")) o.load_restrictions = KS_LOAD_NONE;
            else if (!strcmp(lr, "LoadRestrictionsRootOnly")) o.load_restrictions = KS_LOAD_ROOT_ONLY;
            else {
                fprintf(stderr, "Error: invalid --load-restrictor %s\n", lr);
                return 2;
            }
            continue;
        }
        if (a[0] == '-' && a[1]) {
            fprintf(stderr, "Error: unknown flag %s\n", a);
            usage(stderr);
            return 2;
        }
        if (dir) {
            fprintf(stderr, "Error: specify one path to a kustomization directory\n");
            return 2;
        }
        dir = a;
    }
    o.path = dir ? dir : ".";
    json_object *res = NULL;
    if (ks_build(&o, &res) != 0) {
        fprintf(stderr, "Error: %s\n", fc_err_msg());
        return 1;
    }
    fc_buf out;
    fc_buf_init(&out, 0);
    /* render one object at a time and let it go: the text and the objects
     * are not both held in full */
    int rc = 0;
    size_t n = json_object_array_length(res);
    for (size_t i = 0; i < n && !rc; i++) {
        json_object *one = json_object_new_array();
        if (!one) {
            rc = fc_err_set(FC_ENOMEM, "out of memory");
            break;
        }
        json_object_array_add(one, json_object_get(json_object_array_get_idx(res, i)));
        json_object_array_put_idx(res, i, NULL);
        if (i && fc_buf_puts(&out, "---\n")) rc = fc_err_set(FC_ETOOBIG, "output too large");
        if (!rc) rc = ks_render(one, &out);
        json_object_put(one);
    }
    json_object_put(res);
    if (rc) {
        fprintf(stderr, "Error: %s\n", fc_err_msg());
        fc_buf_dispose(&out);
        return 1;
    }
    if (out.len && fwrite(out.ptr, 1, out.len, stdout) != out.len) {
        fc_buf_dispose(&out);
        fprintf(stderr, "Error: writing output failed\n");
        return 1;
    }
    fc_buf_dispose(&out);
    if (fflush(stdout) != 0) {
        fprintf(stderr, "Error: writing output failed\n");
        return 1;
    }
    return 0;
}
