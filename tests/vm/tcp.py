#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""TCP ends for the VM scenarios (lib.sh: tcp_server, tcp_client).

  tcp.py server ADDR PORT
      listen on ADDR:PORT and echo back whatever each client sends, until
      killed.
  tcp.py client ADDR PORT [INTERVAL [SRC]]
      connect (from SRC if given), then every INTERVAL seconds (default 0.5)
      send a numbered line and check that the same line comes back. Runs
      until killed; exits 1 with a message if the connection breaks or an
      echo differs, so a broken connection shows in the scenario's log and
      in the process's status.
"""
import socket
import sys
import threading
import time


def family(addr):
    return socket.AF_INET6 if ":" in addr else socket.AF_INET


def echo(conn):
    with conn:
        while True:
            data = conn.recv(65536)
            if not data:
                return
            conn.sendall(data)


def server(addr, port):
    s = socket.socket(family(addr), socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, port))
    s.listen(64)
    while True:
        conn, _ = s.accept()
        threading.Thread(target=echo, args=(conn,), daemon=True).start()


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


def main(argv):
    if len(argv) >= 4 and argv[1] == "server":
        server(argv[2], int(argv[3]))
    elif len(argv) >= 4 and argv[1] == "client":
        client(argv[2], int(argv[3]),
               float(argv[4]) if len(argv) > 4 else 0.5,
               argv[5] if len(argv) > 5 else None)
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    try:
        main(sys.argv)
    except OSError as e:
        sys.exit("tcp.py %s: %s" % (" ".join(sys.argv[1:]), e))
