/* SPDX-License-Identifier: MIT */
/*
 * Compiler attributes and the kernel's once-accessors.  READ_ONCE and
 * WRITE_ONCE become relaxed atomic accesses: on x86 the same single mov the
 * kernel's volatile access compiles to, and visible as atomic to TSan.
 */
#ifndef KX_LINUX_COMPILER_H
#define KX_LINUX_COMPILER_H

#include <linux/types.h>

#define likely(x)		__builtin_expect(!!(x), 1)
#define unlikely(x)		__builtin_expect(!!(x), 0)
#ifndef __always_inline
#define __always_inline		inline __attribute__((__always_inline__))
#endif
#define noinline		__attribute__((__noinline__))
#define __maybe_unused		__attribute__((__unused__))
#define fallthrough		__attribute__((__fallthrough__))
#define __must_check		__attribute__((__warn_unused_result__))
#define __force
#define __rcu
#define __must_hold(x)
#define __acquires(x)
#define __releases(x)

#define READ_ONCE(x)		__atomic_load_n(&(x), __ATOMIC_RELAXED)
#define WRITE_ONCE(x, v)	__atomic_store_n(&(x), (v), __ATOMIC_RELAXED)
#define barrier()		__asm__ __volatile__("" ::: "memory")

#define container_of(ptr, type, member)					\
	((type *)(void *)((char *)(ptr) - offsetof(type, member)))

/* The kernel's static assertion of a compile-time condition. */
#define BUILD_BUG_ON(cond)	_Static_assert(!(cond), #cond)

#endif /* KX_LINUX_COMPILER_H */
