/* SPDX-License-Identifier: MIT */
/* One program, no modules: nothing to export. */
#ifndef KX_LINUX_EXPORT_H
#define KX_LINUX_EXPORT_H

#define EXPORT_SYMBOL(sym)
#define EXPORT_SYMBOL_GPL(sym)

#endif /* KX_LINUX_EXPORT_H */
