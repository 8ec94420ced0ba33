// SPDX-License-Identifier: MIT
/*
 * The host: one emulated kernel owning devices, bindings and the system-wide
 * token mode (S-3.4).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "extack.h"
#include "host.h"
#include "mem/binding.h"
#include "netlink/nl_sock.h"
#include "nic/netdev.h"
#include "tokens/tokens.h"
#include "warn.h"

#define NO_MODE (-1)

bool dml_devmem_enabled(void)
{
	return DML_NET_DEVMEM;
}

void dml_warn_slow(struct dml_host *host, const char *file, int line,
		   const char *cond)
{
	fprintf(stderr, "devmem-lab: WARNING at %s:%d: %s\n", file, line, cond);
	if (host)
		atomic_fetch_add(&host->warnings, 1);
}

unsigned long dml_host_warnings(struct dml_host *host)
{
	return atomic_load(&host->warnings);
}

static const char *const default_design[2] = { "niov", "xarray" };

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
	const struct dml_token_ops *designs[2];
	struct dml_host *host;
	int mode;

	if (cfg && (cfg->rx_ring_size == 0 || cfg->pp_ring_size == 0))
		return -EINVAL;
	for (mode = 0; mode < 2; mode++) {
		designs[mode] = pick_design(cfg, mode);
		if (!designs[mode])
			return -EINVAL;
	}
	host = calloc(1, sizeof(*host));
	if (!host)
		return -ENOMEM;
	host->designs[0] = designs[0];
	host->designs[1] = designs[1];
	host->cfg.rx_ring_size = cfg ? cfg->rx_ring_size : DML_DEFAULT_RX_RING_SIZE;
	host->cfg.pp_ring_size = cfg ? cfg->pp_ring_size : DML_DEFAULT_PP_RING_SIZE;
	pthread_mutex_init(&host->rtnl, NULL);
	pthread_mutex_init(&host->bindings_lock, NULL);
	pthread_mutex_init(&host->pools_lock, NULL);
	pthread_mutex_init(&host->socks_lock, NULL);
	pthread_mutex_init(&host->poll_lock, NULL);
	host->mode = NO_MODE;
	atomic_init(&host->autorelease_key, 0);
	*out = host;
	return 0;
}

void dml_host_destroy(struct dml_host *host)
{
	size_t i;

	if (!host)
		return;
	while (host->nl_socks)
		dml_nl_close(host->nl_socks);
	for (i = 0; i < host->nr_devs; i++)
		dml_netdev_free(host->devs[i]);
	/* Sockets and wire flows are the caller's to close first. */
	DML_WARN_ON(host, host->socks != NULL);
	DML_WARN_ON(host, host->nr_bindings != 0);
	DML_WARN_ON(host, host->pools != NULL);
	free(host->devs);
	free(host->bindings);
	pthread_mutex_destroy(&host->poll_lock);
	pthread_mutex_destroy(&host->socks_lock);
	pthread_mutex_destroy(&host->pools_lock);
	pthread_mutex_destroy(&host->bindings_lock);
	pthread_mutex_destroy(&host->rtnl);
	free(host);
}

int dml_host_autorelease_mode(struct dml_host *host)
{
	int mode;

	pthread_mutex_lock(&host->bindings_lock);
	mode = host->mode;
	pthread_mutex_unlock(&host->bindings_lock);
	return mode;
}

static bool binding_id_taken(struct dml_host *host, uint32_t id)
{
	size_t i;

	for (i = 0; i < host->nr_bindings; i++)
		if (host->bindings[i]->id == id)
			return true;
	return false;
}

/* Cyclic from 1 over the 32-bit space, skipping ids still in use (S-2.2). */
static uint32_t next_free_binding_id(struct dml_host *host)
{
	uint32_t id = host->next_binding_id;

	do {
		id = id == UINT32_MAX ? 1 : id + 1;
	} while (binding_id_taken(host, id));
	host->next_binding_id = id;
	return id;
}

int dml_host_binding_register(struct dml_host *host, struct dml_binding *binding,
			      int autorelease, struct dml_extack *ext)
{
	struct dml_binding **table;
	int err = 0;

	pthread_mutex_lock(&host->bindings_lock);
	if (host->nr_bindings && host->mode != autorelease) {
		dml_extack_msg(ext, "System already configured with autorelease=%d",
			       host->mode);
		err = -EBUSY;
		goto out_unlock;
	}
	if (host->nr_bindings == host->cap_bindings) {
		size_t cap = host->cap_bindings ? 2 * host->cap_bindings : 8;

		table = realloc(host->bindings, cap * sizeof(*table));
		if (!table) {
			err = -ENOMEM;
			goto out_unlock;
		}
		host->bindings = table;
		host->cap_bindings = cap;
	}
	binding->id = next_free_binding_id(host);
	host->bindings[host->nr_bindings++] = binding;
	if (host->mode != autorelease) {
		host->mode = autorelease;
		atomic_store_explicit(&host->autorelease_key, autorelease,
				      memory_order_relaxed);
	}
out_unlock:
	pthread_mutex_unlock(&host->bindings_lock);
	return err;
}

void dml_host_binding_unregister(struct dml_host *host, struct dml_binding *binding)
{
	size_t i;

	pthread_mutex_lock(&host->bindings_lock);
	for (i = 0; i < host->nr_bindings; i++) {
		if (host->bindings[i] == binding) {
			host->bindings[i] = host->bindings[--host->nr_bindings];
			break;
		}
	}
	/*
	 * S-3.4: the last RX binding gone, either mode may be asked for, and
	 * the key goes back to its default (manual), as v10 disables its
	 * static key: DONTNEED then takes the autorelease = 0 path.  No token
	 * can be outstanding: each holds a page-pool reference, and each pool
	 * holds the binding.  A bind that fails after registering comes here
	 * too, so it leaves the key as an idle host had it.
	 */
	if (host->nr_bindings == 0) {
		host->mode = NO_MODE;
		atomic_store_explicit(&host->autorelease_key, 0,
				      memory_order_relaxed);
	}
	pthread_mutex_unlock(&host->bindings_lock);
}

struct dml_binding *dml_host_binding_find(struct dml_host *host, uint32_t id)
{
	struct dml_binding *found = NULL;
	size_t i;

	pthread_mutex_lock(&host->bindings_lock);
	for (i = 0; i < host->nr_bindings && !found; i++)
		if (host->bindings[i]->id == id)
			found = host->bindings[i];
	pthread_mutex_unlock(&host->bindings_lock);
	return found;
}

int dml_binding_info(struct dml_host *host, uint32_t id, struct dml_binding_info *info)
{
	struct dml_binding *b;
	size_t i;
	int err = -ENOENT;

	pthread_mutex_lock(&host->bindings_lock);
	for (i = 0; i < host->nr_bindings; i++) {
		b = host->bindings[i];
		if (b->id != id)
			continue;
		info->id = id;
		info->autorelease = b->autorelease;
		info->nr_niovs = b->nr_niovs;
		info->metadata_bytes = sizeof(*b) +
				       b->nr_niovs * (sizeof(*b->vec) + sizeof(*b->free_stack));
		info->users = atomic_load(&b->users);
		err = 0;
		break;
	}
	pthread_mutex_unlock(&host->bindings_lock);
	return err;
}

struct dml_netdev *dml_host_netdev_by_index(struct dml_host *host, uint32_t ifindex)
{
	size_t i;

	for (i = 0; i < host->nr_devs; i++)
		if (host->devs[i]->ifindex == ifindex)
			return host->devs[i];
	return NULL;
}
