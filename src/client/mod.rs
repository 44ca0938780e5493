//! The thread-safe client: pipelined connections, pools, lazy connections,
//! automatic reconnection, keepalive, backpressure and statistics.
//!
//! [`FastSerializer`](crate::FastSerializer) is one socket used by one caller
//! at a time, like the Python client's. A [`Client`] is shared by any number
//! of threads (it is `Send + Sync`, and clones are cheap handles to the same
//! client). Each call blocks only its own thread: calls from many threads
//! are pipelined over the same connection and matched by client handle, so a
//! slow call never holds up the others.
//!
//! # Building a client
//!
//! [`Client::builder`] names every setting; the short constructors are
//! shorthands for the common shapes. An *eager* client connects before the
//! constructor returns and fails if no connection could be made; a *lazy*
//! one returns at once, even when no server is up, and connects in the
//! background. With *reconnect* on, a lost connection is made again in the
//! background (with backoff); with it off, each connection gets one attempt.
//!
//! | constructor | connections | connects | reconnect | the builder form |
//! |---|---|---|---|---|
//! | [`Client::connection(host, port)`](Client::connection) | 1 | eager | on | `.host(host, port)` |
//! | [`Client::lazy_connection(host, port)`](Client::lazy_connection) | 1 | lazy | on | `.host(host, port).lazy(true)` |
//! | [`Client::connection_pool(hosts, port, pool_size, reconnect)`](Client::connection_pool) | `pool_size` per host | eager | `reconnect` | `.hosts(hosts)?.pool_size(n).reconnect(on)` |
//! | [`Client::lazy_connection_pool(hosts, port, pool_size, reconnect)`](Client::lazy_connection_pool) | `pool_size` per host | lazy | `reconnect` | `… .lazy(true)` |
//! | [`Client::cluster(seeds)`](Client::cluster) | 1 per node of the cluster, discovered from the seeds | eager | on | `.hosts(seeds)?.discover(true)` |
//!
//! (The short names come from the Twisted clients txtarantool and
//! txredisapi; the builder is the clearer spelling.)
//!
//! Single connection:
//!
//! ```no_run
//! use voltdb::client::Client;
//! use voltdb::Value;
//! let client = Client::builder().host("localhost", 21212).build()?;
//! let r = client.call("Get", &[Value::from("key-1")])?;
//! println!("{r:#}");
//! # Ok::<(), voltdb::Error>(())
//! ```
//!
//! A pool over a cluster, shared by threads (calls spread round-robin over
//! the healthy connections):
//!
//! ```no_run
//! use voltdb::client::Client;
//! use voltdb::Value;
//! let client = Client::builder()
//!     .hosts(["volt1", "volt2", "volt3:21212"])?
//!     .pool_size(2)
//!     .build()?;
//! std::thread::scope(|s| {
//!     for t in 0..8 {
//!         let client = &client;
//!         s.spawn(move || {
//!             let key = format!("key-{t}");
//!             client.call("Put", &[Value::from(&key), Value::from(b"value")])
//!         });
//!     }
//! });
//! # Ok::<(), voltdb::Error>(())
//! ```
//!
//! Lazy: the client exists before the server does; calls fail at once with
//! [`Error::ConnectionError`] until a connection is up:
//!
//! ```no_run
//! use std::time::Duration;
//! use voltdb::client::Client;
//! use voltdb::Error;
//! let client = Client::builder()
//!     .host("localhost", 21212)
//!     .pool_size(4)
//!     .lazy(true)
//!     .build()?;
//! match client.ping() {
//!     Ok(_) => println!("already up"),
//!     Err(Error::ConnectionError { message, .. }) => println!("not yet: {message}"),
//!     Err(e) => return Err(e),
//! }
//! client.wait_connected(Duration::from_secs(30))?;
//! client.ping()?;
//! # Ok::<(), voltdb::Error>(())
//! ```
//!
//! Reconnect: when a connection is lost, its pending calls end with
//! [`Error::ConnectionLost`] (outcome unknown: the call is never resent);
//! while no connection is up, calls fail at once with
//! [`Error::ConnectionError`]; a background thread reconnects with capped
//! exponential backoff and jitter, and calls succeed again by themselves:
//!
//! ```no_run
//! use std::time::Duration;
//! use voltdb::client::Client;
//! use voltdb::{Error, Value};
//! let client = Client::builder()
//!     .host("localhost", 21212)
//!     .reconnect(true)
//!     .backoff(Duration::from_millis(500), Duration::from_secs(30), 0.2)
//!     .build()?;
//! loop {
//!     match client.call("Get", &[Value::from("k")]) {
//!         Ok(r) => println!("{r:#}"),
//!         // Not sent: safe to retry after a pause.
//!         Err(Error::ConnectionError { .. }) => std::thread::sleep(Duration::from_millis(100)),
//!         // May or may not have run: the application decides.
//!         Err(Error::ConnectionLost { message, .. }) => eprintln!("outcome unknown: {message}"),
//!         Err(Error::Timeout(t)) => eprintln!("no answer within {t:?}"),
//!         Err(e) => return Err(e),
//!     }
//! #   break;
//! }
//! # Ok::<(), voltdb::Error>(())
//! ```
//!
//! # Clusters: discovery, client affinity, failover
//!
//! [`Client::cluster`] (or [`ClientBuilder::discover`]) makes the client
//! cluster-aware: from one address it learns every node
//! (`@SystemInformation OVERVIEW`), connects to all of them
//! ([`connections_per_node`](ClientBuilder::connections_per_node) each), and
//! refuses a node whose cluster instance id differs from the first
//! connection's. It registers one connection with `@Subscribe TOPOLOGY`,
//! then reads the partition leaders and hash ring (`@Statistics TOPO`) and
//! how each procedure is partitioned (`@SystemCatalog PROCEDURES`); the
//! server's pushes keep that current, and a lost subscription moves to
//! another connection.
//!
//! Each single-partition call is hashed exactly as the server hashes it
//! (MurmurHash3 over the partition value) and sent to a
//! connection of its partition leader's node; multi-partition calls go to
//! the multi-partition initiator's node, anything else round-robin. Routing
//! never fails or delays a call: without a topology, or when the leader's
//! connections are down, the call goes to any healthy connection (the
//! server forwards it). A node that dies fails only its own pending calls
//! ([`Error::ConnectionLost`]); later calls go to the surviving nodes, which
//! the server's topology push makes the new leaders; a node that rejoins
//! (with a new host id) is reconnected and gets its partitions' calls back.
//! [`ClientStats::affinity`] counts where single-partition calls went, and
//! [`ClientStats::nodes`] the calls per node:
//!
//! ```no_run
//! use voltdb::client::Client;
//! use voltdb::Value;
//! let client = Client::cluster(["volt1:21212"])?;
//! for i in 0..1000 {
//!     client.call("Put", &[Value::from(format!("key-{i}")), Value::from("v")])?;
//! }
//! let stats = client.stats();
//! println!("affinity hit rate: {:?}", stats.affinity.hit_rate());
//! for node in &stats.nodes {
//!     println!("{}:{} host {:?}: {} calls", node.host, node.port, node.host_id, node.calls.calls);
//! }
//! // Once per partition, e.g. for a procedure partitioned on parameter 0:
//! for r in client.call_all_partitions("CountRows", &[], &Default::default())? {
//!     println!("partition {}: {:?}", r.partition_id, r.result.map(|r| r.status));
//! }
//! # Ok::<(), voltdb::Error>(())
//! ```
//!
//! # How every call ends
//!
//! Exactly once, with one of:
//!
//! * its response (`Ok`, whatever the status: use
//!   [`VoltResponse::ok`](crate::VoltResponse::ok) to turn a failure status
//!   into an error);
//! * [`Error::Encode`]: a parameter cannot be encoded — nothing was sent;
//! * [`Error::ConnectionError`]: no connection is up — nothing was sent;
//! * [`Error::Backpressure`]: every connection has `max_in_flight` calls
//!   outstanding (at once with [`BackpressurePolicy::Fail`], after waiting up
//!   to the call's timeout with [`BackpressurePolicy::Block`]) — nothing was sent;
//! * [`Error::Timeout`]: no reply within the call's client-side timeout (the
//!   server may still run it; its late reply is dropped, never given to
//!   another call);
//! * [`Error::ConnectionLost`]: the connection ended while the call was in
//!   flight — its outcome is unknown, and it is not resent;
//! * [`Error::Closed`]: the client was closed.
//!
//! # Keepalive
//!
//! A connection that has received nothing for
//! [`keepalive_interval`](ClientConfig::keepalive_interval) (10 s) is sent a
//! `@Ping` with the reserved handle `i64::MAX`; any frame received is proof of
//! life. If nothing arrives within
//! [`response_timeout`](ClientConfig::response_timeout) (30 s) of the ping,
//! the connection is declared dead: its pending calls end with
//! [`Error::ConnectionLost`] and it is reconnected.
//!
//! # Unsolicited messages
//!
//! Replies whose handle is above the client's range (`i64::MAX - 64 ..`),
//! other than keepalive pings, are counted and given to the
//! [`on_unsolicited`](ClientBuilder::on_unsolicited) hook if one is set.
//! Replies to handles with no pending call (late replies after a timeout,
//! duplicates) are counted and dropped.
//!
//! # Threads
//!
//! One maintenance thread per client (reconnects, keepalive), one reader
//! thread per live connection, and one short-lived thread per connect
//! attempt. [`Client::close`] — or dropping the last handle — fails pending
//! calls with [`Error::Closed`] and joins them all.

mod all_partitions;
mod builder;
pub mod bulk;
mod call_options;
mod config;
mod discovery;
mod dispatch;
mod handle;
#[cfg(test)]
mod junk;
mod maintenance;
mod nodes;
mod pending;
mod reader;
pub mod routing;
mod shared;
mod slot;
mod stats;
pub mod topology;

#[cfg(doc)]
use crate::error::Error;
use crate::response::VoltResponse;

pub use all_partitions::PartitionCallResult;
pub use builder::ClientBuilder;
pub use call_options::CallOptions;
pub(crate) use config::parse_host;
pub use config::{BackpressurePolicy, ClientConfig, DEFAULT_CALL_TIMEOUT, DEFAULT_PORT};
pub use handle::Client;
pub use pending::PendingCall;
pub use stats::{
    AffinityStats, CallStats, ClientStats, ConnectionStats, Histogram, NodeStats, TopologyStats,
};
pub use topology::Topology;

/// An unsolicited message from the server, given to the
/// [`on_unsolicited`](ClientBuilder::on_unsolicited) hook.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Unsolicited {
    /// The connection it came on (index into [`ClientStats::connections`]).
    pub connection: usize,
    /// Host id of that connection's server (from its login response).
    pub host_id: i32,
    /// The message; its `client_handle` tells what it is (e.g.
    /// [`ASYNC_TOPO_HANDLE`](crate::wire::response::ASYNC_TOPO_HANDLE)).
    pub response: VoltResponse,
}
