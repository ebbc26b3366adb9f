/*
 * conditions.c: Flux's condition helpers on json-c objects
 * (fc/conditions.h). Conditions are kept as json objects in
 * status.conditions so that whatever the API server returned survives
 * untouched; only the fields Flux manages are written.
 */
#include "fc/conditions.h"
#include "fc/duration.h"
#include "fc/json.h"
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static json_object *conds(json_object *obj, bool create)
{
    json_object *st = fc_json_key(obj, "status");
    if (!st || !json_object_is_type(st, json_type_object)) {
        if (!create) return NULL;
        st = json_object_new_object();
        json_object_object_add(obj, "status", st);
    }
    json_object *c = fc_json_key(st, "conditions");
    if (!c || !json_object_is_type(c, json_type_array)) {
        if (!create) return NULL;
        c = json_object_new_array();
        json_object_object_add(st, "conditions", c);
    }
    return c;
}

json_object *fc_cond_get(json_object *obj, const char *type)
{
    json_object *c = conds(obj, false);
    for (size_t i = 0; c && i < json_object_array_length(c); i++) {
        json_object *e = json_object_array_get_idx(c, i);
        const char *t = fc_json_key_str(e, "type");
        if (t && !strcmp(t, type)) return e;
    }
    return NULL;
}

const char *fc_cond_status(json_object *obj, const char *type) { return fc_json_key_str(fc_cond_get(obj, type), "status"); }
const char *fc_cond_reason(json_object *obj, const char *type) { return fc_json_key_str(fc_cond_get(obj, type), "reason"); }
const char *fc_cond_message(json_object *obj, const char *type) { return fc_json_key_str(fc_cond_get(obj, type), "message"); }

bool fc_cond_is_true(json_object *obj, const char *type)
{
    const char *s = fc_cond_status(obj, type);
    return s && !strcmp(s, "True");
}

bool fc_cond_is_false(json_object *obj, const char *type)
{
    const char *s = fc_cond_status(obj, type);
    return s && !strcmp(s, "False");
}

static int weight(const char *t)
{
    if (!strcmp(t, "Stalled")) return 0;
    if (!strcmp(t, "Reconciling")) return 1;
    if (!strcmp(t, "Ready")) return 2;
    return 3;
}

static int cmp_cond(const void *a, const void *b)
{
    json_object *x = *(json_object *const *)a, *y = *(json_object *const *)b;
    const char *tx = fc_json_key_str(x, "type"), *ty = fc_json_key_str(y, "type");
    tx = tx ? tx : "";
    ty = ty ? ty : "";
    int wx = weight(tx), wy = weight(ty);
    if (wx != wy) return wx - wy;
    if (wx < 3) return 0;
    int64_t gx = fc_json_get_int(x, "observedGeneration", 0), gy = fc_json_get_int(y, "observedGeneration", 0);
    if (gx != gy) return gx > gy ? -1 : 1;
    return strcmp(tx, ty);
}

void fc_cond_sort(json_object *obj)
{
    json_object *c = conds(obj, false);
    if (!c) return;
    size_t n = json_object_array_length(c);
    json_object **v = malloc((n + 1) * sizeof *v);
    for (size_t i = 0; i < n; i++) v[i] = json_object_get(json_object_array_get_idx(c, i));
    qsort(v, n, sizeof *v, cmp_cond);
    json_object *na = json_object_new_array();
    for (size_t i = 0; i < n; i++) json_object_array_add(na, v[i]);
    free(v);
    json_object_object_add(fc_json_key(obj, "status"), "conditions", na);
}

static json_object *truncated_message(const char *m)
{
    size_t n = strlen(m);
    if (n <= FC_COND_MESSAGE_MAX) return json_object_new_string(m);
    /* keep valid UTF-8: back off continuation bytes */
    size_t cut = FC_COND_MESSAGE_MAX - 3;
    while (cut > 0 && ((unsigned char)m[cut] & 0xC0) == 0x80) cut--;
    char *t = malloc(cut + 4);
    memcpy(t, m, cut);
    memcpy(t + cut, "...", 4);
    json_object *o = json_object_new_string(t);
    free(t);
    return o;
}

void fc_cond_set(json_object *obj, const char *type, const char *status, const char *reason, const char *message)
{
    json_object *c = conds(obj, true);
    int64_t gen = fc_json_get_int(obj, "metadata.generation", 0);
    json_object *e = fc_cond_get(obj, type);
    const char *m = message ? message : "";
    bool same = e && fc_json_key_str(e, "status") && !strcmp(fc_json_key_str(e, "status"), status) &&
                fc_json_key_str(e, "reason") && !strcmp(fc_json_key_str(e, "reason"), reason) &&
                fc_json_key_str(e, "message") && !strcmp(fc_json_key_str(e, "message"), m);
    if (!e) {
        e = json_object_new_object();
        json_object_array_add(c, e);
    }
    if (!same || !fc_json_key_str(e, "lastTransitionTime")) {
        char ts[32];
        fc_time_rfc3339(fc_now_wall_ns(), ts);
        json_object_object_add(e, "lastTransitionTime", json_object_new_string(ts));
    }
    json_object_object_add(e, "message", truncated_message(m));
    json_object_object_add(e, "observedGeneration", json_object_new_int64(gen));
    json_object_object_add(e, "reason", json_object_new_string(reason));
    json_object_object_add(e, "status", json_object_new_string(status));
    json_object_object_add(e, "type", json_object_new_string(type));
    fc_cond_sort(obj);
}

void fc_cond_setf(json_object *obj, const char *type, const char *status, const char *reason, const char *fmt, ...)
{
    char *m = NULL;
    va_list ap;
    va_start(ap, fmt);
    if (vasprintf(&m, fmt, ap) < 0) m = NULL;
    va_end(ap);
    fc_cond_set(obj, type, status, reason, m ? m : "");
    free(m);
}

void fc_cond_delete(json_object *obj, const char *type)
{
    json_object *c = conds(obj, false);
    if (!c) return;
    for (size_t i = json_object_array_length(c); i-- > 0;) {
        const char *t = fc_json_key_str(json_object_array_get_idx(c, i), "type");
        if (t && !strcmp(t, type)) json_object_array_del_idx(c, i, 1);
    }
}

void fc_cond_mark_reconciling(json_object *obj, const char *reason, const char *message)
{
    fc_cond_delete(obj, "Stalled");
    fc_cond_set(obj, "Reconciling", "True", reason, message);
}

void fc_cond_mark_stalled(json_object *obj, const char *reason, const char *message)
{
    fc_cond_delete(obj, "Reconciling");
    fc_cond_set(obj, "Stalled", "True", reason, message);
}

static bool in_list(const char *const *l, const char *s)
{
    for (; l && *l; l++)
        if (!strcmp(*l, s)) return true;
    return false;
}

/* merge priority: P0 negative True, P1 positive False, P2 positive True,
 * P3 negative False, P4 Unknown */
static int priority(const char *status, bool neg)
{
    if (!strcmp(status, "True")) return neg ? 0 : 2;
    if (!strcmp(status, "False")) return neg ? 3 : 1;
    return 4;
}

void fc_cond_summarize(json_object *obj, const char *target, const char *const *types, const char *const *negative)
{
    int best = 99;
    json_object *pick = NULL;
    bool pick_neg = false;
    /* the top group's first condition in the given priority order */
    for (const char *const *t = types; t && *t; t++) {
        json_object *c = fc_cond_get(obj, *t);
        if (!c) continue;
        const char *st = fc_json_key_str(c, "status");
        if (!st) continue;
        bool neg = in_list(negative, *t);
        int p = priority(st, neg);
        if (p < best) {
            best = p;
            pick = c;
            pick_neg = neg;
        }
    }
    if (!pick) return;
    char *reason = strdup(fc_json_key_str(pick, "reason") ? fc_json_key_str(pick, "reason") : "");
    char *msg = strdup(fc_json_key_str(pick, "message") ? fc_json_key_str(pick, "message") : "");
    const char *st = fc_json_key_str(pick, "status");
    const char *out;
    bool tneg = in_list(negative, target);
    if (!strcmp(st, "True")) out = pick_neg != tneg ? "False" : "True";
    else if (!strcmp(st, "False")) out = pick_neg != tneg ? "True" : "False";
    else out = "Unknown";
    fc_cond_set(obj, target, out, reason, msg);
    free(reason);
    free(msg);
}
