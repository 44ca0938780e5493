//! The state shared by every handle of a [`Client`](super::Client) and its
//! background threads: nodes and their connection slots, the maintenance
//! thread (reconnect with backoff, keepalive), reader threads, call dispatch
//! (with client affinity when discovery is on) and statistics.
//!
//! Threads: one maintenance thread per client; one reader thread per live
//! connection; a short-lived connector thread per connect attempt, so that a
//! host that is slow to answer never delays keepalive or other hosts; with
//! discovery on, one topology thread (see `discovery.rs`).
//!
//! Nodes and slots only grow (a discovered node is appended with its
//! slots), so a slot index stays valid for the client's life. Lock order:
//! `nodes` → `slots` → a slot's `state`; the gate is never notified while
//! any of them is held.

use std::collections::HashMap;
use std::net::{IpAddr, TcpStream};
use std::ops::Range;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, RwLock};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::connection::{
    lock, micros_since, ConnectOptions, Connection, Death, Dump, FrameReader, Gate, Handles,
    Oneshot, ReadError, ReadTimeout, Replies, ReplyError, ReplyTo, Sent, WriteMode,
};
use crate::error::{Error, Result};
use crate::response::VoltResponse;
use crate::wire::invocation::{encode_invocation, InvocationOptions};
use crate::wire::response::{ASYNC_PROC_HANDLE, ASYNC_TOPO_HANDLE, PING_HANDLE};
use crate::wire::value::Value;

use super::config::{BackpressurePolicy, CallOptions, ClientConfig, UnsolicitedHook};
use super::discovery::ClusterState;
use super::routing::{Placed, Route, Unrouted};
use super::stats::{record_in, ClientStats, ConnectionStats, NodeStats, Outcome, ProcMap};
use super::Unsolicited;

pub(crate) use crate::connection::{read, write};

/// The connection state of one slot.
pub(super) enum Conn {
    /// Logged in and serving calls.
    Up(Arc<Connection>),
    /// A connect attempt is running.
    Connecting,
    /// Not connected; the next attempt is due at `next` (`None`: never,
    /// because reconnect is off).
    Down {
        next: Option<Instant>,
        failures: u32,
    },
    /// The client is closed.
    Closed,
}

pub(super) struct SlotState {
    pub(super) conn: Conn,
    connects: u64,
    connect_failures: u64,
    disconnects: u64,
    last_error: Option<String>,
    host_id: Option<i32>,
    connection_id: Option<i64>,
}

/// One of the connections to one node.
pub(super) struct Slot {
    pub(super) index: usize,
    pub(super) node: usize,
    pub(super) host: String,
    pub(super) port: u16,
    pub(super) state: Mutex<SlotState>,
    calls: Mutex<ProcMap>,
    pings: AtomicU64,
    late: AtomicU64,
    unsolicited: AtomicU64,
    bytes_received: AtomicU64,
}

impl Slot {
    fn new(index: usize, node: usize, host: &str, port: u16, conn: Conn) -> Slot {
        Slot {
            index,
            node,
            host: host.to_string(),
            port,
            state: Mutex::new(SlotState {
                conn,
                connects: 0,
                connect_failures: 0,
                disconnects: 0,
                last_error: None,
                host_id: None,
                connection_id: None,
            }),
            calls: Mutex::new(ProcMap::new()),
            pings: AtomicU64::new(0),
            late: AtomicU64::new(0),
            unsolicited: AtomicU64::new(0),
            bytes_received: AtomicU64::new(0),
        }
    }

    /// The live connection, if any.
    pub(super) fn current(&self) -> Option<Arc<Connection>> {
        match &lock(&self.state).conn {
            Conn::Up(c) if !c.is_dead() => Some(c.clone()),
            _ => None,
        }
    }
}

/// A server the client connects to: a configured host or a discovered node.
pub(super) struct NodeEntry {
    pub(super) host: String,
    pub(super) port: u16,
    /// Its slots: `first_slot .. first_slot + slot_count`.
    pub(super) first_slot: usize,
    pub(super) slot_count: usize,
    /// Host id from its last login.
    pub(super) host_id: Option<i32>,
    pub(super) configured: bool,
    /// Its last login was refused (another cluster instance).
    pub(super) refused: bool,
    /// The addresses `host` resolves to (cached for matching discovered
    /// addresses against configured names).
    pub(super) resolved: Option<Vec<IpAddr>>,
}

impl NodeEntry {
    pub(super) fn slots(&self) -> Range<usize> {
        self.first_slot..self.first_slot + self.slot_count
    }
}

/// Every node, and which node each logged-in host id belongs to.
#[derive(Default)]
pub(super) struct NodeTable {
    pub(super) nodes: Vec<NodeEntry>,
    pub(super) by_host_id: HashMap<i32, usize>,
}

/// Where a call should go and how to count it.
struct Plan {
    /// The slots of the preferred node.
    target: Option<Range<usize>>,
    /// How the call counts when it is sent to the preferred node (or
    /// anywhere when there is none).
    placed: Placed,
}

/// Result of choosing a connection for a call.
enum Pick {
    /// A connection, with a place reserved for the call.
    Got(Arc<Connection>),
    /// Connections are up but all are at `max_in_flight`.
    Full,
    /// No connection is up.
    NoneUp,
}

pub(crate) struct Shared {
    pub(crate) config: ClientConfig,
    connect: ConnectOptions,
    pub(super) nodes: RwLock<NodeTable>,
    pub(super) slots: RwLock<Vec<Arc<Slot>>>,
    on_unsolicited: Option<UnsolicitedHook>,
    epoch: Instant,
    handles: Handles,
    rr: AtomicUsize,
    closed: AtomicBool,
    pub(super) gate: Gate,
    maint_wake: Mutex<bool>,
    maint_cv: Condvar,
    maint_thread: Mutex<Option<JoinHandle<()>>>,
    threads: Mutex<Vec<JoinHandle<()>>>,
    unrouted: Mutex<ProcMap>,
    rng: Mutex<u64>,
    ping_frame: Vec<u8>,
    /// Cluster discovery and routing state (discovery on only).
    pub(super) cluster: Option<ClusterState>,
}

/// Response body buffers a reader thread keeps for reuse: 64 of at most
/// 64 KiB (4 MiB in all).
const BODY_SPARES: usize = 64;
const BODY_KEEP: usize = 64 << 10;

/// A call that was sent and waits for its reply.
pub(super) struct InFlight {
    conn: Arc<Connection>,
    handle: i64,
    done: Arc<Oneshot>,
    sent_at: Instant,
    sent: usize,
    timeout: Duration,
    deadline: Instant,
}

impl InFlight {
    /// True once the reply (or the connection's failure) has arrived.
    pub(super) fn is_ready(&self) -> bool {
        self.done.is_ready()
    }
}

pub(super) fn spawn(
    name: String,
    f: impl FnOnce() + Send + 'static,
) -> std::io::Result<JoinHandle<()>> {
    std::thread::Builder::new().name(name).spawn(f)
}

/// The reader thread's socket: reads block without a timeout (the socket is
/// shut down to stop it), so the per-read `set_read_timeout` is skipped.
struct BlockingRead(TcpStream);

impl std::io::Read for BlockingRead {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.0.read(buf)
    }
}

impl ReadTimeout for BlockingRead {
    fn set_timeout(&mut self, _: Option<Duration>) -> std::io::Result<()> {
        Ok(())
    }
}

fn describe(e: ReadError) -> String {
    match e {
        ReadError::Eof { partial } if partial.is_empty() => "server closed the connection".into(),
        ReadError::Eof { partial } => format!(
            "server closed the connection inside a frame, after {} bytes",
            partial.len()
        ),
        ReadError::Io(e) => format!("read failed: {e}"),
        ReadError::Protocol(p) => format!("bad frame from server: {p}"),
        ReadError::TimedOut => "read timed out".into(),
    }
}

impl Shared {
    pub(crate) fn new(config: ClientConfig, on_unsolicited: Option<UnsolicitedHook>) -> Shared {
        let mut slots = Vec::new();
        let mut table = NodeTable::default();
        let per_node = config.per_node();
        for (node, (host, port)) in config.hosts.iter().enumerate() {
            table.nodes.push(NodeEntry {
                host: host.clone(),
                port: *port,
                first_slot: slots.len(),
                slot_count: per_node,
                host_id: None,
                configured: true,
                refused: false,
                resolved: None,
            });
            for _ in 0..per_node {
                slots.push(Arc::new(Slot::new(
                    slots.len(),
                    node,
                    host,
                    *port,
                    Conn::Connecting,
                )));
            }
        }
        let connect = ConnectOptions {
            username: config.username.clone(),
            password: config.password.clone(),
            hash_scheme: config.hash_scheme,
            connect_timeout: config.connect_timeout,
            frame_cap: config.frame_cap,
        };
        let mut ping_frame = Vec::new();
        // Cannot fail: no parameters, a valid name.
        let _ = encode_invocation(
            &mut ping_frame,
            "@Ping",
            PING_HANDLE,
            &InvocationOptions::default(),
            &[],
            None,
            config.frame_cap,
        );
        let now = Instant::now();
        let seed = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0x9e37_79b9_7f4a_7c15, |d| d.as_nanos() as u64)
            | 1;
        let cluster = config.discover.then(ClusterState::new);
        Shared {
            config,
            connect,
            nodes: RwLock::new(table),
            slots: RwLock::new(slots),
            on_unsolicited,
            epoch: now,
            handles: Handles::new(),
            rr: AtomicUsize::new(0),
            closed: AtomicBool::new(false),
            gate: Gate::default(),
            maint_wake: Mutex::new(false),
            maint_cv: Condvar::new(),
            maint_thread: Mutex::new(None),
            threads: Mutex::new(Vec::new()),
            unrouted: Mutex::new(ProcMap::new()),
            rng: Mutex::new(seed),
            ping_frame,
            cluster,
        }
    }

    /// Slot `i` (slots are never removed).
    pub(super) fn slot(&self, i: usize) -> Arc<Slot> {
        read(&self.slots)[i].clone()
    }

    /// Every slot, as of now.
    pub(super) fn all_slots(&self) -> Vec<Arc<Slot>> {
        read(&self.slots).clone()
    }

    /// Appends a node with `per_node` slots in state `Connecting`; returns
    /// the new slot indices. The caller starts their connectors.
    pub(super) fn add_node(&self, table: &mut NodeTable, host: &str, port: u16) -> Range<usize> {
        let mut slots = write(&self.slots);
        let node = table.nodes.len();
        let first = slots.len();
        let n = self.config.per_node();
        for k in 0..n {
            slots.push(Arc::new(Slot::new(
                first + k,
                node,
                host,
                port,
                Conn::Connecting,
            )));
        }
        table.nodes.push(NodeEntry {
            host: host.to_string(),
            port,
            first_slot: first,
            slot_count: n,
            host_id: None,
            configured: false,
            refused: false,
            resolved: None,
        });
        first..first + n
    }

    /// Connects (eagerly or lazily) and starts the maintenance thread.
    pub(crate) fn start(self: &Arc<Self>) -> Result<()> {
        let slots = self.all_slots();
        if self.config.lazy {
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
                    .map(|s| scope.spawn(move || self.open(s.index)))
                    .collect();
                handles
                    .into_iter()
                    .map(|h| {
                        h.join().unwrap_or_else(|_| {
                            Err(Error::ConnectionError("connect thread panicked".into()))
                        })
                    })
                    .collect()
            });
            let mut first_error = None;
            let mut any = false;
            for (i, r) in results.into_iter().enumerate() {
                match r {
                    Ok(c) => {
                        any = true;
                        self.install(i, Ok(c), 0);
                    }
                    Err(e) => {
                        let text = e.to_string();
                        if first_error.is_none() {
                            first_error = Some(e);
                        }
                        self.install(i, Err(text), 0);
                    }
                }
            }
            if !any {
                self.close();
                return Err(first_error.unwrap_or(Error::Closed));
            }
            if let Some(c) = &self.cluster {
                // Learn the cluster and connect to every node before
                // returning; a failure is recorded, never returned (routing
                // is an optimisation; the topology thread retries).
                if let Err(e) = self.refresh(c, true, true) {
                    c.record_error(&e.to_string());
                }
            }
        }
        let me = self.clone();
        let h = spawn("voltdb-maintenance".into(), move || me.maintenance_loop())?;
        *lock(&self.maint_thread) = Some(h);
        if self.cluster.is_some() {
            let me = self.clone();
            let h = spawn("voltdb-topology".into(), move || me.topology_loop())?;
            if let Some(c) = &self.cluster {
                c.set_thread(h);
            }
        }
        Ok(())
    }

    fn open(&self, slot: usize) -> Result<(Connection, TcpStream, FrameReader)> {
        let s = self.slot(slot);
        Connection::open(
            slot,
            &s.host,
            s.port,
            &self.connect,
            self.config.response_timeout,
            self.epoch,
        )
    }

    /// The delay before reconnect attempt number `failures + 1`.
    fn backoff(&self, failures: u32) -> Duration {
        let base = self
            .config
            .initial_backoff
            .saturating_mul(1u32 << failures.min(20))
            .min(self.config.max_backoff);
        let u = {
            // xorshift64*
            let mut x = lock(&self.rng);
            *x ^= *x >> 12;
            *x ^= *x << 25;
            *x ^= *x >> 27;
            (x.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 11) as f64 / (1u64 << 53) as f64
        };
        base.mul_f64((1.0 + self.config.jitter * (2.0 * u - 1.0)).max(0.0))
    }

    /// Puts the result of a connect attempt into its slot and starts the
    /// reader thread of a new connection.
    pub(super) fn install(
        self: &Arc<Self>,
        slot: usize,
        result: std::result::Result<(Connection, TcpStream, FrameReader), String>,
        failures: u32,
    ) {
        let s = self.slot(slot);
        // A node of another cluster instance is refused (discovery on only).
        let result = match (result, &self.cluster) {
            (Ok((conn, stream, reader)), Some(c)) => {
                match self.admit_instance(c, &s, &conn.login) {
                    Ok(()) => Ok((conn, stream, reader)),
                    Err(why) => {
                        Arc::new(conn).fail(Death::Lost(why.clone()), &self.gate);
                        Err(why)
                    }
                }
            }
            (r, _) => r,
        };
        let mut st = lock(&s.state);
        let closed = self.closed.load(Ordering::SeqCst);
        // Failed outside the slot lock (fail() notifies the gate; see Gate).
        let mut to_fail = None;
        let mut logged_in = None;
        match result {
            Ok((conn, stream, reader)) => {
                let conn = Arc::new(conn);
                if closed {
                    drop(st);
                    conn.fail(Death::Closed, &self.gate);
                    return;
                }
                st.host_id = Some(conn.login.host_id);
                st.connection_id = Some(conn.login.connection_id);
                let (me, c) = (self.clone(), conn.clone());
                let name = format!("voltdb-reader-{slot}");
                match spawn(name, move || me.reader_loop(c, stream, reader)) {
                    Ok(h) => {
                        lock(&self.threads).push(h);
                        // Without a writer thread, queued writes are direct.
                        let (me, c) = (self.clone(), conn.clone());
                        let name = format!("voltdb-writer-{slot}");
                        if let Ok(h) = spawn(name, move || me.writer_loop(c)) {
                            lock(&self.threads).push(h);
                        }
                        st.connects += 1;
                        logged_in = Some(conn.login.host_id);
                        st.conn = Conn::Up(conn);
                    }
                    Err(e) => {
                        let why = format!("cannot start a reader thread: {e}");
                        to_fail = Some((conn, why.clone()));
                        st.connect_failures += 1;
                        st.last_error = Some(why);
                        st.conn = self.down_state(failures);
                    }
                }
            }
            Err(e) => {
                st.connect_failures += 1;
                st.last_error = Some(e);
                st.conn = if closed {
                    Conn::Closed
                } else {
                    self.down_state(failures)
                };
            }
        }
        drop(st);
        if let Some((conn, why)) = to_fail {
            conn.fail(Death::Lost(why), &self.gate);
        }
        if let Some(host_id) = logged_in {
            self.node_logged_in(s.node, host_id);
            if let Some(c) = &self.cluster {
                c.wake_on_connect();
            }
        }
        self.gate.notify_all();
        self.wake_maintenance();
    }

    /// Records the host id a node logged in with (a rejoined node gets a
    /// new one; an id another node held before moves to this node).
    fn node_logged_in(&self, node: usize, host_id: i32) {
        let mut t = write(&self.nodes);
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
    fn down_state(&self, failures: u32) -> Conn {
        if self.config.reconnect {
            Conn::Down {
                next: Some(Instant::now() + self.backoff(failures)),
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
    fn connection_down(&self, conn: &Arc<Connection>) {
        let s = self.slot(conn.slot);
        if let Some(c) = &self.cluster {
            c.connection_lost(conn);
        }
        {
            let mut st = lock(&s.state);
            if matches!(&st.conn, Conn::Up(c) if Arc::ptr_eq(c, conn)) {
                st.disconnects += 1;
                st.last_error = conn.death_reason();
                st.conn = if self.closed.load(Ordering::SeqCst) {
                    Conn::Closed
                } else {
                    self.down_state(0)
                };
            }
        }
        self.gate.notify_all();
        self.wake_maintenance();
    }

    fn reader_loop(self: Arc<Self>, conn: Arc<Connection>, stream: TcpStream, reader: FrameReader) {
        let slot = self.slot(conn.slot);
        let mut stream = match stream.set_read_timeout(None) {
            Ok(()) => BlockingRead(stream),
            Err(e) => {
                conn.fail(Death::Lost(format!("socket setup failed: {e}")), &self.gate);
                self.connection_down(&conn);
                return;
            }
        };
        let mut replies = Replies::new(reader, BODY_SPARES, BODY_KEEP);
        let reason = loop {
            let (resp, size) = match replies.next(&mut stream, None, &mut Dump::off()) {
                Ok(r) => r,
                Err(ReplyError::Read(e)) => break describe(e),
                // We cannot tell which call it answered: fail them all.
                Err(ReplyError::Parse(e)) => break format!("unreadable response from server: {e}"),
            };
            let arrived = Instant::now();
            conn.touch(arrived);
            slot.bytes_received
                .fetch_add(size as u64, Ordering::Relaxed);
            let handle = resp.client_handle;
            let to = ReplyTo::of(handle);
            if to == ReplyTo::Ping {
                continue; // keepalive reply: proof of life is all we need
            }
            if to == ReplyTo::Call(handle) {
                if !conn.complete(handle, Ok((resp, size)), &self.gate, arrived) {
                    // A late reply (after its call timed out) or a duplicate.
                    slot.late.fetch_add(1, Ordering::Relaxed);
                }
                continue;
            }
            if to == ReplyTo::Server {
                slot.unsolicited.fetch_add(1, Ordering::Relaxed);
                if let Some(c) = &self.cluster {
                    if handle == ASYNC_TOPO_HANDLE || handle == ASYNC_PROC_HANDLE {
                        self.apply_push(c, &resp);
                    }
                }
                if let Some(hook) = &self.on_unsolicited {
                    let msg = Unsolicited {
                        connection: conn.slot,
                        host_id: conn.login.host_id,
                        response: resp,
                    };
                    // A panicking hook must not take the connection down.
                    let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| hook(msg)));
                }
                continue;
            }
            // Handles we never issue (e.g. the connection id the server puts
            // in its reply to an invocation it could not parse).
            slot.late.fetch_add(1, Ordering::Relaxed);
        };
        conn.fail(Death::Lost(reason), &self.gate);
        self.connection_down(&conn);
    }

    /// The writer thread of a connection: writes queued frames.
    fn writer_loop(self: Arc<Self>, conn: Arc<Connection>) {
        if let Err(e) = conn.write_loop() {
            conn.fail(Death::Lost(format!("write failed: {e}")), &self.gate);
        }
    }

    pub(super) fn wake_maintenance(&self) {
        *lock(&self.maint_wake) = true;
        self.maint_cv.notify_one();
    }

    fn maintenance_loop(self: Arc<Self>) {
        loop {
            if self.closed.load(Ordering::SeqCst) {
                return;
            }
            let next = self.maintain(Instant::now());
            let mut woken = lock(&self.maint_wake);
            while !*woken && !self.closed.load(Ordering::SeqCst) {
                let now = Instant::now();
                if now >= next {
                    break;
                }
                woken = self
                    .maint_cv
                    .wait_timeout(woken, next - now)
                    .unwrap_or_else(|e| e.into_inner())
                    .0;
            }
            *woken = false;
        }
    }

    /// One maintenance pass: start due reconnect attempts, ping idle
    /// connections, kill connections whose ping went unanswered, reap
    /// finished threads. Returns when the next pass is due.
    fn maintain(self: &Arc<Self>, now: Instant) -> Instant {
        let mut next = now + Duration::from_secs(1);
        for s in &self.all_slots() {
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
                next = next.min(self.keepalive(&c, now));
            }
            if let Some(failures) = connect {
                self.spawn_connector(s.index, failures);
            }
        }
        // Join threads that have ended (readers of lost connections, connectors).
        let mut threads = lock(&self.threads);
        let mut i = 0;
        while i < threads.len() {
            if threads[i].is_finished() {
                let _ = threads.swap_remove(i).join();
            } else {
                i += 1;
            }
        }
        next.max(now + Duration::from_millis(1))
    }

    pub(super) fn spawn_connector(self: &Arc<Self>, slot: usize, failures: u32) {
        let me = self.clone();
        let r = spawn(format!("voltdb-connect-{slot}"), move || {
            let r = me.open(slot).map_err(|e| e.to_string());
            me.install(slot, r, failures);
        });
        match r {
            Ok(h) => lock(&self.threads).push(h),
            Err(e) => self.install(
                slot,
                Err(format!("cannot start a connect thread: {e}")),
                failures,
            ),
        }
    }

    /// Keepalive of one live connection; returns when to look again.
    fn keepalive(&self, c: &Connection, now: Instant) -> Instant {
        let far = now + Duration::from_secs(1);
        let Some(interval) = self.config.keepalive_interval else {
            return far;
        };
        if c.is_dead() {
            return far;
        }
        let rt = self.config.response_timeout;
        let now_us = micros_since(self.epoch, now);
        let at = |us: u64| self.epoch + Duration::from_micros(us);
        let (last, ping) = c.liveness();
        if ping > last {
            // A ping is outstanding and nothing arrived since it was sent.
            let due = ping.saturating_add(rt.as_micros() as u64);
            if now_us >= due {
                c.fail(
                    Death::Lost(format!(
                        "no reply to keepalive @Ping within {rt:?}; connection presumed dead"
                    )),
                    &self.gate,
                );
                return far;
            }
            return at(due);
        }
        let due = last.saturating_add(interval.as_micros() as u64);
        if now_us < due {
            return at(due);
        }
        let slot = self.slot(c.slot);
        match c.try_ping(&self.ping_frame, now) {
            Ok(true) => {
                slot.pings.fetch_add(1, Ordering::Relaxed);
                now + rt
            }
            // Another thread is writing: try again shortly.
            Ok(false) => now + Duration::from_millis(10),
            Err(e) => {
                c.fail(
                    Death::Lost(format!("keepalive write failed: {e}")),
                    &self.gate,
                );
                far
            }
        }
    }

    /// Chooses a healthy connection with a free place, round-robin, trying
    /// the slots in `preferred` (a node's slots, for client affinity) first.
    fn pick(&self, preferred: Option<&Range<usize>>) -> Pick {
        let slots = read(&self.slots);
        let n = slots.len();
        let start = self.rr.fetch_add(1, Ordering::Relaxed);
        let mut any_up = false;
        let mut try_slot = |s: &Slot| {
            if let Some(c) = s.current() {
                any_up = true;
                if c.try_reserve(self.config.max_in_flight) {
                    return Some(c);
                }
            }
            None
        };
        if let Some(r) = preferred {
            let len = r.len();
            for k in 0..len {
                if let Some(s) = slots.get(r.start + (start + k) % len) {
                    if let Some(c) = try_slot(s) {
                        return Pick::Got(c);
                    }
                }
            }
        }
        for k in 0..n {
            let i = (start + k) % n;
            if preferred.is_some_and(|r| r.contains(&i)) {
                continue;
            }
            if let Some(c) = try_slot(&slots[i]) {
                return Pick::Got(c);
            }
        }
        if any_up {
            Pick::Full
        } else {
            Pick::NoneUp
        }
    }

    /// Where a call should go (client affinity, PROTOCOL.md §9.5).
    fn plan(
        &self,
        c: &ClusterState,
        procedure: &str,
        params: &[Value],
        opts: &CallOptions,
    ) -> Plan {
        let route =
            read(&c.topology).route(procedure, params, opts.invocation.partition_destination);
        let node_slots = |host: i32| {
            let t = read(&self.nodes);
            t.by_host_id.get(&host).map(|&i| t.nodes[i].slots())
        };
        let (target, placed) = match route {
            Route::Partition {
                leader: Some(h), ..
            } => match node_slots(h) {
                Some(r) => (Some(r), Placed::Hit),
                None => (None, Placed::Fallback),
            },
            Route::Partition { leader: None, .. } => (None, Placed::Fallback),
            Route::MultiPartition { leader } => {
                (leader.and_then(node_slots), Placed::MultiPartition)
            }
            Route::Any(Unrouted::Unhashable) => (None, Placed::Fallback),
            Route::Any(Unrouted::NoTopology) if !procedure.starts_with('@') => {
                (None, Placed::Fallback)
            }
            Route::Any(_) => (None, Placed::RoundRobin),
        };
        Plan { target, placed }
    }

    pub(crate) fn is_closed(&self) -> bool {
        self.closed.load(Ordering::SeqCst)
    }

    pub(crate) fn connected_count(&self) -> usize {
        read(&self.slots)
            .iter()
            .filter(|s| s.current().is_some())
            .count()
    }

    /// A live connection, round-robin (for the client's own calls).
    pub(super) fn any_live(&self) -> Option<Arc<Connection>> {
        let slots = read(&self.slots);
        let n = slots.len();
        let start = self.rr.fetch_add(1, Ordering::Relaxed);
        (0..n).find_map(|k| slots[(start + k) % n].current())
    }

    /// Waits until at least one connection is up.
    pub(crate) fn wait_connected(&self, timeout: Duration) -> Result<()> {
        let deadline = Instant::now() + timeout;
        let r = self.gate.wait_until(deadline, || {
            if self.is_closed() {
                return Some(Err(Error::Closed));
            }
            (self.connected_count() > 0).then_some(Ok(()))
        });
        r.unwrap_or_else(|| Err(self.no_connection_error()))
    }

    fn no_connection_error(&self) -> Error {
        if self.is_closed() {
            return Error::Closed;
        }
        let hosts: Vec<String> = self
            .config
            .hosts
            .iter()
            .map(|(h, p)| format!("{h}:{p}"))
            .collect();
        let mut last = None;
        let mut connecting = false;
        let mut retry = false;
        for s in &self.all_slots() {
            let st = lock(&s.state);
            match st.conn {
                Conn::Connecting => connecting = true,
                Conn::Down { next: Some(_), .. } => retry = true,
                _ => {}
            }
            if st.last_error.is_some() {
                last = st.last_error.clone();
            }
        }
        let what = if connecting {
            "connecting"
        } else if retry {
            "reconnecting in the background"
        } else {
            "reconnect is off"
        };
        Error::ConnectionError(format!(
            "no connection to {} is up ({what}; last error: {}); the call was not sent",
            hosts.join(", "),
            last.as_deref().unwrap_or("none")
        ))
    }

    pub(super) fn next_handle(&self) -> i64 {
        self.handles.next()
    }

    fn record_unrouted(&self, procedure: &str, outcome: Outcome) {
        record_in(&mut lock(&self.unrouted), procedure, outcome, None, 0, 0);
    }

    /// Makes one call: encode, pick a connection, register, send, wait.
    pub(crate) fn call(
        &self,
        procedure: &str,
        params: &[Value],
        opts: &CallOptions,
    ) -> Result<VoltResponse> {
        let timeout = opts.timeout.unwrap_or(self.config.call_timeout);
        let deadline = deadline_after(timeout);
        let f = self.start_call(procedure, params, opts, timeout, deadline, false)?;
        self.finish_call(procedure, f)
    }

    /// Encodes, picks a connection (the partition leader's first when
    /// discovery is on), registers and sends one call. Failures before
    /// anything was sent are counted here. With `queue`, the frame goes to
    /// the connection's writer thread when other calls are in flight there
    /// (see [`WriteMode::Queued`]); otherwise this thread writes it.
    pub(super) fn start_call(
        &self,
        procedure: &str,
        params: &[Value],
        opts: &CallOptions,
        timeout: Duration,
        deadline: Instant,
        queue: bool,
    ) -> Result<InFlight> {
        if self.is_closed() {
            return Err(Error::Closed);
        }
        let handle = self.next_handle();
        // Encode first, outside any lock: bad parameters fail before anything is sent.
        let mut frame = Vec::with_capacity(64);
        encode_invocation(
            &mut frame,
            procedure,
            handle,
            &opts.invocation,
            params,
            opts.types.as_deref(),
            self.config.frame_cap,
        )?;
        let plan = self
            .cluster
            .as_ref()
            .map(|c| (c, self.plan(c, procedure, params, opts)));
        let preferred = plan.as_ref().and_then(|(_, p)| p.target.as_ref());
        loop {
            let conn = match self.pick(preferred) {
                Pick::Got(c) => c,
                Pick::NoneUp => {
                    self.record_unrouted(procedure, Outcome::Error);
                    return Err(self.no_connection_error());
                }
                Pick::Full => {
                    let full = Error::Backpressure(self.config.max_in_flight);
                    if self.config.backpressure == BackpressurePolicy::Fail {
                        self.record_unrouted(procedure, Outcome::Error);
                        return Err(full);
                    }
                    let got = self
                        .gate
                        .wait_until(deadline, || match self.pick(preferred) {
                            Pick::Got(c) => Some(Some(c)),
                            Pick::NoneUp => Some(None),
                            Pick::Full => self.is_closed().then_some(None),
                        });
                    match got {
                        Some(Some(c)) => c,
                        Some(None) => {
                            self.record_unrouted(procedure, Outcome::Error);
                            return Err(self.no_connection_error());
                        }
                        None => {
                            self.record_unrouted(procedure, Outcome::Error);
                            return Err(full);
                        }
                    }
                }
            };
            let done = Arc::new(Oneshot::default());
            if !conn.register(handle, done.clone()) {
                // The connection died after we chose it; nothing was sent.
                conn.release(&self.gate);
                continue;
            }
            let sent_at = Instant::now();
            // Our own place counts: more than one means others are in flight.
            let how = if queue && conn.in_flight() > 1 {
                WriteMode::Queued
            } else {
                WriteMode::Direct
            };
            match conn.send(&frame, how) {
                Sent::Yes => {}
                Sent::No => {
                    // Dead before a byte was written: safe to try elsewhere.
                    conn.unregister(handle, &self.gate);
                    continue;
                }
                Sent::Failed(e) => {
                    // Part of the frame may have been sent: outcome unknown.
                    // This fails our own pending entry with ConnectionLost.
                    conn.fail(Death::Lost(format!("write failed: {e}")), &self.gate);
                }
            }
            if let Some((c, plan)) = &plan {
                let placed = match (&plan.target, plan.placed) {
                    (Some(r), Placed::Hit) if !r.contains(&conn.slot) => Placed::Miss,
                    (_, p) => p,
                };
                c.affinity.record(placed);
            }
            return Ok(InFlight {
                conn,
                handle,
                done,
                sent_at,
                sent: frame.len(),
                timeout,
                deadline,
            });
        }
    }

    /// Waits for the reply of a call sent by [`start_call`](Self::start_call)
    /// and counts it.
    pub(super) fn finish_call(&self, procedure: &str, f: InFlight) -> Result<VoltResponse> {
        let InFlight {
            conn,
            handle,
            done,
            sent_at,
            sent,
            timeout,
            deadline,
        } = f;
        let timed_out = || (Err(Error::Timeout(timeout)), Instant::now());
        let (reply, at) = match done.wait_until(deadline) {
            Some(r) => r,
            None if conn.unregister(handle, &self.gate) => timed_out(),
            // Completed concurrently: the value is on its way.
            None => done
                .wait_until(Instant::now() + Duration::from_secs(1))
                .unwrap_or_else(timed_out),
        };
        // Until the reply arrived, not until it was collected.
        let latency = at.saturating_duration_since(sent_at);
        let (outcome, received, lat) = match &reply {
            Ok((r, n)) if r.is_success() => (Outcome::Success, *n, Some(latency)),
            Ok((_, n)) => (Outcome::Failure, *n, Some(latency)),
            Err(Error::Timeout(_)) => (Outcome::Timeout, 0, None),
            Err(_) => (Outcome::Error, 0, None),
        };
        record_in(
            &mut lock(&self.slot(conn.slot).calls),
            procedure,
            outcome,
            lat,
            sent,
            received,
        );
        reply.map(|(mut r, _)| {
            r.client_round_trip = Some(latency);
            r
        })
    }

    /// Gives up on a call sent by [`start_call`](Self::start_call) whose
    /// reply will not be collected: its place is freed now, and a reply that
    /// still comes counts as late. Not counted in the call statistics.
    pub(super) fn abandon(&self, f: &InFlight) {
        f.conn.unregister(f.handle, &self.gate);
    }

    /// One of the client's own calls (discovery) on a given connection:
    /// not routed, not counted in the call statistics, never held back by
    /// `max_in_flight`. Fails unless the server answers `SUCCESS`.
    pub(super) fn internal_call(
        &self,
        conn: &Arc<Connection>,
        procedure: &str,
        params: &[Value],
    ) -> Result<VoltResponse> {
        let handle = self.next_handle();
        let mut frame = Vec::with_capacity(64);
        encode_invocation(
            &mut frame,
            procedure,
            handle,
            &InvocationOptions::default(),
            params,
            None,
            self.config.frame_cap,
        )?;
        let timeout = self.config.connect_timeout.max(Duration::from_secs(10));
        let lost = || Error::ConnectionLost(format!("{procedure}: the connection ended"));
        if !conn.try_reserve(usize::MAX) {
            return Err(Error::Backpressure(usize::MAX));
        }
        let done = Arc::new(Oneshot::default());
        if !conn.register(handle, done.clone()) {
            conn.release(&self.gate);
            return Err(lost());
        }
        match conn.send(&frame, WriteMode::Direct) {
            Sent::Yes => {}
            Sent::No => {
                conn.unregister(handle, &self.gate);
                return Err(lost());
            }
            Sent::Failed(e) => {
                conn.fail(Death::Lost(format!("write failed: {e}")), &self.gate);
            }
        }
        let reply = match done.wait_until(deadline_after(timeout)) {
            Some((r, _)) => r,
            None if conn.unregister(handle, &self.gate) => Err(Error::Timeout(timeout)),
            None => done
                .wait_until(Instant::now() + Duration::from_secs(1))
                .map_or(Err(Error::Timeout(timeout)), |(r, _)| r),
        };
        reply.and_then(|(r, _)| r.ok())
    }

    pub(crate) fn stats(&self) -> ClientStats {
        let mut out = ClientStats::default();
        for (name, s) in lock(&self.unrouted).iter() {
            out.procedures.insert(name.clone(), s.clone());
        }
        let by_host = self
            .cluster
            .as_ref()
            .map(|c| read(&c.topology).partitions_by_host());
        {
            let t = read(&self.nodes);
            for (i, n) in t.nodes.iter().enumerate() {
                out.nodes.push(NodeStats {
                    index: i,
                    host: n.host.clone(),
                    port: n.port,
                    host_id: n.host_id,
                    configured: n.configured,
                    connections: n.slot_count,
                    leader_of: n
                        .host_id
                        .and_then(|h| by_host.as_ref().and_then(|m| m.get(&h)).cloned())
                        .unwrap_or_default(),
                    ..Default::default()
                });
            }
        }
        for s in &self.all_slots() {
            let calls = lock(&s.calls).clone();
            let mut c = ConnectionStats {
                index: s.index,
                node: s.node,
                host: s.host.clone(),
                port: s.port,
                pings: s.pings.load(Ordering::Relaxed),
                late_replies: s.late.load(Ordering::Relaxed),
                unsolicited: s.unsolicited.load(Ordering::Relaxed),
                bytes_received: s.bytes_received.load(Ordering::Relaxed),
                ..Default::default()
            };
            {
                let st = lock(&s.state);
                if let Conn::Up(conn) = &st.conn {
                    c.connected = !conn.is_dead();
                    c.in_flight = conn.in_flight();
                }
                c.host_id = st.host_id;
                c.connection_id = st.connection_id;
                c.connects = st.connects;
                c.connect_failures = st.connect_failures;
                c.disconnects = st.disconnects;
                c.last_error = st.last_error.clone();
            }
            for (name, p) in &calls {
                c.calls.merge(p);
                out.procedures.entry(name.clone()).or_default().merge(p);
            }
            if let Some(n) = out.nodes.get_mut(s.node) {
                n.calls.merge(&c.calls);
                n.connected += usize::from(c.connected);
            }
            out.connections.push(c);
        }
        if let Some(c) = &self.cluster {
            out.affinity = c.affinity.snapshot();
            out.topology = c.stats();
        }
        out
    }

    /// Fails pending calls with [`Error::Closed`], stops and joins every
    /// background thread. Idempotent.
    pub(crate) fn close(&self) {
        if self.closed.swap(true, Ordering::SeqCst) {
            return;
        }
        let me = std::thread::current().id();
        self.wake_maintenance();
        let maint = lock(&self.maint_thread).take();
        if let Some(h) = maint {
            if h.thread().id() != me {
                let _ = h.join();
            }
        }
        for s in &self.all_slots() {
            let old = std::mem::replace(&mut lock(&s.state).conn, Conn::Closed);
            if let Conn::Up(c) = old {
                c.fail(Death::Closed, &self.gate);
            }
        }
        self.gate.notify_all();
        if let Some(c) = &self.cluster {
            c.stop(me);
        }
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

/// `now + timeout`, saturating for huge timeouts.
pub(super) fn deadline_after(timeout: Duration) -> Instant {
    let start = Instant::now();
    start
        .checked_add(timeout)
        .unwrap_or_else(|| start + Duration::from_secs(100 * 365 * 24 * 3600))
}
