//! [`ClientBuilder`]: a [`ClientConfig`] set step by step, then built.

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use crate::error::Result;
use crate::wire::login::HashScheme;

use super::config::{parse_host, BackpressurePolicy, ClientConfig, UnsolicitedHook, DEFAULT_PORT};
use super::{Client, Unsolicited};

/// Builds a [`Client`]: hosts, pool size, reconnect, lazy, credentials,
/// timeouts, backpressure, keepalive, backoff.
///
/// ```no_run
/// use std::time::Duration;
/// use voltdb::client::{BackpressurePolicy, Client};
/// let client = Client::builder()
///     .hosts(["volt1", "volt2:21212"])?
///     .pool_size(2)
///     .username("admin")
///     .password("adminpw")
///     .call_timeout(Duration::from_secs(5))
///     .max_in_flight(1000)
///     .backpressure(BackpressurePolicy::Fail)
///     .build()?;
/// # Ok::<(), voltdb::Error>(())
/// ```
#[derive(Clone, Default)]
pub struct ClientBuilder {
    config: ClientConfig,
    hosts_set: bool,
    on_unsolicited: Option<UnsolicitedHook>,
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("config", &self.config)
            .field("on_unsolicited", &self.on_unsolicited.is_some())
            .finish()
    }
}

impl ClientBuilder {
    /// A builder with the default configuration (`localhost:21212`).
    pub fn new() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// A builder starting from `config`.
    pub fn from_config(config: ClientConfig) -> ClientBuilder {
        ClientBuilder {
            config,
            hosts_set: true,
            on_unsolicited: None,
        }
    }

    /// Adds one server. The first call replaces the default `localhost:21212`.
    pub fn host(mut self, host: impl Into<String>, port: u16) -> Self {
        if !self.hosts_set {
            self.config.hosts.clear();
            self.hosts_set = true;
        }
        self.config.hosts.push((host.into(), port));
        self
    }

    /// Adds servers given as `"host"` or `"host:port"` (default port 21212).
    /// The first call replaces the default `localhost:21212`.
    pub fn hosts<I, S>(mut self, hosts: I) -> Result<Self>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        for h in hosts {
            let (host, port) = parse_host(h.as_ref(), DEFAULT_PORT)?;
            self = self.host(host, port);
        }
        Ok(self)
    }

    /// Connections per host (default 1).
    pub fn pool_size(mut self, n: usize) -> Self {
        self.config.pool_size = n;
        self
    }

    /// Reconnect lost connections in the background (default true).
    pub fn reconnect(mut self, on: bool) -> Self {
        self.config.reconnect = on;
        self
    }

    /// Connect in the background: [`build`](Self::build) returns at once.
    pub fn lazy(mut self, on: bool) -> Self {
        self.config.lazy = on;
        self
    }

    /// User name.
    pub fn username(mut self, u: impl Into<String>) -> Self {
        self.config.username = u.into();
        self
    }

    /// Password.
    pub fn password(mut self, p: impl Into<String>) -> Self {
        self.config.password = p.into();
        self
    }

    /// Password hash scheme.
    pub fn hash_scheme(mut self, s: HashScheme) -> Self {
        self.config.hash_scheme = s;
        self
    }

    /// Time allowed for each connect plus login.
    pub fn connect_timeout(mut self, t: Duration) -> Self {
        self.config.connect_timeout = t;
        self
    }

    /// Default client-side call timeout.
    pub fn call_timeout(mut self, t: Duration) -> Self {
        self.config.call_timeout = t;
        self
    }

    /// Calls in flight per connection before backpressure applies.
    pub fn max_in_flight(mut self, n: usize) -> Self {
        self.config.max_in_flight = n;
        self
    }

    /// Block or fail past `max_in_flight`.
    pub fn backpressure(mut self, p: BackpressurePolicy) -> Self {
        self.config.backpressure = p;
        self
    }

    /// Idle time before a keepalive `@Ping` (`None` disables keepalive).
    pub fn keepalive_interval(mut self, t: Option<Duration>) -> Self {
        self.config.keepalive_interval = t;
        self
    }

    /// How long a keepalive ping may go unanswered before the connection is
    /// declared dead; also the socket write timeout.
    pub fn response_timeout(mut self, t: Duration) -> Self {
        self.config.response_timeout = t;
        self
    }

    /// Reconnect backoff: first delay, largest delay, jitter fraction.
    pub fn backoff(mut self, initial: Duration, max: Duration, jitter: f64) -> Self {
        self.config.initial_backoff = initial;
        self.config.max_backoff = max;
        self.config.jitter = jitter;
        self
    }

    /// Largest response frame accepted.
    pub fn frame_cap(mut self, cap: usize) -> Self {
        self.config.frame_cap = cap;
        self
    }

    /// Cluster discovery and client affinity (default off; see
    /// [`ClientConfig::discover`]): learn every node from the configured
    /// seeds, connect to all of them, route each single-partition call to
    /// its partition leader, follow topology changes.
    pub fn discover(mut self, on: bool) -> Self {
        self.config.discover = on;
        self
    }

    /// With discovery: connections to each node (default: `pool_size`).
    pub fn connections_per_node(mut self, n: usize) -> Self {
        self.config.connections_per_node = Some(n);
        self
    }

    /// TLS on every connection (feature `tls`), discovered nodes' and
    /// reconnections included. See [`TlsConfig`](crate::TlsConfig).
    #[cfg(feature = "tls")]
    pub fn tls(mut self, tls: crate::TlsConfig) -> Self {
        self.config.tls = Some(tls);
        self
    }

    /// Receives unsolicited messages: replies whose handle is above the
    /// client's range (`i64::MAX - 64 ..`), other than its keepalive pings,
    /// e.g. `@Subscribe` topology pushes (with
    /// [`discover`](Self::discover) on, the client applies them to its
    /// topology first). Runs on the connection's reader
    /// thread: keep it short, and do not block on calls of the same client.
    /// (A closure that owns a clone of the client keeps it alive: pass data
    /// out through a channel instead.)
    pub fn on_unsolicited(mut self, f: impl Fn(Unsolicited) + Send + Sync + 'static) -> Self {
        self.on_unsolicited = Some(Arc::new(f));
        self
    }

    /// Records every byte each connection sends and receives, one file per
    /// connection: `path` with `.n` appended, `n` counting connections as
    /// they open (see [`ClientConfig::dump_file`]). The password digest in
    /// each login message is zeroed unless
    /// [`dump_password_digest`](Self::dump_password_digest) is set.
    pub fn dump_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.config.dump_file = Some(path.into());
        self
    }

    /// Keep the real password digest in the dump files.
    pub fn dump_password_digest(mut self, keep: bool) -> Self {
        self.config.dump_password_digest = keep;
        self
    }

    /// The configuration so far.
    pub fn config(&self) -> &ClientConfig {
        &self.config
    }

    /// Builds the client. Eager (the default): connects every connection
    /// first and fails if none could be made. Lazy: returns at once and
    /// connects in the background.
    pub fn build(self) -> Result<Client> {
        Client::from_parts(self.config, self.on_unsolicited)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builder_hosts_replace_default() {
        let b = ClientBuilder::new()
            .hosts(["a", "b:5"])
            .unwrap()
            .host("c", 6);
        assert_eq!(
            b.config().hosts,
            vec![("a".into(), 21212), ("b".into(), 5), ("c".into(), 6)]
        );
        assert_eq!(
            ClientBuilder::new().config().hosts,
            vec![("localhost".into(), 21212)]
        );
    }

    #[test]
    fn connections_per_node_applies_with_discovery() {
        let b = ClientBuilder::new().pool_size(3).connections_per_node(2);
        assert!(!b.config().discover);
        assert_eq!(b.config().per_node(), 3);
        let b = b.discover(true);
        assert_eq!(b.config().per_node(), 2);
        assert_eq!(ClientBuilder::new().discover(true).config().per_node(), 1);
    }

    #[test]
    fn debug_redacts_password() {
        let c = ClientBuilder::new().password("secret");
        assert!(!format!("{c:?}").contains("secret"));
    }
}
