// SPDX-License-Identifier: MIT
/*
 * The emulated machine inside the program: one host with one NIC, made on
 * the first call that needs it, configured by the environment `devmem-lab
 * run` sets (DEVMEM_LAB_*), so a program that never touches devmem never
 * pays for it.
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "preload.h"

static struct pl_state state;
static pthread_once_t state_once = PTHREAD_ONCE_INIT;
static _Atomic(struct pl_state *) state_ready;
static int state_errno;

static pthread_mutex_t trace_lock = PTHREAD_MUTEX_INITIALIZER;

void pl_trace(const char *fmt, ...)
{
	va_list ap;

	if (!pl_tracing())
		return;
	pthread_mutex_lock(&trace_lock);
	fprintf(state.cfg.trace, "devmem-lab run: ");
	va_start(ap, fmt);
	vfprintf(state.cfg.trace, fmt, ap);
	va_end(ap);
	fputc('\n', state.cfg.trace);
	fflush(state.cfg.trace);
	pthread_mutex_unlock(&trace_lock);
}

/* The configuration is read only once the state is published (acquire). */
bool pl_tracing(void)
{
	return atomic_load_explicit(&state_ready, memory_order_acquire) && state.cfg.trace;
}

static const char *env(const char *name, const char *dflt)
{
	const char *v = getenv(name);

	return v && *v ? v : dflt;
}

static unsigned long env_ulong(const char *name, unsigned long dflt,
			       unsigned long min, unsigned long max)
{
	const char *v = env(name, NULL);
	unsigned long n;
	char *end;

	if (!v)
		return dflt;
	errno = 0;
	n = strtoul(v, &end, 10);
	if (errno || *end || n < min || n > max) {
		fprintf(stderr, "devmem-lab run: %s=%s is not a number in [%lu, %lu]; using %lu\n",
			name, v, min, max, dflt);
		return dflt;
	}
	return n;
}

static bool parse_addr(const char *text, struct in6_addr *out)
{
	struct in_addr v4;

	if (inet_pton(AF_INET6, text, out) == 1)
		return true;
	if (inet_pton(AF_INET, text, &v4) != 1)
		return false;
	memset(out, 0, sizeof(*out));
	out->s6_addr[10] = out->s6_addr[11] = 0xff;
	memcpy(&out->s6_addr[12], &v4, 4);
	return true;
}

static void add_addr(struct pl_config *cfg, const struct in6_addr *a)
{
	unsigned int i;

	for (i = 0; i < cfg->nr_addrs; i++)
		if (!memcmp(&cfg->addrs[i], a, sizeof(*a)))
			return;
	if (cfg->nr_addrs < PL_MAX_ADDRS)
		cfg->addrs[cfg->nr_addrs++] = *a;
}

/* The real interface of that name lends the NIC its addresses, if it has any. */
static void addrs_of_real_iface(struct pl_config *cfg)
{
	struct ifaddrs *ifa, *i;
	struct in6_addr a;

	if (PL_REAL(getifaddrs)(&ifa))
		return;
	for (i = ifa; i; i = i->ifa_next) {
		if (!i->ifa_addr || strcmp(i->ifa_name, cfg->ifname))
			continue;
		if (i->ifa_addr->sa_family == AF_INET) {
			memset(&a, 0, sizeof(a));
			a.s6_addr[10] = a.s6_addr[11] = 0xff;
			memcpy(&a.s6_addr[12], &((struct sockaddr_in *)i->ifa_addr)->sin_addr, 4);
			add_addr(cfg, &a);
		} else if (i->ifa_addr->sa_family == AF_INET6) {
			a = ((struct sockaddr_in6 *)i->ifa_addr)->sin6_addr;
			/* Link-local needs a scope a listener address never carries here. */
			if (!IN6_IS_ADDR_LINKLOCAL(&a))
				add_addr(cfg, &a);
		}
	}
	PL_REAL(freeifaddrs)(ifa);
}

static void parse_addrs(struct pl_config *cfg)
{
	const char *list = env("DEVMEM_LAB_ADDRS", NULL);
	struct in6_addr a;
	char *copy, *tok, *save;

	if (list) {
		copy = strdup(list);
		for (tok = copy ? strtok_r(copy, ",", &save) : NULL; tok;
		     tok = strtok_r(NULL, ",", &save)) {
			if (parse_addr(tok, &a))
				add_addr(cfg, &a);
			else
				fprintf(stderr, "devmem-lab run: '%s' is not an address; ignored\n", tok);
		}
		free(copy);
		return;
	}
	addrs_of_real_iface(cfg);
	if (cfg->nr_addrs)
		return;
	parse_addr("127.0.0.1", &a);
	add_addr(cfg, &a);
	add_addr(cfg, &in6addr_loopback);
}

static FILE *open_trace(const char *where)
{
	int fd;

	if (!where)
		return NULL;
	if (!strncmp(where, "fd:", 3)) {
		fd = fcntl(atoi(where + 3), F_DUPFD_CLOEXEC, 100);
		return fd < 0 ? NULL : fdopen(fd, "w");
	}
	return fopen(where, "we");
}

/* CAP_NET_ADMIN in the effective set, as genetlink's GENL_ADMIN_PERM checks. */
static bool process_has_net_admin(void)
{
	unsigned long long eff = 0;
	char line[256];
	bool found = false;
	FILE *f = fopen("/proc/self/status", "re");

	if (!f)
		return geteuid() == 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "CapEff: %llx", &eff) == 1) {
			found = true;
			break;
		}
	fclose(f);
	return found ? (eff >> 12) & 1 : geteuid() == 0;
}

static void read_config(struct pl_config *cfg)
{
	const char *v;

	snprintf(cfg->ifname, sizeof(cfg->ifname), "%s", env("DEVMEM_LAB_IFNAME", "eth0"));
	cfg->any_name = env_ulong("DEVMEM_LAB_ANY_NAME", 1, 0, 1);
	cfg->queues = (unsigned int)env_ulong("DEVMEM_LAB_QUEUES", 16, 1, 1024);
	cfg->header_split = env_ulong("DEVMEM_LAB_HEADER_SPLIT", 0, 0, 1);
	cfg->autorelease = (int)env_ulong("DEVMEM_LAB_AUTORELEASE", 0, 0, 1);
	v = env("DEVMEM_LAB_ADMIN", "auto");
	cfg->admin = !strcmp(v, "auto") ? process_has_net_admin() : !!atoi(v);
	v = env("DEVMEM_LAB_UDMABUF", "auto");
	cfg->udmabuf = !strcmp(v, "emulate") ? PL_UDMABUF_EMULATE
		     : !strcmp(v, "off")     ? PL_UDMABUF_OFF
					     : PL_UDMABUF_AUTO;
	cfg->check = env_ulong("DEVMEM_LAB_CHECK", 0, 0, 1);
	cfg->trace = open_trace(env("DEVMEM_LAB_TRACE", NULL));
	/* Absent: the report goes to stderr (a program started without `run`). */
	cfg->report_fd = env("DEVMEM_LAB_REPORT_FD", NULL)
			 ? (int)env_ulong("DEVMEM_LAB_REPORT_FD", 2, 0, INT_MAX) : -1;
	parse_addrs(cfg);
}

/* An index no real interface has, so if_indextoname() stays unambiguous. */
static uint32_t pick_ifindex(const char *name)
{
	struct if_nameindex *ni, *i;
	unsigned int idx = PL_REAL(if_nametoindex)(name), max = 0;

	if (idx)
		return idx;
	ni = if_nameindex();
	for (i = ni; i && i->if_index; i++)
		if (i->if_index > max)
			max = i->if_index;
	if (ni)
		if_freenameindex(ni);
	return max + 1;
}

/* Ingresses whose listener is closed, under retired_lock. */
static pthread_mutex_t retired_lock = PTHREAD_MUTEX_INITIALIZER;
static struct dml_tcp_ingress *retired[64];
static unsigned int nr_retired;

/* Frees those no connection needs any more (all, with @all). */
static void reap_retired(bool all)
{
	unsigned int i = 0;

	pthread_mutex_lock(&retired_lock);
	while (i < nr_retired) {
		if (all || !dml_tcp_ingress_conns(retired[i])) {
			dml_tcp_ingress_stop(retired[i]);
			retired[i] = retired[--nr_retired];
		} else {
			i++;
		}
	}
	pthread_mutex_unlock(&retired_lock);
}

void pl_ingress_retire(struct dml_tcp_ingress *ing)
{
	dml_tcp_ingress_close_listener(ing);
	reap_retired(false);
	pthread_mutex_lock(&retired_lock);
	if (nr_retired < sizeof(retired) / sizeof(retired[0])) {
		retired[nr_retired++] = ing;
		ing = NULL;
	}
	pthread_mutex_unlock(&retired_lock);
	/* No room left to let it drain: stopping now resets its connections. */
	if (ing)
		dml_tcp_ingress_stop(ing);
}

static void report(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* To `devmem-lab run` through its pipe, else to stderr. */
static void report(const char *fmt, ...)
{
	char line[4096];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(line))
		n = sizeof(line) - 1;
	if (PL_REAL(write)(state.cfg.report_fd >= 0 ? state.cfg.report_fd : 2, line,
			   (size_t)n) < 0)
		return;
}

/*
 * --check: the program is done; close what it left open as the kernel
 * would (sockets, netlink sockets and so their bindings), then prove every
 * net_iov is back where it belongs (S-7.3).
 */
static void exit_check(void)
{
	char text[2048];
	unsigned long warnings;
	int closed, err;

	PL_INSIDE_BEGIN();
	closed = pl_file_forget_all();
	reap_retired(true);
	err = dml_host_check(state.host, text, sizeof(text));
	warnings = dml_host_warnings(state.host);
	if (err || warnings)
		report("devmem-lab run: check failed: %s%s(%lu invariant warnings, %d fds left open)\n",
		       err ? text : "", err ? " " : "", warnings, closed);
	else
		report("devmem-lab run: check ok: every reference accounted for (%d fds left open closed at exit)\n",
		       closed);
	PL_INSIDE_END();
}

static void state_make(void)
{
	struct dml_netdev_config nc = { 0 };
	struct dml_host_config hc = {
		.rx_ring_size = DML_DEFAULT_RX_RING_SIZE,
		.pp_ring_size = DML_DEFAULT_PP_RING_SIZE,
	};
	int err;

	read_config(&state.cfg);
	hc.default_autorelease = state.cfg.autorelease;
	err = dml_host_create(&hc, &state.host);
	if (err)
		goto err;
	nc.name = state.cfg.ifname;
	nc.max_rx_queues = state.cfg.queues;
	nc.rx_queues = state.cfg.queues;
	nc.header_split = state.cfg.header_split;
	nc.ifindex = pick_ifindex(state.cfg.ifname);
	err = dml_netdev_create(state.host, &nc, &state.dev);
	if (err)
		goto err_host;
	state.ifindex = dml_netdev_ifindex(state.dev);
	if (state.cfg.check)
		atexit(exit_check);
	atomic_store_explicit(&state_ready, &state, memory_order_release);
	pl_trace("host up: %s ifindex %u, %u queues, header split %s", state.cfg.ifname,
		 state.ifindex, state.cfg.queues, state.cfg.header_split ? "on" : "off");
	return;

err_host:
	dml_host_destroy(state.host);
	state.host = NULL;
err:
	state_errno = -err;
	fprintf(stderr, "devmem-lab run: cannot make the emulated host: %s\n", strerror(-err));
}

struct pl_state *pl_state(void)
{
	struct pl_state *st = atomic_load_explicit(&state_ready, memory_order_acquire);

	if (st)
		return st;
	PL_INSIDE_BEGIN();
	pthread_once(&state_once, state_make);
	PL_INSIDE_END();
	st = atomic_load_explicit(&state_ready, memory_order_acquire);
	if (!st)
		errno = state_errno ? state_errno : ENOMEM;
	return st;
}

struct pl_state *pl_state_peek(void)
{
	return atomic_load_explicit(&state_ready, memory_order_acquire);
}

bool pl_addr_emulated(const struct pl_state *st, const struct sockaddr *sa, socklen_t len)
{
	struct in6_addr a;
	unsigned int i;

	if (sa->sa_family == AF_INET && len >= sizeof(struct sockaddr_in)) {
		memset(&a, 0, sizeof(a));
		a.s6_addr[10] = a.s6_addr[11] = 0xff;
		memcpy(&a.s6_addr[12], &((const struct sockaddr_in *)sa)->sin_addr, 4);
	} else if (sa->sa_family == AF_INET6 && len >= sizeof(struct sockaddr_in6)) {
		a = ((const struct sockaddr_in6 *)sa)->sin6_addr;
	} else {
		return false;
	}
	for (i = 0; i < st->cfg.nr_addrs; i++)
		if (!memcmp(&st->cfg.addrs[i], &a, sizeof(a)))
			return true;
	return false;
}

bool pl_ifname_emulated(struct pl_state *st, const char *name)
{
	if (!name || !*name)
		return false;
	if (dml_netdev_by_name(st->host, name))
		return true;
	/* A name the machine has is the machine's. */
	if (!st->cfg.any_name || strlen(name) >= IF_NAMESIZE || PL_REAL(if_nametoindex)(name))
		return false;
	if (dml_netdev_add_altname(st->dev, name))
		return false;
	pl_trace("interface %s: an alternative name of %s", name, st->cfg.ifname);
	return true;
}
