// SPDX-License-Identifier: MIT
/*
 * S-7.1 stress: threads race recvmsg, DONTNEED (valid, repeated, foreign,
 * out-of-range and random ranges), socket close and replacement, unbind by
 * netlink-socket close and rebind, and the NIC's delivery and refill, over
 * four sockets and two bindings, in every design.  When it stops, everything
 * is torn down and the invariant checker proves that no net_iov reference
 * leaked or doubled.  DML_STRESS_SECONDS sets the duration per design.
 */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <time.h>

#include "dp_helpers.h"

#define SLOTS		4
#define PORT_B		5202
#define QUEUE_B		6
#define POOL		512
#define GRAVE		4096

struct slot {
	pthread_mutex_t lock;			/* guards the fields below */
	struct dml_sock *sk;
	struct dml_wire_flow *flow;
	uint32_t tokens[POOL];
	unsigned int nr_tokens;
	unsigned int generation;
	bool joined;				/* sk has read a devmem frag */
};

struct stress {
	struct dp *dp;
	struct dml_sock *listener_b;
	struct dml_dmabuf *buf_b;
	pthread_mutex_t nl_lock;		/* guards nl_b */
	struct dml_nl_sock *nl_b;
	struct slot slots[SLOTS];
	/*
	 * Flows of closed sockets.  A flow keeps its socket's memory, so a
	 * thread still holding the old pointer gets EBADF, not freed memory;
	 * they are closed after the threads stop.
	 */
	pthread_mutex_t grave_lock;
	struct dml_wire_flow *grave_flow[GRAVE];
	unsigned int nr_grave;
	_Atomic bool stop;
	_Atomic unsigned long ops, closes, unbinds, errors;
	_Atomic unsigned long slot_waits;	/* rebinds refused: no token slot free */
	uint16_t next_port;
	unsigned int seed;
};

static unsigned int rnd(unsigned int *seed)
{
	*seed = *seed * 1103515245u + 12345u;
	return *seed >> 8;
}

static int bind_b(struct stress *st)
{
	const uint32_t q[] = { QUEUE_B };
	struct dml_bind_rx_req req = {
		.ifindex = st->dp->f->ifindex, .dmabuf_fd = dml_dmabuf_fd(st->buf_b),
		.queues = q, .nr_queues = 1, .autorelease = st->dp->mode,
	};
	uint32_t id;
	int err = dml_nl_open(st->dp->f->host, DML_NL_ADMIN, &st->nl_b);

	return err ? err : dml_bind_rx(st->nl_b, &req, &id, NULL, 0);
}

/* A fresh connection for slot @k: queue 7 (binding A) or 6 (binding B). */
static int connect_slot(struct stress *st, unsigned int k, struct dml_sock **sk,
			struct dml_wire_flow **flow)
{
	struct dml_wire_flow_config cfg = dp_flow_config(st->next_port++);
	struct dml_sock *listener = k < 2 ? st->dp->listener : st->listener_b;
	int err;

	cfg.flow.dst_port = k < 2 ? DP_PORT : PORT_B;
	cfg.flags = DML_WIRE_DMA_ONLY;
	cfg.mss = k % 2 ? 1448 : 4096;
	cfg.gro_segs = 1 + k * 3;
	err = dml_wire_connect(st->dp->f->dev, &cfg, flow);
	if (!err)
		err = dml_accept(listener, SOCK_NONBLOCK, sk);
	return err;
}

/* Returns false when the graveyard is full: then the slot is not replaced. */
static bool bury(struct stress *st, struct dml_wire_flow *flow)
{
	bool ok;

	pthread_mutex_lock(&st->grave_lock);
	ok = st->nr_grave < GRAVE;
	if (ok)
		st->grave_flow[st->nr_grave++] = flow;
	pthread_mutex_unlock(&st->grave_lock);
	return ok;
}

static void *nic_thread(void *arg)
{
	struct stress *st = arg;
	unsigned int seed = st->seed ^ 0x1111u;

	while (!atomic_load(&st->stop)) {
		struct slot *s = &st->slots[rnd(&seed) % SLOTS];
		struct dml_wire_flow *flow;
		ssize_t n;

		pthread_mutex_lock(&s->lock);
		flow = s->flow;
		/* the slot lock is this flow's single driver while it sends */
		n = flow ? dml_wire_send(flow, NULL, 1 + rnd(&seed) % (64 << 10)) : 0;
		pthread_mutex_unlock(&s->lock);
		if (n == -ENOBUFS)
			sched_yield();
		atomic_fetch_add(&st->ops, 1);
	}
	return NULL;
}

struct reader_arg {
	struct stress *st;
	unsigned int which;	/* reads slots which and which + 2 */
};

static void *reader_thread(void *arg)
{
	struct reader_arg *ra = arg;
	struct stress *st = ra->st;
	unsigned int which = ra->which, seed = st->seed + which;
	struct dp_read *r = malloc(sizeof(*r));

	while (!atomic_load(&st->stop)) {
		struct slot *s = &st->slots[(which + 2 * (rnd(&seed) % 2)) % SLOTS];
		struct dml_sock *sk;
		unsigned int gen;
		size_t i;

		pthread_mutex_lock(&s->lock);
		sk = s->sk;
		gen = s->generation;
		pthread_mutex_unlock(&s->lock);
		if (!sk)
			continue;
		/* the socket may be closed meanwhile: a call then gets EBADF */
		dp_recv(sk, 1 + rnd(&seed) % 65536, (rnd(&seed) % 40) * 40,
			MSG_SOCK_DEVMEM | MSG_DONTWAIT, r);
		if (r->ret <= 0)
			continue;
		pthread_mutex_lock(&s->lock);
		for (i = 0; i < r->n && s->generation == gen; i++) {
			if (r->cm[i].type != SCM_DEVMEM_DMABUF)
				continue;
			s->joined = true;
			if (s->nr_tokens < POOL)
				s->tokens[s->nr_tokens++] = r->cm[i].c.frag_token;
		}
		pthread_mutex_unlock(&s->lock);
		atomic_fetch_add(&st->ops, 1);
	}
	free(r);
	return NULL;
}

/*
 * What DONTNEED may answer here, where optlen is always valid: the count
 * released, at most the frags named (S-5.1, S-5.2); EBADF once the closer
 * has closed the socket; and EINVAL only in autorelease = 0 from a socket
 * that has not joined a binding yet (S-5.4).  A bad token is never an
 * error (S-5.1), in either mode.
 */
static bool dontneed_answer_ok(int mode, bool joined, int ret, unsigned int frags)
{
	if (ret >= 0)
		return (unsigned int)ret <= frags && ret <= DML_MAX_DONTNEED_FRAGS;
	if (ret == -EBADF)
		return true;
	return ret == -EINVAL && mode == 0 && !joined;
}

static void *returner_thread(void *arg)
{
	struct stress *st = arg;
	unsigned int seed = st->seed ^ 0x2222u;
	struct dmabuf_token t[8] = { { 0 } };

	while (!atomic_load(&st->stop)) {
		struct slot *s = &st->slots[rnd(&seed) % SLOTS];
		struct slot *other = &st->slots[rnd(&seed) % SLOTS];
		unsigned int kind = rnd(&seed) % 8, n = 1, i, frags = 0;
		struct dml_sock *sk;
		bool joined;
		int ret;

		pthread_mutex_lock(&other->lock);
		t[0].token_start = other->nr_tokens ? other->tokens[rnd(&seed) % other->nr_tokens] : 1;
		pthread_mutex_unlock(&other->lock);
		pthread_mutex_lock(&s->lock);
		sk = s->sk;
		/* once joined, sk stays joined: a close can only make it EBADF */
		joined = s->joined;
		if (kind < 5 && s->nr_tokens) {
			/* valid: up to 8 held tokens, sometimes twice */
			for (n = 0; n < 8 && s->nr_tokens; n++)
				t[n] = (struct dmabuf_token){ s->tokens[--s->nr_tokens], 1 };
			if (kind == 4 && n < 8) {
				t[n] = t[0];
				n++;
			}
		} else if (kind == 5) {
			t[0].token_count = 1;			/* foreign */
		} else if (kind == 6) {
			t[0] = (struct dmabuf_token){ rnd(&seed), 1 + rnd(&seed) % 4096 };
		} else {
			t[0] = (struct dmabuf_token){ 0, 1 + rnd(&seed) % 2048 };
		}
		pthread_mutex_unlock(&s->lock);
		if (!sk)
			continue;
		for (i = n; i < 8 && kind >= 5; i++)
			t[i] = (struct dmabuf_token){ rnd(&seed) % 100000, rnd(&seed) % 3 };
		if (kind >= 5)
			n = 8;
		for (i = 0; i < n; i++)
			frags += t[i].token_count;
		ret = dml_setsockopt(sk, SOL_SOCKET, SO_DEVMEM_DONTNEED, t,
				     n * sizeof(t[0]));
		if (!dontneed_answer_ok(st->dp->mode, joined, ret, frags) &&
		    !atomic_fetch_add(&st->errors, 1))
			printf("# first bad answer: DONTNEED of %u frags from a%s socket = %d\n",
			       frags, joined ? " joined" : "", ret);
		atomic_fetch_add(&st->ops, 1);
	}
	return NULL;
}

static void *closer_thread(void *arg)
{
	struct stress *st = arg;
	unsigned int seed = st->seed ^ 0x3333u;

	while (!atomic_load(&st->stop)) {
		unsigned int k = rnd(&seed) % SLOTS;
		struct slot *s = &st->slots[k];
		struct dml_sock *old_sk, *sk = NULL;
		struct dml_wire_flow *old_flow, *flow = NULL;

		usleep(2000 + rnd(&seed) % 3000);
		pthread_mutex_lock(&st->grave_lock);
		if (st->nr_grave == GRAVE) {
			pthread_mutex_unlock(&st->grave_lock);
			continue;
		}
		pthread_mutex_unlock(&st->grave_lock);
		if (connect_slot(st, k, &sk, &flow)) {
			atomic_fetch_add(&st->errors, 1);
			continue;
		}
		pthread_mutex_lock(&s->lock);
		old_sk = s->sk;
		old_flow = s->flow;
		s->sk = sk;
		s->flow = flow;
		s->nr_tokens = 0;	/* a closed socket's tokens are its own business */
		s->generation++;
		s->joined = false;
		pthread_mutex_unlock(&s->lock);
		/* close(2) with other threads still calling: they hold file references */
		dml_close(old_sk);
		if (!bury(st, old_flow))
			atomic_fetch_add(&st->errors, 1);
		atomic_fetch_add(&st->closes, 1);
	}
	return NULL;
}

static void *unbinder_thread(void *arg)
{
	struct stress *st = arg;
	unsigned int seed = st->seed ^ 0x4444u;
	bool slots = dp_rules(st->dp->mode)->token_slots;
	int err;

	while (!atomic_load(&st->stop)) {
		usleep(5000 + rnd(&seed) % 10000);
		pthread_mutex_lock(&st->nl_lock);
		dml_nl_close(st->nl_b);
		st->nl_b = NULL;
		/*
		 * The mode is ours while binding A lives: a rebind must
		 * succeed, unless every token slot is held by a binding that
		 * open sockets keep alive; B comes back next round.
		 */
		err = bind_b(st);
		if (err == -ENOSPC && slots)
			atomic_fetch_add(&st->slot_waits, 1);
		else if (err && !atomic_fetch_add(&st->errors, 1))
			printf("# first bad answer: rebind of B = %d\n", err);
		pthread_mutex_unlock(&st->nl_lock);
		atomic_fetch_add(&st->unbinds, 1);
	}
	return NULL;
}

static double stress_seconds(void)
{
	const char *env = getenv("DML_STRESS_SECONDS");
	double s = env ? atof(env) : 2.0;

	return s > 0 ? s : 2.0;
}

static void test_stress(void **state)
{
	struct stress *st = calloc(1, sizeof(*st));
	struct reader_arg rarg[2];
	pthread_t nic, readers[2], returner, closer, unbinder;
	struct dml_flow match_b = { .dst_port = PORT_B };
	double secs = stress_seconds();
	struct timespec ts;
	unsigned int k, i;

	assert_non_null(st);
	st->dp = *state;
	st->next_port = 30000;
	clock_gettime(CLOCK_REALTIME, &ts);
	st->seed = (unsigned int)ts.tv_nsec;
	printf("# seed %u, %.1f s, design for autorelease=%d\n", st->seed, secs, st->dp->mode);
	pthread_mutex_init(&st->nl_lock, NULL);
	pthread_mutex_init(&st->grave_lock, NULL);
	assert_ok(dml_dmabuf_create(128 * DML_PAGE_SIZE, DML_DMABUF_MEMFD, &st->buf_b));
	assert_ok(bind_b(st));
	assert_true(dml_netdev_add_ntuple(st->dp->f->dev, &match_b, QUEUE_B) >= 0);
	assert_ok(dml_socket(st->dp->f->host, SOCK_STREAM, &st->listener_b));
	assert_ok(dml_listen(st->listener_b, PORT_B));
	for (k = 0; k < SLOTS; k++) {
		pthread_mutex_init(&st->slots[k].lock, NULL);
		assert_ok(connect_slot(st, k, &st->slots[k].sk, &st->slots[k].flow));
	}

	for (i = 0; i < 2; i++) {
		rarg[i].st = st;
		rarg[i].which = i;
		pthread_create(&readers[i], NULL, reader_thread, &rarg[i]);
	}
	pthread_create(&nic, NULL, nic_thread, st);
	pthread_create(&returner, NULL, returner_thread, st);
	pthread_create(&closer, NULL, closer_thread, st);
	pthread_create(&unbinder, NULL, unbinder_thread, st);
	usleep((useconds_t)(secs * 1e6));
	atomic_store(&st->stop, true);
	pthread_join(nic, NULL);
	pthread_join(readers[0], NULL);
	pthread_join(readers[1], NULL);
	pthread_join(returner, NULL);
	pthread_join(closer, NULL);
	pthread_join(unbinder, NULL);
	printf("# %lu operations, %lu closes, %lu unbinds (%lu without a free token slot)\n",
	       atomic_load(&st->ops), atomic_load(&st->closes), atomic_load(&st->unbinds),
	       atomic_load(&st->slot_waits));
	assert_int_equal(atomic_load(&st->errors), 0);
	assert_true(atomic_load(&st->ops) > 0);

	/* Quiescent: every reference accounted for, before and after teardown. */
	dp_assert_clean(st->dp);
	for (k = 0; k < SLOTS; k++) {
		dml_close(st->slots[k].sk);
		dml_wire_close(st->slots[k].flow);
		pthread_mutex_destroy(&st->slots[k].lock);
	}
	for (i = 0; i < st->nr_grave; i++)
		dml_wire_close(st->grave_flow[i]);
	dml_close(st->listener_b);
	dml_nl_close(st->nl_b);
	dml_dmabuf_destroy(st->buf_b);
	dp_assert_clean(st->dp);
	assert_int_equal(dml_host_warnings(st->dp->f->host), 0);
	pthread_mutex_destroy(&st->nl_lock);
	pthread_mutex_destroy(&st->grave_lock);
	free(st);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		{ "stress/autorelease=0", test_stress, dp_setup0, dp_teardown, NULL },
		{ "stress/autorelease=1", test_stress, dp_setup1, dp_teardown, NULL },
	};

	return RUN_EVERY_DESIGN(tests);
}
