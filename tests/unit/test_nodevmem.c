// SPDX-License-Identifier: MIT
/*
 * S-3.6: built like NET_DEVMEM=n, the rest works and bind-rx answers
 * EOPNOTSUPP, leaving nothing behind.  Linked against the nodevmem library.
 */
#define DML_TEST_WITHOUT_DEVMEM
#include "test_helpers.h"

static void test_bind_rx_not_supported(void **state)
{
	struct fixture *f = *state;
	const uint32_t q[] = { 3 };
	struct dml_rxq_info info;

	assert_false(dml_devmem_enabled());
	assert_errno(fixture_bind(f, f->nl, q, 1, 0), -EOPNOTSUPP);
	assert_string_equal(f->errmsg, "devmem TCP is not built in (NET_DEVMEM=n)");
	assert_int_equal(dml_host_autorelease_mode(f->host), -1);
	assert_ok(dml_netdev_rxq_info(f->dev, 3, &info));
	assert_int_equal(info.dmabuf_id, 0);
	/* the rest of the control plane still answers */
	assert_true(dml_genl_family_id(f->nl, "netdev") > 0);
}

/* S-3.6: attribute validation still runs first, as in the kernel. */
static void test_validation_before_support(void **state)
{
	struct fixture *f = *state;
	const uint32_t q[] = { 3 };
	struct dml_bind_rx_req req = {
		.ifindex = 0, .dmabuf_fd = dml_dmabuf_fd(f->buf),
		.queues = q, .nr_queues = 1, .autorelease = 0,
	};
	uint32_t id;

	assert_errno(dml_bind_rx(f->nl, &req, &id, NULL, 0), -ERANGE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_bind_rx_not_supported,
						fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_validation_before_support,
						fixture_setup, fixture_teardown),
	};

	return RUN_TESTS(tests);
}
