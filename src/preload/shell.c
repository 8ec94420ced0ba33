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
 * Parses @line: the state when it is an ethtool command on the emulated NIC
 * (@cmd then holds it), else NULL with @cmd freed.  ethtool's global flags
 * (--debug N, --json, ...) leave the command to the real ethtool.
 */
static struct pl_state *take(const char *line, struct pl_shell_cmd *cmd)
{
	struct pl_state *st = NULL;

	if (!line || pl_shell_parse(line, cmd))
		return NULL;
	if (pl_ethtool_device_command(cmd->argc, cmd->argv))
		st = pl_iface_state(cmd->argv[2]);
	if (!st)
		pl_shell_cmd_free(cmd);
	return st;
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

/* Where the command's fd 1 and fd 2 go; files opened here are closed here. */
struct sinks {
	int out, err;
	bool own_out, own_err;
};

static void close_sinks(struct sinks *s)
{
	if (s->own_err)
		PL_REAL(close)(s->err);
	if (s->own_out)
		PL_REAL(close)(s->out);
}

/* @fd1 stands for fd 1: the program's, or popen()'s pipe.  0 or -1. */
static int open_sinks(const struct pl_shell_cmd *cmd, int fd1, struct sinks *s)
{
	*s = (struct sinks){ .out = fd1, .err = 2 };
	if (cmd->out.to == PL_TO_FILE) {
		s->out = open_target(&cmd->out);
		if (s->out < 0)
			return -1;
		s->own_out = true;
	} else if (cmd->out.to == PL_TO_STDERR) {
		s->out = 2;
	}
	if (cmd->err.to == PL_TO_FILE) {
		/* One redirection copied into the other shares its file. */
		if (cmd->out.to == PL_TO_FILE && cmd->err.path == cmd->out.path) {
			s->err = s->out;
		} else {
			s->err = open_target(&cmd->err);
			if (s->err < 0) {
				close_sinks(s);
				return -1;
			}
			s->own_err = true;
		}
	} else if (cmd->err.to == PL_TO_STDOUT) {
		s->err = fd1;
	}
	return 0;
}

/*
 * Runs the command taken: returns the shell's exit status (2 when a
 * redirection's file cannot be made, as sh says, and the command does not
 * run), or -1 when it is not ours after all.
 */
static int execute(const char *via, const char *line, struct pl_shell_cmd *cmd,
		   struct pl_state *st, int fd1)
{
	struct captured cap = { 0 };
	FILE *out, *err = NULL;
	struct sinks s;
	int status;

	if (open_sinks(cmd, fd1, &s)) {
		pl_trace("%s(\"%s\"): a redirection failed, exit status 2", via, line);
		return 2;
	}
	out = open_memstream(&cap.out, &cap.out_len);
	if (out)
		err = open_memstream(&cap.err, &cap.err_len);
	if (!err) {
		if (out)
			fclose(out);
		free(cap.out);
		close_sinks(&s);
		return -1;
	}
	status = pl_ethtool_run(st, cmd->argc, cmd->argv, out, err);
	fclose(out);
	fclose(err);
	/* ethtool's stderr is unbuffered: its messages come first. */
	if (status >= 0 && (write_all(s.err, cap.err, cap.err_len) ||
			    write_all(s.out, cap.out, cap.out_len)))
		pl_trace("ethtool output lost: %s", strerror(errno));
	free(cap.out);
	free(cap.err);
	close_sinks(&s);
	if (status >= 0)
		pl_trace("%s(\"%s\"): emulated ethtool, exit status %d", via, line, status);
	return status;
}

bool pl_shell_system(const char *line, int *ret)
{
	struct pl_shell_cmd cmd;
	struct pl_state *st = take(line, &cmd);
	int status;

	if (!st)
		return false;
	status = execute("system", line, &cmd, st, 1);
	pl_shell_cmd_free(&cmd);
	if (status < 0)
		return false;
	/* A wait status, as system() returns for a shell that exited. */
	*ret = (status & 0xff) << 8;
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
	struct pl_state *st;
	int fd, status;

	if (!mode || mode[0] != 'r' || (mode[1] && strcmp(mode + 1, "e")))
		return false;
	st = take(line, &cmd);
	if (!st)
		return false;
	fd = memfd_create("devmem-lab-ethtool", mode[1] == 'e' ? MFD_CLOEXEC : 0);
	if (fd < 0) {
		pl_shell_cmd_free(&cmd);
		*ret = NULL;
		return true;
	}
	status = execute("popen", line, &cmd, st, fd);
	pl_shell_cmd_free(&cmd);
	if (status < 0) {
		PL_REAL(close)(fd);
		return false;
	}
	/* The "pipe" holds all the command wrote: read it from the start. */
	p = calloc(1, sizeof(*p));
	if (p && lseek(fd, 0, SEEK_SET) == 0)
		p->stream = fdopen(fd, "r");
	if (!p || !p->stream) {
		free(p);
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
