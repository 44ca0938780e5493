//! Call counters: per procedure, per connection, in total.

use std::collections::BTreeMap;
use std::time::Duration;

use super::Histogram;

/// Counters of calls: per procedure, per connection, or in total.
///
/// Every call ends exactly once and is counted in exactly one of
/// `successes`, `failures`, `timeouts` and `errors`. Calls rejected before
/// anything is sent because their parameters cannot be encoded are not counted.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct CallStats {
    /// Calls that ended (any outcome).
    pub calls: u64,
    /// Responses with status `SUCCESS`.
    pub successes: u64,
    /// Responses with any other status (the server answered; see [`VoltResponse::status`](crate::VoltResponse::status)).
    pub failures: u64,
    /// Calls that ended with [`Error::Timeout`](crate::Error::Timeout).
    pub timeouts: u64,
    /// Calls that ended with another error: no connection, connection lost,
    /// backpressure, client closed.
    pub errors: u64,
    /// Bytes of invocations written to a socket.
    pub bytes_sent: u64,
    /// Bytes of responses received for these calls.
    pub bytes_received: u64,
    /// Client round-trip times of the calls that got a response.
    pub latency: Histogram,
}

/// How a call ended, for the statistics.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Outcome {
    Success,
    Failure,
    Timeout,
    Error,
}

impl CallStats {
    /// Adds `other` into `self`.
    pub fn merge(&mut self, other: &CallStats) {
        self.calls += other.calls;
        self.successes += other.successes;
        self.failures += other.failures;
        self.timeouts += other.timeouts;
        self.errors += other.errors;
        self.bytes_sent += other.bytes_sent;
        self.bytes_received += other.bytes_received;
        self.latency.merge(&other.latency);
    }

    /// Counts one call that ended with `outcome`.
    pub(crate) fn record(
        &mut self,
        outcome: Outcome,
        latency: Option<Duration>,
        sent: usize,
        received: usize,
    ) {
        self.calls += 1;
        match outcome {
            Outcome::Success => self.successes += 1,
            Outcome::Failure => self.failures += 1,
            Outcome::Timeout => self.timeouts += 1,
            Outcome::Error => self.errors += 1,
        }
        self.bytes_sent += sent as u64;
        self.bytes_received += received as u64;
        if let Some(l) = latency {
            self.latency.record(l);
        }
    }
}

/// Per-procedure counters, keyed by procedure name.
pub(crate) type ProcMap = BTreeMap<String, CallStats>;

/// Counts one call of `procedure` in `map`.
pub(crate) fn record_in(
    map: &mut ProcMap,
    procedure: &str,
    outcome: Outcome,
    latency: Option<Duration>,
    sent: usize,
    received: usize,
) {
    if let Some(s) = map.get_mut(procedure) {
        s.record(outcome, latency, sent, received);
    } else {
        let mut s = CallStats::default();
        s.record(outcome, latency, sent, received);
        map.insert(procedure.to_string(), s);
    }
}
