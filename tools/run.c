// SPDX-License-Identifier: MIT
/*
 * devmem-lab run [options] -- PROGRAM ARGS...: the program, unmodified,
 * with libdevmem-lab-preload.so in LD_PRELOAD, so the kernel calls a devmem
 * receiver makes reach an emulated host inside it.  This process only sets
 * the environment up, waits, and hands the program's exit status back.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"

/* The program ran and exited 0, but --check found a leaked reference. */
#define EXIT_CHECK_FAILED 3

struct run_opts {
	const char *ifname;
	bool strict_names;
	char addrs[512];
	unsigned long queues;
	int header_split;
	const char *udmabuf;
	int autorelease;
	const char *admin;
	const char *trace;
	bool check;
	const char *preload;
};

static void run_usage(FILE *out)
{
	fprintf(out,
		"usage: devmem-lab run [options] -- PROGRAM [ARGS...]\n"
		"Runs PROGRAM unmodified against an emulated devmem host: its generic netlink\n"
		"sockets (netdev and ethtool families), TCP listeners on the emulated\n"
		"interface's addresses (fed by real TCP peers), /dev/udmabuf, if_nametoindex,\n"
		"SIOCGIFINDEX, getifaddrs and `[sudo] ethtool ...` run through system()/popen().\n"
		"  --ifname NAME        the emulated NIC's name (default eth0)\n"
		"  --strict-names       only NAME is the emulated NIC (default: a name the\n"
		"                       machine does not have is taken as another name of it)\n"
		"  --addr ADDR          an address of the emulated interface; repeatable\n"
		"                       (default: the real NAME's addresses, else 127.0.0.1, ::1)\n"
		"  --queues N           RX queues of the NIC (default 16)\n"
		"  --header-split on|off  tcp-data-split at start (default off, as a NIC boots)\n"
		"  --udmabuf auto|emulate|off  serve /dev/udmabuf: where the machine has none\n"
		"                       (auto, default), always, or never\n"
		"  --autorelease 0|1    token mode of a bind-rx without the attribute (default 0)\n"
		"  --admin auto|yes|no  CAP_NET_ADMIN for bind-rx (default: the process's own)\n"
		"  --trace[=FILE]       log every intercepted call (default: to stderr)\n"
		"  --check              at exit close everything as the kernel would and run\n"
		"                       the invariant checker; a leaked reference exits 3\n"
		"  --preload PATH       the preload library (default: next to this program)\n"
		"  -h, --help           this text\n"
		"Exit status: PROGRAM's (128+N when killed by signal N), 3 when PROGRAM exited\n"
		"0 and --check failed, 2 on bad usage, 127 when PROGRAM cannot be run.\n");
}

static int add_addr(struct run_opts *o, const char *text)
{
	unsigned char tmp[16];
	size_t used = strlen(o->addrs);

	if (inet_pton(AF_INET, text, tmp) != 1 && inet_pton(AF_INET6, text, tmp) != 1)
		return cli_bad("run", "--addr", "'%s' is not an IPv4 or IPv6 address", text);
	if (used + strlen(text) + 2 > sizeof(o->addrs))
		return cli_bad("run", "--addr", "'%s' is one address too many", text);
	snprintf(o->addrs + used, sizeof(o->addrs) - used, "%s%s", used ? "," : "", text);
	return 0;
}

static int parse_run_opts(int argc, char **argv, struct run_opts *o)
{
	static const struct option longopts[] = {
		{ "ifname", required_argument, NULL, 'i' },
		{ "strict-names", no_argument, NULL, 'S' },
		{ "addr", required_argument, NULL, 'A' },
		{ "queues", required_argument, NULL, 'q' },
		{ "header-split", required_argument, NULL, 'H' },
		{ "udmabuf", required_argument, NULL, 'u' },
		{ "autorelease", required_argument, NULL, 'a' },
		{ "admin", required_argument, NULL, 'P' },
		{ "trace", optional_argument, NULL, 'T' },
		{ "check", no_argument, NULL, 'c' },
		{ "preload", required_argument, NULL, 'L' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static const char *const on_off[] = { "off", "on", NULL };
	static const char *const udmabuf[] = { "auto", "emulate", "off", NULL };
	static const char *const bits[] = { "0", "1", NULL };
	static const char *const admin[] = { "auto", "yes", "no", NULL };
	unsigned long v;
	int c, k;

	*o = (struct run_opts){ .ifname = "eth0", .queues = 16, .udmabuf = "auto",
				.admin = "auto" };
	opterr = 0;
	/* "+": options end at the program, whose own options are its own. */
	while ((c = getopt_long(argc, argv, "+:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'i':
			if (!*optarg || strlen(optarg) >= 16 || strchr(optarg, '/') ||
			    strchr(optarg, ' '))
				return cli_bad("run", "--ifname",
					       "'%s' is not an interface name of 1 to 15 characters",
					       optarg);
			o->ifname = optarg;
			break;
		case 'S':
			o->strict_names = true;
			break;
		case 'A':
			if (add_addr(o, optarg))
				return -EINVAL;
			break;
		case 'q':
			if (cli_opt_ulong("run", "--queues", optarg, 1, 1024, &v))
				return -EINVAL;
			o->queues = v;
			break;
		case 'H':
			k = cli_opt_choice("run", "--header-split", optarg, on_off);
			if (k < 0)
				return k;
			o->header_split = k;
			break;
		case 'u':
			if (cli_opt_choice("run", "--udmabuf", optarg, udmabuf) < 0)
				return -EINVAL;
			o->udmabuf = optarg;
			break;
		case 'a':
			k = cli_opt_choice("run", "--autorelease", optarg, bits);
			if (k < 0)
				return k;
			o->autorelease = k;
			break;
		case 'P':
			if (cli_opt_choice("run", "--admin", optarg, admin) < 0)
				return -EINVAL;
			o->admin = optarg;
			break;
		case 'T':
			o->trace = optarg ? optarg : "fd:2";
			break;
		case 'c':
			o->check = true;
			break;
		case 'L':
			o->preload = optarg;
			break;
		case 'h':
			run_usage(stdout);
			exit(0);
		default:
			return cli_getopt_refused("run", c, argv);
		}
	}
	if (optind >= argc)
		return cli_bad("run", NULL, "no program given: devmem-lab run [options] -- PROGRAM");
	return 0;
}

/* The library beside this program: the build tree's layout, then the installed one. */
static int find_preload(const char *given, char *out, size_t len)
{
	static const char *const rel[] = {
		"../src/preload/libdevmem-lab-preload.so",
		DML_PRELOAD_RELATIVE,
	};
	char self[PATH_MAX], *slash;
	ssize_t n;
	size_t i;

	if (given) {
		if (access(given, R_OK))
			return cli_bad("run", "--preload", "%s: %s", given, strerror(errno));
		snprintf(out, len, "%s", given);
		return 0;
	}
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n < 0)
		return -errno;
	self[n] = '\0';
	slash = strrchr(self, '/');
	if (slash)
		*slash = '\0';
	for (i = 0; i < sizeof(rel) / sizeof(rel[0]); i++) {
		if (snprintf(out, len, "%s/%s", self, rel[i]) >= (int)len)
			continue;
		if (!access(out, R_OK))
			return 0;
	}
	fprintf(stderr, "devmem-lab run: cannot find libdevmem-lab-preload.so next to %s (use --preload)\n",
		self);
	return -ENOENT;
}

static int set_env(const struct run_opts *o, const char *preload, int report_fd)
{
	const char *old = getenv("LD_PRELOAD");
	char buf[PATH_MAX * 3], num[32];

	/* A sanitizer build's runtime must come first in the list, before the preload. */
	snprintf(buf, sizeof(buf), "%s%s%s%s%s", DML_SANITIZER_RUNTIME,
		 DML_SANITIZER_RUNTIME[0] ? ":" : "", preload, old && *old ? ":" : "",
		 old ? old : "");
	if (setenv("LD_PRELOAD", buf, 1) || setenv("DEVMEM_LAB_IFNAME", o->ifname, 1) ||
	    setenv("DEVMEM_LAB_ANY_NAME", o->strict_names ? "0" : "1", 1) ||
	    (o->addrs[0] && setenv("DEVMEM_LAB_ADDRS", o->addrs, 1)))
		return -errno;
	snprintf(num, sizeof(num), "%lu", o->queues);
	if (setenv("DEVMEM_LAB_QUEUES", num, 1) ||
	    setenv("DEVMEM_LAB_HEADER_SPLIT", o->header_split ? "1" : "0", 1) ||
	    setenv("DEVMEM_LAB_UDMABUF", o->udmabuf, 1) ||
	    setenv("DEVMEM_LAB_AUTORELEASE", o->autorelease ? "1" : "0", 1) ||
	    setenv("DEVMEM_LAB_ADMIN", !strcmp(o->admin, "auto") ? "auto"
				       : !strcmp(o->admin, "yes") ? "1" : "0", 1) ||
	    setenv("DEVMEM_LAB_CHECK", o->check ? "1" : "0", 1) ||
	    (o->trace && setenv("DEVMEM_LAB_TRACE", o->trace, 1)))
		return -errno;
	snprintf(num, sizeof(num), "%d", report_fd);
	if (report_fd >= 0 && setenv("DEVMEM_LAB_REPORT_FD", num, 1))
		return -errno;
	return 0;
}

static pid_t child_pid;

static void forward_signal(int sig)
{
	if (child_pid > 0)
		kill(child_pid, sig);
}

/* The preload's exit report: "check ok ..." or "check failed: ...", one line each. */
static bool read_report(int fd, bool print)
{
	char buf[8192];
	size_t used = 0;
	ssize_t n;
	bool failed = false;

	while (used < sizeof(buf) - 1 && (n = read(fd, buf + used, sizeof(buf) - 1 - used)) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		used += (size_t)n;
	}
	buf[used] = '\0';
	/* The host is made on first use: a program that never needed it has nothing to check. */
	if (!used && print)
		fputs("devmem-lab run: check ok: the program never used the emulation\n", stderr);
	if (strstr(buf, "check failed"))
		failed = true;
	if (print || failed)
		fputs(buf, stderr);
	return failed;
}

int run_run(int argc, char **argv)
{
	char preload[PATH_MAX];
	struct run_opts o;
	struct sigaction sa = { .sa_handler = forward_signal };
	int pipefd[2] = { -1, -1 }, status, sig;
	bool check_failed = false;

	if (parse_run_opts(argc, argv, &o))
		return EXIT_USAGE;
	if (find_preload(o.preload, preload, sizeof(preload)))
		return EXIT_USAGE;
	if (o.check && pipe(pipefd)) {
		perror("devmem-lab run: pipe");
		return 1;
	}
	child_pid = fork();
	if (child_pid < 0) {
		perror("devmem-lab run: fork");
		return 1;
	}
	if (child_pid == 0) {
		if (pipefd[0] >= 0)
			close(pipefd[0]);
		if (set_env(&o, preload, pipefd[1])) {
			perror("devmem-lab run: environment");
			_exit(127);
		}
		execvp(argv[optind], argv + optind);
		fprintf(stderr, "devmem-lab run: %s: %s\n", argv[optind], strerror(errno));
		_exit(127);
	}
	if (pipefd[1] >= 0)
		close(pipefd[1]);
	/* Terminal signals reach the program too; ours would only orphan it. */
	signal(SIGINT, SIG_IGN);
	signal(SIGQUIT, SIG_IGN);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	if (pipefd[0] >= 0) {
		check_failed = read_report(pipefd[0], true);
		close(pipefd[0]);
	}
	while (waitpid(child_pid, &status, 0) < 0)
		if (errno != EINTR) {
			perror("devmem-lab run: waitpid");
			return 1;
		}
	if (WIFSIGNALED(status)) {
		sig = WTERMSIG(status);
		/* Die of the same signal, so our caller sees what it would without us. */
		signal(sig, SIG_DFL);
		raise(sig);
		return 128 + sig;
	}
	if (WEXITSTATUS(status) == 0 && check_failed)
		return EXIT_CHECK_FAILED;
	return WEXITSTATUS(status);
}
