/* SPDX-License-Identifier: MIT */
/*
 * DML_WARN_ON(): the kernel's WARN_ON for a model that must never abort on a
 * broken invariant.  It logs file:line and bumps the host's counter so that
 * tests can assert that nothing went wrong.
 */
#ifndef DML_WARN_H
#define DML_WARN_H

#include <stdbool.h>

struct dml_host;

void dml_warn_slow(struct dml_host *host, const char *file, int line,
		   const char *cond);

static inline bool dml_warn_check(struct dml_host *host, bool hit,
				  const char *file, int line, const char *cond)
{
	if (__builtin_expect(hit, 0))
		dml_warn_slow(host, file, line, cond);
	return hit;
}

#define DML_WARN_ON(host, cond) \
	dml_warn_check((host), !!(cond), __FILE__, __LINE__, #cond)

#endif /* DML_WARN_H */
