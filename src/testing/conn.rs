//! One client connection ([`Conn`]) and its sending side: the writer
//! thread, immediate writes from the reader thread, timed and dripped
//! replies.
//!
//! Every blocking call on a connection has a short timeout ([`TICK`]) so
//! that the threads notice a shutdown or a close quickly. Bytes are made
//! and read only by [`crate::wire`].

use std::collections::BTreeMap;
use std::io::{ErrorKind, Write};
use std::net::{Shutdown, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex, TryLockError};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use crate::connection::Stream;

use super::node::Node;
use super::state::lock;

/// How long any blocking socket operation waits before the thread checks
/// for a shutdown or a close.
pub(crate) const TICK: Duration = Duration::from_millis(20);

/// The stand-in for "never" when a duration is too large to add to an instant.
const FOREVER: Duration = Duration::from_secs(10 * 365 * 24 * 3600);

/// `from + d`, saturating at [`FOREVER`] from now for huge durations.
pub(crate) fn after(from: Instant, d: Duration) -> Instant {
    from.checked_add(d)
        .or_else(|| Instant::now().checked_add(FOREVER))
        .unwrap_or(from)
}

/// Something for a connection's writer thread to do.
pub(crate) enum WriteOp {
    /// Write these bytes.
    Bytes(Vec<u8>),
    /// Write these bytes one at a time with a pause between them.
    Drip(Vec<u8>, Duration),
    /// Write these bytes (possibly none), then close the connection.
    BytesThenClose(Vec<u8>),
    /// Do the inner operation at this instant (without holding up the others).
    At(Instant, Box<WriteOp>),
}

/// The sending side of a connection, shared by its reader thread (which
/// writes immediate replies itself) and its writer thread (queued and timed
/// operations). Whoever holds the lock writes whole frames only.
struct Out {
    stream: Stream,
    /// The unwritten rest of bytes the reader thread could not write without
    /// waiting: written before anything else by whoever writes next (an
    /// operation queued with it makes sure the writer thread does).
    carry: Vec<u8>,
}

/// One client connection, node by its reader, its writer and the server.
pub(crate) struct Conn {
    /// The connection id (given in the login response).
    pub(crate) id: i64,
    /// A handle on the socket, used to shut it down.
    ctl: TcpStream,
    closing: AtomicBool,
    /// True after `@Subscribe TOPOLOGY`.
    pub(crate) subscribed: AtomicBool,
    /// The writer's queue; set once the login succeeded.
    tx: Mutex<Option<Sender<WriteOp>>>,
    /// The socket for sending; set once the login succeeded.
    out: Mutex<Option<Out>>,
    /// Untimed operations queued for (or being performed by) the writer
    /// thread. While there are any, immediate replies queue behind them.
    queued: AtomicUsize,
}

impl Conn {
    pub(crate) fn new(id: i64, ctl: TcpStream) -> Conn {
        Conn {
            id,
            ctl,
            closing: AtomicBool::new(false),
            subscribed: AtomicBool::new(false),
            tx: Mutex::new(None),
            out: Mutex::new(None),
            queued: AtomicUsize::new(0),
        }
    }

    /// Queues an operation for the writer; false if there is no writer (not
    /// logged in, or closed).
    pub(crate) fn send(&self, op: WriteOp) -> bool {
        let untimed = !matches!(op, WriteOp::At(..));
        match &*lock(&self.tx) {
            Some(tx) => {
                if untimed {
                    self.queued.fetch_add(1, Ordering::SeqCst);
                }
                let ok = tx.send(op).is_ok();
                if !ok && untimed {
                    self.queued.fetch_sub(1, Ordering::SeqCst);
                }
                ok
            }
            None => false,
        }
    }

    /// Sends `bytes` (whole frames) now from the calling thread when nothing
    /// is queued ahead of them and the socket takes them without waiting;
    /// otherwise queues them (or their unwritten rest) for the writer, so
    /// the order of untimed operations is kept either way.
    pub(crate) fn write_now(&self, node: &Node, bytes: &[u8]) {
        if bytes.is_empty() {
            return;
        }
        let guard = match self.out.try_lock() {
            Ok(g) => Some(g),
            Err(TryLockError::Poisoned(e)) => Some(e.into_inner()),
            // The writer thread is writing (a timed reply, or a slow client).
            Err(TryLockError::WouldBlock) => None,
        };
        if let Some(mut g) = guard {
            if let Some(out) = g.as_mut() {
                if out.carry.is_empty()
                    && self.queued.load(Ordering::SeqCst) == 0
                    && !self.is_closing()
                    && !node.is_shutdown()
                {
                    match write_some(&mut out.stream, bytes) {
                        Ok(n) if n == bytes.len() && !out.stream.has_pending() => {}
                        Ok(n) => {
                            // The socket would block: the writer thread
                            // finishes the frame (before anything else;
                            // TLS: with the records already made).
                            out.carry.extend_from_slice(&bytes[n..]);
                            self.send(WriteOp::Bytes(Vec::new()));
                        }
                        Err(()) => {
                            drop(g);
                            self.close(node);
                        }
                    }
                    return;
                }
            }
        }
        self.send(WriteOp::Bytes(bytes.to_vec()));
    }

    /// Writes `bytes` after any carried bytes, under the send lock, waiting
    /// for a slow client as long as [`write_fully`] does.
    fn write_locked(&self, node: &Node, bytes: &[u8]) -> bool {
        let mut g = lock(&self.out);
        let Some(out) = g.as_mut() else {
            return false;
        };
        if !out.carry.is_empty() {
            let carry = std::mem::take(&mut out.carry);
            if !write_fully(node, Some(self), &mut out.stream, &carry) {
                return false;
            }
        }
        write_fully(node, Some(self), &mut out.stream, bytes)
    }

    /// True once the login succeeded (until the connection closes).
    pub(crate) fn is_logged_in(&self) -> bool {
        lock(&self.tx).is_some() && !self.is_closing()
    }

    pub(crate) fn is_closing(&self) -> bool {
        self.closing.load(Ordering::SeqCst)
    }

    /// Closes now: the connection stops counting as live and the client
    /// reads EOF after the bytes already written.
    pub(crate) fn close(&self, node: &Node) {
        if !self.closing.swap(true, Ordering::SeqCst) {
            node.remove_conn(self.id);
            let _ = self.ctl.shutdown(Shutdown::Write);
        }
    }

    /// Starts the writer thread, whose first operation is writing `first`
    /// (the login response) on a clone of `stream`; `None` if it could not
    /// start. The connection counts as logged in from now on.
    pub(crate) fn start_writer(
        self: &Arc<Conn>,
        node: &Arc<Node>,
        stream: &Stream,
        first: Vec<u8>,
    ) -> Option<JoinHandle<()>> {
        let (tx, rx) = mpsc::channel();
        // The login response is queued before the connection counts as
        // logged in, so a push can never precede it nor be missed by a
        // client that has just logged in.
        self.queued.fetch_add(1, Ordering::SeqCst);
        let _ = tx.send(WriteOp::Bytes(first));
        let wstream = stream.try_clone().ok()?;
        *lock(&self.out) = Some(Out {
            stream: wstream,
            carry: Vec::new(),
        });
        *lock(&self.tx) = Some(tx);
        let n = Arc::clone(node);
        let c = Arc::clone(self);
        thread::Builder::new()
            .name(format!("volt-test-writer-{}", self.id))
            .spawn(move || write_loop(&n, &c, rx))
            .ok()
    }

    /// Drops the writer's queue: the writer thread ends once it has
    /// performed what is queued.
    pub(crate) fn stop_writer(&self) {
        *lock(&self.tx) = None;
    }

    /// Closes after the replies already queued for immediate sending.
    pub(crate) fn close_after_queued(&self, node: &Node) {
        if !self.send(WriteOp::BytesThenClose(Vec::new())) {
            self.close(node);
        }
    }
}

pub(crate) fn is_transient(e: &std::io::Error) -> bool {
    matches!(
        e.kind(),
        ErrorKind::WouldBlock | ErrorKind::TimedOut | ErrorKind::Interrupted
    )
}

/// Writes as much of `bytes` as the socket takes without waiting more than
/// one tick; how much was written, or `Err` on a socket error.
fn write_some(stream: &mut Stream, bytes: &[u8]) -> Result<usize, ()> {
    let mut done = 0;
    while done < bytes.len() {
        match stream.write(&bytes[done..]) {
            Ok(0) => return Err(()),
            Ok(n) => done += n,
            Err(e) if is_transient(&e) => break,
            Err(_) => return Err(()),
        }
    }
    Ok(done)
}

/// Sleeps `d`, in ticks, returning early (false) on shutdown or close.
fn pause(node: &Node, conn: Option<&Conn>, d: Duration) -> bool {
    let end = after(Instant::now(), d);
    loop {
        if node.is_shutdown() || conn.is_some_and(Conn::is_closing) {
            return false;
        }
        let now = Instant::now();
        if now >= end {
            return true;
        }
        thread::sleep((end - now).min(TICK));
    }
}

/// Writes all of `bytes` (and, over TLS, the records still waiting),
/// tolerating a client that reads slowly; gives up on shutdown, on close,
/// on an error, or when no byte could be written for the hang-up timeout
/// (a real server closes such a connection after 30 s).
pub(crate) fn write_fully(
    node: &Node,
    conn: Option<&Conn>,
    stream: &mut Stream,
    bytes: &[u8],
) -> bool {
    let mut rest = bytes;
    let mut stalled: Option<Instant> = None;
    while !rest.is_empty() || stream.has_pending() {
        if node.is_shutdown() || conn.is_some_and(Conn::is_closing) {
            return false;
        }
        let written = match rest.is_empty() {
            true => stream.flush().map(|()| None),
            false => stream.write(rest).map(Some),
        };
        match written {
            Ok(Some(0)) => return false,
            Ok(Some(n)) => {
                rest = &rest[n..];
                stalled = None;
            }
            Ok(None) => stalled = None,
            Err(e) if is_transient(&e) => {
                let since = *stalled.get_or_insert_with(Instant::now);
                if since.elapsed() >= node.cluster.cfg.hangup_timeout {
                    return false;
                }
            }
            Err(_) => return false,
        }
    }
    true
}

/// The writer thread of one connection: performs queued operations in
/// order, and timed ones when they are due.
fn write_loop(node: &Node, conn: &Conn, rx: Receiver<WriteOp>) {
    let mut timers: BTreeMap<(Instant, u64), WriteOp> = BTreeMap::new();
    let mut seq = 0u64;
    'outer: loop {
        if node.is_shutdown() || conn.is_closing() {
            break;
        }
        let wait = timers.keys().next().map_or(TICK, |(t, _)| {
            t.saturating_duration_since(Instant::now()).min(TICK)
        });
        if !wait.is_zero() {
            match rx.recv_timeout(wait) {
                Ok(WriteOp::At(t, op)) => {
                    seq += 1;
                    timers.insert((t, seq), *op);
                }
                Ok(op) => {
                    let ok = perform(node, conn, op);
                    conn.queued.fetch_sub(1, Ordering::SeqCst);
                    if !ok {
                        break;
                    }
                }
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => break,
            }
        }
        while let Some(entry) = timers.first_entry() {
            if entry.key().0 > Instant::now() {
                break;
            }
            if !perform(node, conn, entry.remove()) {
                break 'outer;
            }
        }
    }
    conn.close(node);
}

/// Performs one operation; false when the connection is (to be) closed.
fn perform(node: &Node, conn: &Conn, op: WriteOp) -> bool {
    match op {
        WriteOp::Bytes(b) => conn.write_locked(node, &b),
        WriteOp::Drip(b, d) => {
            for (i, byte) in b.iter().enumerate() {
                if i > 0 && !pause(node, Some(conn), d) {
                    return false;
                }
                if !conn.write_locked(node, std::slice::from_ref(byte)) {
                    return false;
                }
            }
            true
        }
        WriteOp::BytesThenClose(b) => {
            let _ = conn.write_locked(node, &b);
            false
        }
        // Timed operations are unpacked by the loop; one arriving here
        // (nested) is simply done now.
        WriteOp::At(_, op) => perform(node, conn, *op),
    }
}

/// Sends the collected immediate replies.
pub(crate) fn flush(node: &Node, conn: &Conn, batch: &mut Vec<u8>) {
    if !batch.is_empty() {
        conn.write_now(node, batch);
        batch.clear();
    }
}

/// Queues `op` on `conn`, at `at` when given.
pub(crate) fn send_at(conn: &Conn, at: Option<Instant>, op: WriteOp) {
    let op = match at {
        Some(t) => WriteOp::At(t, Box::new(op)),
        None => op,
    };
    conn.send(op);
}
