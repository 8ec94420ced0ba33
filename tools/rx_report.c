// SPDX-License-Identifier: MIT
/*
 * What `devmem-lab rx` says at the end (stderr, and --json FILE the same as
 * JSON), and the progress line a terminal gets during a long transfer.
 */
#include <errno.h>
#include <json-c/json.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "rx.h"

struct rx_totals {
	uint64_t bytes, frags, aligned, linear, host, tokens, dontneeds;
	unsigned int resets, mismatches, errors;
	double seconds, mbps;
};

static const char *status_name(enum rx_status s)
{
	static const char *const names[] = {
		[RX_RUNNING] = "running", [RX_EOF] = "eof", [RX_UNBOUND] = "enodev-after-unbind",
		[RX_MISMATCH] = "mismatch", [RX_RESET] = "reset", [RX_STOPPED] = "stopped",
		[RX_ERROR] = "error",
	};

	return names[s];
}

static void totals(struct rx *rx, struct rx_totals *t)
{
	uint64_t first = atomic_load(&rx->first_ns), last = atomic_load(&rx->last_ns);
	unsigned int i;

	memset(t, 0, sizeof(*t));
	t->bytes = rx->folded.bytes;
	t->frags = rx->folded.frags;
	t->aligned = rx->folded.aligned;
	t->linear = rx->folded.linear_frags;
	t->host = rx->folded.host_bytes;
	t->tokens = rx->folded.tokens_returned;
	t->dontneeds = rx->folded.dontneed_calls;
	t->resets = rx->folded_resets;
	t->mismatches = rx->folded_mismatches;
	t->errors = rx->folded_errors;
	for (i = 0; i < rx->nr_conns; i++) {
		const struct rx_conn *c = rx->conns[i];

		t->bytes += c->bytes;
		t->frags += c->frags;
		t->aligned += c->aligned;
		t->linear += c->linear_frags;
		t->host += c->host_bytes;
		t->tokens += c->tokens_returned;
		t->dontneeds += c->dontneed_calls;
		t->resets += c->status == RX_RESET;
		t->mismatches += c->status == RX_MISMATCH;
		t->errors += c->status == RX_ERROR;
	}
	t->seconds = last > first ? (double)(last - first) / 1e9 : 0;
	t->mbps = t->seconds > 0 ? (double)t->bytes / t->seconds / 1e6 : 0;
}

static json_object *conn_json(const struct rx_conn *c)
{
	json_object *j = json_object_new_object();

	json_object_object_add(j, "id", json_object_new_int((int)c->id));
	json_object_object_add(j, "status", json_object_new_string(status_name(c->status)));
	json_object_object_add(j, "message", json_object_new_string(c->msg));
	json_object_object_add(j, "bytes", json_object_new_int64((int64_t)c->bytes));
	json_object_object_add(j, "frags", json_object_new_int64((int64_t)c->frags));
	json_object_object_add(j, "tokens_returned",
			       json_object_new_int64((int64_t)c->tokens_returned));
	return j;
}

static int write_json(struct rx *rx, const struct rx_totals *t,
		      const struct dml_tcp_ingress_stats *st, const char *check, int code)
{
	json_object *j = json_object_new_object(), *conns = json_object_new_array();
	unsigned int i;
	int err = 0;

#define ADD_U64(k, v) json_object_object_add(j, k, json_object_new_int64((int64_t)(v)))
	ADD_U64("bytes", t->bytes);
	ADD_U64("frags", t->frags);
	ADD_U64("page_aligned_frags", t->aligned);
	ADD_U64("non_page_aligned_frags", t->frags - t->aligned);
	ADD_U64("linear_cmsgs", t->linear);
	ADD_U64("host_memory_bytes", t->host);
	ADD_U64("tokens_returned", t->tokens);
	ADD_U64("dontneed_calls", t->dontneeds);
	ADD_U64("pool_stalls", st->pool_waits);
	ADD_U64("connections", st->conns);
	ADD_U64("refused", st->refused);
	ADD_U64("ingress_resets", st->resets);
	ADD_U64("resets", t->resets);
	ADD_U64("mismatches", t->mismatches);
	ADD_U64("errors", t->errors);
	ADD_U64("port", rx->port);
	ADD_U64("dmabuf_id", rx->binding_id);
#undef ADD_U64
	json_object_object_add(j, "autorelease", json_object_new_int(rx->mode));
	json_object_object_add(j, "exporter", json_object_new_string(
		rx->buf ? dml_dmabuf_exporter_name(rx->buf) : ""));
	json_object_object_add(j, "seconds", json_object_new_double(t->seconds));
	json_object_object_add(j, "throughput_MBps", json_object_new_double(t->mbps));
	json_object_object_add(j, "leak_check", json_object_new_string(check[0] ? check : "ok"));
	for (i = 0; i < rx->nr_conns; i++)
		json_object_array_add(conns, conn_json(rx->conns[i]));
	json_object_object_add(j, "conns", conns);
	json_object_object_add(j, "conns_summed", json_object_new_int((int)rx->folded_n));
	json_object_object_add(j, "exit_code", json_object_new_int(code));
	if (json_object_to_file_ext(rx->o->json, j, JSON_C_TO_STRING_PRETTY)) {
		fprintf(stderr, "devmem-lab rx: --json %s: %s\n", rx->o->json,
			json_util_get_last_err());
		err = -EIO;
	}
	json_object_put(j);
	return err;
}

int rx_report(struct rx *rx, const char *check_report, int exit_code)
{
	struct dml_tcp_ingress_stats st = rx->stats;
	struct rx_totals t;

	totals(rx, &t);
	fprintf(stderr, "rx: %llu bytes in %u connections, %llu frags (%llu page-aligned, %llu not), "
		"%llu linear, %llu tokens returned in %llu DONTNEEDs, %llu pool stalls, "
		"%.3f s, %.1f MB/s\n",
		(unsigned long long)t.bytes, rx->accepted, (unsigned long long)t.frags,
		(unsigned long long)t.aligned, (unsigned long long)(t.frags - t.aligned),
		(unsigned long long)t.linear, (unsigned long long)t.tokens,
		(unsigned long long)t.dontneeds, (unsigned long long)st.pool_waits,
		t.seconds, t.mbps);
	if (rx->o->json && write_json(rx, &t, &st, check_report, exit_code))
		exit_code = 1;
	return exit_code;
}

/* ---- the progress line ------------------------------------------------ */

static pthread_t progress_thread;
static bool progress_running;
static pthread_mutex_t progress_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t progress_cond = PTHREAD_COND_INITIALIZER;
static bool progress_done;

static void *progress_main(void *arg)
{
	struct rx *rx = arg;
	bool printed = false;
	struct timespec ts;

	pthread_mutex_lock(&progress_lock);
	while (!progress_done) {
		uint64_t first = atomic_load(&rx->first_ns), now = rx_now_ns();
		uint64_t bytes = atomic_load_explicit(&rx->total_bytes, memory_order_relaxed);
		unsigned int conns;

		pthread_mutex_lock(&rx->lock);
		conns = rx->accepted;
		pthread_mutex_unlock(&rx->lock);

		/* Transfers shorter than a second get no line at all. */
		if (first && now - first >= 1000000000u) {
			fprintf(stderr, "\rrx: %.1f MiB, %.1f MB/s, %u connections   ",
				(double)bytes / (1 << 20),
				(double)bytes / ((double)(now - first) / 1e9) / 1e6, conns);
			printed = true;
		}
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += 1;
		pthread_cond_timedwait(&progress_cond, &progress_lock, &ts);
	}
	pthread_mutex_unlock(&progress_lock);
	if (printed)
		fputc('\n', stderr);
	return NULL;
}

void rx_progress_start(struct rx *rx)
{
	if (!isatty(STDERR_FILENO))
		return;
	progress_running = !pthread_create(&progress_thread, NULL, progress_main, rx);
}

void rx_progress_stop(struct rx *rx)
{
	(void)rx;
	if (!progress_running)
		return;
	pthread_mutex_lock(&progress_lock);
	progress_done = true;
	pthread_cond_signal(&progress_cond);
	pthread_mutex_unlock(&progress_lock);
	pthread_join(progress_thread, NULL);
	progress_running = false;
}
