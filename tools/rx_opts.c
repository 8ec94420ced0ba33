// SPDX-License-Identifier: MIT
/*
 * `devmem-lab rx` options: ncdevmem's short flags with their meanings, plus
 * long options for what ncdevmem hard-codes.  A bad value is exit 2 with one
 * line saying which flag and why.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "rx.h"

void rx_usage(FILE *out)
{
	fprintf(out,
		"usage: devmem-lab rx [-l] [options]\n"
		"\n"
		"An ncdevmem-compatible devmem receiver: real TCP connections enter the\n"
		"emulated NIC -f, are steered to the dma-buf bound to queues [-t, -t + -q)\n"
		"and read with recvmsg(MSG_SOCK_DEVMEM); tokens go back with\n"
		"SO_DEVMEM_DONTNEED.  Without -l it runs ncdevmem's bind probe instead.\n"
		"\n"
		"  -l              listen and receive (else: the probe)\n"
		"  -s ADDR         listen address: IPv4, IPv6 or ::ffff:a.b.c.d (default any)\n"
		"  -c ADDR         the sender's address: the ntuple rule matches it and\n"
		"                  source port -p, as ncdevmem's does (default: any sender)\n"
		"  -p PORT         TCP port, 0 = a free one, printed (default 5201)\n"
		"  -f IF           name of the emulated NIC (default eth1)\n"
		"  -t QUEUE        first devmem queue; RSS spreads the rest over [0, QUEUE)\n"
		"                  (default: the NIC's last queue)\n"
		"  -q N            number of devmem queues (default 1)\n"
		"  -v N            validate: bytes 1..N-1 then '\\n', repeating from each\n"
		"                  connection's byte 0 (N in [1, 256]); without -v the\n"
		"                  payload goes to stdout\n"
		"  -a 0|1          NETDEV_A_DMABUF_AUTORELEASE of the binding (default: left out)\n"
		"  -U 0|1|2        unbind: 0 at the end, 1 before the first recv (which must\n"
		"                  then fail with ENODEV), 2 after the first recv\n"
		"  -L              fail on any SCM_DEVMEM_LINEAR cmsg\n"
		"  --batch N       tokens per SO_DEVMEM_DONTNEED, up to 128 (default 1:\n"
		"                  one per frag, expecting 1, as ncdevmem)\n"
		"  --hold-ms N     hold each token N ms before returning it\n"
		"  --conns N       connections to serve before exiting, 0 = until\n"
		"                  SIGINT/SIGTERM (default 1)\n"
		"  --json FILE     write the summary as JSON too\n"
		"  --mss N         payload bytes per segment the ingress cuts, 1 to 65536\n"
		"                  (default 4096)\n"
		"  --linear-head N  payload bytes the NIC keeps with the headers, 0 to\n"
		"                  65536 (default 0)\n"
		"  --gro N         segments the NIC merges into one skb, as (HW-)GRO does,\n"
		"                  1 to 64 (default 16: 64 KiB skbs; frags stay one per segment)\n"
		"  --size-mb N     dma-buf size in MiB, 1 to 65536 (default 64)\n"
		"  --dmabuf auto|udmabuf|memfd  dma-buf exporter (default auto)\n"
		"  -h, --help      this text\n"
		"\n"
		"Exit 0 on a clean end with every byte validated, 1 on a mismatch, a reset,\n"
		"a failed bind, a leaked reference or another error, 2 on bad usage.\n");
}

static int parse_addr(const char *opt, const char *text)
{
	unsigned char a[16];

	if (inet_pton(AF_INET6, text, a) == 1 || inet_pton(AF_INET, text, a) == 1)
		return 0;
	return cli_bad("rx", opt, "'%s' is not an IPv4 or IPv6 address", text);
}

enum {
	OPT_BATCH = 256, OPT_HOLD, OPT_JSON, OPT_CONNS, OPT_MSS, OPT_LINEAR,
	OPT_SIZE, OPT_DMABUF, OPT_GRO,
};

static int parse_long(int c, const char *arg, struct rx_opts *o)
{
	unsigned int v;

	switch (c) {
	case OPT_BATCH:
		return cli_opt_uint("rx", "--batch", arg, 1, DML_MAX_DONTNEED_TOKENS,
				    &o->batch);
	case OPT_HOLD:
		return cli_opt_uint("rx", "--hold-ms", arg, 0, 600000, &o->hold_ms);
	case OPT_JSON:
		o->json = arg;
		return 0;
	case OPT_CONNS:
		return cli_opt_ulong("rx", "--conns", arg, 0, 1ul << 32, &o->conns);
	case OPT_MSS:
		if (cli_opt_uint("rx", "--mss", arg, 1, 65536, &v))
			return -EINVAL;
		o->mss = v;
		return 0;
	case OPT_LINEAR:
		if (cli_opt_uint("rx", "--linear-head", arg, 0, 65536, &v))
			return -EINVAL;
		o->linear_head = v;
		return 0;
	case OPT_GRO:
		if (cli_opt_uint("rx", "--gro", arg, 1, 64, &v))
			return -EINVAL;
		o->gro_segs = v;
		return 0;
	case OPT_SIZE:
		return cli_opt_ulong("rx", "--size-mb", arg, 1, 1 << 16, &o->size_mb);
	case OPT_DMABUF:
		if (dml_dmabuf_parse_exporter(arg, &o->exporter))
			return cli_bad("rx", "--dmabuf", "'%s' is not one of auto, udmabuf, memfd",
				       arg);
		return 0;
	}
	return -EINVAL;
}

int rx_parse_opts(int argc, char **argv, struct rx_opts *o)
{
	static const struct option longopts[] = {
		{ "batch", required_argument, NULL, OPT_BATCH },
		{ "hold-ms", required_argument, NULL, OPT_HOLD },
		{ "json", required_argument, NULL, OPT_JSON },
		{ "conns", required_argument, NULL, OPT_CONNS },
		{ "mss", required_argument, NULL, OPT_MSS },
		{ "linear-head", required_argument, NULL, OPT_LINEAR },
		{ "size-mb", required_argument, NULL, OPT_SIZE },
		{ "gro", required_argument, NULL, OPT_GRO },
		{ "dmabuf", required_argument, NULL, OPT_DMABUF },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	unsigned int v;
	int c;

	*o = (struct rx_opts){
		.port = 5201, .ifname = "eth1", .nr_queues = 1, .autorelease = -1,
		.batch = 1, .conns = 1, .gro_segs = 16, .size_mb = 64, .exporter = DML_DMABUF_AUTO,
	};
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":ls:c:p:f:t:q:v:a:U:Lh", longopts, NULL)) != -1) {
		switch (c) {
		case 'l':
			o->listen = true;
			break;
		case 's':
		case 'c':
			if (parse_addr(c == 's' ? "-s" : "-c", optarg))
				return -EINVAL;
			*(c == 's' ? &o->server : &o->client) = optarg;
			break;
		case 'p':
			if (cli_opt_uint("rx", "-p", optarg, 0, 65535, &v))
				return -EINVAL;
			o->port = (uint16_t)v;
			break;
		case 'f':
			if (!optarg[0] || strlen(optarg) > 15)
				return cli_bad("rx", "-f",
					       "'%s' is not an interface name of 1 to 15 characters",
					       optarg);
			o->ifname = optarg;
			break;
		case 't':
			if (cli_opt_uint("rx", "-t", optarg, 0, 255, &o->first_queue))
				return -EINVAL;
			o->first_set = true;
			break;
		case 'q':
			if (cli_opt_uint("rx", "-q", optarg, 1, 256, &o->nr_queues))
				return -EINVAL;
			break;
		case 'v':
			if (cli_opt_uint("rx", "-v", optarg, 1, 256, &o->validate))
				return -EINVAL;
			break;
		case 'a':
			if (cli_opt_uint("rx", "-a", optarg, 0, 1, &v))
				return -EINVAL;
			o->autorelease = (int)v;
			break;
		case 'U':
			if (cli_opt_uint("rx", "-U", optarg, 0, 2, &v))
				return -EINVAL;
			o->unbind = (int)v;
			break;
		case 'L':
			o->no_linear = true;
			break;
		case 'h':
			rx_usage(stdout);
			exit(0);
		case ':':
		case '?':
			return cli_getopt_refused("rx", c, argv);
		default:
			if (parse_long(c, optarg, o))
				return -EINVAL;
		}
	}
	if (optind < argc)
		return cli_bad("rx", NULL, "unexpected argument '%s'", argv[optind]);
	if (o->first_queue + o->nr_queues > 256)
		return cli_bad("rx", NULL, "-t %u -q %u goes past queue 255",
			       o->first_queue, o->nr_queues);
	return 0;
}
