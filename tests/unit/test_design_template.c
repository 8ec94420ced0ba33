// SPDX-License-Identifier: MIT
/*
 * "A design is one file plus one row" (DESIGN.md, SPEC S-8), proven with
 * the design the examples ship: examples/token_design.c, `bitmap`
 * (autorelease = 1), written against the public <devmem/design.h> only,
 * compiled into this program (the other way it names, beside the plugin
 * the examples suite loads).  Its one row, DML_TOKEN_DESIGN(), registers
 * it before main(); the test then runs test_model.c's model-based
 * conformance suite (S-4.4, S-5.1 to S-5.5, S-6.1) on it alone, here also
 * under valgrind and the sanitizers: a design that named the wrong id,
 * leaked a reference or miscounted a release fails there, and so does a
 * row that did not put it in the table.
 */
#include "token_design.c"

/* The conformance suite, run on the cases of this design only. */
int model_main(void);
#define main model_main
#include "test_model.c"
#undef main

int main(void)
{
	const struct dml_token_design_info *info;
	size_t i;

	for (i = 0; (info = dml_token_design(i)); i++)
		if (!strcmp(info->name, "bitmap"))
			break;
	if (!info) {
		printf("1..1\nnot ok 1 - the bitmap design is not in the table\n");
		return 1;
	}
	cmocka_set_test_filter("*@bitmap");
	return model_main();
}
