// SPDX-License-Identifier: MIT
/*
 * `devmem-lab bench` options: every bad value is one line naming the option
 * and the problem, in the shape the other subcommands use, returned to the
 * caller, which exits 2.
 */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "devmem/devmem.h"
#include "fidelity.h"
#include "one_flow.h"

void bench_usage(FILE *out)
{
	fprintf(out,
		"usage: devmem-lab bench [options]\n"
		"\n"
		"A kperf-like benchmark of every token design: a NIC thread paces DMA-only\n"
		"flows, RX workers read with recvmsg(MSG_SOCK_DEVMEM) and return tokens.\n"
		"  --runs N            measurements per figure (default 5; 11 = the seed's)\n"
		"  --flows N           flows (default 4)\n"
		"  --workers N         RX worker threads (default 1)\n"
		"  --held N            tokens the consumer keeps outstanding (default 0)\n"
		"  --load PCT          fixed offered load: what keeps the baseline's worker\n"
		"                      PCT %% busy (default 87, the seed's 86.87%%)\n"
		"  --profile LIST      kperf,ncdevmem,nccl or all (default all)\n"
		"  --designs LIST      token designs (default: every design); it must hold\n"
		"                      the baseline every ratio is against: %s\n"
		"  --window S          measured seconds per run (default: what keeps the\n"
		"                      whole run near two minutes, 0.3 to 2)\n"
		"  --warmup S          seconds before each window (default 0.15)\n"
		"  --nccl-delay-us N   nccl: consumer delay before a return (default 200)\n"
		"  --boundary none|syscall  syscall (default): every design also runs with\n"
		"                      a real system call per recvmsg and per DONTNEED\n"
		"  --stack-cost auto|NS|0  TCP receive work per 4096-byte segment charged\n"
		"                      with the boundary (default auto: measured here)\n"
		"  --dmabuf-mb N       dma-buf size (default: what flows and --held need)\n"
		"  --instructions      count instructions per token under callgrind\n"
		"  --segments N        segments in the callgrind run (default %u)\n"
		"  --no-bind-64g       skip timing the bind of a 64 GiB dma-buf\n"
		"  --seed N            seed of everything random (default 1)\n"
		"  --quick             a smoke run (about 30 s), same output shape\n"
		"  --json FILE         the report as JSON too\n"
		"  --csv FILE          the table as CSV too\n"
		"  --plot FILE.svg     idle %% and ns per token through gnuplot\n"
		"  -h, --help          this text\n"
		"\n"
		"Exit 0 when the run completes, 1 when a measurement or an output fails,\n"
		"2 on bad usage.\n", bench_baseline_name(), BENCH_INSTR_SEGMENTS);
}

/* @opt may be NULL when no one option is at fault. */
__attribute__((format(printf, 3, 4)))
static int bad(char *why, const char *opt, const char *fmt, ...)
{
	int n = snprintf(why, BENCH_WHY_LEN, "devmem-lab bench: %s%s", opt ? opt : "",
			 opt ? ": " : "");
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why + n, BENCH_WHY_LEN - (size_t)n, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static int parse_profiles(char *why, const char *text, unsigned int *mask)
{
	char *copy = strdup(text), *tok, *save = NULL;
	int err = 0;

	if (!copy)
		return -ENOMEM;
	*mask = 0;
	for (tok = strtok_r(copy, ",", &save); tok && !err;
	     tok = strtok_r(NULL, ",", &save)) {
		int p;

		if (!strcmp(tok, "all")) {
			*mask = (1u << BENCH_NR_PROFILES) - 1;
			continue;
		}
		for (p = 0; p < BENCH_NR_PROFILES; p++)
			if (!strcmp(tok, bench_profile_name((enum bench_profile)p)))
				break;
		if (p == BENCH_NR_PROFILES)
			err = bad(why, "--profile", "'%s' is not one of kperf, ncdevmem, nccl, all",
				  tok);
		else
			*mask |= 1u << p;
	}
	free(copy);
	return err ? err : (*mask ? 0 : bad(why, "--profile", "'%s' names no profile", text));
}

static const char *known_design(const char *name)
{
	const struct dml_token_design_info *d = bench_design_info(name);

	return d ? d->name : NULL;
}

/*
 * The kernel's own xarray when this build has it (it needs the kernel's
 * source package), else our model of it.
 */
const char *bench_baseline_name(void)
{
	const char *k = known_design("kxarray");

	return k ? k : known_design("xarray");
}

bool bench_config_has(const struct bench_config *cfg, const char *name)
{
	size_t i;

	for (i = 0; i < cfg->nr_designs; i++)
		if (!strcmp(cfg->designs[i], name))
			return true;
	return false;
}

static int parse_designs(char *why, const char *text, struct bench_config *cfg)
{
	char *copy = strdup(text), *tok, *save = NULL, design_list[160] = "";
	size_t i;
	int err = 0;

	if (!copy)
		return -ENOMEM;
	for (i = 0; i < dml_token_design_count(); i++)
		snprintf(design_list + strlen(design_list), sizeof(design_list) - strlen(design_list),
			 "%s%s", i ? ", " : "", dml_token_design(i)->name);
	cfg->nr_designs = 0;
	for (tok = strtok_r(copy, ",", &save); tok && !err;
	     tok = strtok_r(NULL, ",", &save)) {
		const char *name = known_design(tok);

		if (!name)
			err = bad(why, "--designs", "'%s' is not one of %s", tok, design_list);
		else if (cfg->nr_designs == BENCH_MAX_DESIGNS)
			err = bad(why, "--designs", "'%s' names more than %d designs", text,
				  BENCH_MAX_DESIGNS);
		else
			cfg->designs[cfg->nr_designs++] = name;
	}
	free(copy);
	if (!err && !bench_config_has(cfg, cfg->baseline))
		err = bad(why, "--designs", "'%s' lacks %s, the baseline every ratio is against",
			  text, cfg->baseline);
	return err;
}

/*
 * The default run takes about two minutes whatever the number of designs and
 * profiles: the window shrinks as measurements multiply, within bounds.
 */
double bench_default_window(const struct bench_config *cfg)
{
	unsigned int nprof = 0, p;
	double measurements, per;

	for (p = 0; p < BENCH_NR_PROFILES; p++)
		nprof += !!(cfg->profiles & (1u << p));
	/* calibration (5 runs) + fixed and saturation runs per design */
	measurements = nprof * (5.0 + 2.0 * cfg->runs * (double)cfg->nr_designs) *
		       (cfg->boundary_syscall ? 2 : 1);
	per = 105.0 / measurements - cfg->warmup_s - 0.05;
	return per < 0.3 ? 0.3 : per > 2.0 ? 2.0 : per;
}

void bench_config_defaults(struct bench_config *cfg)
{
	size_t i;

	*cfg = (struct bench_config){
		.runs = 5, .flows = 4, .workers = 1, .held = 0, .load_pct = 87,
		.warmup_s = 0.15, .window_s = 0.5,
		.profiles = (1u << BENCH_NR_PROFILES) - 1,
		.instr_segments = BENCH_INSTR_SEGMENTS, .seed = 1, .nccl_delay_us = 200,
		.bind_64g = true,
		.boundary_syscall = true,
		.stack_cost_auto = true,
		.baseline = bench_baseline_name(),
	};
	/* The baseline's rows first, the rest in the library's order. */
	if (cfg->baseline)
		cfg->designs[cfg->nr_designs++] = cfg->baseline;
	for (i = 0; i < dml_token_design_count() && cfg->nr_designs < BENCH_MAX_DESIGNS; i++)
		if (dml_token_design(i)->name != cfg->baseline)
			cfg->designs[cfg->nr_designs++] = dml_token_design(i)->name;
}

enum opt_kind {
	OPT_UINT, OPT_ULONG, OPT_U64, OPT_DOUBLE, OPT_BOOL, OPT_PATH,
	OPT_PROFILES, OPT_DESIGNS, OPT_BOUNDARY, OPT_STACK_COST, OPT_HELP,
};

/* One option: where it lands in struct bench_config and what it accepts. */
struct bench_opt {
	const char *name;
	enum opt_kind kind;
	size_t off;
	unsigned long lo, hi;	/* whole numbers; OPT_BOOL: the value it sets */
	double dlo, dhi;	/* OPT_DOUBLE */
};

#define AT(m)		offsetof(struct bench_config, m)
#define PLAIN(n, k, m)		{ .name = n, .kind = k, .off = AT(m) }
#define NUM(n, k, m, l, h)	{ .name = n, .kind = k, .off = AT(m), .lo = l, .hi = h }
#define DBL(n, m, l, h)		{ .name = n, .kind = OPT_DOUBLE, .off = AT(m), .dlo = l, .dhi = h }

static const struct bench_opt opts[] = {
	NUM("runs", OPT_UINT, runs, 1, BENCH_MAX_RUNS),
	NUM("flows", OPT_UINT, flows, 1, 16),
	NUM("workers", OPT_UINT, workers, 1, 16),
	NUM("held", OPT_ULONG, held, 0, 1ul << 20),
	DBL("load", load_pct, 1, 100),
	PLAIN("profile", OPT_PROFILES, profiles),
	{ .name = "designs", .kind = OPT_DESIGNS },
	DBL("window", window_s, 0.02, 600),
	DBL("warmup", warmup_s, 0, 60),
	NUM("nccl-delay-us", OPT_UINT, nccl_delay_us, 0, 1000000),
	NUM("dmabuf-mb", OPT_ULONG, dmabuf_mb, 1, 1ul << 20),
	NUM("instructions", OPT_BOOL, instructions, true, 0),
	NUM("segments", OPT_ULONG, instr_segments, 16, 10000000),
	NUM("no-bind-64g", OPT_BOOL, bind_64g, false, 0),
	NUM("seed", OPT_U64, seed, 0, ~0ul),
	NUM("quick", OPT_BOOL, quick, true, 0),
	{ .name = "boundary", .kind = OPT_BOUNDARY },
	{ .name = "stack-cost", .kind = OPT_STACK_COST },
	PLAIN("json", OPT_PATH, json_path),
	PLAIN("csv", OPT_PATH, csv_path),
	PLAIN("plot", OPT_PATH, plot_path),
	{ .name = "help", .kind = OPT_HELP },
};

#define NR_OPTS	(sizeof(opts) / sizeof(opts[0]))

/* --quick and the default window defer to what the user gave. */
static bool given_opt(const bool *given, const char *name)
{
	size_t i;

	for (i = 0; i < NR_OPTS; i++)
		if (!strcmp(opts[i].name, name))
			return given[i];
	return false;
}

/*
 * A whole number or a number in the option's range, stored as its type.  The
 * library cannot link tools/options.c (the unit tests link it without it),
 * so this says what cli_parse_ulong() says: digits only, a sign is out of
 * range rather than wrapped around.
 */
static int parse_number(const struct bench_opt *o, const char *name, const char *arg,
			char *at, char *why)
{
	bool dbl = o->kind == OPT_DOUBLE;
	const char *digits = arg + (arg[0] == '-');
	unsigned long v = 0;
	double d = 0;
	char *end;

	errno = 0;
	if (dbl)
		d = strtod(arg, &end);
	else
		v = strtoul(digits, &end, 10);
	if (dbl ? end == arg || *end || isnan(d) : !isdigit((unsigned char)digits[0]) || *end)
		return bad(why, name, "'%s' is not %s", arg, dbl ? "a number" : "a whole number");
	if (dbl && (errno || !isfinite(d) || d < o->dlo || d > o->dhi))
		return bad(why, name, "'%s' is out of range [%g, %g]", arg, o->dlo, o->dhi);
	if (!dbl && (errno || (digits != arg && v) || v < o->lo || v > o->hi))
		return bad(why, name, "'%s' is out of range [%lu, %lu]", arg, o->lo, o->hi);
	if (dbl)
		*(double *)at = d;
	else if (o->kind == OPT_UINT)
		*(unsigned int *)at = (unsigned int)v;
	else if (o->kind == OPT_ULONG)
		*(unsigned long *)at = v;
	else
		*(uint64_t *)at = v;
	return 0;
}

static int parse_opt(const struct bench_opt *o, const char *arg,
		     struct bench_config *cfg, char *why)
{
	char name[32], *at = (char *)cfg + o->off;

	snprintf(name, sizeof(name), "--%s", o->name);
	switch (o->kind) {
	case OPT_UINT:
	case OPT_ULONG:
	case OPT_U64:
	case OPT_DOUBLE:
		return parse_number(o, name, arg, at, why);
	case OPT_BOOL:
		*(bool *)at = o->lo;
		return 0;
	case OPT_PATH:
		*(const char **)at = arg;
		return 0;
	case OPT_PROFILES:
		return parse_profiles(why, arg, &cfg->profiles);
	case OPT_DESIGNS:
		return parse_designs(why, arg, cfg);
	case OPT_BOUNDARY:
		if (strcmp(arg, "none") && strcmp(arg, "syscall"))
			return bad(why, name, "'%s' is not one of none, syscall", arg);
		cfg->boundary_syscall = !strcmp(arg, "syscall");
		return 0;
	case OPT_STACK_COST:
		if (bench_parse_stack_cost(arg, &cfg->stack_cost_ns, &cfg->stack_cost_auto))
			return bad(why, name, "'%s' is not auto or whole nanoseconds in [0, 1000000]",
				   arg);
		return 0;
	case OPT_HELP:
		return BENCH_ARGS_HELP;
	}
	return -EINVAL;
}

/*
 * A long option is named as written, up to any '='; a short one by its
 * letter (optopt), since argv[optind - 1] is not the group when it sits
 * inside one, like -qx.  glibc leaves optopt 0 for an unknown long option
 * and sets it to the option's val for a long option that takes no value
 * and was given one.
 */
const char *bench_getopt_refused(int c, char **argv, char *name, size_t len)
{
	const char *arg = argv[optind - 1];
	bool is_long = !strncmp(arg, "--", 2);

	if (is_long && (c == ':' || !optopt || strchr(arg, '=')))
		snprintf(name, len, "%.*s", (int)strcspn(arg, "="), arg);
	else
		snprintf(name, len, "-%c", optopt);
	if (c == ':')
		return "missing value";
	if (is_long && optopt && strchr(arg, '='))
		return "takes no value";
	return "unknown option";
}

static int refused(char *why, int c, char **argv)
{
	char name[64];
	const char *problem = bench_getopt_refused(c, argv, name, sizeof(name));

	return bad(why, name, "%s", problem);
}

/*
 * 0, BENCH_ARGS_HELP for -h, or -EINVAL (-ENOMEM) with the reason in @why;
 * the caller prints and exits, so a test can parse and carry on.
 */
int bench_parse_args(int argc, char **argv, struct bench_config *cfg,
		     char why[BENCH_WHY_LEN])
{
	struct option longopts[NR_OPTS + 1] = { 0 };
	bool given[NR_OPTS] = { 0 };
	int c, err = 0;
	size_t i;

	for (i = 0; i < NR_OPTS; i++)
		longopts[i] = (struct option){ opts[i].name,
			opts[i].kind == OPT_BOOL || opts[i].kind == OPT_HELP ?
			no_argument : required_argument,
			NULL, (int)i };
	bench_config_defaults(cfg);
	why[0] = '\0';
	optind = 1;
	opterr = 0;
	while (!err && (c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		if (c == 'h')
			c = NR_OPTS - 1;
		if (c >= 0 && (size_t)c < NR_OPTS) {
			given[c] = true;
			err = parse_opt(&opts[c], optarg, cfg, why);
			continue;
		}
		err = refused(why, c, argv);
	}
	if (err)
		return err;
	if (optind < argc)
		return bad(why, NULL, "unexpected argument '%s'", argv[optind]);
	if (cfg->workers > cfg->flows)
		return bad(why, "--workers", "%u exceeds --flows %u", cfg->workers, cfg->flows);
	if (!given_opt(given, "window") && !cfg->quick)
		cfg->window_s = bench_default_window(cfg);
	if (cfg->quick) {
		if (!given_opt(given, "runs"))
			cfg->runs = 2;
		if (!given_opt(given, "window"))
			cfg->window_s = 0.08;
		if (!given_opt(given, "warmup"))
			cfg->warmup_s = 0.03;
		if (!given_opt(given, "segments"))
			cfg->instr_segments = BENCH_QUICK_INSTR_SEGMENTS;
	}
	return 0;
}
