#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""TCP ends for the VM scenarios (lib.sh: tcp_server, tcp_client, and the
SIP_EYE scenarios 1x-*.sh).

  tcp.py server ADDR PORT [hold]
      listen on ADDR:PORT and echo back whatever each client sends, until
      killed. A client's reset ends its echo quietly. A client's FIN is
      answered with ours, or, with "hold", never (the connection stays
      half-closed until the server is killed).
  tcp.py client ADDR PORT [INTERVAL [SRC]]
      connect (from SRC if given), then every INTERVAL seconds (default 0.5)
      send a numbered line and check that the same line comes back. Runs
      until killed; exits 1 with a message if the connection breaks or an
      echo differs, so a broken connection shows in the scenario's log and
      in the process's status.

  The commands below take options after ADDR PORT; --src A and --sport N
  bind the local end. Each prints what it did on stdout and exits 0 only
  when every byte came back as sent.

  tcp.py session ADDR PORT [--lines N] [--interval S] [--src A] [--sport N]
      one connection driven by signals: exchange N numbered lines (echo
      checked), then every S seconds another one (0, the default: stay
      idle). SIGHUP: exchange N more lines now. SIGUSR1: close with a FIN
      (shutdown, wait for the peer's FIN, close) and exit. SIGUSR2: close
      with a RST (SO_LINGER 0) and exit. SIGALRM: half-close (send our FIN,
      keep the connection open). Exits 1 if the peer closes first.
      "hmmp N\\n" is 7 bytes for N < 10: N lines send 7*N bytes then.
  tcp.py bulk ADDR PORT (--bytes N | --seconds S) [--rate BPS]
             [--progress FILE] [--src A] [--sport N]
      send N bytes (or for S seconds), at most BPS bytes per second, while
      reading the echo and checking it byte for byte; then shut down the
      sending side, read the rest and check the totals. --progress writes
      the bytes received so far to FILE twice a second. SIGUSR1: stop
      sending now (then finish as above).
  tcp.py rst IFACE SRC SPORT DST DPORT OFFSET [--ack]
      inject a RST into the connection SRC:SPORT -> DST:DPORT, as if
      SRC sent it, straight onto IFACE (AF_PACKET: the sending host's IP
      stack and netfilter never see it). Watches IFACE for that direction's
      segments until it has been quiet for half a second, then sends the
      RST with sequence number (next expected + OFFSET) mod 2^32. Prints
      "rst: listening" when it watches, then what it sent.
  tcp.py flood IFACE DMAC NET24 DST COUNT [--seed N]
      send COUNT spoofed ACK segments (seq, ack, ports random) from random
      hosts of NET24 (e.g. 203.0.113) to random ports of DST, with
      destination MAC DMAC, straight onto IFACE (AF_PACKET: the sending
      host's stack and netfilter never see them). Prints what it sent.
  tcp.py burst ADDR PORT COUNT [--hold] [--src A]
      open COUNT connections at once, exchange one line on each, then close
      them all with FINs (after SIGUSR1 with --hold), each waiting for the
      peer's FIN. Prints "burst: COUNT open" when all are open.
"""
import argparse
import os
import select
import signal
import socket
import struct
import sys
import threading
import time


def family(addr):
    return socket.AF_INET6 if ":" in addr else socket.AF_INET


def echo(conn, hold=False):
    with conn:
        while True:
            try:
                data = conn.recv(65536)
            except OSError:
                return  # reset by the client: nothing to echo any more
            if not data:
                while hold:
                    time.sleep(3600)
                return
            conn.sendall(data)


def server(addr, port, hold=False):
    s = socket.socket(family(addr), socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, port))
    s.listen(512)
    while True:
        conn, _ = s.accept()
        threading.Thread(target=echo, args=(conn, hold), daemon=True).start()


def client(addr, port, interval, src):
    c = socket.create_connection((addr, port), timeout=10,
                                 source_address=(src, 0) if src else None)
    n = 0
    while True:
        msg = b"hmmp %d\n" % n
        c.sendall(msg)
        got = b""
        while len(got) < len(msg):
            data = c.recv(len(msg) - len(got))
            if not data:
                sys.exit("tcp.py client: connection closed by peer after %d echoes" % n)
            got += data
        if got != msg:
            sys.exit("tcp.py client: echo %d differs: %r" % (n, got))
        n += 1
        time.sleep(interval)


def say(fmt, *args):
    print("tcp.py " + fmt % args, flush=True)


def connect(addr, port, src=None, sport=0):
    c = socket.socket(family(addr), socket.SOCK_STREAM)
    if src or sport:
        c.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        c.bind((src or "0.0.0.0", sport))
    c.settimeout(20)
    c.connect((addr, port))
    return c


def endpoints(c):
    la, lp = c.getsockname()[:2]
    ra, rp = c.getpeername()[:2]
    return "%s:%d -> %s:%d" % (la, lp, ra, rp)


def exchange(c, msg, what):
    """Send msg and read the same bytes back."""
    c.sendall(msg)
    got = b""
    while len(got) < len(msg):
        data = c.recv(len(msg) - len(got))
        if not data:
            sys.exit("tcp.py %s: connection closed by peer" % what)
        got += data
    if got != msg:
        sys.exit("tcp.py %s: echo differs: %r, sent %r" % (what, got, msg))


def close_fin(c, what):
    """Our FIN, then the peer's (EOF), then close: a clean release."""
    c.shutdown(socket.SHUT_WR)
    while True:
        data = c.recv(65536)
        if not data:
            break
        sys.exit("tcp.py %s: %d unexpected bytes after our FIN" % (what, len(data)))
    c.close()


def close_rst(c):
    c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\1\0\0\0\0\0\0\0")
    c.close()


def session(a):
    todo = []
    for sig, act in ((signal.SIGHUP, "lines"), (signal.SIGUSR1, "fin"),
                     (signal.SIGUSR2, "rst"), (signal.SIGALRM, "half")):
        signal.signal(sig, lambda s, f, act=act: todo.append(act))
    c = connect(a.addr, a.port, a.src, a.sport)
    c.settimeout(None)
    say("session: connected %s", endpoints(c))
    n = 0

    def lines(k):
        nonlocal n
        for _ in range(k):
            exchange(c, b"hmmp %d\n" % n, "session")
            n += 1
        say("session: %d lines exchanged (%d bytes each way)", n,
            sum(len(b"hmmp %d\n" % i) for i in range(n)))

    lines(a.lines)
    next_line = time.monotonic() + a.interval
    while True:
        while todo:
            act = todo.pop(0)
            if act == "lines":
                lines(a.lines)
            elif act == "half":
                c.shutdown(socket.SHUT_WR)
                say("session: half-closed (our FIN sent) after %d lines", n)
            elif act == "fin":
                close_fin(c, "session")
                say("session: closed with FIN after %d lines", n)
                return 0
            else:
                close_rst(c)
                say("session: closed with RST after %d lines", n)
                return 0
        r, _, _ = select.select([c], [], [], 0.2)
        if r:
            data = c.recv(1, socket.MSG_PEEK)
            sys.exit("tcp.py session: peer %s" %
                     ("sent unexpected data" if data else "closed the connection"))
        if a.interval > 0 and time.monotonic() >= next_line:
            lines(1)
            next_line = time.monotonic() + a.interval


PATTERN = bytes(range(251)) * 300      # 75300 bytes; 251 is prime


def pattern_at(off, n):
    off %= 251
    return PATTERN[off:off + n]


def bulk(a):
    c = connect(a.addr, a.port, a.src, a.sport)
    c.settimeout(60)
    say("bulk: connected %s", endpoints(c))
    sent = [0]
    err = []
    stop = []
    signal.signal(signal.SIGUSR1, lambda s, f: stop.append(1))
    t0 = time.monotonic()

    def sender():
        try:
            chunk = 16384
            while not stop:
                el = time.monotonic() - t0
                if a.bytes is not None:
                    if sent[0] >= a.bytes:
                        break
                    k = min(chunk, a.bytes - sent[0])
                else:
                    if el >= a.seconds:
                        break
                    k = chunk
                if a.rate and sent[0] > a.rate * el:
                    time.sleep(min(0.05, (sent[0] - a.rate * el) / a.rate))
                    continue
                c.sendall(pattern_at(sent[0], k))
                sent[0] += k
            c.shutdown(socket.SHUT_WR)
        except OSError as e:
            err.append("send: %s" % e)

    th = threading.Thread(target=sender, daemon=True)
    th.start()
    got = 0
    last = 0.0
    while True:
        try:
            data = c.recv(65536)
        except OSError as e:
            sys.exit("tcp.py bulk: receive after %d bytes: %s" % (got, e))
        if not data:
            break
        if data != pattern_at(got, len(data)):
            sys.exit("tcp.py bulk: echo differs at byte %d" % got)
        got += len(data)
        if a.progress and time.monotonic() - last >= 0.5:
            last = time.monotonic()
            with open(a.progress + ".tmp", "w") as f:
                f.write("%d\n" % got)
            os.rename(a.progress + ".tmp", a.progress)
    th.join()
    c.close()
    el = time.monotonic() - t0
    if a.progress:
        with open(a.progress + ".tmp", "w") as f:
            f.write("%d\n" % got)
        os.rename(a.progress + ".tmp", a.progress)
    if err:
        sys.exit("tcp.py bulk: %s" % err[0])
    if got != sent[0]:
        sys.exit("tcp.py bulk: sent %d bytes, %d came back" % (sent[0], got))
    say("bulk: sent and received %d bytes in %.1f s (%.0f KB/s)", got, el,
        got / el / 1024 if el > 0 else 0)
    return 0


def burst(a):
    go = threading.Event()
    lock = threading.Lock()
    opened = []
    failed = []
    closed = []

    def one(i):
        try:
            c = connect(a.addr, a.port, a.src)
            exchange(c, b"burst %d\n" % i, "burst")
            with lock:
                opened.append(i)
            go.wait()
            close_fin(c, "burst")
            with lock:
                closed.append(i)
        except (OSError, SystemExit) as e:
            with lock:
                failed.append("%d: %s" % (i, e))
            go.wait()

    hold = []
    if a.hold:
        signal.signal(signal.SIGUSR1, lambda s, f: hold.append(1))
    ths = [threading.Thread(target=one, args=(i,), daemon=True)
           for i in range(a.count)]
    t0 = time.monotonic()
    for t in ths:
        t.start()
    while len(opened) + len(failed) < a.count:
        time.sleep(0.05)
    say("burst: %d open, %d failed, in %.1f s", len(opened), len(failed),
        time.monotonic() - t0)
    while a.hold and not hold:
        time.sleep(0.1)
    go.set()
    for t in ths:
        t.join(60)
    say("burst: %d closed, %d failed", len(closed), len(failed))
    for f in failed[:10]:
        say("burst: failed %s", f)
    return 0 if len(closed) == a.count else 1


def csum(data):
    if len(data) % 2:
        data += b"\0"
    t = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while t >> 16:
        t = (t & 0xffff) + (t >> 16)
    return ~t & 0xffff


def rst(a):
    eth_p_all = 0x0003      # outgoing frames reach ETH_P_ALL taps only
    src, dst = socket.inet_aton(a.src), socket.inet_aton(a.dst)
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(eth_p_all))
    s.bind((a.iface, eth_p_all))
    s.settimeout(0.5)
    say("rst: listening on %s for %s:%d -> %s:%d", a.iface, a.src, a.sport,
        a.dst, a.dport)
    nxt = ack = eth = None
    deadline = time.monotonic() + 30
    while True:
        try:
            f = s.recv(70000)
        except socket.timeout:
            if nxt is not None:
                break       # half a second without a segment
            if time.monotonic() > deadline:
                sys.exit("tcp.py rst: no segment of that connection on %s" % a.iface)
            continue
        if len(f) < 14 + 40 or f[12:14] != b"\x08\x00" or f[14] >> 4 != 4 or f[14 + 9] != 6:
            continue
        ihl = (f[14] & 15) * 4
        ip = f[14:]
        tot = struct.unpack("!H", ip[2:4])[0]
        th = ip[ihl:]
        sport, dport, seq, ackn = struct.unpack("!HHII", th[:12])
        if ip[12:16] != src or ip[16:20] != dst or sport != a.sport or dport != a.dport:
            continue
        flags = th[13]
        end = (seq + tot - ihl - (th[12] >> 4) * 4 + (flags & 1) + ((flags >> 1) & 1)) % 2**32
        if nxt is None or 0 < (end - nxt) % 2**32 < 2**31:
            nxt = end
        ack = ackn
        eth = f[:14]
    seq = (nxt + a.offset) % 2**32
    flags = 0x14 if a.ack else 0x04
    tcp = struct.pack("!HHIIBBHHH", a.sport, a.dport, seq, ack if a.ack else 0,
                      5 << 4, flags, 0, 0, 0)
    tcp = tcp[:16] + struct.pack("!H", csum(src + dst + struct.pack("!BBH", 0, 6, 20) + tcp)) + tcp[18:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 40, 0, 0x4000, 64, 6, 0, src, dst)
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    s.send(eth + ip + tcp)
    say("rst: next sequence number %d, sent a RST with %d (offset %+d)", nxt, seq, a.offset)
    return 0


def flood(a):
    import random
    rnd = random.Random(a.seed)
    with open("/sys/class/net/%s/address" % a.iface) as f:
        smac = bytes.fromhex(f.read().strip().replace(":", ""))
    eth = bytes.fromhex(a.dmac.replace(":", "")) + smac + b"\x08\x00"
    dst = socket.inet_aton(a.dst)
    net = socket.inet_aton(a.net24 + ".0")[:3]
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((a.iface, 0))
    seen = set()
    for _ in range(a.count):
        while True:
            src = net + bytes([rnd.randrange(1, 255)])
            sport, dport = rnd.randrange(1024, 65536), rnd.randrange(1024, 65536)
            if (src, sport, dport) not in seen:
                seen.add((src, sport, dport))
                break
        tcp = struct.pack("!HHIIBBHHH", sport, dport, rnd.getrandbits(32),
                          rnd.getrandbits(32), 5 << 4, 0x10, 65535, 0, 0)
        tcp = tcp[:16] + struct.pack("!H", csum(src + dst + struct.pack("!BBH", 0, 6, 20) + tcp)) + tcp[18:]
        ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 40, 0, 0x4000, 64, 6, 0, src, dst)
        ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
        s.send(eth + ip + tcp)
    say("flood: sent %d spoofed ACKs from %s.0/24 to %s", a.count, a.net24, a.dst)
    return 0


def options(argv):
    p = argparse.ArgumentParser(prog="tcp.py " + argv[1], add_help=False)
    if argv[1] == "rst":
        p.add_argument("iface")
        p.add_argument("src")
        p.add_argument("sport", type=int)
        p.add_argument("dst")
        p.add_argument("dport", type=int)
        p.add_argument("offset", type=int)
        p.add_argument("--ack", action="store_true")
        return p.parse_args(argv[2:])
    if argv[1] == "flood":
        p.add_argument("iface")
        p.add_argument("dmac")
        p.add_argument("net24")
        p.add_argument("dst")
        p.add_argument("count", type=int)
        p.add_argument("--seed", type=int, default=16)
        return p.parse_args(argv[2:])
    p.add_argument("addr")
    p.add_argument("port", type=int)
    p.add_argument("--src")
    p.add_argument("--sport", type=int, default=0)
    if argv[1] == "session":
        p.add_argument("--lines", type=int, default=1)
        p.add_argument("--interval", type=float, default=0)
    elif argv[1] == "bulk":
        g = p.add_mutually_exclusive_group(required=True)
        g.add_argument("--bytes", type=int)
        g.add_argument("--seconds", type=float)
        p.add_argument("--rate", type=float, default=0)
        p.add_argument("--progress")
    else:
        p.add_argument("count", type=int)
        p.add_argument("--hold", action="store_true")
    return p.parse_args(argv[2:])


def main(argv):
    if len(argv) >= 4 and argv[1] == "server":
        server(argv[2], int(argv[3]), len(argv) > 4 and argv[4] == "hold")
    elif len(argv) >= 4 and argv[1] == "client":
        client(argv[2], int(argv[3]),
               float(argv[4]) if len(argv) > 4 else 0.5,
               argv[5] if len(argv) > 5 else None)
    elif len(argv) >= 4 and argv[1] in ("session", "bulk", "burst", "rst", "flood"):
        a = options(argv)
        return {"session": session, "bulk": bulk, "burst": burst, "rst": rst,
                "flood": flood}[argv[1]](a)
    else:
        sys.exit(__doc__)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv))
    except OSError as e:
        sys.exit("tcp.py %s: %s" % (" ".join(sys.argv[1:]), e))
