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

/* A section's items, one object each, the columns with a JSON key. */
static json_object *json_section(const struct report_section *s,
				 const struct bench_report *r)
{
	json_object *items = json_object_new_array();
	double v[SECTION_MAX_COLS];
	const void *item;
	size_t i, c, n;

	for (i = 0; i < section_items(s, r); i++) {
		json_object *o;

		if (!(item = section_item(s, r, i)))
			continue;
		o = json_object_new_object();
		n = section_values(s, r, item, v);
		for (c = 0; c < n; c++) {
			const struct report_column *col = &s->cols[c];

			if (!col->json)
				continue;
			json_object_object_add(o, col->json,
				col->kind == COL_WHOLE ? json_object_new_uint64((uint64_t)v[c]) :
				col->kind == COL_MET ? json_object_new_boolean(v[c] != 0) :
				jdouble(v[c]));
		}
		json_object_array_add(items, o);
	}
	return items;
}

/* xarray against kxarray with tokens held: the ±15% target, point by point. */
static json_object *json_fidelity(const struct bench_report *r)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "profile", json_object_new_string("kperf"));
	jset(o, "tolerance", FIDELITY_TOLERANCE);
	json_object_object_add(o, "points", json_section(&section_fidelity, r));
	return o;
}

/* Issue 16's targets, one object per target and profile. */
static json_object *json_targets(const struct bench_report *r)
{
	struct bench_target t[BENCH_MAX_TARGETS];
	json_object *a = json_object_new_array();
	size_t i, n = bench_targets(r, t, BENCH_MAX_TARGETS);

	for (i = 0; i < n; i++) {
		json_object *o = json_object_new_object();

		json_object_object_add(o, "target", json_object_new_string(t[i].what));
		json_object_object_add(o, "profile",
				       json_object_new_string(bench_profile_name(t[i].profile)));
		json_object_object_add(o, "measured", json_object_new_boolean(t[i].measured));
		json_object_object_add(o, "value", t[i].measured ? jdouble(t[i].value) : NULL);
		json_object_object_add(o, "limit", t[i].measured ? jdouble(t[i].limit) : NULL);
		json_object_object_add(o, "strict", json_object_new_boolean(t[i].strict));
		json_object_object_add(o, "met", json_object_new_boolean(t[i].met));
		json_object_array_add(a, o);
	}
	return a;
}

/*
 * The line-rate projection: its assumptions, the rates and frag sizes, and
 * per row the cores at each, cores[frag][rate].
 */
static json_object *json_projection(const struct bench_report *r)
{
	json_object *o = json_object_new_object(), *a = json_object_new_array();
	json_object *rates = json_object_new_array(), *frags = json_object_new_array();
	size_t i, f, k;

	for (i = 0; i < PROJECTION_NR_ASSUMPTIONS; i++)
		json_object_array_add(a, json_object_new_string(projection_assumptions[i]));
	json_object_object_add(o, "assumptions", a);
	for (k = 0; k < PROJECTION_NR_RATES; k++)
		json_object_array_add(rates, jdouble(projection_gbps[k]));
	json_object_object_add(o, "gbps", rates);
	for (f = 0; f < PROJECTION_NR_FRAGS; f++)
		json_object_array_add(frags, json_object_new_int64(projection_frag_bytes[f]));
	json_object_object_add(o, "frag_bytes", frags);
	a = json_object_new_array();
	for (i = 0; i < r->nr_rows; i++) {
		const struct bench_row *row = &r->rows[i];
		json_object *ro, *cores;

		if (!row->cpu_ns_per_token.n)
			continue;
		ro = json_object_new_object();
		json_object_object_add(ro, "design", jstring(row->design));
		json_object_object_add(ro, "profile",
				       json_object_new_string(bench_profile_name(row->profile)));
		json_object_object_add(ro, "charged", json_object_new_boolean(row->charged));
		jset(ro, "cpu_ns_per_token", row->cpu_ns_per_token.mean);
		cores = json_object_new_array();
		for (f = 0; f < PROJECTION_NR_FRAGS; f++) {
			json_object *c = json_object_new_array();

			for (k = 0; k < PROJECTION_NR_RATES; k++)
				json_object_array_add(c, jdouble(bench_projection_cores(
					projection_gbps[k], projection_frag_bytes[f],
					row->cpu_ns_per_token.mean)));
			json_object_array_add(cores, c);
		}
		json_object_object_add(ro, "cores", cores);
		json_object_array_add(a, ro);
	}
	json_object_object_add(o, "rows", a);
	return o;
}

/* Token state per socket at scale, and the reviewers' case from its fit. */
static json_object *json_sock_scale(const struct bench_report *r)
{
	json_object *o = json_object_new_object(), *a = json_object_new_array();
	size_t i;

	json_object_object_add(o, "review_sockets",
			       json_object_new_int64(SOCK_STATE_REVIEW_SOCKETS));
	json_object_object_add(o, "review_pages", json_object_new_int64(SOCK_STATE_REVIEW_PAGES));
	for (i = 0; i < r->nr_sock_scale; i++) {
		const struct bench_sock_scale *sc = &r->sock_scale[i];
		json_object *d = json_object_new_object();

		json_object_object_add(d, "design", jstring(sc->design));
		json_object_object_add(d, "pages", json_object_new_uint64(sc->m.pages));
		json_object_object_add(d, "sockets", json_object_new_int64(sc->m.sockets));
		json_object_object_add(d, "total_bytes", json_object_new_uint64(sc->m.total_bytes));
		jset(d, "socket_bytes", sc->m.socket_bytes);
		jset(d, "socket_fixed", sc->m.socket_fixed);
		jset(d, "socket_per_page", sc->m.socket_per_page);
		jset(d, "binding_per_page", sc->m.binding_per_page);
		jset(d, "review_bytes", bench_sock_state_bytes(&sc->m, SOCK_STATE_REVIEW_PAGES,
							       SOCK_STATE_REVIEW_SOCKETS));
		json_object_array_add(a, d);
	}
	json_object_object_add(o, "designs", a);
	return o;
}

static json_object *jcalib(double max, double offered, double busy)
{
	json_object *o = json_object_new_object();

	jset(o, "baseline_max_tokens_per_s", max);
	jset(o, "offered_tokens_per_s", offered);
	jset(o, "busy_pct", busy);
	return o;
}

/* Each profile's own steering, the charged one inside it. */
static void json_calib(json_object *cal, const struct bench_report *r)
{
	unsigned int p;

	for (p = 0; p < BENCH_NR_PROFILES; p++) {
		json_object *pc;

		if (!(r->calib_max_tokens_per_s[p] > 0))
			continue;
		pc = jcalib(r->calib_max_tokens_per_s[p], r->calib_offered_tokens_per_s[p],
			    r->calib_busy_pct[p]);
		if (r->calib_charged_max_tokens_per_s[p] > 0)
			json_object_object_add(pc, "charged",
				jcalib(r->calib_charged_max_tokens_per_s[p],
				       r->calib_charged_offered_tokens_per_s[p],
				       r->calib_charged_busy_pct[p]));
		json_object_object_add(cal, bench_profile_name((enum bench_profile)p), pc);
	}
}

/* The report's figures outside the rows, in the order of report_figures. */
static json_object *json_report(const struct bench_report *r)
{
	json_object *o = json_object_new_object(), *parent, *v;
	const struct report_figure *f;
	unsigned int p;
	size_t i;

	for (f = report_figures; f < report_figures + report_nr_figures; f++) {
		char key[64];

		if (!f->json || !figure_shown(f, r))
			continue;
		parent = json_parent(o, f->json, key, sizeof(key));
		switch (f->type) {
		case FIG_UINT: case FIG_ULONG: case FIG_U64:
			v = json_object_new_uint64(figure_uint(f, r));
			break;
		case FIG_BOOL:
			v = json_object_new_boolean(figure_uint(f, r));
			break;
		case FIG_STR: case FIG_CHARS:
			v = jstring(figure_str(f, r));
			break;
		case FIG_PROFILES:
			v = json_object_new_array();
			for (p = 0; p < BENCH_NR_PROFILES; p++)
				if (r->cfg.profiles & (1u << p))
					json_object_array_add(v,
						json_object_new_string(bench_profile_name(p)));
			break;
		case FIG_DESIGNS:
			v = json_object_new_array();
			for (i = 0; i < r->cfg.nr_designs && i < BENCH_MAX_DESIGNS; i++)
				json_object_array_add(v, jstring(r->cfg.designs[i]));
			break;
		case FIG_CALIB:
			json_calib(parent, r);
			continue;
		case FIG_ROWS:
			v = json_object_new_array();
			for (i = 0; i < r->nr_rows; i++)
				json_object_array_add(v, json_row(r, &r->rows[i]));
			break;
		case FIG_FIDELITY:
			v = json_fidelity(r);
			break;
		case FIG_TARGETS:
			v = json_targets(r);
			break;
		case FIG_PROJECTION:
			v = json_projection(r);
			break;
		case FIG_SOCK_SCALE:
			v = json_sock_scale(r);
			break;
		default:
			v = jdouble(figure_double(f, r));
		}
		json_object_object_add(parent, key, v);
	}
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
	char *buf;
	int err = -ENOMEM;

	if (!path || !*path)
		return -EINVAL;
	o = json_report(r);
	if (!o)
		return -ENOMEM;
	s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY |
					   JSON_C_TO_STRING_NOSLASHESCAPE);
	if (s && asprintf(&buf, "%s\n", s) >= 0) {
		err = write_file_atomic(path, buf, strlen(buf));
		free(buf);
	}
	json_object_put(o);
	return err;
}
