/* SPDX-License-Identifier: MIT */
/*
 * Kernel integer and list types for the user-space build of lib/xarray.c.
 * The kernel's own <linux/types.h> cannot be used: it needs the whole
 * kernel include tree, and the system's <linux/types.h> is the UAPI one.
 */
#ifndef KX_LINUX_TYPES_H
#define KX_LINUX_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int32_t s32;
typedef int64_t s64;
typedef uint32_t __u32;
typedef unsigned int gfp_t;

/* sparse's annotations: nothing to a compiler. */
#define __bitwise

struct list_head {
	struct list_head *next, *prev;
};

struct rcu_head {
	struct rcu_head *next;
	void (*func)(struct rcu_head *head);
};

#endif /* KX_LINUX_TYPES_H */
