//! [`TestServer`], [`TestCluster`], their builder, and the state their
//! threads share: one [`Cluster`] (catalog, faults, data, hash ring) and one
//! [`Node`] per listening port.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::io;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicI32, AtomicI64, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, RwLock, Weak};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crate::hashinator::HashRing;
use crate::response::VoltResponse;
use crate::wire::response::{encode_response, Status, ASYNC_PROC_HANDLE, ASYNC_TOPO_HANDLE};
use crate::wire::types::VoltType;
use crate::wire::value::Value;

use super::conn::{self, Conn, WriteOp};
use super::fault::Fault;
use super::proc::{CallContext, Partitioning, ProcResult, Procedure};
use super::{builtins, sysprocs};

// A panicking handler must not take the server down with it.
pub(crate) use crate::connection::lock;

/// The default build string of the login response and `@SystemInformation`.
pub const DEFAULT_BUILD_STRING: &str = "11.4.0_voltdb-client test server";

/// The most tokens a ring may have (its gzip JSON form must fit a VARBINARY).
const MAX_RING_TOKENS: u32 = 32_768;

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
}

#[derive(Default)]
struct Faults {
    any: VecDeque<Fault>,
    by_proc: HashMap<String, VecDeque<Fault>>,
}

/// State shared by all nodes of a cluster (a [`TestServer`] is a cluster
/// of one node).
pub(crate) struct Cluster {
    pub(crate) cfg: Config,
    pub(crate) ring: HashRing,
    pub(crate) cluster_start_ms: i64,
    procs: RwLock<HashMap<String, Arc<Procedure>>>,
    /// Bumped after every change of `procs`, for [`ProcCache`].
    procs_epoch: AtomicU64,
    partitioning: HashMap<String, Partitioning>,
    faults: Mutex<Faults>,
    /// The number of faults in `faults` (so that a call needs no lock when
    /// there are none); changed under its lock.
    faults_queued: AtomicUsize,
    calls: AtomicU64,
    nodes: Mutex<Vec<Weak<Node>>>,
    next_host_id: AtomicI32,
    /// Partition (or 16383) → host id set by [`TestCluster::move_leader`];
    /// used while that host runs.
    pub(crate) leader_overrides: Mutex<HashMap<i32, i32>>,
    /// Partitioned calls served by a node that did not lead their partition.
    off_leader: AtomicU64,
    /// Bumped after every change of who leads what (a node starting or
    /// stopping, a moved leader), for caches of [`sysprocs::leader_of`].
    topology_epoch: AtomicU64,
}

impl Cluster {
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
    fn queue_fault(&self, procedure: Option<&str>, fault: Fault) {
        let mut f = lock(&self.faults);
        match procedure {
            Some(p) => f.by_proc.entry(p.to_string()).or_default().push_back(fault),
            None => f.any.push_back(fault),
        }
        self.faults_queued.fetch_add(1, Ordering::SeqCst);
    }

    fn clear_faults(&self) {
        let mut f = lock(&self.faults);
        *f = Faults::default();
        self.faults_queued.store(0, Ordering::SeqCst);
    }

    /// A registered procedure by name.
    pub(crate) fn procedure(&self, name: &str) -> Option<Arc<Procedure>> {
        self.procs
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(name)
            .cloned()
    }

    /// The current topology epoch (see [`LeaderCache`]).
    fn topology_epoch(&self) -> u64 {
        self.topology_epoch.load(Ordering::SeqCst)
    }

    /// Call after a change of who leads what.
    fn topology_changed(&self) {
        self.topology_epoch.fetch_add(1, Ordering::SeqCst);
    }

    /// The registered procedures that `@SystemCatalog PROCEDURES` lists
    /// (not `@` names), sorted by name.
    pub(crate) fn catalog(&self) -> Vec<Procedure> {
        let mut v: Vec<Procedure> = self
            .procs
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .values()
            .filter(|p| !p.name.starts_with('@'))
            .map(|p| Procedure::clone(p))
            .collect();
        v.sort_by(|a, b| a.name.cmp(&b.name));
        v
    }

    fn insert_procedure(&self, mut p: Procedure) {
        if let Some(part) = self.partitioning.get(&p.name) {
            p.partitioning = *part;
        }
        self.procs
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .insert(p.name.clone(), Arc::new(p));
        self.procs_epoch.fetch_add(1, Ordering::SeqCst);
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
    fn push(&self, resp: &VoltResponse, subscribed_only: bool) -> usize {
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

    fn push_topology(&self) -> usize {
        let mut resp = VoltResponse::new(ASYNC_TOPO_HANDLE, Status::Success);
        resp.tables = sysprocs::topo_tables(self, false);
        self.push(&resp, true)
    }

    fn push_procedures(&self) -> usize {
        let mut resp = VoltResponse::new(ASYNC_PROC_HANDLE, Status::Success);
        resp.tables.push(sysprocs::procedures_table(self));
        self.push(&resp, true)
    }
}

/// One listening node: its connections and threads.
pub(crate) struct Node {
    pub(crate) cluster: Arc<Cluster>,
    pub(crate) host_id: i32,
    pub(crate) addr: SocketAddr,
    pub(crate) started: Instant,
    pub(crate) started_ms: i64,
    conns: Mutex<HashMap<i64, Arc<Conn>>>,
    next_conn_id: AtomicI64,
    calls: AtomicU64,
    /// Partitioned calls served, per partition (`0..partitions`).
    partition_calls: Vec<AtomicU64>,
    /// Partitioned calls served while another node led their partition.
    off_leader: AtomicU64,
    shutdown: AtomicBool,
    threads: Mutex<Vec<JoinHandle<()>>>,
}

impl Node {
    pub(crate) fn is_shutdown(&self) -> bool {
        self.shutdown.load(Ordering::SeqCst)
    }

    /// Registers a new connection, or `None` at the connection limit.
    pub(crate) fn admit(&self, stream: &TcpStream) -> Option<Arc<Conn>> {
        let mut conns = lock(&self.conns);
        if conns.len() >= self.cluster.cfg.max_connections {
            return None;
        }
        let ctl = stream.try_clone().ok()?;
        let id = self.next_conn_id.fetch_add(1, Ordering::SeqCst);
        let conn = Arc::new(Conn::new(id, ctl));
        conns.insert(id, Arc::clone(&conn));
        Some(conn)
    }

    pub(crate) fn remove_conn(&self, id: i64) {
        lock(&self.conns).remove(&id);
    }

    fn live_conns(&self) -> Vec<Arc<Conn>> {
        lock(&self.conns).values().cloned().collect()
    }

    fn connection_count(&self) -> usize {
        lock(&self.conns).len()
    }

    /// Starts a tracked thread (joined at shutdown); false if it could not start.
    pub(crate) fn spawn(&self, name: &str, f: impl FnOnce() + Send + 'static) -> bool {
        match thread::Builder::new().name(name.to_string()).spawn(f) {
            Ok(h) => {
                let mut threads = lock(&self.threads);
                threads.retain(|t| !t.is_finished());
                threads.push(h);
                true
            }
            Err(_) => false,
        }
    }

    pub(crate) fn count_call(&self) {
        self.calls.fetch_add(1, Ordering::SeqCst);
        self.cluster.calls.fetch_add(1, Ordering::SeqCst);
    }

    pub(crate) fn take_fault(&self, procedure: &str) -> Option<Fault> {
        self.cluster.take_fault(procedure)
    }

    /// Records that this node runs a call on `partition` (one of
    /// `0..partitions`: a checked destination or a key's partition), and
    /// whether it leads that partition now (a real node forwards other
    /// partitions' calls to their leader; the test node serves them and
    /// counts them). `cache` is the calling connection's.
    pub(crate) fn record_partition(&self, partition: i32, cache: &mut LeaderCache) {
        let Some(count) = usize::try_from(partition)
            .ok()
            .and_then(|p| self.partition_calls.get(p))
        else {
            return;
        };
        count.fetch_add(1, Ordering::SeqCst);
        if !cache.leads(self, partition) {
            self.off_leader.fetch_add(1, Ordering::SeqCst);
            self.cluster.off_leader.fetch_add(1, Ordering::SeqCst);
        }
    }

    /// The calls counted by [`record_partition`](Self::record_partition).
    fn partition_calls(&self) -> BTreeMap<i32, u64> {
        (0..)
            .zip(&self.partition_calls)
            .map(|(p, n)| (p, n.load(Ordering::SeqCst)))
            .filter(|(_, n)| *n > 0)
            .collect()
    }

    /// The registered procedure `name` (held by `cache`, the calling
    /// connection's).
    pub(crate) fn procedure<'c>(
        &self,
        name: &str,
        cache: &'c mut ProcCache,
    ) -> Option<&'c Procedure> {
        // Read the epoch first: a registration made meanwhile bumps it
        // again, so what is found now is not kept past it.
        let epoch = self.cluster.procs_epoch.load(Ordering::SeqCst);
        let hit = matches!(&cache.last, Some((e, p)) if *e == epoch && p.name == name);
        if !hit {
            let p = self.cluster.procedure(name)?;
            cache.last = Some((epoch, p));
        }
        cache.last.as_ref().map(|(_, p)| &**p)
    }

    fn disconnect_all(&self) {
        for c in self.live_conns() {
            c.close(self);
        }
    }
}

/// The procedure a connection called last, remembered until the
/// procedures change (consecutive calls of one procedure are the rule).
#[derive(Debug, Default)]
pub(crate) struct ProcCache {
    last: Option<(u64, Arc<Procedure>)>,
}

/// Whether a node leads each partition, as [`sysprocs::leader_of`] says,
/// remembered (per connection) until the topology changes.
#[derive(Debug, Default)]
pub(crate) struct LeaderCache {
    /// The topology epoch `leads` was computed in.
    epoch: Option<u64>,
    /// By partition: whether the node leads it.
    leads: Vec<bool>,
}

impl LeaderCache {
    /// Whether `node` leads `partition` (of `0..partitions`).
    fn leads(&mut self, node: &Node, partition: i32) -> bool {
        let cluster = &node.cluster;
        // Read the epoch first: a change made while the answers are worked
        // out bumps it again, so they are not kept past it.
        let epoch = cluster.topology_epoch();
        if self.epoch != Some(epoch) {
            self.leads.clear();
            self.leads.extend(
                (0..cluster.cfg.partitions as i32)
                    .map(|p| sysprocs::leader_of(cluster, p) == Some(node.host_id)),
            );
            self.epoch = Some(epoch);
        }
        usize::try_from(partition)
            .ok()
            .and_then(|p| self.leads.get(p).copied())
            .unwrap_or_else(|| sysprocs::leader_of(cluster, partition) == Some(node.host_id))
    }
}

/// A running node and its acceptor thread.
struct NodeHandle {
    node: Arc<Node>,
    acceptor: Mutex<Option<JoinHandle<()>>>,
}

impl NodeHandle {
    fn start(cluster: &Arc<Cluster>, host_id: i32, port: u16) -> io::Result<NodeHandle> {
        let listener = TcpListener::bind(("127.0.0.1", port))?;
        let addr = listener.local_addr()?;
        let node = Arc::new(Node {
            cluster: Arc::clone(cluster),
            host_id,
            addr,
            started: Instant::now(),
            started_ms: now_ms(),
            conns: Mutex::new(HashMap::new()),
            next_conn_id: AtomicI64::new(1),
            calls: AtomicU64::new(0),
            partition_calls: (0..cluster.cfg.partitions)
                .map(|_| AtomicU64::new(0))
                .collect(),
            off_leader: AtomicU64::new(0),
            shutdown: AtomicBool::new(false),
            threads: Mutex::new(Vec::new()),
        });
        let n = Arc::clone(&node);
        let acceptor = thread::Builder::new()
            .name(format!("volt-test-accept-{}", addr.port()))
            .spawn(move || conn::accept_loop(n, listener))?;
        let mut nodes = lock(&cluster.nodes);
        nodes.retain(|w| w.strong_count() > 0);
        nodes.push(Arc::downgrade(&node));
        drop(nodes);
        cluster.topology_changed();
        Ok(NodeHandle {
            node,
            acceptor: Mutex::new(Some(acceptor)),
        })
    }

    /// Stops accepting, closes every connection, joins the threads.
    fn shutdown(&self) {
        let node = &self.node;
        if !node.shutdown.swap(true, Ordering::SeqCst) {
            node.cluster.topology_changed();
        }
        let me = thread::current().id();
        if let Some(h) = lock(&self.acceptor).take() {
            // The acceptor waits in `accept`: a connection wakes it. Should
            // that fail (no file descriptor left, say), it ends at the next
            // connection instead, and is not waited for.
            if h.thread().id() != me && conn::wake_acceptor(node.addr) {
                let _ = h.join();
            }
        }
        node.disconnect_all();
        loop {
            let handles = std::mem::take(&mut *lock(&node.threads));
            if handles.is_empty() {
                break;
            }
            for h in handles {
                if h.thread().id() != me {
                    let _ = h.join();
                }
            }
        }
    }
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// An in-process VoltDB server on `127.0.0.1`, speaking the wire protocol
/// through this crate's codec. Dropping it shuts it down.
///
/// See the [module documentation](super) for what it implements.
pub struct TestServer {
    cluster: TestCluster,
}

impl TestServer {
    /// A builder with the defaults of [`TestServer::start`].
    pub fn builder() -> TestServerBuilder {
        TestServerBuilder::new()
    }

    /// Starts a server on an ephemeral port, security off, with the
    /// HelloWorld and KV procedures (and `Echo` and `Sleep`), 2 partitions.
    pub fn start() -> io::Result<TestServer> {
        TestServer::builder().start()
    }

    fn node(&self) -> &NodeHandle {
        &self.cluster.nodes[0]
    }

    /// The address clients connect to (`127.0.0.1:port`).
    pub fn addr(&self) -> SocketAddr {
        self.node().node.addr
    }

    /// The port.
    pub fn port(&self) -> u16 {
        self.addr().port()
    }

    /// The host id sent in login responses and system tables.
    pub fn host_id(&self) -> i32 {
        self.node().node.host_id
    }

    /// The number of partitions.
    pub fn partitions(&self) -> u32 {
        self.cluster.partitions()
    }

    /// The hash ring the server reports in `@Statistics TOPO` and uses to
    /// place partition keys.
    pub fn hash_ring(&self) -> HashRing {
        self.cluster.hash_ring()
    }

    /// Stops accepting, closes every connection (clients read EOF after the
    /// bytes already written; replies not yet written are dropped), and
    /// joins the server's threads. Returns within a few tens of
    /// milliseconds; calling it again does nothing. The port can be bound
    /// again right after.
    pub fn shutdown(&self) {
        self.cluster.shutdown();
    }

    /// Registers (or replaces) a multi-partition procedure with no declared
    /// parameter count. See [`register_procedure`](Self::register_procedure)
    /// for more control.
    pub fn register<F>(&self, name: &str, f: F)
    where
        F: Fn(&CallContext, &[Value]) -> ProcResult + Send + Sync + 'static,
    {
        self.cluster.register(name, f);
    }

    /// Registers (or replaces) a procedure. A name starting with `@`
    /// overrides the built-in system procedure of that name (e.g. `@AdHoc`
    /// to answer queries). Other names appear in `@SystemCatalog
    /// PROCEDURES`, and connections subscribed with `@Subscribe TOPOLOGY`
    /// get the new catalog pushed (handle `ASYNC_PROC_HANDLE`), as a real
    /// server does after a catalog change.
    pub fn register_procedure(&self, p: Procedure) {
        self.cluster.register_procedure(p);
    }

    /// Queues a fault for the next invocation the server receives, on any
    /// connection (FIFO). A fault queued with [`inject_for`](Self::inject_for)
    /// for the called procedure takes precedence.
    pub fn inject(&self, fault: Fault) {
        self.cluster.inject(fault);
    }

    /// Queues a fault for the next call of `procedure` (FIFO per procedure).
    pub fn inject_for(&self, procedure: &str, fault: Fault) {
        self.cluster.inject_for(procedure, fault);
    }

    /// Drops every queued fault.
    pub fn clear_faults(&self) {
        self.cluster.clear_faults();
    }

    /// Sends `resp` as it is (its handle included) to every logged-in
    /// connection now.
    pub fn push_unsolicited(&self, resp: VoltResponse) {
        self.cluster.push_unsolicited(resp);
    }

    /// Pushes the current `@Statistics TOPO` tables (handle
    /// `ASYNC_TOPO_HANDLE`) to the connections subscribed with `@Subscribe
    /// TOPOLOGY`, as a real server does when the topology changes. Returns
    /// how many connections it was sent to.
    pub fn push_topology(&self) -> usize {
        self.cluster.push_topology()
    }

    /// Closes every connection now (as a network failure would), but keeps
    /// accepting new ones.
    pub fn disconnect_all(&self) {
        self.cluster.disconnect_all();
    }

    /// The number of live connections (accepted and not closed, logged in or not yet).
    pub fn connection_count(&self) -> usize {
        self.cluster.connection_count()
    }

    /// The number of invocation frames received after login, on all
    /// connections (malformed ones included).
    pub fn calls(&self) -> u64 {
        self.cluster.calls()
    }
}

impl std::fmt::Debug for TestServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TestServer")
            .field("addr", &self.addr())
            .field("host_id", &self.host_id())
            .field("partitions", &self.partitions())
            .finish_non_exhaustive()
    }
}

/// Several [`TestServer`] nodes forming one cluster: one catalog, one data
/// set, one fault queue, one hash ring, and a topology whose partition
/// leaders are spread over the nodes — for testing connection pools and
/// client affinity (routing calls to the partition leader's node).
///
/// Node `i` listens on its own port with host id `first + i` (the builder's
/// [`host_id`](TestServerBuilder::host_id), default 0). Partition `p` is led
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

    /// The hash ring.
    pub fn hash_ring(&self) -> HashRing {
        self.cluster.ring.clone()
    }

    /// The host id of the node leading `partition` now (16383 = the
    /// multi-partition initiator), as `@Statistics TOPO` reports it.
    pub fn leader_of(&self, partition: i32) -> Option<i32> {
        sysprocs::leader_of(&self.cluster, partition)
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

    /// Stops every node (see [`TestServer::shutdown`]).
    pub fn shutdown(&self) {
        for h in &self.nodes {
            h.shutdown();
        }
        for h in lock(&self.restarted).values() {
            h.shutdown();
        }
    }

    /// See [`TestServer::register`].
    pub fn register<F>(&self, name: &str, f: F)
    where
        F: Fn(&CallContext, &[Value]) -> ProcResult + Send + Sync + 'static,
    {
        self.register_procedure(Procedure::new(name, f));
    }

    /// See [`TestServer::register_procedure`].
    pub fn register_procedure(&self, p: Procedure) {
        let system = p.name.starts_with('@');
        self.cluster.insert_procedure(p);
        if !system {
            self.cluster.push_procedures();
        }
    }

    /// See [`TestServer::inject`]: the next invocation on any node.
    pub fn inject(&self, fault: Fault) {
        self.cluster.queue_fault(None, fault);
    }

    /// See [`TestServer::inject_for`].
    pub fn inject_for(&self, procedure: &str, fault: Fault) {
        self.cluster.queue_fault(Some(procedure), fault);
    }

    /// Drops every queued fault.
    pub fn clear_faults(&self) {
        self.cluster.clear_faults();
    }

    /// See [`TestServer::push_unsolicited`]: every logged-in connection of every node.
    pub fn push_unsolicited(&self, resp: VoltResponse) {
        self.cluster.push(&resp, false);
    }

    /// See [`TestServer::push_topology`].
    pub fn push_topology(&self) -> usize {
        self.cluster.push_topology()
    }

    /// Closes every connection of every node; the nodes keep accepting.
    pub fn disconnect_all(&self) {
        for n in self.cluster.live_nodes() {
            n.disconnect_all();
        }
    }

    /// Live connections over all nodes.
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

    /// Invocations received by all nodes.
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
        let known = partition == crate::hashinator::MP_INIT_PID
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
        self.cluster.topology_changed();
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

/// Configures and starts a [`TestServer`] (or a [`TestCluster`]).
///
/// ```
/// use voltdb::testing::TestServer;
/// let server = TestServer::builder()
///     .user("admin", "adminpw")
///     .partitions(4)
///     .max_connections(10)
///     .start()
///     .unwrap();
/// assert_eq!(server.partitions(), 4);
/// ```
#[derive(Debug)]
pub struct TestServerBuilder {
    port: u16,
    users: Vec<(String, String)>,
    max_connections: usize,
    host_id: i32,
    build_string: String,
    helloworld: bool,
    kv: bool,
    procedures: Vec<Procedure>,
    partitioning: HashMap<String, Partitioning>,
    partitions: u32,
    ring_tokens: u32,
    login_timeout: Duration,
    hangup_timeout: Duration,
}

impl Default for TestServerBuilder {
    fn default() -> TestServerBuilder {
        TestServerBuilder::new()
    }
}

impl TestServerBuilder {
    /// The defaults: port 0 (ephemeral), security off, no connection limit,
    /// host id 0, HelloWorld and KV procedures, 2 partitions, a ring of
    /// 16,384 tokens, 30 s login timeout.
    pub fn new() -> TestServerBuilder {
        TestServerBuilder {
            port: 0,
            users: Vec::new(),
            max_connections: usize::MAX,
            host_id: 0,
            build_string: DEFAULT_BUILD_STRING.to_string(),
            helloworld: true,
            kv: true,
            procedures: Vec::new(),
            partitioning: HashMap::new(),
            partitions: 2,
            ring_tokens: 16_384,
            login_timeout: Duration::from_secs(30),
            hangup_timeout: Duration::from_secs(30),
        }
    }

    /// The port to listen on (0 = ephemeral). A cluster's node `i` gets
    /// `port + i` (or an ephemeral port each with 0).
    pub fn port(mut self, port: u16) -> TestServerBuilder {
        self.port = port;
        self
    }

    /// Adds a user; with at least one user, security is on and logins must
    /// give a known user name and the SHA-256 or SHA-1 digest of its password.
    pub fn user(mut self, name: &str, password: &str) -> TestServerBuilder {
        self.users.push((name.to_string(), password.to_string()));
        self
    }

    /// The most connections open at once (per node); one more gets the
    /// unframed byte `0x01` and is closed.
    pub fn max_connections(mut self, n: usize) -> TestServerBuilder {
        self.max_connections = n;
        self
    }

    /// The host id of this node (of a cluster's first node; the others
    /// count up from it).
    pub fn host_id(mut self, id: i32) -> TestServerBuilder {
        self.host_id = id;
        self
    }

    /// The build string of the login response (`VERSION` in
    /// `@SystemInformation` is the part before the first `_`).
    pub fn build_string(mut self, s: &str) -> TestServerBuilder {
        self.build_string = s.to_string();
        self
    }

    /// Whether to register the HelloWorld procedures
    /// `Insert(STRING hello, STRING world, STRING dialect)` and
    /// `Select(STRING dialect)` (default on).
    pub fn helloworld(mut self, yes: bool) -> TestServerBuilder {
        self.helloworld = yes;
        self
    }

    /// Whether to register the key-value procedures
    /// `Put(STRING key, VARBINARY or STRING value)`, `Get(STRING key)` and
    /// `Remove(STRING key)` (default on).
    pub fn kv(mut self, yes: bool) -> TestServerBuilder {
        self.kv = yes;
        self
    }

    /// Registers a multi-partition procedure (see [`TestServer::register`]).
    pub fn procedure<F>(self, name: &str, f: F) -> TestServerBuilder
    where
        F: Fn(&CallContext, &[Value]) -> ProcResult + Send + Sync + 'static,
    {
        self.add_procedure(Procedure::new(name, f))
    }

    /// Registers a procedure declaration (see [`TestServer::register_procedure`]).
    pub fn add_procedure(mut self, p: Procedure) -> TestServerBuilder {
        self.procedures.push(p);
        self
    }

    /// Declares procedure `name` single-partitioned on parameter `parameter`
    /// of type `ty`; applies to the procedure of that name whenever it is
    /// registered (built-in ones included).
    pub fn partitioned(self, name: &str, parameter: usize, ty: VoltType) -> TestServerBuilder {
        self.partitioning(name, Partitioning::Single { parameter, ty })
    }

    /// Sets the partitioning of procedure `name` (see [`partitioned`](Self::partitioned)).
    pub fn partitioning(mut self, name: &str, p: Partitioning) -> TestServerBuilder {
        self.partitioning.insert(name.to_string(), p);
        self
    }

    /// The number of partitions (default 2, at least 1).
    pub fn partitions(mut self, n: u32) -> TestServerBuilder {
        self.partitions = n.max(1);
        self
    }

    /// The number of tokens of the hash ring (default 16,384 like a real
    /// server; 1 ..= 32,768). Tokens are evenly spaced and dealt to the
    /// partitions round-robin ([`HashRing::uniform`]).
    pub fn ring_tokens(mut self, n: u32) -> TestServerBuilder {
        self.ring_tokens = n.clamp(1, MAX_RING_TOKENS);
        self
    }

    /// How long a new connection may take to send its login (default 30 s).
    pub fn login_timeout(mut self, d: Duration) -> TestServerBuilder {
        self.login_timeout = d;
        self
    }

    /// How long a reply may wait for a client that does not read before the
    /// connection is closed (default 30 s, as a real server).
    pub fn hangup_timeout(mut self, d: Duration) -> TestServerBuilder {
        self.hangup_timeout = d;
        self
    }

    /// Binds `127.0.0.1:port` and starts serving.
    pub fn start(self) -> io::Result<TestServer> {
        Ok(TestServer {
            cluster: self.start_cluster(1)?,
        })
    }

    /// Starts a cluster of `hosts` nodes (at least 1), each on its own port.
    pub fn start_cluster(self, hosts: usize) -> io::Result<TestCluster> {
        let hosts = hosts.max(1);
        let cluster = Arc::new(Cluster {
            cfg: Config {
                build_string: self.build_string,
                users: self.users.into_iter().collect(),
                max_connections: self.max_connections,
                login_timeout: self.login_timeout,
                hangup_timeout: self.hangup_timeout,
                partitions: self.partitions,
                hosts,
            },
            ring: HashRing::uniform(self.partitions, self.ring_tokens),
            cluster_start_ms: now_ms(),
            procs: RwLock::new(HashMap::new()),
            procs_epoch: AtomicU64::new(0),
            partitioning: self.partitioning,
            faults: Mutex::new(Faults::default()),
            faults_queued: AtomicUsize::new(0),
            calls: AtomicU64::new(0),
            nodes: Mutex::new(Vec::new()),
            next_host_id: AtomicI32::new(self.host_id.saturating_add(hosts as i32)),
            leader_overrides: Mutex::new(HashMap::new()),
            off_leader: AtomicU64::new(0),
            topology_epoch: AtomicU64::new(0),
        });
        for p in builtins::procedures(self.helloworld, self.kv) {
            cluster.insert_procedure(p);
        }
        for p in self.procedures {
            cluster.insert_procedure(p);
        }
        let mut nodes: Vec<NodeHandle> = Vec::with_capacity(hosts);
        for i in 0..hosts {
            let port = match self.port {
                0 => 0,
                p => u16::try_from(usize::from(p) + i).map_err(|_| {
                    io::Error::new(io::ErrorKind::InvalidInput, "port out of range")
                })?,
            };
            let id = self.host_id.saturating_add(i as i32);
            match NodeHandle::start(&cluster, id, port) {
                Ok(h) => nodes.push(h),
                Err(e) => {
                    for h in &nodes {
                        h.shutdown();
                    }
                    return Err(e);
                }
            }
        }
        Ok(TestCluster {
            cluster,
            nodes,
            restarted: Mutex::new(HashMap::new()),
        })
    }
}
