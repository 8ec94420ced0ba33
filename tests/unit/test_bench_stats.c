// SPDX-License-Identifier: MIT
/*
 * The benchmark's statistics (mean and 95% interval from Student's t, the
 * paired ratio) against hand-computed values, and its report: the JSON
 * shape read back with json-c, the CSV, the SUMMARY line, the table and
 * the plot, from a small report built in memory.
 */
#include <dirent.h>
#include <math.h>
#include <sys/stat.h>
#include <unistd.h>

#include <json-c/json.h>

#define DML_TEST_WITHOUT_DEVMEM
#include "bench_capture.h"
#include "test_helpers.h"

#include "bench.h"

#define assert_near(got, want, eps)                                          \
	do {                                                                 \
		double got_ = (got), want_ = (want);                         \
		if (!(fabs(got_ - want_) <= (eps)))                          \
			fail_msg("%s = %.9g, want %.9g (+- %g)", #got, got_, \
				 want_, (double)(eps));                      \
	} while (0)

/* ---- statistics */

/* t(0.975, dof) as printed in every table, the normal 1.96 beyond 30. */
static void test_t95_matches_the_table(void **state)
{
	(void)state;
	assert_near(bench_t95(1), 12.706, 1e-3);
	assert_near(bench_t95(4), 2.776, 1e-3);
	assert_near(bench_t95(10), 2.228, 1e-3);
	assert_near(bench_t95(30), 2.042, 1e-3);
	assert_near(bench_t95(31), 1.96, 1e-12);
	assert_near(bench_t95(100), 1.96, 1e-12);
	/* No degree of freedom: no interval, rather than an infinite one. */
	assert_near(bench_t95(0), 0, 0);
}

/* The quantile only shrinks as runs are added. */
static void test_t95_decreases_with_dof(void **state)
{
	unsigned int dof;

	(void)state;
	for (dof = 2; dof <= 40; dof++)
		if (!(bench_t95(dof) <= bench_t95(dof - 1)))
			fail_msg("t95(%u) = %g > t95(%u) = %g", dof,
				 bench_t95(dof), dof - 1, bench_t95(dof - 1));
}

/*
 * 1..5: mean 3, sample variance 10/4, sd / sqrt(5) = sqrt(1/2), so
 * ci95 = t(4) * 0.70711 = 2.7764 * 0.70711 = 1.9632.
 */
static void test_stat_of_known_samples(void **state)
{
	const double five[] = { 1, 2, 3, 4, 5 };
	const double two[] = { 10, 12 };
	struct bench_stat s;

	(void)state;
	s = bench_stat_of(five, 5);
	assert_int_equal(s.n, 5);
	assert_near(s.mean, 3, 1e-12);
	assert_near(s.ci95, 2.7764 * sqrt(0.5), 1e-9);
	assert_near(s.ci95, 1.9632, 1e-4);

	/* sd = sqrt(2), sd / sqrt(2) = 1: the interval is t(1) itself. */
	s = bench_stat_of(two, 2);
	assert_int_equal(s.n, 2);
	assert_near(s.mean, 11, 1e-12);
	assert_near(s.ci95, 12.7062, 1e-9);
}

/*
 * Identical runs give an interval of 0, and runs far from 0 keep their
 * spread: sums of squares taken around 0 would cancel to noise (or a
 * negative variance) at 1e9.
 */
static void test_stat_of_is_numerically_stable(void **state)
{
	const double same[] = { 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1 };
	const double far[] = { 1e9 + 1, 1e9 + 2, 1e9 + 3, 1e9 + 4, 1e9 + 5 };
	struct bench_stat s = bench_stat_of(same, 7);

	(void)state;
	assert_int_equal(s.n, 7);
	assert_near(s.mean, 0.1, 1e-15);
	assert_near(s.ci95, 0, 1e-15);
	s = bench_stat_of(far, 5);
	assert_near(s.mean, 1e9 + 3, 1e-6);
	assert_near(s.ci95, 2.7764 * sqrt(0.5), 1e-6);
}

/* One run: its value, and ci95 0 (no spread can be estimated). */
static void test_stat_of_one_run(void **state)
{
	const double one[] = { 42.5 };
	struct bench_stat s = bench_stat_of(one, 1);

	(void)state;
	assert_int_equal(s.n, 1);
	assert_near(s.mean, 42.5, 0);
	assert_near(s.ci95, 0, 0);
}

/* No run: all zero, and the samples are never read. */
static void test_stat_of_no_runs(void **state)
{
	struct bench_stat s = bench_stat_of(NULL, 0);

	(void)state;
	assert_int_equal(s.n, 0);
	assert_near(s.mean, 0, 0);
	assert_near(s.ci95, 0, 0);
}

/*
 * Ratios 2, (skipped: den 0), 2, 1: n = 3, mean 5/3, deviations 1/3, 1/3,
 * -2/3, variance (6/9) / 2 = 1/3, sd / sqrt(3) = 1/3, ci95 = t(2) / 3.
 */
static void test_paired_ratio_skips_zero_denominator(void **state)
{
	const double num[] = { 2, 3, 8, 5 };
	const double den[] = { 1, 0, 4, 5 };
	struct bench_stat s = bench_paired_ratio(num, den, 4);

	(void)state;
	assert_int_equal(s.n, 3);
	assert_near(s.mean, 5.0 / 3, 1e-12);
	assert_near(s.ci95, 4.3027 / 3, 1e-9);
}

/*
 * Why the ratio is paired: runs that differ a lot but keep the same ratio
 * give a ratio with no spread at all.
 */
static void test_paired_ratio_cancels_shared_noise(void **state)
{
	const double den[] = { 100, 140, 90, 300, 55 };
	double num[5];
	struct bench_stat s;
	unsigned int i;

	(void)state;
	for (i = 0; i < 5; i++)
		num[i] = 0.75 * den[i];
	s = bench_paired_ratio(num, den, 5);
	assert_int_equal(s.n, 5);
	assert_near(s.mean, 0.75, 1e-12);
	assert_near(s.ci95, 0, 1e-12);
	/* Unpaired, the same runs have a wide interval. */
	assert_true(bench_stat_of(num, 5).ci95 > 10);
}

/* Every denominator 0, or no pairs: n 0 and nothing else. */
static void test_paired_ratio_without_pairs(void **state)
{
	const double num[] = { 1, 2 };
	const double den[] = { 0, 0 };
	struct bench_stat s = bench_paired_ratio(num, den, 2);

	(void)state;
	assert_int_equal(s.n, 0);
	assert_near(s.mean, 0, 0);
	assert_near(s.ci95, 0, 0);
	s = bench_paired_ratio(NULL, NULL, 0);
	assert_int_equal(s.n, 0);
	/* One usable pair: its ratio, no interval. */
	s = bench_paired_ratio((const double[]){ 3, 9 },
			       (const double[]){ 0, 4 }, 2);
	assert_int_equal(s.n, 1);
	assert_near(s.mean, 2.25, 0);
	assert_near(s.ci95, 0, 0);
}

/* The names the command line, JSON and SUMMARY use. */
static void test_profile_names(void **state)
{
	(void)state;
	assert_string_equal(bench_profile_name(BENCH_PROFILE_KPERF), "kperf");
	assert_string_equal(bench_profile_name(BENCH_PROFILE_NCDEVMEM),
			    "ncdevmem");
	assert_string_equal(bench_profile_name(BENCH_PROFILE_NCCL), "nccl");
	assert_string_equal(bench_profile_name(BENCH_NR_PROFILES), "unknown");
}

/* ---- the report: 2 designs x 2 profiles, instructions on xarray only */

struct report_fixture {
	struct bench_report r;
	struct bench_row rows[4];
	char dir[64];		/* a fresh temporary directory */
	char path[128];
};

static struct bench_stat st(double mean, double ci95, unsigned int n)
{
	return (struct bench_stat){ .mean = mean, .ci95 = ci95, .n = n };
}

static void fill_row(struct bench_row *row, const char *design,
		     enum bench_profile p, double cpu)
{
	bool xarray = !strcmp(design, "xarray");

	*row = (struct bench_row){
		.design = design,
		.autorelease = xarray,
		.profile = p,
		.worker_cpu_pct = st(cpu, 1.25, 11),
		.worker_idle_pct = st(100 - cpu, 1.25, 11),
		.cpu_ns_per_token = st(cpu * 4, 2.5, 11),
		.delivered_pct = st(99.5, 0.25, 11),
		.ratio_vs_baseline = xarray ? st(1, 0, 11) : st(0.837, 0.012, 11),
		.tokens_per_s_max = st(2.46e6, 3e4, 11),
		.stalls_per_s = st(0.5, 0.25, 11),
		.nic_dry_pct = st(2.5, 0.5, 11),
		.have_instructions = xarray,
		.instr_assign = xarray ? 90 : 0,
		.instr_return = xarray ? 60 : 0,
		.ops_assign = xarray ? 40 : 0,
		.ops_return = xarray ? 35 : 0,
		.ops_pool = xarray ? 30 : 0,
		.state_bytes_per_token = xarray ? 10.5 : 0.25,
		.peak_rss_kb = xarray ? 40960 : 36864,
	};
}

static int report_setup(void **state)
{
	struct report_fixture *f = calloc(1, sizeof(*f));
	struct bench_report *r;

	if (!f)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "/tmp/test_bench_stats.XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	r = &f->r;
	r->cfg = (struct bench_config){
		.runs = 11,
		.flows = 4,
		.workers = 2,
		.held = 4096,
		.load_pct = 50,
		.warmup_s = 0.5,
		.window_s = 2,
		.profiles = 1u << BENCH_PROFILE_KPERF |
			    1u << BENCH_PROFILE_NCCL,
		.designs = { "xarray", "niov" },
		.nr_designs = 2,
		.baseline = "xarray",
		.instructions = true,
		.instr_segments = 20000,
		.seed = UINT64_MAX,
		.dmabuf_mb = 128,
		.nccl_delay_us = 50,
		.bind_64g = true,
		.json_path = "out dir/bench.json",	/* a blank to hide */
		.csv_path = NULL,
		.plot_path = "bench.svg",
	};
	r->machine = (struct bench_machine){ .cpus = 2, .callgrind = true };
	snprintf(r->machine.cpu_model, sizeof(r->machine.cpu_model),
		 "Test CPU @ 2.0GHz");
	snprintf(r->machine.kernel, sizeof(r->machine.kernel), "6.18.0-test");
	r->baseline_max_tokens_per_s = 2.5e6;
	r->offered_tokens_per_s = 1.25e6;
	fill_row(&f->rows[0], "xarray", BENCH_PROFILE_KPERF, 83.6);
	fill_row(&f->rows[1], "niov", BENCH_PROFILE_KPERF, 69.9);
	fill_row(&f->rows[2], "xarray", BENCH_PROFILE_NCCL, 60.2);
	fill_row(&f->rows[3], "niov", BENCH_PROFILE_NCCL, 51.0);
	r->rows = f->rows;
	r->nr_rows = 4;
	r->have_floor = true;
	r->floor_assign = 50;
	r->floor_return = 40;
	r->have_bind_64g = true;
	r->bind_64g_seconds = 0.125;
	r->bind_64g_bytes_per_niov = 24;
	r->elapsed_s = 61.5;
	*state = f;
	return 0;
}

/* Removes the temporary directory and everything in it. */
static int report_teardown(void **state)
{
	struct report_fixture *f = *state;
	struct dirent *e;
	char file[512];
	DIR *d = opendir(f->dir);

	while (d && (e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(file, sizeof(file), "%s/%s", f->dir, e->d_name);
		unlink(file);
	}
	if (d)
		closedir(d);
	rmdir(f->dir);
	free(f);
	return 0;
}

static const char *in_dir(struct report_fixture *f, const char *name)
{
	snprintf(f->path, sizeof(f->path), "%s/%s", f->dir, name);
	return f->path;
}

static size_t files_in_dir(const struct report_fixture *f)
{
	struct dirent *e;
	DIR *d = opendir(f->dir);
	size_t n = 0;

	assert_non_null(d);
	while ((e = readdir(d)))
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

static json_object *get(json_object *o, const char *key, json_type type)
{
	json_object *v = NULL;

	if (!json_object_object_get_ex(o, key, &v))
		fail_msg("no \"%s\" in %s", key,
			 json_object_to_json_string(o));
	if (!json_object_is_type(v, type))
		fail_msg("\"%s\" is a %s, want a %s", key,
			 json_type_to_name(json_object_get_type(v)),
			 json_type_to_name(type));
	return v;
}

static bool has(json_object *o, const char *key)
{
	return json_object_object_get_ex(o, key, NULL);
}

static void check_json_stat(json_object *row, const char *key,
			    const struct bench_stat *want)
{
	json_object *s = get(row, key, json_type_object);

	assert_near(json_object_get_double(get(s, "mean", json_type_double)),
		    want->mean, 1e-9);
	assert_near(json_object_get_double(get(s, "ci95", json_type_double)),
		    want->ci95, 1e-9);
	assert_int_equal(json_object_get_int(get(s, "n", json_type_int)),
			 want->n);
}

static const char *const config_keys[] = {
	"runs", "flows", "workers", "held", "load_pct", "warmup_s",
	"window_s", "profiles", "designs", "quick", "instructions",
	"instr_segments", "seed", "dmabuf_mb", "nccl_delay_us", "bind_64g",
	"boundary", "stack_cost_ns", "stack_cost_auto", "baseline",
	"json_path", "csv_path", "plot_path",
};

#define NR_CONFIG_KEYS	(sizeof(config_keys) / sizeof(config_keys[0]))

/*
 * --json: the shape, read back with json-c: config with every
 * field, machine, calibration, one object per row with {mean, ci95, n}
 * figures, instructions only where measured, the floor, the 64 GiB bind.
 */
static void test_json_shape(void **state)
{
	struct report_fixture *f = *state;
	json_object *root, *cfg, *rows, *floor, *o;
	size_t i;

	assert_ok(bench_report_json(&f->r, in_dir(f, "bench.json")));
	root = json_object_from_file(f->path);
	assert_non_null(root);

	cfg = get(root, "config", json_type_object);
	for (i = 0; i < NR_CONFIG_KEYS; i++)
		if (!has(cfg, config_keys[i]))
			fail_msg("config lacks %s", config_keys[i]);
	assert_int_equal(json_object_get_int(get(cfg, "runs", json_type_int)),
			 11);
	assert_true(json_object_get_uint64(get(cfg, "seed", json_type_int)) ==
		    f->r.cfg.seed);
	o = get(cfg, "designs", json_type_array);
	assert_int_equal(json_object_array_length(o), 2);
	assert_string_equal(json_object_get_string(
		json_object_array_get_idx(o, 1)), "niov");
	o = get(cfg, "profiles", json_type_array);
	assert_int_equal(json_object_array_length(o), 2);
	assert_string_equal(json_object_get_string(
		json_object_array_get_idx(o, 0)), "kperf");
	assert_string_equal(json_object_get_string(
		json_object_array_get_idx(o, 1)), "nccl");
	assert_true(json_object_is_type(get(cfg, "csv_path", json_type_null),
					json_type_null));

	o = get(root, "machine", json_type_object);
	assert_string_equal(json_object_get_string(
		get(o, "cpu_model", json_type_string)), "Test CPU @ 2.0GHz");
	assert_string_equal(json_object_get_string(get(cfg, "baseline", json_type_string)),
			    "xarray");
	assert_string_equal(json_object_get_string(get(cfg, "boundary", json_type_string)),
			    "none");
	o = get(root, "calibration", json_type_object);
	assert_string_equal(json_object_get_string(get(o, "baseline", json_type_string)),
			    "xarray");
	assert_near(json_object_get_double(get(o, "baseline_max_tokens_per_s",
					       json_type_double)), 2.5e6, 0);
	assert_near(json_object_get_double(get(o, "offered_tokens_per_s",
					       json_type_double)), 1.25e6, 0);

	rows = get(root, "designs", json_type_array);
	assert_int_equal(json_object_array_length(rows), 4);
	for (i = 0; i < 4; i++) {
		const struct bench_row *want = &f->rows[i];
		json_object *row = json_object_array_get_idx(rows, i);

		assert_string_equal(json_object_get_string(
			get(row, "design", json_type_string)), want->design);
		assert_string_equal(json_object_get_string(
			get(row, "profile", json_type_string)),
			bench_profile_name(want->profile));
		assert_int_equal(json_object_get_int(
			get(row, "autorelease", json_type_int)),
			want->autorelease);
		check_json_stat(row, "worker_cpu_pct", &want->worker_cpu_pct);
		check_json_stat(row, "worker_idle_pct",
				&want->worker_idle_pct);
		check_json_stat(row, "cpu_ns_per_token",
				&want->cpu_ns_per_token);
		check_json_stat(row, "delivered_pct", &want->delivered_pct);
		check_json_stat(row, "ratio_vs_baseline",
				&want->ratio_vs_baseline);
		check_json_stat(row, "tokens_per_s_max",
				&want->tokens_per_s_max);
		check_json_stat(row, "stalls_per_s", &want->stalls_per_s);
		assert_near(json_object_get_double(get(row,
			"state_bytes_per_token", json_type_double)),
			want->state_bytes_per_token, 0);
		assert_int_equal(json_object_get_int64(get(row, "peak_rss_kb",
			json_type_int)), want->peak_rss_kb);
		assert_int_equal(has(row, "instructions_per_token"),
				 want->have_instructions);
		if (want->have_instructions) {
			o = get(row, "instructions_per_token",
				json_type_object);
			assert_near(json_object_get_double(
				get(o, "total", json_type_double)), 150, 0);
			assert_near(json_object_get_double(
				get(o, "assign", json_type_double)), 90, 0);
			assert_near(json_object_get_double(
				get(o, "return", json_type_double)), 60, 0);
			/* 75 inside the ops, 30 of them page pool: 45 own, 0.5x the floor of 90 */
			o = get(row, "token_ops_per_token", json_type_object);
			assert_near(json_object_get_double(
				get(o, "total", json_type_double)), 75, 0);
			assert_near(json_object_get_double(
				get(o, "page_pool", json_type_double)), 30, 0);
			assert_near(json_object_get_double(
				get(o, "own", json_type_double)), 45, 0);
			assert_near(json_object_get_double(
				get(o, "shared_path", json_type_double)), 75, 0);
			assert_near(json_object_get_double(
				get(o, "own_vs_floor", json_type_double)), 0.5, 1e-12);
		} else {
			assert_false(has(row, "token_ops_per_token"));
		}
	}

	floor = get(root, "floor", json_type_object);
	assert_near(json_object_get_double(get(floor, "assign",
					       json_type_double)), 50, 0);
	assert_near(json_object_get_double(get(floor, "total",
					       json_type_double)), 90, 0);
	o = get(root, "bind_64g", json_type_object);
	assert_near(json_object_get_double(get(o, "seconds",
					       json_type_double)), 0.125, 0);
	assert_near(json_object_get_double(get(o, "bytes_per_niov",
					       json_type_double)), 24, 0);
	assert_near(json_object_get_double(get(root, "elapsed_s",
					       json_type_double)), 61.5, 0);
	json_object_put(root);
	/* Written through a temporary name that is gone afterwards. */
	assert_int_equal(files_in_dir(f), 1);
}

/* What was not measured is absent, not zero. */
static void test_json_omits_what_was_not_measured(void **state)
{
	struct report_fixture *f = *state;
	json_object *root, *row;
	size_t i;

	f->r.have_floor = false;
	f->r.have_bind_64g = false;
	for (i = 0; i < 4; i++)
		f->rows[i].have_instructions = false;
	assert_ok(bench_report_json(&f->r, in_dir(f, "bench.json")));
	root = json_object_from_file(f->path);
	assert_non_null(root);
	assert_false(has(root, "floor"));
	assert_false(has(root, "bind_64g"));
	for (i = 0; i < 4; i++) {
		row = json_object_array_get_idx(get(root, "designs",
						    json_type_array), i);
		assert_false(has(row, "instructions_per_token"));
	}
	json_object_put(root);
}

/*
 * Atomic replacement: a second write replaces the first whole and leaves
 * no temporary file; a failed write leaves the old file as it was.
 */
static void test_json_replaces_atomically(void **state)
{
	struct report_fixture *f = *state;
	struct stat before, after;
	char missing[160];

	assert_ok(bench_report_json(&f->r, in_dir(f, "bench.json")));
	assert_int_equal(stat(f->path, &before), 0);
	assert_int_equal(before.st_mode & 0777, 0644);
	f->r.elapsed_s = 1;
	assert_ok(bench_report_json(&f->r, f->path));
	assert_int_equal(stat(f->path, &after), 0);
	/* A new file renamed in, not the old one rewritten in place. */
	assert_true(before.st_ino != after.st_ino);
	assert_int_equal(files_in_dir(f), 1);

	snprintf(missing, sizeof(missing), "%s/no/such/dir.json", f->dir);
	assert_errno(bench_report_json(&f->r, missing), -ENOENT);
	assert_errno(bench_report_csv(&f->r, missing), -ENOENT);
	assert_errno(bench_report_json(&f->r, NULL), -EINVAL);
	assert_errno(bench_report_csv(&f->r, ""), -EINVAL);
	assert_int_equal(files_in_dir(f), 1);
}

static size_t count_char(const char *s, char c)
{
	size_t n = 0;

	for (; *s; s++)
		n += *s == c;
	return n;
}

#define CSV_START "design,profile,boundary,autorelease,baseline,worker_cpu_pct_mean,worker_cpu_pct_ci95,"

/*
 * --csv: one header, one line per row, the same number of fields on every
 * line, each figure as _mean/_ci95, instruction fields empty when absent.
 */
static void test_csv_header_and_rows(void **state)
{
	struct report_fixture *f = *state;
	char line[2048], header[2048];
	size_t lines = 0, commas;
	FILE *in;

	assert_ok(bench_report_csv(&f->r, in_dir(f, "bench.csv")));
	in = fopen(f->path, "r");
	assert_non_null(in);
	assert_non_null(fgets(header, sizeof(header), in));
	assert_true(strncmp(header, CSV_START, strlen(CSV_START)) == 0);
	assert_non_null(strstr(header, ",cpu_ns_per_token_mean,"));
	assert_non_null(strstr(header, ",ratio_vs_baseline_ci95,"));
	assert_non_null(strstr(header, ",instr_total,"));
	assert_non_null(strstr(header, ",ops_assign,ops_return,ops_page_pool,"));
	assert_non_null(strstr(header, ",peak_rss_kb\n"));
	commas = count_char(header, ',');
	while (fgets(line, sizeof(line), in)) {
		if (count_char(line, ',') != commas)
			fail_msg("%zu fields, header has %zu: %s",
				 count_char(line, ',') + 1, commas + 1, line);
		lines++;
	}
	fclose(in);
	assert_int_equal(lines, 4);
	assert_int_equal(files_in_dir(f), 1);
}

/* A key=value pair of @line, or NULL: the value up to the next blank. */
static const char *summary_value(const char *line, const char *key,
				 char *val, size_t size)
{
	char pat[128];
	const char *p;
	size_t n;

	snprintf(pat, sizeof(pat), " %s=", key);
	p = strstr(line, pat);
	if (!p)
		return NULL;
	p += strlen(pat);
	n = strcspn(p, " \n");
	snprintf(val, size, "%.*s", (int)n, p);
	return val;
}

/*
 * The SUMMARY line: one line, "SUMMARY " then only key=value words with no
 * blank inside a value, every bench_config field, and the kperf headline.
 */
static void test_summary_line_holds_every_parameter(void **state)
{
	static const char *const headline[] = {
		"cpus", "cpu_model", "kernel", "baseline_max_tokens_s", "baseline",
		"offered_tokens_s", "xarray_idle_pct", "niov_idle_pct",
		"xarray_ratio", "niov_ratio", "xarray_cpu_ns_per_token",
		"xarray_instr_total", "xarray_tokens_s_max", "floor_total",
		"niov_delivered_pct",
		"bind_64g_s", "elapsed_s",
	};
	struct report_fixture *f = *state;
	char *s = capture(&f->r, bench_report_summary), *w, *save = NULL;
	const char *keys[128];
	size_t i, nr_keys = 0;
	char val[128];

	assert_true(strncmp(s, "SUMMARY ", 8) == 0);
	assert_int_equal(count_char(s, '\n'), 1);
	assert_int_equal(s[strlen(s) - 1], '\n');
	for (i = 0; i < NR_CONFIG_KEYS; i++)
		if (!summary_value(s, config_keys[i], val, sizeof(val)))
			fail_msg("no %s= in %s", config_keys[i], s);
	for (i = 0; i < sizeof(headline) / sizeof(headline[0]); i++)
		if (!summary_value(s, headline[i], val, sizeof(val)))
			fail_msg("no %s= in %s", headline[i], s);
	assert_string_equal(summary_value(s, "runs", val, sizeof(val)), "11");
	assert_string_equal(summary_value(s, "designs", val, sizeof(val)),
			    "xarray,niov");
	assert_string_equal(summary_value(s, "profiles", val, sizeof(val)),
			    "kperf,nccl");
	assert_string_equal(summary_value(s, "seed", val, sizeof(val)),
			    "18446744073709551615");
	assert_string_equal(summary_value(s, "json_path", val, sizeof(val)),
			    "out_dir/bench.json");
	assert_string_equal(summary_value(s, "csv_path", val, sizeof(val)),
			    "-");
	assert_string_equal(summary_value(s, "cpu_model", val, sizeof(val)),
			    "Test_CPU_@_2.0GHz");
	/* The headline is the kperf profile's, once per design. */
	assert_string_equal(summary_value(s, "niov_idle_pct", val,
					  sizeof(val)), "30.10");
	assert_string_equal(summary_value(s, "niov_ratio", val, sizeof(val)),
			    "0.8370");
	assert_null(strstr(strstr(s, " niov_idle_pct=") + 1,
			   " niov_idle_pct="));
	/*
	 * Every word after SUMMARY is key=value with both sides present, and
	 * no key comes twice (a grep would find the wrong one).
	 */
	s[strlen(s) - 1] = '\0';
	w = strtok_r(s + 8, " ", &save);
	for (; w; w = strtok_r(NULL, " ", &save)) {
		char *eq = strchr(w, '=');

		if (!eq || eq == w || !eq[1] || strchr(eq + 1, '='))
			fail_msg("\"%s\" is not key=value", w);
		*eq = '\0';
		for (i = 0; i < nr_keys; i++)
			if (!strcmp(keys[i], w))
				fail_msg("key %s comes twice", w);
		assert_true(nr_keys < sizeof(keys) / sizeof(keys[0]));
		keys[nr_keys++] = w;
	}
	assert_true(nr_keys > NR_CONFIG_KEYS + 10);
	free(s);
}

/* Byte offsets of every "±" in @line, -1 terminated. */
static void pm_offsets(const char *line, long *out, size_t max)
{
	const char *p = line;
	size_t n = 0;

	while (n + 1 < max && (p = strstr(p, "\u00b1"))) {
		out[n++] = p - line;
		p++;
	}
	out[n] = -1;
}

static const char *line_starting(const char *text, const char *from,
				 const char *prefix)
{
	const char *p = strstr(text, from);

	while (p && (p = strchr(p, '\n'))) {
		p++;
		if (!strncmp(p, prefix, strlen(prefix)))
			return p;
	}
	return NULL;
}

/*
 * The table: kperf's block before nccl's, a floor row and "x floor" for
 * the design with instructions, "-" for the one without, the columns of
 * both rows aligned on their ±, the bind line, and the seed next to ours.
 */
static void test_table_content_and_alignment(void **state)
{
	struct report_fixture *f = *state;
	char *s = capture(&f->r, bench_report_table);
	const char *x, *v;
	long ox[16], ov[16];
	size_t i;

	assert_non_null(strstr(s, "2 cpus, Test CPU @ 2.0GHz, kernel 6.18.0-test"));
	assert_non_null(strstr(s, "offered load 1.250 M tokens/s, steered to keep xarray 50% busy (--load); its max 2.500 M tokens/s"));
	assert_non_null(strstr(s, "profile kperf"));
	assert_true(strstr(s, "profile kperf") < strstr(s, "profile nccl"));
	x = line_starting(s, "profile kperf", "xarray ");
	v = line_starting(s, "profile kperf", "niov ");
	assert_non_null(x);
	assert_non_null(v);
	assert_true(x < strstr(s, "profile nccl"));
	/* xarray: 150 instructions against a floor of 90. */
	assert_non_null(strstr(x, "150.0"));
	assert_true(strstr(x, "1.7x floor") < strchr(x, '\n'));
	assert_non_null(line_starting(s, "profile kperf", "floor "));
	pm_offsets(x, ox, 16);
	pm_offsets(v, ov, 16);
	/* Six figures with an interval, each at the same column. */
	for (i = 0; i < 6; i++) {
		assert_true(ox[i] >= 0 && ox[i] < strchr(x, '\n') - x);
		assert_int_equal(ox[i], ov[i]);
	}
	assert_non_null(strstr(s, "bind 64 GiB dma-buf: 0.125 s, 24.0 B metadata per net_iov (targets <= 0.5 s, <= 32 B: met)"));
	assert_non_null(strstr(s, "seed (kperf, 4 flows, 11 runs): worker idle 13.13% (xarray) -> 26.32% (niov), about 13% less CPU per RX worker; here: idle 16.40% (xarray) -> 30.10%, niov/xarray CPU ratio 0.837"));
	assert_non_null(strstr(s, "baseline: xarray (our model of the kernel's xarray; kxarray is not in this build)\n"));
	assert_non_null(line_starting(s, "", "design ") && strstr(s, "  vs xarray  "));
	assert_non_null(line_starting(s, "memory:", "niov "));
	/* Inside the token ops, once per design with instructions: 40 + 35, 30 pool. */
	x = line_starting(s, "inside the design's token ops", "  xarray ");
	assert_non_null(x);
	assert_true(x == strstr(x, "  xarray       40.0     35.0     75.0        30.0         45.0      75.0       0.5x\n"));
	assert_null(line_starting(s, "inside the design's token ops", "  niov "));
	free(s);
}

/* Without a kperf niov row the seed comparison says so instead. */
static void test_table_without_niov_skips_the_comparison(void **state)
{
	struct report_fixture *f = *state;
	char *s;

	f->rows[1] = f->rows[0];	/* two xarray kperf rows, no niov */
	f->r.have_bind_64g = false;
	s = capture(&f->r, bench_report_table);
	assert_null(strstr(s, "here: idle"));
	assert_non_null(strstr(s, "here: not measured"));
	assert_null(strstr(s, "bind 64 GiB"));
	free(s);
	f->r.nr_rows = 0;
	s = capture(&f->r, bench_report_table);
	assert_non_null(strstr(s, "no results"));
	free(s);
}

/*
 * --plot: with gnuplot installed an SVG appears whole under the name
 * asked for; without it (an empty PATH) -ENOENT and no file; with no
 * figure -ENODATA.
 */
static void test_plot_svg_or_enoent(void **state)
{
	struct report_fixture *f = *state;
	char *path = getenv("PATH") ? strdup(getenv("PATH")) : NULL;
	char head[512] = "";
	bool gnuplot = !system("command -v gnuplot >/dev/null 2>&1");
	FILE *in;
	int err;

	err = bench_report_plot(&f->r, in_dir(f, "bench.svg"));
	if (gnuplot) {
		assert_ok(err);
		in = fopen(f->path, "r");
		assert_non_null(in);
		assert_true(fread(head, 1, sizeof(head) - 1, in) > 0);
		fclose(in);
		assert_non_null(strstr(head, "<svg"));
		assert_int_equal(files_in_dir(f), 1);
	} else {
		assert_errno(err, -ENOENT);
		assert_int_equal(files_in_dir(f), 0);
	}

	setenv("PATH", f->dir, 1);
	err = bench_report_plot(&f->r, in_dir(f, "other.svg"));
	if (path)
		setenv("PATH", path, 1);
	else
		unsetenv("PATH");
	free(path);
	assert_errno(err, -ENOENT);
	assert_int_equal(access(f->path, F_OK), -1);
	assert_int_equal(files_in_dir(f), gnuplot ? 1 : 0);

	/* Nothing measured: nothing to plot, and gnuplot is not run. */
	f->r.nr_rows = 0;
	assert_errno(bench_report_plot(&f->r, f->path), -ENODATA);
	assert_errno(bench_report_plot(&f->r, NULL), -EINVAL);
	assert_int_equal(access(f->path, F_OK), -1);
}

static size_t count_str(const char *s, const char *what)
{
	size_t n = 0;

	for (; (s = strstr(s, what)); s++)
		n++;
	return n;
}

static char *slurp(const char *path)
{
	FILE *in = fopen(path, "r");
	char *buf = calloc(1, 1 << 16);

	assert_non_null(in);
	assert_non_null(buf);
	assert_true(fread(buf, 1, (1 << 16) - 1, in) > 0);
	fclose(in);
	return buf;
}

/*
 * S-8: with kxarray built it is the baseline, and every output says so:
 * the table's ratio column, offered load and seed line, the SUMMARY line,
 * the JSON's config and calibration, the CSV's baseline column.
 */
static void test_baseline_named_in_every_output(void **state)
{
	struct report_fixture *f = *state;
	json_object *root;
	char *s, val[64];

	f->r.cfg.baseline = "kxarray";
	f->r.cfg.designs[0] = "kxarray";
	f->rows[0].design = "kxarray";
	f->rows[2].design = "kxarray";
	s = capture(&f->r, bench_report_table);
	assert_non_null(strstr(s, "  vs kxarray  "));
	assert_null(strstr(s, "vs xarray"));
	assert_non_null(strstr(s, "steered to keep kxarray 50% busy (--load); its max 2.500 M tokens/s"));
	assert_non_null(strstr(s, "baseline: kxarray (the kernel's own lib/xarray.c"));
	assert_non_null(strstr(s, "here: idle 16.40% (kxarray) -> 30.10%, niov/kxarray CPU ratio 0.837"));
	free(s);
	s = capture(&f->r, bench_report_summary);
	assert_string_equal(summary_value(s, "baseline", val, sizeof(val)), "kxarray");
	assert_string_equal(summary_value(s, "kxarray_ratio", val, sizeof(val)), "1.0000");
	free(s);
	assert_ok(bench_report_json(&f->r, in_dir(f, "bench.json")));
	root = json_object_from_file(f->path);
	assert_non_null(root);
	assert_string_equal(json_object_get_string(get(get(root, "config", json_type_object),
						       "baseline", json_type_string)), "kxarray");
	assert_string_equal(json_object_get_string(get(get(root, "calibration", json_type_object),
						       "baseline", json_type_string)), "kxarray");
	json_object_put(root);
	assert_ok(bench_report_csv(&f->r, in_dir(f, "bench.csv")));
	s = slurp(f->path);
	assert_int_equal(count_str(s, ",kxarray,"), 4);
	assert_true(strstr(s, "niov,kperf,none,0,kxarray,") != NULL);
	free(s);
}

/*
 * Charged rows: their SUMMARY keys do not repeat the in-process row's, the
 * JSON holds the real system calls per token (only for them), the stack
 * cost measured and the whole configuration of the boundary.
 */
static void test_charged_rows_and_the_stack_cost(void **state)
{
	struct report_fixture *f = *state;
	json_object *root, *rows, *o;
	char *s, val[64];

	f->r.cfg.boundary_syscall = true;
	f->r.cfg.stack_cost_auto = true;
	f->r.cfg.stack_cost_ns = 91;
	f->r.have_stack = true;
	f->r.stack = (struct bench_stack_cost){
		.queued_ns = 91, .queued_min_ns = 80, .queued_max_ns = 99,
		.crossing_ns = 700, .tight_ns = 350, .kperf_ns = 420,
		.kperf_wakeups_per_read = 0.25, .rounds = 7,
	};
	f->rows[2] = f->rows[0];
	f->rows[2].charged = true;
	f->rows[2].worker_idle_pct = st(13.5, 1, 11);
	f->rows[2].recvmsg_syscalls_per_token = st(0.0625, 0, 11);
	f->rows[2].dontneed_syscalls_per_token = st(1.0 / 128, 0, 11);
	s = capture(&f->r, bench_report_summary);
	assert_string_equal(summary_value(s, "xarray_idle_pct", val, sizeof(val)), "16.40");
	assert_string_equal(summary_value(s, "xarray_charged_idle_pct", val, sizeof(val)),
			    "13.50");
	assert_int_equal(count_str(s, " xarray_idle_pct="), 1);
	assert_string_equal(summary_value(s, "boundary", val, sizeof(val)), "syscall");
	free(s);
	s = capture(&f->r, bench_report_table);
	assert_non_null(strstr(s, "91 ns of TCP receive work per 4096-byte segment (measured on this machine)"));
	assert_non_null(strstr(s, "64 KiB reads of queued data 91 ns (median of 7, 80-99, less a 700 ns crossing); blocking recv loop 350 ns; kperf's epoll_wait + MSG_DONTWAIT reads 420 ns (0.25 wake-ups per read)"));
	free(s);

	assert_ok(bench_report_json(&f->r, in_dir(f, "bench.json")));
	root = json_object_from_file(f->path);
	assert_non_null(root);
	o = get(root, "config", json_type_object);
	assert_string_equal(json_object_get_string(get(o, "boundary", json_type_string)),
			    "syscall");
	assert_near(json_object_get_double(get(o, "stack_cost_ns", json_type_double)), 91, 0);
	assert_true(json_object_get_boolean(get(o, "stack_cost_auto", json_type_boolean)));
	o = get(root, "stack_cost", json_type_object);
	assert_near(json_object_get_double(get(o, "charged_ns", json_type_double)), 91, 0);
	assert_near(json_object_get_double(get(o, "kperf_ns", json_type_double)), 420, 0);
	assert_near(json_object_get_double(get(o, "tight_ns", json_type_double)), 350, 0);
	rows = get(root, "designs", json_type_array);
	assert_false(has(json_object_array_get_idx(rows, 0), "syscalls_per_token"));
	o = get(json_object_array_get_idx(rows, 2), "syscalls_per_token", json_type_object);
	check_json_stat(o, "recvmsg", &f->rows[2].recvmsg_syscalls_per_token);
	check_json_stat(o, "dontneed", &f->rows[2].dontneed_syscalls_per_token);
	json_object_put(root);
}

/*
 * The fidelity table (S-8: xarray must cost what kxarray costs): each held
 * count with both designs' figures, the ratio and the +-15% verdict.
 */
static void test_fidelity_table(void **state)
{
	struct report_fixture *f = *state;
	json_object *root, *pts, *p;
	const char *l;
	char *s;

	f->r.have_fidelity = true;
	f->r.fidelity[0] = (struct bench_fidelity_point){
		.held = 0, .measured = true, .ops = { 600, 620 }, .total = { 760, 700 },
	};
	f->r.fidelity[3] = (struct bench_fidelity_point){
		.held = 65536, .measured = true, .ops = { 700, 500 }, .total = { 850, 800 },
	};
	s = capture(&f->r, bench_report_table);
	l = line_starting(s, "fidelity:", "        0 ");
	assert_non_null(l);
	assert_true(l == strstr(l, "        0       600.0       620.0   0.968 met            760.0         700.0   1.086 met\n"));
	l = line_starting(s, "fidelity:", "    65536 ");
	assert_non_null(l);
	assert_true(l == strstr(l, "    65536       700.0       500.0   1.400 missed         850.0         800.0   1.062 met\n"));
	free(s);
	assert_ok(bench_report_json(&f->r, in_dir(f, "bench.json")));
	root = json_object_from_file(f->path);
	assert_non_null(root);
	pts = get(get(root, "fidelity", json_type_object), "points", json_type_array);
	assert_int_equal(json_object_array_length(pts), 2);
	p = json_object_array_get_idx(pts, 1);
	assert_int_equal(json_object_get_int(get(p, "held", json_type_int)), 65536);
	assert_false(json_object_get_boolean(get(p, "ops_met", json_type_boolean)));
	assert_true(json_object_get_boolean(get(p, "total_met", json_type_boolean)));
	assert_near(json_object_get_double(get(p, "ops_ratio", json_type_double)), 1.4, 1e-12);
	json_object_put(root);
}

/* --plot: the charged rows are clusters of their own ("kperf*"), beside the rest. */
static void test_plot_shows_charged_rows(void **state)
{
	struct report_fixture *f = *state;
	char *path = getenv("PATH") ? strdup(getenv("PATH")) : NULL;
	char fake[160], dirs[200], *script;
	FILE *sh;
	int err;

	/* a gnuplot that keeps its script and writes the output it is asked for */
	snprintf(fake, sizeof(fake), "%s/gnuplot", f->dir);
	sh = fopen(fake, "w");
	assert_non_null(sh);
	fprintf(sh, "#!/bin/sh\ncat > '%s/script'\n"
		"out=$(sed -n \"s/^set output '\\(.*\\)'$/\\1/p\" '%s/script')\n"
		"echo '<svg/>' > \"$out\"\n", f->dir, f->dir);
	fclose(sh);
	assert_int_equal(chmod(fake, 0755), 0);
	f->rows[3] = f->rows[1];
	f->rows[3].charged = true;
	f->rows[3].worker_idle_pct = st(26.5, 2, 11);
	snprintf(dirs, sizeof(dirs), "%s:/usr/bin:/bin", f->dir);
	setenv("PATH", dirs, 1);
	err = bench_report_plot(&f->r, in_dir(f, "bench.svg"));
	if (path)
		setenv("PATH", path, 1);
	free(path);
	assert_ok(err);
	script = slurp(in_dir(f, "script"));
	/* kperf in process: both designs; kperf charged: niov only */
	assert_non_null(strstr(script, "\nkperf 16.4 1.25 30.1 1.25\n"));
	assert_non_null(strstr(script, "\nkperf* - - 26.5 2\n"));
	assert_non_null(strstr(script, "\nnccl 39.8 1.25 - -\n"));
	free(script);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_t95_matches_the_table),
		cmocka_unit_test(test_t95_decreases_with_dof),
		cmocka_unit_test(test_stat_of_known_samples),
		cmocka_unit_test(test_stat_of_is_numerically_stable),
		cmocka_unit_test(test_stat_of_one_run),
		cmocka_unit_test(test_stat_of_no_runs),
		cmocka_unit_test(test_paired_ratio_skips_zero_denominator),
		cmocka_unit_test(test_paired_ratio_cancels_shared_noise),
		cmocka_unit_test(test_paired_ratio_without_pairs),
		cmocka_unit_test(test_profile_names),
		cmocka_unit_test_setup_teardown(test_json_shape, report_setup,
						report_teardown),
		cmocka_unit_test_setup_teardown(
			test_json_omits_what_was_not_measured, report_setup,
			report_teardown),
		cmocka_unit_test_setup_teardown(test_json_replaces_atomically,
						report_setup, report_teardown),
		cmocka_unit_test_setup_teardown(test_csv_header_and_rows,
						report_setup, report_teardown),
		cmocka_unit_test_setup_teardown(
			test_summary_line_holds_every_parameter, report_setup,
			report_teardown),
		cmocka_unit_test_setup_teardown(
			test_table_content_and_alignment, report_setup,
			report_teardown),
		cmocka_unit_test_setup_teardown(
			test_table_without_niov_skips_the_comparison,
			report_setup, report_teardown),
		cmocka_unit_test_setup_teardown(test_plot_svg_or_enoent,
						report_setup, report_teardown),
		cmocka_unit_test_setup_teardown(test_baseline_named_in_every_output,
						report_setup, report_teardown),
		cmocka_unit_test_setup_teardown(test_charged_rows_and_the_stack_cost,
						report_setup, report_teardown),
		cmocka_unit_test_setup_teardown(test_fidelity_table,
						report_setup, report_teardown),
		cmocka_unit_test_setup_teardown(test_plot_shows_charged_rows,
						report_setup, report_teardown),
	};

	return RUN_TESTS(tests);
}
