// SPDX-License-Identifier: MIT
/* S-2.1: dma-buf exporters, sizes, and memory the user can map. */
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "test_helpers.h"

/* S-2.1: sizes must be a non-zero multiple of the page size. */
static void test_size_rules(void **state)
{
	struct dml_dmabuf *buf = NULL;

	(void)state;
	assert_errno(dml_dmabuf_create(0, DML_DMABUF_MEMFD, &buf), -EINVAL);
	assert_errno(dml_dmabuf_create(4095, DML_DMABUF_MEMFD, &buf), -EINVAL);
	assert_errno(dml_dmabuf_create(4096 + 1, DML_DMABUF_AUTO, &buf), -EINVAL);
	assert_null(buf);
	assert_ok(dml_dmabuf_create(3 * 4096, DML_DMABUF_MEMFD, &buf));
	assert_int_equal(dml_dmabuf_size(buf), 3 * 4096);
	dml_dmabuf_destroy(buf);
}

/* S-2.1: auto picks udmabuf exactly when /dev/udmabuf can be opened. */
static void test_exporter_choice(void **state)
{
	bool have_udmabuf = access("/dev/udmabuf", R_OK | W_OK) == 0;
	struct dml_dmabuf *buf;
	enum dml_dmabuf_exporter e;
	int err;

	(void)state;
	assert_ok(dml_dmabuf_create(4096, DML_DMABUF_AUTO, &buf));
	assert_string_equal(dml_dmabuf_exporter_name(buf),
			    have_udmabuf ? "udmabuf" : "memfd");
	dml_dmabuf_destroy(buf);

	assert_ok(dml_dmabuf_create(4096, DML_DMABUF_MEMFD, &buf));
	assert_string_equal(dml_dmabuf_exporter_name(buf), "memfd");
	dml_dmabuf_destroy(buf);

	err = dml_dmabuf_create(4096, DML_DMABUF_UDMABUF, &buf);
	if (have_udmabuf) {
		assert_ok(err);
		assert_string_equal(dml_dmabuf_exporter_name(buf), "udmabuf");
		dml_dmabuf_destroy(buf);
	} else {
		assert_errno(err, -ENODEV);
	}

	assert_ok(dml_dmabuf_parse_exporter("memfd", &e));
	assert_int_equal(e, DML_DMABUF_MEMFD);
	assert_ok(dml_dmabuf_parse_exporter("udmabuf", &e));
	assert_int_equal(e, DML_DMABUF_UDMABUF);
	assert_ok(dml_dmabuf_parse_exporter("auto", &e));
	assert_int_equal(e, DML_DMABUF_AUTO);
	assert_errno(dml_dmabuf_parse_exporter("dmaheap", &e), -EINVAL);
}

/* S-2.1: the fd is real memory: what one mapping writes, another reads. */
static void test_fd_is_mappable(void **state)
{
	struct dml_dmabuf *buf;
	unsigned char *a, *b;

	(void)state;
	assert_ok(dml_dmabuf_create(2 * 4096, DML_DMABUF_AUTO, &buf));
	a = mmap(NULL, 2 * 4096, PROT_READ | PROT_WRITE, MAP_SHARED,
		 dml_dmabuf_fd(buf), 0);
	b = mmap(NULL, 2 * 4096, PROT_READ, MAP_SHARED, dml_dmabuf_fd(buf), 0);
	assert_true(a != MAP_FAILED && b != MAP_FAILED);
	a[4096 + 17] = 0xab;
	assert_int_equal(b[4096 + 17], 0xab);
	munmap(a, 2 * 4096);
	munmap(b, 2 * 4096);
	dml_dmabuf_destroy(buf);
}

/* S-2.1: bind-rx refuses an unsealed memfd or one whose size is not page-aligned. */
static void test_bind_refuses_bad_memfd(void **state)
{
	struct fixture *f = *state;
	const uint32_t q[] = { 2 };
	struct dml_bind_rx_req req = {
		.ifindex = f->ifindex, .queues = q, .nr_queues = 1, .autorelease = 0,
	};
	uint32_t id;
	int fd;

	fd = memfd_create("unsealed", MFD_ALLOW_SEALING);
	assert_true(fd >= 0);
	assert_ok(ftruncate(fd, 4096));
	req.dmabuf_fd = fd;
	assert_errno(dml_bind_rx(f->nl, &req, &id, f->errmsg, sizeof(f->errmsg)), -EINVAL);
	assert_non_null(strstr(f->errmsg, "F_SEAL_SHRINK"));

	assert_ok(ftruncate(fd, 4096 + 100));
	assert_ok(fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK));
	assert_errno(dml_bind_rx(f->nl, &req, &id, f->errmsg, sizeof(f->errmsg)), -EINVAL);
	assert_non_null(strstr(f->errmsg, "not a non-zero multiple of 4096"));
	close(fd);
	assert_int_equal(dml_host_autorelease_mode(f->host), -1);
}

/* S-2.1: a binding holds its own reference: the caller may close its fd. */
static void test_binding_outlives_caller_fd(void **state)
{
	struct fixture *f = *state;
	const uint32_t q[] = { 2 };
	struct dml_rxq_info info;

	assert_true(fixture_bind(f, f->nl, q, 1, 0) >= 1);
	dml_dmabuf_destroy(f->buf);
	f->buf = NULL;
	/* every page is posted; the pool is dry, not broken */
	assert_errno(dml_netdev_rxq_refill(f->dev, 2), -ENOBUFS);
	assert_ok(dml_netdev_rxq_info(f->dev, 2, &info));
	assert_int_equal(info.posted, FIXTURE_PAGES);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_size_rules),
		cmocka_unit_test(test_exporter_choice),
		cmocka_unit_test(test_fd_is_mappable),
		cmocka_unit_test_setup_teardown(test_bind_refuses_bad_memfd,
						fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_binding_outlives_caller_fd,
						fixture_setup, fixture_teardown),
	};

	return RUN_TESTS(tests);
}
