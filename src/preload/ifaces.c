// SPDX-License-Identifier: MIT
/*
 * The emulated NIC's name as the program looks it up (issue 15):
 * if_nametoindex() and friends, the SIOCGIF* ioctls on any socket and
 * getifaddrs().  A name the machine itself has stays the machine's, except
 * the configured one: that is the emulated NIC even where a real interface
 * of that name exists (it then carries the real one's index).  The host is
 * made only when a call names the emulated NIC, or lists interfaces while
 * the machine has none of its name.
 */
#include <linux/sockios.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "machine.h"

#define EMULATED_FLAGS	(IFF_UP | IFF_RUNNING | IFF_BROADCAST | IFF_MULTICAST)
#define EMULATED_MTU	1500

/* The interface the emulated NIC is, before the state exists. */
static const char *configured_ifname(void)
{
	struct pl_state *st = pl_state_peek();
	const char *v;

	if (st)
		return st->cfg.ifname;
	/* The same variable and default state.c reads. */
	v = getenv("DEVMEM_LAB_IFNAME");
	return v && *v ? v : "eth0";
}

static bool any_name_configured(void)
{
	struct pl_state *st = pl_state_peek();
	const char *v;

	if (st)
		return st->cfg.any_name;
	v = getenv("DEVMEM_LAB_ANY_NAME");
	return !v || strcmp(v, "0");
}

struct pl_state *pl_iface_state(const char *name)
{
	struct pl_state *st = pl_state_peek();

	if (!name || !*name)
		return NULL;
	if (!st) {
		if (strcmp(name, configured_ifname()) &&
		    (!any_name_configured() || PL_REAL(if_nametoindex)(name)))
			return NULL;
		st = pl_state();
		if (!st)
			return NULL;
	}
	return pl_ifname_emulated(st, name) ? st : NULL;
}

bool pl_ifaces_nametoindex(const char *name, unsigned int *idx)
{
	struct pl_state *st = pl_iface_state(name);

	if (!st)
		return false;
	*idx = st->ifindex;
	return true;
}

bool pl_ifaces_indextoname(unsigned int idx, char *buf)
{
	struct pl_state *st = pl_state_peek();

	/* Before the state exists no index can be the emulated NIC's. */
	if (!st || idx != st->ifindex)
		return false;
	memcpy(buf, st->cfg.ifname, IF_NAMESIZE);
	return true;
}

bool pl_ifaces_ioctl(int fd, unsigned long req, void *arg, int *ret)
{
	struct ifreq *ifr = arg;
	char name[IFNAMSIZ];
	struct pl_state *st;

	(void)fd;
	/* The emulation's own ioctls are the kernel's. */
	if (pl_inside)
		return false;
	switch (req) {
	case SIOCGIFINDEX:
	case SIOCGIFNAME:
	case SIOCGIFFLAGS:
	case SIOCGIFMTU:
	case SIOCETHTOOL:
		break;
	default:
		return false;
	}
	/* A bad pointer is the kernel's to refuse (EFAULT). */
	if (!ifr)
		return false;
	if (req == SIOCGIFNAME) {
		st = pl_state_peek();
		if (!st || ifr->ifr_ifindex <= 0 || (uint32_t)ifr->ifr_ifindex != st->ifindex)
			return false;
		memcpy(ifr->ifr_name, st->cfg.ifname, IFNAMSIZ);
		*ret = 0;
		return true;
	}
	/* The kernel reads the name as at most IFNAMSIZ - 1 characters. */
	memcpy(name, ifr->ifr_name, IFNAMSIZ);
	name[IFNAMSIZ - 1] = '\0';
	st = pl_iface_state(name);
	if (!st)
		return false;
	*ret = 0;
	switch (req) {
	case SIOCGIFINDEX:
		ifr->ifr_ifindex = (int)st->ifindex;
		break;
	case SIOCGIFFLAGS:
		ifr->ifr_flags = EMULATED_FLAGS;
		break;
	case SIOCGIFMTU:
		ifr->ifr_mtu = EMULATED_MTU;
		break;
	default:
		pl_trace("ioctl(SIOCETHTOOL) on %s: the ioctl ethtool API is not emulated "
			 "(use the ethtool command or netlink)", name);
		errno = EOPNOTSUPP;
		*ret = -1;
		break;
	}
	return true;
}

/* ---- lists handed out ---------------------------------------------------- */

/*
 * A list the preload built: if_nameindex()'s copy, or getifaddrs()'s real
 * list with the emulated entries appended after @tail (NULL: no real ones).
 */
struct owned {
	const void *head;
	struct ifaddrs *tail;
	struct owned *next;
};

static pthread_mutex_t owned_lock = PTHREAD_MUTEX_INITIALIZER;
static struct owned *owned_lists;

static bool own(const void *head, struct ifaddrs *tail)
{
	struct owned *o = malloc(sizeof(*o));

	if (!o)
		return false;
	o->head = head;
	o->tail = tail;
	pthread_mutex_lock(&owned_lock);
	o->next = owned_lists;
	owned_lists = o;
	pthread_mutex_unlock(&owned_lock);
	return true;
}

/* Forgets @head if it is ours; true then, with its tail in *@tail. */
static bool disown(const void *head, struct ifaddrs **tail)
{
	struct owned **p, *o = NULL;

	pthread_mutex_lock(&owned_lock);
	for (p = &owned_lists; *p; p = &(*p)->next)
		if ((*p)->head == head) {
			o = *p;
			*p = o->next;
			break;
		}
	pthread_mutex_unlock(&owned_lock);
	if (!o)
		return false;
	if (tail)
		*tail = o->tail;
	free(o);
	return true;
}

/* The state when a listing should show the emulated NIC the machine lacks. */
static struct pl_state *listing_state(bool machine_has_it)
{
	return machine_has_it ? NULL : pl_state();
}

static void nameindex_free(struct if_nameindex *ni)
{
	struct if_nameindex *i;

	for (i = ni; i->if_index || i->if_name; i++)
		free(i->if_name);
	free(ni);
}

struct if_nameindex *pl_ifaces_nameindex(struct if_nameindex *real)
{
	const char *want = configured_ifname();
	struct if_nameindex *ni;
	struct pl_state *st;
	size_t n = 0, i;
	bool has = false;

	for (; real[n].if_index; n++)
		has |= !strcmp(real[n].if_name, want);
	st = listing_state(has);
	if (!st)
		return NULL;
	ni = calloc(n + 2, sizeof(*ni));
	if (!ni)
		return NULL;
	for (i = 0; i <= n; i++) {
		ni[i].if_index = i < n ? real[i].if_index : st->ifindex;
		ni[i].if_name = strdup(i < n ? real[i].if_name : st->cfg.ifname);
		if (!ni[i].if_name)
			goto err;
	}
	if (own(ni, NULL))
		return ni;
err:
	nameindex_free(ni);
	return NULL;
}

bool pl_ifaces_freenameindex(struct if_nameindex *ni)
{
	if (!ni || !disown(ni, NULL))
		return false;
	nameindex_free(ni);
	return true;
}

/* One getifaddrs() entry of the emulated NIC, in one allocation. */
struct emu_ifaddr {
	struct ifaddrs ifa;
	char name[IF_NAMESIZE];
	struct sockaddr_storage addr, mask;
};

static struct ifaddrs *emu_entry(const struct pl_state *st, const struct in6_addr *a)
{
	struct emu_ifaddr *e = calloc(1, sizeof(*e));
	struct sockaddr_in6 *a6, *m6;
	struct sockaddr_in *a4, *m4;

	if (!e)
		return NULL;
	memcpy(e->name, st->cfg.ifname, IF_NAMESIZE);
	e->ifa.ifa_name = e->name;
	e->ifa.ifa_flags = EMULATED_FLAGS;
	e->ifa.ifa_addr = (struct sockaddr *)&e->addr;
	e->ifa.ifa_netmask = (struct sockaddr *)&e->mask;
	if (IN6_IS_ADDR_V4MAPPED(a)) {
		a4 = (struct sockaddr_in *)&e->addr;
		m4 = (struct sockaddr_in *)&e->mask;
		a4->sin_family = m4->sin_family = AF_INET;
		memcpy(&a4->sin_addr, &a->s6_addr[12], 4);
		m4->sin_addr.s_addr = 0xffffffff;
		/* A host route: its broadcast address is the address. */
		e->ifa.ifa_broadaddr = e->ifa.ifa_addr;
	} else {
		a6 = (struct sockaddr_in6 *)&e->addr;
		m6 = (struct sockaddr_in6 *)&e->mask;
		a6->sin6_family = m6->sin6_family = AF_INET6;
		a6->sin6_addr = *a;
		memset(&m6->sin6_addr, 0xff, sizeof(m6->sin6_addr));
	}
	return &e->ifa;
}

static void emu_free(struct ifaddrs *first)
{
	struct ifaddrs *next;

	for (; first; first = next) {
		next = first->ifa_next;
		free(first);
	}
}

int pl_ifaces_getifaddrs(struct ifaddrs **out)
{
	struct ifaddrs *real, *tail = NULL, *first = NULL, **link = &first, *i;
	const char *want = configured_ifname();
	struct pl_state *st;
	bool has = false;
	unsigned int k;

	if (PL_REAL(getifaddrs)(&real))
		return -1;
	for (i = real; i; i = i->ifa_next) {
		has |= !strcmp(i->ifa_name, want);
		tail = i;
	}
	st = listing_state(has);
	*out = real;
	if (!st || !st->cfg.nr_addrs)
		return 0;
	for (k = 0; k < st->cfg.nr_addrs; k++) {
		*link = emu_entry(st, &st->cfg.addrs[k]);
		if (!*link)
			goto err;
		link = &(*link)->ifa_next;
	}
	if (tail)
		tail->ifa_next = first;
	if (!own(tail ? real : first, tail)) {
		if (tail)
			tail->ifa_next = NULL;
		goto err;
	}
	*out = tail ? real : first;
	return 0;
err:
	emu_free(first);
	PL_REAL(freeifaddrs)(real);
	errno = ENOMEM;
	return -1;
}

void pl_ifaces_freeifaddrs(struct ifaddrs *ifa)
{
	struct ifaddrs *tail;

	if (!ifa || !disown(ifa, &tail)) {
		PL_REAL(freeifaddrs)(ifa);
		return;
	}
	if (!tail) {
		emu_free(ifa);
		return;
	}
	emu_free(tail->ifa_next);
	tail->ifa_next = NULL;
	PL_REAL(freeifaddrs)(ifa);
}
