// SPDX-License-Identifier: MIT
/*
 * The report's outputs, byte for byte: two reports built in memory (one
 * with every section, one with almost nothing measured) printed as the
 * table, the SUMMARY line, the JSON and the CSV, and compared with the
 * files under tests/unit/golden/.  The other report tests check what the
 * outputs mean; this one holds a refactor of the writers to "no change".
 * With DML_GOLDEN_WRITE=1 in the environment it writes the files instead
 * (only ever from a tree whose output is known good).
 */
#include <math.h>
#include <unistd.h>

#define DML_TEST_WITHOUT_DEVMEM
#include "bench_capture.h"
#include "test_helpers.h"

#include "bench.h"

static const char *golden_dir;

static struct bench_stat st(double mean, double ci95, unsigned int n)
{
	return (struct bench_stat){ .mean = mean, .ci95 = ci95, .n = n };
}

/* A row whose figures follow from @cpu, so each row prints differently. */
static struct bench_row row(const char *design, enum bench_profile p, bool charged,
			    double cpu, unsigned int n)
{
	return (struct bench_row){
		.design = design,
		.autorelease = !strcmp(design, "niov") || !strcmp(design, "ring") ||
			       !strcmp(design, "owned") ? 0 : 1,
		.profile = p,
		.charged = charged,
		.worker_cpu_pct = st(cpu, cpu / 70, n),
		.worker_idle_pct = st(100 - cpu, cpu / 70, n),
		.cpu_ns_per_token = st(cpu * 4.125, 2.5, n),
		.delivered_pct = st(99.5, 0.25, n),
		.ratio_vs_baseline = st(cpu / 83.6, 0.0125, n),
		.tokens_per_s_max = st(2.46e6 - cpu * 1e4, 3.1e4, n),
		.stalls_per_s = st(1263170, 472442, n),
		.nic_dry_pct = st(cpu / 33, 0.5, n),
		.recvmsg_syscalls_per_token = st(charged ? 0.125 : 0, 0.01, charged ? n : 0),
		.dontneed_syscalls_per_token = st(charged ? 0.0078125 : 0, 0.001, charged ? n : 0),
		.state_bytes_per_token = cpu / 8,
		.state_bytes_per_socket = cpu * 64,
		.peak_rss_kb = (long)(cpu * 512),
	};
}

static void instructions(struct bench_row *w, double assign, double ret, double pool)
{
	w->have_instructions = true;
	w->instr_assign = assign;
	w->instr_return = ret;
	w->ops_assign = assign / 2.5;
	w->ops_return = ret / 3.25;
	w->ops_pool = pool;
}

static void held(struct bench_row *w, double assign, double ret)
{
	w->have_instr_held = true;
	w->instr_held_assign = assign;
	w->instr_held_return = ret;
}

/* Every section present: instructions, held, fidelity, memory, bind, charged rows. */
static void full_report(struct bench_report *r, struct bench_row *rows)
{
	size_t n = 0;

	*r = (struct bench_report){ 0 };
	r->cfg = (struct bench_config){
		.runs = 11, .flows = 4, .workers = 2, .held = 4096, .load_pct = 50,
		.warmup_s = 0.5, .window_s = 2,
		.profiles = 1u << BENCH_PROFILE_KPERF | 1u << BENCH_PROFILE_NCDEVMEM |
			    1u << BENCH_PROFILE_NCCL,
		.designs = { "kxarray", "xarray", "niov", "ring", "owned" }, .nr_designs = 5,
		.baseline = "kxarray", .quick = true, .instructions = true,
		.instr_segments = 2000, .seed = UINT64_MAX, .dmabuf_mb = 128,
		.nccl_delay_us = 50, .bind_64g = true, .boundary_syscall = true,
		.stack_cost_ns = 812.25, .stack_cost_auto = true,
		.json_path = "out dir/bench.json", .csv_path = "a=b.csv", .plot_path = NULL,
	};
	r->machine = (struct bench_machine){ .cpus = 2, .callgrind = true };
	snprintf(r->machine.cpu_model, sizeof(r->machine.cpu_model), "Test CPU @ 2.0GHz");
	snprintf(r->machine.kernel, sizeof(r->machine.kernel), "6.18.0-test");
	r->baseline_max_tokens_per_s = 2.5e6;
	r->offered_tokens_per_s = 1.25e6;
	r->calib_max_tokens_per_s[BENCH_PROFILE_KPERF] = 2.5e6;
	r->calib_offered_tokens_per_s[BENCH_PROFILE_KPERF] = 1.25e6;
	r->calib_busy_pct[BENCH_PROFILE_KPERF] = 49.75;
	r->calib_charged_max_tokens_per_s[BENCH_PROFILE_KPERF] = 8.5e5;
	r->calib_charged_offered_tokens_per_s[BENCH_PROFILE_KPERF] = 4.25e5;
	r->calib_charged_busy_pct[BENCH_PROFILE_KPERF] = 51.5;
	r->calib_max_tokens_per_s[BENCH_PROFILE_NCCL] = 3.125e6;
	r->calib_offered_tokens_per_s[BENCH_PROFILE_NCCL] = 1.5e6;
	r->calib_busy_pct[BENCH_PROFILE_NCCL] = 48.5;

	rows[n] = row("kxarray", BENCH_PROFILE_KPERF, false, 83.6, 11);
	instructions(&rows[n], 412.5, 301.25, 60.5);
	held(&rows[n++], 520.75, 330.5);
	rows[n] = row("xarray", BENCH_PROFILE_KPERF, false, 80.1, 11);
	instructions(&rows[n], 398.0, 290.5, 60.5);
	held(&rows[n++], 498.25, 310.0);
	rows[n] = row("niov", BENCH_PROFILE_KPERF, false, 69.9, 11);
	instructions(&rows[n++], 250.5, 180.25, 60.5);
	rows[n++] = row("kxarray", BENCH_PROFILE_KPERF, true, 90.5, 11);
	rows[n++] = row("niov", BENCH_PROFILE_KPERF, true, 85.25, 11);
	rows[n++] = row("kxarray", BENCH_PROFILE_NCDEVMEM, false, 75.5, 1);
	rows[n++] = row("xarray", BENCH_PROFILE_NCDEVMEM, false, 74.0, 1);
	rows[n] = row("niov", BENCH_PROFILE_NCDEVMEM, false, 66.0, 0);
	rows[n++].peak_rss_kb = 0;
	rows[n++] = row("kxarray", BENCH_PROFILE_NCCL, false, 60.2, 11);
	rows[n++] = row("niov", BENCH_PROFILE_NCCL, false, 51.0, 11);
	/* issue 16: the ring (its pushes, a fallback) and owned, for the targets */
	rows[n] = row("ring", BENCH_PROFILE_KPERF, false, 68.5, 11);
	rows[n].ring_pushes_per_token = st(1, 0, 11);
	rows[n].ring_fallbacks_per_token = st(0.0625, 0.03125, 11);
	instructions(&rows[n++], 245.5, 170.75, 60.5);
	rows[n] = row("owned", BENCH_PROFILE_KPERF, false, 71.5, 11);
	instructions(&rows[n++], 300.25, 220.5, 60.5);
	rows[n] = row("ring", BENCH_PROFILE_KPERF, true, 80.25, 11);
	rows[n++].ring_pushes_per_token = st(1, 0, 11);
	rows[n++] = row("kxarray", BENCH_PROFILE_NCDEVMEM, true, 95.5, 11);
	rows[n++] = row("niov", BENCH_PROFILE_NCDEVMEM, true, 90.75, 11);
	rows[n++] = row("ring", BENCH_PROFILE_NCDEVMEM, true, 33.25, 11);
	r->rows = rows;
	r->nr_rows = n;

	r->have_seed_terms = true;
	r->seed_pred_idle_baseline = 14.25;
	r->seed_pred_idle_niov = 27.125;
	r->seed_pred_ratio = 0.8475;
	r->seed_k = 0.6125;
	r->seed_share = 0.3875;
	r->seed_share_v2 = 0.15125;
	r->seed_share_ours = 0.2975;
	r->have_floor = true;
	r->floor_assign = 50.5;
	r->floor_return = 40.25;
	r->have_bind_64g = true;
	r->bind_64g_seconds = 0.625;
	r->bind_64g_bytes_per_niov = 24;
	r->have_stack = true;
	r->stack = (struct bench_stack_cost){
		.queued_ns = 812.25, .queued_min_ns = 790.5, .queued_max_ns = 880.75,
		.crossing_ns = 120.5, .tight_ns = 1430.25, .kperf_ns = 1012.5,
		.kperf_wakeups_per_read = 0.375, .rounds = 9,
	};
	r->state_held = 4096;
	r->state_socket_pages = 32768;
	r->nr_sock_scale = 2;
	r->sock_scale[0] = (struct bench_sock_scale){ "niov", {
		.pages = 32768, .sockets = 64, .total_bytes = 1536, .socket_bytes = 24,
		.socket_fixed = 24, .socket_per_page = 0, .binding_per_page = 4 } };
	r->sock_scale[1] = (struct bench_sock_scale){ "sockarray", {
		.pages = 32768, .sockets = 64, .total_bytes = 8390656, .socket_bytes = 131104,
		.socket_fixed = 32, .socket_per_page = 4, .binding_per_page = 0 } };
	r->instr_held = 65536;
	r->have_fidelity = true;
	r->fidelity[0] = (struct bench_fidelity_point){
		.held = 0, .measured = true, .ops = { 120.5, 118.25 }, .total = { 700.5, 690.25 } };
	r->fidelity[1] = (struct bench_fidelity_point){
		.held = 4096, .measured = true, .ops = { 150.5, 110.25 }, .total = { 760.5, 701.25 } };
	r->fidelity[2] = (struct bench_fidelity_point){ .held = 16384, .measured = false };
	r->fidelity[3] = (struct bench_fidelity_point){
		.held = 65536, .measured = true, .ops = { 160.5, 0 }, .total = { 800.5, 0 } };
	r->elapsed_s = 61.55;
}

/* Little measured: one run, no calibration, no floor, nothing to compare with the seed. */
static void sparse_report(struct bench_report *r, struct bench_row *rows)
{
	*r = (struct bench_report){ 0 };
	r->cfg = (struct bench_config){
		.runs = 1, .flows = 1, .workers = 1, .held = 0, .load_pct = 37.5,
		.warmup_s = 0.25, .window_s = 1, .profiles = 1u << BENCH_PROFILE_NCCL,
		.designs = { "xarray" }, .nr_designs = 1, .baseline = NULL,
		.instructions = true, .seed = 42, .dmabuf_mb = 64, .nccl_delay_us = 7,
		.stack_cost_ns = NAN,
	};
	r->machine = (struct bench_machine){ .cpus = 1 };
	rows[0] = row("xarray", BENCH_PROFILE_NCCL, false, 40.5, 1);
	rows[0].ratio_vs_baseline = st(0, 0, 0);
	rows[0].worker_cpu_pct.mean = NAN;
	r->rows = rows;
	r->nr_rows = 1;
	r->instr_held = 0;
	r->elapsed_s = 3.25;
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	size_t len = 0, n;
	char chunk[4096];
	FILE *m;

	if (!f)
		return NULL;
	m = open_memstream(&buf, &len);
	assert_non_null(m);
	while ((n = fread(chunk, 1, sizeof(chunk), f)))
		fwrite(chunk, 1, n, m);
	fclose(f);
	assert_int_equal(fclose(m), 0);
	return buf;
}

/* @got against golden/@name, or written there under DML_GOLDEN_WRITE. */
static void check(const char *name, const char *got)
{
	char path[512];
	char *want;

	snprintf(path, sizeof(path), "%s/%s", golden_dir, name);
	if (getenv("DML_GOLDEN_WRITE")) {
		FILE *f = fopen(path, "w");

		assert_non_null(f);
		fputs(got, f);
		assert_int_equal(fclose(f), 0);
		return;
	}
	want = slurp(path);
	if (!want)
		fail_msg("no golden file %s", path);
	if (strcmp(got, want)) {
		size_t i = 0, line = 1;

		for (; got[i] && got[i] == want[i]; i++)
			line += got[i] == '\n';
		fail_msg("%s differs from line %zu:\n got: %.120s\nwant: %.120s", name, line,
			 got + i, want + i);
	}
	free(want);
}

static void check_all(const struct bench_report *r, const char *tag)
{
	char name[64], tmpl[] = "/tmp/test_bench_golden.XXXXXX", file[128];
	char *s;

	s = capture(r, bench_report_table);
	snprintf(name, sizeof(name), "%s_table.txt", tag);
	check(name, s);
	free(s);
	s = capture(r, bench_report_summary);
	snprintf(name, sizeof(name), "%s_summary.txt", tag);
	check(name, s);
	free(s);

	assert_non_null(mkdtemp(tmpl));
	snprintf(file, sizeof(file), "%s/out.json", tmpl);
	assert_ok(bench_report_json(r, file));
	s = slurp(file);
	assert_non_null(s);
	unlink(file);
	snprintf(name, sizeof(name), "%s.json", tag);
	check(name, s);
	free(s);
	snprintf(file, sizeof(file), "%s/out.csv", tmpl);
	assert_ok(bench_report_csv(r, file));
	s = slurp(file);
	assert_non_null(s);
	unlink(file);
	rmdir(tmpl);
	snprintf(name, sizeof(name), "%s.csv", tag);
	check(name, s);
	free(s);
}

static void test_full_report(void **state)
{
	struct bench_row rows[24];
	struct bench_report r;

	(void)state;
	full_report(&r, rows);
	check_all(&r, "full");
}

/* The same with xarray as the baseline and no charged boundary. */
static void test_full_report_xarray_baseline(void **state)
{
	struct bench_row rows[24];
	struct bench_report r;
	size_t i, n = 0;

	(void)state;
	full_report(&r, rows);
	r.cfg.baseline = "xarray";
	r.cfg.boundary_syscall = false;
	r.have_stack = false;
	r.have_fidelity = false;
	r.instr_held = 0;
	for (i = 0; i < r.nr_rows; i++)
		if (!rows[i].charged && strcmp(rows[i].design, "kxarray"))
			rows[n++] = rows[i];
	r.nr_rows = n;
	/* no paired ratio for niov: the seed line falls back on the means */
	rows[1].ratio_vs_baseline.n = 0;
	memset(r.calib_charged_max_tokens_per_s, 0, sizeof(r.calib_charged_max_tokens_per_s));
	r.baseline_max_tokens_per_s = 950;
	r.offered_tokens_per_s = 475.5;
	check_all(&r, "xarray");
}

static void test_sparse_report(void **state)
{
	struct bench_row rows[1];
	struct bench_report r;

	(void)state;
	sparse_report(&r, rows);
	check_all(&r, "sparse");
}

static void test_no_rows(void **state)
{
	struct bench_row rows[1];
	struct bench_report r;

	(void)state;
	sparse_report(&r, rows);
	r.nr_rows = 0;
	r.have_bind_64g = true;
	r.bind_64g_seconds = 1.5;
	r.bind_64g_bytes_per_niov = 64;
	r.baseline_max_tokens_per_s = 12500;
	r.offered_tokens_per_s = 6250;
	check_all(&r, "empty");
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full_report),
		cmocka_unit_test(test_full_report_xarray_baseline),
		cmocka_unit_test(test_sparse_report),
		cmocka_unit_test(test_no_rows),
	};

	if (argc < 2) {
		fprintf(stderr, "usage: %s GOLDEN_DIR\n", argv[0]);
		return 2;
	}
	golden_dir = argv[1];
	return RUN_TESTS(tests);
}
