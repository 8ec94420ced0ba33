/* SPDX-License-Identifier: MIT */
#ifndef KX_LINUX_MINMAX_H
#define KX_LINUX_MINMAX_H

#define min(a, b)	((a) < (b) ? (a) : (b))
#define max(a, b)	((a) > (b) ? (a) : (b))
#define swap(a, b)	do { __typeof__(a) kx_tmp = (a); (a) = (b); (b) = kx_tmp; } while (0)

#endif /* KX_LINUX_MINMAX_H */
