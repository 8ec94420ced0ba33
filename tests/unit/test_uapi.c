// SPDX-License-Identifier: MIT
/* S-1: the UAPI numbers and layouts, checked against the kernel's values. */
#include <sys/socket.h>

#define DML_TEST_WITHOUT_DEVMEM
#include "test_helpers.h"

/* S-1.1: struct dmabuf_cmsg is 24 bytes with the kernel's offsets. */
static void test_dmabuf_cmsg_layout(void **state)
{
	struct dmabuf_cmsg c;

	(void)state;
	assert_int_equal(sizeof(c), 24);
	assert_int_equal(offsetof(struct dmabuf_cmsg, frag_offset), 0);
	assert_int_equal(offsetof(struct dmabuf_cmsg, frag_size), 8);
	assert_int_equal(offsetof(struct dmabuf_cmsg, frag_token), 12);
	assert_int_equal(offsetof(struct dmabuf_cmsg, dmabuf_id), 16);
	assert_int_equal(offsetof(struct dmabuf_cmsg, flags), 20);
	assert_int_equal(sizeof(c.frag_offset), 8);
	/* A cmsg carrying one costs what the kernel's put_cmsg() charges. */
	assert_int_equal(CMSG_SPACE(sizeof(c)), 40);
}

/* S-1.2: struct dmabuf_token is 8 bytes. */
static void test_dmabuf_token_layout(void **state)
{
	(void)state;
	assert_int_equal(sizeof(struct dmabuf_token), 8);
	assert_int_equal(offsetof(struct dmabuf_token, token_start), 0);
	assert_int_equal(offsetof(struct dmabuf_token, token_count), 4);
}

/* S-1.3: socket option, cmsg type and flag numbers. */
static void test_socket_numbers(void **state)
{
	(void)state;
	assert_int_equal(SO_DEVMEM_LINEAR, 78);
	assert_int_equal(SCM_DEVMEM_LINEAR, 78);
	assert_int_equal(SO_DEVMEM_DMABUF, 79);
	assert_int_equal(SCM_DEVMEM_DMABUF, 79);
	assert_int_equal(SO_DEVMEM_DONTNEED, 80);
	assert_int_equal(MSG_SOCK_DEVMEM, 0x2000000);
	/* no clash with a flag the C library already defines */
	assert_int_equal(MSG_SOCK_DEVMEM & (MSG_DONTWAIT | MSG_PEEK | MSG_TRUNC |
					    MSG_WAITALL | MSG_CMSG_CLOEXEC), 0);
}

/* S-1.4: the netdev family's command and attribute numbers. */
static void test_netlink_numbers(void **state)
{
	(void)state;
	assert_string_equal(NETDEV_FAMILY_NAME, "netdev");
	assert_int_equal(NETDEV_CMD_DEV_GET, 1);
	assert_int_equal(NETDEV_CMD_PAGE_POOL_GET, 5);
	assert_int_equal(NETDEV_CMD_PAGE_POOL_STATS_GET, 9);
	assert_int_equal(NETDEV_CMD_QUEUE_GET, 10);
	assert_int_equal(NETDEV_CMD_BIND_RX, 13);
	assert_int_equal(NETDEV_A_DMABUF_IFINDEX, 1);
	assert_int_equal(NETDEV_A_DMABUF_QUEUES, 2);
	assert_int_equal(NETDEV_A_DMABUF_FD, 3);
	assert_int_equal(NETDEV_A_DMABUF_ID, 4);
	assert_int_equal(NETDEV_A_DMABUF_AUTORELEASE, 5);
	assert_int_equal(NETDEV_A_QUEUE_ID, 1);
	assert_int_equal(NETDEV_A_QUEUE_TYPE, 3);
	assert_int_equal(NETDEV_A_QUEUE_DMABUF, 5);
	assert_int_equal(NETDEV_QUEUE_TYPE_RX, 0);
	assert_int_equal(NETDEV_QUEUE_TYPE_TX, 1);
	assert_int_equal(NETDEV_A_PAGE_POOL_DMABUF, 7);
	assert_int_equal(NETDEV_A_PAGE_POOL_STATS_ALLOC_FAST, 8);
	assert_int_equal(NETDEV_A_PAGE_POOL_STATS_RECYCLE_RELEASED_REFCNT, 18);
}

/* S-1.4: the family is found by name through nlctrl, as ynl finds it. */
static void test_family_lookup(void **state)
{
	struct fixture *f = *state;

	assert_true(dml_genl_family_id(f->nl, "netdev") > GENL_ID_CTRL);
	assert_int_equal(dml_genl_family_id(f->nl, "nlctrl"), GENL_ID_CTRL);
	assert_errno(dml_genl_family_id(f->nl, "nl80211"), -ENOENT);
}

/* S-1.5: per-call limits and the net_iov size. */
static void test_limits(void **state)
{
	(void)state;
	assert_int_equal(DML_MAX_DONTNEED_TOKENS, 128);
	assert_int_equal(DML_MAX_DONTNEED_FRAGS, 1024);
	assert_int_equal(DML_PAGE_SIZE, 4096);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dmabuf_cmsg_layout),
		cmocka_unit_test(test_dmabuf_token_layout),
		cmocka_unit_test(test_socket_numbers),
		cmocka_unit_test(test_netlink_numbers),
		cmocka_unit_test_setup_teardown(test_family_lookup, fixture_setup,
						fixture_teardown),
		cmocka_unit_test(test_limits),
	};

	return RUN_TESTS(tests);
}
