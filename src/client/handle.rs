//! The [`Client`] handle: constructors and calls, delegating to the
//! shared state and its modules.

use std::sync::Arc;
use std::time::Duration;

#[cfg(doc)]
use crate::error::Error;
use crate::error::Result;
use crate::response::VoltResponse;
use crate::wire::value::Value;

use super::config::{parse_host, ClientConfig, UnsolicitedHook, DEFAULT_PORT};
use super::shared::Shared;
use super::{all_partitions, bulk, discovery, dispatch, maintenance, stats};
use super::{CallOptions, ClientBuilder};
use super::{ClientStats, PartitionCallResult, PendingCall, Topology};

/// Closes the client when the last [`Client`] handle is dropped.
struct Owner {
    shared: Arc<Shared>,
}

impl Drop for Owner {
    fn drop(&mut self) {
        self.shared.close();
    }
}

/// A thread-safe VoltDB client over one or more pipelined connections.
///
/// `Clone` gives another handle to the same client; the client closes when
/// [`close`](Client::close) is called or the last handle is dropped. See the
/// [module documentation](super) for the modes and how calls end.
///
/// ```no_run
/// use voltdb::client::{CallOptions, Client};
/// use voltdb::{Value, VoltType};
/// use std::time::Duration;
/// let client = Client::connection("localhost", 21212)?;
/// let opts = CallOptions::new()
///     .timeout(Duration::from_secs(1))
///     .types(vec![VoltType::String, VoltType::Varbinary])
///     .priority(1);
/// let r = client.call_with("Put", &[Value::from("k"), Value::from(&b"v"[..])], &opts)?;
/// println!("{}", client.stats());
/// # Ok::<(), voltdb::Error>(())
/// ```
#[derive(Clone)]
pub struct Client {
    owner: Arc<Owner>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let s = &self.owner.shared;
        f.debug_struct("Client")
            .field("hosts", &s.config.hosts)
            .field("pool_size", &s.config.pool_size)
            .field("connected", &s.nodes.connected_count())
            .field("closed", &s.is_closed())
            .finish()
    }
}

impl Client {
    /// A builder with every option (default: `localhost:21212`, eager).
    pub fn builder() -> ClientBuilder {
        ClientBuilder::new()
    }

    /// Builds a client from a configuration (eager or lazy per `config.lazy`).
    ///
    /// ```no_run
    /// use voltdb::client::{Client, ClientConfig};
    /// let mut config = ClientConfig::default();
    /// config.lazy = true;
    /// let client = Client::with_config(config)?;
    /// # Ok::<(), voltdb::Error>(())
    /// ```
    pub fn with_config(config: ClientConfig) -> Result<Client> {
        Client::from_parts(config, None)
    }

    pub(crate) fn from_parts(
        config: ClientConfig,
        on_unsolicited: Option<UnsolicitedHook>,
    ) -> Result<Client> {
        config.validate()?;
        let shared = Arc::new(Shared::new(config, on_unsolicited));
        let client = Client {
            owner: Arc::new(Owner {
                shared: shared.clone(),
            }),
        };
        maintenance::start(&shared)?;
        Ok(client)
    }

    fn simple(
        hosts: Vec<(String, u16)>,
        pool_size: usize,
        reconnect: bool,
        lazy: bool,
    ) -> Result<Client> {
        Client::with_config(ClientConfig {
            hosts,
            pool_size,
            reconnect,
            lazy,
            ..ClientConfig::default()
        })
    }

    fn parse_hosts<I, S>(hosts: I, port: u16) -> Result<Vec<(String, u16)>>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        hosts
            .into_iter()
            .map(|h| parse_host(h.as_ref(), port))
            .collect()
    }

    /// One connection to `host:port`, connected before returning, with
    /// reconnect on: the same as
    /// `Client::builder().host(host, port).build()`.
    ///
    /// ```no_run
    /// let client = voltdb::client::Client::connection("localhost", 21212)?;
    /// # Ok::<(), voltdb::Error>(())
    /// ```
    pub fn connection(host: &str, port: u16) -> Result<Client> {
        Client::simple(vec![(host.to_string(), port)], 1, true, false)
    }

    /// One connection to `host:port`, made in the background, with reconnect
    /// on: the same as `Client::builder().host(host, port).lazy(true).build()`.
    /// Returns at once, even when no server is up; only a failure to start
    /// the client's thread is an error.
    ///
    /// ```no_run
    /// let client = voltdb::client::Client::lazy_connection("localhost", 21212)?;
    /// # Ok::<(), voltdb::Error>(())
    /// ```
    pub fn lazy_connection(host: &str, port: u16) -> Result<Client> {
        Client::simple(vec![(host.to_string(), port)], 1, true, true)
    }

    /// `pool_size` connections to each host, connected before returning.
    /// Hosts are `"host"` (using `port`) or `"host:port"`. `reconnect`:
    /// whether lost connections (and those that could not be made at first)
    /// are made again in the background. Fails only if no connection at all
    /// could be made.
    ///
    /// The same as the builder below, which names each argument (prefer it
    /// in code others read):
    ///
    /// ```no_run
    /// use voltdb::client::Client;
    /// let client = Client::connection_pool(["volt1", "volt2"], 21212, 4, true)?;
    /// let client = Client::builder()
    ///     .hosts(["volt1", "volt2"])?
    ///     .pool_size(4)
    ///     .reconnect(true)
    ///     .build()?;
    /// # Ok::<(), voltdb::Error>(())
    /// ```
    pub fn connection_pool<I, S>(
        hosts: I,
        port: u16,
        pool_size: usize,
        reconnect: bool,
    ) -> Result<Client>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        Client::simple(
            Client::parse_hosts(hosts, port)?,
            pool_size,
            reconnect,
            false,
        )
    }

    /// `pool_size` connections to each host, made in the background.
    /// Returns at once; errors only for an invalid host string or pool size.
    /// `reconnect`: whether failed and lost connections are tried again in
    /// the background (off: each connection gets one attempt).
    ///
    /// The same as the builder below, which names each argument:
    ///
    /// ```no_run
    /// use voltdb::client::Client;
    /// let client = Client::lazy_connection_pool(["localhost"], 21212, 4, true)?;
    /// let client = Client::builder()
    ///     .hosts(["localhost"])?
    ///     .pool_size(4)
    ///     .reconnect(true)
    ///     .lazy(true)
    ///     .build()?;
    /// # Ok::<(), voltdb::Error>(())
    /// ```
    pub fn lazy_connection_pool<I, S>(
        hosts: I,
        port: u16,
        pool_size: usize,
        reconnect: bool,
    ) -> Result<Client>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        Client::simple(
            Client::parse_hosts(hosts, port)?,
            pool_size,
            reconnect,
            true,
        )
    }

    /// A cluster-aware client (eager, reconnect on, one connection per
    /// node): connects to the given seed addresses (`"host"` with port
    /// 21212, or `"host:port"`; one is enough), discovers every node of the
    /// cluster and connects to it, and routes each single-partition call to
    /// its partition leader. See the [module documentation](super) and
    /// [`ClientConfig::discover`]; use [`Client::builder`] with
    /// [`discover(true)`](ClientBuilder::discover) for the other options.
    /// Fails only if no seed could be connected; discovery problems are
    /// reported in [`ClientStats::topology`] and retried in the background.
    ///
    /// ```no_run
    /// let client = voltdb::client::Client::cluster(["volt1:21212"])?;
    /// println!("{:?}", client.topology().map(|t| t.leaders().clone()));
    /// # Ok::<(), voltdb::Error>(())
    /// ```
    pub fn cluster<I, S>(seeds: I) -> Result<Client>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        Client::with_config(ClientConfig {
            hosts: Client::parse_hosts(seeds, DEFAULT_PORT)?,
            discover: true,
            ..ClientConfig::default()
        })
    }

    /// Calls a procedure with the default options: values carry their own
    /// types, the client's default timeout. Blocks this thread only.
    ///
    /// # Errors
    ///
    /// [`Error::Server`] when the server answers with a status other than
    /// `SUCCESS` (the response is inside; see
    /// [which calls do this](crate::error#which-calls-return-a-failure-status-as-an-error));
    /// [`Error::Encode`] for parameters that cannot be sent (nothing is
    /// sent); [`Error::Timeout`]; [`Error::ConnectionLost`] when the
    /// connection died with the call in flight; [`Error::ConnectionError`]
    /// or [`Error::Backpressure`] when it could not be sent;
    /// [`Error::Closed`].
    ///
    /// ```no_run
    /// # let client = voltdb::client::Client::connection("localhost", 21212)?;
    /// use voltdb::Value;
    /// let r = client.call("Get", &[Value::from("key-1")])?;
    /// # Ok::<(), voltdb::Error>(())
    /// ```
    pub fn call(&self, procedure: &str, params: &[Value]) -> Result<VoltResponse> {
        dispatch::call(
            &self.owner.shared,
            procedure,
            params,
            &CallOptions::default(),
        )
    }

    /// Calls a procedure with per-call options: timeout, declared parameter
    /// types, server-side query timeout, priority.
    ///
    /// # Errors
    ///
    /// As [`call`](Self::call).
    ///
    /// ```no_run
    /// # let client = voltdb::client::Client::connection("localhost", 21212)?;
    /// use std::time::Duration;
    /// use voltdb::client::CallOptions;
    /// use voltdb::Value;
    /// let opts = CallOptions::new().timeout(Duration::from_millis(250)).query_timeout(Duration::from_millis(100));
    /// let r = client.call_with("Get", &[Value::from("key-1")], &opts)?;
    /// # Ok::<(), voltdb::Error>(())
    /// ```
    pub fn call_with(
        &self,
        procedure: &str,
        params: &[Value],
        options: &CallOptions,
    ) -> Result<VoltResponse> {
        dispatch::call(&self.owner.shared, procedure, params, options)
    }

    /// Sends a call and returns at once with a [`PendingCall`] that
    /// collects its reply: many calls can be in flight from one thread,
    /// pipelined, with no thread waiting per call (the Python
    /// `VoltClient.call_async`). Values carry their own types; the client's
    /// default timeout applies, counted from now.
    ///
    /// It fails at once, with nothing sent, on bad parameters, when no
    /// connection is up ([`Error::ConnectionError`]), or with
    /// [`Error::Backpressure`] when every connection has `max_in_flight`
    /// calls outstanding and the policy is to fail (with the default policy
    /// it waits for a place, at most until the timeout).
    ///
    /// ```
    /// # let server = voltdb::testing::TestServer::start()?;
    /// # let client = voltdb::client::Client::connection("127.0.0.1", server.port())?;
    /// use voltdb::Value;
    /// let a = client.call_async("Put", &[Value::from("a"), Value::from(&b"1"[..])])?;
    /// let b = client.call_async("Put", &[Value::from("b"), Value::from(&b"2"[..])])?;
    /// assert!(a.wait()?.is_success() && b.wait()?.is_success());
    /// # Ok::<(), voltdb::Error>(())
    /// ```
    pub fn call_async(&self, procedure: &str, params: &[Value]) -> Result<PendingCall> {
        self.call_async_with(procedure, params, &CallOptions::default())
    }

    /// [`call_async`](Self::call_async) with per-call options (see
    /// [`call_with`](Self::call_with)); the timeout counts from now.
    ///
    /// ```
    /// # let server = voltdb::testing::TestServer::start()?;
    /// # let client = voltdb::client::Client::connection("127.0.0.1", server.port())?;
    /// use std::time::Duration;
    /// use voltdb::client::CallOptions;
    /// use voltdb::{Error, Value};
    /// let opts = CallOptions::new().timeout(Duration::from_millis(50));
    /// let slow = client.call_async_with("Sleep", &[Value::from(2_000)], &opts)?;
    /// assert!(matches!(slow.wait(), Err(Error::Timeout(_))));
    /// # Ok::<(), voltdb::Error>(())
    /// ```
    pub fn call_async_with(
        &self,
        procedure: &str,
        params: &[Value],
        options: &CallOptions,
    ) -> Result<PendingCall> {
        let shared = &self.owner.shared;
        let timeout = options.timeout.unwrap_or(shared.config.call_timeout);
        let deadline = dispatch::deadline_after(timeout);
        let f = dispatch::start_call(shared, procedure, params, options, timeout, deadline, true)?;
        Ok(PendingCall::new(Arc::clone(shared), procedure, f))
    }

    /// Calls `procedure` once on every partition and returns one result per
    /// partition, ordered by partition id (the Python `VoltClient`'s
    /// `call_all_partitions`).
    ///
    /// The procedure must be partitioned on its first parameter, or
    /// directed; `params` are the parameters *after* that one. The client
    /// gets one key per partition from `@GetPartitionKeys` (STRING or
    /// VARBINARY keys when the catalog says the partition parameter has that
    /// type, INTEGER keys otherwise, as the Python client always uses), then
    /// sends one version-2 invocation per partition with the key prepended
    /// and `ALL_PARTITION` + `PARTITION_DESTINATION` set, so the server runs
    /// it on exactly that partition (for a directed procedure it strips the
    /// key); each goes to its partition's leader when the topology is known,
    /// all pipelined. `options.types`, if given, declares the types of
    /// `params` (the key keeps its own type). The timeout is one budget for
    /// the whole operation.
    ///
    /// The whole call fails for a system procedure, a procedure the catalog
    /// says is unsuited, parameters that cannot be encoded, or a failed
    /// `@GetPartitionKeys`; otherwise each partition's outcome (response or
    /// error) is in its [`PartitionCallResult::result`].
    ///
    /// ```no_run
    /// # let client = voltdb::client::Client::cluster(["localhost"])?;
    /// use voltdb::client::CallOptions;
    /// let results = client.call_all_partitions("CountRows", &[], &CallOptions::new())?;
    /// let total: i64 = results
    ///     .iter()
    ///     .filter_map(|r| r.result.as_ref().ok())
    ///     .filter_map(|r| r.tables.first()?.scalar::<i64>().ok())
    ///     .sum();
    /// # Ok::<(), voltdb::Error>(())
    /// ```
    pub fn call_all_partitions(
        &self,
        procedure: &str,
        params: &[Value],
        options: &CallOptions,
    ) -> Result<Vec<PartitionCallResult>> {
        all_partitions::call_all_partitions(&self.owner.shared, procedure, params, options)
    }

    /// A [`BulkLoader`](bulk::BulkLoader) for `table`, to configure and
    /// [`build`](bulk::BulkLoaderBuilder::build) (see [`bulk`]).
    ///
    /// ```no_run
    /// # let client = voltdb::client::Client::connection("localhost", 21212)?;
    /// let loader = client.bulk_loader("CUSTOMER").batch_size(500).upsert(true).build()?;
    /// loader.insert((1i64, "Ada"))?;
    /// let done = loader.close();
    /// # Ok::<(), voltdb::Error>(())
    /// ```
    pub fn bulk_loader(&self, table: &str) -> bulk::BulkLoaderBuilder {
        bulk::BulkLoaderBuilder::new(self.clone(), table)
    }

    /// The cluster topology the client routes by (partition leaders, hash
    /// ring, procedure partitioning, node addresses); `None` when discovery
    /// is off. A snapshot: cheap, and not updated afterwards.
    pub fn topology(&self) -> Option<Topology> {
        discovery::topology(&self.owner.shared)
    }

    /// Runs a discovery round now, in this thread (the client also does it
    /// by itself whenever the cluster changes): `@Subscribe TOPOLOGY` if no
    /// connection is subscribed, `@Statistics TOPO`, `@SystemCatalog
    /// PROCEDURES`, `@SystemInformation OVERVIEW`, and connections to new
    /// nodes. Returns the new topology. Fails when discovery is off or a
    /// discovery call fails (the previous topology is kept).
    pub fn refresh_topology(&self) -> Result<Topology> {
        discovery::refresh_topology(&self.owner.shared)
    }

    /// Waits until the topology is known (hash ring and catalog), e.g. for a
    /// lazy client. Fails with [`Error::ConnectionError`] after `timeout`.
    pub fn wait_for_topology(&self, timeout: Duration) -> Result<Topology> {
        discovery::wait_for_topology(&self.owner.shared, timeout)
    }

    /// Runs SQL through `@AdHoc`, with optional `?` parameters.
    ///
    /// # Errors
    ///
    /// As [`call`](Self::call): SQL the server rejects is [`Error::Server`].
    ///
    /// ```no_run
    /// # let client = voltdb::client::Client::connection("localhost", 21212)?;
    /// let r = client.adhoc("SELECT COUNT(*) FROM KV", &[])?;
    /// # Ok::<(), voltdb::Error>(())
    /// ```
    pub fn adhoc(&self, sql: &str, params: &[Value]) -> Result<VoltResponse> {
        let mut all = Vec::with_capacity(params.len() + 1);
        all.push(Value::from(sql));
        all.extend_from_slice(params);
        self.call("@AdHoc", &all)
    }

    /// Calls `@Ping` (an ordinary call, with an ordinary handle).
    ///
    /// # Errors
    ///
    /// As [`call`](Self::call).
    ///
    /// ```no_run
    /// # let client = voltdb::client::Client::connection("localhost", 21212)?;
    /// client.ping()?;
    /// # Ok::<(), voltdb::Error>(())
    /// ```
    pub fn ping(&self) -> Result<VoltResponse> {
        self.call("@Ping", &[])
    }

    /// A snapshot of the statistics: per procedure and per connection.
    ///
    /// ```no_run
    /// # let client = voltdb::client::Client::connection("localhost", 21212)?;
    /// let stats = client.stats();
    /// let total = stats.total();
    /// println!("{} calls, p99 {:?}", total.calls, total.latency.percentile(99.0));
    /// println!("{stats}");
    /// # Ok::<(), voltdb::Error>(())
    /// ```
    pub fn stats(&self) -> ClientStats {
        stats::snapshot(&self.owner.shared)
    }

    /// Number of connections up right now.
    pub fn connected_count(&self) -> usize {
        self.owner.shared.nodes.connected_count()
    }

    /// True while at least one connection is up.
    pub fn is_connected(&self) -> bool {
        self.connected_count() > 0
    }

    /// Waits until at least one connection is up (for lazy clients, or after
    /// an outage). Fails with [`Error::ConnectionError`] after `timeout`, or
    /// [`Error::Closed`].
    ///
    /// ```no_run
    /// # use std::time::Duration;
    /// let client = voltdb::client::Client::lazy_connection("localhost", 21212)?;
    /// client.wait_connected(Duration::from_secs(10))?;
    /// # Ok::<(), voltdb::Error>(())
    /// ```
    pub fn wait_connected(&self, timeout: Duration) -> Result<()> {
        self.owner.shared.wait_connected(timeout)
    }

    /// The configuration the client was built with.
    pub fn config(&self) -> &ClientConfig {
        &self.owner.shared.config
    }

    /// Closes the client (every handle): pending calls end with
    /// [`Error::Closed`], background threads are stopped and joined, later
    /// calls fail with [`Error::Closed`]. Dropping the last handle does the same.
    pub fn close(&self) {
        self.owner.shared.close();
    }

    /// True once [`close`](Self::close) was called.
    pub fn is_closed(&self) -> bool {
        self.owner.shared.is_closed()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Error;
    use std::net::TcpListener;
    use std::time::Instant;

    fn assert_send_sync<T: Send + Sync + Clone>() {}

    #[test]
    fn client_is_send_sync_clone() {
        assert_send_sync::<Client>();
    }

    fn free_port() -> u16 {
        TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port()
    }

    #[test]
    fn eager_without_server_fails() {
        let port = free_port();
        let err = Client::connection("127.0.0.1", port).unwrap_err();
        assert!(matches!(err, Error::Io(_)), "{err:?}");
    }

    #[test]
    fn lazy_without_server_fails_fast_and_closes() {
        let port = free_port();
        let client = Client::builder()
            .host("127.0.0.1", port)
            .lazy(true)
            .backoff(Duration::from_millis(20), Duration::from_millis(50), 0.2)
            // Should another test's server take the freed port meanwhile
            // and not answer the login, the attempt still ends soon.
            .connect_timeout(Duration::from_millis(200))
            .build()
            .unwrap();
        for _ in 0..20 {
            let t = Instant::now();
            let err = client.ping().unwrap_err();
            assert!(matches!(err, Error::ConnectionError { .. }), "{err:?}");
            assert!(t.elapsed() < Duration::from_millis(100));
            std::thread::sleep(Duration::from_millis(5));
        }
        assert!(matches!(
            client.wait_connected(Duration::from_millis(50)),
            Err(Error::ConnectionError { .. })
        ));
        let stats = client.stats();
        assert_eq!(stats.procedures["@Ping"].errors, 20);
        // The background attempts run on their own threads: on a loaded
        // machine the first may not have ended yet (bounded wait).
        let deadline = Instant::now() + Duration::from_secs(5);
        let mut stats = stats;
        while stats.connections[0].connect_failures == 0 && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(10));
            stats = client.stats();
        }
        assert!(stats.connections[0].connect_failures >= 1, "{stats}");
        let c2 = client.clone();
        client.close();
        assert!(c2.is_closed());
        assert!(matches!(c2.ping(), Err(Error::Closed)));
    }

    #[test]
    fn encode_errors_come_first() {
        let client = Client::builder()
            .host("127.0.0.1", free_port())
            .lazy(true)
            .build()
            .unwrap();
        let opts = CallOptions::new().types(vec![crate::VoltType::TinyInt]);
        let err = client
            .call_with("P", &[Value::from(1000i64)], &opts)
            .unwrap_err();
        assert!(matches!(err, Error::Encode(_)), "{err:?}");
        let opts = CallOptions::new().priority(9);
        assert!(matches!(
            client.call_with("P", &[], &opts),
            Err(Error::Encode(_))
        ));
    }

    #[test]
    fn invalid_configurations() {
        assert!(Client::connection_pool(["a"], 1, 0, true).is_err());
        assert!(Client::lazy_connection_pool(["a:xx"], 1, 1, true).is_err());
        assert!(Client::lazy_connection_pool(Vec::<String>::new(), 1, 1, true).is_err());
    }
}
