// SPDX-License-Identifier: MIT
/*
 * The invariant checker (S-7.3): for every binding, every net_iov is either
 * idle (free in the provider, or in a pool's recycle ring, with no page-pool
 * reference) or in use, and then its page-pool references are exactly those
 * its holders account for: a posted ring slot or the NIC's current buffer,
 * each queued skb frag, each xarray token, one for a uref above 0.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "host.h"
#include "mem/binding.h"
#include "mem/page_pool.h"
#include "net/skb.h"
#include "net/sock.h"
#include "nic/netdev.h"
#include "tokens/tokens.h"

struct tally {
	const struct dml_binding *binding;
	uint32_t *refs;		/* references the holders account for */
	uint32_t *idle;		/* times found idle: provider or pool ring */
};

static void count_netmem(struct tally *t, const struct dml_netmem *nm)
{
	const struct dml_net_iov *niov = (const struct dml_net_iov *)nm;
	const struct dml_binding *b = t->binding;

	if (nm && niov >= b->vec && niov < b->vec + b->nr_niovs)
		t->refs[niov - b->vec]++;
}

static void count_nic(struct dml_host *host, struct tally *t)
{
	size_t d;
	unsigned int q, i;

	pthread_mutex_lock(&host->rtnl);
	for (d = 0; d < host->netdevs.nr_devs; d++) {
		struct dml_netdev *dev = host->netdevs.devs[d];

		for (q = 0; q < dev->max_rx_queues; q++) {
			struct dml_rxq *rxq = &dev->rxqs[q];

			pthread_mutex_lock(&rxq->lock);
			for (i = 0; i < rxq->ring_count; i++)
				count_netmem(t, rxq->ring[(rxq->ring_head + i) %
							  rxq->ring_size]);
			count_netmem(t, rxq->cur);
			pthread_mutex_unlock(&rxq->lock);
		}
	}
	pthread_mutex_unlock(&host->rtnl);
}

static void count_sockets(struct dml_host *host, struct tally *t)
{
	struct dml_sock *sk;
	struct dml_skb *skb;
	unsigned int i;
	int mode;

	pthread_mutex_lock(&host->socks.socks_lock);
	for (sk = host->socks.socks; sk; sk = sk->host_next) {
		bool dead;

		pthread_mutex_lock(&sk->lock);
		dead = sk->dead;
		for (skb = sk->rx_head; skb; skb = skb->next)
			for (i = 0; i < skb->nr_frags; i++)
				count_netmem(t, skb->frags[i].nm);
		pthread_mutex_unlock(&sk->lock);
		/* A dead socket's token state is gone; the host is quiescent. */
		for (mode = 0; mode < DML_NR_MODES && !dead; mode++) {
			struct dml_token_sock *ts = sk->tokens[mode];

			if (ts && ts->ops->count_refs)
				ts->ops->count_refs(ts, t->binding, t->refs);
		}
	}
	pthread_mutex_unlock(&host->socks.socks_lock);
}

static int report(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;

	if (buf && len) {
		va_start(ap, fmt);
		vsnprintf(buf, len, fmt, ap);
		va_end(ap);
	}
	return -EUCLEAN;
}

static int check_binding(struct dml_host *host, struct dml_binding *b,
			 char *buf, size_t len)
{
	struct tally t = { .binding = b };
	size_t i;
	int err = 0;

	t.refs = calloc(b->nr_niovs, sizeof(*t.refs));
	t.idle = calloc(b->nr_niovs, sizeof(*t.idle));
	if (!t.refs || !t.idle) {
		err = report(buf, len, "out of memory checking binding %u", b->id);
		goto out;
	}
	count_nic(host, &t);
	count_sockets(host, &t);
	dml_page_pool_count_idle(&host->pools, b, t.idle);
	pthread_spin_lock(&b->free_lock);
	for (i = 0; i < b->nr_free; i++)
		t.idle[b->free_stack[i]]++;
	pthread_spin_unlock(&b->free_lock);

	for (i = 0; i < b->nr_niovs && !err; i++) {
		const struct dml_net_iov *niov = &b->vec[i];
		long pp_refs = atomic_load(&niov->nm.pp_ref_count);
		unsigned int uref = atomic_load(&niov->uref);

		if (b->autorelease == 0 && uref)
			t.refs[i]++;
		if (b->autorelease == 1 && uref)
			err = report(buf, len, "binding %u page %zu: uref %u in autorelease=1",
				     b->id, i, uref);
		else if (t.idle[i] > 1 || (t.idle[i] && (t.refs[i] || pp_refs)))
			err = report(buf, len,
				     "binding %u page %zu: idle %u times with %ld page-pool references (%u accounted)",
				     b->id, i, t.idle[i], pp_refs, t.refs[i]);
		else if (!t.idle[i] && pp_refs != (long)t.refs[i])
			err = report(buf, len,
				     "binding %u page %zu: %ld page-pool references, holders account for %u",
				     b->id, i, pp_refs, t.refs[i]);
		else if (!t.idle[i] && !niov->nm.pp)
			err = report(buf, len, "binding %u page %zu: in use but owned by no pool",
				     b->id, i);
	}
out:
	free(t.refs);
	free(t.idle);
	return err;
}

int dml_host_check(struct dml_host *host, char *buf, size_t len)
{
	struct dml_binding **bindings;
	size_t i, n;
	int err = 0;

	if (buf && len)
		buf[0] = '\0';
	/* A snapshot of the table, with references, so no lock spans the walk. */
	pthread_mutex_lock(&host->bindings.lock);
	bindings = calloc(host->bindings.nr ? host->bindings.nr : 1, sizeof(*bindings));
	/* A binding whose last reference just went is being freed: skip it. */
	for (i = 0, n = 0; bindings && i < host->bindings.nr; i++)
		if (dml_binding_get_unless_zero(host->bindings.bindings[i]))
			bindings[n++] = host->bindings.bindings[i];
	pthread_mutex_unlock(&host->bindings.lock);
	if (!bindings)
		return report(buf, len, "out of memory");

	for (i = 0; i < n; i++) {
		if (!err)
			err = check_binding(host, bindings[i], buf, len);
		dml_binding_put(bindings[i]);
	}
	free(bindings);
	if (!err && dml_host_warnings(host))
		err = report(buf, len, "%lu broken invariants were logged",
			     dml_host_warnings(host));
	return err;
}
