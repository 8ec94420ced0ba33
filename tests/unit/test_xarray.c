// SPDX-License-Identifier: MIT
/*
 * S-4.4 / S-8 `xarray`: the kernel's allocating xarray as the model keeps
 * it.  Each case checks results through the API and the tree itself (counts,
 * free marks, parent links, shape) against what the kernel's would hold.
 */
#include <unistd.h>
#include <time.h>

#define DML_TEST_WITHOUT_DEVMEM
#include "dp_helpers.h"

#include "tokens/fault.h"
#include "tokens/xarray.h"

/* xa_load(): the entry at @id, NULL if it is free or reserved. */
static void *xa_load(struct dml_xarray *xa, uint32_t id)
{
	uint32_t index = id;

	return dml_xa_find(xa, &index, id);
}

#define ID_MAX		((uint32_t)INT32_MAX)	/* xa_limit_31b */
#define ZERO		DML_XA_ZERO_ENTRY

/* A distinct, aligned stand-in for a net_iov; never dereferenced. */
static void *E(uint64_t i)
{
	return (void *)(uintptr_t)((i + 1) << 3);
}

static void check_node(const struct dml_xarray *xa,
		       const struct dml_xa_node *node,
		       const struct dml_xa_node *parent, unsigned int offset,
		       unsigned int shift, size_t *nodes)
{
	uint64_t free_mark = node->marks[DML_XA_FREE_MARK];
	unsigned int i, count = 0;

	(*nodes)++;
	assert_ptr_equal(node->parent, parent);
	assert_ptr_equal(node->array, xa);
	assert_int_equal(node->shift, shift);
	assert_int_equal(node->nr_values, 0);
	/* ALLOC1 keeps only the free mark; every erase clears the others. */
	assert_true(node->marks[1] == 0);
	assert_true(node->marks[2] == 0);
	if (parent)
		assert_int_equal(node->offset, offset);
	for (i = 0; i < DML_XA_CHUNK_SIZE; i++) {
		void *e = node->slots[i];
		bool marked = (free_mark >> i) & 1;

		count += e != NULL;
		assert_ptr_not_equal(e, DML_XA_RETRY_ENTRY);
		if (!node->shift) {
			assert_false(dml_xa_is_node(e));
			assert_int_equal(marked, e == NULL);
			continue;
		}
		if (!e) {
			assert_true(marked);
			continue;
		}
		assert_true(dml_xa_is_node(e));
		check_node(xa, dml_xa_to_node(e), node, i,
			   shift - DML_XA_CHUNK_SHIFT, nodes);
		/* The slot is marked iff some slot below it is free. */
		assert_int_equal(marked,
				 dml_xa_to_node(e)->marks[DML_XA_FREE_MARK] != 0);
	}
	assert_int_equal(node->count, count);
	/* An empty node leaves the tree at once. */
	assert_true(count > 0);
}

/* Checks the whole tree and returns its node count. */
static size_t check_tree(const struct dml_xarray *xa)
{
	const struct dml_xa_node *root, *node;
	size_t nodes = 0;

	assert_false(dml_xa_marked(xa, 1));
	assert_false(dml_xa_marked(xa, 2));
	if (!xa->head) {
		assert_false(dml_xa_marked(xa, DML_XA_FREE_MARK));
		assert_int_equal(dml_xa_node_count(xa), 0);
		return 0;
	}
	assert_true(dml_xa_is_node(xa->head));
	root = dml_xa_to_node(xa->head);
	check_node(xa, root, NULL, 0, root->shift, &nodes);
	assert_int_equal(dml_xa_marked(xa, DML_XA_FREE_MARK),
			 root->marks[DML_XA_FREE_MARK] != 0);
	/* Shrunk: a top node holding only slot 0 would have been folded. */
	assert_true(root->count >= 2);
	/* ALLOC1: id 0 is busy, held by a zero entry. */
	for (node = root; node->shift; node = dml_xa_to_node(node->slots[0]))
		assert_true(dml_xa_is_node(node->slots[0]));
	assert_ptr_equal(node->slots[0], ZERO);
	assert_int_equal(dml_xa_node_count(xa), nodes);
	return nodes;
}

static uint32_t alloc_ok(struct dml_xarray *xa, void *entry, uint32_t min,
			 uint32_t max)
{
	uint32_t id = 0;

	assert_ok(dml_xa_alloc(xa, &id, entry, min, max));
	return id;
}

/* S-4.4: ids come out lowest first, from 1. */
static void test_alloc_order_from_one(void **state)
{
	struct dml_xarray xa;
	uint32_t i;

	(void)state;
	dml_xa_init(&xa);
	assert_int_equal(check_tree(&xa), 0);
	for (i = 1; i <= 200; i++)
		assert_int_equal(alloc_ok(&xa, E(i), 0, ID_MAX), i);
	for (i = 1; i <= 200; i++)
		assert_ptr_equal(xa_load(&xa, i), E(i));
	assert_null(xa_load(&xa, 0));
	assert_null(xa_load(&xa, 201));
	assert_int_equal(check_tree(&xa), 5);	/* top + 4 leaves */
	dml_xa_destroy(&xa);
}

/* S-4.4: an erased id is the next one handed out, lowest first. */
static void test_reuse_lowest(void **state)
{
	struct dml_xarray xa;
	uint32_t i;

	(void)state;
	dml_xa_init(&xa);
	for (i = 1; i <= 100; i++)
		alloc_ok(&xa, E(i), 0, ID_MAX);
	assert_ptr_equal(dml_xa_erase(&xa, 70), E(70));
	assert_ptr_equal(dml_xa_erase(&xa, 5), E(5));
	assert_ptr_equal(dml_xa_erase(&xa, 64), E(64));
	check_tree(&xa);
	assert_int_equal(alloc_ok(&xa, E(1005), 0, ID_MAX), 5);
	assert_int_equal(alloc_ok(&xa, E(1064), 0, ID_MAX), 64);
	assert_int_equal(alloc_ok(&xa, E(1070), 0, ID_MAX), 70);
	assert_int_equal(alloc_ok(&xa, E(101), 0, ID_MAX), 101);
	assert_ptr_equal(xa_load(&xa, 64), E(1064));
	check_tree(&xa);
	dml_xa_destroy(&xa);
}

enum erase_order { ERASE_UP, ERASE_DOWN, ERASE_SHUFFLED };

/*
 * S-8: the tree gains a level at 64, 4096 and 262144 ids, each time with a
 * new top and a new path, and gives every node back once all ids are gone.
 */
static void grow_and_shrink(enum erase_order order)
{
	static const struct {
		uint32_t ids;
		size_t nodes;
	} steps[] = {
		{ 63, 1 }, { 64, 3 },
		{ 4095, 65 }, { 4096, 68 },
		{ 262143, 4161 }, { 262144, 4165 },
	};
	const uint32_t n = 262144;
	struct dml_xarray xa;
	uint32_t *ids, next = 1, i;
	size_t s;

	dml_xa_init(&xa);
	for (s = 0; s < sizeof(steps) / sizeof(steps[0]); s++) {
		for (; next <= steps[s].ids; next++)
			assert_int_equal(alloc_ok(&xa, E(next), 0, ID_MAX),
					 next);
		assert_int_equal(check_tree(&xa), steps[s].nodes);
	}

	ids = malloc(n * sizeof(*ids));
	assert_non_null(ids);
	for (i = 0; i < n; i++)
		ids[i] = order == ERASE_DOWN ? n - i : i + 1;
	if (order == ERASE_SHUFFLED) {
		srand(12345);
		for (i = n - 1; i > 0; i--) {
			uint32_t j = (uint32_t)rand() % (i + 1), t = ids[i];

			ids[i] = ids[j];
			ids[j] = t;
		}
	}
	for (i = 0; i < n; i++) {
		assert_ptr_equal(dml_xa_erase(&xa, ids[i]), E(ids[i]));
		if (i % 65536 == 0)
			check_tree(&xa);
	}
	assert_int_equal(dml_xa_node_count(&xa), 0);
	assert_null(xa.head);
	assert_false(dml_xa_marked(&xa, DML_XA_FREE_MARK));
	free(ids);

	/* Empty again means ids start again at 1. */
	assert_int_equal(alloc_ok(&xa, E(1), 0, ID_MAX), 1);
	assert_int_equal(check_tree(&xa), 1);
	dml_xa_destroy(&xa);
}

static void test_grow_shrink_up(void **state)
{
	(void)state;
	grow_and_shrink(ERASE_UP);
}

static void test_grow_shrink_down(void **state)
{
	(void)state;
	grow_and_shrink(ERASE_DOWN);
}

static void test_grow_shrink_shuffled(void **state)
{
	(void)state;
	grow_and_shrink(ERASE_SHUFFLED);
}

/* S-4.4: ids up to 2^31 - 1, and the full 32 bits: six levels. */
static void test_high_ids(void **state)
{
	struct dml_xarray xa;
	uint32_t id = 7;

	(void)state;
	dml_xa_init(&xa);
	assert_int_equal(alloc_ok(&xa, E(1), ID_MAX - 1, ID_MAX), ID_MAX - 1);
	assert_int_equal(alloc_ok(&xa, E(2), ID_MAX - 1, ID_MAX), ID_MAX);
	assert_errno(dml_xa_alloc(&xa, &id, E(3), ID_MAX - 1, ID_MAX), -EBUSY);
	assert_int_equal(id, 7);
	/* top at shift 30, five below it to id 0, five to the two ids */
	assert_int_equal(check_tree(&xa), 11);
	assert_int_equal(dml_xa_to_node(xa.head)->shift, 30);
	assert_ptr_equal(xa_load(&xa, ID_MAX), E(2));
	assert_null(xa_load(&xa, ID_MAX - 2));

	assert_int_equal(alloc_ok(&xa, E(4), UINT32_MAX, UINT32_MAX),
			 UINT32_MAX);
	assert_errno(dml_xa_alloc(&xa, &id, E(5), UINT32_MAX, UINT32_MAX),
		     -EBUSY);
	assert_ptr_equal(xa_load(&xa, UINT32_MAX), E(4));
	/* another slot of the top, another path of five */
	assert_int_equal(check_tree(&xa), 16);

	assert_ptr_equal(dml_xa_erase(&xa, ID_MAX - 1), E(1));
	assert_ptr_equal(dml_xa_erase(&xa, UINT32_MAX), E(4));
	assert_int_equal(check_tree(&xa), 11);
	assert_ptr_equal(dml_xa_erase(&xa, ID_MAX), E(2));
	assert_int_equal(dml_xa_node_count(&xa), 0);
	dml_xa_destroy(&xa);
}

/* S-4.4: a reserved id is taken but loads as NULL, and erases to free. */
static void test_placeholders(void **state)
{
	struct dml_xarray xa;
	uint32_t index = 0;

	(void)state;
	dml_xa_init(&xa);
	assert_int_equal(alloc_ok(&xa, ZERO, 0, ID_MAX), 1);
	assert_int_equal(alloc_ok(&xa, ZERO, 0, ID_MAX), 2);
	assert_int_equal(alloc_ok(&xa, ZERO, 0, ID_MAX), 3);
	assert_null(xa_load(&xa, 1));
	assert_null(xa_load(&xa, 2));
	/* taken: the next id is past them */
	assert_int_equal(alloc_ok(&xa, E(4), 0, ID_MAX), 4);
	assert_ptr_equal(dml_xa_find(&xa, &index, ID_MAX), E(4));
	assert_int_equal(index, 4);
	check_tree(&xa);

	/* erasing a reservation returns NULL but frees the id */
	assert_null(dml_xa_erase(&xa, 1));
	assert_int_equal(alloc_ok(&xa, E(1), 0, ID_MAX), 1);
	assert_null(dml_xa_erase(&xa, 3));
	assert_null(dml_xa_erase(&xa, 2));
	assert_ptr_equal(dml_xa_erase(&xa, 1), E(1));
	assert_ptr_equal(dml_xa_erase(&xa, 4), E(4));
	assert_int_equal(dml_xa_node_count(&xa), 0);
	dml_xa_destroy(&xa);
}

/* S-4.4: a reservation is committed by cmpxchg, and only a reservation. */
static void test_cmpxchg(void **state)
{
	struct dml_xarray xa;
	uint32_t id;
	void *r;

	(void)state;
	dml_xa_init(&xa);
	id = alloc_ok(&xa, ZERO, 0, ID_MAX);

	/* commit: the kernel's returns NULL for the zero entry it replaced */
	assert_null(dml_xa_cmpxchg(&xa, id, ZERO, E(1)));
	assert_ptr_equal(xa_load(&xa, id), E(1));
	/* a second commit fails and says what is there */
	assert_ptr_equal(dml_xa_cmpxchg(&xa, id, ZERO, E(2)), E(1));
	assert_ptr_equal(dml_xa_cmpxchg(&xa, id, E(9), E(2)), E(1));
	assert_ptr_equal(xa_load(&xa, id), E(1));

	/* a free id is not a reservation */
	assert_null(dml_xa_cmpxchg(&xa, 50, ZERO, E(3)));
	assert_null(xa_load(&xa, 50));
	assert_int_equal(alloc_ok(&xa, E(50), 50, ID_MAX), 50);

	/* NULL erases, and the id is free again */
	assert_ptr_equal(dml_xa_cmpxchg(&xa, id, E(1), NULL), E(1));
	assert_null(xa_load(&xa, id));
	assert_int_equal(alloc_ok(&xa, E(1), 0, ID_MAX), id);

	/* old NULL fills a free id, which is then no longer free */
	assert_null(dml_xa_cmpxchg(&xa, 10, NULL, E(10)));
	assert_ptr_equal(xa_load(&xa, 10), E(10));
	assert_int_equal(alloc_ok(&xa, E(11), 10, ID_MAX), 11);
	check_tree(&xa);

	/* ... also beyond the tree, which grows and shrinks back */
	assert_null(dml_xa_cmpxchg(&xa, 300000, NULL, E(300000)));
	assert_int_equal(dml_xa_to_node(xa.head)->shift, 18);
	check_tree(&xa);
	assert_ptr_equal(dml_xa_cmpxchg(&xa, 300000, E(300000), NULL),
			 E(300000));
	assert_int_equal(dml_xa_to_node(xa.head)->shift, 0);
	check_tree(&xa);

	/* id 0 stays busy and out of reach */
	assert_null(dml_xa_cmpxchg(&xa, 0, ZERO, E(0)));
	assert_null(dml_xa_cmpxchg(&xa, 0, NULL, E(0)));
	assert_null(xa_load(&xa, 0));

	/* an internal value cannot be stored */
	r = dml_xa_cmpxchg(&xa, 12, NULL, (void *)(uintptr_t)0x1002);
	assert_true(dml_xa_is_err(r));
	assert_errno(dml_xa_err(r), -EINVAL);
	assert_null(xa_load(&xa, 12));
	assert_errno(dml_xa_err(E(1)), 0);
	check_tree(&xa);
	dml_xa_destroy(&xa);
}

/* S-4.4: erasing what is not there changes nothing. */
static void test_erase_absent(void **state)
{
	struct dml_xarray xa;
	uint32_t i;

	(void)state;
	dml_xa_init(&xa);
	assert_null(dml_xa_erase(&xa, 0));
	assert_null(dml_xa_erase(&xa, 1));
	assert_null(dml_xa_erase(&xa, UINT32_MAX));
	assert_int_equal(dml_xa_node_count(&xa), 0);

	for (i = 1; i <= 10; i++)
		alloc_ok(&xa, E(i), 0, ID_MAX);
	assert_null(dml_xa_erase(&xa, 0));	/* id 0: busy, not erasable */
	assert_null(dml_xa_erase(&xa, 11));	/* free, inside the node */
	assert_null(dml_xa_erase(&xa, 64));	/* just beyond the tree */
	assert_null(dml_xa_erase(&xa, 1000000));
	assert_null(dml_xa_erase(&xa, UINT32_MAX));
	assert_int_equal(check_tree(&xa), 1);
	assert_ptr_equal(dml_xa_erase(&xa, 5), E(5));
	assert_null(dml_xa_erase(&xa, 5));
	assert_int_equal(alloc_ok(&xa, E(5), 0, ID_MAX), 5);
	assert_int_equal(alloc_ok(&xa, E(11), 0, ID_MAX), 11);

	/* a free id under a missing inner node */
	alloc_ok(&xa, E(5000), 5000, ID_MAX);
	assert_int_equal(check_tree(&xa), 5);
	assert_null(dml_xa_erase(&xa, 300));
	assert_null(dml_xa_erase(&xa, 4500));
	assert_int_equal(check_tree(&xa), 5);

	for (i = 1; i <= 11; i++)
		assert_ptr_equal(dml_xa_erase(&xa, i), E(i));
	assert_ptr_equal(dml_xa_erase(&xa, 5000), E(5000));
	assert_int_equal(dml_xa_node_count(&xa), 0);
	/* id 0 never came loose */
	assert_int_equal(alloc_ok(&xa, E(1), 0, ID_MAX), 1);
	dml_xa_destroy(&xa);
}

/* S-4.4: a full range is -EBUSY, and only the range counts. */
static void test_range_full(void **state)
{
	struct dml_xarray xa;
	uint32_t i, id = 77;

	(void)state;
	dml_xa_init(&xa);
	assert_errno(dml_xa_alloc(&xa, &id, E(0), 0, 0), -EBUSY);
	assert_int_equal(dml_xa_node_count(&xa), 0);
	for (i = 1; i <= 5; i++)
		assert_int_equal(alloc_ok(&xa, E(i), 0, 5), i);
	assert_errno(dml_xa_alloc(&xa, &id, E(6), 0, 5), -EBUSY);
	assert_int_equal(id, 77);
	assert_errno(dml_xa_alloc(&xa, &id, E(6), 9, 8), -EBUSY);
	dml_xa_erase(&xa, 3);
	assert_int_equal(alloc_ok(&xa, E(3), 0, 5), 3);

	/* a window above free ids */
	assert_int_equal(alloc_ok(&xa, E(10), 10, 12), 10);
	assert_int_equal(alloc_ok(&xa, E(11), 10, 12), 11);
	assert_int_equal(alloc_ok(&xa, E(12), 10, 12), 12);
	assert_errno(dml_xa_alloc(&xa, &id, E(13), 10, 12), -EBUSY);
	assert_int_equal(alloc_ok(&xa, E(6), 0, 12), 6);

	/* every node full: the search leaves the top and gives up at max */
	for (i = 7; i < 4096; i++)
		if (!xa_load(&xa, i))
			alloc_ok(&xa, E(i), 0, ID_MAX);
	assert_int_equal(check_tree(&xa), 65);
	assert_false(dml_xa_marked(&xa, DML_XA_FREE_MARK));
	assert_errno(dml_xa_alloc(&xa, &id, E(0), 0, 4095), -EBUSY);
	assert_errno(dml_xa_alloc(&xa, &id, E(0), 100, 4095), -EBUSY);
	assert_int_equal(check_tree(&xa), 65);
	assert_int_equal(alloc_ok(&xa, E(4096), 100, 4096), 4096);
	assert_int_equal(check_tree(&xa), 68);
	dml_xa_destroy(&xa);
}

/* S-8: NULL and the array's own values are refused, nothing changes. */
static void test_bad_entry(void **state)
{
	struct dml_xarray xa;
	uint32_t id = 3;

	(void)state;
	dml_xa_init(&xa);
	assert_errno(dml_xa_alloc(&xa, &id, NULL, 0, ID_MAX), -EINVAL);
	assert_errno(dml_xa_alloc(&xa, &id, (void *)(uintptr_t)0x1002, 0,
				  ID_MAX), -EINVAL);
	assert_errno(dml_xa_alloc(&xa, &id, DML_XA_ERROR(-ENOMEM), 0, ID_MAX),
		     -EINVAL);
	assert_int_equal(id, 3);
	assert_int_equal(dml_xa_node_count(&xa), 0);
	dml_xa_destroy(&xa);
}

/* S-4.4: close walks every token in order, reservations skipped. */
static void test_find(void **state)
{
	static const uint32_t present[] = {
		1, 63, 64, 4095, 4096, 300000, ID_MAX,
	};
	static const uint32_t reserved[] = { 2, 65, 4097, 299999 };
	struct dml_xarray xa;
	uint32_t index;
	size_t i;
	void *e;

	(void)state;
	dml_xa_init(&xa);
	index = 0;
	assert_null(dml_xa_find(&xa, &index, UINT32_MAX));
	assert_int_equal(index, 0);

	for (i = 0; i < sizeof(present) / sizeof(present[0]); i++)
		assert_null(dml_xa_cmpxchg(&xa, present[i], NULL,
					   E(present[i])));
	for (i = 0; i < sizeof(reserved) / sizeof(reserved[0]); i++)
		assert_null(dml_xa_cmpxchg(&xa, reserved[i], NULL, ZERO));
	check_tree(&xa);

	index = 0;
	for (i = 0; (e = dml_xa_find(&xa, &index, UINT32_MAX)); i++) {
		assert_true(i < sizeof(present) / sizeof(present[0]));
		assert_int_equal(index, present[i]);
		assert_ptr_equal(e, E(present[i]));
		if (index == UINT32_MAX)
			break;
		index++;
	}
	assert_int_equal(i, sizeof(present) / sizeof(present[0]));

	index = 65;
	assert_ptr_equal(dml_xa_find(&xa, &index, 4095), E(4095));
	assert_int_equal(index, 4095);
	index = 4096;
	assert_ptr_equal(dml_xa_find(&xa, &index, 4096), E(4096));
	index = 4097;
	assert_null(dml_xa_find(&xa, &index, 299999));
	assert_int_equal(index, 4097);
	index = 300001;
	assert_ptr_equal(dml_xa_find(&xa, &index, UINT32_MAX), E(ID_MAX));
	assert_int_equal(index, ID_MAX);
	index = 10;
	assert_null(dml_xa_find(&xa, &index, 9));
	dml_xa_destroy(&xa);
}

/* xorshift64*: the same sequence on every libc for a given seed */
static uint64_t rnd_state;

static uint64_t rnd(void)
{
	rnd_state ^= rnd_state >> 12;
	rnd_state ^= rnd_state << 25;
	rnd_state ^= rnd_state >> 27;
	return rnd_state * 0x2545F4914F6CDD1DULL;
}

static uint32_t rnd_below(uint32_t n)
{
	return (uint32_t)(rnd() % n);
}

#define MODEL_SLOTS	100000U

/* S-4.4 / S-8: random operations agree with a flat array of 100k slots. */
static void test_random_vs_model(void **state)
{
	const char *env = getenv("DML_XA_SEED");
	void **model = calloc(MODEL_SLOTS, sizeof(*model));
	uint64_t seed;
	struct dml_xarray xa;
	uint32_t op, i;

	(void)state;
	assert_non_null(model);
	seed = env ? strtoull(env, NULL, 0) :
		     (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
	printf("# seed %llu (rerun with DML_XA_SEED=%llu)\n",
	       (unsigned long long)seed, (unsigned long long)seed);
	rnd_state = seed ? seed : 1;
	dml_xa_init(&xa);

	for (op = 0; op < 400000; op++) {
		uint32_t r = rnd_below(100), id, got, min, max;
		void *entry, *old, *want;

		if (r < 35) {
			/* alloc: the upstream call, or a window */
			min = r < 10 ? 0 : rnd_below(MODEL_SLOTS);
			max = r < 10 ? MODEL_SLOTS - 1 :
				       min + rnd_below(2000);
			if (max >= MODEL_SLOTS)
				max = MODEL_SLOTS - 1;
			entry = rnd_below(4) ? E(op) : ZERO;
			for (id = min ? min : 1; id <= max && model[id]; id++)
				;
			got = 0;
			if (id > max) {
				assert_errno(dml_xa_alloc(&xa, &got, entry,
							  min, max), -EBUSY);
				continue;
			}
			assert_ok(dml_xa_alloc(&xa, &got, entry, min, max));
			assert_int_equal(got, id);
			model[id] = entry;
		} else if (r < 65) {
			id = rnd_below(20) ? rnd_below(MODEL_SLOTS) :
					     (uint32_t)rnd();
			want = id < MODEL_SLOTS ? model[id] : NULL;
			if (!id)
				want = NULL;
			assert_ptr_equal(dml_xa_erase(&xa, id),
					 want == ZERO ? NULL : want);
			if (id && id < MODEL_SLOTS)
				model[id] = NULL;
		} else if (r < 75) {
			id = 1 + rnd_below(MODEL_SLOTS - 1);
			old = rnd_below(2) ? model[id] :
			      rnd_below(2) ? ZERO : NULL;
			entry = rnd_below(3) == 0 ? NULL :
				rnd_below(2) ? ZERO : E(op);
			want = model[id];
			assert_ptr_equal(dml_xa_cmpxchg(&xa, id, old, entry),
					 want == ZERO ? NULL : want);
			if (want == old)
				model[id] = entry;
		} else if (r < 92) {
			id = rnd_below(MODEL_SLOTS);
			want = model[id] == ZERO ? NULL : model[id];
			assert_ptr_equal(xa_load(&xa, id), want);
		} else {
			uint32_t index = rnd_below(MODEL_SLOTS);

			max = index + rnd_below(1000);
			if (max >= MODEL_SLOTS)
				max = MODEL_SLOTS - 1;
			for (id = index; id <= max; id++)
				if (model[id] && model[id] != ZERO)
					break;
			want = id <= max ? model[id] : NULL;
			assert_ptr_equal(dml_xa_find(&xa, &index, max), want);
			if (want)
				assert_int_equal(index, id);
		}
		if (op % 50000 == 0)
			check_tree(&xa);
	}
	check_tree(&xa);

	for (i = 1; i < MODEL_SLOTS; i++)
		assert_ptr_equal(dml_xa_erase(&xa, i),
				 model[i] == ZERO ? NULL : model[i]);
	assert_int_equal(dml_xa_node_count(&xa), 0);
	dml_xa_destroy(&xa);
	free(model);
}

/* Everything a failed call must leave as it was. */
struct snapshot {
	size_t nodes;
	size_t entries;
	uint64_t hash;		/* of every (id, entry) pair, in order */
	void *root;
};

static void take_snapshot(struct dml_xarray *xa, struct snapshot *s)
{
	uint32_t index = 0;
	void *e;

	memset(s, 0, sizeof(*s));
	s->nodes = check_tree(xa);
	s->root = xa->head;
	while ((e = dml_xa_find(xa, &index, UINT32_MAX))) {
		s->entries++;
		s->hash = (s->hash ^ index ^ (uintptr_t)e) *
			  0x100000001B3ULL;
		if (index == UINT32_MAX)
			break;
		index++;
	}
}

static void assert_snapshot(struct dml_xarray *xa, const struct snapshot *s)
{
	struct snapshot now;

	take_snapshot(xa, &now);
	assert_int_equal(now.nodes, s->nodes);
	assert_int_equal(now.entries, s->entries);
	assert_true(now.hash == s->hash);
	assert_ptr_equal(now.root, s->root);
}

typedef int (*grow_fn)(struct dml_xarray *xa, uint32_t key);

static int grow_alloc(struct dml_xarray *xa, uint32_t min)
{
	uint32_t id;

	return dml_xa_alloc(xa, &id, E(min), min, UINT32_MAX);
}

static int grow_cmpxchg(struct dml_xarray *xa, uint32_t id)
{
	return dml_xa_err(dml_xa_cmpxchg(xa, id, NULL, E(id)));
}

/*
 * Fails the 1st, 2nd, ... node allocation of one call until the call
 * succeeds; each failure must leave the tree as it was.  Returns how many
 * nodes the call needed.
 */
static unsigned int fail_each_alloc(struct dml_xarray *xa, grow_fn fn,
				    uint32_t key)
{
	struct snapshot before;
	unsigned int n;

	take_snapshot(xa, &before);
	for (n = 1;; n++) {
		int err;

		dml_xa_fail_next_alloc = n;
		err = fn(xa, key);
		if (!err) {
			/* needed fewer than n: the hook never fired */
			assert_int_not_equal(dml_xa_fail_next_alloc, 0);
			dml_xa_fail_next_alloc = 0;
			check_tree(xa);
			return n - 1;
		}
		assert_errno(err, -ENOMEM);
		assert_int_equal(dml_xa_fail_next_alloc, 0);
		assert_snapshot(xa, &before);
	}
}

/* S-8: -ENOMEM at any node allocation leaves the tree unchanged. */
static void test_nomem(void **state)
{
	struct dml_xarray xa;
	uint32_t i;

	(void)state;
	dml_xa_init(&xa);
	/* empty to six levels: the five-node path to id 0, the top, five */
	assert_int_equal(fail_each_alloc(&xa, grow_alloc, ID_MAX), 11);
	assert_ptr_equal(dml_xa_erase(&xa, ID_MAX), E(ID_MAX));
	assert_int_equal(dml_xa_node_count(&xa), 0);

	assert_int_equal(fail_each_alloc(&xa, grow_alloc, 1), 1);
	for (i = 2; i <= 63; i++)
		alloc_ok(&xa, E(i), 0, ID_MAX);
	/* 64: a new top and a leaf */
	assert_int_equal(fail_each_alloc(&xa, grow_alloc, 0), 2);
	for (i = 65; i <= 4095; i++)
		alloc_ok(&xa, E(i), 0, ID_MAX);
	/* 4096: a new top, an inner node and a leaf */
	assert_int_equal(fail_each_alloc(&xa, grow_alloc, 0), 3);
	/* inside the tree: an inner node and a leaf under the top */
	assert_int_equal(fail_each_alloc(&xa, grow_cmpxchg, 200000), 2);
	/* beyond it: a new top, then three below */
	assert_int_equal(fail_each_alloc(&xa, grow_cmpxchg, 300000), 4);

	/* a leaf freed by erases is rebuilt on the next alloc */
	for (i = 128; i < 192; i++)
		dml_xa_erase(&xa, i);
	assert_int_equal(fail_each_alloc(&xa, grow_alloc, 0), 1);
	assert_ptr_equal(xa_load(&xa, 128), E(0));

	/* a call that needs no node leaves the hook armed */
	dml_xa_fail_next_alloc = 1;
	assert_int_equal(alloc_ok(&xa, E(129), 0, ID_MAX), 129);
	assert_int_equal(dml_xa_fail_next_alloc, 1);
	dml_xa_fail_next_alloc = 0;
	dml_xa_destroy(&xa);
}

/* S-8: destroy frees every node; the array is usable again. */
static void test_destroy(void **state)
{
	struct dml_xarray xa;
	uint32_t i;

	(void)state;
	dml_xa_init(&xa);
	for (i = 1; i <= 5000; i++)
		alloc_ok(&xa, i % 3 ? E(i) : ZERO, 0, ID_MAX);
	alloc_ok(&xa, E(7), 1U << 30, ID_MAX);
	assert_true(dml_xa_node_count(&xa) > 80);
	dml_xa_destroy(&xa);
	assert_int_equal(dml_xa_node_count(&xa), 0);
	assert_null(xa_load(&xa, 1));
	assert_int_equal(alloc_ok(&xa, E(1), 0, ID_MAX), 1);
	dml_xa_destroy(&xa);
	dml_xa_destroy(&xa);
	assert_int_equal(check_tree(&xa), 0);
}

/*
 * The kernel's struct xa_node on LP64: four one-byte counters padded to a
 * pointer, parent, array, the rcu_head / private_list union (two
 * pointers), 64 slots, three 64-bit mark words.
 */
#define KERNEL_XA_NODE_BYTES	(8 + 8 + 8 + 16 + 64 * 8 + 3 * 8)

/*
 * Nodes a tree holds with every id 0..@n present, from its shape alone:
 * one leaf per 64 ids, one node per 64 leaves above that, and so on up to
 * the single top.
 */
static size_t nodes_for_ids(uint64_t n)
{
	uint64_t span = DML_XA_CHUNK_SIZE;
	size_t nodes = 0;

	for (;;) {
		nodes += (size_t)((n + span) / span);
		if (span > n)
			return nodes;
		span *= DML_XA_CHUNK_SIZE;
	}
}

/* S-8: memory accounting counts the kernel's node, once per node held. */
static void test_node_bytes(void **state)
{
	static const uint32_t sizes[] = { 1, 63, 64, 65, 4095, 4096, 10000 };
	struct dml_xarray xa;
	uint32_t next = 1;
	size_t i;

	(void)state;
	assert_int_equal(sizeof(void *), 8);
	assert_int_equal(dml_xa_node_bytes(), KERNEL_XA_NODE_BYTES);
	dml_xa_init(&xa);
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		for (; next <= sizes[i]; next++)
			alloc_ok(&xa, E(next), 0, ID_MAX);
		assert_int_equal(check_tree(&xa), nodes_for_ids(sizes[i]));
	}
	dml_xa_destroy(&xa);
}

static int setup_xarray_design(void **state)
{
	struct dml_host_config hcfg = {
		.rx_ring_size = DML_DEFAULT_RX_RING_SIZE,
		.pp_ring_size = DML_DEFAULT_PP_RING_SIZE,
		.token_design = { NULL, "xarray" },
	};
	struct dml_wire_flow_config cfg = dp_flow_config(40200);

	/* Four frags, so four tokens, per page. */
	cfg.mss = DML_PAGE_SIZE / 4;
	return dp_setup_cfg(state, 1, 2048, &hcfg, &cfg);
}

/*
 * S-8: the `xarray` design's state_bytes grows by one kernel node per
 * node its tree needs for the tokens held, from a top and two leaves at 64
 * tokens to a top, two middle nodes and 66 leaves at 4200, and gives every
 * node back once they are all returned.
 */
static void test_state_bytes(void **state)
{
	static const uint32_t held[] = { 1, 63, 64, 4095, 4096, 4200 };
	enum { MAX_HELD = 4200 };
	uint32_t *tok = malloc(MAX_HELD * sizeof(*tok));
	struct dp *dp = *state;
	uint32_t have = 0, k;
	long empty;
	size_t i;

	assert_non_null(tok);
	empty = dml_sock_token_state_bytes(dp->sk);
	assert_true(empty > 0);
	for (i = 0; i < sizeof(held) / sizeof(held[0]); i++) {
		uint32_t n = held[i] - have;
		uint64_t pos = dp->sent;
		size_t len = (size_t)n * dp->cfg.mss;

		assert_int_equal(dp_send(dp, len), len);
		assert_int_equal(dp_recv_tokens(dp, dp->sk, len, pos, tok + have,
						n), n);
		have = held[i];
		assert_int_equal(tok[have - 1], have);
		assert_int_equal(dml_sock_token_state_bytes(dp->sk) - empty,
				 nodes_for_ids(have) * KERNEL_XA_NODE_BYTES);
	}
	for (k = 0; k < have; k += DML_MAX_DONTNEED_FRAGS) {
		uint32_t c = have - k < DML_MAX_DONTNEED_FRAGS ?
			     have - k : DML_MAX_DONTNEED_FRAGS;

		assert_int_equal(dp_dontneed(dp->sk, k + 1, c), c);
	}
	assert_int_equal(dml_sock_token_state_bytes(dp->sk), empty);
	dp_assert_clean(dp);
	free(tok);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_alloc_order_from_one),
		cmocka_unit_test(test_reuse_lowest),
		cmocka_unit_test(test_grow_shrink_up),
		cmocka_unit_test(test_grow_shrink_down),
		cmocka_unit_test(test_grow_shrink_shuffled),
		cmocka_unit_test(test_high_ids),
		cmocka_unit_test(test_placeholders),
		cmocka_unit_test(test_cmpxchg),
		cmocka_unit_test(test_erase_absent),
		cmocka_unit_test(test_range_full),
		cmocka_unit_test(test_bad_entry),
		cmocka_unit_test(test_find),
		cmocka_unit_test(test_random_vs_model),
		cmocka_unit_test(test_nomem),
		cmocka_unit_test(test_destroy),
		cmocka_unit_test(test_node_bytes),
		/* Last: it needs a host with devmem, which not every build has. */
		cmocka_unit_test_setup_teardown(test_state_bytes,
						setup_xarray_design,
						dp_teardown),
	};
	size_t n = sizeof(tests) / sizeof(tests[0]);

	return run_tap(__FILE__, tests, dml_devmem_enabled() ? n : n - 1);
}
