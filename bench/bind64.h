/* SPDX-License-Identifier: MIT */
#ifndef DML_BENCH_BIND64_H
#define DML_BENCH_BIND64_H

int bench_bind_64g(double *seconds, double *bytes_per_niov);

#endif /* DML_BENCH_BIND64_H */
