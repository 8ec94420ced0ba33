#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""With the boundary charged, returning each token with its own system call
(ncdevmem) costs more per token than returning 128 per call (kperf), for
every design.  A comparison of profiles in one run, not a speed."""
import json
import os
import subprocess
import sys
import tempfile


def main():
    exe = sys.argv[1]
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, 'b.json')
        out = subprocess.run([exe, 'bench', '--quick', '--profile', 'kperf,ncdevmem',
                              '--boundary', 'syscall', '--stack-cost', '0',
                              '--no-bind-64g', '--json', path],
                             capture_output=True, text=True, timeout=600)
        if out.returncode:
            print(out.stdout, out.stderr)
            return 1
        doc = json.load(open(path))
    rows = {(d['design'], d['profile'], d['boundary']): d for d in doc['designs']}
    designs = sorted({d for d, _, _ in rows})
    for design in designs:
        kperf = rows[(design, 'kperf', 'syscall')]['cpu_ns_per_token']['mean']
        ncdev = rows[(design, 'ncdevmem', 'syscall')]['cpu_ns_per_token']['mean']
        print(f'{design}: charged ns/token kperf {kperf:.1f}, ncdevmem {ncdev:.1f}')
        assert ncdev > kperf, (design, kperf, ncdev)
    assert doc['stack_cost_ns'] == 0
    return 0


if __name__ == '__main__':
    sys.exit(main())
