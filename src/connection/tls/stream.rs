//! The TLS handshake, and the encrypted stream shared by a reading thread
//! and writing threads (the clients' connections and the test server's).
//!
//! One rustls session serves both directions, but no thread holds it while
//! blocked on the socket: the reader reads ciphertext from its own handle
//! on the socket, then locks the session briefly to decrypt; a writer locks
//! the session to encrypt into the output buffer, then writes the buffer.
//! Records must reach the socket in the order they were made, so whoever
//! takes ciphertext out of the session does so under the output lock, and
//! keeps it while writing (lock order: output, then session).

use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rustls::pki_types::ServerName;
use rustls::{ClientConnection, Connection};

use crate::connection::connect::server_name;
use crate::connection::lock;
use crate::error::{Error, Result};

use super::errors::handshake_failed;
use super::TlsConfig;

/// Ciphertext read from the socket at once.
const CHUNK: usize = 32 * 1024;

/// Why a handshake did not complete.
pub(crate) enum Handshake {
    /// The deadline passed (or `stop` said so).
    TimedOut,
    /// The peer closed the connection.
    Closed,
    Io(io::Error),
    /// The peer's messages or certificates were refused.
    Tls(rustls::Error),
}

/// Ciphertext made but not written yet (the socket would not take it all):
/// `buf[sent..]`, written before anything else.
#[derive(Default)]
struct Output {
    buf: Vec<u8>,
    sent: usize,
}

/// What the handles of one TLS connection share.
struct Shared {
    session: Mutex<Connection>,
    /// The output lock (held from taking ciphertext out of the session to
    /// the end of its write) and the ciphertext.
    out: Mutex<Output>,
}

/// One handle on a TLS connection: its own socket handle, the shared
/// session, and (for the handle that reads) ciphertext not yet decrypted.
pub(crate) struct TlsStream {
    sock: TcpStream,
    shared: Arc<Shared>,
    inbox: Vec<u8>,
    start: usize,
    end: usize,
}

/// Makes the TLS handshake on `sock` as the client, by `deadline`.
/// Errors name the server and say why (see the `errors` module).
pub(crate) fn handshake(
    mut sock: TcpStream,
    config: &TlsConfig,
    host: &str,
    port: u16,
    deadline: Instant,
    timeout: Duration,
) -> Result<TlsStream> {
    let server = server_name(host, port);
    let name = config.name_for(host);
    let sni = ServerName::try_from(name.to_string()).map_err(|_| {
        Error::Tls(format!(
            "{name:?} is not a valid TLS server name for {server} (set TlsConfig::server_name)"
        ))
    })?;
    let client = ClientConnection::new(config.rustls()?, sni)
        .map_err(|e| Error::Tls(format!("cannot start a session with {server}: {e}")))?;
    let mut conn = Connection::from(client);
    let io_failed = |e: io::Error| {
        Error::Io(io::Error::new(
            e.kind(),
            format!("TLS handshake with {server} failed: {e}"),
        ))
    };
    sock.set_write_timeout(Some(timeout.max(Duration::from_millis(1))))
        .map_err(io_failed)?;
    match drive(&mut conn, &mut sock, deadline, timeout, &|| false) {
        Ok(()) => Ok(TlsStream::new(sock, conn)),
        Err(Handshake::TimedOut) => Err(Error::Tls(format!(
            "handshake with {server} timed out after {timeout:?} (is TLS on for its client port?)"
        ))),
        Err(Handshake::Closed) => Err(Error::Tls(format!(
            "{server} closed the connection during the TLS handshake \
             (is TLS on for its client port?)"
        ))),
        Err(Handshake::Io(e)) => Err(io_failed(e)),
        Err(Handshake::Tls(e)) => Err(handshake_failed(&server, name, &e)),
    }
}

/// Runs the handshake of `conn` (either side) on `sock` until it completes,
/// `deadline` passes or `stop` says so (checked at least every `step`).
/// Everything read is given to the session: nothing is left over.
pub(crate) fn drive(
    conn: &mut Connection,
    sock: &mut TcpStream,
    deadline: Instant,
    step: Duration,
    stop: &dyn Fn() -> bool,
) -> std::result::Result<(), Handshake> {
    let mut inbox = vec![0; CHUNK];
    loop {
        while conn.wants_write() {
            match conn.write_tls(sock) {
                Ok(_) => {}
                Err(e) if is_transient(&e) && Instant::now() < deadline && !stop() => {}
                Err(e) if is_transient(&e) => return Err(Handshake::TimedOut),
                Err(e) => return Err(Handshake::Io(e)),
            }
        }
        if !conn.is_handshaking() {
            return Ok(());
        }
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() || stop() {
            return Err(Handshake::TimedOut);
        }
        sock.set_read_timeout(Some(left.min(step).max(Duration::from_millis(1))))
            .map_err(Handshake::Io)?;
        let n = match sock.read(&mut inbox) {
            Ok(0) => return Err(Handshake::Closed),
            Ok(n) => n,
            Err(e) if is_transient(&e) => continue,
            Err(e) => return Err(Handshake::Io(e)),
        };
        let mut rest = &inbox[..n];
        while !rest.is_empty() {
            let fed = conn.read_tls(&mut rest).map_err(Handshake::Io)?;
            if let Err(e) = conn.process_new_packets() {
                // Tell the peer why (the alert rustls queued), if it listens.
                let _ = conn.write_tls(sock);
                return Err(Handshake::Tls(e));
            }
            if fed == 0 {
                break;
            }
        }
    }
}

fn is_transient(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut | io::ErrorKind::Interrupted
    )
}

impl TlsStream {
    /// The stream of a connection whose handshake [`drive`] completed.
    pub(crate) fn new(sock: TcpStream, conn: Connection) -> TlsStream {
        TlsStream {
            sock,
            shared: Arc::new(Shared {
                session: Mutex::new(conn),
                out: Mutex::new(Output::default()),
            }),
            inbox: vec![0; CHUNK],
            start: 0,
            end: 0,
        }
    }

    /// Another handle on the same connection (for writing, or shutting
    /// down); it reads nothing that this one has buffered.
    pub(crate) fn try_clone(&self) -> io::Result<TlsStream> {
        Ok(TlsStream {
            sock: self.sock.try_clone()?,
            shared: Arc::clone(&self.shared),
            inbox: Vec::new(),
            start: 0,
            end: 0,
        })
    }

    /// The socket underneath (timeouts, shutdown).
    pub(crate) fn socket(&self) -> &TcpStream {
        &self.sock
    }

    /// Shuts the socket down (no close_notify: it could wait on a full
    /// socket, and VoltDB needs none).
    pub(crate) fn shutdown(&self, how: Shutdown) {
        let _ = self.sock.shutdown(how);
    }

    /// True while ciphertext waits to be written (see [`flush`](Write::flush)).
    #[cfg(feature = "test-server")]
    pub(crate) fn has_pending(&self) -> bool {
        let out = lock(&self.shared.out);
        out.sent < out.buf.len()
    }

    /// Writes the waiting ciphertext (the output lock held).
    fn write_out(&self, out: &mut Output) -> io::Result<()> {
        while out.sent < out.buf.len() {
            match (&self.sock).write(&out.buf[out.sent..]) {
                Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
                Ok(n) => out.sent += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        out.buf.clear();
        out.sent = 0;
        Ok(())
    }

    /// Moves the records the session has ready into `out` (in order: the
    /// output lock is held).
    fn take_records(s: &mut Connection, out: &mut Output) -> io::Result<()> {
        while s.wants_write() {
            s.write_tls(&mut out.buf)?;
        }
        Ok(())
    }

    /// Plaintext the session has decrypted, if any: `None` when it needs
    /// more ciphertext. EOF (clean or not) reads as 0.
    fn decrypted(&self, buf: &mut [u8]) -> io::Result<Option<usize>> {
        match lock(&self.shared.session).reader().read(buf) {
            Ok(n) => Ok(Some(n)),
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => Ok(None),
            Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => Ok(Some(0)),
            Err(e) => Err(e),
        }
    }

    /// Gives buffered ciphertext to the session, then sends what it wants
    /// sent in reply (alerts, key updates).
    fn decrypt(&mut self) -> io::Result<()> {
        let mut s = lock(&self.shared.session);
        let mut rest = &self.inbox[self.start..self.end];
        let fed = s.read_tls(&mut rest)?;
        self.start += fed;
        let processed = s.process_new_packets();
        let wants_write = s.wants_write();
        drop(s);
        if wants_write {
            // A reply that cannot go out now goes with the next write.
            let mut out = lock(&self.shared.out);
            Self::take_records(&mut lock(&self.shared.session), &mut out)?;
            let sent = self.write_out(&mut out);
            if processed.is_ok() {
                sent.or_else(|e| if is_transient(&e) { Ok(()) } else { Err(e) })?;
            }
        }
        if let Err(e) = processed {
            return Err(io::Error::new(io::ErrorKind::InvalidData, e));
        }
        if fed == 0 {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                "TLS session accepts no more input",
            ));
        }
        Ok(())
    }
}

impl Read for TlsStream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        loop {
            if let Some(n) = self.decrypted(buf)? {
                return Ok(n);
            }
            if self.start == self.end {
                if self.inbox.len() < CHUNK {
                    self.inbox.resize(CHUNK, 0);
                }
                let n = self.sock.read(&mut self.inbox)?;
                if n == 0 {
                    return Ok(0);
                }
                self.start = 0;
                self.end = n;
            }
            self.decrypt()?;
        }
    }
}

impl Write for TlsStream {
    /// Encrypts up to a buffer's worth of `buf` (the session's limit) and
    /// writes it. Ciphertext the socket does not take (a write timeout)
    /// waits for the next write or [`flush`](Write::flush); while any
    /// waits, nothing new is taken and the socket's error is returned.
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let mut out = lock(&self.shared.out);
        self.write_out(&mut out)?;
        let taken = {
            let mut s = lock(&self.shared.session);
            let n = s.writer().write(buf)?;
            Self::take_records(&mut s, &mut out)?;
            n
        };
        match self.write_out(&mut out) {
            Err(e) if !is_transient(&e) => Err(e),
            _ => Ok(taken),
        }
    }

    fn write_all(&mut self, mut buf: &[u8]) -> io::Result<()> {
        while !buf.is_empty() {
            match self.write(buf) {
                Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
                Ok(n) => buf = &buf[n..],
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        self.flush()
    }

    /// Writes the ciphertext still waiting.
    fn flush(&mut self) -> io::Result<()> {
        self.write_out(&mut lock(&self.shared.out))
    }
}
