//! Keeping connections up: connecting (eagerly, lazily, in parallel),
//! installing a connection in its slot, reconnecting with backoff and
//! jitter, keepalive pings, and reaping finished threads.
//!
//! Threads: one maintenance thread per client; a short-lived connector
//! thread per connect attempt, so that a host that is slow to answer never
//! delays keepalive or other hosts.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::{JoinHandle, ThreadId};
use std::time::{Duration, Instant};

use crate::connection::{FrameReader, Stream};
use crate::error::{Error, Result};

use super::shared::{spawn, Shared};
use super::slot::Conn;
use super::{discovery, reader};
use crate::connection::{lock, micros_since, Connection, Death, Dump};

/// Connects (eagerly or lazily) and starts the maintenance thread.
pub(super) fn start(shared: &Arc<Shared>) -> Result<()> {
    let slots = shared.nodes.all_slots();
    if shared.config.lazy {
        let now = Instant::now();
        for s in &slots {
            lock(&s.state).conn = Conn::Down {
                next: Some(now),
                failures: 0,
            };
        }
    } else {
        // Connect every slot in parallel; fail if none could be made.
        let results: Vec<_> = std::thread::scope(|scope| {
            let handles: Vec<_> = slots
                .iter()
                .map(|s| scope.spawn(move || open(shared, s.index)))
                .collect();
            handles
                .into_iter()
                .map(|h| {
                    h.join()
                        .unwrap_or_else(|_| Err(Error::unavailable("connect thread panicked")))
                })
                .collect()
        });
        let mut first_error = None;
        let mut any = false;
        for (i, r) in results.into_iter().enumerate() {
            match r {
                Ok(c) => {
                    any = true;
                    install(shared, i, Ok(c), 0);
                }
                Err(e) => {
                    let text = e.to_string();
                    if first_error.is_none() {
                        first_error = Some(e);
                    }
                    install(shared, i, Err(text), 0);
                }
            }
        }
        if !any {
            shared.close();
            return Err(first_error.unwrap_or(Error::Closed));
        }
        if let Some(c) = &shared.cluster {
            // Learn the cluster and connect to every node before
            // returning; a failure is recorded, never returned (routing
            // is an optimisation; the topology thread retries).
            if let Err(e) = discovery::refresh(shared, c, true, true) {
                c.record_error(&e.to_string());
            }
        }
    }
    let me = shared.clone();
    let h = spawn("voltdb-maintenance".into(), move || maintenance_loop(me))?;
    shared.maintenance.set_thread(h);
    if shared.cluster.is_some() {
        let me = shared.clone();
        let h = spawn("voltdb-topology".into(), move || {
            discovery::topology_loop(me)
        })?;
        if let Some(c) = &shared.cluster {
            c.set_thread(h);
        }
    }
    Ok(())
}

fn open(shared: &Shared, slot: usize) -> Result<(Connection, Stream, FrameReader)> {
    let s = shared.nodes.slot(slot);
    Connection::open(
        slot,
        &s.host,
        s.port,
        &shared.connect,
        shared.config.response_timeout,
        shared.epoch,
        new_dump(shared)?,
    )
}

/// The dump of the next connection opened: the configured path with
/// `.n` appended, `n` counting the client's connections (see
/// [`ClientConfig::dump_file`](super::ClientConfig::dump_file)).
fn new_dump(shared: &Shared) -> Result<Dump> {
    let Some(path) = &shared.config.dump_file else {
        return Ok(Dump::off());
    };
    let n = shared.dumps_opened.fetch_add(1, Ordering::SeqCst);
    let mut name = path.clone().into_os_string();
    name.push(format!(".{n}"));
    Ok(Dump::create(
        name.as_ref(),
        shared.config.dump_password_digest,
    )?)
}

/// The delay before reconnect attempt number `failures + 1`.
fn backoff(shared: &Shared, failures: u32) -> Duration {
    let base = shared
        .config
        .initial_backoff
        .saturating_mul(1u32 << failures.min(20))
        .min(shared.config.max_backoff);
    let u = shared.maintenance.uniform();
    base.mul_f64((1.0 + shared.config.jitter * (2.0 * u - 1.0)).max(0.0))
}

/// Puts the result of a connect attempt into its slot and starts the
/// reader thread of a new connection.
fn install(
    shared: &Arc<Shared>,
    slot: usize,
    result: std::result::Result<(Connection, Stream, FrameReader), String>,
    failures: u32,
) {
    let s = shared.nodes.slot(slot);
    // A node of another cluster instance is refused (discovery on only).
    let result = match (result, &shared.cluster) {
        (Ok((conn, stream, reader)), Some(c)) => {
            match discovery::admit_instance(shared, c, &s, &conn.login) {
                Ok(()) => Ok((conn, stream, reader)),
                Err(why) => {
                    Arc::new(conn).fail(Death::Lost(why.clone()), &shared.gate);
                    Err(why)
                }
            }
        }
        (r, _) => r,
    };
    // The node's host id is recorded before its slot shows the connection
    // up: a caller who sees it up (e.g. the eager discovery wait) can then
    // also route to it.
    if let Ok((conn, _, _)) = &result {
        node_logged_in(shared, s.node, conn.login.host_id);
    }
    let mut st = lock(&s.state);
    let closed = shared.closed.load(Ordering::SeqCst);
    // Failed outside the slot lock (fail() notifies the gate; see Gate).
    let mut to_fail = None;
    let mut logged_in = false;
    match result {
        Ok((conn, stream, reader)) => {
            let conn = Arc::new(conn);
            if closed {
                drop(st);
                conn.fail(Death::Closed, &shared.gate);
                return;
            }
            st.host_id = Some(conn.login.host_id);
            st.connection_id = Some(conn.login.connection_id);
            let (me, c) = (shared.clone(), conn.clone());
            let name = format!("voltdb-reader-{slot}");
            match spawn(name, move || reader::reader_loop(me, c, stream, reader)) {
                Ok(h) => {
                    shared.maintenance.adopt(h);
                    // Without a writer thread, queued writes are direct.
                    let (me, c) = (shared.clone(), conn.clone());
                    let name = format!("voltdb-writer-{slot}");
                    if let Ok(h) = spawn(name, move || reader::writer_loop(me, c)) {
                        shared.maintenance.adopt(h);
                    }
                    st.connects += 1;
                    logged_in = true;
                    st.conn = Conn::Up(conn);
                }
                Err(e) => {
                    let why = format!("cannot start a reader thread: {e}");
                    to_fail = Some((conn, why.clone()));
                    st.connect_failures += 1;
                    st.last_error = Some(why);
                    st.conn = down_state(shared, failures);
                }
            }
        }
        Err(e) => {
            st.connect_failures += 1;
            st.last_error = Some(e);
            st.conn = if closed {
                Conn::Closed
            } else {
                down_state(shared, failures)
            };
        }
    }
    drop(st);
    if let Some((conn, why)) = to_fail {
        conn.fail(Death::Lost(why), &shared.gate);
    }
    if logged_in {
        if let Some(c) = &shared.cluster {
            c.wake_on_connect();
        }
    }
    shared.gate.notify_all();
    shared.wake_maintenance();
}

/// Records the host id a node logged in with (a rejoined node gets a
/// new one; an id another node held before moves to this node).
fn node_logged_in(shared: &Shared, node: usize, host_id: i32) {
    let mut t = lock(&shared.nodes.table);
    if let Some(old) = t.nodes[node].host_id {
        if old != host_id && t.by_host_id.get(&old) == Some(&node) {
            t.by_host_id.remove(&old);
        }
    }
    if let Some(other) = t.by_host_id.insert(host_id, node) {
        if other != node {
            t.nodes[other].host_id = None;
        }
    }
    t.nodes[node].host_id = Some(host_id);
    t.nodes[node].refused = false;
}

/// The state after `failures + 1` failed attempts (or a lost connection).
fn down_state(shared: &Shared, failures: u32) -> Conn {
    if shared.config.reconnect {
        Conn::Down {
            next: Some(Instant::now() + backoff(shared, failures)),
            failures: failures.saturating_add(1),
        }
    } else {
        Conn::Down {
            next: None,
            failures: failures.saturating_add(1),
        }
    }
}

/// Called by a reader thread when its connection has ended.
pub(super) fn connection_down(shared: &Shared, conn: &Arc<Connection>) {
    let s = shared.nodes.slot(conn.slot);
    if let Some(c) = &shared.cluster {
        c.connection_lost(conn);
    }
    {
        let mut st = lock(&s.state);
        if matches!(&st.conn, Conn::Up(c) if Arc::ptr_eq(c, conn)) {
            st.disconnects += 1;
            st.last_error = conn.death_reason();
            st.conn = if shared.closed.load(Ordering::SeqCst) {
                Conn::Closed
            } else {
                down_state(shared, 0)
            };
        }
    }
    shared.gate.notify_all();
    shared.wake_maintenance();
}

fn maintenance_loop(shared: Arc<Shared>) {
    loop {
        if shared.closed.load(Ordering::SeqCst) {
            return;
        }
        let next = maintain(&shared, Instant::now());
        shared.maintenance.sleep_until(next, &shared.closed);
    }
}

/// One maintenance pass: start due reconnect attempts, ping idle
/// connections, kill connections whose ping went unanswered, reap
/// finished threads. Returns when the next pass is due.
fn maintain(shared: &Arc<Shared>, now: Instant) -> Instant {
    let mut next = now + Duration::from_secs(1);
    for s in &shared.nodes.all_slots() {
        let mut up = None;
        let mut connect = None;
        {
            let mut st = lock(&s.state);
            match &st.conn {
                Conn::Up(c) => up = Some(c.clone()),
                Conn::Down {
                    next: Some(t),
                    failures,
                } => {
                    if *t <= now {
                        connect = Some(*failures);
                        st.conn = Conn::Connecting;
                    } else {
                        next = next.min(*t);
                    }
                }
                _ => {}
            }
        }
        if let Some(c) = up {
            next = next.min(keepalive(shared, &c, now));
        }
        if let Some(failures) = connect {
            spawn_connector(shared, s.index, failures);
        }
    }
    shared.maintenance.reap();
    next.max(now + Duration::from_millis(1))
}

pub(super) fn spawn_connector(shared: &Arc<Shared>, slot: usize, failures: u32) {
    let me = shared.clone();
    let r = spawn(format!("voltdb-connect-{slot}"), move || {
        let r = open(&me, slot).map_err(|e| e.to_string());
        install(&me, slot, r, failures);
    });
    match r {
        Ok(h) => shared.maintenance.adopt(h),
        Err(e) => install(
            shared,
            slot,
            Err(format!("cannot start a connect thread: {e}")),
            failures,
        ),
    }
}

/// Keepalive of one live connection; returns when to look again.
fn keepalive(shared: &Shared, c: &Connection, now: Instant) -> Instant {
    let far = now + Duration::from_secs(1);
    let Some(interval) = shared.config.keepalive_interval else {
        return far;
    };
    if c.is_dead() {
        return far;
    }
    let rt = shared.config.response_timeout;
    let now_us = micros_since(shared.epoch, now);
    let at = |us: u64| shared.epoch + Duration::from_micros(us);
    let (last, ping) = c.liveness();
    if ping > last {
        // A ping is outstanding and nothing arrived since it was sent.
        let due = ping.saturating_add(rt.as_micros() as u64);
        if now_us >= due {
            c.fail(
                Death::Lost(format!(
                    "no reply to keepalive @Ping within {rt:?}; connection presumed dead"
                )),
                &shared.gate,
            );
            return far;
        }
        return at(due);
    }
    let due = last.saturating_add(interval.as_micros() as u64);
    if now_us < due {
        return at(due);
    }
    let slot = shared.nodes.slot(c.slot);
    match c.try_ping(&shared.ping_frame, now) {
        Ok(true) => {
            slot.pings.fetch_add(1, Ordering::Relaxed);
            now + rt
        }
        // Another thread is writing: try again shortly.
        Ok(false) => now + Duration::from_millis(10),
        Err(e) => {
            c.fail(
                Death::Lost(format!("keepalive write failed: {e}")),
                &shared.gate,
            );
            far
        }
    }
}

/// The maintenance thread's wake-up, the backoff jitter's generator, and the
/// client's background threads, joined by `close`.
pub(super) struct Maintenance {
    /// Set to wake the maintenance thread before its next pass is due.
    wake: Mutex<bool>,
    /// Signals `wake`.
    cv: Condvar,
    /// The maintenance thread.
    thread: Mutex<Option<JoinHandle<()>>>,
    /// Reader, writer and connector threads, reaped by each pass.
    threads: Mutex<Vec<JoinHandle<()>>>,
    /// The state of the jitter's generator (xorshift64*).
    rng: Mutex<u64>,
}

impl Maintenance {
    /// No threads yet; the jitter seeded with `seed` (made odd).
    pub(super) fn new(seed: u64) -> Maintenance {
        Maintenance {
            wake: Mutex::new(false),
            cv: Condvar::new(),
            thread: Mutex::new(None),
            threads: Mutex::new(Vec::new()),
            rng: Mutex::new(seed | 1),
        }
    }

    /// Makes the maintenance thread run a pass now.
    pub(super) fn wake(&self) {
        *lock(&self.wake) = true;
        self.cv.notify_one();
    }

    fn set_thread(&self, h: JoinHandle<()>) {
        *lock(&self.thread) = Some(h);
    }

    /// Keeps a background thread, to be reaped or joined later.
    fn adopt(&self, h: JoinHandle<()>) {
        lock(&self.threads).push(h);
    }

    /// Waits until `next`, a wake-up, or the client closing.
    fn sleep_until(&self, next: Instant, closed: &AtomicBool) {
        let mut woken = lock(&self.wake);
        while !*woken && !closed.load(Ordering::SeqCst) {
            let now = Instant::now();
            if now >= next {
                break;
            }
            woken = self
                .cv
                .wait_timeout(woken, next - now)
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
        *woken = false;
    }

    /// A pseudo-random number in `[0, 1)`, for the jitter.
    fn uniform(&self) -> f64 {
        let mut x = lock(&self.rng);
        *x ^= *x >> 12;
        *x ^= *x << 25;
        *x ^= *x >> 27;
        (x.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Joins the threads that have ended (readers of lost connections,
    /// connectors).
    fn reap(&self) {
        let mut threads = lock(&self.threads);
        let mut i = 0;
        while i < threads.len() {
            if threads[i].is_finished() {
                let _ = threads.swap_remove(i).join();
            } else {
                i += 1;
            }
        }
    }

    /// Joins the maintenance thread, unless it is the caller (`me`).
    pub(super) fn join_thread(&self, me: ThreadId) {
        let maint = lock(&self.thread).take();
        if let Some(h) = maint {
            if h.thread().id() != me {
                let _ = h.join();
            }
        }
    }

    /// Joins every other background thread but the caller (`me`),
    /// including those started while joining.
    pub(super) fn join_all(&self, me: ThreadId) {
        loop {
            let batch: Vec<_> = std::mem::take(&mut *lock(&self.threads));
            if batch.is_empty() {
                break;
            }
            for h in batch {
                if h.thread().id() != me {
                    let _ = h.join();
                }
            }
        }
    }
}
