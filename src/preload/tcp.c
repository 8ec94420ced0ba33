// SPDX-License-Identifier: MIT
/*
 * TCP sockets on the emulated interface.  A program's socket stays the
 * kernel's until it listens on one of the emulated interface's addresses
 * (so bind's errors, SO_REUSE* and port choice are the kernel's own); then
 * the kernel socket goes to the real TCP ingress, which feeds the emulated
 * NIC with what real peers send, and the program's fd number becomes an
 * eventfd standing for the emulated listener.  Accepted connections are
 * emulated sockets: recvmsg(MSG_SOCK_DEVMEM) and SO_DEVMEM_DONTNEED reach
 * the model.
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "devmem/ext.h"
#include "net/sock.h"
#include "preload.h"

struct pl_tcp {
	struct dml_sock *sk;
	struct dml_tcp_ingress *ing;	/* a listener's feeder, else NULL */
	int family;			/* the program's socket's */
	struct sockaddr_storage local;
	socklen_t local_len;
	struct pl_sockopts opts;
	atomic_bool rd_shut;
	atomic_bool wr_shut;
};

static const struct pl_file_ops tcp_listener_ops;
static const struct pl_file_ops tcp_conn_ops;

static void tcp_notify(void *arg)
{
	pl_file_signal(arg);
}

/* The counter stays set while the socket is readable; clear it otherwise. */
static void tcp_rearm(struct pl_file *f, struct pl_tcp *t)
{
	if (!atomic_load(&f->signalled) || dml_sock_poll_events(t->sk))
		return;
	pl_file_unsignal(f);
	if (dml_sock_poll_events(t->sk))
		pl_file_signal(f);
}

static struct pl_tcp *tcp_new(int family)
{
	struct pl_tcp *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->family = family;
	pl_sockopts_init(&t->opts);
	return t;
}

static void tcp_release(struct pl_file *f)
{
	struct pl_tcp *t = f->priv;

	/* After this no notify runs, so the file may be reused. */
	dml_sock_set_notify(t->sk, NULL, NULL);
	dml_close(t->sk);
	/* Accepted connections outlive their listener, as on Linux. */
	if (t->ing)
		pl_ingress_retire(t->ing);
	pl_sockopts_destroy(&t->opts);
	pl_trace("tcp %s closed", t->ing ? "listener" : "connection");
	free(t);
}

/* The v4-mapped form the NIC uses, back into the program's family. */
static socklen_t flow_to_sockaddr(int family, const uint8_t addr[16], uint16_t port,
				  struct sockaddr_storage *ss)
{
	static const uint8_t mapped[12] = { [10] = 0xff, [11] = 0xff };

	memset(ss, 0, sizeof(*ss));
	if (family == AF_INET && !memcmp(addr, mapped, sizeof(mapped))) {
		struct sockaddr_in *sin = (struct sockaddr_in *)ss;

		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		memcpy(&sin->sin_addr, addr + 12, 4);
		return sizeof(*sin);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		memcpy(&sin6->sin6_addr, addr, 16);
		return sizeof(*sin6);
	}
}

/* As the kernel copies an address out: truncated to the room, length the full one. */
static void copy_addr(const struct sockaddr_storage *ss, socklen_t len,
		      struct sockaddr *sa, socklen_t *salen)
{
	if (!sa || !salen)
		return;
	memcpy(sa, ss, *salen < len ? *salen : len);
	*salen = len;
}

int pl_tcp_listen(struct pl_state *st, int fd, int backlog)
{
	struct dml_tcp_ingress_config ic = { 0 };
	struct pl_file *f = NULL;
	struct pl_tcp *t;
	uint16_t port;
	int fdflags, flflags, err;

	/* Before the ingress shares the socket and makes it non-blocking. */
	fdflags = PL_REAL(fcntl)(fd, F_GETFD);
	flflags = PL_REAL(fcntl)(fd, F_GETFL);
	t = tcp_new(AF_INET6);
	if (!t)
		return -ENOMEM;
	t->local_len = sizeof(t->local);
	if (PL_REAL(getsockname)(fd, (struct sockaddr *)&t->local, &t->local_len)) {
		err = -errno;
		goto err_free;
	}
	t->family = t->local.ss_family;
	port = ntohs(t->family == AF_INET ? ((struct sockaddr_in *)&t->local)->sin_port
					  : ((struct sockaddr_in6 *)&t->local)->sin6_port);
	err = dml_socket(st->host, SOCK_STREAM, &t->sk);
	if (err)
		goto err_free;
	ic.adopt = true;
	ic.bound_fd = fd;
	ic.backlog = backlog;
	ic.seg.hds_thresh = DML_HDS_THRESH_DEVICE;
	/* The port: the kernel's choice when the program bound port 0. */
	err = dml_tcp_ingress_start(st->dev, &ic, &t->ing);
	if (err)
		goto err_sock;
	port = dml_tcp_ingress_port(t->ing);
	if (t->family == AF_INET)
		((struct sockaddr_in *)&t->local)->sin_port = htons(port);
	else
		((struct sockaddr_in6 *)&t->local)->sin6_port = htons(port);
	err = dml_listen(t->sk, port);
	if (err)
		goto err_ingress;

	f = pl_file_new(&tcp_listener_ops, t, true);
	if (!f) {
		err = -ENOMEM;
		goto err_ingress;
	}
	atomic_store(&f->status_flags, flflags >= 0 ? flflags & O_NONBLOCK : 0);
	dml_sock_set_notify(t->sk, tcp_notify, f);
	/* Published before the number changes hands, so no call sees a bare eventfd. */
	err = pl_file_install(fd, f);
	if (err)
		goto err_file;
	if (PL_REAL(dup3)(f->efd, fd, fdflags > 0 && (fdflags & FD_CLOEXEC) ? O_CLOEXEC : 0) < 0) {
		err = -errno;
		pl_file_forget(fd);
		goto err_file;
	}
	pl_file_put(f);		/* the table's reference keeps it */
	pl_trace("listen fd %d: emulated, port %u (real TCP ingress)", fd, port);
	return 0;

err_file:
	/* The last put releases the socket, the ingress and @t. */
	pl_file_put(f);
	return err;
err_ingress:
	dml_tcp_ingress_stop(t->ing);
err_sock:
	dml_close(t->sk);
err_free:
	pl_sockopts_destroy(&t->opts);
	free(t);
	return err;
}

static int tcp_accept(struct pl_file *f, struct sockaddr *sa, socklen_t *salen, int flags)
{
	struct pl_tcp *t = f->priv, *c;
	struct sockaddr_storage ss;
	struct pl_file *cf;
	struct dml_sock *child;
	bool nonblock = atomic_load(&f->status_flags) & O_NONBLOCK;
	socklen_t len;
	int fd, err;

	if (flags & ~(SOCK_NONBLOCK | SOCK_CLOEXEC))
		return -EINVAL;
	err = dml_accept(t->sk, nonblock ? SOCK_NONBLOCK : 0, &child);
	tcp_rearm(f, t);
	if (err)
		return err;
	c = tcp_new(t->family);
	if (!c) {
		dml_close(child);
		return -ENOMEM;
	}
	c->sk = child;
	c->local_len = flow_to_sockaddr(t->family, child->flow.dst_addr,
					child->flow.dst_port, &c->local);
	cf = pl_file_new(&tcp_conn_ops, c, true);
	if (!cf) {
		dml_close(child);
		free(c);
		return -ENOMEM;
	}
	atomic_store(&cf->status_flags, flags & SOCK_NONBLOCK ? O_NONBLOCK : 0);
	dml_sock_set_notify(child, tcp_notify, cf);
	fd = pl_file_new_fd(cf, 0, flags & SOCK_CLOEXEC);
	if (fd >= 0 && dml_sock_poll_events(child))
		pl_file_signal(cf);
	pl_file_put(cf);
	if (fd < 0)
		return fd;
	len = flow_to_sockaddr(t->family, child->flow.src_addr, child->flow.src_port, &ss);
	copy_addr(&ss, len, sa, salen);
	pl_trace("accept on listener: fd %d", fd);
	return fd;
}

static ssize_t tcp_recvmsg(struct pl_file *f, struct msghdr *msg, int flags)
{
	struct pl_tcp *t = f->priv;
	ssize_t ret;

	if (atomic_load(&t->rd_shut))
		return 0;
	if (atomic_load(&f->status_flags) & O_NONBLOCK)
		flags |= MSG_DONTWAIT;
	msg->msg_namelen = 0;
	ret = dml_recvmsg(t->sk, msg, flags);
	tcp_rearm(f, t);
	return ret;
}

/*
 * What the program sends goes out on the real connection behind the
 * emulated one (the model is the receive path): its errors, SIGPIPE
 * included, are the kernel's own.
 */
static ssize_t tcp_sendmsg(struct pl_file *f, const struct msghdr *msg, int flags)
{
	struct pl_tcp *t = f->priv;
	bool nonblock = (flags & MSG_DONTWAIT) || (atomic_load(&f->status_flags) & O_NONBLOCK);
	struct pollfd p = { .fd = t->sk->wire_fd, .events = POLLOUT };
	struct msghdr m = *msg;
	ssize_t n;

	if (t->sk->wire_fd < 0)
		return -EOPNOTSUPP;
	if (atomic_load(&t->wr_shut))
		return -EPIPE;
	m.msg_name = NULL;
	m.msg_namelen = 0;
	for (;;) {
		n = PL_REAL(sendmsg)(t->sk->wire_fd, &m, flags | MSG_DONTWAIT);
		if (n >= 0 || nonblock || errno != EAGAIN)
			return n < 0 ? -errno : n;
		/* The kernel socket is the ingress's, non-blocking: wait as a blocking send would. */
		if (poll(&p, 1, -1) < 0 && errno != EINTR)
			return -errno;
	}
}

static int tcp_setsockopt(struct pl_file *f, int level, int name, const void *val,
			  socklen_t len)
{
	struct pl_tcp *t = f->priv;

	if (level == SOL_SOCKET && (name == SO_DEVMEM_DONTNEED || name == SO_DEVMEM_LINEAR ||
				    name == SO_DEVMEM_DMABUF || name == SO_DEVMEM_LAB_RETURN_RING))
		return dml_setsockopt(t->sk, level, name, val, len);
	if (level != SOL_SOCKET && level != IPPROTO_TCP && level != IPPROTO_IP &&
	    level != IPPROTO_IPV6)
		return -ENOPROTOOPT;
	/* The model's reads never time out: a timeout is accepted, not kept. */
	if (level == SOL_SOCKET && (name == SO_RCVTIMEO || name == SO_SNDTIMEO))
		return len < (socklen_t)sizeof(struct timeval) ? -EINVAL : 0;
	return pl_sockopts_set(&t->opts, level, name, val, len);
}

static int tcp_getsockopt(struct pl_file *f, int level, int name, void *val, socklen_t *len)
{
	struct pl_tcp *t = f->priv;
	int v = 0;

	if (pl_sockopts_get(&t->opts, level, name, &v))
		return pl_sockopt_put_int(v, val, len);
	if (level == IPPROTO_TCP && name == TCP_NODELAY)
		return pl_sockopt_put_int(0, val, len);
	if (level != SOL_SOCKET)
		return -ENOPROTOOPT;
	switch (name) {
	case SO_TYPE: v = SOCK_STREAM; break;
	case SO_DOMAIN: v = t->family; break;
	case SO_PROTOCOL: v = IPPROTO_TCP; break;
	case SO_ACCEPTCONN: v = t->ing != NULL; break;
	case SO_ERROR: v = 0; break;
	case SO_RCVBUF: v = 131072; break;
	case SO_SNDBUF: v = 16384; break;
	case SO_REUSEADDR: case SO_REUSEPORT: case SO_KEEPALIVE: v = 0; break;
	default: return -ENOPROTOOPT;
	}
	return pl_sockopt_put_int(v, val, len);
}

static int tcp_getsockname(struct pl_file *f, struct sockaddr *sa, socklen_t *len)
{
	struct pl_tcp *t = f->priv;

	if (!len)
		return -EFAULT;
	copy_addr(&t->local, t->local_len, sa, len);
	return 0;
}

static int tcp_getpeername(struct pl_file *f, struct sockaddr *sa, socklen_t *len)
{
	struct pl_tcp *t = f->priv;
	struct sockaddr_storage ss;
	socklen_t n;

	if (t->ing)
		return -ENOTCONN;
	if (!len)
		return -EFAULT;
	n = flow_to_sockaddr(t->family, t->sk->flow.src_addr, t->sk->flow.src_port, &ss);
	copy_addr(&ss, n, sa, len);
	return 0;
}

static int tcp_listen_again(struct pl_file *f, int backlog)
{
	(void)f;
	(void)backlog;
	return 0;	/* listen() on a listener only changes its backlog */
}

static int tcp_shutdown(struct pl_file *f, int how)
{
	struct pl_tcp *t = f->priv;

	if (how != SHUT_RD && how != SHUT_WR && how != SHUT_RDWR)
		return -EINVAL;
	if (t->ing)
		return -ENOTCONN;
	if (how != SHUT_WR) {
		atomic_store(&t->rd_shut, true);
		pl_file_signal(f);	/* a reader waiting in poll sees EOF */
	}
	/* The peer gets its FIN from the real socket. */
	if (how != SHUT_RD && t->sk->wire_fd >= 0 && !atomic_exchange(&t->wr_shut, true))
		PL_REAL(shutdown)(t->sk->wire_fd, SHUT_WR);
	return 0;
}

static int tcp_bind(struct pl_file *f, const struct sockaddr *sa, socklen_t len)
{
	(void)f;
	(void)sa;
	(void)len;
	return -EINVAL;		/* already bound, as the kernel says */
}

/* Already listening (EINVAL) or connected (EISCONN), as the kernel answers. */
static int tcp_connect(struct pl_file *f, const struct sockaddr *sa, socklen_t len)
{
	struct pl_tcp *t = f->priv;

	(void)sa;
	(void)len;
	return t->ing ? -EINVAL : -EISCONN;
}

static const struct pl_file_ops tcp_listener_ops = {
	.kind = "tcp-listener",
	.setsockopt = tcp_setsockopt,
	.getsockopt = tcp_getsockopt,
	.bind = tcp_bind,
	.connect = tcp_connect,
	.getsockname = tcp_getsockname,
	.getpeername = tcp_getpeername,
	.listen = tcp_listen_again,
	.accept = tcp_accept,
	.shutdown = tcp_shutdown,
	.release = tcp_release,
};

static const struct pl_file_ops tcp_conn_ops = {
	.kind = "tcp",
	.recvmsg = tcp_recvmsg,
	.sendmsg = tcp_sendmsg,
	.setsockopt = tcp_setsockopt,
	.getsockopt = tcp_getsockopt,
	.bind = tcp_bind,
	.connect = tcp_connect,
	.getsockname = tcp_getsockname,
	.getpeername = tcp_getpeername,
	.shutdown = tcp_shutdown,
	.release = tcp_release,
};
