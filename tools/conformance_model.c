// SPDX-License-Identifier: MIT
/*
 * The tests' model-based suite compiled into the command: one source for
 * both, so `devmem-lab conformance` holds a design to exactly what CI holds
 * the built-in ones to.
 */
int dml_conformance_model_main(void);
#define main dml_conformance_model_main
#include "test_model.c"
