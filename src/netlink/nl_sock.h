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
#include <stdbool.h>
#include <stdint.h>

#include "devmem/devmem.h"
#include "extack.h"
#include "policy.h"

struct dml_binding;
struct dml_nl_reply;

#define DML_NL_MSG_MAX	8192	/* the biggest reply we build */

struct dml_nl_sock {
	struct dml_host *host;
	uint32_t portid;
	bool admin;

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
	bool admin;			/* GENL_ADMIN_PERM */
	const struct dml_nla_policy *policy;
	unsigned int maxattr;
	const struct dml_nla_policy *dump_policy;
	unsigned int dump_maxattr;
	int (*doit)(struct dml_genl_info *info);
	int (*dumpit)(struct dml_genl_info *info);
};

struct dml_genl_family {
	const char *name;
	uint16_t id;
	uint32_t version;
	unsigned int maxattr;
	const struct dml_genl_op *ops;
	size_t nr_ops;
};

extern const struct dml_genl_family dml_nlctrl_family;
extern const struct dml_genl_family dml_netdev_family;

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
