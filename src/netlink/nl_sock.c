// SPDX-License-Identifier: MIT
/*
 * Netlink socket emulation and the genetlink core: message framing, family
 * and command lookup, permission, policy validation, acks and NLMSG_ERROR
 * with extack (message, offending attribute offset, missing attribute).
 */
#include <errno.h>
#include <libmnl/libmnl.h>
#include <stdlib.h>
#include <string.h>

#include "host.h"
#include "mem/binding.h"
#include "nl_sock.h"

struct dml_nl_reply {
	struct dml_nl_reply *next;
	size_t len;
	unsigned char data[];
};

static const struct dml_genl_family *const families[] = {
	&dml_nlctrl_family,
	&dml_netdev_family,
	&dml_ethtool_family,
};

int dml_nl_open(struct dml_host *host, unsigned int flags,
		struct dml_nl_sock **out)
{
	struct dml_nl_sock *sk;

	if (flags & ~(DML_NL_ADMIN | DML_NL_KERNEL_DEFAULTS))
		return -EINVAL;
	sk = calloc(1, sizeof(*sk));
	if (!sk)
		return -ENOMEM;
	sk->host = host;
	sk->admin = flags & DML_NL_ADMIN;
	atomic_init(&sk->opts, flags & DML_NL_KERNEL_DEFAULTS ? 0 :
			       DML_NLO_CAP_ACK | DML_NLO_EXT_ACK);
	atomic_init(&sk->groups, 0);
	pthread_mutex_init(&sk->lock, NULL);

	pthread_mutex_lock(&host->rtnl);
	sk->portid = ++host->next_portid;
	sk->next = host->nl_socks;
	host->nl_socks = sk;
	pthread_mutex_unlock(&host->rtnl);
	*out = sk;
	return 0;
}

uint32_t dml_nl_portid(const struct dml_nl_sock *sk)
{
	return sk->portid;
}

void dml_nl_close(struct dml_nl_sock *sk)
{
	struct dml_host *host;
	struct dml_nl_sock **pp;
	struct dml_nl_reply *r;

	if (!sk)
		return;
	host = sk->host;
	pthread_mutex_lock(&host->rtnl);
	for (pp = &host->nl_socks; *pp; pp = &(*pp)->next) {
		if (*pp == sk) {
			*pp = sk->next;
			break;
		}
	}
	/* S-3.3: a binding lives as long as the socket that made it. */
	while (sk->bindings) {
		struct dml_binding *binding = sk->bindings;

		sk->bindings = binding->owner_next;
		binding->owner = NULL;
		dml_nl_binding_unbind(binding);
	}
	pthread_mutex_unlock(&host->rtnl);

	while ((r = sk->head)) {
		sk->head = r->next;
		free(r);
	}
	pthread_mutex_destroy(&sk->lock);
	free(sk);
}

int dml_nl_queue(struct dml_nl_sock *sk, const struct nlmsghdr *nlh)
{
	struct dml_nl_reply *r = malloc(sizeof(*r) + nlh->nlmsg_len);

	if (!r)
		return -ENOMEM;
	r->next = NULL;
	r->len = nlh->nlmsg_len;
	memcpy(r->data, nlh, nlh->nlmsg_len);
	pthread_mutex_lock(&sk->lock);
	if (sk->tail)
		sk->tail->next = r;
	else
		sk->head = r;
	sk->tail = r;
	pthread_mutex_unlock(&sk->lock);
	return 0;
}

ssize_t dml_nl_recv(struct dml_nl_sock *sk, void *buf, size_t len)
{
	struct dml_nl_reply *r;
	ssize_t ret;

	pthread_mutex_lock(&sk->lock);
	r = sk->head;
	if (!r) {
		ret = -EAGAIN;
	} else if (r->len > len) {
		ret = -EMSGSIZE;
		r = NULL;
	} else {
		sk->head = r->next;
		if (!sk->head)
			sk->tail = NULL;
		ret = (ssize_t)r->len;
	}
	pthread_mutex_unlock(&sk->lock);
	if (r) {
		memcpy(buf, r->data, r->len);
		free(r);
	}
	return ret;
}

ssize_t dml_nl_recvmsg(struct dml_nl_sock *sk, void *buf, size_t len, int flags,
		       int *msg_flags)
{
	struct dml_nl_reply *r;
	size_t copied;

	if (flags & MSG_OOB)
		return -EOPNOTSUPP;
	if (!buf && len)
		return -EFAULT;
	pthread_mutex_lock(&sk->lock);
	r = sk->head;
	if (!r) {
		pthread_mutex_unlock(&sk->lock);
		return -EAGAIN;
	}
	if (!(flags & MSG_PEEK)) {
		sk->head = r->next;
		if (!sk->head)
			sk->tail = NULL;
	}
	copied = r->len < len ? r->len : len;
	if (copied)
		memcpy(buf, r->data, copied);
	if (copied < r->len && msg_flags)
		*msg_flags |= MSG_TRUNC;
	if (flags & MSG_TRUNC)
		copied = r->len;
	pthread_mutex_unlock(&sk->lock);
	if (!(flags & MSG_PEEK))
		free(r);
	return (ssize_t)copied;
}

bool dml_nl_pending(struct dml_nl_sock *sk)
{
	bool pending;

	pthread_mutex_lock(&sk->lock);
	pending = sk->head != NULL;
	pthread_mutex_unlock(&sk->lock);
	return pending;
}

/* Whether some family advertises multicast group @id. */
static bool group_exists(uint32_t id)
{
	const struct dml_genl_family *family;
	size_t i, g;

	for (i = 0; (family = dml_genl_family_at(i)); i++)
		for (g = 0; g < family->nr_mcgrps; g++)
			if (family->mcgrps[g].id == id)
				return true;
	return false;
}

static unsigned int opt_bit(int optname)
{
	switch (optname) {
	case NETLINK_CAP_ACK:
		return DML_NLO_CAP_ACK;
	case NETLINK_EXT_ACK:
		return DML_NLO_EXT_ACK;
	case NETLINK_GET_STRICT_CHK:
		return DML_NLO_STRICT_CHK;
	case NETLINK_NO_ENOBUFS:
		/* Recorded only: the reply queue is unbounded, never overruns. */
		return DML_NLO_NO_ENOBUFS;
	default:
		return 0;
	}
}

int dml_nl_setsockopt(struct dml_nl_sock *sk, int level, int optname,
		      const void *val, socklen_t len)
{
	unsigned int v = 0, bit;

	if (level != SOL_NETLINK)
		return -ENOPROTOOPT;
	/* As af_netlink.c: a value shorter than an int is read as 0. */
	if (len >= sizeof(int)) {
		if (!val)
			return -EFAULT;
		memcpy(&v, val, sizeof(v));
	}
	switch (optname) {
	case NETLINK_ADD_MEMBERSHIP:
	case NETLINK_DROP_MEMBERSHIP:
		if (!v || v >= 32 || !group_exists(v))
			return -EINVAL;
		/* Joining is remembered; no family ever sends a notification. */
		if (optname == NETLINK_ADD_MEMBERSHIP)
			atomic_fetch_or(&sk->groups, 1u << v);
		else
			atomic_fetch_and(&sk->groups, ~(1u << v));
		return 0;
	default:
		bit = opt_bit(optname);
		if (!bit)
			return -ENOPROTOOPT;
		if (v)
			atomic_fetch_or(&sk->opts, bit);
		else
			atomic_fetch_and(&sk->opts, ~bit);
		return 0;
	}
}

int dml_nl_getsockopt(struct dml_nl_sock *sk, int level, int optname, void *val,
		      socklen_t *len)
{
	uint32_t groups;
	unsigned int bit;
	int v;

	if (level != SOL_NETLINK)
		return -ENOPROTOOPT;
	if (!len)
		return -EFAULT;
	if ((int)*len < 0)
		return -EINVAL;
	if (optname == NETLINK_LIST_MEMBERSHIPS) {
		/* One u32 word holds every group id we hand out. */
		groups = atomic_load(&sk->groups);
		if (*len >= sizeof(groups)) {
			if (!val)
				return -EFAULT;
			memcpy(val, &groups, sizeof(groups));
		}
		*len = sizeof(groups);
		return 0;
	}
	bit = opt_bit(optname);
	if (!bit)
		return -ENOPROTOOPT;
	if (*len < sizeof(int))
		return -EINVAL;
	if (!val)
		return -EFAULT;
	v = !!(atomic_load(&sk->opts) & bit);
	memcpy(val, &v, sizeof(v));
	*len = sizeof(v);
	return 0;
}

struct nlmsghdr *dml_genl_reply_start(struct dml_genl_info *info, void *buf,
				      const struct dml_genl_family *family,
				      uint8_t cmd, uint16_t flags)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct genlmsghdr *genlh;

	nlh->nlmsg_type = family->id;
	nlh->nlmsg_flags = flags;
	nlh->nlmsg_seq = info->nlh->nlmsg_seq;
	nlh->nlmsg_pid = info->sk->portid;
	genlh = mnl_nlmsg_put_extra_header(nlh, sizeof(*genlh));
	genlh->cmd = cmd;
	genlh->version = (uint8_t)family->version;
	return nlh;
}

int dml_nl_queue_done(struct dml_genl_info *info)
{
	union {
		unsigned char buf[NLMSG_HDRLEN + sizeof(int)];
		struct nlmsghdr align;
	} msg;
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(msg.buf);
	int zero = 0;

	nlh->nlmsg_type = NLMSG_DONE;
	nlh->nlmsg_flags = NLM_F_MULTI;
	nlh->nlmsg_seq = info->nlh->nlmsg_seq;
	nlh->nlmsg_pid = info->sk->portid;
	memcpy(mnl_nlmsg_put_extra_header(nlh, sizeof(zero)), &zero, sizeof(zero));
	return dml_nl_queue(info->sk, nlh);
}

/* Room for every extack TLV: the message and four u32s. */
#define EXTACK_TLV_ROOM	(MNL_ATTR_HDRLEN + sizeof(((struct dml_extack *)0)->msg) + \
			 4 * (MNL_ATTR_HDRLEN + sizeof(uint32_t)))

/* An attribute pointer's offset in @req, or 0 when it lies outside its payload. */
static uint32_t offset_in(const struct nlmsghdr *req, const void *p)
{
	const char *at = p, *base = (const char *)req;

	if (!p || at < base + NLMSG_HDRLEN || at >= base + req->nlmsg_len)
		return 0;
	return (uint32_t)(at - base);
}

/*
 * NLMSG_ERROR as netlink_ack() builds it: error 0 is an ack.  An error
 * echoes the request's payload unless the socket caps acks (or @whole is
 * false: the request's bytes were not all sent); extack TLVs only for a
 * socket with NETLINK_EXT_ACK, the message always, the rest on errors.
 */
static int queue_error(struct dml_nl_sock *sk, const struct nlmsghdr *req,
		       bool whole, int error, const struct dml_extack *ext)
{
	unsigned int opts = atomic_load(&sk->opts);
	size_t echo = 0, room;
	struct nlmsghdr *nlh;
	struct nlmsgerr *err;
	uint32_t off;
	void *buf;
	int ret;

	if (error && whole && !(opts & DML_NLO_CAP_ACK))
		echo = req->nlmsg_len - NLMSG_HDRLEN;
	room = NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(*err)) + NLMSG_ALIGN(echo) + EXTACK_TLV_ROOM;
	/* Aligned for the header and the u32 attributes written into it. */
	buf = calloc(1, room);
	if (!buf)
		return -ENOMEM;
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = NLMSG_ERROR;
	nlh->nlmsg_flags = echo ? 0 : NLM_F_CAPPED;
	nlh->nlmsg_seq = req->nlmsg_seq;
	nlh->nlmsg_pid = sk->portid;
	err = mnl_nlmsg_put_extra_header(nlh, sizeof(*err));
	err->error = error;
	err->msg = *req;
	if (echo)
		memcpy(mnl_nlmsg_put_extra_header(nlh, echo), (const char *)req + NLMSG_HDRLEN,
		       echo);

	if (ext && (opts & DML_NLO_EXT_ACK)) {
		if (ext->msg[0])
			mnl_attr_put_strz(nlh, NLMSGERR_ATTR_MSG, ext->msg);
		if (error) {
			off = whole ? offset_in(req, ext->bad_attr) : 0;
			if (off)
				mnl_attr_put_u32(nlh, NLMSGERR_ATTR_OFFS, off);
			if (ext->has_miss_type)
				mnl_attr_put_u32(nlh, NLMSGERR_ATTR_MISS_TYPE, ext->miss_type);
			off = whole ? offset_in(req, ext->miss_nest) : 0;
			if (off)
				mnl_attr_put_u32(nlh, NLMSGERR_ATTR_MISS_NEST, off);
		}
		if (nlh->nlmsg_len > NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(*err)) + NLMSG_ALIGN(echo))
			nlh->nlmsg_flags |= NLM_F_ACK_TLVS;
	}
	ret = dml_nl_queue(sk, nlh);
	free(buf);
	return ret;
}

static const struct dml_genl_family *family_by_id(uint16_t id)
{
	size_t i;

	for (i = 0; i < sizeof(families) / sizeof(families[0]); i++)
		if (families[i]->id == id)
			return families[i];
	return NULL;
}

const struct dml_genl_family *dml_genl_family_by_name(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(families) / sizeof(families[0]); i++)
		if (!strcmp(families[i]->name, name))
			return families[i];
	return NULL;
}

const struct dml_genl_family *dml_genl_family_at(size_t i)
{
	return i < sizeof(families) / sizeof(families[0]) ? families[i] : NULL;
}

static const struct dml_genl_op *op_by_cmd(const struct dml_genl_family *family,
					   uint8_t cmd)
{
	size_t i;

	for (i = 0; i < family->nr_ops; i++)
		if (family->ops[i].cmd == cmd)
			return &family->ops[i];
	return NULL;
}

static int genl_rcv_msg(struct dml_nl_sock *sk, const struct nlmsghdr *nlh,
			struct dml_extack *ext, bool *dumped)
{
	const struct nlattr *tb[DML_NLA_MAX_SET + 1];
	const struct dml_genl_family *family;
	const struct dml_nla_policy *policy;
	const struct dml_genl_op *op;
	struct dml_genl_info info;
	unsigned int maxattr;
	bool dump;
	int err;

	family = family_by_id(nlh->nlmsg_type);
	if (!family) {
		dml_extack_msg(ext, "unknown generic netlink family id %u",
			       nlh->nlmsg_type);
		return -ENOENT;
	}
	if (nlh->nlmsg_len < NLMSG_HDRLEN + GENL_HDRLEN) {
		dml_extack_msg(ext, "message too short for a genetlink header");
		return -EINVAL;
	}
	info.sk = sk;
	info.nlh = nlh;
	info.genlh = mnl_nlmsg_get_payload(nlh);
	info.attrs = tb;
	info.ext = ext;

	op = op_by_cmd(family, info.genlh->cmd);
	dump = (nlh->nlmsg_flags & NLM_F_DUMP) == NLM_F_DUMP;
	if (!op || (dump ? !op->dumpit : !op->doit)) {
		dml_extack_msg(ext, "%s: command %u not supported%s", family->name,
			       info.genlh->cmd, dump ? " as a dump" : "");
		return -EOPNOTSUPP;
	}
	if (op->perm && !sk->admin) {
		dml_extack_msg(ext, "%s: command %u needs admin permission (CAP_NET_ADMIN)",
			       family->name, info.genlh->cmd);
		return -EPERM;
	}

	policy = dump ? op->dump_policy : op->policy;
	maxattr = dump ? op->dump_maxattr : op->maxattr;
	err = dml_nla_parse((const char *)info.genlh + GENL_HDRLEN,
			    nlh->nlmsg_len - NLMSG_HDRLEN - GENL_HDRLEN,
			    policy, maxattr, tb, ext);
	if (err)
		return err;

	*dumped = dump;
	return dump ? op->dumpit(&info) : op->doit(&info);
}

/* One whole request, already copied to aligned memory. */
static int nl_rcv_msg(struct dml_nl_sock *sk, const struct nlmsghdr *nlh)
{
	struct dml_extack ext;
	bool dumped = false;
	int err = 0;

	memset(&ext, 0, sizeof(ext));
	/* Only requests are handled; anything else is acked if asked. */
	if ((nlh->nlmsg_flags & NLM_F_REQUEST) && nlh->nlmsg_type >= NLMSG_MIN_TYPE)
		err = genl_rcv_msg(sk, nlh, &ext, &dumped);
	if (err || ((nlh->nlmsg_flags & NLM_F_ACK) && !dumped))
		return queue_error(sk, nlh, true, err, &ext);
	return 0;
}

ssize_t dml_nl_send(struct dml_nl_sock *sk, const void *buf, size_t len)
{
	const unsigned char *p = buf;
	size_t off = 0;

	if (len < NLMSG_HDRLEN)
		return -EINVAL;
	while (len - off >= NLMSG_HDRLEN) {
		struct nlmsghdr hdr, *copy;
		int err;

		memcpy(&hdr, p + off, sizeof(hdr));
		if (hdr.nlmsg_len < NLMSG_HDRLEN || hdr.nlmsg_len > len - off) {
			struct dml_extack ext = { .msg = "netlink message length does not match the bytes sent" };

			err = queue_error(sk, &hdr, false, -EINVAL, &ext);
			return err ? err : (ssize_t)len;
		}
		/* Parse a private aligned copy, as the kernel parses its skb. */
		copy = malloc(hdr.nlmsg_len);
		if (!copy)
			return -ENOMEM;
		memcpy(copy, p + off, hdr.nlmsg_len);
		pthread_mutex_lock(&sk->host->rtnl);
		err = nl_rcv_msg(sk, copy);
		pthread_mutex_unlock(&sk->host->rtnl);
		free(copy);
		if (err)
			return err;
		off += NLMSG_ALIGN(hdr.nlmsg_len);
		if (off > len)
			break;
	}
	return (ssize_t)len;
}
