// SPDX-License-Identifier: MIT
/*
 * Teardown: S-6.1 .. S-6.5.  Closing sockets, unbinding (closing the
 * netlink socket that made the binding) and the binding's final free, in
 * both modes where they apply.
 */
#include "dp_helpers.h"

#define PAGE		DML_PAGE_SIZE
#define NR_PAGES	FIXTURE_PAGES

/* Sends and reads @pages whole pages on @sk's flow; their tokens in @tokens. */
static void hold_on(struct dp *dp, struct dml_wire_flow *flow, struct dml_sock *sk,
		    uint64_t *pos, size_t pages, uint32_t *tokens)
{
	assert_int_equal(dp_flow_send(flow, *pos, pages * PAGE), pages * PAGE);
	assert_int_equal(dp_recv_tokens(dp, sk, pages * PAGE, *pos, tokens, pages),
			 pages);
	*pos += pages * PAGE;
}

static void hold_pages(struct dp *dp, size_t pages, uint32_t *tokens)
{
	hold_on(dp, dp->flow, dp->sk, &dp->sent, pages, tokens);
}

/* Closes the fixture's socket now; teardown then skips it. */
static void close_sk(struct dp *dp)
{
	dml_close(dp->sk);
	dp->sk = NULL;
}

/* Buffers posted on the bound queue. */
static unsigned int posted(struct dp *dp)
{
	struct dml_rxq_info info;

	assert_ok(dml_netdev_rxq_info(dp->f->dev, DP_QUEUE, &info));
	return info.posted;
}

/* bind-rx of queue @q through a fresh admin netlink socket, kept in *@nl. */
static long bind_again(struct dp *dp, struct dml_nl_sock **nl, uint32_t q,
		       int mode)
{
	assert_ok(dml_nl_open(dp->f->host, DML_NL_ADMIN, nl));
	return fixture_bind(dp->f, *nl, &q, 1, mode);
}

/*
 * S-6.1 (mode 1): closing a socket returns every token it still holds (and
 * drops what it never read): the pages go back to the pool, the checker is
 * clean, and after unbind nothing holds the binding: it is freed.
 */
static void test_close_returns_tokens(void **state)
{
	struct dp *dp = *state;
	uint32_t tok[5];

	hold_pages(dp, 5, tok);
	assert_int_equal(dp_send(dp, 2 * PAGE), 2 * PAGE);	/* left unread */
	assert_int_equal(posted(dp), NR_PAGES - 7);
	assert_errno(dml_netdev_rxq_refill(dp->f->dev, DP_QUEUE), -ENOBUFS);

	close_sk(dp);
	dp_assert_clean(dp);
	/* all seven pages are back in the pool */
	assert_int_equal(dml_netdev_rxq_refill(dp->f->dev, DP_QUEUE), 7);
	assert_int_equal(posted(dp), NR_PAGES);
	assert_int_equal(dml_host_autorelease_mode(dp->f->host), 1);

	dp_unbind(dp);
	assert_int_equal(dp_pool_inflight(dp, dp->binding_id), -1);
	assert_int_equal(dml_host_autorelease_mode(dp->f->host), -1);
}

/*
 * S-6.2 (mode 0): closing a socket does not return its tokens: the pages
 * stay out of the pool, and another socket joined to the binding can still
 * return them (S-5.5).  The binding and its mode stay while it is bound.
 * X-2.5 / X-3.3 (owned, sockarray): close returns what the socket held at
 * once, and the other socket has nothing of it to return.
 */
static void test_close_keeps_urefs(void **state)
{
	struct dp *dp = *state;
	bool holder = dp_rules(dp->mode)->holder_returns;
	struct dml_wire_flow *flow2;
	struct dml_sock *sk2;
	struct dmabuf_token t[3];
	uint32_t tok[3], tok2[1];
	uint64_t pos2 = 0;
	size_t k;

	dp_connect(dp, 40020, &flow2, &sk2);
	hold_on(dp, flow2, sk2, &pos2, 1, tok2);
	hold_pages(dp, 3, tok);

	close_sk(dp);
	dp_assert_clean(dp);
	if (holder) {
		assert_int_equal(dml_netdev_rxq_refill(dp->f->dev, DP_QUEUE), 3);
		assert_int_equal(posted(dp), NR_PAGES - 1);
	} else {
		assert_errno(dml_netdev_rxq_refill(dp->f->dev, DP_QUEUE), -ENOBUFS);
		assert_int_equal(posted(dp), NR_PAGES - 4);
	}
	assert_int_equal(dml_host_autorelease_mode(dp->f->host), 0);

	for (k = 0; k < 3; k++)
		t[k] = (struct dmabuf_token){ tok[k], 1 };
	assert_int_equal(dp_dontneed_v(sk2, t, 3), holder ? 0 : 3);
	if (!holder)
		assert_int_equal(dml_netdev_rxq_refill(dp->f->dev, DP_QUEUE), 3);
	assert_int_equal(dp_dontneed(sk2, tok2[0], 1), 1);
	dp_assert_clean(dp);

	dml_wire_close(flow2);
	dml_close(sk2);
}

/*
 * S-6.2 (mode 0): leaked urefs are reclaimed when the binding's users reach
 * 0, here at unbind after the socket closed, and not before.  X-2.5 /
 * nothing is left to reclaim, close gave the pages back.
 */
static void test_reclaim_at_unbind(void **state)
{
	struct dp *dp = *state;
	uint32_t tok[3];

	hold_pages(dp, 3, tok);
	close_sk(dp);
	dp_assert_clean(dp);
	if (dp_rules(dp->mode)->holder_returns) {
		assert_int_equal(dml_netdev_rxq_refill(dp->f->dev, DP_QUEUE), 3);
	} else {
		/* still bound: nothing reclaimed, the pool stays short of 3 pages */
		assert_errno(dml_netdev_rxq_refill(dp->f->dev, DP_QUEUE), -ENOBUFS);
	}
	assert_int_equal(dp_pool_inflight(dp, dp->binding_id), NR_PAGES);
	assert_int_equal(dml_host_autorelease_mode(dp->f->host), 0);

	dp_unbind(dp);
	dp_assert_clean(dp);
	assert_int_equal(dp_pool_inflight(dp, dp->binding_id), -1);
	assert_int_equal(dml_host_autorelease_mode(dp->f->host), -1);
}

/*
 * S-6.2 (mode 0): with two joined sockets, after unbind the reclaim waits
 * for both to close: the first close leaves every uref (the other socket
 * can still return one), the last close reclaims and frees the binding.
 */
static void test_reclaim_waits_for_all_sockets(void **state)
{
	struct dp *dp = *state;
	struct dml_wire_flow *flow2;
	struct dml_sock *sk2;
	uint32_t tok[2], tok2[2];
	uint64_t pos2 = 0;

	dp_connect(dp, 40021, &flow2, &sk2);
	hold_pages(dp, 2, tok);
	hold_on(dp, flow2, sk2, &pos2, 2, tok2);

	dp_unbind(dp);
	dp_assert_clean(dp);
	/* the detached pool still names the binding, with the four pages out */
	assert_int_equal(dp_pool_inflight(dp, dp->binding_id), 4);
	assert_int_equal(dml_host_autorelease_mode(dp->f->host), 0);

	close_sk(dp);
	dp_assert_clean(dp);
	assert_int_equal(dml_host_autorelease_mode(dp->f->host), 0);
	if (dp_rules(dp->mode)->holder_returns) {
		/* its two pages went back at close, not sk2's */
		assert_int_equal(dp_pool_inflight(dp, dp->binding_id), 2);
		assert_int_equal(dp_dontneed(sk2, tok[0], 1), 0);
		assert_int_equal(dp_dontneed(sk2, tok2[0], 1), 1);
		assert_int_equal(dp_pool_inflight(dp, dp->binding_id), 1);
	} else {
		assert_int_equal(dp_pool_inflight(dp, dp->binding_id), 4);
		/* urefs outlive the socket that took them */
		assert_int_equal(dp_dontneed(sk2, tok[0], 1), 1);
		assert_int_equal(dp_pool_inflight(dp, dp->binding_id), 3);
	}
	dp_assert_clean(dp);

	dml_wire_close(flow2);
	dml_close(sk2);
	dp_assert_clean(dp);
	assert_int_equal(dp_pool_inflight(dp, dp->binding_id), -1);
	assert_int_equal(dml_host_autorelease_mode(dp->f->host), -1);
}

/*
 * S-6.3: unbind while a socket is receiving (unbind-after-recv): what is
 * queued still reads, with the binding's id, and its tokens go back; new
 * data arrives in host memory.  In mode 0 the socket joined with its first
 * read and keeps the binding (and the mode) until it closes.
 */
static void test_unbind_after_recv(void **state)
{
	struct dp *dp = *state;
	struct dmabuf_token t[4];
	struct dp_read r;
	uint32_t tok[4];
	size_t k;

	assert_int_equal(dp_send(dp, 4 * PAGE), 4 * PAGE);
	dp_recv(dp->sk, PAGE, DP_MAX_CMSGS * 40, MSG_SOCK_DEVMEM, &r);
	assert_int_equal(r.ret, PAGE);
	assert_int_equal(r.n, 1);
	dp_verify(dp, &r, 0);
	tok[0] = r.cm[0].c.frag_token;

	dp_unbind(dp);
	dp_assert_clean(dp);
	dp_recv(dp->sk, 65536, DP_MAX_CMSGS * 40, MSG_SOCK_DEVMEM, &r);
	assert_int_equal(r.ret, 3 * PAGE);
	assert_int_equal(r.n, 3);
	dp_verify(dp, &r, PAGE);
	for (k = 0; k < 3; k++) {
		assert_int_equal(r.cm[k].type, SCM_DEVMEM_DMABUF);
		assert_int_equal(r.cm[k].c.dmabuf_id, dp->binding_id);
		tok[k + 1] = r.cm[k].c.frag_token;
	}
	dp_assert_clean(dp);
	for (k = 0; k < 4; k++)
		t[k] = (struct dmabuf_token){ tok[k], 1 };
	assert_int_equal(dp_dontneed_v(dp->sk, t, 4), 4);
	dp_assert_clean(dp);

	/* S-3.2: the queue is back on host memory */
	assert_int_equal(dp_send(dp, PAGE), PAGE);
	dp_recv(dp->sk, 65536, DP_MAX_CMSGS * 40, MSG_SOCK_DEVMEM, &r);
	assert_int_equal(r.ret, PAGE);
	assert_int_equal(r.n, 0);
	assert_int_equal(r.linear[0], dp_pattern(4 * PAGE));

	assert_int_equal(dml_host_autorelease_mode(dp->f->host),
			 dp->mode == 0 ? 0 : -1);
	close_sk(dp);
	assert_int_equal(dml_host_autorelease_mode(dp->f->host), -1);
}

/*
 * S-6.3 (unbind-before-recv): data was queued but not read when the queue
 * was unbound.  Mode 0: the socket never joined and the binding has no
 * users left: its first devmem read is ENODEV, the data stays queued, and
 * DONTNEED is EINVAL.  Mode 1 has nothing to join: the data reads fine.
 */
static void test_unbind_before_recv(void **state)
{
	struct dp *dp = *state;
	struct dp_read r;

	assert_int_equal(dp_send(dp, 2 * PAGE), 2 * PAGE);
	dp_unbind(dp);
	dp_assert_clean(dp);
	assert_int_equal(dml_host_autorelease_mode(dp->f->host), dp->mode);

	dp_recv(dp->sk, 65536, DP_MAX_CMSGS * 40, MSG_SOCK_DEVMEM, &r);
	if (dp->mode == 0) {
		assert_errno(r.ret, -ENODEV);
		dp_recv(dp->sk, 65536, DP_MAX_CMSGS * 40, MSG_SOCK_DEVMEM, &r);
		assert_errno(r.ret, -ENODEV);
		assert_errno(dp_dontneed(dp->sk, 0, 1), -EINVAL);
		/* the queued frags still hold the binding */
		dp_assert_clean(dp);
		assert_int_equal(dp_pool_inflight(dp, dp->binding_id), 2);
		assert_int_equal(dml_host_autorelease_mode(dp->f->host), 0);
	} else {
		assert_int_equal(r.ret, 2 * PAGE);
		assert_int_equal(r.n, 2);
		assert_int_equal(r.cm[0].c.dmabuf_id, dp->binding_id);
		dp_verify(dp, &r, 0);
		assert_int_equal(dml_host_autorelease_mode(dp->f->host), 1);
		assert_int_equal(dp_return_all(dp->sk, &r), 2);
		assert_int_equal(dp_pool_inflight(dp, dp->binding_id), -1);
		assert_int_equal(dml_host_autorelease_mode(dp->f->host), -1);
	}
	dp_assert_clean(dp);
	close_sk(dp);
	assert_int_equal(dp_pool_inflight(dp, dp->binding_id), -1);
	assert_int_equal(dml_host_autorelease_mode(dp->f->host), -1);
}

/*
 * S-6.4: an accepted socket inherits nothing.  Mode 0: while a sibling has
 * joined the binding, a new child's DONTNEED is EINVAL until its own first
 * read, even for the sibling's token (which stays the sibling's).  Mode 1:
 * the child's id space is empty: the sibling's id releases nothing.
 */
static void test_child_inherits_nothing(void **state)
{
	struct dp *dp = *state;
	struct dml_wire_flow *flow2;
	struct dml_sock *sk2;
	uint32_t tok[1], tok2[1];
	uint64_t pos2 = 0;

	hold_pages(dp, 1, tok);
	dp_connect(dp, 40022, &flow2, &sk2);
	assert_int_equal(dp_flow_send(flow2, 0, PAGE), PAGE);	/* queued, unread */

	if (dp->mode == 0) {
		assert_errno(dp_dontneed(sk2, tok[0], 1), -EINVAL);
		assert_errno(dp_dontneed(dp->listener, tok[0], 1), -EINVAL);
	} else {
		assert_int_equal(dp_dontneed(sk2, tok[0], 1), 0);
		assert_int_equal(dp_dontneed(dp->listener, tok[0], 1), 0);
	}
	dp_assert_clean(dp);
	/* the sibling still holds its token */
	assert_int_equal(dp_dontneed(dp->sk, tok[0], 1), 1);

	assert_int_equal(dp_recv_tokens(dp, sk2, PAGE, pos2, tok2, 1), 1);
	assert_int_equal(dp_dontneed(sk2, tok2[0], 1), 1);
	dp_assert_clean(dp);

	dml_wire_close(flow2);
	dml_close(sk2);
}

/*
 * S-6.5 / S-3.4: the binding is freed when its last reference goes.  After
 * unbind, the socket still holding it (mode 0: joined, with a token out;
 * mode 1: a token out) keeps its id visible in page-pool-get and the mode
 * set: a bind asking for the other mode is EBUSY with the extack message.
 * When the reference goes, the id disappears and the other mode binds.
 */
static void test_binding_freed_with_last_ref(void **state)
{
	struct dp *dp = *state;
	struct dml_nl_sock *nl2;
	uint32_t tok[1];
	char want[64];
	long id;

	hold_pages(dp, 1, tok);
	dp_unbind(dp);
	assert_int_equal(dp_pool_inflight(dp, dp->binding_id), 1);
	assert_int_equal(dml_host_autorelease_mode(dp->f->host), dp->mode);

	id = bind_again(dp, &nl2, DP_QUEUE, !dp->mode);
	assert_errno(id, -EBUSY);
	snprintf(want, sizeof(want), "System already configured with autorelease=%d",
		 dp->mode);
	assert_string_equal(dp->f->errmsg, want);
	/* a failed bind leaves the mode as it was */
	assert_int_equal(dml_host_autorelease_mode(dp->f->host), dp->mode);
	dp_assert_clean(dp);

	if (dp->mode == 0) {
		/* returning the token is not enough: the joined socket holds it */
		assert_int_equal(dp_dontneed(dp->sk, tok[0], 1), 1);
		assert_int_equal(dp_pool_inflight(dp, dp->binding_id), -1);
		assert_int_equal(dml_host_autorelease_mode(dp->f->host), 0);
		close_sk(dp);
	} else {
		assert_int_equal(dp_dontneed(dp->sk, tok[0], 1), 1);
	}
	assert_int_equal(dp_pool_inflight(dp, dp->binding_id), -1);
	assert_int_equal(dml_host_autorelease_mode(dp->f->host), -1);

	/* the mode is free: the other one binds now, under a new id */
	id = fixture_bind(dp->f, nl2, (const uint32_t[]){ DP_QUEUE }, 1, !dp->mode);
	assert_true(id > 0);
	assert_int_not_equal(id, dp->binding_id);
	assert_int_equal(dml_host_autorelease_mode(dp->f->host), !dp->mode);
	dml_nl_close(nl2);
	assert_int_equal(dml_host_autorelease_mode(dp->f->host), -1);
}

/* One body, named per setup, so TAP tells the modes apart. */
#define T0(fn, setup) { #fn "/" #setup, fn, setup, dp_teardown, NULL }

int main(void)
{
	const struct CMUnitTest tests[] = {
		T0(test_close_returns_tokens, dp_setup1),
		T0(test_close_keeps_urefs, dp_setup0),
		T0(test_reclaim_at_unbind, dp_setup0),
		T0(test_reclaim_waits_for_all_sockets, dp_setup0),
		T0(test_unbind_after_recv, dp_setup0),
		T0(test_unbind_after_recv, dp_setup1),
		T0(test_unbind_before_recv, dp_setup0),
		T0(test_unbind_before_recv, dp_setup1),
		T0(test_child_inherits_nothing, dp_setup0),
		T0(test_child_inherits_nothing, dp_setup1),
		T0(test_binding_freed_with_last_ref, dp_setup0),
		T0(test_binding_freed_with_last_ref, dp_setup1),
	};

	return RUN_EVERY_DESIGN(tests);
}
