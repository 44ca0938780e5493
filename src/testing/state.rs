//! The state the threads of a test cluster share: one [`Cluster`] (catalog,
//! faults, data, hash ring), its configuration, and the lock helper.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicI32, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, RwLock, Weak};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::client::routing::HashRing;
use crate::response::VoltResponse;
use crate::wire::response::{encode_response, Status, ASYNC_PROC_HANDLE, ASYNC_TOPO_HANDLE};

use super::conn::WriteOp;
use super::fault::Fault;
use super::node::Node;
use super::proc::{Partitioning, Procedure};
use super::tables::Tables;
use super::{sysprocs, topology};

// Poisoning ignored: a panicking handler must not take the server down with it.
pub(crate) use crate::connection::lock;
use crate::connection::{read, write};

/// Milliseconds since the Unix epoch (0 if the clock is before it).
pub(crate) fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// The configuration, fixed at start.
pub(crate) struct Config {
    pub(crate) build_string: String,
    pub(crate) users: HashMap<String, String>,
    pub(crate) max_connections: usize,
    pub(crate) login_timeout: Duration,
    pub(crate) hangup_timeout: Duration,
    pub(crate) partitions: u32,
    /// The number of nodes the cluster was started with (`FULLCLUSTERSIZE`).
    pub(crate) hosts: usize,
    /// TLS on every node's port (`None`: plain TCP).
    #[cfg(feature = "tls")]
    pub(crate) tls: Option<std::sync::Arc<rustls::ServerConfig>>,
}

#[derive(Default)]
struct Faults {
    any: VecDeque<Fault>,
    by_proc: HashMap<String, VecDeque<Fault>>,
}

/// State shared by all nodes of a cluster (a [`TestServer`](super::TestServer)
/// is a cluster of one node).
pub(crate) struct Cluster {
    pub(crate) cfg: Config,
    pub(crate) ring: HashRing,
    pub(crate) cluster_start_ms: i64,
    procs: RwLock<HashMap<String, Arc<Procedure>>>,
    partitioning: HashMap<String, Partitioning>,
    faults: Mutex<Faults>,
    /// The number of faults in `faults` (so that a call needs no lock when
    /// there are none); changed under its lock.
    faults_queued: AtomicUsize,
    pub(crate) calls: AtomicU64,
    nodes: Mutex<Vec<Weak<Node>>>,
    pub(crate) next_host_id: AtomicI32,
    /// Partition (or 16383) → host id set by
    /// [`TestCluster::move_leader`](super::TestCluster::move_leader);
    /// used while that host runs.
    pub(crate) leader_overrides: Mutex<HashMap<i32, i32>>,
    /// Partitioned calls served by a node that did not lead their partition.
    pub(crate) off_leader: AtomicU64,
    /// The in-memory tables the bulk-load sysprocs write to.
    pub(crate) tables: Tables,
}

impl Cluster {
    /// A cluster with no procedures and no nodes yet.
    pub(crate) fn new(
        cfg: Config,
        ring: HashRing,
        partitioning: HashMap<String, Partitioning>,
        first_restart_id: i32,
    ) -> Cluster {
        Cluster {
            cfg,
            ring,
            cluster_start_ms: now_ms(),
            procs: RwLock::new(HashMap::new()),
            partitioning,
            faults: Mutex::new(Faults::default()),
            faults_queued: AtomicUsize::new(0),
            calls: AtomicU64::new(0),
            nodes: Mutex::new(Vec::new()),
            next_host_id: AtomicI32::new(first_restart_id),
            leader_overrides: Mutex::new(HashMap::new()),
            off_leader: AtomicU64::new(0),
            tables: Tables::default(),
        }
    }

    /// Adds a started node to [`live_nodes`](Self::live_nodes).
    pub(crate) fn add_node(&self, node: &Arc<Node>) {
        let mut nodes = lock(&self.nodes);
        nodes.retain(|w| w.strong_count() > 0);
        nodes.push(Arc::downgrade(node));
    }

    /// The fault for the next call of `procedure`: one queued for that
    /// procedure first, else the next one queued for any call.
    pub(crate) fn take_fault(&self, procedure: &str) -> Option<Fault> {
        if self.faults_queued.load(Ordering::SeqCst) == 0 {
            return None;
        }
        let mut f = lock(&self.faults);
        let mut fault = None;
        if let Some(q) = f.by_proc.get_mut(procedure) {
            fault = q.pop_front();
            if q.is_empty() {
                f.by_proc.remove(procedure);
            }
        }
        let fault = fault.or_else(|| f.any.pop_front());
        if fault.is_some() {
            self.faults_queued.fetch_sub(1, Ordering::SeqCst);
        }
        fault
    }

    /// Queues a fault (for `procedure`, or for any call).
    pub(crate) fn queue_fault(&self, procedure: Option<&str>, fault: Fault) {
        let mut f = lock(&self.faults);
        match procedure {
            Some(p) => f.by_proc.entry(p.to_string()).or_default().push_back(fault),
            None => f.any.push_back(fault),
        }
        self.faults_queued.fetch_add(1, Ordering::SeqCst);
    }

    pub(crate) fn clear_faults(&self) {
        let mut f = lock(&self.faults);
        *f = Faults::default();
        self.faults_queued.store(0, Ordering::SeqCst);
    }

    /// A registered procedure by name.
    pub(crate) fn procedure(&self, name: &str) -> Option<Arc<Procedure>> {
        read(&self.procs).get(name).cloned()
    }

    /// The registered procedures that `@SystemCatalog PROCEDURES` lists
    /// (not `@` names), sorted by name.
    pub(crate) fn catalog(&self) -> Vec<Procedure> {
        let mut v: Vec<Procedure> = read(&self.procs)
            .values()
            .filter(|p| !p.name.starts_with('@'))
            .map(|p| Procedure::clone(p))
            .collect();
        v.sort_by(|a, b| a.name.cmp(&b.name));
        v
    }

    pub(crate) fn insert_procedure(&self, mut p: Procedure) {
        if let Some(part) = self.partitioning.get(&p.name) {
            p.partitioning = *part;
        }
        write(&self.procs).insert(p.name.clone(), Arc::new(p));
    }

    /// The running nodes, by host id.
    pub(crate) fn live_nodes(&self) -> Vec<Arc<Node>> {
        let mut nodes: Vec<Arc<Node>> = lock(&self.nodes)
            .iter()
            .filter_map(Weak::upgrade)
            .filter(|n| !n.is_shutdown())
            .collect();
        nodes.sort_by_key(|n| n.host_id);
        nodes
    }

    /// Queues a response on every logged-in connection of every node
    /// (subscribed ones only when `subscribed_only`); returns how many.
    pub(crate) fn push(&self, resp: &VoltResponse, subscribed_only: bool) -> usize {
        let mut frame = Vec::new();
        encode_response(resp, &mut frame);
        self.live_nodes()
            .iter()
            .flat_map(|n| n.live_conns())
            .filter(|c| c.is_logged_in())
            .filter(|c| !subscribed_only || c.subscribed.load(Ordering::SeqCst))
            .filter(|c| c.send(WriteOp::Bytes(frame.clone())))
            .count()
    }

    pub(crate) fn push_topology(&self) -> usize {
        let mut resp = VoltResponse::new(ASYNC_TOPO_HANDLE, Status::Success);
        resp.tables = topology::topo_tables(self, false);
        self.push(&resp, true)
    }

    pub(crate) fn push_procedures(&self) -> usize {
        let mut resp = VoltResponse::new(ASYNC_PROC_HANDLE, Status::Success);
        resp.tables.push(sysprocs::procedures_table(self));
        self.push(&resp, true)
    }
}
