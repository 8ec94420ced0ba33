// SPDX-License-Identifier: MIT
/*
 * The kernel selftest's devmem cases (devmem.py driving ncdevmem -a 0|1
 * -U 0|1|2), on the synthetic wire: check_rx, check_unbind_before_recv and
 * check_unbind_after_recv, each with autorelease 0 and 1.
 *
 * The receiver reads like ncdevmem: one recvmsg(MSG_SOCK_DEVMEM) with an
 * 800 KiB iovec and an 80 KB cmsg buffer; per SCM_DEVMEM_DMABUF cmsg it
 * checks the dma-buf id, validates the bytes through its own mapping of
 * the dma-buf (-v 7) and returns the token with one DONTNEED expecting 1.
 * The dma-buf is small (64 pages) so the ~1 MiB transfer cycles it many
 * times: the sender and the receiver take turns, as the NIC can only
 * deliver into buffers the user gave back.
 */
#include "dp_helpers.h"

#define ST_TOTAL	(1024u * 1024u + 4321u)	/* ~1 MiB, not page aligned */
#define ST_CHUNK	(384u * 1024u)		/* one write: more than the dma-buf */
#define ST_IOV		(800u * 1024u)		/* ncdevmem's iovec */
#define ST_CTRL		80000u			/* ncdevmem's cmsg buffer */
#define ST_ROUNDS	100000u			/* far above what a transfer takes */
#define ST_HOLD_MAX	(ST_CTRL / 16)

struct st {
	struct dp *dp;
	unsigned char *pattern;		/* the whole transfer, -v 7 */
	unsigned char *iov;
	unsigned char *ctrl;
	size_t sent;			/* bytes the NIC took */
	size_t rd;			/* bytes read and validated */
	bool fin;
	bool holding;			/* keep tokens instead of returning them */
	uint32_t held[ST_HOLD_MAX];
	size_t nr_held;
	unsigned long devmem_reads;	/* reads that carried DMABUF cmsgs */
	unsigned long host_reads;	/* reads copied from host memory */
	unsigned long stalled_sends;	/* sends cut short by a dry ring */
};

/* A 1448-byte MSS with GRO, as a real TCP peer over Ethernet sends. */
static int st_setup(void **state, int mode, uint16_t sport)
{
	struct dml_wire_flow_config cfg = dp_flow_config(sport);
	struct st *s = calloc(1, sizeof(*s));
	size_t i;

	if (!s)
		return -1;
	cfg.mss = 1448;
	cfg.gro_segs = 4;
	if (dp_setup_cfg((void **)&s->dp, mode, FIXTURE_PAGES, NULL, &cfg))
		return -1;
	s->pattern = malloc(ST_TOTAL);
	s->iov = malloc(ST_IOV);
	s->ctrl = malloc(ST_CTRL);
	if (!s->pattern || !s->iov || !s->ctrl)
		return -1;
	for (i = 0; i < ST_TOTAL; i++)
		s->pattern[i] = dp_pattern(i);
	*state = s;
	return 0;
}

static int st_setup_rx0(void **state)
{
	return st_setup(state, 0, 41000);
}

static int st_setup_rx1(void **state)
{
	return st_setup(state, 1, 41001);
}

static int st_setup_before0(void **state)
{
	return st_setup(state, 0, 41002);
}

static int st_setup_before1(void **state)
{
	return st_setup(state, 1, 41003);
}

static int st_setup_after0(void **state)
{
	return st_setup(state, 0, 41004);
}

static int st_setup_after1(void **state)
{
	return st_setup(state, 1, 41005);
}

static int st_teardown(void **state)
{
	struct st *s = *state;
	int ret;

	ret = dp_teardown((void **)&s->dp);
	free(s->pattern);
	free(s->iov);
	free(s->ctrl);
	free(s);
	return ret;
}

/* devmem.py's `-U 1|2`: the netlink socket that made the binding goes. */
static void st_unbind(struct st *s)
{
	struct dml_rxq_info info;

	dp_unbind(s->dp);
	/* S-3.2: the queue restarted on host memory */
	assert_ok(dml_netdev_rxq_info(s->dp->f->dev, DP_QUEUE, &info));
	assert_int_equal(info.dmabuf_id, 0);
}

/* The remote writes up to @max more bytes; what the NIC took, or -ENOBUFS. */
static ssize_t st_send(struct st *s, size_t max)
{
	size_t len = ST_TOTAL - s->sent < max ? ST_TOTAL - s->sent : max;
	ssize_t n;

	n = dml_wire_send(s->dp->flow, s->pattern + s->sent, len);
	if (n == -ENOBUFS) {
		s->stalled_sends++;
		return n;
	}
	assert_true(n > 0 && (size_t)n <= len);
	if ((size_t)n < len)
		s->stalled_sends++;
	s->sent += (size_t)n;
	return n;
}

static void st_validate(const struct st *s, const unsigned char *src, size_t n,
			size_t pos)
{
	size_t k;

	assert_true(pos + n <= s->sent);
	if (memcmp(src, s->pattern + pos, n) == 0)
		return;
	for (k = 0; k < n; k++)
		if (src[k] != s->pattern[pos + k])
			fail_msg("byte %zu: got 0x%02x, want 0x%02x", pos + k,
				 src[k], s->pattern[pos + k]);
}

/*
 * One ncdevmem read: validates every byte in order (S-4.1, S-4.3) and
 * returns each token with one DONTNEED expecting 1 (S-5.3, S-5.4), or
 * keeps it when the test holds tokens.  Returns recvmsg's result.
 */
static ssize_t st_read(struct st *s, int flags)
{
	struct dp *dp = s->dp;
	struct iovec iov = { .iov_base = s->iov, .iov_len = ST_IOV };
	struct msghdr msg = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = s->ctrl,
		.msg_controllen = ST_CTRL,
	};
	size_t lin = 0, got = 0, dmabuf = 0;
	struct cmsghdr *cm;
	ssize_t ret;

	ret = dml_recvmsg(dp->sk, &msg, MSG_SOCK_DEVMEM | flags);
	if (ret <= 0)
		return ret;
	assert_true((size_t)ret <= ST_IOV);
	if (!msg.msg_controllen) {
		/* S-4.2: host memory read with MSG_SOCK_DEVMEM is a plain copy */
		st_validate(s, s->iov, (size_t)ret, s->rd);
		s->rd += (size_t)ret;
		s->host_reads++;
		return ret;
	}
	for (cm = CMSG_FIRSTHDR(&msg); cm; cm = CMSG_NXTHDR(&msg, cm)) {
		struct dmabuf_cmsg c;

		assert_int_equal(cm->cmsg_level, SOL_SOCKET);
		assert_int_equal(cm->cmsg_len, CMSG_LEN(sizeof(c)));
		memcpy(&c, CMSG_DATA(cm), sizeof(c));
		assert_int_equal(c.flags, 0);
		if (cm->cmsg_type == SCM_DEVMEM_LINEAR) {
			/* S-4.3: linear bytes are in the iovec */
			st_validate(s, s->iov + lin, c.frag_size, s->rd + got);
			lin += c.frag_size;
			got += c.frag_size;
			continue;
		}
		assert_int_equal(cm->cmsg_type, SCM_DEVMEM_DMABUF);
		assert_int_equal(c.dmabuf_id, dp->binding_id);
		assert_true(c.frag_size > 0);
		assert_true(c.frag_offset + c.frag_size <=
			    (uint64_t)FIXTURE_PAGES * DML_PAGE_SIZE);
		if (dp->mode == 0)	/* S-4.5: the token is the page */
			assert_int_equal(c.frag_token, c.frag_offset / DML_PAGE_SIZE);
		st_validate(s, dp->map + c.frag_offset, c.frag_size, s->rd + got);
		got += c.frag_size;
		dmabuf++;
		if (s->holding) {
			assert_true(s->nr_held < ST_HOLD_MAX);
			s->held[s->nr_held++] = c.frag_token;
		} else {
			assert_int_equal(dp_dontneed(dp->sk, c.frag_token, 1), 1);
		}
	}
	/* S-4.2: one read is all devmem: every byte is in some cmsg */
	assert_int_equal(got, (size_t)ret);
	assert_true(dmabuf > 0);
	s->rd += (size_t)ret;
	s->devmem_reads++;
	return ret;
}

/* Returns the tokens kept by st_read(), one DONTNEED each expecting 1. */
static void st_return_held(struct st *s)
{
	size_t i;

	for (i = 0; i < s->nr_held; i++)
		assert_int_equal(dp_dontneed(s->dp->sk, s->held[i], 1), 1);
	s->nr_held = 0;
}

/*
 * Sender and receiver take turns until the receiver reads EOF.  A dry ring
 * (-ENOBUFS) must come back once the receiver returned its tokens: a round
 * where neither side moves is a hang (S-2.3).
 */
static void st_transfer(struct st *s)
{
	unsigned int rounds = 0;
	ssize_t ret;

	for (;;) {
		bool moved = false;

		if (s->sent < ST_TOTAL) {
			moved = st_send(s, ST_CHUNK) > 0;
		} else if (!s->fin) {
			assert_ok(dml_wire_shutdown(s->dp->flow));
			s->fin = true;
			moved = true;
		}
		ret = st_read(s, MSG_DONTWAIT);
		if (ret == 0)
			break;		/* EOF: ncdevmem exits 0 */
		if (ret > 0)
			moved = true;
		else
			assert_errno(ret, -EAGAIN);
		if (!moved)
			fail_msg("stuck: %zu bytes sent, %zu read", s->sent, s->rd);
		if (++rounds > ST_ROUNDS)
			fail_msg("no EOF after %u rounds", rounds);
	}
	assert_true(s->fin);
	assert_int_equal(s->rd, ST_TOTAL);
}

/*
 * Nothing is left outstanding: a DONTNEED over every token releases
 * nothing.  Once the last binding is freed the mode key is back at manual
 * (S-3.4, as v10), where this socket never joined a binding: EINVAL.
 */
static void st_assert_all_returned(struct st *s)
{
	struct dmabuf_token all = { .token_start = 0, .token_count = 1024 };
	int want = dml_host_autorelease_mode(s->dp->f->host) < 0 ? -EINVAL : 0;

	if (s->dp->mode == 0 && !s->devmem_reads)
		return;		/* never joined: EINVAL, shown elsewhere */
	assert_int_equal(dml_setsockopt(s->dp->sk, SOL_SOCKET, SO_DEVMEM_DONTNEED,
					&all, sizeof(all)), want);
}

/* Closes the receiver and the flow now; the fixture closes what is left. */
static void st_close(struct st *s)
{
	dml_close(s->dp->sk);
	s->dp->sk = NULL;
	dml_wire_close(s->dp->flow);
	s->dp->flow = NULL;
}

/*
 * check_rx: ~1 MiB through a 64-page dma-buf, every byte validated in
 * order, every token returned with one DONTNEED that releases exactly 1.
 * S-2.3 (the dry ring stalls, counted, and resumes once tokens come
 * back), S-4.1, S-4.3, S-4.4 / S-4.5 (tokens per mode), S-5.3 / S-5.4
 * (each return counted once), S-4.7 and S-7.3 (the checker stays clean).
 */
static void check_rx(void **state)
{
	struct st *s = *state;
	struct dml_rxq_info info;

	st_transfer(s);
	assert_true(s->devmem_reads > 0);
	assert_int_equal(s->host_reads, 0);
	/* 1 MiB through 256 KiB of dma-buf: the NIC must have waited */
	assert_true(s->stalled_sends > 0);
	assert_ok(dml_netdev_rxq_info(s->dp->f->dev, DP_QUEUE, &info));
	assert_true(info.stalls > 0);
	assert_int_equal(info.dmabuf_id, s->dp->binding_id);
	st_assert_all_returned(s);
	dp_assert_clean(s->dp);
}

/*
 * check_unbind_before_recv (-U 1): data arrives, then the netlink socket
 * closes before the first read.  autorelease = 0: the socket never joined
 * the binding, whose users are gone, so its first devmem read fails with
 * ENODEV, which the selftest counts as success (S-4.5, S-6.3); the data
 * stays queued (a second read fails the same way), DONTNEED is EINVAL
 * (S-5.4), and closing the socket frees the binding and the mode (S-6.2,
 * S-6.5).  autorelease = 1: the queued devmem data reads normally, the rest
 * of the transfer arrives in host memory (S-3.2, S-4.2), all of it
 * validated to EOF, and the binding goes with the last token (S-6.1, S-6.5).
 */
static void check_unbind_before_recv(void **state)
{
	struct st *s = *state;

	assert_int_equal(st_send(s, 128u * 1024u), 128u * 1024u);
	st_unbind(s);
	assert_int_equal(dml_host_autorelease_mode(s->dp->f->host), s->dp->mode);

	if (s->dp->mode == 0) {
		assert_errno(st_read(s, MSG_DONTWAIT), -ENODEV);
		assert_errno(st_read(s, MSG_DONTWAIT), -ENODEV);
		assert_errno(dp_dontneed(s->dp->sk, 0, 1), -EINVAL);
		assert_int_equal(s->rd, 0);
		dp_assert_clean(s->dp);
	} else {
		st_transfer(s);
		assert_true(s->devmem_reads > 0);
		/* what was sent after the unbind came through host memory */
		assert_true(s->host_reads > 0);
		st_assert_all_returned(s);
		dp_assert_clean(s->dp);
	}
	st_close(s);
	/* the last reference went: the binding and its mode are gone */
	assert_int_equal(dml_host_autorelease_mode(s->dp->f->host), -1);
	dp_assert_clean(s->dp);
}

/*
 * check_unbind_after_recv (-U 2): one devmem read succeeds (the socket
 * joins the binding), more data is in flight, then the netlink socket
 * closes.  The joined socket keeps the binding alive: it goes on reading
 * the queued devmem data and returning tokens, including those of the
 * first read, returned after the unbind; the rest arrives in host memory;
 * the whole transfer validates to EOF (S-6.3, S-3.3, S-3.2, S-4.2, S-5.3,
 * S-5.4).  When the socket closes the binding and the mode go (S-6.2,
 * S-6.5).
 */
static void check_unbind_after_recv(void **state)
{
	struct st *s = *state;
	unsigned long devmem_before;

	assert_int_equal(st_send(s, 64u * 1024u), 64u * 1024u);
	s->holding = true;
	assert_true(st_read(s, MSG_DONTWAIT) > 0);
	s->holding = false;
	assert_int_equal(s->devmem_reads, 1);
	assert_true(s->nr_held > 0);
	/* in flight at the unbind: devmem skbs queued but not read */
	assert_int_equal(st_send(s, 64u * 1024u), 64u * 1024u);
	assert_true(s->sent > s->rd);
	st_unbind(s);
	assert_int_equal(dml_host_autorelease_mode(s->dp->f->host), s->dp->mode);
	st_return_held(s);
	devmem_before = s->devmem_reads;
	st_transfer(s);
	/* devmem reads after the unbind, then host memory */
	assert_true(s->devmem_reads > devmem_before);
	assert_true(s->host_reads > 0);
	st_assert_all_returned(s);
	dp_assert_clean(s->dp);
	/*
	 * autorelease = 0: the joined socket holds the binding until it
	 * closes (S-6.2); autorelease = 1: sockets hold pages, not the
	 * binding, so it went with the last token returned (S-6.5).
	 */
	assert_int_equal(dml_host_autorelease_mode(s->dp->f->host),
			 s->dp->mode == 0 ? 0 : -1);
	st_close(s);
	assert_int_equal(dml_host_autorelease_mode(s->dp->f->host), -1);
	dp_assert_clean(s->dp);
}

#define ST(fn, mode, setup) { #fn "/autorelease=" #mode, fn, setup, st_teardown, NULL }

int main(void)
{
	const struct CMUnitTest tests[] = {
		ST(check_rx, 0, st_setup_rx0),
		ST(check_rx, 1, st_setup_rx1),
		ST(check_unbind_before_recv, 0, st_setup_before0),
		ST(check_unbind_before_recv, 1, st_setup_before1),
		ST(check_unbind_after_recv, 0, st_setup_after0),
		ST(check_unbind_after_recv, 1, st_setup_after1),
	};

	return RUN_EVERY_DESIGN(tests);
}
