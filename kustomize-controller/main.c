/*
 * kustomize-controller entry point: offline subcommands are dispatched first, then
 * the controller itself (flags, manager, reconcilers) runs.
 */
#include <string.h>
#include "engine/kustomize.h"
int kustomize_controller_main(int argc, char **argv);

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "build") == 0) return ks_build_cli(argc - 1, argv + 1);
    return kustomize_controller_main(argc, argv);
}
