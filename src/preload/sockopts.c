// SPDX-License-Identifier: MIT
/*
 * Socket options the model has no use for (buffer sizes, SO_REUSE*,
 * TCP_NODELAY, ...): kept per socket so a program reads back what it set,
 * as it would from the kernel.
 */
#include <string.h>

#include "preload.h"

void pl_sockopts_init(struct pl_sockopts *so)
{
	memset(so, 0, sizeof(*so));
	pthread_mutex_init(&so->lock, NULL);
}

void pl_sockopts_destroy(struct pl_sockopts *so)
{
	pthread_mutex_destroy(&so->lock);
}

int pl_sockopts_set(struct pl_sockopts *so, int level, int name, const void *val,
		    socklen_t len)
{
	unsigned int i;
	int v;

	if (!val || len < (socklen_t)sizeof(int))
		return -EINVAL;
	memcpy(&v, val, sizeof(v));
	pthread_mutex_lock(&so->lock);
	for (i = 0; i < so->nr; i++)
		if (so->opt[i].level == level && so->opt[i].name == name)
			break;
	if (i == PL_MAX_SOCKOPTS) {
		pthread_mutex_unlock(&so->lock);
		return -ENOMEM;
	}
	so->opt[i].level = level;
	so->opt[i].name = name;
	so->opt[i].value = v;
	if (i == so->nr)
		so->nr++;
	pthread_mutex_unlock(&so->lock);
	return 0;
}

bool pl_sockopts_get(struct pl_sockopts *so, int level, int name, int *out)
{
	bool found = false;
	unsigned int i;

	pthread_mutex_lock(&so->lock);
	for (i = 0; i < so->nr && !found; i++)
		if (so->opt[i].level == level && so->opt[i].name == name) {
			*out = so->opt[i].value;
			found = true;
		}
	pthread_mutex_unlock(&so->lock);
	return found;
}

int pl_sockopt_put_int(int v, void *val, socklen_t *len)
{
	if (!val || !len || *len < (socklen_t)sizeof(int))
		return -EINVAL;
	memcpy(val, &v, sizeof(v));
	*len = sizeof(v);
	return 0;
}
