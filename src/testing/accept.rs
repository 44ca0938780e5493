//! The acceptor, the reader thread of each connection, and the login
//! handshake.
//!
//! The acceptor blocks in `accept` until a connection comes (an idle
//! server costs no CPU); the shutdown makes one ([`wake_acceptor`]).

use std::io::ErrorKind;
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use crate::connection::Stream;
use crate::wire::login::{
    encode_login_failure, HashScheme, LoginRequest, LoginResponse, CONNECTION_LIMIT_BYTE,
};

use super::conn::{after, flush, write_fully, Conn, TICK};
use super::dispatch;
use super::input::{Input, Next};
use super::node::Node;

/// The acceptor thread: accepts (blocking, so an idle server costs no CPU)
/// until shutdown, which [`wake_acceptor`] makes it notice.
pub(crate) fn accept_loop(node: Arc<Node>, listener: TcpListener) {
    loop {
        let accepted = listener.accept();
        if node.is_shutdown() {
            return;
        }
        match accepted {
            Ok((stream, _)) => on_accept(&node, stream),
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            // E.g. out of file descriptors: wait a little and retry.
            Err(_) => thread::sleep(TICK),
        }
    }
}

/// Wakes the acceptor of the node listening on `addr` (after its shutdown
/// flag is set) by connecting to it; false if no connection could be made
/// (the acceptor then ends at the next connection that comes).
pub(crate) fn wake_acceptor(addr: SocketAddr) -> bool {
    (0..3).any(|_| TcpStream::connect_timeout(&addr, Duration::from_secs(1)).is_ok())
}

fn on_accept(node: &Arc<Node>, stream: TcpStream) {
    let _ = stream.set_nonblocking(false);
    let _ = stream.set_nodelay(true);
    let _ = stream.set_read_timeout(Some(TICK));
    let _ = stream.set_write_timeout(Some(TICK));
    let Some(conn) = node.admit(&stream) else {
        let s = Arc::clone(node);
        node.spawn("volt-test-reject", move || reject(&s, stream));
        return;
    };
    let s = Arc::clone(node);
    let c = Arc::clone(&conn);
    if !node.spawn(&format!("volt-test-conn-{}", conn.id), move || {
        serve(&s, &c, stream)
    }) {
        conn.close(node);
    }
}

/// The stream of a new connection: plain, or TLS after the handshake
/// (`None` if that failed).
#[cfg_attr(not(feature = "tls"), allow(unused_variables))]
fn open(node: &Node, sock: TcpStream) -> Option<Stream> {
    #[cfg(feature = "tls")]
    return super::tls::accept(node, sock);
    #[cfg(not(feature = "tls"))]
    Some(Stream::Plain(sock))
}

/// A connection over the limit: the single unframed byte `0x01`, then close.
fn reject(node: &Node, stream: TcpStream) {
    let Some(mut stream) = open(node, stream) else {
        return;
    };
    let _ = write_fully(node, None, &mut stream, &[CONNECTION_LIMIT_BYTE]);
    let _ = stream.socket().shutdown(Shutdown::Write);
    Input::new(stream).drain(node);
}

/// The reader thread of one connection: login, then invocations until EOF,
/// a bad frame, a close or the shutdown.
fn serve(node: &Arc<Node>, conn: &Arc<Conn>, stream: TcpStream) {
    let Some(stream) = open(node, stream) else {
        conn.close(node);
        return;
    };
    let mut input = Input::new(stream);
    let Some((username, reply)) = login(node, conn, &mut input) else {
        conn.close(node);
        input.drain(node);
        return;
    };
    let writer = conn.start_writer(node, &input.stream, reply);
    if writer.is_some() {
        read_loop(node, conn, &mut input, &username);
    }
    conn.close_after_queued(node);
    conn.stop_writer();
    if let Some(w) = writer {
        let _ = w.join();
    }
    conn.close(node);
    input.drain(node);
}

/// Reads and handles invocations. The immediate replies to every frame
/// already buffered are collected and written together, once no complete
/// frame is left (or before a pause, or a queued operation).
fn read_loop(node: &Arc<Node>, conn: &Arc<Conn>, input: &mut Input, username: &str) {
    let mut paused_until: Option<Instant> = None;
    let mut batch = Vec::new();
    loop {
        if node.is_shutdown() || conn.is_closing() {
            return;
        }
        if let Some(until) = paused_until {
            let now = Instant::now();
            if now < until {
                thread::sleep((until - now).min(TICK));
                continue;
            }
            paused_until = None;
        }
        match input.next_frame() {
            Next::Frame(body) => {
                if let Some(d) = dispatch::handle(node, conn, username, body, &mut batch) {
                    paused_until = Some(after(Instant::now(), d));
                }
            }
            Next::Idle => {}
            Next::Eof | Next::Bad => {
                flush(node, conn, &mut batch);
                return;
            }
        }
        if paused_until.is_some() || !input.frame_ready() {
            flush(node, conn, &mut batch);
        }
    }
}

/// The login handshake (docs/protocol.md#login). Returns the user name and the
/// login response to send on success; on failure the rejection (if any) has
/// been written.
fn login(node: &Node, conn: &Conn, input: &mut Input) -> Option<(String, Vec<u8>)> {
    let deadline = after(Instant::now(), node.cluster.cfg.login_timeout);
    let body = loop {
        if node.is_shutdown() || Instant::now() >= deadline {
            return None;
        }
        match input.next_frame() {
            Next::Frame(body) => break body.to_vec(),
            Next::Idle => {}
            Next::Eof | Next::Bad => return None,
        }
    };
    let mut out = Vec::new();
    let result = check_login(node, &body);
    match &result {
        Ok(_) => LoginResponse {
            host_id: node.host_id,
            connection_id: conn.id,
            cluster_start_ms: node.cluster.cluster_start_ms,
            leader_ipv4: i32::from_be_bytes([127, 0, 0, 1]),
            build_string: node.cluster.cfg.build_string.clone(),
        }
        .encode(&mut out),
        Err(code) => encode_login_failure(*code, &mut out),
    }
    match result {
        Ok(username) => Some((username, out)),
        Err(_) => {
            let _ = write_fully(node, None, &mut input.stream, &out);
            None
        }
    }
}

/// Checks a login request body the way an 11.4 server does: the scheme byte
/// first (code 3), then the digest length (−1), the service (5), and the
/// credentials when users are configured (−1).
fn check_login(node: &Node, body: &[u8]) -> Result<String, i8> {
    const AUTH_FAILED: i8 = -1;
    const FORMAT_ERROR: i8 = 3;
    const EXPORT_DISABLED: i8 = 5;
    // Scheme 2 (SPNEGO) carries no digest; this server knows no Kerberos.
    const SPNEGO: u8 = 2;
    if let [version, scheme, ..] = body {
        if *version > 0 && HashScheme::from_code(*scheme).is_none() && *scheme != SPNEGO {
            return Err(FORMAT_ERROR);
        }
    }
    let req = LoginRequest::parse(body).map_err(|_| AUTH_FAILED)?;
    let scheme = req.scheme();
    let digest_len = scheme.map_or(0, HashScheme::digest_len);
    if req.digest.len() != digest_len {
        return Err(AUTH_FAILED);
    }
    match req.service.as_str() {
        "database" => {}
        "kerberos" => return Err(AUTH_FAILED),
        _ => return Err(EXPORT_DISABLED),
    }
    if node.cluster.cfg.users.is_empty() {
        return Ok(req.username);
    }
    let Some(scheme) = scheme else {
        return Err(AUTH_FAILED);
    };
    match node.cluster.cfg.users.get(&req.username) {
        Some(password) if scheme.digest(password) == req.digest => Ok(req.username),
        _ => Err(AUTH_FAILED),
    }
}
