/* SPDX-License-Identifier: MIT */
/*
 * RCU for lib/xarray.c: read-side sections and call_rcu() are liburcu's
 * (memb flavour, the one the rcu design uses), reached through kx_urcu.c,
 * which registers each thread with liburcu on its first use.  The pointer
 * accessors are what a production kernel compiles them to: a once-load, a
 * plain load under the lock, a release store to publish.
 */
#ifndef KX_LINUX_RCUPDATE_H
#define KX_LINUX_RCUPDATE_H

#include <linux/compiler.h>

void kx_rcu_read_lock(void);
void kx_rcu_read_unlock(void);
void kx_call_rcu(void *head, void (*func)(void *head));

#define rcu_read_lock()			kx_rcu_read_lock()
#define rcu_read_unlock()		kx_rcu_read_unlock()
/* The callback's rcu_head * argument travels as void * through liburcu. */
#define call_rcu(head, func)		kx_call_rcu((head), (void (*)(void *))(func))

#define rcu_dereference_raw(p)		READ_ONCE(p)
#define rcu_dereference_check(p, c)	READ_ONCE(p)
#define rcu_dereference_protected(p, c)	(p)
#define rcu_assign_pointer(p, v)	__atomic_store_n(&(p), (v), __ATOMIC_RELEASE)
#define RCU_INIT_POINTER(p, v)		WRITE_ONCE(p, v)

#endif /* KX_LINUX_RCUPDATE_H */
