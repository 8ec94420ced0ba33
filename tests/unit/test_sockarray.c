// SPDX-License-Identifier: MIT
/*
 * The `sockarray` design (issue 16; docs/extensions.md X-3) and the memory
 * figure behind v3's move to per-binding urefs.  Its returns and closes run
 * in the conformance cases (dp_rules() says what it promises); here, what
 * it costs: 4 bytes per page of the binding in every socket that joined.
 */
#include "dp_helpers.h"
#include "sock_state.h"

#define SA_PAGES	65536u		/* 256 MiB at 4 KiB */
#define SA_SOCKETS	64u
#define SA_OVERHEAD	64u		/* the socket's fixed part, at most */

static int setup_sockarray(void **state)
{
	struct dml_host_config hcfg = {
		.rx_ring_size = DML_DEFAULT_RX_RING_SIZE,
		.pp_ring_size = DML_DEFAULT_PP_RING_SIZE,
		.token_design = { "sockarray", NULL },
	};
	struct dml_wire_flow_config cfg = dp_flow_config(40000);

	return dp_setup_cfg(state, 0, FIXTURE_PAGES, &hcfg, &cfg);
}

/* the array is the socket's from its first frag: 4 B per page. */
static void test_array_at_join(void **state)
{
	struct dp *dp = *state;
	uint32_t tok[1];
	long before, after;

	before = dml_sock_token_state_bytes(dp->sk);
	assert_true(before > 0 && before <= SA_OVERHEAD);
	assert_int_equal(dp_send(dp, DML_PAGE_SIZE), DML_PAGE_SIZE);
	assert_int_equal(dp_recv_tokens(dp, dp->sk, DML_PAGE_SIZE, 0, tok, 1), 1);
	after = dml_sock_token_state_bytes(dp->sk);
	assert_int_equal(after - before, FIXTURE_PAGES * 4);
	assert_int_equal(dp_dontneed(dp->sk, tok[0], 1), 1);
	/* returning does not shrink it: the array lives as long as the socket */
	assert_int_equal(dml_sock_token_state_bytes(dp->sk), after);
	dp_assert_clean(dp);
}

/*
 * the figure: 64 sockets on a 256 MiB binding hold
 * 64 * 65536 * 4 B (+ each socket's fixed part), the fit finds exactly
 * 4 B per page per socket, and the reviewers' case projects to 20 GiB;
 * niov's and owned's per-socket state does not grow with the binding.
 */
static void test_memory_figure(void **state)
{
	const double review_gib = 1024.0 * 1024.0 * 1024.0;
	struct bench_sock_state sa, niov, owned;
	double sa_review, niov_review, owned_review;

	(void)state;
	assert_ok(bench_sock_state_measure("sockarray", SA_PAGES, SA_SOCKETS, &sa));
	assert_true(sa.total_bytes >= (uint64_t)SA_SOCKETS * SA_PAGES * 4);
	assert_true(sa.total_bytes <= (uint64_t)SA_SOCKETS * (SA_PAGES * 4 + SA_OVERHEAD));
	assert_true(sa.socket_per_page == 4.0);
	assert_true(sa.binding_per_page == 0.0);

	assert_ok(bench_sock_state_measure("niov", SA_PAGES, SA_SOCKETS, &niov));
	assert_true(niov.socket_per_page == 0.0);
	assert_true(niov.binding_per_page == 4.0);
	assert_ok(bench_sock_state_measure("owned", SA_PAGES, SA_SOCKETS, &owned));
	assert_true(owned.socket_per_page == 0.0);

	sa_review = bench_sock_state_bytes(&sa, SOCK_STATE_REVIEW_PAGES, SOCK_STATE_REVIEW_SOCKETS);
	niov_review = bench_sock_state_bytes(&niov, SOCK_STATE_REVIEW_PAGES,
					     SOCK_STATE_REVIEW_SOCKETS);
	owned_review = bench_sock_state_bytes(&owned, SOCK_STATE_REVIEW_PAGES,
					      SOCK_STATE_REVIEW_SOCKETS);
	assert_true(sa_review >= 20.0 * review_gib);
	assert_true(sa_review <= 20.0 * review_gib + SOCK_STATE_REVIEW_SOCKETS * SA_OVERHEAD);
	assert_true(niov_review < sa_review / 1000);
	assert_true(owned_review < sa_review / 100);
	printf("# measured: %u sockets x %u pages: sockarray %llu B (%.1f B/socket), "
	       "niov %llu B, owned %llu B of socket state\n",
	       SA_SOCKETS, SA_PAGES, (unsigned long long)sa.total_bytes, sa.socket_bytes,
	       (unsigned long long)niov.total_bytes, (unsigned long long)owned.total_bytes);
	printf("# formula: sockets * (fixed + per_page * pages) + binding_per_page * pages\n");
	printf("# sockarray: fixed %.1f, per_page %.1f; niov: fixed %.1f, binding %.1f; "
	       "owned: fixed %.1f\n",
	       sa.socket_fixed, sa.socket_per_page, niov.socket_fixed, niov.binding_per_page,
	       owned.socket_fixed);
	printf("# reviewers' case, %u sockets x %u pages: sockarray %.2f GiB, niov %.2f MiB, "
	       "owned %.2f MiB\n",
	       SOCK_STATE_REVIEW_SOCKETS, SOCK_STATE_REVIEW_PAGES, sa_review / review_gib,
	       niov_review / (1024.0 * 1024.0), owned_review / (1024.0 * 1024.0));
}

/* Bad input is an errno: the wrong mode, an unknown name, sizes out of range. */
static void test_measure_bad_input(void **state)
{
	struct bench_sock_state m;

	(void)state;
	assert_errno(bench_sock_state_measure("xarray", 64, 1, &m), -EINVAL);
	assert_errno(bench_sock_state_measure("nope", 64, 1, &m), -EINVAL);
	assert_errno(bench_sock_state_measure("sockarray", 1, 1, &m), -EINVAL);
	assert_errno(bench_sock_state_measure("sockarray", 64, 0, &m), -EINVAL);
	assert_errno(bench_sock_state_measure("sockarray", 64, 1001, &m), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		{ "test_array_at_join", test_array_at_join, setup_sockarray, dp_teardown, NULL },
		cmocka_unit_test(test_memory_figure),
		cmocka_unit_test(test_measure_bad_input),
	};

	return run_tap(__FILE__, tests, sizeof(tests) / sizeof(tests[0]));
}
