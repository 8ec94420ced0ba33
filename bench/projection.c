// SPDX-License-Identifier: MIT
/*
 * The line-rate projection: how many RX worker cores each design would need
 * to keep up with a NIC at 100 to 800 Gbps, from the CPU it spent per token
 * here.  One token per net_iov-sized frag, so tokens/s = line rate / frag
 * size; cores = tokens/s x seconds of worker CPU per token.
 */
#include "report.h"

const double projection_gbps[PROJECTION_NR_RATES] = { 100, 200, 400, 800 };
const unsigned int projection_frag_bytes[PROJECTION_NR_FRAGS] = { 4096, 16384 };

const char *const projection_assumptions[PROJECTION_NR_ASSUMPTIONS] = {
	"one token per frag, every frag a full net_iov (4 KiB or 16 KiB): tokens/s = line rate / 8 / frag bytes",
	"a token costs what it cost here, at the fixed load, with 4 KiB frags, whatever the frag size: the token path does not touch the payload",
	"in process: the model's recvmsg and DONTNEED only; charged (*): + one real system call per recvmsg and per DONTNEED made, + the TCP receive work charged per 4096-byte segment, both as measured per token",
	"cores = tokens/s x CPU seconds per token; no headroom, no interrupts, no NIC or memory bandwidth limits",
};

/**
 * bench_projection_tokens_per_s() - tokens a line rate delivers
 * @gbps: line rate in Gbit/s
 * @frag_bytes: bytes per frag, one token each
 *
 * Return: tokens per second, 0 for a frag size of 0.
 */
double bench_projection_tokens_per_s(double gbps, unsigned int frag_bytes)
{
	return frag_bytes ? gbps * 1e9 / 8.0 / (double)frag_bytes : 0;
}

/**
 * bench_projection_cores() - RX worker cores a line rate needs
 * @gbps: line rate in Gbit/s
 * @frag_bytes: bytes per frag, one token each
 * @ns_per_token: worker CPU nanoseconds per token
 *
 * Return: cores (fractional), 0 for a frag size of 0.
 */
double bench_projection_cores(double gbps, unsigned int frag_bytes, double ns_per_token)
{
	return bench_projection_tokens_per_s(gbps, frag_bytes) * ns_per_token * 1e-9;
}
