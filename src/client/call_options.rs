//! [`CallOptions`]: the options of one call.

use std::time::Duration;

use crate::wire::invocation::InvocationOptions;
use crate::wire::types::VoltType;

/// Options of one call: client timeout, declared parameter types, and the
/// server-side options of a version-2 invocation (query timeout, priority).
///
/// ```
/// use std::time::Duration;
/// use voltdb::client::CallOptions;
/// use voltdb::VoltType;
/// let opts = CallOptions::new()
///     .timeout(Duration::from_secs(2))
///     .query_timeout(Duration::from_millis(500))
///     .priority(2)
///     .types(vec![VoltType::String, VoltType::Varbinary]);
/// assert_eq!(opts.invocation.batch_timeout_ms, Some(500));
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CallOptions {
    /// Client-side timeout (`None`: the client's default).
    pub timeout: Option<Duration>,
    /// Declared parameter types (`None`: each value is sent as its own type).
    pub types: Option<Vec<VoltType>>,
    /// Server-side options (any set field makes the invocation version 2).
    pub invocation: InvocationOptions,
}

impl CallOptions {
    /// Default options.
    pub fn new() -> CallOptions {
        CallOptions::default()
    }

    /// Client-side timeout of this call.
    pub fn timeout(mut self, t: Duration) -> Self {
        self.timeout = Some(t);
        self
    }

    /// Declared parameter types (values are checked and converted exactly).
    pub fn types(mut self, types: Vec<VoltType>) -> Self {
        self.types = Some(types);
        self
    }

    /// Server-side SQL batch timeout (`BATCH_TIMEOUT` extension, whole milliseconds).
    pub fn query_timeout(mut self, t: Duration) -> Self {
        self.invocation.batch_timeout_ms = Some(t.as_millis().min(i32::MAX as u128) as i32);
        self
    }

    /// Request priority, 1 (highest) ..= 8 (`REQUEST_PRIORITY` extension).
    pub fn priority(mut self, p: u8) -> Self {
        self.invocation.priority = Some(p);
        self
    }

    /// Time the server may keep the call queued before giving up on it
    /// (`REQUEST_TIMEOUT` extension, microseconds).
    pub fn request_timeout(mut self, t: Duration) -> Self {
        self.invocation.request_timeout_us = Some(t.as_micros().min(i32::MAX as u128) as i32);
        self
    }

    /// All server-side options at once.
    pub fn invocation(mut self, o: InvocationOptions) -> Self {
        self.invocation = o;
        self
    }
}
