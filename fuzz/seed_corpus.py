#!/usr/bin/env python3
"""Extracts seed inputs for the fuzz targets from the golden vectors and the
real-server captures into fuzz/seeds/<target>/ (committed;
the fuzzers write what they find to fuzz/corpus/<target>/, which is not).

    python3 fuzz/seed_corpus.py [--shared DIR] [--max-size BYTES]

DIR defaults to ../shared next to the repository (the layout used by CI and
the worktrees), or $VOLTDB_SHARED. Inputs larger than --max-size (default
65536) are skipped: they slow the fuzzer down and add nothing the smaller
ones do not. File names are the SHA-1 of the content, as libFuzzer names its
own corpus entries, so running the script twice adds nothing.

Input conventions (see tests/fuzz_support/mod.rs): targets that cover two
decoders take a selector byte first (even: the first decoder, odd: the
second).
"""
import argparse
import hashlib
import json
import os
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)


def find_shared(arg):
    for cand in [arg, os.environ.get("VOLTDB_SHARED"),
                 os.path.join(os.path.dirname(REPO), "shared"),
                 os.path.join(REPO, "shared"), "/work/shared"]:
        if cand and os.path.isfile(os.path.join(cand, "vectors", "vectors.json")):
            return cand
    sys.exit("shared/ not found (pass --shared DIR)")


def frames(b):
    """Splits a byte stream into frame bodies (stops at the first bad one)."""
    out, pos = [], 0
    while pos + 4 <= len(b):
        (n,) = struct.unpack(">i", b[pos:pos + 4])
        if n < 1 or pos + 4 + n > len(b):
            break
        out.append(b[pos + 4:pos + 4 + n])
        pos += 4 + n
    return out


class Reader:
    def __init__(self, b, pos=0):
        self.b, self.pos = b, pos

    def take(self, n):
        if n < 0 or self.pos + n > len(self.b):
            raise ValueError("short")
        s = self.b[self.pos:self.pos + n]
        self.pos += n
        return s

    def i8(self):
        return struct.unpack(">b", self.take(1))[0]

    def i16(self):
        return struct.unpack(">h", self.take(2))[0]

    def i32(self):
        return struct.unpack(">i", self.take(4))[0]

    def string(self):
        n = self.i32()
        if n != -1:
            self.take(n)


def response_tables(body):
    """The tables (each with its i32 length) of a response body (§5)."""
    try:
        r = Reader(body)
        r.take(1 + 8)
        present = r.take(1)[0]
        r.take(1)
        if present & 0x20:
            r.string()
        r.take(1)
        if present & 0x80:
            r.string()
        r.take(4)
        if present & 0x40:
            n = r.i32()
            r.take(max(n, 0))
        if present & 0x10:
            r.take(4 * r.i16())
        out = []
        for _ in range(r.i16()):
            start = r.pos
            n = r.i32()
            r.take(n)
            out.append(body[start:r.pos])
        return out
    except (ValueError, struct.error):
        return []


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--shared")
    ap.add_argument("--max-size", type=int, default=65536)
    ap.add_argument("--out", default=os.path.join(HERE, "seeds"))
    args = ap.parse_args()
    shared = find_shared(args.shared)
    counts = {}

    def add(target, data):
        if isinstance(data, str):
            data = data.encode()
        if len(data) > args.max_size:
            return
        d = os.path.join(args.out, target)
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, hashlib.sha1(data).hexdigest()), "wb") as f:
            f.write(data)
        counts[target] = counts.get(target, 0) + 1

    def add_response_frame(framed):
        add("frame", b"\x00" + framed)
        for body in frames(framed):
            add("response", body)
            for t in response_tables(body):
                add("table", t)

    vectors = json.load(open(os.path.join(shared, "vectors", "vectors.json")))["vectors"]
    for v in vectors:
        kind, hx = v["kind"], v.get("hex")
        if hx is None:
            continue
        b = bytes.fromhex(hx)
        if kind == "response":
            add_response_frame(b)
        elif kind == "table":
            add("table", b)
        elif kind == "login_response":
            add("frame", b"\x00" + b)
            for body in frames(b):
                add("login", b"\x00" + body)
        elif kind == "login_request":
            for body in frames(b):
                add("login", b"\x01" + body)
        elif kind == "invocation":
            add("frame", b"\x01" + b)
            for body in frames(b):
                add("invocation", b"\x00" + body)
        elif kind == "array_param":
            add("invocation", b"\x01" + b"\x00\x01" + b)
        elif kind == "value":
            ty = v.get("volt_type")
            if v.get("param_hex"):
                add("invocation", b"\x01" + b"\x00\x01" + bytes.fromhex(v["param_hex"]))
            if ty == "GEOGRAPHY" and len(b) > 4:
                add("geography", b"\x00" + b[4:])
            if ty == "DECIMAL":
                add("decimal", b"\x00" + b)
            val = v.get("value")
            if isinstance(val, dict) and "wkt" in val:
                add("geography", b"\x01" + val["wkt"].encode())
            if isinstance(val, dict) and "decimal" in val:
                add("decimal", b"\x01" + val["decimal"].encode())
            if isinstance(val, dict) and "lng" in val:
                add("geography", b"\x01POINT(%r %r)" % (val["lng"], val["lat"]))
            # Every bare value also seeds the all-types reader.
            add("decimal", b"\x00" + b)
        elif kind == "hash_ring":
            add("hashinator", b"\x00" + b)
            if v.get("cooked_hex"):
                add("hashinator", b"\x00" + bytes.fromhex(v["cooked_hex"]))

    for name in ["real-server-11.4.json", "real-cluster-11.4.json"]:
        path = os.path.join(shared, "captures", name)
        if not os.path.isfile(path):
            continue
        for ex in json.load(open(path)):
            req = bytes.fromhex(ex.get("request_hex") or "")
            resp = bytes.fromhex(ex.get("response_hex") or "")
            if req:
                add("frame", b"\x01" + req)
                for body in frames(req):
                    if body[:1] in (b"\x00", b"\x01") and b"database" in body[:16]:
                        add("login", b"\x01" + body)
                    else:
                        add("invocation", b"\x00" + body)
            if resp:
                decoded = ex.get("decoded") or {}
                if isinstance(decoded, dict) and decoded.get("kind") == "login_response":
                    add("frame", b"\x00" + resp)
                    for body in frames(resp):
                        add("login", b"\x00" + body)
                else:
                    add_response_frame(resp)
            # REMARKS JSON of @SystemCatalog PROCEDURES rows.
            stack = [ex.get("decoded")]
            while stack:
                x = stack.pop()
                if isinstance(x, dict):
                    stack.extend(x.values())
                elif isinstance(x, list):
                    stack.extend(x)
                elif isinstance(x, str) and x.startswith("{") and "singlePartition" in x:
                    add("hashinator", b"\x01" + x.encode())

    # A few hand-written texts the vectors do not carry.
    for s in ["POLYGON((0 0, 1 0, 0 1, 0 0))",
              "POLYGON ((0 0, 10 0, 10 10, 0 10, 0 0), (2 2, 2 4, 4 4, 4 2, 2 2))",
              "POINT(-122.4194 37.7749)"]:
        add("geography", b"\x01" + s.encode())
    for s in ["0", "-12.5", "1E5", "1.5e-3", "99999999999999999999999999.999999999999",
              "0.000000000001", "+.5", "1.0000000000000000"]:
        add("decimal", b"\x01" + s.encode())
    for s in ['{"readOnly":true,"singlePartition":true,"partitionParameter":0,'
              '"partitionParameterType":6}',
              '{"readOnly":false,"singlePartition":false,"compound":true,"x":[1,{"y":"\\u00e9"}]}',
              '{}']:
        add("hashinator", b"\x01" + s.encode())
    add("frame", b"\x00")
    add("frame", b"\x01\x00\x00\x00\x02\x00\xff")

    for t in sorted(counts):
        print(f"{t}: {counts[t]} seeds")


if __name__ == "__main__":
    main()
