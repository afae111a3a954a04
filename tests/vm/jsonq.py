#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""JSON queries for the VM scenarios (lib.sh: json_get, json_check,
json_eval, check_json).

  jsonq.py get PATH      print the value at PATH ("a.0.b"; "" or "." = all)
  jsonq.py check EXPR    exit 0 if the Python expression EXPR is true, with
                        the document bound to j; 1 if false
  jsonq.py eval EXPR     print the value of EXPR
      The document is read from stdin. Strings print raw, other values as
      JSON. Exit 2 with a message on stderr if the input is not JSON, PATH
      is absent or EXPR raises.

  jsonq.py serve         the same queries, many per process: python's start
                        costs a quarter to half a second under TCG, so
                        lib.sh keeps one server per scenario (a bash coproc).
      Request: "OP\\n" then twice "LENGTH\\n" + that many bytes (the PATH
      or EXPR, then the document). Reply: "STATUS LENGTH\\n" + that many
      bytes (the output, or the error message when STATUS is 2).
"""
import json
import sys


class QueryError(Exception):
    pass


def render(v):
    return v if isinstance(v, str) else json.dumps(v)


def query(op, arg, text):
    """Return (status, output)."""
    try:
        doc = json.loads(text)
    except ValueError as e:
        raise QueryError("not JSON: %s" % e)
    if op == "get":
        v = doc
        for k in [k for k in arg.split(".") if k]:
            try:
                v = v[int(k)] if isinstance(v, list) else v[k]
            except (KeyError, IndexError, ValueError, TypeError):
                raise QueryError("no %s in the document" % arg)
        return 0, render(v)
    try:
        v = eval(arg, {"j": doc})
    except Exception as e:  # a test's expression: report whatever it raised
        raise QueryError("%s: %s: %s" % (arg, type(e).__name__, e))
    if op == "check":
        return (0 if v else 1), ""
    if op == "eval":
        return 0, render(v)
    raise QueryError("unknown operation %r" % op)


def read_chunk(f):
    n = f.readline()
    if not n:
        raise EOFError
    n = int(n)
    data = f.read(n)
    if len(data) != n:
        raise EOFError
    return data.decode("utf-8", "replace")


def serve():
    fin, fout = sys.stdin.buffer, sys.stdout.buffer
    while True:
        op = fin.readline()
        if not op:
            return
        try:
            arg, text = read_chunk(fin), read_chunk(fin)
        except (EOFError, ValueError):
            return
        try:
            status, out = query(op.decode().strip(), arg, text)
        except QueryError as e:
            status, out = 2, "json: %s" % e
        data = out.encode()
        fout.write(b"%d %d\n" % (status, len(data)) + data)
        fout.flush()


def main(argv):
    if len(argv) == 2 and argv[1] == "serve":
        serve()
        return 0
    if len(argv) != 3 or argv[1] not in ("get", "check", "eval"):
        sys.exit(__doc__)
    try:
        status, out = query(argv[1], argv[2], sys.stdin.read())
    except QueryError as e:
        print("json: %s" % e, file=sys.stderr)
        return 2
    if out:
        print(out)
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv))
