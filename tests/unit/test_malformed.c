// SPDX-License-Identifier: MIT
/*
 * Malformed generic netlink bytes (S-3.1, S-7.2): each row builds one bad
 * request, and the emulated kernel must answer it with an errno and an
 * extack naming what is wrong, leave the host as it was, and not crash
 * (this suite also runs under ASan+UBSan and TSan).
 */
#include "test_helpers.h"

/* The queue every bind-rx row asks for: binding it by mistake shows. */
#define ROW_QUEUE 1

struct malformed_row {
	const char *desc;
	/*
	 * Writes the request into @b and returns how many bytes to send; sets
	 * @offs to the offending attribute's offset in the request, if any.
	 */
	size_t (*build)(struct fixture *f, union nl_buf *b, long *offs);
	int want_errno;
	const char *want_msg;	 /* substring of NLMSGERR_ATTR_MSG */
	uint16_t want_miss_type; /* NLMSGERR_ATTR_MISS_TYPE, 0: none */
	bool refused_by_send;	 /* dml_nl_send() fails, queues nothing */
};

static uint16_t netdev_id(struct fixture *f)
{
	int id = netdev_family(f->nl);

	assert_true(id > 0);
	return (uint16_t)id;
}

/* Where the next attribute goes, as an offset from the start of the request. */
static long next_offset(const struct nlmsghdr *nlh)
{
	return (long)MNL_ALIGN(nlh->nlmsg_len);
}

static struct nlattr *next_attr(struct nlmsghdr *nlh)
{
	return mnl_nlmsg_get_payload_tail(nlh);
}

static void put_queue(struct nlmsghdr *nlh, uint32_t id, uint32_t type)
{
	struct nlattr *nest = mnl_attr_nest_start(nlh, NETDEV_A_DMABUF_QUEUES);

	mnl_attr_put_u32(nlh, NETDEV_A_QUEUE_ID, id);
	mnl_attr_put_u32(nlh, NETDEV_A_QUEUE_TYPE, type);
	mnl_attr_nest_end(nlh, nest);
}

static void put_ifindex(struct fixture *f, struct nlmsghdr *nlh)
{
	mnl_attr_put_u32(nlh, NETDEV_A_DMABUF_IFINDEX, f->ifindex);
}

static void put_fd(struct fixture *f, struct nlmsghdr *nlh)
{
	mnl_attr_put_u32(nlh, NETDEV_A_DMABUF_FD,
			 (uint32_t)dml_dmabuf_fd(f->buf));
}

/* A bind-rx that would succeed: every row spoils one thing about it. */
static struct nlmsghdr *bind_valid(struct fixture *f, union nl_buf *b,
				   uint16_t flags)
{
	struct nlmsghdr *nlh =
		genl_req(b, netdev_id(f), NETDEV_CMD_BIND_RX, flags);

	put_ifindex(f, nlh);
	put_fd(f, nlh);
	put_queue(nlh, ROW_QUEUE, NETDEV_QUEUE_TYPE_RX);
	return nlh;
}

static size_t build_short_buffer(struct fixture *f, union nl_buf *b, long *offs)
{
	(void)offs;
	bind_valid(f, b, 0);
	return NLMSG_HDRLEN - 1;
}

static size_t build_len_too_big(struct fixture *f, union nl_buf *b, long *offs)
{
	struct nlmsghdr *nlh = bind_valid(f, b, 0);
	size_t sent = nlh->nlmsg_len;

	(void)offs;
	nlh->nlmsg_len += 4;
	return sent;
}

static size_t build_len_below_header(struct fixture *f, union nl_buf *b,
				     long *offs)
{
	struct nlmsghdr *nlh = bind_valid(f, b, 0);
	size_t sent = nlh->nlmsg_len;

	(void)offs;
	nlh->nlmsg_len = NLMSG_HDRLEN - 1;
	return sent;
}

static size_t build_no_genl_header(struct fixture *f, union nl_buf *b,
				   long *offs)
{
	struct nlmsghdr *nlh = genl_req(b, netdev_id(f), NETDEV_CMD_BIND_RX, 0);

	(void)offs;
	/* cmd and version arrive, the reserved u16 does not */
	nlh->nlmsg_len = NLMSG_HDRLEN + GENL_HDRLEN - 1;
	return nlh->nlmsg_len;
}

static size_t build_nla_len_below_4(struct fixture *f, union nl_buf *b,
				    long *offs)
{
	struct nlmsghdr *nlh = genl_req(b, netdev_id(f), NETDEV_CMD_BIND_RX, 0);
	struct nlattr *bad;

	put_ifindex(f, nlh);
	*offs = next_offset(nlh);
	bad = next_attr(nlh);
	put_fd(f, nlh);
	bad->nla_len = 3;
	put_queue(nlh, ROW_QUEUE, NETDEV_QUEUE_TYPE_RX);
	return nlh->nlmsg_len;
}

static size_t build_nla_len_past_end(struct fixture *f, union nl_buf *b,
				     long *offs)
{
	struct nlmsghdr *nlh = bind_valid(f, b, 0);
	struct nlattr *bad;

	*offs = next_offset(nlh);
	bad = next_attr(nlh);
	mnl_attr_put_u32(nlh, NETDEV_A_DMABUF_AUTORELEASE, 0);
	/* one byte more than the message holds */
	bad->nla_len = 9;
	return nlh->nlmsg_len;
}

static size_t build_trailing_bytes(struct fixture *f, union nl_buf *b,
				   long *offs)
{
	struct nlmsghdr *nlh = bind_valid(f, b, 0);

	*offs = next_offset(nlh);
	memset(next_attr(nlh), 0xab, 2);
	nlh->nlmsg_len += 2;
	return nlh->nlmsg_len;
}

static size_t build_u32_len_2(struct fixture *f, union nl_buf *b, long *offs)
{
	struct nlmsghdr *nlh = genl_req(b, netdev_id(f), NETDEV_CMD_BIND_RX, 0);
	uint16_t ifindex = (uint16_t)f->ifindex;

	*offs = next_offset(nlh);
	mnl_attr_put(nlh, NETDEV_A_DMABUF_IFINDEX, sizeof(ifindex), &ifindex);
	put_fd(f, nlh);
	put_queue(nlh, ROW_QUEUE, NETDEV_QUEUE_TYPE_RX);
	return nlh->nlmsg_len;
}

static size_t build_u32_len_8(struct fixture *f, union nl_buf *b, long *offs)
{
	struct nlmsghdr *nlh = genl_req(b, netdev_id(f), NETDEV_CMD_BIND_RX, 0);

	put_ifindex(f, nlh);
	*offs = next_offset(nlh);
	mnl_attr_put_u64(nlh, NETDEV_A_DMABUF_FD,
			 (uint64_t)dml_dmabuf_fd(f->buf));
	put_queue(nlh, ROW_QUEUE, NETDEV_QUEUE_TYPE_RX);
	return nlh->nlmsg_len;
}

static size_t build_queues_not_nested(struct fixture *f, union nl_buf *b,
				      long *offs)
{
	struct nlmsghdr *nlh = genl_req(b, netdev_id(f), NETDEV_CMD_BIND_RX, 0);
	struct nlattr *nest;

	put_ifindex(f, nlh);
	put_fd(f, nlh);
	*offs = next_offset(nlh);
	nest = next_attr(nlh);
	put_queue(nlh, ROW_QUEUE, NETDEV_QUEUE_TYPE_RX);
	nest->nla_type &= (uint16_t)~NLA_F_NESTED;
	return nlh->nlmsg_len;
}

static size_t build_ifindex_nested(struct fixture *f, union nl_buf *b,
				   long *offs)
{
	struct nlmsghdr *nlh = genl_req(b, netdev_id(f), NETDEV_CMD_BIND_RX, 0);
	struct nlattr *attr;

	*offs = next_offset(nlh);
	attr = next_attr(nlh);
	put_ifindex(f, nlh);
	attr->nla_type |= NLA_F_NESTED;
	put_fd(f, nlh);
	put_queue(nlh, ROW_QUEUE, NETDEV_QUEUE_TYPE_RX);
	return nlh->nlmsg_len;
}

/* The queue nest ends inside its type attribute; the message ends with it. */
static size_t build_nest_truncated(struct fixture *f, union nl_buf *b,
				   long *offs)
{
	struct nlmsghdr *nlh = genl_req(b, netdev_id(f), NETDEV_CMD_BIND_RX, 0);
	struct nlattr *nest;

	put_ifindex(f, nlh);
	put_fd(f, nlh);
	nest = mnl_attr_nest_start(nlh, NETDEV_A_DMABUF_QUEUES);
	mnl_attr_put_u32(nlh, NETDEV_A_QUEUE_ID, ROW_QUEUE);
	*offs = next_offset(nlh);
	mnl_attr_put_u32(nlh, NETDEV_A_QUEUE_TYPE, NETDEV_QUEUE_TYPE_RX);
	mnl_attr_nest_end(nlh, nest);
	/* keep the type's header, drop its value */
	nest->nla_len -= 4;
	nlh->nlmsg_len -= 4;
	return nlh->nlmsg_len;
}

static size_t put_extra_u32(struct fixture *f, union nl_buf *b, long *offs,
			    uint16_t type, uint32_t value)
{
	struct nlmsghdr *nlh = bind_valid(f, b, 0);

	*offs = next_offset(nlh);
	mnl_attr_put_u32(nlh, type, value);
	return nlh->nlmsg_len;
}

static size_t build_type_6(struct fixture *f, union nl_buf *b, long *offs)
{
	return put_extra_u32(f, b, offs, NETDEV_A_DMABUF_MAX + 1, 0);
}

static size_t build_type_9(struct fixture *f, union nl_buf *b, long *offs)
{
	return put_extra_u32(f, b, offs, 9, 0);
}

static size_t build_type_0(struct fixture *f, union nl_buf *b, long *offs)
{
	return put_extra_u32(f, b, offs, 0, 0);
}

static size_t build_reply_only_id(struct fixture *f, union nl_buf *b,
				  long *offs)
{
	return put_extra_u32(f, b, offs, NETDEV_A_DMABUF_ID, 1);
}

static size_t build_dup_ifindex(struct fixture *f, union nl_buf *b, long *offs)
{
	return put_extra_u32(f, b, offs, NETDEV_A_DMABUF_IFINDEX, f->ifindex);
}

static size_t build_dup_fd(struct fixture *f, union nl_buf *b, long *offs)
{
	return put_extra_u32(f, b, offs, NETDEV_A_DMABUF_FD,
			     (uint32_t)dml_dmabuf_fd(f->buf));
}

static size_t build_ifindex_0(struct fixture *f, union nl_buf *b, long *offs)
{
	struct nlmsghdr *nlh = genl_req(b, netdev_id(f), NETDEV_CMD_BIND_RX, 0);

	*offs = next_offset(nlh);
	mnl_attr_put_u32(nlh, NETDEV_A_DMABUF_IFINDEX, 0);
	put_fd(f, nlh);
	put_queue(nlh, ROW_QUEUE, NETDEV_QUEUE_TYPE_RX);
	return nlh->nlmsg_len;
}

static size_t build_queue_no_type(struct fixture *f, union nl_buf *b,
				  long *offs)
{
	struct nlmsghdr *nlh = genl_req(b, netdev_id(f), NETDEV_CMD_BIND_RX, 0);
	struct nlattr *nest;

	(void)offs;
	put_ifindex(f, nlh);
	put_fd(f, nlh);
	nest = mnl_attr_nest_start(nlh, NETDEV_A_DMABUF_QUEUES);
	mnl_attr_put_u32(nlh, NETDEV_A_QUEUE_ID, ROW_QUEUE);
	mnl_attr_nest_end(nlh, nest);
	return nlh->nlmsg_len;
}

/*
 * The first queue nest is fine, so the kernel binds it before it reaches
 * the second: the refusal must undo that bind.
 */
static size_t build_second_queue_no_type(struct fixture *f, union nl_buf *b,
					 long *offs)
{
	struct nlmsghdr *nlh = bind_valid(f, b, 0);
	struct nlattr *nest;

	(void)offs;
	nest = mnl_attr_nest_start(nlh, NETDEV_A_DMABUF_QUEUES);
	mnl_attr_put_u32(nlh, NETDEV_A_QUEUE_ID, ROW_QUEUE + 1);
	mnl_attr_nest_end(nlh, nest);
	return nlh->nlmsg_len;
}

static size_t build_queue_type_2(struct fixture *f, union nl_buf *b, long *offs)
{
	struct nlmsghdr *nlh = genl_req(b, netdev_id(f), NETDEV_CMD_BIND_RX, 0);
	struct nlattr *nest;

	put_ifindex(f, nlh);
	put_fd(f, nlh);
	nest = mnl_attr_nest_start(nlh, NETDEV_A_DMABUF_QUEUES);
	mnl_attr_put_u32(nlh, NETDEV_A_QUEUE_ID, ROW_QUEUE);
	*offs = next_offset(nlh);
	mnl_attr_put_u32(nlh, NETDEV_A_QUEUE_TYPE, 2);
	mnl_attr_nest_end(nlh, nest);
	return nlh->nlmsg_len;
}

static size_t build_unknown_cmd(struct fixture *f, union nl_buf *b, long *offs)
{
	struct nlmsghdr *nlh = bind_valid(f, b, 0);
	struct genlmsghdr *genlh = mnl_nlmsg_get_payload(nlh);

	(void)offs;
	genlh->cmd = 200;
	return nlh->nlmsg_len;
}

static size_t build_unknown_family(struct fixture *f, union nl_buf *b,
				   long *offs)
{
	struct nlmsghdr *nlh = bind_valid(f, b, 0);

	(void)offs;
	nlh->nlmsg_type = 0x7777;
	return nlh->nlmsg_len;
}

static size_t build_bind_as_dump(struct fixture *f, union nl_buf *b, long *offs)
{
	struct nlmsghdr *nlh = bind_valid(f, b, NLM_F_DUMP);

	(void)offs;
	return nlh->nlmsg_len;
}

static size_t build_getfamily_unknown(struct fixture *f, union nl_buf *b,
				      long *offs)
{
	struct nlmsghdr *nlh = genl_req(b, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, 0);

	(void)f;
	*offs = next_offset(nlh);
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, "no-such-family");
	return nlh->nlmsg_len;
}

static size_t build_getfamily_no_nul(struct fixture *f, union nl_buf *b,
				     long *offs)
{
	struct nlmsghdr *nlh = genl_req(b, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, 0);

	(void)f;
	*offs = next_offset(nlh);
	mnl_attr_put(nlh, CTRL_ATTR_FAMILY_NAME, strlen(NETDEV_FAMILY_NAME),
		     NETDEV_FAMILY_NAME);
	return nlh->nlmsg_len;
}

static const struct malformed_row rows[] = {
	{"buffer shorter than an nlmsghdr", build_short_buffer, -EINVAL, NULL,
	 0, true},
	{"nlmsg_len larger than the bytes sent", build_len_too_big, -EINVAL,
	 "netlink message length does not match the bytes sent", 0, false},
	{"nlmsg_len smaller than the header", build_len_below_header, -EINVAL,
	 "netlink message length does not match the bytes sent", 0, false},
	{"message too short for a genlmsghdr", build_no_genl_header, -EINVAL,
	 "too short for a genetlink header", 0, false},
	{"attribute with nla_len < 4", build_nla_len_below_4, -EINVAL,
	 "attribute: length field", 0, false},
	{"attribute whose nla_len runs past the message",
	 build_nla_len_past_end, -EINVAL,
	 "attribute: length field runs past the message", 0, false},
	{"2 trailing bytes after the last attribute", build_trailing_bytes,
	 -EINVAL, "bytes leftover after parsing attributes", 0, false},
	{"u32 ifindex of length 2", build_u32_len_2, -EINVAL,
	 "ifindex: invalid attribute length", 0, false},
	{"u32 fd of length 8", build_u32_len_8, -EINVAL,
	 "fd: invalid attribute length", 0, false},
	{"queues without NLA_F_NESTED", build_queues_not_nested, -EINVAL,
	 "queues: NLA_F_NESTED is missing", 0, false},
	{"NLA_F_NESTED on the u32 ifindex", build_ifindex_nested, -EINVAL,
	 "ifindex: NLA_F_NESTED not expected", 0, false},
	{"queue nest truncated inside", build_nest_truncated, -EINVAL,
	 "attribute: length field runs past the message", 0, false},
	{"attribute type 6, one past the policy", build_type_6, -EINVAL,
	 "Unknown attribute type", 0, false},
	{"attribute type 9, beyond the policy", build_type_9, -EINVAL,
	 "Unknown attribute type", 0, false},
	{"attribute type 0", build_type_0, -EINVAL, "Unknown attribute type", 0,
	 false},
	{"reply-only id attribute in a request", build_reply_only_id, -EINVAL,
	 "id (reply only): Unsupported attribute", 0, false},
	{"duplicate ifindex", build_dup_ifindex, -EINVAL,
	 "ifindex: duplicate attribute", 0, false},
	{"duplicate fd", build_dup_fd, -EINVAL, "fd: duplicate attribute", 0,
	 false},
	{"ifindex 0", build_ifindex_0, -ERANGE,
	 "ifindex: integer 0 out of range", 0, false},
	{"queue nest without its type", build_queue_no_type, -EINVAL,
	 "missing attribute: queue type", NETDEV_A_QUEUE_TYPE, false},
	{"second queue nest without its type", build_second_queue_no_type,
	 -EINVAL, "missing attribute: queue type", NETDEV_A_QUEUE_TYPE, false},
	{"queue type 2", build_queue_type_2, -ERANGE,
	 "queue type: integer 2 out of range", 0, false},
	{"unknown command 200", build_unknown_cmd, -EOPNOTSUPP,
	 "command 200 not supported", 0, false},
	{"unknown family id 0x7777", build_unknown_family, -ENOENT, "", 0,
	 false},
	{"bind-rx as a dump", build_bind_as_dump, -EOPNOTSUPP,
	 "command 13 not supported as a dump", 0, false},
	{"GETFAMILY of an unknown name", build_getfamily_unknown, -ENOENT,
	 "unknown generic netlink family", 0, false},
	{"GETFAMILY name without a NUL", build_getfamily_no_nul, -EINVAL,
	 "family-name: string is not NUL-terminated", 0, false},
};

#define ROW_FAIL(i, ...)                                            \
	do {                                                        \
		print_error("row %zu (%s): ", (i), rows[(i)].desc); \
		print_error(__VA_ARGS__);                           \
		print_error("\n");                                  \
		failures++;                                         \
	} while (0)

/* Checks one row's answer and the host after it; returns the mismatches. */
static int check_row(struct fixture *f, size_t i)
{
	const struct malformed_row *row = &rows[i];
	struct dml_rxq_info info;
	struct nl_result r;
	union nl_buf b;
	int failures = 0;
	long offs = -1;
	size_t len;
	int ret;

	memset(&b, 0, sizeof(b));
	len = row->build(f, &b, &offs);
	ret = nl_exchange(f->nl, b.buf, len, &r);

	if (ret != row->want_errno)
		ROW_FAIL(i, "error %d (%s), want %d (%s)", ret, strerror(-ret),
			 row->want_errno, strerror(-row->want_errno));
	if (row->refused_by_send == r.got_error)
		ROW_FAIL(i, "NLMSG_ERROR %s",
			 r.got_error ? "queued" : "missing");
	if (r.replies)
		ROW_FAIL(i, "%d replies besides the error", r.replies);
	if (dml_nl_recv(f->nl, b.buf, sizeof(b.buf)) != -EAGAIN)
		ROW_FAIL(i, "more answers queued");
	if (!row->refused_by_send) {
		/* S-7.2: every control-plane refusal explains itself. */
		if (!r.msg[0])
			ROW_FAIL(i, "no extack message");
		else if (!strstr(r.msg, row->want_msg))
			ROW_FAIL(i, "extack \"%s\", want \"%s\"", r.msg,
				 row->want_msg);
	}
	if (offs >= 0 && (!r.has_offs || r.offs != (uint32_t)offs))
		ROW_FAIL(i, "NLMSGERR_ATTR_OFFS %s%u, want %ld",
			 r.has_offs ? "" : "absent ", r.offs, offs);
	if (offs < 0 && r.has_offs)
		ROW_FAIL(i, "unexpected NLMSGERR_ATTR_OFFS %u", r.offs);
	if (row->want_miss_type &&
	    (!r.has_miss_type || r.miss_type != row->want_miss_type))
		ROW_FAIL(i, "NLMSGERR_ATTR_MISS_TYPE %s%u, want %u",
			 r.has_miss_type ? "" : "absent ", r.miss_type,
			 row->want_miss_type);
	if (!row->want_miss_type && r.has_miss_type)
		ROW_FAIL(i, "unexpected NLMSGERR_ATTR_MISS_TYPE %u",
			 r.miss_type);

	/* Nothing was bound and the mode is still free. */
	if (dml_host_autorelease_mode(f->host) != -1)
		ROW_FAIL(i, "autorelease mode %d, want -1",
			 dml_host_autorelease_mode(f->host));
	assert_ok(dml_netdev_rxq_info(f->dev, ROW_QUEUE, &info));
	if (info.dmabuf_id)
		ROW_FAIL(i, "queue %d bound to dma-buf %u", ROW_QUEUE,
			 info.dmabuf_id);
	assert_ok(dml_netdev_rxq_info(f->dev, ROW_QUEUE + 1, &info));
	if (info.dmabuf_id)
		ROW_FAIL(i, "queue %d bound to dma-buf %u", ROW_QUEUE + 1,
			 info.dmabuf_id);
	return failures;
}

/*
 * S-3.1, S-7.2: every malformed message gets EINVAL (ERANGE for an integer
 * out of range, ENOENT / EOPNOTSUPP for what does not exist) with an extack
 * message and the offending attribute's offset, and changes nothing.  All
 * rows run, so one report lists every row that is wrong.
 */
static void test_malformed_rows(void **state)
{
	struct fixture *f = *state;
	int failures = 0;
	size_t i;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		failures += check_row(f, i);
	if (failures)
		fail_msg("%d mismatch(es) over %zu rows", failures,
			 sizeof(rows) / sizeof(rows[0]));
}

/*
 * S-1.4, S-3.1: the valid request every row starts from does bind, so the
 * rows fail for what they spoil and nothing else; queue nests may repeat.
 */
static void test_row_base_is_valid(void **state)
{
	struct fixture *f = *state;
	struct dml_rxq_info info;
	struct nl_result r;
	struct nlmsghdr *nlh;
	const struct nlattr *id;
	union nl_buf b;

	nlh = bind_valid(f, &b, 0);
	put_queue(nlh, ROW_QUEUE + 1, NETDEV_QUEUE_TYPE_RX);
	assert_errno(nl_exchange(f->nl, nlh, nlh->nlmsg_len, &r), 0);
	assert_true(r.got_error);
	assert_int_equal(r.replies, 1);
	id = genl_attr(&r.first.nlh, NETDEV_A_DMABUF_ID);
	assert_non_null(id);
	assert_ok(dml_netdev_rxq_info(f->dev, ROW_QUEUE, &info));
	assert_int_equal(info.dmabuf_id, mnl_attr_get_u32(id));
	assert_ok(dml_netdev_rxq_info(f->dev, ROW_QUEUE + 1, &info));
	assert_int_equal(info.dmabuf_id, mnl_attr_get_u32(id));
	assert_int_equal(dml_host_autorelease_mode(f->host), 0);
}

/* One answer as it came back. */
struct answer {
	uint16_t type;
	uint32_t seq;
	int error;	  /* NLMSG_ERROR only */
	uint32_t ifindex; /* a dev-get reply's NETDEV_A_DEV_IFINDEX */
};

/* Drains every queued message into @ans; returns how many. */
static int drain_answers(struct dml_nl_sock *nl, struct answer *ans, int max)
{
	union nl_buf in;
	int n = 0;

	while (dml_nl_recv(nl, in.buf, sizeof(in.buf)) > 0) {
		assert_true(n < max);
		ans[n].type = in.nlh.nlmsg_type;
		ans[n].seq = in.nlh.nlmsg_seq;
		ans[n].error = 0;
		ans[n].ifindex = 0;
		if (in.nlh.nlmsg_type == NLMSG_ERROR) {
			const struct nlmsgerr *e =
				mnl_nlmsg_get_payload(&in.nlh);

			ans[n].error = e->error;
		} else {
			const struct nlattr *attr;

			attr = genl_attr(&in.nlh, NETDEV_A_DEV_IFINDEX);
			if (attr)
				ans[n].ifindex = mnl_attr_get_u32(attr);
		}
		n++;
	}
	return n;
}

/* A dev-get of @ifindex with sequence number @seq, appended at @at. */
static size_t put_dev_get(struct fixture *f, unsigned char *at, uint32_t seq,
			  uint32_t ifindex, bool short_ifindex)
{
	union nl_buf b;
	struct nlmsghdr *nlh =
		genl_req(&b, netdev_id(f), NETDEV_CMD_DEV_GET, 0);
	uint16_t half = (uint16_t)ifindex;

	nlh->nlmsg_seq = seq;
	if (short_ifindex)
		mnl_attr_put(nlh, NETDEV_A_DEV_IFINDEX, sizeof(half), &half);
	else
		mnl_attr_put_u32(nlh, NETDEV_A_DEV_IFINDEX, ifindex);
	memcpy(at, nlh, nlh->nlmsg_len);
	return NLMSG_ALIGN(nlh->nlmsg_len);
}

/*
 * S-7.2: several messages in one send are each answered, in order, and a
 * malformed one in the middle is refused alone without hiding the next.
 */
static void test_batched_messages(void **state)
{
	struct fixture *f = *state;
	struct answer ans[16];
	union nl_buf batch;
	size_t len = 0;
	int n, i;

	len += put_dev_get(f, batch.buf + len, 1, f->ifindex, false);
	len += put_dev_get(f, batch.buf + len, 2, f->ifindex, false);
	len += put_dev_get(f, batch.buf + len, 3, f->ifindex, false);
	assert_int_equal(dml_nl_send(f->nl, batch.buf, len), (ssize_t)len);
	n = drain_answers(f->nl, ans, 16);
	/* a reply and an ack for each */
	assert_int_equal(n, 6);
	for (i = 0; i < 3; i++) {
		assert_int_equal(ans[2 * i].seq, i + 1);
		assert_int_equal(ans[2 * i].type, netdev_id(f));
		assert_int_equal(ans[2 * i].ifindex, f->ifindex);
		assert_int_equal(ans[2 * i + 1].seq, i + 1);
		assert_int_equal(ans[2 * i + 1].type, NLMSG_ERROR);
		assert_int_equal(ans[2 * i + 1].error, 0);
	}

	len = 0;
	len += put_dev_get(f, batch.buf + len, 11, f->ifindex, false);
	len += put_dev_get(f, batch.buf + len, 12, f->ifindex, true);
	len += put_dev_get(f, batch.buf + len, 13, f->ifindex, false);
	assert_int_equal(dml_nl_send(f->nl, batch.buf, len), (ssize_t)len);
	n = drain_answers(f->nl, ans, 16);
	assert_int_equal(n, 5);
	assert_int_equal(ans[0].seq, 11);
	assert_int_equal(ans[0].ifindex, f->ifindex);
	assert_int_equal(ans[1].seq, 11);
	assert_int_equal(ans[1].error, 0);
	assert_int_equal(ans[2].seq, 12);
	assert_int_equal(ans[2].type, NLMSG_ERROR);
	assert_int_equal(ans[2].error, -EINVAL);
	assert_int_equal(ans[3].seq, 13);
	assert_int_equal(ans[3].ifindex, f->ifindex);
	assert_int_equal(ans[4].seq, 13);
	assert_int_equal(ans[4].error, 0);
}

#define T(fn) \
	cmocka_unit_test_setup_teardown(fn, fixture_setup, fixture_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_row_base_is_valid),
		T(test_malformed_rows),
		T(test_batched_messages),
	};

	return RUN_TESTS(tests);
}
