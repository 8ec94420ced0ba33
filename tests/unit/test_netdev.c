// SPDX-License-Identifier: MIT
/* The emulated NIC: channels, header split, steering, refill (S-2.3, S-3.1, S-3.2). */
#define DML_TEST_WITHOUT_DEVMEM
#include "test_helpers.h"

static struct dml_flow flow(uint16_t sport, uint16_t dport)
{
	struct dml_flow fl = { .src_port = sport, .dst_port = dport };

	fl.src_addr[15] = 1;
	fl.dst_addr[15] = 2;
	return fl;
}

/* Device creation validates its configuration. */
static void test_create_rules(void **state)
{
	struct fixture *f = *state;
	struct dml_netdev_config cfg = {
		.name = "eth1", .max_rx_queues = 4, .rx_queues = 2, .header_split = true,
	};
	struct dml_netdev *dev;

	assert_ok(dml_netdev_create(f->host, &cfg, &dev));
	assert_int_equal(dml_netdev_ifindex(dev), f->ifindex + 1);
	assert_ptr_equal(dml_netdev_by_name(f->host, "eth1"), dev);
	assert_errno(dml_netdev_create(f->host, &cfg, &dev), -EEXIST);
	cfg.name = "eth2";
	cfg.rx_queues = 5;
	assert_errno(dml_netdev_create(f->host, &cfg, &dev), -EINVAL);
	cfg.rx_queues = 0;
	assert_errno(dml_netdev_create(f->host, &cfg, &dev), -EINVAL);
	cfg.rx_queues = 1;
	cfg.name = "a-name-longer-than-15";
	assert_errno(dml_netdev_create(f->host, &cfg, &dev), -EINVAL);
	assert_null(dml_netdev_by_name(f->host, "eth2"));
}

/* Channels cannot shrink under the RSS spread or an ntuple rule either. */
static void test_channels_respect_steering(void **state)
{
	struct fixture *f = *state;
	struct dml_flow fl = flow(1000, 5201);
	int rule;

	assert_errno(dml_netdev_set_channels(f->dev, 4), -EINVAL);	/* RSS 0..7 */
	assert_ok(dml_netdev_set_rss(f->dev, 0, 4));
	rule = dml_netdev_add_ntuple(f->dev, &fl, 6);
	assert_true(rule >= 0);
	assert_errno(dml_netdev_set_channels(f->dev, 4), -EINVAL);
	assert_ok(dml_netdev_del_ntuple(f->dev, rule));
	assert_errno(dml_netdev_del_ntuple(f->dev, rule), -ENOENT);
	assert_ok(dml_netdev_set_channels(f->dev, 4));
}

/* Steering: ntuple rules win, other flows spread over the RSS range. */
static void test_steering(void **state)
{
	struct fixture *f = *state;
	struct dml_flow match = { .dst_port = 5201 };
	struct dml_flow fl;
	unsigned int seen[FIXTURE_QUEUES] = { 0 };
	uint16_t port;

	assert_ok(dml_netdev_set_rss(f->dev, 0, 4));
	assert_errno(dml_netdev_set_rss(f->dev, 6, 3), -EINVAL);
	assert_errno(dml_netdev_set_rss(f->dev, 0, 0), -EINVAL);
	assert_true(dml_netdev_add_ntuple(f->dev, &match, 7) >= 0);
	assert_errno(dml_netdev_add_ntuple(f->dev, &match, FIXTURE_QUEUES), -EINVAL);

	for (port = 1000; port < 1400; port++) {
		fl = flow(port, 5201);
		assert_int_equal(dml_netdev_steer(f->dev, &fl), 7);
		fl = flow(port, 80);
		seen[dml_netdev_steer(f->dev, &fl)]++;
	}
	/* every RSS queue gets some flows, none outside the range */
	assert_true(seen[0] && seen[1] && seen[2] && seen[3]);
	assert_int_equal(seen[4] + seen[5] + seen[6] + seen[7], 0);
	/* one flow, one queue */
	fl = flow(1234, 80);
	assert_int_equal(dml_netdev_steer(f->dev, &fl), dml_netdev_steer(f->dev, &fl));
}

/* The rule table is bounded and says so. */
static void test_ntuple_table_full(void **state)
{
	struct fixture *f = *state;
	struct dml_flow m = { 0 };
	int i;

	for (i = 0; i < 64; i++) {
		m.dst_port = (uint16_t)(i + 1);
		assert_int_equal(dml_netdev_add_ntuple(f->dev, &m, 1), i);
	}
	assert_errno(dml_netdev_add_ntuple(f->dev, &m, 1), -ENOSPC);
}

/* S-3.2: host-memory queues start full; info is bounded by the hardware. */
static void test_queue_info(void **state)
{
	struct fixture *f = *state;
	struct dml_rxq_info info;

	assert_ok(dml_netdev_rxq_info(f->dev, 0, &info));
	assert_true(info.active);
	assert_int_equal(info.posted, DML_DEFAULT_RX_RING_SIZE);
	assert_int_equal(info.stalls, 0);
	assert_int_equal(info.restarts, 1);
	assert_true(info.page_pool_id > 0);
	/* a full ring posts nothing more */
	assert_int_equal(dml_netdev_rxq_refill(f->dev, 0), 0);
	assert_errno(dml_netdev_rxq_info(f->dev, FIXTURE_QUEUES, &info), -ERANGE);
	assert_errno(dml_netdev_rxq_refill(f->dev, FIXTURE_QUEUES), -ERANGE);
}

/* Host configuration is validated. */
static void test_host_config(void **state)
{
	struct dml_host_config cfg = { .rx_ring_size = 0, .pp_ring_size = 16 };
	struct dml_host *host;

	(void)state;
	assert_errno(dml_host_create(&cfg, &host), -EINVAL);
	cfg.rx_ring_size = 16;
	assert_ok(dml_host_create(&cfg, &host));
	assert_int_equal(dml_host_autorelease_mode(host), -1);
	dml_host_destroy(host);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, fixture_setup, fixture_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_create_rules),
		T(test_channels_respect_steering),
		T(test_steering),
		T(test_ntuple_table_full),
		T(test_queue_info),
		cmocka_unit_test(test_host_config),
	};

	return RUN_TESTS(tests);
}
