#!/usr/bin/env python3
"""Capture real rtnetlink replies, one message per file, as seeds for
fuzz-netlink: every RTM_NEWLINK of an RTM_GETLINK dump, and NLMSG_ERROR
acks with the kernel's extended ack message, with and without
NETLINK_CAP_ACK (the request's copy before the attributes). Run it only
inside a private network namespace (see
tests/fuzz/corpus/fuzz-netlink/README).

Usage: netlink-capture.py OUTDIR
"""
import os
import socket
import struct
import sys

SOL_NETLINK = 270
NETLINK_CAP_ACK, NETLINK_EXT_ACK = 10, 11
RTM_NEWLINK, RTM_GETLINK = 16, 18
NLM_F_REQUEST, NLM_F_ACK, NLM_F_CREATE, NLM_F_EXCL, NLM_F_DUMP = 1, 4, 0x400, 0x200, 0x300
NLMSG_ERROR, NLMSG_DONE = 2, 3
IFLA_IFNAME, IFLA_MTU, IFLA_LINKINFO = 3, 4, 18
IFLA_INFO_KIND, IFLA_INFO_DATA = 1, 2
IFLA_BR_FORWARD_DELAY = 1


def attr(typ, payload):
    a = struct.pack("=HH", 4 + len(payload), typ) + payload
    return a + bytes((4 - len(a) % 4) % 4)


def msg(typ, flags, body, seq):
    return struct.pack("=IHHII", 16 + len(body), typ, flags, seq, 0) + body


def messages(data):
    off = 0
    while off + 16 <= len(data):
        ln, typ = struct.unpack_from("=IH", data, off)
        if ln < 16 or off + ln > len(data):
            break
        yield typ, data[off:off + ln]
        off += (ln + 3) & ~3


def sock(cap):
    s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, socket.NETLINK_ROUTE)
    s.settimeout(2)
    s.setsockopt(SOL_NETLINK, NETLINK_EXT_ACK, 1)
    s.setsockopt(SOL_NETLINK, NETLINK_CAP_ACK, 1 if cap else 0)
    return s


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    ifi = struct.pack("=BxHiII", 0, 0, 0, 0, 0)
    s = sock(True)
    s.send(msg(RTM_GETLINK, NLM_F_REQUEST | NLM_F_DUMP, ifi, 1))
    n, done = 0, False
    while not done:
        for typ, m in messages(s.recv(65536)):
            if typ in (NLMSG_DONE, NLMSG_ERROR):
                done = True
                break
            name = "link.%d.bin" % n
            n += 1
            open(os.path.join(out, name), "wb").write(m)
            print("%s: %d bytes" % (name, len(m)))
    # requests the kernel refuses with an extended ack message
    bad = [
        # a bridge with a forward delay out of range
        ("err-delay", attr(IFLA_IFNAME, b"brx\0") + attr(IFLA_LINKINFO, attr(
            IFLA_INFO_KIND, b"bridge\0") + attr(IFLA_INFO_DATA, attr(
                IFLA_BR_FORWARD_DELAY, struct.pack("=I", 1))))),
        # an unknown kind
        ("err-kind", attr(IFLA_IFNAME, b"brx\0") + attr(IFLA_LINKINFO, attr(
            IFLA_INFO_KIND, b"nosuchkind\0"))),
        # an MTU attribute of the wrong size
        ("err-mtu", attr(IFLA_IFNAME, b"brx\0") + attr(IFLA_MTU, b"\1"))
    ]
    for cap in (True, False):
        s = sock(cap)
        for i, (name, attrs) in enumerate(bad):
            s.send(msg(RTM_NEWLINK, NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL,
                       ifi + attrs, 10 + i))
            for typ, m in messages(s.recv(65536)):
                fname = "%s%s.bin" % (name, "" if cap else "-uncapped")
                open(os.path.join(out, fname), "wb").write(m)
                print("%s: %d bytes, type %d" % (fname, len(m), typ))


main()
