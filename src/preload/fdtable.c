// SPDX-License-Identifier: MIT
/*
 * The fd table: which of the program's fds are emulated.  A lookup is two
 * acquire loads for an fd the emulation never saw, so the program's own
 * files pay next to nothing; an emulated file is pinned by a reference
 * count while a call runs, and a close racing that call frees nothing the
 * call still uses.
 */
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "preload.h"

#define CHUNK_SHIFT	10
#define CHUNK_SIZE	(1u << CHUNK_SHIFT)
#define NR_CHUNKS	1024u		/* fds up to 1 M */

typedef _Atomic(struct pl_file *) pl_slot;

static _Atomic(pl_slot *) chunks[NR_CHUNKS];

/* Protects chunk creation and the free list. */
static pthread_mutex_t table_lock = PTHREAD_MUTEX_INITIALIZER;
static struct pl_file *free_files;

static pl_slot *slot_of(int fd, bool create)
{
	unsigned int c = (unsigned int)fd >> CHUNK_SHIFT;
	pl_slot *chunk;

	if (fd < 0 || c >= NR_CHUNKS)
		return NULL;
	chunk = atomic_load_explicit(&chunks[c], memory_order_acquire);
	if (chunk || !create)
		return chunk ? &chunk[fd & (CHUNK_SIZE - 1)] : NULL;
	pthread_mutex_lock(&table_lock);
	chunk = atomic_load_explicit(&chunks[c], memory_order_relaxed);
	if (!chunk) {
		chunk = calloc(CHUNK_SIZE, sizeof(*chunk));
		if (chunk)
			atomic_store_explicit(&chunks[c], chunk, memory_order_release);
	}
	pthread_mutex_unlock(&table_lock);
	return chunk ? &chunk[fd & (CHUNK_SIZE - 1)] : NULL;
}

bool pl_fd_emulated(int fd)
{
	pl_slot *slot = slot_of(fd, false);

	return slot && atomic_load_explicit(slot, memory_order_acquire);
}

struct pl_file *pl_file_new(const struct pl_file_ops *ops, void *priv, bool readiness)
{
	struct pl_file *f;

	pthread_mutex_lock(&table_lock);
	f = free_files;
	if (f)
		free_files = f->free_next;
	pthread_mutex_unlock(&table_lock);
	if (!f) {
		f = calloc(1, sizeof(*f));
		if (!f)
			return NULL;
	}
	f->efd = -1;
	if (readiness) {
		f->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
		if (f->efd < 0) {
			pthread_mutex_lock(&table_lock);
			f->free_next = free_files;
			free_files = f;
			pthread_mutex_unlock(&table_lock);
			return NULL;
		}
	}
	f->ops = ops;
	f->priv = priv;
	f->free_next = NULL;
	atomic_store_explicit(&f->signalled, false, memory_order_relaxed);
	atomic_store_explicit(&f->status_flags, 0, memory_order_relaxed);
	/* The creator's reference; published last, as the file is ready. */
	atomic_store_explicit(&f->refs, 1, memory_order_release);
	return f;
}

struct pl_file *pl_file_get(int fd)
{
	pl_slot *slot = slot_of(fd, false);
	struct pl_file *f;
	int refs;

	if (!slot)
		return NULL;
	for (;;) {
		f = atomic_load_explicit(slot, memory_order_acquire);
		if (!f)
			return NULL;
		refs = atomic_load_explicit(&f->refs, memory_order_relaxed);
		do {
			if (!refs)
				break;
		} while (!atomic_compare_exchange_weak_explicit(&f->refs, &refs, refs + 1,
								memory_order_acquire,
								memory_order_relaxed));
		if (!refs)
			continue;	/* being freed: the slot is cleared already */
		/* Reused for another fd while we looked: not ours. */
		if (atomic_load_explicit(slot, memory_order_acquire) == f)
			return f;
		pl_file_put(f);
	}
}

void pl_file_put(struct pl_file *f)
{
	if (atomic_fetch_sub_explicit(&f->refs, 1, memory_order_acq_rel) != 1)
		return;
	if (f->ops->release)
		f->ops->release(f);
	if (f->efd >= 0)
		PL_REAL(close)(f->efd);
	f->efd = -1;
	pthread_mutex_lock(&table_lock);
	f->free_next = free_files;
	free_files = f;
	pthread_mutex_unlock(&table_lock);
}

int pl_file_install(int fd, struct pl_file *f)
{
	pl_slot *slot = slot_of(fd, true);
	struct pl_file *old;

	if (!slot)
		return -EMFILE;
	atomic_fetch_add_explicit(&f->refs, 1, memory_order_relaxed);
	old = atomic_exchange_explicit(slot, f, memory_order_acq_rel);
	/* The kernel gave this number out again: the old entry was stale. */
	if (old)
		pl_file_put(old);
	return 0;
}

void pl_file_forget(int fd)
{
	pl_slot *slot = slot_of(fd, false);
	struct pl_file *f;

	if (!slot)
		return;
	f = atomic_exchange_explicit(slot, NULL, memory_order_acq_rel);
	if (f)
		pl_file_put(f);
}

int pl_file_new_fd(struct pl_file *f, int min, bool cloexec)
{
	int fd, err;

	if (f->efd < 0)
		return -EINVAL;
	fd = PL_REAL(fcntl)(f->efd, cloexec ? F_DUPFD_CLOEXEC : F_DUPFD, min);
	if (fd < 0)
		return -errno;
	err = pl_file_install(fd, f);
	if (err) {
		PL_REAL(close)(fd);
		return err;
	}
	return fd;
}

void pl_file_signal(struct pl_file *f)
{
	uint64_t one = 1;

	if (f->efd < 0 || atomic_exchange(&f->signalled, true))
		return;
	if (PL_REAL(write)(f->efd, &one, sizeof(one)) != sizeof(one))
		atomic_store(&f->signalled, false);
}

/*
 * Drain first, then clear: a signal racing us either finds the flag still
 * set (and the caller's re-check after this sees its state) or writes
 * after the drain.
 */
void pl_file_unsignal(struct pl_file *f)
{
	uint64_t v;

	if (f->efd < 0 || !atomic_load(&f->signalled))
		return;
	if (PL_REAL(read)(f->efd, &v, sizeof(v)) < 0 && errno != EAGAIN)
		return;
	atomic_store(&f->signalled, false);
}

int pl_file_forget_all(void)
{
	unsigned int c, i;
	int closed = 0;

	for (c = 0; c < NR_CHUNKS; c++) {
		pl_slot *chunk = atomic_load_explicit(&chunks[c], memory_order_acquire);

		if (!chunk)
			continue;
		for (i = 0; i < CHUNK_SIZE; i++) {
			int fd = (int)(c << CHUNK_SHIFT | i);

			if (!atomic_load_explicit(&chunk[i], memory_order_acquire))
				continue;
			pl_file_forget(fd);
			PL_REAL(close)(fd);
			closed++;
		}
	}
	return closed;
}
