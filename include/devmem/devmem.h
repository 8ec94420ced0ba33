/* SPDX-License-Identifier: MIT */
/*
 * devmem-lab public API: an emulated kernel ("host") with netdevs, dma-bufs
 * and a generic netlink socket speaking the "netdev" family.
 *
 * Every call returns 0 or a non-negative count on success and -errno on
 * failure, like the kernel and liburing.
 */
#ifndef DEVMEM_DEVMEM_H
#define DEVMEM_DEVMEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

#include "uapi.h"

#ifdef __cplusplus
extern "C" {
#endif

struct dml_host;
struct dml_netdev;
struct dml_dmabuf;
struct dml_nl_sock;

/* ---- host: one emulated kernel ---------------------------------------- */

struct dml_host_config {
	unsigned int rx_ring_size;	/* buffers each RX queue keeps posted */
	unsigned int pp_ring_size;	/* recycle ring of each page pool */
	/*
	 * Token design serving each mode, by name (see dml_token_design());
	 * NULL takes the default: "niov" for autorelease = 0, "xarray" for 1;
	 * a name of the wrong mode or an unknown one is -EINVAL.
	 */
	const char *token_design[2];
	/*
	 * The mode of a bind-rx that leaves NETDEV_A_DMABUF_AUTORELEASE out:
	 * 0 as the series defines it (S-1.4), 1 to run a program written for
	 * the classic path unchanged; anything else is -EINVAL.
	 */
	int default_autorelease;
	/*
	 * Designs whose tokens name their binding ("owned"): how many high
	 * bits of a token hold the binding's slot, 1 to 8; 0 takes 3.  The
	 * other 31 - bits name the page, which bounds a binding's size and
	 * the bindings a mode can have at once (docs/extensions.md ).
	 */
	unsigned int owned_slot_bits;
};

#define DML_OWNED_DEFAULT_SLOT_BITS	3
#define DML_OWNED_MAX_SLOT_BITS		8

#define DML_DEFAULT_RX_RING_SIZE	256
#define DML_DEFAULT_PP_RING_SIZE	1024

/**
 * dml_host_create() - make an emulated kernel with no devices.
 * @cfg: sizes; NULL takes the defaults.
 * @out: the new host.
 *
 * Return: 0, -EINVAL for a zero ring size, an unknown design or one of the
 * wrong mode, or owned_slot_bits above 8, -ENOMEM.
 */
int dml_host_create(const struct dml_host_config *cfg, struct dml_host **out);

/**
 * dml_host_destroy() - close its netlink sockets and free the host.
 * @host: may be NULL.
 *
 * Netlink sockets still open are closed, which unbinds their bindings;
 * netdevs are freed with the host.  TCP sockets, wire flows and TCP
 * ingresses are the caller's to close first: one left open is reported as
 * a broken invariant, not freed.
 */
void dml_host_destroy(struct dml_host *host);

/**
 * dml_devmem_enabled() - whether this build has devmem (NET_DEVMEM=y).
 *
 * Return: true when bind-rx can succeed.
 */
bool dml_devmem_enabled(void);

/**
 * dml_host_autorelease_mode() - the system-wide token mode.
 * @host: the host.
 *
 * Return: -1 while no RX binding exists, else the mode of the existing ones.
 */
int dml_host_autorelease_mode(struct dml_host *host);

/**
 * dml_host_warnings() - broken invariants seen so far (DML_WARN_ON hits).
 * @host: the host.
 *
 * Return: the count; tests expect 0.
 */
unsigned long dml_host_warnings(struct dml_host *host);

/* ---- netdev: an emulated NIC ------------------------------------------- */

struct dml_netdev_config {
	const char *name;		/* at most 15 characters */
	unsigned int max_rx_queues;	/* hardware queues */
	unsigned int rx_queues;		/* channels in use, <= max */
	bool header_split;		/* tcp-data-split */
	uint32_t ifindex;		/* 0 = the next free index */
};

/**
 * dml_netdev_create() - add a NIC to the host; RX queues start on host memory.
 * @host: the host.
 * @cfg: name and queues.
 * @out: the new device, owned by the host.
 *
 * The device starts with rx_queues RX-only channels, one TX-only channel
 * and no combined one (see struct dml_netdev_channels), header-split
 * threshold 0, ntuple filters on, and RSS spread over every RX queue.
 *
 * Return: 0, -EINVAL for a bad name, queue count or an ifindex above
 * INT32_MAX, -EEXIST for a name taken (as a name or an altname) or an
 * ifindex taken, -ENOMEM.
 */
int dml_netdev_create(struct dml_host *host, const struct dml_netdev_config *cfg,
		      struct dml_netdev **out);

/**
 * dml_netdev_ifindex() - the device's interface index (from 1).
 * @dev: the device.
 *
 * Return: the index.
 */
uint32_t dml_netdev_ifindex(const struct dml_netdev *dev);

/**
 * dml_netdev_by_name() - look a device up.
 * @host: the host.
 * @name: its name or one of its alternative names.
 *
 * Return: the device or NULL.
 */
struct dml_netdev *dml_netdev_by_name(struct dml_host *host, const char *name);

/* The kernel's ALTIFNAMSIZ: an alternative name and its NUL. */
#define DML_ALTIFNAMSIZ		128
#define DML_NETDEV_MAX_ALTNAMES	8

/**
 * dml_netdev_add_altname() - ip link property add dev DEV altname NAME.
 * @dev: the device.
 * @name: the alternative name; the device is found by it as by its name.
 *
 * Return: 0, -EINVAL for an empty name, one of DML_ALTIFNAMSIZ characters
 * or more, "." or "..", or one holding '/', ':' or white space (the
 * kernel's dev_valid_name()), -EEXIST when a device of the host already
 * has it as its name or an altname, -ENOSPC past DML_NETDEV_MAX_ALTNAMES.
 */
int dml_netdev_add_altname(struct dml_netdev *dev, const char *name);

/*
 * Channels as ethtool -l shows them.  The NIC has max_rx_queues hardware
 * RX queues, each used as an RX-only channel or as the RX half of a
 * combined one, and as many TX queues: the RX queues in use are
 * rx + combined, the TX queues tx + combined.  Every maximum is
 * max_rx_queues; a device starts with rx = its rx_queues, tx = 1 and
 * combined = 0, like a NIC whose channels are separate.
 */
struct dml_netdev_channels {
	unsigned int max_rx;
	unsigned int max_tx;
	unsigned int max_combined;
	unsigned int rx;
	unsigned int tx;
	unsigned int combined;
};

/**
 * dml_netdev_get_channels() - ethtool -l.
 * @dev: the device.
 * @ch: filled in.
 *
 * Return: 0.
 */
int dml_netdev_get_channels(struct dml_netdev *dev, struct dml_netdev_channels *ch);

/**
 * dml_netdev_set_channels_ethtool() - ethtool -L rx R tx T combined C.
 * @dev: the device.
 * @rx: RX-only channels, -1 leaves the count as it is.
 * @tx: TX-only channels, -1 leaves it.
 * @combined: combined channels, -1 leaves it.
 *
 * Checked as the kernel's ethtool does, in its order.  An RSS spread the
 * user never set (dml_netdev_set_rss()) follows the new RX count, as a
 * driver regenerates its default indirection table; one the user set must
 * fit.
 *
 * Return: 0, -EINVAL for a count below -1 or over its maximum, no RX or
 * no TX channel left, RX queues (rx + combined) or TX queues over the
 * hardware's, a user-set RSS spread or an ntuple rule beyond the new RX
 * queues, or a queue bound to a dma-buf beyond them (the kernel's
 * "too low for existing memory provider setting"), -ENOMEM.
 */
int dml_netdev_set_channels_ethtool(struct dml_netdev *dev, int rx, int tx, int combined);

/* The highest header-split threshold the NIC takes, like common NICs' 1 KiB. */
#define DML_HDS_THRESH_MAX	1024
/* A flow's hds_thresh that takes the device's threshold when it connects. */
#define DML_HDS_THRESH_DEVICE	UINT32_MAX

/**
 * dml_netdev_set_hds_thresh() - ethtool -G hds-thresh N.
 * @dev: the device.
 * @thresh: payloads of up to this many bytes stay in host memory with the
 *	    headers; 0 at creation.  Flows connecting afterwards with
 *	    hds_thresh DML_HDS_THRESH_DEVICE use it.
 *
 * Return: 0, -EINVAL above DML_HDS_THRESH_MAX.
 */
int dml_netdev_set_hds_thresh(struct dml_netdev *dev, uint32_t thresh);

/**
 * dml_netdev_hds_thresh() - the device's header-split threshold.
 * @dev: the device.
 *
 * Return: the threshold in bytes.
 */
uint32_t dml_netdev_hds_thresh(const struct dml_netdev *dev);

/**
 * dml_netdev_set_ntuple() - ethtool -K ntuple on|off.
 * @dev: the device.
 * @on: the feature; on at creation.
 *
 * Turning it off removes every ntuple rule, as drivers flush their filters
 * when NETIF_F_NTUPLE goes.
 *
 * Return: 0.
 */
int dml_netdev_set_ntuple(struct dml_netdev *dev, bool on);

/**
 * dml_netdev_ntuple() - whether ntuple filters are on.
 * @dev: the device.
 *
 * Return: the feature's state.
 */
bool dml_netdev_ntuple(const struct dml_netdev *dev);

/**
 * dml_netdev_set_header_split() - ethtool -G tcp-data-split on|off.
 * @dev: the device.
 * @on: the new setting.
 *
 * Return: 0, -EINVAL when turning it off while a queue is bound to a
 * dma-buf (the kernel refuses the same way).
 */
int dml_netdev_set_header_split(struct dml_netdev *dev, bool on);

/**
 * dml_netdev_set_channels() - ethtool -L rx N.
 * @dev: the device.
 * @rx_queues: new number of RX queues in use.
 *
 * The RX queues in use become @rx_queues: combined channels are kept up
 * to that many, the rest are RX-only channels.
 *
 * Return: 0, -EINVAL for 0 or more than the hardware has, or a user-set
 * RSS spread or an ntuple rule beyond @rx_queues, -EBUSY when a bound
 * queue would disappear, -ENOMEM.
 */
int dml_netdev_set_channels(struct dml_netdev *dev, unsigned int rx_queues);

/* A flow as ntuple rules see it; addresses are IPv6 (IPv4 as ::ffff:a.b.c.d). */
struct dml_flow {
	uint8_t src_addr[16];
	uint8_t dst_addr[16];
	uint16_t src_port;
	uint16_t dst_port;
};

/**
 * dml_netdev_set_rss() - ethtool -X equal: spread unmatched flows.
 * @dev: the device.
 * @first: first queue of the spread.
 * @count: number of queues.
 *
 * The spread is the user's from then on (the kernel's IFF_RXFH_CONFIGURED):
 * channel changes must keep it instead of re-spreading over the new count.
 *
 * Return: 0, -EINVAL when the range is empty or beyond the channels.
 */
int dml_netdev_set_rss(struct dml_netdev *dev, unsigned int first,
		       unsigned int count);

/**
 * dml_netdev_reset_rss() - ethtool -X default: the driver's own spread.
 * @dev: the device.
 *
 * RSS over every RX queue in use, following later channel changes again
 * until the next dml_netdev_set_rss().  No errors.
 */
void dml_netdev_reset_rss(struct dml_netdev *dev);

/**
 * dml_netdev_add_ntuple() - ethtool -N flow-type ... queue Q.
 * @dev: the device.
 * @match: the flow; zero addresses and ports act as wildcards.
 * @queue: where matching segments go.
 *
 * Return: the rule id (>= 0), -EINVAL for a queue beyond the channels,
 * -ENOSPC when the rule table is full, -EOPNOTSUPP while ntuple filters are
 * off (dml_netdev_set_ntuple()).
 */
int dml_netdev_add_ntuple(struct dml_netdev *dev, const struct dml_flow *match,
			  unsigned int queue);

/**
 * dml_netdev_del_ntuple() - remove a rule.
 * @dev: the device.
 * @rule: its id.
 *
 * Return: 0, -ENOENT.
 */
int dml_netdev_del_ntuple(struct dml_netdev *dev, int rule);

/**
 * dml_netdev_steer() - the RX queue the NIC picks for a flow.
 * @dev: the device.
 * @flow: the segment's flow.
 *
 * Return: the queue index; ntuple rules first, then the RSS spread.
 */
unsigned int dml_netdev_steer(struct dml_netdev *dev, const struct dml_flow *flow);

struct dml_rxq_info {
	unsigned int index;
	bool active;		/* inside the channel count */
	uint32_t dmabuf_id;	/* 0 when on host memory */
	uint32_t page_pool_id;
	unsigned int posted;	/* buffers on the ring */
	uint64_t stalls;	/* refills cut short by an empty pool */
	uint64_t restarts;
};

/**
 * dml_netdev_rxq_info() - a queue's state.
 * @dev: the device.
 * @index: the queue.
 * @info: filled in.
 *
 * Return: 0, -ERANGE for a queue the hardware does not have.
 */
int dml_netdev_rxq_info(struct dml_netdev *dev, unsigned int index,
			struct dml_rxq_info *info);

/**
 * dml_netdev_rxq_refill() - let the NIC post buffers until the ring is full.
 * @dev: the device.
 * @index: the queue.
 *
 * Return: buffers posted by this call, -ERANGE, -ENETDOWN for an inactive
 * queue, -ENOBUFS when the pool ran dry (the stall is counted).
 */
int dml_netdev_rxq_refill(struct dml_netdev *dev, unsigned int index);

/* ---- token designs (SPEC S-8) ------------------------------------------ */

struct dml_token_design_info {
	const char *name;
	int autorelease;	/* the user-visible mode it implements */
	const char *summary;
	/* Token state a binding carries per net_iov for this design (urefs). */
	unsigned int bytes_per_niov;
	/*
	 * Where an autorelease = 0 design departs from the series' rules
	 * (docs/extensions.md), so the conformance suite holds it to its own:
	 * @holder_returns: only the socket holding a page returns it and close
	 * returns what the socket holds, where the series lets
	 * any joined socket return any page and leaves a closed socket's pages
	 * to the binding's reclaim.  @many_bindings: a socket receives from
	 * several bindings, where the series answers EFAULT for a second
	 * .  @token_slots: its tokens carry their binding's slot in the
	 * high bits, so each binding of the mode takes one of a few slots of
	 * the host's and a bind-rx may be ENOSPC.
	 */
	bool holder_returns;
	bool many_bindings;
	bool token_slots;
};

/**
 * dml_token_design_count() - how many designs this build has.
 *
 * Return: the count.
 */
size_t dml_token_design_count(void);

/**
 * dml_token_design() - one design, in benchmark order.
 * @index: below dml_token_design_count().
 *
 * Return: its description, or NULL past the end.
 */
const struct dml_token_design_info *dml_token_design(size_t index);

/* ---- emulated TCP sockets ----------------------------------------------- */

struct dml_sock;

/**
 * dml_socket() - socket(AF_INET6, @type, 0) on the host.
 * @host: the host.
 * @type: SOCK_STREAM (TCP) or SOCK_DGRAM (a non-TCP socket, for EBADF).
 * @out: the socket; the caller owns one reference, dropped by dml_close().
 *
 * Return: 0, -EINVAL for another type, -ENOMEM.
 */
int dml_socket(struct dml_host *host, int type, struct dml_sock **out);

/**
 * dml_listen() - bind to @port and listen.
 * @sk: a TCP socket never connected.
 * @port: the local port wire flows connect to.
 *
 * Return: 0, -EADDRINUSE, -EINVAL for a non-TCP or connected socket.
 */
int dml_listen(struct dml_sock *sk, uint16_t port);

/**
 * dml_accept() - take the next established connection.
 * @listener: a listening socket.
 * @flags: SOCK_NONBLOCK or 0 (blocks until a connection arrives; as on
 *         Linux, a close of the listener by another thread does not wake it).
 * @out: the child; it inherits no binding and no tokens (S-6.4).
 *
 * Return: 0, -EAGAIN (non-blocking, none pending), -EINVAL for a socket
 * that does not listen, -EBADF after close.
 */
int dml_accept(struct dml_sock *listener, int flags, struct dml_sock **out);

/**
 * dml_recvmsg() - recvmsg(2) on an emulated TCP socket, MSG_SOCK_DEVMEM too.
 * @sk: the socket.
 * @msg: a real struct msghdr; devmem cmsgs are written to msg_control and
 *	 msg_controllen is set to the bytes used (0 at EOF), MSG_CTRUNC never
 *	 set, msg_flags keeps only MSG_CMSG_CLOEXEC; on an error
 *	 msg_controllen and msg_flags are left as given.  An iovec longer
 *	 than INT_MAX & PAGE_MASK bytes reads that much at most.
 * @flags: MSG_SOCK_DEVMEM, MSG_DONTWAIT, MSG_WAITALL (wait for the whole
 *	   iovec, frag bytes counting, until EOF, a full cmsg buffer or the
 *	   other kind of memory), MSG_TRUNC (discard what is read: no copy,
 *	   no cmsg, no token), MSG_CMSG_CLOEXEC and MSG_NOSIGNAL (no effect);
 *	   MSG_PEEK and any other flag are refused.
 *
 * Return: bytes delivered (0 at EOF), -EAGAIN, -EFAULT (devmem data without
 * MSG_SOCK_DEVMEM, a NULL iovec array or a NULL base with a length, a frag
 * of another binding in autorelease = 0), -ETOOSMALL (no room for the first
 * cmsg), -ENODEV (the binding is gone before the socket joined it),
 * -ENOTCONN, -EBADF, -EMSGSIZE (more than 1024 iovecs), -EINVAL for bad
 * flags or a NULL @msg, -ENOMEM (token table).
 */
ssize_t dml_recvmsg(struct dml_sock *sk, struct msghdr *msg, int flags);

/**
 * dml_setsockopt() - setsockopt(2) at SOL_SOCKET: SO_DEVMEM_DONTNEED, and
 * SO_DEVMEM_LAB_RETURN_RING (devmem/ext.h) on a design that has it.
 * @sk: the socket.
 * @level: SOL_SOCKET.
 * @optname: SO_DEVMEM_DONTNEED or SO_DEVMEM_LAB_RETURN_RING.
 * @optval: DONTNEED: an array of struct dmabuf_token; the ring: a pointer to
 *	a struct devmem_lab_ring * (docs/extensions.md, X-1.1).
 * @optlen: DONTNEED: a multiple of 8, at most 8 * 128; the ring: the size
 *	of a pointer, or 0 to unregister.
 *
 * Return: DONTNEED: frags released (>= 0), -EBADF (not TCP, or closed),
 * -EINVAL (bad optlen, or, optlen 0 included, the host's mode key is
 * autorelease = 0 - also once no binding is left - and the socket never
 * joined a binding), -EFAULT (NULL optval with optlen > 0).  The ring: 0,
 * -EINVAL (optlen, entries not a power of two up to
 * DEVMEM_LAB_RING_MAX_ENTRIES, a misaligned ring, more queued than it
 * holds), -EFAULT (NULL optval with optlen > 0), -EBUSY (a ring is
 * registered already), -ENOENT (unregistering with none), -EBADF (closed).
 * -ENOPROTOOPT for other levels and options, and for the ring on a
 * non-TCP socket or one whose design in the host's current mode has none.
 */
int dml_setsockopt(struct dml_sock *sk, int level, int optname,
		   const void *optval, socklen_t optlen);

/**
 * dml_sock_token_state_bytes() - memory the socket's token design uses now.
 * @sk: a TCP socket.
 *
 * Return: bytes of token-tracking state held for this socket in the current
 * mode (tables, nodes; not the binding's per-net_iov state), -EBADF.
 */
long dml_sock_token_state_bytes(struct dml_sock *sk);

/**
 * dml_close() - close(2): drop the caller's reference.
 * @sk: may be NULL.
 *
 * The socket is torn down when its last reference goes (a call running on
 * another thread holds one): autorelease = 1 returns its tokens, = 0
 * leaves its binding (S-6.1, S-6.2).
 */
void dml_close(struct dml_sock *sk);

struct dml_pollfd {
	struct dml_sock *sk;
	short events;		/* POLLIN */
	short revents;		/* POLLIN, POLLHUP, POLLERR (a reset), POLLNVAL */
};

/**
 * dml_poll() - poll(2) over emulated sockets.
 * @fds: the sockets.
 * @nfds: how many.
 * @timeout_ms: -1 waits for ever, 0 does not wait.
 *
 * The sockets may belong to different hosts; a NULL or closed socket gets
 * POLLNVAL.
 *
 * Return: sockets with events, 0 on timeout, -EINVAL, -ENOMEM.
 */
int dml_poll(struct dml_pollfd *fds, unsigned int nfds, int timeout_ms);

/* ---- synthetic wire: a remote TCP peer whose segments enter the NIC --- */

struct dml_wire_flow;

#define DML_WIRE_DMA_ONLY	(1u << 0)	/* payload not written: DMA costs no CPU */

struct dml_wire_flow_config {
	struct dml_flow flow;	/* dst_port: a listener's port */
	uint32_t flags;		/* DML_WIRE_DMA_ONLY: dml_wire_send() data may be NULL */
	uint32_t mss;		/* payload bytes per segment; 0 = 4096 */
	uint32_t hds_thresh;	/* payloads up to this stay in host memory;
				 * DML_HDS_THRESH_DEVICE: the device's at connect */
	uint32_t linear_head;	/* payload bytes the NIC keeps with the headers */
	uint32_t gro_segs;	/* segments merged into one skb; 0 = 1 */
};

/**
 * dml_wire_connect() - open a connection from the wire (the SYN).
 * @dev: the NIC its segments arrive on.
 * @cfg: the flow and its segmentation.
 * @out: the flow.
 *
 * Return: 0, -ECONNREFUSED when nobody listens on the port, -EINVAL for
 * a bad configuration, -ENOMEM.
 */
int dml_wire_connect(struct dml_netdev *dev, const struct dml_wire_flow_config *cfg,
		     struct dml_wire_flow **out);

/**
 * dml_wire_send() - segments @len bytes and hands them to the NIC in order.
 * @flow: the flow.
 * @data: the payload.
 * @len: bytes.
 *
 * Payload lands in the buffers the steered RX queue posted (dma-buf memory
 * on a bound queue).  When the queue has nothing posted the NIC stalls: the
 * call returns what it delivered so far and the stall is counted.
 *
 * Return: bytes delivered, -ENOBUFS when none could be, -ECONNRESET when
 * the receiving socket is closed, -EPIPE after dml_wire_shutdown().
 */
ssize_t dml_wire_send(struct dml_wire_flow *flow, const void *data, size_t len);

/**
 * dml_wire_shutdown() - the peer's FIN: the socket reads EOF after the data.
 * @flow: the flow.
 *
 * Return: 0, -ECONNRESET.
 */
int dml_wire_shutdown(struct dml_wire_flow *flow);

/**
 * dml_wire_close() - forget the flow (shuts it down first if needed).
 * @flow: may be NULL.
 */
void dml_wire_close(struct dml_wire_flow *flow);

/* ---- real TCP ingress: kernel TCP connections whose bytes enter the NIC - */

struct dml_tcp_ingress;

struct dml_tcp_ingress_config {
	const char *addr;	/* listen address: IPv4 "a.b.c.d", IPv6, or "::ffff:a.b.c.d" (as
				 * ncdevmem takes -s); NULL = any address, dual-stack */
	uint16_t port;		/* the real TCP port, and the emulated listener's port the
				 * connections arrive at; 0 = the kernel picks a free one */
	struct dml_wire_flow_config seg;	/* segmentation per connection (mss 0 = 4096,
				 * hds_thresh, linear_head, gro_segs); seg.flow and flags ignored */
	unsigned int max_conns;	/* concurrent connections served; 0 = 64; more are refused */
	/*
	 * Listen on a kernel TCP socket the caller already bound instead of
	 * making one from @addr and @port (an application's own socket, under
	 * `devmem-lab run`, so bind's errors and port choice stay the
	 * kernel's): the ingress listens on a duplicate of @bound_fd with
	 * @backlog (0 = SOMAXCONN); the caller's fd stays the caller's.
	 */
	bool adopt;
	int bound_fd;
	int backlog;
};

/**
 * dml_tcp_ingress_start() - listen on a real kernel TCP socket and feed @dev.
 * @dev: the NIC the connections arrive at.
 * @cfg: address, port, segmentation and connection limit.
 * @out: the ingress.
 *
 * Connections are accepted in the background and each arrives at @dev as a
 * flow with its real 5-tuple (src = the peer, dst = the local address and
 * port, IPv4 as v4-mapped IPv6 in struct dml_flow), where an emulated
 * listener on cfg->port must exist (dml_listen) to accept it (dml_accept on
 * that listener), else the real connection is refused (closed at once).
 * When the steered queue has nothing posted the ingress stops reading that
 * connection until buffers come back: nothing is dropped.  A peer's FIN is
 * the emulated socket's EOF, a reset its ECONNRESET after the queued data;
 * closing the emulated socket closes the kernel one.
 *
 * Stop it (dml_tcp_ingress_stop()) before destroying @dev's host.
 *
 * Return: 0, -EINVAL (bad address/config, or a segment larger than an RX
 * ring can hold), -EADDRINUSE, -errno.
 */
int dml_tcp_ingress_start(struct dml_netdev *dev, const struct dml_tcp_ingress_config *cfg,
			  struct dml_tcp_ingress **out);

/**
 * dml_tcp_ingress_port() - the real port it listens on (useful with port 0).
 * @ing: the ingress.
 *
 * Return: the port, host byte order.
 */
uint16_t dml_tcp_ingress_port(const struct dml_tcp_ingress *ing);

struct dml_tcp_ingress_stats {
	uint64_t conns;		/* connections accepted */
	uint64_t refused;	/* refused: no emulated listener, or over max_conns */
	uint64_t bytes;		/* payload bytes delivered to the NIC */
	uint64_t pool_waits;	/* times a connection waited for the page pool to refill */
	uint64_t resets;	/* connections the peer reset */
};

/**
 * dml_tcp_ingress_stats() - counters since start.
 * @ing: the ingress.
 * @out: filled in.
 */
void dml_tcp_ingress_stats(const struct dml_tcp_ingress *ing, struct dml_tcp_ingress_stats *out);

/**
 * dml_tcp_ingress_wait_stats() - wait until a counter moves.
 * @ing: the ingress.
 * @seen: the counters the caller last saw; set to the current ones.
 * @timeout_ms: -1 waits for ever, 0 does not wait.
 *
 * Lets a caller wait for an event of the ingress (a connection accepted or
 * refused, bytes delivered, a stall, a reset) without polling on a timer.
 *
 * Return: 1 when some counter differs from *@seen, 0 on timeout.
 */
int dml_tcp_ingress_wait_stats(struct dml_tcp_ingress *ing,
			       struct dml_tcp_ingress_stats *seen, int timeout_ms);

/**
 * dml_tcp_ingress_stop() - stop and free the ingress.
 * @ing: may be NULL.
 *
 * Stops accepting and reading, closes every kernel socket (peers see the
 * connection end), gives each emulated socket not yet at EOF a reset, and
 * frees everything.
 */
void dml_tcp_ingress_stop(struct dml_tcp_ingress *ing);

/**
 * dml_tcp_ingress_close_listener() - stop taking connections, go on serving.
 * @ing: the ingress.
 *
 * What closing a listening socket does: peers that connect from now on are
 * refused, connections already accepted carry on until their application
 * closes them.  Stop the ingress afterwards to free it.
 */
void dml_tcp_ingress_close_listener(struct dml_tcp_ingress *ing);

/**
 * dml_tcp_ingress_conns() - connections being served now.
 * @ing: the ingress.
 *
 * Return: how many; one leaves when its application closes it (or at stop).
 */
unsigned int dml_tcp_ingress_conns(const struct dml_tcp_ingress *ing);

struct dml_binding_info {
	uint32_t id;
	int autorelease;
	uint64_t nr_niovs;
	uint64_t metadata_bytes;	/* binding, net_iovs and free list */
	long users;			/* bound queues + joined sockets */
};

/**
 * dml_binding_info() - what a binding costs and who uses it.
 * @host: the host.
 * @id: the binding's dmabuf id.
 * @info: filled in.
 *
 * Return: 0, -ENOENT when no binding has that id.
 */
int dml_binding_info(struct dml_host *host, uint32_t id, struct dml_binding_info *info);

/* ---- invariant checker (S-7.3) ------------------------------------------ */

/**
 * dml_host_check() - prove every net_iov of every binding is accounted for.
 * @host: a quiescent host (no call in flight).
 * @report: filled with the first discrepancy, or "" (may be NULL).
 * @len: room in @report.
 *
 * Return: 0 when every page-pool reference is owned by a posted ring slot,
 * a queued skb frag or a token and every other net_iov is free; -EUCLEAN
 * otherwise.
 */
int dml_host_check(struct dml_host *host, char *report, size_t len);

/* ---- dma-buf ------------------------------------------------------------ */

enum dml_dmabuf_exporter {
	DML_DMABUF_AUTO,	/* udmabuf when /dev/udmabuf exists, else memfd */
	DML_DMABUF_UDMABUF,
	DML_DMABUF_MEMFD,
};

/**
 * dml_dmabuf_create() - export a dma-buf of @size bytes.
 * @size: a non-zero multiple of DML_PAGE_SIZE.
 * @exporter: which exporter; AUTO picks.
 * @out: the new dma-buf; its fd is the caller's to pass to bind-rx.
 *
 * Return: 0, -EINVAL for a bad size or exporter, -ENODEV when udmabuf is
 * asked for and absent, or the -errno of the failing system call.
 */
int dml_dmabuf_create(size_t size, enum dml_dmabuf_exporter exporter,
		      struct dml_dmabuf **out);

/**
 * dml_dmabuf_parse_exporter() - "auto", "udmabuf" or "memfd".
 * @name: the text.
 * @out: the exporter.
 *
 * Return: 0, -EINVAL.
 */
int dml_dmabuf_parse_exporter(const char *name, enum dml_dmabuf_exporter *out);

/**
 * dml_dmabuf_fd() - the dma-buf's file descriptor, to pass to bind-rx or mmap.
 * @buf: the dma-buf.
 *
 * Return: the fd, owned by @buf.  No errors.
 */
int dml_dmabuf_fd(const struct dml_dmabuf *buf);

/**
 * dml_dmabuf_size() - the dma-buf's size in bytes.
 * @buf: the dma-buf.
 *
 * Return: the size.  No errors.
 */
size_t dml_dmabuf_size(const struct dml_dmabuf *buf);

/**
 * dml_dmabuf_exporter_name() - which exporter made it.
 * @buf: the dma-buf.
 *
 * Return: "udmabuf" or "memfd".  No errors.
 */
const char *dml_dmabuf_exporter_name(const struct dml_dmabuf *buf);

/**
 * dml_dmabuf_destroy() - close the caller's fd; a binding keeps its own.
 * @buf: may be NULL.
 */
void dml_dmabuf_destroy(struct dml_dmabuf *buf);

/* ---- generic netlink --------------------------------------------------- */

#define DML_NL_ADMIN	(1u << 0)	/* CAP_NET_ADMIN: needed by bind-rx */
/*
 * Start as a fresh kernel socket: NETLINK_CAP_ACK, NETLINK_EXT_ACK and
 * NETLINK_GET_STRICT_CHK off.  Without it a socket starts with CAP_ACK and
 * EXT_ACK on (strict checking off), what the library's own clients want.
 */
#define DML_NL_KERNEL_DEFAULTS	(1u << 1)

/**
 * dml_nl_open() - socket(AF_NETLINK, SOCK_RAW, NETLINK_GENERIC) on a host.
 * @host: the host.
 * @flags: DML_NL_ADMIN, DML_NL_KERNEL_DEFAULTS, both or 0.
 * @out: the socket.
 *
 * Return: 0, -EINVAL for unknown flags, -ENOMEM.
 */
int dml_nl_open(struct dml_host *host, unsigned int flags,
		struct dml_nl_sock **out);

/**
 * dml_nl_send() - hand the kernel one or more netlink messages.
 * @sk: the socket.
 * @buf: nlmsghdr + genlmsghdr + attributes, as on a real socket.
 * @len: bytes in @buf.
 *
 * Replies, acks and errors are queued for dml_nl_recv(), one message per
 * call.  NLMSG_ERROR is built as the kernel's netlink_ack(): an error
 * echoes the whole request unless NETLINK_CAP_ACK is on (then only its
 * header, with NLM_F_CAPPED; an ack of success is always capped), and
 * extack TLVs (message, offending attribute offset, missing attribute and
 * nest, with NLM_F_ACK_TLVS) come only with NETLINK_EXT_ACK on.
 *
 * Return: @len, -EINVAL when @buf is too short to hold a netlink header,
 * -ENOMEM.
 */
ssize_t dml_nl_send(struct dml_nl_sock *sk, const void *buf, size_t len);

/**
 * dml_nl_recv() - take the next queued message.
 * @sk: the socket.
 * @buf: where to copy it.
 * @len: room in @buf.
 *
 * Return: its length, -EAGAIN when nothing is queued, -EMSGSIZE when it
 * does not fit (it stays queued).
 */
ssize_t dml_nl_recv(struct dml_nl_sock *sk, void *buf, size_t len);

/**
 * dml_nl_recvmsg() - recvmsg(2) of one queued message, as the kernel does it.
 * @sk: the socket.
 * @buf: where to copy it (may be NULL when @len is 0).
 * @len: room in @buf.
 * @flags: MSG_PEEK (the message stays queued), MSG_TRUNC (return its full
 *	   length even when cut), MSG_DONTWAIT and others have no effect:
 *	   the call never waits.
 * @msg_flags: MSG_TRUNC is or-ed in when the message was longer than @len
 *	       (may be NULL).
 *
 * Copies min(@len, its length).  Without MSG_PEEK the message is consumed
 * even when cut, as a datagram is.
 *
 * Return: the bytes copied (the full length with MSG_TRUNC), -EAGAIN when
 * nothing is queued, -EOPNOTSUPP for MSG_OOB, -EFAULT for a NULL @buf with
 * a non-zero @len.
 */
ssize_t dml_nl_recvmsg(struct dml_nl_sock *sk, void *buf, size_t len, int flags,
		       int *msg_flags);

/**
 * dml_nl_pending() - whether a message is queued (POLLIN).
 * @sk: the socket.
 *
 * Return: true when dml_nl_recv() would not return -EAGAIN.
 */
bool dml_nl_pending(struct dml_nl_sock *sk);

/**
 * dml_nl_setsockopt() - setsockopt(2) at SOL_NETLINK.
 * @sk: the socket.
 * @level: SOL_NETLINK.
 * @optname: NETLINK_CAP_ACK, NETLINK_EXT_ACK, NETLINK_GET_STRICT_CHK,
 *	     NETLINK_NO_ENOBUFS (an int, non-zero = on), or
 *	     NETLINK_ADD_MEMBERSHIP / NETLINK_DROP_MEMBERSHIP (a multicast
 *	     group id that CTRL_CMD_GETFAMILY advertises).
 * @val: the value.
 * @len: its length; shorter than an int reads as 0, as the kernel does.
 *
 * Membership is recorded but nothing is ever multicast: the emulated
 * families send no notifications.
 *
 * Return: 0, -ENOPROTOOPT for another level or option, -EFAULT for a NULL
 * @val with @len of an int or more, -EINVAL for a group no family has.
 */
int dml_nl_setsockopt(struct dml_nl_sock *sk, int level, int optname,
		      const void *val, socklen_t len);

/**
 * dml_nl_getsockopt() - getsockopt(2) at SOL_NETLINK.
 * @sk: the socket.
 * @level: SOL_NETLINK.
 * @optname: NETLINK_CAP_ACK, NETLINK_EXT_ACK, NETLINK_GET_STRICT_CHK,
 *	     NETLINK_NO_ENOBUFS (an int 0 or 1), or NETLINK_LIST_MEMBERSHIPS
 *	     (the joined groups as a bitmap of u32 words, as much as fits).
 * @val: where the value goes.
 * @len: in: room in @val; out: the bytes of the value (for
 *	 NETLINK_LIST_MEMBERSHIPS the bitmap's full size).
 *
 * Return: 0, -ENOPROTOOPT for another level or option, -EFAULT for a NULL
 * @len or @val, -EINVAL when *@len is negative as an int or, for a flag,
 * shorter than an int.
 */
int dml_nl_getsockopt(struct dml_nl_sock *sk, int level, int optname, void *val,
		      socklen_t *len);

/**
 * dml_nl_portid() - the socket's netlink port id.
 * @sk: the socket.
 *
 * Return: the port id.
 */
uint32_t dml_nl_portid(const struct dml_nl_sock *sk);

/**
 * dml_nl_close() - close the socket; every binding it made is unbound.
 * @sk: may be NULL.
 */
void dml_nl_close(struct dml_nl_sock *sk);

struct nlmsghdr;

/* Called for each reply message; a negative return stops the exchange. */
typedef int (*dml_nl_msg_cb)(const struct nlmsghdr *nlh, void *arg);

/**
 * dml_nl_transact() - one request, every reply, like ynl's request helper.
 * @sk: the socket.
 * @req: a complete request; NLM_F_REQUEST, NLM_F_ACK (unless a dump) and a
 *	 fresh sequence number are set here.
 * @cb: run on each reply that is not the final ack or NLMSG_DONE (may be NULL).
 * @arg: for @cb.
 * @errmsg: filled with the extack message of an error, or "" (may be NULL).
 * @errlen: room in @errmsg.
 *
 * Return: 0, the kernel's -errno, @cb's negative return, or -EPROTO when
 * the replies end without an ack or NLMSG_DONE.
 */
int dml_nl_transact(struct dml_nl_sock *sk, struct nlmsghdr *req,
		    dml_nl_msg_cb cb, void *arg, char *errmsg, size_t errlen);

/**
 * dml_genl_family_id() - resolve a family through nlctrl CTRL_CMD_GETFAMILY.
 * @sk: the socket.
 * @name: e.g. "netdev".
 *
 * Return: the family id, -ENOENT for an unknown family, -EPROTO for a
 * malformed reply.
 */
int dml_genl_family_id(struct dml_nl_sock *sk, const char *name);

#define DML_BIND_RX_MAX_QUEUES	256	/* what one request message holds */

struct dml_bind_rx_req {
	uint32_t ifindex;
	int dmabuf_fd;
	const uint32_t *queues;
	size_t nr_queues;
	int autorelease;	/* 0 or 1; -1 leaves the attribute out */
};

/**
 * dml_bind_rx() - NETDEV_CMD_BIND_RX, built and parsed with real bytes.
 * @sk: an admin netlink socket; the binding lives as long as it does.
 * @req: what to bind.
 * @id: the binding's dmabuf id, set on success.
 * @errmsg: filled with the extack message, or "" (may be NULL).
 * @errlen: room in @errmsg.
 *
 * Return: 0, -EINVAL for a request this helper cannot encode, -EPROTO
 * for a malformed reply, or the kernel's -errno: -EPERM, -EINVAL, -ERANGE,
 * -ENODEV, -EEXIST, -EBUSY, -EOPNOTSUPP, -EBADF, -ENOMEM, -E2BIG (a
 * dma-buf too large for its tokens), -ENOSPC (no free token slot, for a
 * design whose tokens name their binding: docs/extensions.md ).
 */
int dml_bind_rx(struct dml_nl_sock *sk, const struct dml_bind_rx_req *req,
		uint32_t *id, char *errmsg, size_t errlen);

#ifdef __cplusplus
}
#endif

#endif /* DEVMEM_DEVMEM_H */
