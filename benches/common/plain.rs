//! The plain server of the round-trip benchmark: no procedures, no threads
//! between reading and writing — it answers a login request with a fixed
//! login response, and every other frame with one fixed reply frame whose
//! client handle is copied from the request (so that a real client accepts
//! it). Against it, a raw TCP ping-pong measures what the loopback socket
//! alone costs for these request/response sizes.

#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};

/// A running plain server (its threads end with the process, or with their
/// connection).
pub struct PlainServer {
    pub addr: SocketAddr,
}

impl PlainServer {
    /// Listens on `127.0.0.1` (ephemeral port). `login` is the framed login
    /// response; `reply` a framed procedure response (its handle is patched).
    pub fn start(login: Vec<u8>, reply: Vec<u8>) -> std::io::Result<PlainServer> {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let addr = listener.local_addr()?;
        std::thread::Builder::new()
            .name("plain-accept".into())
            .spawn(move || {
                for stream in listener.incoming() {
                    let Ok(stream) = stream else { continue };
                    let (login, reply) = (login.clone(), reply.clone());
                    let _ = std::thread::Builder::new()
                        .name("plain-conn".into())
                        .spawn(move || serve(stream, login, reply));
                }
            })?;
        Ok(PlainServer { addr })
    }
}

fn serve(mut s: TcpStream, login: Vec<u8>, mut reply: Vec<u8>) {
    let _ = s.set_nodelay(true);
    let mut buf = vec![0u8; 64 * 1024];
    let (mut start, mut end) = (0usize, 0usize);
    let mut logged_in = false;
    loop {
        // Answer every complete frame in the buffer.
        while end - start >= 4 {
            let len =
                i32::from_be_bytes([buf[start], buf[start + 1], buf[start + 2], buf[start + 3]]);
            let len = len.max(0) as usize;
            if end - start < 4 + len {
                break;
            }
            let body = &buf[start + 4..start + 4 + len];
            let out: &[u8] = if !logged_in {
                logged_in = true;
                &login
            } else {
                // Invocation v0: version, name (i32 length + bytes), handle.
                let n = i32::from_be_bytes([body[1], body[2], body[3], body[4]]).max(0) as usize;
                if let Some(h) = body.get(5 + n..13 + n) {
                    reply[5..13].copy_from_slice(h);
                }
                &reply
            };
            if s.write_all(out).is_err() {
                return;
            }
            start += 4 + len;
        }
        if start == end {
            start = 0;
            end = 0;
        } else if end == buf.len() {
            buf.copy_within(start..end, 0);
            end -= start;
            start = 0;
            if end == buf.len() {
                buf.resize(buf.len() * 2, 0);
            }
        }
        match s.read(&mut buf[end..]) {
            Ok(0) | Err(_) => return,
            Ok(n) => end += n,
        }
    }
}

/// A raw TCP client of the plain server: one `write` of the request, then
/// reads of exactly the reply's size. No parsing, no allocation.
pub struct RawClient {
    s: TcpStream,
    request: Vec<u8>,
    reply: Vec<u8>,
}

impl RawClient {
    /// Connects, sends `login_request` and reads the login response.
    pub fn connect(
        addr: SocketAddr,
        login_request: &[u8],
        request: Vec<u8>,
        reply_len: usize,
    ) -> std::io::Result<RawClient> {
        let mut s = TcpStream::connect(addr)?;
        s.set_nodelay(true)?;
        s.write_all(login_request)?;
        let mut len = [0u8; 4];
        s.read_exact(&mut len)?;
        let mut body = vec![0u8; i32::from_be_bytes(len).max(0) as usize];
        s.read_exact(&mut body)?;
        Ok(RawClient {
            s,
            request,
            reply: vec![0u8; reply_len],
        })
    }

    /// One ping-pong.
    pub fn ping_pong(&mut self) {
        self.s.write_all(&self.request).expect("raw write");
        self.s.read_exact(&mut self.reply).expect("raw read");
    }
}
