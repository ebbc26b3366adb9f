/*
 * fc/sourceignore.h: gitignore-style path matching with Flux's .sourceignore
 * rules (reference 1.4), following go-git v5's gitignore package, which Flux
 * uses:
 *   - a pattern is one line; "#" lines and blank lines are skipped; a leading
 *     "!" re-includes; trailing spaces are trimmed unless escaped ("\ ");
 *     a trailing "/" matches directories only;
 *   - a pattern without "/" matches any path component (name match); one
 *     with "/" is anchored at its domain and matched component by component
 *     ("**" spans any number of directories); a match of a leading part also
 *     matches everything below it;
 *   - every pattern has a domain (the directory of the .sourceignore that
 *     declared it, relative to the root) and only applies below it;
 *   - the last pattern that matches decides.
 * Each path component is matched with fnmatch(3) (the shell glob of Go's
 * filepath.Match: "*", "?", "[...]", "\" escapes).
 *
 * fc_sourceignore_load() builds Flux's complete matcher for a checked-out
 * tree: the always-on VCS excludes, the .sourceignore files found in the tree
 * (each scoped to its directory), then spec.ignore; the default excludes are
 * added only when neither supplied a pattern.
 */
#ifndef FC_SOURCEIGNORE_H
#define FC_SOURCEIGNORE_H
#include <stdbool.h>
#include <stddef.h>

typedef struct fc_ignore fc_ignore;

#define FC_SOURCEIGNORE_FILE ".sourceignore"
/* Caps: patterns per matcher, bytes per .sourceignore file, line length. */
#define FC_IGNORE_MAX_PATTERNS 100000
#define FC_IGNORE_MAX_FILE (1u << 20)
#define FC_IGNORE_MAX_LINE 4096

fc_ignore *fc_ignore_new(void);
void fc_ignore_free(fc_ignore *m);
/* Add the patterns in text (one per line). domain: "" for the root, or a
 * '/'-separated directory relative to the root ("apps/dev"). */
int fc_ignore_add(fc_ignore *m, const char *text, size_t len, const char *domain);
/* Flux's always-on excludes: .git/ .gitignore .gitmodules .gitattributes */
int fc_ignore_add_vcs(fc_ignore *m, const char *domain);
/* Flux's default excludes (images, archives, CI files, .sops.yaml...). */
int fc_ignore_add_defaults(fc_ignore *m, const char *domain);
/* Load every .sourceignore under root (not under .git), each scoped to its
 * directory; directories are visited in byte order. */
int fc_ignore_add_dir(fc_ignore *m, const char *root);
size_t fc_ignore_count(const fc_ignore *m);
/* relpath: '/'-separated, relative to the root. True when excluded. */
bool fc_ignore_match(const fc_ignore *m, const char *relpath, bool is_dir);

/* Flux's matcher for a tree: VCS excludes + root/.sourceignore files +
 * spec_ignore (may be NULL); default excludes only when there are no user
 * patterns at all. */
int fc_sourceignore_load(const char *root, const char *spec_ignore, fc_ignore **out);

#endif
