//! [`CallOptions`]: the options of one call, for both clients.

use std::time::Duration;

use crate::wire::invocation::InvocationOptions;
use crate::wire::types::VoltType;

/// Options of one call: client timeout, declared parameter types, and the
/// server-side options (query timeout, priority, request timeout), which
/// make the invocation version 2.
///
/// The same options serve both clients:
/// [`Client::call_with`](crate::Client::call_with),
/// [`FastSerializer::call_with`](crate::FastSerializer::call_with) and
/// [`VoltProcedure::with_options`](crate::VoltProcedure::with_options).
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
/// assert_eq!(opts.timeout, Some(Duration::from_secs(2)));
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CallOptions {
    /// Client-side timeout (`None`: the client's default).
    pub timeout: Option<Duration>,
    /// Declared parameter types (`None`: each value is sent as its own type).
    pub types: Option<Vec<VoltType>>,
    /// Server-side options (any set field makes the invocation version 2).
    pub(crate) invocation: InvocationOptions,
}

/// `t` in whole `unit`s (nanoseconds per unit), rounded up when under one
/// unit: a non-zero time must not become 0, which the server reads as "no
/// timeout". Capped at `i32::MAX`.
fn whole_units(t: Duration, unit: u128) -> i32 {
    let n = t.as_nanos() / unit;
    let n = if n == 0 && !t.is_zero() { 1 } else { n };
    n.min(i32::MAX as u128) as i32
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

    /// Server-side SQL batch timeout (`BATCH_TIMEOUT` extension), sent in
    /// whole milliseconds: truncated, except that a time under 1 ms is sent
    /// as 1 ms (the server reads 0 as "no timeout"; `Duration::ZERO` does
    /// mean that).
    pub fn query_timeout(mut self, t: Duration) -> Self {
        self.invocation.batch_timeout_ms = Some(whole_units(t, 1_000_000));
        self
    }

    /// Request priority, 1 (highest) ..= 8 (`REQUEST_PRIORITY` extension);
    /// other values fail the call with [`EncodeError::OutOfRange`](crate::EncodeError::OutOfRange).
    pub fn priority(mut self, p: u8) -> Self {
        self.invocation.priority = Some(p);
        self
    }

    /// Time the server may keep the call queued before giving up on it
    /// (`REQUEST_TIMEOUT` extension), sent in whole microseconds, at least
    /// 1 µs unless zero.
    pub fn request_timeout(mut self, t: Duration) -> Self {
        self.invocation.request_timeout_us = Some(whole_units(t, 1_000));
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_timeout_under_a_millisecond_rounds_up_not_to_zero() {
        let ms = |t| {
            CallOptions::new()
                .query_timeout(t)
                .invocation
                .batch_timeout_ms
        };
        assert_eq!(ms(Duration::from_micros(1)), Some(1));
        assert_eq!(ms(Duration::from_nanos(999_999)), Some(1));
        assert_eq!(ms(Duration::from_micros(1500)), Some(1));
        assert_eq!(ms(Duration::from_millis(500)), Some(500));
        assert_eq!(ms(Duration::ZERO), Some(0));
        assert_eq!(ms(Duration::MAX), Some(i32::MAX));
        let us = |t| {
            CallOptions::new()
                .request_timeout(t)
                .invocation
                .request_timeout_us
        };
        assert_eq!(us(Duration::from_nanos(1)), Some(1));
        assert_eq!(us(Duration::from_millis(2)), Some(2000));
        assert_eq!(us(Duration::ZERO), Some(0));
    }

    #[test]
    fn server_side_options_select_version_2() {
        assert!(!CallOptions::new()
            .timeout(Duration::from_secs(1))
            .invocation
            .needs_v2());
        let o = CallOptions::new()
            .query_timeout(Duration::from_millis(500))
            .priority(2);
        assert_eq!(o.invocation.batch_timeout_ms, Some(500));
        assert_eq!(o.invocation.priority, Some(2));
        assert!(o.invocation.needs_v2());
    }
}
