// SPDX-License-Identifier: MIT
/*
 * The read side of the netdev family and nlctrl on a non-admin netlink
 * socket (S-1.4, S-2.4, S-3.7, S-7.2).  The host has two NICs (one with a
 * queue bound to a dma-buf, so page pools name a binding) and the binding's
 * owner stays open for the whole run.
 *
 * Input: byte 0 picks the request, byte 1 its netlink flags, byte 2 the
 * genetlink version or a length tweak, then attributes as they are:
 *
 *   byte 0 & 7: 0 dev-get, 1 queue-get, 2 page-pool-get,
 *               3 page-pool-stats-get, 4 nlctrl getfamily, 5 bind-rx (EPERM
 *               here), 6 netdev command byte 3, 7 family id from bytes 3-4
 *   byte 0 & 8: send the request twice in one buffer
 *   byte 1: bit 0 clears NLM_F_REQUEST, bit 1 sets NLM_F_ACK, bit 2 sets
 *           NLM_F_DUMP, bit 3 sets NLM_F_ECHO, bit 4 shortens nlmsg_len by
 *           byte 2 & 31, bit 5 lengthens it by that
 *
 * Queries change nothing: after each input the mode, the bound queue and
 * the invariant checker are as they were, and no warning fired.
 */
#include "fuzz_common.h"

#define DMABUF_PAGES	16
#define BOUND_QUEUE	5

static struct dml_host *host;
static struct dml_netdev *dev;
static struct dml_dmabuf *buf;
static struct dml_nl_sock *owner;	/* admin: holds the binding */
static struct dml_nl_sock *nl;		/* the fuzzed, non-admin socket */
static uint32_t binding_id;
static int mode = -1;
static unsigned char req[2 * 65536 + 64];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct dml_netdev_config dcfg = {
		.name = "eth0",
		.max_rx_queues = 8,
		.rx_queues = 8,
		.header_split = true,
	};
	struct dml_netdev_config dcfg2 = {
		.name = "eth1",
		.max_rx_queues = 4,
		.rx_queues = 2,
		.header_split = false,
	};
	struct dml_host_config hcfg = {
		.rx_ring_size = 8,
		.pp_ring_size = DML_DEFAULT_PP_RING_SIZE,
	};
	const uint32_t q[] = { BOUND_QUEUE };
	struct dml_bind_rx_req breq = { .queues = q, .nr_queues = 1, .autorelease = 0 };
	struct dml_netdev *dev2;
	char errmsg[256];
	int err;

	(void)argc;
	(void)argv;
	if ((err = dml_host_create(&hcfg, &host)))
		fuzz_fail_setup("host", err);
	if ((err = dml_netdev_create(host, &dcfg, &dev)) ||
	    (err = dml_netdev_create(host, &dcfg2, &dev2)))
		fuzz_fail_setup("netdev", err);
	if ((err = dml_dmabuf_create(DMABUF_PAGES * DML_PAGE_SIZE, DML_DMABUF_AUTO, &buf)))
		fuzz_fail_setup("dma-buf", err);
	if ((err = dml_nl_open(host, DML_NL_ADMIN, &owner)) ||
	    (err = dml_nl_open(host, 0, &nl)))
		fuzz_fail_setup("netlink", err);
	breq.ifindex = dml_netdev_ifindex(dev);
	breq.dmabuf_fd = dml_dmabuf_fd(buf);
	if (dml_devmem_enabled()) {
		err = dml_bind_rx(owner, &breq, &binding_id, errmsg, sizeof(errmsg));
		if (err) {
			fprintf(stderr, "fuzz: bind-rx: %s\n", errmsg);
			fuzz_fail_setup("bind-rx", err);
		}
		mode = 0;
	}
	fuzz_check_host(host);
	return 0;
}

/* Builds the request in @out; returns its length on the wire. */
static size_t build(const uint8_t *data, size_t size, unsigned char *out)
{
	static const uint8_t cmds[] = {
		NETDEV_CMD_DEV_GET, NETDEV_CMD_QUEUE_GET, NETDEV_CMD_PAGE_POOL_GET,
		NETDEV_CMD_PAGE_POOL_STATS_GET, CTRL_CMD_GETFAMILY, NETDEV_CMD_BIND_RX,
	};
	uint8_t pick = size > 0 ? data[0] : 0, fl = size > 1 ? data[1] : 0;
	uint8_t tweak = size > 2 ? data[2] : 0;
	size_t skip = 3, attrs_len, len;
	struct nlmsghdr *nlh = (struct nlmsghdr *)out;
	struct genlmsghdr *g;
	uint16_t type = FUZZ_NETDEV_FAMILY;
	uint8_t cmd;

	switch (pick & 7) {
	case 4:
		type = GENL_ID_CTRL;
		cmd = CTRL_CMD_GETFAMILY;
		break;
	case 6:
		cmd = size > 3 ? data[3] : 0;
		skip = 4;
		break;
	case 7:
		type = (uint16_t)((size > 3 ? data[3] : 0) | (size > 4 ? data[4] : 0) << 8);
		cmd = size > 5 ? data[5] : 0;
		skip = 6;
		break;
	default:
		cmd = cmds[pick & 7];
	}
	attrs_len = size > skip ? size - skip : 0;

	memset(out, 0, NLMSG_HDRLEN + GENL_HDRLEN);
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST;
	if (fl & 1)
		nlh->nlmsg_flags = 0;
	if (fl & 2)
		nlh->nlmsg_flags |= NLM_F_ACK;
	if (fl & 4)
		nlh->nlmsg_flags |= NLM_F_DUMP;
	if (fl & 8)
		nlh->nlmsg_flags |= NLM_F_ECHO;
	nlh->nlmsg_seq = 0x5eed;
	g = (struct genlmsghdr *)(out + NLMSG_HDRLEN);
	g->cmd = cmd;
	g->version = (fl & 0x40) ? tweak : 1;
	memcpy(out + NLMSG_HDRLEN + GENL_HDRLEN, data + skip, attrs_len);
	len = NLMSG_HDRLEN + GENL_HDRLEN + attrs_len;
	nlh->nlmsg_len = (uint32_t)len;
	if (fl & 0x10)
		nlh->nlmsg_len -= tweak & 31;
	else if (fl & 0x20)
		nlh->nlmsg_len += tweak & 31;
	return len;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct nlmsghdr *nlh = (const struct nlmsghdr *)req;
	struct fuzz_nl_stats st;
	struct dml_rxq_info info;
	size_t len, total;
	bool twice = size > 0 && (data[0] & 8);
	bool well_formed;
	ssize_t sent;

	if (size > 65536)
		return -1;
	len = build(data, size, req);
	total = len;
	if (twice) {
		total = NLMSG_ALIGN(len) + len;
		memset(req + len, 0, NLMSG_ALIGN(len) - len);
		memcpy(req + NLMSG_ALIGN(len), req, len);
	}
	sent = dml_nl_send(nl, req, total);
	FUZZ_CHECK(sent == (ssize_t)total);
	fuzz_nl_drain(nl, total, &st);

	/* A well-framed request of a genetlink type always gets an answer. */
	well_formed = nlh->nlmsg_len == len && (nlh->nlmsg_flags & NLM_F_REQUEST) &&
		      nlh->nlmsg_type >= NLMSG_MIN_TYPE;
	if (well_formed)
		FUZZ_CHECK(st.replies >= (twice ? 2u : 1u));
	/* A length that does not match the bytes is refused once, with EINVAL. */
	if (nlh->nlmsg_len > total || nlh->nlmsg_len < NLMSG_HDRLEN)
		FUZZ_CHECK(st.errors >= 1 && st.last_error == -EINVAL);
	/* S-3.7: bind-rx from a non-admin socket is EPERM and changes nothing. */
	if (well_formed && nlh->nlmsg_type == FUZZ_NETDEV_FAMILY &&
	    req[NLMSG_HDRLEN] == NETDEV_CMD_BIND_RX &&
	    (nlh->nlmsg_flags & NLM_F_DUMP) != NLM_F_DUMP)
		FUZZ_CHECK(st.errors == (twice ? 2u : 1u) && st.last_error == -EPERM &&
			   st.bind_ids == 0);
	FUZZ_CHECK(st.bind_ids == 0);

	FUZZ_CHECK(dml_host_autorelease_mode(host) == mode);
	FUZZ_CHECK(dml_netdev_rxq_info(dev, BOUND_QUEUE, &info) == 0);
	FUZZ_CHECK(info.dmabuf_id == binding_id);
	fuzz_check_host(host);
	return 0;
}
