/* SPDX-License-Identifier: MIT */
/*
 * Shared by the libFuzzer targets: the entry points' prototypes, the check
 * that stops the run, netlink reply checks, and the data-path host (one per
 * token design, built once: queue 7 bound, a listener steered to it).
 *
 * A broken expectation prints what failed and traps, so libFuzzer reports
 * it as a crash and keeps the input.
 */
#ifndef DML_FUZZ_COMMON_H
#define DML_FUZZ_COMMON_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>

#include "devmem/devmem.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_CHECK(cond)                                                      \
	do {                                                                  \
		if (!(cond)) {                                                \
			fprintf(stderr, "fuzz: %s:%d: expectation failed: %s\n", \
				__FILE__, __LINE__, #cond);                   \
			__builtin_trap();                                     \
		}                                                             \
	} while (0)

/* The invariant checker and the warning counter: both must stay clean. */
static inline void fuzz_check_host(struct dml_host *host)
{
	char report[256];

	if (dml_host_check(host, report, sizeof(report))) {
		fprintf(stderr, "fuzz: invariant checker: %s\n", report);
		__builtin_trap();
	}
	FUZZ_CHECK(dml_host_warnings(host) == 0);
}

/* The "netdev" family's id, fixed by the model (src/netlink/netdev_genl.h). */
#define FUZZ_NETDEV_FAMILY	0x1b

/* A little-endian byte reader over the input; past the end it reads 0. */
struct fuzz_in {
	const uint8_t *p;
	size_t left;
};

static inline uint8_t fuzz_u8(struct fuzz_in *in)
{
	if (!in->left)
		return 0;
	in->left--;
	return *in->p++;
}

static inline uint16_t fuzz_u16(struct fuzz_in *in)
{
	uint16_t lo = fuzz_u8(in);

	return (uint16_t)(lo | (uint16_t)fuzz_u8(in) << 8);
}

/* ---- netlink replies --------------------------------------------------- */

union fuzz_nl_buf {
	unsigned char buf[16384];
	struct nlmsghdr nlh;
};

struct fuzz_nl_stats {
	unsigned int replies;		/* every message */
	unsigned int errors;		/* NLMSG_ERROR with error != 0 */
	unsigned int acks;		/* NLMSG_ERROR with error 0 */
	unsigned int dones;
	int last_error;
	uint32_t bind_ids;		/* bind-rx replies carrying an id */
};

struct fuzz_err_attrs {
	const char *msg;
	bool has_offs;
	uint32_t offs;
};

static inline int fuzz_err_attr_cb(const struct nlattr *attr, void *arg)
{
	struct fuzz_err_attrs *e = arg;

	if (mnl_attr_get_type(attr) == NLMSGERR_ATTR_MSG) {
		FUZZ_CHECK(mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) == 0);
		e->msg = mnl_attr_get_str(attr);
	} else if (mnl_attr_get_type(attr) == NLMSGERR_ATTR_OFFS) {
		FUZZ_CHECK(mnl_attr_get_payload_len(attr) == 4);
		e->has_offs = true;
		e->offs = mnl_attr_get_u32(attr);
	}
	return MNL_CB_OK;
}

/* Attributes of a reply fill it exactly: no truncated or trailing bytes. */
static inline void fuzz_check_attrs_fill(const struct nlmsghdr *nlh, size_t offset)
{
	const struct nlattr *attr;
	size_t end = offset;

	FUZZ_CHECK(nlh->nlmsg_len >= NLMSG_HDRLEN + offset);
	mnl_attr_for_each(attr, nlh, offset)
		end = (size_t)((const char *)attr - (const char *)mnl_nlmsg_get_payload(nlh)) +
		      MNL_ALIGN(attr->nla_len);
	FUZZ_CHECK(NLMSG_HDRLEN + end == NLMSG_ALIGN(nlh->nlmsg_len));
}

/*
 * Takes every queued reply and checks its framing: the length it claims,
 * the sender's port id, a negative errno with a readable extack message on
 * every refusal (S-3.1, S-7.2) and an offending-attribute offset inside the
 * request (@req_len bytes from the request's start, or 0 when unknown).
 */
static inline void fuzz_nl_drain(struct dml_nl_sock *nl, size_t req_len,
				 struct fuzz_nl_stats *st)
{
	static union fuzz_nl_buf in;
	uint32_t portid = dml_nl_portid(nl);
	ssize_t n;

	memset(st, 0, sizeof(*st));
	while ((n = dml_nl_recv(nl, in.buf, sizeof(in.buf))) != -EAGAIN) {
		const struct nlmsghdr *nlh = &in.nlh;

		FUZZ_CHECK(n >= (ssize_t)NLMSG_HDRLEN);
		FUZZ_CHECK(nlh->nlmsg_len == (uint32_t)n);
		FUZZ_CHECK(nlh->nlmsg_pid == portid);
		st->replies++;
		if (nlh->nlmsg_type == NLMSG_ERROR) {
			const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
			struct fuzz_err_attrs ea = { 0 };

			FUZZ_CHECK(nlh->nlmsg_len >= NLMSG_HDRLEN + sizeof(*e));
			FUZZ_CHECK(e->error <= 0 && e->error > -4096);
			if (nlh->nlmsg_flags & NLM_F_ACK_TLVS) {
				fuzz_check_attrs_fill(nlh, sizeof(*e));
				mnl_attr_parse(nlh, sizeof(*e), fuzz_err_attr_cb, &ea);
			}
			if (!e->error) {
				st->acks++;
				FUZZ_CHECK(!(nlh->nlmsg_flags & NLM_F_ACK_TLVS));
				continue;
			}
			st->errors++;
			st->last_error = e->error;
			/* Every refusal names its reason. */
			FUZZ_CHECK(ea.msg && ea.msg[0]);
			if (ea.has_offs && req_len)
				FUZZ_CHECK(ea.offs >= NLMSG_HDRLEN + GENL_HDRLEN &&
					   ea.offs < req_len);
		} else if (nlh->nlmsg_type == NLMSG_DONE) {
			st->dones++;
			FUZZ_CHECK(nlh->nlmsg_len == NLMSG_HDRLEN + sizeof(int));
		} else {
			const struct genlmsghdr *g = mnl_nlmsg_get_payload(nlh);

			FUZZ_CHECK(nlh->nlmsg_len >= NLMSG_HDRLEN + GENL_HDRLEN);
			fuzz_check_attrs_fill(nlh, GENL_HDRLEN);
			if (nlh->nlmsg_type == FUZZ_NETDEV_FAMILY &&
			    g->cmd == NETDEV_CMD_BIND_RX) {
				const struct nlattr *attr;

				mnl_attr_for_each(attr, nlh, GENL_HDRLEN)
					if (mnl_attr_get_type(attr) == NETDEV_A_DMABUF_ID &&
					    mnl_attr_get_payload_len(attr) == 4 &&
					    mnl_attr_get_u32(attr) != 0)
						st->bind_ids++;
			}
		}
	}
}

/* ---- the data-path host ------------------------------------------------- */

#define FUZZ_PORT	5201
#define FUZZ_QUEUE	7		/* bound to the dma-buf */
#define FUZZ_HOST_QUEUE	3		/* stays on host memory */
#define FUZZ_HOST_SPORT	1		/* flows from this port go to FUZZ_HOST_QUEUE */
#define FUZZ_QUEUES	8
#define FUZZ_MAX_DESIGNS 8

struct fuzz_dp {
	const char *design;
	int mode;
	struct dml_host *host;
	struct dml_netdev *dev;
	struct dml_dmabuf *buf;
	struct dml_nl_sock *nl;		/* admin; keeps the binding */
	struct dml_sock *listener;
	uint32_t binding_id;
	size_t pages;
	const unsigned char *map;	/* the dma-buf as the user maps it */
};

static inline void fuzz_fail_setup(const char *what, long err)
{
	fprintf(stderr, "fuzz: setup: %s: %ld\n", what, err);
	abort();
}

/*
 * One host serving token design @design (whose mode it binds in), with
 * @pages of dma-buf and @ring buffers per RX queue.  Returns false when this
 * build has no devmem (S-3.6): the data-path targets then have nothing to do.
 */
static inline bool fuzz_dp_setup(struct fuzz_dp *dp, const struct dml_token_design_info *info,
				 size_t pages, unsigned int ring)
{
	struct dml_host_config hcfg = {
		.rx_ring_size = ring,
		.pp_ring_size = DML_DEFAULT_PP_RING_SIZE,
	};
	struct dml_netdev_config dcfg = {
		.name = "eth0",
		.max_rx_queues = FUZZ_QUEUES,
		.rx_queues = FUZZ_QUEUES,
		.header_split = true,
	};
	struct dml_flow to_host = { .src_port = FUZZ_HOST_SPORT, .dst_port = FUZZ_PORT };
	struct dml_flow to_bound = { .dst_port = FUZZ_PORT };
	const uint32_t q[] = { FUZZ_QUEUE };
	struct dml_bind_rx_req req = { .queues = q, .nr_queues = 1 };
	char errmsg[256];
	void *map;
	int err;

	if (!dml_devmem_enabled())
		return false;
	memset(dp, 0, sizeof(*dp));
	dp->design = info->name;
	dp->mode = info->autorelease;
	dp->pages = pages;
	hcfg.token_design[dp->mode] = info->name;
	if ((err = dml_host_create(&hcfg, &dp->host)))
		fuzz_fail_setup("host", err);
	if ((err = dml_netdev_create(dp->host, &dcfg, &dp->dev)))
		fuzz_fail_setup("netdev", err);
	if ((err = dml_dmabuf_create(pages * DML_PAGE_SIZE, DML_DMABUF_AUTO, &dp->buf)))
		fuzz_fail_setup("dma-buf", err);
	if ((err = dml_nl_open(dp->host, DML_NL_ADMIN, &dp->nl)))
		fuzz_fail_setup("netlink", err);
	req.ifindex = dml_netdev_ifindex(dp->dev);
	req.dmabuf_fd = dml_dmabuf_fd(dp->buf);
	req.autorelease = dp->mode;
	if ((err = dml_bind_rx(dp->nl, &req, &dp->binding_id, errmsg, sizeof(errmsg)))) {
		fprintf(stderr, "fuzz: bind-rx: %s\n", errmsg);
		fuzz_fail_setup("bind-rx", err);
	}
	map = mmap(NULL, pages * DML_PAGE_SIZE, PROT_READ, MAP_SHARED,
		   dml_dmabuf_fd(dp->buf), 0);
	if (map == MAP_FAILED)
		fuzz_fail_setup("mmap", -errno);
	dp->map = map;
	/* Rules match in order: the host-memory flow first. */
	if ((err = dml_netdev_add_ntuple(dp->dev, &to_host, FUZZ_HOST_QUEUE)) < 0 ||
	    (err = dml_netdev_add_ntuple(dp->dev, &to_bound, FUZZ_QUEUE)) < 0)
		fuzz_fail_setup("ntuple", err);
	if ((err = dml_socket(dp->host, SOCK_STREAM, &dp->listener)) ||
	    (err = dml_listen(dp->listener, FUZZ_PORT)))
		fuzz_fail_setup("listener", err);
	fuzz_check_host(dp->host);
	return true;
}

/* A connection from the wire with @cfg, and its accepted socket. */
static inline int fuzz_dp_connect(struct fuzz_dp *dp, struct dml_wire_flow_config *cfg,
				  struct dml_wire_flow **flow, struct dml_sock **sk)
{
	int err;

	cfg->flow.src_addr[15] = 2;
	cfg->flow.dst_addr[15] = 1;
	cfg->flow.dst_port = FUZZ_PORT;
	err = dml_wire_connect(dp->dev, cfg, flow);
	if (err)
		return err;
	err = dml_accept(dp->listener, SOCK_NONBLOCK, sk);
	FUZZ_CHECK(err == 0);
	return 0;
}

/* One host per token design, in the library's order. */
static inline size_t fuzz_dp_setup_all(struct fuzz_dp *dps, size_t pages,
				       unsigned int ring)
{
	size_t n = dml_token_design_count(), i;

	if (n > FUZZ_MAX_DESIGNS)
		n = FUZZ_MAX_DESIGNS;
	for (i = 0; i < n; i++)
		if (!fuzz_dp_setup(&dps[i], dml_token_design(i), pages, ring))
			return 0;
	return n;
}

static inline int fuzz_dontneed(struct dml_sock *sk, uint32_t start, uint32_t count)
{
	struct dmabuf_token t = { .token_start = start, .token_count = count };

	return dml_setsockopt(sk, SOL_SOCKET, SO_DEVMEM_DONTNEED, &t, sizeof(t));
}

#endif /* DML_FUZZ_COMMON_H */
