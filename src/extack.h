/* SPDX-License-Identifier: MIT */
/*
 * The extended ack of a control-plane request: a readable message, the
 * attribute at fault and, for a missing attribute, which one.  Filled by the
 * layer that refuses, sent back by the netlink layer in NLMSG_ERROR.
 */
#ifndef DML_EXTACK_H
#define DML_EXTACK_H

#include <stdbool.h>
#include <stdint.h>

struct nlattr;

struct dml_extack {
	char msg[160];
	const struct nlattr *bad_attr;
	bool has_miss_type;
	uint32_t miss_type;
	const struct nlattr *miss_nest;
};

__attribute__((format(printf, 2, 3)))
void dml_extack_msg(struct dml_extack *ext, const char *fmt, ...);

static inline void dml_extack_bad_attr(struct dml_extack *ext,
				       const struct nlattr *attr)
{
	if (ext)
		ext->bad_attr = attr;
}

#endif /* DML_EXTACK_H */
