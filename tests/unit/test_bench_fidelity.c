// SPDX-License-Identifier: MIT
/* The fidelity arithmetic (Amdahl) and the --stack-cost / --boundary options. */
#define DML_TEST_WITHOUT_DEVMEM
#include "test_helpers.h"

#include <math.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "devmem/devmem.h"

#include "args.h"
#include "fidelity.h"

/* Amdahl: share f of the CPU cut to k of its cost leaves 1 - f (1 - k). */
static void test_amdahl_ratio(void **state)
{
	(void)state;
	assert_float_equal(bench_amdahl_ratio(0.0, 0.3), 1.0, 1e-12);
	assert_float_equal(bench_amdahl_ratio(1.0, 0.3), 0.3, 1e-12);
	assert_float_equal(bench_amdahl_ratio(0.5, 0.5), 0.75, 1e-12);
	assert_float_equal(bench_amdahl_ratio(0.2, 0.0), 0.8, 1e-12);
}

/* The share the seed's figures imply, and the round trip back to its ratio. */
static void test_amdahl_share(void **state)
{
	double seed = (100.0 - 26.32) / (100.0 - 13.13);
	double f;

	(void)state;
	assert_float_equal(seed, 0.848164, 1e-6);
	f = bench_amdahl_share(seed, 0.5);
	assert_float_equal(f, (1 - seed) / 0.5, 1e-12);
	assert_float_equal(bench_amdahl_ratio(f, 0.5), seed, 1e-12);
	/* a design that saves everything: the share is the saving itself */
	assert_float_equal(bench_amdahl_share(0.9, 0.0), 0.1, 1e-12);
	/* no cheaper than the baseline: no share explains a saving */
	assert_true(bench_amdahl_share(0.9, 1.0) < 0);
	assert_true(bench_amdahl_share(0.9, 1.2) < 0);
}

static int parse(struct bench_config *cfg, const char *a, const char *b)
{
	char *argv[] = { "bench", (char *)a, (char *)b, NULL };
	char why[BENCH_WHY_LEN];

	return bench_parse_args(3, argv, cfg, why);
}

/* S-8: xarray costs what kxarray costs, within 15% either way. */
static void test_fidelity_target(void **state)
{
	(void)state;
	assert_true(bench_fidelity_met(100, 100));
	assert_true(bench_fidelity_met(115, 100));
	assert_true(bench_fidelity_met(85, 100));
	assert_false(bench_fidelity_met(115.5, 100));
	assert_false(bench_fidelity_met(84.5, 100));
	assert_false(bench_fidelity_met(100, 0));
}

/*
 * The baseline is picked by name at run time: kxarray when this build has
 * it (S-8), else xarray; --designs must hold it.
 */
static void test_baseline_by_name(void **state)
{
	struct bench_config cfg;
	bool have_kx = false;
	size_t i;
	char list[64];

	(void)state;
	for (i = 0; i < dml_token_design_count(); i++)
		have_kx |= !strcmp(dml_token_design(i)->name, "kxarray");
	bench_config_defaults(&cfg);
	assert_string_equal(cfg.baseline, have_kx ? "kxarray" : "xarray");
	assert_string_equal(bench_baseline_name(), cfg.baseline);
	/* every design by default, the baseline's rows first */
	assert_int_equal(cfg.nr_designs, dml_token_design_count());
	assert_string_equal(cfg.designs[0], cfg.baseline);
	assert_errno(parse(&cfg, "--designs", "niov"), -EINVAL);
	snprintf(list, sizeof(list), "niov,%s", cfg.baseline);
	assert_ok(parse(&cfg, "--designs", list));
	assert_int_equal(cfg.nr_designs, 2);
	if (have_kx) {
		/* xarray alone is not the baseline when the kernel's is built */
		assert_errno(parse(&cfg, "--designs", "xarray,niov"), -EINVAL);
		assert_ok(parse(&cfg, "--designs", "kxarray,xarray"));
	}
}

/* --stack-cost auto|NS|0 */
static void test_stack_cost_parsing(void **state)
{
	static const char *const bad[] = { "", "-1", "abc", "1e3", "12ns", "1000001", " 5" };
	double ns = -1;
	bool autom = false;
	size_t i;

	(void)state;
	assert_ok(bench_parse_stack_cost("auto", &ns, &autom));
	assert_true(autom);
	assert_ok(bench_parse_stack_cost("0", &ns, &autom));
	assert_false(autom);
	assert_float_equal(ns, 0, 0);
	assert_ok(bench_parse_stack_cost("250", &ns, &autom));
	assert_float_equal(ns, 250, 0);
	assert_ok(bench_parse_stack_cost("1000000", &ns, &autom));
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_errno(bench_parse_stack_cost(bad[i], &ns, &autom), -EINVAL);
}


/* The options reach the configuration; bad ones are refused. */
static void test_options(void **state)
{
	struct bench_config cfg;

	(void)state;
	bench_config_defaults(&cfg);
	assert_true(cfg.boundary_syscall);
	assert_true(cfg.stack_cost_auto);
	assert_ok(parse(&cfg, "--stack-cost", "300"));
	assert_false(cfg.stack_cost_auto);
	assert_float_equal(cfg.stack_cost_ns, 300, 0);
	assert_ok(parse(&cfg, "--boundary", "none"));
	assert_false(cfg.boundary_syscall);
	assert_ok(parse(&cfg, "--boundary", "syscall"));
	assert_true(cfg.boundary_syscall);
	assert_errno(parse(&cfg, "--boundary", "vdso"), -EINVAL);
	assert_errno(parse(&cfg, "--stack-cost", "lots"), -EINVAL);
}

/*
 * --quick shrinks the callgrind run only when --segments is not given
 * (docs/benchmark.md): an explicit 20000, the default's value, stays 20000.
 * -h is returned, not exited on, and a refusal says why.
 */
static void test_explicit_option_wins_over_quick(void **state)
{
	char *quick[] = { "bench", "--quick", NULL };
	char *both[] = { "bench", "--quick", "--segments", "20000", NULL };
	char *help[] = { "bench", "-h", NULL };
	char *extra[] = { "bench", "extra", NULL };
	struct bench_config cfg;
	char why[BENCH_WHY_LEN];

	(void)state;
	assert_ok(bench_parse_args(2, quick, &cfg, why));
	assert_int_equal(cfg.instr_segments, BENCH_QUICK_INSTR_SEGMENTS);
	assert_ok(bench_parse_args(4, both, &cfg, why));
	assert_int_equal(cfg.instr_segments, 20000);
	assert_int_equal(bench_parse_args(2, help, &cfg, why), BENCH_ARGS_HELP);
	assert_errno(bench_parse_args(2, extra, &cfg, why), -EINVAL);
	assert_non_null(strstr(why, "unexpected argument 'extra'"));
}

/*
 * The charged calls are real system calls (docs/fidelity.md, S-5.1 for the
 * DONTNEED the kernel checks): the kernel's answers prove it.
 */
static void test_boundary_is_real(void **state)
{
	struct pollfd pfd;
	int fds[2], rx, ret, udp;

	(void)state;
	assert_ok(bench_boundary_open(fds));
	assert_true(fds[0] >= 0 && fds[1] >= 0);
	rx = fds[0];
	/* nothing queued: tcp_recvmsg's EAGAIN */
	assert_errno(bench_boundary_recvmsg(rx), -EAGAIN);
	/* a byte from the peer comes back: a real connected TCP socket */
	assert_int_equal(write(fds[1], "x", 1), 1);
	pfd = (struct pollfd){ .fd = rx, .events = POLLIN };
	assert_int_equal(poll(&pfd, 1, 5000), 1);
	assert_int_equal(bench_boundary_recvmsg(rx), 1);
	assert_errno(bench_boundary_recvmsg(rx), -EAGAIN);
	/* 128 empty entries reach sock_devmem_dontneed(), or no devmem here */
	ret = bench_boundary_dontneed(rx, DML_MAX_DONTNEED_TOKENS);
	assert_true(ret == 0 || ret == -ENOPROTOOPT);
	if (!ret) {
		/* the devmem code ran: it refuses a socket that is not TCP */
		udp = socket(AF_INET, SOCK_DGRAM, 0);
		assert_true(udp >= 0);
		assert_errno(bench_boundary_dontneed(udp, 1), -EBADF);
		close(udp);
	}
	bench_boundary_close(fds);
	assert_int_equal(fds[0], -1);
	/* the fd is gone: the kernel's own lookup refuses it */
	assert_errno(bench_boundary_recvmsg(rx), -EBADF);
	assert_errno(bench_boundary_dontneed(rx, 1), -EBADF);
}

/* The three readings of this machine's TCP receive work are real and sane. */
static void test_stack_cost_is_measured(void **state)
{
	struct bench_stack_cost sc;

	(void)state;
	assert_ok(bench_measure_stack_cost(-1, -1, &sc));
	assert_int_equal(sc.rounds, 7);
	assert_true(sc.queued_ns >= 0 && isfinite(sc.queued_ns));
	assert_true(sc.queued_min_ns <= sc.queued_ns && sc.queued_ns <= sc.queued_max_ns);
	assert_true(sc.crossing_ns > 0 && sc.tight_ns > 0 && sc.kperf_ns > 0);
	/* every kperf wake-up reads something; at most ten reads follow one */
	assert_true(sc.kperf_wakeups_per_read > 0.1 - 1e-9 && sc.kperf_wakeups_per_read <= 1);
}

/* The burn loop is timed: a rate of spins per nanosecond. */
static void test_burn_is_calibrated(void **state)
{
	(void)state;
	assert_true(bench_burn_calibrate() > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_amdahl_ratio),
		cmocka_unit_test(test_amdahl_share),
		cmocka_unit_test(test_stack_cost_parsing),
		cmocka_unit_test(test_options),
		cmocka_unit_test(test_explicit_option_wins_over_quick),
		cmocka_unit_test(test_fidelity_target),
		cmocka_unit_test(test_baseline_by_name),
		cmocka_unit_test(test_boundary_is_real),
		cmocka_unit_test(test_stack_cost_is_measured),
		cmocka_unit_test(test_burn_is_calibrated),
	};

	return RUN_TESTS(tests);
}
