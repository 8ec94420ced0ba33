#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""`devmem-lab bench --quick --json`: the JSON has the documented shape and
every design of every profile moved tokens.  No speed is asserted."""
import json
import os
import subprocess
import sys
import tempfile

FIGURES = ('worker_cpu_pct', 'worker_idle_pct', 'cpu_ns_per_token',
           'ratio_vs_baseline', 'tokens_per_s_max')


def main():
    exe = sys.argv[1]
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, 'bench.json')
        out = subprocess.run([exe, 'bench', '--quick', '--json', path],
                             capture_output=True, text=True, timeout=600)
        if out.returncode != 0:
            print(out.stdout, out.stderr)
            return 1
        summary = [l for l in out.stdout.splitlines() if l.startswith('SUMMARY ')]
        assert len(summary) == 1 and out.stdout.rstrip().endswith(summary[0]), \
            'the last line is one SUMMARY line'
        with open(path) as f:
            doc = json.load(f)

    assert isinstance(doc['config'], dict) and doc['config']['quick'] in (1, True)
    designs = doc['designs']
    assert isinstance(designs, list) and designs, 'designs is a non-empty list'
    names = {d['design'] for d in designs}
    assert {'xarray', 'niov'} <= names, names
    for d in designs:
        for key in FIGURES:
            fig = d[key]
            assert set(fig) >= {'mean', 'ci95'}, (d['design'], key, fig)
            assert isinstance(fig['mean'], (int, float)), (d['design'], key)
        assert d['tokens_per_s_max']['mean'] > 0, ('no tokens', d['design'], d['profile'])
        assert d['cpu_ns_per_token']['mean'] > 0, ('no tokens', d['design'], d['profile'])
        assert 'instructions_per_token' not in d, 'not measured in this run'
    profiles = {d['profile'] for d in designs}
    assert profiles == {'kperf', 'ncdevmem', 'nccl'}, profiles
    assert 'bind_64g' in doc and doc['bind_64g']['bytes_per_niov'] > 0
    print('ok: %d rows, designs %s' % (len(designs), sorted(names)))
    return 0


if __name__ == '__main__':
    sys.exit(main())
