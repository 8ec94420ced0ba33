// SPDX-License-Identifier: MIT
/*
 * `sockarray` (autorelease = 0, the series' v1/v2; docs/extensions.md X-3):
 * the token is the page index, as in niov, but the urefs live in the
 * socket: an array of one atomic counter per page of its one binding,
 * allocated when the socket joins.  A return decrements the returning
 * socket's own counter, so only the holder returns, and close gives back
 * what the socket holds.  Its cost is the array: 4 bytes per page per
 * socket, which is what moved v3 to per-binding urefs.
 */
#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "mem/binding.h"
#include "tokens.h"
#include "uref.h"
#include "warn.h"

struct sockarray_sock {
	struct dml_token_sock ts;
	/*
	 * Set once, at the first frag, under the socket lock, after @urefs
	 * (release order); DONTNEED reads it without the lock.  Holds a
	 * binding reference and a user, dropped when the socket goes.
	 */
	_Atomic(struct dml_binding *) binding;
	/* Per page of @binding: this socket's deliveries not yet returned. */
	atomic_uint *urefs;
};

static struct sockarray_sock *to_sockarray(struct dml_token_sock *ts)
{
	return (struct sockarray_sock *)ts;
}

static struct dml_token_sock *sockarray_sock_create(_Atomic unsigned long *warnings)
{
	struct sockarray_sock *sa = calloc(1, sizeof(*sa));

	if (!sa)
		return NULL;
	sa->ts.warnings = warnings;
	atomic_init(&sa->binding, NULL);
	return &sa->ts;
}

/* What it holds goes back to the pools, then it leaves the binding. */
static void sockarray_sock_destroy(struct dml_token_sock *ts)
{
	struct sockarray_sock *sa = to_sockarray(ts);
	struct dml_binding *binding = atomic_load_explicit(&sa->binding,
							   memory_order_acquire);
	size_t i;

	if (binding) {
		for (i = 0; i < binding->nr_niovs; i++)
			if (atomic_load_explicit(&sa->urefs[i], memory_order_relaxed))
				DML_WARN_ON(ts->warnings,
					    !dml_netmem_put(&binding->vec[i].nm));
		dml_binding_users_put(binding);
		dml_binding_put(binding);
	}
	free(sa->urefs);
	free(sa);
}

static int sockarray_join_slow(struct sockarray_sock *sa, struct dml_binding *binding)
{
	atomic_uint *urefs = calloc(binding->nr_niovs, sizeof(*urefs));

	if (!urefs)
		return -ENOMEM;
	/* Unbound and drained: no frag of it may start a new holder (S-4.5). */
	if (!dml_binding_users_get_unless_zero(binding)) {
		free(urefs);
		return -ENODEV;
	}
	dml_binding_get(binding);
	sa->urefs = urefs;
	atomic_store_explicit(&sa->binding, binding, memory_order_release);
	return 0;
}

static int sockarray_assign(struct dml_token_sock *ts, struct dml_binding *binding,
			    struct dml_net_iov *niov, unsigned int frags_left,
			    uint32_t *token)
{
	struct sockarray_sock *sa = to_sockarray(ts);
	struct dml_binding *joined = atomic_load_explicit(&sa->binding,
							  memory_order_relaxed);
	uint32_t index;
	int err;

	(void)frags_left;
	if (__builtin_expect(joined != binding, 0)) {
		/* One binding per socket: the token names only a page. */
		if (joined)
			return -EFAULT;
		err = sockarray_join_slow(sa, binding);
		if (err)
			return err;
	}
	index = dml_net_iov_index(binding, niov);
	*token = index;
	/*
	 * This socket's page-pool reference while its counter is above 0,
	 * taken before the counter shows it, for niov's reason: a racing
	 * DONTNEED must never drop a reference not taken yet.
	 */
	dml_netmem_get(&niov->nm);
	if (atomic_fetch_add_explicit(&sa->urefs[index], 1, memory_order_acq_rel) != 0)
		DML_WARN_ON(ts->warnings, !dml_netmem_put(&niov->nm));
	return 0;
}

/* Drops one of this socket's urefs unless it holds none (@ctx: the socket). */
static inline bool sock_uref_dec_not_zero(void *ctx, struct dml_binding *binding,
					  uint32_t index)
{
	struct sockarray_sock *sa = ctx;
	bool last;

	if (!dml_count_dec_not_zero(&sa->urefs[index], &last))
		return false;
	if (last)
		DML_WARN_ON(sa->ts.warnings, !dml_netmem_put(&binding->vec[index].nm));
	return true;
}

static int sockarray_release(struct dml_token_sock *ts, const struct dmabuf_token *tokens,
			     unsigned int nr_tokens)
{
	struct sockarray_sock *sa = to_sockarray(ts);
	struct dml_binding *binding = atomic_load_explicit(&sa->binding,
							   memory_order_acquire);

	if (!binding)
		return -EINVAL;
	return dml_uref_walk(binding, tokens, nr_tokens, sock_uref_dec_not_zero, sa);
}

static void sockarray_count_refs(struct dml_token_sock *ts,
				 const struct dml_binding *binding, uint32_t *refs)
{
	struct sockarray_sock *sa = to_sockarray(ts);
	size_t i;

	if (atomic_load_explicit(&sa->binding, memory_order_acquire) != binding)
		return;
	for (i = 0; i < binding->nr_niovs; i++)
		refs[i] += atomic_load_explicit(&sa->urefs[i], memory_order_relaxed) != 0;
}

static size_t sockarray_state_bytes(struct dml_token_sock *ts)
{
	struct sockarray_sock *sa = to_sockarray(ts);
	struct dml_binding *binding = atomic_load_explicit(&sa->binding,
							   memory_order_acquire);

	return sizeof(*sa) + (binding ? binding->nr_niovs * sizeof(*sa->urefs) : 0);
}

const struct dml_token_ops dml_token_sockarray_ops = {
	.info = {
		.name = "sockarray",
		.autorelease = 0,
		.summary = "v1/v2: per-socket array of atomic urefs, token = page index",
		.holder_returns = true,
	},
	.sock_create = sockarray_sock_create,
	.sock_destroy = sockarray_sock_destroy,
	.assign = sockarray_assign,
	.release = sockarray_release,
	.state_bytes = sockarray_state_bytes,
	.count_refs = sockarray_count_refs,
};
