// SPDX-License-Identifier: MIT
/*
 * The nlctrl family: CTRL_CMD_GETFAMILY, how a client finds the "netdev"
 * family's id (ynl and libnl both start here).
 */
#include <errno.h>
#include <libmnl/libmnl.h>
#include <string.h>

#include "nl_sock.h"

static const struct dml_nla_policy ctrl_getfamily_policy[] = {
	[CTRL_ATTR_FAMILY_ID] = { .type = DML_NLA_U16, .name = "family-id" },
	[CTRL_ATTR_FAMILY_NAME] = { .type = DML_NLA_STRING, .name = "family-name" },
};

static uint32_t op_flags(const struct dml_genl_op *op)
{
	uint32_t flags = op->perm;

	if (op->doit)
		flags |= GENL_CMD_CAP_DO;
	if (op->dumpit)
		flags |= GENL_CMD_CAP_DUMP;
	if (op->policy || op->dump_policy)
		flags |= GENL_CMD_CAP_HASPOL;
	return flags;
}

static int put_family(struct dml_genl_info *info,
		      const struct dml_genl_family *family, uint16_t flags)
{
	union {
		unsigned char buf[DML_NL_MSG_MAX];
		struct nlmsghdr align;
	} msg;
	struct nlmsghdr *nlh;
	struct nlattr *ops, *op, *grps, *grp;
	size_t i;

	nlh = dml_genl_reply_start(info, msg.buf, &dml_nlctrl_family,
				   CTRL_CMD_NEWFAMILY, flags);
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, family->name);
	mnl_attr_put_u16(nlh, CTRL_ATTR_FAMILY_ID, family->id);
	mnl_attr_put_u32(nlh, CTRL_ATTR_VERSION, family->version);
	mnl_attr_put_u32(nlh, CTRL_ATTR_HDRSIZE, 0);
	mnl_attr_put_u32(nlh, CTRL_ATTR_MAXATTR, family->maxattr);
	ops = mnl_attr_nest_start(nlh, CTRL_ATTR_OPS);
	for (i = 0; i < family->nr_ops; i++) {
		op = mnl_attr_nest_start(nlh, (uint16_t)(i + 1));
		mnl_attr_put_u32(nlh, CTRL_ATTR_OP_ID, family->ops[i].cmd);
		mnl_attr_put_u32(nlh, CTRL_ATTR_OP_FLAGS, op_flags(&family->ops[i]));
		mnl_attr_nest_end(nlh, op);
	}
	mnl_attr_nest_end(nlh, ops);
	/* The groups a client joins with NETLINK_ADD_MEMBERSHIP (ynl reads them). */
	if (family->nr_mcgrps) {
		grps = mnl_attr_nest_start(nlh, CTRL_ATTR_MCAST_GROUPS);
		for (i = 0; i < family->nr_mcgrps; i++) {
			grp = mnl_attr_nest_start(nlh, (uint16_t)(i + 1));
			mnl_attr_put_u32(nlh, CTRL_ATTR_MCAST_GRP_ID, family->mcgrps[i].id);
			mnl_attr_put_strz(nlh, CTRL_ATTR_MCAST_GRP_NAME, family->mcgrps[i].name);
			mnl_attr_nest_end(nlh, grp);
		}
		mnl_attr_nest_end(nlh, grps);
	}
	return dml_nl_queue(info->sk, nlh);
}

static int ctrl_getfamily_doit(struct dml_genl_info *info)
{
	const struct dml_genl_family *family = NULL;
	const struct nlattr *name = info->attrs[CTRL_ATTR_FAMILY_NAME];
	const struct nlattr *id = info->attrs[CTRL_ATTR_FAMILY_ID];
	size_t i;

	if (name) {
		family = dml_genl_family_by_name(mnl_attr_get_str(name));
	} else if (id) {
		for (i = 0; (family = dml_genl_family_at(i)); i++)
			if (family->id == mnl_attr_get_u16(id))
				break;
	} else {
		dml_nla_require(info->attrs, CTRL_ATTR_FAMILY_NAME,
				ctrl_getfamily_policy, NULL, info->ext);
		return -EINVAL;
	}
	if (!family) {
		dml_extack_msg(info->ext, "unknown generic netlink family");
		dml_extack_bad_attr(info->ext, name ? name : id);
		return -ENOENT;
	}
	return put_family(info, family, 0);
}

static int ctrl_getfamily_dumpit(struct dml_genl_info *info)
{
	const struct dml_genl_family *family;
	size_t i;
	int err;

	for (i = 0; (family = dml_genl_family_at(i)); i++) {
		err = put_family(info, family, NLM_F_MULTI);
		if (err)
			return err;
	}
	return dml_nl_queue_done(info);
}

static const struct dml_genl_op ctrl_ops[] = {
	{
		.cmd = CTRL_CMD_GETFAMILY,
		.policy = ctrl_getfamily_policy,
		.maxattr = CTRL_ATTR_FAMILY_NAME,
		.dump_policy = ctrl_getfamily_policy,
		.dump_maxattr = CTRL_ATTR_FAMILY_NAME,
		.doit = ctrl_getfamily_doit,
		.dumpit = ctrl_getfamily_dumpit,
	},
};

static const struct dml_genl_mcgrp ctrl_mcgrps[] = {
	{ .name = "notify", .id = DML_NLGRP_CTRL_NOTIFY },
};

const struct dml_genl_family dml_nlctrl_family = {
	.name = "nlctrl",
	.id = GENL_ID_CTRL,
	.version = 2,
	.maxattr = CTRL_ATTR_MAX,
	.ops = ctrl_ops,
	.nr_ops = sizeof(ctrl_ops) / sizeof(ctrl_ops[0]),
	.mcgrps = ctrl_mcgrps,
	.nr_mcgrps = sizeof(ctrl_mcgrps) / sizeof(ctrl_mcgrps[0]),
};
