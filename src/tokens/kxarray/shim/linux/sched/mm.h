/* SPDX-License-Identifier: MIT */
/*
 * might_alloc() is a debugging check (lockdep's fs_reclaim, might_sleep)
 * that a production kernel without DEBUG_ATOMIC_SLEEP compiles away.
 */
#ifndef KX_LINUX_SCHED_MM_H
#define KX_LINUX_SCHED_MM_H

#define might_alloc(gfp)	((void)(gfp))

#endif /* KX_LINUX_SCHED_MM_H */
