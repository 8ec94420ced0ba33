// SPDX-License-Identifier: MIT
/*
 * RX dma-buf binding (S-2.2): import, the net_iov array, the provider's free
 * list, users and reclaim, unbind and final free.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "binding.h"
#include "devmem/design.h"
#include "extack.h"
#include "warn.h"

#define NO_MODE (-1)

void dml_binding_table_init(struct dml_binding_table *table,
			    unsigned int token_slot_bits,
			    _Atomic unsigned long *warnings)
{
	pthread_mutex_init(&table->lock, NULL);
	table->token_slot_bits = token_slot_bits;
	table->mode = NO_MODE;
	atomic_init(&table->autorelease_key, 0);
	table->warnings = warnings;
}

void dml_binding_table_destroy(struct dml_binding_table *table)
{
	DML_WARN_ON(table->warnings, table->nr != 0);
	free(table->bindings);
	pthread_mutex_destroy(&table->lock);
}

int dml_binding_table_mode(struct dml_binding_table *table)
{
	int mode;

	pthread_mutex_lock(&table->lock);
	mode = table->mode;
	pthread_mutex_unlock(&table->lock);
	return mode;
}

static bool binding_id_taken(struct dml_binding_table *table, uint32_t id)
{
	size_t i;

	for (i = 0; i < table->nr; i++)
		if (table->bindings[i]->id == id)
			return true;
	return false;
}

/* Cyclic from 1 over the 32-bit space, skipping ids still in use (S-2.2). */
static uint32_t next_free_binding_id(struct dml_binding_table *table)
{
	uint32_t id = table->next_id;

	do {
		id = id == UINT32_MAX ? 1 : id + 1;
	} while (binding_id_taken(table, id));
	table->next_id = id;
	return id;
}

/* The lowest free slot, so a host's first binding names its pages plainly. */
static int take_token_slot_locked(struct dml_binding_table *table,
				  struct dml_binding *binding, struct dml_extack *ext)
{
	unsigned int slot, nr_slots = 1u << table->token_slot_bits;

	for (slot = 0; slot < nr_slots; slot++) {
		if (!table->slot_used[slot]) {
			table->slot_used[slot] = true;
			binding->token_slot = (int)slot;
			return 0;
		}
	}
	dml_extack_msg(ext, "all %u token slots are taken (%u slot bits): unbind first",
		       nr_slots, table->token_slot_bits);
	return -ENOSPC;
}

static int binding_register(struct dml_binding_table *table,
			    struct dml_binding *binding, int autorelease,
			    bool token_slot, struct dml_extack *ext)
{
	struct dml_binding **bindings;
	int err = 0;

	pthread_mutex_lock(&table->lock);
	if (table->nr && table->mode != autorelease) {
		dml_extack_msg(ext, "System already configured with autorelease=%d",
			       table->mode);
		err = -EBUSY;
		goto out_unlock;
	}
	if (token_slot) {
		err = take_token_slot_locked(table, binding, ext);
		if (err)
			goto out_unlock;
	}
	if (table->nr == table->cap) {
		size_t cap = table->cap ? 2 * table->cap : 8;

		bindings = realloc(table->bindings, cap * sizeof(*bindings));
		if (!bindings) {
			err = -ENOMEM;
			goto out_put_slot;
		}
		table->bindings = bindings;
		table->cap = cap;
	}
	binding->id = next_free_binding_id(table);
	table->bindings[table->nr++] = binding;
	if (table->mode != autorelease) {
		table->mode = autorelease;
		atomic_store_explicit(&table->autorelease_key, autorelease,
				      memory_order_relaxed);
	}
	pthread_mutex_unlock(&table->lock);
	return 0;

out_put_slot:
	if (binding->token_slot != DML_NO_TOKEN_SLOT) {
		table->slot_used[binding->token_slot] = false;
		binding->token_slot = DML_NO_TOKEN_SLOT;
	}
out_unlock:
	pthread_mutex_unlock(&table->lock);
	return err;
}

static void binding_unregister(struct dml_binding_table *table,
			       struct dml_binding *binding)
{
	size_t i;

	pthread_mutex_lock(&table->lock);
	for (i = 0; i < table->nr; i++) {
		if (table->bindings[i] == binding) {
			table->bindings[i] = table->bindings[--table->nr];
			break;
		}
	}
	if (binding->token_slot != DML_NO_TOKEN_SLOT)
		table->slot_used[binding->token_slot] = false;
	/*
	 * S-3.4: the last RX binding gone, either mode may be asked for, and
	 * the key goes back to its default (manual), as v10 disables its
	 * static key: DONTNEED then takes the autorelease = 0 path.  No token
	 * can be outstanding: each holds a page-pool reference, and each pool
	 * holds the binding.  A bind that fails after registering comes here
	 * too, so it leaves the key as an idle host had it.
	 */
	if (table->nr == 0) {
		table->mode = NO_MODE;
		atomic_store_explicit(&table->autorelease_key, 0,
				      memory_order_relaxed);
	}
	pthread_mutex_unlock(&table->lock);
}

int dml_binding_table_info(struct dml_binding_table *table, uint32_t id,
			   struct dml_binding_info *info)
{
	struct dml_binding *b;
	size_t i;
	int err = -ENOENT;

	pthread_mutex_lock(&table->lock);
	for (i = 0; i < table->nr; i++) {
		b = table->bindings[i];
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
	pthread_mutex_unlock(&table->lock);
	return err;
}

static struct dml_netmem *binding_mp_alloc(void *priv)
{
	struct dml_net_iov *niov = dml_binding_alloc_niov(priv);

	return niov ? &niov->nm : NULL;
}

static void binding_mp_release(void *priv, struct dml_netmem *nm)
{
	dml_binding_free_niov(priv, (struct dml_net_iov *)nm);
}

/* The pool found nothing to post: the design's queued returns may free some. */
static unsigned int binding_mp_refill(void *priv)
{
	struct dml_binding *binding = priv;

	return binding->refill ? binding->refill(binding) : 0;
}

static void binding_mp_init(void *priv)
{
	dml_binding_get(priv);
}

static void binding_mp_destroy(void *priv)
{
	dml_binding_put(priv);
}

/*
 * The queue counts as a user before it delivers: a socket reading its
 * first frag must never find a live binding with no users (ENODEV).
 */
static int binding_mp_install(void *priv, unsigned int queue)
{
	struct dml_binding *binding = priv;
	unsigned int *bound;

	bound = realloc(binding->bound_queues,
			(binding->nr_bound + 1) * sizeof(*bound));
	if (!bound)
		return -ENOMEM;
	binding->bound_queues = bound;
	binding->bound_queues[binding->nr_bound++] = queue;
	dml_binding_users_get(binding);
	return 0;
}

static void binding_mp_uninstall(void *priv, unsigned int queue)
{
	struct dml_binding *binding = priv;
	unsigned int i;

	for (i = 0; i < binding->nr_bound; i++) {
		if (binding->bound_queues[i] == queue) {
			binding->nr_bound--;
			memmove(&binding->bound_queues[i], &binding->bound_queues[i + 1],
				(binding->nr_bound - i) * sizeof(*binding->bound_queues));
			break;
		}
	}
	dml_binding_users_put(binding);
}

static uint32_t binding_mp_id(const void *priv)
{
	const struct dml_binding *binding = priv;

	return binding->id;
}

static const struct dml_memory_provider_ops binding_mp_ops = {
	.alloc = binding_mp_alloc,
	.release = binding_mp_release,
	.refill = binding_mp_refill,
	.init = binding_mp_init,
	.destroy = binding_mp_destroy,
	.install = binding_mp_install,
	.uninstall = binding_mp_uninstall,
	.id = binding_mp_id,
};

int dml_binding_create(struct dml_binding_table *table, struct dml_netdev *dev,
		       int dmabuf_fd, int autorelease,
		       void (*reclaim)(struct dml_binding *binding),
		       unsigned int (*refill)(struct dml_binding *binding),
		       bool token_slot, struct dml_extack *ext,
		       struct dml_binding **out)
{
	struct dml_binding *binding;
	size_t i;
	int err;

	binding = calloc(1, sizeof(*binding));
	if (!binding)
		return -ENOMEM;
	binding->table = table;
	binding->reclaim = reclaim;
	binding->refill = refill;
	binding->mp.ops = &binding_mp_ops;
	binding->mp.priv = binding;
	binding->dev = dev;
	binding->autorelease = autorelease;
	binding->token_slot = DML_NO_TOKEN_SLOT;
	/* The creating netlink socket's reference, dropped at unbind. */
	atomic_init(&binding->refcount, 1);
	atomic_init(&binding->users, 0);
	pthread_spin_init(&binding->free_lock, PTHREAD_PROCESS_PRIVATE);
	pthread_mutex_init(&binding->returners_lock, NULL);

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
	if (token_slot && binding->nr_niovs > (size_t)1 << dml_token_page_bits(table)) {
		dml_extack_msg(ext,
			       "dma-buf of %zu pages is larger than the %u page bits of a token can name",
			       binding->nr_niovs, dml_token_page_bits(table));
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

	err = binding_register(table, binding, autorelease, token_slot, ext);
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
	pthread_mutex_destroy(&binding->returners_lock);
	pthread_spin_destroy(&binding->free_lock);
	free(binding);
	return err;
}

void dml_binding_final_free(struct dml_binding *binding)
{
	_Atomic unsigned long *warnings = binding->table->warnings;

	/* Every net_iov must be home: anything else is a leaked reference. */
	DML_WARN_ON(warnings, binding->nr_free != binding->nr_niovs);
	DML_WARN_ON(warnings, atomic_load(&binding->users) != 0);
	/* A listed returner's owner holds a reference: none can be left. */
	DML_WARN_ON(warnings, binding->returners != NULL);
	binding_unregister(binding->table, binding);
	dml_dmabuf_unimport(&binding->dmabuf);
	free(binding->free_stack);
	free(binding->vec);
	free(binding->bound_queues);
	pthread_mutex_destroy(&binding->returners_lock);
	pthread_spin_destroy(&binding->free_lock);
	free(binding);
}

/*
 * At 0 nobody can deliver or return this binding's tokens any more, so what
 * sockets never returned is reclaimed now, and not before (S-6.2).
 */
void dml_binding_users_put(struct dml_binding *binding)
{
	if (atomic_fetch_sub_explicit(&binding->users, 1, memory_order_acq_rel) == 1 &&
	    binding->reclaim)
		binding->reclaim(binding);
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
	if (!DML_WARN_ON(binding->table->warnings, binding->nr_free >= binding->nr_niovs))
		binding->free_stack[binding->nr_free++] = dml_net_iov_index(binding, niov);
	pthread_spin_unlock(&binding->free_lock);
}

/**
 * dml_binding_returner_add() - lists a design's queued returns for refill.
 * @binding: the binding; the caller holds a reference on it until it
 *	deletes @r.
 * @r: the design's entry, not listed yet.
 *
 * Return: nothing; from now on @binding->refill may be handed @r.
 */
void dml_binding_returner_add(struct dml_binding *binding,
			      struct dml_binding_returner *r)
{
	pthread_mutex_lock(&binding->returners_lock);
	r->next = binding->returners;
	binding->returners = r;
	pthread_mutex_unlock(&binding->returners_lock);
}

/**
 * dml_binding_returner_del() - takes @r off @binding's list.
 * @binding: the binding @r was added to.
 * @r: the entry; absent from the list is a no-op.
 *
 * Return: nothing; once it returns no refill is walking @r any more.
 */
void dml_binding_returner_del(struct dml_binding *binding,
			      struct dml_binding_returner *r)
{
	struct dml_binding_returner **p;

	pthread_mutex_lock(&binding->returners_lock);
	for (p = &binding->returners; *p; p = &(*p)->next) {
		if (*p == r) {
			*p = r->next;
			break;
		}
	}
	pthread_mutex_unlock(&binding->returners_lock);
}

/* The calls include/devmem/design.h gives designs built outside the library. */

void dml_net_iov_get(struct dml_net_iov *niov)
{
	dml_netmem_get(&niov->nm);
}

bool dml_net_iov_put(struct dml_net_iov *niov)
{
	return dml_netmem_put(&niov->nm);
}

size_t dml_binding_nr_net_iovs(const struct dml_binding *binding)
{
	return binding->nr_niovs;
}

struct dml_net_iov *dml_binding_net_iov(struct dml_binding *binding, size_t index)
{
	return index < binding->nr_niovs ? &binding->vec[index] : NULL;
}

size_t dml_binding_net_iov_index(const struct dml_binding *binding,
				 const struct dml_net_iov *niov)
{
	/* Compared as addresses: a pointer into another array is not ordered. */
	uintptr_t base = (uintptr_t)binding->vec, at = (uintptr_t)niov;

	if (at < base || at >= base + binding->nr_niovs * sizeof(*niov) ||
	    (at - base) % sizeof(*niov))
		return binding->nr_niovs;
	return (at - base) / sizeof(*niov);
}
