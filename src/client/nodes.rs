//! The nodes a client connects to and their connection slots.
//!
//! Nodes and slots only grow (a discovered node is appended with its
//! slots), so a slot index stays valid for the client's life.

use std::collections::HashMap;
use std::net::IpAddr;
use std::ops::Range;
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use super::connection::{lock, Connection};
use super::stats::ProcMap;

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
