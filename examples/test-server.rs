//! Runs the in-process VoltDB test server as a standalone process, so that
//! any client (the Python one included) can be pointed at it.
//!
//! ```text
//! cargo run --example test-server --features test-server -- \
//!     [--port 21212] [--user NAME:PASSWORD]... [--partitions N] \
//!     [--host-id N] [--max-connections N] [--hosts N]
//! ```
//!
//! It prints the address it listens on and serves until killed (Ctrl-C).
//! With `--hosts N` it runs a cluster of N nodes on consecutive ports.

use std::io::Write;
use std::process::exit;
use std::time::Duration;

use voltdb::testing::TestServer;

const USAGE: &str = "usage: test-server [--port PORT] [--user NAME:PASSWORD]... \
[--partitions N] [--host-id N] [--max-connections N] [--hosts N]

Serves the VoltDB wire protocol on 127.0.0.1 (default port 21212; 0 = any free
port) until killed. With --user, security is on. With --hosts N, runs a
cluster of N nodes on consecutive ports (partition leaders spread over them). Built-in procedures: @Ping,
@SystemInformation, @SystemCatalog, @Statistics, @GetPartitionKeys, @Subscribe,
@AdHoc (DDL only), HelloWorld Insert/Select, KV Put/Get/Remove, Echo, Sleep.";

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
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        builder = match arg.as_str() {
            "--hosts" => {
                hosts = value(&mut args, "--hosts");
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
    let _ = std::io::stdout().flush();
    loop {
        std::thread::sleep(Duration::from_secs(3600));
    }
}
