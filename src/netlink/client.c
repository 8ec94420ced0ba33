// SPDX-License-Identifier: MIT
/*
 * The user side of the netlink socket: what ynl or libmnl code in a receiver
 * does, so C users get bind-rx in one call and tests exercise real bytes.
 */
#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "devmem/devmem.h"

#define REPLY_ROOM 16384

union msg_buf {
	unsigned char buf[REPLY_ROOM];
	struct nlmsghdr align;
};

static void copy_errmsg(char *errmsg, size_t errlen, const char *text)
{
	if (errmsg && errlen)
		snprintf(errmsg, errlen, "%s", text);
}

static int errmsg_attr_cb(const struct nlattr *attr, void *arg)
{
	const char **text = arg;

	if (mnl_attr_get_type(attr) == NLMSGERR_ATTR_MSG &&
	    mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) == 0)
		*text = mnl_attr_get_str(attr);
	return MNL_CB_OK;
}

/* Returns the error (0 for an ack) and copies out the extack message. */
static int parse_error(const struct nlmsghdr *nlh, char *errmsg, size_t errlen)
{
	const struct nlmsgerr *err = mnl_nlmsg_get_payload(nlh);
	const char *text = "";
	unsigned int tlv_off = sizeof(*err);

	if (nlh->nlmsg_len < NLMSG_HDRLEN + sizeof(*err))
		return -EPROTO;
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		tlv_off += err->msg.nlmsg_len - NLMSG_HDRLEN;
	if ((nlh->nlmsg_flags & NLM_F_ACK_TLVS) &&
	    NLMSG_HDRLEN + tlv_off <= nlh->nlmsg_len)
		mnl_attr_parse(nlh, tlv_off, errmsg_attr_cb, &text);
	copy_errmsg(errmsg, errlen, text);
	return err->error;
}

int dml_nl_transact(struct dml_nl_sock *sk, struct nlmsghdr *req,
		    dml_nl_msg_cb cb, void *arg, char *errmsg, size_t errlen)
{
	static atomic_uint seq_counter;
	bool dump = (req->nlmsg_flags & NLM_F_DUMP) == NLM_F_DUMP;
	union msg_buf reply;
	ssize_t n;
	int ret;

	copy_errmsg(errmsg, errlen, "");
	req->nlmsg_flags |= NLM_F_REQUEST | (dump ? 0 : NLM_F_ACK);
	req->nlmsg_seq = atomic_fetch_add(&seq_counter, 1) + 1;
	n = dml_nl_send(sk, req, req->nlmsg_len);
	if (n < 0)
		return (int)n;

	for (;;) {
		const struct nlmsghdr *nlh = &reply.align;

		n = dml_nl_recv(sk, reply.buf, sizeof(reply.buf));
		if (n == -EAGAIN)
			return -EPROTO;
		if (n < 0)
			return (int)n;
		if (nlh->nlmsg_seq != req->nlmsg_seq)
			continue;
		if (nlh->nlmsg_type == NLMSG_ERROR)
			return parse_error(nlh, errmsg, errlen);
		if (nlh->nlmsg_type == NLMSG_DONE)
			return 0;
		if (cb) {
			ret = cb(nlh, arg);
			if (ret < 0)
				return ret;
		}
	}
}

static int family_id_cb(const struct nlmsghdr *nlh, void *arg)
{
	const struct nlattr *attr;
	int *id = arg;

	mnl_attr_for_each(attr, nlh, GENL_HDRLEN)
		if (mnl_attr_get_type(attr) == CTRL_ATTR_FAMILY_ID &&
		    mnl_attr_validate(attr, MNL_TYPE_U16) == 0)
			*id = mnl_attr_get_u16(attr);
	return 0;
}

static struct nlmsghdr *genl_request(void *buf, uint16_t family, uint8_t cmd,
				     uint8_t version, uint16_t flags)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct genlmsghdr *genlh;

	nlh->nlmsg_type = family;
	nlh->nlmsg_flags = flags;
	genlh = mnl_nlmsg_put_extra_header(nlh, sizeof(*genlh));
	genlh->cmd = cmd;
	genlh->version = version;
	return nlh;
}

int dml_genl_family_id(struct dml_nl_sock *sk, const char *name)
{
	union msg_buf req;
	struct nlmsghdr *nlh;
	int id = -EPROTO, err;

	nlh = genl_request(req.buf, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, 2, 0);
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, name);
	err = dml_nl_transact(sk, nlh, family_id_cb, &id, NULL, 0);
	return err ? err : id;
}

static int dmabuf_id_cb(const struct nlmsghdr *nlh, void *arg)
{
	const struct nlattr *attr;
	int64_t *id = arg;

	mnl_attr_for_each(attr, nlh, GENL_HDRLEN)
		if (mnl_attr_get_type(attr) == NETDEV_A_DMABUF_ID &&
		    mnl_attr_validate(attr, MNL_TYPE_U32) == 0)
			*id = mnl_attr_get_u32(attr);
	return 0;
}

int dml_bind_rx(struct dml_nl_sock *sk, const struct dml_bind_rx_req *req,
		uint32_t *id_out, char *errmsg, size_t errlen)
{
	union msg_buf msg;
	struct nlmsghdr *nlh;
	struct nlattr *nest;
	int64_t id = -EPROTO;
	int family, err;
	size_t i;

	copy_errmsg(errmsg, errlen, "");
	if (req->nr_queues > DML_BIND_RX_MAX_QUEUES || (req->nr_queues && !req->queues) ||
	    req->autorelease < -1 || req->autorelease > 1) {
		copy_errmsg(errmsg, errlen, "bad bind-rx request");
		return -EINVAL;
	}
	family = dml_genl_family_id(sk, NETDEV_FAMILY_NAME);
	if (family < 0)
		return family;

	nlh = genl_request(msg.buf, (uint16_t)family, NETDEV_CMD_BIND_RX,
			   NETDEV_FAMILY_VERSION, 0);
	mnl_attr_put_u32(nlh, NETDEV_A_DMABUF_IFINDEX, req->ifindex);
	mnl_attr_put_u32(nlh, NETDEV_A_DMABUF_FD, (uint32_t)req->dmabuf_fd);
	for (i = 0; i < req->nr_queues; i++) {
		nest = mnl_attr_nest_start(nlh, NETDEV_A_DMABUF_QUEUES);
		mnl_attr_put_u32(nlh, NETDEV_A_QUEUE_ID, req->queues[i]);
		mnl_attr_put_u32(nlh, NETDEV_A_QUEUE_TYPE, NETDEV_QUEUE_TYPE_RX);
		mnl_attr_nest_end(nlh, nest);
	}
	if (req->autorelease >= 0)
		mnl_attr_put_u8(nlh, NETDEV_A_DMABUF_AUTORELEASE,
				(uint8_t)req->autorelease);

	err = dml_nl_transact(sk, nlh, dmabuf_id_cb, &id, errmsg, errlen);
	if (err)
		return err;
	if (id < 0) {
		copy_errmsg(errmsg, errlen, "bind-rx reply carried no id");
		return -EPROTO;
	}
	*id_out = (uint32_t)id;
	return 0;
}
