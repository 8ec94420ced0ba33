/* SPDX-License-Identifier: MIT */
/*
 * The kernel's own include/linux/xarray.h, extracted into the build
 * directory from the linux-source-6.12 tarball (never committed).
 */
#ifndef KX_LINUX_XARRAY_H
#define KX_LINUX_XARRAY_H

#include "kernel_xarray.h"

#endif /* KX_LINUX_XARRAY_H */
