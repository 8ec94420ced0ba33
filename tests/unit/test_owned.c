// SPDX-License-Identifier: MIT
/*
 * The `owned` design (issue 16; docs/extensions.md X-2): tokens carry their
 * binding's slot, a socket receives from several bindings, only the holder
 * returns, close gives back at once, and the slot table's limits.  The
 * conformance cases run on owned through every RUN_EVERY_DESIGN file and
 * the model (dp_rules() says what owned promises there).
 */
#include "dp_helpers.h"

#define PAGE		DML_PAGE_SIZE
#define NR_PAGES	FIXTURE_PAGES
#define SLOT_SHIFT	(31 - DML_OWNED_DEFAULT_SLOT_BITS)
#define PAGE_MASK	((1u << SLOT_SHIFT) - 1)

static int setup_owned_mss(void **state, unsigned int slot_bits, uint32_t mss)
{
	struct dml_host_config hcfg = {
		.rx_ring_size = DML_DEFAULT_RX_RING_SIZE,
		.pp_ring_size = DML_DEFAULT_PP_RING_SIZE,
		.token_design = { "owned", NULL },
		.owned_slot_bits = slot_bits,
	};
	struct dml_wire_flow_config cfg = dp_flow_config(40000);

	cfg.mss = mss;
	return dp_setup_cfg(state, 0, NR_PAGES, &hcfg, &cfg);
}

static int setup_owned(void **state)
{
	return setup_owned_mss(state, 0, 4096);
}

static int setup_owned_2_slots(void **state)
{
	return setup_owned_mss(state, 1, 4096);
}

/* Segments of half a page: two frags share one net_iov. */
static int setup_owned_half_pages(void **state)
{
	return setup_owned_mss(state, 0, 2048);
}

static unsigned int posted(struct dp *dp)
{
	struct dml_rxq_info info;

	assert_ok(dml_netdev_rxq_info(dp->f->dev, DP_QUEUE, &info));
	return info.posted;
}

static long binding_users(struct dp *dp, uint32_t id)
{
	struct dml_binding_info info;

	assert_ok(dml_binding_info(dp->f->host, id, &info));
	return info.users;
}

/*
 * Sends @pages pages on the fixture's flow and reads them: every DMABUF
 * cmsg must name binding @id, its token slot @slot and, in the token's low
 * bits, the page its frag_offset points at; the payload is checked.
 */
static void recv_from(struct dp *dp, uint32_t id, uint32_t slot, size_t pages,
		      uint32_t *tokens)
{
	struct dp_read *r = malloc(sizeof(*r));
	uint64_t pos = dp->sent;
	size_t i, n = 0;

	assert_non_null(r);
	assert_int_equal(dp_send(dp, pages * PAGE), pages * PAGE);
	dp_recv(dp->sk, pages * PAGE, DP_MAX_CMSGS * 40, MSG_SOCK_DEVMEM | MSG_DONTWAIT, r);
	assert_int_equal(r->ret, pages * PAGE);
	dp_verify(dp, r, pos);
	for (i = 0; i < r->n; i++) {
		const struct dmabuf_cmsg *c = &r->cm[i].c;

		assert_int_equal(r->cm[i].type, SCM_DEVMEM_DMABUF);
		assert_int_equal(c->dmabuf_id, id);
		assert_int_equal(c->frag_token >> SLOT_SHIFT, slot);
		assert_int_equal(c->frag_token & PAGE_MASK, c->frag_offset / PAGE);
		tokens[n++] = c->frag_token;
	}
	assert_int_equal(n, pages);
	free(r);
}

/* A fresh admin netlink socket binding queue 7 anew; the binding's id. */
static uint32_t rebind(struct dp *dp, struct dml_nl_sock **nl)
{
	const uint32_t q[] = { DP_QUEUE };
	long id;

	assert_ok(dml_nl_open(dp->f->host, DML_NL_ADMIN, nl));
	id = fixture_bind(dp->f, *nl, q, 1, 0);
	assert_true(id > 0);
	return (uint32_t)id;
}

static int return_tokens(struct dp *dp, const uint32_t *tokens, size_t n)
{
	struct dmabuf_token t[8];
	size_t i;

	assert_true(n <= 8);
	for (i = 0; i < n; i++)
		t[i] = (struct dmabuf_token){ tokens[i], 1 };
	return dp_dontneed_v(dp->sk, t, n);
}

/*
 * one socket receives from three bindings in turn (queue 7
 * rebound twice while it holds the earlier ones' pages): slots 0, 1, 2, the
 * page in the low bits, payload where frag_offset says; each binding's
 * returns release its pages and no other's.
 */
static void test_three_bindings(void **state)
{
	struct dp *dp = *state;
	struct dml_nl_sock *nl_b, *nl_c;
	uint32_t a[2], b[2], c[2], id_b, id_c;

	recv_from(dp, dp->binding_id, 0, 2, a);
	dp_unbind(dp);
	id_b = rebind(dp, &nl_b);
	recv_from(dp, id_b, 1, 2, b);
	dml_nl_close(nl_b);
	id_c = rebind(dp, &nl_c);
	recv_from(dp, id_c, 2, 2, c);
	dp_assert_clean(dp);
	/* the socket is a user of all three; A and B are unbound */
	assert_int_equal(binding_users(dp, dp->binding_id), 1);
	assert_int_equal(binding_users(dp, id_b), 1);
	assert_int_equal(binding_users(dp, id_c), 2);
	assert_int_equal(dp_pool_inflight(dp, dp->binding_id), 2);
	assert_int_equal(dp_pool_inflight(dp, id_b), 2);

	/* slot 3 names no binding of this socket: the entry ends, uncounted */
	assert_int_equal(dp_dontneed(dp->sk, 3u << SLOT_SHIFT | (a[0] & PAGE_MASK), 1), 0);
	/* each binding's tokens release its own pages, whatever the page index */
	assert_int_equal(dp_dontneed(dp->sk, a[0], 1), 1);
	assert_int_equal(dp_pool_inflight(dp, dp->binding_id), 1);
	assert_int_equal(dp_pool_inflight(dp, id_b), 2);
	assert_int_equal(return_tokens(dp, b, 2), 2);
	assert_int_equal(dp_pool_inflight(dp, id_b), -1);
	assert_int_equal(dp_pool_inflight(dp, dp->binding_id), 1);
	assert_int_equal(return_tokens(dp, b, 2), 0);
	assert_int_equal(dp_dontneed(dp->sk, a[1], 1), 1);
	assert_int_equal(dp_pool_inflight(dp, dp->binding_id), -1);
	assert_int_equal(return_tokens(dp, c, 2), 2);
	dp_assert_clean(dp);
	dml_nl_close(nl_c);
}

/*
 * a second socket on the same binding naming the first one's pages
 * changes nothing: 0 released, the pages stay out of the pool, the holder
 * still returns them.
 */
static void test_foreign_return_changes_nothing(void **state)
{
	struct dp *dp = *state;
	struct dml_wire_flow *flow2;
	struct dml_sock *sk2;
	uint32_t a[3], b[1];
	struct dmabuf_token all = { 0, NR_PAGES };
	long bytes;

	recv_from(dp, dp->binding_id, 0, 3, a);
	dp_connect(dp, 40031, &flow2, &sk2);
	assert_int_equal(dp_flow_send(flow2, 0, PAGE), PAGE);
	assert_int_equal(dp_recv_tokens(dp, sk2, PAGE, 0, b, 1), 1);
	assert_int_equal(posted(dp), NR_PAGES - 4);
	assert_errno(dml_netdev_rxq_refill(dp->f->dev, DP_QUEUE), -ENOBUFS);
	bytes = dml_sock_token_state_bytes(sk2);

	assert_int_equal(dp_dontneed(sk2, a[0], 1), 0);
	assert_int_equal(dp_dontneed(sk2, a[1], 2), 0);
	/* every page of the binding but its own: sk2 releases only b */
	assert_int_equal(dp_dontneed_v(sk2, &all, 1), 1);
	assert_int_equal(dml_sock_token_state_bytes(sk2), bytes);
	assert_int_equal(dml_netdev_rxq_refill(dp->f->dev, DP_QUEUE), 1);
	assert_errno(dml_netdev_rxq_refill(dp->f->dev, DP_QUEUE), -ENOBUFS);
	dp_assert_clean(dp);

	assert_int_equal(return_tokens(dp, a, 3), 3);
	assert_int_equal(dml_netdev_rxq_refill(dp->f->dev, DP_QUEUE), 3);
	dp_assert_clean(dp);
	dml_wire_close(flow2);
	dml_close(sk2);
}

/*
 * a page delivered twice to one socket is held twice; the first
 * return keeps it, the second gives it back.
 */
static void test_page_held_twice(void **state)
{
	struct dp *dp = *state;
	struct dp_read r;
	uint32_t first;

	assert_int_equal(dp_send(dp, 4096), 4096);
	dp_recv(dp->sk, 4096, DP_MAX_CMSGS * 40, MSG_SOCK_DEVMEM | MSG_DONTWAIT, &r);
	assert_int_equal(r.ret, 4096);
	assert_int_equal(r.n, 2);
	first = r.cm[0].c.frag_token;
	assert_int_equal(r.cm[1].c.frag_token, first);
	assert_int_equal(dp_dontneed(dp->sk, first, 1), 1);
	assert_errno(dml_netdev_rxq_refill(dp->f->dev, DP_QUEUE), -ENOBUFS);
	assert_int_equal(dp_dontneed(dp->sk, first, 1), 1);
	assert_int_equal(dp_dontneed(dp->sk, first, 1), 0);
	assert_int_equal(dml_netdev_rxq_refill(dp->f->dev, DP_QUEUE), 1);
	dp_assert_clean(dp);
}

/*
 * close releases what the socket holds at once, while the binding
 * is still bound: the pages go back to the pool, the socket stops being a
 * user, nothing waits for unbind.
 */
static void test_close_releases_at_once(void **state)
{
	struct dp *dp = *state;
	uint32_t a[3];

	recv_from(dp, dp->binding_id, 0, 3, a);
	assert_int_equal(binding_users(dp, dp->binding_id), 2);
	assert_errno(dml_netdev_rxq_refill(dp->f->dev, DP_QUEUE), -ENOBUFS);
	dml_close(dp->sk);
	dp->sk = NULL;
	assert_int_equal(binding_users(dp, dp->binding_id), 1);
	assert_int_equal(dml_netdev_rxq_refill(dp->f->dev, DP_QUEUE), 3);
	assert_int_equal(posted(dp), NR_PAGES);
	dp_assert_clean(dp);

	/* unbind now has nothing left to reclaim: the binding goes at once */
	dp_unbind(dp);
	assert_int_equal(dp_pool_inflight(dp, dp->binding_id), -1);
	assert_int_equal(dml_host_autorelease_mode(dp->f->host), -1);
	dp_assert_clean(dp);
}

/*
 * with 1 slot bit, two bindings at once; a third is ENOSPC with an
 * extack, and a slot comes back only when its binding is freed: unbinding
 * is not enough while a socket that joined it is open.
 */
static void test_slot_exhaustion(void **state)
{
	struct dp *dp = *state;
	const uint32_t q1[] = { 1 }, q2[] = { 2 }, q4[] = { 4 };
	struct dml_nl_sock *nl2, *nl3;
	uint32_t a[1];
	long id;

	recv_from(dp, dp->binding_id, 0, 1, a);
	assert_ok(dml_nl_open(dp->f->host, DML_NL_ADMIN, &nl2));
	id = fixture_bind(dp->f, nl2, q1, 1, 0);
	assert_true(id > 0);
	assert_ok(dml_nl_open(dp->f->host, DML_NL_ADMIN, &nl3));
	assert_errno(fixture_bind(dp->f, nl3, q2, 1, 0), -ENOSPC);
	assert_non_null(strstr(dp->f->errmsg, "all 2 token slots are taken"));

	/* A unbound but joined by the socket: its slot stays taken */
	dp_unbind(dp);
	assert_errno(fixture_bind(dp->f, nl3, q2, 1, 0), -ENOSPC);
	/* the holder closes: A is freed and slot 0 is free again */
	dml_close(dp->sk);
	dp->sk = NULL;
	assert_true(fixture_bind(dp->f, nl3, q2, 1, 0) > 0);
	assert_errno(fixture_bind(dp->f, nl3, q4, 1, 0), -ENOSPC);
	dp_assert_clean(dp);
	dml_nl_close(nl2);
	dml_nl_close(nl3);
}

/*
 * with 8 slot bits a token has 23 page bits: a dma-buf of 2^23 pages
 * binds, one page more is E2BIG with an extack; more than 8 slot bits is
 * EINVAL at host creation.
 */
static void test_binding_too_large(void **state)
{
	struct dml_host_config hcfg = {
		.rx_ring_size = 16,
		.pp_ring_size = 16,
		.token_design = { "owned", NULL },
		.owned_slot_bits = 8,
	};
	struct fixture *f;
	struct dml_dmabuf *big;
	struct dml_host *host;
	const uint32_t q[] = { 3 };
	void *fstate = NULL;
	long id;

	(void)state;
	hcfg.owned_slot_bits = 9;
	assert_errno(dml_host_create(&hcfg, &host), -EINVAL);
	hcfg.owned_slot_bits = 8;
	assert_ok(fixture_setup_sized(&fstate, 1, &hcfg));
	f = fstate;

	assert_ok(dml_dmabuf_create(((size_t)1 << 23) * PAGE + PAGE, DML_DMABUF_MEMFD, &big));
	dml_dmabuf_destroy(f->buf);
	f->buf = big;
	assert_errno(fixture_bind(f, f->nl, q, 1, 0), -E2BIG);
	assert_non_null(strstr(f->errmsg, "larger than the 23 page bits"));
	dml_dmabuf_destroy(big);

	assert_ok(dml_dmabuf_create(((size_t)1 << 23) * PAGE, DML_DMABUF_MEMFD, &f->buf));
	id = fixture_bind(f, f->nl, q, 1, 0);
	assert_true(id > 0);
	assert_ok(dml_host_check(f->host, NULL, 0));
	assert_ok(fixture_teardown(&fstate));
}

#define T(fn, setup) { #fn, fn, setup, dp_teardown, NULL }

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_three_bindings, setup_owned),
		T(test_foreign_return_changes_nothing, setup_owned),
		T(test_page_held_twice, setup_owned_half_pages),
		T(test_close_releases_at_once, setup_owned),
		T(test_slot_exhaustion, setup_owned_2_slots),
		cmocka_unit_test(test_binding_too_large),
	};

	return run_tap(__FILE__, tests, sizeof(tests) / sizeof(tests[0]));
}
