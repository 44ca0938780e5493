//! `FastSerializer` and `VoltProcedure` against the in-process test server:
//! the Python API, parameter checks before sending, timeouts, late and
//! unsolicited replies, login failures, the dump file, and the fault matrix
//! (every fault ends the call within its timeout with the right typed error,
//! and leaves the connection either usable or closed; over plain TCP and,
//! with the `tls` feature, over TLS).

#[path = "tls/transport.rs"]
mod transport;

use std::time::{Duration, Instant};

use transport::Transport;
use voltdb::client::CallOptions;
use voltdb::testing::{Fault, TestServer};
use voltdb::{
    Decimal, EncodeError, Error, FastSerializer, Geography, GeographyPoint, HashScheme, LoginError,
    ProtocolError, Status, Timestamp, Value, VoltProcedure, VoltType,
};

const T: Duration = Duration::from_millis(300);

fn connect(server: &TestServer) -> FastSerializer {
    FastSerializer::new("127.0.0.1", server.port()).expect("connect")
}

fn ping(f: &FastSerializer) -> voltdb::Result<Status> {
    f.call_with(
        "@Ping",
        &[],
        &CallOptions::new().timeout(Duration::from_secs(5)),
    )
    .map(|r| r.status)
}

#[test]
fn seed_example_and_display() {
    let server = TestServer::start().unwrap();
    let client = connect(&server);
    assert_eq!(client.host_id(), Some(server.host_id()));
    assert!(client.connection_id().is_some());
    assert!(client.build_string().unwrap().contains("11.4"));
    let insert = VoltProcedure::new(&client, "Insert", vec![VoltType::String; 3]);
    let r = insert
        .call(
            &["Hello".into(), "World".into(), "English".into()],
            true,
            None,
        )
        .unwrap()
        .unwrap();
    assert_eq!(r.status, Status::Success);
    let proc = VoltProcedure::new(&client, "Select", vec![VoltType::String]);
    let response = proc.call(&["English".into()], true, None).unwrap().unwrap();
    assert_eq!(
        response.to_string(),
        "Status: 1\nInformation: None\ncolumn count: 2\nrow count: 1\ncols: (HELLO: 9), (WORLD: 9)\nrows -\n['Hello', 'World']"
    );
    assert!(response.client_round_trip.is_some());
    // response = false still waits for the reply, then returns None.
    assert!(proc
        .call(&["English".into()], false, None)
        .unwrap()
        .is_none());
    client.close();
    assert!(matches!(
        proc.call(&["English".into()], true, None),
        Err(Error::Closed)
    ));
}

#[test]
fn interleaved_procedures_share_one_serializer() {
    let server = TestServer::start().unwrap();
    let f = connect(&server);
    let put = VoltProcedure::new(&f, "Put", vec![VoltType::String, VoltType::Varbinary]);
    let get = VoltProcedure::new(&f, "Get", vec![VoltType::String]);
    for i in 0..50 {
        let key = format!("k{i}");
        put.call(&[key.clone().into(), vec![i as u8; i].into()], true, None)
            .unwrap();
        let r = get.call(&[key.into()], true, None).unwrap().unwrap();
        let v: &[u8] = r.tables[0].row(0).unwrap().get("VALUE").unwrap();
        assert_eq!(v, vec![i as u8; i].as_slice());
    }
}

#[test]
fn every_type_round_trips_through_echo() {
    let server = TestServer::start().unwrap();
    let f = connect(&server);
    let params: Vec<Value> = vec![
        Value::TinyInt(-127),
        Value::SmallInt(32767),
        Value::Integer(-2147483647),
        Value::BigInt(i64::MAX),
        Value::Float(-0.0),
        Value::from("héllo wörld ☃ 日本語"),
        Value::Varbinary(vec![0, 1, 254, 255]),
        Value::Timestamp(Timestamp::from_micros(-500_000)),
        Value::Decimal("-99999999999999999999999999.999999999999".parse().unwrap()),
        Value::GeographyPoint(GeographyPoint::new(-122.4194, 37.7749)),
        Value::Geography(
            "POLYGON((0 0, 10 0, 10 10, 0 10, 0 0), (2 2, 2 4, 4 4, 4 2, 2 2))"
                .parse()
                .unwrap(),
        ),
        Value::TypedNull(VoltType::BigInt),
        Value::TypedNull(VoltType::String),
    ];
    let r = f.call("Echo", &params).unwrap();
    assert_eq!(r.status, Status::Success, "{r}");
    let row = r.tables[0].row(0).unwrap();
    let got = row.values().unwrap();
    assert_eq!(got, params);
    let _: Geography = row.get(10).unwrap();
    let d: Decimal = row.get(8).unwrap();
    assert!(rust_decimal::Decimal::try_from(d).is_err());
    assert_eq!(row.get::<Option<i64>>(11).unwrap(), None);
}

#[test]
fn bad_parameters_are_rejected_before_anything_is_sent() {
    let server = TestServer::start().unwrap();
    let f = connect(&server);
    ping(&f).unwrap();
    let before = server.calls();
    let p = VoltProcedure::new(&f, "Echo", vec![VoltType::TinyInt]);
    type Check = fn(&Error) -> bool;
    let cases: Vec<(Vec<Value>, Check)> = vec![
        (vec![], |e| {
            matches!(e, Error::Encode(EncodeError::ParamCount { .. }))
        }),
        (
            vec![1000.into()],
            |e| matches!(e, Error::Encode(x) if matches!(x.problem(), EncodeError::OutOfRange { .. })),
        ),
        (
            vec![Value::TinyInt(-128)],
            |e| matches!(e, Error::Encode(x) if matches!(x.problem(), EncodeError::NullSentinel(_))),
        ),
        (
            vec!["x".into()],
            |e| matches!(e, Error::Encode(x) if matches!(x.problem(), EncodeError::TypeMismatch { .. })),
        ),
    ];
    for (params, ok) in cases {
        let err = p.call(&params, true, None).unwrap_err();
        assert!(ok(&err), "{err:?}");
    }
    let big = "x".repeat(1024 * 1024 + 1);
    let err = VoltProcedure::new(&f, "Echo", vec![VoltType::String])
        .call(&[big.into()], true, None)
        .unwrap_err();
    assert!(
        matches!(&err, Error::Encode(x) if matches!(x.problem(), EncodeError::TooLong { .. })),
        "{err:?}"
    );
    // Over-scale decimals cannot even be built: the parse is the rejection.
    assert!(matches!(
        "0.0000000000001".parse::<Decimal>(),
        Err(EncodeError::DecimalScale(13))
    ));
    assert_eq!(server.calls(), before, "nothing reached the server");
    assert_eq!(
        ping(&f).unwrap(),
        Status::Success,
        "connection still usable"
    );
}

#[test]
fn timeout_then_late_reply_never_reaches_the_next_call() {
    let server = TestServer::start().unwrap();
    let f = connect(&server);
    server.inject_for("Get", Fault::Delay(Duration::from_millis(400)));
    let get = VoltProcedure::new(&f, "Get", vec![VoltType::String]);
    let t0 = Instant::now();
    let err = get
        .call(&["late".into()], true, Some(Duration::from_millis(100)))
        .unwrap_err();
    assert!(matches!(err, Error::Timeout(_)), "{err:?}");
    assert!(t0.elapsed() < Duration::from_millis(350));
    std::thread::sleep(Duration::from_millis(450)); // the late reply is now in the socket
    let r = f.call("@Ping", &[]).unwrap();
    assert_eq!(r.status, Status::Success);
    assert_eq!(
        r.tables[0].columns()[0].name,
        "STATUS",
        "got the late Get reply"
    );
}

#[test]
fn unsolicited_and_foreign_replies_are_skipped() {
    let server = TestServer::start().unwrap();
    let f = connect(&server);
    server.inject(Fault::UnsolicitedBefore);
    assert_eq!(ping(&f).unwrap(), Status::Success);
    server.inject(Fault::ConnectionIdReply);
    assert!(matches!(
        f.call_with("@Ping", &[], &CallOptions::new().timeout(T)),
        Err(Error::Timeout(_))
    ));
    assert_eq!(ping(&f).unwrap(), Status::Success);
}

#[test]
fn logins() {
    let server = TestServer::builder()
        .user("admin", "adminpw")
        .start()
        .unwrap();
    let ok = FastSerializer::builder("127.0.0.1", server.port())
        .username("admin")
        .password("adminpw")
        .connect()
        .unwrap();
    assert_eq!(ping(&ok).unwrap(), Status::Success);
    let sha1 = FastSerializer::builder("127.0.0.1", server.port())
        .username("admin")
        .password("adminpw")
        .hash_scheme(HashScheme::Sha1)
        .connect()
        .unwrap();
    assert_eq!(ping(&sha1).unwrap(), Status::Success);
    let err = FastSerializer::builder("127.0.0.1", server.port())
        .username("admin")
        .password("wrong")
        .connect()
        .unwrap_err();
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
    assert_eq!(
        err.to_string(),
        format!(
            "login to 127.0.0.1:{} failed: Authentication failed.",
            server.port()
        )
    );

    let limited = TestServer::builder().max_connections(1).start().unwrap();
    let _first = connect(&limited);
    let err = FastSerializer::new("127.0.0.1", limited.port()).unwrap_err();
    assert!(
        matches!(
            err,
            Error::Login {
                error: LoginError::TooManyConnections,
                ..
            }
        ),
        "{err:?}"
    );
}

#[test]
fn nothing_listening_is_a_clear_io_error() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let err = FastSerializer::new("127.0.0.1", port).unwrap_err();
    assert!(
        matches!(&err, Error::Io(e) if e.kind() == std::io::ErrorKind::ConnectionRefused),
        "{err:?}"
    );
    // The message says where: "cannot connect to 127.0.0.1:<port>: …".
    let text = err.to_string();
    assert!(
        text.contains(&format!("cannot connect to 127.0.0.1:{port}: ")),
        "{text}"
    );
}

#[test]
fn host_may_carry_its_port_like_the_client_constructors() {
    let server = TestServer::start().unwrap();
    // The port in the host string wins over the (wrong) port argument.
    let f = FastSerializer::new(&format!("127.0.0.1:{}", server.port()), 1).unwrap();
    assert_eq!(ping(&f).unwrap(), Status::Success);
    let shown = format!("{f:?}");
    assert!(
        shown.contains("\"127.0.0.1\"") && shown.contains(&format!("port: {}", server.port())),
        "{shown}"
    );
    // The test server listens on IPv4 only: "[::1]:port" reaches nothing,
    // and the error names the address as written.
    let err = FastSerializer::builder(&format!("[::1]:{}", server.port()), 1)
        .connect()
        .unwrap_err();
    assert!(
        err.to_string()
            .contains(&format!("cannot connect to [::1]:{}: ", server.port())),
        "{err}"
    );
    let err = FastSerializer::new("127.0.0.1:port", 21212).unwrap_err();
    assert!(err.to_string().contains("\"127.0.0.1:port\""), "{err}");
}

#[test]
fn dump_file_records_traffic_and_redacts_the_password_digest() {
    let server = TestServer::builder().user("u", "secret").start().unwrap();
    let dir = std::env::temp_dir().join(format!("voltdb-dump-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("dump.bin");
    let f = FastSerializer::builder("127.0.0.1", server.port())
        .username("u")
        .password("secret")
        .dump_file(&path)
        .connect()
        .unwrap();
    ping(&f).unwrap();
    f.close();
    let bytes = std::fs::read(&path).unwrap();
    let digest = HashScheme::Sha256.digest("secret");
    assert!(
        !bytes.windows(digest.len()).any(|w| w == digest.as_slice()),
        "digest leaked"
    );
    assert!(bytes.windows(5).any(|w| w == b"@Ping"));
    assert!(bytes.windows(7).any(|w| w == b"SUCCESS"));
    std::fs::remove_dir_all(&dir).ok();
}

/// Asserts the connection is either usable or cleanly closed.
fn usable_or_closed(f: &FastSerializer) {
    match ping(f) {
        Ok(s) => assert_eq!(s, Status::Success),
        Err(Error::Closed) => assert!(!f.is_connected()),
        Err(e) => panic!("half-broken connection: {e:?}"),
    }
}

over_both!(fault_matrix_on: fault_matrix, fault_matrix_over_tls);

fn fault_matrix_on(t: Transport) {
    let server = t.server(TestServer::builder());
    let connect = |server: &TestServer| t.fast(server.port()).connect().expect("connect");
    type Check = fn(&Error) -> bool;
    let cases: Vec<(&str, Fault, Check)> = vec![
        (
            "EOF inside a length prefix",
            Fault::CloseInLengthPrefix,
            |e| matches!(e, Error::ConnectionLost { .. }),
        ),
        (
            "close in the middle of a frame",
            Fault::CloseMidFrame,
            |e| matches!(e, Error::ConnectionLost { .. }),
        ),
        ("stalled server", Fault::NoReply, |e| {
            matches!(e, Error::Timeout(_))
        }),
        ("negative length", Fault::BadLength(-5), |e| {
            matches!(e, Error::Protocol(ProtocolError::BadFrameLength { .. }))
        }),
        ("zero length", Fault::BadLength(0), |e| {
            matches!(e, Error::Protocol(ProtocolError::BadFrameLength { .. }))
        }),
        ("oversized length", Fault::BadLength(i32::MAX), |e| {
            matches!(e, Error::Protocol(ProtocolError::BadFrameLength { .. }))
        }),
        (
            "garbage bytes",
            Fault::Garbage(vec![0, 0, 0, 3, 0xde, 0xad, 0xbe]),
            |e| matches!(e, Error::Protocol(_)),
        ),
        ("unknown handle", Fault::WrongHandle(987_654), |e| {
            matches!(e, Error::Timeout(_))
        }),
        (
            "server closes instead of replying",
            Fault::Disconnect,
            |e| matches!(e, Error::ConnectionLost { .. }),
        ),
    ];
    for (what, fault, check) in cases {
        let f = connect(&server);
        server.inject(fault);
        let t0 = Instant::now();
        let err = f
            .call_with("@Ping", &[], &CallOptions::new().timeout(T))
            .unwrap_err();
        assert!(check(&err), "{what}: {err:?}");
        assert!(
            t0.elapsed() < T + Duration::from_millis(500),
            "{what}: took {:?}",
            t0.elapsed()
        );
        usable_or_closed(&f);
    }

    // A duplicated reply: the copy is discarded, the next call gets its own.
    let f = connect(&server);
    server.inject(Fault::DuplicateReply);
    assert_eq!(ping(&f).unwrap(), Status::Success);
    let r = f.call("Echo", &[Value::from(42i64)]).unwrap();
    assert_eq!(r.tables[0].scalar::<i64>().unwrap(), 42);

    // A slow drip of one byte at a time still completes.
    server.inject(Fault::SlowDrip(Duration::from_millis(2)));
    assert_eq!(ping(&f).unwrap(), Status::Success);
    // ... and past the timeout it is a timeout, with the partial frame kept:
    // the rest of it is discarded as a late reply by the next call.
    server.inject(Fault::SlowDrip(Duration::from_millis(20)));
    let err = f
        .call_with(
            "@Ping",
            &[],
            &CallOptions::new().timeout(Duration::from_millis(200)),
        )
        .unwrap_err();
    assert!(matches!(err, Error::Timeout(_)), "{err:?}");
    let r = f.call("Echo", &[Value::from(7i64)]).unwrap();
    assert_eq!(r.tables[0].scalar::<i64>().unwrap(), 7);
}

over_both!(server_restart_on: server_restart_fails_the_call_then_reconnecting_works, server_restart_over_tls);

fn server_restart_on(t: Transport) {
    let server = t.server(TestServer::builder());
    let connect = |server: &TestServer| t.fast(server.port()).connect().expect("connect");
    let port = server.port();
    let f = connect(&server);
    assert_eq!(ping(&f).unwrap(), Status::Success);
    server.shutdown();
    let err = ping(&f).unwrap_err();
    assert!(
        matches!(err, Error::ConnectionLost { .. } | Error::Closed),
        "{err:?}"
    );
    usable_or_closed(&f);
    let server2 = t.server(TestServer::builder().port(port));
    let g = connect(&server2);
    assert_eq!(ping(&g).unwrap(), Status::Success);
}

/// The body buffer is reused only once its response is gone: responses the
/// caller keeps are never overwritten by later calls.
#[test]
fn kept_responses_are_not_overwritten_by_later_calls() {
    let server = TestServer::start().unwrap();
    let f = connect(&server);
    let echo = |s: &str| f.call("Echo", &[Value::from(s)]).unwrap();
    let kept: Vec<_> = (0..20).map(|i| echo(&format!("kept-{i}"))).collect();
    for i in 0..200 {
        // Dropped at once: the next call may reuse its buffer.
        let r = echo(&format!("gone-{i}-{}", "x".repeat(i % 50)));
        assert_eq!(
            r.tables[0].row(0).unwrap().get::<String>(0).unwrap(),
            format!("gone-{i}-{}", "x".repeat(i % 50))
        );
    }
    for (i, r) in kept.iter().enumerate() {
        assert_eq!(
            r.tables[0].row(0).unwrap().get::<&str>(0).unwrap(),
            format!("kept-{i}")
        );
    }
}
