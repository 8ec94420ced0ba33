// SPDX-License-Identifier: MIT
/* The report as JSON (json-c). */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "report.h"

/* ---- JSON */

/* JSON has no NaN or infinity: such a figure becomes null. */
static json_object *jdouble(double v)
{
	return isfinite(v) ? json_object_new_double(v) : NULL;
}

static void jset(json_object *o, const char *key, double v)
{
	json_object_object_add(o, key, jdouble(v));
}

static json_object *jstring(const char *s)
{
	return s ? json_object_new_string(s) : NULL;
}

static json_object *jstat(const struct bench_stat *s)
{
	json_object *o = json_object_new_object();

	jset(o, "mean", s->mean);
	jset(o, "ci95", s->ci95);
	json_object_object_add(o, "n", json_object_new_int64(s->n));
	return o;
}

static json_object *json_config(const struct bench_config *c)
{
	json_object *o = json_object_new_object();
	json_object *designs = json_object_new_array();
	json_object *profiles = json_object_new_array();
	unsigned int p;
	size_t i;

	for (i = 0; i < c->nr_designs && i < BENCH_MAX_DESIGNS; i++)
		json_object_array_add(designs, jstring(c->designs[i]));
	for (p = 0; p < BENCH_NR_PROFILES; p++)
		if (c->profiles & (1u << p))
			json_object_array_add(profiles,
				json_object_new_string(bench_profile_name(p)));
	json_object_object_add(o, "runs", json_object_new_int64(c->runs));
	json_object_object_add(o, "flows", json_object_new_int64(c->flows));
	json_object_object_add(o, "workers", json_object_new_int64(c->workers));
	json_object_object_add(o, "held", json_object_new_uint64(c->held));
	jset(o, "load_pct", c->load_pct);
	jset(o, "warmup_s", c->warmup_s);
	jset(o, "window_s", c->window_s);
	json_object_object_add(o, "profiles", profiles);
	json_object_object_add(o, "designs", designs);
	json_object_object_add(o, "baseline", jstring(c->baseline));
	json_object_object_add(o, "quick", json_object_new_boolean(c->quick));
	json_object_object_add(o, "instructions", json_object_new_boolean(c->instructions));
	json_object_object_add(o, "instr_segments", json_object_new_uint64(c->instr_segments));
	json_object_object_add(o, "seed", json_object_new_uint64(c->seed));
	json_object_object_add(o, "dmabuf_mb", json_object_new_uint64(c->dmabuf_mb));
	json_object_object_add(o, "nccl_delay_us", json_object_new_int64(c->nccl_delay_us));
	json_object_object_add(o, "bind_64g", json_object_new_boolean(c->bind_64g));
	json_object_object_add(o, "boundary",
			       json_object_new_string(c->boundary_syscall ? "syscall" : "none"));
	jset(o, "stack_cost_ns", c->stack_cost_ns);
	json_object_object_add(o, "stack_cost_auto", json_object_new_boolean(c->stack_cost_auto));
	json_object_object_add(o, "json_path", jstring(c->json_path));
	json_object_object_add(o, "csv_path", jstring(c->csv_path));
	json_object_object_add(o, "plot_path", jstring(c->plot_path));
	return o;
}

static json_object *json_machine(const struct bench_machine *m)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "cpus", json_object_new_int64(m->cpus));
	json_object_object_add(o, "cpu_model", json_object_new_string(m->cpu_model));
	json_object_object_add(o, "kernel", json_object_new_string(m->kernel));
	json_object_object_add(o, "callgrind", json_object_new_boolean(m->callgrind));
	return o;
}

/* The object @path ("group.key") goes in, made on its first field. */
static json_object *json_parent(json_object *row, const char *path, char *key,
				size_t size)
{
	const char *dot = strchr(path, '.');
	json_object *g;

	if (!dot) {
		snprintf(key, size, "%s", path);
		return row;
	}
	snprintf(key, size, "%.*s", (int)(dot - path), path);
	if (!json_object_object_get_ex(row, key, &g)) {
		g = json_object_new_object();
		json_object_object_add(row, key, g);
	}
	snprintf(key, size, "%s", dot + 1);
	return g;
}

static json_object *json_row(const struct bench_report *r,
			     const struct bench_row *row)
{
	json_object *o = json_object_new_object();
	const struct report_field *f;

	json_object_object_add(o, "design", jstring(row->design));
	json_object_object_add(o, "charged", json_object_new_boolean(row->charged));
	json_object_object_add(o, "boundary",
			       json_object_new_string(row->charged ? "syscall" : "none"));
	json_object_object_add(o, "profile",
		json_object_new_string(bench_profile_name(row->profile)));
	json_object_object_add(o, "autorelease", json_object_new_int(row->autorelease));
	for (f = report_fields; f < report_fields + report_nr_fields; f++) {
		char key[64];
		json_object *parent, *v;

		if (!field_measured(f, r, row) || ((f->flags & FIELD_CHARGED) && !row->charged))
			continue;
		parent = json_parent(o, f->json, key, sizeof(key));
		if (f->flags & FIELD_STAT)
			v = jstat(field_stat(f, row));
		else if (f->flags & FIELD_INT)
			v = json_object_new_int64((int64_t)field_value(f, r, row));
		else
			v = jdouble(field_value(f, r, row));
		json_object_object_add(parent, key, v);
	}
	return o;
}

/* xarray against kxarray with tokens held: the ±15% target, point by point. */
static json_object *json_fidelity(const struct bench_report *r)
{
	json_object *o = json_object_new_object();
	json_object *points = json_object_new_array();
	unsigned int i;

	json_object_object_add(o, "profile", json_object_new_string("kperf"));
	jset(o, "tolerance", FIDELITY_TOLERANCE);
	for (i = 0; i < BENCH_FIDELITY_POINTS; i++) {
		const struct bench_fidelity_point *f = &r->fidelity[i];
		json_object *p;

		if (!f->measured)
			continue;
		p = json_object_new_object();
		json_object_object_add(p, "held", json_object_new_uint64(f->held));
		jset(p, "xarray_ops", f->ops[0]);
		jset(p, "kxarray_ops", f->ops[1]);
		jset(p, "ops_ratio", f->ops[0] / f->ops[1]);
		json_object_object_add(p, "ops_met",
				       json_object_new_boolean(bench_fidelity_met(f->ops[0], f->ops[1])));
		jset(p, "xarray_total", f->total[0]);
		jset(p, "kxarray_total", f->total[1]);
		jset(p, "total_ratio", f->total[0] / f->total[1]);
		json_object_object_add(p, "total_met",
				       json_object_new_boolean(bench_fidelity_met(f->total[0], f->total[1])));
		json_object_array_add(points, p);
	}
	json_object_object_add(o, "points", points);
	return o;
}

static json_object *json_report(const struct bench_report *r)
{
	json_object *o = json_object_new_object();
	json_object *cal = json_object_new_object();
	json_object *rows = json_object_new_array();
	size_t i;

	json_object_object_add(cal, "baseline", json_object_new_string(report_baseline(r)));
	jset(cal, "baseline_max_tokens_per_s", r->baseline_max_tokens_per_s);
	jset(cal, "offered_tokens_per_s", r->offered_tokens_per_s);
	for (i = 0; i < BENCH_NR_PROFILES; i++) {
		json_object *pc;

		if (!(r->calib_max_tokens_per_s[i] > 0))
			continue;
		pc = json_object_new_object();
		jset(pc, "baseline_max_tokens_per_s", r->calib_max_tokens_per_s[i]);
		jset(pc, "offered_tokens_per_s", r->calib_offered_tokens_per_s[i]);
		jset(pc, "busy_pct", r->calib_busy_pct[i]);
		if (r->calib_charged_max_tokens_per_s[i] > 0) {
			json_object *ch = json_object_new_object();

			jset(ch, "baseline_max_tokens_per_s", r->calib_charged_max_tokens_per_s[i]);
			jset(ch, "offered_tokens_per_s", r->calib_charged_offered_tokens_per_s[i]);
			jset(ch, "busy_pct", r->calib_charged_busy_pct[i]);
			json_object_object_add(pc, "charged", ch);
		}
		json_object_object_add(cal, bench_profile_name((enum bench_profile)i), pc);
	}
	for (i = 0; i < r->nr_rows; i++)
		json_object_array_add(rows, json_row(r, &r->rows[i]));
	json_object_object_add(o, "config", json_config(&r->cfg));
	json_object_object_add(o, "machine", json_machine(&r->machine));
	json_object_object_add(o, "calibration", cal);
	jset(o, "stack_cost_ns", r->cfg.stack_cost_ns);
	if (r->have_stack) {
		const struct bench_stack_cost *sc = &r->stack;
		json_object *s = json_object_new_object();

		jset(s, "charged_ns", r->cfg.stack_cost_ns);
		jset(s, "queued_ns", sc->queued_ns);
		jset(s, "queued_min_ns", sc->queued_min_ns);
		jset(s, "queued_max_ns", sc->queued_max_ns);
		jset(s, "crossing_ns", sc->crossing_ns);
		jset(s, "tight_ns", sc->tight_ns);
		jset(s, "kperf_ns", sc->kperf_ns);
		jset(s, "kperf_wakeups_per_read", sc->kperf_wakeups_per_read);
		json_object_object_add(s, "rounds", json_object_new_int64(sc->rounds));
		json_object_object_add(o, "stack_cost", s);
	}
	if (r->have_seed_terms) {
		json_object *st = json_object_new_object();

		json_object_object_add(st, "baseline", json_object_new_string(report_baseline(r)));
		jset(st, "predicted_idle_baseline_pct", r->seed_pred_idle_baseline);
		jset(st, "predicted_idle_niov_pct", r->seed_pred_idle_niov);
		jset(st, "seed_idle_xarray_pct", 100.0 - SEED_XARRAY_CPU_PCT);
		jset(st, "seed_idle_niov_pct", 100.0 - SEED_NIOV_CPU_PCT);
		jset(st, "predicted_cpu_ratio", r->seed_pred_ratio);
		jset(st, "seed_cpu_ratio", SEED_RATIO);
		jset(st, "v2_cpu_ratio", V2_RATIO);
		jset(st, "k_cpu_per_token", r->seed_k);
		jset(st, "token_share_seed", r->seed_share);
		jset(st, "token_share_v2", r->seed_share_v2);
		jset(st, "token_share_ours", r->seed_share_ours);
		json_object_object_add(o, "seed_terms", st);
	}
	json_object_object_add(o, "designs", rows);
	if (r->have_fidelity)
		json_object_object_add(o, "fidelity", json_fidelity(r));
	if (r->have_floor) {
		json_object *fl = json_object_new_object();

		jset(fl, "assign", r->floor_assign);
		jset(fl, "return", r->floor_return);
		jset(fl, "total", floor_total(r));
		json_object_object_add(o, "floor", fl);
	}
	if (r->have_bind_64g) {
		json_object *b = json_object_new_object();

		jset(b, "seconds", r->bind_64g_seconds);
		jset(b, "bytes_per_niov", r->bind_64g_bytes_per_niov);
		json_object_object_add(o, "bind_64g", b);
	}
	jset(o, "elapsed_s", r->elapsed_s);
	return o;
}

/**
 * bench_report_json() - the report as JSON
 * @r: the report
 * @path: the file to write, replaced atomically
 *
 * The same data as the table: config, machine, calibration, one object per
 * row under "designs" with each figure as {"mean", "ci95", "n"}, the floor
 * and the 64 GiB bind when measured.  json-c renders it to a string and
 * write_file_atomic() writes it, rather than json_object_to_file_ext(),
 * which writes in place (a reader could see half a file) and never syncs.
 *
 * Return: 0, -EINVAL for no @path, -ENOMEM, or the -errno of creating,
 * writing, syncing or renaming the file.
 */
int bench_report_json(const struct bench_report *r, const char *path)
{
	json_object *o;
	const char *s;
	size_t len;
	char *buf;
	int err;

	if (!path || !*path)
		return -EINVAL;
	o = json_report(r);
	if (!o)
		return -ENOMEM;
	s = json_object_to_json_string_length(o, JSON_C_TO_STRING_PRETTY |
					      JSON_C_TO_STRING_NOSLASHESCAPE,
					      &len);
	buf = s ? malloc(len + 1) : NULL;
	if (!buf) {
		err = -ENOMEM;
		goto out_put;
	}
	memcpy(buf, s, len);
	buf[len++] = '\n';
	err = write_file_atomic(path, buf, len);
	free(buf);
out_put:
	json_object_put(o);
	return err;
}
