/* SPDX-License-Identifier: MIT */
/*
 * Registering application threads with liburcu (memb flavour) on their
 * first read-side section or call_rcu(), and the sections themselves, for
 * the designs whose nodes are freed after a grace period.  Also the one happens-before edge a TSan
 * build is told about a grace period.
 */
#ifndef DML_URCU_THREAD_H
#define DML_URCU_THREAD_H

#include <stdbool.h>

#include <urcu/urcu-memb.h>

extern _Thread_local bool dml_urcu_registered;

void dml_urcu_thread_online_slow(void);

/*
 * liburcu needs every thread that opens a read-side section or calls
 * call_rcu() registered.  Callers of the token interface are arbitrary
 * application threads, so the first use on a thread registers it (the
 * registry mutex and one pthread_setspecific()) and every later use costs
 * one test of a thread-local flag.  A key destructor unregisters at exit.
 */
static inline void dml_urcu_thread_online(void)
{
	if (__builtin_expect(!dml_urcu_registered, 0))
		dml_urcu_thread_online_slow();
}

/*
 * ThreadSanitizer cannot see liburcu's grace periods (a reader's section
 * ends with a plain store the grace-period thread sees through membarrier
 * and futexes, neither intercepted).  So a TSan build is told the one
 * guarantee RCU gives: whatever a thread did before it ended a section or
 * queued a callback happens before every callback that runs later.  A
 * section still open when its node is freed is not covered, so a real
 * use-after-free still shows.  Outside TSan these are empty.
 */
#if defined(__SANITIZE_THREAD__)
#define DML_URCU_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define DML_URCU_TSAN 1
#endif
#endif

#ifdef DML_URCU_TSAN
void dml_urcu_tsan_release(void);
void dml_urcu_tsan_acquire(void);
#else
static inline void dml_urcu_tsan_release(void)
{
}

static inline void dml_urcu_tsan_acquire(void)
{
}
#endif

/* A read-side section, the first on a thread registering it. */
static inline void dml_urcu_read_lock(void)
{
	dml_urcu_thread_online();
	urcu_memb_read_lock();
}

static inline void dml_urcu_read_unlock(void)
{
	dml_urcu_tsan_release();
	urcu_memb_read_unlock();
}

#endif /* DML_URCU_THREAD_H */
