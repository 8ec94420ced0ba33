/* SPDX-License-Identifier: MIT */
/*
 * Token state per socket against the binding's size (issue 16, the
 * `sockarray` row): v1/v2 kept an array of urefs per socket, one per page
 * of the dma-buf, which reviewers priced at ~20 GB for 10 K sockets on
 * 2 GB dma-bufs.  Measured here at a scale the machine holds, then fitted
 * and projected.
 */
#ifndef DML_BENCH_SOCK_STATE_H
#define DML_BENCH_SOCK_STATE_H

#include <stdint.h>

/* The reviewers' case: 10 K sockets, each on a 2 GiB dma-buf of 4 KiB pages. */
#define SOCK_STATE_REVIEW_SOCKETS	10240u
#define SOCK_STATE_REVIEW_PAGES		524288u

/*
 * One design's token state, measured: @sockets sockets on one binding of
 * @pages pages, each holding one token.  The per-socket bytes are measured
 * again on a binding of half the pages, and the two fitted to
 * fixed + per_page * pages; the binding's own per-page state (the urefs of
 * niov) is counted once, apart.
 */
struct bench_sock_state {
	uint64_t pages;
	unsigned int sockets;
	uint64_t total_bytes;		/* every socket's state, measured */
	double socket_bytes;		/* total_bytes / sockets */
	double socket_fixed;		/* fitted: what a socket costs on any binding */
	double socket_per_page;		/* fitted: per page of its binding, per socket */
	double binding_per_page;	/* once per binding (bytes_per_niov) */
};

/**
 * bench_sock_state_measure() - measure @design's token state per socket.
 * @design: an autorelease = 0 design's name.
 * @pages: binding size, at least 2 pages; the dma-buf is a sparse memfd.
 * @sockets: connections, 1 to 1000, each receiving and keeping one page.
 * @out: the measure and its fit.
 *
 * Return: 0, -EINVAL for an unknown design, one of autorelease = 1, or a
 * size out of range, or the -errno of building the host or moving the data.
 */
int bench_sock_state_measure(const char *design, uint64_t pages, unsigned int sockets,
			     struct bench_sock_state *out);

/**
 * bench_sock_state_bytes() - token state of @sockets sockets sharing one
 * binding of @pages pages, from a measure's fit.
 * @m: a measure.
 * @pages: binding size in pages.
 * @sockets: sockets on it.
 *
 * Return: sockets * (fixed + per_page * pages) + binding_per_page * pages.
 */
double bench_sock_state_bytes(const struct bench_sock_state *m, double pages,
			      double sockets);

#endif /* DML_BENCH_SOCK_STATE_H */
