#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""`devmem-lab run` with programs we did not write (issue 15), as TAP.

- the command itself: --help, bad usage (exit 2, one line), a missing program (127);
- programs that never touch devmem (cat, sh, a plain TCP echo server fed by socat)
  give the same output and exit status under `run` as without it;
- the kernel's own YNL client, tools/net/ynl/cli.py with the netdev spec, both from
  Debian's linux-source-6.12 (Python's sockets go through libc, so `run` sees them):
  dev-get / queue-get / page-pool-get dumps show the NIC `devmem-lab demo` shows, and
  a bind-rx with a bad fd gets the kernel's error with its extack; the same with the
  project's generated spec that names the series' autorelease attribute.

    test_run_tools.py DEVMEM_LAB CACHE_DIR [GENERATED_NETDEV_YAML]
"""
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tarfile
import threading
import traceback

LAB = sys.argv[1] if len(sys.argv) > 1 else "build/tools/devmem-lab"
CACHE = sys.argv[2] if len(sys.argv) > 2 else "build/ynl-cache"
GENERATED_SPEC = sys.argv[3] if len(sys.argv) > 3 else ""
TARBALL = "/usr/src/linux-source-6.12.tar.xz"
YNL_MEMBERS = [
    "tools/net/ynl/cli.py",
    "tools/net/ynl/lib/__init__.py",
    "tools/net/ynl/lib/nlspec.py",
    "tools/net/ynl/lib/ynl.py",
    "Documentation/netlink/specs/netdev.yaml",
]
WAIT = 120
procs = []


class Skip(Exception):
    pass


def expect(cond, what, detail=""):
    if not cond:
        raise AssertionError(f"{what}: {detail}")


def run(args, **kw):
    kw.setdefault("capture_output", True)
    kw.setdefault("timeout", WAIT)
    return subprocess.run(args, **kw)


def lab_run(*args, **kw):
    return run([LAB, "run"] + list(args), **kw)


# ---- the command ------------------------------------------------------------

def case_help():
    """--help lists every option and exits 0."""
    r = lab_run("--help")
    expect(r.returncode == 0, "exit", r.returncode)
    for opt in ("--ifname", "--addr", "--queues", "--header-split", "--udmabuf",
                "--autorelease", "--admin", "--trace", "--check", "--strict-names"):
        expect(opt in r.stdout.decode(), "missing from --help", opt)


def case_bad_usage():
    """Unknown options, bad values and no program exit 2 with one clear line."""
    for args in (["--bogus", "--", "true"], ["--queues", "0", "--", "true"],
                 ["--header-split", "maybe", "--", "true"], ["--addr", "nope", "--", "true"],
                 []):
        r = lab_run(*args)
        expect(r.returncode == 2, f"exit for {args}", r.returncode)
        lines = r.stderr.decode().splitlines()
        expect(len(lines) == 1 and lines[0].startswith("devmem-lab"),
               f"one line for {args}", r.stderr)


def case_missing_program():
    """A program that cannot be run: 127, as a shell says."""
    r = lab_run("--", "/nonexistent/program")
    expect(r.returncode == 127, "exit", r.returncode)
    expect(b"/nonexistent/program" in r.stderr, "message", r.stderr)


# ---- programs that never touch devmem ----------------------------------------

def same_as_plain(args, stdin=b""):
    plain = run(args, input=stdin)
    under = lab_run("--", *args, input=stdin)
    expect(under.returncode == plain.returncode, f"exit of {args}",
           f"{under.returncode} != {plain.returncode}")
    expect(under.stdout == plain.stdout, f"stdout of {args}", under.stdout[:200])
    expect(under.stderr == plain.stderr, f"stderr of {args}", under.stderr[:200])


def case_cat_identical():
    """cat, a failing sh and a signalled process: output and status unchanged."""
    data = bytes(range(256)) * 4096
    same_as_plain(["cat"], data)
    same_as_plain(["sh", "-c", "echo out; echo err >&2; exit 7"])
    same_as_plain(["sh", "-c", "ls /nonexistent-dir"])
    r = lab_run("--", "sh", "-c", "kill -TERM $$")
    expect(r.returncode == -15, "killed by SIGTERM is reported as such", r.returncode)


ECHO_SERVER = r"""
import socket, sys
host = sys.argv[1]
s = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((host, 0))
s.listen(1)
print(s.getsockname()[1], flush=True)
c, _ = s.accept()
s.close()  # accepted connections outlive their listener
total = 0
while True:
    b = c.recv(65536)
    if not b:
        break
    total += len(b)
    c.sendall(b)
c.close()
print("echoed", total, flush=True)
"""


def echo_once(prefix, host):
    """One echo session; (echo correct, server stdout, stderr, exit)."""
    p = subprocess.Popen(prefix + [sys.executable, "-c", ECHO_SERVER, host],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    procs.append(p)
    port = int(p.stdout.readline())
    payload = b"".join(b"line %d\n" % i for i in range(20000))
    addr = f"[{host}]" if ":" in host else host
    client = run(["socat", "-t", "5", "-", f"TCP:{addr}:{port}"], input=payload)
    out, err = p.communicate(timeout=WAIT)
    return client.stdout == payload, out, err, p.returncode


def case_echo_server_identical():
    """A plain TCP echo server (Python, wildcard and loopback) with a socat client."""
    for host in ("0.0.0.0", "127.0.0.1", "::"):
        plain = echo_once([], host)
        under = echo_once([LAB, "run", "--"], host)
        expect(under[0] and plain[0], f"echo on {host}", under[2][:300])
        expect(under[1:] == plain[1:], f"server output on {host}", (under, plain))


def case_echo_server_on_emulated_address():
    """The same server listening on the emulated NIC: received through the model, answered
    on the real connection; the listener closed after accept leaves the connection be."""
    plain = echo_once([], "127.0.0.2")
    under = echo_once([LAB, "run", "--addr", "127.0.0.2", "--check", "--"], "127.0.0.2")
    expect(under[0] and plain[0], "echo through the emulation", under[2][:300])
    expect(under[1] == plain[1] and under[3] == plain[3], "server output", (under, plain))
    expect(b"check ok" in under[2], "the invariant check at exit", under[2])


EPOLL_SERVER = r"""
import select, socket, sys
host, edge = sys.argv[1], sys.argv[2] == "et"
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.bind((host, 0))
s.listen(4)
s.setblocking(False)
print(s.getsockname()[1], flush=True)
ep = select.epoll()
ep.register(s, select.EPOLLIN)
conns, total, ended = {}, 0, 0
while ended < 2:
    for fd, ev in ep.poll(30):
        if fd == s.fileno():
            while True:
                try:
                    c, _ = s.accept()
                except BlockingIOError:
                    break
                c.setblocking(False)
                conns[c.fileno()] = c
                ep.register(c, select.EPOLLIN | (select.EPOLLET if edge else 0))
            continue
        c = conns[fd]
        while True:   # edge-triggered: read until EAGAIN, or the wake is lost
            try:
                b = c.recv(65536)
            except BlockingIOError:
                break
            if not b:
                ep.unregister(c)
                c.close()
                ended += 1
                break
            total += len(b)
            if not edge:
                break
print("total", total, flush=True)
"""


def case_epoll_readiness():
    """poll/epoll on emulated fds, level- and edge-triggered, two connections at once:
    the eventfd standing for each socket is readable exactly while it is."""
    for mode in ("lt", "et"):
        p = subprocess.Popen([LAB, "run", "--addr", "127.0.0.2", "--", sys.executable, "-c",
                              EPOLL_SERVER, "127.0.0.2", mode],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        procs.append(p)
        port = int(p.stdout.readline())
        senders = [subprocess.Popen(["socat", "-u", "-", f"TCP:127.0.0.2:{port}"],
                                    stdin=subprocess.PIPE) for _ in range(2)]
        procs.extend(senders)
        for s in senders:
            s.stdin.write(b"x" * (3 << 20))
            s.stdin.close()
        for s in senders:
            expect(s.wait(WAIT) == 0, "sender", s.returncode)
        out, err = p.communicate(timeout=WAIT)
        expect(p.returncode == 0, f"{mode} server", err[-500:])
        expect(out.split()[-1] == str(6 << 20).encode(), f"{mode}: every byte", out)


# ---- the kernel's YNL client -------------------------------------------------

def ynl_tree():
    """cli.py, its library and the netdev spec, from the Debian tarball, cached."""
    cli = os.path.join(CACHE, "tools/net/ynl/cli.py")
    if os.path.exists(cli):
        return CACHE
    if not os.path.exists(TARBALL):
        raise Skip("no " + TARBALL + " (scripts/setup installs linux-source-6.12)")
    os.makedirs(CACHE, exist_ok=True)
    wanted = {"linux-source-6.12/" + m: m for m in YNL_MEMBERS}
    with tarfile.open(TARBALL, "r|xz") as tar:
        for member in tar:
            if member.name in wanted:
                dest = os.path.join(CACHE, wanted.pop(member.name))
                os.makedirs(os.path.dirname(dest), exist_ok=True)
                with tar.extractfile(member) as src, open(dest + ".tmp", "wb") as out:
                    shutil.copyfileobj(src, out)
                os.rename(dest + ".tmp", dest)
                if not wanted:
                    break
    expect(not wanted, "members missing from the tarball", list(wanted))
    return CACHE


def cli(spec, *args, run_args=()):
    tree = ynl_tree()
    return lab_run(*run_args, "--", sys.executable,
                   os.path.join(tree, "tools/net/ynl/cli.py"), "--spec", spec,
                   "--no-schema", *args)


def kernel_spec():
    return os.path.join(ynl_tree(), "Documentation/netlink/specs/netdev.yaml")


def parse_cli_output(text):
    """cli.py prints Python reprs; json after quote and literal fixes is enough here."""
    import ast
    return ast.literal_eval(text.strip())


def eth0_ifindex():
    try:
        return socket.if_nametoindex("eth0")
    except OSError:
        return None


def demo_facts(queues):
    """What `devmem-lab demo` reports of an 8-queue NIC: queue ids and pool inflight."""
    r = run([LAB, "demo", "--rx-queues", str(queues)])
    expect(r.returncode == 0, "demo", r.stderr)
    text = r.stdout.decode()
    qsec = text.split("RX queues (netdev queue-get)")[1].split("page pools")[0]
    qids = [int(m.group(1)) for m in re.finditer(r"^\s+\d+\s+(\d+)\s+rx", qsec, re.M)]
    psec = text.split("page pools (netdev page-pool-get)")[1].split("page-pool stats")[0]
    inflight = [int(m.group(1)) for m in re.finditer(r"^\s+\d+\s+\d+\s+\S+(?: \d+)?\s+(\d+)", psec, re.M)]
    return qids, inflight


def case_ynl_dumps():
    """cli.py --dump dev-get / queue-get / page-pool-get under run: the NIC demo shows."""
    spec = kernel_spec()
    qids, inflight = demo_facts(8)
    r = cli(spec, "--dump", "dev-get", run_args=("--queues", "8"))
    expect(r.returncode == 0, "dev-get", r.stderr)
    devs = parse_cli_output(r.stdout.decode())
    idx = [d["ifindex"] for d in devs]
    if eth0_ifindex():
        expect(idx == [eth0_ifindex()], "the emulated eth0 has the real eth0's ifindex", idx)
    expect(len(idx) == 1, "one device", idx)
    r = cli(spec, "--dump", "queue-get", run_args=("--queues", "8"))
    expect(r.returncode == 0, "queue-get", r.stderr)
    queues = parse_cli_output(r.stdout.decode())
    got = sorted(q["id"] for q in queues if q["type"] == "rx")
    expect(got == sorted(qids), "rx queues as demo shows them", (got, qids))
    r = cli(spec, "--dump", "page-pool-get", run_args=("--queues", "8"))
    expect(r.returncode == 0, "page-pool-get", r.stderr)
    pools = parse_cli_output(r.stdout.decode())
    expect(len(pools) == len(inflight), "one pool per queue, as demo", (pools, inflight))
    expect(all(p["ifindex"] == idx[0] for p in pools), "pools on the device", pools)
    expect(sorted(p["inflight"] for p in pools) == sorted(inflight),
           "inflight as demo reports", (pools, inflight))


def bad_fd_bind(spec, extra=""):
    ifindex = eth0_ifindex() or 1
    req = '{"ifindex": %d, "fd": 999, "queues": [{"id": 1, "type": "rx"}]%s}' % (ifindex, extra)
    r = cli(spec, "--do", "bind-rx", "--json", req, run_args=("--header-split", "on"))
    out = (r.stdout + r.stderr).decode()
    expect(r.returncode != 0, "bind-rx with a bad fd failed", out)
    expect("Bad file descriptor" in out or "EBADF" in out or "-9" in out,
           "the kernel's errno (EBADF)", out)
    expect("fd 999" in out, "the extack message naming the fd", out)


def case_ynl_bind_bad_fd():
    """bind-rx with a bad fd through cli.py: EBADF and the extack message."""
    bad_fd_bind(kernel_spec())


def case_ynl_generated_spec_autorelease():
    """The shipped spec names autorelease: cli.py encodes it, the model parses it."""
    if not GENERATED_SPEC or not os.path.exists(GENERATED_SPEC):
        raise Skip("no generated netdev.yaml in this build")
    bad_fd_bind(GENERATED_SPEC, ', "autorelease": 1')


BIND_WITH_MEMFD = r"""
import os, fcntl, sys
fd = os.memfd_create("dmabuf", os.MFD_ALLOW_SEALING)   # inherited across exec
os.ftruncate(fd, 1 << 20)
fcntl.fcntl(fd, fcntl.F_ADD_SEALS, fcntl.F_SEAL_SHRINK)
cli, spec, ifindex, mode = sys.argv[1:5]
req = '{"ifindex": %s, "fd": %d, "queues": [{"id": 1, "type": "rx"}], "autorelease": %s}' % (
    ifindex, fd, mode)
os.execv(sys.executable, [sys.executable, cli, "--spec", spec, "--no-schema",
                          "--do", "bind-rx", "--json", req])
"""


def case_ynl_bind_autorelease():
    """bind-rx naming autorelease 0 and 1 through the shipped spec: the model binds
    (a sealed memfd as the dma-buf) and replies with the binding's id."""
    if not GENERATED_SPEC or not os.path.exists(GENERATED_SPEC):
        raise Skip("no generated netdev.yaml in this build")
    cli_py = os.path.join(ynl_tree(), "tools/net/ynl/cli.py")
    for mode in ("0", "1"):
        r = lab_run("--header-split", "on", "--", sys.executable, "-c", BIND_WITH_MEMFD,
                    cli_py, GENERATED_SPEC, str(eth0_ifindex() or 1), mode)
        out = (r.stdout + r.stderr).decode()
        expect(r.returncode == 0, f"bind-rx autorelease={mode}", out)
        expect(parse_cli_output(r.stdout.decode()) == {"id": 1}, "the reply's id", out)


CASES = [
    case_help, case_bad_usage, case_missing_program, case_cat_identical,
    case_echo_server_identical, case_echo_server_on_emulated_address, case_epoll_readiness,
    case_ynl_dumps, case_ynl_bind_bad_fd,
    case_ynl_generated_spec_autorelease, case_ynl_bind_autorelease,
]


def main():
    print("TAP version 13")
    print(f"1..{len(CASES)}")
    failed = 0
    for i, case in enumerate(CASES, 1):
        name = case.__name__[5:]
        try:
            case()
            print(f"ok {i} - {name}")
        except Skip as e:
            print(f"ok {i} - {name} # SKIP {e}")
        except Exception:
            failed += 1
            print(f"not ok {i} - {name}")
            for line in traceback.format_exc().splitlines():
                print("# " + line)
        finally:
            for p in procs:
                if p.poll() is None:
                    p.kill()
                    p.wait()
            procs.clear()
        sys.stdout.flush()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
