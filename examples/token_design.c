// SPDX-License-Identifier: MIT
/*
 * A token design added from outside the library: one file, one row.
 *
 * `bitmap` serves autorelease = 1 (the classic mode): each socket keeps
 * an array of the buffers its tokens name and a bitmap of free ids, so the
 * lowest free id (S-4.4) is a find-first-set per 64 ids rather than a scan
 * of the array; one mutex guards both.  It needs only <devmem/design.h>.
 *
 * Build it as a plugin and hold it to the rules and the numbers the
 * built-in designs meet:
 *
 *   cc -shared -fPIC -o bitmap.so token_design.c $(pkg-config --cflags devmem-lab)
 *   devmem-lab --plugin ./bitmap.so conformance --design bitmap
 *   devmem-lab --plugin ./bitmap.so bench --quick --designs kxarray,bitmap
 *
 * The plugin links nothing: devmem-lab provides the library's calls.  A
 * program linking libdevmem-lab can compile this file in instead; its row
 * registers the design before main() just the same.
 */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <devmem/design.h>

#define TOKEN_MAX	((uint32_t)INT32_MAX)	/* tokens stay below 2^31, as xa_limit_31b */
#define WORD_BITS	64

struct bitmap_sock {
	struct dml_token_sock ts;	/* first: the library hands this back */
	/* Protects everything below; DONTNEED takes it without the socket lock. */
	pthread_mutex_t lock;
	struct dml_net_iov **slots;	/* token - 1 -> buffer, NULL when free */
	uint64_t *free_bits;		/* bit set: that id is free */
	uint32_t nr_slots;		/* a multiple of WORD_BITS */
};

static struct bitmap_sock *to_bitmap(struct dml_token_sock *ts)
{
	return (struct bitmap_sock *)ts;
}

static struct dml_token_sock *bitmap_sock_create(_Atomic unsigned long *warnings)
{
	struct bitmap_sock *bs = calloc(1, sizeof(*bs));

	if (!bs)
		return NULL;
	bs->ts.warnings = warnings;
	pthread_mutex_init(&bs->lock, NULL);
	return &bs->ts;
}

/* Closing the socket releases what it still holds (autorelease = 1). */
static void bitmap_sock_destroy(struct dml_token_sock *ts)
{
	struct bitmap_sock *bs = to_bitmap(ts);
	uint32_t i;

	for (i = 0; i < bs->nr_slots; i++)
		if (bs->slots[i])
			DML_DESIGN_WARN_ON(ts, !dml_net_iov_put(bs->slots[i]));
	pthread_mutex_destroy(&bs->lock);
	free(bs->slots);
	free(bs->free_bits);
	free(bs);
}

/* Doubles the id space; every new id is free.  Lock held. */
static int grow_locked(struct bitmap_sock *bs)
{
	uint32_t n = bs->nr_slots ? 2 * bs->nr_slots : WORD_BITS, i;
	struct dml_net_iov **slots;
	uint64_t *bits;

	if (bs->nr_slots >= TOKEN_MAX / 2)
		return -ENOMEM;
	slots = realloc(bs->slots, n * sizeof(*slots));
	if (!slots)
		return -ENOMEM;
	bs->slots = slots;
	bits = realloc(bs->free_bits, n / WORD_BITS * sizeof(*bits));
	if (!bits)
		return -ENOMEM;
	bs->free_bits = bits;
	for (i = bs->nr_slots; i < n; i++)
		slots[i] = NULL;
	for (i = bs->nr_slots / WORD_BITS; i < n / WORD_BITS; i++)
		bits[i] = ~(uint64_t)0;
	bs->nr_slots = n;
	return 0;
}

static int bitmap_assign(struct dml_token_sock *ts, struct dml_binding *binding,
			 struct dml_net_iov *niov, unsigned int frags_left, uint32_t *token)
{
	struct bitmap_sock *bs = to_bitmap(ts);
	uint32_t w, slot;
	int err = 0;

	(void)binding;
	(void)frags_left;
	pthread_mutex_lock(&bs->lock);
	for (w = 0; w < bs->nr_slots / WORD_BITS && !bs->free_bits[w]; w++)
		;
	if (w == bs->nr_slots / WORD_BITS)
		err = grow_locked(bs);
	if (!err) {
		slot = w * WORD_BITS + (uint32_t)__builtin_ctzll(bs->free_bits[w]);
		bs->free_bits[w] &= bs->free_bits[w] - 1;
		/* The token's page-pool reference, dropped by DONTNEED or close. */
		dml_net_iov_get(niov);
		bs->slots[slot] = niov;
		*token = slot + 1;
	}
	pthread_mutex_unlock(&bs->lock);
	return err;
}

static int bitmap_release(struct dml_token_sock *ts, const struct dmabuf_token *tokens,
			  unsigned int nr_tokens)
{
	struct bitmap_sock *bs = to_bitmap(ts);
	unsigned int i, frags = 0;
	int released = 0;
	uint32_t j;

	pthread_mutex_lock(&bs->lock);
	for (i = 0; i < nr_tokens; i++) {
		for (j = 0; j < tokens[i].token_count; j++) {
			/* The id wraps as the kernel's u32 arithmetic does. */
			uint32_t id = tokens[i].token_start + j;
			struct dml_net_iov *niov;

			if (++frags > DML_MAX_DONTNEED_FRAGS)
				goto out_unlock;
			/* Id 0, ids never handed out and free ids name nothing. */
			if (id == 0 || id > bs->nr_slots || !(niov = bs->slots[id - 1]))
				continue;
			bs->slots[id - 1] = NULL;
			bs->free_bits[(id - 1) / WORD_BITS] |= (uint64_t)1 << ((id - 1) % WORD_BITS);
			DML_DESIGN_WARN_ON(ts, !dml_net_iov_put(niov));
			released++;
		}
	}
out_unlock:
	pthread_mutex_unlock(&bs->lock);
	return released;
}

static void bitmap_count_refs(struct dml_token_sock *ts, const struct dml_binding *binding,
			      uint32_t *refs)
{
	struct bitmap_sock *bs = to_bitmap(ts);
	size_t nr = dml_binding_nr_net_iovs(binding), at;
	uint32_t i;

	pthread_mutex_lock(&bs->lock);
	for (i = 0; i < bs->nr_slots; i++) {
		if (!bs->slots[i])
			continue;
		at = dml_binding_net_iov_index(binding, bs->slots[i]);
		if (at < nr)
			refs[at]++;
	}
	pthread_mutex_unlock(&bs->lock);
}

static size_t bitmap_state_bytes(struct dml_token_sock *ts)
{
	struct bitmap_sock *bs = to_bitmap(ts);
	size_t bytes;

	pthread_mutex_lock(&bs->lock);
	bytes = sizeof(*bs) + bs->nr_slots * sizeof(*bs->slots) + bs->nr_slots / 8;
	pthread_mutex_unlock(&bs->lock);
	return bytes;
}

static const struct dml_token_ops bitmap_ops = {
	.info = {
		.name = "bitmap",
		.autorelease = 1,
		.summary = "per-socket buffer array + free-id bitmap under a mutex (example)",
	},
	.sock_create = bitmap_sock_create,
	.sock_destroy = bitmap_sock_destroy,
	.assign = bitmap_assign,
	.release = bitmap_release,
	.state_bytes = bitmap_state_bytes,
	.count_refs = bitmap_count_refs,
};

/* The design's one row. */
DML_TOKEN_DESIGN(bitmap_ops)
