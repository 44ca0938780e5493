//! The thread-safe [`Client`] against the in-process test server.
//!
//! Run with `cargo test --features test-server --test client`.
#![cfg(feature = "test-server")]

use std::net::TcpListener;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::time::{Duration, Instant};

use voltdb::client::{BackpressurePolicy, CallOptions, Client, ClientBuilder, Unsolicited};
use voltdb::testing::{Fault, ProcReply, TestServer};
use voltdb::wire::response::{ASYNC_TOPO_HANDLE, MAX_CLIENT_HANDLE};
use voltdb::{Error, Status, Value, VoltResponse, VoltType};

/// A builder for `server` with test-friendly timings: fast reconnects,
/// keepalive off unless a test turns it on.
fn builder(port: u16) -> ClientBuilder {
    Client::builder()
        .host("127.0.0.1", port)
        .backoff(Duration::from_millis(20), Duration::from_millis(200), 0.2)
        .keepalive_interval(None)
        .call_timeout(Duration::from_secs(10))
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn xorshift(x: &mut u64) -> u64 {
    *x ^= *x << 13;
    *x ^= *x >> 7;
    *x ^= *x << 17;
    *x
}

fn short(ms: u64) -> CallOptions {
    CallOptions::new().timeout(Duration::from_millis(ms))
}

fn wait_for(what: &str, timeout: Duration, mut cond: impl FnMut() -> bool) {
    let deadline = Instant::now() + timeout;
    while !cond() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(5));
    }
}

#[test]
fn client_is_send_sync_and_clone() {
    fn check<T: Send + Sync + Clone + 'static>() {}
    check::<Client>();
}

/// 64 threads × 10,000 calls with random keys over a pool: every response
/// is its own call's (no crossed replies), none lost, none duplicated.
#[test]
fn pipelined_64_threads_x_10000_calls() {
    const THREADS: u64 = 64;
    const CALLS: u64 = 10_000;
    let server = TestServer::start().unwrap();
    let client = builder(server.port()).pool_size(2).build().unwrap();
    let started = Instant::now();
    std::thread::scope(|s| {
        for t in 0..THREADS {
            let client = &client;
            s.spawn(move || {
                let mut x = 0x9e37_79b9_7f4a_7c15 ^ (t + 1);
                for i in 0..CALLS {
                    let key = format!("k{}", xorshift(&mut x) % 4096);
                    match i % 3 {
                        // Echo returns its parameters: a crossed reply shows.
                        0 => {
                            let r = client
                                .call(
                                    "Echo",
                                    &[
                                        Value::from(key.as_str()),
                                        Value::from(t as i64),
                                        Value::from(i as i64),
                                    ],
                                )
                                .unwrap()
                                .ok()
                                .unwrap();
                            let row = r.tables[0].row(0).unwrap();
                            assert_eq!(row.get::<&str>(0).unwrap(), key);
                            assert_eq!(row.get::<i64>(1).unwrap(), t as i64);
                            assert_eq!(row.get::<i64>(2).unwrap(), i as i64);
                        }
                        1 => {
                            let value = format!("{key}={t}.{i}");
                            let r = client
                                .call(
                                    "Put",
                                    &[Value::from(key.as_str()), Value::from(value.as_bytes())],
                                )
                                .unwrap()
                                .ok()
                                .unwrap();
                            assert_eq!(r.tables[0].scalar::<i64>().unwrap(), 1);
                        }
                        _ => {
                            let r = client
                                .call("Get", &[Value::from(key.as_str())])
                                .unwrap()
                                .ok()
                                .unwrap();
                            let t = &r.tables[0];
                            assert_eq!(t.columns()[0].name, "KEY");
                            if let Ok(row) = t.row(0) {
                                assert_eq!(row.get::<&str>(0).unwrap(), key);
                                let v: Vec<u8> = row.get(1).unwrap();
                                assert!(v.starts_with(format!("{key}=").as_bytes()));
                            }
                        }
                    }
                }
            });
        }
    });
    let elapsed = started.elapsed();
    let stats = client.stats();
    let total = stats.total();
    eprintln!(
        "{} calls in {:.2?} ({:.0}/s)\n{stats}",
        total.calls,
        elapsed,
        total.calls as f64 / elapsed.as_secs_f64()
    );
    assert_eq!(total.calls, THREADS * CALLS);
    assert_eq!(total.successes, THREADS * CALLS);
    assert_eq!(total.latency.count(), THREADS * CALLS);
    assert_eq!(
        server.calls(),
        THREADS * CALLS,
        "each call sent exactly once"
    );
    for c in &stats.connections {
        assert!(
            c.calls.calls > THREADS * CALLS / 4,
            "calls spread over the pool: {stats}"
        );
        assert_eq!(c.late_replies, 0, "no stray or duplicate replies");
        assert_eq!(c.disconnects, 0);
        assert_eq!(c.in_flight, 0);
    }
}

/// The server stops in the middle of load: every call ends (connection
/// lost, timeout or no connection), none hangs; new calls fail fast while it
/// is down; when it restarts on the same port, calls succeed again.
#[test]
fn server_stops_under_load_and_comes_back() {
    let server = TestServer::start().unwrap();
    let port = server.port();
    let timeout = Duration::from_secs(2);
    let client = builder(port)
        .pool_size(2)
        .call_timeout(timeout)
        .build()
        .unwrap();
    let stop = AtomicBool::new(false);
    let (ok, lost, timed_out, refused) = (
        AtomicU64::new(0),
        AtomicU64::new(0),
        AtomicU64::new(0),
        AtomicU64::new(0),
    );
    let longest = Mutex::new(Duration::ZERO);
    std::thread::scope(|s| {
        for t in 0..16u64 {
            let (client, stop, ok, lost, timed_out, refused, longest) =
                (&client, &stop, &ok, &lost, &timed_out, &refused, &longest);
            s.spawn(move || {
                let mut x = t + 1;
                while !stop.load(Ordering::SeqCst) {
                    let key = format!("k{}", xorshift(&mut x) % 100);
                    let started = Instant::now();
                    // A few calls are slow, so some are surely pending at the stop.
                    let r = if t % 4 == 0 {
                        client.call("Sleep", &[Value::from(50)])
                    } else {
                        client.call("Put", &[Value::from(key.as_str()), Value::from("v")])
                    };
                    let took = started.elapsed();
                    let mut l = longest.lock().unwrap();
                    *l = (*l).max(took);
                    drop(l);
                    match r {
                        Ok(r) => {
                            assert!(r.is_success(), "{r}");
                            ok.fetch_add(1, Ordering::SeqCst);
                        }
                        Err(Error::ConnectionLost { .. }) => {
                            lost.fetch_add(1, Ordering::SeqCst);
                        }
                        Err(Error::Timeout(_)) => {
                            timed_out.fetch_add(1, Ordering::SeqCst);
                        }
                        Err(Error::ConnectionError { .. }) => {
                            assert!(took < Duration::from_millis(100), "fails fast: {took:?}");
                            refused.fetch_add(1, Ordering::SeqCst);
                            std::thread::sleep(Duration::from_millis(2));
                        }
                        Err(e) => panic!("unexpected error {e:?}"),
                    }
                }
            });
        }
        wait_for("load", Duration::from_secs(5), || {
            ok.load(Ordering::SeqCst) > 500
        });
        server.shutdown();
        let down_at = Instant::now();
        // While it is down, new calls fail at once without being sent.
        wait_for("calls to be refused", Duration::from_secs(5), || {
            refused.load(Ordering::SeqCst) > 100
        });
        for _ in 0..10 {
            let t = Instant::now();
            let e = client.call("Get", &[Value::from("k")]).unwrap_err();
            assert!(
                matches!(e, Error::ConnectionError { message: ref m, .. } if m.contains("not sent")),
                "{e:?}"
            );
            assert!(t.elapsed() < Duration::from_millis(50));
        }
        assert!(
            lost.load(Ordering::SeqCst) > 0,
            "calls in flight at the stop were lost"
        );
        assert!(down_at.elapsed() < Duration::from_secs(2));
        // Back on the same port: service resumes with no action by the user.
        let server = TestServer::builder().port(port).start().unwrap();
        let ok_before = ok.load(Ordering::SeqCst);
        wait_for("service to resume", Duration::from_secs(5), || {
            ok.load(Ordering::SeqCst) > ok_before + 500
        });
        wait_for("both connections", Duration::from_secs(5), || {
            client.connected_count() == 2
        });
        stop.store(true, Ordering::SeqCst);
        drop(server);
    });
    let longest = *longest.lock().unwrap();
    assert!(
        longest < timeout + Duration::from_millis(500),
        "no call hung: {longest:?}"
    );
    let stats = client.stats();
    let total = stats.total();
    assert_eq!(total.successes, ok.load(Ordering::SeqCst));
    assert_eq!(
        total.errors,
        lost.load(Ordering::SeqCst) + refused.load(Ordering::SeqCst) + 10
    );
    assert!(
        stats
            .connections
            .iter()
            .all(|c| c.disconnects >= 1 && c.connects >= 2),
        "{stats}"
    );
}

#[test]
fn lazy_pool_starts_serving_when_the_server_appears() {
    let port = free_port();
    let started = Instant::now();
    let client = Client::lazy_connection_pool(["127.0.0.1"], port, 3, true).unwrap();
    assert!(
        started.elapsed() < Duration::from_millis(100),
        "returns at once"
    );
    for _ in 0..5 {
        let t = Instant::now();
        let e = client.ping().unwrap_err();
        assert!(matches!(e, Error::ConnectionError { .. }), "{e:?}");
        assert!(t.elapsed() < Duration::from_millis(50));
    }
    std::thread::sleep(Duration::from_millis(200));
    let server = TestServer::builder().port(port).start().unwrap();
    // The default backoff (0.5 s initial, ±20 %) bounds the wait.
    client.wait_connected(Duration::from_secs(10)).unwrap();
    client.ping().unwrap().ok().unwrap();
    wait_for("3 connections", Duration::from_secs(10), || {
        client.connected_count() == 3 && server.connection_count() == 3
    });
    client.close();
    wait_for("server side closed", Duration::from_secs(2), || {
        server.connection_count() == 0
    });
}

#[test]
fn lazy_connection_and_eager_failure() {
    let port = free_port();
    assert!(
        Client::connection("127.0.0.1", port).is_err(),
        "eager fails with no server"
    );
    let client = Client::lazy_connection("127.0.0.1", port).unwrap();
    assert!(!client.is_connected());
    let _server = TestServer::builder().port(port).start().unwrap();
    client.wait_connected(Duration::from_secs(10)).unwrap();
    let client2 = Client::connection("127.0.0.1", port).unwrap();
    client2
        .call("Put", &[Value::from("a"), Value::from("b")])
        .unwrap()
        .ok()
        .unwrap();
    let r = client.call("Get", &[Value::from("a")]).unwrap();
    assert_eq!(r.tables[0].row(0).unwrap().get::<Vec<u8>>(1).unwrap(), b"b");
}

#[test]
fn out_of_order_replies() {
    let server = TestServer::start().unwrap();
    let client = builder(server.port()).build().unwrap();
    std::thread::scope(|s| {
        let slow = s.spawn(|| client.call("Sleep", &[Value::from(400)]));
        server.inject_for("Get", Fault::Delay(Duration::from_millis(200)));
        let slowish = s.spawn(|| client.call("Get", &[Value::from("x")]));
        std::thread::sleep(Duration::from_millis(50));
        let t = Instant::now();
        let r = client.call("Echo", &[Value::from("fast")]).unwrap();
        assert!(
            t.elapsed() < Duration::from_millis(150),
            "not held up by slower calls"
        );
        assert_eq!(r.tables[0].row(0).unwrap().get::<&str>(0).unwrap(), "fast");
        let r = slowish.join().unwrap().unwrap();
        assert_eq!(r.tables[0].columns()[0].name, "KEY");
        assert!(slow.join().unwrap().unwrap().is_success());
    });
    assert_eq!(client.stats().connections[0].late_replies, 0);
}

/// A reply that arrives after its call timed out is dropped (never given to
/// another call); so are misaddressed and duplicated replies.
#[test]
fn late_wrong_and_duplicate_replies_are_dropped() {
    let server = TestServer::start().unwrap();
    let client = builder(server.port()).build().unwrap();
    server.inject_for("Echo", Fault::Delay(Duration::from_millis(300)));
    let t = Instant::now();
    let e = client
        .call_with("Echo", &[Value::from("late")], &short(100))
        .unwrap_err();
    assert!(
        matches!(e, Error::Timeout(d) if d == Duration::from_millis(100)),
        "{e:?}"
    );
    assert!(t.elapsed() < Duration::from_millis(250));
    // The next calls get their own replies, also when the late one arrives meanwhile.
    for i in 0..20 {
        let r = client.call("Echo", &[Value::from(i)]).unwrap();
        assert_eq!(r.tables[0].row(0).unwrap().get::<i32>(0).unwrap(), i);
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(client.stats().connections[0].late_replies, 1);

    server.inject_for("Echo", Fault::WrongHandle(MAX_CLIENT_HANDLE - 5));
    let e = client
        .call_with("Echo", &[Value::from(1)], &short(200))
        .unwrap_err();
    assert!(matches!(e, Error::Timeout(_)), "{e:?}");
    server.inject_for("Echo", Fault::DuplicateReply);
    let r = client.call("Echo", &[Value::from(7)]).unwrap();
    assert_eq!(r.tables[0].row(0).unwrap().get::<i32>(0).unwrap(), 7);
    let r = client.call("Echo", &[Value::from(8)]).unwrap();
    assert_eq!(r.tables[0].row(0).unwrap().get::<i32>(0).unwrap(), 8);
    server.inject_for("Echo", Fault::ConnectionIdReply);
    let e = client
        .call_with("Echo", &[Value::from(1)], &short(200))
        .unwrap_err();
    assert!(matches!(e, Error::Timeout(_)), "{e:?}");
    let stats = client.stats();
    let c = &stats.connections[0];
    assert_eq!((c.late_replies, c.disconnects), (4, 0), "{stats}");
    assert_eq!(stats.procedures["Echo"].timeouts, 3);
    client.ping().unwrap().ok().unwrap();
}

#[test]
fn unsolicited_notifications_go_to_the_hook() {
    let server = TestServer::start().unwrap();
    let (tx, rx) = mpsc::channel::<Unsolicited>();
    let tx = Mutex::new(tx);
    let client = builder(server.port())
        .pool_size(2)
        .on_unsolicited(move |u| {
            let _ = tx.lock().unwrap().send(u);
        })
        .build()
        .unwrap();
    let mut push = VoltResponse::new(ASYNC_TOPO_HANDLE, Status::Success);
    push.status_string = Some("pushed".into());
    server.push_unsolicited(push);
    let mut seen = Vec::new();
    for _ in 0..2 {
        let u = rx.recv_timeout(Duration::from_secs(5)).unwrap();
        assert_eq!(u.response.client_handle, ASYNC_TOPO_HANDLE);
        assert_eq!(u.response.status_string.as_deref(), Some("pushed"));
        assert_eq!(u.host_id, server.host_id());
        seen.push(u.connection);
    }
    seen.sort();
    assert_eq!(seen, vec![0, 1], "one per connection");
    // A push right before a reply does not disturb the call.
    server.inject_for("Echo", Fault::UnsolicitedBefore);
    let r = client.call("Echo", &[Value::from("x")]).unwrap();
    assert_eq!(r.tables[0].row(0).unwrap().get::<&str>(0).unwrap(), "x");
    let u = rx.recv_timeout(Duration::from_secs(5)).unwrap();
    assert_eq!(u.response.client_handle, ASYNC_TOPO_HANDLE);
    assert_eq!(u.response.tables.len(), 2, "the @Statistics TOPO tables");
    let stats = client.stats();
    assert_eq!(
        stats.connections.iter().map(|c| c.unsolicited).sum::<u64>(),
        3
    );
    assert_eq!(
        stats
            .connections
            .iter()
            .map(|c| c.late_replies)
            .sum::<u64>(),
        0
    );
}

#[test]
fn keepalive_pings_idle_connections_and_detects_a_stalled_one() {
    let server = TestServer::start().unwrap();
    let client = builder(server.port())
        .keepalive_interval(Some(Duration::from_millis(100)))
        .response_timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    std::thread::sleep(Duration::from_millis(450));
    let s = client.stats();
    assert!(s.connections[0].pings >= 2, "idle connection pinged: {s}");
    assert_eq!(s.connections[0].disconnects, 0, "pings answered: {s}");
    assert!(s.procedures.is_empty(), "pings are not calls: {s}");
    // The server stops reading (and so answering): pending calls and the
    // ping stall until the keepalive declares the connection dead.
    server.inject_for("Get", Fault::StopReading(Duration::from_secs(5)));
    client.call("Get", &[Value::from("k")]).unwrap();
    let t = Instant::now();
    let pending: Vec<_> = std::thread::scope(|s| {
        let hs: Vec<_> = (0..4)
            .map(|i| {
                let client = &client;
                s.spawn(move || client.call("Echo", &[Value::from(i)]))
            })
            .collect();
        hs.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let took = t.elapsed();
    for r in pending {
        let e = r.unwrap_err();
        assert!(
            matches!(e, Error::ConnectionLost { message: ref m, .. } if m.contains("keepalive")),
            "{e:?}"
        );
    }
    assert!(took < Duration::from_millis(1500), "detected in {took:?}");
    client.wait_connected(Duration::from_secs(5)).unwrap();
    client.ping().unwrap().ok().unwrap();
    let s = client.stats();
    assert_eq!(
        (s.connections[0].disconnects, s.connections[0].connects),
        (1, 2),
        "{s}"
    );
    assert!(s.connections[0]
        .last_error
        .as_deref()
        .unwrap()
        .contains("keepalive"));
}

#[test]
fn connection_faults_fail_pending_calls_as_outcome_unknown() {
    let server = TestServer::start().unwrap();
    let client = builder(server.port()).build().unwrap();
    for fault in [
        Fault::CloseMidFrame,
        Fault::CloseInLengthPrefix,
        Fault::Disconnect,
        Fault::BadLength(-5),
        Fault::Garbage(vec![0, 0, 0, 3, 1, 2, 3]),
    ] {
        client.wait_connected(Duration::from_secs(5)).unwrap();
        server.inject_for("Put", fault.clone());
        let e = client
            .call("Put", &[Value::from("k"), Value::from("v")])
            .unwrap_err();
        assert!(
            matches!(e, Error::ConnectionLost { .. }),
            "{fault:?}: {e:?}"
        );
        assert!(e.to_string().contains("outcome unknown"), "{e}");
        // Reconnected by itself.
        client.wait_connected(Duration::from_secs(5)).unwrap();
        client.ping().unwrap().ok().unwrap();
    }
    assert_eq!(client.stats().connections[0].disconnects, 5);
}

#[test]
fn cluster_pool_spreads_calls_and_survives_a_node() {
    let cluster = TestServer::builder().start_cluster(3).unwrap();
    let hosts: Vec<String> = cluster.addrs().iter().map(|a| a.to_string()).collect();
    let client = Client::builder()
        .hosts(&hosts)
        .unwrap()
        .pool_size(2)
        .keepalive_interval(None)
        .backoff(Duration::from_millis(20), Duration::from_millis(200), 0.2)
        .build()
        .unwrap();
    assert_eq!(client.connected_count(), 6);
    for i in 0..600 {
        client
            .call("Put", &[Value::from(format!("k{i}")), Value::from("v")])
            .unwrap()
            .ok()
            .unwrap();
    }
    for i in 0..3 {
        assert_eq!(cluster.calls_on(i), 200, "round-robin over 6 connections");
    }
    let host_ids: Vec<_> = client
        .stats()
        .connections
        .iter()
        .map(|c| c.host_id)
        .collect();
    assert_eq!(host_ids, [0, 0, 1, 1, 2, 2].map(Some));
    cluster.kill(1);
    wait_for("node 1 connections down", Duration::from_secs(5), || {
        client.connected_count() == 4
    });
    for i in 0..100 {
        client
            .call("Get", &[Value::from(format!("k{i}"))])
            .unwrap()
            .ok()
            .unwrap();
    }
    let new_id = cluster.restart(1).unwrap();
    assert_ne!(new_id, 1);
    wait_for("node 1 back", Duration::from_secs(5), || {
        client.connected_count() == 6
    });
    let stats = client.stats();
    assert_eq!(
        stats.connections[2].host_id,
        Some(new_id),
        "rejoined with a new host id: {stats}"
    );
    assert_eq!(stats.connections[3].host_id, Some(new_id), "{stats}");
}

#[test]
fn backpressure_blocks_or_fails() {
    let server = TestServer::start().unwrap();
    let fail = builder(server.port())
        .max_in_flight(2)
        .backpressure(BackpressurePolicy::Fail)
        .build()
        .unwrap();
    let block = builder(server.port()).max_in_flight(1).build().unwrap();
    std::thread::scope(|s| {
        let slow: Vec<_> = (0..2)
            .map(|_| s.spawn(|| fail.call("Sleep", &[Value::from(300)])))
            .collect();
        let slow1 = s.spawn(|| block.call("Sleep", &[Value::from(300)]));
        std::thread::sleep(Duration::from_millis(100));
        let t = Instant::now();
        assert!(matches!(fail.ping(), Err(Error::Backpressure(2))));
        assert!(t.elapsed() < Duration::from_millis(50));
        // Block: waits up to its timeout, then gives up without sending...
        assert!(matches!(
            block.call_with("@Ping", &[], &short(50)),
            Err(Error::Backpressure(1))
        ));
        // ...or goes through once a place is free.
        let t = Instant::now();
        block.ping().unwrap().ok().unwrap();
        assert!(
            t.elapsed() >= Duration::from_millis(100),
            "waited for the slow call"
        );
        for h in slow {
            h.join().unwrap().unwrap();
        }
        slow1.join().unwrap().unwrap();
    });
    fail.ping().unwrap();
    assert_eq!(fail.stats().procedures["@Ping"].errors, 1);
}

#[test]
fn per_call_options_reach_the_server() {
    let server = TestServer::start().unwrap();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let seen2 = seen.clone();
    server.register("Opts", move |ctx, params| {
        seen2
            .lock()
            .unwrap()
            .push((ctx.version, ctx.options, params.to_vec()));
        Ok(ProcReply::new())
    });
    let client = builder(server.port()).build().unwrap();
    client
        .call("Opts", &[Value::from(5i64)])
        .unwrap()
        .ok()
        .unwrap();
    let opts = CallOptions::new()
        .timeout(Duration::from_secs(3))
        .query_timeout(Duration::from_millis(1500))
        .priority(2)
        .request_timeout(Duration::from_millis(700))
        .types(vec![VoltType::SmallInt]);
    client
        .call_with("Opts", &[Value::from(5i64)], &opts)
        .unwrap()
        .ok()
        .unwrap();
    let seen = seen.lock().unwrap();
    assert_eq!(seen[0].0, 0, "plain calls are version 0");
    assert_eq!(seen[0].2, vec![Value::BigInt(5)]);
    assert_eq!(seen[1].0, 2, "server-side options need version 2");
    assert_eq!(seen[1].1.batch_timeout_ms, Some(1500));
    assert_eq!(seen[1].1.priority, Some(2));
    assert_eq!(seen[1].1.request_timeout_us, Some(700_000));
    assert_eq!(
        seen[1].2,
        vec![Value::SmallInt(5)],
        "declared types applied"
    );
    // Parameter errors are reported before anything is sent.
    let calls = server.calls();
    let bad = CallOptions::new().types(vec![VoltType::TinyInt]);
    assert!(matches!(
        client.call_with("Opts", &[Value::from(1000)], &bad),
        Err(Error::Encode(_))
    ));
    assert_eq!(server.calls(), calls);
}

#[test]
fn close_and_drop_end_pending_calls_and_threads() {
    let server = TestServer::start().unwrap();
    let client = builder(server.port()).pool_size(2).build().unwrap();
    std::thread::scope(|s| {
        let pending: Vec<_> = (0..6)
            .map(|_| {
                let c = client.clone();
                s.spawn(move || c.call("Sleep", &[Value::from(5000)]))
            })
            .collect();
        wait_for("calls in flight", Duration::from_secs(5), || {
            client
                .stats()
                .connections
                .iter()
                .map(|c| c.in_flight)
                .sum::<usize>()
                == 6
        });
        let t = Instant::now();
        client.close();
        assert!(
            t.elapsed() < Duration::from_millis(500),
            "{:?}",
            t.elapsed()
        );
        for p in pending {
            assert!(matches!(p.join().unwrap(), Err(Error::Closed)));
        }
    });
    assert!(matches!(client.ping(), Err(Error::Closed)));
    wait_for("server sees the close", Duration::from_secs(2), || {
        server.connection_count() == 0
    });
    // Dropping the last handle closes too.
    let client = builder(server.port()).pool_size(3).build().unwrap();
    let clone = client.clone();
    drop(client);
    wait_for("3 connections", Duration::from_secs(2), || {
        server.connection_count() == 3
    });
    drop(clone);
    wait_for("drop closes", Duration::from_secs(2), || {
        server.connection_count() == 0
    });
}

#[test]
fn reconnect_off_stays_down() {
    let server = TestServer::start().unwrap();
    let port = server.port();
    let client = Client::connection_pool(["127.0.0.1"], port, 1, false).unwrap();
    client.ping().unwrap();
    server.disconnect_all();
    wait_for("down", Duration::from_secs(2), || !client.is_connected());
    std::thread::sleep(Duration::from_millis(300));
    let e = client.ping().unwrap_err();
    assert!(
        matches!(e, Error::ConnectionError { message: ref m, .. } if m.contains("reconnect is off")),
        "{e:?}"
    );
    assert_eq!(server.connection_count(), 0);
}

#[test]
fn statistics_per_procedure_and_connection() {
    let server = TestServer::start().unwrap();
    let client = builder(server.port()).build().unwrap();
    for i in 0..10 {
        client
            .call("Put", &[Value::from(format!("k{i}")), Value::from("v")])
            .unwrap();
    }
    let err = client.call("NoSuchProcedure", &[]).unwrap_err();
    assert!(
        matches!(
            err,
            Error::Server {
                status: Status::UnexpectedFailure,
                ..
            }
        ),
        "{err:?}"
    );
    server.inject_for("Get", Fault::NoReply);
    let _ = client.call_with("Get", &[Value::from("k")], &short(50));
    let stats = client.stats();
    let put = &stats.procedures["Put"];
    assert_eq!(
        (
            put.calls,
            put.successes,
            put.failures,
            put.errors,
            put.timeouts
        ),
        (10, 10, 0, 0, 0)
    );
    assert!(put.bytes_sent > 10 * 20 && put.bytes_received > 10 * 20);
    assert_eq!(put.latency.count(), 10);
    assert!(put.latency.percentile(50.0) <= put.latency.max());
    assert_eq!(stats.procedures["NoSuchProcedure"].failures, 1);
    assert_eq!(stats.procedures["Get"].timeouts, 1);
    let c = &stats.connections[0];
    assert_eq!(c.calls.calls, 12);
    assert_eq!(
        (c.host.as_str(), c.port, c.connected),
        ("127.0.0.1", server.port(), true)
    );
    let text = stats.to_string();
    for needle in ["Put", "Get", "p99.9", "127.0.0.1"] {
        assert!(text.contains(needle), "{text}");
    }
}

/// `call_async`: one thread keeps 256 calls in flight, 5,000 in all; every
/// reply is its own call's, and each is counted once in the statistics.
#[test]
fn call_async_pipelines_from_one_thread() {
    let server = TestServer::start().unwrap();
    let client = builder(server.port()).build().unwrap();
    let mut window = std::collections::VecDeque::new();
    let mut collected = 0;
    let mut check = |i: i32, p: voltdb::client::PendingCall| {
        assert_eq!(p.procedure(), "Echo");
        let r = p.wait().unwrap();
        assert_eq!(r.tables[0].row(0).unwrap().get::<i32>(0).unwrap(), i);
        assert!(r.client_round_trip.is_some());
        collected += 1;
    };
    for i in 0..5000 {
        window.push_back((i, client.call_async("Echo", &[Value::from(i)]).unwrap()));
        if window.len() == 256 {
            let (i, p) = window.pop_front().unwrap();
            check(i, p);
        }
    }
    for (i, p) in window {
        check(i, p);
    }
    assert_eq!(collected, 5000);
    let stats = client.stats();
    let echo = &stats.procedures["Echo"];
    assert_eq!((echo.calls, echo.successes), (5000, 5000), "{stats}");
    assert_eq!(echo.latency.count(), 5000);
    assert_eq!(stats.connections[0].in_flight, 0);
    assert_eq!(stats.connections[0].late_replies, 0);
}

/// Replies complete in the order the server sends them; a pending call
/// reports readiness, times out at its own deadline, and can be collected
/// by another thread.
#[test]
fn call_async_readiness_timeouts_and_threads() {
    let server = TestServer::start().unwrap();
    let client = builder(server.port()).build().unwrap();
    let slow = client.call_async("Sleep", &[Value::from(300)]).unwrap();
    let fast = client.call_async("Echo", &[Value::from("fast")]).unwrap();
    wait_for("the fast reply", Duration::from_secs(5), || fast.is_ready());
    assert!(!slow.is_ready(), "the slow call cannot be done yet");
    let r = fast.wait().unwrap();
    assert_eq!(r.tables[0].row(0).unwrap().get::<&str>(0).unwrap(), "fast");
    // Collected from another thread (PendingCall is Send).
    let t = std::thread::spawn(move || slow.wait());
    assert!(t.join().unwrap().unwrap().is_success());

    let t0 = Instant::now();
    let p = client
        .call_async_with("Sleep", &[Value::from(2000)], &short(80))
        .unwrap();
    assert!(format!("{p:?}").contains("Sleep"));
    let e = p.wait().unwrap_err();
    assert!(
        matches!(e, Error::Timeout(d) if d == Duration::from_millis(80)),
        "{e:?}"
    );
    let waited = t0.elapsed();
    assert!(
        waited >= Duration::from_millis(80) && waited < Duration::from_millis(1500),
        "{waited:?}"
    );
    assert_eq!(client.stats().procedures["Sleep"].timeouts, 1);
    // Bad parameters fail before anything is sent.
    let e = client
        .call_async_with(
            "Echo",
            &[Value::from(300)],
            &CallOptions::new().types(vec![VoltType::TinyInt]),
        )
        .unwrap_err();
    assert!(matches!(e, Error::Encode(_)), "{e:?}");
}

/// Dropping a pending call frees its place at once; its reply, when it
/// comes, is discarded as late.
#[test]
fn dropping_a_pending_call_frees_its_place() {
    let server = TestServer::start().unwrap();
    let client = builder(server.port())
        .max_in_flight(1)
        .backpressure(BackpressurePolicy::Fail)
        .build()
        .unwrap();
    let p = client.call_async("Sleep", &[Value::from(200)]).unwrap();
    assert!(matches!(
        client.call_async("@Ping", &[]),
        Err(Error::Backpressure(1))
    ));
    drop(p);
    let t = Instant::now();
    client.call_async("@Ping", &[]).unwrap().wait().unwrap();
    assert!(
        t.elapsed() < Duration::from_millis(150),
        "{:?}",
        t.elapsed()
    );
    wait_for("the abandoned reply", Duration::from_secs(5), || {
        client.stats().connections[0].late_replies == 1
    });
    let stats = client.stats();
    assert!(!stats.procedures.contains_key("Sleep"), "{stats}");
    assert_eq!(stats.connections[0].in_flight, 0);
}

/// Pending calls end with `ConnectionLost` when the connection dies and with
/// `Closed` when the client is closed.
#[test]
fn pending_calls_end_when_the_connection_or_client_does() {
    let server = TestServer::start().unwrap();
    let client = builder(server.port()).build().unwrap();
    server.inject_for("Put", Fault::CloseMidFrame);
    let lost = client
        .call_async("Put", &[Value::from("k"), Value::from("v")])
        .unwrap();
    let e = lost.wait().unwrap_err();
    assert!(matches!(e, Error::ConnectionLost { .. }), "{e:?}");
    client.wait_connected(Duration::from_secs(5)).unwrap();
    let pending: Vec<_> = (0..3)
        .map(|_| client.call_async("Sleep", &[Value::from(5000)]).unwrap())
        .collect();
    let t = Instant::now();
    client.close();
    for p in pending {
        assert!(p.is_ready());
        assert!(matches!(p.wait(), Err(Error::Closed)));
    }
    assert!(t.elapsed() < Duration::from_millis(500));
    assert!(matches!(
        client.call_async("@Ping", &[]),
        Err(Error::Closed)
    ));
}

/// Calls queued for the writer thread when the connection dies: every one
/// ends (answered before the fault, or `ConnectionLost`), none hangs, and
/// the client reconnects by itself.
#[test]
fn queued_calls_end_when_the_connection_dies() {
    let server = TestServer::start().unwrap();
    let client = builder(server.port()).build().unwrap();
    for round in 0..3 {
        client.wait_connected(Duration::from_secs(5)).unwrap();
        let pending: Vec<_> = (0..300)
            .map(|i| {
                if i == 150 {
                    server.inject_for("Echo", Fault::Disconnect);
                }
                client.call_async("Echo", &[Value::from(i)])
            })
            .collect();
        let t = Instant::now();
        let (mut ok, mut lost) = (0, 0);
        for (i, p) in pending.into_iter().enumerate() {
            match p.and_then(|p| p.wait()) {
                Ok(r) => {
                    assert_eq!(r.tables[0].row(0).unwrap().get::<i32>(0).unwrap(), i as i32);
                    ok += 1;
                }
                Err(Error::ConnectionLost { .. }) | Err(Error::ConnectionError { .. }) => lost += 1,
                Err(e) => panic!("round {round}, call {i}: {e:?}"),
            }
        }
        assert!(t.elapsed() < Duration::from_secs(5), "{:?}", t.elapsed());
        assert!(lost >= 1 && ok + lost == 300, "{ok} ok, {lost} lost");
        wait_for("no call in flight", Duration::from_secs(5), || {
            client.stats().connections[0].in_flight == 0
        });
    }
    client.wait_connected(Duration::from_secs(5)).unwrap();
    client.call_async("@Ping", &[]).unwrap().wait().unwrap();
}
