#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Issue 15: receivers written against the kernel UAPI only, unmodified under
`devmem-lab run`, fed by real socat senders; as TAP.

Each case starts `DEVMEM_LAB run -- RECEIVER -l -f IF -s ADDR -p 0 ...`,
waits for the receiver's "listening on port N" line on stderr (never a
sleep), sends the pattern with socat to that port and checks the exit
status and stderr.  Every process a case starts is killed when it ends.
recv_misuse's modes run under `run --check --header-split on`: the program
checks the kernel's answers to its bad use, the run's checker that nothing
leaked.  The kernel's own ncdevmem (6.12, built from linux-source when the
build could) runs the same way.

    test_run.py DEVMEM_LAB RECV_CLASSIC RECV_ETHNL RECV_MISUSE [NCDEVMEM]

RUN_ADDR: the emulated interface's address (default 192.0.2.2, eth0's);
RUN_IF: its name (default eth0); RUN_CLASSIC_QUEUES: recv_classic's -t/-q
(default "-t 2 -q 2": 6.12's own 8 and 8 need 16 queues).
"""
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import traceback

LAB, CLASSIC, ETHNL, MISUSE, NCDEVMEM = (sys.argv[1:6] + [None] * 5)[:5]
ADDR = os.environ.get("RUN_ADDR", "192.0.2.2")
IFACE = os.environ.get("RUN_IF", "eth0")
CLASSIC_QUEUES = os.environ.get("RUN_CLASSIC_QUEUES", "-t 2 -q 2").split()
WAIT = 240	# a safety net only: no case relies on it for ordering
PATTERN = "yes $(printf '\\001\\002\\003\\004\\005\\006') | head -c {n}"
procs = []


def pattern(n, period=7):
    """What the socat peers send: bytes 1..6 then '\\n', as -v 7 expects."""
    unit = bytes(range(1, period)) + b"\n"
    return (unit * (n // period + 1))[:n]


def start(argv, **kw):
    p = subprocess.Popen(argv, start_new_session=True, **kw)
    procs.append(p)
    return p


class Recv:
    """One receiver under `run`; its stderr is read on a thread so it never blocks."""

    def __init__(self, exe, *args, listen=True, run_opts=()):
        argv = [LAB, "run"] + list(run_opts) + ["--", exe]
        if listen:
            argv += ["-l", "-f", IFACE, "-s", ADDR, "-p", "0"]
        else:
            argv += ["-f", IFACE]
        self.p = start(argv + list(args), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        self.lines = []
        self.port = None
        self.ready = threading.Event()
        self.t = threading.Thread(target=self._read, daemon=True)
        self.t.start()
        if listen and (not self.ready.wait(WAIT) or self.port is None):
            raise AssertionError("the receiver never listened:\n" + self.err)

    def _read(self):
        for raw in self.p.stderr:
            line = raw.decode(errors="replace")
            self.lines.append(line)
            m = re.search(r"listening on port (\d+)", line)
            if m:
                self.port = int(m.group(1))
                self.ready.set()
        self.ready.set()

    def wait(self):
        rc = self.p.wait(WAIT)
        self.t.join(WAIT)
        return rc

    @property
    def err(self):
        return "".join(self.lines)


def peer(port):
    """socat's address of the receiver."""
    fam, host = ("TCP6", "[%s]" % ADDR) if ":" in ADDR else ("TCP4", ADDR)
    return "%s:%s:%d" % (fam, host, port)


def socat_to(port):
    return "socat -u -b 131072 - " + peer(port)


def send_pattern(rx, n):
    return start(["bash", "-c", PATTERN.format(n=n) + " | " + socat_to(rx.port)])


def expect(cond, what, rx=None):
    if not cond:
        raise AssertionError(what + ("\nreceiver stderr:\n" + rx.err if rx else ""))


def expect_stream(rx, n):
    """Exit 0 and every byte of the stream counted and validated."""
    rc = rx.wait()
    expect(rc == 0, "the receiver exited %d" % rc, rx)
    expect(": ok: %d bytes validated" % n in rx.err, "not all %d bytes validated" % n, rx)


def receive(exe, n, *args):
    rx = Recv(exe, "-v", "7", *args)
    s = send_pattern(rx, n)
    expect_stream(rx, n)
    s.wait(WAIT)
    return rx


# ---- the cases -----------------------------------------------------------

def case_classic_autorelease0():
    """6.12-style receiver, bind-rx with autorelease = 0 (S-4.5): 4 MiB validated."""
    receive(CLASSIC, 4 << 20, "-a", "0", *CLASSIC_QUEUES)


def case_classic_autorelease1():
    """The same with autorelease = 1 (S-4.4), fresh tokens per frag."""
    receive(CLASSIC, 4 << 20, "-a", "1", *CLASSIC_QUEUES)


def case_classic_no_autorelease_attr():
    """bind-rx without the attribute (absent = 0, S-1.4), as 6.12's ncdevmem sends it."""
    receive(CLASSIC, 1 << 20, *CLASSIC_QUEUES)


def case_classic_unbind_before_recv():
    """-U 1: data queued in the dma-buf, unbind, then the read fails with ENODEV (S-6.3)."""
    rx = Recv(CLASSIC, "-v", "7", "-U", "1", *CLASSIC_QUEUES)
    s = send_pattern(rx, 1 << 20)
    rc = rx.wait()
    expect(rc == 0, "-U 1 exited %d" % rc, rx)
    expect("enodev after unbind" in rx.err, "no ENODEV after the unbind", rx)
    s.wait(WAIT)	# its connection was closed under it: any status


def case_classic_unbind_after_recv():
    """-U 2: unbound after the first read, the stream still completes (S-6.3)."""
    rx = receive(CLASSIC, 8 << 20, "-U", "2", *CLASSIC_QUEUES)
    expect("unbound after the first recv" in rx.err, "no unbind reported", rx)


def case_classic_corrupted_byte():
    """A flipped byte is reported at its offset and fails the run: -v checks."""
    n, bad = 1 << 20, 654321
    data = bytearray(pattern(n))
    data[bad] ^= 0x40
    with tempfile.NamedTemporaryFile(prefix="run-bad-") as f:
        f.write(data)
        f.flush()
        rx = Recv(CLASSIC, "-v", "7", *CLASSIC_QUEUES)
        s = start(["socat", "-u", "-b", "131072", "OPEN:" + f.name, peer(rx.port)])
        rc = rx.wait()
        s.wait(WAIT)
    expect(rc == 1, "a corrupted stream exited %d" % rc, rx)
    want = "offset %d: expected 0x%02x, got 0x%02x" % (bad, pattern(n)[bad], data[bad])
    expect(want in rx.err, "no '%s'" % want, rx)


def case_classic_probe():
    """6.12's run_devmem_tests(): every refusal refused, the good bind bound."""
    rx = Recv(CLASSIC, *CLASSIC_QUEUES, listen=False)
    rc = rx.wait()
    expect(rc == 0 and "probe: ok\n" in rx.err, "probe exited %d" % rc, rx)
    expect(rx.err.count(" ok (") == 8, "not 8 probe steps ok", rx)


def case_ethnl_receive():
    """Later style: rings/channels over ethtool netlink, `ethtool -N` rule by id."""
    rx = receive(ETHNL, 4 << 20)
    m = re.search(r"added flow rule with ID (\d+)", rx.err)
    expect(m is not None, "no rule id parsed", rx)
    expect("ethtool -N %s delete %s" % (IFACE, m.group(1)) in rx.err, "rule not deleted", rx)
    expect("ethtool -X %s default" % IFACE in rx.err, "RSS not reset", rx)


def case_ethnl_autorelease1_unbind_after():
    rx = receive(ETHNL, 4 << 20, "-a", "1", "-U", "2")
    expect("unbound after the first recv" in rx.err, "no unbind reported", rx)


def case_ethnl_probe():
    """Later run_devmem_tests(): header split via rings set, channels set refused."""
    rx = Recv(ETHNL, listen=False)
    rc = rx.wait()
    expect(rc == 0 and "probe: ok\n" in rx.err, "probe exited %d" % rc, rx)
    expect(rx.err.count(" ok (") == 9, "not 9 probe steps ok", rx)


# ---- bad use under --check (issue 15) -------------------------------------

CHECK_OPTS = ("--check", "--header-split", "on")


def misuse(mode, autorelease, n):
    """recv_misuse MODE under `run --check`: its own checks pass, then run's."""
    rx = Recv(MISUSE, "-v", "7", "-a", str(autorelease), mode, run_opts=CHECK_OPTS)
    s = send_pattern(rx, n)
    expect_stream(rx, n)
    s.wait(WAIT)
    expect("devmem-lab run: check ok:" in rx.err, "no 'check ok' from --check", rx)
    expect("check failed" not in rx.err, "--check failed", rx)
    m = re.search(r"check ok: .*\((\d+) fds left open closed at exit\)", rx.err)
    expect(m is not None, "no count of the fds --check closed", rx)
    return rx, int(m.group(1))


def misuse_clean(mode, autorelease, n):
    """A mode that closes what it opened: --check finds no fd left to close."""
    rx, left = misuse(mode, autorelease, n)
    expect(left == 0, "%d fds left open after a clean exit" % left, rx)
    return rx


def bind_twice(autorelease):
    """A bound queue again: EEXIST; the other mode: EBUSY (S-3.4); the first binding works."""
    rx = misuse_clean("--bind-twice", autorelease, 4 << 20)
    refused = re.findall(r"bind-rx of a bound queue.* ok \(File exists: .*"
                         r"already memory provider bound\)", rx.err)
    expect(len(refused) == 2, "not two EEXIST refusals with the kernel's extack", rx)
    expect("ok (Device or resource busy: System already configured with autorelease=%d)"
           % autorelease in rx.err, "no EBUSY with the S-3.4 extack", rx)


def case_misuse_bind_twice_autorelease0():
    bind_twice(0)


def case_misuse_bind_twice_autorelease1():
    bind_twice(1)


def close_nl(autorelease):
    """Unbind mid-stream with tokens held: they come back after it (S-6.3)."""
    rx = misuse_clean("--close-nl-mid-stream", autorelease, 8 << 20)
    expect(re.search(r"unbound mid-stream, [1-9]\d* tokens held", rx.err) is not None,
           "no unbind with tokens held", rx)
    expect("held across the unbind returned, 1 frag each" in rx.err,
           "the held tokens were not returned", rx)


def case_misuse_close_nl_autorelease0():
    close_nl(0)


def case_misuse_close_nl_autorelease1():
    close_nl(1)


def bogus(autorelease):
    """Tokens never received: EINVAL before joining in autorelease 0 (S-5.4), else 0 (S-5.3)."""
    rx = misuse_clean("--bogus-tokens", autorelease, 4 << 20)
    expect("FAILED" not in rx.err, "a DONTNEED answer was not the kernel's", rx)
    before = re.findall(r"before the first read: .* ok \((.*)\)", rx.err)
    after = re.findall(r"after the first read: .* ok \((.*)\)", rx.err)
    expect(len(before) >= 8 and len(after) >= 8, "not every DONTNEED call reported", rx)
    if autorelease == 0:
        expect(all(a == "Invalid argument" for a in before),
               "a socket that never joined was not refused every call", rx)
    else:
        expect(before.count("returned 0") == len(before) - 2,
               "autorelease 1 refused a bogus token", rx)
    expect(after.count("returned 0") == len(after) - 2, "a bogus token released a frag", rx)
    expect("returned 1 frag each, then 0 again" in rx.err, "held tokens changed", rx)


def case_misuse_bogus_tokens_autorelease0():
    bogus(0)


def case_misuse_bogus_tokens_autorelease1():
    bogus(1)


def leak(autorelease):
    """Exit 0 with every token out and every fd open: --check closes them, all accounted for.

    No correct program can make the checker fail; what proves it looks is the
    count of fds it closed, which the clean modes above assert is 0.
    """
    rx, left = misuse("--leak", autorelease, 1 << 20)
    expect(left > 0, "--check closed no fd after a program that left them all open", rx)


def case_misuse_leak_autorelease0():
    leak(0)


def case_misuse_leak_autorelease1():
    leak(1)


class Skip(Exception):
    pass


def free_port():
    """A port the kernel just gave out on ADDR (ncdevmem 6.12 takes no -p 0)."""
    import socket
    fam = socket.AF_INET6 if ":" in ADDR else socket.AF_INET
    with socket.socket(fam, socket.SOCK_STREAM) as s:
        s.bind((ADDR, 0))
        return s.getsockname()[1]


def case_kernel_ncdevmem():
    """The kernel's own ncdevmem (tools/testing/selftests/net/ncdevmem.c of 6.12, built
    from linux-source, unmodified) under `run --check`: its bind tests, then its server
    receives 8 MiB of its 6.12 pattern (1..6 then 0), validates it, and nothing leaks."""
    if not NCDEVMEM:
        raise Skip("the kernel's ncdevmem was not built (no linux-source or no python3 "
                   "yaml+jsonschema)")
    port = free_port()
    p = start([LAB, "run", "--check", "--", NCDEVMEM, "-l", "-f", IFACE, "-s", ADDR,
               "-p", str(port), "-v", "7"],
              stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    err, waiting = [], threading.Event()

    def read_err():
        for raw in p.stderr:
            line = raw.decode(errors="replace")
            err.append(line)
            if "Waiting or connection on" in line:
                waiting.set()
        waiting.set()
    t = threading.Thread(target=read_err, daemon=True)
    t.start()
    expect(waiting.wait(WAIT) and p.poll() is None, "ncdevmem never listened:\n" +
           "".join(err[-30:]))
    fam, host = ("TCP6", "[%s]" % ADDR) if ":" in ADDR else ("TCP4", ADDR)
    unit = bytes([1, 2, 3, 4, 5, 6, 0])
    s = start(["socat", "-u", "-b", "131072", "-", "%s:%s:%d" % (fam, host, port)],
              stdin=subprocess.PIPE)
    s.stdin.write(unit * ((8 << 20) // len(unit)))
    s.stdin.close()
    out = p.stdout.read().decode(errors="replace")
    rc = p.wait(WAIT)
    t.join(WAIT)
    text = "".join(err)
    tail = "".join(err[-20:]) + out[-500:]
    expect(rc == 0, "ncdevmem exited %d:\n%s" % (rc, tail))
    expect("Validated buffer" in out and "validation failed" not in text,
           "ncdevmem did not validate:\n" + tail)
    expect("Added rule with ID" in text, "its ethtool -N did not reach the NIC:\n" + tail)
    expect("check ok" in text, "the invariant check at exit:\n" + tail)


CASES = [v for k, v in globals().items() if k.startswith("case_")]


def main():
    if not LAB or not CLASSIC or not ETHNL or not MISUSE:
        print("usage: test_run.py DEVMEM_LAB RECV_CLASSIC RECV_ETHNL RECV_MISUSE",
              file=sys.stderr)
        return 2
    only = os.environ.get("RUN_CASES")
    cases = [c for c in CASES if not only or c.__name__[5:] in only.split(",")]
    print("1..%d" % len(cases), flush=True)
    failed = 0
    for i, case in enumerate(cases, 1):
        try:
            case()
            print("ok %d - %s" % (i, case.__name__[5:]), flush=True)
        except Skip as e:
            print("ok %d - %s # SKIP %s" % (i, case.__name__[5:], e), flush=True)
        except Exception:	# a failed case must not stop the others
            failed += 1
            print("not ok %d - %s" % (i, case.__name__[5:]), flush=True)
            for line in traceback.format_exc().splitlines():
                print("# " + line, flush=True)
        finally:
            for p in procs:
                if p.poll() is None:
                    try:
                        os.killpg(p.pid, signal.SIGKILL)
                    except ProcessLookupError:
                        pass
                    p.wait()
            procs.clear()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
