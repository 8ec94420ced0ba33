// SPDX-License-Identifier: MIT
/*
 * `devmem-lab rx -f IF` without -l: ncdevmem's checks of the bind rules on
 * a fresh machine, each refused request expected to be refused.
 */
#include <string.h>

#include "rx.h"

static bool probe_step(const char *what, bool ok, int err, const char *errmsg)
{
	fprintf(stderr, "probe: %-52s %s (%s%s%s)\n", what, ok ? "ok" : "FAILED",
		err ? strerror(-err) : "success", errmsg[0] ? ": " : "", errmsg);
	return ok;
}

/* ncdevmem's checks before it serves: each refused request must be refused. */
int rx_probe(const struct rx_opts *o)
{
	struct rx rx = { .o = o };
	char errmsg[256] = "", report[256];
	unsigned int first;
	bool ok = true;
	uint32_t id;
	int err;

	if (rx_machine_up(&rx, &first)) {
		rx_machine_down(&rx);
		return 1;
	}
	err = rx_bind_queues(&rx, first, 0, o->autorelease, &id, errmsg, sizeof(errmsg));
	ok &= probe_step("bind-rx of an empty queue list fails", err != 0, err, errmsg);
	err = dml_netdev_set_header_split(rx.dev, false);
	if (!err)
		err = rx_bind_queues(&rx, first, o->nr_queues, o->autorelease, &id, errmsg,
				  sizeof(errmsg));
	ok &= probe_step("bind-rx with header split off fails", err != 0, err, errmsg);
	dml_nl_close(rx.nl);	/* a bind that did succeed goes with its socket */
	rx.nl = NULL;
	err = dml_netdev_set_header_split(rx.dev, true);
	if (!err)
		err = dml_nl_open(rx.host, DML_NL_ADMIN, &rx.nl);
	if (!err)
		err = rx_bind_queues(&rx, first, o->nr_queues, o->autorelease, &id, errmsg,
				  sizeof(errmsg));
	ok &= probe_step("bind-rx with header split on succeeds", err == 0, err, errmsg);
	errmsg[0] = '\0';
	err = dml_netdev_set_channels(rx.dev, first + o->nr_queues - 1);
	ok &= probe_step("shrinking channels below a bound queue fails", err != 0, err, errmsg);
	dml_nl_close(rx.nl);	/* the implicit unbind */
	rx.nl = NULL;
	err = dml_host_check(rx.host, report, sizeof(report));
	ok &= probe_step("invariant checker after the unbind", err == 0, err, err ? report : "");
	rx_machine_down(&rx);
	fprintf(stderr, "probe: %s\n", ok ? "ok" : "FAILED");
	return ok ? 0 : 1;
}
