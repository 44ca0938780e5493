//! Errors a user meets in the first hour, and what they say: a call the
//! server rejects is an `Err` from every Rust-native call; connect, login,
//! encode and conversion errors name where they happened.
//!
//! Run with `cargo test --features test-server --test errors`.
#![cfg(feature = "test-server")]

use voltdb::client::{CallOptions, Client};
use voltdb::testing::{ProcError, Procedure, TestServer};
use voltdb::{Error, FastSerializer, Status, Value, VoltProcedure, VoltResponse, VoltType};

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
        f.invoke("Select", &two, Some(&types), &Default::default(), None),
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
