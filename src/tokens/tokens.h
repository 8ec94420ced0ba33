/* SPDX-License-Identifier: MIT */
/*
 * The token-manager interface (SPEC S-8), as the library's own designs see
 * it: the ops table of include/devmem/design.h plus the lookup net/ uses.
 * A built-in design is one file and one line in the table of tokens.c; one
 * from outside is one file and one DML_TOKEN_DESIGN() row.
 *
 * Each function in a design's ops table is named <design>_<op>: the
 * benchmark's callgrind split takes those as the design's entry points, and
 * what only they call as its code (bench/callgrind_split.c).  xa_pool.h's
 * DML_XA_POOL_RECV() and DML_XA_POOL_RELEASE() define the pool's ops under
 * the design's name for that reason.
 */
#ifndef DML_TOKENS_H
#define DML_TOKENS_H

#include <stdbool.h>
#include <stdint.h>

#include "devmem/design.h"

const struct dml_token_ops *dml_token_ops_by_name(const char *name);

#endif /* DML_TOKENS_H */
