//! Errors a user meets in the first hour, and what they say: a call the
//! server rejects is an `Err` from every Rust-native call; connect, login,
//! encode and conversion errors name where they happened.
//!
//! Run with `cargo test --features test-server --test errors`.
#![cfg(feature = "test-server")]

use std::io::{Read, Write};
use std::net::TcpListener;
use std::time::{Duration, Instant};

use voltdb::client::{CallOptions, Client};
use voltdb::testing::{ProcError, Procedure, TestServer};
use voltdb::{
    ConversionError, EncodeError, Error, FastSerializer, ForeignAnswer, LoginError, ProtocolError,
    Status, Value, VoltProcedure, VoltResponse, VoltType,
};

const NOT_FOUND: &str = "Procedure NoSuchProc was not found";
const WRONG_COUNT: &str = "VOLTDB ERROR: PROCEDURE Select EXPECTS 1 PARAMS, BUT RECEIVED 2";

/// A test server with `Two` (partitioned on an INTEGER, two parameters)
/// and `Abort` (a user abort with an app status).
fn server() -> TestServer {
    TestServer::builder()
        .add_procedure(
            Procedure::new("Two", |_, _| Ok(voltdb::testing::ProcReply::new()))
                .params(2)
                .partitioned(0, VoltType::Integer),
        )
        .procedure("Abort", |_, _| {
            Err(ProcError::user_abort("no")
                .with_app_status(7)
                .with_app_status_string("custom"))
        })
        .start()
        .unwrap()
}

/// Asserts `r` is `Error::Server` with this status and message, and that
/// the response inside agrees.
#[track_caller]
fn assert_server_error(r: voltdb::Result<VoltResponse>, want: Status, text: &str) {
    match r {
        Err(Error::Server {
            status,
            message,
            app_status,
            app_status_string,
            response,
        }) => {
            assert_eq!(status, want);
            assert_eq!(message, text);
            assert_eq!(response.status, want);
            assert_eq!(response.status_string.as_deref(), Some(text));
            assert_eq!(response.app_status, app_status);
            assert_eq!(response.app_status_string, app_status_string);
        }
        other => panic!("expected Error::Server({want}, {text:?}), got {other:?}"),
    }
}

fn client(server: &TestServer) -> Client {
    Client::builder()
        .host("127.0.0.1", server.port())
        .keepalive_interval(None)
        .build()
        .unwrap()
}

#[test]
fn fast_serializer_calls_return_server_errors() {
    let server = server();
    let f = FastSerializer::new("127.0.0.1", server.port()).unwrap();
    assert_server_error(
        f.call("NoSuchProc", &[]),
        Status::UnexpectedFailure,
        NOT_FOUND,
    );
    let two = [Value::from("a"), Value::from("b")];
    assert_server_error(f.call("Select", &two), Status::GracefulFailure, WRONG_COUNT);
    let types = [VoltType::String, VoltType::String];
    assert_server_error(
        f.call_with("Select", &two, &CallOptions::new().types(types.to_vec())),
        Status::GracefulFailure,
        WRONG_COUNT,
    );
    let err = f.adhoc("SELEC 1", &[]).unwrap_err();
    assert!(matches!(err, Error::Server { .. }), "{err:?}");
    // The connection stays usable, and success is still Ok.
    assert!(f.call("@Ping", &[]).unwrap().is_success());
}

#[test]
fn server_errors_carry_the_app_status_and_say_it() {
    let server = server();
    let f = FastSerializer::new("127.0.0.1", server.port()).unwrap();
    let err = f.call("Abort", &[]).unwrap_err();
    assert_eq!(
        err.to_string(),
        "server returned USER_ABORT (-1): no; app status 7: custom"
    );
    let Error::Server {
        app_status,
        app_status_string,
        ..
    } = &err
    else {
        panic!("{err:?}")
    };
    assert_eq!(
        (*app_status, app_status_string.as_deref()),
        (Some(7), Some("custom"))
    );
    let err = f.call("NoSuchProc", &[]).unwrap_err();
    assert_eq!(
        err.to_string(),
        "server returned UNEXPECTED_FAILURE (-3): Procedure NoSuchProc was not found"
    );
}

#[test]
fn volt_procedure_keeps_the_python_contract() {
    let server = server();
    let f = FastSerializer::new("127.0.0.1", server.port()).unwrap();
    let p = VoltProcedure::new(&f, "NoSuchProc", vec![]);
    let r = p.call(&[], true, None).unwrap().unwrap();
    assert_eq!(r.status, Status::UnexpectedFailure);
    assert_eq!(r.status_string.as_deref(), Some(NOT_FOUND));
    // ... and ok() gives the same error as the Rust-native calls.
    assert_server_error(r.ok(), Status::UnexpectedFailure, NOT_FOUND);
}

#[test]
fn client_calls_return_server_errors() {
    let server = server();
    let c = client(&server);
    assert_server_error(
        c.call("NoSuchProc", &[]),
        Status::UnexpectedFailure,
        NOT_FOUND,
    );
    let two = [Value::from("a"), Value::from("b")];
    assert_server_error(c.call("Select", &two), Status::GracefulFailure, WRONG_COUNT);
    let opts = CallOptions::new().types(vec![VoltType::String, VoltType::String]);
    assert_server_error(
        c.call_with("Select", &two, &opts),
        Status::GracefulFailure,
        WRONG_COUNT,
    );
    assert!(matches!(c.adhoc("SELEC 1", &[]), Err(Error::Server { .. })));
    assert!(c.ping().unwrap().is_success());
    // Counted as failures, not errors, in the statistics.
    let stats = c.stats();
    assert_eq!(stats.procedures["NoSuchProc"].failures, 1, "{stats}");
}

#[test]
fn pending_calls_return_server_errors() {
    let server = server();
    let c = client(&server);
    let missing = c.call_async("NoSuchProc", &[]).unwrap();
    let wrong = c
        .call_async("Select", &[Value::from("a"), Value::from("b")])
        .unwrap();
    let fine = c.call_async("@Ping", &[]).unwrap();
    assert_server_error(missing.wait(), Status::UnexpectedFailure, NOT_FOUND);
    assert_server_error(wrong.wait(), Status::GracefulFailure, WRONG_COUNT);
    assert!(fine.wait().unwrap().is_success());
}

#[test]
fn each_partition_result_is_a_server_error() {
    let server = server();
    let c = client(&server);
    let results = c
        .call_all_partitions("NoSuchProc", &[], &CallOptions::new())
        .unwrap();
    assert!(!results.is_empty());
    for r in results {
        assert!(!r.is_ok());
        assert_server_error(r.result, Status::UnexpectedFailure, NOT_FOUND);
    }
    // `Two` takes the key and one more parameter: none given.
    let results = c
        .call_all_partitions("Two", &[], &CallOptions::new())
        .unwrap();
    assert!(!results.is_empty());
    for r in results {
        assert_server_error(
            r.result,
            Status::GracefulFailure,
            "VOLTDB ERROR: PROCEDURE Two EXPECTS 2 PARAMS, BUT RECEIVED 1",
        );
    }
    let results = c
        .call_all_partitions("Two", &[Value::from(1)], &CallOptions::new())
        .unwrap();
    assert!(results.iter().all(|r| r.is_ok()), "{results:?}");
}

// ----- errors say where: connect and login -----

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A listener on loopback that answers every connection with `reply` as
/// soon as the first bytes arrive (nothing at all when `reply` is empty),
/// then keeps the connection open for a few seconds.
fn peer(reply: &'static [u8]) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            std::thread::spawn(move || {
                let mut buf = [0u8; 256];
                let _ = stream.read(&mut buf);
                let _ = stream.write_all(reply);
                std::thread::sleep(Duration::from_secs(5));
            });
        }
    });
    port
}

#[test]
fn connection_refused_names_host_and_port() {
    let port = free_port();
    let err = FastSerializer::new("127.0.0.1", port).unwrap_err();
    let Error::Io(e) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(e.kind(), std::io::ErrorKind::ConnectionRefused);
    let text = err.to_string();
    assert!(
        text.starts_with(&format!("I/O error: cannot connect to 127.0.0.1:{port}: ")),
        "{text}"
    );
    let err = Client::connection("127.0.0.1", port).unwrap_err();
    assert!(
        err.to_string().contains(&format!("127.0.0.1:{port}")),
        "{err}"
    );
    // The host may carry its own port, as for the Client.
    let err = FastSerializer::new(&format!("127.0.0.1:{port}"), 21212).unwrap_err();
    assert!(
        err.to_string().contains(&format!("127.0.0.1:{port}")),
        "{err}"
    );
}

#[test]
fn unknown_host_names_host_and_port() {
    let err = FastSerializer::new("no-such-host.invalid", 21212).unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("cannot resolve no-such-host.invalid:21212: "),
        "{text}"
    );
}

#[test]
fn login_refused_and_timed_out_name_host_and_port() {
    let server = TestServer::builder().user("admin", "pw").start().unwrap();
    let err = FastSerializer::builder("127.0.0.1", server.port())
        .username("admin")
        .password("wrong")
        .connect()
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "login to 127.0.0.1:{} failed: Authentication failed.",
            server.port()
        )
    );
    let Error::Login { server: at, error } = &err else {
        panic!("{err:?}")
    };
    assert_eq!(
        (at.as_str(), *error),
        (
            format!("127.0.0.1:{}", server.port()).as_str(),
            LoginError::AuthenticationFailed
        )
    );

    let silent = peer(b"");
    let t = Instant::now();
    let err = FastSerializer::builder("127.0.0.1", silent)
        .connect_timeout(Duration::from_millis(300))
        .connect()
        .unwrap_err();
    assert!(t.elapsed() < Duration::from_secs(3), "{:?}", t.elapsed());
    assert!(
        matches!(
            &err,
            Error::Login { error: LoginError::TimedOut(_), server } if *server == format!("127.0.0.1:{silent}")
        ),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        format!("login to 127.0.0.1:{silent} failed: Authentication timed out after 300ms.")
    );
}

/// Connects with the default 8 s login timeout and checks that the answer
/// is recognised within a second.
#[track_caller]
fn foreign(reply: &'static [u8]) -> (Error, u16) {
    let port = peer(reply);
    let t = Instant::now();
    let err = FastSerializer::new("127.0.0.1", port).unwrap_err();
    assert!(
        t.elapsed() < Duration::from_secs(1),
        "took {:?}: {err}",
        t.elapsed()
    );
    (err, port)
}

#[test]
fn an_http_server_is_recognised_at_once() {
    let (err, port) = foreign(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n");
    assert!(
        matches!(
            &err,
            Error::NotVoltDb {
                answer: ForeignAnswer::Http,
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        format!("127.0.0.1:{port} is not a VoltDB client port: it answered like an HTTP server")
    );
    // The Client says the same.
    let err = Client::builder()
        .host("127.0.0.1", port)
        .reconnect(false)
        .build()
        .unwrap_err();
    assert!(
        err.to_string()
            .contains(&format!("127.0.0.1:{port} is not a VoltDB client port")),
        "{err}"
    );
}

#[test]
fn a_tls_port_is_recognised_at_once() {
    // A fatal TLS alert (decode_error), as a TLS server answers bytes that
    // are not a ClientHello.
    let (err, port) = foreign(&[0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x32]);
    assert!(
        matches!(
            &err,
            Error::NotVoltDb {
                answer: ForeignAnswer::Tls,
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        format!("127.0.0.1:{port} expects TLS: it answered the plain-text login with a TLS record")
    );
}

#[test]
fn other_garbage_is_a_bad_frame_length_naming_the_server() {
    let (err, port) = foreign(b"\x7f\xff\xff\xffjunk");
    assert!(
        matches!(
            &err,
            Error::NotVoltDb {
                answer: ForeignAnswer::Garbage(ProtocolError::BadFrameLength { .. }),
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        format!(
            "127.0.0.1:{port} is not a VoltDB client port: bad frame length 2147483647 (allowed 1..=52428800)"
        )
    );
}

// ----- errors say where: encoding parameters -----

#[test]
fn encode_errors_name_procedure_parameter_and_declared_type() {
    let server = server();
    let f = FastSerializer::new("127.0.0.1", server.port()).unwrap();
    let c = client(&server);
    let params = [
        Value::from(1),
        Value::from("a"),
        Value::BigInt(5_000_000_000),
    ];
    let types = vec![VoltType::Integer, VoltType::String, VoltType::Integer];
    let want = "cannot encode: parameter 2 of procedure X (declared INTEGER): 5000000000 is out \
                of range for INTEGER (allowed -2147483647..=2147483647)";
    let opts = CallOptions::new().types(types.clone());
    let from_client = c.call_with("X", &params, &opts).unwrap_err();
    let from_invoke = f.call_with("X", &params, &opts).unwrap_err();
    let from_proc = VoltProcedure::new(&f, "X", types)
        .call(&params, true, None)
        .unwrap_err();
    for err in [from_client, from_invoke, from_proc] {
        assert_eq!(err.to_string(), want);
        let Error::Encode(e) = &err else {
            panic!("{err:?}")
        };
        assert!(
            matches!(e, EncodeError::Param { index: 2, declared: Some(VoltType::Integer), procedure, .. } if procedure == "X"),
            "{e:?}"
        );
        assert!(
            matches!(e.problem(), EncodeError::OutOfRange { .. }),
            "{e:?}"
        );
    }

    let long = Value::from("x".repeat(2 * 1024 * 1024));
    let err = VoltProcedure::new(&f, "X", vec![VoltType::String])
        .call(std::slice::from_ref(&long), true, None)
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "cannot encode: parameter 0 of procedure X (declared STRING): string is 2097152 bytes \
         long; the maximum is 1048576 bytes"
    );
    let err = c.call("X", &[Value::from(1), long]).unwrap_err();
    assert_eq!(
        err.to_string(),
        "cannot encode: parameter 1 of procedure X (no declared type): string is 2097152 bytes \
         long; the maximum is 1048576 bytes"
    );
    let err = f
        .call_with(
            "X",
            &[Value::from("a")],
            &CallOptions::new().types(vec![VoltType::Integer]),
        )
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "cannot encode: parameter 0 of procedure X (declared INTEGER): a string value cannot be \
         sent as INTEGER"
    );
    assert_eq!(server.calls(), 0, "nothing was sent");
}

// ----- errors say where: reading cells -----

#[test]
fn conversion_errors_name_the_column() {
    let server = server();
    let c = client(&server);
    c.call("Put", &[Value::from("k"), Value::from(&b"v"[..])])
        .unwrap();
    let r = c.call("Get", &[Value::from("k")]).unwrap();
    let row = r.tables[0].row(0).unwrap();
    let err = row.get::<i32>("VALUE").unwrap_err();
    assert_eq!(
        err.to_string(),
        "column VALUE (index 1) has type VARBINARY, which cannot be read as i32"
    );
    assert!(
        matches!(
            err.problem(),
            ConversionError::WrongType {
                column: 1,
                ty: VoltType::Varbinary,
                ..
            }
        ),
        "{err:?}"
    );
    // Through the crate error too.
    let err: Error = row.get::<i64>("KEY").unwrap_err().into();
    assert_eq!(
        err.to_string(),
        "conversion error: column KEY (index 0) has type STRING, which cannot be read as i64"
    );
    // By index, the index is what the caller gave.
    let err = row.get::<i32>(1).unwrap_err();
    assert_eq!(
        err.to_string(),
        "column 1 has type VARBINARY, which cannot be read as i32"
    );
    let mut b = voltdb::VoltTable::builder(vec![voltdb::VoltColumn::new("N", VoltType::Integer)]);
    b.add_row(&[Value::Null]).unwrap();
    let t = b.build();
    let err = t.row(0).unwrap().get::<i32>("N").unwrap_err();
    assert_eq!(
        err.to_string(),
        "column N (index 0) is NULL; read it as an Option"
    );
    let err = t.row(0).unwrap().get::<String>("N").unwrap_err();
    assert_eq!(
        err.to_string(),
        "column N (index 0) is NULL; read it as an Option"
    );
}

// ----- the error type itself -----

#[test]
fn no_error_prints_its_cause_twice_and_caller_mistakes_are_not_io() {
    let server = server();
    let c = client(&server);
    let f = FastSerializer::new("127.0.0.1", server.port()).unwrap();
    let errors = [
        FastSerializer::new("127.0.0.1", free_port()).unwrap_err(),
        f.call("NoSuchProc", &[]).unwrap_err(),
        c.call_with(
            "X",
            &[Value::BigInt(5_000_000_000)],
            &CallOptions::new().types(vec![VoltType::Integer]),
        )
        .unwrap_err(),
        foreign(b"HTTP/1.1 400 Bad Request\r\n\r\n").0,
        Error::from(
            c.call("Get", &[Value::from("k")]).unwrap().tables[0]
                .row(0)
                .map(|_| ())
                .unwrap_err(),
        ),
    ];
    for err in &errors {
        let text = err.to_string();
        let mut source = std::error::Error::source(err);
        while let Some(s) = source {
            assert!(!text.contains(&s.to_string()), "{text} repeats {s}");
            source = s.source();
        }
    }
    let err = c
        .call_all_partitions("@Ping", &[], &CallOptions::new())
        .unwrap_err();
    assert!(matches!(err, Error::InvalidArgument(_)), "{err:?}");
    let err = Client::lazy_connection_pool(["a:xx"], 1, 1, true).unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid argument: invalid host address \"a:xx\""
    );
}
