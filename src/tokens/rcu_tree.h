/* SPDX-License-Identifier: MIT */
/*
 * The allocating xarray of xarray.h made safe for lock-free claims, for the
 * `rcu` token design (S-8): token id -> net_iov, ids allocated lowest free
 * from 1 as the kernel's XA_FLAGS_ALLOC1 does.  The tree is xa_tree.h's
 * core, the one xarray.c uses, in a flavour of its own (rcu_tree.c).
 *
 * Two kinds of callers:
 *
 * - Writers hold the owner's lock (the socket's token spinlock) around every
 *   *_locked call: id reservation, commit, unreservation, the drain of
 *   claimed ids, walks.  They change the shape of the tree (nodes added on
 *   growth, unlinked when empty or when the top folds).
 * - Claimers hold no lock, only an RCU read-side section
 *   (dml_urcu_read_lock()): dml_rt_claim() walks the tree and takes an entry
 *   with a compare-and-exchange of its slot to NULL, so among racing
 *   claimers (and racing DONTNEED calls) exactly one wins each entry.
 *
 * A claimed slot is NULL but its id is not free yet: the claim leaves a bit
 * in its leaf's pending word and the next writer round turns pending bits
 * into free ids (dml_rt_drain_locked()) before it allocates, so a caller
 * that claims then reserves sees the id again, lowest first, as with
 * xarray.h.  Only writers ever free a slot for reuse, so a writer never
 * races a claimer for the slot it fills.
 *
 * Node lifetime: a writer only unlinks a node; the node is handed to
 * call_rcu (liburcu, memb flavour) after the writer drops its lock
 * (dml_rt_free_unlinked()), so a claimer that still walks through it keeps
 * valid memory until its read-side section ends.
 *
 * Threads: liburcu needs every thread that reads or calls call_rcu to be
 * registered.  A thread is registered lazily on its first read-side
 * section or first node free, and unregistered at thread exit through a
 * pthread key destructor; see urcu_thread.h for the cost.  A caller must
 * not register its threads with the memb flavour itself.
 *
 * Entry encoding: as xarray.h (internal values, DML_XA_ZERO_ENTRY for a
 * reserved id, id 0 busy for the life of the tree).
 */
#ifndef DML_TOKENS_RCU_TREE_H
#define DML_TOKENS_RCU_TREE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tokens/xarray.h"

struct dml_rt_node;

struct dml_rcu_tree {
	/* The tree: xa_tree.h's core, as xarray.h's; claimers load the head. */
	struct dml_xarray xa;
	/*
	 * Leaves with pending (claimed, not yet freed) ids: a lock-free stack
	 * claimers push on and the drain pops whole.
	 */
	_Atomic(struct dml_rt_node *) dirty;
	/* Writers only: nodes unlinked in this round, freed after the unlock. */
	struct dml_xa_node *unlinked;
};

/**
 * dml_rt_init() - Initialise an empty tree that allocates ids from 1.
 * @rt: the tree.
 */
void dml_rt_init(struct dml_rcu_tree *rt);

/**
 * dml_rt_reserve_locked() - Reserve the lowest free id in [@min, @max].
 * @rt: the tree.
 * @id: set to the id on success.
 * @min: lowest id wanted; id 0 is never free.
 * @max: highest id wanted.
 *
 * The id holds DML_XA_ZERO_ENTRY, which claimers skip.
 *
 * Return: 0, -EBUSY if every id in range is in use, -ENOMEM if a node could
 * not be allocated (the tree is unchanged).
 */
int dml_rt_reserve_locked(struct dml_rcu_tree *rt, uint32_t *id, uint32_t min,
			  uint32_t max);

/**
 * dml_rt_commit_locked() - Store @entry at @id, reserved by the caller.
 * @rt: the tree.
 * @id: an id from dml_rt_reserve_locked().
 * @entry: an aligned pointer, not an internal value.
 *
 * Return: true, or false if @id was not reserved (nothing stored).
 */
bool dml_rt_commit_locked(struct dml_rcu_tree *rt, uint32_t id, void *entry);

/**
 * dml_rt_unreserve_locked() - Free @id, reserved by the caller and unused.
 * @rt: the tree.
 * @id: an id from dml_rt_reserve_locked().
 *
 * Return: true, or false if @id was not reserved (nothing changed).
 */
bool dml_rt_unreserve_locked(struct dml_rcu_tree *rt, uint32_t id);

/**
 * dml_rt_drain_locked() - Free the ids of every claim made so far.
 * @rt: the tree.
 *
 * Leaves left empty are unlinked (see dml_rt_free_unlinked()).
 */
void dml_rt_drain_locked(struct dml_rcu_tree *rt);

/**
 * dml_rt_unlinked_locked() - Take the nodes this round unlinked.
 * @rt: the tree.
 *
 * Return: a list for dml_rt_free_unlinked(), NULL if there is none.
 */
struct dml_xa_node *dml_rt_unlinked_locked(struct dml_rcu_tree *rt);

/**
 * dml_rt_free_unlinked() - Free nodes after a grace period (call_rcu).
 * @list: from dml_rt_unlinked_locked(), NULL allowed.
 *
 * Called without the lock: call_rcu may create liburcu's worker thread the
 * first time.  Registers the calling thread with liburcu if needed.
 */
void dml_rt_free_unlinked(struct dml_xa_node *list);

/**
 * dml_rt_claim() - Take the entry at @id away from the tree, lock-free.
 * @rt: the tree.
 * @id: any id; 0, free, reserved or already claimed ids give NULL.
 *
 * Call inside dml_urcu_read_lock() (urcu_thread.h).  The id stays busy until the next
 * dml_rt_drain_locked().
 *
 * Return: the entry, which the caller now owns, or NULL.  No errors.
 */
void *dml_rt_claim(struct dml_rcu_tree *rt, uint32_t id);

/**
 * dml_rt_for_each_locked() - Call @fn on every committed entry, in id order.
 * @rt: the tree.
 * @fn: called with the entry and @arg.
 * @arg: for @fn.
 *
 * An entry claimed concurrently may or may not be seen.
 */
void dml_rt_for_each_locked(struct dml_rcu_tree *rt,
			    void (*fn)(void *entry, void *arg), void *arg);

/**
 * dml_rt_destroy() - Hand every committed entry to @fn and free all nodes.
 * @rt: the tree; empty afterwards.
 * @fn: called with each entry and @arg; NULL to skip.
 * @arg: for @fn.
 *
 * The caller guarantees that no claimer or writer can reach @rt any more:
 * nodes are freed at once, without a grace period.
 */
void dml_rt_destroy(struct dml_rcu_tree *rt, void (*fn)(void *entry, void *arg),
		    void *arg);

/**
 * dml_rt_node_count_locked() - Nodes linked in the tree now.
 * @rt: the tree.
 *
 * Return: the count, 0 for an empty tree.  No errors.
 */
size_t dml_rt_node_count_locked(struct dml_rcu_tree *rt);

/**
 * dml_rt_node_bytes() - Size of one node, for memory accounting.
 *
 * Return: the size.  No errors.
 */
size_t dml_rt_node_bytes(void);

#endif /* DML_TOKENS_RCU_TREE_H */
