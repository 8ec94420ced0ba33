#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""`devmem-lab bench --quick --json`: the JSON has the documented shape,
its config records every parameter of the run (the boundary, the stack
cost and the baseline included), the baseline is kxarray when this build
has it (S-8) and xarray otherwise, and every design of every profile moved
tokens.  Issue 16: every design of the library's table is in it, each row
has its state bytes per socket, and the targets, the line-rate projection
(tokens/s = line rate / frag size, times CPU per token) and the state per
socket at scale are there.  No speed is asserted."""
import json
import os
import subprocess
import sys
import tempfile

FIGURES = ('worker_cpu_pct', 'worker_idle_pct', 'cpu_ns_per_token',
           'ratio_vs_baseline', 'tokens_per_s_max')
CONFIG = ('runs', 'flows', 'workers', 'held', 'load_pct', 'warmup_s', 'window_s',
          'profiles', 'designs', 'baseline', 'quick', 'instructions', 'instr_segments',
          'seed', 'dmabuf_mb', 'nccl_delay_us', 'bind_64g', 'boundary',
          'stack_cost_ns', 'stack_cost_auto', 'json_path', 'csv_path', 'plot_path')


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

    cfg = doc['config']
    assert isinstance(cfg, dict) and cfg['quick'] in (1, True)
    for key in CONFIG:
        assert key in cfg, ('config lacks', key)
    assert cfg['boundary'] == 'syscall' and cfg['stack_cost_auto'] is True
    assert cfg['stack_cost_ns'] == doc['stack_cost_ns'] == doc['stack_cost']['charged_ns']
    assert cfg['stack_cost_ns'] == doc['stack_cost']['queued_ns'] >= 0
    for key in ('tight_ns', 'kperf_ns', 'crossing_ns', 'kperf_wakeups_per_read'):
        assert doc['stack_cost'][key] > 0, key
    designs = doc['designs']
    assert isinstance(designs, list) and designs, 'designs is a non-empty list'
    names = {d['design'] for d in designs}
    assert {'xarray', 'niov'} <= names, names
    base = 'kxarray' if 'kxarray' in cfg['designs'] else 'xarray'
    assert cfg['baseline'] == base == doc['calibration']['baseline'], cfg['baseline']
    assert base in names and 'xarray' in names
    summary_words = dict(w.split('=', 1) for w in summary[0].split()[1:])
    assert summary_words['baseline'] == base
    for d in designs:
        if d['design'] == base:
            assert d['ratio_vs_baseline']['mean'] == 1, d['profile']
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
    assert {'ring', 'owned', 'sockarray'} <= names, names
    assert len(designs) == 2 * 3 * len(cfg['designs']), 'every design, every profile'
    for d in designs:
        assert d['state_bytes_per_socket'] > 0, d['design']
        assert set(d['ring']) == {'pushes_per_token', 'fallbacks_per_token'}
    targets = doc['targets']
    assert len(targets) == 3 * 4 + 1, len(targets)
    for t in targets:
        # charged worker CPU is measured; instructions are not in this run
        assert t['measured'] is ('*' in t['target']), t
        if not t['measured']:
            assert t['met'] is False and t['value'] is None, t
            continue
        assert t['met'] == (t['value'] < t['limit'] if t['strict']
                            else t['value'] <= t['limit']), t
    proj = doc['projection']
    assert proj['gbps'] == [100, 200, 400, 800] and proj['frag_bytes'] == [4096, 16384]
    assert len(proj['assumptions']) >= 3
    assert len(proj['rows']) == len(designs)
    for row in proj['rows']:
        for f, frag in enumerate(proj['frag_bytes']):
            for k, gbps in enumerate(proj['gbps']):
                want = gbps * 1e9 / 8 / frag * row['cpu_ns_per_token'] * 1e-9
                assert abs(row['cores'][f][k] - want) <= 1e-9 * want, (row, f, k)
    scale = {d['design']: d for d in doc['sock_state']['designs']}
    assert {'niov', 'ring', 'owned', 'sockarray'} <= set(scale), scale.keys()
    # v1/v2's array: 4 bytes per page per socket, ~20 GiB in the reviewers' case
    assert abs(scale['sockarray']['socket_per_page'] - 4) < 0.01
    assert scale['sockarray']['review_bytes'] > 20 * 2**30
    print('ok: %d rows, designs %s' % (len(designs), sorted(names)))
    return 0


if __name__ == '__main__':
    sys.exit(main())
