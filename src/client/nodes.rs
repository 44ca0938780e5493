//! The nodes a client connects to and their connection slots.
//!
//! Nodes and slots only grow (a discovered node is appended with its
//! slots), so a slot index stays valid for the client's life.

use std::collections::HashMap;
use std::net::IpAddr;
use std::ops::Range;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use super::routing::{self, Pick};
use super::slot::{Conn, Slot};
use crate::connection::{lock, Connection};

/// A server the client connects to: a configured host or a discovered node.
pub(super) struct NodeEntry {
    pub(super) host: String,
    pub(super) port: u16,
    /// Its slots (indices into the client's slots).
    pub(super) slots: Range<usize>,
    /// Host id from its last login.
    pub(super) host_id: Option<i32>,
    pub(super) configured: bool,
    /// Its last login was refused (another cluster instance).
    pub(super) refused: bool,
    /// The addresses `host` resolves to (cached for matching discovered
    /// addresses against configured names).
    pub(super) resolved: Option<Vec<IpAddr>>,
}

/// Every node, and which node each logged-in host id belongs to.
#[derive(Default)]
pub(super) struct NodeTable {
    pub(super) nodes: Vec<NodeEntry>,
    pub(super) by_host_id: HashMap<i32, usize>,
}

/// The nodes and their slots. Lock order: `table` before `slots`.
pub(super) struct Nodes {
    /// Every node, configured or discovered.
    pub(super) table: Mutex<NodeTable>,
    /// Every connection slot, node by node.
    slots: Mutex<Vec<Arc<Slot>>>,
    /// Where the next round-robin pick starts.
    rr: AtomicUsize,
}

impl Nodes {
    /// One configured node per host, each with `per_node` slots in state
    /// `Connecting`.
    pub(super) fn new(hosts: &[(String, u16)], per_node: usize) -> Nodes {
        let nodes = Nodes {
            table: Mutex::new(NodeTable::default()),
            slots: Mutex::new(Vec::new()),
            rr: AtomicUsize::new(0),
        };
        {
            let mut table = lock(&nodes.table);
            for (host, port) in hosts {
                nodes.add_node(&mut table, host, *port, per_node, true);
            }
        }
        nodes
    }

    /// Slot `i` (slots are never removed).
    pub(super) fn slot(&self, i: usize) -> Arc<Slot> {
        lock(&self.slots)[i].clone()
    }

    /// Every slot, as of now.
    pub(super) fn all_slots(&self) -> Vec<Arc<Slot>> {
        lock(&self.slots).clone()
    }

    /// Appends a node with `per_node` slots in state `Connecting`; returns
    /// the new slot indices. The caller starts their connectors.
    pub(super) fn add_node(
        &self,
        table: &mut NodeTable,
        host: &str,
        port: u16,
        per_node: usize,
        configured: bool,
    ) -> Range<usize> {
        let mut slots = lock(&self.slots);
        let node = table.nodes.len();
        let first = slots.len();
        for k in 0..per_node {
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
            slots: first..first + per_node,
            host_id: None,
            configured,
            refused: false,
            resolved: None,
        });
        first..first + per_node
    }

    /// The number of connections up now.
    pub(super) fn connected_count(&self) -> usize {
        lock(&self.slots)
            .iter()
            .filter(|s| s.current().is_some())
            .count()
    }

    /// A live connection, round-robin (for the client's own calls).
    pub(super) fn any_live(&self) -> Option<Arc<Connection>> {
        let slots = lock(&self.slots);
        let n = slots.len();
        let start = self.rr.fetch_add(1, Ordering::Relaxed);
        (0..n).find_map(|k| slots[(start + k) % n].current())
    }

    /// Chooses a connection for a call, round-robin, the `preferred` slots
    /// first (see [`routing::pick`]).
    pub(super) fn pick(&self, preferred: Option<&Range<usize>>, max_in_flight: usize) -> Pick {
        let slots = lock(&self.slots);
        let start = self.rr.fetch_add(1, Ordering::Relaxed);
        routing::pick(&slots, start, preferred, max_in_flight)
    }
}
