/* SPDX-License-Identifier: MIT */
/*
 * The machine around the program (issue 15): interface names, /dev/udmabuf
 * and the ethtool commands a receiver runs through the shell.  What
 * calls_files.c and the unit tests need of ifaces.c, udmabuf.c, shell.c and
 * ethtool_cmd.c beyond the hooks preload.h declares.
 */
#ifndef DML_PRELOAD_MACHINE_H
#define DML_PRELOAD_MACHINE_H

#include <stdbool.h>
#include <stdio.h>

#include "preload.h"

/* ---- ifaces.c -------------------------------------------------------------- */

/*
 * The state when @name is the emulated NIC (or becomes an alias of it),
 * else NULL.  Makes the host only for the configured name or a name the
 * machine does not have.
 */
struct pl_state *pl_iface_state(const char *name);

/* if_nametoindex() and if_indextoname() of the NIC; false: not its name/index. */
bool pl_ifaces_nametoindex(const char *name, unsigned int *idx);
bool pl_ifaces_indextoname(unsigned int idx, char *buf);
/* The real list with the emulated NIC added, or NULL: use the real one. */
struct if_nameindex *pl_ifaces_nameindex(struct if_nameindex *real);
/* True when @ni came from pl_ifaces_nameindex() (and is freed now). */
bool pl_ifaces_freenameindex(struct if_nameindex *ni);
/*
 * getifaddrs() and freeifaddrs(): 0, or -1 with errno as libc's or ENOMEM
 * for the emulated entries.
 */
int pl_ifaces_getifaddrs(struct ifaddrs **out);
void pl_ifaces_freeifaddrs(struct ifaddrs *ifa);

/* ---- udmabuf.c ------------------------------------------------------------- */

/* The kernel's size_limit_mb, or DEVMEM_LAB_UDMABUF_LIMIT_MB. */
#define PL_UDMABUF_LIMIT_MB	64

/*
 * Makes @fd (an fd the caller opened) the emulated /dev/udmabuf: its
 * ioctls are UDMABUF_CREATE and UDMABUF_CREATE_LIST.  0, -ENOMEM, or
 * -EMFILE for an fd beyond the fd table.
 */
int pl_udmabuf_install(int fd);

/* ---- shell.c --------------------------------------------------------------- */

#define PL_SHELL_MAX_ARGS	48

/* Where one of the command's outputs goes, as its redirections leave it. */
struct pl_redir {
	enum { PL_TO_STDOUT, PL_TO_STDERR, PL_TO_FILE } to;
	const char *path;	/* PL_TO_FILE: two outputs naming one file share it */
	bool append;
};

/* A command line taken apart; the strings point into @buf. */
struct pl_shell_cmd {
	char *buf;
	int argc;			/* ethtool's argv; argv[0] as typed */
	char *argv[PL_SHELL_MAX_ARGS + 1];
	bool sudo;
	struct pl_redir out, err;	/* where fd 1 and fd 2 go */
};

/*
 * Takes @line apart when it is `[sudo [flags]] ethtool ARGS [redirections]`
 * and nothing else the shell would interpret.  0, -ENOENT when it is not
 * such a command (the real shell runs it), -ENOMEM.
 */
int pl_shell_parse(const char *line, struct pl_shell_cmd *cmd);
void pl_shell_cmd_free(struct pl_shell_cmd *cmd);

/* ---- ethtool_cmd.c --------------------------------------------------------- */

/*
 * Runs ethtool's @argv against the emulated NIC, printing on @out and @err
 * what ethtool prints.  Returns ethtool's exit status, or -1 when the
 * command does not name the emulated NIC (not ours).
 */
int pl_ethtool_run(struct pl_state *st, int argc, char **argv, FILE *out, FILE *err);
/*
 * Is @argv `ethtool -OPTION DEVICE ...`, a command on a device?  Global
 * flags (--debug N, --json, ...) and the bare `ethtool DEVICE` are not.
 */
bool pl_ethtool_device_command(int argc, char **argv);

#endif /* DML_PRELOAD_MACHINE_H */
