// SPDX-License-Identifier: MIT
/*
 * S-7.1: real threads race: a NIC thread delivers two flows, each socket has
 * a reader and a returner, and a third thread unbinds mid-stream.  Every byte
 * arrives in order and validated, every token received is released exactly
 * once (DONTNEED counts as many as were received, and none is left held),
 * and afterwards every reference is accounted for.  Run under TSan and ASan
 * by scripts/test.
 */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>

#include "dp_helpers.h"

#define FLOWS		2
#define BYTES		(6u << 20)
#define CHUNK		(64u << 10)
#define TOKEN_QUEUE	4096

struct token_queue {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	uint32_t tokens[TOKEN_QUEUE];
	unsigned int head, count;
	bool done;
};

struct flow_ctx {
	struct dp *dp;
	struct dml_sock *sk;
	struct dml_wire_flow *flow;
	struct token_queue q;
	_Atomic bool joined;		/* read at least one devmem frag */
	uint64_t validated;
	int error;
	unsigned int received;		/* DMABUF cmsgs, one token each */
	uint32_t max_token;
	int returned;			/* DONTNEED's counts, summed */
};

struct race {
	struct dp *dp;
	struct flow_ctx flows[FLOWS];
	_Atomic bool unbound;
};

static void tq_push(struct token_queue *q, uint32_t token)
{
	pthread_mutex_lock(&q->lock);
	while (q->count == TOKEN_QUEUE)
		pthread_cond_wait(&q->cond, &q->lock);
	q->tokens[(q->head + q->count++) % TOKEN_QUEUE] = token;
	pthread_cond_broadcast(&q->cond);
	pthread_mutex_unlock(&q->lock);
}

static void tq_finish(struct token_queue *q)
{
	pthread_mutex_lock(&q->lock);
	q->done = true;
	pthread_cond_broadcast(&q->cond);
	pthread_mutex_unlock(&q->lock);
}

/* Pops up to @max tokens; 0 once the queue is finished and empty. */
static unsigned int tq_pop(struct token_queue *q, uint32_t *out, unsigned int max)
{
	unsigned int n = 0;

	pthread_mutex_lock(&q->lock);
	while (!q->count && !q->done)
		pthread_cond_wait(&q->cond, &q->lock);
	while (q->count && n < max) {
		out[n++] = q->tokens[q->head];
		q->head = (q->head + 1) % TOKEN_QUEUE;
		q->count--;
	}
	pthread_cond_broadcast(&q->cond);
	pthread_mutex_unlock(&q->lock);
	return n;
}

static void *nic_thread(void *arg)
{
	struct race *race = arg;
	unsigned char *chunk = malloc(CHUNK);
	uint64_t sent[FLOWS] = { 0 };
	bool busy = true;
	int i;

	while (busy) {
		busy = false;
		for (i = 0; i < FLOWS; i++) {
			size_t len = BYTES - sent[i] < CHUNK ? BYTES - sent[i] : CHUNK;
			ssize_t n;
			size_t k;

			if (!len)
				continue;
			busy = true;
			for (k = 0; k < len; k++)
				chunk[k] = dp_pattern(sent[i] + k);
			n = dml_wire_send(race->flows[i].flow, chunk, len);
			if (n > 0)
				sent[i] += (uint64_t)n;
			else if (n == -ENOBUFS)
				sched_yield();	/* the consumers will return pages */
			else
				race->flows[i].error = (int)n;
			if (sent[i] == BYTES)
				dml_wire_shutdown(race->flows[i].flow);
		}
	}
	free(chunk);
	return NULL;
}

static void *reader_thread(void *arg)
{
	struct flow_ctx *fc = arg;
	struct dp_read *r = malloc(sizeof(*r));
	size_t i, lin;

	for (;;) {
		dp_recv(fc->sk, sizeof(r->linear), 64 * CMSG_SPACE(sizeof(struct dmabuf_cmsg)),
			MSG_SOCK_DEVMEM, r);
		if (r->ret <= 0) {
			if (r->ret < 0)
				fc->error = (int)r->ret;
			break;
		}
		if (!r->n) {
			/* host memory after the unbind: plain bytes in the iovec */
			for (i = 0; i < (size_t)r->ret; i++)
				if (r->linear[i] != dp_pattern(fc->validated + i))
					fc->error = -EILSEQ;
			fc->validated += (uint64_t)r->ret;
			continue;
		}
		lin = 0;
		for (i = 0; i < r->n; i++) {
			const struct dmabuf_cmsg *c = &r->cm[i].c;
			const unsigned char *src = r->cm[i].type == SCM_DEVMEM_DMABUF
							   ? fc->dp->map + c->frag_offset
							   : r->linear + lin;
			uint32_t k;

			for (k = 0; k < c->frag_size; k++)
				if (src[k] != dp_pattern(fc->validated + k))
					fc->error = -EILSEQ;
			fc->validated += c->frag_size;
			if (r->cm[i].type == SCM_DEVMEM_DMABUF) {
				atomic_store(&fc->joined, true);
				fc->received++;
				if (c->frag_token > fc->max_token)
					fc->max_token = c->frag_token;
				tq_push(&fc->q, c->frag_token);
			} else {
				lin += c->frag_size;
			}
		}
	}
	tq_finish(&fc->q);
	free(r);
	return NULL;
}

static void *returner_thread(void *arg)
{
	struct flow_ctx *fc = arg;
	struct dmabuf_token batch[DML_MAX_DONTNEED_TOKENS];
	uint32_t tokens[DML_MAX_DONTNEED_TOKENS];
	unsigned int n, i;
	int ret;

	while ((n = tq_pop(&fc->q, tokens, DML_MAX_DONTNEED_TOKENS))) {
		for (i = 0; i < n; i++)
			batch[i] = (struct dmabuf_token){ tokens[i], 1 };
		ret = dml_setsockopt(fc->sk, SOL_SOCKET, SO_DEVMEM_DONTNEED, batch,
				     n * sizeof(batch[0]));
		if (ret < 0)
			fc->error = ret;
		else
			fc->returned += ret;
	}
	return NULL;
}

/*
 * S-4.7 / S-5.3 / S-5.4: with every token returned once, none is still
 * held: a DONTNEED over every token the socket could have been given
 * releases nothing.
 */
static void assert_nothing_held(const struct flow_ctx *fc)
{
	uint32_t first = fc->dp->mode ? 1 : 0;
	uint32_t end = fc->dp->mode ? fc->max_token + 1 : (uint32_t)fc->dp->pages;
	uint32_t n;

	/*
	 * autorelease = 1: a held token keeps a page-pool reference, which
	 * keeps the pool and so the binding alive.  With the binding freed
	 * the mode key is back to the default (S-3.4) and DONTNEED follows
	 * the manual rules: EINVAL for a socket that never joined (S-5.4).
	 */
	if (fc->dp->mode && dml_host_autorelease_mode(fc->dp->f->host) != 1) {
		assert_int_equal(dp_dontneed(fc->sk, first, 1), -EINVAL);
		return;
	}
	for (; first < end; first += n) {
		n = end - first < DML_MAX_DONTNEED_FRAGS ? end - first
							  : DML_MAX_DONTNEED_FRAGS;
		assert_int_equal(dp_dontneed(fc->sk, first, n), 0);
	}
}

/* Unbinds once both sockets have joined (a later join would be ENODEV by design). */
static void *unbind_thread(void *arg)
{
	struct race *race = arg;
	int i;

	for (i = 0; i < FLOWS; i++)
		while (!atomic_load(&race->flows[i].joined))
			sched_yield();
	dml_nl_close(race->dp->f->nl);
	race->dp->f->nl = NULL;
	atomic_store(&race->unbound, true);
	return NULL;
}

static void test_race(void **state)
{
	struct dp *dp = *state;
	struct race race = { .dp = dp };
	pthread_t nic, unbind, readers[FLOWS], returners[FLOWS];
	int i;

	for (i = 0; i < FLOWS; i++) {
		struct flow_ctx *fc = &race.flows[i];
		struct dml_wire_flow_config cfg = dp_flow_config((uint16_t)(41000 + i));

		fc->dp = dp;
		pthread_mutex_init(&fc->q.lock, NULL);
		pthread_cond_init(&fc->q.cond, NULL);
		if (i == 0) {
			fc->sk = dp->sk;
			fc->flow = dp->flow;
		} else {
			cfg.mss = 1448;
			cfg.gro_segs = 8;
			assert_ok(dml_wire_connect(dp->f->dev, &cfg, &fc->flow));
			assert_ok(dml_accept(dp->listener, SOCK_NONBLOCK, &fc->sk));
		}
	}
	for (i = 0; i < FLOWS; i++) {
		assert_ok(pthread_create(&readers[i], NULL, reader_thread, &race.flows[i]));
		assert_ok(pthread_create(&returners[i], NULL, returner_thread, &race.flows[i]));
	}
	assert_ok(pthread_create(&unbind, NULL, unbind_thread, &race));
	assert_ok(pthread_create(&nic, NULL, nic_thread, &race));

	assert_ok(pthread_join(nic, NULL));
	assert_ok(pthread_join(unbind, NULL));
	for (i = 0; i < FLOWS; i++) {
		assert_ok(pthread_join(readers[i], NULL));
		assert_ok(pthread_join(returners[i], NULL));
	}
	for (i = 0; i < FLOWS; i++) {
		struct flow_ctx *fc = &race.flows[i];

		assert_int_equal(fc->error, 0);
		assert_int_equal(fc->validated, BYTES);
		/*
		 * S-5.3 / S-5.4: each token was handed back once by the socket
		 * that got it, so each return is a real release, before the
		 * unbind or after it (S-6.3), and none is counted twice.
		 */
		printf("# flow %d: %u tokens received, %d released\n", i,
		       fc->received, fc->returned);
		assert_true(fc->received > 0);
		assert_int_equal(fc->returned, fc->received);
		assert_nothing_held(fc);
		pthread_mutex_destroy(&fc->q.lock);
		pthread_cond_destroy(&fc->q.cond);
	}
	assert_true(atomic_load(&race.unbound));
	dp_assert_clean(dp);

	dml_wire_close(race.flows[1].flow);
	dml_close(race.flows[1].sk);
	/* everything returned and both sockets gone: the binding goes, the mode resets */
	dml_wire_close(dp->flow);
	dml_close(dp->sk);
	dp->flow = NULL;
	dp->sk = NULL;
	assert_int_equal(dml_host_autorelease_mode(dp->f->host), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		{ "race/autorelease=0", test_race, dp_setup0, dp_teardown, NULL },
		{ "race/autorelease=1", test_race, dp_setup1, dp_teardown, NULL },
	};

	return RUN_EVERY_DESIGN(tests);
}
