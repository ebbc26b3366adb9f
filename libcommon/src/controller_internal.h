/*
 * controller_internal.h: what manager.c and controller.c share and nobody
 * else needs (the controller struct and its lifecycle).
 */
#ifndef FC_CONTROLLER_INTERNAL_H
#define FC_CONTROLLER_INTERNAL_H
#include "fc/controller.h"
#include <pthread.h>

struct fc_controller {
    fc_manager *mgr;
    const fc_kind *kind;
    fc_informer *informer;
    fc_workqueue *queue;
    int workers;
    pthread_t *threads;
    int nthreads;
};

void fc__controller_metrics_init(void);
fc_controller *fc__controller_new(fc_manager *m, const fc_kind *kind, int workers, const char *ns,
                                  const char *selector, int64_t min_retry, int64_t max_retry);
int fc__controller_start_workers(fc_controller *c);
void fc__controller_stop_workers(fc_controller *c);
void fc__controller_free(fc_controller *c);

#endif
