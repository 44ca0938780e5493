//! The user's-first-hour papercuts (issue 16 docs/protocol.md#responses): short calls, conversions,
//! `scalar` on an empty result, timeouts, one `CallOptions`, the client's
//! traffic dump.
//!
//! Run with `cargo test --features test-server --test papercuts`.

#![cfg(feature = "test-server")]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use voltdb::client::{CallOptions, ClientConfig, DEFAULT_CALL_TIMEOUT};
use voltdb::error::ConversionError;
use voltdb::testing::{ProcReply, TestServer};
use voltdb::{
    Error, FastSerializer, Status, Value, VoltColumn, VoltProcedure, VoltTable, VoltType,
};

#[test]
fn scalar_of_an_empty_result_is_none_for_option() {
    let empty = VoltTable::builder(vec![VoltColumn::new("N", VoltType::BigInt)]).build();
    assert_eq!(empty.scalar::<Option<i64>>().unwrap(), None);
    assert_eq!(empty.scalar::<Option<String>>().unwrap(), None);
    // A type without NULL still says there is no row.
    let err = empty.scalar::<i64>().unwrap_err();
    assert!(
        matches!(
            err,
            Error::Conversion(ConversionError::RowIndex { index: 0, count: 0 })
        ),
        "{err:?}"
    );
    // With a row, NULL and a value read as before.
    let mut b = VoltTable::builder(vec![VoltColumn::new("N", VoltType::BigInt)]);
    b.add_row(&[Value::Null]).unwrap();
    assert_eq!(b.build().scalar::<Option<i64>>().unwrap(), None);
    let mut b = VoltTable::builder(vec![VoltColumn::new("N", VoltType::BigInt)]);
    b.add_row(&[Value::from(5u8)]).unwrap();
    assert_eq!(b.build().scalar::<Option<i64>>().unwrap(), Some(5));
}

#[test]
fn volt_procedure_invoke_returns_the_response_or_the_server_error() {
    let server = TestServer::start().unwrap();
    server.register("Echo2", |_ctx, params| {
        let mut b = VoltTable::builder(vec![VoltColumn::new("V", VoltType::BigInt)]);
        b.add_row(&[params[0].clone()]).unwrap();
        Ok(ProcReply::table(b.build()))
    });
    let fser = FastSerializer::new("127.0.0.1", server.port()).unwrap();
    let echo = VoltProcedure::new(&fser, "Echo2", vec![VoltType::BigInt]);
    let r = echo.invoke(&[Value::from(7u32)]).unwrap();
    assert_eq!(r.tables[0].scalar::<i64>().unwrap(), 7);

    // A failure status: Err(Server) from invoke, a response from call.
    let missing = VoltProcedure::new(&fser, "NoSuchProc", vec![]);
    let err = missing.invoke(&[]).unwrap_err();
    assert!(
        matches!(
            &err,
            Error::Server {
                status: Status::UnexpectedFailure,
                ..
            }
        ),
        "{err:?}"
    );
    let r = missing.call(&[], true, None).unwrap().unwrap();
    assert_eq!(r.status, Status::UnexpectedFailure);
    // Parameters are still checked before anything is sent.
    assert!(matches!(echo.invoke(&[]), Err(Error::Encode(_))));
}

#[test]
fn fast_serializer_times_out_by_default_like_the_client() {
    assert_eq!(ClientConfig::default().call_timeout, DEFAULT_CALL_TIMEOUT);
    let server = TestServer::start().unwrap();
    let fser = FastSerializer::new("127.0.0.1", server.port()).unwrap();
    assert_eq!(fser.procedure_timeout(), Some(DEFAULT_CALL_TIMEOUT));
    let forever = FastSerializer::builder("127.0.0.1", server.port())
        .no_procedure_timeout()
        .connect()
        .unwrap();
    assert_eq!(forever.procedure_timeout(), None);
    // A timeout too long for the clock waits, rather than panicking.
    let long = CallOptions::new().timeout(Duration::MAX);
    assert!(fser.call_with("@Ping", &[], &long).is_ok());
}

/// What a test-server procedure saw: version, batch timeout, priority, params.
type Seen = Arc<Mutex<Vec<(u8, Option<i32>, Option<u8>, Vec<Value>)>>>;

fn recording_server() -> (TestServer, Seen) {
    let server = TestServer::start().unwrap();
    let seen: Seen = Arc::default();
    let seen2 = seen.clone();
    server.register("Opts", move |ctx, params| {
        seen2.lock().unwrap().push((
            ctx.version,
            ctx.options.batch_timeout_ms,
            ctx.options.priority,
            params.to_vec(),
        ));
        Ok(ProcReply::new())
    });
    (server, seen)
}

#[test]
fn one_call_options_for_both_clients() {
    let (server, seen) = recording_server();
    let opts = CallOptions::new()
        .timeout(Duration::from_secs(3))
        .query_timeout(Duration::from_micros(10))
        .priority(2)
        .types(vec![VoltType::SmallInt]);
    let fser = FastSerializer::new("127.0.0.1", server.port()).unwrap();
    fser.call_with("Opts", &[Value::from(5i64)], &opts).unwrap();
    VoltProcedure::new(&fser, "Opts", vec![VoltType::Integer])
        .with_options(opts.clone())
        .invoke(&[Value::from(6i64)])
        .unwrap();
    let client = voltdb::Client::builder()
        .host("127.0.0.1", server.port())
        .build()
        .unwrap();
    client
        .call_with("Opts", &[Value::from(8i64)], &opts)
        .unwrap();
    let seen = seen.lock().unwrap();
    // A query timeout under 1 ms is sent as 1 ms, not 0 ("no timeout").
    assert_eq!(seen[0], (2, Some(1), Some(2), vec![Value::SmallInt(5)]));
    assert_eq!(seen[1], (2, Some(1), Some(2), vec![Value::Integer(6)]));
    assert_eq!(seen[2], (2, Some(1), Some(2), vec![Value::SmallInt(8)]));
    drop(seen);

    // adhoc_with: the declared types are those of the `?` parameters.
    let err = fser
        .adhoc_with(
            "SELECT 1",
            &[Value::from(300i64)],
            &CallOptions::new().types(vec![VoltType::TinyInt]),
        )
        .unwrap_err();
    assert!(matches!(err, Error::Encode(_)), "{err:?}");
    // A failure status is an error from call_with.
    let err = fser
        .call_with("NoSuchProc", &[], &CallOptions::new())
        .unwrap_err();
    assert!(matches!(err, Error::Server { .. }), "{err:?}");
}

/// The messages of a dump file: each is a frame (length-prefixed) followed
/// by a newline.
fn dump_messages(bytes: &[u8]) -> Vec<&[u8]> {
    let mut out = Vec::new();
    let mut rest = bytes;
    while rest.len() >= 4 {
        let len = 4 + u32::from_be_bytes([rest[0], rest[1], rest[2], rest[3]]) as usize;
        assert_eq!(rest[len], b'\n', "each message ends with a newline");
        out.push(&rest[..len]);
        rest = &rest[len + 1..];
    }
    assert!(rest.is_empty(), "trailing bytes in the dump");
    out
}

#[test]
fn client_dumps_each_connection_with_the_digest_redacted() {
    let server = TestServer::start().unwrap();
    server.register("Echo2", |_ctx, params| {
        let mut b = VoltTable::builder(vec![VoltColumn::new("V", VoltType::String)]);
        b.add_row(&[params[0].clone()]).unwrap();
        Ok(ProcReply::table(b.build()))
    });
    let dir = std::env::temp_dir().join(format!("voltdb-client-dump-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for keep in [false, true] {
        let path = dir.join(format!("client-{keep}.dump"));
        let client = voltdb::Client::builder()
            .host("127.0.0.1", server.port())
            .pool_size(2)
            .keepalive_interval(None)
            .username("user")
            .password("secret")
            .dump_file(&path)
            .dump_password_digest(keep)
            .build()
            .unwrap();
        assert_eq!(client.config().dump_file.as_deref(), Some(path.as_path()));
        for _ in 0..2 {
            let r = client.call("Echo2", &[Value::from("dump-marker")]).unwrap();
            assert_eq!(r.tables[0].scalar::<String>().unwrap(), "dump-marker");
        }
        client.close();
        let mut calls = 0;
        for n in 0..2 {
            let file = std::fs::read(format!("{}.{n}", path.display())).unwrap();
            let messages = dump_messages(&file);
            // The login request and its response come first.
            let login = messages[0];
            let digest = &login[login.len() - 32..];
            assert_eq!(
                digest.iter().all(|b| *b == 0),
                !keep,
                "keep={keep}: {digest:?}"
            );
            assert!(login.windows(4).any(|w| w == b"user"));
            assert!(messages.len() >= 2);
            // Each call: the invocation sent, then its response.
            let has = |m: &[u8], s: &[u8]| m.windows(s.len()).any(|w| w == s);
            for (i, m) in messages.iter().enumerate().skip(2) {
                if has(m, b"Echo2") {
                    calls += 1;
                    assert!(has(m, b"dump-marker"));
                    let reply = messages.get(i + 1).expect("the reply follows its call");
                    assert!(has(reply, b"dump-marker") && !has(reply, b"Echo2"));
                }
            }
        }
        assert_eq!(calls, 2, "keep={keep}: both calls recorded");
    }
    // A dump file that cannot be created fails the build, naming the file.
    let err = voltdb::Client::builder()
        .host("127.0.0.1", server.port())
        .dump_file(dir.join("no-such-dir").join("d"))
        .build()
        .unwrap_err();
    assert!(err.to_string().contains("no-such-dir"), "{err}");
    std::fs::remove_dir_all(&dir).ok();
}
