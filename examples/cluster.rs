//! A cluster-aware client: one seed address, every node discovered, each
//! single-partition call sent to its partition leader, a node failure and
//! its rejoin survived without any action from the application.
//!
//! ```text
//! cargo run --example cluster
//! cargo run --release --example cluster -- --hosts volt1:21212 --procedure KV.select --key-type string
//! ```
//!
//! Without `--hosts`, a simulated 3-node cluster (the in-process test
//! server, `test-server` feature) is started, and the example kills node 1
//! half-way and restarts it (it rejoins with a new host id), printing where
//! the calls went in each phase. With `--hosts` (comma-separated seeds; one
//! is enough), it calls `--procedure`, a single-partition procedure whose
//! only parameter is its partition key (e.g. the `TABLE.select` VoltDB
//! generates for a table whose primary key is its partition column), with
//! random keys of `--key-type` (`bigint` or `string`).
//!
//! Options: `--threads N` (default 4), `--calls N` per phase (default
//! 20000), `--connections N` per node (default 1).
//!
//! Partition leaders are printed as `partition -> host id`. Besides the data
//! partitions, VoltDB reports partition 16383 (`MP_INIT_PID`): the
//! multi-partition initiator, the site that coordinates multi-partition
//! transactions; it is shown as `MP`.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use voltdb::client::routing::MP_INIT_PID;
use voltdb::client::{CallOptions, Client, ClientStats};
use voltdb::{Error, Value};

struct Args {
    hosts: Option<String>,
    procedure: Option<String>,
    key_type: String,
    threads: u64,
    calls: u64,
    connections: usize,
}

fn usage(msg: &str) -> ! {
    eprintln!("cluster: {msg}");
    eprintln!(
        "usage: cluster [--hosts H:P,H:P --procedure NAME [--key-type bigint|string]] \
         [--threads N] [--calls N] [--connections N]"
    );
    std::process::exit(2);
}

fn parse_args() -> Args {
    let mut a = Args {
        hosts: None,
        procedure: None,
        key_type: "string".into(),
        threads: 4,
        calls: 20_000,
        connections: 1,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || {
            it.next()
                .unwrap_or_else(|| usage(&format!("{flag} needs a value")))
        };
        let num = |v: String| v.parse::<u64>().unwrap_or_else(|_| usage("not a number"));
        match flag.as_str() {
            "--hosts" => a.hosts = Some(value()),
            "--procedure" => a.procedure = Some(value()),
            "--key-type" => a.key_type = value().to_ascii_lowercase(),
            "--threads" => a.threads = num(value()).max(1),
            "--calls" => a.calls = num(value()),
            "--connections" => a.connections = num(value()).max(1) as usize,
            "-h" | "--help" => usage("help"),
            other => usage(&format!("unknown option {other}")),
        }
    }
    if !matches!(a.key_type.as_str(), "bigint" | "string") {
        usage("--key-type is bigint or string");
    }
    a
}

fn key(kind: &str, x: u64) -> Value {
    if kind == "bigint" {
        Value::BigInt((x >> 1) as i64)
    } else {
        Value::from(format!("key-{}", x % 1_000_000))
    }
}

/// A partition id, with the multi-partition initiator's (16383) named `MP`.
fn partition(p: i32) -> String {
    if p == MP_INIT_PID {
        "MP".into()
    } else {
        p.to_string()
    }
}

/// Partition leaders as `0 -> 0, 1 -> 2, ..., MP -> 1`.
fn leaders(map: &BTreeMap<i32, i32>) -> String {
    let all: Vec<String> = map
        .iter()
        .map(|(p, h)| format!("{} -> {h}", partition(*p)))
        .collect();
    all.join(", ")
}

/// A partition key as it would be written in SQL: a number, or a quoted string.
fn key_text(v: &Value) -> String {
    match v {
        Value::String(s) => format!("'{s}'"),
        Value::TinyInt(n) => n.to_string(),
        Value::SmallInt(n) => n.to_string(),
        Value::Integer(n) => n.to_string(),
        Value::BigInt(n) => n.to_string(),
        other => format!("{other:?}"),
    }
}

/// `calls` calls from `threads` threads; returns how many failed, by kind.
fn run(client: &Client, args: &Args, procedure: &str, extra: &[Value]) -> (u64, u64, u64) {
    let started = Instant::now();
    let per_thread = args.calls / args.threads;
    let counts: Vec<(u64, u64, u64)> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..args.threads)
            .map(|t| {
                s.spawn(move || {
                    let mut x = 0x9e37_79b9_7f4a_7c15u64 ^ (t + 1);
                    let (mut ok, mut lost, mut other) = (0, 0, 0);
                    for _ in 0..per_thread {
                        x ^= x << 13;
                        x ^= x >> 7;
                        x ^= x << 17;
                        let mut params = vec![key(&args.key_type, x)];
                        params.extend_from_slice(extra);
                        match client.call(procedure, &params) {
                            Ok(r) if r.is_success() => ok += 1,
                            // In flight on a node that died: outcome unknown.
                            Err(Error::ConnectionLost { .. }) => lost += 1,
                            _ => other += 1,
                        }
                    }
                    (ok, lost, other)
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let total = counts
        .iter()
        .fold((0, 0, 0), |a, c| (a.0 + c.0, a.1 + c.1, a.2 + c.2));
    let secs = started.elapsed().as_secs_f64();
    println!(
        "  {} calls in {secs:.2} s ({:.0}/s): {} ok, {} connection lost, {} other errors",
        per_thread * args.threads,
        (per_thread * args.threads) as f64 / secs,
        total.0,
        total.1,
        total.2
    );
    total
}

/// Where the calls of a phase went: per node, and the affinity hit rate.
fn report(before: &ClientStats, after: &ClientStats) {
    for n in &after.nodes {
        let prev = before.nodes.get(n.index).map_or(0, |p| p.calls.calls);
        let leads: Vec<String> = n.leader_of.iter().map(|p| partition(*p)).collect();
        println!(
            "  node {} {}:{} host_id={} up {}/{} leads [{}]: {} calls",
            n.index,
            n.host,
            n.port,
            n.host_id.map_or("-".into(), |h| h.to_string()),
            n.connected,
            n.connections,
            leads.join(", "),
            n.calls.calls - prev
        );
    }
    let (a, b) = (after.affinity, before.affinity);
    let hits = a.hits - b.hits;
    let all = a.single_partition() - b.single_partition();
    println!(
        "  affinity: {hits}/{all} single-partition calls to their leader ({:.2}%), {} misses, {} fallbacks",
        if all > 0 { 100.0 * hits as f64 / all as f64 } else { 0.0 },
        a.misses - b.misses,
        a.fallbacks - b.fallbacks
    );
}

fn main() -> Result<(), Error> {
    let args = parse_args();
    match args.hosts.clone() {
        Some(hosts) => real(&args, &hosts),
        None => simulated(&args),
    }
}

fn real(args: &Args, hosts: &str) -> Result<(), Error> {
    let Some(procedure) = args.procedure.as_deref() else {
        usage("--hosts needs --procedure");
    };
    let client = Client::builder()
        .hosts(hosts.split(','))?
        .discover(true)
        .connections_per_node(args.connections)
        .build()?;
    let topo = client.wait_for_topology(Duration::from_secs(30))?;
    println!(
        "cluster: {} partitions; leaders (partition -> host id, MP = multi-partition initiator): {}",
        topo.partitions().len(),
        leaders(topo.leaders())
    );
    match topo.procedure(procedure) {
        Some(p) => println!("{procedure}: {p:?}"),
        None => println!("{procedure} is not in the catalog: calls go round-robin"),
    }
    let before = client.stats();
    run(&client, args, procedure, &[]);
    report(&before, &client.stats());
    println!("\n{}", client.stats());
    Ok(())
}

#[cfg(not(feature = "test-server"))]
fn simulated(_: &Args) -> Result<(), Error> {
    usage("no --hosts given (the simulated cluster needs --features test-server)")
}

#[cfg(feature = "test-server")]
fn simulated(args: &Args) -> Result<(), Error> {
    use voltdb::testing::TestServer;
    let cluster = TestServer::builder().partitions(6).start_cluster(3)?;
    let seed = cluster.addr(0).expect("node 0").to_string();
    println!("simulated cluster: {:?}, seed {seed}", cluster.addrs());
    let client = Client::builder()
        .hosts([seed.as_str()])?
        .discover(true)
        .connections_per_node(args.connections)
        .backoff(Duration::from_millis(100), Duration::from_secs(1), 0.2)
        .build()?;
    let t = client.topology().expect("discovery is on");
    println!(
        "discovered {} nodes; leaders (partition -> host id, MP = multi-partition initiator): {}",
        t.hosts().len(),
        leaders(t.leaders())
    );
    let put = |c: &Client| {
        let v = Value::from(b"value");
        let before = c.stats();
        run(c, args, "Put", std::slice::from_ref(&v));
        report(&before, &c.stats());
    };

    println!("\nphase 1: all nodes up");
    put(&client);

    println!("\nphase 2: node 1 killed in the middle of the load");
    let before = client.stats();
    std::thread::scope(|s| {
        s.spawn(|| {
            std::thread::sleep(Duration::from_millis(200));
            cluster.kill(1);
            println!("  (node 1 killed)");
        });
        run(&client, args, "Put", &[Value::from(b"value")]);
    });
    report(&before, &client.stats());

    println!("\nphase 3: node 1 rejoined");
    let id = cluster.restart(1)?;
    println!("  (node 1 restarted with host id {id})");
    let deadline = Instant::now() + Duration::from_secs(5);
    while Instant::now() < deadline
        && !client
            .stats()
            .nodes
            .iter()
            .any(|n| n.host_id == Some(id) && n.connected > 0)
    {
        std::thread::sleep(Duration::from_millis(10));
    }
    put(&client);

    println!(
        "\ncall_all_partitions(\"Get\") (Get is partitioned on its first parameter, a STRING):"
    );
    for r in client.call_all_partitions("Get", &[], &CallOptions::new())? {
        println!(
            "  partition {} (key {}): {}",
            r.partition_id,
            key_text(&r.partition_key),
            match &r.result {
                Ok(resp) => format!(
                    "{} row(s)",
                    resp.tables.first().map_or(0, |t| t.row_count())
                ),
                Err(e) => e.to_string(),
            }
        );
    }
    println!("\n{}", client.stats());
    Ok(())
}
