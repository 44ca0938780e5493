//! [`TestServer`], its builder, and the state its threads share.

use std::collections::{HashMap, VecDeque};
use std::io;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, RwLock};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crate::hashinator::HashRing;
use crate::response::VoltResponse;
use crate::wire::response::{encode_response, ASYNC_PROC_HANDLE, ASYNC_TOPO_HANDLE};
use crate::wire::types::VoltType;
use crate::wire::value::Value;

use super::conn::{self, Conn, WriteOp};
use super::fault::Fault;
use super::proc::{CallContext, Partitioning, ProcResult, Procedure};
use super::{builtins, sysprocs};

/// Locks a mutex, ignoring poisoning (a panicking handler must not take the
/// server down with it).
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// The default build string of the login response and `@SystemInformation`.
pub const DEFAULT_BUILD_STRING: &str = "11.4.0_voltdb-client test server";

/// The most tokens a ring may have (its gzip JSON form must fit a VARBINARY).
const MAX_RING_TOKENS: u32 = 32_768;

/// The server configuration, fixed at start.
pub(crate) struct Config {
    pub(crate) host_id: i32,
    pub(crate) build_string: String,
    pub(crate) users: HashMap<String, String>,
    pub(crate) max_connections: usize,
    pub(crate) login_timeout: Duration,
    pub(crate) hangup_timeout: Duration,
    pub(crate) partitions: u32,
}

#[derive(Default)]
struct Faults {
    any: VecDeque<Fault>,
    by_proc: HashMap<String, VecDeque<Fault>>,
}

/// State shared by the server handle and all its threads.
pub(crate) struct Shared {
    pub(crate) cfg: Config,
    pub(crate) addr: SocketAddr,
    pub(crate) ring: HashRing,
    pub(crate) cluster_start_ms: i64,
    pub(crate) started: Instant,
    procs: RwLock<HashMap<String, Procedure>>,
    partitioning: HashMap<String, Partitioning>,
    faults: Mutex<Faults>,
    conns: Mutex<HashMap<i64, Arc<Conn>>>,
    next_conn_id: AtomicI64,
    calls: AtomicU64,
    shutdown: AtomicBool,
    threads: Mutex<Vec<JoinHandle<()>>>,
}

impl Shared {
    pub(crate) fn is_shutdown(&self) -> bool {
        self.shutdown.load(Ordering::SeqCst)
    }

    /// Registers a new connection, or `None` at the connection limit.
    pub(crate) fn admit(&self, stream: &TcpStream) -> Option<Arc<Conn>> {
        let mut conns = lock(&self.conns);
        if conns.len() >= self.cfg.max_connections {
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
    }

    /// The fault for the next call of `procedure`: one queued for that
    /// procedure first, else the next one queued for any call.
    pub(crate) fn take_fault(&self, procedure: &str) -> Option<Fault> {
        let mut f = lock(&self.faults);
        if let Some(q) = f.by_proc.get_mut(procedure) {
            if let Some(fault) = q.pop_front() {
                if q.is_empty() {
                    f.by_proc.remove(procedure);
                }
                return Some(fault);
            }
        }
        f.any.pop_front()
    }

    /// A registered procedure by name.
    pub(crate) fn procedure(&self, name: &str) -> Option<Procedure> {
        self.procs
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(name)
            .cloned()
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
            .cloned()
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
            .insert(p.name.clone(), p);
    }

    /// Queues a response on every logged-in connection (subscribed ones
    /// only when `subscribed_only`); returns how many.
    fn push(&self, resp: &VoltResponse, subscribed_only: bool) -> usize {
        let mut frame = Vec::new();
        encode_response(resp, &mut frame);
        self.live_conns()
            .into_iter()
            .filter(|c| c.is_logged_in())
            .filter(|c| !subscribed_only || c.subscribed.load(Ordering::SeqCst))
            .filter(|c| c.send(WriteOp::Bytes(frame.clone())))
            .count()
    }
}

/// An in-process VoltDB server on `127.0.0.1`, speaking the wire protocol
/// through this crate's codec. Dropping it shuts it down.
///
/// See the [module documentation](super) for what it implements.
pub struct TestServer {
    shared: Arc<Shared>,
    acceptor: Mutex<Option<JoinHandle<()>>>,
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

    /// The address clients connect to (`127.0.0.1:port`).
    pub fn addr(&self) -> SocketAddr {
        self.shared.addr
    }

    /// The port.
    pub fn port(&self) -> u16 {
        self.shared.addr.port()
    }

    /// The host id sent in login responses and system tables.
    pub fn host_id(&self) -> i32 {
        self.shared.cfg.host_id
    }

    /// The number of partitions.
    pub fn partitions(&self) -> u32 {
        self.shared.cfg.partitions
    }

    /// The hash ring the server reports in `@Statistics TOPO` and uses to
    /// place partition keys.
    pub fn hash_ring(&self) -> HashRing {
        self.shared.ring.clone()
    }

    /// Stops accepting, closes every connection (clients read EOF after the
    /// bytes already written; replies not yet written are dropped), and
    /// joins the server's threads. Returns within a few tens of
    /// milliseconds; calling it again does nothing. The port can be bound
    /// again right after.
    pub fn shutdown(&self) {
        self.shared.shutdown.store(true, Ordering::SeqCst);
        let me = thread::current().id();
        if let Some(h) = lock(&self.acceptor).take() {
            if h.thread().id() != me {
                let _ = h.join();
            }
        }
        for c in self.shared.live_conns() {
            c.close(&self.shared);
        }
        loop {
            let handles = std::mem::take(&mut *lock(&self.shared.threads));
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

    /// Registers (or replaces) a multi-partition procedure with no declared
    /// parameter count. See [`register_procedure`](Self::register_procedure)
    /// for more control.
    pub fn register<F>(&self, name: &str, f: F)
    where
        F: Fn(&CallContext, &[Value]) -> ProcResult + Send + Sync + 'static,
    {
        self.register_procedure(Procedure::new(name, f));
    }

    /// Registers (or replaces) a procedure. A name starting with `@`
    /// overrides the built-in system procedure of that name (e.g. `@AdHoc`
    /// to answer queries). Other names appear in `@SystemCatalog
    /// PROCEDURES`, and connections subscribed with `@Subscribe TOPOLOGY`
    /// get the new catalog pushed (handle `ASYNC_PROC_HANDLE`), as a real
    /// server does after a catalog change.
    pub fn register_procedure(&self, p: Procedure) {
        let system = p.name.starts_with('@');
        self.shared.insert_procedure(p);
        if !system {
            let mut resp = VoltResponse::new(ASYNC_PROC_HANDLE, crate::Status::Success);
            resp.tables.push(sysprocs::procedures_table(&self.shared));
            self.shared.push(&resp, true);
        }
    }

    /// Queues a fault for the next invocation the server receives, on any
    /// connection (FIFO). A fault queued with [`inject_for`](Self::inject_for)
    /// for the called procedure takes precedence.
    pub fn inject(&self, fault: Fault) {
        lock(&self.shared.faults).any.push_back(fault);
    }

    /// Queues a fault for the next call of `procedure` (FIFO per procedure).
    pub fn inject_for(&self, procedure: &str, fault: Fault) {
        lock(&self.shared.faults)
            .by_proc
            .entry(procedure.to_string())
            .or_default()
            .push_back(fault);
    }

    /// Drops every queued fault.
    pub fn clear_faults(&self) {
        *lock(&self.shared.faults) = Faults::default();
    }

    /// Sends `resp` as it is (its handle included) to every logged-in
    /// connection now.
    pub fn push_unsolicited(&self, resp: VoltResponse) {
        self.shared.push(&resp, false);
    }

    /// Pushes the current `@Statistics TOPO` tables (handle
    /// `ASYNC_TOPO_HANDLE`) to the connections subscribed with `@Subscribe
    /// TOPOLOGY`, as a real server does when the topology changes. Returns
    /// how many connections it was sent to.
    pub fn push_topology(&self) -> usize {
        let mut resp = VoltResponse::new(ASYNC_TOPO_HANDLE, crate::Status::Success);
        resp.tables = sysprocs::topo_tables(&self.shared, false);
        self.shared.push(&resp, true)
    }

    /// Closes every connection now (as a node failure would), but keeps
    /// accepting new ones.
    pub fn disconnect_all(&self) {
        for c in self.shared.live_conns() {
            c.close(&self.shared);
        }
    }

    /// The number of live connections (accepted and not closed, logged in or not yet).
    pub fn connection_count(&self) -> usize {
        lock(&self.shared.conns).len()
    }

    /// The number of invocation frames received after login, on all
    /// connections (malformed ones included).
    pub fn calls(&self) -> u64 {
        self.shared.calls.load(Ordering::SeqCst)
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.shutdown();
    }
}

impl std::fmt::Debug for TestServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TestServer")
            .field("addr", &self.shared.addr)
            .field("host_id", &self.shared.cfg.host_id)
            .field("partitions", &self.shared.cfg.partitions)
            .finish_non_exhaustive()
    }
}

/// Configures and starts a [`TestServer`].
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

    /// The port to listen on (0 = ephemeral).
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

    /// The most connections open at once; one more gets the unframed byte
    /// `0x01` and is closed.
    pub fn max_connections(mut self, n: usize) -> TestServerBuilder {
        self.max_connections = n;
        self
    }

    /// The host id of this node.
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

    /// Whether to register the HelloWorld procedures `Insert` and `Select`.
    pub fn helloworld(mut self, yes: bool) -> TestServerBuilder {
        self.helloworld = yes;
        self
    }

    /// Whether to register the key-value procedures `Put`, `Get` and `Remove`.
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
        let listener = TcpListener::bind(("127.0.0.1", self.port))?;
        listener.set_nonblocking(true)?;
        let addr = listener.local_addr()?;
        let cluster_start_ms = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX));
        let shared = Arc::new(Shared {
            cfg: Config {
                host_id: self.host_id,
                build_string: self.build_string,
                users: self.users.into_iter().collect(),
                max_connections: self.max_connections,
                login_timeout: self.login_timeout,
                hangup_timeout: self.hangup_timeout,
                partitions: self.partitions,
            },
            addr,
            ring: HashRing::uniform(self.partitions, self.ring_tokens),
            cluster_start_ms,
            started: Instant::now(),
            procs: RwLock::new(HashMap::new()),
            partitioning: self.partitioning,
            faults: Mutex::new(Faults::default()),
            conns: Mutex::new(HashMap::new()),
            next_conn_id: AtomicI64::new(1),
            calls: AtomicU64::new(0),
            shutdown: AtomicBool::new(false),
            threads: Mutex::new(Vec::new()),
        });
        for p in builtins::procedures(self.helloworld, self.kv) {
            shared.insert_procedure(p);
        }
        for p in self.procedures {
            shared.insert_procedure(p);
        }
        let s = Arc::clone(&shared);
        let acceptor = thread::Builder::new()
            .name(format!("volt-test-accept-{}", addr.port()))
            .spawn(move || conn::accept_loop(s, listener))?;
        Ok(TestServer {
            shared,
            acceptor: Mutex::new(Some(acceptor)),
        })
    }
}
