//! One pipelined connection: a logged-in socket shared by many callers
//! (the [`Client`](crate::Client)'s connections).
//!
//! Callers register a completion slot under their client handle, write their
//! whole invocation frame with one `write_all` under the write lock, and wait
//! on their own slot. The client's reader thread completes slots by
//! handle. Whoever removes an entry from the pending map — the reader, the
//! caller giving up on a timeout, or [`Connection::fail`] — completes it, so
//! every call ends exactly once.

use std::io::{self, Write};
use std::net::{Shutdown, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use crate::error::{Error, Result};
use crate::wire::login::LoginResponse;

use super::connect::{connect_and_login, ConnectOptions};
use super::dump::Dump;
use super::frame_reader::FrameReader;
use super::gate::Gate;
use super::lock::{lock, try_lock, wait};
use super::oneshot::{Oneshot, Reply};
use super::outbox::{Outbox, Sent, WriteMode};
use super::pending::PendingMap;
use super::stream::Stream;

/// Rounds a calling thread writes for others before it hands what is left
/// to the writer thread.
const CALLER_ROUNDS: usize = 4;

/// Why a connection ended.
pub(crate) enum Death {
    /// The client was closed: pending calls fail with [`Error::Closed`].
    Closed,
    /// Lost (EOF, I/O error, dead keepalive, protocol error): pending calls
    /// fail with [`Error::ConnectionLost`].
    Lost(String),
}

/// A logged-in connection shared by many callers: its socket's writing
/// side, the calls in flight, and its liveness.
pub(crate) struct Connection {
    /// Index of the slot this connection fills.
    pub(crate) slot: usize,
    pub(crate) login: LoginResponse,
    epoch: Instant,
    writer: Mutex<Stream>,
    outbox: Mutex<Outbox>,
    /// Wakes the writer thread (frames queued, or the connection died).
    outbox_cv: Condvar,
    ctl: TcpStream,
    /// The traffic dump (off unless asked for), shared with the reader thread.
    pub(crate) dump: Dump,
    pending: Mutex<PendingMap>,
    in_flight: AtomicUsize,
    last_recv_us: AtomicU64,
    ping_sent_us: AtomicU64,
    dead: AtomicBool,
    death: Mutex<Option<String>>,
}

/// Microseconds from `epoch` to `t` (0 if `t` is earlier).
pub(crate) fn micros_since(epoch: Instant, t: Instant) -> u64 {
    u64::try_from(t.saturating_duration_since(epoch).as_micros()).unwrap_or(u64::MAX)
}

impl Connection {
    /// Connects and logs in, recording the traffic in `dump`. Returns the
    /// connection, the socket to read from and the frame reader (which may
    /// already hold bytes).
    pub(crate) fn open(
        slot: usize,
        host: &str,
        port: u16,
        opts: &ConnectOptions,
        write_timeout: Duration,
        epoch: Instant,
        mut dump: Dump,
    ) -> Result<(Connection, Stream, FrameReader)> {
        let (stream, reader, login) = connect_and_login(host, port, opts, &mut dump)?;
        stream.set_write_timeout(Some(write_timeout.max(Duration::from_millis(1))))?;
        let writer = stream.try_clone()?;
        let ctl = stream.socket().try_clone()?;
        let conn = Connection {
            slot,
            login,
            epoch,
            writer: Mutex::new(writer),
            outbox: Mutex::new(Outbox::default()),
            outbox_cv: Condvar::new(),
            ctl,
            dump,
            pending: Mutex::new(PendingMap::default()),
            in_flight: AtomicUsize::new(0),
            last_recv_us: AtomicU64::new(micros_since(epoch, Instant::now())),
            ping_sent_us: AtomicU64::new(0),
            dead: AtomicBool::new(false),
            death: Mutex::new(None),
        };
        Ok((conn, stream, reader))
    }

    pub(crate) fn is_dead(&self) -> bool {
        self.dead.load(Ordering::SeqCst)
    }

    /// Why the connection died (the first reason given to [`fail`](Self::fail)).
    pub(crate) fn death_reason(&self) -> Option<String> {
        lock(&self.death).clone()
    }

    pub(crate) fn in_flight(&self) -> usize {
        self.in_flight.load(Ordering::SeqCst)
    }

    /// Takes a place among the `max` calls allowed in flight.
    pub(crate) fn try_reserve(&self, max: usize) -> bool {
        if self.in_flight.fetch_add(1, Ordering::SeqCst) >= max {
            self.in_flight.fetch_sub(1, Ordering::SeqCst);
            return false;
        }
        true
    }

    /// Gives back a place taken by [`try_reserve`](Self::try_reserve).
    pub(crate) fn release(&self, gate: &Gate) {
        self.in_flight.fetch_sub(1, Ordering::SeqCst);
        gate.notify_one();
    }

    /// Registers a pending call (its place already reserved). False when the
    /// connection has failed: the caller must release its place.
    pub(crate) fn register(&self, handle: i64, slot: Arc<Oneshot>) -> bool {
        lock(&self.pending).insert(handle, slot)
    }

    /// Removes a pending call (the caller gave up). True if it was still
    /// pending: then nobody else will complete it.
    pub(crate) fn unregister(&self, handle: i64, gate: &Gate) -> bool {
        let removed = lock(&self.pending).take(handle).is_some();
        if removed {
            self.release(gate);
        }
        removed
    }

    /// Completes the pending call `handle` with `reply`. False if no such
    /// call is pending (late reply, duplicate, unsolicited).
    /// `at` is when the reply arrived.
    pub(crate) fn complete(&self, handle: i64, reply: Reply, gate: &Gate, at: Instant) -> bool {
        let slot = lock(&self.pending).take(handle);
        match slot {
            Some(s) => {
                self.release(gate);
                s.put_at(reply, at);
                true
            }
            None => false,
        }
    }

    /// Sends one whole frame (see [`WriteMode`]). Writes are coalesced: a frame
    /// sent while someone is writing is appended to the outbox and goes out
    /// with the next write. A calling thread that writes also writes what
    /// others queued meanwhile, for a few rounds, then hands the rest to the
    /// writer thread (or, without one, writes until the outbox is empty).
    /// Frames are never split or interleaved. If a write fails, the
    /// connection is failed (by the writer thread, or by the caller that
    /// gets [`Sent::Failed`]) and every pending call, including the queued
    /// ones, ends with [`Error::ConnectionLost`].
    pub(crate) fn send(&self, frame: &[u8], how: WriteMode) -> Sent {
        let mut ob = lock(&self.outbox);
        if self.is_dead() {
            return Sent::No;
        }
        ob.buf.extend_from_slice(frame);
        if ob.flushing {
            return Sent::Yes;
        }
        if how == WriteMode::Queued && ob.has_writer {
            ob.wake_writer(&self.outbox_cv);
            return Sent::Yes;
        }
        let mut rounds = 0;
        loop {
            let r;
            (ob, r) = self.write_round(ob);
            rounds += 1;
            if let Err(e) = r {
                return Sent::Failed(e);
            }
            if ob.buf.is_empty() {
                return Sent::Yes;
            }
            if ob.has_writer && rounds >= CALLER_ROUNDS {
                ob.wake_writer(&self.outbox_cv);
                return Sent::Yes;
            }
        }
    }

    /// Writes everything in the outbox (see [`Outbox::take_batch`]), with
    /// the outbox lock released during the write.
    fn write_round<'a>(
        &'a self,
        mut ob: MutexGuard<'a, Outbox>,
    ) -> (MutexGuard<'a, Outbox>, io::Result<()>) {
        let batch = ob.take_batch();
        drop(ob);
        let r = {
            let mut w = lock(&self.writer);
            // Recorded before it is written: a reply cannot precede it in the dump.
            self.dump.sent_frames(&batch);
            w.write_all(&batch)
        };
        let mut ob = lock(&self.outbox);
        ob.batch_written(batch, r.is_ok());
        (ob, r)
    }

    /// The writer thread's loop: writes queued frames until the connection
    /// dies (then `Ok`) or a write fails (then the error: the caller must
    /// [`fail`](Self::fail) the connection).
    pub(crate) fn write_loop(&self) -> io::Result<()> {
        let mut ob = lock(&self.outbox);
        ob.has_writer = true;
        loop {
            if self.is_dead() {
                ob.has_writer = false;
                return Ok(());
            }
            if ob.flushing || ob.buf.is_empty() {
                ob.writer_parked = true;
                ob = wait(&self.outbox_cv, ob);
                ob.writer_parked = false;
                ob.writer_woken = false;
                continue;
            }
            let r;
            (ob, r) = self.write_round(ob);
            if let Err(e) = r {
                ob.has_writer = false;
                return Err(e);
            }
        }
    }

    /// Sends a keepalive ping unless another thread is writing (then it
    /// returns `Ok(false)` and the caller tries again soon).
    pub(crate) fn try_ping(&self, frame: &[u8], now: Instant) -> io::Result<bool> {
        let Some(mut w) = try_lock(&self.writer) else {
            return Ok(false);
        };
        if self.is_dead() {
            return Ok(false);
        }
        // Mark the ping before sending it: its reply must count as newer.
        let last = self.last_recv_us.load(Ordering::SeqCst);
        let at = micros_since(self.epoch, now).max(last + 1);
        self.ping_sent_us.store(at, Ordering::SeqCst);
        self.dump.sent(frame);
        w.write_all(frame)?;
        Ok(true)
    }

    /// Records that a frame arrived (proof of life).
    pub(crate) fn touch(&self, at: Instant) {
        let now = micros_since(self.epoch, at);
        self.last_recv_us.fetch_max(now, Ordering::SeqCst);
    }

    /// Time of the last frame received and of the last keepalive ping sent
    /// (µs since the client's epoch; 0 = never pinged).
    pub(crate) fn liveness(&self) -> (u64, u64) {
        (
            self.last_recv_us.load(Ordering::SeqCst),
            self.ping_sent_us.load(Ordering::SeqCst),
        )
    }

    /// Ends the connection: shuts the socket down (the reader thread exits)
    /// and fails every pending call. True the first time.
    pub(crate) fn fail(&self, death: Death, gate: &Gate) -> bool {
        if self.dead.swap(true, Ordering::SeqCst) {
            return false;
        }
        {
            let mut d = lock(&self.death);
            *d = Some(match &death {
                Death::Closed => "client closed".to_string(),
                Death::Lost(r) => r.clone(),
            });
        }
        let _ = self.ctl.shutdown(Shutdown::Both);
        {
            // Under the lock: the writer thread checks `dead` under it.
            let _ob = lock(&self.outbox);
            self.outbox_cv.notify_all();
        }
        let drained = lock(&self.pending).close();
        for s in drained {
            self.in_flight.fetch_sub(1, Ordering::SeqCst);
            s.put(Err(match &death {
                Death::Closed => Error::Closed,
                Death::Lost(r) => Error::lost(r.clone()),
            }));
        }
        gate.notify_all();
        true
    }
}
