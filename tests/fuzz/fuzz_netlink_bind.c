// SPDX-License-Identifier: MIT
/*
 * Raw bytes into dml_nl_send() on an admin netlink socket of a host with one
 * NIC (8 queues, header split) and one dma-buf: bind-rx and anything else
 * (S-3.1, S-3.4, S-7.2).  Every reply is drained and checked; then the
 * socket is closed, which must unbind everything it bound (S-3.3), leave
 * every queue on host memory (S-3.2) and free the mode (S-3.4), with no
 * warning and a clean invariant checker.
 *
 * The input is sent as it is, except that a u32 fd attribute of bind-rx
 * holding FUZZ_FD_PLACEHOLDER is patched to the dma-buf's real fd, so that
 * seeds bind whatever fd number the dma-buf got; every other fd value
 * reaches bind-rx unchanged (the fuzzer picks the fd).
 */
#include "fuzz_common.h"

#define FUZZ_FD_PLACEHOLDER	0xdbdbdbdbu
#define DMABUF_PAGES		16

static struct dml_host *host;
static struct dml_netdev *dev;
static struct dml_dmabuf *buf;
static unsigned char req[65536];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct dml_netdev_config dcfg = {
		.name = "eth0",
		.max_rx_queues = 8,
		.rx_queues = 8,
		.header_split = true,
	};
	struct dml_host_config hcfg = {
		.rx_ring_size = 32,
		.pp_ring_size = DML_DEFAULT_PP_RING_SIZE,
	};
	int err;

	(void)argc;
	(void)argv;
	if ((err = dml_host_create(&hcfg, &host)))
		fuzz_fail_setup("host", err);
	if ((err = dml_netdev_create(host, &dcfg, &dev)))
		fuzz_fail_setup("netdev", err);
	if ((err = dml_dmabuf_create(DMABUF_PAGES * DML_PAGE_SIZE, DML_DMABUF_AUTO, &buf)))
		fuzz_fail_setup("dma-buf", err);
	return 0;
}

/* Patches placeholder fd attributes of bind-rx messages, walking as the kernel frames. */
static void patch_fds(unsigned char *p, size_t len)
{
	uint32_t fd = (uint32_t)dml_dmabuf_fd(buf);
	size_t off = 0;

	while (len - off >= NLMSG_HDRLEN) {
		struct nlmsghdr hdr;
		size_t a, end;

		memcpy(&hdr, p + off, sizeof(hdr));
		if (hdr.nlmsg_len < NLMSG_HDRLEN || hdr.nlmsg_len > len - off)
			return;
		end = off + hdr.nlmsg_len;
		a = off + NLMSG_HDRLEN + GENL_HDRLEN;
		if (hdr.nlmsg_type == FUZZ_NETDEV_FAMILY && a <= end &&
		    p[off + NLMSG_HDRLEN] == NETDEV_CMD_BIND_RX) {
			while (end - a >= sizeof(struct nlattr)) {
				struct nlattr nla;
				uint32_t v;

				memcpy(&nla, p + a, sizeof(nla));
				if (nla.nla_len < sizeof(nla) || nla.nla_len > end - a)
					break;
				if ((nla.nla_type & NLA_TYPE_MASK) == NETDEV_A_DMABUF_FD &&
				    nla.nla_len == sizeof(nla) + sizeof(v)) {
					memcpy(&v, p + a + sizeof(nla), sizeof(v));
					if (v == FUZZ_FD_PLACEHOLDER)
						memcpy(p + a + sizeof(nla), &fd, sizeof(fd));
				}
				if (NLA_ALIGN(nla.nla_len) >= end - a)
					break;
				a += NLA_ALIGN(nla.nla_len);
			}
		}
		off += NLMSG_ALIGN(hdr.nlmsg_len);
		if (off >= len)
			return;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_nl_stats st;
	struct dml_rxq_info info;
	struct dml_nl_sock *nl;
	unsigned int q;
	ssize_t sent;
	int mode;

	if (size > sizeof(req))
		return -1;	/* not added to the corpus */
	memcpy(req, data, size);
	patch_fds(req, size);

	FUZZ_CHECK(dml_nl_open(host, DML_NL_ADMIN, &nl) == 0);
	sent = dml_nl_send(nl, req, size);
	if (size < NLMSG_HDRLEN)
		FUZZ_CHECK(sent == -EINVAL);
	else
		FUZZ_CHECK(sent == (ssize_t)size);
	/* Offsets are checked against the whole buffer: it may hold several messages. */
	fuzz_nl_drain(nl, size, &st);
	mode = dml_host_autorelease_mode(host);
	if (st.bind_ids)
		FUZZ_CHECK(mode == 0 || mode == 1);
	fuzz_check_host(host);

	dml_nl_close(nl);
	/* S-3.3, S-3.4: nothing survives the socket that bound it. */
	FUZZ_CHECK(dml_host_autorelease_mode(host) == -1);
	for (q = 0; q < 8; q++) {
		FUZZ_CHECK(dml_netdev_rxq_info(dev, q, &info) == 0);
		FUZZ_CHECK(info.dmabuf_id == 0);
	}
	fuzz_check_host(host);
	return 0;
}
