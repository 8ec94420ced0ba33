// SPDX-License-Identifier: MIT
/* The report's shared helpers and atomic file writes. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "report.h"

const char *row_design(const struct bench_row *row)
{
	return row->design ? row->design : "?";
}

/* The design every ratio is against (bench_config.baseline). */
const char *report_baseline(const struct bench_report *r)
{
	return r->cfg.baseline ? r->cfg.baseline : "xarray";
}

const struct bench_row *find_row_charged(const struct bench_report *r,
					 const char *design, enum bench_profile p,
					 bool charged)
{
	size_t i;

	for (i = 0; i < r->nr_rows; i++)
		if (r->rows[i].profile == p && r->rows[i].charged == charged &&
		    !strcmp(row_design(&r->rows[i]), design))
			return &r->rows[i];
	return NULL;
}

bool have_profile_charged(const struct bench_report *r, enum bench_profile p, bool charged)
{
	size_t i;

	for (i = 0; i < r->nr_rows; i++)
		if (r->rows[i].profile == p && r->rows[i].charged == charged)
			return true;
	return false;
}

bool have_profile(const struct bench_report *r, enum bench_profile p)
{
	return have_profile_charged(r, p, false) || have_profile_charged(r, p, true);
}

double floor_total(const struct bench_report *r)
{
	return r->floor_assign + r->floor_return;
}

double instr_total(const struct bench_row *row)
{
	return row->instr_assign + row->instr_return;
}

/*
 * Whether row @i is its design's first: the harness orders rows as the
 * user listed --designs, and the plot, the memory table and the sections
 * keep that order by walking first rows.
 */
bool first_row_of_design(const struct bench_report *r, size_t i)
{
	size_t j;

	for (j = 0; j < i; j++)
		if (!strcmp(row_design(&r->rows[j]), row_design(&r->rows[i])))
			return false;
	return true;
}

/* The designs in the order they first appear; @out holds r->nr_rows entries. */
size_t distinct_designs(const struct bench_report *r, const char **out)
{
	size_t i, n = 0;

	for (i = 0; i < r->nr_rows; i++)
		if (first_row_of_design(r, i))
			out[n++] = row_design(&r->rows[i]);
	return n;
}

/* ---- files: written whole to a temporary name, then renamed */

/*
 * A reader sees the old file or the new one, never half of one: @fill
 * writes a unique name next to @path, which is renamed over @path only
 * when every step succeeded, and removed otherwise.
 */
int replace_file(const char *path, int (*fill)(int fd, const char *tmp, void *arg), void *arg)
{
	char *tmp;
	int fd, err;

	if (!path || !*path)
		return -EINVAL;
	if (asprintf(&tmp, "%s.XXXXXX", path) < 0)
		return -ENOMEM;
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		err = -errno;
		free(tmp);
		return err;
	}
	/* mkstemp makes it 0600; a report is as readable as any output. */
	err = fchmod(fd, 0644) ? -errno : fill(fd, tmp, arg);
	if (close(fd) && !err)
		err = -errno;
	if (!err && rename(tmp, path))
		err = -errno;
	if (err)
		unlink(tmp);
	free(tmp);
	return err;
}

struct span {
	const char *buf;
	size_t len;
};

/* The whole buffer, on the disk before the rename. */
static int write_span(int fd, const char *tmp, void *arg)
{
	struct span *s = arg;

	(void)tmp;
	while (s->len) {
		ssize_t n = write(fd, s->buf, s->len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		s->buf += n;
		s->len -= (size_t)n;
	}
	return fsync(fd) ? -errno : 0;
}

int write_file_atomic(const char *path, const char *buf, size_t len)
{
	struct span s = { buf, len };

	return replace_file(path, write_span, &s);
}
