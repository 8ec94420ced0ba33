#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Runs a command and checks how it ends.

  expect.py usage CMD...        exit 2, exactly one line on stderr, nothing on stdout
  expect.py fails TEXT CMD...   exit 1 and TEXT in stdout (the failure is the one meant)
  expect.py lists TEXT CMD...   exit 0 and TEXT in stdout
"""
import subprocess
import sys

kind = sys.argv[1]
text = sys.argv[2] if kind in ('fails', 'lists') else None
cmd = sys.argv[3:] if text is not None else sys.argv[2:]
p = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
lines = p.stderr.splitlines()
if kind == 'usage':
    ok = p.returncode == 2 and len(lines) == 1 and not p.stdout
else:
    ok = p.returncode == (1 if kind == 'fails' else 0) and text in p.stdout
print(f'exit {p.returncode}, stderr {lines[:5]!r}, stdout ends {p.stdout[-300:]!r}')
sys.exit(0 if ok else 1)
