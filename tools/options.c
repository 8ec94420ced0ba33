// SPDX-License-Identifier: MIT
/*
 * Option parsing shared by the subcommands.  Bad usage is exit 2 with one
 * line on stderr, "devmem-lab CMD: OPTION: PROBLEM (see devmem-lab CMD
 * --help)", so a script's log says what to fix without the whole usage.
 */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "cli.h"

int cli_bad(const char *cmd, const char *opt, const char *fmt, ...)
{
	const char *sep = cmd ? " " : "";
	va_list ap;

	cmd = cmd ? cmd : "";
	fprintf(stderr, "devmem-lab%s%s: ", sep, cmd);
	if (opt)
		fprintf(stderr, "%s: ", opt);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, " (see devmem-lab%s%s --help)\n", sep, cmd);
	return -EINVAL;
}

/*
 * A whole decimal number, digits only: strtoul alone would take " 5", "+5"
 * and wrap "-1" around to ULONG_MAX.
 */
int cli_parse_ulong(const char *text, unsigned long min, unsigned long max,
		    unsigned long *out, char why[CLI_WHY_LEN])
{
	const char *digits = text + (text[0] == '-');
	unsigned long v;
	char *end;

	errno = 0;
	v = strtoul(digits, &end, 10);
	if (!isdigit((unsigned char)digits[0]) || *end) {
		snprintf(why, CLI_WHY_LEN, "'%s' is not a whole number", text);
		return -EINVAL;
	}
	if (errno == ERANGE || (digits != text && v) || v < min || v > max) {
		snprintf(why, CLI_WHY_LEN, "'%s' is out of range [%lu, %lu]", text, min, max);
		return -EINVAL;
	}
	*out = v;
	return 0;
}

int cli_opt_ulong(const char *cmd, const char *opt, const char *text,
		  unsigned long min, unsigned long max, unsigned long *out)
{
	char why[CLI_WHY_LEN];

	if (cli_parse_ulong(text, min, max, out, why))
		return cli_bad(cmd, opt, "%s", why);
	return 0;
}

int cli_opt_uint(const char *cmd, const char *opt, const char *text,
		 unsigned int min, unsigned int max, unsigned int *out)
{
	unsigned long v;

	if (cli_opt_ulong(cmd, opt, text, min, max, &v))
		return -EINVAL;
	*out = (unsigned int)v;
	return 0;
}

/* Returns the index of @text in the NULL-ended @choices, or -EINVAL. */
int cli_opt_choice(const char *cmd, const char *opt, const char *text,
		   const char *const *choices)
{
	char list[128] = "";
	int i;

	for (i = 0; choices[i]; i++)
		if (!strcmp(text, choices[i]))
			return i;
	for (i = 0; choices[i]; i++)
		snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s",
			 i ? ", " : "", choices[i]);
	return cli_bad(cmd, opt, "'%s' is not one of %s", text, list);
}

/* What getopt_long() refused, named and worded as the bench's parser does. */
int cli_getopt_refused(const char *cmd, int c, char **argv)
{
	char name[64];
	const char *problem = bench_getopt_refused(c, argv, name, sizeof(name));

	return cli_bad(cmd, name, "%s", problem);
}

const char *demo_cmd_name(enum demo_cmd cmd)
{
	return cmd == DEMO_CMD_CHECK ? "check" : "demo";
}

/* An option of demo and check: who takes it and its line in --help. */
struct demo_opt {
	struct option lo;
	unsigned int cmds;	/* enum demo_cmd bits */
	const char *arg;
	const char *help;
};

#define BOTH	(DEMO_CMD_DEMO | DEMO_CMD_CHECK)

static const struct demo_opt demo_opts[] = {
	{ { "dmabuf", required_argument, NULL, 'd' }, BOTH, "auto|udmabuf|memfd",
	  "dma-buf exporter (default auto)" },
	{ { "size-mb", required_argument, NULL, 's' }, BOTH, "N",
	  "dma-buf size in MiB (default 16)" },
	{ { "autorelease", required_argument, NULL, 'a' }, BOTH, "0|1",
	  "token mode of the binding (default 0)" },
	{ { "rx-queues", required_argument, NULL, 'q' }, BOTH, "N",
	  "RX queues of the NIC (default 8)" },
	{ { "bind-queues", required_argument, NULL, 'b' }, BOTH, "N",
	  "how many of the last queues to bind (default 2)" },
	{ { "bytes", required_argument, NULL, 'n' }, DEMO_CMD_CHECK, "N",
	  "bytes sent through the wire (default 4 MiB)" },
	{ { "check", no_argument, NULL, 'c' }, DEMO_CMD_DEMO, NULL,
	  "also run the invariant checker" },
	{ { "help", no_argument, NULL, 'h' }, BOTH, NULL, "this text" },
};

#define NR_DEMO_OPTS	(sizeof(demo_opts) / sizeof(demo_opts[0]))

void cli_demo_usage(enum demo_cmd cmd, FILE *out)
{
	char col[48];
	size_t i;

	if (cmd == DEMO_CMD_CHECK)
		fprintf(out,
			"usage: devmem-lab check [options]\n"
			"\n"
			"The demo host with traffic: a wire flow steered to the first bound queue\n"
			"carries a validated pattern, read with recvmsg(MSG_SOCK_DEVMEM); tokens are\n"
			"held and returned 128 at a time, the socket is closed and the binding\n"
			"unbound.  The invariant checker runs after every step.\n");
	else
		fprintf(out,
			"usage: devmem-lab [demo] [options]\n"
			"\n"
			"Builds an emulated host the way ncdevmem sets up a machine (a NIC with\n"
			"header split, RSS over the first queues, a dma-buf bound to the last ones)\n"
			"and prints devices, RX queues, page pools and their stats as the netdev\n"
			"family reports them.\n");
	fprintf(out, "\n");
	for (i = 0; i < NR_DEMO_OPTS; i++) {
		const struct demo_opt *d = &demo_opts[i];

		if (!(d->cmds & cmd))
			continue;
		snprintf(col, sizeof(col), "%s--%s%s%s", d->lo.val == 'h' ? "-h, " : "",
			 d->lo.name, d->arg ? " " : "", d->arg ? d->arg : "");
		fprintf(out, "  %-28s %s\n", col, d->help);
	}
	if (cmd == DEMO_CMD_CHECK)
		fprintf(out, "\nExit 0 when every step passes, 1 when the host cannot be set up,\n"
			"the traffic fails or the checker finds a fault, 2 on bad usage.\n");
	else
		fprintf(out, "\nExit 0 when the state is printed (a refused bind-rx is state too),\n"
			"1 when the host cannot be set up, a dump fails or --check finds a\n"
			"fault, 2 on bad usage.\n");
}

static int parse_demo_opt(enum demo_cmd cmd, int c, struct demo_opts *o)
{
	const char *name = demo_cmd_name(cmd);
	unsigned long v;

	switch (c) {
	case 'd':
		if (dml_dmabuf_parse_exporter(optarg, &o->exporter))
			return cli_bad(name, "--dmabuf", "'%s' is not one of auto, udmabuf, memfd",
				       optarg);
		return 0;
	case 's':
		return cli_opt_ulong(name, "--size-mb", optarg, 1, 1 << 20, &o->size_mb);
	case 'a':
		if (cli_opt_ulong(name, "--autorelease", optarg, 0, 1, &v))
			return -EINVAL;
		o->autorelease = (int)v;
		return 0;
	case 'q':
		return cli_opt_uint(name, "--rx-queues", optarg, 1, 256, &o->rx_queues);
	case 'b':
		return cli_opt_uint(name, "--bind-queues", optarg, 1, 256, &o->bound_queues);
	case 'n':
		return cli_opt_ulong(name, "--bytes", optarg, 1, 1ul << 40, &o->bytes);
	case 'c':
		o->check = true;
		return 0;
	case 'h':
		cli_demo_usage(cmd, stdout);
		exit(0);
	}
	return -EINVAL;
}

int cli_parse_demo_opts(enum demo_cmd cmd, int argc, char **argv,
			struct demo_opts *o)
{
	struct option longopts[NR_DEMO_OPTS + 1] = { 0 };
	const char *name = demo_cmd_name(cmd);
	size_t i, n = 0;
	int c;

	/* Each command takes only its own options: the other's are unknown. */
	for (i = 0; i < NR_DEMO_OPTS; i++)
		if (demo_opts[i].cmds & cmd)
			longopts[n++] = demo_opts[i].lo;
	*o = (struct demo_opts){
		.exporter = DML_DMABUF_AUTO, .size_mb = 16, .autorelease = 0,
		.rx_queues = 8, .bound_queues = 2, .bytes = 4ul << 20,
	};
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		if (c == ':' || c == '?')
			return cli_getopt_refused(name, c, argv);
		if (parse_demo_opt(cmd, c, o))
			return -EINVAL;
	}
	if (optind < argc)
		return cli_bad(name, NULL, "unexpected argument '%s'", argv[optind]);
	if (o->bound_queues > o->rx_queues)
		return cli_bad(name, "--bind-queues", "%u exceeds --rx-queues %u",
			       o->bound_queues, o->rx_queues);
	return 0;
}
