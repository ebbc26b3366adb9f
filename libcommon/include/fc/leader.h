/*
 * fc/leader.h: leader election on a coordination.k8s.io/v1 Lease so that of
 * several replicas only one reconciles (Flux: --enable-leader-election, lease
 * 35s, renew deadline 30s, retry period 5s, lock "<controller>-leader-election").
 */
#ifndef FC_LEADER_H
#define FC_LEADER_H
#include <stdbool.h>
#include <stdint.h>
#include "fc/kube.h"

typedef struct fc_leader fc_leader;
typedef void (*fc_leader_cb)(void *arg);

typedef struct fc_leader_opts {
    const char *ns, *name, *identity;
    int64_t lease_duration_ns, renew_deadline_ns, retry_period_ns; /* 0 = 35s/30s/5s */
} fc_leader_opts;

fc_leader *fc_leader_new(fc_kube *k, const fc_leader_opts *o);
/* Campaign on a background thread: on_started runs (on that thread) once we
 * lead; on_stopped runs if leadership is lost afterwards. */
int fc_leader_start(fc_leader *l, fc_leader_cb on_started, fc_leader_cb on_stopped, void *arg);
bool fc_leader_is_leader(fc_leader *l);
/* Stop campaigning/renewing; optionally release the lease if held. */
void fc_leader_stop(fc_leader *l, bool release_lease);
void fc_leader_free(fc_leader *l);

#endif
