// SPDX-License-Identifier: MIT
/*
 * rx-peer: the two ends the rx figure needs besides rx itself (scripts/rx-bench).
 *   rx-peer send ADDR PORT BYTES [PERIOD]  write the -v PERIOD pattern (default 7)
 *                                          as fast as the socket takes it
 *   rx-peer recv ADDR PORT                 the baseline: a plain recv() loop into a
 *                                          1 MiB buffer, discarding; prints
 *                                          "listening on ADDR port N", then at the end
 *                                          "bytes N seconds S" (first accept to EOF)
 * The sender is the same for both receivers, so the ratio is the receivers'.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BUF_BYTES	(1u << 20)

static int parse_addr(const char *text, unsigned int port, struct sockaddr_in6 *sa)
{
	memset(sa, 0, sizeof(*sa));
	sa->sin6_family = AF_INET6;
	sa->sin6_port = htons((uint16_t)port);
	if (inet_pton(AF_INET6, text, &sa->sin6_addr) == 1)
		return 0;
	/* IPv4 as ::ffff:a.b.c.d, as ncdevmem takes it */
	sa->sin6_addr.s6_addr[10] = sa->sin6_addr.s6_addr[11] = 0xff;
	return inet_pton(AF_INET, text, &sa->sin6_addr.s6_addr[12]) == 1 ? 0 : -1;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int do_send(const struct sockaddr_in6 *sa, unsigned long long bytes, unsigned int period)
{
	/* A whole number of periods, so every write starts at phase 0. */
	size_t len = BUF_BYTES / period * period, i;
	unsigned char *buf = malloc(len);
	int fd = socket(AF_INET6, SOCK_STREAM, 0);

	if (!buf || fd < 0 || connect(fd, (const struct sockaddr *)sa, sizeof(*sa))) {
		perror("rx-peer send");
		return 1;
	}
	for (i = 0; i < len; i++)
		buf[i] = i % period == period - 1 ? '\n' : (unsigned char)(i % period + 1);
	while (bytes) {
		size_t want = bytes < len ? (size_t)bytes : len, off = 0;

		while (off < want) {
			ssize_t n = send(fd, buf + off, want - off, MSG_NOSIGNAL);

			if (n < 0) {
				perror("rx-peer send");
				return 1;
			}
			off += (size_t)n;
		}
		bytes -= want;
	}
	close(fd);
	free(buf);
	return 0;
}

static int do_recv(struct sockaddr_in6 *sa)
{
	unsigned char *buf = malloc(BUF_BYTES);
	int one = 1, lfd = socket(AF_INET6, SOCK_STREAM, 0), fd;
	socklen_t slen = sizeof(*sa);
	unsigned long long total = 0;
	double t0;
	ssize_t n;

	if (!buf || lfd < 0 || setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(lfd, (struct sockaddr *)sa, sizeof(*sa)) || listen(lfd, 1) ||
	    getsockname(lfd, (struct sockaddr *)sa, &slen)) {
		perror("rx-peer recv");
		return 1;
	}
	fprintf(stderr, "rx-peer: listening on any port %u\n", ntohs(sa->sin6_port));
	fd = accept(lfd, NULL, NULL);
	if (fd < 0) {
		perror("rx-peer accept");
		return 1;
	}
	t0 = now_s();
	while ((n = recv(fd, buf, BUF_BYTES, 0)) > 0)
		total += (unsigned long long)n;
	if (n < 0) {
		perror("rx-peer recv");
		return 1;
	}
	printf("bytes %llu seconds %.6f\n", total, now_s() - t0);
	close(fd);
	close(lfd);
	free(buf);
	return 0;
}

int main(int argc, char **argv)
{
	struct sockaddr_in6 sa;

	if (argc >= 5 && !strcmp(argv[1], "send") && !parse_addr(argv[2], (unsigned int)atoi(argv[3]), &sa))
		return do_send(&sa, strtoull(argv[4], NULL, 0),
			       argc > 5 ? (unsigned int)atoi(argv[5]) : 7);
	if (argc == 4 && !strcmp(argv[1], "recv") && !parse_addr(argv[2], (unsigned int)atoi(argv[3]), &sa))
		return do_recv(&sa);
	fprintf(stderr, "usage: rx-peer send ADDR PORT BYTES [PERIOD] | rx-peer recv ADDR PORT\n");
	return 2;
}
