/* controller.c: helm-controller flags and manager wiring (placeholder until the runtime lands). */
#include "fc/flags.h"
#include <stdlib.h>

int helm_controller_main(int argc, char **argv);

int helm_controller_main(int argc, char **argv)
{
    static char *storage_path;
    static const fc_flag flags[] = {
        {"storage-path", FC_FLAG_STR, &storage_path, "/data", "The local storage path.", "STORAGE_PATH"},
        {0},
    };
    fc_flagset fs = {"helm-controller", "helm-controller: GitRepository, HelmRepository, HelmChart, OCIRepository, Bucket", flags};
    int rc = fc_flags_parse(&fs, argc, argv, NULL, NULL);
    fc_flags_dispose(&fs);
    return rc == 1 ? 0 : 2;
}
