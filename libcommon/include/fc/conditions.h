/*
 * fc/conditions.h: metav1.Condition handling on json objects
 * (status.conditions), following fluxcd/pkg/runtime/conditions: Set keeps
 * lastTransitionTime unless status, reason or message change and always
 * records the object's generation; conditions are ordered Stalled,
 * Reconciling, Ready, then the rest; Summarize merges a list of conditions
 * into a target (Ready) with Flux's priority groups (abnormal-true first, then
 * positive-false, positive-true, negative-false, unknown).
 */
#ifndef FC_CONDITIONS_H
#define FC_CONDITIONS_H
#include <json-c/json.h>
#include <stdbool.h>

#define FC_COND_MESSAGE_MAX 32768

void fc_cond_set(json_object *obj, const char *type, const char *status, const char *reason, const char *message);
void fc_cond_setf(json_object *obj, const char *type, const char *status, const char *reason, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
void fc_cond_delete(json_object *obj, const char *type);
json_object *fc_cond_get(json_object *obj, const char *type);
const char *fc_cond_status(json_object *obj, const char *type); /* NULL if absent */
const char *fc_cond_reason(json_object *obj, const char *type);
const char *fc_cond_message(json_object *obj, const char *type);
bool fc_cond_is_true(json_object *obj, const char *type);
bool fc_cond_is_false(json_object *obj, const char *type);
/* Reconciling=True (+ delete Stalled) / Stalled=True (+ delete Reconciling). */
void fc_cond_mark_reconciling(json_object *obj, const char *reason, const char *message);
void fc_cond_mark_stalled(json_object *obj, const char *reason, const char *message);
/* Merge the listed condition types (in priority order) into target. When
 * none of them is present, target is left alone. */
void fc_cond_summarize(json_object *obj, const char *target, const char *const *types, const char *const *negative);
/* Re-sort status.conditions into Flux's order. */
void fc_cond_sort(json_object *obj);

#endif
