/* SPDX-License-Identifier: MIT */
/*
 * IS_ENABLED(CONFIG_X): 1 when CONFIG_X is defined to 1, else 0.  The
 * definition pastes the option onto a prefix so that only a "1" turns
 * into an extra macro argument, which then selects the second slot.
 */
#ifndef KX_LINUX_KCONFIG_H
#define KX_LINUX_KCONFIG_H

#define KX_ARG_PLACEHOLDER_1		0,
#define KX_SECOND(ignored, val, ...)	val
#define KX_PICK(arg_or_junk)		KX_SECOND(arg_or_junk 1, 0, 0)
#define KX_IS_ONE(val)			KX_PICK(KX_ARG_PLACEHOLDER_##val)
#define KX_EXPAND(val)			KX_IS_ONE(val)
#define IS_ENABLED(option)		KX_EXPAND(option)

#endif /* KX_LINUX_KCONFIG_H */
