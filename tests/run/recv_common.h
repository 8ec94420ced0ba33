/* SPDX-License-Identifier: MIT */
/*
 * What the two ncdevmem-style receivers share.  Written against the kernel's
 * UAPI only (the linux/ headers, libmnl): no devmem-lab header, so the
 * programs build and run unchanged on a real devmem kernel.  The machine's
 * linux-libc-dev may predate devmem TCP (6.12); what it lacks is defined here
 * the way a user building against old headers would.
 */
#ifndef RECV_COMMON_H
#define RECV_COMMON_H

/*
 * 6.12+ declares struct dmabuf_cmsg in linux/uio.h, which also declares
 * struct iovec: it comes first and glibc is told not to declare it again.
 */
#include <linux/uio.h>
#define __iovec_defined 1

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>

/* Not in any uapi header: the kernel keeps it in include/linux/socket.h. */
#ifndef MSG_SOCK_DEVMEM
#define MSG_SOCK_DEVMEM 0x2000000
#endif

/*
 * SO_DEVMEM_DONTNEED comes with the asm-generic/socket.h that sys/socket.h
 * pulls in; headers that have it also have the structs in linux/uio.h and
 * the netdev family's bind-rx in linux/netdev.h.  Structs and enum values
 * cannot be tested by the preprocessor, so one macro records the answer.
 */
#ifndef SO_DEVMEM_DONTNEED
#define RECV_PRE_DEVMEM_HEADERS 1
#endif

#ifdef RECV_PRE_DEVMEM_HEADERS
#define SO_DEVMEM_LINEAR 78
#define SCM_DEVMEM_LINEAR SO_DEVMEM_LINEAR
#define SO_DEVMEM_DMABUF 79
#define SCM_DEVMEM_DMABUF SO_DEVMEM_DMABUF
#define SO_DEVMEM_DONTNEED 80

struct dmabuf_cmsg {
	__u64 frag_offset;
	__u32 frag_size;
	__u32 frag_token;
	__u32 dmabuf_id;
	__u32 flags;
};

struct dmabuf_token {
	__u32 token_start;
	__u32 token_count;
};

/* linux/netdev.h (absent before 6.5, without bind-rx before 6.12). */
#define NETDEV_FAMILY_NAME "netdev"
#define NETDEV_FAMILY_VERSION 1
#define NETDEV_QUEUE_TYPE_RX 0
#define NETDEV_A_QUEUE_ID 1
#define NETDEV_A_QUEUE_TYPE 3
#define NETDEV_A_DMABUF_IFINDEX 1
#define NETDEV_A_DMABUF_QUEUES 2
#define NETDEV_A_DMABUF_FD 3
#define NETDEV_A_DMABUF_ID 4
#define NETDEV_CMD_BIND_RX 13
#else
#include <linux/netdev.h>
#endif

/*
 * The token-management series' mode attribute (u8) was never merged, so no
 * header has it: its number comes from the series.
 */
#define RECV_A_DMABUF_AUTORELEASE 5

/* Room for any request or reply message of the receivers. */
#define RECV_NL_BUF 16384

/* ncdevmem's dma-buf: 16000 pages. */
#define RECV_DMABUF_PAGES 16000

/* Exit statuses: a clean run, a failure of any kind, bad usage. */
enum { RECV_EXIT_OK = 0, RECV_EXIT_FAIL = 1, RECV_EXIT_USAGE = 2 };

/* The command line both receivers take (ncdevmem's flags plus -a, -U). */
struct recv_opts {
	const char *prog;
	bool listen;		/* -l: receive; else the probe */
	const char *server;	/* -s */
	const char *client;	/* -c: a 5-tuple rule with the sender */
	const char *ifname;	/* -f */
	unsigned int port;	/* -p, 0 = a free one */
	int start_queue;	/* -t, -1 = not given */
	int num_queues;		/* -q, -1 = not given */
	unsigned int validate;	/* -v N, 0 = payload to stdout */
	int autorelease;	/* -a, -1 = attribute left out */
	int unbind;		/* -U: 0 at the end, 1 before, 2 after the 1st recv */
};

/* One generic netlink socket talking to one family. */
struct recv_nl {
	struct mnl_socket *sk;
	unsigned int portid;
	unsigned int seq;
	uint16_t family;
};

/* A udmabuf: a sealed memfd turned into a dma-buf, mapped for reading. */
struct recv_dmabuf {
	int devfd;
	int memfd;
	int fd;
	size_t size;
	unsigned char *map;
};

/* What the receive loop needs besides the options. */
struct recv_stream {
	const struct recv_opts *o;
	struct recv_nl *netdev;	/* closing it is the unbind */
	const struct recv_dmabuf *mem;
	uint32_t dmabuf_id;
	unsigned int port;	/* the listening socket's, host order */
};

int recv_parse_opts(int argc, char **argv, struct recv_opts *o);
void recv_usage(const char *prog, const char *extra);
int recv_run(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

int recv_nl_open(struct recv_nl *nl, const char *family, char *ext, size_t extlen);
void recv_nl_close(struct recv_nl *nl);
struct nlmsghdr *recv_genl_put(struct recv_nl *nl, void *buf, uint8_t cmd, uint8_t version);
int recv_nl_talk(struct recv_nl *nl, const struct nlmsghdr *req, mnl_cb_t cb, void *data,
		 char *ext, size_t extlen);

int recv_dmabuf_create(struct recv_dmabuf *b, size_t size);
void recv_dmabuf_destroy(struct recv_dmabuf *b);

int recv_bind_rx(struct recv_nl *nl, unsigned int ifindex, int dmabuf_fd, int first,
		 int count, bool with_ids, int autorelease, uint32_t *id, char *ext,
		 size_t extlen);

/* What the receive loop does with each frag's token. */
enum recv_token_policy {
	RECV_TOKENS_RETURN,	/* at once, one SO_DEVMEM_DONTNEED per frag (ncdevmem) */
	RECV_TOKENS_HOLD,	/* kept in held[] for recv_conn_return_held() */
	RECV_TOKENS_KEEP,	/* never returned: left for close or exit to reclaim */
};

/* One accepted connection and its progress. */
struct recv_conn {
	struct recv_stream *s;
	int fd;
	unsigned char *iobuf;
	unsigned char *ctrl;
	unsigned char *copy;	/* a frag copied out of the dma-buf */
	enum recv_token_policy policy;
	uint32_t *held;		/* RECV_TOKENS_HOLD's tokens, as delivered */
	size_t nr_held;
	unsigned long long bytes;
	unsigned long long frags;
	unsigned long long aligned_frags;
	unsigned long long linear_bytes;
	unsigned long long host_bytes;
	unsigned int recvs;
	bool unbound;
};

/* Tokens RECV_TOKENS_HOLD keeps at most: the frags of a few full reads. */
#define RECV_MAX_HELD 8192

int recv_parse_addr(const char *text, unsigned int port, struct sockaddr_in6 *sin);
void recv_flow_addr(const struct sockaddr_in6 *sin, const char **type, char *addr,
		    size_t len);
int recv_listen_socket(const struct recv_opts *o, struct sockaddr_in6 *sin,
		       unsigned int *port);
int recv_ethtool_header_split(const struct recv_opts *o, bool on);
int recv_ethtool_rss_below(const struct recv_opts *o);
int recv_ethtool_configure(const struct recv_opts *o, const struct sockaddr_in6 *sin,
			   unsigned int port);

int recv_conn_fail(const struct recv_conn *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int recv_conn_accept(struct recv_conn *c, struct recv_stream *s, int listen_fd);
ssize_t recv_conn_read(struct recv_conn *c);
void recv_conn_unbind(struct recv_conn *c, const char *when);
int recv_conn_return_held(struct recv_conn *c, int want);
int recv_conn_drain(struct recv_conn *c);
void recv_conn_close(struct recv_conn *c);
int recv_stream_run(struct recv_stream *s, int listen_fd);

#endif
