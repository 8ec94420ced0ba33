// SPDX-License-Identifier: MIT
/*
 * Model-based random test of the data path, in both modes: random
 * sequences of deliveries, reads, token returns, socket closes and one
 * unbind over 1 to 3 sockets (wire flows with distinct source ports to one
 * listener, all steered to the bound queue 7).  A small reference model
 * predicts every result: the tokens each socket holds (autorelease = 1),
 * the uref of every page and the binding's users (autorelease = 0), the
 * bytes queued per socket in devmem and in host memory.  After every step
 * the invariant checker must be clean and the system-wide mode must be
 * what the model says.
 *
 * Proves, under random interleavings: S-2.3 (a dry ring stalls, counted,
 * only while the user holds buffers; held bytes are never overwritten),
 * S-3.2 (unbind puts the queue back on host memory), S-3.4 / S-6.5 (the
 * mode lives exactly as long as the binding), S-4.2 (no mixing, EFAULT
 * without the flag), S-4.3, S-4.4 (lowest free id from 1, reservations
 * given back), S-4.5 (token = page, join, ENODEV once drained), S-4.6 (no
 * truncated cmsg, ETOOSMALL, short reads only when the room is used up),
 * S-4.7 / S-7.3 (the checker after every step), S-5.1 to S-5.5 (every
 * DONTNEED return value), S-6.1 / S-6.2 (close), S-6.3 and S-6.4.
 *
 * The seed is printed as "# seed N"; DML_MODEL_SEED=N replays it (and
 * DML_MODEL_STEPS=N changes the step count).
 */
#include "dp_helpers.h"

#include <inttypes.h>
#include <time.h>
#include <unistd.h>

#define M_PAGES		FIXTURE_PAGES
#define M_MAX_SOCKS	3
#define M_STEPS		5000
#define M_SEEDS		3
#define M_MAX_LEN	65536u		/* bytes per delivery, and per read */
#define M_MAX_ROOM	64u		/* cmsgs of room per read */
#define M_SPACE		CMSG_SPACE(sizeof(struct dmabuf_cmsg))
#define M_MAX_GOT	1024u		/* autorelease = 0 tokens remembered per socket */
#define M_MAX_ENTRIES	(DML_MAX_DONTNEED_TOKENS + 2)

static const uint32_t m_mss[] = { 1448, 2048, 4096 };

/* Bytes of the dma-buf the user holds, and where they sit in the stream. */
struct m_range {
	uint32_t page;
	uint32_t off;
	uint32_t size;
	uint64_t pos;
};

/* autorelease = 1: one token the socket holds. */
struct m_tok {
	bool held;
	uint32_t idx;			/* in m_sock.ids */
	struct m_range r;
};

struct m_sock {
	struct dml_sock *sk;
	struct dml_wire_flow *flow;
	uint32_t mss;
	uint64_t sent;			/* stream bytes the NIC took */
	uint64_t rd;			/* stream bytes read */
	uint64_t devmem_q;		/* queued bytes in dma-buf memory ... */
	uint64_t host_q;		/* ... followed by these in host memory */

	/* autorelease = 1: token id -> page, and the held ids in a list */
	struct m_tok *tok;
	uint32_t cap;
	uint32_t *ids;
	uint32_t nr_ids;

	/* autorelease = 0 */
	bool joined;
	uint32_t got[M_MAX_GOT];	/* tokens received, to pick from */
	uint32_t nr_got;
	/* holder_returns designs: this socket's part of each page's uref */
	uint32_t own[M_PAGES];
};

struct model {
	struct dp *dp;
	int mode;
	/*
	 * The design's rules (dp_helpers.h): with holder_returns only the
	 * socket that holds a page returns it and close gives
	 * back what the socket holds; else S-5.5 and S-6.2.
	 */
	bool holder_returns;
	uint64_t seed;
	uint64_t rng;
	unsigned int steps;
	unsigned int step;
	unsigned int unbind_at;		/* past the end: never */
	unsigned int nsocks;
	uint16_t next_port;
	bool bound;

	/* autorelease = 0: the binding's users, urefs and the bytes behind them */
	long users;
	uint32_t uref[M_PAGES];
	struct m_range *held[M_PAGES];
	uint32_t nr_held[M_PAGES];
	uint32_t cap_held[M_PAGES];

	struct m_sock s[M_MAX_SOCKS];

	/* what happened, printed at the end so a run shows it did something */
	unsigned long delivered, stalls, devmem_reads, host_reads, tokens;
	unsigned long released, enodev, late_joins, closes;

	unsigned char pattern[M_MAX_LEN + 8];	/* pattern from any pos % 7 */
	unsigned char iov[M_MAX_LEN];
	unsigned char ctrl[M_MAX_ROOM * M_SPACE + M_SPACE];
};

struct m_case {
	int mode;
	uint64_t seed;
	unsigned int steps;
};

static uint64_t m_rand(struct model *m)
{
	/* splitmix64 */
	uint64_t z = (m->rng += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* Uniform in [0, n). */
static uint32_t m_rnd(struct model *m, uint32_t n)
{
	return n ? (uint32_t)(m_rand(m) % n) : 0;
}

static const unsigned char *m_pattern_at(const struct model *m, uint64_t pos)
{
	return m->pattern + pos % 7;
}

#define M_FAIL(m, what, got, want)                                            \
	fail_msg("seed %" PRIu64 " autorelease=%d step %u: %s = %lld, model says %lld", \
		 (m)->seed, (m)->mode, (m)->step, (what), (long long)(got),  \
		 (long long)(want))

static void m_expect(const struct model *m, const char *what, long long got,
		     long long want)
{
	if (got != want)
		M_FAIL(m, what, got, want);
}

static void m_expect_true(const struct model *m, const char *what, bool ok)
{
	if (!ok)
		M_FAIL(m, what, 0, 1);
}

/* @n bytes at @src are the stream from @pos. */
static void m_validate(const struct model *m, const unsigned char *src, size_t n,
		       uint64_t pos, const char *where)
{
	size_t k;

	if (memcmp(src, m_pattern_at(m, pos), n) == 0)
		return;
	for (k = 0; k < n; k++)
		if (src[k] != dp_pattern(pos + k))
			fail_msg("seed %" PRIu64 " autorelease=%d step %u: %s: stream byte %" PRIu64
				 " is 0x%02x, want 0x%02x",
				 m->seed, m->mode, m->step, where, pos + k, src[k],
				 dp_pattern(pos + k));
}

/* Bytes the user still holds were not overwritten by the NIC (S-2.3, S-4.7). */
static void m_validate_range(const struct model *m, const struct m_range *r)
{
	m_validate(m, m->dp->map + (size_t)r->page * DML_PAGE_SIZE + r->off, r->size,
		   r->pos, "held bytes");
}

static bool m_overlap(const struct m_range *a, uint32_t page, uint32_t off,
		      uint32_t size)
{
	return a->page == page && a->off < off + size && off < a->off + a->size;
}

/* ---- autorelease = 1: a socket's tokens ---------------------------------- */

static void m_tok_reserve(struct m_sock *s, uint32_t id)
{
	uint32_t cap = s->cap ? s->cap : 64;

	if (id < s->cap)
		return;
	while (cap <= id)
		cap *= 2;
	s->tok = realloc(s->tok, cap * sizeof(*s->tok));
	s->ids = realloc(s->ids, cap * sizeof(*s->ids));
	assert_non_null(s->tok);
	assert_non_null(s->ids);
	memset(s->tok + s->cap, 0, (cap - s->cap) * sizeof(*s->tok));
	s->cap = cap;
}

static bool m_tok_held(const struct m_sock *s, uint32_t id)
{
	return id < s->cap && s->tok[id].held;
}

/* S-4.4: the xarray hands out the lowest free id, from 1. */
static uint32_t m_tok_lowest_free(const struct m_sock *s)
{
	uint32_t id = 1;

	while (m_tok_held(s, id))
		id++;
	return id;
}

static void m_tok_add(struct m_sock *s, uint32_t id, const struct m_range *r)
{
	m_tok_reserve(s, id);
	s->tok[id].held = true;
	s->tok[id].idx = s->nr_ids;
	s->tok[id].r = *r;
	s->ids[s->nr_ids++] = id;
}

static void m_tok_del(const struct model *m, struct m_sock *s, uint32_t id)
{
	struct m_tok *t = &s->tok[id];
	uint32_t last = s->ids[--s->nr_ids];

	m_validate_range(m, &t->r);
	s->ids[t->idx] = last;
	s->tok[last].idx = t->idx;
	t->held = false;
}

/* ---- autorelease = 0: urefs ------------------------------------------- */

static void m_held_add(struct model *m, const struct m_range *r)
{
	uint32_t p = r->page;

	if (m->nr_held[p] == m->cap_held[p]) {
		m->cap_held[p] = m->cap_held[p] ? 2 * m->cap_held[p] : 8;
		m->held[p] = realloc(m->held[p], m->cap_held[p] * sizeof(*m->held[p]));
		assert_non_null(m->held[p]);
	}
	m->held[p][m->nr_held[p]++] = *r;
}

/* uref went to 0: nothing of the page is the user's any more. */
static void m_held_clear(struct model *m, uint32_t p, bool validate)
{
	uint32_t i;

	for (i = 0; validate && i < m->nr_held[p]; i++)
		m_validate_range(m, &m->held[p][i]);
	m->nr_held[p] = 0;
}

/* S-6.2: the binding's users reached 0: every uref is reset. */
static void m_reclaim(struct model *m)
{
	uint32_t p;

	for (p = 0; p < M_PAGES; p++) {
		m->uref[p] = 0;
		m_held_clear(m, p, false);
	}
}

static void m_users_put(struct model *m)
{
	m_expect_true(m, "users > 0", m->users > 0);
	if (--m->users == 0)
		m_reclaim(m);
}

/* ---- the model's view of the whole host --------------------------------- */

/* No byte of the dma-buf is held by the user or queued on a socket. */
static bool m_nothing_held(const struct model *m)
{
	unsigned int i, p;

	for (i = 0; i < m->nsocks; i++)
		if (m->s[i].devmem_q || m->s[i].nr_ids)
			return false;
	for (p = 0; p < M_PAGES; p++)
		if (m->uref[p])
			return false;
	return true;
}

/*
 * S-3.4 / S-6.5: the binding (and so the mode) lives while it is bound, a
 * socket joined it, or a page of it is held by a token, a uref or a
 * queued skb.
 */
static int m_expected_mode(const struct model *m)
{
	if (m->bound || m->users > 0 || !m_nothing_held(m))
		return m->mode;
	return -1;
}

static void m_check(struct model *m)
{
	char report[256];

	if (dml_host_check(m->dp->f->host, report, sizeof(report)))
		fail_msg("seed %" PRIu64 " autorelease=%d step %u: invariant checker: %s",
			 m->seed, m->mode, m->step, report);
	m_expect(m, "dml_host_autorelease_mode()",
		 dml_host_autorelease_mode(m->dp->f->host), m_expected_mode(m));
}

/* ---- sockets ------------------------------------------------------------- */

static struct dml_wire_flow_config m_flow_config(struct model *m, uint32_t *mss)
{
	struct dml_wire_flow_config cfg = dp_flow_config(m->next_port++);

	*mss = m_mss[m_rnd(m, 3)];
	cfg.mss = *mss;
	return cfg;
}

/* A new connection from the wire and its accepted socket (S-6.4: a blank one). */
static void m_open(struct model *m, struct m_sock *s)
{
	struct dml_wire_flow_config cfg = m_flow_config(m, &s->mss);

	assert_ok(dml_wire_connect(m->dp->f->dev, &cfg, &s->flow));
	assert_ok(dml_accept(m->dp->listener, SOCK_NONBLOCK, &s->sk));
}

/* close(): S-6.1 returns the tokens, S-6.2 leaves the binding. */
static void m_close(struct model *m, struct m_sock *s)
{
	uint32_t i;

	if (m_rnd(m, 2)) {
		dml_close(s->sk);
		dml_wire_close(s->flow);
	} else {
		dml_wire_close(s->flow);
		dml_close(s->sk);
	}
	for (i = 0; i < s->nr_ids; i++)
		s->tok[s->ids[i]].held = false;
	for (i = 0; m->holder_returns && i < M_PAGES; i++) {
		if (!s->own[i])
			continue;
		m->uref[i] -= s->own[i];
		if (m->uref[i] == 0)
			m_held_clear(m, i, true);
	}
	free(s->tok);
	free(s->ids);
	if (s->joined)
		m_users_put(m);
	memset(s, 0, sizeof(*s));
	m->closes++;
}

/* ---- operations --------------------------------------------------------- */

/* The peer sends a random length; the NIC takes what the ring has room for. */
static void m_deliver(struct model *m, struct m_sock *s)
{
	size_t len = m_rnd(m, 4) ? 1 + m_rnd(m, M_MAX_LEN) : 1 + m_rnd(m, 300);
	bool nothing_held = m_nothing_held(m);
	ssize_t n;

	n = dml_wire_send(s->flow, m_pattern_at(m, s->sent), len);
	if (!m->bound) {
		/* S-3.2: back on host memory, which never runs dry */
		m_expect(m, "dml_wire_send() after unbind", n, (long long)len);
	} else if (n == -ENOBUFS) {
		/* S-2.3: only a ring the user keeps dry stalls */
		m_expect_true(m, "-ENOBUFS only while the user holds buffers",
			      !nothing_held);
		m->stalls++;
		return;
	} else {
		m_expect_true(m, "0 < dml_wire_send() <= len", n > 0 && (size_t)n <= len);
		/* a stall cuts between segments, never inside one */
		m_expect_true(m, "short send ends on a segment",
			      (size_t)n == len || n % s->mss == 0);
		if (nothing_held)
			m_expect(m, "dml_wire_send() with the whole dma-buf free",
				 n, (long long)len);
		if ((size_t)n < len)
			m->stalls++;
	}
	s->sent += (uint64_t)n;
	if (m->bound)
		s->devmem_q += (uint64_t)n;
	else
		s->host_q += (uint64_t)n;
	m->delivered += (uint64_t)n;
}

/* One DMABUF cmsg: checked, validated, and entered in the model. */
static void m_recv_frag(struct model *m, struct m_sock *s,
			const struct dmabuf_cmsg *c, uint64_t pos)
{
	struct m_range r = {
		.page = (uint32_t)(c->frag_offset / DML_PAGE_SIZE),
		.off = (uint32_t)(c->frag_offset % DML_PAGE_SIZE),
		.size = c->frag_size,
		.pos = pos,
	};
	unsigned int i;
	uint32_t k;

	/* S-4.3 */
	m_expect(m, "dmabuf_id", c->dmabuf_id, m->dp->binding_id);
	m_expect(m, "flags", c->flags, 0);
	m_expect_true(m, "frag inside one page of the dma-buf",
		      c->frag_size > 0 && r.page < M_PAGES &&
		      r.off + c->frag_size <= DML_PAGE_SIZE);
	m_validate(m, m->dp->map + c->frag_offset, c->frag_size, pos, "frag");

	/* the NIC wrote no byte the user still holds */
	if (m->mode == 1) {
		for (i = 0; i < m->nsocks; i++)
			for (k = 0; k < m->s[i].nr_ids; k++)
				m_expect_true(m, "frag overlaps a held token",
					      !m_overlap(&m->s[i].tok[m->s[i].ids[k]].r,
							 r.page, r.off, r.size));
		/* S-4.4: lowest free id */
		m_expect(m, "frag_token", c->frag_token, m_tok_lowest_free(s));
		m_tok_add(s, c->frag_token, &r);
	} else {
		for (k = 0; k < m->nr_held[r.page]; k++)
			m_expect_true(m, "frag overlaps held bytes of its page",
				      !m_overlap(&m->held[r.page][k], r.page, r.off,
						 r.size));
		/* S-4.5: the token is the page */
		m_expect(m, "frag_token", c->frag_token, r.page);
		m->uref[r.page]++;
		s->own[r.page]++;
		m_held_add(m, &r);
		if (s->nr_got < M_MAX_GOT)
			s->got[s->nr_got++] = c->frag_token;
	}
	m->tokens++;
}

/*
 * recvmsg with a random iovec (1 to 4 pieces, 1 B to 64 KiB in all) and
 * room for 0 to 64 cmsgs, sometimes not a whole number of them.
 */
static void m_recv(struct model *m, struct m_sock *s)
{
	size_t len = m_rnd(m, 4) ? 1 + m_rnd(m, M_MAX_LEN) : 1 + m_rnd(m, 5000);
	uint32_t k = m_rnd(m, M_MAX_ROOM + 1);
	size_t room = k * M_SPACE + (m_rnd(m, 4) ? 0 : m_rnd(m, M_SPACE));
	int flags = MSG_DONTWAIT | (m_rnd(m, 10) ? MSG_SOCK_DEVMEM : 0);
	struct iovec iov[4];
	struct msghdr msg = { .msg_iov = iov };
	size_t left = len, off = 0, n = 0, sum = 0, cap;
	uint64_t queued = s->devmem_q + s->host_q;
	struct cmsghdr *cm;
	ssize_t ret;

	/* S-4.5: the first frag joins; keep the cmsg room out of that moment */
	if (m->mode == 0 && !s->joined && s->devmem_q && room < M_SPACE)
		room = M_SPACE;
	k = (uint32_t)(room / M_SPACE);
	msg.msg_iovlen = 1 + m_rnd(m, 4);
	for (size_t i = 0; i < msg.msg_iovlen; i++) {
		size_t piece = i + 1 == msg.msg_iovlen ? left : m_rnd(m, (uint32_t)left + 1);

		iov[i].iov_base = m->iov + off;
		iov[i].iov_len = piece;
		off += piece;
		left -= piece;
	}
	msg.msg_control = room || m_rnd(m, 2) ? m->ctrl : NULL;
	msg.msg_controllen = room;

	ret = dml_recvmsg(s->sk, &msg, flags);
	if (!queued) {
		m_expect(m, "recvmsg() on an empty queue", ret, -EAGAIN);
		return;
	}
	if (!s->devmem_q) {
		/* S-4.2: host memory is copied, with or without the flag, no cmsg */
		cap = len < s->host_q ? len : (size_t)s->host_q;
		m_expect(m, "recvmsg() of host memory", ret, (long long)cap);
		m_expect(m, "msg_controllen of a host read", (long long)msg.msg_controllen, 0);
		m_validate(m, m->iov, cap, s->rd, "host bytes");
		s->rd += cap;
		s->host_q -= cap;
		m->host_reads++;
		return;
	}
	if (!(flags & MSG_SOCK_DEVMEM)) {
		m_expect(m, "recvmsg() of devmem without MSG_SOCK_DEVMEM", ret, -EFAULT);
		return;
	}
	if (m->mode == 0 && !s->joined) {
		if (m->users == 0) {
			/* S-4.5, S-6.3: unbound and drained */
			m_expect(m, "recvmsg() after the binding's users are gone",
				 ret, -ENODEV);
			m->enodev++;
			return;
		}
		s->joined = true;
		if (!m->bound)
			m->late_joins++;
		m->users++;
	}
	if (!k) {
		/* S-4.6 */
		m_expect(m, "recvmsg() with no room for a cmsg", ret, -ETOOSMALL);
		return;
	}
	cap = len < s->devmem_q ? len : (size_t)s->devmem_q;
	m_expect_true(m, "0 < recvmsg() <= min(iovec, devmem queued)",
		      ret > 0 && (size_t)ret <= cap);
	for (cm = CMSG_FIRSTHDR(&msg); cm; cm = CMSG_NXTHDR(&msg, cm)) {
		struct dmabuf_cmsg c;

		m_expect(m, "cmsg_level", cm->cmsg_level, SOL_SOCKET);
		m_expect(m, "cmsg_len", (long long)cm->cmsg_len,
			 (long long)CMSG_LEN(sizeof(c)));
		/* no linear payload in these flows: only DMABUF cmsgs */
		m_expect(m, "cmsg_type", cm->cmsg_type, SCM_DEVMEM_DMABUF);
		memcpy(&c, CMSG_DATA(cm), sizeof(c));
		m_recv_frag(m, s, &c, s->rd + sum);
		sum += c.frag_size;
		n++;
	}
	m_expect(m, "sum of frag_size", (long long)sum, ret);
	m_expect_true(m, "cmsgs fit the room", n <= k);
	/* the call stops short only when the cmsg buffer is full (S-4.6) */
	m_expect_true(m, "short read with room left", (size_t)ret == cap || n == k);
	s->rd += (uint64_t)ret;
	s->devmem_q -= (uint64_t)ret;
	m->devmem_reads++;
}

/* A token some socket other than @s holds, or a random small one. */
static uint32_t m_foreign_token(struct model *m, const struct m_sock *s)
{
	const struct m_sock *o = &m->s[m_rnd(m, m->nsocks)];

	if (o == s && m->nsocks > 1)
		o = &m->s[(unsigned int)(o - m->s + 1) % m->nsocks];
	if (m->mode == 1 && o->nr_ids)
		return o->ids[m_rnd(m, o->nr_ids)];
	if (m->mode == 0 && o->nr_got)
		return o->got[m_rnd(m, o->nr_got)];
	return m_rnd(m, 8);
}

/* A token @s holds (or once held), or a random small one. */
static uint32_t m_own_token(struct model *m, const struct m_sock *s)
{
	if (m->mode == 1 && s->nr_ids)
		return s->ids[m_rnd(m, s->nr_ids)];
	if (m->mode == 0 && s->nr_got)
		return s->got[m_rnd(m, s->nr_got)];
	return m_rnd(m, 8);
}

/* A plausible upper end of the ids in use, for random ranges. */
static uint32_t m_id_span(const struct model *m)
{
	uint32_t span = m->mode == 0 ? M_PAGES : 8;
	unsigned int i;

	for (i = 0; m->mode == 1 && i < m->nsocks; i++)
		if (m->s[i].cap > span)
			span = m->s[i].cap;
	return span + 8;
}

/*
 * The host's mode key: the binding's mode while it lives, else the
 * default, manual (S-3.4, S-3.5; v10 disables its static key when the
 * last RX binding is freed).
 */
static int m_key(const struct model *m)
{
	return m_expected_mode(m) < 0 ? 0 : m->mode;
}

/*
 * S-5.2 and S-5.4, stated on their own: the frags a call looks at are the
 * entries' tokens in order, except that in autorelease = 0 an entry ends,
 * uncounted, at its first token past the pages (v10); the call acts on the
 * first 1024 of them and no more.  Writes up to that many ids to @ids and
 * returns how many.
 */
static unsigned int m_frags_looked_at(const struct dmabuf_token *t, unsigned int nr,
				      int key, uint32_t *ids)
{
	unsigned int i, n = 0;
	uint32_t j;

	for (i = 0; i < nr; i++) {
		for (j = 0; j < t[i].token_count && n < DML_MAX_DONTNEED_FRAGS; j++) {
			uint32_t id = t[i].token_start + j;

			if (key == 0 && id >= M_PAGES)
				break;
			ids[n++] = id;
		}
	}
	return n;
}

/*
 * What SO_DEVMEM_DONTNEED must return, applied to the model: S-5.1 (optlen;
 * 0 is valid but still reaches the not-joined rule), S-5.2, S-5.3
 * (autorelease = 1: erase what the socket holds, skip the rest, u32 wrap
 * harmless), S-5.4 (autorelease = 0: EINVAL before joining, only real
 * decrements count), S-5.5 (any joined socket returns any page) or, for a
 * holder_returns design, X-2.4 / X-3.2 (only what this socket holds).  The path
 * taken is the host's key, not the run's mode: once the binding is freed a
 * socket of an autorelease = 1 run is a manual one that never joined.
 */
static long m_apply_dontneed(struct model *m, struct m_sock *s,
			     const struct dmabuf_token *t, socklen_t optlen)
{
	static uint32_t ids[DML_MAX_DONTNEED_FRAGS];
	int key = m_key(m);
	unsigned int i, n;
	long released = 0;

	if (optlen % sizeof(*t) || optlen > DML_MAX_DONTNEED_TOKENS * sizeof(*t))
		return -EINVAL;
	if (key == 0 && !s->joined)
		return -EINVAL;
	n = m_frags_looked_at(t, optlen / sizeof(*t), key, ids);
	for (i = 0; i < n; i++) {
		if (key == 1) {
			if (!m_tok_held(s, ids[i]))
				continue;
			m_tok_del(m, s, ids[i]);
			released++;
		} else if (m->holder_returns ? s->own[ids[i]] : m->uref[ids[i]]) {
			if (m->holder_returns)
				s->own[ids[i]]--;
			if (--m->uref[ids[i]] == 0)
				m_held_clear(m, ids[i], true);
			released++;
		}
	}
	return released;
}

static void m_do_dontneed(struct model *m, struct m_sock *s,
			  const struct dmabuf_token *t, socklen_t optlen)
{
	long want = m_apply_dontneed(m, s, t, optlen);
	int got = dml_setsockopt(s->sk, SOL_SOCKET, SO_DEVMEM_DONTNEED, t, optlen);

	m_expect(m, "SO_DEVMEM_DONTNEED", got, want);
	if (got > 0)
		m->released += (unsigned long)got;
}

/* One entry of a random kind. */
static struct dmabuf_token m_entry(struct model *m, const struct m_sock *s,
				   const struct dmabuf_token *prev, unsigned int nr)
{
	struct dmabuf_token e = { .token_count = 1 };

	switch (m_rnd(m, 10)) {
	case 0:
	case 1:
	case 2:		/* a token the socket holds */
		e.token_start = m_own_token(m, s);
		break;
	case 3:		/* a repeat of an earlier entry */
		if (nr)
			e = prev[m_rnd(m, nr)];
		else
			e.token_start = m_own_token(m, s);
		break;
	case 4:		/* out of range */
		e.token_start = m_rnd(m, 2) ? M_PAGES + m_rnd(m, 1000)
					    : UINT32_MAX - m_rnd(m, 4);
		e.token_count = 1 + m_rnd(m, 4);
		break;
	case 5:		/* another socket's token */
		e.token_start = m_foreign_token(m, s);
		break;
	case 6:		/* token 0 */
		e.token_start = 0;
		e.token_count = m_rnd(m, 3);
		break;
	case 7:		/* a range wrapping around the u32 */
		e.token_start = UINT32_MAX - m_rnd(m, 8);
		e.token_count = 1 + m_rnd(m, 16);
		break;
	default:	/* a random range, sometimes past the frag limit */
		e.token_start = m_rnd(m, m_id_span(m));
		e.token_count = m_rnd(m, 8) ? m_rnd(m, 40) : m_rnd(m, 1500);
		break;
	}
	return e;
}

/*
 * autorelease = 0: entries that count about 1016 to 1031 frags and release
 * nothing, over the longest run of pages whose uref is 0 (a token past the
 * pages would end its entry after one frag).  Without such a run, whole
 * passes over the pages, which release what they meet.
 */
static void m_burn_frags(struct model *m, struct dmabuf_token *t, unsigned int *nr)
{
	uint32_t target = 1016 + m_rnd(m, 16), p, start = 0, len = 0, run = 0;

	for (p = 0; p < M_PAGES; p++) {
		run = m->uref[p] ? 0 : run + 1;
		if (run > len) {
			len = run;
			start = p + 1 - run;
		}
	}
	*nr = 0;
	if (len < 9) {
		while (target >= M_PAGES) {
			t[(*nr)++] = (struct dmabuf_token){ 0, M_PAGES };
			target -= M_PAGES;
		}
		start = 0;
		len = M_PAGES;
	}
	for (; target; target -= t[(*nr)++].token_count)
		t[*nr] = (struct dmabuf_token){ start, target < len ? target : len };
}

static void m_dontneed(struct model *m, struct m_sock *s)
{
	struct dmabuf_token t[M_MAX_ENTRIES];
	unsigned int nr, i, kind = m_rnd(m, 20);
	socklen_t optlen;

	if (kind == 0)
		nr = 0;
	else if (kind == 1)
		nr = DML_MAX_DONTNEED_TOKENS + 1;	/* too many: EINVAL */
	else if (kind < 4)
		nr = 1 + m_rnd(m, DML_MAX_DONTNEED_TOKENS);
	else
		nr = 1 + m_rnd(m, 8);
	for (i = 0; i < nr; i++)
		t[i] = m_entry(m, s, t, i);
	if (kind == 4) {
		/*
		 * S-5.2: the first entries use up (nearly) 1024 frags, so the
		 * tokens after them are just inside or just past the limit.
		 */
		if (m->mode == 1) {
			t[0] = (struct dmabuf_token){ m_id_span(m) + m_rnd(m, 100),
						      1016 + m_rnd(m, 16) };
			nr = 1;
		} else {
			m_burn_frags(m, t, &nr);
			/* entries that end at once: none of them counts (v10) */
			for (i = m_rnd(m, 5); i; i--, nr++)
				t[nr] = (struct dmabuf_token){ M_PAGES + m_rnd(m, 100),
							       1 + m_rnd(m, 4) };
		}
		for (i = 0; i < 8; i++, nr++)
			t[nr] = (struct dmabuf_token){ m_own_token(m, s), 1 };
	}
	optlen = (socklen_t)(nr * sizeof(t[0]));
	if (kind == 2 && nr)
		optlen -= 1 + m_rnd(m, sizeof(t[0]) - 1);	/* not whole entries */
	m_do_dontneed(m, s, t, optlen);
}

/*
 * ncdevmem's return: every token the socket received, {token, 1} each.  In
 * autorelease = 0 sometimes every outstanding uref of the binding instead,
 * which any joined socket may do (S-5.5).
 */
static void m_return_all(struct model *m, struct m_sock *s)
{
	struct dmabuf_token t[DML_MAX_DONTNEED_TOKENS];
	unsigned int nr = 0, p;
	uint32_t i, r;

	if (m->mode == 1) {
		while (s->nr_ids) {
			for (nr = 0; nr < s->nr_ids && nr < DML_MAX_DONTNEED_TOKENS; nr++)
				t[nr] = (struct dmabuf_token){ s->ids[nr], 1 };
			m_do_dontneed(m, s, t, (socklen_t)(nr * sizeof(t[0])));
		}
		return;
	}
	if (m_rnd(m, 3)) {
		for (i = 0; i < s->nr_got; i++) {
			t[nr++] = (struct dmabuf_token){ s->got[i], 1 };
			if (nr == DML_MAX_DONTNEED_TOKENS || i + 1 == s->nr_got) {
				m_do_dontneed(m, s, t, (socklen_t)(nr * sizeof(t[0])));
				nr = 0;
			}
		}
		s->nr_got = 0;
		return;
	}
	for (p = 0; p < M_PAGES; p++) {
		for (r = m->uref[p]; r; r--) {
			t[nr++] = (struct dmabuf_token){ p, 1 };
			if (nr == DML_MAX_DONTNEED_TOKENS) {
				m_do_dontneed(m, s, t, (socklen_t)(nr * sizeof(t[0])));
				nr = 0;
			}
		}
	}
	if (nr)
		m_do_dontneed(m, s, t, (socklen_t)(nr * sizeof(t[0])));
}

/* The netlink socket goes (S-3.3); the queue restarts on host memory (S-3.2). */
static void m_unbind(struct model *m)
{
	struct dml_rxq_info info;

	dp_unbind(m->dp);
	m->bound = false;
	if (m->mode == 0)
		m_users_put(m);
	assert_ok(dml_netdev_rxq_info(m->dp->f->dev, DP_QUEUE, &info));
	m_expect(m, "rxq dmabuf_id after unbind", info.dmabuf_id, 0);
}

/*
 * The unbind step.  A third of the time one fresh connection, a third of
 * the time every connection, first gets data it has not read yet: the
 * selftest's unbind-before-recv (ENODEV once no joined socket is left, a
 * late join while one is, S-4.5, S-6.3).
 */
static void m_unbind_step(struct model *m, struct m_sock *s)
{
	uint32_t how = m_rnd(m, 3);
	unsigned int i;

	for (i = 0; how && i < m->nsocks; i++) {
		struct m_sock *o = &m->s[i];

		if (how == 1 && o != s)
			continue;
		m_close(m, o);
		m_open(m, o);
		m_check(m);
		m_deliver(m, o);
		m_check(m);
	}
	m_unbind(m);
}

/* ---- a run --------------------------------------------------------------- */

static int m_setup(void **state)
{
	const struct m_case *mc = *state;
	struct model *m = calloc(1, sizeof(*m));
	struct dml_wire_flow_config cfg;
	uint64_t i;

	if (!m)
		return -1;
	m->mode = mc->mode;
	m->holder_returns = dp_rules(mc->mode)->holder_returns;
	m->seed = mc->seed;
	m->rng = mc->seed;
	m->steps = mc->steps;
	m->nsocks = 1 + (unsigned int)(mc->seed % M_MAX_SOCKS);
	/* after a quarter of the run at the earliest; a fifth never unbind */
	m->unbind_at = m->steps / 4 + m_rnd(m, m->steps);
	m->next_port = 42000;
	for (i = 0; i < sizeof(m->pattern); i++)
		m->pattern[i] = dp_pattern(i);
	printf("# seed %" PRIu64 " autorelease=%d sockets=%u steps=%u unbind_at=%u\n",
	       m->seed, m->mode, m->nsocks, m->steps, m->unbind_at);
	fflush(stdout);

	cfg = m_flow_config(m, &m->s[0].mss);
	if (dp_setup_cfg((void **)&m->dp, m->mode, M_PAGES, NULL, &cfg))
		return -1;
	m->bound = true;
	m->users = m->mode == 0 ? 1 : 0;	/* the bound queue */
	/* the fixture's connection is socket 0; the model closes it */
	m->s[0].sk = m->dp->sk;
	m->s[0].flow = m->dp->flow;
	m->dp->sk = NULL;
	m->dp->flow = NULL;
	*state = m;
	return 0;
}

static int m_teardown(void **state)
{
	struct model *m = *state;
	unsigned int i, p;
	int ret;

	for (i = 0; i < m->nsocks; i++) {
		dml_close(m->s[i].sk);
		dml_wire_close(m->s[i].flow);
		free(m->s[i].tok);
		free(m->s[i].ids);
	}
	for (p = 0; p < M_PAGES; p++)
		free(m->held[p]);
	ret = dp_teardown((void **)&m->dp);
	free(m);
	return ret;
}

static void m_run(void **state)
{
	struct model *m = *state;
	unsigned int i;

	for (i = 1; i < m->nsocks; i++)
		m_open(m, &m->s[i]);
	m_check(m);
	for (m->step = 0; m->step < m->steps; m->step++) {
		struct m_sock *s = &m->s[m_rnd(m, m->nsocks)];
		uint32_t op = m_rnd(m, 100);

		if (m->step == m->unbind_at) {
			m_unbind_step(m, s);
		}
		else if (op < 30)
			m_deliver(m, s);
		else if (op < 65)
			m_recv(m, s);
		else if (op < 88)
			m_dontneed(m, s);
		else if (op < 97)
			m_return_all(m, s);
		else {
			m_close(m, s);
			m_open(m, s);
		}
		m_check(m);
	}

	/* The end: everything closes, and the binding and its mode go (S-6.5). */
	if (m->bound)
		m_unbind(m);
	m_check(m);
	for (i = 0; i < m->nsocks; i++) {
		m_close(m, &m->s[i]);
		m_check(m);
	}
	m_expect(m, "mode once everything is closed",
		 dml_host_autorelease_mode(m->dp->f->host), -1);
	printf("# delivered %lu B (%lu stalls), reads %lu devmem + %lu host, "
	       "tokens %lu, released %lu, ENODEV %lu, late joins %lu, closes %lu\n",
	       m->delivered, m->stalls, m->devmem_reads, m->host_reads, m->tokens,
	       m->released, m->enodev, m->late_joins, m->closes);
	/* a run that never moved data through the dma-buf proves nothing */
	assert_true(m->devmem_reads > 0 && m->released > 0);
}

static uint64_t m_env_u64(const char *name, bool *set)
{
	const char *v = getenv(name);
	char *end;
	unsigned long long n;

	*set = false;
	if (!v || !*v)
		return 0;
	n = strtoull(v, &end, 0);
	if (*end) {
		fprintf(stderr, "%s=%s: not a number\n", name, v);
		exit(1);
	}
	*set = true;
	return n;
}

int main(void)
{
	static struct m_case cases[2 * M_SEEDS];
	static char names[2 * M_SEEDS][64];
	struct CMUnitTest tests[2 * M_SEEDS];
	bool seed_set, steps_set;
	uint64_t seed = m_env_u64("DML_MODEL_SEED", &seed_set);
	uint64_t steps = m_env_u64("DML_MODEL_STEPS", &steps_set);
	unsigned int seeds = seed_set ? 1 : M_SEEDS, n = 0, mode, k;
	struct timespec now;

	if (!seed_set) {
		clock_gettime(CLOCK_REALTIME, &now);
		seed = ((uint64_t)now.tv_sec * 1000000007ull) ^ (uint64_t)now.tv_nsec ^
		       ((uint64_t)getpid() << 32);
		seed %= 1000000000000ull;
	}
	if (!steps_set || !steps)
		steps = M_STEPS;
	for (mode = 0; mode < 2; mode++) {
		for (k = 0; k < seeds; k++, n++) {
			cases[n] = (struct m_case){
				.mode = (int)mode,
				.seed = seed + k,
				.steps = (unsigned int)steps,
			};
			snprintf(names[n], sizeof(names[n]), "model/autorelease=%u/seed=%" PRIu64,
				 mode, seed + k);
			tests[n] = (struct CMUnitTest){
				.name = names[n],
				.test_func = m_run,
				.setup_func = m_setup,
				.teardown_func = m_teardown,
				.initial_state = &cases[n],
			};
		}
	}
	return dp_run_every_design(__FILE__, tests, n);
}
