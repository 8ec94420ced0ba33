# SPDX-License-Identifier: MIT
"""Runs an example that must fail and checks how (issue 17).

expect_exit.py CODE MESSAGE COMMAND [ARG...]: passes when COMMAND exits with
CODE and writes exactly one line to stderr, holding MESSAGE.  A crash, a
different exit code or a different reason fails, so a test built on it
proves the example caught the very thing it was meant to catch.
"""
import subprocess
import sys


def main(argv):
    if len(argv) < 4 or not argv[1].isdigit():
        print("usage: expect_exit.py CODE MESSAGE COMMAND [ARG...]", file=sys.stderr)
        return 2
    code, message, cmd = int(argv[1]), argv[2], argv[3:]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    sys.stdout.write(proc.stdout)
    sys.stdout.write(proc.stderr)
    lines = proc.stderr.splitlines()
    if proc.returncode != code:
        print(f"expected exit {code}, got {proc.returncode}")
        return 1
    if len(lines) != 1 or message not in lines[0]:
        print(f"expected one line of stderr holding {message!r}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
