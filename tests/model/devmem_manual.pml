/*
 * SPDX-License-Identifier: MIT
 *
 * devmem_manual.pml: the manual-mode (autorelease = 0) token protocol of
 * devmem-lab (S-4.5, S-5.4, S-6.2, S-6.3, S-6.5, S-3.4), for an exhaustive
 * check with spin.  docs/protocol.md explains the protocol, who holds each
 * count, what this model proves, its bounds, and how to run it
 * (tests/model/check.sh).
 *
 * Bounds: 2 sockets x 2 net_iovs x 2 RX queues, bound to one binding made
 * by one netlink socket; the NIC fills FILLS buffers (default 2) over the
 * run, each for one or both sockets.  Socket 0 returns only tokens it holds
 * (with FOREIGN_BOTH, like socket 1); socket 1 may also return one token it
 * does not hold (a double DONTNEED, or a token it never got: S-5.4, S-5.5,
 * S-7.2).
 *
 * Granularity: each atomic read-modify-write of the C code is one step; a
 * CAS loop is a load step, then a CAS step that fails and reloads when the
 * value moved (weak CAS's spurious failures only add retries).  Work done
 * under one lock (a pool's, a queue's) is one step.  Ghost variables (owed,
 * due, held, reclaimed, nfree and the property flags) only observe.
 *
 * Every property is an assert(!flag) whose flag names it, so spin's report
 * says which one broke:
 *   double_drop            a page-pool reference dropped that nobody owned,
 *                          or a count below 0
 *   recycled_while_held    a buffer went back to its pool (count 0) while a
 *                          frag, a uref or a pending get still used it
 *   ledger_broken          page-pool count != its holders (frags, uref > 0)
 *                          give or take the references in flight
 *   increment_after_reclaim a uref incremented after the reclaim started
 *   use_after_free         the binding touched at refcount 0
 *   double_free            the binding's final free ran twice
 *   freed_in_use           final free with net_iovs out or users left
 *   leaked_reference       after teardown: a page-pool reference, a uref, a
 *                          holder or a pool left
 *   not_freed              after teardown: the binding still there
 *   mode_not_reset         after teardown: the system mode still set
 *   spurious_enodev        a first read failed with ENODEV while a queue was
 *                          still bound (S-4.5: only unbound and drained)
 * plus spin's own invalid end states (a process stuck: nothing may block).
 *
 * Variants (spin -D...):
 *   (none)             the protocol as src/ implements it (users count,
 *                      DONTNEED only above 0, niov_assign() taking the
 *                      page-pool reference before the uref shows it).
 *                      Must verify with 0 errors.
 *   C_TAKE_ORDER       the series' niov_take (and ours before 33ebf40):
 *                      uref fetch_add first, page-pool get after on 0 -> 1;
 *                      a foreign DONTNEED in between frees the page.
 *   NO_FOREIGN_RETURNS socket 1 behaves too (returns only what it holds).
 *   FOREIGN_BOTH       socket 0 misbehaves too.
 *   V9                 v9 of the series: no users count; a socket joins with
 *                      a binding reference only, unbind reclaims the urefs.
 *   NO_INCREMENT_CHECK with V9: let the run go on to the leak it causes.
 *   V10_NEGATIVE_UREF  v10's DONTNEED: an unconditional decrement.
 *   HOST_CHECK         adds dml_host_check() (src/check.c): a plain binding
 *                      reference taken under bindings_lock from the table.
 *   HOST_CHECK_FIXED   with HOST_CHECK: that reference is get-unless-zero.
 *   BIND_RACE          bind-rx as dml_netdev_bind_rxq() orders it: a queue
 *                      starts on the binding's memory before its user is
 *                      counted (the other runs start from a bound state).
 *   BIND_RACE_FIXED    with BIND_RACE: the user is counted first.
 *   MUT_*              deliberate bugs, each of which must break its
 *                      property: proof that the property is really checked.
 */

#define NS	2		/* sockets */
#define NI	2		/* net_iovs: pages of the dma-buf */
#define NQ	2		/* RX queues bound to the binding */

#define FREE	255		/* where[i]: idle in the binding's provider */
#define M_NONE	0		/* host mode: no RX binding */
#define M_MANUAL 1		/* host mode: autorelease = 0 */

#ifndef FILLS
#define FILLS	2		/* buffers the NIC fills over the whole run */
#endif

/* How many tokens socket s may return without holding them. */
#if defined(NO_FOREIGN_RETURNS)
#define FOREIGN(s)	0
#elif defined(FOREIGN_BOTH)
#define FOREIGN(s)	1
#else
#define FOREIGN(s)	(s == NS - 1 -> 1 : 0)
#endif

/* ---- Properties: each flag is asserted false right where it is set ---- */
bool double_drop, recycled_while_held, ledger_broken, increment_after_reclaim;
bool use_after_free, double_free, freed_in_use;
bool leaked_reference, not_freed, mode_not_reset, spurious_enodev;

#define REQUIRE(c, p)	if :: (c) -> skip :: else -> p = true fi; assert(!p)

/* ---- The binding (src/mem/binding.[ch]) and the host (src/host.c) ---- */
byte bref;		/* binding->refcount */
byte users;		/* binding->users: bound queues + joined sockets */
bool registered;	/* in host->bindings */
byte mode;		/* host->mode */
bool bfreed;		/* dml_binding_final_free() ran */
byte nfree;		/* ghost: how many times */
bool reclaimed;		/* ghost: niov_binding_reclaim() started */
#ifdef HOST_CHECK
bool bindings_lock;
#endif

/* ---- The net_iovs (src/mem/netmem.h) ---- */
short pp[NI];		/* nm.pp_ref_count */
short uref[NI];		/* uref (unsigned in C; signed here to show v10) */
byte where[NI];		/* the pool that allocated it (nm.pp), or FREE */
bool idle[NI];		/* in that pool's recycle ring */
/*
 * Holders of a page-pool reference: an skb frag queued at (or being read
 * by) a socket, and a uref above 0.  (The RX ring slot's reference lives
 * only inside one NIC step, see Nic.)
 */
byte frag[NS * NI];	/* frag[s * NI + i] */
/*
 * Ghosts for references in flight: owed = counted in a holder, the get not
 * done yet; due = taken (or its holder gone), the put not done yet.
 */
byte owed[NI];
byte due[NI];

/* ---- Queues and their page pools (src/nic, src/mem/page_pool.c) ---- */
bool bound[NQ];
bool detached[NQ];
byte inflight[NQ];	/* buffers out of the provider (ring included) */
bool pfreed[NQ];

bool closed[NS];
byte fills = FILLS;
byte done;

#define F(s, i)		frag[(s) * NI + (i)]
#define HOLD(i)		(F(0, i) + F(1, i) + (uref[i] > 0 -> 1 : 0))
#define CHECK(i)	REQUIRE(pp[i] >= 0, double_drop); \
			REQUIRE(pp[i] + owed[i] == HOLD(i) + due[i], ledger_broken)
#define RING_HAS(q)	((idle[0] && where[0] == q) || (idle[1] && where[1] == q))

/* ---- Binding references ---- */

/* dml_binding_final_free() + dml_host_binding_unregister() */
inline final_free_body()
{
	REQUIRE(!bfreed, double_free);
	bfreed = true;
	nfree++;
	REQUIRE(nfree == 1, double_free);
	/* its WARN_ONs: every net_iov back in the provider, no users */
	REQUIRE(where[0] == FREE && where[1] == FREE && users == 0, freed_in_use);
	/* S-3.4: the last RX binding gone, either mode may be asked for */
#ifndef MUT_NO_MODE_RESET
	mode = M_NONE;
#endif
	registered = false
}

/*
 * dml_binding_put(): fetch_sub, and the thread that saw 1 frees.  Nothing
 * may touch a binding at 0 (every access requires bref > 0), so the final
 * free joins the step; with HOST_CHECK it is a step of its own, since
 * dml_host_binding_unregister() then waits for bindings_lock.
 * @pre runs first in the same step: page_pool_free() dropping its pool.
 */
#ifndef HOST_CHECK
#define BINDING_PUT(pre) \
	atomic { \
		pre; \
		REQUIRE(bref > 0, use_after_free); \
		bref--; \
		if \
		:: bref == 0 -> final_free_body() \
		:: else -> skip \
		fi \
	}
#else
#define BINDING_PUT(pre) \
	d_step { \
		pre; \
		REQUIRE(bref > 0, use_after_free); \
		bref--; \
		last = (bref == 0) \
	}; \
	if \
	:: last -> \
		last = false; \
		d_step { !bindings_lock -> bindings_lock = true }; \
		d_step { final_free_body(); bindings_lock = false } \
	:: else -> skip \
	fi
#endif

#define POOL_GONE(qq)	REQUIRE(!pfreed[qq], double_free); pfreed[qq] = true
#define NOTHING		skip

inline binding_put()
{
	BINDING_PUT(NOTHING)
}

/*
 * A process's last put also counts it as done, in the same step (init
 * checks the end state once every socket and the netlink socket is done).
 */
#ifndef HOST_CHECK
#define LAST_PUT()	BINDING_PUT(done++)
#else
#define LAST_PUT()	binding_put(); done++
#endif

/* page_pool_free(): a detached pool's last buffer came back. */
inline pool_free(qq)
{
#ifndef MUT_POOL_NO_REF
	BINDING_PUT(POOL_GONE(qq))
#else
	d_step { POOL_GONE(qq) }
#endif
}

/* ---- Page-pool references ---- */

/* dml_page_pool_recycle(), under the pool lock: @ii's count reached 0. */
inline recycle(ii)
{
	d_step {
		q = where[ii];
		assert(q < NQ && !pfreed[q] && pp[ii] == 0);
		if
		:: detached[q] ->
			where[ii] = FREE;	/* back to the provider */
			inflight[q]--;
			fp = (inflight[q] == 0)
		:: else ->
			idle[ii] = true		/* into the recycle ring */
		fi
	};
	if
	:: fp -> fp = false; pool_free(q)
	:: else -> skip
	fi;
	q = 0
}

/* At 0 the buffer goes back to its pool: nobody may still be using it. */
#define AT_ZERO(i)	if \
			:: pp[i] == 0 -> \
				REQUIRE(HOLD(i) == 0 && owed[i] == 0 && due[i] == 0, \
					recycled_while_held); \
				last = true \
			:: else -> skip \
			fi

/* dml_netmem_put() of a reference the caller holds apart from any holder */
inline put_due(ii)
{
	d_step {
		REQUIRE(due[ii] > 0, double_drop);	/* nobody owned it */
		due[ii]--;
		pp[ii]--;
		CHECK(ii);
		AT_ZERO(ii)
	};
	if
	:: last -> last = false; recycle(ii)
	:: else -> skip
	fi
}

/* dml_skb_free(): the frag's own reference */
inline put_frag(ss, ii)
{
	d_step {
		assert(F(ss, ii) > 0);
		F(ss, ii)--;
		pp[ii]--;
		CHECK(ii);
		AT_ZERO(ii)
	};
	if
	:: last -> last = false; recycle(ii)
	:: else -> skip
	fi
}

/* niov_binding_reclaim(): exchange each uref with 0, put if it was not 0. */
inline reclaim()
{
	k = 0;
	do
	:: k < NI ->
		d_step {
			REQUIRE(bref > 0, use_after_free);
			old = uref[k];
			uref[k] = 0;
			if
			:: old > 0 -> due[k]++		/* the uref's reference */
			:: else -> skip
			fi;
			CHECK(k)
		};
#ifndef MUT_RECLAIM_ALL
		if
		:: old != 0 -> old = 0; put_due(k)
		:: else -> skip
		fi;
#else
		old = 0; put_due(k);
#endif
		k++
	:: else -> k = 0; break
	od
}

#ifndef V9
/* dml_binding_users_put(): the step to 0 reclaims. */
inline users_put()
{
	d_step {
		REQUIRE(bref > 0, use_after_free);
		assert(users > 0);
		users--;
		if
		:: users == 0 -> reclaimed = true; fp = true
		:: else -> skip
		fi
	};
#ifndef MUT_NO_RECLAIM
	if
	:: fp -> fp = false; reclaim()
	:: else -> skip
	fi
#else
	fp = false
#endif
}
#endif

/* ---- A socket: recvmsg, SO_DEVMEM_DONTNEED, close ---- */

/* niov_join_slow(), on the socket's first devmem frag */
inline join()
{
#if defined(V9)
	/* v9: a binding reference is all a socket takes */
	d_step { REQUIRE(bref > 0, use_after_free); bref++; joined = true }
#elif defined(MUT_JOIN_UNCHECKED)
	d_step { REQUIRE(bref > 0, use_after_free); users++ };
	d_step { REQUIRE(bref > 0, use_after_free); bref++; joined = true }
#else
	/* dml_binding_users_get_unless_zero(): load, then CAS until it holds */
	v = users;
	do
	:: v == 0 ->			/* -ENODEV: only once unbound and drained */
		REQUIRE(!bound[0] && !bound[1], spurious_enodev);
		break
	:: v != 0 ->
		d_step {
			REQUIRE(bref > 0, use_after_free);
			if
			:: users == v -> users = v + 1; ok = true
			:: else -> v = users	/* CAS failed: reload */
			fi
		};
		if
		:: ok -> break
		:: else -> skip
		fi
	od;
	v = 0;
	if
	:: ok -> ok = false;
		/* dml_binding_get(), then ns->binding is set */
		d_step { REQUIRE(bref > 0, use_after_free); bref++; joined = true }
	:: else -> skip
	fi
#endif
}

#ifdef NO_INCREMENT_CHECK
#define UREF_INC_ALLOWED	true
#else
#define UREF_INC_ALLOWED	!reclaimed
#endif

/* niov_assign(): one more delivery of page @ii, whose frag this socket reads */
inline take(ii)
{
#ifdef C_TAKE_ORDER
	d_step {
		REQUIRE(UREF_INC_ALLOWED, increment_after_reclaim);
		old = uref[ii];
		uref[ii] = old + 1;
		if
		:: old == 0 -> owed[ii]++	/* the 0 -> 1 step owes a reference */
		:: else -> skip
		fi;
		CHECK(ii)
	};
	if
	:: old == 0 ->
		d_step {
			/* a get on a buffer already back in its pool */
			REQUIRE(pp[ii] > 0, recycled_while_held);
			pp[ii]++;
			owed[ii]--;
			CHECK(ii)
		}
	:: else -> skip
	fi;
	old = 0;
#elif defined(MUT_TAKE_NO_GET)
	d_step {
		REQUIRE(UREF_INC_ALLOWED, increment_after_reclaim);
		uref[ii]++;
		CHECK(ii)
	};
#else
	/* dml_netmem_get() first: the uref never shows without its reference */
	d_step {
		REQUIRE(pp[ii] > 0, recycled_while_held);
		pp[ii]++;
		due[ii]++;
		CHECK(ii)
	};
	d_step {
		REQUIRE(UREF_INC_ALLOWED, increment_after_reclaim);
		old = uref[ii];
		uref[ii] = old + 1;
		if
		:: old == 0 -> due[ii]--	/* the reference is now the uref's */
		:: else -> skip
		fi;
		CHECK(ii)
	};
	if
	:: old != 0 -> old = 0; put_due(ii)	/* not the first: give it back */
	:: else -> skip
	fi;
#endif
	held[ii]++
}

/* recvmsg(MSG_SOCK_DEVMEM) of the queued frag of page @ii */
inline recv(ii)
{
	if
	:: !joined -> join()
	:: else -> skip
	fi;
	if
	:: joined ->
		take(ii);
		put_frag(s, ii)		/* the skb is consumed */
	:: else -> skip			/* -ENODEV: the skb stays queued */
	fi
}

/* niov_release() of token @ii */
inline dontneed(ii)
{
#ifdef V10_NEGATIVE_UREF
	/* v10: atomic_dec whatever the value, a put on 1 -> 0 */
	d_step {
		REQUIRE(bref > 0, use_after_free);
		v = uref[ii];
		uref[ii] = v - 1;
		if
		:: v == 1 -> due[ii]++
		:: else -> skip
		fi;
		CHECK(ii)
	};
	if
	:: v == 1 -> v = 0; put_due(ii)
	:: else -> v = 0
	fi
#else
	/* uref_dec_not_zero(): load, then CAS while above 0 */
	v = uref[ii];
	do
	:: v <= 0 -> break		/* nothing to return, not counted */
	:: v > 0 ->
		d_step {
			REQUIRE(bref > 0, use_after_free);
			if
			:: uref[ii] == v ->
				uref[ii] = v - 1;
				ok = true;
				if
				:: v == 1 -> due[ii]++
				:: else -> skip
				fi;
				CHECK(ii)
			:: else -> v = uref[ii]	/* CAS failed: reload */
			fi
		};
		if
		:: ok -> break
		:: else -> skip
		fi
	od;
	if
	:: ok && v == 1 -> ok = false; v = 0; put_due(ii)	/* 1 -> 0 */
	:: else -> ok = false; v = 0
	fi
#endif
}

proctype Socket(byte s)
{
	bool joined, ok, last, fp;
	byte held[NI];			/* ghost: deliveries it has not returned */
	byte foreign = FOREIGN(s);
	byte k, q;
	short v, old;

	do
	:: F(s, 0) > 0 -> recv(0)
	:: F(s, 1) > 0 -> recv(1)
	/* SO_DEVMEM_DONTNEED (a socket that never joined gets EINVAL) */
	:: joined && held[0] > 0 -> held[0]--; dontneed(0)
	:: joined && held[1] > 0 -> held[1]--; dontneed(1)
	:: joined && foreign > 0 && held[0] == 0 -> foreign--; dontneed(0)
	:: joined && foreign > 0 && held[1] == 0 -> foreign--; dontneed(1)
	:: break
	od;

	/* close(): sock_teardown() purges the queue, then niov_sock_destroy() */
	atomic { closed[s] = true; held[0] = 0; held[1] = 0; foreign = 0 };
	if
	:: F(s, 0) > 0 -> put_frag(s, 0)
	:: else -> skip
	fi;
	if
	:: F(s, 1) > 0 -> put_frag(s, 1)
	:: else -> skip
	fi;
	/* leaves the binding; its urefs stay until users reach 0 */
	if
	:: joined ->
#ifndef V9
		users_put();
#endif
#ifdef MUT_CLOSE_PUTS_TWICE
		binding_put();
#endif
		LAST_PUT()
	:: else -> done++
	fi
}

/* ---- The NIC side of a queue ---- */

/*
 * One step, under the rxq lock: refill takes a buffer from the pool (its
 * recycle ring first, else the provider: page order is immaterial, so the
 * lowest free page) with the ring slot's reference; payload lands in it for
 * one or both sockets, each frag with its own reference; the slot's
 * reference is retired.  Post and fill are one step: a buffer posted but
 * never filled is only ever dropped by the unbind's drain, which gives it
 * straight back to the provider, as if it had never been posted.
 */
#define DELIVER(i) \
	if \
	:: !closed[0] -> F(0, i)++; pp[i]++ \
	:: !closed[1] -> F(1, i)++; pp[i]++ \
	:: !closed[0] && !closed[1] -> F(0, i)++; F(1, i)++; pp[i] = pp[i] + 2 \
	fi; \
	pp[i]--; \
	CHECK(i)
#define CAN_FILL	(bound[q] && fills > 0 && (!closed[0] || !closed[1]))
#define FILL_RING(i) \
	:: atomic { CAN_FILL && idle[i] && where[i] == q && \
		    (i == 0 || !(idle[0] && where[0] == q)) -> \
		assert(pp[i] == 0); \
		fills--; \
		idle[i] = false; \
		pp[i] = 1; \
		DELIVER(i) }
#define FILL_PROVIDER(i) \
	:: atomic { CAN_FILL && !RING_HAS(q) && where[i] == FREE && \
		    (i == 0 || where[0] != FREE) -> \
		assert(pp[i] == 0); \
		fills--; \
		where[i] = q; \
		inflight[q]++; \
		pp[i] = 1; \
		DELIVER(i) }

/*
 * Blocked for good once unbound (or out of fills): a valid end state, so
 * its exit is no extra step to interleave.
 */
proctype Nic(byte q)
{
end:	do
	FILL_RING(0)
	FILL_RING(1)
	FILL_PROVIDER(0)
	FILL_PROVIDER(1)
	od
}

/* ---- The netlink socket that made the binding: closing it unbinds ---- */

/*
 * dml_netdev_unbind_rxq(): the queue restarts on host memory under its
 * lock (its posted buffers dropped, the old pool destroyed: detached, its
 * recycle ring given back to the provider, freed at once if no buffer is
 * out), then the queue's user goes.
 */
inline unbind(qq)
{
	d_step {
		bound[qq] = false;
		detached[qq] = true;
		k = 0;
		do
		:: k < NI ->
			if
			:: idle[k] && where[k] == qq ->
				idle[k] = false;
				where[k] = FREE;
				inflight[qq]--
			:: else -> skip
			fi;
			k++
		:: else -> k = 0; break
		od;
		fp = (inflight[qq] == 0)
	};
	if
	:: fp -> fp = false; pool_free(qq)
	:: else -> skip
	fi;
#ifndef V9
	users_put()
#endif
}

proctype Netlink()
{
	bool last, fp;
	byte k, q;
	short old;

#if defined(BIND_RACE) && !defined(BIND_RACE_FIXED)
	/*
	 * The end of bind-rx: queue 0 already runs on the binding (init);
	 * its user is counted after; then queue 1 starts (its pool's
	 * reference) and its user is counted.
	 */
	d_step { users++ };
	d_step { bound[1] = true; bref++ };
	d_step { users++ };
#elif defined(BIND_RACE)
	/* fixed order: each queue's user is counted before it starts */
	d_step { users++ };
	d_step { bound[1] = true; bref++ };
#endif
	/* dml_binding_unbind(): each queue, then the creator's reference */
	unbind(0);
	unbind(1);
#ifdef V9
	/* v9 reclaims at unbind, sockets or not */
	d_step { reclaimed = true };
	reclaim();
#endif
#ifdef MUT_STUCK
	bfreed;		/* waits for what its own reference prevents */
#endif
#ifndef MUT_NL_KEEPS_REF
	LAST_PUT()
#else
	done++
#endif
}

#ifdef HOST_CHECK
/*
 * dml_host_check(): under bindings_lock, a reference on every binding in
 * the table; the walk; the puts.
 */
proctype Checker()
{
	bool last, got;

	d_step { !bindings_lock -> bindings_lock = true };
	d_step {
		if
		:: registered ->
#ifdef HOST_CHECK_FIXED
			/* get unless zero: a binding at 0 is being freed */
			if
			:: bref > 0 -> bref++; got = true
			:: else -> skip
			fi
#else
			/* dml_binding_get(): a plain increment, even from 0 */
			bref++;
			got = true
#endif
		:: else -> skip
		fi;
		bindings_lock = false
	};
	if
	:: got -> got = false; binding_put()
	:: else -> skip
	fi;
	done++
}
#define NCHECKER	1
#else
#define NCHECKER	0
#endif

init
{
	byte i;

	atomic {
		/* bind-rx: the binding, with the netlink socket's reference */
		bref = 1;
		registered = true;
		mode = M_MANUAL;
		where[0] = FREE;
		where[1] = FREE;
		/* two queues: each pool holds a reference, each queue is a user */
#ifdef BIND_RACE
		bound[0] = true;	/* the rest is Netlink's first steps */
		bref = bref + 1;
#ifdef BIND_RACE_FIXED
		users = 1;
#endif
#else
		bound[0] = true;
		bound[1] = true;
#ifndef MUT_POOL_NO_REF
		bref = bref + NQ;
#endif
#ifndef V9
		users = NQ;
#endif
#endif
		run Socket(0);
		run Socket(1);
		run Nic(0);
		run Nic(1);
		run Netlink();
#ifdef HOST_CHECK
		run Checker();
#endif
	};

	done == NS + 1 + NCHECKER;

	/* Everything torn down: nothing leaked, the binding freed once, the mode reset. */
	d_step {
		i = 0;
		do
		:: i < NI ->
			REQUIRE(pp[i] == 0 && uref[i] == 0 && HOLD(i) == 0 &&
				owed[i] == 0 && due[i] == 0 &&
				where[i] == FREE && !idle[i], leaked_reference);
			i++
		:: else -> break
		od;
		REQUIRE(pfreed[0] && pfreed[1], leaked_reference);
		REQUIRE(bfreed && bref == 0 && users == 0, not_freed);
		REQUIRE(nfree == 1, double_free);
		REQUIRE(!registered && mode == M_NONE, mode_not_reset)
	}
}
