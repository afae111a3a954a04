#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Read a tcpdump capture (pcap, Ethernet or Linux cooked) and print its
SCTP control traffic for the mSCTP scenarios, one line per ASCONF or
ASCONF-ACK, with the parameters RFC 5061 names:

    1700000000.123 192.0.2.10 > 198.51.100.10 ASCONF serial 1 add-ip 203.0.113.10
    1700000000.130 198.51.100.10 > 192.0.2.10 ASCONF-ACK serial 1 ok

  sctp_pcap.py FILE                 the lines above
  sctp_pcap.py FILE --tail N        the last N packets, chunk names only
  sctp_pcap.py FILE --primary-ack ADDR
                                    the time of the ASCONF-ACK of the
                                    ASCONF that made ADDR primary
  sctp_pcap.py FILE --first-data-to ADDR [--after T]
                                    the time of the first DATA chunk sent
                                    to ADDR at or after T (epoch seconds)
"""
import struct
import sys

PARAMS = {0xC001: "add-ip", 0xC002: "delete-ip", 0xC003: "error",
          0xC004: "set-primary", 0xC005: "success"}
CHUNKS = {0: "DATA", 3: "SACK", 4: "HB", 5: "HB-ACK", 6: "ABORT", 7: "SHUTDOWN",
          8: "SHUTDOWN-ACK", 9: "ERROR", 14: "SHUTDOWN-COMPLETE", 15: "AUTH",
          0xC1: "ASCONF", 0x80: "ASCONF-ACK"}


def ip(b):
    return ".".join(str(x) for x in b)


def packets(path):
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 24:
        return
    magic = struct.unpack("<I", data[:4])[0]
    end = "<" if magic in (0xA1B2C3D4, 0xA1B23C4D) else ">"
    nano = magic in (0xA1B23C4D, 0x4D3CB2A1)
    linktype = struct.unpack(end + "I", data[20:24])[0]
    off = 24
    while off + 16 <= len(data):
        sec, frac, incl, _ = struct.unpack(end + "IIII", data[off:off + 16])
        pkt = data[off + 16:off + 16 + incl]
        off += 16 + incl
        t = sec + frac / (1e9 if nano else 1e6)
        if linktype == 1:
            eth = 14
            etype = struct.unpack(">H", pkt[12:14])[0]
        elif linktype == 113:
            eth = 16
            etype = struct.unpack(">H", pkt[14:16])[0]
        else:
            continue
        if etype != 0x0800 or len(pkt) < eth + 20:
            continue
        yield t, pkt[eth:]


def chunks(ipd):
    ihl = (ipd[0] & 15) * 4
    if ipd[9] != 132:
        return
    sctp = ipd[ihl:]
    o = 12
    while o + 4 <= len(sctp):
        typ, _, ln = struct.unpack(">BBH", sctp[o:o + 4])
        if ln < 4:
            return
        yield typ, sctp[o:o + ln]
        o += (ln + 3) & ~3


def params(body):
    o = 0
    while o + 4 <= len(body):
        typ, ln = struct.unpack(">HH", body[o:o + 4])
        if ln < 4:
            return
        yield typ, body[o:o + ln]
        o += (ln + 3) & ~3


def describe(typ, ch):
    serial = struct.unpack(">I", ch[4:8])[0]
    words = [CHUNKS[typ], "serial", str(serial)]
    body = ch[8:]
    if typ == 0xC1:
        # the address parameter first, then the requests
        first = True
        for ptyp, p in params(body):
            if first:
                first = False
                continue
            addr = p[8:]
            a = ip(addr[4:8]) if len(addr) >= 8 else "?"
            words.append("%s %s" % (PARAMS.get(ptyp, hex(ptyp)), a))
    else:
        errs = [p for ptyp, p in params(body) if ptyp == 0xC003]
        words.append("error" if errs else "ok")
    return " ".join(words)


def main():
    path = sys.argv[1]
    args = sys.argv[2:]
    if args and args[0] == "--first-data-to":
        to = args[1]
        after = float(args[3]) if len(args) > 3 and args[2] == "--after" else 0.0
        for t, ipd in packets(path):
            if t < after or ip(ipd[16:20]) != to:
                continue
            if any(typ == 0 for typ, _ in chunks(ipd)):
                print("%.3f" % t)
                return 0
        return 1
    if args and args[0] == "--primary-ack":
        # the time the peer acknowledged "set-primary ADDR"
        want = {}
        for t, ipd in packets(path):
            for typ, ch in chunks(ipd):
                if typ == 0xC1 and describe(typ, ch).endswith("set-primary " + args[1]):
                    want[struct.unpack(">I", ch[4:8])[0]] = True
                elif typ == 0x80 and struct.unpack(">I", ch[4:8])[0] in want:
                    print("%.3f" % t)
                    return 0
        return 1
    if args and args[0] == "--tail":
        # the last packets, chunk names only: where a stream stopped
        lines = []
        for t, ipd in packets(path):
            names = [CHUNKS.get(typ, str(typ)) for typ, _ in chunks(ipd)]
            lines.append("%.3f %s > %s %s" % (t, ip(ipd[12:16]), ip(ipd[16:20]),
                                              ",".join(names)))
        print("\n".join(lines[-int(args[1]):]))
        return 0
    for t, ipd in packets(path):
        for typ, ch in chunks(ipd):
            if typ in (0xC1, 0x80):
                print("%.3f %s > %s %s" % (t, ip(ipd[12:16]), ip(ipd[16:20]),
                                           describe(typ, ch)))
            elif typ in (6, 9):
                print("%.3f %s > %s %s" % (t, ip(ipd[12:16]), ip(ipd[16:20]),
                                           CHUNKS[typ]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
