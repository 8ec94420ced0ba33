// SPDX-License-Identifier: MIT
/*
 * Netlink socket semantics of issue 15: the SOL_NETLINK options, NLMSG_ERROR
 * exactly as netlink_ack() builds it under each NETLINK_CAP_ACK /
 * NETLINK_EXT_ACK setting, recvmsg's MSG_PEEK / MSG_TRUNC, and the multicast
 * groups nlctrl advertises.
 */
#define DML_TEST_WITHOUT_DEVMEM
#include "test_helpers.h"

static int sockopt_int(struct dml_nl_sock *nl, int optname)
{
	socklen_t len = sizeof(int);
	int v = -1;

	assert_ok(dml_nl_getsockopt(nl, SOL_NETLINK, optname, &v, &len));
	assert_int_equal(len, sizeof(int));
	return v;
}

static void set_int(struct dml_nl_sock *nl, int optname, int v)
{
	assert_ok(dml_nl_setsockopt(nl, SOL_NETLINK, optname, &v, sizeof(v)));
}

/* Issue 15: DML_NL_KERNEL_DEFAULTS starts as socket(2) does; the default keeps both acks on. */
static void test_defaults(void **state)
{
	struct fixture *f = *state;
	struct dml_nl_sock *nl;

	assert_int_equal(sockopt_int(f->nl, NETLINK_CAP_ACK), 1);
	assert_int_equal(sockopt_int(f->nl, NETLINK_EXT_ACK), 1);
	assert_int_equal(sockopt_int(f->nl, NETLINK_GET_STRICT_CHK), 0);
	assert_int_equal(sockopt_int(f->nl, NETLINK_NO_ENOBUFS), 0);

	assert_ok(dml_nl_open(f->host, DML_NL_KERNEL_DEFAULTS, &nl));
	assert_int_equal(sockopt_int(nl, NETLINK_CAP_ACK), 0);
	assert_int_equal(sockopt_int(nl, NETLINK_EXT_ACK), 0);
	assert_int_equal(sockopt_int(nl, NETLINK_GET_STRICT_CHK), 0);
	set_int(nl, NETLINK_EXT_ACK, 1);
	set_int(nl, NETLINK_GET_STRICT_CHK, 7);
	set_int(nl, NETLINK_NO_ENOBUFS, 1);
	assert_int_equal(sockopt_int(nl, NETLINK_EXT_ACK), 1);
	assert_int_equal(sockopt_int(nl, NETLINK_GET_STRICT_CHK), 1);
	assert_int_equal(sockopt_int(nl, NETLINK_NO_ENOBUFS), 1);
	assert_int_equal(sockopt_int(nl, NETLINK_CAP_ACK), 0);
	set_int(nl, NETLINK_EXT_ACK, 0);
	assert_int_equal(sockopt_int(nl, NETLINK_EXT_ACK), 0);
	dml_nl_close(nl);
	assert_errno(dml_nl_open(f->host, 1u << 2, &nl), -EINVAL);
}

/* Issue 15: option lengths and errors as net/netlink/af_netlink.c checks them. */
static void test_sockopt_errors(void **state)
{
	struct fixture *f = *state;
	char big[8] = { 0 };
	socklen_t len;
	int v = 1;

	assert_errno(dml_nl_setsockopt(f->nl, SOL_SOCKET, NETLINK_CAP_ACK, &v, sizeof(v)),
		     -ENOPROTOOPT);
	assert_errno(dml_nl_setsockopt(f->nl, SOL_NETLINK, NETLINK_PKTINFO, &v, sizeof(v)),
		     -ENOPROTOOPT);
	assert_errno(dml_nl_setsockopt(f->nl, SOL_NETLINK, NETLINK_CAP_ACK, NULL, sizeof(v)),
		     -EFAULT);
	/* shorter than an int reads as 0: the option goes off */
	assert_ok(dml_nl_setsockopt(f->nl, SOL_NETLINK, NETLINK_CAP_ACK, &v, 2));
	assert_int_equal(sockopt_int(f->nl, NETLINK_CAP_ACK), 0);
	/* longer is fine: the first int counts */
	big[0] = 1;
	assert_ok(dml_nl_setsockopt(f->nl, SOL_NETLINK, NETLINK_CAP_ACK, big, sizeof(big)));
	assert_int_equal(sockopt_int(f->nl, NETLINK_CAP_ACK), 1);

	len = sizeof(int) - 1;
	assert_errno(dml_nl_getsockopt(f->nl, SOL_NETLINK, NETLINK_CAP_ACK, &v, &len), -EINVAL);
	len = (socklen_t)-1;
	assert_errno(dml_nl_getsockopt(f->nl, SOL_NETLINK, NETLINK_CAP_ACK, &v, &len), -EINVAL);
	assert_errno(dml_nl_getsockopt(f->nl, SOL_NETLINK, NETLINK_CAP_ACK, &v, NULL), -EFAULT);
	len = sizeof(big);
	assert_ok(dml_nl_getsockopt(f->nl, SOL_NETLINK, NETLINK_CAP_ACK, big, &len));
	assert_int_equal(len, sizeof(int));
	len = sizeof(int);
	assert_errno(dml_nl_getsockopt(f->nl, SOL_SOCKET, NETLINK_CAP_ACK, &v, &len), -ENOPROTOOPT);
	assert_errno(dml_nl_getsockopt(f->nl, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &v, &len),
		     -ENOPROTOOPT);
}

struct groups {
	char name[4][32];
	uint32_t id[4];
	int n;
};

static int group_cb(const struct nlattr *attr, void *arg)
{
	struct groups *g = arg;
	const struct nlattr *a;

	mnl_attr_for_each_nested(a, attr) {
		if (mnl_attr_get_type(a) == CTRL_ATTR_MCAST_GRP_ID)
			g->id[g->n] = mnl_attr_get_u32(a);
		else if (mnl_attr_get_type(a) == CTRL_ATTR_MCAST_GRP_NAME)
			snprintf(g->name[g->n], sizeof(g->name[0]), "%s", mnl_attr_get_str(a));
	}
	g->n++;
	return MNL_CB_OK;
}

/* The groups CTRL_CMD_GETFAMILY advertises for @family. */
static void family_groups(struct fixture *f, const char *family, struct groups *g)
{
	const struct nlattr *grps;
	struct nl_result r;
	union nl_buf b;
	struct nlmsghdr *nlh = genl_req(&b, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, 0);

	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, family);
	assert_ok(nl_exchange(f->nl, nlh, nlh->nlmsg_len, &r));
	assert_int_equal(r.replies, 1);
	memset(g, 0, sizeof(*g));
	grps = genl_attr(&r.first.nlh, CTRL_ATTR_MCAST_GROUPS);
	assert_non_null(grps);
	assert_ok(mnl_attr_parse_nested(grps, group_cb, g) < 0 ? -1 : 0);
}

/*
 * Issue 15: nlctrl advertises netdev's "mgmt" and "page-pool" groups and
 * ethtool's "monitor" (ynl reads them); those ids can be joined and left,
 * nothing else.
 */
static void test_mcast_groups(void **state)
{
	struct fixture *f = *state;
	uint32_t joined, bad[] = { 0, 1, 31, 32, 1000 };
	struct groups g;
	socklen_t len;
	size_t i;

	family_groups(f, "netdev", &g);
	assert_int_equal(g.n, 2);
	assert_string_equal(g.name[0], "mgmt");
	assert_string_equal(g.name[1], "page-pool");
	assert_true(g.id[0] != g.id[1]);

	assert_ok(dml_nl_setsockopt(f->nl, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP,
				    &g.id[1], sizeof(g.id[1])));
	len = sizeof(joined);
	assert_ok(dml_nl_getsockopt(f->nl, SOL_NETLINK, NETLINK_LIST_MEMBERSHIPS, &joined, &len));
	assert_int_equal(len, sizeof(joined));
	assert_int_equal(joined, 1u << g.id[1]);
	assert_ok(dml_nl_setsockopt(f->nl, SOL_NETLINK, NETLINK_DROP_MEMBERSHIP,
				    &g.id[1], sizeof(g.id[1])));
	len = sizeof(joined);
	assert_ok(dml_nl_getsockopt(f->nl, SOL_NETLINK, NETLINK_LIST_MEMBERSHIPS, &joined, &len));
	assert_int_equal(joined, 0);
	/* too little room: only the size comes back */
	len = 0;
	assert_ok(dml_nl_getsockopt(f->nl, SOL_NETLINK, NETLINK_LIST_MEMBERSHIPS, NULL, &len));
	assert_int_equal(len, sizeof(joined));

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_errno(dml_nl_setsockopt(f->nl, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP,
					       &bad[i], sizeof(bad[i])), -EINVAL);
	/* a short value is group 0 */
	assert_errno(dml_nl_setsockopt(f->nl, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP,
				       &g.id[0], 2), -EINVAL);

	family_groups(f, "ethtool", &g);
	assert_int_equal(g.n, 1);
	assert_string_equal(g.name[0], "monitor");
	assert_ok(dml_nl_setsockopt(f->nl, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP,
				    &g.id[0], sizeof(g.id[0])));

	family_groups(f, "nlctrl", &g);
	assert_int_equal(g.n, 1);
	assert_string_equal(g.name[0], "notify");
	assert_int_equal(g.id[0], GENL_ID_CTRL);
}

/* A dev-get whose ifindex is a u16: refused by the policy, the attribute named. */
static struct nlmsghdr *bad_dev_get(struct fixture *f, union nl_buf *b,
				    struct dml_nl_sock *nl, const struct nlattr **attr)
{
	struct nlmsghdr *nlh = genl_req(b, (uint16_t)netdev_family(nl), NETDEV_CMD_DEV_GET, 0);

	(void)f;
	*attr = (const struct nlattr *)mnl_nlmsg_get_payload_tail(nlh);
	mnl_attr_put_u16(nlh, NETDEV_A_DEV_IFINDEX, 1);
	return nlh;
}

struct err_reply {
	union nl_buf b;
	ssize_t len;
	const struct nlmsgerr *err;
	size_t tlv_off;		/* where the TLVs would start */
};

static void recv_error(struct dml_nl_sock *nl, struct err_reply *e)
{
	e->len = dml_nl_recv(nl, e->b.buf, sizeof(e->b.buf));
	assert_true(e->len > 0);
	assert_int_equal(e->b.nlh.nlmsg_len, e->len);
	assert_int_equal(e->b.nlh.nlmsg_type, NLMSG_ERROR);
	e->err = mnl_nlmsg_get_payload(&e->b.nlh);
	assert_int_equal(dml_nl_recv(nl, e->b.buf + sizeof(e->b.buf) / 2, 64), -EAGAIN);
}

/*
 * Issue 15: NLMSG_ERROR bytes under each setting, as netlink_ack(): an
 * error echoes the request unless CAP_ACK (then NLM_F_CAPPED and the header
 * only); TLVs and NLM_F_ACK_TLVS only with EXT_ACK, the offset pointing at
 * the attribute at fault in the request.
 */
static void test_error_bytes(void **state)
{
	struct fixture *f = *state;
	static const int settings[4][2] = { { 0, 0 }, { 1, 0 }, { 0, 1 }, { 1, 1 } };
	int s;

	for (s = 0; s < 4; s++) {
		int cap = settings[s][0], ext = settings[s][1];
		const struct nlattr *attr;
		struct dml_nl_sock *nl;
		struct err_reply e;
		struct nl_result r;
		struct nlmsghdr *req;
		union nl_buf b;
		size_t base;

		/* Whole buffers compared byte for byte: no byte left unwritten. */
		memset(&b, 0, sizeof(b));
		memset(&e, 0, sizeof(e));
		assert_ok(dml_nl_open(f->host, DML_NL_KERNEL_DEFAULTS, &nl));
		set_int(nl, NETLINK_CAP_ACK, cap);
		set_int(nl, NETLINK_EXT_ACK, ext);
		req = bad_dev_get(f, &b, nl, &attr);
		assert_int_equal(dml_nl_send(nl, req, req->nlmsg_len), req->nlmsg_len);
		recv_error(nl, &e);

		assert_int_equal(e.err->error, -EINVAL);
		assert_memory_equal(&e.err->msg, req, sizeof(*req));
		assert_int_equal(e.b.nlh.nlmsg_seq, req->nlmsg_seq);
		assert_int_equal(e.b.nlh.nlmsg_pid, dml_nl_portid(nl));
		if (cap) {
			base = NLMSG_HDRLEN + sizeof(struct nlmsgerr);
		} else {
			base = NLMSG_HDRLEN + sizeof(struct nlmsgerr) - NLMSG_HDRLEN +
			       NLMSG_ALIGN(req->nlmsg_len);
			/* the whole request, byte for byte */
			assert_memory_equal(&e.err->msg, req, req->nlmsg_len);
		}
		assert_int_equal(e.b.nlh.nlmsg_flags,
				 (cap ? NLM_F_CAPPED : 0) | (ext ? NLM_F_ACK_TLVS : 0));
		if (!ext) {
			assert_int_equal(e.len, base);
		} else {
			assert_true((size_t)e.len > base);
			memset(&r, 0, sizeof(r));
			assert_true(mnl_attr_parse(&e.b.nlh, (unsigned int)(base - NLMSG_HDRLEN),
						   nl_result_attr_cb, &r) >= 0);
			assert_true(r.has_offs);
			assert_int_equal(r.offs, (const char *)attr - (const char *)req);
			assert_non_null(strstr(r.msg, "invalid attribute length"));
		}
		dml_nl_close(nl);
	}
}

/* Issue 15: an ack of success is always capped: the header only, no TLV. */
static void test_ack_bytes(void **state)
{
	struct fixture *f = *state;
	int s;

	for (s = 0; s < 2; s++) {
		struct dml_nl_sock *nl;
		struct err_reply e;
		struct nlmsghdr *req;
		union nl_buf b, reply;
		int family;

		assert_ok(dml_nl_open(f->host, DML_NL_KERNEL_DEFAULTS, &nl));
		set_int(nl, NETLINK_EXT_ACK, s);
		family = netdev_family(nl);
		assert_true(family > 0);
		req = genl_req(&b, (uint16_t)family, NETDEV_CMD_DEV_GET, 0);
		mnl_attr_put_u32(req, NETDEV_A_DEV_IFINDEX, f->ifindex);
		assert_int_equal(dml_nl_send(nl, req, req->nlmsg_len), req->nlmsg_len);
		assert_true(dml_nl_recv(nl, reply.buf, sizeof(reply.buf)) > 0);
		assert_int_equal(reply.nlh.nlmsg_type, family);
		recv_error(nl, &e);
		assert_int_equal(e.err->error, 0);
		assert_int_equal(e.len, NLMSG_HDRLEN + sizeof(struct nlmsgerr));
		assert_int_equal(e.b.nlh.nlmsg_flags, NLM_F_CAPPED);
		dml_nl_close(nl);
	}
}

/* Issue 15: a missing attribute is named by MISS_TYPE only with EXT_ACK. */
static void test_missing_attr_tlv(void **state)
{
	struct fixture *f = *state;
	struct nlmsghdr *req;
	struct nl_result r;
	union nl_buf b;

	req = genl_req(&b, (uint16_t)netdev_family(f->nl), NETDEV_CMD_DEV_GET, 0);
	assert_errno(nl_exchange(f->nl, req, req->nlmsg_len, &r), -EINVAL);
	assert_true(r.has_miss_type);
	assert_int_equal(r.miss_type, NETDEV_A_DEV_IFINDEX);
	set_int(f->nl, NETLINK_EXT_ACK, 0);
	assert_errno(nl_exchange(f->nl, req, req->nlmsg_len, &r), -EINVAL);
	assert_false(r.has_miss_type);
	assert_string_equal(r.msg, "");
}

/* Issue 15: recvmsg semantics: MSG_PEEK, a cut message, MSG_TRUNC, empty. */
static void test_recvmsg(void **state)
{
	struct fixture *f = *state;
	unsigned char small[8], whole[512];
	struct nlmsghdr *req;
	union nl_buf b;
	int mflags = 0;
	ssize_t full;

	assert_false(dml_nl_pending(f->nl));
	assert_errno(dml_nl_recvmsg(f->nl, whole, sizeof(whole), 0, &mflags), -EAGAIN);
	req = genl_req(&b, (uint16_t)netdev_family(f->nl), NETDEV_CMD_DEV_GET, 0);
	assert_int_equal(dml_nl_send(f->nl, req, req->nlmsg_len), req->nlmsg_len);
	assert_true(dml_nl_pending(f->nl));

	/* ynl's size probe: peek with no room, the full length back */
	full = dml_nl_recvmsg(f->nl, NULL, 0, MSG_PEEK | MSG_TRUNC, &mflags);
	assert_true(full > (ssize_t)sizeof(small) && full <= (ssize_t)sizeof(whole));
	assert_int_equal(mflags, MSG_TRUNC);
	mflags = 0;
	assert_int_equal(dml_nl_recvmsg(f->nl, small, sizeof(small), MSG_PEEK, &mflags),
			 sizeof(small));
	assert_int_equal(mflags, MSG_TRUNC);
	mflags = 0;
	assert_int_equal(dml_nl_recvmsg(f->nl, whole, sizeof(whole), MSG_PEEK, &mflags), full);
	assert_int_equal(mflags, 0);
	assert_memory_equal(small, whole, sizeof(small));
	assert_errno(dml_nl_recvmsg(f->nl, NULL, 4, 0, NULL), -EFAULT);
	assert_errno(dml_nl_recvmsg(f->nl, whole, sizeof(whole), MSG_OOB, NULL), -EOPNOTSUPP);
	assert_true(dml_nl_pending(f->nl));

	/* cut without PEEK: consumed, MSG_TRUNC; with MSG_TRUNC the full length */
	assert_int_equal(dml_nl_recvmsg(f->nl, small, sizeof(small), MSG_TRUNC, &mflags), full);
	assert_int_equal(mflags, MSG_TRUNC);
	assert_false(dml_nl_pending(f->nl));
	assert_errno(dml_nl_recvmsg(f->nl, whole, sizeof(whole), 0, NULL), -EAGAIN);

	assert_int_equal(dml_nl_send(f->nl, req, req->nlmsg_len), req->nlmsg_len);
	mflags = 0;
	assert_int_equal(dml_nl_recvmsg(f->nl, small, sizeof(small), 0, &mflags), sizeof(small));
	assert_int_equal(mflags, MSG_TRUNC);
	assert_false(dml_nl_pending(f->nl));
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, fixture_setup, fixture_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_defaults),
		T(test_sockopt_errors),
		T(test_mcast_groups),
		T(test_error_bytes),
		T(test_ack_bytes),
		T(test_missing_attr_tlv),
		T(test_recvmsg),
	};

	return RUN_TESTS(tests);
}
