// SPDX-License-Identifier: MIT
/*
 * ethtool commands run through system() and popen() (issue 15).  A command
 * line is taken only when it is plainly `[sudo] ethtool ARGS` with simple
 * quoting and redirections of fd 1 and 2: anything else the shell would
 * interpret (pipes, lists, expansions, globs, environment assignments) goes
 * to the real shell untouched, and so does a command whose interface is not
 * the emulated NIC.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "machine.h"

/* Characters the shell would give a meaning outside quotes. */
static const char shell_special[] = "|&;<>()$`\\\"'*?[]{}!#~=\n";

struct lexer {
	const char *p;
	char *out;	/* the next word's bytes go here */
};

/*
 * The next word, unquoted, in lx->out; NULL at the end.  *@bad is set for
 * anything but plain characters and '...' or "..." without expansions.
 */
static char *next_word(struct lexer *lx, bool *bad)
{
	char *word = lx->out, q;

	while (*lx->p == ' ' || *lx->p == '\t')
		lx->p++;
	if (!*lx->p)
		return NULL;
	while (*lx->p && *lx->p != ' ' && *lx->p != '\t') {
		q = *lx->p;
		if (q == '\'' || q == '"') {
			for (lx->p++; *lx->p && *lx->p != q; lx->p++) {
				if (q == '"' && strchr("$`\\!", *lx->p))
					*bad = true;
				*lx->out++ = *lx->p;
			}
			if (!*lx->p)
				*bad = true;
			else
				lx->p++;
			continue;
		}
		/* '=' matters only in a leading assignment, handled by the caller. */
		if (q != '=' && strchr(shell_special, q)) {
			*bad = true;
			return NULL;
		}
		*lx->out++ = *lx->p++;
	}
	*lx->out++ = '\0';
	return word;
}

/* A redirection at lx->p, applied to @cmd; false when there is none. */
static bool redirection(struct lexer *lx, struct pl_shell_cmd *cmd, bool *bad)
{
	const char *p = lx->p;
	struct pl_redir *r, file = { .to = PL_TO_FILE };
	bool both = false;
	int fd = 1;

	if (*p == '&' && p[1] == '>') {
		both = true;
		p += 2;
	} else {
		if (*p == '1' || *p == '2')
			fd = *p++ - '0';
		if (*p != '>')
			return false;
		p++;
	}
	r = fd == 1 ? &cmd->out : &cmd->err;
	if (!both && *p == '&') {
		/* 1>&2 and 2>&1 only: the target's current place is copied. */
		if (p[1] != (fd == 1 ? '2' : '1') || (p[2] && p[2] != ' ' && p[2] != '\t')) {
			*bad = true;
			return true;
		}
		*r = fd == 1 ? cmd->err : cmd->out;
		lx->p = p + 2;
		return true;
	}
	if (!both && *p == '>') {
		file.append = true;
		p++;
	}
	lx->p = p;
	file.path = next_word(lx, bad);
	if (!file.path || !*file.path) {
		*bad = true;
		return true;
	}
	if (both)
		cmd->out = cmd->err = file;
	else
		*r = file;
	return true;
}

/* sudo's flags that change nothing here; others (-u USER, -s, ...) pass on. */
static bool simple_sudo_flag(const char *w)
{
	return w[0] == '-' && w[1] && strspn(w + 1, "nEHkS") == strlen(w + 1);
}

static bool is_ethtool(const char *w)
{
	size_t n = strlen(w);

	return !strcmp(w, "ethtool") || (n > 8 && !strcmp(w + n - 8, "/ethtool"));
}

int pl_shell_parse(const char *line, struct pl_shell_cmd *cmd)
{
	struct lexer lx = { .p = line };
	bool bad = false, cmd_seen = false;
	char *w;

	memset(cmd, 0, sizeof(*cmd));
	cmd->out.to = PL_TO_STDOUT;
	cmd->err.to = PL_TO_STDERR;
	cmd->buf = malloc(strlen(line) + 1);
	if (!cmd->buf)
		return -ENOMEM;
	lx.out = cmd->buf;
	for (;;) {
		while (*lx.p == ' ' || *lx.p == '\t')
			lx.p++;
		if (cmd_seen && redirection(&lx, cmd, &bad)) {
			if (bad)
				break;
			continue;
		}
		w = next_word(&lx, &bad);
		if (!w || bad)
			break;
		if (!cmd_seen) {
			/* VAR=value before the command is the shell's business. */
			if (strchr(w, '='))
				bad = true;
			else if (!cmd->sudo && !strcmp(w, "sudo"))
				cmd->sudo = true;
			else if (cmd->sudo && simple_sudo_flag(w))
				continue;
			else if (is_ethtool(w))
				cmd_seen = true;
			else
				bad = true;
			if (bad)
				break;
			if (!cmd_seen)
				continue;
		}
		if (cmd->argc == PL_SHELL_MAX_ARGS) {
			bad = true;
			break;
		}
		cmd->argv[cmd->argc++] = w;
	}
	if (bad || !cmd_seen) {
		pl_shell_cmd_free(cmd);
		return -ENOENT;
	}
	cmd->argv[cmd->argc] = NULL;
	return 0;
}

void pl_shell_cmd_free(struct pl_shell_cmd *cmd)
{
	free(cmd->buf);
	cmd->buf = NULL;
	cmd->argc = 0;
}

/* ---- running it -------------------------------------------------------- */

/* What the command printed, before it goes where the redirections say. */
struct captured {
	char *out, *err;
	size_t out_len, err_len;
	int status;		/* ethtool's exit code */
};

static int write_all(int fd, const char *buf, size_t len)
{
	ssize_t n;

	while (len) {
		n = PL_REAL(write)(fd, buf, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/*
 * Parses @line and runs it when it is ours: false when it is not (nothing
 * printed).  The state is made only for a command naming the emulated NIC.
 */
static bool run(const char *via, const char *line, struct pl_shell_cmd *cmd,
		struct captured *cap)
{
	struct pl_state *st;
	FILE *out, *err;

	if (!line || pl_shell_parse(line, cmd))
		return false;
	st = cmd->argc >= 3 && cmd->argv[1][0] == '-' ? pl_iface_state(cmd->argv[2]) : NULL;
	if (!st)
		goto not_ours;
	memset(cap, 0, sizeof(*cap));
	out = open_memstream(&cap->out, &cap->out_len);
	err = out ? open_memstream(&cap->err, &cap->err_len) : NULL;
	if (!err) {
		if (out)
			fclose(out);
		free(cap->out);
		goto not_ours;
	}
	cap->status = pl_ethtool_run(st, cmd->argc, cmd->argv, out, err);
	fclose(out);
	fclose(err);
	if (cap->status < 0) {
		free(cap->out);
		free(cap->err);
		goto not_ours;
	}
	pl_trace("%s(\"%s\"): emulated ethtool, exit status %d", via, line, cap->status);
	return true;
not_ours:
	pl_shell_cmd_free(cmd);
	return false;
}

/* Opens a redirection's file as the shell does, before the command runs. */
static int open_target(const struct pl_redir *r)
{
	int fd = PL_REAL(open)(r->path, O_WRONLY | O_CREAT | O_CLOEXEC |
			       (r->append ? O_APPEND : O_TRUNC), 0666);

	if (fd < 0)
		dprintf(2, "sh: 1: cannot create %s: %s\n", r->path, strerror(errno));
	return fd;
}

/*
 * Sends the captured output where it goes: @fd1 stands for fd 1 (the
 * program's, or popen()'s pipe).  Returns the shell's status: 2 when a
 * redirection's file cannot be made, as sh says.
 */
static int deliver(const struct pl_shell_cmd *cmd, const struct captured *cap, int fd1)
{
	int out_fd = fd1, err_fd = 2, status = cap->status;
	bool shared = false;

	if (cmd->out.to == PL_TO_FILE) {
		out_fd = open_target(&cmd->out);
		if (out_fd < 0)
			return 2;
	} else if (cmd->out.to == PL_TO_STDERR) {
		out_fd = 2;
	}
	if (cmd->err.to == PL_TO_FILE) {
		shared = cmd->out.to == PL_TO_FILE && cmd->err.path == cmd->out.path;
		err_fd = shared ? out_fd : open_target(&cmd->err);
		if (err_fd < 0) {
			status = 2;
			goto out;
		}
	} else if (cmd->err.to == PL_TO_STDOUT) {
		err_fd = fd1;
	}
	/* ethtool's stderr is unbuffered: its messages come first. */
	if (write_all(err_fd, cap->err, cap->err_len) ||
	    write_all(out_fd, cap->out, cap->out_len))
		pl_trace("ethtool output lost: %s", strerror(errno));
	if (cmd->err.to == PL_TO_FILE && !shared)
		PL_REAL(close)(err_fd);
out:
	if (cmd->out.to == PL_TO_FILE)
		PL_REAL(close)(out_fd);
	return status;
}

bool pl_shell_system(const char *line, int *ret)
{
	struct pl_shell_cmd cmd;
	struct captured cap;

	if (!run("system", line, &cmd, &cap))
		return false;
	/* A wait status, as system() returns for a shell that exited. */
	*ret = (deliver(&cmd, &cap, 1) & 0xff) << 8;
	free(cap.out);
	free(cap.err);
	pl_shell_cmd_free(&cmd);
	return true;
}

/* popen() streams of emulated commands, with the status pclose() returns. */
struct popened {
	FILE *stream;
	int status;
	struct popened *next;
};

static pthread_mutex_t popen_lock = PTHREAD_MUTEX_INITIALIZER;
static struct popened *popen_list;

bool pl_shell_popen(const char *line, const char *mode, FILE **ret)
{
	struct popened *p = NULL;
	struct pl_shell_cmd cmd;
	struct captured cap;
	int fd, status = 0;
	bool cloexec;

	if (!mode || mode[0] != 'r' || (mode[1] && strcmp(mode + 1, "e")))
		return false;
	if (!run("popen", line, &cmd, &cap))
		return false;
	cloexec = mode[1] == 'e';
	fd = memfd_create("devmem-lab-ethtool", cloexec ? MFD_CLOEXEC : 0);
	if (fd >= 0) {
		status = deliver(&cmd, &cap, fd);
		p = calloc(1, sizeof(*p));
		if (p && lseek(fd, 0, SEEK_SET) == 0)
			p->stream = fdopen(fd, "r");
	}
	free(cap.out);
	free(cap.err);
	pl_shell_cmd_free(&cmd);
	if (!p || !p->stream) {
		free(p);
		if (fd >= 0)
			PL_REAL(close)(fd);
		*ret = NULL;
		errno = ENOMEM;
		return true;
	}
	p->status = (status & 0xff) << 8;
	pthread_mutex_lock(&popen_lock);
	p->next = popen_list;
	popen_list = p;
	pthread_mutex_unlock(&popen_lock);
	*ret = p->stream;
	return true;
}

bool pl_shell_pclose(FILE *stream, int *ret)
{
	struct popened **pp, *p = NULL;

	pthread_mutex_lock(&popen_lock);
	for (pp = &popen_list; *pp; pp = &(*pp)->next)
		if ((*pp)->stream == stream) {
			p = *pp;
			*pp = p->next;
			break;
		}
	pthread_mutex_unlock(&popen_lock);
	if (!p)
		return false;
	fclose(stream);
	*ret = p->status;
	free(p);
	return true;
}
