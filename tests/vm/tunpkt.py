#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Hand-made IP-in-IP (RFC 2003) and minimal (RFC 2004) packets, good and
bad, for tests/vm/scenarios/21-malformed.sh, and UDP tunnel frames (the
inner IPv4 packet right after a UDP header, HMMP_ENCAP_UDP) for
tests/vm/scenarios/23-udp-nat.sh.

  tunpkt.py gen DIR --orig A --coa A --other A --cn A --cn2 A --spoof A
                [--stranger A] [--port N] [--seed N] [--random N]
      build the packets of every case with scapy and write them to
      DIR/NAME.pkts, one packet a line:
          EXPECT TAG TOS HEX
      EXPECT is what the receiving tunnel end must do with it:
          error     drop, count decap_errors (malformed)
          unknown   drop, count decap_unknown_peer (valid, no binding)
          deliver   decapsulate (decap_pkts) and deliver the inner UDP
                    datagram, whose payload is TAG, with TOS byte TOS
          decap     decapsulate, but the inner datagram is not deliverable
          cont      a later fragment of the line above
      Lines starting with '#' describe the packets. Every expectation is
      also checked against a reference decapsulator written here from the
      RFCs and include/uapi/linux/hmmp.h (judge()): gen fails if they
      disagree. The case "random" has only the reference's verdicts, on
      randomly damaged packets (--seed, --random N of them).
      Scapy takes 15 s to import under TCG: gen runs once per scenario.
  tunpkt.py send FILE
      send every packet of FILE as it is (the kernel fills in the outer
      header's checksum and length) through a raw socket in this network
      namespace. No scapy: it starts fast.
  tunpkt.py serve FIFO LOG
      the same for each file name written to FIFO, one a line, and then
      "sent N packets from FILE" appended to LOG: one python process per
      namespace instead of one per case (half a second each under TCG).
  tunpkt.py listen ADDR PORT FILE
      UDP on ADDR:PORT: append "TAG TOS" to FILE for each datagram (TAG:
      the payload up to its first '|'; TOS as 0xNN, from IP_RECVTOS),
      until killed.
  tunpkt.py udp DST DPORT --sport N --inner-src A --inner-dst A
                [--port N] [--kind good|badsum|badlen|text|tcp] [--tag T]
                [--inner-sport N]
      one datagram from a UDP socket bound to --sport (0.0.0.0) to
      DST:DPORT: kind good, a UDP tunnel frame whose payload is a whole
      valid IPv4 packet (inner-src -> inner-dst, UDP to --port, payload
      TAG|); badsum, the same with a wrong header checksum; badlen, the
      same with a total length 4 bytes short of the payload; text, the
      bytes of TAG alone; tcp, a valid IPv4/TCP ACK inner-src:inner-sport
      -> inner-dst:port (as a connection's segment would be). No scapy.
  tunpkt.py pcap FILE PORT
      read a tcpdump capture (Ethernet) and decode each UDP datagram from
      or to PORT as an inner IPv4 packet (as 'tshark -d udp.port==PORT,ip'
      would); print one JSON object: frames (UDP datagrams on PORT),
      tunnel (those whose payload is a whole valid IPv4 packet),
      inner_proto (counts by inner protocol), pairs (outer "A:P>B:Q" ->
      inner "A>B", with counts) and bad (the other datagrams' first bytes).
"""
import argparse
import os
import random
import socket
import struct
import sys

UDP_SPORT = 40000
IP_RECVTOS = getattr(socket, "IP_RECVTOS", 13)

NOT_ECT, ECT1, ECT0, CE = 0, 1, 2, 3


# --- the reference: RFC 2003/2004/6040 and hmmp.h, on bytes ------------------

def csum_ok(b):
    """The one's complement sum of the 16-bit words of b is all ones."""
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return s == 0xffff


def csum(b):
    """The checksum field that makes csum_ok(b) true (field zeroed in b)."""
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def ecn_decap(outer_tos, inner_tos):
    """RFC 6040 Figure 4: the inner TOS after decapsulation, None: drop."""
    o, i = outer_tos & 3, inner_tos & 3
    if i == NOT_ECT:
        return None if o == CE else inner_tos
    if o == CE:
        return inner_tos | CE
    if o == ECT1 and i == ECT0:
        return (inner_tos & ~3) | ECT1
    return inner_tos


def udp_tag(src, dst, ip_payload, want_dst, port):
    """The payload of a UDP datagram the receiver's socket on want_dst:port
    gets, or None (RFC 768: length within the packet, checksum 0 = none)."""
    if dst != want_dst or len(ip_payload) < 8:
        return None
    sport, dport, ulen, ck = struct.unpack("!HHHH", ip_payload[:8])
    if dport != port or ulen < 8 or ulen > len(ip_payload):
        return None
    u = ip_payload[:ulen]
    if ck:
        pseudo = src + dst + struct.pack("!BBH", 0, 17, ulen)
        if not csum_ok(pseudo + u):
            return None
    return u[8:]


def ip_options_ok(opts):
    """Only the options the packets here carry: NOP and EOL."""
    return all(c in (0, 1) for c in opts)


def lookup(bindings, orig, peer):
    """A binding's (care-of address, protocol) by (orig, peer), then
    (orig, any)."""
    for p in (peer, b"\0\0\0\0"):
        if (orig, p) in bindings:
            return bindings[(orig, p)]
    return None, None


def judge(pkt, role, bindings, local, listen, port):
    """What the tunnel end should do with pkt (an IPv4 packet as sent; the
    sender's kernel sets the outer length): (EXPECT, TAG, TOS) as in the
    file format. role: "mobile" or "correspondent"; bindings: {(orig,
    peer): coa} of that kind, 4-byte addresses; local: its addresses;
    listen: the address of its UDP listener on port. A packet must come
    through a binding of its own encapsulation."""
    ohl = (pkt[0] & 15) * 4
    proto, osrc, odst = pkt[9], pkt[12:16], pkt[16:20]
    frag = struct.unpack("!H", pkt[6:8])[0] & 0x3fff
    assert proto in (4, 55) and odst in local and not frag
    p = pkt[ohl:]
    if proto == 4:
        if len(p) < 20:
            return "error", None, None		# inner header cut
        ver, ihl = p[0] >> 4, (p[0] & 15) * 4
        if ver != 4 or ihl < 20:
            return "error", None, None
        if ihl > len(p):
            return "error", None, None
        if not csum_ok(p[:ihl]):
            return "error", None, None
        tot = struct.unpack("!H", p[2:4])[0]
        if tot > len(p) or tot < ihl:
            return "error", None, None
        if p[9] in (4, 55):
            return "error", None, None		# no nesting
        tos = ecn_decap(pkt[1], p[1])
        if tos is None:
            return "error", None, None		# RFC 6040: CE on not-ECT
        isrc, idst, iproto = p[12:16], p[16:20], p[9]
        inner_payload = p[ihl:tot]
        if not ip_options_ok(p[20:ihl]):
            return "decap", None, None
    else:
        if len(p) < 8:
            return "error", None, None
        flen = 12 if p[1] & 0x80 else 8	# RFC 2004: S bit
        if len(p) < flen:
            return "error", None, None
        if not csum_ok(p[:flen]):
            return "error", None, None
        if p[0] in (4, 55):
            return "error", None, None
        iproto, idst = p[0], p[4:8]
        isrc = p[8:12] if flen == 12 else osrc
        tos = pkt[1]
        inner_payload = p[flen:]
    if role == "mobile":
        ok = lookup(bindings, idst, isrc) == (odst, proto)
    else:
        ok = lookup(bindings, isrc, idst) == (osrc, proto)
    if not ok:
        return "unknown", None, None
    if iproto != 17:
        return "decap", None, None
    tag = udp_tag(isrc, idst, inner_payload, listen, port)
    if tag is None:
        return "decap", None, None
    return "deliver", tag_of(tag), "0x%02x" % tos


def tag_of(payload):
    """What the listener logs of a payload: up to the first '|'."""
    return payload.split(b"|")[0].decode(errors="replace")


# --- building packets (scapy) ------------------------------------------------

class Gen:
    def __init__(self, a):
        from scapy.all import IP, UDP, Raw, fragment  # 15 s under TCG
        self.IP, self.UDP, self.Raw, self.fragment = IP, UDP, Raw, fragment
        self.a = a
        self.ip = {k: socket.inet_aton(getattr(a, k)) for k in
                   ("orig", "coa", "other", "cn", "cn2", "spoof", "stranger")}
        self.ident = 1000
        # What the scenario installs (mobile: m, correspondent: cn).
        self.ends = {
            "m": ("mobile", {(self.ip["orig"], self.ip["cn"]): (self.ip["coa"], 4),
                             (self.ip["orig"], self.ip["cn2"]): (self.ip["coa"], 55)},
                  {self.ip["coa"], self.ip["other"], self.ip["orig"]},
                  self.ip["orig"]),
            "cn": ("correspondent",
                   {(self.ip["orig"], self.ip["cn"]): (self.ip["coa"], 4)},
                   {self.ip["cn"], self.ip["cn2"]}, self.ip["cn"]),
        }
        self.case = None
        self.lines = []
        self.n = 0

    def next_id(self):
        self.ident += 1
        return self.ident

    # One inner UDP datagram (bytes) whose payload is the tag.
    def dgram(self, src, dst, tag, tos=0, options=None, proto=None, df=True):
        ip = self.IP(src=src, dst=dst, tos=tos, ttl=64, id=self.next_id(),
                     flags="DF" if df else 0)
        if options:
            ip.options = options
        pkt = ip / self.UDP(sport=UDP_SPORT, dport=self.a.port) / self.Raw(tag.encode())
        b = bytearray(bytes(pkt))
        if proto is not None:
            b[9] = proto
            fix_ip_csum(b)
        return bytes(b)

    def ipip(self, osrc, odst, inner, tos=0, df=True):
        return bytes(self.IP(src=osrc, dst=odst, proto=4, tos=tos, ttl=64,
                             id=self.next_id(), flags="DF" if df else 0) /
                     self.Raw(inner))

    def minimal(self, osrc, odst, orig_dgram, s_bit, flags=None, proto=None,
                hdr_len=None, cut=None, bad_csum=0):
        """RFC 2004 from an original datagram: its header with protocol
        55, the new addresses and length, then the forwarding header."""
        from scapy.utils import checksum
        o = orig_dgram
        ihl = (o[0] & 15) * 4
        fl = flags if flags is not None else (0x80 if s_bit else 0)
        mh = struct.pack("!BBH4s", o[9] if proto is None else proto, fl, 0, o[16:20])
        if s_bit:
            mh += o[12:16]
        n = hdr_len if hdr_len is not None else len(mh)
        ck = checksum(mh[:n]) ^ bad_csum	# over the header as sent
        mh = mh[:2] + struct.pack("!H", ck) + mh[4:]
        body = mh + o[ihl:]
        if cut is not None:
            body = body[:cut]
        return bytes(self.IP(src=osrc, dst=odst, proto=55, tos=o[1], ttl=o[8],
                             id=self.next_id(), flags="DF") / self.Raw(body))

    # -- bookkeeping
    def begin(self, name):
        self.case, self.lines, self.n = name, [], 0

    def tag(self):
        self.n += 1
        return "%s.%d" % (self.case, self.n)

    def add(self, expect, pkt, why, tag="-", tos="-", end="m", check=True):
        role, binds, local, listen = self.ends[end]
        got = judge(pkt, role, binds, local, listen, self.a.port)
        want = (expect, tag if expect == "deliver" else None,
                tos if expect == "deliver" else None)
        if check and got != want:
            sys.exit("tunpkt: %s %s: expected %s, the reference says %s" %
                     (self.case, why, want, got))
        self.lines.append("# %s: %s -> %s" % (tag, why, expect))
        self.lines.append("%s %s %s %s" % (expect, tag, tos, pkt.hex()))

    def add_raw(self, expect, pkt, why, tag="-", tos="-"):
        self.lines.append("# %s: %s -> %s" % (tag, why, expect))
        self.lines.append("%s %s %s %s" % (expect, tag, tos, pkt.hex()))

    def end(self):
        with open(os.path.join(self.a.dir, self.case + ".pkts"), "w") as f:
            f.write("\n".join(self.lines) + "\n")


def fix_ip_csum(b, off=0):
    ihl = (b[off] & 15) * 4
    b[off + 10:off + 12] = b"\0\0"
    b[off + 10:off + 12] = struct.pack("!H", csum(bytes(b[off:off + ihl])))


def cases(g):
    a = g.a
    ORIG, COA, OTHER, CN, CN2 = a.orig, a.coa, a.other, a.cn, a.cn2

    def good(tag, tos=0, **kw):
        return g.dgram(CN, ORIG, tag, tos=tos, **kw)

    # IP-in-IP that must get through: the controls.
    g.begin("ipip_valid")
    t = g.tag(); g.add("deliver", g.ipip(CN, COA, good(t)), "valid IP-in-IP", t, "0x00")
    t = g.tag()
    g.add("deliver", g.ipip(CN, COA, good(t) + b"\xee" * 23),
          "valid, 23 bytes after the inner datagram (trimmed)", t, "0x00")
    t = g.tag()
    g.add("deliver", g.ipip(CN, COA, good(t, options=b"\x01\x01\x01\x00")),
          "valid, inner header with options (NOP NOP NOP EOL)", t, "0x00")
    t = g.tag()
    g.add("deliver", g.ipip(CN, COA, good(t, tos=0x28 | ECT0), tos=CE),
          "outer CE over inner ECT(0) DSCP 10: inner becomes CE", t, "0x%02x" % (0x28 | CE))
    t = g.tag()
    g.add("deliver", g.ipip(CN, COA, good(t, tos=ECT0), tos=ECT1),
          "outer ECT(1) over inner ECT(0): ECT(1) (RFC 6040)", t, "0x%02x" % ECT1)
    t = g.tag()
    g.add("deliver", g.ipip(CN, COA, good(t, tos=0x28), tos=ECT0),
          "outer ECT(0) over not-ECT: stays not-ECT", t, "0x28")
    g.end()

    g.begin("ipip_truncated")
    g.add("error", g.ipip(CN, COA, b""), "no inner header at all")
    inner = good(g.tag())
    g.add("error", g.ipip(CN, COA, inner[:10]), "inner header cut at 10 bytes")
    g.add("error", g.ipip(CN, COA, inner[:19]), "inner header cut at 19 bytes")
    opt = good(g.tag(), options=b"\x01\x01\x01\x00")
    g.add("error", g.ipip(CN, COA, opt[:22]), "inner ihl 6, header cut at 22 bytes")
    g.add("error", g.ipip(CN, COA, good(g.tag())[:30]), "inner datagram cut after 30 of its bytes")
    g.end()

    g.begin("ipip_totlen")
    for extra in (1, 200):
        b = bytearray(good(g.tag()))
        b[2:4] = struct.pack("!H", len(b) + extra)
        fix_ip_csum(b)
        g.add("error", g.ipip(CN, COA, bytes(b)), "inner tot_len %d bytes beyond the payload" % extra)
    b = bytearray(good(g.tag()))
    b[2:4] = struct.pack("!H", 12)
    fix_ip_csum(b)
    g.add("error", g.ipip(CN, COA, bytes(b)), "inner tot_len 12, below its own header")
    g.end()

    g.begin("ipip_ihl")
    for ihl in (0, 4):
        b = bytearray(good(g.tag()))
        b[0] = 0x40 | ihl
        fix_ip_csum(b)
        g.add("error", g.ipip(CN, COA, bytes(b)), "inner ihl %d" % ihl)
    b = bytearray(good(g.tag()))
    b[0] = 0x65
    fix_ip_csum(b)
    g.add("error", g.ipip(CN, COA, bytes(b)), "inner version 6")
    g.end()

    g.begin("ipip_csum")
    for x in (0x0001, 0x8000, 0x1234):
        b = bytearray(good(g.tag()))
        b[10] ^= x >> 8
        b[11] ^= x & 0xff
        g.add("error", g.ipip(CN, COA, bytes(b)), "inner header checksum xor 0x%04x" % x)
    g.end()

    g.begin("ipip_nested")
    t = g.tag()
    g.add("error", g.ipip(CN, COA, g.ipip(CN, ORIG, good(t))),
          "IP-in-IP in IP-in-IP, all headers valid")
    t = g.tag()
    g.add("error", g.ipip(CN, COA, g.minimal(CN, ORIG, good(t), True)),
          "minimal in IP-in-IP, all headers valid")
    g.end()

    g.begin("ipip_ecn")
    g.add("error", g.ipip(CN, COA, good(g.tag(), tos=0), tos=CE), "outer CE, inner not-ECT")
    g.add("error", g.ipip(CN, COA, good(g.tag(), tos=0xb8), tos=0xb8 | CE),
          "outer CE, inner not-ECT DSCP 46")
    g.end()

    # Minimal encapsulation to the mobile: bound to cn2 (the scenario
    # installs (orig, cn2) minimal next to (orig, cn) ipip).
    def good2(tag, **kw):
        return g.dgram(CN2, ORIG, tag, **kw)

    g.begin("minimal_valid")
    t = g.tag()
    g.add("deliver", g.minimal(CN, COA, good2(t), True),
          "valid minimal, S bit: original source cn2 in the forwarding header", t, "0x00")
    t = g.tag()
    g.add("deliver", g.minimal(CN2, COA, good2(t), False),
          "valid minimal, no S bit (outer source is the original)", t, "0x00")
    t = g.tag()
    g.add("deliver", g.minimal(CN, COA, good2(t), True, flags=0x80 | 0x35),
          "valid minimal, S bit, reserved bits set (RFC 2004: ignored on reception)", t, "0x00")
    t = g.tag()
    g.add("deliver", g.minimal(CN, COA, good2(t, tos=0x2b), True),
          "valid minimal, S bit, TOS 0x2b kept", t, "0x2b")
    g.end()

    g.begin("minimal_csum")
    for x in (0x0001, 0x0100, 0x4321):
        g.add("error", g.minimal(CN, COA, good2(g.tag()), True, bad_csum=x),
              "forwarding header checksum xor 0x%04x (S)" % x)
    g.add("error", g.minimal(CN2, COA, good2(g.tag()), False, bad_csum=0x0010),
          "forwarding header checksum xor 0x0010 (no S)")
    g.end()

    g.begin("minimal_truncated")
    for cut in (0, 4, 7):
        g.add("error", g.minimal(CN2, COA, good2(g.tag()), False, cut=cut),
              "payload of %d bytes: forwarding header cut" % cut)
    g.add("error", g.minimal(CN, COA, good2(g.tag()), True, cut=11),
          "S bit, payload of 11 bytes: source address cut")
    g.end()

    g.begin("minimal_s_short")
    g.add("error", g.minimal(CN2, COA, good2(g.tag()), False, flags=0x80, cut=8),
          "S bit set, 8-byte header (checksum over 8), nothing after it")
    g.add("error", g.minimal(CN2, COA, good2(g.tag()), False, flags=0x80),
          "S bit set, 8-byte header (checksum over 8), then the UDP datagram")
    g.end()

    g.begin("minimal_nested")
    g.add("error", g.minimal(CN, COA, good2(g.tag()), True, proto=4),
          "forwarding header protocol 4 (IP-in-IP inside)")
    g.add("error", g.minimal(CN, COA, good2(g.tag()), True, proto=55),
          "forwarding header protocol 55 (minimal inside)")
    g.end()

    # Valid packets that no binding of the mobile covers.
    g.begin("unknown_m")
    g.add("unknown", g.ipip(a.stranger, COA, g.dgram(a.stranger, ORIG, g.tag())),
          "IP-in-IP from a correspondent without binding")
    g.add("unknown", g.ipip(CN, COA, g.dgram(CN, a.spoof_orig, g.tag())),
          "IP-in-IP to an original address without binding")
    g.add("unknown", g.ipip(CN, OTHER, good(g.tag())),
          "IP-in-IP to another local address than the bound care-of")
    g.add("unknown", g.minimal(CN, COA, g.dgram(a.stranger, ORIG, g.tag()), True),
          "minimal, S: original source without binding")
    g.add("unknown", g.ipip(CN2, COA, good2(g.tag())),
          "IP-in-IP from cn2, whose binding is minimal")
    g.add("unknown", g.minimal(CN, COA, good(g.tag()), False),
          "minimal from cn, whose binding is IP-in-IP")
    g.end()

    # To the correspondent, sent from the mobile's namespace.
    g.begin("cn_valid")
    t = g.tag()
    g.add("deliver", g.ipip(COA, CN, g.dgram(ORIG, CN, t)),
          "IP-in-IP from the bound care-of", t, "0x00", end="cn")
    g.end()
    g.begin("cn_unknown")
    g.add("unknown", g.ipip(a.spoof, CN, g.dgram(ORIG, CN, g.tag())),
          "IP-in-IP from a spoofed care-of %s" % a.spoof, end="cn")
    g.add("unknown", g.ipip(a.spoof, CN, g.dgram(ORIG, CN, g.tag())),
          "the same again", end="cn")
    g.end()
    g.begin("cn_malformed")
    b = bytearray(g.dgram(ORIG, CN, g.tag()))
    b[10] ^= 0x55
    g.add("error", g.ipip(COA, CN, bytes(b)), "bad inner checksum, from the care-of", end="cn")
    g.add("error", g.ipip(a.spoof, CN, b""), "empty, from a spoofed care-of", end="cn")
    g.end()

    # An outer packet fragmented on the way: decapsulated after reassembly.
    g.begin("outer_fragments")
    t = g.tag()
    inner = g.dgram(CN, ORIG, t + "|" + "x" * 1200, df=False)
    whole = g.ipip(CN, COA, inner, df=False)
    frags = g.fragment(g.IP(whole), fragsize=600)
    g.add_raw("deliver", bytes(frags[0]),
              "first of %d fragments of a valid IP-in-IP packet of %d bytes" %
              (len(frags), len(whole)), t, "0x00")
    for f in frags[1:]:
        g.add_raw("cont", bytes(f), "next fragment")
    g.end()

    # The router r2 in between has a correspondent binding for the
    # mobile, peer any: a tunnel packet to cn passes through it.
    g.begin("transit_bound")
    t = g.tag()
    g.add("deliver", g.ipip(COA, CN, g.dgram(ORIG, CN, t)),
          "IP-in-IP from the care-of to cn, through a router with a binding", t, "0x00",
          end="cn")
    g.end()

    rnd_case(g)


def rnd_case(g):
    """Packets damaged at random; the reference decides."""
    a = g.a
    r = random.Random(a.seed)
    g.begin("random")
    counts = {}
    for _ in range(a.random):
        t = g.tag()
        what = []
        if r.random() < 0.5:
            # IP-in-IP, inner from cn (bound, ipip) or a stranger.
            src = a.stranger if r.random() < 0.1 else a.cn
            dst = a.spoof_orig if r.random() < 0.05 else a.orig
            itos = (r.randrange(64) << 2) | r.randrange(4)
            inner = bytearray(g.dgram(src, dst, t, tos=itos))
            otos = (r.randrange(64) << 2) | r.randrange(4) if r.random() < 0.5 else 0
            what.append("ipip %s->%s tos %#x/%#x" % (src, dst, otos, itos))
            m = r.randrange(9)
            if m == 1:
                k = r.randrange(len(inner))
                inner = inner[:k]
                what.append("cut at %d" % k)
            elif m == 2:
                inner[0] = (inner[0] & 0xf0) | r.randrange(5)
                what.append("ihl %d" % (inner[0] & 15))
            elif m == 3:
                tl = r.choice([r.randrange(0, 20), len(inner) + r.randrange(1, 300)])
                inner[2:4] = struct.pack("!H", tl)
                fix_ip_csum(inner)
                what.append("tot_len %d" % tl)
            elif m == 4:
                x = r.randrange(1, 0x10000)
                inner[10] ^= x >> 8
                inner[11] ^= x & 0xff
                what.append("checksum xor %#x" % x)
            elif m == 5:
                inner[9] = r.choice([4, 55])
                fix_ip_csum(inner)
                what.append("protocol %d" % inner[9])
            elif m == 6:
                k = r.randrange(1, 64)
                inner += bytes(r.randrange(256) for _ in range(k))
                what.append("%d trailing bytes" % k)
            elif m == 7:
                inner[0] = (r.choice([0, 1, 5, 6, 15]) << 4) | (inner[0] & 15)
                fix_ip_csum(inner)
                what.append("version %d" % (inner[0] >> 4))
            pkt = g.ipip(a.cn, a.coa if r.random() < 0.95 else a.other, bytes(inner), tos=otos)
        else:
            # Minimal, original from cn2 (bound, minimal) or a stranger.
            src = a.stranger if r.random() < 0.1 else a.cn2
            dst = a.spoof_orig if r.random() < 0.05 else a.orig
            orig = g.dgram(src, dst, t, tos=r.randrange(256))
            s_bit = src != a.cn2 or r.random() < 0.6
            osrc = a.cn if s_bit else a.cn2
            kw = {}
            m = r.randrange(8)
            if m == 1:
                kw["cut"] = r.randrange(0, 12 + 8)
            elif m == 2:
                kw["bad_csum"] = r.randrange(1, 0x10000)
            elif m == 3:
                kw["flags"] = (0x80 if s_bit else 0) | r.randrange(0x80)
            elif m == 4:
                kw["proto"] = r.choice([4, 55, 6])
            elif m == 5:
                # S bit flipped, checksum over what the sender thought
                kw["flags"] = 0 if s_bit else 0x80
                kw["hdr_len"] = 12 if s_bit else 8
            what.append("minimal %s->%s S=%d %s" % (src, dst, s_bit, kw))
            pkt = g.minimal(osrc, a.coa, orig, s_bit, **kw)
        ex, tag, tos = judge(pkt, *g.ends["m"], a.port)
        counts[ex] = counts.get(ex, 0) + 1
        g.add_raw(ex, pkt, ", ".join(what), tag if tag else t, tos or "-")
    g.lines.insert(0, "# seed %d: %s" % (a.seed, " ".join(
        "%s %d" % kv for kv in sorted(counts.items()))))
    g.end()


# --- sending and listening (no scapy) ----------------------------------------

def send_file(s, path):
    n = 0
    with open(path) as f:
        for line in f:
            if not line.strip() or line.startswith("#"):
                continue
            pkt = bytes.fromhex(line.split()[3])
            s.sendto(pkt, (socket.inet_ntoa(pkt[16:20]), 0))
            n += 1
    return n


def send(path):
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    print("sent %d packets from %s" % (send_file(s, path), path))


def serve(fifo, log):
    """send for each path written to FIFO; a line to LOG when done."""
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    while True:
        with open(fifo) as f:
            for line in f:
                path = line.strip()
                try:
                    res = "sent %d packets from %s" % (send_file(s, path), path)
                except (OSError, ValueError, IndexError) as e:
                    res = "error %s: %s" % (path, e)
                with open(log, "a") as o:
                    o.write(res + "\n")


def listen(addr, port, path):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_IP, IP_RECVTOS, 1)
    s.bind((addr, port))
    with open(path, "a") as f:
        while True:
            data, anc, _, _ = s.recvmsg(65536, socket.CMSG_SPACE(4))
            tos = "-"
            for level, typ, val in anc:
                if level == socket.SOL_IP and typ == socket.IP_TOS:
                    tos = "0x%02x" % val[0]
            f.write("%s %s\n" % (tag_of(data), tos))
            f.flush()


# --- UDP tunnel frames (HMMP_ENCAP_UDP), no scapy ----------------------------

def inner_udp(src, dst, port, tag, kind):
    """An IPv4/UDP packet src -> dst:port carrying 'TAG|', broken as kind."""
    payload = (tag + "|").encode()
    udp = struct.pack("!HHHH", UDP_SPORT, port, 8 + len(payload), 0) + payload
    total = 20 + len(udp)
    hdr = bytearray(struct.pack("!BBHHHBBH4s4s", 0x45, 0, total, 1, 0, 64, 17, 0,
                                socket.inet_aton(src), socket.inet_aton(dst)))
    if kind == "badlen":
        struct.pack_into("!H", hdr, 2, total - 4)
    struct.pack_into("!H", hdr, 10, csum(bytes(hdr)))
    if kind == "badsum":
        hdr[10] ^= 0x5a
    return bytes(hdr) + udp


def inner_tcp(src, sport, dst, dport):
    """An IPv4/TCP ACK src:sport -> dst:dport, both checksums right."""
    tcp = bytearray(struct.pack("!HHIIBBHHH", sport, dport, 0x12345678, 0x9abcdef0,
                                5 << 4, 0x10, 512, 0, 0))
    pseudo = socket.inet_aton(src) + socket.inet_aton(dst) + struct.pack("!BBH", 0, 6, len(tcp))
    struct.pack_into("!H", tcp, 16, csum(pseudo + bytes(tcp)))
    hdr = bytearray(struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), 1, 0x4000, 64, 6, 0,
                                socket.inet_aton(src), socket.inet_aton(dst)))
    struct.pack_into("!H", hdr, 10, csum(bytes(hdr)))
    return bytes(hdr) + bytes(tcp)


def udp_frame(a):
    dst, dport = a.args[0], int(a.args[1])
    if a.kind == "text":
        data = a.tag.encode()
    elif a.kind == "tcp":
        data = inner_tcp(a.inner_src, a.inner_sport, a.inner_dst, a.port)
    else:
        data = inner_udp(a.inner_src, a.inner_dst, a.port, a.tag, a.kind)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("0.0.0.0", a.sport))
    s.sendto(data, (dst, dport))
    print("sent a %s frame of %d bytes from port %d to %s:%d" %
          (a.kind, len(data), a.sport, dst, dport))


def is_ipv4_packet(b):
    """What hmmp.ko takes as a tunnel frame: version 4, a header checksum
    that is right, total length = the UDP payload's length."""
    if len(b) < 20 or b[0] >> 4 != 4 or (b[0] & 15) < 5:
        return False
    hl = (b[0] & 15) * 4
    return len(b) >= hl and csum_ok(b[:hl]) and struct.unpack("!H", b[2:4])[0] == len(b)


def pcap(path, port):
    import json
    res = {"frames": 0, "tunnel": 0, "inner_proto": {}, "pairs": {}, "bad": []}
    with open(path, "rb") as f:
        gh = f.read(24)
        magic = struct.unpack("<I", gh[:4])[0]
        end = "<" if magic in (0xa1b2c3d4, 0xa1b23c4d) else ">"
        link = struct.unpack(end + "I", gh[20:24])[0]
        while True:
            ph = f.read(16)
            if len(ph) < 16:
                break
            incl = struct.unpack(end + "IIII", ph)[2]
            fr = f.read(incl)
            off = 14 if link == 1 else 16 if link == 113 else 0
            if link == 1 and fr[12:14] == b"\x81\x00":
                off += 4
            ip = fr[off:]
            if len(ip) < 20 or ip[0] >> 4 != 4 or ip[9] != 17:
                continue
            hl = (ip[0] & 15) * 4
            sp, dp, ulen = struct.unpack("!HHH", ip[hl:hl + 6])
            if port not in (sp, dp):
                continue
            res["frames"] += 1
            data = ip[hl + 8:hl + ulen]
            if not is_ipv4_packet(data):
                res["bad"].append(data[:24].hex())
                continue
            res["tunnel"] += 1
            proto = str(data[9])
            res["inner_proto"][proto] = res["inner_proto"].get(proto, 0) + 1
            key = "%s:%d>%s:%d %s>%s" % (socket.inet_ntoa(ip[12:16]), sp,
                                         socket.inet_ntoa(ip[16:20]), dp,
                                         socket.inet_ntoa(data[12:16]),
                                         socket.inet_ntoa(data[16:20]))
            res["pairs"][key] = res["pairs"].get(key, 0) + 1
    res["bad"] = res["bad"][:8]
    print(json.dumps(res, sort_keys=True))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("cmd", choices=["gen", "send", "serve", "listen", "udp", "pcap"])
    ap.add_argument("args", nargs="*")
    for k in ("orig", "coa", "other", "cn", "cn2", "spoof"):
        ap.add_argument("--" + k)
    ap.add_argument("--stranger", default="198.51.100.30")
    ap.add_argument("--spoof-orig", default="192.0.2.99")
    ap.add_argument("--port", type=int, default=7000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--random", type=int, default=150)
    ap.add_argument("--sport", type=int, default=0)
    ap.add_argument("--inner-src")
    ap.add_argument("--inner-dst")
    ap.add_argument("--kind", choices=["good", "badsum", "badlen", "text", "tcp"],
                    default="good")
    ap.add_argument("--inner-sport", type=int, default=40000)
    ap.add_argument("--tag", default="udp-frame")
    a = ap.parse_args()
    if a.cmd == "udp":
        udp_frame(a)
    elif a.cmd == "pcap":
        pcap(a.args[0], int(a.args[1]))
    elif a.cmd == "send":
        send(a.args[0])
    elif a.cmd == "serve":
        serve(a.args[0], a.args[1])
    elif a.cmd == "listen":
        listen(a.args[0], int(a.args[1]), a.args[2])
    else:
        a.dir = a.args[0]
        os.makedirs(a.dir, exist_ok=True)
        g = Gen(a)
        cases(g)
        print("packets written to %s" % a.dir)


if __name__ == "__main__":
    sys.exit(main())
