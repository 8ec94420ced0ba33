// SPDX-License-Identifier: MIT
/* The hooks of fault.h, built into the test variant of the library only. */
#include "tokens/fault.h"

unsigned int dml_xa_fail_next_alloc;
unsigned int dml_rt_fail_next_alloc;
unsigned int dml_hashmap_fail_next_alloc;
