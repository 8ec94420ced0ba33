/* SPDX-License-Identifier: MIT */
/* What the parts of the report share: row lookups, the seed's figures, files. */
#ifndef DML_BENCH_REPORT_H
#define DML_BENCH_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bench.h"
#include "fidelity.h"

/*
 * The least any design must do per token: one atomic increment when the
 * token is handed out, one atomic decrement when it comes back, and the
 * 40-byte cmsg (struct dmabuf_cmsg) written to the user.
 */
#define FLOOR_WHAT "one atomic increment + one atomic decrement + one 40-byte cmsg write"

/* Targets for binding a 64 GiB dma-buf: fast, and net_iov metadata small. */
#define BIND_64G_TARGET_S	0.5
#define BIND_64G_TARGET_B	32.0

/* What the seed series reported (kperf, 4 flows, 11 runs). */
#define SEED_RATIO	(SEED_NIOV_CPU_PCT / SEED_XARRAY_CPU_PCT)
#define V2_RATIO	(V2_NIOV_CPU_PCT / V2_XARRAY_CPU_PCT)
#define SEED_LINE "seed (kperf, 4 flows, 11 runs): worker idle 13.13% (xarray) -> 26.32% (niov), about 13% less CPU per RX worker"

/* struct report_field.flags */
#define FIELD_STAT	(1u << 0)	/* a struct bench_stat at .off, else a double */
#define FIELD_INT	(1u << 1)	/* JSON: a whole number */
#define FIELD_INSTR	(1u << 2)	/* measured only with instructions */
#define FIELD_HELD	(1u << 3)	/* measured only with tokens held */
#define FIELD_FLOOR	(1u << 4)	/* only against a floor */
#define FIELD_CHARGED	(1u << 5)	/* JSON: in charged rows only */
#define FIELD_BASELINE	(1u << 6)	/* the table titles it after the baseline */

/* Figures computed from others, for struct report_field.calc. */
enum field_calc {
	CALC_NONE, CALC_INSTR_TOTAL, CALC_VS_FLOOR, CALC_OPS, CALC_OWN, CALC_SHARED,
	CALC_OWN_VS_FLOOR, CALC_HELD_TOTAL, CALC_HELD, CALC_RSS,
};

/*
 * One figure of a row.  An output shows it when it has a name for it there:
 * .csv, .json ("key" or "group.key" of the row's object), .title (the table,
 * which prints the mean times .scale, 1 when 0, with .prec decimals, then
 * .suffix, in a column .width wide) and .sum (the SUMMARY line, kperf rows, .sum_ci for the interval).
 */
struct report_field {
	const char *csv;
	const char *json;
	size_t off;		/* in struct bench_row, unless .calc */
	unsigned int flags;
	enum field_calc calc;
	const char *title;
	const char *unit;	/* as the table shows it */
	int width;
	int prec;
	double scale;
	const char *suffix;
	const char *sum;
	const char *sum_ci;
	int sum_prec;
};

/* What a struct report_figure is, and so how each output writes it. */
enum figure_type {
	FIG_UINT, FIG_ULONG, FIG_U64, FIG_BOOL, FIG_DOUBLE, FIG_CONST, FIG_STR, FIG_CHARS,
	FIG_PROFILES,		/* cfg.profiles as a list of names */
	FIG_DESIGNS,		/* cfg.designs as a list */
	FIG_CALIB,		/* JSON: the per-profile calibration objects */
	FIG_ROWS,		/* the rows: the JSON's array, the SUMMARY's kperf figures */
	FIG_FIDELITY,		/* JSON: the fidelity object */
	FIG_TARGETS,		/* JSON: issue 16's targets, met or missed */
	FIG_PROJECTION,		/* JSON: the line-rate projection */
	FIG_SOCK_SCALE,		/* JSON: token state per socket at scale */
};

/*
 * One figure of the report outside the rows.  .sum names it in the SUMMARY
 * line (with .prec decimals), .json in the JSON ("key" or "group.key" of
 * the top object).  .off is in struct bench_report unless .num, .str or .k
 * give the value; .when + 1 is the offset of the bool that says it was
 * measured (0: always); .last puts it at the end of the SUMMARY line.
 */
struct report_figure {
	const char *sum;
	const char *json;
	enum figure_type type;
	size_t off;
	int prec;
	size_t when;
	bool last;
	double k;
	double (*num)(const struct bench_report *r);
	const char *(*str)(const struct bench_report *r);
};

extern const struct report_figure report_figures[];
extern const size_t report_nr_figures;

bool figure_shown(const struct report_figure *f, const struct bench_report *r);
uint64_t figure_uint(const struct report_figure *f, const struct bench_report *r);
double figure_double(const struct report_figure *f, const struct bench_report *r);
const char *figure_str(const struct report_figure *f, const struct bench_report *r);

/* How a struct report_column gets its value from the section's item. */
enum column_kind {
	COL_FIELD,		/* the report_fields row whose JSON name is .field */
	COL_DESIGN,		/* the row's design, left in the line */
	COL_AT,			/* a double at .off in the item */
	COL_WHOLE,		/* an unsigned long at .off: the JSON's a whole number */
	COL_RATIO,		/* column .a over column .b, .none when b is not above 0 */
	COL_MET,		/* column .a within the fidelity target of column .b */
};

/*
 * One column of a section: the table prints .sep, then the value at
 * .width (negative: to the left) with .prec decimals, then .suffix; the
 * title line prints .title at the same width (NULL: nothing), the JSON
 * writes it under .json.
 */
struct report_column {
	const char *title;
	const char *json;
	const char *sep;
	int width;
	int prec;
	const char *suffix;
	enum column_kind kind;
	const char *field;
	size_t off;
	unsigned int a, b;
	double none;
};

/*
 * A section after the main table: .head and .foot around lines of .cols,
 * one per item: the first row of each design that has the figures .needs
 * (FIELD_INSTR, FIELD_HELD), or with .fidelity each measured fidelity
 * point.  The head has the first item (a row; fidelity's head needs none).
 */
struct report_section {
	void (*head)(const struct bench_report *r, const struct bench_row *first, FILE *out);
	const char *foot;
	unsigned int needs;
	bool fidelity;
	const struct report_column *cols;
	size_t ncols;
};

#define SECTION_MAX_COLS	12

extern const struct report_section section_held, section_token_ops, section_fidelity;

const void *section_item(const struct report_section *s, const struct bench_report *r,
			 size_t i);
size_t section_items(const struct report_section *s, const struct bench_report *r);
size_t section_values(const struct report_section *s, const struct bench_report *r,
		      const void *item, double *v);

extern const struct report_field report_fields[];
extern const size_t report_nr_fields;

bool field_measured(const struct report_field *f, const struct bench_report *r,
		    const struct bench_row *row);
const struct bench_stat *field_stat(const struct report_field *f,
				    const struct bench_row *row);
double field_value(const struct report_field *f, const struct bench_report *r,
		   const struct bench_row *row);

const char *row_design(const struct bench_row *row);
const char *report_baseline(const struct bench_report *r);
const struct bench_row *find_row_charged(const struct bench_report *r, const char *design,
					 enum bench_profile p, bool charged);
bool have_profile(const struct bench_report *r, enum bench_profile p);
bool have_profile_charged(const struct bench_report *r, enum bench_profile p, bool charged);
double floor_total(const struct bench_report *r);
double instr_total(const struct bench_row *row);
bool first_row_of_design(const struct bench_report *r, size_t i);
size_t distinct_designs(const struct bench_report *r, const char **out);
int replace_file(const char *path, int (*fill)(int fd, const char *tmp, void *arg), void *arg);
int write_file_atomic(const char *path, const char *buf, size_t len);

/*
 * One of issue 16's targets (targets.c), on one profile: met when @value is
 * at most @limit (@strict: below it); not @measured when a row it needs
 * is missing (no ring or owned rows, no charged rows, no instructions).
 */
struct bench_target {
	const char *what;
	const char *unit;	/* after value and limit, "x" for a ratio */
	enum bench_profile profile;
	bool measured;
	bool strict;
	bool met;
	double value;
	double limit;
};

#define BENCH_TARGETS_PER_PROFILE	5
#define BENCH_MAX_TARGETS		(BENCH_TARGETS_PER_PROFILE * BENCH_NR_PROFILES)

size_t bench_targets(const struct bench_report *r, struct bench_target *out, size_t room);

/* The line-rate projection (projection.c): rates, frag sizes, what it assumes. */
#define PROJECTION_NR_RATES		4
#define PROJECTION_NR_FRAGS		2
#define PROJECTION_NR_ASSUMPTIONS	4

extern const double projection_gbps[PROJECTION_NR_RATES];
extern const unsigned int projection_frag_bytes[PROJECTION_NR_FRAGS];
extern const char *const projection_assumptions[PROJECTION_NR_ASSUMPTIONS];

double bench_projection_tokens_per_s(double gbps, unsigned int frag_bytes);
double bench_projection_cores(double gbps, unsigned int frag_bytes, double ns_per_token);

#endif /* DML_BENCH_REPORT_H */
