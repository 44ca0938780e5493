#!/usr/bin/env python3
"""Peer driver for the official Python VoltDB client (PyPI `voltdbclient` 16.1.0).

The Rust test-suite and benchmarks run this script as a subprocess to compare
the Rust client with the reference implementation. Protocol: read ONE JSON
document from stdin, write ONE JSON document to stdout. Nothing else is ever
written to stdout (the client's own `print()`-based error messages are routed
to stderr); diagnostics go to stderr.

Values use the JSON conventions of the golden vectors (vectors/README.md):

    SQL NULL              null
    TINYINT..BIGINT       JSON integer
    FLOAT                 number, or {"float": "NaN" | "Infinity" | "-Infinity"}
    STRING                string
    VARBINARY             {"bytes_hex": "..."}   (the client returns array('B'))
    DECIMAL               {"decimal": "-12.500000000000"}
    TIMESTAMP             {"timestamp_us": N, "iso": "...Z"}   (input: "iso" optional)
    DATE                  {"date": "2024-02-29"}   (not a VoltDB 11 type)
    BOOLEAN               true / false
    GEOGRAPHY_POINT       {"lng": x, "lat": y}
    GEOGRAPHY             {"wkt": "POLYGON (...)"}
    arrays                JSON lists of the element forms

Input values are converted by their JSON *shape*, not by the declared type, so
a test can deliberately hand the client a wrong Python type (e.g. a string for
an INTEGER) and observe the client's own exception.

Type names: NULL TINYINT SMALLINT INTEGER BIGINT FLOAT STRING TIMESTAMP DATE
DECIMAL MONEY VOLTTABLE BOOLEAN VARBINARY GEOGRAPHY_POINT GEOGRAPHY, or a raw
integer type code (to exercise the client's unknown-type errors).

Commands (field "cmd"); every error string is "ExceptionType: message":

  encode    {"items":[{"type":T,"value":V,"array":false}]}
            -> {"results":[{"hex":H} | {"error":E}]}
            array=false: bare value bytes of FastSerializer.write(type, value).
            array=true (alias "param":true): exactly the bytes VoltProcedure.call
            writes for this parameter -- for a value the client treats as an
            array (VoltProcedure.as_array) that is 9d, element type, writeArray
            (quirks included: an empty list gets no count); otherwise type byte +
            value. Results then also carry "as_array": bool.
  decode    {"items":[{"type":T,"hex":H,"array":false}]}
            -> {"results":[{"value":V,"consumed":n} | {"error":E}]}
            array=true: H starts with the element count (no 9d/type byte).
  decode_response {"hex":H}  (complete frame incl. length prefix)
            -> {"version","clientHandle","status","statusString","appStatus",
                "appStatusString","roundtripTime","exception",
                "tables":[{"columns":[[name,type_code],..],"rows":[[V..],..]}],
                "str": str(response), "consumed", "body_length"
                [, "trailing_bytes"]}  | {"error":E}
            (call results use the same object without consumed/body_length;
            a local timeout response has "tables": null)
  call      {"host","port","username","password","timeout":10,
             "calls":[{"procedure":P,"types":[T..],"params":[V..]}]}
            -> {"login":{"hostId","connectionId","clusterInstanceId":[ms,ip],
                         "buildString"} | {"error":E},
                "results":[response object | {"error":E}]}
  bench_decode {"hex":H,"min_seconds":1.0}
            -> {"iterations","seconds","per_iteration_s","rows"}
  bench_call {"host","port","procedure","types","params","min_seconds":1.0,
              "warmup":100} -> {"calls","seconds","calls_per_s","errors",...}
  bench_async {"host","port","procedure","types","params","calls":N,
               "max_outstanding":M}
            -> {"calls","seconds","calls_per_s","errors",
                "latency_ms":{"p50","p99","p999","max"}, ...} | {"error":E}
  version   -> {"voltdbclient":"16.1.0","python":"3.11.x"}

Optional request fields: "watchdog_s" (network commands default to 300 s; null
disables) aborts a run that hangs, e.g. in the client's bufferForRead(), which
spins forever on a connection closed inside a length prefix (a known Python
client bug). Network commands also accept "connect_timeout".

Exit codes: 0 = a JSON result was produced (it may still hold an "error" the
client reported, e.g. a failed login or an undecodable response); 1 = an
unexpected exception (malformed request, bug) -> {"error": ...}; 2 = unknown
command -> {"error": "unknown cmd"}.
"""

import os
import sys
import time

# The client converts TIMESTAMPs with the *local* time zone (writeTimestamp via
# strftime("%s"), readTimestamp via datetime.fromtimestamp). Force UTC before
# importing it so naive datetimes are UTC instants and conversions are exact.
os.environ["TZ"] = "UTC"
time.tzset()

import array  # noqa: E402
import datetime  # noqa: E402
import decimal  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402
import platform  # noqa: E402
import signal  # noqa: E402
import threading  # noqa: E402

# voltdbclient.error() print()s "ERROR: ..." lines to stdout. Keep the real
# stdout for our single JSON document and send everything else to stderr.
_RESULT_OUT = sys.stdout
sys.stdout = sys.stderr

import voltdbclient  # noqa: E402
from voltdbclient import FastSerializer, VoltProcedure, VoltResponse, Geography  # noqa: E402

FS = FastSerializer
STATUS_SUCCESS = 1

TYPE_CODES = {
    "NULL": FS.VOLTTYPE_NULL,
    "TINYINT": FS.VOLTTYPE_TINYINT,
    "SMALLINT": FS.VOLTTYPE_SMALLINT,
    "INTEGER": FS.VOLTTYPE_INTEGER,
    "BIGINT": FS.VOLTTYPE_BIGINT,
    "FLOAT": FS.VOLTTYPE_FLOAT,
    "STRING": FS.VOLTTYPE_STRING,
    "TIMESTAMP": FS.VOLTTYPE_TIMESTAMP,
    "DATE": FS.VOLTTYPE_DATE,
    "DECIMAL": FS.VOLTTYPE_DECIMAL,
    "MONEY": FS.VOLTTYPE_MONEY,
    "VOLTTABLE": FS.VOLTTYPE_VOLTTABLE,
    "BOOLEAN": FS.VOLTTYPE_BOOLEAN,
    "VARBINARY": FS.VOLTTYPE_VARBINARY,
    "GEOGRAPHY_POINT": FS.VOLTTYPE_GEOGRAPHY_POINT,
    "GEOGRAPHY": FS.VOLTTYPE_GEOGRAPHY,
}

EPOCH = datetime.datetime(1970, 1, 1)
ONE_US = datetime.timedelta(microseconds=1)

# VoltProcedure.as_array is a plain method that never touches its serializer.
_as_array = VoltProcedure(None, "", ()).as_array


class RequestError(Exception):
    """The request itself is malformed (bad type name, bad JSON value form)."""


class Watchdog(BaseException):
    """Raised by SIGALRM when a run exceeds watchdog_s. A BaseException so the
    client's own `except Exception` handlers cannot swallow it."""


def err(e):
    return "%s: %s" % (type(e).__name__, e)


# ---------------------------------------------------------------------------
# JSON <-> Python values
# ---------------------------------------------------------------------------

def type_code(t):
    if isinstance(t, bool):
        raise RequestError("bad type %r" % (t,))
    if isinstance(t, int):
        return t
    try:
        return TYPE_CODES[t]
    except (KeyError, TypeError):
        raise RequestError("unknown type name %r" % (t,))


def from_json(v):
    """JSON value form -> the Python value the client expects."""
    if v is None or isinstance(v, (bool, int, float, str)):
        return v
    if isinstance(v, list):
        return [from_json(x) for x in v]
    if isinstance(v, dict):
        if "float" in v:
            return float(v["float"])          # "NaN", "Infinity", "-Infinity"
        if "bytes_hex" in v:
            return bytes.fromhex(v["bytes_hex"])
        if "decimal" in v:
            return decimal.Decimal(v["decimal"])   # exact; keeps its exponent
        if "timestamp_us" in v:
            # Exact: naive UTC datetime; the client's writeTimestamp turns it
            # back into strftime("%s") * 10^6 + microsecond (exact under TZ=UTC).
            return EPOCH + datetime.timedelta(microseconds=int(v["timestamp_us"]))
        if "iso" in v:
            s = v["iso"]
            if s.endswith("Z"):
                s = s[:-1]
            return datetime.datetime.fromisoformat(s)
        if "date" in v:
            return datetime.date.fromisoformat(v["date"])
        if "lng" in v and "lat" in v:
            return (v["lng"], v["lat"])       # the client wants a 2-tuple
        if "wkt" in v:
            return Geography.geographyFromWKT(v["wkt"])
    raise RequestError("no Python value for JSON %r" % (v,))


def micros(dt):
    """Exact microseconds since the epoch of a naive UTC datetime."""
    return (dt - EPOCH) // ONE_US


def to_json(v):
    """Python value the client returned -> JSON value form. Reports exactly
    what the client produced (e.g. a TIMESTAMP is the datetime the client built
    from float seconds, converted to microseconds without further rounding)."""
    if v is None or isinstance(v, (bool, str)):
        return v
    if isinstance(v, int):
        return v
    if isinstance(v, float):
        if math.isnan(v):
            return {"float": "NaN"}
        if math.isinf(v):
            return {"float": "Infinity" if v > 0 else "-Infinity"}
        return v
    if isinstance(v, (bytes, bytearray)):
        return {"bytes_hex": bytes(v).hex()}
    if isinstance(v, array.array):          # VARBINARY comes back as array('B')
        return {"bytes_hex": v.tobytes().hex()}
    if isinstance(v, decimal.Decimal):
        return {"decimal": format(v, "f")}
    if isinstance(v, datetime.datetime):
        return {"timestamp_us": micros(v), "iso": v.isoformat() + "Z"}
    if isinstance(v, datetime.date):
        return {"date": v.isoformat()}
    if isinstance(v, Geography):
        return {"wkt": str(v)}
    # readGeographyPoint returns a (lng, lat) tuple; numeric arrays are lists,
    # so a tuple of two floats is unambiguous.
    if isinstance(v, tuple) and len(v) == 2 and all(isinstance(c, float) for c in v):
        return {"lng": to_json(v[0]), "lat": to_json(v[1])}
    if isinstance(v, (list, tuple)):
        return [to_json(x) for x in v]
    raise TypeError("no JSON form for %r" % (v,))


def response_json(r):
    """A VoltResponse as JSON: every attribute, tables, and str(response)."""
    tables = None
    if r.tables is not None:      # None only on a locally generated (timeout) response
        tables = [{"columns": [[c.name, c.type] for c in t.columns],
                   "rows": to_json(t.tuples)} for t in r.tables]
    return {
        "version": r.version,
        "clientHandle": r.clientHandle,
        "status": r.status,
        "statusString": r.statusString,
        "appStatus": r.appStatus,          # None when unset (-128), a client quirk
        "appStatusString": r.appStatusString,
        "roundtripTime": r.roundtripTime,  # the cluster round-trip from the wire
        "exception": None if r.exception is None else str(r.exception),
        "tables": tables,
        "str": str(r),
    }


def login_json(fs):
    cid = fs.clusterInstanceId
    return {"hostId": fs.hostId, "connectionId": fs.connectionId,
            "clusterInstanceId": None if cid is None else list(cid),
            "buildString": fs.buildString}


def split_frame(data):
    """Framed message -> body, exactly as bufferForRead() would take it.
    Raises where the real client would block or misbehave (it would wait for
    more bytes on a short frame, and spin forever on a 1-3 byte prefix)."""
    if len(data) < 4:
        raise ValueError("frame shorter than its 4-byte length prefix (%d bytes)" % len(data))
    n = int.from_bytes(data[:4], "big", signed=True)
    if n < 0:
        raise ValueError("negative frame length %d" % n)
    if len(data) - 4 < n:
        raise ValueError("truncated frame: length prefix says %d, %d bytes follow"
                         % (n, len(data) - 4))
    return data[4:4 + n], len(data) - 4 - n


# ---------------------------------------------------------------------------
# commands: pure serialization
# ---------------------------------------------------------------------------

def cmd_encode(req):
    fs = FS()                        # host=None: in-memory serializer, no socket
    results = []
    for item in req["items"]:
        del fs.wbuf[:]               # each item is independent
        try:
            code = type_code(item["type"])
            value = from_json(item.get("value"))
            res = {}
            if item.get("array") or item.get("param"):
                # Same statements as VoltProcedure.call for one parameter.
                is_array = _as_array(code, value)
                if is_array:
                    fs.writeByte(FS.ARRAY)
                    fs.writeByte(code)
                    fs.writeArray(code, value)   # [] writes nothing: no count (quirk)
                else:
                    fs.writeWireType(code, value)
                res["as_array"] = is_array
            else:
                fs.write(code, value)
            res["hex"] = fs.wbuf.tobytes().hex()
            results.append(res)
        except RequestError:
            raise
        except Exception as e:       # noqa: BLE001 - the client's own exception
            results.append({"error": err(e)})
    return {"results": results}


def cmd_decode(req):
    fs = FS()
    results = []
    for item in req["items"]:
        try:
            code = type_code(item["type"])
            data = bytes.fromhex(item["hex"])
        except (ValueError, KeyError) as e:
            raise RequestError(err(e))
        fs.read_buffer.set(data)
        try:
            if item.get("array"):
                v = fs.readArray(code)       # count first, no 9d / type byte
            else:
                v = fs.read(code)
            results.append({"value": to_json(v), "consumed": fs.read_buffer._off})
        except Exception as e:       # noqa: BLE001
            results.append({"error": err(e)})
    return {"results": results}


def cmd_decode_response(req):
    data = bytes.fromhex(req["hex"])
    fs = FS()
    try:
        body, trailing = split_frame(data)
        # The parser voltclient's reader thread uses; VoltProcedure.call does
        # bufferForRead() + the same _read().
        r = VoltResponse._from_body(fs, body)
        out = response_json(r)
    except Exception as e:           # noqa: BLE001
        return {"error": err(e)}
    out["consumed"] = fs.read_buffer._off   # body bytes the parser walked over
    out["body_length"] = len(body)
    if trailing:
        out["trailing_bytes"] = trailing
    return out


def cmd_bench_decode(req):
    body, _ = split_frame(bytes.fromhex(req["hex"]))
    min_seconds = float(req.get("min_seconds", 1.0))
    fs = FS()
    from_body = VoltResponse._from_body
    perf = time.perf_counter
    iterations = 0
    rows = 0
    try:
        from_body(fs, body)          # the client may fail on this input at all
    except Exception as e:           # noqa: BLE001
        return {"error": err(e)}
    t0 = perf()
    while True:
        r = from_body(fs, body)
        rows = 0
        for t in r.tables:           # touch every cell of every row
            for row in t.tuples:
                rows += 1
                for _cell in row:
                    pass
        iterations += 1
        elapsed = perf() - t0
        if elapsed >= min_seconds:
            break
    return {"iterations": iterations, "seconds": elapsed,
            "per_iteration_s": elapsed / iterations, "rows": rows}


# ---------------------------------------------------------------------------
# commands: network
# ---------------------------------------------------------------------------

def _connect(req):
    return FS(req.get("host", "127.0.0.1"), int(req.get("port", 21212)),
              username=req.get("username", ""), password=req.get("password", ""),
              connect_timeout=req.get("connect_timeout", req.get("timeout", 10)))


def _call_args(spec):
    types = [type_code(t) for t in spec.get("types", [])]
    params = [from_json(p) for p in spec.get("params", [])]
    return types, params


def cmd_call(req):
    timeout = req.get("timeout", 10)
    out = {"login": None, "results": []}
    try:
        fs = _connect(req)
    except (Exception, Watchdog) as e:   # noqa: BLE001 - refused, login rejected, hang
        out["login"] = {"error": err(e)}
        return out
    out["login"] = login_json(fs)
    calls = req.get("calls", [])
    try:
        for i, spec in enumerate(calls):
            try:
                types, params = _call_args(spec)
                proc = VoltProcedure(fs, spec["procedure"], types)
                # On timeout / broken connection call() does not raise: it
                # returns a local response with status -1 and tables None.
                r = proc.call(params, timeout=spec.get("timeout", timeout))
                out["results"].append(response_json(r))
            except RequestError:
                raise
            except Watchdog as e:
                out["results"].append({"error": err(e)})
                for _ in calls[i + 1:]:
                    out["results"].append({"error": "Skipped: watchdog fired earlier"})
                break
            except Exception as e:   # noqa: BLE001
                out["results"].append({"error": err(e)})
                # CLIENT QUIRK: a writer exception leaves the half-written
                # invocation in fs.wbuf and the next call() would send it as a
                # prefix of its own. Discard it so later calls stay meaningful.
                del fs.wbuf[:]
    finally:
        try:
            fs.close()
        except Exception:            # noqa: BLE001
            pass
    return out


def cmd_bench_call(req):
    timeout = req.get("timeout", 10)
    min_seconds = float(req.get("min_seconds", 1.0))
    warmup = int(req.get("warmup", 100))
    types, params = _call_args(req)
    fs = _connect(req)
    try:
        proc = VoltProcedure(fs, req["procedure"], types)
        for _ in range(warmup):
            proc.call(params, timeout=timeout)
        perf = time.perf_counter
        n = errors = 0
        first_error = None
        t0 = perf()
        while True:
            r = proc.call(params, timeout=timeout)
            n += 1
            if r.status != STATUS_SUCCESS:
                errors += 1
                if first_error is None:
                    first_error = "status %d: %s" % (r.status, r.statusString)
            elapsed = perf() - t0
            if elapsed >= min_seconds:
                break
    finally:
        fs.close()
    return {"calls": n, "seconds": elapsed, "calls_per_s": n / elapsed,
            "errors": errors, "first_error": first_error, "warmup": warmup}


def _percentile_ms(sorted_s, p):
    if not sorted_s:
        return None
    k = max(0, min(len(sorted_s) - 1, int(math.ceil(p * len(sorted_s))) - 1))
    return sorted_s[k] * 1000.0


def cmd_bench_async(req):
    import voltclient
    n_calls = int(req["calls"])
    max_out = max(1, int(req.get("max_outstanding", 100)))
    timeout = float(req.get("timeout", 30))
    types, params = _call_args(req)
    proc_name = req["procedure"]
    try:
        client = voltclient.VoltClient(
            hosts=[req.get("host", "127.0.0.1")], port=int(req.get("port", 21212)),
            username=req.get("username", ""), password=req.get("password", ""),
            connect_timeout=float(req.get("connect_timeout", 10)),
            procedure_timeout=timeout,
            # Our own semaphore bounds the benchmark's calls; leave the client
            # headroom for its internal discovery / subscription traffic.
            max_outstanding=max_out + 16)
    except (Exception, Watchdog) as e:   # noqa: BLE001
        return {"error": "VoltClient construction failed: " + err(e)}
    try:
        topo = client.topology
        topology = {"hosts": len(topo.hosts), "partitions": len(topo.partitions),
                    "procedures": len(topo.procedures),
                    "hashinator": topo.hashinator is not None}
        for _ in range(int(req.get("warmup", 0))):
            client.call(proc_name, types, params, timeout=timeout)

        perf = time.perf_counter
        sem = threading.Semaphore(max_out)
        lock = threading.Lock()
        all_done = threading.Event()
        latencies = []                  # seconds, appended by the I/O threads
        state = {"done": 0, "errors": 0, "first_error": None}

        def finish(latency, error):
            with lock:
                if latency is not None:
                    latencies.append(latency)
                if error is not None:
                    state["errors"] += 1
                    if state["first_error"] is None:
                        state["first_error"] = error
                state["done"] += 1
                if state["done"] == n_calls:
                    all_done.set()
            sem.release()

        def on_done(t_submit):
            def cb(f):                  # runs on a client I/O thread: keep it cheap
                lat = perf() - t_submit
                e = f.exception()
                if e is not None:
                    finish(lat, err(e))
                else:
                    r = f.result()
                    finish(lat, None if r.status == STATUS_SUCCESS
                           else "status %d: %s" % (r.status, r.statusString))
            return cb

        if n_calls == 0:
            all_done.set()
        t0 = perf()
        for _ in range(n_calls):
            sem.acquire()
            ts = perf()
            try:
                fut = client.call_async(proc_name, types, params, timeout=timeout)
            except Exception as e:      # noqa: BLE001 - no connection, slot timeout
                finish(None, err(e))
                continue
            fut.add_done_callback(on_done(ts))
        all_done.wait()
        elapsed = perf() - t0
        stats = client.affinity_stats()
    finally:
        client.close()
    latencies.sort()
    return {
        "calls": n_calls, "seconds": elapsed,
        "calls_per_s": n_calls / elapsed if elapsed > 0 else None,
        "errors": state["errors"], "first_error": state["first_error"],
        "max_outstanding": max_out,
        "latency_ms": {"p50": _percentile_ms(latencies, 0.50),
                       "p99": _percentile_ms(latencies, 0.99),
                       "p999": _percentile_ms(latencies, 0.999),
                       "max": latencies[-1] * 1000.0 if latencies else None},
        "topology": topology,
        "affinity_sends": sum(s.affinity_sends for s in stats.values()),
        "round_robin_sends": sum(s.round_robin_sends for s in stats.values()),
        "connections": len(stats),
    }


def cmd_version(req):
    try:
        from importlib.metadata import version
        v = version("voltdbclient")
    except Exception:                # noqa: BLE001
        v = getattr(voltdbclient, "__version__", None)
    return {"voltdbclient": v, "python": platform.python_version()}


COMMANDS = {
    "encode": cmd_encode,
    "decode": cmd_decode,
    "decode_response": cmd_decode_response,
    "call": cmd_call,
    "bench_decode": cmd_bench_decode,
    "bench_call": cmd_bench_call,
    "bench_async": cmd_bench_async,
    "version": cmd_version,
}
NETWORK_COMMANDS = {"call", "bench_call", "bench_async"}
DEFAULT_NETWORK_WATCHDOG_S = 300.0


# ---------------------------------------------------------------------------

def dumps(doc):
    # ASCII-only output (\u escapes), and never the non-JSON NaN/Infinity tokens.
    return json.dumps(doc, ensure_ascii=True, allow_nan=False)


def emit_text(text, code):
    _RESULT_OUT.write(text + "\n")
    _RESULT_OUT.flush()
    sys.stderr.flush()
    sys.exit(code)


def emit(doc, code):
    emit_text(dumps(doc), code)


def _on_alarm(signum, frame):
    raise Watchdog("watchdog fired: run took longer than watchdog_s")


def main():
    try:
        req = json.loads(sys.stdin.buffer.read().decode("utf-8"))
        if not isinstance(req, dict):
            raise RequestError("request must be a JSON object")
    except Exception as e:           # noqa: BLE001
        emit({"error": "bad request: " + err(e)}, 1)
    handler = COMMANDS.get(req.get("cmd"))
    if handler is None:
        emit({"error": "unknown cmd"}, 2)
    default_wd = DEFAULT_NETWORK_WATCHDOG_S if req["cmd"] in NETWORK_COMMANDS else None
    watchdog = req.get("watchdog_s", default_wd)
    if watchdog:
        signal.signal(signal.SIGALRM, _on_alarm)
        signal.setitimer(signal.ITIMER_REAL, float(watchdog))
    try:
        result = handler(req)
        signal.setitimer(signal.ITIMER_REAL, 0)
        text = dumps(result)         # serialize before writing anything
    except (Exception, Watchdog) as e:   # noqa: BLE001
        signal.setitimer(signal.ITIMER_REAL, 0)
        import traceback
        traceback.print_exc(file=sys.stderr)
        emit({"error": err(e)}, 1)
    emit_text(text, 0)


if __name__ == "__main__":
    main()
