//! TLS on the client port (feature `tls`): both clients against the test
//! server speaking TLS, with certificates made in-process, and every
//! bad-input case with its message.
//!
//! Run with `cargo test --features tls --test tls`.
#![cfg(feature = "tls")]

#[path = "tls/certs.rs"]
mod certs;

use std::net::TcpListener;
use std::time::{Duration, Instant};

use certs::{self_signed, Ca, Pair};
use voltdb::client::{CallOptions, Client, ClientBuilder};
use voltdb::testing::{table, Fault, ProcReply, Procedure, TestServer, TestServerBuilder};
use voltdb::{Error, FastSerializer, HashScheme, TlsConfig, Value, VoltType};

/// A CA and a test server with a certificate it signed for localhost and
/// 127.0.0.1.
fn tls_server(b: TestServerBuilder) -> (Ca, TestServer) {
    let ca = Ca::new("voltdb test CA");
    let server = ca.server(&["localhost", "127.0.0.1"]);
    let s = b
        .tls(server.cert.as_bytes(), server.key.as_bytes())
        .start()
        .unwrap();
    (ca, s)
}

fn trusting(ca: &Ca) -> TlsConfig {
    TlsConfig::new().ca_pem(ca.pem().as_bytes()).unwrap()
}

fn server_with(pair: &Pair) -> TestServer {
    TestServer::builder()
        .tls(pair.cert.as_bytes(), pair.key.as_bytes())
        .start()
        .unwrap()
}

fn client(port: u16, tls: TlsConfig) -> ClientBuilder {
    Client::builder()
        .host("127.0.0.1", port)
        .tls(tls)
        .backoff(Duration::from_millis(20), Duration::from_millis(200), 0.2)
        .keepalive_interval(None)
        .call_timeout(Duration::from_secs(10))
}

/// The error of a FastSerializer connect to `port` with `tls`.
fn connect_error(port: u16, tls: TlsConfig) -> Error {
    let connected = FastSerializer::builder("127.0.0.1", port)
        .tls(tls)
        .connect_timeout(Duration::from_secs(5))
        .connect();
    match connected {
        Ok(_) => panic!("the connect to port {port} must fail"),
        Err(e) => e,
    }
}

fn kv_roundtrip(call: impl Fn(&str, &[Value]) -> voltdb::Result<voltdb::VoltResponse>) {
    let big = "v".repeat(300_000);
    for (k, v) in [("a", "1"), ("big", big.as_str())] {
        let r = call("Put", &[Value::from(k), Value::from(v)]).unwrap();
        assert!(r.is_success(), "{r:?}");
        let r = call("Get", &[Value::from(k)]).unwrap();
        let got: Vec<u8> = r.tables[0].row(0).unwrap().get(1).unwrap();
        assert_eq!(got.len(), v.len());
        assert_eq!(got, v.as_bytes());
    }
}

#[test]
fn fast_serializer_over_tls_with_a_ca() {
    let (ca, server) = tls_server(TestServer::builder().user("admin", "pw"));
    for scheme in [HashScheme::Sha256, HashScheme::Sha1] {
        let f = FastSerializer::builder("127.0.0.1", server.port())
            .username("admin")
            .password("pw")
            .hash_scheme(scheme)
            .tls(trusting(&ca))
            .connect()
            .unwrap();
        kv_roundtrip(|p, a| f.call(p, a));
        f.close();
    }
    // A wrong password is still the server's answer, inside TLS.
    let err = FastSerializer::builder("127.0.0.1", server.port())
        .username("admin")
        .password("nope")
        .tls(trusting(&ca))
        .connect()
        .unwrap_err();
    assert!(matches!(err, Error::Login { .. }), "{err:?}");
}

#[test]
fn ca_file_and_danger_accept_invalid_certs() {
    let (ca, server) = tls_server(TestServer::builder());
    let dir = std::env::temp_dir().join(format!("voltdb-tls-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("ca.pem");
    std::fs::write(&path, ca.pem()).unwrap();
    let f = FastSerializer::builder("127.0.0.1", server.port())
        .tls(TlsConfig::new().ca_file(&path).unwrap())
        .connect()
        .unwrap();
    kv_roundtrip(|p, a| f.call(p, a));
    // A self-signed certificate for another name: refused by default,
    // accepted (encrypted, unauthenticated) when asked for explicitly.
    let odd = server_with(&self_signed(&["elsewhere.invalid"]));
    let f = FastSerializer::builder("127.0.0.1", odd.port())
        .tls(TlsConfig::new().danger_accept_invalid_certs())
        .connect()
        .unwrap();
    kv_roundtrip(|p, a| f.call(p, a));
    // A self-signed certificate given as the CA: trusted as itself.
    let own = self_signed(&["127.0.0.1"]);
    let server = server_with(&own);
    let f = FastSerializer::builder("127.0.0.1", server.port())
        .tls(TlsConfig::new().ca_pem(own.cert.as_bytes()).unwrap())
        .connect()
        .unwrap();
    kv_roundtrip(|p, a| f.call(p, a));
    // Files that are not there, or hold no certificate, say so.
    let err = TlsConfig::new()
        .ca_file(dir.join("missing.pem"))
        .unwrap_err();
    assert!(err.to_string().contains("missing.pem"), "{err}");
    std::fs::write(dir.join("empty.pem"), "nothing here").unwrap();
    let err = TlsConfig::new().ca_file(dir.join("empty.pem")).unwrap_err();
    let text = err.to_string();
    assert!(matches!(err, Error::Tls(_)), "{err:?}");
    assert!(
        text.contains("empty.pem") && text.contains("no CA certificate"),
        "{text}"
    );
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn client_over_tls_pipelines_from_many_threads() {
    let (ca, server) = tls_server(TestServer::builder());
    let client = client(server.port(), trusting(&ca))
        .pool_size(2)
        .build()
        .unwrap();
    kv_roundtrip(|p, a| client.call(p, a));
    std::thread::scope(|s| {
        for t in 0..8 {
            let client = &client;
            s.spawn(move || {
                // call_async: many calls in flight through the writer thread.
                let pending: Vec<_> = (0..500)
                    .map(|i| {
                        let key = format!("t{t}-{i}");
                        client
                            .call_async("Echo", &[Value::from(key.as_str()), Value::BigInt(i)])
                            .unwrap()
                    })
                    .collect();
                for (i, p) in pending.into_iter().enumerate() {
                    let r = p.wait().unwrap();
                    let key: String = r.tables[0].row(0).unwrap().get(0).unwrap();
                    assert_eq!(key, format!("t{t}-{i}"));
                }
            });
        }
    });
    let stats = client.stats();
    assert!(stats.total().calls >= 4000, "{stats}");
}

#[test]
fn verification_failures_name_the_server_and_the_reason() {
    let ca = Ca::new("voltdb test CA");
    let cases: Vec<(&str, TestServer, TlsConfig, &str)> = vec![
        (
            "self-signed",
            server_with(&self_signed(&["127.0.0.1"])),
            trusting(&ca),
            "not signed by a trusted CA",
        ),
        (
            "wrong name",
            server_with(&ca.server(&["volt.example.com"])),
            trusting(&ca),
            "not valid for the name \"127.0.0.1\"",
        ),
        (
            "expired",
            server_with(&ca.expired_server(&["127.0.0.1"])),
            trusting(&ca),
            "has expired",
        ),
        (
            "platform roots do not know a private CA",
            server_with(&ca.server(&["127.0.0.1"])),
            TlsConfig::new(),
            "",
        ),
    ];
    for (what, server, tls, needle) in cases {
        let t0 = Instant::now();
        let err = connect_error(server.port(), tls);
        let text = err.to_string();
        assert!(matches!(err, Error::Tls(_)), "{what}: {err:?}");
        assert!(
            text.contains(&format!("127.0.0.1:{}", server.port())),
            "{what}: {text}"
        );
        assert!(text.contains(needle), "{what}: {text}");
        assert!(t0.elapsed() < Duration::from_secs(5), "{what}");
    }
}

#[test]
fn server_name_override_and_pinned_certificates() {
    let ca = Ca::new("voltdb test CA");
    let named = ca.server(&["volt.example.com"]);
    let server = server_with(&named);
    // The cluster advertises an IP address; the certificate names a host.
    let tls = trusting(&ca).server_name("volt.example.com");
    let client = client(server.port(), tls).build().unwrap();
    kv_roundtrip(|p, a| client.call(p, a));
    // A pin accepts exactly that certificate, whatever its issuer and name.
    let odd = self_signed(&["elsewhere.invalid"]);
    let server = server_with(&odd);
    let pinned = TlsConfig::new()
        .pinned_cert_pem(odd.cert.as_bytes())
        .unwrap();
    let f = FastSerializer::builder("127.0.0.1", server.port())
        .tls(pinned)
        .connect()
        .unwrap();
    kv_roundtrip(|p, a| f.call(p, a));
    let other = TlsConfig::new()
        .pinned_cert_pem(named.cert.as_bytes())
        .unwrap();
    let err = connect_error(server.port(), other);
    let text = err.to_string();
    assert!(text.contains("not the pinned certificate"), "{text}");
    assert!(
        text.contains(&format!("127.0.0.1:{}", server.port())),
        "{text}"
    );
    let err = TlsConfig::new()
        .server_name("not a name!")
        .danger_accept_invalid_certs();
    let err = connect_error(server.port(), err);
    assert!(
        err.to_string().contains("not a valid TLS server name"),
        "{err}"
    );
}

#[test]
fn mutual_tls_client_certificates() {
    let ca = Ca::new("voltdb test CA");
    let client_ca = Ca::new("voltdb client CA");
    let pair = ca.server(&["127.0.0.1"]);
    let server = TestServer::builder()
        .tls(pair.cert.as_bytes(), pair.key.as_bytes())
        .tls_client_ca(client_ca.pem().as_bytes())
        .start()
        .unwrap();
    let me = client_ca.client("app");
    let tls = trusting(&ca)
        .client_cert_pem(me.cert.as_bytes(), me.key.as_bytes())
        .unwrap();
    let client = client(server.port(), tls).build().unwrap();
    kv_roundtrip(|p, a| client.call(p, a));
    // No certificate, or one of a CA the server does not know.
    let stranger = Ca::new("someone else").client("app");
    let cases = [
        (trusting(&ca), "requires a client certificate"),
        (
            trusting(&ca)
                .client_cert_pem(stranger.cert.as_bytes(), stranger.key.as_bytes())
                .unwrap(),
            "refused the client certificate",
        ),
    ];
    for (tls, needle) in cases {
        let t0 = Instant::now();
        let err = connect_error(server.port(), tls);
        let text = err.to_string();
        assert!(matches!(err, Error::Tls(_)), "{err:?}");
        assert!(text.contains(needle), "{text}");
        assert!(
            text.contains(&format!("127.0.0.1:{}", server.port())),
            "{text}"
        );
        assert!(t0.elapsed() < Duration::from_secs(5));
    }
    // A key that is not PEM.
    let err = TlsConfig::new()
        .client_cert_pem(me.cert.as_bytes(), b"garbage")
        .unwrap_err();
    assert!(err.to_string().contains("no usable private key"), "{err}");
}

/// A plaintext server when TLS is configured: a clear error within the
/// connect timeout, whether the server closes the connection (a VoltDB
/// server rejects the TLS hello as a bad frame length) or stays silent.
#[test]
fn plaintext_server_when_tls_is_configured() {
    let plain = TestServer::start().unwrap();
    let t0 = Instant::now();
    let err = connect_error(plain.port(), TlsConfig::new().danger_accept_invalid_certs());
    let text = err.to_string();
    assert!(matches!(err, Error::Tls(_)), "{err:?}");
    assert!(
        text.contains(&format!("127.0.0.1:{}", plain.port())),
        "{text}"
    );
    assert!(text.contains("is TLS on for its client port?"), "{text}");
    assert!(t0.elapsed() < Duration::from_secs(5));
    // A listener that accepts and never answers.
    let silent = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = silent.local_addr().unwrap().port();
    let t0 = Instant::now();
    let err = FastSerializer::builder("127.0.0.1", port)
        .tls(TlsConfig::new().danger_accept_invalid_certs())
        .connect_timeout(Duration::from_millis(300))
        .connect()
        .unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("timed out") && text.contains(&format!("127.0.0.1:{port}")),
        "{text}"
    );
    assert!(t0.elapsed() < Duration::from_secs(3));
    // A peer that answers with bytes that are not TLS.
    let garbage = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = garbage.local_addr().unwrap().port();
    let h = std::thread::spawn(move || {
        use std::io::Write;
        let (mut s, _) = garbage.accept().unwrap();
        let _ = s.write_all(&[0, 0, 0, 20, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
        std::thread::sleep(Duration::from_millis(500));
    });
    let err = connect_error(port, TlsConfig::new().danger_accept_invalid_certs());
    assert!(err.to_string().contains("not TLS"), "{err}");
    h.join().unwrap();
}

#[test]
fn reconnection_and_discovery_over_tls() {
    let ca = Ca::new("voltdb test CA");
    let pair = ca.server(&["127.0.0.1"]);
    let host = Procedure::new("Where", |ctx, _| {
        Ok(ProcReply::table(table(
            &[("HOST_ID", VoltType::Integer)],
            &[vec![Value::Integer(ctx.host_id)]],
        )?))
    });
    let cluster = TestServer::builder()
        .tls(pair.cert.as_bytes(), pair.key.as_bytes())
        .partitions(4)
        .add_procedure(host.partitioned(0, VoltType::BigInt))
        .start_cluster(3)
        .unwrap();
    let seed = cluster.addr(0).unwrap();
    let client = client(seed.port(), trusting(&ca))
        .discover(true)
        .build()
        .unwrap();
    // Every discovered node is reached with the same TLS settings.
    assert_eq!(client.connected_count(), 3, "{}", client.stats());
    for i in 0..3 {
        assert_eq!(cluster.connection_count_on(i), 1);
    }
    kv_roundtrip(|p, a| client.call(p, a));
    // One call per partition, each at its leader, over TLS.
    let results = client
        .call_all_partitions("Where", &[], &CallOptions::new())
        .unwrap();
    assert_eq!(results.len(), 4);
    for r in &results {
        let resp = r.result.as_ref().unwrap();
        let host: i32 = resp.tables[0].row(0).unwrap().get(0).unwrap();
        assert_eq!(Some(host), cluster.leader_of(r.partition_id));
    }
    assert!(client.stats().affinity.hits >= 4);
    // Connections dropped by the server come back (reconnect, backoff).
    cluster.disconnect_all();
    let deadline = Instant::now() + Duration::from_secs(10);
    while cluster.connection_count() < 3 {
        assert!(
            Instant::now() < deadline,
            "no reconnect: {}",
            client.stats()
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    client.wait_connected(Duration::from_secs(10)).unwrap();
    kv_roundtrip(|p, a| client.call(p, a));
}

#[test]
fn dump_records_the_plaintext() {
    let (ca, server) = tls_server(TestServer::builder().user("u", "secret"));
    let dir = std::env::temp_dir().join(format!("voltdb-tls-dump-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("dump.bin");
    let f = FastSerializer::builder("127.0.0.1", server.port())
        .username("u")
        .password("secret")
        .dump_file(&path)
        .tls(trusting(&ca))
        .connect()
        .unwrap();
    assert!(f.call("@Ping", &[]).unwrap().is_success());
    f.close();
    let bytes = std::fs::read(&path).unwrap();
    let digest = HashScheme::Sha256.digest("secret");
    assert!(!bytes.windows(digest.len()).any(|w| w == digest.as_slice()));
    for needle in [&b"database"[..], b"@Ping", b"SUCCESS"] {
        assert!(bytes.windows(needle.len()).any(|w| w == needle));
    }
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn keepalive_timeouts_and_stats_over_tls() {
    let (ca, server) = tls_server(TestServer::builder());
    let c = client(server.port(), trusting(&ca))
        .keepalive_interval(Some(Duration::from_millis(100)))
        .response_timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    std::thread::sleep(Duration::from_millis(450));
    let s = c.stats();
    assert!(s.connections[0].pings >= 2, "idle connection pinged: {s}");
    assert_eq!(s.connections[0].disconnects, 0, "pings answered: {s}");
    // A call timeout leaves the TLS connection usable; the late reply is dropped.
    server.inject_for("Echo", Fault::Delay(Duration::from_millis(300)));
    let err = c
        .call_with(
            "Echo",
            &[Value::from(1i64)],
            &CallOptions::new().timeout(Duration::from_millis(50)),
        )
        .unwrap_err();
    assert!(matches!(err, Error::Timeout(_)), "{err:?}");
    std::thread::sleep(Duration::from_millis(400));
    let r = c.call("Echo", &[Value::from(2i64)]).unwrap();
    assert_eq!(r.tables[0].scalar::<i64>().unwrap(), 2);
    // A server that stops reading is declared dead by the keepalive, and
    // the client reconnects over TLS.
    server.inject_for("Get", Fault::StopReading(Duration::from_secs(5)));
    c.call("Get", &[Value::from("k")]).unwrap();
    let t0 = Instant::now();
    let err = c.call("Echo", &[Value::from(3i64)]).unwrap_err();
    assert!(
        matches!(err, Error::ConnectionLost { ref message, .. } if message.contains("keepalive")),
        "{err:?}"
    );
    assert!(t0.elapsed() < Duration::from_millis(1500));
    c.wait_connected(Duration::from_secs(5)).unwrap();
    c.ping().unwrap().ok().unwrap();
    let s = c.stats();
    assert_eq!(
        (s.connections[0].disconnects, s.connections[0].connects),
        (1, 2),
        "{s}"
    );
    assert!(s.procedures.contains_key("Echo"), "{s}");
}
