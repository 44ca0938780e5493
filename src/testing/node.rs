//! One listening node of a test cluster ([`Node`]: its connections,
//! threads and counters) and the handle that starts and stops it.

use std::collections::{BTreeMap, HashMap};
use std::io;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};
use std::time::Instant;

use super::conn::Conn;
use super::fault::Fault;
use super::state::{lock, now_ms, Cluster};
use super::{accept, topology};

/// One listening node: its connections and threads.
pub(crate) struct Node {
    pub(crate) cluster: Arc<Cluster>,
    pub(crate) host_id: i32,
    pub(crate) addr: SocketAddr,
    pub(crate) started: Instant,
    pub(crate) started_ms: i64,
    conns: Mutex<HashMap<i64, Arc<Conn>>>,
    next_conn_id: AtomicI64,
    pub(crate) calls: AtomicU64,
    /// Partitioned calls served, per partition (`0..partitions`).
    partition_calls: Vec<AtomicU64>,
    /// Partitioned calls served while another node led their partition.
    pub(crate) off_leader: AtomicU64,
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

    pub(crate) fn live_conns(&self) -> Vec<Arc<Conn>> {
        lock(&self.conns).values().cloned().collect()
    }

    pub(crate) fn connection_count(&self) -> usize {
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
    /// counts them).
    pub(crate) fn record_partition(&self, partition: i32) {
        let Some(count) = usize::try_from(partition)
            .ok()
            .and_then(|p| self.partition_calls.get(p))
        else {
            return;
        };
        count.fetch_add(1, Ordering::SeqCst);
        if topology::leader_of(&self.cluster, partition) != Some(self.host_id) {
            self.off_leader.fetch_add(1, Ordering::SeqCst);
            self.cluster.off_leader.fetch_add(1, Ordering::SeqCst);
        }
    }

    /// The calls counted by [`record_partition`](Self::record_partition).
    pub(crate) fn partition_calls(&self) -> BTreeMap<i32, u64> {
        (0..)
            .zip(&self.partition_calls)
            .map(|(p, n)| (p, n.load(Ordering::SeqCst)))
            .filter(|(_, n)| *n > 0)
            .collect()
    }

    pub(crate) fn disconnect_all(&self) {
        for c in self.live_conns() {
            c.close(self);
        }
    }
}

/// A running node and its acceptor thread.
pub(crate) struct NodeHandle {
    pub(crate) node: Arc<Node>,
    acceptor: Mutex<Option<JoinHandle<()>>>,
}

impl NodeHandle {
    /// Binds `127.0.0.1:port` and starts the node's acceptor thread.
    pub(crate) fn start(cluster: &Arc<Cluster>, host_id: i32, port: u16) -> io::Result<NodeHandle> {
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
            .spawn(move || accept::accept_loop(n, listener))?;
        cluster.add_node(&node);
        Ok(NodeHandle {
            node,
            acceptor: Mutex::new(Some(acceptor)),
        })
    }

    /// Stops accepting, closes every connection, joins the threads.
    pub(crate) fn shutdown(&self) {
        let node = &self.node;
        node.shutdown.store(true, Ordering::SeqCst);
        let me = thread::current().id();
        if let Some(h) = lock(&self.acceptor).take() {
            // The acceptor waits in `accept`: a connection wakes it. Should
            // that fail (no file descriptor left, say), it ends at the next
            // connection instead, and is not waited for.
            if h.thread().id() != me && accept::wake_acceptor(node.addr) {
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
