#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Issue 17: bad usage of any subcommand exits 2 with one clear line.

usage: test_bad_usage.py DEVMEM_LAB

Each row is a bad command line: an unknown option, a missing value, a value
that is not a number, out of range or not one of the choices, an extra
argument, options at odds.  Each must exit 2 with nothing on stdout and
exactly one line on stderr, "devmem-lab CMD: ..." naming what is wrong.
Every command `devmem-lab --help` lists also gets an unknown long and short
option, so a new command is covered from its first day.  TAP, one case per
row.
"""
import re
import subprocess
import sys

LAB = sys.argv[1]

# (arguments, what the line must name)
ROWS = [
    (["frob"], "'frob'"),
    (["--autorelease", "2"], "--autorelease"),
    (["--size-mb", "x"], "--size-mb"),

    (["demo", "--size-mb", "x"], "--size-mb"),
    (["demo", "--size-mb", "0"], "--size-mb"),
    (["demo", "--size-mb", "-1"], "--size-mb"),
    (["demo", "--size-mb", " 5"], "--size-mb"),
    (["demo", "--size-mb"], "--size-mb"),
    (["demo", "--autorelease", "2"], "--autorelease"),
    (["demo", "--dmabuf", "dram"], "--dmabuf"),
    (["demo", "--rx-queues", "257"], "--rx-queues"),
    (["demo", "--bind-queues", "9"], "--bind-queues"),
    (["demo", "--bytes", "5"], "--bytes"),
    (["demo", "--check=yes"], "--check"),
    (["demo", "extra"], "'extra'"),

    (["check", "--check"], "--check"),
    (["check", "--bytes", "0"], "--bytes"),
    (["check", "--bytes", "4M"], "--bytes"),
    (["check", "--bytes", "99999999999999999999999"], "--bytes"),
    (["check", "--rx-queues", "2", "--bind-queues", "3"], "--bind-queues"),
    (["check", "--dmabuf"], "--dmabuf"),

    (["bench", "--runs", "x"], "--runs"),
    (["bench", "--runs", "0"], "--runs"),
    (["bench", "--runs", "101"], "--runs"),
    (["bench", "--runs"], "--runs"),
    (["bench", "--flows", "-1"], "--flows"),
    (["bench", "--load", "nan"], "--load"),
    (["bench", "--load", "0"], "--load"),
    (["bench", "--window", "0.001"], "--window"),
    (["bench", "--profile", "tcp"], "--profile"),
    (["bench", "--designs", "bogus"], "--designs"),
    (["bench", "--boundary", "kernel"], "--boundary"),
    (["bench", "--stack-cost", "fast"], "--stack-cost"),
    (["bench", "--seed", "1.5"], "--seed"),
    (["bench", "--quick=1"], "--quick"),
    (["bench", "--workers", "3", "--flows", "2"], "--workers"),
    (["bench", "extra"], "'extra'"),

    (["rx", "-l", "-p", "x"], "-p"),
    (["rx", "-l", "-p", "65536"], "-p"),
    (["rx", "-l", "-p"], "-p"),
    (["rx", "-lp"], "-p"),
    (["rx", "-l", "-v", "0"], "-v"),
    (["rx", "-l", "-a", "2"], "-a"),
    (["rx", "-l", "-U", "3"], "-U"),
    (["rx", "-l", "-s", "localhost"], "-s"),
    (["rx", "-l", "-f", "a-name-too-long-for-ifnamsiz"], "-f"),
    (["rx", "-l", "-t", "255", "-q", "2"], "-t"),
    (["rx", "-lx"], "-x"),
    (["rx", "-l", "--batch", "129"], "--batch"),
    (["rx", "-l", "--batch"], "--batch"),
    (["rx", "-l", "--gro", "0"], "--gro"),
    (["rx", "-l", "--dmabuf", "dram"], "--dmabuf"),
    (["rx", "-l", "--conns", "many"], "--conns"),
    (["rx", "-l", "extra"], "'extra'"),

    (["run", "--queues", "0", "--", "true"], "--queues"),
    (["run", "--queues", "x", "--", "true"], "--queues"),
    (["run", "--queues"], "--queues"),
    (["run", "--header-split", "maybe", "--", "true"], "--header-split"),
    (["run", "--udmabuf", "always", "--", "true"], "--udmabuf"),
    (["run", "--autorelease", "2", "--", "true"], "--autorelease"),
    (["run", "--admin", "root", "--", "true"], "--admin"),
    (["run", "--addr", "nope", "--", "true"], "--addr"),
    (["run", "--ifname", "", "--", "true"], "--ifname"),
    (["run", "--check=1", "--", "true"], "--check"),
    (["run", "--preload", "/nonexistent/lib.so", "--", "true"], "--preload"),
    (["run"], "no program"),
]


def commands():
    top = subprocess.run([LAB, "--help"], capture_output=True, text=True, timeout=30)
    names, listing = [], False
    for line in top.stdout.splitlines():
        if line.strip() == "commands:":
            listing = True
        elif listing and not line.strip():
            break
        elif listing and re.match(r"^  \S+\s{2,}", line):
            names.append(line.split()[0])
    return names


def check(args, names_it, names):
    try:
        r = subprocess.run([LAB] + args, capture_output=True, text=True, timeout=30)
    except subprocess.TimeoutExpired:
        return "still running after 30 s: the line was taken as good"
    lines = r.stderr.splitlines()
    cmd = args[0] if args[0] in names else None
    prefix = "devmem-lab %s: " % cmd if cmd else "devmem-lab"
    if r.returncode != 2:
        return "exit %d, stderr %r" % (r.returncode, r.stderr[-300:])
    if r.stdout:
        return "stdout not empty: %r" % r.stdout[:200]
    if len(lines) != 1 or not r.stderr.endswith("\n"):
        return "%d lines on stderr: %r" % (len(lines), r.stderr[:300])
    if not lines[0].startswith(prefix) or names_it not in lines[0]:
        return "%r does not start with %r and name %r" % (lines[0], prefix, names_it)
    return None


names = commands()
rows = list(ROWS)
for name in names:
    rows.append(([name, "--no-such-option"], "--no-such-option"))
    rows.append(([name, "-%"], "-%"))

print("1..%d" % (len(rows) + 1))
failed = 0
for i, (args, names_it) in enumerate(rows, 1):
    why = check(args, names_it, names)
    failed += why is not None
    print("%s %d - devmem-lab %s" % ("not ok" if why else "ok", i, " ".join(args)))
    if why:
        print("# " + why)
failed += not names
print("%s %d - devmem-lab --help lists the commands"
      % ("ok" if names else "not ok", len(rows) + 1))
sys.exit(1 if failed else 0)
