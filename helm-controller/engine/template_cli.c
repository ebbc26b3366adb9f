/* template_cli.c: placeholder for `helm-controller template` until the engine lands. */
#include "helmtemplate.h"
#include <stdio.h>

int ht_template_cli(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "helm-controller template: not implemented yet\n");
    return 1;
}
