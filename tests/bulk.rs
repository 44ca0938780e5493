//! The bulk loader against the test server's in-memory tables.

use std::collections::{BTreeSet, HashSet};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use voltdb::client::bulk::{FailureKind, RowFailure};
use voltdb::client::Client;
use voltdb::testing::{Fault, TableDef, TestServer};
use voltdb::{Error, Status, Value, VoltColumn, VoltResponse, VoltTable, VoltType};

/// The response a failure status came back in (`Error::Server`).
fn failure_response(e: Error) -> VoltResponse {
    match e {
        Error::Server { response, .. } => *response,
        other => panic!("expected a failure status, got {other}"),
    }
}

fn people() -> TableDef {
    TableDef::new("PEOPLE")
        .column("ID", VoltType::BigInt)
        .column("NAME", VoltType::String)
        .column("SCORE", VoltType::Integer)
        .primary_key(&["ID"])
        .partition_on("ID")
}

fn towns() -> TableDef {
    TableDef::new("TOWNS")
        .column("CODE", VoltType::String)
        .column("NAME", VoltType::String)
        .primary_key(&["CODE"])
}

fn server(partitions: u32) -> TestServer {
    TestServer::builder()
        .partitions(partitions)
        .table(people())
        .table(towns())
        .start()
        .unwrap()
}

fn client(server: &TestServer) -> Client {
    Client::connection("127.0.0.1", server.port()).unwrap()
}

fn ids(server: &TestServer, table: &str) -> Vec<i64> {
    let mut v: Vec<i64> = server
        .table_rows(table)
        .unwrap()
        .iter()
        .map(|r| match r[0] {
            Value::BigInt(i) => i,
            ref v => panic!("not a BIGINT id: {v:?}"),
        })
        .collect();
    v.sort_unstable();
    v
}

#[test]
fn partitioned_table_goes_in_by_partition() {
    let server = server(4);
    let client = client(&server);
    let loader = client
        .bulk_loader("people")
        .batch_size(100)
        .build()
        .unwrap();
    assert_eq!(loader.table(), "PEOPLE");
    assert!(loader.is_partitioned());
    assert_eq!(loader.columns().len(), 3);
    for id in 0..5_000i64 {
        let pos = loader
            .insert((id, format!("p{id}"), (id % 100) as i32))
            .unwrap();
        assert_eq!(pos, id as u64);
    }
    let done = loader.close();
    assert_eq!(done.queued, 5_000);
    assert_eq!(done.sent, 5_000);
    assert_eq!(done.acknowledged, 5_000);
    assert_eq!(done.failed, 0);
    assert_eq!(done.pending(), 0);
    assert!(loader.take_failures().is_empty());
    assert_eq!(ids(&server, "PEOPLE"), (0..5_000).collect::<Vec<_>>());
    // Values arrive as the column types.
    let rows = server.table_rows("PEOPLE").unwrap();
    let r7 = rows.iter().find(|r| r[0] == Value::BigInt(7)).unwrap();
    assert_eq!(
        r7,
        &vec![Value::BigInt(7), Value::from("p7"), Value::Integer(7)]
    );
    // Every partition got its own single-partition loads.
    let calls = server.partition_calls_on(0);
    assert_eq!(calls.keys().copied().collect::<Vec<_>>(), vec![0, 1, 2, 3]);
    assert!(calls.values().sum::<u64>() >= 50);
    // Insert after close is refused.
    assert!(matches!(
        loader.insert((9_999i64, "late", 1)),
        Err(Error::BulkLoad { .. })
    ));
}

#[test]
fn replicated_table_uses_the_multipartition_load() {
    let server = server(2);
    let client = client(&server);
    let loader = client.bulk_loader("TOWNS").batch_size(7).build().unwrap();
    assert!(!loader.is_partitioned());
    for i in 0..100 {
        loader
            .insert(vec![Value::from(format!("T{i:03}")), Value::from("x")])
            .unwrap();
    }
    let done = loader.flush();
    assert_eq!((done.acknowledged, done.failed), (100, 0));
    assert_eq!(server.table_rows("TOWNS").unwrap().len(), 100);
    // No single-partition load was made.
    assert!(server.partition_calls_on(0).is_empty());
}

#[test]
fn upsert_replaces_and_insert_refuses_existing_keys() {
    let server = server(3);
    let client = client(&server);
    let first = client.bulk_loader("PEOPLE").batch_size(16).build().unwrap();
    for id in 0..100i64 {
        first.insert((id, "a", 1)).unwrap();
    }
    assert_eq!(first.close().acknowledged, 100);

    let up = client
        .bulk_loader("PEOPLE")
        .upsert(true)
        .batch_size(16)
        .build()
        .unwrap();
    for id in 50..150i64 {
        up.insert((id, "b", 2)).unwrap();
    }
    let done = up.close();
    assert_eq!((done.acknowledged, done.failed), (100, 0));
    let rows = server.table_rows("PEOPLE").unwrap();
    assert_eq!(rows.len(), 150);
    for r in &rows {
        let Value::BigInt(id) = r[0] else { panic!() };
        let want = if id < 50 { "a" } else { "b" };
        assert_eq!(r[1], Value::from(want), "row {id}");
    }

    // Insert mode: keys 140..160, of which 140..150 exist already.
    let ins = client.bulk_loader("PEOPLE").batch_size(8).build().unwrap();
    for id in 140..160i64 {
        ins.insert((id, "c", 3)).unwrap();
    }
    let done = ins.close();
    assert_eq!((done.acknowledged, done.failed), (10, 10));
    let failed: BTreeSet<u64> = ins.take_failures().iter().map(|f| f.position).collect();
    assert_eq!(failed, (0..10).collect());
    assert_eq!(server.table_rows("PEOPLE").unwrap().len(), 160);
}

#[test]
fn duplicate_keys_fail_exactly_their_rows() {
    let server = server(2);
    let client = client(&server);
    // One partition's worth of batches holds both copies of a key.
    let loader = client.bulk_loader("PEOPLE").batch_size(10).build().unwrap();
    let mut input = Vec::new();
    for id in 0..40i64 {
        input.push(id);
        if id == 5 || id == 21 {
            input.push(id); // duplicate right after
        }
    }
    input.push(33); // a duplicate much later
    for (i, id) in input.iter().enumerate() {
        let pos = loader.insert((*id, format!("row {i}"), 0)).unwrap();
        assert_eq!(pos, i as u64);
    }
    let done = loader.close();
    assert_eq!(done.queued, input.len() as u64);
    assert_eq!((done.acknowledged, done.failed), (40, 3));
    let mut failures = loader.take_failures();
    failures.sort_by_key(|f| f.position);
    let positions: Vec<u64> = failures.iter().map(|f| f.position).collect();
    // Id 33 is at positions 35 and 42, in different batches of one
    // partition: whichever copy reaches the server first is stored (a batch
    // retried row by row can go after a later batch), the other fails.
    assert_eq!(positions[..2], [6, 23]);
    assert!(positions[2] == 35 || positions[2] == 42, "{positions:?}");
    let stored_33 = 35 + 42 - positions[2];
    for f in &failures {
        let id = input[f.position as usize];
        assert_eq!(f.row[0], Value::BigInt(id));
        assert_eq!(f.row[1], Value::from(format!("row {}", f.position)));
        match &f.kind {
            FailureKind::Rejected { status, message } => {
                assert_eq!(*status, Status::GracefulFailure);
                assert!(message.contains("CONSTRAINT VIOLATION"), "{message}");
                assert!(message.contains("UNIQUE"), "{message}");
            }
            other => panic!("expected a rejection, got {other:?}"),
        }
        assert!(f.reason().contains("CONSTRAINT VIOLATION"));
    }
    // The rest are stored, and the first copy of each duplicate.
    assert_eq!(ids(&server, "PEOPLE"), (0..40).collect::<Vec<_>>());
    let rows = server.table_rows("PEOPLE").unwrap();
    let r5 = rows.iter().find(|r| r[0] == Value::BigInt(5)).unwrap();
    assert_eq!(r5[1], Value::from("row 5"));
    let r33 = rows.iter().find(|r| r[0] == Value::BigInt(33)).unwrap();
    assert_eq!(r33[1], Value::from(format!("row {stored_33}")));
}

#[test]
fn failures_go_to_the_callback() {
    let server = server(2);
    let client = client(&server);
    let seen: Arc<Mutex<Vec<RowFailure>>> = Arc::default();
    let sink = Arc::clone(&seen);
    let loader = client
        .bulk_loader("PEOPLE")
        .batch_size(4)
        .on_failure(move |f| sink.lock().unwrap().push(f.clone()))
        .build()
        .unwrap();
    for id in [1i64, 2, 3, 1, 4] {
        loader.insert((id, "n", 0)).unwrap();
    }
    assert_eq!(loader.close().failed, 1);
    assert!(loader.take_failures().is_empty());
    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].position, 3);
}

#[test]
fn bad_rows_are_refused_at_once_with_the_column_named() {
    let server = server(2);
    let client = client(&server);
    let loader = client.bulk_loader("PEOPLE").build().unwrap();
    let err = loader.insert((1i64, 2i64, 3)).unwrap_err();
    match &err {
        Error::BadRow { table, column, .. } => {
            assert_eq!(table, "PEOPLE");
            assert_eq!(column.as_deref(), Some("NAME"));
        }
        e => panic!("{e}"),
    }
    assert!(err.to_string().contains("column NAME"), "{err}");
    let err = loader.insert((1i64, "x", 5_000_000_000i64)).unwrap_err();
    assert!(
        matches!(err, Error::BadRow { column: Some(ref c), .. } if c == "SCORE"),
        "{err}"
    );
    let err = loader.insert((1i64, "x")).unwrap_err();
    assert!(matches!(err, Error::BadRow { column: None, .. }), "{err}");
    let err = loader
        .insert(vec![Value::Null, Value::from("x"), Value::from(1)])
        .unwrap_err();
    assert!(
        matches!(err, Error::BadRow { column: Some(ref c), .. } if c == "ID"),
        "{err}"
    );
    // Nothing was buffered; a good row still goes in at position 0.
    assert_eq!(loader.insert((1i64, "x", 1)).unwrap(), 0);
    let done = loader.close();
    assert_eq!((done.queued, done.acknowledged), (1, 1));

    assert!(matches!(
        client.bulk_loader("NO_SUCH_TABLE").build(),
        Err(Error::BulkLoad { .. })
    ));
}

/// The test server's load sysprocs answer as a real server's do.
#[test]
fn server_refuses_wrong_partition_and_replicated_single_loads() {
    let server = server(4);
    let client = client(&server);
    let ring = server.hash_ring();
    let part = |id: i64| {
        ring.partition_for_value(VoltType::BigInt, &Value::BigInt(id))
            .unwrap()
    };
    let other = (1..).find(|&i| part(i) != part(0)).unwrap();
    let mut b = VoltTable::builder(vec![
        VoltColumn::new("ID", VoltType::BigInt),
        VoltColumn::new("NAME", VoltType::String),
        VoltColumn::new("SCORE", VoltType::Integer),
    ]);
    b.add_row(&[Value::BigInt(0), Value::from("ok"), Value::Integer(0)])
        .unwrap();
    b.add_row(&[
        Value::BigInt(other),
        Value::from("elsewhere"),
        Value::Integer(0),
    ])
    .unwrap();
    let key = Value::from(&0i64.to_le_bytes()[..]);
    let r = client
        .call(
            "@LoadSinglepartitionTable",
            &[
                key.clone(),
                Value::from("PEOPLE"),
                Value::TinyInt(0),
                Value::Table(b.build()),
            ],
        )
        .map_or_else(failure_response, |r| {
            panic!("expected a failure, got {r:?}")
        });
    assert_eq!(r.status, Status::GracefulFailure);
    let text = r.status_string.clone().unwrap_or_default();
    assert!(
        text.contains("Mispartitioned tuple in single-partition insert statement."),
        "{text}"
    );
    assert_eq!(server.table_rows("PEOPLE"), Some(vec![]));

    // The right partition alone: stored, one BIGINT with the count.
    let mut b = VoltTable::builder(b.build().columns().to_vec());
    b.add_row(&[Value::BigInt(0), Value::from("ok"), Value::Integer(0)])
        .unwrap();
    let r = client
        .call(
            "@LoadSinglepartitionTable",
            &[
                key.clone(),
                Value::from("people"),
                Value::TinyInt(0),
                Value::Table(b.build()),
            ],
        )
        .unwrap();
    assert!(r.is_success(), "{:?}", r.status_string);
    assert_eq!(r.tables[0].scalar::<i64>().unwrap(), 1);

    let mut t = VoltTable::builder(vec![
        VoltColumn::new("CODE", VoltType::String),
        VoltColumn::new("NAME", VoltType::String),
    ]);
    t.add_row(&[Value::from("A"), Value::from("a")]).unwrap();
    let r = client
        .call(
            "@LoadSinglepartitionTable",
            &[
                key,
                Value::from("TOWNS"),
                Value::TinyInt(0),
                Value::Table(t.build()),
            ],
        )
        .map_or_else(failure_response, |r| {
            panic!("expected a failure, got {r:?}")
        });
    assert_eq!(r.status, Status::UserAbort);
    let r = client
        .call(
            "@LoadMultipartitionTable",
            &[
                Value::from("NOPE"),
                Value::TinyInt(0),
                Value::Table(t.build()),
            ],
        )
        .map_or_else(failure_response, |r| {
            panic!("expected a failure, got {r:?}")
        });
    assert_eq!(r.status, Status::UserAbort);
    assert_eq!(
        r.status_string.as_deref(),
        Some("Table not present in catalog.")
    );
}

#[test]
fn system_catalog_lists_columns_and_keys() {
    let server = server(2);
    let client = client(&server);
    let r = client
        .call("@SystemCatalog", &[Value::from("COLUMNS")])
        .unwrap();
    let t = &r.tables[0];
    assert_eq!(t.column_count(), 23);
    assert_eq!(t.columns()[3].name, "COLUMN_NAME");
    assert_eq!(t.columns()[16].name, "ORDINAL_POSITION");
    assert_eq!(t.row_count(), 5);
    let row = t.row(0).unwrap();
    assert_eq!(row.get::<String>("TABLE_NAME").unwrap(), "PEOPLE");
    assert_eq!(row.get::<String>("COLUMN_NAME").unwrap(), "ID");
    assert_eq!(row.get::<String>("TYPE_NAME").unwrap(), "BIGINT");
    assert_eq!(row.get::<i32>("DATA_TYPE").unwrap(), -5);
    assert_eq!(
        row.get::<Option<String>>("REMARKS").unwrap().as_deref(),
        Some("PARTITION_COLUMN")
    );
    assert_eq!(row.get::<String>("IS_NULLABLE").unwrap(), "NO");
    let name = t.row(1).unwrap();
    assert_eq!(name.get::<String>("TYPE_NAME").unwrap(), "VARCHAR");
    assert_eq!(name.get::<Option<String>>("REMARKS").unwrap(), None);
    let r = client
        .call("@SystemCatalog", &[Value::from("PRIMARYKEYS")])
        .unwrap();
    let keys: Vec<(String, String)> = r.tables[0]
        .rows()
        .map(|r| (r.get("TABLE_NAME").unwrap(), r.get("COLUMN_NAME").unwrap()))
        .collect();
    assert_eq!(
        keys,
        vec![
            ("PEOPLE".into(), "ID".into()),
            ("TOWNS".into(), "CODE".into())
        ]
    );
}

#[test]
fn several_threads_feed_one_loader() {
    let server = server(4);
    let client = client(&server);
    let loader = client.bulk_loader("PEOPLE").batch_size(50).build().unwrap();
    let positions = Mutex::new(HashSet::new());
    thread::scope(|s| {
        for t in 0..4i64 {
            let (loader, positions) = (&loader, &positions);
            s.spawn(move || {
                for i in 0..2_500i64 {
                    let id = t * 1_000_000 + i;
                    let p = loader.insert((id, "t", t as i32)).unwrap();
                    assert!(positions.lock().unwrap().insert(p));
                }
            });
        }
    });
    let done = loader.close();
    assert_eq!((done.acknowledged, done.failed), (10_000, 0));
    assert_eq!(positions.into_inner().unwrap(), (0..10_000).collect());
    assert_eq!(server.table_rows("PEOPLE").unwrap().len(), 10_000);
}

#[test]
fn backpressure_bounds_pending_rows() {
    let server = server(2);
    let client = client(&server);
    let loader = Arc::new(
        client
            .bulk_loader("PEOPLE")
            .batch_size(10)
            .max_pending_rows(40)
            .build()
            .unwrap(),
    );
    // Slow loads: each of the first 30 waits 30 ms.
    for _ in 0..30 {
        server.inject_for(
            "@LoadSinglepartitionTable",
            Fault::Delay(Duration::from_millis(30)),
        );
    }
    let stop = Arc::new(AtomicBool::new(false));
    let max_seen = Arc::new(AtomicU64::new(0));
    let watcher = {
        let (loader, stop, max_seen) = (
            Arc::clone(&loader),
            Arc::clone(&stop),
            Arc::clone(&max_seen),
        );
        thread::spawn(move || {
            while !stop.load(Ordering::SeqCst) {
                max_seen.fetch_max(loader.progress().pending(), Ordering::SeqCst);
                thread::yield_now();
            }
        })
    };
    let started = Instant::now();
    for id in 0..300i64 {
        loader.insert((id, "b", 0)).unwrap();
    }
    // 300 rows, at most 40 at a time, slow replies: the feeder waited.
    let fed = started.elapsed();
    let done = loader.close();
    stop.store(true, Ordering::SeqCst);
    watcher.join().unwrap();
    assert_eq!(done.acknowledged, 300);
    let max = max_seen.load(Ordering::SeqCst);
    assert!(max <= 40, "pending reached {max}");
    assert!(max >= 10, "the watcher saw pending rows ({max})");
    assert!(
        fed >= Duration::from_millis(60),
        "the feeder never waited ({fed:?})"
    );
}

/// A batch whose connection drops after the server stored it: reported as
/// outcome unknown, not resent (a resend would fail as a duplicate).
#[test]
fn lost_reply_is_outcome_unknown_and_never_resent() {
    let server = server(2);
    let client = client(&server);
    // A replicated table: the 100 rows are one batch.
    let loader = client
        .bulk_loader("TOWNS")
        .batch_size(1_000)
        .build()
        .unwrap();
    server.inject_for("@LoadMultipartitionTable", Fault::Disconnect);
    for i in 0..100 {
        loader.insert((format!("T{i:03}"), "u")).unwrap();
    }
    let done = loader.flush();
    assert_eq!(done.queued, 100);
    assert_eq!((done.acknowledged, done.failed), (0, 100));
    let failures = loader.take_failures();
    assert_eq!(failures.len(), 100);
    assert!(
        failures
            .iter()
            .all(|f| matches!(f.kind, FailureKind::Unknown(_))),
        "{failures:?}"
    );
    assert!(failures[0].reason().starts_with("outcome unknown"));
    // The server had stored the batch, exactly once.
    assert_eq!(server.table_rows("TOWNS").unwrap().len(), 100);
    // The loader keeps working once the client has reconnected.
    client.wait_connected(Duration::from_secs(10)).unwrap();
    loader.insert(("T500", "after")).unwrap();
    let done = loader.close();
    assert_eq!((done.acknowledged, done.failed), (1, 100));
    assert_eq!(server.table_rows("TOWNS").unwrap().len(), 101);
}

/// The server restarts in the middle of a load: every row ends up stored
/// or reported; none is stored twice or reported as a duplicate.
#[test]
fn server_restart_during_a_load() {
    let server = server(4);
    let client = client(&server);
    let loader = client.bulk_loader("PEOPLE").batch_size(50).build().unwrap();
    let total = 20_000i64;
    thread::scope(|s| {
        s.spawn(|| {
            for id in 0..total {
                loader.insert((id, "r", 0)).unwrap();
            }
        });
        while loader.progress().acknowledged < 2_000 {
            thread::sleep(Duration::from_millis(1));
        }
        server.kill(0);
        thread::sleep(Duration::from_millis(200));
        server.restart(0).unwrap();
    });
    let done = loader.close();
    assert_eq!(done.queued, total as u64);
    assert_eq!(done.acknowledged + done.failed, total as u64);
    let failures = loader.take_failures();
    let id_of = |f: &RowFailure| match f.row[0] {
        Value::BigInt(i) => i,
        ref v => panic!("not a BIGINT id: {v:?}"),
    };
    let mut unknown = HashSet::new();
    for f in &failures {
        match &f.kind {
            FailureKind::Unknown(_) => {
                unknown.insert(id_of(f));
            }
            FailureKind::NotSent(_) => {}
            other => panic!("row {} failed as {other:?}", f.position),
        }
    }
    let stored = ids(&server, "PEOPLE");
    // The store keys rows by id: a row stored twice would have failed above.
    let not_sent: HashSet<i64> = failures
        .iter()
        .filter(|f| matches!(f.kind, FailureKind::NotSent(_)))
        .map(id_of)
        .collect();
    for id in &stored {
        assert!(!not_sent.contains(id), "row {id} not sent but stored");
    }
    assert!(stored.len() as u64 >= done.acknowledged);
    assert!(stored.len() as u64 <= done.acknowledged + unknown.len() as u64);
    assert!(done.acknowledged > 2_000);
}

#[test]
fn drop_without_close_flushes() {
    let server = server(2);
    let client = client(&server);
    {
        let loader = client
            .bulk_loader("PEOPLE")
            .batch_size(1_000)
            .build()
            .unwrap();
        for id in 0..10i64 {
            loader.insert((id, "d", 0)).unwrap();
        }
    }
    assert_eq!(server.table_rows("PEOPLE").unwrap().len(), 10);
}

#[test]
fn flush_interval_sends_partial_batches() {
    let server = server(2);
    let client = client(&server);
    let loader = client
        .bulk_loader("PEOPLE")
        .batch_size(1_000)
        .flush_interval(Duration::from_millis(50))
        .build()
        .unwrap();
    loader.insert((1i64, "i", 0)).unwrap();
    let deadline = Instant::now() + Duration::from_secs(5);
    while loader.progress().acknowledged < 1 {
        assert!(
            Instant::now() < deadline,
            "the partial batch was never sent"
        );
        thread::sleep(Duration::from_millis(5));
    }
    assert_eq!(server.table_rows("PEOPLE").unwrap().len(), 1);
}
