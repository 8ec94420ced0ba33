/* SPDX-License-Identifier: MIT */
/* The two list calls the xarray makes: on a node's private list. */
#ifndef KX_LINUX_LIST_H
#define KX_LINUX_LIST_H

#include <linux/compiler.h>

static inline void INIT_LIST_HEAD(struct list_head *list)
{
	WRITE_ONCE(list->next, list);
	list->prev = list;
}

static inline bool list_empty(const struct list_head *head)
{
	return READ_ONCE(head->next) == head;
}

#endif /* KX_LINUX_LIST_H */
