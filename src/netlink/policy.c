// SPDX-License-Identifier: MIT
#include <errno.h>
#include <libmnl/libmnl.h>
#include <string.h>

#include "extack.h"
#include "policy.h"

static const char *attr_name(const struct dml_nla_policy *pt, unsigned int type)
{
	(void)type;
	return pt->name ? pt->name : "attribute";
}

static int fail(struct dml_extack *ext, const struct nlattr *attr, int err,
		const char *name, const char *why)
{
	dml_extack_msg(ext, "%s: %s", name, why);
	dml_extack_bad_attr(ext, attr);
	return err;
}

static int check_range(const struct dml_nla_policy *pt, const struct nlattr *attr,
		       struct dml_extack *ext)
{
	uint64_t v = dml_nla_get_uint(attr);

	if ((pt->has_min && v < pt->min) || (pt->has_max && v > pt->max)) {
		dml_extack_msg(ext, "%s: integer %llu out of range [%llu, %llu]",
			       pt->name, (unsigned long long)v,
			       (unsigned long long)(pt->has_min ? pt->min : 0),
			       (unsigned long long)(pt->has_max ? pt->max : UINT64_MAX));
		dml_extack_bad_attr(ext, attr);
		return -ERANGE;
	}
	return 0;
}

static int validate_one(const struct nlattr *attr, const struct dml_nla_policy *pt,
			struct dml_extack *ext)
{
	uint16_t len = mnl_attr_get_payload_len(attr);
	bool nested_flag = attr->nla_type & NLA_F_NESTED;
	const struct nlattr *tb[DML_NLA_MAX_SET + 1];
	const char *name = attr_name(pt, mnl_attr_get_type(attr));

	if (pt->type == DML_NLA_NESTED && !nested_flag)
		return fail(ext, attr, -EINVAL, name, "NLA_F_NESTED is missing");
	if (pt->type != DML_NLA_NESTED && nested_flag)
		return fail(ext, attr, -EINVAL, name, "NLA_F_NESTED not expected");

	switch (pt->type) {
	case DML_NLA_U8:
		if (len != 1)
			return fail(ext, attr, -EINVAL, name, "invalid attribute length (want u8)");
		break;
	case DML_NLA_U16:
		if (len != 2)
			return fail(ext, attr, -EINVAL, name, "invalid attribute length (want u16)");
		break;
	case DML_NLA_U32:
		if (len != 4)
			return fail(ext, attr, -EINVAL, name, "invalid attribute length (want u32)");
		break;
	case DML_NLA_UINT:
		if (len != 4 && len != 8)
			return fail(ext, attr, -EINVAL, name, "invalid attribute length (want u32 or u64)");
		break;
	case DML_NLA_BOOL_ANY:
		if (len != 0 && len != 1 && len != 4)
			return fail(ext, attr, -EINVAL, name, "invalid attribute length (want flag, u8 or u32)");
		break;
	case DML_NLA_STRING:
		if (len == 0 || memchr(mnl_attr_get_payload(attr), '\0', len) == NULL)
			return fail(ext, attr, -EINVAL, name, "string is not NUL-terminated");
		return 0;
	case DML_NLA_NESTED:
		return dml_nla_parse(mnl_attr_get_payload(attr), len, pt->nested,
				     pt->nested_maxattr, tb, ext);
	case DML_NLA_REJECT:
		return fail(ext, attr, -EINVAL, name, "Unsupported attribute");
	}
	return check_range(pt, attr, ext);
}

int dml_nla_parse(const void *data, size_t len,
		  const struct dml_nla_policy *policy, unsigned int maxattr,
		  const struct nlattr **tb, struct dml_extack *ext)
{
	const struct nlattr *attr = data;
	size_t left = len, step;
	int err;

	memset(tb, 0, (maxattr + 1) * sizeof(*tb));
	while (left >= sizeof(struct nlattr)) {
		unsigned int type;

		if (attr->nla_len < sizeof(struct nlattr))
			return fail(ext, attr, -EINVAL, "attribute",
				    "length field too short for an attribute header");
		if (attr->nla_len > left)
			return fail(ext, attr, -EINVAL, "attribute",
				    "length field runs past the message");
		type = mnl_attr_get_type(attr);
		if (type == 0 || type > maxattr)
			return fail(ext, attr, -EINVAL, "attribute", "Unknown attribute type");
		if (tb[type] && !policy[type].multi)
			return fail(ext, attr, -EINVAL, attr_name(&policy[type], type),
				    "duplicate attribute");
		err = validate_one(attr, &policy[type], ext);
		if (err)
			return err;
		if (!tb[type])
			tb[type] = attr;
		step = MNL_ALIGN((size_t)attr->nla_len);
		if (step >= left)
			return 0;
		left -= step;
		attr = (const struct nlattr *)((const char *)attr + step);
	}
	if (left)
		return fail(ext, attr, -EINVAL, "attribute",
			    "bytes leftover after parsing attributes");
	return 0;
}

uint64_t dml_nla_get_uint(const struct nlattr *attr)
{
	switch (mnl_attr_get_payload_len(attr)) {
	case 0:
		return 1;	/* a flag: present means set */
	case 1:
		return mnl_attr_get_u8(attr);
	case 2:
		return mnl_attr_get_u16(attr);
	case 4:
		return mnl_attr_get_u32(attr);
	default:
		return mnl_attr_get_u64(attr);
	}
}

bool dml_nla_require(const struct nlattr **tb, unsigned int type,
		     const struct dml_nla_policy *policy,
		     const struct nlattr *nest, struct dml_extack *ext)
{
	if (tb[type])
		return true;
	if (ext) {
		dml_extack_msg(ext, "missing attribute: %s", policy[type].name);
		ext->has_miss_type = true;
		ext->miss_type = type;
		ext->miss_nest = nest;
	}
	return false;
}
