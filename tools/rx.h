/* SPDX-License-Identifier: MIT */
/*
 * `devmem-lab rx`: an ncdevmem-compatible receiver fed by real TCP
 * connections through the emulated NIC (issue 14).  Shared between the
 * option parser, the per-connection readers and the report.
 */
#ifndef DML_RX_H
#define DML_RX_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "devmem/devmem.h"

#define RX_MAX_CONNS	64	/* what the ingress serves at once by default */
#define RX_CONN_RECORDS	1024	/* connections reported one by one; later ones are summed */

struct rx_opts {
	bool listen;			/* -l: receive; without it, the probe */
	const char *server;		/* -s: listen address, NULL = any */
	const char *client;		/* -c: the sender's address, for the rule */
	uint16_t port;			/* -p: 0 = the kernel picks */
	const char *ifname;		/* -f */
	unsigned int first_queue;	/* -t */
	unsigned int nr_queues;		/* -q */
	bool first_set;
	unsigned int validate;		/* -v N: period of the pattern, 0 = off */
	int autorelease;		/* -a: 0, 1, or -1 to leave the attribute out */
	int unbind;			/* -U: 0, 1 before the first recv, 2 after */
	bool no_linear;			/* -L */
	unsigned int batch;		/* --batch: tokens per DONTNEED */
	unsigned int hold_ms;		/* --hold-ms */
	const char *json;		/* --json FILE */
	unsigned long conns;		/* --conns: connections to serve, 0 = until a signal */
	uint32_t mss;			/* --mss: payload bytes per segment */
	uint32_t gro_segs;		/* --gro: segments per skb */
	uint32_t linear_head;		/* --linear-head: payload kept with the headers */
	unsigned long size_mb;		/* --size-mb: the dma-buf */
	enum dml_dmabuf_exporter exporter;	/* --dmabuf */
};

enum rx_status {
	RX_RUNNING,
	RX_EOF,			/* clean end, every byte validated */
	RX_UNBOUND,		/* -U 1: recvmsg failed with ENODEV, as expected */
	RX_MISMATCH,
	RX_RESET,		/* the peer reset the connection */
	RX_STOPPED,		/* rx itself stopped (signal) before the peer's end */
	RX_ERROR,
};

struct rx;

/* One accepted connection and its reader thread's results. */
struct rx_conn {
	struct rx *rx;
	struct dml_sock *sk;
	unsigned int id;
	pthread_t thread;
	enum rx_status status;
	char msg[256];
	uint64_t bytes;			/* stream offset: every byte read */
	uint64_t frags;			/* SCM_DEVMEM_DMABUF frags */
	uint64_t aligned;		/* of them, a multiple of the page size */
	uint64_t linear_frags;		/* SCM_DEVMEM_LINEAR cmsgs */
	uint64_t host_bytes;		/* bytes in host memory (after -U 2) */
	uint64_t tokens_returned;
	uint64_t dontneed_calls;
	_Atomic bool done;		/* the reader thread is about to return */
};

struct rx {
	const struct rx_opts *o;
	struct dml_host *host;
	struct dml_netdev *dev;
	struct dml_dmabuf *buf;
	struct dml_nl_sock *nl;		/* the binding lives as long as it does */
	struct dml_tcp_ingress *ing;
	struct dml_sock *listener;
	const unsigned char *map;	/* the dma-buf, read-only */
	size_t map_len;
	bool sync;			/* DMA_BUF_IOCTL_SYNC around reads (udmabuf) */
	uint32_t binding_id;
	uint16_t port;			/* the real port */
	int mode;			/* the binding's autorelease, as the host reports it */
	const unsigned char *pattern;	/* -v: two periods and more, for memcmp */
	size_t pattern_len;

	pthread_mutex_t lock;		/* unbinding, stdout, the connection list */
	bool unbound;
	struct rx_conn *conns[RX_CONN_RECORDS];
	unsigned int nr_conns;		/* records in conns[] */
	unsigned int accepted;		/* every connection, folded ones too */
	struct rx_conn folded;		/* sums of the connections no longer recorded */
	unsigned int folded_n, folded_resets, folded_mismatches, folded_errors;
	_Atomic uint64_t total_bytes;	/* for the progress line */
	_Atomic uint64_t first_ns, last_ns;
	_Atomic bool stopping;
	_Atomic unsigned int ended;	/* readers that finished */
	_Atomic bool serving;		/* accept_loop() runs: a signal must wake it */
	struct dml_tcp_ingress_stats stats;	/* taken just before the ingress stops */
};

int rx_parse_opts(int argc, char **argv, struct rx_opts *o);
void rx_usage(FILE *out);

int rx_say(int err, const char *what);
int rx_machine_up(struct rx *rx, unsigned int *first);
void rx_machine_down(struct rx *rx);
int rx_bind_queues(struct rx *rx, unsigned int first, unsigned int count,
		   int autorelease, uint32_t *id, char *errmsg, size_t errlen);
int rx_probe(const struct rx_opts *o);
void *rx_conn_main(void *arg);
int rx_unbind(struct rx *rx);

uint64_t rx_now_ns(void);
void rx_note_start(struct rx *rx);
int rx_report(struct rx *rx, const char *check_report, int exit_code);
void rx_progress_start(struct rx *rx);
void rx_progress_stop(struct rx *rx);

int run_rx(int argc, char **argv);

#endif /* DML_RX_H */
