/* SPDX-License-Identifier: MIT */
/* What the devmem-lab subcommands share: options and the demo host. */
#ifndef DML_CLI_H
#define DML_CLI_H

#include <stdio.h>

#include "devmem/devmem.h"

#define EXIT_USAGE 2

struct demo_opts {
	enum dml_dmabuf_exporter exporter;
	unsigned long size_mb;
	int autorelease;
	unsigned int rx_queues;
	unsigned int bound_queues;
	bool check;
	unsigned long bytes;	/* check: bytes through the wire */
};

/* A host set up the way ncdevmem sets up a machine. */
struct demo_host {
	struct dml_host *host;
	struct dml_netdev *dev;
	struct dml_dmabuf *buf;
	struct dml_nl_sock *nl;
	uint32_t binding_id;
	unsigned int first_bound;
};

/* The two subcommands that share struct demo_opts. */
enum demo_cmd {
	DEMO_CMD_DEMO = 1,
	DEMO_CMD_CHECK = 2,
};

/* Room for why a value is refused, without the command and the option. */
#define CLI_WHY_LEN 96

int cli_parse_ulong(const char *text, unsigned long min, unsigned long max,
		    unsigned long *out, char why[CLI_WHY_LEN]);
int cli_bad(const char *cmd, const char *opt, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int cli_opt_ulong(const char *cmd, const char *opt, const char *text,
		  unsigned long min, unsigned long max, unsigned long *out);
int cli_opt_uint(const char *cmd, const char *opt, const char *text,
		 unsigned int min, unsigned int max, unsigned int *out);
int cli_opt_choice(const char *cmd, const char *opt, const char *text,
		   const char *const *choices);
int cli_getopt_refused(const char *cmd, int c, char **argv);

const char *demo_cmd_name(enum demo_cmd cmd);
int cli_parse_demo_opts(enum demo_cmd cmd, int argc, char **argv,
			struct demo_opts *o);
void cli_demo_usage(enum demo_cmd cmd, FILE *out);

int demo_host_up(const struct demo_opts *o, struct demo_host *dh);
void demo_host_down(struct demo_host *dh);
int print_state(struct dml_nl_sock *nl);

int run_demo(const struct demo_opts *o);
int run_check(const struct demo_opts *o);
int run_run(int argc, char **argv);

#endif /* DML_CLI_H */
