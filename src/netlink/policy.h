/* SPDX-License-Identifier: MIT */
/*
 * Attribute policies and strict validation, as genetlink applies them before
 * a handler runs: known types only, exact lengths, NLA_F_NESTED where nested,
 * integer ranges, nests validated recursively, no trailing bytes.
 */
#ifndef DML_NL_POLICY_H
#define DML_NL_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct nlattr;
struct dml_extack;

enum dml_nla_type {
	DML_NLA_REJECT = 0,	/* not accepted in requests */
	DML_NLA_U8,
	DML_NLA_U16,
	DML_NLA_U32,
	DML_NLA_UINT,		/* u32 or u64 */
	DML_NLA_STRING,		/* NUL-terminated */
	DML_NLA_NESTED,
	DML_NLA_BOOL_ANY,	/* a flag, or a u8 or u32 holding 0 or 1 */
};

struct dml_nla_policy {
	enum dml_nla_type type;
	const char *name;
	bool multi;		/* may repeat */
	bool has_min;
	bool has_max;
	uint64_t min;
	uint64_t max;
	const struct dml_nla_policy *nested;
	unsigned int nested_maxattr;
};

#define DML_NLA_MAX_SET	18	/* largest maxattr of any policy: ethtool rings-set */

int dml_nla_parse(const void *data, size_t len,
		  const struct dml_nla_policy *policy, unsigned int maxattr,
		  const struct nlattr **tb, struct dml_extack *ext);
uint64_t dml_nla_get_uint(const struct nlattr *attr);
bool dml_nla_require(const struct nlattr **tb, unsigned int type,
		     const struct dml_nla_policy *policy,
		     const struct nlattr *nest, struct dml_extack *ext);

#endif /* DML_NL_POLICY_H */
