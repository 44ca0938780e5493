//! Bulk loading through the in-process test server: rows/s through a
//! `BulkLoader` (batches of 200 rows per partition, `@LoadSinglepartitionTable`)
//! against rows/s with one `call_async` per row (an insert procedure that
//! stores the row in a keyed map, as the load does; 256 calls in flight),
//! the same rows, rounds interleaved in the same run, best round of each.
//!
//! `cargo bench --bench bulk` (`VOLTDB_BENCH_ROWS`, default 100,000 rows
//! per round); see `benches/common/mod.rs`.

mod common;

use std::collections::hash_map::Entry;
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use voltdb::client::{Client, PendingCall};
use voltdb::testing::{ProcError, ProcReply, Procedure, TableDef, TestServer};
use voltdb::{Value, VoltType};

const WINDOW: usize = 256;
const ROUNDS: usize = 5;

fn table() -> TableDef {
    TableDef::new("EVENTS")
        .column("ID", VoltType::BigInt)
        .column("NAME", VoltType::String)
        .column("SCORE", VoltType::Integer)
        .column("AMOUNT", VoltType::Float)
        .column("PAYLOAD", VoltType::Varbinary)
        .primary_key(&["ID"])
        .partition_on("ID")
}

fn rows(n: usize) -> Vec<Vec<Value>> {
    (0..n as i64)
        .map(|i| {
            vec![
                Value::BigInt(i),
                Value::from(format!("event number {i}")),
                Value::Integer((i % 1000) as i32),
                Value::Float(i as f64 * 0.25),
                Value::from(vec![(i % 251) as u8; 16]),
            ]
        })
        .collect()
}

/// Rows/s loading `rows` with a bulk loader into a fresh table.
fn through_loader(server: &TestServer, client: &Client, rows: &[Vec<Value>]) -> f64 {
    server.create_table(table()).expect("create EVENTS");
    let started = Instant::now();
    let loader = client.bulk_loader("EVENTS").build().expect("loader");
    for r in rows {
        loader.insert(r).expect("insert");
    }
    let done = loader.close();
    let secs = started.elapsed().as_secs_f64();
    assert_eq!(done.acknowledged, rows.len() as u64, "{done:?}");
    rows.len() as f64 / secs
}

/// Rows/s inserting `rows` with one `call_async` per row, `WINDOW` in flight.
fn per_row(store: &Mutex<HashMap<i64, Vec<Value>>>, client: &Client, rows: &[Vec<Value>]) -> f64 {
    store.lock().unwrap().clear();
    let started = Instant::now();
    let mut window: VecDeque<PendingCall> = VecDeque::with_capacity(WINDOW);
    for r in rows {
        if window.len() == WINDOW {
            let resp = window.pop_front().unwrap().wait().expect("insert");
            assert!(resp.is_success());
        }
        window.push_back(client.call_async("EventsInsert", r).expect("call_async"));
    }
    for p in window {
        assert!(p.wait().expect("insert").is_success());
    }
    let secs = started.elapsed().as_secs_f64();
    assert_eq!(store.lock().unwrap().len(), rows.len());
    rows.len() as f64 / secs
}

fn main() {
    if !common::start() {
        return;
    }
    let smoke = !std::env::args().any(|a| a == "--bench");
    let n = if smoke {
        2_000
    } else {
        std::env::var("VOLTDB_BENCH_ROWS")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(100_000)
    };
    common::banner("bulk");
    let server = TestServer::builder()
        .partitions(4)
        .start()
        .expect("start the test server");
    // The per-row path: an insert procedure doing the load's per-row work
    // (check the value types, refuse a duplicate key with one lookup, store
    // the row's values).
    let store: Arc<Mutex<HashMap<i64, Vec<Value>>>> = Arc::default();
    let s = Arc::clone(&store);
    server.register_procedure(
        Procedure::new("EventsInsert", move |_ctx, p| {
            let [Value::BigInt(id), Value::String(_), Value::Integer(_), Value::Float(_), Value::Varbinary(_)] = p
            else {
                return Err(ProcError::graceful("EventsInsert expects (BIGINT, STRING, INTEGER, FLOAT, VARBINARY)"));
            };
            match s.lock().unwrap().entry(*id) {
                Entry::Occupied(_) => Err(ProcError::graceful("CONSTRAINT VIOLATION")),
                Entry::Vacant(e) => {
                    e.insert(p.to_vec());
                    Ok(ProcReply::modified_tuples(1))
                }
            }
        })
        .partitioned(0, VoltType::BigInt),
    );
    let client = Client::connection("127.0.0.1", server.port()).expect("connect");
    let rows = rows(n);
    // For profilers: `VOLTDB_BENCH_PROFILE=bulk` runs only the loader.
    if std::env::var("VOLTDB_BENCH_PROFILE").is_ok_and(|v| v == "bulk") {
        for _ in 0..ROUNDS {
            through_loader(&server, &client, &rows);
        }
        return;
    }
    let (mut best_bulk, mut best_row) = (0f64, 0f64);
    for round in 1..=ROUNDS {
        let b = through_loader(&server, &client, &rows);
        let r = per_row(&store, &client, &rows);
        println!("round {round}: loader {b:>10.0} rows/s   per-row call_async {r:>10.0} rows/s");
        best_bulk = best_bulk.max(b);
        best_row = best_row.max(r);
    }
    println!(
        "{n} rows x {ROUNDS} rounds, best: loader {best_bulk:.0} rows/s, per-row call_async (window {WINDOW}) {best_row:.0} rows/s, ratio {:.1}x",
        best_bulk / best_row
    );
}
