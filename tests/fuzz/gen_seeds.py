#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Writes the seed corpora of the fuzz targets (tests/fuzz/corpus/<target>/).

Run once after changing an input format: python3 tests/fuzz/gen_seeds.py
Each seed is a small binary file named after what it exercises; the
layouts are described at the top of each target's source.
"""
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
NETDEV = 0x1B           # the model's "netdev" family id
GENL_CTRL = 0x10
REQ, ACK, DUMP = 0x1, 0x4, 0x300
FD_PLACEHOLDER = 0xDBDBDBDB
NESTED = 0x8000


def align4(b):
    return b + b"\0" * (-len(b) % 4)


def attr(t, payload):
    return align4(struct.pack("<HH", 4 + len(payload), t) + payload)


def u8(t, v):
    return attr(t, struct.pack("<B", v))


def u16(t, v):
    return attr(t, struct.pack("<H", v))


def u32(t, v):
    return attr(t, struct.pack("<I", v))


def u64(t, v):
    return attr(t, struct.pack("<Q", v))


def nest(t, *attrs):
    return attr(t | NESTED, b"".join(attrs))


def msg(family, cmd, attrs=b"", flags=REQ | ACK, seq=1, length=None):
    body = struct.pack("<BBH", cmd, 1, 0) + attrs
    n = 16 + len(body) if length is None else length
    return struct.pack("<IHHII", n, family, flags, seq, 0) + body


def queue(qid, qtype=0):
    return nest(2, u32(1, qid), u32(3, qtype))


def bind(*queues, ifindex=1, fd=FD_PLACEHOLDER, ar=None, extra=b"", **kw):
    a = u32(1, ifindex) + u32(3, fd) + b"".join(queues)
    if ar is not None:
        a += ar
    return msg(NETDEV, 13, a + extra, **kw)


def write(target, seeds):
    # Overwrites its own seeds only: inputs added by hand (regressions) stay.
    d = os.path.join(HERE, "corpus", target)
    os.makedirs(d, exist_ok=True)
    for name, data in seeds.items():
        with open(os.path.join(d, name), "wb") as f:
            f.write(data)


def netlink_bind():
    s = {}
    s["bind-q0-autorelease-absent"] = bind(queue(0))
    s["bind-q1-autorelease-u8-0"] = bind(queue(1), ar=u8(5, 0))
    s["bind-q2q3-autorelease-u8-1"] = bind(queue(2), queue(3), ar=u8(5, 1))
    s["bind-q4-autorelease-flag"] = bind(queue(4), ar=attr(5, b""))
    s["bind-q5-autorelease-u32-1"] = bind(queue(5), ar=u32(5, 1))
    s["bind-mode-conflict-ebusy"] = (bind(queue(0), ar=u8(5, 0), seq=1) +
                                     bind(queue(1), ar=u8(5, 1), seq=2))
    s["bind-same-mode-twice"] = (bind(queue(0), ar=u8(5, 1), seq=1) +
                                 bind(queue(1), ar=u8(5, 1), seq=2))
    s["bind-queue-twice-eexist"] = bind(queue(6), queue(6))
    s["bind-queue-range"] = bind(queue(9))
    s["bind-queue-tx"] = bind(queue(0, 1))
    s["bind-queue-type-2"] = bind(queue(0, 2))
    s["bind-queue-missing-type"] = bind(nest(2, u32(1, 0)))
    s["bind-queue-empty-nest"] = bind(nest(2))
    s["bind-queue-not-nested"] = bind(attr(2, u32(1, 0) + u32(3, 0)))
    s["bind-ifindex-2-enodev"] = bind(queue(0), ifindex=2)
    s["bind-ifindex-0"] = bind(queue(0), ifindex=0)
    s["bind-fd-stdin"] = bind(queue(0), fd=0)
    s["bind-fd-closed"] = bind(queue(0), fd=9999)
    s["bind-fd-negative"] = bind(queue(0), fd=0xFFFFFFFF)
    s["bind-missing-fd"] = msg(NETDEV, 13, u32(1, 1) + queue(0))
    s["bind-missing-queues"] = msg(NETDEV, 13, u32(1, 1) + u32(3, FD_PLACEHOLDER))
    s["bind-id-attr-rejected"] = bind(queue(0), extra=u32(4, 1))
    s["bind-unknown-attr-6"] = bind(queue(0), extra=u32(6, 1))
    s["bind-autorelease-2"] = bind(queue(0), ar=u8(5, 2))
    s["bind-autorelease-u16"] = bind(queue(0), ar=u16(5, 1))
    s["bind-duplicate-ifindex"] = bind(queue(0), extra=u32(1, 1))
    good = bind(queue(0))
    s["bind-nlmsg-len-long"] = good[:0] + struct.pack("<I", len(good) + 8) + good[4:]
    s["bind-nlmsg-len-short"] = struct.pack("<I", len(good) - 6) + good[4:]
    s["bind-truncated-attr"] = good[:-3]
    bad_nla = bytearray(good)
    bad_nla[20:22] = struct.pack("<H", 200)
    s["bind-attr-len-past-end"] = bytes(bad_nla)
    bad_nla[20:22] = struct.pack("<H", 2)
    s["bind-attr-len-too-short"] = bytes(bad_nla)
    s["bind-trailing-bytes"] = msg(NETDEV, 13, u32(1, 1) + b"\x01\x02")
    s["bind-dump"] = bind(queue(0), flags=REQ | ACK | DUMP)
    s["bind-no-request-flag"] = bind(queue(0), flags=ACK)
    s["genl-header-short"] = struct.pack("<IHHII", 18, NETDEV, REQ | ACK, 1, 0) + b"\x0d\x01"
    s["unknown-family"] = msg(0x77, 13, u32(1, 1))
    s["unknown-command"] = msg(NETDEV, 42)
    s["nlmsg-noop"] = struct.pack("<IHHII", 16, 1, REQ | ACK, 1, 0)
    s["dev-get-ifindex-1"] = msg(NETDEV, 1, u32(1, 1))
    s["queue-get-dump"] = msg(NETDEV, 10, flags=REQ | DUMP)
    s["getfamily-netdev"] = msg(GENL_CTRL, 3, attr(2, b"netdev\0"))
    s["bind-then-query-pools"] = bind(queue(0)) + msg(NETDEV, 5, flags=REQ | DUMP, seq=2)
    s["short-buffer"] = b"\x10\x00\x00"
    write("fuzz_netlink_bind", s)


def netlink_query():
    F_NOREQ, F_ACK, F_DUMP, F_ECHO, F_SHORT, F_LONG, F_VER = 1, 2, 4, 8, 0x10, 0x20, 0x40

    def q(pick, flags, attrs=b"", tweak=0, pre=b""):
        return bytes([pick, flags, tweak]) + pre + attrs

    s = {}
    s["dev-get-do"] = q(0, F_ACK, u32(1, 1))
    s["dev-get-do-eth1"] = q(0, 0, u32(1, 2))
    s["dev-get-do-enodev"] = q(0, F_ACK, u32(1, 7))
    s["dev-get-do-missing"] = q(0, F_ACK)
    s["dev-get-dump"] = q(0, F_DUMP)
    s["queue-get-do-bound"] = q(1, F_ACK, u32(2, 1) + u32(3, 0) + u32(1, 5))
    s["queue-get-do-tx"] = q(1, 0, u32(2, 1) + u32(3, 1) + u32(1, 0))
    s["queue-get-do-range"] = q(1, F_ACK, u32(2, 1) + u32(3, 0) + u32(1, 8))
    s["queue-get-do-type-2"] = q(1, F_ACK, u32(2, 1) + u32(3, 2) + u32(1, 0))
    s["queue-get-dump"] = q(1, F_DUMP)
    s["queue-get-dump-eth1"] = q(1, F_DUMP, u32(2, 2))
    s["queue-get-dump-bad-attr"] = q(1, F_DUMP, u32(1, 0))
    s["page-pool-get-dump"] = q(2, F_DUMP)
    s["page-pool-get-do-1"] = q(2, F_ACK, u32(1, 1))
    s["page-pool-get-do-u64"] = q(2, F_ACK, u64(1, 3))
    s["page-pool-get-do-0"] = q(2, F_ACK, u32(1, 0))
    s["page-pool-get-do-big"] = q(2, F_ACK, u64(1, 1 << 40))
    s["page-pool-get-do-enoent"] = q(2, F_ACK, u32(1, 999))
    s["stats-get-dump"] = q(3, F_DUMP)
    s["stats-get-do"] = q(3, F_ACK, nest(1, u32(1, 1)))
    s["stats-get-do-ifindex"] = q(3, F_ACK, nest(1, u32(2, 1)))
    s["stats-get-do-not-nested"] = q(3, F_ACK, attr(1, u32(1, 1)))
    s["stats-get-do-empty-nest"] = q(3, F_ACK, nest(1))
    s["getfamily-netdev"] = q(4, F_ACK, attr(2, b"netdev\0"))
    s["getfamily-nlctrl-by-id"] = q(4, 0, u16(1, GENL_CTRL))
    s["getfamily-unknown"] = q(4, F_ACK, attr(2, b"nope\0"))
    s["getfamily-unterminated"] = q(4, F_ACK, attr(2, b"netdev"))
    s["getfamily-dump"] = q(4, F_DUMP)
    s["bind-rx-eperm"] = q(5, F_ACK, u32(1, 1) + u32(3, 3) + queue(0))
    s["bind-rx-dump"] = q(5, F_DUMP)
    s["napi-get-unsupported"] = q(6, F_ACK, pre=bytes([11]))
    s["unknown-family"] = q(7, F_ACK, pre=bytes([0x99, 0x00, 1]))
    s["nlmsg-noop-type"] = q(7, F_ACK, pre=bytes([0x01, 0x00, 0]))
    s["twice-dev-get"] = q(8, F_ACK, u32(1, 1))
    s["twice-stats-dump"] = q(8 | 3, F_DUMP)
    s["len-short"] = q(0, F_ACK | F_SHORT, u32(1, 1), tweak=6)
    s["len-too-short"] = q(0, F_ACK | F_SHORT, tweak=10)
    s["len-long"] = q(1, F_ACK | F_LONG, u32(2, 1), tweak=12)
    s["not-a-request"] = q(0, F_NOREQ | F_ACK, u32(1, 1))
    s["echo-version-0"] = q(0, F_ECHO | F_VER, u32(1, 1), tweak=0)
    s["trailing-bytes"] = q(0, F_ACK, u32(1, 1) + b"\x05\x00")
    write("fuzz_netlink_query", s)


def tokens(*entries):
    return b"".join(struct.pack("<II", a, b) for a, b in entries)


def dontneed():
    s = {}
    for d in range(4):
        s[f"d{d}-empty"] = bytes([d])
        s[f"d{d}-sweep-0-64"] = bytes([d]) + tokens((0, 64))
        s[f"d{d}-1-by-1"] = bytes([d]) + tokens(*[(t, 1) for t in range(0, 20)])
        s[f"d{d}-repeat-same"] = bytes([d]) + tokens(*[(1, 1)] * 8)
    s["d0-past-binding-ends-entry"] = bytes([1]) + tokens((60, 10), (0, 2))
    s["d1-ids-from-1"] = bytes([0]) + tokens((1, 40))
    s["d0-frag-limit-1024"] = bytes([1]) + tokens(*[(0, 9)] * 128)
    s["d1-frag-limit-1024"] = bytes([0]) + tokens(*[(1, 9)] * 128)
    s["d2-huge-count"] = bytes([2]) + tokens((1, 0xFFFFFFFF), (2, 1))
    s["d3-wraparound"] = bytes([3]) + tokens((0xFFFFFFFE, 5))
    s["d0-token-zero"] = bytes([1]) + tokens((0, 0), (0, 1))
    s["optlen-7"] = bytes([0]) + b"\x01" * 7
    s["optlen-1028"] = bytes([1]) + b"\x00" * 1028
    s["optlen-1032"] = bytes([0]) + tokens(*[(1, 1)] * 129)
    s["optlen-1024-exact"] = bytes([3]) + tokens(*[(k, 1) for k in range(128)])
    s["optlen-1500-odd"] = bytes([2]) + b"\x01\x00\x00\x00\x01\x00\x00\x00" * 187 + b"\x01\x02\x03\x04"
    write("fuzz_dontneed", s)


def recvmsg():
    DEVMEM, WAITALL, BADF, HIGH, NULLIOV, NULLBASE, NULLCTRL, ZEROIOV = 1, 2, 4, 8, 0x10, 0x20, 0x40, 0x80
    RET, FIN = bytes([2]), bytes([3])

    def conn(d, opts=0, gro=1, mss=4096, lh=0, hds=0):
        return bytes([d, opts | (gro << 2)]) + struct.pack("<HHH", mss, lh, hds)

    def send(n):
        return bytes([0]) + struct.pack("<H", n)

    def rd(flags, iovs, room):
        return (bytes([1, flags, len(iovs)]) + b"".join(struct.pack("<H", n) for n in iovs) +
                struct.pack("<H", room))

    s = {}
    for d in range(4):
        s[f"d{d}-devmem-two-pages"] = (conn(d) + send(8191) + rd(DEVMEM, [4096], 2000) +
                                       rd(DEVMEM, [8191], 2000))
        s[f"d{d}-linear-head-gro"] = (conn(d, gro=4, mss=1500, lh=100) + send(6000) + send(6000) +
                                      rd(DEVMEM, [50, 300], 200) + rd(DEVMEM, [8191], 2047) +
                                      rd(DEVMEM, [8191, 8191], 2047))
        s[f"d{d}-stall-then-resume"] = (conn(d, mss=3000) + send(8191) * 8 +
                                        (rd(DEVMEM, [8191] * 4, 400) + RET) * 6 + send(8191) +
                                        rd(DEVMEM, [8191], 400))
        s[f"d{d}-hold-while-sending"] = (conn(d, gro=2, mss=2000) + (send(4000) + rd(DEVMEM, [8191], 800)) * 6 +
                                         RET + send(8191))
    s["cmsg-room-too-small"] = conn(0) + send(8191) + rd(DEVMEM, [4096], 39) + rd(DEVMEM, [4096], 40)
    s["cmsg-room-unaligned"] = (conn(1, mss=1000, lh=10) + send(8191) + rd(DEVMEM, [4096], 83) +
                                rd(DEVMEM, [4096], 121))
    s["cmsg-room-zero"] = conn(1) + send(8191) + rd(DEVMEM, [4096], 0)
    s["cmsg-null-control"] = conn(0) + send(8191) + rd(DEVMEM | NULLCTRL, [4096], 400)
    s["no-devmem-flag-efault"] = conn(1) + send(8191) + rd(0, [4096], 400) + rd(DEVMEM, [4096], 400)
    s["host-memory-flow"] = (conn(0, opts=1) + send(5000) + rd(DEVMEM, [100, 7], 400) +
                             rd(0, [8191], 0))
    s["hds-thresh-host-skbs"] = conn(1, mss=1000, hds=1000) + send(3000) + rd(DEVMEM, [8191], 400)
    s["mixed-hds"] = (conn(0, mss=1200, hds=600) + send(1200) + send(500) + send(1200) +
                      rd(DEVMEM, [8191], 400) * 3)
    s["fin-eof"] = conn(1) + send(100) + FIN + rd(DEVMEM, [8191], 400) * 3 + send(10)
    s["no-data-eagain"] = conn(0) + rd(DEVMEM, [100], 400) + send(0) + rd(DEVMEM, [100], 400)
    s["bad-flags-peek"] = conn(0) + send(4096) + rd(DEVMEM | BADF, [4096], 400)
    s["bad-flags-high"] = conn(1) + send(4096) + rd(DEVMEM | BADF | HIGH, [4096], 400)
    s["null-msg-iov"] = conn(0) + send(4096) + rd(DEVMEM | NULLIOV, [4096], 400)
    s["null-iov-base"] = conn(1) + send(4096) + rd(DEVMEM | NULLBASE, [64, 64], 400)
    s["zero-iov-first"] = conn(0) + send(4096) + rd(DEVMEM | ZEROIOV, [1, 2, 3], 400)
    s["no-iovecs"] = conn(1) + send(4096) + rd(DEVMEM, [], 400)
    s["waitall"] = conn(0) + send(8191) + rd(DEVMEM | WAITALL, [8191], 400)
    s["tiny-iovecs"] = conn(0, mss=500, lh=300) + send(4096) + rd(DEVMEM, [1, 1, 1, 1, 1, 1, 1], 2047)
    s["bad-linear-head"] = conn(0, mss=100, lh=100)
    s["bad-gro"] = conn(0, gro=20)
    write("fuzz_recvmsg", s)


if __name__ == "__main__":
    netlink_bind()
    netlink_query()
    dontneed()
    recvmsg()
