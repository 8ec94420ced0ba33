// SPDX-License-Identifier: MIT
/*
 * The parts of an ncdevmem-style receiver that do not depend on how the
 * NIC is configured: options, generic netlink through libmnl, the udmabuf,
 * bind-rx, the listening socket and the recvmsg(MSG_SOCK_DEVMEM) loop.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "recv_common.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/dma-buf.h>
#include <linux/udmabuf.h>

/* ncdevmem's buffers: an 800 KiB payload iov, 80 KB of cmsgs. */
#define RECV_IOV_BYTES 819200
#define RECV_CTRL_BYTES (sizeof(int) * 20000)

/**
 * recv_usage() - print the usage to stderr
 * @prog: the program's name
 * @extra: lines of its own (its queue defaults), "" for none
 */
void recv_usage(const char *prog, const char *extra)
{
	fprintf(stderr,
		"usage: %s [-l] -f IF [-s ADDR] [-c ADDR] [-p PORT] [-t QUEUE] [-q N]\n"
		"          [-v N] [-a 0|1] [-U 0|1|2]\n"
		"  -l        listen on -s ADDR:-p PORT and receive one connection;\n"
		"            without -l: the probe of the bind rules\n"
		"  -s ADDR   listen address, IPv6 or IPv4 (taken as ::ffff:a.b.c.d)\n"
		"  -c ADDR   the sender: a 5-tuple flow rule with source port -p\n"
		"  -p PORT   TCP port, 0 = a free one (default 5201)\n"
		"  -f IF     the devmem NIC\n"
		"  -t QUEUE  first devmem RX queue, -q N  number of them\n"
		"  -v N      validate: bytes 1..N-1 then '\\n', repeating (N in 1..256);\n"
		"            without -v the payload goes to stdout\n"
		"  -a 0|1    bind-rx's autorelease attribute (default: left out)\n"
		"  -U 1      unbind before the first recv, which must fail with ENODEV\n"
		"  -U 2      unbind after the first recv; the stream still completes\n"
		"%s"
		"Exit 0 on success, 1 on any failure, 2 on bad usage.\n",
		prog, extra);
}

static int bad_value(const struct recv_opts *o, int opt, const char *text)
{
	fprintf(stderr, "%s: bad value for -%c: '%s'\n", o->prog, opt, text);
	return -EINVAL;
}

static int parse_num(const struct recv_opts *o, int opt, const char *text,
		     long min, long max, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(text, &end, 10);
	if (errno || end == text || *end || v < min || v > max)
		return bad_value(o, opt, text);
	*out = v;
	return 0;
}

/**
 * recv_parse_opts() - read the command line into @o
 * @argc: argument count
 * @argv: arguments; argv[0] names the program in messages
 * @o: filled with the options, defaults where not given
 *
 * An unknown flag, a bad value or an extra argument gets one line on stderr.
 *
 * Return: 0, or -EINVAL for bad usage.
 */
int recv_parse_opts(int argc, char **argv, struct recv_opts *o)
{
	struct sockaddr_in6 sin;
	long v;
	int c;

	*o = (struct recv_opts){
		.prog = argv[0], .ifname = NULL, .port = 5201, .start_queue = -1,
		.num_queues = -1, .autorelease = -1,
	};
	opterr = 0;
	while ((c = getopt(argc, argv, "ls:c:p:v:q:t:f:a:U:")) != -1) {
		switch (c) {
		case 'l':
			o->listen = true;
			break;
		case 's':
		case 'c':
			if (recv_parse_addr(optarg, 0, &sin))
				return bad_value(o, c, optarg);
			*(c == 's' ? &o->server : &o->client) = optarg;
			break;
		case 'f':
			if (!*optarg)
				return bad_value(o, c, optarg);
			o->ifname = optarg;
			break;
		case 'p':
			if (parse_num(o, c, optarg, 0, 65535, &v))
				return -EINVAL;
			o->port = (unsigned int)v;
			break;
		case 'v':
			if (parse_num(o, c, optarg, 1, 256, &v))
				return -EINVAL;
			o->validate = (unsigned int)v;
			break;
		case 't':
			if (parse_num(o, c, optarg, 0, 4095, &v))
				return -EINVAL;
			o->start_queue = (int)v;
			break;
		case 'q':
			if (parse_num(o, c, optarg, 1, 4096, &v))
				return -EINVAL;
			o->num_queues = (int)v;
			break;
		case 'a':
			if (parse_num(o, c, optarg, 0, 1, &v))
				return -EINVAL;
			o->autorelease = (int)v;
			break;
		case 'U':
			if (parse_num(o, c, optarg, 0, 2, &v))
				return -EINVAL;
			o->unbind = (int)v;
			break;
		default:
			fprintf(stderr, "%s: unknown option or missing value: -%c\n", o->prog,
				optopt);
			return -EINVAL;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "%s: extra argument '%s'\n", o->prog, argv[optind]);
		return -EINVAL;
	}
	if (!o->ifname) {
		fprintf(stderr, "%s: -f IF is required\n", o->prog);
		return -EINVAL;
	}
	if (o->listen && !o->server) {
		fprintf(stderr, "%s: -l needs -s ADDR\n", o->prog);
		return -EINVAL;
	}
	return 0;
}

/**
 * recv_run() - run a shell command the way ncdevmem does, through system()
 * @fmt: printf format of the command
 *
 * The command is echoed to stderr first.  A command longer than 512 bytes
 * is not run.
 *
 * Return: 0 when the command exited 0, else its wait status (or -1 when it
 * could not be run or was too long); never an errno.
 */
int recv_run(const char *fmt, ...)
{
	char cmd[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(cmd))
		return -1;
	fprintf(stderr, "Running: %s\n", cmd);
	return system(cmd);
}

/* ---- generic netlink ---------------------------------------------------- */

/* A request's context: the caller's callback and where the extack goes. */
struct talk {
	mnl_cb_t cb;
	void *data;
	char *ext;
	size_t extlen;
	int err;
};

static int talk_data(const struct nlmsghdr *nlh, void *arg)
{
	struct talk *t = arg;

	return t->cb ? t->cb(nlh, t->data) : MNL_CB_OK;
}

/* NLMSG_ERROR: an ack (error 0) ends the exchange; else keep errno + extack. */
static int talk_error(const struct nlmsghdr *nlh, void *arg)
{
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *attr;
	struct talk *t = arg;
	size_t skip;

	if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*e))) {
		t->err = -EBADMSG;
		return MNL_CB_ERROR;
	}
	if (!e->error)
		return MNL_CB_STOP;
	t->err = e->error;
	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS) || !t->ext)
		return MNL_CB_ERROR;
	/* Without NLM_F_CAPPED the whole request is echoed before the TLVs. */
	skip = sizeof(*e);
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		skip += e->msg.nlmsg_len - sizeof(struct nlmsghdr);
	if (mnl_nlmsg_size(skip) > nlh->nlmsg_len)
		return MNL_CB_ERROR;
	mnl_attr_for_each(attr, nlh, skip) {
		if (mnl_attr_get_type(attr) != NLMSGERR_ATTR_MSG ||
		    mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) < 0)
			continue;
		snprintf(t->ext, t->extlen, "%s", mnl_attr_get_str(attr));
	}
	return MNL_CB_ERROR;
}

/**
 * recv_nl_talk() - send one request and read until its ack or error
 * @nl: an open socket
 * @req: the request, NLM_F_ACK set (recv_genl_put() does)
 * @cb: called on every reply message that is not an ack or error; may be NULL
 * @data: handed to @cb
 * @ext: receives the extack message of an error, "" if none; may be NULL
 * @extlen: size of @ext
 *
 * Return: 0 on the ack; the kernel's -errno for a refused request (e.g.
 * -EINVAL, -ENODEV, -EBUSY, -EPERM, -EOPNOTSUPP); -EBADMSG for a malformed
 * reply; -errno of sendto()/recvfrom() otherwise.
 */
int recv_nl_talk(struct recv_nl *nl, const struct nlmsghdr *req, mnl_cb_t cb, void *data,
		 char *ext, size_t extlen)
{
	char buf[RECV_NL_BUF];
	mnl_cb_t ctl[NLMSG_MIN_TYPE] = { [NLMSG_ERROR] = talk_error };
	struct talk t = { .cb = cb, .data = data, .ext = ext, .extlen = extlen };
	int ret;

	if (ext && extlen)
		ext[0] = '\0';
	if (mnl_socket_sendto(nl->sk, req, req->nlmsg_len) < 0)
		return -errno;
	do {
		ssize_t n = mnl_socket_recvfrom(nl->sk, buf, sizeof(buf));

		if (n < 0)
			return -errno;
		ret = mnl_cb_run2(buf, (size_t)n, req->nlmsg_seq, nl->portid, talk_data, &t,
				  ctl, NLMSG_MIN_TYPE);
	} while (ret == MNL_CB_OK);
	if (ret == MNL_CB_ERROR)
		return t.err ? t.err : (errno ? -errno : -EBADMSG);
	return 0;
}

/**
 * recv_genl_put() - start a generic netlink request in @buf
 * @nl: the socket whose family and sequence numbers are used
 * @buf: at least RECV_NL_BUF bytes
 * @cmd: the family's command
 * @version: the family's version
 *
 * Return: the message header, to which attributes are added; never NULL.
 */
struct nlmsghdr *recv_genl_put(struct recv_nl *nl, void *buf, uint8_t cmd, uint8_t version)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct genlmsghdr *g;

	nlh->nlmsg_type = nl->family;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	nlh->nlmsg_seq = ++nl->seq;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->cmd = cmd;
	g->version = version;
	return nlh;
}

static int family_attr(const struct nlattr *attr, void *data)
{
	uint16_t *id = data;

	if (mnl_attr_get_type(attr) == CTRL_ATTR_FAMILY_ID &&
	    mnl_attr_validate(attr, MNL_TYPE_U16) == 0)
		*id = mnl_attr_get_u16(attr);
	return MNL_CB_OK;
}

static int family_reply(const struct nlmsghdr *nlh, void *data)
{
	return mnl_attr_parse(nlh, sizeof(struct genlmsghdr), family_attr, data);
}

/**
 * recv_nl_open() - open a generic netlink socket and resolve @family
 * @nl: filled in; recv_nl_close() it
 * @family: the family's name, resolved through nlctrl's CTRL_CMD_GETFAMILY
 * @ext: receives the extack message of a refusal; may be NULL
 * @extlen: size of @ext
 *
 * The socket has NETLINK_CAP_ACK and NETLINK_EXT_ACK on, so errors come with
 * a readable reason and without the echoed request.
 *
 * Return: 0; -ENOENT when the family is unknown (or another -errno from
 * nlctrl); -EBADMSG when the reply has no family id; -errno of socket(),
 * setsockopt() or bind() otherwise.
 */
int recv_nl_open(struct recv_nl *nl, const char *family, char *ext, size_t extlen)
{
	char buf[RECV_NL_BUF];
	struct nlmsghdr *nlh;
	uint16_t id = 0;
	int one = 1;
	int err;

	*nl = (struct recv_nl){ .family = GENL_ID_CTRL };
	nl->sk = mnl_socket_open(NETLINK_GENERIC);
	if (!nl->sk)
		return -errno;
	if (mnl_socket_setsockopt(nl->sk, NETLINK_CAP_ACK, &one, sizeof(one)) ||
	    mnl_socket_setsockopt(nl->sk, NETLINK_EXT_ACK, &one, sizeof(one)) ||
	    mnl_socket_bind(nl->sk, 0, MNL_SOCKET_AUTOPID)) {
		err = -errno;
		goto err_close;
	}
	nl->portid = mnl_socket_get_portid(nl->sk);
	nlh = recv_genl_put(nl, buf, CTRL_CMD_GETFAMILY, 1);
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, family);
	err = recv_nl_talk(nl, nlh, family_reply, &id, ext, extlen);
	if (!err && !id)
		err = -EBADMSG;
	if (err)
		goto err_close;
	nl->family = id;
	return 0;
err_close:
	mnl_socket_close(nl->sk);
	nl->sk = NULL;
	return err;
}

/**
 * recv_nl_close() - close the socket; on the netdev family that unbinds
 * @nl: an open socket or one already closed (then nothing happens)
 */
void recv_nl_close(struct recv_nl *nl)
{
	if (nl->sk)
		mnl_socket_close(nl->sk);
	nl->sk = NULL;
}

/* ---- the dma-buf -------------------------------------------------------- */

/**
 * recv_dmabuf_create() - a udmabuf of @size bytes, mapped, as ncdevmem makes
 * @b: filled in; recv_dmabuf_destroy() it
 * @size: bytes, a multiple of the page size
 *
 * Prints what failed.  /dev/udmabuf missing is the common case off a devmem
 * machine (and outside `devmem-lab run`).
 *
 * Return: 0, or the -errno of the call that failed (open: -ENOENT, -EACCES;
 * memfd_create, fcntl, ftruncate, UDMABUF_CREATE, mmap: theirs).
 */
int recv_dmabuf_create(struct recv_dmabuf *b, size_t size)
{
	struct udmabuf_create create = { .offset = 0, .size = size };
	const char *what;
	int err;

	*b = (struct recv_dmabuf){ .devfd = -1, .memfd = -1, .fd = -1, .size = size };
	what = "open /dev/udmabuf";
	b->devfd = open("/dev/udmabuf", O_RDWR | O_CLOEXEC);
	if (b->devfd < 0)
		goto err;
	what = "memfd_create";
	b->memfd = memfd_create("recv-udmabuf", MFD_ALLOW_SEALING | MFD_CLOEXEC);
	if (b->memfd < 0)
		goto err_dev;
	/* udmabuf refuses a memfd that could shrink under the device. */
	what = "F_SEAL_SHRINK";
	if (fcntl(b->memfd, F_ADD_SEALS, F_SEAL_SHRINK) < 0)
		goto err_memfd;
	what = "ftruncate";
	if (ftruncate(b->memfd, (off_t)size) < 0)
		goto err_memfd;
	what = "UDMABUF_CREATE";
	create.memfd = (__u32)b->memfd;
	b->fd = ioctl(b->devfd, UDMABUF_CREATE, &create);
	if (b->fd < 0)
		goto err_memfd;
	what = "mmap of the dma-buf";
	b->map = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, b->fd, 0);
	if (b->map == MAP_FAILED)
		goto err_fd;
	return 0;
err_fd:
	err = errno;
	close(b->fd);
	errno = err;
err_memfd:
	err = errno;
	close(b->memfd);
	errno = err;
err_dev:
	err = errno;
	close(b->devfd);
	errno = err;
err:
	err = errno;
	fprintf(stderr, "%s: udmabuf: %s: %s%s\n", program_invocation_name, what, strerror(err),
		b->devfd < 0 && err == ENOENT ?
		" (no udmabuf device: load the udmabuf module or run under devmem-lab run)" :
		"");
	*b = (struct recv_dmabuf){ .devfd = -1, .memfd = -1, .fd = -1 };
	return -err;
}

/**
 * recv_dmabuf_destroy() - unmap and close what recv_dmabuf_create() made
 * @b: a created dma-buf
 */
void recv_dmabuf_destroy(struct recv_dmabuf *b)
{
	munmap(b->map, b->size);
	close(b->fd);
	close(b->memfd);
	close(b->devfd);
	*b = (struct recv_dmabuf){ .devfd = -1, .memfd = -1, .fd = -1 };
}

/* CPU access to device memory is bracketed by DMA_BUF_IOCTL_SYNC. */
static int dmabuf_sync(const struct recv_dmabuf *b, __u64 flags)
{
	struct dma_buf_sync sync = { .flags = flags | DMA_BUF_SYNC_READ };

	return ioctl(b->fd, DMA_BUF_IOCTL_SYNC, &sync) ? -errno : 0;
}

/* ---- bind-rx ------------------------------------------------------------ */

static int bind_reply_attr(const struct nlattr *attr, void *data)
{
	uint32_t *id = data;

	if (mnl_attr_get_type(attr) == NETDEV_A_DMABUF_ID &&
	    mnl_attr_validate(attr, MNL_TYPE_U32) == 0)
		*id = mnl_attr_get_u32(attr);
	return MNL_CB_OK;
}

static int bind_reply(const struct nlmsghdr *nlh, void *data)
{
	return mnl_attr_parse(nlh, sizeof(struct genlmsghdr), bind_reply_attr, data);
}

/**
 * recv_bind_rx() - NETDEV_CMD_BIND_RX of RX queues [@first, @first + @count)
 * @nl: a socket on the netdev family; the binding lives as long as it
 * @ifindex: the NIC
 * @dmabuf_fd: the dma-buf
 * @first: first queue
 * @count: queue nests to send
 * @with_ids: false sends @count empty queue nests (ncdevmem's probe of a
 *	request with no usable queue)
 * @autorelease: 0 or 1 is sent as the u8 attribute; -1 leaves it out
 * @id: receives the binding's id
 * @ext: receives the extack message of a refusal; may be NULL
 * @extlen: size of @ext
 *
 * Return: 0; the kernel's -errno for a refusal (-EINVAL, -ENODEV, -EBUSY,
 * -EOPNOTSUPP, -EPERM ...); -EBADMSG when the reply has no id; -EMSGSIZE
 * when the queues do not fit one request; -errno of the socket calls.
 */
int recv_bind_rx(struct recv_nl *nl, unsigned int ifindex, int dmabuf_fd, int first,
		 int count, bool with_ids, int autorelease, uint32_t *id, char *ext,
		 size_t extlen)
{
	char buf[RECV_NL_BUF];
	struct nlmsghdr *nlh;
	uint32_t got = 0;
	int err, i;

	nlh = recv_genl_put(nl, buf, NETDEV_CMD_BIND_RX, NETDEV_FAMILY_VERSION);
	mnl_attr_put_u32(nlh, NETDEV_A_DMABUF_IFINDEX, ifindex);
	mnl_attr_put_u32(nlh, NETDEV_A_DMABUF_FD, (uint32_t)dmabuf_fd);
	if (autorelease >= 0)
		mnl_attr_put_u8(nlh, RECV_A_DMABUF_AUTORELEASE, (uint8_t)autorelease);
	for (i = 0; i < count; i++) {
		struct nlattr *q = mnl_attr_nest_start_check(nlh, sizeof(buf),
							     NETDEV_A_DMABUF_QUEUES);

		if (!q)
			return -EMSGSIZE;
		if (with_ids &&
		    (!mnl_attr_put_u32_check(nlh, sizeof(buf), NETDEV_A_QUEUE_ID,
					     (uint32_t)(first + i)) ||
		     !mnl_attr_put_u32_check(nlh, sizeof(buf), NETDEV_A_QUEUE_TYPE,
					     NETDEV_QUEUE_TYPE_RX)))
			return -EMSGSIZE;
		mnl_attr_nest_end(nlh, q);
	}
	err = recv_nl_talk(nl, nlh, bind_reply, &got, ext, extlen);
	if (err)
		return err;
	if (!got)
		return -EBADMSG;
	*id = got;
	return 0;
}

/* ---- sockets ------------------------------------------------------------ */

/**
 * recv_parse_addr() - an IPv6 address, or IPv4 as ::ffff:a.b.c.d (ncdevmem)
 * @text: the address
 * @port: host order
 * @sin: filled in
 *
 * Return: 0, or -EINVAL when @text is neither.
 */
int recv_parse_addr(const char *text, unsigned int port, struct sockaddr_in6 *sin)
{
	struct in_addr v4;

	memset(sin, 0, sizeof(*sin));
	sin->sin6_family = AF_INET6;
	sin->sin6_port = htons((uint16_t)port);
	if (inet_pton(AF_INET6, text, &sin->sin6_addr) == 1)
		return 0;
	if (inet_pton(AF_INET, text, &v4) != 1)
		return -EINVAL;
	sin->sin6_addr.s6_addr[10] = 0xff;
	sin->sin6_addr.s6_addr[11] = 0xff;
	memcpy(&sin->sin6_addr.s6_addr[12], &v4, sizeof(v4));
	return 0;
}

/**
 * recv_flow_addr() - the ethtool flow type and address text for @sin
 * @sin: an address from recv_parse_addr()
 * @type: "tcp4" for a v4-mapped address, else "tcp6"
 * @addr: receives the address as ethtool wants it (dotted for tcp4)
 * @len: size of @addr, at least INET6_ADDRSTRLEN
 */
void recv_flow_addr(const struct sockaddr_in6 *sin, const char **type, char *addr,
		    size_t len)
{
	if (IN6_IS_ADDR_V4MAPPED(&sin->sin6_addr)) {
		*type = "tcp4";
		inet_ntop(AF_INET, &sin->sin6_addr.s6_addr[12], addr, (socklen_t)len);
		return;
	}
	*type = "tcp6";
	inet_ntop(AF_INET6, &sin->sin6_addr, addr, (socklen_t)len);
}

/**
 * recv_listen_socket() - the AF_INET6 socket bound to -s and -p, not listening
 * @o: the options
 * @sin: receives the bound address, with the port the kernel picked for -p 0
 * @port: receives that port, host order
 *
 * Bound before the NIC is configured, so the flow rule can name a port the
 * kernel picked; it listens only once the binding exists.
 *
 * Return: the socket, or -1 after printing why.
 */
int recv_listen_socket(const struct recv_opts *o, struct sockaddr_in6 *sin,
		       unsigned int *port)
{
	socklen_t len = sizeof(*sin);
	int one = 1;
	int fd;

	if (recv_parse_addr(o->server, o->port, sin))
		return -1;
	fd = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		fprintf(stderr, "%s: socket: %s\n", o->prog, strerror(errno));
		return -1;
	}
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one))) {
		fprintf(stderr, "%s: SO_REUSEPORT/SO_REUSEADDR: %s\n", o->prog,
			strerror(errno));
		goto err_close;
	}
	if (bind(fd, (struct sockaddr *)sin, sizeof(*sin))) {
		fprintf(stderr, "%s: bind to %s port %u: %s\n", o->prog, o->server, o->port,
			strerror(errno));
		goto err_close;
	}
	if (getsockname(fd, (struct sockaddr *)sin, &len)) {
		fprintf(stderr, "%s: getsockname: %s\n", o->prog, strerror(errno));
		goto err_close;
	}
	*port = ntohs(sin->sin6_port);
	return fd;
err_close:
	close(fd);
	return -1;
}

/* ---- the NIC, through `sudo ethtool` as ncdevmem 6.12 does -------------- */

/**
 * recv_ethtool_header_split() - turn tcp-data-split on or off
 * @o: the options (-f names the NIC)
 * @on: the wanted setting
 *
 * Return: 0, or recv_run()'s failure.
 */
int recv_ethtool_header_split(const struct recv_opts *o, bool on)
{
	return recv_run("sudo ethtool -G %s tcp-data-split %s >&2", o->ifname, on ? "on" : "off");
}

/**
 * recv_ethtool_rss_below() - spread RSS over the queues below -t
 * @o: the options
 *
 * Everything but the steered flow then stays off the devmem queues.
 *
 * Return: 0, or recv_run()'s failure.
 */
int recv_ethtool_rss_below(const struct recv_opts *o)
{
	return recv_run("sudo ethtool -X %s equal %d >&2", o->ifname, o->start_queue);
}

static int flow_rule(const struct recv_opts *o, const struct sockaddr_in6 *sin,
		     unsigned int port)
{
	char dst[INET6_ADDRSTRLEN], src[INET6_ADDRSTRLEN];
	const char *type, *src_type;
	struct sockaddr_in6 csin;

	recv_flow_addr(sin, &type, dst, sizeof(dst));
	if (!o->client)
		return recv_run("sudo ethtool -N %s flow-type %s dst-ip %s dst-port %u "
				"queue %d >&2", o->ifname, type, dst, port, o->start_queue);
	recv_parse_addr(o->client, port, &csin);
	recv_flow_addr(&csin, &src_type, src, sizeof(src));
	if (strcmp(type, src_type)) {
		fprintf(stderr, "%s: -c %s and -s %s are not the same family\n", o->prog,
			o->client, o->server);
		return -1;
	}
	/* ncdevmem's sender binds the same port it connects to. */
	return recv_run("sudo ethtool -N %s flow-type %s src-ip %s dst-ip %s src-port %u "
			"dst-port %u queue %d >&2",
			o->ifname, type, src, dst, port, port, o->start_queue);
}

/**
 * recv_ethtool_configure() - ncdevmem 6.12's NIC setup for one stream
 * @o: the options
 * @sin: the listening address
 * @port: its port, host order
 *
 * ntuple reset, header split on, RSS below -t, and a flow rule sending the
 * stream to queue -t.  Prints which step failed.
 *
 * Return: 0, or -1 when a step failed.
 */
int recv_ethtool_configure(const struct recv_opts *o, const struct sockaddr_in6 *sin,
			   unsigned int port)
{
	if (recv_run("sudo ethtool -K %s ntuple off >&2", o->ifname) ||
	    recv_run("sudo ethtool -K %s ntuple on >&2", o->ifname)) {
		fprintf(stderr, "%s: failed to reset flow steering\n", o->prog);
		return -1;
	}
	if (recv_ethtool_header_split(o, true)) {
		fprintf(stderr, "%s: failed to turn header split on\n", o->prog);
		return -1;
	}
	if (recv_ethtool_rss_below(o)) {
		fprintf(stderr, "%s: failed to configure RSS\n", o->prog);
		return -1;
	}
	if (flow_rule(o, sin, port)) {
		fprintf(stderr, "%s: failed to configure flow steering\n", o->prog);
		return -1;
	}
	return 0;
}

/* ---- the receive loop --------------------------------------------------- */

/**
 * recv_conn_fail() - print "PROG: FAIL: ..." with the bytes received so far
 * @c: the connection
 * @fmt: printf format of the reason
 *
 * Return: -1, for the caller to hand on.
 */
int recv_conn_fail(const struct recv_conn *c, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: FAIL: ", c->s->o->prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, " (after %llu bytes)\n", c->bytes);
	return -1;
}

/* Checks @len bytes at stream offset c->bytes, or writes them to stdout. */
static int consume(struct recv_conn *c, const unsigned char *p, size_t len)
{
	unsigned int n = c->s->o->validate;
	size_t i;

	if (!n) {
		if (fwrite(p, 1, len, stdout) != len)
			return recv_conn_fail(c, "writing the payload to stdout: %s",
					      strerror(errno));
		c->bytes += len;
		return 0;
	}
	for (i = 0; i < len; i++) {
		unsigned int k = (unsigned int)((c->bytes + i) % n);
		unsigned char want = k == n - 1 ? '\n' : (unsigned char)(k + 1);

		if (p[i] != want) {
			c->bytes += i;
			return recv_conn_fail(c, "validation: offset %llu: expected 0x%02x, got 0x%02x",
					      c->bytes, want, p[i]);
		}
	}
	c->bytes += len;
	return 0;
}

/* One frag's token, by the connection's policy. */
static int token_done(struct recv_conn *c, uint32_t token)
{
	struct dmabuf_token tok = { .token_start = token, .token_count = 1 };
	int ret;

	if (c->policy == RECV_TOKENS_KEEP)
		return 0;
	if (c->policy == RECV_TOKENS_HOLD) {
		if (c->nr_held == RECV_MAX_HELD)
			return recv_conn_fail(c, "more than %d tokens held", RECV_MAX_HELD);
		c->held[c->nr_held++] = token;
		return 0;
	}
	/* One token back per frag, as ncdevmem: exactly one frag released. */
	ret = setsockopt(c->fd, SOL_SOCKET, SO_DEVMEM_DONTNEED, &tok, sizeof(tok));
	if (ret != 1)
		return recv_conn_fail(c, "SO_DEVMEM_DONTNEED of token %u returned %d%s%s",
				      token, ret, ret < 0 ? ": " : "",
				      ret < 0 ? strerror(errno) : "");
	return 0;
}

static int consume_frag(struct recv_conn *c, const struct dmabuf_cmsg *d)
{
	const struct recv_dmabuf *mem = c->s->mem;
	int err;

	if (d->dmabuf_id != c->s->dmabuf_id)
		return recv_conn_fail(c, "frag from dma-buf id %u, bound id %u: flow steering error",
				      d->dmabuf_id, c->s->dmabuf_id);
	if (d->frag_offset > mem->size || d->frag_size > mem->size - d->frag_offset)
		return recv_conn_fail(c, "frag [%llu, +%u) outside the %zu-byte dma-buf",
				      (unsigned long long)d->frag_offset, d->frag_size,
				      mem->size);
	c->frags++;
	if (!(d->frag_size % (uint32_t)getpagesize()))
		c->aligned_frags++;
	err = dmabuf_sync(mem, DMA_BUF_SYNC_START);
	if (err)
		return recv_conn_fail(c, "DMA_BUF_IOCTL_SYNC start: %s", strerror(-err));
	memcpy(c->copy, mem->map + d->frag_offset, d->frag_size);
	err = dmabuf_sync(mem, DMA_BUF_SYNC_END);
	if (err)
		return recv_conn_fail(c, "DMA_BUF_IOCTL_SYNC end: %s", strerror(-err));
	if (consume(c, c->copy, d->frag_size))
		return -1;
	return token_done(c, d->frag_token);
}

/* Walks one read's cmsgs in stream order; linear bytes sit in the iov. */
static int consume_read(struct recv_conn *c, const struct msghdr *msg, size_t n)
{
	size_t described = 0, linear = 0;
	struct cmsghdr *cm;
	bool devmem = false;

	if (msg->msg_flags & MSG_CTRUNC)
		return recv_conn_fail(c, "recvmsg truncated its control data (MSG_CTRUNC)");
	for (cm = CMSG_FIRSTHDR(msg); cm; cm = CMSG_NXTHDR((struct msghdr *)msg, cm)) {
		struct dmabuf_cmsg d;

		if (cm->cmsg_level != SOL_SOCKET ||
		    (cm->cmsg_type != SCM_DEVMEM_DMABUF && cm->cmsg_type != SCM_DEVMEM_LINEAR))
			continue;
		if (cm->cmsg_len < CMSG_LEN(sizeof(d)))
			return recv_conn_fail(c, "short devmem cmsg of %zu bytes",
					      (size_t)cm->cmsg_len);
		memcpy(&d, CMSG_DATA(cm), sizeof(d));
		devmem = true;
		described += d.frag_size;
		if (described > n)
			return recv_conn_fail(c, "cmsgs describe more than the %zu bytes read", n);
		if (cm->cmsg_type == SCM_DEVMEM_DMABUF) {
			if (consume_frag(c, &d))
				return -1;
			continue;
		}
		if (linear + d.frag_size > n)
			return recv_conn_fail(c, "linear cmsg past the bytes read");
		if (consume(c, c->iobuf + linear, d.frag_size))
			return -1;
		linear += d.frag_size;
		c->linear_bytes += d.frag_size;
	}
	if (devmem) {
		if (described != n)
			return recv_conn_fail(c, "cmsgs describe %zu of the %zu bytes read",
					      described, n);
		return 0;
	}
	/* A read in host memory: only once the queue went back to it (unbound). */
	if (!c->unbound)
		return recv_conn_fail(c, "%zu bytes in host memory, no devmem cmsg: flow steering error",
				      n);
	c->host_bytes += n;
	return consume(c, c->iobuf, n);
}

/**
 * recv_conn_read() - one recvmsg(MSG_SOCK_DEVMEM), its frags consumed
 * @c: an accepted connection
 *
 * Each frag is synced, copied out of the dma-buf and validated (-v) or
 * written to stdout; its token goes as c->policy says.
 *
 * Return: the bytes read; 0 at EOF; -1 with errno set when recvmsg failed;
 * -2 when the data failed a check (already printed).
 */
ssize_t recv_conn_read(struct recv_conn *c)
{
	struct iovec iov = { .iov_base = c->iobuf, .iov_len = RECV_IOV_BYTES };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = c->ctrl, .msg_controllen = RECV_CTRL_BYTES,
	};
	ssize_t n;

	do {
		n = recvmsg(c->fd, &msg, MSG_SOCK_DEVMEM);
	} while (n < 0 && errno == EINTR);
	if (n <= 0)
		return n;
	c->recvs++;
	return consume_read(c, &msg, (size_t)n) ? -2 : n;
}

/**
 * recv_conn_unbind() - close the netdev socket, which unbinds (S-3.3)
 * @c: the connection; from now on reads in host memory are expected
 * @when: said in the "unbound ..." line on stderr
 */
void recv_conn_unbind(struct recv_conn *c, const char *when)
{
	recv_nl_close(c->s->netdev);
	c->unbound = true;
	fprintf(stderr, "%s: unbound %s\n", c->s->o->prog, when);
}

/**
 * recv_conn_return_held() - return every held token, one call each
 * @c: the connection
 * @want: what each call must return (1: a token still held; 0: one already
 *	returned)
 *
 * The held list is kept, so a second pass can return the same tokens again.
 *
 * Return: 0 when every call returned @want, else -1 after printing which.
 */
int recv_conn_return_held(struct recv_conn *c, int want)
{
	struct dmabuf_token tok = { .token_count = 1 };
	size_t i;
	int ret;

	for (i = 0; i < c->nr_held; i++) {
		tok.token_start = c->held[i];
		ret = setsockopt(c->fd, SOL_SOCKET, SO_DEVMEM_DONTNEED, &tok, sizeof(tok));
		if (ret != want)
			return recv_conn_fail(c, "SO_DEVMEM_DONTNEED of held token %u returned %d%s%s, expected %d",
					      tok.token_start, ret, ret < 0 ? ": " : "",
					      ret < 0 ? strerror(errno) : "", want);
	}
	return 0;
}

/**
 * recv_conn_drain() - read to EOF, then print the "ok:" summary line
 * @c: the connection
 *
 * Return: 0 at a clean EOF, -1 after printing the failure.
 */
int recv_conn_drain(struct recv_conn *c)
{
	const struct recv_opts *o = c->s->o;

	for (;;) {
		ssize_t n = recv_conn_read(c);

		if (n == 0)
			break;
		if (n == -2)
			return -1;
		if (n < 0)
			return recv_conn_fail(c, "recvmsg: %s", strerror(errno));
		if (o->unbind == 2 && !c->unbound)
			recv_conn_unbind(c, "after the first recv");
	}
	fprintf(stderr,
		"%s: ok: %llu bytes%s in %u reads: %llu frags (%llu page-aligned), "
		"%llu linear bytes, %llu host-memory bytes\n",
		o->prog, c->bytes, o->validate ? " validated" : "", c->recvs, c->frags,
		c->aligned_frags, c->linear_bytes, c->host_bytes);
	return 0;
}

/* -U 1: data waits in the socket, steered to the dma-buf; unbind, then read. */
static int unbind_first(struct recv_conn *c)
{
	struct pollfd pfd = { .fd = c->fd, .events = POLLIN };
	ssize_t n;

	if (poll(&pfd, 1, -1) < 0)
		return recv_conn_fail(c, "poll: %s", strerror(errno));
	recv_conn_unbind(c, "before the first recv");
	n = recv_conn_read(c);
	if (n == -1 && errno == ENODEV) {
		fprintf(stderr, "%s: enodev after unbind: recvmsg failed with ENODEV, "
			"as expected\n", c->s->o->prog);
		return 0;
	}
	if (n == -1)
		return recv_conn_fail(c, "recvmsg after the unbind: %s, expected ENODEV",
				      strerror(errno));
	if (n == -2)
		return -1;
	return recv_conn_fail(c, "recvmsg after the unbind returned %zd, expected ENODEV", n);
}

/**
 * recv_conn_accept() - listen on @listen_fd and accept one connection
 * @c: filled in, tokens returned at once (RECV_TOKENS_RETURN) until the
 *	caller says otherwise; recv_conn_close() it
 * @s: the binding and options
 * @listen_fd: from recv_listen_socket()
 *
 * Prints "listening on port N" to stderr once connections can come, so a
 * harness needs no sleep.
 *
 * Return: 0, or -1 after printing why.
 */
int recv_conn_accept(struct recv_conn *c, struct recv_stream *s, int listen_fd)
{
	struct sockaddr_in6 peer;
	socklen_t len = sizeof(peer);
	char text[INET6_ADDRSTRLEN];

	*c = (struct recv_conn){ .s = s, .fd = -1 };
	if (listen(listen_fd, 1)) {
		fprintf(stderr, "%s: listen: %s\n", s->o->prog, strerror(errno));
		return -1;
	}
	c->iobuf = malloc(RECV_IOV_BYTES);
	c->ctrl = malloc(RECV_CTRL_BYTES);
	c->copy = malloc(s->mem->size);
	c->held = malloc(RECV_MAX_HELD * sizeof(*c->held));
	if (!c->iobuf || !c->ctrl || !c->copy || !c->held) {
		fprintf(stderr, "%s: out of memory\n", s->o->prog);
		goto err_free;
	}
	fprintf(stderr, "%s: listening on port %u\n", s->o->prog, s->port);
	do {
		c->fd = accept4(listen_fd, (struct sockaddr *)&peer, &len, SOCK_CLOEXEC);
	} while (c->fd < 0 && errno == EINTR);
	if (c->fd < 0) {
		fprintf(stderr, "%s: accept: %s\n", s->o->prog, strerror(errno));
		goto err_free;
	}
	inet_ntop(AF_INET6, &peer.sin6_addr, text, sizeof(text));
	fprintf(stderr, "%s: connection from %s port %u\n", s->o->prog, text,
		ntohs(peer.sin6_port));
	return 0;
err_free:
	recv_conn_close(c);
	return -1;
}

/**
 * recv_conn_close() - close the connection and free its buffers
 * @c: from recv_conn_accept(), accepted or not
 */
void recv_conn_close(struct recv_conn *c)
{
	if (c->fd >= 0)
		close(c->fd);
	free(c->held);
	free(c->copy);
	free(c->ctrl);
	free(c->iobuf);
	*c = (struct recv_conn){ .s = c->s, .fd = -1 };
}

/**
 * recv_stream_run() - accept one connection and receive it to EOF
 * @s: the binding and options
 * @listen_fd: from recv_listen_socket()
 *
 * ncdevmem's loop: every token returned as soon as its frag is consumed;
 * -U 1 and -U 2 unbind before or after the first read.
 *
 * Return: 0 when the stream ended cleanly (for -U 1: when the read after the
 * unbind failed with ENODEV), -1 after printing the failure.
 */
int recv_stream_run(struct recv_stream *s, int listen_fd)
{
	struct recv_conn c;
	int ret;

	if (recv_conn_accept(&c, s, listen_fd))
		return -1;
	ret = s->o->unbind == 1 ? unbind_first(&c) : recv_conn_drain(&c);
	recv_conn_close(&c);
	return ret;
}
