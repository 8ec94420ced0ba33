// SPDX-License-Identifier: MIT
/*
 * Lossless (S-2.3, S-4.1): 1 GiB of ncdevmem's pattern through the synthetic
 * wire into a 64-page dma-buf while the consumer holds its tokens until the
 * pool runs dry, again and again.  Every byte arrives, in order, validated
 * through the user's mapping; the NIC's stalls are counted and reported.
 * DML_LOSSLESS_MB overrides the size (sanitizer builds run less).
 */
#include "dp_helpers.h"

#define CHUNK		(64u << 10)
#define PERIOD		7
#define HOLD_MAX	8192

struct lossless {
	unsigned char *pattern;		/* PERIOD + CHUNK bytes of the pattern */
	uint32_t held[HOLD_MAX];
	unsigned int nr_held;
	uint64_t validated;
	unsigned long dry_spells;
};

static uint64_t total_bytes(void)
{
	const char *env = getenv("DML_LOSSLESS_MB");
	unsigned long mb = env ? strtoul(env, NULL, 10) : 1024;

	return (uint64_t)(mb ? mb : 1024) << 20;
}

static void check_bytes(struct lossless *l, const unsigned char *p, uint32_t n)
{
	while (n) {
		uint32_t chunk = n < CHUNK ? n : CHUNK;

		if (memcmp(p, l->pattern + l->validated % PERIOD, chunk))
			fail_msg("payload differs within bytes %llu..%llu",
				 (unsigned long long)l->validated,
				 (unsigned long long)(l->validated + chunk));
		l->validated += chunk;
		p += chunk;
		n -= chunk;
	}
}

/* Reads everything queued; returns bytes read. */
static uint64_t drain(struct dp *dp, struct lossless *l, struct dp_read *r)
{
	uint64_t got = 0;
	size_t i, lin;

	for (;;) {
		dp_recv(dp->sk, 65536, 128 * CMSG_SPACE(sizeof(struct dmabuf_cmsg)),
			MSG_SOCK_DEVMEM | MSG_DONTWAIT, r);
		if (r->ret == -EAGAIN || r->ret == 0)
			return got;
		assert_true(r->ret > 0);
		got += (uint64_t)r->ret;
		if (!r->n) {
			check_bytes(l, r->linear, (uint32_t)r->ret);
			continue;
		}
		for (i = 0, lin = 0; i < r->n; i++) {
			const struct dmabuf_cmsg *c = &r->cm[i].c;

			if (r->cm[i].type == SCM_DEVMEM_LINEAR) {
				check_bytes(l, r->linear + lin, c->frag_size);
				lin += c->frag_size;
				continue;
			}
			check_bytes(l, dp->map + c->frag_offset, c->frag_size);
			assert_true(l->nr_held < HOLD_MAX);
			l->held[l->nr_held++] = c->frag_token;
		}
	}
}

/* The consumer finally lets go of everything it held, 128 per call. */
static void give_back(struct dp *dp, struct lossless *l)
{
	struct dmabuf_token t[DML_MAX_DONTNEED_TOKENS];
	unsigned int i = 0, n;

	while (i < l->nr_held) {
		for (n = 0; n < DML_MAX_DONTNEED_TOKENS && i < l->nr_held; n++, i++)
			t[n] = (struct dmabuf_token){ l->held[i], 1 };
		assert_int_equal(dml_setsockopt(dp->sk, SOL_SOCKET, SO_DEVMEM_DONTNEED,
						t, n * sizeof(t[0])), n);
	}
	l->nr_held = 0;
}

static void test_lossless(void **state)
{
	struct dp *dp = *state;
	struct lossless *l = calloc(1, sizeof(*l));
	struct dp_read *r = malloc(sizeof(*r));
	uint64_t total = total_bytes(), sent = 0;
	struct dml_rxq_info info;
	unsigned int i;

	assert_non_null(l);
	assert_non_null(r);
	l->pattern = malloc(PERIOD + CHUNK);
	assert_non_null(l->pattern);
	for (i = 0; i < PERIOD + CHUNK; i++)
		l->pattern[i] = dp_pattern(i);

	while (sent < total) {
		size_t len = total - sent < CHUNK ? (size_t)(total - sent) : CHUNK;
		ssize_t n = dml_wire_send(dp->flow, l->pattern + sent % PERIOD, len);

		if (n > 0) {
			sent += (uint64_t)n;
			continue;
		}
		assert_int_equal(n, -ENOBUFS);
		/* The ring is dry: read what came, and only when nothing more
		 * can arrive, give the held tokens back. */
		if (!drain(dp, l, r)) {
			assert_true(l->nr_held > 0);
			give_back(dp, l);
			l->dry_spells++;
		}
	}
	assert_ok(dml_wire_shutdown(dp->flow));
	while (l->validated < total) {
		uint64_t got = drain(dp, l, r);

		give_back(dp, l);
		assert_true(got > 0 || l->validated == total);
	}
	dp_recv(dp->sk, 65536, 0, MSG_DONTWAIT, r);
	assert_int_equal(r->ret, 0);
	assert_int_equal(l->validated, total);
	assert_ok(dml_netdev_rxq_info(dp->f->dev, DP_QUEUE, &info));
	printf("# %llu MiB validated, %lu dry spells, %llu queue stalls\n",
	       (unsigned long long)(total >> 20), l->dry_spells,
	       (unsigned long long)info.stalls);
	/* the pool ran dry again and again, and nothing was lost */
	assert_true(l->dry_spells > 10);
	assert_true(info.stalls >= l->dry_spells);
	dp_assert_clean(dp);
	free(l->pattern);
	free(l);
	free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		{ "lossless/autorelease=0", test_lossless, dp_setup0, dp_teardown, NULL },
		{ "lossless/autorelease=1", test_lossless, dp_setup1, dp_teardown, NULL },
	};

	return RUN_EVERY_DESIGN(tests);
}
