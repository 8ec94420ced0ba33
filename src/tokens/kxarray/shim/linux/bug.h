/* SPDX-License-Identifier: MIT */
/*
 * WARN_ON and BUG_ON as a production kernel has them: a predicted-false
 * branch.  A warning goes to the project's counter of broken invariants
 * (kx_warn(), which tests read); BUG_ON aborts, as a kernel oops would.
 */
#ifndef KX_LINUX_BUG_H
#define KX_LINUX_BUG_H

#include <stdlib.h>

#include <linux/compiler.h>

void kx_warn(const char *file, int line);

#define WARN_ON(cond) __extension__ ({						\
	bool kx_cond = !!(cond);					\
	if (unlikely(kx_cond))						\
		kx_warn(__FILE__, __LINE__);				\
	unlikely(kx_cond);						\
})
#define WARN_ON_ONCE(cond)	WARN_ON(cond)
#define BUG_ON(cond)		do { if (unlikely(cond)) abort(); } while (0)
#define BUG()			abort()

#endif /* KX_LINUX_BUG_H */
