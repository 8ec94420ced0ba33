// SPDX-License-Identifier: MIT
/*
 * A design that breaks the rules on purpose, loaded with --plugin: every
 * token it names is 1 and it keeps nothing, so the conformance suite must
 * fail it (S-4.4's lowest free id, S-5.1's release count, the checker's
 * references).  Proves `devmem-lab conformance` can fail a plugin.
 */
#include <stdlib.h>

#include <devmem/design.h>

static struct dml_token_sock *wrong_sock_create(_Atomic unsigned long *warnings)
{
	struct dml_token_sock *ts = calloc(1, sizeof(*ts));

	if (ts)
		ts->warnings = warnings;
	return ts;
}

static void wrong_sock_destroy(struct dml_token_sock *ts)
{
	free(ts);
}

static int wrong_assign(struct dml_token_sock *ts, struct dml_binding *binding,
			struct dml_net_iov *niov, unsigned int frags_left, uint32_t *token)
{
	(void)ts;
	(void)binding;
	(void)niov;
	(void)frags_left;
	*token = 1;
	return 0;
}

static int wrong_release(struct dml_token_sock *ts, const struct dmabuf_token *tokens,
			 unsigned int nr_tokens)
{
	(void)ts;
	(void)tokens;
	(void)nr_tokens;
	return 0;
}

static const struct dml_token_ops wrong_ops = {
	.info = { .name = "wrong", .autorelease = 1, .summary = "breaks the rules (test)" },
	.sock_create = wrong_sock_create,
	.sock_destroy = wrong_sock_destroy,
	.assign = wrong_assign,
	.release = wrong_release,
};

DML_TOKEN_DESIGN(wrong_ops)
