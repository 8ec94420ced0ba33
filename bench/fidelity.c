// SPDX-License-Identifier: MIT
/*
 * Fidelity: charging the costs the model does not have (docs/fidelity.md).
 * A charged recvmsg or DONTNEED also makes one real system call of the same
 * kind on a real, idle TCP socket of this machine, so it pays the machine's
 * real crossing; every segment read burns the CPU that this machine's TCP
 * receive path spends on a 4096-byte segment.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "devmem/uapi.h"
#include "fidelity.h"

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

static uint64_t thread_cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void bench_burn_cpu_ns(double ns)
{
	uint64_t end;

	if (ns <= 0)
		return;
	end = thread_cpu_ns() + (uint64_t)ns;
	while (thread_cpu_ns() < end)
		;
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

struct sender {
	int fd;
	_Atomic bool stop;
};

static void *send_thread(void *arg)
{
	struct sender *s = arg;
	static char buf[1 << 20];

	while (!atomic_load(&s->stop))
		if (write(s->fd, buf, sizeof(buf)) < 0)
			break;
	return NULL;
}

double bench_measure_stack_cost(void)
{
	struct sender s = { .fd = -1 };
	uint64_t bytes = 0, cpu0, cpu1;
	pthread_t thread;
	int rx;
	ssize_t n;

	if (tcp_pair(&rx, &s.fd))
		return -1;
	pthread_create(&thread, NULL, send_thread, &s);
	/* warm up, then measure 256 MiB of reads that copy nothing */
	for (n = 0; bytes < (64u << 20) && n >= 0; bytes += (uint64_t)n)
		n = recv(rx, NULL, 64 << 10, MSG_TRUNC);
	cpu0 = thread_cpu_ns();
	for (bytes = 0; bytes < (256u << 20) && n >= 0; bytes += (uint64_t)n)
		n = recv(rx, NULL, 64 << 10, MSG_TRUNC);
	cpu1 = thread_cpu_ns();
	atomic_store(&s.stop, true);
	shutdown(rx, SHUT_RDWR);
	close(rx);
	pthread_join(thread, NULL);
	close(s.fd);
	if (n < 0 || !bytes)
		return -1;
	return (double)(cpu1 - cpu0) / ((double)bytes / DML_PAGE_SIZE);
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

void bench_boundary_recvmsg(int fd)
{
	char byte;
	struct iovec iov = { .iov_base = &byte, .iov_len = sizeof(byte) };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };

	/* Nothing is ever queued: EAGAIN, after a full trip into the kernel. */
	(void)recvmsg(fd, &msg, MSG_DONTWAIT);
}

void bench_boundary_dontneed(int fd)
{
	/* No tokens: the kernel validates and returns, the crossing is paid. */
	(void)setsockopt(fd, SOL_SOCKET, SO_DEVMEM_DONTNEED, NULL, 0);
}
