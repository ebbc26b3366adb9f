/*
 * fc/loop.h: the control loop thread. One libuv loop owns every long-lived
 * HTTP stream (informer list+watch) through a curl multi handle, plus timers.
 * Other threads hand work to it with fc_loop_call(). Callbacks registered
 * here always run on the loop thread and must not block.
 */
#ifndef FC_LOOP_H
#define FC_LOOP_H
#include <curl/curl.h>
#include <stdint.h>
#include <stdbool.h>

typedef struct fc_loop fc_loop;
typedef void (*fc_loop_fn)(void *arg);
typedef void (*fc_transfer_done_fn)(CURL *h, CURLcode rc, void *arg);

fc_loop *fc_loop_new(void);
/* Start the loop thread. */
int fc_loop_start(fc_loop *l);
/* Stop the loop: pending transfers are aborted (their done callbacks are
 * not called), timers dropped; joins the thread. */
void fc_loop_stop(fc_loop *l);
void fc_loop_free(fc_loop *l);
bool fc_loop_on_thread(fc_loop *l);
/* Run fn(arg) on the loop thread soon (safe from any thread). */
int fc_loop_call(fc_loop *l, fc_loop_fn fn, void *arg);
/* Loop thread only: start a transfer; done runs on the loop thread. */
int fc_loop_add_transfer(fc_loop *l, CURL *h, fc_transfer_done_fn done, void *arg);
/* Loop thread only: abort a transfer (done is not called). */
void fc_loop_cancel_transfer(fc_loop *l, CURL *h);
/* Loop thread only: one-shot timer. Returns an id usable with cancel. */
uint64_t fc_loop_timer(fc_loop *l, int64_t delay_ns, fc_loop_fn fn, void *arg);
void fc_loop_timer_cancel(fc_loop *l, uint64_t id);

#endif
