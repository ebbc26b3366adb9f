/* build_cli.c: placeholder for `kustomize-controller build` until the engine lands. */
#include "kustomize.h"
#include <stdio.h>

int ks_build_cli(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "kustomize-controller build: not implemented yet\n");
    return 1;
}
