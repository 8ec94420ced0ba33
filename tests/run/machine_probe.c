// SPDX-License-Identifier: MIT
/*
 * Issue 15's machine around the program, seen from a program as a receiver
 * sees it, under `devmem-lab run --udmabuf emulate -- machine_probe`:
 * eth0 resolves (if_nametoindex, SIOCGIFINDEX on a socket, getifaddrs),
 * `sudo ethtool` through system() and popen() reaches the emulated NIC
 * with ethtool's statuses and output, and /dev/udmabuf makes a dma-buf of
 * a sealed memfd that maps the memfd's pages.  Uses libc only; exits 1
 * with the first thing that differs.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <linux/dma-buf.h>
#include <linux/udmabuf.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#define IFNAME	"eth0"

static int failures;

static void check(int ok, const char *what)
{
	printf("%s: %s\n", ok ? "ok" : "FAIL", what);
	failures += !ok;
}

static void names(void)
{
	unsigned int idx = if_nametoindex(IFNAME);
	struct ifreq ifr = { 0 };
	struct ifaddrs *ifa, *i;
	char name[IF_NAMESIZE];
	int s, found = 0;

	check(idx > 0, "if_nametoindex(eth0)");
	check(if_indextoname(idx, name) && !strcmp(name, IFNAME), "if_indextoname");
	s = socket(AF_INET, SOCK_DGRAM, 0);
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", IFNAME);
	check(s >= 0 && !ioctl(s, SIOCGIFINDEX, &ifr) && (unsigned int)ifr.ifr_ifindex == idx,
	      "SIOCGIFINDEX on a UDP socket");
	check(!ioctl(s, SIOCGIFFLAGS, &ifr) && (ifr.ifr_flags & IFF_UP), "SIOCGIFFLAGS: up");
	close(s);
	if (!getifaddrs(&ifa)) {
		for (i = ifa; i; i = i->ifa_next)
			found |= !strcmp(i->ifa_name, IFNAME) && i->ifa_addr;
		freeifaddrs(ifa);
	}
	check(found, "getifaddrs lists eth0");
}

/* The first line of @cmd's output containing @want; its exit status in *@status. */
static int popen_has(const char *cmd, const char *want, char *line, size_t len, int *status)
{
	FILE *p = popen(cmd, "r");
	int found = 0;

	if (!p)
		return 0;
	while (!found && fgets(line, (int)len, p))
		found = strstr(line, want) != NULL;
	while (fgetc(p) != EOF)
		;
	*status = pclose(p);
	return found;
}

static void ethtool(void)
{
	char line[256];
	int st, id = -1;

	st = system("sudo ethtool -L eth0 rx 4 tx 1");
	check(WIFEXITED(st) && WEXITSTATUS(st) == 0, "system(sudo ethtool -L eth0 rx 4 tx 1)");
	st = system("ethtool -L eth0 rx 999 2>/dev/null");
	check(WIFEXITED(st) && WEXITSTATUS(st) == 1, "system(ethtool -L eth0 rx 999): exit 1");
	check(popen_has("ethtool -N eth0 flow-type tcp4 dst-port 5201 queue 2",
			"Added rule with ID", line, sizeof(line), &st) &&
	      sscanf(line, "Added rule with ID %d", &id) == 1 && id >= 0 && st == 0,
	      "popen(ethtool -N ... queue 2): Added rule with ID N");
	check(popen_has("ethtool -l eth0", "Combined:\t0", line, sizeof(line), &st) && st == 0,
	      "popen(ethtool -l eth0)");
	snprintf(line, sizeof(line), "sudo -n ethtool -N eth0 delete %d", id);
	st = system(line);
	check(WIFEXITED(st) && WEXITSTATUS(st) == 0, "system(sudo -n ethtool -N eth0 delete N)");
}

static void udmabuf(void)
{
	long ps = sysconf(_SC_PAGESIZE);
	size_t size = 16 * (size_t)ps;
	struct udmabuf_create c = { .flags = UDMABUF_FLAGS_CLOEXEC, .size = size };
	struct dma_buf_sync sync = { 0 };
	int dev = open("/dev/udmabuf", O_RDWR | O_CLOEXEC), mfd, buf;
	char *a, *b;

	check(dev >= 0, "open(/dev/udmabuf)");
	mfd = memfd_create("probe", MFD_ALLOW_SEALING);
	if (mfd < 0 || ftruncate(mfd, (off_t)size) || fcntl(mfd, F_ADD_SEALS, F_SEAL_SHRINK)) {
		check(0, "a sealed memfd");
		return;
	}
	c.memfd = (unsigned int)mfd;
	buf = ioctl(dev, UDMABUF_CREATE, &c);
	check(buf >= 0, "UDMABUF_CREATE");
	if (buf < 0)
		return;
	a = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, mfd, 0);
	b = mmap(NULL, size, PROT_READ, MAP_SHARED, buf, 0);
	check(a != MAP_FAILED && b != MAP_FAILED, "mmap of the memfd and the dma-buf");
	if (a != MAP_FAILED && b != MAP_FAILED) {
		memcpy(a + size - 8, "shared!", 8);
		check(!strcmp(b + size - 8, "shared!"), "the dma-buf shows the memfd's pages");
	}
	check(ioctl(buf, DMA_BUF_IOCTL_SYNC, &sync) == -1 && errno == EINVAL,
	      "DMA_BUF_IOCTL_SYNC without READ/WRITE: EINVAL");
	sync.flags = DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ;
	check(ioctl(buf, DMA_BUF_IOCTL_SYNC, &sync) == 0, "DMA_BUF_IOCTL_SYNC START|READ");
	c.size = size - 1;
	check(ioctl(dev, UDMABUF_CREATE, &c) == -1 && errno == EINVAL,
	      "UDMABUF_CREATE of an unaligned size: EINVAL");
	close(buf);
	close(mfd);
	close(dev);
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	names();
	ethtool();
	udmabuf();
	printf("%s\n", failures ? "machine_probe: FAILED" : "machine_probe: ok");
	return failures ? 1 : 0;
}
