// SPDX-License-Identifier: MIT
/*
 * /dev/udmabuf where the machine has none (issue 15).  A receiver makes its
 * dma-buf the way the kernel's selftests do: a sealed memfd handed to
 * UDMABUF_CREATE.  The emulated device checks the request as the kernel's
 * drivers/dma-buf/udmabuf.c does (6.12) and answers with a new open file
 * description of the memfd itself: mmap, read and write on it are the
 * kernel's own, and bind-rx's import accepts a sealed memfd.  Only the
 * dma-buf ioctls are emulated on it.
 */
#include <fcntl.h>
#include <linux/dma-buf.h>
#include <linux/udmabuf.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "machine.h"

/* udmabuf's list_limit module parameter, at its default. */
#define UDMABUF_LIST_LIMIT	1024

static long page_size(void)
{
	return sysconf(_SC_PAGESIZE);
}

static unsigned long limit_mb(void)
{
	const char *v = getenv("DEVMEM_LAB_UDMABUF_LIMIT_MB");
	unsigned long n;
	char *end;

	if (!v || !*v)
		return PL_UDMABUF_LIMIT_MB;
	n = strtoul(v, &end, 10);
	return *end ? PL_UDMABUF_LIMIT_MB : n;
}

/* ---- the dma-buf fd ---------------------------------------------------- */

struct pl_dmabuf {
	char name[DMA_BUF_NAME_LEN];
};

static int dmabuf_sync(const void *arg)
{
	struct dma_buf_sync sync;

	if (!arg)
		return -EFAULT;
	memcpy(&sync, arg, sizeof(sync));
	if (sync.flags & ~(__u64)DMA_BUF_SYNC_VALID_FLAGS_MASK)
		return -EINVAL;
	/* A sync that names no direction is refused, as dma-buf.c does. */
	if (!(sync.flags & DMA_BUF_SYNC_RW))
		return -EINVAL;
	/* CPU and "device" share the pages: nothing to flush. */
	return 0;
}

static int dmabuf_set_name(struct pl_dmabuf *b, const char *name)
{
	size_t len;

	if (!name)
		return -EFAULT;
	len = strnlen(name, DMA_BUF_NAME_LEN);
	/* strndup_user() refuses a name that does not end within the limit. */
	if (len == DMA_BUF_NAME_LEN)
		return -EINVAL;
	memcpy(b->name, name, len + 1);
	return 0;
}

static int dmabuf_ioctl(struct pl_file *f, unsigned long req, void *arg)
{
	switch (req) {
	case DMA_BUF_IOCTL_SYNC:
		return dmabuf_sync(arg);
	case DMA_BUF_SET_NAME_A:
	case DMA_BUF_SET_NAME_B:
		return dmabuf_set_name(f->priv, arg);
	default:
		return -ENOTTY;
	}
}

static void dmabuf_release(struct pl_file *f)
{
	free(f->priv);
}

static const struct pl_file_ops dmabuf_ops = {
	.kind = "dmabuf",
	.pass_data = true,
	.ioctl = dmabuf_ioctl,
	.release = dmabuf_release,
};

/* ---- UDMABUF_CREATE ---------------------------------------------------- */

/* The memfd checks of udmabuf.c's check_memfd_seals() and its pinning. */
static int check_memfd(int memfd, uint64_t offset, uint64_t size, off_t *file_size)
{
	struct stat sb;
	int seals;

	if (PL_REAL(fcntl)(memfd, F_GETFD) < 0)
		return -EBADFD;
	/* Only shmem (and hugetlbfs) files have seals to read. */
	seals = PL_REAL(fcntl)(memfd, F_GET_SEALS);
	if (seals < 0 || fstat(memfd, &sb))
		return -EBADFD;
	if (!(seals & F_SEAL_SHRINK) || (seals & (F_SEAL_WRITE | F_SEAL_FUTURE_WRITE)))
		return -EINVAL;
	/* Pinning pages past the end of the file fails. */
	if (offset + size < offset || offset + size > (uint64_t)sb.st_size)
		return -EINVAL;
	*file_size = sb.st_size;
	return 0;
}

static int dmabuf_fd(int memfd, bool cloexec)
{
	char path[32];
	struct pl_dmabuf *b;
	struct pl_file *f;
	int fd, err;

	snprintf(path, sizeof(path), "/proc/self/fd/%d", memfd);
	fd = PL_REAL(open)(path, O_RDWR | (cloexec ? O_CLOEXEC : 0));
	if (fd < 0)
		return -errno;
	b = calloc(1, sizeof(*b));
	f = b ? pl_file_new(&dmabuf_ops, b, false) : NULL;
	if (!f) {
		free(b);
		PL_REAL(close)(fd);
		return -ENOMEM;
	}
	err = pl_file_install(fd, f);
	pl_file_put(f);
	if (err) {
		PL_REAL(close)(fd);
		return err;
	}
	return fd;
}

/* udmabuf_create(): the checks in the kernel's order, then the new fd. */
static int udmabuf_create(uint32_t flags, uint32_t count,
			  const struct udmabuf_create_item *list)
{
	uint64_t pages = 0, pglimit = ((uint64_t)limit_mb() << 20) / (uint64_t)page_size();
	uint64_t mask = (uint64_t)page_size() - 1;
	off_t file_size = 0;
	uint32_t i;
	int err;

	/* 6.12 reads only UDMABUF_FLAGS_CLOEXEC and ignores other bits. */
	for (i = 0; i < count; i++) {
		if ((list[i].offset & mask) || (list[i].size & mask))
			return -EINVAL;
		pages += list[i].size / (uint64_t)page_size();
		if (pages > pglimit)
			return -EINVAL;
	}
	if (!pages)
		return -EINVAL;
	for (i = 0; i < count; i++) {
		err = check_memfd((int)list[i].memfd, list[i].offset, list[i].size, &file_size);
		if (err)
			return err;
	}
	/*
	 * A plain memfd shows the whole file from offset 0: a dma-buf of part
	 * of one, or of several, cannot be shown that way.
	 */
	if (count != 1 || list[0].offset || (off_t)list[0].size != file_size) {
		pl_trace("udmabuf: a dma-buf of part of a memfd, or of several, "
			 "is not emulated");
		return -EOPNOTSUPP;
	}
	err = dmabuf_fd((int)list[0].memfd, flags & UDMABUF_FLAGS_CLOEXEC);
	if (pl_tracing())
		pl_trace("udmabuf: memfd %u, %llu bytes -> dma-buf fd %d", list[0].memfd,
			 (unsigned long long)list[0].size, err);
	return err;
}

static int udmabuf_ioctl(struct pl_file *f, unsigned long req, void *arg)
{
	const struct udmabuf_create *c = arg;
	const struct udmabuf_create_list *head = arg;
	struct udmabuf_create_item item;

	(void)f;
	switch (req) {
	case UDMABUF_CREATE:
		if (!c)
			return -EFAULT;
		item = (struct udmabuf_create_item){
			.memfd = c->memfd, .offset = c->offset, .size = c->size,
		};
		return udmabuf_create(c->flags, 1, &item);
	case UDMABUF_CREATE_LIST:
		if (!head)
			return -EFAULT;
		if (head->count > UDMABUF_LIST_LIMIT)
			return -EINVAL;
		return udmabuf_create(head->flags, head->count, head->list);
	default:
		return -ENOTTY;
	}
}

static const struct pl_file_ops udmabuf_dev_ops = {
	.kind = "udmabuf-dev",
	.ioctl = udmabuf_ioctl,
};

int pl_udmabuf_install(int fd)
{
	struct pl_file *f = pl_file_new(&udmabuf_dev_ops, NULL, false);
	int err;

	if (!f)
		return -ENOMEM;
	err = pl_file_install(fd, f);
	pl_file_put(f);
	return err;
}

bool pl_udmabuf_open(const char *path, int flags, int *ret)
{
	struct pl_state *st;
	int fd, err;

	if (strcmp(path, "/dev/udmabuf"))
		return false;
	st = pl_state();
	if (!st || st->cfg.udmabuf == PL_UDMABUF_OFF)
		return false;
	if (st->cfg.udmabuf == PL_UDMABUF_AUTO && !access(path, F_OK))
		return false;
	/* Any fd will do underneath: only its ioctls are the device's. */
	fd = PL_REAL(open)("/dev/null", O_RDWR | (flags & O_CLOEXEC));
	if (fd < 0) {
		*ret = -1;
		return true;
	}
	err = pl_udmabuf_install(fd);
	if (err) {
		PL_REAL(close)(fd);
		errno = -err;
		fd = -1;
	}
	pl_trace("open(/dev/udmabuf) = %d (emulated)", fd);
	*ret = fd;
	return true;
}
