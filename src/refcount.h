/* SPDX-License-Identifier: MIT */
#ifndef DML_REFCOUNT_H
#define DML_REFCOUNT_H

#include <stdatomic.h>
#include <stdbool.h>

/*
 * Takes a count unless it already reached 0: a 0 means the object is on its
 * way out (being freed, drained, closed) and must not be revived, which a
 * plain increment would do.  Acquire on success pairs with the release of
 * the put that last saw it above 0.
 */
static inline bool dml_ref_get_unless_zero(atomic_long *count)
{
	long old = atomic_load_explicit(count, memory_order_relaxed);

	do {
		if (old == 0)
			return false;
	} while (!atomic_compare_exchange_weak_explicit(count, &old, old + 1,
							memory_order_acquire,
							memory_order_relaxed));
	return true;
}

#endif /* DML_REFCOUNT_H */
