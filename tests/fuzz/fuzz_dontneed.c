// SPDX-License-Identifier: MIT
/*
 * SO_DEVMEM_DONTNEED with an arbitrary option value (S-5, S-7.2), against a
 * reference model of the spec.  One host per token design (so each mode,
 * and each design of a mode) is built once; per input a fresh connection
 * receives a fixed stream and keeps its tokens, then:
 *
 *   byte 0:       the design (modulo the number of designs)
 *   bytes 1 ...:  the option value, any length (also > 1024 bytes, not a
 *                 multiple of 8), passed with exactly that optlen
 *
 * The result must be -EINVAL for a bad optlen (S-5.1) and otherwise the
 * count the model releases: at most 1024 frags per call (S-5.2), unknown,
 * returned and wrapped tokens skipped in autorelease = 1 (S-5.3), a token
 * past the binding ending its entry and only real uref decrements counted
 * in autorelease = 0 (S-5.4).  Then every token still held is returned:
 * the two counts together must be exactly the frags delivered, a sweep of
 * every token must release nothing more, and the invariant checker and the
 * warning counter must be clean, so the host serves the next input.
 */
#include "fuzz_common.h"

#define PAGES		64
#define RING		32
#define STREAM		(24 * 1024)	/* 9 segments of 3000 bytes over 6 or 7 pages */
#define MAX_FRAGS	256

static struct fuzz_dp dps[FUZZ_MAX_DESIGNS];
static size_t nr_dps;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	nr_dps = fuzz_dp_setup_all(dps, PAGES, RING);
	return 0;
}

struct held {
	size_t n;			/* DMABUF cmsgs: frags delivered */
	uint32_t token[MAX_FRAGS];
	uint32_t uref[PAGES];		/* autorelease = 0: per page */
	bool live[MAX_FRAGS];		/* autorelease = 1: per cmsg */
};

/* Reads the whole stream with MSG_SOCK_DEVMEM, recording each token. */
static void receive_all(struct fuzz_dp *dp, struct dml_sock *sk, struct held *h)
{
	static unsigned char ctrl[MAX_FRAGS * CMSG_SPACE(sizeof(struct dmabuf_cmsg))];
	static unsigned char lin[STREAM];
	size_t got = 0, i;

	memset(h, 0, sizeof(*h));
	while (got < STREAM) {
		struct iovec iov = { .iov_base = lin, .iov_len = sizeof(lin) };
		struct msghdr msg = {
			.msg_iov = &iov,
			.msg_iovlen = 1,
			.msg_control = ctrl,
			.msg_controllen = sizeof(ctrl),
		};
		struct cmsghdr *cm;
		ssize_t n = dml_recvmsg(sk, &msg, MSG_SOCK_DEVMEM | MSG_DONTWAIT);

		FUZZ_CHECK(n > 0);
		got += (size_t)n;
		for (cm = CMSG_FIRSTHDR(&msg); cm; cm = CMSG_NXTHDR(&msg, cm)) {
			struct dmabuf_cmsg c;

			if (cm->cmsg_type != SCM_DEVMEM_DMABUF)
				continue;
			memcpy(&c, CMSG_DATA(cm), sizeof(c));
			FUZZ_CHECK(h->n < MAX_FRAGS);
			FUZZ_CHECK(c.dmabuf_id == dp->binding_id);
			h->token[h->n] = c.frag_token;
			h->live[h->n] = true;
			if (dp->mode == 0) {
				FUZZ_CHECK(c.frag_token == c.frag_offset / DML_PAGE_SIZE);
				FUZZ_CHECK(c.frag_token < PAGES);
				h->uref[c.frag_token]++;
			} else {
				/* Fresh ids: never 0, never one still held. */
				FUZZ_CHECK(c.frag_token != 0 && c.frag_token <= INT32_MAX);
				for (i = 0; i < h->n; i++)
					FUZZ_CHECK(h->token[i] != c.frag_token);
			}
			h->n++;
		}
	}
	FUZZ_CHECK(got == STREAM);
}

/* What the spec says DONTNEED releases; updates the model. */
static int model_release(const struct fuzz_dp *dp, struct held *h,
			 const struct dmabuf_token *t, size_t nr)
{
	unsigned int frags = 0;
	int released = 0;
	size_t i, k;
	uint32_t j;

	for (i = 0; i < nr; i++) {
		for (j = 0; j < t[i].token_count; j++) {
			uint32_t token = t[i].token_start + j;

			/* v10: a token past the pages ends its entry uncounted. */
			if (dp->mode == 0 && token >= dp->pages)
				break;
			if (++frags > DML_MAX_DONTNEED_FRAGS)
				return released;
			if (dp->mode == 0) {
				if (h->uref[token]) {
					h->uref[token]--;
					released++;
				}
				continue;
			}
			for (k = 0; k < h->n; k++) {
				if (h->live[k] && h->token[k] == token) {
					h->live[k] = false;
					released++;
					break;
				}
			}
		}
	}
	return released;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct dmabuf_token model_in[DML_MAX_DONTNEED_TOKENS];
	static struct held h;
	struct dml_wire_flow_config cfg = {
		.mss = 3000,
		.gro_segs = 3,
		.flags = DML_WIRE_DMA_ONLY,
	};
	struct dml_wire_flow *flow;
	struct dml_sock *sk;
	struct fuzz_dp *dp;
	const uint8_t *optval;
	socklen_t optlen;
	int ret, want, again;
	size_t i;

	if (!nr_dps || !size)
		return 0;
	if (size - 1 > 1u << 20)
		return -1;
	dp = &dps[data[0] % nr_dps];
	optval = data + 1;
	optlen = (socklen_t)(size - 1);
	cfg.flow.src_port = 40000;

	FUZZ_CHECK(fuzz_dp_connect(dp, &cfg, &flow, &sk) == 0);
	FUZZ_CHECK(dml_wire_send(flow, NULL, STREAM) == STREAM);
	receive_all(dp, sk, &h);

	ret = dml_setsockopt(sk, SOL_SOCKET, SO_DEVMEM_DONTNEED, optval, optlen);
	if (optlen % sizeof(struct dmabuf_token) ||
	    optlen > DML_MAX_DONTNEED_TOKENS * sizeof(struct dmabuf_token)) {
		FUZZ_CHECK(ret == -EINVAL);
		ret = 0;
	} else {
		/* The caller's bytes may be unaligned: the model reads a copy. */
		memcpy(model_in, optval, optlen);
		want = model_release(dp, &h, model_in, optlen / sizeof(model_in[0]));
		if (ret != want)
			fprintf(stderr, "fuzz: design %s: DONTNEED released %d, the spec says %d\n",
				dp->design, ret, want);
		FUZZ_CHECK(ret == want);
	}
	/* A NULL option value with room for one entry is EFAULT (S-5.1). */
	if (size == 1)
		FUZZ_CHECK(dml_setsockopt(sk, SOL_SOCKET, SO_DEVMEM_DONTNEED, NULL, 8) ==
			   -EFAULT);

	/* Return what is still held, cmsg by cmsg: every frag exactly once in all. */
	again = 0;
	for (i = 0; i < h.n; i++) {
		int n = fuzz_dontneed(sk, h.token[i], 1);

		FUZZ_CHECK(n == 0 || n == 1);
		again += n;
	}
	FUZZ_CHECK((size_t)(ret + again) == h.n);
	/* Nothing left anywhere: a sweep of every token releases nothing. */
	FUZZ_CHECK(fuzz_dontneed(sk, 0, DML_MAX_DONTNEED_FRAGS) == 0);

	dml_wire_close(flow);
	dml_close(sk);
	fuzz_check_host(dp->host);
	return 0;
}
