//! The fault matrix for the thread-safe [`Client`] (FastSerializer's is in
//! `tests/fast_serializer.rs`): against the test server's fault injection,
//! every call ends within its timeout with the right typed error, and the
//! connection is then either usable again (after an automatic reconnect) or
//! closed — never half-broken. Each test runs over plain TCP and (feature
//! `tls`) over TLS.

#[path = "tls/transport.rs"]
mod transport;

use std::time::{Duration, Instant};

use transport::Transport;
use voltdb::client::{CallOptions, Client};
use voltdb::testing::{Fault, TestServer};
use voltdb::{EncodeError, Error, LoginError, Status, Value, VoltType};

const CALL: Duration = Duration::from_millis(400);
/// Slack on top of a call's timeout for thread scheduling on a busy 2-core machine.
const SLACK: Duration = Duration::from_millis(600);

fn client(t: Transport, server: &TestServer) -> Client {
    t.client(server.port())
        .call_timeout(CALL)
        .backoff(Duration::from_millis(20), Duration::from_millis(100), 0.2)
        .build()
        .expect("connect")
}

/// The call after a fault: usable again within a few seconds (reconnected if
/// the fault killed the connection).
fn usable_again(c: &Client) {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        match c.ping() {
            Ok(r) => {
                assert_eq!(r.status, Status::Success);
                return;
            }
            Err(Error::ConnectionError { .. }) if Instant::now() < deadline => {
                std::thread::sleep(Duration::from_millis(20))
            }
            Err(e) => panic!("connection half-broken: {e:?}"),
        }
    }
}

fn timed<T>(f: impl FnOnce() -> T) -> (T, Duration) {
    let t0 = Instant::now();
    let r = f();
    (r, t0.elapsed())
}

over_both!(connection_faults_on: connection_faults, connection_faults_over_tls);

fn connection_faults_on(t: Transport) {
    let server = t.server(TestServer::builder());
    let c = client(t, &server);
    type Check = fn(&Error) -> bool;
    let lost: Check = |e| matches!(e, Error::ConnectionLost { .. });
    let cases: Vec<(&str, Fault, Check)> = vec![
        (
            "EOF inside a length prefix",
            Fault::CloseInLengthPrefix,
            lost,
        ),
        ("close in the middle of a frame", Fault::CloseMidFrame, lost),
        ("server drops the connection", Fault::Disconnect, lost),
        ("negative length", Fault::BadLength(-1), lost),
        ("zero length", Fault::BadLength(0), lost),
        ("oversized length", Fault::BadLength(60 * 1024 * 1024), lost),
        (
            "garbage bytes",
            Fault::Garbage(b"\x00\x00\x00\x05garbage!".to_vec()),
            lost,
        ),
        ("stalled server", Fault::NoReply, |e| {
            matches!(e, Error::Timeout(_))
        }),
        ("unknown handle", Fault::WrongHandle(123_456_789), |e| {
            matches!(e, Error::Timeout(_))
        }),
    ];
    for (what, fault, check) in cases {
        usable_again(&c);
        server.inject(fault);
        let (r, took) = timed(|| c.call("@Ping", &[]));
        let err = r.expect_err(what);
        assert!(check(&err), "{what}: {err:?}");
        assert!(took < CALL + SLACK, "{what}: took {took:?}");
        usable_again(&c);
    }
}

over_both!(replies_that_must_not_reach_another_call_on: replies_that_must_not_reach_another_call, replies_that_must_not_reach_another_call_over_tls);

fn replies_that_must_not_reach_another_call_on(t: Transport) {
    let server = t.server(TestServer::builder());
    let c = client(t, &server);
    // A duplicated reply: the copy is dropped.
    server.inject(Fault::DuplicateReply);
    assert_eq!(
        c.call("Echo", &[Value::from(1i64)]).unwrap().tables[0]
            .scalar::<i64>()
            .unwrap(),
        1
    );
    assert_eq!(
        c.call("Echo", &[Value::from(2i64)]).unwrap().tables[0]
            .scalar::<i64>()
            .unwrap(),
        2
    );
    // Unsolicited notifications between replies are not replies.
    server.inject(Fault::UnsolicitedBefore);
    assert_eq!(
        c.call("Echo", &[Value::from(3i64)]).unwrap().tables[0]
            .scalar::<i64>()
            .unwrap(),
        3
    );
    server.push_unsolicited(voltdb::VoltResponse::new(i64::MAX - 1, Status::Success));
    assert_eq!(
        c.call("Echo", &[Value::from(4i64)]).unwrap().tables[0]
            .scalar::<i64>()
            .unwrap(),
        4
    );
    // A reply that arrives after its call timed out never reaches the next call.
    server.inject_for("Echo", Fault::Delay(Duration::from_millis(600)));
    let err = c
        .call_with(
            "Echo",
            &[Value::from(5i64)],
            &CallOptions::new().timeout(Duration::from_millis(100)),
        )
        .unwrap_err();
    assert!(matches!(err, Error::Timeout(_)), "{err:?}");
    std::thread::sleep(Duration::from_millis(700));
    assert_eq!(
        c.call("Echo", &[Value::from(6i64)]).unwrap().tables[0]
            .scalar::<i64>()
            .unwrap(),
        6
    );
    // A slow drip of one byte at a time completes.
    server.inject(Fault::SlowDrip(Duration::from_millis(2)));
    assert_eq!(c.ping().unwrap().status, Status::Success);
    let stats = c.stats();
    assert!(stats.to_string().contains("Echo"), "{stats}");
}

over_both!(server_restart_on: server_restart, server_restart_over_tls);

fn server_restart_on(t: Transport) {
    let server = t.server(TestServer::builder());
    let port = server.port();
    let c = client(t, &server);
    usable_again(&c);
    server.inject(Fault::NoReply);
    let pending = {
        let c = c.clone();
        std::thread::spawn(move || timed(|| c.call("@Ping", &[])))
    };
    std::thread::sleep(Duration::from_millis(50));
    server.shutdown();
    let (r, took) = pending.join().unwrap();
    assert!(
        matches!(
            r,
            Err(Error::ConnectionLost { .. }) | Err(Error::Timeout(_))
        ),
        "{r:?}"
    );
    assert!(took < CALL + SLACK);
    // While it is down, calls fail fast.
    let (r, took) = timed(|| c.ping());
    assert!(matches!(r, Err(Error::ConnectionError { .. })), "{r:?}");
    assert!(took < Duration::from_millis(100), "{took:?}");
    let _server2 = t.server(TestServer::builder().port(port));
    usable_again(&c);
}

over_both!(login_failures_on: login_failures, login_failures_over_tls);

fn login_failures_on(t: Transport) {
    let secure = t.server(TestServer::builder().user("admin", "adminpw"));
    let err = t
        .client(secure.port())
        .username("admin")
        .password("wrong")
        .build()
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

    let limited = t.server(TestServer::builder().max_connections(1));
    let _first = client(t, &limited);
    let err = t.client(limited.port()).build().unwrap_err();
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

over_both!(bad_parameters_are_rejected_before_sending_and_leave_the_connection_usable_on: bad_parameters_are_rejected_before_sending_and_leave_the_connection_usable, bad_parameters_over_tls);

fn bad_parameters_are_rejected_before_sending_and_leave_the_connection_usable_on(t: Transport) {
    let server = t.server(TestServer::builder());
    let c = client(t, &server);
    usable_again(&c);
    let before = server.calls();
    let typed = |t: VoltType| CallOptions::new().types(vec![t]);
    let cases: Vec<(Value, VoltType)> = vec![
        (Value::BigInt(128), VoltType::TinyInt),
        (Value::BigInt(i64::MIN), VoltType::BigInt),
        (
            Value::Float(f64::from_bits(0xffee_42d1_3077_3b76)),
            VoltType::Float,
        ),
        (Value::from("x".repeat(1024 * 1024 + 1)), VoltType::String),
        (
            Value::Varbinary(vec![0; 1024 * 1024 + 1]),
            VoltType::Varbinary,
        ),
        (Value::from("text"), VoltType::Integer),
    ];
    for (v, t) in cases {
        let err = c.call_with("Echo", &[v], &typed(t)).unwrap_err();
        assert!(matches!(err, Error::Encode(_)), "{err:?}");
    }
    let err = c
        .call_with(
            "Echo",
            &[],
            &CallOptions::new().types(vec![VoltType::Integer]),
        )
        .unwrap_err();
    assert!(
        matches!(err, Error::Encode(EncodeError::ParamCount { .. })),
        "{err:?}"
    );
    assert_eq!(server.calls(), before, "nothing was sent");
    usable_again(&c);
}
