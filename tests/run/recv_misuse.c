// SPDX-License-Identifier: MIT
/*
 * A devmem TCP receiver that uses the UAPI badly on purpose, for issue 15's
 * `devmem-lab run --check`: it binds twice, closes the netlink socket in the
 * middle of a stream, returns tokens it never got, or exits with tokens
 * outstanding.  Each mode checks the kernel's answers itself and exits 0
 * only when every one is what the kernel gives; the run's invariant checker
 * then proves nothing leaked.  Kernel UAPI only, like recv_classic, whose
 * NIC setup (`sudo ethtool` through system()) it shares.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "recv_common.h"

#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define MISUSE_EXT 256

/* The second dma-buf of --bind-twice: small, it is never bound. */
#define MISUSE_SPARE_PAGES 64

/* S-5.1: at most 128 entries per call. */
#define MISUSE_MAX_ENTRIES 128

enum misuse_mode {
	MODE_BIND_TWICE,
	MODE_CLOSE_NL,
	MODE_BOGUS_TOKENS,
	MODE_LEAK,
	MODE_NONE,
};

static const char *const mode_flags[] = {
	[MODE_BIND_TWICE] = "--bind-twice",
	[MODE_CLOSE_NL] = "--close-nl-mid-stream",
	[MODE_BOGUS_TOKENS] = "--bogus-tokens",
	[MODE_LEAK] = "--leak",
};

/*
 * Static, not on main()'s stack: --leak exits with all of it still open,
 * and a leak checker must see it reachable, as the kernel sees the fds.
 */
static struct misuse {
	struct recv_opts o;
	enum misuse_mode mode;
	unsigned int ifindex;
	struct recv_dmabuf mem;
	struct recv_nl nl;
	struct recv_stream s;
	struct recv_conn c;
	int lfd;
} m;

static void usage(const char *prog)
{
	recv_usage(prog,
		   "  one mode, anywhere on the line (-l -s and -a are required, -U is not\n"
		   "  taken; -t 2 -q 1 unless given):\n"
		   "  --bind-twice           bind -t..; bind it again (EEXIST), another queue\n"
		   "                         in the other mode (EBUSY); then receive the stream\n"
		   "  --close-nl-mid-stream  hold two reads' tokens, unbind, keep receiving,\n"
		   "                         return the held tokens (each 1), receive to EOF\n"
		   "  --bogus-tokens         SO_DEVMEM_DONTNEED of tokens never received,\n"
		   "                         before and after the first read, bad optlens\n"
		   "  --leak                 receive the stream, return no token, exit 0\n"
		   "                         with every fd still open\n");
}

/* Takes the mode out of argv, so recv_parse_opts() sees only its flags. */
static enum misuse_mode take_mode(int *argc, char **argv)
{
	enum misuse_mode mode = MODE_NONE;
	int i, j, k;

	for (i = 1, j = 1; i < *argc; i++) {
		for (k = 0; k < MODE_NONE; k++)
			if (!strcmp(argv[i], mode_flags[k]))
				break;
		if (k == MODE_NONE) {
			argv[j++] = argv[i];
			continue;
		}
		if (mode != MODE_NONE) {
			fprintf(stderr, "%s: one mode only: %s and %s\n", argv[0],
				mode_flags[mode], argv[i]);
			return MODE_NONE;
		}
		mode = (enum misuse_mode)k;
	}
	argv[j] = NULL;
	*argc = j;
	if (mode == MODE_NONE)
		fprintf(stderr, "%s: no mode given\n", argv[0]);
	return mode;
}

static int check_opts(const struct recv_opts *o)
{
	if (!o->listen) {
		fprintf(stderr, "%s: -l is required\n", o->prog);
		return -EINVAL;
	}
	if (o->autorelease < 0) {
		fprintf(stderr, "%s: -a 0|1 is required: the expected answers depend on it\n",
			o->prog);
		return -EINVAL;
	}
	if (o->unbind) {
		fprintf(stderr, "%s: -U is not taken: the mode decides when to unbind\n",
			o->prog);
		return -EINVAL;
	}
	return 0;
}

/* ---- the checks ---------------------------------------------------------- */

/* One answer of the kernel against the expected one; prints both. */
static int answer(const char *what, int got, int want, const char *ext, const char *want_ext)
{
	bool ok = got == want && (!want_ext || strstr(ext, want_ext));

	fprintf(stderr, "%s: %-56s %s (", m.o.prog, what, ok ? "ok" : "FAILED");
	if (got < 0)
		fprintf(stderr, "%s", strerror(-got));
	else
		fprintf(stderr, "returned %d", got);
	fprintf(stderr, "%s%s)\n", ext[0] ? ": " : "", ext);
	if (!ok) {
		fprintf(stderr, "%s:   expected ", m.o.prog);
		if (want < 0)
			fprintf(stderr, "%s", strerror(-want));
		else
			fprintf(stderr, "%d", want);
		fprintf(stderr, "%s%s%s\n", want_ext ? " with an extack containing '" : "",
			want_ext ? want_ext : "", want_ext ? "'" : "");
	}
	return ok ? 0 : -1;
}

/* ---- --bind-twice ---------------------------------------------------------- */

/*
 * The kernel's refusal of a queue that already has a memory provider:
 * EEXIST (net/core/devmem.c), not EBUSY, with this message.
 */
#define BOUND_QUEUE_EXT "already memory provider bound"

static int bind_again(const char *what, const struct recv_dmabuf *mem, int queue,
		      int autorelease, int want, const char *want_ext)
{
	char ext[MISUSE_EXT] = "";
	uint32_t id;
	int err;

	err = recv_bind_rx(&m.nl, m.ifindex, mem->fd, queue, 1, true, autorelease, &id, ext,
			   sizeof(ext));
	/* An unexpected success stays bound until the netlink socket closes. */
	return answer(what, err, want, ext, want_ext);
}

static int bind_twice(void)
{
	const struct recv_opts *o = &m.o;
	char mode_ext[64];
	struct recv_dmabuf spare;
	int other = !o->autorelease;
	int other_queue = o->start_queue + o->num_queues;
	int fails = 0;

	if (recv_dmabuf_create(&spare, (size_t)getpagesize() * MISUSE_SPARE_PAGES))
		return -1;
	fails += bind_again("bind-rx of a bound queue, same dma-buf: EEXIST", &m.mem,
			    o->start_queue, o->autorelease, -EEXIST, BOUND_QUEUE_EXT);
	fails += bind_again("bind-rx of a bound queue, another dma-buf: EEXIST", &spare,
			    o->start_queue, o->autorelease, -EEXIST, BOUND_QUEUE_EXT);
	/* S-3.4: the mode is refused before any queue is looked at. */
	snprintf(mode_ext, sizeof(mode_ext), "System already configured with autorelease=%d",
		 o->autorelease);
	fails += bind_again("bind-rx of a free queue, the other mode: EBUSY", &spare,
			    other_queue, other, -EBUSY, mode_ext);
	recv_dmabuf_destroy(&spare);
	if (fails)
		return -1;
	/* The first binding is untouched: the whole stream arrives through it. */
	return recv_conn_drain(&m.c);
}

/* ---- --close-nl-mid-stream ---------------------------------------------- */

/* A read that must bring data: the stream may not end this early. */
static int read_some(const char *when)
{
	ssize_t n = recv_conn_read(&m.c);

	if (n > 0)
		return 0;
	if (n == 0)
		return recv_conn_fail(&m.c, "the stream ended %s", when);
	if (n == -1)
		return recv_conn_fail(&m.c, "recvmsg %s: %s", when, strerror(errno));
	return -1;
}

static int close_nl_mid_stream(void)
{
	char when[64];

	m.c.policy = RECV_TOKENS_HOLD;
	if (read_some("in the first read") || read_some("in the second read"))
		return -1;
	if (!m.c.nr_held)
		return recv_conn_fail(&m.c, "two reads brought no devmem frag");
	snprintf(when, sizeof(when), "mid-stream, %zu tokens held", m.c.nr_held);
	recv_conn_unbind(&m.c, when);
	/* S-6.3: the joined socket keeps the binding; reading and returning go on. */
	m.c.policy = RECV_TOKENS_RETURN;
	if (read_some("right after the unbind"))
		return -1;
	if (recv_conn_return_held(&m.c, 1))
		return -1;
	fprintf(stderr, "%s: %zu tokens held across the unbind returned, 1 frag each\n",
		m.o.prog, m.c.nr_held);
	return recv_conn_drain(&m.c);
}

/* ---- --bogus-tokens ------------------------------------------------------ */

static bool is_held(uint32_t token)
{
	size_t i;

	for (i = 0; i < m.c.nr_held; i++)
		if (m.c.held[i] == token)
			return true;
	return false;
}

static uint32_t max_held(void)
{
	uint32_t max = 0;
	size_t i;

	for (i = 0; i < m.c.nr_held; i++)
		if (m.c.held[i] > max)
			max = m.c.held[i];
	return max;
}

/*
 * Tokens this socket was never given.  autorelease = 0: a token is a page
 * of the dma-buf (S-4.5); past its last page an entry ends (S-5.4), and a
 * page nobody holds has uref 0, so nothing is counted.  autorelease = 1: an
 * id the socket's allocator never issued (S-5.3).
 */
static size_t bogus_entries(struct dmabuf_token *t)
{
	uint32_t pages = (uint32_t)(m.mem.size / (size_t)getpagesize());
	uint32_t start;
	size_t n = 0;

	t[n++] = (struct dmabuf_token){ 0xffffffffu, 1 };
	t[n++] = (struct dmabuf_token){ 0x7fffffffu, 1 };
	if (m.o.autorelease) {
		t[n++] = (struct dmabuf_token){ 0, 1 };
		t[n++] = (struct dmabuf_token){ max_held() + 1, 64 };
		/* Up to and past the allocator's last id, 2^31 - 1. */
		t[n++] = (struct dmabuf_token){ 0x7ffffffcu, 8 };
		return n;
	}
	/* Page 0 is a never-received token only while no frag of it is held. */
	if (!is_held(0))
		t[n++] = (struct dmabuf_token){ 0, 1 };
	t[n++] = (struct dmabuf_token){ pages, 1 };
	t[n++] = (struct dmabuf_token){ pages + 1000, 5 };
	/* The last four pages nobody holds, and on past the end of the dma-buf. */
	for (start = pages - 4; start && (is_held(start) || is_held(start + 1) ||
					  is_held(start + 2) || is_held(start + 3)); start--)
		;
	t[n++] = (struct dmabuf_token){ start, pages - start + 4 };
	return n;
}

static int dontneed(const void *val, socklen_t len)
{
	int ret = setsockopt(m.c.fd, SOL_SOCKET, SO_DEVMEM_DONTNEED, val, len);

	return ret < 0 ? -errno : ret;
}

/* Every entry alone, then all in one call, then the optlens. */
static int bogus_calls(const char *when, int want)
{
	struct dmabuf_token t[MISUSE_MAX_ENTRIES + 1] = { 0 };
	size_t i, n = bogus_entries(t);
	const int bad_len = want < 0 ? want : -EINVAL;
	char what[128];
	int fails = 0;

	for (i = 0; i < n; i++) {
		snprintf(what, sizeof(what), "%s: [%u, +%u)", when, t[i].token_start,
			 t[i].token_count);
		fails += answer(what, dontneed(&t[i], sizeof(t[i])), want, "", NULL);
	}
	snprintf(what, sizeof(what), "%s: all %zu entries in one call", when, n);
	fails += answer(what, dontneed(t, (socklen_t)(n * sizeof(t[0]))), want, "", NULL);
	snprintf(what, sizeof(what), "%s: optlen 0", when);
	fails += answer(what, dontneed(t, 0), want, "", NULL);
	/* S-5.1: not a multiple of 8, or more than 128 entries. */
	snprintf(what, sizeof(what), "%s: optlen 7", when);
	fails += answer(what, dontneed(t, 7), bad_len, "", NULL);
	snprintf(what, sizeof(what), "%s: optlen 8 x 129", when);
	fails += answer(what, dontneed(t, sizeof(t)), bad_len, "", NULL);
	return fails ? -1 : 0;
}

static int bogus_tokens(void)
{
	/* S-5.4: a manual-mode socket that never joined a binding; S-5.3: 0. */
	if (bogus_calls("before the first read", m.o.autorelease ? 0 : -EINVAL))
		return -1;
	m.c.policy = RECV_TOKENS_HOLD;
	if (read_some("in the first read"))
		return -1;
	if (!m.c.nr_held)
		return recv_conn_fail(&m.c, "the first read brought no devmem frag");
	fprintf(stderr, "%s: first read: %zu tokens held\n", m.o.prog, m.c.nr_held);
	if (bogus_calls("after the first read", 0))
		return -1;
	/* Nothing changed: every held token is still there to return, once. */
	if (recv_conn_return_held(&m.c, 1) || recv_conn_return_held(&m.c, 0))
		return -1;
	fprintf(stderr, "%s: the %zu held tokens returned 1 frag each, then 0 again\n",
		m.o.prog, m.c.nr_held);
	m.c.policy = RECV_TOKENS_RETURN;
	return recv_conn_drain(&m.c);
}

/* ---- the program --------------------------------------------------------- */

static int bind_first(void)
{
	char ext[MISUSE_EXT] = "";
	int err;

	err = recv_nl_open(&m.nl, NETDEV_FAMILY_NAME, ext, sizeof(ext));
	if (err) {
		fprintf(stderr, "%s: netdev family: %s%s%s\n", m.o.prog, strerror(-err),
			ext[0] ? ": " : "", ext);
		return -1;
	}
	err = recv_bind_rx(&m.nl, m.ifindex, m.mem.fd, m.o.start_queue, m.o.num_queues, true,
			   m.o.autorelease, &m.s.dmabuf_id, ext, sizeof(ext));
	if (err) {
		fprintf(stderr, "%s: bind-rx of queues %d..%d: %s%s%s\n", m.o.prog,
			m.o.start_queue, m.o.start_queue + m.o.num_queues - 1, strerror(-err),
			ext[0] ? ": " : "", ext);
		recv_nl_close(&m.nl);
		return -1;
	}
	fprintf(stderr, "%s: got dmabuf id=%u\n", m.o.prog, m.s.dmabuf_id);
	return 0;
}

static int run_mode(void)
{
	switch (m.mode) {
	case MODE_BIND_TWICE:
		return bind_twice();
	case MODE_CLOSE_NL:
		return close_nl_mid_stream();
	case MODE_BOGUS_TOKENS:
		return bogus_tokens();
	case MODE_LEAK:
		m.c.policy = RECV_TOKENS_KEEP;
		return recv_conn_drain(&m.c);
	case MODE_NONE:
		break;
	}
	return -1;
}

int main(int argc, char **argv)
{
	struct sockaddr_in6 sin;
	int ret = RECV_EXIT_FAIL;

	m.mode = take_mode(&argc, argv);
	if (m.mode == MODE_NONE || recv_parse_opts(argc, argv, &m.o) || check_opts(&m.o)) {
		usage(argv[0]);
		return RECV_EXIT_USAGE;
	}
	if (m.o.start_queue < 0)
		m.o.start_queue = 2;
	if (m.o.num_queues < 0)
		m.o.num_queues = 1;
	m.ifindex = if_nametoindex(m.o.ifname);
	if (!m.ifindex) {
		fprintf(stderr, "%s: no interface %s: %s\n", m.o.prog, m.o.ifname,
			strerror(errno));
		return RECV_EXIT_FAIL;
	}
	if (recv_dmabuf_create(&m.mem, (size_t)getpagesize() * RECV_DMABUF_PAGES))
		return RECV_EXIT_FAIL;
	m.lfd = recv_listen_socket(&m.o, &sin, &m.s.port);
	if (m.lfd < 0)
		goto out_mem;
	if (recv_ethtool_configure(&m.o, &sin, m.s.port) || bind_first())
		goto out_sock;
	m.s.o = &m.o;
	m.s.netdev = &m.nl;
	m.s.mem = &m.mem;
	if (recv_conn_accept(&m.c, &m.s, m.lfd))
		goto out_nl;
	if (run_mode())
		goto out_conn;
	ret = RECV_EXIT_OK;
	/* --leak: exit as a careless program does, every fd open, every token out. */
	if (m.mode == MODE_LEAK)
		return ret;
out_conn:
	recv_conn_close(&m.c);
out_nl:
	recv_nl_close(&m.nl);
out_sock:
	close(m.lfd);
out_mem:
	recv_dmabuf_destroy(&m.mem);
	return ret;
}
