/* SPDX-License-Identifier: MIT */
/*
 * The kernel's xarray in its allocating mode (XA_FLAGS_ALLOC1), as devmem
 * TCP keeps sk->sk_user_frags: token -> net_iov (S-4.4, S-8 `xarray`).
 *
 * It is here so that other token designs are measured against what the
 * kernel really pays, so it keeps the kernel's mechanics: a radix tree of
 * 64-slot nodes laid out as the kernel's struct xa_node (576 bytes, three
 * mark bitmaps of which ALLOC1 uses the free mark and every erase still
 * clears the other two), allocation of the lowest free id by following the
 * free marks, a node allocated when the tree grows and handed to call_rcu
 * (liburcu) when its last entry goes, a tree that gains a level at the top
 * when an id does not fit and loses it again when it can, and a destroy
 * that frees every node the same way.  The tree itself is xa_tree.h, which
 * rcu_tree.c instantiates too.
 *
 * Locking: there is no lock inside.  The caller serialises every call on
 * one xarray, loads included; for a socket's token table that is the
 * socket's token lock, the kernel's xa_lock_bh(&sk->sk_user_frags), which
 * the token design owns.  As in the kernel, a node stays valid until an
 * RCU grace period after it left the tree; the token design has no reader
 * that needs it, but it pays for it as the kernel does.
 *
 * Threads: liburcu needs every thread that calls call_rcu registered; the
 * first node free on a thread registers it (see xarray.c).
 *
 * Deviation: id 0 stays busy for the life of the array.  The kernel keeps
 * it busy with a zero entry that an erase of index 0 would remove, after
 * which it hands out id 0; here an erase or cmpxchg of id 0 does nothing.
 */
#ifndef DML_TOKENS_XARRAY_H
#define DML_TOKENS_XARRAY_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <urcu/call-rcu.h>

#define DML_XA_CHUNK_SHIFT	6
#define DML_XA_CHUNK_SIZE	(1U << DML_XA_CHUNK_SHIFT)
#define DML_XA_CHUNK_MASK	(DML_XA_CHUNK_SIZE - 1)

/* The kernel's XA_MARK_0 .. XA_MARK_2; ALLOC1 tracks free slots with 0. */
#define DML_XA_MAX_MARKS	3
#define DML_XA_FREE_MARK	0

/*
 * Pointers whose two low bits are 10 are the array's own: node pointers in
 * slots, the zero and retry entries and error values.  Callers store
 * aligned pointers.
 */
static inline void *dml_xa_mk_internal(uintptr_t v)
{
	return (void *)((v << 2) | 2);
}

static inline bool dml_xa_is_internal(const void *entry)
{
	return ((uintptr_t)entry & 3) == 2;
}

/*
 * What a freed node's slots hold: an RCU reader still inside the node
 * finds this instead of an entry that is no longer there.
 */
#define DML_XA_RETRY_ENTRY	dml_xa_mk_internal(256)

/*
 * A reserved entry: it occupies its id, so the id is not free for
 * allocation, but it loads as NULL (the kernel's XA_ZERO_ENTRY).  devmem
 * reserves token ids with it before it knows which net_iov they name.
 */
#define DML_XA_ZERO_ENTRY	dml_xa_mk_internal(257)

/* An -errno carried in a returned entry (the kernel's xa_mk_internal(-e)). */
#define DML_XA_ERROR(errno_) \
	dml_xa_mk_internal((uintptr_t)(intptr_t)(errno_))
#define DML_XA_MAX_ERRNO	4095

static inline bool dml_xa_is_err(const void *entry)
{
	return dml_xa_is_internal(entry) &&
	       (uintptr_t)entry >= (((uintptr_t)-DML_XA_MAX_ERRNO << 2) | 2);
}

/* The -errno in @entry, or 0 if it is not an error. */
static inline int dml_xa_err(const void *entry)
{
	if (dml_xa_is_err(entry))
		return (int)((intptr_t)entry >> 2);
	return 0;
}

/* struct xa_node, field for field. */
struct dml_xa_node {
	unsigned char shift;		/* index bits below each slot */
	unsigned char offset;		/* slot in the parent */
	unsigned char count;		/* slots that are not NULL */
	unsigned char nr_values;	/* value entries: devmem stores none */
	struct dml_xa_node *parent;	/* NULL at the top */
	struct dml_xarray *array;	/* the array the node belongs to */
	union {
		/* rcu_tree.c: unlinked this round, call_rcu after the unlock */
		struct dml_xa_node *next_unlinked;
		struct rcu_head rcu;	/* while it waits for a grace period */
	};
	_Atomic(void *) slots[DML_XA_CHUNK_SIZE];
	/*
	 * Bit set = slot marked.  The free mark: a NULL slot, or a child node
	 * with a free slot somewhere below it.
	 */
	uint64_t marks[DML_XA_MAX_MARKS];
};

/* A node sits in a slot tagged as internal; small values are not nodes. */
static inline bool dml_xa_is_node(const void *entry)
{
	return dml_xa_is_internal(entry) && (uintptr_t)entry > 4096;
}

static inline struct dml_xa_node *dml_xa_to_node(const void *entry)
{
	return (struct dml_xa_node *)((uintptr_t)entry - 2);
}

/* struct xarray without its lock, which the caller owns (see above). */
struct dml_xarray {
	/* the head's own marks, bit m for mark m (XA_FLAGS_MARK) */
	unsigned int flags;
	/* NULL when empty, otherwise the top node (tagged) */
	_Atomic(void *) head;
};

/* The head's @mark: for the free mark, the top node has a free slot. */
static inline bool dml_xa_marked(const struct dml_xarray *xa,
				 unsigned int mark)
{
	return xa->flags & (1U << mark);
}

/**
 * dml_xa_init() - Initialise an empty array that allocates ids from 1.
 * @xa: the array.
 */
void dml_xa_init(struct dml_xarray *xa);

/**
 * dml_xa_alloc() - Store @entry at the lowest free id in [@min, @max].
 * @xa: the array.
 * @id: set to the id on success, untouched on failure.
 * @entry: a pointer, or DML_XA_ZERO_ENTRY to reserve the id.
 * @min: lowest id wanted; id 0 is never free.
 * @max: highest id wanted.
 *
 * Return: 0 on success, -EINVAL if @entry is NULL or an internal value
 * other than DML_XA_ZERO_ENTRY, -EBUSY if every id in [@min, @max] is in
 * use, -ENOMEM if a node could not be allocated (the array is unchanged).
 */
int dml_xa_alloc(struct dml_xarray *xa, uint32_t *id, void *entry,
		 uint32_t min, uint32_t max);

/**
 * dml_xa_erase() - Free @id.
 * @xa: the array.
 * @id: the id; erasing a free id, or id 0, changes nothing.
 *
 * Return: the entry that was there, or NULL if the id was free or held
 * DML_XA_ZERO_ENTRY (which is erased).  No errors.
 */
void *dml_xa_erase(struct dml_xarray *xa, uint32_t id);

/**
 * dml_xa_erase_present() - Free @id if it holds a real entry.
 * @xa: the array.
 * @id: the id.
 *
 * Like dml_xa_erase() in one walk, except that a reserved id (a zero entry)
 * is left in place: it belongs to a recvmsg that will commit it.
 *
 * Return: the entry erased, or NULL (absent, reserved, or id 0).  No errors.
 */
void *dml_xa_erase_present(struct dml_xarray *xa, uint32_t id);

/**
 * dml_xa_cmpxchg() - Store @entry at @id if the entry there is @old.
 * @xa: the array.
 * @id: the id; id 0 is left alone and reads as NULL.
 * @old: the entry expected; DML_XA_ZERO_ENTRY matches a reserved id, NULL
 *       a free one.
 * @entry: the new entry; NULL erases, DML_XA_ZERO_ENTRY reserves.
 *
 * This is how devmem commits a reserved token to its net_iov.
 *
 * Return: the entry that was at @id, NULL if it was free or reserved (so a
 * committed reservation returns NULL, as the kernel's does); or an error
 * entry, see dml_xa_err(): -EINVAL if @entry is an internal value other
 * than DML_XA_ZERO_ENTRY, -ENOMEM if storing into a free id needed a node
 * that could not be allocated (the array is unchanged).
 */
void *dml_xa_cmpxchg(struct dml_xarray *xa, uint32_t id, void *old,
		     void *entry);

/**
 * dml_xa_find() - The first entry at or after *@index, up to @max.
 * @xa: the array.
 * @index: where to start; set to the entry's id when one is found.
 * @max: highest id to look at.
 *
 * Reserved ids are skipped.  Walks slots in order as the kernel's
 * xa_find() does; used to release everything a socket holds at close.
 *
 * Return: the entry, or NULL if there is none in range.  No errors.
 */
void *dml_xa_find(const struct dml_xarray *xa, uint32_t *index, uint32_t max);

/* xa_for_each() over the ids up to @max, which is below UINT32_MAX. */
#define dml_xa_for_each(xa, index, entry, max)				\
	for ((index) = 0; ((entry) = dml_xa_find(xa, &(index), max)); (index)++)

/**
 * dml_xa_destroy() - Free every node; the array is empty afterwards.
 * @xa: the array.
 *
 * The kernel's xa_destroy(): every node's slots are set to the retry entry
 * and the node goes to call_rcu.  The entries are the caller's and are not
 * touched.
 */
void dml_xa_destroy(struct dml_xarray *xa);

/**
 * dml_xa_node_count() - Nodes the array holds now, by walking it.
 * @xa: the array.
 *
 * Return: the number of nodes, 0 for an empty array.  No errors.
 */
size_t dml_xa_node_count(const struct dml_xarray *xa);

/**
 * dml_xa_node_bytes() - Size of one node, for memory accounting.
 *
 * Return: sizeof(struct dml_xa_node), the kernel's 576 bytes on LP64.  No
 * errors.
 */
size_t dml_xa_node_bytes(void);

#endif /* DML_TOKENS_XARRAY_H */
