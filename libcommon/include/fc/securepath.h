/*
 * fc/securepath.h: confine untrusted paths to a root directory, like Go's
 * filepath-securejoin (which Flux uses for spec.path, include toPath, etc.).
 * ".." never climbs above the root, and symlinks met on the way are resolved
 * as if the root were "/", so the result always names something inside root
 * (whether or not it exists yet).
 */
#ifndef FC_SECUREPATH_H
#define FC_SECUREPATH_H

/* *out (malloc'd) = root joined with unsafe, confined to root. */
int fc_secure_join(const char *root, const char *unsafe, char **out);
/* True if path (already cleaned, absolute) lies inside root or is root. */
int fc_path_within(const char *root, const char *path);

#endif
