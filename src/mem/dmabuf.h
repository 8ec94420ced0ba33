/* SPDX-License-Identifier: MIT */
/*
 * dma-buf exporters (udmabuf, memfd) and the importer side a binding uses:
 * a reference on the file and a CPU mapping the emulated NIC writes into.
 */
#ifndef DML_DMABUF_H
#define DML_DMABUF_H

#include <stddef.h>

struct dml_extack;

struct dml_dmabuf_import {
	int fd;			/* our own reference, like dma_buf_get() */
	unsigned char *map;
	size_t size;
	const char *kind;	/* "udmabuf" or "memfd" */
};

int dml_dmabuf_import(int fd, struct dml_dmabuf_import *imp,
		      struct dml_extack *ext);
void dml_dmabuf_unimport(struct dml_dmabuf_import *imp);

#endif /* DML_DMABUF_H */
