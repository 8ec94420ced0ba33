// SPDX-License-Identifier: MIT
/*
 * The libc functions the preload stands in front of, found once with
 * dlsym(RTLD_NEXT) before main() runs, so an interposed call never has to
 * ask at a time when it may not allocate.
 */
#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "preload.h"

struct pl_real pl_real;
_Thread_local int pl_inside;

#define RESOLVE(name)								\
	do {									\
		*(void **)&pl_real.name = dlsym(RTLD_NEXT, #name);		\
		if (!pl_real.name)						\
			missing(#name);						\
	} while (0)

/* A libc without one of these cannot run the program at all. */
static void missing(const char *name)
{
	static const char msg[] = "libdevmem-lab-preload: libc has no ";
	ssize_t n = write(2, msg, sizeof(msg) - 1);

	n += write(2, name, strlen(name));
	n += write(2, "\n", 1);
	(void)n;
	abort();
}

__attribute__((constructor(101))) void pl_real_resolve(void)
{
	RESOLVE(socket);
	RESOLVE(close);
	RESOLVE(close_range);
	RESOLVE(read);
	RESOLVE(readv);
	RESOLVE(write);
	RESOLVE(writev);
	RESOLVE(recv);
	RESOLVE(recvfrom);
	RESOLVE(recvmsg);
	RESOLVE(send);
	RESOLVE(sendto);
	RESOLVE(sendmsg);
	RESOLVE(setsockopt);
	RESOLVE(getsockopt);
	RESOLVE(getsockname);
	RESOLVE(getpeername);
	RESOLVE(bind);
	RESOLVE(connect);
	RESOLVE(listen);
	RESOLVE(accept);
	RESOLVE(accept4);
	RESOLVE(shutdown);
	RESOLVE(fcntl);
	RESOLVE(ioctl);
	RESOLVE(dup);
	RESOLVE(dup2);
	RESOLVE(dup3);
	RESOLVE(open);
	RESOLVE(open64);
	RESOLVE(openat);
	RESOLVE(openat64);
	RESOLVE(if_nametoindex);
	RESOLVE(if_indextoname);
	RESOLVE(if_nameindex);
	RESOLVE(if_freenameindex);
	RESOLVE(getifaddrs);
	RESOLVE(freeifaddrs);
	RESOLVE(system);
	RESOLVE(popen);
	RESOLVE(pclose);
}
