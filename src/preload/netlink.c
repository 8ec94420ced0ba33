// SPDX-License-Identifier: MIT
/*
 * socket(AF_NETLINK, SOCK_RAW, NETLINK_GENERIC) served by the emulated
 * host: the program's requests are netlink bytes handed to the model's
 * genetlink core (nlctrl, netdev, ethtool) and its replies are the bytes
 * the kernel would send, read back one message per recv as the kernel
 * hands out one skb.  Other netlink protocols stay the kernel's.
 */
#include <fcntl.h>
#include <linux/netlink.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "netlink/nl_sock.h"
#include "preload.h"

struct pl_nl {
	struct dml_nl_sock *sk;
	struct pl_sockopts opts;
};

static const struct pl_file_ops nl_ops;

static void nl_rearm(struct pl_file *f, struct pl_nl *n)
{
	if (dml_nl_pending(n->sk)) {
		pl_file_signal(f);
		return;
	}
	pl_file_unsignal(f);
	if (dml_nl_pending(n->sk))
		pl_file_signal(f);
}

int pl_netlink_socket(struct pl_state *st, int type)
{
	unsigned int flags = DML_NL_KERNEL_DEFAULTS;
	struct pl_file *f;
	struct pl_nl *n;
	int base = type & ~(SOCK_NONBLOCK | SOCK_CLOEXEC), fd, err;

	if (base != SOCK_RAW && base != SOCK_DGRAM)
		return -ESOCKTNOSUPPORT;
	n = calloc(1, sizeof(*n));
	if (!n)
		return -ENOMEM;
	if (st->cfg.admin)
		flags |= DML_NL_ADMIN;
	err = dml_nl_open(st->host, flags, &n->sk);
	if (err) {
		free(n);
		return err;
	}
	pl_sockopts_init(&n->opts);
	f = pl_file_new(&nl_ops, n, true);
	if (!f) {
		dml_nl_close(n->sk);
		pl_sockopts_destroy(&n->opts);
		free(n);
		return -ENOMEM;
	}
	atomic_store(&f->status_flags, type & SOCK_NONBLOCK ? O_NONBLOCK : 0);
	fd = pl_file_new_fd(f, 0, type & SOCK_CLOEXEC);
	pl_file_put(f);
	pl_trace("netlink generic socket: fd %d, port id %u%s", fd, dml_nl_portid(n->sk),
		 st->cfg.admin ? ", admin" : "");
	return fd;
}

static void nl_release(struct pl_file *f)
{
	struct pl_nl *n = f->priv;

	/* S-3.3: the bindings this socket made go with it. */
	dml_nl_close(n->sk);
	pl_sockopts_destroy(&n->opts);
	free(n);
}

static size_t iov_total(const struct msghdr *msg)
{
	size_t i, total = 0;

	for (i = 0; i < msg->msg_iovlen; i++)
		total += msg->msg_iov[i].iov_len;
	return total;
}

/* Nothing will ever arrive unasked: a blocking read with nothing queued waits for ever, as on Linux. */
static void wait_readable(struct pl_file *f)
{
	struct pollfd p = { .fd = f->efd, .events = POLLIN };

	while (poll(&p, 1, -1) < 0 && errno == EINTR)
		;
}

static ssize_t nl_recvmsg(struct pl_file *f, struct msghdr *msg, int flags)
{
	struct pl_nl *n = f->priv;
	size_t total = iov_total(msg), off = 0, i;
	unsigned char *buf;
	int msg_flags = 0;
	ssize_t ret, copied;
	bool nonblock = (flags & MSG_DONTWAIT) || (atomic_load(&f->status_flags) & O_NONBLOCK);

	if (flags & ~(MSG_DONTWAIT | MSG_PEEK | MSG_TRUNC | MSG_CMSG_CLOEXEC | MSG_WAITALL))
		return -EOPNOTSUPP;
	buf = malloc(total ? total : 1);
	if (!buf)
		return -ENOMEM;
	for (;;) {
		ret = dml_nl_recvmsg(n->sk, buf, total, flags & (MSG_PEEK | MSG_TRUNC),
				     &msg_flags);
		if (ret != -EAGAIN || nonblock)
			break;
		wait_readable(f);
	}
	nl_rearm(f, n);
	if (ret < 0) {
		free(buf);
		return ret;
	}
	copied = (size_t)ret < total ? ret : (ssize_t)total;
	for (i = 0; i < msg->msg_iovlen && off < (size_t)copied; i++) {
		size_t k = msg->msg_iov[i].iov_len;

		if (k > (size_t)copied - off)
			k = (size_t)copied - off;
		memcpy(msg->msg_iov[i].iov_base, buf + off, k);
		off += k;
	}
	free(buf);
	if (msg->msg_name && msg->msg_namelen >= sizeof(struct sockaddr_nl)) {
		struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };

		memcpy(msg->msg_name, &kernel, sizeof(kernel));
	}
	msg->msg_namelen = sizeof(struct sockaddr_nl);
	msg->msg_controllen = 0;
	msg->msg_flags = msg_flags;
	return ret;
}

static ssize_t nl_sendmsg(struct pl_file *f, const struct msghdr *msg, int flags)
{
	struct pl_nl *n = f->priv;
	size_t total = iov_total(msg), off = 0, i;
	unsigned char *buf;
	ssize_t ret;

	(void)flags;
	if (msg->msg_name) {
		const struct sockaddr_nl *to = msg->msg_name;

		if (msg->msg_namelen < sizeof(*to) || to->nl_family != AF_NETLINK)
			return -EINVAL;
		/* Only the kernel (port 0) answers here; multicast sends need a group we never have. */
		if (to->nl_pid || to->nl_groups)
			return -ECONNREFUSED;
	}
	buf = malloc(total ? total : 1);
	if (!buf)
		return -ENOMEM;
	for (i = 0; i < msg->msg_iovlen; i++) {
		memcpy(buf + off, msg->msg_iov[i].iov_base, msg->msg_iov[i].iov_len);
		off += msg->msg_iov[i].iov_len;
	}
	ret = dml_nl_send(n->sk, buf, total);
	free(buf);
	nl_rearm(f, n);
	return ret;
}

static int nl_setsockopt(struct pl_file *f, int level, int name, const void *val, socklen_t len)
{
	struct pl_nl *n = f->priv;

	if (level == SOL_NETLINK)
		return dml_nl_setsockopt(n->sk, level, name, val, len);
	if (level != SOL_SOCKET)
		return -ENOPROTOOPT;
	return pl_sockopts_set(&n->opts, level, name, val, len);
}

static int nl_getsockopt(struct pl_file *f, int level, int name, void *val, socklen_t *len)
{
	struct pl_nl *n = f->priv;
	int v = 0;

	if (level == SOL_NETLINK)
		return dml_nl_getsockopt(n->sk, level, name, val, len);
	if (level != SOL_SOCKET)
		return -ENOPROTOOPT;
	if (pl_sockopts_get(&n->opts, level, name, &v))
		return pl_sockopt_put_int(v, val, len);
	switch (name) {
	case SO_TYPE: v = SOCK_RAW; break;
	case SO_DOMAIN: v = AF_NETLINK; break;
	case SO_PROTOCOL: v = NETLINK_GENERIC; break;
	case SO_RCVBUF: case SO_SNDBUF: v = 212992; break;
	case SO_ERROR: v = 0; break;
	default: return -ENOPROTOOPT;
	}
	return pl_sockopt_put_int(v, val, len);
}

static int nl_bind(struct pl_file *f, const struct sockaddr *sa, socklen_t len)
{
	const struct sockaddr_nl *nl = (const struct sockaddr_nl *)sa;
	struct pl_nl *n = f->priv;
	unsigned int g;
	int err;

	if (!sa || len < sizeof(*nl) || nl->nl_family != AF_NETLINK)
		return -EINVAL;
	/* The port id is the one the socket got; another is not ours to take. */
	if (nl->nl_pid && nl->nl_pid != dml_nl_portid(n->sk))
		return -EADDRINUSE;
	for (g = 0; g < 32; g++) {
		int group = (int)g + 1;

		if (!(nl->nl_groups & (1u << g)))
			continue;
		err = dml_nl_setsockopt(n->sk, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &group,
					sizeof(group));
		if (err)
			return err;
	}
	return 0;
}

static int nl_connect(struct pl_file *f, const struct sockaddr *sa, socklen_t len)
{
	const struct sockaddr_nl *nl = (const struct sockaddr_nl *)sa;

	(void)f;
	if (!sa || len < sizeof(*nl) || nl->nl_family != AF_NETLINK)
		return -EINVAL;
	return nl->nl_pid ? -ECONNREFUSED : 0;
}

static int nl_addr(uint32_t pid, struct sockaddr *sa, socklen_t *len)
{
	struct sockaddr_nl me = { .nl_family = AF_NETLINK, .nl_pid = pid };

	if (!len)
		return -EFAULT;
	if (sa)
		memcpy(sa, &me, *len < sizeof(me) ? *len : sizeof(me));
	*len = sizeof(me);
	return 0;
}

static int nl_getsockname(struct pl_file *f, struct sockaddr *sa, socklen_t *len)
{
	struct pl_nl *n = f->priv;

	return nl_addr(dml_nl_portid(n->sk), sa, len);
}

static int nl_getpeername(struct pl_file *f, struct sockaddr *sa, socklen_t *len)
{
	(void)f;
	return nl_addr(0, sa, len);
}

static int nl_shutdown(struct pl_file *f, int how)
{
	(void)f;
	(void)how;
	return -EOPNOTSUPP;	/* netlink has no shutdown */
}

static const struct pl_file_ops nl_ops = {
	.kind = "netlink",
	.recvmsg = nl_recvmsg,
	.sendmsg = nl_sendmsg,
	.setsockopt = nl_setsockopt,
	.getsockopt = nl_getsockopt,
	.bind = nl_bind,
	.connect = nl_connect,
	.getsockname = nl_getsockname,
	.getpeername = nl_getpeername,
	.shutdown = nl_shutdown,
	.release = nl_release,
};
