// SPDX-License-Identifier: MIT
/*
 * `niov` (autorelease = 0, the series' fast path): a token is the page index
 * of the net_iov in its binding, and the binding's per-net_iov uref counts
 * deliveries not yet returned.  No allocation and no lock on either path;
 * the socket joins its one binding on its first frag (S-4.5, S-5.4, S-6.2).
 * The uref rules themselves are uref.h's, shared with `ring`.
 */
#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "tokens.h"
#include "uref.h"

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

static void niov_sock_destroy(struct dml_token_sock *ts)
{
	struct dml_binding *binding = atomic_load_explicit(&to_niov(ts)->binding,
							   memory_order_acquire);

	if (binding)
		dml_uref_leave(binding);
	free(ts);
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
		err = dml_uref_join(&ns->binding, binding);
		if (err)
			return err;
	}
	dml_uref_take(binding, niov, token);
	return 0;
}

static int niov_release(struct dml_token_sock *ts, const struct dmabuf_token *tokens,
			unsigned int nr_tokens)
{
	struct dml_binding *binding = atomic_load_explicit(&to_niov(ts)->binding,
							   memory_order_acquire);

	if (!binding)
		return -EINVAL;
	return dml_uref_release(binding, tokens, nr_tokens);
}

static void niov_binding_reclaim(struct dml_binding *binding)
{
	dml_uref_reclaim(binding);
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
