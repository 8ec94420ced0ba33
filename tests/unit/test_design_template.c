// SPDX-License-Identifier: MIT
/*
 * "A design is one file plus one row" (DESIGN.md, SPEC S-8), proven: this
 * file is a whole token design, `template` (autorelease = 1), and its one
 * row is its registration.  The test then runs test_model.c's model-based
 * conformance suite (S-4.4, S-5.1 to S-5.5, S-6.1) on it alone: a design
 * that named the wrong id, leaked a reference or miscounted a release
 * fails there, and so does a row that did not put it in the table.
 *
 * The simplest structure the interface allows: a growable array indexed by
 * token - 1 under one mutex, the lowest free id found by a scan and filled
 * in the same lock round, so nothing is reserved ahead and there is no
 * flush.
 */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>

#include "mem/binding.h"
#include "tokens/tokens.h"
#include "warn.h"

#define TOKEN_MAX	((uint32_t)INT32_MAX)	/* xa_limit_31b */

struct template_sock {
	struct dml_token_sock ts;
	/* Protects @slots and @nr_slots; DONTNEED takes it without the socket lock. */
	pthread_mutex_t lock;
	struct dml_net_iov **slots;	/* token - 1 -> net_iov, NULL when free */
	uint32_t nr_slots;
};

static struct template_sock *to_tpl(struct dml_token_sock *ts)
{
	return (struct template_sock *)ts;
}

static struct dml_token_sock *template_sock_create(_Atomic unsigned long *warnings)
{
	struct template_sock *tp = calloc(1, sizeof(*tp));

	if (!tp)
		return NULL;
	tp->ts.warnings = warnings;
	pthread_mutex_init(&tp->lock, NULL);
	return &tp->ts;
}

static void template_sock_destroy(struct dml_token_sock *ts)
{
	struct template_sock *tp = to_tpl(ts);
	uint32_t i;

	for (i = 0; i < tp->nr_slots; i++)
		if (tp->slots[i])
			DML_WARN_ON(ts->warnings, !dml_netmem_put(&tp->slots[i]->nm));
	pthread_mutex_destroy(&tp->lock);
	free(tp->slots);
	free(tp);
}

/* The lowest free id's slot, the array grown if need be; lock held. */
static int free_slot_locked(struct template_sock *tp, uint32_t *slot)
{
	struct dml_net_iov **slots;
	uint32_t i, n;

	for (i = 0; i < tp->nr_slots && tp->slots[i]; i++)
		;
	if (i == tp->nr_slots) {
		if (tp->nr_slots == TOKEN_MAX)
			return -ENOMEM;
		n = tp->nr_slots ? 2 * tp->nr_slots : 64;
		if (n > TOKEN_MAX)
			n = TOKEN_MAX;
		slots = realloc(tp->slots, n * sizeof(*slots));
		if (!slots)
			return -ENOMEM;
		for (; tp->nr_slots < n; tp->nr_slots++)
			slots[tp->nr_slots] = NULL;
		tp->slots = slots;
	}
	*slot = i;
	return 0;
}

static int template_assign(struct dml_token_sock *ts, struct dml_binding *binding,
			   struct dml_net_iov *niov, unsigned int frags_left,
			   uint32_t *token)
{
	struct template_sock *tp = to_tpl(ts);
	uint32_t slot;
	int err;

	(void)binding;
	(void)frags_left;
	pthread_mutex_lock(&tp->lock);
	err = free_slot_locked(tp, &slot);
	if (!err) {
		/*
		 * The token's own page-pool reference, dropped by DONTNEED or
		 * close; taken before a racing DONTNEED can find the token.
		 */
		dml_netmem_get(&niov->nm);
		tp->slots[slot] = niov;
		*token = slot + 1;
	}
	pthread_mutex_unlock(&tp->lock);
	return err;
}

static int template_release(struct dml_token_sock *ts, const struct dmabuf_token *tokens,
			    unsigned int nr_tokens)
{
	struct template_sock *tp = to_tpl(ts);
	unsigned int i, frags = 0;
	int released = 0;
	uint32_t j;

	pthread_mutex_lock(&tp->lock);
	for (i = 0; i < nr_tokens; i++) {
		for (j = 0; j < tokens[i].token_count; j++) {
			uint32_t id = tokens[i].token_start + j;
			struct dml_net_iov *niov;

			if (++frags > DML_MAX_DONTNEED_FRAGS)
				goto out_unlock;
			/* Id 0 and free ids are not tokens: skipped. */
			if (id == 0 || id > tp->nr_slots)
				continue;
			niov = tp->slots[id - 1];
			if (!niov)
				continue;
			tp->slots[id - 1] = NULL;
			DML_WARN_ON(ts->warnings, !dml_netmem_put(&niov->nm));
			released++;
		}
	}
out_unlock:
	pthread_mutex_unlock(&tp->lock);
	return released;
}

static void template_count_refs(struct dml_token_sock *ts,
				const struct dml_binding *binding, uint32_t *refs)
{
	struct template_sock *tp = to_tpl(ts);
	uint32_t i;

	pthread_mutex_lock(&tp->lock);
	for (i = 0; i < tp->nr_slots; i++) {
		const struct dml_net_iov *niov = tp->slots[i];

		if (niov >= binding->vec && niov < binding->vec + binding->nr_niovs)
			refs[niov - binding->vec]++;
	}
	pthread_mutex_unlock(&tp->lock);
}

static size_t template_state_bytes(struct dml_token_sock *ts)
{
	struct template_sock *tp = to_tpl(ts);
	size_t bytes;

	pthread_mutex_lock(&tp->lock);
	bytes = sizeof(*tp) + tp->nr_slots * sizeof(*tp->slots);
	pthread_mutex_unlock(&tp->lock);
	return bytes;
}

static const struct dml_token_ops template_ops = {
	.info = {
		.name = "template",
		.autorelease = 1,
		.summary = "an array of token ids under a mutex (the test template)",
	},
	.sock_create = template_sock_create,
	.sock_destroy = template_sock_destroy,
	.assign = template_assign,
	.release = template_release,
	.state_bytes = template_state_bytes,
	.count_refs = template_count_refs,
};

/* The design's one row: it joins the table before main(), as kxarray does. */
__attribute__((constructor)) static void template_register(void)
{
	if (dml_token_design_register(&template_ops))
		abort();
}

/* The conformance suite, run on the cases of this design only. */
int model_main(void);
#define main model_main
#include "test_model.c"
#undef main

int main(void)
{
	const struct dml_token_design_info *info;
	size_t i;

	for (i = 0; (info = dml_token_design(i)); i++)
		if (!strcmp(info->name, "template"))
			break;
	if (!info) {
		printf("1..1\nnot ok 1 - the template design is not in the table\n");
		return 1;
	}
	cmocka_set_test_filter("*@template");
	return model_main();
}
