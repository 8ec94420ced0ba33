/* SPDX-License-Identifier: MIT */
/*
 * The kernel side of a generic netlink socket: requests arrive as bytes,
 * replies leave as bytes, one queued message at a time.
 */
#ifndef DML_NL_SOCK_H
#define DML_NL_SOCK_H

#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "devmem/devmem.h"
#include "extack.h"
#include "policy.h"

struct dml_binding;
struct dml_nl_reply;

#define DML_NL_MSG_MAX	8192	/* the biggest reply we build */

/* Socket options, bits of dml_nl_sock.opts. */
#define DML_NLO_CAP_ACK		(1u << 0)
#define DML_NLO_EXT_ACK		(1u << 1)
#define DML_NLO_STRICT_CHK	(1u << 2)
#define DML_NLO_NO_ENOBUFS	(1u << 3)

struct dml_nl_sock {
	struct dml_host *host;
	uint32_t portid;
	bool admin;
	/*
	 * DML_NLO_* and the joined multicast groups (bit n = group n): set by
	 * setsockopt while another thread may send, hence atomic.
	 */
	_Atomic unsigned int opts;
	_Atomic uint32_t groups;

	/* Protects the reply queue. */
	pthread_mutex_t lock;
	struct dml_nl_reply *head;
	struct dml_nl_reply *tail;

	/* Under rtnl: bindings this socket made (S-3.3) and the host's list. */
	struct dml_binding *bindings;
	struct dml_nl_sock *next;
};

struct dml_genl_info {
	struct dml_nl_sock *sk;
	const struct nlmsghdr *nlh;
	const struct genlmsghdr *genlh;
	const struct nlattr **attrs;
	struct dml_extack *ext;
};

struct dml_genl_op {
	uint8_t cmd;
	/*
	 * GENL_ADMIN_PERM (CAP_NET_ADMIN in the initial user namespace) or
	 * GENL_UNS_ADMIN_PERM (in the netns's own, as ethtool's SETs ask);
	 * the model has one namespace, so either needs an admin socket.  0:
	 * anyone.  nlctrl reports it as it is.
	 */
	uint32_t perm;
	const struct dml_nla_policy *policy;
	unsigned int maxattr;
	const struct dml_nla_policy *dump_policy;
	unsigned int dump_maxattr;
	int (*doit)(struct dml_genl_info *info);
	int (*dumpit)(struct dml_genl_info *info);
};

/* A multicast group as CTRL_ATTR_MCAST_GROUPS advertises it. */
struct dml_genl_mcgrp {
	const char *name;
	uint32_t id;		/* below 32: a bit of dml_nl_sock.groups */
};

struct dml_genl_family {
	const char *name;
	uint16_t id;
	uint32_t version;
	unsigned int maxattr;
	const struct dml_genl_op *ops;
	size_t nr_ops;
	const struct dml_genl_mcgrp *mcgrps;
	size_t nr_mcgrps;
};

/* Multicast group ids, unique over the families (nlctrl's is the kernel's). */
#define DML_NLGRP_CTRL_NOTIFY		GENL_ID_CTRL
#define DML_NLGRP_NETDEV_MGMT		2
#define DML_NLGRP_NETDEV_PAGE_POOL	3
#define DML_NLGRP_ETHTOOL_MONITOR	4

extern const struct dml_genl_family dml_nlctrl_family;
extern const struct dml_genl_family dml_netdev_family;
extern const struct dml_genl_family dml_ethtool_family;

const struct dml_genl_family *dml_genl_family_by_name(const char *name);
const struct dml_genl_family *dml_genl_family_at(size_t index);

/* Reply building: a message under construction in caller-provided room. */
struct nlmsghdr *dml_genl_reply_start(struct dml_genl_info *info, void *buf,
				      const struct dml_genl_family *family,
				      uint8_t cmd, uint16_t flags);
int dml_nl_queue(struct dml_nl_sock *sk, const struct nlmsghdr *nlh);
int dml_nl_queue_done(struct dml_genl_info *info);
void dml_nl_binding_unbind(struct dml_binding *binding);

#endif /* DML_NL_SOCK_H */
