//! Unit tests of the client against a minimal in-file mock server (the full
//! scenarios run against `crate::testing::TestServer` in `tests/client.rs`).
//!
//! The mock answers every invocation with SUCCESS and the status string
//! `"<procedure>:<first parameter>"`. Procedures: `Sleep(ms)` answers after
//! `ms` milliseconds (on its own thread, so replies come out of order);
//! `Stall` makes the connection go silent (no more replies, not even to
//! pings); `Push` sends an unsolicited message before its reply; `Dup`
//! answers twice.

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::*;
use crate::wire::invocation::Invocation;
use crate::wire::login::LoginResponse;
use crate::wire::response::{encode_response, ASYNC_TOPO_HANDLE};
use crate::{Error, Status};

struct Mock {
    port: u16,
    stop: Arc<AtomicBool>,
    conns: Arc<Mutex<Vec<TcpStream>>>,
    accept: Option<JoinHandle<()>>,
}

fn read_exact_frame(s: &mut TcpStream) -> Option<Vec<u8>> {
    let mut len = [0u8; 4];
    s.read_exact(&mut len).ok()?;
    let mut body = vec![0; i32::from_be_bytes(len) as usize];
    s.read_exact(&mut body).ok()?;
    Some(body)
}

fn reply(w: &Mutex<TcpStream>, handle: i64, text: String) {
    let mut r = VoltResponse::new(handle, Status::Success);
    r.status_string = Some(text);
    let mut out = Vec::new();
    encode_response(&r, &mut out);
    let _ = w.lock().unwrap().write_all(&out);
}

fn serve(mut s: TcpStream, id: i64) {
    if read_exact_frame(&mut s).is_none() {
        return;
    }
    let login = LoginResponse {
        host_id: 0,
        connection_id: id,
        cluster_start_ms: 0,
        leader_ipv4: 0x7f00_0001,
        build_string: "mock".into(),
    };
    let mut out = Vec::new();
    login.encode(&mut out);
    if s.write_all(&out).is_err() {
        return;
    }
    let w = Arc::new(Mutex::new(s.try_clone().unwrap()));
    let mut stalled = false;
    while let Some(body) = read_exact_frame(&mut s) {
        if stalled {
            continue;
        }
        let inv = Invocation::parse(&body).unwrap();
        let first = inv.params.first().map_or(String::new(), |v| match v {
            Value::String(s) => s.clone(),
            other => format!("{other:?}"),
        });
        let text = format!("{}:{}", inv.procedure, first);
        match inv.procedure.as_str() {
            "Sleep" => {
                let ms = match inv.params.first() {
                    Some(Value::BigInt(ms)) => *ms as u64,
                    _ => 0,
                };
                let w = w.clone();
                std::thread::spawn(move || {
                    std::thread::sleep(Duration::from_millis(ms));
                    reply(&w, inv.handle, text);
                });
            }
            "Stall" => stalled = true,
            "Push" => {
                reply(&w, ASYNC_TOPO_HANDLE, "pushed".into());
                reply(&w, inv.handle, text);
            }
            "Dup" => {
                reply(&w, inv.handle, text.clone());
                reply(&w, inv.handle, text);
            }
            _ => reply(&w, inv.handle, text),
        }
    }
}

impl Mock {
    fn start(port: u16) -> Mock {
        let l = TcpListener::bind(("127.0.0.1", port)).unwrap();
        let port = l.local_addr().unwrap().port();
        l.set_nonblocking(true).unwrap();
        let stop = Arc::new(AtomicBool::new(false));
        let conns = Arc::new(Mutex::new(Vec::new()));
        let (stop2, conns2) = (stop.clone(), conns.clone());
        let accept = std::thread::spawn(move || {
            let mut id = 0;
            while !stop2.load(Ordering::SeqCst) {
                match l.accept() {
                    Ok((s, _)) => {
                        s.set_nonblocking(false).unwrap();
                        s.set_nodelay(true).unwrap();
                        conns2.lock().unwrap().push(s.try_clone().unwrap());
                        id += 1;
                        std::thread::spawn(move || serve(s, id));
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(5)),
                }
            }
        });
        Mock {
            port,
            stop,
            conns,
            accept: Some(accept),
        }
    }

    fn shutdown(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(a) = self.accept.take() {
            a.join().unwrap();
        }
        for c in self.conns.lock().unwrap().drain(..) {
            let _ = c.shutdown(Shutdown::Both);
        }
    }
}

impl Drop for Mock {
    fn drop(&mut self) {
        self.shutdown();
    }
}

fn client(port: u16) -> ClientBuilder {
    Client::builder().host("127.0.0.1", port).backoff(
        Duration::from_millis(20),
        Duration::from_millis(100),
        0.2,
    )
}

fn text(r: &VoltResponse) -> &str {
    r.status_string.as_deref().unwrap_or("")
}

#[test]
fn pipelined_threads_get_their_own_replies() {
    let mock = Mock::start(0);
    let c = client(mock.port).pool_size(2).build().unwrap();
    std::thread::scope(|s| {
        for t in 0..8 {
            let c = &c;
            s.spawn(move || {
                let mut x = 0x9e37_79b9u64 + t;
                for _ in 0..500 {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    let key = format!("k{}", x % 100_000);
                    let r = c.call("Get", &[Value::from(key.as_str())]).unwrap();
                    assert_eq!(text(&r), format!("Get:{key}"));
                }
            });
        }
    });
    let stats = c.stats();
    let get = &stats.procedures["Get"];
    assert_eq!((get.calls, get.successes), (4000, 4000));
    assert_eq!(get.latency.count(), 4000);
    assert!(
        stats.connections.iter().all(|c| c.calls.calls > 0),
        "{stats}"
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
fn out_of_order_and_late_replies() {
    let mock = Mock::start(0);
    let c = client(mock.port).build().unwrap();
    std::thread::scope(|s| {
        let slow = s.spawn(|| c.call("Sleep", &[Value::from(300i64)]));
        std::thread::sleep(Duration::from_millis(50));
        let t = Instant::now();
        let r = c.call("Echo", &[Value::from("fast")]).unwrap();
        assert_eq!(text(&r), "Echo:fast");
        assert!(t.elapsed() < Duration::from_millis(200));
        assert_eq!(text(&slow.join().unwrap().unwrap()), "Sleep:BigInt(300)");
    });
    // A reply after its call's timeout is dropped, never given to another call.
    let opts = CallOptions::new().timeout(Duration::from_millis(50));
    let err = c
        .call_with("Sleep", &[Value::from(150i64)], &opts)
        .unwrap_err();
    assert!(matches!(err, Error::Timeout(_)), "{err:?}");
    let r = c.call("Sleep", &[Value::from(200i64)]).unwrap();
    assert_eq!(text(&r), "Sleep:BigInt(200)");
    let r = c.call("Dup", &[Value::from("d")]).unwrap();
    assert_eq!(text(&r), "Dup:d");
    assert_eq!(text(&c.call("Echo", &[]).unwrap()), "Echo:");
    let stats = c.stats();
    assert_eq!(stats.connections[0].late_replies, 2, "{stats}");
    assert_eq!(stats.procedures["Sleep"].timeouts, 1);
}

#[test]
fn unsolicited_messages_go_to_the_hook() {
    let mock = Mock::start(0);
    let (tx, rx) = std::sync::mpsc::channel();
    let tx = Mutex::new(tx);
    let c = client(mock.port)
        .on_unsolicited(move |u| {
            let _ = tx.lock().unwrap().send(u);
        })
        .build()
        .unwrap();
    let r = c.call("Push", &[]).unwrap();
    assert_eq!(text(&r), "Push:");
    let u = rx.recv_timeout(Duration::from_secs(5)).unwrap();
    assert_eq!(u.response.client_handle, ASYNC_TOPO_HANDLE);
    assert_eq!(u.connection, 0);
    assert_eq!(c.stats().connections[0].unsolicited, 1);
}

#[test]
fn keepalive_detects_a_stalled_connection_and_reconnects() {
    let mock = Mock::start(0);
    let c = client(mock.port)
        .keepalive_interval(Some(Duration::from_millis(100)))
        .response_timeout(Duration::from_millis(200))
        .build()
        .unwrap();
    // Idle pings are answered: the connection stays up.
    std::thread::sleep(Duration::from_millis(350));
    let s = c.stats();
    assert!(s.connections[0].pings >= 2, "{s}");
    assert_eq!(s.connections[0].disconnects, 0, "{s}");
    let t = Instant::now();
    let err = c
        .call_with(
            "Stall",
            &[],
            &CallOptions::new().timeout(Duration::from_secs(10)),
        )
        .unwrap_err();
    assert!(
        matches!(err, Error::ConnectionLost(ref m) if m.contains("keepalive")),
        "{err:?}"
    );
    assert!(t.elapsed() < Duration::from_secs(2), "{:?}", t.elapsed());
    c.wait_connected(Duration::from_secs(5)).unwrap();
    assert_eq!(text(&c.call("Echo", &[]).unwrap()), "Echo:");
    let s = c.stats();
    assert_eq!(s.connections[0].disconnects, 1, "{s}");
    assert_eq!(s.connections[0].connects, 2, "{s}");
}

#[test]
fn server_restart() {
    let mut mock = Mock::start(0);
    let port = mock.port;
    let c = client(port).build().unwrap();
    std::thread::scope(|s| {
        let pending = s.spawn(|| c.call("Sleep", &[Value::from(5000i64)]));
        std::thread::sleep(Duration::from_millis(100));
        mock.shutdown();
        let err = pending.join().unwrap().unwrap_err();
        assert!(matches!(err, Error::ConnectionLost(_)), "{err:?}");
    });
    // Down: calls fail fast without being sent.
    std::thread::sleep(Duration::from_millis(50));
    let t = Instant::now();
    let err = c.call("Echo", &[]).unwrap_err();
    assert!(matches!(err, Error::ConnectionError(_)), "{err:?}");
    assert!(t.elapsed() < Duration::from_millis(50));
    let _mock = Mock::start(port);
    c.wait_connected(Duration::from_secs(5)).unwrap();
    assert_eq!(text(&c.call("Echo", &[]).unwrap()), "Echo:");
}

#[test]
fn reconnect_off_stays_down() {
    let mut mock = Mock::start(0);
    let port = mock.port;
    let c = client(port).reconnect(false).build().unwrap();
    c.ping().unwrap();
    mock.shutdown();
    let _mock = Mock::start(port);
    std::thread::sleep(Duration::from_millis(300));
    assert!(matches!(c.ping(), Err(Error::ConnectionError(m)) if m.contains("reconnect is off")));
}

#[test]
fn lazy_pool_starts_serving_when_the_server_appears() {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let c = client(port).pool_size(3).lazy(true).build().unwrap();
    assert!(matches!(c.ping(), Err(Error::ConnectionError(_))));
    let _mock = Mock::start(port);
    c.wait_connected(Duration::from_secs(5)).unwrap();
    c.ping().unwrap();
    let deadline = Instant::now() + Duration::from_secs(5);
    while c.connected_count() < 3 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(10));
    }
    assert_eq!(c.connected_count(), 3);
}

#[test]
fn backpressure_fail_and_block() {
    let mock = Mock::start(0);
    let c = client(mock.port)
        .max_in_flight(1)
        .backpressure(BackpressurePolicy::Fail)
        .build()
        .unwrap();
    std::thread::scope(|s| {
        let slow = s.spawn(|| c.call("Sleep", &[Value::from(300i64)]));
        std::thread::sleep(Duration::from_millis(50));
        assert!(matches!(c.call("Echo", &[]), Err(Error::Backpressure(1))));
        slow.join().unwrap().unwrap();
    });
    let c = client(mock.port).max_in_flight(1).build().unwrap();
    std::thread::scope(|s| {
        let slow = s.spawn(|| c.call("Sleep", &[Value::from(200i64)]));
        std::thread::sleep(Duration::from_millis(50));
        let t = Instant::now();
        // Blocks until the slow call is done, then goes through.
        assert_eq!(text(&c.call("Echo", &[]).unwrap()), "Echo:");
        assert!(t.elapsed() >= Duration::from_millis(100));
        slow.join().unwrap().unwrap();
        // Blocked past its timeout: backpressure, nothing sent.
        let slow = s.spawn(|| c.call("Sleep", &[Value::from(300i64)]));
        std::thread::sleep(Duration::from_millis(50));
        let opts = CallOptions::new().timeout(Duration::from_millis(50));
        assert!(matches!(
            c.call_with("Echo", &[], &opts),
            Err(Error::Backpressure(1))
        ));
        slow.join().unwrap().unwrap();
    });
}

#[test]
fn close_fails_pending_calls_and_joins_threads() {
    let mock = Mock::start(0);
    let c = client(mock.port).pool_size(2).build().unwrap();
    std::thread::scope(|s| {
        let pending: Vec<_> = (0..4)
            .map(|_| {
                let c = c.clone();
                s.spawn(move || c.call("Sleep", &[Value::from(5000i64)]))
            })
            .collect();
        std::thread::sleep(Duration::from_millis(100));
        let t = Instant::now();
        c.close();
        assert!(t.elapsed() < Duration::from_secs(1));
        for p in pending {
            assert!(matches!(p.join().unwrap(), Err(Error::Closed)));
        }
    });
    assert!(matches!(c.ping(), Err(Error::Closed)));
}

#[test]
fn version_2_options_are_sent() {
    let mock = Mock::start(0);
    let c = client(mock.port).build().unwrap();
    let opts = CallOptions::new()
        .priority(3)
        .query_timeout(Duration::from_millis(1500))
        .types(vec![crate::VoltType::String]);
    let r = c.call_with("Echo", &[Value::from("x")], &opts).unwrap();
    assert_eq!(text(&r), "Echo:x");
}
