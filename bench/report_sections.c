// SPDX-License-Identifier: MIT
/*
 * The report's sections after the main table, as data: each is a list of
 * columns over items (a design's first row, or a fidelity point).  The
 * table prints them as fixed-width lines and the JSON writes the ones with
 * keys, both through section_values(), so a column is one row here.
 */
#include <math.h>
#include <string.h>

#include "report.h"

#define SECTION(name, head, foot, needs, fidelity) \
	{ head, foot, needs, fidelity, name##_cols, sizeof(name##_cols) / sizeof(name##_cols[0]) }

static void held_head(const struct bench_report *r, const struct bench_row *first, FILE *out)
{
	fprintf(out, "\ninstructions per token with %lu tokens held (assign + return, %s returns), against none held\n",
		r->instr_held, bench_profile_name(first->profile));
}

/* Does holding many tokens change what a token costs?  Once per design. */
static const struct report_column held_cols[] = {
	{ .sep = "  ", .width = -8, .kind = COL_DESIGN },
	{ .sep = " ", .width = 8, .prec = 1, .field = "instructions_per_token_held.assign" },
	{ .sep = " + ", .width = 7, .prec = 1, .field = "instructions_per_token_held.return" },
	{ .sep = " = ", .width = 8, .prec = 1, .field = "instructions_per_token_held.total" },
	{ .sep = "   (", .prec = 2, .suffix = "x", .kind = COL_RATIO, .a = 3, .b = 5 },
	{ .sep = " of ", .prec = 1, .suffix = ")", .field = "instructions_per_token.total" },
};

const struct report_section section_held =
	SECTION(held, held_head, NULL, FIELD_INSTR | FIELD_HELD, false);

static void ops_head(const struct bench_report *r, const struct bench_row *first, FILE *out)
{
	(void)r;
	fprintf(out, "\ninstructions per token inside the design's token ops (callgrind, inclusive, %s returns), of the totals above\n",
		bench_profile_name(first->profile));
}

/*
 * Where each design's instructions go: inside its token ops (the calls
 * from the shared path into the design's code, inclusive) and, of those, the
 * page-pool recycle every design pays; the rest of the total is the
 * recvmsg/DONTNEED path they all share.  Once per design.
 */
static const struct report_column token_ops_cols[] = {
	{ "design", .sep = "  ", .width = -8, .kind = COL_DESIGN },
	{ "assign", .sep = " ", .width = 8, .prec = 1, .field = "token_ops_per_token.assign" },
	{ "return", .sep = " ", .width = 8, .prec = 1, .field = "token_ops_per_token.return" },
	{ "ops", .sep = " ", .width = 8, .prec = 1, .field = "token_ops_per_token.total" },
	{ "page pool", .sep = " ", .width = 11, .prec = 1,
	  .field = "token_ops_per_token.page_pool" },
	{ "ops - pool", .sep = " ", .width = 12, .prec = 1, .field = "token_ops_per_token.own" },
	{ "shared", .sep = " ", .width = 9, .prec = 1,
	  .field = "token_ops_per_token.shared_path" },
	{ "vs floor", .sep = " ", .width = 9, .prec = 1, .suffix = "x",
	  .field = "token_ops_per_token.own_vs_floor" },
};

const struct report_section section_token_ops = SECTION(token_ops, ops_head,
	"  ops - pool: the design's own work, against the floor; shared: the path outside the ops\n",
	FIELD_INSTR, false);

static void fidelity_head(const struct bench_report *r, const struct bench_row *first,
			  FILE *out)
{
	(void)r, (void)first;
	fprintf(out, "\nfidelity: instructions per token (assign + return, kperf returns), xarray against the kernel's lib/xarray.c (kxarray); target: within \u00b1%.0f%%\n",
		100 * FIDELITY_TOLERANCE);
}

#define POINT(m)	.off = offsetof(struct bench_fidelity_point, m)

/* xarray against the kernel's own xarray as tokens pile up (--instructions). */
static const struct report_column fidelity_cols[] = {
	{ "held", "held", "  ", 7, .kind = COL_WHOLE, POINT(held) },
	{ "xarray ops", "xarray_ops", "  ", 10, 1, .kind = COL_AT, POINT(ops[0]) },
	{ "kxarray ops", "kxarray_ops", " ", 11, 1, .kind = COL_AT, POINT(ops[1]) },
	{ "ratio", "ops_ratio", " ", 7, 3, .kind = COL_RATIO, .a = 1, .b = 2, .none = NAN },
	{ "", "ops_met", " ", -6, .kind = COL_MET, .a = 1, .b = 2 },
	{ "xarray total", "xarray_total", "  ", 12, 1, .kind = COL_AT, POINT(total[0]) },
	{ "kxarray total", "kxarray_total", " ", 13, 1, .kind = COL_AT, POINT(total[1]) },
	{ "ratio", "total_ratio", " ", 7, 3, .kind = COL_RATIO, .a = 5, .b = 6, .none = NAN },
	{ NULL, "total_met", " ", .kind = COL_MET, .a = 5, .b = 6 },
};

const struct report_section section_fidelity = SECTION(fidelity, fidelity_head,
	"  ops: inside the design's token ops, without the page pool; ratio: xarray / kxarray\n",
	0, true);

/* The @i-th item of @s, or NULL when @s skips it. */
const void *section_item(const struct report_section *s, const struct bench_report *r,
			 size_t i)
{
	const struct bench_row *row;

	if (s->fidelity)
		return i < BENCH_FIDELITY_POINTS && r->fidelity[i].measured ? &r->fidelity[i] : NULL;
	if (i >= r->nr_rows)
		return NULL;
	row = &r->rows[i];
	/* Instruction counts are per design: the first of its rows speaks for all. */
	if (((s->needs & FIELD_INSTR) && !row->have_instructions) ||
	    ((s->needs & FIELD_HELD) && !row->have_instr_held) || !first_row_of_design(r, i))
		return NULL;
	return row;
}

size_t section_items(const struct report_section *s, const struct bench_report *r)
{
	return s->fidelity ? BENCH_FIDELITY_POINTS : r->nr_rows;
}

static const struct report_field *field_named(const char *json)
{
	const struct report_field *f;

	for (f = report_fields; f < report_fields + report_nr_fields; f++)
		if (f->json && !strcmp(f->json, json))
			return f;
	return NULL;
}

/*
 * The values of @item's columns into @v; returns how many columns have
 * one, counting from the first: a figure not measured ends the line.
 * A ratio over a count not above 0 is .none: NaN prints "nan" and is
 * null in the JSON, as the infinity of x / 0 was.
 * COL_DESIGN's value is unused, COL_MET's is 1 for met.
 */
size_t section_values(const struct report_section *s, const struct bench_report *r,
		      const void *item, double *v)
{
	const size_t ncols = s->ncols < SECTION_MAX_COLS ? s->ncols : SECTION_MAX_COLS;
	const struct report_column *c;
	const struct report_field *f;
	size_t n, i;

	for (n = 0; n < ncols; n++) {
		c = &s->cols[n];
		f = c->kind == COL_FIELD ? field_named(c->field) : NULL;
		if (c->kind == COL_AT)
			v[n] = *(const double *)((const char *)item + c->off);
		else if (c->kind == COL_WHOLE)
			v[n] = (double)*(const unsigned long *)((const char *)item + c->off);
		else if (c->kind == COL_FIELD && (!f || !field_measured(f, r, item)))
			break;
		else	/* COL_DESIGN's 0; a ratio or a verdict comes below */
			v[n] = f ? field_value(f, r, item) : 0;
	}
	for (i = 0; i < n; i++) {
		c = &s->cols[i];
		if (c->kind == COL_RATIO)
			v[i] = c->b < n && v[c->b] > 0 ? v[c->a] / v[c->b] : c->none;
		else if (c->kind == COL_MET)
			v[i] = bench_fidelity_met(v[c->a], v[c->b]);
	}
	return n;
}
