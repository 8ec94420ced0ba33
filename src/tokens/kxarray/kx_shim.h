/* SPDX-License-Identifier: MIT */
/* What the shims offer the kxarray design beyond the kernel's own API. */
#ifndef KX_SHIM_H
#define KX_SHIM_H

/* Warnings lib/xarray.c raised since the last call (process-wide). */
unsigned long kx_take_warnings(void);

/* An RCU callback starts: orders it after the grace period (TSan). */
void kx_rcu_callback_begin(void);

#endif /* KX_SHIM_H */
