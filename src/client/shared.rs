//! The state shared by every handle of a [`Client`](super::Client) and its
//! background threads, with the few operations on it that several modules
//! need. What acts on it lives beside it, by concern:
//!
//! * `nodes.rs`, `slot.rs`: the nodes and their connection slots;
//! * `maintenance.rs`: connecting, reconnecting with backoff, keepalive;
//! * `reader.rs`: each connection's reader and writer threads;
//! * `dispatch.rs` (with `routing/`): making a call, start to finish;
//! * `discovery.rs`: the cluster topology and node membership;
//! * `stats/`: counters and the statistics snapshot.
//!
//! Nodes and slots only grow (a discovered node is appended with its
//! slots), so a slot index stays valid for the client's life. Lock order:
//! `nodes` → `slots` → a slot's `state`; the gate is never notified while
//! any of them is held.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Mutex;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::connection::ConnectOptions;
use crate::error::{Error, Result};
use crate::wire::invocation::{encode_invocation, InvocationOptions};
use crate::wire::response::PING_HANDLE;

use super::config::{ClientConfig, UnsolicitedHook};
use super::discovery::ClusterState;
use super::maintenance::Maintenance;
use super::nodes::Nodes;
use super::slot::Conn;
use super::stats::ProcMap;
use crate::connection::{lock, Death, Gate, Handles};

/// Starts a named thread.
pub(super) fn spawn(
    name: String,
    f: impl FnOnce() + Send + 'static,
) -> std::io::Result<JoinHandle<()>> {
    std::thread::Builder::new().name(name).spawn(f)
}

/// The state shared by every handle of a client and its threads.
pub(crate) struct Shared {
    /// The configuration the client was built with.
    pub(crate) config: ClientConfig,
    /// What each connect needs: credentials, hash scheme, timeouts.
    pub(super) connect: ConnectOptions,
    /// The nodes and their connection slots.
    pub(super) nodes: Nodes,
    /// The hook for messages no call asked for.
    pub(super) on_unsolicited: Option<UnsolicitedHook>,
    /// The origin of the connections' microsecond clocks.
    pub(super) epoch: Instant,
    /// The client-handle allocator (see `next_handle`).
    pub(super) handles: Handles,
    /// Set once by `close`.
    pub(super) closed: AtomicBool,
    /// Wakes callers waiting for a connection, a free place or a topology.
    pub(super) gate: Gate,
    /// The maintenance thread's wake-up and the background threads.
    pub(super) maintenance: Maintenance,
    /// Calls that failed before reaching a connection, by procedure.
    pub(super) unrouted: Mutex<ProcMap>,
    /// The keepalive `@Ping` invocation, encoded once.
    pub(super) ping_frame: Vec<u8>,
    /// Cluster discovery and routing state (discovery on only).
    pub(super) cluster: Option<ClusterState>,
    /// Dump files opened so far (the next one's number).
    pub(super) dumps_opened: AtomicUsize,
}

impl Shared {
    /// The state of a client that has not connected yet: one node per
    /// configured host, each with its slots in state `Connecting`.
    pub(crate) fn new(config: ClientConfig, on_unsolicited: Option<UnsolicitedHook>) -> Shared {
        let nodes = Nodes::new(&config.hosts, config.per_node());
        let connect = ConnectOptions {
            username: config.username.clone(),
            password: config.password.clone(),
            hash_scheme: config.hash_scheme,
            connect_timeout: config.connect_timeout,
            frame_cap: config.frame_cap,
            #[cfg(feature = "tls")]
            tls: config.tls.clone(),
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
            .map_or(0x9e37_79b9_7f4a_7c15, |d| d.as_nanos() as u64);
        let cluster = config.discover.then(ClusterState::new);
        Shared {
            config,
            connect,
            nodes,
            on_unsolicited,
            epoch: now,
            handles: Handles::new(),
            closed: AtomicBool::new(false),
            gate: Gate::default(),
            maintenance: Maintenance::new(seed),
            unrouted: Mutex::new(ProcMap::new()),
            ping_frame,
            cluster,
            dumps_opened: AtomicUsize::new(0),
        }
    }

    /// Makes the maintenance thread run a pass now.
    pub(super) fn wake_maintenance(&self) {
        self.maintenance.wake();
    }

    /// True once `close` was called.
    pub(crate) fn is_closed(&self) -> bool {
        self.closed.load(Ordering::SeqCst)
    }

    /// Waits until at least one connection is up.
    pub(crate) fn wait_connected(&self, timeout: Duration) -> Result<()> {
        let deadline = Instant::now() + timeout;
        let r = self.gate.wait_until(deadline, || {
            if self.is_closed() {
                return Some(Err(Error::Closed));
            }
            (self.nodes.connected_count() > 0).then_some(Ok(()))
        });
        r.unwrap_or_else(|| Err(self.no_connection_error()))
    }

    /// The error of a call that found no connection up: which hosts,
    /// whether the client is still trying, and the last connect error.
    pub(super) fn no_connection_error(&self) -> Error {
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
        for s in &self.nodes.all_slots() {
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
        Error::unavailable(format!(
            "no connection to {} is up ({what}; last error: {}); the call was not sent",
            hosts.join(", "),
            last.as_deref().unwrap_or("none")
        ))
    }

    /// The next client handle, in `1..=MAX_CLIENT_HANDLE` (wrapping).
    pub(super) fn next_handle(&self) -> i64 {
        self.handles.next()
    }

    /// Fails pending calls with [`Error::Closed`], stops and joins every
    /// background thread. Idempotent.
    pub(crate) fn close(&self) {
        if self.closed.swap(true, Ordering::SeqCst) {
            return;
        }
        let me = std::thread::current().id();
        self.wake_maintenance();
        self.maintenance.join_thread(me);
        for s in &self.nodes.all_slots() {
            let old = std::mem::replace(&mut lock(&s.state).conn, Conn::Closed);
            if let Conn::Up(c) = old {
                c.fail(Death::Closed, &self.gate);
            }
        }
        self.gate.notify_all();
        if let Some(c) = &self.cluster {
            c.stop(me);
        }
        self.maintenance.join_all(me);
    }
}
