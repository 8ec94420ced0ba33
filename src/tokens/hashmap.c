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
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fault.h"
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

/* A token: its value first (xa_pool.h), an hlist_node and its key. */
struct hm_entry {
	struct dml_net_iov *niov;
	struct hm_entry *next;
	uint32_t token;
};

struct hashmap_sock {
	struct dml_pool_sock ps;	/* its slots are entries */
	/*
	 * The token lock: protects everything from @buckets to @hint, and
	 * the pool's count of reserved ids is only changed under it too.
	 * DONTNEED takes it without the socket lock.
	 */
	pthread_spinlock_t lock;
	struct hm_entry **buckets;	/* 2^@bits chain heads */
	unsigned int bits;
	size_t nr_items;		/* committed tokens in the table */
	unsigned long *ids;		/* bit set = id issued or reserved */
	uint32_t nr_id_bits;		/* a power of two, >= IDS_MIN_BITS */
	uint32_t hint;			/* ids [1, hint) are all busy */
};

static struct hashmap_sock *to_hs(struct dml_token_sock *ts)
{
	return (struct hashmap_sock *)ts;
}

/* Every allocation of the design, so that a test can fail each in turn. */
#define HM_ALLOC(call)	(DML_FAULT(dml_hashmap_fail_next_alloc) ? NULL : (call))

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

	buckets = HM_ALLOC(calloc((size_t)1 << bits, sizeof(*buckets)));
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

static inline uint32_t find_next_zero_bit(const unsigned long *map,
					  uint32_t size, uint32_t start)
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
	unsigned long *ids = HM_ALLOC(realloc(hs->ids, bits / CHAR_BIT));

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
static inline int id_alloc_locked(struct hashmap_sock *hs, uint32_t *id)
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

static struct dml_token_sock *hashmap_sock_create(_Atomic unsigned long *warnings)
{
	struct hashmap_sock *hs = HM_ALLOC(calloc(1, sizeof(*hs)));

	if (!hs)
		return NULL;
	hs->buckets = HM_ALLOC(calloc((size_t)1 << HASH_MIN_BITS,
				      sizeof(*hs->buckets)));
	if (!hs->buckets)
		goto err_free_hs;
	hs->ids = HM_ALLOC(calloc(IDS_MIN_BITS / BITS_PER_LONG, sizeof(*hs->ids)));
	if (!hs->ids)
		goto err_free_buckets;
	hs->ps.ts.warnings = warnings;
	hs->bits = HASH_MIN_BITS;
	hs->nr_id_bits = IDS_MIN_BITS;
	hs->hint = 1;
	pthread_spin_init(&hs->lock, PTHREAD_PROCESS_PRIVATE);
	return &hs->ps.ts;

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
 * The id table under xa_pool.h.  Those run per id are inline, as the
 * bitmap search under them: the pool calls them in its loops, where a call
 * per id costs more than their bodies.
 */
static void ids_lock(struct dml_token_sock *ts)
{
	pthread_spin_lock(&to_hs(ts)->lock);
}

static void ids_unlock(struct dml_token_sock *ts)
{
	pthread_spin_unlock(&to_hs(ts)->lock);
}

/* kmem_cache_alloc(GFP_KERNEL) may sleep: the entries come before the lock. */
static unsigned int ids_prealloc(struct dml_token_sock *ts, void **entries,
				 unsigned int want)
{
	unsigned int got;

	(void)ts;
	for (got = 0; got < want; got++) {
		entries[got] = HM_ALLOC(malloc(sizeof(struct hm_entry)));
		if (!entries[got])
			break;
	}
	return got;
}

static inline int ids_reserve(struct dml_token_sock *ts, uint32_t *id)
{
	return id_alloc_locked(to_hs(ts), id);
}

static inline void ids_commit(struct dml_token_sock *ts, uint32_t id,
			      void *entry)
{
	struct hm_entry *e = entry;

	e->token = id;
	table_insert_locked(to_hs(ts), e);
}

/* The id is free again; its entry is freed once the lock is dropped. */
static inline void ids_unreserve(struct dml_token_sock *ts, uint32_t id)
{
	id_free_locked(to_hs(ts), id);
}

/* Once per round, not per insert: a failed growth is tried at the next. */
static inline void ids_commit_end(struct dml_token_sock *ts)
{
	struct hashmap_sock *hs = to_hs(ts);

	if (hs->nr_items > table_size(hs) && hs->bits < HASH_MAX_BITS)
		table_grow_locked(hs);
}

/*
 * Id 0, free ids and ids reserved by a recvmsg in progress have no entry
 * and are skipped: a reservation is not a token yet, and it stays for its
 * commit (as the xarray design, unlike the kernel: docs/deviations.md).
 */
static inline void *ids_erase(struct dml_token_sock *ts, uint32_t id)
{
	struct hashmap_sock *hs = to_hs(ts);
	struct hm_entry *e = table_erase_locked(hs, id);

	if (e)
		id_free_locked(hs, e->token);
	return e;
}

static const struct dml_id_table_ops hashmap_ids = {
	.lock = ids_lock,
	.unlock = ids_unlock,
	.prealloc = ids_prealloc,
	.free_entry = free,
	.reserve = ids_reserve,
	.commit = ids_commit,
	.unreserve = ids_unreserve,
	.commit_end = ids_commit_end,
	.erase = ids_erase,
};

DML_XA_POOL_RECV(hashmap, hashmap_ids)
DML_XA_POOL_RELEASE(hashmap, hashmap_ids)

static void hashmap_count_refs(struct dml_token_sock *ts,
			       const struct dml_binding *binding,
			       uint32_t *refs)
{
	struct hashmap_sock *hs = to_hs(ts);
	const struct hm_entry *e;
	size_t i;

	pthread_spin_lock(&hs->lock);
	for (i = 0; i < table_size(hs); i++) {
		for (e = hs->buckets[i]; e; e = e->next)
			dml_count_ref(binding, refs, e->niov);
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
		(hs->nr_items + hs->ps.pool.max) * sizeof(struct hm_entry) +
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
