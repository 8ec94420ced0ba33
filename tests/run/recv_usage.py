#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The issue-15 receivers' command line, as TAP; needs no preload.

Issue 15: the receivers are real programs: bad usage is exit 2 with the
usage and one line naming the fault, and off a devmem machine (no
/dev/udmabuf, no `devmem-lab run`) they fail with exit 1 and say why,
before they configure anything.

    recv_usage.py RECV_CLASSIC RECV_ETHNL [--misuse RECV_MISUSE]

recv_misuse takes the same flags plus one mode, and needs -l, -s and -a.
"""
import os
import subprocess
import sys

ARGS = sys.argv[1:]
MISUSE = ARGS[ARGS.index("--misuse") + 1] if "--misuse" in ARGS[:-1] else None
RECEIVERS = [a for a in ARGS if a not in ("--misuse", MISUSE)] + ([MISUSE] if MISUSE else [])
# What recv_misuse needs on top of a command line the others take.
MISUSE_ARGS = ["--leak", "-a", "0"]
WAIT = 60	# a safety net only

# (arguments, what stderr must say)
BAD = [
    (["-Z"], "unknown option or missing value: -Z"),
    (["-f"], "unknown option or missing value: -f"),
    ([], "-f IF is required"),
    (["-l", "-f", "lo"], "-l needs -s ADDR"),
    (["-f", "lo", "-v", "0"], "bad value for -v: '0'"),
    (["-f", "lo", "-v", "257"], "bad value for -v: '257'"),
    (["-f", "lo", "-a", "2"], "bad value for -a: '2'"),
    (["-f", "lo", "-U", "3"], "bad value for -U: '3'"),
    (["-f", "lo", "-p", "x"], "bad value for -p: 'x'"),
    (["-f", "lo", "-p", "65536"], "bad value for -p: '65536'"),
    (["-f", "lo", "-q", "0"], "bad value for -q: '0'"),
    (["-f", "lo", "-t", "-1"], "bad value for -t: '-1'"),
    (["-f", "lo", "-s", "nowhere"], "bad value for -s: 'nowhere'"),
    (["-f", "lo", "-c", "1.2.3"], "bad value for -c: '1.2.3'"),
    (["-f", "lo", "extra"], "extra argument 'extra'"),
]


# recv_misuse's own rules, each with a command line otherwise good.
MISUSE_BAD = [
    (["-f", "lo", "-l", "-s", "127.0.0.1", "-a", "0"], "no mode given"),
    (["--leak", "--bind-twice", "-f", "lo", "-l", "-s", "127.0.0.1", "-a", "0"],
     "one mode only: --leak and --bind-twice"),
    (["--leak", "-f", "lo", "-a", "0"], "-l is required"),
    (["--bogus-tokens", "-f", "lo", "-l", "-s", "127.0.0.1"], "-a 0|1 is required"),
    (["--leak", "-f", "lo", "-l", "-s", "127.0.0.1", "-a", "1", "-U", "2"],
     "-U is not taken"),
]


def run(exe, args):
    p = subprocess.run([exe] + args, capture_output=True, timeout=WAIT)
    return p.returncode, p.stdout.decode(errors="replace"), p.stderr.decode(errors="replace")


def check_bad(exe):
    """Each bad command line: exit 2, the fault named, the usage shown, nothing run."""
    bad = BAD if exe != MISUSE else [(["--leak"] + a, w) for a, w in BAD] + MISUSE_BAD
    for args, want in bad:
        rc, out, err = run(exe, args)
        if rc != 2 or want not in err or "usage:" not in err or "Running:" in err or out:
            raise AssertionError("%s: exit %d, stderr %r" % (args, rc, err))


def check_no_interface(exe):
    listen = MISUSE_ARGS + ["-l", "-s", "127.0.0.1"] if exe == MISUSE else []
    rc, _, err = run(exe, ["-f", "nosuch0"] + listen)
    if rc != 1 or "no interface nosuch0" not in err:
        raise AssertionError("exit %d, stderr %r" % (rc, err))


def check_no_udmabuf(exe):
    """Without /dev/udmabuf: exit 1, the device named, no ethtool command run."""
    if os.path.exists("/dev/udmabuf"):
        return "SKIP this machine has /dev/udmabuf"
    listen = ["-l", "-s", "127.0.0.1", "-p", "0"]
    # recv_misuse has no probe: only the listening command line.
    for args in ([MISUSE_ARGS + listen] if exe == MISUSE else [listen, []]):
        rc, _, err = run(exe, ["-f", "lo", "-t", "1", "-q", "1"] + args)
        if rc != 1 or "open /dev/udmabuf: No such file or directory" not in err or \
           "Running:" in err or "listening on" in err:
            raise AssertionError("%s: exit %d, stderr %r" % (args, rc, err))
    return None


def main():
    cases = [(os.path.basename(exe) + " " + f.__name__[6:], f, exe)
             for exe in RECEIVERS for f in (check_bad, check_no_interface, check_no_udmabuf)]
    print("1..%d" % len(cases), flush=True)
    failed = 0
    for i, (name, f, exe) in enumerate(cases, 1):
        try:
            skip = f(exe)
            print("ok %d - %s%s" % (i, name, " # " + skip if skip else ""), flush=True)
        except Exception as e:	# one failed case must not hide the others
            failed += 1
            print("not ok %d - %s" % (i, name), flush=True)
            for line in str(e).splitlines():
                print("# " + line, flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
