// SPDX-License-Identifier: MIT
/*
 * S-7.2: every error row of SPEC in one table: the errno and, on the control
 * plane, the extack text.  Each row runs on a fresh host (queue 7 bound in
 * the row's mode, one accepted connection), and after it the invariant
 * checker must still find every reference accounted for.
 */
#include <fcntl.h>
#include <unistd.h>

#include "dp_helpers.h"

struct row {
	const char *spec;
	const char *what;
	int mode;
	long (*fn)(struct dp *dp, char *msg, size_t len);
	long want;
	const char *want_msg;	/* extack substring; NULL: data path, no extack */
};

static long bind_with(struct dp *dp, char *msg, size_t len, uint32_t ifindex, int fd,
		      const uint32_t *q, size_t n, int autorelease)
{
	struct dml_bind_rx_req req = {
		.ifindex = ifindex, .dmabuf_fd = fd, .queues = q, .nr_queues = n,
		.autorelease = autorelease,
	};
	uint32_t id;

	return dml_bind_rx(dp->f->nl, &req, &id, msg, len);
}

static const uint32_t q5[] = { 5 }, q7[] = { DP_QUEUE }, q99[] = { 99 };

static long dmabuf_unaligned(struct dp *dp, char *msg, size_t len)
{
	struct dml_dmabuf *buf;

	(void)dp;
	(void)msg;
	(void)len;
	return dml_dmabuf_create(4095, DML_DMABUF_MEMFD, &buf);
}

static long memfd_unaligned(struct dp *dp, char *msg, size_t len)
{
	int fd = memfd_create("odd", MFD_ALLOW_SEALING);
	long ret;

	if (ftruncate(fd, 4096 + 1) || fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK))
		return -999;
	ret = bind_with(dp, msg, len, dp->f->ifindex, fd, q5, 1, dp->mode);
	close(fd);
	return ret;
}

/* Raw bind-rx with one attribute left out. */
static long bind_missing(struct dp *dp, char *msg, size_t len, int missing)
{
	union nl_buf b;
	struct nlmsghdr *nlh = genl_req(&b, (uint16_t)netdev_family(dp->f->nl),
					NETDEV_CMD_BIND_RX, 0);
	struct nl_result r;
	struct nlattr *nest;

	if (missing != NETDEV_A_DMABUF_IFINDEX)
		mnl_attr_put_u32(nlh, NETDEV_A_DMABUF_IFINDEX, dp->f->ifindex);
	if (missing != NETDEV_A_DMABUF_FD)
		mnl_attr_put_u32(nlh, NETDEV_A_DMABUF_FD, (uint32_t)dml_dmabuf_fd(dp->f->buf));
	if (missing != NETDEV_A_DMABUF_QUEUES) {
		nest = mnl_attr_nest_start(nlh, NETDEV_A_DMABUF_QUEUES);
		mnl_attr_put_u32(nlh, NETDEV_A_QUEUE_ID, 5);
		if (missing >= 0)
			mnl_attr_put_u32(nlh, NETDEV_A_QUEUE_TYPE, NETDEV_QUEUE_TYPE_RX);
		else
			mnl_attr_put_u32(nlh, NETDEV_A_QUEUE_TYPE, NETDEV_QUEUE_TYPE_TX);
		mnl_attr_nest_end(nlh, nest);
	}
	nl_exchange(dp->f->nl, nlh, nlh->nlmsg_len, &r);
	snprintf(msg, len, "%s", r.msg);
	return r.error;
}

static long missing_ifindex(struct dp *dp, char *m, size_t l) { return bind_missing(dp, m, l, NETDEV_A_DMABUF_IFINDEX); }
static long missing_fd(struct dp *dp, char *m, size_t l) { return bind_missing(dp, m, l, NETDEV_A_DMABUF_FD); }
static long missing_queues(struct dp *dp, char *m, size_t l) { return bind_missing(dp, m, l, NETDEV_A_DMABUF_QUEUES); }
static long tx_queue(struct dp *dp, char *m, size_t l) { return bind_missing(dp, m, l, -1); }

static long queue_out_of_range(struct dp *dp, char *m, size_t l)
{
	return bind_with(dp, m, l, dp->f->ifindex, dml_dmabuf_fd(dp->f->buf), q99, 1, dp->mode);
}

static long queue_bound(struct dp *dp, char *m, size_t l)
{
	return bind_with(dp, m, l, dp->f->ifindex, dml_dmabuf_fd(dp->f->buf), q7, 1, dp->mode);
}

static long no_header_split(struct dp *dp, char *m, size_t l)
{
	long ret;

	dml_netdev_set_header_split(dp->f->dev, false);	/* refused: queue 7 is bound */
	dml_nl_close(dp->f->nl);
	dp->f->nl = NULL;
	if (dml_netdev_set_header_split(dp->f->dev, false) ||
	    dml_nl_open(dp->f->host, DML_NL_ADMIN, &dp->f->nl))
		return -999;
	ret = bind_with(dp, m, l, dp->f->ifindex, dml_dmabuf_fd(dp->f->buf), q5, 1, dp->mode);
	dml_netdev_set_header_split(dp->f->dev, true);
	return ret;
}

static long unknown_ifindex(struct dp *dp, char *m, size_t l)
{
	return bind_with(dp, m, l, 77, dml_dmabuf_fd(dp->f->buf), q5, 1, dp->mode);
}

static long ifindex_zero(struct dp *dp, char *m, size_t l)
{
	return bind_with(dp, m, l, 0, dml_dmabuf_fd(dp->f->buf), q5, 1, dp->mode);
}

static long closed_fd(struct dp *dp, char *m, size_t l)
{
	return bind_with(dp, m, l, dp->f->ifindex, 4000, q5, 1, dp->mode);
}

static long not_a_dmabuf(struct dp *dp, char *m, size_t l)
{
	int p[2];
	long ret;

	if (pipe(p))
		return -999;
	ret = bind_with(dp, m, l, dp->f->ifindex, p[0], q5, 1, dp->mode);
	close(p[0]);
	close(p[1]);
	return ret;
}

static long bad_attribute_length(struct dp *dp, char *msg, size_t len)
{
	union nl_buf b;
	struct nlmsghdr *nlh = genl_req(&b, (uint16_t)netdev_family(dp->f->nl),
					NETDEV_CMD_BIND_RX, 0);
	uint16_t two = 1;
	struct nl_result r;

	mnl_attr_put(nlh, NETDEV_A_DMABUF_IFINDEX, sizeof(two), &two);
	nl_exchange(dp->f->nl, nlh, nlh->nlmsg_len, &r);
	snprintf(msg, len, "%s", r.msg);
	return r.error;
}

static long other_mode(struct dp *dp, char *m, size_t l)
{
	return bind_with(dp, m, l, dp->f->ifindex, dml_dmabuf_fd(dp->f->buf), q5, 1, !dp->mode);
}

static long not_admin(struct dp *dp, char *m, size_t l)
{
	struct dml_nl_sock *admin = dp->f->nl;
	long ret;

	if (dml_nl_open(dp->f->host, 0, &dp->f->nl))
		return -999;
	ret = bind_with(dp, m, l, dp->f->ifindex, dml_dmabuf_fd(dp->f->buf), q5, 1, dp->mode);
	dml_nl_close(dp->f->nl);
	dp->f->nl = admin;
	return ret;
}

static long autorelease_two(struct dp *dp, char *msg, size_t len)
{
	union nl_buf b;
	struct nlmsghdr *nlh = genl_req(&b, (uint16_t)netdev_family(dp->f->nl),
					NETDEV_CMD_BIND_RX, 0);
	struct nl_result r;
	struct nlattr *nest;

	mnl_attr_put_u32(nlh, NETDEV_A_DMABUF_IFINDEX, dp->f->ifindex);
	mnl_attr_put_u32(nlh, NETDEV_A_DMABUF_FD, (uint32_t)dml_dmabuf_fd(dp->f->buf));
	nest = mnl_attr_nest_start(nlh, NETDEV_A_DMABUF_QUEUES);
	mnl_attr_put_u32(nlh, NETDEV_A_QUEUE_ID, 5);
	mnl_attr_put_u32(nlh, NETDEV_A_QUEUE_TYPE, NETDEV_QUEUE_TYPE_RX);
	mnl_attr_nest_end(nlh, nest);
	mnl_attr_put_u8(nlh, NETDEV_A_DMABUF_AUTORELEASE, 2);
	nl_exchange(dp->f->nl, nlh, nlh->nlmsg_len, &r);
	snprintf(msg, len, "%s", r.msg);
	return r.error;
}

static long read_without_flag(struct dp *dp, char *m, size_t l)
{
	struct dp_read *r = malloc(sizeof(*r));
	long ret;

	(void)m;
	(void)l;
	dp_send(dp, 4096);
	dp_recv(dp->sk, 65536, 0, MSG_DONTWAIT, r);
	ret = r->ret;
	free(r);
	return ret;
}

static long read_devmem(struct dp *dp, size_t room)
{
	struct dp_read *r = malloc(sizeof(*r));
	long ret;

	dp_recv(dp->sk, 65536, room, MSG_SOCK_DEVMEM | MSG_DONTWAIT, r);
	ret = r->ret;
	if (ret > 0)
		dp_return_all(dp->sk, r);
	free(r);
	return ret;
}

static long unbind_before_join(struct dp *dp, char *m, size_t l)
{
	(void)m;
	(void)l;
	dp_send(dp, 4096);
	dml_nl_close(dp->f->nl);
	dp->f->nl = NULL;
	return read_devmem(dp, 4 * 40);
}

/* Joined to one binding, then a frag of another arrives on the same queue. */
static long frag_of_other_binding(struct dp *dp, char *m, size_t l)
{
	(void)m;
	(void)l;
	dp_send(dp, 4096);
	if (read_devmem(dp, 4 * 40) != 4096)
		return -999;
	dml_nl_close(dp->f->nl);
	if (dml_nl_open(dp->f->host, DML_NL_ADMIN, &dp->f->nl) ||
	    fixture_bind(dp->f, dp->f->nl, q7, 1, dp->mode) < 0)
		return -999;
	dp_send(dp, 4096);
	return read_devmem(dp, 4 * 40);
}

static long no_cmsg_room(struct dp *dp, char *m, size_t l)
{
	(void)m;
	(void)l;
	dp_send(dp, 4096);
	return read_devmem(dp, 39);
}

static long nothing_queued(struct dp *dp, char *m, size_t l)
{
	(void)m;
	(void)l;
	return read_devmem(dp, 4 * 40);
}

/*
 * A socket holding the tokens of one delivered page: in autorelease = 0 it
 * has joined the binding, so the not-joined rule (S-5.4) cannot be what
 * refuses a later DONTNEED.  Returns how many tokens it holds, or -999.
 */
static long hold_tokens(struct dp *dp, struct dp_read *r)
{
	size_t i;
	long n = 0;

	dp_send(dp, 4096);
	dp_recv(dp->sk, 65536, 4 * 40, MSG_SOCK_DEVMEM | MSG_DONTWAIT, r);
	if (r->ret != 4096)
		return -999;
	for (i = 0; i < r->n; i++)
		n += r->cm[i].type == SCM_DEVMEM_DMABUF;
	return n ? n : -999;
}

/*
 * DONTNEED with @optlen bytes of entries naming tokens the socket holds:
 * the optlen rule alone must refuse it, and refuse it whole, so every token
 * is still held afterwards and returns once.
 */
static long dontneed_len(struct dp *dp, socklen_t optlen)
{
	struct dmabuf_token t[130];
	struct dp_read *r = malloc(sizeof(*r));
	long held = hold_tokens(dp, r), ret;
	size_t i;

	if (held < 0) {
		free(r);
		return held;
	}
	/* the last cmsg is a frag's: the linear one, if any, comes first */
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		t[i] = (struct dmabuf_token){ r->cm[r->n - 1].c.frag_token, 1 };
	ret = dml_setsockopt(dp->sk, SOL_SOCKET, SO_DEVMEM_DONTNEED, t, optlen);
	if (dp_return_all(dp->sk, r) != held)
		ret = -999;
	free(r);
	return ret;
}

static long dontneed_udp(struct dp *dp, char *m, size_t l)
{
	struct dml_sock *udp;
	struct dmabuf_token t = { 1, 1 };
	long ret;

	(void)m;
	(void)l;
	if (dml_socket(dp->f->host, SOCK_DGRAM, &udp))
		return -999;
	ret = dml_setsockopt(udp, SOL_SOCKET, SO_DEVMEM_DONTNEED, &t, sizeof(t));
	dml_close(udp);
	return ret;
}

static long dontneed_7(struct dp *dp, char *m, size_t l) { (void)m; (void)l; return dontneed_len(dp, 7); }
static long dontneed_15(struct dp *dp, char *m, size_t l) { (void)m; (void)l; return dontneed_len(dp, 8 + 7); }
static long dontneed_129(struct dp *dp, char *m, size_t l) { (void)m; (void)l; return dontneed_len(dp, 8 * 129); }

static long dontneed_not_joined(struct dp *dp, char *m, size_t l)
{
	(void)m;
	(void)l;
	return dp_dontneed(dp->sk, 0, 1);
}

static long recv_listener(struct dp *dp, char *m, size_t l)
{
	struct msghdr msg = { 0 };

	(void)m;
	(void)l;
	return dml_recvmsg(dp->listener, &msg, MSG_DONTWAIT);
}

/*
 * A valid iovec and nothing queued: without the MSG_PEEK rule the call
 * would say EAGAIN, so only that rule can answer EINVAL, and a lost rule
 * fails the row instead of blocking it.
 */
static long recv_peek(struct dp *dp, char *m, size_t l)
{
	char byte;
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };

	(void)m;
	(void)l;
	return dml_recvmsg(dp->sk, &msg, MSG_PEEK | MSG_DONTWAIT);
}

static long accept_empty(struct dp *dp, char *m, size_t l)
{
	struct dml_sock *child;

	(void)m;
	(void)l;
	return dml_accept(dp->listener, SOCK_NONBLOCK, &child);
}

static long listen_taken(struct dp *dp, char *m, size_t l)
{
	struct dml_sock *sk;
	long ret;

	(void)m;
	(void)l;
	if (dml_socket(dp->f->host, SOCK_STREAM, &sk))
		return -999;
	ret = dml_listen(sk, DP_PORT);
	dml_close(sk);
	return ret;
}

static long connect_refused(struct dp *dp, char *m, size_t l)
{
	struct dml_wire_flow_config cfg = dp_flow_config(45000);
	struct dml_wire_flow *flow;

	(void)m;
	(void)l;
	cfg.flow.dst_port = 1;
	return dml_wire_connect(dp->f->dev, &cfg, &flow);
}

static const struct row rows[] = {
	{ "S-2.1", "dma-buf size not a multiple of 4096", 0, dmabuf_unaligned, -EINVAL, NULL },
	{ "S-2.1", "bind of a memfd of unaligned size", 0, memfd_unaligned, -EINVAL, "not a non-zero multiple of 4096" },
	{ "S-3.1", "bind-rx without ifindex", 0, missing_ifindex, -EINVAL, "missing attribute: ifindex" },
	{ "S-3.1", "bind-rx without fd", 0, missing_fd, -EINVAL, "missing attribute: fd" },
	{ "S-3.1", "bind-rx without queues", 0, missing_queues, -EINVAL, "missing attribute: queues" },
	{ "S-3.1", "bind-rx of a TX queue", 0, tx_queue, -EINVAL, "only rx queues can be bound" },
	{ "S-3.1", "bind-rx of a queue that does not exist", 0, queue_out_of_range, -EINVAL, "rx queue index 99 out of range" },
	{ "S-3.1", "bind-rx of a bound queue", 0, queue_bound, -EEXIST, "already memory provider bound" },
	{ "S-3.1", "bind-rx with header split off", 0, no_header_split, -EINVAL, "tcp-data-split is disabled" },
	{ "S-3.1", "bind-rx on an unknown device", 0, unknown_ifindex, -ENODEV, "ifindex: no device with index 77" },
	{ "S-3.1", "bind-rx with ifindex 0", 0, ifindex_zero, -ERANGE, "ifindex: integer 0 out of range" },
	{ "S-3.1", "bind-rx of a closed fd", 0, closed_fd, -EBADF, "not an open file" },
	{ "S-3.1", "bind-rx of a pipe", 0, not_a_dmabuf, -EINVAL, "is not a dma-buf" },
	{ "S-3.1", "malformed attribute length", 0, bad_attribute_length, -EINVAL, "invalid attribute length" },
	{ "S-3.4", "bind-rx in the other mode (0 set)", 0, other_mode, -EBUSY, "System already configured with autorelease=0" },
	{ "S-3.4", "bind-rx in the other mode (1 set)", 1, other_mode, -EBUSY, "System already configured with autorelease=1" },
	{ "S-3.4", "autorelease 2", 0, autorelease_two, -ERANGE, "autorelease: integer 2 out of range" },
	{ "S-3.7", "bind-rx without admin permission", 0, not_admin, -EPERM, "needs admin permission" },
	{ "S-4.2", "devmem data read without MSG_SOCK_DEVMEM", 0, read_without_flag, -EFAULT, NULL },
	{ "S-4.5", "first read after the binding is gone", 0, unbind_before_join, -ENODEV, NULL },
	{ "S-4.5", "frag of a second binding on a joined socket", 0, frag_of_other_binding, -EFAULT, NULL },
	{ "S-4.6", "no room for the first cmsg", 0, no_cmsg_room, -ETOOSMALL, NULL },
	{ "S-4.6", "no room for the first cmsg", 1, no_cmsg_room, -ETOOSMALL, NULL },
	{ "S-4.1", "non-blocking read of an empty queue", 1, nothing_queued, -EAGAIN, NULL },
	{ "S-5.1", "DONTNEED on a non-TCP socket", 1, dontneed_udp, -EBADF, NULL },
	{ "S-5.1", "DONTNEED optlen 7, joined and holding", 0, dontneed_7, -EINVAL, NULL },
	{ "S-5.1", "DONTNEED optlen 7, holding", 1, dontneed_7, -EINVAL, NULL },
	{ "S-5.1", "DONTNEED optlen 15, joined and holding", 0, dontneed_15, -EINVAL, NULL },
	{ "S-5.1", "DONTNEED optlen 15, holding", 1, dontneed_15, -EINVAL, NULL },
	{ "S-5.1", "DONTNEED optlen over 128 entries, joined and holding", 0, dontneed_129, -EINVAL, NULL },
	{ "S-5.1", "DONTNEED optlen over 128 entries, holding", 1, dontneed_129, -EINVAL, NULL },
	{ "S-5.4", "DONTNEED on a socket that never joined", 0, dontneed_not_joined, -EINVAL, NULL },
	{ "S-4.1", "recvmsg on a listener", 0, recv_listener, -ENOTCONN, NULL },
	{ "S-4.1", "recvmsg with MSG_PEEK", 0, recv_peek, -EINVAL, NULL },
	{ "S-6.4", "accept with nothing pending", 0, accept_empty, -EAGAIN, NULL },
	{ "S-7.2", "listen on a port already listened on", 0, listen_taken, -EADDRINUSE, NULL },
	{ "S-7.2", "a wire flow to a port nobody listens on", 0, connect_refused, -ECONNREFUSED, NULL },
};

static void test_bad_input_table(void **state)
{
	size_t i;
	int failures = 0;

	(void)state;
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const struct row *row = &rows[i];
		void *st = NULL;
		char msg[256] = "";
		long got;

		assert_ok(dp_setup_mode(&st, row->mode));
		got = row->fn(st, msg, sizeof(msg));
		if (got != row->want ||
		    (row->want_msg && !strstr(msg, row->want_msg))) {
			printf("# %s %s (autorelease=%d): got %ld \"%s\", want %ld \"%s\"\n",
			       row->spec, row->what, row->mode, got, msg, row->want,
			       row->want_msg ? row->want_msg : "");
			failures++;
		}
		/* never a leaked or doubled reference, whatever was refused */
		if (dp_teardown(&st)) {
			printf("# %s %s: teardown found a broken invariant\n", row->spec,
			       row->what);
			failures++;
		}
	}
	assert_int_equal(failures, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bad_input_table),
	};

	return RUN_TESTS(tests);
}
