// SPDX-License-Identifier: MIT
#include <pthread.h>
#include <stdlib.h>
#include <urcu/urcu-memb.h>

#include "urcu_thread.h"

_Thread_local bool dml_urcu_registered;

static pthread_once_t key_once = PTHREAD_ONCE_INIT;
static pthread_key_t key;

static void thread_exit(void *arg)
{
	(void)arg;
	dml_urcu_registered = false;
	urcu_memb_unregister_thread();
}

static void key_create(void)
{
	/* Only running out of keys fails, at start-up: nothing to unwind. */
	if (pthread_key_create(&key, thread_exit))
		abort();
}

void dml_urcu_thread_online_slow(void)
{
	pthread_once(&key_once, key_create);
	urcu_memb_register_thread();
	/* Any non-NULL value makes the destructor run at thread exit. */
	if (pthread_setspecific(key, &dml_urcu_registered))
		abort();
	dml_urcu_registered = true;
}

#ifdef DML_URCU_TSAN
#include <sanitizer/tsan_interface.h>

static char grace_period;

void dml_urcu_tsan_release(void)
{
	__tsan_release(&grace_period);
}

void dml_urcu_tsan_acquire(void)
{
	__tsan_acquire(&grace_period);
}
#endif
