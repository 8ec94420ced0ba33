// SPDX-License-Identifier: MIT
/*
 * The `rcu` token design (S-8): autorelease = 1 behaviour identical to
 * `xarray` (S-4.4, S-5.1 .. S-5.3, S-6.1) with a lock-free DONTNEED, node
 * growth and RCU-deferred node frees, and DONTNEED calls racing each other
 * and a reader on one socket (S-7.1; run under TSan and ASan).
 */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>

#include "dp_helpers.h"

#define PAGE		DML_PAGE_SIZE
#define SEG		1024	/* four frags, so four tokens, per page */

/* rcu_tree.c's allocation-failure hook. */
#include "tokens/fault.h"

static int setup_design(void **state, const char *design, size_t pages,
			uint32_t mss, uint16_t sport)
{
	struct dml_host_config hcfg = {
		.rx_ring_size = DML_DEFAULT_RX_RING_SIZE,
		.pp_ring_size = DML_DEFAULT_PP_RING_SIZE,
		.token_design = { NULL, design },
	};
	struct dml_wire_flow_config cfg = dp_flow_config(sport);

	cfg.mss = mss;
	return dp_setup_cfg(state, 1, pages, &hcfg, &cfg);
}

static int setup_pages(void **state)
{
	return setup_design(state, "rcu", FIXTURE_PAGES, PAGE, 40100);
}

static int setup_half_pages(void **state)
{
	return setup_design(state, "rcu", FIXTURE_PAGES, PAGE / 2, 40101);
}

/* 1100 tokens and more held: the 1024-frag cap and a multi-level tree. */
static int setup_quarter_512(void **state)
{
	return setup_design(state, "rcu", 512, SEG, 40102);
}

/* Over 4096 tokens held: a three-level tree. */
static int setup_quarter_2048(void **state)
{
	return setup_design(state, "rcu", 2048, SEG, 40103);
}

/* Sends and reads @n frags of @dp's segment size; their tokens in @tokens. */
static void hold(struct dp *dp, size_t n, uint32_t *tokens)
{
	uint64_t pos = dp->sent;
	size_t len = n * dp->cfg.mss;

	assert_int_equal(dp_send(dp, len), len);
	assert_int_equal(dp_recv_tokens(dp, dp->sk, len, pos, tokens, n), n);
}

static long state_bytes(struct dp *dp)
{
	long bytes = dml_sock_token_state_bytes(dp->sk);

	assert_true(bytes > 0);
	return bytes;
}

/* Returns [start, start + count) in entries of at most 1024 frags. */
static int return_range(struct dml_sock *sk, uint32_t start, uint32_t count)
{
	int total = 0, n;

	while (count) {
		uint32_t c = count < DML_MAX_DONTNEED_FRAGS ? count
							    : DML_MAX_DONTNEED_FRAGS;

		n = dp_dontneed(sk, start, c);
		assert_true(n >= 0);
		total += n;
		start += c;
		count -= c;
	}
	return total;
}

/* S-4.4: fresh ids, lowest free first, from 1; a returned id comes back. */
static void test_ids_lowest_free(void **state)
{
	struct dp *dp = *state;
	uint32_t tok[5], again[3], one[1];
	uint32_t k;

	hold(dp, 5, tok);
	for (k = 0; k < 5; k++)
		assert_int_equal(tok[k], k + 1);
	assert_int_equal(dp_dontneed(dp->sk, 2, 1), 1);
	assert_int_equal(dp_dontneed(dp->sk, 4, 1), 1);
	dp_assert_clean(dp);

	/* The next lock round frees 2 and 4 before it allocates. */
	hold(dp, 3, again);
	assert_int_equal(again[0], 2);
	assert_int_equal(again[1], 4);
	assert_int_equal(again[2], 6);

	assert_int_equal(dp_dontneed(dp->sk, 1, 1), 1);
	hold(dp, 1, one);
	assert_int_equal(one[0], 1);
	assert_int_equal(return_range(dp->sk, 1, 6), 6);
	dp_assert_clean(dp);
}

/* S-4.4: two frags of one net_iov get two tokens, one reference each. */
static void test_two_frags_two_tokens(void **state)
{
	struct dp *dp = *state;
	struct dp_read *r = malloc(sizeof(*r));
	uint32_t tokens[2];
	size_t i, n = 0;

	assert_non_null(r);
	assert_int_equal(dp_send(dp, PAGE), PAGE);
	dp_recv(dp->sk, PAGE, 8 * CMSG_SPACE(sizeof(struct dmabuf_cmsg)),
		MSG_SOCK_DEVMEM | MSG_DONTWAIT, r);
	assert_int_equal(r->ret, PAGE);
	dp_verify(dp, r, 0);
	for (i = 0; i < r->n; i++) {
		if (r->cm[i].type != SCM_DEVMEM_DMABUF)
			continue;
		assert_true(n < 2);
		tokens[n++] = r->cm[i].c.frag_token;
	}
	assert_int_equal(n, 2);
	assert_int_equal(tokens[0], 1);
	assert_int_equal(tokens[1], 2);
	dp_assert_clean(dp);
	/* one page, two tokens: the page stays out until both are back */
	assert_int_equal(dp_dontneed(dp->sk, 1, 1), 1);
	dp_assert_clean(dp);
	assert_int_equal(dp_dontneed(dp->sk, 2, 1), 1);
	dp_assert_clean(dp);
	free(r);
}

/*
 * S-5.1, S-5.3: token 0, ids never issued and ids already returned are
 * skipped and not counted; u32 wrap-around is harmless; optlen 0 is valid.
 */
static void test_dontneed_rules(void **state)
{
	struct dp *dp = *state;
	struct dmabuf_token t[4] = {
		{ 0, 1 },		/* token 0 */
		{ 0xfffffffeu, 3 },	/* wraps: 0xfffffffe, 0xffffffff, 0 */
		{ 100, 50 },		/* never issued */
		{ 0x80000000u, 1 },	/* past the id limit */
	};
	uint32_t tok[5];

	hold(dp, 5, tok);
	assert_int_equal(dp_dontneed_v(dp->sk, t, 4), 0);
	assert_int_equal(dml_setsockopt(dp->sk, SOL_SOCKET, SO_DEVMEM_DONTNEED, t, 0), 0);
	/* wrap into held ids: 0xffffffff, 0 and 1: only token 1 counts */
	assert_int_equal(dp_dontneed(dp->sk, 0xffffffffu, 3), 1);
	assert_int_equal(dp_dontneed(dp->sk, 1, 1), 0);	/* returned already */
	assert_int_equal(dp_dontneed(dp->sk, 3, 1), 1);
	dp_assert_clean(dp);
	/* 1 and 3 are gone: of [1, 10) only 2, 4 and 5 are released */
	assert_int_equal(dp_dontneed(dp->sk, 1, 9), 3);
	assert_int_equal(dp_dontneed(dp->sk, 1, 9), 0);
	dp_assert_clean(dp);
}

/* S-5.2: at most 1024 frags per call, counted over every entry. */
static void test_dontneed_frag_cap(void **state)
{
	struct dp *dp = *state;
	struct dmabuf_token t[3];
	uint32_t *tok = malloc(1100 * sizeof(*tok));

	assert_non_null(tok);
	hold(dp, 1100, tok);
	assert_int_equal(tok[1099], 1100);
	assert_int_equal(dp_dontneed(dp->sk, 1, 2000), 1024);
	/* the first 1024 ids are free now, yet each still counts against the cap */
	assert_int_equal(dp_dontneed(dp->sk, 1, 2000), 0);
	t[0] = (struct dmabuf_token){ 1025, 50 };
	t[1] = (struct dmabuf_token){ 1, 1000 };
	t[2] = (struct dmabuf_token){ 1075, 26 };
	assert_int_equal(dp_dontneed_v(dp->sk, t, 3), 50);
	assert_int_equal(dp_dontneed_v(dp->sk, &t[2], 1), 26);
	dp_assert_clean(dp);
	free(tok);
}

/* S-6.1: close returns every token held, a multi-level tree included. */
static void test_close_returns_all(void **state)
{
	struct dp *dp = *state;
	uint32_t *tok = malloc(1500 * sizeof(*tok));
	struct dml_rxq_info info;

	assert_non_null(tok);
	hold(dp, 1500, tok);
	assert_int_equal(dp_dontneed(dp->sk, 700, 100), 100);
	/* two pages more, left unread */
	assert_int_equal(dp_send(dp, 2 * PAGE), 2 * PAGE);
	dp_assert_clean(dp);

	dml_close(dp->sk);
	dp->sk = NULL;
	dp_assert_clean(dp);
	/* everything is back: the ring fills up again from the pool */
	dml_netdev_rxq_refill(dp->f->dev, DP_QUEUE);
	assert_ok(dml_netdev_rxq_info(dp->f->dev, DP_QUEUE, &info));
	assert_int_equal(info.posted, DML_DEFAULT_RX_RING_SIZE);
	dp_unbind(dp);
	assert_int_equal(dp_pool_inflight(dp, dp->binding_id), -1);
	assert_int_equal(dml_host_autorelease_mode(dp->f->host), -1);
	free(tok);
}

/*
 * Node growth and node frees: the tree grows to three levels for ids over
 * 4095, keeps a node per 64 ids, gives emptied leaves to call_rcu and folds
 * back to nothing.  Node counts follow from state_bytes: with ids 1..64 the
 * tree is a top and two leaves, with ids 1..4200 a top, two middle nodes
 * and 66 leaves.
 */
static void test_node_growth_and_free(void **state)
{
	struct dp *dp = *state;
	enum { HELD = 4200 };
	uint32_t *tok = malloc(HELD * sizeof(*tok));
	struct dmabuf_token *odd = malloc(DML_MAX_DONTNEED_TOKENS * sizeof(*odd));
	long empty, small, full, node;
	uint32_t id, n;
	int released = 0;

	assert_non_null(tok);
	assert_non_null(odd);
	empty = state_bytes(dp);
	hold(dp, 64, tok);
	small = state_bytes(dp);
	node = (small - empty) / 3;
	assert_true(node > 0);
	assert_int_equal(small - empty, 3 * node);

	hold(dp, HELD - 64, tok + 64);
	assert_int_equal(tok[HELD - 1], HELD);
	full = state_bytes(dp);
	assert_int_equal(full - empty, 69 * node);
	dp_assert_clean(dp);

	/* Odd ids only: every leaf keeps half its tokens, no node goes. */
	for (id = 1; id <= HELD;) {
		for (n = 0; n < DML_MAX_DONTNEED_TOKENS && id <= HELD; n++, id += 2)
			odd[n] = (struct dmabuf_token){ id, 1 };
		released += dp_dontneed_v(dp->sk, odd, n);
	}
	assert_int_equal(released, HELD / 2);
	assert_int_equal(state_bytes(dp), full);
	dp_assert_clean(dp);

	/* The rest: every node is unlinked and the tree is empty again. */
	assert_int_equal(return_range(dp->sk, 1, HELD), HELD / 2);
	assert_int_equal(state_bytes(dp), empty);
	dp_assert_clean(dp);

	/* Ids start over from 1, nodes come back. */
	hold(dp, 64, tok);
	assert_int_equal(tok[0], 1);
	assert_int_equal(tok[63], 64);
	assert_int_equal(state_bytes(dp), small);
	assert_int_equal(return_range(dp->sk, 1, 64), 64);
	assert_int_equal(state_bytes(dp), empty);
	dp_assert_clean(dp);
	free(odd);
	free(tok);
}

/*
 * A node allocation that fails leaves the tree as it was: recvmsg gets
 * -ENOMEM (nothing delivered, nothing referenced) and the next call
 * delivers.  At id 4096 the tree needs a new top, a middle node and a
 * leaf: failing each in turn unwinds the ones already linked.
 */
static void test_alloc_failure(void **state)
{
	struct dp *dp = *state;
	enum { HELD = 4095 };
	uint32_t *tok = malloc((HELD + 1) * sizeof(*tok));
	struct dp_read *r = malloc(sizeof(*r));
	long before;
	unsigned int fail;

	assert_non_null(tok);
	assert_non_null(r);
	hold(dp, HELD, tok);
	before = state_bytes(dp);
	assert_int_equal(dp_send(dp, SEG), SEG);
	for (fail = 1; fail <= 3; fail++) {
		dml_rt_fail_next_alloc = fail;
		dp_recv(dp->sk, SEG, 8 * CMSG_SPACE(sizeof(struct dmabuf_cmsg)),
			MSG_SOCK_DEVMEM | MSG_DONTWAIT, r);
		assert_errno(r->ret, -ENOMEM);
		assert_int_equal(dml_rt_fail_next_alloc, 0);
		assert_int_equal(state_bytes(dp), before);
		dp_assert_clean(dp);
	}
	assert_int_equal(dp_recv_tokens(dp, dp->sk, SEG, dp->sent - SEG, tok + HELD, 1), 1);
	assert_int_equal(tok[HELD], HELD + 1);
	assert_true(state_bytes(dp) > before);
	assert_int_equal(return_range(dp->sk, 1, HELD + 1), HELD + 1);
	dp_assert_clean(dp);
	free(r);
	free(tok);
}

/*
 * S-4.4, S-5.3: the same script of reads and returns gives the same ids
 * and the same return counts on `rcu` as on `xarray`.
 */
static void test_same_ids_as_xarray(void **state)
{
	enum { STEPS = 300, MAX_HELD = 40 };
	const char *designs[2] = { "xarray", "rcu" };
	uint32_t log[2][STEPS * 8];
	size_t logged[2] = { 0, 0 };
	int d;

	(void)state;
	for (d = 0; d < 2; d++) {
		uint32_t held[MAX_HELD + 8], tok[8], seed = 12345;
		size_t nheld = 0, step, k;
		void *s;
		struct dp *dp;

		assert_ok(setup_design(&s, designs[d], FIXTURE_PAGES, PAGE / 2,
				       (uint16_t)(40110 + d)));
		dp = s;
		for (step = 0; step < STEPS; step++) {
			uint32_t pick;

			seed = seed * 1103515245u + 12345u;
			pick = (seed >> 16) % 8;
			if (pick < 4 && nheld + pick + 1 <= MAX_HELD) {
				hold(dp, pick + 1, tok);
				for (k = 0; k <= pick; k++) {
					held[nheld++] = tok[k];
					log[d][logged[d]++] = tok[k];
				}
			} else if (nheld) {
				/* a held id, or a short range around it */
				size_t at = (seed >> 8) % nheld;
				uint32_t count = pick == 7 ? 3 : 1;
				uint32_t start = held[at] > 1 && count > 1 ? held[at] - 1
									   : held[at];
				int n = dp_dontneed(dp->sk, start, count);
				size_t w = 0;

				assert_true(n >= 1);
				log[d][logged[d]++] = 0x80000000u | (uint32_t)n;
				for (k = 0; k < nheld; k++)
					if (held[k] < start || held[k] >= start + count)
						held[w++] = held[k];
				assert_int_equal(nheld - w, n);
				nheld = w;
			}
		}
		dp_assert_clean(dp);
		assert_ok(dp_teardown(&s));
	}
	assert_int_equal(logged[0], logged[1]);
	assert_memory_equal(log[0], log[1], logged[0] * sizeof(log[0][0]));
}

/* ---- S-7.1: DONTNEED calls racing each other and a reader ------------- */

struct returner {
	struct dml_sock *sk;
	pthread_barrier_t *start;
	uint32_t first, last;	/* ids swept, both included */
	uint32_t per_entry;	/* ids per entry */
	/* sweeps again while it is NULL or false, after the first */
	_Atomic bool *until;
	long released;
	int error;
};

static void sweep(struct returner *rt)
{
	struct dmabuf_token t[DML_MAX_DONTNEED_TOKENS];
	uint32_t id = rt->first;
	unsigned int n;
	int ret;

	while (id <= rt->last) {
		for (n = 0; n < DML_MAX_DONTNEED_TOKENS && id <= rt->last; n++) {
			uint32_t c = rt->last - id + 1 < rt->per_entry ? rt->last - id + 1
								       : rt->per_entry;

			t[n] = (struct dmabuf_token){ id, c };
			id += c;
		}
		ret = dp_dontneed_v(rt->sk, t, n);
		if (ret < 0)
			rt->error = ret;
		else
			rt->released += ret;
	}
}

static void *returner_thread(void *arg)
{
	struct returner *rt = arg;

	pthread_barrier_wait(rt->start);
	do
		sweep(rt);
	while (rt->until && !atomic_load(rt->until) && !rt->error);
	return NULL;
}

/*
 * S-7.1: two threads return the same 2000 tokens at once, one id per entry
 * so they collide on every slot: each token is released exactly once in
 * total, and the ids come back for the next round.
 */
static void test_race_same_tokens(void **state)
{
	struct dp *dp = *state;
	enum { HELD = 2000, ROUNDS = 5 };
	uint32_t *tok = malloc(HELD * sizeof(*tok));
	pthread_barrier_t start;
	int round, i;

	assert_non_null(tok);
	for (round = 0; round < ROUNDS; round++) {
		struct returner rt[2];
		pthread_t th[2];

		hold(dp, HELD, tok);
		assert_int_equal(tok[0], 1);
		assert_int_equal(tok[HELD - 1], HELD);
		assert_ok(pthread_barrier_init(&start, NULL, 2));
		for (i = 0; i < 2; i++) {
			rt[i] = (struct returner){
				.sk = dp->sk, .start = &start, .first = 1,
				.last = HELD, .per_entry = 1,
			};
			assert_ok(pthread_create(&th[i], NULL, returner_thread, &rt[i]));
		}
		for (i = 0; i < 2; i++) {
			assert_ok(pthread_join(th[i], NULL));
			assert_int_equal(rt[i].error, 0);
		}
		pthread_barrier_destroy(&start);
		assert_int_equal(rt[0].released + rt[1].released, HELD);
		dp_assert_clean(dp);
	}
	free(tok);
}

struct reader {
	struct dp *dp;
	pthread_barrier_t *start;
	_Atomic bool *done;
	uint32_t *tokens;	/* every token it received, in order */
	size_t target, received, returned_upto;
	long released;
	uint32_t max_id;
	int error;
};

/* Gives back up to 128 of its oldest tokens, so the pool refills. */
static void reader_return_oldest(struct reader *rd)
{
	struct dmabuf_token t[DML_MAX_DONTNEED_TOKENS];
	size_t n = 0;
	int ret;

	while (n < DML_MAX_DONTNEED_TOKENS && rd->returned_upto < rd->received)
		t[n++] = (struct dmabuf_token){ rd->tokens[rd->returned_upto++], 1 };
	ret = dp_dontneed_v(rd->dp->sk, t, n);
	if (ret < 0)
		rd->error = ret;
	else
		rd->released += ret;
}

/* Receives @target tokens, 16 frags at a time, sending as the peer too. */
static void *reader_thread(void *arg)
{
	struct reader *rd = arg;
	unsigned char *chunk = calloc(16, SEG);
	struct dp_read *r = malloc(sizeof(*r));
	size_t i;

	pthread_barrier_wait(rd->start);
	while (rd->received < rd->target && !rd->error) {
		ssize_t sent = dml_wire_send(rd->dp->flow, chunk, 16 * SEG);

		if (sent == -ENOBUFS) {
			/* what it still holds may all be gone to the returners */
			if (rd->returned_upto == rd->received)
				sched_yield();
			else
				reader_return_oldest(rd);
			continue;
		}
		if (sent < 0) {
			rd->error = (int)sent;
			break;
		}
		dp_recv(rd->dp->sk, sizeof(r->linear),
			DP_MAX_CMSGS * CMSG_SPACE(sizeof(struct dmabuf_cmsg)),
			MSG_SOCK_DEVMEM | MSG_DONTWAIT, r);
		if (r->ret < 0 && r->ret != -EAGAIN) {
			rd->error = (int)r->ret;
			break;
		}
		for (i = 0; i < r->n; i++) {
			uint32_t token = r->cm[i].c.frag_token;

			if (r->cm[i].type != SCM_DEVMEM_DMABUF)
				continue;
			if (rd->received == rd->target + DP_MAX_CMSGS) {
				rd->error = -EOVERFLOW;
				break;
			}
			rd->tokens[rd->received++] = token;
			if (token > rd->max_id)
				rd->max_id = token;
		}
	}
	atomic_store(rd->done, true);
	free(r);
	free(chunk);
	return NULL;
}

/*
 * S-7.1: while a reader keeps receiving on the socket (reserving ids,
 * committing them, draining claims, unlinking nodes and handing them to
 * call_rcu under the lock), two threads sweep overlapping ranges of the
 * 2000 ids held before it started, again and again until the reader is
 * done.  The returners free ids, the reader takes them again at once, the
 * sweeps take those too, and leaves empty and come back: what is checked
 * is that every token issued is released exactly once in total, counting a
 * final sweep after the threads are done.
 */
static void test_race_with_reader(void **state)
{
	struct dp *dp = *state;
	enum { HELD = 2000, READ = 20000 };
	uint32_t *tok = malloc(HELD * sizeof(*tok));
	pthread_barrier_t start;
	_Atomic bool done = false;
	struct returner rt[2] = {
		{ .first = 1, .last = 3 * HELD / 4, .per_entry = 16 },
		{ .first = HELD / 4, .last = HELD, .per_entry = 5 },
	};
	struct reader rd = {
		.dp = dp, .start = &start, .done = &done, .target = READ,
	};
	pthread_t th[3];
	long total, final;
	int i;

	assert_non_null(tok);
	rd.tokens = malloc((READ + DP_MAX_CMSGS) * sizeof(*rd.tokens));
	assert_non_null(rd.tokens);
	hold(dp, HELD, tok);
	assert_ok(pthread_barrier_init(&start, NULL, 3));
	for (i = 0; i < 2; i++) {
		rt[i].sk = dp->sk;
		rt[i].start = &start;
		rt[i].until = &done;
		assert_ok(pthread_create(&th[i], NULL, returner_thread, &rt[i]));
	}
	assert_ok(pthread_create(&th[2], NULL, reader_thread, &rd));
	for (i = 0; i < 3; i++)
		assert_ok(pthread_join(th[i], NULL));
	pthread_barrier_destroy(&start);
	assert_int_equal(rd.error, 0);
	assert_int_equal(rt[0].error, 0);
	assert_int_equal(rt[1].error, 0);
	assert_true(rd.received >= READ);

	final = return_range(dp->sk, 1, rd.max_id > HELD ? rd.max_id : HELD);
	total = rt[0].released + rt[1].released + rd.released + final;
	assert_int_equal(total, HELD + (long)rd.received);
	dp_assert_clean(dp);
	free(rd.tokens);
	free(tok);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		{ "ids/lowest-free", test_ids_lowest_free, setup_pages, dp_teardown, NULL },
		{ "ids/two-frags-two-tokens", test_two_frags_two_tokens, setup_half_pages,
		  dp_teardown, NULL },
		{ "ids/same-as-xarray", test_same_ids_as_xarray, NULL, NULL, NULL },
		{ "dontneed/rules", test_dontneed_rules, setup_pages, dp_teardown, NULL },
		{ "dontneed/frag-cap", test_dontneed_frag_cap, setup_quarter_512,
		  dp_teardown, NULL },
		{ "close/returns-all", test_close_returns_all, setup_quarter_512,
		  dp_teardown, NULL },
		{ "tree/growth-and-free", test_node_growth_and_free, setup_quarter_2048,
		  dp_teardown, NULL },
		{ "tree/alloc-failure", test_alloc_failure, setup_quarter_2048,
		  dp_teardown, NULL },
		{ "race/same-tokens", test_race_same_tokens, setup_quarter_2048,
		  dp_teardown, NULL },
		{ "race/with-reader", test_race_with_reader, setup_quarter_2048,
		  dp_teardown, NULL },
	};

	return RUN_TESTS(tests);
}
