// SPDX-License-Identifier: MIT
/*
 * The libc entry points of the machine around the program, interposed:
 * opening /dev/udmabuf, running a command through the shell, and looking
 * interfaces up.  Each asks its hook (udmabuf.c, shell.c, ifaces.c) whether
 * the call is the emulation's and otherwise calls the real function with
 * the same arguments.
 */
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <sys/types.h>

#include "machine.h"

#define EXPORT __attribute__((visibility("default")))

/* The fortified forms, which libc declares only under _FORTIFY_SOURCE. */
int __open_2(const char *path, int flags);
int __open64_2(const char *path, int flags);
int __openat_2(int dirfd, const char *path, int flags);
int __openat64_2(int dirfd, const char *path, int flags);

/*
 * Runs a hook as the emulation's own code (its libc calls reach the
 * kernel), unless the caller already is: then the call is not the
 * program's and stays the kernel's.
 */
#define HOOK(done, call)							\
	do {									\
		(done) = false;							\
		if (!pl_inside) {						\
			PL_INSIDE_BEGIN();					\
			(done) = (call);					\
			PL_INSIDE_END();					\
		}								\
	} while (0)

/* open()'s mode argument exists only with these flags. */
static bool takes_mode(int flags)
{
	return (flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE;
}

/* mode_t travels through "..." as an int. */
#define MODE_ARG(flags, mode)							\
	do {									\
		va_list ap;							\
										\
		if (takes_mode(flags)) {					\
			va_start(ap, flags);					\
			(mode) = (mode_t)va_arg(ap, int);			\
			va_end(ap);						\
		}								\
	} while (0)

static bool udmabuf_open(const char *path, int flags, int *ret)
{
	bool done;

	if (!path)
		return false;
	HOOK(done, pl_udmabuf_open(path, flags, ret));
	return done;
}

EXPORT int open(const char *path, int flags, ...)
{
	mode_t mode = 0;
	int ret;

	MODE_ARG(flags, mode);
	if (udmabuf_open(path, flags, &ret))
		return ret;
	return takes_mode(flags) ? PL_REAL(open)(path, flags, mode) : PL_REAL(open)(path, flags);
}

EXPORT int open64(const char *path, int flags, ...)
{
	mode_t mode = 0;
	int ret;

	MODE_ARG(flags, mode);
	if (udmabuf_open(path, flags, &ret))
		return ret;
	return takes_mode(flags) ? PL_REAL(open64)(path, flags, mode)
				 : PL_REAL(open64)(path, flags);
}

/* "/dev/udmabuf" is absolute: the directory fd does not matter. */
EXPORT int openat(int dirfd, const char *path, int flags, ...)
{
	mode_t mode = 0;
	int ret;

	MODE_ARG(flags, mode);
	if (udmabuf_open(path, flags, &ret))
		return ret;
	return takes_mode(flags) ? PL_REAL(openat)(dirfd, path, flags, mode)
				 : PL_REAL(openat)(dirfd, path, flags);
}

EXPORT int openat64(int dirfd, const char *path, int flags, ...)
{
	mode_t mode = 0;
	int ret;

	MODE_ARG(flags, mode);
	if (udmabuf_open(path, flags, &ret))
		return ret;
	return takes_mode(flags) ? PL_REAL(openat64)(dirfd, path, flags, mode)
				 : PL_REAL(openat64)(dirfd, path, flags);
}

/*
 * _FORTIFY_SOURCE's forms, called for an open() without a mode; the real
 * open() gets the call as the fortified one would pass it on.
 */
EXPORT int __open_2(const char *path, int flags)
{
	int ret;

	if (udmabuf_open(path, flags, &ret))
		return ret;
	return PL_REAL(open)(path, flags);
}

EXPORT int __open64_2(const char *path, int flags)
{
	int ret;

	if (udmabuf_open(path, flags, &ret))
		return ret;
	return PL_REAL(open64)(path, flags);
}

EXPORT int __openat_2(int dirfd, const char *path, int flags)
{
	int ret;

	if (udmabuf_open(path, flags, &ret))
		return ret;
	return PL_REAL(openat)(dirfd, path, flags);
}

EXPORT int __openat64_2(int dirfd, const char *path, int flags)
{
	int ret;

	if (udmabuf_open(path, flags, &ret))
		return ret;
	return PL_REAL(openat64)(dirfd, path, flags);
}

EXPORT int system(const char *cmd)
{
	bool done = false;
	int ret;

	if (cmd)
		HOOK(done, pl_shell_system(cmd, &ret));
	if (done)
		return ret;
	return PL_REAL(system)(cmd);
}

EXPORT FILE *popen(const char *cmd, const char *mode)
{
	bool done = false;
	FILE *ret;

	if (cmd)
		HOOK(done, pl_shell_popen(cmd, mode, &ret));
	if (done)
		return ret;
	return PL_REAL(popen)(cmd, mode);
}

/* Only streams popen() made here are ours, whoever closes them. */
EXPORT int pclose(FILE *stream)
{
	int ret;

	if (pl_shell_pclose(stream, &ret))
		return ret;
	return PL_REAL(pclose)(stream);
}

EXPORT unsigned int if_nametoindex(const char *name)
{
	unsigned int idx;
	bool done;

	HOOK(done, pl_ifaces_nametoindex(name, &idx));
	if (done)
		return idx;
	return PL_REAL(if_nametoindex)(name);
}

EXPORT char *if_indextoname(unsigned int idx, char buf[IF_NAMESIZE])
{
	bool done = false;

	if (buf)
		HOOK(done, pl_ifaces_indextoname(idx, buf));
	if (done)
		return buf;
	return PL_REAL(if_indextoname)(idx, buf);
}

EXPORT struct if_nameindex *if_nameindex(void)
{
	struct if_nameindex *real = PL_REAL(if_nameindex)(), *ours = NULL;

	if (!real || pl_inside)
		return real;
	PL_INSIDE_BEGIN();
	ours = pl_ifaces_nameindex(real);
	PL_INSIDE_END();
	if (!ours)
		return real;
	PL_REAL(if_freenameindex)(real);
	return ours;
}

EXPORT void if_freenameindex(struct if_nameindex *ni)
{
	if (!pl_ifaces_freenameindex(ni))
		PL_REAL(if_freenameindex)(ni);
}

EXPORT int getifaddrs(struct ifaddrs **out)
{
	int ret;

	if (pl_inside)
		return PL_REAL(getifaddrs)(out);
	PL_INSIDE_BEGIN();
	ret = pl_ifaces_getifaddrs(out);
	PL_INSIDE_END();
	return ret;
}

EXPORT void freeifaddrs(struct ifaddrs *ifa)
{
	pl_ifaces_freeifaddrs(ifa);
}
