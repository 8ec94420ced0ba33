// SPDX-License-Identifier: MIT
/*
 * Emulated netdev: queues, channels, header split, steering, and binding a
 * queue to a dma-buf (the checks of __net_mp_open_rxq()).
 */
#include <ctype.h>
#include <errno.h>
#include <stdint.h>
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
	dev->rx_channels = cfg->rx_queues;
	dev->tx_channels = 1;
	dev->ntuple = true;
	atomic_init(&dev->hds_thresh, 0);
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

/* Under rtnl: whether a device of @table is called @name, by name or altname. */
static bool name_in_use(struct dml_netdev_table *table, const char *name)
{
	return dml_netdev_find_locked(table, name) != NULL;
}

/*
 * Under rtnl: the next index no device holds, counting on from the last
 * one handed out as the kernel's cyclic allocator does, so that indices
 * given explicitly are stepped over.
 */
static uint32_t next_free_ifindex(struct dml_netdev_table *table)
{
	do {
		if (table->next_ifindex >= INT32_MAX)
			table->next_ifindex = 0;
		table->next_ifindex++;
	} while (dml_netdev_by_index(table, table->next_ifindex));
	return table->next_ifindex;
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
	    cfg->rx_queues > cfg->max_rx_queues || cfg->ifindex > INT32_MAX)
		return -EINVAL;

	pthread_mutex_lock(table->rtnl);
	err = -EEXIST;
	if (name_in_use(table, cfg->name) ||
	    (cfg->ifindex && dml_netdev_by_index(table, cfg->ifindex)))
		goto out_unlock;
	err = -ENOMEM;
	devs = realloc(table->devs, (table->nr_devs + 1) * sizeof(*devs));
	if (!devs)
		goto out_unlock;
	table->devs = devs;
	err = netdev_alloc(table, cfg, &dev);
	if (err)
		goto out_unlock;
	/* Before the queues start: their page pools record it. */
	dev->ifindex = cfg->ifindex ? cfg->ifindex : next_free_ifindex(table);
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

static bool netdev_has_name(const struct dml_netdev *dev, const char *name)
{
	unsigned int i;

	if (!strcmp(dev->name, name))
		return true;
	for (i = 0; i < dev->nr_altnames; i++)
		if (!strcmp(dev->altnames[i], name))
			return true;
	return false;
}

/* Under rtnl: by name or by altname. */
struct dml_netdev *dml_netdev_find_locked(struct dml_netdev_table *table,
					  const char *name)
{
	size_t i;

	for (i = 0; i < table->nr_devs; i++)
		if (netdev_has_name(table->devs[i], name))
			return table->devs[i];
	return NULL;
}

struct dml_netdev *dml_netdev_find(struct dml_netdev_table *table,
				   const char *name)
{
	struct dml_netdev *dev;

	pthread_mutex_lock(table->rtnl);
	dev = dml_netdev_find_locked(table, name);
	pthread_mutex_unlock(table->rtnl);
	return dev;
}

/* The kernel's dev_valid_name(), for the longer altname buffer. */
static bool altname_valid(const char *name)
{
	size_t len = strnlen(name, DML_ALTIFNAMSIZ);

	if (len == 0 || len >= DML_ALTIFNAMSIZ ||
	    !strcmp(name, ".") || !strcmp(name, ".."))
		return false;
	for (; *name; name++)
		if (*name == '/' || *name == ':' || isspace((unsigned char)*name))
			return false;
	return true;
}

int dml_netdev_add_altname(struct dml_netdev *dev, const char *name)
{
	int err = 0;

	if (!name || !altname_valid(name))
		return -EINVAL;
	pthread_mutex_lock(dev->table->rtnl);
	if (name_in_use(dev->table, name))
		err = -EEXIST;
	else if (dev->nr_altnames == DML_NETDEV_MAX_ALTNAMES)
		err = -ENOSPC;
	else
		strcpy(dev->altnames[dev->nr_altnames++], name);
	pthread_mutex_unlock(dev->table->rtnl);
	return err;
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

/* Under rtnl: non-zero while a queue is bound to a memory provider. */
unsigned int dml_netdev_mp_channel_count_locked(const struct dml_netdev *dev)
{
	return min_mp_channel_count(dev);
}

/* Under rtnl. */
int dml_netdev_set_header_split_locked(struct dml_netdev *dev, bool on)
{
	if (!on && min_mp_channel_count(dev))
		return -EINVAL;
	dev->header_split = on;
	return 0;
}

int dml_netdev_set_header_split(struct dml_netdev *dev, bool on)
{
	int err;

	pthread_mutex_lock(dev->table->rtnl);
	err = dml_netdev_set_header_split_locked(dev, on);
	pthread_mutex_unlock(dev->table->rtnl);
	return err;
}

/* Under rtnl: whether an ntuple rule sends flows to a queue at or past @nr_queues. */
static bool ntuple_beyond(struct dml_netdev *dev, unsigned int nr_queues)
{
	bool beyond = false;
	unsigned int i;

	pthread_rwlock_rdlock(&dev->steer_lock);
	for (i = 0; i < DML_NTUPLE_MAX_RULES; i++)
		if (dev->rules[i].used && dev->rules[i].queue >= nr_queues)
			beyond = true;
	pthread_rwlock_unlock(&dev->steer_lock);
	return beyond;
}

/* Under rtnl: a spread the user set must fit; the default one follows. */
static bool rss_beyond(const struct dml_netdev *dev, unsigned int nr_queues)
{
	return dev->rss_user && dev->rss_first + dev->rss_count > nr_queues;
}

/*
 * Under rtnl, checks done: starts or stops queues so that @rx_queues are
 * in use.  A spread the user never set is re-made over them, as a driver
 * rewrites its default indirection table on a channel change.
 */
static int resize_rx_queues_locked(struct dml_netdev *dev, unsigned int rx_queues)
{
	unsigned int i;
	int err;

	for (i = dev->nr_rx_queues; i < rx_queues; i++) {
		err = dml_rxq_start(&dev->rxqs[i], NULL);
		if (err) {
			while (i-- > dev->nr_rx_queues)
				dml_rxq_stop(&dev->rxqs[i]);
			return err;
		}
	}
	if (!dev->rss_user) {
		pthread_rwlock_wrlock(&dev->steer_lock);
		dev->rss_first = 0;
		dev->rss_count = rx_queues;
		pthread_rwlock_unlock(&dev->steer_lock);
	}
	for (i = rx_queues; i < dev->nr_rx_queues; i++)
		dml_rxq_stop(&dev->rxqs[i]);
	dev->nr_rx_queues = rx_queues;
	return 0;
}

int dml_netdev_set_channels(struct dml_netdev *dev, unsigned int rx_queues)
{
	int err;

	if (rx_queues == 0 || rx_queues > dev->max_rx_queues)
		return -EINVAL;

	pthread_mutex_lock(dev->table->rtnl);
	if (rx_queues < min_mp_channel_count(dev)) {
		err = -EBUSY;
		goto out_unlock;
	}
	if (rss_beyond(dev, rx_queues) || ntuple_beyond(dev, rx_queues)) {
		err = -EINVAL;
		goto out_unlock;
	}
	err = resize_rx_queues_locked(dev, rx_queues);
	if (err)
		goto out_unlock;
	/* Combined channels stay while they fit: TX keeps at least one queue. */
	if (dev->combined_channels > rx_queues)
		dev->combined_channels = rx_queues;
	dev->rx_channels = rx_queues - dev->combined_channels;
out_unlock:
	pthread_mutex_unlock(dev->table->rtnl);
	return err;
}

/* Under rtnl. */
void dml_netdev_get_channels_locked(const struct dml_netdev *dev,
				    struct dml_netdev_channels *ch)
{
	ch->max_rx = dev->max_rx_queues;
	ch->max_tx = dev->max_rx_queues;
	ch->max_combined = dev->max_rx_queues;
	ch->rx = dev->rx_channels;
	ch->tx = dev->tx_channels;
	ch->combined = dev->combined_channels;
}

int dml_netdev_get_channels(struct dml_netdev *dev, struct dml_netdev_channels *ch)
{
	pthread_mutex_lock(dev->table->rtnl);
	dml_netdev_get_channels_locked(dev, ch);
	pthread_mutex_unlock(dev->table->rtnl);
	return 0;
}

static int channels_refuse(struct dml_extack *ext, enum dml_channels_field *field,
			   enum dml_channels_field which, const char *msg)
{
	if (field)
		*field = which;
	dml_extack_msg(ext, "%s", msg);
	return -EINVAL;
}

/*
 * Under rtnl: ethtool's checks of a channel change in its order (counts
 * within their maximum, an RX and a TX channel left, the queues the RSS
 * spread, the ntuple rules and the memory providers use), then the
 * driver's (the hardware's queues).  *@field names the count to blame,
 * DML_CHANNELS_NONE when the message alone says it.
 */
int dml_netdev_set_channels_locked(struct dml_netdev *dev, int rx, int tx,
				   int combined, struct dml_extack *ext,
				   enum dml_channels_field *field)
{
	struct dml_netdev_channels ch;
	unsigned int nr_rx, mp;
	bool mod_combined;
	int err;

	if (field)
		*field = DML_CHANNELS_NONE;
	if (rx < -1 || tx < -1 || combined < -1)
		return channels_refuse(ext, field, rx < -1 ? DML_CHANNELS_RX :
				       tx < -1 ? DML_CHANNELS_TX : DML_CHANNELS_COMBINED,
				       "channel count below -1");
	dml_netdev_get_channels_locked(dev, &ch);
	if ((rx < 0 || (unsigned int)rx == ch.rx) &&
	    (tx < 0 || (unsigned int)tx == ch.tx) &&
	    (combined < 0 || (unsigned int)combined == ch.combined))
		return 0;
	mod_combined = combined >= 0 && (unsigned int)combined != ch.combined;
	if (rx >= 0)
		ch.rx = (unsigned int)rx;
	if (tx >= 0)
		ch.tx = (unsigned int)tx;
	if (combined >= 0)
		ch.combined = (unsigned int)combined;

	if (ch.rx > ch.max_rx || ch.tx > ch.max_tx || ch.combined > ch.max_combined)
		return channels_refuse(ext, field, ch.rx > ch.max_rx ? DML_CHANNELS_RX :
				       ch.tx > ch.max_tx ? DML_CHANNELS_TX :
				       DML_CHANNELS_COMBINED,
				       "requested channel count exceeds maximum");
	if (!ch.combined && (!ch.rx || !ch.tx))
		return channels_refuse(ext, field, mod_combined ? DML_CHANNELS_COMBINED :
				       !ch.rx ? DML_CHANNELS_RX : DML_CHANNELS_TX,
				       "requested channel counts would result in no RX or TX channel being configured");

	nr_rx = ch.rx + ch.combined;
	if (rss_beyond(dev, nr_rx)) {
		dml_extack_msg(ext, "requested channel counts are too low for existing indirection table (%u)",
			       dev->rss_first + dev->rss_count - 1);
		return -EINVAL;
	}
	if (ntuple_beyond(dev, nr_rx))
		return channels_refuse(ext, NULL, DML_CHANNELS_NONE,
				       "requested channel counts are too low for existing ntuple filter settings");
	/*
	 * The kernel refuses when the RX count is at or below the highest
	 * bound queue + 1, one too many: a count that keeps every bound queue
	 * is accepted here (docs/deviations.md).
	 */
	mp = min_mp_channel_count(dev);
	if (nr_rx < mp) {
		dml_extack_msg(ext, "requested channel counts are too low for existing memory provider setting (%u)",
			       mp);
		return -EINVAL;
	}
	if (nr_rx > dev->max_rx_queues || ch.tx + ch.combined > dev->max_rx_queues) {
		dml_extack_msg(ext, "the device has %u RX and %u TX queues",
			       dev->max_rx_queues, dev->max_rx_queues);
		return -EINVAL;
	}

	err = resize_rx_queues_locked(dev, nr_rx);
	if (err)
		return err;
	dev->rx_channels = ch.rx;
	dev->tx_channels = ch.tx;
	dev->combined_channels = ch.combined;
	return 0;
}

int dml_netdev_set_channels_ethtool(struct dml_netdev *dev, int rx, int tx, int combined)
{
	int err;

	pthread_mutex_lock(dev->table->rtnl);
	err = dml_netdev_set_channels_locked(dev, rx, tx, combined, NULL, NULL);
	pthread_mutex_unlock(dev->table->rtnl);
	return err;
}

/* Under rtnl. */
int dml_netdev_set_hds_thresh_locked(struct dml_netdev *dev, uint32_t thresh)
{
	if (thresh > DML_HDS_THRESH_MAX)
		return -EINVAL;
	atomic_store(&dev->hds_thresh, thresh);
	return 0;
}

int dml_netdev_set_hds_thresh(struct dml_netdev *dev, uint32_t thresh)
{
	int err;

	pthread_mutex_lock(dev->table->rtnl);
	err = dml_netdev_set_hds_thresh_locked(dev, thresh);
	pthread_mutex_unlock(dev->table->rtnl);
	return err;
}

uint32_t dml_netdev_hds_thresh(const struct dml_netdev *dev)
{
	return atomic_load(&dev->hds_thresh);
}

int dml_netdev_set_ntuple(struct dml_netdev *dev, bool on)
{
	unsigned int i;

	pthread_mutex_lock(dev->table->rtnl);
	dev->ntuple = on;
	if (!on) {
		pthread_rwlock_wrlock(&dev->steer_lock);
		for (i = 0; i < DML_NTUPLE_MAX_RULES; i++)
			dev->rules[i].used = false;
		pthread_rwlock_unlock(&dev->steer_lock);
	}
	pthread_mutex_unlock(dev->table->rtnl);
	return 0;
}

bool dml_netdev_ntuple(const struct dml_netdev *dev)
{
	bool on;

	pthread_mutex_lock(dev->table->rtnl);
	on = dev->ntuple;
	pthread_mutex_unlock(dev->table->rtnl);
	return on;
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
		dev->rss_user = true;
	}
	pthread_mutex_unlock(dev->table->rtnl);
	return err;
}

void dml_netdev_reset_rss(struct dml_netdev *dev)
{
	pthread_mutex_lock(dev->table->rtnl);
	pthread_rwlock_wrlock(&dev->steer_lock);
	dev->rss_first = 0;
	dev->rss_count = dev->nr_rx_queues;
	pthread_rwlock_unlock(&dev->steer_lock);
	dev->rss_user = false;
	pthread_mutex_unlock(dev->table->rtnl);
}

int dml_netdev_add_ntuple(struct dml_netdev *dev, const struct dml_flow *match,
			  unsigned int queue)
{
	int i, rule = -ENOSPC;

	pthread_mutex_lock(dev->table->rtnl);
	if (!dev->ntuple) {
		rule = -EOPNOTSUPP;
		goto out_unlock;
	}
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
