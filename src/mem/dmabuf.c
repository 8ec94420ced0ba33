// SPDX-License-Identifier: MIT
/*
 * dma-buf exporters and import.  The kernel's udmabuf turns a sealed memfd
 * into a dma-buf; where /dev/udmabuf is missing the sealed memfd itself
 * stands in, with the same mmap-able memory and the same size rules (S-2.1).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/udmabuf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "devmem/devmem.h"
#include "dmabuf.h"
#include "extack.h"

#define UDMABUF_DEVICE "/dev/udmabuf"

struct dml_dmabuf {
	int fd;
	size_t size;
	const char *exporter;
};

struct dml_dmabuf_exporter_ops {
	const char *name;
	int (*export)(int memfd, size_t size);
};

static int memfd_sealed_create(size_t size)
{
	int fd = memfd_create("devmem-lab-dmabuf", MFD_ALLOW_SEALING | MFD_CLOEXEC);
	int err;

	if (fd < 0)
		return -errno;
	/* A shrink under a live mapping would fault the NIC's writes. */
	if (ftruncate(fd, (off_t)size) < 0 ||
	    fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK) < 0) {
		err = -errno;
		close(fd);
		return err;
	}
	return fd;
}

static int memfd_export(int memfd, size_t size)
{
	(void)size;
	return memfd;
}

static int udmabuf_export(int memfd, size_t size)
{
	struct udmabuf_create create = {
		.memfd = (uint32_t)memfd,
		.flags = UDMABUF_FLAGS_CLOEXEC,
		.offset = 0,
		.size = size,
	};
	int dev, buf, err;

	dev = open(UDMABUF_DEVICE, O_RDWR | O_CLOEXEC);
	if (dev < 0) {
		err = errno == ENOENT ? -ENODEV : -errno;
		close(memfd);
		return err;
	}
	buf = ioctl(dev, UDMABUF_CREATE, &create);
	err = buf < 0 ? -errno : buf;
	close(dev);
	/* The dma-buf pins the memfd's pages; our memfd reference is spare. */
	close(memfd);
	return err;
}

static const struct dml_dmabuf_exporter_ops memfd_ops = {
	.name = "memfd",
	.export = memfd_export,
};

static const struct dml_dmabuf_exporter_ops udmabuf_ops = {
	.name = "udmabuf",
	.export = udmabuf_export,
};

static const struct dml_dmabuf_exporter_ops *pick_exporter(enum dml_dmabuf_exporter which)
{
	switch (which) {
	case DML_DMABUF_AUTO:
		return access(UDMABUF_DEVICE, R_OK | W_OK) == 0 ? &udmabuf_ops
								 : &memfd_ops;
	case DML_DMABUF_UDMABUF:
		return &udmabuf_ops;
	case DML_DMABUF_MEMFD:
		return &memfd_ops;
	}
	return NULL;
}

int dml_dmabuf_parse_exporter(const char *name, enum dml_dmabuf_exporter *out)
{
	if (!strcmp(name, "auto"))
		*out = DML_DMABUF_AUTO;
	else if (!strcmp(name, "udmabuf"))
		*out = DML_DMABUF_UDMABUF;
	else if (!strcmp(name, "memfd"))
		*out = DML_DMABUF_MEMFD;
	else
		return -EINVAL;
	return 0;
}

int dml_dmabuf_create(size_t size, enum dml_dmabuf_exporter exporter,
		      struct dml_dmabuf **out)
{
	const struct dml_dmabuf_exporter_ops *ops = pick_exporter(exporter);
	struct dml_dmabuf *buf;
	int memfd, fd;

	if (!ops || size == 0 || size % DML_PAGE_SIZE || size > (size_t)LLONG_MAX)
		return -EINVAL;

	buf = calloc(1, sizeof(*buf));
	if (!buf)
		return -ENOMEM;

	memfd = memfd_sealed_create(size);
	if (memfd < 0) {
		fd = memfd;
		goto err_free;
	}
	fd = ops->export(memfd, size);
	if (fd < 0)
		goto err_free;

	buf->fd = fd;
	buf->size = size;
	buf->exporter = ops->name;
	*out = buf;
	return 0;

err_free:
	free(buf);
	return fd;
}

int dml_dmabuf_fd(const struct dml_dmabuf *buf)
{
	return buf->fd;
}

size_t dml_dmabuf_size(const struct dml_dmabuf *buf)
{
	return buf->size;
}

const char *dml_dmabuf_exporter_name(const struct dml_dmabuf *buf)
{
	return buf->exporter;
}

void dml_dmabuf_destroy(struct dml_dmabuf *buf)
{
	if (!buf)
		return;
	close(buf->fd);
	free(buf);
}

static bool fd_is_kernel_dmabuf(int fd)
{
	char path[64], target[128];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	n = readlink(path, target, sizeof(target) - 1);
	if (n < 0)
		return false;
	target[n] = '\0';
	return strstr(target, "dmabuf") != NULL;
}

/* Size and kind of @fd, or -errno with the reason in @ext. */
static int classify(int fd, struct dml_dmabuf_import *imp, struct dml_extack *ext)
{
	struct stat st;
	off_t end;
	int seals;

	if (fd < 0 || fstat(fd, &st) < 0) {
		dml_extack_msg(ext, "fd %d is not an open file", fd);
		return -EBADF;
	}

	seals = fcntl(fd, F_GET_SEALS);
	if (seals >= 0) {
		if (!(seals & F_SEAL_SHRINK)) {
			dml_extack_msg(ext, "memfd %d is not sealed against shrinking (F_SEAL_SHRINK)",
				       fd);
			return -EINVAL;
		}
		imp->kind = "memfd";
		imp->size = (size_t)st.st_size;
		return 0;
	}
	if (!fd_is_kernel_dmabuf(fd)) {
		dml_extack_msg(ext, "fd %d is not a dma-buf", fd);
		return -EINVAL;
	}
	end = lseek(fd, 0, SEEK_END);
	if (end < 0) {
		dml_extack_msg(ext, "cannot size dma-buf fd %d", fd);
		return -errno;
	}
	imp->kind = "udmabuf";
	imp->size = (size_t)end;
	return 0;
}

int dml_dmabuf_import(int fd, struct dml_dmabuf_import *imp,
		      struct dml_extack *ext)
{
	int err;

	memset(imp, 0, sizeof(*imp));
	imp->fd = -1;
	err = classify(fd, imp, ext);
	if (err)
		return err;
	if (imp->size == 0 || imp->size % DML_PAGE_SIZE) {
		dml_extack_msg(ext, "dma-buf size %zu is not a non-zero multiple of %u",
			       imp->size, DML_PAGE_SIZE);
		return -EINVAL;
	}

	imp->fd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	if (imp->fd < 0) {
		err = -errno;
		dml_extack_msg(ext, "cannot take a reference on fd %d", fd);
		return err;
	}
	imp->map = mmap(NULL, imp->size, PROT_READ | PROT_WRITE,
			MAP_SHARED | MAP_NORESERVE, imp->fd, 0);
	if (imp->map == MAP_FAILED) {
		err = -errno;
		dml_extack_msg(ext, "Failed to map dmabuf attachment");
		goto err_close;
	}
	return 0;

err_close:
	close(imp->fd);
	imp->fd = -1;
	imp->map = NULL;
	return err;
}

void dml_dmabuf_unimport(struct dml_dmabuf_import *imp)
{
	if (imp->map)
		munmap(imp->map, imp->size);
	if (imp->fd >= 0)
		close(imp->fd);
	imp->map = NULL;
	imp->fd = -1;
}
