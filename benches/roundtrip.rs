//! Round-trip benchmark over loopback TCP: one `FastSerializer`, one caller,
//! sequential `Get` calls of a short key against the in-process test server,
//! against a raw TCP ping-pong of the same request/response bytes through a
//! plain server written for the benchmark (`benches/common/plain.rs`), and
//! against the Python client's `VoltProcedure.call` on the same test server.
//! With `VOLTDB_HOST` set, `@Ping` round trips against that real server too,
//! with calls per client CPU-second.
//!
//! `cargo bench --bench roundtrip`; see `benches/common/mod.rs`.

#[path = "common/alloc.rs"]
mod alloc;
mod common;
#[path = "common/plain.rs"]
mod plain;

use std::hint::black_box;
use std::time::{Duration, Instant};

use serde_json::json;
use voltdb::testing::TestServer;
use voltdb::testing::{encode_invocation, InvocationOptions};
use voltdb::wire::login::{HashScheme, LoginRequest, LoginResponse};
use voltdb::wire::response::encode_response;
use voltdb::wire::DEFAULT_FRAME_CAP;
use voltdb::{FastSerializer, Value};

use common::{
    case_seconds, interleaved, python, python_peer, Case, Clock, Line, Report, NO_PYTHON,
};
use plain::{PlainServer, RawClient};

#[global_allocator]
static GLOBAL: alloc::Counting = alloc::Counting;

const KEY: &str = "key-000001";

fn loopback(report: &mut Report) {
    let secs = case_seconds();
    let server = TestServer::start().expect("start the test server");
    let port = server.port();
    let setup = FastSerializer::new("127.0.0.1", port).expect("connect");
    setup
        .call("Put", &[Value::from(KEY), Value::from(vec![0x5au8; 32])])
        .expect("Put")
        .ok()
        .expect("Put status");

    // The exact bytes of one call: the request as FastSerializer sends it,
    // the reply as the test server sends it (re-encoded by the same codec).
    let params = [Value::from(KEY)];
    let mut request = Vec::new();
    encode_invocation(
        &mut request,
        "Get",
        1,
        &InvocationOptions::default(),
        &params,
        None,
        DEFAULT_FRAME_CAP,
    )
    .unwrap();
    let resp = setup.call("Get", &params).expect("Get");
    assert_eq!(resp.tables[0].row_count(), 1, "Get found the key");
    let mut reply = Vec::new();
    encode_response(&resp, &mut reply);
    let mut login_request = Vec::new();
    LoginRequest::new("", "", HashScheme::Sha256).encode(&mut login_request);
    let mut login_reply = Vec::new();
    LoginResponse {
        host_id: 0,
        connection_id: 1,
        cluster_start_ms: 0,
        leader_ipv4: 0x7f00_0001,
        build_string: "plain".into(),
    }
    .encode(&mut login_reply);

    let plain = PlainServer::start(login_reply, reply.clone()).expect("plain server");
    let mut raw = RawClient::connect(plain.addr, &login_request, request.clone(), reply.len())
        .expect("raw client");
    // The same raw client against the test server: the server's cost alone.
    let mut raw_test =
        RawClient::connect(server.addr(), &login_request, request.clone(), reply.len())
            .expect("raw client to the test server");
    let ours = FastSerializer::new("127.0.0.1", port).expect("connect");
    let ours_plain = FastSerializer::new("127.0.0.1", plain.addr.port()).expect("connect plain");

    let mut c_raw = || raw.ping_pong();
    let mut c_raw_test = || raw_test.ping_pong();
    let mut c_ours = || {
        black_box(ours.call("Get", black_box(&params)).unwrap());
    };
    let mut c_ours_plain = || {
        black_box(ours_plain.call("Get", black_box(&params)).unwrap());
    };
    let t = interleaved(
        Clock::Wall,
        secs * 3.0,
        common::ROUNDS,
        &mut [
            Case::Plain(&mut c_raw),
            Case::Plain(&mut c_ours),
            Case::Plain(&mut c_ours_plain),
            Case::Plain(&mut c_raw_test),
        ],
    );
    let (t_raw, t_ours, t_plain, t_raw_test) = (t[0], t[1], t[2], t[3]);
    // Against the plain server nothing else in the process allocates.
    let allocs = alloc::allocations_per_call(2000, || {
        black_box(ours_plain.call("Get", &params).unwrap());
    });

    let case = format!(
        "Get, sequential ({} B request, {} B reply)",
        request.len(),
        reply.len()
    );
    report.push(Line::new(
        &case,
        "raw TCP ping-pong (plain server)",
        1.0 / t_raw,
        "calls/s",
    ));
    report.push(
        Line::new(&case, "ours -> test server", 1.0 / t_ours, "calls/s")
            .vs("raw TCP ping-pong", Some(t_raw / t_ours))
            .goal(0.9),
    );
    report.push(
        Line::new(&case, "ours -> plain server", 1.0 / t_plain, "calls/s")
            .vs("raw TCP ping-pong", Some(t_raw / t_plain))
            .note("client cost alone"),
    );
    report.push(
        Line::new(&case, "raw TCP -> test server", 1.0 / t_raw_test, "calls/s")
            .vs("raw TCP ping-pong", Some(t_raw / t_raw_test))
            .note("server cost alone"),
    );
    report.push(Line::new(
        &case,
        "ours -> test server",
        t_ours * 1e6,
        "us/call",
    ));
    report.push(Line::new(
        &case,
        "ours -> plain server",
        allocs,
        "allocs/call",
    ));

    let mut ours_rate =
        || 1.0 / interleaved(Clock::Wall, secs, 2, &mut [Case::Plain(&mut c_ours)])[0];
    let req = json!({
        "cmd": "bench_call", "host": "127.0.0.1", "port": port,
        "procedure": "Get", "types": ["STRING"], "params": [KEY],
        "min_seconds": secs * 0.75, "warmup": 200,
    });
    versus_python(report, &case, &req, 1.0 / t_ours, &mut ours_rate);
    drop(server);
}

/// Against `VOLTDB_HOST`: sequential `@Ping`s, calls/s and calls per client
/// CPU-second (user + system time of this process).
fn real_server(report: &mut Report) {
    let Ok(host) = std::env::var("VOLTDB_HOST") else {
        return;
    };
    let port: u16 = std::env::var("VOLTDB_PORT")
        .ok()
        .and_then(|p| p.parse().ok())
        .unwrap_or(21212);
    let user = std::env::var("VOLTDB_USER").unwrap_or_default();
    let password = std::env::var("VOLTDB_PASSWORD").unwrap_or_default();
    let secs = case_seconds();
    let case = format!("@Ping, sequential, real server {host}:{port}");
    let fser = match FastSerializer::builder(&host, port)
        .username(&user)
        .password(&password)
        .connect()
    {
        Ok(f) => f,
        Err(e) => {
            report.push(Line::missing(
                &case,
                "ours",
                "calls/s",
                &format!("connect failed: {e}"),
            ));
            return;
        }
    };
    for _ in 0..200 {
        fser.call("@Ping", &[]).expect("@Ping");
    }
    // Calls/s (best run) and calls per CPU-second of this process (all runs).
    let (mut calls, mut cpu) = (0u64, 0.0f64);
    let mut ours_rate = || {
        let cpu0 = common::process_cpu_time();
        let t0 = Instant::now();
        let mut n = 0u64;
        while t0.elapsed() < Duration::from_secs_f64(secs) {
            black_box(fser.call("@Ping", &[]).expect("@Ping"));
            n += 1;
        }
        let wall = t0.elapsed().as_secs_f64();
        if let Some((b, a)) = common::process_cpu_time().zip(cpu0) {
            calls += n;
            cpu += (b - a).as_secs_f64();
        }
        n as f64 / wall
    };
    let req = json!({
        "cmd": "bench_call", "host": host, "port": port,
        "username": user, "password": password,
        "procedure": "@Ping", "types": [], "params": [],
        "min_seconds": secs * 0.75, "warmup": 200,
    });
    versus_python(report, &case, &req, 0.0, &mut ours_rate);
    if cpu > 0.0 {
        report.push(Line::new(&case, "ours", calls as f64 / cpu, "calls/CPU-s"));
    } else {
        report.push(Line::missing(&case, "ours", "calls/CPU-s", "n/a"));
    }
}

/// Ours (`ours_rate` runs once and returns calls/s; `known` is a rate
/// already measured) against the Python peer's `bench_call` request `req`,
/// alternating; pushes ours, Python's and the ratio.
fn versus_python(
    report: &mut Report,
    case: &str,
    req: &serde_json::Value,
    known: f64,
    ours_rate: &mut dyn FnMut() -> f64,
) {
    let Some(py) = python() else {
        report.push(Line::new(case, "ours", known.max(ours_rate()), "calls/s"));
        report.push(Line::missing(
            case,
            "python VoltProcedure.call",
            "calls/s",
            NO_PYTHON,
        ));
        report.push(Line::missing(case, "ours/python", "speedup", NO_PYTHON).vs("python", None));
        return;
    };
    let mut peer = || -> Result<f64, String> {
        let j = python_peer(&py, req)?;
        if j["errors"].as_u64().unwrap_or(0) > 0 {
            return Err(format!("python call errors: {}", j["first_error"]));
        }
        j["calls_per_s"]
            .as_f64()
            .ok_or_else(|| "python: no calls_per_s".to_string())
    };
    let (ours, theirs) = common::alternate(2, ours_rate, Some(&mut peer));
    let ours = ours.max(known);
    report.push(Line::new(case, "ours", ours, "calls/s").note("best, alternating with python"));
    match theirs {
        Some(Ok(p)) => {
            report.push(Line::new(case, "python VoltProcedure.call", p, "calls/s"));
            report.push(
                Line::new(case, "ours/python", ours / p, "speedup").vs("python", Some(ours / p)),
            );
        }
        Some(Err(e)) => {
            eprintln!("{e}");
            report.push(Line::missing(
                case,
                "python VoltProcedure.call",
                "calls/s",
                "failed (see stderr)",
            ));
        }
        None => {}
    }
}

fn main() {
    if !common::start() {
        return;
    }
    // For profilers: `VOLTDB_BENCH_PROFILE=call` runs only sequential Gets
    // against the test server, `VOLTDB_BENCH_ITERATIONS` of them.
    if std::env::var("VOLTDB_BENCH_PROFILE").is_ok() {
        let n: u64 = std::env::var("VOLTDB_BENCH_ITERATIONS")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(10_000);
        let server = TestServer::start().expect("start the test server");
        let f = FastSerializer::new("127.0.0.1", server.port()).expect("connect");
        // The key exists, as in the measured case: a 1-row reply.
        f.call("Put", &[Value::from(KEY), Value::from(vec![0x5au8; 32])])
            .expect("Put");
        let params = [Value::from(KEY)];
        for _ in 0..n {
            black_box(f.call("Get", &params).unwrap());
        }
        return;
    }
    common::banner("roundtrip");
    let mut report = Report::new("roundtrip", "one FastSerializer, one caller, loopback TCP");
    loopback(&mut report);
    real_server(&mut report);
    report.finish();
}
