// SPDX-License-Identifier: MIT
/*
 * Emulated netdev: queues, channels, header split, steering, and binding a
 * queue to a dma-buf (the checks of __net_mp_open_rxq()).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "extack.h"
#include "mem/page_pool.h"
#include "netdev.h"
#include "warn.h"

static void rxq_init(struct dml_rxq *rxq, struct dml_netdev *dev,
		     unsigned int index)
{
	rxq->dev = dev;
	rxq->index = index;
	pthread_mutex_init(&rxq->lock, NULL);
}

static int netdev_alloc(struct dml_netdev_table *table,
			const struct dml_netdev_config *cfg, struct dml_netdev **out)
{
	struct dml_netdev *dev;
	unsigned int i;

	dev = calloc(1, sizeof(*dev));
	if (!dev)
		return -ENOMEM;
	dev->rxqs = calloc(cfg->max_rx_queues, sizeof(*dev->rxqs));
	if (!dev->rxqs)
		goto err_free_dev;
	for (i = 0; i < cfg->max_rx_queues; i++) {
		struct dml_rxq *rxq = &dev->rxqs[i];

		rxq->ring_size = table->rx_ring_size;
		rxq->ring = calloc(rxq->ring_size, sizeof(*rxq->ring));
		if (!rxq->ring)
			goto err_free_rings;
		rxq_init(rxq, dev, i);
	}
	dev->table = table;
	strcpy(dev->name, cfg->name);
	dev->max_rx_queues = cfg->max_rx_queues;
	dev->header_split = cfg->header_split;
	dev->rss_first = 0;
	dev->rss_count = cfg->rx_queues;
	pthread_rwlock_init(&dev->steer_lock, NULL);
	*out = dev;
	return 0;

err_free_rings:
	while (i--) {
		pthread_mutex_destroy(&dev->rxqs[i].lock);
		free(dev->rxqs[i].ring);
	}
	free(dev->rxqs);
err_free_dev:
	free(dev);
	return -ENOMEM;
}

static void netdev_free(struct dml_netdev *dev)
{
	unsigned int i;

	for (i = 0; i < dev->max_rx_queues; i++) {
		dml_rxq_stop(&dev->rxqs[i]);
		pthread_mutex_destroy(&dev->rxqs[i].lock);
		free(dev->rxqs[i].ring);
	}
	pthread_rwlock_destroy(&dev->steer_lock);
	free(dev->rxqs);
	free(dev);
}

void dml_netdev_table_destroy(struct dml_netdev_table *table)
{
	size_t i;

	for (i = 0; i < table->nr_devs; i++)
		netdev_free(table->devs[i]);
	free(table->devs);
}

int dml_netdev_add(struct dml_netdev_table *table,
		   const struct dml_netdev_config *cfg, struct dml_netdev **out)
{
	struct dml_netdev **devs, *dev;
	unsigned int i;
	int err;

	if (!cfg || !cfg->name || !cfg->name[0] ||
	    strlen(cfg->name) > DML_IFNAMSIZ - 1 ||
	    cfg->max_rx_queues == 0 || cfg->rx_queues == 0 ||
	    cfg->rx_queues > cfg->max_rx_queues)
		return -EINVAL;

	pthread_mutex_lock(table->rtnl);
	err = -EEXIST;
	for (i = 0; i < table->nr_devs; i++)
		if (!strcmp(table->devs[i]->name, cfg->name))
			goto out_unlock;
	err = -ENOMEM;
	devs = realloc(table->devs, (table->nr_devs + 1) * sizeof(*devs));
	if (!devs)
		goto out_unlock;
	table->devs = devs;
	err = netdev_alloc(table, cfg, &dev);
	if (err)
		goto out_unlock;
	dev->ifindex = ++table->next_ifindex;
	for (i = 0; i < cfg->rx_queues; i++) {
		err = dml_rxq_start(&dev->rxqs[i], NULL);
		if (err) {
			netdev_free(dev);
			goto out_unlock;
		}
	}
	dev->nr_rx_queues = cfg->rx_queues;
	table->devs[table->nr_devs++] = dev;
	*out = dev;
	err = 0;
out_unlock:
	pthread_mutex_unlock(table->rtnl);
	return err;
}

uint32_t dml_netdev_ifindex(const struct dml_netdev *dev)
{
	return dev->ifindex;
}

struct dml_netdev *dml_netdev_find(struct dml_netdev_table *table,
				   const char *name)
{
	struct dml_netdev *dev = NULL;
	size_t i;

	pthread_mutex_lock(table->rtnl);
	for (i = 0; i < table->nr_devs && !dev; i++)
		if (!strcmp(table->devs[i]->name, name))
			dev = table->devs[i];
	pthread_mutex_unlock(table->rtnl);
	return dev;
}

/* Under rtnl. */
struct dml_netdev *dml_netdev_by_index(struct dml_netdev_table *table,
				       uint32_t ifindex)
{
	size_t i;

	for (i = 0; i < table->nr_devs; i++)
		if (table->devs[i]->ifindex == ifindex)
			return table->devs[i];
	return NULL;
}

/* The highest bound queue + 1, or 0: what channels and header split must respect. */
static unsigned int min_mp_channel_count(const struct dml_netdev *dev)
{
	unsigned int i;

	for (i = dev->max_rx_queues; i > 0; i--)
		if (dev->rxqs[i - 1].mp)
			return i;
	return 0;
}

int dml_netdev_set_header_split(struct dml_netdev *dev, bool on)
{
	int err = 0;

	pthread_mutex_lock(dev->table->rtnl);
	if (!on && min_mp_channel_count(dev))
		err = -EINVAL;
	else
		dev->header_split = on;
	pthread_mutex_unlock(dev->table->rtnl);
	return err;
}

static bool steering_fits(struct dml_netdev *dev, unsigned int nr_queues)
{
	unsigned int i;

	if (dev->rss_first + dev->rss_count > nr_queues)
		return false;
	for (i = 0; i < DML_NTUPLE_MAX_RULES; i++)
		if (dev->rules[i].used && dev->rules[i].queue >= nr_queues)
			return false;
	return true;
}

int dml_netdev_set_channels(struct dml_netdev *dev, unsigned int rx_queues)
{
	unsigned int i;
	int err = 0;

	if (rx_queues == 0 || rx_queues > dev->max_rx_queues)
		return -EINVAL;

	pthread_mutex_lock(dev->table->rtnl);
	if (rx_queues < min_mp_channel_count(dev)) {
		err = -EBUSY;
		goto out_unlock;
	}
	pthread_rwlock_rdlock(&dev->steer_lock);
	if (!steering_fits(dev, rx_queues))
		err = -EINVAL;
	pthread_rwlock_unlock(&dev->steer_lock);
	if (err)
		goto out_unlock;

	for (i = dev->nr_rx_queues; i < rx_queues; i++) {
		err = dml_rxq_start(&dev->rxqs[i], NULL);
		if (err) {
			while (i-- > dev->nr_rx_queues)
				dml_rxq_stop(&dev->rxqs[i]);
			goto out_unlock;
		}
	}
	for (i = rx_queues; i < dev->nr_rx_queues; i++)
		dml_rxq_stop(&dev->rxqs[i]);
	dev->nr_rx_queues = rx_queues;
out_unlock:
	pthread_mutex_unlock(dev->table->rtnl);
	return err;
}

int dml_netdev_set_rss(struct dml_netdev *dev, unsigned int first,
		       unsigned int count)
{
	int err = 0;

	pthread_mutex_lock(dev->table->rtnl);
	if (count == 0 || first >= dev->nr_rx_queues ||
	    count > dev->nr_rx_queues - first) {
		err = -EINVAL;
	} else {
		pthread_rwlock_wrlock(&dev->steer_lock);
		dev->rss_first = first;
		dev->rss_count = count;
		pthread_rwlock_unlock(&dev->steer_lock);
	}
	pthread_mutex_unlock(dev->table->rtnl);
	return err;
}

int dml_netdev_add_ntuple(struct dml_netdev *dev, const struct dml_flow *match,
			  unsigned int queue)
{
	int i, rule = -ENOSPC;

	pthread_mutex_lock(dev->table->rtnl);
	if (queue >= dev->nr_rx_queues) {
		rule = -EINVAL;
		goto out_unlock;
	}
	pthread_rwlock_wrlock(&dev->steer_lock);
	for (i = 0; i < DML_NTUPLE_MAX_RULES; i++) {
		if (!dev->rules[i].used) {
			dev->rules[i].used = true;
			dev->rules[i].match = *match;
			dev->rules[i].queue = queue;
			rule = i;
			break;
		}
	}
	pthread_rwlock_unlock(&dev->steer_lock);
out_unlock:
	pthread_mutex_unlock(dev->table->rtnl);
	return rule;
}

int dml_netdev_del_ntuple(struct dml_netdev *dev, int rule)
{
	int err = -ENOENT;

	if (rule < 0 || rule >= DML_NTUPLE_MAX_RULES)
		return -ENOENT;
	pthread_rwlock_wrlock(&dev->steer_lock);
	if (dev->rules[rule].used) {
		dev->rules[rule].used = false;
		err = 0;
	}
	pthread_rwlock_unlock(&dev->steer_lock);
	return err;
}

static bool field_matches(const void *want, const void *have, size_t len)
{
	static const uint8_t zero[16];

	return !memcmp(want, zero, len) || !memcmp(want, have, len);
}

static bool rule_matches(const struct dml_flow *m, const struct dml_flow *f)
{
	return field_matches(m->src_addr, f->src_addr, sizeof(m->src_addr)) &&
	       field_matches(m->dst_addr, f->dst_addr, sizeof(m->dst_addr)) &&
	       (!m->src_port || m->src_port == f->src_port) &&
	       (!m->dst_port || m->dst_port == f->dst_port);
}

/* FNV-1a over the tuple: stable, so one flow always lands on one queue. */
static uint32_t flow_hash(const struct dml_flow *f)
{
	const uint8_t *parts[] = { f->src_addr, f->dst_addr };
	uint32_t h = 2166136261u;
	size_t p, i;

	for (p = 0; p < 2; p++)
		for (i = 0; i < 16; i++)
			h = (h ^ parts[p][i]) * 16777619u;
	h = (h ^ (f->src_port & 0xff)) * 16777619u;
	h = (h ^ (f->src_port >> 8)) * 16777619u;
	h = (h ^ (f->dst_port & 0xff)) * 16777619u;
	h = (h ^ (f->dst_port >> 8)) * 16777619u;
	return h;
}

unsigned int dml_netdev_steer(struct dml_netdev *dev, const struct dml_flow *flow)
{
	unsigned int queue;
	int i;

	pthread_rwlock_rdlock(&dev->steer_lock);
	for (i = 0; i < DML_NTUPLE_MAX_RULES; i++) {
		if (dev->rules[i].used && rule_matches(&dev->rules[i].match, flow)) {
			queue = dev->rules[i].queue;
			goto out_unlock;
		}
	}
	queue = dev->rss_first + flow_hash(flow) % dev->rss_count;
out_unlock:
	pthread_rwlock_unlock(&dev->steer_lock);
	return queue;
}

int dml_netdev_rxq_info(struct dml_netdev *dev, unsigned int index,
			struct dml_rxq_info *info)
{
	struct dml_rxq *rxq;

	if (index >= dev->max_rx_queues)
		return -ERANGE;
	rxq = &dev->rxqs[index];
	memset(info, 0, sizeof(*info));
	info->index = index;
	pthread_mutex_lock(&rxq->lock);
	info->active = rxq->pool != NULL;
	info->dmabuf_id = rxq->mp ? rxq->mp->ops->id(rxq->mp->priv) : 0;
	info->page_pool_id = rxq->pool ? dml_page_pool_id(rxq->pool) : 0;
	info->posted = rxq->ring_count;
	info->stalls = rxq->stalls;
	info->restarts = rxq->restarts;
	pthread_mutex_unlock(&rxq->lock);
	return 0;
}

int dml_netdev_rxq_refill(struct dml_netdev *dev, unsigned int index)
{
	struct dml_rxq *rxq;
	int ret;

	if (index >= dev->max_rx_queues)
		return -ERANGE;
	rxq = &dev->rxqs[index];
	pthread_mutex_lock(&rxq->lock);
	ret = dml_rxq_refill_locked(rxq);
	pthread_mutex_unlock(&rxq->lock);
	return ret;
}

int dml_netdev_bind_rxq(struct dml_netdev *dev, unsigned int index,
			const struct dml_memory_provider *mp,
			struct dml_extack *ext)
{
	struct dml_rxq *rxq;
	int err;

	if (index >= dev->nr_rx_queues) {
		dml_extack_msg(ext, "rx queue index %u out of range (device has %u)",
			       index, dev->nr_rx_queues);
		return -ERANGE;
	}
	if (!dev->header_split) {
		dml_extack_msg(ext, "tcp-data-split is disabled");
		return -EINVAL;
	}
	rxq = &dev->rxqs[index];
	if (rxq->mp) {
		dml_extack_msg(ext, "designated queue %u already memory provider bound",
			       index);
		return -EEXIST;
	}
	err = mp->ops->install(mp->priv, index);
	if (err)
		return err;
	err = dml_rxq_start(rxq, mp);
	if (err) {
		mp->ops->uninstall(mp->priv, index);
		dml_extack_msg(ext, "queue %u restart failed", index);
		return err;
	}
	return 0;
}

void dml_netdev_unbind_rxq(struct dml_netdev *dev, unsigned int index,
			   const struct dml_memory_provider *mp)
{
	struct dml_rxq *rxq = &dev->rxqs[index];

	if (DML_WARN_ON(dev->table->warnings, rxq->mp != mp))
		return;
	/*
	 * Back to host memory; if that fails the queue stays down, as a
	 * kernel queue whose restart failed does.
	 */
	if (dml_rxq_start(rxq, NULL)) {
		dml_rxq_stop(rxq);
		pthread_mutex_lock(&rxq->lock);
		rxq->mp = NULL;
		pthread_mutex_unlock(&rxq->lock);
	}
	mp->ops->uninstall(mp->priv, index);
}
