/* SPDX-License-Identifier: MIT */
/*
 * The token-manager interface (SPEC S-8): everything that differs between
 * token designs.  net/ calls it and knows nothing of a design; a design knows
 * only the state it is handed.  Adding a design is one file and one line in
 * the table of tokens.c.
 *
 * Each function in a design's ops table is named <design>_<op>: the
 * benchmark's callgrind split takes those as the design's entry points, and
 * what only they call as its code (bench/callgrind_split.c).  xa_pool.h's
 * DML_XA_POOL_RECV() and DML_XA_POOL_RELEASE() define the pool's ops under
 * the design's name for that reason.
 */
#ifndef DML_TOKENS_H
#define DML_TOKENS_H

#include <stdbool.h>
#include <stdint.h>

#include "devmem/devmem.h"

struct dml_binding;
struct dml_net_iov;

/* autorelease = 0 and 1: a design serves one of them (S-3.4). */
#define DML_NR_MODES	2

/*
 * A socket's token state; each design embeds this first in its own.  The
 * socket fills in @ops once the design's sock_create() returns.
 */
struct dml_token_sock {
	const struct dml_token_ops *ops;
	_Atomic unsigned long *warnings;	/* the host's counter */
};

struct dml_token_ops {
	struct dml_token_design_info info;
	/*
	 * Its tokens carry their binding's slot in the high bits: each
	 * binding of its mode takes a slot of the host's (mem/binding.h).
	 */
	bool token_slots;

	struct dml_token_sock *(*sock_create)(_Atomic unsigned long *warnings);
	/* The socket's last reference went: return or leave what it holds. */
	void (*sock_destroy)(struct dml_token_sock *ts);

	/*
	 * recvmsg, under the socket lock, per frag whose cmsg has room (so
	 * writing it cannot fail): assign() names the token the cmsg carries
	 * and takes its reference (S-4.7); @frags_left counts this frag and the
	 * skb's later ones, for a design that reserves ids ahead.  flush(),
	 * optional, ends the skb (and the call), giving back what was reserved
	 * ahead and not assigned.
	 */
	int (*assign)(struct dml_token_sock *ts, struct dml_binding *binding,
		      struct dml_net_iov *niov, unsigned int frags_left,
		      uint32_t *token);
	void (*flush)(struct dml_token_sock *ts);

	/* SO_DEVMEM_DONTNEED without the socket lock; returns frags released. */
	int (*release)(struct dml_token_sock *ts, const struct dmabuf_token *tokens,
		       unsigned int nr_tokens);

	/* The binding's users reached 0: reclaim what sockets never returned. */
	void (*binding_reclaim)(struct dml_binding *binding);

	/*
	 * Optional, for a design with a return ring (issue 16, X-1); NULL for
	 * none.  setsockopt() takes the SOL_SOCKET options net/ does not know
	 * (no socket lock; NULL: -ENOPROTOOPT).  drain() consumes the
	 * socket's queued returns, from recvmsg before it reads; it returns
	 * frags released.  binding_refill() is handed to the binding at
	 * creation and drains every queue registered on it, when a pool
	 * drawing on it has nothing to post; it returns frags released.
	 */
	int (*setsockopt)(struct dml_token_sock *ts, int optname, const void *val,
			  socklen_t len);
	unsigned int (*drain)(struct dml_token_sock *ts);
	unsigned int (*binding_refill)(struct dml_binding *binding);

	/* Bytes of token-tracking state this socket holds now. */
	size_t (*state_bytes)(struct dml_token_sock *ts);

	/*
	 * Invariant checker: add this socket's references per page of
	 * @binding.  NULL when references live in the binding (urefs).
	 */
	void (*count_refs)(struct dml_token_sock *ts,
			   const struct dml_binding *binding, uint32_t *refs);

	/* Tests: times the token lock was taken; NULL if there is none. */
	unsigned long (*lock_rounds)(struct dml_token_sock *ts);
};

const struct dml_token_ops *dml_token_ops_by_name(const char *name);

/*
 * Adds a design to the table, from a constructor (before threads exist).
 * Return: 0, -EEXIST for a name already there, -ENOSPC when full.
 */
int dml_token_design_register(const struct dml_token_ops *ops);

#endif /* DML_TOKENS_H */
