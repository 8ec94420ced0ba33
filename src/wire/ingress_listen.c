// SPDX-License-Identifier: MIT
/*
 * The ingress's kernel listening socket, and the addresses of a connection
 * as the NIC sees them.  Addresses are taken as ncdevmem's -s takes them:
 * IPv4, IPv6, or IPv4 written v4-mapped, which an AF_INET6 socket that is
 * not IPv6-only serves as IPv4.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <string.h>
#include <unistd.h>

#include "ingress.h"

/* Fills @ss for @addr (NULL: any, dual-stack); -EINVAL if it is no address. */
int dml_ingress_parse_addr(const char *addr, struct sockaddr_storage *ss, socklen_t *len)
{
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;

	memset(ss, 0, sizeof(*ss));
	if (!addr) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_addr = in6addr_any;
		*len = sizeof(*sin6);
		return 0;
	}
	if (inet_pton(AF_INET, addr, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		*len = sizeof(*sin);
		return 0;
	}
	if (inet_pton(AF_INET6, addr, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		*len = sizeof(*sin6);
		return 0;
	}
	return -EINVAL;
}

static void set_port(struct sockaddr_storage *ss, uint16_t port)
{
	if (ss->ss_family == AF_INET)
		((struct sockaddr_in *)ss)->sin_port = htons(port);
	else
		((struct sockaddr_in6 *)ss)->sin6_port = htons(port);
}

static uint16_t port_of(const struct sockaddr_storage *ss)
{
	return ntohs(ss->ss_family == AF_INET
			     ? ((const struct sockaddr_in *)ss)->sin_port
			     : ((const struct sockaddr_in6 *)ss)->sin6_port);
}

/*
 * A non-blocking listening socket on @addr:@port (0 = the kernel picks);
 * *@bound_port is the port it got.  Returns 0 or -errno.
 */
int dml_ingress_listen(const char *addr, uint16_t port, int *fd, uint16_t *bound_port)
{
	struct sockaddr_storage ss, got;
	socklen_t len, got_len = sizeof(got);
	int s, one = 1, zero = 0, err;

	err = dml_ingress_parse_addr(addr, &ss, &len);
	if (err)
		return err;
	set_port(&ss, port);
	s = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s < 0 && errno == EAFNOSUPPORT && !addr) {
		/* A kernel without IPv6 still serves "any" over IPv4. */
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;

		memset(&ss, 0, sizeof(ss));
		sin->sin_family = AF_INET;
		sin->sin_addr.s_addr = htonl(INADDR_ANY);
		sin->sin_port = htons(port);
		len = sizeof(*sin);
		s = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	}
	if (s < 0)
		return -errno;
	/* A restarted receiver rebinds while old connections sit in TIME_WAIT. */
	if (setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    /* Dual-stack whatever the sysctl says: IPv4 arrives v4-mapped. */
	    (ss.ss_family == AF_INET6 &&
	     setsockopt(s, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero))) ||
	    bind(s, (struct sockaddr *)&ss, len) || listen(s, SOMAXCONN) ||
	    getsockname(s, (struct sockaddr *)&got, &got_len)) {
		err = -errno;
		close(s);
		return err;
	}
	*bound_port = port_of(&got);
	*fd = s;
	return 0;
}

/*
 * Listens on a duplicate of a socket the caller bound; non-blocking, as
 * the epoll loop needs (the caller's own fd is replaced, not shared, by
 * the preload that adopts an application's socket).
 */
int dml_ingress_adopt(int bound_fd, int backlog, int *fd, uint16_t *bound_port)
{
	struct sockaddr_storage got;
	socklen_t got_len = sizeof(got);
	int s, fl, err;

	s = fcntl(bound_fd, F_DUPFD_CLOEXEC, 0);
	if (s < 0)
		return -errno;
	fl = fcntl(s, F_GETFL);
	if (fl < 0 || fcntl(s, F_SETFL, fl | O_NONBLOCK) < 0 ||
	    listen(s, backlog > 0 ? backlog : SOMAXCONN) ||
	    getsockname(s, (struct sockaddr *)&got, &got_len)) {
		err = -errno;
		close(s);
		return err;
	}
	if (got.ss_family != AF_INET && got.ss_family != AF_INET6) {
		close(s);
		return -EAFNOSUPPORT;
	}
	*bound_port = port_of(&got);
	*fd = s;
	return 0;
}

/* An address as struct dml_flow holds it: IPv6, IPv4 as ::ffff:a.b.c.d. */
void dml_ingress_flow_addr(const struct sockaddr_storage *ss, uint8_t addr[16], uint16_t *port)
{
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)ss;

		memset(addr, 0, 10);
		addr[10] = addr[11] = 0xff;
		memcpy(addr + 12, &sin->sin_addr, 4);
		*port = ntohs(sin->sin_port);
	} else {
		const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)ss;

		memcpy(addr, &sin6->sin6_addr, 16);
		*port = ntohs(sin6->sin6_port);
	}
}
