// SPDX-License-Identifier: MIT
/*
 * devmem-lab: the command-line face of the model.  `demo` builds a host the
 * way ncdevmem sets up a machine (NIC, header split, RSS, a udmabuf, bind-rx)
 * and prints what the netdev family reports about it.
 */
#include <errno.h>
#include <getopt.h>
#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "devmem/devmem.h"

#define EXIT_USAGE 2

struct demo_opts {
	enum dml_dmabuf_exporter exporter;
	unsigned long size_mb;
	int autorelease;
	unsigned int rx_queues;
	unsigned int bound_queues;
};

static void usage(FILE *out)
{
	fprintf(out,
		"usage: devmem-lab [demo] [options]\n"
		"\n"
		"demo: build an emulated host, bind a dma-buf to its last RX queues\n"
		"      and print devices, queues, bindings and page pools.\n"
		"  --dmabuf auto|udmabuf|memfd   dma-buf exporter (default auto)\n"
		"  --size-mb N                   dma-buf size in MiB (default 16)\n"
		"  --autorelease 0|1             token mode of the binding (default 0)\n"
		"  --rx-queues N                 RX queues of the NIC (default 8)\n"
		"  --bind-queues N               how many of the last queues to bind (default 2)\n"
		"  -h, --help                    this text\n");
}

static int parse_ulong(const char *opt, const char *text, unsigned long min,
		       unsigned long max, unsigned long *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(text, &end, 10);
	if (errno || end == text || *end || text[0] == '-' || v < min || v > max) {
		fprintf(stderr, "devmem-lab: %s wants a whole number in [%lu, %lu], got '%s'\n",
			opt, min, max, text);
		return -EINVAL;
	}
	*out = v;
	return 0;
}

static int parse_demo_opts(int argc, char **argv, struct demo_opts *o)
{
	static const struct option longopts[] = {
		{ "dmabuf", required_argument, NULL, 'd' },
		{ "size-mb", required_argument, NULL, 's' },
		{ "autorelease", required_argument, NULL, 'a' },
		{ "rx-queues", required_argument, NULL, 'q' },
		{ "bind-queues", required_argument, NULL, 'b' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	unsigned long v;
	int c;

	*o = (struct demo_opts){
		.exporter = DML_DMABUF_AUTO, .size_mb = 16, .autorelease = 0,
		.rx_queues = 8, .bound_queues = 2,
	};
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'd':
			if (dml_dmabuf_parse_exporter(optarg, &o->exporter)) {
				fprintf(stderr, "devmem-lab: --dmabuf wants auto, udmabuf or memfd, got '%s'\n",
					optarg);
				return -EINVAL;
			}
			break;
		case 's':
			if (parse_ulong("--size-mb", optarg, 1, 1 << 20, &o->size_mb))
				return -EINVAL;
			break;
		case 'a':
			if (parse_ulong("--autorelease", optarg, 0, 1, &v))
				return -EINVAL;
			o->autorelease = (int)v;
			break;
		case 'q':
			if (parse_ulong("--rx-queues", optarg, 1, 256, &v))
				return -EINVAL;
			o->rx_queues = (unsigned int)v;
			break;
		case 'b':
			if (parse_ulong("--bind-queues", optarg, 1, 256, &v))
				return -EINVAL;
			o->bound_queues = (unsigned int)v;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			return -EINVAL;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "devmem-lab: unexpected argument '%s'\n", argv[optind]);
		return -EINVAL;
	}
	if (o->bound_queues > o->rx_queues) {
		fprintf(stderr, "devmem-lab: --bind-queues %u exceeds --rx-queues %u\n",
			o->bound_queues, o->rx_queues);
		return -EINVAL;
	}
	return 0;
}

static struct nlmsghdr *netdev_dump(void *buf, int family, uint8_t cmd)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct genlmsghdr *genlh;

	nlh->nlmsg_type = (uint16_t)family;
	nlh->nlmsg_flags = NLM_F_DUMP;
	genlh = mnl_nlmsg_put_extra_header(nlh, sizeof(*genlh));
	genlh->cmd = cmd;
	genlh->version = NETDEV_FAMILY_VERSION;
	return nlh;
}

/* Collects the top-level u32/u64 attributes of one reply, indexed by type. */
struct attrs {
	uint64_t v[32];
	bool has[32];
};

static void read_attrs(const struct nlmsghdr *nlh, struct attrs *a)
{
	const struct nlattr *attr;

	memset(a, 0, sizeof(*a));
	mnl_attr_for_each(attr, nlh, GENL_HDRLEN) {
		uint16_t type = mnl_attr_get_type(attr);
		uint16_t len = mnl_attr_get_payload_len(attr);

		if (type >= 32 || (len != 4 && len != 8))
			continue;
		a->has[type] = true;
		a->v[type] = len == 4 ? mnl_attr_get_u32(attr) : mnl_attr_get_u64(attr);
	}
}

static int print_dev(const struct nlmsghdr *nlh, void *arg)
{
	struct attrs a;

	(void)arg;
	read_attrs(nlh, &a);
	printf("  ifindex %-4llu xdp-features 0x%llx\n",
	       (unsigned long long)a.v[NETDEV_A_DEV_IFINDEX],
	       (unsigned long long)a.v[NETDEV_A_DEV_XDP_FEATURES]);
	return 0;
}

static int print_queue(const struct nlmsghdr *nlh, void *arg)
{
	struct attrs a;
	char dmabuf[16] = "-";

	(void)arg;
	read_attrs(nlh, &a);
	if (a.v[NETDEV_A_QUEUE_TYPE] != NETDEV_QUEUE_TYPE_RX)
		return 0;
	if (a.has[NETDEV_A_QUEUE_DMABUF])
		snprintf(dmabuf, sizeof(dmabuf), "%llu",
			 (unsigned long long)a.v[NETDEV_A_QUEUE_DMABUF]);
	printf("  %-8llu %-6llu rx    %s\n",
	       (unsigned long long)a.v[NETDEV_A_QUEUE_IFINDEX],
	       (unsigned long long)a.v[NETDEV_A_QUEUE_ID], dmabuf);
	return 0;
}

static int print_pool(const struct nlmsghdr *nlh, void *arg)
{
	struct attrs a;
	char dmabuf[16] = "host";

	(void)arg;
	read_attrs(nlh, &a);
	if (a.has[NETDEV_A_PAGE_POOL_DMABUF])
		snprintf(dmabuf, sizeof(dmabuf), "dmabuf %llu",
			 (unsigned long long)a.v[NETDEV_A_PAGE_POOL_DMABUF]);
	printf("  %-4llu %-8llu %-10s %-9llu%s\n",
	       (unsigned long long)a.v[NETDEV_A_PAGE_POOL_ID],
	       (unsigned long long)a.v[NETDEV_A_PAGE_POOL_IFINDEX], dmabuf,
	       (unsigned long long)a.v[NETDEV_A_PAGE_POOL_INFLIGHT],
	       a.has[NETDEV_A_PAGE_POOL_DETACH_TIME] ? " detached" : "");
	return 0;
}

static int print_pool_stats(const struct nlmsghdr *nlh, void *arg)
{
	const struct nlattr *attr, *inner;
	unsigned long long id = 0;
	struct attrs a;

	(void)arg;
	read_attrs(nlh, &a);
	mnl_attr_for_each(attr, nlh, GENL_HDRLEN)
		if (mnl_attr_get_type(attr) == NETDEV_A_PAGE_POOL_STATS_INFO)
			mnl_attr_for_each_nested(inner, attr)
				if (mnl_attr_get_type(inner) == NETDEV_A_PAGE_POOL_ID)
					id = mnl_attr_get_u32(inner);
	printf("  %-4llu %-10llu %-10llu %-11llu %-12llu %llu\n", id,
	       (unsigned long long)a.v[NETDEV_A_PAGE_POOL_STATS_ALLOC_FAST],
	       (unsigned long long)a.v[NETDEV_A_PAGE_POOL_STATS_ALLOC_SLOW],
	       (unsigned long long)a.v[NETDEV_A_PAGE_POOL_STATS_ALLOC_EMPTY],
	       (unsigned long long)a.v[NETDEV_A_PAGE_POOL_STATS_RECYCLE_RING],
	       (unsigned long long)a.v[NETDEV_A_PAGE_POOL_STATS_RECYCLE_RELEASED_REFCNT]);
	return 0;
}

static int dump(struct dml_nl_sock *nl, int family, uint8_t cmd,
		dml_nl_msg_cb cb)
{
	union {
		unsigned char buf[4096];
		struct nlmsghdr align;
	} req;
	char errmsg[256];
	int err;

	err = dml_nl_transact(nl, netdev_dump(req.buf, family, cmd), cb, NULL,
			      errmsg, sizeof(errmsg));
	if (err)
		fprintf(stderr, "devmem-lab: dump of command %u failed: %s%s%s\n",
			cmd, strerror(-err), errmsg[0] ? ": " : "", errmsg);
	return err;
}

static int print_state(struct dml_nl_sock *nl)
{
	int family = dml_genl_family_id(nl, NETDEV_FAMILY_NAME);

	if (family < 0) {
		fprintf(stderr, "devmem-lab: no netdev family: %s\n", strerror(-family));
		return family;
	}
	printf("\ndevices (netdev dev-get)\n");
	if (dump(nl, family, NETDEV_CMD_DEV_GET, print_dev))
		return -1;
	printf("\nRX queues (netdev queue-get)\n  ifindex  queue  type  dmabuf\n");
	if (dump(nl, family, NETDEV_CMD_QUEUE_GET, print_queue))
		return -1;
	printf("\npage pools (netdev page-pool-get)\n  id   ifindex  memory     inflight\n");
	if (dump(nl, family, NETDEV_CMD_PAGE_POOL_GET, print_pool))
		return -1;
	printf("\npage-pool stats (netdev page-pool-stats-get)\n"
	       "  id   alloc-fast alloc-slow alloc-empty recycle-ring released\n");
	if (dump(nl, family, NETDEV_CMD_PAGE_POOL_STATS_GET, print_pool_stats))
		return -1;
	return 0;
}

static int run_demo(const struct demo_opts *o)
{
	struct dml_netdev_config dev_cfg = {
		.name = "eth0",
		.max_rx_queues = o->rx_queues,
		.rx_queues = o->rx_queues,
		.header_split = true,
	};
	uint32_t queues[256], id;
	struct dml_bind_rx_req req;
	struct dml_dmabuf *buf = NULL;
	struct dml_nl_sock *nl = NULL;
	struct dml_netdev *dev;
	struct dml_host *host;
	char errmsg[256];
	unsigned int i;
	int err, ret = 1;

	err = dml_host_create(NULL, &host);
	if (err) {
		fprintf(stderr, "devmem-lab: host: %s\n", strerror(-err));
		return 1;
	}
	err = dml_netdev_create(host, &dev_cfg, &dev);
	if (!err && o->rx_queues > o->bound_queues)
		err = dml_netdev_set_rss(dev, 0, o->rx_queues - o->bound_queues);
	if (err) {
		fprintf(stderr, "devmem-lab: netdev: %s\n", strerror(-err));
		goto out;
	}
	err = dml_dmabuf_create(o->size_mb << 20, o->exporter, &buf);
	if (err) {
		fprintf(stderr, "devmem-lab: dma-buf of %lu MiB: %s\n", o->size_mb,
			strerror(-err));
		goto out;
	}
	err = dml_nl_open(host, DML_NL_ADMIN, &nl);
	if (err)
		goto out;

	printf("devmem-lab demo host (devmem %s in this build)\n",
	       dml_devmem_enabled() ? "built in" : "disabled");
	printf("  netdev eth0: ifindex %u, %u RX queues, tcp-data-split on, RSS over queues 0-%u\n",
	       dml_netdev_ifindex(dev), o->rx_queues,
	       o->rx_queues > o->bound_queues ? o->rx_queues - o->bound_queues - 1 : 0);
	printf("  dma-buf: %lu MiB (%lu net_iovs) exported by %s\n", o->size_mb,
	       (o->size_mb << 20) / DML_PAGE_SIZE, dml_dmabuf_exporter_name(buf));

	for (i = 0; i < o->bound_queues; i++)
		queues[i] = o->rx_queues - o->bound_queues + i;
	req = (struct dml_bind_rx_req){
		.ifindex = dml_netdev_ifindex(dev),
		.dmabuf_fd = dml_dmabuf_fd(buf),
		.queues = queues,
		.nr_queues = o->bound_queues,
		.autorelease = o->autorelease,
	};
	err = dml_bind_rx(nl, &req, &id, errmsg, sizeof(errmsg));
	if (err) {
		printf("  bind-rx queues %u-%u: failed: %s%s%s\n", queues[0],
		       queues[o->bound_queues - 1], strerror(-err),
		       errmsg[0] ? ": " : "", errmsg);
	} else {
		printf("  bind-rx queues %u-%u, autorelease=%d: dmabuf id %u; system mode autorelease=%d\n",
		       queues[0], queues[o->bound_queues - 1], o->autorelease, id,
		       dml_host_autorelease_mode(host));
	}
	ret = print_state(nl) ? 1 : 0;
out:
	dml_nl_close(nl);
	dml_dmabuf_destroy(buf);
	dml_host_destroy(host);
	return ret;
}

int main(int argc, char **argv)
{
	struct demo_opts opts;

	if (argc > 1 && !strcmp(argv[1], "demo")) {
		argv[1] = argv[0];
		argc--;
		argv++;
	} else if (argc > 1 && argv[1][0] != '-') {
		fprintf(stderr, "devmem-lab: unknown command '%s'\n", argv[1]);
		usage(stderr);
		return EXIT_USAGE;
	}
	if (parse_demo_opts(argc, argv, &opts)) {
		usage(stderr);
		return EXIT_USAGE;
	}
	return run_demo(&opts);
}
