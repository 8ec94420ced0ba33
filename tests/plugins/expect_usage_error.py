#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Runs a command line that must be refused: exit 2, one line on stderr, no stdout."""
import subprocess
import sys

p = subprocess.run(sys.argv[1:], capture_output=True, text=True, timeout=60)
lines = p.stderr.splitlines()
ok = p.returncode == 2 and len(lines) == 1 and not p.stdout
print(f'exit {p.returncode}, stderr {lines!r}, stdout {p.stdout[:200]!r}')
sys.exit(0 if ok else 1)
