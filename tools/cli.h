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

int cli_parse_ulong(const char *opt, const char *text, unsigned long min,
		    unsigned long max, unsigned long *out);
int cli_parse_demo_opts(int argc, char **argv, struct demo_opts *o);
void cli_usage(FILE *out);

int demo_host_up(const struct demo_opts *o, struct demo_host *dh);
void demo_host_down(struct demo_host *dh);
int print_state(struct dml_nl_sock *nl);

int run_demo(const struct demo_opts *o);
int run_check(const struct demo_opts *o);
int run_run(int argc, char **argv);

#endif /* DML_CLI_H */
