// SPDX-License-Identifier: MIT
/*
 * setsockopt(SOL_SOCKET, SO_DEVMEM_DONTNEED): S-5.1 .. S-5.5, in both modes
 * where they apply (autorelease 0 = design niov, 1 = design xarray).
 */
#include <netinet/in.h>

#include "dp_helpers.h"

#define PAGE		DML_PAGE_SIZE
#define NR_PAGES	FIXTURE_PAGES

/* Two 2048-byte segments per page: 128 frags fit in the 64-page dma-buf. */
static int dp_setup_half(void **state, int mode)
{
	struct dml_wire_flow_config cfg = dp_flow_config(40010);

	cfg.mss = 2048;
	return dp_setup_cfg(state, mode, FIXTURE_PAGES, NULL, &cfg);
}

static int dp_setup_half0(void **state)
{
	return dp_setup_half(state, 0);
}

static int dp_setup_half1(void **state)
{
	return dp_setup_half(state, 1);
}

/* Sends and reads @pages whole pages on the fixture's flow; their tokens in @tokens. */
static void hold_pages(struct dp *dp, size_t pages, uint32_t *tokens)
{
	uint64_t pos = dp->sent;

	assert_int_equal(dp_send(dp, pages * PAGE), pages * PAGE);
	assert_int_equal(dp_recv_tokens(dp, dp->sk, pages * PAGE, pos, tokens,
					pages),
			 pages);
}

static bool held(const uint32_t *tokens, size_t n, uint32_t token)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (tokens[i] == token)
			return true;
	return false;
}

/*
 * Mode 0: entries over in-range pages nobody holds, @frags tokens in all;
 * each is processed (and counted against the per-call limit) but releases
 * nothing.  Returns the entries written to @out.
 */
static size_t niov_filler(const uint32_t *tokens, size_t n, uint32_t frags,
			  struct dmabuf_token *out, size_t max)
{
	size_t nr = 0;
	uint32_t p = 0;

	while (frags) {
		uint32_t start, len = 0;

		while (held(tokens, n, p % NR_PAGES))
			p++;
		start = p % NR_PAGES;
		while (len < frags && start + len < NR_PAGES &&
		       !held(tokens, n, start + len))
			len++;
		assert_true(nr < max);
		out[nr].token_start = start;
		out[nr].token_count = len;
		nr++;
		frags -= len;
		p = start + len;
	}
	return nr;
}

/* S-5.1: a non-TCP socket gets EBADF. */
static void test_not_tcp(void **state)
{
	struct dp *dp = *state;
	struct dmabuf_token t = { .token_start = 1, .token_count = 1 };
	struct dml_sock *udp;

	assert_ok(dml_socket(dp->f->host, SOCK_DGRAM, &udp));
	assert_errno(dp_dontneed(udp, 1, 1), -EBADF);
	assert_errno(dml_setsockopt(udp, SOL_SOCKET, SO_DEVMEM_DONTNEED, &t, 0),
		     -EBADF);
	dml_close(udp);
}

/*
 * S-5.1: option level and name, optlen rules, NULL optval; the result is
 * the number of frags released, and a bad token is not an error.
 */
static void test_optlen_and_option(void **state)
{
	struct dp *dp = *state;
	struct dmabuf_token t[DML_MAX_DONTNEED_TOKENS + 1];
	uint32_t tok[3];

	hold_pages(dp, 3, tok);
	memset(t, 0, sizeof(t));
	t[0].token_start = tok[0];
	t[0].token_count = 1;

	/* other options are not ours */
	assert_errno(dml_setsockopt(dp->sk, IPPROTO_TCP, SO_DEVMEM_DONTNEED, t,
				    sizeof(t[0])),
		     -ENOPROTOOPT);
	assert_errno(dml_setsockopt(dp->sk, SOL_SOCKET, SO_DEVMEM_DMABUF, t,
				    sizeof(t[0])),
		     -ENOPROTOOPT);
	assert_errno(dml_setsockopt(dp->sk, SOL_SOCKET, SO_DEVMEM_LINEAR, t,
				    sizeof(t[0])),
		     -ENOPROTOOPT);

	/* optlen: a multiple of 8, at most 8 * 128; 0 is valid */
	assert_errno(dml_setsockopt(dp->sk, SOL_SOCKET, SO_DEVMEM_DONTNEED, t, 4),
		     -EINVAL);
	assert_errno(dml_setsockopt(dp->sk, SOL_SOCKET, SO_DEVMEM_DONTNEED, t, 7),
		     -EINVAL);
	assert_errno(dml_setsockopt(dp->sk, SOL_SOCKET, SO_DEVMEM_DONTNEED, t, 9),
		     -EINVAL);
	assert_errno(dml_setsockopt(dp->sk, SOL_SOCKET, SO_DEVMEM_DONTNEED, t,
				    sizeof(t) - 1),
		     -EINVAL);
	assert_errno(dp_dontneed_v(dp->sk, t, DML_MAX_DONTNEED_TOKENS + 1), -EINVAL);
	assert_errno(dml_setsockopt(dp->sk, SOL_SOCKET, SO_DEVMEM_DONTNEED, t, 0), 0);
	assert_errno(dml_setsockopt(dp->sk, SOL_SOCKET, SO_DEVMEM_DONTNEED, NULL, 0), 0);
	/* NULL optval with room for one entry */
	assert_errno(dml_setsockopt(dp->sk, SOL_SOCKET, SO_DEVMEM_DONTNEED, NULL,
				    sizeof(t[0])),
		     -EFAULT);
	/* none of the refused calls released anything */
	dp_assert_clean(dp);

	/* bad tokens are skipped, not errors */
	assert_int_equal(dp_dontneed(dp->sk, 100000, 1), 0);
	assert_int_equal(dp_dontneed(dp->sk, 100000, 5), 0);
	assert_int_equal(dp_dontneed(dp->sk, tok[0], 0), 0);

	/* 128 entries is the largest allowed: one real entry among empty ones */
	assert_int_equal(dp_dontneed_v(dp->sk, t, DML_MAX_DONTNEED_TOKENS), 1);
	/* the count is what was released: two left of three, one was already */
	t[0].token_start = tok[0];
	t[1].token_start = tok[1];
	t[1].token_count = 1;
	t[2].token_start = tok[2];
	t[2].token_count = 1;
	t[3].token_start = 100000;
	t[3].token_count = 1;
	assert_int_equal(dp_dontneed_v(dp->sk, t, 4), 2);
	dp_assert_clean(dp);
}

/*
 * S-5.1: a closed socket gets EBADF.  The wire flow keeps a memory
 * reference on the socket it delivers to until dml_wire_close(), so the
 * handle stays valid memory after dml_close(): only its file is gone.
 */
static void test_closed_socket(void **state)
{
	struct dp *dp = *state;
	uint32_t tok[1];
	struct dml_sock *sk = dp->sk;

	hold_pages(dp, 1, tok);
	dml_close(sk);
	dp->sk = NULL;
	assert_errno(dp_dontneed(sk, tok[0], 1), -EBADF);
	assert_errno(dml_setsockopt(sk, SOL_SOCKET, SO_DEVMEM_DONTNEED, NULL, 0),
		     -EBADF);
}

/*
 * S-5.2 (mode 1): at most 1024 frags per call, counted over all entries.
 * Tokens 1..3 held: {5, 1024} {1, 3} uses the whole budget on the first
 * entry; {5, 1022} {1, 3} leaves room for frags 1023 and 1024: ids 1 and 2.
 */
static void test_frag_limit_xarray(void **state)
{
	struct dp *dp = *state;
	struct dmabuf_token t[2] = { { 5, 1024 }, { 1, 3 } };
	uint32_t tok[3];

	hold_pages(dp, 3, tok);
	assert_int_equal(tok[0], 1);
	assert_int_equal(tok[1], 2);
	assert_int_equal(tok[2], 3);

	assert_int_equal(dp_dontneed_v(dp->sk, t, 2), 0);
	t[0].token_count = 1022;
	assert_int_equal(dp_dontneed_v(dp->sk, t, 2), 2);
	dp_assert_clean(dp);
	/* id 3 was past the limit: still held; 1 and 2 are gone */
	assert_int_equal(dp_dontneed(dp->sk, 1, 2), 0);
	assert_int_equal(dp_dontneed(dp->sk, 3, 1), 1);

	/*
	 * One entry is cut at 1024 frags too: 2^32 - 1022 .. 2^32 - 1 are
	 * frags 1 .. 1022, then (wrapped) ids 0 and 1 are 1023 and 1024.
	 */
	hold_pages(dp, 3, tok);
	assert_int_equal(tok[0], 1);
	t[0].token_start = 0u - 1022u;
	t[0].token_count = 5000;
	assert_int_equal(dp_dontneed_v(dp->sk, t, 1), 1);
	t[0].token_start = 0;
	t[0].token_count = 0xFFFFFFFFu;
	assert_int_equal(dp_dontneed_v(dp->sk, t, 1), 2);
	dp_assert_clean(dp);
}

/*
 * S-5.2 (mode 0): the same rule with page-index tokens: entries over pages
 * nobody holds use up the budget (each such token is processed, releases
 * nothing), then an entry over the three held pages gets what is left.
 */
static void test_frag_limit_niov(void **state)
{
	struct dp *dp = *state;
	struct dmabuf_token t[DML_MAX_DONTNEED_TOKENS];
	uint32_t tok[3];
	size_t n, k;

	hold_pages(dp, 3, tok);
	for (k = 0; k < 3; k++)
		assert_true(tok[k] < NR_PAGES);

	/* the whole budget on filler: the held pages are not reached */
	n = niov_filler(tok, 3, DML_MAX_DONTNEED_FRAGS, t, DML_MAX_DONTNEED_TOKENS - 3);
	for (k = 0; k < 3; k++)
		t[n + k] = (struct dmabuf_token){ tok[k], 1 };
	assert_int_equal(dp_dontneed_v(dp->sk, t, n + 3), 0);
	dp_assert_clean(dp);

	/* two frags left after 1022: the first two held pages, not the third */
	n = niov_filler(tok, 3, DML_MAX_DONTNEED_FRAGS - 2, t,
			DML_MAX_DONTNEED_TOKENS - 3);
	for (k = 0; k < 3; k++)
		t[n + k] = (struct dmabuf_token){ tok[k], 1 };
	assert_int_equal(dp_dontneed_v(dp->sk, t, n + 3), 2);
	dp_assert_clean(dp);
	assert_int_equal(dp_dontneed(dp->sk, tok[0], 1), 0);
	assert_int_equal(dp_dontneed(dp->sk, tok[1], 1), 0);
	assert_int_equal(dp_dontneed(dp->sk, tok[2], 1), 1);
	dp_assert_clean(dp);
}

/*
 * S-5.2 / S-5.4 (mode 0): a token past the pages ends its entry before it
 * is counted, as in v10: three such entries after 1022 frags of filler
 * leave the budget's last two frags to the two held pages after them.
 */
static void test_frag_limit_niov_past_pages(void **state)
{
	struct dp *dp = *state;
	struct dmabuf_token t[DML_MAX_DONTNEED_TOKENS];
	uint32_t tok[2];
	size_t n, k;

	hold_pages(dp, 2, tok);
	n = niov_filler(tok, 2, DML_MAX_DONTNEED_FRAGS - 2, t,
			DML_MAX_DONTNEED_TOKENS - 5);
	for (k = 0; k < 3; k++)
		t[n++] = (struct dmabuf_token){ NR_PAGES + (uint32_t)k, 1 };
	t[n++] = (struct dmabuf_token){ tok[0], 1 };
	t[n++] = (struct dmabuf_token){ tok[1], 1 };
	assert_int_equal(dp_dontneed_v(dp->sk, t, n), 2);
	dp_assert_clean(dp);
	assert_int_equal(dp_dontneed(dp->sk, tok[0], 1), 0);
	assert_int_equal(dp_dontneed(dp->sk, tok[1], 1), 0);
}

/*
 * S-5.1 / S-5.2: 128 entries of one frag each are all processed.  128 frags
 * of 2048 bytes fill the 64 pages: 128 tokens in mode 1, each page twice in
 * mode 0 (uref 2).  Afterwards every page is back: 64 more pages arrive.
 */
static void test_128_entries(void **state)
{
	struct dp *dp = *state;
	struct dmabuf_token t[DML_MAX_DONTNEED_TOKENS + 1];
	uint32_t tok[2 * NR_PAGES];
	size_t k;

	assert_int_equal(dp_send(dp, NR_PAGES * PAGE), NR_PAGES * PAGE);
	assert_int_equal(dp_recv_tokens(dp, dp->sk, NR_PAGES * PAGE, 0, tok,
					2 * NR_PAGES),
			 2 * NR_PAGES);
	/* the pool is dry while they are held */
	assert_errno(dp_send(dp, PAGE), -ENOBUFS);
	for (k = 0; k < 2 * NR_PAGES; k++)
		t[k] = (struct dmabuf_token){ tok[k], 1 };
	t[2 * NR_PAGES] = t[0];
	/* one entry too many: refused whole */
	assert_errno(dp_dontneed_v(dp->sk, t, 2 * NR_PAGES + 1), -EINVAL);
	dp_assert_clean(dp);
	assert_int_equal(dp_dontneed_v(dp->sk, t, 2 * NR_PAGES), 2 * NR_PAGES);
	dp_assert_clean(dp);

	assert_int_equal(dp_send(dp, NR_PAGES * PAGE), NR_PAGES * PAGE);
	assert_int_equal(dp_recv_tokens(dp, dp->sk, NR_PAGES * PAGE, NR_PAGES * PAGE,
					tok, 2 * NR_PAGES),
			 2 * NR_PAGES);
	assert_int_equal(dp_dontneed_v(dp->sk, t, 0), 0);
	for (k = 0; k < 2 * NR_PAGES; k++)
		t[k] = (struct dmabuf_token){ tok[k], 1 };
	assert_int_equal(dp_dontneed_v(dp->sk, t, 2 * NR_PAGES), 2 * NR_PAGES);
	dp_assert_clean(dp);
}

/*
 * S-5.3 (mode 1): token 0, a token never issued and one already returned
 * are skipped and not counted; the same token twice in one call counts
 * once; start + j wrapping past 2^32 only ever names real ids.
 */
static void test_xarray_bad_tokens(void **state)
{
	struct dp *dp = *state;
	struct dmabuf_token twice[2] = { { 2, 1 }, { 2, 1 } };
	uint32_t tok[3];

	hold_pages(dp, 3, tok);
	assert_int_equal(tok[0], 1);
	assert_int_equal(tok[1], 2);
	assert_int_equal(tok[2], 3);

	assert_int_equal(dp_dontneed(dp->sk, 0, 1), 0);
	assert_int_equal(dp_dontneed(dp->sk, 4, 100), 0);
	assert_int_equal(dp_dontneed(dp->sk, 0x80000000u, 1), 0);
	assert_int_equal(dp_dontneed(dp->sk, 0xFFFFFFFFu, 1), 0);
	dp_assert_clean(dp);

	/* 0xFFFFFFFF, 0, 1: only id 1 is real */
	assert_int_equal(dp_dontneed(dp->sk, 0xFFFFFFFFu, 3), 1);
	assert_int_equal(dp_dontneed(dp->sk, 1, 1), 0);
	dp_assert_clean(dp);

	assert_int_equal(dp_dontneed_v(dp->sk, twice, 2), 1);
	assert_int_equal(dp_dontneed(dp->sk, 2, 1), 0);
	dp_assert_clean(dp);

	/* 0 and the returned 1, 2 skipped; 3 counted */
	assert_int_equal(dp_dontneed(dp->sk, 0, 4), 1);
	assert_int_equal(dp_dontneed(dp->sk, 0, 1024), 0);
	dp_assert_clean(dp);

	/* a returned id is issued again and can be returned again */
	hold_pages(dp, 1, tok);
	assert_int_equal(tok[0], 1);
	assert_int_equal(dp_dontneed(dp->sk, 1, 1), 1);
	dp_assert_clean(dp);
}

/* S-5.4 (mode 0): a socket that never joined a binding gets EINVAL. */
static void test_niov_never_joined(void **state)
{
	struct dp *dp = *state;
	struct dmabuf_token t = { 0, 1 };

	assert_errno(dp_dontneed(dp->sk, 0, 1), -EINVAL);
	/* data queued but not read yet: still not joined */
	assert_int_equal(dp_send(dp, PAGE), PAGE);
	assert_errno(dp_dontneed(dp->sk, 0, 1), -EINVAL);
	assert_errno(dp_dontneed_v(dp->sk, &t, 1), -EINVAL);
	assert_errno(dp_dontneed(dp->listener, 0, 1), -EINVAL);
	/* S-5.1 / S-5.4: optlen 0 is valid, and the not-joined check still comes (v10) */
	assert_errno(dp_dontneed_v(dp->sk, &t, 0), -EINVAL);
	assert_errno(dml_setsockopt(dp->sk, SOL_SOCKET, SO_DEVMEM_DONTNEED, NULL, 0),
		     -EINVAL);
	dp_assert_clean(dp);
}

/*
 * S-3.4 / S-5.4: the key follows the binding.  On a live autorelease = 1
 * binding DONTNEED takes the autorelease = 1 path (an unknown token is 0,
 * not an error); once the last binding is freed the key is back at manual
 * and a socket that never joined gets EINVAL, optlen 0 too.
 */
static void test_dontneed_after_last_binding(void **state)
{
	struct dp *dp = *state;
	struct dmabuf_token t = { 1, 1 };

	assert_int_equal(dp_dontneed(dp->sk, 1, 1), 0);
	assert_int_equal(dp_dontneed_v(dp->sk, &t, 0), 0);
	dp_unbind(dp);
	assert_int_equal(dml_host_autorelease_mode(dp->f->host), -1);
	assert_errno(dp_dontneed(dp->sk, 1, 1), -EINVAL);
	assert_errno(dp_dontneed_v(dp->sk, &t, 0), -EINVAL);
	dp_assert_clean(dp);
}

static int dp_setup_idle(void **state)
{
	return dp_setup_mode(state, -1);
}

/*
 * S-3.4 / S-5.4: an autorelease = 1 bind that fails on an idle host (here
 * at the queue, header split being off) leaves the key at manual: DONTNEED
 * on a socket that never joined is EINVAL.
 */
static void test_dontneed_after_failed_bind(void **state)
{
	struct dp *dp = *state;
	const uint32_t q[] = { DP_QUEUE };

	assert_errno(dp_dontneed(dp->sk, 1, 1), -EINVAL);
	assert_ok(dml_netdev_set_header_split(dp->f->dev, false));
	assert_errno(fixture_bind(dp->f, dp->f->nl, q, 1, 1), -EINVAL);
	assert_int_equal(dml_host_autorelease_mode(dp->f->host), -1);
	assert_errno(dp_dontneed(dp->sk, 1, 1), -EINVAL);
	dp_assert_clean(dp);
}

/*
 * S-5.4 (mode 0): a token at or past the binding's page count ends its
 * entry; the next entry is still processed.
 */
static void test_niov_token_past_pages(void **state)
{
	struct dp *dp = *state;
	struct dmabuf_token t[2];
	uint32_t tok[3], top = 0;
	size_t k;

	hold_pages(dp, 3, tok);
	for (k = 0; k < 3; k++)
		if (tok[k] > top)
			top = tok[k];

	t[0] = (struct dmabuf_token){ NR_PAGES, 1 };
	t[1] = (struct dmabuf_token){ tok[0], 1 };
	assert_int_equal(dp_dontneed_v(dp->sk, t, 2), 1);
	dp_assert_clean(dp);

	/*
	 * 0xFFFFFFFF, then (wrapped) 0 .. top: the first token is out of
	 * range, so the held pages after it are never reached.
	 */
	assert_int_equal(dp_dontneed(dp->sk, 0xFFFFFFFFu, top + 2), 0);
	/* NR_PAGES - 1 is in range (not held), NR_PAGES ends the entry */
	t[0] = (struct dmabuf_token){ NR_PAGES - 1, 2 };
	t[1] = (struct dmabuf_token){ tok[1], 1 };
	assert_false(held(tok, 3, NR_PAGES - 1));
	assert_int_equal(dp_dontneed_v(dp->sk, t, 2), 1);
	dp_assert_clean(dp);
	assert_int_equal(dp_dontneed(dp->sk, tok[2], 1), 1);
	dp_assert_clean(dp);
}

/*
 * S-5.4 (mode 0): uref drops only while above 0 and only real drops count:
 * a page delivered once and returned twice counts 1; a page delivered twice
 * counts 2 however often it is named.  The checker proves no reference was
 * lost or doubled.
 */
static void test_niov_double_return(void **state)
{
	struct dp *dp = *state;
	struct dmabuf_token t[3];
	struct dp_read a, b;
	uint32_t tok[1], token;

	hold_pages(dp, 1, tok);
	assert_int_equal(dp_dontneed(dp->sk, tok[0], 1), 1);
	assert_int_equal(dp_dontneed(dp->sk, tok[0], 1), 0);
	t[0] = t[1] = (struct dmabuf_token){ tok[0], 1 };
	assert_int_equal(dp_dontneed_v(dp->sk, t, 2), 0);
	dp_assert_clean(dp);

	/* one page delivered in two reads: uref 2 */
	assert_int_equal(dp_send(dp, PAGE), PAGE);
	dp_recv(dp->sk, 1000, DP_MAX_CMSGS * 40, MSG_SOCK_DEVMEM, &a);
	dp_recv(dp->sk, 65536, DP_MAX_CMSGS * 40, MSG_SOCK_DEVMEM, &b);
	assert_int_equal(a.ret + b.ret, PAGE);
	assert_int_equal(a.n, 1);
	assert_int_equal(b.n, 1);
	token = a.cm[0].c.frag_token;
	assert_int_equal(b.cm[0].c.frag_token, token);
	/* 2 -> 1 keeps the page-pool reference (checked), 1 -> 0 drops it */
	assert_int_equal(dp_dontneed(dp->sk, token, 1), 1);
	dp_assert_clean(dp);
	t[0] = t[1] = t[2] = (struct dmabuf_token){ token, 1 };
	assert_int_equal(dp_dontneed_v(dp->sk, t, 3), 1);
	assert_int_equal(dp_dontneed(dp->sk, token, 1), 0);
	dp_assert_clean(dp);
}

/*
 * S-5.4 (mode 0): the 1 -> 0 step gives the page back to the pool: with all
 * 64 pages held the NIC stalls; once they are returned, 64 more pages arrive.
 */
static void test_niov_return_recycles(void **state)
{
	struct dp *dp = *state;
	struct dmabuf_token t[NR_PAGES];
	uint32_t tok[NR_PAGES];
	size_t k;

	hold_pages(dp, NR_PAGES, tok);
	assert_errno(dp_send(dp, PAGE), -ENOBUFS);
	for (k = 0; k < NR_PAGES; k++)
		t[k] = (struct dmabuf_token){ tok[k], 1 };
	assert_int_equal(dp_dontneed_v(dp->sk, t, NR_PAGES), NR_PAGES);
	dp_assert_clean(dp);

	hold_pages(dp, NR_PAGES, tok);
	for (k = 0; k < NR_PAGES; k++)
		t[k] = (struct dmabuf_token){ tok[k], 1 };
	assert_int_equal(dp_dontneed_v(dp->sk, t, NR_PAGES), NR_PAGES);
	dp_assert_clean(dp);
}

/*
 * S-5.5 (mode 0): urefs belong to the binding: a second socket joined to it
 * returns a page the first one received, and the count shows it.  X-2.4 /
 * X-3.2 (owned, sockarray): only the holder returns; the other socket's
 * return of it changes nothing and counts nothing.
 */
static void test_niov_other_socket_returns(void **state)
{
	struct dp *dp = *state;
	int foreign = dp_rules(dp->mode)->holder_returns ? 0 : 1;
	struct dml_wire_flow *flow2;
	struct dml_sock *sk2;
	uint32_t a[1], b[1];

	dp_connect(dp, 40011, &flow2, &sk2);
	hold_pages(dp, 1, a);
	assert_int_equal(dp_flow_send(flow2, 0, PAGE), PAGE);
	assert_int_equal(dp_recv_tokens(dp, sk2, PAGE, 0, b, 1), 1);
	assert_int_not_equal(a[0], b[0]);

	assert_int_equal(dp_dontneed(sk2, a[0], 1), foreign);
	assert_int_equal(dp_dontneed(dp->sk, a[0], 1), 1 - foreign);
	assert_int_equal(dp_dontneed(dp->sk, b[0], 1), foreign);
	assert_int_equal(dp_dontneed(sk2, b[0], 1), 1 - foreign);
	dp_assert_clean(dp);

	dml_wire_close(flow2);
	dml_close(sk2);
}

/*
 * S-5.3 (mode 1), for contrast with S-5.5: ids are per socket; a second
 * socket naming the first one's id releases only its own.
 */
static void test_xarray_ids_per_socket(void **state)
{
	struct dp *dp = *state;
	struct dml_wire_flow *flow2;
	struct dml_sock *sk2;
	uint32_t a[1], b[1];

	dp_connect(dp, 40012, &flow2, &sk2);
	hold_pages(dp, 1, a);
	assert_int_equal(a[0], 1);
	assert_int_equal(dp_dontneed(sk2, 1, 1), 0);
	dp_assert_clean(dp);

	assert_int_equal(dp_flow_send(flow2, 0, PAGE), PAGE);
	assert_int_equal(dp_recv_tokens(dp, sk2, PAGE, 0, b, 1), 1);
	assert_int_equal(b[0], 1);
	assert_int_equal(dp_dontneed(sk2, 1, 1), 1);
	assert_int_equal(dp_dontneed(sk2, 1, 1), 0);
	assert_int_equal(dp_dontneed(dp->sk, 1, 1), 1);
	dp_assert_clean(dp);

	dml_wire_close(flow2);
	dml_close(sk2);
}

/* One body, named per setup, so TAP tells the modes apart. */
#define T0(fn, setup) { #fn "/" #setup, fn, setup, dp_teardown, NULL }

int main(void)
{
	const struct CMUnitTest tests[] = {
		T0(test_not_tcp, dp_setup0),
		T0(test_not_tcp, dp_setup1),
		T0(test_optlen_and_option, dp_setup0),
		T0(test_optlen_and_option, dp_setup1),
		T0(test_closed_socket, dp_setup0),
		T0(test_closed_socket, dp_setup1),
		T0(test_frag_limit_xarray, dp_setup1),
		T0(test_frag_limit_niov, dp_setup0),
		T0(test_frag_limit_niov_past_pages, dp_setup0),
		T0(test_128_entries, dp_setup_half0),
		T0(test_128_entries, dp_setup_half1),
		T0(test_xarray_bad_tokens, dp_setup1),
		T0(test_niov_never_joined, dp_setup0),
		T0(test_dontneed_after_last_binding, dp_setup1),
		T0(test_dontneed_after_failed_bind, dp_setup_idle),
		T0(test_niov_token_past_pages, dp_setup0),
		T0(test_niov_double_return, dp_setup0),
		T0(test_niov_return_recycles, dp_setup0),
		T0(test_niov_other_socket_returns, dp_setup0),
		T0(test_xarray_ids_per_socket, dp_setup1),
	};

	return RUN_EVERY_DESIGN(tests);
}
