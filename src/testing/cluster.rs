//! [`TestCluster`]: the handle on a running test cluster (one node for a
//! [`TestServer`](super::TestServer)): its nodes, procedures, faults and
//! counters.

use std::collections::{BTreeMap, HashMap};
use std::io;
use std::net::SocketAddr;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};

use crate::client::routing::{HashRing, MP_INIT_PID};
use crate::response::VoltResponse;
use crate::wire::value::Value;

use super::fault::Fault;
use super::node::NodeHandle;
use super::proc::{CallContext, ProcResult, Procedure};
use super::state::{lock, Cluster};
use super::tables::TableDef;
use super::topology;

/// Several test server nodes forming one cluster: one catalog, one data
/// set, one fault queue, one hash ring, and a topology whose partition
/// leaders are spread over the nodes — for testing connection pools and
/// client affinity (routing calls to the partition leader's node).
///
/// Node `i` listens on its own port with host id `first + i` (the builder's
/// [`host_id`](super::TestServerBuilder::host_id), default 0). Partition `p` is led
/// by the `p % n`-th running node (by host id); the multi-partition
/// initiator (partition 16383) by the first. `@SystemInformation OVERVIEW`
/// lists every running node with its port. Any node answers any call (as a
/// real cluster forwards it), and [`CallContext::host_id`] tells a handler
/// which node the call arrived on. [`kill`](Self::kill) and
/// [`restart`](Self::restart) simulate a node failure and a rejoin (with a
/// new host id, as a real rejoin gives); both push the new topology to
/// subscribed connections.
///
/// ```
/// use voltdb::testing::TestServer;
/// let cluster = TestServer::builder().partitions(6).start_cluster(3).unwrap();
/// assert_eq!(cluster.addrs().len(), 3);
/// assert_eq!(cluster.host_ids(), vec![0, 1, 2]);
/// cluster.kill(1);
/// assert_eq!(cluster.host_ids(), vec![0, 2]);
/// let new_id = cluster.restart(1).unwrap();
/// assert_eq!(new_id, 3);
/// ```
pub struct TestCluster {
    cluster: Arc<Cluster>,
    /// Node slots, by index; a killed node's slot keeps its port.
    nodes: Vec<NodeHandle>,
    restarted: Mutex<HashMap<usize, NodeHandle>>,
}

impl TestCluster {
    /// The cluster of `nodes`, started on `cluster`.
    pub(crate) fn new(cluster: Arc<Cluster>, nodes: Vec<NodeHandle>) -> TestCluster {
        TestCluster {
            cluster,
            nodes,
            restarted: Mutex::new(HashMap::new()),
        }
    }

    /// The handle of the node currently in slot `i`, if running.
    fn with_node<T>(&self, i: usize, f: impl FnOnce(&NodeHandle) -> T) -> Option<T> {
        if let Some(h) = lock(&self.restarted).get(&i) {
            return Some(f(h));
        }
        self.nodes.get(i).map(f)
    }

    /// The number of node slots (running or killed).
    pub fn size(&self) -> usize {
        self.nodes.len()
    }

    /// The address of node `i` (also while it is killed: a restart reuses it).
    pub fn addr(&self, i: usize) -> Option<SocketAddr> {
        self.nodes.get(i).map(|h| h.node.addr)
    }

    /// The addresses of all node slots, in order.
    pub fn addrs(&self) -> Vec<SocketAddr> {
        self.nodes.iter().map(|h| h.node.addr).collect()
    }

    /// The host id of node `i`, if it is running.
    pub fn host_id(&self, i: usize) -> Option<i32> {
        self.with_node(i, |h| (!h.node.is_shutdown()).then_some(h.node.host_id))
            .flatten()
    }

    /// The host ids of the running nodes, ascending.
    pub fn host_ids(&self) -> Vec<i32> {
        self.cluster
            .live_nodes()
            .iter()
            .map(|n| n.host_id)
            .collect()
    }

    /// The number of partitions.
    pub fn partitions(&self) -> u32 {
        self.cluster.cfg.partitions
    }

    /// The hash ring the nodes report in `@Statistics TOPO` and use to
    /// place partition keys.
    pub fn hash_ring(&self) -> HashRing {
        self.cluster.ring.clone()
    }

    /// The host id of the node leading `partition` now (16383 = the
    /// multi-partition initiator), as `@Statistics TOPO` reports it.
    pub fn leader_of(&self, partition: i32) -> Option<i32> {
        topology::leader_of(&self.cluster, partition)
    }

    /// Stops node `i` as a crash would: its connections are closed and its
    /// partitions move to the other nodes. Subscribed connections on the
    /// other nodes get the new topology. Does nothing if it is not running.
    pub fn kill(&self, i: usize) {
        let was_running = self
            .with_node(i, |h| {
                let running = !h.node.is_shutdown();
                h.shutdown();
                running
            })
            .unwrap_or(false);
        if was_running {
            self.cluster.push_topology();
        }
    }

    /// Restarts killed node `i` on its old port with a new host id (as a
    /// real rejoin does) and returns that id; subscribed connections get the
    /// new topology. If the node is running, returns its host id.
    pub fn restart(&self, i: usize) -> io::Result<i32> {
        if let Some(id) = self.host_id(i) {
            return Ok(id);
        }
        let port = self
            .addr(i)
            .ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, "no such node"))?
            .port();
        let id = self.cluster.next_host_id.fetch_add(1, Ordering::SeqCst);
        let handle = NodeHandle::start(&self.cluster, id, port)?;
        if let Some(old) = lock(&self.restarted).insert(i, handle) {
            old.shutdown();
        }
        self.cluster.push_topology();
        Ok(id)
    }

    /// Stops every node: stops accepting, closes every connection (clients
    /// read EOF after the bytes already written; replies not yet written
    /// are dropped), and joins the threads. Returns within a few tens of
    /// milliseconds; calling it again does nothing. The ports can be bound
    /// again right after. Also run on drop.
    pub fn shutdown(&self) {
        for h in &self.nodes {
            h.shutdown();
        }
        for h in lock(&self.restarted).values() {
            h.shutdown();
        }
    }

    /// Registers (or replaces) a multi-partition procedure with no declared
    /// parameter count. See [`register_procedure`](Self::register_procedure)
    /// for more control.
    pub fn register<F>(&self, name: &str, f: F)
    where
        F: Fn(&CallContext, &[Value]) -> ProcResult + Send + Sync + 'static,
    {
        self.register_procedure(Procedure::new(name, f));
    }

    /// Registers (or replaces) a procedure on every node. A name starting
    /// with `@` overrides the built-in system procedure of that name (e.g.
    /// `@AdHoc` to answer queries). Other names appear in `@SystemCatalog
    /// PROCEDURES`, and connections subscribed with `@Subscribe TOPOLOGY`
    /// get the new catalog pushed (handle `ASYNC_PROC_HANDLE`), as a real
    /// server does after a catalog change.
    pub fn register_procedure(&self, p: Procedure) {
        let system = p.name.starts_with('@');
        self.cluster.insert_procedure(p);
        if !system {
            self.cluster.push_procedures();
        }
    }

    /// Adds (or replaces) an in-memory table (see [`TableDef`]); refuses a
    /// definition without a primary key or naming an unknown column.
    pub fn create_table(&self, def: TableDef) -> io::Result<()> {
        self.cluster
            .tables
            .create(def)
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))
    }

    /// The rows of table `name` (any case) in insertion order (an upsert
    /// replaces a row in place); `None` if there is no such table.
    pub fn table_rows(&self, name: &str) -> Option<Vec<Vec<Value>>> {
        self.cluster.tables.rows(name)
    }

    /// Queues a fault for the next invocation received, on any node and
    /// connection (FIFO). A fault queued with [`inject_for`](Self::inject_for)
    /// for the called procedure takes precedence.
    pub fn inject(&self, fault: Fault) {
        self.cluster.queue_fault(None, fault);
    }

    /// Queues a fault for the next call of `procedure` (FIFO per procedure).
    pub fn inject_for(&self, procedure: &str, fault: Fault) {
        self.cluster.queue_fault(Some(procedure), fault);
    }

    /// Drops every queued fault.
    pub fn clear_faults(&self) {
        self.cluster.clear_faults();
    }

    /// Sends `resp` as it is (its handle included) now to every logged-in
    /// connection of every node.
    pub fn push_unsolicited(&self, resp: VoltResponse) {
        self.cluster.push(&resp, false);
    }

    /// Pushes the current `@Statistics TOPO` tables (handle
    /// `ASYNC_TOPO_HANDLE`) to the connections subscribed with `@Subscribe
    /// TOPOLOGY`, as a real server does when the topology changes. Returns
    /// how many connections it was sent to.
    pub fn push_topology(&self) -> usize {
        self.cluster.push_topology()
    }

    /// Closes every connection of every node now (as a network failure
    /// would); the nodes keep accepting new ones.
    pub fn disconnect_all(&self) {
        for n in self.cluster.live_nodes() {
            n.disconnect_all();
        }
    }

    /// Live connections over all nodes (accepted and not closed, logged in
    /// or not yet).
    pub fn connection_count(&self) -> usize {
        self.cluster
            .live_nodes()
            .iter()
            .map(|n| n.connection_count())
            .sum()
    }

    /// Live connections of node `i` (0 if it is not running).
    pub fn connection_count_on(&self, i: usize) -> usize {
        self.with_node(i, |h| h.node.connection_count())
            .unwrap_or(0)
    }

    /// The invocation frames received after login by all nodes, on all
    /// connections (malformed ones included).
    pub fn calls(&self) -> u64 {
        self.cluster.calls.load(Ordering::SeqCst)
    }

    /// Invocations received by node `i` since it (re)started.
    pub fn calls_on(&self, i: usize) -> u64 {
        self.with_node(i, |h| h.node.calls.load(Ordering::SeqCst))
            .unwrap_or(0)
    }

    /// The partitioned calls node `i` served since it (re)started, per
    /// partition: calls of single-partition procedures (by the partition
    /// their partition parameter hashes to) and calls with a partition
    /// destination. Multi-partition and system procedures are not counted.
    pub fn partition_calls_on(&self, i: usize) -> BTreeMap<i32, u64> {
        self.with_node(i, |h| h.node.partition_calls())
            .unwrap_or_default()
    }

    /// The partitioned calls node `i` served (since it (re)started) while
    /// another node led their partition. A real node forwards such a call to
    /// the leader, at the cost of a hop; a client with working affinity
    /// sends none.
    pub fn off_leader_calls_on(&self, i: usize) -> u64 {
        self.with_node(i, |h| h.node.off_leader.load(Ordering::SeqCst))
            .unwrap_or(0)
    }

    /// The partitioned calls served by a node that did not lead their
    /// partition, over all nodes and restarts (see
    /// [`off_leader_calls_on`](Self::off_leader_calls_on)).
    pub fn off_leader_calls(&self) -> u64 {
        self.cluster.off_leader.load(Ordering::SeqCst)
    }

    /// Makes running node `i` the leader of `partition` (or of the
    /// multi-partition initiator, 16383), as a leader migration on a real
    /// cluster does, and pushes the new topology to subscribed connections
    /// (handle `ASYNC_TOPO_HANDLE`). The move lasts while node `i` runs;
    /// when it is killed, the partition goes back to the default placement.
    /// Returns how many connections the push went to.
    ///
    /// ```
    /// use voltdb::testing::TestServer;
    /// let cluster = TestServer::builder().partitions(4).start_cluster(2).unwrap();
    /// assert_eq!(cluster.leader_of(0), Some(0));
    /// cluster.move_leader(0, 1).unwrap();
    /// assert_eq!(cluster.leader_of(0), Some(1));
    /// assert!(cluster.move_leader(9, 1).is_err(), "no such partition");
    /// ```
    pub fn move_leader(&self, partition: i32, i: usize) -> io::Result<usize> {
        let known = partition == MP_INIT_PID
            || (0..i64::from(self.cluster.cfg.partitions)).contains(&i64::from(partition));
        if !known {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("no partition {partition}"),
            ));
        }
        let host = self
            .host_id(i)
            .ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, "node is not running"))?;
        lock(&self.cluster.leader_overrides).insert(partition, host);
        Ok(self.cluster.push_topology())
    }
}

impl Drop for TestCluster {
    fn drop(&mut self) {
        self.shutdown();
    }
}

impl std::fmt::Debug for TestCluster {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TestCluster")
            .field("addrs", &self.addrs())
            .field("host_ids", &self.host_ids())
            .field("partitions", &self.partitions())
            .finish_non_exhaustive()
    }
}
