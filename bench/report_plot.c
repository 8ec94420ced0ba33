// SPDX-License-Identifier: MIT
/* The report as an SVG plot, through gnuplot. */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "report.h"

/* Whether @prog is an executable somewhere in $PATH. */
static bool in_path(const char *prog)
{
	const char *dir = getenv("PATH");
	char file[4096];

	while (dir && *dir) {
		size_t n = strcspn(dir, ":");

		/* An empty entry is the current directory. */
		if (n)
			snprintf(file, sizeof(file), "%.*s/%s", (int)n, dir,
				 prog);
		else
			snprintf(file, sizeof(file), "./%s", prog);
		if (!access(file, X_OK))
			return true;
		dir += n + (dir[n] == ':');
	}
	return false;
}

/* gnuplot refuses a panel with no point at all: each needs one figure. */
static bool have_plot_data(const struct bench_report *r)
{
	bool idle = false, ns = false;
	size_t i;

	for (i = 0; i < r->nr_rows; i++) {
		idle |= r->rows[i].worker_idle_pct.n > 0;
		ns |= r->rows[i].cpu_ns_per_token.n > 0;
	}
	return idle && ns;
}

/* A gnuplot single-quoted string: a quote inside is doubled. */
static void gp_quoted(FILE *gp, const char *s)
{
	fputc('\'', gp);
	for (; s && *s; s++) {
		if (*s == '\'')
			fputc('\'', gp);
		fputc(*s, gp);
	}
	fputc('\'', gp);
}

/*
 * One line of a datablock, one cluster of bars: a profile in process
 * ("kperf") or charged ("kperf*", the rows that speak to the seed), with
 * per design the mean and ci95 of the figure chosen by @idle; "-" where
 * not measured.
 */
static void gp_cluster(FILE *gp, const struct bench_report *r, enum bench_profile p,
		       bool charged, const char **designs, size_t n, bool idle)
{
	size_t i;

	fprintf(gp, "%s%s", bench_profile_name(p), charged ? "*" : "");
	for (i = 0; i < n; i++) {
		const struct bench_row *row = find_row_charged(r, designs[i], p, charged);
		const struct bench_stat *s = !row ? NULL : idle ? &row->worker_idle_pct :
							   &row->cpu_ns_per_token;

		if (s && s->n && isfinite(s->mean) && isfinite(s->ci95))
			fprintf(gp, " %g %g", s->mean, s->ci95);
		else
			fputs(" - -", gp);
	}
	fputc('\n', gp);
}

static void gp_data(FILE *gp, const struct bench_report *r, const char *name,
		    const char **designs, size_t n, bool idle)
{
	unsigned int p;

	fprintf(gp, "$%s << EOD\n", name);
	for (p = 0; p < BENCH_NR_PROFILES; p++) {
		if (have_profile_charged(r, p, false))
			gp_cluster(gp, r, p, false, designs, n, idle);
		if (have_profile_charged(r, p, true))
			gp_cluster(gp, r, p, true, designs, n, idle);
	}
	fputs("EOD\n", gp);
}

static void gp_plot(FILE *gp, const char *name, const char **designs,
		    size_t n)
{
	size_t i;

	fputs("plot ", gp);
	for (i = 0; i < n; i++) {
		fprintf(gp, "%s$%s using %zu:%zu%s title ", i ? ", " : "", name,
			2 + 2 * i, 3 + 2 * i, i ? "" : ":xtic(1)");
		gp_quoted(gp, designs[i]);
	}
	fputc('\n', gp);
}

static void gp_script(FILE *gp, const struct bench_report *r,
		      const char *output, const char **designs, size_t n)
{
	fputs("set terminal svg size 1200,500 dynamic noenhanced font 'sans,11'\n",
	      gp);
	fputs("set output ", gp);
	gp_quoted(gp, output);
	fputc('\n', gp);
	gp_data(gp, r, "idle", designs, n, true);
	gp_data(gp, r, "ns", designs, n, false);
	fputs("set datafile missing '-'\n"
	      "set style data histograms\n"
	      "set style histogram errorbars gap 1 lw 1\n"
	      "set style fill solid 0.7 border -1\n"
	      "set grid ytics\n"
	      "set yrange [0:*]\n"
	      "set key below horizontal\n", gp);
	fprintf(gp,
		"set multiplot layout 1,2 title 'devmem-lab bench: %u runs, %u flows; *: system calls and %.0f ns of TCP work per segment charged; error bars: 95%% interval'\n",
		r->cfg.runs, r->cfg.flows, r->cfg.stack_cost_ns);
	fputs("set title 'worker idle % at the offered load (higher is better)'\n"
	      "set ylabel 'idle %'\n", gp);
	gp_plot(gp, "idle", designs, n);
	fputs("set title 'worker CPU per token (lower is better)'\n"
	      "set ylabel 'ns per token'\n", gp);
	gp_plot(gp, "ns", designs, n);
	fputs("unset multiplot\nset output\n", gp);
}

struct plot_job {
	const struct bench_report *r;
	const char **designs;
	size_t n;
};

/*
 * Runs gnuplot on the script for @output.  SIGPIPE is held off while
 * writing so that a gnuplot dying early is an error returned, not the
 * benchmark killed.
 */
static int run_gnuplot(int fd, const char *output, void *arg)
{
	const struct plot_job *job = arg;
	sigset_t pipe_set, old;
	struct timespec zero = { 0 };
	struct stat st;
	bool failed;
	FILE *gp;
	int status, err = 0;

	(void)fd;
	sigemptyset(&pipe_set);
	sigaddset(&pipe_set, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &pipe_set, &old);
	gp = popen("gnuplot", "w");
	if (!gp) {
		err = errno ? -errno : -ENOMEM;
		goto out_mask;
	}
	gp_script(gp, job->r, output, job->designs, job->n);
	failed = fflush(gp) || ferror(gp);
	status = pclose(gp);
	if (status < 0)
		err = -errno;
	else if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
		err = -ENOENT;	/* the shell found no gnuplot */
	else if (failed || !WIFEXITED(status) || WEXITSTATUS(status))
		err = -EIO;
	/* Drop a SIGPIPE of ours so it is not delivered when unblocked. */
	if (!sigismember(&old, SIGPIPE)) {
		sigset_t pending;

		sigpending(&pending);
		if (sigismember(&pending, SIGPIPE))
			sigtimedwait(&pipe_set, NULL, &zero);
	}
out_mask:
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (!err && (stat(output, &st) || !st.st_size))
		err = -EIO;
	return err;
}

/**
 * bench_report_plot() - the report as an SVG plot, through gnuplot
 * @r: the report
 * @svg_path: the SVG file to write, replaced only when gnuplot succeeds
 *
 * Two panels side by side: worker idle % and CPU ns per token, one cluster
 * of bars per profile in process and one per profile charged ("kperf*"),
 * one bar per design, with the 95% interval as error bars.
 *
 * Return: 0; -EINVAL for no @svg_path; -ENODATA when no row has a figure
 * for each panel;
 * -ENOENT when gnuplot is not installed; -EIO when gnuplot fails or writes
 * an empty file; -ENOMEM; or the -errno of creating or renaming the file.
 */
int bench_report_plot(const struct bench_report *r, const char *svg_path)
{
	struct plot_job job = { .r = r };
	int err;

	if (!svg_path || !*svg_path)
		return -EINVAL;
	if (!have_plot_data(r))
		return -ENODATA;
	if (!in_path("gnuplot"))
		return -ENOENT;
	job.designs = calloc(r->nr_rows, sizeof(*job.designs));
	if (!job.designs)
		return -ENOMEM;
	job.n = distinct_designs(r, job.designs);
	/* gnuplot writes a unique name: the plot appears whole or not at all */
	err = replace_file(svg_path, run_gnuplot, &job);
	free(job.designs);
	return err;
}
