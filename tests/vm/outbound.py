#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""SIP helpers for the Outbound scenarios (40-stun-coturn, 41-outbound).

  outbound.py registrar ADDR PORT LOG
      A stub registrar on UDP ADDR:PORT: every REGISTER gets a 200 OK with
      its Contact and Path echoed and "Require: outbound" when it has a
      Path; one line per request in LOG ("REGISTER from A:P path <...>").
  outbound.py stun ADDR PORT METHOD --tcp|--udp [--local ADDR]
      One STUN request of METHOD (ForceTCP 0x009, GetToken 0x00a, Binding 1),
      prints "success [mapped A:P] [flow-token N bytes]" or
      "error CODE REASON".
"""
import os
import socket
import struct
import sys
import zlib

MAGIC = 0x2112A442


def stun_type(method, cls):
    return ((method & 0xF) | (method & 0x70) << 1 | (method & 0xF80) << 2
            | (cls & 1) << 4 | (cls & 2) << 7)


def stun_request(method):
    tid = os.urandom(12)
    body = b""
    hdr = struct.pack("!HHI", stun_type(method, 0), len(body) + 8, MAGIC) + tid
    crc = zlib.crc32(hdr + body) ^ 0x5354554E
    return tid, hdr + body + struct.pack("!HHI", 0x8028, 4, crc)


def stun_parse(data, tid):
    typ, length, magic = struct.unpack("!HHI", data[:8])
    if magic != MAGIC or data[8:20] != tid:
        return None
    cls = (typ >> 4 & 1) | (typ >> 7 & 2)
    attrs = {}
    pos = 20
    while pos + 4 <= 20 + length:
        t, n = struct.unpack("!HH", data[pos:pos + 4])
        attrs.setdefault(t, data[pos + 4:pos + 4 + n])
        pos += 4 + (n + 3) // 4 * 4
    return cls, attrs


def read_stun_stream(s):
    data = b""
    while len(data) < 20 or len(data) < 20 + struct.unpack("!H", data[2:4])[0]:
        chunk = s.recv(4096)
        if not chunk:
            raise SystemExit("connection closed")
        data += chunk
    return data


def stun_cmd(addr, port, method, tcp, local=None):
    tid, req = stun_request(method)
    if tcp:
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.settimeout(5)
        if local:
            s.bind((local, 0))
        s.connect((addr, port))
        s.sendall(req)
        data = read_stun_stream(s)
    else:
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.settimeout(2)
        if local:
            s.bind((local, 0))
        for _ in range(3):
            s.sendto(req, (addr, port))
            try:
                data = s.recv(4096)
                break
            except socket.timeout:
                continue
        else:
            raise SystemExit("no answer")
    cls, attrs = stun_parse(data, tid)
    if cls == 3:
        e = attrs.get(0x0009, b"\0\0\0\0")
        print("error %d %s" % ((e[2] & 7) * 100 + e[3], e[4:].decode(errors="replace")))
    else:
        out = "success"
        if 0x0020 in attrs:
            x = attrs[0x0020]
            p = struct.unpack("!H", x[2:4])[0] ^ (MAGIC >> 16)
            a = struct.unpack("!I", x[4:8])[0] ^ MAGIC
            out += " mapped %s:%d" % (socket.inet_ntoa(struct.pack("!I", a)), p)
        if 0x0024 in attrs:
            out += " flow-token %d bytes" % len(attrs[0x0024])
        print(out)


def header(lines, name):
    return [l for l in lines if l.split(":", 1)[0].strip().lower() == name.lower()]


def registrar(addr, port, log):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((addr, port))
    with open(log, "a", buffering=1) as lf:
        while True:
            data, src = s.recvfrom(65535)
            if data[:1] in (b"\0", b"\1") or not data.startswith(b"REGISTER"):
                continue
            text = data.decode(errors="replace")
            lines = text.split("\r\n\r\n", 1)[0].split("\r\n")
            path = header(lines, "Path")
            resp = ["SIP/2.0 200 OK"]
            resp += header(lines, "Via") + header(lines, "From")
            resp += [l + ";tag=stubreg" for l in header(lines, "To")]
            resp += header(lines, "Call-ID") + header(lines, "CSeq")
            resp += header(lines, "Contact") + path
            if path:
                resp.append("Require: outbound")
            resp += ["Expires: 120", "Content-Length: 0", "", ""]
            s.sendto("\r\n".join(resp).encode(), src)
            lf.write("REGISTER from %s:%d path %s contact %s\n" % (
                src[0], src[1], path[0].split(":", 1)[1].strip() if path else "-",
                header(lines, "Contact")[0].split(":", 1)[1].strip()))


def main():
    cmd = sys.argv[1]
    if cmd == "registrar":
        registrar(sys.argv[2], int(sys.argv[3]), sys.argv[4])
    elif cmd == "stun":
        method = int(sys.argv[4], 0)
        local = sys.argv[sys.argv.index("--local") + 1] if "--local" in sys.argv else None
        stun_cmd(sys.argv[2], int(sys.argv[3]), method, "--tcp" in sys.argv, local)
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main()
