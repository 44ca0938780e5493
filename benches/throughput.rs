//! Throughput of the thread-safe `Client`: 1, 4, 16 and 64 caller threads
//! (each making blocking calls back to back, so that up to that many calls
//! are pipelined) over 1 and over 4 connections to the in-process test
//! server, and one thread keeping 1 to 256 calls in flight with
//! `Client::call_async`; calls/s and latency percentiles. The peer is the
//! Python client's topology-aware `VoltClient.call_async` with as many
//! calls outstanding, against the same server, compared with our
//! `call_async` at the same window. With `VOLTDB_HOST` set, the same matrix runs
//! against that real server (`@Ping`), with calls per client CPU-second.
//!
//! `cargo bench --bench throughput`; see `benches/common/mod.rs`.

mod common;

use std::collections::VecDeque;
use std::hint::black_box;
use std::time::{Duration, Instant};

use serde_json::json;
use voltdb::client::{Client, PendingCall};
use voltdb::testing::TestServer;
use voltdb::{Value, VoltResponse};

use common::{case_seconds, python, python_peer, Line, Report, NO_PYTHON};

const KEY: &str = "key-000001";
const THREADS: [usize; 4] = [1, 4, 16, 64];
const CONNECTIONS: [usize; 2] = [1, 4];
/// Calls in flight from one `call_async` thread.
const OUTSTANDING: [usize; 5] = [1, 4, 16, 64, 256];
/// The windows at which Python's `call_async` runs too.
const PY_OUTSTANDING: [usize; 4] = [1, 4, 16, 64];

/// Where the calls go.
struct Target {
    host: String,
    port: u16,
    user: String,
    password: String,
    procedure: &'static str,
    params: Vec<Value>,
    /// Python's `types` and `params` for the same call.
    py_types: Vec<&'static str>,
    py_params: Vec<&'static str>,
}

struct Run {
    calls: u64,
    errors: u64,
    first_error: Option<String>,
    wall: f64,
    cpu: Option<f64>,
    /// Latencies in microseconds, sorted.
    lat: Vec<u32>,
}

impl Run {
    fn rate(&self) -> f64 {
        self.calls as f64 / self.wall
    }
    /// The `p` quantile in milliseconds.
    fn pct_ms(&self, p: f64) -> f64 {
        if self.lat.is_empty() {
            return f64::NAN;
        }
        let k = ((p * self.lat.len() as f64).ceil() as usize).clamp(1, self.lat.len()) - 1;
        self.lat[k] as f64 / 1000.0
    }
}

/// Outcomes and latencies of calls, as they are collected.
#[derive(Default)]
struct Tally {
    calls: u64,
    errors: u64,
    first_error: Option<String>,
    /// Latencies in microseconds.
    lat: Vec<u32>,
}

impl Tally {
    /// Counts one call's outcome, with its latency when there is one.
    fn record(&mut self, r: voltdb::Result<VoltResponse>, latency: Option<Duration>) {
        self.calls += 1;
        if let Some(d) = latency {
            self.lat.push(d.as_micros().min(u32::MAX as u128) as u32);
        }
        match r {
            Ok(r) if r.is_success() => {
                black_box(r);
            }
            Ok(r) => {
                self.errors += 1;
                self.first_error
                    .get_or_insert(format!("status {}", r.status));
            }
            Err(e) => {
                self.errors += 1;
                self.first_error.get_or_insert(e.to_string());
            }
        }
    }

    fn absorb(&mut self, other: Tally) {
        self.calls += other.calls;
        self.errors += other.errors;
        self.first_error = self.first_error.take().or(other.first_error);
        self.lat.extend(other.lat);
    }

    /// The run, measured since `t0` and the process CPU time `cpu0`.
    fn finish(mut self, t0: Instant, cpu0: Option<Duration>) -> Run {
        let wall = t0.elapsed().as_secs_f64();
        let cpu = common::process_cpu_time()
            .zip(cpu0)
            .map(|(b, a)| (b - a).as_secs_f64());
        self.lat.sort_unstable();
        Run {
            calls: self.calls,
            errors: self.errors,
            first_error: self.first_error,
            wall,
            cpu,
            lat: self.lat,
        }
    }
}

/// A client for `t` with `connections` connections, warmed up.
fn connect(t: &Target, connections: usize) -> Result<Client, String> {
    let client = Client::builder()
        .host(t.host.clone(), t.port)
        .pool_size(connections)
        .username(t.user.clone())
        .password(t.password.clone())
        .build()
        .map_err(|e| format!("connect: {e}"))?;
    for _ in 0..100 {
        client
            .call(t.procedure, &t.params)
            .map_err(|e| e.to_string())?;
    }
    Ok(client)
}

fn run_ours(t: &Target, connections: usize, threads: usize, secs: f64) -> Result<Run, String> {
    let client = connect(t, connections)?;
    let stop_after = Duration::from_secs_f64(secs);
    let cpu0 = common::process_cpu_time();
    let t0 = Instant::now();
    let per_thread: Vec<Tally> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|_| {
                let client = &client;
                s.spawn(move || {
                    let mut tally = Tally {
                        lat: Vec::with_capacity(1 << 16),
                        ..Tally::default()
                    };
                    loop {
                        let c0 = Instant::now();
                        let r = client.call(t.procedure, black_box(&t.params));
                        let done = Instant::now();
                        tally.record(r, Some(done - c0));
                        if done - t0 >= stop_after {
                            break;
                        }
                    }
                    tally
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("caller thread"))
            .collect()
    });
    let mut all = Tally::default();
    for tally in per_thread {
        all.absorb(tally);
    }
    let run = all.finish(t0, cpu0);
    client.close();
    Ok(run)
}

/// One thread keeping `outstanding` calls in flight with
/// [`Client::call_async`] (the like-for-like counterpart of Python's
/// `call_async`); latency is until the reply arrived.
fn run_ours_async(
    t: &Target,
    connections: usize,
    outstanding: usize,
    secs: f64,
) -> Result<Run, String> {
    let client = connect(t, connections)?;
    let stop_after = Duration::from_secs_f64(secs);
    let cpu0 = common::process_cpu_time();
    let t0 = Instant::now();
    let mut tally = Tally {
        lat: Vec::with_capacity(1 << 20),
        ..Tally::default()
    };
    let collect = |p: PendingCall, tally: &mut Tally| {
        let r = p.wait();
        let latency = r.as_ref().ok().and_then(|r| r.client_round_trip);
        tally.record(r, latency);
    };
    let mut window = VecDeque::with_capacity(outstanding);
    while t0.elapsed() < stop_after {
        if window.len() == outstanding {
            if let Some(p) = window.pop_front() {
                collect(p, &mut tally);
            }
        }
        match client.call_async(t.procedure, black_box(&t.params)) {
            Ok(p) => window.push_back(p),
            Err(e) => return Err(e.to_string()),
        }
    }
    for p in window {
        collect(p, &mut tally);
    }
    let run = tally.finish(t0, cpu0);
    client.close();
    Ok(run)
}

/// The Python `VoltClient.call_async` with `outstanding` calls in flight,
/// sized to run about `secs` at `expected` calls/s.
fn run_python(
    py: &str,
    t: &Target,
    outstanding: usize,
    secs: f64,
    expected: f64,
) -> Result<serde_json::Value, String> {
    let req = |calls: u64| {
        json!({
            "cmd": "bench_async", "host": t.host, "port": t.port,
            "username": t.user, "password": t.password,
            "procedure": t.procedure, "types": t.py_types, "params": t.py_params,
            "calls": calls, "max_outstanding": outstanding, "warmup": 50,
        })
    };
    let calls = ((expected * secs) as u64).clamp(300, 2_000_000);
    python_peer(py, &req(calls))
}

/// Pushes a run's calls/s (with any errors), latency percentiles and, with
/// `with_cpu`, calls per CPU-second.
fn push_run(report: &mut Report, case: &str, who: &str, r: &Run, with_cpu: bool) {
    let mut l = Line::new(case, who, r.rate(), "calls/s");
    if r.errors > 0 {
        l = l.note(&format!(
            "{} errors, first: {}",
            r.errors,
            r.first_error.as_deref().unwrap_or("?")
        ));
    }
    report.push(l);
    for (name, p) in [("p50", 0.5), ("p99", 0.99), ("p99.9", 0.999)] {
        report.push(Line::new(
            case,
            &format!("{who} latency {name}"),
            r.pct_ms(p),
            "ms",
        ));
    }
    if with_cpu {
        match r.cpu {
            Some(c) if c > 0.0 => {
                report.push(Line::new(case, who, r.calls as f64 / c, "calls/CPU-s"))
            }
            _ => report.push(Line::missing(case, who, "calls/CPU-s", "n/a")),
        }
    }
}

/// Our run's lines, or the line saying it failed; its rate when it ran.
fn push_ours(
    report: &mut Report,
    case: &str,
    run: Result<Run, String>,
    with_cpu: bool,
) -> Option<f64> {
    match run {
        Ok(r) => {
            push_run(report, case, "ours", &r, with_cpu);
            Some(r.rate())
        }
        Err(e) => {
            report.push(Line::missing(
                case,
                "ours",
                "calls/s",
                &format!("failed: {e}"),
            ));
            None
        }
    }
}

fn matrix(report: &mut Report, t: &Target, label: &str, with_cpu: bool) {
    let secs = case_seconds();
    let mut best_ours = 0.0f64;
    // Blocking calls from caller threads.
    for &conns in &CONNECTIONS {
        for &threads in &THREADS {
            let case = format!("{label}, {threads} threads, {conns} conn");
            if let Some(rate) =
                push_ours(report, &case, run_ours(t, conns, threads, secs), with_cpu)
            {
                best_ours = best_ours.max(rate);
            }
        }
    }
    // One thread, `call_async`, a window of calls in flight.
    let mut async_1conn = Vec::new();
    for &conns in &CONNECTIONS {
        for &outstanding in &OUTSTANDING {
            let case = format!("{label}, call_async, {outstanding} outstanding, {conns} conn");
            let run = run_ours_async(t, conns, outstanding, secs);
            if let Some(rate) = push_ours(report, &case, run, with_cpu) {
                best_ours = best_ours.max(rate);
                if conns == 1 {
                    async_1conn.push((outstanding, rate));
                }
            }
        }
    }

    let Some(py) = python() else {
        report.push(Line::missing(
            &format!("{label}, python VoltClient.call_async"),
            "python",
            "calls/s",
            NO_PYTHON,
        ));
        report.push(
            Line::missing(
                &format!("{label}, peak vs peak"),
                "ours/python",
                "speedup",
                NO_PYTHON,
            )
            .vs("python", None)
            .goal(20.0),
        );
        return;
    };
    let mut best_py = 0.0f64;
    // Python's rate at the previous concurrency sizes the next run.
    let mut expected = 5000.0;
    for (outstanding, first_rate) in async_1conn {
        if !PY_OUTSTANDING.contains(&outstanding) {
            continue;
        }
        let case = format!("{label}, {outstanding} outstanding, python VoltClient.call_async");
        // Python, alternating with ours at the same concurrency (1 connection,
        // one thread, call_async).
        let mut last_py = None;
        let mut ours = || {
            run_ours_async(t, 1, outstanding, secs * 0.5)
                .map(|r| r.rate())
                .unwrap_or(0.0)
        };
        let mut peer = || -> Result<f64, String> {
            let j = run_python(&py, t, outstanding, secs, expected)?;
            let rate = j["calls_per_s"]
                .as_f64()
                .ok_or_else(|| "python: no calls_per_s".to_string())?;
            expected = rate.max(500.0);
            last_py = Some(j);
            Ok(rate)
        };
        let (ours_rate, theirs) = common::alternate(1, &mut ours, Some(&mut peer));
        let ours_rate = ours_rate.max(first_rate);
        best_ours = best_ours.max(ours_rate);
        match (theirs, last_py) {
            (Some(Ok(rate)), Some(j)) => {
                best_py = best_py.max(rate);
                let mut l = Line::new(&case, "python", rate, "calls/s");
                if j["errors"].as_u64().unwrap_or(0) > 0 {
                    l = l.note(&format!("errors: {}", j["first_error"]));
                }
                report.push(l);
                for name in ["p50", "p99", "p999"] {
                    if let Some(v) = j["latency_ms"][name].as_f64() {
                        report.push(Line::new(&case, &format!("python latency {name}"), v, "ms"));
                    }
                }
                report.push(
                    Line::new(
                        &case,
                        "ours call_async (1 conn, same outstanding)/python",
                        ours_rate / rate,
                        "speedup",
                    )
                    .vs("python", Some(ours_rate / rate)),
                );
            }
            (Some(Err(e)), _) => {
                eprintln!("{e}");
                report.push(Line::missing(
                    &case,
                    "python",
                    "calls/s",
                    "failed (see stderr)",
                ));
            }
            _ => report.push(Line::missing(&case, "python", "calls/s", "failed")),
        }
    }
    if best_py > 0.0 {
        let case = format!("{label}, peak vs peak");
        report.push(Line::new(
            &case,
            "ours, best of all runs",
            best_ours,
            "calls/s",
        ));
        report.push(Line::new(
            &case,
            "python, best of all runs",
            best_py,
            "calls/s",
        ));
        report.push(
            Line::new(&case, "ours/python", best_ours / best_py, "speedup")
                .vs("python", Some(best_ours / best_py))
                .goal(20.0),
        );
    }
}

fn main() {
    if !common::start() {
        return;
    }
    // For profilers: `VOLTDB_BENCH_PROFILE=THREADS,CONNECTIONS` runs one
    // case; `VOLTDB_BENCH_PROFILE=async,OUTSTANDING,CONNECTIONS` one
    // `call_async` case.
    if let Ok(spec) = std::env::var("VOLTDB_BENCH_PROFILE") {
        let (is_async, spec) = match spec.strip_prefix("async,") {
            Some(rest) => (true, rest.to_string()),
            None => (false, spec),
        };
        let mut it = spec
            .split(',')
            .map(|n| n.trim().parse::<usize>().unwrap_or(1));
        let (threads, conns) = (it.next().unwrap_or(64), it.next().unwrap_or(1));
        let server = TestServer::start().expect("start the test server");
        let t = Target {
            host: "127.0.0.1".into(),
            port: server.port(),
            user: String::new(),
            password: String::new(),
            procedure: "Get",
            params: vec![Value::from(KEY)],
            py_types: vec![],
            py_params: vec![],
        };
        let (r, what) = if is_async {
            let r = run_ours_async(&t, conns, threads, case_seconds());
            (r, "call_async outstanding")
        } else {
            (run_ours(&t, conns, threads, case_seconds()), "threads")
        };
        let r = r.expect("run");
        println!("{threads} {what}, {conns} conn: {:.0} calls/s", r.rate());
        return;
    }
    common::banner("throughput");
    let mut report = Report::new("throughput", "thread-safe Client, pipelined callers");
    {
        let server = TestServer::start().expect("start the test server");
        let setup = Client::connection("127.0.0.1", server.port()).expect("connect");
        setup
            .call("Put", &[Value::from(KEY), Value::from(vec![0x5au8; 32])])
            .expect("Put");
        setup.close();
        let t = Target {
            host: "127.0.0.1".into(),
            port: server.port(),
            user: String::new(),
            password: String::new(),
            procedure: "Get",
            params: vec![Value::from(KEY)],
            py_types: vec!["STRING"],
            py_params: vec![KEY],
        };
        matrix(&mut report, &t, "Get, test server", false);
    }
    if let Ok(host) = std::env::var("VOLTDB_HOST") {
        let t = Target {
            port: std::env::var("VOLTDB_PORT")
                .ok()
                .and_then(|p| p.parse().ok())
                .unwrap_or(21212),
            user: std::env::var("VOLTDB_USER").unwrap_or_default(),
            password: std::env::var("VOLTDB_PASSWORD").unwrap_or_default(),
            procedure: "@Ping",
            params: Vec::new(),
            py_types: Vec::new(),
            py_params: Vec::new(),
            host,
        };
        let label = format!("@Ping, real server {}:{}", t.host, t.port);
        matrix(&mut report, &t, &label, true);
    }
    report.finish();
}
