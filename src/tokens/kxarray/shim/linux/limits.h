/* SPDX-License-Identifier: MIT */
#ifndef KX_LINUX_LIMITS_H
#define KX_LINUX_LIMITS_H

#include <limits.h>
#include <stdint.h>

#define U32_MAX		UINT32_MAX

#endif /* KX_LINUX_LIMITS_H */
