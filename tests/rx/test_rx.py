#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""`devmem-lab rx` against real socat senders (issue 14), as TAP.

Each case starts rx on a port the kernel picks (-p 0), waits for its
"listening on ... port N" line on stderr (never a sleep), runs socat
processes against it and checks rx's exit status, stderr and --json.
Every process a case starts is killed when it ends, whatever happens.

    test_rx.py DEVMEM_LAB          (RX_BIG_MB sizes the large transfer)
"""
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import traceback

LAB = sys.argv[1] if len(sys.argv) > 1 else "build/tools/devmem-lab"
BIG_MB = int(os.environ.get("RX_BIG_MB", "256"))
SCALE = float(os.environ.get("RX_SCALE", "1"))	# smaller streams in sanitizer builds
WAIT = 240	# a safety net only: no case relies on it for ordering
PATTERN = "yes $(printf '\\001\\002\\003\\004\\005\\006') | head -c {n}"
procs = []


def pattern(n, period=7):
    unit = bytes(range(1, period)) + b"\n"
    return (unit * (n // period + 1))[:n]


class Rx:
    """One rx process; its stderr is read on a thread so it never blocks."""

    def __init__(self, *args, stdout=subprocess.DEVNULL, json_out=True):
        self.json_path = None
        args = list(args)
        if json_out:
            fd, self.json_path = tempfile.mkstemp(suffix=".json", prefix="rx-")
            os.close(fd)
            args += ["--json", self.json_path]
        self.p = subprocess.Popen([LAB, "rx", "-l", "-p", "0"] + args,
                                  stdout=stdout, stderr=subprocess.PIPE)
        procs.append(self.p)
        self.lines = []
        self.cond = threading.Condition()
        self.port = None
        self.ready = threading.Event()
        self.t = threading.Thread(target=self._read, daemon=True)
        self.t.start()
        if not self.ready.wait(WAIT) or self.port is None:
            raise AssertionError("rx never listened: " + "".join(self.lines))

    def _read(self):
        for raw in self.p.stderr:
            line = raw.decode(errors="replace")
            with self.cond:
                self.lines.append(line)
                self.cond.notify_all()
            m = re.search(r"listening on \S+ port (\d+)", line)
            if m:
                self.port = int(m.group(1))
                self.ready.set()
        self.ready.set()

    def wait_line(self, text):
        with self.cond:
            if not self.cond.wait_for(lambda: text in "".join(self.lines), WAIT):
                raise AssertionError("rx never said '%s'" % text)

    def wait(self):
        rc = self.p.wait(WAIT)
        self.t.join(WAIT)
        return rc

    @property
    def err(self):
        return "".join(self.lines)

    def report(self):
        with open(self.json_path) as f:
            return json.load(f)


def sh(cmd, **kw):
    p = subprocess.Popen(["bash", "-c", cmd], start_new_session=True, **kw)
    procs.append(p)
    return p


def socat_to(port, addr="127.0.0.1", opts="", fam="TCP4"):
    host = "[%s]" % addr if ":" in addr else addr
    return "socat -u -b 131072 - %s:%s:%d%s" % (fam, host, port, opts)


def send_pattern(rx, n, addr="127.0.0.1", opts="", fam="TCP4"):
    p = sh(PATTERN.format(n=n) + " | " + socat_to(rx.port, addr, opts, fam))
    return p


def expect(cond, what, rx=None):
    if not cond:
        raise AssertionError(what + ("\nrx stderr:\n" + rx.err if rx else ""))


def expect_clean(rx, rc, nbytes, conns=1):
    expect(rc == 0, "rx exited %d" % rc, rx)
    r = rx.report()
    expect(r["bytes"] == nbytes, "rx read %d bytes, want %d" % (r["bytes"], nbytes), rx)
    expect(r["leak_check"] == "ok", "leak check: " + r["leak_check"], rx)
    expect(len(r["conns"]) == conns, "%d connections" % len(r["conns"]), rx)
    for c in r["conns"]:
        expect(c["status"] == "eof", "connection %d ended %s" % (c["id"], c["status"]), rx)
    return r


def scaled(n):
    return max(4096, int(n * SCALE))


# ---- the cases -----------------------------------------------------------

def case_check_rx_ipv4():
    """devmem.py check_rx: 1K of the pattern through socat into -v 7."""
    rx = Rx("-s", "127.0.0.1", "-v", "7")
    s = send_pattern(rx, 1024)
    expect_clean(rx, rx.wait(), 1024)
    s.wait(WAIT)


def case_check_rx_5tuple():
    """-c with the sender bound to port -p, as devmem.py runs socat."""
    rx = Rx("-s", "127.0.0.1", "-c", "127.0.0.2", "-v", "7")
    s = send_pattern(rx, 1024, opts=",bind=127.0.0.2:%d" % rx.port)
    expect_clean(rx, rx.wait(), 1024)
    s.wait(WAIT)


def case_check_rx_ipv6():
    rx = Rx("-s", "::1", "-v", "7")
    s = send_pattern(rx, 1024, addr="::1", fam="TCP6")
    expect_clean(rx, rx.wait(), 1024)
    s.wait(WAIT)


def case_v4_mapped():
    """-s ::ffff:127.0.0.1, as ncdevmem takes an IPv4 address."""
    rx = Rx("-s", "::ffff:127.0.0.1", "-v", "7")
    s = send_pattern(rx, 65536)
    expect_clean(rx, rx.wait(), 65536)
    s.wait(WAIT)


def case_big():
    n = BIG_MB << 20
    rx = Rx("-s", "127.0.0.1", "-v", "7")
    s = send_pattern(rx, n)
    r = expect_clean(rx, rx.wait(), n)
    expect(r["tokens_returned"] == r["frags"], "tokens %d of %d frags" %
           (r["tokens_returned"], r["frags"]), rx)
    expect(r["dontneed_calls"] == r["frags"], "one DONTNEED per frag", rx)
    s.wait(WAIT)


def case_autorelease1():
    n = scaled(16 << 20)
    rx = Rx("-s", "127.0.0.1", "-v", "7", "-a", "1")
    s = send_pattern(rx, n)
    r = expect_clean(rx, rx.wait(), n)
    expect(r["autorelease"] == 1, "binding mode %d" % r["autorelease"], rx)
    s.wait(WAIT)


def case_batch():
    n = scaled(16 << 20)
    rx = Rx("-s", "127.0.0.1", "-v", "7", "--batch", "128", "-a", "0")
    s = send_pattern(rx, n)
    r = expect_clean(rx, rx.wait(), n)
    expect(r["tokens_returned"] == r["frags"], "every token returned", rx)
    expect(r["dontneed_calls"] < r["frags"], "batched returns", rx)
    s.wait(WAIT)


def case_unbind_before_recv():
    """-U 1: the read after the unbind fails with ENODEV, the expected outcome."""
    rx = Rx("-s", "127.0.0.1", "-v", "7", "-U", "1")
    s = send_pattern(rx, 1 << 20)
    rc = rx.wait()
    expect(rc == 0, "rx -U 1 exited %d" % rc, rx)
    expect("ENODEV" in rx.err, "no ENODEV reported", rx)
    expect(rx.report()["conns"][0]["status"] == "enodev-after-unbind", "status", rx)
    expect(rx.report()["leak_check"] == "ok", "leak check", rx)
    s.wait(WAIT)	# its connection was closed under it: any status


def case_unbind_after_recv():
    """-U 2: unbound after the first read, the transfer still completes."""
    n = scaled(16 << 20)
    rx = Rx("-s", "127.0.0.1", "-v", "7", "-U", "2")
    s = send_pattern(rx, n)
    expect_clean(rx, rx.wait(), n)
    expect("unbound" in rx.err, "no unbind reported", rx)
    s.wait(WAIT)


def case_corrupted_byte():
    n, bad = 1 << 20, 654321
    data = bytearray(pattern(n))
    data[bad] ^= 0x40
    with tempfile.NamedTemporaryFile(prefix="rx-bad-") as f:
        f.write(data)
        f.flush()
        rx = Rx("-s", "127.0.0.1", "-v", "7")
        s = sh("socat -u -b 131072 OPEN:%s TCP4:127.0.0.1:%d" % (f.name, rx.port))
        rc = rx.wait()
        s.wait(WAIT)
    expect(rc != 0, "a corrupted stream exited 0", rx)
    want = "offset %d: expected 0x%02x, got 0x%02x" % (bad, pattern(n)[bad], data[bad])
    expect(want in rx.err, "no '%s'" % want, rx)


def case_stdout_exact():
    """Without -v the payload comes back on stdout, byte for byte."""
    rx = Rx("-s", "127.0.0.1", stdout=subprocess.PIPE, json_out=False)
    s = sh("printf 'hello\\nworld' | " + socat_to(rx.port))
    out = rx.p.stdout.read()
    rc = rx.wait()
    s.wait(WAIT)
    expect(rc == 0, "rx exited %d" % rc, rx)
    expect(out == b"hello\nworld", "stdout was %r" % out, rx)


def case_stdout_large():
    n = scaled(8 << 20)
    rx = Rx("-s", "127.0.0.1", stdout=subprocess.PIPE, json_out=False)
    s = send_pattern(rx, n)
    out = rx.p.stdout.read()
    rc = rx.wait()
    s.wait(WAIT)
    expect(rc == 0 and out == pattern(n), "stdout differs (%d bytes)" % len(out), rx)


def case_holding_receiver():
    """A fast sender into a receiver holding tokens over a small pool: lossless.

    Every token is held 500 ms and the dma-buf has 512 pages, so the pool
    runs dry whenever the ingress fills 2 MiB in under 500 ms (4 MB/s; the
    TSan build does 20 MB/s or more): the stall does not hang on a race
    between sender and reader, as a 20 ms hold did.  6 MiB, not scaled:
    three fills of the pool in every build.
    """
    n = 6 << 20
    rx = Rx("-s", "127.0.0.1", "-v", "7", "--hold-ms", "500", "--size-mb", "2", "--batch", "16")
    s = send_pattern(rx, n)
    r = expect_clean(rx, rx.wait(), n)
    expect(r["pool_stalls"] > 0, "the pool never ran dry: no backpressure shown", rx)
    s.wait(WAIT)


def case_linear_head():
    """Payload kept with the headers arrives as SCM_DEVMEM_LINEAR; -L refuses it."""
    n = scaled(1 << 20)
    rx = Rx("-s", "127.0.0.1", "-v", "7", "--linear-head", "100")
    s = send_pattern(rx, n)
    r = expect_clean(rx, rx.wait(), n)
    expect(r["linear_cmsgs"] > 0, "no linear cmsg", rx)
    s.wait(WAIT)
    rx = Rx("-s", "127.0.0.1", "-v", "7", "--linear-head", "100", "-L")
    s = send_pattern(rx, n)
    rc = rx.wait()
    s.wait(WAIT)
    expect(rc != 0 and "SCM_DEVMEM_LINEAR" in rx.err, "-L accepted a linear cmsg", rx)


def case_sixteen_senders():
    n = scaled(4 << 20)
    rx = Rx("-s", "127.0.0.1", "-v", "7", "--conns", "16", "-q", "2", "-t", "4")
    senders = [send_pattern(rx, n + 4096 * k) for k in range(16)]
    r = expect_clean(rx, rx.wait(), sum(n + 4096 * k for k in range(16)), conns=16)
    got = sorted(c["bytes"] for c in r["conns"])
    expect(got == [n + 4096 * k for k in range(16)], "per-connection bytes %s" % got, rx)
    for s in senders:
        s.wait(WAIT)


def case_sender_killed():
    """SIGKILL mid-stream: every byte it wrote arrives, validated; no leak."""
    rx = Rx("-s", "127.0.0.1", "-v", "7", "--hold-ms", "5", "--size-mb", "1")
    log = tempfile.TemporaryFile()
    feeder = sh(PATTERN.format(n=1 << 30) + " | exec socat -d -d -d -u -b 8192 - TCP4:127.0.0.1:%d"
                % rx.port, stderr=log)
    # The kill comes once socat has written a few blocks: its log says so.
    while True:
        log.seek(0)
        sent = [int(x) for x in re.findall(rb"transferred (\d+) bytes", log.read())]
        if len(sent) >= 32:
            break
        expect(feeder.poll() is None, "socat ended early")
        threading.Event().wait(0.01)	# polling the log, not ordering on time
    os.killpg(feeder.pid, signal.SIGKILL)
    feeder.wait(WAIT)
    rc = rx.wait()
    log.seek(0)
    sent = sum(int(x) for x in re.findall(rb"transferred (\d+) bytes", log.read()))
    expect(rc == 0, "rx exited %d after the sender died" % rc, rx)
    r = rx.report()
    # socat logs a block after its write(): at most one block unlogged.
    expect(sent <= r["bytes"] <= sent + 8192, "socat logged %d bytes, rx read %d" %
           (sent, r["bytes"]), rx)
    expect(r["leak_check"] == "ok", "leak check: " + r["leak_check"], rx)


def case_sender_reset():
    """SO_LINGER 0: the close is a reset; rx reports it and exits non-zero."""
    rx = Rx("-s", "127.0.0.1", "-v", "7")
    # socat resets when its stdin ends; that waits until rx holds the
    # connection (a reset before the accept is refused, never seen).
    s = sh(socat_to(rx.port, opts=",linger=0,shut-close"), stdin=subprocess.PIPE)
    s.stdin.write(pattern(1 << 20))
    s.stdin.flush()
    rx.wait_line("conn 0: accepted")
    s.stdin.close()
    rc = rx.wait()
    s.wait(WAIT)
    expect(rc != 0, "rx exited 0 after a reset", rx)
    expect("reset" in rx.err, "no reset reported", rx)
    r = rx.report()
    expect(r["conns"][0]["status"] == "reset", "status " + r["conns"][0]["status"], rx)
    expect(r["leak_check"] == "ok", "leak check: " + r["leak_check"], rx)


def case_probe():
    p = subprocess.run([LAB, "rx", "-f", "eth3", "-t", "2", "-q", "2"], capture_output=True,
                       timeout=WAIT)
    expect(p.returncode == 0, "probe exited %d: %s" % (p.returncode, p.stderr.decode()))
    expect(p.stderr.decode().count(" ok (") == 5, p.stderr.decode())


def case_bad_values():
    for bad in (["-v", "0"], ["-a", "2"], ["-U", "3"], ["--batch", "129"], ["-p", "x"],
                ["-s", "nowhere"], ["-q", "0"], ["--hold-ms", "-1"], ["-Z"], ["extra"]):
        p = subprocess.run([LAB, "rx", "-l"] + bad, capture_output=True, timeout=WAIT)
        lines = p.stderr.decode().strip().splitlines()
        expect(p.returncode == 2 and len(lines) == 1, "%s: exit %d, %r" % (bad, p.returncode, lines))
    p = subprocess.run([LAB, "rx", "--help"], capture_output=True, timeout=WAIT)
    for flag in ("-l", "-s", "-c", "-p", "-f", "-t", "-q", "-v", "-a", "-U", "-L",
                 "--batch", "--hold-ms", "--json", "--help"):
        expect(flag in p.stdout.decode(), "--help lacks " + flag)


CASES = [v for k, v in globals().items() if k.startswith("case_")]


def main():
    only = os.environ.get("RX_CASES")
    cases = [c for c in CASES if not only or c.__name__[5:] in only.split(",")]
    print("1..%d" % len(cases), flush=True)
    failed = 0
    for i, case in enumerate(cases, 1):
        try:
            case()
            print("ok %d - %s" % (i, case.__name__[5:]), flush=True)
        except Exception:	# a failed case must not stop the others
            failed += 1
            print("not ok %d - %s" % (i, case.__name__[5:]), flush=True)
            for line in traceback.format_exc().splitlines():
                print("# " + line, flush=True)
        finally:
            for p in procs:
                if p.poll() is None:
                    try:
                        os.killpg(p.pid, signal.SIGKILL) if p.args[0] == "bash" else p.kill()
                    except ProcessLookupError:
                        pass
                    p.wait()
            procs.clear()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
