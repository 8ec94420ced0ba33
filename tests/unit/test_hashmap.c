// SPDX-License-Identifier: MIT
/*
 * The `hashmap` token design (SPEC S-8) on its own: the autorelease = 1
 * behaviour it must keep (S-4.4, S-5.1 .. S-5.3, S-6.1) where its structure
 * is most likely to break it: ids far past one bitmap word, thousands of
 * tokens through table and bitmap resizes, DONTNEED across the 16-entry put
 * batches, and every allocation failing in turn.  The conformance suites
 * (recvmsg, dontneed, teardown, threads, model) also run once @hashmap.
 */
#include <limits.h>

#include "dp_helpers.h"

#define PAGE		DML_PAGE_SIZE
#define MANY		5000

/* The design's fault hook: the Nth allocation from now fails. */
#include "tokens/fault.h"

static int hm_setup(void **state, size_t pages, uint32_t gro_segs)
{
	struct dml_host_config hcfg = {
		.rx_ring_size = DML_DEFAULT_RX_RING_SIZE,
		.pp_ring_size = DML_DEFAULT_PP_RING_SIZE,
		.token_design = { [1] = "hashmap" },
	};
	struct dml_wire_flow_config cfg = dp_flow_config(40100);

	cfg.gro_segs = gro_segs;
	dml_hashmap_fail_next_alloc = 0;
	return dp_setup_cfg(state, 1, pages, &hcfg, &cfg);
}

static int hm_setup_small(void **state)
{
	return hm_setup(state, FIXTURE_PAGES, 1);
}

static int hm_setup_512(void **state)
{
	return hm_setup(state, 512, 1);
}

static int hm_setup_2048(void **state)
{
	return hm_setup(state, 2048, 1);
}

static int hm_setup_many(void **state)
{
	return hm_setup(state, MANY + 1024, 16);
}

static int hm_setup_gro3(void **state)
{
	return hm_setup(state, FIXTURE_PAGES, 3);
}

static int hm_teardown(void **state)
{
	/* A hook left armed would fail some later allocation: a test bug. */
	bool armed = dml_hashmap_fail_next_alloc != 0;

	dml_hashmap_fail_next_alloc = 0;
	return dp_teardown(state) || armed ? -1 : 0;
}

/* Sends and reads @pages pages, 64 at a time; their tokens go to @tokens. */
static void hold(struct dp *dp, size_t pages, uint32_t *tokens)
{
	size_t done = 0;

	while (done < pages) {
		size_t n = pages - done < 64 ? pages - done : 64;
		uint64_t pos = dp->sent;

		assert_int_equal(dp_send(dp, n * PAGE), n * PAGE);
		assert_int_equal(dp_recv_tokens(dp, dp->sk, n * PAGE, pos,
						tokens + done, n),
				 n);
		done += n;
	}
}

static unsigned int posted(struct dp *dp)
{
	struct dml_rxq_info info;

	assert_ok(dml_netdev_rxq_info(dp->f->dev, DP_QUEUE, &info));
	return info.posted;
}

static long state_bytes(struct dp *dp)
{
	long bytes = dml_sock_token_state_bytes(dp->sk);

	assert_true(bytes > 0);
	return bytes;
}

/*
 * S-4.4: the lowest free id from 1, one entry allocated per token, and a
 * returned id handed out again before any new one, lowest first, wherever
 * it sits in the bitmap (first word, word boundaries, a later word).
 */
static void test_lowest_free_ids(void **state)
{
	struct dp *dp = *state;
	static const uint32_t back[] = { 150, 3, 128, 64, 65 };
	uint32_t tok[200];
	size_t k;

	/* the hook counts this design's allocations: one per token here */
	dml_hashmap_fail_next_alloc = UINT_MAX;
	hold(dp, 3, tok);
	assert_int_equal(dml_hashmap_fail_next_alloc, UINT_MAX - 3);
	dml_hashmap_fail_next_alloc = 0;
	for (k = 0; k < 3; k++)
		assert_int_equal(tok[k], k + 1);
	assert_int_equal(dp_dontneed(dp->sk, 2, 1), 1);
	hold(dp, 2, tok);
	assert_int_equal(tok[0], 2);
	assert_int_equal(tok[1], 4);
	assert_int_equal(dp_dontneed(dp->sk, 1, 4), 4);
	dp_assert_clean(dp);

	hold(dp, 200, tok);
	for (k = 0; k < 200; k++)
		assert_int_equal(tok[k], k + 1);
	for (k = 0; k < 5; k++)
		assert_int_equal(dp_dontneed(dp->sk, back[k], 1), 1);
	hold(dp, 6, tok);
	assert_int_equal(tok[0], 3);
	assert_int_equal(tok[1], 64);
	assert_int_equal(tok[2], 65);
	assert_int_equal(tok[3], 128);
	assert_int_equal(tok[4], 150);
	assert_int_equal(tok[5], 201);
	dp_assert_clean(dp);
	assert_int_equal(dp_dontneed(dp->sk, 1, 201), 201);
	dp_assert_clean(dp);

	/* everything back: ids start from 1 again */
	hold(dp, 1, tok);
	assert_int_equal(tok[0], 1);
	assert_int_equal(dp_dontneed(dp->sk, 1, 1), 1);
}

/*
 * S-4.4 / S-4.7 / S-5.3 with 5000 tokens held through 16-frag skbs: the ids
 * are exactly 1..5000, the table has grown to at least one bucket per
 * token and the bitmap past its first 1024 ids; every reference is
 * accounted for.  Odd ids returned come back lowest first; then returning
 * everything, 1024 ids per call, counts each token once, gives every page
 * back to the pool and frees every entry (table and bitmap keep their peak
 * size: this design never shrinks them).
 */
static void test_many_tokens_resize(void **state)
{
	struct dp *dp = *state;
	struct dmabuf_token t[DML_MAX_DONTNEED_TOKENS];
	uint32_t *tok = calloc(MANY, sizeof(*tok));
	long idle, entry, full, released = 0;
	uint32_t start, id;
	size_t k, n;

	assert_non_null(tok);
	idle = state_bytes(dp);
	hold(dp, 1, tok);
	entry = state_bytes(dp) - idle;
	assert_true(entry >= (long)(2 * sizeof(void *)));
	assert_int_equal(dp_dontneed(dp->sk, tok[0], 1), 1);
	assert_int_equal(state_bytes(dp), idle);

	hold(dp, MANY, tok);
	for (k = 0; k < MANY; k++)
		assert_int_equal(tok[k], k + 1);
	full = state_bytes(dp);
	/* >= 8192 buckets where there were 16: load factor at most 1 */
	assert_true(full - idle - MANY * entry >=
		    (long)((8192 - 16) * sizeof(void *)));
	dp_assert_clean(dp);

	/* the odd ids, 128 entries per call */
	for (id = 1; id <= MANY;) {
		for (n = 0; n < DML_MAX_DONTNEED_TOKENS && id <= MANY; n++) {
			t[n] = (struct dmabuf_token){ id, 1 };
			id += 2;
		}
		assert_int_equal(dp_dontneed_v(dp->sk, t, n), n);
	}
	dp_assert_clean(dp);
	hold(dp, 3, tok);
	assert_int_equal(tok[0], 1);
	assert_int_equal(tok[1], 3);
	assert_int_equal(tok[2], 5);

	for (start = 0; start <= MANY; start += DML_MAX_DONTNEED_FRAGS)
		released += dp_dontneed(dp->sk, start, DML_MAX_DONTNEED_FRAGS);
	assert_int_equal(released, MANY / 2 + 3);
	assert_int_equal(dp_dontneed(dp->sk, 0, DML_MAX_DONTNEED_FRAGS), 0);
	dp_assert_clean(dp);
	assert_int_equal(full - state_bytes(dp), MANY * entry);

	/* every page is back: the only ones out of the pool are on the ring */
	assert_true(dml_netdev_rxq_refill(dp->f->dev, DP_QUEUE) > 0);
	assert_int_equal(posted(dp), DML_DEFAULT_RX_RING_SIZE);
	assert_int_equal(dp_pool_inflight(dp, dp->binding_id),
			 DML_DEFAULT_RX_RING_SIZE);
	/* and ids start from 1 again */
	hold(dp, 2, tok);
	assert_int_equal(tok[0], 1);
	assert_int_equal(tok[1], 2);
	assert_int_equal(dp_dontneed(dp->sk, 1, 2), 2);
	dp_assert_clean(dp);
	free(tok);
}

/*
 * S-5.1 .. S-5.3: the call returns the frags really released; token 0,
 * ids never issued, already returned, or named twice are skipped and not
 * counted; start + j wraps harmlessly; 1024 frags end the call, counted
 * over all entries; one call releases across several 16-entry batches.
 */
static void test_dontneed_rules(void **state)
{
	struct dp *dp = *state;
	struct dmabuf_token twice[2] = { { 2, 1 }, { 2, 1 } };
	struct dmabuf_token limit[2] = { { 100, 1020 }, { 3, 10 } };
	uint32_t tok[40];

	hold(dp, 40, tok);
	assert_int_equal(tok[39], 40);
	assert_int_equal(dp_dontneed(dp->sk, 0, 1), 0);
	assert_int_equal(dp_dontneed(dp->sk, 41, 100), 0);
	assert_int_equal(dp_dontneed(dp->sk, 0x7FFFFFFFu, 1), 0);
	assert_int_equal(dp_dontneed(dp->sk, 0x80000000u, 1), 0);
	assert_int_equal(dp_dontneed(dp->sk, 0xFFFFFFFFu, 1), 0);
	dp_assert_clean(dp);

	/* 0xFFFFFFFE, 0xFFFFFFFF, 0, 1: only 1 is real */
	assert_int_equal(dp_dontneed(dp->sk, 0xFFFFFFFEu, 4), 1);
	assert_int_equal(dp_dontneed(dp->sk, 1, 1), 0);
	assert_int_equal(dp_dontneed_v(dp->sk, twice, 2), 1);
	dp_assert_clean(dp);

	/* 1020 frags of nothing, then 4 of the second entry: ids 3 .. 6 */
	assert_int_equal(dp_dontneed_v(dp->sk, limit, 2), 4);
	assert_int_equal(dp_dontneed(dp->sk, 3, 4), 0);
	dp_assert_clean(dp);

	/* ids 0 .. 1023 in one entry: the other 34 (7 .. 40), three batches */
	assert_int_equal(dp_dontneed(dp->sk, 0, 0xFFFFFFFFu), 34);
	assert_int_equal(dp_dontneed(dp->sk, 0, 0xFFFFFFFFu), 0);
	dp_assert_clean(dp);
	assert_true(dml_netdev_rxq_refill(dp->f->dev, DP_QUEUE) > 0);
	assert_int_equal(posted(dp), FIXTURE_PAGES);
}

/*
 * S-6.1: closing the socket returns every token it still holds, with ids
 * freed in the middle and more than a batch of them, and drops what it
 * never read: every page goes back, and the binding is freed at unbind.
 */
static void test_close_returns_everything(void **state)
{
	struct dp *dp = *state;
	uint32_t tok[40];
	uint32_t id;

	hold(dp, 40, tok);
	for (id = 5; id <= 40; id += 4)
		assert_int_equal(dp_dontneed(dp->sk, id, 1), 1);
	assert_int_equal(dml_netdev_rxq_refill(dp->f->dev, DP_QUEUE), 9);
	/* two pages left unread */
	assert_int_equal(dp_send(dp, 2 * PAGE), 2 * PAGE);
	assert_int_equal(posted(dp), FIXTURE_PAGES - 33);
	dp_assert_clean(dp);

	dml_close(dp->sk);
	dp->sk = NULL;
	dp_assert_clean(dp);
	assert_int_equal(dml_netdev_rxq_refill(dp->f->dev, DP_QUEUE), 33);
	assert_int_equal(posted(dp), FIXTURE_PAGES);
	assert_int_equal(dml_host_autorelease_mode(dp->f->host), 1);

	dp_unbind(dp);
	assert_int_equal(dp_pool_inflight(dp, dp->binding_id), -1);
	assert_int_equal(dml_host_autorelease_mode(dp->f->host), -1);
}

/*
 * Socket creation: each of the design's three allocations failing in turn
 * is -ENOMEM with nothing left behind (the sanitizer build checks leaks).
 */
static void test_enomem_socket(void **state)
{
	struct dp *dp = *state;
	struct dml_sock *sk;
	unsigned int n;

	for (n = 1; n <= 3; n++) {
		dml_hashmap_fail_next_alloc = n;
		assert_errno(dml_socket(dp->f->host, SOCK_STREAM, &sk),
			     -ENOMEM);
		assert_int_equal(dml_hashmap_fail_next_alloc, 0);
	}
	dml_hashmap_fail_next_alloc = 4;
	assert_ok(dml_socket(dp->f->host, SOCK_STREAM, &sk));
	assert_int_equal(dml_hashmap_fail_next_alloc, 1);
	dml_hashmap_fail_next_alloc = 0;
	dml_close(sk);
	dp_assert_clean(dp);
}

/*
 * S-4.4 / S-4.6 / S-4.7: no entry for the first frag is -ENOMEM with
 * nothing consumed, no token and no reference; no entry for a later skb
 * ends the call with what was delivered.  The ids are then issued as if
 * the failures never happened.
 */
static void test_enomem_entry(void **state)
{
	struct dp *dp = *state;
	struct dp_read *r = malloc(sizeof(*r));

	assert_non_null(r);
	assert_int_equal(dp_send(dp, 3 * PAGE), 3 * PAGE);
	dml_hashmap_fail_next_alloc = 1;
	dp_recv(dp->sk, 65536, DP_MAX_CMSGS * 40, MSG_SOCK_DEVMEM, r);
	assert_int_equal(r->ret, -ENOMEM);
	assert_int_equal(dml_hashmap_fail_next_alloc, 0);
	dp_assert_clean(dp);

	/* the second skb's entry fails: the first skb is all this call gets */
	dml_hashmap_fail_next_alloc = 2;
	dp_recv(dp->sk, 65536, DP_MAX_CMSGS * 40, MSG_SOCK_DEVMEM, r);
	assert_int_equal(r->ret, PAGE);
	assert_int_equal(r->n, 1);
	assert_int_equal(r->cm[0].c.frag_token, 1);
	dp_verify(dp, r, 0);
	dp_assert_clean(dp);

	dp_recv(dp->sk, 65536, DP_MAX_CMSGS * 40, MSG_SOCK_DEVMEM, r);
	assert_int_equal(r->ret, 2 * PAGE);
	assert_int_equal(r->n, 2);
	assert_int_equal(r->cm[0].c.frag_token, 2);
	assert_int_equal(r->cm[1].c.frag_token, 3);
	dp_verify(dp, r, PAGE);
	assert_int_equal(dp_dontneed(dp->sk, 1, 3), 3);
	dp_assert_clean(dp);
	free(r);
}

/*
 * S-4.4 / S-4.6: one lock round reserves an id per frag of the skb (here
 * three); a read that ends inside the skb commits the ids it used and
 * gives the rest back, so the next read gets them again.
 */
static void test_reservation_rollback(void **state)
{
	struct dp *dp = *state;
	struct dp_read *r = malloc(sizeof(*r));

	assert_non_null(r);
	assert_int_equal(dp_send(dp, 3 * PAGE), 3 * PAGE);
	dml_hashmap_fail_next_alloc = UINT_MAX;
	dp_recv(dp->sk, PAGE + 10, DP_MAX_CMSGS * 40, MSG_SOCK_DEVMEM, r);
	/* three entries for three ids, one of them given back */
	assert_int_equal(dml_hashmap_fail_next_alloc, UINT_MAX - 3);
	dml_hashmap_fail_next_alloc = 0;
	assert_int_equal(r->ret, PAGE + 10);
	assert_int_equal(r->n, 2);
	assert_int_equal(r->cm[0].c.frag_token, 1);
	assert_int_equal(r->cm[1].c.frag_token, 2);
	dp_assert_clean(dp);
	/* a DONTNEED of the id given back finds nothing */
	assert_int_equal(dp_dontneed(dp->sk, 3, 1), 0);

	dp_recv(dp->sk, 65536, DP_MAX_CMSGS * 40, MSG_SOCK_DEVMEM, r);
	assert_int_equal(r->ret, 2 * PAGE - 10);
	assert_int_equal(r->n, 2);
	assert_int_equal(r->cm[0].c.frag_token, 3);
	assert_int_equal(r->cm[1].c.frag_token, 4);
	assert_int_equal(dp_dontneed(dp->sk, 1, 4), 4);
	dp_assert_clean(dp);
	free(r);
}

/*
 * S-4.4: a reservation cut short (the second of a 3-frag skb's entries
 * cannot be allocated) is not an error: the skb's later frags reserve
 * again, and the call delivers all three with ids 1, 2, 3.
 */
static void test_enomem_short_reservation(void **state)
{
	struct dp *dp = *state;
	struct dp_read *r = malloc(sizeof(*r));
	size_t k;

	assert_non_null(r);
	assert_int_equal(dp_send(dp, 3 * PAGE), 3 * PAGE);
	dml_hashmap_fail_next_alloc = 2;
	dp_recv(dp->sk, 65536, DP_MAX_CMSGS * 40, MSG_SOCK_DEVMEM, r);
	assert_int_equal(dml_hashmap_fail_next_alloc, 0);
	assert_int_equal(r->ret, 3 * PAGE);
	assert_int_equal(r->n, 3);
	for (k = 0; k < 3; k++)
		assert_int_equal(r->cm[k].c.frag_token, k + 1);
	dp_verify(dp, r, 0);
	dp_assert_clean(dp);
	assert_int_equal(dp_return_all(dp->sk, r), 3);
	dp_assert_clean(dp);
	free(r);
}

/*
 * S-4.4: ids 1 .. 1023 fill the bitmap's first 1024 bits; when it cannot
 * grow, the read is -ENOMEM and leaves the frag queued; then id 1024.
 */
static void test_enomem_id_bitmap(void **state)
{
	struct dp *dp = *state;
	uint32_t *tok = calloc(1024, sizeof(*tok));
	struct dp_read *r = malloc(sizeof(*r));

	assert_non_null(tok);
	assert_non_null(r);
	hold(dp, 1023, tok);
	assert_int_equal(tok[1022], 1023);
	assert_int_equal(dp_send(dp, PAGE), PAGE);
	/* the entry, then the bitmap */
	dml_hashmap_fail_next_alloc = 2;
	dp_recv(dp->sk, 65536, DP_MAX_CMSGS * 40, MSG_SOCK_DEVMEM, r);
	assert_int_equal(r->ret, -ENOMEM);
	assert_int_equal(dml_hashmap_fail_next_alloc, 0);
	dp_assert_clean(dp);

	dp_recv(dp->sk, 65536, DP_MAX_CMSGS * 40, MSG_SOCK_DEVMEM, r);
	assert_int_equal(r->ret, PAGE);
	assert_int_equal(r->n, 1);
	assert_int_equal(r->cm[0].c.frag_token, 1024);
	dp_verify(dp, r, 1023 * PAGE);
	assert_int_equal(dp_dontneed(dp->sk, 1, 1024), 1024);
	dp_assert_clean(dp);
	free(r);
	free(tok);
}

/*
 * The -ENOMEM-free path: a table that cannot grow is not an error.  The
 * 17th token goes into the full 16-bucket table as usual (only its entry
 * is added to the state), the next commit grows the table, and every token
 * is found again by DONTNEED.
 */
static void test_grow_failure_is_not_an_error(void **state)
{
	struct dp *dp = *state;
	uint32_t tok[18];
	long before, entry;

	hold(dp, 15, tok);
	before = state_bytes(dp);
	hold(dp, 1, tok + 15);
	entry = state_bytes(dp) - before;
	assert_true(entry > 0);

	/* the 17th token's entry, then the table's growth at its commit */
	before = state_bytes(dp);
	dml_hashmap_fail_next_alloc = 2;
	hold(dp, 1, tok + 16);
	assert_int_equal(dml_hashmap_fail_next_alloc, 0);
	assert_int_equal(tok[16], 17);
	assert_int_equal(state_bytes(dp) - before, entry);
	dp_assert_clean(dp);

	before = state_bytes(dp);
	hold(dp, 1, tok + 17);
	assert_int_equal(tok[17], 18);
	assert_int_equal(state_bytes(dp) - before,
			 entry + (long)(16 * sizeof(void *)));
	assert_int_equal(dp_dontneed(dp->sk, 1, 18), 18);
	dp_assert_clean(dp);
}

#define T(fn, setup) { #fn, fn, setup, hm_teardown, NULL }

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_lowest_free_ids, hm_setup_512),
		T(test_many_tokens_resize, hm_setup_many),
		T(test_dontneed_rules, hm_setup_small),
		T(test_close_returns_everything, hm_setup_small),
		T(test_enomem_socket, hm_setup_small),
		T(test_enomem_entry, hm_setup_small),
		T(test_reservation_rollback, hm_setup_gro3),
		T(test_enomem_short_reservation, hm_setup_gro3),
		T(test_enomem_id_bitmap, hm_setup_2048),
		T(test_grow_failure_is_not_an_error, hm_setup_small),
	};

	return RUN_TESTS(tests);
}
