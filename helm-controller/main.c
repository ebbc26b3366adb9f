/*
 * helm-controller entry point: offline subcommands are dispatched first, then
 * the controller itself (flags, manager, reconcilers) runs.
 */
#include <string.h>
#include "engine/helmtemplate.h"
int helm_controller_main(int argc, char **argv);

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "template") == 0) return ht_template_cli(argc - 1, argv + 1);
    return helm_controller_main(argc, argv);
}
