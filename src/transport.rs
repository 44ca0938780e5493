//! Blocking socket plumbing shared by [`FastSerializer`](crate::FastSerializer)
//! and the thread-safe [`Client`](crate::client::Client): connect, log in, and
//! read whole frames with a resumable buffer (a timeout never loses bytes).

use std::cell::Cell;
use std::collections::VecDeque;
use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::error::{Error, LoginError, ProtocolError};
use crate::wire::login::{HashScheme, LoginRequest, LoginResponse, CONNECTION_LIMIT_BYTE};
use crate::wire::{check_frame_length, DEFAULT_FRAME_CAP};

/// How to reach and log in to a server.
#[derive(Clone)]
pub struct ConnectOptions {
    /// User name (empty when security is off).
    pub username: String,
    /// Password (hashed with `hash_scheme` before it is sent).
    pub password: String,
    /// Password hash scheme (SHA-256 by default).
    pub hash_scheme: HashScheme,
    /// Time allowed for the TCP connect and for the login exchange (default 8 s).
    pub connect_timeout: Duration,
    /// Largest frame accepted from the server (default 50 MiB).
    pub frame_cap: usize,
}

impl std::fmt::Debug for ConnectOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConnectOptions")
            .field("username", &self.username)
            .field("password", &"<redacted>")
            .field("hash_scheme", &self.hash_scheme)
            .field("connect_timeout", &self.connect_timeout)
            .field("frame_cap", &self.frame_cap)
            .finish()
    }
}

impl Default for ConnectOptions {
    fn default() -> ConnectOptions {
        ConnectOptions {
            username: String::new(),
            password: String::new(),
            hash_scheme: HashScheme::Sha256,
            connect_timeout: Duration::from_secs(8),
            frame_cap: DEFAULT_FRAME_CAP,
        }
    }
}

/// Resolves `host:port` and connects to the first address that answers,
/// within `timeout` per address.
pub(crate) fn connect_tcp(host: &str, port: u16, timeout: Duration) -> Result<TcpStream, Error> {
    let addrs: Vec<SocketAddr> = (host, port).to_socket_addrs()?.collect();
    let mut last = io::Error::new(io::ErrorKind::NotFound, format!("{host}: no address"));
    for a in addrs {
        match TcpStream::connect_timeout(&a, timeout.max(Duration::from_millis(1))) {
            Ok(s) => {
                s.set_nodelay(true)?;
                return Ok(s);
            }
            Err(e) => last = e,
        }
    }
    Err(Error::Io(last))
}

/// Connects and logs in. Returns the stream (blocking, no timeouts set), the
/// frame reader (which may already hold bytes), the login response and its
/// framed bytes. `on_sent` receives the login request as sent (for dump files).
pub(crate) fn connect_and_login(
    host: &str,
    port: u16,
    opts: &ConnectOptions,
    on_sent: &mut dyn FnMut(&[u8], &LoginRequest),
) -> Result<(TcpStream, FrameReader, LoginResponse, Vec<u8>), Error> {
    let deadline = Instant::now() + opts.connect_timeout;
    let mut stream = connect_tcp(host, port, opts.connect_timeout)?;
    let req = LoginRequest::new(&opts.username, &opts.password, opts.hash_scheme);
    let mut bytes = Vec::new();
    req.encode(&mut bytes);
    stream.set_write_timeout(Some(opts.connect_timeout.max(Duration::from_millis(1))))?;
    stream.write_all(&bytes)?;
    on_sent(&bytes, &req);
    let mut reader = FrameReader::new(opts.frame_cap);
    let body = match reader.read_frame(&mut stream, Some(deadline)) {
        Ok(b) => b,
        Err(ReadError::TimedOut) => {
            return Err(Error::Login(LoginError::TimedOut(opts.connect_timeout)))
        }
        Err(ReadError::Eof { partial }) => {
            // A server at its connection limit sends one unframed 0x01 byte and closes.
            if partial == [CONNECTION_LIMIT_BYTE] {
                return Err(Error::Login(LoginError::TooManyConnections));
            }
            return Err(Error::ConnectionLost(format!(
                "server closed the connection during login after {} bytes",
                partial.len()
            )));
        }
        Err(ReadError::Io(e)) => return Err(Error::Io(e)),
        Err(ReadError::Protocol(p)) => return Err(Error::Protocol(p)),
    };
    let mut framed = (body.len() as i32).to_be_bytes().to_vec();
    framed.extend_from_slice(&body);
    let login = LoginResponse::parse(&body)?;
    stream.set_write_timeout(None)?;
    Ok((stream, reader, login, framed))
}

/// Why a frame could not be read.
#[derive(Debug)]
pub(crate) enum ReadError {
    /// The deadline passed; bytes read so far stay buffered.
    TimedOut,
    /// The peer closed the connection; `partial` holds the bytes of the
    /// unfinished frame (empty at a frame boundary).
    Eof { partial: Vec<u8> },
    /// An I/O error.
    Io(io::Error),
    /// A bad length prefix.
    Protocol(ProtocolError),
}

impl ReadError {
    /// Converts to the crate error, given what was in flight.
    pub(crate) fn into_error(self, in_flight: bool) -> Error {
        match self {
            ReadError::TimedOut => Error::Timeout(Duration::ZERO),
            ReadError::Eof { partial } if partial.is_empty() => {
                let what = "server closed the connection";
                if in_flight {
                    Error::ConnectionLost(what.into())
                } else {
                    Error::ConnectionError(what.into())
                }
            }
            ReadError::Eof { partial } => Error::ConnectionLost(format!(
                "server closed the connection inside a frame, after {} bytes",
                partial.len()
            )),
            ReadError::Io(e) if in_flight => Error::ConnectionLost(e.to_string()),
            ReadError::Io(e) => Error::Io(e),
            ReadError::Protocol(p) => Error::Protocol(p),
        }
    }
}

/// Response body buffers kept for reuse. A response's tables share its body
/// (an `Arc`), so a buffer can be read into again once every response
/// holding it has been dropped. The pool keeps the `slots` most recent
/// buffers of at most `max_capacity` bytes each, oldest first (replies are
/// mostly dropped in the order they arrived).
pub(crate) struct BodyPool {
    spares: VecDeque<Arc<Vec<u8>>>,
    slots: usize,
    max_capacity: usize,
}

impl BodyPool {
    pub(crate) fn new(slots: usize, max_capacity: usize) -> BodyPool {
        BodyPool {
            spares: VecDeque::with_capacity(slots),
            slots,
            max_capacity,
        }
    }

    /// A buffer nobody else holds, to read the next body into (with
    /// `Arc::make_mut`, which then never clones): the oldest one kept if no
    /// response holds it any more (a held one is forgotten), else a new one.
    pub(crate) fn take(&mut self) -> Arc<Vec<u8>> {
        match self.spares.pop_front() {
            Some(b) if Arc::strong_count(&b) == 1 && Arc::weak_count(&b) == 0 => b,
            _ => Arc::new(Vec::new()),
        }
    }

    /// Keeps `buf`, about to be held by a response, for a later `take`.
    pub(crate) fn keep(&mut self, buf: &Arc<Vec<u8>>) {
        if self.slots == 0 || buf.capacity() > self.max_capacity {
            return;
        }
        if self.spares.len() >= self.slots {
            self.spares.pop_front();
        }
        self.spares.push_back(Arc::clone(buf));
    }
}

const CHUNK: usize = 64 * 1024;

/// Reads whole frames from a blocking stream. Bytes beyond the current frame
/// stay buffered; a timeout in the middle of a frame keeps what was read.
#[derive(Debug)]
pub(crate) struct FrameReader {
    buf: Vec<u8>,
    start: usize,
    end: usize,
    cap: usize,
    /// The read timeout last set on the stream (`None`: not known yet), so
    /// that an unchanged one costs no system call per read.
    timeout_set: Cell<Option<Option<Duration>>>,
}

impl FrameReader {
    pub(crate) fn new(cap: usize) -> FrameReader {
        FrameReader {
            buf: vec![0; CHUNK],
            start: 0,
            end: 0,
            cap,
            timeout_set: Cell::new(None),
        }
    }

    fn buffered(&self) -> &[u8] {
        &self.buf[self.start..self.end]
    }

    /// Reads one frame and returns its body (a fresh vector of exactly the
    /// body's length: the one allocation per response).
    pub(crate) fn read_frame<S: Read + ReadTimeout>(
        &mut self,
        stream: &mut S,
        deadline: Option<Instant>,
    ) -> Result<Vec<u8>, ReadError> {
        let mut body = Vec::new();
        self.read_frame_into(stream, deadline, &mut body)?;
        Ok(body)
    }

    /// [`read_frame`](Self::read_frame) into `out` (cleared first), so that
    /// a caller can reuse one body buffer.
    pub(crate) fn read_frame_into<S: Read + ReadTimeout>(
        &mut self,
        stream: &mut S,
        deadline: Option<Instant>,
        out: &mut Vec<u8>,
    ) -> Result<(), ReadError> {
        // The length prefix.
        while self.end - self.start < 4 {
            self.fill(stream, deadline)?;
        }
        let b = self.buffered();
        let len = i32::from_be_bytes([b[0], b[1], b[2], b[3]]);
        let len = check_frame_length(len, self.cap).map_err(ReadError::Protocol)?;
        if len + 4 <= self.buf.len() {
            // Small frame: read it into the buffer, then copy it out.
            if self.start + 4 + len > self.buf.len() {
                self.compact();
            }
            while self.end - self.start < 4 + len {
                self.fill(stream, deadline)?;
            }
            out.clear();
            out.extend_from_slice(&self.buf[self.start + 4..self.start + 4 + len]);
            self.start += 4 + len;
            if self.start == self.end {
                self.start = 0;
                self.end = 0;
            }
            return Ok(());
        }
        // Large frame: move what we have into the body, then read straight into it.
        let mut body = self.buf[self.start + 4..self.end].to_vec();
        self.start = 0;
        self.end = 0;
        // Keep the prefix around (re-injected on timeout) by reading into body.
        let mut filled = body.len();
        while filled < len {
            // Grow with the bytes that arrive (at most doubling), not to the
            // declared length at once: a peer that announces a frame near the
            // cap and sends a few bytes must not cost the whole cap.
            if filled == body.len() {
                body.resize((filled + filled.max(CHUNK)).min(len), 0);
            }
            match read_some(&self.timeout_set, stream, &mut body[filled..], deadline) {
                Ok(n) => filled += n,
                Err(e) => {
                    // Put the partial frame back so nothing is lost.
                    let mut partial = (len as i32).to_be_bytes().to_vec();
                    partial.extend_from_slice(&body[..filled]);
                    if let ReadError::Eof { .. } = e {
                        return Err(ReadError::Eof { partial });
                    }
                    self.restore(&partial);
                    return Err(e);
                }
            }
        }
        *out = body;
        Ok(())
    }

    fn restore(&mut self, bytes: &[u8]) {
        if self.buf.len() < bytes.len() {
            self.buf.resize(bytes.len(), 0);
        }
        self.buf[..bytes.len()].copy_from_slice(bytes);
        self.start = 0;
        self.end = bytes.len();
    }

    fn compact(&mut self) {
        self.buf.copy_within(self.start..self.end, 0);
        self.end -= self.start;
        self.start = 0;
    }

    #[inline(always)]
    fn fill<S: Read + ReadTimeout>(
        &mut self,
        stream: &mut S,
        deadline: Option<Instant>,
    ) -> Result<(), ReadError> {
        if self.end == self.buf.len() {
            self.compact();
        }
        let r = read_some(
            &self.timeout_set,
            stream,
            &mut self.buf[self.end..],
            deadline,
        );
        match r {
            Ok(n) => {
                self.end += n;
                Ok(())
            }
            Err(ReadError::Eof { .. }) => Err(ReadError::Eof {
                partial: self.buffered().to_vec(),
            }),
            Err(e) => Err(e),
        }
    }
}

/// One read into `into` (waiting at most until `deadline`), setting the
/// stream's read timeout first when it differs from `timeout_set`.
#[inline(always)]
fn read_some<S: Read + ReadTimeout>(
    timeout_set: &Cell<Option<Option<Duration>>>,
    stream: &mut S,
    into: &mut [u8],
    deadline: Option<Instant>,
) -> Result<usize, ReadError> {
    loop {
        let timeout = match deadline {
            None => None,
            Some(d) => {
                let now = Instant::now();
                if now >= d {
                    return Err(ReadError::TimedOut);
                }
                Some((d - now).max(Duration::from_millis(1)))
            }
        };
        if timeout_set.get() != Some(timeout) {
            timeout_set.set(None);
            stream.set_timeout(timeout).map_err(ReadError::Io)?;
            timeout_set.set(Some(timeout));
        }
        match stream.read(into) {
            Ok(0) => {
                return Err(ReadError::Eof {
                    partial: Vec::new(),
                })
            }
            Ok(n) => return Ok(n),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                ) =>
            {
                if deadline.is_none() {
                    continue;
                }
            }
            Err(e) => return Err(ReadError::Io(e)),
        }
    }
}

/// Streams whose reads can time out.
pub(crate) trait ReadTimeout {
    fn set_timeout(&mut self, t: Option<Duration>) -> io::Result<()>;
}

impl ReadTimeout for TcpStream {
    fn set_timeout(&mut self, t: Option<Duration>) -> io::Result<()> {
        self.set_read_timeout(t)
    }
}

impl ReadTimeout for &TcpStream {
    fn set_timeout(&mut self, t: Option<Duration>) -> io::Result<()> {
        self.set_read_timeout(t)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn body_pool_reuses_only_buffers_no_response_holds() {
        let mut pool = BodyPool::new(2, 1024);
        let a = pool.take();
        pool.keep(&a);
        let held = Arc::clone(&a);
        drop(a);
        // Still held: a new buffer, and the held one is forgotten.
        let b = pool.take();
        assert!(!Arc::ptr_eq(&b, &held));
        pool.keep(&b);
        drop(b);
        let mut c = pool.take();
        assert!(Arc::get_mut(&mut c).is_some(), "unique: reused");
        assert!(pool.spares.is_empty());
        // At most `slots` kept, the newest; oversized buffers are not.
        for _ in 0..3 {
            pool.keep(&Arc::new(Vec::new()));
        }
        assert_eq!(pool.spares.len(), 2);
        let mut pool = BodyPool::new(4, 16);
        pool.keep(&Arc::new(Vec::with_capacity(17)));
        assert!(pool.spares.is_empty());
        drop(held);
    }
}
