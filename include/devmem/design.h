/* SPDX-License-Identifier: MIT */
/*
 * devmem-lab token designs from outside the library (SPEC S-8): the table
 * of operations every design fills in, the call that adds one to a host's
 * choices, and the few calls a design needs on the buffers it is handed.
 *
 * A design is one file: its state, its ops and one DML_TOKEN_DESIGN() row.
 * Built into a program that links the library, or into a plugin loaded
 * with `devmem-lab --plugin FILE` (a plugin links nothing: the program
 * that loads it provides the library), it then runs in the conformance
 * suite (`devmem-lab conformance`) and the benchmark like the built-in
 * ones.  examples/token_design.c is a whole one.
 *
 * The net/ side of the model calls these ops and keeps the rules of the
 * UAPI (cmsg room, the DONTNEED copy-in and its limits, the mode of a
 * binding, joins and ENODEV); a design keeps only what maps tokens to
 * buffers and the references that go with them.
 */
#ifndef DEVMEM_DESIGN_H
#define DEVMEM_DESIGN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "devmem.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A dma-buf binding and one of its page-sized buffers; opaque to designs. */
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
	/* Its name, mode and the rules it keeps (see devmem.h). */
	struct dml_token_design_info info;

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

	/*
	 * SO_DEVMEM_DONTNEED without the socket lock; returns frags released.
	 * The walk stops after DML_MAX_DONTNEED_FRAGS frags in all (S-5.3).
	 */
	int (*release)(struct dml_token_sock *ts, const struct dmabuf_token *tokens,
		       unsigned int nr_tokens);

	/* Optional: the binding's users reached 0; reclaim what sockets kept. */
	void (*binding_reclaim)(struct dml_binding *binding);

	/*
	 * Optional, for a design with a return ring (docs/extensions.md X-1);
	 * NULL for none.  setsockopt() takes the SOL_SOCKET options net/ does
	 * not know (no socket lock; NULL: -ENOPROTOOPT).  drain() consumes the
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
	 * @binding (refs[dml_binding_net_iov_index()]).  NULL when references
	 * live in the binding (urefs).
	 */
	void (*count_refs)(struct dml_token_sock *ts,
			   const struct dml_binding *binding, uint32_t *refs);

	/* Tests: times the token lock was taken; NULL if there is none. */
	unsigned long (*lock_rounds)(struct dml_token_sock *ts);
};

/**
 * dml_token_design_register() - add a design to the table hosts choose from.
 * @ops: the design; it must outlive every host (a static table).  Its
 *	 info.name is what dml_host_config.token_design and
 *	 `bench --designs` name; info.autorelease its mode.
 *
 * Call it before any host exists and before threads start (from a
 * constructor: DML_TOKEN_DESIGN()); the table is read without a lock.
 *
 * Return: 0, -EINVAL for a NULL name, a mode other than 0 or 1 or a
 * missing sock_create, sock_destroy, assign or release, -EEXIST for a name
 * already there, -ENOSPC when the table is full.
 */
int dml_token_design_register(const struct dml_token_ops *ops);

/*
 * The one table row of a design defined outside the library: registers
 * @ops before main() (or when a plugin is loaded) and reports a refusal
 * on stderr, so a design that is not there says why.
 */
#define DML_TOKEN_DESIGN(ops)							\
	__attribute__((constructor)) static void dml_token_design_row_##ops(void)	\
	{									\
		dml_token_design_row(&(ops));					\
	}

/**
 * dml_token_design_row() - DML_TOKEN_DESIGN()'s body: register, report.
 * @ops: the design.
 *
 * Return: what dml_token_design_register() returned; a failure is also
 * printed on stderr with the design's name.
 */
int dml_token_design_row(const struct dml_token_ops *ops);

/**
 * dml_net_iov_get() - take a page-pool reference on a buffer.
 * @niov: a buffer assign() was handed.
 *
 * A token that keeps its buffer out of the pool until DONTNEED (mode 1)
 * holds one; the buffer goes back to its pool on the last put.
 */
void dml_net_iov_get(struct dml_net_iov *niov);

/**
 * dml_net_iov_put() - drop a page-pool reference taken with dml_net_iov_get().
 * @niov: the buffer.
 *
 * Return: true, or false when no reference was left to drop (a double
 * put; the design reports it with DML_DESIGN_WARN_ON()).
 */
bool dml_net_iov_put(struct dml_net_iov *niov);

/**
 * dml_binding_nr_net_iovs() - how many page-sized buffers a binding has.
 * @binding: the binding.
 *
 * Return: the count; indices run from 0 to it.
 */
size_t dml_binding_nr_net_iovs(const struct dml_binding *binding);

/**
 * dml_binding_net_iov() - a binding's buffer by page index.
 * @binding: the binding.
 * @index: below dml_binding_nr_net_iovs().
 *
 * Return: the buffer, or NULL for an index past the end.
 */
struct dml_net_iov *dml_binding_net_iov(struct dml_binding *binding, size_t index);

/**
 * dml_binding_net_iov_index() - a buffer's page index in a binding.
 * @binding: the binding.
 * @niov: any buffer.
 *
 * Return: the index, or dml_binding_nr_net_iovs() when @niov is not one of
 * @binding's.
 */
size_t dml_binding_net_iov_index(const struct dml_binding *binding,
				 const struct dml_net_iov *niov);

/**
 * dml_design_warn() - report a broken invariant: log it, count it.
 * @ts: the socket state whose host counts it.
 * @file: where, as __FILE__.
 * @line: where, as __LINE__.
 * @cond: what, as text.
 *
 * The host's counter is what dml_host_warnings() and the checker read, so
 * a design's own bug fails every test that runs it.
 */
void dml_design_warn(struct dml_token_sock *ts, const char *file, int line,
		     const char *cond);

/* True (and reported) when @cond holds, like the kernel's WARN_ON(). */
#define DML_DESIGN_WARN_ON(ts, cond)						\
	((cond) ? (dml_design_warn((ts), __FILE__, __LINE__, #cond), true) : false)

#ifdef __cplusplus
}
#endif

#endif /* DEVMEM_DESIGN_H */
