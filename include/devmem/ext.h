/* SPDX-License-Identifier: MIT */
/*
 * devmem-lab extensions of the devmem TCP UAPI (issue 16).  Nothing here is
 * in any kernel: the numbers sit far outside the kernel's so that they can
 * never mean something else, and code using them says so by including this
 * header.  Behaviour: docs/extensions.md, items X-1.x.
 *
 * The return ring: a single-producer/single-consumer ring of
 * struct dmabuf_token entries in memory the application shares with the
 * (emulated) kernel.  The application writes entries and moves the tail;
 * the kernel consumes them when recvmsg runs and when the NIC has nothing
 * to post, with no system call per return.  A full ring is the
 * application's cue to fall back to SO_DEVMEM_DONTNEED.
 */
#ifndef DEVMEM_EXT_H
#define DEVMEM_EXT_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "devmem/uapi.h"

/*
 * SOL_SOCKET: the value is a struct devmem_lab_ring * (the same address
 * space here; a real kernel would have the ring mmap()ed), optlen its size;
 * optlen 0 or a NULL ring pointer unregisters, draining first.
 */
#define SO_DEVMEM_LAB_RETURN_RING	0x10000

/* Entries a ring may have: a power of two from 1 to this. */
#define DEVMEM_LAB_RING_MAX_ENTRIES	(1u << 16)

/*
 * Tokens one entry may name: the kernel's per-call DONTNEED budget, so that
 * no single entry makes a drain (which may run on the NIC's refill path)
 * walk more than a DONTNEED would.  A longer entry is skipped whole.
 */
#define DEVMEM_LAB_RING_MAX_COUNT	DML_MAX_DONTNEED_FRAGS

struct devmem_lab_ring {
	/* Written by the application (release), read by the kernel (acquire). */
	_Atomic uint32_t tail;
	uint32_t pad0[15];		/* the producer's own cache line */
	/* Written by the kernel side (release), read by the application. */
	_Atomic uint32_t head;
	uint32_t pad1[15];
	_Atomic uint64_t drained;	/* frags the kernel released from the ring */
	_Atomic uint64_t skipped;	/* tokens of bad entries: counted, never an error */
	uint32_t mask;			/* entries - 1, set before registering */
	uint32_t pad2;
	struct dmabuf_token entries[];	/* a power-of-two count */
};

/**
 * devmem_lab_ring_bytes() - memory a return ring takes.
 * @entries: its entry count, a power of two.
 *
 * Return: the bytes to allocate (64-byte aligned memory suits it best).
 */
static inline size_t devmem_lab_ring_bytes(uint32_t entries)
{
	return sizeof(struct devmem_lab_ring) +
	       (size_t)entries * sizeof(struct dmabuf_token);
}

/**
 * devmem_lab_ring_init() - makes an empty ring, ready to register.
 * @r: devmem_lab_ring_bytes(@entries) bytes, aligned for 64-bit atomics.
 * @entries: a power of two up to DEVMEM_LAB_RING_MAX_ENTRIES; registration
 *	refuses any other count.
 *
 * Return: nothing; the ring's indices and counters start at 0.
 */
static inline void devmem_lab_ring_init(struct devmem_lab_ring *r, uint32_t entries)
{
	atomic_init(&r->tail, 0);
	atomic_init(&r->head, 0);
	atomic_init(&r->drained, 0);
	atomic_init(&r->skipped, 0);
	r->mask = entries - 1;
	r->pad2 = 0;
}

/**
 * devmem_lab_ring_push() - queues the return of @count tokens from @start.
 * @r: the ring, registered or not.
 * @start: the first token (a page index, as the DMABUF cmsg gave it).
 * @count: how many consecutive tokens; at most DEVMEM_LAB_RING_MAX_COUNT
 *	for the entry to be used.
 *
 * Only one thread may push to a ring at a time (it is single-producer).
 *
 * Return: true when queued, false when the ring is full: return those
 * tokens with SO_DEVMEM_DONTNEED instead.
 */
static inline bool devmem_lab_ring_push(struct devmem_lab_ring *r, uint32_t start,
					uint32_t count)
{
	uint32_t tail = atomic_load_explicit(&r->tail, memory_order_relaxed);
	/* Acquire: the kernel has read the entry it gave back before we reuse it. */
	uint32_t head = atomic_load_explicit(&r->head, memory_order_acquire);
	struct dmabuf_token *e;

	if (tail - head > r->mask)
		return false;
	e = &r->entries[tail & r->mask];
	e->token_start = start;
	e->token_count = count;
	/* Release: the entry is written before the kernel can see it. */
	atomic_store_explicit(&r->tail, tail + 1, memory_order_release);
	return true;
}

/**
 * devmem_lab_ring_push_many() - queues the returns of @n entries at once.
 * @r: the ring, registered or not.
 * @tokens: the entries, as a SO_DEVMEM_DONTNEED array holds them.
 * @n: how many.
 *
 * One look at the kernel's head and one publication of the tail for the
 * whole batch, where devmem_lab_ring_push() pays both per entry: what a
 * receiver that returns in batches (kperf's 128 tokens) should call.
 * Single-producer, as devmem_lab_ring_push().
 *
 * Return: entries queued, from the first, in order; those after them did
 * not fit: return them with SO_DEVMEM_DONTNEED.
 */
static inline uint32_t devmem_lab_ring_push_many(struct devmem_lab_ring *r,
						 const struct dmabuf_token *tokens,
						 uint32_t n)
{
	uint32_t tail = atomic_load_explicit(&r->tail, memory_order_relaxed);
	/* Acquire: the kernel has read the entries it gave back before we reuse them. */
	uint32_t head = atomic_load_explicit(&r->head, memory_order_acquire);
	uint32_t room = r->mask + 1 - (tail - head), i;

	if (room > r->mask + 1)
		room = 0;	/* a tail ahead of the ring: nothing fits */
	if (n > room)
		n = room;
	for (i = 0; i < n; i++)
		r->entries[(tail + i) & r->mask] = tokens[i];
	/* Release: the entries are written before the kernel can see them. */
	if (n)
		atomic_store_explicit(&r->tail, tail + n, memory_order_release);
	return n;
}

#endif /* DEVMEM_EXT_H */
