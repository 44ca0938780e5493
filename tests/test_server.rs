//! The in-process test server, driven over raw sockets with the wire codec.
#![cfg(feature = "test-server")]

use std::collections::{BTreeSet, HashMap};
use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use voltdb::client::routing::{HashKey, HashRing, MP_INIT_PID};
use voltdb::client::topology::{leader_host, ProcedureInfo};
use voltdb::testing::{encode_invocation, InvocationOptions};
use voltdb::testing::{
    read_frame, table, Fault, Partitioning, ProcError, ProcReply, Procedure, TestServer,
    DEFAULT_BUILD_STRING,
};
use voltdb::wire::login::{HashScheme, LoginRequest, LoginResponse};
use voltdb::wire::response::{parse_response, ASYNC_PROC_HANDLE, ASYNC_TOPO_HANDLE};
use voltdb::wire::DEFAULT_FRAME_CAP;
use voltdb::{
    Decimal, Geography, GeographyPoint, Status, Timestamp, Value, VoltResponse, VoltTable, VoltType,
};

const WAIT: Duration = Duration::from_secs(5);

// ---------------------------------------------------------------------------
// helpers
// ---------------------------------------------------------------------------

fn connect(server: &TestServer) -> TcpStream {
    let s = TcpStream::connect(server.addr()).unwrap();
    s.set_read_timeout(Some(WAIT)).unwrap();
    s.set_nodelay(true).unwrap();
    s
}

fn send_login(s: &mut TcpStream, req: &LoginRequest) {
    let mut out = Vec::new();
    req.encode(&mut out);
    s.write_all(&out).unwrap();
}

fn login_as(server: &TestServer, req: &LoginRequest) -> (TcpStream, voltdb::Result<LoginResponse>) {
    let mut s = connect(server);
    send_login(&mut s, req);
    let body = read_frame(&mut s).unwrap();
    (s, LoginResponse::parse(&body))
}

fn login(server: &TestServer) -> (TcpStream, LoginResponse) {
    let (s, r) = login_as(server, &LoginRequest::new("", "", HashScheme::Sha256));
    (s, r.unwrap())
}

fn invocation(procedure: &str, handle: i64, opts: &InvocationOptions, params: &[Value]) -> Vec<u8> {
    let mut out = Vec::new();
    encode_invocation(
        &mut out,
        procedure,
        handle,
        opts,
        params,
        None,
        DEFAULT_FRAME_CAP,
    )
    .unwrap();
    out
}

fn send(s: &mut TcpStream, procedure: &str, handle: i64, params: &[Value]) {
    s.write_all(&invocation(
        procedure,
        handle,
        &InvocationOptions::default(),
        params,
    ))
    .unwrap();
}

fn recv(s: &mut TcpStream) -> VoltResponse {
    parse_response(read_frame(s).unwrap()).unwrap()
}

fn call(s: &mut TcpStream, procedure: &str, handle: i64, params: &[Value]) -> VoltResponse {
    send(s, procedure, handle, params);
    let r = recv(s);
    assert_eq!(r.client_handle, handle, "{r:?}");
    r
}

fn call_opts(
    s: &mut TcpStream,
    procedure: &str,
    opts: InvocationOptions,
    params: &[Value],
) -> VoltResponse {
    s.write_all(&invocation(procedure, 9, &opts, params))
        .unwrap();
    recv(s)
}

/// Reads everything until EOF; panics if the server does not close.
fn read_to_eof(s: &mut TcpStream) -> Vec<u8> {
    let mut out = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match s.read(&mut buf) {
            Ok(0) => return out,
            Ok(n) => out.extend_from_slice(&buf[..n]),
            Err(e) => panic!("expected EOF, got {e} after {out:02x?}"),
        }
    }
}

/// Asserts that nothing arrives (and no EOF) for `d`.
fn assert_silent(s: &mut TcpStream, d: Duration) {
    s.set_read_timeout(Some(d)).unwrap();
    let mut buf = [0u8; 64];
    match s.read(&mut buf) {
        Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
        other => panic!("expected silence, got {other:?} {:02x?}", &buf[..8]),
    }
    s.set_read_timeout(Some(WAIT)).unwrap();
}

fn status_string(r: &VoltResponse) -> &str {
    r.status_string.as_deref().unwrap_or("")
}

fn strings(t: &VoltTable, col: usize) -> Vec<String> {
    t.rows().map(|r| r.get::<String>(col).unwrap()).collect()
}

fn columns(t: &VoltTable) -> Vec<(String, VoltType)> {
    t.columns().iter().map(|c| (c.name.clone(), c.ty)).collect()
}

fn wait_until(what: &str, mut f: impl FnMut() -> bool) {
    let end = Instant::now() + WAIT;
    while !f() {
        assert!(Instant::now() < end, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(5));
    }
}

fn hex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

#[test]
fn server_is_send_and_sync() {
    fn check<T: Send + Sync>() {}
    check::<TestServer>();
    check::<Fault>();
    check::<Procedure>();
}

// ---------------------------------------------------------------------------
// login
// ---------------------------------------------------------------------------

#[test]
fn login_security_off_all_schemes() {
    let server = TestServer::builder().host_id(3).start().unwrap();
    let (_a, r1) = login(&server);
    assert_eq!(r1.host_id, 3);
    assert_eq!(r1.build_string, DEFAULT_BUILD_STRING);
    assert_eq!(r1.leader_address(), std::net::Ipv4Addr::LOCALHOST);
    assert!(r1.cluster_start_ms > 1_600_000_000_000);

    let (_b, r2) = login_as(&server, &LoginRequest::new("anyone", "x", HashScheme::Sha1));
    let r2 = r2.unwrap();
    assert!(r2.connection_id > r1.connection_id);
    assert_eq!(r2.cluster_instance_id(), r1.cluster_instance_id());

    let mut v0 = LoginRequest::new("", "", HashScheme::Sha1);
    v0.version = 0;
    let (_c, r3) = login_as(&server, &v0);
    assert!(r3.unwrap().connection_id > r2.connection_id);
    assert_eq!(server.connection_count(), 3);
}

#[test]
fn login_exact_bytes_of_real_server() {
    // Requests recorded against a real 11.4 server (captures/real-server-11.4.json).
    let server = TestServer::start().unwrap();
    for (request, response) in [
        // login_wrong_digest_length_security_off
        ("00000026010100000008646174616261736500000000da39a3ee5e6b4b0d3255bfef95601890afd80709", "0000000200ff"),
        // login_unknown_scheme_security_off
        ("00000032010700000008646174616261736500000000e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", "000000020003"),
        // login_unknown_service_security_off
        ("000000300101000000066578706f727400000000e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", "000000020005"),
    ] {
        let mut s = connect(&server);
        s.write_all(&hex(request)).unwrap();
        assert_eq!(read_to_eof(&mut s), hex(response), "request {request}");
    }
    // login_sha256_security_off: success, 30 + build string bytes.
    let mut s = connect(&server);
    s.write_all(&hex("00000032010100000008646174616261736500000000e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")).unwrap();
    let body = read_frame(&mut s).unwrap();
    assert_eq!(body.len(), 30 + DEFAULT_BUILD_STRING.len());
    assert_eq!(&body[..2], &[0, 0]);
}

#[test]
fn login_security_on() {
    let server = TestServer::builder()
        .user("admin", "adminpw")
        .user("app", "apppw")
        .procedure("WhoAmI", |ctx, _| {
            Ok(ProcReply::table(table(
                &[("USER", VoltType::String)],
                &[vec![Value::from(ctx.username.as_str())]],
            )?))
        })
        .start()
        .unwrap();
    let (mut s, r) = login_as(
        &server,
        &LoginRequest::new("admin", "adminpw", HashScheme::Sha256),
    );
    r.unwrap();
    let who = call(&mut s, "WhoAmI", 1, &[]);
    assert_eq!(strings(&who.tables[0], 0), ["admin"]);
    let (_s, r) = login_as(
        &server,
        &LoginRequest::new("admin", "adminpw", HashScheme::Sha1),
    );
    r.unwrap();
    let (_s, r) = login_as(
        &server,
        &LoginRequest::new("app", "apppw", HashScheme::Sha256),
    );
    r.unwrap();
    let mut v0 = LoginRequest::new("app", "apppw", HashScheme::Sha1);
    v0.version = 0;
    let (_s, r) = login_as(&server, &v0);
    r.unwrap();

    let mut sha1_under_sha256 = LoginRequest::new("admin", "adminpw", HashScheme::Sha256);
    sha1_under_sha256.digest = HashScheme::Sha1.digest("adminpw");
    for bad in [
        LoginRequest::new("admin", "wrong", HashScheme::Sha256),
        LoginRequest::new("admin", "wrong", HashScheme::Sha1),
        LoginRequest::new("nobody", "adminpw", HashScheme::Sha256),
        LoginRequest::new("", "", HashScheme::Sha256),
        sha1_under_sha256,
    ] {
        let mut s = connect(&server);
        send_login(&mut s, &bad);
        assert_eq!(read_to_eof(&mut s), [0, 0, 0, 2, 0, 0xff], "{bad:?}");
    }
}

#[test]
fn connection_limit_sends_one_byte() {
    let server = TestServer::builder().max_connections(1).start().unwrap();
    let (first, _) = login(&server);
    let mut second = connect(&server);
    send_login(&mut second, &LoginRequest::new("", "", HashScheme::Sha256));
    assert_eq!(read_to_eof(&mut second), [1]);
    drop(first);
    wait_until("the first connection to go", || {
        server.connection_count() == 0
    });
    let (mut third, _) = login(&server);
    assert!(call(&mut third, "@Ping", 1, &[]).is_success());
}

#[test]
fn login_timeout_closes() {
    let server = TestServer::builder()
        .login_timeout(Duration::from_millis(100))
        .start()
        .unwrap();
    let mut s = connect(&server);
    let t = Instant::now();
    assert!(read_to_eof(&mut s).is_empty());
    assert!(t.elapsed() >= Duration::from_millis(90));
    wait_until("count 0", || server.connection_count() == 0);
}

// ---------------------------------------------------------------------------
// basic calls
// ---------------------------------------------------------------------------

#[test]
fn ping_matches_real_server_bytes() {
    let server = TestServer::start().unwrap();
    let (mut s, _) = login(&server);
    // captures: ping, ping_v1_no_timeout, ping_v2_no_extensions, invocation_v2_unknown_extension.
    let reply = |h: &str| {
        format!("000000430000000000{h}2001000000075355434345535380000000000001000000220000000e800001060000000653544154555300000001000000080000000000000000")
    };
    for (request, handle) in [
        (
            "0000001400000000054050696e6700000000000003ea0000",
            "000003ea",
        ),
        (
            "0000001501ff000000054050696e6700000000000003eb0000",
            "000003eb",
        ),
        (
            "0000001502000000054050696e6700000000000003ec000000",
            "000003ec",
        ),
        (
            "0000001902000000054050696e670000000000000421016302abcd0000",
            "00000421",
        ),
    ] {
        s.write_all(&hex(request)).unwrap();
        let mut body = read_frame(&mut s).unwrap();
        // The round-trip time (body bytes 23..27) may differ.
        body[23..27].copy_from_slice(&[0; 4]);
        assert_eq!(body, hex(&reply(handle))[4..], "{request}");
    }
    let r = call_opts(
        &mut s,
        "@Ping",
        InvocationOptions {
            priority: Some(3),
            ..Default::default()
        },
        &[],
    );
    assert_eq!(status_string(&r), "SUCCESS");
    assert_eq!(r.tables[0].scalar::<i64>().unwrap(), 0);
    assert_eq!(
        columns(&r.tables[0]),
        [("STATUS".to_string(), VoltType::BigInt)]
    );
}

#[test]
fn unknown_procedure_matches_real_server_bytes() {
    let server = TestServer::start().unwrap();
    let (mut s, _) = login(&server);
    s.write_all(&hex(
        "00000019000000000a4e6f5375636850726f6300000000000004150000",
    ))
    .unwrap();
    let body = read_frame(&mut s).unwrap();
    let real = hex("0000003800000000000000041520fd0000002250726f636564757265204e6f5375636850726f6320776173206e6f7420666f756e6480000000000000");
    assert_eq!(body, real[4..]);
    let r = call(&mut s, "Nope", 2, &[Value::from(1)]);
    assert_eq!(r.status, Status::UnexpectedFailure);
    assert_eq!(status_string(&r), "Procedure Nope was not found");
    assert!(r.tables.is_empty());
}

#[test]
fn helloworld() {
    let server = TestServer::start().unwrap();
    let (mut s, _) = login(&server);
    let ins = |s: &mut TcpStream, h, w, d| {
        call(
            s,
            "Insert",
            1,
            &[Value::from(h), Value::from(w), Value::from(d)],
        )
    };
    let r = ins(&mut s, "Hello", "World", "English");
    assert!(r.is_success(), "{r}");
    assert_eq!(r.tables[0].scalar::<i64>().unwrap(), 1);
    assert_eq!(r.tables[0].columns()[0].name, "modified_tuples");
    assert!(ins(&mut s, "Bonjour", "Monde", "French").is_success());
    let dup = ins(&mut s, "Hola", "Mundo", "English");
    assert_eq!(dup.status, Status::GracefulFailure);
    assert!(
        status_string(&dup).contains("CONSTRAINT VIOLATION"),
        "{dup}"
    );

    let (mut other, _) = login(&server);
    let r = call(&mut other, "Select", 2, &[Value::from("French")]);
    let t = &r.tables[0];
    assert_eq!(
        columns(t),
        [
            ("HELLO".into(), VoltType::String),
            ("WORLD".into(), VoltType::String)
        ]
    );
    assert_eq!(t.row_count(), 1);
    assert_eq!(t.row(0).unwrap().get::<&str>("HELLO").unwrap(), "Bonjour");
    assert_eq!(t.row(0).unwrap().get::<&str>("WORLD").unwrap(), "Monde");
    assert_eq!(
        call(&mut other, "Select", 3, &[Value::from("Klingon")]).tables[0].row_count(),
        0
    );

    let r = call(&mut s, "Select", 4, &[Value::from("a"), Value::from("b")]);
    assert_eq!(r.status, Status::GracefulFailure);
    assert_eq!(
        status_string(&r),
        "VOLTDB ERROR: PROCEDURE Select EXPECTS 1 PARAMS, BUT RECEIVED 2"
    );
    let r = call(&mut s, "Select", 5, &[]);
    assert_eq!(r.status, Status::UnexpectedFailure);
    assert!(
        status_string(&r).starts_with("Error sending procedure Select to the correct partition")
    );
    let r = call(&mut s, "Select", 6, &[Value::Null]);
    assert_eq!(
        status_string(&r),
        "Illegal partition parameter. Value cannot be null"
    );
    let r = call(&mut s, "Select", 7, &[Value::from(3.5)]);
    assert_eq!(r.status, Status::GracefulFailure);
    assert!(
        status_string(&r).contains("TYPE ERROR FOR PARAMETER 0"),
        "{r}"
    );
}

#[test]
fn key_value() {
    let server = TestServer::start().unwrap();
    let (mut s, _) = login(&server);
    assert_eq!(
        call(&mut s, "Put", 1, &[Value::from("k1"), Value::from("text")]).tables[0]
            .scalar::<i64>()
            .unwrap(),
        1
    );
    assert!(call(
        &mut s,
        "Put",
        2,
        &[Value::from("k2"), Value::from(vec![0u8, 1, 255])]
    )
    .is_success());
    assert!(call(
        &mut s,
        "Put",
        3,
        &[Value::from("k2"), Value::from(vec![9u8])]
    )
    .is_success());
    let r = call(&mut s, "Get", 4, &[Value::from("k1")]);
    let t = &r.tables[0];
    assert_eq!(
        columns(t),
        [
            ("KEY".into(), VoltType::String),
            ("VALUE".into(), VoltType::Varbinary)
        ]
    );
    assert_eq!(t.row(0).unwrap().get::<&[u8]>(1).unwrap(), b"text");
    let (mut other, _) = login(&server);
    let r = call(&mut other, "Get", 5, &[Value::from("k2")]);
    assert_eq!(
        r.tables[0].row(0).unwrap().get::<Vec<u8>>("VALUE").unwrap(),
        [9]
    );
    assert_eq!(
        call(&mut other, "Remove", 6, &[Value::from("k2")]).tables[0]
            .scalar::<i64>()
            .unwrap(),
        1
    );
    assert_eq!(
        call(&mut other, "Remove", 7, &[Value::from("k2")]).tables[0]
            .scalar::<i64>()
            .unwrap(),
        0
    );
    assert_eq!(
        call(&mut s, "Get", 8, &[Value::from("k2")]).tables[0].row_count(),
        0
    );
}

/// The built-in procedures write their tables' bytes themselves: the
/// replies are exactly what encoding the tables built with `table()` gives,
/// with and without a fault on the way.
#[test]
fn builtin_replies_are_exact_bytes() {
    use voltdb::testing::modified_tuples_table;
    use voltdb::wire::response::encode_response;
    let server = TestServer::start().unwrap();
    let (mut s, _) = login(&server);
    let kv = [("KEY", VoltType::String), ("VALUE", VoltType::Varbinary)];
    let hello = [("HELLO", VoltType::String), ("WORLD", VoltType::String)];
    let row = |a: Value, b: Value| vec![vec![a, b]];
    let none = Vec::new;
    let cases: Vec<(&str, Vec<Value>, VoltTable)> = vec![
        (
            "Put",
            vec!["k".into(), vec![1u8, 2].into()],
            modified_tuples_table(1),
        ),
        (
            "Put",
            vec!["t".into(), "text".into()],
            modified_tuples_table(1),
        ),
        (
            "Put",
            vec!["n".into(), Value::Null],
            modified_tuples_table(1),
        ),
        (
            "Put",
            vec!["e".into(), Vec::<u8>::new().into()],
            modified_tuples_table(1),
        ),
        (
            "Get",
            vec!["k".into()],
            table(&kv, &row("k".into(), vec![1u8, 2].into())).unwrap(),
        ),
        (
            "Get",
            vec!["t".into()],
            table(&kv, &row("t".into(), b"text".to_vec().into())).unwrap(),
        ),
        (
            "Get",
            vec!["n".into()],
            table(&kv, &row("n".into(), Value::Null)).unwrap(),
        ),
        (
            "Get",
            vec!["e".into()],
            table(&kv, &row("e".into(), Vec::<u8>::new().into())).unwrap(),
        ),
        (
            "Get",
            vec![b"k".to_vec().into()],
            table(&kv, &row("k".into(), vec![1u8, 2].into())).unwrap(),
        ),
        ("Get", vec!["missing".into()], table(&kv, &none()).unwrap()),
        (
            "Get",
            vec![Value::TypedNull(VoltType::String)],
            table(&kv, &none()).unwrap(),
        ),
        (
            "Insert",
            vec!["Hi".into(), Value::Null, "X".into()],
            modified_tuples_table(1),
        ),
        (
            "Select",
            vec!["X".into()],
            table(&hello, &row("Hi".into(), Value::Null)).unwrap(),
        ),
        ("Select", vec!["Y".into()], table(&hello, &none()).unwrap()),
        // Last: the fault pass below reads the keys again.
        ("Remove", vec!["k".into()], modified_tuples_table(1)),
        ("Remove", vec!["k".into()], modified_tuples_table(0)),
    ];
    let expected = |handle, got: &VoltResponse, t: &VoltTable| {
        let mut r = VoltResponse::new(handle, Status::Success);
        r.cluster_round_trip_ms = got.cluster_round_trip_ms;
        r.tables.push(t.clone());
        let mut out = Vec::new();
        encode_response(&r, &mut out);
        out
    };
    for (handle, (procedure, params, t)) in (1..).zip(&cases) {
        send(&mut s, procedure, handle, params);
        let body = read_frame(&mut s).unwrap();
        let got = parse_response(body.clone()).unwrap();
        assert_eq!(
            body,
            expected(handle, &got, t)[4..],
            "{procedure} {params:?}"
        );
    }
    // The same replies through the fault path (faults that keep the bytes).
    for (handle, (procedure, params, t)) in (100..).zip(&cases) {
        let t = match *procedure {
            "Get" if params[0] == Value::from("k") || params[0] == Value::from(b"k".to_vec()) => {
                &table(&kv, &none()).unwrap() // removed
            }
            "Get" | "Select" => t,
            _ => continue,
        };
        server.inject(Fault::DuplicateReply);
        send(&mut s, procedure, handle, params);
        for _ in 0..2 {
            let body = read_frame(&mut s).unwrap();
            let got = parse_response(body.clone()).unwrap();
            assert_eq!(
                body,
                expected(handle, &got, t)[4..],
                "{procedure} {params:?}"
            );
        }
    }
    // Errors are unchanged.
    let r = call(&mut s, "Put", 200, &[Value::Null, "v".into()]);
    assert_eq!(r.status, Status::GracefulFailure, "{r}");
    assert!(
        status_string(&r).contains("Column KEY of procedure Put cannot be NULL"),
        "{r}"
    );
    let r = call(&mut s, "Get", 201, &[vec![0xffu8].into()]);
    assert_eq!(
        status_string(&r),
        "VOLTDB ERROR: PROCEDURE Get TYPE ERROR FOR PARAMETER 0: the bytes are not valid UTF-8"
    );
    assert!(r.tables.is_empty());
}

#[test]
fn echo_round_trips_every_type() {
    let server = TestServer::start().unwrap();
    let (mut s, _) = login(&server);
    let geo = Geography::from_wkt("POLYGON((0 0, 1 0, 0 1, 0 0))").unwrap();
    let scalars = vec![
        Value::TinyInt(-7),
        Value::SmallInt(-300),
        Value::Integer(70000),
        Value::BigInt(5551234567),
        Value::Float(3.25),
        Value::Float(f64::NEG_INFINITY),
        Value::String("héllo wörld ☃ 日本語".into()),
        Value::String(String::new()),
        Value::Varbinary(vec![0, 1, 0xfe, 0xff]),
        Value::Timestamp(Timestamp::from_micros(1_623_760_496_789_012)),
        Value::Decimal("12345.678901234567".parse::<Decimal>().unwrap()),
        Value::Decimal(
            "-99999999999999999999999999.999999999999"
                .parse::<Decimal>()
                .unwrap(),
        ),
        Value::GeographyPoint(GeographyPoint::new(-122.4194, 37.7749)),
        Value::Geography(geo),
        Value::Boolean(true),
        Value::TypedNull(VoltType::Integer),
        Value::TypedNull(VoltType::String),
        Value::TypedNull(VoltType::Float),
        Value::TypedNull(VoltType::Decimal),
        Value::TypedNull(VoltType::Timestamp),
        Value::TypedNull(VoltType::GeographyPoint),
        Value::TypedNull(VoltType::Geography),
        Value::TypedNull(VoltType::Varbinary),
    ];
    let r = call(&mut s, "Echo", 1, &scalars);
    assert!(r.is_success(), "{r}");
    let t = &r.tables[0];
    assert_eq!(t.row_count(), 1);
    for (i, (c, v)) in t.columns().iter().zip(&scalars).enumerate() {
        assert_eq!(c.name, format!("P{i}"));
        assert_eq!(c.ty, v.volt_type());
    }
    assert_eq!(t.row(0).unwrap().values().unwrap(), scalars);

    // Untyped NULL, arrays and a table parameter.
    let inner = table(
        &[("A", VoltType::Integer)],
        &[vec![Value::from(1)], vec![Value::from(2)]],
    )
    .unwrap();
    let params = vec![
        Value::Null,
        Value::from(vec![1i32, 2, 3]),
        Value::TinyIntArray(vec![1, 0x80, 0xff]),
        Value::from(vec!["a", ""]),
        Value::Table(inner.clone()),
    ];
    let r = call(&mut s, "Echo", 2, &params);
    assert!(r.is_success(), "{r}");
    assert_eq!(r.tables.len(), 5);
    assert_eq!(columns(&r.tables[0]), [("P0".into(), VoltType::String)]);
    assert_eq!(
        r.tables[0].row(0).unwrap().get::<Option<&str>>(0).unwrap(),
        None
    );
    let ints: Vec<i32> = r.tables[1].rows().map(|r| r.get(0).unwrap()).collect();
    assert_eq!(ints, [1, 2, 3]);
    let bytes: Vec<Option<i8>> = r.tables[2].rows().map(|r| r.get(0).unwrap()).collect();
    assert_eq!(bytes, [Some(1), None, Some(-1)]);
    assert_eq!(strings(&r.tables[3], 0), ["a", ""]);
    assert_eq!(r.tables[4], inner, "a table parameter comes back as itself");
}

// ---------------------------------------------------------------------------
// pipelining and ordering
// ---------------------------------------------------------------------------

#[test]
fn pipelining_100_calls() {
    let server = TestServer::start().unwrap();
    let (mut s, _) = login(&server);
    let mut out = Vec::new();
    for h in 1..=100i64 {
        let (proc_, params) = if h % 2 == 0 {
            ("Echo", vec![Value::from(h)])
        } else {
            ("@Ping", vec![])
        };
        out.extend(invocation(proc_, h, &InvocationOptions::default(), &params));
    }
    s.write_all(&out).unwrap();
    let mut seen = BTreeSet::new();
    for _ in 0..100 {
        let r = recv(&mut s);
        assert!(r.is_success());
        if r.client_handle % 2 == 0 {
            assert_eq!(r.tables[0].scalar::<i64>().unwrap(), r.client_handle);
        }
        assert!(seen.insert(r.client_handle));
    }
    assert_eq!(seen, (1..=100).collect());
    assert_eq!(server.calls(), 100);
}

#[test]
fn slow_call_does_not_block_fast_call() {
    let server = TestServer::start().unwrap();
    let (mut s, _) = login(&server);
    let t = Instant::now();
    send(&mut s, "Sleep", 1, &[Value::from(200)]);
    send(&mut s, "@Ping", 2, &[]);
    assert_eq!(
        recv(&mut s).client_handle,
        2,
        "the fast call is answered first"
    );
    let r = recv(&mut s);
    assert_eq!(r.client_handle, 1);
    assert!(r.is_success() && r.tables.is_empty());
    assert!(t.elapsed() >= Duration::from_millis(195));
    assert!(r.cluster_round_trip_ms >= 195);
}

// ---------------------------------------------------------------------------
// faults
// ---------------------------------------------------------------------------

#[test]
fn fault_delay_reorders() {
    let server = TestServer::start().unwrap();
    let (mut s, _) = login(&server);
    server.inject(Fault::Delay(Duration::from_millis(150)));
    let t = Instant::now();
    send(&mut s, "@Ping", 1, &[]);
    send(&mut s, "@Ping", 2, &[]);
    assert_eq!(recv(&mut s).client_handle, 2);
    assert_eq!(recv(&mut s).client_handle, 1);
    assert!(t.elapsed() >= Duration::from_millis(145));
}

#[test]
fn fault_no_reply() {
    let server = TestServer::start().unwrap();
    let (mut s, _) = login(&server);
    server.inject(Fault::NoReply);
    send(&mut s, "Put", 1, &[Value::from("k"), Value::from("v")]);
    assert_eq!(call(&mut s, "@Ping", 2, &[]).client_handle, 2);
    assert_silent(&mut s, Duration::from_millis(100));
    // The procedure did run.
    assert_eq!(
        call(&mut s, "Get", 3, &[Value::from("k")]).tables[0].row_count(),
        1
    );
}

#[test]
fn fault_close_mid_frame_and_in_length_prefix() {
    let server = TestServer::start().unwrap();
    let (mut s, _) = login(&server);
    server.inject(Fault::CloseMidFrame);
    send(&mut s, "@Ping", 1, &[]);
    let got = read_to_eof(&mut s);
    let len = i32::from_be_bytes([got[0], got[1], got[2], got[3]]) as usize;
    assert!(got.len() > 4 && got.len() < 4 + len, "{got:02x?}");
    wait_until("close", || server.connection_count() == 0);

    let (mut s, _) = login(&server);
    server.inject(Fault::CloseInLengthPrefix);
    send(&mut s, "@Ping", 1, &[]);
    assert_eq!(read_to_eof(&mut s), [0, 0]);
}

#[test]
fn fault_garbage_keeps_connection() {
    let server = TestServer::start().unwrap();
    let (mut s, _) = login(&server);
    server.inject(Fault::Garbage(vec![0xde, 0xad, 0xbe]));
    send(&mut s, "@Ping", 1, &[]);
    let mut g = [0u8; 3];
    s.read_exact(&mut g).unwrap();
    assert_eq!(g, [0xde, 0xad, 0xbe]);
    assert!(call(&mut s, "@Ping", 2, &[]).is_success());
}

#[test]
fn fault_bad_length() {
    let server = TestServer::start().unwrap();
    for n in [0, -1, 52_428_801, 5] {
        let (mut s, _) = login(&server);
        server.inject(Fault::BadLength(n));
        send(&mut s, "@Ping", 1, &[]);
        let got = read_to_eof(&mut s);
        assert_eq!(&got[..4], &n.to_be_bytes());
        assert_eq!(got.len(), 4 + 0x43, "the real reply body follows");
    }
}

#[test]
fn fault_wrong_handle_duplicate_unsolicited() {
    let server = TestServer::start().unwrap();
    let (mut s, _) = login(&server);
    server.inject(Fault::WrongHandle(77));
    send(&mut s, "@Ping", 1, &[]);
    assert_eq!(recv(&mut s).client_handle, 77);

    server.inject(Fault::DuplicateReply);
    send(&mut s, "Echo", 2, &[Value::from(5)]);
    let (a, b) = (recv(&mut s), recv(&mut s));
    assert_eq!((a.client_handle, b.client_handle), (2, 2));
    assert_eq!(a.tables, b.tables);

    server.inject(Fault::UnsolicitedBefore);
    send(&mut s, "@Ping", 3, &[]);
    let push = recv(&mut s);
    assert_eq!(push.client_handle, ASYNC_TOPO_HANDLE);
    assert_eq!(push.tables.len(), 2);
    assert_eq!(recv(&mut s).client_handle, 3);

    server.inject(Fault::ConnectionIdReply);
    let (mut s2, login2) = login(&server);
    send(&mut s2, "@Ping", 4, &[]);
    let r = recv(&mut s2);
    assert_eq!(r.client_handle, login2.connection_id);
    assert_eq!(r.status, Status::UnexpectedFailure);
    assert!(call(&mut s2, "@Ping", 5, &[]).is_success());

    server.inject(Fault::Fail(Status::ServerUnavailable, "paused".into()));
    let r = call(&mut s, "Put", 6, &[Value::from("x"), Value::from("y")]);
    assert_eq!(
        (r.status, status_string(&r)),
        (Status::ServerUnavailable, "paused")
    );
    assert_eq!(
        call(&mut s, "Get", 7, &[Value::from("x")]).tables[0].row_count(),
        0,
        "not run"
    );
}

#[test]
fn fault_slow_drip() {
    let server = TestServer::start().unwrap();
    let (mut s, _) = login(&server);
    server.inject(Fault::SlowDrip(Duration::from_millis(3)));
    let t = Instant::now();
    send(&mut s, "@Ping", 1, &[]);
    send(&mut s, "@Ping", 2, &[]);
    let r = recv(&mut s);
    assert_eq!(r.client_handle, 1);
    assert!(
        t.elapsed() >= Duration::from_millis(3 * 0x46),
        "{:?}",
        t.elapsed()
    );
    assert_eq!(recv(&mut s).client_handle, 2, "not interleaved");
}

#[test]
fn fault_stop_reading() {
    let server = TestServer::start().unwrap();
    let (mut s, _) = login(&server);
    server.inject(Fault::StopReading(Duration::from_millis(200)));
    let t = Instant::now();
    assert!(
        call(&mut s, "@Ping", 1, &[]).is_success(),
        "answered before the pause"
    );
    assert!(call(&mut s, "@Ping", 2, &[]).is_success());
    assert!(t.elapsed() >= Duration::from_millis(195));
}

#[test]
fn fault_disconnect_and_targeting() {
    let server = TestServer::start().unwrap();
    let (mut s, _) = login(&server);
    server.inject_for("Put", Fault::Disconnect);
    server.inject_for("Get", Fault::WrongHandle(-5));
    assert!(call(&mut s, "@Ping", 1, &[]).is_success(), "not for @Ping");
    send(&mut s, "Get", 2, &[Value::from("k")]);
    assert_eq!(recv(&mut s).client_handle, -5);
    send(&mut s, "Put", 3, &[Value::from("k"), Value::from("v")]);
    assert!(read_to_eof(&mut s).is_empty());
    // inject() hits the next call on any connection; clear_faults() drops the rest.
    let (mut a, _) = login(&server);
    let (mut b, _) = login(&server);
    server.inject(Fault::WrongHandle(42));
    server.inject(Fault::WrongHandle(43));
    send(&mut b, "@Ping", 1, &[]);
    assert_eq!(recv(&mut b).client_handle, 42);
    server.clear_faults();
    assert_eq!(call(&mut a, "@Ping", 2, &[]).client_handle, 2);
}

#[test]
fn huge_durations_do_not_panic() {
    let server = TestServer::start().unwrap();
    server.register(
        "Forever",
        |_, _| Ok(ProcReply::new().delayed(Duration::MAX)),
    );
    let (mut s, _) = login(&server);
    server.inject_for("@Ping", Fault::Delay(Duration::MAX));
    send(&mut s, "Forever", 1, &[]);
    send(&mut s, "@Ping", 2, &[]);
    assert_eq!(call(&mut s, "@Ping", 3, &[]).client_handle, 3);
    server.inject(Fault::StopReading(Duration::MAX));
    assert_eq!(call(&mut s, "@Ping", 4, &[]).client_handle, 4);
    let (mut other, _) = login(&server);
    assert!(call(&mut other, "@Ping", 5, &[]).is_success());
    let t = Instant::now();
    server.shutdown();
    assert!(t.elapsed() < Duration::from_millis(500));
    assert!(read_to_eof(&mut s).is_empty());
}

// ---------------------------------------------------------------------------
// framing and malformed input
// ---------------------------------------------------------------------------

#[test]
fn bad_frame_lengths_close() {
    let server = TestServer::start().unwrap();
    let ping = invocation("@Ping", 1, &InvocationOptions::default(), &[]);
    for prefix in [0i32, -1, 52_428_801] {
        let (mut s, _) = login(&server);
        let mut bytes = prefix.to_be_bytes().to_vec();
        bytes.extend_from_slice(&ping);
        s.write_all(&bytes).unwrap();
        assert!(read_to_eof(&mut s).is_empty(), "prefix {prefix}");
    }
    // A lone header is not acted on until more bytes arrive (as a real server).
    let (mut s, _) = login(&server);
    s.write_all(&0i32.to_be_bytes()).unwrap();
    assert_silent(&mut s, Duration::from_millis(100));
    s.write_all(&[0]).unwrap();
    assert!(read_to_eof(&mut s).is_empty());
}

#[test]
fn malformed_invocations_keep_connection() {
    let server = TestServer::start().unwrap();
    let (mut s, l) = login(&server);
    // captures: malformed_invocation_version_9
    s.write_all(&hex("0000001409000000054050696e6700000000000010920000"))
        .unwrap();
    let r = recv(&mut s);
    assert_eq!(r.client_handle, l.connection_id);
    assert_eq!(r.status, Status::UnexpectedFailure);
    assert_eq!(status_string(&r), "Unknown ProcedureInvocationType 9");
    // captures: malformed_invocation_truncated_params
    s.write_all(&hex("0000001400000000054050696e6700000000000010930002"))
        .unwrap();
    let r = recv(&mut s);
    assert_eq!(r.client_handle, 0x1093);
    assert_eq!(r.status, Status::GracefulFailure);
    assert!(status_string(&r).starts_with("Exception while deserializing procedure params"));
    assert!(call(&mut s, "@Ping", 3, &[]).is_success());
}

#[test]
fn random_input_never_kills_the_server() {
    let server = TestServer::start().unwrap();
    let mut seed = 0x1234_5678_9abc_def0u64;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    for round in 0..40 {
        let mut s = connect(&server);
        if round % 2 == 0 {
            send_login(&mut s, &LoginRequest::new("", "", HashScheme::Sha256));
            read_frame(&mut s).unwrap();
        }
        // Random frames with a plausible length, then random raw bytes.
        for _ in 0..5 {
            let n = (next() % 64) as usize + 1;
            let mut f = (n as i32).to_be_bytes().to_vec();
            f.extend((0..n).map(|_| next() as u8));
            if round % 4 == 0 && !f.is_empty() {
                f[4] = (next() % 3) as u8; // a valid invocation version
            }
            let _ = s.write_all(&f);
        }
        let junk: Vec<u8> = (0..(next() % 200)).map(|_| next() as u8).collect();
        let _ = s.write_all(&junk);
    }
    let (mut s, _) = login(&server);
    assert!(call(&mut s, "@Ping", 1, &[]).is_success());
}

// ---------------------------------------------------------------------------
// lifecycle
// ---------------------------------------------------------------------------

#[test]
fn shutdown_is_quick_and_port_reusable() {
    let server = TestServer::start().unwrap();
    let port = server.port();
    let (mut a, _) = login(&server);
    let (mut b, _) = login(&server);
    send(&mut b, "Sleep", 1, &[Value::from(5000)]);
    assert!(call(&mut a, "@Ping", 1, &[]).is_success());
    let t = Instant::now();
    server.shutdown();
    assert!(
        t.elapsed() < Duration::from_millis(500),
        "{:?}",
        t.elapsed()
    );
    server.shutdown();
    assert_eq!(server.connection_count(), 0);
    assert!(read_to_eof(&mut a).is_empty());
    assert!(read_to_eof(&mut b).is_empty());
    drop(server);

    let again = TestServer::builder().port(port).start().unwrap();
    assert_eq!(again.port(), port);
    let (mut c, _) = login(&again);
    assert!(call(&mut c, "@Ping", 1, &[]).is_success());
    drop(again);
    let third = TestServer::builder().port(port).start().unwrap();
    assert_eq!(third.addr().port(), port);
}

/// The acceptor blocks in `accept` (an idle server costs no CPU); a
/// shutdown wakes it at once, whether it ever accepted or not.
#[test]
fn idle_shutdown_is_quick() {
    for _ in 0..5 {
        let server = TestServer::start().unwrap();
        let port = server.port();
        let t = Instant::now();
        server.shutdown();
        assert!(
            t.elapsed() < Duration::from_millis(500),
            "{:?}",
            t.elapsed()
        );
        assert!(TcpStream::connect(("127.0.0.1", port)).is_err(), "closed");
        // Idle for a while, then a connection is served at once.
        let server = TestServer::builder().port(port).start().unwrap();
        std::thread::sleep(Duration::from_millis(50));
        let (mut s, _) = login(&server);
        assert!(call(&mut s, "@Ping", 1, &[]).is_success());
        let t = Instant::now();
        drop(server);
        assert!(
            t.elapsed() < Duration::from_millis(500),
            "{:?}",
            t.elapsed()
        );
    }
    let cluster = TestServer::builder().start_cluster(3).unwrap();
    for _ in 0..3 {
        let t = Instant::now();
        cluster.kill(1);
        assert!(
            t.elapsed() < Duration::from_millis(500),
            "{:?}",
            t.elapsed()
        );
        cluster.restart(1).unwrap();
    }
}

/// A connection sees a procedure registered while it is open, also in
/// place of one it has called (and the partitioning that comes with it).
#[test]
fn replaced_procedure_takes_effect_on_open_connections() {
    let server = TestServer::start().unwrap();
    let (mut s, _) = login(&server);
    assert!(call(&mut s, "Put", 1, &["k".into(), "v".into()]).is_success());
    assert_eq!(
        call(&mut s, "Get", 2, &["k".into()]).tables[0].row_count(),
        1
    );
    server.register("Get", |ctx, _| {
        Ok(ProcReply::new().with_status_string(format!("mine, {:?}", ctx.partition)))
    });
    let r = call(&mut s, "Get", 3, &["k".into()]);
    assert_eq!(status_string(&r), "mine, None");
    assert!(r.tables.is_empty());
    let r = call(&mut s, "Get", 4, &[]);
    assert_eq!(status_string(&r), "mine, None", "multi-partition now");
}

#[test]
fn disconnect_all_and_counts() {
    let server = TestServer::start().unwrap();
    let (mut a, _) = login(&server);
    let (mut b, _) = login(&server);
    assert_eq!(server.connection_count(), 2);
    server.disconnect_all();
    assert!(read_to_eof(&mut a).is_empty());
    assert!(read_to_eof(&mut b).is_empty());
    assert_eq!(server.connection_count(), 0);
    let (mut c, _) = login(&server);
    assert!(call(&mut c, "@Ping", 1, &[]).is_success());
    assert_eq!(server.calls(), 1);
}

// ---------------------------------------------------------------------------
// system procedures
// ---------------------------------------------------------------------------

/// Reads the payload of a gzip member made of stored blocks.
fn gunzip_stored(g: &[u8]) -> Vec<u8> {
    assert_eq!(&g[..3], &[0x1f, 0x8b, 8]);
    let mut i = 10;
    let mut out = Vec::new();
    loop {
        let last = g[i] & 1 == 1;
        assert_eq!(g[i] & 6, 0, "stored block");
        let len = u16::from_le_bytes([g[i + 1], g[i + 2]]) as usize;
        out.extend_from_slice(&g[i + 5..i + 5 + len]);
        i += 5 + len;
        if last {
            break;
        }
    }
    assert_eq!(
        u32::from_le_bytes(g[i + 4..i + 8].try_into().unwrap()) as usize,
        out.len()
    );
    out
}

#[test]
fn statistics_topo_and_partition_count() {
    let server = TestServer::builder()
        .partitions(4)
        .host_id(3)
        .start()
        .unwrap();
    let (mut s, _) = login(&server);
    let r = call(
        &mut s,
        "@Statistics",
        1,
        &[Value::from("TOPO"), Value::from(0)],
    );
    assert_eq!(r.tables.len(), 2);
    let t0 = &r.tables[0];
    assert_eq!(
        columns(t0),
        [
            ("Partition".into(), VoltType::Integer),
            ("Sites".into(), VoltType::String),
            ("Leader".into(), VoltType::String)
        ]
    );
    let ids: Vec<i32> = t0.rows().map(|r| r.get(0).unwrap()).collect();
    assert_eq!(ids, [0, 1, 2, 3, MP_INIT_PID]);
    for row in t0.rows() {
        assert_eq!(leader_host(row.get::<&str>("Leader").unwrap()), Some(3));
    }
    let t1 = &r.tables[1];
    assert_eq!(
        columns(t1),
        [
            ("HASHTYPE".into(), VoltType::String),
            ("HASHCONFIG".into(), VoltType::Varbinary)
        ]
    );
    assert_eq!(t1.row(0).unwrap().get::<&str>(0).unwrap(), "ELASTIC");
    let ring = HashRing::from_raw_config(t1.row(0).unwrap().get::<&[u8]>(1).unwrap()).unwrap();
    assert_eq!(ring, server.hash_ring());
    assert_eq!(ring.tokens(), 16_384);
    assert_eq!(ring.partitions(), [0, 1, 2, 3]);

    // Interval 1: gzip-compressed JSON of the same ring.
    let r = call(
        &mut s,
        "@Statistics",
        2,
        &[Value::from("topo"), Value::from(1)],
    );
    let json = gunzip_stored(r.tables[1].row(0).unwrap().get::<&[u8]>(1).unwrap());
    let map: HashMap<String, i32> = serde_json::from_slice(&json).unwrap();
    assert_eq!(map.len(), ring.tokens());
    for &(token, partition) in ring.entries() {
        assert_eq!(map[&token.to_string()], partition);
    }

    let r = call(
        &mut s,
        "@Statistics",
        3,
        &[Value::from("PARTITIONCOUNT"), Value::from(0)],
    );
    let t = &r.tables[0];
    assert_eq!(t.row(0).unwrap().get::<i32>("PARTITION_COUNT").unwrap(), 4);
    assert_eq!(t.row(0).unwrap().get::<i32>("HOST_ID").unwrap(), 3);
    let r = call(
        &mut s,
        "@Statistics",
        4,
        &[Value::from("NOSUCHSELECTOR"), Value::from(0)],
    );
    assert_eq!(r.status, Status::GracefulFailure);
    assert_eq!(
        status_string(&r),
        "First argument to @Statistics must be a valid STRING selector, instead was NOSUCHSELECTOR"
    );
}

#[test]
fn get_partition_keys_hash_to_their_partitions() {
    let server = TestServer::builder().partitions(5).start().unwrap();
    let ring = server.hash_ring();
    let (mut s, _) = login(&server);
    for (ty, volt) in [
        ("INTEGER", VoltType::Integer),
        ("STRING", VoltType::String),
        ("VARBINARY", VoltType::Varbinary),
    ] {
        let r = call(&mut s, "@GetPartitionKeys", 1, &[Value::from(ty)]);
        let t = &r.tables[0];
        assert_eq!(
            columns(t),
            [
                ("PARTITION_ID".into(), VoltType::Integer),
                ("PARTITION_KEY".into(), volt)
            ]
        );
        let mut seen = BTreeSet::new();
        for row in t.rows() {
            let p: i32 = row.get(0).unwrap();
            let got = match volt {
                VoltType::Integer => {
                    ring.partition_for(volt, HashKey::Int(row.get::<i64>(1).unwrap()))
                }
                VoltType::String => {
                    ring.partition_for(volt, HashKey::Str(row.get::<&str>(1).unwrap()))
                }
                _ => ring.partition_for(volt, HashKey::Bytes(row.get::<&[u8]>(1).unwrap())),
            };
            assert_eq!(got, p, "{ty} key of partition {p}");
            seen.insert(p);
        }
        assert_eq!(seen, (0..5).collect(), "{ty}");
    }
    let r = call(&mut s, "@GetPartitionKeys", 2, &[Value::from("FLOAT")]);
    assert_eq!(r.status, Status::GracefulFailure);
}

#[test]
fn system_catalog_procedures() {
    let server = TestServer::builder()
        .procedure("MyProc", |_, _| Ok(ProcReply::new()))
        .partitioned("MyProc", 1, VoltType::BigInt)
        .add_procedure(Procedure::new("Work", |_, _| Ok(ProcReply::new())).directed())
        .start()
        .unwrap();
    server.register("@AdHoc", |_, _| Ok(ProcReply::new()));
    let (mut s, _) = login(&server);
    let r = call(&mut s, "@SystemCatalog", 1, &[Value::from("PROCEDURES")]);
    let t = &r.tables[0];
    let names: Vec<&str> = t.columns().iter().map(|c| c.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "PROCEDURE_CAT",
            "PROCEDURE_SCHEM",
            "PROCEDURE_NAME",
            "RESERVED1",
            "RESERVED2",
            "RESERVED3",
            "REMARKS",
            "PROCEDURE_TYPE",
            "SPECIFIC_NAME"
        ]
    );
    assert_eq!(t.columns()[7].ty, VoltType::SmallInt);
    let mut infos = HashMap::new();
    for row in t.rows() {
        let name: String = row.get("PROCEDURE_NAME").unwrap();
        let remarks: &str = row.get("REMARKS").unwrap();
        serde_json::from_str::<serde_json::Value>(remarks).unwrap();
        assert_eq!(row.get::<String>("SPECIFIC_NAME").unwrap(), name);
        assert_eq!(row.get::<Option<&str>>("PROCEDURE_CAT").unwrap(), None);
        infos.insert(name, ProcedureInfo::from_remarks(remarks).unwrap());
    }
    let names: Vec<&str> = {
        let mut v: Vec<&str> = infos.keys().map(String::as_str).collect();
        v.sort_unstable();
        v
    };
    assert_eq!(
        names,
        ["Echo", "Get", "Insert", "MyProc", "Put", "Remove", "Select", "Sleep", "Work"]
    );
    assert_eq!(
        infos["Insert"].routing_parameter(),
        Some((2, VoltType::String))
    );
    assert!(!infos["Insert"].read_only);
    assert!(infos["Select"].read_only);
    assert_eq!(
        infos["Get"].routing_parameter(),
        Some((0, VoltType::String))
    );
    assert_eq!(
        infos["MyProc"].routing_parameter(),
        Some((1, VoltType::BigInt))
    );
    assert!(!infos["Echo"].single_partition);
    assert!(infos["Work"].is_directed());

    let r = call(&mut s, "@SystemCatalog", 2, &[]);
    assert_eq!(
        status_string(&r),
        "Incorrect number of arguments to @SystemCatalog (expects 1, received 0)"
    );
    assert_eq!(
        call(&mut s, "@SystemCatalog", 3, &[Value::from("BOGUS")]).status,
        Status::GracefulFailure
    );
}

#[test]
fn system_information() {
    let server = TestServer::builder()
        .host_id(2)
        .build_string("11.4.1_custom")
        .start()
        .unwrap();
    let (mut s, _) = login(&server);
    for params in [vec![], vec![Value::from("OVERVIEW")]] {
        let r = call(&mut s, "@SystemInformation", 1, &params);
        let t = &r.tables[0];
        assert_eq!(
            columns(t),
            [
                ("HOST_ID".into(), VoltType::Integer),
                ("KEY".into(), VoltType::String),
                ("VALUE".into(), VoltType::String)
            ]
        );
        let kv: HashMap<String, Option<String>> = t
            .rows()
            .map(|r| (r.get("KEY").unwrap(), r.get("VALUE").unwrap()))
            .collect();
        assert!(t.rows().all(|r| r.get::<i32>(0).unwrap() == 2));
        for key in [
            "IPADDRESS",
            "HOSTNAME",
            "CLIENTPORT",
            "ADMINPORT",
            "BUILDSTRING",
            "VERSION",
            "CLUSTERSTATE",
            "STARTTIME",
            "FULLCLUSTERSIZE",
        ] {
            assert!(kv.contains_key(key), "{key}");
        }
        let get = |k: &str| kv[k].clone().unwrap();
        assert_eq!(get("IPADDRESS"), "127.0.0.1");
        assert_eq!(get("CLIENTPORT"), server.port().to_string());
        assert_eq!(get("BUILDSTRING"), "11.4.1_custom");
        assert_eq!(get("VERSION"), "11.4.1");
        assert_eq!(get("CLUSTERSTATE"), "RUNNING");
        assert_eq!(get("FULLCLUSTERSIZE"), "1");
    }
    let r = call(
        &mut s,
        "@SystemInformation",
        2,
        &[Value::from("DEPLOYMENT")],
    );
    assert_eq!(columns(&r.tables[0])[0].0, "PROPERTY");
    assert_eq!(
        call(&mut s, "@SystemInformation", 3, &[Value::from("NOPE")]).status,
        Status::GracefulFailure
    );
}

#[test]
fn subscribe_and_pushes() {
    let server = TestServer::start().unwrap();
    let (mut sub, _) = login(&server);
    let (mut plain, _) = login(&server);
    let r = call(&mut sub, "@Subscribe", 1, &[Value::from("TOPOLOGY")]);
    assert!(r.is_success() && r.tables.is_empty() && r.status_string.is_none());
    assert_eq!(
        call(&mut plain, "@Subscribe", 1, &[Value::from("STUFF")]).status,
        Status::GracefulFailure
    );

    assert_eq!(server.push_topology(), 1);
    let push = recv(&mut sub);
    assert_eq!(push.client_handle, ASYNC_TOPO_HANDLE);
    assert_eq!(push.tables.len(), 2);

    server.register_procedure(
        Procedure::new("NewProc", |_, _| Ok(ProcReply::new())).partitioned(0, VoltType::Integer),
    );
    let push = recv(&mut sub);
    assert_eq!(push.client_handle, ASYNC_PROC_HANDLE);
    assert!(strings(&push.tables[0], 2).contains(&"NewProc".to_string()));

    // push_unsolicited goes to every logged-in connection, not to one still logging in.
    let mut pending = connect(&server);
    let mut resp = VoltResponse::new(i64::MAX - 10, Status::Success);
    resp.status_string = Some("notice".into());
    wait_until("3 connections", || server.connection_count() == 3);
    server.push_unsolicited(resp);
    for s in [&mut sub, &mut plain] {
        let r = recv(s);
        assert_eq!(
            (r.client_handle, status_string(&r)),
            (i64::MAX - 10, "notice")
        );
    }
    send_login(&mut pending, &LoginRequest::new("", "", HashScheme::Sha256));
    LoginResponse::parse(&read_frame(&mut pending).unwrap()).unwrap();
    assert!(
        call(&mut pending, "@Ping", 2, &[]).is_success(),
        "no stray push before the reply"
    );
    assert_silent(&mut plain, Duration::from_millis(50));
}

#[test]
fn adhoc_ddl_only_unless_overridden() {
    let server = TestServer::start().unwrap();
    let (mut s, _) = login(&server);
    let r = call(
        &mut s,
        "@AdHoc",
        1,
        &[Value::from(
            "CREATE TABLE T (ID INTEGER NOT NULL); PARTITION TABLE T ON COLUMN ID;",
        )],
    );
    assert!(r.is_success(), "{r}");
    assert_eq!(columns(&r.tables[0]), [("STATUS".into(), VoltType::BigInt)]);
    let r = call(&mut s, "@AdHoc", 2, &[Value::from("SELECT * FROM T")]);
    assert_eq!(r.status, Status::GracefulFailure);
    assert!(status_string(&r).contains("does not run SQL"));
    server.register("@AdHoc", |_, p| {
        Ok(ProcReply::table(table(
            &[("SQL", VoltType::String)],
            &[vec![p[0].clone()]],
        )?))
    });
    let r = call(&mut s, "@AdHoc", 3, &[Value::from("SELECT 1")]);
    assert_eq!(strings(&r.tables[0], 0), ["SELECT 1"]);
}

// ---------------------------------------------------------------------------
// user procedures
// ---------------------------------------------------------------------------

#[test]
fn user_procedures_errors_panics_and_context() {
    let server = TestServer::builder().partitions(3).start().unwrap();
    server.register("Fail", |_, _| {
        Err(ProcError::user_abort("nope")
            .with_app_status(7)
            .with_app_status_string("custom"))
    });
    server.register("Boom", |_, _| panic!("kaboom"));
    server.register_procedure(
        Procedure::new("Where", |ctx, _| {
            let p = ctx.partition.map(Value::from);
            Ok(ProcReply::table(table(
                &[("PARTITION", VoltType::Integer)],
                &[vec![p.into()]],
            )?)
            .with_app_status(ctx.version as i8))
        })
        .params(1)
        .partitioned(0, VoltType::BigInt),
    );
    server.register_procedure(
        Procedure::new("Directed", |ctx, p| {
            Ok(ProcReply::new().with_status_string(format!(
                "{} {}",
                ctx.partition.unwrap(),
                p.len()
            )))
        })
        .partitioning(Partitioning::Directed),
    );
    let (mut s, _) = login(&server);
    let r = call(&mut s, "Fail", 1, &[]);
    assert_eq!(r.status, Status::UserAbort);
    assert_eq!(status_string(&r), "nope");
    assert_eq!(r.app_status, Some(7));
    assert_eq!(r.app_status_string.as_deref(), Some("custom"));

    let r = call(&mut s, "Boom", 2, &[]);
    assert_eq!(r.status, Status::UnexpectedFailure);
    assert!(status_string(&r).contains("kaboom"));

    let ring = server.hash_ring();
    for key in [0i64, 1, 42, 5551234567] {
        let r = call(&mut s, "Where", 3, &[Value::from(key)]);
        let expect = ring.partition_for(VoltType::BigInt, HashKey::Int(key));
        assert_eq!(r.tables[0].scalar::<i32>().unwrap(), expect);
        assert_eq!(r.app_status, Some(0));
    }
    let opts = InvocationOptions {
        partition_destination: Some(2),
        ..Default::default()
    };
    let r = call_opts(&mut s, "Where", opts, &[Value::from(0i64)]);
    assert_eq!(r.tables[0].scalar::<i32>().unwrap(), 2);
    assert_eq!(r.app_status, Some(2));
    let opts = InvocationOptions {
        partition_destination: Some(3),
        ..Default::default()
    };
    assert_eq!(
        call_opts(&mut s, "Where", opts, &[Value::from(0i64)]).status,
        Status::GracefulFailure
    );

    let r = call(&mut s, "Directed", 4, &[]);
    assert_eq!(r.status, Status::GracefulFailure);
    let opts = InvocationOptions {
        partition_destination: Some(1),
        ..Default::default()
    };
    let r = call_opts(
        &mut s,
        "Directed",
        opts,
        &[Value::from(7), Value::from("x")],
    );
    assert_eq!(
        status_string(&r),
        "1 1",
        "the leading key parameter is removed"
    );
}

// ---------------------------------------------------------------------------
// clusters
// ---------------------------------------------------------------------------

fn login_at(addr: std::net::SocketAddr) -> (TcpStream, LoginResponse) {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(WAIT)).unwrap();
    send_login(&mut s, &LoginRequest::new("", "", HashScheme::Sha256));
    let login = LoginResponse::parse(&read_frame(&mut s).unwrap()).unwrap();
    (s, login)
}

fn topo_leaders(r: &VoltResponse) -> Vec<(i32, Option<i32>)> {
    r.tables[0]
        .rows()
        .map(|row| {
            (
                row.get::<i32>(0).unwrap(),
                leader_host(row.get::<&str>(2).unwrap()),
            )
        })
        .collect()
}

#[test]
fn cluster_topology_routing_and_failover() {
    let cluster = TestServer::builder()
        .partitions(6)
        .host_id(10)
        .start_cluster(3)
        .unwrap();
    cluster.register_procedure(
        Procedure::new("Where", |ctx, _| {
            Ok(ProcReply::new().with_status_string(format!(
                "{} {}",
                ctx.host_id,
                ctx.partition.unwrap()
            )))
        })
        .params(1)
        .partitioned(0, VoltType::BigInt),
    );
    let addrs = cluster.addrs();
    let mut conns: Vec<(TcpStream, LoginResponse)> = addrs.iter().map(|a| login_at(*a)).collect();
    let ids: Vec<i32> = conns.iter().map(|(_, l)| l.host_id).collect();
    assert_eq!(ids, [10, 11, 12]);
    assert_eq!(cluster.host_ids(), [10, 11, 12]);
    assert!(conns
        .iter()
        .all(|(_, l)| l.cluster_instance_id() == conns[0].1.cluster_instance_id()));

    // TOPO: leaders spread round-robin, the MP initiator on the first host.
    let r = call(
        &mut conns[1].0,
        "@Statistics",
        1,
        &[Value::from("TOPO"), Value::from(0)],
    );
    let leaders = topo_leaders(&r);
    assert_eq!(
        leaders,
        [
            (0, Some(10)),
            (1, Some(11)),
            (2, Some(12)),
            (3, Some(10)),
            (4, Some(11)),
            (5, Some(12)),
            (MP_INIT_PID, Some(10))
        ]
    );
    for (p, h) in &leaders {
        assert_eq!(cluster.leader_of(*p), *h);
    }
    let sites: BTreeSet<String> = strings(&r.tables[0], 1).into_iter().collect();
    assert_eq!(sites.len(), 7, "distinct host:site pairs");

    // OVERVIEW lists every node with its port.
    let r = call(
        &mut conns[2].0,
        "@SystemInformation",
        2,
        &[Value::from("OVERVIEW")],
    );
    let mut ports = HashMap::new();
    for row in r.tables[0].rows() {
        if row.get::<&str>("KEY").unwrap() == "CLIENTPORT" {
            ports.insert(
                row.get::<i32>(0).unwrap(),
                row.get::<String>("VALUE").unwrap(),
            );
        }
    }
    for (i, a) in addrs.iter().enumerate() {
        assert_eq!(ports[&(10 + i as i32)], a.port().to_string());
    }

    // Routing: a call sent to the leader's node runs there, on the hashed partition.
    let ring = cluster.hash_ring();
    for key in 0i64..12 {
        let p = ring.partition_for(VoltType::BigInt, HashKey::Int(key));
        let leader = cluster.leader_of(p).unwrap();
        let node = (leader - 10) as usize;
        let r = call(&mut conns[node].0, "Where", 3, &[Value::from(key)]);
        assert_eq!(status_string(&r), format!("{leader} {p}"));
    }
    assert!(cluster.calls_on(0) > 0 && cluster.calls_on(1) > 0 && cluster.calls_on(2) > 0);

    // One data set, one fault queue.
    assert!(call(
        &mut conns[0].0,
        "Put",
        4,
        &[Value::from("k"), Value::from("v")]
    )
    .is_success());
    assert_eq!(
        call(&mut conns[2].0, "Get", 5, &[Value::from("k")]).tables[0].row_count(),
        1
    );
    cluster.inject(Fault::WrongHandle(99));
    send(&mut conns[1].0, "@Ping", 6, &[]);
    assert_eq!(recv(&mut conns[1].0).client_handle, 99);

    // Kill node 1: its clients see EOF, subscribers get the new topology.
    let r = call(&mut conns[2].0, "@Subscribe", 7, &[Value::from("TOPOLOGY")]);
    assert!(r.is_success());
    cluster.kill(1);
    assert!(read_to_eof(&mut conns[1].0).is_empty());
    assert_eq!(cluster.host_ids(), [10, 12]);
    assert_eq!(cluster.host_id(1), None);
    let push = recv(&mut conns[2].0);
    assert_eq!(push.client_handle, ASYNC_TOPO_HANDLE);
    let hosts: BTreeSet<i32> = topo_leaders(&push)
        .into_iter()
        .filter_map(|(_, h)| h)
        .collect();
    assert_eq!(hosts, [10, 12].into_iter().collect());
    assert!(
        TcpStream::connect(addrs[1]).is_err(),
        "nothing listens on a killed node"
    );

    // Rejoin on the same port with a new host id.
    assert_eq!(cluster.restart(1).unwrap(), 13);
    let push = recv(&mut conns[2].0);
    let hosts: BTreeSet<i32> = topo_leaders(&push)
        .into_iter()
        .filter_map(|(_, h)| h)
        .collect();
    assert_eq!(hosts, [10, 12, 13].into_iter().collect());
    let (mut again, l) = login_at(addrs[1]);
    assert_eq!(l.host_id, 13);
    assert_eq!(l.cluster_instance_id(), conns[0].1.cluster_instance_id());
    assert_eq!(
        call(&mut again, "Get", 8, &[Value::from("k")]).tables[0].row_count(),
        1,
        "data survives"
    );
    assert_eq!(cluster.connection_count_on(1), 1);
    assert_eq!(cluster.connection_count(), 3);
}

#[test]
fn a_test_server_is_a_one_node_cluster() {
    // The cluster's methods reach the server's one node through `Deref`.
    let server = TestServer::builder().host_id(5).start().unwrap();
    assert_eq!(server.size(), 1);
    assert_eq!(server.addrs(), vec![server.addr()]);
    assert_eq!((server.host_id(), server.host_ids()), (5, vec![5]));
    let (mut s, lr) = login(&server);
    assert_eq!(lr.host_id, 5);
    assert_eq!(call(&mut s, "@Ping", 1, &[]).status, Status::Success);
    assert_eq!(server.calls_on(0), server.calls());
    // A killed and restarted node rejoins on its port with a new host id.
    server.kill(0);
    assert_eq!(read_to_eof(&mut s), Vec::<u8>::new());
    assert_eq!(server.host_ids(), Vec::<i32>::new());
    assert_eq!(server.restart(0).unwrap(), 6);
    assert_eq!(server.host_id(), 6);
    let (mut s, lr) = login(&server);
    assert_eq!(lr.host_id, 6);
    assert_eq!(call(&mut s, "@Ping", 2, &[]).status, Status::Success);
}
