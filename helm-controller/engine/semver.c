/*
 * semver.c: Sprig's semver functions for the template engine (`semver`,
 * `semverCompare`) and the *semver.Version methods templates can call. The
 * version and constraint semantics are libcommon's Masterminds/semver port
 * (fc/semver.h).
 */
#include "ht_internal.h"
#include "fc/err.h"
#include "fc/semver.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


static void sv_print(ht_obj *o, ht_sb *out)
{
    char b[700];
    fc_semver_format(o->data, b, sizeof b);
    ht_sb_puts(out, b);
}

static ht_val sv_value(ht_ctx *cx, ht_obj *o)
{
    char b[700];
    fc_semver_format(o->data, b, sizeof b);
    return ht_strz(cx, b);
}

static const ht_funcdef *sv_method(const char *name);

const ht_class ht_semver_class = {"*semver.Version", "ptr", true, NULL, sv_method, sv_print, sv_value, true};

static ht_val sv_val(ht_ctx *cx, const fc_semver *v)
{
    fc_semver *p = ht_cx_alloc(cx, sizeof *p);
    *p = *v;
    return ht_obj_new(cx, &ht_semver_class, p);
}

#define FN(name) static int name(ht_ctx *cx, int argc, ht_val *argv, ht_val *out)
#define UNUSED_ARGS (void)cx, (void)argc, (void)argv

FN(fn_semver)
{
    UNUSED_ARGS;
    fc_semver v;
    if (fc_semver_parse_n(argv[0].v.s, argv[0].n, &v)) return ht_errf(cx, "%s", fc_err_msg());
    *out = sv_val(cx, &v);
    return 0;
}

FN(fn_semver_compare)
{
    UNUSED_ARGS;
    /* NewConstraint first, then NewVersion, as Sprig does */
    fc_semver_constraint *c = NULL;
    if (fc_semver_constraint_parse_n(argv[0].v.s, argv[0].n, &c)) return ht_errf(cx, "%s", fc_err_msg());
    fc_semver v;
    if (fc_semver_parse_n(argv[1].v.s, argv[1].n, &v)) {
        fc_semver_constraint_free(c);
        return ht_errf(cx, "%s", fc_err_msg());
    }
    *out = ht_bool(fc_semver_constraint_check(c, &v));
    fc_semver_constraint_free(c);
    return 0;
}

FN(m_major)
{
    UNUSED_ARGS;
    *out = ht_uint64(((fc_semver *)argv[0].v.o->data)->major);
    return 0;
}
FN(m_minor)
{
    UNUSED_ARGS;
    *out = ht_uint64(((fc_semver *)argv[0].v.o->data)->minor);
    return 0;
}
FN(m_patch)
{
    UNUSED_ARGS;
    *out = ht_uint64(((fc_semver *)argv[0].v.o->data)->patch);
    return 0;
}
FN(m_pre)
{
    UNUSED_ARGS;
    *out = ht_strz(cx, ((fc_semver *)argv[0].v.o->data)->pre);
    return 0;
}
FN(m_meta)
{
    UNUSED_ARGS;
    *out = ht_strz(cx, ((fc_semver *)argv[0].v.o->data)->meta);
    return 0;
}
FN(m_original)
{
    UNUSED_ARGS;
    *out = ht_strz(cx, ((fc_semver *)argv[0].v.o->data)->original);
    return 0;
}
FN(m_string)
{
    UNUSED_ARGS;
    char b[700];
    fc_semver_format(argv[0].v.o->data, b, sizeof b);
    *out = ht_strz(cx, b);
    return 0;
}
static int cmp_args(ht_val *argv)
{
    return fc_semver_compare(argv[0].v.o->data, argv[1].v.o->data);
}
FN(m_compare)
{
    UNUSED_ARGS;
    *out = ht_int(cmp_args(argv));
    return 0;
}
FN(m_lt)
{
    UNUSED_ARGS;
    *out = ht_bool(cmp_args(argv) < 0);
    return 0;
}
FN(m_gt)
{
    UNUSED_ARGS;
    *out = ht_bool(cmp_args(argv) > 0);
    return 0;
}
FN(m_eq)
{
    UNUSED_ARGS;
    *out = ht_bool(cmp_args(argv) == 0);
    return 0;
}
FN(m_le)
{
    UNUSED_ARGS;
    *out = ht_bool(cmp_args(argv) <= 0);
    return 0;
}
FN(m_ge)
{
    UNUSED_ARGS;
    *out = ht_bool(cmp_args(argv) >= 0);
    return 0;
}

static int inc(ht_ctx *cx, ht_val *argv, ht_val *out, int which)
{
    fc_semver v = *(fc_semver *)argv[0].v.o->data;
    bool vprefix = v.original[0] == 'v';
    if (which == 0) {
        if (!v.pre[0]) v.patch++;
    } else if (which == 1) {
        v.minor++;
        v.patch = 0;
    } else {
        v.major++;
        v.minor = v.patch = 0;
    }
    v.pre[0] = v.meta[0] = 0;
    char b[sizeof v.original];
    fc_semver_format(&v, b, sizeof b);
    snprintf(v.original, sizeof v.original, "%s%.*s", vprefix ? "v" : "", (int)sizeof v.original - 2, b);
    /* the Inc* methods return a Version value, not a pointer */
    *out = sv_val(cx, &v);
    return 0;
}
FN(m_inc_patch)
{
    UNUSED_ARGS;
    return inc(cx, argv, out, 0);
}
FN(m_inc_minor)
{
    UNUSED_ARGS;
    return inc(cx, argv, out, 1);
}
FN(m_inc_major)
{
    UNUSED_ARGS;
    return inc(cx, argv, out, 2);
}

static const ht_funcdef sv_methods[] = {
    {"Compare", m_compare, 1, false, {P_SEMVER}, P_INT, 0},
    {"Equal", m_eq, 1, false, {P_SEMVER}, P_BOOL, 0},
    {"GreaterThan", m_gt, 1, false, {P_SEMVER}, P_BOOL, 0},
    {"GreaterThanEqual", m_ge, 1, false, {P_SEMVER}, P_BOOL, 0},
    {"IncMajor", m_inc_major, 0, false, {0}, P_SEMVER, 0},
    {"IncMinor", m_inc_minor, 0, false, {0}, P_SEMVER, 0},
    {"IncPatch", m_inc_patch, 0, false, {0}, P_SEMVER, 0},
    {"LessThan", m_lt, 1, false, {P_SEMVER}, P_BOOL, 0},
    {"LessThanEqual", m_le, 1, false, {P_SEMVER}, P_BOOL, 0},
    {"Major", m_major, 0, false, {0}, P_UINT64, 0},
    {"Metadata", m_meta, 0, false, {0}, P_STRING, 0},
    {"Minor", m_minor, 0, false, {0}, P_UINT64, 0},
    {"Original", m_original, 0, false, {0}, P_STRING, 0},
    {"Patch", m_patch, 0, false, {0}, P_UINT64, 0},
    {"Prerelease", m_pre, 0, false, {0}, P_STRING, 0},
    {"String", m_string, 0, false, {0}, P_STRING, 0},
    {NULL, NULL, 0, false, {0}, 0, 0},
};

static const ht_funcdef *sv_method(const char *name)
{
    for (const ht_funcdef *d = sv_methods; d->name; d++)
        if (strcmp(d->name, name) == 0) return d;
    return NULL;
}

const ht_funcdef ht_funcs_semver[] = {
    {"semver", fn_semver, 1, false, {P_STRING}, P_SEMVER, 0},
    {"semverCompare", fn_semver_compare, 2, false, {P_STRING, P_STRING}, P_BOOL, 0},
    {NULL, NULL, 0, false, {0}, 0, 0},
};
