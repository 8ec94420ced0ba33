// SPDX-License-Identifier: MIT
/*
 * A devmem TCP receiver in the style of later ncdevmem (6.14+): header split
 * and its threshold through the ethtool generic netlink family (rings get and
 * set), the queue count from channels get, the flow rule added through
 * popen() of `ethtool -N` whose "Added rule with ID N" names the rule that is
 * deleted at exit, and RSS put back with `ethtool -X IF default`.  The bind
 * and the receive loop are recv_classic's.  Kernel UAPI only.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "recv_common.h"

#include <errno.h>
#include <limits.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/ethtool.h>
#include <linux/ethtool_netlink.h>

/*
 * The header-split threshold came in 6.13, after the rings attributes this
 * machine's headers end with (TX_PUSH_BUF_LEN_MAX = 16).  Upstream these are
 * enum constants (ETHTOOL_A_RINGS_HDS_THRESH{,_MAX}), which the preprocessor
 * cannot test for, so they get names of our own.
 */
#define RECV_A_RINGS_HDS_THRESH 17
#define RECV_A_RINGS_HDS_THRESH_MAX 18

#define EXT_LEN 256
#define MAX_ATTR 32

/* The ring settings a devmem receiver changes and puts back. */
struct rings {
	bool has_split;
	uint8_t split;
	bool has_hds;
	uint32_t hds;
	uint32_t hds_max;
};

/* Channel counts; a kind the device lacks has max 0 and is not reported. */
struct chans {
	uint32_t max_rx, max_tx, max_combined;
	uint32_t rx, tx, combined;
};

static int table_attr(const struct nlattr *attr, void *data)
{
	const struct nlattr **tb = data;
	unsigned int type = mnl_attr_get_type(attr);

	if (type < MAX_ATTR)
		tb[type] = attr;
	return MNL_CB_OK;
}

static uint32_t get_u32(const struct nlattr *const *tb, unsigned int type)
{
	if (!tb[type] || mnl_attr_validate(tb[type], MNL_TYPE_U32) < 0)
		return 0;
	return mnl_attr_get_u32(tb[type]);
}

static int rings_reply(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[MAX_ATTR] = { NULL };
	struct rings *r = data;

	if (mnl_attr_parse(nlh, sizeof(struct genlmsghdr), table_attr, tb) < 0)
		return MNL_CB_ERROR;
	r->has_split = tb[ETHTOOL_A_RINGS_TCP_DATA_SPLIT] &&
		       mnl_attr_validate(tb[ETHTOOL_A_RINGS_TCP_DATA_SPLIT], MNL_TYPE_U8) == 0;
	if (r->has_split)
		r->split = mnl_attr_get_u8(tb[ETHTOOL_A_RINGS_TCP_DATA_SPLIT]);
	r->has_hds = tb[RECV_A_RINGS_HDS_THRESH] != NULL;
	r->hds = get_u32(tb, RECV_A_RINGS_HDS_THRESH);
	r->hds_max = get_u32(tb, RECV_A_RINGS_HDS_THRESH_MAX);
	return MNL_CB_OK;
}

static int chans_reply(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[MAX_ATTR] = { NULL };
	struct chans *c = data;

	if (mnl_attr_parse(nlh, sizeof(struct genlmsghdr), table_attr, tb) < 0)
		return MNL_CB_ERROR;
	c->max_rx = get_u32(tb, ETHTOOL_A_CHANNELS_RX_MAX);
	c->max_tx = get_u32(tb, ETHTOOL_A_CHANNELS_TX_MAX);
	c->max_combined = get_u32(tb, ETHTOOL_A_CHANNELS_COMBINED_MAX);
	c->rx = get_u32(tb, ETHTOOL_A_CHANNELS_RX_COUNT);
	c->tx = get_u32(tb, ETHTOOL_A_CHANNELS_TX_COUNT);
	c->combined = get_u32(tb, ETHTOOL_A_CHANNELS_COMBINED_COUNT);
	return MNL_CB_OK;
}

/* Every ethtool request names its device in a header nest. */
static struct nlmsghdr *ethnl_put(struct recv_nl *nl, void *buf, uint8_t cmd,
				  unsigned int ifindex)
{
	struct nlmsghdr *nlh = recv_genl_put(nl, buf, cmd, ETHTOOL_GENL_VERSION);
	struct nlattr *hdr;

	/* The rings and channels header attributes are both number 1. */
	hdr = mnl_attr_nest_start(nlh, ETHTOOL_A_RINGS_HEADER);
	mnl_attr_put_u32(nlh, ETHTOOL_A_HEADER_DEV_INDEX, ifindex);
	mnl_attr_nest_end(nlh, hdr);
	return nlh;
}

static int rings_get(struct recv_nl *nl, unsigned int ifindex, struct rings *r, char *ext)
{
	char buf[RECV_NL_BUF];

	*r = (struct rings){ .has_split = false };
	return recv_nl_talk(nl, ethnl_put(nl, buf, ETHTOOL_MSG_RINGS_GET, ifindex), rings_reply,
			    r, ext, EXT_LEN);
}

/* Sets header split (an ETHTOOL_TCP_DATA_SPLIT_* value) and, if @hds >= 0, the threshold. */
static int rings_set(struct recv_nl *nl, unsigned int ifindex, uint8_t split, long hds,
		     char *ext)
{
	char buf[RECV_NL_BUF];
	struct nlmsghdr *nlh = ethnl_put(nl, buf, ETHTOOL_MSG_RINGS_SET, ifindex);

	mnl_attr_put_u8(nlh, ETHTOOL_A_RINGS_TCP_DATA_SPLIT, split);
	if (hds >= 0)
		mnl_attr_put_u32(nlh, RECV_A_RINGS_HDS_THRESH, (uint32_t)hds);
	return recv_nl_talk(nl, nlh, NULL, NULL, ext, EXT_LEN);
}

static int chans_get(struct recv_nl *nl, unsigned int ifindex, struct chans *c, char *ext)
{
	char buf[RECV_NL_BUF];

	*c = (struct chans){ .rx = 0 };
	return recv_nl_talk(nl, ethnl_put(nl, buf, ETHTOOL_MSG_CHANNELS_GET, ifindex),
			    chans_reply, c, ext, EXT_LEN);
}

/* Only the kinds the device has are sent: setting a missing one is refused. */
static int chans_set(struct recv_nl *nl, unsigned int ifindex, const struct chans *have,
		     const struct chans *want, char *ext)
{
	char buf[RECV_NL_BUF];
	struct nlmsghdr *nlh = ethnl_put(nl, buf, ETHTOOL_MSG_CHANNELS_SET, ifindex);

	if (have->max_rx)
		mnl_attr_put_u32(nlh, ETHTOOL_A_CHANNELS_RX_COUNT, want->rx);
	if (have->max_tx)
		mnl_attr_put_u32(nlh, ETHTOOL_A_CHANNELS_TX_COUNT, want->tx);
	if (have->max_combined)
		mnl_attr_put_u32(nlh, ETHTOOL_A_CHANNELS_COMBINED_COUNT, want->combined);
	return recv_nl_talk(nl, nlh, NULL, NULL, ext, EXT_LEN);
}

static void report(const char *prog, const char *what, int err, const char *ext)
{
	fprintf(stderr, "%s: %s: %s%s%s\n", prog, what, strerror(-err), ext[0] ? ": " : "", ext);
}

/* Header split on, with threshold 0 where the device has one: every payload byte in devmem. */
static int split_on(struct recv_nl *eth, unsigned int ifindex, const struct rings *old,
		    char *ext)
{
	return rings_set(eth, ifindex, ETHTOOL_TCP_DATA_SPLIT_ENABLED, old->has_hds ? 0 : -1, ext);
}

static void restore_rings(const struct recv_opts *o, struct recv_nl *eth, unsigned int ifindex,
			  const struct rings *old)
{
	char ext[EXT_LEN];
	int err;

	if (!old->has_split)
		return;
	err = rings_set(eth, ifindex, old->split, old->has_hds ? (long)old->hds : -1, ext);
	if (err)
		report(o->prog, "restoring the ring settings", err, ext);
}

/*
 * popen() of `ethtool -N IF ...`: its stdout says "Added rule with ID N".
 * Return: the rule id, or -1 when the command failed or said no id.
 */
static long add_flow(const struct recv_opts *o, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static long add_flow(const struct recv_opts *o, const char *fmt, ...)
{
	static const char added[] = "Added rule with ID ";
	char cmd[512], line[256];
	long id = -1;
	va_list ap;
	FILE *fp;
	int n;

	n = snprintf(cmd, sizeof(cmd), "sudo ethtool -N %s ", o->ifname);
	va_start(ap, fmt);
	if (n > 0 && (size_t)n < sizeof(cmd))
		n += vsnprintf(cmd + n, sizeof(cmd) - (size_t)n, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(cmd))
		return -1;
	fprintf(stderr, "Running: %s\n", cmd);
	fp = popen(cmd, "r");
	if (!fp) {
		fprintf(stderr, "%s: popen: %s\n", o->prog, strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof(line), fp)) {
		const char *at = strstr(line, added);
		char *end;
		long v;

		if (!at)
			continue;
		at += sizeof(added) - 1;
		errno = 0;
		v = strtol(at, &end, 10);
		if (!errno && end != at && v >= 0 && v <= INT_MAX)
			id = v;
	}
	if (pclose(fp) != 0)
		return -1;
	if (id < 0)
		fprintf(stderr, "%s: ethtool -N printed no \"%sN\"\n", o->prog, added);
	else
		fprintf(stderr, "%s: added flow rule with ID %ld\n", o->prog, id);
	return id;
}

/* A 5-tuple rule when the sender is known, else (or if refused) a 3-tuple one. */
static long flow_rule(const struct recv_opts *o, const struct sockaddr_in6 *sin,
		      unsigned int port)
{
	char dst[INET6_ADDRSTRLEN], src[INET6_ADDRSTRLEN];
	const char *type, *src_type;
	struct sockaddr_in6 csin;
	long id = -1;

	recv_flow_addr(sin, &type, dst, sizeof(dst));
	if (o->client) {
		recv_parse_addr(o->client, port, &csin);
		recv_flow_addr(&csin, &src_type, src, sizeof(src));
		if (strcmp(type, src_type)) {
			fprintf(stderr, "%s: -c %s and -s %s are not the same family\n", o->prog,
				o->client, o->server);
			return -1;
		}
		id = add_flow(o, "flow-type %s src-ip %s dst-ip %s src-port %u dst-port %u "
			      "queue %d", type, src, dst, port, port, o->start_queue);
	}
	if (id < 0)
		id = add_flow(o, "flow-type %s dst-ip %s dst-port %u queue %d", type, dst, port,
			      o->start_queue);
	return id;
}

static void delete_flow(const struct recv_opts *o, long id)
{
	if (recv_run("sudo ethtool -N %s delete %ld >&2", o->ifname, id))
		fprintf(stderr, "%s: deleting flow rule %ld failed\n", o->prog, id);
}

static int rss_below(const struct recv_opts *o)
{
	return recv_run("sudo ethtool -X %s equal %d >&2", o->ifname, o->start_queue);
}

static void rss_default(const struct recv_opts *o)
{
	if (recv_run("sudo ethtool -X %s default >&2", o->ifname))
		fprintf(stderr, "%s: resetting RSS failed\n", o->prog);
}

/* Later ncdevmem's queue defaults, from the RX queues channels get reports. */
static int pick_queues(struct recv_opts *o, struct recv_nl *eth, unsigned int ifindex)
{
	char ext[EXT_LEN];
	struct chans c;
	uint32_t rxq;
	int err;

	if (o->start_queue >= 0 && o->num_queues >= 0)
		return 0;
	err = chans_get(eth, ifindex, &c, ext);
	if (err) {
		report(o->prog, "channels get", err, ext);
		return -1;
	}
	rxq = c.rx + c.combined;
	fprintf(stderr, "%s: %s has %u RX queues (rx %u, combined %u)\n", o->prog, o->ifname, rxq,
		c.rx, c.combined);
	if (rxq < 2 || rxq > 4096) {
		fprintf(stderr, "%s: %u RX queues: too few for devmem beside RSS\n", o->prog, rxq);
		return -1;
	}
	if (o->start_queue < 0 && o->num_queues < 0 && !o->listen) {
		/* The probe binds several queues: the upper half. */
		o->start_queue = (int)(rxq / 2);
		o->num_queues = (int)(rxq / 2);
	}
	if (o->num_queues < 0)
		o->num_queues = 1;
	if (o->start_queue < 0)
		o->start_queue = (int)rxq - o->num_queues;
	if (o->start_queue < 1) {
		fprintf(stderr, "%s: -q %d leaves no queue for RSS\n", o->prog, o->num_queues);
		return -1;
	}
	fprintf(stderr, "%s: using queues %d..%d\n", o->prog, o->start_queue,
		o->start_queue + o->num_queues - 1);
	return 0;
}

static int bind_queues(const struct recv_opts *o, struct recv_nl *nl, unsigned int ifindex,
		       const struct recv_dmabuf *mem, bool with_ids, uint32_t *id, char *ext)
{
	int err;

	err = recv_nl_open(nl, NETDEV_FAMILY_NAME, ext, EXT_LEN);
	if (err)
		return err;
	err = recv_bind_rx(nl, ifindex, mem->fd, o->start_queue, o->num_queues, with_ids,
			   o->autorelease, id, ext, EXT_LEN);
	if (err)
		recv_nl_close(nl);
	return err;
}

static int server(const struct recv_opts *o, struct recv_nl *eth, unsigned int ifindex)
{
	struct recv_stream s = { .o = o };
	struct recv_dmabuf mem;
	struct sockaddr_in6 sin;
	char ext[EXT_LEN];
	struct recv_nl nl;
	struct rings old;
	int lfd, err, ret = RECV_EXIT_FAIL;
	long rule;

	if (recv_dmabuf_create(&mem, (size_t)getpagesize() * RECV_DMABUF_PAGES))
		return RECV_EXIT_FAIL;
	lfd = recv_listen_socket(o, &sin, &s.port);
	if (lfd < 0)
		goto out_mem;
	err = rings_get(eth, ifindex, &old, ext);
	if (err) {
		report(o->prog, "rings get", err, ext);
		goto out_sock;
	}
	err = split_on(eth, ifindex, &old, ext);
	if (err) {
		report(o->prog, "turning header split on", err, ext);
		goto out_rings;
	}
	if (rss_below(o)) {
		fprintf(stderr, "%s: failed to configure RSS\n", o->prog);
		goto out_rings;
	}
	rule = flow_rule(o, &sin, s.port);
	if (rule < 0) {
		fprintf(stderr, "%s: failed to configure flow steering\n", o->prog);
		goto out_rss;
	}
	err = bind_queues(o, &nl, ifindex, &mem, true, &s.dmabuf_id, ext);
	if (err) {
		report(o->prog, "bind-rx", err, ext);
		goto out_rule;
	}
	fprintf(stderr, "%s: got dmabuf id=%u\n", o->prog, s.dmabuf_id);
	s.netdev = &nl;
	s.mem = &mem;
	if (!recv_stream_run(&s, lfd))
		ret = RECV_EXIT_OK;
	recv_nl_close(&nl);
out_rule:
	delete_flow(o, rule);
out_rss:
	rss_default(o);
out_rings:
	restore_rings(o, eth, ifindex, &old);
out_sock:
	close(lfd);
out_mem:
	recv_dmabuf_destroy(&mem);
	return ret;
}

static bool step(const char *what, bool ok, int err, const char *ext)
{
	fprintf(stderr, "probe: %-48s %s (%s%s%s)\n", what, ok ? "ok" : "FAILED",
		err ? strerror(-err) : "success", ext[0] ? ": " : "", ext);
	return ok;
}

static bool refused(const char *what, const struct recv_opts *o, unsigned int ifindex,
		    const struct recv_dmabuf *mem, bool with_ids)
{
	char ext[EXT_LEN] = "";
	struct recv_nl nl;
	uint32_t id;
	int err;

	err = bind_queues(o, &nl, ifindex, mem, with_ids, &id, ext);
	if (!err)
		recv_nl_close(&nl);
	return step(what, err != 0, err, ext);
}

/*
 * Channels down to -q RX queues, which takes bound queues away: must be
 * refused.  Should it go through, the old counts are put back.
 */
static bool shrink_refused(const struct recv_opts *o, struct recv_nl *eth, unsigned int ifindex)
{
	char ext[EXT_LEN] = "";
	struct chans have, want;
	unsigned int n = (unsigned int)o->num_queues;
	int err;

	err = chans_get(eth, ifindex, &have, ext);
	if (err)
		return step("channels get", false, err, ext);
	want = have;
	if (have.max_combined) {
		want.combined = n;
		want.rx = 0;
		want.tx = 0;
	} else {
		want.rx = n;
		want.tx = n;
	}
	err = chans_set(eth, ifindex, &have, &want, ext);
	if (!err) {
		char ext2[EXT_LEN];
		int err2 = chans_set(eth, ifindex, &have, &have, ext2);

		if (err2)
			report(o->prog, "putting the channels back", err2, ext2);
	}
	return step("shrinking channels below a bound queue fails", err != 0, err, ext);
}

/* Later ncdevmem's run_devmem_tests(), each step checked. */
static int probe(const struct recv_opts *o, struct recv_nl *eth, unsigned int ifindex)
{
	char ext[EXT_LEN] = "";
	struct recv_dmabuf mem;
	struct recv_nl nl;
	struct rings old;
	bool ok = true;
	uint32_t id;
	int err;

	if (recv_dmabuf_create(&mem, (size_t)getpagesize() * RECV_DMABUF_PAGES))
		return RECV_EXIT_FAIL;
	err = rings_get(eth, ifindex, &old, ext);
	ok &= step("rings get", !err, err, ext);
	if (err)
		goto out_mem;
	ok &= step("RSS over the queues below -t", !rss_below(o), 0, "");
	err = split_on(eth, ifindex, &old, ext);
	ok &= step("header split on", !err, err, ext);
	ok &= refused("bind-rx with empty queue nests fails", o, ifindex, &mem, false);
	err = rings_set(eth, ifindex, ETHTOOL_TCP_DATA_SPLIT_DISABLED, -1, ext);
	ok &= step("header split off", !err, err, ext);
	ok &= refused("bind-rx with header split off fails", o, ifindex, &mem, true);
	err = split_on(eth, ifindex, &old, ext);
	ok &= step("header split on", !err, err, ext);
	err = bind_queues(o, &nl, ifindex, &mem, true, &id, ext);
	ok &= step("bind-rx with header split on succeeds", !err, err, ext);
	if (!err) {
		ok &= shrink_refused(o, eth, ifindex);
		recv_nl_close(&nl);
	}
	restore_rings(o, eth, ifindex, &old);
	rss_default(o);
out_mem:
	recv_dmabuf_destroy(&mem);
	fprintf(stderr, "probe: %s\n", ok ? "ok" : "FAILED");
	return ok ? RECV_EXIT_OK : RECV_EXIT_FAIL;
}

int main(int argc, char **argv)
{
	char ext[EXT_LEN];
	struct recv_opts o;
	struct recv_nl eth;
	unsigned int ifindex;
	int err, ret;

	if (recv_parse_opts(argc, argv, &o)) {
		recv_usage(argv[0], "  (-t/-q default from ethtool channels: the last queue)\n");
		return RECV_EXIT_USAGE;
	}
	ifindex = if_nametoindex(o.ifname);
	if (!ifindex) {
		fprintf(stderr, "%s: no interface %s: %s\n", o.prog, o.ifname, strerror(errno));
		return RECV_EXIT_FAIL;
	}
	err = recv_nl_open(&eth, ETHTOOL_GENL_NAME, ext, sizeof(ext));
	if (err) {
		report(o.prog, "generic netlink family " ETHTOOL_GENL_NAME, err, ext);
		return RECV_EXIT_FAIL;
	}
	ret = RECV_EXIT_FAIL;
	if (!pick_queues(&o, &eth, ifindex))
		ret = o.listen ? server(&o, &eth, ifindex) : probe(&o, &eth, ifindex);
	recv_nl_close(&eth);
	return ret;
}
