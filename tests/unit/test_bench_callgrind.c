// SPDX-License-Identifier: MIT
/*
 * The benchmark's split of a callgrind profile into the design's token ops,
 * their page-pool part and the shared path (bench/callgrind_split.c), on
 * small hand-written profiles in callgrind's own format.
 */
#include <math.h>
#include <stdio.h>
#include <unistd.h>

#define DML_TEST_WITHOUT_DEVMEM
#include "test_helpers.h"

#include "callgrind_split.h"

static char *write_profile(const char *text)
{
	static char path[64];
	int fd;
	FILE *f;

	snprintf(path, sizeof(path), "/tmp/devmem-lab-cg-test.XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	return path;
}

static void split_of(const char *text, const char *design, int want_err,
		     struct callgrind_split *out)
{
	char *path = write_profile(text);

	assert_int_equal(callgrind_split_read(path, design, out), want_err);
	unlink(path);
}

/*
 * recvmsg calls niov_assign, which callgrind files under the netmem.h helper
 * its first instruction comes from, and skb_free on the shared path;
 * DONTNEED calls niov_release (its block comes after the call), which
 * calls a helper of its own, a libc lock the page pool takes too, and the
 * page pool.
 */
static const char profile[] =
	"# callgrind format\n"
	"version: 1\n"
	"positions: line\n"
	"events: Ir\n"
	"summary: 1000\n"
	"\n"
	"ob=(1) /x/devmem-lab\n"
	"fl=(1) /x/build/../src/net/recvmsg.c\n"
	"fn=(1) dml_recvmsg\n"
	"10 100\n"
	"fi=(7) /x/build/../src/tokens/xarray.h\n"
	"+2 5\n"
	"fe=(1)\n"
	"cfi=(2) /x/build/../src/mem/netmem.h\n"
	"cfn=(2) niov_assign\n"
	"calls=20 40\n"
	"12 30\n"
	"cfl=(3) /x/build/../src/net/skb.c\n"
	"cfn=(3) dml_skb_free\n"
	"calls=20 9\n"
	"13 50\n"
	"\n"
	"fl=(2)\n"
	"fn=(2)\n"
	"40 10\n"
	"fi=(4) /x/build/../src/tokens/niov.c\n"
	"+1 20\n"
	"\n"
	"fl=(3)\n"
	"fn=(3)\n"
	"9 50\n"
	"\n"
	"fl=(5) /x/build/../src/net/dontneed.c\n"
	"fn=(5) devmem_dontneed\n"
	"5 20\n"
	"cfi=(4)\n"
	"cfn=(6) niov_release\n"
	"calls=1 100\n"
	"6 300\n"
	"\n"
	"fl=(4)\n"
	"fn=(6)\n"
	"100 150\n"
	"cfn=(7) niov_helper\n"
	"calls=20 120\n"
	"101 40\n"
	"cob=(2) /lib/libc.so.6\n"
	"cfi=(8) ./nptl/pthread_spin_lock.S\n"
	"cfn=(8) pthread_spin_lock\n"
	"calls=20 1\n"
	"102 10\n"
	"cfi=(9) /x/build/../src/mem/page_pool.c\n"
	"cfn=(9) dml_page_pool_recycle\n"
	"calls=20 50\n"
	"103 100\n"
	"fn=(7)\n"
	"120 40\n"
	"\n"
	"ob=(2)\n"
	"fl=(8)\n"
	"fn=(8)\n"
	"1 10\n"
	"\n"
	"fl=(9)\n"
	"fn=(9)\n"
	"50 90\n"
	"cob=(2)\n"
	"cfi=(8)\n"
	"cfn=(8)\n"
	"calls=20 1\n"
	"51 10\n"
	"\n"
	"totals: 1000\n";

static void test_split_by_where_the_code_runs(void **state)
{
	struct callgrind_split s;

	(void)state;
	split_of(profile, "niov", 0, &s);
	assert_true(s.total == 1000);
	/*
	 * The design's two entry points, inclusive: niov_assign (30) and
	 * niov_release (300).  Not the helper niov_release calls (it is
	 * inside already), not skb_free, not the inlined xarray.h lines of
	 * recvmsg.
	 */
	assert_true(s.token_ops == 330);
	assert_true(s.page_pool == 100);
}

/* Replaces the one @from in @text by @to, into @out. */
static void edit(char *out, size_t size, const char *text, const char *from, const char *to)
{
	const char *at = strstr(text, from);

	assert_non_null(at);
	assert_null(strstr(at + 1, from));
	assert_true(strlen(text) - strlen(from) + strlen(to) < size);
	snprintf(out, size, "%.*s%s%s", (int)(at - text), text, to, at + strlen(from));
}

/*
 * The design is named by the design table, not by where its code lies:
 * the same profile read for another design has no entry point of it, and
 * niov_assign filed under another design's name is not niov's.  What only
 * the design calls is the design's: renamed without the prefix, the
 * helper's page-pool call still counts; the lock the page pool takes too
 * is not the design's, so its page pool is not either.
 */
static void test_the_design_is_its_entry_points_and_what_only_they_call(void **state)
{
	static char text[sizeof(profile) + 128], step[sizeof(profile) + 128];
	struct callgrind_split s;

	(void)state;
	split_of(profile, "xarray", 0, &s);
	assert_true(s.token_ops == 0);
	assert_true(s.page_pool == 0);
	edit(text, sizeof(text), profile, "cfn=(2) niov_assign\n", "cfn=(2) xarray_assign\n");
	split_of(text, "niov", 0, &s);
	assert_true(s.token_ops == 300);
	/* A prefix is the name and an underscore: niovx_assign is no niov op. */
	edit(text, sizeof(text), profile, "cfn=(2) niov_assign\n", "cfn=(2) niovx_assign\n");
	split_of(text, "niov", 0, &s);
	assert_true(s.token_ops == 300);

	/* niov_release calls put_batch (no prefix), which recycles the page. */
	edit(step, sizeof(step), profile, "cfn=(9) dml_page_pool_recycle\ncalls=20 50\n103 100\n",
	     "cfn=(10) put_batch\ncalls=20 50\n103 100\n");
	edit(text, sizeof(text), step, "fn=(7)\n120 40\n",
	     "fn=(7)\n120 40\nfn=(10)\n50 0\ncfn=(9) dml_page_pool_recycle\ncalls=20 50\n51 100\n");
	split_of(text, "niov", 0, &s);
	assert_true(s.token_ops == 330);
	assert_true(s.page_pool == 100);
	/* The shared path calls put_batch too: it is not the design's. */
	edit(step, sizeof(step), text, "cfl=(3) /x/build/../src/net/skb.c\n",
	     "cfn=(10)\ncalls=1 50\n13 7\ncfl=(3) /x/build/../src/net/skb.c\n");
	split_of(step, "niov", 0, &s);
	assert_true(s.token_ops == 330);
	assert_true(s.page_pool == 0);
}

/*
 * kxarray (S-8): recvmsg calls the glue's kxarray_assign, which calls
 * the kernel's __xa_alloc from lib/xarray.c extracted into the build
 * directory, which calls back into the glue's allocator shim.  DONTNEED's
 * release was compiled as a jump straight into the kernel's xa_erase.
 */
static const char kxarray_profile[] =
	"events: Ir\n"
	"summary: 1000\n"
	"ob=(1) /x/devmem-lab\n"
	"fl=(1) /x/build/../src/net/recvmsg.c\n"
	"fn=(1) dml_recvmsg\n"
	"10 100\n"
	"cfi=(2) /x/build/../src/tokens/kxarray.c\n"
	"cfn=(2) kxarray_assign\n"
	"calls=1 20\n"
	"11 400\n"
	"cfi=(3) /x/build/kxarray/lib/xarray.c\n"
	"cfn=(3) xa_erase\n"
	"calls=1 30\n"
	"12 200\n"
	"fl=(2)\n"
	"fn=(2)\n"
	"20 100\n"
	"cfi=(3)\n"
	"cfn=(4) __xa_alloc\n"
	"calls=1 40\n"
	"21 300\n"
	"fl=(3)\n"
	"fn=(4)\n"
	"40 250\n"
	"cfi=(4) /x/build/../src/tokens/kxarray_shim.c\n"
	"cfn=(5) kx_kmalloc\n"
	"calls=1 60\n"
	"41 50\n"
	"fn=(3)\n"
	"30 200\n"
	"fl=(4)\n"
	"fn=(5)\n"
	"60 50\n"
	"totals: 1000\n";

static void test_kernel_xarray_counts_as_token_code(void **state)
{
	static char text[sizeof(kxarray_profile) + 64];
	struct callgrind_split s;

	(void)state;
	split_of(kxarray_profile, "kxarray", 0, &s);
	/*
	 * kxarray_assign (400, the kernel's __xa_alloc and the shim
	 * inside it) and xa_erase (200); the shim's 50 not a second time.
	 */
	assert_true(s.token_ops == 600);
	assert_true(s.page_pool == 0);

	/* Wherever the kernel's file lies: the names decide. */
	edit(text, sizeof(text), kxarray_profile, "/x/build/kxarray/lib/xarray.c",
	     "/x/build/../src/tokens/xarray.h");
	split_of(text, "kxarray", 0, &s);
	assert_true(s.token_ops == 600);

	/* The kernel's names are kxarray's only: our xarray does not own them. */
	split_of(kxarray_profile, "xarray", 0, &s);
	assert_true(s.token_ops == 0);
}

/*
 * A return ring's drain (<design>_drain) runs inside recvmsg: it is the
 * design's code like any entry point, and counted apart as the drain, so
 * the benchmark can book it as return work (issue 16, ring).
 */
static void test_drain_counted_apart(void **state)
{
	char text[sizeof(profile) + 64];
	struct callgrind_split s;

	(void)state;
	edit(text, sizeof(text), profile, "cfn=(2) niov_assign", "cfn=(2) niov_drain");
	split_of(text, "niov", 0, &s);
	assert_true(s.token_ops == 330);
	assert_true(s.drain == 30);
	/* only the design's own drain: another design's is nothing of its */
	edit(text, sizeof(text), profile, "cfn=(2) niov_assign", "cfn=(2) ring_drain");
	split_of(text, "niov", 0, &s);
	assert_true(s.drain == 0);
	split_of(profile, "niov", 0, &s);
	assert_true(s.drain == 0);
}

static void test_not_a_profile(void **state)
{
	struct callgrind_split s;

	(void)state;
	split_of("hello\n", "niov", -EINVAL, &s);
	split_of("events: Ir\nfn=(1) f\n1 2\n", "niov", -EINVAL, &s);	/* no total */
	assert_int_equal(callgrind_split_read("/nonexistent/callgrind.out", "niov", &s), -ENOENT);
	assert_true(s.total < 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_split_by_where_the_code_runs),
		cmocka_unit_test(test_the_design_is_its_entry_points_and_what_only_they_call),
		cmocka_unit_test(test_kernel_xarray_counts_as_token_code),
		cmocka_unit_test(test_drain_counted_apart),
		cmocka_unit_test(test_not_a_profile),
	};

	return RUN_TESTS(tests);
}
