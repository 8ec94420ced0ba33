#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""With the boundary charged, each profile makes the real system calls its
receiver makes, counted by the bench itself (docs/fidelity.md; the return
profiles of docs/benchmark.md, S-1.5's 128 entries per DONTNEED): one
recvmsg per skb of 16 frags (and at most one empty read after each), one
DONTNEED per 128 tokens with kperf, per token with ncdevmem, per request of
up to 128 ranges and 1024 frags with nccl (so never more than one per 128
tokens).  A design with a return ring (issue 16, ring) pushes those same
entries instead and makes a DONTNEED only when the ring is full: its
DONTNEED calls are its fallbacks, no more.  A count, not a speed."""
import json
import os
import subprocess
import sys
import tempfile

SKB_FRAGS = 16
MAX_TOKENS = 128
MAX_FRAGS = 1024


def within(value, low, high, what):
    assert low <= value <= high, f'{what}: {value:.5f} not in [{low:.5f}, {high:.5f}]'


def main():
    exe = sys.argv[1]
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, 'b.json')
        out = subprocess.run([exe, 'bench', '--quick', '--profile', 'all',
                              '--boundary', 'syscall', '--stack-cost', '0',
                              '--no-bind-64g', '--json', path],
                             capture_output=True, text=True, timeout=600)
        if out.returncode:
            print(out.stdout, out.stderr)
            return 1
        with open(path) as f:
            doc = json.load(f)
    assert doc['stack_cost_ns'] == 0 and doc['config']['stack_cost_ns'] == 0
    assert doc['config']['boundary'] == 'syscall'
    checked = 0
    for row in doc['designs']:
        name = f"{row['design']}/{row['profile']}/{row['boundary']}"
        if row['boundary'] == 'none':
            assert 'syscalls_per_token' not in row, name
            continue
        calls = row['syscalls_per_token']
        assert calls['recvmsg']['n'] >= 1, (name, 'no run received a token')
        rx = calls['recvmsg']['mean']
        dn = calls['dontneed']['mean']
        pushes = row['ring']['pushes_per_token']['mean']
        fallbacks = row['ring']['fallbacks_per_token']['mean']
        print(f'{name}: recvmsg {rx:.4f}, DONTNEED {dn:.5f}, ring pushes {pushes:.4f} '
              f'fallbacks {fallbacks:.5f} per token')
        within(rx, 0.97 / SKB_FRAGS, 2.03 / SKB_FRAGS, name + ' recvmsg')
        if row['design'] == 'ring':
            # every entry pushed, one per token except nccl's merged ranges;
            # kperf's 128 go at once, so the window's edges may cut a batch
            within(pushes, 1e-9, 1.03, name + ' ring pushes')
            assert abs(dn - fallbacks) < 1e-9, (name, 'a DONTNEED that was no fallback')
        elif pushes or fallbacks:
            raise AssertionError(f'{name}: ring figures without a ring')
        elif row['profile'] == 'kperf':
            within(dn, 0.97 / MAX_TOKENS, 1.03 / MAX_TOKENS, name + ' DONTNEED')
        elif row['profile'] == 'ncdevmem':
            within(dn, 0.99, 1.01, name + ' DONTNEED')
        else:
            # Up to 16 requests of 1024 frags per socket wait out their delay,
            # so a short window may close before its last ones go back: only
            # the ceiling is exact.
            within(dn, 1e-9, 1.03 / MAX_TOKENS, name + ' DONTNEED')
        checked += 1
    assert checked == 3 * len(doc['config']['designs']), checked
    return 0


if __name__ == '__main__':
    sys.exit(main())
