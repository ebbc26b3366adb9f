/*
 * fc/discovery.h: the kind -> REST resource mapper. Maps (apiVersion, kind)
 * to the plural resource name and scope using the API server's discovery
 * documents, fetched per group-version on first use. A miss re-discovers that
 * group-version (at most once a second), so kinds whose CRD was applied a
 * moment ago resolve without a restart.
 */
#ifndef FC_DISCOVERY_H
#define FC_DISCOVERY_H
#include "fc/kube.h"

typedef struct fc_mapper fc_mapper;

fc_mapper *fc_mapper_new(fc_kube *k);
void fc_mapper_free(fc_mapper *m);
/* out's strings are owned by the mapper and live as long as it does.
 * Unknown kinds fail with FC_ENOTFOUND and kubectl's message
 * `no matches for kind "X" in version "g/v"`. */
int fc_mapper_lookup(fc_mapper *m, const char *api_version, const char *kind, fc_resource *out);
/* Split "group/version" (or "v1") into group and version (malloc'd). */
void fc_split_api_version(const char *api_version, char **group, char **version);

#endif
