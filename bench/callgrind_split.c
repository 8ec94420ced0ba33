// SPDX-License-Identifier: MIT
/*
 * Reads callgrind's output format (valgrind's "Callgrind Format
 * Specification"): name compression "(id) name" defines a function's id,
 * "(id)" refers to it; the cost line after a calls= line is the inclusive
 * cost of that call (from the current fn= to the current cfn=).
 *
 * Which functions are the design's is decided by their names, not by the
 * files callgrind puts them in (a function is filed under the header of its
 * first inlined instruction, and the kernel's lib/xarray.c that kxarray
 * builds lives in the build directory).  Every ops-table entry of a design
 * is named <design>_<op>; those are its entry points, and so are the
 * kernel's xarray calls for kxarray, which its ops may jump to as a tail
 * call.  The design's code is then its entry points and every function
 * that only they (and what they reach) call: the helpers, the allocator
 * shims the kernel's xarray calls back, but not a lock or helper the shared
 * path calls too.  The page pool is dml_page_pool_*.  A return ring's
 * drain entries (<design>_drain, <design>_binding_refill) are summed apart
 * too, so the benchmark can book them as returns.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "callgrind_split.h"

#define PAGE_POOL_PREFIX	"dml_page_pool_"

/* Designs whose ops hand over to code named otherwise. */
static const struct {
	const char *design;
	const char *prefixes[4];
} foreign_code[] = {
	{ "kxarray", { "xa_", "xas_", "__xa_" } },
};

struct fn {
	bool entry, page_pool, mine, drain;
};

struct edge {
	size_t caller, callee;
	double cost;
};

struct split_reader {
	struct fn *fns;		/* by id */
	size_t nr_fns;
	struct edge *edges;
	size_t nr_edges, room;
};

static bool starts(const char *s, const char *prefix)
{
	return !strncmp(s, prefix, strlen(prefix));
}

static bool is_entry(const char *design, const char *name)
{
	size_t n = strlen(design), i, j;

	if (!strncmp(name, design, n) && name[n] == '_')
		return true;
	for (i = 0; i < sizeof(foreign_code) / sizeof(foreign_code[0]); i++) {
		if (strcmp(design, foreign_code[i].design))
			continue;
		for (j = 0; foreign_code[i].prefixes[j]; j++)
			if (starts(name, foreign_code[i].prefixes[j]))
				return true;
	}
	return false;
}

static bool is_drain(const char *design, const char *name)
{
	size_t n = strlen(design);

	return !strncmp(name, design, n) && name[n] == '_' &&
	       (!strcmp(name + n + 1, "drain") || !strcmp(name + n + 1, "binding_refill"));
}

/* "(id) name" or "(id)": the id, defining what the name says of it. */
static int function_id(struct split_reader *r, const char *design, char *field,
		       size_t *id)
{
	char *end;

	field[strcspn(field, "\n")] = '\0';
	if (field[0] != '(')
		return -EINVAL;
	*id = strtoul(field + 1, &end, 10);
	if (*end++ != ')')
		return -EINVAL;
	if (*id >= r->nr_fns) {
		size_t n = *id + 64;
		struct fn *p = realloc(r->fns, n * sizeof(*p));

		if (!p)
			return -ENOMEM;
		memset(p + r->nr_fns, 0, (n - r->nr_fns) * sizeof(*p));
		r->fns = p;
		r->nr_fns = n;
	}
	while (*end == ' ')
		end++;
	if (*end) {
		r->fns[*id].entry = is_entry(design, end);
		r->fns[*id].page_pool = starts(end, PAGE_POOL_PREFIX);
		r->fns[*id].drain = is_drain(design, end);
	}
	return 0;
}

static int add_edge(struct split_reader *r, size_t caller, size_t callee, double cost)
{
	if (r->nr_edges == r->room) {
		size_t n = r->room ? 2 * r->room : 256;
		struct edge *p = realloc(r->edges, n * sizeof(*p));

		if (!p)
			return -ENOMEM;
		r->edges = p;
		r->room = n;
	}
	r->edges[r->nr_edges++] = (struct edge){ caller, callee, cost };
	return 0;
}

static bool is_cost_line(const char *line)
{
	return (line[0] >= '0' && line[0] <= '9') || line[0] == '+' ||
	       line[0] == '-' || line[0] == '*';
}

/* The last number of a cost line: the one event's count. */
static double last_number(const char *line)
{
	const char *p = line + strlen(line);

	while (p > line && (p[-1] == '\n' || p[-1] == ' '))
		p--;
	while (p > line && p[-1] >= '0' && p[-1] <= '9')
		p--;
	return strtod(p, NULL);
}

/* The functions and their calls, and the total. */
static int read_calls(FILE *f, struct split_reader *r, const char *design,
		      double *total, bool *is_profile)
{
	bool in_fn = false, call_cost_next = false;
	size_t fn = 0, cfn = 0;
	char line[4096];
	int err = 0;

	while (!err && fgets(line, sizeof(line), f)) {
		if (starts(line, "events:")) {
			*is_profile = true;
		} else if (starts(line, "summary:") || starts(line, "totals:")) {
			*total = strtod(strchr(line, ':') + 1, NULL);
		} else if (starts(line, "fn=")) {
			in_fn = !function_id(r, design, line + 3, &fn);
		} else if (starts(line, "cfn=")) {
			err = function_id(r, design, line + 4, &cfn);
		} else if (starts(line, "calls=")) {
			call_cost_next = in_fn;
		} else if (is_cost_line(line) && call_cost_next) {
			err = add_edge(r, fn, cfn, last_number(line));
			call_cost_next = false;
		}
	}
	return err;
}

/* Grows the design's code by what only its code calls, until it stops. */
static void find_mine(struct split_reader *r)
{
	bool grew = true;
	size_t i, e;

	for (i = 0; i < r->nr_fns; i++)
		r->fns[i].mine = r->fns[i].entry;
	while (grew) {
		grew = false;
		for (i = 0; i < r->nr_fns; i++) {
			bool called = false, only_mine = true;

			if (r->fns[i].mine || r->fns[i].page_pool)
				continue;
			for (e = 0; e < r->nr_edges && only_mine; e++) {
				if (r->edges[e].callee != i)
					continue;
				called = true;
				only_mine = r->fns[r->edges[e].caller].mine;
			}
			if (called && only_mine)
				grew = r->fns[i].mine = true;
		}
	}
}

int callgrind_split_read(const char *path, const char *design,
			 struct callgrind_split *out)
{
	struct split_reader r = { 0 };
	bool is_profile = false;
	FILE *f = fopen(path, "r");
	size_t e;
	int err;

	memset(out, 0, sizeof(*out));
	out->total = -1;
	if (!f)
		return -errno;
	err = read_calls(f, &r, design, &out->total, &is_profile);
	fclose(f);
	if (!err && (!is_profile || out->total < 0))
		err = -EINVAL;
	if (!err)
		find_mine(&r);
	for (e = 0; !err && e < r.nr_edges; e++) {
		const struct edge *c = &r.edges[e];

		if (!r.fns[c->caller].mine && r.fns[c->callee].mine) {
			out->token_ops += c->cost;
			if (r.fns[c->callee].drain)
				out->drain += c->cost;
		} else if (r.fns[c->caller].mine && r.fns[c->callee].page_pool)
			out->page_pool += c->cost;
	}
	free(r.fns);
	free(r.edges);
	return err;
}
