// SPDX-License-Identifier: MIT
/*
 * recvmsg() on an emulated TCP socket, with MSG_SOCK_DEVMEM (S-4): the
 * loop of tcp_recvmsg_locked() and the devmem part of tcp_recvmsg_dmabuf().
 */
#include <errno.h>
#include <limits.h>
#include <string.h>

#include "mem/binding.h"
#include "mem/page_pool.h"
#include "skb.h"
#include "sock.h"
#include "tokens/tokens.h"

/*
 * What TCP's recvmsg gives meaning to here; MSG_CMSG_CLOEXEC (devmem cmsgs
 * carry no fd) and MSG_NOSIGNAL (a send flag) are accepted and do nothing.
 */
#define SUPPORTED_FLAGS	(MSG_SOCK_DEVMEM | MSG_DONTWAIT | MSG_WAITALL | \
			 MSG_TRUNC | MSG_CMSG_CLOEXEC | MSG_NOSIGNAL)

/* Where the next copied byte goes, over the caller's iovec. */
struct iov_iter {
	const struct iovec *iov;
	size_t nr;
	size_t idx;
	size_t off;
};

/* Where the next cmsg goes, and how much room is left. */
struct cmsg_writer {
	unsigned char *next;
	size_t left;
	size_t used;
};

static void copy_to_iter(struct iov_iter *it, const unsigned char *src, size_t n)
{
	while (n) {
		size_t room = it->iov[it->idx].iov_len - it->off;
		size_t chunk = n < room ? n : room;

		if (!room) {
			it->idx++;
			it->off = 0;
			continue;
		}
		memcpy((unsigned char *)it->iov[it->idx].iov_base + it->off, src, chunk);
		it->off += chunk;
		src += chunk;
		n -= chunk;
	}
}

#define DEVMEM_CMSG_SPACE CMSG_SPACE(sizeof(struct dmabuf_cmsg))

/* put_cmsg_notrunc(): a cmsg is written whole or not at all (S-4.6). */
static int cmsg_room(const struct cmsg_writer *w)
{
	return w->left < DEVMEM_CMSG_SPACE ? -ETOOSMALL : 0;
}

/* Writes one cmsg; the caller made sure it fits (cmsg_room). */
static void put_devmem_cmsg(struct cmsg_writer *w, int type,
			    const struct dmabuf_cmsg *payload)
{
	struct cmsghdr hdr = {
		.cmsg_len = CMSG_LEN(sizeof(*payload)),
		.cmsg_level = SOL_SOCKET,
		.cmsg_type = type,
	};
	size_t space = DEVMEM_CMSG_SPACE;

	memcpy(w->next, &hdr, sizeof(hdr));
	memcpy(CMSG_DATA((struct cmsghdr *)w->next), payload, sizeof(*payload));
	w->next += space;
	w->left -= space;
	w->used += space;
}

static struct dml_binding *frag_binding(const struct dml_skb_frag *frag)
{
	return dml_page_pool_binding(frag->nm->pp);
}

/*
 * One devmem skb from @offset: linear bytes are copied and announced in a
 * LINEAR cmsg; each frag becomes a DMABUF cmsg with a token.  Returns bytes
 * delivered, or -errno when none were.
 */
static int recv_dmabuf(struct dml_token_sock *ts, const struct dml_skb *skb,
		       uint32_t offset, struct iov_iter *it, struct cmsg_writer *w,
		       uint32_t remaining)
{
	const struct dml_token_ops *ops = ts->ops;
	struct dmabuf_cmsg cm;
	uint32_t start = skb->linear_len, copy;
	unsigned int i;
	int sent = 0, err = 0;

	if (offset < start) {
		copy = start - offset < remaining ? start - offset : remaining;
		memset(&cm, 0, sizeof(cm));
		cm.frag_size = copy;
		err = cmsg_room(w);
		if (err)
			goto out;
		put_devmem_cmsg(w, SCM_DEVMEM_LINEAR, &cm);
		copy_to_iter(it, skb->linear + offset, copy);
		offset += copy;
		remaining -= copy;
		sent += (int)copy;
		if (!remaining)
			goto out;
	}

	for (i = 0; i < skb->nr_frags; i++) {
		const struct dml_skb_frag *frag = &skb->frags[i];
		uint32_t end = start + frag->size;

		if (offset < end) {
			struct dml_binding *binding = frag_binding(frag);
			struct dml_net_iov *niov = (struct dml_net_iov *)frag->nm;

			copy = end - offset < remaining ? end - offset : remaining;
			memset(&cm, 0, sizeof(cm));
			cm.frag_offset = (uint64_t)dml_net_iov_index(binding, niov) *
					 DML_PAGE_SIZE + frag->offset + (offset - start);
			cm.frag_size = copy;
			cm.dmabuf_id = binding->id;
			/*
			 * Room first: a frag whose cmsg cannot be written joins
			 * nothing, so a token gets its reference only with its
			 * cmsg (S-4.7).
			 */
			err = cmsg_room(w);
			if (err)
				goto out;
			err = ops->assign(ts, binding, niov, skb->nr_frags - i,
					  &cm.frag_token);
			if (err)
				goto out;
			put_devmem_cmsg(w, SCM_DEVMEM_DMABUF, &cm);
			offset += copy;
			remaining -= copy;
			sent += (int)copy;
			if (!remaining)
				goto out;
		}
		start = end;
	}
out:
	if (ops->flush)
		ops->flush(ts);
	return sent ? sent : err;
}

static void copy_readable(const struct dml_skb *skb, uint32_t offset,
			  struct iov_iter *it, uint32_t n)
{
	uint32_t start = skb->linear_len, chunk;
	unsigned int i;

	if (offset < start) {
		chunk = start - offset < n ? start - offset : n;
		copy_to_iter(it, skb->linear + offset, chunk);
		offset += chunk;
		n -= chunk;
	}
	for (i = 0; i < skb->nr_frags && n; i++) {
		const struct dml_skb_frag *frag = &skb->frags[i];
		uint32_t end = start + frag->size;

		if (offset < end) {
			chunk = end - offset < n ? end - offset : n;
			copy_to_iter(it, dml_netmem_address(frag->nm) + frag->offset +
					 (offset - start), chunk);
			offset += chunk;
			n -= chunk;
		}
		start = end;
	}
}

/* copy_msghdr_from_user()'s limit on the iovec count (UIO_MAXIOV). */
#define MAX_IOVLEN	1024
/* The kernel caps every read and write at MAX_RW_COUNT bytes. */
#define MAX_RW_COUNT	(INT_MAX & ~(DML_PAGE_SIZE - 1))

/*
 * The iovec's length as import_iovec() sees it: clamped to MAX_RW_COUNT,
 * so a huge iovec reads at most that much.  A NULL iovec array cannot be
 * copied in (EFAULT); a NULL base is refused up front where the kernel
 * faults on the first copy into it.
 */
static ssize_t iov_length(const struct msghdr *msg)
{
	size_t i, total = 0;

	if (msg->msg_iovlen > MAX_IOVLEN)
		return -EMSGSIZE;
	if (msg->msg_iovlen && !msg->msg_iov)
		return -EFAULT;
	for (i = 0; i < msg->msg_iovlen; i++) {
		size_t len = msg->msg_iov[i].iov_len;

		if (len && !msg->msg_iov[i].iov_base)
			return -EFAULT;
		total += len < MAX_RW_COUNT - total ? len : MAX_RW_COUNT - total;
	}
	return (ssize_t)total;
}

static void eat_skb_locked(struct dml_sock *sk, struct dml_skb *skb)
{
	sk->rx_head = skb->next;
	if (!sk->rx_head)
		sk->rx_tail = NULL;
	sk->rx_offset = 0;
	dml_skb_free(sk->table->warnings, skb);
}

/*
 * The receive queue is empty: like tcp_recvmsg_locked(), stop once @target
 * bytes are read, or at EOF, or without waiting when non-blocking (EAGAIN
 * if nothing was read); otherwise sleep with the socket lock released.
 * Returns 0 to look at the queue again, 1 to end the call.
 */
static int wait_for_more_locked(struct dml_sock *sk, int flags, ssize_t *copied,
				ssize_t target)
{
	if (*copied >= target)
		return 1;
	/* The peer's reset, once, before the EOF it leaves (sock_error()). */
	if (sk->err && !*copied) {
		*copied = -sk->err;
		sk->err = 0;
		return 1;
	}
	if (sk->rcv_shutdown)
		return 1;
	if (sk->dead) {
		if (!*copied)
			*copied = -EBADF;
		return 1;
	}
	if (flags & MSG_DONTWAIT) {
		if (!*copied)
			*copied = -EAGAIN;
		return 1;
	}
	pthread_cond_wait(&sk->wait, &sk->lock);
	return 0;
}

/*
 * One skb from @offset, @used bytes at most: copied if it is in host memory,
 * tokens and cmsgs if it is devmem.  Returns bytes read or -errno.
 */
static int read_skb_locked(struct dml_sock *sk, const struct dml_skb *skb,
			   uint32_t offset, uint32_t used, int flags,
			   struct iov_iter *it, struct cmsg_writer *w)
{
	struct dml_token_sock *ts;

	if (skb->readable) {
		copy_readable(skb, offset, it, used);
		return (int)used;
	}
	if (!(flags & MSG_SOCK_DEVMEM))
		return -EFAULT;
	/* The key is read where it is used, as a static branch is. */
	ts = dml_sock_tokens(sk);
	return recv_dmabuf(ts, skb, offset, it, w, used);
}

static ssize_t recvmsg_locked(struct dml_sock *sk, struct msghdr *msg, int flags,
			      uint32_t len)
{
	struct iov_iter it = { .iov = msg->msg_iov, .nr = msg->msg_iovlen };
	struct cmsg_writer w = {
		.next = msg->msg_control,
		.left = msg->msg_control ? msg->msg_controllen : 0,
	};
	/*
	 * sock_rcvlowat() with SO_RCVLOWAT at its default of 1: MSG_WAITALL
	 * waits for the whole iovec, devmem frag bytes counting as read.
	 */
	ssize_t target = flags & MSG_WAITALL && len ? (ssize_t)len : 1;
	int last_devmem = -1;
	ssize_t copied = 0;

	if (sk->state != DML_SOCK_ESTABLISHED)
		return -ENOTCONN;
	/* The body runs once even for a zero-length read, which waits too. */
	do {
		struct dml_skb *skb = sk->rx_head;
		uint32_t offset, used;

		if (!skb) {
			if (wait_for_more_locked(sk, flags, &copied, target))
				break;
			continue;
		}
		if (!len)
			break;
		offset = sk->rx_offset;
		used = skb->len - offset < len ? skb->len - offset : len;
		/* MSG_TRUNC discards what it reads: nothing copied, no mixing rule. */
		if (!(flags & MSG_TRUNC)) {
			int n;

			/* S-4.2: one call never mixes host memory and devmem. */
			if (last_devmem != -1 && last_devmem != !skb->readable)
				break;
			n = read_skb_locked(sk, skb, offset, used, flags, &it, &w);
			if (n < 0) {
				if (!copied)
					copied = n;
				break;
			}
			used = (uint32_t)n;
		}
		last_devmem = !skb->readable;
		copied += used;
		len -= used;
		sk->rx_offset += used;
		if (sk->rx_offset == skb->len)
			eat_skb_locked(sk, skb);
		else if (len)
			break;	/* the cmsg buffer is full: the rest stays queued */
	} while (len);
	/* Like ____sys_recvmsg(): the header is written back on success only. */
	if (copied < 0)
		return copied;
	msg->msg_controllen = w.used;
	/* MSG_CMSG_CLOEXEC comes back as given; TCP adds no flag of its own. */
	msg->msg_flags = flags & MSG_CMSG_CLOEXEC;
	return copied;
}

ssize_t dml_recvmsg(struct dml_sock *sk, struct msghdr *msg, int flags)
{
	struct dml_token_sock *ts;
	ssize_t len, ret;

	if (!msg || (flags & ~SUPPORTED_FLAGS))
		return -EINVAL;
	len = iov_length(msg);
	if (len < 0)
		return len;
	if (!dml_sock_fd_get(sk))
		return -EBADF;
	if (sk->type != SOCK_STREAM) {
		ret = -EOPNOTSUPP;
		goto out;
	}
	/*
	 * Returns the application queued go back before it reads,
	 * outside the socket lock: the drain needs none, and the pages it
	 * frees may be what the NIC needs to deliver the data read next.
	 */
	ts = dml_sock_tokens(sk);
	if (ts->ops->drain)
		ts->ops->drain(ts);
	pthread_mutex_lock(&sk->lock);
	ret = recvmsg_locked(sk, msg, flags, (uint32_t)len);
	pthread_mutex_unlock(&sk->lock);
out:
	dml_sock_fd_put(sk);
	return ret;
}
