#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""SIP helpers for the Outbound scenarios (40-stun-coturn, 41-outbound,
42-outbound-info).

  outbound.py registrar ADDR PORT LOG
      A stub registrar on UDP ADDR:PORT: every REGISTER gets a 200 OK with
      its Contact and Path echoed and "Require: outbound" when it has a
      Path; one line per request in LOG ("REGISTER from A:P path <...>").
  outbound.py stun ADDR PORT METHOD --tcp|--udp [--local ADDR]
      One STUN request of METHOD (ForceTCP 0x009, GetToken 0x00a, Binding 1),
      prints "success [mapped A:P] [flow-token N bytes]" or
      "error CODE REASON".
  outbound.py send ADDR PORT --tcp|--udp METHOD RURI BODYLEN
      One SIP request (Content-Length BODYLEN of text), prints the status
      line of the final response ("status 200 OK"), or "timeout".
  outbound.py ua-nousage EDGE_ADDR EDGE_PORT REGISTRAR_URI AOR LOG
      A UA without seed 003's usage: registers through the edge over UDP
      (Outbound parameters), answers OPTIONS 200 and every STUN request
      400 (as an RFC 5389 server without the methods would), logs lines.
  outbound.py info ADDR PORT RURI VIA_HOST BODYFILE USER PASSWORD
      An INFO over TCP to ADDR:PORT with the body of BODYFILE and one Via
      naming VIA_HOST as its sent-by (whatever the real source); a 401 is
      answered once with digest credentials (MD5 or SHA-256, qop auth);
      prints the final status lines, "status 401 ..." then "status ...".
  outbound.py figure PCAP:SIDE...
      The SIP and STUN messages of pcaps (tcpdump -w), merged in time
      order, one line each: "TIME SIDE udp|tcp LABEL SIZE" (LABEL: the SIP
      method or "200 METHOD", or the STUN method and class, e.g. "ForceTCP
      request"; SIZE: the message's bytes).
"""
import random
import select
import time
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


def sip_request(method, ruri, via_host, via_port, tp, body, cseq=1, extra=""):
    branch = "z9hG4bK%016x" % random.getrandbits(64)
    return ("%s %s SIP/2.0\r\nVia: SIP/2.0/%s %s:%d;branch=%s;rport\r\n"
            "Max-Forwards: 70\r\nFrom: <sip:home@hmmp.test>;tag=h%d\r\n"
            "To: <%s>\r\nCall-ID: %x@home\r\nCSeq: %d %s\r\n%s"
            "Content-Type: text/plain\r\nContent-Length: %d\r\n\r\n%s"
            % (method, ruri, tp, via_host, via_port, branch, cseq, ruri,
               random.getrandbits(48), cseq, method, extra, len(body), body)).encode()


def send_cmd(addr, port, tcp, method, ruri, bodylen):
    body = ("x" * 70 + "\r\n") * (bodylen // 72) + "x" * (bodylen % 72)
    if tcp:
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.settimeout(45)
        s.connect((addr, port))
    else:
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.settimeout(45)
        s.connect((addr, port))
    me = s.getsockname()
    s.sendall(sip_request(method, ruri, me[0], me[1], "TCP" if tcp else "UDP", body))
    buf = b""
    end = time.time() + 45
    while time.time() < end:
        try:
            data = s.recv(65535)
        except socket.timeout:
            break
        if not data:
            break
        buf += data
        while b"\r\n\r\n" in buf:
            head, rest = buf.split(b"\r\n\r\n", 1)
            first = head.split(b"\r\n", 1)[0].decode(errors="replace")
            cl = 0
            for l in head.split(b"\r\n"):
                if l.lower().startswith(b"content-length:") or l.lower().startswith(b"l:"):
                    cl = int(l.split(b":", 1)[1])
            buf = rest[cl:]
            code = int(first.split()[1])
            if code >= 200:
                print("status " + first.split(" ", 1)[1])
                return
            if not tcp:
                break
    print("timeout")


def read_response(s, buf):
    """The next final response on stream s: (status line, headers, rest)."""
    end = time.time() + 45
    while time.time() < end:
        while b"\r\n\r\n" in buf:
            head, rest = buf.split(b"\r\n\r\n", 1)
            lines = head.decode(errors="replace").split("\r\n")
            cl = 0
            for l in lines[1:]:
                if l.lower().startswith("content-length:") or l.lower().startswith("l:"):
                    cl = int(l.split(":", 1)[1])
            if len(rest) < cl:
                break
            buf = rest[cl:]
            if int(lines[0].split()[1]) >= 200:
                return lines[0], lines[1:], buf
        data = s.recv(65535)
        if not data:
            break
        buf += data
    return None, [], buf


def digest(chal, user, password, method, uri):
    """An Authorization value for a WWW-Authenticate challenge."""
    import hashlib
    import re
    p = dict((k, v.strip('"')) for k, v in re.findall(r'(\w+)=("[^"]*"|[^,\s]+)', chal))
    alg = p.get("algorithm", "MD5")
    h = {"MD5": hashlib.md5, "SHA-256": hashlib.sha256}[alg]
    H = lambda x: h(x.encode()).hexdigest()
    cnonce, nc = "%016x" % random.getrandbits(64), "00000001"
    resp = H("%s:%s:%s:%s:auth:%s" % (H("%s:%s:%s" % (user, p["realm"], password)),
                                      p["nonce"], nc, cnonce, H("%s:%s" % (method, uri))))
    v = ('Digest username="%s", realm="%s", nonce="%s", uri="%s", response="%s", '
         'algorithm=%s, cnonce="%s", nc=%s, qop=auth' %
         (user, p["realm"], p["nonce"], uri, resp, alg, cnonce, nc))
    if "opaque" in p:
        v += ', opaque="%s"' % p["opaque"]
    return v


def info_cmd(addr, port, ruri, via_host, bodyfile, user, password):
    body = open(bodyfile).read()
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(45)
    s.connect((addr, port))
    callid = "%x@forged" % random.getrandbits(48)
    buf = b""
    extra = ""
    for cseq in (1, 2):
        branch = "z9hG4bK%016x" % random.getrandbits(64)
        msg = ("INFO %s SIP/2.0\r\nVia: SIP/2.0/TCP %s:5060;branch=%s;rport\r\n"
               "Max-Forwards: 70\r\nFrom: <sip:m@hmmp.test>;tag=f1\r\n"
               "To: <%s>\r\nCall-ID: %s\r\nCSeq: %d INFO\r\n%s"
               "Content-Type: application/vnd.hmmp.binding\r\n"
               "Content-Length: %d\r\n\r\n%s"
               % (ruri, via_host, branch, ruri, callid, cseq, extra, len(body), body))
        s.sendall(msg.encode())
        first, hdrs, buf = read_response(s, buf)
        if not first:
            print("timeout")
            return
        print("status " + first.split(" ", 1)[1])
        chal = [h.split(":", 1)[1].strip() for h in hdrs
                if h.lower().startswith("www-authenticate:")]
        if not first.split()[1] == "401" or not chal:
            return
        pick = [c for c in chal if "SHA-256" in c and "-sess" not in c] or chal
        extra = "Authorization: %s\r\n" % digest(pick[0], user, password, "INFO", ruri)


def ua_nousage(edge, eport, registrar, aor, log):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("0.0.0.0", 5060))
    s.connect((edge, eport))
    me = s.getsockname()[0]
    contact = "<sip:ua@%s:5060>;reg-id=1;+sip.instance=\"<urn:uuid:00000000-0000-1000-8000-000000000001>\"" % me
    reg = sip_request("REGISTER", registrar, me, 5060, "UDP", "", 1,
                      "Route: <sip:%s:%d;lr>\r\nSupported: path, outbound\r\n"
                      "Contact: %s\r\nExpires: 120\r\n" % (edge, eport, contact))
    reg = reg.replace(b"To: <%s>" % registrar.encode(), b"To: <%s>" % aor.encode())
    with open(log, "a", buffering=1) as lf:
        s.send(reg)
        lf.write("REGISTER sent\n")
        while True:
            data = s.recv(65535)
            if data[:1] in (b"\0", b"\1") and len(data) >= 20:
                typ, _, magic = struct.unpack("!HHI", data[:8])
                cls = (typ >> 4 & 1) | (typ >> 7 & 2)
                if magic != MAGIC or cls != 0:
                    continue
                method = (typ & 0xF) | (typ & 0xE0) >> 1 | (typ & 0x3E00) >> 2
                reason = b"Bad Request"
                attr = struct.pack("!HBB", 0, 4, 0) + reason
                attr = struct.pack("!HH", 0x0009, len(attr)) + attr + b"\0" * (-len(attr) % 4)
                resp = struct.pack("!HHI", stun_type(method, 3), len(attr), MAGIC) + data[8:20] + attr
                s.send(resp)
                lf.write("STUN method 0x%03x: 400\n" % method)
                continue
            text = data.decode(errors="replace")
            first = text.split("\r\n", 1)[0]
            lf.write(first + "\n")
            if first.startswith("OPTIONS"):
                lines = text.split("\r\n\r\n", 1)[0].split("\r\n")
                resp = ["SIP/2.0 200 OK"] + header(lines, "Via") + header(lines, "From")
                resp += [l + ";tag=nousage" for l in header(lines, "To")]
                resp += header(lines, "Call-ID") + header(lines, "CSeq")
                resp += ["Content-Length: 0", "", ""]
                s.send("\r\n".join(resp).encode())


STUN_NAMES = {1: "Binding", 9: "ForceTCP", 10: "GetToken"}
STUN_CLASSES = {0: "request", 1: "indication", 2: "success", 3: "error"}


def label_payload(data):
    """Labels of the messages at the start of each message in data."""
    out = []
    while data:
        if data[0] < 4 and len(data) >= 20:
            typ, length = struct.unpack("!HH", data[:4])
            method = (typ & 0xF) | (typ & 0xE0) >> 1 | (typ & 0x3E00) >> 2
            cls = (typ >> 4 & 1) | (typ >> 7 & 2)
            out.append(("%s %s" % (STUN_NAMES.get(method, "0x%03x" % method),
                                   STUN_CLASSES[cls]), 20 + length))
            data = data[20 + length:]
            continue
        if b"\r\n\r\n" not in data:
            break
        head, rest = data.split(b"\r\n\r\n", 1)
        lines = head.decode(errors="replace").split("\r\n")
        first = lines[0]
        cl = 0
        cseq = ""
        for l in lines[1:]:
            n, _, v = l.partition(":")
            if n.strip().lower() in ("content-length", "l"):
                cl = int(v)
            if n.strip().lower() == "cseq":
                cseq = v.split()[-1]
        size = len(head) + 4 + cl
        if first.startswith("SIP/2.0 "):
            out.append(("%s %s" % (first.split()[1], cseq), size))
        elif first.strip():
            out.append((first.split()[0], size))
        data = rest[cl:]
    return out


def pcap_packets(path):
    """(time, src, sport, dst, dport, proto, payload) of the IPv4 UDP and
    TCP packets of a pcap (Ethernet or Linux cooked link types)."""
    with open(path, "rb") as f:
        data = f.read()
    magic = struct.unpack("<I", data[:4])[0]
    endian = "<" if magic in (0xA1B2C3D4, 0xA1B23C4D) else ">"
    nano = magic in (0xA1B23C4D, 0x4D3CB2A1)
    linktype = struct.unpack(endian + "I", data[20:24])[0]
    pos = 24
    while pos + 16 <= len(data):
        sec, frac, incl, _ = struct.unpack(endian + "IIII", data[pos:pos + 16])
        pkt = data[pos + 16:pos + 16 + incl]
        pos += 16 + incl
        t = sec + frac / (1e9 if nano else 1e6)
        if linktype == 1:
            if struct.unpack("!H", pkt[12:14])[0] != 0x0800:
                continue
            ip = pkt[14:]
        elif linktype == 113:
            if struct.unpack("!H", pkt[14:16])[0] != 0x0800:
                continue
            ip = pkt[16:]
        else:
            continue
        ihl = (ip[0] & 15) * 4
        total = struct.unpack("!H", ip[2:4])[0]
        proto = ip[9]
        src, dst = socket.inet_ntoa(ip[12:16]), socket.inet_ntoa(ip[16:20])
        l4 = ip[ihl:total]
        if proto == 17:
            sport, dport = struct.unpack("!HH", l4[:4])
            yield t, src, sport, dst, dport, "udp", l4[8:]
        elif proto == 6:
            sport, dport = struct.unpack("!HH", l4[:4])
            off = (l4[12] >> 4) * 4
            yield t, src, sport, dst, dport, "tcp", l4[off:]


def figure(specs):
    events = []
    for spec in specs:
        path, side = spec.rsplit(":", 1)
        streams = {}
        for t, src, sport, dst, dport, proto, payload in pcap_packets(path):
            if 5060 not in (sport, dport) or not payload:
                continue
            if proto == "udp":
                for lab, size in label_payload(payload):
                    events.append((t, side, "udp", lab, size))
                continue
            key = (src, sport, dst, dport)
            buf = streams.get(key, b"") + payload
            labs = label_payload(buf)
            # what was not yet a whole message waits for more
            streams[key] = b"" if labs else buf
            for lab, size in labs:
                events.append((t, side, "tcp", lab, size))
    for t, side, tp, lab, size in sorted(events, key=lambda e: e[0]):
        print("%.6f %s %s %s %d" % (t, side, tp, lab, size))


def main():
    cmd = sys.argv[1]
    if cmd == "registrar":
        registrar(sys.argv[2], int(sys.argv[3]), sys.argv[4])
    elif cmd == "send":
        send_cmd(sys.argv[2], int(sys.argv[3]), sys.argv[4] == "--tcp",
                 sys.argv[5], sys.argv[6], int(sys.argv[7]))
    elif cmd == "ua-nousage":
        ua_nousage(sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5], sys.argv[6])
    elif cmd == "info":
        info_cmd(sys.argv[2], int(sys.argv[3]), *sys.argv[4:9])
    elif cmd == "figure":
        figure(sys.argv[2:])
    elif cmd == "stun":
        method = int(sys.argv[4], 0)
        local = sys.argv[sys.argv.index("--local") + 1] if "--local" in sys.argv else None
        stun_cmd(sys.argv[2], int(sys.argv[3]), method, "--tcp" in sys.argv, local)
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main()
