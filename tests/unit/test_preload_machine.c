// SPDX-License-Identifier: MIT
/*
 * Issue 15, the machine around the program: the ethtool commands a
 * receiver runs (their output, messages and exit statuses), the shell
 * command lines taken or passed on, system() and popen() of them, the
 * emulated /dev/udmabuf (UDMABUF_CREATE checked as drivers/dma-buf/udmabuf.c,
 * DMA_BUF_IOCTL_SYNC as dma-buf.c) and the interface name lookups.  The
 * preload's parts are called directly, without LD_PRELOAD.
 */
#define DML_TEST_WITHOUT_DEVMEM
#include "test_helpers.h"

#include <fcntl.h>
#include <linux/dma-buf.h>
#include <linux/sockios.h>
#include <linux/udmabuf.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "machine.h"

/* The interface the process-wide state emulates (main() configures it). */
#define EMU_NAME	"dmltest0"

struct ran {
	int status;
	char *out, *err;
	size_t out_len, err_len;
};

static struct ran R;

static void ran_free(void)
{
	free(R.out);
	free(R.err);
	memset(&R, 0, sizeof(R));
}

/* @line through the shell parser and ethtool, against the fixture's eth0. */
static int ethtool(struct fixture *f, const char *line)
{
	struct pl_state st = { .host = f->host, .dev = f->dev, .ifindex = f->ifindex };
	struct pl_shell_cmd cmd;
	FILE *o, *e;

	ran_free();
	snprintf(st.cfg.ifname, sizeof(st.cfg.ifname), "eth0");
	assert_ok(pl_shell_parse(line, &cmd));
	o = open_memstream(&R.out, &R.out_len);
	e = open_memstream(&R.err, &R.err_len);
	assert_non_null(o);
	assert_non_null(e);
	R.status = pl_ethtool_run(&st, cmd.argc, cmd.argv, o, e);
	fclose(o);
	fclose(e);
	pl_shell_cmd_free(&cmd);
	return R.status;
}

static int setup(void **state)
{
	return fixture_setup(state);
}

static int teardown(void **state)
{
	ran_free();
	return fixture_teardown(state);
}

/* Issue 15: "a program that never touches devmem behaves exactly as without
 * the preload": calls that do not name the NIC or /dev/udmabuf leave the host
 * unmade.  Runs first, before any case makes the process's state. */
static void test_hooks_do_not_make_the_host(void **state)
{
	struct ifreq ifr = { .ifr_name = "lo" };
	unsigned int idx;
	char name[IF_NAMESIZE];
	int ret = 0;

	(void)state;
	assert_false(pl_ifaces_ioctl(0, SIOCGIFINDEX, &ifr, &ret));
	assert_false(pl_ifaces_ioctl(0, FIONREAD, &ret, &ret));
	assert_false(pl_ifaces_nametoindex("lo", &idx));
	assert_false(pl_ifaces_indextoname(1, name));
	assert_false(pl_udmabuf_open("/dev/null", O_RDONLY, &ret));
	assert_false(pl_shell_system("echo hello", &ret));
	assert_false(pl_shell_system("ethtool -k lo", &ret));
	assert_null(pl_state_peek());
}

/* Issue 15 "-L rx N tx M / combined N": ethtool -l's text before and after. */
static void test_channels(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(ethtool(f, "ethtool -l eth0"), 0);
	assert_string_equal(R.out,
		"Channel parameters for eth0:\n"
		"Pre-set maximums:\n"
		"RX:\t\t8\nTX:\t\t8\nOther:\t\tn/a\nCombined:\t8\n"
		"Current hardware settings:\n"
		"RX:\t\t8\nTX:\t\t1\nOther:\t\tn/a\nCombined:\t0\n");
	assert_int_equal(ethtool(f, "sudo ethtool -L eth0 rx 4 tx 1"), 0);
	assert_int_equal(R.out_len + R.err_len, 0);
	assert_int_equal(ethtool(f, "ethtool --show-channels eth0"), 0);
	assert_non_null(strstr(R.out, "Current hardware settings:\nRX:\t\t4\nTX:\t\t1\n"));
	assert_int_equal(ethtool(f, "ethtool --set-channels eth0 rx 0 combined 2"), 0);
	assert_int_equal(R.out_len + R.err_len, 0);
	assert_int_equal(ethtool(f, "ethtool -l eth0"), 0);
	assert_non_null(strstr(R.out, "Current hardware settings:\nRX:\t\t0\nTX:\t\t1\n"
				      "Other:\t\tn/a\nCombined:\t2\n"));
}

/* Issue 15: bad -L commands get ethtool's parser and netlink messages, exit 1. */
static void test_channels_refused(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(ethtool(f, "ethtool -L eth0 rx many"), 1);
	assert_string_equal(R.err, "ethtool (-L): invalid value 'many' for parameter 'rx'\n");
	assert_int_equal(ethtool(f, "ethtool -L eth0 bogus 1"), 1);
	assert_string_equal(R.err, "ethtool (-L): unknown parameter 'bogus'\n");
	assert_int_equal(ethtool(f, "ethtool -L eth0 rx 9"), 1);
	assert_string_equal(R.err, "netlink error: requested channel count exceeds maximum\n"
				   "netlink error: Invalid argument\n");
	assert_int_equal(ethtool(f, "ethtool -L eth0 rx 0"), 1);
	assert_non_null(strstr(R.err, "no RX or TX channel"));
}

/* Issue 15 "-L ... " while a queue is bound: the memory provider refusal. */
static void test_channels_bound(void **state)
{
	struct fixture *f = *state;
	uint32_t q = 7;

	assert_true(fixture_bind(f, f->nl, &q, 1, 0) > 0);
	assert_int_equal(ethtool(f, "ethtool -L eth0 rx 4"), 1);
	assert_non_null(strstr(R.err, "netlink error: requested channel counts are too low for "
				      "existing memory provider setting"));
	assert_non_null(strstr(R.err, "\nnetlink error: Invalid argument\n"));
	/* Issue 15 "-G tcp-data-split off" while bound: refused as the kernel does. */
	assert_int_equal(ethtool(f, "ethtool -G eth0 tcp-data-split off"), 1);
	assert_string_equal(R.err, "netlink error: Invalid argument\n");
	assert_int_equal(ethtool(f, "ethtool -g eth0"), 0);
	assert_non_null(strstr(R.out, "TCP data split:\t\ton\n"));
}

/* Issue 15 "-G tcp-data-split on|off": -g shows it; hds-thresh too. */
static void test_rings(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(ethtool(f, "ethtool -G eth0 tcp-data-split off"), 0);
	assert_int_equal(ethtool(f, "ethtool -g eth0"), 0);
	assert_non_null(strstr(R.out, "Ring parameters for eth0:\nPre-set maximums:\n"));
	assert_non_null(strstr(R.out, "TCP data split:\t\toff\n"));
	assert_int_equal(ethtool(f, "ethtool --set-ring eth0 tcp-data-split on hds-thresh 256"), 0);
	assert_int_equal(ethtool(f, "ethtool -g eth0"), 0);
	assert_non_null(strstr(R.out, "TCP data split:\t\ton\nHDS thresh:\t\t256\n"));
	assert_int_equal(dml_netdev_hds_thresh(f->dev), 256);
	assert_int_equal(ethtool(f, "ethtool -G eth0 tcp-data-split maybe"), 1);
	assert_string_equal(R.err,
			    "ethtool (-G): invalid value 'maybe' for parameter 'tcp-data-split'\n");
	assert_int_equal(ethtool(f, "ethtool -G eth0 hds-thresh 4096"), 1);
	assert_non_null(strstr(R.err, "netlink error: Invalid argument\n"));
}

/* Issue 15 "-K ntuple on|off", and -N while ntuple is off. */
static void test_ntuple_feature(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(ethtool(f, "ethtool -K eth0 ntuple off"), 0);
	assert_false(dml_netdev_ntuple(f->dev));
	assert_int_equal(ethtool(f, "ethtool -k eth0"), 0);
	assert_non_null(strstr(R.out, "Features for eth0:\n"));
	assert_non_null(strstr(R.out, "\nntuple-filters: off\n"));
	assert_int_equal(ethtool(f, "ethtool -N eth0 flow-type tcp4 dst-port 5201 queue 2"), 1);
	assert_string_equal(R.err, "rmgr: Cannot insert RX class rule: Operation not supported\n"
				   "Cannot insert classification rule\n");
	assert_int_equal(ethtool(f, "ethtool --features eth0 ntuple on"), 0);
	assert_true(dml_netdev_ntuple(f->dev));
	assert_int_equal(ethtool(f, "ethtool -K eth0 ntuple sideways"), 1);
	assert_int_equal(ethtool(f, "ethtool -K eth0 gro off"), 1);
	assert_non_null(strstr(R.err, "not emulated"));
}

/* Issue 15 "-N flow-type tcp4|tcp6 ... queue Q, printing `Added rule with ID
 * N`", -n listing it, "-N IF delete N". */
static void test_rules(void **state)
{
	struct fixture *f = *state;
	struct dml_flow fl = { .dst_port = 5201, .src_port = 4000 };
	char want[64];
	int id;

	assert_int_equal(ethtool(f, "ethtool -N eth0 flow-type tcp4 dst-ip 10.0.0.2 "
				    "dst-port 5201 action 3"), 0);
	assert_int_equal(sscanf(R.out, "Added rule with ID %d\n", &id), 1);
	snprintf(want, sizeof(want), "Added rule with ID %d\n", id);
	assert_string_equal(R.out, want);
	fl.dst_addr[10] = fl.dst_addr[11] = 0xff;
	fl.dst_addr[12] = 10;
	fl.dst_addr[15] = 2;
	assert_int_equal(dml_netdev_steer(f->dev, &fl), 3);
	assert_int_equal(ethtool(f, "ethtool -n eth0"), 0);
	snprintf(want, sizeof(want), "Filter: %d\n\tRule Type: TCP over IPv4\n", id);
	assert_non_null(strstr(R.out, "8 RX rings available\nTotal 1 rules\n\n"));
	assert_non_null(strstr(R.out, want));
	assert_non_null(strstr(R.out, "\tDest IP addr: 10.0.0.2 mask: 0.0.0.0\n"));
	assert_non_null(strstr(R.out, "\tSrc port: 0 mask: 0xffff\n\tDest port: 5201 mask: 0x0\n"
				      "\tAction: Direct to queue 3\n"));
	assert_int_equal(ethtool(f, "ethtool -U eth0 flow-type tcp6 src-ip '2001:db8::1' "
				    "src-port 4000 queue 1"), 0);
	assert_int_equal(ethtool(f, "ethtool --show-ntuple eth0"), 0);
	assert_non_null(strstr(R.out, "Total 2 rules\n"));
	assert_non_null(strstr(R.out, "TCP over IPv6\n\tSrc IP addr: 2001:db8::1 mask: ::\n"));
	snprintf(want, sizeof(want), "ethtool -N eth0 delete %d", id);
	assert_int_equal(ethtool(f, want), 0);
	assert_int_equal(R.out_len + R.err_len, 0);
	assert_int_equal(ethtool(f, want), 1);
	assert_string_equal(R.err, "rmgr: Cannot delete RX class rule: No such file or directory\n"
				   "Cannot delete classification rule\n");
}

/* Issue 15: bad -N commands, with ethtool's messages and exit 1. */
static void test_rules_refused(void **state)
{
	struct fixture *f = *state;

	/* A queue beyond the channels: the kernel's EINVAL. */
	assert_int_equal(ethtool(f, "ethtool -N eth0 flow-type tcp4 dst-port 5201 queue 8"), 1);
	assert_string_equal(R.err, "rmgr: Cannot insert RX class rule: Invalid argument\n"
				   "Cannot insert classification rule\n");
	assert_int_equal(ethtool(f, "ethtool -N eth0 flow-type tcp4 dst-port 5201 queue two"), 1);
	assert_non_null(strstr(R.err, "Invalid queue value[two]\n"));
	assert_int_equal(ethtool(f, "ethtool -N eth0 flow-type tcp4 dst-port 70000 queue 1"), 1);
	assert_non_null(strstr(R.err, "Invalid dst-port value[70000]\n"));
	assert_int_equal(ethtool(f, "ethtool -N eth0 flow-type tcp5 dst-port 1 queue 1"), 1);
	assert_non_null(strstr(R.err, "Add rule, invalid rule type[tcp5]\n"));
	assert_int_equal(ethtool(f, "ethtool -N eth0 flow-type tcp4 dst-port 1 frob 2 queue 1"), 1);
	assert_non_null(strstr(R.out, "Add rule, unrecognized option[frob]\n"));
	assert_int_equal(ethtool(f, "ethtool -N eth0 flow-type udp4 dst-port 1 queue 1"), 1);
	assert_non_null(strstr(R.err, "not emulated"));
}

/* Issue 15 "-X equal N / default": the spread, -x's table, channels after. */
static void test_rss(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(ethtool(f, "ethtool -X eth0 equal 2"), 0);
	assert_int_equal(ethtool(f, "ethtool -x eth0"), 0);
	assert_non_null(strstr(R.out, "RX flow hash indirection table for eth0 with 8 RX ring(s):\n"
				      "    0:      0     1     0     1     0     1     0     1\n"));
	assert_int_equal(ethtool(f, "ethtool --set-rxfh-indir eth0 equal 9"), 1);
	assert_string_equal(R.err, "Cannot set RX flow hash configuration: Invalid argument\n");
	/* A spread the user set must fit the channels... */
	assert_int_equal(ethtool(f, "ethtool --rxfh eth0 equal 8"), 0);
	assert_int_equal(ethtool(f, "ethtool -L eth0 rx 4"), 1);
	assert_non_null(strstr(R.err, "too low for existing indirection table (7)"));
	/* ...the driver's default follows them. */
	assert_int_equal(ethtool(f, "ethtool -X eth0 default"), 0);
	assert_int_equal(ethtool(f, "ethtool -L eth0 rx 4"), 0);
	assert_int_equal(ethtool(f, "ethtool -x eth0"), 0);
	assert_non_null(strstr(R.out, "    0:      0     1     2     3     0     1     2     3\n"));
	assert_int_equal(ethtool(f, "ethtool -X eth0 equal 0"), 1);
	assert_non_null(strstr(R.err, "bad command line argument(s)"));
}

/* Issue 15: unknown options are ethtool's bad arguments; other names and
 * other forms are not ours (-1: the real ethtool runs). */
static void test_bad_and_foreign_commands(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(ethtool(f, "ethtool --frobnicate eth0"), 1);
	assert_string_equal(R.err, "ethtool: bad command line argument(s)\n"
				   "For more information run ethtool -h\n");
	assert_int_equal(ethtool(f, "ethtool -S eth0"), 1);
	assert_non_null(strstr(R.err, "not emulated"));
	assert_int_equal(ethtool(f, "ethtool -l wlan9"), -1);
	assert_int_equal(ethtool(f, "ethtool eth0"), -1);
	assert_int_equal(ethtool(f, "ethtool --version"), -1);
	assert_int_equal(ethtool(f, "ethtool --debug 0x1 -k eth0"), -1);
	assert_int_equal(ethtool(f, "ethtool --json -k eth0"), -1);
	assert_int_equal(R.out_len + R.err_len, 0);
}

/* Issue 15 "with or without sudo in front" and the listed redirections:
 * taken apart into ethtool's argv and where fd 1 and 2 go. */
static void test_shell_accepts(void **state)
{
	struct pl_shell_cmd c;

	(void)state;
	assert_ok(pl_shell_parse("sudo -n -E /usr/sbin/ethtool  -K eth0 ntuple on >&2", &c));
	assert_true(c.sudo);
	assert_int_equal(c.argc, 5);
	assert_string_equal(c.argv[0], "/usr/sbin/ethtool");
	assert_string_equal(c.argv[4], "on");
	assert_int_equal(c.out.to, PL_TO_STDERR);
	assert_int_equal(c.err.to, PL_TO_STDERR);
	pl_shell_cmd_free(&c);

	assert_ok(pl_shell_parse("ethtool -N eth0 flow-type tcp6 src-ip '::1' dst-ip \"::2\" "
				 "queue 2 2>&1", &c));
	assert_false(c.sudo);
	assert_string_equal(c.argv[6], "::1");
	assert_string_equal(c.argv[8], "::2");
	assert_int_equal(c.out.to, PL_TO_STDOUT);
	assert_int_equal(c.err.to, PL_TO_STDOUT);
	pl_shell_cmd_free(&c);

	/* Left to right as sh does: fd 2 copies fd 1 before fd 1 moves. */
	assert_ok(pl_shell_parse("ethtool -k eth0 2>&1 >/dev/null", &c));
	assert_int_equal(c.err.to, PL_TO_STDOUT);
	assert_int_equal(c.out.to, PL_TO_FILE);
	assert_string_equal(c.out.path, "/dev/null");
	pl_shell_cmd_free(&c);

	assert_ok(pl_shell_parse("ethtool -k eth0 >out.txt 2>&1", &c));
	assert_int_equal(c.err.to, PL_TO_FILE);
	assert_ptr_equal(c.err.path, c.out.path);
	pl_shell_cmd_free(&c);

	assert_ok(pl_shell_parse("ethtool -k eth0 &>both 2>> err.log", &c));
	assert_string_equal(c.out.path, "both");
	assert_string_equal(c.err.path, "err.log");
	assert_true(c.err.append);
	assert_false(c.out.append);
	pl_shell_cmd_free(&c);

	assert_ok(pl_shell_parse("ethtool -L eth0 rx 2 1>&2 2>/dev/null", &c));
	assert_int_equal(c.argc, 5);
	assert_int_equal(c.out.to, PL_TO_STDERR);
	assert_int_equal(c.err.to, PL_TO_FILE);
	pl_shell_cmd_free(&c);
}

/* Issue 15: anything else the shell would interpret is not ours. */
static void test_shell_refuses(void **state)
{
	static const char *const lines[] = {
		"ethtool -n eth0 | grep Filter",
		"ethtool -K eth0 ntuple off; ethtool -K eth0 ntuple on",
		"ethtool -K eth0 ntuple off && true",
		"ethtool -K eth0 ntuple off || true",
		"ethtool -L $(cat ifname) rx 2",
		"ethtool -L `cat ifname` rx 2",
		"ethtool -L \"$IF\" rx 2",
		"IF=eth0 ethtool -l eth0",
		"ethtool -k eth*",
		"ethtool -k eth0 < /dev/null",
		"ethtool -k eth0 2>&3",
		"ethtool -k eth0 &",
		"ethtool -k 'eth0",
		"ethtool -k eth0 >",
		"sudo -u root ethtool -k eth0",
		"sudo",
		"echo ethtool -k eth0",
		"(ethtool -k eth0)",
		"ethtool -k eth0 # comment",
		"ethtool -k ~/eth0",
		"ethtool -k eth0\nreboot",
		"",
	};
	struct pl_shell_cmd c;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(lines) / sizeof(lines[0]); i++)
		if (pl_shell_parse(lines[i], &c) != -ENOENT)
			fail_msg("taken: '%s'", lines[i]);
}

/* Issue 15: system() and popen() of an ethtool command reach the emulation
 * with ethtool's exit codes (as wait statuses) and output. */
static void test_system_popen(void **state)
{
	char path[] = "/tmp/dml-machine-XXXXXX", line[256], buf[256];
	struct dml_flow fl = { .dst_port = 5201 };
	struct dml_netdev_channels ch;
	struct pl_state *st;
	FILE *p;
	int fd, ret, id;
	ssize_t n;

	(void)state;
	fd = mkstemp(path);
	assert_true(fd >= 0);
	snprintf(line, sizeof(line), "sudo ethtool -L " EMU_NAME " rx 4 tx 1 >%s 2>&1", path);
	assert_true(pl_shell_system(line, &ret));
	assert_int_equal(ret, 0);
	st = pl_state_peek();
	assert_non_null(st);
	snprintf(line, sizeof(line), "ethtool -l " EMU_NAME " > %s", path);
	assert_true(pl_shell_system(line, &ret));
	assert_int_equal(ret, 0);
	n = pread(fd, buf, sizeof(buf) - 1, 0);
	assert_true(n > 0);
	buf[n] = '\0';
	assert_non_null(strstr(buf, "Channel parameters for " EMU_NAME ":\n"));
	assert_non_null(strstr(buf, "Current hardware settings:\nRX:\t\t4\nTX:\t\t1\n"));
	snprintf(line, sizeof(line), "ethtool -L " EMU_NAME " rx 99 2>>%s", path);
	assert_true(pl_shell_system(line, &ret));
	assert_int_equal(ret, 1 << 8);

	assert_true(pl_shell_popen("ethtool -N " EMU_NAME " flow-type tcp4 dst-port 5201 queue 2",
				   "r", &p));
	assert_non_null(p);
	assert_non_null(fgets(buf, sizeof(buf), p));
	assert_int_equal(sscanf(buf, "Added rule with ID %d", &id), 1);
	assert_null(fgets(buf, sizeof(buf), p));
	assert_true(pl_shell_pclose(p, &ret));
	assert_int_equal(ret, 0);
	assert_int_equal(dml_netdev_steer(st->dev, &fl), 2);
	snprintf(line, sizeof(line), "ethtool -N " EMU_NAME " delete 63 2>%s", path);
	assert_true(pl_shell_popen(line, "re", &p));
	assert_true(fcntl(fileno(p), F_GETFD) & FD_CLOEXEC);
	assert_null(fgets(buf, sizeof(buf), p));
	assert_true(pl_shell_pclose(p, &ret));
	assert_int_equal(ret, 1 << 8);
	n = pread(fd, buf, sizeof(buf) - 1, 0);
	assert_true(n > 0);
	buf[n] = '\0';
	assert_string_equal(buf, "rmgr: Cannot delete RX class rule: No such file or directory\n"
				 "Cannot delete classification rule\n");
	/* 2>&1 in popen(): the messages come through the stream. */
	assert_true(pl_shell_popen("ethtool -L " EMU_NAME " rx 99 2>&1", "r", &p));
	assert_non_null(fgets(buf, sizeof(buf), p));
	assert_string_equal(buf, "netlink error: requested channel count exceeds maximum\n");
	assert_true(pl_shell_pclose(p, &ret));
	assert_int_equal(ret, 1 << 8);
	/* A redirection sh cannot open: status 2, and the command does not run. */
	assert_true(pl_shell_system("ethtool -L " EMU_NAME " rx 2 >/nonexistent-dir/out", &ret));
	assert_int_equal(ret, 2 << 8);
	assert_ok(dml_netdev_get_channels(st->dev, &ch));
	assert_int_equal(ch.rx, 4);
	/* A stream popen() did not make here is not ours to close. */
	assert_false(pl_shell_pclose(stdin, &ret));
	assert_false(pl_shell_popen("ethtool -l " EMU_NAME, "w", &p));
	assert_false(pl_shell_system(NULL, &ret));
	close(fd);
	unlink(path);
}

/* Issue 15 "SIOCGIFINDEX on any socket", SIOCGIFNAME/FLAGS/MTU, and
 * SIOCETHTOOL refused; if_nametoindex/if_indextoname/if_nameindex. */
static void test_iface_lookups(void **state)
{
	struct ifreq ifr = { .ifr_name = EMU_NAME };
	struct pl_state *st = pl_state();
	struct if_nameindex *real, *ni, *i;
	char name[IF_NAMESIZE];
	unsigned int idx;
	bool found = false;
	int ret = 1;

	(void)state;
	assert_non_null(st);
	assert_true(pl_ifaces_ioctl(-1, SIOCGIFINDEX, &ifr, &ret));
	assert_int_equal(ret, 0);
	assert_int_equal(ifr.ifr_ifindex, st->ifindex);
	memset(ifr.ifr_name, 0, sizeof(ifr.ifr_name));
	assert_true(pl_ifaces_ioctl(-1, SIOCGIFNAME, &ifr, &ret));
	assert_string_equal(ifr.ifr_name, EMU_NAME);
	assert_true(pl_ifaces_ioctl(-1, SIOCGIFFLAGS, &ifr, &ret));
	assert_int_equal(ifr.ifr_flags, IFF_UP | IFF_RUNNING | IFF_BROADCAST | IFF_MULTICAST);
	assert_true(pl_ifaces_ioctl(-1, SIOCGIFMTU, &ifr, &ret));
	assert_int_equal(ifr.ifr_mtu, 1500);
	errno = 0;
	assert_true(pl_ifaces_ioctl(-1, SIOCETHTOOL, &ifr, &ret));
	assert_int_equal(ret, -1);
	assert_int_equal(errno, EOPNOTSUPP);
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "lo");
	assert_false(pl_ifaces_ioctl(-1, SIOCGIFINDEX, &ifr, &ret));

	assert_true(pl_ifaces_nametoindex(EMU_NAME, &idx));
	assert_int_equal(idx, st->ifindex);
	assert_true(pl_ifaces_indextoname(st->ifindex, name));
	assert_string_equal(name, EMU_NAME);
	assert_false(pl_ifaces_nametoindex("lo", &idx));

	real = if_nameindex();
	assert_non_null(real);
	ni = pl_ifaces_nameindex(real);
	if_freenameindex(real);
	assert_non_null(ni);
	for (i = ni; i->if_index; i++)
		found |= i->if_index == st->ifindex && !strcmp(i->if_name, EMU_NAME);
	assert_true(found);
	assert_true(pl_ifaces_freenameindex(ni));
	assert_false(pl_ifaces_freenameindex(ni + 1));
}

/* Issue 15 "getifaddrs": the real list plus the emulated NIC's addresses
 * (v4-mapped ones as AF_INET), freed by freeifaddrs as ours. */
static void test_getifaddrs(void **state)
{
	struct ifaddrs *ifa, *i;
	struct pl_state *st = pl_state();
	unsigned int v4 = 0, v6 = 0, lo = 0;

	(void)state;
	assert_non_null(st);
	assert_int_equal(pl_ifaces_getifaddrs(&ifa), 0);
	for (i = ifa; i; i = i->ifa_next) {
		lo += !strcmp(i->ifa_name, "lo");
		if (strcmp(i->ifa_name, EMU_NAME))
			continue;
		assert_int_equal(i->ifa_flags & IFF_UP, IFF_UP);
		v4 += i->ifa_addr->sa_family == AF_INET;
		v6 += i->ifa_addr->sa_family == AF_INET6;
	}
	assert_true(lo > 0);
	assert_true(v4 + v6 == st->cfg.nr_addrs);
	assert_true(v4 > 0);
	pl_ifaces_freeifaddrs(ifa);
}

/* ---- /dev/udmabuf --------------------------------------------------------- */

static long psize(void)
{
	return sysconf(_SC_PAGESIZE);
}

static int memfd(size_t size, unsigned int seals)
{
	int fd = memfd_create("machine-test", MFD_ALLOW_SEALING | MFD_CLOEXEC);

	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, (off_t)size), 0);
	if (seals)
		assert_int_equal(fcntl(fd, F_ADD_SEALS, seals), 0);
	return fd;
}

/* The device's ioctl as the program's ioctl() reaches it. */
static int dev_ioctl(int dev, unsigned long req, void *arg)
{
	struct pl_file *f = pl_file_get(dev);
	int ret;

	assert_non_null(f);
	ret = f->ops->ioctl(f, req, arg);
	pl_file_put(f);
	return ret;
}

static int create(int dev, int fd, uint32_t flags, uint64_t offset, uint64_t size)
{
	struct udmabuf_create c = {
		.memfd = (uint32_t)fd, .flags = flags, .offset = offset, .size = size,
	};

	return dev_ioctl(dev, UDMABUF_CREATE, &c);
}

static int open_udmabuf(void)
{
	struct pl_file *f;
	int fd = -1;

	assert_true(pl_udmabuf_open("/dev/udmabuf", O_RDWR | O_CLOEXEC, &fd));
	assert_true(fd >= 0);
	assert_true(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	f = pl_file_get(fd);
	assert_non_null(f);
	assert_string_equal(f->ops->kind, "udmabuf-dev");
	pl_file_put(f);
	return fd;
}

static void close_emulated(int fd)
{
	pl_file_forget(fd);
	close(fd);
}

/* Issue 15 "UDMABUF_CREATE on a sealed memfd", refused as udmabuf.c does. */
static void test_udmabuf_create_checks(void **state)
{
	size_t size = 4 * (size_t)psize();
	int dev = open_udmabuf(), unsealed, wsealed, fwsealed, good, pipefd[2];
	struct udmabuf_create_list head = { .count = 1025 };

	(void)state;
	unsealed = memfd(size, 0);
	wsealed = memfd(size, F_SEAL_SHRINK | F_SEAL_WRITE);
	fwsealed = memfd(size, F_SEAL_SHRINK | F_SEAL_FUTURE_WRITE);
	good = memfd(size, F_SEAL_SHRINK);
	assert_int_equal(pipe(pipefd), 0);
	assert_errno(create(dev, unsealed, 0, 0, size), -EINVAL);
	assert_errno(create(dev, wsealed, 0, 0, size), -EINVAL);
	assert_errno(create(dev, fwsealed, 0, 0, size), -EINVAL);
	assert_errno(create(dev, good, 0, 0, size - 100), -EINVAL);
	assert_errno(create(dev, good, 0, 100, size), -EINVAL);
	assert_errno(create(dev, good, 0, 0, 0), -EINVAL);
	assert_errno(create(dev, good, 0, 0, size + (size_t)psize()), -EINVAL);
	/* Not a shmem file, or no file: the kernel says EBADFD. */
	assert_errno(create(dev, pipefd[0], 0, 0, size), -EBADFD);
	assert_errno(create(dev, 999, 0, 0, size), -EBADFD);
	/* Part of a memfd cannot be shown through a plain memfd. */
	assert_errno(create(dev, good, 0, 0, size / 2), -EOPNOTSUPP);
	assert_errno(dev_ioctl(dev, UDMABUF_CREATE_LIST, &head), -EINVAL);
	assert_errno(dev_ioctl(dev, DMA_BUF_IOCTL_SYNC, &head), -ENOTTY);
	assert_errno(dev_ioctl(dev, UDMABUF_CREATE, NULL), -EFAULT);
	close(unsealed);
	close(wsealed);
	close(fwsealed);
	close(good);
	close(pipefd[0]);
	close(pipefd[1]);
	close_emulated(dev);
}

/* Issue 15: the size limit (size_limit_mb; DEVMEM_LAB_UDMABUF_LIMIT_MB=1 here). */
static void test_udmabuf_limit(void **state)
{
	int dev = open_udmabuf(), fd = memfd(2 << 20, F_SEAL_SHRINK), buf;

	(void)state;
	assert_errno(create(dev, fd, 0, 0, 2 << 20), -EINVAL);
	close(fd);
	fd = memfd(1 << 20, F_SEAL_SHRINK);
	buf = create(dev, fd, 0, 0, 1 << 20);
	assert_true(buf >= 0);
	close_emulated(buf);
	close(fd);
	close_emulated(dev);
}

/* Issue 15 "the dma-buf fd mmap-able": it shares the memfd's pages. */
static void test_udmabuf_good(void **state)
{
	size_t size = 4 * (size_t)psize();
	int dev = open_udmabuf(), fd = memfd(size, F_SEAL_SHRINK), buf, seals;
	struct pl_file *f;
	char *a, *b;

	(void)state;
	buf = create(dev, fd, UDMABUF_FLAGS_CLOEXEC, 0, size);
	assert_true(buf >= 0);
	assert_true(fcntl(buf, F_GETFD) & FD_CLOEXEC);
	/* bind-rx's import sees a sealed memfd. */
	seals = fcntl(buf, F_GET_SEALS);
	assert_true(seals >= 0 && (seals & F_SEAL_SHRINK));
	f = pl_file_get(buf);
	assert_non_null(f);
	assert_string_equal(f->ops->kind, "dmabuf");
	assert_true(f->ops->pass_data);
	pl_file_put(f);
	a = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	b = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, buf, 0);
	assert_true(a != MAP_FAILED && b != MAP_FAILED);
	memcpy(a + size - 6, "pages", 6);
	assert_string_equal(b + size - 6, "pages");
	b[0] = 'x';
	assert_int_equal(a[0], 'x');
	munmap(a, size);
	munmap(b, size);
	close(fd);
	close_emulated(buf);
	close_emulated(dev);
}

/* Issue 15 "DMA_BUF_IOCTL_SYNC validated as the kernel does". */
static void test_dmabuf_sync(void **state)
{
	size_t size = (size_t)psize();
	int dev = open_udmabuf(), fd = memfd(size, F_SEAL_SHRINK), buf;
	struct dma_buf_sync s = { 0 };
	char name[DMA_BUF_NAME_LEN + 8];

	(void)state;
	buf = create(dev, fd, 0, 0, size);
	assert_true(buf >= 0);
	s.flags = DMA_BUF_SYNC_START;
	assert_errno(dev_ioctl(buf, DMA_BUF_IOCTL_SYNC, &s), -EINVAL);
	s.flags = DMA_BUF_SYNC_END;
	assert_errno(dev_ioctl(buf, DMA_BUF_IOCTL_SYNC, &s), -EINVAL);
	s.flags = DMA_BUF_SYNC_READ | (1 << 3);
	assert_errno(dev_ioctl(buf, DMA_BUF_IOCTL_SYNC, &s), -EINVAL);
	s.flags = DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ;
	assert_ok(dev_ioctl(buf, DMA_BUF_IOCTL_SYNC, &s));
	s.flags = DMA_BUF_SYNC_END | DMA_BUF_SYNC_RW;
	assert_ok(dev_ioctl(buf, DMA_BUF_IOCTL_SYNC, &s));
	s.flags = DMA_BUF_SYNC_WRITE;
	assert_ok(dev_ioctl(buf, DMA_BUF_IOCTL_SYNC, &s));
	assert_errno(dev_ioctl(buf, DMA_BUF_IOCTL_SYNC, NULL), -EFAULT);
	assert_ok(dev_ioctl(buf, DMA_BUF_SET_NAME_B, "rx-buffer"));
	memset(name, 'n', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	assert_errno(dev_ioctl(buf, DMA_BUF_SET_NAME_B, name), -EINVAL);
	assert_errno(dev_ioctl(buf, UDMABUF_CREATE, &s), -ENOTTY);
	close(fd);
	close_emulated(buf);
	close_emulated(dev);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hooks_do_not_make_the_host),
		cmocka_unit_test_setup_teardown(test_channels, setup, teardown),
		cmocka_unit_test_setup_teardown(test_channels_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rings, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ntuple_feature, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rules, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rules_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rss, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_and_foreign_commands, setup, teardown),
		cmocka_unit_test(test_shell_accepts),
		cmocka_unit_test(test_shell_refuses),
		cmocka_unit_test(test_system_popen),
		cmocka_unit_test(test_iface_lookups),
		cmocka_unit_test(test_getifaddrs),
		cmocka_unit_test(test_udmabuf_create_checks),
		cmocka_unit_test(test_udmabuf_limit),
		cmocka_unit_test(test_udmabuf_good),
		cmocka_unit_test(test_dmabuf_sync),
		/* Needs a binding: last, and only where devmem is built. */
		cmocka_unit_test_setup_teardown(test_channels_bound, setup, teardown),
	};
	size_t n = sizeof(tests) / sizeof(tests[0]);

	setenv("DEVMEM_LAB_IFNAME", EMU_NAME, 1);
	setenv("DEVMEM_LAB_UDMABUF", "emulate", 1);
	setenv("DEVMEM_LAB_UDMABUF_LIMIT_MB", "1", 1);
	return run_tap(__FILE__, tests, dml_devmem_enabled() ? n : n - 1);
}
