// SPDX-License-Identifier: MIT
/*
 * The host: one emulated kernel owning devices, bindings and the system-wide
 * token mode (S-3.4).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "host.h"
#include "warn.h"

bool dml_devmem_enabled(void)
{
	return DML_NET_DEVMEM;
}

void dml_warn_slow(_Atomic unsigned long *warnings, const char *file, int line,
		   const char *cond)
{
	fprintf(stderr, "devmem-lab: WARNING at %s:%d: %s\n", file, line, cond);
	if (warnings)
		atomic_fetch_add(warnings, 1);
}

unsigned long dml_host_warnings(struct dml_host *host)
{
	return atomic_load(&host->warnings);
}

static const char *const default_design[DML_NR_MODES] = { "niov", "xarray" };

/* The design serving @mode: named in @cfg or the default, and of that mode. */
static const struct dml_token_ops *pick_design(const struct dml_host_config *cfg,
					       int mode)
{
	const char *name = cfg && cfg->token_design[mode] ? cfg->token_design[mode]
							   : default_design[mode];
	const struct dml_token_ops *ops = dml_token_ops_by_name(name);

	return ops && ops->info.autorelease == mode ? ops : NULL;
}

int dml_host_create(const struct dml_host_config *cfg, struct dml_host **out)
{
	const struct dml_token_ops *designs[DML_NR_MODES];
	struct dml_host *host;
	int mode;

	if (cfg && (cfg->rx_ring_size == 0 || cfg->pp_ring_size == 0 ||
		    (cfg->default_autorelease != 0 && cfg->default_autorelease != 1) ||
		    cfg->owned_slot_bits > DML_OWNED_MAX_SLOT_BITS))
		return -EINVAL;
	for (mode = 0; mode < DML_NR_MODES; mode++) {
		designs[mode] = pick_design(cfg, mode);
		if (!designs[mode])
			return -EINVAL;
	}
	host = calloc(1, sizeof(*host));
	if (!host)
		return -ENOMEM;
	for (mode = 0; mode < DML_NR_MODES; mode++)
		host->designs[mode] = designs[mode];
	host->cfg.rx_ring_size = cfg ? cfg->rx_ring_size : DML_DEFAULT_RX_RING_SIZE;
	host->cfg.pp_ring_size = cfg ? cfg->pp_ring_size : DML_DEFAULT_PP_RING_SIZE;
	host->cfg.default_autorelease = cfg ? cfg->default_autorelease : 0;
	host->cfg.owned_slot_bits = cfg && cfg->owned_slot_bits ? cfg->owned_slot_bits
							       : DML_OWNED_DEFAULT_SLOT_BITS;
	pthread_mutex_init(&host->rtnl, NULL);
	host->netdevs.rtnl = &host->rtnl;
	host->netdevs.rx_ring_size = host->cfg.rx_ring_size;
	host->netdevs.pools = &host->pools;
	host->netdevs.socks = &host->socks;
	host->netdevs.warnings = &host->warnings;
	dml_binding_table_init(&host->bindings, host->cfg.owned_slot_bits,
			       &host->warnings);
	dml_page_pool_table_init(&host->pools, host->cfg.pp_ring_size,
				 &host->warnings);
	dml_sock_table_init(&host->socks, host->designs,
			    &host->bindings.autorelease_key, &host->warnings);
	*out = host;
	return 0;
}

void dml_host_destroy(struct dml_host *host)
{
	if (!host)
		return;
	while (host->nl_socks)
		dml_nl_close(host->nl_socks);
	dml_netdev_table_destroy(&host->netdevs);
	dml_sock_table_destroy(&host->socks);
	dml_binding_table_destroy(&host->bindings);
	dml_page_pool_table_destroy(&host->pools);
	pthread_mutex_destroy(&host->rtnl);
	free(host);
}

int dml_host_autorelease_mode(struct dml_host *host)
{
	return dml_binding_table_mode(&host->bindings);
}

int dml_binding_info(struct dml_host *host, uint32_t id,
		     struct dml_binding_info *info)
{
	return dml_binding_table_info(&host->bindings, id, info);
}

int dml_netdev_create(struct dml_host *host, const struct dml_netdev_config *cfg,
		      struct dml_netdev **out)
{
	return dml_netdev_add(&host->netdevs, cfg, out);
}

struct dml_netdev *dml_netdev_by_name(struct dml_host *host, const char *name)
{
	return dml_netdev_find(&host->netdevs, name);
}

int dml_socket(struct dml_host *host, int type, struct dml_sock **out)
{
	return dml_sock_create(&host->socks, type, out);
}
