// SPDX-License-Identifier: MIT
/*
 * The emulated NIC: channels, header split, flow steering (S-4.1: ntuple
 * rules, then RSS), refill (S-2.3, S-3.1, S-3.2).
 */
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

#define RSS_FLOWS	400

/*
 * S-4.1 steering: ntuple rules win, other flows spread over the RSS range,
 * and a flow's queue is a function of its tuple: asked again in another
 * order, between other flows and after an unrelated rule came, it is the
 * same queue.
 */
static void test_steering(void **state)
{
	struct fixture *f = *state;
	struct dml_flow match = { .dst_port = 5201 }, other = { .dst_port = 9999 };
	unsigned int seen[FIXTURE_QUEUES] = { 0 }, queue[RSS_FLOWS];
	struct dml_flow fl;
	int i;

	assert_ok(dml_netdev_set_rss(f->dev, 0, 4));
	assert_errno(dml_netdev_set_rss(f->dev, 6, 3), -EINVAL);
	assert_errno(dml_netdev_set_rss(f->dev, 0, 0), -EINVAL);
	assert_true(dml_netdev_add_ntuple(f->dev, &match, 7) >= 0);
	assert_errno(dml_netdev_add_ntuple(f->dev, &match, FIXTURE_QUEUES), -EINVAL);

	for (i = 0; i < RSS_FLOWS; i++) {
		fl = flow((uint16_t)(1000 + i), 5201);
		assert_int_equal(dml_netdev_steer(f->dev, &fl), 7);
		fl = flow((uint16_t)(1000 + i), 80);
		queue[i] = dml_netdev_steer(f->dev, &fl);
		assert_true(queue[i] < FIXTURE_QUEUES);
		seen[queue[i]]++;
	}
	/* every RSS queue gets a fair part of the flows, none outside the range */
	for (i = 0; i < 4; i++)
		assert_true(seen[i] >= RSS_FLOWS / 4 / 2);
	assert_int_equal(seen[4] + seen[5] + seen[6] + seen[7], 0);

	assert_true(dml_netdev_add_ntuple(f->dev, &other, 5) >= 0);
	for (i = RSS_FLOWS - 1; i >= 0; i--) {
		struct dml_flow stranger = flow((uint16_t)(20000 + i), 443);

		stranger.src_addr[0] = (uint8_t)i;
		dml_netdev_steer(f->dev, &stranger);
		fl = flow((uint16_t)(1000 + i), 80);
		assert_int_equal(dml_netdev_steer(f->dev, &fl), queue[i]);
	}
}

/*
 * How many queues 64 flows reach that differ from flow(1000, 80) only in
 * @field: the first or last byte of the source (0, 1) or destination (2, 3)
 * address, the source (4) or destination (5) port.
 */
static unsigned int queues_reached(struct dml_netdev *dev, int field)
{
	unsigned int seen = 0;
	int i;

	for (i = 0; i < 64; i++) {
		struct dml_flow fl = flow(1000, 80);
		uint8_t *addr = field < 2 ? fl.src_addr : fl.dst_addr;

		if (field < 4)
			addr[field % 2 ? 15 : 0] = (uint8_t)i;
		else if (field == 4)
			fl.src_port = (uint16_t)(1000 + i);
		else
			fl.dst_port = (uint16_t)(80 + i);
		seen |= 1u << dml_netdev_steer(dev, &fl);
	}
	return (unsigned int)__builtin_popcount(seen);
}

/*
 * S-4.1 RSS: the queue depends on the whole 4-tuple: changing any one
 * field, either address at either end or either port, moves flows between
 * queues.  And the tuple has a direction, as with the kernel's default
 * hash (no symmetric transform): a flow and its mirror image, source and
 * destination swapped, do not always share a queue.
 */
static void test_rss_reads_the_whole_tuple(void **state)
{
	struct fixture *f = *state;
	unsigned int differ = 0;
	int field, i;

	for (field = 0; field < 6; field++)
		if (queues_reached(f->dev, field) < 2)
			fail_msg("tuple field %d never moves the queue", field);

	for (i = 0; i < 64; i++) {
		struct dml_flow fl = flow((uint16_t)(1000 + i), (uint16_t)(2000 + 3 * i));
		struct dml_flow mirror = flow(fl.dst_port, fl.src_port);

		memcpy(mirror.src_addr, fl.dst_addr, sizeof(fl.dst_addr));
		memcpy(mirror.dst_addr, fl.src_addr, sizeof(fl.src_addr));
		differ += dml_netdev_steer(f->dev, &fl) != dml_netdev_steer(f->dev, &mirror);
	}
	assert_true(differ > 0);
}

/* S-4.1 RSS: the spread is the configured range, wherever it starts. */
static void test_rss_range(void **state)
{
	struct fixture *f = *state;
	unsigned int seen[FIXTURE_QUEUES] = { 0 };
	struct dml_flow fl;
	int i;

	assert_ok(dml_netdev_set_rss(f->dev, 2, 5));
	for (i = 0; i < RSS_FLOWS; i++) {
		fl = flow((uint16_t)(1000 + i), 80);
		seen[dml_netdev_steer(f->dev, &fl)]++;
	}
	assert_int_equal(seen[0] + seen[1] + seen[7], 0);
	for (i = 2; i < 7; i++)
		assert_true(seen[i] >= RSS_FLOWS / 5 / 2);
}

#define RX_FLOWS	12
#define RX_ROUNDS	4
/*
 * Low bits set in both bytes: over a power-of-two RSS range the queue
 * reads only the low bits of each tuple byte (FNV-1a taken modulo 2^n),
 * so with port 80 a receive path that swapped the ports would not show.
 */
#define RX_PORT		7777

/*
 * S-4.1: the receive path uses that steering: segments of many flows,
 * interleaved in a different order each round, each land on the queue
 * dml_netdev_steer() named for their flow before any traffic, and on no
 * other.  A 4096-byte segment fills exactly one host page, so the queue
 * it lands on posts one buffer less (no refill above half a ring).
 */
static void test_rx_follows_steering(void **state)
{
	struct fixture *f = *state;
	struct dml_wire_flow *wf[RX_FLOWS];
	struct dml_sock *listener, *sk[RX_FLOWS];
	unsigned int want[RX_FLOWS], hit = 0;
	unsigned char payload[4096];
	int i, r, q;

	memset(payload, 0x5a, sizeof(payload));
	assert_ok(dml_socket(f->host, SOCK_STREAM, &listener));
	assert_ok(dml_listen(listener, RX_PORT));
	for (i = 0; i < RX_FLOWS; i++) {
		struct dml_wire_flow_config cfg = { .mss = 4096, .gro_segs = 1 };

		cfg.flow = flow((uint16_t)(3000 + 17 * i), RX_PORT);
		cfg.flow.src_addr[14] = (uint8_t)i;
		want[i] = dml_netdev_steer(f->dev, &cfg.flow);
		hit |= 1u << want[i];
		assert_ok(dml_wire_connect(f->dev, &cfg, &wf[i]));
		assert_ok(dml_accept(listener, SOCK_NONBLOCK, &sk[i]));
	}
	/* the flows spread, so landing on one fixed queue would show */
	assert_true(__builtin_popcount(hit) >= 2);

	for (r = 0; r < RX_ROUNDS; r++) {
		for (i = 0; i < RX_FLOWS; i++) {
			/* units modulo 12: every round a different order of all flows */
			static const int step[RX_ROUNDS] = { 1, 5, 7, 11 };
			int k = (i * step[r] + r) % RX_FLOWS;
			struct dml_rxq_info before[FIXTURE_QUEUES], after;

			for (q = 0; q < FIXTURE_QUEUES; q++)
				assert_ok(dml_netdev_rxq_info(f->dev, (unsigned int)q, &before[q]));
			assert_int_equal(dml_wire_send(wf[k], payload, sizeof(payload)),
					 sizeof(payload));
			for (q = 0; q < FIXTURE_QUEUES; q++) {
				assert_ok(dml_netdev_rxq_info(f->dev, (unsigned int)q, &after));
				assert_int_equal(before[q].posted - after.posted,
						 (unsigned int)q == want[k]);
			}
		}
	}
	for (i = 0; i < RX_FLOWS; i++) {
		dml_wire_close(wf[i]);
		dml_close(sk[i]);
	}
	dml_close(listener);
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
		T(test_rss_reads_the_whole_tuple),
		T(test_rss_range),
		T(test_rx_follows_steering),
		T(test_ntuple_table_full),
		T(test_queue_info),
		cmocka_unit_test(test_host_config),
	};

	return RUN_TESTS(tests);
}
