// SPDX-License-Identifier: MIT
/* The table of token designs, in benchmark order. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "tokens.h"
#include "warn.h"

/*
 * A design is its file, its line in meson.build and its row here: each
 * file defines dml_token_<name>_ops, and nothing else names it.
 */
#define BUILTIN_DESIGNS(row)	\
	row(xarray)		\
	row(niov)		\
	row(hashmap)		\
	row(rcu)		\
	row(ring)		\
	row(owned)		\
	row(sockarray)

#define DECLARE_DESIGN(name)	extern const struct dml_token_ops dml_token_##name##_ops;
#define DESIGN_ROW(name)	&dml_token_##name##_ops,

BUILTIN_DESIGNS(DECLARE_DESIGN)

static const struct dml_token_ops *const builtin[] = {
	BUILTIN_DESIGNS(DESIGN_ROW)
};

#define NR_BUILTIN	(sizeof(builtin) / sizeof(builtin[0]))
#define MAX_PLUGINS	8

/*
 * Designs whose code is not in this library (the GPL kxarray) join after
 * the built-in ones from a constructor, before any thread exists, so the
 * table is read-only by the time anything looks it up.
 */
static const struct dml_token_ops *plugins[MAX_PLUGINS];
static size_t nr_plugins;

static const struct dml_token_ops *design_at(size_t index)
{
	if (index < NR_BUILTIN)
		return builtin[index];
	index -= NR_BUILTIN;
	return index < nr_plugins ? plugins[index] : NULL;
}

int dml_token_design_register(const struct dml_token_ops *ops)
{
	if (!ops || !ops->info.name || (ops->info.autorelease != 0 && ops->info.autorelease != 1) ||
	    !ops->sock_create || !ops->sock_destroy || !ops->assign || !ops->release)
		return -EINVAL;
	if (dml_token_ops_by_name(ops->info.name))
		return -EEXIST;
	if (nr_plugins == MAX_PLUGINS)
		return -ENOSPC;
	plugins[nr_plugins++] = ops;
	return 0;
}

int dml_token_design_row(const struct dml_token_ops *ops)
{
	int err = dml_token_design_register(ops);

	if (err)
		fprintf(stderr, "devmem-lab: token design '%s' not added: %s\n",
			ops && ops->info.name ? ops->info.name : "(no name)", strerror(-err));
	return err;
}

void dml_design_warn(struct dml_token_sock *ts, const char *file, int line,
		     const char *cond)
{
	dml_warn_slow(ts->warnings, file, line, cond);
}

const struct dml_token_ops *dml_token_ops_by_name(const char *name)
{
	const struct dml_token_ops *ops;
	size_t i;

	for (i = 0; (ops = design_at(i)); i++)
		if (!strcmp(ops->info.name, name))
			return ops;
	return NULL;
}

size_t dml_token_design_count(void)
{
	return NR_BUILTIN + nr_plugins;
}

const struct dml_token_design_info *dml_token_design(size_t index)
{
	const struct dml_token_ops *ops = design_at(index);

	return ops ? &ops->info : NULL;
}
