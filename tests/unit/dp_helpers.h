/* SPDX-License-Identifier: MIT */
/*
 * Data-path fixtures: a host whose queue 7 is bound in a chosen mode, a
 * listener on port 5201 steered to that queue, and one wire flow with its
 * accepted socket; helpers to send a pattern, read devmem cmsgs and return
 * tokens.
 */
#ifndef DML_DP_HELPERS_H
#define DML_DP_HELPERS_H

#include <poll.h>
#include <sys/mman.h>

#include "test_helpers.h"

#define DP_PORT		5201
#define DP_QUEUE	7
#define DP_MAX_CMSGS	512

struct dp {
	struct fixture *f;
	int mode;
	uint32_t binding_id;
	struct dml_sock *listener;
	struct dml_sock *sk;
	struct dml_wire_flow *flow;
	struct dml_wire_flow_config cfg;
	unsigned char *map;		/* the dma-buf, as the user maps it */
	size_t pages;
	uint64_t sent;			/* pattern bytes sent so far */
};

/* One cmsg as the application sees it. */
struct dp_cmsg {
	int type;
	struct dmabuf_cmsg c;
};

struct dp_read {
	ssize_t ret;
	size_t n;
	struct dp_cmsg cm[DP_MAX_CMSGS];
	unsigned char linear[65536];
	unsigned char ctrl[DP_MAX_CMSGS * 40];	/* per read: threads read at once */
};

static inline unsigned char dp_pattern(uint64_t pos)
{
	/* ncdevmem -v 7: bytes 1..6 then '\n', repeating */
	return pos % 7 == 6 ? '\n' : (unsigned char)(pos % 7 + 1);
}

static inline struct dml_wire_flow_config dp_flow_config(uint16_t sport)
{
	struct dml_wire_flow_config cfg = { .mss = 4096, .gro_segs = 1 };

	cfg.flow.src_addr[15] = 2;
	cfg.flow.dst_addr[15] = 1;
	cfg.flow.src_port = sport;
	cfg.flow.dst_port = DP_PORT;
	return cfg;
}

/*
 * The design under test for each mode: set by the conformance runner
 * (dp_run_every_design) before each case; NULL takes the host's default.
 */
static const char *dp_design[2];

/*
 * What the design serving @mode in this case promises where designs
 * differ, as its dml_token_design_info states it: the series' rules are
 * S-4.5's one binding per socket (EFAULT for a second) and S-5.5 / S-6.2's
 * urefs of the binding (any joined socket returns any page; close leaves
 * them until the binding's users reach 0); holder_returns, many_bindings
 * and token_slots replace them by what docs/extensions.md says.  A design
 * added from outside states its own, and is held to them alike.  NULL:
 * the default design, which keeps the series' rules.
 */
static inline const struct dml_token_design_info *dp_rules(int mode)
{
	static const struct dml_token_design_info series = { .name = "(series)" };
	const char *name = mode >= 0 && mode < 2 ? dp_design[mode] : NULL;
	const struct dml_token_design_info *info;
	size_t i;

	for (i = 0; name && (info = dml_token_design(i)); i++)
		if (!strcmp(info->name, name))
			return info;
	return &series;
}

/* Binds queue 7 (unless @mode < 0), listens, connects one flow and accepts it. */
static inline int dp_setup_cfg(void **state, int mode, size_t pages,
			       const struct dml_host_config *hcfg_in,
			       const struct dml_wire_flow_config *cfg)
{
	struct dml_host_config hcfg_local = {
		.rx_ring_size = DML_DEFAULT_RX_RING_SIZE,
		.pp_ring_size = DML_DEFAULT_PP_RING_SIZE,
	};
	const struct dml_host_config *hcfg = &hcfg_local;
	struct dml_flow match = { .dst_port = DP_PORT };
	const uint32_t q[] = { DP_QUEUE };
	struct dp *dp = calloc(1, sizeof(*dp));
	void *fstate;
	long id;

	if (hcfg_in)
		hcfg_local = *hcfg_in;
	if (mode >= 0 && dp_design[mode] && !hcfg_local.token_design[mode])
		hcfg_local.token_design[mode] = dp_design[mode];
	if (!dp || fixture_setup_sized(&fstate, pages, hcfg))
		return -1;
	dp->f = fstate;
	dp->mode = mode;
	if (mode >= 0) {
		id = fixture_bind(dp->f, dp->f->nl, q, 1, mode);
		if (id < 0)
			return -1;
		dp->binding_id = (uint32_t)id;
	}
	dp->cfg = *cfg;
	dp->pages = pages;
	dp->map = mmap(NULL, pages * DML_PAGE_SIZE, PROT_READ, MAP_SHARED,
		       dml_dmabuf_fd(dp->f->buf), 0);
	if (dp->map == MAP_FAILED ||
	    dml_netdev_add_ntuple(dp->f->dev, &match, DP_QUEUE) < 0 ||
	    dml_socket(dp->f->host, SOCK_STREAM, &dp->listener) ||
	    dml_listen(dp->listener, DP_PORT) ||
	    dml_wire_connect(dp->f->dev, &dp->cfg, &dp->flow) ||
	    dml_accept(dp->listener, SOCK_NONBLOCK, &dp->sk))
		return -1;
	*state = dp;
	return 0;
}

static inline int dp_setup_mode(void **state, int mode)
{
	struct dml_wire_flow_config cfg = dp_flow_config(40000);

	return dp_setup_cfg(state, mode, FIXTURE_PAGES, NULL, &cfg);
}

static inline int dp_setup0(void **state)
{
	return dp_setup_mode(state, 0);
}

static inline int dp_setup1(void **state)
{
	return dp_setup_mode(state, 1);
}

static inline int dp_teardown(void **state)
{
	struct dp *dp = *state;
	void *fstate = dp->f;
	char report[256];
	int checked;

	checked = dml_host_check(dp->f->host, report, sizeof(report));
	if (checked)
		fprintf(stderr, "# invariant checker: %s\n", report);
	dml_wire_close(dp->flow);
	dml_close(dp->sk);
	dml_close(dp->listener);
	munmap(dp->map, dp->pages * DML_PAGE_SIZE);
	free(dp);
	return fixture_teardown(&fstate) || checked ? -1 : 0;
}

/* Sends @len pattern bytes; returns what the NIC took. */
static inline ssize_t dp_send(struct dp *dp, size_t len)
{
	unsigned char *buf = malloc(len ? len : 1);
	ssize_t n;
	size_t i;

	for (i = 0; i < len; i++)
		buf[i] = dp_pattern(dp->sent + i);
	n = dml_wire_send(dp->flow, buf, len);
	if (n > 0)
		dp->sent += (uint64_t)n;
	free(buf);
	return n;
}

/* One recvmsg with @iov_len bytes of iovec and room for @cmsg_room bytes of cmsgs. */
static inline void dp_recv(struct dml_sock *sk, size_t iov_len, size_t cmsg_room,
			   int flags, struct dp_read *r)
{
	struct iovec iov = { .iov_base = r->linear, .iov_len = iov_len };
	struct msghdr msg = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = cmsg_room ? r->ctrl : NULL,
		.msg_controllen = cmsg_room,
	};
	struct cmsghdr *cm;

	assert_true(iov_len <= sizeof(r->linear));
	assert_true(cmsg_room <= sizeof(r->ctrl));
	r->n = 0;
	r->ret = dml_recvmsg(sk, &msg, flags);
	if (r->ret <= 0 || !cmsg_room)
		return;
	for (cm = CMSG_FIRSTHDR(&msg); cm; cm = CMSG_NXTHDR(&msg, cm)) {
		assert_int_equal(cm->cmsg_level, SOL_SOCKET);
		assert_int_equal(cm->cmsg_len, CMSG_LEN(sizeof(struct dmabuf_cmsg)));
		r->cm[r->n].type = cm->cmsg_type;
		memcpy(&r->cm[r->n].c, CMSG_DATA(cm), sizeof(struct dmabuf_cmsg));
		r->n++;
	}
}

static inline int dp_dontneed(struct dml_sock *sk, uint32_t start, uint32_t count)
{
	struct dmabuf_token t = { .token_start = start, .token_count = count };

	return dml_setsockopt(sk, SOL_SOCKET, SO_DEVMEM_DONTNEED, &t, sizeof(t));
}

/* Returns every DMABUF token of @r one by one; the count released. */
static inline int dp_return_all(struct dml_sock *sk, const struct dp_read *r)
{
	int total = 0, n;
	size_t i;

	for (i = 0; i < r->n; i++) {
		if (r->cm[i].type != SCM_DEVMEM_DMABUF)
			continue;
		n = dp_dontneed(sk, r->cm[i].c.frag_token, 1);
		if (n < 0)
			return n;
		total += n;
	}
	return total;
}

/* The payload of @r (dma-buf bytes via the user's mapping) matches the pattern from @pos. */
static inline void dp_verify(const struct dp *dp, const struct dp_read *r, uint64_t pos)
{
	size_t i, lin = 0;
	uint32_t k;

	for (i = 0; i < r->n; i++) {
		const struct dmabuf_cmsg *c = &r->cm[i].c;
		const unsigned char *src = r->cm[i].type == SCM_DEVMEM_DMABUF
						   ? dp->map + c->frag_offset
						   : r->linear + lin;

		if (r->cm[i].type == SCM_DEVMEM_LINEAR)
			lin += c->frag_size;
		for (k = 0; k < c->frag_size; k++, pos++)
			if (src[k] != dp_pattern(pos))
				fail_msg("byte %llu: got %u want %u",
					 (unsigned long long)pos, src[k], dp_pattern(pos));
	}
}

static inline void dp_assert_clean(struct dp *dp)
{
	char report[256];

	if (dml_host_check(dp->f->host, report, sizeof(report)))
		fail_msg("invariant checker: %s", report);
}

/* ---- shared by the token-return and teardown tests ---------------------- */

/* A second wire flow (source port @sport) to the listener, and its accepted socket. */
static inline void dp_connect(struct dp *dp, uint16_t sport,
			      struct dml_wire_flow **flow, struct dml_sock **sk)
{
	struct dml_wire_flow_config cfg = dp_flow_config(sport);

	assert_ok(dml_wire_connect(dp->f->dev, &cfg, flow));
	assert_ok(dml_accept(dp->listener, SOCK_NONBLOCK, sk));
}

/* Sends @len pattern bytes from stream offset @pos on @flow; returns what the NIC took. */
static inline ssize_t dp_flow_send(struct dml_wire_flow *flow, uint64_t pos,
				   size_t len)
{
	unsigned char *buf = malloc(len ? len : 1);
	ssize_t n;
	size_t i;

	assert_non_null(buf);
	for (i = 0; i < len; i++)
		buf[i] = dp_pattern(pos + i);
	n = dml_wire_send(flow, buf, len);
	free(buf);
	return n;
}

/* SO_DEVMEM_DONTNEED with @n entries. */
static inline int dp_dontneed_v(struct dml_sock *sk, const struct dmabuf_token *t,
				size_t n)
{
	return dml_setsockopt(sk, SOL_SOCKET, SO_DEVMEM_DONTNEED, t,
			      (socklen_t)(n * sizeof(*t)));
}

/* Unbinds every binding of the fixture: its netlink socket goes (S-3.3). */
static inline void dp_unbind(struct dp *dp)
{
	dml_nl_close(dp->f->nl);
	dp->f->nl = NULL;
}

struct dp_pool_find {
	uint32_t dmabuf_id;
	int found;
	uint64_t inflight;
};

static inline int dp_pool_find_cb(const struct nlmsghdr *nlh, void *arg)
{
	struct dp_pool_find *pf = arg;
	const struct nlattr *dmabuf = genl_attr(nlh, NETDEV_A_PAGE_POOL_DMABUF);
	const struct nlattr *inflight = genl_attr(nlh, NETDEV_A_PAGE_POOL_INFLIGHT);

	if (!dmabuf || mnl_attr_get_u32(dmabuf) != pf->dmabuf_id)
		return 0;
	pf->found++;
	if (inflight)
		pf->inflight += mnl_attr_get_payload_len(inflight) == 8
					? mnl_attr_get_u64(inflight)
					: mnl_attr_get_u32(inflight);
	return 0;
}

/*
 * page-pool-get dump through a fresh (non-admin) netlink socket: the
 * net_iovs in flight in the pools naming binding @id, or -1 when no pool
 * names it.
 */
static inline long dp_pool_inflight(struct dp *dp, uint32_t id)
{
	struct dp_pool_find pf = { .dmabuf_id = id };
	struct dml_nl_sock *nl;
	union nl_buf b;
	int family, err;

	assert_ok(dml_nl_open(dp->f->host, 0, &nl));
	family = netdev_family(nl);
	assert_true(family > 0);
	err = dml_nl_transact(nl, genl_req(&b, (uint16_t)family,
					   NETDEV_CMD_PAGE_POOL_GET, NLM_F_DUMP),
			      dp_pool_find_cb, &pf, NULL, 0);
	dml_nl_close(nl);
	assert_ok(err);
	return pf.found ? (long)pf.inflight : -1;
}

/*
 * Reads @len devmem bytes from @sk in as many calls as needed, checking the
 * payload against the pattern from stream offset @pos, and records the
 * token of each DMABUF cmsg in @tokens (room for @max); returns how many.
 */
static inline size_t dp_recv_tokens(const struct dp *dp, struct dml_sock *sk,
				    size_t len, uint64_t pos, uint32_t *tokens,
				    size_t max)
{
	struct dp_read *r = malloc(sizeof(*r));
	size_t got = 0, n = 0, i;

	assert_non_null(r);
	while (got < len) {
		size_t want = len - got < sizeof(r->linear) ? len - got
							    : sizeof(r->linear);

		dp_recv(sk, want, DP_MAX_CMSGS * CMSG_SPACE(sizeof(struct dmabuf_cmsg)),
			MSG_SOCK_DEVMEM | MSG_DONTWAIT, r);
		if (r->ret <= 0)
			fail_msg("recvmsg after %zu of %zu bytes: %zd", got, len, r->ret);
		dp_verify(dp, r, pos + got);
		for (i = 0; i < r->n; i++) {
			if (r->cm[i].type != SCM_DEVMEM_DMABUF)
				continue;
			assert_true(n < max);
			tokens[n++] = r->cm[i].c.frag_token;
		}
		got += (size_t)r->ret;
	}
	free(r);
	return n;
}

/*
 * The conformance runner: every case whose name says its mode (a T0 name
 * ending in the setup's mode digit, or "autorelease=N" in it) runs once per
 * design of that mode, from the library's own table of designs; the row's
 * mode says which expectations apply (niov's page-index tokens and reclaim
 * at unbind, or fresh ids and release at close).  Other cases run once.
 */
struct dp_design_case {
	const char *design;
	int mode;
	CMFixtureFunction setup;
	void *initial_state;
	char name[160];
};

static inline int dp_case_mode(const char *name)
{
	const char *ar = strstr(name, "autorelease=");
	size_t len = strlen(name);

	if (ar && (ar[12] == '0' || ar[12] == '1'))
		return ar[12] - '0';
	if (strstr(name, "/dp_setup") && len && (name[len - 1] == '0' || name[len - 1] == '1'))
		return name[len - 1] - '0';
	return -1;
}

static inline int dp_design_setup(void **state)
{
	struct dp_design_case *c = *state;

	dp_design[0] = dp_design[1] = NULL;
	if (c->mode >= 0)
		dp_design[c->mode] = c->design;
	*state = c->initial_state;
	return c->setup ? c->setup(state) : 0;
}

static inline int dp_run_every_design(const char *file, const struct CMUnitTest *tests,
				      size_t n)
{
	size_t nd = dml_token_design_count(), i, d, k = 0;
	struct dp_design_case *cases = calloc(n * nd, sizeof(*cases));
	struct CMUnitTest *all = calloc(n * nd, sizeof(*all));
	int ret;

	if (!cases || !all)
		return 1;
	for (i = 0; i < n; i++) {
		int mode = dp_case_mode(tests[i].name);

		for (d = 0; d < nd; d++) {
			const struct dml_token_design_info *info = dml_token_design(d);

			if (mode >= 0 && info->autorelease != mode)
				continue;
			cases[k] = (struct dp_design_case){
				.design = mode >= 0 ? info->name : NULL,
				.mode = mode,
				.setup = tests[i].setup_func,
				.initial_state = tests[i].initial_state,
			};
			snprintf(cases[k].name, sizeof(cases[k].name), "%s%s%s", tests[i].name,
				 mode >= 0 ? "@" : "", mode >= 0 ? info->name : "");
			all[k] = tests[i];
			all[k].name = cases[k].name;
			all[k].setup_func = dp_design_setup;
			all[k].initial_state = &cases[k];
			k++;
			if (mode < 0)
				break;
		}
	}
	ret = run_tap(file, all, k);
	free(all);
	free(cases);
	return ret;
}

#define RUN_EVERY_DESIGN(tests) \
	dp_run_every_design(__FILE__, tests, sizeof(tests) / sizeof(tests[0]))

#endif /* DML_DP_HELPERS_H */
