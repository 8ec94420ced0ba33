/* SPDX-License-Identifier: MIT */
/*
 * The kernel's spinlock_t, at the kernel's cost: a lock word taken by one
 * atomic exchange and released by one store, as a queued spinlock is when
 * uncontended (its queue only matters under contention, where we spin on a
 * plain load like the kernel's waiters do).  The _bh variants also count a
 * per-thread softirq-disable depth, standing in for the preempt count the
 * kernel's local_bh_disable() adds to and local_bh_enable() tests.
 */
#ifndef KX_LINUX_SPINLOCK_H
#define KX_LINUX_SPINLOCK_H

#include <linux/compiler.h>

typedef struct {
	unsigned int locked;
} spinlock_t;

/* Softirqs "disabled" by this thread: the preempt count's softirq bits. */
extern _Thread_local unsigned int kx_softirq_depth;

static inline void spin_lock_init(spinlock_t *lock)
{
	__atomic_store_n(&lock->locked, 0, __ATOMIC_RELAXED);
}

static inline void spin_lock(spinlock_t *lock)
{
	while (unlikely(__atomic_exchange_n(&lock->locked, 1, __ATOMIC_ACQUIRE))) {
		while (__atomic_load_n(&lock->locked, __ATOMIC_RELAXED))
			__builtin_ia32_pause();
	}
}

static inline bool spin_trylock(spinlock_t *lock)
{
	return !__atomic_exchange_n(&lock->locked, 1, __ATOMIC_ACQUIRE);
}

static inline void spin_unlock(spinlock_t *lock)
{
	__atomic_store_n(&lock->locked, 0, __ATOMIC_RELEASE);
}

static inline void spin_lock_bh(spinlock_t *lock)
{
	kx_softirq_depth++;
	barrier();
	spin_lock(lock);
}

static inline void spin_unlock_bh(spinlock_t *lock)
{
	spin_unlock(lock);
	barrier();
	/* No softirq is ever pending here, so nothing runs at depth 0. */
	kx_softirq_depth--;
}

/* No interrupts in user space: the irq variants are the plain lock. */
#define spin_lock_irq(l)			spin_lock(l)
#define spin_unlock_irq(l)			spin_unlock(l)
#define spin_lock_irqsave(l, flags)		((void)(flags), spin_lock(l))
#define spin_unlock_irqrestore(l, flags)	((void)(flags), spin_unlock(l))
#define spin_lock_nested(l, subclass)		spin_lock(l)
#define spin_lock_bh_nested(l, subclass)	spin_lock_bh(l)
#define spin_lock_irq_nested(l, subclass)	spin_lock(l)
#define spin_lock_irqsave_nested(l, flags, subclass) \
	((void)(flags), spin_lock(l))

#endif /* KX_LINUX_SPINLOCK_H */
