// SPDX-License-Identifier: MIT
/* The table of token designs, in benchmark order. */
#include <string.h>

#include "tokens.h"

static const struct dml_token_ops *const designs[] = {
	&dml_token_xarray_ops,
	&dml_token_niov_ops,
	&dml_token_hashmap_ops,
	&dml_token_rcu_ops,
};

#define NR_DESIGNS (sizeof(designs) / sizeof(designs[0]))

const struct dml_token_ops *dml_token_ops_by_name(const char *name)
{
	size_t i;

	for (i = 0; i < NR_DESIGNS; i++)
		if (!strcmp(designs[i]->info.name, name))
			return designs[i];
	return NULL;
}

size_t dml_token_design_count(void)
{
	return NR_DESIGNS;
}

const struct dml_token_design_info *dml_token_design(size_t index)
{
	return index < NR_DESIGNS ? &designs[index]->info : NULL;
}
