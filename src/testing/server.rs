//! [`TestServer`]: a test cluster of one node, with the node's address and
//! host id at hand.

use std::io;
use std::net::SocketAddr;
use std::ops::Deref;

use super::builder::TestServerBuilder;
use super::cluster::TestCluster;

/// An in-process VoltDB server on `127.0.0.1`, speaking the wire protocol
/// through this crate's codec. Dropping it shuts it down.
///
/// A `TestServer` is a [`TestCluster`] of one node and dereferences to it:
/// registering procedures ([`register`](TestCluster::register)), injecting
/// faults ([`inject`](TestCluster::inject)), pushes, counters and
/// [`shutdown`](TestCluster::shutdown) are the cluster's methods. See the
/// [module documentation](super) for what the server implements.
///
/// ```
/// use voltdb::testing::{ProcReply, TestServer};
/// let server = TestServer::start().unwrap();
/// server.register("Nop", |_ctx, _params| Ok(ProcReply::new()));
/// assert_eq!(server.host_id(), 0);
/// assert_eq!(server.connection_count(), 0);
/// ```
pub struct TestServer {
    cluster: TestCluster,
    addr: SocketAddr,
    first_host_id: i32,
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

    /// The server of the one-node cluster `cluster`, whose node listens on
    /// `addr` with host id `host_id`.
    pub(crate) fn new(cluster: TestCluster, addr: SocketAddr, host_id: i32) -> TestServer {
        TestServer {
            cluster,
            addr,
            first_host_id: host_id,
        }
    }

    /// The address clients connect to (`127.0.0.1:port`).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The port.
    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// The host id sent in login responses and system tables (a new one
    /// after a [`kill`](TestCluster::kill) and
    /// [`restart`](TestCluster::restart), as a real rejoin gives).
    pub fn host_id(&self) -> i32 {
        self.cluster.host_id(0).unwrap_or(self.first_host_id)
    }
}

impl Deref for TestServer {
    type Target = TestCluster;

    fn deref(&self) -> &TestCluster {
        &self.cluster
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
