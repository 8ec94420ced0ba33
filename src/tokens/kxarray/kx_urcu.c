// SPDX-License-Identifier: MIT
/*
 * The kernel's RCU calls on liburcu (memb flavour).  This file sees
 * liburcu's headers and none of the kernel's: both name a struct rcu_head,
 * of the same two-pointer layout, which is all call_rcu() relies on.
 */
#include <urcu/urcu-memb.h>

#include "tokens/urcu_thread.h"

/* The kernel-side declarations, restated: their header cannot be seen here. */
void kx_rcu_read_lock(void);
void kx_rcu_read_unlock(void);
void kx_call_rcu(void *head, void (*func)(void *head));
void kx_rcu_callback_begin(void);

_Static_assert(sizeof(struct rcu_head) == 2 * sizeof(void *),
	       "liburcu's rcu_head fits in the kernel's xa_node");

void kx_rcu_read_lock(void)
{
	dml_urcu_read_lock();
}

void kx_rcu_read_unlock(void)
{
	dml_urcu_read_unlock();
}

void kx_call_rcu(void *head, void (*func)(void *head))
{
	dml_urcu_thread_online();
	/* After this thread's last touch of the object. */
	dml_urcu_tsan_release();
	urcu_memb_call_rcu(head, (void (*)(struct rcu_head *))func);
}

void kx_rcu_callback_begin(void)
{
	dml_urcu_tsan_acquire();
}
