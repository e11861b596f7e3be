#!/usr/bin/env python3
"""Writes the seed corpus of bgp_decode_fuzz: one valid BGP message per file.

Deterministic (fixed seed): running it again gives the same files, named by their SHA-1.
    python3 fuzz/make_corpus.py fuzz/corpus/bgp_decode
The messages cover every message type, every capability and attribute the codec knows, both
AS number widths, IPv4 and IPv6, and the real captures kept as fixtures in tests/bgp/codec.
"""
import hashlib
import os
import random
import struct
import sys

MARKER = b"\xff" * 16


def msg(mtype, body):
    return MARKER + struct.pack(">HB", 19 + len(body), mtype) + body


def attr(flags, code, value):
    if len(value) > 255 or flags & 0x10:
        return struct.pack(">BBH", flags | 0x10, code, len(value)) + value
    return struct.pack(">BBB", flags, code, len(value)) + value


def prefix(addr, length):
    return bytes([length]) + addr[: (length + 7) // 8]


def as_path(segments, width):
    out = b""
    for kind, asns in segments:
        out += bytes([kind, len(asns)])
        for a in asns:
            out += struct.pack(">I" if width == 4 else ">H", a if width == 4 or a < 65536 else 23456)
    return out


def update(withdrawn=b"", attrs=b"", nlri=b""):
    return msg(2, struct.pack(">H", len(withdrawn)) + withdrawn + struct.pack(">H", len(attrs))
               + attrs + nlri)


def cap(code, value=b""):
    return bytes([code, len(value)]) + value


def open_msg(my_as, hold, ident, caps, one_param=True):
    if one_param:
        params = bytes([2, len(caps)]) + caps if caps else b""
    else:
        params = b""
        rest = caps
        while rest:
            n = 2 + rest[1]
            params += bytes([2, n]) + rest[:n]
            rest = rest[n:]
    return msg(1, struct.pack(">BHHIB", 4, my_as, hold, ident, len(params)) + params)


def v4(rng):
    return bytes([10, rng.randrange(256), rng.randrange(256), rng.randrange(256)])


def v6(rng):
    return bytes([0xfd, 0x99]) + bytes(rng.randrange(256) for _ in range(14))


def messages(rng):
    out = []
    mp4 = cap(1, struct.pack(">HBB", 1, 0, 1))
    mp6 = cap(1, struct.pack(">HBB", 2, 0, 1))
    gr = cap(64, struct.pack(">H", 0x8078) + struct.pack(">HBB", 1, 1, 0x80) +
             struct.pack(">HBB", 2, 1, 0))
    as4 = cap(65, struct.pack(">I", 65001))
    all_caps = mp4 + mp6 + cap(2) + cap(6) + gr + as4 + cap(70)
    out.append(open_msg(65001, 90, 0x0a000002, b""))
    out.append(open_msg(65001, 90, 0x0a000002, all_caps))
    out.append(open_msg(65001, 180, 0x0a000002, all_caps + cap(73, b"\x01a\x00"), one_param=False))
    out.append(open_msg(23456, 90, 0x0a000002, cap(65, struct.pack(">I", 4200000001))))
    # RFC 9072 extended optional parameters.
    body = struct.pack(">BHHIBB", 4, 65001, 90, 0x0a000002, 255, 255)
    c = as4 + mp6
    body += struct.pack(">HBH", 3 + len(c), 2, len(c)) + c
    out.append(msg(1, body))
    out.append(msg(4, b""))
    out.append(msg(3, bytes([6, 2, 11]) + b"maintenance"))
    out.append(msg(3, bytes([4, 0])))
    out.append(msg(3, bytes([3, 1]) + bytes(rng.randrange(256) for _ in range(40))))
    for sub in (0, 1, 2):
        out.append(msg(5, struct.pack(">HBB", 1 + sub % 2, sub, 1)))
    out.append(update())  # End-of-RIB IPv4
    out.append(update(attrs=attr(0x90, 15, struct.pack(">HB", 2, 1))))  # End-of-RIB IPv6
    out.append(update(withdrawn=b"".join(prefix(v4(rng), 24) for _ in range(5))))

    for width in (4, 2):
        for _ in range(12):
            path = [(2, [rng.choice([65001, 65002, 4200000001, 64512 + rng.randrange(100)])
                         for _ in range(rng.randrange(1, 6))])]
            if rng.random() < 0.3:
                path.append((1, [65010, 65011]))
            a = attr(0x40, 1, bytes([rng.randrange(3)]))
            a += attr(0x40, 2, as_path(path, width))
            a += attr(0x40, 3, bytes([10, 0, 0, 2]))
            if rng.random() < 0.5:
                a += attr(0x80, 4, struct.pack(">I", rng.randrange(1000)))
            if rng.random() < 0.5:
                a += attr(0x40, 5, struct.pack(">I", 100))
            if rng.random() < 0.3:
                a += attr(0x40, 6, b"")
            if rng.random() < 0.3:
                a += attr(0xc0, 7, struct.pack(">I" if width == 4 else ">H", 65001) + bytes([10, 0, 0, 9]))
            if rng.random() < 0.5:
                a += attr(0xc0, 8, b"".join(struct.pack(">I", 0xfde90000 + i) for i in range(rng.randrange(1, 8))))
            if rng.random() < 0.3:
                a += attr(0xc0, 16, struct.pack(">Q", 0x0002fde900000064))
            if rng.random() < 0.3:
                a += attr(0xc0, 32, struct.pack(">III", 65001, 1, 2))
            if width == 2 and any(x > 65535 for _, s in path for x in s):
                a += attr(0xc0, 17, as_path(path, 4))
            if rng.random() < 0.2:
                a += attr(0xe0, 99, b"\x01\x02\x03")
            nlri = b"".join(prefix(v4(rng), rng.choice([8, 16, 24, 32])) for _ in range(rng.randrange(1, 20)))
            out.append(update(attrs=a, nlri=nlri))
    for nh_len in (16, 32):
        nh = bytes([0xfd, 0x99] + [0] * 13 + [1])
        if nh_len == 32:
            nh += bytes([0xfe, 0x80] + [0] * 13 + [1])
        nlri = b"".join(prefix(v6(rng), rng.choice([48, 64, 128])) for _ in range(10))
        mp = attr(0x90, 14, struct.pack(">HBB", 2, 1, nh_len) + nh + b"\x00" + nlri)
        out.append(update(attrs=mp + attr(0x40, 1, b"\x00") + attr(0x40, 2, as_path([(2, [65001])], 4))))
    out.append(update(attrs=attr(0x90, 15, struct.pack(">HB", 2, 1) + prefix(v6(rng), 64))))
    # Captures (BIRD 2.0.12 / FRR 8.4.4), as in tests/bgp/codec/capture_test.cc.
    for h in (
        "ffffffffffffffffffffffffffffffff00450104fde900f00a63fa0128022601040001000101040002000102"
        "000600400a0078000101000002010041040000fde946004700",
        "ffffffffffffffffffffffffffffffff007e0104fdea00b40a63fa0261020601040001000102060104000200"
        "01020280000202020002024600020641040000fdea02020600020a45080001010100020101020b4909076374"
        "6361702d6200020c400ac07800010100000201000210470e0001018000000000020180000000",
        "ffffffffffffffffffffffffffffffff0037020000001c400101005002000602010000fdea4003040a63fa02"
        "80040400000000180afa03",
        "ffffffffffffffffffffffffffffffff0056020000003f900e002e00020120fd99025000000000000000000000"
        "0001fe80000000000000283f5cfffe887f7b0040fd990250000000004001010040020602010000fde9",
        "ffffffffffffffffffffffffffffffff001d0200000006800f03000201",
    ):
        out.append(bytes.fromhex(h))
    return out


def main():
    target = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "corpus",
                                                                 "bgp_decode")
    os.makedirs(target, exist_ok=True)
    rng = random.Random(20240611)
    for m in messages(rng):
        name = hashlib.sha1(m).hexdigest()
        with open(os.path.join(target, name), "wb") as f:
            f.write(m)


if __name__ == "__main__":
    main()
