// SPDX-License-Identifier: MIT
/* Prints a host's state as the netdev family reports it, as ynl would. */
#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <string.h>

#include "cli.h"

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

int print_state(struct dml_nl_sock *nl)
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

