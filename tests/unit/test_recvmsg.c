// SPDX-License-Identifier: MIT
/* recvmsg(MSG_SOCK_DEVMEM): S-4.1 .. S-4.7, in both modes where they apply. */
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <time.h>

#include "dp_helpers.h"
#include "host.h"
#include "net/sock.h"
#include "tokens/tokens.h"

#define ROOM(n) ((n) * CMSG_SPACE(sizeof(struct dmabuf_cmsg)))

static int dp_setup_split(void **state, int mode)
{
	struct dml_wire_flow_config cfg = dp_flow_config(40001);

	cfg.hds_thresh = 100;
	return dp_setup_cfg(state, mode, FIXTURE_PAGES, NULL, &cfg);
}

static int dp_setup_split0(void **state)
{
	return dp_setup_split(state, 0);
}

static int dp_setup_split1(void **state)
{
	return dp_setup_split(state, 1);
}

static int dp_setup_half_pages(void **state, int mode, uint32_t linear_head,
			       uint32_t gro)
{
	struct dml_wire_flow_config cfg = dp_flow_config(40002);

	cfg.mss = 2048;
	cfg.linear_head = linear_head;
	cfg.gro_segs = gro;
	return dp_setup_cfg(state, mode, FIXTURE_PAGES, NULL, &cfg);
}

static int dp_setup_half0(void **state)
{
	return dp_setup_half_pages(state, 0, 0, 1);
}

static int dp_setup_half1(void **state)
{
	return dp_setup_half_pages(state, 1, 0, 1);
}

static int dp_setup_linear0(void **state)
{
	return dp_setup_half_pages(state, 0, 100, 1);
}

static int dp_setup_linear1(void **state)
{
	return dp_setup_half_pages(state, 1, 100, 1);
}

static int dp_setup_gro1(void **state)
{
	struct dml_wire_flow_config cfg = dp_flow_config(40003);

	cfg.gro_segs = 3;
	return dp_setup_cfg(state, 1, FIXTURE_PAGES, NULL, &cfg);
}

/*
 * S-4.1: headers and payload split: payload lands in dma-buf pages, one
 * DMABUF cmsg per frag, nothing copied into the iovec.
 */
static void test_header_split_payload_in_dmabuf(void **state)
{
	struct dp *dp = *state;
	struct dp_read r;
	size_t i;

	assert_int_equal(dp_send(dp, 3 * 4096), 3 * 4096);
	memset(r.linear, 0xee, 16);
	dp_recv(dp->sk, 65536, ROOM(16), MSG_SOCK_DEVMEM, &r);
	assert_int_equal(r.ret, 3 * 4096);
	assert_int_equal(r.n, 3);
	for (i = 0; i < r.n; i++) {
		assert_int_equal(r.cm[i].type, SCM_DEVMEM_DMABUF);
		assert_int_equal(r.cm[i].c.frag_size, 4096);
		assert_int_equal(r.cm[i].c.frag_offset % 4096, 0);
		assert_int_equal(r.cm[i].c.dmabuf_id, dp->binding_id);
		assert_int_equal(r.cm[i].c.flags, 0);
	}
	/* S-4.3: no payload copied */
	assert_int_equal(r.linear[0], 0xee);
	dp_verify(dp, &r, 0);
	assert_int_equal(dp_return_all(dp->sk, &r), 3);
	dp_assert_clean(dp);
}

/* S-4.1: a payload under the header-split threshold stays in host memory. */
static void test_small_payload_in_host_memory(void **state)
{
	struct dp *dp = *state;
	struct dp_read r;
	size_t i;

	assert_int_equal(dp_send(dp, 60), 60);
	dp_recv(dp->sk, 65536, 0, 0, &r);
	assert_int_equal(r.ret, 60);
	for (i = 0; i < 60; i++)
		assert_int_equal(r.linear[i], dp_pattern(i));
}

/*
 * S-4.2: one recvmsg never mixes host-memory and devmem skbs; a host skb read
 * with MSG_SOCK_DEVMEM is copied with no cmsg.
 */
static void test_no_mixing(void **state)
{
	struct dp *dp = *state;
	struct dp_read r;

	assert_int_equal(dp_send(dp, 60), 60);
	assert_int_equal(dp_send(dp, 4096), 4096);
	assert_int_equal(dp_send(dp, 50), 50);

	dp_recv(dp->sk, 65536, ROOM(8), MSG_SOCK_DEVMEM, &r);
	assert_int_equal(r.ret, 60);
	assert_int_equal(r.n, 0);
	assert_int_equal(r.linear[0], dp_pattern(0));

	dp_recv(dp->sk, 65536, ROOM(8), MSG_SOCK_DEVMEM, &r);
	assert_int_equal(r.ret, 4096);
	assert_int_equal(r.n, 1);
	dp_verify(dp, &r, 60);
	assert_int_equal(dp_return_all(dp->sk, &r), 1);

	dp_recv(dp->sk, 65536, ROOM(8), MSG_SOCK_DEVMEM, &r);
	assert_int_equal(r.ret, 50);
	assert_int_equal(r.n, 0);
	assert_int_equal(r.linear[0], dp_pattern(60 + 4096));
	dp_assert_clean(dp);
}

/*
 * S-4.2: devmem data read without MSG_SOCK_DEVMEM is EFAULT when nothing was
 * read yet, and a short read when host data came first; nothing is lost.
 */
static void test_devmem_without_flag(void **state)
{
	struct dp *dp = *state;
	struct dp_read r;

	assert_int_equal(dp_send(dp, 4096), 4096);
	dp_recv(dp->sk, 65536, ROOM(8), 0, &r);
	assert_int_equal(r.ret, -EFAULT);
	dp_recv(dp->sk, 65536, ROOM(8), MSG_SOCK_DEVMEM, &r);
	assert_int_equal(r.ret, 4096);
	assert_int_equal(dp_return_all(dp->sk, &r), 1);

	assert_int_equal(dp_send(dp, 70), 70);
	assert_int_equal(dp_send(dp, 4096), 4096);
	dp_recv(dp->sk, 65536, 0, 0, &r);
	assert_int_equal(r.ret, 70);
	dp_recv(dp->sk, 65536, 0, 0, &r);
	assert_int_equal(r.ret, -EFAULT);
	dp_recv(dp->sk, 65536, ROOM(8), MSG_SOCK_DEVMEM, &r);
	assert_int_equal(r.ret, 4096);
	dp_verify(dp, &r, 4096 + 70);
	assert_int_equal(dp_return_all(dp->sk, &r), 1);
	dp_assert_clean(dp);
}

/*
 * S-4.3: linear payload of a devmem skb is copied and announced in one LINEAR
 * cmsg (all fields 0 but frag_size), before the frag's DMABUF cmsg.
 */
static void test_linear_cmsg(void **state)
{
	struct dp *dp = *state;
	struct dp_read r;

	assert_int_equal(dp_send(dp, 2048), 2048);
	dp_recv(dp->sk, 65536, ROOM(8), MSG_SOCK_DEVMEM, &r);
	assert_int_equal(r.ret, 2048);
	assert_int_equal(r.n, 2);
	assert_int_equal(r.cm[0].type, SCM_DEVMEM_LINEAR);
	assert_int_equal(r.cm[0].c.frag_size, 100);
	assert_int_equal(r.cm[0].c.frag_offset, 0);
	assert_int_equal(r.cm[0].c.frag_token, 0);
	assert_int_equal(r.cm[0].c.dmabuf_id, 0);
	assert_int_equal(r.cm[0].c.flags, 0);
	assert_int_equal(r.cm[1].type, SCM_DEVMEM_DMABUF);
	assert_int_equal(r.cm[1].c.frag_size, 2048 - 100);
	dp_verify(dp, &r, 0);
	assert_int_equal(dp_return_all(dp->sk, &r), 1);
	dp_assert_clean(dp);
}

/*
 * S-4.3: frag_offset is the byte's offset in the dma-buf, also for a frag
 * read in parts (the rest stays queued and comes with a fresh cmsg).
 */
static void test_partial_frag_offsets(void **state)
{
	struct dp *dp = *state;
	struct dp_read a, b;

	assert_int_equal(dp_send(dp, 4096), 4096);
	dp_recv(dp->sk, 1000, ROOM(8), MSG_SOCK_DEVMEM, &a);
	assert_int_equal(a.ret, 1000);
	assert_int_equal(a.n, 1);
	assert_int_equal(a.cm[0].c.frag_size, 1000);
	dp_recv(dp->sk, 65536, ROOM(8), MSG_SOCK_DEVMEM, &b);
	assert_int_equal(b.ret, 3096);
	assert_int_equal(b.n, 1);
	assert_int_equal(b.cm[0].c.frag_offset, a.cm[0].c.frag_offset + 1000);
	assert_int_equal(b.cm[0].c.frag_size, 3096);
	dp_verify(dp, &a, 0);
	dp_verify(dp, &b, 1000);
	if (dp->mode == 0) {
		/* S-4.5: both parts name the same page */
		assert_int_equal(a.cm[0].c.frag_token, b.cm[0].c.frag_token);
		assert_int_equal(dp_dontneed(dp->sk, a.cm[0].c.frag_token, 1), 1);
		assert_int_equal(dp_dontneed(dp->sk, a.cm[0].c.frag_token, 1), 1);
	} else {
		/* S-4.4: each delivery its own token */
		assert_int_not_equal(a.cm[0].c.frag_token, b.cm[0].c.frag_token);
		assert_int_equal(dp_return_all(dp->sk, &a), 1);
		assert_int_equal(dp_return_all(dp->sk, &b), 1);
	}
	dp_assert_clean(dp);
}

/* S-4.4: tokens are the lowest free ids from 1; a returned id is reused first. */
static void test_xarray_token_ids(void **state)
{
	struct dp *dp = *state;
	struct dp_read r;

	assert_int_equal(dp_send(dp, 3 * 4096), 3 * 4096);
	dp_recv(dp->sk, 65536, ROOM(8), MSG_SOCK_DEVMEM, &r);
	assert_int_equal(r.n, 3);
	assert_int_equal(r.cm[0].c.frag_token, 1);
	assert_int_equal(r.cm[1].c.frag_token, 2);
	assert_int_equal(r.cm[2].c.frag_token, 3);
	assert_int_equal(dp_dontneed(dp->sk, 2, 1), 1);
	assert_int_equal(dp_send(dp, 2 * 4096), 2 * 4096);
	dp_recv(dp->sk, 65536, ROOM(8), MSG_SOCK_DEVMEM, &r);
	assert_int_equal(r.n, 2);
	assert_int_equal(r.cm[0].c.frag_token, 2);
	assert_int_equal(r.cm[1].c.frag_token, 4);
	assert_int_equal(dp_dontneed(dp->sk, 1, 4), 4);
	dp_assert_clean(dp);
}

/* S-4.4 / S-4.5: two frags of one page: two tokens in mode 1, one token in mode 0. */
static void test_two_frags_one_page(void **state)
{
	struct dp *dp = *state;
	struct dp_read r;

	assert_int_equal(dp_send(dp, 4096), 4096);	/* two 2048-byte segments */
	dp_recv(dp->sk, 65536, ROOM(8), MSG_SOCK_DEVMEM, &r);
	assert_int_equal(r.ret, 4096);
	assert_int_equal(r.n, 2);
	assert_int_equal(r.cm[0].c.frag_offset / 4096, r.cm[1].c.frag_offset / 4096);
	assert_int_equal(r.cm[1].c.frag_offset, r.cm[0].c.frag_offset + 2048);
	if (dp->mode == 0) {
		assert_int_equal(r.cm[0].c.frag_token, r.cm[1].c.frag_token);
		assert_int_equal(r.cm[0].c.frag_token, r.cm[0].c.frag_offset / 4096);
	} else {
		assert_int_not_equal(r.cm[0].c.frag_token, r.cm[1].c.frag_token);
	}
	dp_verify(dp, &r, 0);
	assert_int_equal(dp_return_all(dp->sk, &r), 2);
	dp_assert_clean(dp);
}

/* S-4.5: token = page index, and the same token each time the page comes back. */
static void test_niov_token_is_page_index(void **state)
{
	struct dp *dp = *state;
	uint32_t seen[FIXTURE_PAGES] = { 0 };
	struct dp_read r;
	int round;
	size_t i;

	for (round = 0; round < 3; round++) {
		for (i = 0; i < FIXTURE_PAGES / 8; i++) {
			assert_int_equal(dp_send(dp, 8 * 4096), 8 * 4096);
			dp_recv(dp->sk, 65536, ROOM(16), MSG_SOCK_DEVMEM, &r);
			assert_int_equal(r.n, 8);
			for (size_t k = 0; k < r.n; k++) {
				uint32_t token = r.cm[k].c.frag_token;

				assert_int_equal(token, r.cm[k].c.frag_offset / 4096);
				assert_true(token < FIXTURE_PAGES);
				seen[token]++;
			}
			assert_int_equal(dp_return_all(dp->sk, &r), 8);
		}
	}
	/* 64 pages cycled through three times: every page seen, each token reused */
	for (i = 0; i < FIXTURE_PAGES; i++)
		assert_int_equal(seen[i], 3);
	dp_assert_clean(dp);
}

/*
 * S-4.6: no room for the first cmsg is ETOOSMALL and nothing is consumed;
 * room for one of three frags delivers one, the rest stays queued, and no
 * token or reference is taken for the others.
 */
static void test_cmsg_room(void **state)
{
	struct dp *dp = *state;
	struct dp_read r;

	assert_int_equal(dp_send(dp, 3 * 4096), 3 * 4096);
	dp_recv(dp->sk, 65536, 0, MSG_SOCK_DEVMEM, &r);
	assert_int_equal(r.ret, -ETOOSMALL);
	dp_recv(dp->sk, 65536, ROOM(1) - 1, MSG_SOCK_DEVMEM, &r);
	assert_int_equal(r.ret, -ETOOSMALL);
	/* S-4.5 / S-4.6: a frag whose cmsg was not written did not join the binding */
	if (dp->mode == 0)
		assert_int_equal(dp_dontneed(dp->sk, 0, 1), -EINVAL);
	dp_assert_clean(dp);

	dp_recv(dp->sk, 65536, ROOM(1), MSG_SOCK_DEVMEM, &r);
	assert_int_equal(r.ret, 4096);
	assert_int_equal(r.n, 1);
	dp_verify(dp, &r, 0);
	if (dp->mode == 1)
		assert_int_equal(r.cm[0].c.frag_token, 1);
	dp_assert_clean(dp);

	dp_recv(dp->sk, 65536, ROOM(8), MSG_SOCK_DEVMEM, &r);
	assert_int_equal(r.ret, 2 * 4096);
	assert_int_equal(r.n, 2);
	dp_verify(dp, &r, 4096);
	if (dp->mode == 1) {
		/* the ids reserved but unused by the short read were given back */
		assert_int_equal(r.cm[0].c.frag_token, 2);
		assert_int_equal(r.cm[1].c.frag_token, 3);
	}
	/* one entry over every id: the three outstanding frags come back */
	assert_int_equal(dp_dontneed(dp->sk, 0, 4096), 3);
	dp_assert_clean(dp);
}

/* The token lock's rounds so far; -1 for a design without a token lock. */
static long token_lock_rounds(struct dml_token_sock *ts)
{
	return ts->ops->lock_rounds ? (long)ts->ops->lock_rounds(ts) : -1;
}

/*
 * S-4.4: an skb's ids are reserved in one lock round (up to 17) and
 * committed in one more, which also gives back the ids a short read left
 * unused: two rounds per skb, as tcp_recvmsg_dmabuf() takes with its
 * per-skb tcp_xa_pool, never one per frag.
 */
static void test_gro_skb_reservation(void **state)
{
	struct dp *dp = *state;
	struct dml_token_sock *ts = dp->sk->tokens[1];
	struct dp_read r;
	long before;
	int k;

	/* The designs that reserve under a token lock must count its rounds. */
	if (!strcmp(dp_design[1], "xarray") || !strcmp(dp_design[1], "rcu"))
		assert_non_null(ts->ops->lock_rounds);

	/* One skb of three frags, read two frags and 10 bytes: two rounds. */
	assert_int_equal(dp_send(dp, 3 * 4096), 3 * 4096);
	before = token_lock_rounds(ts);
	dp_recv(dp->sk, 4096 + 10, ROOM(8), MSG_SOCK_DEVMEM, &r);
	if (before >= 0)
		assert_int_equal(token_lock_rounds(ts) - before, 2);
	assert_int_equal(r.ret, 4096 + 10);
	assert_int_equal(r.n, 2);
	assert_int_equal(r.cm[0].c.frag_token, 1);
	assert_int_equal(r.cm[1].c.frag_token, 2);

	/* The rest of it: id 3 was given back, so 3 and 4; two rounds. */
	before = token_lock_rounds(ts);
	dp_recv(dp->sk, 65536, ROOM(8), MSG_SOCK_DEVMEM, &r);
	if (before >= 0)
		assert_int_equal(token_lock_rounds(ts) - before, 2);
	assert_int_equal(r.ret, 2 * 4096 - 10);
	assert_int_equal(r.n, 2);
	assert_int_equal(r.cm[0].c.frag_token, 3);
	assert_int_equal(r.cm[1].c.frag_token, 4);

	/* Three skbs of three frags in one call: two rounds each. */
	assert_int_equal(dp_send(dp, 9 * 4096), 9 * 4096);
	before = token_lock_rounds(ts);
	dp_recv(dp->sk, 65536, ROOM(9), MSG_SOCK_DEVMEM, &r);
	if (before >= 0)
		assert_int_equal(token_lock_rounds(ts) - before, 3 * 2);
	assert_int_equal(r.ret, 9 * 4096);
	assert_int_equal(r.n, 9);
	for (k = 0; k < 9; k++)
		assert_int_equal(r.cm[k].c.frag_token, 5 + k);

	assert_int_equal(dp_dontneed(dp->sk, 1, 13), 13);
	dp_assert_clean(dp);
}

/* S-4.7: after reads and returns, every reference is accounted for, and none is held at the end. */
static void test_references_accounted(void **state)
{
	struct dp *dp = *state;
	struct dp_read r1, r2;

	assert_int_equal(dp_send(dp, 5 * 4096), 5 * 4096);
	dp_recv(dp->sk, 2 * 4096, ROOM(8), MSG_SOCK_DEVMEM, &r1);
	dp_assert_clean(dp);
	dp_recv(dp->sk, 65536, ROOM(8), MSG_SOCK_DEVMEM, &r2);
	dp_assert_clean(dp);
	assert_int_equal(r1.ret + r2.ret, 5 * 4096);
	assert_int_equal(dp_return_all(dp->sk, &r1), 2);
	dp_assert_clean(dp);
	assert_int_equal(dp_return_all(dp->sk, &r2), 3);
	dp_assert_clean(dp);
}

/* Blocking and non-blocking reads, EOF after the data. */
static void test_eagain_and_eof(void **state)
{
	struct dp *dp = *state;
	struct dml_pollfd pfd = { .sk = dp->sk, .events = POLLIN };
	struct dp_read r;

	dp_recv(dp->sk, 65536, ROOM(8), MSG_SOCK_DEVMEM | MSG_DONTWAIT, &r);
	assert_int_equal(r.ret, -EAGAIN);
	assert_int_equal(dml_poll(&pfd, 1, 0), 0);
	assert_int_equal(dp_send(dp, 4096), 4096);
	assert_int_equal(dml_poll(&pfd, 1, 0), 1);
	assert_int_equal(pfd.revents, POLLIN);
	assert_ok(dml_wire_shutdown(dp->flow));
	assert_errno(dml_wire_send(dp->flow, "x", 1), -EPIPE);
	dp_recv(dp->sk, 65536, ROOM(8), MSG_SOCK_DEVMEM, &r);
	assert_int_equal(r.ret, 4096);
	assert_int_equal(dp_return_all(dp->sk, &r), 1);
	dp_recv(dp->sk, 65536, ROOM(8), MSG_SOCK_DEVMEM, &r);
	assert_int_equal(r.ret, 0);
	assert_int_equal(dml_poll(&pfd, 1, 0), 1);
	assert_true(pfd.revents & POLLHUP);
}

/*
 * The msghdr is written back only on success, as ____sys_recvmsg() does:
 * a failed read leaves msg_controllen and msg_flags as the caller set them
 * (S-4.6: ETOOSMALL writes nothing, the length included; S-4.2: nor does
 * EFAULT), a read at EOF reports no cmsg bytes.
 */
static ssize_t recv_header(struct dml_sock *sk, size_t room, int flags,
			   struct msghdr *msg)
{
	static unsigned char data[8192], ctrl[ROOM(4)];
	static struct iovec iov = { .iov_base = data, .iov_len = sizeof(data) };

	assert_true(room <= sizeof(ctrl));
	*msg = (struct msghdr){
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = ctrl, .msg_controllen = room,
		.msg_flags = 0x5a5a,
	};
	return dml_recvmsg(sk, msg, flags | MSG_DONTWAIT);
}

static void test_header_written_back_on_success_only(void **state)
{
	struct dp *dp = *state;
	struct msghdr msg;
	struct dp_read r;

	assert_errno(recv_header(dp->sk, ROOM(4), MSG_SOCK_DEVMEM, &msg), -EAGAIN);
	assert_int_equal(msg.msg_controllen, ROOM(4));
	assert_int_equal(msg.msg_flags, 0x5a5a);

	assert_int_equal(dp_send(dp, 4096), 4096);
	assert_errno(recv_header(dp->sk, ROOM(1) - 1, MSG_SOCK_DEVMEM, &msg), -ETOOSMALL);
	assert_int_equal(msg.msg_controllen, ROOM(1) - 1);
	assert_int_equal(msg.msg_flags, 0x5a5a);
	assert_errno(recv_header(dp->sk, ROOM(4), 0, &msg), -EFAULT);
	assert_int_equal(msg.msg_controllen, ROOM(4));
	assert_int_equal(msg.msg_flags, 0x5a5a);

	assert_int_equal(recv_header(dp->sk, ROOM(4), MSG_SOCK_DEVMEM, &msg), 4096);
	assert_int_equal(msg.msg_controllen, ROOM(1));
	assert_int_equal(msg.msg_flags, 0);
	r.n = 1;
	r.cm[0].type = SCM_DEVMEM_DMABUF;
	memcpy(&r.cm[0].c, CMSG_DATA(CMSG_FIRSTHDR(&msg)), sizeof(r.cm[0].c));
	assert_int_equal(dp_return_all(dp->sk, &r), 1);

	assert_ok(dml_wire_shutdown(dp->flow));
	assert_int_equal(recv_header(dp->sk, ROOM(4), MSG_SOCK_DEVMEM, &msg), 0);
	assert_int_equal(msg.msg_controllen, 0);
	assert_int_equal(msg.msg_flags, 0);
	dp_assert_clean(dp);
}

/*
 * S-7.2: bad arguments get the kernel's errno, never a crash: a NULL iovec
 * array cannot be copied in (EFAULT), more than UIO_MAXIOV iovecs is
 * EMSGSIZE, and an iovec over INT_MAX is clamped, not refused.
 */
static void test_bad_arguments(void **state)
{
	struct dp *dp = *state;
	static unsigned char ctrl[ROOM(4)], data[64];
	struct iovec huge[2] = {
		{ .iov_base = data, .iov_len = (size_t)INT_MAX + 1 },
		{ .iov_base = data, .iov_len = SIZE_MAX },
	};
	struct msghdr msg = { .msg_iovlen = 1 };
	struct dml_sock *udp;
	struct dp_read r;

	assert_errno(dml_recvmsg(dp->sk, NULL, 0), -EINVAL);
	assert_errno(dml_recvmsg(dp->sk, &msg, 0), -EFAULT);
	msg.msg_iov = huge;
	msg.msg_iovlen = 1025;
	assert_errno(dml_recvmsg(dp->sk, &msg, MSG_DONTWAIT), -EMSGSIZE);

	/* frag bytes go to the dma-buf: the huge iovec is only a length */
	assert_int_equal(dp_send(dp, 4096), 4096);
	msg.msg_iovlen = 2;
	msg.msg_control = ctrl;
	msg.msg_controllen = sizeof(ctrl);
	assert_int_equal(dml_recvmsg(dp->sk, &msg, MSG_SOCK_DEVMEM | MSG_DONTWAIT), 4096);
	assert_int_equal(msg.msg_controllen, ROOM(1));
	r.n = 1;
	r.cm[0].type = SCM_DEVMEM_DMABUF;
	memcpy(&r.cm[0].c, CMSG_DATA(CMSG_FIRSTHDR(&msg)), sizeof(r.cm[0].c));
	assert_int_equal(dp_return_all(dp->sk, &r), 1);
	dp_assert_clean(dp);

	memset(&msg, 0, sizeof(msg));
	msg.msg_iovlen = 0;
	assert_errno(dml_recvmsg(dp->sk, &msg, MSG_PEEK), -EINVAL);
	assert_errno(dml_recvmsg(dp->listener, &msg, MSG_DONTWAIT), -ENOTCONN);
	assert_ok(dml_socket(dp->f->host, SOCK_DGRAM, &udp));
	assert_errno(dml_recvmsg(udp, &msg, MSG_DONTWAIT), -EOPNOTSUPP);
	dml_close(udp);
}

/* ---- flags (issue 12: what tcp_recvmsg_locked() does with them) --------- */

struct blocked_read {
	struct dml_sock *sk;
	size_t len;
	int flags;
	struct msghdr msg;
	struct iovec iov;
	unsigned char ctrl[ROOM(8)];
	unsigned char data[3 * 4096];
	ssize_t ret;
};

/* No cmocka assert off the main thread: the result is checked after join. */
static void *blocked_read_fn(void *arg)
{
	struct blocked_read *b = arg;

	b->iov = (struct iovec){ .iov_base = b->data, .iov_len = b->len };
	b->msg = (struct msghdr){
		.msg_iov = &b->iov, .msg_iovlen = 1,
		.msg_control = b->ctrl, .msg_controllen = sizeof(b->ctrl),
	};
	b->ret = dml_recvmsg(b->sk, &b->msg, b->flags);
	return NULL;
}

/* The DMABUF cmsgs of a finished read, as dp_recv() would have them. */
static void blocked_read_cmsgs(const struct blocked_read *b, struct dp_read *r)
{
	struct cmsghdr *cm;

	r->ret = b->ret;
	r->n = 0;
	for (cm = CMSG_FIRSTHDR(&b->msg); cm; cm = CMSG_NXTHDR((struct msghdr *)&b->msg, cm)) {
		r->cm[r->n].type = cm->cmsg_type;
		memcpy(&r->cm[r->n].c, CMSG_DATA(cm), sizeof(r->cm[r->n].c));
		r->n++;
	}
}

/*
 * S-4.3 with MSG_WAITALL: target = len, and frag bytes count as read.  A
 * blocking read of three pages gets the first, waits with the queue empty
 * (poll says so), and returns only once the other two have arrived.
 */
static void test_waitall_waits_for_len(void **state)
{
	struct dp *dp = *state;
	struct dml_pollfd pfd = { .sk = dp->sk, .events = POLLIN };
	struct blocked_read *b = calloc(1, sizeof(*b));
	struct dp_read r;
	pthread_t t;

	assert_non_null(b);
	b->sk = dp->sk;
	b->len = 3 * 4096;
	b->flags = MSG_SOCK_DEVMEM | MSG_WAITALL;
	assert_int_equal(dp_send(dp, 4096), 4096);
	assert_ok(pthread_create(&t, NULL, blocked_read_fn, b));
	/* the reader took the first page: it now waits for the rest */
	while (dml_poll(&pfd, 1, 0) != 0)
		sched_yield();
	assert_int_equal(dp_send(dp, 2 * 4096), 2 * 4096);
	assert_ok(pthread_join(t, NULL));
	blocked_read_cmsgs(b, &r);
	assert_int_equal(r.ret, 3 * 4096);
	assert_int_equal(r.n, 3);
	dp_verify(dp, &r, 0);
	assert_int_equal(dp_return_all(dp->sk, &r), 3);
	dp_assert_clean(dp);
	free(b);
}

/*
 * S-4.2 / S-4.6 with MSG_WAITALL: it still stops, without waiting, at the
 * other kind of memory, at a full cmsg buffer, when non-blocking, and at
 * EOF, returning what it read.
 */
static void test_waitall_stops(void **state)
{
	struct dp *dp = *state;
	const int flags = MSG_SOCK_DEVMEM | MSG_WAITALL;
	struct dp_read r;

	/* host memory, then devmem: the first read ends at the boundary */
	assert_int_equal(dp_send(dp, 60), 60);
	assert_int_equal(dp_send(dp, 3 * 4096), 3 * 4096);
	dp_recv(dp->sk, 65536, ROOM(8), flags, &r);
	assert_int_equal(r.ret, 60);
	/* room for one cmsg: one frag, the rest stays queued */
	dp_recv(dp->sk, 65536, ROOM(1), flags, &r);
	assert_int_equal(r.ret, 4096);
	assert_int_equal(dp_return_all(dp->sk, &r), 1);
	/* non-blocking: what is there */
	dp_recv(dp->sk, 65536, ROOM(8), flags | MSG_DONTWAIT, &r);
	assert_int_equal(r.ret, 2 * 4096);
	dp_verify(dp, &r, 60 + 4096);
	assert_int_equal(dp_return_all(dp->sk, &r), 2);
	/* EOF after one page */
	assert_int_equal(dp_send(dp, 4096), 4096);
	assert_ok(dml_wire_shutdown(dp->flow));
	dp_recv(dp->sk, 65536, ROOM(8), flags, &r);
	assert_int_equal(r.ret, 4096);
	assert_int_equal(dp_return_all(dp->sk, &r), 1);
	dp_recv(dp->sk, 65536, ROOM(8), flags, &r);
	assert_int_equal(r.ret, 0);
	dp_assert_clean(dp);
}

/*
 * S-4.3 / S-4.7 with MSG_TRUNC: TCP discards what it reads.  Devmem bytes
 * read that way need no MSG_SOCK_DEVMEM, write no cmsg, take no token (a
 * manual socket does not join) and go back to the pool; the stream goes on
 * after them, also from inside a frag.
 */
static void test_msg_trunc_discards(void **state)
{
	struct dp *dp = *state;
	struct dp_read r;

	assert_int_equal(dp_send(dp, 2 * 4096), 2 * 4096);
	memset(r.linear, 0xee, 16);
	dp_recv(dp->sk, 65536, ROOM(8), MSG_TRUNC | MSG_DONTWAIT, &r);
	assert_int_equal(r.ret, 2 * 4096);
	assert_int_equal(r.n, 0);
	assert_int_equal(r.linear[0], 0xee);
	if (dp->mode == 0)
		assert_errno(dp_dontneed(dp->sk, 0, DML_MAX_DONTNEED_FRAGS), -EINVAL);
	else
		assert_int_equal(dp_dontneed(dp->sk, 0, DML_MAX_DONTNEED_FRAGS), 0);
	dp_assert_clean(dp);

	assert_int_equal(dp_send(dp, 4096), 4096);
	dp_recv(dp->sk, 100, ROOM(8), MSG_SOCK_DEVMEM | MSG_TRUNC | MSG_DONTWAIT, &r);
	assert_int_equal(r.ret, 100);
	assert_int_equal(r.n, 0);
	dp_recv(dp->sk, 65536, ROOM(8), MSG_SOCK_DEVMEM | MSG_DONTWAIT, &r);
	assert_int_equal(r.ret, 4096 - 100);
	assert_int_equal(r.n, 1);
	assert_int_equal(r.cm[0].c.frag_offset % 4096, 100);
	dp_verify(dp, &r, 2 * 4096 + 100);
	if (dp->mode == 1)
		assert_int_equal(r.cm[0].c.frag_token, 1);
	assert_int_equal(dp_return_all(dp->sk, &r), 1);
	dp_assert_clean(dp);
}

/*
 * S-4.3: MSG_CMSG_CLOEXEC and MSG_NOSIGNAL are accepted and change nothing
 * (devmem cmsgs carry no fd; NOSIGNAL is for sends); MSG_CMSG_CLOEXEC
 * comes back in msg_flags, as ____sys_recvmsg() leaves it.
 */
static void test_cloexec_nosignal_accepted(void **state)
{
	struct dp *dp = *state;
	struct msghdr msg;
	struct dp_read r;

	assert_int_equal(dp_send(dp, 4096), 4096);
	assert_int_equal(recv_header(dp->sk, ROOM(4),
				     MSG_SOCK_DEVMEM | MSG_CMSG_CLOEXEC | MSG_NOSIGNAL, &msg),
			 4096);
	assert_int_equal(msg.msg_controllen, ROOM(1));
	assert_int_equal(msg.msg_flags, MSG_CMSG_CLOEXEC);
	r.n = 1;
	r.cm[0].type = SCM_DEVMEM_DMABUF;
	memcpy(&r.cm[0].c, CMSG_DATA(CMSG_FIRSTHDR(&msg)), sizeof(r.cm[0].c));
	assert_int_equal(r.cm[0].c.frag_size, 4096);
	assert_int_equal(dp_return_all(dp->sk, &r), 1);
	dp_assert_clean(dp);
}

/*
 * S-4.6 over S-4.5 (docs/deviations.md): the cmsg room is checked before
 * the frag's binding.  A socket joined to binding A gets a frag of binding
 * B: with no room it is ETOOSMALL (v10 says EFAULT, its binding check
 * comes first), with room EFAULT; either way nothing is consumed.  A
 * design taking several bindings per socket delivers it instead.
 */
static void test_room_checked_before_binding(void **state)
{
	struct dp *dp = *state;
	const uint32_t q[] = { DP_QUEUE };
	struct dp_read r;
	long second;

	assert_int_equal(dp_send(dp, 4096), 4096);
	dp_recv(dp->sk, 65536, ROOM(8), MSG_SOCK_DEVMEM | MSG_DONTWAIT, &r);
	assert_int_equal(r.ret, 4096);
	assert_int_equal(dp_return_all(dp->sk, &r), 1);
	/* the joined socket keeps binding A alive; B takes over the queue */
	dp_unbind(dp);
	assert_ok(dml_nl_open(dp->f->host, DML_NL_ADMIN, &dp->f->nl));
	second = fixture_bind(dp->f, dp->f->nl, q, 1, 0);
	assert_true(second >= 1 && (uint32_t)second != dp->binding_id);
	assert_int_equal(dp_send(dp, 4096), 4096);

	dp_recv(dp->sk, 65536, ROOM(1) - 1, MSG_SOCK_DEVMEM | MSG_DONTWAIT, &r);
	assert_int_equal(r.ret, -ETOOSMALL);
	dp_recv(dp->sk, 65536, ROOM(1), MSG_SOCK_DEVMEM | MSG_DONTWAIT, &r);
	if (dp_rules(dp->mode)->many_bindings) {
		/* B's frag is delivered, its token in B's slot (1) */
		assert_int_equal(r.ret, 4096);
		assert_int_equal(r.n, 1);
		assert_int_equal(r.cm[0].c.dmabuf_id, (uint32_t)second);
		assert_int_equal(r.cm[0].c.frag_token >> (31 - DML_OWNED_DEFAULT_SLOT_BITS), 1);
		dp_verify(dp, &r, 4096);
		assert_int_equal(dp_return_all(dp->sk, &r), 1);
	} else {
		assert_int_equal(r.ret, -EFAULT);
		dp_recv(dp->sk, 65536, 0, MSG_TRUNC | MSG_DONTWAIT, &r);
		assert_int_equal(r.ret, 4096);
	}
	dp_assert_clean(dp);
}

/*
 * S-4.3 / S-4.7 (docs/deviations.md, zero-length reads): a read of 0 bytes
 * with data queued returns 0 and delivers nothing: no cmsg, no token, no
 * join, and the data is still there for the next read.
 */
static void test_zero_length_read(void **state)
{
	struct dp *dp = *state;
	struct dp_read r;

	assert_int_equal(dp_send(dp, 4096), 4096);
	dp_recv(dp->sk, 0, ROOM(8), MSG_SOCK_DEVMEM, &r);
	assert_int_equal(r.ret, 0);
	dp_recv(dp->sk, 0, ROOM(8), MSG_DONTWAIT, &r);
	assert_int_equal(r.ret, 0);
	if (dp->mode == 0)
		assert_errno(dp_dontneed(dp->sk, 0, DML_MAX_DONTNEED_FRAGS), -EINVAL);
	else
		assert_int_equal(dp_dontneed(dp->sk, 0, DML_MAX_DONTNEED_FRAGS), 0);
	dp_recv(dp->sk, 65536, ROOM(8), MSG_SOCK_DEVMEM | MSG_DONTWAIT, &r);
	assert_int_equal(r.ret, 4096);
	assert_int_equal(r.n, 1);
	if (dp->mode == 1)
		assert_int_equal(r.cm[0].c.frag_token, 1);
	assert_int_equal(dp_return_all(dp->sk, &r), 1);
	dp_assert_clean(dp);
}

/* ---- poll --------------------------------------------------------------- */

/*
 * S-7.2: a NULL socket anywhere in the set, the first included, is
 * POLLNVAL and counts as ready; the others are still polled, and a set of
 * NULLs never waits.
 */
static void test_poll_null_socket(void **state)
{
	struct dp *dp = *state;
	struct dml_pollfd fds[2] = {
		{ .sk = NULL, .events = POLLIN },
		{ .sk = dp->sk, .events = POLLIN },
	};
	struct dml_pollfd many[20];
	struct dp_read r;

	assert_int_equal(dml_poll(fds, 2, 0), 1);
	assert_int_equal(fds[0].revents, POLLNVAL);
	assert_int_equal(fds[1].revents, 0);
	assert_int_equal(dp_send(dp, 4096), 4096);
	assert_int_equal(dml_poll(fds, 2, -1), 2);
	assert_int_equal(fds[0].revents, POLLNVAL);
	assert_int_equal(fds[1].revents, POLLIN);
	fds[1].sk = NULL;
	assert_int_equal(dml_poll(fds, 2, -1), 2);
	/* more sockets than poll keeps on its stack: the socket is still seen */
	memset(many, 0, sizeof(many));
	many[19] = (struct dml_pollfd){ .sk = dp->sk, .events = POLLIN };
	assert_int_equal(dml_poll(many, 20, -1), 20);
	assert_int_equal(many[0].revents, POLLNVAL);
	assert_int_equal(many[19].revents, POLLIN);
	dp_recv(dp->sk, 65536, ROOM(8), MSG_SOCK_DEVMEM | MSG_DONTWAIT, &r);
	assert_int_equal(r.ret, 4096);
	assert_int_equal(dp_return_all(dp->sk, &r), 1);
}

struct blocked_poll {
	struct dml_pollfd fds[2];
	int ret;
};

static void *blocked_poll_fn(void *arg)
{
	struct blocked_poll *p = arg;

	p->ret = dml_poll(p->fds, 2, -1);
	return NULL;
}

/*
 * S-7.1: one poll over sockets of two hosts wakes for data on the second
 * host.  The poller registers on both hosts before it looks, so data sent
 * once the second host counts it as a poller must wake it.
 */
static void test_poll_across_hosts(void **state)
{
	struct dp *dp = *state;
	struct blocked_poll p = { .ret = -1 };
	struct timespec start, now;
	struct dp_read r;
	struct dp *other;
	void *ostate;
	bool registered;
	pthread_t t;

	assert_ok(dp_setup_mode(&ostate, 0));
	other = ostate;
	p.fds[0] = (struct dml_pollfd){ .sk = dp->sk, .events = POLLIN };
	p.fds[1] = (struct dml_pollfd){ .sk = other->sk, .events = POLLIN };
	assert_ok(pthread_create(&t, NULL, blocked_poll_fn, &p));
	/* a hang guard only: the result never depends on how long this takes */
	clock_gettime(CLOCK_MONOTONIC, &start);
	do {
		registered = atomic_load(&other->f->host->socks.pollers) > 0;
		clock_gettime(CLOCK_MONOTONIC, &now);
		sched_yield();
	} while (!registered && now.tv_sec - start.tv_sec < 30);
	/* without the registration only the first host could wake it */
	assert_int_equal(dp_send(registered ? other : dp, 4096), 4096);
	assert_ok(pthread_join(t, NULL));
	assert_true(registered);
	assert_int_equal(p.ret, 1);
	assert_int_equal(p.fds[0].revents, 0);
	assert_int_equal(p.fds[1].revents, POLLIN);
	assert_int_equal(atomic_load(&other->f->host->socks.pollers), 0);
	assert_int_equal(atomic_load(&dp->f->host->socks.pollers), 0);

	dp_recv(other->sk, 65536, ROOM(8), MSG_SOCK_DEVMEM | MSG_DONTWAIT, &r);
	assert_int_equal(r.ret, 4096);
	assert_int_equal(dp_return_all(other->sk, &r), 1);
	assert_ok(dp_teardown(&ostate));
}

/* One body, named per setup, so TAP tells the modes apart. */
#define T0(fn, setup) { #fn "/" #setup, fn, setup, dp_teardown, NULL }

int main(void)
{
	const struct CMUnitTest tests[] = {
		T0(test_header_split_payload_in_dmabuf, dp_setup0),
		T0(test_header_split_payload_in_dmabuf, dp_setup1),
		T0(test_small_payload_in_host_memory, dp_setup_split0),
		T0(test_no_mixing, dp_setup_split0),
		T0(test_no_mixing, dp_setup_split1),
		T0(test_devmem_without_flag, dp_setup_split0),
		T0(test_devmem_without_flag, dp_setup_split1),
		T0(test_linear_cmsg, dp_setup_linear0),
		T0(test_linear_cmsg, dp_setup_linear1),
		T0(test_partial_frag_offsets, dp_setup0),
		T0(test_partial_frag_offsets, dp_setup1),
		T0(test_xarray_token_ids, dp_setup1),
		T0(test_two_frags_one_page, dp_setup_half0),
		T0(test_two_frags_one_page, dp_setup_half1),
		T0(test_niov_token_is_page_index, dp_setup0),
		T0(test_cmsg_room, dp_setup0),
		T0(test_cmsg_room, dp_setup1),
		T0(test_gro_skb_reservation, dp_setup_gro1),
		T0(test_references_accounted, dp_setup0),
		T0(test_references_accounted, dp_setup1),
		T0(test_eagain_and_eof, dp_setup0),
		T0(test_header_written_back_on_success_only, dp_setup0),
		T0(test_header_written_back_on_success_only, dp_setup1),
		T0(test_bad_arguments, dp_setup0),
		T0(test_waitall_waits_for_len, dp_setup0),
		T0(test_waitall_waits_for_len, dp_setup1),
		T0(test_waitall_stops, dp_setup_split0),
		T0(test_waitall_stops, dp_setup_split1),
		T0(test_msg_trunc_discards, dp_setup0),
		T0(test_msg_trunc_discards, dp_setup1),
		T0(test_cloexec_nosignal_accepted, dp_setup0),
		T0(test_cloexec_nosignal_accepted, dp_setup1),
		T0(test_room_checked_before_binding, dp_setup0),
		T0(test_zero_length_read, dp_setup0),
		T0(test_zero_length_read, dp_setup1),
		T0(test_poll_null_socket, dp_setup0),
		T0(test_poll_across_hosts, dp_setup0),
	};

	return RUN_EVERY_DESIGN(tests);
}
