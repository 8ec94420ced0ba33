// SPDX-License-Identifier: MIT
/* Option parsing shared by the subcommands: bad input is exit 2 with a reason. */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

void cli_usage(FILE *out)
{
	fprintf(out,
		"usage: devmem-lab [demo|check] [options]\n"
		"       devmem-lab bench [options]   (devmem-lab bench --help)\n"
		"       devmem-lab rx [options]      (devmem-lab rx --help)\n"
		"       devmem-lab run [options] -- PROGRAM ARGS...  (devmem-lab run --help)\n"
		"\n"
		"demo:  build an emulated host, bind a dma-buf to its last RX queues\n"
		"       and print devices, queues, bindings and page pools.\n"
		"check: the demo host with traffic through a wire flow, tokens read,\n"
		"       held and returned; the invariant checker runs after each step.\n"
		"  --dmabuf auto|udmabuf|memfd   dma-buf exporter (default auto)\n"
		"  --size-mb N                   dma-buf size in MiB (default 16)\n"
		"  --autorelease 0|1             token mode of the binding (default 0)\n"
		"  --rx-queues N                 RX queues of the NIC (default 8)\n"
		"  --bind-queues N               how many of the last queues to bind (default 2)\n"
		"  --bytes N                     check: bytes sent through the wire (default 4 MiB)\n"
		"  --check                       demo: also run the invariant checker\n"
		"  -h, --help                    this text\n");
}

int cli_parse_ulong(const char *opt, const char *text, unsigned long min,
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

int cli_parse_demo_opts(int argc, char **argv, struct demo_opts *o)
{
	static const struct option longopts[] = {
		{ "dmabuf", required_argument, NULL, 'd' },
		{ "size-mb", required_argument, NULL, 's' },
		{ "autorelease", required_argument, NULL, 'a' },
		{ "rx-queues", required_argument, NULL, 'q' },
		{ "bind-queues", required_argument, NULL, 'b' },
		{ "bytes", required_argument, NULL, 'n' },
		{ "check", no_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	unsigned long v;
	int c;

	*o = (struct demo_opts){
		.exporter = DML_DMABUF_AUTO, .size_mb = 16, .autorelease = 0,
		.rx_queues = 8, .bound_queues = 2, .bytes = 4ul << 20,
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
			if (cli_parse_ulong("--size-mb", optarg, 1, 1 << 20, &o->size_mb))
				return -EINVAL;
			break;
		case 'a':
			if (cli_parse_ulong("--autorelease", optarg, 0, 1, &v))
				return -EINVAL;
			o->autorelease = (int)v;
			break;
		case 'q':
			if (cli_parse_ulong("--rx-queues", optarg, 1, 256, &v))
				return -EINVAL;
			o->rx_queues = (unsigned int)v;
			break;
		case 'b':
			if (cli_parse_ulong("--bind-queues", optarg, 1, 256, &v))
				return -EINVAL;
			o->bound_queues = (unsigned int)v;
			break;
		case 'n':
			if (cli_parse_ulong("--bytes", optarg, 1, 1ul << 40, &o->bytes))
				return -EINVAL;
			break;
		case 'c':
			o->check = true;
			break;
		case 'h':
			cli_usage(stdout);
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

