//! TLS against plain TCP, in the same run, against the in-process test
//! server: the sequential round trip of one `FastSerializer` (`Get` of a
//! short key) and the throughput of one thread keeping 64 calls in flight
//! with `Client::call_async`. The ratios are TLS over plain (goal for the
//! throughput: at least 0.8).
//!
//! `cargo bench --features tls --bench tls`; see `benches/common/mod.rs`.

mod common;

use std::collections::VecDeque;
use std::hint::black_box;
use std::time::Duration;

use voltdb::client::{Client, PendingCall};
use voltdb::testing::TestServer;
use voltdb::{FastSerializer, TlsConfig, Value};

use common::{case_seconds, interleaved, Case, Clock, Line, Report, ROUNDS};

const KEY: &str = "key-000001";
const WINDOW: usize = 64;

/// A test server with a self-signed certificate for 127.0.0.1, and the
/// client configuration that trusts it.
fn tls_server() -> (TestServer, TlsConfig) {
    let key = rcgen::KeyPair::generate().expect("key");
    let cert = rcgen::CertificateParams::new(vec!["127.0.0.1".to_string()])
        .expect("params")
        .self_signed(&key)
        .expect("certificate");
    let server = TestServer::builder()
        .tls(cert.pem().as_bytes(), key.serialize_pem().as_bytes())
        .start()
        .expect("start the TLS test server");
    let tls = TlsConfig::new().ca_pem(cert.pem().as_bytes()).expect("CA");
    (server, tls)
}

fn put_key(server: &TestServer, tls: Option<&TlsConfig>) {
    let mut b = FastSerializer::builder("127.0.0.1", server.port());
    if let Some(t) = tls {
        b = b.tls(t.clone());
    }
    let f = b.connect().expect("connect");
    f.call("Put", &[Value::from(KEY), Value::from(vec![0x5au8; 32])])
        .expect("Put");
}

fn roundtrip(report: &mut Report, plain: &TestServer, tls_srv: &TestServer, tls: &TlsConfig) {
    let ours = FastSerializer::new("127.0.0.1", plain.port()).expect("connect");
    let secure = FastSerializer::builder("127.0.0.1", tls_srv.port())
        .tls(tls.clone())
        .connect()
        .expect("connect over TLS");
    let params = [Value::from(KEY)];
    let mut plain_call = || {
        black_box(ours.call("Get", &params).unwrap());
    };
    let mut tls_call = || {
        black_box(secure.call("Get", &params).unwrap());
    };
    let t = interleaved(
        Clock::Wall,
        2.0 * case_seconds(),
        ROUNDS,
        &mut [Case::Plain(&mut plain_call), Case::Plain(&mut tls_call)],
    );
    let case = "sequential Get, one FastSerializer";
    report.push(Line::new(case, "plain TCP", 1.0 / t[0], "calls/s"));
    report.push(Line::new(case, "TLS", 1.0 / t[1], "calls/s").vs("plain TCP", Some(t[0] / t[1])));
}

/// One thread keeping `WINDOW` calls in flight: each iteration sends one
/// call and, once the window is full, waits for the oldest.
fn window(client: &Client) -> impl FnMut() + '_ {
    let mut in_flight: VecDeque<PendingCall> = VecDeque::with_capacity(WINDOW);
    let params = [Value::from(KEY)];
    move || {
        if in_flight.len() >= WINDOW {
            let oldest = in_flight.pop_front().expect("a call in flight");
            black_box(oldest.wait().unwrap());
        }
        in_flight.push_back(client.call_async("Get", &params).unwrap());
    }
}

fn throughput(report: &mut Report, plain: &TestServer, tls_srv: &TestServer, tls: &TlsConfig) {
    let build = |port: u16, tls: Option<&TlsConfig>| {
        let mut b = Client::builder()
            .host("127.0.0.1", port)
            .keepalive_interval(None)
            .call_timeout(Duration::from_secs(30));
        if let Some(t) = tls {
            b = b.tls(t.clone());
        }
        b.build().expect("client")
    };
    let ours = build(plain.port(), None);
    let secure = build(tls_srv.port(), Some(tls));
    let mut plain_calls = window(&ours);
    let mut tls_calls = window(&secure);
    let t = interleaved(
        Clock::Wall,
        2.0 * case_seconds(),
        ROUNDS,
        &mut [Case::Plain(&mut plain_calls), Case::Plain(&mut tls_calls)],
    );
    let case = "call_async, window 64, one Client connection";
    report.push(Line::new(case, "plain TCP", 1.0 / t[0], "calls/s"));
    report.push(
        Line::new(case, "TLS", 1.0 / t[1], "calls/s")
            .vs("plain TCP", Some(t[0] / t[1]))
            .goal(0.8),
    );
}

fn main() {
    if !common::start() {
        return;
    }
    common::banner("tls");
    let mut report = Report::new("tls", "TLS (rustls, ring) against plain TCP, test server");
    let plain = TestServer::start().expect("start the test server");
    let (tls_srv, tls) = tls_server();
    put_key(&plain, None);
    put_key(&tls_srv, Some(&tls));
    roundtrip(&mut report, &plain, &tls_srv, &tls);
    throughput(&mut report, &plain, &tls_srv, &tls);
    report.finish();
}
