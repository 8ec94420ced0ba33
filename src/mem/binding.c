// SPDX-License-Identifier: MIT
/*
 * RX dma-buf binding (S-2.2): import, the net_iov array, the provider's free
 * list, users and reclaim, unbind and final free.
 */
#include <errno.h>
#include <stdlib.h>

#include "binding.h"
#include "extack.h"
#include "host.h"
#include "nic/netdev.h"
#include "tokens/tokens.h"
#include "warn.h"

int dml_binding_create(struct dml_host *host, struct dml_netdev *dev,
		       int dmabuf_fd, int autorelease, struct dml_extack *ext,
		       struct dml_binding **out)
{
	struct dml_binding *binding;
	size_t i;
	int err;

	binding = calloc(1, sizeof(*binding));
	if (!binding)
		return -ENOMEM;
	binding->host = host;
	binding->dev = dev;
	binding->autorelease = autorelease;
	/* The creating netlink socket's reference, dropped at unbind. */
	atomic_init(&binding->refcount, 1);
	atomic_init(&binding->users, 0);
	pthread_spin_init(&binding->free_lock, PTHREAD_PROCESS_PRIVATE);

	err = dml_dmabuf_import(dmabuf_fd, &binding->dmabuf, ext);
	if (err)
		goto err_free;

	binding->nr_niovs = binding->dmabuf.size / DML_PAGE_SIZE;
	if (binding->nr_niovs > UINT32_MAX) {
		dml_extack_msg(ext, "dma-buf of %zu pages is larger than tokens can name",
			       binding->nr_niovs);
		err = -E2BIG;
		goto err_unimport;
	}
	err = -ENOMEM;
	/* calloc of a big array maps zero pages lazily: binding 16 M net_iovs stays cheap. */
	binding->vec = calloc(binding->nr_niovs, sizeof(*binding->vec));
	if (!binding->vec)
		goto err_unimport;
	binding->free_stack = malloc(binding->nr_niovs * sizeof(*binding->free_stack));
	if (!binding->free_stack)
		goto err_free_vec;
	/* Lowest page on top, so a fresh pool hands out page 0 first. */
	for (i = 0; i < binding->nr_niovs; i++)
		binding->free_stack[i] = (uint32_t)(binding->nr_niovs - 1 - i);
	binding->nr_free = binding->nr_niovs;

	err = dml_host_binding_register(host, binding, autorelease, ext);
	if (err)
		goto err_free_stack;

	*out = binding;
	return 0;

err_free_stack:
	free(binding->free_stack);
err_free_vec:
	free(binding->vec);
err_unimport:
	dml_dmabuf_unimport(&binding->dmabuf);
err_free:
	pthread_spin_destroy(&binding->free_lock);
	free(binding);
	return err;
}

void dml_binding_final_free(struct dml_binding *binding)
{
	struct dml_host *host = binding->host;

	/* Every net_iov must be home: anything else is a leaked reference. */
	DML_WARN_ON(host, binding->nr_free != binding->nr_niovs);
	DML_WARN_ON(host, atomic_load(&binding->users) != 0);
	dml_host_binding_unregister(host, binding);
	dml_dmabuf_unimport(&binding->dmabuf);
	free(binding->free_stack);
	free(binding->vec);
	free(binding->bound_queues);
	pthread_spin_destroy(&binding->free_lock);
	free(binding);
}

/*
 * At 0 nobody can deliver or return this binding's tokens any more, so what
 * sockets never returned is reclaimed now, and not before (S-6.2).
 */
void dml_binding_users_put(struct dml_binding *binding)
{
	const struct dml_token_ops *ops = binding->host->designs[binding->autorelease];

	if (atomic_fetch_sub_explicit(&binding->users, 1, memory_order_acq_rel) == 1 &&
	    ops->binding_reclaim)
		ops->binding_reclaim(binding);
}

void dml_binding_unbind(struct dml_binding *binding)
{
	unsigned int i;

	for (i = 0; i < binding->nr_bound; i++)
		dml_netdev_unbind_rxq(binding->dev, binding->bound_queues[i], binding);
	binding->nr_bound = 0;
	binding->unbound = true;
	dml_binding_put(binding);
}

struct dml_net_iov *dml_binding_alloc_niov(struct dml_binding *binding)
{
	struct dml_net_iov *niov = NULL;

	pthread_spin_lock(&binding->free_lock);
	if (binding->nr_free)
		niov = &binding->vec[binding->free_stack[--binding->nr_free]];
	pthread_spin_unlock(&binding->free_lock);
	return niov;
}

void dml_binding_free_niov(struct dml_binding *binding, struct dml_net_iov *niov)
{
	pthread_spin_lock(&binding->free_lock);
	if (!DML_WARN_ON(binding->host, binding->nr_free >= binding->nr_niovs))
		binding->free_stack[binding->nr_free++] = dml_net_iov_index(binding, niov);
	pthread_spin_unlock(&binding->free_lock);
}
