/* SPDX-License-Identifier: MIT */
/*
 * Allocation-failure hooks of the token designs, for tests.  They exist
 * only where DML_FAULT_INJECTION is defined: in the variant of the library
 * the tests that use them link (tests/meson.build); the library devmem-lab,
 * the benchmark and the examples link has no hooks at all.
 *
 * A hook set to N > 0 makes the Nth allocation it counts from now fail
 * (1 = the next one); it counts down on each of them and is 0 again once it
 * has fired.  Only single-threaded tests set one, while no other user of the
 * same code allocates.
 */
#ifndef DML_TOKENS_FAULT_H
#define DML_TOKENS_FAULT_H

#ifdef DML_FAULT_INJECTION
extern unsigned int dml_xa_fail_next_alloc;	 /* xarray.c's nodes */
extern unsigned int dml_rt_fail_next_alloc;	 /* rcu_tree.c's nodes */
extern unsigned int dml_hashmap_fail_next_alloc; /* every hashmap allocation */

/* True when the allocation @hook counts is the one to fail. */
#define DML_FAULT(hook)	((hook) && --(hook) == 0)
#else
#define DML_FAULT(hook)	0
#endif

#endif /* DML_TOKENS_FAULT_H */
