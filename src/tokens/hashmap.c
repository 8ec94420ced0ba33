// SPDX-License-Identifier: MIT
/*
 * `hashmap` (autorelease = 1): the first alternative the series rejected, a
 * per-socket hash table token -> net_iov under the socket's token lock.  The
 * user sees exactly what the xarray gives (S-4.4, S-5.3, S-6.1): ids are the
 * lowest free ones from 1 up to INT32_MAX, reserved up to 17 at a time in one
 * lock round per skb and committed in a second, and DONTNEED erases under the
 * lock while dropping page-pool references outside it, 16 at a time.  Only
 * the structure behind the lock differs, written as the kernel would write
 * it:
 *
 * - a power-of-two array of singly linked, hlist-style chains indexed by
 *   hash_32() of the id.  Every erase looks its id up first, so the walk
 *   keeps the link to patch and hlist's pprev would buy nothing;
 * - one entry per token, from the allocator (kmem_cache_alloc()), freed
 *   when the token is returned;
 * - the table doubles when the load factor passes 1, inline under the lock
 *   (the kernel's rhashtable defers it to a worker and RCU, which this model
 *   leaves out).  A resize that cannot allocate keeps the old table: chains
 *   get longer, nothing fails, and the next commit tries again;
 * - the table never shrinks, as rhashtable's default (automatic_shrinking
 *   off).  Shrinking it under 1/4 load was tried and measured: a receiver
 *   that returns each batch of tokens before reading the next (kperf's
 *   pattern) empties the table once per batch, so every batch paid one
 *   shrink and three regrows, 28% more instructions per token.  Staying
 *   at the peak keeps at most two bucket pointers per token held at the
 *   peak, less than the entries those tokens needed then, and the entries
 *   are freed as tokens come back;
 * - a hash table cannot name the lowest free id, so ids come from a bitmap,
 *   see id_alloc_locked(); it keeps its peak size for the same reason.
 */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mem/binding.h"
#include "tokens.h"
#include "warn.h"
#include "xa_pool.h"

#define GOLDEN_RATIO_32	0x61C88647u	/* include/linux/hash.h */
#define HASH_MIN_BITS	4		/* 16 buckets to start */
#define HASH_MAX_BITS	31		/* never more entries than ids */

#define BITS_PER_LONG	(CHAR_BIT * (uint32_t)sizeof(unsigned long))
#define IDS_MIN_BITS	1024u		/* IDA_BITMAP_BITS, one IDA leaf */
#define IDS_MAX_BITS	(DML_TOKEN_MAX + 1)

/*
 * Test hook: when set to N > 0, the Nth allocation of this design from now
 * fails (1 = the next one); it counts down on each allocation and is 0 again
 * once it has fired.  Only tests set it, from one thread, while no other
 * socket of this design allocates.
 */
unsigned int dml_hashmap_fail_next_alloc;

/* A token: an hlist_node plus its key and value. */
struct hm_entry {
	struct hm_entry *next;
	struct dml_net_iov *niov;
	uint32_t token;
};

struct hashmap_sock {
	struct dml_token_sock ts;
	/*
	 * The token lock: protects everything from @buckets to @nr_reserved.
	 * DONTNEED takes it without the socket lock.
	 */
	pthread_spinlock_t lock;
	struct hm_entry **buckets;	/* 2^@bits chain heads */
	unsigned int bits;
	size_t nr_items;		/* committed tokens in the table */
	unsigned long *ids;		/* bit set = id issued or reserved */
	uint32_t nr_id_bits;		/* a power of two, >= IDS_MIN_BITS */
	uint32_t hint;			/* ids [1, hint) are all busy */
	unsigned int nr_reserved;	/* ids reserved but not committed */
	/*
	 * tcp_xa_pool: ids reserved for the skb being read, each with its
	 * entry.  Only the holder of the socket lock (recvmsg) touches these.
	 */
	unsigned int max;
	unsigned int idx;
	struct hm_entry *pool[DML_MAX_SKB_FRAGS];
};

static struct hashmap_sock *to_hs(struct dml_token_sock *ts)
{
	return (struct hashmap_sock *)ts;
}

static bool fail_alloc(void)
{
	return dml_hashmap_fail_next_alloc &&
	       --dml_hashmap_fail_next_alloc == 0;
}

static void *hm_malloc(size_t size)
{
	return fail_alloc() ? NULL : malloc(size);
}

static void *hm_calloc(size_t n, size_t size)
{
	return fail_alloc() ? NULL : calloc(n, size);
}

static void *hm_realloc(void *p, size_t size)
{
	return fail_alloc() ? NULL : realloc(p, size);
}

/* hash_32(): Fibonacci hashing spreads dense, small ids over the top bits. */
static inline uint32_t hash_32(uint32_t val, unsigned int bits)
{
	return (val * GOLDEN_RATIO_32) >> (32 - bits);
}

static inline size_t table_size(const struct hashmap_sock *hs)
{
	return (size_t)1 << hs->bits;
}

static void table_insert_locked(struct hashmap_sock *hs, struct hm_entry *e)
{
	struct hm_entry **head = &hs->buckets[hash_32(e->token, hs->bits)];

	e->next = *head;
	*head = e;
	hs->nr_items++;
}

/* Unlinks the entry of @token; NULL for an id with none (0, free, reserved). */
static struct hm_entry *table_erase_locked(struct hashmap_sock *hs,
					   uint32_t token)
{
	struct hm_entry **link = &hs->buckets[hash_32(token, hs->bits)];
	struct hm_entry *e;

	for (; (e = *link); link = &e->next) {
		if (e->token == token) {
			*link = e->next;
			hs->nr_items--;
			return e;
		}
	}
	return NULL;
}

/* Rehashes into twice the buckets, or keeps the table if it cannot. */
static void table_grow_locked(struct hashmap_sock *hs)
{
	unsigned int bits = hs->bits + 1;
	struct hm_entry **buckets;
	size_t i;

	buckets = hm_calloc((size_t)1 << bits, sizeof(*buckets));
	if (!buckets)
		return;
	for (i = 0; i < table_size(hs); i++) {
		struct hm_entry *e = hs->buckets[i], *next;

		for (; e; e = next) {
			uint32_t b = hash_32(e->token, bits);

			next = e->next;
			e->next = buckets[b];
			buckets[b] = e;
		}
	}
	free(hs->buckets);
	hs->buckets = buckets;
	hs->bits = bits;
}

static uint32_t find_next_zero_bit(const unsigned long *map, uint32_t size,
				   uint32_t start)
{
	uint32_t i = start / BITS_PER_LONG;
	unsigned long word;

	if (start >= size)
		return size;
	word = ~map[i] & (~0UL << (start % BITS_PER_LONG));
	while (!word) {
		if (++i == size / BITS_PER_LONG)
			return size;
		word = ~map[i];
	}
	return i * BITS_PER_LONG + (uint32_t)__builtin_ctzl(word);
}

static int ids_grow_locked(struct hashmap_sock *hs, uint32_t bits)
{
	unsigned long *ids = hm_realloc(hs->ids, bits / CHAR_BIT);

	if (!ids)
		return -ENOMEM;
	memset(ids + hs->nr_id_bits / BITS_PER_LONG, 0,
	       (bits - hs->nr_id_bits) / CHAR_BIT);
	hs->ids = ids;
	hs->nr_id_bits = bits;
	return 0;
}

/*
 * The id allocator.  A token must be the lowest free id (S-4.4), which a hash
 * table cannot tell, so ids live in a bitmap of their own that doubles when
 * full.  Id 0 is never handed out: the search starts at 1, as in an xarray
 * with XA_FLAGS_ALLOC1.  An allocation is find_next_zero_bit() from @hint, a
 * lower bound on the lowest free id, so it reads one word per 64 busy ids in
 * a row above the hint: O(1) while tokens come back roughly in order, but
 * O(held / 64) after a return far below a long run of held ids (the next
 * allocation takes that id and moves the hint up to the run, and the one
 * after it scans the run).  The kernel's IDA answers in O(log n) through the
 * free marks of its xarray of 1024-bit leaves; this flat bitmap is the plain
 * version whose worst case the benchmark is free to show.
 */
static int id_alloc_locked(struct hashmap_sock *hs, uint32_t *id)
{
	uint32_t bit = find_next_zero_bit(hs->ids, hs->nr_id_bits, hs->hint);
	int err;

	if (bit == hs->nr_id_bits) {
		if (bit == IDS_MAX_BITS)
			return -EBUSY;
		err = ids_grow_locked(hs, 2 * hs->nr_id_bits);
		if (err)
			return err;
	}
	hs->ids[bit / BITS_PER_LONG] |= 1UL << (bit % BITS_PER_LONG);
	hs->hint = bit + 1;
	*id = bit;
	return 0;
}

static void id_free_locked(struct hashmap_sock *hs, uint32_t id)
{
	hs->ids[id / BITS_PER_LONG] &= ~(1UL << (id % BITS_PER_LONG));
	if (id < hs->hint)
		hs->hint = id;
}

static void free_entries(struct hm_entry **entries, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		free(entries[i]);
}

static struct dml_token_sock *hashmap_sock_create(_Atomic unsigned long *warnings)
{
	struct hashmap_sock *hs = hm_calloc(1, sizeof(*hs));

	if (!hs)
		return NULL;
	hs->buckets = hm_calloc((size_t)1 << HASH_MIN_BITS,
				sizeof(*hs->buckets));
	if (!hs->buckets)
		goto err_free_hs;
	hs->ids = hm_calloc(IDS_MIN_BITS / BITS_PER_LONG, sizeof(*hs->ids));
	if (!hs->ids)
		goto err_free_buckets;
	hs->ts.warnings = warnings;
	hs->bits = HASH_MIN_BITS;
	hs->nr_id_bits = IDS_MIN_BITS;
	hs->hint = 1;
	pthread_spin_init(&hs->lock, PTHREAD_PROCESS_PRIVATE);
	return &hs->ts;

err_free_buckets:
	free(hs->buckets);
err_free_hs:
	free(hs);
	return NULL;
}

/* S-6.1: the socket is gone: every token it still holds is returned. */
static void hashmap_sock_destroy(struct dml_token_sock *ts)
{
	struct hashmap_sock *hs = to_hs(ts);
	size_t i;

	/* The last reference went: no DONTNEED or recvmsg can race this. */
	for (i = 0; i < table_size(hs); i++) {
		struct hm_entry *e = hs->buckets[i], *next;

		for (; e; e = next) {
			next = e->next;
			DML_WARN_ON(ts->warnings, !dml_netmem_put(&e->niov->nm));
			free(e);
		}
	}
	free(hs->buckets);
	free(hs->ids);
	pthread_spin_destroy(&hs->lock);
	free(hs);
}

/*
 * Inserts the entries of the tokens handed out and frees the ids of the
 * rest, whose entries go to @spare for freeing outside the lock; lock held.
 * Returns how many went to @spare.
 */
static unsigned int pool_commit_locked(struct hashmap_sock *hs,
				       struct hm_entry **spare)
{
	unsigned int i, n = 0;

	for (i = 0; i < hs->idx; i++)
		table_insert_locked(hs, hs->pool[i]);
	for (; i < hs->max; i++) {
		id_free_locked(hs, hs->pool[i]->token);
		spare[n++] = hs->pool[i];
	}
	if (hs->nr_items > table_size(hs) && hs->bits < HASH_MAX_BITS)
		table_grow_locked(hs);
	hs->nr_reserved = 0;
	hs->max = 0;
	hs->idx = 0;
	return n;
}

static int pool_refill_slow(struct hashmap_sock *hs, unsigned int frags_left)
{
	unsigned int k, got, nr_spare,
		want = frags_left < DML_MAX_SKB_FRAGS ? frags_left : DML_MAX_SKB_FRAGS;
	struct hm_entry *fresh[DML_MAX_SKB_FRAGS], *spare[DML_MAX_SKB_FRAGS];
	int err = 0;

	/*
	 * kmem_cache_alloc(GFP_KERNEL) may sleep, so the entries are allocated
	 * before the spinlock; fewer than wanted still reserves that many.
	 */
	for (got = 0; got < want; got++) {
		fresh[got] = hm_malloc(sizeof(*fresh[got]));
		if (!fresh[got]) {
			err = -ENOMEM;
			break;
		}
	}
	pthread_spin_lock(&hs->lock);
	nr_spare = pool_commit_locked(hs, spare);
	for (k = 0; k < got; k++) {
		err = id_alloc_locked(hs, &fresh[k]->token);
		if (err)
			break;
		hs->pool[k] = fresh[k];
	}
	hs->nr_reserved = k;
	pthread_spin_unlock(&hs->lock);
	hs->max = k;
	hs->idx = 0;
	free_entries(spare, nr_spare);
	free_entries(fresh + k, got - k);
	return k ? 0 : err;
}

static int hashmap_assign(struct dml_token_sock *ts, struct dml_binding *binding,
			  struct dml_net_iov *niov, unsigned int frags_left,
			  uint32_t *token)
{
	struct hashmap_sock *hs = to_hs(ts);
	int err;

	(void)binding;
	if (hs->idx >= hs->max) {
		err = pool_refill_slow(hs, frags_left);
		if (err)
			return err;
	}
	*token = hs->pool[hs->idx]->token;
	/* The token's own page-pool reference, dropped by DONTNEED or close. */
	dml_netmem_get(&niov->nm);
	hs->pool[hs->idx++]->niov = niov;
	return 0;
}

static void hashmap_flush(struct dml_token_sock *ts)
{
	struct hashmap_sock *hs = to_hs(ts);
	struct hm_entry *spare[DML_MAX_SKB_FRAGS];
	unsigned int n;

	if (!hs->max)
		return;
	pthread_spin_lock(&hs->lock);
	n = pool_commit_locked(hs, spare);
	pthread_spin_unlock(&hs->lock);
	free_entries(spare, n);
}

static void put_batch(_Atomic unsigned long *warnings, struct hm_entry **batch,
		      unsigned int n)
{
	unsigned int k;

	for (k = 0; k < n; k++) {
		DML_WARN_ON(warnings, !dml_netmem_put(&batch[k]->niov->nm));
		free(batch[k]);
	}
}

static int hashmap_release(struct dml_token_sock *ts,
			   const struct dmabuf_token *tokens,
			   unsigned int nr_tokens)
{
	struct hashmap_sock *hs = to_hs(ts);
	struct hm_entry *batch[DML_PUT_BATCH];
	unsigned int i, n = 0, frags = 0;
	int released = 0;
	uint32_t j;

	pthread_spin_lock(&hs->lock);
	for (i = 0; i < nr_tokens; i++) {
		for (j = 0; j < tokens[i].token_count; j++) {
			struct hm_entry *e;

			if (++frags > DML_MAX_DONTNEED_FRAGS)
				goto out_unlock;
			/*
			 * u32 wrap of start + j lands on some id: harmless.
			 * Id 0, free ids and ids reserved by a recvmsg in
			 * progress have no entry and are skipped: a
			 * reservation is not a token yet, and it stays for
			 * its commit (as the xarray design, unlike the
			 * kernel: docs/deviations.md).
			 */
			e = table_erase_locked(hs, tokens[i].token_start + j);
			if (!e)
				continue;
			id_free_locked(hs, e->token);
			batch[n++] = e;
			released++;
			if (n == DML_PUT_BATCH) {
				/* Page-pool puts and frees run unlocked. */
				pthread_spin_unlock(&hs->lock);
				put_batch(ts->warnings, batch, n);
				n = 0;
				pthread_spin_lock(&hs->lock);
			}
		}
	}
out_unlock:
	pthread_spin_unlock(&hs->lock);
	put_batch(ts->warnings, batch, n);
	return released;
}

static void hashmap_count_refs(struct dml_token_sock *ts,
			       const struct dml_binding *binding,
			       uint32_t *refs)
{
	struct hashmap_sock *hs = to_hs(ts);
	const struct hm_entry *e;
	size_t i;

	pthread_spin_lock(&hs->lock);
	for (i = 0; i < table_size(hs); i++) {
		for (e = hs->buckets[i]; e; e = e->next) {
			const struct dml_net_iov *niov = e->niov;

			if (niov >= binding->vec &&
			    niov < binding->vec + binding->nr_niovs)
				refs[niov - binding->vec]++;
		}
	}
	pthread_spin_unlock(&hs->lock);
}

/* The table, every entry allocated (committed or reserved) and the bitmap. */
static size_t hashmap_state_bytes(struct dml_token_sock *ts)
{
	struct hashmap_sock *hs = to_hs(ts);
	size_t bytes;

	pthread_spin_lock(&hs->lock);
	bytes = sizeof(*hs) + table_size(hs) * sizeof(*hs->buckets) +
		(hs->nr_items + hs->nr_reserved) * sizeof(struct hm_entry) +
		hs->nr_id_bits / CHAR_BIT;
	pthread_spin_unlock(&hs->lock);
	return bytes;
}

const struct dml_token_ops dml_token_hashmap_ops = {
	.info = {
		.name = "hashmap",
		.autorelease = 1,
		.summary = "per-socket hash table + id bitmap under a spinlock (rejected)",
	},
	.sock_create = hashmap_sock_create,
	.sock_destroy = hashmap_sock_destroy,
	.assign = hashmap_assign,
	.flush = hashmap_flush,
	.release = hashmap_release,
	.state_bytes = hashmap_state_bytes,
	.count_refs = hashmap_count_refs,
};
