/* SPDX-License-Identifier: MIT */
/*
 * Shared test fixtures: a host with one NIC, a dma-buf, netlink sockets, and
 * typed asserts for -errno results.  Every test runs cmocka with TAP output
 * so meson counts each case.
 */
#ifndef DML_TEST_HELPERS_H
#define DML_TEST_HELPERS_H

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>

#include "devmem/devmem.h"

/* An -errno result, printed by name when it is not the one expected. */
#define assert_errno(expr, want)                                             \
	do {                                                                 \
		long dml_got_ = (long)(expr);                                \
		if (dml_got_ != (long)(want))                                \
			fail_msg("%s = %ld (%s), want %ld (%s)", #expr,      \
				 dml_got_, strerror((int)-dml_got_),         \
				 (long)(want), strerror((int)-(want)));      \
	} while (0)

#define assert_ok(expr) assert_errno((expr), 0)

struct fixture {
	struct dml_host *host;
	struct dml_netdev *dev;
	uint32_t ifindex;
	struct dml_dmabuf *buf;
	struct dml_nl_sock *nl;		/* admin */
	char errmsg[256];
};

#define FIXTURE_QUEUES	8
#define FIXTURE_PAGES	64

static inline int fixture_setup_sized(void **state, size_t pages,
				      const struct dml_host_config *cfg)
{
	struct dml_netdev_config dev_cfg = {
		.name = "eth0",
		.max_rx_queues = FIXTURE_QUEUES,
		.rx_queues = FIXTURE_QUEUES,
		.header_split = true,
	};
	struct fixture *f = calloc(1, sizeof(*f));

	if (!f || dml_host_create(cfg, &f->host) ||
	    dml_netdev_create(f->host, &dev_cfg, &f->dev) ||
	    dml_dmabuf_create(pages * DML_PAGE_SIZE, DML_DMABUF_AUTO, &f->buf) ||
	    dml_nl_open(f->host, DML_NL_ADMIN, &f->nl))
		return -1;
	f->ifindex = dml_netdev_ifindex(f->dev);
	*state = f;
	return 0;
}

static inline int fixture_setup(void **state)
{
	return fixture_setup_sized(state, FIXTURE_PAGES, NULL);
}

static inline int fixture_teardown(void **state)
{
	struct fixture *f = *state;
	unsigned long warnings;

	dml_nl_close(f->nl);
	dml_dmabuf_destroy(f->buf);
	warnings = dml_host_warnings(f->host);
	dml_host_destroy(f->host);
	free(f);
	/* A broken invariant anywhere in the test fails it. */
	return warnings ? -1 : 0;
}

/* bind-rx of @n queues through real netlink bytes; returns id or -errno. */
static inline long fixture_bind(struct fixture *f, struct dml_nl_sock *nl,
				const uint32_t *queues, size_t n, int autorelease)
{
	struct dml_bind_rx_req req = {
		.ifindex = f->ifindex,
		.dmabuf_fd = dml_dmabuf_fd(f->buf),
		.queues = queues,
		.nr_queues = n,
		.autorelease = autorelease,
	};
	uint32_t id;
	int err;

	err = dml_bind_rx(nl, &req, &id, f->errmsg, sizeof(f->errmsg));
	return err ? err : (long)id;
}

union nl_buf {
	unsigned char buf[16384];
	struct nlmsghdr nlh;
};

/* A generic netlink request header for @family / @cmd in @buf. */
static inline struct nlmsghdr *genl_req(union nl_buf *b, uint16_t family,
					uint8_t cmd, uint16_t flags)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(b->buf);
	struct genlmsghdr *genlh;

	nlh->nlmsg_type = family;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
	nlh->nlmsg_seq = 7;
	genlh = mnl_nlmsg_put_extra_header(nlh, sizeof(*genlh));
	genlh->cmd = cmd;
	genlh->version = 1;
	return nlh;
}

/* What came back for one raw request. */
struct nl_result {
	int error;		/* of the NLMSG_ERROR, 0 for an ack */
	bool got_error;		/* an NLMSG_ERROR arrived */
	char msg[256];		/* NLMSGERR_ATTR_MSG */
	bool has_offs;
	uint32_t offs;		/* NLMSGERR_ATTR_OFFS */
	bool has_miss_type;
	uint32_t miss_type;
	int replies;		/* messages other than NLMSG_ERROR */
	union nl_buf first;	/* the first of those */
};

static inline int nl_result_attr_cb(const struct nlattr *attr, void *arg)
{
	struct nl_result *r = arg;

	switch (mnl_attr_get_type(attr)) {
	case NLMSGERR_ATTR_MSG:
		snprintf(r->msg, sizeof(r->msg), "%s", mnl_attr_get_str(attr));
		break;
	case NLMSGERR_ATTR_OFFS:
		r->has_offs = true;
		r->offs = mnl_attr_get_u32(attr);
		break;
	case NLMSGERR_ATTR_MISS_TYPE:
		r->has_miss_type = true;
		r->miss_type = mnl_attr_get_u32(attr);
		break;
	}
	return MNL_CB_OK;
}

/* Sends raw bytes and drains every reply; returns the NLMSG_ERROR's error. */
static inline int nl_exchange(struct dml_nl_sock *nl, const void *req, size_t len,
			      struct nl_result *r)
{
	union nl_buf in;
	ssize_t n, sent;

	memset(r, 0, sizeof(*r));
	sent = dml_nl_send(nl, req, len);
	if (sent < 0)
		return (int)sent;
	while ((n = dml_nl_recv(nl, in.buf, sizeof(in.buf))) > 0) {
		if (in.nlh.nlmsg_type == NLMSG_ERROR) {
			const struct nlmsgerr *e = mnl_nlmsg_get_payload(&in.nlh);

			r->got_error = true;
			r->error = e->error;
			if (in.nlh.nlmsg_flags & NLM_F_ACK_TLVS)
				mnl_attr_parse(&in.nlh, sizeof(*e), nl_result_attr_cb, r);
		} else if (r->replies++ == 0) {
			memcpy(r->first.buf, in.buf, (size_t)n);
		}
	}
	return r->error;
}

static inline int netdev_family(struct dml_nl_sock *nl)
{
	return dml_genl_family_id(nl, NETDEV_FAMILY_NAME);
}

/* The first top-level attribute of @type in a genetlink message, or NULL. */
static inline const struct nlattr *genl_attr(const struct nlmsghdr *nlh,
					     uint16_t type)
{
	const struct nlattr *attr;

	mnl_attr_for_each(attr, nlh, GENL_HDRLEN)
		if (mnl_attr_get_type(attr) == type)
			return attr;
	return NULL;
}

/*
 * Never call cmocka's skip() in a case: its TAP line is "not ok # SKIP",
 * which meson counts as a failure.  Put such cases in a suite that skips.
 *
 * A build without devmem (S-3.6) skips the suites that need a binding; a
 * suite that runs either way defines DML_TEST_WITHOUT_DEVMEM first.
 */
static inline int run_tap(const char *name, const struct CMUnitTest *tests,
			  size_t n)
{
#ifndef DML_TEST_WITHOUT_DEVMEM
	if (!dml_devmem_enabled()) {
		printf("1..0 # SKIP devmem is disabled in this build\n");
		return 0;
	}
#endif
	cmocka_set_message_output(CM_OUTPUT_TAP);
	return _cmocka_run_group_tests(name, tests, n, NULL, NULL);
}

#define RUN_TESTS(tests) run_tap(__FILE__, tests, sizeof(tests) / sizeof(tests[0]))

#endif /* DML_TEST_HELPERS_H */
