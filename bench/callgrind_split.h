/* SPDX-License-Identifier: MIT */
#ifndef DML_BENCH_CALLGRIND_SPLIT_H
#define DML_BENCH_CALLGRIND_SPLIT_H

/*
 * Splits a callgrind profile (one event, Ir) into what the token design did
 * and what the shared path did.  The design's part is the inclusive cost of
 * every call from outside the design's code into it: the ops table's entry
 * points (callgrind_split.c says how they are found), with the locks,
 * allocations and page-pool puts they make.  Of that, the page-pool part is
 * the inclusive cost of the design's calls into the page pool: the recycle
 * every design pays when a page's last reference goes.
 */
struct callgrind_split {
	double total;		/* every instruction collected */
	double token_ops;	/* inclusive, inside the design's token ops */
	double page_pool;	/* of token_ops, in the page pool */
	/*
	 * Of token_ops, in <design>_drain and <design>_binding_refill: the
	 * kernel side of a return ring, which runs inside recvmsg (or the
	 * NIC's refill) but is the return's work.
	 */
	double drain;
	/*
	 * bench_instructions_per_token() divides the figures above by the
	 * tokens of its run, and says how many here (0 from the reader).
	 */
	double tokens;
};

/*
 * @design: the design's name, as the design table has it.
 * Return: 0, or -errno when the file cannot be read or is not a callgrind
 * profile.
 */
int callgrind_split_read(const char *path, const char *design,
			 struct callgrind_split *out);

#endif /* DML_BENCH_CALLGRIND_SPLIT_H */
