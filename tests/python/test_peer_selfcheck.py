#!/usr/bin/env python3
"""Self-check of peer.py against the golden vectors (plain script, no pytest).

    <venv>/bin/python tests/python/test_peer_selfcheck.py [vectors.json]

Runs peer.py (with this interpreter, so use the venv that has voltdbclient)
once per command over every applicable vector and checks the results equal the
vector: `encode` against `python_hex` (when present) else `hex`, `param_hex`,
or `python_error`; `decode` against `python_decoded` / `python_decode_error`;
`decode_response` against the response vectors, the table vectors (wrapped in
a minimal response) and, when available, the real-server captures. Exit 0 when
everything matches, 1 otherwise.

Vectors: argv[1], else $VOLTDB_VECTORS, else the first existing of
tests/data/vectors.json (in the repository) and
$VOLTDB_SHARED/vectors/vectors.json ($VOLTDB_SHARED defaults to ../shared). Captures: $VOLTDB_CAPTURES (a
directory), else $VOLTDB_SHARED/captures (required unless
$VOLTDB_SKIP_CAPTURES is set).
"""

import json
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
# The shared test data: $VOLTDB_SHARED, else shared/ next to the repository
# (as for the Rust tests, tests/common/mod.rs).
SHARED = os.environ.get("VOLTDB_SHARED", os.path.join(REPO, "..", "shared"))
PEER = os.path.join(HERE, "peer.py")

failures = []
checks = 0


def canon(v):
    # Strict comparison: distinguishes 1 from 1.0 and 0.0 from -0.0.
    return json.dumps(v, sort_keys=True, ensure_ascii=True)


def check(name, got, want):
    global checks
    checks += 1
    if canon(got) != canon(want):
        failures.append("%s:\n    got  %s\n    want %s" % (name, canon(got)[:400], canon(want)[:400]))


def peer(req):
    p = subprocess.run([sys.executable, PEER], input=json.dumps(req).encode(),
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=300)
    out = p.stdout.decode()
    lines = out.splitlines()
    if p.returncode != 0 or len(lines) != 1:
        sys.stderr.write(p.stderr.decode())
        raise SystemExit("peer.py failed (rc=%d) on %s: %r" % (p.returncode, req.get("cmd"), out[:500]))
    return json.loads(out)


def find_vectors():
    if len(sys.argv) > 1:
        return sys.argv[1]
    if os.environ.get("VOLTDB_VECTORS"):
        return os.environ["VOLTDB_VECTORS"]
    for c in (os.path.join(REPO, "tests", "data", "vectors.json"),
              os.path.join(SHARED, "vectors", "vectors.json")):
        if os.path.exists(c):
            return c
    raise SystemExit("vectors.json not found (pass a path or set VOLTDB_VECTORS)")


# python_behaviour vectors expressed as encode items: name -> (type, JSON value)
BEHAVIOUR_ITEMS = {
    "writeByte(256)": ("TINYINT", 256),
    "writeByte(200) wraps to -56": ("TINYINT", 200),
    "writeByte(-129) wraps to 127": ("TINYINT", -129),
    "writeInt16(40000) wraps": ("SMALLINT", 40000),
    "writeInt32(2**40) wraps": ("INTEGER", 2 ** 40),
    "writeInt64(1.5)": ("BIGINT", 1.5),
    "writeFloat64('x')": ("FLOAT", "x"),
    "writeString(5)": ("STRING", 5),
    "writeVarbinary('abc')": ("VARBINARY", "abc"),
    "writeDecimal(1.5)": ("DECIMAL", 1.5),
    "writeDecimal(scale 13)": ("DECIMAL", {"decimal": "1.0000000000001"}),
    "writeDecimal(27 integer digits)": ("DECIMAL", {"decimal": "1" + "0" * 26}),
    "writeTimestamp(5)": ("TIMESTAMP", 5),
    "writeGeographyPoint([1.0, 2.0])": ("GEOGRAPHY_POINT", [1.0, 2.0]),
    "write(VOLTTABLE)": ("VOLTTABLE", None),
}


def expected_encode(v, hex_key="hex"):
    if v.get("python_error"):
        return {"error": v["python_error"]}
    if hex_key == "hex" and v.get("python_hex") is not None:
        return {"hex": v["python_hex"]}
    return {"hex": v[hex_key]}


def check_encode(vectors):
    items, expect = [], []
    for v in vectors:
        k, t = v["kind"], v["volt_type"]
        if k == "value" and t not in (None, "VOLTTABLE"):
            items.append({"type": t, "value": v["value"]})
            expect.append((v["name"], expected_encode(v)))
            items.append({"type": t, "value": v["value"], "param": True})
            expect.append((v["name"] + " [param]", {"hex": v["param_hex"]}))
        elif k == "array_param":
            items.append({"type": t, "value": v["value"], "array": True})
            expect.append((v["name"], expected_encode(v)))
        elif k == "python_behaviour":
            if v["name"] not in BEHAVIOUR_ITEMS:
                continue
            t2, val = BEHAVIOUR_ITEMS[v["name"]]
            items.append({"type": t2, "value": val})
            expect.append((v["name"], expected_encode(v)))
    res = peer({"cmd": "encode", "items": items})["results"]
    assert len(res) == len(items)
    for (name, want), got in zip(expect, res):
        got = dict(got)
        got.pop("as_array", None)
        check("encode " + name, got, want)


def check_decode(vectors):
    items, expect = [], []
    for v in vectors:
        if v["kind"] not in ("value", "array_param") or v.get("hex") is None:
            continue
        if "python_decoded" in v:
            want = {"value": v["python_decoded"]}
        elif "python_decode_error" in v:
            want = {"error": v["python_decode_error"]}
        else:
            continue
        if v["kind"] == "value":
            items.append({"type": v["volt_type"], "hex": v["hex"]})
            n = len(v["hex"]) // 2
        else:   # skip the 9d marker and the element type byte
            items.append({"type": v["volt_type"], "hex": v["hex"][4:], "array": True})
            n = len(v["hex"]) // 2 - 2
        if "value" in want:
            want["consumed"] = n
        expect.append((v["name"], want))
    res = peer({"cmd": "decode", "items": items})["results"]
    assert len(res) == len(items)
    for (name, want), got in zip(expect, res):
        check("decode " + name, got, want)


def response_fields(got):
    return {k: got.get(k) for k in ("version", "clientHandle", "status", "statusString",
                                    "appStatus", "appStatusString", "roundtripTime",
                                    "exception")}


def check_responses(vectors):
    for v in vectors:
        if v["kind"] != "response":
            continue
        got = peer({"cmd": "decode_response", "hex": v["hex"]})
        want = v["python_decoded"]
        check("response %s fields" % v["name"], response_fields(got),
              {k: want[k] for k in response_fields(want)})
        check("response %s tables" % v["name"], got["tables"],
              [{"columns": [[c["name"], c["type"]] for c in t["columns"]], "rows": t["rows"]}
               for t in want["tables"]])
        check("response %s str" % v["name"], got["str"], v["python_str"])
        check("response %s consumed" % v["name"], got["consumed"], len(v["hex"]) // 2 - 4)


def wrap_table(table_hex):
    """A minimal SUCCESS response around one table."""
    body = bytes.fromhex("00" + "0000000000000001" + "00" + "01" + "80" + "00000000" + "0001") \
        + bytes.fromhex(table_hex)
    return (len(body).to_bytes(4, "big") + body).hex()


def check_tables(vectors):
    for v in vectors:
        if v["kind"] != "table" or "python_decoded_rows" not in v:
            continue
        got = peer({"cmd": "decode_response", "hex": wrap_table(v["hex"])})
        check("table %s" % v["name"], got["tables"],
              [{"columns": [[c["name"], c["type"]] for c in v["python_decoded_columns"]],
                "rows": v["python_decoded_rows"]}])
        check("table %s str" % v["name"], got["str"],
              "Status: 1\nInformation: None\n" + v["python_str"])


def check_captures():
    if os.environ.get("VOLTDB_SKIP_CAPTURES"):
        print("captures: skipped (VOLTDB_SKIP_CAPTURES is set)")
        return 0
    d = os.environ.get("VOLTDB_CAPTURES", os.path.join(SHARED, "captures"))
    files = [os.path.join(d, f) for f in ("real-server-11.4.json", "real-cluster-11.4.json")]
    if not all(os.path.exists(f) for f in files):
        raise SystemExit("captures not found in %s (set VOLTDB_CAPTURES)" % d)
    n = 0
    for f in files:
        for e in json.load(open(f, encoding="utf-8")):
            dec = e.get("decoded")
            if not isinstance(dec, dict) or dec.get("kind") != "response" or not e.get("response_hex"):
                continue
            n += 1
            name = "capture %s" % e["name"]
            got = peer({"cmd": "decode_response", "hex": e["response_hex"]})
            differs = e.get("python_client_decodes_differently") or []
            failed = [x for x in differs if x.startswith("python client failed to decode: ")]
            if failed:
                check(name + " error", got.get("error"),
                      failed[0][len("python client failed to decode: "):])
                continue
            if "error" in got:
                check(name, got, "a decoded response")
                continue
            check(name + " fields", response_fields(got), {
                "version": dec["version"], "clientHandle": dec["client_handle"],
                "status": dec["status"], "statusString": dec["status_string"],
                "appStatus": None if dec["app_status"] == -128 else dec["app_status"],
                "appStatusString": dec["app_status_string"],
                "roundtripTime": dec["cluster_round_trip_ms"], "exception": None})
            check(name + " columns", [t["columns"] for t in got["tables"]],
                  [t["columns"] for t in dec["tables"]])
            if differs:
                continue    # documented cell differences (e.g. FLOAT near the NULL sentinel)
            check(name + " rows", [t["rows"] for t in got["tables"]],
                  [t["rows"] for t in dec["tables"]])
    return n


def check_misc():
    # exit codes and a bulk run (thousands of items in one process)
    p = subprocess.run([sys.executable, PEER], input=b'{"cmd":"nope"}', stdout=subprocess.PIPE)
    check("unknown cmd rc", [p.returncode, json.loads(p.stdout)], [2, {"error": "unknown cmd"}])
    items = [{"type": "BIGINT", "value": i * 7919} for i in range(5000)]
    items += [{"type": "STRING", "value": "s%d" % i, "array": False} for i in range(5000)]
    t0 = time.time()
    res = peer({"cmd": "encode", "items": items})["results"]
    dt = time.time() - t0
    check("bulk encode count", len(res), len(items))
    check("bulk encode item", res[5001], {"hex": "000000027331"})
    dec = peer({"cmd": "decode", "items": [{"type": "STRING", "hex": r["hex"]} for r in res[5000:]]})
    check("bulk decode", [r["value"] for r in dec["results"]], ["s%d" % i for i in range(5000)])
    print("bulk encode of %d items: %.2fs" % (len(items), dt))
    check("version", peer({"cmd": "version"})["voltdbclient"], "16.1.0")


def main():
    path = find_vectors()
    vectors = json.load(open(path, encoding="utf-8"))["vectors"]
    check_encode(vectors)
    check_decode(vectors)
    check_responses(vectors)
    check_tables(vectors)
    n = check_captures()
    check_misc()
    for f in failures:
        print("FAIL " + f)
    print("%d checks (%s, %d capture responses), %d failures"
          % (checks, path, n, len(failures)))
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
