//! One connection slot: its connection state and its counters.

use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use super::stats::ProcMap;
use crate::connection::{lock, Connection};

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
    pub(super) connects: u64,
    pub(super) connect_failures: u64,
    pub(super) disconnects: u64,
    pub(super) last_error: Option<String>,
    pub(super) host_id: Option<i32>,
    pub(super) connection_id: Option<i64>,
}

/// One of the connections to one node.
pub(crate) struct Slot {
    pub(super) index: usize,
    pub(super) node: usize,
    pub(super) host: String,
    pub(super) port: u16,
    pub(super) state: Mutex<SlotState>,
    pub(super) calls: Mutex<ProcMap>,
    pub(super) pings: AtomicU64,
    pub(super) late: AtomicU64,
    pub(super) unsolicited: AtomicU64,
    pub(super) bytes_received: AtomicU64,
}

impl Slot {
    pub(super) fn new(index: usize, node: usize, host: &str, port: u16, conn: Conn) -> Slot {
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
