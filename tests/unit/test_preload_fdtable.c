// SPDX-License-Identifier: MIT
/*
 * The preload's fd table (issue 15: every other fd passes through
 * untouched; threads race on recvmsg and close): lookups, stale entries,
 * a close racing calls in flight, and the readiness eventfd's protocol.
 * Built from fdtable.c and real.c alone, so it runs in the sanitizer
 * builds too (the interposed entry points are not linked in).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <unistd.h>

#include "preload/preload.h"
#include "test_helpers.h"

static atomic_int released;

static void count_release(struct pl_file *f)
{
	(void)f;
	atomic_fetch_add(&released, 1);
}

static const struct pl_file_ops test_ops = {
	.kind = "test",
	.release = count_release,
};

static bool readable(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	return poll(&p, 1, 0) == 1 && (p.revents & POLLIN);
}

/* An fd nobody emulates is not in the table: the program's own fds pass through. */
static void test_unknown_fd_passes(void **state)
{
	(void)state;
	assert_false(pl_fd_emulated(0));
	assert_null(pl_file_get(1));
	assert_null(pl_file_get(-1));
	assert_null(pl_file_get(1 << 30));
}

/* The last reference releases; the table's reference keeps a file alive. */
static void test_install_get_forget(void **state)
{
	struct pl_file *f = pl_file_new(&test_ops, NULL, true);
	int fd, before = atomic_load(&released);

	(void)state;
	assert_non_null(f);
	fd = pl_file_new_fd(f, 0, true);
	assert_true(fd >= 0);
	pl_file_put(f);			/* the creator's */
	assert_int_equal(atomic_load(&released), before);
	assert_true(pl_fd_emulated(fd));
	assert_ptr_equal(pl_file_get(fd), f);
	pl_file_forget(fd);
	assert_false(pl_fd_emulated(fd));
	assert_int_equal(atomic_load(&released), before);	/* our get holds it */
	pl_file_put(f);
	assert_int_equal(atomic_load(&released), before + 1);
	close(fd);
}

/* A number the kernel hands out again replaces a stale entry, which is released. */
static void test_stale_entry_replaced(void **state)
{
	struct pl_file *a = pl_file_new(&test_ops, NULL, true);
	struct pl_file *b = pl_file_new(&test_ops, NULL, true);
	int fd, before = atomic_load(&released);

	(void)state;
	fd = pl_file_new_fd(a, 0, true);
	assert_true(fd >= 0);
	assert_int_equal(pl_file_install(fd, b), 0);
	pl_file_put(a);
	assert_int_equal(atomic_load(&released), before + 1);
	assert_ptr_equal(pl_file_get(fd), b);
	pl_file_put(b);
	pl_file_put(b);
	pl_file_forget(fd);
	assert_int_equal(atomic_load(&released), before + 2);
	close(fd);
}

/*
 * Readiness: signalled means readable; unsignal drains it; a signal after
 * the drain makes it readable again (no lost wake-up).
 */
static void test_signal_protocol(void **state)
{
	struct pl_file *f = pl_file_new(&test_ops, NULL, true);

	(void)state;
	assert_false(readable(f->efd));
	pl_file_signal(f);
	pl_file_signal(f);		/* one write for any number of signals */
	assert_true(readable(f->efd));
	pl_file_unsignal(f);
	assert_false(readable(f->efd));
	pl_file_signal(f);
	assert_true(readable(f->efd));
	pl_file_put(f);
}

#define RACE_ROUNDS 20000

struct race {
	int fd;
	atomic_bool stop;
	atomic_long hits;
};

static void *reader(void *arg)
{
	struct race *r = arg;

	while (!atomic_load(&r->stop)) {
		struct pl_file *f = pl_file_get(r->fd);

		if (f) {
			/* A call in flight: the file must stay whole while we hold it. */
			assert_ptr_equal(f->ops, &test_ops);
			atomic_fetch_add(&r->hits, 1);
			pl_file_put(f);
		}
	}
	return NULL;
}

/*
 * Close racing calls: two threads look the fd up while a third installs a
 * new file there and forgets it again; every file is released exactly
 * once, none while a reader holds it (ASan and TSan watch).
 */
static void test_close_races_calls(void **state)
{
	struct race r = { .fd = -1 };
	pthread_t t[2];
	int i, before = atomic_load(&released), efd;
	struct pl_file *f;

	(void)state;
	f = pl_file_new(&test_ops, NULL, true);
	efd = PL_REAL(fcntl)(f->efd, F_DUPFD_CLOEXEC, 0);
	pl_file_put(f);
	assert_int_equal(atomic_load(&released), before + 1);
	r.fd = efd;
	for (i = 0; i < 2; i++)
		assert_int_equal(pthread_create(&t[i], NULL, reader, &r), 0);
	for (i = 0; i < RACE_ROUNDS; i++) {
		f = pl_file_new(&test_ops, NULL, false);
		assert_non_null(f);
		assert_int_equal(pl_file_install(efd, f), 0);
		pl_file_put(f);
		pl_file_forget(efd);
	}
	atomic_store(&r.stop, true);
	for (i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	assert_int_equal(atomic_load(&released), before + 1 + RACE_ROUNDS);
	close(efd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_unknown_fd_passes),
		cmocka_unit_test(test_install_get_forget),
		cmocka_unit_test(test_stale_entry_replaced),
		cmocka_unit_test(test_signal_protocol),
		cmocka_unit_test(test_close_races_calls),
	};

	return RUN_TESTS(tests);
}
