/*
 * leader.c: leader election on a coordination.k8s.io/v1 Lease, following
 * client-go's leaderelection algorithm (fc/leader.h).
 *
 * A candidate thread tries every retry period to acquire or renew the lease
 * with an optimistic-lock update (PUT with resourceVersion). Another holder's
 * lease counts as expired only when the record has not changed for a full
 * lease duration as observed on OUR clock (so clock skew between replicas
 * does not matter). A leader that cannot renew within the renew deadline
 * gives up leadership; on shutdown the lease is released (holder cleared,
 * duration 1s) so a standby takes over at once.
 */
#include "fc/leader.h"
#include "fc/duration.h"
#include "fc/err.h"
#include "fc/json.h"
#include "fc/log.h"
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const fc_resource lease_res = {"coordination.k8s.io", "v1", "leases", "Lease", true};

struct fc_leader {
    fc_kube *k;
    char *ns, *name, *id;
    int64_t lease_ns, renew_ns, retry_ns;
    fc_leader_cb on_started, on_stopped;
    void *arg;
    pthread_t th;
    pthread_mutex_t mu;
    pthread_cond_t cond;
    bool stop, leading, running;
    /* observed record */
    char *obs_holder, *obs_renew;
    int64_t obs_time; /* mono ns when the record last changed */
};

fc_leader *fc_leader_new(fc_kube *k, const fc_leader_opts *o)
{
    fc_leader *l = calloc(1, sizeof *l);
    if (!l) return NULL;
    l->k = k;
    l->ns = strdup(o->ns);
    l->name = strdup(o->name);
    l->id = strdup(o->identity);
    l->lease_ns = o->lease_duration_ns ? o->lease_duration_ns : 35 * FC_NS_PER_S;
    l->renew_ns = o->renew_deadline_ns ? o->renew_deadline_ns : 30 * FC_NS_PER_S;
    l->retry_ns = o->retry_period_ns ? o->retry_period_ns : 5 * FC_NS_PER_S;
    pthread_mutex_init(&l->mu, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&l->cond, &ca);
    pthread_condattr_destroy(&ca);
    return l;
}

static void micro_time(char out[64])
{
    int64_t now = fc_now_wall_ns();
    time_t t = (time_t)(now / FC_NS_PER_S);
    struct tm tm;
    gmtime_r(&t, &tm);
    char base[32];
    strftime(base, sizeof base, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(out, 64, "%s.%06ldZ", base, (long)((now % FC_NS_PER_S) / 1000));
}

static void observe(fc_leader *l, const char *holder, const char *renew)
{
    holder = holder ? holder : "";
    renew = renew ? renew : "";
    if (!l->obs_holder || strcmp(l->obs_holder, holder) || !l->obs_renew || strcmp(l->obs_renew, renew)) {
        free(l->obs_holder);
        free(l->obs_renew);
        l->obs_holder = strdup(holder);
        l->obs_renew = strdup(renew);
        l->obs_time = fc_now_mono_ns();
    }
}

/* 0: we hold the lease now; 1: someone else does; <0: error. */
static int try_acquire_or_renew(fc_leader *l)
{
    char now[64];
    micro_time(now);
    json_object *lease = NULL;
    int rc = fc_kube_get(l->k, &lease_res, l->ns, l->name, &lease);
    int lease_secs = (int)(l->lease_ns / FC_NS_PER_S);
    if (rc == FC_ENOTFOUND) {
        json_object *o = json_object_new_object();
        json_object_object_add(o, "apiVersion", json_object_new_string("coordination.k8s.io/v1"));
        json_object_object_add(o, "kind", json_object_new_string("Lease"));
        fc_json_set_str(o, "metadata.name", l->name);
        fc_json_set_str(o, "metadata.namespace", l->ns);
        fc_json_set_str(o, "spec.holderIdentity", l->id);
        fc_json_set(o, "spec.leaseDurationSeconds", json_object_new_int(lease_secs));
        fc_json_set_str(o, "spec.acquireTime", now);
        fc_json_set_str(o, "spec.renewTime", now);
        fc_json_set(o, "spec.leaseTransitions", json_object_new_int(0));
        rc = fc_kube_create(l->k, &lease_res, l->ns, o, NULL);
        json_object_put(o);
        if (rc) return rc;
        observe(l, l->id, now);
        return 0;
    }
    if (rc) return rc;
    const char *holder = fc_json_get_str(lease, "spec.holderIdentity");
    const char *renew = fc_json_get_str(lease, "spec.renewTime");
    observe(l, holder, renew);
    int64_t dur = fc_json_get_int(lease, "spec.leaseDurationSeconds", lease_secs) * FC_NS_PER_S;
    bool mine = holder && !strcmp(holder, l->id);
    if (holder && *holder && !mine && fc_now_mono_ns() < l->obs_time + dur) {
        json_object_put(lease);
        return 1;
    }
    if (!mine) {
        fc_json_set_str(lease, "spec.acquireTime", now);
        fc_json_set(lease, "spec.leaseTransitions",
                    json_object_new_int64(fc_json_get_int(lease, "spec.leaseTransitions", 0) + (holder && *holder ? 1 : 0)));
    }
    fc_json_set_str(lease, "spec.holderIdentity", l->id);
    fc_json_set(lease, "spec.leaseDurationSeconds", json_object_new_int(lease_secs));
    fc_json_set_str(lease, "spec.renewTime", now);
    rc = fc_kube_update(l->k, &lease_res, l->ns, lease, NULL);
    json_object_put(lease);
    if (rc == FC_ECONFLICT) return 1;
    if (rc) return rc;
    observe(l, l->id, now);
    return 0;
}

static bool wait_retry(fc_leader *l, int64_t ns)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    int64_t t = (int64_t)ts.tv_sec * FC_NS_PER_S + ts.tv_nsec + ns;
    ts.tv_sec = t / FC_NS_PER_S;
    ts.tv_nsec = t % FC_NS_PER_S;
    pthread_mutex_lock(&l->mu);
    while (!l->stop && pthread_cond_timedwait(&l->cond, &l->mu, &ts) == 0) {}
    bool stop = l->stop;
    pthread_mutex_unlock(&l->mu);
    return !stop;
}

static int64_t jittered(int64_t d) { return d + (int64_t)((double)d * 1.2 * ((double)rand() / RAND_MAX)); }

static void *run(void *arg)
{
    fc_leader *l = arg;
    fc_log(FC_LOG_INFO, "attempting to acquire leader lease %s/%s...", l->ns, l->name);
    bool logged_err = false;
    for (;;) {
        int rc = try_acquire_or_renew(l);
        if (rc == 0) break;
        if (rc < 0 && !logged_err) {
            fc_log(FC_LOG_ERROR, "error retrieving resource lock %s/%s: %s", l->ns, l->name, fc_err_msg());
            logged_err = true;
        }
        if (!wait_retry(l, jittered(l->retry_ns))) return NULL;
    }
    fc_log(FC_LOG_INFO, "successfully acquired lease %s/%s", l->ns, l->name);
    pthread_mutex_lock(&l->mu);
    l->leading = true;
    pthread_mutex_unlock(&l->mu);
    if (l->on_started) l->on_started(l->arg);
    int64_t last_renew = fc_now_mono_ns();
    while (wait_retry(l, l->retry_ns)) {
        int rc = try_acquire_or_renew(l);
        if (rc == 0) {
            last_renew = fc_now_mono_ns();
            continue;
        }
        if (fc_now_mono_ns() - last_renew > l->renew_ns || rc == 1) {
            fc_log(FC_LOG_ERROR, "leader election lost: failed to renew lease %s/%s%s%s", l->ns, l->name,
                   rc < 0 ? ": " : "", rc < 0 ? fc_err_msg() : "");
            pthread_mutex_lock(&l->mu);
            l->leading = false;
            pthread_mutex_unlock(&l->mu);
            if (l->on_stopped) l->on_stopped(l->arg);
            return NULL;
        }
    }
    return NULL;
}

int fc_leader_start(fc_leader *l, fc_leader_cb on_started, fc_leader_cb on_stopped, void *arg)
{
    l->on_started = on_started;
    l->on_stopped = on_stopped;
    l->arg = arg;
    if (pthread_create(&l->th, NULL, run, l)) return fc_err_set(FC_ERR, "cannot start leader election thread");
    l->running = true;
    return 0;
}

bool fc_leader_is_leader(fc_leader *l)
{
    pthread_mutex_lock(&l->mu);
    bool v = l->leading;
    pthread_mutex_unlock(&l->mu);
    return v;
}

static int release(fc_leader *l)
{
    json_object *lease = NULL;
    int rc = fc_kube_get(l->k, &lease_res, l->ns, l->name, &lease);
    if (rc) return rc;
    const char *holder = fc_json_get_str(lease, "spec.holderIdentity");
    if (!holder || strcmp(holder, l->id)) {
        json_object_put(lease);
        return 0;
    }
    char now[64];
    micro_time(now);
    fc_json_set_str(lease, "spec.holderIdentity", "");
    fc_json_set(lease, "spec.leaseDurationSeconds", json_object_new_int(1));
    fc_json_set_str(lease, "spec.renewTime", now);
    fc_json_set_str(lease, "spec.acquireTime", now);
    rc = fc_kube_update(l->k, &lease_res, l->ns, lease, NULL);
    json_object_put(lease);
    return rc;
}

void fc_leader_stop(fc_leader *l, bool release_lease)
{
    if (!l || !l->running) return;
    pthread_mutex_lock(&l->mu);
    l->stop = true;
    pthread_cond_broadcast(&l->cond);
    pthread_mutex_unlock(&l->mu);
    pthread_join(l->th, NULL);
    l->running = false;
    if (release_lease && fc_leader_is_leader(l)) {
        if (release(l)) fc_log(FC_LOG_ERROR, "failed to release lease %s/%s: %s", l->ns, l->name, fc_err_msg());
        else fc_log(FC_LOG_INFO, "released lease %s/%s", l->ns, l->name);
        pthread_mutex_lock(&l->mu);
        l->leading = false;
        pthread_mutex_unlock(&l->mu);
    }
}

void fc_leader_free(fc_leader *l)
{
    if (!l) return;
    fc_leader_stop(l, false);
    free(l->ns);
    free(l->name);
    free(l->id);
    free(l->obs_holder);
    free(l->obs_renew);
    pthread_mutex_destroy(&l->mu);
    pthread_cond_destroy(&l->cond);
    free(l);
}
