// SPDX-License-Identifier: MIT
/*
 * The NIC's receive path (S-4.1): steer each segment to a queue, split
 * headers from payload, write payload into the buffers that queue posted
 * (dma-buf pages on a bound queue), build skbs (GRO merges up to gro_segs
 * segments) and hand them to the socket.  An empty ring stalls the NIC:
 * the segment stays on the wire, counted, never dropped (S-2.3).
 */
#include <errno.h>
#include <string.h>

#include "mem/page_pool.h"
#include "net/skb.h"
#include "net/sock.h"
#include "netdev.h"
#include "rx.h"
#include "warn.h"

/* Frees the current buffer's ring reference once it is full. */
static void cur_retire_locked(struct dml_rxq *rxq)
{
	DML_WARN_ON(rxq->dev->table->warnings, !dml_netmem_put(rxq->cur));
	rxq->cur = NULL;
}

/* Room for @bytes of payload without refilling?  Refills if not. */
static bool room_locked(struct dml_rxq *rxq, uint32_t bytes)
{
	uint32_t in_cur = rxq->cur ? DML_PAGE_SIZE - rxq->cur_off : 0;
	uint32_t pages;

	if (bytes <= in_cur)
		return true;
	pages = (bytes - in_cur + DML_PAGE_SIZE - 1) / DML_PAGE_SIZE;
	if (rxq->ring_count < pages)
		dml_rxq_refill_locked(rxq);
	return rxq->ring_count >= pages;
}

/*
 * Writes @n payload bytes into posted buffers, appending frags to @skb.  A
 * NULL @src is DMA the benchmark does not charge: a NIC's DMA costs no CPU.
 */
static void fill_frags_locked(struct dml_rxq *rxq, struct dml_skb *skb,
			      const unsigned char *src, uint32_t n)
{
	while (n) {
		uint32_t chunk;
		struct dml_skb_frag *frag;

		if (!rxq->cur) {
			rxq->cur = dml_rxq_take_locked(rxq);
			rxq->cur_off = 0;
		}
		chunk = DML_PAGE_SIZE - rxq->cur_off;
		if (chunk > n)
			chunk = n;
		if (src) {
			memcpy(dml_netmem_address(rxq->cur) + rxq->cur_off, src, chunk);
			src += chunk;
		}
		frag = &skb->frags[skb->nr_frags++];
		frag->nm = rxq->cur;
		frag->offset = rxq->cur_off;
		frag->size = chunk;
		/* The frag's own reference. */
		dml_netmem_get(rxq->cur);
		rxq->cur_off += chunk;
		skb->len += chunk;
		n -= chunk;
		if (rxq->cur_off == DML_PAGE_SIZE)
			cur_retire_locked(rxq);
	}
}

static uint32_t frags_needed(const struct dml_rxq *rxq, uint32_t bytes)
{
	uint32_t in_cur = rxq->cur ? DML_PAGE_SIZE - rxq->cur_off : 0;

	if (bytes <= in_cur)
		return bytes ? 1 : 0;
	return (in_cur ? 1 : 0) +
	       (bytes - in_cur + DML_PAGE_SIZE - 1) / DML_PAGE_SIZE;
}

/*
 * Builds one skb from the segments at @data into *@out, with *@used set to
 * the bytes it holds.  Returns 0, -ENOBUFS when the ring is dry, -ENOMEM.
 */
int dml_nic_build_skb_locked(struct dml_rxq *rxq,
			     const struct dml_wire_flow_config *cfg,
			     const unsigned char *data, size_t len,
			     struct dml_skb **out, size_t *used)
{
	uint32_t seg = len < cfg->mss ? (uint32_t)len : cfg->mss;
	uint32_t head, segs;
	struct dml_skb *skb;

	/* Small payloads stay with the headers: a plain host-memory skb. */
	if (seg <= cfg->hds_thresh) {
		skb = dml_skb_alloc(seg);
		if (!skb)
			return -ENOMEM;
		if (data)
			memcpy(skb->linear, data, seg);
		*out = skb;
		*used = seg;
		return 0;
	}

	head = rxq->mp && cfg->linear_head < seg ? cfg->linear_head : 0;
	if (!room_locked(rxq, seg - head))
		return -ENOBUFS;
	skb = dml_skb_alloc(head);
	if (!skb)
		return -ENOMEM;
	/* Frags in dma-buf memory are readable only through MSG_SOCK_DEVMEM. */
	skb->readable = !rxq->mp;
	if (data)
		memcpy(skb->linear, data, head);
	fill_frags_locked(rxq, skb, data ? data + head : NULL, seg - head);
	*used = seg;

	/* GRO: later segments of the flow join as frags while they fit. */
	for (segs = 1; segs < cfg->gro_segs && *used < len; segs++) {
		seg = len - *used < cfg->mss ? (uint32_t)(len - *used) : cfg->mss;
		if (seg <= cfg->hds_thresh ||
		    skb->nr_frags + frags_needed(rxq, seg) > DML_MAX_SKB_FRAGS ||
		    !room_locked(rxq, seg))
			break;
		fill_frags_locked(rxq, skb, data ? data + *used : NULL, seg);
		*used += seg;
	}
	*out = skb;
	return 0;
}

ssize_t dml_nic_rx(struct dml_netdev *dev, const struct dml_wire_flow_config *cfg,
		   struct dml_sock *sk, const unsigned char *data, size_t len)
{
	struct dml_rxq *rxq = &dev->rxqs[dml_netdev_steer(dev, &cfg->flow)];
	size_t done = 0, used = 0;
	int err = 0;

	while (done < len) {
		struct dml_skb *skb = NULL;

		pthread_mutex_lock(&rxq->lock);
		err = rxq->pool ? dml_nic_build_skb_locked(rxq, cfg, data ? data + done : NULL,
							   len - done, &skb, &used)
				: -ENETDOWN;
		/* Like a driver's NAPI poll, refill in batches, not per buffer. */
		if (!err && rxq->ring_count < rxq->ring_size / 2)
			dml_rxq_refill_locked(rxq);
		pthread_mutex_unlock(&rxq->lock);
		if (err)
			break;
		err = dml_sock_queue_rcv(sk, skb);
		if (err) {
			dml_skb_free(dev->table->warnings, skb);
			break;
		}
		done += used;
	}
	return done ? (ssize_t)done : err;
}

/*
 * A connection arrives through the NIC as its segments do: the handshake
 * queues an established child on the listener of @flow's port, and the
 * caller (the wire) gets a memory reference on it.  @wire_fd is the real
 * socket behind it (the real ingress's), or -1.
 */
int dml_nic_connect(struct dml_netdev *dev, const struct dml_flow *flow, int wire_fd,
		    struct dml_sock **out)
{
	struct dml_sock *listener;
	int err;

	listener = dml_sock_lookup_listener(dev->table->socks, flow->dst_port);
	if (!listener)
		return -ECONNREFUSED;
	err = dml_sock_establish_child(listener, flow, wire_fd, out);
	dml_sock_put(listener);
	return err;
}

/* The peer's FIN, after the data the NIC delivered before it. */
int dml_nic_fin(struct dml_sock *sk)
{
	return dml_sock_rcv_shutdown(sk);
}

/* The peer's reset: the socket returns what it queued, then ECONNRESET. */
int dml_nic_reset(struct dml_sock *sk)
{
	return dml_sock_rcv_reset(sk);
}

/*
 * The wire asks to hear of the application's close of @sk (NULL stops it):
 * @fn runs under the socket's lock and may only signal.
 */
void dml_nic_watch_close(struct dml_sock *sk, void (*fn)(void *arg), void *arg)
{
	dml_sock_set_wire_closed(sk, fn, arg);
}

/* The wire drops the reference dml_nic_connect() gave it. */
void dml_nic_disconnect(struct dml_sock *sk)
{
	dml_sock_put(sk);
}
