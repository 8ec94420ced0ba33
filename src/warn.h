/* SPDX-License-Identifier: MIT */
/*
 * DML_WARN_ON(): the kernel's WARN_ON for a model that must never abort on a
 * broken invariant.  It logs file:line and bumps the host's counter so that
 * tests can assert that nothing went wrong.  A lower folder is handed a
 * pointer to that counter, never the host.
 */
#ifndef DML_WARN_H
#define DML_WARN_H

#include <stdbool.h>

void dml_warn_slow(_Atomic unsigned long *warnings, const char *file, int line,
		   const char *cond);

static inline bool dml_warn_check(_Atomic unsigned long *warnings, bool hit,
				  const char *file, int line, const char *cond)
{
	if (__builtin_expect(hit, 0))
		dml_warn_slow(warnings, file, line, cond);
	return hit;
}

#define DML_WARN_ON(warnings, cond) \
	dml_warn_check((warnings), !!(cond), __FILE__, __LINE__, #cond)

#endif /* DML_WARN_H */
