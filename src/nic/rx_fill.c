// SPDX-License-Identifier: MIT
/*
 * The receive path for a source that writes payload itself (the TCP
 * ingress reads its kernel socket straight into the posted buffers): the
 * NIC builds a batch of skbs on the queue's buffers, hands the source their
 * payload areas as one iovec in stream order, and queues the skbs, all at
 * once, when it has filled them.  The one copy is the source's, as a NIC's DMA is its
 * only write.  Filling happens after the queue lock is dropped: the
 * buffers already belong to the batch's frags, and other flows of the
 * queue go on meanwhile.
 */
#include <errno.h>
#include <sys/uio.h>

#include "mem/page_pool.h"
#include "net/skb.h"
#include "net/sock.h"
#include "netdev.h"
#include "rx.h"
#include "warn.h"

/*
 * One batch: what one NAPI poll of a driver would hand up.  56 skbs of at
 * most 17 frags and a linear part are 1008 areas, inside the 1024 iovecs
 * (UIO_MAXIOV) one recvmsg() takes; 4 KiB segments make it 224 KiB per
 * system call.  16 skbs a batch, each queued with its own wake, ran 1 GiB
 * at 0.8 GB/s here; batches of 56 queued at once, at 1.3-1.9 GB/s.
 */
#define BATCH_SKBS	56
#define BATCH_IOV	(BATCH_SKBS * (DML_MAX_SKB_FRAGS + 1))

/* Builds up to BATCH_SKBS skbs for @len bytes; *@bytes is what they hold. */
static int build_batch(struct dml_rxq *rxq, const struct dml_wire_flow_config *cfg,
		       size_t len, struct dml_skb **skbs, unsigned int *n, size_t *bytes)
{
	int err = 0;

	*n = 0;
	*bytes = 0;
	pthread_mutex_lock(&rxq->lock);
	while (*n < BATCH_SKBS && *bytes < len) {
		size_t used;

		err = rxq->pool ? dml_nic_build_skb_locked(rxq, cfg, NULL, len - *bytes,
							   &skbs[*n], &used)
				: -ENETDOWN;
		if (err)
			break;
		(*n)++;
		*bytes += used;
	}
	/* Like a driver's NAPI poll, refill in batches, not per buffer. */
	if (*n && rxq->ring_count < rxq->ring_size / 2)
		dml_rxq_refill_locked(rxq);
	pthread_mutex_unlock(&rxq->lock);
	return err;
}

/* The payload areas of @skbs, linear part first in each, in stream order. */
static int batch_iov(struct dml_skb **skbs, unsigned int n, struct iovec *iov)
{
	unsigned int i, f;
	int cnt = 0;

	for (i = 0; i < n; i++) {
		struct dml_skb *skb = skbs[i];

		if (skb->linear_len)
			iov[cnt++] = (struct iovec){ skb->linear, skb->linear_len };
		for (f = 0; f < skb->nr_frags; f++) {
			struct dml_skb_frag *frag = &skb->frags[f];

			iov[cnt++] = (struct iovec){
				dml_netmem_address(frag->nm) + frag->offset, frag->size
			};
		}
	}
	return cnt;
}

static void free_skbs(_Atomic unsigned long *warnings, struct dml_skb **skbs,
		      unsigned int from, unsigned int n)
{
	for (; from < n; from++)
		dml_skb_free(warnings, skbs[from]);
}

ssize_t dml_nic_rx_fill(struct dml_netdev *dev, const struct dml_wire_flow_config *cfg,
			struct dml_sock *sk, size_t len, dml_nic_fill_fn fill, void *arg)
{
	struct dml_rxq *rxq = &dev->rxqs[dml_netdev_steer(dev, &cfg->flow)];
	_Atomic unsigned long *warnings = dev->table->warnings;
	struct dml_skb *skbs[BATCH_SKBS];
	struct iovec iov[BATCH_IOV];
	size_t done = 0;
	int err = 0;

	while (done < len && !err) {
		unsigned int n, i;
		size_t bytes;
		int qerr;

		err = build_batch(rxq, cfg, len - done, skbs, &n, &bytes);
		if (!n)
			break;
		/* The source promised @len bytes: not getting them ends the flow. */
		if (fill(arg, iov, batch_iov(skbs, n, iov), bytes)) {
			free_skbs(warnings, skbs, 0, n);
			return -EIO;
		}
		for (i = 0; i + 1 < n; i++)
			skbs[i]->next = skbs[i + 1];
		qerr = dml_sock_queue_rcv_chain(sk, skbs[0], skbs[n - 1]);
		if (qerr) {
			free_skbs(warnings, skbs, 0, n);
			return done ? (ssize_t)done : qerr;
		}
		done += bytes;
	}
	return done ? (ssize_t)done : err;
}
