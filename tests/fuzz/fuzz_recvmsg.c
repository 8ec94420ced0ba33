// SPDX-License-Identifier: MIT
/*
 * recvmsg(MSG_SOCK_DEVMEM) with arbitrary segments, iovecs, cmsg room and
 * flags (S-2.3, S-4, S-7.2).  One host per token design, built once.  Per
 * input a fresh connection, its segmentation chosen by the input, then a
 * sequence of sends, reads, token returns and a FIN, then every token is
 * returned and the socket closed.
 *
 * Input, read in order (missing bytes read as 0):
 *   u8   design (modulo the number of designs)
 *   u8   bit 0: flow steered to a host-memory queue; bits 2-6: gro_segs
 *   u16  mss, u16 linear_head, u16 hds_thresh (connect refuses bad ones)
 *   then up to MAX_OPS operations, each a u8 whose low 2 bits are:
 *   0    send: u16 length (& 0x1fff) of pattern bytes
 *   1    read:
 *        u8   flags: bit 0 MSG_SOCK_DEVMEM, bit 1 MSG_WAITALL, bit 2 a bad
 *             flag (MSG_PEEK, or MSG_OOB with bit 3), bit 4 a NULL
 *             msg_iov, bit 5 a NULL iov_base, bit 6 NULL msg_control with
 *             room, bit 7 an iovec of 0 first (MSG_DONTWAIT is always set)
 *        u8   iovecs (& 7), then per iovec a u16 length (& 0x1fff)
 *        u16  cmsg room (& 0x7ff): 0, tiny, unaligned, room for a few
 *   2    return every token held
 *   3    FIN (once; later ones return tokens)
 *
 * Every buffer is allocated at its exact size so ASan sees any overrun.
 * Each read is checked against the spec: the result, the cmsgs (whole,
 * well-formed, no truncation, S-4.6), where their bytes are (the iovec for
 * linear bytes and host memory, the dma-buf for frags, S-4.3) and that the
 * stream arrives in order with the bytes that were sent.  The dma-buf is
 * small, so held tokens and unread data stall the NIC; once everything is
 * read and returned a send must go through whole (S-2.3).  At the end the
 * tokens returned must be exactly the frags delivered (S-4.7).
 */
#include "fuzz_common.h"

#define PAGES		16
#define RING		8
#define MAX_OPS		16
#define MAX_IOVS	7
#define MAX_TOKENS	4096
#define CMSG_SZ		CMSG_SPACE(sizeof(struct dmabuf_cmsg))
#define CANARY		0xa5

static struct fuzz_dp dps[FUZZ_MAX_DESIGNS];
static size_t nr_dps;
static unsigned char pattern[MAX_IOVS * 0x2000 + 7];

static unsigned char pattern_at(uint64_t pos)
{
	/* ncdevmem -v 7: bytes 1..6 then '\n' */
	return pos % 7 == 6 ? '\n' : (unsigned char)(pos % 7 + 1);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	size_t i;

	(void)argc;
	(void)argv;
	for (i = 0; i < sizeof(pattern); i++)
		pattern[i] = pattern_at(i);
	nr_dps = fuzz_dp_setup_all(dps, PAGES, RING);
	return 0;
}

struct conn {
	struct fuzz_dp *dp;
	struct dml_sock *sk;
	uint64_t sent;		/* stream bytes the NIC took */
	uint64_t read;		/* stream bytes recvmsg delivered */
	bool fin;
	bool joined;		/* autorelease = 0: a frag was delivered */
	size_t frags;		/* DMABUF cmsgs delivered */
	size_t returned;	/* frags released by DONTNEED */
	size_t nr_tokens;	/* held, not yet returned */
	uint32_t tokens[MAX_TOKENS];
};

static void return_tokens(struct conn *c)
{
	size_t i;

	for (i = 0; i < c->nr_tokens; i++) {
		int n = fuzz_dontneed(c->sk, c->tokens[i], 1);

		/* One cmsg, one release: a page's uref counts each of its frags. */
		FUZZ_CHECK(n == 1);
		c->returned += (size_t)n;
	}
	c->nr_tokens = 0;
}

/* Compares @n delivered bytes at @src with the stream from c->read. */
static void check_bytes(struct conn *c, const unsigned char *src, size_t n)
{
	FUZZ_CHECK(n <= sizeof(pattern) - 7);
	FUZZ_CHECK(memcmp(src, pattern + c->read % 7, n) == 0);
	c->read += n;
}

/* Bytes copied to the iovec, in order, as one run. */
struct iov_reader {
	const struct iovec *iov;
	size_t nr;
	unsigned char *flat;
	size_t flat_len;
};

static void flatten(struct iov_reader *r, size_t total)
{
	size_t k, at = 0;

	for (k = 0; k < r->nr && at < total; k++) {
		size_t take = r->iov[k].iov_len < total - at ? r->iov[k].iov_len : total - at;

		if (take)
			memcpy(r->flat + at, r->iov[k].iov_base, take);
		at += take;
	}
	r->flat_len = at;
}

static void check_read(struct conn *c, struct msghdr *msg, size_t room,
		       size_t given, size_t iov_total, int flags, ssize_t ret)
{
	static unsigned char flat[MAX_IOVS * 0x2000];
	struct iov_reader r = { .iov = msg->msg_iov, .nr = msg->msg_iovlen, .flat = flat };
	const struct fuzz_dp *dp = c->dp;
	size_t linear = 0, devmem = 0, lin_at = 0, ncm = 0;
	struct cmsghdr *cm;

	if (ret <= 0) {
		size_t k;

		FUZZ_CHECK(ret == 0 || ret == -EAGAIN || ret == -EFAULT || ret == -ETOOSMALL);
		/*
		 * Nothing delivered, no cmsg written.  An error leaves the
		 * header as given (the kernel writes it back only on
		 * success); a 0-byte read reports no cmsg bytes.
		 */
		FUZZ_CHECK(msg->msg_controllen == (ret ? given : 0));
		for (k = 0; k < room; k++)
			FUZZ_CHECK(((const unsigned char *)msg->msg_control)[k] == CANARY);
		if (ret == -ETOOSMALL)	/* S-4.6: only when not even one cmsg fits */
			FUZZ_CHECK(!msg->msg_control || room < CMSG_SZ);
		if (ret == -EFAULT)	/* devmem data needs MSG_SOCK_DEVMEM */
			FUZZ_CHECK(!(flags & MSG_SOCK_DEVMEM));
		if (ret == 0)		/* EOF, or no room to read into */
			FUZZ_CHECK(iov_total == 0 || (c->fin && c->read == c->sent));
		if (ret == -EAGAIN)
			FUZZ_CHECK(c->read == c->sent && !c->fin);
		return;
	}
	FUZZ_CHECK((size_t)ret <= iov_total);
	FUZZ_CHECK(c->read + (uint64_t)ret <= c->sent);
	/* S-4.6: whole cmsgs only, inside the room given. */
	FUZZ_CHECK(msg->msg_controllen <= room);
	FUZZ_CHECK(msg->msg_controllen % CMSG_SZ == 0);
	FUZZ_CHECK(msg->msg_flags == 0);
	if (msg->msg_controllen)
		FUZZ_CHECK(flags & MSG_SOCK_DEVMEM);

	flatten(&r, (size_t)ret);
	for (cm = CMSG_FIRSTHDR(msg); cm; cm = CMSG_NXTHDR(msg, cm)) {
		struct dmabuf_cmsg d;

		FUZZ_CHECK(cm->cmsg_level == SOL_SOCKET);
		FUZZ_CHECK(cm->cmsg_len == CMSG_LEN(sizeof(d)));
		memcpy(&d, CMSG_DATA(cm), sizeof(d));
		FUZZ_CHECK(d.flags == 0 && d.frag_size > 0);
		ncm++;
		if (cm->cmsg_type == SCM_DEVMEM_LINEAR) {
			/* S-4.3: only the size; the bytes are in the iovec. */
			FUZZ_CHECK(d.frag_offset == 0 && d.frag_token == 0 && d.dmabuf_id == 0);
			FUZZ_CHECK(lin_at + d.frag_size <= r.flat_len);
			check_bytes(c, flat + lin_at, d.frag_size);
			lin_at += d.frag_size;
			linear += d.frag_size;
			continue;
		}
		FUZZ_CHECK(cm->cmsg_type == SCM_DEVMEM_DMABUF);
		FUZZ_CHECK(d.dmabuf_id == dp->binding_id);
		/* A frag lies in one page of the dma-buf. */
		FUZZ_CHECK(d.frag_offset + d.frag_size <= dp->pages * DML_PAGE_SIZE);
		FUZZ_CHECK(d.frag_offset % DML_PAGE_SIZE + d.frag_size <= DML_PAGE_SIZE);
		if (dp->mode == 0)
			FUZZ_CHECK(d.frag_token == d.frag_offset / DML_PAGE_SIZE);
		else
			FUZZ_CHECK(d.frag_token != 0 && d.frag_token <= INT32_MAX);
		check_bytes(c, dp->map + d.frag_offset, d.frag_size);
		devmem += d.frag_size;
		FUZZ_CHECK(c->nr_tokens < MAX_TOKENS);
		c->tokens[c->nr_tokens++] = d.frag_token;
		c->frags++;
		c->joined = true;
	}
	FUZZ_CHECK(ncm * CMSG_SZ == msg->msg_controllen);
	if (ncm) {
		/* Devmem: the result counts linear and frag bytes; only linear ones were copied. */
		FUZZ_CHECK(linear + devmem == (size_t)ret);
	} else {
		/* Host memory, copied as usual (S-4.2). */
		check_bytes(c, flat, (size_t)ret);
	}
}

static void one_read(struct conn *c, struct fuzz_in *in)
{
	uint8_t f = fuzz_u8(in), nr_iov = fuzz_u8(in) & MAX_IOVS;
	struct iovec iov[MAX_IOVS + 1];
	struct msghdr msg = { 0 };
	size_t k, total = 0, room;
	int flags = MSG_DONTWAIT;
	bool bad_flags = false, bad_iov = false, null_base = false;
	void *ctrl = NULL;
	ssize_t ret;

	if (f & 1)
		flags |= MSG_SOCK_DEVMEM;
	if (f & 2)
		flags |= MSG_WAITALL;
	if (f & 4) {
		flags |= (f & 8) ? MSG_OOB : MSG_PEEK;
		bad_flags = true;
	}
	k = 0;
	if (f & 0x80)
		iov[k++] = (struct iovec){ .iov_base = NULL, .iov_len = 0 };
	for (; k < (size_t)nr_iov + ((f & 0x80) ? 1 : 0); k++) {
		size_t len = fuzz_u16(in) & 0x1fff;

		iov[k].iov_len = len;
		iov[k].iov_base = len ? malloc(len) : NULL;
		FUZZ_CHECK(!len || iov[k].iov_base);
		total += len;
	}
	msg.msg_iov = iov;
	msg.msg_iovlen = k;
	if ((f & 0x10) && k) {
		msg.msg_iov = NULL;
		bad_iov = true;
	}
	if ((f & 0x20) && k && iov[k - 1].iov_len) {
		free(iov[k - 1].iov_base);
		iov[k - 1].iov_base = NULL;
		null_base = true;
	}
	room = fuzz_u16(in) & 0x7ff;
	if (room && !(f & 0x40)) {
		ctrl = malloc(room);
		FUZZ_CHECK(ctrl);
		memset(ctrl, CANARY, room);
	}
	msg.msg_control = ctrl;
	msg.msg_controllen = room;

	ret = dml_recvmsg(c->sk, &msg, flags);
	if (bad_flags) {
		FUZZ_CHECK(ret == -EINVAL);
	} else if (bad_iov || null_base) {
		/* the iovec array cannot be copied in, or a base faults */
		FUZZ_CHECK(ret == -EFAULT);
	} else {
		check_read(c, &msg, ctrl ? room : 0, room, total, flags, ret);
	}
	free(ctrl);
	for (k = 0; k < msg.msg_iovlen; k++)
		free(iov[k].iov_base);
}

static void one_send(struct conn *c, struct dml_wire_flow *flow, size_t len)
{
	bool idle = c->read == c->sent && !c->nr_tokens;
	ssize_t n = dml_wire_send(flow, pattern + c->sent % 7, len);

	if (c->fin) {
		FUZZ_CHECK(n == -EPIPE);
		return;
	}
	/* An empty pool stalls the NIC: part or none, never more. */
	FUZZ_CHECK(n == -ENOBUFS || (n >= 0 && (size_t)n <= len));
	if (n == -ENOBUFS)
		FUZZ_CHECK(len > 0);
	/* Nothing unread, nothing held: the pool is full again (S-2.3). */
	if (idle)
		FUZZ_CHECK(n == (ssize_t)len);
	if (n > 0)
		c->sent += (uint64_t)n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct conn c;
	struct fuzz_in in = { .p = data, .left = size };
	struct dml_wire_flow_config cfg = { 0 };
	struct dml_wire_flow *flow;
	struct fuzz_dp *dp;
	uint8_t opts;
	int err, i;

	if (!nr_dps)
		return 0;
	dp = &dps[fuzz_u8(&in) % nr_dps];
	opts = fuzz_u8(&in);
	cfg.gro_segs = (opts >> 2) & 31;
	cfg.mss = fuzz_u16(&in);
	cfg.linear_head = fuzz_u16(&in);
	cfg.hds_thresh = fuzz_u16(&in);
	cfg.flow.src_port = (opts & 1) ? FUZZ_HOST_SPORT : 40000;

	err = fuzz_dp_connect(dp, &cfg, &flow, &c.sk);
	if (err) {
		uint32_t mss = cfg.mss ? cfg.mss : DML_PAGE_SIZE;

		/* Only a bad segmentation is refused. */
		FUZZ_CHECK(err == -EINVAL);
		FUZZ_CHECK(cfg.gro_segs > 17 || cfg.linear_head >= mss);
		return 0;
	}
	c.dp = dp;
	c.sent = c.read = 0;
	c.fin = false;
	c.joined = false;
	c.frags = c.returned = c.nr_tokens = 0;

	for (i = 0; i < MAX_OPS && in.left; i++) {
		uint8_t op = fuzz_u8(&in);

		switch (op & 3) {
		case 0:
			one_send(&c, flow, fuzz_u16(&in) & 0x1fff);
			break;
		case 1:
			one_read(&c, &in);
			break;
		case 3:
			if (!c.fin) {
				FUZZ_CHECK(dml_wire_shutdown(flow) == 0);
				c.fin = true;
				break;
			}
			/* fall through */
		case 2:
			return_tokens(&c);
			break;
		}
	}
	return_tokens(&c);
	/* S-4.7: every frag delivered was released exactly once. */
	FUZZ_CHECK(c.returned == c.frags);
	if (dp->mode == 1 || c.joined)
		FUZZ_CHECK(fuzz_dontneed(c.sk, 0, DML_MAX_DONTNEED_FRAGS) == 0);
	else
		FUZZ_CHECK(fuzz_dontneed(c.sk, 0, 1) == -EINVAL);
	/* With what is still queued; the next input sees what close left. */
	fuzz_check_host(dp->host);

	dml_wire_close(flow);
	dml_close(c.sk);
	FUZZ_CHECK(dml_host_warnings(dp->host) == 0);
	return 0;
}
