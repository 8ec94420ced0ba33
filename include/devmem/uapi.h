/* SPDX-License-Identifier: MIT */
/*
 * The devmem TCP UAPI as of Linux 6.12 plus the RX token management series
 * (v10): socket options, cmsg layouts and the generic netlink "netdev"
 * family.  The build machine's linux-libc-dev predates devmem, so the project
 * carries its own copy; every number matches the kernel so that code written
 * against the real headers means the same thing here.
 */
#ifndef DEVMEM_UAPI_H
#define DEVMEM_UAPI_H

#include <stddef.h>
#include <stdint.h>

/* S-1.3: socket-level options and control message types (SOL_SOCKET). */
#ifndef SO_DEVMEM_LINEAR
#define SO_DEVMEM_LINEAR	78
#endif
#ifndef SCM_DEVMEM_LINEAR
#define SCM_DEVMEM_LINEAR	SO_DEVMEM_LINEAR
#endif
#ifndef SO_DEVMEM_DMABUF
#define SO_DEVMEM_DMABUF	79
#endif
#ifndef SCM_DEVMEM_DMABUF
#define SCM_DEVMEM_DMABUF	SO_DEVMEM_DMABUF
#endif
#ifndef SO_DEVMEM_DONTNEED
#define SO_DEVMEM_DONTNEED	80
#endif
#ifndef MSG_SOCK_DEVMEM
#define MSG_SOCK_DEVMEM		0x2000000
#endif

/*
 * What recvmsg(MSG_SOCK_DEVMEM) returns when the cmsg buffer cannot hold the
 * first cmsg: a kernel-internal errno that reaches user space; libc lacks it.
 */
#ifndef ETOOSMALL
#define ETOOSMALL		525
#endif

/* S-1.1: one per payload fragment (SCM_DEVMEM_DMABUF) or linear run. */
struct dmabuf_cmsg {
	uint64_t frag_offset;	/* offset of the bytes inside the dma-buf */
	uint32_t frag_size;
	uint32_t frag_token;	/* what SO_DEVMEM_DONTNEED takes back */
	uint32_t dmabuf_id;	/* the binding's id from bind-rx */
	uint32_t flags;		/* always 0 */
};

/* S-1.2: one entry of the SO_DEVMEM_DONTNEED option value. */
struct dmabuf_token {
	uint32_t token_start;
	uint32_t token_count;
};

/* S-1.5 */
#define DML_MAX_DONTNEED_TOKENS	128
#define DML_MAX_DONTNEED_FRAGS	1024
#define DML_PAGE_SIZE		4096u

/* S-1.4: generic netlink family "netdev". */
#define NETDEV_FAMILY_NAME	"netdev"
#define NETDEV_FAMILY_VERSION	1

enum netdev_queue_type {
	NETDEV_QUEUE_TYPE_RX,
	NETDEV_QUEUE_TYPE_TX,
};

enum {
	NETDEV_A_DEV_IFINDEX = 1,
	NETDEV_A_DEV_PAD,
	NETDEV_A_DEV_XDP_FEATURES,
	NETDEV_A_DEV_XDP_ZC_MAX_SEGS,
	NETDEV_A_DEV_XDP_RX_METADATA_FEATURES,
	NETDEV_A_DEV_XSK_FEATURES,

	__NETDEV_A_DEV_MAX,
	NETDEV_A_DEV_MAX = (__NETDEV_A_DEV_MAX - 1)
};

enum {
	NETDEV_A_PAGE_POOL_ID = 1,
	NETDEV_A_PAGE_POOL_IFINDEX,
	NETDEV_A_PAGE_POOL_NAPI_ID,
	NETDEV_A_PAGE_POOL_INFLIGHT,
	NETDEV_A_PAGE_POOL_INFLIGHT_MEM,
	NETDEV_A_PAGE_POOL_DETACH_TIME,
	NETDEV_A_PAGE_POOL_DMABUF,

	__NETDEV_A_PAGE_POOL_MAX,
	NETDEV_A_PAGE_POOL_MAX = (__NETDEV_A_PAGE_POOL_MAX - 1)
};

enum {
	NETDEV_A_PAGE_POOL_STATS_INFO = 1,
	NETDEV_A_PAGE_POOL_STATS_ALLOC_FAST = 8,
	NETDEV_A_PAGE_POOL_STATS_ALLOC_SLOW,
	NETDEV_A_PAGE_POOL_STATS_ALLOC_SLOW_HIGH_ORDER,
	NETDEV_A_PAGE_POOL_STATS_ALLOC_EMPTY,
	NETDEV_A_PAGE_POOL_STATS_ALLOC_REFILL,
	NETDEV_A_PAGE_POOL_STATS_ALLOC_WAIVE,
	NETDEV_A_PAGE_POOL_STATS_RECYCLE_CACHED,
	NETDEV_A_PAGE_POOL_STATS_RECYCLE_CACHE_FULL,
	NETDEV_A_PAGE_POOL_STATS_RECYCLE_RING,
	NETDEV_A_PAGE_POOL_STATS_RECYCLE_RING_FULL,
	NETDEV_A_PAGE_POOL_STATS_RECYCLE_RELEASED_REFCNT,

	__NETDEV_A_PAGE_POOL_STATS_MAX,
	NETDEV_A_PAGE_POOL_STATS_MAX = (__NETDEV_A_PAGE_POOL_STATS_MAX - 1)
};

enum {
	NETDEV_A_QUEUE_ID = 1,
	NETDEV_A_QUEUE_IFINDEX,
	NETDEV_A_QUEUE_TYPE,
	NETDEV_A_QUEUE_NAPI_ID,
	NETDEV_A_QUEUE_DMABUF,

	__NETDEV_A_QUEUE_MAX,
	NETDEV_A_QUEUE_MAX = (__NETDEV_A_QUEUE_MAX - 1)
};

enum {
	NETDEV_A_DMABUF_IFINDEX = 1,
	NETDEV_A_DMABUF_QUEUES,
	NETDEV_A_DMABUF_FD,
	NETDEV_A_DMABUF_ID,
	NETDEV_A_DMABUF_AUTORELEASE,	/* the series: u8, absent = 0 */

	__NETDEV_A_DMABUF_MAX,
	NETDEV_A_DMABUF_MAX = (__NETDEV_A_DMABUF_MAX - 1)
};

enum {
	NETDEV_CMD_DEV_GET = 1,
	NETDEV_CMD_DEV_ADD_NTF,
	NETDEV_CMD_DEV_DEL_NTF,
	NETDEV_CMD_DEV_CHANGE_NTF,
	NETDEV_CMD_PAGE_POOL_GET,
	NETDEV_CMD_PAGE_POOL_ADD_NTF,
	NETDEV_CMD_PAGE_POOL_DEL_NTF,
	NETDEV_CMD_PAGE_POOL_CHANGE_NTF,
	NETDEV_CMD_PAGE_POOL_STATS_GET,
	NETDEV_CMD_QUEUE_GET,
	NETDEV_CMD_NAPI_GET,
	NETDEV_CMD_QSTATS_GET,
	NETDEV_CMD_BIND_RX,

	__NETDEV_CMD_MAX,
	NETDEV_CMD_MAX = (__NETDEV_CMD_MAX - 1)
};

/* S-1.1 and S-1.2: the layouts are ABI; any drift breaks every receiver. */
_Static_assert(sizeof(struct dmabuf_cmsg) == 24, "dmabuf_cmsg size");
_Static_assert(offsetof(struct dmabuf_cmsg, frag_offset) == 0,
	       "frag_offset");
_Static_assert(offsetof(struct dmabuf_cmsg, frag_size) == 8,
	       "frag_size");
_Static_assert(offsetof(struct dmabuf_cmsg, frag_token) == 12,
	       "frag_token");
_Static_assert(offsetof(struct dmabuf_cmsg, dmabuf_id) == 16,
	       "dmabuf_id");
_Static_assert(offsetof(struct dmabuf_cmsg, flags) == 20, "flags");
_Static_assert(sizeof(struct dmabuf_token) == 8, "dmabuf_token size");
_Static_assert(offsetof(struct dmabuf_token, token_start) == 0,
	       "token_start");
_Static_assert(offsetof(struct dmabuf_token, token_count) == 4,
	       "token_count");
_Static_assert(NETDEV_CMD_BIND_RX == 13, "bind-rx command number");
_Static_assert(NETDEV_CMD_QUEUE_GET == 10, "queue-get command number");
_Static_assert(NETDEV_CMD_PAGE_POOL_STATS_GET == 9, "stats-get number");
_Static_assert(NETDEV_A_DMABUF_AUTORELEASE == 5, "autorelease attribute");

#endif /* DEVMEM_UAPI_H */
