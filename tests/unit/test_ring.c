// SPDX-License-Identifier: MIT
/*
 * The `ring` design (issue 16, "ring: returns without a system call";
 * docs/extensions.md X-1): registration, ordering, the two drain points
 * (recvmsg and the NIC's refill), a full ring and its DONTNEED fallback,
 * wrap-around, bad entries, a racing producer against both drainers, and
 * close and unbind with entries pending.  The conformance suite runs on
 * `ring` with every other design, from its row in the table (test_model,
 * test_dontneed, test_teardown, test_recvmsg, test_threads).
 */
#include <netinet/in.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>

#include "devmem/ext.h"
#include "dp_helpers.h"

#define PAGE		DML_PAGE_SIZE
#define NR_PAGES	FIXTURE_PAGES

static int ring_setup(void **state)
{
	dp_design[0] = "ring";
	return dp_setup0(state);
}

static int niov_setup(void **state)
{
	dp_design[0] = "niov";
	return dp_setup0(state);
}

static struct devmem_lab_ring *ring_new(uint32_t entries)
{
	size_t bytes = devmem_lab_ring_bytes(entries);
	struct devmem_lab_ring *r = aligned_alloc(64, (bytes + 63) / 64 * 64);

	assert_non_null(r);
	devmem_lab_ring_init(r, entries);
	return r;
}

static int ring_set(struct dml_sock *sk, struct devmem_lab_ring *r)
{
	return dml_setsockopt(sk, SOL_SOCKET, SO_DEVMEM_LAB_RETURN_RING, &r, sizeof(r));
}

static int ring_unset(struct dml_sock *sk)
{
	return dml_setsockopt(sk, SOL_SOCKET, SO_DEVMEM_LAB_RETURN_RING, NULL, 0);
}

static uint64_t drained(struct devmem_lab_ring *r)
{
	return atomic_load(&r->drained);
}

static uint64_t skipped(struct devmem_lab_ring *r)
{
	return atomic_load(&r->skipped);
}

/* A recvmsg with nothing queued: it drains the ring, then finds no data. */
static void recv_nothing(struct dml_sock *sk)
{
	struct dp_read *r = malloc(sizeof(*r));

	assert_non_null(r);
	dp_recv(sk, PAGE, DP_MAX_CMSGS * 40, MSG_SOCK_DEVMEM | MSG_DONTWAIT, r);
	assert_errno(r->ret, -EAGAIN);
	free(r);
}

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

static unsigned int posted(struct dp *dp)
{
	struct dml_rxq_info info;

	assert_ok(dml_netdev_rxq_info(dp->f->dev, DP_QUEUE, &info));
	return info.posted;
}

/*
 * what registration refuses, and with which errno; a design without
 * a ring has no such option.  -EBUSY for a second ring (no silent replace:
 * the first one's queued entries would be lost); unregistering first works.
 */
static void test_registration_errors(void **state)
{
	struct dp *dp = *state;
	struct devmem_lab_ring *r = ring_new(8), *r2 = ring_new(8), *bad;
	unsigned char *raw = aligned_alloc(64, (devmem_lab_ring_bytes(8) + 127) / 64 * 64);
	long bytes;

	assert_non_null(raw);
	assert_errno(dml_setsockopt(dp->sk, SOL_SOCKET, SO_DEVMEM_LAB_RETURN_RING, &r, 4),
		     -EINVAL);
	assert_errno(dml_setsockopt(dp->sk, SOL_SOCKET, SO_DEVMEM_LAB_RETURN_RING, &r,
				    2 * sizeof(r)), -EINVAL);
	assert_errno(dml_setsockopt(dp->sk, SOL_SOCKET, SO_DEVMEM_LAB_RETURN_RING, NULL,
				    sizeof(r)), -EFAULT);
	/* nothing registered: unregistering, by optlen 0 or a NULL ring, is ENOENT */
	assert_errno(ring_unset(dp->sk), -ENOENT);
	assert_errno(ring_set(dp->sk, NULL), -ENOENT);

	/* entries - 1 must be a power of two minus one, up to the maximum */
	r->mask = 5;
	assert_errno(ring_set(dp->sk, r), -EINVAL);
	r->mask = UINT32_MAX;
	assert_errno(ring_set(dp->sk, r), -EINVAL);
	r->mask = 2 * DEVMEM_LAB_RING_MAX_ENTRIES - 1;
	assert_errno(ring_set(dp->sk, r), -EINVAL);
	/* more queued than the ring holds */
	devmem_lab_ring_init(r, 8);
	atomic_store(&r->tail, 9);
	assert_errno(ring_set(dp->sk, r), -EINVAL);
	/* misaligned */
	bad = (struct devmem_lab_ring *)(raw + 4);
	assert_errno(ring_set(dp->sk, bad), -EINVAL);
	/* another option at SOL_SOCKET, another level */
	assert_errno(dml_setsockopt(dp->sk, SOL_SOCKET, SO_DEVMEM_LAB_RETURN_RING + 1, &r,
				    sizeof(r)), -ENOPROTOOPT);
	assert_errno(dml_setsockopt(dp->sk, IPPROTO_TCP, SO_DEVMEM_LAB_RETURN_RING, &r,
				    sizeof(r)), -ENOPROTOOPT);

	bytes = dml_sock_token_state_bytes(dp->sk);
	assert_true(bytes > 0);
	devmem_lab_ring_init(r, 8);
	assert_ok(ring_set(dp->sk, r));
	/* the ring the kernel would pin counts in the socket's state */
	assert_int_equal(dml_sock_token_state_bytes(dp->sk),
			 bytes + (long)devmem_lab_ring_bytes(8));
	assert_errno(ring_set(dp->sk, r2), -EBUSY);
	assert_errno(ring_set(dp->sk, r), -EBUSY);
	assert_ok(ring_unset(dp->sk));
	assert_int_equal(dml_sock_token_state_bytes(dp->sk), bytes);
	assert_ok(ring_set(dp->sk, r2));
	assert_ok(ring_set(dp->sk, NULL));
	assert_errno(ring_unset(dp->sk), -ENOENT);
	free(raw);
	free(r2);
	free(r);
}

/* niov (and every design without the ops) answers ENOPROTOOPT. */
static void test_no_ring_without_the_design(void **state)
{
	struct dp *dp = *state;
	struct devmem_lab_ring *r = ring_new(8);

	assert_errno(ring_set(dp->sk, r), -ENOPROTOOPT);
	assert_errno(ring_unset(dp->sk), -ENOPROTOOPT);
	free(r);
}

/* mode 1: the host's mode picks the design, xarray has no ring. */
static void test_no_ring_in_autorelease_mode(void **state)
{
	struct dp *dp = *state;
	struct devmem_lab_ring *r = ring_new(8);

	assert_errno(ring_set(dp->sk, r), -ENOPROTOOPT);
	free(r);
}

/*
 * entries are released in ring order and the head moves only when
 * the kernel side drains.  The order shows in the pool: pages go back to
 * its recycle ring as released, the NIC posts them in that order, and the
 * next reads carry them in that order.
 */
static void test_ordering(void **state)
{
	struct dp *dp = *state;
	static const unsigned int order[] = { 5, 2, 7, 0, 63, 31 };
	const size_t n = sizeof(order) / sizeof(order[0]);
	struct devmem_lab_ring *r = ring_new(8);
	uint32_t tok[NR_PAGES], again[sizeof(order) / sizeof(order[0])];
	size_t k;

	assert_ok(ring_set(dp->sk, r));
	hold_pages(dp, NR_PAGES, tok);
	assert_int_equal(posted(dp), 0);
	for (k = 0; k < n; k++)
		assert_true(devmem_lab_ring_push(r, tok[order[k]], 1));
	/* nothing drains until the kernel side runs */
	assert_int_equal(atomic_load(&r->head), 0);
	assert_int_equal(atomic_load(&r->tail), n);
	assert_int_equal(drained(r), 0);

	recv_nothing(dp->sk);
	assert_int_equal(atomic_load(&r->head), n);
	assert_int_equal(drained(r), n);
	assert_int_equal(skipped(r), 0);
	dp_assert_clean(dp);

	assert_int_equal(dml_netdev_rxq_refill(dp->f->dev, DP_QUEUE), n);
	hold_pages(dp, n, again);
	for (k = 0; k < n; k++)
		assert_int_equal(again[k], tok[order[k]]);
	/* the ring may go once unregistered, and not before */
	assert_ok(ring_unset(dp->sk));
	free(r);
}

/*
 * the NIC's refill drains every ring registered on the binding, the
 * one registered before its socket joined (listed at the join) and the one
 * registered after; no recvmsg runs.
 */
static void test_refill_drains_every_ring(void **state)
{
	struct dp *dp = *state;
	struct devmem_lab_ring *r = ring_new(16), *r2 = ring_new(16);
	struct dml_wire_flow *flow2;
	struct dml_sock *sk2;
	uint32_t tok[32], tok2[32];
	uint64_t pos2 = 0;
	size_t k;

	dp_connect(dp, 40030, &flow2, &sk2);
	assert_ok(ring_set(dp->sk, r));
	hold_pages(dp, 32, tok);
	hold_on(dp, flow2, sk2, &pos2, 32, tok2);
	assert_ok(ring_set(sk2, r2));
	assert_int_equal(posted(dp), 0);
	for (k = 0; k < 10; k++) {
		assert_true(devmem_lab_ring_push(r, tok[k], 1));
		assert_true(devmem_lab_ring_push(r2, tok2[k], 1));
	}
	assert_int_equal(dml_netdev_rxq_refill(dp->f->dev, DP_QUEUE), 20);
	assert_int_equal(drained(r), 10);
	assert_int_equal(drained(r2), 10);
	assert_int_equal(atomic_load(&r->head), 10);
	assert_int_equal(atomic_load(&r2->head), 10);
	dp_assert_clean(dp);

	/* with the pool dry and the rings empty the stall is still a stall */
	hold_pages(dp, 20, tok);
	assert_errno(dml_netdev_rxq_refill(dp->f->dev, DP_QUEUE), -ENOBUFS);

	dml_wire_close(flow2);
	dml_close(sk2);
	free(r2);
	assert_ok(ring_unset(dp->sk));
	free(r);
}

/*
 * a full ring refuses the push; DONTNEED takes those tokens as it
 * always did, and once drained the ring takes pushes again.
 */
static void test_full_ring_falls_back(void **state)
{
	struct dp *dp = *state;
	struct devmem_lab_ring *r = ring_new(4);
	uint32_t tok[6];
	size_t k;

	assert_ok(ring_set(dp->sk, r));
	hold_pages(dp, 6, tok);
	for (k = 0; k < 4; k++)
		assert_true(devmem_lab_ring_push(r, tok[k], 1));
	assert_false(devmem_lab_ring_push(r, tok[4], 1));
	assert_int_equal(atomic_load(&r->tail), 4);
	assert_int_equal(dp_dontneed(dp->sk, tok[4], 1), 1);
	assert_int_equal(dp_dontneed(dp->sk, tok[5], 1), 1);

	recv_nothing(dp->sk);
	assert_int_equal(drained(r), 4);
	assert_true(devmem_lab_ring_push(r, tok[0], 1));	/* room again */
	recv_nothing(dp->sk);
	/* already returned: skipped, never a second release */
	assert_int_equal(drained(r), 4);
	assert_int_equal(skipped(r), 1);
	dp_assert_clean(dp);
	/* all six are home, four through the ring and two by DONTNEED */
	assert_int_equal(dml_netdev_rxq_refill(dp->f->dev, DP_QUEUE), 6);
	assert_int_equal(posted(dp), NR_PAGES);
	assert_ok(ring_unset(dp->sk));
	free(r);
}

/*
 * with devmem_lab_ring_push_many(): a batch goes in order up to the
 * room left, the rest is the caller's to DONTNEED; a drain frees the room.
 */
static void test_push_many(void **state)
{
	struct dp *dp = *state;
	struct devmem_lab_ring *r = ring_new(4);
	struct dmabuf_token batch[6];
	uint32_t tok[6];
	size_t k;

	assert_ok(ring_set(dp->sk, r));
	hold_pages(dp, 6, tok);
	for (k = 0; k < 6; k++)
		batch[k] = (struct dmabuf_token){ .token_start = tok[k], .token_count = 1 };
	assert_int_equal(devmem_lab_ring_push_many(r, batch, 3), 3);
	assert_int_equal(devmem_lab_ring_push_many(r, batch + 3, 3), 1);	/* one slot left */
	assert_int_equal(devmem_lab_ring_push_many(r, batch + 4, 2), 0);	/* full */
	assert_int_equal(atomic_load(&r->tail), 4);
	for (k = 0; k < 4; k++)
		assert_int_equal(r->entries[k].token_start, tok[k]);
	recv_nothing(dp->sk);
	assert_int_equal(drained(r), 4);
	assert_int_equal(devmem_lab_ring_push_many(r, batch + 4, 2), 2);	/* room again */
	recv_nothing(dp->sk);
	assert_int_equal(drained(r), 6);
	assert_int_equal(skipped(r), 0);
	dp_assert_clean(dp);
	assert_int_equal(dml_netdev_rxq_refill(dp->f->dev, DP_QUEUE), 6);
	assert_ok(ring_unset(dp->sk));
	free(r);
}

/*
 * unregistering drains what is queued, then the kernel side lets go
 * of the ring: what is pushed afterwards stays there.
 */
static void test_unregister_drains(void **state)
{
	struct dp *dp = *state;
	struct devmem_lab_ring *r = ring_new(4);
	uint32_t tok[3];

	assert_ok(ring_set(dp->sk, r));
	hold_pages(dp, 3, tok);
	assert_true(devmem_lab_ring_push(r, tok[0], 1));
	assert_true(devmem_lab_ring_push(r, tok[1], 1));
	assert_ok(ring_unset(dp->sk));
	assert_int_equal(drained(r), 2);
	assert_int_equal(atomic_load(&r->head), 2);
	assert_true(devmem_lab_ring_push(r, tok[2], 1));
	recv_nothing(dp->sk);
	assert_int_equal(drained(r), 2);
	assert_int_equal(atomic_load(&r->head), 2);
	assert_int_equal(dp_dontneed(dp->sk, tok[2], 1), 1);
	dp_assert_clean(dp);
	free(r);
}

/*
 * many laps of a 4-entry ring, with the indices starting just below
 * 2^32 so that they wrap too: every entry is drained once, in place.
 */
static void test_wrap_around(void **state)
{
	struct dp *dp = *state;
	struct devmem_lab_ring *r = ring_new(4);
	const uint32_t start = UINT32_MAX - 5;
	unsigned int lap;
	uint32_t tok[3];
	size_t k;

	atomic_store(&r->head, start);
	atomic_store(&r->tail, start);
	assert_ok(ring_set(dp->sk, r));
	for (lap = 0; lap < 50; lap++) {
		hold_pages(dp, 3, tok);
		for (k = 0; k < 3; k++)
			assert_true(devmem_lab_ring_push(r, tok[k], 1));
		recv_nothing(dp->sk);
		assert_int_equal(atomic_load(&r->head), (uint32_t)(start + 3 * (lap + 1)));
		assert_int_equal(drained(r), 3 * (lap + 1));
	}
	assert_int_equal(skipped(r), 0);
	dp_assert_clean(dp);
	/* the last lap's three are in the pool: the queue posts every page */
	assert_int_equal(dml_netdev_rxq_refill(dp->f->dev, DP_QUEUE), 3);
	assert_int_equal(posted(dp), NR_PAGES);
	assert_ok(ring_unset(dp->sk));
	free(r);
}

/*
 * bad entries are skipped and counted, never an error and never a
 * release of a page the entry does not name: beyond the binding, a uref
 * already 0, a range past 2^32, and an entry longer than
 * DEVMEM_LAB_RING_MAX_COUNT (skipped whole though it names held pages).
 */
static void test_bad_entries_skipped(void **state)
{
	struct dp *dp = *state;
	struct devmem_lab_ring *r = ring_new(16);
	uint32_t tok[2];

	assert_ok(ring_set(dp->sk, r));
	hold_pages(dp, 2, tok);
	assert_true(devmem_lab_ring_push(r, tok[0], 1));		/* good */
	assert_true(devmem_lab_ring_push(r, tok[0], 1));		/* uref now 0 */
	assert_true(devmem_lab_ring_push(r, NR_PAGES + 5, 3));		/* beyond */
	assert_true(devmem_lab_ring_push(r, NR_PAGES - 1, 2));		/* not held, then beyond */
	assert_true(devmem_lab_ring_push(r, UINT32_MAX, 2));		/* wraps */
	assert_true(devmem_lab_ring_push(r, 0, DEVMEM_LAB_RING_MAX_COUNT + 1));
	assert_true(devmem_lab_ring_push(r, tok[1], 0));		/* empty */
	recv_nothing(dp->sk);
	assert_int_equal(atomic_load(&r->head), 7);
	assert_int_equal(drained(r), 1);
	assert_int_equal(skipped(r), 1 + 3 + 2 + 2 + DEVMEM_LAB_RING_MAX_COUNT + 1);
	dp_assert_clean(dp);
	/* the long entry named tok[1] and left it held */
	assert_int_equal(dp_dontneed(dp->sk, tok[1], 1), 1);
	dp_assert_clean(dp);
	assert_ok(ring_unset(dp->sk));
	free(r);
}

/* entries of a socket that never joined a binding name nothing. */
static void test_entries_before_join(void **state)
{
	struct dp *dp = *state;
	struct devmem_lab_ring *r = ring_new(4);

	assert_ok(ring_set(dp->sk, r));
	assert_true(devmem_lab_ring_push(r, 0, 2));
	recv_nothing(dp->sk);
	assert_int_equal(drained(r), 0);
	assert_int_equal(skipped(r), 2);
	dp_assert_clean(dp);
	assert_ok(ring_unset(dp->sk));
	free(r);
}

/*
 * close with entries pending drains them first: unlike niov's close
 * (S-6.2, test_teardown's test_close_keeps_urefs), the pages are back in
 * the pool at once.  What the ring did not name stays until unbind.
 */
static void test_close_with_entries_pending(void **state)
{
	struct dp *dp = *state;
	struct devmem_lab_ring *r = ring_new(8);
	uint32_t tok[4];
	size_t k;

	assert_ok(ring_set(dp->sk, r));
	hold_pages(dp, 4, tok);
	for (k = 0; k < 3; k++)
		assert_true(devmem_lab_ring_push(r, tok[k], 1));
	assert_int_equal(drained(r), 0);
	dml_close(dp->sk);
	dp->sk = NULL;
	assert_int_equal(drained(r), 3);
	assert_int_equal(atomic_load(&r->head), 3);
	dp_assert_clean(dp);
	assert_int_equal(dml_netdev_rxq_refill(dp->f->dev, DP_QUEUE), 3);
	assert_errno(dml_netdev_rxq_refill(dp->f->dev, DP_QUEUE), -ENOBUFS);
	/* the fourth is reclaimed when the binding's users reach 0 */
	dp_unbind(dp);
	dp_assert_clean(dp);
	assert_int_equal(dp_pool_inflight(dp, dp->binding_id), -1);
	free(r);
}

/*
 * unbind with entries pending: the joined socket keeps the binding
 * (S-6.3), its ring still drains, on recvmsg and at close, and what it
 * never named is reclaimed when it closes, the binding's last user.
 */
static void test_unbind_with_entries_pending(void **state)
{
	struct dp *dp = *state;
	struct devmem_lab_ring *r = ring_new(8);
	uint32_t tok[4];

	assert_ok(ring_set(dp->sk, r));
	hold_pages(dp, 4, tok);
	assert_true(devmem_lab_ring_push(r, tok[0], 1));
	assert_true(devmem_lab_ring_push(r, tok[1], 1));
	dp_unbind(dp);
	dp_assert_clean(dp);
	assert_int_equal(dp_pool_inflight(dp, dp->binding_id), 4);
	assert_int_equal(dml_host_autorelease_mode(dp->f->host), 0);

	recv_nothing(dp->sk);
	assert_int_equal(drained(r), 2);
	assert_int_equal(dp_pool_inflight(dp, dp->binding_id), 2);
	assert_true(devmem_lab_ring_push(r, tok[2], 1));
	dml_close(dp->sk);
	dp->sk = NULL;
	assert_int_equal(drained(r), 3);
	dp_assert_clean(dp);
	assert_int_equal(dp_pool_inflight(dp, dp->binding_id), -1);
	assert_int_equal(dml_host_autorelease_mode(dp->f->host), -1);
	free(r);
}

/* ---- a racing producer against both kernel-side drainers (X-1.4) ------- */

#define RACE_ROUNDS	8

struct race {
	struct dp *dp;
	struct devmem_lab_ring *r;
	const uint32_t *tok;
	size_t n;
	uint64_t target;	/* drained count that ends the round */
	atomic_bool stop;
	atomic_long stalls;	/* the refill thread found nothing: -ENOBUFS */
};

/* The application: one entry per token, waiting for room when full. */
static void *race_producer(void *arg)
{
	struct race *rc = arg;
	size_t k;

	for (k = 0; k < rc->n; k++)
		while (!devmem_lab_ring_push(rc->r, rc->tok[k], 1))
			sched_yield();
	return NULL;
}

static void *race_recvmsg(void *arg)
{
	struct race *rc = arg;
	struct dp_read *rd = malloc(sizeof(*rd));

	assert_non_null(rd);
	while (!atomic_load(&rc->stop)) {
		dp_recv(rc->dp->sk, PAGE, DP_MAX_CMSGS * 40,
			MSG_SOCK_DEVMEM | MSG_DONTWAIT, rd);
		if (rd->ret != -EAGAIN)
			atomic_store(&rc->stop, true);
		sched_yield();
	}
	free(rd);
	return NULL;
}

static void *race_refill(void *arg)
{
	struct race *rc = arg;

	while (!atomic_load(&rc->stop)) {
		int ret = dml_netdev_rxq_refill(rc->dp->f->dev, DP_QUEUE);

		if (ret == -ENOBUFS)
			atomic_fetch_add(&rc->stalls, 1);
		else if (ret < 0)
			atomic_store(&rc->stop, true);
		sched_yield();
	}
	return NULL;
}

/*
 * the producer pushes every held token through an 8-entry ring while
 * recvmsg and the NIC's refill drain it from two other threads (the two
 * consumers' try-lock keeps them apart).  Whatever the interleaving, each
 * token is released exactly once and none is skipped; run under TSan and
 * ASan too (docs/extensions.md).
 */
static void test_racing_producer_and_drains(void **state)
{
	struct dp *dp = *state;
	struct devmem_lab_ring *r = ring_new(8);
	uint32_t tok[NR_PAGES];
	pthread_t prod, rcv, ref;
	struct race rc = { .dp = dp, .r = r, .tok = tok, .n = NR_PAGES };
	unsigned int round;

	assert_ok(ring_set(dp->sk, r));
	for (round = 0; round < RACE_ROUNDS; round++) {
		hold_pages(dp, NR_PAGES, tok);
		assert_int_equal(posted(dp), 0);
		rc.target = (uint64_t)NR_PAGES * (round + 1);
		atomic_store(&rc.stop, false);
		assert_int_equal(pthread_create(&prod, NULL, race_producer, &rc), 0);
		assert_int_equal(pthread_create(&rcv, NULL, race_recvmsg, &rc), 0);
		assert_int_equal(pthread_create(&ref, NULL, race_refill, &rc), 0);
		assert_int_equal(pthread_join(prod, NULL), 0);
		/* the producer is done: both drainers run until all is back */
		while (drained(r) + skipped(r) < rc.target && !atomic_load(&rc.stop))
			sched_yield();
		atomic_store(&rc.stop, true);
		assert_int_equal(pthread_join(rcv, NULL), 0);
		assert_int_equal(pthread_join(ref, NULL), 0);
		assert_int_equal(drained(r), rc.target);
		assert_int_equal(skipped(r), 0);
		assert_int_equal(atomic_load(&r->head), atomic_load(&r->tail));
		dp_assert_clean(dp);
		/* every page is home: the queue posts them all again */
		dml_netdev_rxq_refill(dp->f->dev, DP_QUEUE);
		assert_int_equal(posted(dp), NR_PAGES);
	}
	assert_ok(ring_unset(dp->sk));
	free(r);
}

#define T(fn, setup) { #fn "/" #setup, fn, setup, dp_teardown, NULL }

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_registration_errors, ring_setup),
		T(test_no_ring_without_the_design, niov_setup),
		T(test_no_ring_in_autorelease_mode, dp_setup1),
		T(test_ordering, ring_setup),
		T(test_refill_drains_every_ring, ring_setup),
		T(test_full_ring_falls_back, ring_setup),
		T(test_push_many, ring_setup),
		T(test_unregister_drains, ring_setup),
		T(test_wrap_around, ring_setup),
		T(test_bad_entries_skipped, ring_setup),
		T(test_entries_before_join, ring_setup),
		T(test_close_with_entries_pending, ring_setup),
		T(test_unbind_with_entries_pending, ring_setup),
		T(test_racing_producer_and_drains, ring_setup),
	};

	return RUN_TESTS(tests);
}
