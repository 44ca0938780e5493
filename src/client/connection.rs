//! One pipelined connection: a logged-in socket shared by many callers.
//!
//! Callers register a completion slot under their client handle, write their
//! whole invocation frame with one `write_all` under the write lock, and wait
//! on their own slot. The reader thread (see `pool.rs`) completes slots by
//! handle. Whoever removes an entry from the pending map — the reader, the
//! caller giving up on a timeout, or [`Connection::fail`] — completes it, so
//! every call ends exactly once.

use std::collections::HashMap;
use std::io::{self, Write};
use std::net::{Shutdown, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard, TryLockError};
use std::time::{Duration, Instant};

use crate::error::{Error, Result};
use crate::response::VoltResponse;
use crate::transport::{connect_and_login, ConnectOptions, FrameReader};
use crate::wire::login::LoginResponse;

/// Locks a mutex, recovering the data if another thread panicked with it.
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// A call's result: the response and the size of its frame.
pub(crate) type Reply = Result<(VoltResponse, usize)>;

/// A one-shot completion slot: filled once (with the time it was filled),
/// waited on by its one owner. `put` wakes the owner only if it is parked,
/// so a reply that arrives before anyone waits costs no futex syscall.
#[derive(Default)]
pub(crate) struct Oneshot {
    state: Mutex<OneshotState>,
    cv: Condvar,
}

#[derive(Default)]
struct OneshotState {
    value: Option<(Reply, Instant)>,
    /// True while the owner is parked in `wait_until`.
    waiting: bool,
}

impl Oneshot {
    pub(crate) fn put(&self, r: Reply) {
        self.put_at(r, Instant::now());
    }

    /// Fills the slot with `r`, which arrived at `at`.
    pub(crate) fn put_at(&self, r: Reply, at: Instant) {
        let mut g = lock(&self.state);
        if g.value.is_none() {
            g.value = Some((r, at));
        }
        let wake = g.waiting;
        drop(g);
        if wake {
            self.cv.notify_one();
        }
    }

    /// True once the slot is filled (and not yet taken).
    pub(crate) fn is_ready(&self) -> bool {
        lock(&self.state).value.is_some()
    }

    /// Waits until the slot is filled or `deadline` passes; returns the
    /// value and when it was put.
    pub(crate) fn wait_until(&self, deadline: Instant) -> Option<(Reply, Instant)> {
        let mut g = lock(&self.state);
        loop {
            if let Some(r) = g.value.take() {
                return Some(r);
            }
            let now = Instant::now();
            if now >= deadline {
                return None;
            }
            g.waiting = true;
            g = self
                .cv
                .wait_timeout(g, deadline - now)
                .unwrap_or_else(|e| e.into_inner())
                .0;
            g.waiting = false;
        }
    }
}

/// Wakes threads waiting for a free place (backpressure) or for a connection
/// to come up. Lock order: a waiter holds the gate lock while it inspects
/// slot states, so nobody may notify while holding a slot lock.
#[derive(Default)]
pub(crate) struct Gate {
    lock: Mutex<()>,
    cv: Condvar,
    waiters: AtomicUsize,
}

impl Gate {
    /// Wakes one waiter (a place became free), if any waits.
    pub(crate) fn notify_one(&self) {
        if self.waiters.load(Ordering::SeqCst) > 0 {
            let _g = lock(&self.lock);
            self.cv.notify_one();
        }
    }

    /// Wakes every waiter (a connection came up or went down, or close).
    pub(crate) fn notify_all(&self) {
        if self.waiters.load(Ordering::SeqCst) > 0 {
            let _g = lock(&self.lock);
            self.cv.notify_all();
        }
    }

    /// Calls `ready` until it returns `Some`, waiting for notifications in
    /// between, until `deadline`.
    pub(crate) fn wait_until<T>(
        &self,
        deadline: Instant,
        mut ready: impl FnMut() -> Option<T>,
    ) -> Option<T> {
        let mut g = lock(&self.lock);
        self.waiters.fetch_add(1, Ordering::SeqCst);
        let r = loop {
            if let Some(v) = ready() {
                break Some(v);
            }
            let now = Instant::now();
            if now >= deadline {
                // Pass on a wake-up we may have consumed.
                self.cv.notify_one();
                break None;
            }
            g = self
                .cv
                .wait_timeout(g, deadline - now)
                .unwrap_or_else(|e| e.into_inner())
                .0;
        };
        self.waiters.fetch_sub(1, Ordering::SeqCst);
        r
    }
}

/// Largest write buffer kept for reuse.
const OUTBOX_KEEP: usize = 1 << 20;

/// Rounds a calling thread writes for others before it hands what is left
/// to the writer thread.
const CALLER_ROUNDS: usize = 4;

#[derive(Default)]
struct Outbox {
    /// Frames waiting to be written.
    buf: Vec<u8>,
    /// An emptied buffer kept for reuse.
    spare: Vec<u8>,
    /// True while someone (a caller or the writer thread) is writing; it
    /// will also write `buf`, or hand it to the writer thread.
    flushing: bool,
    /// True once the connection's writer thread runs.
    has_writer: bool,
    /// True while the writer thread is parked, waiting for frames.
    writer_parked: bool,
    /// True once the parked writer thread has been woken (and has not run
    /// yet): one wake-up per batch, not one per queued frame.
    writer_woken: bool,
}

/// How [`Connection::send`] writes a frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum WriteMode {
    /// Now, from the calling thread, unless someone is already writing (then
    /// the frame goes out with theirs): the lowest latency for a caller
    /// that waits for its reply.
    Direct,
    /// Queued for the connection's writer thread, which writes everything
    /// queued in one `send`: no system call in the calling thread, and
    /// frames from a caller with many calls in flight go out in batches.
    /// Written directly when the connection has no writer thread.
    Queued,
}

struct PendingMap {
    map: HashMap<i64, std::sync::Arc<Oneshot>>,
    closed: bool,
}

/// Why a connection ended.
pub(crate) enum Death {
    /// The client was closed: pending calls fail with [`Error::Closed`].
    Closed,
    /// Lost (EOF, I/O error, dead keepalive, protocol error): pending calls
    /// fail with [`Error::ConnectionLost`].
    Lost(String),
}

/// What [`Connection::send`] did.
pub(crate) enum Sent {
    /// The whole frame was written.
    Yes,
    /// The connection was already dead: nothing was written.
    No,
    /// The write failed, possibly after part of the frame was written.
    Failed(io::Error),
}

pub(crate) struct Connection {
    /// Index of the slot this connection fills.
    pub(crate) slot: usize,
    pub(crate) login: LoginResponse,
    epoch: Instant,
    writer: Mutex<TcpStream>,
    outbox: Mutex<Outbox>,
    /// Wakes the writer thread (frames queued, or the connection died).
    outbox_cv: Condvar,
    ctl: TcpStream,
    pending: Mutex<PendingMap>,
    in_flight: AtomicUsize,
    last_recv_us: AtomicU64,
    ping_sent_us: AtomicU64,
    dead: AtomicBool,
    death: Mutex<Option<String>>,
}

pub(crate) fn micros_since(epoch: Instant, t: Instant) -> u64 {
    u64::try_from(t.saturating_duration_since(epoch).as_micros()).unwrap_or(u64::MAX)
}

impl Connection {
    /// Connects and logs in. Returns the connection, the socket to read from
    /// and the frame reader (which may already hold bytes).
    pub(crate) fn open(
        slot: usize,
        host: &str,
        port: u16,
        opts: &ConnectOptions,
        write_timeout: Duration,
        epoch: Instant,
    ) -> Result<(Connection, TcpStream, FrameReader)> {
        let (stream, reader, login, _) = connect_and_login(host, port, opts, &mut |_, _| {})?;
        stream.set_write_timeout(Some(write_timeout.max(Duration::from_millis(1))))?;
        let writer = stream.try_clone()?;
        let ctl = stream.try_clone()?;
        let conn = Connection {
            slot,
            login,
            epoch,
            writer: Mutex::new(writer),
            outbox: Mutex::new(Outbox::default()),
            outbox_cv: Condvar::new(),
            ctl,
            pending: Mutex::new(PendingMap {
                map: HashMap::new(),
                closed: false,
            }),
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
    pub(crate) fn register(&self, handle: i64, slot: std::sync::Arc<Oneshot>) -> bool {
        let mut p = lock(&self.pending);
        if p.closed {
            return false;
        }
        p.map.insert(handle, slot);
        true
    }

    /// Removes a pending call (the caller gave up). True if it was still
    /// pending: then nobody else will complete it.
    pub(crate) fn unregister(&self, handle: i64, gate: &Gate) -> bool {
        let removed = lock(&self.pending).map.remove(&handle).is_some();
        if removed {
            self.release(gate);
        }
        removed
    }

    /// Completes the pending call `handle` with `reply`. False if no such
    /// call is pending (late reply, duplicate, unsolicited).
    /// `at` is when the reply arrived.
    pub(crate) fn complete(&self, handle: i64, reply: Reply, gate: &Gate, at: Instant) -> bool {
        let slot = lock(&self.pending).map.remove(&handle);
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
            Self::wake_writer(&mut ob, &self.outbox_cv);
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
                Self::wake_writer(&mut ob, &self.outbox_cv);
                return Sent::Yes;
            }
        }
    }

    /// Wakes the writer thread if it is parked and not woken already.
    fn wake_writer(ob: &mut Outbox, cv: &Condvar) {
        if ob.writer_parked && !ob.writer_woken {
            ob.writer_woken = true;
            cv.notify_one();
        }
    }

    /// Writes everything in the outbox, marked `flushing` while the lock is
    /// released for the write (whoever finds it set leaves the writing to
    /// us); keeps the emptied buffer for reuse. After a failed write the
    /// outbox is emptied: the connection is about to fail.
    fn write_round<'a>(
        &'a self,
        mut ob: MutexGuard<'a, Outbox>,
    ) -> (MutexGuard<'a, Outbox>, io::Result<()>) {
        ob.flushing = true;
        let spare = std::mem::take(&mut ob.spare);
        let mut data = std::mem::replace(&mut ob.buf, spare);
        drop(ob);
        let r = lock(&self.writer).write_all(&data);
        let mut ob = lock(&self.outbox);
        ob.flushing = false;
        data.clear();
        if data.capacity() <= OUTBOX_KEEP && data.capacity() > ob.spare.capacity() {
            ob.spare = data;
        }
        if r.is_err() {
            ob.buf = Vec::new();
        }
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
                ob = self.outbox_cv.wait(ob).unwrap_or_else(|e| e.into_inner());
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
        let mut w = match self.writer.try_lock() {
            Ok(w) => w,
            Err(TryLockError::Poisoned(e)) => e.into_inner(),
            Err(TryLockError::WouldBlock) => return Ok(false),
        };
        if self.is_dead() {
            return Ok(false);
        }
        // Mark the ping before sending it: its reply must count as newer.
        let last = self.last_recv_us.load(Ordering::SeqCst);
        let at = micros_since(self.epoch, now).max(last + 1);
        self.ping_sent_us.store(at, Ordering::SeqCst);
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
        let drained: Vec<_> = {
            let mut p = lock(&self.pending);
            p.closed = true;
            p.map.drain().map(|(_, s)| s).collect()
        };
        for s in drained {
            self.in_flight.fetch_sub(1, Ordering::SeqCst);
            s.put(Err(match &death {
                Death::Closed => Error::Closed,
                Death::Lost(r) => Error::ConnectionLost(r.clone()),
            }));
        }
        gate.notify_all();
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn oneshot_delivers_once() {
        let s = Arc::new(Oneshot::default());
        let s2 = s.clone();
        let t = std::thread::spawn(move || s2.put(Err(Error::Closed)));
        let got = s.wait_until(Instant::now() + Duration::from_secs(5));
        assert!(matches!(got, Some((Err(Error::Closed), _))));
        t.join().unwrap();
        assert!(s
            .wait_until(Instant::now() + Duration::from_millis(10))
            .is_none());
    }

    #[test]
    fn gate_times_out_and_wakes() {
        let g = Arc::new(Gate::default());
        let start = Instant::now();
        assert_eq!(
            g.wait_until(start + Duration::from_millis(30), || None::<()>),
            None
        );
        assert!(start.elapsed() >= Duration::from_millis(30));
        let flag = Arc::new(AtomicBool::new(false));
        let (g2, f2) = (g.clone(), flag.clone());
        let t = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(20));
            f2.store(true, Ordering::SeqCst);
            g2.notify_all();
        });
        let r = g.wait_until(Instant::now() + Duration::from_secs(10), || {
            flag.load(Ordering::SeqCst).then_some(7)
        });
        assert_eq!(r, Some(7));
        t.join().unwrap();
    }
}
