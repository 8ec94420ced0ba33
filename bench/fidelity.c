// SPDX-License-Identifier: MIT
/*
 * Fidelity: charging the costs the model does not have (docs/fidelity.md).
 * A charged recvmsg or DONTNEED also makes one real system call of the same
 * kind on a real, idle TCP socket of this machine, so it pays the machine's
 * real crossing; every segment read burns the CPU that this machine's TCP
 * receive path spends on a 4096-byte segment.
 */
#include <arpa/inet.h>
#include <linux/sockios.h>
#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sched.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "devmem/uapi.h"
#include "fidelity.h"
#include "run.h"

double bench_amdahl_ratio(double share, double k)
{
	return 1.0 - share * (1.0 - k);
}

double bench_amdahl_share(double cpu_ratio, double k)
{
	/* A design no cheaper than the baseline explains no saving. */
	if (k >= 1.0)
		return -1.0;
	return (1.0 - cpu_ratio) / (1.0 - k);
}

bool bench_fidelity_met(double ours, double kernel)
{
	double r = kernel > 0 ? ours / kernel : NAN;

	return isfinite(r) && fabs(r - 1.0) <= FIDELITY_TOLERANCE + 1e-12;
}

int bench_parse_stack_cost(const char *text, double *ns, bool *autom)
{
	char *end;
	unsigned long v;

	if (!strcmp(text, "auto")) {
		*autom = true;
		*ns = 0;
		return 0;
	}
	if (text[0] < '0' || text[0] > '9')
		return -EINVAL;
	errno = 0;
	v = strtoul(text, &end, 10);
	if (errno || *end || v > 1000000)
		return -EINVAL;
	*autom = false;
	*ns = (double)v;
	return 0;
}

#define thread_cpu_ns()	bench_clock_ns(CLOCK_THREAD_CPUTIME_ID)

static void spin(uint64_t iterations)
{
	volatile uint64_t sink = 0;
	uint64_t i;

	for (i = 0; i < iterations; i++)
		sink += i;
	(void)sink;	/* a volatile read: the loop above is real work */
}

/* Spin iterations per nanosecond of thread CPU; 0 until calibrated. */
static double spin_per_ns;

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, unsigned int n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/*
 * Reading the thread's CPU clock is a real system call, and on a VM a
 * slow one (about 840 ns on the machine of docs/fidelity.md, more under
 * load): spinning on it would burn up to one read more than asked, by an
 * amount that moves with the machine's load.  So the burn is a counted
 * loop, timed against that clock once over long stretches.
 */
double bench_burn_calibrate(void)
{
	double rate[7];
	uint64_t iters = 1u << 20;
	unsigned int i;

	/* grow the stretch to about 10 ms, then take the median of seven */
	for (;;) {
		uint64_t t0 = thread_cpu_ns(), t;

		spin(iters);
		t = thread_cpu_ns() - t0;
		if (t >= 10000000 || iters >= 1ull << 34)
			break;
		iters *= 2;
	}
	for (i = 0; i < 7; i++) {
		uint64_t t0 = thread_cpu_ns();

		spin(iters);
		rate[i] = (double)iters / (double)(thread_cpu_ns() - t0 + 1);
	}
	spin_per_ns = median(rate, 7);
	return spin_per_ns;
}

bool bench_burn_calibrated(void)
{
	return spin_per_ns > 0;
}

void bench_burn_cpu_ns(double ns)
{
	if (ns > 0)
		spin((uint64_t)(ns * spin_per_ns));
}

/* A connected loopback TCP pair: *rx reads, *tx writes. */
static int tcp_pair(int *rx, int *tx)
{
	struct sockaddr_in addr = { .sin_family = AF_INET };
	socklen_t len = sizeof(addr);
	int lfd, err = -errno;

	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (lfd < 0)
		return -errno;
	if (bind(lfd, (struct sockaddr *)&addr, sizeof(addr)) || listen(lfd, 1) ||
	    getsockname(lfd, (struct sockaddr *)&addr, &len))
		goto err_close;
	*tx = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (*tx < 0)
		goto err_close;
	if (connect(*tx, (struct sockaddr *)&addr, sizeof(addr))) {
		close(*tx);
		goto err_close;
	}
	*rx = accept(lfd, NULL, NULL);
	if (*rx < 0) {
		close(*tx);
		goto err_close;
	}
	close(lfd);
	return 0;

err_close:
	err = -errno;
	close(lfd);
	return err;
}

#define STACK_READ	(64u << 10)	/* what one emulated recvmsg delivers */
#define STACK_BURST	(4 * STACK_READ)
#define STACK_ROUNDS	7
#define STACK_ROUND_BYTES (16u << 20)

/*
 * Streams, or with bursts_asked ahead of bursts_sent sends one burst of
 * STACK_BURST bytes at a time and waits for the next request.
 */
struct sender {
	int fd;
	int cpu;
	_Atomic bool stop;
	_Atomic bool bursts;
	_Atomic uint64_t bursts_asked;
	_Atomic uint64_t bursts_sent;
	_Atomic bool gone;		/* the sender failed and left */
};

static void *send_thread(void *arg)
{
	struct sender *s = arg;
	static char buf[1 << 20];

	bench_pin_self(s->cpu);
	while (!atomic_load(&s->stop)) {
		ssize_t n;

		/* MSG_NOSIGNAL: the reader's close ends a blocked send with EPIPE */
		if (!atomic_load(&s->bursts)) {
			n = send(s->fd, buf, sizeof(buf), MSG_NOSIGNAL);
		} else if (atomic_load(&s->bursts_sent) < atomic_load(&s->bursts_asked)) {
			n = send(s->fd, buf, STACK_BURST, MSG_NOSIGNAL);
			atomic_fetch_add(&s->bursts_sent, 1);
		} else {
			sched_yield();
			continue;
		}
		if (n < 0)
			break;
	}
	atomic_store(&s->gone, true);
	return NULL;
}

struct stack_reader {
	int fd;
	int cpu;
	struct sender *sender;
	struct bench_stack_cost *out;
	int err;
};

/*
 * Bytes queued on @fd; spins (unmeasured) until a burst is there.  @buf
 * holds STACK_READ bytes.
 */
static int wait_queued(const struct sender *s, int fd, int want, char *buf)
{
	int queued = 0, last = -1, same = 0;

	for (;;) {
		if (ioctl(fd, SIOCINQ, &queued))
			return -errno;
		if (queued >= want)
			return queued;
		/* The window may hold less than asked: take what stays. */
		same = queued == last ? same + 1 : 0;
		if (same > 1000 && queued >= (int)STACK_READ)
			return queued;
		if (same > 1000 && atomic_load(&s->gone))
			return -EPIPE;
		/*
		 * Less than one read stays, and the sender sits in a send()
		 * that waits for window room only a read makes (seen under
		 * valgrind: 57358 bytes queued, a 256 KiB send blocked, for
		 * ever).  Drain it unmeasured and wait for the burst again.
		 */
		if (same > 1000 && queued > 0) {
			if (recv(fd, buf, (size_t)queued, MSG_DONTWAIT | MSG_TRUNC) < 0 &&
			    errno != EAGAIN)
				return -errno;
			same = 0;
		}
		last = queued;
		sched_yield();
	}
}

/*
 * The charged figure: recv(MSG_TRUNC) of 64 KiB, the size of one emulated
 * recvmsg, on data already queued, so no call waits or wakes up: TCP's
 * receive work (skb walk and free, window update, the ACKs it sends) per
 * 4096 bytes, less the system call crossing that the charged boundary
 * pays on its own.  Only the drains are timed, and the sender is idle
 * meanwhile: on loopback an ACK sent by the reader would otherwise push
 * the sender's queued data from the reader's own softirq, charging it the
 * sender's work.
 */
static double queued_round(struct sender *s, int fd, char *buf, double clock_ns,
			   double crossing_ns)
{
	uint64_t bytes = 0, calls = 0;
	double cpu = 0;

	while (bytes < STACK_ROUND_BYTES) {
		int queued;

		atomic_fetch_add(&s->bursts_asked, 1);
		queued = wait_queued(s, fd, STACK_BURST, buf);
		uint64_t t0, got = 0;

		if (queued < 0)
			return -1;
		t0 = thread_cpu_ns();
		while (got + STACK_READ <= (uint64_t)queued) {
			ssize_t n = recv(fd, buf, STACK_READ, MSG_DONTWAIT | MSG_TRUNC);

			if (n <= 0)
				break;
			got += (uint64_t)n;
			calls++;
		}
		cpu += (double)(thread_cpu_ns() - t0) - clock_ns;
		if (!got)
			return -1;
		bytes += got;
	}
	cpu -= (double)calls * crossing_ns;
	/* a crossing dearer than the whole read: nothing left to charge */
	return cpu > 0 ? cpu / ((double)bytes / DML_PAGE_SIZE) : 0;
}

/* The old tight loop: blocking recv(MSG_TRUNC), waits and wake-ups included. */
static double tight_round(int fd, char *buf)
{
	uint64_t bytes = 0, t0 = thread_cpu_ns();
	ssize_t n = 0;

	while (bytes < STACK_ROUND_BYTES && n >= 0) {
		n = recv(fd, buf, STACK_READ, MSG_TRUNC);
		if (!n)
			return -1;	/* the sender left */
		bytes += n > 0 ? (uint64_t)n : 0;
	}
	if (n < 0 || !bytes)
		return -1;
	return (double)(thread_cpu_ns() - t0) / ((double)bytes / DML_PAGE_SIZE);
}

/*
 * kperf's worker: epoll_wait, then up to 10 non-blocking reads of 64 KiB
 * until EAGAIN, paying every wake-up and every empty read.
 */
static double kperf_round(int fd, int ep, char *buf, double *wakeups_per_read)
{
	uint64_t bytes = 0, wakeups = 0, reads = 0, t0 = thread_cpu_ns();

	while (bytes < STACK_ROUND_BYTES) {
		struct epoll_event ev;
		int k;

		/* a second with nothing to read: the sender left */
		if (epoll_wait(ep, &ev, 1, 1000) <= 0)
			return -1;
		wakeups++;
		for (k = 0; k < 10; k++) {
			ssize_t n = recv(fd, buf, STACK_READ, MSG_DONTWAIT | MSG_TRUNC);

			if (!n)
				return -1;
			if (n < 0)
				break;
			bytes += (uint64_t)n;
			reads++;
		}
	}
	*wakeups_per_read = reads ? (double)wakeups / (double)reads : 0;
	return (double)(thread_cpu_ns() - t0) / ((double)bytes / DML_PAGE_SIZE);
}

/* One EAGAIN recvmsg on an idle socket: the charged boundary's crossing. */
static double crossing_cost(void)
{
	int fds[2];
	uint64_t t0;
	unsigned int i;
	double ns;

	if (bench_boundary_open(fds))
		return 0;
	t0 = thread_cpu_ns();
	for (i = 0; i < 20000; i++)
		bench_boundary_recvmsg(fds[0]);
	ns = (double)(thread_cpu_ns() - t0) / 20000;
	bench_boundary_close(fds);
	return ns;
}

static double clock_cost(void)
{
	double v[21];
	unsigned int i;

	for (i = 0; i < 21; i++) {
		uint64_t t0 = thread_cpu_ns();

		v[i] = (double)(thread_cpu_ns() - t0);
	}
	return median(v, 21);
}

static void *stack_reader_thread(void *arg)
{
	struct stack_reader *r = arg;
	struct bench_stack_cost *out = r->out;
	struct epoll_event ev = { .events = EPOLLIN };
	double queued[STACK_ROUNDS], tight[STACK_ROUNDS], kperf[STACK_ROUNDS];
	double wakeups[STACK_ROUNDS];
	char *buf = malloc(STACK_READ);
	int ep = epoll_create1(EPOLL_CLOEXEC);
	double clock_ns, crossing_ns;
	unsigned int i;

	bench_pin_self(r->cpu);
	r->err = -EIO;
	if (!buf || ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, r->fd, &ev))
		goto out;
	clock_ns = clock_cost();
	crossing_ns = crossing_cost();
	/* warm up: the window and the buffers grow to their working size */
	if (tight_round(r->fd, buf) < 0)
		goto out;
	/* the three patterns interleaved, so drift hits them alike */
	for (i = 0; i < STACK_ROUNDS; i++) {
		atomic_store(&r->sender->bursts, true);
		queued[i] = queued_round(r->sender, r->fd, buf, clock_ns, crossing_ns);
		/*
		 * Back to streaming once the last burst is out.  The sender
		 * may still be inside a streaming send() begun before the
		 * bursts, which only returns as the reader drains: drain,
		 * unmeasured, while waiting.
		 */
		while (atomic_load(&r->sender->bursts_sent) <
		       atomic_load(&r->sender->bursts_asked) && !atomic_load(&r->sender->gone)) {
			recv(r->fd, buf, STACK_READ, MSG_DONTWAIT | MSG_TRUNC);
			sched_yield();
		}
		atomic_store(&r->sender->bursts, false);
		tight[i] = tight_round(r->fd, buf);
		kperf[i] = kperf_round(r->fd, ep, buf, &wakeups[i]);
		if (queued[i] < 0 || tight[i] < 0 || kperf[i] < 0)
			goto out;
	}
	out->crossing_ns = crossing_ns;
	out->rounds = STACK_ROUNDS;
	out->queued_ns = median(queued, STACK_ROUNDS);	/* sorts them */
	out->queued_min_ns = queued[0];
	out->queued_max_ns = queued[STACK_ROUNDS - 1];
	out->tight_ns = median(tight, STACK_ROUNDS);
	out->kperf_ns = median(kperf, STACK_ROUNDS);
	out->kperf_wakeups_per_read = median(wakeups, STACK_ROUNDS);
	r->err = 0;
out:
	if (ep >= 0)
		close(ep);
	free(buf);
	return NULL;
}

int bench_measure_stack_cost(int reader_cpu, int sender_cpu, struct bench_stack_cost *out)
{
	struct sender s = { .fd = -1, .cpu = sender_cpu };
	struct stack_reader r = { .cpu = reader_cpu, .out = out, .sender = &s };
	pthread_t sender, reader;
	int err;

	memset(out, 0, sizeof(*out));
	err = tcp_pair(&r.fd, &s.fd);
	if (err)
		return err;
	pthread_create(&sender, NULL, send_thread, &s);
	pthread_create(&reader, NULL, stack_reader_thread, &r);
	pthread_join(reader, NULL);
	atomic_store(&s.stop, true);
	shutdown(r.fd, SHUT_RDWR);
	close(r.fd);
	pthread_join(sender, NULL);
	close(s.fd);
	return r.err;
}

int bench_boundary_open(int fds[2])
{
	/* The reading end is used; the peer stays connected and silent. */
	fds[0] = fds[1] = -1;
	return tcp_pair(&fds[0], &fds[1]);
}

void bench_boundary_close(int fds[2])
{
	if (fds[0] >= 0)
		close(fds[0]);
	if (fds[1] >= 0)
		close(fds[1]);
	fds[0] = fds[1] = -1;
}

int bench_boundary_recvmsg(int fd)
{
	char byte;
	struct iovec iov = { .iov_base = &byte, .iov_len = sizeof(byte) };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	ssize_t n;

	/* Nothing is ever queued: EAGAIN, after a full trip into tcp_recvmsg. */
	n = recvmsg(fd, &msg, MSG_DONTWAIT);
	return n < 0 ? -errno : (int)n;
}

int bench_boundary_dontneed(int fd, unsigned int nr_entries)
{
	static const struct dmabuf_token none[DML_MAX_DONTNEED_TOKENS];

	/*
	 * As many entries as the emulated call, each of zero tokens: the
	 * kernel's sock_devmem_dontneed() checks, allocates and copies them
	 * in and releases nothing.  (optlen 0 would be refused by
	 * sk_setsockopt() before it ever reached the devmem code.)
	 */
	if (nr_entries > DML_MAX_DONTNEED_TOKENS)
		nr_entries = DML_MAX_DONTNEED_TOKENS;
	if (!nr_entries)
		nr_entries = 1;
	if (setsockopt(fd, SOL_SOCKET, SO_DEVMEM_DONTNEED, none,
		       (socklen_t)(nr_entries * sizeof(none[0]))))
		return -errno;
	return 0;
}
