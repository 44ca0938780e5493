//! Integration tests against a real VoltDB 11 server.
//!
//! They are ignored by a plain `cargo test` (the summary counts them) and
//! run with `VOLTDB_HOST` set and `cargo test --test real_server -- --ignored`.
//! `VOLTDB_HOST` is `host` or `host:port`; optionally
//! `VOLTDB_PORT`, and `VOLTDB_USER` with `VOLTDB_PASSWORD`, empty when
//! unset, for a server with security on: the user needs the rights to run
//! DDL through `@AdHoc`, such as the built-in ADMINISTRATOR role). They
//! create their own schema (`tests/schema/real_server.sql`) with `@AdHoc`
//! DDL and assert exact results. Asked to run without `VOLTDB_HOST`, they
//! fail: they never pass without checking.
//!
//! One process (the schema is dropped and created once per process), one
//! run at a time per server.

mod common;

use std::time::Duration;

use common::credentials;

use voltdb::{
    Decimal, Error, FastSerializer, Geography, GeographyPoint, LoginError, Status, Timestamp,
    Value, VoltProcedure, VoltType,
};

const SCHEMA: &str = include_str!("schema/real_server.sql");

/// How long any call may take before the test fails instead of hanging.
const CALL_TIMEOUT: Duration = Duration::from_secs(60);

/// `VOLTDB_HOST` (`host` or `host:port`, the port otherwise from
/// `VOLTDB_PORT`, default 21212); panics when it is not set.
fn server() -> (String, u16) {
    let host = std::env::var("VOLTDB_HOST")
        .expect("VOLTDB_HOST is not set: it must name the server (host or host:port)");
    let port = std::env::var("VOLTDB_PORT")
        .map(|p| p.parse().expect("VOLTDB_PORT must be a port number"))
        .unwrap_or(21212);
    // "host" or "host:port" (IPv6 hosts in brackets when a port follows).
    match host.rsplit_once(':') {
        Some((h, p)) if !h.contains(':') || h.starts_with('[') => (
            h.trim_matches(|c| c == '[' || c == ']').to_string(),
            p.parse().expect("VOLTDB_HOST: host or host:port"),
        ),
        _ => (
            host.trim_matches(|c| c == '[' || c == ']').to_string(),
            port,
        ),
    }
}

fn connect() -> FastSerializer {
    let (host, port) = server();
    let mut b = FastSerializer::builder(&host, port).procedure_timeout(CALL_TIMEOUT);
    if let Some((u, p)) = credentials() {
        b = b.username(u).password(p);
    }
    b.connect().expect("connect to VOLTDB_HOST")
}

/// Drops and recreates the test schema (once per process).
fn schema(fser: &FastSerializer) {
    static ONCE: std::sync::Mutex<bool> = std::sync::Mutex::new(false);
    let mut done = ONCE.lock().unwrap_or_else(|e| e.into_inner());
    if *done {
        return;
    }
    for drop in [
        "DROP PROCEDURE RustAllTypesInsert IF EXISTS;",
        "DROP PROCEDURE RustAllTypesSelect IF EXISTS;",
        "DROP TABLE RUST_ALL_TYPES IF EXISTS;",
    ] {
        let r = fser.adhoc(drop, &[]).expect("drop");
        assert_eq!(r.status, Status::Success, "{r}");
    }
    let statements: String = SCHEMA
        .lines()
        .filter(|l| !l.trim_start().starts_with("--"))
        .collect::<Vec<_>>()
        .join("\n");
    let r = fser.adhoc(&statements, &[]).expect("create schema");
    assert_eq!(r.status, Status::Success, "{r}");
    *done = true;
}

fn insert_types() -> Vec<VoltType> {
    use VoltType::*;
    vec![
        BigInt,
        TinyInt,
        SmallInt,
        Integer,
        BigInt,
        Float,
        Decimal,
        String,
        Varbinary,
        Timestamp,
        GeographyPoint,
        Geography,
    ]
}

fn row(id: i64, values: Vec<Value>) -> Vec<Value> {
    let mut v = vec![Value::BigInt(id)];
    v.extend(values);
    v
}

#[test]
#[ignore = "needs VOLTDB_HOST"]
fn every_column_type_round_trips() {
    let fser = connect();
    schema(&fser);
    let insert = VoltProcedure::new(&fser, "RustAllTypesInsert", insert_types());
    let select = VoltProcedure::new(&fser, "RustAllTypesSelect", vec![VoltType::BigInt]);
    let poly: Geography =
        "POLYGON((-122.5 37.5, -122.0 37.5, -122.0 38.0, -122.5 38.0, -122.5 37.5), (-122.4 37.6, -122.4 37.9, -122.1 37.9, -122.1 37.6, -122.4 37.6))"
            .parse()
            .unwrap();
    let cases: Vec<Vec<Value>> = vec![
        row(
            1,
            vec![
                Value::TinyInt(127),
                Value::SmallInt(32767),
                Value::Integer(i32::MAX),
                Value::BigInt(i64::MAX),
                Value::Float(f64::MAX),
                Value::Decimal("99999999999999999999999999.999999999999".parse().unwrap()),
                Value::from("aé☃日".repeat(64)),
                Value::Varbinary((0..=255).collect()),
                Value::Timestamp(Timestamp::SQL_MAX),
                Value::GeographyPoint(GeographyPoint::new(180.0, 90.0)),
                Value::Geography(poly.clone()),
            ],
        ),
        row(
            2,
            vec![
                Value::TinyInt(-127),
                Value::SmallInt(-32767),
                Value::Integer(i32::MIN + 1),
                Value::BigInt(i64::MIN + 1),
                Value::Float(-f64::MAX),
                Value::Decimal("-99999999999999999999999999.999999999999".parse().unwrap()),
                Value::from(""),
                Value::Varbinary(vec![]),
                Value::Timestamp(Timestamp::SQL_MIN),
                Value::GeographyPoint(GeographyPoint::new(-180.0, -90.0)),
                Value::Geography(poly),
            ],
        ),
        row(3, vec![Value::Null; 11]),
        row(
            4,
            vec![
                Value::TinyInt(0),
                Value::SmallInt(-1),
                Value::Integer(123456789),
                Value::BigInt(5551234567),
                Value::Float(f64::NAN),
                Value::Decimal(Decimal::from_unscaled(1).unwrap()),
                Value::from("a\u{0}b"),
                Value::Varbinary(vec![0]),
                Value::Timestamp(Timestamp::from_micros(-500_000)),
                Value::GeographyPoint(GeographyPoint::new(-122.4194, 37.7749)),
                Value::Geography("POLYGON((0 0, 1 0, 0 1, 0 0))".parse().unwrap()),
            ],
        ),
    ];
    for values in &cases {
        let r = insert.call(values, true, None).unwrap().unwrap();
        assert_eq!(r.status, Status::Success, "{r}");
        assert_eq!(r.tables[0].scalar::<i64>().unwrap(), 1);
    }
    for values in &cases {
        let r = select.call(&values[..1], true, None).unwrap().unwrap();
        assert_eq!(r.status, Status::Success, "{r}");
        let t = &r.tables[0];
        assert_eq!(t.row_count(), 1);
        let got = t.row(0).unwrap().values().unwrap();
        for (c, (want, have)) in values.iter().zip(&got).enumerate() {
            let ty = t.columns()[c].ty;
            match (want, have) {
                (Value::Null, h) => assert!(h.is_null(), "column {c}: {h:?}"),
                (Value::Float(w), Value::Float(h)) if w.is_nan() => assert!(h.is_nan()),
                (Value::Geography(w), Value::Geography(h)) => {
                    let (wr, hr) = (w.rings(), h.rings());
                    assert_eq!(wr.len(), hr.len(), "column {c}: rings");
                    for (w, h) in wr.iter().zip(hr) {
                        assert_eq!(w.len(), h.len(), "column {c}: points in a ring");
                        for (a, b) in w.iter().zip(h) {
                            assert!(
                                (a.lng - b.lng).abs() < 1e-9 && (a.lat - b.lat).abs() < 1e-9,
                                "column {c}: {a:?} != {b:?}"
                            );
                        }
                    }
                }
                (w, h) => assert_eq!(&coerce(w, ty), h, "column {c}"),
            }
        }
    }
}

/// The value as the server returns it for a column of type `ty`.
fn coerce(v: &Value, ty: VoltType) -> Value {
    let mut buf = Vec::new();
    voltdb::wire::value::write_value(&mut buf, ty, v).unwrap();
    let mut r = voltdb::wire::Reader::new(&buf);
    voltdb::wire::value::read_value(&mut r, ty)
        .unwrap()
        .to_value()
        .unwrap()
}

#[test]
#[ignore = "needs VOLTDB_HOST"]
fn multi_table_response() {
    let fser = connect();
    schema(&fser);
    // Predicates that the other tests, running meanwhile, cannot change.
    let r = fser
        .adhoc(
            "SELECT COUNT(*) AS N FROM RUST_ALL_TYPES WHERE ID = -1; \
             SELECT ID AS ONE FROM RUST_ALL_TYPES WHERE ID = -1;",
            &[],
        )
        .unwrap();
    assert_eq!(r.status, Status::Success, "{r}");
    assert_eq!(r.tables.len(), 2, "{r}");
    let (n, one) = (&r.tables[0], &r.tables[1]);
    assert_eq!(n.columns()[0].name, "N");
    assert_eq!(n.columns()[0].ty, VoltType::BigInt);
    assert_eq!(n.row_count(), 1);
    assert_eq!(n.scalar::<i64>().unwrap(), 0);
    assert_eq!(one.columns()[0].name, "ONE");
    assert_eq!(one.columns()[0].ty, VoltType::BigInt);
    assert_eq!(one.row_count(), 0);
}

#[test]
#[ignore = "needs VOLTDB_HOST"]
fn constraint_violation_is_a_graceful_failure() {
    let fser = connect();
    schema(&fser);
    let insert = VoltProcedure::new(&fser, "RustAllTypesInsert", insert_types());
    let mut values = row(100, vec![Value::Null; 11]);
    // The schema is new in this process: the first insert goes in.
    let first = insert.call(&values, true, None).unwrap().unwrap();
    assert_eq!(first.status, Status::Success, "{first}");
    assert_eq!(first.tables[0].scalar::<i64>().unwrap(), 1);
    values[1] = Value::TinyInt(1);
    let r = insert.call(&values, true, None).unwrap().unwrap();
    assert_eq!(r.status, Status::GracefulFailure, "{r}");
    let msg = r.status_string.unwrap_or_default();
    assert!(msg.contains("CONSTRAINT VIOLATION"), "{msg}");
}

#[test]
#[ignore = "needs VOLTDB_HOST"]
fn unknown_procedure() {
    let fser = connect();
    let err = fser.call("NoSuchProcRust", &[]).unwrap_err();
    let voltdb::Error::Server { response: r, .. } = err else {
        panic!("{err:?}")
    };
    assert_eq!(r.status, Status::UnexpectedFailure);
    assert_eq!(
        r.status_string.as_deref(),
        Some("Procedure NoSuchProcRust was not found")
    );
    assert!(r.tables.is_empty());
    // The connection stays usable.
    assert_eq!(fser.call("@Ping", &[]).unwrap().status, Status::Success);
}

/// With security on (`VOLTDB_USER` set) a wrong password is refused; with
/// it off, the server accepts any user name and password (docs/protocol.md#login).
#[test]
#[ignore = "needs VOLTDB_HOST"]
fn wrong_password_is_rejected_when_security_is_on() {
    let (host, port) = server();
    let login = |user: String| {
        FastSerializer::builder(&host, port)
            .username(user)
            .password("definitely-not-the-password")
            .procedure_timeout(CALL_TIMEOUT)
            .connect()
    };
    match credentials() {
        Some((user, _)) => {
            let err = login(user).unwrap_err();
            assert!(
                matches!(
                    err,
                    Error::Login {
                        error: LoginError::AuthenticationFailed,
                        ..
                    }
                ),
                "{err:?}"
            );
        }
        None => {
            let fser = login("no-such-user-rust".into())
                .expect("security off (no VOLTDB_USER): any login is accepted");
            assert_eq!(fser.call("@Ping", &[]).unwrap().status, Status::Success);
        }
    }
}

#[test]
#[ignore = "needs VOLTDB_HOST"]
fn thread_safe_client_pipelines_against_the_real_server() {
    let fser = connect();
    schema(&fser);
    let (host, port) = server();
    let mut b = voltdb::client::Client::builder()
        .host(host, port)
        .pool_size(2)
        .call_timeout(CALL_TIMEOUT);
    if let Some((u, p)) = credentials() {
        b = b.username(u).password(p);
    }
    let client = b.build().expect("connect the thread-safe client");
    let types = voltdb::client::CallOptions::new().types(insert_types());
    std::thread::scope(|s| {
        for t in 0..8i64 {
            let (client, types) = (&client, &types);
            s.spawn(move || {
                for i in 0..200i64 {
                    let id = 1_000_000 + t * 10_000 + i;
                    let mut values = row(id, vec![Value::Null; 11]);
                    values[3] = Value::Integer(i as i32);
                    let r = client
                        .call_with("RustAllTypesInsert", &values, types)
                        .unwrap();
                    assert_eq!(r.status, Status::Success, "{r}");
                    assert_eq!(r.tables[0].scalar::<i64>().unwrap(), 1);
                    let r = client
                        .call("RustAllTypesSelect", &[Value::BigInt(id)])
                        .unwrap();
                    assert_eq!(r.status, Status::Success, "{r}");
                    let row = r.tables[0].row(0).unwrap();
                    assert_eq!(row.get::<i64>("ID").unwrap(), id);
                    assert_eq!(row.get::<i32>("T_INTEGER").unwrap(), i as i32);
                }
            });
        }
    });
    let stats = client.stats();
    for procedure in ["RustAllTypesInsert", "RustAllTypesSelect"] {
        let p = &stats.procedures[procedure];
        assert_eq!(
            (p.calls, p.successes, p.failures, p.timeouts, p.errors),
            (1_600, 1_600, 0, 0, 0),
            "{procedure}: {stats}"
        );
    }
}
