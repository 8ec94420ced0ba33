// SPDX-License-Identifier: MIT
/*
 * `niov` (autorelease = 0, the series' fast path): a token is the page index
 * of the net_iov in its binding, and the binding's per-net_iov uref counts
 * deliveries not yet returned.  No allocation and no lock on either path;
 * the socket joins its one binding on its first frag (S-4.5, S-5.4, S-6.2).
 */
#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "mem/binding.h"
#include "tokens.h"
#include "warn.h"

struct niov_sock {
	struct dml_token_sock ts;
	/* Set once, at the first frag, under the socket lock; read by DONTNEED without it. */
	_Atomic(struct dml_binding *) binding;
};

static struct niov_sock *to_niov(struct dml_token_sock *ts)
{
	return (struct niov_sock *)ts;
}

static struct dml_token_sock *niov_sock_create(_Atomic unsigned long *warnings)
{
	struct niov_sock *ns = calloc(1, sizeof(*ns));

	if (!ns)
		return NULL;
	ns->ts.warnings = warnings;
	atomic_init(&ns->binding, NULL);
	return &ns->ts;
}

/* Leaves the binding: its urefs stay until the binding's users reach 0. */
static void niov_sock_destroy(struct dml_token_sock *ts)
{
	struct dml_binding *binding = atomic_load_explicit(&to_niov(ts)->binding,
							   memory_order_acquire);

	if (binding) {
		dml_binding_users_put(binding);
		dml_binding_put(binding);
	}
	free(ts);
}

static int niov_join_slow(struct niov_sock *ns, struct dml_binding *binding)
{
	/* Unbound and drained: its urefs may be reclaimed already (the v9 race). */
	if (!dml_binding_users_get_unless_zero(binding))
		return -ENODEV;
	/* Joined socket's reference, dropped when the socket goes. */
	dml_binding_get(binding);
	atomic_store_explicit(&ns->binding, binding, memory_order_release);
	return 0;
}

static int niov_assign(struct dml_token_sock *ts, struct dml_binding *binding,
		       struct dml_net_iov *niov, unsigned int frags_left,
		       uint32_t *token)
{
	struct niov_sock *ns = to_niov(ts);
	struct dml_binding *joined = atomic_load_explicit(&ns->binding,
							  memory_order_relaxed);
	int err;

	(void)frags_left;
	if (__builtin_expect(joined != binding, 0)) {
		/* One binding per socket: a token has no room for a binding id. */
		if (joined)
			return -EFAULT;
		err = niov_join_slow(ns, binding);
		if (err)
			return err;
	}
	*token = dml_net_iov_index(binding, niov);
	/*
	 * Only the first outstanding delivery pins the page in the pool, but
	 * the reference is taken before the uref shows it: otherwise a
	 * DONTNEED racing in between (a stale or guessed token) takes uref
	 * 1 -> 0 and drops a reference not taken yet, which is the skb frag's,
	 * and the page goes back to the pool under the reader (the series has
	 * this race; docs/deviations.md).
	 */
	dml_netmem_get(&niov->nm);
	if (atomic_fetch_add_explicit(&niov->uref, 1, memory_order_acq_rel) != 0)
		DML_WARN_ON(binding->table->warnings, !dml_netmem_put(&niov->nm));
	return 0;
}

/* Drops one uref unless it is already 0 (the v10 bug this project fixes). */
static bool uref_dec_not_zero(struct dml_binding *binding,
			      struct dml_net_iov *niov)
{
	unsigned int uref = atomic_load_explicit(&niov->uref, memory_order_relaxed);

	do {
		if (uref == 0)
			return false;
	} while (!atomic_compare_exchange_weak_explicit(&niov->uref, &uref, uref - 1,
							memory_order_acq_rel,
							memory_order_relaxed));
	if (uref == 1)
		DML_WARN_ON(binding->table->warnings, !dml_netmem_put(&niov->nm));
	return true;
}

static int niov_release(struct dml_token_sock *ts, const struct dmabuf_token *tokens,
			unsigned int nr_tokens)
{
	struct dml_binding *binding = atomic_load_explicit(&to_niov(ts)->binding,
							   memory_order_acquire);
	unsigned int i, frags = 0;
	int released = 0;
	uint32_t j;

	if (!binding)
		return -EINVAL;
	for (i = 0; i < nr_tokens; i++) {
		for (j = 0; j < tokens[i].token_count; j++) {
			uint32_t token = tokens[i].token_start + j;

			/*
			 * Past the binding's pages ends this entry, not the
			 * call, and is not counted against the frag budget
			 * (v10's order).
			 */
			if (token >= binding->nr_niovs)
				break;
			if (++frags > DML_MAX_DONTNEED_FRAGS)
				return released;
			released += uref_dec_not_zero(binding, &binding->vec[token]);
		}
	}
	return released;
}

static void niov_binding_reclaim(struct dml_binding *binding)
{
	size_t i;

	for (i = 0; i < binding->nr_niovs; i++) {
		struct dml_net_iov *niov = &binding->vec[i];

		if (atomic_exchange_explicit(&niov->uref, 0, memory_order_acq_rel))
			DML_WARN_ON(binding->table->warnings, !dml_netmem_put(&niov->nm));
	}
}

static size_t niov_state_bytes(struct dml_token_sock *ts)
{
	(void)ts;
	return sizeof(struct niov_sock);
}

const struct dml_token_ops dml_token_niov_ops = {
	.info = {
		.name = "niov",
		.autorelease = 0,
		.summary = "per-binding net_iov array, atomic uref, token = page index",
		.bytes_per_niov = sizeof(((struct dml_net_iov *)0)->uref),
	},
	.sock_create = niov_sock_create,
	.sock_destroy = niov_sock_destroy,
	.assign = niov_assign,
	.release = niov_release,
	.binding_reclaim = niov_binding_reclaim,
	.state_bytes = niov_state_bytes,
};
