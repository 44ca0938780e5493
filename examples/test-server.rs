//! Runs the in-process VoltDB test server as a standalone process, so that
//! any client (the Python one included) can be pointed at it.
//!
//! ```text
//! cargo run --example test-server --features test-server -- \
//!     [--port 21212] [--user NAME:PASSWORD]... [--partitions N] \
//!     [--host-id N] [--max-connections N] [--hosts N] [--verbose]
//! ```
//!
//! It prints the address it listens on, then a line each time a connection
//! opens or closes (with `--verbose`, also the calls received, each second
//! that saw any), and serves until Enter or end of input on a
//! terminal stops it with a summary (or until killed: Ctrl-C ends it without
//! one). With `--hosts N` it runs a cluster of N nodes on consecutive ports.
//!
//! The lines come from polling the server's public counters
//! (`connection_count_on` every 10 ms, `calls_on`): `voltdb::testing` has no
//! hook that would name each connection's peer or each call's procedure, and
//! a connection opened and closed between two polls goes unseen.

use std::io::{IsTerminal, Write};
use std::process::exit;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use voltdb::testing::{TestCluster, TestServer};

const USAGE: &str = "usage: test-server [--port PORT] [--user NAME:PASSWORD]... \
[--partitions N] [--host-id N] [--max-connections N] [--hosts N] [--verbose]

Serves the VoltDB wire protocol on 127.0.0.1 (default port 21212; 0 = any free
port) until killed. With --user, security is on. With --hosts N, runs a
cluster of N nodes on consecutive ports (partition leaders spread over them). Built-in procedures: @Ping,
@SystemInformation, @SystemCatalog, @Statistics, @GetPartitionKeys, @Subscribe,
@AdHoc (DDL only), HelloWorld Insert/Select, KV Put/Get/Remove, Echo, Sleep.
Logs each connection opened or closed; --verbose also logs the calls received.
On a terminal, Enter or Ctrl-D stops it with a summary.";

fn fail(msg: &str) -> ! {
    eprintln!("test-server: {msg}\n\n{USAGE}");
    exit(2)
}

fn value<T: std::str::FromStr>(args: &mut impl Iterator<Item = String>, flag: &str) -> T {
    match args.next().map(|v| v.parse()) {
        Some(Ok(v)) => v,
        Some(Err(_)) => fail(&format!("bad value for {flag}")),
        None => fail(&format!("{flag} needs a value")),
    }
}

fn main() {
    let mut builder = TestServer::builder().port(21212);
    let mut hosts = 1usize;
    let mut verbose = false;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        builder = match arg.as_str() {
            "--hosts" => {
                hosts = value(&mut args, "--hosts");
                builder
            }
            "--verbose" | "-v" => {
                verbose = true;
                builder
            }
            "--port" => builder.port(value(&mut args, "--port")),
            "--user" => {
                let spec: String = value(&mut args, "--user");
                match spec.split_once(':') {
                    Some((name, password)) => builder.user(name, password),
                    None => fail("--user expects NAME:PASSWORD"),
                }
            }
            "--partitions" => builder.partitions(value(&mut args, "--partitions")),
            "--host-id" => builder.host_id(value(&mut args, "--host-id")),
            "--max-connections" => builder.max_connections(value(&mut args, "--max-connections")),
            "-h" | "--help" => {
                println!("{USAGE}");
                return;
            }
            other => fail(&format!("unknown argument {other}")),
        };
    }
    let cluster = match builder.start_cluster(hosts) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("test-server: cannot start: {e}");
            exit(1)
        }
    };
    for (i, addr) in cluster.addrs().iter().enumerate() {
        let id = cluster.host_id(i).unwrap_or_default();
        if hosts == 1 {
            println!("VoltDB test server listening on {addr}");
        } else {
            println!("VoltDB test server node {i} (host id {id}) listening on {addr}");
        }
    }
    let stop = Arc::new(AtomicBool::new(false));
    if std::io::stdin().is_terminal() {
        println!("Press Enter (or Ctrl-D) to stop.");
        let stop = Arc::clone(&stop);
        std::thread::spawn(move || {
            let _ = std::io::stdin().read_line(&mut String::new());
            stop.store(true, Ordering::Relaxed);
        });
    }
    let _ = std::io::stdout().flush();
    let started = Instant::now();
    let opened = watch(&cluster, hosts, verbose, &stop, started);
    cluster.shutdown();
    println!(
        "[{:>8.1}s] shut down after {} calls ({opened} connection(s) seen)",
        started.elapsed().as_secs_f64(),
        cluster.calls()
    );
}

/// Logs connection counts as they change (polled every 10 ms) and, when
/// `verbose`, the calls of each second, until `stop`. Returns how many
/// connections were seen opening.
fn watch(
    cluster: &TestCluster,
    hosts: usize,
    verbose: bool,
    stop: &AtomicBool,
    started: Instant,
) -> u64 {
    let mut open = vec![0usize; hosts];
    let mut calls = vec![0u64; hosts];
    let mut opened = 0u64;
    let mut last_calls = Instant::now();
    while !stop.load(Ordering::Relaxed) {
        std::thread::sleep(Duration::from_millis(10));
        let calls_due = last_calls.elapsed() >= Duration::from_secs(1);
        let at = started.elapsed().as_secs_f64();
        for i in 0..hosts {
            let node = if hosts == 1 {
                String::new()
            } else {
                format!("node {i}: ")
            };
            let now = cluster.connection_count_on(i);
            if now != open[i] {
                let change = if now > open[i] { "opened" } else { "closed" };
                let n = now.abs_diff(open[i]);
                if now > open[i] {
                    opened += n as u64;
                }
                println!("[{at:>8.1}s] {node}{n} connection(s) {change}, {now} open");
                open[i] = now;
            }
            if calls_due {
                let c = cluster.calls_on(i);
                if verbose && c > calls[i] {
                    println!("[{at:>8.1}s] {node}{} call(s), {c} in all", c - calls[i]);
                }
                calls[i] = c;
            }
        }
        if calls_due {
            last_calls = Instant::now();
        }
        let _ = std::io::stdout().flush();
    }
    opened
}
