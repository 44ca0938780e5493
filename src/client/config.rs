//! [`ClientConfig`]: every setting of a client, checked before it starts.

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use crate::error::{Error, Result};
use crate::wire::login::HashScheme;
use crate::wire::DEFAULT_FRAME_CAP;

use super::Unsolicited;
#[cfg(doc)]
use super::{Client, ClientBuilder};

/// The default VoltDB client port.
pub const DEFAULT_PORT: u16 = 21212;

/// The default client-side timeout of a call, for both clients: 2 minutes
/// ([`ClientConfig::call_timeout`], and the
/// [`FastSerializer`](crate::FastSerializer)'s procedure timeout).
pub const DEFAULT_CALL_TIMEOUT: Duration = Duration::from_secs(120);

/// What a call does when its connection already has
/// [`max_in_flight`](ClientConfig::max_in_flight) calls outstanding (and so
/// does every other healthy connection).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum BackpressurePolicy {
    /// Wait for a free place, up to the call's timeout; then fail with
    /// [`Error::Backpressure`] (nothing was sent).
    #[default]
    Block,
    /// Fail at once with [`Error::Backpressure`] (nothing was sent).
    Fail,
}

/// Everything a [`Client`] is built from. Start from
/// [`ClientConfig::default()`] (or use [`Client::builder`]) and change fields.
///
/// The defaults follow the Python `VoltClient` and the Java client: port
/// 21212, one connection per host, reconnect on with a backoff from 0.5 s to
/// 30 s and 20 % jitter, 8 s connect timeout, 2 min call timeout, 3000 calls
/// in flight per connection, a keepalive `@Ping` after 10 s without traffic
/// and a connection declared dead when that ping is unanswered for 30 s.
///
/// ```
/// use std::time::Duration;
/// use voltdb::client::ClientConfig;
/// let mut config = ClientConfig::default();
/// config.hosts = vec![("volt1".into(), 21212), ("volt2".into(), 21212)];
/// config.pool_size = 2;
/// config.call_timeout = Duration::from_secs(10);
/// assert!(config.reconnect);
/// ```
#[derive(Clone)]
#[non_exhaustive]
pub struct ClientConfig {
    /// Servers to connect to (host, port). Default: `localhost:21212`.
    pub hosts: Vec<(String, u16)>,
    /// Connections per host (default 1).
    pub pool_size: usize,
    /// Reconnect lost connections in the background (default true).
    pub reconnect: bool,
    /// Connect in the background instead of before the constructor returns.
    pub lazy: bool,
    /// User name (empty when security is off).
    pub username: String,
    /// Password; only its digest is sent.
    pub password: String,
    /// Password hash scheme (default SHA-256).
    pub hash_scheme: HashScheme,
    /// Time allowed for each TCP connect plus login (default 8 s).
    pub connect_timeout: Duration,
    /// Default client-side timeout of a call (default 2 min).
    pub call_timeout: Duration,
    /// Calls in flight per connection before backpressure applies (default 3000).
    pub max_in_flight: usize,
    /// What happens past `max_in_flight` (default [`BackpressurePolicy::Block`]).
    pub backpressure: BackpressurePolicy,
    /// Send a keepalive `@Ping` on a connection that has received nothing for
    /// this long (default 10 s). `None` disables keepalive.
    pub keepalive_interval: Option<Duration>,
    /// A connection whose keepalive ping goes unanswered this long is declared
    /// dead (default 30 s). Also the socket write timeout.
    pub response_timeout: Duration,
    /// First reconnect delay (default 0.5 s); doubled after each failed attempt.
    pub initial_backoff: Duration,
    /// Largest reconnect delay (default 30 s).
    pub max_backoff: Duration,
    /// Random spread of each reconnect delay, as a fraction (default 0.2 = ±20 %).
    pub jitter: f64,
    /// Largest response frame accepted (default 50 MiB).
    pub frame_cap: usize,
    /// Cluster discovery and client affinity. Off by
    /// default, so that the plain constructors keep their contract (exactly
    /// the configured hosts, round-robin, no calls but the caller's); on
    /// with [`Client::cluster`](super::Client::cluster) or
    /// [`ClientBuilder::discover`].
    ///
    /// When on, the client learns the cluster from its first connection:
    /// every node's address (`@SystemInformation OVERVIEW`), partition
    /// leaders and the hash ring (`@Statistics TOPO`), and how each
    /// procedure is partitioned (`@SystemCatalog PROCEDURES`), after
    /// `@Subscribe TOPOLOGY` so that the server's pushes keep it current. It
    /// connects to every node ([`connections_per_node`](Self::connections_per_node)
    /// each), refuses nodes of another cluster instance, sends each
    /// single-partition call to a connection of its partition leader's node,
    /// and falls back to any healthy connection whenever that is not
    /// possible. The configured hosts are only the seeds.
    pub discover: bool,
    /// With [`discover`](Self::discover): connections to each node,
    /// configured or discovered (`None`, the default, uses
    /// [`pool_size`](Self::pool_size)).
    pub connections_per_node: Option<usize>,
    /// Records every byte each connection sends and receives (the
    /// [`FastSerializer`](crate::FastSerializer)'s dump, per connection):
    /// connection number `n` (0 for the first opened, counting reconnects
    /// and discovered nodes) writes to this path with `.n` appended, e.g.
    /// `volt.dump.0`, `volt.dump.1`. Each message is followed by a newline.
    /// Default: no dump.
    pub dump_file: Option<PathBuf>,
    /// Keep the real password digest in the dump files (default false: the
    /// digest in each login message is zeroed).
    pub dump_password_digest: bool,
    /// TLS on every connection, discovered nodes' included (feature `tls`;
    /// default `None`: plain TCP). See [`TlsConfig`](crate::TlsConfig).
    #[cfg(feature = "tls")]
    pub tls: Option<crate::TlsConfig>,
}

impl Default for ClientConfig {
    fn default() -> ClientConfig {
        ClientConfig {
            hosts: vec![("localhost".to_string(), DEFAULT_PORT)],
            pool_size: 1,
            reconnect: true,
            lazy: false,
            username: String::new(),
            password: String::new(),
            hash_scheme: HashScheme::Sha256,
            connect_timeout: Duration::from_secs(8),
            call_timeout: DEFAULT_CALL_TIMEOUT,
            max_in_flight: 3000,
            backpressure: BackpressurePolicy::Block,
            keepalive_interval: Some(Duration::from_secs(10)),
            response_timeout: Duration::from_secs(30),
            initial_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(30),
            jitter: 0.2,
            frame_cap: DEFAULT_FRAME_CAP,
            discover: false,
            connections_per_node: None,
            dump_file: None,
            dump_password_digest: false,
            #[cfg(feature = "tls")]
            tls: None,
        }
    }
}

impl fmt::Debug for ClientConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut f = f.debug_struct("ClientConfig");
        f.field("hosts", &self.hosts)
            .field("pool_size", &self.pool_size)
            .field("reconnect", &self.reconnect)
            .field("lazy", &self.lazy)
            .field("username", &self.username)
            .field("password", &"<redacted>")
            .field("hash_scheme", &self.hash_scheme)
            .field("connect_timeout", &self.connect_timeout)
            .field("call_timeout", &self.call_timeout)
            .field("max_in_flight", &self.max_in_flight)
            .field("backpressure", &self.backpressure)
            .field("keepalive_interval", &self.keepalive_interval)
            .field("response_timeout", &self.response_timeout)
            .field("initial_backoff", &self.initial_backoff)
            .field("max_backoff", &self.max_backoff)
            .field("jitter", &self.jitter)
            .field("frame_cap", &self.frame_cap)
            .field("discover", &self.discover)
            .field("connections_per_node", &self.connections_per_node)
            .field("dump_file", &self.dump_file)
            .field("dump_password_digest", &self.dump_password_digest);
        #[cfg(feature = "tls")]
        f.field("tls", &self.tls);
        f.finish()
    }
}

impl ClientConfig {
    /// Connections per node (per configured host without discovery).
    pub(crate) fn per_node(&self) -> usize {
        match self.connections_per_node {
            Some(n) if self.discover => n,
            _ => self.pool_size,
        }
    }

    pub(crate) fn validate(&self) -> Result<()> {
        let bad = |what: &str| Err(invalid(format!("invalid client configuration: {what}")));
        if self.hosts.is_empty() {
            return bad("no hosts");
        }
        if self.pool_size == 0 {
            return bad("pool_size must be at least 1");
        }
        if self.connections_per_node == Some(0) {
            return bad("connections_per_node must be at least 1");
        }
        if self.max_in_flight == 0 {
            return bad("max_in_flight must be at least 1");
        }
        if !(0.0..=1.0).contains(&self.jitter) {
            return bad("jitter must be within 0..=1");
        }
        if self.response_timeout.is_zero() {
            return bad("response_timeout must not be zero");
        }
        if self.initial_backoff.is_zero() || self.max_backoff < self.initial_backoff {
            return bad("initial_backoff must be non-zero and at most max_backoff");
        }
        if self.keepalive_interval == Some(Duration::ZERO) {
            return bad("keepalive_interval must not be zero (use None to disable)");
        }
        Ok(())
    }
}

/// Parses `"host"`, `"host:port"`, `"[v6addr]:port"` or a bare IPv6 address.
pub(crate) fn parse_host(s: &str, default_port: u16) -> Result<(String, u16)> {
    let s = s.trim();
    let bad = || invalid(format!("invalid host address {s:?}"));
    if s.is_empty() {
        return Err(bad());
    }
    if let Some(rest) = s.strip_prefix('[') {
        let (host, after) = rest.split_once(']').ok_or_else(bad)?;
        let port = match after {
            "" => default_port,
            p => p
                .strip_prefix(':')
                .and_then(|p| p.parse().ok())
                .ok_or_else(bad)?,
        };
        return Ok((host.to_string(), port));
    }
    match s.matches(':').count() {
        0 => Ok((s.to_string(), default_port)),
        1 => {
            let (h, p) = s.split_once(':').ok_or_else(bad)?;
            if h.is_empty() {
                return Err(bad());
            }
            Ok((h.to_string(), p.parse().map_err(|_| bad())?))
        }
        // A bare IPv6 address.
        _ => Ok((s.to_string(), default_port)),
    }
}

fn invalid(msg: String) -> Error {
    Error::InvalidArgument(msg)
}

pub(crate) type UnsolicitedHook = Arc<dyn Fn(Unsolicited) + Send + Sync>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_parsing() {
        assert_eq!(
            parse_host("volt1", 21212).unwrap(),
            ("volt1".to_string(), 21212)
        );
        assert_eq!(
            parse_host("volt1:21211", 21212).unwrap(),
            ("volt1".to_string(), 21211)
        );
        assert_eq!(
            parse_host("[::1]:5000", 21212).unwrap(),
            ("::1".to_string(), 5000)
        );
        assert_eq!(
            parse_host("::1", 21212).unwrap(),
            ("::1".to_string(), 21212)
        );
        assert!(parse_host("volt1:port", 21212).is_err());
        assert_eq!(parse_host(" h ", 1).unwrap(), ("h".into(), 1));
        assert_eq!(parse_host("h:2", 1).unwrap(), ("h".into(), 2));
        assert_eq!(parse_host("[::1]", 1).unwrap(), ("::1".into(), 1));
        assert_eq!(parse_host("fe80::1:2", 1).unwrap(), ("fe80::1:2".into(), 1));
        for bad in ["", ":1", "h:", "h:70000", "[::1", "[::1]x", "[::1]:"] {
            assert!(parse_host(bad, 1).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn validation() {
        assert!(ClientConfig::default().validate().is_ok());
        let c = ClientConfig {
            pool_size: 0,
            ..ClientConfig::default()
        };
        assert!(c.validate().is_err());
        let mut c = ClientConfig::default();
        c.hosts.clear();
        assert!(c.validate().is_err());
        let c = ClientConfig {
            jitter: 2.0,
            ..ClientConfig::default()
        };
        assert!(c.validate().is_err());
        let c = ClientConfig {
            initial_backoff: Duration::ZERO,
            ..ClientConfig::default()
        };
        assert!(c.validate().is_err());
        let c = ClientConfig {
            max_backoff: Duration::from_millis(100),
            ..ClientConfig::default()
        };
        assert!(c.validate().is_err());
        let c = ClientConfig {
            connections_per_node: Some(0),
            ..ClientConfig::default()
        };
        assert!(c.validate().is_err());
    }
}
