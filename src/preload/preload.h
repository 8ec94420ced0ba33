/* SPDX-License-Identifier: MIT */
/*
 * libdevmem-lab-preload: what its files share.  The library interposes on
 * libc's entry points; an fd the program got from the emulation (a TCP
 * socket on the emulated interface, a generic netlink socket, /dev/udmabuf
 * and its dma-bufs) has an entry in the fd table and its calls go to the
 * emulated host; every other fd goes to the kernel through the real libc
 * function, untouched.
 */
#ifndef DML_PRELOAD_H
#define DML_PRELOAD_H

#include <errno.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/types.h>

#include "devmem/devmem.h"

/* ---- the real libc functions (real.c) ---------------------------------- */

struct pl_real {
	int (*socket)(int, int, int);
	int (*close)(int);
	int (*close_range)(unsigned int, unsigned int, int);
	ssize_t (*read)(int, void *, size_t);
	ssize_t (*readv)(int, const struct iovec *, int);
	ssize_t (*write)(int, const void *, size_t);
	ssize_t (*writev)(int, const struct iovec *, int);
	ssize_t (*recv)(int, void *, size_t, int);
	ssize_t (*recvfrom)(int, void *, size_t, int, struct sockaddr *, socklen_t *);
	ssize_t (*recvmsg)(int, struct msghdr *, int);
	ssize_t (*send)(int, const void *, size_t, int);
	ssize_t (*sendto)(int, const void *, size_t, int, const struct sockaddr *, socklen_t);
	ssize_t (*sendmsg)(int, const struct msghdr *, int);
	int (*setsockopt)(int, int, int, const void *, socklen_t);
	int (*getsockopt)(int, int, int, void *, socklen_t *);
	int (*getsockname)(int, struct sockaddr *, socklen_t *);
	int (*getpeername)(int, struct sockaddr *, socklen_t *);
	int (*bind)(int, const struct sockaddr *, socklen_t);
	int (*connect)(int, const struct sockaddr *, socklen_t);
	int (*listen)(int, int);
	int (*accept)(int, struct sockaddr *, socklen_t *);
	int (*accept4)(int, struct sockaddr *, socklen_t *, int);
	int (*shutdown)(int, int);
	int (*fcntl)(int, int, ...);
	int (*ioctl)(int, unsigned long, ...);
	int (*dup)(int);
	int (*dup2)(int, int);
	int (*dup3)(int, int, int);
	int (*open)(const char *, int, ...);
	int (*open64)(const char *, int, ...);
	int (*openat)(int, const char *, int, ...);
	int (*openat64)(int, const char *, int, ...);
	unsigned int (*if_nametoindex)(const char *);
	char *(*if_indextoname)(unsigned int, char *);
	struct if_nameindex *(*if_nameindex)(void);
	void (*if_freenameindex)(struct if_nameindex *);
	int (*getifaddrs)(struct ifaddrs **);
	void (*freeifaddrs)(struct ifaddrs *);
	int (*system)(const char *);
	FILE *(*popen)(const char *, const char *);
	int (*pclose)(FILE *);
};

extern struct pl_real pl_real;
void pl_real_resolve(void);

/* A real function, found first if a call comes before our constructor ran. */
#define PL_REAL(name) (pl_real.name ? pl_real.name : (pl_real_resolve(), pl_real.name))

/*
 * Non-zero while this thread runs the emulation's own code: the model calls
 * libc too (the ingress listens on a kernel socket bound to an emulated
 * address), and those calls must reach the kernel, not come back here.
 * Every entry point that may decide to emulate checks it first.
 */
extern _Thread_local int pl_inside;
#define PL_INSIDE_BEGIN() (pl_inside++)
#define PL_INSIDE_END() (pl_inside--)

/* ---- the fd table (fdtable.c) ------------------------------------------ */

struct pl_file;

/*
 * What an emulated fd does.  A NULL entry answers as the kernel answers a
 * call that does not apply (see the callers in calls_*.c).
 */
struct pl_file_ops {
	const char *kind;		/* for --trace: "tcp", "netlink", ... */
	/*
	 * Data and fd calls with no entry here go to the kernel's fd (a
	 * dma-buf is a real memfd underneath: read, write, mmap are its own).
	 */
	bool pass_data;
	ssize_t (*recvmsg)(struct pl_file *f, struct msghdr *msg, int flags);
	ssize_t (*sendmsg)(struct pl_file *f, const struct msghdr *msg, int flags);
	int (*setsockopt)(struct pl_file *f, int level, int name, const void *val,
			  socklen_t len);
	int (*getsockopt)(struct pl_file *f, int level, int name, void *val,
			  socklen_t *len);
	int (*bind)(struct pl_file *f, const struct sockaddr *sa, socklen_t len);
	int (*connect)(struct pl_file *f, const struct sockaddr *sa, socklen_t len);
	int (*getsockname)(struct pl_file *f, struct sockaddr *sa, socklen_t *len);
	int (*getpeername)(struct pl_file *f, struct sockaddr *sa, socklen_t *len);
	int (*listen)(struct pl_file *f, int backlog);
	/* Returns the new fd or -errno. */
	int (*accept)(struct pl_file *f, struct sockaddr *sa, socklen_t *len, int flags);
	int (*shutdown)(struct pl_file *f, int how);
	/* -ENOTTY sends the request on to the kernel's fd. */
	int (*ioctl)(struct pl_file *f, unsigned long req, void *arg);
	/* The last reference went: undo what the kind holds.  May be NULL. */
	void (*release)(struct pl_file *f);
};

struct pl_file {
	const struct pl_file_ops *ops;
	/*
	 * One reference per fd-table slot naming the file and one per call in
	 * flight.  The memory is never given back to malloc (a freed file is
	 * reused), so a lookup racing a close may raise a count it then finds
	 * stale: see pl_file_get().
	 */
	atomic_int refs;
	/*
	 * The file's own eventfd, which each of the program's fds for it
	 * duplicates: readable while the emulated object is, so the kernel's
	 * poll, select and epoll work on it unchanged.  -1 for kinds with no
	 * readiness.  @signalled mirrors a non-zero counter.
	 */
	int efd;
	atomic_bool signalled;
	/* O_NONBLOCK as the program set it, per file as F_SETFL is. */
	atomic_int status_flags;
	void *priv;
	struct pl_file *free_next;	/* under the table's lock while free */
};

struct pl_file *pl_file_new(const struct pl_file_ops *ops, void *priv, bool readiness);
struct pl_file *pl_file_get(int fd);
void pl_file_put(struct pl_file *f);
/*
 * Publishes @f at @fd (taking a reference); replaces nothing.  -EMFILE
 * past the table's range.
 */
int pl_file_install(int fd, struct pl_file *f);
/* Removes @fd's entry, if any, and drops its reference. */
void pl_file_forget(int fd);
/* A new fd for @f (a duplicate of its eventfd, at or above @min), installed. */
int pl_file_new_fd(struct pl_file *f, int min, bool cloexec);
bool pl_fd_emulated(int fd);
/* Closes every emulated fd, as the kernel does at exit; returns how many. */
int pl_file_forget_all(void);

/* Readiness: tell pollers the file is readable, or that it no longer is. */
void pl_file_signal(struct pl_file *f);
void pl_file_unsignal(struct pl_file *f);

/* ---- options kept for reading back (sockopts.c) -------------------------- */

#define PL_MAX_SOCKOPTS	16

struct pl_sockopts {
	pthread_mutex_t lock;	/* protects the table */
	struct {
		int level, name, value;
	} opt[PL_MAX_SOCKOPTS];
	unsigned int nr;
};

void pl_sockopts_init(struct pl_sockopts *so);
void pl_sockopts_destroy(struct pl_sockopts *so);
/* -EINVAL for a value shorter than an int, -ENOMEM when the table is full. */
int pl_sockopts_set(struct pl_sockopts *so, int level, int name, const void *val,
		    socklen_t len);
bool pl_sockopts_get(struct pl_sockopts *so, int level, int name, int *out);
/* getsockopt's copy-out of an int: -EINVAL when the room is short. */
int pl_sockopt_put_int(int v, void *val, socklen_t *len);

/* ---- the process's emulated host (state.c) ------------------------------ */

#define PL_MAX_ADDRS	8

struct pl_config {
	char ifname[IF_NAMESIZE];
	bool any_name;			/* unknown interface names alias the NIC */
	/* Listeners bound to these addresses are emulated (v4 as ::ffff:). */
	struct in6_addr addrs[PL_MAX_ADDRS];
	unsigned int nr_addrs;
	unsigned int queues;
	bool header_split;
	int autorelease;		/* bind-rx without the attribute: 0 or 1 */
	int admin;			/* -1: as the process's capabilities say */
	int udmabuf;			/* PL_UDMABUF_* */
	bool check;
	FILE *trace;
	int report_fd;			/* where the exit summary goes, or -1 */
};

enum { PL_UDMABUF_AUTO, PL_UDMABUF_EMULATE, PL_UDMABUF_OFF };

struct pl_state {
	struct pl_config cfg;
	struct dml_host *host;
	struct dml_netdev *dev;
	uint32_t ifindex;
};

/* The host, made on first use; NULL (errno set) when it cannot be. */
struct pl_state *pl_state(void);
/* The state if it was ever made, without making it. */
struct pl_state *pl_state_peek(void);

void pl_trace(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* True when --trace is on: callers skip building a trace line otherwise. */
bool pl_tracing(void);

/* Is @sa (AF_INET or AF_INET6) one of the emulated interface's addresses? */
bool pl_addr_emulated(const struct pl_state *st, const struct sockaddr *sa, socklen_t len);
/* Does @name name the emulated NIC (adding an alias when any_name allows)? */
bool pl_ifname_emulated(struct pl_state *st, const char *name);

/* ---- the machine around the program (ifaces.c, udmabuf.c, shell.c) ------- */

/*
 * Each returns true when it answered the call (the result in *@ret, errno
 * set on failure), false to let the kernel answer it.
 */
bool pl_ifaces_ioctl(int fd, unsigned long req, void *arg, int *ret);
bool pl_udmabuf_open(const char *path, int flags, int *ret);
bool pl_shell_system(const char *cmd, int *ret);
bool pl_shell_popen(const char *cmd, const char *mode, FILE **ret);
bool pl_shell_pclose(FILE *stream, int *ret);

/* ---- per-kind constructors ------------------------------------------------ */

/*
 * state.c: a listener's ingress, once its listener is closed, serves its
 * connections until they end; freed then, or at exit.
 */
void pl_ingress_retire(struct dml_tcp_ingress *ing);

/* tcp.c: turn the kernel socket at @fd into an emulated listener. */
int pl_tcp_listen(struct pl_state *st, int fd, int backlog);

/* netlink.c: an emulated NETLINK_GENERIC socket; returns the fd or -errno. */
int pl_netlink_socket(struct pl_state *st, int type);

/*
 * glibc declares the socket calls' address with a transparent union under
 * _GNU_SOURCE; our definitions must match its prototypes exactly.
 */
#if defined(__USE_GNU) && !defined(__cplusplus)
#define PL_SA(a) ((a).__sockaddr__)
#else
#define PL_SA(a) (a)
#endif

/* Sets errno from a -errno result and returns -1; passes others through. */
static inline long pl_ret(long ret)
{
	if (ret < 0) {
		errno = (int)-ret;
		return -1;
	}
	return ret;
}

#endif /* DML_PRELOAD_H */
