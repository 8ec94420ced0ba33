// SPDX-License-Identifier: MIT
/*
 * The socket and fd entry points of libc, interposed.  Each looks the fd up
 * once: an emulated one goes to its kind's ops, any other straight to the
 * kernel through the real function, with the same arguments.
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/netlink.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/uio.h>
#include <unistd.h>

#include "preload.h"

#define EXPORT __attribute__((visibility("default")))

/* One bounded log line per emulated call, only when --trace is on. */
#define TRACE_CALL(f, fmt, ...)							\
	do {									\
		if (pl_tracing())						\
			pl_trace("%s " fmt, (f)->ops->kind, __VA_ARGS__);	\
	} while (0)

EXPORT int socket(int domain, int type, int protocol)
{
	struct pl_state *st;

	int ret;

	if (domain != AF_NETLINK || protocol != NETLINK_GENERIC || pl_inside)
		return PL_REAL(socket)(domain, type, protocol);
	st = pl_state();
	if (!st)
		return -1;
	PL_INSIDE_BEGIN();
	ret = pl_netlink_socket(st, type);
	PL_INSIDE_END();
	return (int)pl_ret(ret);
}

/* Would the kernel socket at @fd, listening, be one on the emulated NIC? */
static bool listens_on_emulated_nic(int fd, struct pl_state **stp)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	int type = 0, proto = 0;
	socklen_t tl = sizeof(type), pl = sizeof(proto);
	struct pl_state *st;

	if (PL_REAL(getsockname)(fd, (struct sockaddr *)&ss, &len) ||
	    (ss.ss_family != AF_INET && ss.ss_family != AF_INET6))
		return false;
	if (PL_REAL(getsockopt)(fd, SOL_SOCKET, SO_TYPE, &type, &tl) || type != SOCK_STREAM ||
	    PL_REAL(getsockopt)(fd, SOL_SOCKET, SO_PROTOCOL, &proto, &pl) ||
	    proto != IPPROTO_TCP)
		return false;
	/* A wildcard listener stays the kernel's: see docs/run.md. */
	if (ss.ss_family == AF_INET
		    ? ((struct sockaddr_in *)&ss)->sin_addr.s_addr == htonl(INADDR_ANY)
		    : IN6_IS_ADDR_UNSPECIFIED(&((struct sockaddr_in6 *)&ss)->sin6_addr))
		return false;
	st = pl_state();
	if (!st || !pl_addr_emulated(st, (struct sockaddr *)&ss, len))
		return false;
	*stp = st;
	return true;
}

EXPORT int listen(int fd, int backlog)
{
	struct pl_file *f = pl_file_get(fd);
	struct pl_state *st;
	int ret;

	if (f) {
		ret = f->ops->listen ? f->ops->listen(f, backlog) : -EOPNOTSUPP;
		pl_file_put(f);
		return (int)pl_ret(ret);
	}
	if (pl_inside || !listens_on_emulated_nic(fd, &st))
		return PL_REAL(listen)(fd, backlog);
	PL_INSIDE_BEGIN();
	ret = pl_tcp_listen(st, fd, backlog);
	PL_INSIDE_END();
	return (int)pl_ret(ret);
}

EXPORT int accept4(int fd, __SOCKADDR_ARG sa_arg, socklen_t *len, int flags)
{
	struct sockaddr *sa = PL_SA(sa_arg);
	struct pl_file *f = pl_file_get(fd);
	int ret;

	if (!f)
		return PL_REAL(accept4)(fd, sa, len, flags);
	ret = f->ops->accept ? f->ops->accept(f, sa, len, flags) : -EOPNOTSUPP;
	TRACE_CALL(f, "accept4(%d, %#x) = %d", fd, flags, ret);
	pl_file_put(f);
	return (int)pl_ret(ret);
}

EXPORT int accept(int fd, __SOCKADDR_ARG sa_arg, socklen_t *len)
{
	struct sockaddr *sa = PL_SA(sa_arg);

	if (!pl_fd_emulated(fd))
		return PL_REAL(accept)(fd, sa, len);
	return accept4(fd, sa, len, 0);
}

/* recvmsg on a kind without one: what the kernel says for that kind. */
static ssize_t no_recvmsg(struct pl_file *f)
{
	return f->ops->accept ? -ENOTCONN : -EINVAL;
}

static ssize_t emulated_recvmsg(struct pl_file *f, int fd, struct msghdr *msg, int flags)
{
	ssize_t ret = f->ops->recvmsg ? f->ops->recvmsg(f, msg, flags) : no_recvmsg(f);

	TRACE_CALL(f, "recvmsg(%d, flags %#x) = %zd", fd, flags, ret);
	return ret;
}

EXPORT ssize_t recvmsg(int fd, struct msghdr *msg, int flags)
{
	struct pl_file *f = pl_file_get(fd);
	ssize_t ret;

	if (!f || (f->ops->pass_data && !f->ops->recvmsg)) {
		if (f)
			pl_file_put(f);
		return PL_REAL(recvmsg)(fd, msg, flags);
	}
	ret = emulated_recvmsg(f, fd, msg, flags);
	pl_file_put(f);
	return pl_ret(ret);
}

/* recv, recvfrom, read and readv as one recvmsg on an emulated fd. */
static ssize_t recv_iov(struct pl_file *f, int fd, struct iovec *iov, int iovcnt, int flags,
			struct sockaddr *sa, socklen_t *salen)
{
	struct msghdr msg = {
		.msg_name = sa,
		.msg_namelen = salen ? *salen : 0,
		.msg_iov = iov,
		.msg_iovlen = (size_t)iovcnt,
	};
	ssize_t ret = emulated_recvmsg(f, fd, &msg, flags);

	if (ret >= 0 && salen)
		*salen = msg.msg_namelen;
	return ret;
}

EXPORT ssize_t recvfrom(int fd, void *buf, size_t n, int flags, __SOCKADDR_ARG sa_arg,
			socklen_t *salen)
{
	struct sockaddr *sa = PL_SA(sa_arg);
	struct pl_file *f = pl_file_get(fd);
	struct iovec iov = { buf, n };
	ssize_t ret;

	if (!f || (f->ops->pass_data && !f->ops->recvmsg)) {
		if (f)
			pl_file_put(f);
		return PL_REAL(recvfrom)(fd, buf, n, flags, sa, salen);
	}
	ret = recv_iov(f, fd, &iov, 1, flags, sa, salen);
	pl_file_put(f);
	return pl_ret(ret);
}

EXPORT ssize_t recv(int fd, void *buf, size_t n, int flags)
{
	if (!pl_fd_emulated(fd))
		return PL_REAL(recv)(fd, buf, n, flags);
	return recvfrom(fd, buf, n, flags, NULL, NULL);
}

EXPORT ssize_t read(int fd, void *buf, size_t n)
{
	if (!pl_fd_emulated(fd))
		return PL_REAL(read)(fd, buf, n);
	{
		struct pl_file *f = pl_file_get(fd);
		struct iovec iov = { buf, n };
		ssize_t ret;

		if (!f)
			return PL_REAL(read)(fd, buf, n);
		if (f->ops->pass_data && !f->ops->recvmsg) {
			pl_file_put(f);
			return PL_REAL(read)(fd, buf, n);
		}
		ret = recv_iov(f, fd, &iov, 1, 0, NULL, NULL);
		pl_file_put(f);
		return pl_ret(ret);
	}
}

EXPORT ssize_t readv(int fd, const struct iovec *iov, int iovcnt)
{
	struct pl_file *f = pl_file_get(fd);
	ssize_t ret;

	if (!f || (f->ops->pass_data && !f->ops->recvmsg)) {
		if (f)
			pl_file_put(f);
		return PL_REAL(readv)(fd, iov, iovcnt);
	}
	ret = recv_iov(f, fd, (struct iovec *)iov, iovcnt, 0, NULL, NULL);
	pl_file_put(f);
	return pl_ret(ret);
}

/* _FORTIFY_SOURCE builds call these instead; the bound check is theirs. */
ssize_t __read_chk(int fd, void *buf, size_t n, size_t buflen);
ssize_t __recv_chk(int fd, void *buf, size_t n, size_t buflen, int flags);
ssize_t __recvfrom_chk(int fd, void *buf, size_t n, size_t buflen, int flags,
		       struct sockaddr *sa, socklen_t *salen);

EXPORT ssize_t __read_chk(int fd, void *buf, size_t n, size_t buflen)
{
	if (n > buflen)
		abort();
	return read(fd, buf, n);
}

EXPORT ssize_t __recv_chk(int fd, void *buf, size_t n, size_t buflen, int flags)
{
	if (n > buflen)
		abort();
	return recv(fd, buf, n, flags);
}

EXPORT ssize_t __recvfrom_chk(int fd, void *buf, size_t n, size_t buflen, int flags,
			      struct sockaddr *sa, socklen_t *salen)
{
	if (n > buflen)
		abort();
	return recvfrom(fd, buf, n, flags, sa, salen);
}

static ssize_t emulated_sendmsg(struct pl_file *f, int fd, const struct msghdr *msg, int flags)
{
	ssize_t ret = f->ops->sendmsg ? f->ops->sendmsg(f, msg, flags)
				       : (f->ops->accept ? -ENOTCONN : -EINVAL);

	TRACE_CALL(f, "sendmsg(%d, flags %#x) = %zd", fd, flags, ret);
	return ret;
}

EXPORT ssize_t sendmsg(int fd, const struct msghdr *msg, int flags)
{
	struct pl_file *f = pl_file_get(fd);
	ssize_t ret;

	if (!f || (f->ops->pass_data && !f->ops->sendmsg)) {
		if (f)
			pl_file_put(f);
		return PL_REAL(sendmsg)(fd, msg, flags);
	}
	ret = emulated_sendmsg(f, fd, msg, flags);
	pl_file_put(f);
	return pl_ret(ret);
}

static ssize_t send_iov(int fd, const struct iovec *iov, int iovcnt, int flags,
			const struct sockaddr *sa, socklen_t salen, bool *handled)
{
	struct pl_file *f = pl_file_get(fd);
	struct msghdr msg = {
		.msg_name = (void *)sa,
		.msg_namelen = salen,
		.msg_iov = (struct iovec *)iov,
		.msg_iovlen = (size_t)iovcnt,
	};
	ssize_t ret;

	*handled = f && !(f->ops->pass_data && !f->ops->sendmsg);
	if (!*handled) {
		if (f)
			pl_file_put(f);
		return 0;
	}
	ret = emulated_sendmsg(f, fd, &msg, flags);
	pl_file_put(f);
	return pl_ret(ret);
}

EXPORT ssize_t sendto(int fd, const void *buf, size_t n, int flags, __CONST_SOCKADDR_ARG sa_arg,
		      socklen_t salen)
{
	const struct sockaddr *sa = PL_SA(sa_arg);
	struct iovec iov = { (void *)buf, n };
	bool handled;
	ssize_t ret;

	if (!pl_fd_emulated(fd))
		return PL_REAL(sendto)(fd, buf, n, flags, sa, salen);
	ret = send_iov(fd, &iov, 1, flags, sa, salen, &handled);
	return handled ? ret : PL_REAL(sendto)(fd, buf, n, flags, sa, salen);
}

EXPORT ssize_t send(int fd, const void *buf, size_t n, int flags)
{
	if (!pl_fd_emulated(fd))
		return PL_REAL(send)(fd, buf, n, flags);
	return sendto(fd, buf, n, flags, NULL, 0);
}

EXPORT ssize_t write(int fd, const void *buf, size_t n)
{
	struct iovec iov = { (void *)buf, n };
	bool handled;
	ssize_t ret;

	if (!pl_fd_emulated(fd))
		return PL_REAL(write)(fd, buf, n);
	ret = send_iov(fd, &iov, 1, 0, NULL, 0, &handled);
	return handled ? ret : PL_REAL(write)(fd, buf, n);
}

EXPORT ssize_t writev(int fd, const struct iovec *iov, int iovcnt)
{
	bool handled;
	ssize_t ret;

	if (!pl_fd_emulated(fd))
		return PL_REAL(writev)(fd, iov, iovcnt);
	ret = send_iov(fd, iov, iovcnt, 0, NULL, 0, &handled);
	return handled ? ret : PL_REAL(writev)(fd, iov, iovcnt);
}

EXPORT int setsockopt(int fd, int level, int name, const void *val, socklen_t len)
{
	struct pl_file *f = pl_file_get(fd);
	int ret;

	if (!f)
		return PL_REAL(setsockopt)(fd, level, name, val, len);
	ret = f->ops->setsockopt ? f->ops->setsockopt(f, level, name, val, len) : -ENOTSOCK;
	TRACE_CALL(f, "setsockopt(%d, %d, %d, len %u) = %d", fd, level, name, (unsigned)len, ret);
	pl_file_put(f);
	return (int)pl_ret(ret);
}

EXPORT int getsockopt(int fd, int level, int name, void *val, socklen_t *len)
{
	struct pl_file *f = pl_file_get(fd);
	int ret;

	if (!f)
		return PL_REAL(getsockopt)(fd, level, name, val, len);
	ret = f->ops->getsockopt ? f->ops->getsockopt(f, level, name, val, len) : -ENOTSOCK;
	TRACE_CALL(f, "getsockopt(%d, %d, %d) = %d", fd, level, name, ret);
	pl_file_put(f);
	return (int)pl_ret(ret);
}

EXPORT int getsockname(int fd, __SOCKADDR_ARG sa_arg, socklen_t *len)
{
	struct sockaddr *sa = PL_SA(sa_arg);
	struct pl_file *f = pl_file_get(fd);
	int ret;

	if (!f)
		return PL_REAL(getsockname)(fd, sa, len);
	ret = f->ops->getsockname ? f->ops->getsockname(f, sa, len) : -ENOTSOCK;
	TRACE_CALL(f, "getsockname(%d) = %d", fd, ret);
	pl_file_put(f);
	return (int)pl_ret(ret);
}

EXPORT int getpeername(int fd, __SOCKADDR_ARG sa_arg, socklen_t *len)
{
	struct sockaddr *sa = PL_SA(sa_arg);
	struct pl_file *f = pl_file_get(fd);
	int ret;

	if (!f)
		return PL_REAL(getpeername)(fd, sa, len);
	ret = f->ops->getpeername ? f->ops->getpeername(f, sa, len) : -ENOTSOCK;
	TRACE_CALL(f, "getpeername(%d) = %d", fd, ret);
	pl_file_put(f);
	return (int)pl_ret(ret);
}

EXPORT int bind(int fd, __CONST_SOCKADDR_ARG sa_arg, socklen_t len)
{
	const struct sockaddr *sa = PL_SA(sa_arg);
	struct pl_file *f = pl_file_get(fd);
	int ret;

	if (!f)
		return PL_REAL(bind)(fd, sa, len);
	ret = f->ops->bind ? f->ops->bind(f, sa, len) : -ENOTSOCK;
	TRACE_CALL(f, "bind(%d) = %d", fd, ret);
	pl_file_put(f);
	return (int)pl_ret(ret);
}

EXPORT int connect(int fd, __CONST_SOCKADDR_ARG sa_arg, socklen_t len)
{
	const struct sockaddr *sa = PL_SA(sa_arg);
	struct pl_file *f = pl_file_get(fd);
	int ret;

	if (!f)
		return PL_REAL(connect)(fd, sa, len);
	ret = f->ops->connect ? f->ops->connect(f, sa, len) : -ENOTSOCK;
	TRACE_CALL(f, "connect(%d) = %d", fd, ret);
	pl_file_put(f);
	return (int)pl_ret(ret);
}

EXPORT int shutdown(int fd, int how)
{
	struct pl_file *f = pl_file_get(fd);
	int ret;

	if (!f)
		return PL_REAL(shutdown)(fd, how);
	ret = f->ops->shutdown ? f->ops->shutdown(f, how) : -ENOTSOCK;
	TRACE_CALL(f, "shutdown(%d, %d) = %d", fd, how, ret);
	pl_file_put(f);
	return (int)pl_ret(ret);
}

EXPORT int close(int fd)
{
	bool emulated = pl_fd_emulated(fd);

	/* Forget first: once the kernel frees the number it may come back as a new fd. */
	if (emulated) {
		if (pl_tracing())
			pl_trace("close(%d)", fd);
		pl_file_forget(fd);
	}
	return PL_REAL(close)(fd);
}

EXPORT int close_range(unsigned int first, unsigned int last, int flags)
{
	unsigned int fd;

	if (!(flags & CLOSE_RANGE_CLOEXEC))
		for (fd = first; fd <= last && fd < (1u << 20); fd++)
			if (pl_fd_emulated((int)fd))
				pl_file_forget((int)fd);
	return PL_REAL(close_range)(first, last, flags);
}

/* @newfd now names what @oldfd names, for the kernel and for the table. */
static int dup_done(int oldfd, int newfd)
{
	struct pl_file *f;
	int err;

	if (newfd < 0)
		return newfd;
	f = pl_file_get(oldfd);
	if (!f) {
		pl_file_forget(newfd);
		return newfd;
	}
	err = pl_file_install(newfd, f);
	pl_file_put(f);
	if (err) {
		PL_REAL(close)(newfd);
		errno = -err;
		return -1;
	}
	return newfd;
}

EXPORT int dup(int fd)
{
	if (!pl_fd_emulated(fd))
		return PL_REAL(dup)(fd);
	return dup_done(fd, PL_REAL(dup)(fd));
}

EXPORT int dup3(int oldfd, int newfd, int flags)
{
	if (!pl_fd_emulated(oldfd) && !pl_fd_emulated(newfd))
		return PL_REAL(dup3)(oldfd, newfd, flags);
	if (oldfd == newfd) {
		errno = EINVAL;
		return -1;
	}
	if (pl_fd_emulated(newfd))
		pl_file_forget(newfd);
	return dup_done(oldfd, PL_REAL(dup3)(oldfd, newfd, flags));
}

EXPORT int dup2(int oldfd, int newfd)
{
	if (!pl_fd_emulated(oldfd) && !pl_fd_emulated(newfd))
		return PL_REAL(dup2)(oldfd, newfd);
	if (oldfd == newfd)
		return PL_REAL(fcntl)(oldfd, F_GETFD) < 0 ? -1 : newfd;
	if (pl_fd_emulated(newfd))
		pl_file_forget(newfd);
	return dup_done(oldfd, PL_REAL(dup2)(oldfd, newfd));
}

static int emulated_fcntl(struct pl_file *f, int fd, int cmd, long arg)
{
	int fl;

	switch (cmd) {
	case F_GETFL:
		fl = PL_REAL(fcntl)(fd, F_GETFL);
		if (fl < 0)
			return -errno;
		return (fl & ~O_NONBLOCK) | atomic_load(&f->status_flags);
	case F_SETFL:
		/* The eventfd underneath stays non-blocking; the program's wish is ours. */
		atomic_store(&f->status_flags, (int)(arg & O_NONBLOCK));
		if (f->ops->pass_data)
			return PL_REAL(fcntl)(fd, F_SETFL, arg) < 0 ? -errno : 0;
		return 0;
	case F_DUPFD:
	case F_DUPFD_CLOEXEC:
		fl = PL_REAL(fcntl)(fd, cmd, arg);
		return fl < 0 ? -errno : dup_done(fd, fl);
	default:
		fl = PL_REAL(fcntl)(fd, cmd, arg);
		return fl < 0 ? -errno : fl;
	}
}

EXPORT int fcntl(int fd, int cmd, ...)
{
	struct pl_file *f;
	va_list ap;
	long arg;
	int ret;

	va_start(ap, cmd);
	arg = va_arg(ap, long);
	va_end(ap);
	f = pl_file_get(fd);
	if (!f)
		return PL_REAL(fcntl)(fd, cmd, arg);
	ret = emulated_fcntl(f, fd, cmd, arg);
	pl_file_put(f);
	return ret < 0 ? (int)pl_ret(ret) : ret;
}

EXPORT int fcntl64(int fd, int cmd, ...)
{
	va_list ap;
	long arg;

	va_start(ap, cmd);
	arg = va_arg(ap, long);
	va_end(ap);
	return fcntl(fd, cmd, arg);
}

EXPORT int ioctl(int fd, unsigned long req, ...)
{
	struct pl_file *f;
	va_list ap;
	void *arg;
	int ret;

	va_start(ap, req);
	arg = va_arg(ap, void *);
	va_end(ap);
	if (pl_ifaces_ioctl(fd, req, arg, &ret))
		return ret;
	f = pl_file_get(fd);
	if (!f)
		return PL_REAL(ioctl)(fd, req, arg);
	if (req == FIONBIO && arg) {
		int on;

		memcpy(&on, arg, sizeof(on));
		atomic_store(&f->status_flags, on ? O_NONBLOCK : 0);
		ret = 0;
	} else {
		ret = f->ops->ioctl ? f->ops->ioctl(f, req, arg) : -ENOTTY;
		if (ret == -ENOTTY && f->ops->pass_data) {
			pl_file_put(f);
			return PL_REAL(ioctl)(fd, req, arg);
		}
	}
	TRACE_CALL(f, "ioctl(%d, %#lx) = %d", fd, req, ret);
	pl_file_put(f);
	return (int)pl_ret(ret);
}
