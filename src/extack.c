// SPDX-License-Identifier: MIT
#include <stdarg.h>
#include <stdio.h>

#include "extack.h"

void dml_extack_msg(struct dml_extack *ext, const char *fmt, ...)
{
	va_list ap;

	if (!ext)
		return;
	va_start(ap, fmt);
	vsnprintf(ext->msg, sizeof(ext->msg), fmt, ap);
	va_end(ap);
}
