// SPDX-License-Identifier: MIT
/*
 * The ethtool commands a devmem receiver runs (issue 15), against the
 * emulated NIC: features (-k/-K ntuple), rings (-g/-G tcp-data-split,
 * hds-thresh), channels (-l/-L), the RSS spread (-x/-X equal, default) and
 * ntuple rules (-n/-N).  Output, messages and exit statuses are ethtool's
 * (6.x, netlink where ethtool uses netlink, the ioctl path's texts for -X
 * and -N), so a program that parses them or checks the status sees what it
 * would on a machine with the NIC.  Commands ethtool has but the emulation
 * does not say so and fail; they never reach a real NIC.
 */
#include <arpa/inet.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "machine.h"
#include "extack.h"
#include "nic/netdev.h"

/* The indirection table size ethtool -x shows, as common NICs have. */
#define INDIR_SIZE	128

struct cmd {
	struct pl_state *st;
	struct dml_netdev *dev;
	const char *devname;
	const char *opt;	/* as typed */
	char **args;		/* after the device name */
	int nargs;
	FILE *out, *err;
};

static int bad_args(struct cmd *c)
{
	fputs("ethtool: bad command line argument(s)\nFor more information run ethtool -h\n",
	      c->err);
	return 1;
}

/* How ethtool reports a refused netlink request: the extack, then errno. */
static int nl_error(struct cmd *c, const char *msg, int err)
{
	if (msg && *msg)
		fprintf(c->err, "netlink error: %s\n", msg);
	fprintf(c->err, "netlink error: %s\n", strerror(err));
	return 1;
}

static int not_emulated(struct cmd *c, const char *what)
{
	fprintf(c->err, "devmem-lab run: ethtool %s %s: not emulated\n", what, c->devname);
	pl_trace("ethtool %s %s: not emulated", what, c->devname);
	return 1;
}

static bool parse_uint(const char *s, unsigned long max, unsigned long *v)
{
	char *end;

	if (!s || !*s || *s == '-')
		return false;
	errno = 0;
	*v = strtoul(s, &end, 0);
	return !errno && !*end && *v <= max;
}

static bool parse_onoff(const char *s, bool *on)
{
	if (!s)
		return false;
	if (!strcmp(s, "on") || !strcmp(s, "off")) {
		*on = s[1] == 'n';
		return true;
	}
	return false;
}

/* ethtool's netlink parser, for one "name value" pair. */
static int param_invalid(struct cmd *c, const char *cmdname, const char *name, const char *val)
{
	if (!val)
		fprintf(c->err, "ethtool (%s): missing value for parameter '%s'\n", cmdname, name);
	else
		fprintf(c->err, "ethtool (%s): invalid value '%s' for parameter '%s'\n", cmdname,
			val, name);
	return 1;
}

static void rtnl_lock(struct cmd *c)
{
	pthread_mutex_lock(c->dev->table->rtnl);
}

static void rtnl_unlock(struct cmd *c)
{
	pthread_mutex_unlock(c->dev->table->rtnl);
}

/* ---- features ---------------------------------------------------------- */

static int show_features(struct cmd *c)
{
	bool ntuple = dml_netdev_ntuple(c->dev);

	if (c->nargs)
		return bad_args(c);
	fprintf(c->out, "Features for %s:\n", c->devname);
	fputs("rx-checksumming: on\n"
	      "tx-checksumming: on\n"
	      "scatter-gather: on\n"
	      "tcp-segmentation-offload: off\n"
	      "generic-segmentation-offload: on\n"
	      "generic-receive-offload: on\n"
	      "large-receive-offload: off [fixed]\n", c->out);
	fprintf(c->out, "ntuple-filters: %s\n", ntuple ? "on" : "off");
	fputs("receive-hashing: on\n", c->out);
	return 0;
}

static int set_features(struct cmd *c)
{
	bool on = false;
	int i;

	if (!c->nargs)
		return bad_args(c);
	/* Every pair is checked before the last one's value is set. */
	for (i = 0; i < c->nargs; i += 2) {
		if (strcmp(c->args[i], "ntuple") && strcmp(c->args[i], "rx-ntuple-filter"))
			return not_emulated(c, "-K (features other than ntuple)");
		if (!parse_onoff(i + 1 < c->nargs ? c->args[i + 1] : NULL, &on))
			return param_invalid(c, "-K", c->args[i],
					     i + 1 < c->nargs ? c->args[i + 1] : NULL);
	}
	dml_netdev_set_ntuple(c->dev, on);
	return 0;
}

/* ---- rings --------------------------------------------------------------- */

static int show_rings(struct cmd *c)
{
	unsigned int ring;
	uint32_t thresh;
	bool split;

	if (c->nargs)
		return bad_args(c);
	rtnl_lock(c);
	ring = c->dev->table->rx_ring_size;
	split = c->dev->header_split;
	rtnl_unlock(c);
	thresh = dml_netdev_hds_thresh(c->dev);
	fprintf(c->out, "Ring parameters for %s:\n"
		"Pre-set maximums:\n"
		"RX:\t\t\t%u\nRX Mini:\t\tn/a\nRX Jumbo:\t\tn/a\nTX:\t\t\t%u\n"
		"HDS thresh:\t\t%u\n"
		"Current hardware settings:\n"
		"RX:\t\t\t%u\nRX Mini:\t\tn/a\nRX Jumbo:\t\tn/a\nTX:\t\t\t%u\n"
		"RX Buf Len:\t\tn/a\nCQE Size:\t\tn/a\nTX Push:\t\toff\nRX Push:\t\toff\n"
		"TX push buff len:\tn/a\n"
		"TCP data split:\t\t%s\n"
		"HDS thresh:\t\t%u\n",
		c->devname, ring, ring, DML_HDS_THRESH_MAX, ring, ring, split ? "on" : "off",
		thresh);
	return 0;
}

static int set_rings(struct cmd *c)
{
	int split = -1, i, err;
	unsigned long thresh = ULONG_MAX;
	const char *val;
	bool on;

	if (!c->nargs)
		return bad_args(c);
	for (i = 0; i < c->nargs; i += 2) {
		val = i + 1 < c->nargs ? c->args[i + 1] : NULL;
		if (!strcmp(c->args[i], "tcp-data-split")) {
			if (!parse_onoff(val, &on))
				return param_invalid(c, "-G", c->args[i], val);
			split = on;
		} else if (!strcmp(c->args[i], "hds-thresh")) {
			if (!parse_uint(val, UINT32_MAX, &thresh))
				return param_invalid(c, "-G", c->args[i], val);
		} else if (!strcmp(c->args[i], "rx") || !strcmp(c->args[i], "tx") ||
			   !strcmp(c->args[i], "rx-mini") || !strcmp(c->args[i], "rx-jumbo") ||
			   !strcmp(c->args[i], "rx-buf-len") || !strcmp(c->args[i], "cqe-size")) {
			return not_emulated(c, "-G (ring sizes)");
		} else {
			fprintf(c->err, "ethtool (-G): unknown parameter '%s'\n", c->args[i]);
			return 1;
		}
	}
	if (split >= 0) {
		err = dml_netdev_set_header_split(c->dev, split);
		if (err)
			return nl_error(c, NULL, -err);
	}
	if (thresh != ULONG_MAX) {
		err = dml_netdev_set_hds_thresh(c->dev, (uint32_t)thresh);
		if (err)
			return nl_error(c, "requested hds-thresh exceeds the maximum", -err);
	}
	return 0;
}

/* ---- channels ------------------------------------------------------------ */

static int show_channels(struct cmd *c)
{
	struct dml_netdev_channels ch;

	if (c->nargs)
		return bad_args(c);
	dml_netdev_get_channels(c->dev, &ch);
	fprintf(c->out, "Channel parameters for %s:\n"
		"Pre-set maximums:\n"
		"RX:\t\t%u\nTX:\t\t%u\nOther:\t\tn/a\nCombined:\t%u\n"
		"Current hardware settings:\n"
		"RX:\t\t%u\nTX:\t\t%u\nOther:\t\tn/a\nCombined:\t%u\n",
		c->devname, ch.max_rx, ch.max_tx, ch.max_combined, ch.rx, ch.tx, ch.combined);
	return 0;
}

static int set_channels(struct cmd *c)
{
	int count[3] = { -1, -1, -1 }, i, err, slot;
	static const char *const names[] = { "rx", "tx", "combined" };
	struct dml_extack ext = { 0 };
	const char *val;
	unsigned long v;

	if (!c->nargs)
		return bad_args(c);
	for (i = 0; i < c->nargs; i += 2) {
		val = i + 1 < c->nargs ? c->args[i + 1] : NULL;
		for (slot = 0; slot < 3 && strcmp(c->args[i], names[slot]); slot++)
			;
		if (slot == 3 && strcmp(c->args[i], "other")) {
			fprintf(c->err, "ethtool (-L): unknown parameter '%s'\n", c->args[i]);
			return 1;
		}
		if (!parse_uint(val, UINT32_MAX, &v))
			return param_invalid(c, "-L", c->args[i], val);
		if (slot == 3) {
			/* The NIC has no "other" channels: its maximum is 0. */
			if (v)
				return nl_error(c, "requested other count exceeds maximum", EINVAL);
			continue;
		}
		if (v > INT32_MAX)
			return nl_error(c, "requested channel count exceeds maximum", EINVAL);
		count[slot] = (int)v;
	}
	rtnl_lock(c);
	err = dml_netdev_set_channels_locked(c->dev, count[0], count[1], count[2], &ext, NULL);
	rtnl_unlock(c);
	return err ? nl_error(c, ext.msg, -err) : 0;
}

/* ---- RSS ------------------------------------------------------------------ */

static int show_rxfh(struct cmd *c)
{
	unsigned int first, count, rings, i;

	if (c->nargs)
		return bad_args(c);
	rtnl_lock(c);
	rings = c->dev->nr_rx_queues;
	pthread_rwlock_rdlock(&c->dev->steer_lock);
	first = c->dev->rss_first;
	count = c->dev->rss_count;
	pthread_rwlock_unlock(&c->dev->steer_lock);
	rtnl_unlock(c);
	fprintf(c->out, "RX flow hash indirection table for %s with %u RX ring(s):\n",
		c->devname, rings);
	for (i = 0; i < INDIR_SIZE; i++) {
		if (i % 8 == 0)
			fprintf(c->out, "%5u: ", i);
		fprintf(c->out, " %5u", first + i % count);
		if (i % 8 == 7)
			fputc('\n', c->out);
	}
	fputs("RSS hash key:\nOperation not supported\n"
	      "RSS hash function:\n    toeplitz: on\n    xor: off\n    crc32: off\n", c->out);
	return 0;
}

/* -X default: the driver's spread again, which channel changes may move. */
static void rss_default(struct cmd *c)
{
	dml_netdev_reset_rss(c->dev);
}

static int set_rxfh(struct cmd *c)
{
	unsigned long start = 0, equal = 0;
	int i, err;

	if (c->nargs == 1 && !strcmp(c->args[0], "default")) {
		rss_default(c);
		return 0;
	}
	for (i = 0; i < c->nargs; i += 2) {
		if (!strcmp(c->args[i], "equal")) {
			if (!parse_uint(i + 1 < c->nargs ? c->args[i + 1] : NULL, UINT32_MAX,
					&equal) || !equal)
				return bad_args(c);
		} else if (!strcmp(c->args[i], "start")) {
			if (!parse_uint(i + 1 < c->nargs ? c->args[i + 1] : NULL, UINT32_MAX,
					&start))
				return bad_args(c);
		} else if (!strcmp(c->args[i], "weight") || !strcmp(c->args[i], "hkey") ||
			   !strcmp(c->args[i], "hfunc") || !strcmp(c->args[i], "context") ||
			   !strcmp(c->args[i], "xfrm")) {
			return not_emulated(c, "-X (other than equal N, start N, default)");
		} else {
			return bad_args(c);
		}
	}
	if (!equal)
		return bad_args(c);
	err = dml_netdev_set_rss(c->dev, (unsigned int)start, (unsigned int)equal);
	if (err) {
		fprintf(c->err, "Cannot set RX flow hash configuration: %s\n", strerror(-err));
		return 1;
	}
	return 0;
}

static bool in_list(const char *list, const char *opt)
{
	size_t n = strlen(opt);
	const char *p;

	for (p = list; (p = strstr(p, opt)); p += n)
		if ((p == list || p[-1] == '|') && (p[n] == '|' || !p[n]))
			return true;
	return false;
}

/* ethtool's other flow types: known, not emulated. */
static const char *const other_flow_types =
	"udp4|sctp4|ah4|esp4|ip4|udp6|sctp6|ah6|esp6|ip6|ether";

/* ---- ntuple rules ---------------------------------------------------------- */

/* The flow type each rule was added with, which the NIC does not keep. */
static pthread_mutex_t rules_lock = PTHREAD_MUTEX_INITIALIZER;
static bool rule_v6[DML_NTUPLE_MAX_RULES];

static void print_addr(FILE *out, const char *label, const uint8_t *a, bool v6)
{
	char buf[INET6_ADDRSTRLEN];
	bool any = !memcmp(a, &in6addr_any, 16);

	if (v6) {
		inet_ntop(AF_INET6, a, buf, sizeof(buf));
		fprintf(out, "\t%s: %s mask: %s\n", label, buf,
			any ? "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff" : "::");
	} else {
		if (any)
			strcpy(buf, "0.0.0.0");
		else
			inet_ntop(AF_INET, a + 12, buf, sizeof(buf));
		fprintf(out, "\t%s: %s mask: %s\n", label, buf,
			any ? "255.255.255.255" : "0.0.0.0");
	}
}

static void print_rule(struct cmd *c, int id, const struct dml_ntuple_rule *r, bool v6)
{
	fprintf(c->out, "Filter: %d\n\tRule Type: TCP over IPv%c\n", id, v6 ? '6' : '4');
	print_addr(c->out, "Src IP addr", r->match.src_addr, v6);
	print_addr(c->out, "Dest IP addr", r->match.dst_addr, v6);
	fprintf(c->out, "\t%s: 0x0 mask: 0xff\n", v6 ? "Traffic Class" : "TOS");
	fprintf(c->out, "\tSrc port: %u mask: %s\n", r->match.src_port,
		r->match.src_port ? "0x0" : "0xffff");
	fprintf(c->out, "\tDest port: %u mask: %s\n", r->match.dst_port,
		r->match.dst_port ? "0x0" : "0xffff");
	fprintf(c->out, "\tAction: Direct to queue %u\n\n", r->queue);
}

static int show_rules(struct cmd *c)
{
	struct dml_ntuple_rule rules[DML_NTUPLE_MAX_RULES];
	bool v6[DML_NTUPLE_MAX_RULES];
	unsigned int rings;
	int i, n = 0;

	if (c->nargs)
		return not_emulated(c, "-n (rx-flow-hash and rule lookups)");
	rtnl_lock(c);
	rings = c->dev->nr_rx_queues;
	pthread_rwlock_rdlock(&c->dev->steer_lock);
	memcpy(rules, c->dev->rules, sizeof(rules));
	pthread_rwlock_unlock(&c->dev->steer_lock);
	rtnl_unlock(c);
	pthread_mutex_lock(&rules_lock);
	memcpy(v6, rule_v6, sizeof(v6));
	pthread_mutex_unlock(&rules_lock);
	for (i = 0; i < DML_NTUPLE_MAX_RULES; i++)
		n += rules[i].used;
	fprintf(c->out, "%u RX rings available\nTotal %d rules\n\n", rings, n);
	for (i = 0; i < DML_NTUPLE_MAX_RULES; i++)
		if (rules[i].used)
			print_rule(c, i, &rules[i], v6[i]);
	return 0;
}

static bool parse_ip(const char *s, bool v6, uint8_t *out)
{
	struct in_addr a4;

	if (!s)
		return false;
	if (v6)
		return inet_pton(AF_INET6, s, out) == 1;
	if (inet_pton(AF_INET, s, &a4) != 1)
		return false;
	memset(out, 0, 16);
	out[10] = out[11] = 0xff;
	memcpy(out + 12, &a4, 4);
	return true;
}

static int insert_failed(struct cmd *c, int err)
{
	fprintf(c->err, "rmgr: Cannot insert RX class rule: %s\n", strerror(err));
	fputs("Cannot insert classification rule\n", c->err);
	return 1;
}

static int delete_rule(struct cmd *c)
{
	unsigned long id;
	int err;

	if (c->nargs != 2 || !parse_uint(c->args[1], UINT32_MAX, &id))
		return bad_args(c);
	err = id > INT32_MAX ? -ENOENT : dml_netdev_del_ntuple(c->dev, (int)id);
	if (err) {
		fprintf(c->err, "rmgr: Cannot delete RX class rule: %s\n", strerror(-err));
		fputs("Cannot delete classification rule\n", c->err);
		return 1;
	}
	return 0;
}

/* One "name value" of a tcp4/tcp6 rule into @m; false on a bad value. */
static bool rule_field(const char *name, const char *val, bool v6, struct dml_flow *m)
{
	unsigned long port;

	if (!strcmp(name, "src-ip"))
		return parse_ip(val, v6, m->src_addr);
	if (!strcmp(name, "dst-ip"))
		return parse_ip(val, v6, m->dst_addr);
	if (!parse_uint(val, UINT16_MAX, &port))
		return false;
	if (!strcmp(name, "src-port"))
		m->src_port = (uint16_t)port;
	else
		m->dst_port = (uint16_t)port;
	return true;
}

static int add_rule(struct cmd *c)
{
	static const char *const fields[] = { "src-ip", "dst-ip", "src-port", "dst-port" };
	struct dml_flow m = { 0 };
	unsigned long queue = ULONG_MAX;
	const char *name, *val;
	bool v6;
	int i, f, id;

	if (c->nargs < 2)
		return bad_args(c);
	if (strcmp(c->args[1], "tcp4") && strcmp(c->args[1], "tcp6")) {
		if (in_list(other_flow_types, c->args[1]))
			return not_emulated(c, "-N (flow types other than tcp4, tcp6)");
		fprintf(c->err, "Add rule, invalid rule type[%s]\n", c->args[1]);
		return bad_args(c);
	}
	v6 = c->args[1][3] == '6';
	for (i = 2; i < c->nargs; i += 2) {
		name = c->args[i];
		val = i + 1 < c->nargs ? c->args[i + 1] : NULL;
		if (!val) {
			fputs("Add rule, invalid syntax\n", c->err);
			return bad_args(c);
		}
		for (f = 0; f < 4 && strcmp(name, fields[f]); f++)
			;
		if (f < 4) {
			if (!rule_field(name, val, v6, &m)) {
				fprintf(c->err, "Invalid %s value[%s]\n", name, val);
				return bad_args(c);
			}
			continue;
		}
		if (!strcmp(name, "action") || !strcmp(name, "queue")) {
			/* -1 drops, -2 wakes: not a queue. */
			if (!parse_uint(val, UINT32_MAX, &queue)) {
				if (val[0] == '-')
					return not_emulated(c, "-N (drop and wake actions)");
				fprintf(c->err, "Invalid %s value[%s]\n", name, val);
				return bad_args(c);
			}
			continue;
		}
		if (!strcmp(name, "m") || strstr(name, "-mask") || !strcmp(name, "loc") ||
		    !strcmp(name, "tos") || !strcmp(name, "tclass") || !strcmp(name, "vlan") ||
		    !strcmp(name, "user-def") || !strcmp(name, "context") ||
		    !strcmp(name, "dst-mac") || !strcmp(name, "vlan-etype"))
			return not_emulated(c, "-N (masks, loc, tos, vlan, user-def, context)");
		fprintf(c->out, "Add rule, unrecognized option[%s]\n", name);
		return bad_args(c);
	}
	if (queue == ULONG_MAX)
		return bad_args(c);
	id = queue > UINT32_MAX ? -EINVAL : dml_netdev_add_ntuple(c->dev, &m, (unsigned int)queue);
	if (id < 0)
		return insert_failed(c, -id);
	if (id < DML_NTUPLE_MAX_RULES) {
		pthread_mutex_lock(&rules_lock);
		rule_v6[id] = v6;
		pthread_mutex_unlock(&rules_lock);
	}
	fprintf(c->out, "Added rule with ID %d\n", id);
	return 0;
}

static int config_rules(struct cmd *c)
{
	if (!c->nargs)
		return bad_args(c);
	if (!strcmp(c->args[0], "delete"))
		return delete_rule(c);
	if (!strcmp(c->args[0], "flow-type"))
		return add_rule(c);
	if (!strcmp(c->args[0], "rx-flow-hash"))
		return not_emulated(c, "-N rx-flow-hash");
	return bad_args(c);
}

/* ---- the option table ------------------------------------------------------- */

struct option_entry {
	const char *names;	/* "|"-separated, as ethtool's table writes them */
	int (*run)(struct cmd *c);
};

static const struct option_entry options[] = {
	{ "-k|--show-features|--show-offload", show_features },
	{ "-K|--features|--offload", set_features },
	{ "-g|--show-ring", show_rings },
	{ "-G|--set-ring", set_rings },
	{ "-l|--show-channels", show_channels },
	{ "-L|--set-channels", set_channels },
	{ "-x|--show-rxfh-indir|--show-rxfh", show_rxfh },
	{ "-X|--set-rxfh-indir|--rxfh", set_rxfh },
	{ "-n|-u|--show-nfc|--show-ntuple", show_rules },
	{ "-N|-U|--config-nfc|--config-ntuple", config_rules },
};

/* ethtool's other commands that take a device: known, not emulated. */
static const char *const other_options =
	"-a|--show-pause|-A|--pause|-c|--show-coalesce|-C|--coalesce|-d|--register-dump|"
	"-e|--eeprom-dump|-E|--change-eeprom|-f|--flash|-i|--driver|-m|--dump-module-eeprom|"
	"--module-info|-p|--identify|-P|--show-permaddr|-r|--negotiate|-s|--change|"
	"-S|--statistics|-t|--test|-T|--show-time-stamping|-w|--get-dump|-W|--set-dump|"
	"--show-eee|--set-eee|--show-fec|--set-fec|--show-priv-flags|--set-priv-flags|"
	"--reset|--show-tunnels|--cable-test|--cable-test-tdr|--phy-statistics|"
	"--show-module|--set-module|--show-pse|--set-pse|--show-mm|--set-mm|--show-plca|"
	"--set-plca|--get-plca-status|--monitor";

/* Flags ethtool takes before the command, or commands without a device. */
static const char *const global_flags =
	"--debug|--json|-I|--include-statistics|-Q|--per-queue|--disable-netlink|"
	"-h|--help|--version|--monitor";

bool pl_ethtool_device_command(int argc, char **argv)
{
	return argc >= 3 && argv[1][0] == '-' && argv[2][0] != '-' &&
	       !in_list(global_flags, argv[1]);
}

int pl_ethtool_run(struct pl_state *st, int argc, char **argv, FILE *out, FILE *err)
{
	struct cmd c = { .st = st, .out = out, .err = err };
	const struct option_entry *o = NULL;
	size_t i;
	int ret;

	/* Global flags (--debug, --json, ...) and bare forms stay ethtool's. */
	if (!pl_ethtool_device_command(argc, argv))
		return -1;
	c.opt = argv[1];
	c.devname = argv[2];
	if (!pl_ifname_emulated(st, c.devname))
		return -1;
	c.dev = dml_netdev_by_name(st->host, c.devname);
	if (!c.dev)
		return -1;
	c.args = argv + 3;
	c.nargs = argc - 3;
	for (i = 0; i < sizeof(options) / sizeof(options[0]); i++)
		if (in_list(options[i].names, c.opt))
			o = &options[i];
	if (o)
		ret = o->run(&c);
	else if (in_list(other_options, c.opt))
		ret = not_emulated(&c, c.opt);
	else
		ret = bad_args(&c);
	fflush(out);
	fflush(err);
	return ret;
}
