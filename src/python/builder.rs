//! [`FastSerializerBuilder`]: the options of a [`FastSerializer`] connection.

use std::path::PathBuf;
use std::time::Duration;

use crate::client::{parse_host, DEFAULT_CALL_TIMEOUT};
use crate::connection::{ConnectOptions, Dump, Session};
use crate::error::Result;
use crate::wire::login::HashScheme;

use super::serializer::FastSerializer;

/// Options of [`FastSerializer`]: the Python constructor's parameters that
/// apply to this client.
///
/// ```no_run
/// use std::time::Duration;
/// use voltdb::FastSerializer;
/// let fser = FastSerializer::builder("localhost", 21212)
///     .username("admin")
///     .password("adminpw")
///     .procedure_timeout(Duration::from_secs(30))
///     .connect()?;
/// # Ok::<(), voltdb::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct FastSerializerBuilder {
    host: String,
    port: u16,
    connect: ConnectOptions,
    dump_file: Option<PathBuf>,
    dump_password_digest: bool,
    procedure_timeout: Option<Duration>,
    default_timeout: Option<Duration>,
}

impl FastSerializerBuilder {
    /// Options for a connection to `host` (or `"host:port"`) at `port`.
    pub(super) fn new(host: &str, port: u16) -> FastSerializerBuilder {
        FastSerializerBuilder {
            host: host.to_string(),
            port,
            connect: ConnectOptions::default(),
            dump_file: None,
            dump_password_digest: false,
            procedure_timeout: Some(DEFAULT_CALL_TIMEOUT),
            default_timeout: None,
        }
    }

    /// User name (Python `username`).
    pub fn username(mut self, u: impl Into<String>) -> Self {
        self.connect.username = u.into();
        self
    }
    /// Password (Python `password`); only its digest is sent.
    pub fn password(mut self, p: impl Into<String>) -> Self {
        self.connect.password = p.into();
        self
    }
    /// Password hash scheme (SHA-256 by default; SHA-1 for old servers).
    pub fn hash_scheme(mut self, s: HashScheme) -> Self {
        self.connect.hash_scheme = s;
        self
    }
    /// Time allowed to connect and log in (Python `connect_timeout`, default 8 s).
    pub fn connect_timeout(mut self, t: Duration) -> Self {
        self.connect.connect_timeout = t;
        self
    }
    /// Default timeout of procedure calls (Python `procedure_timeout`).
    /// Default: 2 minutes, as [`ClientConfig::call_timeout`](crate::ClientConfig::call_timeout)
    /// (Python waits forever: see [`no_procedure_timeout`](Self::no_procedure_timeout)).
    /// A call that times out fails with [`Error::Timeout`](crate::Error::Timeout)
    /// and the connection stays usable.
    pub fn procedure_timeout(mut self, t: Duration) -> Self {
        self.procedure_timeout = Some(t);
        self
    }
    /// Procedure calls wait for their response for ever, as Python's
    /// `procedure_timeout=None` does.
    pub fn no_procedure_timeout(mut self) -> Self {
        self.procedure_timeout = None;
        self
    }
    /// Timeout of every other socket read after login (Python `default_timeout`).
    pub fn default_timeout(mut self, t: Duration) -> Self {
        self.default_timeout = Some(t);
        self
    }
    /// Records every byte sent and received to this file (Python `dump_file_path`).
    /// The password digest in the login message is redacted (zeroed) unless
    /// [`dump_password_digest`](Self::dump_password_digest) is set.
    pub fn dump_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.dump_file = Some(path.into());
        self
    }
    /// Keep the real password digest in the dump file.
    pub fn dump_password_digest(mut self, keep: bool) -> Self {
        self.dump_password_digest = keep;
        self
    }
    /// Largest response frame accepted (default 50 MiB, the server's own limit).
    pub fn frame_cap(mut self, cap: usize) -> Self {
        self.connect.frame_cap = cap;
        self
    }
    /// TLS on the connection (feature `tls`; the Python client's
    /// `ssl_config_file`, verifying by default). See
    /// [`TlsConfig`](crate::TlsConfig).
    #[cfg(feature = "tls")]
    pub fn tls(mut self, tls: crate::TlsConfig) -> Self {
        self.connect.tls = Some(tls);
        self
    }
    /// Connects and logs in.
    ///
    /// The host may carry its own port, as in the [`Client`](crate::Client)
    /// constructors: `"volt1:21211"` (or `"[::1]:21211"`) connects to that
    /// port, whatever the builder's port.
    pub fn connect(self) -> Result<FastSerializer> {
        let (host, port) = parse_host(&self.host, self.port)?;
        let dump = match &self.dump_file {
            Some(p) => Dump::create(p, self.dump_password_digest)?,
            None => Dump::off(),
        };
        let session = Session::open(&host, port, &self.connect, dump)?;
        Ok(FastSerializer::from_session(
            session,
            self.procedure_timeout,
            self.default_timeout,
            self.connect.frame_cap,
        ))
    }
}
