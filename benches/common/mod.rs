//! Shared helpers of the benchmarks (`harness = false`, no criterion):
//! timing, the result table and its JSON lines, the Python peer, CPU time.
//!
//! Absolute times on shared 2-core machines are noise; every benchmark
//! therefore reports ratios against a baseline or a peer measured in the same
//! run, interleaved round by round, keeping the best round of each.
//!
//! Environment:
//! * `VOLTDB_BENCH_SECONDS` — seconds per measured case (default 1); raise
//!   it for steadier numbers (`VOLTDB_BENCH_SECONDS=10 cargo bench`).
//! * `VOLTDB_BENCH_JSON=<file>` — also append one JSON object per result line.
//! * `VOLTDB_PYTHON` — a Python with `voltdbclient` (`bash .ci/python-venv.sh DIR`);
//!   without it the Python columns say "n/a (set VOLTDB_PYTHON)".
//! * `VOLTDB_HOST` (`VOLTDB_PORT`, `VOLTDB_USER`, `VOLTDB_PASSWORD`) — a real
//!   server for the round-trip and throughput benchmarks.

#![allow(dead_code)]

use std::fmt::Write as _;
use std::hint::black_box;
use std::io::Write as _;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value as Json};

/// What Python columns say when no interpreter is configured.
pub const NO_PYTHON: &str = "n/a (set VOLTDB_PYTHON)";

static SMOKE: std::sync::OnceLock<bool> = std::sync::OnceLock::new();

/// Reads the command line. Returns false when the binary should do nothing
/// (`--list`). Without `--bench` (that is, under `cargo test --benches`
/// rather than `cargo bench`) the run is a quick smoke test: a few
/// milliseconds per case, no Python.
pub fn start() -> bool {
    let args: Vec<String> = std::env::args().collect();
    if args.iter().any(|a| a == "--list") {
        return false;
    }
    let smoke = !args.iter().any(|a| a == "--bench");
    let _ = SMOKE.set(smoke);
    if smoke {
        println!("(smoke run: `cargo bench` passes --bench for real measurements)");
    }
    true
}

fn smoke() -> bool {
    SMOKE.get().copied().unwrap_or(false)
}

/// Seconds per measured case (`VOLTDB_BENCH_SECONDS`, default 1).
pub fn case_seconds() -> f64 {
    if smoke() {
        return 0.02;
    }
    std::env::var("VOLTDB_BENCH_SECONDS")
        .ok()
        .and_then(|s| s.parse::<f64>().ok())
        .filter(|s| *s > 0.0)
        .unwrap_or(1.0)
}

/// What [`interleaved`] measures with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Clock {
    /// Wall-clock time (`Instant`): for anything that waits (sockets, threads).
    Wall,
    /// CPU time of the calling thread: for single-threaded computation, so
    /// that time spent preempted on a busy machine is not counted.
    ThreadCpu,
}

impl Clock {
    /// The current reading (from an arbitrary origin).
    pub fn now(self) -> Duration {
        match self {
            Clock::Wall => {
                static ORIGIN: std::sync::OnceLock<Instant> = std::sync::OnceLock::new();
                ORIGIN.get_or_init(Instant::now).elapsed()
            }
            Clock::ThreadCpu => thread_cpu_time(),
        }
    }
}

/// CPU time of the calling thread (`CLOCK_THREAD_CPUTIME_ID`).
pub fn thread_cpu_time() -> Duration {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid, writable timespec; the call only writes it.
    // (The library forbids unsafe code; this benchmark crate needs it for
    // the thread CPU clock, which std does not offer.)
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    assert_eq!(rc, 0, "clock_gettime(CLOCK_THREAD_CPUTIME_ID)");
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

/// Rounds of [`interleaved`] for the ratio benchmarks: many short rounds
/// rather than a few long ones, so that each case is likely to get at least
/// one round free of the bursts of load this shared machine sees (the best
/// round counts, for every case alike).
pub const ROUNDS: usize = 15;

/// One measured case of [`interleaved`].
pub enum Case<'a> {
    /// One iteration per call, timed from outside (in growing batches).
    Plain(&'a mut dyn FnMut()),
    /// One iteration per call, which returns the time of its own measured
    /// part (for cases whose set-up must not be timed).
    Timed(&'a mut dyn FnMut() -> Duration),
}

/// Measures several cases fairly: `rounds` rounds, each running every case
/// in turn (interleaved) for `total / rounds` seconds of `clock` time;
/// returns the best (lowest) round's seconds per iteration of each. Each
/// case runs once untimed first.
pub fn interleaved(clock: Clock, total: f64, rounds: usize, cases: &mut [Case<'_>]) -> Vec<f64> {
    let per_round = Duration::from_secs_f64(total / rounds as f64);
    for c in cases.iter_mut() {
        match c {
            Case::Plain(f) => f(),
            Case::Timed(f) => {
                f();
            }
        }
    }
    let mut best = vec![f64::INFINITY; cases.len()];
    for _ in 0..rounds {
        for (i, c) in cases.iter_mut().enumerate() {
            let t0 = clock.now();
            let mut n = 0u64;
            let mut timed = Duration::ZERO;
            // Plain cases run in growing batches so that fast ones read the clock rarely.
            let mut batch = 1u64;
            loop {
                match c {
                    Case::Plain(f) => {
                        let b0 = clock.now();
                        for _ in 0..batch {
                            f();
                        }
                        timed += clock.now() - b0;
                        n += batch;
                    }
                    Case::Timed(f) => {
                        timed += f();
                        n += 1;
                    }
                }
                let el = clock.now() - t0;
                if el >= per_round {
                    best[i] = best[i].min(timed.as_secs_f64() / n as f64);
                    break;
                }
                if el < per_round / 100 {
                    batch *= 2;
                }
            }
        }
    }
    best
}

/// Rates (higher is better) of ours and of an out-of-process peer, taken in
/// alternation — ours, peer, ours[, peer, ours] with `peer_runs` peer runs —
/// keeping the best of each, so that a burst of load on the machine does not
/// favour either side. Returns ours and, when a peer was given, its best
/// rate or its first error.
pub fn alternate(
    peer_runs: usize,
    ours: &mut dyn FnMut() -> f64,
    peer: Option<&mut dyn FnMut() -> Result<f64, String>>,
) -> (f64, Option<Result<f64, String>>) {
    let mut best = ours();
    let Some(peer) = peer else {
        return (best, None);
    };
    let mut best_peer: Option<Result<f64, String>> = None;
    for _ in 0..peer_runs.max(1) {
        let r = peer();
        best_peer = Some(match (best_peer, r) {
            (Some(Ok(a)), Ok(b)) => Ok(a.max(b)),
            (Some(Ok(a)), Err(_)) => Ok(a),
            (_, r) => r,
        });
        best = best.max(ours());
    }
    (best, best_peer)
}

/// Time of a `memcpy` of `src` into a preallocated buffer is measured by the
/// callers with this closure body.
pub fn memcpy_into(dst: &mut [u8], src: &[u8]) {
    dst.copy_from_slice(black_box(src));
    black_box(&mut *dst);
}

/// User + system CPU time of this process so far (Linux `/proc/self/stat`,
/// in units of USER_HZ = 1/100 s); `None` elsewhere.
pub fn process_cpu_time() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // The command name may hold spaces: fields start after the last ')'.
    let rest = &stat[stat.rfind(')')? + 2..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    // rest[0] is field 3 (state); utime is field 14, stime field 15.
    let utime: u64 = f.get(11)?.parse().ok()?;
    let stime: u64 = f.get(12)?.parse().ok()?;
    Some(Duration::from_millis((utime + stime) * 10))
}

/// One result line.
#[derive(Debug, Clone)]
pub struct Line {
    pub case: String,
    pub metric: String,
    pub value: Option<f64>,
    pub unit: String,
    pub peer: Option<String>,
    pub ratio: Option<f64>,
    pub goal: Option<String>,
    /// Shown instead of the value when there is none.
    pub note: Option<String>,
}

impl Line {
    pub fn new(case: &str, metric: &str, value: f64, unit: &str) -> Line {
        Line {
            case: case.into(),
            metric: metric.into(),
            value: Some(value),
            unit: unit.into(),
            peer: None,
            ratio: None,
            goal: None,
            note: None,
        }
    }
    /// A line without a value (a peer that could not run).
    pub fn missing(case: &str, metric: &str, unit: &str, note: &str) -> Line {
        Line {
            case: case.into(),
            metric: metric.into(),
            value: None,
            unit: unit.into(),
            peer: None,
            ratio: None,
            goal: None,
            note: Some(note.into()),
        }
    }
    pub fn vs(mut self, peer: &str, ratio: Option<f64>) -> Line {
        self.peer = Some(peer.into());
        self.ratio = ratio;
        self
    }
    /// A goal for the ratio: `min` is the lowest acceptable ratio.
    pub fn goal(mut self, min: f64) -> Line {
        self.goal = Some(format!(">= {min}"));
        self
    }
    pub fn note(mut self, note: &str) -> Line {
        self.note = Some(note.into());
        self
    }
    fn goal_min(&self) -> Option<f64> {
        self.goal.as_ref()?.strip_prefix(">= ")?.parse().ok()
    }
    fn verdict(&self) -> &'static str {
        match (self.goal_min(), self.ratio) {
            (Some(min), Some(r)) if r >= min => "met",
            (Some(_), Some(_)) => "MISSED",
            _ => "",
        }
    }
}

/// A benchmark's results: printed as a table, optionally appended as JSON lines.
pub struct Report {
    bench: String,
    title: String,
    lines: Vec<Line>,
}

/// Formats a number with 3 significant digits (no exponent for common ranges).
pub fn fmt_num(v: f64) -> String {
    let a = v.abs();
    if a == 0.0 {
        "0".into()
    } else if a >= 1e6 {
        // Thousands separators for big counts.
        let mut s = format!("{:.0}", v);
        let mut out = String::new();
        let neg = s.starts_with('-');
        if neg {
            s.remove(0);
        }
        for (i, c) in s.chars().enumerate() {
            if i > 0 && (s.len() - i) % 3 == 0 {
                out.push(',');
            }
            out.push(c);
        }
        if neg {
            format!("-{out}")
        } else {
            out
        }
    } else if a >= 100.0 {
        format!("{:.0}", v)
    } else if a >= 10.0 {
        format!("{:.1}", v)
    } else if a >= 1.0 {
        format!("{:.2}", v)
    } else {
        format!("{:.3}", v)
    }
}

impl Report {
    pub fn new(bench: &str, title: &str) -> Report {
        Report {
            bench: bench.into(),
            title: title.into(),
            lines: Vec::new(),
        }
    }

    pub fn push(&mut self, line: Line) {
        self.lines.push(line);
    }

    /// Prints the table and appends the JSON lines.
    pub fn finish(self) {
        let header = ["case", "metric", "value", "unit", "vs", "ratio", "goal", ""];
        let rows: Vec<[String; 8]> = self
            .lines
            .iter()
            .map(|l| {
                [
                    l.case.clone(),
                    l.metric.clone(),
                    match (l.value, &l.note) {
                        (Some(v), _) => fmt_num(v),
                        (None, Some(n)) => n.clone(),
                        (None, None) => "n/a".into(),
                    },
                    l.unit.clone(),
                    l.peer.clone().unwrap_or_default(),
                    match (l.ratio, &l.peer) {
                        (Some(r), _) => format!("{}x", fmt_num(r)),
                        (None, Some(_)) => "n/a".into(),
                        (None, None) => String::new(),
                    },
                    l.goal.clone().unwrap_or_default(),
                    match (l.verdict(), l.value, &l.note) {
                        ("", Some(_), Some(n)) => n.clone(),
                        (v, Some(_), Some(n)) => format!("{v}; {n}"),
                        (v, _, _) => v.to_string(),
                    },
                ]
            })
            .collect();
        let mut width = header.map(str::len);
        for r in &rows {
            for (w, c) in width.iter_mut().zip(r) {
                *w = (*w).max(c.chars().count());
            }
        }
        let mut out = String::new();
        let _ = writeln!(out, "\n## {} — {}\n", self.bench, self.title);
        let line = |out: &mut String, cells: &[String]| {
            out.push('|');
            for (i, (c, w)) in cells.iter().zip(&width).enumerate() {
                // Numbers right-aligned, text left-aligned.
                let pad = w - c.chars().count();
                if matches!(i, 2 | 5) {
                    let _ = write!(out, " {}{} |", " ".repeat(pad), c);
                } else {
                    let _ = write!(out, " {}{} |", c, " ".repeat(pad));
                }
            }
            out.push('\n');
        };
        line(&mut out, &header.map(String::from));
        out.push('|');
        for w in &width {
            let _ = write!(out, "{}|", "-".repeat(w + 2));
        }
        out.push('\n');
        for r in &rows {
            line(&mut out, r);
        }
        print!("{out}");
        let _ = std::io::stdout().flush();

        if let Ok(path) = std::env::var("VOLTDB_BENCH_JSON") {
            if path.is_empty() {
                return;
            }
            let mut text = String::new();
            for l in &self.lines {
                let mut j = json!({
                    "bench": self.bench,
                    "case": l.case,
                    "metric": l.metric,
                    "value": l.value,
                    "unit": l.unit,
                    "peer": l.peer,
                    "ratio": l.ratio,
                });
                if let Some(g) = &l.goal {
                    j["goal"] = json!(g);
                    j["met"] = json!(l.verdict() == "met");
                }
                if let Some(n) = &l.note {
                    j["note"] = json!(n);
                }
                text.push_str(&j.to_string());
                text.push('\n');
            }
            let r = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(&path)
                .and_then(|mut f| f.write_all(text.as_bytes()));
            if let Err(e) = r {
                eprintln!("VOLTDB_BENCH_JSON={path}: {e}");
            }
        }
    }
}

/// The configured Python interpreter, if any.
pub fn python() -> Option<String> {
    std::env::var("VOLTDB_PYTHON")
        .ok()
        .filter(|s| !s.is_empty())
}

/// Runs one command of `tests/python/peer.py`; `Err` carries a readable reason.
pub fn python_peer(py: &str, req: &Json) -> Result<Json, String> {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/python/peer.py");
    let mut child = Command::new(py)
        .arg(script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|e| format!("cannot run {py}: {e}"))?;
    let input = serde_json::to_vec(req).map_err(|e| e.to_string())?;
    if let Some(mut stdin) = child.stdin.take() {
        stdin
            .write_all(&input)
            .map_err(|e| format!("python stdin: {e}"))?;
    }
    let out = child
        .wait_with_output()
        .map_err(|e| format!("python: {e}"))?;
    let j: Json = serde_json::from_slice(&out.stdout).map_err(|e| {
        format!(
            "python peer answered no JSON ({e}): {}",
            String::from_utf8_lossy(&out.stdout)
        )
    })?;
    if let Some(e) = j.get("error").and_then(Json::as_str) {
        return Err(format!("python: {e}"));
    }
    Ok(j)
}

/// Lower-case hex.
pub fn hex(b: &[u8]) -> String {
    let mut s = String::with_capacity(b.len() * 2);
    for x in b {
        let _ = write!(s, "{x:02x}");
    }
    s
}

/// A small deterministic PRNG (xorshift64*), so every run uses the same data.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    /// Uniform in `lo..=hi`.
    pub fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.next() % (hi - lo + 1)
    }
}

/// The machine, for the report header.
pub fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|m| m.trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    format!("{cpu}, {cores} cores")
}

/// Prints the run's header (machine, seconds per case, Python).
pub fn banner(bench: &str) {
    println!(
        "# {bench}: {} | {} s per case (VOLTDB_BENCH_SECONDS) | python: {}",
        machine(),
        case_seconds(),
        python().unwrap_or_else(|| NO_PYTHON.into())
    );
}
