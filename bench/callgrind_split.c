// SPDX-License-Identifier: MIT
/*
 * Reads callgrind's output format (valgrind's "Callgrind Format
 * Specification"): name compression "(id) name" defines an id, "(id)"
 * refers to it; files share one id space (fl, fi, fe, cfi, cfl), functions
 * another (fn, cfn); the cost line after a calls= line is the inclusive
 * cost of that call, every other cost line is the current function's own.
 *
 * A function belongs where its own instructions are, not where callgrind
 * files it: callgrind names a function after the file of its first
 * instruction, which for niov_take() is an inlined helper of
 * src/mem/netmem.h.  So the first pass marks each function that runs code
 * of a .c file under src/tokens/ (or of page_pool.c) as its own, and the
 * second adds up the calls by where they leave and land.  The kernel's
 * lib/xarray.c that the kxarray design compiles counts as a token file.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "callgrind_split.h"

enum where { ELSEWHERE, IN_TOKENS, IN_PAGE_POOL };

struct id_table {
	unsigned char *where;	/* enum where + 1 per id; 0: not seen */
	size_t len;
};

struct split_reader {
	struct id_table files, fns;
};

static bool ends_with(const char *s, const char *end)
{
	size_t len = strlen(s), n = strlen(end);

	return len >= n && !strcmp(s + len - n, end);
}

static enum where classify(const char *name)
{
	/* Inlined helpers of the tokens' headers run on the shared path too. */
	if (strstr(name, "src/tokens/") && ends_with(name, ".c"))
		return IN_TOKENS;
	/*
	 * kxarray: the kernel's own lib/xarray.c, extracted into the build
	 * directory, is that design's code as much as its src/tokens/ glue;
	 * filed elsewhere, its calls back into the glue (the allocator shims)
	 * would count as token ops a second time.
	 */
	if (ends_with(name, "/lib/xarray.c") ||
	    (strstr(name, "kxarray") && ends_with(name, ".c")))
		return IN_TOKENS;
	if (strstr(name, "src/mem/page_pool.c"))
		return IN_PAGE_POOL;
	return ELSEWHERE;
}

static int table_set(struct id_table *t, size_t id, enum where w)
{
	if (id >= t->len) {
		size_t len = id + 64;
		unsigned char *p = realloc(t->where, len);

		if (!p)
			return -ENOMEM;
		memset(p + t->len, 0, len - t->len);
		t->where = p;
		t->len = len;
	}
	t->where[id] = (unsigned char)(w + 1);
	return 0;
}

static bool table_get(const struct id_table *t, size_t id, enum where *w)
{
	if (id >= t->len || !t->where[id])
		return false;
	*w = (enum where)(t->where[id] - 1);
	return true;
}

/*
 * A name field: "(id) name", "(id)" or "name".  Sets *has_id and *id,
 * and *name to the name when one is given (else NULL).
 */
static void parse_name(char *field, bool *has_id, size_t *id, char **name)
{
	char *end;

	*has_id = false;
	*name = NULL;
	field[strcspn(field, "\n")] = '\0';
	if (field[0] == '(') {
		*id = strtoul(field + 1, &end, 10);
		if (*end != ')')
			return;
		*has_id = true;
		end++;
		while (*end == ' ')
			end++;
		if (*end)
			*name = end;
		return;
	}
	if (*field)
		*name = field;
}

/* The file a name field names: defines its id when it carries the name. */
static int file_where(struct id_table *files, char *field, enum where *w)
{
	bool has_id;
	size_t id;
	char *name;

	parse_name(field, &has_id, &id, &name);
	if (name) {
		*w = classify(name);
		return has_id ? table_set(files, id, *w) : 0;
	}
	if (!has_id || !table_get(files, id, w))
		*w = ELSEWHERE;
	return 0;
}

static bool starts(const char *line, const char *key)
{
	return !strncmp(line, key, strlen(key));
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

/* Marks @fn as running code of @w, a token file taking precedence. */
static int mark_function(struct id_table *fns, size_t fn, enum where w)
{
	enum where had;

	if (w == ELSEWHERE)
		return 0;
	if (table_get(fns, fn, &had) && had == IN_TOKENS)
		return 0;
	return table_set(fns, fn, w);
}

/* Pass 1: the total, and which functions run token or page-pool code. */
static int learn_functions(FILE *f, struct split_reader *r, double *total, bool *is_profile)
{
	enum where fl = ELSEWHERE, code = ELSEWHERE, w;
	bool in_fn = false, call_cost_next = false;
	size_t fn = 0;
	char line[4096];
	int err = 0;

	while (!err && fgets(line, sizeof(line), f)) {
		bool has_id;
		char *name;

		if (starts(line, "events:")) {
			*is_profile = true;
		} else if (starts(line, "summary:") || starts(line, "totals:")) {
			*total = strtod(strchr(line, ':') + 1, NULL);
		} else if (starts(line, "fl=")) {
			err = file_where(&r->files, line + 3, &fl);
			code = fl;
		} else if (starts(line, "fi=") || starts(line, "fe=")) {
			err = file_where(&r->files, line + 3, &code);
		} else if (starts(line, "cfi=") || starts(line, "cfl=")) {
			err = file_where(&r->files, line + 4, &w);
		} else if (starts(line, "fn=")) {
			parse_name(line + 3, &has_id, &fn, &name);
			in_fn = has_id;
			code = fl;
		} else if (starts(line, "calls=")) {
			call_cost_next = true;
		} else if (is_cost_line(line)) {
			if (!call_cost_next && in_fn)
				err = mark_function(&r->fns, fn, code);
			call_cost_next = false;
		}
	}
	return err;
}

/* Pass 2: the inclusive cost of each call, by where it leaves and lands. */
static void add_calls(FILE *f, struct split_reader *r, struct callgrind_split *out)
{
	enum where caller = ELSEWHERE, callee = ELSEWHERE;
	bool call_cost_next = false;
	char line[4096];

	while (fgets(line, sizeof(line), f)) {
		bool has_id;
		size_t id;
		char *name;

		if (starts(line, "fn=")) {
			parse_name(line + 3, &has_id, &id, &name);
			if (!has_id || !table_get(&r->fns, id, &caller))
				caller = ELSEWHERE;
		} else if (starts(line, "cfn=")) {
			parse_name(line + 4, &has_id, &id, &name);
			if (!has_id || !table_get(&r->fns, id, &callee))
				callee = ELSEWHERE;
		} else if (starts(line, "calls=")) {
			call_cost_next = true;
		} else if (is_cost_line(line) && call_cost_next) {
			double cost = last_number(line);

			if (caller != IN_TOKENS && callee == IN_TOKENS)
				out->token_ops += cost;
			else if (caller == IN_TOKENS && callee == IN_PAGE_POOL)
				out->page_pool += cost;
			call_cost_next = false;
		}
	}
}

int callgrind_split_read(const char *path, struct callgrind_split *out)
{
	struct split_reader r = { 0 };
	bool is_profile = false;
	FILE *f = fopen(path, "r");
	int err;

	memset(out, 0, sizeof(*out));
	out->total = -1;
	if (!f)
		return -errno;
	err = learn_functions(f, &r, &out->total, &is_profile);
	if (!err && (!is_profile || out->total < 0))
		err = -EINVAL;
	if (!err) {
		rewind(f);
		add_calls(f, &r, out);
	}
	fclose(f);
	free(r.files.where);
	free(r.fns.where);
	return err;
}
