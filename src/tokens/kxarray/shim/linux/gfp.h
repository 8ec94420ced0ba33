/* SPDX-License-Identifier: MIT */
/*
 * Allocation flags.  Only their bits matter here: the slab shim never
 * sleeps or reclaims, so every flag asks for the same allocation.
 * __GFP_BITS_SHIFT is 6.12's (x86_64, no lockdep), so XA_FLAGS_MARK()
 * sits where the kernel puts it.
 */
#ifndef KX_LINUX_GFP_H
#define KX_LINUX_GFP_H

#include <linux/types.h>

#define __GFP_BITS_SHIFT	26
#define __GFP_DIRECT_RECLAIM	((gfp_t)0x400u)
#define __GFP_KSWAPD_RECLAIM	((gfp_t)0x800u)
#define __GFP_IO		((gfp_t)0x40u)
#define __GFP_FS		((gfp_t)0x80u)
#define __GFP_NOWARN		((gfp_t)0x2000u)
#define __GFP_ACCOUNT		((gfp_t)0x400000u)
#define GFP_NOWAIT		(__GFP_KSWAPD_RECLAIM)
#define GFP_ATOMIC		(__GFP_KSWAPD_RECLAIM)
#define GFP_KERNEL		(__GFP_DIRECT_RECLAIM | __GFP_KSWAPD_RECLAIM | \
				 __GFP_IO | __GFP_FS)

static inline bool gfpflags_allow_blocking(gfp_t gfp)
{
	return !!(gfp & __GFP_DIRECT_RECLAIM);
}

#endif /* KX_LINUX_GFP_H */
