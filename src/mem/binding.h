/* SPDX-License-Identifier: MIT */
/*
 * A dma-buf bound for RX (bind-rx): the imported buffer, one net_iov per
 * page, the free net_iovs its memory provider hands to page pools, and the
 * counts that decide when leaked tokens are reclaimed and when it is freed.
 */
#ifndef DML_BINDING_H
#define DML_BINDING_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "devmem/devmem.h"
#include "dmabuf.h"
#include "netmem.h"
#include "page_pool.h"
#include "refcount.h"

struct dml_netdev;
struct dml_extack;
struct dml_binding_info;

/*
 * One entry of a binding's list of queued returns (a token design's return
 * ring, issue 16), embedded in the design's own state: the binding only
 * links them and hands them to the design's refill, knowing nothing else.
 */
struct dml_binding_returner {
	struct dml_binding_returner *next;
};

/*
 * Token slots (docs/extensions.md X-2): a design whose tokens name their
 * binding takes one of 2^slot_bits slots per binding and leaves the low
 * 31 - slot_bits bits of a token to the page index, so tokens stay at or
 * below 2^31 - 1 as the kernel's do.
 */
#define DML_TOKEN_BITS		31
#define DML_NO_TOKEN_SLOT	(-1)

/*
 * The host's RX bindings (S-2.2) and the system-wide mode they set (S-3.4),
 * embedded in the host.
 */
struct dml_binding_table {
	/*
	 * Protects the table, the id counter and the mode.  Taken without rtnl
	 * by a binding's final free, which may run on the data path.
	 */
	pthread_mutex_t lock;
	struct dml_binding **bindings;
	size_t nr;
	size_t cap;
	uint32_t next_id;
	int mode;
	/*
	 * The kernel's static key: the data path branches on it and it is
	 * written only when the mode changes (S-3.5).
	 */
	_Atomic int autorelease_key;
	_Atomic unsigned long *warnings;	/* the host's counter */

	/*
	 * Under @lock: which token slots a binding holds.  A slot is taken
	 * at register and given back at final free, never at unbind: a
	 * socket that joined the binding keeps it (and its tokens' meaning)
	 * until the socket leaves.
	 */
	unsigned int token_slot_bits;
	bool slot_used[1u << DML_OWNED_MAX_SLOT_BITS];
};

struct dml_binding {
	struct dml_binding_table *table;
	/* The token design's reclaim of leaked tokens, NULL for none (S-6.2). */
	void (*reclaim)(struct dml_binding *binding);
	/*
	 * The token design's drain of the returns queued on @returners, run
	 * when a pool drawing on this binding has nothing to post; returns the
	 * buffers it gave back.  NULL for a design that queues none.
	 */
	unsigned int (*refill)(struct dml_binding *binding);
	struct dml_netdev *dev;
	uint32_t id;
	int autorelease;
	/* The token slot (high bits of its tokens), DML_NO_TOKEN_SLOT if none. */
	int token_slot;
	struct dml_dmabuf_import dmabuf;

	size_t nr_niovs;
	struct dml_net_iov *vec;	/* indexed by page number: token = index */

	/*
	 * Protects @returners.  Held by refill while it drains them, which
	 * runs under rxq->lock and takes pool->lock: rxq->lock -> this ->
	 * pool->lock.  An entry's owner holds a reference on the binding
	 * while it is listed.
	 */
	pthread_mutex_t returners_lock;
	struct dml_binding_returner *returners;

	/* Protects free_stack and nr_free: the provider's idle net_iovs. */
	pthread_spinlock_t free_lock;
	uint32_t *free_stack;
	size_t nr_free;

	/*
	 * Holders: the netlink socket that made it, until unbind; each page
	 * pool drawing from it, until that pool's last buffer comes back; each
	 * socket that joined it (autorelease = 0), until the socket closes.
	 */
	atomic_long refcount;
	/*
	 * Bound RX queues plus joined sockets.  When it reaches 0 nobody can
	 * deliver or return tokens any more, so leaked urefs are reclaimed.
	 */
	atomic_long users;

	/* What a bound queue's page pools draw on; priv is the binding. */
	struct dml_memory_provider mp;

	/* Under rtnl: the queues bound to it and the owning socket's list. */
	unsigned int *bound_queues;
	unsigned int nr_bound;
	struct dml_nl_sock *owner;
	struct dml_binding *owner_next;
	bool unbound;
};

void dml_binding_table_init(struct dml_binding_table *table,
			    unsigned int token_slot_bits,
			    _Atomic unsigned long *warnings);
void dml_binding_table_destroy(struct dml_binding_table *table);
int dml_binding_table_mode(struct dml_binding_table *table);
int dml_binding_table_info(struct dml_binding_table *table, uint32_t id,
			   struct dml_binding_info *info);

static inline int dml_binding_mode_key(const struct dml_binding_table *table)
{
	return atomic_load_explicit(&table->autorelease_key,
				    memory_order_relaxed);
}

int dml_binding_create(struct dml_binding_table *table, struct dml_netdev *dev,
		       int dmabuf_fd, int autorelease,
		       void (*reclaim)(struct dml_binding *binding),
		       unsigned int (*refill)(struct dml_binding *binding),
		       bool token_slot, struct dml_extack *ext,
		       struct dml_binding **out);
void dml_binding_final_free(struct dml_binding *binding);

void dml_binding_users_put(struct dml_binding *binding);
void dml_binding_returner_add(struct dml_binding *binding,
			      struct dml_binding_returner *r);
void dml_binding_returner_del(struct dml_binding *binding,
			      struct dml_binding_returner *r);

static inline void dml_binding_get(struct dml_binding *binding)
{
	atomic_fetch_add_explicit(&binding->refcount, 1, memory_order_relaxed);
}

/* A reference unless the last one is gone and the binding is being freed. */
static inline bool dml_binding_get_unless_zero(struct dml_binding *binding)
{
	return dml_ref_get_unless_zero(&binding->refcount);
}

static inline void dml_binding_put(struct dml_binding *binding)
{
	if (atomic_fetch_sub_explicit(&binding->refcount, 1,
				      memory_order_acq_rel) == 1)
		dml_binding_final_free(binding);
}

/* Takes a user unless the binding has none left (unbound and drained). */
static inline bool dml_binding_users_get_unless_zero(struct dml_binding *binding)
{
	return dml_ref_get_unless_zero(&binding->users);
}

static inline void dml_binding_users_get(struct dml_binding *binding)
{
	atomic_fetch_add_explicit(&binding->users, 1, memory_order_relaxed);
}

/* Bits of a slotted token left for the page index. */
static inline unsigned int dml_token_page_bits(const struct dml_binding_table *table)
{
	return DML_TOKEN_BITS - table->token_slot_bits;
}

static inline uint32_t dml_net_iov_index(const struct dml_binding *binding,
					 const struct dml_net_iov *niov)
{
	return (uint32_t)(niov - binding->vec);
}

static inline unsigned char *dml_net_iov_addr(const struct dml_binding *binding,
					      const struct dml_net_iov *niov)
{
	return (unsigned char *)binding->dmabuf.map +
	       (size_t)dml_net_iov_index(binding, niov) * DML_PAGE_SIZE;
}

struct dml_net_iov *dml_binding_alloc_niov(struct dml_binding *binding);
void dml_binding_free_niov(struct dml_binding *binding,
			   struct dml_net_iov *niov);

#endif /* DML_BINDING_H */
