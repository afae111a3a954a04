#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Two-way TCP streams with content hashes, for the move scenarios.

  stream.py server ADDR PORT --bytes N [--rate BPS] [--out FILE]
  stream.py client ADDR PORT --bytes N [--rate BPS] [--out FILE]
                   [--progress FILE] [--src ADDR]
  both also take [--stop-file FILE] [--chunk N]

Each end sends N bytes of a deterministic pseudo-random stream (the server's
and the client's differ) at most BPS bytes per second, while it reads
everything the other end sends until EOF. At the end it writes one JSON
object (to --out, else stdout): bytes and SHA-256 of what it sent and of
what it received, the longest gap between two received chunks (stall_ms),
and "error" if the connection broke (reset, timeout). The scenario compares
one end's "sent" with the other's "recv". --progress FILE is rewritten with
the number of bytes received so far, so that a scenario can act mid-stream.
With --stop-file FILE an end stops sending as soon as FILE exists (N is then
an upper bound): a stream that runs for as long as the scenario needs, whose
ends are compared as usual (one end's "sent" against the other's "recv").
--chunk N sends N bytes at a time (default 16384): with a low --rate, an
interactive stream (--chunk 40 --rate 800: a 40-byte line every 50 ms).
"""
import argparse
import os
import hashlib
import json
import random
import socket
import sys
import threading
import time

CHUNK = 16384


def stream_bytes(seed, n, chunk=CHUNK):
    rnd = random.Random(seed)
    left = n
    while left > 0:
        k = min(chunk, left)
        yield rnd.randbytes(k)
        left -= k


def write_progress(path, n):
    """Replace path's content atomically: a reader never sees it empty."""
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % n)
    os.replace(tmp, path)


def run(sock, seed, n, rate, progress, stop_file=None, chunk=CHUNK):
    res = {"sent": 0, "recv": 0, "stall_ms": 0}
    sent_h = hashlib.sha256()
    recv_h = hashlib.sha256()
    errors = []

    def sender():
        start = time.monotonic()
        try:
            for piece in stream_bytes(seed, n, chunk):
                if stop_file and os.path.exists(stop_file):
                    break
                sock.sendall(piece)
                sent_h.update(piece)
                res["sent"] += len(piece)
                if rate:
                    ahead = res["sent"] / rate - (time.monotonic() - start)
                    if ahead > 0:
                        time.sleep(ahead)
            sock.shutdown(socket.SHUT_WR)
        except OSError as e:
            errors.append("send: %s" % e)

    t = threading.Thread(target=sender)
    t.start()
    last = time.monotonic()
    last_report = 0
    try:
        while True:
            data = sock.recv(65536)
            now = time.monotonic()
            if not data:
                break
            res["stall_ms"] = max(res["stall_ms"], int((now - last) * 1000))
            last = now
            recv_h.update(data)
            res["recv"] += len(data)
            if progress and res["recv"] - last_report >= min(65536, 64 * chunk):
                last_report = res["recv"]
                write_progress(progress, res["recv"])
    except OSError as e:
        errors.append("recv: %s" % e)
    t.join()
    if progress:
        write_progress(progress, res["recv"])
    res["sent_sha256"] = sent_h.hexdigest()
    res["recv_sha256"] = recv_h.hexdigest()
    if errors:
        res["error"] = "; ".join(errors)
    return res


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("role", choices=["server", "client"])
    ap.add_argument("addr")
    ap.add_argument("port", type=int)
    ap.add_argument("--bytes", type=int, required=True)
    ap.add_argument("--rate", type=int, default=0)
    ap.add_argument("--out")
    ap.add_argument("--progress")
    ap.add_argument("--timeout", type=float, default=120)
    ap.add_argument("--src", help="client: local address to bind")
    ap.add_argument("--stop-file", help="stop sending once this file exists")
    ap.add_argument("--chunk", type=int, default=CHUNK,
                    help="bytes per send (default %d)" % CHUNK)
    a = ap.parse_args()

    if a.role == "server":
        ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        ls.bind((a.addr, a.port))
        ls.listen(1)
        sock, _ = ls.accept()
        ls.close()
        seed = 1
    else:
        sock = socket.create_connection((a.addr, a.port), timeout=10,
                                        source_address=(a.src, 0) if a.src else None)
        seed = 2
    sock.settimeout(a.timeout)
    if a.chunk < 1:
        ap.error("--chunk must be at least 1")
    res = run(sock, seed, a.bytes, a.rate, a.progress, a.stop_file, a.chunk)
    sock.close()
    out = json.dumps(res, sort_keys=True)
    if a.out:
        with open(a.out + ".tmp", "w") as f:
            f.write(out + "\n")
        # Rename so a reader never sees half a file.

        os.rename(a.out + ".tmp", a.out)
    else:
        print(out)
    return 1 if "error" in res else 0


if __name__ == "__main__":
    sys.exit(main())
