// SPDX-License-Identifier: MIT
/*
 * `devmem-lab rx`: the machine ncdevmem sets up, in one process.  An
 * emulated NIC named by -f with header split on, RSS over the queues below
 * -t (ethtool -X equal), an ntuple rule from -c/-p to queue -t, a dma-buf
 * bound to queues [-t, -t + -q) over netlink, an emulated listener on the
 * port and the real TCP ingress feeding it.  Each accepted connection gets
 * its own reader thread (rx_conn.c); at the end the invariant checker must
 * find every reference accounted for.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "cli.h"
#include "rx.h"

/* Closing the netlink socket is the unbind; once, whoever asks first. */
int rx_unbind(struct rx *rx)
{
	pthread_mutex_lock(&rx->lock);
	if (!rx->unbound) {
		dml_nl_close(rx->nl);
		rx->nl = NULL;
		rx->unbound = true;
		fprintf(stderr, "rx: unbound dmabuf id %u\n", rx->binding_id);
	}
	pthread_mutex_unlock(&rx->lock);
	return 0;
}

static int to_flow_addr(const char *text, uint8_t out[16])
{
	memset(out, 0, 16);
	if (!text)
		return 0;
	if (inet_pton(AF_INET6, text, out) == 1)
		return 0;
	out[10] = out[11] = 0xff;
	return inet_pton(AF_INET, text, out + 12) == 1 ? 0 : -EINVAL;
}

/* ethtool -N: dst-ip -s dst-port -p, and with -c src-ip -c src-port -p. */
static int steer(struct rx *rx, unsigned int first)
{
	struct dml_flow match = { .dst_port = rx->port };

	if (to_flow_addr(rx->o->server, match.dst_addr) ||
	    to_flow_addr(rx->o->client, match.src_addr))
		return -EINVAL;
	if (rx->o->client)
		match.src_port = rx->port;
	return dml_netdev_add_ntuple(rx->dev, &match, first);
}

static int pattern_init(struct rx *rx)
{
	unsigned int n = rx->o->validate;
	unsigned char *p;
	size_t i;

	if (!n)
		return 0;
	/* Any phase leaves 64 KiB of pattern to memcmp against. */
	rx->pattern_len = ((65536 + n - 1) / n + 1) * n;
	p = malloc(rx->pattern_len);
	if (!p)
		return -ENOMEM;
	for (i = 0; i < rx->pattern_len; i++)
		p[i] = i % n == n - 1 ? '\n' : (unsigned char)(i % n + 1);
	rx->pattern = p;
	return 0;
}

static int serve_up(struct rx *rx)
{
	const struct rx_opts *o = rx->o;
	struct dml_tcp_ingress_config icfg = {
		.addr = o->server, .port = o->port, .max_conns = RX_MAX_CONNS,
		.seg = { .mss = o->mss, .linear_head = o->linear_head, .gro_segs = o->gro_segs },
	};
	char errmsg[256];
	unsigned int first;
	int err;

	if (rx_machine_up(rx, &first) || rx_say(pattern_init(rx), "pattern"))
		return -1;
	rx->map_len = dml_dmabuf_size(rx->buf);
	rx->map = mmap(NULL, rx->map_len, PROT_READ, MAP_SHARED, dml_dmabuf_fd(rx->buf), 0);
	if (rx->map == MAP_FAILED) {
		rx->map = NULL;
		return rx_say(-errno, "mmap of the dma-buf");
	}
	rx->sync = !strcmp(dml_dmabuf_exporter_name(rx->buf), "udmabuf");
	err = rx_bind_queues(rx, first, o->nr_queues, o->autorelease, &rx->binding_id,
			  errmsg, sizeof(errmsg));
	if (err) {
		fprintf(stderr, "devmem-lab rx: bind-rx of queues %u-%u failed: %s%s%s\n",
			first, first + o->nr_queues - 1, strerror(-err),
			errmsg[0] ? ": " : "", errmsg);
		return err;
	}
	err = rx_say(dml_tcp_ingress_start(rx->dev, &icfg, &rx->ing), "listen");
	if (err)
		return err;
	rx->port = dml_tcp_ingress_port(rx->ing);
	rx->mode = dml_host_autorelease_mode(rx->host);
	/* Nobody knows a picked port before the line below: the order is safe. */
	err = rx_say(steer(rx, first), "ntuple rule (ethtool -N)");
	if (!err)
		err = rx_say(dml_socket(rx->host, SOCK_STREAM, &rx->listener), "socket");
	if (!err)
		err = rx_say(dml_listen(rx->listener, rx->port), "emulated listen");
	if (err)
		return err;
	fprintf(stderr, "rx: %s: mss %u, queues %u-%u bound to dmabuf id %u (%s, %lu MiB, autorelease %d)\n",
		o->ifname, o->mss ? o->mss : 4096, first, first + o->nr_queues - 1,
		rx->binding_id, dml_dmabuf_exporter_name(rx->buf), o->size_mb, rx->mode);
	fprintf(stderr, "rx: listening on %s port %u\n", o->server ? o->server : "any",
		rx->port);
	return 0;
}

/* No more connections: the ingress refuses any that still come. */
static void stop_accepting(struct rx *rx)
{
	atomic_store(&rx->stopping, true);
	dml_close(rx->listener);
	rx->listener = NULL;
}

static void print_status(struct rx *rx)
{
	struct dml_tcp_ingress_stats st = { 0 };
	unsigned int accepted, ended;

	/* rx->lock keeps the ingress from being stopped under us. */
	pthread_mutex_lock(&rx->lock);
	accepted = rx->accepted;
	if (rx->ing)
		dml_tcp_ingress_stats(rx->ing, &st);
	pthread_mutex_unlock(&rx->lock);
	ended = atomic_load(&rx->ended);
	fprintf(stderr, "rx: status: accepted %u, active %u, ingress conns %llu, refused %llu, "
		"resets %llu, bytes %llu\n",
		accepted, accepted - ended, (unsigned long long)st.conns,
		(unsigned long long)st.refused, (unsigned long long)st.resets,
		(unsigned long long)atomic_load(&rx->total_bytes));
}

/*
 * A close does not wake a blocked accept (nor does it on Linux): a wire
 * connection of our own does, the way a server connects to itself to stop.
 */
static void wake_accept(struct rx *rx)
{
	struct dml_wire_flow_config cfg = { .flow = { .dst_port = rx->port, .src_port = 1 } };
	struct dml_wire_flow *flow;

	atomic_store(&rx->stopping, true);
	/* Before serving, accept_loop() sees the flag itself (both are seq_cst). */
	if (atomic_load(&rx->serving) && !dml_wire_connect(rx->dev, &cfg, &flow))
		dml_wire_close(flow);
}

/*
 * SIGINT/SIGTERM end a run (--conns 0 needs one) cleanly: no more accepts.
 * SIGUSR2 prints a status line, for a driver that waits until rx is idle
 * (scripts/soak); SIGUSR1 is rx telling this thread to return.
 */
static void *signal_main(void *arg)
{
	struct rx *rx = arg;
	sigset_t set;
	int sig;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGUSR2);
	while (!sigwait(&set, &sig) && sig == SIGUSR2)
		print_status(rx);
	if (sig == SIGUSR1)
		return NULL;
	fprintf(stderr, "rx: %s: stopping\n", strsignal(sig));
	wake_accept(rx);
	return NULL;
}

static void print_conn(const struct rx_conn *c)
{
	if (c->msg[0])
		fprintf(stderr, "rx: conn %u: %s\n", c->id, c->msg);
}

/*
 * A long run (--conns 0, the soak) sees thousands of connections: once the
 * records are full, finished readers are joined and summed into rx->folded,
 * so memory stays flat.
 */
static void fold_finished(struct rx *rx)
{
	unsigned int i, kept = 0;

	for (i = 0; i < rx->nr_conns; i++) {
		struct rx_conn *c = rx->conns[i], *f = &rx->folded;

		if (!atomic_load(&c->done)) {
			rx->conns[kept++] = c;
			continue;
		}
		pthread_join(c->thread, NULL);
		print_conn(c);
		f->bytes += c->bytes;
		f->frags += c->frags;
		f->aligned += c->aligned;
		f->linear_frags += c->linear_frags;
		f->host_bytes += c->host_bytes;
		f->tokens_returned += c->tokens_returned;
		f->dontneed_calls += c->dontneed_calls;
		rx->folded_n++;
		rx->folded_resets += c->status == RX_RESET;
		rx->folded_mismatches += c->status == RX_MISMATCH;
		rx->folded_errors += c->status == RX_ERROR;
		free(c);
	}
	pthread_mutex_lock(&rx->lock);
	rx->nr_conns = kept;
	pthread_mutex_unlock(&rx->lock);
}

static int accept_loop(struct rx *rx)
{
	const struct rx_opts *o = rx->o;
	int err = 0;

	atomic_store(&rx->serving, true);
	while (!atomic_load(&rx->stopping) && (!o->conns || rx->accepted < o->conns)) {
		struct rx_conn *c;
		struct dml_sock *sk;

		if (rx->nr_conns == RX_CONN_RECORDS)
			fold_finished(rx);
		err = dml_accept(rx->listener, 0, &sk);
		if (!err && atomic_load(&rx->stopping)) {
			dml_close(sk);	/* wake_accept()'s, or one too late */
			break;
		}
		if (err) {
			rx_say(err, "accept");
			break;
		}
		c = calloc(1, sizeof(*c));
		if (!c) {
			dml_close(sk);
			err = rx_say(-ENOMEM, "connection");
			break;
		}
		*c = (struct rx_conn){ .rx = rx, .sk = sk, .id = rx->accepted };
		atomic_init(&c->done, false);
		rx_note_start(rx);
		err = pthread_create(&c->thread, NULL, rx_conn_main, c);
		if (err) {
			dml_close(sk);
			free(c);
			err = rx_say(-err, "reader thread");
			break;
		}
		pthread_mutex_lock(&rx->lock);
		rx->conns[rx->nr_conns++] = c;
		rx->accepted++;
		pthread_mutex_unlock(&rx->lock);
		fprintf(stderr, "rx: conn %u: accepted\n", c->id);
		if (rx->nr_conns == RX_CONN_RECORDS)
			fold_finished(rx);	/* every slot taken by live readers cannot be */
	}
	return err;
}

static int conn_exit(const struct rx_conn *c)
{
	switch (c->status) {
	case RX_EOF:
	case RX_UNBOUND:
		return 0;
	case RX_STOPPED:	/* a signal ended it: not the peer's fault */
		return 0;
	default:
		return 1;
	}
}

static int serve(struct rx *rx)
{
	int ret = accept_loop(rx) ? 1 : 0;
	bool served = !ret && !atomic_load(&rx->stopping);
	struct dml_tcp_ingress *ing;
	unsigned int i;

	/* Served them all: the readers end with their peers. */
	for (i = 0; served && i < rx->nr_conns; i++)
		pthread_join(rx->conns[i]->thread, NULL);
	stop_accepting(rx);
	pthread_mutex_lock(&rx->lock);
	ing = rx->ing;
	rx->ing = NULL;
	pthread_mutex_unlock(&rx->lock);
	dml_tcp_ingress_stats(ing, &rx->stats);
	/* Resets the connections still open (a signal), closes every kernel socket. */
	dml_tcp_ingress_stop(ing);
	for (i = 0; i < rx->nr_conns; i++) {
		struct rx_conn *c = rx->conns[i];

		if (!served)
			pthread_join(c->thread, NULL);
		if (c->status == RX_RUNNING)
			c->status = RX_STOPPED;
		print_conn(c);
		ret |= conn_exit(c);
	}
	if (rx->folded_resets || rx->folded_mismatches || rx->folded_errors)
		ret = 1;
	return ret;
}

static void teardown(struct rx *rx)
{
	unsigned int i;

	for (i = 0; i < rx->nr_conns; i++)
		free(rx->conns[i]);
	if (rx->map)
		munmap((void *)rx->map, rx->map_len);
	free((void *)rx->pattern);
	rx_machine_down(rx);
}

int run_rx(int argc, char **argv)
{
	struct rx_opts o;
	struct rx rx = { .o = &o };
	char report[256] = "";
	pthread_t sig_thread;
	sigset_t set;
	int ret;

	if (rx_parse_opts(argc, argv, &o))
		return EXIT_USAGE;
	if (!o.listen)
		return rx_probe(&o);
	/* Signals go to one thread that knows how to stop (signal_main). */
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGUSR2);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	pthread_mutex_init(&rx.lock, NULL);
	if (pthread_create(&sig_thread, NULL, signal_main, &rx)) {
		fprintf(stderr, "devmem-lab rx: signal thread: %s\n", strerror(errno));
		return 1;
	}
	ret = serve_up(&rx) ? 1 : 0;
	if (!ret) {
		rx_progress_start(&rx);
		ret = serve(&rx);
		rx_progress_stop(&rx);
	}
	dml_tcp_ingress_stop(rx.ing);
	rx.ing = NULL;
	stop_accepting(&rx);
	pthread_kill(sig_thread, SIGUSR1);
	pthread_join(sig_thread, NULL);
	fflush(stdout);
	/* Every socket is closed: what remains must be the binding's own. */
	if (rx.host && dml_host_check(rx.host, report, sizeof(report))) {
		fprintf(stderr, "devmem-lab rx: leaked reference: %s\n", report);
		ret = 1;
	} else {
		report[0] = '\0';
	}
	ret = rx_report(&rx, report, ret);
	teardown(&rx);
	pthread_mutex_destroy(&rx.lock);
	return ret;
}
