// SPDX-License-Identifier: MIT
/*
 * A devmem TCP receiver in the style of Linux 6.12's ncdevmem: the NIC is
 * configured with `sudo ethtool` through system(), the dma-buf is bound with
 * a raw generic netlink bind-rx, and each frag is read out of the udmabuf,
 * validated and its token returned.  Without -l it runs ncdevmem's probe of
 * the bind rules instead.  Kernel UAPI only: it runs unchanged on a real
 * devmem NIC and under `devmem-lab run`.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "recv_common.h"

#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define PROBE_EXT 256

/* ncdevmem 6.12: queues 8..15 unless -t/-q say otherwise. */
static void default_queues(struct recv_opts *o)
{
	if (o->start_queue < 0)
		o->start_queue = 8;
	if (o->num_queues < 0)
		o->num_queues = 8;
}

static int bind_queues(const struct recv_opts *o, struct recv_nl *nl, unsigned int ifindex,
		       const struct recv_dmabuf *mem, bool with_ids, uint32_t *id, char *ext)
{
	int err;

	err = recv_nl_open(nl, NETDEV_FAMILY_NAME, ext, PROBE_EXT);
	if (err)
		return err;
	err = recv_bind_rx(nl, ifindex, mem->fd, o->start_queue, o->num_queues, with_ids,
			   o->autorelease, id, ext, PROBE_EXT);
	if (err)
		recv_nl_close(nl);
	return err;
}

static int server(const struct recv_opts *o, unsigned int ifindex)
{
	struct recv_stream s = { .o = o };
	struct recv_dmabuf mem;
	struct sockaddr_in6 sin;
	char ext[PROBE_EXT];
	struct recv_nl nl;
	int lfd, err, ret = RECV_EXIT_FAIL;

	if (recv_dmabuf_create(&mem, (size_t)getpagesize() * RECV_DMABUF_PAGES))
		return RECV_EXIT_FAIL;
	lfd = recv_listen_socket(o, &sin, &s.port);
	if (lfd < 0)
		goto out_mem;
	if (recv_ethtool_configure(o, &sin, s.port))
		goto out_sock;
	err = bind_queues(o, &nl, ifindex, &mem, true, &s.dmabuf_id, ext);
	if (err) {
		fprintf(stderr, "%s: bind-rx of queues %d..%d: %s%s%s\n", o->prog, o->start_queue,
			o->start_queue + o->num_queues - 1, strerror(-err), ext[0] ? ": " : "",
			ext);
		goto out_sock;
	}
	fprintf(stderr, "%s: got dmabuf id=%u\n", o->prog, s.dmabuf_id);
	s.netdev = &nl;
	s.mem = &mem;
	if (!recv_stream_run(&s, lfd))
		ret = RECV_EXIT_OK;
	recv_nl_close(&nl);
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

/* A bind the probe expects refused; one that went through is undone. */
static bool refused(const char *what, const struct recv_opts *o, unsigned int ifindex,
		    const struct recv_dmabuf *mem, bool with_ids)
{
	char ext[PROBE_EXT] = "";
	struct recv_nl nl;
	uint32_t id;
	int err;

	err = bind_queues(o, &nl, ifindex, mem, with_ids, &id, ext);
	if (!err)
		recv_nl_close(&nl);
	return step(what, err != 0, err, ext);
}

/* ncdevmem 6.12's run_devmem_tests(): every rule of bind-rx, in its order. */
static int probe(const struct recv_opts *o, unsigned int ifindex)
{
	char ext[PROBE_EXT] = "";
	struct recv_dmabuf mem;
	struct recv_nl nl;
	bool ok = true;
	uint32_t id;
	int err;

	if (recv_dmabuf_create(&mem, (size_t)getpagesize() * RECV_DMABUF_PAGES))
		return RECV_EXIT_FAIL;
	err = recv_ethtool_rss_below(o);
	ok &= step("RSS over the queues below -t", !err, 0, "");
	err = recv_ethtool_header_split(o, true);
	ok &= step("header split on", !err, 0, "");
	ok &= refused("bind-rx with empty queue nests fails", o, ifindex, &mem, false);
	err = recv_ethtool_header_split(o, false);
	ok &= step("header split off", !err, 0, "");
	ok &= refused("bind-rx with header split off fails", o, ifindex, &mem, true);
	err = recv_ethtool_header_split(o, true);
	ok &= step("header split on", !err, 0, "");
	err = bind_queues(o, &nl, ifindex, &mem, true, &id, ext);
	ok &= step("bind-rx with header split on succeeds", !err, err, ext);
	if (!err) {
		/* Taking a bound queue away must be refused. */
		err = recv_run("sudo ethtool -L %s rx %d tx %d >&2", o->ifname, o->num_queues,
			       o->num_queues - 1);
		ok &= step("shrinking channels below a bound queue fails", err != 0, 0, "");
		/* Closing the netlink socket is the unbind. */
		recv_nl_close(&nl);
	}
	recv_dmabuf_destroy(&mem);
	fprintf(stderr, "probe: %s\n", ok ? "ok" : "FAILED");
	return ok ? RECV_EXIT_OK : RECV_EXIT_FAIL;
}

int main(int argc, char **argv)
{
	struct recv_opts o;
	unsigned int ifindex;

	if (recv_parse_opts(argc, argv, &o)) {
		recv_usage(argv[0], "  (6.12 ncdevmem: -t 8 -q 8 unless given)\n");
		return RECV_EXIT_USAGE;
	}
	default_queues(&o);
	ifindex = if_nametoindex(o.ifname);
	if (!ifindex) {
		fprintf(stderr, "%s: no interface %s: %s\n", o.prog, o.ifname, strerror(errno));
		return RECV_EXIT_FAIL;
	}
	return o.listen ? server(&o, ifindex) : probe(&o, ifindex);
}
