#!/usr/bin/env python3
"""Capture real sock_diag dump replies, one file per datagram, as seeds for
fuzz-sockdiag. The request is the one dhcp/dhcp_sock.c's diag_request()
sends (inet_diag_req_v2, NLM_F_DUMP): UDP sockets in any state, TCP ones
listening. Run it only inside a private network namespace with something
listening, e.g. (see tests/fuzz/corpus/fuzz-sockdiag/README):

  unshare --net sh -c 'ip link set lo up;
    socat -u UDP4-RECV:67,so-bindtodevice=lo /dev/null & ...;
    python3 tests/fuzz/sockdiag-capture.py OUTDIR'

Usage: sockdiag-capture.py OUTDIR
"""
import os
import socket
import struct
import sys

NETLINK_SOCK_DIAG = 4
SOCK_DIAG_BY_FAMILY = 20
NLM_F_REQUEST, NLM_F_DUMP = 0x1, 0x300
NLMSG_ERROR, NLMSG_DONE = 2, 3
TCP_LISTEN = 10


def dump(family, proto, states, cut=0):
    s = socket.socket(socket.AF_NETLINK, socket.SOCK_DGRAM, NETLINK_SOCK_DIAG)
    s.settimeout(2)
    # inet_diag_req_v2: family, protocol, ext, pad, states, then a zeroed
    # inet_diag_sockid (ports, 2x16 address bytes, ifindex, 2 cookie words)
    req = struct.pack("=BBBBI", family, proto, 0, 0, states) + bytes(48)
    req = req[:len(req) - cut]
    hdr = struct.pack("=IHHII", 16 + len(req), SOCK_DIAG_BY_FAMILY,
                      NLM_F_REQUEST | NLM_F_DUMP, 1, 0)
    s.send(hdr + req)
    out = []
    while True:
        d = s.recv(32768)
        out.append(d)
        if not d:
            break
        typ = struct.unpack_from("=H", d, 4)[0]
        # the last datagram holds NLMSG_DONE (or an error)
        off, done = 0, False
        while off + 16 <= len(d):
            ln, typ = struct.unpack_from("=IH", d, off)
            if typ in (NLMSG_DONE, NLMSG_ERROR):
                done = True
            if ln < 16:
                break
            off += (ln + 3) & ~3
        if done:
            break
    s.close()
    return out


def main():
    outdir = sys.argv[1]
    os.makedirs(outdir, exist_ok=True)
    for name, fam, proto, states, cut in (
        ("udp4", socket.AF_INET, socket.IPPROTO_UDP, 0xFFFFFFFF, 0),
        ("udp6", socket.AF_INET6, socket.IPPROTO_UDP, 0xFFFFFFFF, 0),
        ("tcp4-listen", socket.AF_INET, socket.IPPROTO_TCP, 1 << TCP_LISTEN, 0),
        ("tcp6-listen", socket.AF_INET6, socket.IPPROTO_TCP, 1 << TCP_LISTEN, 0),
        # a protocol inet_diag has no handler for: NLMSG_DONE with -ENOENT
        ("done-enoent", socket.AF_INET, 253, 0xFFFFFFFF, 0),
        # a request cut short: the kernel's NLMSG_ERROR (-EINVAL), with a
        # copy of the request
        ("error", socket.AF_INET, socket.IPPROTO_UDP, 0xFFFFFFFF, 40),
    ):
        for i, d in enumerate(dump(fam, proto, states, cut)):
            with open(os.path.join(outdir, "%s.%d.bin" % (name, i)), "wb") as f:
                f.write(d)
            print("%s.%d.bin: %d bytes" % (name, i, len(d)))
        # and the whole dump as one buffer (messages, then NLMSG_DONE)
        with open(os.path.join(outdir, "%s.all.bin" % name), "wb") as f:
            f.write(b"".join(dump(fam, proto, states, cut)))


main()
