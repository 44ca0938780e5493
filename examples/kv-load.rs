//! Key-value load generator for the thread-safe [`Client`].
//!
//! N threads share one client and run `Put(key, value)` / `Get(key)` with
//! random keys. A progress line (calls/s, errors) is printed to stderr every
//! second and once at the end (so a short run shows one too); then a summary:
//! calls/s, the share of Gets that found their key, and the latency from the
//! client's statistics, in milliseconds like its per-procedure table.
//!
//! ```text
//! cargo run --release --features test-server --example kv-load -- --threads 16 --calls 100000
//! cargo run --release --example kv-load -- --threads 1 --window 256 --calls 1000000
//! cargo run --release --example kv-load -- --host volt1 --port 21212 --connections 2
//! ```
//!
//! Without `--host`, the in-process test server is started (this needs the
//! `test-server` feature). Options:
//!
//! * `--threads N`      worker threads (default 16)
//! * `--calls N`        total calls (default 100000)
//! * `--host H`         server host (default: in-process test server)
//! * `--port P`         server port (default 21212)
//! * `--connections N`  connections per host (default 1)
//! * `--keys N`         distinct keys (default 10000)
//! * `--value-size N`   bytes per value (default 100)
//! * `--get-ratio F`    fraction of calls that are Get (default 0.5)
//! * `--timeout-ms N`   per-call timeout (default 10000)
//! * `--window N`       calls each thread keeps in flight: 1 (default) makes
//!   blocking `call`s; more uses `call_async` with a window of N

use std::collections::VecDeque;
use std::io::Write;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use voltdb::client::{Client, PendingCall};
use voltdb::{Error, Value, VoltResponse};

struct Args {
    threads: usize,
    calls: u64,
    host: Option<String>,
    port: u16,
    connections: usize,
    keys: u64,
    value_size: usize,
    get_ratio: f64,
    timeout: Duration,
    window: usize,
}

fn usage(msg: &str) -> ! {
    eprintln!("kv-load: {msg}");
    eprintln!(
        "usage: kv-load [--threads N] [--calls N] [--host H] [--port P] [--connections N] \
         [--keys N] [--value-size N] [--get-ratio F] [--timeout-ms N] [--window N]"
    );
    std::process::exit(2);
}

fn parse_args() -> Args {
    let mut a = Args {
        threads: 16,
        calls: 100_000,
        host: None,
        port: 21212,
        connections: 1,
        keys: 10_000,
        value_size: 100,
        get_ratio: 0.5,
        timeout: Duration::from_secs(10),
        window: 1,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        if flag == "--help" || flag == "-h" {
            usage("help");
        }
        let Some(v) = it.next() else {
            usage(&format!("{flag} needs a value"))
        };
        fn num<T: std::str::FromStr>(flag: &str, v: &str) -> T {
            v.parse()
                .unwrap_or_else(|_| usage(&format!("bad value for {flag}: {v:?}")))
        }
        match flag.as_str() {
            "--threads" => a.threads = num(&flag, &v),
            "--calls" => a.calls = num(&flag, &v),
            "--host" => a.host = Some(v),
            "--port" => a.port = num(&flag, &v),
            "--connections" => a.connections = num(&flag, &v),
            "--keys" => a.keys = num(&flag, &v),
            "--value-size" => a.value_size = num(&flag, &v),
            "--get-ratio" => a.get_ratio = num(&flag, &v),
            "--timeout-ms" => a.timeout = Duration::from_millis(num(&flag, &v)),
            "--window" => a.window = num(&flag, &v),
            _ => usage(&format!("unknown option {flag}")),
        }
    }
    if a.threads == 0 || a.keys == 0 || a.connections == 0 || a.window == 0 {
        usage("--threads, --keys, --connections and --window must be at least 1");
    }
    a
}

/// A server to run against: the given host, or the in-process test server.
enum Target {
    Remote,
    #[cfg(feature = "test-server")]
    Local(voltdb::testing::TestServer),
}

fn start_target(args: &mut Args) -> Target {
    if args.host.is_some() {
        return Target::Remote;
    }
    #[cfg(feature = "test-server")]
    {
        let server = voltdb::testing::TestServer::start()
            .unwrap_or_else(|e| usage(&format!("cannot start the test server: {e}")));
        args.host = Some("127.0.0.1".into());
        args.port = server.port();
        eprintln!(
            "kv-load: started the in-process test server on port {}",
            args.port
        );
        Target::Local(server)
    }
    #[cfg(not(feature = "test-server"))]
    usage("no --host given (the in-process test server needs --features test-server)")
}

fn main() {
    let mut args = parse_args();
    let target = start_target(&mut args);
    let host = args.host.clone().unwrap_or_default();
    let client = Client::builder()
        .host(host.as_str(), args.port)
        .pool_size(args.connections)
        .call_timeout(args.timeout)
        .build()
        .unwrap_or_else(|e| usage(&format!("cannot connect to {host}:{}: {e}", args.port)));

    let done = AtomicU64::new(0);
    let errors = AtomicU64::new(0);
    // Gets answered, and those that found a row (a key written before).
    let gets = AtomicU64::new(0);
    let hits = AtomicU64::new(0);
    let stop = AtomicBool::new(false);
    let first_error = std::sync::Mutex::new(None::<String>);
    let start = Instant::now();
    let value = vec![0xa5u8; args.value_size];

    let elapsed = std::thread::scope(|s| {
        // Progress line, at most once per second, and once more at the end.
        let progress = s.spawn(|| {
            let mut last = (start, 0u64);
            loop {
                std::thread::park_timeout(Duration::from_secs(1));
                let stopping = stop.load(Ordering::Relaxed);
                let now = Instant::now();
                let n = done.load(Ordering::Relaxed);
                if !stopping && now.duration_since(last.0) < Duration::from_millis(990) {
                    continue;
                }
                let rate = (n - last.1) as f64 / now.duration_since(last.0).as_secs_f64();
                eprint!(
                    "\r{:>6.1}s  calls {:>10}  {:>9.0} calls/s  errors {:<8}",
                    start.elapsed().as_secs_f64(),
                    n,
                    rate,
                    errors.load(Ordering::Relaxed)
                );
                let _ = std::io::stderr().flush();
                last = (now, n);
                if stopping {
                    break;
                }
            }
        });
        let workers: Vec<_> = (0..args.threads)
            .map(|t| {
                let (client, args, value) = (&client, &args, &value);
                let (done, errors, first_error) = (&done, &errors, &first_error);
                let (gets, hits) = (&gets, &hits);
                let n = args.calls / args.threads as u64
                    + u64::from((t as u64) < args.calls % args.threads as u64);
                s.spawn(move || {
                    let mut x = 0x2545_f491_4f6c_dd1du64 ^ ((t as u64 + 1) << 32);
                    let account = |get: bool, r: Result<VoltResponse, Error>| {
                        let failed = match r {
                            Ok(r) if r.is_success() => {
                                if get {
                                    gets.fetch_add(1, Ordering::Relaxed);
                                    if r.tables.first().is_some_and(|t| t.row_count() > 0) {
                                        hits.fetch_add(1, Ordering::Relaxed);
                                    }
                                }
                                None
                            }
                            Ok(r) => Some(format!(
                                "{}: {}",
                                r.status,
                                r.status_string.unwrap_or_default()
                            )),
                            Err(Error::ConnectionError { message: m, .. }) => {
                                // Nothing was sent: pause briefly instead of spinning.
                                std::thread::sleep(Duration::from_millis(10));
                                Some(m)
                            }
                            Err(e) => Some(e.to_string()),
                        };
                        if let Some(e) = failed {
                            errors.fetch_add(1, Ordering::Relaxed);
                            first_error
                                .lock()
                                .unwrap_or_else(|e| e.into_inner())
                                .get_or_insert(e);
                        }
                        done.fetch_add(1, Ordering::Relaxed);
                    };
                    let mut window: VecDeque<(bool, PendingCall)> = VecDeque::new();
                    for _ in 0..n {
                        x ^= x << 13;
                        x ^= x >> 7;
                        x ^= x << 17;
                        let key = format!("key-{}", x % args.keys);
                        let get = ((x >> 11) % 1_000_000) as f64 / 1e6 < args.get_ratio;
                        let params = if get {
                            vec![Value::from(key.as_str())]
                        } else {
                            vec![Value::from(key.as_str()), Value::Varbinary(value.clone())]
                        };
                        let procedure = if get { "Get" } else { "Put" };
                        if args.window == 1 {
                            account(get, client.call(procedure, &params));
                            continue;
                        }
                        if window.len() == args.window {
                            if let Some((was_get, p)) = window.pop_front() {
                                account(was_get, p.wait());
                            }
                        }
                        match client.call_async(procedure, &params) {
                            Ok(p) => window.push_back((get, p)),
                            Err(e) => account(get, Err(e)),
                        }
                    }
                    for (was_get, p) in window {
                        account(was_get, p.wait());
                    }
                })
            })
            .collect();
        for w in workers {
            let _ = w.join();
        }
        let elapsed = start.elapsed();
        stop.store(true, Ordering::Relaxed);
        progress.thread().unpark();
        elapsed
    });
    let n = done.load(Ordering::Relaxed);
    eprintln!();
    println!(
        "{n} calls in {:.2} s: {:.0} calls/s, {} errors ({}, window {}, {})",
        elapsed.as_secs_f64(),
        n as f64 / elapsed.as_secs_f64(),
        errors.load(Ordering::Relaxed),
        count(args.threads, "thread"),
        args.window,
        count(args.connections, "connection")
    );
    let (gets, hits) = (gets.load(Ordering::Relaxed), hits.load(Ordering::Relaxed));
    if gets > 0 {
        println!(
            "Get hit rate: {:.1}% ({hits} of {gets} Gets found a value)",
            100.0 * hits as f64 / gets as f64
        );
    }
    if let Some(e) = first_error.lock().unwrap_or_else(|e| e.into_inner()).take() {
        println!("first error: {e}");
    }
    let stats = client.stats();
    let total = stats.total();
    let h = &total.latency;
    println!(
        "latency (ms): p50 {}  p99 {}  p99.9 {}  max {}  mean {}",
        ms(h.percentile(50.0)),
        ms(h.percentile(99.0)),
        ms(h.percentile(99.9)),
        ms(h.max()),
        ms(h.mean())
    );
    println!();
    print!("{stats}");
    client.close();
    match target {
        Target::Remote => {}
        #[cfg(feature = "test-server")]
        Target::Local(server) => {
            println!("test server: {} invocations received", server.calls());
            server.shutdown();
        }
    }
}

/// "1 thread", "16 threads".
fn count(n: usize, noun: &str) -> String {
    format!("{n} {noun}{}", if n == 1 { "" } else { "s" })
}

/// A latency in milliseconds, as the statistics table shows them.
fn ms(d: Duration) -> String {
    format!("{:.3}", d.as_secs_f64() * 1e3)
}
