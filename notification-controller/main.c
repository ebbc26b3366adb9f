/*
 * notification-controller entry point: offline subcommands are dispatched first, then
 * the controller itself (flags, manager, reconcilers) runs.
 */
#include <string.h>

int notification_controller_main(int argc, char **argv);

int main(int argc, char **argv)
{

    return notification_controller_main(argc, argv);
}
