//! [`TestServerBuilder`]: the configuration of a test server or cluster,
//! fixed at start.

use std::collections::HashMap;
use std::io;
use std::sync::Arc;
use std::time::Duration;

use crate::client::routing::HashRing;
use crate::wire::types::VoltType;
use crate::wire::value::Value;

use super::builtins;
use super::cluster::TestCluster;
use super::node::NodeHandle;
use super::proc::{CallContext, Partitioning, ProcResult, Procedure};
use super::server::TestServer;
use super::state::{Cluster, Config};
use super::tables::TableDef;

/// The default build string of the login response and `@SystemInformation`.
pub const DEFAULT_BUILD_STRING: &str = "11.4.0_voltdb-client test server";

/// The most tokens a ring may have (its gzip JSON form must fit a VARBINARY).
const MAX_RING_TOKENS: u32 = 32_768;

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
    tables: Vec<TableDef>,
    partitioning: HashMap<String, Partitioning>,
    partitions: u32,
    ring_tokens: u32,
    login_timeout: Duration,
    hangup_timeout: Duration,
    #[cfg(feature = "tls")]
    tls: Option<super::tls::TlsSetup>,
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
            tables: Vec::new(),
            partitioning: HashMap::new(),
            partitions: 2,
            ring_tokens: 16_384,
            login_timeout: Duration::from_secs(30),
            hangup_timeout: Duration::from_secs(30),
            #[cfg(feature = "tls")]
            tls: None,
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

    /// Registers a multi-partition procedure (see [`TestCluster::register`]).
    pub fn procedure<F>(self, name: &str, f: F) -> TestServerBuilder
    where
        F: Fn(&CallContext, &[Value]) -> ProcResult + Send + Sync + 'static,
    {
        self.add_procedure(Procedure::new(name, f))
    }

    /// Registers a procedure declaration (see [`TestCluster::register_procedure`]).
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

    /// Adds an in-memory table (for `@SystemCatalog COLUMNS` and the
    /// bulk-load system procedures; see [`TableDef`]).
    pub fn table(mut self, def: TableDef) -> TestServerBuilder {
        self.tables.push(def);
        self
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

    /// Speaks TLS (feature `tls`) with this certificate chain and private
    /// key (PEM text; the key PKCS#8, PKCS#1 or SEC1), on every node: the
    /// handshake first, then the login inside it, as a VoltDB server with
    /// `<ssl enabled="true" external="true">`. Bad PEM fails
    /// [`start`](Self::start).
    ///
    /// ```no_run
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use voltdb::testing::TestServer;
    /// let server = TestServer::builder()
    ///     .tls(&std::fs::read("server-chain.pem")?, &std::fs::read("server-key.pem")?)
    ///     .start()?;
    /// # Ok(()) }
    /// ```
    #[cfg(feature = "tls")]
    pub fn tls(mut self, cert_chain_pem: &[u8], key_pem: &[u8]) -> TestServerBuilder {
        let setup = self.tls.get_or_insert_with(Default::default);
        setup.cert_chain_pem = cert_chain_pem.to_vec();
        setup.key_pem = key_pem.to_vec();
        self
    }

    /// With [`tls`](Self::tls): require a client certificate signed by one
    /// of these CA certificates (PEM), i.e. mutual TLS.
    #[cfg(feature = "tls")]
    pub fn tls_client_ca(mut self, ca_pem: &[u8]) -> TestServerBuilder {
        let setup = self.tls.get_or_insert_with(Default::default);
        setup.client_ca_pem = Some(ca_pem.to_vec());
        self
    }

    /// Binds `127.0.0.1:port` and starts serving.
    pub fn start(self) -> io::Result<TestServer> {
        let cluster = self.start_cluster(1)?;
        let addr = cluster
            .addr(0)
            .ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, "no node started"))?;
        let host_id = cluster.host_id(0).unwrap_or_default();
        Ok(TestServer::new(cluster, addr, host_id))
    }

    /// Starts a cluster of `hosts` nodes (at least 1), each on its own port.
    pub fn start_cluster(self, hosts: usize) -> io::Result<TestCluster> {
        let hosts = hosts.max(1);
        let cfg = Config {
            build_string: self.build_string,
            users: self.users.into_iter().collect(),
            max_connections: self.max_connections,
            login_timeout: self.login_timeout,
            hangup_timeout: self.hangup_timeout,
            partitions: self.partitions,
            hosts,
            #[cfg(feature = "tls")]
            tls: self.tls.as_ref().map(|t| t.server_config()).transpose()?,
        };
        let ring = HashRing::uniform(self.partitions, self.ring_tokens);
        // Restarted nodes get the host ids after the first `hosts`.
        let first_restart_id = self.host_id.saturating_add(hosts as i32);
        let cluster = Arc::new(Cluster::new(cfg, ring, self.partitioning, first_restart_id));
        for p in builtins::procedures(self.helloworld, self.kv) {
            cluster.insert_procedure(p);
        }
        for p in self.procedures {
            cluster.insert_procedure(p);
        }
        for t in self.tables {
            cluster
                .tables
                .create(t)
                .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?;
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
        Ok(TestCluster::new(cluster, nodes))
    }
}
